"""Unit tests of harness/tap.py on recorded guest output."""

import unittest

import tap

STREAM = """\
### GUEST 6.12.117 2 cpus
### BEGIN pidns/pidns_numbering
TAP version 13
1..3
# Starting 3 tests from 1 test cases.
#  RUN           global.init_is_pid_1 ...
#            OK  global.init_is_pid_1
ok 1 global.init_is_pid_1
not ok 2 global.parent_sees_other_number
ok 3 global.nesting_limit # SKIP no CONFIG_PID_NS
# Totals: pass:1 fail:1 xfail:0 xpass:0 skip:1 error:0
### END pidns/pidns_numbering rc=1
### BEGIN proc/proc-tid0
### END proc/proc-tid0 rc=0
### BEGIN proc/proc-self-wchan
### END proc/proc-self-wchan rc=4
### BEGIN proc/read
### END proc/read rc=139
### BEGIN pidfd/pidfd_wait
1..4
ok 1 global.wait_simple
### END pidfd/pidfd_wait rc=137
### BEGIN seccomp/seccomp_bpf
1..2
ok 1 global.mode_strict
"""


class ParseTest(unittest.TestCase):
    def setUp(self):
        self.programs = {p.name: p for p in tap.parse_stream(STREAM)}

    def statuses(self, name):
        return [(c.name, c.status) for c in self.programs[name].cases]

    def test_counts_cases_not_programs(self):
        self.assertEqual(self.statuses("pidns/pidns_numbering"), [
            ("global.init_is_pid_1", tap.PASS),
            ("global.parent_sees_other_number", tap.FAIL),
            ("global.nesting_limit", tap.SKIP)])

    def test_skip_reason_is_kept(self):
        case = self.programs["pidns/pidns_numbering"].cases[2]
        self.assertEqual(case.reason, "no CONFIG_PID_NS")

    def test_program_without_tap_is_judged_by_exit_status(self):
        self.assertEqual(self.statuses("proc/proc-tid0"),
                         [("proc-tid0", tap.PASS)])
        self.assertEqual(self.statuses("proc/proc-self-wchan"),
                         [("proc-self-wchan", tap.SKIP)])
        self.assertEqual(self.statuses("proc/read"), [("read", tap.FAIL)])

    def test_unfinished_plan_is_a_failure(self):
        cases = self.programs["pidfd/pidfd_wait"].cases
        self.assertEqual(cases[-1].status, tap.FAIL)
        self.assertIn("timeout", cases[-1].reason)

    def test_guest_that_stopped_mid_program_is_a_failure(self):
        cases = self.programs["seccomp/seccomp_bpf"].cases
        self.assertEqual(cases[-1].status, tap.FAIL)
        self.assertIn("did not finish", cases[-1].name)

    def test_crash_after_passing_cases_is_a_failure(self):
        prog = tap.parse_program("x/y", ["ok 1 a"], 139)
        self.assertEqual([c.status for c in prog.cases], [tap.PASS, tap.FAIL])

    def test_failed_case_keeps_its_own_output(self):
        case = self.programs["pidns/pidns_numbering"].cases[1]
        self.assertEqual(case.output, [])
        first = self.programs["pidns/pidns_numbering"].cases[0]
        self.assertIn("#            OK  global.init_is_pid_1", first.output)

    def test_case_id_names_program_and_case(self):
        case = self.programs["pidns/pidns_numbering"].cases[0]
        self.assertEqual(case.id, "pidns/pidns_numbering:global.init_is_pid_1")

    def test_case_lasts_from_the_previous_result(self):
        timed = [(0.0, "### BEGIN s/p"), (1.0, "1..2"),
                 (3.5, "ok 1 f.a"), (10.0, "# a line"),
                 (13.5, "not ok 2 f.b"),
                 (14.0, "### END s/p rc=1"), (20.0, "ok 3 stray")]
        self.assertEqual(tap.case_durations(timed),
                         {"s/p:f.a": 3.5, "s/p:f.b": 10.0})


if __name__ == "__main__":
    unittest.main()
