"""Unit tests of harness/users_build.py: the names of small synthetic
header diffs, the users they find, and the parsing of a kbuild log (no
kernel tree needed)."""

import os
import shutil
import tempfile
import unittest

import users_build as ub

BASE_H = """\
/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_THING_H
#define _LINUX_THING_H

#include <linux/idr.h>
#include <linux/types.h>

#define THING_MAX 32
#define THING_FLAG (1U << 31)

enum thing_state {
	THING_NEW,
	THING_LIVE,
};

struct thing {
	refcount_t count;
	unsigned int level;
	struct idr idr;
	union {
		struct rcu_head rcu;
		struct list_head list;
	};
	int (*release)(struct thing *t);
} __randomize_layout;

struct other {
	int a;
};

extern int thing_max;
extern struct thing *thing_get(struct thing *t, int nr);
extern void thing_put(struct thing *);
void thing_hash_init(void);

static inline int thing_level(struct thing *t)
{
	int l = 0;
	if (t)
		l = t->level;
	return l;
}

#ifdef CONFIG_THING
static inline bool thing_on(void) { return true; }
#else
static inline bool thing_on(void) { return false; }
#endif

#endif /* _LINUX_THING_H */
"""

# The same header after a "series": layout and comments changed, extern
# and parameter names dropped (not changes); a field added, an inline
# rewritten, a prototype removed, a macro's value changed, an enum
# constant inserted, a function added, the idr include dropped.
NEW_H = """\
/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_THING_H
#define _LINUX_THING_H

#include <linux/types.h>
#include <linux/xarray.h>

/* The deepest nesting. */
#define THING_MAX	32
#define THING_FLAG	BIT(31)

enum thing_state {
	THING_NEW,
	THING_HALF,
	THING_LIVE,
};

/**
 * struct thing - a thing.
 */
struct thing {
	refcount_t count;
	unsigned int level;	/* depth */
	int last;
	union {
		struct rcu_head rcu;
		struct list_head list;
	};
	int (*release)(struct thing *t);
} __randomize_layout;

struct other
{
	int a;
};

extern int thing_max;
struct thing *thing_get(struct thing *thing,
			int number);
void thing_put(struct thing *t);
int thing_new(void);

static inline int thing_level(struct thing *t)
{
	return t ? t->level : 0;
}

#ifdef CONFIG_THING
static inline bool thing_on(void)
{
	return true;
}
#else
static inline bool thing_on(void) { return false; }
#endif

#endif /* _LINUX_THING_H */
"""


def names_of(names):
    return {((n.struct + ".") if n.struct else "") + n.name: n.change
            for n in names}


class HeaderTest(unittest.TestCase):
    def test_what_a_header_defines(self):
        h = ub.Header(BASE_H)
        self.assertNotIn("_LINUX_THING_H", h.defs)
        self.assertNotIn("__randomize_layout", h.defs)
        for name, kind in (("THING_MAX", "macro"), ("THING_NEW", "enum"),
                           ("thing_max", "variable"),
                           ("thing_get", "function"),
                           ("thing_level", "function"),
                           ("thing_hash_init", "function")):
            self.assertEqual(h.defs[name][0][0], kind, name)
        self.assertEqual(len(h.defs["thing_on"]), 2)     # both #if arms
        self.assertEqual(h.structs["thing"][1],
                         ["count", "level", "idr", "rcu", "list", "release"])
        self.assertEqual(h.includes, ["linux/idr.h", "linux/types.h"])
        self.assertEqual(h.returns["thing_get"], "struct thing *")

    def test_prototypes_compare_by_types(self):
        a = ub.Header("extern struct pid *find(int nr, struct ns *);\n"
                      "extern void put(struct pid *pid);\n"
                      "void attach(struct task *task, enum pid_type);\n")
        b = ub.Header("struct pid *find(int number, struct ns *ns);\n"
                      "void put(struct pid *);\n"
                      "void attach(struct task *t,\n\tenum pid_type type);\n")
        for name in ("find", "put", "attach"):
            self.assertEqual(a.defs[name], b.defs[name], name)
        c = ub.Header("void put(const struct pid *pid);\n")
        self.assertNotEqual(a.defs["put"], c.defs["put"])

    def test_not_names(self):
        h = ub.Header("EXPORT_SYMBOL_GPL(put_pid);\n"
                      "static DEFINE_SPINLOCK(lock);\n"
                      "DECLARE_PER_CPU(int, counter);\n"
                      "struct fwd;\n"
                      "int (*hook)(void);\n"
                      "struct thing t0 = { .count = REFCOUNT_INIT(1), };\n")
        self.assertEqual(list(h.defs), ["hook", "t0"])
        self.assertEqual(h.defs["hook"][0][0], "variable")
        self.assertEqual(h.defs["t0"][0][0], "variable")


