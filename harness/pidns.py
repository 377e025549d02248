#!/usr/bin/env python3
"""pidns: assemble, build, boot and test the pid namespace series.

One command runs every phase in order: setup (Debian packages), base
(the pinned linux-source-6.12, unpacked once), assemble (base + our owned
files + patches/series), config (tinyconfig + harness/configs fragments),
kernel, headers, tests, initramfs, boot (QEMU) and report.  Each phase is a
function that returns when it is done and raises PhaseError when it is not;
the run stops at the first failing phase and says which.  Everything lands
in build/ (ignored by git) and is reused: a change to one owned file
rebuilds only what depends on it.

    harness/pidns.py check [--kernel ours|stock] [--config debug|rt|kcsan|...]
    harness/pidns.py check --step N|NAME [--step-subject S] [--tests ...]
        (the first N steps of patches/series only, in build/step/)
    harness/pidns.py stress | fuzz [--seconds N] [--kernel ...]
        (fuzz: FUZZ_SEED=N in the environment repeats pidfuzz's programs)
    harness/pidns.py run | shell [--kernel ...]
    harness/pidns.py series | series-fold
    harness/pidns.py series-export | series-import [--force]

The Makefile at the top of the repository wraps these.
"""

import argparse
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kcsan  # noqa: E402
import series  # noqa: E402
import tap  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HARNESS = os.path.join(REPO, "harness")
BUILD = os.path.join(REPO, "build")
OUT = os.path.join(REPO, "out")
LOGS = os.path.join(BUILD, "logs")

BASE_PACKAGE = "linux-source-6.12"
BASE_VERSION = "6.12.117-1~deb12u1"
BASE_TARBALL = "/usr/src/linux-source-6.12.tar.xz"
BASE_TOPDIR = "linux-source-6.12"

# What a fresh Debian 12 machine needs, as (package, a file that proves it
# is installed).
PACKAGES = [
    ("qemu-system-x86", "/usr/bin/qemu-system-x86_64"),
    ("busybox-static", "/bin/busybox"),
    ("ccache", "/usr/bin/ccache"),
    ("gcc", "/usr/bin/gcc"),
    ("make", "/usr/bin/make"),
    ("flex", "/usr/bin/flex"),
    ("bison", "/usr/bin/bison"),
    ("bc", "/usr/bin/bc"),
    ("cpio", "/usr/bin/cpio"),
    ("xz-utils", "/usr/bin/xz"),
    ("rsync", "/usr/bin/rsync"),
    ("libelf-dev", "/usr/include/libelf.h"),
    ("libssl-dev", "/usr/include/openssl/ssl.h"),
    ("libcap-dev", "/usr/include/sys/capability.h"),
    ("git", "/usr/bin/git"),
    ("patch", "/usr/bin/patch"),
    # make fuzz: carried into the guest with its libraries.
    ("trinity", "/usr/bin/trinity"),
    # The clients suite (and make run's container): likewise.
    ("crun", "/usr/bin/crun"),
    ("criu", "/usr/sbin/criu"),
    ("tini", "/usr/bin/tini"),
    ("util-linux", "/usr/bin/nsenter"),
    # The container engines of the clients suite (README, "The clients
    # suite"): Docker's and Kubernetes' runtime, Podman with its monitor
    # and its --init, LXC, and systemd-nspawn.
    ("runc", "/usr/sbin/runc"),
    ("podman", "/usr/bin/podman"),
    ("conmon", "/usr/bin/conmon"),
    ("catatonit", "/usr/libexec/podman/catatonit"),
    ("lxc", "/usr/bin/lxc-start"),
    ("systemd-container", "/usr/bin/systemd-nspawn"),
]

# Top-level directories of a kernel tree: a tracked file under one of these
# is an owned file and replaces the base's file of the same path.
KERNEL_DIRS = ("arch", "block", "certs", "crypto", "Documentation", "drivers",
               "fs", "include", "init", "io_uring", "ipc", "kernel", "lib",
               "mm", "net", "rust", "samples", "scripts", "security",
               "sound", "tools", "usr", "virt")

# Console lines that mean the kernel found a bug, whatever the tests said.
SPLAT = re.compile(
    r"(WARNING:|BUG:|KASAN:|UBSAN:|Oops|Kernel panic|general protection fault"
    r"|possible circular locking|inconsistent lock state|suspicious RCU usage"
    r"|rcu_(?:sched|preempt) (?:self-)?detected|rcu: INFO:|self-detected stall"
    r"|soft lockup|blocked for more than|unreferenced object"
    r"|kmemleak: \d+ new suspected|Call Trace:)")

KERNEL_ENV = {
    "KBUILD_BUILD_TIMESTAMP": "2026-01-01",
    "KBUILD_BUILD_USER": "pidns",
    "KBUILD_BUILD_HOST": "pidns",
    # Relative paths in ccache's hash, so that stock and ours (build/X/src
    # compiled in build/X/CONFIG) share the cache for the files they share.
    "CCACHE_BASEDIR": BUILD,
    "CCACHE_NOHASHDIR": "1",
}


class PhaseError(Exception):
    pass


T0 = time.monotonic()


def say(msg):
    print(f"[{time.monotonic() - T0:7.1f}s] {msg}", flush=True)


def phase(name):
    """Announce a phase, time it, and name it when it fails."""
    def wrap(fn):
        def run(*a, **kw):
            say(f"{name} ...")
            t = time.monotonic()
            try:
                result = fn(*a, **kw)
            except PhaseError as e:
                say(f"{name} FAILED after {time.monotonic() - t:.1f}s: {e}")
                raise
            say(f"{name} done in {time.monotonic() - t:.1f}s")
            return result
        return run
    return wrap


def sh(cmd, log=None, cwd=None, env=None, check=True):
    """Run a command; its output goes to log (appended) when one is given."""
    full_env = dict(os.environ, **(env or {}))
    if log:
        os.makedirs(os.path.dirname(log), exist_ok=True)
        with open(log, "a") as f:
            f.write(f"\n$ {' '.join(cmd)}\n")
            f.flush()
            rc = subprocess.call(cmd, stdout=f, stderr=subprocess.STDOUT,
                                 cwd=cwd, env=full_env)
    else:
        rc = subprocess.call(cmd, cwd=cwd, env=full_env)
    if check and rc != 0:
        where = f"; see {log}" if log else ""
        raise PhaseError(f"`{' '.join(cmd)}` exited {rc}{where}")
    return rc


