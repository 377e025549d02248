# pidns: the commands.  Every target does its own set-up on a fresh Debian
# 12 machine (packages, base source, kernel build) and reuses build/ after.
#
#   make run                 boot our kernel and show pid namespaces at work
#   make check               build and boot our debug kernel, run every test
#   make check KERNEL=stock  the same tests on the unmodified base
#   make check TESTS=pidns,proc/self   only these suites or programs
#   make check CONFIG=rt     the same on PREEMPT_RT (CONFIG=kcsan: KCSAN)
#   make check STEP=N        the tree of the first N steps of patches/series
#                            (or STEP=a mail's file name), in build/step/:
#                            its pidns programs, pid_namespace, pidfd, clone3
#   make stress              pidns_stress for 10 minutes on the debug kernel
#   make fuzz                trinity on the pid syscalls for 10 minutes
#   make shell               an interactive busybox shell in the guest
#   make series              out/series/: the git am-able patch series
#   make series-fold         an edit of an owned file into the last patch
#                            that touches it
#   make series-export       build/series-git: the base and a branch with
#                            one commit per step, for git rebase -i
#                            (FORCE=1 throws away work not imported)
#   make series-import       that branch back into patches/ and the owned
#                            files (FORCE=1 overwrites edits made since)
#   make series-check        every patch of out/series on the full base:
#                            applies, builds, checkpatch, sparse, W=1, cross
#   make bench               stock against ours, non-debug kernels, in QEMU:
#                            out/bench/ (table, results.csv, depth.png)
#   make bench-profile       per kernel function, where the instructions of
#                            a benchmark go (PROFILE_ARGS, see profile.py)
#   make bench-lockhold      instructions per fork under the locks every
#                            fork takes (LOCKHOLD_ARGS, see lockhold.py)
#   make bench-exact         exact instructions per function of a
#                            benchmark loop (EXACT_ARGS, see exact.py)
#   make users-build         every .c file that uses a name the series
#                            changes, compiled with allmodconfig:
#                            out/users-build.md (USERS_BUILD_ARGS=--list)
#   make harness-test        the harness's own unit tests (no kernel needed)
#   make clean               remove build/ and out/

KERNEL ?= ours
CONFIG ?= debug
TESTS ?=
# make check STEP=N: only the first N steps of patches/series (a number, a
# mail's file name or @name); see README.md, "Booting one step".
STEP ?=
# One program's arguments for this run, "suite/program=ARGUMENTS".
TEST_ARGS ?=
STRESS_SECONDS ?= 600
FUZZ_SECONDS ?= 600
# make series-check's options, e.g. "--from 3 --to 5", "--no-build".
SERIES_CHECK_ARGS ?=
# make series-export FORCE=1: overwrite a branch with work not imported;
# make series-import FORCE=1: overwrite edits made in the repository since.
FORCE ?=
# make bench-profile's options, e.g. --run "ns_create 100000 1 unshare".
PROFILE_ARGS ?=
# make bench-lockhold's options, e.g. --iters 5000 --kernels ours.
LOCKHOLD_ARGS ?=
# make bench-exact's options, e.g. --run "clone_vm 31 20000 1".
EXACT_ARGS ?=
# make users-build's options, e.g. --list, --no-cross, --only changed.
USERS_BUILD_ARGS ?=
PYTHON ?= python3
HARNESS := $(PYTHON) harness/pidns.py

.PHONY: all run check stress fuzz shell series series-fold series-export \
	series-import series-check bench \
	bench-profile bench-lockhold bench-exact harness-test clean

all: run

run:
	$(HARNESS) run --kernel $(KERNEL)

check: harness-test
	$(HARNESS) check --kernel $(KERNEL) --config $(CONFIG) --tests "$(TESTS)" \
		$(if $(TEST_ARGS),--args "$(TEST_ARGS)") \
		$(if $(STEP),--step "$(STEP)")

stress: harness-test
	$(HARNESS) stress --kernel $(KERNEL) --config $(CONFIG) \
		--seconds $(STRESS_SECONDS) $(if $(TEST_ARGS),--args "$(TEST_ARGS)")

fuzz: harness-test
	$(HARNESS) fuzz --kernel $(KERNEL) --config $(CONFIG) \
		--seconds $(FUZZ_SECONDS)

shell:
	$(HARNESS) shell --kernel $(KERNEL) --config $(CONFIG)

series:
	$(HARNESS) series

series-fold:
	$(HARNESS) series-fold

series-export:
	$(HARNESS) series-export $(if $(filter 1,$(FORCE)),--force)

series-import:
	$(HARNESS) series-import $(if $(filter 1,$(FORCE)),--force)

series-check: harness-test
	$(PYTHON) harness/series_check.py $(SERIES_CHECK_ARGS)

bench:
	$(PYTHON) harness/bench/bench.py

bench-profile:
	$(PYTHON) harness/bench/profile.py $(PROFILE_ARGS)

bench-lockhold:
	$(PYTHON) harness/bench/lockhold.py $(LOCKHOLD_ARGS)

bench-exact:
	$(PYTHON) harness/bench/exact.py $(EXACT_ARGS)

# Not part of make check: an allmodconfig build (see README.md).
.PHONY: users-build
users-build: harness-test
	$(PYTHON) harness/users_build.py $(USERS_BUILD_ARGS)

harness-test:
	$(PYTHON) -m unittest discover -s harness -p '*_test.py' -q

clean:
	rm -rf build out
