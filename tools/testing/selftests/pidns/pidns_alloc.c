// SPDX-License-Identifier: GPL-2.0
/*
 * Numbers across the whole number space of a namespace: the cyclic cursor
 * crossing into new ranges, wrapping at pid_max back to RESERVED_PIDS,
 * numbers far apart (clone3 set_tid) found by every lookup and listed in
 * order by /proc, numbers reused once free, -EAGAIN when a namespace runs
 * out, and the order of clone3() set_tid's errors.  Each test runs as the
 * init of a fresh namespace, so it controls every number in it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "pidns_util.h"
#include "../kselftest_harness.h"

#define NS_LAST_PID	"/proc/sys/kernel/ns_last_pid"
#define PID_MAX		"/proc/sys/kernel/pid_max"
#define RESERVED_PIDS	300

/* A child that waits for SIGKILL; returns its number as fork() does. */
static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

/* The same with a chosen number, in the caller's namespace only. */
static pid_t spawn_sleeper_at(pid_t nr)
{
	struct pidns_clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = ptr_to_u64(&nr),
		.set_tid_size = 1,
	};
	pid_t pid = sys_clone3(&args, sizeof(args));

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

static void kill_and_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	pidns_wait_status(pid);
}

/* Is @nr listed by @procfd, and are the entries in ascending order? */
static bool proc_lists(int procfd, pid_t nr)
{
	pid_t pids[64];
	bool found = false;
	int n, i;

	n = pidns_proc_pids(procfd, pids, 64);
	if (n < 0 || n > 64)
		return false;
	for (i = 0; i < n; i++) {
		if (i && pids[i] <= pids[i - 1])
			return false;
		if (pids[i] == nr)
			found = true;
	}
	return found;
}

/* Every way of looking a number up finds the sleeper @nr. */
static void check_found_everywhere(int procfd, pid_t nr)
{
	int pidfd;

	CHILD_CHECK(kill(nr, 0) == 0);
	pidfd = sys_pidfd_open(nr, 0);
	CHILD_CHECK(pidfd >= 0);
	close(pidfd);
	CHILD_CHECK(pidns_self_in_proc(procfd) == getpid());
	CHILD_CHECK(proc_lists(procfd, nr));
}

/* Run @body as the init of a new namespace; its exit status, or -1. */
static int run_as_new_init(void (*body)(void))
{
	pid_t init = pidns_fork();

	if (init < 0)
		return -1;
	if (init == 0) {
		body();
		_exit(0);
	}
	return pidns_wait_status(init);
}

#define NO_NS_LAST_PID "no ns_last_pid (CONFIG_CHECKPOINT_RESTORE=n)"

/*
 * The allocator keeps numbers in 512-number chunks (Documentation/pidns.txt):
 * forks that step over chunk boundaries get consecutive numbers, all of them
 * found, and the first of them again once it is free.
 */
static void cursor_crosses_ranges_body(void)
{
	int procfd = pidns_proc_open();
	pid_t kids[6];
	int i;

	CHILD_CHECK(procfd >= 0);
	CHILD_CHECK(pidns_write_int(NS_LAST_PID, 509) == 0);
	for (i = 0; i < 5; i++) {
		kids[i] = spawn_sleeper();
		CHILD_CHECK(kids[i] == 510 + i);
	}
	CHILD_CHECK(pidns_write_int(NS_LAST_PID, 1020) == 0);
	kids[5] = spawn_sleeper();
	/* 1021 is free, and 1024 starts another range. */
	CHILD_CHECK(kids[5] == 1021);
	for (i = 0; i < 6; i++)
		check_found_everywhere(procfd, kids[i]);
	for (i = 0; i < 6; i++)
		kill_and_reap(kids[i]);
	CHILD_CHECK(kill(510, 0) == -1 && errno == ESRCH);
	CHILD_CHECK(!proc_lists(procfd, 510));

	CHILD_CHECK(pidns_write_int(NS_LAST_PID, 509) == 0);
	kids[0] = spawn_sleeper();
	CHILD_CHECK(kids[0] == 510);
	check_found_everywhere(procfd, 510);
	kill_and_reap(kids[0]);
}

