// SPDX-License-Identifier: GPL-2.0
/*
 * The namespace init (pid 1): which signals reach it from inside and from
 * an ancestor namespace, orphans being reparented to it, what its exit
 * does to the rest of the namespace, and reboot() inside a namespace.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <linux/reboot.h>

#include "pidns_util.h"
#include "../kselftest_harness.h"

/* Wait for exit or stop of @pid; returns the CLD_* code, -1 on error. */
static int wait_exit_or_stop(pid_t pid, int *status)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	if (sys_waitid(P_PID, pid, &info, WEXITED | WSTOPPED, NULL))
		return -1;
	*status = info.si_status;
	return info.si_code;
}

FIXTURE(init) {
	pid_t init;
	int release[2];		/* init exits 0 on EOF */
	int ready[2];		/* init posts a byte once set up */
	struct pidns_sigrec *rec;
};

FIXTURE_SETUP(init)
{
	PIDNS_REQUIRE();
	self->rec = pidns_shared_alloc(sizeof(*self->rec));
	ASSERT_NE(NULL, self->rec);
	pidns_sigrec = self->rec;
	ASSERT_EQ(0, pidns_pipe(self->release));
	ASSERT_EQ(0, pidns_pipe(self->ready));
	self->init = -1;
}

FIXTURE_TEARDOWN(init)
{
	close(self->release[1]);
	if (self->init > 0) {
		kill(self->init, SIGKILL);
		waitpid(self->init, NULL, 0);
	}
}

/*
 * Start an init that runs @setup (if any), posts "ready" and then waits
 * for release; with @wait_sig it instead waits for a caught signal.
 */
static pid_t start_init(struct _test_data_init *self, int catch, bool wait_sig)
{
	pid_t pid = pidns_fork();

	if (pid != 0)
		return pid;
	close(self->release[1]);
	if (catch)
		CHILD_CHECK(pidns_catch_signal(catch) == 0);
	pidns_post_byte(self->ready[1]);
	if (wait_sig) {
		pidns_wait_signal();
		_exit(0);
	}
	pidns_wait_byte(self->release[0]);
	_exit(0);
}

/* Release the init and collect its status (exit code or 128 + signal). */
static int finish_init(struct _test_data_init *self)
{
	int st;

	close(self->release[1]);
	st = pidns_wait_status(self->init);
	self->init = -1;
	return st;
}

/* ---- signals from inside ----------------------------------------------- */

/* Fork a member that sends @sig to init (pid 1); true if kill() said 0. */
static bool member_signals_init(int sig)
{
	pid_t c = fork();

	if (c == 0)
		_exit(kill(1, sig) == 0 ? 0 : 1);
	return pidns_wait_status(c) == 0;
}

TEST_F(init, inside_sigkill_ignored)
{
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		/* The kill "succeeds" but the signal is dropped. */
		CHILD_CHECK(member_signals_init(SIGKILL));
		_exit(0);
	}
	EXPECT_EQ(0, finish_init(self));
}

TEST_F(init, inside_sigstop_ignored)
{
	int code, st = 0;

	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		CHILD_CHECK(member_signals_init(SIGSTOP));
		_exit(0);
	}
	code = wait_exit_or_stop(self->init, &st);
	EXPECT_EQ(CLD_EXITED, code);
	EXPECT_EQ(0, st);
	if (code == CLD_EXITED)
		self->init = -1;
}

TEST_F(init, inside_default_action_signals_ignored)
{
	int code, st = 0;

	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1,
			       SIGUSR2, SIGALRM, SIGABRT, SIGSEGV, SIGTSTP,
			       SIGTTIN, SIGTTOU, SIGXCPU, SIGSYS };

		for (unsigned int i = 0; i < ARRAY_SIZE(sigs); i++)
			CHILD_CHECK(member_signals_init(sigs[i]));
		_exit(0);
	}
	code = wait_exit_or_stop(self->init, &st);
	EXPECT_EQ(CLD_EXITED, code);
	EXPECT_EQ(0, st);
	if (code == CLD_EXITED)
		self->init = -1;
}

/* init cannot kill itself with kill() either. */
TEST_F(init, inside_self_sigkill_ignored)
{
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		CHILD_CHECK(kill(1, SIGKILL) == 0);
		CHILD_CHECK(kill(getpid(), SIGTERM) == 0);
		CHILD_CHECK(sys_tgkill(1, 1, SIGKILL) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, finish_init(self));
}

