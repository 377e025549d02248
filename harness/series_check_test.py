"""Unit tests of harness/series_check.py's parsers and table, on recorded
checkpatch and kbuild output (no kernel tree needed)."""

import unittest

import series_check as sc

CHECKPATCH = """\
WARNING:FILE_PATH_CHANGES: added, moved or deleted file(s), does MAINTAINERS need updating?
#51: 
new file mode 100644

WARNING:ENOSYS: ENOSYS means 'invalid syscall nr' and nothing else
#10436: FILE: tools/testing/selftests/pidns/pidns_util.h:551:
+	if (errno != ENOSYS)

CHECK:PARENTHESIS_ALIGNMENT: Alignment should match open parenthesis
#120: FILE: kernel/pid.c:55:
+	foo(a,
+		b);

ERROR:TRAILING_WHITESPACE: trailing whitespace
#130: FILE: kernel/pid.c:60:
+int x; $

total: 1 errors, 2 warnings, 1 checks, 12132 lines checked

NOTE: For some of the reported defects, checkpatch may be able to
      mechanically convert to the typical style using --fix or --fix-inplace.

/x/0009-selftests.patch has style problems, please review.
"""

CLEAN = """\
total: 0 errors, 0 warnings, 0 checks, 33 lines checked

/x/0003-signal.patch has no obvious style problems and is ready for submission.
"""

MAIL = """\
From 1234 Mon Sep 17 00:00:00 2001
From: pidns <pidns@invalid>
Subject: [PATCH 07/10] selftests/pidns: add a pid namespace conformance
 suite that is long
Date: Thu, 1 Jan 2026 00:00:00 +0000

The suite.

checkpatch: ENOSYS: the tests probe for a missing system call
  checkpatch:MACRO_WITH_FLOW_CONTROL:  kselftest_harness's SKIP
    returns,
  as it must
checkpatch: lowercase: not a type
  not a continuation
Signed-off-by: pidns <pidns@invalid>
---
 tools/testing/selftests/pidns/Makefile | 10 +
 kernel/pid.c | 2 +-

diff --git a/tools/testing/selftests/pidns/Makefile b/tools/testing/selftests/pidns/Makefile
new file mode 100644
index 0000000..1111111
--- /dev/null
+++ b/tools/testing/selftests/pidns/Makefile
@@ -0,0 +1 @@
+checkpatch: LONG_LINE: not in the changelog
diff --git a/kernel/pid.c b/kernel/pid.c
index 2222222..3333333 100644
--- a/kernel/pid.c
+++ b/kernel/pid.c
@@ -1 +1 @@
-a
+b
diff --git a/kernel/old.c b/kernel/new.c
similarity index 90%
rename from kernel/old.c
rename to kernel/new.c
"""

MAINTAINERS = """\
List of maintainers
===================

Descriptions of section entries and preferred order
---------------------------------------------------

\tM: *Mail* patches to: FullName <address@domain>

Maintainers List
----------------

KERNEL SELFTEST FRAMEWORK
M:\tShuah Khan <shuah@kernel.org>
F:\ttools/testing/selftests/
X:\ttools/testing/selftests/private/

PID NAMESPACES
M:\tpidns <pidns@invalid>
F:\tkernel/pid.c
F:\tkernel/pid_*.c
F:\tarch/*/include/asm/

THE REST
M:\tLinus Torvalds <torvalds@linux-foundation.org>
F:\t*
F:\t*/
"""

KBUILD = """\
make[1]: Entering directory '/w/build/series-check/debug'
  GEN     Makefile
  CALL    ../src/scripts/checksyscalls.sh
  CC      kernel/pid.o
../src/kernel/pid.c:120:5: warning: no previous prototype for 'f' [-Wmissing-prototypes]
  120 | int f(void)
      |     ^
../src/include/linux/list.h:3:1: warning: something in a header
  CHECK   ../src/kernel/pid.c
../src/kernel/pid.c:200:17: warning: incorrect type in assignment (different address spaces)
../src/kernel/pid.c:200:17:    expected struct pid *
../src/include/linux/rculist.h:10:9: error: bad constant expression
/w/build/series-check/debug/include/generated/x.h:1:1: warning: generated
  CC [M]  fs/foo.o
../src/fs/foo.c:1:2: warning: a module's warning
make[1]: Leaving directory '/w/build/series-check/debug'
"""


class Checkpatch(unittest.TestCase):
    def test_remarks_and_totals(self):
        remarks, totals = sc.parse_checkpatch(CHECKPATCH)
        self.assertEqual(totals, {"ERROR": 1, "WARNING": 2, "CHECK": 1})
        self.assertEqual([(r[0], r[1], r[3]) for r in remarks], [
            ("WARNING", "FILE_PATH_CHANGES", ""),
            ("WARNING", "ENOSYS",
             "tools/testing/selftests/pidns/pidns_util.h"),
            ("CHECK", "PARENTHESIS_ALIGNMENT", "kernel/pid.c"),
            ("ERROR", "TRAILING_WHITESPACE", "kernel/pid.c")])
        self.assertEqual(remarks[1][2],
                         "ENOSYS means 'invalid syscall nr' and nothing else")

    def test_clean(self):
        self.assertEqual(sc.parse_checkpatch(CLEAN),
                         ([], {"ERROR": 0, "WARNING": 0, "CHECK": 0}))

    def test_no_summary(self):
        self.assertEqual(sc.parse_checkpatch("Must be run from the "
                                             "top-level dir.\n"), ([], None))


