#!/usr/bin/env python3
"""make users-build: every user of what the series changes, built with
allmodconfig.

`make check` builds the guest's small config; a maintainer's robot builds
allmodconfig on many architectures.  This finds every .c file of the base
that uses a name whose definition the series changes, adds or removes, and
compiles each of them on the tree after the series.

The names, mechanically.  The headers are include/linux/pid.h,
include/linux/pid_namespace.h and every other header the series changes
(an owned file or a patch, under include/).  Each is parsed in its base
version and in its version after the series, comments and layout aside:

  macros            `#define NAME ...`: the parameters and the body
  functions         prototypes (types only: `extern` and parameter names
                    do not count) and static inlines (the whole body)
  variables         `extern T name;`
  enum constants    the enum's text up to and including the constant, so
                    that one inserted before it changes its value
  typedefs          the typedef
  structs, unions   the tag, its body, and its fields (nested anonymous
                    structs and unions included)

A name counts, by the strongest of these:

  removed, changed, added   its definitions in the header differ between
      the two versions (added: a base file that has a name of its own by
      that spelling collides with it).  Every field of a struct or union
      whose body changed counts, in either version (its layout is not the
      base's).  An #include the series drops counts when the header it
      named is no longer reached from the new version (its unconditional
      include closure): then that header's names count as removed.
  body    a function or variable the headers declare whose definition in a
      .c file the series touches changes (put_pid() in kernel/pid.c).
  owned   any other name of a header the series carries whole as an owned
      file (harness/owned-commits: pid.h, pid_namespace.h).

Any other name does not count.

The users.  A .c file of the base (any architecture, not tools/, scripts/,
samples/ or Documentation/), comments and strings left out, uses:

  a macro, function, variable, enum constant or typedef: by the word;
  a struct tag: when it uses the struct by value (`struct S x`, `sizeof
      (struct S)`, `container_of(p, struct S, m)`), not through a pointer;
  a field f of struct S: `->f` or `.f`, in a file that also names `struct
      S` or uses a function of these headers that returns one (pid_task(),
      ns_of_pid(), ...) or a macro whose body names it (NETLINK_CB()):
      field names such as `count` or `level` are everywhere else.

The .c files the series patches are users too.

The build.  The tree after the series is made in build/users-build/src, a
hard-linked copy of the pristine base (build/stock/src, never written)
with every file the series touches replaced by a file of its own, by the
same steps as `make check` assembles build/ours/src (which this leaves
alone).  x86_64 allmodconfig in build/users-build/x86_64 (CC="ccache
gcc"), `make prepare`, then one `make -k -Otarget` with every user's .o
as a target, but those its directory's Makefile leaves out of the config
(`obj-$(CONFIG_X) += x.o`, CONFIG_X not set: kbuild would compile a file
asked for by name even so).  A file whose .o is there afterwards built;
one make names in an Error line failed; one make did nothing for (its
directory is not in the config) or had no rule for is skipped.  A .c
file that another #includes (kernel/sched/*.c) is compiled as part of
it when no Makefile names its own .o.  Files under arch/A/, A not x86,
are compiled the same way for A with Debian's cross compiler
(series_check.CROSS) in build/users-build/cross-A, with CROSS_CONFIG[A];
an architecture without one is listed as not built.  Files that fail are
compiled again on the base tree (build/stock/src, same config, in
build/users-build/base-*): a failure counts unless the base has every
error it has (then it is upstream's, or kbuild compiled a file the
config does not build).  Removed EXPORT_SYMBOLs are listed apart: a
module using one fails at modpost, which single objects do not reach.

    harness/users_build.py [--list] [--no-cross] [--no-base]

--list prints the names and the users, and compiles nothing (seconds).
The report is out/users-build.md; its last line is
`users build (allmodconfig): N files, M failed` (N compiled, skipped ones
not counted); the exit status is non-zero when M > 0.
"""

import argparse
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
BUILD = os.path.join(REPO, "build")
OUT = os.path.join(REPO, "out")
REPORT = os.path.join(OUT, "users-build.md")
STOCK = os.path.join(BUILD, "stock", "src")
WORK = os.path.join(BUILD, "users-build")
SRC = os.path.join(WORK, "src")
LOGS = os.path.join(WORK, "logs")

# Not kernel objects: user-space tools, host scripts, examples, docs.
EXCLUDED = ("tools/", "scripts/", "samples/", "Documentation/")

# The config of each architecture's build.  x86_64 is the robot's
# allmodconfig; so are the cross builds (series_check.CROSS's defconfig is
# the smallest that builds the files the series itself touches, which
# would leave most users of another arch unbuilt).
X86_CONFIG = "allmodconfig"
CROSS_CONFIG = {"powerpc": "allmodconfig"}

# Where <...> includes are looked up, for the include closure of a header
# (x86's view; the closure only decides whether a dropped include is
# still reached).
INCLUDE_DIRS = ("include", "arch/x86/include", "arch/x86/include/uapi",
                "include/uapi")


# ------------------------------------------------------ C text, pure --

_COMMENT_OR_LITERAL = re.compile(
    r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'',
    re.S)


def strip_comments(text, literals=False):
    """text without its comments (each kept as its newlines, so that line
    numbers stay); with literals, string and character literals are
    blanked too ("" and '')."""
    def repl(m):
        s = m.group(0)
        if s.startswith("/"):
            return "\n" * s.count("\n") or " "
        if literals:
            return '""' if s.startswith('"') else "''"
        return s
    return _COMMENT_OR_LITERAL.sub(repl, text)


_TOKEN = re.compile(r"[A-Za-z_]\w*|\d[\w.]*|->|\.\.\.|<<|>>|\S")
_IDENT = re.compile(r"^[A-Za-z_]\w*$")
_DIRECTIVE = re.compile(r"^[ \t]*#[ \t]*(\w+)(.*)$", re.M)
_INCLUDE = re.compile(r'^\s*[<"]([^>"]+)[>"]')
# C words that are part of a type, never a parameter's name.
_TYPE_WORDS = {"void", "char", "short", "int", "long", "float", "double",
               "signed", "unsigned", "bool", "_Bool", "const", "volatile",
               "struct", "union", "enum", "restrict", "__restrict"}
_STORAGE = {"extern", "static", "inline", "__always_inline", "__inline",
            "__inline__", "noinline", "__init", "__exit", "__cold"}


def tokens(text):
    return _TOKEN.findall(text)


def _is_ident(tok):
    return bool(_IDENT.match(tok))