/*
 * A default-action signal sent while init blocks it is dropped when init
 * unblocks it, not acted upon.
 */
TEST_F(init, inside_blocked_default_signal_dropped)
{
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGTERM);
		CHILD_CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
		CHILD_CHECK(member_signals_init(SIGTERM));
		CHILD_CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
		/* A system call gives the kernel a chance to deliver it. */
		getppid();
		_exit(0);
	}
	EXPECT_EQ(0, finish_init(self));
}

/* A handled signal from a member is delivered, with the member's pid. */
TEST_F(init, inside_handled_signal_delivered)
{
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		CHILD_CHECK(pidns_catch_signal(SIGUSR1) == 0);
		CHILD_CHECK(member_signals_init(SIGUSR1));
		pidns_wait_signal();
		_exit(0);
	}
	EXPECT_EQ(0, finish_init(self));
	EXPECT_EQ(1, self->rec->count);
	EXPECT_EQ(SIGUSR1, self->rec->signo);
	EXPECT_EQ(2, self->rec->pid);
	EXPECT_EQ(SI_USER, self->rec->code);
}

/* ---- signals from an ancestor ------------------------------------------ */

TEST_F(init, ancestor_sigkill_forced)
{
	self->init = start_init(self, 0, false);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	ASSERT_EQ(0, kill(self->init, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, pidns_wait_status(self->init));
	self->init = -1;
}

TEST_F(init, ancestor_sigkill_by_pidfd_forced)
{
	int pidfd;

	self->init = start_init(self, 0, false);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	pidfd = sys_pidfd_open(self->init, 0);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, SIGKILL, NULL, 0));
	EXPECT_EQ(128 + SIGKILL, pidns_wait_status(self->init));
	self->init = -1;
}

TEST_F(init, ancestor_sigstop_forced)
{
	siginfo_t info;

	self->init = start_init(self, 0, false);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	ASSERT_EQ(0, kill(self->init, SIGSTOP));
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PID, self->init, &info, WSTOPPED, NULL));
	EXPECT_EQ(CLD_STOPPED, info.si_code);
	EXPECT_EQ(SIGSTOP, info.si_status);
	/* SIGCONT, a default-action (continue) signal, also works. */
	ASSERT_EQ(0, kill(self->init, SIGCONT));
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PID, self->init, &info, WCONTINUED, NULL));
	EXPECT_EQ(CLD_CONTINUED, info.si_code);
	EXPECT_EQ(0, finish_init(self));
}

/* Default-action signals other than SIGKILL/SIGSTOP are not delivered. */
TEST_F(init, ancestor_default_action_signals_dropped)
{
	int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2,
		       SIGALRM, SIGABRT, SIGSEGV, SIGTSTP, SIGTTIN, SIGTTOU,
		       SIGXCPU, SIGSYS };
	int code, st = 0;

	self->init = start_init(self, 0, false);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	for (unsigned int i = 0; i < ARRAY_SIZE(sigs); i++)
		ASSERT_EQ(0, kill(self->init, sigs[i]));
	close(self->release[1]);
	code = wait_exit_or_stop(self->init, &st);
	EXPECT_EQ(CLD_EXITED, code);
	EXPECT_EQ(0, st);
	if (code == CLD_EXITED)
		self->init = -1;
}

/* A handled signal arrives, with si_pid 0: the sender has no number. */
TEST_F(init, ancestor_handled_signal_si_pid_0)
{
	self->init = start_init(self, SIGUSR1, true);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	ASSERT_EQ(0, kill(self->init, SIGUSR1));
	EXPECT_EQ(0, finish_init(self));
	EXPECT_EQ(1, self->rec->count);
	EXPECT_EQ(0, self->rec->pid);
	EXPECT_EQ(SI_USER, self->rec->code);
	EXPECT_EQ(getuid(), self->rec->uid);
}

TEST_F(init, ancestor_sigqueue_si_pid_0)
{
	union sigval v = { .sival_int = 1234 };

	self->init = start_init(self, SIGUSR1, true);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	ASSERT_EQ(0, sigqueue(self->init, SIGUSR1, v));
	EXPECT_EQ(0, finish_init(self));
	EXPECT_EQ(1, self->rec->count);
	EXPECT_EQ(0, self->rec->pid);
	EXPECT_EQ(SI_QUEUE, self->rec->code);
	EXPECT_EQ(1234, self->rec->value);
}

