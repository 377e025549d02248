// SPDX-License-Identifier: GPL-2.0
/*
 * The orphan reaper mode of a pid namespace (PIDNS_REAP_ORPHANS, a flag of
 * NS_SET_PIDNS_FLAGS, set from an ancestor): a process that becomes an
 * orphan and is adopted by the namespace's init is released by the kernel
 * when it exits, or at once if it is a zombie already when adopted.  It
 * leaves no zombie, sends the init no SIGCHLD, the init's wait for it
 * gives ECHILD, and its pidfd keeps its exit status.  The mode is read
 * when the orphan would become the init's zombie.  The init's own
 * children, a child subreaper's adoptees, a tracer's view of a traced
 * orphan, orphans adopted by the init of another namespace and every
 * other level of a nesting keep the usual rules.  Last, who may set the
 * flag.
 *
 * Almost every check is made by the init of the namespace under test,
 * which asks the test (its parent, an ancestor) to set its namespace's
 * flags: nobody inside may.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <assert.h>
#include <ctype.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <linux/types.h>

#include "pidns_util.h"
#include "../kselftest_harness.h"

#ifndef PIDNS_INIT_SIGNALS_ORDINARY
#define PIDNS_INIT_SIGNALS_ORDINARY	0x1ULL
#endif
#ifndef PIDNS_REAP_ORPHANS
#define PIDNS_REAP_ORPHANS		0x2ULL
#endif
#ifndef PIDNS_FLAGS_SIZE_VER0
#define PIDNS_FLAGS_SIZE_VER0		16
#endif
#ifndef NS_GET_PIDNS_FLAGS
struct pidns_flags {
	__u64 mask;
	__u64 flags;
};

#define NS_GET_PIDNS_FLAGS		_IOR(NSIO, 0x40, struct pidns_flags)
#define NS_SET_PIDNS_FLAGS		_IOW(NSIO, 0x41, struct pidns_flags)
#endif

#define REAP				((__u64)PIDNS_REAP_ORPHANS)

/*
 * PIDFD_GET_INFO (upstream 6.13) with PIDFD_INFO_EXIT (6.15), defined
 * here as in pidns_pidfdinfo.c: the installed headers may be 6.12's.
 */
#ifndef PIDFS_IOCTL_MAGIC
#define PIDFS_IOCTL_MAGIC		0xFF
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD			O_EXCL
#endif
#ifndef PIDFD_INFO_EXIT
#define PIDFD_INFO_EXIT			0x08UL
#endif

/* Upstream's struct pidfd_info up to PIDFD_INFO_SIZE_VER0. */
struct exit_info {
	__u64 mask;
	__u64 cgroupid;
	__u32 ids[11];		/* pid, tgid, ppid and the credentials */
	__s32 exit_code;
};

static_assert(offsetof(struct exit_info, exit_code) == 60, "upstream layout");
static_assert(sizeof(struct exit_info) == 64, "upstream layout");

#define GET_EXIT_INFO	_IOWR(PIDFS_IOCTL_MAGIC, 11, struct exit_info)

/* The wait status of an exit with @code (a signal's is its number). */
#define EXITED(code)	((code) << 8)

/*
 * Bounds for what must happen at once: an exit we asked for, and a
 * release after the exit.  Only a kernel that gets a rule wrong waits
 * them out.
 */
#define EXIT_TIMEOUT_MS		10000
#define RELEASE_TIMEOUT_MS	5000

/* ---- the flags ------------------------------------------------------- */

static int get_flags(int nsfd, struct pidns_flags *f)
{
	memset(f, 0, sizeof(*f));
	return ioctl(nsfd, NS_GET_PIDNS_FLAGS, f);
}

static int set_flags(int nsfd, __u64 mask, __u64 flags)
{
	struct pidns_flags f = { .mask = mask, .flags = flags };

	return ioctl(nsfd, NS_SET_PIDNS_FLAGS, &f);
}

/* 1 if the namespace of @nsfd reaps orphans, 0 if not, -1 on error. */
static int reap_flag(int nsfd)
{
	struct pidns_flags f;

	if (get_flags(nsfd, &f))
		return -1;
	return !!(f.flags & REAP);
}

/*
 * The mode is new: SKIP where NS_GET_PIDNS_FLAGS does not exist (ENOTTY:
 * 6.12, and the series before its flags) or does not list
 * PIDNS_REAP_ORPHANS among the flags it supports.
 */
static bool reap_supported(struct __test_metadata *_metadata)
{
	struct pidns_flags f;
	int fd, err;

	fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	EXPECT_GE(fd, 0);
	if (fd < 0)
		return false;
	err = get_flags(fd, &f) ? errno : 0;
	close(fd);
	if (err == ENOTTY)
		SKIP(return false, "no NS_GET_PIDNS_FLAGS (ENOTTY)");
	EXPECT_EQ(0, err) {
		TH_LOG("NS_GET_PIDNS_FLAGS: %s", strerror(err));
	}
	if (err)
		return false;
	if (!(f.mask & REAP))
		SKIP(return false, "PIDNS_REAP_ORPHANS not supported (mask %#llx)",
		     (unsigned long long)f.mask);
	return true;
}

/* The pid namespace of @pid, a number of the proc at @procfd. */
static int open_pidns_at(int procfd, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "%d/ns/pid", pid);
	return openat(procfd, path, O_RDONLY | O_CLOEXEC);
}

/* The same for a number of the caller's own namespace. */
static int ns_of(pid_t pid)
{
	int procfd = pidns_proc_open(), fd;

	if (procfd < 0)
		return -1;
	fd = open_pidns_at(procfd, pid);
	close(procfd);
	return fd;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* ---- watching a process through its pidfd ---------------------------- */

/*
 * Poll @pidfd for @events, or with @events 0 for POLLHUP alone, which a
 * pidfd reports once its task is released (reaped); true if it came
 * within @ms.
 */
static bool poll_pidfd(int pidfd, short events, int ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = events };
	int ret;

	do {
		ret = poll(&pfd, 1, ms);
	} while (ret < 0 && errno == EINTR);
	if (ret != 1)
		return false;
	return pfd.revents & (events ? events | POLLHUP : POLLHUP);
}

/* The task has exited: a zombie, or released already. */
static bool wait_exit(int pidfd)
{
	return poll_pidfd(pidfd, POLLIN, EXIT_TIMEOUT_MS);
}

/* The task is released: nobody can wait for it any more. */
static bool wait_released(int pidfd)
{
	return poll_pidfd(pidfd, 0, RELEASE_TIMEOUT_MS);
}

static bool is_released(int pidfd)
{
	return poll_pidfd(pidfd, 0, 0);
}

static bool has_exited(int pidfd)
{
	return poll_pidfd(pidfd, POLLIN, 0);
}