class DiffTest(unittest.TestCase):
    def test_changed_added_removed(self):
        got = names_of(ub.diff_names("include/linux/thing.h", BASE_H, NEW_H))
        self.assertEqual(got, {
            # a macro's value, an inline's body, an enum constant shifted
            "THING_FLAG": "changed", "thing_level": "changed",
            "THING_LIVE": "changed",
            # a constant and a function added, a prototype removed
            "THING_HALF": "added", "thing_new": "added",
            "thing_hash_init": "removed",
            # the struct that changed, with every field of either version
            "thing": "changed", "thing.count": "changed",
            "thing.level": "changed", "thing.rcu": "changed",
            "thing.list": "changed", "thing.release": "changed",
            "thing.idr": "removed", "thing.last": "added",
        })

    def test_whole_new_or_gone_header(self):
        got = names_of(ub.diff_names("x.h", None, "#define A 1\n"))
        self.assertEqual(got, {"A": "added"})
        got = names_of(ub.diff_names("x.h", "int f(void);\n", None))
        self.assertEqual(got, {"f": "removed"})

    def test_lost_include(self):
        idr = "struct idr { int x; };\nint idr_alloc(struct idr *i);\n"
        got = ub.diff_names("x.h", BASE_H, NEW_H,
                            lost=[("linux/idr.h", idr)])
        lost = {n.name: n for n in got if n.note}
        self.assertEqual(set(lost), {"idr", "idr_alloc"})
        self.assertEqual(lost["idr_alloc"].change, "removed")
        self.assertEqual(lost["idr"].kind, "struct")


class TreeTest(unittest.TestCase):
    """changed_names() over two small trees."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="users-build-test-")
        self.base = os.path.join(self.dir, "base")
        self.stage = os.path.join(self.dir, "stage")
        files = {
            "include/linux/thing.h": BASE_H,
            "include/linux/idr.h": "int idr_alloc(void);\n",
            "include/linux/types.h": "",
            "include/linux/xarray.h": "",
            "include/linux/mm.h": "#include <linux/idr.h>\n",
            "kernel/thing.c": "int thing_max = 5;\n"
                              "void thing_put(struct thing *t) { }\n"
                              "int unrelated(void) { return 1; }\n",
        }
        for rel, text in files.items():
            self.write(self.base, rel, text)
        self.write(self.stage, "include/linux/thing.h", NEW_H)
        self.write(self.stage, "kernel/thing.c",
                   "int thing_max = 6;\n"
                   "void thing_put(struct thing *t) { }\n"
                   "int unrelated(void) { return 2; }\n")
        self.touched = ["include/linux/thing.h", "kernel/thing.c"]

    def tearDown(self):
        shutil.rmtree(self.dir)

    @staticmethod
    def write(root, rel, text):
        os.makedirs(os.path.dirname(os.path.join(root, rel)), exist_ok=True)
        with open(os.path.join(root, rel), "w") as f:
            f.write(text)

    def names(self, owned=()):
        new = ub.Tree(self.base, self.stage, self.touched)
        return ub.changed_names(ub.base_tree(self.base), new,
                                ["include/linux/thing.h"], owned,
                                ["kernel/thing.c"])

    def test_body_and_owned(self):
        names, contexts = self.names()
        got = names_of(names)
        # NEW_H dropped <linux/idr.h> and reaches it no other way.
        self.assertEqual(got["idr_alloc"], "removed")
        self.assertEqual(got["thing_max"], "body")       # kernel/thing.c
        self.assertNotIn("thing_put", got)               # same definition
        self.assertNotIn("unrelated", got)               # not the header's
        self.assertNotIn("THING_MAX", got)
        self.assertEqual(contexts["thing"], {"thing_get"})
        got = names_of(self.names(owned={"include/linux/thing.h"})[0])
        self.assertEqual(got["THING_MAX"], "owned")
        self.assertEqual(got["thing_put"], "owned")

    def test_dropped_include_still_reached(self):
        # Through <linux/mm.h>, which includes <linux/idr.h>.
        self.write(self.stage, "include/linux/thing.h",
                   NEW_H.replace("#include <linux/types.h>",
                                 "#include <linux/mm.h>"))
        self.assertNotIn("idr_alloc", names_of(self.names()[0]))


class MatcherTest(unittest.TestCase):
    def matcher(self):
        names = ub.diff_names("include/linux/thing.h", BASE_H, NEW_H)
        a, b = ub.Header(BASE_H), ub.Header(NEW_H)
        return ub.Matcher(names, ub.field_contexts([a, b], {"thing"}))

    def used(self, text):
        return names_of(self.matcher().uses(text))

    def test_words(self):
        self.assertEqual(set(self.used("int f(void) { return THING_FLAG; }")),
                         {"THING_FLAG"})
        # not in comments, strings or include lines, nor as part of a word
        self.assertEqual(self.used('/* THING_FLAG */ char *s = "thing_new";'
                                   "\n#include <thing_level.h>\n"
                                   "int my_thing_new;\n"), {})

    def test_fields_need_the_struct(self):
        # ->level of something else: not a user
        self.assertEqual(self.used("int f(struct q *q) { return q->level; }"),
                         {})
        self.assertEqual(self.used("int f(struct thing *t) "
                                   "{ return t->level; }"),
                         {"thing.level": "changed"})
        # a function returning struct thing * is enough
        self.assertEqual(self.used("int f(void) "
                                   "{ return thing_get(0, 1)->last; }"),
                         {"thing.last": "added"})

    def test_struct_by_value(self):
        self.assertEqual(self.used("static struct thing *p;"), {})
        self.assertEqual(self.used("size_t n = sizeof(struct thing);"),
                         {"thing": "changed"})
        self.assertEqual(self.used("struct thing t0;"), {"thing": "changed"})

    def test_grep_terms(self):
        terms = self.matcher().grep_terms()
        for t in ("THING_FLAG", "thing", "thing_get", "thing_new"):
            self.assertIn(t, terms)
        self.assertNotIn("level", terms)     # fields only with a context


LOG = """\
make[1]: Entering directory '/w/build/users-build/x86_64'
  CC [M]  drivers/a/ok.o
  CC      kernel/bad.o
