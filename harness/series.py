"""make series: the repository as a `git am`-able series against the base.

The series is built in a scratch git repository holding the pristine base
versions of every file the series touches (a sparse copy of the base is
enough for git am to prove that each patch applies).  Our owned files go in
as the commits described in harness/owned-commits, then the patches of
patches/series in order.  `git format-patch --cover-letter` writes
out/series/, and the result is checked by applying it with `git am` to a
second fresh copy of the base.
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
    """[(subject, body, [path prefixes], where)] from harness/owned-commits."""
    path = os.path.join(repo, "harness", "owned-commits")
    commits = []
    with open(path) as f:
        text = f.read()
    for stanza in re.split(r"^%%\s*$", text, flags=re.M):
        lines = [l for l in stanza.strip("\n").splitlines()
                 if not l.startswith("#")]
        head = {}
        while lines and re.match(r"^(paths|where|subject):", lines[0]):
            key, val = lines.pop(0).split(":", 1)
            head[key] = val.strip()
        if "subject" not in head:
            continue
        commits.append((head["subject"], "\n".join(lines).strip(),
                        head.get("paths", "").split(),
                        head.get("where", "before")))
    return commits


def _sparse_base(base, files, dest, error):
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


def make(repo, base, outdir, owned, patches, say, error):
    commits = owned_commits(repo)
    claimed = set()
    for _, _, prefixes, _ in commits:
        claimed |= {f for f in owned if any(f == p or f.startswith(p + "/")
                                            for p in prefixes)}
    unclaimed = sorted(set(owned) - claimed)
    if unclaimed:
        raise error("owned files in no commit of harness/owned-commits: "
                    + ", ".join(unclaimed))
    touched = set(owned)
    for p in patches:
        with open(p, errors="replace") as f:
            touched |= set(re.findall(r"^(?:---|\+\+\+) [ab]/(\S+)",
                                      f.read(), flags=re.M))
    work = tempfile.mkdtemp(prefix="pidns-series-")
    try:
        build = os.path.join(work, "build")
        _sparse_base(base, touched, build, error)

        def commit_owned(subject, body, prefixes):
            files = [f for f in owned if any(f == p or f.startswith(p + "/")
                                             for p in prefixes)]
            for rel in files:
                os.makedirs(os.path.dirname(os.path.join(build, rel)),
                            exist_ok=True)
                shutil.copy2(os.path.join(repo, rel),
                             os.path.join(build, rel))
            _checked(_git(build, "add", "--", *files), "git add", error)
            _checked(_git(build, "commit", "-q", "-s", "-F", "-",
                          input=f"{subject}\n\n{body}\n"),
                     f"commit '{subject}'", error)

        for subject, body, prefixes, where in commits:
            if where == "before":
                commit_owned(subject, body, prefixes)
        for p in patches:
            _checked(_git(build, "am", "-q", "--keep-cr", p),
                     f"git am {os.path.relpath(p, repo)}", error)
        for subject, body, prefixes, where in commits:
            if where == "after":
                commit_owned(subject, body, prefixes)

        shutil.rmtree(outdir, ignore_errors=True)
        os.makedirs(outdir)
        count = len(commits) + len(patches)
        cover = _cover_letter(repo)
        _checked(_git(build, "format-patch", "-q", "--cover-letter",
                      "--no-signature", "-o", outdir, f"HEAD~{count}"),
                 "git format-patch", error)
        _fill_cover(outdir, cover)

        check = os.path.join(work, "check")
        _sparse_base(base, touched, check, error)
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
