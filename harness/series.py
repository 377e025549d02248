"""make series: the repository as a `git am`-able series against the base.

The order is patches/series: patch mails, and "@name" lines where a commit
of harness/owned-commits lays our owned files; steps() reads it, and the
harness assembles the tree it tests from the same steps.  The series is
built in a scratch git repository holding the pristine base versions of
every file the series touches (a sparse copy of the base is enough for git
am to prove that each patch applies), one commit per step.  `git
format-patch --cover-letter` writes out/series/, and the result is checked
by applying it with `git am` to a second fresh copy of the base.
"""

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


def steps(repo, owned, error):
    """The series in order, as Patch and Owned steps, from patches/series.

    Checks what the order must guarantee: each owned file is carried by
    exactly one commit, each commit has its place, and no patch touches an
    owned file after the commit that lays it (that patch would be editing
    our own file, which is the place to change instead).
    """
    commits = owned_commits(repo)
    carried = {}
    for name, (_, _, prefixes) in commits.items():
        for f in owned:
            if any(f == p or f.startswith(p + "/") for p in prefixes):
                carried.setdefault(f, name)
    unclaimed = sorted(set(owned) - set(carried))
    if unclaimed:
        raise error("owned files in no commit of harness/owned-commits: "
                    + ", ".join(unclaimed))
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
        step = Patch(os.path.join(repo, "patches", line))
        late = sorted(f for f in step.files
                      if f in carried and carried[f] in laid)
        if late:
            raise error(f"patches/{line} touches {', '.join(late)} after "
                        "the commit that carries it: change the owned file "
                        "instead")
        result.append(step)
    missing = sorted(set(commits) - laid)
    if missing:
        raise error("commits of harness/owned-commits with no place in "
                    "patches/series: " + ", ".join("@" + m for m in missing))
    return result


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


def make(repo, base, outdir, owned, say, error):
    series = steps(repo, owned, error)
    touched = set()
    for step in series:
        touched |= set(step.files)
    work = tempfile.mkdtemp(prefix="pidns-series-")
    try:
        build = os.path.join(work, "build")
        sparse_base(base, touched, build, error)
        for step in series:
            if isinstance(step, Patch):
                _checked(_git(build, "am", "-q", "--keep-cr", step.path),
                         f"git am {os.path.relpath(step.path, repo)}", error)
                continue
            for rel in step.files:
                os.makedirs(os.path.dirname(os.path.join(build, rel)),
                            exist_ok=True)
                shutil.copy2(os.path.join(repo, rel),
                             os.path.join(build, rel))
            _checked(_git(build, "add", "--", *step.files), "git add", error)
            _checked(_git(build, "commit", "-q", "-s", "-F", "-",
                          input=f"{step.subject}\n\n{step.body}\n"),
                     f"commit '{step.subject}'", error)

        shutil.rmtree(outdir, ignore_errors=True)
        os.makedirs(outdir)
        cover = _cover_letter(repo)
        _checked(_git(build, "format-patch", "-q", "--cover-letter",
                      "--no-signature", "-o", outdir, f"HEAD~{len(series)}"),
                 "git format-patch", error)
        _fill_cover(outdir, cover)

        check = os.path.join(work, "check")
        sparse_base(base, touched, check, error)
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