def tail(path, n=25):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def digest(paths, extra=""):
    h = hashlib.sha256(extra.encode())
    for p in paths:
        h.update(p.encode())
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def read_stamp(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def write_stamp(path, value):
    with open(path, "w") as f:
        f.write(value + "\n")


# ---------------------------------------------------------------- setup --

@phase("setup: Debian packages")
def setup():
    missing = [pkg for pkg, proof in PACKAGES if not os.path.exists(proof)]
    installed = subprocess.run(["dpkg-query", "-W", "-f", "${Version}",
                                BASE_PACKAGE], capture_output=True, text=True)
    base_ok = installed.returncode == 0 and os.path.exists(BASE_TARBALL)
    if not missing and base_ok:
        if installed.stdout != BASE_VERSION:
            say(f"WARNING: {BASE_PACKAGE} is {installed.stdout}, "
                f"not the pinned {BASE_VERSION}")
        return
    if os.geteuid() != 0:
        raise PhaseError(f"missing {missing or [BASE_PACKAGE]}; run as root "
                         "or install them with apt-get")
    log = os.path.join(LOGS, "apt.log")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    say(f"installing {' '.join(missing) or BASE_PACKAGE} (log: {log})")
    sh(["apt-get", "update", "-q"], log=log, env=env)
    if missing:
        sh(["apt-get", "install", "-y", "-q", "--no-install-recommends"]
           + missing, log=log, env=env)
    if not base_ok:
        pinned = f"{BASE_PACKAGE}={BASE_VERSION}"
        if sh(["apt-get", "install", "-y", "-q", "--no-install-recommends",
               pinned], log=log, env=env, check=False) != 0:
            say(f"WARNING: {pinned} is no longer in the archive; falling "
                f"back to the newest {BASE_PACKAGE}. Stock figures and "
                "expected results were measured on the pinned version.")
            sh(["apt-get", "install", "-y", "-q", "--no-install-recommends",
                BASE_PACKAGE], log=log, env=env)


# ------------------------------------------------------------- the tree --

def src_dir(kernel):
    return os.path.join(BUILD, kernel, "src")


@phase("base: unpack the pinned linux-source-6.12")
def unpack_base():
    """build/stock/src is the pristine base; every other tree starts from it."""
    dest = src_dir("stock")
    stamp = os.path.join(BUILD, "stock", "base.stamp")
    want = digest([], extra=f"{os.path.getsize(BASE_TARBALL)}"
                  f"{os.path.getmtime(BASE_TARBALL)}")
    if os.path.isdir(dest) and read_stamp(stamp) == want:
        return
    shutil.rmtree(dest, ignore_errors=True)
    # Our trees are copies of the base: a new base means new copies.
    shutil.rmtree(src_dir("ours"), ignore_errors=True)
    shutil.rmtree(src_dir(STEP), ignore_errors=True)
    tmp = os.path.join(BUILD, "stock", "unpack")
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    sh(["tar", "-xJf", BASE_TARBALL, "-C", tmp])
    os.rename(os.path.join(tmp, BASE_TOPDIR), dest)
    os.rmdir(tmp)
    write_stamp(stamp, want)


def owned_files():
    """Tracked (or new, not ignored) files at kernel paths in the repo."""
    out = subprocess.run(["git", "ls-files", "--cached", "--others",
                          "--exclude-standard", "--", *KERNEL_DIRS],
                         cwd=REPO, capture_output=True, text=True, check=True)
    return sorted(p for p in out.stdout.split()
                  if os.path.isfile(os.path.join(REPO, p)))


def series_steps():
    """patches/series in order, as series.Patch and series.Owned steps."""
    return series.steps(REPO, owned_files(), PhaseError)


def series_patches():
    """The patches of patches/series, in order, as absolute paths."""
    return [s.path for s in series_steps() if isinstance(s, series.Patch)]


def patched_files(patch):
    return series.patched_files(patch)


def apply_patch(tree, patch, log):
    rc = sh(["patch", "-p1", "-F0", "-N", "--batch", "--quiet",
             "--no-backup-if-mismatch", "-d", tree, "-i", patch],
            log=log, check=False)
    if rc != 0:
        raise PhaseError(f"patch {os.path.relpath(patch, REPO)} does not "
                         f"apply:\n{tail(log, 15)}")


@phase("assemble: base + owned files + patches/series")
def assemble():
    """Build build/ours/src, touching only the files whose content changed.

    The tree is a copy of the base made once.  Each run puts the base
    versions of every file we own or patch (or did last time) in a small
    staging tree, goes down the series there (applying each patch, laying
    each commit's owned files), checks that it ends at the owned files,
    and copies into the real tree only what differs: make then rebuilds
    only what a change really touched.
    """
    owned = owned_files()
    steps = series.steps(REPO, owned, PhaseError)
    changed = lay_series("ours", steps, end=lambda stage: series.check_end(
        REPO, stage, owned, steps, PhaseError))
    patches = [s for s in steps if isinstance(s, series.Patch)]
    say(f"  {len(steps) - len(patches)} commits of owned files, "
        f"{len(patches)} patches, {changed} files changed in build/ours/src")


def stage_steps(steps, stage, files, log):
    """Make @stage the base versions of @files, then go down @steps there
    as `make series` commits them (a patch applied, an @commit's owned
    files laid); the log of the patches goes to @log."""
    base = src_dir("stock")
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(stage)
    for rel in files:
        if os.path.isfile(os.path.join(base, rel)):
            os.makedirs(os.path.dirname(os.path.join(stage, rel)),
                        exist_ok=True)
            shutil.copy2(os.path.join(base, rel), os.path.join(stage, rel))
    open(log, "w").close()
    for step in steps:
        if isinstance(step, series.Patch):
            apply_patch(stage, step.path, log)
            continue
        for rel in step.files:
            os.makedirs(os.path.dirname(os.path.join(stage, rel)),
                        exist_ok=True)
            shutil.copy2(os.path.join(REPO, rel), os.path.join(stage, rel))


def lay_series(kernel, steps, end=None, link=False):
    """Make src_dir(@kernel) the base with @steps gone down, and return how
    many files changed in it.

    @end, when given, is called with the staging tree after the last step
    and before the tree is made or changed (assemble's end-state check).
    @link makes the tree, the first time, of hard links to the base's
    files (a file a step touches is always written as a file of its own,
    so the base is never written through a link).
    """
    base = src_dir("stock")
    tree = src_dir(kernel)
    manifest = os.path.join(BUILD, kernel, "manifest")
    fresh = not os.path.isdir(tree)
    touched = series.touched(steps)
    previous = set() if fresh else \
        set((read_stamp(manifest) or "").split())
    stage = os.path.join(BUILD, kernel, "stage")
    log = os.path.join(LOGS, "assemble.log" if kernel == "ours"
                       else f"assemble-{kernel}.log")
    stage_steps(steps, stage, touched | previous, log)
    if end:
        end(stage)
    if fresh:
        tmp = tree + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        os.makedirs(os.path.dirname(tmp), exist_ok=True)
        if not link or sh(["cp", "-al", base, tmp], check=False):
            shutil.rmtree(tmp, ignore_errors=True)
            sh(["cp", "-a", base, tmp])
        os.rename(tmp, tree)
    changed = 0
    for rel in sorted(touched | previous):
        staged, live = os.path.join(stage, rel), os.path.join(tree, rel)
        if os.path.isfile(staged):
            if not (os.path.isfile(live) and same_file(staged, live)):
                os.makedirs(os.path.dirname(live), exist_ok=True)
                # A new file replaces the old one: never written through
                # a hard link into the base.
                tmp = live + ".pidns.tmp"
                shutil.copyfile(staged, tmp)
                shutil.copymode(staged, tmp)
                os.replace(tmp, live)
                changed += 1
        elif os.path.lexists(live):
            os.unlink(live)
            changed += 1
    write_stamp(manifest, "\n".join(sorted(touched)))
    return changed


def same_file(a, b):
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


# --------------------------------------------------------------- kernel --

def obj_dir(kernel, config):
    return os.path.join(BUILD, kernel, config)


# The fragments of each config, merged in this order over tinyconfig (a
# later one overrides an earlier one).  rt keeps debug.config's lock
# debugging and turns KASAN off; kcsan cannot have KASAN at all, so it is
# guest.config and its own fragment only.  clients.config (what real
# container software and the boundary rows need) is in every config but
# bench, whose figures are of the lean guest.
CONFIGS = {
    "debug": ["clients.config", "debug.config"],
    "bench": ["bench.config"],
    "benchprof": ["bench.config", "benchprof.config"],
    "benchlock": ["bench.config", "benchlock.config"],
    "nopidns": ["clients.config", "debug.config", "nopidns.config"],
    "rt": ["clients.config", "debug.config", "rt.config"],
    "kcsan": ["clients.config", "kcsan.config"],
}

# What `check` runs on a config when --tests does not say.  Without pid
# namespaces only our suite means anything (it must skip).  On RT: the
# suites that take the pid locks hardest.  Under KCSAN: our suite, whose
# stress program races the pid core against itself on both vCPUs.
CONFIG_TESTS = {
    "nopidns": "pidns",
    "rt": "pidns,pid_namespace,pidfd,clone3",
    "kcsan": "pidns",
}


# And the program arguments a config changes: KCSAN samples one access in
# thousands, so the stress program races for longer there than its
# default 30 seconds.
CONFIG_ARGS = {
    "kcsan": ["pidns/pidns_stress=--seconds 120"],
}


def config_fragments(config):
    names = ["guest.config"] + CONFIGS[config]
    return [os.path.join(HARNESS, "configs", n) for n in names]


def make_kernel(kernel, config, *targets, log):
    return sh(["make", "-C", src_dir(kernel), f"O={obj_dir(kernel, config)}",
               "ARCH=x86_64", "CC=ccache gcc", "HOSTCC=ccache gcc",
               f"-j{os.cpu_count()}", *targets], log=log, env=KERNEL_ENV)


@phase("config: tinyconfig + harness/configs")
def configure(kernel, config, partial=False, extra=""):
    """The guest config of @config in @kernel's object directory.

    @partial is for a tree part of the way through the series (make
    series-check): an option that no Kconfig of that tree defines yet is
    left out, not an error; merge_fragments() adds it once a patch has.
    @extra goes into the stamp: when it changes (the Kconfig files of a
    tree that moves from step to step), the config is made again.
    """
    obj = obj_dir(kernel, config)
    frags = config_fragments(config)
    stamp = os.path.join(obj, "pidns-config.stamp")
    want = digest(frags, extra=extra)
    if os.path.exists(os.path.join(obj, ".config")) and \
            read_stamp(stamp) == want:
        return
    os.makedirs(obj, exist_ok=True)
    log = os.path.join(LOGS, f"config-{kernel}-{config}.log")
    open(log, "w").close()
    make_kernel(kernel, config, "tinyconfig", log=log)
    merge_fragments(kernel, config, log, partial)
    write_stamp(stamp, want)


def merge_fragments(kernel, config, log, partial=False):
    """Merge harness/configs' fragments into the .config and check it."""
    obj = obj_dir(kernel, config)
    frags = config_fragments(config)
    sh([os.path.join(src_dir(kernel), "scripts/kconfig/merge_config.sh"),
        "-m", "-O", obj, os.path.join(obj, ".config"), *frags], log=log)
    make_kernel(kernel, config, "olddefconfig", log=log)
    check_config(os.path.join(obj, ".config"), frags,
                 kconfig_symbols(src_dir(kernel)) if partial else None)


def kconfig_symbols(tree):
    """Every CONFIG_ name that some Kconfig file of @tree defines."""
    names = set()
    for top, dirs, files in os.walk(tree):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for f in files:
            if f.startswith("Kconfig"):
                with open(os.path.join(top, f), errors="replace") as k:
                    names.update("CONFIG_" + m for m in re.findall(
                        r"^\s*(?:menu)?config\s+(\w+)", k.read(), re.M))
    return names


def check_config(dotconfig, frags, known=None):
    """Fail when Kconfig dropped an option a fragment asked for.

    A later fragment overrides an earlier one, as in merge_config.sh.
    With @known, an option outside that set (not defined yet) is skipped.
    """
    have = {}
    with open(dotconfig) as f:
        for line in f:
            m = re.match(r"^(CONFIG_\w+)=(.*)$", line)
            if m:
                have[m.group(1)] = m.group(2)
    want = {}
    for frag in frags:
        with open(frag) as f:
            for line in f:
                m = re.match(r"^(CONFIG_\w+)=(.*)$", line.strip())
                n = re.match(r"^# (CONFIG_\w+) is not set", line.strip())
                if m:
                    want[m.group(1)] = m.group(2)
                elif n:
                    want[n.group(1)] = "n"
    wrong = [f"{key}={val} (got {have.get(key, 'n')})"
             for key, val in want.items() if have.get(key, "n") != val
             and (known is None or key in known)]
    if wrong:
        raise PhaseError("Kconfig did not give " + ", ".join(wrong))


@phase("kernel: build bzImage")
def build_kernel(kernel, config):
    log = os.path.join(LOGS, f"kernel-{kernel}-{config}.log")
    open(log, "w").close()
    say(f"  full output: {os.path.relpath(log, REPO)}")
    try:
        make_kernel(kernel, config, "bzImage", log=log)
    except PhaseError as e:
        errors = [l for l in open(log, errors="replace")
                  if "error" in l.lower()][:20]
        raise PhaseError(f"{e}\n{''.join(errors) or tail(log)}") from None
    return os.path.join(obj_dir(kernel, config), "arch/x86/boot/bzImage")


# ---------------------------------------------------------------- tests --

HEADERS = os.path.join(BUILD, "headers")
TESTS = os.path.join(BUILD, "tests")


def headers_dir(kernel):
    """Where the uapi headers of src_dir(@kernel) are installed."""
    return HEADERS if kernel == "ours" else os.path.join(BUILD, kernel,
                                                         "headers")


def tests_dir(kernel):
    """Where the test programs built from src_dir(@kernel) go."""
    return TESTS if kernel == "ours" else os.path.join(BUILD, kernel, "tests")


@phase("headers: make headers_install")
def install_headers(kernel="ours"):
    """uapi headers of the assembled tree: Debian's are 6.1's, too old.

    Installed again when a uapi header that the series touches (a patch
    or an owned file) changed in the tree, or the base did.
    """
    tree = src_dir(kernel)
    dest = headers_dir(kernel)
    stamp = os.path.join(dest, "stamp")
    uapi = sorted(rel for rel in series.touched(series_steps()) |
                  set(owned_files()) if "/uapi/" in rel)
    want = digest([os.path.join(tree, rel) for rel in uapi
                   if os.path.isfile(os.path.join(tree, rel))],
                  extra=read_stamp(os.path.join(BUILD, "stock",
                                                "base.stamp")) or "")
    if read_stamp(stamp) == want:
        return
    log = os.path.join(LOGS, "headers.log" if kernel == "ours"
                       else f"headers-{kernel}.log")
    open(log, "w").close()
    shutil.rmtree(dest, ignore_errors=True)
    obj = os.path.join(BUILD, kernel, "headers-obj")
    sh(["make", "-C", tree, f"O={obj}", "ARCH=x86_64",
        f"INSTALL_HDR_PATH={dest}", "headers_install"], log=log)
    write_stamp(stamp, want)


def upstream_tests():
    """([(dir, timeout, [program...])], {dir/program: [argument...]})."""
    entries, args = [], {}
    with open(os.path.join(HARNESS, "upstream-tests.conf")) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if not line:
                continue
            if line[0] == "args":
                args[line[1]] = line[2:]
            else:
                entries.append((line[0], int(line[1]), line[2:]))
    return entries, args


def pidns_programs(kernel="ours"):
    """TEST_GEN_PROGS of our suite, asked of its own Makefile; none when
    the tree has no suite (a step of the series before it)."""
    d = os.path.join(REPO if kernel == "ours" else src_dir(kernel),
                     "tools/testing/selftests/pidns")
    if not os.path.exists(os.path.join(d, "Makefile")):
        return []
    out = subprocess.run(["make", "-s", "-C", os.path.join(src_dir(kernel),
                          "tools/testing/selftests/pidns"),
                          "-f", "Makefile", "-f", "-", "pidns-print-progs"],
                         input="pidns-print-progs:\n\t@echo $(notdir "
                               "$(TEST_GEN_PROGS))\n",
                         capture_output=True, text=True)
    return out.stdout.split()


# The clients suite: Debian's container software run in the guest by the
# scripts of harness/guest/clients/ (one program each), and the binaries
# it carries there, each at its Debian path with its libraries.  Not a
# kselftest: nothing to build but the guest tools it uses.
CLIENTS = "clients"
CLIENTS_DIR = os.path.join(HARNESS, "guest", "clients")
CLIENTS_PROGRAMS = ["util-linux", "tini", "crun", "criu", "noinit", "runc",
                    "nspawn", "lxc", "podman"]
CLIENTS_TIMEOUT = 600
CLIENT_BINARIES = ["/usr/bin/crun", "/usr/sbin/criu", "/usr/bin/tini",
                   "/usr/bin/unshare", "/usr/bin/nsenter",
                   "/usr/sbin/runc",
                   "/usr/bin/podman", "/usr/bin/conmon",
                   "/usr/libexec/podman/catatonit",
                   "/usr/bin/systemd-nspawn",
                   *[f"/usr/bin/lxc-{c}" for c in
                     ("start", "execute", "info", "attach", "stop", "wait",
                      "ls", "destroy")],
                   "/usr/sbin/init.lxc.static",
                   "/usr/libexec/lxc/lxc-monitord"]
CLIENT_TOOLS = ["initsig", "criutree", "nsspawn"]


def test_list(only=None, kernel="ours"):
    """[(suite, timeout, [program...])]: our suite first (as src_dir(kernel)
    has it), then upstream's, then the clients.

    only, when given, is a list of suites or suite/program names to keep.
    """
    suites = []
    progs = pidns_programs(kernel)
    if progs:
        # pidns_fault's sweeps take 11 minutes on the debug kernel under
        # emulation on a quiet host (2026-12-07, with those of the
        # autoreap flags and the orphan reaper); leave room for one
        # loaded twice over, and more (every limit is at least 4 times
        # the time measured: see show_slowest()).
        suites.append(("pidns", 3000, progs))
    suites += upstream_tests()[0]
    suites.append((CLIENTS, CLIENTS_TIMEOUT, CLIENTS_PROGRAMS))
    if only:
        suites = [(s, t, [p for p in progs
                          if s in only or f"{s}/{p}" in only])
                  for s, t, progs in suites]
        suites = [(s, t, progs) for s, t, progs in suites if progs]
        if not suites:
            raise PhaseError(f"no test program matches {','.join(only)}")
    return suites


@phase("tests: build the selftests statically")
def build_tests(only=None, kernel="ours"):
    tree = src_dir(kernel)
    log = os.path.join(LOGS, "tests.log" if kernel == "ours"
                       else f"tests-{kernel}.log")
    open(log, "w").close()
    say(f"  full output: {os.path.relpath(log, REPO)}")
    inc = f"-isystem {headers_dir(kernel)}/include"
    built = []
    for suite, timeout, progs in test_list(only, kernel):
        out = os.path.join(tests_dir(kernel), suite)
        os.makedirs(out, exist_ok=True)
        if suite == CLIENTS:
            for p in progs:
                shutil.copy2(os.path.join(CLIENTS_DIR, p), out)
            built.append((suite, timeout, progs))
            continue
        targets = [os.path.join(out, p) for p in progs]
        try:
            sh(["make", "-C", os.path.join(tree, "tools/testing/selftests",
                                           suite),
                f"OUTPUT={out}", "CC=gcc -static", f"KHDR_INCLUDES={inc}",
                f"USERCFLAGS={inc}", f"-j{os.cpu_count()}", *targets],
               log=log)
        except PhaseError as e:
            raise PhaseError(f"{suite}: {e}\n{tail(log, 20)}") from None
        built.append((suite, timeout, progs))
    return built


# ------------------------------------------------------------ initramfs --

def cpio_newc(entries):
    """A newc cpio archive of [(path, mode, data[, (major, minor)])]."""
    out = bytearray()

    def add(ino, name, mode, data, rdev=(0, 0)):
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1],
                  len(name) + 1, 0]
        out.extend(b"070701" + b"".join(b"%08X" % v for v in fields))
        out.extend(name.encode() + b"\0")
        out.extend(b"\0" * (-len(out) % 4))
        out.extend(data)
        out.extend(b"\0" * (-len(out) % 4))

    for ino, entry in enumerate(entries, start=1):
        add(ino, *entry)
    add(0, "TRAILER!!!", 0, b"")
    return bytes(out)