def _groups(toks, sep, start=0, end=None):
    """Split toks[start:end] at the tokens equal to sep that are outside
    (), [] and {} (relative to start)."""
    end = len(toks) if end is None else end
    out, cur, depth = [], [], 0
    for t in toks[start:end]:
        if t in "([{":
            depth += 1
        elif t in ")]}":
            depth -= 1
        if t == sep and depth == 0:
            out.append(cur)
            cur = []
        else:
            cur.append(t)
    if cur:
        out.append(cur)
    return out


def _match(toks, i):
    """Index of the bracket closing the one at toks[i]."""
    pair = {"(": ")", "[": "]", "{": "}"}[toks[i]]
    depth = 0
    for j in range(i, len(toks)):
        if toks[j] == toks[i]:
            depth += 1
        elif toks[j] == pair:
            depth -= 1
            if depth == 0:
                return j
    return len(toks) - 1


def _drop_attributes(toks):
    """toks without __attribute__((...)) and __foo(...) annotations."""
    out, i = [], 0
    while i < len(toks):
        t = toks[i]
        if t.startswith("__") and i + 1 < len(toks) and toks[i + 1] == "(":
            i = _match(toks, i + 1) + 1
            continue
        out.append(t)
        i += 1
    return out


def _declarator_name(toks):
    """The name a declarator declares: `(*name)(...)` for a function
    pointer, else the last identifier once [...], : bits, = value and
    annotations are gone."""
    toks = _drop_attributes(toks)
    for i in range(len(toks) - 2):
        if toks[i] == "(" and toks[i + 1] == "*" and _is_ident(toks[i + 2]):
            return toks[i + 2]
    cut = len(toks)
    depth = 0
    for i, t in enumerate(toks):
        if t in "([{":
            if t == "[" and depth == 0:
                cut = min(cut, i)
            depth += 1
        elif t in ")]}":
            depth -= 1
        elif t in ("=", ":") and depth == 0:
            cut = min(cut, i)
    names = [t for t in toks[:cut] if _is_ident(t) and t not in _TYPE_WORDS]
    return names[-1] if names else None


def struct_fields(body):
    """The field names of a struct or union body (tokens between its
    braces), those of nested anonymous structs and unions included."""
    fields = []
    for member in _groups(body, ";"):
        if "{" in member:
            i = member.index("{")
            j = _match(member, i)
            fields += struct_fields(member[i + 1:j])
            rest = member[j + 1:]
            for decl in _groups(rest, ","):
                name = _declarator_name(decl)
                if name:
                    fields.append(name)
            continue
        for k, decl in enumerate(_groups(member, ",")):
            if k and not any(_is_ident(t) for t in decl):
                continue
            name = _declarator_name(decl)
            if name:
                fields.append(name)
    return fields


def _param_types(params):
    """A prototype's parameter list without the parameters' names."""
    out = []
    for p in _groups(params, ","):
        p = _drop_attributes(p)
        if len(p) >= 2 and _is_ident(p[-1]) and p[-1] not in _TYPE_WORDS \
                and p[-2] not in ("struct", "union", "enum") and \
                (p[-2] == "*" or _is_ident(p[-2])):
            p = p[:-1]
        out.append(" ".join(p))
    return "(" + ", ".join(out) + ")"


class Header:
    """What a header defines: {name: [(kind, definition)]} in order, the
    structs and unions {tag: (definition, [fields])}, what its functions
    return and its macros expand to ({name: text}, for field contexts),
    and its #includes."""

    def __init__(self, text):
        self.defs = collections.OrderedDict()
        self.structs = collections.OrderedDict()
        self.returns = {}
        self.includes = []
        text = strip_comments(text).replace("\\\n", " ")
        code = []
        guard = None
        for line in text.split("\n"):
            m = _DIRECTIVE.match(line)
            if not m:
                code.append(line)
                continue
            code.append("")
            word, rest = m.group(1), m.group(2)
            if word == "ifndef" and guard is None:
                guard = rest.strip()
            if word == "define":
                d = re.match(r"^\s+([A-Za-z_]\w*)(\([^)]*\))?(.*)$", rest)
                if d and d.group(1) == guard and not d.group(3).strip():
                    guard = ""      # the include guard: not a name
                elif d:
                    params = re.sub(r"\s+", "", d.group(2) or "")
                    body = " ".join(tokens(d.group(3)))
                    self._add(d.group(1), "macro", f"{params} {body}")
                    self.returns[d.group(1)] = body
            elif word == "include":
                i = _INCLUDE.match(rest)
                if i:
                    self.includes.append(i.group(1))
        self._parse(tokens("\n".join(code)))

    def _add(self, name, kind, definition):
        self.defs.setdefault(name, []).append((kind, definition))

    def _parse(self, toks):
        start, depth, i = 0, 0, 0
        while i < len(toks):
            t = toks[i]
            if t in "([{":
                depth += 1
            elif t in ")]}":
                depth -= 1
                if depth == 0 and t == "}" and self._is_function(
                        toks[start:i + 1]):
                    self._statement(toks[start:i + 1])
                    start = i + 1
            elif t == ";" and depth == 0:
                self._statement(toks[start:i])
                start = i + 1
            i += 1

    @staticmethod
    def _is_function(stmt):
        """A function definition: `... name(params) {`, no `=` before."""
        if "{" not in stmt:
            return False
        head = stmt[:stmt.index("{")]
        return bool(head) and head[-1] == ")" and "=" not in head and \
            not any(t in ("struct", "union", "enum") and k + 2 < len(head)
                    and head[k + 2] == "{" for k, t in enumerate(head))

    def _structs(self, stmt):
        """Record the struct, union and enum definitions at the top of a
        statement; return the statement with their bodies taken out."""
        out, i = [], 0
        while i < len(stmt):
            t = stmt[i]
            if t in ("struct", "union", "enum"):
                j = i + 1
                tag = None
                if j < len(stmt) and _is_ident(stmt[j]) and \
                        not stmt[j].startswith("__"):
                    tag = stmt[j]
                    j += 1
                while j < len(stmt) and stmt[j].startswith("__") and \
                        _is_ident(stmt[j]):
                    j += 1
                if j < len(stmt) and stmt[j] == "{":
                    k = _match(stmt, j)
                    body = stmt[j + 1:k]
                    if t == "enum":
                        self._enum(body)
                    elif tag:
                        self.structs[tag] = (f"{t} " + " ".join(body),
                                             struct_fields(body))
                    out += [t] + ([tag] if tag else []) + ["{}"]
                    i = k + 1
                    continue
            if t in "([{":
                k = _match(stmt, i)
                out += stmt[i:k + 1]
                i = k + 1
                continue
            out.append(t)
            i += 1
        return out

    def _enum(self, body):
        seen = []
        for entry in _groups(body, ","):
            if not entry or not _is_ident(entry[0]):
                continue
            seen.append(" ".join(entry))
            self._add(entry[0], "enum", ", ".join(seen))

    def _statement(self, stmt):
        if not stmt:
            return
        if stmt[0] == "typedef":
            rest = self._structs(stmt[1:])
            name = _declarator_name(rest)
            if name:
                self._add(name, "typedef", " ".join(rest))
            return
        is_def = self._is_function(stmt)
        if is_def:
            head = stmt[:stmt.index("{")]
        else:
            head = self._structs(stmt)
        # A function: an identifier then ( at the top, not a macro's call
        # (NAME(...) first, or in capitals) nor an annotation (__foo(...)).
        plain = _drop_attributes(head)
        depth = 0
        for k in range(len(plain)):
            if plain[k] == "=" and depth == 0:
                break           # an initializer: a variable
            if plain[k] in "([{":
                depth += 1
            elif plain[k] in ")]}":
                depth -= 1
            if k and plain[k] == "(" and depth == 1 and \
                    _is_ident(plain[k - 1]):
                name = plain[k - 1]
                if plain[k + 1:k + 2] == ["*"] or name in _TYPE_WORDS:
                    break       # a function pointer: int (*f)(void);
                if k - 1 == 0 or re.match(r"^[A-Z0-9_]+$", name):
                    return      # a macro's call: EXPORT_SYMBOL(x);
                ret = [x for x in plain[:k - 1] if x not in _STORAGE]
                close = _match(plain, k)
                if is_def:
                    self._add(name, "function", " ".join(
                        x for x in stmt if x not in ("extern",)))
                else:
                    self._add(name, "function", " ".join(ret + [name]) +
                              _param_types(plain[k + 1:close]))
                self.returns[name] = " ".join(ret)
                return
        if is_def:
            return
        # Variables: extern T a, b;  (and struct S {...} x;)
        if not any(_is_ident(x) for x in head):
            return
        # struct S {...} __randomize_layout;: an annotation, not a name.
        head = [x for k, x in enumerate(head)
                if not (k and head[k - 1] == "{}" and x.startswith("__"))]
        decls = _groups(head, ",")
        first = decls[0]
        kw = [x for x in first if x not in _STORAGE]
        if len(kw) >= 2 and kw[0] in ("struct", "union", "enum") and \
                len(kw) == 2 + (kw[2:3] == ["{}"]):
            return              # struct S; (a declaration) or struct S {...};
        for n, decl in enumerate(decls):
            name = _declarator_name(decl)
            if not name or (n == 0 and len(_drop_attributes(decl)) < 2):
                continue
            typ = [x for x in first if x not in _STORAGE and x != name]
            self._add(name, "variable", " ".join(typ) + " | " +
                      " ".join(x for x in decl if x != "extern"))


