#!/usr/bin/env python3
"""make bench: stock 6.12 against ours, side by side.

Builds both kernels with the same non-debug config (harness/configs/
guest.config + bench.config), builds the guest benchmark program
(harness/bench/pidbench.c) statically, and boots each kernel under QEMU
three times:

    icount  -icount shift=0,sleep=off, -smp 1: guest time counts guest
            instructions, so figures repeat run after run, whatever the
            host is doing;
    wall    plain TCG, -smp 1: wall-clock time of the emulation;
    smp     plain TCG, -smp 2: only the smp benchmark, which needs two
            vCPUs (its rows are reported under the wall mode).

Every benchmark runs several rounds inside the guest; the figure is the
median of the rounds.  Output: a table on the console, out/bench/
results.csv (bench,param,kernel,mode,value,unit), out/bench/depth.png
(clone cost against nesting depth), out/bench/table.md (the table with the
commit and date, for the README) and out/bench/raw/ (every guest's output).

    harness/bench/bench.py [--kernels stock,ours] [--modes icount,wall,smp]
                           [--scale F] [--quick] [--only BENCH,...]
                           [--bzimage KERNEL=PATH]
"""

import argparse
import csv
import datetime
import gzip
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import pidns  # noqa: E402
from pidns import PhaseError, phase, say  # noqa: E402

BUILD = os.path.join(pidns.BUILD, "bench")
OUT = os.path.join(pidns.OUT, "bench")

# Harness kernel name -> the name results.csv uses.
KERNELS = {"stock": "stock", "ours": "pidns"}

# Boot modes: (QEMU -icount?, vCPUs, the mode results.csv reports).
MODES = {"icount": (True, 1, "icount"),
         "wall": (False, 1, "wall"),
         "smp": (False, 2, "wall")}

# crowded keeps ~29,500 tiny tasks alive and many_ns 10,000 namespaces
# with their inits: each task has a kernel stack and a task_struct, about
# 30 KiB, so the guest gets more memory than `make check` gives it.
GUEST_MEM = 4096

DEPTHS = (0, 1, 2, 4, 8, 16, 31)


def plan(mode, scale=1.0, quick=False):
    """[(timeout in guest seconds, pidbench arguments)] for one boot.

    The counts are sized so that one boot takes a few minutes of host time
    on the non-debug kernel (see README.md for the guest times measured);
    --scale multiplies the iteration counts, --quick also shrinks the task
    counts, for a plumbing test on a slow (debug) kernel.
    """
    def n(x):
        return max(1, int(x * scale))
    tasks = 100 if quick else 1000
    crowd = 2000 if quick else 29500
    many = 400 if quick else 10000
    # The 10,000 tasks of Linux 4.15's ps measurement (the IDR commit).
    big = 10 * tasks
    if mode == "smp":
        return [(600, f"smp {n(300)} 3")]
    # Long enough loops that the work a clone leaves to RCU callbacks
    # (freeing the task, its pid, a namespace and its map) is done inside
    # the timed loop at the rate it is queued: in a short loop much of it
    # falls after the loop, and the figure depends on how much.
    p = [(600, f"clone_vm {d} {n(20000)} 3") for d in DEPTHS]
    p += [(600, f"fork {d} {n(1000)} 3") for d in (0, 31)]
    p += [(600, f"ns_create {n(20000)} 3")]
    p += [(600, f"container_start {n(2000)} 3")]
    p += [(600, f"lookups {d} {n(20000)} 3") for d in (0, 31)]
    p += [(600, f"proc_readdir {tasks} {n(20)} 3")]
    p += [(600, f"proc_status {d} {tasks} {n(5)} 3") for d in (0, 31)]
    p += [(600, f"proc_readdir {big} {n(3)} 3 0")]
    p += [(600, f"ps {big} {n(1)} 3")]
    p += [(600, f"kill0_many {d} {big} {n(5)} 3") for d in (0, 31)]
    p += [(600, f"memory {d} {2 * tasks} 3") for d in (0, 8, 31)]
    p += [(900, f"crowded {d} {crowd} {n(1000)} 3") for d in (0, 31)]
    p += [(900, f"many_ns {many} {min(100, many // 4)} 3")]
    return p


