// SPDX-License-Identifier: GPL-2.0
/*
 * Waiting and exiting across pid namespaces: the wait family and SIGCHLD
 * report the child's number in the waiter's namespace, PR_SET_PDEATHSIG
 * fires across a namespace boundary, and thread group leader exit/exec
 * keep the group's number.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sys/resource.h>

#include "pidns_util.h"
#include "../kselftest_harness.h"

/*
 * Re-exec helper: when started with PIDNS_EXEC_CHECK=<n> the program only
 * checks that it is pid n and that its thread id equals its pid, and exits.
 */
static void __attribute__((constructor(101))) exec_check(void)
{
	const char *want = getenv("PIDNS_EXEC_CHECK");

	if (!want)
		return;
	_exit(sys_getpid() == atoi(want) && sys_gettid() == sys_getpid() ?
	      0 : 1);
}

/* ---- wait family -------------------------------------------------------- */

/* Inside: waitpid/wait4/waitid all name the child by its inner number. */
TEST(wait_family_inside_returns_ns_number)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		struct rusage ru;
		siginfo_t info;
		pid_t c;
		int st;

		c = fork();
		if (c == 0)
			_exit(3);
		CHILD_CHECK(c == 2);
		CHILD_CHECK(waitpid(-1, &st, 0) == 2);
		CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);

		c = fork();
		if (c == 0)
			_exit(4);
		CHILD_CHECK(c == 3);
		CHILD_CHECK(wait4(-1, &st, 0, &ru) == 3);
		CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 4);

		c = fork();
		if (c == 0)
			_exit(5);
		CHILD_CHECK(c == 4);
		memset(&info, 0, sizeof(info));
		CHILD_CHECK(sys_waitid(P_ALL, 0, &info, WEXITED, NULL) == 0);
		CHILD_CHECK(info.si_pid == 4 && info.si_code == CLD_EXITED &&
			    info.si_status == 5 && info.si_signo == SIGCHLD);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* Outside: the parent of an init gets the init's outer number. */
TEST(wait_family_outside_returns_outer_number)
{
	siginfo_t info;
	pid_t init;
	int st;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0)
		_exit(6);
	ASSERT_GT(init, 1);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_ALL, 0, &info, WEXITED | WNOWAIT, NULL));
	EXPECT_EQ(init, info.si_pid);
	EXPECT_EQ(6, info.si_status);
	EXPECT_EQ(init, wait4(-1, &st, 0, NULL));
	EXPECT_EQ(6, WEXITSTATUS(st));
}

/* A child forked into a namespace via setns() is waited by outer number. */
TEST(setns_child_waited_by_outer_number)
{
	int hold[2], res[2], nsfd, v = -1, st;
	pid_t init, x;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(hold));
	ASSERT_EQ(0, pidns_pipe(res));
	init = pidns_fork_idle_init(hold);
	ASSERT_GE(init, 0);
	nsfd = pidns_open_ns(init, "pid");
	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, setns(nsfd, CLONE_NEWPID));
	x = fork();
	ASSERT_GE(x, 0);
	if (x == 0) {
		pidns_send_int(res[1], getpid());
		_exit(8);
	}
	ASSERT_EQ(0, pidns_recv_int(res[0], &v));
	EXPECT_EQ(2, v);
	EXPECT_GT(x, 2);
	EXPECT_EQ(x, waitpid(x, &st, 0));
	EXPECT_EQ(8, WEXITSTATUS(st));
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* Wait for the next SIGCHLD (blocked beforehand) and return its si_pid. */
static int next_sigchld(siginfo_t *info)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	memset(info, 0, sizeof(*info));
	return sigwaitinfo(&set, info) == SIGCHLD ? 0 : -1;
}

/* SIGCHLD for an outside parent carries the init's outer number. */
TEST(sigchld_si_pid_outside)
{
	siginfo_t info;
	pid_t init;

	PIDNS_REQUIRE();
	pidns_block_signal(SIGCHLD);
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0)
		_exit(0);
	ASSERT_EQ(0, next_sigchld(&info));
	EXPECT_EQ(init, info.si_pid);
	EXPECT_EQ(CLD_EXITED, info.si_code);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* SIGCHLD inside carries the inner number. */
