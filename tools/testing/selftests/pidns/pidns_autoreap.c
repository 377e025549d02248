// SPDX-License-Identifier: GPL-2.0
/*
 * The clone3() flags CLONE_AUTOREAP, CLONE_NNP and CLONE_PIDFD_AUTOKILL,
 * with upstream 7.1's ABI.
 *
 * CLONE_AUTOREAP (exit_signal 0, no privilege, CLONE_PIDFD optional): at
 * its exit the child sends no signal and is released at once, never a
 * zombie: its parent (woken in wait()) and pidfd_open()/clone3() pidfd
 * waiters see it gone, wait() gives ECHILD, its pidfd POLLIN|POLLHUP and
 * PIDFD_INFO_EXIT its status (ESRCH without PIDFD_INFO_EXIT).  While it
 * runs it is a clone child, seen by wait() only with __WALL/__WCLONE.
 * The bit is the process's: not inherited by its children, kept when it
 * is reparented (to a child subreaper, which gets no SIGCHLD), across
 * execve() (also from a non-leader thread) and by a thread group whose
 * leader exits first or whose thread calls exit_group().  A tracer sees
 * an ordinary zombie, and once it reaps it or exits, the child is
 * released and its parent never sees it.  clone3() refuses it with
 * CLONE_THREAD, CLONE_PARENT or a non-zero exit_signal, and an autoreap
 * process may not use CLONE_PARENT at all (EINVAL).
 *
 * CLONE_NNP: the child has no_new_privs set, the parent keeps its own;
 * no privilege needed; EINVAL with CLONE_THREAD.
 *
 * CLONE_PIDFD_AUTOKILL (with CLONE_PIDFD and CLONE_AUTOREAP, not with
 * CLONE_THREAD; without CLONE_NNP it needs CAP_SYS_ADMIN in the caller's
 * user namespace, EPERM otherwise, and the EINVAL rules come first):
 * when the last reference to the pidfd file clone3() returned goes, the
 * kernel kills the child with SIGKILL, whoever drops it, also a pid
 * namespace init (and so its namespace) and also when closed by a task
 * with no permission to signal the child.  dup(), fork() and SCM_RIGHTS
 * share the file, an fd in flight included; the pidfd is O_CLOEXEC, so
 * the holder's execve() kills; a pidfd_open() pidfd is another file and
 * does nothing either way; the child's execve() or setuid does not clear
 * it; closing it after the child exited is harmless.
 *
 * Legacy clone() cannot request any of them (its flags have 32 bits).
 * On a kernel without a flag its cases SKIP: a valid use of it fails
 * with EINVAL (probed once, at start).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <assert.h>
#include <poll.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <linux/futex.h>
#include <linux/types.h>

#include "pidns_util.h"
#include "../kselftest_harness.h"

/* Upstream 7.1's values; clone3() only, as they lie above bit 31. */
#ifndef CLONE_AUTOREAP
#define CLONE_AUTOREAP		0x400000000ULL
#endif
#ifndef CLONE_NNP
#define CLONE_NNP		0x800000000ULL
#endif
#ifndef CLONE_PIDFD_AUTOKILL
#define CLONE_PIDFD_AUTOKILL	0x1000000000ULL
#endif

static_assert(CLONE_AUTOREAP == 1ULL << 34, "upstream's CLONE_AUTOREAP");
static_assert(CLONE_NNP == 1ULL << 35, "upstream's CLONE_NNP");
static_assert(CLONE_PIDFD_AUTOKILL == 1ULL << 36,
	      "upstream's CLONE_PIDFD_AUTOKILL");

/* PIDFD_GET_INFO, as pidns_pidfdinfo.c has it (upstream's layout). */
#ifndef PIDFS_IOCTL_MAGIC
#define PIDFS_IOCTL_MAGIC		0xFF
#endif
#ifndef PIDFD_INFO_PID
#define PIDFD_INFO_PID			0x01UL
#endif
#ifndef PIDFD_INFO_CREDS
#define PIDFD_INFO_CREDS		0x02UL
#endif
#ifndef PIDFD_INFO_EXIT
#define PIDFD_INFO_EXIT			0x08UL
#endif
#ifndef PIDFD_INFO_SIZE_VER1
#define PIDFD_INFO_SIZE_VER1		72
#endif

struct info {
	__u64 mask;
	__u64 cgroupid;
	__u32 pid;
	__u32 tgid;
	__u32 ppid;
	__u32 ruid;
	__u32 rgid;
	__u32 euid;
	__u32 egid;
	__u32 suid;
	__u32 sgid;
	__u32 fsuid;
	__u32 fsgid;
	__s32 exit_code;
	__u32 coredump_mask;
	__u32 coredump_signal;
	__u64 supported_mask;
};

static_assert(offsetof(struct info, exit_code) == 60, "upstream layout");

#define GET_INFO	_IOC(_IOC_READ | _IOC_WRITE, PIDFS_IOCTL_MAGIC, 11, \
			     PIDFD_INFO_SIZE_VER1)

/* PIDFD_GET_INFO asking for @want: 0 or the errno. */
static int get_info(int pidfd, __u64 want, struct info *out)
{
	memset(out, 0, sizeof(*out));
	out->mask = want;
	return ioctl(pidfd, GET_INFO, out) ? errno : 0;
}

#define NOBODY		65534

/* ---- the program re-executed ------------------------------------------ */

#define HELPER_ENV	"PIDNS_AUTOREAP_HELPER"

/*
 * Started by execve() with PIDNS_AUTOREAP_HELPER="OUT IN CODE": post a
 * byte on fd OUT, answer every byte on fd IN with one on OUT, exit with
 * CODE at EOF on IN.  Runs before anything else of the program.
 */
static void __attribute__((constructor(101))) exec_helper(void)
{
	const char *env = getenv(HELPER_ENV);
	int out, in, code;
	char c = 's';

	if (!env)
		return;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (sscanf(env, "%d %d %d", &out, &in, &code) != 3)
		_exit(PIDNS_CHILD_FAIL);
	if (write(out, &c, 1) != 1)
		_exit(PIDNS_CHILD_FAIL);
	while (read(in, &c, 1) == 1 && write(out, &c, 1) == 1)
		;
	_exit(code);
}

/* exec_helper()'s environment string, made before any raw clone3(). */
static void helper_env(char *buf, size_t size, int out, int in, int code)
{
	snprintf(buf, size, HELPER_ENV "=%d %d %d", out, in, code);
}

/*
 * execve() this program as exec_helper() with @env on @out and @in
 * (their close-on-exec flags cleared); returns only if that fails.
 */
static void exec_helper_with(char *env, int out, int in)
{
	char *const argv[] = { "pidns_autoreap_helper", NULL };
	char *const envp[] = { env, NULL };

	fcntl(out, F_SETFD, 0);
	fcntl(in, F_SETFD, 0);
	execve("/proc/self/exe", argv, envp);
}

/* ---- feature probes --------------------------------------------------- */

/* Why the kernel cannot run a group of cases; "" if it can. */
static char no_autoreap[96], no_nnp[96], no_autokill[96];

static void probe_failed(char *reason, size_t size, const char *flag,
			 int err)
{
	if (err == EINVAL)
		snprintf(reason, size, "no %s", flag);
	else
		snprintf(reason, size, "clone3() with %s: %s", flag,
			 strerror(err));
}

/*
 * Once, at start: a use of each flag that is valid by any reading of the
 * rules, so that EINVAL can only mean that the kernel lacks it (and a
 * kernel that gets a rule wrong fails that rule's case instead of
 * skipping everything).  The children exit at once.
 */
static void __attribute__((constructor)) probe_flags(void)
{
	struct pidns_clone_args args = {
		.flags = CLONE_AUTOREAP | CLONE_PIDFD,
	};
	int pidfd = -1;
	pid_t pid;

	args.pidfd = ptr_to_u64(&pidfd);
	pid = sys_clone3(&args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		probe_failed(no_autoreap, sizeof(no_autoreap),
			     "CLONE_AUTOREAP", errno);
	if (pidfd >= 0)
		close(pidfd);
	pidfd = -1;

	args = (struct pidns_clone_args){
		.flags = CLONE_NNP,
		.exit_signal = SIGCHLD,
	};
	pid = sys_clone3(&args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		probe_failed(no_nnp, sizeof(no_nnp), "CLONE_NNP", errno);
	else
		waitpid(pid, NULL, 0);

	if (no_autoreap[0]) {
		snprintf(no_autokill, sizeof(no_autokill), "%s", no_autoreap);
		return;
	}
	args = (struct pidns_clone_args){
		.flags = CLONE_AUTOREAP | CLONE_PIDFD | CLONE_PIDFD_AUTOKILL,
		.pidfd = ptr_to_u64(&pidfd),
	};
	pid = sys_clone3(&args, sizeof(args));
	if (pid == 0)
		_exit(0);
	/* EPERM (not privileged): the kernel knows the flag. */
	if (pid < 0 && errno != EPERM)
		probe_failed(no_autokill, sizeof(no_autokill),
			     "CLONE_PIDFD_AUTOKILL", errno);
	if (pidfd >= 0)
		close(pidfd);
}

/* SKIP the case (and say so) if @reason says the kernel lacks a flag. */
static bool skip_without(struct __test_metadata *_metadata,
			 const char *reason)
{
	if (!reason[0])
		return false;
	SKIP(return true, "%s", reason);
}

static bool skip_without_exe(struct __test_metadata *_metadata)
{
	if (!access("/proc/self/exe", X_OK))
		return false;
	SKIP(return true, "/proc/self/exe not executable");
}

/* ---- helpers ---------------------------------------------------------- */

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/*
 * Take every pending SIGCHLD (the fixtures block it): true if one came
 * from @pid.
 */
static bool sigchld_from(pid_t pid)
{
	struct timespec zero = { 0 };
	bool found = false;
	sigset_t set;
	siginfo_t si;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	while (sigtimedwait(&set, &si, &zero) == SIGCHLD)
		found |= si.si_pid == pid;
	return found;
}

/*
 * Body of a child that exits with @code at a byte or EOF on @hold (whose
 * write end the test holds).
 */
static __noreturn void hold_body(const int hold[2], int code)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(hold[1]);
	pidns_wait_byte(hold[0]);
	_exit(code);
}

/*
 * Body of a child that answers every byte on @ping with one on @pong,
 * and exits 0 at EOF on @ping.  An answer to a ping sent after some
 * event proves that the child was not killed by it: a SIGKILL sent before
 * would end it before it could write.
 */
static __noreturn void echo_loop(int ping, int pong)
{
	char c;

	while (read(ping, &c, 1) == 1 && write(pong, &c, 1) == 1)
		;
	_exit(0);
}

static __noreturn void echo_body(const int ping[2], const int pong[2])
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(ping[1]);
	close(pong[0]);
	echo_loop(ping[0], pong[1]);
}

