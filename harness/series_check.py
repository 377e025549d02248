#!/usr/bin/env python3
"""make series-check: every patch of out/series, one by one, on the full base.

Phases: make series (out/series fresh), setup (sparse and the cross
compilers of CROSS), repo (a git repository of the pristine base, made once
in build/series-check/src and reset to the base commit on every run),
config (the guest debug config of `make check`, in build/series-check/debug)
and then, for each mail of out/series in order:

  applies     git am of the mail onto the tree of the patches before it
  checkpatch  scripts/checkpatch.pl --strict on the mail: errors, warnings
              and checks, each accepted only when justified (see below)
  builds      make bzImage, incrementally, in the same object directory
  W=1, sparse every .c file the patch touches that the x86 guest config
              builds is compiled again with `make W=1 C=1 file.o`; the
              warnings that point into a file the patch touches count
  cross       every file the patch touches under arch/A/, A not x86, is
              compiled for A with Debian's cross compiler (CROSS below)

It prints one row per patch, writes the table to out/series-check.md, and
exits non-zero when any patch fails any of these.

A checkpatch remark is justified by a line of the patch's changelog:

    checkpatch: TYPE: why this remark is wrong here, going on
      on indented lines when it is long

where TYPE is checkpatch's --show-types name of the remark (LONG_LINE,
MACRO_WITH_FLOW_CONTROL, ...).  It accepts every remark of that type in
that patch.  FILE_PATH_CHANGES ("added, moved or deleted file(s), does
MAINTAINERS need updating?") is accepted without one when every file the
patch adds, moves or deletes is covered by an F: entry of a MAINTAINERS
section (other than THE REST) in the tree after the patch, i.e. when an
earlier patch of the series (or the base) already did what it asks.

    harness/series_check.py [--from N] [--to M] [--no-build] [--no-cross]
    harness/series_check.py --cheap

--cheap is the part of this that `make check` runs every time: the series
applies with git am to the base (on a copy of just the files it touches)
and every mail passes checkpatch --strict, justified as above.  It needs
no kernel build and takes seconds.
"""

import argparse
import concurrent.futures
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import series

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BUILD = os.path.join(REPO, "build")
OUT = os.path.join(REPO, "out")
SERIES = os.path.join(OUT, "series")
TABLE = os.path.join(OUT, "series-check.md")
STOCK = os.path.join(BUILD, "stock", "src")
WORK = os.path.join(BUILD, "series-check")
LOGS = os.path.join(WORK, "logs")

# pidns.src_dir(KERNEL) and pidns.obj_dir(KERNEL, CONFIG): the tree is
# build/series-check/src and its object directory build/series-check/debug,
# the same layout as build/ours/{src,debug}, so that ccache (whose hash
# has paths relative to build/) shares objects with `make check`.
KERNEL = "series-check"
CONFIG = "debug"
SRC = os.path.join(WORK, "src")

# Other architectures, for the files a patch touches under arch/<A>/:
#   A: (Debian package, CROSS_COMPILE, defconfig, options it must give)
# The defconfig is the smallest in the base that builds the arch files the
# series touches (cell_defconfig: SPU_FS, for spufs/sched.c).  Each has its
# own object directory, build/series-check/cross-A, kept between runs.
CROSS = {
    "powerpc": ("gcc-powerpc64-linux-gnu", "powerpc64-linux-gnu-",
                "cell_defconfig", ["CONFIG_SPU_FS", "CONFIG_SPU_BASE"]),
}

# What the full check needs besides pidns.PACKAGES: (package, proof).
PACKAGES = [("sparse", "/usr/bin/sparse")] + [
    (pkg, f"/usr/bin/{prefix}gcc") for pkg, prefix, _, _ in CROSS.values()]

LEVELS = ("ERROR", "WARNING", "CHECK")
# Remarks accepted without a justification line when the files are
# maintained (see maintainers_cover()).
PATH_CHANGES = "FILE_PATH_CHANGES"


def _say(msg):
    print(msg, flush=True)


class CheckError(Exception):
    pass


# ------------------------------------------------------- pure parts --

def parse_checkpatch(output):
    """checkpatch --show-types output -> ([(level, type, message, file)],
    {level: total}) ; the totals are those of its "total:" line, None when
    it printed none (it did not run to the end)."""
    remarks = []
    lines = output.splitlines()
    for i, line in enumerate(lines):
        m = re.match(r"^(ERROR|WARNING|CHECK):([A-Z0-9_]+): (.*)$", line)
        if not m:
            continue
        where = ""
        if i + 1 < len(lines):
            f = re.match(r"^#\d+: FILE: (\S+?):\d+:", lines[i + 1])
            if f:
                where = f.group(1)
        remarks.append((m.group(1), m.group(2), m.group(3), where))
    totals = None
    for line in lines:
        m = re.match(r"^total: (\d+) errors, (\d+) warnings, (?:(\d+) "
                     r"checks, )?\d+ lines checked", line)
        if m:
            totals = {"ERROR": int(m.group(1)), "WARNING": int(m.group(2)),
                      "CHECK": int(m.group(3) or 0)}
    return remarks, totals