@phase("initramfs: busybox + tests")
def initramfs(mode, suites, overrides=None, extra=(), kernel="ours"):
    """Pack /init, busybox, the guest scripts and the test programs.

    overrides maps "suite/program" to (timeout, [argument...]) for this
    run only (`make stress` gives pidns_stress its long duration so); a
    None keeps the default.  extra is more [(path, mode, data)] entries,
    their directories made as needed.  The programs are those built from
    src_dir(kernel) (build_tests()).
    """
    d, f, l = 0o040755, 0o100755, 0o120777
    overrides = overrides or {}
    entries = [(p, d, b"") for p in ("bin", "dev", "proc", "sys", "tmp",
                                     "tests", "etc", "root")]
    entries.append(("dev/console", 0o020600, b"", (5, 1)))
    with open("/bin/busybox", "rb") as fh:
        entries.append(("bin/busybox", f, fh.read()))
    entries.append(("bin/sh", l, b"busybox"))
    for name in ("init", "run-tests", "demo", "fuzz", "oci-bundle"):
        with open(os.path.join(HARNESS, "guest", name), "rb") as fh:
            entries.append((name if name == "init" else f"bin/{name}", f,
                            fh.read()))
    entries.append(("etc/passwd", 0o100644,
                    b"root:x:0:0:root:/root:/bin/sh\n"
                    b"nobody:x:65534:65534:nobody:/:/bin/sh\n"))
    entries.append(("etc/group", 0o100644, b"root:x:0:\nnogroup:x:65534:\n"))
    lines = []
    args = upstream_tests()[1]
    for suite, timeout, progs in suites:
        entries.append((f"tests/{suite}", d, b""))
        for p in progs:
            with open(os.path.join(tests_dir(kernel), suite, p),
                      "rb") as fh:
                entries.append((f"tests/{suite}/{p}", f, fh.read()))
            t, a = overrides.get(f"{suite}/{p}", (None, None))
            lines.append(" ".join([suite, p, str(t or timeout)]
                                  + (a if a is not None else
                                     args.get(f"{suite}/{p}", []))))
    entries.append(("tests/list", 0o100644, ("\n".join(lines) + "\n").encode()))
    made = {e[0] for e in entries}
    for path, mode_bits, data in extra:
        parts = path.split("/")
        for i in range(1, len(parts)):
            parent = "/".join(parts[:i])
            if parent not in made:
                made.add(parent)
                entries.append((parent, d, b""))
        entries.append((path, mode_bits, data))
    path = os.path.join(BUILD, f"initramfs-{mode}.cpio.gz") \
        if kernel == "ours" else \
        os.path.join(BUILD, kernel, f"initramfs-{mode}.cpio.gz")
    with gzip.open(path, "wb", compresslevel=1) as fh:
        fh.write(cpio_newc(entries))
    return path


