"""Parse the guest's result stream into test cases.

The guest runner (harness/guest/run-tests) wraps the output of every test
program in two marker lines:

    ### BEGIN <suite>/<program>
    ... whatever the program printed (TAP from kselftest, or nothing) ...
    ### END <suite>/<program> rc=<exit status>

A program that prints TAP results is counted case by case; one that prints
none (several proc tests only exit 0, 1 or 4) counts as one case judged by
its exit status, with kselftest's convention that 4 means skipped.  A
program that dies part-way (a crash, a timeout, a plan it did not finish)
adds one failed case that says so, so that nothing is lost silently.

This module only parses; it knows nothing of QEMU or of expected failures.
"""

import re
from dataclasses import dataclass, field

PASS, FAIL, SKIP = "pass", "fail", "skip"

KSFT_SKIP = 4
TIMEOUT_RC = 137  # busybox timeout -s KILL

_BEGIN = re.compile(r"^### BEGIN (\S+)$")
_END = re.compile(r"^### END (\S+) rc=(-?\d+)$")
_RESULT = re.compile(r"^(not ok|ok)\s+(\d+)\s*-?\s*(.*?)\s*(?:#\s*(SKIP|XFAIL|TODO)\b\s*(.*))?$",
                     re.IGNORECASE)
_PLAN = re.compile(r"^1\.\.(\d+)")


@dataclass
class Case:
    program: str    # "<suite>/<program>"
    name: str       # TAP test name, or the program's own name
    status: str     # PASS, FAIL or SKIP
    reason: str = ""
    output: list = field(default_factory=list)  # lines printed before it

    @property
    def id(self):
        return f"{self.program}:{self.name}"


@dataclass
class Program:
    name: str
    rc: int = None
    output: list = field(default_factory=list)
    cases: list = field(default_factory=list)


def _case_name(program, text):
    # kselftest_harness prints "global.name"; plain kselftest often
    # prints a sentence.  Keep the text as it is, trimmed of spaces.
    return text.strip() or program.rsplit("/", 1)[-1]


def parse_program(program, lines, rc):
    """Turn one program's output and exit status into a Program."""
    prog = Program(program, rc, list(lines))
    plan = None
    since = []      # the lines since the last result: the next case's story
    for line in lines:
        line = line.rstrip("\r")
        m = _PLAN.match(line)
        if m and plan is None:
            plan = int(m.group(1))
            continue
        m = _RESULT.match(line)
        if not m:
            since.append(line)
            continue
        ok, _num, text, directive, why = m.groups()
        name = _case_name(program, text)
        directive = (directive or "").upper()
        if directive == "SKIP":
            status = SKIP
        elif ok == "ok" or directive in ("XFAIL", "TODO"):
            status = PASS
        else:
            status = FAIL
        prog.cases.append(Case(program, name, status, (why or "").strip(),
                               since))
        since = []

    short = program.rsplit("/", 1)[-1]
    if not prog.cases:
        if rc == 0:
            prog.cases.append(Case(program, short, PASS))
        elif rc == KSFT_SKIP:
            prog.cases.append(Case(program, short, SKIP, "exit status 4"))
        else:
            prog.cases.append(Case(program, short, FAIL, _died(rc), since))
        return prog

    seen_fail = any(c.status == FAIL for c in prog.cases)
    if rc is None:
        prog.cases.append(Case(program, f"{short} (did not finish)", FAIL,
                               "no END marker: the guest stopped during it",
                               since))
    elif plan is not None and len(prog.cases) < plan:
        prog.cases.append(Case(program, f"{short} (incomplete)", FAIL,
                               f"{len(prog.cases)} of {plan} results, "
                               f"{_died(rc)}", since))
    elif rc not in (0, KSFT_SKIP) and not seen_fail:
        prog.cases.append(Case(program, f"{short} (exit status)", FAIL,
                               _died(rc), since))
    return prog


def _died(rc):
    if rc is None:
        return "did not finish"
    if rc == TIMEOUT_RC:
        return "killed by the per-program timeout"
    return f"exit status {rc}"


def parse_stream(text):
    """Split the guest's result stream into Programs, in order."""
    programs = []
    current, lines = None, []
    for line in text.splitlines():
        line = line.rstrip("\r")
        m = _BEGIN.match(line)
        if m:
            if current:
                programs.append(parse_program(current, lines, None))
            current, lines = m.group(1), []
            continue
        m = _END.match(line)
        if m and current == m.group(1):
            programs.append(parse_program(current, lines, int(m.group(2))))
            current, lines = None, []
            continue
        if current:
            lines.append(line)
    if current:
        programs.append(parse_program(current, lines, None))
    return programs


def case_durations(timed_lines):
    """{case id: seconds} from the result stream's lines with the time each
    arrived, [(seconds, line)].  A case lasts from the previous result of
    its program (or the program's BEGIN) to its own result line; the
    precision is that of the arrival times.
    """
    out = {}
    current, since = None, None
    for t, line in timed_lines:
        line = line.rstrip("\r")
        m = _BEGIN.match(line)
        if m:
            current, since = m.group(1), t
            continue
        if _END.match(line):
            current = None
            continue
        m = _RESULT.match(line)
        if current and m:
            out[f"{current}:{_case_name(current, m.group(3))}"] = t - since
            since = t
    return out