# --------------------------------------------------------------- setup --

@phase("setup: gnuplot")
def setup_gnuplot():
    """gnuplot draws depth.png; Debian's gnuplot-nox has no X dependencies."""
    if shutil.which("gnuplot"):
        return
    if os.geteuid() != 0:
        raise PhaseError("gnuplot is missing; run as root or apt-get "
                         "install gnuplot-nox")
    log = os.path.join(pidns.LOGS, "apt.log")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    pidns.sh(["apt-get", "update", "-q"], log=log, env=env)
    pidns.sh(["apt-get", "install", "-y", "-q", "--no-install-recommends",
              "gnuplot-nox"], log=log, env=env)


@phase("bench: build pidbench")
def build_pidbench():
    """The guest program: static, so the initramfs needs no libraries.

    Debian's uapi headers (6.1) have every system call number it uses.
    """
    os.makedirs(BUILD, exist_ok=True)
    exe = os.path.join(BUILD, "pidbench")
    log = os.path.join(pidns.LOGS, "bench-build.log")
    pidns.sh(["gcc", "-static", "-O2", "-Wall", "-Wextra", "-Werror",
              "-o", exe, os.path.join(HERE, "pidbench.c")], log=log)
    # container_start's /bin/noop: exit(0) without libc.
    pidns.sh(["gcc", "-static", "-nostdlib", "-O2", "-Wall", "-Werror",
              "-o", os.path.join(BUILD, "noop"),
              os.path.join(HERE, "noop.c")], log=log)
    return exe


@phase("bench: initramfs")
def initramfs(exe, plans):
    """busybox, our /init, the runner, pidbench and one plan per mode."""
    d, f, l = 0o040755, 0o100755, 0o120777
    entries = [(p, d, b"") for p in ("bin", "dev", "proc", "sys", "tmp",
                                     "bench", "etc", "root")]
    entries.append(("dev/console", 0o020600, b"", (5, 1)))
    with open("/bin/busybox", "rb") as fh:
        entries.append(("bin/busybox", f, fh.read()))
    entries.append(("bin/sh", l, b"busybox"))
    for src, dest in (("init", "init"), ("bench-run", "bin/bench-run")):
        with open(os.path.join(HERE, src), "rb") as fh:
            entries.append((dest, f, fh.read()))
    with open(exe, "rb") as fh:
        entries.append(("bin/pidbench", f, fh.read()))
    with open(os.path.join(os.path.dirname(exe), "noop"), "rb") as fh:
        entries.append(("bin/noop", f, fh.read()))
    for mode, lines in plans.items():
        text = "".join(f"{t} {a}\n" for t, a in lines)
        entries.append((f"bench/plan-{mode}", 0o100644, text.encode()))
    path = os.path.join(BUILD, "initramfs.cpio.gz")
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(pidns.cpio_newc(entries))
    return path


# The guest of the single-purpose tools (profile.py, lockhold.py,
# exact.py): busybox, one /init script and pidbench with /bin/noop.
TOOL_INIT_PROLOGUE = ["#!/bin/sh",
                      "/bin/busybox --install -s /bin",
                      "export PATH=/bin",
                      "mount -t proc proc /proc",
                      "mount -t sysfs sysfs /sys",
                      "mount -t devtmpfs devtmpfs /dev",
                      "mount -t tmpfs tmpfs /tmp",
                      "echo 100000 >/proc/sys/user/max_pid_namespaces"]


def tool_init(body):
    """/init: the prologue, @body with its output on ttyS1, a reboot."""
    lines = TOOL_INIT_PROLOGUE + ["{"] + body + \
        ["} >/dev/ttyS1 2>&1", "sync", "reboot -f", ""]
    return "\n".join(lines).encode()