TEST(cursor_crosses_ranges)
{
	PIDNS_REQUIRE();
	if (access(NS_LAST_PID, F_OK))
		SKIP(return, NO_NS_LAST_PID);
	ASSERT_EQ(0, run_as_new_init(cursor_crosses_ranges_body));
}

/* At pid_max the cursor wraps to RESERVED_PIDS, not to 1. */
static void wrap_goes_back_to_reserved_pids_body(void)
{
	int max = pidns_read_int(PID_MAX);
	pid_t top, low;

	CHILD_CHECK(max > RESERVED_PIDS + 10);
	CHILD_CHECK(pidns_write_int(NS_LAST_PID, max - 2) == 0);
	top = spawn_sleeper();
	CHILD_CHECK(top == max - 1);
	low = spawn_sleeper();
	CHILD_CHECK(low == RESERVED_PIDS);
	kill_and_reap(low);
	kill_and_reap(top);
}

TEST(wrap_goes_back_to_reserved_pids)
{
	PIDNS_REQUIRE();
	if (access(NS_LAST_PID, F_OK))
		SKIP(return, NO_NS_LAST_PID);
	ASSERT_EQ(0, run_as_new_init(wrap_goes_back_to_reserved_pids_body));
}

/* After the wrap, numbers still in use are skipped. */
static void wrap_skips_used_numbers_body(void)
{
	int max = pidns_read_int(PID_MAX);
	pid_t held, next;

	CHILD_CHECK(max > RESERVED_PIDS + 10);
	held = spawn_sleeper_at(RESERVED_PIDS);
	CHILD_CHECK(held == RESERVED_PIDS);
	CHILD_CHECK(pidns_write_int(NS_LAST_PID, max - 1) == 0);
	next = spawn_sleeper();
	CHILD_CHECK(next == RESERVED_PIDS + 1);
	kill_and_reap(next);
	kill_and_reap(held);
}

TEST(wrap_skips_used_numbers)
{
	PIDNS_REQUIRE();
	if (access(NS_LAST_PID, F_OK))
		SKIP(return, NO_NS_LAST_PID);
	ASSERT_EQ(0, run_as_new_init(wrap_skips_used_numbers_body));
}

/*
 * Numbers far apart, asked for with set_tid, are all found, listed in
 * order, taken only once, and free again when their task is gone.
 */
static void far_numbers_found_listed_and_reused_body(void)
{
	int procfd = pidns_proc_open();
	int max = pidns_read_int(PID_MAX);
	pid_t want[3] = { 600, 1500, max - 3 };
	pid_t got[3];
	int i;

	CHILD_CHECK(procfd >= 0);
	CHILD_CHECK(max > 1600);
	for (i = 0; i < 3; i++) {
		got[i] = spawn_sleeper_at(want[i]);
		CHILD_CHECK(got[i] == want[i]);
	}
	for (i = 0; i < 3; i++)
		check_found_everywhere(procfd, want[i]);
	CHILD_CHECK(spawn_sleeper_at(1500) == -1 && errno == EEXIST);

	/* The cursor did not move: the next cyclic number is 2. */
	got[0] = spawn_sleeper();
	CHILD_CHECK(got[0] == 2);
	kill_and_reap(got[0]);

	kill_and_reap(1500);
	CHILD_CHECK(!proc_lists(procfd, 1500));
	CHILD_CHECK(proc_lists(procfd, 600));
	CHILD_CHECK(proc_lists(procfd, max - 3));
	got[1] = spawn_sleeper_at(1500);
	CHILD_CHECK(got[1] == 1500);
	for (i = 0; i < 3; i++)
		kill_and_reap(want[i]);
}

TEST(far_numbers_found_listed_and_reused)
{
	PIDNS_REQUIRE();
	if (access(NS_LAST_PID, F_OK))
		SKIP(return, NO_NS_LAST_PID);
	ASSERT_EQ(0, run_as_new_init(far_numbers_found_listed_and_reused_body));
}

