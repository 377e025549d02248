// SPDX-License-Identifier: GPL-2.0
/*
 * Visibility and isolation: from inside a pid namespace no process of the
 * parent or of a sibling namespace can be named.  Every call that takes a
 * pid resolves it in the caller's namespace, so an outside process' number
 * gets ESRCH (or the call's documented "no such process" error) and the
 * outside process is left alone.
 *
 * The fixture makes, in the test's own namespace, a "victim" that blocks
 * every signal (anything sent to it would show up in ShdPnd/SigPnd), and a
 * sibling namespace whose init has a child that does the same.  Each test
 * then runs a probe as the init of a fresh namespace.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <linux/kcmp.h>

#include "pidns_util.h"
#include "../kselftest_harness.h"

/* Probe exit status asking the test to SKIP (call not in this kernel). */
#define PROBE_NOSYS	77

/* A uid nobody else on the system uses, for the PRIO_USER tests. */
#define VICTIM_UID	24681
#define VICTIM_NICE	-5

struct outside_shared {
	pid_t sibling_child;	/* sibling's pid 2 in the test's namespace */
};

FIXTURE(outside) {
	pid_t victim;		/* in the test's namespace, own group */
	pid_t sibling;		/* init of a sibling namespace */
	pid_t test_pgrp;
	int victim_pidfd;
	int procfd;		/* proc of the test's namespace */
	int release[2];
	struct outside_shared *sh;
};

static void block_all_signals(void)
{
	sigset_t all;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
}

FIXTURE_SETUP(outside)
{
	int ready[2];

	PIDNS_REQUIRE();
	self->sh = pidns_shared_alloc(sizeof(*self->sh));
	ASSERT_NE(NULL, self->sh);
	self->procfd = pidns_proc_open();
	ASSERT_GE(self->procfd, 0);
	ASSERT_EQ(0, pidns_pipe(self->release));
	ASSERT_EQ(0, pidns_pipe(ready));
	self->test_pgrp = getpgrp();

	self->victim = fork();
	ASSERT_GE(self->victim, 0);
	if (self->victim == 0) {
		close(self->release[1]);
		block_all_signals();
		setpgid(0, 0);
		setpriority(PRIO_PROCESS, 0, VICTIM_NICE);
		if (setresgid(VICTIM_UID, VICTIM_UID, VICTIM_UID) ||
		    setresuid(VICTIM_UID, VICTIM_UID, VICTIM_UID))
			_exit(1);
		pidns_post_byte(ready[1]);
		pidns_wait_byte(self->release[0]);
		_exit(0);
	}
	ASSERT_TRUE(pidns_wait_byte(ready[0]));

	self->sibling = pidns_fork();
	ASSERT_GE(self->sibling, 0);
	if (self->sibling == 0) {
		pid_t c;

		close(self->release[1]);
		c = fork();
		if (c == 0) {
			block_all_signals();
			self->sh->sibling_child =
				pidns_self_in_proc(self->procfd);
			pidns_post_byte(ready[1]);
			pidns_wait_byte(self->release[0]);
			_exit(0);
		}
		pidns_wait_byte(self->release[0]);
		pidns_wait_status(c);
		_exit(0);
	}
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	close(ready[0]);
	close(ready[1]);

	self->victim_pidfd = sys_pidfd_open(self->victim, 0);
	ASSERT_GE(self->victim_pidfd, 0);
	/* Inside, the probe namespace has pids 1 and 2 at most. */
	ASSERT_GT(self->victim, 3);
	ASSERT_GT(self->sibling, 3);
	ASSERT_GT(self->sh->sibling_child, 3);
	ASSERT_GT(getpid(), 3);
}

FIXTURE_TEARDOWN(outside)
{
	close(self->release[1]);
	if (self->victim > 0)
		pidns_wait_status(self->victim);
	if (self->sibling > 0)
		pidns_wait_status(self->sibling);
}

typedef int (*probe_fn)(struct _test_data_outside *self);

/* Run @fn as init of a new namespace; its return value is the status. */
static int run_probe(struct _test_data_outside *self, probe_fn fn)
{
	pid_t pid = pidns_fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(self->release[1]);
		_exit(fn(self));
	}
	return pidns_wait_status(pid);
}