def tool_initramfs(exe, init, name):
    """initramfs-NAME.cpio.gz in BUILD with @init as /init."""
    d, f, lnk = 0o040755, 0o100755, 0o120777
    entries = [(p, d, b"") for p in ("bin", "dev", "proc", "sys", "tmp")]
    entries.append(("dev/console", 0o020600, b"", (5, 1)))
    with open("/bin/busybox", "rb") as fh:
        entries.append(("bin/busybox", f, fh.read()))
    entries.append(("bin/sh", lnk, b"busybox"))
    entries.append(("init", f, init))
    for prog in ("pidbench", "noop"):
        with open(os.path.join(os.path.dirname(exe), prog), "rb") as fh:
            entries.append((f"bin/{prog}", f, fh.read()))
    path = os.path.join(BUILD, f"initramfs-{name}.cpio.gz")
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(pidns.cpio_newc(entries))
    return path


# ---------------------------------------------------------------- boot --

def boot(kernel, bzimage, initrd, mode, timeout):
    """Boot one guest through its plan; return (console, results) paths."""
    icount, cpus, _ = MODES[mode]
    say(f"boot {kernel} {mode}")
    t0 = time.monotonic()

    def progress(line):
        m = re.match(r"^### END (.*) rc=(-?\d+) start=(\S+) end=(\S+)", line)
        if m:
            guest = float(m.group(4)) - float(m.group(3))
            bad = "" if m.group(2) == "0" else f"  FAILED rc={m.group(2)}"
            say(f"  {m.group(1)}: {guest:.1f}s guest, "
                f"{time.monotonic() - t0:.0f}s so far{bad}")
        elif line.startswith("ERROR"):
            say(f"  {line}")

    return pidns.boot(bzimage, initrd, mode, timeout, stream=progress,
                      name=f"bench-{kernel}-{mode}", cpus=cpus, mem=GUEST_MEM,
                      icount=icount)


def parse(results):
    """({(bench, param): ([values], unit)}, [problems]) of one guest."""
    found, problems, done = {}, [], False
    with open(results, errors="replace") as f:
        for line in f:
            words = line.split()
            if line.startswith("RESULT ") and len(words) == 5:
                values, _ = found.setdefault((words[1], words[2]),
                                             ([], words[4]))
                values.append(float(words[3]))
            elif line.startswith("ERROR"):
                problems.append(line.strip())
            elif re.match(r"^### END .* rc=(?!0 )", line):
                problems.append(line.strip())
            elif line.startswith("### DONE"):
                done = True
            # tsc-early is the TSC too, before it is recalibrated: with
            # tsc=reliable the guest may keep it; both count in ns.
            if line.startswith(("### GUEST", "### DONE")) and not \
                    {"clocksource=tsc", "clocksource=tsc-early"} & set(words):
                problems.append(f"the guest clock is not the TSC (figures "
                                f"may be multiples of a jiffy): "
                                f"{line.strip()}")
    if not done:
        problems.append("the guest stopped before the end of its plan")
    return found, problems


# -------------------------------------------------------------- report --

def fmt(value, unit):
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "-"
    return f"{a / b:.2f}"


def table(rows, order):
    """The comparison table as lines of text (also valid Markdown)."""
    head = ("bench", "param", "unit", "icount stock", "icount pidns",
            "ratio", "wall stock", "wall pidns", "ratio")
    lines = []
    for bench, param in order:
        unit = next(u for (b, p, k, m), (v, u) in rows.items()
                    if (b, p) == (bench, param))
        cells = [bench, param, unit]
        for mode in ("icount", "wall"):
            s = rows.get((bench, param, "stock", mode), (None,))[0]
            o = rows.get((bench, param, "pidns", mode), (None,))[0]
            cells += [fmt(s, unit), fmt(o, unit), ratio(o, s)]
        lines.append(cells)
    widths = [max(len(str(c)) for c in col) for col in zip(head, *lines)]
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for cells in lines:
        out.append("| " + " | ".join(
            (c.ljust(w) if i < 3 else c.rjust(w))
            for i, (c, w) in enumerate(zip(cells, widths))) + " |")
    return out