TEST(sigchld_si_pid_inside)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		siginfo_t info;
		pid_t c;

		pidns_block_signal(SIGCHLD);
		c = fork();
		if (c == 0)
			_exit(0);
		CHILD_CHECK(next_sigchld(&info) == 0);
		CHILD_CHECK(info.si_pid == 2 && info.si_code == CLD_EXITED);
		CHILD_CHECK(pidns_wait_status(c) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* A setns() child's SIGCHLD to its outside parent: outer number. */
TEST(sigchld_si_pid_from_setns_child)
{
	int hold[2], pidfd;
	siginfo_t info;
	pid_t init, x;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(hold));
	init = pidns_fork_idle_init(hold);
	ASSERT_GE(init, 0);
	pidfd = sys_pidfd_open(init, 0);
	ASSERT_GE(pidfd, 0);
	pidns_block_signal(SIGCHLD);
	ASSERT_EQ(0, setns(pidfd, CLONE_NEWPID));
	x = fork();
	ASSERT_GE(x, 0);
	if (x == 0)
		_exit(0);
	ASSERT_EQ(0, next_sigchld(&info));
	EXPECT_EQ(x, info.si_pid);
	EXPECT_EQ(0, pidns_wait_status(x));
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* A stop reported to an outside parent also uses the outer number. */
TEST(sigchld_si_pid_for_stop_outside)
{
	int hold[2];
	siginfo_t info;
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(hold));
	pidns_block_signal(SIGCHLD);
	init = pidns_fork_idle_init(hold);
	ASSERT_GE(init, 0);
	ASSERT_EQ(0, kill(init, SIGSTOP));
	ASSERT_EQ(0, next_sigchld(&info));
	EXPECT_EQ(init, info.si_pid);
	EXPECT_EQ(CLD_STOPPED, info.si_code);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PID, init, &info, WSTOPPED, NULL));
	EXPECT_EQ(init, info.si_pid);
	ASSERT_EQ(0, kill(init, SIGCONT));
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* waitid(P_PIDFD) from both sides of the boundary. */
TEST(waitid_p_pidfd_both_sides)
{
	siginfo_t info;
	int pidfd = -1;
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_clone3(CLONE_NEWPID, &pidfd);
	ASSERT_GE(init, 0);
	if (init == 0) {
		/* Raw clone3 child: plain system calls only. */
		pid_t c = sys_clone_flags(SIGCHLD);
		int fd;

		if (c == 0)
			_exit(9);
		fd = sys_pidfd_open(c, 0);
		memset(&info, 0, sizeof(info));
		if (c != 2 || fd < 0 ||
		    sys_waitid(P_PIDFD, fd, &info, WEXITED, NULL) ||
		    info.si_pid != 2 || info.si_status != 9)
			_exit(1);
		_exit(10);
	}
	ASSERT_GE(pidfd, 0);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PIDFD, pidfd, &info, WEXITED, NULL));
	EXPECT_EQ(init, info.si_pid);
	EXPECT_EQ(10, info.si_status);
}

/* waitid(P_PGID, n) with an inner group number. */
TEST(waitid_p_pgid_inner_group)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		siginfo_t info;
		int go[2];
		pid_t c;

		CHILD_CHECK(pipe(go) == 0);
		c = fork();
		if (c == 0) {
			setpgid(0, 0);
			pidns_wait_byte(go[0]);
			_exit(11);
		}
		CHILD_CHECK(setpgid(c, c) == 0 || getpgid(c) == c);
		CHILD_CHECK(getpgid(c) == 2);
		pidns_post_byte(go[1]);
		memset(&info, 0, sizeof(info));
		CHILD_CHECK(sys_waitid(P_PGID, 2, &info, WEXITED, NULL) == 0);
		CHILD_CHECK(info.si_pid == 2 && info.si_status == 11);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- PR_SET_PDEATHSIG ------------------------------------------------ */

/*
 * A member whose parent is outside gets its parent-death signal when that
 * parent dies, with si_pid 0 since the parent has no number for it.
 */