#define RUN_PROBE(fn)							\
	do {								\
		int __st = run_probe(self, fn);				\
		if (__st == PROBE_NOSYS)				\
			SKIP(return, "system call not available");	\
		ASSERT_EQ(0, __st);					\
	} while (0)

/* No signal reached the outside processes: nothing pending on them. */
#define EXPECT_OUTSIDE_UNTOUCHED()					\
	do {								\
		EXPECT_EQ(0, pidns_status_hex(self->procfd,		\
					self->victim, "ShdPnd"));	\
		EXPECT_EQ(0, pidns_status_hex(self->procfd,		\
					self->victim, "SigPnd"));	\
		EXPECT_EQ(0, pidns_status_hex(self->procfd,		\
				self->sh->sibling_child, "ShdPnd"));	\
		EXPECT_EQ(0, kill(self->victim, 0));			\
	} while (0)

static int probe_kill(struct _test_data_outside *self)
{
	pid_t outer[] = { self->victim, self->sibling,
			  self->sh->sibling_child };

	/* Our own parent (the test) is outside too: getppid() says 0. */
	CHILD_CHECK(getppid() == 0);
	for (int i = 0; i < 3; i++) {
		CHILD_CHECK_ERR(kill(outer[i], SIGUSR1), ESRCH);
		CHILD_CHECK_ERR(kill(outer[i], 0), ESRCH);
	}
	return 0;
}

TEST_F(outside, kill_outside_pid_esrch)
{
	RUN_PROBE(probe_kill);
	EXPECT_OUTSIDE_UNTOUCHED();
}

static int probe_kill_pgrp(struct _test_data_outside *self)
{
	/* The victim leads its own group; the test's group holds us. */
	CHILD_CHECK_ERR(kill(-self->victim, SIGUSR1), ESRCH);
	CHILD_CHECK_ERR(kill(-self->test_pgrp, SIGUSR1), ESRCH);
	return 0;
}

TEST_F(outside, kill_outside_pgrp_esrch)
{
	RUN_PROBE(probe_kill_pgrp);
	EXPECT_OUTSIDE_UNTOUCHED();
}

static int probe_tgkill(struct _test_data_outside *self)
{
	CHILD_CHECK_ERR(sys_tgkill(self->victim, self->victim, SIGUSR1), ESRCH);
	CHILD_CHECK_ERR(syscall(SYS_tkill, self->victim, SIGUSR1), ESRCH);
	CHILD_CHECK_ERR(sys_tgkill(self->sibling, self->sibling, SIGUSR1),
			ESRCH);
	CHILD_CHECK_ERR(syscall(SYS_tkill, self->sh->sibling_child, SIGUSR1),
			ESRCH);
	return 0;
}

TEST_F(outside, tgkill_tkill_outside_esrch)
{
	RUN_PROBE(probe_tgkill);
	EXPECT_OUTSIDE_UNTOUCHED();
}

static int probe_sigqueue(struct _test_data_outside *self)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	info.si_signo = SIGUSR1;
	info.si_code = SI_QUEUE;
	info.si_pid = getpid();
	info.si_uid = getuid();
	CHILD_CHECK_ERR(syscall(SYS_rt_sigqueueinfo, self->victim, SIGUSR1,
				&info), ESRCH);
	CHILD_CHECK_ERR(syscall(SYS_rt_tgsigqueueinfo, self->victim,
				self->victim, SIGUSR1, &info), ESRCH);
	CHILD_CHECK_ERR(syscall(SYS_rt_sigqueueinfo, self->sh->sibling_child,
				SIGUSR1, &info), ESRCH);
	return 0;
}

TEST_F(outside, rt_sigqueueinfo_outside_esrch)
{
	RUN_PROBE(probe_sigqueue);
	EXPECT_OUTSIDE_UNTOUCHED();
}

static int probe_pidfd_open(struct _test_data_outside *self)
{
	CHILD_CHECK_ERR(sys_pidfd_open(self->victim, 0), ESRCH);
	CHILD_CHECK_ERR(sys_pidfd_open(self->sibling, 0), ESRCH);
	CHILD_CHECK_ERR(sys_pidfd_open(self->sh->sibling_child, 0), ESRCH);
	return 0;
}