TEST_F(init, ancestor_tgkill_si_pid_0)
{
	self->init = start_init(self, SIGUSR1, true);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	ASSERT_EQ(0, sys_tgkill(self->init, self->init, SIGUSR1));
	EXPECT_EQ(0, finish_init(self));
	EXPECT_EQ(1, self->rec->count);
	EXPECT_EQ(0, self->rec->pid);
	EXPECT_EQ(SI_TKILL, self->rec->code);
}

TEST_F(init, ancestor_pidfd_signal_si_pid_0)
{
	int pidfd;

	self->init = start_init(self, SIGUSR1, true);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	pidfd = sys_pidfd_open(self->init, 0);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, SIGUSR1, NULL, 0));
	EXPECT_EQ(0, finish_init(self));
	EXPECT_EQ(1, self->rec->count);
	EXPECT_EQ(0, self->rec->pid);
	EXPECT_EQ(SI_USER, self->rec->code);
}

/* ---- reparenting -------------------------------------------------------- */

/* Poll getppid() until it is @want (bounded); true on success. */
static bool ppid_becomes(pid_t want)
{
	for (int i = 0; i < 5000; i++) {
		if (getppid() == want)
			return true;
		usleep(1000);
	}
	return false;
}

/* Fork A which forks B and exits; B runs @fn. Returns B's pid via *b. */
static pid_t make_orphan(int (*fn)(void), int res_fd)
{
	pid_t a = fork();

	if (a == 0) {
		pid_t b = fork();

		if (b == 0)
			_exit(fn());
		pidns_send_int(res_fd, b);
		_exit(0);
	}
	return a;
}

static int orphan_expects_init(void)
{
	return ppid_becomes(1) ? 0 : 1;
}

static int orphan_expects_2(void)
{
	return ppid_becomes(2) ? 0 : 1;
}

TEST_F(init, orphan_reparented_to_ns_init)
{
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		int res[2], b = 0;
		siginfo_t info;
		pid_t a;

		CHILD_CHECK(pipe(res) == 0);
		a = make_orphan(orphan_expects_init, res[1]);
		CHILD_CHECK(a == 2);
		CHILD_CHECK(pidns_recv_int(res[0], &b) == 0 && b == 3);
		CHILD_CHECK(pidns_wait_status(a) == 0);
		memset(&info, 0, sizeof(info));
		CHILD_CHECK(sys_waitid(P_ALL, 0, &info, WEXITED, NULL) == 0);
		CHILD_CHECK(info.si_pid == 3 && info.si_status == 0);
		_exit(0);
	}
	EXPECT_EQ(0, finish_init(self));
}

TEST_F(init, orphan_reparented_to_subreaper_in_ns)
{
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		pid_t s = fork();

		if (s == 0) {
			int res[2], b = 0;
			pid_t a;

			CHILD_CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
			CHILD_CHECK(pipe(res) == 0);
			a = make_orphan(orphan_expects_2, res[1]);
			CHILD_CHECK(a == 3);
			CHILD_CHECK(pidns_recv_int(res[0], &b) == 0 && b == 4);
			CHILD_CHECK(pidns_wait_status(a) == 0);
			CHILD_CHECK(pidns_wait_status(4) == 0);
			_exit(0);
		}
		CHILD_CHECK(s == 2);
		CHILD_CHECK(pidns_wait_status(s) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, finish_init(self));
}

/* A subreaper outside the namespace does not adopt the namespace's orphans. */
TEST_F(init, outside_subreaper_not_used)
{
	siginfo_t info;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		int res[2], b = 0;
		pid_t a;

		CHILD_CHECK(pipe(res) == 0);
		a = make_orphan(orphan_expects_init, res[1]);
		CHILD_CHECK(pidns_recv_int(res[0], &b) == 0);
		CHILD_CHECK(pidns_wait_status(a) == 0);
		CHILD_CHECK(pidns_wait_status(b) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(self->init));
	self->init = -1;
	/* Nothing else was ever handed to us. */
	memset(&info, 0, sizeof(info));
	errno = 0;
	EXPECT_EQ(-1, sys_waitid(P_ALL, 0, &info, WEXITED | WNOHANG, NULL));
	EXPECT_EQ(ECHILD, errno);
}

/*
 * Orphans go to a reaper of the namespace their dying parent was in: a
 * member whose parent is outside (setns() + fork()) is not adopted by the
 * namespace init but by the parent's (sub)reaper, and keeps seeing 0.
 */