In file included from ../src/kernel/bad.c:3:
../src/include/linux/thing.h:40:9: error: 'struct thing' has no member \
named 'idr'
   40 |         t->idr = 0;
      |          ^~
  CC [M]  drivers/b/warn.o
../src/drivers/b/warn.c:7:5: error: unused variable 'x' \
[-Werror=unused-variable]
cc1: all warnings being treated as errors
make[4]: *** [/w/src/scripts/Makefile.build:229: kernel/bad.o] Error 1
make[4]: *** [/w/src/scripts/Makefile.build:229: drivers/b/warn.o] Error 1
make[3]: *** [/w/src/scripts/Makefile.build:478: kernel] Error 2
make[2]: *** No rule to make target 'fs/gone.o'.
  CC      drivers/a/stale.o
"""


class LogTest(unittest.TestCase):
    TARGETS = ["drivers/a/ok.o", "kernel/bad.o", "drivers/b/warn.o",
               "fs/gone.o", "net/x/off.o", "drivers/a/stale.o"]

    def test_parse_and_classify(self):
        res = ub.parse_build_log(LOG, self.TARGETS)
        self.assertEqual(res["drivers/a/ok.o"], ("compiled", []))
        self.assertEqual(res["kernel/bad.o"][0], "failed")
        self.assertEqual(res["net/x/off.o"], (None, []))
        self.assertEqual(res["fs/gone.o"][0], "norule")
        errs = ub.first_lines(res["kernel/bad.o"][1])
        self.assertEqual(len(errs), 1)
        self.assertIn("has no member named 'idr'", errs[0])
        self.assertIn("unused variable", res["drivers/b/warn.o"][1][0])
        have = {"drivers/a/ok.o", "kernel/bad.o"}     # bad.o: a stale one
        got = ub.classify(res, lambda t: t in have)
        self.assertEqual({f: s[0] for f, s in got.items()}, {
            "drivers/a/ok.c": "ok", "kernel/bad.c": "failed",
            "drivers/b/warn.c": "failed", "fs/gone.c": "skipped",
            "net/x/off.c": "skipped", "drivers/a/stale.c": "failed"})

    def test_base_comparison(self):
        series = ["../src/kernel/x.c:5:1: error: foo",
                  "In file included from ../src/kernel/x.c:3:"]
        base = ["../src/kernel/x.c:9:1: error: foo"]
        self.assertLessEqual(ub.error_set(series), ub.error_set(base))
        self.assertFalse(ub.error_set(series + [
            "../src/kernel/x.c:7:1: error: bar"]) <= ub.error_set(base))


MAKEFILE = """\
obj-y     = fork.o pid.o \\
	    exit.o