/* The state letter of /proc/PID/stat, '?' if it cannot be read. */
static char proc_state(int procfd, pid_t pid)
{
	char path[64], buf[512], *p;

	snprintf(path, sizeof(path), "%d/stat", pid);
	if (pidns_read_file_at(procfd, path, buf, sizeof(buf)) <= 0)
		return '?';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* Poll (up to 10 s) until the State of @pid is @state. */
static bool wait_state(int procfd, pid_t pid, char state)
{
	for (int i = 0; i < 10000; i++) {
		if (proc_state(procfd, pid) == state)
			return true;
		usleep(1000);
	}
	return false;
}

/* The wait status PIDFD_GET_INFO has for a released task; -1 if none. */
static int reaped_status(int pidfd)
{
	struct exit_info i;

	memset(&i, 0, sizeof(i));
	i.mask = PIDFD_INFO_EXIT;
	if (ioctl(pidfd, GET_EXIT_INFO, &i) || !(i.mask & PIDFD_INFO_EXIT))
		return -1;
	return i.exit_code;
}

/*
 * The si_pid of the SIGCHLD pending for the caller, which keeps SIGCHLD
 * blocked, and take it; 0 if none is.  SIGCHLD is not queued twice: of
 * two children that exit, the first one's number is there.
 */
static pid_t take_sigchld(void)
{
	struct timespec zero = { 0, 0 };
	siginfo_t info;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	memset(&info, 0, sizeof(info));
	if (sigtimedwait(&set, &info, &zero) != SIGCHLD)
		return 0;
	return info.si_pid;
}

/* ---- orphans ---------------------------------------------------------- */

/* A process of the caller's namespace that the caller drives. */
struct orphan {
	pid_t pid;	/* its number in the caller's namespace */
	int pidfd;	/* opened before it could be released */
	int go;		/* a byte on it makes the process exit */
};

/* What an orphan runs: @go is the read end of its go pipe. */
typedef void (*orphan_fn)(int go, void *arg);

/* Exit with the code @arg once told to. */
static void exit_on_go(int go, void *arg)
{
	pidns_wait_byte(go);
	_exit((int)(long)arg);
}

/* Exit with the code @arg at once. */
static void exit_at_once(int go, void *arg)
{
	_exit((int)(long)arg);
}

/*
 * Never exit: only a signal ends it (the SIGKILL of its namespace's end).
 * Not exit_on_go(): the init's exit closes the go pipe, and an orphan
 * that saw the EOF could exit by itself before the kill.
 */
static void wait_for_kill(int go, void *arg)
{
	for (;;)
		pause();
}

/* Exit 0 at a byte or EOF on the fd @arg (the test's go pipe). */
static void exit_on_fd(int go, void *arg)
{
	pidns_wait_byte((int)(long)arg);
	_exit(0);
}

/*
 * Fork A, which forks B and exits once the caller has a pidfd for B: B,
 * the orphan, runs @fn.  With @zombie, A first waits until B has exited,
 * so that B is a zombie when A's exit hands it on.  Returns, with A's
 * number, once the caller has reaped A: B was handed on (reparented) in
 * A's exit, before A became a zombie.  B is adopted by the caller if the
 * caller is its namespace's init (or a child subreaper).
 */
static pid_t make_orphan_fn(struct orphan *o, orphan_fn fn, void *arg,
			    bool zombie)
{
	int go[2], res[2], hold[2];
	pid_t a, b = -1;

	CHILD_CHECK(pipe2(go, O_CLOEXEC) == 0);
	CHILD_CHECK(pipe2(res, O_CLOEXEC) == 0);
	CHILD_CHECK(pipe2(hold, O_CLOEXEC) == 0);
	a = fork();
	CHILD_CHECK(a >= 0);
	if (a == 0) {
		siginfo_t info;

		close(go[1]);
		close(res[0]);
		close(hold[1]);
		b = fork();
		CHILD_CHECK(b >= 0);
		if (b == 0) {
			close(res[1]);
			close(hold[0]);
			fn(go[0], arg);
			_exit(PIDNS_CHILD_FAIL);
		}
		CHILD_CHECK(pidns_send_int(res[1], b) == 0);
		memset(&info, 0, sizeof(info));
		if (zombie)
			CHILD_CHECK(sys_waitid(P_PID, b, &info,
					       WEXITED | WNOWAIT, NULL) == 0);
		pidns_wait_byte(hold[0]);
		_exit(0);
	}
	close(go[0]);
	close(res[1]);
	close(hold[0]);
	CHILD_CHECK(pidns_recv_int(res[0], &b) == 0);
	close(res[0]);
	o->pid = b;
	o->pidfd = sys_pidfd_open(b, 0);
	CHILD_CHECK(o->pidfd >= 0);
	o->go = go[1];
	close(hold[1]);
	CHILD_CHECK(pidns_wait_status(a) == 0);
	return a;
}

/* An orphan that runs until told to exit with @code. */
static pid_t make_orphan(struct orphan *o, int code)
{
	return make_orphan_fn(o, exit_on_go, (void *)(long)code, false);
}

/* An orphan that has exited with @code before it is handed on. */
static pid_t make_zombie_orphan(struct orphan *o, int code)
{
	return make_orphan_fn(o, exit_at_once, (void *)(long)code, true);
}

/* An ordinary child of the caller, which exits with @code when told. */
static void make_child(struct orphan *c, int code)
{
	int go[2];

	CHILD_CHECK(pipe2(go, O_CLOEXEC) == 0);
	c->pid = fork();
	CHILD_CHECK(c->pid >= 0);
	if (c->pid == 0) {
		close(go[1]);
		pidns_wait_byte(go[0]);
		_exit(code);
	}
	close(go[0]);
	c->pidfd = sys_pidfd_open(c->pid, 0);
	CHILD_CHECK(c->pidfd >= 0);
	c->go = go[1];
}

static void tell_exit(struct orphan *o)
{
	CHILD_CHECK(pidns_post_byte(o->go) == 0);
}

/*
 * @pid is a child of the caller with nothing to reap yet (running, or a
 * zombie only its tracer may reap): waitid() finds nothing, and is not
 * ECHILD either.
 */
static void expect_child_not_reapable(pid_t pid)
{
	siginfo_t info;

	memset(&info, 0, sizeof(info));
	CHILD_CHECK(sys_waitid(P_PID, pid, &info, WEXITED | WNOHANG,
			       NULL) == 0);
	CHILD_CHECK(info.si_pid == 0);
}

/*
 * @o exits (or has exited) and is released by the kernel: its pidfd
 * hangs up, the caller cannot wait for it (ECHILD), the pending SIGCHLD
 * is @sigchld's (0: none), not @o's, and PIDFD_INFO_EXIT has @wstatus.
 */
static void expect_released(struct orphan *o, int wstatus, pid_t sigchld)
{
	siginfo_t info;

	CHILD_CHECK(wait_exit(o->pidfd));
	CHILD_CHECK(wait_released(o->pidfd));
	CHILD_CHECK(take_sigchld() == sigchld);
	CHILD_CHECK_ERR(waitpid(o->pid, NULL, WNOHANG), ECHILD);
	memset(&info, 0, sizeof(info));
	CHILD_CHECK_ERR(sys_waitid(P_PID, o->pid, &info, WEXITED | WNOHANG,
				   NULL), ECHILD);
	CHILD_CHECK(reaped_status(o->pidfd) == wstatus);
	close_fd(&o->pidfd);
}

/*
 * @o exits (or has exited) and is the caller's zombie: waitid() finds it.
 * Its pidfd reports the exit before the SIGCHLD is sent; the waitid(),
 * which takes the lock the exit holds meanwhile, comes after it.
 */
static void wait_zombie(struct orphan *o)
{
	siginfo_t info;

	CHILD_CHECK(wait_exit(o->pidfd));
	memset(&info, 0, sizeof(info));
	CHILD_CHECK(sys_waitid(P_PID, o->pid, &info,
			       WEXITED | WNOHANG | WNOWAIT, NULL) == 0);
	CHILD_CHECK(info.si_pid == o->pid);
}

/*
 * @o exits (or has exited) and stays the caller's zombie: waitid() finds
 * it, the pending SIGCHLD is @sigchld's (0: none, taken before), it is
 * not released until waitpid() reaps it with @wstatus.
 */
static void expect_zombie(struct orphan *o, int wstatus, pid_t sigchld)
{
	int st = -1;

	wait_zombie(o);
	CHILD_CHECK(take_sigchld() == sigchld);
	CHILD_CHECK(!is_released(o->pidfd));
	CHILD_CHECK(waitpid(o->pid, &st, WNOHANG) == o->pid);
	CHILD_CHECK(st == wstatus);
	CHILD_CHECK(wait_released(o->pidfd));
	close_fd(&o->pidfd);
}

/* The caller has no child left at all. */
static void expect_no_child(void)
{
	CHILD_CHECK_ERR(waitpid(-1, NULL, WNOHANG), ECHILD);
}

/* ---- the fixture: an init, and the test setting its flags ------------- */

/* What the init asks of the test, its parent. */
struct request {
	int op;
	int arg;
	__u64 mask;
	__u64 flags;
};

enum {
	REQ_SET_FLAGS,	/* NS_SET_PIDNS_FLAGS(mask, flags); reply: errno */
	REQ_WAITING,	/* wait_blocks_while_orphans_run: in wait4() next */
	REQ_RESULT,	/* a result for the case: arg (and mask) */
	REQ_SLAB_BASE,	/* orphan_storm: count the slabs now */
	REQ_SLAB_CHECK,	/* orphan_storm: and compare */
};

FIXTURE(reap) {
	pid_t init;		/* the test's child, init of namespace N */
	int nsfd;		/* N's */
	int procfd;		/* a proc of the test's namespace */
	int req[2];		/* init -> test: struct request */
	int ack[2];		/* test -> init: an int per request */
	int go[2];		/* test -> orphans, for some cases */
};

FIXTURE_SETUP(reap)
{
	PIDNS_REQUIRE();
	self->init = -1;
	self->nsfd = -1;
	if (!reap_supported(_metadata))
		return;
	self->procfd = pidns_proc_open();
	ASSERT_GE(self->procfd, 0);
	ASSERT_EQ(0, pidns_pipe(self->req));
	ASSERT_EQ(0, pidns_pipe(self->ack));
	ASSERT_EQ(0, pidns_pipe(self->go));
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(reap)
{
	if (self->init > 0) {
		kill(self->init, SIGKILL);
		waitpid(self->init, NULL, __WALL);
	}
}

typedef void (*init_fn)(struct _test_data_reap *self);

/*
 * Start the init of a new namespace N, which runs @body with SIGCHLD
 * blocked (see take_sigchld()) and exits 0; every check it makes is a
 * CHILD_CHECK().
 */
static void start_init(struct __test_metadata *_metadata,
		       struct _test_data_reap *self, init_fn body)
{
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		close(self->req[0]);
		close(self->ack[1]);
		close(self->go[1]);
		CHILD_CHECK(getpid() == 1);
		CHILD_CHECK(pidns_block_signal(SIGCHLD) == 0);
		body(self);
		_exit(0);
	}
	close_fd(&self->req[1]);
	close_fd(&self->ack[0]);
	self->nsfd = open_pidns_at(self->procfd, self->init);
	ASSERT_GE(self->nsfd, 0);
}

/* In the init: a request to the test, and its reply. */
static int ask(struct _test_data_reap *self, int op, int arg, __u64 mask,
	       __u64 flags)
{
	struct request r = { op, arg, mask, flags };
	int reply = -1;

	CHILD_CHECK(pidns_write_all(self->req[1], &r, sizeof(r)) ==
		    sizeof(r));
	CHILD_CHECK(pidns_recv_int(self->ack[0], &reply) == 0);
	return reply;
}

/* In the init: have the test switch our namespace's mode. */
static void set_reap(struct _test_data_reap *self, bool on)
{
	CHILD_CHECK(ask(self, REQ_SET_FLAGS, 0, REAP, on ? REAP : 0) == 0);
}

/*
 * In the test: set the flags the init asks for until it asks something
 * else (returned, in *r) or is gone (-1: its end of the pipe is closed,
 * so it has exited, and its namespace with it).
 */
static int serve(struct __test_metadata *_metadata,
		 struct _test_data_reap *self, struct request *r)
{
	for (;;) {
		int err;

		if (pidns_read_all(self->req[0], r, sizeof(*r)) != sizeof(*r))
			return -1;
		if (r->op != REQ_SET_FLAGS)
			return r->op;
		err = set_flags(self->nsfd, r->mask, r->flags) ? errno : 0;
		EXPECT_EQ(0, err) {
			TH_LOG("NS_SET_PIDNS_FLAGS %#llx %#llx: %s",
			       (unsigned long long)r->mask,
			       (unsigned long long)r->flags, strerror(err));
		}
		if (pidns_send_int(self->ack[1], err))
			return -1;
	}
}

static void reply(struct _test_data_reap *self, int val)
{
	pidns_send_int(self->ack[1], val);
}

/* Serve the init until it is gone, then it must have exited 0. */
static void finish(struct __test_metadata *_metadata,
		   struct _test_data_reap *self)
{
	struct request r;

	while (serve(_metadata, self, &r) >= 0) {
		EXPECT_EQ(REQ_SET_FLAGS, r.op);
		reply(self, -1);
	}
	EXPECT_EQ(0, pidns_wait_status(self->init));
	self->init = -1;
}

/* The whole of a case whose checks the init makes. */
static void run_init(struct __test_metadata *_metadata,
		     struct _test_data_reap *self, init_fn body)
{
	start_init(_metadata, self, body);
	finish(_metadata, self);
}

/* ---- released, not a zombie -------------------------------------------- */

/*
 * An orphan adopted while the mode is on, then told to exit: released,
 * no SIGCHLD, ECHILD; PIDFD_INFO_EXIT has its code.  While it ran it was
 * the init's child like any other.
 */
static void released_at_exit(struct _test_data_reap *self)
{
	struct orphan o;
	pid_t a;

	set_reap(self, true);
	a = make_orphan(&o, 7);
	CHILD_CHECK(take_sigchld() == a);
	expect_child_not_reapable(o.pid);
	CHILD_CHECK(!has_exited(o.pidfd));
	tell_exit(&o);
	expect_released(&o, EXITED(7), 0);
	expect_no_child();
}

TEST_F(reap, orphan_released_at_exit)
{
	run_init(_metadata, self, released_at_exit);
}

/* Killed by a signal: the status says so. */
static void killed_released(struct _test_data_reap *self)
{
	struct orphan o;
	pid_t a;

	set_reap(self, true);
	a = make_orphan(&o, 0);
	CHILD_CHECK(take_sigchld() == a);
	CHILD_CHECK(kill(o.pid, SIGTERM) == 0);
	expect_released(&o, SIGTERM, 0);
	expect_no_child();
}

TEST_F(reap, killed_orphan_released_with_status)
{
	run_init(_metadata, self, killed_released);
}

/* What count_sigchld() saw: how many, and from whom. */
static int sigchld_count;
static pid_t sigchld_from[4];

static void count_sigchld(int sig, siginfo_t *info, void *uc)
{
	int n = __atomic_load_n(&sigchld_count, __ATOMIC_SEQ_CST);

	if (n < 4)
		sigchld_from[n] = info->si_pid;
	__atomic_store_n(&sigchld_count, n + 1, __ATOMIC_SEQ_CST);
}

static int sigchld_seen(void)
{
	return __atomic_load_n(&sigchld_count, __ATOMIC_SEQ_CST);
}

/*
 * An init with a SIGCHLD handler (which without the mode would get the
 * orphan's SIGCHLD and could wait for it) gets no call for the orphan.
 */
static void handler_not_called(struct _test_data_reap *self)
{
	struct sigaction sa = {
		.sa_sigaction = count_sigchld,
		.sa_flags = SA_SIGINFO | SA_RESTART,
	};
	struct orphan o;
	sigset_t set;
	pid_t a;

	set_reap(self, true);
	CHILD_CHECK(sigaction(SIGCHLD, &sa, NULL) == 0);
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	CHILD_CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
	a = make_orphan(&o, 3);
	/* A's SIGCHLD was handled on the way back from reaping A. */
	CHILD_CHECK(sigchld_seen() == 1 && sigchld_from[0] == a);
	tell_exit(&o);
	expect_released(&o, EXITED(3), 0);
	/* One more system call: a signal pending now would be handled. */
	sys_getppid();
	CHILD_CHECK(sigchld_seen() == 1);
	expect_no_child();
}

TEST_F(reap, sigchld_handler_not_called)
{
	run_init(_metadata, self, handler_not_called);
}

/*
 * B exits while A, its parent, lives and does not reap it; A's exit hands
 * the zombie to the init, which releases it at once: the only SIGCHLD is
 * A's (B's, had there been one, would be the one pending: it came first).
 */
static void zombie_released(struct _test_data_reap *self)
{
	struct orphan o;
	pid_t a;

	set_reap(self, true);
	a = make_zombie_orphan(&o, 4);
	expect_released(&o, EXITED(4), a);
	expect_no_child();
}

TEST_F(reap, zombie_released_at_adoption)
{
	run_init(_metadata, self, zombie_released);
}

/* ---- when the mode is read --------------------------------------------- */

/* Adopted with the mode off, exiting after it was switched on: released. */
static void on_after_adoption(struct _test_data_reap *self)
{
	struct orphan o;
	pid_t a;

	a = make_orphan(&o, 9);
	CHILD_CHECK(take_sigchld() == a);
	set_reap(self, true);
	tell_exit(&o);
	expect_released(&o, EXITED(9), 0);
	expect_no_child();
}

TEST_F(reap, switch_on_after_adoption)
{
	run_init(_metadata, self, on_after_adoption);
}

/*
 * Zombies the init has when the mode goes on stay, waitable: one that
 * exited after its adoption and one adopted as a zombie.  An orphan that
 * exits after the switch is released.
 */
static void on_keeps_zombies(struct _test_data_reap *self)
{
	struct orphan o, z, n;
	pid_t a;

	a = make_orphan(&o, 5);
	CHILD_CHECK(take_sigchld() == a);
	tell_exit(&o);
	wait_zombie(&o);
	CHILD_CHECK(take_sigchld() == o.pid);
	/* Adopted as a zombie: its SIGCHLD came before A's. */
	make_zombie_orphan(&z, 6);
	CHILD_CHECK(take_sigchld() == z.pid);
	set_reap(self, true);
	CHILD_CHECK(!is_released(o.pidfd));
	CHILD_CHECK(!is_released(z.pidfd));
	a = make_orphan(&n, 8);
	CHILD_CHECK(take_sigchld() == a);
	tell_exit(&n);
	expect_released(&n, EXITED(8), 0);
	expect_zombie(&o, EXITED(5), 0);
	expect_zombie(&z, EXITED(6), 0);
	expect_no_child();
}

TEST_F(reap, switch_on_keeps_existing_zombies)
{
	run_init(_metadata, self, on_keeps_zombies);
}

/*
 * Adopted with the mode on, exiting after it was switched off: a zombie
 * as usual; so is a zombie adopted after the switch.
 */
static void off_makes_zombies(struct _test_data_reap *self)
{
	struct orphan o, z;
	pid_t a;

	set_reap(self, true);
	a = make_orphan(&o, 10);
	CHILD_CHECK(take_sigchld() == a);
	set_reap(self, false);
	tell_exit(&o);
	expect_zombie(&o, EXITED(10), o.pid);
	make_zombie_orphan(&z, 11);
	expect_zombie(&z, EXITED(11), z.pid);
	expect_no_child();
}

TEST_F(reap, switch_off_orphans_become_zombies)
{
	run_init(_metadata, self, off_makes_zombies);
}

/*
 * Running orphans are the init's children: WNOHANG finds them (0, not
 * ECHILD), and a blocking wait(-1) sleeps while they run.  When the last
 * of them exits and is released, that wait returns ECHILD: nothing is
 * left to wait for.  The test checks that the init sleeps in wait4()
 * before it lets the orphans go (they wait on its pipe), and that the
 * wait ends after.
 */
static void wait_blocks(struct _test_data_reap *self)
{
	struct orphan o[3];
	siginfo_t info;
	int st = 0, err;
	long ret;
	pid_t a;

	set_reap(self, true);
	for (int i = 0; i < 3; i++) {
		a = make_orphan_fn(&o[i], exit_on_fd, (void *)(long)self->go[0],
				   false);
		CHILD_CHECK(take_sigchld() == a);
	}
	CHILD_CHECK(waitpid(-1, NULL, WNOHANG) == 0);
	memset(&info, 0, sizeof(info));
	CHILD_CHECK(sys_waitid(P_ALL, 0, &info, WEXITED | WNOHANG, NULL) == 0);
	CHILD_CHECK(info.si_pid == 0);
	CHILD_CHECK(ask(self, REQ_WAITING, 0, 0, 0) == 0);
	ret = syscall(SYS_wait4, -1, &st, 0, NULL);
	err = ret < 0 ? errno : 0;
	CHILD_CHECK(ask(self, REQ_RESULT, (int)ret, err, 0) == 0);
	for (int i = 0; i < 3; i++)
		expect_released(&o[i], EXITED(0), 0);
}

/* The first number of @pid's /proc/PID/syscall (-1: not in one), or -2. */
static long proc_syscall(int procfd, pid_t pid)
{
	char path[64], buf[256];

	snprintf(path, sizeof(path), "%d/syscall", pid);
	if (pidns_read_file_at(procfd, path, buf, sizeof(buf)) <= 0)
		return -2;
	if (!isdigit((unsigned char)buf[0]))
		return -1;
	return strtol(buf, NULL, 10);
}

/*
 * Poll (up to 10 s) until @pid sleeps in system call @nr; where
 * /proc/PID/syscall cannot be read, until it sleeps at all.
 */
static bool sleeps_in(int procfd, pid_t pid, long nr)
{
	for (int i = 0; i < 10000; i++) {
		long now = proc_syscall(procfd, pid);

		if (now == nr || (now == -2 && proc_state(procfd, pid) == 'S'))
			return true;
		usleep(1000);
	}
	return false;
}

TEST_F(reap, wait_blocks_while_orphans_run)
{
	struct pollfd pfd;
	struct request r;

	start_init(_metadata, self, wait_blocks);
	ASSERT_EQ(REQ_WAITING, serve(_metadata, self, &r));
	reply(self, 0);
	ASSERT_TRUE(sleeps_in(self->procfd, self->init, SYS_wait4)) {
		TH_LOG("the init does not sleep in wait4() (syscall %ld)",
		       proc_syscall(self->procfd, self->init));
	}
	pfd.fd = self->req[0];
	pfd.events = POLLIN;
	EXPECT_EQ(0, poll(&pfd, 1, 0)) {
		TH_LOG("wait(-1) returned while the orphans ran");
	}
	/* The orphans exit. */
	close_fd(&self->go[1]);
	ASSERT_EQ(1, poll(&pfd, 1, EXIT_TIMEOUT_MS)) {
		TH_LOG("wait(-1) still sleeps after the last orphan's exit");
	}
	ASSERT_EQ(REQ_RESULT, serve(_metadata, self, &r));
	EXPECT_EQ(-1, r.arg);
	EXPECT_EQ(ECHILD, (int)r.mask);
	reply(self, 0);
	finish(_metadata, self);
}

/* ---- what stays a zombie -------------------------------------------- */

/* The init's own child stays its zombie; an orphan beside it does not. */
static void own_children(struct _test_data_reap *self)
{
	struct orphan c, o;
	pid_t a;

	set_reap(self, true);
	make_child(&c, 11);
	a = make_orphan(&o, 12);
	CHILD_CHECK(take_sigchld() == a);
	tell_exit(&c);
	expect_zombie(&c, EXITED(11), c.pid);
	tell_exit(&o);
	expect_released(&o, EXITED(12), 0);
	expect_no_child();
}

TEST_F(reap, own_children_stay_zombies)
{
	run_init(_metadata, self, own_children);
}

struct cp_args {
	int code;
	int d_go;	/* read end: D exits on a byte */
	int res;	/* write end: D's number */
};

/*
 * The orphan B: once adopted (first byte on go), it makes D with
 * CLONE_PARENT, a child of the init; exits at the second byte.
 */
static void clone_parent_orphan(int go, void *arg)
{
	struct cp_args *cp = arg;
	pid_t d;

	if (!pidns_wait_byte(go))
		_exit(PIDNS_CHILD_FAIL);
	CHILD_CHECK(getppid() == 1);
	d = sys_clone_flags(CLONE_PARENT | SIGCHLD);
	if (d == 0) {
		pidns_wait_byte(cp->d_go);
		syscall(SYS_exit_group, 12);
	}
	CHILD_CHECK(d > 0);
	CHILD_CHECK(pidns_send_int(cp->res, d) == 0);
	pidns_wait_byte(go);
	_exit(cp->code);
}

/*
 * A child an adopted orphan makes with CLONE_PARENT is the init's own
 * child, not an orphan: it stays the init's zombie.
 */
static void clone_parent(struct _test_data_reap *self)
{
	struct cp_args cp = { .code = 13 };
	struct orphan o, d;
	int dgo[2], res[2];
	pid_t a;

	set_reap(self, true);
	CHILD_CHECK(pipe2(dgo, O_CLOEXEC) == 0);
	CHILD_CHECK(pipe2(res, O_CLOEXEC) == 0);
	cp.d_go = dgo[0];
	cp.res = res[1];
	a = make_orphan_fn(&o, clone_parent_orphan, &cp, false);
	CHILD_CHECK(take_sigchld() == a);
	tell_exit(&o);		/* the first byte: make D */
	CHILD_CHECK(pidns_recv_int(res[0], &d.pid) == 0);
	d.pidfd = sys_pidfd_open(d.pid, 0);
	CHILD_CHECK(d.pidfd >= 0);
	d.go = dgo[1];
	expect_child_not_reapable(d.pid);
	tell_exit(&d);
	expect_zombie(&d, EXITED(12), d.pid);
	tell_exit(&o);
	expect_released(&o, EXITED(13), 0);
	expect_no_child();
}

TEST_F(reap, clone_parent_child_stays_zombie)
{
	run_init(_metadata, self, clone_parent);
}

/*
 * A child subreaper inside the namespace adopts the orphans below it,
 * and they stay its zombies: one that exits after its adoption, and one
 * that was a zombie when adopted.
 */
static void subreaper(struct _test_data_reap *self)
{
	pid_t s;

	set_reap(self, true);
	s = fork();
	CHILD_CHECK(s >= 0);
	if (s == 0) {
		struct orphan o, z;
		pid_t a;

		CHILD_CHECK(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
		a = make_orphan(&o, 14);
		CHILD_CHECK(take_sigchld() == a);
		expect_child_not_reapable(o.pid);
		tell_exit(&o);
		expect_zombie(&o, EXITED(14), o.pid);
		make_zombie_orphan(&z, 15);
		expect_zombie(&z, EXITED(15), z.pid);
		_exit(0);
	}
	CHILD_CHECK(pidns_wait_status(s) == 0);
	CHILD_CHECK(take_sigchld() == s);
	expect_no_child();
}

TEST_F(reap, subreaper_keeps_its_orphans)
{
	run_init(_metadata, self, subreaper);
}

struct tg_args {
	int ready[2];	/* the thread -> main: B forked */
	int leave[2];	/* main -> the thread: exit */
	int go[2];	/* main -> B: exit */
	pid_t b, tid;
};

static void *forking_thread(void *arg)
{
	struct tg_args *tg = arg;
	pid_t b = fork();

	if (b == 0) {
		pidns_wait_byte(tg->go[0]);
		_exit(19);
	}
	tg->b = b;
	tg->tid = sys_gettid();
	pidns_post_byte(tg->ready[1]);
	pidns_wait_byte(tg->leave[0]);
	return NULL;
}

/*
 * A second thread of the caller forks B and exits: B is handed to the
 * caller's main thread, another thread of its parent's group.  Returns
 * once that thread is released (B's hand-over was part of its exit).
 */
static void child_of_exited_thread(struct orphan *o)
{
	struct tg_args tg;
	pthread_t t;
	int tfd;

	CHILD_CHECK(pipe2(tg.ready, O_CLOEXEC) == 0);
	CHILD_CHECK(pipe2(tg.leave, O_CLOEXEC) == 0);
	CHILD_CHECK(pipe2(tg.go, O_CLOEXEC) == 0);
	CHILD_CHECK(pthread_create(&t, NULL, forking_thread, &tg) == 0);
	CHILD_CHECK(pidns_wait_byte(tg.ready[0]));
	tfd = sys_pidfd_open(tg.tid, PIDFD_THREAD);
	CHILD_CHECK(tfd >= 0);
	o->pid = tg.b;
	o->pidfd = sys_pidfd_open(o->pid, 0);
	CHILD_CHECK(o->pidfd >= 0);
	o->go = tg.go[1];
	CHILD_CHECK(pidns_post_byte(tg.leave[1]) == 0);
	CHILD_CHECK(wait_released(tfd));
	CHILD_CHECK(pthread_join(t, NULL) == 0);
	close(tfd);
}

/*
 * In A, the init's child: B goes to A's main thread, not to the init,
 * and stays A's zombie.
 */
static void sibling_thread(struct _test_data_reap *self)
{
	pid_t a;

	set_reap(self, true);
	a = fork();
	CHILD_CHECK(a >= 0);
	if (a == 0) {
		struct orphan o;
		int st = -1;

		child_of_exited_thread(&o);
		tell_exit(&o);
		CHILD_CHECK(wait_exit(o.pidfd));
		CHILD_CHECK(!is_released(o.pidfd));
		CHILD_CHECK(waitpid(o.pid, &st, WNOHANG) == o.pid);
		CHILD_CHECK(st == EXITED(19));
		_exit(0);
	}
	CHILD_CHECK(pidns_wait_status(a) == 0);
	CHILD_CHECK(take_sigchld() == a);
	expect_no_child();
}

TEST_F(reap, reparent_to_sibling_thread_not_released)
{
	run_init(_metadata, self, sibling_thread);
}

/*
 * In the init itself: B, a child of the init's exited thread, is handed
 * to the init's main thread, which is the same as adopting it by the
 * init's process but not an adoption: B was the init's own child, and
 * stays its zombie.
 */
static void init_thread(struct _test_data_reap *self)
{
	struct orphan o;

	set_reap(self, true);
	child_of_exited_thread(&o);
	expect_child_not_reapable(o.pid);
	tell_exit(&o);
	expect_zombie(&o, EXITED(19), o.pid);
	expect_no_child();
}

TEST_F(reap, reparent_within_init_group_not_released)
{
	run_init(_metadata, self, init_thread);
}

/* ---- traced orphans ---------------------------------------------------- */

/*
 * A member T traces the adopted orphan B (PTRACE_SEIZE).  B's exit makes
 * a zombie for T, which sees its status.  When T reaps it, or exits
 * without (its exit detaches B), B is released: the init never sees it.
 * Until then the zombie is T's alone: the init's wait finds nothing to
 * reap.
 */
static void traced(struct _test_data_reap *self, bool tracer_reaps)
{
	int ready[2], done[2], leave[2];
	struct orphan o;
	pid_t a, t;

	set_reap(self, true);
	a = make_orphan(&o, 16);
	CHILD_CHECK(take_sigchld() == a);
	CHILD_CHECK(pipe2(ready, O_CLOEXEC) == 0);
	CHILD_CHECK(pipe2(done, O_CLOEXEC) == 0);
	CHILD_CHECK(pipe2(leave, O_CLOEXEC) == 0);
	t = fork();
	CHILD_CHECK(t >= 0);
	if (t == 0) {
		siginfo_t info;
		int st = -1;

		close(leave[1]);
		CHILD_CHECK(ptrace(PTRACE_SEIZE, o.pid, NULL, NULL) == 0);
		CHILD_CHECK(pidns_post_byte(ready[1]) == 0);
		if (tracer_reaps) {
			CHILD_CHECK(waitpid(o.pid, &st, __WALL) == o.pid);
			CHILD_CHECK(st == EXITED(16));
		} else {
			memset(&info, 0, sizeof(info));
			CHILD_CHECK(sys_waitid(P_PID, o.pid, &info,
					       WEXITED | WNOWAIT | __WALL,
					       NULL) == 0);
			CHILD_CHECK(info.si_pid == o.pid);
			CHILD_CHECK(info.si_code == CLD_EXITED);
			CHILD_CHECK(info.si_status == 16);
		}
		CHILD_CHECK(pidns_post_byte(done[1]) == 0);
		pidns_wait_byte(leave[0]);
		_exit(0);
	}
	close(leave[0]);
	CHILD_CHECK(pidns_wait_byte(ready[0]));
	tell_exit(&o);
	CHILD_CHECK(pidns_wait_byte(done[0]));
	if (tracer_reaps) {
		expect_released(&o, EXITED(16), 0);
		close(leave[1]);
		CHILD_CHECK(pidns_wait_status(t) == 0);
		CHILD_CHECK(take_sigchld() == t);
	} else {
		expect_child_not_reapable(o.pid);
		CHILD_CHECK(!is_released(o.pidfd));
		CHILD_CHECK(take_sigchld() == 0);
		close(leave[1]);
		CHILD_CHECK(pidns_wait_status(t) == 0);
		/* B's SIGCHLD, had T's exit sent one, would come first. */
		expect_released(&o, EXITED(16), t);
	}
	expect_no_child();
}

static void traced_tracer_reaps(struct _test_data_reap *self)
{
	traced(self, true);
}

static void traced_tracer_exits(struct _test_data_reap *self)
{
	traced(self, false);
}

TEST_F(reap, traced_orphan_released_when_tracer_reaps)
{
	run_init(_metadata, self, traced_tracer_reaps);
}

TEST_F(reap, traced_orphan_released_when_tracer_exits)
{
	run_init(_metadata, self, traced_tracer_exits);
}

/* ---- thread groups ---------------------------------------------------- */

struct mt_args {
	int go;
	int code;
	bool group;	/* exit_group(), not exit() */
};

static void *mt_thread(void *arg)
{
	struct mt_args *mt = arg;

	pidns_wait_byte(mt->go);
	syscall(mt->group ? SYS_exit_group : SYS_exit, mt->code);
	return NULL;
}

/* B: its leader exits at once, its second thread when told (same code). */
static void mt_leader_first(int go, void *arg)
{
	static struct mt_args mt;
	pthread_t t;

	mt.go = go;
	mt.code = (int)(long)arg;
	CHILD_CHECK(pthread_create(&t, NULL, mt_thread, &mt) == 0);
	syscall(SYS_exit, mt.code);
}

/* B: its second thread ends the group with exit_group() when told. */
static void mt_exit_group(int go, void *arg)
{
	static struct mt_args mt;
	pthread_t t;

	mt.go = go;
	mt.code = (int)(long)arg;
	mt.group = true;
	CHILD_CHECK(pthread_create(&t, NULL, mt_thread, &mt) == 0);
	for (;;)
		pause();
}

/*
 * A multithreaded orphan whose leader exits first (its State is Z, read
 * in a proc of the namespace: no pidfd reports an exit of a leader whose
 * group lives on): the group is not released (nor reapable) while its
 * other thread runs, and is released when that thread exits.
 */
static void leader_first(struct _test_data_reap *self)
{
	struct orphan o;
	int procfd;
	pid_t a;

	set_reap(self, true);
	a = make_orphan_fn(&o, mt_leader_first, (void *)18L, false);
	CHILD_CHECK(take_sigchld() == a);
	procfd = pidns_proc_open();
	CHILD_CHECK(procfd >= 0);
	CHILD_CHECK(wait_state(procfd, o.pid, 'Z'));
	close(procfd);
	CHILD_CHECK(!has_exited(o.pidfd));
	expect_child_not_reapable(o.pid);
	tell_exit(&o);
	expect_released(&o, EXITED(18), 0);
	expect_no_child();
}

TEST_F(reap, multithreaded_orphan_leader_exits_first)
{
	run_init(_metadata, self, leader_first);
}

/* A multithreaded orphan ended by exit_group() from its second thread. */
static void exit_group_thread(struct _test_data_reap *self)
{
	struct orphan o;
	pid_t a;

	set_reap(self, true);
	a = make_orphan_fn(&o, mt_exit_group, (void *)20L, false);
	CHILD_CHECK(take_sigchld() == a);
	expect_child_not_reapable(o.pid);
	tell_exit(&o);
	expect_released(&o, EXITED(20), 0);
	expect_no_child();
}

TEST_F(reap, multithreaded_orphan_exit_group)
{
	run_init(_metadata, self, exit_group_thread);
}

/* ---- the init that adopts decides ------------------------------------- */

/*
 * The test's child O1 is the init of O; O1 makes N below O (its init N1
 * idle) and sets N's mode itself, as an ancestor may.  T, a child of O1
 * in O, enters N (setns() by N1's pidfd) and forks C there: C is 2 in N,
 * its parent T outside.  T exits: C goes to T's reaper, O1, not to N1
 * (C's getppid() stays 0), and O's mode decides: @outer on, C is
 * released; off, it is O1's zombie, whatever N's mode (@inner).  N1 has
 * never had a child.
 */
static void setns_child(struct _test_data_reap *self, bool outer,
			bool inner)
{
	int hold[2], res[2], leave[2], go[2], nsfd, n1fd;
	struct orphan c;
	pid_t n1, t;

	set_reap(self, outer);
	CHILD_CHECK(pipe2(hold, O_CLOEXEC) == 0);
	n1 = pidns_fork();
	CHILD_CHECK(n1 >= 0);
	if (n1 == 0) {
		siginfo_t info;

		close(hold[1]);
		pidns_wait_byte(hold[0]);
		memset(&info, 0, sizeof(info));
		CHILD_CHECK_ERR(sys_waitid(P_ALL, 0, &info, WEXITED | WNOHANG,
					   NULL), ECHILD);
		_exit(0);
	}
	close(hold[0]);
	nsfd = ns_of(n1);
	CHILD_CHECK(nsfd >= 0);
	CHILD_CHECK(set_flags(nsfd, REAP, inner ? REAP : 0) == 0);
	CHILD_CHECK(reap_flag(nsfd) == inner);
	n1fd = sys_pidfd_open(n1, 0);
	CHILD_CHECK(n1fd >= 0);
	CHILD_CHECK(pipe2(res, O_CLOEXEC) == 0);
	CHILD_CHECK(pipe2(leave, O_CLOEXEC) == 0);
	CHILD_CHECK(pipe2(go, O_CLOEXEC) == 0);
	t = fork();
	CHILD_CHECK(t >= 0);
	if (t == 0) {
		pid_t cc;

		close(res[0]);
		close(leave[1]);
		close(go[1]);
		CHILD_CHECK(setns(n1fd, CLONE_NEWPID) == 0);
		cc = fork();
		CHILD_CHECK(cc >= 0);
		if (cc == 0) {
			close(res[1]);
			close(leave[0]);
			CHILD_CHECK(getpid() == 2);
			CHILD_CHECK(getppid() == 0);
			if (!pidns_wait_byte(go[0]))
				_exit(PIDNS_CHILD_FAIL);
			_exit(getppid() == 0 ? 20 : PIDNS_CHILD_FAIL);
		}
		CHILD_CHECK(pidns_send_int(res[1], cc) == 0);
		pidns_wait_byte(leave[0]);
		_exit(0);
	}
	close(res[1]);
	close(leave[0]);
	close(go[0]);
	CHILD_CHECK(pidns_recv_int(res[0], &c.pid) == 0);
	c.pidfd = sys_pidfd_open(c.pid, 0);
	CHILD_CHECK(c.pidfd >= 0);
	c.go = go[1];
	close(leave[1]);
	CHILD_CHECK(pidns_wait_status(t) == 0);
	CHILD_CHECK(take_sigchld() == t);
	expect_child_not_reapable(c.pid);
	tell_exit(&c);
	if (outer)
		expect_released(&c, EXITED(20), 0);
	else
		expect_zombie(&c, EXITED(20), c.pid);
	close(hold[1]);
	CHILD_CHECK(pidns_wait_status(n1) == 0);
	CHILD_CHECK(take_sigchld() == n1);
	expect_no_child();
}

static void setns_outer_off_inner_on(struct _test_data_reap *self)
{
	setns_child(self, false, true);
}

static void setns_outer_on_inner_off(struct _test_data_reap *self)
{
	setns_child(self, true, false);
}

TEST_F(reap, setns_child_outer_off_inner_on_zombie)
{
	run_init(_metadata, self, setns_outer_off_inner_on);
}

TEST_F(reap, setns_child_outer_on_inner_off_released)
{
	run_init(_metadata, self, setns_outer_on_inner_off);
}

/*
 * Nested: the test's child is the init of N1, whose mode is @outer; it
 * makes N2 below, which starts with the mode off (not inherited), and
 * sets N2's to @inner.  Each init gets its own namespace's orphans, and
 * its own mode applies to them.
 */
static void nested(struct _test_data_reap *self, bool outer, bool inner)
{
	struct orphan o;
	int go[2], fd;
	pid_t n2, a;

	set_reap(self, outer);
	CHILD_CHECK(pipe2(go, O_CLOEXEC) == 0);
	n2 = pidns_fork();
	CHILD_CHECK(n2 >= 0);
	if (n2 == 0) {
		close(go[1]);
		CHILD_CHECK(getpid() == 1);
		CHILD_CHECK(pidns_wait_byte(go[0]));
		a = make_orphan(&o, 21);
		CHILD_CHECK(take_sigchld() == a);
		tell_exit(&o);
		if (inner)
			expect_released(&o, EXITED(21), 0);
		else
			expect_zombie(&o, EXITED(21), o.pid);
		expect_no_child();
		_exit(0);
	}
	close(go[0]);
	fd = ns_of(n2);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(reap_flag(fd) == 0);
	CHILD_CHECK(set_flags(fd, REAP, inner ? REAP : 0) == 0);
	CHILD_CHECK(reap_flag(fd) == inner);
	a = make_orphan(&o, 22);
	CHILD_CHECK(take_sigchld() == a);
	tell_exit(&o);
	if (outer)
		expect_released(&o, EXITED(22), 0);
	else
		expect_zombie(&o, EXITED(22), o.pid);
	CHILD_CHECK(pidns_post_byte(go[1]) == 0);
	CHILD_CHECK(pidns_wait_status(n2) == 0);
	CHILD_CHECK(take_sigchld() == n2);
	expect_no_child();
}

static void nested_on_off(struct _test_data_reap *self)
{
	nested(self, true, false);
}

static void nested_off_on(struct _test_data_reap *self)
{
	nested(self, false, true);
}

TEST_F(reap, nested_outer_on_inner_off)
{
	run_init(_metadata, self, nested_on_off);
}

TEST_F(reap, nested_outer_off_inner_on)
{
	run_init(_metadata, self, nested_off_on);
}

/* ---- the end of the namespace ----------------------------------------- */

/*
 * The init exits with three adopted orphans running: they are killed
 * with the namespace and released; their pidfds, which the test holds,
 * hang up and have SIGKILL as the status.
 */
static void exit_with_orphans(struct _test_data_reap *self)
{
	struct orphan o[3];
	pid_t a;

	set_reap(self, true);
	for (int i = 0; i < 3; i++) {
		a = make_orphan_fn(&o[i], wait_for_kill, NULL, false);
		CHILD_CHECK(take_sigchld() == a);
		CHILD_CHECK(ask(self, REQ_RESULT, o[i].pid, 0, 0) == 0);
	}
}

TEST_F(reap, init_exit_with_running_orphans)
{
	int pidfd[3];
	struct request r;

	start_init(_metadata, self, exit_with_orphans);
	for (int i = 0; i < 3; i++) {
		pid_t outer;

		ASSERT_EQ(REQ_RESULT, serve(_metadata, self, &r));
		outer = ioctl(self->nsfd, NS_GET_PID_FROM_PIDNS, r.arg);
		ASSERT_GT(outer, 0);
		pidfd[i] = sys_pidfd_open(outer, 0);
		ASSERT_GE(pidfd[i], 0);
		reply(self, 0);
	}
	finish(_metadata, self);
	for (int i = 0; i < 3; i++) {
		EXPECT_TRUE(wait_released(pidfd[i]));
		EXPECT_EQ(SIGKILL, reaped_status(pidfd[i]));
		close(pidfd[i]);
	}
}

/* ---- many orphans at once --------------------------------------------- */

#define STORM		200
#define STORM_SLACK	16

static int storm_code(int i)
{
	return i % 100;
}

/*
 * The storm's A: forks STORM children, B_i.  A third exit at once (A's
 * zombies when it goes), a third when A goes (they wait on a pipe only A
 * holds: they exit while they are handed on, before or after), a third
 * when the init closes late.
 */
static __noreturn void storm_spawner(int res, const int hold[2],
				     const int late[2])
{
	pid_t pid[STORM];
	siginfo_t info;
	int mid[2];

	close(hold[1]);
	close(late[1]);
	CHILD_CHECK(pipe2(mid, O_CLOEXEC) == 0);
	for (int i = 0; i < STORM; i++) {
		pid[i] = fork();
		CHILD_CHECK(pid[i] >= 0);
		if (pid[i] == 0) {
			close(mid[1]);
			if (i % 3 == 1)
				pidns_wait_byte(mid[0]);
			else if (i % 3 == 2)
				pidns_wait_byte(late[0]);
			_exit(storm_code(i));
		}
		CHILD_CHECK(pidns_send_int(res, pid[i]) == 0);
	}
	for (int i = 0; i < STORM; i += 3) {
		memset(&info, 0, sizeof(info));
		CHILD_CHECK(sys_waitid(P_PID, pid[i], &info, WEXITED | WNOWAIT,
				       NULL) == 0);
	}
	pidns_wait_byte(hold[0]);
	_exit(0);
}

/*
 * STORM orphans, adopted as zombies, exiting while handed on and exiting
 * after: every one released with its status, only A's SIGCHLD, no child
 * left, the init alone in its proc (and in its children file), the
 * numbers allocated in order (ns_last_pid) and the next fork taking the
 * next; the test checks the pid slab in the middle.
 */
static void storm(struct _test_data_reap *self)
{
	int pidfd[STORM], res[2], hold[2], late[2], procfd, st = -1;
	pid_t pid[STORM], a, c;
	char buf[64];

	set_reap(self, true);
	CHILD_CHECK(ask(self, REQ_SLAB_BASE, 0, 0, 0) == 0);
	CHILD_CHECK(pipe2(res, O_CLOEXEC) == 0);
	CHILD_CHECK(pipe2(hold, O_CLOEXEC) == 0);
	CHILD_CHECK(pipe2(late, O_CLOEXEC) == 0);
	a = fork();
	CHILD_CHECK(a >= 0);
	if (a == 0) {
		close(res[0]);
		storm_spawner(res[1], hold, late);
	}
	close(res[1]);
	close(hold[0]);
	close(late[0]);
	for (int i = 0; i < STORM; i++) {
		CHILD_CHECK(pidns_recv_int(res[0], &pid[i]) == 0);
		pidfd[i] = sys_pidfd_open(pid[i], 0);
		CHILD_CHECK(pidfd[i] >= 0);
	}
	close(hold[1]);
	CHILD_CHECK(pidns_wait_status(a) == 0);
	close(late[1]);
	for (int i = 0; i < STORM; i++) {
		CHILD_CHECK(wait_released(pidfd[i]));
		CHILD_CHECK(reaped_status(pidfd[i]) == EXITED(storm_code(i)));
		close(pidfd[i]);
	}
	CHILD_CHECK(take_sigchld() == a);
	expect_no_child();
	procfd = pidns_proc_open();
	CHILD_CHECK(procfd >= 0);
	CHILD_CHECK(pidns_proc_pids(procfd, pid, STORM) == 1 && pid[0] == 1);
	if (pidns_read_file_at(procfd, "1/task/1/children", buf,
			       sizeof(buf)) >= 0)
		CHILD_CHECK(buf[0] == '\0');
	CHILD_CHECK(pidns_read_file_at(procfd, "sys/kernel/ns_last_pid", buf,
				       sizeof(buf)) > 0);
	CHILD_CHECK(atoi(buf) == STORM + 2);
	CHILD_CHECK(ask(self, REQ_SLAB_CHECK, 0, 0, 0) == 0);
	c = fork();
	CHILD_CHECK(c >= 0);
	if (c == 0)
		_exit(0);
	CHILD_CHECK(c == STORM + 3);
	CHILD_CHECK(waitpid(c, &st, 0) == c && st == 0);
	CHILD_CHECK(take_sigchld() == c);
	close(procfd);
}

/* "pid_N" of the namespaces the test makes, and "pid_namespace". */
static char pid_cache[16];
static const char * const storm_caches[] = { pid_cache, "pid_namespace" };

struct slabs {
	long n[2];
};

/* Objects of a slab cache: /proc/slabinfo, else sysfs; -1 if neither. */
static long slab_objects(const char *name)
{
	char path[80], buf[64];
	long n = pidns_slab_active(name);
	int sysfd;

	if (n >= 0 || !name[0])
		return n;
	sysfd = pidns_sysfs_open();
	if (sysfd < 0)
		return -1;
	snprintf(path, sizeof(path), "kernel/slab/%s/objects", name);
	if (pidns_read_file_at(sysfd, path, buf, sizeof(buf)) > 0)
		n = strtol(buf, NULL, 10);
	close(sysfd);
	return n;
}

static void slabs_count(struct slabs *s)
{
	pidns_settle_slabs(storm_caches, 2);
	for (int i = 0; i < 2; i++)
		s->n[i] = slab_objects(storm_caches[i]);
}

/*
 * Count (after RCU and a shrink) until both caches are back within
 * STORM_SLACK of @base, 50 times at most; true if they are (or cannot be
 * counted).
 */
static bool slabs_back(const struct slabs *base, struct slabs *now)
{
	for (int tries = 0; tries < 50; tries++) {
		bool back = true;

		slabs_count(now);
		for (int i = 0; i < 2; i++)
			if (base->n[i] >= 0 && now->n[i] > base->n[i] +
			    STORM_SLACK)
				back = false;
		if (back)
			return true;
	}
	return false;
}

TEST_F_TIMEOUT(reap, orphan_storm, 120)
{
	struct slabs before, base, now;
	struct request r;
	int level = pidns_level();

	if (level >= 0)
		snprintf(pid_cache, sizeof(pid_cache), "pid_%d", level + 2);
	slabs_count(&before);
	if (before.n[0] < 0 || before.n[1] < 0)
		ksft_print_msg("no slab counts for %s and pid_namespace: not checked\n",
			       pid_cache);
	start_init(_metadata, self, storm);
	ASSERT_EQ(REQ_SLAB_BASE, serve(_metadata, self, &r));
	slabs_count(&base);
	reply(self, 0);
	ASSERT_EQ(REQ_SLAB_CHECK, serve(_metadata, self, &r));
	EXPECT_TRUE(slabs_back(&base, &now)) {
		TH_LOG("%s %ld, was %ld before %d orphans", pid_cache,
		       now.n[0], base.n[0], STORM);
	}
	reply(self, 0);
	finish(_metadata, self);
	/* The namespace ended with its init, and nothing is left of it. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->nsfd, NS_GET_PID_FROM_PIDNS, 1));
	EXPECT_EQ(ESRCH, errno);
	close_fd(&self->nsfd);
	EXPECT_TRUE(slabs_back(&before, &now)) {
		TH_LOG("%s %ld, pid_namespace %ld; were %ld, %ld",
		       pid_cache, now.n[0], now.n[1], before.n[0],
		       before.n[1]);
	}
	ksft_print_msg("%s: %ld before, %ld with the init, %ld after\n",
		       pid_cache, before.n[0], base.n[0], now.n[0]);
}

/* ---- who may set the flag --------------------------------------------- */

FIXTURE(flags) {
	int procfd;
	int hold[2];		/* idle inits exit on its EOF */
	pid_t init;
	pid_t *outer;		/* a number reported from below */
};

FIXTURE_SETUP(flags)
{
	PIDNS_REQUIRE();
	self->init = -1;
	if (!reap_supported(_metadata))
		return;
	self->procfd = pidns_proc_open();
	ASSERT_GE(self->procfd, 0);
	ASSERT_EQ(0, pidns_pipe(self->hold));
	self->outer = pidns_shared_alloc(sizeof(*self->outer));
	ASSERT_NE(NULL, self->outer);
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(flags)
{
	if (self->init > 0) {
		kill(self->init, SIGKILL);
		waitpid(self->init, NULL, 0);
	}
}

/* An idle init in a new namespace, and an fd of that namespace. */
static int idle_ns(struct __test_metadata *_metadata,
		   struct _test_data_flags *self)
{
	int nsfd;

	self->init = pidns_fork_idle_init(self->hold);
	if (self->init < 0)
		return -1;
	nsfd = open_pidns_at(self->procfd, self->init);
	EXPECT_GE(nsfd, 0);
	return nsfd;
}

/* Release the idle init and return its status (pidns_wait_status()). */
static int release_idle(struct _test_data_flags *self)
{
	int st;

	close(self->hold[1]);
	st = pidns_wait_status(self->init);
	self->init = -1;
	return st;
}

/*
 * SET and GET of the flag from the parent namespace: off in a new
 * namespace, on, on again, off; and the init signal flag kept meanwhile.
 */
TEST_F(flags, reap_set_get_clear)
{
	const __u64 ord = PIDNS_INIT_SIGNALS_ORDINARY;
	int nsfd = idle_ns(_metadata, self);
	struct pidns_flags f;

	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, get_flags(nsfd, &f));
	EXPECT_TRUE(f.mask & REAP);
	EXPECT_EQ(0, f.flags);
	ASSERT_EQ(0, set_flags(nsfd, REAP, REAP)) {
		TH_LOG("NS_SET_PIDNS_FLAGS: %s", strerror(errno));
	}
	EXPECT_EQ(1, reap_flag(nsfd));
	EXPECT_EQ(0, set_flags(nsfd, REAP, REAP));
	EXPECT_EQ(1, reap_flag(nsfd));
	EXPECT_EQ(0, set_flags(nsfd, REAP, 0));
	EXPECT_EQ(0, reap_flag(nsfd));
	ASSERT_EQ(0, set_flags(nsfd, ord, ord));
	ASSERT_EQ(0, set_flags(nsfd, REAP, REAP));
	ASSERT_EQ(0, get_flags(nsfd, &f));
	EXPECT_EQ(ord | REAP, f.flags);
	ASSERT_EQ(0, set_flags(nsfd, REAP, 0));
	ASSERT_EQ(0, get_flags(nsfd, &f));
	EXPECT_EQ(ord, f.flags);
	EXPECT_EQ(0, release_idle(self));
}

/*
 * From inside nobody may set it, not even the privileged init, on its own
 * namespace or on the parent one; a member neither.  GET from inside
 * reads what the outside set.
 */
TEST_F(flags, set_from_inside_eperm)
{
	int parent = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	int nsfd, go[2];

	ASSERT_GE(parent, 0);
	ASSERT_EQ(0, pidns_pipe(go));
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		int own;
		pid_t c;

		close(go[1]);
		CHILD_CHECK(pidns_wait_byte(go[0]));
		own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		CHILD_CHECK(own >= 0);
		CHILD_CHECK(getpid() == 1);
		CHILD_CHECK(reap_flag(own) == 1);
		CHILD_CHECK_ERR(set_flags(own, REAP, 0), EPERM);
		CHILD_CHECK_ERR(set_flags(own, REAP, REAP), EPERM);
		CHILD_CHECK_ERR(set_flags(parent, REAP, REAP), EPERM);
		CHILD_CHECK(reap_flag(parent) == 0);
		c = fork();
		CHILD_CHECK(c >= 0);
		if (c == 0) {
			CHILD_CHECK_ERR(set_flags(own, REAP, 0), EPERM);
			CHILD_CHECK(reap_flag(own) == 1);
			_exit(0);
		}
		CHILD_CHECK(pidns_wait_status(c) == 0);
		CHILD_CHECK(reap_flag(own) == 1);
		_exit(0);
	}
	close(go[0]);
	nsfd = open_pidns_at(self->procfd, self->init);
	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, set_flags(nsfd, REAP, REAP)) {
		TH_LOG("NS_SET_PIDNS_FLAGS: %s", strerror(errno));
	}
	ASSERT_EQ(0, pidns_post_byte(go[1]));
	EXPECT_EQ(0, pidns_wait_status(self->init));
	self->init = -1;
	EXPECT_EQ(1, reap_flag(nsfd));
}

/* Nor on one's own namespace: the test's (pid and pid_for_children). */
TEST_F(flags, set_own_ns_eperm)
{
	static const char * const names[] = { "pid", "pid_for_children" };

	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
		int fd = pidns_open_ns(getpid(), names[i]);

		ASSERT_GE(fd, 0);
		errno = 0;
		EXPECT_EQ(-1, set_flags(fd, REAP, REAP));
		EXPECT_EQ(EPERM, errno) {
			TH_LOG("SET on own %s: %s", names[i], strerror(errno));
		}
		errno = 0;
		EXPECT_EQ(-1, set_flags(fd, REAP, 0));
		EXPECT_EQ(EPERM, errno);
		EXPECT_EQ(0, reap_flag(fd));
		close(fd);
	}
}