/*
 * clone3() a child with @flags (CLONE_PIDFD added: its pidfd in *pidfd)
 * and @exit_signal, running hold_body(@hold, @code).
 */
static pid_t spawn(__u64 flags, int exit_signal, const int hold[2],
		   int code, int *pidfd)
{
	struct pidns_clone_args args = {
		.flags = flags | CLONE_PIDFD,
		.pidfd = ptr_to_u64(pidfd),
		.exit_signal = exit_signal,
	};
	pid_t pid = sys_clone3(&args, sizeof(args));

	if (pid == 0)
		hold_body(hold, code);
	return pid;
}

/* The state letter of /proc/<pid>/stat; 0 if it cannot be read. */
static char proc_state(pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (pidns_read_file_at(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

/* Is @pid past running (asleep, or gone)?  Plain system calls only. */
static bool settled(pid_t pid)
{
	char state = proc_state(pid);

	return state != 'R' && state != 'D';
}

/*
 * In a helper process: block until the task of @pidfd is released; its
 * wait status, or -1 (also if it is a zombie of ours, never released).
 */
static int child_release_status(int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	struct info i;
	siginfo_t si;

	for (;;) {
		if (poll(&pfd, 1, -1) != 1 || !(pfd.revents & POLLIN))
			return -1;
		if (pfd.revents & POLLHUP)
			break;
		memset(&si, 0, sizeof(si));
		if (!sys_waitid(P_PIDFD, pidfd, &si,
				WEXITED | WNOHANG | WNOWAIT | __WALL, NULL) &&
		    si.si_pid)
			return -1;
	}
	if (get_info(pidfd, PIDFD_INFO_EXIT, &i) ||
	    !(i.mask & PIDFD_INFO_EXIT))
		return -1;
	return i.exit_code;
}

/*
 * Block until the task of @pidfd (@pid, a child of ours or not) is
 * released, and check that it left nothing behind: every poll() event
 * has POLLIN, the last POLLHUP, and in between (exited, not released)
 * it is never a zombie we could wait for; then waitpid() and
 * waitid(P_PIDFD) give ECHILD even with __WALL, a signal ESRCH, and no
 * SIGCHLD came from it.  Returns its wait status from PIDFD_INFO_EXIT.
 */
static int released_status(struct __test_metadata *_metadata, int pidfd,
			   pid_t pid)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
	struct info i;
	siginfo_t si;
	int st;

	for (;;) {
		ASSERT_EQ(1, poll(&pfd, 1, -1));
		ASSERT_TRUE(pfd.revents & POLLIN);
		if (pfd.revents & POLLHUP)
			break;
		/* Exited, not yet released: never a zombie to reap. */
		memset(&si, 0, sizeof(si));
		if (!sys_waitid(P_PID, pid, &si,
				WEXITED | WNOHANG | WNOWAIT | __WALL, NULL)) {
			ASSERT_NE(pid, si.si_pid) {
				TH_LOG("autoreap child %d is a zombie", pid);
			}
		}
	}
	errno = 0;
	EXPECT_EQ(-1, waitpid(pid, &st, WNOHANG | __WALL));
	EXPECT_EQ(ECHILD, errno);
	errno = 0;
	EXPECT_EQ(-1, sys_waitid(P_PIDFD, pidfd, &si,
				 WEXITED | WNOHANG | __WALL, NULL));
	EXPECT_EQ(ECHILD, errno);
	errno = 0;
	EXPECT_EQ(-1, sys_pidfd_send_signal(pidfd, 0, NULL, 0));
	EXPECT_EQ(ESRCH, errno);
	EXPECT_FALSE(sigchld_from(pid)) {
		TH_LOG("SIGCHLD from autoreap child %d", pid);
	}
	ASSERT_EQ(0, get_info(pidfd, PIDFD_INFO_EXIT, &i));
	ASSERT_TRUE(i.mask & PIDFD_INFO_EXIT);
	return i.exit_code;
}

/* The task of @pidfd runs: no poll() event, and signal 0 reaches it. */
static void expect_running(struct __test_metadata *_metadata, int pidfd)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	EXPECT_EQ(0, poll(&pfd, 1, 0));
	EXPECT_EQ(0, sys_pidfd_send_signal(pidfd, 0, NULL, 0));
}

/* ---- credentials of a helper ------------------------------------------ */

enum who {
	AS_ROOT,		/* the test's own */
	AS_NOBODY,		/* uid 65534, no capabilities */
	AS_ROOT_NO_SYS_ADMIN,	/* uid 0 without CAP_SYS_ADMIN */
	AS_NOBODY_IN_USERNS,	/* 65534 in a user namespace of its own */
};

/*
 * In a helper process: take @who's credentials; exit with KSFT_SKIP if a
 * user namespace cannot be made.
 */
static void become(enum who who)
{
	int cap = CAP_SYS_ADMIN_BIT;

	switch (who) {
	case AS_ROOT:
		break;
	case AS_NOBODY:
		CHILD_CHECK(pidns_drop_to_uid(NOBODY) == 0);
		break;
	case AS_ROOT_NO_SYS_ADMIN:
		CHILD_CHECK(pidns_drop_caps(&cap, 1) == 0);
		break;
	case AS_NOBODY_IN_USERNS:
		CHILD_CHECK(pidns_drop_to_uid(NOBODY) == 0);
		if (unshare(CLONE_NEWUSER))
			_exit(KSFT_SKIP);
		break;
	}
	/* A change of credentials cleared it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
}

/*
 * clone3() with @flags and @exit_signal: 0 if it made a child (which
 * exits at once), else the errno.  A thread made by mistake gets a
 * stack of zeroes and crashes its process at once: call it in a helper.
 */
static int try_clone3(__u64 flags, int exit_signal)
{
	static char stack[16384];
	struct pidns_clone_args args = {
		.flags = flags,
		.exit_signal = exit_signal,
	};
	int pidfd = -1;
	pid_t pid;

	args.pidfd = ptr_to_u64(&pidfd);
	if (flags & CLONE_VM) {
		args.stack = ptr_to_u64(stack);
		args.stack_size = sizeof(stack) - 256;
	}
	pid = sys_clone3(&args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return errno;
	if (pidfd >= 0)
		close(pidfd);
	if (!(flags & (CLONE_AUTOREAP | CLONE_PARENT | CLONE_THREAD)))
		waitpid(pid, NULL, __WALL);
	return 0;
}

/* try_clone3() in a helper with @who's credentials: its exit status. */
static int clone3_errno_as(enum who who, __u64 flags, int exit_signal)
{
	pid_t h = fork();

	if (h == 0) {
		become(who);
		_exit(try_clone3(flags, exit_signal));
	}
	return h < 0 ? -1 : pidns_wait_status(h);
}

/*
 * A helper with @who's credentials clone3()s an autokill child (flags
 * @extra added), which checks that its no_new_privs is @nnp and answers
 * pings; the helper closes the pidfd and checks that the child is killed
 * (a ping goes unanswered, SIGKILL).  Its exit status: 0, KSFT_SKIP or a
 * failure.
 */
static int autokill_in_helper(enum who who, __u64 extra, int nnp)
{
	pid_t h = fork();

	if (h == 0) {
		struct pidns_clone_args args = {
			.flags = CLONE_AUTOREAP | CLONE_PIDFD |
				 CLONE_PIDFD_AUTOKILL | extra,
		};
		int ping[2], pong[2], kfd = -1, fd, st;
		char b = 'p';
		pid_t c;

		become(who);
		CHILD_CHECK(pidns_pipe(ping) == 0 && pidns_pipe(pong) == 0);
		args.pidfd = ptr_to_u64(&kfd);
		c = sys_clone3(&args, sizeof(args));
		if (c == 0) {
			CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) ==
				    nnp);
			echo_body(ping, pong);
		}
		CHILD_CHECK(c > 0);
		close(pong[1]);
		fd = sys_pidfd_open(c, 0);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(write(ping[1], &b, 1) == 1);
		CHILD_CHECK(read(pong[0], &b, 1) == 1);
		close(kfd);
		CHILD_CHECK(write(ping[1], &b, 1) == 1);
		CHILD_CHECK(read(pong[0], &b, 1) == 0);
		st = child_release_status(fd);
		CHILD_CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
		_exit(0);
	}
	return h < 0 ? -1 : pidns_wait_status(h);
}

/* ---- threads of a raw clone3() child ----------------------------------- */

/* What the threads of one raw child share (CLONE_VM: one copy). */
static struct {
	int hold;		/* read end: exit at a byte or EOF */
	int report;		/* write end: a thread's tid, then a byte */
	int code;
	int leader_alive;	/* cleared by the kernel at the leader's exit */
	char *env;		/* exec_helper()'s, to exec from a thread */
} mt;

/*
 * A thread of the calling raw child, on a stack of its own, through
 * glibc's clone() (which ends the thread with exit() when @fn returns).
 * @fn may only make plain system calls.  Its tid, or -1.
 */
static pid_t raw_thread(int (*fn)(void *))
{
	size_t size = 256 * 1024;
	char *stack = mmap(NULL, size, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);

	if (stack == MAP_FAILED)
		return -1;
	return clone(fn, stack + size, CLONE_VM | CLONE_FS | CLONE_FILES |
		     CLONE_SIGHAND | CLONE_THREAD | CLONE_SYSVSEM, NULL);
}

static int exit_group_thread(void *arg)
{
	pid_t tid = sys_gettid();

	pidns_write_all(mt.report, &tid, sizeof(tid));
	pidns_wait_byte(mt.hold);
	syscall(SYS_exit_group, mt.code);
	return 0;
}

static int last_thread(void *arg)
{
	pid_t tid = sys_gettid();
	int v;

	pidns_write_all(mt.report, &tid, sizeof(tid));
	/* As pthread_join(): the leader's exit clears the word. */
	while ((v = __atomic_load_n(&mt.leader_alive, __ATOMIC_SEQ_CST)))
		syscall(SYS_futex, &mt.leader_alive, FUTEX_WAIT, v, NULL,
			NULL, 0);
	pidns_post_byte(mt.report);
	pidns_wait_byte(mt.hold);
	syscall(SYS_exit, mt.code);
	return 0;
}

static int exec_thread(void *arg)
{
	char *const argv[] = { "pidns_autoreap_helper", NULL };
	char *const envp[] = { mt.env, NULL };

	fcntl(mt.report, F_SETFD, 0);
	fcntl(mt.hold, F_SETFD, 0);
	execve("/proc/self/exe", argv, envp);
	syscall(SYS_exit_group, PIDNS_CHILD_FAIL);
	return 0;
}

/* ---- CLONE_AUTOREAP ----------------------------------------------------- */

/*
 * Every case: pid namespaces, CLONE_AUTOREAP, SIGCHLD blocked (so that
 * one sent shows as pending), and a pipe whose write end only the test
 * holds: its children exit at a byte or EOF on it, at the latest when
 * the teardown closes it.
 */
FIXTURE(autoreap) {
	int hold[2];
};

FIXTURE_SETUP(autoreap)
{
	PIDNS_REQUIRE();
	if (skip_without(_metadata, no_autoreap))
		return;
	ASSERT_EQ(0, pidns_block_signal(SIGCHLD));
	ASSERT_EQ(0, pidns_pipe(self->hold));
}

FIXTURE_TEARDOWN(autoreap)
{
	close_fd(&self->hold[1]);
}

/*
 * A child with exit_signal 0 runs like any other; at its exit it sends
 * no SIGCHLD, is never a zombie and is released at once: its pidfd
 * POLLIN|POLLHUP, waitpid() ECHILD, its exit code in PIDFD_INFO_EXIT.
 */
TEST_F(autoreap, basic)
{
	int pidfd = -1, st;
	pid_t c;

	c = spawn(CLONE_AUTOREAP, 0, self->hold, 7, &pidfd);
	ASSERT_GT(c, 0);
	ASSERT_GE(pidfd, 0);
	expect_running(_metadata, pidfd);
	close_fd(&self->hold[1]);
	st = released_status(_metadata, pidfd, c);
	EXPECT_TRUE(WIFEXITED(st));
	EXPECT_EQ(7, WEXITSTATUS(st));
}

/* CLONE_PIDFD is not needed: pidfd_open() of the child sees the same. */
TEST_F(autoreap, without_clone_pidfd)
{
	struct pidns_clone_args args = { .flags = CLONE_AUTOREAP };
	int pidfd;
	pid_t c;

	c = sys_clone3(&args, sizeof(args));
	if (c == 0)
		hold_body(self->hold, 8);
	ASSERT_GT(c, 0);
	pidfd = sys_pidfd_open(c, 0);
	ASSERT_GE(pidfd, 0);
	expect_running(_metadata, pidfd);
	close_fd(&self->hold[1]);
	EXPECT_EQ(W_EXITCODE(8, 0), released_status(_metadata, pidfd, c));
}

/* Killed by a signal (SIGKILL, and SIGUSR1's default action): the same. */
TEST_F(autoreap, killed_by_signal)
{
	int sigs[] = { SIGKILL, SIGUSR1 };

	for (int n = 0; n < 2; n++) {
		int pidfd = -1, st;
		pid_t c;

		c = spawn(CLONE_AUTOREAP, 0, self->hold, 0, &pidfd);
		ASSERT_GT(c, 0);
		ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, sigs[n], NULL, 0));
		st = released_status(_metadata, pidfd, c);
		EXPECT_TRUE(WIFSIGNALED(st));
		EXPECT_EQ(sigs[n], WTERMSIG(st));
		close(pidfd);
	}
}