/*
 * A fork into a new namespace that fails after its first number was taken
 * (set_tid asks for 1 there, then for a number in use one level up) gives
 * that number back and leaves the namespace open: the next fork is its
 * init, number 1.
 */
static void failed_first_fork_leaves_namespace_open_body(void)
{
	pid_t tid[2] = { 1, 1 };	/* 1 is free below, taken (us) here */
	struct pidns_clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = ptr_to_u64(tid),
		.set_tid_size = 2,
	};
	pid_t c;

	CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
	errno = 0;
	c = sys_clone3(&args, sizeof(args));
	if (c == 0)
		_exit(0);
	CHILD_CHECK(c == -1 && errno == EEXIST);

	c = fork();
	if (c == 0)
		_exit(sys_getpid() == 1 ? 0 : 1);
	CHILD_CHECK(c > 0);
	CHILD_CHECK(pidns_wait_status(c) == 0);
}

TEST(failed_first_fork_leaves_namespace_open)
{
	PIDNS_REQUIRE();
	ASSERT_EQ(0, run_as_new_init(failed_first_fork_leaves_namespace_open_body));
}

#define FULL_PID_MAX	400

/*
 * Run @body as the init of a new namespace after filling it with sleepers
 * until fork() fails with EAGAIN.  pid_max is lowered to FULL_PID_MAX to
 * make that quick; the parent namespace may run out first, at the same
 * bound, which gives the same error.  @body gets the sleepers, newest
 * last, and reaps them.  Returns the init's exit status, or -1 if pid_max
 * cannot be lowered or restored.
 */
static int run_when_full(void (*body)(pid_t *kids, int n))
{
	int old_max = pidns_read_int(PID_MAX);
	int status = -1;
	pid_t init;

	if (old_max <= 0 || pidns_write_int(PID_MAX, FULL_PID_MAX))
		return -1;
	init = pidns_fork();
	if (init == 0) {
		static pid_t kids[FULL_PID_MAX];
		int n = 0;

		while (n < FULL_PID_MAX) {
			kids[n] = spawn_sleeper();
			if (kids[n] < 0)
				break;
			n++;
		}
		CHILD_CHECK(n < FULL_PID_MAX && errno == EAGAIN);
		body(kids, n);
		_exit(0);
	}
	if (init > 0)
		status = pidns_wait_status(init);
	if (pidns_write_int(PID_MAX, old_max))
		return -1;
	return status;
}

static void kill_and_reap_all(pid_t *kids, int n)
{
	while (n--)
		kill_and_reap(kids[n]);
}

/*
 * A namespace whose numbers are all taken refuses fork() with EAGAIN and
 * accepts it again once one is free.
 */
static void exhausted_namespace_eagain_body(pid_t *kids, int n)
{
	pid_t c;

	/*
	 * Free the newest number, at every level.  An older one may lie
	 * below RESERVED_PIDS in the parent namespace, where the wrapped
	 * cursor does not go back to.
	 */
	kill_and_reap(kids[--n]);
	c = spawn_sleeper();
	CHILD_CHECK(c > 0);
	kill_and_reap(c);
	kill_and_reap_all(kids, n);
}

TEST(exhausted_namespace_eagain)
{
	PIDNS_REQUIRE();
	ASSERT_EQ(0, run_when_full(exhausted_namespace_eagain_body));
}

/*
 * A first fork into a fresh namespace that fails one level up, because
 * the parent namespace has no number left, must leave the fresh namespace
 * as it was: the next fork there makes its init, number 1.  A core that
 * left the cursor moved by the failed fork gave the next child number 2
 * in a namespace with no reaper, and crashed the kernel when that child
 * died leaving a child of its own.
 */
