#!/bin/sh
# git bisect run's command in make series-export's repository: boot the
# step of patches/series that HEAD is and run the suite as far as that
# step goes (make check STEP=N).  See README.md, "Booting one step".
#
#   cd build/series-git
#   git bisect start pidns base          # bad, then good
#   git bisect run flock /tmp/pidns-run.lock ../../harness/step_check.sh \
#       pidns/pidns_wait,pidfd/pidfd_wait        # TESTS, optional
#
# The branch has one commit per line of patches/series, in order, so
# HEAD's step is its number of commits after tag base; HEAD's subject
# must be that step's (the branch must be patches/series: as exported,
# or imported since), or the bisect stops.  The tests are the first
# argument, else $TESTS, else make check STEP's default; $CONFIG picks
# another config than debug.
#
# Exit status, as git bisect run reads it: 0 the tests passed, 1 they
# failed (a case, a kernel splat, a guest that hung), 125 this step
# cannot be tested (it does not build, or does not have the tests
# asked for: skipped), 128 stop the bisect (HEAD is not a step of
# patches/series, or the series does not apply).
set -u
repo=$(cd "$(dirname "$0")/.." && pwd) || exit 128
git merge-base --is-ancestor base HEAD || {
	echo "step_check: HEAD does not descend from tag base" >&2
	exit 128
}
n=$(git rev-list --count base..HEAD) || exit 128
subject=$(git log -1 --format=%s HEAD) || exit 128
tests=${1:-${TESTS:-}}
cd "$repo" || exit 128
exec "${PYTHON:-python3}" harness/pidns.py check --step "$n" \
	--step-subject "$subject" --tests "$tests" --config "${CONFIG:-debug}"