TEST_F(init, orphan_of_outside_parent_not_adopted_by_init)
{
	int res[2], xpid[2], started[2], v = -1;
	pid_t p, x = 0;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, pidns_pipe(res));
	ASSERT_EQ(0, pidns_pipe(xpid));
	ASSERT_EQ(0, pidns_pipe(started));
	self->init = start_init(self, 0, false);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	p = fork();
	ASSERT_GE(p, 0);
	if (p == 0) {
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/pid", self->init);
		CHILD_CHECK(setns(open(path, O_RDONLY), CLONE_NEWPID) == 0);
		x = fork();
		if (x == 0) {
			close(self->release[1]);
			pidns_send_int(res[1], getppid());
			pidns_wait_byte(started[0]);
			/* Orphaned now; our new parent is still invisible. */
			pidns_send_int(res[1], getppid());
			for (;;)
				pause();
		}
		pidns_send_int(xpid[1], x);
		_exit(0);
	}
	ASSERT_EQ(0, pidns_recv_int(res[0], &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, pidns_wait_status(p));
	ASSERT_EQ(0, pidns_recv_int(xpid[0], &x));
	ASSERT_GT(x, 0);
	pidns_post_byte(started[1]);
	ASSERT_EQ(0, pidns_recv_int(res[0], &v));
	EXPECT_EQ(0, v);
	/* It is ours (the subreaper's) to reap. */
	ASSERT_EQ(0, kill(x, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, pidns_wait_status(x));
	EXPECT_EQ(0, finish_init(self));
}

/* ---- init's exit ------------------------------------------------------- */

#define MEMBERS 3

struct members {
	pid_t outer[MEMBERS];
};

/*
 * Make an init with MEMBERS blocked members (one of them stopped) and
 * record their numbers in the test's namespace.
 */
static pid_t start_populated_init(struct _test_data_init *self,
				  struct members *m, int procfd, int exit_code)
{
	pid_t pid = pidns_fork();
	int up[2];

	if (pid != 0)
		return pid;
	close(self->release[1]);
	CHILD_CHECK(pipe(up) == 0);
	for (int i = 0; i < MEMBERS; i++) {
		pid_t c = fork();

		CHILD_CHECK(c >= 0);
		if (c == 0) {
			m->outer[i] = pidns_self_in_proc(procfd);
			pidns_post_byte(up[1]);
			if (i == 0)
				kill(getpid(), SIGSTOP);
			/* Never released: only init's exit ends us. */
			for (;;)
				pause();
		}
		CHILD_CHECK(pidns_wait_byte(up[0]));
	}
	pidns_post_byte(self->ready[1]);
	pidns_wait_byte(self->release[0]);
	_exit(exit_code);
}

static void expect_members_gone(struct __test_metadata *_metadata,
				struct members *m)
{
	for (int i = 0; i < MEMBERS; i++) {
		errno = 0;
		EXPECT_EQ(-1, kill(m->outer[i], 0)) {
			TH_LOG("member %d (pid %d) survived init", i,
			       m->outer[i]);
		}
		EXPECT_EQ(ESRCH, errno);
	}
}

/*
 * Start of the *_kills_all_members tests: a populated init (exiting with
 * @exit_code once released) that is set up and ready.  Returns where the
 * members' outer numbers are recorded.
 */
static struct members *
ready_populated_init(struct __test_metadata *_metadata,
		     struct _test_data_init *self, int exit_code)
{
	struct members *m = pidns_shared_alloc(sizeof(*m));
	int procfd = pidns_proc_open();

	ASSERT_NE(NULL, m);
	ASSERT_GE(procfd, 0);
	self->init = start_populated_init(self, m, procfd, exit_code);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	return m;
}

/* init's exit kills every member; they are gone when init is reaped. */
TEST_F(init, init_exit_kills_all_members)
{
	struct members *m = ready_populated_init(_metadata, self, 5);

	for (int i = 0; i < MEMBERS; i++)
		ASSERT_GT(m->outer[i], 0);
	/* init's own exit status is what it passed to exit(). */
	EXPECT_EQ(5, finish_init(self));
	expect_members_gone(_metadata, m);
}

TEST_F(init, init_killed_kills_all_members)
{
	struct members *m = ready_populated_init(_metadata, self, 0);

	ASSERT_EQ(0, kill(self->init, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, pidns_wait_status(self->init));
	self->init = -1;
	expect_members_gone(_metadata, m);
}

static pid_t fork_into_ns_of(pid_t init)
{
	int fd, self_fd;
	pid_t c;

	fd = pidns_open_ns(init, "pid");
	self_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || self_fd < 0 || setns(fd, CLONE_NEWPID))
		return -1;
	c = fork();
	if (c > 0 && setns(self_fd, CLONE_NEWPID))
		abort();
	close(fd);
	close(self_fd);
	return c;
}

/* A member whose parent is outside is killed by SIGKILL too. */
TEST_F(init, init_exit_sigkills_outside_parented_member)
{
	pid_t x;

	self->init = start_init(self, 0, false);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	x = fork_into_ns_of(self->init);
	ASSERT_GE(x, 0);
	if (x == 0) {
		close(self->release[1]);
		for (;;)
			pause();
	}
	/* init's exit waits for x to be reaped: reap x first. */
	close(self->release[1]);
	EXPECT_EQ(128 + SIGKILL, pidns_wait_status(x));
	EXPECT_EQ(0, finish_init(self));
}

/*
 * init is reapable only once every member is gone, including a zombie
 * whose parent is outside the namespace.
 */
TEST_F(init, init_reaped_after_outside_zombie)
{
	siginfo_t info;
	pid_t x;

	self->init = start_init(self, 0, false);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	x = fork_into_ns_of(self->init);
	ASSERT_GE(x, 0);
	if (x == 0) {
		close(self->release[1]);
		for (;;)
			pause();
	}
	ASSERT_EQ(0, kill(self->init, SIGKILL));
	/* Wait for x to be a zombie, without reaping it. */
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PID, x, &info, WEXITED | WNOWAIT, NULL));
	EXPECT_EQ(CLD_KILLED, info.si_code);
	/* Give init ample time; it must still be waiting for x. */
	usleep(100000);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PID, self->init, &info,
				WEXITED | WNOHANG | WNOWAIT, NULL));
	EXPECT_EQ(0, info.si_pid);
	/* Reap x: now init can finish. */
	EXPECT_EQ(128 + SIGKILL, pidns_wait_status(x));
	EXPECT_EQ(128 + SIGKILL, pidns_wait_status(self->init));
	self->init = -1;
}