# ----------------------------------------------------------------- boot --

_kvm_verdict = None


def kvm_usable(bzimage):
    """Whether KVM can run our guest here; probed once per run.

    A /dev/kvm can exist and still not run a guest (nested
    virtualization): QEMU then aborts at once ("failed to set MSR"), or
    starts and the kernel never prints.  So boot the kernel with no
    initramfs for a few seconds and look for its first console line.
    KVM=0 or KVM=1 in the environment decides without a probe.
    """
    global _kvm_verdict
    forced = os.environ.get("KVM")
    if forced in ("0", "1"):
        return forced == "1"
    if _kvm_verdict is None:
        _kvm_verdict, why = False, "no /dev/kvm"
        if os.path.exists("/dev/kvm"):
            with tempfile.TemporaryDirectory() as tmp:
                console = os.path.join(tmp, "console")
                cmd = ["qemu-system-x86_64", "-m", "256", "-kernel", bzimage,
                       "-no-reboot", "-display", "none", "-nodefaults",
                       "-enable-kvm", "-cpu", "host",
                       "-serial", f"file:{console}",
                       "-append", "console=ttyS0 panic=-1"]
                try:
                    subprocess.run(cmd, stdin=subprocess.DEVNULL,
                                   capture_output=True, timeout=20)
                except subprocess.TimeoutExpired:
                    pass
                with open(console, errors="replace") as f:
                    _kvm_verdict = "Linux version" in f.read()
            why = "a probe boot printed nothing"
        if not _kvm_verdict and os.path.exists("/dev/kvm"):
            say(f"  warning: /dev/kvm cannot run the guest ({why}); "
                "using TCG emulation")
    return _kvm_verdict


def qemu_cmd(bzimage, initrd, mode, console, results, cpus=2, mem=2048,
             icount=False, interactive=False):
    # tsc=reliable: under TCG the guest may distrust its TSC and fall back
    # to the jiffies clock (4 ms steps), which ruins every timing.
    cmdline = ["console=ttyS0", "panic=-1", f"pidns.mode={mode}",
               "tsc=reliable",
               "rcupdate.rcu_cpu_stall_timeout=60", "watchdog_thresh=30",
               "hung_task_timeout_secs=240", "printk.devkmsg=on"]
    # Not quiet where the console is judged: quiet hides KERN_WARNING, and
    # with it the WARNINGs and lockdep reports a run must fail on.
    if mode not in ("check", "stress", "fuzz"):
        cmdline.append("quiet")
    if icount:
        # Instruction counts repeat only if the guest does the same work:
        # no address-space randomisation, in the kernel or in user space.
        cmdline += ["nokaslr", "norandmaps"]
    # One socket per CPU: the guest has no ACPI, and the MP table that
    # SeaBIOS writes lists one CPU per socket, so "-smp 2" alone would
    # leave the guest with a single CPU.
    smp = f"{cpus},sockets={cpus},cores=1,threads=1"
    cmd = ["qemu-system-x86_64", "-m", str(mem), "-smp", smp,
           "-kernel", bzimage, "-initrd", initrd, "-no-reboot",
           "-display", "none", "-nodefaults", "-append", " ".join(cmdline)]
    if not icount and kvm_usable(bzimage):
        cmd += ["-enable-kvm", "-cpu", "host"]
    elif icount:
        # No RDRAND/RDSEED: they bring the host's randomness into the
        # guest, and with it different work from one run to the next.
        cmd += ["-icount", "shift=0,sleep=off",
                "-cpu", "max,+invtsc,-rdrand,-rdseed"]
    else:
        # invtsc: without a constant TSC a guest with two CPUs distrusts
        # it and falls back to the jiffies clock.
        cmd += ["-accel", "tcg,thread=multi", "-cpu", "max,+invtsc"]
    if interactive:
        cmd += ["-serial", "mon:stdio"]
    else:
        cmd += ["-serial", f"file:{console}"]
    cmd += ["-serial", f"file:{results}"]
    return cmd


@phase("boot: QEMU runs the guest")
def boot(bzimage, initrd, mode, timeout, stream=None, name=None, cpus=2,
         mem=2048, icount=False):
    """Boot, wait for the guest to power off, and return (console, results).

    ttyS0 is the kernel console (checked for splats); ttyS1 carries the
    results, so no kernel message can break a TAP line.  stream, when
    given, sees every result line as it arrives; otherwise the end of each
    test program is announced.  name (default: mode) names the log files.
    """
    os.makedirs(LOGS, exist_ok=True)
    name = name or mode
    console = os.path.join(LOGS, f"console-{name}.log")
    results = os.path.join(LOGS, f"results-{name}.log")
    for p in (console, results):
        open(p, "w").close()
    cmd = qemu_cmd(bzimage, initrd, mode, console, results, cpus=cpus,
                   mem=mem, icount=icount)
    accel = "icount" if icount else \
        "KVM" if "-enable-kvm" in cmd else "TCG"
    say(f"  {accel}; console: {os.path.relpath(console, REPO)}, results: "
        f"{os.path.relpath(results, REPO)}")
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # When each result line arrived: how long each case took (report()).
    times = open(os.path.join(LOGS, f"times-{name}.log"), "w")
    follower = threading.Thread(target=follow,
                                args=(results, proc, stream, times),
                                daemon=True)
    follower.start()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        follower.join()
        times.close()
        raise PhaseError(f"the guest did not finish within {timeout}s; last "
                         f"console lines:\n{tail(console)}")
    follower.join()
    times.close()
    if proc.returncode != 0:
        raise PhaseError(f"qemu exited {proc.returncode}: "
                         f"{proc.stderr.read().decode(errors='replace')}")
    return console, results


def follow(path, proc, stream, times):
    """Print progress (or the whole stream) while the guest runs, and write
    each line to times with the seconds since the start it arrived at."""
    pos = 0
    start = time.monotonic()
    while True:
        done = proc.poll() is not None
        # Bytes, not text: the serial line ends lines with CR LF, and text
        # mode would fold them and lose count of where we are.
        with open(path, "rb") as f:
            f.seek(pos)
            chunk = f.read()
        if not done:
            chunk = chunk[:chunk.rfind(b"\n") + 1]
        pos += len(chunk)
        now = time.monotonic() - start
        for line in chunk.decode(errors="replace").splitlines():
            line = line.rstrip("\r")
            times.write(f"{now:.1f}\t{line}\n")
            if stream:
                stream(line)
            else:
                m = re.match(r"^### END (\S+) rc=(-?\d+)", line)
                if m:
                    say(f"  {m.group(1)} finished (exit status {m.group(2)})")
        if done:
            return
        time.sleep(0.5)


