#!/usr/bin/env python3
"""Where the instructions of a benchmark go, per kernel function.

    harness/bench/profile.py [--kernels stock,ours]
                             [--run "ns_create 100000 1 clone"]
                             [--base "clone_vm 0 100000 1"]

Boots each kernel built with the bench config plus the kernel's own
sampling profiler (harness/configs/benchprof.config) under QEMU -icount,
runs pidbench with the --run arguments and then with the --base ones,
resetting /proc/profile before each, and reads the profile back.  Under
-icount the guest clock is the instruction count (shift=0: one
nanosecond per instruction), so a timer tick, which takes one sample,
comes every 10^9 / HZ instructions: the samples are spread by
instructions executed, in the kernel (user mode is not sampled), and a
function's share of them, times the instructions per tick, divided by
the iterations of the loop, is its cost per iteration.

The report (printed, and in out/bench/profile-<kernel>.txt) gives, for
each kernel, the functions of --run by instructions per iteration, and
the difference --run minus --base per function: with the defaults, what
making and destroying a pid namespace adds to a plain clone at depth 0.
A tick that lands in the idle loop is counted apart: it is time, not
instructions.  The figures are statistical: a function with n samples is
known to about sqrt(n) samples.
"""

import argparse
import base64
import bisect
import gzip
import os
import re
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)
import bench  # noqa: E402
import pidns  # noqa: E402
from pidns import PhaseError, say  # noqa: E402

CONFIG = "benchprof"
IDLE = re.compile(r"idle|safe_halt|native_halt|mwait|do_idle")


def iterations(args):
    """Timed iterations of a clone_vm or ns_create run, warm-up included."""
    words = args.split()
    if words[0] == "ns_create":
        iters, rounds = int(words[1]), int(words[2])
    elif words[0] in ("clone_vm", "fork"):
        iters, rounds = int(words[2]), int(words[3])
    else:
        raise PhaseError(f"profile.py knows the loop of clone_vm, fork and "
                         f"ns_create only, not {words[0]}")
    return iters * rounds + iters // 10 + 1


def initramfs(exe, runs):
    body = []
    for i, args in enumerate(runs):
        body += [f"echo '### RUN {i} {args}'",
                 # Any write but of one int resets every counter.
                 "echo >/proc/profile",
                 f"pidbench {args} </dev/null 2>&1",
                 f"echo \"### END {i} rc=$?\"",
                 "gzip -c /proc/profile | base64",
                 f"echo '### PROFILE-END {i}'"]
    return bench.tool_initramfs(exe, bench.tool_init(body), "profile")


def read_profiles(results):
    """{run index: bytes of /proc/profile}, and the rc of each run."""
    profiles, rcs, cur, text = {}, {}, None, []
    with open(results, errors="replace") as f:
        for line in f:
            line = line.rstrip("\r\n")
            m = re.match(r"^### END (\d+) rc=(\d+)", line)
            if m:
                rcs[int(m.group(1))] = int(m.group(2))
                cur, text = int(m.group(1)), []
                continue
            m = re.match(r"^### PROFILE-END (\d+)", line)
            if m and cur is not None:
                profiles[cur] = gzip.decompress(
                    base64.b64decode("".join(text)))
                cur = None
                continue
            if cur is not None:
                text.append(line.strip())
    return profiles, rcs


