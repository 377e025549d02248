"""Unit tests of harness/series.py and harness/series_git.py on a tiny
synthetic base in temporary directories (no kernel tree needed): the
steps of patches/series, the end-state check, make series-fold, and the
round trip of make series-export and series-import."""

import os
import shutil
import tempfile
import unittest

import series
import series_git


class Failed(Exception):
    pass


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def read(path):
    with open(path) as f:
        return f.read()


BASE = {"kernel/a.c": "one\n", "kernel/b.c": "bee\n", "lib/c.c": "see\n"}

OWNED_COMMITS = """\
# The commits that carry our owned files.
name: tests
subject: selftests/t: a test
paths: tools/t

The tests, said why.
"""

MAIL_BODY = """\
Why the change.

checkpatch: LONG_LINE: a table reads better on one line
  than folded"""


class Synthetic(unittest.TestCase):
    """A base, and a repository with owned files and patches/series."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="pidns-series-test-")
        self.base = os.path.join(self.tmp, "base")
        self.repo = os.path.join(self.tmp, "repo")
        for rel, text in BASE.items():
            write(os.path.join(self.base, rel), text)
        write(os.path.join(self.repo, "harness", "owned-commits"),
              OWNED_COMMITS)
        write(os.path.join(self.repo, "tools", "t", "t.c"), "test\n")
        self.said = []

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def say(self, msg):
        self.said.append(msg)

    # The same mail is made once per run: git is slow on a loaded host.
    made = {}

    def mail(self, name, before, after, subject, body=MAIL_BODY):
        """patches/NAME: a git format-patch mail from @before to @after
        ({path: text}), by an author other than the harness's."""
        dest = os.path.join(self.repo, "patches", name)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        key = (tuple(before.items()), tuple(after.items()), subject, body)
        if key not in self.made:
            self.made[key] = self.make_mail(before, after, subject, body)
        write(dest, self.made[key])
        return dest

    def make_mail(self, before, after, subject, body):
        work = tempfile.mkdtemp(dir=self.tmp)
        for rel, text in before.items():
            write(os.path.join(work, rel), text)
        git = series._git
        git(work, "init", "-q")
        git(work, "add", "-A")
        git(work, "commit", "-q", "--allow-empty", "-m", "before")
        for rel, text in after.items():
            write(os.path.join(work, rel), text)
        git(work, "add", "-A")
        git(work, "commit", "-q", "--author",
            "A U Thor <author@example.org>", "--date",
            "2026-02-03T04:05:06Z", "-m", f"{subject}\n\n{body}")
        series.write_mail(work, "HEAD", os.path.join(work, "mail"), Failed)
        text = read(os.path.join(work, "mail"))
        shutil.rmtree(work)
        return text

    def series(self, *lines):
        write(os.path.join(self.repo, "patches", "series"),
              "# The series.\n# In order.\n" + "".join(l + "\n"
                                                     for l in lines))

    def owned(self):
        return sorted(os.path.relpath(os.path.join(d, f), self.repo)
                      for top in ("kernel", "lib", "tools")
                      for d, _, fs in os.walk(os.path.join(self.repo, top))
                      for f in fs)

    def steps(self):
        return series.steps(self.repo, self.owned(), Failed)

    def end(self):
        """The tree at the series' end, in a sparse repository."""
        dest = tempfile.mkdtemp(dir=self.tmp)
        os.rmdir(dest)
        series.replay(self.repo, self.base, self.steps(), dest, Failed)
        return dest