/* The init of a sibling namespace is not an ancestor: EPERM. */
TEST_F(flags, set_sibling_ns_eperm)
{
	int nsfd = idle_ns(_metadata, self);
	pid_t sib;

	ASSERT_GE(nsfd, 0);
	sib = pidns_fork();
	ASSERT_GE(sib, 0);
	if (sib == 0) {
		CHILD_CHECK_ERR(set_flags(nsfd, REAP, REAP), EPERM);
		CHILD_CHECK(reap_flag(nsfd) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(sib));
	EXPECT_EQ(0, reap_flag(nsfd));
	EXPECT_EQ(0, release_idle(self));
}

/*
 * An unprivileged task outside (uid 65534): EPERM, to set it and to clear
 * it; it may still read it.
 */
TEST_F(flags, set_unprivileged_eperm)
{
	int nsfd = idle_ns(_metadata, self);
	pid_t c;

	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, set_flags(nsfd, REAP, REAP));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		CHILD_CHECK(pidns_drop_to_uid(65534) == 0);
		CHILD_CHECK_ERR(set_flags(nsfd, REAP, 0), EPERM);
		CHILD_CHECK_ERR(set_flags(nsfd, REAP, REAP), EPERM);
		CHILD_CHECK(reap_flag(nsfd) == 1);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(c));
	EXPECT_EQ(1, reap_flag(nsfd));
	EXPECT_EQ(0, release_idle(self));
}