def justifications(mail):
    """{TYPE: reason} from the "checkpatch: TYPE: reason" lines of a mail's
    changelog (anything above its first diff)."""
    head = mail.split("\ndiff --git ", 1)[0]
    found = {}
    last = None
    for line in head.splitlines():
        m = re.match(r"^\s*checkpatch:\s*([A-Z0-9_]+):\s*(\S.*)$", line)
        if m:
            last = m.group(1)
            found[last] = m.group(2).strip()
        elif last and re.match(r"^\s+\S", line):
            # An indented line goes on with the reason (commit logs are
            # wrapped at 75 columns).
            found[last] += " " + line.strip()
        else:
            last = None
    return found


def path_changes(mail):
    """The files a mail adds, deletes, renames or copies."""
    files = set()
    current = None
    for line in mail.splitlines():
        m = re.match(r"^diff --git a/(\S+) b/(\S+)$", line)
        if m:
            current = m.group(2)
            continue
        if current is None:
            continue
        if re.match(r"^(new|deleted) file mode ", line):
            files.add(current)
        m = re.match(r"^(?:rename|copy) (?:from|to) (\S+)$", line)
        if m:
            files.add(m.group(1))
    return files


def touched_files(mail):
    """Every file a mail changes (paths after the change)."""
    files = set()
    for line in mail.splitlines():
        m = re.match(r"^diff --git a/(\S+) b/(\S+)$", line)
        if m:
            files.add(m.group(2))
    return files


def maintainers_sections(text):
    """[(name, [F: patterns], [X: patterns])] of a MAINTAINERS file."""
    sections = []
    name, fs, xs = None, [], []
    for line in text.splitlines():
        m = re.match(r"^([A-Z]):\s*(\S.*)$", line)
        if m and name is not None:
            if m.group(1) == "F":
                fs.append(m.group(2).strip())
            elif m.group(1) == "X":
                xs.append(m.group(2).strip())
        elif line.strip() and not m and not line.startswith("\t"):
            if name is not None:
                sections.append((name, fs, xs))
            name, fs, xs = line.strip(), [], []
    if name is not None:
        sections.append((name, fs, xs))
    return sections


def _pattern_matches(pattern, path, tree=None):
    """get_maintainer.pl's file_match_pattern(): * and ? are globs (that
    may cross a /); a pattern ending in / (or naming a directory of tree)
    covers everything below it, any other one the paths that start with it
    and are as deep."""
    if tree and not pattern.endswith("/") and \
            os.path.isdir(os.path.join(tree, pattern)):
        pattern += "/"
    regex = re.escape(pattern).replace(r"\*", ".*").replace(r"\?", ".")
    if not re.match(regex, path):
        return False
    return pattern.endswith("/") or path.count("/") == pattern.count("/")


def maintainers_cover(path, sections, tree=None):
    """The name of a section (not THE REST) whose F: covers path."""
    for name, fs, xs in sections:
        if name == "THE REST":
            continue
        if any(_pattern_matches(p, path, tree) for p in fs) and \
                not any(_pattern_matches(p, path, tree) for p in xs):
            return name
    return None


def judge_remarks(remarks, justified, changed, sections, tree=None):
    """[(level, type, message, file, why accepted or None)]."""
    out = []
    for level, kind, msg, where in remarks:
        why = justified.get(kind)
        if why is None and kind == PATH_CHANGES and changed:
            covered = [maintainers_cover(f, sections, tree)
                       for f in changed]
            if all(covered):
                why = "MAINTAINERS covers " + ", ".join(sorted(set(covered)))
        out.append((level, kind, msg, where, why))
    return out


KBUILD_STEP = re.compile(r"^  ([A-Z][A-Z0-9_]*(?: \[[A-Z]\])?)\s+(\S+)")
DIAG = re.compile(r"^(\S+?):(\d+):(?:(\d+):)? (warning|error): (.*)$")


