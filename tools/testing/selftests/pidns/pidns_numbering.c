// SPDX-License-Identifier: GPL-2.0
/*
 * Pid numbering and the namespace hierarchy: a task has one number per
 * level from its own namespace up to the root, each caller sees the number
 * of its own namespace, and nesting stops at MAX_PID_NS_LEVEL (32).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>

#include "pidns_util.h"
#include "../kselftest_harness.h"

TEST(clone_newpid_child_is_pid_1)
{
	pid_t pid;

	PIDNS_REQUIRE();
	pid = sys_clone_flags(CLONE_NEWPID | SIGCHLD);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(sys_getpid() == 1 && sys_gettid() == 1 ? 0 : 1);
	/* The caller never sees the child's own-namespace number. */
	EXPECT_NE(1, pid);
	ASSERT_EQ(0, pidns_wait_status(pid));
}

TEST(clone_newpid_child_getppid_is_0)
{
	pid_t pid;

	PIDNS_REQUIRE();
	pid = sys_clone_flags(CLONE_NEWPID | SIGCHLD);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(sys_getppid() == 0 ? 0 : 1);
	ASSERT_EQ(0, pidns_wait_status(pid));
}

TEST(clone3_newpid_child_is_pid_1)
{
	pid_t pid;

	PIDNS_REQUIRE();
	pid = pidns_clone3(CLONE_NEWPID, NULL);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(sys_getpid() == 1 && sys_getppid() == 0 ? 0 : 1);
	EXPECT_NE(1, pid);
	ASSERT_EQ(0, pidns_wait_status(pid));
}

/*
 * The number clone() returns is the child's number in the caller's
 * namespace, and that is the first NSpid entry /proc shows for it.
 */
TEST(parent_sees_ordinary_pid)
{
	long nspid[4], nstgid[4];
	int procfd, sync[2], n;
	pid_t pid;

	PIDNS_REQUIRE();
	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	ASSERT_EQ(0, pidns_pipe(sync));
	pid = sys_clone_flags(CLONE_NEWPID | SIGCHLD);
	ASSERT_GE(pid, 0);
	if (pid == 0)
		pidns_idle_until_released(sync);
	close(sync[0]);
	EXPECT_GT(pid, 1);
	n = pidns_status_field(procfd, pid, "NSpid", nspid, 4);
	EXPECT_EQ(2, n);
	EXPECT_EQ(pid, nspid[0]);
	EXPECT_EQ(1, nspid[1]);
	n = pidns_status_field(procfd, pid, "NStgid", nstgid, 4);
	EXPECT_EQ(2, n);
	EXPECT_EQ(pid, nstgid[0]);
	EXPECT_EQ(1, nstgid[1]);
	close(sync[1]);
	ASSERT_EQ(0, pidns_wait_status(pid));
}

/*
 * After init, a fresh namespace hands out 2, 3, 4... and does not reuse a
 * freed number right away (allocation is cyclic per namespace).
 */
TEST(init_children_numbered_from_2)
{
	pid_t pid;

	PIDNS_REQUIRE();
	pid = pidns_fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		for (int i = 2; i <= 4; i++) {
			pid_t c = fork();

			CHILD_CHECK(c >= 0);
			if (c == 0)
				_exit(getpid() == i && getppid() == 1 ? 0 : 1);
			CHILD_CHECK(c == i);
			CHILD_CHECK(pidns_wait_status(c) == 0);
		}
		_exit(0);
	}
	ASSERT_EQ(0, pidns_wait_status(pid));
}

/* Two sibling namespaces each have their own pid 1. */
TEST(sibling_namespaces_number_independently)
{
	int sync[2], res[2], procfd;
	pid_t a, b;

	PIDNS_REQUIRE();
	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	ASSERT_EQ(0, pidns_pipe(sync));
	ASSERT_EQ(0, pidns_pipe(res));
	a = pidns_fork();
	ASSERT_GE(a, 0);
	if (a == 0) {
		pidns_send_int(res[1], getpid());
		close(sync[1]);
		pidns_wait_byte(sync[0]);
		_exit(0);
	}
	b = pidns_fork();
	ASSERT_GE(b, 0);
	if (b == 0) {
		pidns_send_int(res[1], getpid());
		close(sync[1]);
		pidns_wait_byte(sync[0]);
		_exit(0);
	}
	for (int i = 0; i < 2; i++) {
		int v = -1;

		ASSERT_EQ(0, pidns_recv_int(res[0], &v));
		EXPECT_EQ(1, v);
	}
	EXPECT_NE(a, b);
	EXPECT_NE(pidns_ns_ino_at(procfd, a, "pid"),
		  pidns_ns_ino_at(procfd, b, "pid"));
	close(sync[1]);
	EXPECT_EQ(0, pidns_wait_status(a));
	EXPECT_EQ(0, pidns_wait_status(b));
}