class StepsTest(Synthetic):

    def test_a_patch_may_touch_an_owned_file_after_its_commit(self):
        self.mail("0001-t.patch", {"tools/t/t.c": "test\n"},
                  {"tools/t/t.c": "test\nmore\n"}, "selftests/t: more")
        self.series("@tests", "0001-t.patch")
        steps = self.steps()
        self.assertEqual([series.step_name(s) for s in steps],
                         ["@tests", "0001-t.patch"])
        self.assertEqual(steps[0].files, ["tools/t/t.c"])

    def test_an_owned_file_need_not_be_in_a_commit(self):
        write(os.path.join(self.repo, "kernel", "a.c"), "one\ntwo\n")
        self.mail("0001-a.patch", {"kernel/a.c": "one\n"},
                  {"kernel/a.c": "one\ntwo\n"}, "a: two")
        self.series("0001-a.patch", "@tests")
        steps = self.steps()
        self.assertEqual(steps[1].files, ["tools/t/t.c"])
        series.check_end(self.repo, self.end(), self.owned(), steps, Failed)

    def test_an_unknown_or_missing_commit_is_still_an_error(self):
        self.series("@nothing")
        with self.assertRaisesRegex(Failed, "@nothing names no commit"):
            self.steps()
        self.series()
        with self.assertRaisesRegex(Failed, "no place in patches/series"):
            self.steps()


class TwoPatches(Synthetic):
    """kernel/a.c owned, and a patch to it; a patch to lib/c.c."""

    def setUp(self):
        super().setUp()
        write(os.path.join(self.repo, "kernel", "a.c"), "one\ntwo\nthree\n")
        self.mail("0001-a.patch", {"kernel/a.c": "one\n"},
                  {"kernel/a.c": "one\ntwo\n"}, "a: two")
        self.mail("0002-c.patch", {"lib/c.c": "see\n"},
                  {"lib/c.c": "see\nsaw\n"}, "c: saw")


class EndStateTest(TwoPatches):

    def test_a_difference_names_the_file_the_patch_and_the_fix(self):
        self.series("0001-a.patch", "0002-c.patch", "@tests")
        with self.assertRaises(Failed) as e:
            series.check_end(self.repo, self.end(), self.owned(),
                             self.steps(), Failed)
        msg = str(e.exception)
        self.assertIn("kernel/a.c", msg)
        self.assertIn("last step that touches it is 0001-a.patch", msg)
        self.assertIn("make series-fold", msg)
        self.assertIn("into the last patch that touches each file: "
                      "0001-a.patch", msg)
        self.assertIn("make series-export", msg)
        self.assertNotIn("tools/t/t.c", msg)

    def test_an_owned_file_no_step_produces_is_an_error(self):
        write(os.path.join(self.repo, "kernel", "a.c"), "one\ntwo\n")
        write(os.path.join(self.repo, "kernel", "new.c"), "new\n")
        self.series("0001-a.patch", "@tests")
        diffs = series.end_differences(self.repo, self.end(), self.owned(),
                                       self.steps())
        self.assertEqual(diffs, [("kernel/new.c", None)])
        with self.assertRaisesRegex(Failed, "kernel/new.c: no step"):
            series.check_end(self.repo, self.end(), self.owned(),
                             self.steps(), Failed)

    def test_the_series_ending_at_the_owned_files_passes(self):
        write(os.path.join(self.repo, "kernel", "a.c"), "one\ntwo\n")
        self.series("0001-a.patch", "0002-c.patch", "@tests")
        series.check_end(self.repo, self.end(), self.owned(), self.steps(),
                         Failed)

    def test_make_series_checks_the_end(self):
        self.series("0001-a.patch", "0002-c.patch", "@tests")
        write(os.path.join(self.repo, "harness", "cover-letter"),
              "pidns\n\nThe cover.\n")
        with self.assertRaisesRegex(Failed, "series-fold"):
            series.make(self.repo, self.base,
                        os.path.join(self.tmp, "out"), self.owned(),
                        self.say, Failed)