/*
 * While it runs, an exit_signal 0 child is a clone child: wait() without
 * __WALL or __WCLONE does not see it (ECHILD), with them WNOHANG gives 0.
 */
TEST_F(autoreap, running_child_seen_only_with_wall)
{
	int pidfd = -1, st;
	siginfo_t si;
	pid_t c;

	c = spawn(CLONE_AUTOREAP, 0, self->hold, 0, &pidfd);
	ASSERT_GT(c, 0);
	errno = 0;
	EXPECT_EQ(-1, waitpid(c, &st, WNOHANG));
	EXPECT_EQ(ECHILD, errno);
	errno = 0;
	EXPECT_EQ(-1, sys_waitid(P_PID, c, &si, WEXITED | WNOHANG, NULL));
	EXPECT_EQ(ECHILD, errno);
	EXPECT_EQ(0, waitpid(c, &st, WNOHANG | __WALL));
	EXPECT_EQ(0, waitpid(c, &st, WNOHANG | __WCLONE));
	memset(&si, 0, sizeof(si));
	EXPECT_EQ(0, sys_waitid(P_PID, c, &si, WEXITED | WNOHANG | __WALL,
				NULL));
	EXPECT_EQ(0, si.si_pid);
	EXPECT_EQ(0, sys_waitid(P_PIDFD, pidfd, &si,
				WEXITED | WNOHANG | __WALL, NULL));
	close_fd(&self->hold[1]);
	EXPECT_EQ(0, released_status(_metadata, pidfd, c));
}

/*
 * Waiters are woken: the parent, asleep in waitid(__WALL) for the child,
 * returns ECHILD, and the poll() of another process on a pidfd_open()
 * pidfd returns POLLIN.  The child exits once both sleep (/proc/PID/stat;
 * should it look too early, the case is weaker, never wrong).
 */
TEST_F(autoreap, exit_wakes_parent_and_pidfd_waiters)
{
	struct pidns_clone_args args = {
		.flags = CLONE_AUTOREAP | CLONE_PIDFD,
	};
	int cpid[2], ready[2], res[2], pidfd = -1, revents = 0;
	siginfo_t si;
	pid_t w, c;

	ASSERT_EQ(0, pidns_pipe(cpid));
	ASSERT_EQ(0, pidns_pipe(ready));
	ASSERT_EQ(0, pidns_pipe(res));
	w = fork();
	ASSERT_GE(w, 0);
	if (w == 0) {
		struct pollfd pfd = { .events = POLLIN };

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(self->hold[1]);
		CHILD_CHECK(pidns_recv_int(cpid[0], &c) == 0);
		pfd.fd = sys_pidfd_open(c, 0);
		CHILD_CHECK(pfd.fd >= 0);
		pidns_post_byte(ready[1]);
		CHILD_CHECK(poll(&pfd, 1, -1) == 1);
		pidns_send_int(res[1], pfd.revents);
		_exit(0);
	}
	args.pidfd = ptr_to_u64(&pidfd);
	c = sys_clone3(&args, sizeof(args));
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(ready[1]);
		/* w polls right after its byte, the test waits after ours. */
		pidns_wait_byte(ready[0]);
		while (!settled(w) || !settled(sys_getppid()))
			sched_yield();
		_exit(12);
	}
	ASSERT_GT(c, 0);
	close(ready[1]);
	close(res[1]);
	ASSERT_EQ(0, pidns_send_int(cpid[1], c));
	memset(&si, 0, sizeof(si));
	errno = 0;
	EXPECT_EQ(-1, sys_waitid(P_PID, c, &si, WEXITED | __WALL, NULL));
	EXPECT_EQ(ECHILD, errno);
	EXPECT_EQ(0, si.si_pid);
	ASSERT_EQ(0, pidns_recv_int(res[0], &revents));
	EXPECT_TRUE(revents & POLLIN);
	EXPECT_EQ(W_EXITCODE(12, 0), released_status(_metadata, pidfd, c));
	EXPECT_EQ(0, pidns_wait_status(w));
}