Name = collections.namedtuple("Name", "name kind change header struct note")
Name.__new__.__defaults__ = (None, None)

# The kinds of change, strongest first: a definition the series removes,
# changes or adds in a header, a function's (or variable's) definition it
# changes in a .c file, and a name of a header the series carries whole.
CHANGES = ("removed", "changed", "added", "body", "owned")


def diff_names(header, old, new, lost=()):
    """The names of header (a path) whose definition differs between its
    base text old and its text after the series new (None: the file is
    not there), as [Name].  lost: [(include, text)] of the headers an
    #include of old named that new no longer reaches; their names count
    as removed."""
    a, b = Header(old or ""), Header(new or "")
    out = []
    for name in list(a.defs) + [n for n in b.defs if n not in a.defs]:
        da, db = a.defs.get(name), b.defs.get(name)
        if da == db:
            continue
        change = "removed" if db is None else "added" if da is None \
            else "changed"
        out.append(Name(name, (db or da)[0][0], change, header))
    for tag in list(a.structs) + [t for t in b.structs
                                  if t not in a.structs]:
        sa, sb = a.structs.get(tag), b.structs.get(tag)
        if sa is not None and sb is not None and sa[0] == sb[0]:
            continue
        change = "removed" if sb is None else "added" if sa is None \
            else "changed"
        out.append(Name(tag, "struct", change, header))
        fa, fb = (sa or ("", []))[1], (sb or ("", []))[1]
        for f in fa + [f for f in fb if f not in fa]:
            fchange = "removed" if f not in fb else "added" if f not in fa \
                else "changed"
            out.append(Name(f, "field", fchange, header, tag))
    for inc, text in lost:
        h = Header(text)
        for name, defs in h.defs.items():
            out.append(Name(name, defs[0][0], "removed", header,
                            note=f"#include <{inc}> dropped"))
        for tag in h.structs:
            out.append(Name(tag, "struct", "removed", header,
                            note=f"#include <{inc}> dropped"))
    return out


def field_contexts(headers, structs):
    """{struct tag: {names}}: the words that show a file works with that
    struct: `struct TAG` itself (matched apart), and the functions of
    these headers that return one and the macros whose body names it.
    headers: [Header], base and series versions."""
    out = {s: set() for s in structs}
    for h in headers:
        for name, text in h.returns.items():
            for s in structs:
                if re.search(rf"\bstruct {re.escape(s)}\b", text) or \
                        re.search(rf"\bunion {re.escape(s)}\b", text):
                    out[s].add(name)
    return out


def _word_re(words):
    words = sorted(set(words), key=lambda w: (-len(w), w))
    if not words:
        return None
    return re.compile(r"(?<![\w$])(?:" + "|".join(map(re.escape, words))
                      + r")(?![\w$])")


class Matcher:
    """Which of the names a .c file's text uses, by the rules above."""

    def __init__(self, names, contexts):
        self.names = names
        self.words = {}
        self.fields = collections.defaultdict(set)     # struct: {field}
        self.tags = set()
        for n in names:
            if n.kind == "field":
                self.fields[n.struct].add(n.name)
            elif n.kind == "struct":
                self.tags.add(n.name)
            else:
                self.words.setdefault(n.name, []).append(n)
        self.contexts = contexts
        self.word_re = _word_re(self.words)

    def grep_terms(self):
        """Words one of which a user's text must have (for a fast
        prefilter): the names, the struct tags and the field contexts."""
        terms = set(self.words) | self.tags | set(self.fields)
        for s in self.fields:
            terms |= self.contexts.get(s, set())
        return sorted(terms)

    def uses(self, text):
        """[Name] that text (a .c file) uses."""
        code = strip_comments(text, literals=True)
        code = re.sub(r"^[ \t]*#[ \t]*include\b.*$", "", code, flags=re.M)
        used = []
        if self.word_re:
            for w in sorted(set(self.word_re.findall(code))):
                used += self.words[w]
        for tag in sorted(self.tags):
            if re.search(rf"\b(?:struct|union)\s+{re.escape(tag)}\b"
                         r"(?!\s*[*;{])", code):
                used += [n for n in self.names
                         if n.kind == "struct" and n.name == tag]
        for tag in sorted(self.fields):
            ctx = self.contexts.get(tag, set())
            if not (re.search(rf"\b(?:struct|union)\s+{re.escape(tag)}\b",
                              code) or (ctx and _word_re(ctx).search(code))):
                continue
            access = re.findall(r"(?:->|\.)\s*([A-Za-z_]\w*)", code)
            have = set(access) & self.fields[tag]
            used += [n for n in self.names if n.kind == "field" and
                     n.struct == tag and n.name in have]
        return used