TEST_F(outside, pidfd_open_outside_esrch)
{
	RUN_PROBE(probe_pidfd_open);
}

/*
 * A pidfd for an outside process that was inherited still cannot be used
 * to signal it: pidfd_send_signal() requires the target to be in the
 * caller's namespace or below.
 */
static int probe_pidfd_signal(struct _test_data_outside *self)
{
	CHILD_CHECK_ERR(sys_pidfd_send_signal(self->victim_pidfd, SIGUSR1,
					      NULL, 0), EINVAL);
	return 0;
}

TEST_F(outside, pidfd_send_signal_to_ancestor_ns_einval)
{
	RUN_PROBE(probe_pidfd_signal);
	EXPECT_OUTSIDE_UNTOUCHED();
}

static int probe_waitid(struct _test_data_outside *self)
{
	siginfo_t info;
	pid_t c;

	/*
	 * Our child stays in the test's process group, which has no number
	 * here: naming the group by its outside number finds nothing...
	 */
	c = fork();
	if (c == 0)
		_exit(7);
	CHILD_CHECK(c == 2);
	memset(&info, 0, sizeof(info));
	CHILD_CHECK_ERR(sys_waitid(P_PGID, self->test_pgrp, &info,
				   WEXITED, NULL), ECHILD);
	CHILD_CHECK_ERR(waitpid(-self->test_pgrp, NULL, 0), ECHILD);
	CHILD_CHECK_ERR(sys_waitid(P_PID, self->victim, &info, WEXITED, NULL),
			ECHILD);
	/* ...while "my own group" (0) does reach it. */
	CHILD_CHECK(sys_waitid(P_PGID, 0, &info, WEXITED, NULL) == 0);
	CHILD_CHECK(info.si_pid == 2 && info.si_status == 7);
	return 0;
}

TEST_F(outside, waitid_outside_pgid_echild)
{
	RUN_PROBE(probe_waitid);
}

static int probe_ptrace(struct _test_data_outside *self)
{
	CHILD_CHECK_ERR(ptrace(PTRACE_ATTACH, self->victim, 0, 0), ESRCH);
	CHILD_CHECK_ERR(ptrace(PTRACE_SEIZE, self->victim, 0, 0), ESRCH);
	CHILD_CHECK_ERR(ptrace(PTRACE_ATTACH, self->sh->sibling_child, 0, 0),
			ESRCH);
	return 0;
}

TEST_F(outside, ptrace_attach_outside_esrch)
{
	long tracer[1];

	RUN_PROBE(probe_ptrace);
	ASSERT_EQ(1, pidns_status_field(self->procfd, self->victim,
					"TracerPid", tracer, 1));
	EXPECT_EQ(0, tracer[0]);
	EXPECT_OUTSIDE_UNTOUCHED();
}

static int probe_affinity(struct _test_data_outside *self)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CHILD_CHECK_ERR(sched_getaffinity(self->victim, sizeof(set), &set),
			ESRCH);
	CHILD_CHECK_ERR(sched_setaffinity(self->victim, sizeof(set), &set),
			ESRCH);
	CHILD_CHECK_ERR(sched_getaffinity(self->sibling, sizeof(set), &set),
			ESRCH);
	return 0;
}

TEST_F(outside, sched_affinity_outside_esrch)
{
	cpu_set_t before, after;

	ASSERT_EQ(0, sched_getaffinity(self->victim, sizeof(before), &before));
	RUN_PROBE(probe_affinity);
	ASSERT_EQ(0, sched_getaffinity(self->victim, sizeof(after), &after));
	EXPECT_TRUE(CPU_EQUAL(&before, &after));
}