class Mail(unittest.TestCase):
    def test_justifications_in_changelog_only(self):
        self.assertEqual(sc.justifications(MAIL), {
            "ENOSYS": "the tests probe for a missing system call",
            "MACRO_WITH_FLOW_CONTROL":
                "kselftest_harness's SKIP returns, as it must"})

    def test_path_changes(self):
        self.assertEqual(sc.path_changes(MAIL), {
            "tools/testing/selftests/pidns/Makefile", "kernel/old.c",
            "kernel/new.c"})

    def test_touched(self):
        self.assertEqual(sc.touched_files(MAIL), {
            "tools/testing/selftests/pidns/Makefile", "kernel/pid.c",
            "kernel/new.c"})

    def test_short_subject(self):
        self.assertEqual(sc.short_subject(MAIL, width=30),
                         "07 selftests/pidns: add a pid na…")
        self.assertEqual(sc.short_subject(MAIL, width=200),
                         "07 selftests/pidns: add a pid namespace "
                         "conformance suite that is long")
        self.assertEqual(sc.short_subject("Subject: [PATCH] one\n"),
                         "?? [PATCH] one")


class Maintainers(unittest.TestCase):
    def setUp(self):
        self.sections = sc.maintainers_sections(MAINTAINERS)

    def test_sections(self):
        names = [s[0] for s in self.sections]
        self.assertIn("KERNEL SELFTEST FRAMEWORK", names)
        self.assertIn("PID NAMESPACES", names)
        self.assertEqual(self.sections[-1], ("THE REST", ["*", "*/"], []))

    def test_cover(self):
        cover = lambda p: sc.maintainers_cover(p, self.sections)  # noqa
        self.assertEqual(cover("tools/testing/selftests/pidns/a.c"),
                         "KERNEL SELFTEST FRAMEWORK")
        self.assertIsNone(cover("tools/testing/selftests/private/a.c"))
        self.assertEqual(cover("kernel/pid.c"), "PID NAMESPACES")
        self.assertEqual(cover("kernel/pid_namespace.c"), "PID NAMESPACES")
        # A pattern without a / at its end covers paths as deep as it.
        self.assertIsNone(cover("kernel/pid_x/y.c"))
        self.assertIsNone(cover("kernel/pid.c/y.c"))
        # One with a / covers everything below it; * may cross a /.
        self.assertEqual(cover("arch/powerpc/include/asm/pid.h"),
                         "PID NAMESPACES")
        self.assertEqual(cover("arch/powerpc/x/include/asm/b/pid.h"),
                         "PID NAMESPACES")
        # THE REST covers everything and so counts for nothing.
        self.assertIsNone(cover("Documentation/pidns.txt"))

    def test_judge(self):
        remarks = [("WARNING", "FILE_PATH_CHANGES", "m", ""),
                   ("WARNING", "ENOSYS", "m", "a.h"),
                   ("CHECK", "LONG_LINE", "m", "a.h")]
        judged = sc.judge_remarks(remarks, {"ENOSYS": "probe"},
                                  {"tools/testing/selftests/pidns/a.c"},
                                  self.sections)
        self.assertEqual([j[4] for j in judged], [
            "MAINTAINERS covers KERNEL SELFTEST FRAMEWORK", "probe", None])
        judged = sc.judge_remarks(remarks[:1], {}, {"Documentation/x.txt"},
                                  self.sections)
        self.assertIsNone(judged[0][4])
        judged = sc.judge_remarks(remarks[:1], {"FILE_PATH_CHANGES": "new"},
                                  {"Documentation/x.txt"}, self.sections)
        self.assertEqual(judged[0][4], "new")