def parse_compile_log(text, obj_dir, src_dir):
    """Diagnostics of a kbuild run, as ([(file, line, message)] of the C
    compiler, [...] of sparse), files relative to the source tree.

    Which tool printed a line is told by the kbuild step above it:
    "  CC      kernel/pid.o" is gcc's, "  CHECK   ../src/kernel/pid.c"
    sparse's.
    """
    cc, sparse = [], []
    step = None
    for line in text.splitlines():
        m = KBUILD_STEP.match(line)
        if m:
            step = m.group(1)
            continue
        m = DIAG.match(line)
        if not m or step is None:
            continue
        path = m.group(1)
        if not os.path.isabs(path):
            path = os.path.normpath(os.path.join(obj_dir, path))
        rel = os.path.relpath(path, src_dir)
        entry = (rel, int(m.group(2)), f"{m.group(4)}: {m.group(5)}")
        if step == "CHECK":
            sparse.append(entry)
        elif step.startswith("CC"):
            cc.append(entry)
    return cc, sparse


def first_errors(text, n=3):
    """The compiler's and make's first error lines of a build log."""
    diag = [l for l in text.splitlines() if re.search(r": (?:fatal )?error: ",
                                                       l)]
    return (diag or [l for l in text.splitlines()
                     if re.search(r"\*\*\* .*Error \d", l)])[:n]


def new_diagnostics(before, after):
    """The diagnostics of after that before did not have: the same file
    and message (lines move) counted as many times as it was before."""
    left = {}
    for f, _, msg in before:
        left[(f, msg)] = left.get((f, msg), 0) + 1
    out = []
    for d in after:
        key = (d[0], d[2])
        if left.get(key):
            left[key] -= 1
        else:
            out.append(d)
    return out


def short_subject(mail, width=44):
    """"NN subject" of a mail, the subject cut to width."""
    subject = ""
    lines = mail.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Subject: "):
            subject = line[len("Subject: "):]
            for more in lines[i + 1:]:
                if not more.startswith((" ", "\t")):
                    break
                subject += " " + more.strip()
            break
    m = re.match(r"^\[PATCH (?:v\d+ )?(\d+)/\d+\]\s*(.*)$", subject)
    num, text = (m.group(1), m.group(2)) if m else ("??", subject)
    if len(text) > width:
        text = text[:width - 1] + "…"
    return f"{num} {text}"


COLUMNS = ("patch", "applies", "builds", "checkpatch E/W/C", "sparse",
           "W=1", "cross")


def row_cells(row):
    """A row (dict, see check_patch()) as the cells of COLUMNS."""
    def yes(v):
        return "-" if v is None else ("ok" if v else "FAIL")

    def count(v, old=0):
        if v is None:
            return "-"
        return f"{v} ({old} old)" if old else str(v)
    cp = row.get("checkpatch")
    if cp is None:
        cpcell = "-"
    else:
        cpcell = "/".join(str(sum(1 for r in cp if r[0] == lv))
                          for lv in LEVELS)
        accepted = sum(1 for r in cp if r[4])
        if accepted:
            cpcell += f" ({accepted} justified)"
    return [row["name"], yes(row.get("applies")), yes(row.get("builds")),
            cpcell, count(row.get("sparse"), row.get("sparse_old", 0)),
            count(row.get("w1"), row.get("w1_old", 0)),
            row.get("cross") or "-"]


def format_table(rows, markdown=False):
    cells = [list(COLUMNS)] + [row_cells(r) for r in rows]
    if markdown:
        out = ["| " + " | ".join(cells[0]) + " |",
               "|" + "|".join("---" for _ in COLUMNS) + "|"]
        out += ["| " + " | ".join(c) + " |" for c in cells[1:]]
        return "\n".join(out) + "\n"
    widths = [max(len(c[i]) for c in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c[i].ljust(widths[i]) for i in
                               range(len(COLUMNS))).rstrip()
                     for c in cells) + "\n"


def row_problems(row):
    """What makes a row fail, as short phrases (none: it passes)."""
    out = []
    if row.get("applies") is False:
        out.append("does not apply" + "".join(
            f"\n      {l}" for l in row.get("am_error", "").splitlines()[:2]))
    if row.get("builds") is False:
        out.append("does not build" + "".join(
            f"\n      {l}" for l in row.get("build_errors") or []))
    for level, kind, msg, where, why in row.get("checkpatch") or []:
        if not why:
            out.append(f"checkpatch {level}:{kind}"
                       + (f" in {where}" if where else "")
                       + f": {msg}")
    if row.get("checkpatch_broken"):
        out.append(f"checkpatch: {row['checkpatch_broken']}")
    for what, key in (("sparse", "sparse_list"), ("W=1", "w1_list")):
        for f, line, msg in row.get(key) or []:
            out.append(f"{what} {f}:{line}: {msg}")
    for arch, log, errors in row.get("cross_failures") or []:
        out.append(f"cross compile for {arch} fails, see {log}" + "".join(
            f"\n      {l}" for l in errors))
    return out