static int probe_sched_param(struct _test_data_outside *self)
{
	struct sched_param sp = { 0 };
	struct timespec ts;
	uint32_t attr[14];

	CHILD_CHECK_ERR(sched_getparam(self->victim, &sp), ESRCH);
	CHILD_CHECK_ERR(sched_setparam(self->victim, &sp), ESRCH);
	CHILD_CHECK_ERR(sched_getscheduler(self->victim), ESRCH);
	CHILD_CHECK_ERR(sched_setscheduler(self->victim, SCHED_BATCH, &sp),
			ESRCH);
	CHILD_CHECK_ERR(sched_rr_get_interval(self->victim, &ts), ESRCH);
	CHILD_CHECK_ERR(syscall(SYS_sched_getattr, self->victim, attr,
				sizeof(attr), 0), ESRCH);
	CHILD_CHECK_ERR(sched_getparam(self->sh->sibling_child, &sp), ESRCH);
	return 0;
}

TEST_F(outside, sched_param_outside_esrch)
{
	RUN_PROBE(probe_sched_param);
	EXPECT_EQ(SCHED_OTHER, sched_getscheduler(self->victim));
}

static int probe_priority(struct _test_data_outside *self)
{
	errno = 0;
	CHILD_CHECK(getpriority(PRIO_PROCESS, self->victim) == -1 &&
		    errno == ESRCH);
	CHILD_CHECK_ERR(setpriority(PRIO_PROCESS, self->victim, 10), ESRCH);
	errno = 0;
	CHILD_CHECK(getpriority(PRIO_PGRP, self->victim) == -1 &&
		    errno == ESRCH);
	CHILD_CHECK_ERR(setpriority(PRIO_PGRP, self->victim, 10), ESRCH);
	CHILD_CHECK_ERR(setpriority(PRIO_PROCESS, self->sh->sibling_child, 10),
			ESRCH);
	return 0;
}

TEST_F(outside, priority_outside_esrch)
{
	RUN_PROBE(probe_priority);
	errno = 0;
	EXPECT_EQ(VICTIM_NICE, getpriority(PRIO_PROCESS, self->victim));
	EXPECT_EQ(0, errno);
}

/*
 * PRIO_USER walks all processes of a user: only those with a number in
 * the caller's namespace count.  The victim is the only VICTIM_UID task.
 */
static int probe_prio_user(struct _test_data_outside *self)
{
	errno = 0;
	CHILD_CHECK(getpriority(PRIO_USER, VICTIM_UID) == -1 &&
		    errno == ESRCH);
	CHILD_CHECK_ERR(setpriority(PRIO_USER, VICTIM_UID, 7), ESRCH);
	return 0;
}

TEST_F(outside, prio_user_ignores_outside_tasks)
{
	RUN_PROBE(probe_prio_user);
	errno = 0;
	EXPECT_EQ(VICTIM_NICE, getpriority(PRIO_PROCESS, self->victim));
}

#define IOPRIO_WHO_PROCESS	1
#define IOPRIO_WHO_PGRP		2
#define IOPRIO_BE_4		((2 << 13) | 4)

static int probe_ioprio(struct _test_data_outside *self)
{
	CHILD_CHECK_ERR(syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS,
				self->victim), ESRCH);
	CHILD_CHECK_ERR(syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS,
				self->victim, IOPRIO_BE_4), ESRCH);
	CHILD_CHECK_ERR(syscall(SYS_ioprio_get, IOPRIO_WHO_PGRP,
				self->victim), ESRCH);
	return 0;
}

TEST_F(outside, ioprio_outside_esrch)
{
	long before = syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS, self->victim);

	ASSERT_GE(before, 0);
	RUN_PROBE(probe_ioprio);
	EXPECT_EQ(before, syscall(SYS_ioprio_get, IOPRIO_WHO_PROCESS,
				  self->victim));
}

static int probe_sid_pgid(struct _test_data_outside *self)
{
	CHILD_CHECK_ERR(getsid(self->victim), ESRCH);
	CHILD_CHECK_ERR(getpgid(self->victim), ESRCH);
	CHILD_CHECK_ERR(getsid(self->sibling), ESRCH);
	CHILD_CHECK_ERR(getpgid(self->sh->sibling_child), ESRCH);
	/* Our own session and group are outside: they read as 0. */
	CHILD_CHECK(getsid(0) == 0);
	CHILD_CHECK(getpgid(0) == 0);
	return 0;
}