# ------------------------------------------------- include closure, pure --

def resolve_include(inc, including, exists):
    """The tree path of an #include's file, as seen from the header
    including; exists(path) says whether the tree has it."""
    for d in INCLUDE_DIRS:
        p = os.path.normpath(os.path.join(d, inc))
        if exists(p):
            return p
    p = os.path.normpath(os.path.join(os.path.dirname(including), inc))
    if exists(p):
        return p
    if inc.startswith("asm/"):
        p = os.path.join("include/asm-generic", inc[4:])
        if exists(p):
            return p
    return None


def include_closure(start, read, exists):
    """Every header reached from start by its #include lines, whatever the
    #if around them; read(path) gives a file's text."""
    seen, todo = set(), [start]
    while todo:
        h = todo.pop()
        if h in seen:
            continue
        seen.add(h)
        text = read(h)
        if text is None:
            continue
        for inc in re.findall(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]', text,
                              re.M):
            p = resolve_include(inc, h, exists)
            if p and p not in seen:
                todo.append(p)
    return seen


# --------------------------------------------------------- the series --

class Tree:
    """The tree after the series as files: those of stage (the files the
    series touches, as it leaves them) over the base."""

    def __init__(self, base, stage, touched):
        self.base, self.stage, self.touched = base, stage, set(touched)

    def path(self, rel):
        if rel in self.touched:
            p = os.path.join(self.stage, rel)
            return p if os.path.isfile(p) else None
        p = os.path.join(self.base, rel)
        return p if os.path.isfile(p) else None

    def exists(self, rel):
        return self.path(rel) is not None

    def read(self, rel):
        p = self.path(rel)
        if p is None:
            return None
        with open(p, errors="replace") as f:
            return f.read()


def base_tree(base):
    return Tree(base, base, ())


def stage_series(pidns, stage):
    """Go down patches/series over the base versions of the files it
    touches, in stage, as make check's assemble does (pidns.stage_steps()),
    and check that it ends at the owned files; return the files the
    series touches."""
    owned = pidns.owned_files()
    steps = pidns.series_steps()
    touched = pidns.series.touched(steps)
    pidns.stage_steps(steps, stage, touched, os.path.join(LOGS, "stage.log"))
    pidns.series.check_end(REPO, stage, owned, steps, pidns.PhaseError)
    return touched


def series_headers(touched):
    """The headers whose names count: pid.h, pid_namespace.h and every
    header under include/ the series touches."""
    return sorted({"include/linux/pid.h", "include/linux/pid_namespace.h"}
                  | {f for f in touched
                     if f.startswith("include/") and f.endswith(".h")})


def changed_names(old_tree, new_tree, headers, owned=(), sources=()):
    """([Name], {struct: {context names}}) of the headers between the
    two trees.  owned: the headers the series carries whole (every name
    they define counts); sources: the .c files the series touches (a name
    the headers declare whose definition there changes counts)."""
    names, parsed = [], []
    for h in headers:
        old, new = old_tree.read(h), new_tree.read(h)
        lost = []
        if old is not None:
            dropped = set(Header(old).includes) - \
                set(Header(new or "").includes)
            if dropped:
                reach = include_closure(h, new_tree.read, new_tree.exists) \
                    if new is not None else set()
                for inc in sorted(dropped):
                    p = resolve_include(inc, h, old_tree.exists)
                    if p and p not in reach:
                        lost.append((inc, old_tree.read(p)))
        names += diff_names(h, old, new, lost)
        parsed.append((h, Header(old or ""), Header(new or "")))
    have = {n.name for n in names if n.kind not in ("field", "struct")}
    declared = collections.OrderedDict()
    for h, a, b in parsed:
        for name in list(a.defs) + list(b.defs):
            declared.setdefault(name, (h, (b.defs.get(name) or
                                           a.defs[name])[0][0]))
    for src in sources:
        old, new = old_tree.read(src), new_tree.read(src)
        a, b = Header(old or ""), Header(new or "")
        for name in list(a.defs) + [n for n in b.defs if n not in a.defs]:
            if name in declared and name not in have and \
                    a.defs.get(name) != b.defs.get(name):
                h, kind = declared[name]
                names.append(Name(name, kind, "body", h,
                                  note=f"defined in {src}"))
                have.add(name)
    for h, a, b in parsed:
        if h not in owned:
            continue
        for name in list(a.defs) + list(b.defs):
            if name not in have:
                kind = (b.defs.get(name) or a.defs[name])[0][0]
                names.append(Name(name, kind, "owned", h))
                have.add(name)
    structs = {n.struct for n in names if n.kind == "field"}
    headers_parsed = [x for _, a, b in parsed for x in (a, b)]
    return names, field_contexts(headers_parsed, structs)


def removed_exports(old_tree, new_tree, sources):
    """[(symbol, file)] of the EXPORT_SYMBOL*s the series takes away from
    the .c files it touches: a module using one fails at modpost, which a
    compile of its .o does not reach."""
    out = []
    pat = re.compile(r"^\s*EXPORT_SYMBOL\w*\(\s*(\w+)", re.M)
    for src in sources:
        old = set(pat.findall(strip_comments(old_tree.read(src) or "")))
        new = set(pat.findall(strip_comments(new_tree.read(src) or "")))
        out += [(sym, src) for sym in sorted(old - new)]
    return out


def named_in_makefile(tree, f):
    """Does the Makefile (or Kbuild) of f's directory name its .o?"""
    obj = os.path.basename(f)[:-2] + ".o"
    d = os.path.join(tree, os.path.dirname(f))
    for mk in ("Makefile", "Kbuild"):
        try:
            with open(os.path.join(d, mk), errors="replace") as fh:
                if re.search(rf"(?<![\w-]){re.escape(obj)}(?![\w-])",
                             fh.read()):
                    return True
        except OSError:
            pass
    return False