/* After init died, nobody can be forked into the namespace: ENOMEM. */
TEST_F(init, fork_after_init_exit_enomem)
{
	pid_t c;

	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0)
		_exit(0);
	ASSERT_EQ(0, pidns_wait_status(c));
	c = fork();
	if (c == 0)
		_exit(0);
	EXPECT_EQ(-1, c);
	EXPECT_EQ(ENOMEM, errno);
	c = pidns_clone3(0, NULL);
	if (c == 0)
		_exit(0);
	EXPECT_EQ(-1, c);
	EXPECT_EQ(ENOMEM, errno);
}

TEST_F(init, setns_into_dead_ns_fork_enomem)
{
	int nsfd;
	pid_t c;

	self->init = start_init(self, 0, false);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	nsfd = pidns_open_ns(self->init, "pid");
	ASSERT_GE(nsfd, 0);
	EXPECT_EQ(0, finish_init(self));
	/* The kept fd still lets us pick the namespace... */
	ASSERT_EQ(0, setns(nsfd, CLONE_NEWPID));
	/* ...but it takes no new tasks. */
	c = fork();
	if (c == 0)
		_exit(0);
	EXPECT_EQ(-1, c);
	EXPECT_EQ(ENOMEM, errno);
}

/* The same through setns() by pidfd (kept from when init was alive). */
TEST_F(init, setns_pidfd_of_dead_init_fails)
{
	int pidfd;

	self->init = start_init(self, 0, false);
	ASSERT_GE(self->init, 0);
	ASSERT_TRUE(pidns_wait_byte(self->ready[0]));
	pidfd = sys_pidfd_open(self->init, 0);
	ASSERT_GE(pidfd, 0);
	EXPECT_EQ(0, finish_init(self));
	/* A pidfd of a reaped task has no namespaces left to join. */
	errno = 0;
	EXPECT_EQ(-1, setns(pidfd, CLONE_NEWPID));
	EXPECT_EQ(ESRCH, errno);
}

/* ---- reboot() ----------------------------------------------------------- */

static ino_t test_pidns_ino;

/*
 * reboot() only ever runs in a namespace that is not the test's own (the
 * test may run in the initial namespace, where it would really reboot).
 */
