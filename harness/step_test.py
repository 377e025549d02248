"""Unit tests of make check STEP=N's step selection and step tree
(harness/series.py's select() and step_subject(), harness/pidns.py's
choose_step(), assemble_step() and cmd_step()), on the tiny base of
series_test.py (no kernel tree needed, nothing built or booted)."""

import contextlib
import io
import os
import shutil
import unittest

import pidns
import series
import series_test
from series_test import Failed, read, write


class StepTest(series_test.TwoPatches):
    """0001 (kernel/a.c, owned), 0002 (lib/c.c), @tests (tools/t/t.c): a
    series whose end is not the owned files (kernel/a.c has a third line
    no step gives it), so that only the whole series' check fails."""

    def setUp(self):
        super().setUp()
        self.series("0001-a.patch", "0002-c.patch", "@tests")
        self.build = os.path.join(self.tmp, "build")
        self.saved = {k: getattr(pidns, k) for k in
                      ("REPO", "BUILD", "LOGS", "owned_files")}
        pidns.REPO = self.repo
        pidns.BUILD = self.build
        pidns.LOGS = os.path.join(self.build, "logs")
        pidns.owned_files = self.owned
        os.makedirs(pidns.LOGS)
        self.stock = pidns.src_dir("stock")
        shutil.copytree(self.base, self.stock)
        self.out = io.StringIO()

    def tearDown(self):
        for k, v in self.saved.items():
            setattr(pidns, k, v)
        super().tearDown()

    def quiet(self):
        return contextlib.redirect_stdout(self.out)

    def tree(self, rel):
        path = os.path.join(pidns.src_dir(pidns.STEP), rel)
        return read(path) if os.path.exists(path) else None

    # -- which step

    def test_a_step_by_number_counts_mails_and_commits_alike(self):
        steps = self.steps()
        self.assertEqual(series.select(steps, "1", Failed), 1)
        self.assertEqual(series.select(steps, 3, Failed), 3)
        self.assertEqual(series.select(steps, "03", Failed), 3)

    def test_a_step_by_name(self):
        steps = self.steps()
        for name in ("0002-c.patch", "0002-c", "patches/0002-c.patch",
                     os.path.join(self.repo, "patches", "0002-c.patch"),
                     "0002"):
            self.assertEqual(series.select(steps, name, Failed), 2, name)
        self.assertEqual(series.select(steps, "@tests", Failed), 3)
        self.assertEqual(series.select(steps, "@te", Failed), 3)

    def test_a_name_is_exact_first_then_a_unique_start(self):
        shutil.copy(os.path.join(self.repo, "patches", "0002-c.patch"),
                    os.path.join(self.repo, "patches", "0002-c-again.patch"))
        self.series("0001-a.patch", "0002-c.patch", "0002-c-again.patch",
                    "@tests")
        steps = self.steps()
        self.assertEqual(series.select(steps, "0002-c", Failed), 2)
        self.assertEqual(series.select(steps, "0002-c-", Failed), 3)
        with self.assertRaisesRegex(Failed, "names 2 steps of patches/"
                                    "series: 0002-c.patch, 0002-c-again"):
            series.select(steps, "0002-", Failed)

    def test_out_of_range_or_unknown(self):
        steps = self.steps()
        for which in ("0", "4", "99"):
            with self.assertRaisesRegex(Failed, "has 3 steps, 1 to 3"):
                series.select(steps, which, Failed)
        with self.assertRaisesRegex(Failed, "no step of patches/series"):
            series.select(steps, "0009-z.patch", Failed)
        with self.assertRaisesRegex(Failed, "no step of patches/series"):
            series.select(steps, "@tests2", Failed)

    def test_the_subject_is_the_one_git_am_commits(self):
        self.mail("0004-long.patch", {"lib/c.c": "see\nsaw\n"},
                  {"lib/c.c": "see\nsaw\nseen\n"},
                  "c: a subject long enough that git format-patch folds "
                  "it onto a second header line")
        self.series("0001-a.patch", "0002-c.patch", "@tests",
                    "0004-long.patch")
        steps = self.steps()
        replayed = self.end()
        log = series._git(replayed, "log", "--format=%s", "-4").stdout
        self.assertEqual([series.step_subject(s) for s in reversed(steps)],
                         log.splitlines())
        self.assertEqual(series.step_subject(steps[2]),
                         "selftests/t: a test")

    def test_choose_step_checks_the_subject_it_is_given(self):
        with self.quiet():
            steps, n = pidns.choose_step("2", "c: saw")
            self.assertEqual((len(steps), n), (3, 2))
            with self.assertRaisesRegex(pidns.PhaseError, "not \"a: two\""):
                pidns.choose_step("2", "a: two")
            with self.assertRaisesRegex(pidns.PhaseError, "KERNEL=stock"):
                pidns.choose_step("2", kernel="stock")
        self.assertIn("step 2 of 3: 0002-c.patch: c: saw",
                      self.out.getvalue())

    def test_no_such_step_stops_a_bisect(self):
        with self.quiet():
            self.assertEqual(pidns.main(["check", "--step", "4"]), 128)
            self.assertEqual(pidns.main(["check", "--step", "1",
                                         "--step-subject", "c: saw"]), 128)
        self.assertIn("has 3 steps", self.out.getvalue())
        self.assertFalse(os.path.exists(pidns.src_dir(pidns.STEP)))

    # -- the step's tree

    def test_the_end_state_check_is_skipped(self):
        steps = self.steps()
        with self.quiet():
            with self.assertRaisesRegex(pidns.PhaseError, "does not end"):
                pidns.assemble()
            pidns.assemble_step(steps)
        self.assertEqual(self.tree("kernel/a.c"), "one\ntwo\n")
        self.assertEqual(self.tree("lib/c.c"), "see\nsaw\n")
        self.assertEqual(self.tree("tools/t/t.c"), "test\n")
        self.assertFalse(os.path.exists(pidns.src_dir("ours")))

    def test_a_step_tree_goes_back_and_forth_leaving_the_base_alone(self):
        steps = self.steps()
        with self.quiet():
            pidns.assemble_step(steps[:1])
            self.assertEqual(self.tree("kernel/a.c"), "one\ntwo\n")
            self.assertEqual(self.tree("lib/c.c"), "see\n")
            self.assertIsNone(self.tree("tools/t/t.c"))
            pidns.assemble_step(steps[:3])
            self.assertEqual(self.tree("lib/c.c"), "see\nsaw\n")
            self.assertEqual(self.tree("tools/t/t.c"), "test\n")
            pidns.assemble_step(steps[:1])
        self.assertEqual(self.tree("lib/c.c"), "see\n")
        self.assertIsNone(self.tree("tools/t/t.c"))
        # The tree is hard links to the base; the files a step touched
        # were written as files of their own.
        for rel, text in series_test.BASE.items():
            self.assertEqual(read(os.path.join(self.stock, rel)), text)
        self.assertEqual(os.stat(os.path.join(self.stock, "kernel",
                                              "b.c")).st_nlink, 2)
        self.assertEqual(os.stat(os.path.join(self.stock, "kernel",
                                              "a.c")).st_nlink, 1)

    def test_the_config_is_made_again_when_a_step_changes_a_kconfig(self):
        write(os.path.join(self.stock, "lib", "Kconfig"), "config A\n")
        self.mail("0004-k.patch", {"lib/Kconfig": "config A\n"},
                  {"lib/Kconfig": "config A\nconfig DEBUG_B\n"},
                  "lib: DEBUG_B")
        self.series("0001-a.patch", "0002-c.patch", "@tests",
                    "0004-k.patch")
        steps = self.steps()
        with self.quiet():
            pidns.assemble_step(steps[:2])
            before = pidns.kconfig_state(pidns.STEP, steps)
            pidns.assemble_step(steps[:3])
            self.assertEqual(pidns.kconfig_state(pidns.STEP, steps), before)
            pidns.assemble_step(steps)
        self.assertNotEqual(pidns.kconfig_state(pidns.STEP, steps), before)
        self.assertIn("CONFIG_DEBUG_B",
                      pidns.kconfig_symbols(pidns.src_dir(pidns.STEP)))

    def test_expected_failures_are_the_steps_own(self):
        readme = os.path.join(self.repo, "tools", "testing", "selftests",
                              "pidns", "README")
        write(readme, "xfail ours x:global.later a case of a later step\n")
        tree = os.path.join(self.tmp, "tree")
        write(os.path.join(tree, "tools", "testing", "selftests", "pidns",
                           "README"), "xfail ours x:global.now known\n")
        found = pidns.expected_failures("ours", tree)
        self.assertIn("pidns/x:global.now", found)
        self.assertNotIn("pidns/x:global.later", found)

    def report(self, console):
        """report() of a step's run of pidns/x: one case passes, one
        fails that the step's README lists, as make check STEP runs it."""
        tree = pidns.src_dir(pidns.STEP)
        write(os.path.join(tree, "tools", "testing", "selftests", "pidns",
                           "README"), "xfail ours x:global.two known\n")
        write(os.path.join(self.repo, "tools", "testing", "selftests",
                           "pidns", "README"),
              "xfail ours x:global.later a case of a later step\n")
        results = os.path.join(pidns.LOGS, "results-step-3.log")
        write(results, "### BEGIN pidns/x\nTAP version 13\n1..2\n"
              "ok 1 global.one\nnot ok 2 global.two\n### END pidns/x rc=1\n")
        log = os.path.join(pidns.LOGS, "console-step-3.log")
        write(log, console)
        with self.quiet():
            pidns.report(pidns.STEP, log, results, [("pidns", 60, ["x"])],
                         partial=True, expect=("ours", tree))
        return self.out.getvalue()

    def test_a_step_is_judged_by_its_own_expected_failures(self):
        out = self.report("Linux version 6.12\n")
        self.assertIn("XFAIL pidns/x:global.two (expected on ours: known)",
                      out)
        self.assertNotIn("STALE", out)
        self.assertIn("1 passed, 0 failed", out)

    def test_a_splat_fails_a_step(self):
        with self.assertRaisesRegex(pidns.PhaseError, "kernel splat"):
            self.report("Linux version 6.12\nWARNING: CPU: 0 PID: 1 at "
                        "kernel/pid.c:100 alloc_pid+0x1/0x2\n")
        self.assertIn("KERNEL SPLAT", self.out.getvalue())


if __name__ == "__main__":
    unittest.main()