obj-$(CONFIG_VM86)		+= vm86_32.o
obj-$(CONFIG_UMIP)		+= umip.o
CFLAGS_umip.o := -O2
kvm-y += i8254.o
i915-$(CONFIG_CAPTURE) += gpu_error.o
"""


class MakefileTest(unittest.TestCase):
    def test_state(self):
        config = {"CONFIG_UMIP": "y", "CONFIG_CAPTURE": "m"}
        state = {o: ub.makefile_state(MAKEFILE, o, config)[0] for o in (
            "exit.o", "pid.o", "vm86_32.o", "umip.o", "i8254.o",
            "gpu_error.o", "absent.o", "it.o")}
        self.assertEqual(state, {
            "exit.o": "in", "pid.o": "in", "vm86_32.o": "out",
            "umip.o": "in", "i8254.o": "unknown", "gpu_error.o": "in",
            "absent.o": "unknown", "it.o": "unknown"})
        self.assertEqual(ub.makefile_state(MAKEFILE, "vm86_32.o", {})[1],
                         "obj-$(CONFIG_VM86) += vm86_32.o")


class FakePidns:
    class PhaseError(Exception):
        pass

    @staticmethod
    def phase(name):
        return lambda fn: fn

    @staticmethod
    def say(msg):
        pass


class FakeBuild:
    """Build without make: each tree fails the files listed for it."""
    failing = {}
    compiled = []

    def __init__(self, pidns, arch, src, obj, config, prefix=None):
        self.src, self.obj, self.arch = src, obj, arch

    def prepare(self, stamp_extra):
        pass

    def compile(self, files, tag):
        FakeBuild.compiled.append((self.arch, tag, list(files)))
        bad = self.failing.get((self.src, tag), {})
        return {f: (("failed", bad[f]) if f in bad else ("ok", []))
                for f in files}, f"/logs/{tag}.log"


class RunBuildsTest(unittest.TestCase):
    """run_builds() and the report, with make faked."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="users-build-test-")
        self.saved = (ub.Build, ub.SRC, ub.STOCK)
        ub.SRC = os.path.join(self.dir, "src")
        ub.STOCK = os.path.join(self.dir, "stock")
        for f in ("kernel/a.c", "kernel/b.c", "kernel/c.c"):
            TreeTest.write(ub.STOCK, f, "")
        ub.Build = FakeBuild
        FakeBuild.compiled = []

    def tearDown(self):
        ub.Build, ub.SRC, ub.STOCK = self.saved
        shutil.rmtree(self.dir)

    def test_counts(self):
        n = ub.Name("put_pid", "function", "body", "include/linux/pid.h")
        users = {f: [n] for f in ("kernel/a.c", "kernel/b.c", "kernel/c.c",
                                  "kernel/sched/rt.c", "arch/arm/x.c",
                                  "arch/powerpc/y.c")}
        users["kernel/sched/build_policy.c"] = [n]
        plan = {"names": [n], "users": users, "touched": set(),
                "via": {"kernel/sched/rt.c": "kernel/sched/build_policy.c"},
                "exports": []}
        FakeBuild.failing = {
            # b fails on the series only; c the same way on the base too.
            (ub.SRC, "users"): {"kernel/b.c": ["kernel/b.c:1:1: error: x"],
                                "kernel/c.c": ["kernel/c.c:2:1: error: y"]},
            (ub.STOCK, "base"): {"kernel/c.c": ["kernel/c.c:3:1: error: y"]}}

        class Args:
            no_cross = no_base = False

        class Cross:
            CROSS = {"powerpc": ("gcc-powerpc64-linux-gnu",
                                 "powerpc64-linux-gnu-", "cell_defconfig",
                                 [])}
        status, builds, same = ub.run_builds(FakePidns, Cross, plan, Args,
                                             "base-id")
        self.assertEqual(FakeBuild.compiled, [
            ("x86_64", "users", ["kernel/a.c", "kernel/b.c", "kernel/c.c",
                                 "kernel/sched/build_policy.c"]),
            ("x86_64", "base", ["kernel/b.c", "kernel/c.c"]),
            ("powerpc", "users", ["arch/powerpc/y.c"])])
        self.assertEqual({f: s[0] for f, s in status.items()}, {
            "kernel/a.c": "ok", "kernel/b.c": "failed",
            "kernel/sched/rt.c": "ok", "kernel/sched/build_policy.c": "ok",
            "arch/arm/x.c": "skipped", "arch/powerpc/y.c": "ok"})
        self.assertEqual(set(same), {"kernel/c.c"})
        text = ub.report_text(plan, status, builds, 1, same)
        self.assertEqual(text.splitlines()[-1],
                         "users build (allmodconfig): 5 files, 1 failed")
        self.assertIn("compiled as part of kernel/sched/build_policy.c",
                      text)