def row_accepted(row):
    """The justified checkpatch remarks of a row, with their reasons."""
    return [f"checkpatch {level}:{kind} accepted: {why}"
            for level, kind, _, _, why in row.get("checkpatch") or [] if why]


# ------------------------------------------------------------- checkpatch --

def run_checkpatch(mail_path, tree, sections):
    """The judged remarks of one mail, checkpatch.pl of tree run on it."""
    with open(mail_path, errors="replace") as f:
        mail = f.read()
    res = subprocess.run(["perl", os.path.join(tree, "scripts",
                                               "checkpatch.pl"),
                          "--strict", "--show-types", mail_path],
                         cwd=tree, capture_output=True, text=True)
    remarks, totals = parse_checkpatch(res.stdout)
    broken = None
    if totals is None:
        broken = (f"no summary from checkpatch (exit {res.returncode}): "
                  + (res.stderr.strip() or res.stdout.strip())[-300:])
    elif sum(totals.values()) != len(remarks):
        broken = (f"checkpatch counted {totals} but {len(remarks)} remarks "
                  "were parsed")
    judged = judge_remarks(remarks, justifications(mail), path_changes(mail),
                           sections, tree)
    return judged, broken, res.stdout


def mails(series=SERIES):
    if not os.path.isdir(series):
        return []
    return [os.path.join(series, f) for f in sorted(os.listdir(series))
            if f.endswith(".patch") and not f.startswith("0000-")]


def snapshot_series(pidns, args):
    """make series, and a copy of out/series (or of --series DIR) for this
    run in build/series-check/series: a `make series` of another command
    while this one runs rewrites out/series."""
    if not args.series:
        pidns.make_series()
    dest = os.path.join(WORK, "series")
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(args.series or SERIES, dest)
    return mails(dest)


# git with the series' fixed identity and dates, as make series runs it.
_git = series._git


def cheap_check(say, error):
    """out/series applies with git am to the base, and checkpatch --strict
    finds nothing unjustified in any mail.  Raises error when not.

    For pidns.py's cmd_check, right after make_series().
    """
    t = time.monotonic()
    rows, problems = [], []
    work = tempfile.mkdtemp(prefix="pidns-series-check-")
    try:
        # A copy: a `make series` elsewhere may rewrite out/series.
        mine = os.path.join(work, "series")
        if os.path.isdir(SERIES):
            shutil.copytree(SERIES, mine)
        paths = mails(mine)
        if not paths:
            raise error("out/series has no patches; run make series")
        touched = {"MAINTAINERS"}
        texts = {}
        for p in paths:
            with open(p, errors="replace") as f:
                texts[p] = f.read()
            touched |= touched_files(texts[p])
            touched |= set(re.findall(r"^--- a/(\S+)", texts[p],
                                      flags=re.M))
        base = os.path.join(work, "base")
        series.sparse_base(STOCK, touched, base, error)
        applied = True
        for p in paths:
            row = {"name": short_subject(texts[p])}
            if applied:
                res = _git(base, "am", "-q", p)
                row["applies"] = res.returncode == 0
                if not row["applies"]:
                    _git(base, "am", "--abort")
                    applied = False
            with open(os.path.join(base, "MAINTAINERS"),
                      errors="replace") as f:
                row["sections"] = maintainers_sections(f.read())
            rows.append(row)
        # checkpatch on two mails at a time: the big ones take seconds.
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            results = pool.map(lambda pr: run_checkpatch(
                pr[0], STOCK, pr[1].pop("sections")), zip(paths, rows))
            for row, (judged, broken, _) in zip(rows, results):
                row["checkpatch"] = judged
                if broken:
                    row["checkpatch_broken"] = broken
                problems += [f"{row['name']}: {x}"
                             for x in row_problems(row)]
    finally:
        shutil.rmtree(work, ignore_errors=True)
    total = sum(len(r["checkpatch"]) for r in rows)
    justified = sum(1 for r in rows for x in r["checkpatch"] if x[4])
    if problems:
        for line in problems:
            say(f"  {line}")
        raise error(f"{len(problems)} problems in out/series (checkpatch "
                    "--strict; justify a remark with a changelog line "
                    "'checkpatch: TYPE: reason', see README.md)")
    say(f"  {len(rows)} patches apply to the base; checkpatch --strict: "
        f"{total} remarks, all justified ({justified}) "
        f"in {time.monotonic() - t:.1f}s")


# ------------------------------------------------------------ full check --

