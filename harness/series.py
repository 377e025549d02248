"""make series: the repository as a `git am`-able series against the base.

The order is patches/series: patch mails, and "@name" lines where a commit
of harness/owned-commits lays our owned files; steps() reads it, and the
harness assembles the tree it tests from the same steps.  The series is
built in a scratch git repository holding the pristine base versions of
every file the series touches (a sparse copy of the base is enough for git
am to prove that each patch applies), one commit per step.  `git
format-patch --cover-letter` writes out/series/, and the result is checked
by applying it with `git am` to a second fresh copy of the base.

The owned files in the repository are where the series must end: a patch
may change an owned file anywhere in the series, so that the pid core can
grow from 6.12's in small steps, and check_end() holds every owned file of
the tree after the last step to the repository's, byte for byte.  fold()
puts a difference into the last patch that touches the file (make
series-fold).
"""

import email
import email.policy
import os
import re
import shutil
import subprocess
import tempfile


def _git(repo, *args, input=None):
    env = dict(os.environ, GIT_AUTHOR_NAME="pidns",
               GIT_AUTHOR_EMAIL="pidns@invalid", GIT_COMMITTER_NAME="pidns",
               GIT_COMMITTER_EMAIL="pidns@invalid",
               GIT_AUTHOR_DATE="2026-01-01T00:00:00Z",
               GIT_COMMITTER_DATE="2026-01-01T00:00:00Z")
    return subprocess.run(["git", "-C", repo, *args], input=input, env=env,
                          capture_output=True, text=True)