static void full_parent_first_fork_body(pid_t *kids, int n)
{
	pid_t c;

	CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
	errno = 0;
	c = fork();
	if (c == 0)
		_exit(PIDNS_CHILD_FAIL);
	CHILD_CHECK(c == -1 && errno == EAGAIN);

	/*
	 * The three newest numbers, free at every level (see above): for
	 * the init, its child and the child's orphan.
	 */
	CHILD_CHECK(n >= 3);
	kill_and_reap(kids[--n]);
	kill_and_reap(kids[--n]);
	kill_and_reap(kids[--n]);
	c = fork();
	if (c == 0) {
		pid_t orphan;

		if (sys_getpid() != 1 || sys_getppid() != 0)
			_exit(1);
		/* As init, reap an orphan of our own child. */
		orphan = fork();
		if (orphan == 0) {
			pid_t left = fork();

			/* Outlives its parent, so the init must take it. */
			if (left == 0)
				pause();
			_exit(left > 0 ? 0 : 1);
		}
		_exit(pidns_wait_status(orphan) == 0 ? 0 : 2);
	}
	CHILD_CHECK(c > 0);
	CHILD_CHECK(pidns_wait_status(c) == 0);
	kill_and_reap_all(kids, n);
}

TEST(full_parent_first_fork_still_makes_init)
{
	PIDNS_REQUIRE();
	ASSERT_EQ(0, run_when_full(full_parent_first_fork_body));
}

/*
 * A namespace whose cyclic cursor never moved reads -1 as its last pid,
 * as 6.12 does (the IDR cursor minus one): CRIU makes an init with
 * clone3() set_tid {1}, which does not move the cursor.  Once a fork has
 * used the cursor, it reads the number that fork got.
 */
static void unmoved_cursor_reads_minus_one_body(void)
{
	int procfd = pidns_proc_open();
	pid_t c;

	CHILD_CHECK(procfd >= 0);
	CHILD_CHECK(pidns_read_int(NS_LAST_PID) == -1);
	CHILD_CHECK(pidns_loadavg_last_pid(procfd) == -1);
	c = fork();
	if (c == 0)
		_exit(0);
	CHILD_CHECK(c == 2 && pidns_wait_status(c) == 0);
	CHILD_CHECK(pidns_read_int(NS_LAST_PID) == 2);
	CHILD_CHECK(pidns_loadavg_last_pid(procfd) == 2);
	_exit(0);
}

TEST(unmoved_cursor_reads_minus_one)
{
	pid_t one = 1;
	struct pidns_clone_args args = {
		.flags = CLONE_NEWPID,
		.exit_signal = SIGCHLD,
		.set_tid = ptr_to_u64(&one),
		.set_tid_size = 1,
	};
	pid_t init;

	PIDNS_REQUIRE();
	if (access(NS_LAST_PID, F_OK))
		SKIP(return, NO_NS_LAST_PID);
	init = sys_clone3(&args, sizeof(args));
	if (init == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		unmoved_cursor_reads_minus_one_body();
	}
	ASSERT_GT(init, 0);
	ASSERT_EQ(0, pidns_wait_status(init));
}

/*
 * clone3() into a namespace whose init has died, with a set_tid number
 * that is taken one level up: as in 6.12, the taken number (EEXIST) is
 * reported before the closed namespace (ENOMEM), which a plain fork into
 * it gets.
 */
static void closed_leaf_taken_parent_number_body(void)
{
	int procfd = pidns_proc_open();
	int hold[2], nsfd;
	pid_t inner, tid[2];
	char path[32];
	struct pidns_clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = ptr_to_u64(tid),
		.set_tid_size = 2,
	};
	pid_t c;

	CHILD_CHECK(procfd >= 0 && pidns_pipe(hold) == 0);
	inner = pidns_fork_idle_init(hold);
	CHILD_CHECK(inner > 0);
	/* Our own proc: the one the test started with names other tasks. */
	snprintf(path, sizeof(path), "%d/ns/pid", inner);
	nsfd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(nsfd >= 0);
	close(hold[1]);
	CHILD_CHECK(pidns_wait_status(inner) == 0);

	CHILD_CHECK(setns(nsfd, CLONE_NEWPID) == 0);
	errno = 0;
	c = fork();
	if (c == 0)
		_exit(PIDNS_CHILD_FAIL);
	CHILD_CHECK(c == -1 && errno == ENOMEM);

	tid[0] = 5;
	tid[1] = getpid();	/* 1: taken, by us */
	errno = 0;
	c = sys_clone3(&args, sizeof(args));
	if (c == 0)
		_exit(PIDNS_CHILD_FAIL);
	CHILD_CHECK(c == -1 && errno == EEXIST);
	_exit(0);
}