def install_packages(pidns):
    missing = [pkg for pkg, proof in PACKAGES if not os.path.exists(proof)]
    if not missing:
        return
    if os.geteuid() != 0:
        raise pidns.PhaseError(f"missing {missing}; run as root or install "
                               "them with apt-get")
    log = os.path.join(LOGS, "apt.log")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    pidns.say(f"  installing {' '.join(missing)} (log: "
              f"{os.path.relpath(log, REPO)})")
    pidns.sh(["apt-get", "update", "-q"], log=log, env=env)
    pidns.sh(["apt-get", "install", "-y", "-q", "--no-install-recommends"]
             + missing, log=log, env=env)


def base_repo(pidns):
    """build/series-check/src: a git repository of the pristine base, at
    its base commit with nothing else in it; returns that commit."""
    stamp = os.path.join(WORK, "src.stamp")
    want = pidns.read_stamp(os.path.join(BUILD, "stock", "base.stamp")) or ""
    have = (pidns.read_stamp(stamp) or "").split()
    if os.path.isdir(os.path.join(SRC, ".git")) and len(have) == 2 and \
            have[0] == want:
        commit = have[1]
        _git(SRC, "am", "--abort")
        for args in (("reset", "-q", "--hard", commit), ("clean", "-fdxq")):
            res = _git(SRC, *args)
            if res.returncode:
                raise pidns.PhaseError(f"git {args[0]}: {res.stderr}")
        return commit
    pidns.say("  copying the base into a git repository, once "
              "(a minute or two)")
    shutil.rmtree(SRC, ignore_errors=True)
    commit = series.full_base(STOCK, SRC, pidns.PhaseError)
    pidns.write_stamp(stamp, f"{want} {commit}")
    return commit


def kbuild_objects(files):
    """The .c files of a list that the x86 kernel build could compile to a
    .o (kernel sources: not tools/, scripts/, Documentation/, nor another
    architecture's arch/, which is the cross compile's)."""
    return sorted(f for f in files if f.endswith(".c") and not
                  f.startswith(("tools/", "scripts/", "Documentation/",
                                "samples/", "usr/")) and not
                  re.match(r"^arch/(?!x86/)", f))


def cross_make(pidns, arch, obj, *targets, log, check=True):
    prefix = CROSS[arch][1]
    return pidns.sh(["make", "-C", SRC, f"O={obj}", f"ARCH={arch}",
                     f"CROSS_COMPILE={prefix}", f"CC=ccache {prefix}gcc",
                     "HOSTCC=ccache gcc", f"-j{os.cpu_count()}", *targets],
                    log=log, env=pidns.KERNEL_ENV, check=check)


def cross_config(pidns, arch):
    defconfig, need = CROSS[arch][2:]
    obj = os.path.join(WORK, f"cross-{arch}")
    stamp = os.path.join(obj, "pidns-config.stamp")
    want = f"{defconfig} {' '.join(need)}"
    log = os.path.join(LOGS, f"cross-{arch}-config.log")
    if pidns.read_stamp(stamp) == want and \
            os.path.exists(os.path.join(obj, ".config")):
        return obj
    os.makedirs(obj, exist_ok=True)
    open(log, "w").close()
    cross_make(pidns, arch, obj, defconfig, log=log)
    with open(os.path.join(obj, ".config")) as f:
        have = f.read()
    lacking = [o for o in need if not re.search(rf"^{o}=[ym]$", have,
                                                flags=re.M)]
    if lacking:
        raise pidns.PhaseError(f"{arch} {defconfig} lacks {lacking}")
    pidns.write_stamp(stamp, want)
    return obj


def cross_compile(pidns, arch, files, tag):
    """Compile files (.c under arch/<arch>/) for arch: None when they
    compile, else (arch, log, [error lines])."""
    log = os.path.join(LOGS, f"{tag}-cross-{arch}.log")
    rel = os.path.relpath(log, REPO)
    if arch not in CROSS:
        return arch, rel, [f"no cross compiler for {arch} in CROSS of "
                           "harness/series_check.py"]
    try:
        obj = cross_config(pidns, arch)
    except pidns.PhaseError as e:
        return arch, rel, [f"{CROSS[arch][2]}: {e}"]
    open(log, "w").close()
    targets = [f[:-2] + ".o" for f in files]
    for t in targets:
        try:
            os.unlink(os.path.join(obj, t))
        except OSError:
            pass
    rc = cross_make(pidns, arch, obj, *targets, log=log, check=False)
    missing = [t for t in targets if not os.path.exists(os.path.join(obj, t))]
    if rc or missing:
        with open(log, errors="replace") as f:
            errors = first_errors(f.read())
        if not errors:
            errors = [f"no {' '.join(missing)} (not in {CROSS[arch][2]}?)"]
        return arch, rel, errors
    return None