/*
 * PIDFD_GET_INFO of the released child: ESRCH unless PIDFD_INFO_EXIT is
 * asked for; with it, the exit status and no credentials.  While it ran,
 * no exit status.
 */
TEST_F(autoreap, pidfd_info_exit_only_when_asked)
{
	int pidfd = -1;
	struct info i;
	pid_t c;

	c = spawn(CLONE_AUTOREAP, 0, self->hold, 3, &pidfd);
	ASSERT_GT(c, 0);
	ASSERT_EQ(0, get_info(pidfd, PIDFD_INFO_EXIT, &i));
	EXPECT_EQ(c, i.pid);
	EXPECT_FALSE(i.mask & PIDFD_INFO_EXIT);
	close_fd(&self->hold[1]);
	EXPECT_EQ(W_EXITCODE(3, 0), released_status(_metadata, pidfd, c));
	EXPECT_EQ(ESRCH, get_info(pidfd, 0, &i));
	EXPECT_EQ(ESRCH, get_info(pidfd, PIDFD_INFO_PID | PIDFD_INFO_CREDS,
				  &i));
	ASSERT_EQ(0, get_info(pidfd, PIDFD_INFO_EXIT, &i));
	EXPECT_TRUE(i.mask & PIDFD_INFO_EXIT);
	EXPECT_FALSE(i.mask & PIDFD_INFO_CREDS);
	EXPECT_TRUE(WIFEXITED(i.exit_code));
	EXPECT_EQ(3, WEXITSTATUS(i.exit_code));
}

/*
 * Reparented: m makes the autoreap child c and exits; c goes to the test,
 * a child subreaper, and is its child (ppid, waitable with __WALL).  At
 * c's exit the new parent gets no SIGCHLD and c is released.  (Whether c
 * is still a clone child after reparenting is not checked: 6.12's
 * reparent_leader() sets exit_signal to SIGCHLD.)
 */
TEST_F(autoreap, reparented_to_subreaper)
{
	int res[2], pidfd;
	struct info i;
	siginfo_t si;
	pid_t m, c = -1;

	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
	ASSERT_EQ(0, pidns_pipe(res));
	m = fork();
	ASSERT_GE(m, 0);
	if (m == 0) {
		struct pidns_clone_args args = { .flags = CLONE_AUTOREAP };

		close(self->hold[1]);
		c = sys_clone3(&args, sizeof(args));
		if (c == 0) {
			/* No PR_SET_PDEATHSIG: m's exit must not end it. */
			pidns_wait_byte(self->hold[0]);
			_exit(11);
		}
		CHILD_CHECK(c > 0);
		CHILD_CHECK(pidns_send_int(res[1], c) == 0);
		_exit(0);
	}
	ASSERT_EQ(0, pidns_recv_int(res[0], &c));
	pidfd = sys_pidfd_open(c, 0);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(0, pidns_wait_status(m));
	sigchld_from(m);
	ASSERT_EQ(0, get_info(pidfd, 0, &i));
	EXPECT_EQ(getpid(), i.ppid);
	memset(&si, 0, sizeof(si));
	EXPECT_EQ(0, sys_waitid(P_PID, c, &si, WEXITED | WNOHANG | __WALL,
				NULL));
	EXPECT_EQ(0, si.si_pid);
	close_fd(&self->hold[1]);
	EXPECT_EQ(W_EXITCODE(11, 0), released_status(_metadata, pidfd, c));
}

/*
 * The bit is the process's, not inherited: a child that the autoreap c
 * forks is an ordinary one, a zombie (POLLIN, no POLLHUP) that sent c
 * SIGCHLD, until c reaps it with its exit code.
 */
TEST_F(autoreap, not_inherited_by_children)
{
	struct pidns_clone_args args = {
		.flags = CLONE_AUTOREAP | CLONE_PIDFD,
	};
	int pidfd = -1;
	pid_t c;

	args.pidfd = ptr_to_u64(&pidfd);
	c = sys_clone3(&args, sizeof(args));
	if (c == 0) {
		struct pollfd pfd = { .events = POLLIN };
		siginfo_t si;
		sigset_t set;
		pid_t g;
		int st;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(self->hold[1]);
		g = sys_clone_flags(SIGCHLD);
		if (g == 0)
			_exit(3);
		CHILD_CHECK(g > 0);
		pfd.fd = sys_pidfd_open(g, 0);
		CHILD_CHECK(pfd.fd >= 0);
		memset(&si, 0, sizeof(si));
		CHILD_CHECK(sys_waitid(P_PID, g, &si, WEXITED | WNOWAIT,
				       NULL) == 0);
		CHILD_CHECK(si.si_pid == g && si.si_code == CLD_EXITED &&
			    si.si_status == 3);
		CHILD_CHECK(poll(&pfd, 1, 0) == 1 && pfd.revents == POLLIN);
		/* SIGCHLD is blocked (inherited from the test): pending. */
		CHILD_CHECK(sigpending(&set) == 0 &&
			    sigismember(&set, SIGCHLD));
		CHILD_CHECK(waitpid(g, &st, 0) == g);
		CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 3);
		pidns_wait_byte(self->hold[0]);
		_exit(0);
	}
	ASSERT_GT(c, 0);
	close_fd(&self->hold[1]);
	EXPECT_EQ(0, released_status(_metadata, pidfd, c));
}

/*
 * r: a tracer of c, made with exit_signal SIGUSR1 so that its own exit
 * sends the test no SIGCHLD.  It seizes c and reports 0 or the errno on
 * @up, waits until c is a zombie it may reap (WNOWAIT: exit code 5) and
 * reports again; at a byte on @go it either reaps c (@reap), reports and
 * waits for EOF on @go, or exits at once, detaching from the zombie.
 */
static pid_t spawn_tracer(pid_t c, bool reap, const int hold[2],
			  const int up[2], const int go[2])
{
	struct pidns_clone_args args = { .exit_signal = SIGUSR1 };
	siginfo_t si;
	pid_t r;
	int st;

	r = sys_clone3(&args, sizeof(args));
	if (r)
		return r;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(hold[1]);
	close(go[1]);
	if (ptrace(PTRACE_SEIZE, c, 0, 0)) {
		pidns_send_int(up[1], errno);
		_exit(0);
	}
	pidns_send_int(up[1], 0);
	memset(&si, 0, sizeof(si));
	CHILD_CHECK(sys_waitid(P_PID, c, &si, WEXITED | WNOWAIT | __WALL,
			       NULL) == 0);
	CHILD_CHECK(si.si_pid == c && si.si_code == CLD_EXITED &&
		    si.si_status == 5);
	pidns_post_byte(up[1]);
	pidns_wait_byte(go[0]);
	if (reap) {
		CHILD_CHECK(waitpid(c, &st, __WALL) == c);
		CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 5);
		pidns_post_byte(up[1]);
		pidns_wait_byte(go[0]);
	}
	_exit(0);
}

/*
 * Traced, c is an ordinary zombie for its tracer r (not the parent):
 * its pidfd POLLIN without POLLHUP, nothing for the parent to reap
 * (WNOHANG: 0), no SIGCHLD; then r reaps it (@reap) or exits without,
 * and c is released as if untraced: the parent never sees it.
 */
static void traced(struct __test_metadata *_metadata,
		   struct _test_data_autoreap *self, bool reap)
{
	struct pollfd pfd = { .events = POLLIN };
	int up[2], go[2], pidfd = -1, err = -1;
	siginfo_t si;
	pid_t c, r;

	ASSERT_EQ(0, pidns_block_signal(SIGUSR1));
	ASSERT_EQ(0, pidns_pipe(up));
	ASSERT_EQ(0, pidns_pipe(go));
	c = spawn(CLONE_AUTOREAP, 0, self->hold, 5, &pidfd);
	ASSERT_GT(c, 0);
	r = spawn_tracer(c, reap, self->hold, up, go);
	ASSERT_GT(r, 0);
	close(up[1]);
	close(go[0]);
	ASSERT_EQ(0, pidns_recv_int(up[0], &err));
	if (err) {
		close_fd(&self->hold[1]);
		EXPECT_EQ(0, pidns_wait_status(r));
		SKIP(return, "PTRACE_SEIZE: %s", strerror(err));
	}
	close_fd(&self->hold[1]);
	ASSERT_TRUE(pidns_wait_byte(up[0]));
	pfd.fd = pidfd;
	EXPECT_EQ(1, poll(&pfd, 1, 0));
	EXPECT_EQ(POLLIN, pfd.revents);
	memset(&si, 0, sizeof(si));
	EXPECT_EQ(0, sys_waitid(P_PID, c, &si, WEXITED | WNOHANG | __WALL,
				NULL));
	EXPECT_EQ(0, si.si_pid);
	EXPECT_FALSE(sigchld_from(c));
	ASSERT_EQ(0, pidns_post_byte(go[1]));
	if (reap) {
		ASSERT_TRUE(pidns_wait_byte(up[0]));
		EXPECT_EQ(W_EXITCODE(5, 0),
			  released_status(_metadata, pidfd, c));
		close(go[1]);
		EXPECT_EQ(0, pidns_wait_status(r));
	} else {
		EXPECT_EQ(0, pidns_wait_status(r));
		EXPECT_EQ(W_EXITCODE(5, 0),
			  released_status(_metadata, pidfd, c));
	}
}

TEST_F(autoreap, traced_zombie_reaped_by_tracer)
{
	traced(_metadata, self, true);
}

