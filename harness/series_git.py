"""make series-export, make series-import: the series as a git branch.

Splitting a commit, moving a hunk from one patch to another, rewording a
changelog: `git rebase -i` does these best, on a real tree.  export()
makes build/series-git, a git repository of the whole pristine base (tag
`base`) with a branch `pidns` of one commit per step of patches/series,
committed as `make series` commits them.  After a rebase there,
import_branch() writes the branch back: a mail in patches/ for each
commit, patches/series in the branch's order, harness/owned-commits for
the @commits, and the owned files as the branch's tip has them.

An @commit is recognised by its subject, which is its stanza's, and by
what it changes: only its stanza's paths, leaving them as the tip has
them (the step lays the repository's files, which are the tip's).  No
marker is written into a changelog: it is the kernel's.  A commit with a
stanza's subject that changes more, or leaves those paths otherwise than
the tip has them, is written as a mail; a stanza whose commit has gone
from the branch leaves harness/owned-commits.

refs/pidns/imported marks the tip last exported or imported: export
refuses to overwrite a branch that moved since, so that work there is
not lost.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile

import series

BRANCH = "pidns"
BASE_TAG = "base"
MARK = "refs/pidns/imported"
# The identity of the base the repository holds (build/stock/base.stamp).
BASE_ID = os.path.join(".git", "pidns-base")
# What import would overwrite, as it was at the last export or import.
REPO_STATE = os.path.join(".git", "pidns-repo-state")


def _git(tree, error, *args, what=None):
    return series._checked(series._git(tree, *args),
                           what or f"git {args[0]}", error)


def _ok(tree, *args):
    return series._git(tree, *args).returncode == 0


def _rev(tree, ref):
    res = series._git(tree, "rev-parse", "-q", "--verify", ref + "^{commit}")
    return res.stdout.strip() if res.returncode == 0 else None


def _busy(tree):
    """A rebase or git am in progress leaves the branch where it was."""
    git_dir = os.path.join(tree, ".git")
    return any(os.path.exists(os.path.join(git_dir, d))
               for d in ("rebase-merge", "rebase-apply"))


def _dirty(tree):
    """Tracked files changed and not committed (a build there is not)."""
    res = series._git(tree, "status", "--porcelain", "--untracked-files=no")
    return bool(res.stdout.strip())


def unimported(tree):
    """Why branch pidns of @tree holds work make series-import has not
    taken, or None."""
    if not os.path.isdir(os.path.join(tree, ".git")):
        return None
    if _busy(tree):
        return "a rebase (or git am) is in progress there"
    tip, mark = _rev(tree, BRANCH), _rev(tree, MARK)
    if tip and tip != mark:
        count = series._git(tree, "rev-list", "--count",
                            f"{mark}..{tip}" if mark else tip).stdout.strip()
        if count == "0":
            return f"branch {BRANCH} moved since it was last exported"
        return f"branch {BRANCH} has {count} commits not imported"
    if tip and _dirty(tree):
        return "its tree has changes not committed"
    return None


def repo_state(repo, owned):
    """{path: sha256} of what an import rewrites: the owned files,
    patches/ and harness/owned-commits."""
    patches = os.path.join(repo, "patches")
    paths = set(owned) | {"harness/owned-commits"} | {
        "patches/" + f for f in os.listdir(patches)}
    state = {}
    for rel in sorted(paths):
        path = os.path.join(repo, rel)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                state[rel] = hashlib.sha256(f.read()).hexdigest()
    return state


def _save_state(repo, tree, owned):
    with open(os.path.join(tree, REPO_STATE), "w") as f:
        json.dump(repo_state(repo, owned), f, indent=0, sort_keys=True)


def changed_since_export(repo, tree, owned):
    """The paths an import would overwrite that changed in the repository
    since the last export or import (edits a branch does not have)."""
    try:
        with open(os.path.join(tree, REPO_STATE)) as f:
            saved = json.load(f)
    except (OSError, ValueError):
        return []
    now = repo_state(repo, owned)
    return sorted(p for p in set(saved) | set(now)
                  if saved.get(p) != now.get(p))


def _base_id(tree):
    try:
        with open(os.path.join(tree, BASE_ID)) as f:
            return f.read().strip()
    except OSError:
        return None


def _identity(tree, error):
    """A committer for rebase and commit there, when git has none."""
    if series._git(tree, "config", "user.email").stdout.strip():
        return
    _git(tree, error, "config", "user.name", "pidns")
    _git(tree, error, "config", "user.email", "pidns@invalid")


def _base_repo(base, base_id, tree, say, error):
    """@tree as a git repository of the whole base, tagged `base`: made
    once per base (a minute or two), then reused."""
    if _base_id(tree) == base_id and _rev(tree, BASE_TAG):
        return
    say("  copying the base into a git repository, once (a minute or two)")
    shutil.rmtree(tree, ignore_errors=True)
    commit = series.full_base(base, tree, error)
    _git(tree, error, "tag", BASE_TAG, commit)
    # Only the tag and branch pidns: git init's branch would be a third
    # name for the base.
    init_branch = _git(tree, error, "symbolic-ref", "--short", "HEAD").strip()
    _git(tree, error, "checkout", "-q", "--detach")
    _git(tree, error, "branch", "-q", "-D", init_branch)
    _identity(tree, error)
    with open(os.path.join(tree, BASE_ID), "w") as f:
        f.write(base_id + "\n")


# What to do with the repository, printed after make series-export.
WORKFLOW = """\
To change the series:
    cd {tree} && git rebase -i base
        edit, split, squash, reorder or reword commits (git commit
        --amend, git add -p, ...); build there if you like.  The
        base's .gitignore ignores every path: git add -f, -u or -p
        (or git commit -a).  An uncommitted difference left by export:
        git commit -a --fixup=COMMIT, git rebase -i --autosquash base
    make series-import
        writes the branch back: patches/ (one mail per commit, numbered
        in its order), patches/series, harness/owned-commits for the
        @commits, and the owned files as the tip has them"""


def export(repo, base, base_id, tree, owned, force, say, error):
    """build/series-git: the base and branch pidns, one commit per step.

    @base_id names the base (a new base means a new copy).  The branch
    is rewritten from patches/series; one with work not imported is
    kept unless @force.  When the series does not end at the owned files
    the difference is left in the tree, uncommitted, to be placed.
    """
    why = unimported(tree)
    if why and not force:
        raise error(f"{os.path.relpath(tree, repo)}: {why}; run make "
                    "series-import first, or make series-export FORCE=1 "
                    "to throw that work away")
    if why:
        say(f"  FORCE=1: throwing away what was not imported ({why}; "
            "git reflog there still has it)")
    steps = series.steps(repo, owned, error)
    _base_repo(base, base_id, tree, say, error)
    if _busy(tree):
        series._git(tree, "rebase", "--abort")
        series._git(tree, "am", "--abort")
    # The steps go on a detached HEAD, and the branch moves once they
    # all apply: a patch that does not is no work to lose next time.
    _git(tree, error, "checkout", "-q", "-f", "--detach", BASE_TAG)
    # -d but not -x: objects of a build in the tree are ignored files,
    # and make rebuilds only what the steps change.
    _git(tree, error, "clean", "-fdq")
    try:
        for step in steps:
            series.apply_step(repo, tree, step, error)
    except Exception:
        series._git(tree, "am", "--abort")
        raise
    _git(tree, error, "checkout", "-q", "-B", BRANCH)
    _git(tree, error, "update-ref", MARK, "HEAD")
    _save_state(repo, tree, owned)
    rel = os.path.relpath(tree, repo)
    say(f"  {rel}: tag {BASE_TAG} (the base) and branch {BRANCH}, "
        f"{len(steps)} commits, one per step of patches/series")
    _leave_difference(repo, tree, owned, steps, say)


def _leave_difference(repo, tree, owned, steps, say):
    """The owned files over the tree where the series does not end at
    them: the difference, uncommitted, for the user to commit where it
    belongs (git commit --fixup, then git rebase -i --autosquash)."""
    diffs = series.end_differences(repo, tree, owned, steps)
    for rel, _ in diffs:
        dest = os.path.join(tree, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(os.path.join(repo, rel), dest)
    if diffs:
        say("  the series does not end at the owned files: the difference "
            "is in the tree, not committed (git diff; git add -f for a "
            "file no step has): " + ", ".join(rel for rel, _ in diffs))


# ------------------------------------------------------------- import --

def _changelog(tree, commit, error):
    """(subject, body) of a commit, less the sign-off apply_step adds to
    an @commit (harness/owned-commits has none)."""
    subject = _git(tree, error, "log", "-1", "--format=%s", commit).strip()
    body = _git(tree, error, "log", "-1", "--format=%b", commit).strip()
    lines = body.splitlines()
    if lines and lines[-1] == "Signed-off-by: pidns <pidns@invalid>":
        lines.pop()
    return subject, "\n".join(lines).strip()


def _under(path, prefixes):
    return any(path == p or path.startswith(p + "/") for p in prefixes)


def stanza_of(tree, commit, tip, stanzas, error):
    """The name of the stanza of harness/owned-commits that @commit is,
    or None: the stanza's subject, only the stanza's paths changed, and
    those paths as @tip has them (where the step lays the repository's
    files, which will be the tip's)."""
    subject, _ = _changelog(tree, commit, error)
    files = _git(tree, error, "diff-tree", "--no-commit-id", "--name-only",
                 "-r", "--no-renames", f"{commit}^", commit).split()
    for name, (want, _, paths) in stanzas.items():
        if want != subject or not paths or not files:
            continue
        if all(_under(f, paths) for f in files) and \
                _ok(tree, "diff", "--quiet", commit, tip, "--", *paths):
            return name
    return None


def _stanza_name(lines):
    head = {}
    for line in lines:
        m = re.match(r"^(name|paths|subject):\s*(.*)$", line)
        if not m:
            break
        head[m.group(1)] = m.group(2).strip()
    return head.get("name", head.get("subject"))


def rewrite_owned_commits(text, changed, dropped):
    """harness/owned-commits' @text with the subject and changelog of the
    stanzas in @changed ({name: (subject, body)}) replaced and those
    named in @dropped removed; comments, header lines and order kept."""
    out, carry = [], ""
    for chunk in re.split(r"^%%[ \t]*\n", text, flags=re.M):
        lines = chunk.splitlines(keepends=True)
        n = 0
        while n < len(lines) and (lines[n].startswith("#") or
                                  not lines[n].strip()):
            n += 1
        comments, rest = "".join(lines[:n]), lines[n:]
        name = _stanza_name(rest)
        if name in dropped:
            # The file's own comment heads the first stanza: keep it.
            carry += comments if not out else ""
            continue
        if name in changed:
            subject, body = changed[name]
            heads = []
            for line in rest:
                if not re.match(r"^(name|paths|subject):", line):
                    break
                heads.append(f"subject: {subject}\n"
                             if line.startswith("subject:") else line)
            rest = heads + ([f"\n{body}\n"] if body else [])
        out.append(carry + comments + "".join(rest))
        carry = ""
    if carry:
        out.append(carry)
    return "%%\n".join(out)


def _series_header(path):
    """The leading comment of patches/series."""
    head = []
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                break
            head.append(line)
    return "".join(head)


def _listed(path):
    with open(path) as f:
        return [l.split("#", 1)[0].strip() for l in f
                if l.split("#", 1)[0].strip()]


def _tip_files(tree, tip, paths, error):
    """{path: (mode, blob)} of the files under @paths at @tip."""
    if not paths:
        return {}
    out = _git(tree, error, "ls-tree", "-r", "-z", tip, "--", *paths)
    files = {}
    for entry in filter(None, out.split("\0")):
        meta, path = entry.split("\t", 1)
        mode, kind, blob = meta.split()
        if kind == "blob":
            files[path] = (mode, blob)
    return files


def _blob(tree, blob, error):
    res = subprocess.run(["git", "-C", tree, "cat-file", "blob", blob],
                         capture_output=True)
    if res.returncode:
        raise error(f"git cat-file {blob}: {res.stderr.decode().strip()}")
    return res.stdout


def _owned_at_tip(repo, tree, tip, owned, stanzas, error):
    """({path: (mode, blob)} of the owned files and of any new file under
    a stanza's paths at @tip, [owned files the tip does not have])."""
    paths = sorted({p for _, _, ps in stanzas.values() for p in ps})
    have = _tip_files(tree, tip, paths, error)
    have.update(_tip_files(tree, tip, sorted(set(owned) - set(have)), error))
    gone = sorted(set(owned) - set(have))
    # export leaves an owned file no step has in the tree, uncommitted:
    # one still there was not placed, and is not to be removed.
    left = [rel for rel in gone if os.path.exists(os.path.join(tree, rel))]
    if left:
        raise error(f"{', '.join(left)}: in {os.path.relpath(tree, repo)} "
                    f"but in no commit of branch {BRANCH}: git add -f and "
                    "commit it (or delete it there to remove it)")
    return have, gone


def _write_owned(repo, tree, have, gone, say, error):
    """The owned files as the tip has them; returns those that changed."""
    for rel in gone:
        os.unlink(os.path.join(repo, rel))
        say(f"  removed {rel}: the branch's tip has no such file")
    written = []
    for rel, (mode, blob) in sorted(have.items()):
        dest = os.path.join(repo, rel)
        data = _blob(tree, blob, error)
        old = None
        if os.path.isfile(dest):
            with open(dest, "rb") as f:
                old = f.read()
        if old != data:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            with open(dest, "wb") as f:
                f.write(data)
            written.append(rel)
        os.chmod(dest, 0o755 if mode == "100755" else 0o644)
    return written


def _read_branch(repo, tree, stanzas, error):
    """([(commit, stanza name or None)], tip) of base..pidns."""
    rel = os.path.relpath(tree, repo)
    if not os.path.isdir(os.path.join(tree, ".git")):
        raise error(f"no {rel}: run make series-export first")
    if _busy(tree):
        raise error(f"{rel}: a rebase (or git am) is in progress; finish "
                    "it (git rebase --continue) or abort it first")
    tip, base = _rev(tree, BRANCH), _rev(tree, BASE_TAG)
    if not tip or not base:
        raise error(f"{rel} has no branch {BRANCH} or no tag {BASE_TAG}: "
                    "run make series-export")
    if _dirty(tree):
        raise error(f"{rel} has changes not committed: commit them to "
                    f"branch {BRANCH} (or git stash them) first")
    if not _ok(tree, "merge-base", "--is-ancestor", base, tip):
        raise error(f"{rel}: branch {BRANCH} does not start at {BASE_TAG}")
    if _git(tree, error, "rev-list", "--merges", f"{base}..{tip}").strip():
        raise error(f"{rel}: branch {BRANCH} has merges; a series is a "
                    "line of commits")
    commits = _git(tree, error, "rev-list", "--reverse",
                   f"{base}..{tip}").split()
    if not commits:
        raise error(f"{rel}: branch {BRANCH} has no commits over {BASE_TAG}")
    found, named = [], set()
    for commit in commits:
        name = stanza_of(tree, commit, tip,
                         {n: s for n, s in stanzas.items() if n not in named},
                         error)
        if name:
            named.add(name)
        found.append((commit, name))
    return found, tip


def import_branch(repo, base, tree, owned_files, force, say, error):
    """make series-import: branch pidns of @tree back into the repository.

    @owned_files() lists the owned files (again after they are written).
    Mails are numbered by their place in the series, so that importing
    the same branch twice writes the same files.  An edit made in the
    repository since the export is not overwritten unless @force.
    """
    stanzas = series.owned_commits(repo)
    found, tip = _read_branch(repo, tree, stanzas, error)
    edited = changed_since_export(repo, tree, owned_files())
    if edited and not force:
        raise error("changed in the repository since make series-export, "
                    "and the import would overwrite them: "
                    + ", ".join(edited) + "; commit the same change in "
                    f"{os.path.relpath(tree, repo)} and run make "
                    "series-import FORCE=1 (or make series-export FORCE=1 "
                    "to start again from the repository)")
    mails = tempfile.mkdtemp(prefix="pidns-import-")
    try:
        entries, changed = [], {}
        for number, (commit, name) in enumerate(found, 1):
            if name:
                entries.append("@" + name)
                new = _changelog(tree, commit, error)
                if new != stanzas[name][:2]:
                    changed[name] = new
                continue
            path = series.format_mail(tree, commit, mails, error, number)
            entries.append(os.path.basename(path))
        dropped = set(stanzas) - {e[1:] for e in entries if e[0] == "@"}
        have, gone = _owned_at_tip(repo, tree, tip, owned_files(), stanzas,
                                   error)
        written = _write_owned(repo, tree, have, gone, say, error)
        _write_stanzas(repo, changed, dropped, say)
        _write_series(repo, entries, mails, say)
    finally:
        shutil.rmtree(mails, ignore_errors=True)
    _git(tree, error, "update-ref", MARK, tip)
    _save_state(repo, tree, owned_files())
    owned_steps = sum(1 for _, name in found if name)
    say(f"  patches/series: {len(found) - owned_steps} mails and "
        f"{owned_steps} @commits; owned files rewritten: "
        f"{', '.join(written) or 'none'}")
    _check(repo, base, owned_files(), say, error)


def _write_stanzas(repo, changed, dropped, say):
    path = os.path.join(repo, "harness", "owned-commits")
    with open(path) as f:
        text = f.read()
    new = rewrite_owned_commits(text, changed, dropped)
    if new != text:
        with open(path, "w") as f:
            f.write(new)
    for name in sorted(changed):
        say(f"  harness/owned-commits: @{name}'s subject or changelog "
            "as the branch has it")
    for name in sorted(dropped):
        say(f"  harness/owned-commits: @{name} removed, no commit of the "
            "branch is it any more")


def _write_series(repo, entries, mails, say):
    """patches/series in the branch's order, its mails in patches/, and
    the mails it listed before and lists no more removed."""
    path = os.path.join(repo, "patches", "series")
    header = _series_header(path)
    before = _listed(path)
    for name in os.listdir(mails):
        shutil.move(os.path.join(mails, name),
                    os.path.join(repo, "patches", name))
    with open(path, "w") as f:
        f.write(header + "".join(e + "\n" for e in entries))
    gone = []
    for name in sorted(set(before) - set(entries)):
        old = os.path.join(repo, "patches", name)
        if not name.startswith("@") and os.path.isfile(old):
            os.unlink(old)
            gone.append(name)
    if gone:
        say(f"  patches/: {len(gone)} mails no longer listed removed: "
            + ", ".join(gone))


def _check(repo, base, owned, say, error):
    """The end-state check on what was written: the series applies to
    the base and ends at the owned files."""
    steps = series.steps(repo, owned, error)
    work = tempfile.mkdtemp(prefix="pidns-import-check-")
    try:
        end = os.path.join(work, "end")
        series.replay(repo, base, steps, end, error)
        series.check_end(repo, end, owned, steps, error)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    say("  the series applies to the base and ends at the owned files")