def _checked(result, what, error):
    if result.returncode != 0:
        raise error(f"{what}: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout


def owned_commits(repo):
    """{name: (subject, body, [path prefixes])} from harness/owned-commits."""
    path = os.path.join(repo, "harness", "owned-commits")
    commits = {}
    with open(path) as f:
        text = f.read()
    for stanza in re.split(r"^%%\s*$", text, flags=re.M):
        lines = [l for l in stanza.strip("\n").splitlines()
                 if not l.startswith("#")]
        head = {}
        while lines and re.match(r"^(name|paths|subject):", lines[0]):
            key, val = lines.pop(0).split(":", 1)
            head[key] = val.strip()
        if "subject" in head:
            commits[head.get("name", head["subject"])] = (
                head["subject"], "\n".join(lines).strip(),
                head.get("paths", "").split())
    return commits


def patched_files(patch):
    """The files a patch mail changes, as paths relative to the tree."""
    with open(patch, errors="replace") as f:
        return set(re.findall(r"^(?:---|\+\+\+) [ab]/(\S+)", f.read(),
                              flags=re.M))


class Patch:
    """A step of the series: a patch mail to apply with git am or patch."""

    def __init__(self, path):
        self.path = path
        self.files = patched_files(path)


class Owned:
    """A step of the series: a commit that lays our owned files over the tree."""

    def __init__(self, name, subject, body, files):
        self.name, self.subject, self.body = name, subject, body
        self.files = files


def carriers(commits, owned):
    """{owned file: the name of the first stanza whose paths cover it}."""
    carried = {}
    for name, (_, _, prefixes) in commits.items():
        for f in owned:
            if any(f == p or f.startswith(p + "/") for p in prefixes):
                carried.setdefault(f, name)
    return carried


def steps(repo, owned, error):
    """The series in order, as Patch and Owned steps, from patches/series.

    Checks only what the order must name: each @name is a stanza of
    harness/owned-commits, once, and each stanza has its place.  Which
    step produces an owned file is free (a patch may touch one before or
    after a commit that carries it, or no commit may carry it); where the
    series ends is check_end()'s to hold.
    """
    commits = owned_commits(repo)
    carried = carriers(commits, owned)
    path = os.path.join(repo, "patches", "series")
    lines = []
    if os.path.exists(path):
        with open(path) as f:
            lines = [l.split("#", 1)[0].strip() for l in f]
    result, laid = [], set()
    for line in filter(None, lines):
        if line.startswith("@"):
            name = line[1:]
            if name not in commits or name in laid:
                raise error(f"patches/series: @{name} names no commit of "
                            "harness/owned-commits, or names it twice")
            subject, body, _ = commits[name]
            files = sorted(f for f, n in carried.items() if n == name)
            result.append(Owned(name, subject, body, files))
            laid.add(name)
            continue
        result.append(Patch(os.path.join(repo, "patches", line)))
    missing = sorted(set(commits) - laid)
    if missing:
        raise error("commits of harness/owned-commits with no place in "
                    "patches/series: " + ", ".join("@" + m for m in missing))
    return result


def last_steps(series):
    """{file: the last step of @series that touches it}."""
    last = {}
    for step in series:
        for f in step.files:
            last[f] = step
    return last


def _same(a, b):
    if not (os.path.isfile(a) and os.path.isfile(b)):
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        return fa.read() == fb.read()


def end_differences(repo, tree, owned, series):
    """[(owned file, the last step that touches it, or None)] for each
    owned file that @tree, the series applied, does not hold byte for byte
    as the repository does (None: no step produces the file at all)."""
    last = last_steps(series)
    return [(rel, last.get(rel)) for rel in sorted(owned)
            if rel not in last or
            not _same(os.path.join(tree, rel), os.path.join(repo, rel))]


def step_name(step):
    """How the README and patches/series call a step."""
    if isinstance(step, Patch):
        return os.path.basename(step.path)
    return "@" + step.name


def step_subject(step):
    """The subject of a step's commit: the mail's (unfolded and decoded,
    its "[PATCH ...]" prefix gone, as git am takes it), or the stanza's."""
    if isinstance(step, Owned):
        return step.subject
    with open(step.path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    return re.sub(r"^(\s*\[[^]]*\])+\s*", "", str(msg["Subject"] or "")
                  ).strip()


def select(series, which, error):
    """The number (from 1) of the step of @series that @which names.

    @which is a number, as patches/series counts its lines (mails and
    @name lines alike) and `make series` numbers its mails; or a step's
    name: a mail's file name (with or without ".patch" or a directory
    before it), "@name" for a commit of harness/owned-commits, or the
    start of one name alone.
    """
    which = str(which).strip()
    if re.fullmatch(r"\d+", which):
        n = int(which)
        if not 1 <= n <= len(series):
            raise error(f"step {n}: patches/series has {len(series)} steps, "
                        f"1 to {len(series)}")
        return n
    names = [step_name(s) for s in series]
    name = which if which.startswith("@") else os.path.basename(which)
    for want in (name, name + ".patch"):
        if want in names:
            return names.index(want) + 1
    starts = [i for i, n in enumerate(names, 1) if name and n.startswith(name)]
    if len(starts) == 1:
        return starts[0]
    if starts:
        raise error(f"step {which}: names {len(starts)} steps of "
                    "patches/series: " + ", ".join(names[i - 1]
                                                   for i in starts))
    raise error(f"step {which}: no step of patches/series is called so "
                "(a number from 1 to {0}, a mail's file name, or @name)"
                .format(len(series)))


def check_end(repo, tree, owned, series, error):
    """Raise error unless the series ends exactly at the owned files.

    What `make check` tests is the tree at the end of the series, and what
    is reviewed is the owned files: the two must be one source.  The
    message names each file and the patch a fold would change.
    """
    diffs = end_differences(repo, tree, owned, series)
    if not diffs:
        return
    lines, targets = [], []
    for rel, step in diffs:
        if step is None:
            lines.append(f"  {rel}: no step of patches/series produces it "
                         "(add it with a patch, or to the paths of a "
                         "stanza of harness/owned-commits)")
            continue
        lines.append(f"  {rel}: the series ends at another version; the "
                     f"last step that touches it is {step_name(step)}")
        if isinstance(step, Patch) and step_name(step) not in targets:
            targets.append(step_name(step))
    fix = ("run `make series-fold` to fold the difference into the last "
           f"patch that touches each file: {', '.join(targets)}, or `make "
           "series-export` to place it yourself") if targets else \
        "see README.md, \"Adding or changing a patch\""
    raise error("the series does not end at the owned files of the "
                "repository:\n" + "\n".join(lines) + "\n" + fix)


def sparse_base(base, files, dest, error):
    """A git repository at @dest of the base's versions of @files."""
    os.makedirs(dest)
    for rel in files:
        src = os.path.join(base, rel)
        if os.path.isfile(src):
            os.makedirs(os.path.dirname(os.path.join(dest, rel)),
                        exist_ok=True)
            shutil.copy2(src, os.path.join(dest, rel))
    _checked(_git(dest, "init", "-q"), "git init", error)
    _checked(_git(dest, "add", "-A"), "git add", error)
    _checked(_git(dest, "commit", "-q", "--allow-empty", "-m",
                  "linux-source-6.12 base (the files the series touches)"),
             "git commit", error)


def full_base(base, dest, error):
    """A git repository at @dest of the whole base, in one commit; returns
    that commit.  Made beside @dest and renamed into place, so that an
    interrupted copy is never taken for a repository."""
    tmp = dest + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    res = subprocess.run(["cp", "-a", base, tmp], capture_output=True,
                         text=True)
    _checked(res, f"cp -a {base}", error)
    for args in (("init", "-q"), ("config", "gc.auto", "0"),
                 ("add", "-A", "-f"),
                 ("commit", "-q", "-m", "linux-source-6.12 base")):
        _checked(_git(tmp, *args), f"git {args[0]}", error)
    commit = _checked(_git(tmp, "rev-parse", "HEAD"), "git rev-parse",
                      error).strip()
    os.rename(tmp, dest)
    return commit


def touched(series):
    """Every file a step of @series touches."""
    files = set()
    for step in series:
        files |= set(step.files)
    return files


def apply_step(repo, tree, step, error):
    """Commit one step in the git repository @tree: git am of a patch, or
    an owned-files commit with its stanza's subject and changelog."""
    if isinstance(step, Patch):
        _checked(_git(tree, "am", "-q", "--keep-cr", step.path),
                 f"git am {os.path.relpath(step.path, repo)}", error)
        return
    for rel in step.files:
        os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
        shutil.copy2(os.path.join(repo, rel), os.path.join(tree, rel))
    # -f: the base's top-level .gitignore (Debian's) ignores every path.
    _checked(_git(tree, "add", "-f", "--", *step.files), "git add", error)
    _checked(_git(tree, "commit", "-q", "-s", "-F", "-",
                  input=f"{step.subject}\n\n{step.body}\n"),
             f"commit '{step.subject}'", error)


def replay(repo, base, series, dest, error):
    """A sparse git repository of the base at @dest with one commit per
    step of @series."""
    sparse_base(base, touched(series), dest, error)
    for step in series:
        apply_step(repo, dest, step, error)


def make(repo, base, outdir, owned, say, error):
    series = steps(repo, owned, error)
    work = tempfile.mkdtemp(prefix="pidns-series-")
    try:
        build = os.path.join(work, "build")
        replay(repo, base, series, build, error)
        check_end(repo, build, owned, series, error)

        shutil.rmtree(outdir, ignore_errors=True)
        os.makedirs(outdir)
        cover = _cover_letter(repo)
        _checked(_git(build, "format-patch", "-q", "--cover-letter",
                      "--no-signature", "-o", outdir, f"HEAD~{len(series)}"),
                 "git format-patch", error)
        _fill_cover(outdir, cover)

        check = os.path.join(work, "check")
        sparse_base(base, touched(series), check, error)
        mails = sorted(f for f in os.listdir(outdir)
                       if f.endswith(".patch") and not f.startswith("0000"))
        for m in mails:
            _checked(_git(check, "am", "-q", os.path.join(outdir, m)),
                     f"the series does not apply: {m}", error)
        say(f"  {len(mails)} patches and a cover letter in "
            f"{os.path.relpath(outdir, repo)}/; they apply with git am to "
            "the base")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fold(repo, base, owned, say, error):
    """make series-fold: put each difference between the series' end and
    an owned file into the last patch that touches the file.

    A quick edit of kernel/pid.c is then one command away from the
    series; where else a change belongs is a rebase in make
    series-export's repository.  A file whose last step is an @commit
    needs nothing: the commit lays the repository's file.  Returns the
    patches it rewrote; a second run rewrites none.
    """
    series = steps(repo, owned, error)
    work = tempfile.mkdtemp(prefix="pidns-fold-")
    try:
        end = os.path.join(work, "end")
        replay(repo, base, series, end, error)
        targets, lost = {}, []
        for rel, step in end_differences(repo, end, owned, series):
            if step is None:
                lost.append(rel)
            elif isinstance(step, Owned):
                say(f"  {rel}: laid by @{step.name}, which takes the "
                    "repository's file: nothing to fold")
            else:
                targets.setdefault(series.index(step), []).append(rel)
        for i, files in sorted(targets.items()):
            fold_into(repo, base, series[:i + 1], files,
                      os.path.join(work, f"fold-{i + 1}"), error)
            say(f"  folded {', '.join(files)} into "
                f"patches/{step_name(series[i])}")
        if lost:
            raise error("no step of patches/series produces "
                        + ", ".join(lost) + ": add it with a patch, or to "
                        "the paths of a stanza of harness/owned-commits")
        if not targets:
            say("  nothing to fold: the series ends at the owned files")
            return []
        after = os.path.join(work, "after")
        replay(repo, base, series, after, error)
        check_end(repo, after, owned, series, error)
        return [series[i].path for i in sorted(targets)]
    finally:
        shutil.rmtree(work, ignore_errors=True)


def fold_into(repo, base, series, files, dest, error):
    """Amend the last step of @series (a patch) with the repository's
    @files and write its mail back over the same file name.

    git am and commit --amend keep the mail's author, date and changelog
    (its "checkpatch: TYPE:" lines with it); format-patch writes the
    diff anew.
    """
    replay(repo, base, series, dest, error)
    for rel in files:
        os.makedirs(os.path.dirname(os.path.join(dest, rel)), exist_ok=True)
        shutil.copy2(os.path.join(repo, rel), os.path.join(dest, rel))
    _checked(_git(dest, "add", "-f", "--", *files), "git add", error)
    _checked(_git(dest, "commit", "-q", "--amend", "--no-edit"),
             "git commit --amend", error)
    write_mail(dest, "HEAD", series[-1].path, error)


# Mails that do not change when nothing in them did: no commit id, no git
# version, no "n/m" (patches/series gives the order).
MAIL_OPTIONS = ("--zero-commit", "--no-signature", "--no-numbered")


def format_mail(tree, commit, outdir, error, number=1):
    """git format-patch of one commit of @tree into @outdir, as mail
    @number of a series (its file name's prefix); returns its path."""
    before = set(os.listdir(outdir))
    _checked(_git(tree, "format-patch", "-q", *MAIL_OPTIONS,
                  "--start-number", str(number), "-o", outdir, "-1", commit),
             f"git format-patch {commit}", error)
    (mail,) = set(os.listdir(outdir)) - before
    return os.path.join(outdir, mail)


def write_mail(tree, commit, path, error):
    """git format-patch of one commit of @tree, written to @path."""
    out = tempfile.mkdtemp(prefix="pidns-mail-")
    try:
        shutil.move(format_mail(tree, commit, out, error), path)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _cover_letter(repo):
    with open(os.path.join(repo, "harness", "cover-letter")) as f:
        subject, _, body = f.read().partition("\n")
    return subject.strip(), body.strip()


def _fill_cover(outdir, cover):
    subject, body = cover
    path = next(os.path.join(outdir, f) for f in os.listdir(outdir)
                if f.startswith("0000-"))
    with open(path) as f:
        text = f.read()
    text = text.replace("*** SUBJECT HERE ***", subject)
    text = text.replace("*** BLURB HERE ***", body)
    with open(path, "w") as f:
        f.write(text)