TEST_F(outside, getsid_getpgid_outside_esrch)
{
	RUN_PROBE(probe_sid_pgid);
}

static int probe_setpgid(struct _test_data_outside *self)
{
	CHILD_CHECK_ERR(setpgid(self->victim, self->victim), ESRCH);
	/*
	 * Joining the (really same-session) test's group by its outside
	 * number: no group with that number exists in our namespace.
	 */
	CHILD_CHECK_ERR(setpgid(0, self->test_pgrp), EPERM);
	CHILD_CHECK(getpgid(0) == 0);
	return 0;
}

TEST_F(outside, setpgid_outside_fails)
{
	RUN_PROBE(probe_setpgid);
	EXPECT_EQ(self->victim, getpgid(self->victim));
}

static int probe_kcmp(struct _test_data_outside *self)
{
	errno = 0;
	if (syscall(SYS_kcmp, getpid(), getpid(), KCMP_VM, 0, 0) < 0 &&
	    errno == ENOSYS)
		return PROBE_NOSYS;
	CHILD_CHECK_ERR(syscall(SYS_kcmp, getpid(), self->victim, KCMP_VM,
				0, 0), ESRCH);
	CHILD_CHECK_ERR(syscall(SYS_kcmp, self->victim, getpid(), KCMP_FILE,
				0, 0), ESRCH);
	return 0;
}

TEST_F(outside, kcmp_outside_esrch)
{
	RUN_PROBE(probe_kcmp);
}

static int probe_process_vm(struct _test_data_outside *self)
{
	char local[16], remote[16] = "secret";
	struct iovec liov = { .iov_base = local, .iov_len = sizeof(local) };
	struct iovec riov = { .iov_base = remote, .iov_len = sizeof(remote) };

	CHILD_CHECK_ERR(process_vm_readv(self->victim, &liov, 1, &riov, 1, 0),
			ESRCH);
	CHILD_CHECK_ERR(process_vm_writev(self->victim, &liov, 1, &riov, 1, 0),
			ESRCH);
	return 0;
}

TEST_F(outside, process_vm_readv_outside_esrch)
{
	RUN_PROBE(probe_process_vm);
}

static int probe_prlimit(struct _test_data_outside *self)
{
	struct rlimit rl = { 17, 17 };

	CHILD_CHECK_ERR(prlimit(self->victim, RLIMIT_NOFILE, NULL, &rl), ESRCH);
	CHILD_CHECK_ERR(prlimit(self->victim, RLIMIT_NOFILE, &rl, NULL), ESRCH);
	return 0;
}

/* The victim's "Max open files" line of /proc/PID/limits. */
static int victim_nofile(struct _test_data_outside *self, char *out, size_t size)
{
	char path[64], buf[4096], *line;

	snprintf(path, sizeof(path), "%d/limits", self->victim);
	if (pidns_read_file_at(self->procfd, path, buf, sizeof(buf)) < 0)
		return -1;
	line = strstr(buf, "Max open files");
	if (!line)
		return -1;
	snprintf(out, size, "%.*s", (int)strcspn(line, "\n"), line);
	return 0;
}

TEST_F(outside, prlimit_outside_esrch)
{
	char before[128], after[128];

	ASSERT_EQ(0, victim_nofile(self, before, sizeof(before)));
	RUN_PROBE(probe_prlimit);
	ASSERT_EQ(0, victim_nofile(self, after, sizeof(after)));
	EXPECT_STREQ(before, after);
}

static int probe_misc_pid_calls(struct _test_data_outside *self)
{
	struct {
		uint32_t version;
		int pid;
	} caphdr = { 0x20080522, self->victim };
	uint32_t capdata[6];
	void *head;
	size_t len;

	CHILD_CHECK_ERR(syscall(SYS_capget, &caphdr, capdata), ESRCH);
	CHILD_CHECK_ERR(syscall(SYS_get_robust_list, self->victim, &head,
				&len), ESRCH);
	return 0;
}

TEST_F(outside, capget_robust_list_outside_esrch)
{
	RUN_PROBE(probe_misc_pid_calls);
}