def w1_sparse(pidns, files, log):
    """make W=1 C=1 of the .o of each .c file: ([gcc's], [sparse's])
    diagnostics, and make's exit code.  One job, so that each tool's lines
    follow its kbuild step; -k, so that a file the config does not build
    does not stop the others."""
    obj = pidns.obj_dir(KERNEL, CONFIG)
    open(log, "w").close()
    for f in files:
        try:
            os.unlink(os.path.join(obj, f[:-2] + ".o"))
        except OSError:
            pass
    rc = pidns.sh(["make", "-C", SRC, f"O={obj}", "ARCH=x86_64",
                   "CC=ccache gcc", "HOSTCC=ccache gcc", "W=1", "C=1", "-k",
                   "-j1", *[f[:-2] + ".o" for f in files]],
                  log=log, env=pidns.KERNEL_ENV, check=False)
    with open(log, errors="replace") as fh:
        cc, sparse = parse_compile_log(fh.read(), obj, SRC)
    return cc, sparse, rc


def to_check(touched, series_c_files):
    """The .c files whose W=1 and sparse warnings a patch is judged by:
    those it touches, and when it touches a header every .c file the
    series touched so far."""
    check = set(kbuild_objects(touched))
    if any(f.endswith(".h") for f in touched):
        check |= series_c_files
    return check


def selftest_suites(touched):
    """The kselftest suites (tools/testing/selftests/<suite>/) a patch
    touches."""
    return sorted({m.group(1) for f in touched for m in [re.match(
        r"^tools/testing/selftests/([^/]+)/", f)] if m})


def build_selftests(pidns, suites, log):
    """Build each suite as `make check` does (static, against the uapi
    headers of the tree as it is now); the suites that do not build."""
    open(log, "w").close()
    headers = os.path.join(WORK, "headers")
    shutil.rmtree(headers, ignore_errors=True)
    rc = pidns.sh(["make", "-C", SRC, f"O={os.path.join(WORK, 'headers-obj')}",
                   "ARCH=x86_64", f"INSTALL_HDR_PATH={headers}",
                   "headers_install"], log=log, check=False)
    if rc:
        return suites
    inc = f"-isystem {headers}/include"
    broken = []
    for suite in suites:
        d = os.path.join(SRC, "tools/testing/selftests", suite)
        if not os.path.exists(os.path.join(d, "Makefile")):
            continue
        out = os.path.join(WORK, "selftests", suite)
        shutil.rmtree(out, ignore_errors=True)
        os.makedirs(out)
        if pidns.sh(["make", "-C", d, f"OUTPUT={out}", "CC=gcc -static",
                     f"KHDR_INCLUDES={inc}", f"USERCFLAGS={inc}",
                     f"-j{os.cpu_count()}"], log=log, check=False):
            broken.append(suite)
    return broken


