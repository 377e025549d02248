"""Unit tests of harness/kcsan.py on console output shaped like 6.12's."""

import os
import tempfile
import unittest

import kcsan

CONSOLE = """\
[    3.001] Run /init as init process
[   41.100] ==================================================================
[   41.101] BUG: KCSAN: data-race in free_pid / pid_nr_ns
[   41.102]
[   41.103] write to 0xffff888003a4b0c8 of 8 bytes by task 123 on cpu 1:
[   41.104]  free_pid+0x8a/0x140
[   41.105]  release_task+0x1f3/0x6a0
[   41.106]  do_exit+0x5c1/0x9b0
[   41.107]
[   41.108] read to 0xffff888003a4b0c8 of 8 bytes by task 456 on cpu 0:
[   41.109]  do_task_stat+0x2d2/0x1170
[   41.110]  proc_pid_stat+0x1a/0x30
[   41.111]
[   41.112] value changed: 0xffff888003a4b0c0 -> 0x0000000000000000
[   41.113]
[   41.114] Reported by Kernel Concurrency Sanitizer on:
[   41.115] CPU: 0 UID: 0 PID: 456 Comm: pidns_stress Not tainted 6.12.117 #1
[   41.116] ==================================================================
[   50.000] ==================================================================
[   50.001] BUG: KCSAN: data-race in tick_sched_do_timer / tick_nohz_idle_enter
[   50.002]
[   50.003] read-write (marked) to 0xffffffff82a0c7a0 of 4 bytes by interrupt on cpu 1:
[   50.004]  tick_sched_do_timer+0x3e/0x120
[   50.005]
[   50.006] race at unknown origin, with read to 0xffffffff82a0c7a0 of 4 bytes by task 0 on cpu 0:
[   50.007]  tick_nohz_idle_enter+0x2b/0x90
[   50.008]
[   50.009] Reported by Kernel Concurrency Sanitizer on:
[   50.010] ==================================================================
[   51.000] WARNING: CPU: 1 PID: 9 at kernel/pid.c:300 free_pid+0x1/0x2
"""


class FakeVmlinux(kcsan.Vmlinux):
    """Symbol addresses and inline chains given, not read from a kernel."""

    def __init__(self, symbols, sites):
        self.symbols = symbols
        self._sites = sites

    def sites(self, addresses):
        return {a: self._sites[a] for a in addresses if a in self._sites}


class ParseTest(unittest.TestCase):
    def setUp(self):
        self.lines = CONSOLE.splitlines()
        self.reports = kcsan.parse(self.lines)

    def test_reports_and_accesses(self):
        self.assertEqual([r.title for r in self.reports],
                         ["data-race in free_pid / pid_nr_ns",
                          "data-race in tick_sched_do_timer / "
                          "tick_nohz_idle_enter"])
        first, second = self.reports
        self.assertEqual([(a.kind, a.who) for a in first.accesses],
                         [("write", "task 123"), ("read", "task 456")])
        self.assertEqual(first.accesses[0].frames[0], ("free_pid", 0x8a, 0x140))
        self.assertEqual(len(first.accesses[0].frames), 3)
        self.assertEqual(len(first.accesses[1].frames), 2)
        self.assertEqual([a.kind for a in second.accesses],
                         ["read-write (marked)", "read"])

    def test_report_lines_leave_other_splats(self):
        skip = kcsan.report_lines(self.reports)
        self.assertIn(1, skip)                  # the rule above the title
        self.assertIn(18, skip)                 # the closing rule
        self.assertNotIn(0, skip)
        self.assertNotIn(len(self.lines) - 1, skip)   # the WARNING


class OurCodeTest(unittest.TestCase):
    BASE = """\
static int helper(int a)
{
	return a;
}

int send_signal_locked(int sig,
		       struct kernel_siginfo *info)
{
	int x = 1;
	return x;
}

static void untouched(void)
{
}
"""

    def test_changed_function_is_ours_whole(self):
        ours = self.BASE.replace("\treturn x;\n", "\tx = translate(x);\n"
                                 "\treturn x;\n")
        with tempfile.TemporaryDirectory() as d:
            for tree, text in (("base", self.BASE), ("ours", ours)):
                os.makedirs(os.path.join(d, tree, "kernel"))
                with open(os.path.join(d, tree, "kernel/signal.c"), "w") as f:
                    f.write(text)
            code = kcsan.OurCode.from_trees(
                os.path.join(d, "base"), os.path.join(d, "ours"),
                ["kernel/pid.c"], ["kernel/signal.c"])
        # The signature (lines 6-7) and body (8-12) of the changed function.
        self.assertEqual(code.changed["kernel/signal.c"], set(range(6, 13)))
        self.assertTrue(code.contains("kernel/signal.c", 9))
        self.assertFalse(code.contains("kernel/signal.c", 3))
        self.assertFalse(code.contains("kernel/signal.c", 15))
        self.assertTrue(code.contains("kernel/pid.c", 1))

    def test_deletion_marks_its_function(self):
        lines = self.BASE.splitlines()
        ours = [l for l in lines if l != "\tint x = 1;"]
        self.assertEqual(kcsan.changed_lines(lines, ours), {7, 8})


class ClassifyTest(unittest.TestCase):
    def classify(self, sites):
        reports = kcsan.parse(CONSOLE.splitlines())
        vm = FakeVmlinux({"free_pid": [(0x1000, 0x140)],
                          "do_task_stat": [(0x2000, 0x1170)],
                          "tick_sched_do_timer": [(0x3000, 0x120)],
                          "tick_nohz_idle_enter": [(0x4000, 0x90)]}, sites)
        ours = kcsan.OurCode(["kernel/pid.c", "include/linux/pid.h"])
        return kcsan.classify(reports, vm, ours)

    SITES = {
        0x1000 + 0x8a: [("free_pid", "kernel/pid.c", 250)],
        0x2000 + 0x2d2: [("pid_nr", "include/linux/pid.h", 190),
                         ("do_task_stat", "fs/proc/array.c", 480)],
        0x3000 + 0x3e: [("tick_sched_do_timer", "kernel/time/tick-sched.c",
                         210)],
        0x4000 + 0x2b: [("tick_nohz_idle_enter", "kernel/time/tick-sched.c",
                         1200)],
    }

    def test_ours_and_theirs(self):
        ours, theirs = self.classify(self.SITES)
        self.assertTrue(ours.ours)
        self.assertIn("free_pid at kernel/pid.c:250", ours.why)
        # An inline from our header inside upstream code is ours too.
        self.assertEqual(ours.accesses[1].ours[1], "include/linux/pid.h")
        self.assertIn("inlined in do_task_stat",
                      kcsan.describe(ours.accesses[1]))
        self.assertFalse(theirs.ours)

    def test_unplaced_counts_as_ours(self):
        sites = dict(self.SITES)
        del sites[0x4000 + 0x2b]
        _, theirs = self.classify(sites)
        self.assertTrue(theirs.ours)
        self.assertIn("could not place tick_nohz_idle_enter", theirs.why)


if __name__ == "__main__":
    unittest.main()