static int probe_proc_pid(struct _test_data_outside *self)
{
	char path[64];
	int procfd = pidns_proc_open();

	CHILD_CHECK(procfd >= 0);
	snprintf(path, sizeof(path), "%d/status", self->victim);
	CHILD_CHECK_ERR(openat(procfd, path, O_RDONLY), ENOENT);
	snprintf(path, sizeof(path), "%d", self->sibling);
	CHILD_CHECK_ERR(faccessat(procfd, path, F_OK, 0), ENOENT);
	snprintf(path, sizeof(path), "%d/ns/pid", self->sh->sibling_child);
	CHILD_CHECK_ERR(openat(procfd, path, O_RDONLY), ENOENT);
	return 0;
}

TEST_F(outside, proc_pid_dirs_outside_absent)
{
	RUN_PROBE(probe_proc_pid);
}

/*
 * The sibling namespace's own numbers are no better: its pid 2 is not our
 * pid 2 (we have none), and the sibling init is not our 1.
 */
static int probe_sibling_numbers(struct _test_data_outside *self)
{
	CHILD_CHECK_ERR(kill(2, SIGUSR1), ESRCH);
	CHILD_CHECK_ERR(sys_pidfd_open(2, 0), ESRCH);
	CHILD_CHECK(kill(1, 0) == 0);
	return 0;
}

TEST_F(outside, sibling_numbers_unreachable)
{
	RUN_PROBE(probe_sibling_numbers);
	EXPECT_OUTSIDE_UNTOUCHED();
}

/* kill(-1) from an init alone in its namespace has nobody to signal. */
static int probe_kill_all_alone(struct _test_data_outside *self)
{
	CHILD_CHECK_ERR(kill(-1, SIGUSR1), ESRCH);
	return 0;
}

TEST_F(outside, kill_minus_one_alone_esrch)
{
	RUN_PROBE(probe_kill_all_alone);
	EXPECT_OUTSIDE_UNTOUCHED();
}

/* kill(-1) reaches the namespace's other tasks, nothing outside. */
static int probe_kill_all(struct _test_data_outside *self)
{
	int ready[2], go[2];
	pid_t c;

	CHILD_CHECK(pipe(ready) == 0 && pipe(go) == 0);
	c = fork();
	CHILD_CHECK(c >= 0);
	if (c == 0) {
		sigset_t set;

		block_all_signals();
		pidns_post_byte(ready[1]);
		pidns_wait_byte(go[0]);
		sigpending(&set);
		_exit(sigismember(&set, SIGUSR1) ? 0 : 1);
	}
	CHILD_CHECK(pidns_wait_byte(ready[0]));
	CHILD_CHECK(kill(-1, SIGUSR1) == 0);
	pidns_post_byte(go[1]);
	CHILD_CHECK(pidns_wait_status(c) == 0);
	return 0;
}

TEST_F(outside, kill_minus_one_stays_in_ns)
{
	RUN_PROBE(probe_kill_all);
	EXPECT_OUTSIDE_UNTOUCHED();
}

static int got_usr1;

static void note_usr1(int sig)
{
	__atomic_store_n(&got_usr1, 1, __ATOMIC_SEQ_CST);
}

/* kill(-1) from a non-init member skips the namespace init (pid 1). */
static int probe_kill_all_skips_init(struct _test_data_outside *self)
{
	pid_t c;

	signal(SIGUSR1, note_usr1);
	c = fork();
	CHILD_CHECK(c >= 0);
	if (c == 0) {
		signal(SIGUSR1, SIG_DFL);
		/* Nobody else but init: nothing to signal. */
		_exit(kill(-1, SIGUSR1) == -1 && errno == ESRCH ? 0 : 1);
	}
	CHILD_CHECK(pidns_wait_status(c) == 0);
	CHILD_CHECK(!__atomic_load_n(&got_usr1, __ATOMIC_SEQ_CST));
	return 0;
}

TEST_F(outside, kill_minus_one_skips_ns_init)
{
	RUN_PROBE(probe_kill_all_skips_init);
	EXPECT_OUTSIDE_UNTOUCHED();
}