def includers(tree, files):
    """{file: [the .c files that #include it "by name", followed to those
    nobody includes]}, for the files of files that are compiled as part
    of another (kernel/sched/build_policy.c includes rt.c, ...); those
    whose Makefile names their .o first."""
    res = subprocess.run(["grep", "-rnE", r'^\s*#\s*include\s*"[^"]+\.c"',
                          "--include=*.c", "--", *top_dirs(tree)],
                         cwd=tree, capture_output=True, text=True)
    parents = collections.defaultdict(list)
    for line in res.stdout.splitlines():
        m = re.match(r'^([^:]+):\d+:\s*#\s*include\s*"([^"]+\.c)"', line)
        if m:
            inc = os.path.normpath(os.path.join(os.path.dirname(m.group(1)),
                                                m.group(2)))
            if m.group(1) not in parents[inc]:
                parents[inc].append(m.group(1))
    out = {}
    for f in files:
        tops, todo, seen = [], [f], set()
        while todo:
            x = todo.pop(0)
            if x in seen:
                continue
            seen.add(x)
            if x in parents:
                todo += parents[x]
            elif x != f:
                tops.append(x)
        if tops:
            named = [t for t in tops if named_in_makefile(tree, t)]
            out[f] = named + [t for t in tops if t not in named]
    return out


def top_dirs(tree):
    return sorted(d for d in os.listdir(tree)
                  if os.path.isdir(os.path.join(tree, d)) and
                  not d.startswith(".") and d + "/" not in EXCLUDED)


def find_users(matcher, tree=STOCK):
    """{.c file of tree: [Name]} of the files that use the names."""
    terms = matcher.grep_terms()
    if not terms:
        return {}
    with tempfile.NamedTemporaryFile("w", suffix=".terms") as f:
        f.write("\n".join(terms) + "\n")
        f.flush()
        res = subprocess.run(["grep", "-rlwF", "-f", f.name,
                              "--include=*.c", "--", *top_dirs(tree)],
                             cwd=tree, capture_output=True, text=True)
    if res.returncode not in (0, 1):
        raise RuntimeError(f"grep: {res.stderr.strip()}")
    users = {}
    for rel in sorted(res.stdout.split()):
        if rel.startswith(EXCLUDED):
            continue
        with open(os.path.join(tree, rel), errors="replace") as fh:
            used = matcher.uses(fh.read())
        if used:
            users[rel] = used
    return users


def top_of(path):
    """The summary directory of a file: its first two components (its
    first when it sits right under it)."""
    parts = path.split("/")
    return "/".join(parts[:2]) if len(parts) > 2 else parts[0]


def arch_of(path):
    """The architecture other than x86_64 a file is built for, or None:
    arch/A/ for A, and arch/x86/um/ for um (user-mode Linux's x86 half)."""
    if path.startswith("arch/x86/um/"):
        return "um"
    m = re.match(r"^arch/([^/]+)/", path)
    return m.group(1) if m and m.group(1) != "x86" else None


# -------------------------------------------------- kbuild logs, pure --

_STEP = re.compile(r"^  ([A-Z][A-Z0-9_]*(?: \[[A-Z]\])?)\s+(\S+)")
_MAKE_ERROR = re.compile(r"^make(?:\[\d+\])?: \*\*\* \[[^\]]*?:\d+: "
                         r"(\S+?)\] Error \d+")
_NO_RULE = re.compile(r"No rule to make target '([^']+)'")
_DIAG = re.compile(r"^(\S+?):(\d+):(?:\d+:)? (?:fatal )?(error|warning): ")


def parse_build_log(text, targets):
    """{target .o: (status, [its diagnostics])} of a `make -k -Otarget`
    log, status "failed" (make's Error line names it, or no rule), or
    "compiled" (a kbuild step line names it and no error), or None (make
    said nothing of it).  The lines of a target's compile follow its
    kbuild step ("  CC [M]  drivers/x.o") until the next step; make's
    Error lines, which come later, only say which targets failed."""
    wanted = set(targets)
    lines = text.splitlines()
    errors = collections.defaultdict(list)
    stepped, failed, norule = set(), set(), set()
    current = None
    for line in lines:
        m = _STEP.match(line)
        if m:
            current = m.group(2) if m.group(2) in wanted else None
            if current:
                stepped.add(current)
            continue
        m = _MAKE_ERROR.match(line)
        if m:
            t = m.group(1)
            if t.startswith("./"):
                t = t[2:]
            if t in wanted:
                failed.add(t)
            current = None
            continue
        m = _NO_RULE.search(line)
        if m:
            t = m.group(1)
            if t.startswith("./"):
                t = t[2:]
            if t in wanted:
                norule.add(t)
                errors[t].append(line.strip())
            continue
        if current and (_DIAG.match(line) or line.startswith(
                ("In file included from", "cc1: ", "gcc: ",
                 current + ": "))):
            errors[current].append(line.rstrip())
    out = {}
    for t in targets:
        if t in failed or t in norule:
            out[t] = ("failed" if t in failed else "norule", errors[t])
        elif t in stepped:
            out[t] = ("compiled", [])
        else:
            out[t] = (None, [])
    return out


def first_lines(lines, n=4):
    """The first error lines (errors first, then whatever came)."""
    errs = [l for l in lines if re.search(r"(?:fatal )?error: ", l) or
            "No rule" in l]
    return (errs or lines)[:n]


def error_set(lines):
    """The errors of a file's diagnostics, without line numbers, to
    compare a failure with the base's."""
    out = set()
    for l in lines:
        if not re.search(r"\berror\b", l):
            continue
        m = re.match(r"^(\S+?):\d+:(?:\d+:)? (.*)$", l)
        out.add(f"{m.group(1)}: {m.group(2)}" if m else l)
    return out


def classify(results, have_obj):
    """{file: (status, errors)} from parse_build_log()'s {target: ...},
    have_obj(target) telling whether the .o exists: ok, failed, skipped
    (make did nothing for it, or had no rule)."""
    out = {}
    for t, (status, errors) in results.items():
        f = t[:-2] + ".c"
        if status == "failed":
            out[f] = ("failed", errors or ["make: Error (no compiler "
                                           "message in the log)"])
        elif status == "norule":
            out[f] = ("skipped", ["no rule to make " + t])
        elif have_obj(t):
            out[f] = ("ok", [])
        elif status == "compiled":
            out[f] = ("failed", errors or ["no .o after its compile"])
        else:
            out[f] = ("skipped", ["not built: its directory is not in the "
                                  "config"])
    return out


def read_config(dotconfig):
    """{CONFIG_X: value} of a .config."""
    out = {}
    try:
        with open(dotconfig) as f:
            for line in f:
                m = re.match(r"^(CONFIG_\w+)=(.*)$", line.strip())
                if m:
                    out[m.group(1)] = m.group(2)
    except OSError:
        pass
    return out