/*
 * A process forked into an existing namespace through setns() gets the
 * namespace's next number, and getppid() 0 because its parent is outside.
 */
TEST(setns_child_numbered_in_target)
{
	int sync[2], res[2], nsfd;
	pid_t init, c;
	int v = -1;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(sync));
	ASSERT_EQ(0, pidns_pipe(res));
	init = pidns_fork_idle_init(sync);
	ASSERT_GE(init, 0);
	nsfd = pidns_open_ns(init, "pid");
	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, setns(nsfd, CLONE_NEWPID));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pidns_send_int(res[1], getpid());
		pidns_send_int(res[1], getppid());
		_exit(0);
	}
	EXPECT_GT(c, 2);
	ASSERT_EQ(0, pidns_recv_int(res[0], &v));
	EXPECT_EQ(2, v);
	ASSERT_EQ(0, pidns_recv_int(res[0], &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, pidns_wait_status(c));
	close(sync[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/*
 * Build a chain of namespaces down to MAX_PID_NS_LEVEL.  Each level's init
 * forks the next one; the init at level 32 runs @check and the status is
 * passed back up.
 */
static int nest_to_level(int level, int target, int (*check)(int), int arg)
{
	pid_t pid;

	if (level == target)
		return check(arg);
	pid = pidns_fork();
	if (pid < 0) {
		fprintf(stderr, "# creating level %d failed: %m\n", level + 1);
		return PIDNS_CHILD_FAIL;
	}
	if (pid == 0)
		_exit(nest_to_level(level + 1, target, check, arg));
	return pidns_wait_status(pid);
}

static int check_limit_reached(int unused)
{
	pid_t pid;

	/* Level 32 itself is a working namespace... */
	pid = fork();
	CHILD_CHECK(pid >= 0);
	if (pid == 0)
		_exit(getpid() == 2 ? 0 : 1);
	CHILD_CHECK(pidns_wait_status(pid) == 0);

	/* ...but a 33rd level cannot be made, by any of the three calls. */
	CHILD_CHECK_ERR(unshare(CLONE_NEWPID), ENOSPC);
	pid = sys_clone_flags(CLONE_NEWPID | SIGCHLD);
	if (pid == 0)
		_exit(0);
	CHILD_CHECK(pid == -1 && errno == ENOSPC);
	pid = pidns_clone3(CLONE_NEWPID, NULL);
	if (pid == 0)
		_exit(0);
	CHILD_CHECK(pid == -1 && errno == ENOSPC);
	return 0;
}

TEST(nesting_limit_32_levels)
{
	int level;

	PIDNS_REQUIRE();
	level = pidns_level();
	ASSERT_GE(level, 0);
	if (level >= PIDNS_MAX_LEVEL)
		SKIP(return, "already at level %d", level);
	ASSERT_EQ(0, nest_to_level(level, PIDNS_MAX_LEVEL, check_limit_reached, 0));
}

static int check_deepest_numbers(int procfd)
{
	long nspid[PIDNS_MAX_LEVEL + 4];
	int start = PIDNS_MAX_LEVEL + 1, n;

	/* procfd belongs to the test's namespace; count levels below it. */
	n = pidns_status_field(procfd, 0, "NSpid", nspid, PIDNS_MAX_LEVEL + 4);
	CHILD_CHECK(n >= 1);
	start = PIDNS_MAX_LEVEL + 1 - n;
	CHILD_CHECK(start >= 0);
	CHILD_CHECK(nspid[n - 1] == 1);
	for (int i = 0; i < n - 1; i++)
		CHILD_CHECK(nspid[i] > 1);
	/* The level-32 init is visible through all 33 levels' numbers. */
	CHILD_CHECK(n + start == PIDNS_MAX_LEVEL + 1);
	return 0;
}

/* A task at level 32 has exactly one number per level in NSpid. */
TEST(deepest_level_has_one_number_per_level)
{
	int level, procfd;
	long nspid[PIDNS_MAX_LEVEL + 2];

	PIDNS_REQUIRE();
	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	level = pidns_status_field(procfd, 0, "NSpid", nspid,
				   PIDNS_MAX_LEVEL + 2) - 1;
	ASSERT_GE(level, 0);
	if (level >= PIDNS_MAX_LEVEL)
		SKIP(return, "already at level %d", level);
	ASSERT_EQ(0, nest_to_level(level, PIDNS_MAX_LEVEL,
				   check_deepest_numbers, procfd));
}

struct thread_report {
	pid_t tid;
	pid_t pid;
	int release[2];
};

static void *report_thread(void *arg)
{
	struct thread_report *r = arg;

	r->tid = sys_gettid();
	r->pid = getpid();
	pidns_wait_byte(r->release[0]);
	return NULL;
}

/*
 * Threads get numbers from the same namespace sequence: the first thread
 * of a fresh init is tid 2, its thread group id is 1, and the outer view
 * has both numbers in NSpid/NStgid.
 */
TEST(thread_ids_in_namespace)
{
	struct thread_report *r;
	int procfd, sync[2], res[2], v = 0, n;
	long nspid[4], nstgid[4], tgid[2];
	pid_t init, outer_tid = 0;
	struct dirent *de;
	char path[64];
	DIR *dir;

	PIDNS_REQUIRE();
	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	r = pidns_shared_alloc(sizeof(*r));
	ASSERT_NE(NULL, r);
	ASSERT_EQ(0, pidns_pipe(sync));
	ASSERT_EQ(0, pidns_pipe(res));
	ASSERT_EQ(0, pidns_pipe(r->release));
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		pthread_t t;

		close(sync[1]);
		CHILD_CHECK(pthread_create(&t, NULL, report_thread, r) == 0);
		while (!__atomic_load_n(&r->tid, __ATOMIC_SEQ_CST))
			usleep(1000);
		pidns_send_int(res[1], 1);
		pidns_wait_byte(sync[0]);
		close(r->release[1]);
		pthread_join(t, NULL);
		_exit(0);
	}
	close(r->release[0]);
	close(r->release[1]);
	ASSERT_EQ(0, pidns_recv_int(res[0], &v));
	EXPECT_EQ(2, r->tid);
	EXPECT_EQ(1, r->pid);

	snprintf(path, sizeof(path), "%d/task", init);
	dir = fdopendir(openat(procfd, path, O_RDONLY | O_DIRECTORY));
	ASSERT_NE(NULL, dir);
	while ((de = readdir(dir))) {
		pid_t t = atoi(de->d_name);

		if (t > 0 && t != init)
			outer_tid = t;
	}
	closedir(dir);
	ASSERT_GT(outer_tid, 0);
	n = pidns_status_field(procfd, outer_tid, "NSpid", nspid, 4);
	EXPECT_EQ(2, n);
	EXPECT_EQ(outer_tid, nspid[0]);
	EXPECT_EQ(2, nspid[1]);
	n = pidns_status_field(procfd, outer_tid, "NStgid", nstgid, 4);
	EXPECT_EQ(2, n);
	EXPECT_EQ(init, nstgid[0]);
	EXPECT_EQ(1, nstgid[1]);
	EXPECT_EQ(1, pidns_status_field(procfd, outer_tid, "Tgid", tgid, 2));
	EXPECT_EQ(init, tgid[0]);
	close(sync[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* CLONE_PARENT_SETTID stores the number of the caller's namespace. */
TEST(clone3_parent_settid_in_caller_ns)
{
	pid_t *ptid, pid;
	struct pidns_clone_args args = {
		.flags = CLONE_NEWPID | CLONE_PARENT_SETTID,
		.exit_signal = SIGCHLD,
	};

	PIDNS_REQUIRE();
	ptid = pidns_shared_alloc(sizeof(*ptid));
	ASSERT_NE(NULL, ptid);
	*ptid = -1;
	args.parent_tid = ptr_to_u64(ptid);
	pid = sys_clone3(&args, sizeof(args));
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(pid, *ptid);
	EXPECT_NE(1, *ptid);
	EXPECT_EQ(0, pidns_wait_status(pid));
}

static pid_t child_settid_slot = -1;

/* CLONE_CHILD_SETTID stores the child's own-namespace number (1). */
TEST(clone3_child_settid_in_child_ns)
{
	struct pidns_clone_args args = {
		.flags = CLONE_NEWPID | CLONE_CHILD_SETTID,
		.exit_signal = SIGCHLD,
		.child_tid = ptr_to_u64(&child_settid_slot),
	};
	pid_t pid;

	PIDNS_REQUIRE();
	pid = sys_clone3(&args, sizeof(args));
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(__atomic_load_n(&child_settid_slot, __ATOMIC_SEQ_CST) == 1 ?
		      0 : 1);
	EXPECT_EQ(0, pidns_wait_status(pid));
	/* Not written in the parent: the child has its own address space. */
	EXPECT_EQ(-1, child_settid_slot);
}

struct settid_slots {
	pid_t ptid;
	pid_t ctid;
	pid_t gettid;
	int done[2];
};

static int settid_thread(void *arg)
{
	struct settid_slots *s = arg;

	s->gettid = syscall(SYS_gettid);
	syscall(SYS_write, s->done[1], "x", 1);
	return 0;
}

/*
 * A thread created inside the namespace: parent_tid, child_tid and
 * gettid() all hold the inner number, since caller and child are inside.
 */
TEST(thread_settid_inside_ns)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		static struct settid_slots s = { -1, -1, -1 };
		size_t stack_size = 64 * 1024;
		char *stack = malloc(stack_size);
		int ret;

		CHILD_CHECK(stack);
		CHILD_CHECK(pipe(s.done) == 0);
		ret = clone(settid_thread, stack + stack_size,
			    CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND |
			    CLONE_THREAD | CLONE_SYSVSEM |
			    CLONE_PARENT_SETTID | CLONE_CHILD_SETTID,
			    &s, &s.ptid, NULL, &s.ctid);
		CHILD_CHECK(ret == 2);
		CHILD_CHECK(pidns_wait_byte(s.done[0]));
		CHILD_CHECK(s.ptid == 2);
		CHILD_CHECK(s.ctid == 2);
		CHILD_CHECK(s.gettid == 2);
		/* Let the thread finish exiting before we leave. */
		usleep(10000);
		_exit(0);
	}
	ASSERT_EQ(0, pidns_wait_status(init));
}

/*
 * Three nested namespaces below the test's own (level 0 here):
 *   test -> A (init, level 1) -> B (init, level 2) -> C (init, level 3)
 *   C -> D (pid 2 of level 3, made session and group leader by setsid())
 * Each init hands the test a procfs instance of its level.
 */
#define NEST 3
#define NTASKS (NEST + 1)	/* A, B, C, D */

struct nested_shared {
	pid_t pid0[NTASKS];	/* each task's number in the test's namespace */
};

FIXTURE(nested) {
	int procfd[NEST + 1];
	int release[2];
	pid_t top;
	pid_t pgrp;
	struct nested_shared *sh;
};

static __noreturn void
nested_chain(int sock, int ready, int release, int procfd0,
	     struct nested_shared *sh)
{
	int level, procfd;
	pid_t pid;

	/* We are A; each iteration's child becomes the next level's init. */
	for (level = 1; level <= NEST; level++) {
		procfd = pidns_proc_open();
		CHILD_CHECK(procfd >= 0);
		CHILD_CHECK(pidns_send_fd(sock, procfd) == 0);
		sh->pid0[level - 1] = pidns_self_in_proc(procfd0);

		pid = level < NEST ? pidns_fork() : fork();
		CHILD_CHECK(pid >= 0);
		if (pid > 0) {
			pidns_wait_byte(release);
			pidns_wait_status(pid);
			_exit(0);
		}
	}
	/* D */
	CHILD_CHECK(setsid() == 2);
	sh->pid0[NEST] = pidns_self_in_proc(procfd0);
	pidns_post_byte(ready);
	pidns_wait_byte(release);
	_exit(0);
}

FIXTURE_SETUP(nested)
{
	int sv[2], ready[2];

	PIDNS_REQUIRE();
	self->sh = pidns_shared_alloc(sizeof(*self->sh));
	ASSERT_NE(NULL, self->sh);
	self->procfd[0] = pidns_proc_open();
	ASSERT_GE(self->procfd[0], 0);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pidns_pipe(ready));
	ASSERT_EQ(0, pidns_pipe(self->release));
	self->pgrp = getpgrp();

	self->top = pidns_fork();
	ASSERT_GE(self->top, 0);
	if (self->top == 0) {
		close(self->release[1]);
		close(ready[0]);
		nested_chain(sv[1], ready[1], self->release[0],
			     self->procfd[0], self->sh);
	}
	close(self->release[0]);
	close(ready[1]);
	close(sv[1]);
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	for (int i = 1; i <= NEST; i++) {
		self->procfd[i] = pidns_recv_fd(sv[0]);
		ASSERT_GE(self->procfd[i], 0);
	}
	close(sv[0]);
	close(ready[0]);
	EXPECT_EQ(self->top, self->sh->pid0[0]);
}

FIXTURE_TEARDOWN(nested)
{
	close(self->release[1]);
	if (self->top > 0)
		pidns_wait_status(self->top);
}

/* Level of task i (0..NTASKS-1): A=1, B=2, C=3, D=3. */
static int task_level(int i)
{
	return i < NEST ? i + 1 : NEST;
}

/* Every task has one NSpid entry per level, ending in its own number. */
TEST_F(nested, nspid_one_number_per_level)
{
	for (int i = 0; i < NTASKS; i++) {
		long nspid[NEST + 2];
		int n;

		n = pidns_status_field(self->procfd[0], self->sh->pid0[i],
				       "NSpid", nspid, NEST + 2);
		ASSERT_EQ(task_level(i) + 1, n);
		EXPECT_EQ(self->sh->pid0[i], nspid[0]);
		EXPECT_EQ(i < NEST ? 1 : 2, nspid[n - 1]);
		/* Inits are pid 1 in their own level only. */
		for (int l = 0; l < n - 1; l++)
			EXPECT_NE(1, nspid[l]);
	}
}

/*
 * A proc mounted at level l shows the same numbers minus the levels above
 * l: the view depends on the proc instance, not on the reader.
 */
TEST_F(nested, nspid_view_from_each_level)
{
	for (int i = 0; i < NTASKS; i++) {
		long full[NEST + 2];
		int n = pidns_status_field(self->procfd[0], self->sh->pid0[i],
					   "NSpid", full, NEST + 2);

		ASSERT_GT(n, 0);
		for (int l = 1; l <= task_level(i); l++) {
			long part[NEST + 2];
			int m = pidns_status_field(self->procfd[l], full[l],
						   "NSpid", part, NEST + 2);

			ASSERT_EQ(n - l, m) {
				TH_LOG("task %d seen from level %d", i, l);
			}
			for (int k = 0; k < m; k++)
				EXPECT_EQ(full[l + k], part[k]);
		}
	}
}

/* For thread group leaders NStgid is NSpid. */
TEST_F(nested, nstgid_equals_nspid_for_leaders)
{
	for (int i = 0; i < NTASKS; i++) {
		long nspid[NEST + 2], nstgid[NEST + 2];
		int n, m;

		n = pidns_status_field(self->procfd[0], self->sh->pid0[i],
				       "NSpid", nspid, NEST + 2);
		m = pidns_status_field(self->procfd[0], self->sh->pid0[i],
				       "NStgid", nstgid, NEST + 2);
		ASSERT_EQ(n, m);
		for (int k = 0; k < n; k++)
			EXPECT_EQ(nspid[k], nstgid[k]);
	}
}

/* After setsid() the session and group ids are the task's own numbers. */
TEST_F(nested, nssid_nspgid_of_session_leader)
{
	long nspid[NEST + 2], nspgid[NEST + 2], nssid[NEST + 2];
	pid_t d = self->sh->pid0[NEST];
	int n;

	n = pidns_status_field(self->procfd[0], d, "NSpid", nspid, NEST + 2);
	ASSERT_EQ(NEST + 1, n);
	ASSERT_EQ(n, pidns_status_field(self->procfd[0], d, "NSpgid", nspgid,
					NEST + 2));
	ASSERT_EQ(n, pidns_status_field(self->procfd[0], d, "NSsid", nssid,
					NEST + 2));
	for (int k = 0; k < n; k++) {
		EXPECT_EQ(nspid[k], nspgid[k]);
		EXPECT_EQ(nspid[k], nssid[k]);
	}
	/* And from D's own level: 2, 2. */
	ASSERT_EQ(1, pidns_status_field(self->procfd[NEST], 2, "NSpgid",
					nspgid, NEST + 2));
	EXPECT_EQ(2, nspgid[0]);
}

/*
 * C stayed in the test's process group and session, which have no number
 * below level 0: those levels show 0.
 */
TEST_F(nested, nspgid_zero_where_group_invisible)
{
	long nspgid[NEST + 2], nssid[NEST + 2];
	pid_t c = self->sh->pid0[NEST - 1];

	ASSERT_EQ(NEST + 1, pidns_status_field(self->procfd[0], c, "NSpgid",
					       nspgid, NEST + 2));
	ASSERT_EQ(NEST + 1, pidns_status_field(self->procfd[0], c, "NSsid",
					       nssid, NEST + 2));
	EXPECT_EQ(self->pgrp, nspgid[0]);
	EXPECT_EQ(getsid(0), nssid[0]);
	for (int k = 1; k <= NEST; k++) {
		EXPECT_EQ(0, nspgid[k]);
		EXPECT_EQ(0, nssid[k]);
	}
	ASSERT_EQ(1, pidns_status_field(self->procfd[NEST], 1, "NSpgid",
					nspgid, NEST + 2));
	EXPECT_EQ(0, nspgid[0]);
}

/*
 * PPid is the parent's number in the proc's namespace, 0 where the parent
 * is not visible (the init of each level).
 */
TEST_F(nested, ppid_per_level)
{
	long ppid[2];

	for (int l = 1; l <= NEST; l++) {
		/* Init of level l seen from its own level. */
		ASSERT_EQ(1, pidns_status_field(self->procfd[l], 1, "PPid",
						ppid, 2));
		EXPECT_EQ(0, ppid[0]);
	}
	/* B seen from level 1 has A (1) as parent; from level 0, A's pid. */
	ASSERT_EQ(1, pidns_status_field(self->procfd[0], self->sh->pid0[1],
					"PPid", ppid, 2));
	EXPECT_EQ(self->sh->pid0[0], ppid[0]);
	/* D's parent is C = 1 in level 3. */
	ASSERT_EQ(1, pidns_status_field(self->procfd[NEST], 2, "PPid", ppid, 2));
	EXPECT_EQ(1, ppid[0]);
	/* A's parent is the test process. */
	ASSERT_EQ(1, pidns_status_field(self->procfd[0], self->top, "PPid",
					ppid, 2));
	EXPECT_EQ(getpid(), ppid[0]);
}

/* A level's proc lists exactly the tasks at that level and below. */
TEST_F(nested, proc_lists_only_its_level)
{
	for (int l = 1; l <= NEST; l++) {
		pid_t pids[16];
		int n = pidns_proc_pids(self->procfd[l], pids, 16);
		/* Level 1 holds A-D, level 2 B-D, level 3 C and D. */
		int expect = NTASKS - (l - 1);

		EXPECT_EQ(expect, n) {
			TH_LOG("level %d lists %d pids", l, n);
		}
	}
}

/* Tasks above a level have no entry in its proc, not even "self". */
TEST_F(nested, invisible_tasks_absent_from_proc)
{
	char path[32], buf[32];

	for (int l = 1; l <= NEST; l++) {
		errno = 0;
		EXPECT_EQ(-1, readlinkat(self->procfd[l], "self", buf,
					 sizeof(buf)));
		EXPECT_EQ(ENOENT, errno);
	}
	/* Level 3 numbers are 1 and 2 only; our pid means nothing there. */
	ASSERT_GT(getpid(), 2);
	snprintf(path, sizeof(path), "%d", getpid());
	errno = 0;
	EXPECT_EQ(-1, faccessat(self->procfd[NEST], path, F_OK, 0));
	EXPECT_EQ(ENOENT, errno);
}

TEST_HARNESS_MAIN