TEST(closed_namespace_set_tid_taken_above_is_eexist)
{
	PIDNS_REQUIRE();
	ASSERT_EQ(0, run_as_new_init(closed_leaf_taken_parent_number_body));
}

/* clone3() with set_tid @tid[0 .. @n - 1]: 0 if it made a child, else errno. */
static int set_tid_errno(pid_t *tid, size_t n)
{
	struct pidns_clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid = ptr_to_u64(tid),
		.set_tid_size = n,
	};
	pid_t c = sys_clone3(&args, sizeof(args));

	if (c == 0)
		_exit(0);
	if (c < 0)
		return errno;
	pidns_wait_status(c);
	return 0;
}

/*
 * clone3() set_tid checks the capability at every level given before
 * anything else, as upstream does: into a namespace without an init,
 * set_tid {5} is EINVAL with CAP_CHECKPOINT_RESTORE (5 is not 1) and
 * EPERM without it (and without CAP_SYS_ADMIN), where 6.12 says EINVAL
 * either way; {1} and {1, -1} are EPERM too.  Nothing was taken: the next
 * fork makes the init.
 */
static void set_tid_eperm_before_einval_body(void)
{
	static const int caps[] = { CAP_SYS_ADMIN_BIT,
				    CAP_CHECKPOINT_RESTORE_BIT };
	pid_t tid[2] = { 5, -1 };
	pid_t c;

	CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
	CHILD_CHECK(set_tid_errno(tid, 1) == EINVAL);
	CHILD_CHECK(pidns_drop_caps(caps, ARRAY_SIZE(caps)) == 0);
	CHILD_CHECK(set_tid_errno(tid, 1) == EPERM);
	tid[0] = 1;
	CHILD_CHECK(set_tid_errno(tid, 1) == EPERM);
	CHILD_CHECK(set_tid_errno(tid, 2) == EPERM);

	c = fork();
	if (c == 0)
		_exit(sys_getpid() == 1 ? 0 : 1);
	CHILD_CHECK(c > 0);
	CHILD_CHECK(pidns_wait_status(c) == 0);
}

TEST(set_tid_eperm_before_einval)
{
	PIDNS_REQUIRE();
	ASSERT_EQ(0, run_as_new_init(set_tid_eperm_before_einval_body));
}

/*
 * Then the numbers, all of them, before any is taken: a number out of
 * range one level up (EINVAL) is reported before a number in use in the
 * child's own namespace (EEXIST), which 6.12 finds first, level by level.
 */
static void set_tid_einval_before_eexist_body(void)
{
	int procfd = pidns_proc_open();
	int hold[2], nsfd;
	pid_t inner, tid[2];
	char path[32];

	CHILD_CHECK(procfd >= 0 && pidns_pipe(hold) == 0);
	inner = pidns_fork_idle_init(hold);
	CHILD_CHECK(inner > 0);
	/* Our own proc: the one the test started with names other tasks. */
	snprintf(path, sizeof(path), "%d/ns/pid", inner);
	nsfd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(nsfd >= 0);
	CHILD_CHECK(setns(nsfd, CLONE_NEWPID) == 0);

	tid[0] = 1;		/* the inner init's */
	tid[1] = 0;		/* never a number */
	CHILD_CHECK(set_tid_errno(tid, 2) == EINVAL);
	tid[1] = pidns_read_int(PID_MAX);	/* not below our limit */
	CHILD_CHECK(tid[1] > 0);
	CHILD_CHECK(set_tid_errno(tid, 2) == EINVAL);
	tid[1] = 1000;		/* free here */
	CHILD_CHECK(set_tid_errno(tid, 2) == EEXIST);

	close(hold[1]);
	CHILD_CHECK(pidns_wait_status(inner) == 0);
}

TEST(set_tid_einval_before_eexist)
{
	PIDNS_REQUIRE();
	ASSERT_EQ(0, run_as_new_init(set_tid_einval_before_eexist_body));
}

TEST_HARNESS_MAIN