class FoldTest(TwoPatches):

    def test_fold_puts_the_difference_into_the_last_patch(self):
        self.series("0001-a.patch", "0002-c.patch", "@tests")
        other = read(os.path.join(self.repo, "patches", "0002-c.patch"))
        folded = series.fold(self.repo, self.base, self.owned(), self.say,
                             Failed)
        path = os.path.join(self.repo, "patches", "0001-a.patch")
        self.assertEqual(folded, [path])
        self.assertIn("  folded kernel/a.c into patches/0001-a.patch",
                      self.said)
        mail = read(path)
        self.assertIn("From: A U Thor <author@example.org>", mail)
        self.assertIn("Date: Tue, 3 Feb 2026 04:05:06 +0000", mail)
        self.assertIn("Subject: [PATCH] a: two", mail)
        self.assertIn("checkpatch: LONG_LINE: a table reads better on one "
                      "line\n  than folded", mail)
        self.assertIn("+three", mail)
        self.assertEqual(read(os.path.join(self.repo, "patches",
                                           "0002-c.patch")), other)
        series.check_end(self.repo, self.end(), self.owned(), self.steps(),
                         Failed)
        # Again: nothing to fold, not a byte changed.
        self.said = []
        self.assertEqual(series.fold(self.repo, self.base, self.owned(),
                                     self.say, Failed), [])
        self.assertEqual(read(path), mail)
        self.assertIn("nothing to fold", self.said[-1])

    def test_a_file_an_owned_commit_lays_needs_no_fold(self):
        write(os.path.join(self.repo, "kernel", "a.c"), "one\ntwo\n")
        write(os.path.join(self.repo, "tools", "t", "t.c"), "test\nnew\n")
        self.mail("0003-t.patch", {}, {"tools/t/t.c": "test\nold\n"},
                  "selftests/t: old")
        self.series("0001-a.patch", "0003-t.patch", "@tests")
        before = read(os.path.join(self.repo, "patches", "0003-t.patch"))
        self.assertEqual(series.fold(self.repo, self.base, self.owned(),
                                     self.say, Failed), [])
        self.assertEqual(read(os.path.join(self.repo, "patches",
                                           "0003-t.patch")), before)


class OwnedCommitsTextTest(unittest.TestCase):

    TEXT = ("# The header.\n# Two lines.\nname: one\nsubject: s1\n"
            "paths: a\n\nBody one.\n%%\nname: two\nsubject: s2\npaths: b c\n"
            "\nBody two.\n\ncheckpatch: X: y\n%%\nname: three\nsubject: s3\n"
            "paths: d\n\nBody three.\n")

    def test_unchanged_is_byte_for_byte(self):
        self.assertEqual(series_git.rewrite_owned_commits(self.TEXT, {},
                                                          set()), self.TEXT)

    def test_change_and_drop(self):
        text = series_git.rewrite_owned_commits(
            self.TEXT, {"two": ("s2 new", "New body.\n\nchecked")}, {"one"})
        self.assertEqual(text, "# The header.\n# Two lines.\nname: two\n"
                         "subject: s2 new\npaths: b c\n\nNew body.\n\n"
                         "checked\n%%\nname: three\nsubject: s3\npaths: d\n"
                         "\nBody three.\n")