def write_csv(rows, order, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["bench", "param", "kernel", "mode", "value", "unit"])
        for bench, param in order:
            for kernel in KERNELS.values():
                for mode in ("icount", "wall"):
                    key = (bench, param, kernel, mode)
                    if key in rows:
                        value, unit = rows[key]
                        w.writerow([bench, param, kernel, mode,
                                    f"{value:.1f}", unit])


def plot(rows, path):
    """depth.png: clone_vm cost against depth, icount, both kernels."""
    data = os.path.join(BUILD, "depth.dat")
    have = []
    with open(data, "w") as f:
        f.write("# depth stock pidns crowded-stock crowded-pidns "
                "(thousands of guest instructions)\n")
        for d in DEPTHS:
            cells = [str(d)]
            for bench in ("clone_vm", "crowded"):
                for kernel in KERNELS.values():
                    v = rows.get((bench, str(d), kernel, "icount"))
                    cells.append(f"{v[0] / 1000:.2f}" if v else "NaN")
                    if v:
                        have.append((bench, kernel))
            f.write(" ".join(cells) + "\n")
    if not any(b == "clone_vm" for b, _ in have):
        say("  no icount clone_vm figures: no plot")
        return None
    series = []
    # Until the implementation differs the two curves coincide: stock is
    # wide and light, pidns narrow and dashed on top, so both stay visible.
    styles = {("clone_vm", "stock"): (2, "linespoints lw 5 lc rgb '#9ecae1' "
                                      "pt 7 ps 1.6", "stock 6.12"),
              ("clone_vm", "pidns"): (3, "linespoints lw 2 dt 2 "
                                      "lc rgb '#d62728' pt 5", "pidns"),
              ("crowded", "stock"): (4, "points pt 6 ps 2 lc rgb '#3182bd'",
                                     "stock, 29,500 pids in use"),
              ("crowded", "pidns"): (5, "points pt 4 ps 1.4 lc rgb '#d62728'",
                                     "pidns, 29,500 pids in use")}
    for key, (col, style, title) in styles.items():
        if key in have:
            series.append(f"'{data}' using 1:{col} with {style} "
                          f"title '{title}'")
    script = f"""
set terminal pngcairo size 900,560 font 'sans,11' noenhanced
set output '{path}'
set title "clone(CLONE_VM) + exit + wait, by pid namespace depth of the caller\\n(QEMU -icount: 1 guest ns = 1 guest instruction; lower is better)"
set xlabel 'nesting depth of the caller (pid namespaces below the initial one)'
set ylabel 'thousands of guest instructions per operation'
set xtics ({", ".join(str(d) for d in DEPTHS)})
set xrange [-1:32]
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set grid ytics lc rgb '#dddddd'
set key top left Left reverse box opaque
plot {", ".join(series)}
"""
    res = subprocess.run(["gnuplot"], input=script, text=True,
                         capture_output=True)
    if res.returncode != 0:
        raise PhaseError(f"gnuplot failed: {res.stderr}")
    return path


def commit_and_date():
    rev = subprocess.run(["git", "describe", "--always", "--dirty"],
                         cwd=pidns.REPO, capture_output=True, text=True)
    return (rev.stdout.strip() or "unknown",
            datetime.date.today().isoformat())


# ---------------------------------------------------------------- main --