class Kbuild(unittest.TestCase):
    def test_cc_and_sparse(self):
        cc, sparse = sc.parse_compile_log(KBUILD, "/w/build/series-check/"
                                          "debug", "/w/build/series-check/"
                                          "src")
        self.assertEqual(cc, [
            ("kernel/pid.c", 120, "warning: no previous prototype for 'f' "
             "[-Wmissing-prototypes]"),
            ("include/linux/list.h", 3, "warning: something in a header"),
            ("fs/foo.c", 1, "warning: a module's warning")])
        self.assertEqual(sparse, [
            ("kernel/pid.c", 200, "warning: incorrect type in assignment "
             "(different address spaces)"),
            ("include/linux/rculist.h", 10,
             "error: bad constant expression"),
            ("../debug/include/generated/x.h", 1, "warning: generated")])

    def test_new_diagnostics(self):
        before = [("kernel/signal.c", 188, "warning: a"),
                  ("kernel/signal.c", 191, "warning: a"),
                  ("kernel/signal.c", 72, "warning: b")]
        after = [("kernel/signal.c", 190, "warning: a"),
                 ("kernel/signal.c", 193, "warning: a"),
                 ("kernel/signal.c", 200, "warning: a"),
                 ("kernel/pid.c", 72, "warning: b"),
                 ("kernel/signal.c", 74, "warning: b")]
        self.assertEqual(sc.new_diagnostics(before, after), [
            ("kernel/signal.c", 200, "warning: a"),
            ("kernel/pid.c", 72, "warning: b")])
        self.assertEqual(sc.new_diagnostics([], after[:1]), after[:1])
        self.assertEqual(sc.new_diagnostics(before, []), [])

    def test_selftest_suites(self):
        self.assertEqual(sc.selftest_suites([
            "tools/testing/selftests/pidns/pidns_util.h",
            "tools/testing/selftests/pidns/Makefile",
            "tools/testing/selftests/clone3/clone3.c",
            "tools/testing/selftests/Makefile", "kernel/pid.c"]),
            ["clone3", "pidns"])

    def test_first_errors(self):
        log = ("  CC      kernel/pid.o\n"
               "../src/kernel/pid.c:1300:38: error: expected expression\n"
               "cc1: some warnings being treated as errors\n"
               "make[4]: *** [Makefile.build:234: kernel/pid.o] Error 1\n")
        self.assertEqual(sc.first_errors(log), [
            "../src/kernel/pid.c:1300:38: error: expected expression"])
        self.assertEqual(sc.first_errors(log.replace(" error:", ":")), [
            "make[4]: *** [Makefile.build:234: kernel/pid.o] Error 1"])

    def test_kbuild_objects(self):
        self.assertEqual(sc.kbuild_objects([
            "kernel/pid.c", "include/linux/pid.h", "tools/testing/a.c",
            "arch/powerpc/platforms/cell/spufs/sched.c", "scripts/x.c",
            "arch/x86/kernel/process.c"]),
            ["arch/x86/kernel/process.c", "kernel/pid.c"])


class Table(unittest.TestCase):
    ROWS = [
        {"name": "01 rculist: one", "applies": True, "builds": True,
         "checkpatch": [], "sparse": 0, "w1": 0, "sparse_list": [],
         "w1_list": []},
        {"name": "02 pid: two", "applies": True, "builds": False,
         "checkpatch": [("WARNING", "ENOSYS", "m", "a.h", "probe"),
                        ("CHECK", "LONG_LINE", "long", "b.c", None)],
         "cross": "FAIL powerpc",
         "cross_failures": [("powerpc", "build/x.log", ["x.c:1:2: error: y"])],
         "build_errors": ["../src/kernel/pid.c:3:4: error: z"]},
        {"name": "03 three", "applies": False},
    ]

    def test_cells(self):
        self.assertEqual(sc.row_cells(self.ROWS[0]), [
            "01 rculist: one", "ok", "ok", "0/0/0", "0", "0", "-"])
        self.assertEqual(sc.row_cells(self.ROWS[1]), [
            "02 pid: two", "ok", "FAIL", "0/1/1 (1 justified)", "-", "-",
            "FAIL powerpc"])
        row = dict(self.ROWS[0], sparse_old=68, w1=2, w1_old=0)
        self.assertEqual(sc.row_cells(row)[4:6], ["0 (68 old)", "2"])
        self.assertEqual(sc.row_cells(self.ROWS[2]), [
            "03 three", "FAIL", "-", "-", "-", "-", "-"])

    def test_problems(self):
        self.assertEqual(sc.row_problems(self.ROWS[0]), [])
        self.assertEqual(sc.row_problems(self.ROWS[1]), [
            "does not build\n      ../src/kernel/pid.c:3:4: error: z",
            "checkpatch CHECK:LONG_LINE in b.c: long",
            "cross compile for powerpc fails, see build/x.log\n"
            "      x.c:1:2: error: y"])
        self.assertEqual(sc.row_problems(self.ROWS[2]), ["does not apply"])
        row = dict(self.ROWS[0], w1=1, w1_list=[("kernel/pid.c", 3, "w")])
        self.assertEqual(sc.row_problems(row), ["W=1 kernel/pid.c:3: w"])

    def test_text_and_markdown(self):
        text = sc.format_table(self.ROWS).splitlines()
        self.assertEqual(len(text), 4)
        self.assertTrue(text[0].startswith("patch            applies"))
        self.assertEqual(text[3].split(), ["03", "three", "FAIL", "-", "-",
                                           "-", "-", "-"])
        md = sc.format_table(self.ROWS, markdown=True).splitlines()
        self.assertEqual(md[0], "| patch | applies | builds | checkpatch "
                                "E/W/C | sparse | W=1 | cross |")
        self.assertEqual(md[1], "|---|---|---|---|---|---|---|")
        self.assertEqual(md[2], "| 01 rculist: one | ok | ok | 0/0/0 | 0 | "
                                "0 | - |")


if __name__ == "__main__":
    unittest.main()