def makefile_state(makefile_text, obj, config):
    """Does the config build obj (a file name, "x.o") by the Makefile of
    its directory?  ("in" | "out" | "unknown", the deciding line).  Each
    assignment naming obj on its right is in when its left has no
    $(CONFIG_X) and is obj-y/obj-m/lib-y, or all its $(CONFIG_X) are y or
    m; out when one of them is not set.  Any line in: in; else any line
    of another kind (a composite object's, ...): unknown; else out."""
    text = makefile_text.replace("\\\n", " ")
    word = re.compile(rf"(?<![\w./-]){re.escape(obj)}(?![\w-])")
    states = []
    for line in text.splitlines():
        m = re.match(r"^\s*([^#=:+?]+?)\s*(?:\+=|:=|\?=|=)(.*)$", line)
        if not m or not word.search(m.group(2)):
            continue
        lhs = m.group(1)
        refs = re.findall(r"\$\((CONFIG_\w+)\)", lhs)
        if refs:
            on = all(config.get(r) in ("y", "m") for r in refs)
            states.append(("in" if on else "out", line.strip()))
        elif lhs.strip() in ("obj-y", "obj-m", "lib-y"):
            states.append(("in", line.strip()))
        else:
            states.append(("unknown", line.strip()))
    for want in ("in", "unknown", "out"):
        for st, line in states:
            if st == want:
                line = " ".join(line.split())
                return st, line if len(line) <= 80 else line[:77] + "..."
    return "unknown", None


def configured(tree, f, config):
    """makefile_state() of a .c file of tree."""
    d = os.path.join(tree, os.path.dirname(f))
    text = ""
    for mk in ("Makefile", "Kbuild"):
        try:
            with open(os.path.join(d, mk), errors="replace") as fh:
                text += fh.read() + "\n"
        except OSError:
            pass
    return makefile_state(text, os.path.basename(f)[:-2] + ".o", config)


# ------------------------------------------------------------ building --

class Build:
    """One architecture's build of one tree in one object directory."""

    def __init__(self, pidns, arch, src, obj, config, prefix=None):
        self.pidns, self.arch, self.src, self.obj = pidns, arch, src, obj
        self.config, self.prefix = config, prefix
        self.name = os.path.basename(obj)

    def make(self, *targets, log, check=True, extra=()):
        cc = f"ccache {self.prefix}gcc" if self.prefix else "ccache gcc"
        cmd = ["make", "-C", self.src, f"O={self.obj}",
               f"ARCH={self.arch}", f"CC={cc}", "HOSTCC=ccache gcc",
               f"-j{os.cpu_count()}", *extra, *targets]
        if self.prefix:
            cmd.insert(5, f"CROSS_COMPILE={self.prefix}")
        return self.pidns.sh(cmd, log=log, env=self.pidns.KERNEL_ENV,
                             check=check)

    def prepare(self, stamp_extra):
        """The config and `make prepare`.  The object directory is kept
        while the base is the same; the config is made again every time
        (seconds: a Kconfig the series changes gets allmodconfig's values,
        and kconfig rewrites only what changed), and so is prepare
        (seconds when nothing changed)."""
        stamp = os.path.join(self.obj, "users-build.stamp")
        want = f"{self.config} {stamp_extra}"
        log = os.path.join(LOGS, f"{self.name}-prepare.log")
        open(log, "w").close()
        if self.pidns.read_stamp(stamp) != want:
            shutil.rmtree(self.obj, ignore_errors=True)
            os.makedirs(self.obj)
        self.make(self.config, log=log)
        self.make("prepare", log=log)
        self.pidns.write_stamp(stamp, want)

    def compile(self, files, tag):
        """{file: (status, errors)}: every file's .o in one make -k."""
        log = os.path.join(LOGS, f"{self.name}-{tag}.log")
        open(log, "w").close()
        targets = [f[:-2] + ".o" for f in files]
        self.make(*targets, log=log, check=False, extra=("-k", "-Otarget"))
        with open(log, errors="replace") as f:
            results = parse_build_log(f.read(), targets)
        return classify(results, lambda t: os.path.exists(
            os.path.join(self.obj, t))), log


def lay_tree(pidns, stage, touched):
    """build/users-build/src: the base, hard-linked (copied where links
    fail), with every file the series touches (or touched on the run
    before) written as a file of its own: the base's files are never
    written through a link."""
    stamp = os.path.join(WORK, "src.stamp")
    manifest = os.path.join(WORK, "src.manifest")
    base = pidns.read_stamp(os.path.join(BUILD, "stock", "base.stamp"))
    if pidns.read_stamp(stamp) != base or not os.path.isdir(SRC):
        pidns.say("  linking the base into build/users-build/src, once")
        shutil.rmtree(SRC, ignore_errors=True)
        tmp = SRC + ".tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        if pidns.sh(["cp", "-al", STOCK, tmp], check=False):
            shutil.rmtree(tmp, ignore_errors=True)
            pidns.sh(["cp", "-a", STOCK, tmp])
        os.rename(tmp, SRC)
        pidns.write_stamp(stamp, base or "")
        pidns.write_stamp(manifest, "")
    previous = set((pidns.read_stamp(manifest) or "").split())
    changed = 0
    for rel in sorted(set(touched) | previous):
        want = os.path.join(stage, rel) if rel in touched else \
            os.path.join(STOCK, rel)
        live = os.path.join(SRC, rel)
        if not os.path.isfile(want):
            if os.path.lexists(live):
                os.unlink(live)
                changed += 1
            continue
        if os.path.isfile(live) and pidns.same_file(want, live):
            continue
        os.makedirs(os.path.dirname(live), exist_ok=True)
        tmp = live + ".users-build.tmp"
        shutil.copyfile(want, tmp)
        shutil.copymode(want, tmp)
        os.replace(tmp, live)
        changed += 1
    pidns.write_stamp(manifest, "\n".join(sorted(touched)))
    return changed


# -------------------------------------------------------------- report --

def strongest(used, patched=False):
    """The strongest change a user uses ("patched" for a file of the
    series)."""
    if patched:
        return "patched"
    for c in CHANGES:
        if any(n.change == c for n in used):
            return c
    return "owned"


def summary_rows(status):
    """[(dir, files, ok, failed, skipped)] of {file: (status, ...)}."""
    rows = collections.OrderedDict()
    for f in sorted(status):
        r = rows.setdefault(top_of(f), [0, 0, 0, 0])
        r[0] += 1
        r[{"ok": 1, "failed": 2}.get(status[f][0], 3)] += 1
    return [(d, *r) for d, r in rows.items()]


