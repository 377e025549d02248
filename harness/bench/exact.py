#!/usr/bin/env python3
"""Where the instructions of a benchmark go, exactly, per function.

    harness/bench/exact.py [--kernels stock,ours]
                           [--run "ns_create 20000 1 clone"]
                           [--base "clone_vm 0 20000 1"]

Boots each kernel built with the bench config (the very kernel make bench
measures) under QEMU -icount with the tbcount plugin
(harness/bench/tbcount/tbcount.c), once per run, and runs pidbench with
PIDBENCH_MARK set: the plugin counts every guest instruction executed
between the two markers pidbench executes around its timed loop, per
translation block.  Those counts are mapped to kernel functions by
System.map (user space is one line, "[user]") and divided by the
iterations of the loop.  The figures are exact counts, not samples; the
total equals pidbench's own icount figure.  With --base, it also prints
the difference --run minus --base per function: with the defaults, what
making and destroying a pid namespace adds to a plain clone.

Use one round per run (the third number): result lines are printed
between rounds, and would be counted.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import bench  # noqa: E402
import pidns  # noqa: E402
import profile as prof  # noqa: E402
from pidns import PhaseError, say  # noqa: E402

CONFIG = "bench"
PLUGIN_SRC = os.path.join(HERE, "tbcount", "tbcount.c")


def timed_iterations(args):
    """Iterations inside the markers: the timed rounds, not the warm-up."""
    words = args.split()
    if words[0] in ("ns_create", "container_start"):
        iters, rounds = int(words[1]), int(words[2])
    elif words[0] in ("clone_vm", "fork"):
        iters, rounds = int(words[2]), int(words[3])
    else:
        raise PhaseError(f"exact.py knows the loops of clone_vm, fork, "
                         f"ns_create and container_start, not {words[0]}")
    if rounds != 1:
        raise PhaseError(f"{args}: use one round (result lines would be "
                         f"counted)")
    return iters * rounds


def build_plugin():
    so = os.path.join(bench.BUILD, "tbcount.so")
    pidns.sh(["gcc", "-shared", "-fPIC", "-O2", "-Wall", "-Wextra",
              "-Werror", "-o", so, PLUGIN_SRC],
             log=os.path.join(pidns.LOGS, "bench-build.log"))
    return so


def initramfs(exe, args, name):
    body = [f"echo '### RUN {args}'",
            f"PIDBENCH_MARK=1 pidbench {args} </dev/null 2>&1",
            "echo \"### END rc=$?\""]
    return bench.tool_initramfs(exe, bench.tool_init(body), f"exact-{name}")


def count(kernel, bzimage, exe, so, args, i, timeout):
    out = os.path.join(bench.BUILD, f"tbcount-{kernel}-{i}.out")
    if os.path.exists(out):
        os.unlink(out)
    initrd = initramfs(exe, args, f"{kernel}-{i}")
    plain = pidns.qemu_cmd

    def with_plugin(*a, **kw):
        return plain(*a, **kw) + ["-plugin", f"{so},outfile={out}"]

    pidns.qemu_cmd = with_plugin
    try:
        _, results = pidns.boot(bzimage, initrd, "exact", timeout,
                                name=f"exact-{kernel}-{i}", cpus=1,
                                mem=bench.GUEST_MEM, icount=True)
    finally:
        pidns.qemu_cmd = plain
    with open(results, errors="replace") as f:
        if "### END rc=0" not in f.read():
            raise PhaseError(f"{kernel}: pidbench {args} failed; see "
                             f"{results}")
    if not os.path.exists(out):
        raise PhaseError(f"{kernel}: the plugin wrote no counts ({out})")
    return out


def per_function(path, syms):
    found = {}
    with open(path) as f:
        for line in f:
            addr, n = line.split()
            addr = int(addr, 16)
            fn = syms.name(addr) if addr >> 47 else "[user]"
            found[fn] = found.get(fn, 0) + int(n)
    return found


def report(kernel, runs, counts):
    out, cost = [], []
    for args, found in zip(runs, counts):
        n = timed_iterations(args)
        per = {fn: c / n for fn, c in found.items()}
        out.append(f"{kernel}: pidbench {args}: {n:,} iterations: "
                   f"{sum(per.values()):,.0f} instructions per iteration "
                   f"({per.get('[user]', 0):,.0f} in user space)")
        out.append(f"  {'instr/iter':>10}  function")
        for fn, v in sorted(per.items(), key=lambda x: -x[1])[:50]:
            out.append(f"  {v:>10,.1f}  {fn}")
        out.append("")
        cost.append(per)
    if len(runs) == 2:
        a, b = cost
        diff = {fn: a.get(fn, 0) - b.get(fn, 0) for fn in set(a) | set(b)}
        out.append(f"{kernel}: [{runs[0]}] minus [{runs[1]}], instructions "
                   f"per iteration: {sum(diff.values()):,.0f} in all")
        out.append(f"  {'diff':>10}  function")
        for fn, v in sorted(diff.items(), key=lambda x: -abs(x[1]))[:60]:
            if abs(v) >= 0.5:
                out.append(f"  {v:>+10,.1f}  {fn}")
        out.append("")
    return out


def main(argv):
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernels", default="stock,ours")
    ap.add_argument("--run", default="ns_create 20000 1 clone")
    ap.add_argument("--base", default="clone_vm 0 20000 1",
                    help="a second run to subtract ('' for none)")
    ap.add_argument("--timeout", type=int, default=1800)
    args = ap.parse_args(argv)
    runs = [args.run] + ([args.base] if args.base else [])
    for r in runs:
        timed_iterations(r)
    try:
        pidns.setup()
        exe = bench.build_pidbench()
        so = build_plugin()
        lines = []
        for kernel in args.kernels.split(","):
            bzimage = pidns.kernel_for(kernel, CONFIG)
            syms = prof.Symbols(os.path.join(pidns.obj_dir(kernel, CONFIG),
                                             "System.map"))
            counts = [per_function(count(kernel, bzimage, exe, so, r, i,
                                         args.timeout), syms)
                      for i, r in enumerate(runs)]
            mine = report(kernel, runs, counts)
            os.makedirs(bench.OUT, exist_ok=True)
            with open(os.path.join(bench.OUT, f"exact-{kernel}.txt"),
                      "w") as f:
                f.write("\n".join(mine) + "\n")
            lines += mine
        print("\n".join(lines))
    except PhaseError as e:
        say(f"exact: FAILED: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