TEST_F(autoreap, traced_zombie_released_at_tracer_exit)
{
	traced(_metadata, self, false);
}

/* The bit is kept across execve(): the new image autoreaps. */
TEST_F(autoreap, kept_across_execve)
{
	struct pidns_clone_args args = {
		.flags = CLONE_AUTOREAP | CLONE_PIDFD,
	};
	int rep[2], pidfd = -1;
	char env[64];
	pid_t c;

	if (skip_without_exe(_metadata))
		return;
	ASSERT_EQ(0, pidns_pipe(rep));
	helper_env(env, sizeof(env), rep[1], self->hold[0], 9);
	args.pidfd = ptr_to_u64(&pidfd);
	c = sys_clone3(&args, sizeof(args));
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(self->hold[1]);
		close(rep[0]);
		exec_helper_with(env, rep[1], self->hold[0]);
		_exit(PIDNS_CHILD_FAIL);
	}
	ASSERT_GT(c, 0);
	close(rep[1]);
	ASSERT_TRUE(pidns_wait_byte(rep[0]));
	expect_running(_metadata, pidfd);
	close_fd(&self->hold[1]);
	EXPECT_EQ(W_EXITCODE(9, 0), released_status(_metadata, pidfd, c));
}

/*
 * A raw autoreap child whose second thread runs @fn (mt set up with
 * @code, @rep and the fixture's hold) while the leader runs @leader: 0
 * to pause() until killed, 1 to exit() first (after set_tid_address(),
 * so that the thread sees when it has).
 */
static pid_t spawn_threaded(struct _test_data_autoreap *self,
			    int (*fn)(void *), int leader, const int rep[2],
			    int code, int *pidfd)
{
	struct pidns_clone_args args = {
		.flags = CLONE_AUTOREAP | CLONE_PIDFD,
		.pidfd = ptr_to_u64(pidfd),
	};
	pid_t c = sys_clone3(&args, sizeof(args));

	if (c)
		return c;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(self->hold[1]);
	close(rep[0]);
	mt.hold = self->hold[0];
	mt.report = rep[1];
	mt.code = code;
	if (leader) {
		mt.leader_alive = 1;
		syscall(SYS_set_tid_address, &mt.leader_alive);
	}
	CHILD_CHECK(raw_thread(fn) > 0);
	if (leader)
		syscall(SYS_exit, code);
	for (;;)
		pause();
}

/*
 * Two threads; the non-leader calls exit_group(): the group is released
 * with that code, no SIGCHLD.
 */
TEST_F(autoreap, thread_exit_group)
{
	int rep[2], procfd, pidfd = -1;
	pid_t c, tid;
	long n = 0;

	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	ASSERT_EQ(0, pidns_pipe(rep));
	c = spawn_threaded(self, exit_group_thread, 0, rep, 6, &pidfd);
	ASSERT_GT(c, 0);
	close(rep[1]);
	ASSERT_EQ(sizeof(tid), pidns_read_all(rep[0], &tid, sizeof(tid)));
	EXPECT_NE(c, tid);
	ASSERT_EQ(1, pidns_status_field(procfd, c, "Threads", &n, 1));
	EXPECT_EQ(2, n);
	close_fd(&self->hold[1]);
	EXPECT_EQ(W_EXITCODE(6, 0), released_status(_metadata, pidfd, c));
}

/*
 * The leader exits first (the thread only, as pthread_exit()): nothing
 * happens to the group, which is still there (no poll() event, signals
 * reach it, nothing to reap); when its last thread exits the group is
 * released (leader and thread exit with the same code).
 */
TEST_F(autoreap, leader_exits_first)
{
	int rep[2], pidfd = -1;
	siginfo_t si;
	pid_t c, tid;

	ASSERT_EQ(0, pidns_pipe(rep));
	c = spawn_threaded(self, last_thread, 1, rep, 4, &pidfd);
	ASSERT_GT(c, 0);
	close(rep[1]);
	ASSERT_EQ(sizeof(tid), pidns_read_all(rep[0], &tid, sizeof(tid)));
	ASSERT_TRUE(pidns_wait_byte(rep[0]));
	expect_running(_metadata, pidfd);
	memset(&si, 0, sizeof(si));
	EXPECT_EQ(0, sys_waitid(P_PID, c, &si, WEXITED | WNOHANG | __WALL,
				NULL));
	EXPECT_EQ(0, si.si_pid);
	EXPECT_FALSE(sigchld_from(c));
	close_fd(&self->hold[1]);
	EXPECT_EQ(W_EXITCODE(4, 0), released_status(_metadata, pidfd, c));
}

/*
 * execve() from the non-leader thread (de_thread(): it takes over the
 * leader's pid, the leader goes): the process keeps autoreap.
 */
TEST_F(autoreap, exec_from_thread)
{
	int rep[2], procfd, pidfd = -1;
	char env[64];
	long n = 0;
	pid_t c;

	if (skip_without_exe(_metadata))
		return;
	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	ASSERT_EQ(0, pidns_pipe(rep));
	helper_env(env, sizeof(env), rep[1], self->hold[0], 8);
	mt.env = env;
	c = spawn_threaded(self, exec_thread, 0, rep, 0, &pidfd);
	ASSERT_GT(c, 0);
	close(rep[1]);
	ASSERT_TRUE(pidns_wait_byte(rep[0]));
	ASSERT_EQ(1, pidns_status_field(procfd, c, "Threads", &n, 1));
	EXPECT_EQ(1, n);
	expect_running(_metadata, pidfd);
	close_fd(&self->hold[1]);
	EXPECT_EQ(W_EXITCODE(8, 0), released_status(_metadata, pidfd, c));
}

/* clone3() refuses CLONE_AUTOREAP with CLONE_THREAD (a valid thread). */
TEST_F(autoreap, with_clone_thread_einval)
{
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_ROOT, CLONE_AUTOREAP |
					  CLONE_THREAD | CLONE_SIGHAND |
					  CLONE_VM, 0));
}

/* ...with CLONE_PARENT; CLONE_PARENT alone works (the sibling is ours). */
TEST_F(autoreap, with_clone_parent_einval)
{
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_ROOT,
					  CLONE_AUTOREAP | CLONE_PARENT, 0));
	EXPECT_EQ(0, clone3_errno_as(AS_ROOT, CLONE_PARENT, 0));
	EXPECT_LT(0, waitpid(-1, NULL, __WALL));
}

/* ...with a non-zero exit_signal; with 0 it works. */
TEST_F(autoreap, with_exit_signal_einval)
{
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_ROOT, CLONE_AUTOREAP, SIGCHLD));
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_ROOT, CLONE_AUTOREAP, SIGUSR1));
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_ROOT,
					  CLONE_AUTOREAP | CLONE_PIDFD,
					  SIGCHLD));
	EXPECT_EQ(0, clone3_errno_as(AS_ROOT, CLONE_AUTOREAP, 0));
	EXPECT_EQ(0, clone3_errno_as(AS_ROOT, CLONE_AUTOREAP | CLONE_PIDFD,
				     0));
}

/*
 * An autoreap process may not use CLONE_PARENT at all: clone3() (with
 * exit_signal 0, valid otherwise) and clone() (with and without an exit
 * signal) fail with EINVAL.  The same clone3() from an ordinary process
 * works.
 */
TEST_F(autoreap, clone_parent_from_autoreap_process_einval)
{
	struct pidns_clone_args args = {
		.flags = CLONE_AUTOREAP | CLONE_PIDFD,
	};
	int pidfd = -1;
	pid_t c;

	args.pidfd = ptr_to_u64(&pidfd);
	c = sys_clone3(&args, sizeof(args));
	if (c == 0) {
		struct pidns_clone_args parent = { .flags = CLONE_PARENT };
		pid_t g;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		g = sys_clone3(&parent, sizeof(parent));
		if (g == 0)
			_exit(0);
		CHILD_CHECK(g == -1 && errno == EINVAL);
		g = sys_clone_flags(CLONE_PARENT | SIGCHLD);
		if (g == 0)
			_exit(0);
		CHILD_CHECK(g == -1 && errno == EINVAL);
		g = sys_clone_flags(CLONE_PARENT);
		if (g == 0)
			_exit(0);
		CHILD_CHECK(g == -1 && errno == EINVAL);
		_exit(0);
	}
	ASSERT_GT(c, 0);
	EXPECT_EQ(0, released_status(_metadata, pidfd, c));
	EXPECT_EQ(0, clone3_errno_as(AS_ROOT, CLONE_PARENT, 0));
	EXPECT_LT(0, waitpid(-1, NULL, __WALL));
}

/*
 * No privilege needed: uid 65534 makes an autoreap child (which has no
 * no_new_privs: CLONE_AUTOREAP does not imply CLONE_NNP), released with
 * its exit code.
 */
TEST_F(autoreap, unprivileged)
{
	pid_t h;

	h = fork();
	ASSERT_GE(h, 0);
	if (h == 0) {
		struct pidns_clone_args args = {
			.flags = CLONE_AUTOREAP | CLONE_PIDFD,
		};
		int pidfd = -1;
		pid_t c;

		args.pidfd = ptr_to_u64(&pidfd);
		become(AS_NOBODY);
		c = sys_clone3(&args, sizeof(args));
		if (c == 0) {
			CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) ==
				    0);
			hold_body(self->hold, 6);
		}
		CHILD_CHECK(c > 0);
		close(self->hold[1]);
		CHILD_CHECK(child_release_status(pidfd) == W_EXITCODE(6, 0));
		CHILD_CHECK_ERR(waitpid(c, NULL, WNOHANG | __WALL), ECHILD);
		_exit(0);
	}
	close_fd(&self->hold[1]);
	EXPECT_EQ(0, pidns_wait_status(h));
}