# --------------------------------------------------------------- report --

def expected_failures(kernel, suite_tree=None):
    """{case id: reason} listed for this kernel.

    Our suite keeps its list in tools/testing/selftests/pidns/README (of
    suite_tree: the repository, or the tree of a step of the series), the
    upstream tests theirs in harness/upstream-tests.xfail and the clients
    suite in harness/guest/clients/xfail, as lines of
    the form `xfail <kernel>[,<kernel>] <program>:<case> <reason>`.
    """
    lists = [("pidns", os.path.join(suite_tree or REPO,
                                    "tools/testing/selftests/pidns/README")),
             (None, os.path.join(HARNESS, "upstream-tests.xfail")),
             (None, os.path.join(CLIENTS_DIR, "xfail"))]
    found = {}
    for suite, path in lists:
        if not os.path.exists(path):
            continue
        with open(path) as f:
            for line in f:
                m = re.match(r"^xfail\s+(\S+)\s+(\S+)\s*(.*)$", line)
                if m and kernel in m.group(1).split(","):
                    name = m.group(2)
                    if suite:
                        name = f"{suite}/{name}"
                    found[name] = m.group(3)
    return found


@phase("report: parse the results and the console")
def report(kernel, console, results, suites, partial=False, config="debug",
           expect=None):
    """expect, when given, is (the kernel whose expected failures hold,
    the tree whose pidns README lists them): a step of the series is
    judged as ours, by its own README."""
    with open(results, errors="replace") as f:
        programs = tap.parse_stream(f.read())
    ran = {p.name for p in programs}
    for suite, _, progs in suites:
        for p in progs:
            if f"{suite}/{p}" not in ran:
                programs.append(tap.parse_program(f"{suite}/{p}", [], None))
    judged_kernel = kernel
    if expect:
        judged_kernel = expect[0]
        xfail = expected_failures(*expect)
    else:
        xfail = expected_failures(kernel)
    counts = {}
    failed, xfailed, xpassed = [], [], []
    seen = set()
    for prog in programs:
        suite = prog.name.split("/", 1)[0]
        c = counts.setdefault(suite, {tap.PASS: 0, tap.FAIL: 0, tap.SKIP: 0,
                                      "xfail": 0})
        for case in prog.cases:
            seen.add(case.id)
            if case.id in xfail:
                if case.status == tap.FAIL:
                    c["xfail"] += 1
                    xfailed.append(case)
                    continue
                if case.status == tap.PASS:
                    xpassed.append(case)
                    c[tap.FAIL] += 1
                    continue
            c[case.status] += 1
            if case.status == tap.FAIL:
                failed.append((prog, case))
    # A partial run (--tests) cannot tell a stale entry from one not run.
    stale = [] if partial else sorted(set(xfail) - seen)

    print()
    print(f"{'suite':<16}{'passed':>8}{'failed':>8}{'skipped':>9}{'xfail':>7}")
    for suite, c in counts.items():
        print(f"{suite:<16}{c[tap.PASS]:>8}{c[tap.FAIL]:>8}{c[tap.SKIP]:>9}"
              f"{c['xfail']:>7}")
    print()
    for prog, case in failed:
        print(f"FAIL {case.id} {case.reason}")
        for line in case.output[-20:]:
            print(f"     | {line}")
    for case in xfailed:
        print(f"XFAIL {case.id} (expected on {judged_kernel}: "
              f"{xfail[case.id]})")
    for case in xpassed:
        print(f"XPASS {case.id}: listed as an expected failure on "
              f"{judged_kernel} but passed; take it off the list")
    for name in stale:
        print(f"STALE {name}: listed as an expected failure on "
              f"{judged_kernel} but no such test case ran")

    show_slowest(results)
    splats, ours = judge_console(console, kernel, config)

    total = {k: sum(c[k] for c in counts.values())
             for k in (tap.PASS, tap.FAIL, tap.SKIP, "xfail")}
    nfail = total[tap.FAIL] + len(stale)
    if total["xfail"]:
        print(f"\n{total['xfail']} expected failures on {judged_kernel} "
              "(not counted below)")
    print(f"\n{total[tap.PASS]} passed, {nfail} failed, "
          f"{total[tap.SKIP]} skipped")
    if total[tap.PASS] == 0:
        raise PhaseError("no test passed")
    if nfail or splats or ours:
        raise PhaseError(f"{nfail} failed" + (", kernel splat" if splats
                                               else "")
                         + (f", {ours} KCSAN reports in our code" if ours
                            else ""))


def show_slowest(results, shown=8):
    """Print the cases that took longest, by the arrival times of their
    results (boot() writes them next to the results), and write every
    case's time to durations-<name>.txt.  A case's time limit must leave
    room for a host loaded twice over: these are the ones to watch."""
    times = results.replace("results-", "times-")
    if not os.path.exists(times):
        return
    with open(times, errors="replace") as f:
        timed = [(float(t), line) for t, _, line in
                 (l.rstrip("\n").partition("\t") for l in f) if t]
    durations = sorted(tap.case_durations(timed).items(),
                       key=lambda kv: -kv[1])
    out = results.replace("results-", "durations-").replace(".log", ".txt")
    with open(out, "w") as f:
        for case, secs in durations:
            f.write(f"{secs:8.1f}  {case}\n")
    if durations:
        print(f"\nslowest cases (seconds; all in "
              f"{os.path.relpath(out, REPO)}):")
        for case, secs in durations[:shown]:
            print(f"  {secs:7.1f}  {case}")
    limits = pidns_case_limits()
    for case, secs in durations:
        limit = limits.get(case)
        if limit and secs * LIMIT_MARGIN > limit:
            print(f"  WATCH {case}: {secs:.0f} s of its {limit} s limit; "
                  f"a host loaded twice over may cross it (give it "
                  f"{LIMIT_MARGIN} times what it takes)")


# A case's time limit should be this many times what it takes on a quiet
# host: twice for a host loaded twice over, and twice again for luck.
LIMIT_MARGIN = 4
# kselftest_harness's limit for a case that sets none.
KSFT_DEFAULT_LIMIT = 30


def pidns_case_limits():
    """{"pidns/program:fixture[.variant].name": seconds} for the cases of
    our suite, from their TEST_F_TIMEOUT() or kselftest's default.  A case
    whose program sets its own limit at run time (pidns_stress) is left
    out."""
    limits = {}
    src = os.path.join(REPO, "tools/testing/selftests/pidns")
    for name in sorted(os.listdir(src)):
        if not name.endswith(".c") or name == "pidns_stress.c":
            continue
        with open(os.path.join(src, name)) as f:
            text = f.read()
        prog = f"pidns/{name[:-2]}"
        given = {(m.group(2), m.group(3)): int(m.group(4)) for m in
                 re.finditer(r"TEST(_F)?_TIMEOUT\((?:(\w+),\s*)?(\w+),"
                             r"\s*(\d+)\)", text)}
        limits[prog] = given
    return _LimitLookup(limits)


class _LimitLookup(dict):
    """Looks a case id up in pidns_case_limits()' table by its program,
    fixture and name (the variant, if any, in between, does not matter)."""

    def get(self, case, default=None):
        prog, _, name = case.partition(":")
        if prog not in self:
            return default
        parts = name.split(".")
        fixture = parts[0] if len(parts) > 1 else None
        key = (fixture if fixture != "global" else None, parts[-1])
        return self[prog].get(key, KSFT_DEFAULT_LIMIT)


def judge_console(console, kernel, config):
    """Print the kernel splats and KCSAN reports of a guest console.

    Returns (splat lines, number of KCSAN reports in our code): check and
    fuzz fail on either.
    """
    with open(console, errors="replace") as f:
        races = kcsan.parse(f.read().splitlines())
    splats = find_splats(console, skip=kcsan.report_lines(races))
    if splats:
        print(f"\nKERNEL SPLAT on the guest console ({console}):")
        for line in splats:
            print(f"  {line}")
    return splats, show_races(races, kernel, config, console)


def show_races(races, kernel, config, console):
    """List the KCSAN reports, ours first, and return how many are ours.

    Races elsewhere in the kernel are listed and do not fail the run: the
    guest shows some in timer and RCU code we never touch.
    """
    if not races:
        return 0
    path = os.path.join(obj_dir(kernel, config), "vmlinux")
    if not os.path.exists(path):
        say(f"  WARNING: no {os.path.relpath(path, REPO)}: no KCSAN report "
            "can be placed, so each counts as ours")
    vmlinux = kcsan.Vmlinux(path, src_dir(kernel), obj_dir(kernel, config))
    owned = owned_files()
    if kernel == "ours":
        patched = set()
        for p in series_patches():
            patched |= patched_files(p)
        code = kcsan.OurCode.from_trees(src_dir("stock"), src_dir("ours"),
                                        owned, patched)
    else:
        # Line numbers of our patched functions mean nothing in the base.
        code = kcsan.OurCode(owned)
    kcsan.classify(races, vmlinux, code)
    races = sorted(races, key=lambda r: not r.ours)
    ours = sum(r.ours for r in races)
    print(f"\nKCSAN: {len(races)} reports, {ours} in our code (kernel/pid.c, "
          f"kernel/pid_namespace.c, our headers, or a function a patch "
          f"changed); console: {os.path.relpath(console, REPO)}")
    for r in races:
        print(f"  {'OURS ' if r.ours else 'other'} {r.title}"
              + (f": {r.why}" if r.ours else ""))
        for a in r.accesses:
            print(f"        {kcsan.describe(a)}")
    for r in races:
        if r.ours:
            print()
            for line in r.lines:
                print(f"  {line}")
    return ours