def check_patch(pidns, index, path, args, state):
    """One patch: git am, checkpatch, build, W=1 and sparse, cross.
    state carries "series_c", the .c files of the patches so far, "built",
    whether the last patch built, and "last", the W=1 and sparse
    diagnostics of the last patch that built."""
    series_c_files = state["series_c"]
    with open(path, errors="replace") as f:
        mail = f.read()
    tag = f"{index:04d}"
    row = {"name": short_subject(mail)}
    touched = touched_files(mail)
    obj = pidns.obj_dir(KERNEL, CONFIG)
    # The warnings before the patch, of the files it will be judged by:
    # a patch answers only for the warnings it adds.
    before = None
    if not args.no_build:
        pre = sorted(f for f in to_check(touched, series_c_files)
                     if os.path.exists(os.path.join(SRC, f)))
        if pre:
            cc, sparse, rc = w1_sparse(pidns, pre, os.path.join(
                LOGS, f"{tag}-w1-sparse-before.log"))
            # When the tree before does not build (the patch before broke
            # it), the last one that built is the baseline.
            before = (cc, sparse)
            if not state["built"] and state["last"]:
                before = state["last"]
    res = _git(SRC, "am", "-q", path)
    row["applies"] = res.returncode == 0
    if not row["applies"]:
        _git(SRC, "am", "--abort")
        row["am_error"] = res.stderr.strip() or res.stdout.strip()
        return row
    with open(os.path.join(SRC, "MAINTAINERS"), errors="replace") as f:
        sections = maintainers_sections(f.read())
    judged, broken, out = run_checkpatch(path, SRC, sections)
    with open(os.path.join(LOGS, f"{tag}-checkpatch.log"), "w") as f:
        f.write(out)
    row["checkpatch"] = judged
    if broken:
        row["checkpatch_broken"] = broken
    series_c_files |= set(kbuild_objects(touched))
    if args.no_build:
        return row
    log = os.path.join(LOGS, f"{tag}-build.log")
    open(log, "w").close()
    t = time.monotonic()
    if any(os.path.basename(f).startswith("Kconfig") for f in touched):
        # The patch may define an option the guest config asks for.
        pidns.merge_fragments(KERNEL, CONFIG, log, partial=True)
    rc = pidns.sh(["make", "-C", SRC, f"O={obj}", "ARCH=x86_64",
                   "CC=ccache gcc", "HOSTCC=ccache gcc",
                   f"-j{os.cpu_count()}", "bzImage"],
                  log=log, env=pidns.KERNEL_ENV, check=False)
    row["builds"] = rc == 0
    if not row["builds"]:
        with open(log, errors="replace") as f:
            row["build_errors"] = first_errors(f.read())
    suites = selftest_suites(touched)
    if suites:
        slog = os.path.join(LOGS, f"{tag}-selftests.log")
        broken = build_selftests(pidns, suites, slog)
        if broken:
            row["builds"] = False
            with open(slog, errors="replace") as f:
                errors = first_errors(f.read())
            row.setdefault("build_errors", []).extend(
                [f"selftests {' '.join(broken)} do not build, see "
                 f"{os.path.relpath(slog, REPO)}"] + errors)
    row["build_seconds"] = time.monotonic() - t
    state["built"] = row["builds"]
    if rc == 0:
        # Those the guest config builds (they have a .o now).
        check = sorted(f for f in to_check(touched, series_c_files)
                       if os.path.exists(os.path.join(obj, f[:-2] + ".o")))
        row["checked"] = check
        w1, sp, w1_old, sp_old = [], [], 0, 0
        if check:
            wlog = os.path.join(LOGS, f"{tag}-w1-sparse.log")
            cc, sparse, rc = w1_sparse(pidns, check, wlog)
            if not rc:
                state["last"] = (cc, sparse)
            mine = lambda ds: [d for d in ds if d[0] in touched]  # noqa
            cc, sparse = mine(cc), mine(sparse)
            w1 = new_diagnostics(mine(before[0]) if before else [], cc)
            sp = new_diagnostics(mine(before[1]) if before else [], sparse)
            w1_old, sp_old = len(cc) - len(w1), len(sparse) - len(sp)
            if rc:
                w1.append((check[0], 0, f"make W=1 C=1 exited {rc}; see "
                           f"{os.path.relpath(wlog, REPO)}"))
        row["w1"], row["w1_list"], row["w1_old"] = len(w1), w1, w1_old
        row["sparse"], row["sparse_list"], row["sparse_old"] = \
            len(sp), sp, sp_old
    if not args.no_cross:
        by_arch = {}
        for f in sorted(touched):
            m = re.match(r"^arch/([^/]+)/", f)
            if m and m.group(1) != "x86" and f.endswith(".c"):
                by_arch.setdefault(m.group(1), []).append(f)
        fails = [cross_compile(pidns, a, fs, tag)
                 for a, fs in sorted(by_arch.items())]
        row["cross_failures"] = [f for f in fails if f]
        bad = {f[0] for f in row["cross_failures"]}
        row["cross"] = ", ".join(
            f"{'FAIL' if a in bad else 'ok'} {a}"
            for a in sorted(by_arch)) or None
    return row


