#!/usr/bin/env python3
"""The serial fraction at the root: instructions under the locks every fork takes.

    harness/bench/lockhold.py [--kernels stock,ours] [--iters 20000]

Every fork on the machine, in whatever namespace, takes a number in the
root namespace, and so takes a lock that all forks share: stock's global
pidmap_lock, and ours' map lock of init_pid_ns (plus one of 256 hash
stripes, chosen by number, which two forks share only by chance).  While
one fork holds it no other can take a pid: that time is the serial
fraction that caps fork throughput on a many-core machine.

This boots each kernel built with the bench config plus lock statistics
(harness/configs/benchlock.config) under QEMU -icount, where the clock
counts guest instructions, so that /proc/lock_stat's hold times are
instructions executed with the lock held.  It clears the statistics, runs
pidbench clone_vm at depth 0 and at depth 1, and reads them back: per
fork+exit, the acquisitions of each such lock and the instructions held.

Lockdep's bookkeeping runs inside the holds as well (it is what keeps the
statistics), and so do our lockdep_assert_held() contracts: the figures
compare the kernels, they are not the cost of a production kernel.  The
smallest hold of a class (holdtime-min) shows about what that
bookkeeping alone costs.
"""

import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import bench  # noqa: E402
import pidns  # noqa: E402
import profile as prof  # noqa: E402
from pidns import PhaseError, say  # noqa: E402

CONFIG = "benchlock"

# Lock classes that every fork takes at the root, by kernel.
ROOT_LOCKS = {
    "stock": {"pidmap_lock": "pidmap_lock (global)"},
    "ours": {"init_pid_ns.pidmap.xa_lock": "root map lock",
             "&pid_hash_locks[i]": "hash stripes (256)"},
}


def initramfs(exe, runs):
    body = []
    for i, args in enumerate(runs):
        body += [f"echo '### RUN {i} {args}'",
                 "echo 0 >/proc/lock_stat",
                 f"pidbench {args} </dev/null 2>&1",
                 f"echo \"### END {i} rc=$?\"",
                 "cat /proc/lock_stat",
                 f"echo '### LOCKSTAT-END {i}'"]
    return bench.tool_initramfs(exe, bench.tool_init(body), "lockhold")


# A class's summary line: name, then 12 figures (times in microseconds).
STAT = re.compile(r"^\s*(\S.*?):\s+((?:[\d.]+\s+){11}[\d.]+)\s*$")


def read_stats(results):
    """{run index: {class: {field: value}}}, and the rc of each run."""
    fields = ("con-bounces", "contentions", "waittime-min", "waittime-max",
              "waittime-total", "waittime-avg", "acq-bounces",
              "acquisitions", "holdtime-min", "holdtime-max",
              "holdtime-total", "holdtime-avg")
    stats, rcs, cur = {}, {}, None
    with open(results, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = re.match(r"^### END (\d+) rc=(\d+)", line)
            if m:
                cur = int(m.group(1))
                rcs[cur] = int(m.group(2))
                stats[cur] = {}
                continue
            if re.match(r"^### LOCKSTAT-END", line):
                cur = None
                continue
            m = STAT.match(line) if cur is not None else None
            if m:
                stats[cur][m.group(1)] = dict(
                    zip(fields, map(float, m.group(2).split())))
    return stats, rcs


def main(argv):
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernels", default="stock,ours")
    ap.add_argument("--iters", type=int, default=20000)
    ap.add_argument("--timeout", type=int, default=1800)
    args = ap.parse_args(argv)
    runs = [f"clone_vm {d} {args.iters} 1" for d in (0, 1)]
    try:
        pidns.setup()
        exe = bench.build_pidbench()
        initrd = initramfs(exe, runs)
        lines = [f"{'kernel':<6} {'depth':>5}  {'lock':<28} "
                 f"{'acq/fork':>8} {'held/fork':>10} {'min hold':>8}"]
        for kernel in args.kernels.split(","):
            bzimage = pidns.kernel_for(kernel, CONFIG)
            _, results = pidns.boot(bzimage, initrd, "lockhold",
                                    args.timeout, name=f"lockhold-{kernel}",
                                    cpus=1, mem=bench.GUEST_MEM, icount=True)
            stats, rcs = read_stats(results)
            if sorted(stats) != list(range(len(runs))) or any(rcs.values()):
                raise PhaseError(f"{kernel}: runs ended {rcs}; see "
                                 f"{results}")
            for i, r in enumerate(runs):
                n = prof.iterations(r)
                total = 0.0
                for cls, label in ROOT_LOCKS[kernel].items():
                    st = stats[i].get(cls)
                    if not st:
                        raise PhaseError(f"{kernel}: no lock class {cls} in "
                                         f"/proc/lock_stat; see {results}")
                    held = st["holdtime-total"] * 1000 / n
                    total += held
                    lines.append(
                        f"{kernel:<6} {r.split()[1]:>5}  {label:<28} "
                        f"{st['acquisitions'] / n:>8.2f} {held:>10,.0f} "
                        f"{st['holdtime-min'] * 1000:>8,.0f}")
                lines.append(f"{kernel:<6} {r.split()[1]:>5}  "
                             f"{'all root locks':<28} {'':>8} {total:>10,.0f}")
        os.makedirs(bench.OUT, exist_ok=True)
        with open(os.path.join(bench.OUT, "lockhold.txt"), "w") as f:
            f.write("\n".join(lines) + "\n")
        print("\n".join(lines))
    except PhaseError as e:
        say(f"lockhold: FAILED: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
