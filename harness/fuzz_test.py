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


PIDFUZZ = """\
### GUEST 6.12.117 2 cpus
### PIDFUZZ-RUN root run=1 seconds=225 seed=7
### PIDFUZZ-START who=root seed=7 seconds=220 ops=0 workers=3 threads=2 uffd=1 fail_nth=1
### PIDFUZZ-EPOCH who=root epoch=0 seconds=41.2 end=kill calls=50000
### PIDFUZZ who=root syscall=clone3 calls=1200 ok=700 injected=40 errors=EINVAL:300,ENOMEM:150,EPERM:50
### PIDFUZZ who=root syscall=ioctl$NS_GET_PARENT calls=90 ok=30 injected=2
### PIDFUZZ who=root syscall=setns calls=500 ok=0 injected=0 errors=EINVAL:500
### PIDFUZZ-TOTAL who=root seed=7 seconds=220.5 calls=1790 ok=730 per_second=8.1 epochs=5 early=0 stuck=0
### PIDFUZZ-END root run=1 rc=0
### PIDFUZZ-RUN user run=1 seconds=225 seed=8
### PIDFUZZ-STUCK who=user epoch=2 pid=12 state=I wchan=zap_pid_ns_processes: the arena init was not reaped 60 s after SIGKILL
### PIDFUZZ who=user syscall=clone3 calls=800 ok=100 injected=0
### PIDFUZZ who=user syscall=reboot calls=3 ok=0
### PIDFUZZ-TOTAL who=user seed=8 seconds=100.0 calls=803 ok=100 per_second=8.0 epochs=3 early=1 stuck=1
### PIDFUZZ-END user run=1 rc=2
### PIDFUZZ-RUN user run=2 seconds=120 seed=10
### PIDFUZZ-ERROR who=user five arenas in a row ended within a second
### PIDFUZZ-TOTAL who=user seed=10 seconds=4.0 calls=0 ok=0 per_second=0.0 epochs=5 early=5 stuck=0
### PIDFUZZ-END user run=2 rc=0
### FUZZ-TOTAL syscalls=0
### DONE
"""


class PidfuzzCountsTest(unittest.TestCase):
    def test_runs_are_added_up(self):
        pf = pidns.pidfuzz_counts(PIDFUZZ.splitlines())
        self.assertEqual(pf["calls"], {"clone3": [2000, 800, 40],
                                       "ioctl$NS_GET_PARENT": [90, 30, 2],
                                       "setns": [500, 0, 0],
                                       "reboot": [3, 0, 0]})
        self.assertEqual(list(pf["calls"]), ["clone3", "ioctl$NS_GET_PARENT",
                                             "setns", "reboot"])
        self.assertEqual(pf["totals"], {"root": [1790, 730, 220.5],
                                        "user": [803, 100, 104.0]})
        self.assertEqual(pf["runs"], {"root": 1, "user": 2})
        self.assertEqual(len(pf["stuck"]), 1)
        self.assertTrue(pf["stuck"][0].startswith("PIDFUZZ-STUCK who=user"))
        self.assertEqual(len(pf["errors"]), 1)

    def test_trinity_counts_ignore_pidfuzz(self):
        totals, runs, calls = pidns.fuzz_counts(PIDFUZZ.splitlines())
        self.assertEqual((totals, runs, calls), ({}, {}, {}))

    def test_table(self):
        table = pidns.pidfuzz_table(pidns.pidfuzz_counts(
            PIDFUZZ.splitlines()))
        self.assertIn("clone3", table[1])
        self.assertIn("40%", table[1])
        self.assertTrue(any(l.startswith("root      1 pidfuzz runs")
                            and "(8/s), 41% succeeded" in l for l in table))


if __name__ == "__main__":
    unittest.main()