/*
 * Any strict ancestor with the capability may: N1's init on N2, its child
 * namespace, and the test on N2, two levels down.
 */
TEST_F(flags, set_by_ancestors)
{
	int up[2], down[2], fd;

	ASSERT_EQ(0, pidns_pipe(up));
	ASSERT_EQ(0, pidns_pipe(down));
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		int hold[2], ready[2], fd2;
		pid_t n2;

		close(up[0]);
		close(down[1]);
		CHILD_CHECK(pipe2(hold, O_CLOEXEC) == 0);
		CHILD_CHECK(pipe2(ready, O_CLOEXEC) == 0);
		n2 = pidns_fork();
		CHILD_CHECK(n2 >= 0);
		if (n2 == 0) {
			*self->outer = pidns_self_in_proc(self->procfd);
			pidns_post_byte(ready[1]);
			pidns_idle_until_released(hold);
		}
		close(hold[0]);
		CHILD_CHECK(pidns_wait_byte(ready[0]));
		fd2 = ns_of(n2);
		CHILD_CHECK(fd2 >= 0);
		CHILD_CHECK(set_flags(fd2, REAP, REAP) == 0);
		CHILD_CHECK(reap_flag(fd2) == 1);
		CHILD_CHECK(pidns_post_byte(up[1]) == 0);
		/* The test clears it. */
		CHILD_CHECK(pidns_wait_byte(down[0]));
		CHILD_CHECK(reap_flag(fd2) == 0);
		CHILD_CHECK(set_flags(fd2, REAP, REAP) == 0);
		close(hold[1]);
		CHILD_CHECK(pidns_wait_status(n2) == 0);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	ASSERT_TRUE(pidns_wait_byte(up[0]));
	ASSERT_GT(*self->outer, 0);
	fd = open_pidns_at(self->procfd, *self->outer);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(1, reap_flag(fd));
	EXPECT_EQ(0, set_flags(fd, REAP, 0)) {
		TH_LOG("SET two levels down: %s", strerror(errno));
	}
	EXPECT_EQ(0, reap_flag(fd));
	ASSERT_EQ(0, pidns_post_byte(down[1]));
	EXPECT_EQ(0, pidns_wait_status(self->init));
	self->init = -1;
	EXPECT_EQ(1, reap_flag(fd));
}