/* ---- CLONE_NNP ---------------------------------------------------------- */

/*
 * As fixture autoreap, for CLONE_NNP; the test must not have
 * no_new_privs itself (SKIP if it has).
 */
FIXTURE(nnp) {
	int hold[2];
};

FIXTURE_SETUP(nnp)
{
	PIDNS_REQUIRE();
	if (skip_without(_metadata, no_nnp))
		return;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0))
		SKIP(return, "the test runs with no_new_privs set");
	ASSERT_EQ(0, pidns_block_signal(SIGCHLD));
	ASSERT_EQ(0, pidns_pipe(self->hold));
}

FIXTURE_TEARDOWN(nnp)
{
	close_fd(&self->hold[1]);
}

/*
 * clone3() with @flags (CLONE_PIDFD added) and @exit_signal of a child
 * that checks it has no_new_privs (prctl()), posts a byte on @ready and
 * runs hold_body(@hold, 0).
 */
static pid_t spawn_nnp(__u64 flags, int exit_signal, const int hold[2],
		       const int ready[2], int *pidfd)
{
	struct pidns_clone_args args = {
		.flags = flags | CLONE_PIDFD,
		.pidfd = ptr_to_u64(pidfd),
		.exit_signal = exit_signal,
	};
	pid_t c = sys_clone3(&args, sizeof(args));

	if (c == 0) {
		close(ready[0]);
		CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
		pidns_post_byte(ready[1]);
		close(ready[1]);
		hold_body(hold, 0);
	}
	return c;
}

/*
 * The child has no_new_privs (prctl() in it, NoNewPrivs: 1 in its
 * /proc/PID/status); the parent's stays 0.
 */
TEST_F(nnp, child_has_no_new_privs)
{
	int ready[2], procfd, pidfd = -1;
	long v = -1;
	pid_t c;

	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	ASSERT_EQ(0, pidns_pipe(ready));
	c = spawn_nnp(CLONE_NNP, SIGCHLD, self->hold, ready, &pidfd);
	ASSERT_GT(c, 0);
	close(ready[1]);
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	ASSERT_EQ(1, pidns_status_field(procfd, c, "NoNewPrivs", &v, 1));
	EXPECT_EQ(1, v);
	EXPECT_EQ(0, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	ASSERT_EQ(1, pidns_status_field(procfd, 0, "NoNewPrivs", &v, 1));
	EXPECT_EQ(0, v);
	close_fd(&self->hold[1]);
	EXPECT_EQ(0, pidns_wait_status(c));
}

/* With CLONE_AUTOREAP: both. */
TEST_F(nnp, with_autoreap)
{
	int ready[2], pidfd = -1;
	pid_t c;

	ASSERT_EQ(0, pidns_pipe(ready));
	c = spawn_nnp(CLONE_NNP | CLONE_AUTOREAP, 0, self->hold, ready,
		      &pidfd);
	ASSERT_GT(c, 0);
	close(ready[1]);
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	EXPECT_EQ(0, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	close_fd(&self->hold[1]);
	EXPECT_EQ(0, released_status(_metadata, pidfd, c));
}

/* No privilege needed: uid 65534's child has no_new_privs, it not. */
TEST_F(nnp, unprivileged)
{
	pid_t h;

	h = fork();
	ASSERT_GE(h, 0);
	if (h == 0) {
		int ready[2], pidfd = -1;
		pid_t c;

		become(AS_NOBODY);
		CHILD_CHECK(pidns_pipe(ready) == 0);
		c = spawn_nnp(CLONE_NNP, SIGCHLD, self->hold, ready, &pidfd);
		CHILD_CHECK(c > 0);
		close(self->hold[1]);
		close(ready[1]);
		CHILD_CHECK(pidns_wait_byte(ready[0]));
		CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
		CHILD_CHECK(pidns_wait_status(c) == 0);
		_exit(0);
	}
	close_fd(&self->hold[1]);
	EXPECT_EQ(0, pidns_wait_status(h));
}

/* clone3() refuses CLONE_NNP with CLONE_THREAD (a valid thread). */
TEST_F(nnp, with_clone_thread_einval)
{
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_ROOT, CLONE_NNP | CLONE_THREAD |
					  CLONE_SIGHAND | CLONE_VM, 0));
}

/* ---- CLONE_PIDFD_AUTOKILL ----------------------------------------------- */

/*
 * Every case: pid namespaces, CLONE_PIDFD_AUTOKILL, SIGCHLD blocked, and
 * the pipes of the case's autokill child c, which answers pings
 * (echo_body()): the test writes ping[1] and reads pong[0], and holds no
 * other end of them once c exists, so that c's death shows as EOF on
 * pong.  c exits at EOF on ping, at the latest in the teardown.  Its
 * pidfd is closed by the case; a pidfd_open() one shows its end.
 */
FIXTURE(autokill) {
	int ping[2];
	int pong[2];
};

FIXTURE_SETUP(autokill)
{
	PIDNS_REQUIRE();
	if (skip_without(_metadata, no_autokill))
		return;
	ASSERT_EQ(0, pidns_block_signal(SIGCHLD));
	ASSERT_EQ(0, pidns_pipe(self->ping));
	ASSERT_EQ(0, pidns_pipe(self->pong));
}

FIXTURE_TEARDOWN(autokill)
{
	close_fd(&self->ping[1]);
}

#define AUTOKILL	(CLONE_AUTOREAP | CLONE_PIDFD | CLONE_PIDFD_AUTOKILL)

/* c: an autokill child running echo_body(); its pidfd in *kfd. */
static pid_t spawn_echo(struct __test_metadata *_metadata,
			struct _test_data_autokill *self, int *kfd)
{
	struct pidns_clone_args args = {
		.flags = AUTOKILL,
		.pidfd = ptr_to_u64(kfd),
	};
	pid_t c = sys_clone3(&args, sizeof(args));

	if (c == 0)
		echo_body(self->ping, self->pong);
	ASSERT_GT(c, 0);
	ASSERT_GE(*kfd, 0);
	close_fd(&self->pong[1]);
	return c;
}

/* c answers a ping: it was not killed before. */
static void expect_alive(struct __test_metadata *_metadata,
			 struct _test_data_autokill *self)
{
	char b = 'p';

	ASSERT_EQ(1, write(self->ping[1], &b, 1));
	ASSERT_EQ(1, read(self->pong[0], &b, 1)) {
		TH_LOG("the autokill child did not answer: killed");
	}
}

/*
 * c is killed: a ping goes unanswered (EOF), and it is released (@pidfd:
 * one of c, @pid its number) killed by SIGKILL.
 */
static void expect_killed(struct __test_metadata *_metadata,
			  struct _test_data_autokill *self, int pidfd,
			  pid_t pid)
{
	char b = 'p';
	int st;

	ASSERT_EQ(1, write(self->ping[1], &b, 1));
	ASSERT_EQ(0, read(self->pong[0], &b, 1)) {
		TH_LOG("the autokill child answered: not killed");
	}
	st = released_status(_metadata, pidfd, pid);
	EXPECT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(SIGKILL, WTERMSIG(st));
}

/*
 * Closing the pidfd (O_CLOEXEC, like every clone3() pidfd) kills the
 * child, as a pidfd_open() pidfd of it shows.
 */
TEST_F(autokill, basic)
{
	int kfd = -1, fd;
	pid_t c;

	c = spawn_echo(_metadata, self, &kfd);
	EXPECT_TRUE(fcntl(kfd, F_GETFD) & FD_CLOEXEC);
	fd = sys_pidfd_open(c, 0);
	ASSERT_GE(fd, 0);
	expect_alive(_metadata, self);
	close(kfd);
	expect_killed(_metadata, self, fd, c);
}

/*
 * A pidfd_open() pidfd is another file: closing one kills nothing, and
 * one held open keeps nothing alive.
 */
TEST_F(autokill, pidfd_open_no_effect)
{
	int kfd = -1, fd;
	pid_t c;

	c = spawn_echo(_metadata, self, &kfd);
	fd = sys_pidfd_open(c, 0);
	ASSERT_GE(fd, 0);
	close(fd);
	expect_alive(_metadata, self);
	fd = sys_pidfd_open(c, 0);
	ASSERT_GE(fd, 0);
	close(kfd);
	expect_killed(_metadata, self, fd, c);
}

/* dup() shares the file: the child dies with the last copy only. */
TEST_F(autokill, dup_keeps_alive)
{
	int kfd = -1, d1, d2, fd;
	pid_t c;

	c = spawn_echo(_metadata, self, &kfd);
	fd = sys_pidfd_open(c, 0);
	ASSERT_GE(fd, 0);
	d1 = dup(kfd);
	ASSERT_GE(d1, 0);
	d2 = fcntl(kfd, F_DUPFD_CLOEXEC, 0);
	ASSERT_GE(d2, 0);
	close(kfd);
	expect_alive(_metadata, self);
	close(d1);
	expect_alive(_metadata, self);
	close(d2);
	expect_killed(_metadata, self, fd, c);
}