def full_check(args):
    import pidns
    os.makedirs(LOGS, exist_ok=True)
    pidns.setup()
    install_packages(pidns)
    pidns.unpack_base()
    paths = snapshot_series(pidns, args)
    if not paths:
        raise pidns.PhaseError("out/series has no patches")
    last = args.to or len(paths)
    # The logs of each patch are this run's (the series may be shorter).
    for f in os.listdir(LOGS):
        if re.match(r"^\d{4}-", f):
            os.unlink(os.path.join(LOGS, f))

    @pidns.phase("repo: the pristine base as a git repository")
    def repo():
        return base_repo(pidns)
    repo()
    if not args.no_build:
        pidns.configure(KERNEL, CONFIG, partial=True)
    rows = []
    state = {"series_c": set(), "last": None, "built": True}
    for i, p in enumerate(paths, 1):
        if i > last:
            break
        if i < args.first:
            res = _git(SRC, "am", "-q", p)
            if res.returncode:
                _git(SRC, "am", "--abort")
                pidns.say(f"  {os.path.basename(p)} does not apply "
                          "(before --from)")
            with open(p, errors="replace") as f:
                state["series_c"] |= set(kbuild_objects(
                    touched_files(f.read())))
            continue
        pidns.say(f"patch {os.path.basename(p)} ...")
        t = time.monotonic()
        row = check_patch(pidns, i, p, args, state)
        row["seconds"] = time.monotonic() - t
        rows.append(row)
        problems = row_problems(row)
        pidns.say(f"  {' | '.join(row_cells(row))} "
                  f"({row['seconds']:.0f}s)")
        for line in problems + sorted(set(row_accepted(row))):
            pidns.say(f"    {line}")
    table = format_table(rows)
    print()
    print(table)
    os.makedirs(OUT, exist_ok=True)
    with open(TABLE, "w") as f:
        f.write(f"# make series-check\n\n{len(rows)} patches of "
                f"{args.series or 'out/series'}"
                f", {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"
                f", {time.monotonic() - pidns.T0:.0f}s\n\n")
        f.write(format_table(rows, markdown=True))
        bad = [(r["name"], x) for r in rows for x in row_problems(r)]
        if bad:
            f.write("\nProblems:\n\n")
            f.writelines(f"- {n}: {x}\n" for n, x in bad)
        ok = [(r["name"], x) for r in rows for x in sorted(set(
            row_accepted(r)))]
        if ok:
            f.write("\nJustified:\n\n")
            f.writelines(f"- {n}: {x}\n" for n, x in ok)
    pidns.say(f"  table: {os.path.relpath(TABLE, REPO)}, logs: "
              f"{os.path.relpath(LOGS, REPO)}/")
    failed = [r["name"] for r in rows if row_problems(r)]
    if failed:
        raise pidns.PhaseError(f"{len(failed)} of {len(rows)} patches fail: "
                               + ", ".join(n.split()[0] for n in failed))


def cross_only(args):
    """--cross-only FILE...: the tree after patch --to (default: all) of
    out/series, and each file compiled for its architecture."""
    import pidns
    os.makedirs(LOGS, exist_ok=True)
    pidns.setup()
    install_packages(pidns)
    pidns.unpack_base()
    paths = snapshot_series(pidns, args)[:args.to or None]
    base_repo(pidns)
    for p in paths:
        res = _git(SRC, "am", "-q", p)
        if res.returncode:
            _git(SRC, "am", "--abort")
            raise pidns.PhaseError(f"{os.path.basename(p)} does not apply")
    by_arch = {}
    for f in args.cross_only:
        m = re.match(r"^arch/([^/]+)/.*\.c$", f)
        if not m:
            raise pidns.PhaseError(f"{f}: not a .c file under arch/")
        by_arch.setdefault(m.group(1), []).append(f)
    failed = []
    for arch, files in sorted(by_arch.items()):
        t = time.monotonic()
        fail = cross_compile(pidns, arch, files, f"after-{len(paths):04d}")
        pidns.say(f"  {' '.join(files)} after {len(paths)} patches: "
                  f"{'FAIL' if fail else 'ok'} {arch} "
                  f"({time.monotonic() - t:.0f}s)")
        if fail:
            pidns.say(f"    see {fail[1]}")
            for line in fail[2]:
                pidns.say(f"    {line}")
            failed.append(arch)
    if failed:
        raise pidns.PhaseError(f"cross compile failed: {', '.join(failed)}")


def main(argv):
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cheap", action="store_true",
                    help="only git am to the base and checkpatch")
    ap.add_argument("--from", dest="first", type=int, default=1,
                    help="check from this patch on (the ones before are "
                         "applied unchecked)")
    ap.add_argument("--to", type=int, default=0,
                    help="stop after this patch")
    ap.add_argument("--no-build", action="store_true",
                    help="no kernel build, W=1, sparse or cross compile")
    ap.add_argument("--no-cross", action="store_true",
                    help="no cross compile of other architectures' files")
    ap.add_argument("--series", metavar="DIR",
                    help="check the mails of DIR instead of out/series "
                         "(no make series)")
    ap.add_argument("--cross-only", nargs="+", metavar="FILE",
                    help="only compile these arch/A/ files for A, on the "
                         "tree after patch --to (default: all)")
    args = ap.parse_args(argv)
    if args.no_build:
        args.no_cross = True
    sys.path.insert(0, HERE)
    import pidns
    try:
        if args.cheap:
            pidns.setup()
            pidns.unpack_base()
            pidns.make_series()

            @pidns.phase("series-check --cheap: git am and checkpatch")
            def cheap():
                cheap_check(pidns.say, pidns.PhaseError)
            cheap()
        elif args.cross_only:
            cross_only(args)
        else:
            full_check(args)
    except pidns.PhaseError:
        pidns.say("series-check: FAILED")
        return 1
    pidns.say("series-check: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