static long ns_reboot(unsigned int cmd)
{
	struct stat st;

	if (!test_pidns_ino || stat("/proc/self/ns/pid", &st) ||
	    st.st_ino == test_pidns_ino)
		pidns_child_fail(__FILE__, __LINE__, "not in a child namespace");
	return syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		       cmd, "pidns");
}

static pid_t start_rebooting_init(unsigned int cmd)
{
	struct stat st;
	pid_t pid;

	if (stat("/proc/self/ns/pid", &st))
		return -1;
	test_pidns_ino = st.st_ino;
	pid = pidns_fork();
	if (pid == 0) {
		ns_reboot(cmd);
		/* Not reached on success: reboot() ends the caller. */
		pidns_child_fail(__FILE__, __LINE__, "reboot() returned");
	}
	return pid;
}

/*
 * The reboot_*_ends_init_with_* tests differ only in the command and the
 * signal: an init calling reboot(@cmd) must end killed by @sig.
 */
static void expect_reboot_kills_init(struct __test_metadata *_metadata,
				     struct _test_data_init *self,
				     unsigned int cmd, int sig)
{
	self->init = start_rebooting_init(cmd);
	ASSERT_GE(self->init, 0);
	EXPECT_EQ(128 + sig, pidns_wait_status(self->init));
	self->init = -1;
}

TEST_F(init, reboot_restart_ends_init_with_sighup)
{
	expect_reboot_kills_init(_metadata, self, LINUX_REBOOT_CMD_RESTART,
				 SIGHUP);
}

TEST_F(init, reboot_restart2_ends_init_with_sighup)
{
	expect_reboot_kills_init(_metadata, self, LINUX_REBOOT_CMD_RESTART2,
				 SIGHUP);
}

TEST_F(init, reboot_power_off_ends_init_with_sigint)
{
	expect_reboot_kills_init(_metadata, self, LINUX_REBOOT_CMD_POWER_OFF,
				 SIGINT);
}

TEST_F(init, reboot_halt_ends_init_with_sigint)
{
	expect_reboot_kills_init(_metadata, self, LINUX_REBOOT_CMD_HALT,
				 SIGINT);
}

/* A member's reboot() ends the namespace the same way. */
TEST_F(init, reboot_by_member_ends_init)
{
	struct stat st;

	ASSERT_EQ(0, stat("/proc/self/ns/pid", &st));
	test_pidns_ino = st.st_ino;
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		pid_t c = fork();

		if (c == 0) {
			ns_reboot(LINUX_REBOOT_CMD_RESTART);
			_exit(PIDNS_CHILD_FAIL);
		}
		for (;;)
			pause();
	}
	EXPECT_EQ(128 + SIGHUP, pidns_wait_status(self->init));
	self->init = -1;
}

/* Everything else is refused inside a namespace and changes nothing. */
TEST_F(init, reboot_other_commands_einval)
{
	struct stat st;

	ASSERT_EQ(0, stat("/proc/self/ns/pid", &st));
	test_pidns_ino = st.st_ino;
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		unsigned int cmds[] = {
			LINUX_REBOOT_CMD_CAD_ON, LINUX_REBOOT_CMD_CAD_OFF,
			LINUX_REBOOT_CMD_SW_SUSPEND, LINUX_REBOOT_CMD_KEXEC,
			0x12345678,
		};

		for (unsigned int i = 0; i < ARRAY_SIZE(cmds); i++)
			CHILD_CHECK_ERR(ns_reboot(cmds[i]), EINVAL);
		/* Bad magic is refused before anything else. */
		CHILD_CHECK_ERR(syscall(SYS_reboot, 0, LINUX_REBOOT_MAGIC2,
					LINUX_REBOOT_CMD_RESTART, NULL), EINVAL);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(self->init));
	self->init = -1;
}

/* Without CAP_SYS_BOOT: EPERM, and init lives on. */
TEST_F(init, reboot_without_cap_eperm)
{
	struct stat st;

	ASSERT_EQ(0, stat("/proc/self/ns/pid", &st));
	test_pidns_ino = st.st_ino;
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		CHILD_CHECK(prctl(PR_CAPBSET_DROP, 22 /* CAP_SYS_BOOT */) == 0);
		CHILD_CHECK(pidns_drop_to_uid(65534) == 0);
		CHILD_CHECK_ERR(ns_reboot(LINUX_REBOOT_CMD_RESTART), EPERM);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(self->init));
	self->init = -1;
}

TEST_HARNESS_MAIN