class ExportImportTest(TwoPatches):
    """make series-export, a change in the branch, make series-import."""

    def setUp(self):
        super().setUp()
        write(os.path.join(self.repo, "kernel", "a.c"), "one\ntwo\n")
        self.series("0001-a.patch", "@tests", "0002-c.patch")
        self.tree = os.path.join(self.tmp, "series-git")

    def export(self, force=False):
        series_git.export(self.repo, self.base, "base-1", self.tree,
                          self.owned(), force, self.say, Failed)

    def import_(self, force=False):
        series_git.import_branch(self.repo, self.base, self.tree,
                                 self.owned, force, self.say, Failed)

    def git(self, *args):
        res = series._git(self.tree, *args)
        self.assertEqual(res.returncode, 0, res.stderr)
        return res.stdout

    def test_round_trip(self):
        self.export()
        log = self.git("log", "--format=%s", "base..pidns").split("\n")
        self.assertEqual(log[:3], ["c: saw", "selftests/t: a test",
                                   "a: two"])
        # A new patch to an owned file, on top.
        write(os.path.join(self.tree, "kernel", "a.c"), "one\ntwo\nthree\n")
        self.git("commit", "-q", "-a", "-m", "a: three\n\nWhy three.")
        with self.assertRaisesRegex(Failed, "1 commits not imported"):
            self.export()
        self.import_()
        listed = [l for l in read(os.path.join(self.repo, "patches",
                                               "series")).splitlines()]
        self.assertEqual(listed, ["# The series.", "# In order.",
                                  "0001-a-two.patch", "@tests",
                                  "0003-c-saw.patch", "0004-a-three.patch"])
        self.assertEqual(read(os.path.join(self.repo, "kernel", "a.c")),
                         "one\ntwo\nthree\n")
        patches = sorted(os.listdir(os.path.join(self.repo, "patches")))
        self.assertEqual(patches, ["0001-a-two.patch", "0003-c-saw.patch",
                                   "0004-a-three.patch", "series"])
        self.assertIn("checkpatch: LONG_LINE:", read(os.path.join(
            self.repo, "patches", "0001-a-two.patch")))
        self.assertEqual(read(os.path.join(self.repo, "harness",
                                           "owned-commits")), OWNED_COMMITS)
        # Export and import again: the same files, byte for byte.
        before = {p: read(os.path.join(self.repo, "patches", p))
                  for p in patches}
        self.export()
        self.import_()
        self.assertEqual({p: read(os.path.join(self.repo, "patches", p))
                          for p in os.listdir(os.path.join(self.repo,
                                                           "patches"))},
                         before)

    def test_a_reworded_stanza_and_a_gone_one(self):
        self.export()
        # Reword @tests' changelog; it stays an @commit.
        self.git("rebase", "-q", "--exec",
                 "if [ \"$(git log -1 --format=%s)\" = 'selftests/t: a "
                 "test' ]; then git commit -q --amend -m 'selftests/t: a "
                 "test' -m 'Said better.'; fi", "base")
        self.import_()
        self.assertIn("@tests", read(os.path.join(self.repo, "patches",
                                                  "series")))
        self.assertEqual(series.owned_commits(self.repo)["tests"][:2],
                         ("selftests/t: a test", "Said better."))
        # Drop the @tests commit and carry its file by a patch instead.
        self.git("rebase", "-q", "--exec",
                 "if [ \"$(git log -1 --format=%s)\" = 'selftests/t: a "
                 "test' ]; then git commit -q --amend -m 'selftests/t: a "
                 "test as a patch' -m 'Why.'; fi", "base")
        self.import_()
        self.assertEqual(series.owned_commits(self.repo), {})
        self.assertIn("# The commits that carry our owned files.",
                      read(os.path.join(self.repo, "harness",
                                        "owned-commits")))
        listed = read(os.path.join(self.repo, "patches", "series"))
        self.assertIn("0002-selftests-t-a-test-as-a-patch.patch", listed)
        self.assertEqual(read(os.path.join(self.repo, "tools", "t", "t.c")),
                         "test\n")

    def test_an_edit_in_the_repository_is_not_overwritten(self):
        self.export()
        write(os.path.join(self.repo, "kernel", "a.c"), "one\ntwo\nmine\n")
        with self.assertRaisesRegex(Failed, "changed in the repository "
                                    "since make series-export.*kernel/a.c"):
            self.import_()
        self.import_(force=True)
        self.assertEqual(read(os.path.join(self.repo, "kernel", "a.c")),
                         "one\ntwo\n")

    def test_export_leaves_the_difference_to_place(self):
        write(os.path.join(self.repo, "kernel", "a.c"), "one\ntwo\nmine\n")
        self.export()
        self.assertEqual(read(os.path.join(self.tree, "kernel", "a.c")),
                         "one\ntwo\nmine\n")
        self.assertIn("kernel/a.c", self.said[-1])
        with self.assertRaisesRegex(Failed, "changes not committed"):
            self.import_()
        self.git("commit", "-q", "-a", "--fixup", "HEAD~2")
        self.git("-c", "sequence.editor=true", "rebase", "-q", "-i",
                 "--autosquash", "base")
        self.import_()
        self.assertIn("+mine", read(os.path.join(self.repo, "patches",
                                                 "0001-a-two.patch")))

    def test_force_throws_away_work_not_imported(self):
        self.export()
        write(os.path.join(self.tree, "lib", "c.c"), "changed\n")
        with self.assertRaisesRegex(Failed, "changes not committed"):
            self.export()
        self.export(force=True)
        self.assertEqual(read(os.path.join(self.tree, "lib", "c.c")),
                         "see\nsaw\n")


if __name__ == "__main__":
    unittest.main()