def _used(plan, f):
    names = sorted({(f"{n.struct}." if n.struct else "") + n.name
                    for n in plan["users"].get(f, [])})
    if f in plan["touched"]:
        names.insert(0, "(patched by the series)")
    return ", ".join(names[:10]) + (" ..." if len(names) > 10 else "")


def _via(plan, f):
    v = plan["via"].get(f)
    return f", compiled as part of {v}" if v else ""


def report_text(plan, status, builds, elapsed, base_same):
    """The report (markdown).  status: {file: (status, errors, build)} of
    the counted files; base_same: {file: (errors, build)} of the failures
    the base shares."""
    names = plan["names"]
    built = sorted(f for f, s in status.items() if s[0] in ("ok", "failed"))
    failed = sorted(f for f, s in status.items() if s[0] == "failed")
    skipped = sorted(f for f, s in status.items() if s[0] == "skipped")
    by_change = collections.Counter(n.change for n in names)
    out = ["# make users-build", "",
           f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
           f"{elapsed:.0f}s.", ""]
    out += [f"- {b}" for b in builds]
    out += ["",
            f"{len(names)} names of the series' headers ("
            + ", ".join(f"{by_change[c]} {c}" for c in CHANGES
                        if by_change[c]) + f"); {len(plan['users'])} users: "
            f"{len(built)} compiled, {len(failed)} failed, {len(skipped)} "
            f"skipped, {len(base_same)} failing on the base the same way "
            "(see the module docstring of harness/users_build.py for the "
            "rules).", ""]
    if plan["exports"]:
        out += ["Exports the series removes (modules that use them fail "
                "at modpost, which this does not run):", ""]
        out += [f"- `{sym}` ({src})" for sym, src in plan["exports"]]
        out.append("")
    out += ["| directory | files | ok | failed | skipped |",
            "|---|---|---|---|---|"]
    for d, n, ok, bad, skip in summary_rows(status):
        out.append(f"| {d} | {n} | {ok} | {bad} | {skip} |")
    if failed:
        out += ["", "## Failures", ""]
        for f in failed:
            out.append(f"- `{f}` ({status[f][2]}{_via(plan, f)}; uses "
                       f"{_used(plan, f)})")
            out += [f"      {l}" for l in first_lines(status[f][1])]
    if base_same:
        out += ["", "## Failing on the base the same way (not counted)",
                ""]
        for f in sorted(base_same):
            out.append(f"- `{f}` ({base_same[f][1]}{_via(plan, f)})")
            out += [f"      {l}" for l in first_lines(base_same[f][0], 2)]
    if skipped:
        out += ["", "## Skipped", ""]
        for f in skipped:
            out.append(f"- `{f}` ({status[f][2]}): "
                       f"{'; '.join(status[f][1][:1])}")
    out += ["", "## Names", ""]
    for n in names:
        where = f"{n.struct}." if n.struct else ""
        note = f" ({n.note})" if n.note else ""
        out.append(f"- {n.change} {n.kind} `{where}{n.name}` in "
                   f"{n.header}{note}")
    out += ["", "## Compiled", ""]
    out += [f"- `{f}` {status[f][0]} ({status[f][2]}{_via(plan, f)}): "
            f"{_used(plan, f)}" for f in built]
    out += ["", f"users build (allmodconfig): {len(built)} files, "
            f"{len(failed)} failed"]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------ commands --

def gather(pidns):
    """What to build: {"names", "contexts", "users" ({file: [Name]}),
    "touched", "stage", "exports", "via" ({file: its includer})}."""
    os.makedirs(LOGS, exist_ok=True)
    stage = os.path.join(WORK, "stage")
    touched = stage_series(pidns, stage)
    new, old = Tree(STOCK, stage, touched), base_tree(STOCK)
    sources = sorted(f for f in touched if f.endswith(".c") and
                     not f.startswith(EXCLUDED))
    owned = {f for f in pidns.owned_files() if f.startswith("include/")}
    headers = sorted(set(series_headers(touched)) | owned)
    names, contexts = changed_names(old, new, headers, owned, sources)
    users = find_users(Matcher(names, contexts))
    for f in sources:
        if new.exists(f):
            users.setdefault(f, [])
    return {"names": names, "contexts": contexts, "users": users,
            "touched": set(touched), "stage": stage,
            "exports": removed_exports(old, new, sources),
            "via": standalone_or_via(STOCK, users)}


def standalone_or_via(tree, users):
    """Give each .c file that another one #includes its includer as a
    user too (with the names it gets through it); {file: includer} of
    those that are not objects of their own (no Makefile of their
    directory names their .o: kernel/sched/*.c), which are compiled only
    as part of their includer.  Changes users."""
    via = {}
    for f, tops in includers(tree, list(users)).items():
        for top in tops:
            users.setdefault(top, [])
            users[top] = users[top] + [n for n in users[f]
                                       if n not in users[top]]
        if not named_in_makefile(tree, f):
            via[f] = tops[0]
    return via


def print_list(plan):
    names, users = plan["names"], plan["users"]
    by = collections.Counter(n.change for n in names)
    print(f"{len(names)} names in {len(set(n.header for n in names))} "
          "headers: " + ", ".join(f"{by[c]} {c}" for c in CHANGES if by[c]))
    for n in names:
        where = f"{n.struct}." if n.struct else ""
        note = f"  ({n.note})" if n.note else ""
        print(f"  {n.change:<8} {n.kind:<9} {where + n.name:<40} "
              f"{n.header}{note}")
    for s in sorted(plan["contexts"]):
        ctx = plan["contexts"][s]
        print(f"  fields of {s} count in files that name struct {s}"
              + (" or use " + ", ".join(sorted(ctx)) if ctx else ""))
    print("exports the series removes: " + (", ".join(
        f"{sym} ({src})" for sym, src in plan["exports"]) or "none"))
    patched = {f for f in users if f in plan["touched"]}
    print(f"{len(users)} files use them ({len(patched)} patched by the "
          "series)")
    tops = collections.Counter(f.split("/")[0] for f in users)
    print("  by top directory: " + ", ".join(
        f"{d} {c}" for d, c in sorted(tops.items())))
    arches = collections.Counter(arch_of(f) for f in users if arch_of(f))
    if arches:
        import series_check
        cross = sorted(a for a in CROSS_CONFIG if a in series_check.CROSS)
        print("  other architectures: " + ", ".join(
            f"{a} {c}" for a, c in sorted(arches.items()))
            + f" (cross compiled: {', '.join(cross) or 'none'})")
    kinds = collections.Counter(strongest(users[f], f in plan["touched"])
                                for f in users)
    print("  by the strongest change they use: " + ", ".join(
        f"{k} {kinds[k]}" for k in ("patched",) + CHANGES if kinds[k]))
    if plan["via"]:
        print(f"  {len(plan['via'])} compiled as part of the file that "
              "#includes them")
    for f in sorted(users):
        print(f"  {f}: {_used(plan, f)}{_via(plan, f)}")