def oom_report_traces(lines):
    """Line numbers of the "Call Trace:" of each OOM-killer report.

    A test that sets a memory cgroup limit (pidns_fault's memcg case)
    makes the memcg OOM killer run, and its report carries a stack trace
    a few lines after "invoked oom-killer:".  That trace is the report of
    a limit doing its job, not a kernel bug; a WARNING or BUG printed
    with it still counts.
    """
    return {i for i, line in enumerate(lines) if "Call Trace:" in line and
            any("invoked oom-killer:" in l for l in lines[max(0, i - 5):i])}


def find_splats(console, skip=()):
    """The console lines around every kernel bug report, leaving out the
    line numbers in skip (KCSAN's reports, judged on their own) and the
    stack traces of OOM-killer reports."""
    with open(console, errors="replace") as f:
        lines = f.read().splitlines()
    skip = set(skip) | oom_report_traces(lines)
    shown, out = set(), []
    for i, line in enumerate(lines):
        if SPLAT.search(line) and i not in shown and i not in skip:
            for j in range(max(0, i - 2), min(len(lines), i + 30)):
                if j not in shown:
                    shown.add(j)
                    out.append(lines[j])
            out.append("...")
    return out[:400]


# ------------------------------------------------------------- commands --

_trees_ready = False


def prepare_trees():
    """The pristine base and our assembled tree, once per run."""
    global _trees_ready
    if not _trees_ready:
        unpack_base()
        assemble()
        _trees_ready = True


def kernel_for(kernel, config):
    prepare_trees()
    # Stock's Kconfig has none of the series' own options (DEBUG_PID_NS):
    # leave those out there, as for a step part of the way through.
    configure(kernel, config, partial=kernel == "stock")
    return build_kernel(kernel, config)


def cmd_check(args):
    if args.step:
        return cmd_step(args)
    setup()
    unpack_base()
    make_series()        # cheap, and proves the series still applies
    check_series()       # every mail: checkpatch --strict clean or justified
    prepare_trees()      # the tests are always built from our tree
    bzimage = kernel_for(args.kernel, args.config)
    install_headers()
    tests = args.tests or CONFIG_TESTS.get(args.config, "")
    if tests:
        say(f"  tests: {tests}")
    suites = build_tests(tests.split(",") if tests else None)
    overrides = program_args(CONFIG_ARGS.get(args.config, []) +
                             (args.args or []))
    extra = clients_files() if any(s == CLIENTS for s, _, _ in suites) \
        else []
    initrd = initramfs("check", suites, overrides=overrides, extra=extra)
    # Logs of other kernels and configs by their own names, so that a
    # plain `make check` after, say, CONFIG=kcsan leaves its console there.
    name = "check" if (args.kernel, args.config) == ("ours", "debug") \
        else f"check-{args.kernel}-{args.config}"
    console, results = boot(bzimage, initrd, "check", args.timeout,
                            name=name)
    report(args.kernel, console, results, suites, partial=bool(tests),
           config=args.config)


# make check STEP=N: the tree of the first N steps of patches/series, in a
# tree of its own (build/step/src: hard links to the base, each file a step
# touches a file of its own), built in build/step/<config> so that ccache
# (CCACHE_BASEDIR) shares objects with build/ours and build/series-check.
STEP = "step"
# What a step runs when TESTS does not say: our suite as far as the step
# has it (none before it enters the series), and the upstream suites that
# exercise the pid core most directly.
STEP_TESTS = "pidns,pid_namespace,pidfd,clone3"


class StepError(PhaseError):
    """make check STEP=N failed before the guest ran; status is the exit
    status harness/step_check.sh hands to `git bisect run`: 125 (skip: the
    step does not build, or lacks the tests asked for) or 128 (abort: no
    such step, not the commit the bisect is at, or the series does not
    apply)."""

    def __init__(self, msg, status):
        super().__init__(msg)
        self.status = status


@phase("step: pick a step of patches/series")
def choose_step(which, subject=None, kernel="ours"):
    """(the steps of patches/series, the number of the one @which names
    (series.select())), said with its subject; @subject, when given, must
    be that step's."""
    if kernel != "ours":
        raise PhaseError("STEP= is a step of our series: not with "
                         f"KERNEL={kernel}")
    steps = series_steps()
    n = series.select(steps, which, PhaseError)
    step = steps[n - 1]
    say(f"  step {n} of {len(steps)}: {series.step_name(step)}: "
        f"{series.step_subject(step)}")
    if subject is not None and subject != series.step_subject(step):
        raise PhaseError(f"step {n} of patches/series is "
                         f"\"{series.step_subject(step)}\", not \"{subject}\":"
                         " the branch is not patches/series (make "
                         "series-import, or make series-export again)")
    return steps, n


@phase("assemble: the first steps of patches/series, in build/step/src")
def assemble_step(steps):
    """src_dir(STEP): the base with @steps gone down, without the end-state
    check (the owned files are where the whole series ends, not a step)."""
    changed = lay_series(STEP, steps, link=True)
    say(f"  {len(steps)} steps, {changed} files changed in "
        f"{os.path.relpath(src_dir(STEP), REPO)}")


def kconfig_state(kernel, steps):
    """A digest of the Kconfig files @steps touch, as src_dir(@kernel) has
    them: configure()'s stamp, so that the config is made again when the
    tree moves to a step that defines other options (CONFIG_DEBUG_PID_NS
    arrives part way through the series)."""
    tree = src_dir(kernel)
    names = sorted(rel for rel in series.touched(steps)
                   if os.path.basename(rel).startswith("Kconfig"))
    return digest([os.path.join(tree, rel) for rel in names
                   if os.path.isfile(os.path.join(tree, rel))],
                  extra=" ".join(names))


def cmd_step(args):
    """make check STEP=N: build, boot and test the tree of the first N
    steps of patches/series (see README.md, "Booting one step")."""
    try:
        steps, n = choose_step(args.step, args.step_subject, args.kernel)
        setup()
        unpack_base()
        step = steps[n - 1]
        what = (f"step {n} of {len(steps)}, {series.step_name(step)}: "
                f"{series.step_subject(step)}")
        assemble_step(steps[:n])
    except PhaseError as e:
        raise StepError(str(e), 128) from None
    try:
        configure(STEP, args.config, partial=True,
                  extra=kconfig_state(STEP, steps))
        bzimage = build_kernel(STEP, args.config)
        install_headers(STEP)
        tests = args.tests or CONFIG_TESTS.get(args.config) or STEP_TESTS
        if not pidns_programs(STEP):
            say("  no tools/testing/selftests/pidns at this step: the "
                "upstream suites only")
        say(f"  tests: {tests}")
        # Built anew: from one step to another a header the programs
        # use may change with no rule of theirs to see it (10 s).
        shutil.rmtree(tests_dir(STEP), ignore_errors=True)
        suites = build_tests(tests.split(","), kernel=STEP)
        overrides = program_args(CONFIG_ARGS.get(args.config, []) +
                                 (args.args or []))
        extra = clients_files() if any(s == CLIENTS for s, _, _ in suites) \
            else []
        initrd = initramfs("check", suites, overrides=overrides, extra=extra,
                           kernel=STEP)
    except PhaseError as e:
        raise StepError(str(e), 125) from None
    say(f"  booting {what}")
    name = f"step-{n}" if args.config == "debug" else \
        f"step-{n}-{args.config}"
    try:
        console, results = boot(bzimage, initrd, "check", args.timeout,
                                name=name)
        # Judged as ours, by the expected failures of the step's own
        # suite README; partial: an expected failure of a later step
        # is not stale here.
        report(STEP, console, results, suites, partial=True,
               config=args.config, expect=("ours", src_dir(STEP)))
    finally:
        say(f"  booted {what}")


def program_args(given):
    """--args "suite/program=ARG ..." options as initramfs overrides."""
    out = {}
    for item in given or []:
        name, eq, rest = item.partition("=")
        if not eq or "/" not in name:
            raise PhaseError(f"--args wants suite/program=ARGUMENTS, not "
                             f"{item!r}")
        # A pidns_stress run longer than its suite's time limit gets a
        # limit to match (the program's own watchdog gives 120 s more).
        argv = rest.split()
        timeout = None
        if "--seconds" in argv[:-1]:
            timeout = int(argv[argv.index("--seconds") + 1]) + STRESS_SLACK
        out[name.strip()] = (timeout, argv)
    return out


# make stress: how pidns_stress is told to run for a given time, and how
# much longer than that its program and the guest may take (boot and
# teardown on the debug kernel under emulation, and the kmemleak scan).
STRESS = "pidns/pidns_stress"
STRESS_ARGS = ["--seconds", "{seconds}"]
STRESS_SLACK = 300