def main(argv):
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kernels", default="stock,ours")
    ap.add_argument("--modes", default="icount,wall,smp")
    ap.add_argument("--scale", type=float, default=1.0,
                    help="multiply the iteration counts")
    ap.add_argument("--quick", action="store_true",
                    help="few tasks and iterations: a plumbing test")
    ap.add_argument("--only", default="",
                    help="comma-separated pidbench benchmarks to run")
    ap.add_argument("--bzimage", action="append", default=[],
                    metavar="KERNEL=PATH",
                    help="boot this image instead of building KERNEL")
    ap.add_argument("--timeout", type=int, default=1200,
                    help="host seconds one guest may run (default 1200)")
    args = ap.parse_args(argv)
    kernels = args.kernels.split(",")
    modes = args.modes.split(",")
    if not set(kernels) <= set(KERNELS) or not set(modes) <= set(MODES):
        ap.error(f"kernels are {list(KERNELS)}, modes {list(MODES)}")
    images = dict(b.split("=", 1) for b in args.bzimage)
    scale = args.scale * (0.05 if args.quick else 1.0)
    os.makedirs(pidns.LOGS, exist_ok=True)
    t0 = time.monotonic()
    try:
        pidns.setup()
        setup_gnuplot()
        for kernel in kernels:
            if kernel not in images:
                images[kernel] = pidns.kernel_for(kernel, "bench")
        exe = build_pidbench()
        only = set(filter(None, args.only.split(",")))
        plans = {m: [(t, a) for t, a in plan(m, scale, args.quick)
                     if not only or a.split()[0] in only] for m in modes}
        initrd = initramfs(exe, plans)

        os.makedirs(os.path.join(OUT, "raw"), exist_ok=True)
        rows, order, problems = {}, [], []
        # Kernels alternate within each mode, so that a change in host
        # load during the run hits both kernels' wall figures alike.
        for mode in modes:
            if not plans[mode]:
                continue
            for kernel in kernels:
                console, results = boot(kernel, images[kernel], initrd,
                                        mode, args.timeout)
                shutil.copy(results, os.path.join(
                    OUT, "raw", f"{kernel}-{mode}.log"))
                found, trouble = parse(results)
                splats = pidns.find_splats(console)
                if splats:
                    trouble.append("kernel splat on the console:\n  "
                                   + "\n  ".join(splats[:40]))
                if not MODES[mode][0]:
                    # A plain-TCG guest on a loaded host sometimes loses
                    # the TSC clock at boot (with two vCPUs more often):
                    # its figures are wall time of the emulation anyway,
                    # so warn on that column, do not fail the run.  Under
                    # icount the TSC counts instructions: there it fails.
                    for p in trouble:
                        if "not the TSC" in p:
                            say(f"  WARNING: {kernel} {mode}: {p}")
                    trouble = [p for p in trouble if "not the TSC" not in p]
                problems += [f"{kernel} {mode}: {p}" for p in trouble]
                for (bench, param), (values, unit) in found.items():
                    if (bench, param) not in order:
                        order.append((bench, param))
                    rows[(bench, param, KERNELS[kernel], MODES[mode][2])] = \
                        (statistics.median(values), unit)
        if not rows:
            raise PhaseError("no results; see the guest logs in "
                             f"{os.path.relpath(pidns.LOGS, pidns.REPO)}")

        lines = table(rows, order)
        print()
        print("\n".join(lines))
        print()
        rev, date = commit_and_date()
        write_csv(rows, order, os.path.join(OUT, "results.csv"))
        png = plot(rows, os.path.join(OUT, "depth.png"))
        with open(os.path.join(OUT, "table.md"), "w") as f:
            f.write(f"Measured {date} at commit {rev}: medians of 3 rounds; "
                    "icount figures are guest instructions, wall figures "
                    "nanoseconds of plain TCG; ratio is pidns / stock.\n\n")
            f.write("\n".join(lines) + "\n")
        say(f"wrote {os.path.relpath(OUT, pidns.REPO)}/results.csv, "
            f"table.md{', depth.png' if png else ''} "
            f"(commit {rev}, {date}; {time.monotonic() - t0:.0f}s in all)")
        if problems:
            print("\nPROBLEMS:")
            for p in problems:
                print(f"  {p}")
            raise PhaseError(f"{len(problems)} problems")
    except PhaseError:
        say("bench: FAILED")
        return 1
    say("bench: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