TEST(pdeathsig_from_outside_parent_si_pid_0)
{
	struct pidns_sigrec *rec;
	int hold[2], ready[2];
	pid_t init, p, x;

	PIDNS_REQUIRE();
	rec = pidns_shared_alloc(sizeof(*rec));
	ASSERT_NE(NULL, rec);
	pidns_sigrec = rec;
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, pidns_pipe(hold));
	ASSERT_EQ(0, pidns_pipe(ready));
	init = pidns_fork_idle_init(hold);
	ASSERT_GE(init, 0);
	p = fork();
	ASSERT_GE(p, 0);
	if (p == 0) {
		CHILD_CHECK(setns(sys_pidfd_open(init, 0), CLONE_NEWPID) == 0);
		x = fork();
		if (x == 0) {
			close(hold[1]);
			CHILD_CHECK(pidns_catch_signal(SIGUSR1) == 0);
			CHILD_CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR1) == 0);
			pidns_post_byte(ready[1]);
			pidns_wait_signal();
			_exit(0);
		}
		CHILD_CHECK(pidns_wait_byte(ready[0]));
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(p));
	/* x was handed to us (the subreaper) and exits after the signal. */
	x = waitpid(-1, NULL, 0);
	EXPECT_NE(init, x);
	EXPECT_EQ(1, rec->count);
	EXPECT_EQ(SIGUSR1, rec->signo);
	EXPECT_EQ(0, rec->pid);
	EXPECT_EQ(SI_USER, rec->code);
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* Inside a namespace the dying parent is named by its inner number. */
TEST(pdeathsig_inside_ns_si_pid)
{
	struct pidns_sigrec *rec;
	pid_t init;

	PIDNS_REQUIRE();
	rec = pidns_shared_alloc(sizeof(*rec));
	ASSERT_NE(NULL, rec);
	pidns_sigrec = rec;
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		int ready[2];
		pid_t p = 0;

		CHILD_CHECK(pipe(ready) == 0);
		p = fork();
		if (p == 0) {
			pid_t x = fork();

			if (x == 0) {
				CHILD_CHECK(pidns_catch_signal(SIGUSR1) == 0);
				CHILD_CHECK(prctl(PR_SET_PDEATHSIG, SIGUSR1) == 0);
				pidns_post_byte(ready[1]);
				pidns_wait_signal();
				_exit(0);
			}
			CHILD_CHECK(pidns_wait_byte(ready[0]));
			_exit(0);
		}
		CHILD_CHECK(p == 2);
		CHILD_CHECK(pidns_wait_status(p) == 0);
		/* x (3) was reparented to us. */
		CHILD_CHECK(pidns_wait_status(3) == 0);
		CHILD_CHECK(rec->count == 1 && rec->pid == 2);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/*
 * An init's parent-death signal comes from an ancestor namespace: SIGKILL
 * is forced on it, a default-action SIGTERM is not delivered.
 */
static int init_with_pdeathsig(int sig, int *init_out, int hold[2])
{
	int res[2];
	pid_t p;

	if (pidns_pipe(res) || pidns_pipe(hold))
		return -1;
	p = fork();
	if (p == 0) {
		pid_t init = pidns_fork();

		if (init == 0) {
			close(hold[1]);
			CHILD_CHECK(prctl(PR_SET_PDEATHSIG, sig) == 0);
			pidns_post_byte(res[1]);
			pidns_wait_byte(hold[0]);
			_exit(0);
		}
		close(hold[0]);
		close(hold[1]);
		CHILD_CHECK(pidns_wait_byte(res[0]));
		pidns_send_int(res[1], init);
		_exit(0);
	}
	close(hold[0]);
	if (pidns_wait_status(p))
		return -1;
	/* The init's byte was consumed by p; the pid follows. */
	if (pidns_recv_int(res[0], init_out))
		return -1;
	return 0;
}

TEST(pdeathsig_sigkill_kills_ns_init)
{
	int hold[2];
	pid_t init = 0;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, init_with_pdeathsig(SIGKILL, &init, hold));
	EXPECT_EQ(128 + SIGKILL, pidns_wait_status(init));
}

TEST(pdeathsig_default_sigterm_not_delivered_to_init)
{
	int hold[2];
	pid_t init = 0;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, init_with_pdeathsig(SIGTERM, &init, hold));
	/* The parent is gone and reaped; the signal was sent by now. */
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- zombie init ------------------------------------------------------- */

/* Unreaped children of an exiting init are cleaned up with it. */
TEST(exiting_init_with_zombie_children)
{
	int procfd, res[2];
	pid_t init, outer[3];

	PIDNS_REQUIRE();
	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	ASSERT_EQ(0, pidns_pipe(res));
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		for (int i = 0; i < 3; i++) {
			pid_t c = fork();

			if (c == 0) {
				pidns_send_int(res[1], pidns_self_in_proc(procfd));
				_exit(0);
			}
		}
		/* Make sure all three are zombies, then leave them. */
		for (int i = 0; i < 3; i++) {
			siginfo_t info;

			memset(&info, 0, sizeof(info));
			sys_waitid(P_PID, 2 + i, &info, WEXITED | WNOWAIT, NULL);
		}
		_exit(9);
	}
	for (int i = 0; i < 3; i++)
		ASSERT_EQ(0, pidns_recv_int(res[0], &outer[i]));
	EXPECT_EQ(9, pidns_wait_status(init));
	for (int i = 0; i < 3; i++) {
		errno = 0;
		EXPECT_EQ(-1, kill(outer[i], 0));
		EXPECT_EQ(ESRCH, errno);
	}
}