/* A positive control: the test, an ancestor, can name the probe's init. */
TEST_F(outside, ancestor_can_name_descendants)
{
	int sync[2];
	pid_t init;

	ASSERT_EQ(0, pidns_pipe(sync));
	init = pidns_fork_idle_init(sync);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, kill(init, 0));
	EXPECT_EQ(0, getpriority(PRIO_PROCESS, init));
	EXPECT_EQ(getsid(0), getsid(init));
	EXPECT_EQ(getpgrp(), getpgid(init));
	close(sync[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/*
 * Plain fixture-free tests of what a namespace's own proc shows.
 */

/* A proc mounted inside lists only the namespace's tasks. */
TEST(proc_mounted_inside_lists_only_ns)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		int sync[2], ready[2];
		pid_t pids[64], c[2];
		int n;

		CHILD_CHECK(pidns_mount_proc() == 0);
		CHILD_CHECK(pipe(sync) == 0 && pipe(ready) == 0);
		for (int i = 0; i < 2; i++) {
			c[i] = fork();
			CHILD_CHECK(c[i] >= 0);
			if (c[i] == 0) {
				close(sync[1]);
				pidns_post_byte(ready[1]);
				pidns_wait_byte(sync[0]);
				_exit(0);
			}
			CHILD_CHECK(pidns_wait_byte(ready[0]));
		}
		n = pidns_proc_pids(open("/proc", O_RDONLY | O_DIRECTORY),
				    pids, 64);
		CHILD_CHECK(n == 3);
		for (int i = 0; i < n; i++)
			CHILD_CHECK(pids[i] >= 1 && pids[i] <= 3);
		close(sync[1]);
		pidns_wait_status(c[0]);
		pidns_wait_status(c[1]);
		_exit(0);
	}
	ASSERT_EQ(0, pidns_wait_status(init));
}

static void *thread_self_reader(void *arg)
{
	char *buf = arg;
	ssize_t len = readlink("/proc/thread-self", buf, 63);

	buf[len > 0 ? len : 0] = '\0';
	return NULL;
}

/* /proc/self and /proc/thread-self resolve to the inner numbers. */
TEST(proc_self_and_thread_self_resolve)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		char buf[64] = "", tbuf[64] = "";
		long pidv[2];
		pthread_t t;
		ssize_t len;

		CHILD_CHECK(pidns_mount_proc() == 0);
		len = readlink("/proc/self", buf, sizeof(buf) - 1);
		CHILD_CHECK(len > 0);
		buf[len] = '\0';
		CHILD_CHECK(!strcmp(buf, "1"));
		len = readlink("/proc/thread-self", buf, sizeof(buf) - 1);
		CHILD_CHECK(len > 0);
		buf[len] = '\0';
		CHILD_CHECK(!strcmp(buf, "1/task/1"));
		CHILD_CHECK(pthread_create(&t, NULL, thread_self_reader,
					   tbuf) == 0);
		pthread_join(t, NULL);
		CHILD_CHECK(!strcmp(tbuf, "1/task/2"));
		CHILD_CHECK(pidns_status_field(open("/proc", O_RDONLY), 0,
					       "Pid", pidv, 2) == 1);
		CHILD_CHECK(pidv[0] == 1);
		_exit(0);
	}
	ASSERT_EQ(0, pidns_wait_status(init));
}

/* The proc of the parent namespace, seen from inside, names us by our
 * outer number: "self" is per proc instance.
 */
TEST(outer_proc_self_is_outer_number)
{
	int procfd, res[2], v = -1;
	pid_t init;

	PIDNS_REQUIRE();
	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	ASSERT_EQ(0, pidns_pipe(res));
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		int inner = pidns_proc_open();

		CHILD_CHECK(inner >= 0);
		CHILD_CHECK(pidns_self_in_proc(inner) == 1);
		pidns_send_int(res[1], pidns_self_in_proc(procfd));
		_exit(0);
	}
	ASSERT_EQ(0, pidns_recv_int(res[0], &v));
	EXPECT_EQ(init, v);
	ASSERT_EQ(0, pidns_wait_status(init));
}

TEST_HARNESS_MAIN