def run_builds(pidns, series_check, plan, args, stamp_extra):
    """Compile the users: ({file: (status, errors, build)}, [the builds,
    described], {file: (errors, build)} failing on the base alike)."""
    users, via = plan["users"], plan["via"]
    status, builds, base_same = {}, [], {}
    target = {f: via.get(f, f) for f in users}
    by_arch = collections.defaultdict(set)
    for f, t in target.items():
        by_arch[arch_of(t) or "x86_64"].add(t)
    plan_builds = []
    for arch in sorted(by_arch, key=lambda a: (a != "x86_64", a)):
        files = sorted(by_arch[arch])
        if arch == "x86_64":
            plan_builds.append((arch, X86_CONFIG, None, files))
            continue
        why = None
        if args.no_cross:
            why = "--no-cross"
        elif arch not in series_check.CROSS:
            why = "no cross compiler for it in series_check.CROSS"
        elif arch not in CROSS_CONFIG:
            why = "no config for it in users_build.CROSS_CONFIG"
        if why:
            for f, t in target.items():
                if t in by_arch[arch]:
                    status[f] = ("skipped", [f"not built: {why}"], arch)
            builds.append(f"{arch}: {len(files)} files not built ({why})")
            continue
        plan_builds.append((arch, CROSS_CONFIG[arch],
                            series_check.CROSS[arch][1], files))
    for arch, config, prefix, files in plan_builds:
        name = "x86_64" if arch == "x86_64" else f"cross-{arch}"
        b = Build(pidns, arch, SRC, os.path.join(WORK, name), config, prefix)
        pidns.phase(f"{name}: {config} and make prepare")(b.prepare)(
            stamp_extra)
        # What the Makefiles plainly leave out of the config is not
        # compiled: kbuild would compile it when asked, for nothing.
        dotconfig = read_config(os.path.join(b.obj, ".config"))
        result = {}
        for t in files:
            st, line = configured(SRC, t, dotconfig)
            if st == "out":
                result[t] = ("skipped", [f"not in {config}: {line}"])
        todo = [t for t in files if t not in result]
        res, log = pidns.phase(
            f"{name}: {len(todo)} files in one make -k")(b.compile)(
            todo, "users")
        result.update(res)
        builds.append(f"{name}: {config}, CC=\"ccache {prefix or ''}gcc\", "
                      f"{len(todo)} files ({len(files) - len(todo)} left "
                      f"out by their Makefile), log "
                      f"{os.path.relpath(log, REPO)}")
        bad = sorted(t for t, (st, _) in result.items() if st == "failed")
        same = {}
        on_base = [t for t in bad if os.path.exists(os.path.join(STOCK, t))]
        if on_base and not args.no_base:
            # The same files on the base: the series answers only for the
            # errors the base does not have.
            bb = Build(pidns, arch, STOCK, os.path.join(WORK, "base-" + name),
                       config, prefix)

            def on_the_base():
                bb.prepare(stamp_extra)
                return bb.compile(on_base, "base")
            bres, blog = pidns.phase(
                f"base-{name}: the {len(on_base)} failing files on the "
                "base")(on_the_base)()
            builds.append(f"base-{name}: the failing files on the base, "
                          f"log {os.path.relpath(blog, REPO)}")
            for t in on_base:
                st, errs = bres[t]
                if st == "failed" and \
                        error_set(result[t][1]) <= error_set(errs):
                    same[t] = errs
        for f, t in target.items():
            if t not in result:
                continue
            if t in same:
                base_same[f] = (same[t], name)
            else:
                status[f] = (*result[t], name)
    return status, builds, base_same


def main(argv):
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--list", action="store_true",
                    help="print the names and the files; compile nothing")
    ap.add_argument("--no-cross", action="store_true",
                    help="list other architectures' files as not built")
    ap.add_argument("--no-base", action="store_true",
                    help="do not compile failing files again on the base")
    ap.add_argument("--only", metavar="KINDS",
                    help="only the users whose strongest change is one of "
                         "these (comma-separated: patched,removed,changed,"
                         "added,body,owned), a cut for a short run")
    args = ap.parse_args(argv)
    only = set(args.only.split(",")) if args.only else None
    wrong = sorted((only or set()) - set(("patched",) + CHANGES))
    if wrong:
        ap.error(f"--only: not a kind: {', '.join(wrong)}")
    sys.path.insert(0, HERE)
    import pidns
    import series_check
    t0 = time.monotonic()
    try:
        if not args.list:
            pidns.setup()
            if not args.no_cross:
                series_check.install_packages(pidns)
        if not args.list or not os.path.isdir(STOCK):
            pidns.unpack_base()
        plan = pidns.phase("users: the names the series changes, and the "
                           "files that use them")(gather)(pidns)
        if only:
            plan["users"] = {f: u for f, u in plan["users"].items()
                             if strongest(u, f in plan["touched"]) in only}
        by = collections.Counter(n.change for n in plan["names"])
        pidns.say(f"  {len(plan['names'])} names (" + ", ".join(
            f"{by[c]} {c}" for c in CHANGES if by[c]) + f"), "
            f"{len(plan['users'])} files")
        if args.list:
            print_list(plan)
            return 0

        def tree():
            n = lay_tree(pidns, plan["stage"], plan["touched"])
            pidns.say(f"  {n} files of the series (re)laid")
        pidns.phase("tree: build/users-build/src, the base with the "
                    "series")(tree)()
        base = pidns.read_stamp(os.path.join(BUILD, "stock", "base.stamp"))
        status, builds, base_same = run_builds(pidns, series_check, plan,
                                               args, base or "")
    except pidns.PhaseError:
        pidns.say("users-build: FAILED")
        return 1
    text = report_text(plan, status, builds, time.monotonic() - t0,
                       base_same)
    os.makedirs(OUT, exist_ok=True)
    with open(REPORT, "w") as f:
        f.write(text)
    failed = sorted(f for f, s in status.items() if s[0] == "failed")
    for f in failed:
        pidns.say(f"  FAILED {f}")
        for line in first_lines(status[f][1], 2):
            pidns.say(f"      {line}")
    pidns.say(f"  report: {os.path.relpath(REPORT, REPO)}")
    print(text.rstrip().splitlines()[-1])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