def cmd_stress(args):
    setup()
    unpack_base()
    prepare_trees()
    bzimage = kernel_for(args.kernel, args.config)
    install_headers()
    suites = build_tests([STRESS])
    argv = [a.format(seconds=args.seconds) for a in STRESS_ARGS]
    say(f"  {STRESS} {' '.join(argv)} on {args.config}, 2 vCPUs")
    overrides = {STRESS: (args.seconds + STRESS_SLACK, argv)}
    overrides.update(program_args(args.args))
    initrd = initramfs("stress", suites, overrides=overrides)
    console, results = boot(bzimage, initrd, "stress",
                            args.seconds + 3 * STRESS_SLACK,
                            name=f"stress-{args.kernel}-{args.config}")
    report(args.kernel, console, results, suites, partial=True,
           config=args.config)


# make fuzz: the syscalls trinity is limited to (its names; `trinity -L`
# lists them), the nesting, and a cap on the count besides the time.
# pidfuzz (harness/guest/pidfuzz.c) gets FUZZ_PIDFUZZ_SHARE percent of the
# time, trinity the rest (README, "Long runs").
FUZZ_SYSCALLS = """
    clone clone3 fork vfork unshare setns
    kill tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo
    pidfd_open pidfd_send_signal pidfd_getfd waitid wait4 ptrace prctl
    getpgid setpgid getsid setsid
    sched_setparam sched_getparam sched_setscheduler sched_getscheduler
    sched_get_priority_max sched_get_priority_min sched_rr_get_interval
    sched_yield sched_setaffinity sched_getaffinity sched_setattr
    sched_getattr
    ioctl reboot exit exit_group
""".split()
FUZZ_DEPTH = 3
FUZZ_MAX_SYSCALLS = 50_000_000
FUZZ_PIDFUZZ_SHARE = 75


def with_libraries(binary, dest):
    """[(initramfs path, mode, data)] of a dynamic program (at dest), the
    shared libraries ldd names and the dynamic loader, each at the path
    the loader will look for it."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True)
    if "not a dynamic executable" in out.stdout + out.stderr:
        out.stdout = ""         # static (catatonit, init.lxc.static)
    elif out.returncode != 0:
        raise PhaseError(f"ldd {binary}: {out.stderr.strip()}")
    paths = [binary]
    for line in out.stdout.splitlines():
        m = re.match(r"\s*(?:\S+ => )?(/\S+) \(0x[0-9a-f]+\)", line)
        if m:
            paths.append(m.group(1))
    entries = []
    for p in paths:
        with open(p, "rb") as fh:      # through symlinks: the file itself
            entries.append((dest if p == binary else p.lstrip("/"),
                            0o100755, fh.read()))
    return entries


def clients_files():
    """[(initramfs path, mode, data)] the clients suite needs besides its
    scripts: their shared part, the guest tools they use, and Debian's
    binaries with every library ldd names (each once)."""
    with open(os.path.join(CLIENTS_DIR, "lib"), "rb") as fh:
        entries = [(f"tests/{CLIENTS}/lib", 0o100644, fh.read())]
    entries += [build_guest_tool(t) for t in CLIENT_TOOLS]
    return entries + debian_binaries(CLIENT_BINARIES) + engine_host_files()


def engine_host_files():
    """What the container engines want of a host beyond their binaries,
    as an installed Debian system has it: systemd-nspawn binds
    /etc/os-release into its containers and reads /etc/machine-id (a
    fixed one: the guest is one machine); LXC pins a container's rootfs
    on the empty directory its package ships."""
    with open("/usr/lib/os-release", "rb") as fh:
        os_release = fh.read()
    return [("etc/os-release", 0o100644, os_release),
            ("etc/machine-id", 0o100644,
             b"70696e6e73677565737470696e6e7300\n"),
            ("usr/lib/x86_64-linux-gnu/lxc/rootfs", 0o040755, b"")]


def debian_binaries(binaries):
    """with_libraries() of each binary, at its own path, each file once."""
    entries, seen = [], set()
    for binary in binaries:
        for entry in with_libraries(binary, binary.lstrip("/")):
            if entry[0] not in seen:
                seen.add(entry[0])
                entries.append(entry)
    return entries


def build_guest_tool(name, flags=()):
    """Build harness/guest/NAME.c statically; return its initramfs entry."""
    out = os.path.join(BUILD, "guest")
    os.makedirs(out, exist_ok=True)
    exe = os.path.join(out, name)
    sh(["gcc", "-static", "-O2", "-Wall", "-Werror", *flags, "-o", exe,
        os.path.join(HARNESS, "guest", f"{name}.c")],
       log=os.path.join(LOGS, f"{name}.log"))
    with open(exe, "rb") as fh:
        return (f"bin/{name}", 0o100755, fh.read())


@phase("fuzz: build nsrun and pidfuzz")
def build_fuzz_tools():
    return [build_guest_tool("nsrun"),
            build_guest_tool("pidfuzz", flags=["-pthread"])]


def cmd_fuzz(args):
    setup()
    bzimage = kernel_for(args.kernel, args.config)
    extra = build_fuzz_tools()
    extra += with_libraries("/usr/bin/trinity", "bin/trinity")
    seed = os.environ.get("FUZZ_SEED") or str(int.from_bytes(os.urandom(4),
                                                              "big"))
    if not seed.isdigit():
        raise PhaseError(f"FUZZ_SEED={seed}: not a number")
    pidfuzz = args.seconds * FUZZ_PIDFUZZ_SHARE // 100
    conf = (f"SECONDS_TOTAL={args.seconds}\nMAX_SYSCALLS={FUZZ_MAX_SYSCALLS}\n"
            f"DEPTH={FUZZ_DEPTH}\nSYSCALLS='{' '.join(FUZZ_SYSCALLS)}'\n"
            f"PIDFUZZ_SECONDS={pidfuzz}\nPIDFUZZ_SEED={seed}\n")
    extra.append(("etc/fuzz.conf", 0o100644, conf.encode()))
    initrd = initramfs("fuzz", [], extra=extra)
    say(f"  pidfuzz for {pidfuzz}s (seed {seed}: FUZZ_SEED={seed} repeats "
        f"its programs), then trinity for {args.seconds - pidfuzz}s on "
        f"{len(FUZZ_SYSCALLS)} syscalls; {FUZZ_DEPTH} pid namespaces deep, "
        "as root and as nobody")

    def progress(line):
        if line.startswith(("### FUZZ ", "### PIDFUZZ-RUN ",
                            "### PIDFUZZ-END ", "### PIDFUZZ-STUCK ",
                            "### PIDFUZZ-ERROR ", "### PIDFUZZ-TOTAL ")):
            say("  " + line[4:])
    console, results = boot(bzimage, initrd, "fuzz", args.seconds + 900,
                            stream=progress,
                            name=f"fuzz-{args.kernel}-{args.config}")
    fuzz_report(console, results, args.kernel, args.config)


def fuzz_counts(lines):
    """From the fuzz script's output: ({who: syscalls}, {who: runs},
    {syscall: [attempted, succeeded]}) summed over trinity's runs."""
    totals, runs, calls = {}, {}, {}
    for line in lines:
        m = re.match(r"^### FUZZ (\S+) run=\d+ rc=-?\d+ syscalls=(\d+)", line)
        if m:
            totals[m.group(1)] = totals.get(m.group(1), 0) + int(m.group(2))
            runs[m.group(1)] = runs.get(m.group(1), 0) + 1
        # --stats: "setns: (attempted:3090. success:0. failures:3090."
        m = re.match(r"^(\w+): \(attempted:(\d+)\. success:(\d+)\.", line)
        if m:
            c = calls.setdefault(m.group(1), [0, 0])
            c[0] += int(m.group(2))
            c[1] += int(m.group(3))
    return totals, runs, calls


def pidfuzz_counts(lines):
    """From pidfuzz's lines in the fuzz script's output, summed over its
    runs: {"calls": {syscall: [calls, ok, injected]} in the order first
    seen, "totals": {who: [calls, ok, seconds]}, "runs": {who: runs},
    "stuck": [the PIDFUZZ-STUCK lines], "errors": [the PIDFUZZ-ERROR
    lines]}."""
    out = {"calls": {}, "totals": {}, "runs": {}, "stuck": [], "errors": []}
    for line in lines:
        # "### PIDFUZZ who=root syscall=clone3 calls=N ok=N injected=N ..."
        m = re.match(r"^### PIDFUZZ who=(\S+) syscall=(\S+) calls=(\d+) "
                     r"ok=(\d+)(?: injected=(\d+))?", line)
        if m:
            c = out["calls"].setdefault(m.group(2), [0, 0, 0])
            c[0] += int(m.group(3))
            c[1] += int(m.group(4))
            c[2] += int(m.group(5) or 0)
            continue
        m = re.match(r"^### PIDFUZZ-TOTAL who=(\S+) .*?seconds=([\d.]+) "
                     r"calls=(\d+) ok=(\d+)", line)
        if m:
            t = out["totals"].setdefault(m.group(1), [0, 0, 0.0])
            t[0] += int(m.group(3))
            t[1] += int(m.group(4))
            t[2] += float(m.group(2))
            out["runs"][m.group(1)] = out["runs"].get(m.group(1), 0) + 1
        elif line.startswith("### PIDFUZZ-STUCK "):
            out["stuck"].append(line[4:])
        elif line.startswith("### PIDFUZZ-ERROR "):
            out["errors"].append(line[4:])
    return out