/* fork() shares it too: the child dies when the forked holder exits. */
TEST_F(autokill, fork_keeps_alive)
{
	int kfd = -1, go[2], fd;
	pid_t c, h;

	c = spawn_echo(_metadata, self, &kfd);
	fd = sys_pidfd_open(c, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pidns_pipe(go));
	h = fork();
	ASSERT_GE(h, 0);
	if (h == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(go[1]);
		pidns_wait_byte(go[0]);
		_exit(0);
	}
	close(kfd);
	expect_alive(_metadata, self);
	close(go[1]);
	EXPECT_EQ(0, pidns_wait_status(h));
	expect_killed(_metadata, self, fd, c);
}

/*
 * A helper made before c, which has no copy of the pidfd: at each byte
 * on @go it goes one step, and posts a byte on @back after it.  First,
 * take @who's credentials and check that the received fd may not signal
 * c (@check_perm); then receive the pidfd on @sock; then close it; then
 * exit at EOF on @go.
 */
static pid_t spawn_receiver(struct _test_data_autokill *self, enum who who,
			    bool check_perm, int sock, const int go[2],
			    const int back[2])
{
	pid_t h = fork();
	int k;

	if (h)
		return h;
	close_fd(&self->ping[1]);
	close_fd(&self->pong[1]);
	close(go[1]);
	close(back[0]);
	become(who);
	CHILD_CHECK(pidns_wait_byte(go[0]));
	k = pidns_recv_fd(sock);
	CHILD_CHECK(k >= 0);
	if (check_perm)
		CHILD_CHECK_ERR(sys_pidfd_send_signal(k, 0, NULL, 0), EPERM);
	pidns_post_byte(back[1]);
	CHILD_CHECK(pidns_wait_byte(go[0]));
	close(k);
	pidns_post_byte(back[1]);
	pidns_wait_byte(go[0]);
	_exit(0);
}

/*
 * The pidfd passed with SCM_RIGHTS, the sender's copy closed: the file
 * in flight, then received, keeps the child alive; the receiver's
 * close() kills it.
 */
TEST_F(autokill, scm_rights_keeps_alive)
{
	int sv[2], go[2], back[2], kfd = -1, fd;
	pid_t c, h;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pidns_pipe(go));
	ASSERT_EQ(0, pidns_pipe(back));
	h = spawn_receiver(self, AS_ROOT, false, sv[1], go, back);
	ASSERT_GE(h, 0);
	close(go[0]);
	close(back[1]);
	c = spawn_echo(_metadata, self, &kfd);
	fd = sys_pidfd_open(c, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pidns_send_fd(sv[0], kfd));
	close(kfd);
	/* In flight. */
	expect_alive(_metadata, self);
	ASSERT_EQ(0, pidns_post_byte(go[1]));
	ASSERT_TRUE(pidns_wait_byte(back[0]));
	/* Received. */
	expect_alive(_metadata, self);
	ASSERT_EQ(0, pidns_post_byte(go[1]));
	ASSERT_TRUE(pidns_wait_byte(back[0]));
	expect_killed(_metadata, self, fd, c);
	close(go[1]);
	EXPECT_EQ(0, pidns_wait_status(h));
}

/*
 * The kill needs no permission: the last copy is dropped by uid 65534,
 * which may not signal c (uid 0).
 */
TEST_F(autokill, closer_needs_no_permission)
{
	int sv[2], go[2], back[2], kfd = -1, fd;
	pid_t c, h;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pidns_pipe(go));
	ASSERT_EQ(0, pidns_pipe(back));
	h = spawn_receiver(self, AS_NOBODY, true, sv[1], go, back);
	ASSERT_GE(h, 0);
	close(go[0]);
	close(back[1]);
	c = spawn_echo(_metadata, self, &kfd);
	fd = sys_pidfd_open(c, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pidns_send_fd(sv[0], kfd));
	close(kfd);
	ASSERT_EQ(0, pidns_post_byte(go[1]));
	ASSERT_TRUE(pidns_wait_byte(back[0]));
	expect_alive(_metadata, self);
	ASSERT_EQ(0, pidns_post_byte(go[1]));
	ASSERT_TRUE(pidns_wait_byte(back[0]));
	expect_killed(_metadata, self, fd, c);
	close(go[1]);
	EXPECT_EQ(0, pidns_wait_status(h));
}

/*
 * The holder's execve() closes the pidfd (O_CLOEXEC) and so kills the
 * child; the holder itself runs on in its new image.
 */
TEST_F(autokill, holder_execve_kills)
{
	int in[2], out[2], kfd = -1, fd;
	pid_t c, h;

	if (skip_without_exe(_metadata))
		return;
	c = spawn_echo(_metadata, self, &kfd);
	fd = sys_pidfd_open(c, 0);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pidns_pipe(in));
	ASSERT_EQ(0, pidns_pipe(out));
	h = fork();
	ASSERT_GE(h, 0);
	if (h == 0) {
		char env[64];

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(in[1]);
		close(out[0]);
		helper_env(env, sizeof(env), out[1], in[0], 0);
		CHILD_CHECK(pidns_wait_byte(in[0]));
		exec_helper_with(env, out[1], in[0]);
		_exit(PIDNS_CHILD_FAIL);
	}
	close(in[0]);
	close(out[1]);
	close(kfd);
	expect_alive(_metadata, self);
	ASSERT_EQ(0, pidns_post_byte(in[1]));
	/* The new image runs. */
	ASSERT_TRUE(pidns_wait_byte(out[0]));
	expect_killed(_metadata, self, fd, c);
	EXPECT_EQ(0, waitpid(h, NULL, WNOHANG));
	close(in[1]);
	EXPECT_EQ(0, pidns_wait_status(h));
}

/* The child's own execve() does not clear it. */
TEST_F(autokill, child_execve_keeps_it)
{
	struct pidns_clone_args args = { .flags = AUTOKILL };
	int kfd = -1, fd;
	char env[64];
	pid_t c;

	if (skip_without_exe(_metadata))
		return;
	helper_env(env, sizeof(env), self->pong[1], self->ping[0], 0);
	args.pidfd = ptr_to_u64(&kfd);
	c = sys_clone3(&args, sizeof(args));
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(self->ping[1]);
		close(self->pong[0]);
		exec_helper_with(env, self->pong[1], self->ping[0]);
		_exit(PIDNS_CHILD_FAIL);
	}
	ASSERT_GT(c, 0);
	close_fd(&self->pong[1]);
	fd = sys_pidfd_open(c, 0);
	ASSERT_GE(fd, 0);
	/* The new image's first byte, then an answer. */
	ASSERT_TRUE(pidns_wait_byte(self->pong[0]));
	expect_alive(_metadata, self);
	close(kfd);
	expect_killed(_metadata, self, fd, c);
}

/* Nor does a change of the child's credentials (uid 0 to 65534). */
TEST_F(autokill, child_setuid_keeps_it)
{
	struct pidns_clone_args args = { .flags = AUTOKILL };
	int kfd = -1, fd, procfd;
	long uid[4];
	pid_t c;

	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	args.pidfd = ptr_to_u64(&kfd);
	c = sys_clone3(&args, sizeof(args));
	if (c == 0) {
		CHILD_CHECK(syscall(SYS_setgroups, 0, NULL) == 0);
		CHILD_CHECK(syscall(SYS_setresgid, NOBODY, NOBODY, NOBODY) ==
			    0);
		CHILD_CHECK(syscall(SYS_setresuid, NOBODY, NOBODY, NOBODY) ==
			    0);
		echo_body(self->ping, self->pong);
	}
	ASSERT_GT(c, 0);
	close_fd(&self->pong[1]);
	fd = sys_pidfd_open(c, 0);
	ASSERT_GE(fd, 0);
	/* Answered: past its setresuid(). */
	expect_alive(_metadata, self);
	ASSERT_EQ(4, pidns_status_field(procfd, c, "Uid", uid, 4));
	EXPECT_EQ(NOBODY, uid[0]);
	close(kfd);
	expect_killed(_metadata, self, fd, c);
}

/* Closed after the child exited (and was released): nothing happens. */
TEST_F(autokill, closed_after_exit_harmless)
{
	int kfd = -1, fd;
	struct info i;
	pid_t c;

	c = spawn_echo(_metadata, self, &kfd);
	fd = sys_pidfd_open(c, 0);
	ASSERT_GE(fd, 0);
	expect_alive(_metadata, self);
	close_fd(&self->ping[1]);
	EXPECT_EQ(0, released_status(_metadata, kfd, c));
	close(kfd);
	ASSERT_EQ(0, get_info(fd, PIDFD_INFO_EXIT, &i));
	EXPECT_TRUE(i.mask & PIDFD_INFO_EXIT);
	EXPECT_EQ(0, i.exit_code);
}

/*
 * The init of a new namespace, made with CLONE_NEWPID and the autokill
 * flags: it forks member 2, which sends the test a pidfd of itself on
 * @sock (and with @go receives the autokill pidfd there and closes it at
 * a byte on @go), and answers pings itself.
 */
static __noreturn void init_body(struct _test_data_autokill *self,
				 int sock, const int *go)
{
	pid_t m;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(self->ping[1]);
	close(self->pong[0]);
	if (go)
		close(go[1]);
	m = sys_clone_flags(SIGCHLD);
	if (m == 0) {
		int fd, k;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(self->pong[1]);
		fd = sys_pidfd_open(sys_getpid(), 0);
		CHILD_CHECK(sys_getpid() == 2 && fd >= 0);
		CHILD_CHECK(pidns_send_fd(sock, fd) == 0);
		if (go) {
			k = pidns_recv_fd(sock);
			CHILD_CHECK(k >= 0);
			pidns_wait_byte(go[0]);
			close(k);
			/* The kill is sent: close() returns after release. */
			pidns_post_byte(sock);
		}
		/* Killed with the namespace. */
		for (;;)
			pause();
	}
	CHILD_CHECK(m == 2);
	/* Should member 2 fail, the test reads EOF on the socket. */
	close(sock);
	echo_loop(self->ping[0], self->pong[1]);
}

