"""KCSAN reports on the guest console, and which of them are ours.

A KCSAN kernel reports data races anywhere in the kernel, and a tinyconfig
guest under emulation shows some in code we never touch (timers, RCU,
printk).  `make check CONFIG=kcsan` lists every report but fails only on
those whose racing access is in our code: a file we own (kernel/pid.c,
kernel/pid_namespace.c, include/linux/pid*.h), or a function one of our
patches changed.  Where the access is comes from the kernel's own line
tables: the first frame of each access stack (where the racy load or store
is), resolved with `addr2line -i` so that an inline helper from one of our
headers counts even when it was inlined into upstream code.  A report that
cannot be placed counts as ours: the gate must not pass because a lookup
failed.
"""

import difflib
import os
import re
import subprocess

# printk's timestamp, when the kernel has PRINTK_TIME.
STAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")
TITLE = re.compile(r"BUG: KCSAN: (.+)$")
RULE = re.compile(r"^={20,}\s*$")
# "read to 0x... of 8 bytes by task 12 on cpu 1:", with the variants
# report.c prints: read-write, (marked), (reordered), assert no writes, and
# the "race at unknown origin, with " prefix of a one-sided report.
ACCESS = re.compile(r"^(?:race at unknown origin, with )?(.+?) to "
                    r"0x[0-9a-f]+ of \d+ bytes by (.+?) on cpu \d+:\s*$")
# " free_pid+0x8a/0x140", also " +-> reordered to: foo+0x1/0x2".
FRAME = re.compile(r"^\s*(?:\|\s*)?(?:\+-> reordered to: )?"
                   r"([A-Za-z_.$][\w.$]*)\+0x([0-9a-f]+)/0x([0-9a-f]+)")


class Access:
    def __init__(self, kind, who):
        self.kind = kind          # "read", "write (marked)", ...
        self.who = who            # "task 12", "interrupt"
        self.frames = []          # [(symbol, offset, size)]
        self.site = None          # [(function, path, line)], innermost first
        self.ours = None          # the (function, path, line) that is ours


class Report:
    def __init__(self, title, first):
        self.title = title        # "data-race in free_pid / pid_nr_ns"
        self.first = first        # index of the title line on the console
        self.last = first         # index of its closing rule
        self.accesses = []
        self.lines = []
        self.ours = False
        self.why = ""             # what placed it in our code, or did not


def clean(line):
    return STAMP.sub("", line.rstrip("\r"))


def parse(lines):
    """The KCSAN reports in console lines, with their accesses and frames."""
    reports, cur, access = [], None, None
    for i, raw in enumerate(lines):
        line = clean(raw)
        m = TITLE.search(line)
        if m:
            cur = Report(m.group(1).strip(), i)
            cur.lines.append(line)
            reports.append(cur)
            access = None
            continue
        if cur is None:
            continue
        cur.lines.append(line)
        cur.last = i
        if RULE.match(line) or len(cur.lines) > 200:
            cur, access = None, None
            continue
        m = ACCESS.match(line)
        if m:
            access = Access(m.group(1), m.group(2))
            cur.accesses.append(access)
            continue
        m = FRAME.match(line)
        if m and access is not None:
            access.frames.append((m.group(1), int(m.group(2), 16),
                                  int(m.group(3), 16)))
        elif not line.strip() or line.startswith("value changed") \
                or line.startswith("Reported by"):
            access = None
    return reports


def report_lines(reports):
    """Console line indices that belong to KCSAN reports (the rule above
    each title too), so that the generic splat scan can leave them out."""
    out = set()
    for r in reports:
        out.update(range(max(0, r.first - 1), r.last + 1))
    return out


# ------------------------------------------------------------ our code --

def function_spans(lines):
    """[(first, last)] 0-based line spans of the top-level function bodies
    of a C file in kernel style: a body opens with "{" in column 0 and closes
    with "}" in column 0; its signature is the run of lines just above."""
    spans, start = [], None
    for i, line in enumerate(lines):
        if line.startswith("{"):
            start = i
            while start > 0:
                prev = lines[start - 1].rstrip()
                if (not prev or prev.startswith(("}", "#", "/*", " *"))
                        or prev.endswith((";", "*/"))):
                    break
                start -= 1
        elif line.startswith("}") and start is not None:
            spans.append((start, i))
            start = None
    return spans


def changed_lines(base, ours):
    """0-based lines of ours that differ from base (a deletion marks the
    lines on both sides of the gap)."""
    out = set()
    sm = difflib.SequenceMatcher(None, base, ours, autojunk=False)
    for tag, _, _, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        if j1 == j2:
            out.update(x for x in (j1 - 1, j1) if 0 <= x < len(ours))
        else:
            out.update(range(j1, j2))
    return out