def pct(part, whole):
    return f"{100 * part / whole:.0f}%" if whole else "-"


def pidfuzz_table(pf):
    """pidfuzz's part of the fuzz report, as lines."""
    out = [f"{'pidfuzz':<44}{'calls':>11}{'ok':>11}{'ok %':>6}"
           f"{'fail-nth':>10}"]
    for name, (n, ok, inj) in pf["calls"].items():
        out.append(f"{name:<44}{n:>11,}{ok:>11,}{pct(ok, n):>6}{inj:>10,}")
    out.append("")
    for who in sorted(pf["totals"]):
        n, ok, secs = pf["totals"][who]
        rate = f"{n / secs:,.0f}/s" if secs else "-"
        out.append(f"{who:<6} {pf['runs'][who]:>4} pidfuzz runs {n:>12,} calls "
                   f"in {secs:,.0f} s ({rate}), {pct(ok, n)} succeeded")
    return out


@phase("report: pidfuzz's and trinity's counts and the console")
def fuzz_report(console, results, kernel, config):
    with open(results, errors="replace") as f:
        lines = [l.rstrip("\r") for l in f.read().splitlines()]
    totals, runs, calls = fuzz_counts(lines)
    pf = pidfuzz_counts(lines)
    print()
    if pf["calls"] or pf["totals"]:
        print("\n".join(pidfuzz_table(pf)))
        print()
    if calls:
        print(f"{'trinity':<24}{'attempted':>10}{'succeeded':>10}")
        for name in FUZZ_SYSCALLS:
            if name in calls:
                print(f"{name:<24}{calls[name][0]:>10,}{calls[name][1]:>10,}")
        never = [n for n in FUZZ_SYSCALLS if n not in calls]
        if never:
            # Trinity marks these AVOID in its tables and leaves them out
            # even when asked for by name; pidfuzz calls them.
            print(f"never attempted by trinity: {' '.join(never)}")
        print()
    for who in ("root", "user"):
        print(f"{who:<6} {runs.get(who, 0):>4} trinity runs "
              f"{totals.get(who, 0):>12,} syscalls")
    print(f"{'total':<6} {sum(runs.values()):>4} trinity runs "
          f"{sum(totals.values()):>12,} syscalls")
    # Which of the pid syscalls neither fuzzer reached, or neither made
    # succeed (pidfuzz's names are syzkaller's: "ioctl$NS_GET_PARENT").
    reached, succeeded = set(), set()
    for name, (n, ok, _) in pf["calls"].items():
        base = name.split("$")[0]
        if n:
            reached.add(base)
        if ok:
            succeeded.add(base)
    for name, (n, ok) in calls.items():
        if n:
            reached.add(name)
        if ok:
            succeeded.add(name)
    missed = [n for n in FUZZ_SYSCALLS if n not in reached]
    failed = [n for n in FUZZ_SYSCALLS if n in reached and n not in succeeded]
    if missed:
        print(f"called by neither fuzzer: {' '.join(missed)}")
    if failed:
        print(f"never succeeded: {' '.join(failed)}")
    for line in pf["errors"] + pf["stuck"]:
        print(line)
    splats, ours = judge_console(console, kernel, config)
    problems = []
    if "### DONE" not in lines:
        problems.append("the guest did not finish the fuzz script")
    problems += [f"no syscall ran as {who}" for who in ("root", "user")
                 if not totals.get(who)]
    problems += [f"pidfuzz made no call as {who}" for who in ("root", "user")
                 if not pf["totals"].get(who, [0])[0]]
    if pf["stuck"]:
        problems.append(f"{len(pf['stuck'])} pidfuzz arena init(s) not "
                        "reaped after SIGKILL: a hang")
    if splats:
        problems.append("kernel splat")
    if ours:
        problems.append(f"{ours} KCSAN reports in our code")
    if problems:
        say(f"  results: {os.path.relpath(results, REPO)}")
        raise PhaseError(", ".join(problems))


def cmd_run(args):
    setup()
    bzimage = kernel_for(args.kernel, args.config)
    initrd = initramfs("demo", [], extra=[build_guest_tool("initsig")] +
                       debian_binaries(["/usr/bin/crun", "/usr/bin/podman",
                                        "/usr/bin/conmon"]))
    ok = []

    def show(line):
        if line.startswith("### DEMO "):
            ok.append(line)
        else:
            print(line, flush=True)
    console, _ = boot(bzimage, initrd, "demo", 900, stream=show)
    splats = find_splats(console)
    if splats:
        print("\n".join(["KERNEL SPLAT:"] + splats))
        raise PhaseError("kernel splat during the demonstration")
    if not ok or not ok[-1].endswith("ok"):
        raise PhaseError(f"the demonstration failed: {ok or 'no status'}")


def cmd_shell(args):
    setup()
    bzimage = kernel_for(args.kernel, args.config)
    install_headers()
    suites = build_tests()
    initrd = initramfs("shell", suites, extra=clients_files())
    results = os.path.join(LOGS, "results-shell.log")
    cmd = qemu_cmd(bzimage, initrd, "shell", None, results, interactive=True)
    say("booting; leave the shell (exit or Ctrl-D) to power off, or "
        "Ctrl-A X to quit QEMU")
    subprocess.call(cmd)


@phase("series: out/series applies with git am to the base")
def make_series():
    series.make(REPO, src_dir("stock"), os.path.join(OUT, "series"),
                owned_files(), say, PhaseError)


@phase("series: checkpatch --strict of every mail")
def check_series():
    import series_check
    series_check.cheap_check(say, PhaseError)


def cmd_series(args):
    setup()
    unpack_base()
    make_series()


# make series-export's repository: the whole base and branch pidns, for
# git rebase -i; make series-import reads it back.
SERIES_GIT = os.path.join(BUILD, "series-git")


@phase("series-fold: the owned files into the last patch touching each")
def fold_series():
    series.fold(REPO, src_dir("stock"), owned_files(), say, PhaseError)


@phase("series-export: build/series-git, the base and branch pidns")
def export_series(force):
    import series_git
    base_id = read_stamp(os.path.join(BUILD, "stock", "base.stamp")) or ""
    series_git.export(REPO, src_dir("stock"), base_id, SERIES_GIT,
                      owned_files(), force, say, PhaseError)


@phase("series-import: branch pidns of build/series-git into the repo")
def import_series(force):
    import series_git
    series_git.import_branch(REPO, src_dir("stock"), SERIES_GIT,
                             owned_files, force, say, PhaseError)


def cmd_series_fold(args):
    setup()
    unpack_base()
    fold_series()


def cmd_series_export(args):
    import series_git
    setup()
    unpack_base()
    export_series(args.force)
    print(series_git.WORKFLOW.format(tree=os.path.relpath(SERIES_GIT, REPO)),
          flush=True)


def cmd_series_import(args):
    setup()
    unpack_base()
    import_series(args.force)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["check", "run", "shell", "series",
                                        "series-fold", "series-export",
                                        "series-import", "stress", "fuzz"])
    ap.add_argument("--kernel", choices=["ours", "stock"], default="ours")
    ap.add_argument("--config", choices=sorted(CONFIGS), default="debug")
    ap.add_argument("--tests", default="",
                    help="run only these suites or suite/program names "
                         "(comma-separated); the default is all, or the "
                         "config's set in CONFIG_TESTS")
    # A quiet host runs make check's guest in about 20 minutes; one
    # loaded twice over takes twice that.
    ap.add_argument("--timeout", type=int, default=5400,
                    help="seconds the guest may run (default 5400)")
    ap.add_argument("--args", action="append", metavar="SUITE/PROG=ARGS",
                    help="run that program with these arguments instead of "
                         "its default ones (repeatable)")
    ap.add_argument("--step", metavar="N|NAME",
                    help="check: the tree of the first N steps of "
                         "patches/series only (N counts its lines, mails "
                         "and @commits alike; or a mail's file name, or "
                         "@name), in build/step/, without the end-state "
                         "check")
    ap.add_argument("--step-subject", metavar="SUBJECT",
                    help="check --step: fail (exit 128) unless the step "
                         "has this subject (harness/step_check.sh)")
    ap.add_argument("--seconds", type=int, default=600,
                    help="stress, fuzz: how long to run (default 600)")
    ap.add_argument("--force", action="store_true",
                    help="series-export: overwrite the branch even when it "
                         "has commits not imported; series-import: "
                         "overwrite edits made in the repository since")
    args = ap.parse_args(argv)
    os.makedirs(LOGS, exist_ok=True)
    try:
        {"check": cmd_check, "run": cmd_run, "shell": cmd_shell,
         "series": cmd_series, "series-fold": cmd_series_fold,
         "series-export": cmd_series_export,
         "series-import": cmd_series_import, "stress": cmd_stress,
         "fuzz": cmd_fuzz}[args.command](args)
    except PhaseError as e:
        say(f"{args.command}: FAILED")
        return getattr(e, "status", 1)
    say(f"{args.command}: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