class Symbols:
    """Kernel text symbols of a System.map, for address lookups."""

    def __init__(self, path):
        syms = []
        with open(path) as f:
            for line in f:
                addr, kind, name = line.split()[:3]
                if kind in "tTwW":
                    syms.append((int(addr, 16), name))
                if name == "_stext":
                    self.stext = int(addr, 16)
        syms.sort()
        self.addrs = [a for a, _ in syms]
        self.names = [n for _, n in syms]

    def name(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        return self.names[i] if i >= 0 else "?"


def per_function(raw, syms):
    """{function: samples} of one /proc/profile image."""
    step = struct.unpack_from("<I", raw, 0)[0]
    counts = struct.unpack_from(f"<{(len(raw) - 4) // 4}I", raw, 4)
    found = {}
    for i, n in enumerate(counts):
        if n:
            fn = syms.name(syms.stext + i * step)
            found[fn] = found.get(fn, 0) + n
    return found


def hz(kernel):
    with open(os.path.join(pidns.obj_dir(kernel, CONFIG), ".config")) as f:
        m = re.search(r"^CONFIG_HZ=(\d+)$", f.read(), re.M)
    return int(m.group(1))


def report(kernel, runs, samples, per_tick):
    out = []
    cost = []
    for args, found in zip(runs, samples):
        n = iterations(args)
        busy = {fn: c for fn, c in found.items() if not IDLE.search(fn)}
        idle = sum(found.values()) - sum(busy.values())
        total = sum(busy.values()) * per_tick / n
        out.append(f"{kernel}: pidbench {args}: {sum(busy.values())} kernel "
                   f"samples ({idle} more in idle), {per_tick:,} "
                   f"instructions per sample, {n:,} iterations: "
                   f"{total:,.0f} kernel instructions per iteration")
        out.append(f"  {'instr/iter':>10} {'samples':>8}  function")
        for fn, c in sorted(busy.items(), key=lambda x: -x[1])[:40]:
            out.append(f"  {c * per_tick / n:>10,.0f} {c:>8}  {fn}")
        out.append("")
        cost.append({fn: c * per_tick / n for fn, c in busy.items()})
    if len(runs) == 2:
        a, b = cost
        diff = {fn: a.get(fn, 0) - b.get(fn, 0) for fn in set(a) | set(b)}
        out.append(f"{kernel}: [{runs[0]}] minus [{runs[1]}], instructions "
                   f"per iteration: {sum(diff.values()):,.0f} in all")
        out.append(f"  {'diff':>10}  function")
        for fn, v in sorted(diff.items(), key=lambda x: -abs(x[1]))[:40]:
            out.append(f"  {v:>+10,.0f}  {fn}")
        out.append("")
    return out


def main(argv):
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernels", default="stock,ours")
    ap.add_argument("--run", default="ns_create 100000 1 clone")
    ap.add_argument("--base", default="clone_vm 0 100000 1",
                    help="a second run to subtract ('' for none)")
    ap.add_argument("--timeout", type=int, default=1800)
    args = ap.parse_args(argv)
    runs = [args.run] + ([args.base] if args.base else [])
    for r in runs:
        iterations(r)
    try:
        pidns.setup()
        exe = bench.build_pidbench()
        initrd = initramfs(exe, runs)
        lines = []
        for kernel in args.kernels.split(","):
            bzimage = pidns.kernel_for(kernel, CONFIG)
            _, results = pidns.boot(bzimage, initrd, "profile", args.timeout,
                                    name=f"profile-{kernel}", cpus=1,
                                    mem=bench.GUEST_MEM, icount=True)
            profiles, rcs = read_profiles(results)
            if sorted(profiles) != list(range(len(runs))) or any(rcs.values()):
                raise PhaseError(f"{kernel}: runs ended {rcs}, profiles of "
                                 f"{sorted(profiles)}; see {results}")
            syms = Symbols(os.path.join(pidns.obj_dir(kernel, CONFIG),
                                        "System.map"))
            samples = [per_function(profiles[i], syms)
                       for i in range(len(runs))]
            mine = report(kernel, runs, samples, 10 ** 9 // hz(kernel))
            os.makedirs(bench.OUT, exist_ok=True)
            with open(os.path.join(bench.OUT, f"profile-{kernel}.txt"),
                      "w") as f:
                f.write("\n".join(mine) + "\n")
            lines += mine
        print("\n".join(lines))
    except PhaseError as e:
        say(f"profile: FAILED: {e}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