class OurCode:
    """The files we own, and the lines of patched files that a patch
    changed, widened to the whole function around each change: a race on an
    unchanged line of a function we rewrote is still ours to explain."""

    def __init__(self, owned=(), changed=None):
        self.owned = set(owned)
        self.changed = changed or {}   # path: set of 1-based lines

    @classmethod
    def from_trees(cls, base, tree, owned, patched):
        """owned and patched are tree-relative paths; base and tree the
        pristine and the assembled source."""
        changed = {}
        for rel in sorted(set(patched) - set(owned)):
            try:
                with open(os.path.join(tree, rel), errors="replace") as f:
                    ours = f.read().splitlines()
            except OSError:
                continue
            try:
                with open(os.path.join(base, rel), errors="replace") as f:
                    theirs = f.read().splitlines()
            except OSError:
                theirs = []
            lines = changed_lines(theirs, ours)
            for first, last in function_spans(ours):
                if any(first <= x <= last for x in lines):
                    lines.update(range(first, last + 1))
            changed[rel] = {x + 1 for x in lines}
        return cls(owned, changed)

    def contains(self, path, line):
        return path in self.owned or line in self.changed.get(path, ())


# ------------------------------------------------------------- placing --

class Vmlinux:
    """Symbols and line tables of the kernel that ran."""

    def __init__(self, path, tree, objdir):
        self.path, self.tree, self.objdir = path, tree, objdir
        self.symbols = {}
        out = subprocess.run(["nm", "-S", path], capture_output=True,
                             text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 4 and parts[2] in "tTwW":
                self.symbols.setdefault(parts[3], []).append(
                    (int(parts[0], 16), int(parts[1], 16)))

    def address(self, symbol, offset, size):
        """The address of a frame, or None when the symbol is unknown.  Of
        several static functions with the name, the one of that size."""
        cands = self.symbols.get(symbol, [])
        sized = [a for a, s in cands if s == size] or [a for a, _ in cands]
        return sized[0] + offset if len(sized) == 1 else None

    def relative(self, path):
        if not os.path.isabs(path):
            for root in (self.objdir, self.tree):
                cand = os.path.normpath(os.path.join(root, path))
                if os.path.exists(cand):
                    path = cand
                    break
        path = os.path.normpath(path)
        if path.startswith(self.tree + os.sep):
            return path[len(self.tree) + 1:]
        return path

    def sites(self, addresses):
        """{address: [(function, path, line)]}, innermost inline first."""
        if not addresses:
            return {}
        # A stack frame holds a return address; the access is the call
        # before it, hence the -1.
        out = subprocess.run(["addr2line", "-a", "-f", "-i", "-e", self.path]
                             + [f"{a - 1:#x}" for a in addresses],
                             capture_output=True, text=True).stdout
        found, cur = {}, None
        lines = out.splitlines()
        i = 0
        while i < len(lines):
            if lines[i].startswith("0x"):
                cur = int(lines[i], 16) + 1
                found[cur] = []
                i += 1
                continue
            if cur is None or i + 1 >= len(lines):
                break
            func, where = lines[i], lines[i + 1]
            path, _, line = where.rpartition(":")
            line = re.match(r"\d+", line)
            if path and path != "??" and line:
                found[cur].append((func, self.relative(path),
                                   int(line.group(0))))
            i += 2
        return found


def classify(reports, vmlinux, ours):
    """Mark each report ours or not (see the module's docstring)."""
    wanted = {}
    for r in reports:
        for a in r.accesses:
            if a.frames:
                addr = vmlinux.address(*a.frames[0])
                if addr is not None:
                    wanted[a] = addr
    sites = vmlinux.sites(sorted(set(wanted.values())))
    for r in reports:
        unplaced = []
        for a in r.accesses:
            a.site = sites.get(wanted.get(a), [])
            if not a.site:
                unplaced.append(a.frames[0][0] if a.frames else "?")
                continue
            for place in a.site:
                if ours.contains(place[1], place[2]):
                    a.ours = place
                    break
        hits = [a for a in r.accesses if a.ours]
        if hits:
            r.ours = True
            r.why = "; ".join(f"{a.ours[0]} at {a.ours[1]}:{a.ours[2]}"
                              for a in hits)
        elif unplaced or not r.accesses:
            r.ours = True
            r.why = ("could not place " + ", ".join(unplaced)
                     if unplaced else "no access stack in the report")
    return reports


def describe(access):
    """"read free_pid kernel/pid.c:245 (in alloc_pid kernel/pid.c:200)"."""
    if not access.site:
        name = access.frames[0][0] if access.frames else "?"
        return f"{access.kind:<14} {name} (not placed)"
    func, path, line = access.site[0]
    text = f"{access.kind:<14} {func} {path}:{line}"
    if len(access.site) > 1:
        outer = access.site[-1]
        text += f" (inlined in {outer[0]} {outer[1]}:{outer[2]})"
    return text