/* While init is a zombie its namespace already refuses new tasks. */
TEST(fork_into_ns_of_zombie_init_enomem)
{
	int hold[2], nsfd;
	siginfo_t info;
	pid_t init, c;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(hold));
	init = pidns_fork_idle_init(hold);
	ASSERT_GE(init, 0);
	nsfd = pidns_open_ns(init, "pid");
	ASSERT_GE(nsfd, 0);
	close(hold[1]);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PID, init, &info, WEXITED | WNOWAIT, NULL));
	ASSERT_EQ(0, setns(nsfd, CLONE_NEWPID));
	c = fork();
	if (c == 0)
		_exit(0);
	EXPECT_EQ(-1, c);
	EXPECT_EQ(ENOMEM, errno);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- thread group leader exit -------------------------------------------- */

struct leader_state {
	int go[2];
	pid_t thread_pid;
	pid_t thread_tid;
};

static void *outliving_thread(void *arg)
{
	struct leader_state *s = arg;

	s->thread_pid = sys_getpid();
	s->thread_tid = sys_gettid();
	pidns_wait_byte(s->go[0]);
	syscall(SYS_exit, 5);
	return NULL;
}

/*
 * The leader of a group exits first: the group keeps its number, is not
 * reported to the parent until its last thread exits, and is then reported
 * under the group's number (with the last thread's exit code).
 */
TEST(leader_exit_group_keeps_number)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		struct leader_state *s = pidns_shared_alloc(sizeof(*s));
		char state[2048] = "";
		siginfo_t info;
		int procfd;
		pid_t p;

		CHILD_CHECK(s && pipe(s->go) == 0);
		p = fork();
		if (p == 0) {
			pthread_t t;

			if (pthread_create(&t, NULL, outliving_thread, s))
				_exit(1);
			while (!__atomic_load_n(&s->thread_tid, __ATOMIC_SEQ_CST))
				usleep(1000);
			syscall(SYS_exit, 7);	/* only the leader */
		}
		CHILD_CHECK(p == 2);
		while (!__atomic_load_n(&s->thread_tid, __ATOMIC_SEQ_CST))
			usleep(1000);
		CHILD_CHECK(s->thread_pid == 2 && s->thread_tid == 3);
		/* Wait until the leader is a zombie (State "Z"). */
		procfd = pidns_proc_open();
		CHILD_CHECK(procfd >= 0);
		for (int i = 0; i < 5000; i++) {
			char buf[2048];

			if (pidns_read_file_at(procfd, "2/task/2/status", buf,
					       sizeof(buf)) > 0 &&
			    strstr(buf, "\nState:\tZ"))
				break;
			usleep(1000);
		}
		CHILD_CHECK(pidns_read_file_at(procfd, "2/task/2/status", state,
					       sizeof(state)) > 0);
		/* The group is still alive: nothing to reap yet. */
		usleep(20000);
		memset(&info, 0, sizeof(info));
		CHILD_CHECK(sys_waitid(P_PID, 2, &info, WEXITED | WNOHANG,
				       NULL) == 0);
		CHILD_CHECK(info.si_pid == 0);
		CHILD_CHECK(kill(2, 0) == 0);
		pidns_post_byte(s->go[1]);
		memset(&info, 0, sizeof(info));
		CHILD_CHECK(sys_waitid(P_PID, 2, &info, WEXITED, NULL) == 0);
		CHILD_CHECK(info.si_pid == 2 && info.si_code == CLD_EXITED &&
			    info.si_status == 5);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

static void *exec_thread(void *arg)
{
	char *const argv[] = { "pidns_exec_check", NULL };
	char *const envp[] = { "PIDNS_EXEC_CHECK=2", NULL };

	execve("/proc/self/exe", argv, envp);
	return NULL;
}

/*
 * exec() from a non-leader thread: the thread takes over the group's
 * number, so the new image is pid 2 with thread id 2.
 */
TEST(exec_from_thread_takes_leader_number)
{
	pid_t init;

	PIDNS_REQUIRE();
	if (access("/proc/self/exe", X_OK))
		SKIP(return, "/proc/self/exe not executable");
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		pid_t p = fork();

		if (p == 0) {
			pthread_t t;

			if (pthread_create(&t, NULL, exec_thread, NULL))
				_exit(2);
			pthread_join(t, NULL);
			_exit(3);
		}
		CHILD_CHECK(p == 2);
		CHILD_CHECK(pidns_wait_status(p) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

TEST_HARNESS_MAIN
