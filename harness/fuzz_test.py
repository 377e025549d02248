"""Unit tests of make fuzz's counting (harness/pidns.py) on recorded output."""

import unittest

import pidns

RESULTS = """\
### GUEST 6.12.117 2 cpus
### FUZZ-START root run=1 seconds=300
getpgid: (attempted:3103. success:3103. failures:0.
setns: (attempted:3090. success:0. failures:3090.
    Bad file descriptor: 27
    Invalid argument: 3063
Ran 6193 syscalls. Successes: 3103  Failures: 3090
### FUZZ root run=1 rc=0 syscalls=6193
### FUZZ-START root run=2 seconds=12
setns: (attempted:10. success:1. failures:9.
### FUZZ root run=2 rc=137 syscalls=10
### FUZZ-START user run=1 seconds=300
### FUZZ user run=1 rc=139 syscalls=0
### FUZZ-TOTAL syscalls=6203
### DONE
"""


class FuzzCountsTest(unittest.TestCase):
    def test_runs_are_added_up(self):
        totals, runs, calls = pidns.fuzz_counts(RESULTS.splitlines())
        self.assertEqual(totals, {"root": 6203, "user": 0})
        self.assertEqual(runs, {"root": 2, "user": 1})
        self.assertEqual(calls, {"getpgid": [3103, 3103], "setns": [3100, 1]})


if __name__ == "__main__":
    unittest.main()