/*
 * An unprivileged user that made a user namespace and, in it, a pid
 * namespace may set the flag there; not on a namespace owned by the
 * initial user namespace.
 */
TEST_F(flags, set_by_userns_owner)
{
	int other = idle_ns(_metadata, self);
	int st;
	pid_t c;

	ASSERT_GE(other, 0);
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		int hold[2], fd;
		pid_t init;

		close(self->hold[1]);
		CHILD_CHECK(pidns_drop_to_uid(65534) == 0);
		if (unshare(CLONE_NEWUSER))
			_exit(4);
		CHILD_CHECK(pipe2(hold, O_CLOEXEC) == 0);
		init = pidns_fork_idle_init(hold);
		CHILD_CHECK(init > 0);
		close(hold[0]);
		fd = open_pidns_at(self->procfd, init);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(reap_flag(fd) == 0);
		CHILD_CHECK(set_flags(fd, REAP, REAP) == 0);
		CHILD_CHECK(reap_flag(fd) == 1);
		CHILD_CHECK_ERR(set_flags(other, REAP, REAP), EPERM);
		close(hold[1]);
		CHILD_CHECK(pidns_wait_status(init) == 0);
		_exit(0);
	}
	st = pidns_wait_status(c);
	if (st == 4) {
		release_idle(self);
		SKIP(return, "unprivileged user namespaces not allowed");
	}
	EXPECT_EQ(0, st);
	EXPECT_EQ(0, reap_flag(other));
	EXPECT_EQ(0, release_idle(self));
}

TEST_HARNESS_MAIN