/*
 * The autokill init, its pidfd received by member 2 (@inside) or not;
 * the test closes its copy (and then member 2 its one): SIGKILL to the
 * init, forced though the closer may be inside its namespace, and the
 * namespace ends with it: member 2 killed too.
 */
static void autokill_init(struct __test_metadata *_metadata,
			  struct _test_data_autokill *self, bool inside)
{
	struct pidns_clone_args args = {
		.flags = CLONE_NEWPID | AUTOKILL,
	};
	int sv[2], go[2], kfd = -1, fd, mfd, st;
	struct info i;
	pid_t init;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv));
	ASSERT_EQ(0, pidns_pipe(go));
	args.pidfd = ptr_to_u64(&kfd);
	init = sys_clone3(&args, sizeof(args));
	if (init == 0)
		init_body(self, sv[1], inside ? go : NULL);
	ASSERT_GT(init, 0);
	close_fd(&self->pong[1]);
	close(sv[1]);
	close(go[0]);
	mfd = pidns_recv_fd(sv[0]);
	ASSERT_GE(mfd, 0);
	ASSERT_EQ(0, get_info(mfd, 0, &i));
	EXPECT_EQ(init, i.ppid);
	fd = sys_pidfd_open(init, 0);
	ASSERT_GE(fd, 0);
	expect_alive(_metadata, self);
	expect_running(_metadata, mfd);
	if (inside)
		ASSERT_EQ(0, pidns_send_fd(sv[0], kfd));
	close(kfd);
	if (inside) {
		/* The copy sent to member 2 keeps the namespace alive. */
		expect_alive(_metadata, self);
		expect_running(_metadata, mfd);
		ASSERT_EQ(0, pidns_post_byte(go[1]));
		/*
		 * Member 2 closed its copy (a byte), or died with the init
		 * (EOF): either way the kill is sent before the next ping.
		 */
		pidns_wait_byte(sv[0]);
	}
	expect_killed(_metadata, self, fd, init);
	st = child_release_status(mfd);
	EXPECT_TRUE(WIFSIGNALED(st));
	EXPECT_EQ(SIGKILL, WTERMSIG(st));
	close(go[1]);
}

TEST_F(autokill, pidns_init_killed_with_namespace)
{
	autokill_init(_metadata, self, false);
}

TEST_F(autokill, pidns_init_killed_by_member_closing)
{
	autokill_init(_metadata, self, true);
}

/*
 * EINVAL without CLONE_PIDFD (otherwise valid: with it, it works), also
 * with CLONE_NNP.
 */
TEST_F(autokill, without_clone_pidfd_einval)
{
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_ROOT, CLONE_AUTOREAP |
					  CLONE_PIDFD_AUTOKILL, 0));
	if (!no_nnp[0])
		EXPECT_EQ(EINVAL, clone3_errno_as(AS_ROOT, CLONE_AUTOREAP |
						  CLONE_PIDFD_AUTOKILL |
						  CLONE_NNP, 0));
	EXPECT_EQ(0, clone3_errno_as(AS_ROOT, AUTOKILL, 0));
}

/* EINVAL without CLONE_AUTOREAP (exit_signal SIGCHLD, and 0). */
TEST_F(autokill, without_autoreap_einval)
{
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_ROOT, CLONE_PIDFD |
					  CLONE_PIDFD_AUTOKILL, SIGCHLD));
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_ROOT, CLONE_PIDFD |
					  CLONE_PIDFD_AUTOKILL, 0));
	if (!no_nnp[0])
		EXPECT_EQ(EINVAL, clone3_errno_as(AS_ROOT, CLONE_PIDFD |
						  CLONE_PIDFD_AUTOKILL |
						  CLONE_NNP, SIGCHLD));
}

/*
 * EINVAL with CLONE_THREAD (a valid thread; with CLONE_AUTOREAP, which
 * CLONE_THREAD already excludes, and without, which is EINVAL anyway:
 * the rule cannot be seen on its own).
 */
TEST_F(autokill, with_clone_thread_einval)
{
	__u64 thread = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;

	EXPECT_EQ(EINVAL, clone3_errno_as(AS_ROOT, AUTOKILL | thread, 0));
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_ROOT, CLONE_PIDFD |
					  CLONE_PIDFD_AUTOKILL | thread, 0));
}

/*
 * Without CLONE_NNP it needs CAP_SYS_ADMIN: EPERM for uid 65534 and for
 * uid 0 without the capability; root with it may.
 */
TEST_F(autokill, unprivileged_eperm)
{
	EXPECT_EQ(EPERM, clone3_errno_as(AS_NOBODY, AUTOKILL, 0));
	EXPECT_EQ(EPERM, clone3_errno_as(AS_ROOT_NO_SYS_ADMIN, AUTOKILL, 0));
	EXPECT_EQ(0, clone3_errno_as(AS_ROOT, AUTOKILL, 0));
	EXPECT_EQ(0, clone3_errno_as(AS_NOBODY, CLONE_AUTOREAP | CLONE_PIDFD,
				     0));
}

/* The EINVAL rules come before the capability check. */
TEST_F(autokill, einval_before_eperm)
{
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_NOBODY, CLONE_AUTOREAP |
					  CLONE_PIDFD_AUTOKILL, 0));
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_NOBODY, CLONE_PIDFD |
					  CLONE_PIDFD_AUTOKILL, SIGCHLD));
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_NOBODY, AUTOKILL, SIGCHLD));
	EXPECT_EQ(EINVAL, clone3_errno_as(AS_NOBODY, AUTOKILL | CLONE_THREAD |
					  CLONE_SIGHAND | CLONE_VM, 0));
}

/*
 * With CLONE_NNP uid 65534 may: its child has no_new_privs, and closing
 * the pidfd kills it.
 */
TEST_F(autokill, unprivileged_with_nnp)
{
	if (skip_without(_metadata, no_nnp))
		return;
	EXPECT_EQ(0, autokill_in_helper(AS_NOBODY, CLONE_NNP, 1));
}

/*
 * CAP_SYS_ADMIN in the caller's own user namespace is enough: uid 65534
 * in a user namespace it made, without CLONE_NNP (its child has no
 * no_new_privs); closing the pidfd kills the child.
 */
TEST_F(autokill, userns_admin_allowed)
{
	int st = autokill_in_helper(AS_NOBODY_IN_USERNS, 0, 0);

	if (st == KSFT_SKIP)
		SKIP(return, "no user namespace for uid %d", NOBODY);
	EXPECT_EQ(0, st);
}

/* ---- legacy clone() ------------------------------------------------------ */

/* clone() with a parent_tid pointer (CLONE_PIDFD stores the pidfd there). */
static pid_t legacy_clone(unsigned long flags, int *ptid)
{
#if defined(__s390__)
	return syscall(SYS_clone, 0, flags, ptid, NULL, 0);
#else
	return syscall(SYS_clone, flags, 0, ptid, NULL, 0);
#endif
}

/*
 * clone() takes the low 32 bits of its flags only, so it cannot ask for
 * the new flags: the bits make an ordinary child (or, should the call
 * refuse them, EINVAL): one without no_new_privs, a zombie that sent
 * SIGCHLD until waited for (without __WALL); and with CLONE_PIDFD, a
 * pidfd whose close() kills nothing.
 */
TEST(legacy_clone_cannot_request_new_flags)
{
	int hold[2], pidfd = -1;
	siginfo_t si;
	pid_t c;

	PIDNS_REQUIRE();
	if (skip_without(_metadata, no_autoreap) ||
	    skip_without(_metadata, no_nnp) ||
	    skip_without(_metadata, no_autokill))
		return;
	if (sizeof(unsigned long) < sizeof(__u64))
		SKIP(return, "clone() has 32-bit flags here");
	ASSERT_EQ(0, pidns_block_signal(SIGCHLD));
	ASSERT_EQ(0, pidns_pipe(hold));

	c = legacy_clone((unsigned long)(CLONE_AUTOREAP | CLONE_NNP) |
			 SIGCHLD, NULL);
	if (c == 0) {
		CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 0);
		_exit(3);
	}
	if (c < 0) {
		EXPECT_EQ(EINVAL, errno);
	} else {
		memset(&si, 0, sizeof(si));
		ASSERT_EQ(0, sys_waitid(P_PID, c, &si, WEXITED | WNOWAIT,
					NULL));
		EXPECT_EQ(c, si.si_pid);
		EXPECT_EQ(3, si.si_status);
		EXPECT_TRUE(sigchld_from(c));
		EXPECT_EQ(3, pidns_wait_status(c));
	}

	c = legacy_clone((unsigned long)(CLONE_PIDFD | CLONE_PIDFD_AUTOKILL) |
			 SIGCHLD, &pidfd);
	if (c == 0)
		hold_body(hold, 4);
	if (c < 0) {
		EXPECT_EQ(EINVAL, errno);
		return;
	}
	ASSERT_GE(pidfd, 0);
	close(pidfd);
	/* Not killed: it is still there to exit with its own code. */
	ASSERT_EQ(0, pidns_post_byte(hold[1]));
	EXPECT_EQ(4, pidns_wait_status(c));
	close(hold[1]);
}

TEST_HARNESS_MAIN