class LayTreeTest(unittest.TestCase):
    """lay_tree() never writes a base file through its hard link."""

    def setUp(self):
        import types
        import pidns
        self.pidns = types.SimpleNamespace(
            sh=pidns.sh, read_stamp=pidns.read_stamp,
            write_stamp=pidns.write_stamp, same_file=pidns.same_file,
            say=lambda msg: None)
        self.dir = tempfile.mkdtemp(prefix="users-build-test-")
        self.saved = (ub.BUILD, ub.WORK, ub.SRC, ub.STOCK)
        ub.BUILD = self.dir
        ub.STOCK = os.path.join(self.dir, "stock", "src")
        ub.WORK = os.path.join(self.dir, "users-build")
        ub.SRC = os.path.join(ub.WORK, "src")
        os.makedirs(ub.WORK)
        TreeTest.write(ub.STOCK, "kernel/pid.c", "base pid\n")
        TreeTest.write(ub.STOCK, "kernel/fork.c", "base fork\n")
        TreeTest.write(self.dir, "stock/base.stamp", "b1\n")
        self.stage = os.path.join(self.dir, "stage")
        TreeTest.write(self.stage, "kernel/pid.c", "series pid\n")
        TreeTest.write(self.stage, "kernel/new.c", "series new\n")

    def tearDown(self):
        ub.BUILD, ub.WORK, ub.SRC, ub.STOCK = self.saved
        shutil.rmtree(self.dir)

    def read(self, root, rel):
        with open(os.path.join(root, rel)) as f:
            return f.read()

    def test_lay(self):
        p = self.pidns
        self.assertEqual(ub.lay_tree(p, self.stage,
                                     {"kernel/pid.c", "kernel/new.c"}), 2)
        self.assertEqual(self.read(ub.SRC, "kernel/pid.c"), "series pid\n")
        self.assertEqual(self.read(ub.SRC, "kernel/new.c"), "series new\n")
        self.assertEqual(self.read(ub.STOCK, "kernel/pid.c"), "base pid\n")
        self.assertTrue(os.path.samefile(
            os.path.join(ub.SRC, "kernel/fork.c"),
            os.path.join(ub.STOCK, "kernel/fork.c")))
        # Again: nothing to do.
        self.assertEqual(ub.lay_tree(p, self.stage,
                                     {"kernel/pid.c", "kernel/new.c"}), 0)
        # The series no longer touches pid.c nor adds new.c.
        self.assertEqual(ub.lay_tree(p, self.stage, set()), 2)
        self.assertEqual(self.read(ub.SRC, "kernel/pid.c"), "base pid\n")
        self.assertFalse(os.path.exists(os.path.join(ub.SRC, "kernel/new.c")))
        # A series that changes fork.c: the base's fork.c stays.
        TreeTest.write(self.stage, "kernel/fork.c", "series fork\n")
        ub.lay_tree(p, self.stage, {"kernel/fork.c"})
        self.assertEqual(self.read(ub.SRC, "kernel/fork.c"), "series fork\n")
        self.assertEqual(self.read(ub.STOCK, "kernel/fork.c"),
                         "base fork\n")


class ReportTest(unittest.TestCase):
    def test_last_line_and_sections(self):
        names = [ub.Name("put_pid", "function", "body", "include/linux/pid.h",
                         note="defined in kernel/pid.c")]
        plan = {"names": names, "users": {"a/x.c": names, "a/y.c": names,
                                          "arch/arm/z.c": names},
                "touched": set(), "via": {}, "exports": []}
        status = {"a/x.c": ("ok", [], "x86_64"),
                  "a/y.c": ("failed", ["a/y.c:1:1: error: boom"], "x86_64"),
                  "arch/arm/z.c": ("skipped", ["not built: no cross "
                                               "compiler"], "arm")}
        text = ub.report_text(plan, status, ["x86_64: allmodconfig"], 10,
                              {})
        self.assertEqual(text.splitlines()[-1],
                         "users build (allmodconfig): 2 files, 1 failed")
        self.assertIn("a/y.c:1:1: error: boom", text)
        self.assertIn("| a | 2 | 1 | 1 | 0 |", text)
        self.assertIn("| arch/arm | 1 | 0 | 0 | 1 |", text)

    def test_arch_of(self):
        self.assertIsNone(ub.arch_of("arch/x86/kvm/x.c"))
        self.assertEqual(ub.arch_of("arch/x86/um/sysrq_64.c"), "um")
        self.assertEqual(ub.arch_of("arch/powerpc/a.c"), "powerpc")
        self.assertIsNone(ub.arch_of("kernel/pid.c"))


if __name__ == "__main__":
    unittest.main()
