// SPDX-License-Identifier: GPL-2.0
/*
 * The init signal mode of a pid namespace, its flag
 * PIDNS_INIT_SIGNALS_ORDINARY (NS_SET_PIDNS_FLAGS): PROTECTED, without
 * it, the default, is 6.12's rule; with it, ORDINARY, a signal from
 * outside the namespace (an ancestor) reaches the init as it would an
 * ordinary task, while signals from inside and those the kernel makes
 * keep the init protected.  Each source of a signal and disposition of it
 * is one case, run in both modes (the fixture variants).  Then the flags
 * word itself: who may set a flag, with what errno when not, what reads
 * it back, and the rules of its extensible struct.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <mqueue.h>
#include <poll.h>
#include <time.h>
#include <sys/resource.h>
#include <sys/time.h>
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

#define ORD		((__u64)PIDNS_INIT_SIGNALS_ORDINARY)
#define REAP		((__u64)PIDNS_REAP_ORPHANS)
#define ALL_FLAGS	(ORD | REAP)	/* what this kernel must support */

/* The two commands with another direction or size. */
#define GET_CMD(dir, size) \
	_IOC(dir, NSIO, _IOC_NR(NS_GET_PIDNS_FLAGS), size)
#define SET_CMD(dir, size) \
	_IOC(dir, NSIO, _IOC_NR(NS_SET_PIDNS_FLAGS), size)

/* The init signal modes: the fixture's variants, what get_mode() says. */
enum { MODE_PROTECTED, MODE_ORDINARY };

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

/* Set the init signal mode; the other flags keep their values. */
static int set_mode(int nsfd, int mode)
{
	return set_flags(nsfd, ORD, mode == MODE_ORDINARY ? ORD : 0);
}

/* The init signal mode, or -1 with errno if NS_GET_PIDNS_FLAGS failed. */
static int get_mode(int nsfd)
{
	struct pidns_flags f;

	if (get_flags(nsfd, &f))
		return -1;
	return f.flags & ORD ? MODE_ORDINARY : MODE_PROTECTED;
}

/* The pid namespace of @pid, a number of the proc at @procfd. */
static int open_pidns_at(int procfd, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "%d/ns/pid", pid);
	return openat(procfd, path, O_RDONLY | O_CLOEXEC);
}

/* Where a signal comes from. */
enum source {
	SRC_KILL,	/* the test: kill(pid) */
	SRC_PIDFD,	/* the test: pidfd_send_signal() */
	SRC_PGRP,	/* the test: kill(-pgrp), init leads the group */
	SRC_KILL_ALL,	/* kill(-1) by a process of the parent namespace */
	SRC_KERNEL,	/* the init's alarm(): SIGALRM, SEND_SIG_PRIV */
	SRC_MEMBER,	/* member 2 of the namespace: kill(1, sig) */
	SRC_SELF,	/* the init itself: raise() */
	SRC_MEMBER_THEN_KILL,	/* member 2's, pending, then the test's kill() */
	SRC_PDEATH,	/* the init's PR_SET_PDEATHSIG: its parent P exits */
	SRC_MQ,		/* its mq_notify(): the test's mq_send() */
	SRC_TIMER,	/* its POSIX timer, again after a kill() merged */
	SRC_TIMER_REPROTECT,	/* the same, PROTECTED before "again" */
};

/* What the init does with the signal. */
enum disposition {
	DISP_DEFAULT,	/* SIG_DFL */
	DISP_IGNORE,	/* SIG_IGN */
	DISP_HANDLE,	/* pidns_record_signal() */
	DISP_BLOCK,	/* SIG_DFL but blocked; unblocked once it is pending */
};

enum outcome {
	SURVIVES,	/* still answers after the signal, exits 0 */
	DIES,		/* killed by the signal */
};

/*
 * Does the test make the signal, from outside (send_outside())?  For
 * SRC_PDEATH and SRC_MQ the kernel sends it, but in the context of a task
 * outside the namespace (P exiting, the test in mq_send()); for the timer
 * sources the test's kill() only merges into the timer's signal.
 */
static bool source_outside(int src)
{
	return src != SRC_KERNEL && src != SRC_MEMBER && src != SRC_SELF;
}

struct initsig_shared {
	struct pidns_sigrec rec;	/* what the init's handler saw */
	pid_t outer;			/* the init's number for the test */
	int code, status;		/* its waitid() result (kill(-1) case) */
	pid_t members[3];		/* members' numbers for the test */
};

FIXTURE(initsig) {
	pid_t init;		/* the test's child: the init, or A's for kill(-1) */
	int procfd;		/* a proc of the test's namespace */
	int up[2];		/* init -> test: 'R'eady, 'A'live; EOF = dead */
	int down[2];		/* test -> init: 'G'o (signal sent); EOF: exit */
	int go[2];		/* test -> kill(-1) helper */
	int sent[2];		/* kill(-1) helper -> test: its result */
	struct initsig_shared *sh;
	pid_t orphan;		/* SRC_PDEATH: the init until P exits */
	bool subreaper;		/* SRC_PDEATH: test is a child subreaper */
	mqd_t mq;		/* SRC_MQ: the queue (already unlinked) */
};

FIXTURE_VARIANT(initsig) {
	int mode;
};

FIXTURE_VARIANT_ADD(initsig, protected) {
	.mode = MODE_PROTECTED,
};

FIXTURE_VARIANT_ADD(initsig, ordinary) {
	.mode = MODE_ORDINARY,
};

FIXTURE_SETUP(initsig)
{
	PIDNS_REQUIRE();
	self->init = -1;
	self->orphan = -1;
	self->subreaper = false;
	self->mq = (mqd_t)-1;
	self->sh = pidns_shared_alloc(sizeof(*self->sh));
	ASSERT_NE(NULL, self->sh);
	pidns_sigrec = &self->sh->rec;
	self->procfd = pidns_proc_open();
	ASSERT_GE(self->procfd, 0);
	ASSERT_EQ(0, pidns_pipe(self->up));
	ASSERT_EQ(0, pidns_pipe(self->down));
	ASSERT_EQ(0, pidns_pipe(self->go));
	ASSERT_EQ(0, pidns_pipe(self->sent));
	/* A write to a dead init's pipe must fail, not kill the test. */
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(initsig)
{
	/*
	 * The init of a parent-death case is the test's grandchild until P
	 * exits: kill it first, then P (self->init), whose exit hands it to
	 * the test, still a child subreaper, to reap.
	 */
	if (self->orphan > 0)
		kill(self->orphan, SIGKILL);
	if (self->init > 0) {
		kill(self->init, SIGKILL);
		waitpid(self->init, NULL, __WALL);
	}
	if (self->orphan > 0)
		waitpid(self->orphan, NULL, __WALL);
	if (self->subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 0);
	if (self->mq != (mqd_t)-1)
		mq_close(self->mq);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* Poll (bounded) until @sig is pending for the caller. */
static bool wait_pending(int sig)
{
	sigset_t set;

	for (int i = 0; i < 500; i++) {
		if (sigpending(&set) == 0 && sigismember(&set, sig))
			return true;
		usleep(10000);
	}
	return false;
}

/* Poll (bounded) until the alarm() has fired, its signal sent. */
static bool wait_alarm_fired(void)
{
	struct itimerval it;

	for (int i = 0; i < 500; i++) {
		if (getitimer(ITIMER_REAL, &it))
			return false;
		if (!it.it_value.tv_sec && !it.it_value.tv_usec)
			return true;
		usleep(10000);
	}
	return false;
}

/* The message of SRC_MQ, which fills the queue's message size. */
#define MQ_MSG		"initsig"
#define MQ_MSGSIZE	sizeof(MQ_MSG)

/* Arm the init's one-shot POSIX timer to fire in 1 ms. */
static int arm_timer(timer_t timer)
{
	struct itimerspec its = { .it_value.tv_nsec = 1000000 };

	return timer_settime(timer, 0, &its, NULL);
}

/*
 * The timer sources, in the init after 'G': the test's kill() has merged
 * into the timer's pending signal.  Take that one delivery with
 * sigtimedwait(), which applies no action whatever the signal's origin,
 * post 'C', and when the test says 'G' again (it may have changed the
 * mode meanwhile) arm the timer once more.  Its next signal comes from
 * inside, in the sigqueue the timer preallocated, the one the merged
 * kill() found pending.
 */
static void timer_again(struct _test_data_initsig *self, timer_t timer,
			int sig)
{
	struct timespec zero = { 0, 0 };
	sigset_t set, pending;
	siginfo_t info;

	sigemptyset(&set);
	sigaddset(&set, sig);
	memset(&info, 0, sizeof(info));
	CHILD_CHECK(sigtimedwait(&set, &info, &zero) == sig);
	/* One delivery, the timer's: the kill() did not queue its own. */
	CHILD_CHECK(info.si_code == SI_TIMER);
	CHILD_CHECK(sigpending(&pending) == 0 && !sigismember(&pending, sig));
	CHILD_CHECK(pidns_post_byte(self->up[1]) == 0);
	CHILD_CHECK(pidns_wait_byte(self->down[0]));
	CHILD_CHECK(arm_timer(timer) == 0);
}

/*
 * The init under test.  Sets up @disp for @sig, posts 'R', waits for 'G'
 * (an outside sender has sent the signal by then), makes an inside or
 * kernel signal itself, finishes the disposition (waits for the handler;
 * unblocks a blocked signal), posts 'A' if it is still alive and exits 0
 * on EOF of down.
 */
static __noreturn void init_body(struct _test_data_initsig *self, int src,
				 int disp, int sig)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = sig,
	};
	struct rlimit no_core = { 0, 0 };
	timer_t timer = (timer_t)0;
	struct mq_attr attr;
	char msg[MQ_MSGSIZE];
	sigset_t set;
	pid_t c;

	close(self->up[0]);
	close(self->down[1]);
	close(self->go[1]);
	close(self->sent[1]);
	self->sh->outer = pidns_self_in_proc(self->procfd);
	CHILD_CHECK(self->sh->outer > 0);
	CHILD_CHECK(setrlimit(RLIMIT_CORE, &no_core) == 0);
	if (src == SRC_PGRP)
		CHILD_CHECK(setpgid(0, 0) == 0);
	sigemptyset(&set);
	sigaddset(&set, sig);
	if (sig != SIGKILL && sig != SIGSTOP) {
		switch (disp) {
		case DISP_DEFAULT:
			CHILD_CHECK(signal(sig, SIG_DFL) != SIG_ERR);
			break;
		case DISP_IGNORE:
			CHILD_CHECK(signal(sig, SIG_IGN) != SIG_ERR);
			break;
		case DISP_HANDLE:
			/* Blocked until pidns_wait_signal(). */
			CHILD_CHECK(pidns_catch_signal(sig) == 0);
			break;
		case DISP_BLOCK:
			CHILD_CHECK(signal(sig, SIG_DFL) != SIG_ERR);
			CHILD_CHECK(sigprocmask(SIG_BLOCK, &set, NULL) == 0);
			break;
		}
	}
	if (src == SRC_MEMBER_THEN_KILL) {
		/* Pending from inside first: the outside one merges into it. */
		c = fork();
		CHILD_CHECK(c >= 0);
		if (c == 0)
			_exit(kill(1, sig) == 0 ? 0 : 1);
		CHILD_CHECK(pidns_wait_status(c) == 0);
		CHILD_CHECK(wait_pending(sig));
	}
	switch (src) {
	case SRC_PDEATH:
		/* Sent as P, our parent in the test's namespace, exits. */
		CHILD_CHECK(prctl(PR_SET_PDEATHSIG, sig) == 0);
		break;
	case SRC_MQ:
		/* The queue is empty: the test's message will notify us. */
		CHILD_CHECK(mq_notify(self->mq, &sev) == 0);
		break;
	case SRC_TIMER:
	case SRC_TIMER_REPROTECT:
		/* Pending first, so that the test's kill() merges into it. */
		CHILD_CHECK(timer_create(CLOCK_MONOTONIC, &sev, &timer) == 0);
		CHILD_CHECK(arm_timer(timer) == 0);
		CHILD_CHECK(wait_pending(sig));
		break;
	default:
		break;
	}
	CHILD_CHECK(pidns_post_byte(self->up[1]) == 0);
	CHILD_CHECK(pidns_wait_byte(self->down[0]));

	switch (src) {
	case SRC_KERNEL:
		alarm(1);
		break;
	case SRC_MEMBER:
		c = fork();
		CHILD_CHECK(c >= 0);
		if (c == 0)
			_exit(kill(1, sig) == 0 ? 0 : 1);
		CHILD_CHECK(c == 2);
		CHILD_CHECK(pidns_wait_status(c) == 0);
		break;
	case SRC_SELF:
		CHILD_CHECK(raise(sig) == 0);
		break;
	case SRC_MQ:
		/* The one message that made the signal; drain it. */
		CHILD_CHECK(mq_getattr(self->mq, &attr) == 0);
		CHILD_CHECK(attr.mq_curmsgs == 1);
		CHILD_CHECK(mq_receive(self->mq, msg, sizeof(msg), NULL) ==
			    MQ_MSGSIZE);
		CHILD_CHECK(!memcmp(msg, MQ_MSG, MQ_MSGSIZE));
		break;
	case SRC_TIMER:
	case SRC_TIMER_REPROTECT:
		timer_again(self, timer, sig);
		break;
	default:
		break;	/* sent from outside before 'G' */
	}

	switch (disp) {
	case DISP_HANDLE:
	case DISP_BLOCK:
		/* Whoever sent it, it is pending now (alarm, timer: soon). */
		CHILD_CHECK(wait_pending(sig));
		if (disp == DISP_HANDLE) {
			pidns_wait_signal();
		} else {
			CHILD_CHECK(sigprocmask(SIG_UNBLOCK, &set, NULL) == 0);
			/* A system call gives the kernel a chance to act. */
			getppid();
		}
		break;
	default:
		if (src == SRC_KERNEL)
			CHILD_CHECK(wait_alarm_fired());
		getppid();
		break;
	}
	CHILD_CHECK(pidns_post_byte(self->up[1]) == 0);
	pidns_wait_byte(self->down[0]);
	_exit(0);
}

/*
 * For kill(-1): the test's child is the init of a namespace A, whose
 * child is the init under test (of B, nested in A), and whose other
 * child is a helper that calls kill(-1, @sig) when the test says go.
 * kill(-1) skips A's init and the caller, so it reaches B's init, from
 * outside B, and nothing beyond A.  A's init collects B's init's status
 * in the shared page and exits 0.
 */
static pid_t start_kill_all(struct _test_data_initsig *self, int disp, int sig)
{
	siginfo_t info;
	pid_t a, b, h;

	a = pidns_fork();
	if (a != 0)
		return a;
	b = pidns_fork();
	CHILD_CHECK(b >= 0);
	if (b == 0)
		init_body(self, SRC_KILL_ALL, disp, sig);
	close(self->up[0]);
	close(self->up[1]);
	close(self->down[1]);
	h = fork();
	CHILD_CHECK(h >= 0);
	if (h == 0) {
		char res;

		close(self->go[1]);
		if (!pidns_wait_byte(self->go[0]))
			_exit(1);
		res = kill(-1, sig) == 0 ? 'k' : 'e';
		_exit(pidns_write_all(self->sent[1], &res, 1) == 1 ? 0 : 1);
	}
	close(self->go[1]);
	close(self->sent[1]);
	CHILD_CHECK(pidns_wait_status(h) == 0);
	memset(&info, 0, sizeof(info));
	CHILD_CHECK(sys_waitid(P_PID, b, &info, WEXITED | WSTOPPED, NULL) == 0);
	self->sh->code = info.si_code;
	self->sh->status = info.si_status;
	if (info.si_code == CLD_STOPPED) {
		kill(b, SIGKILL);
		waitpid(b, NULL, 0);
	}
	_exit(0);
}

/*
 * For the parent-death signal: the test's child P, in the test's
 * namespace, forks the init under test and exits when the test posts on
 * go.  Its exit sends the init its PR_SET_PDEATHSIG, from P's context,
 * outside the init's namespace, and hands the init to the test, a child
 * subreaper by then, so that the test can wait for it.
 */
static pid_t start_pdeath(struct _test_data_initsig *self, int disp, int sig)
{
	pid_t p, i;

	p = fork();
	if (p != 0)
		return p;
	i = pidns_fork();
	CHILD_CHECK(i >= 0);
	if (i == 0)
		init_body(self, SRC_PDEATH, disp, sig);
	/* The init's pipes: EOF must reach whoever waits, whatever P does. */
	close(self->up[0]);
	close(self->up[1]);
	close(self->down[0]);
	close(self->down[1]);
	close(self->sent[0]);
	close(self->sent[1]);
	close(self->go[1]);
	/* Go, or the test is gone. */
	pidns_wait_byte(self->go[0]);
	_exit(0);
}

/*
 * A new POSIX message queue for SRC_MQ, unlinked at once: the init
 * inherits the descriptor, and no name can outlive the test.  Returns
 * (mqd_t)-1 with errno from mq_open() on failure.
 */
static mqd_t open_mq(void)
{
	struct mq_attr attr = { .mq_maxmsg = 1, .mq_msgsize = MQ_MSGSIZE };
	char name[64];
	mqd_t mq;

	snprintf(name, sizeof(name), "/pidns_initsig-%d", getpid());
	mq_unlink(name);
	mq = mq_open(name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
	if (mq != (mqd_t)-1)
		mq_unlink(name);
	return mq;
}

/*
 * Start the init for @src/@disp/@sig, wait until it is ready, and set the
 * variant's mode on its namespace (ORDINARY only: PROTECTED is the
 * default, so those cases use no ioctl and run on any kernel).
 */
static void start_case(struct __test_metadata *_metadata,
		       struct _test_data_initsig *self,
		       const struct _fixture_variant_initsig *variant,
		       int src, int disp, int sig)
{
	int nsfd;

	if (src == SRC_PDEATH) {
		/* P's orphans must come to the test, not to its reaper. */
		ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1));
		self->subreaper = true;
	}
	if (src == SRC_KILL_ALL)
		self->init = start_kill_all(self, disp, sig);
	else if (src == SRC_PDEATH)
		self->init = start_pdeath(self, disp, sig);
	else
		self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0)
		init_body(self, src, disp, sig);
	close_fd(&self->up[1]);
	close_fd(&self->go[0]);
	close_fd(&self->sent[1]);
	ASSERT_TRUE(pidns_wait_byte(self->up[0]));
	ASSERT_GT(self->sh->outer, 0);
	if (src == SRC_PDEATH)
		self->orphan = self->sh->outer;
	else if (src != SRC_KILL_ALL)
		ASSERT_EQ(self->init, self->sh->outer);
	if (variant->mode != MODE_PROTECTED) {
		nsfd = open_pidns_at(self->procfd, self->sh->outer);
		ASSERT_GE(nsfd, 0);
		ASSERT_EQ(0, set_mode(nsfd, variant->mode)) {
			TH_LOG("NS_SET_PIDNS_FLAGS: %s", strerror(errno));
		}
		/* Go on if it reads wrong: the outcome tells more. */
		EXPECT_EQ(variant->mode, get_mode(nsfd));
		close(nsfd);
	}
}

/* Send @sig to the init from the outside source @src. */
static void send_outside(struct __test_metadata *_metadata,
			 struct _test_data_initsig *self, int src, int sig)
{
	pid_t init = self->sh->outer;
	int pidfd, st;
	char res = 0;

	switch (src) {
	case SRC_KILL:
	case SRC_MEMBER_THEN_KILL:
	case SRC_TIMER:
	case SRC_TIMER_REPROTECT:
		ASSERT_EQ(0, kill(init, sig));
		break;
	case SRC_PIDFD:
		pidfd = sys_pidfd_open(init, 0);
		ASSERT_GE(pidfd, 0);
		ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, sig, NULL, 0));
		close(pidfd);
		break;
	case SRC_PGRP:
		ASSERT_EQ(init, getpgid(init));
		ASSERT_EQ(0, kill(-init, sig));
		break;
	case SRC_KILL_ALL:
		ASSERT_EQ(0, pidns_post_byte(self->go[1]));
		ASSERT_EQ(1, pidns_read_all(self->sent[0], &res, 1));
		ASSERT_EQ('k', res);
		break;
	case SRC_PDEATH:
		ASSERT_EQ(0, pidns_post_byte(self->go[1]));
		/*
		 * P's exit reparented the init to the test and sent its
		 * parent-death signal before P could be waited for.
		 */
		st = pidns_wait_status(self->init);
		self->init = self->orphan;
		self->orphan = -1;
		ASSERT_EQ(0, st);
		break;
	case SRC_MQ:
		ASSERT_EQ(0, mq_send(self->mq, MQ_MSG, MQ_MSGSIZE, 0));
		break;
	}
}

/*
 * The timer sources, after the kill(): let the init take the merged
 * signal and wait until it has ('C').  For SRC_TIMER_REPROTECT, in the
 * ORDINARY variant, then set the namespace back to PROTECTED, before the
 * timer fires again (in the PROTECTED variant it is already).
 */
static void timer_taken(struct __test_metadata *_metadata,
			struct _test_data_initsig *self,
			const struct _fixture_variant_initsig *variant, int src)
{
	int nsfd;

	ASSERT_EQ(0, pidns_post_byte(self->down[1]));
	ASSERT_TRUE(pidns_wait_byte(self->up[0]));
	if (src != SRC_TIMER_REPROTECT ||
	    variant->mode == MODE_PROTECTED)
		return;
	nsfd = open_pidns_at(self->procfd, self->sh->outer);
	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, set_mode(nsfd, MODE_PROTECTED));
	EXPECT_EQ(MODE_PROTECTED, get_mode(nsfd));
	close(nsfd);
}

/*
 * Let the init go on, release it, and collect how it ended: the waitid()
 * code and status, and whether it said it was alive after the signal.
 */
static void finish_case(struct __test_metadata *_metadata,
			struct _test_data_initsig *self, int src,
			int *code, int *status, bool *alive)
{
	siginfo_t info;

	pidns_post_byte(self->down[1]);
	close_fd(&self->down[1]);
	if (src == SRC_KILL_ALL) {
		ASSERT_EQ(0, pidns_wait_status(self->init));
		self->init = -1;
		*code = self->sh->code;
		*status = self->sh->status;
	} else {
		memset(&info, 0, sizeof(info));
		ASSERT_EQ(0, sys_waitid(P_PID, self->init, &info,
					WEXITED | WSTOPPED, NULL));
		*code = info.si_code;
		*status = info.si_status;
		if (*code != CLD_STOPPED)
			self->init = -1;
	}
	*alive = pidns_wait_byte(self->up[0]);
}

static void expect_outcome(struct __test_metadata *_metadata, int expect,
			   int sig, int code, int status, bool alive)
{
	if (expect == SURVIVES) {
		EXPECT_EQ(CLD_EXITED, code) {
			TH_LOG("init did not survive: code %d status %d",
			       code, status);
		}
		EXPECT_EQ(0, status);
		EXPECT_TRUE(alive);
		return;
	}
	/* A core-dump signal with RLIMIT_CORE 0 dumps nothing. */
	if (code == CLD_DUMPED && sig == SIGQUIT)
		code = CLD_KILLED;
	EXPECT_EQ(CLD_KILLED, code) {
		TH_LOG("init was not killed: code %d status %d", code, status);
	}
	EXPECT_EQ(sig, status);
	EXPECT_FALSE(alive);
}

/*
 * One cell: signal @sig from @src to an init with disposition @disp, in
 * the variant's mode; @prot and @ord are the outcomes expected in the
 * PROTECTED and ORDINARY modes.  A handler that ran must have seen
 * si_pid 0 from outside and from the kernel, 2 from member 2 and 1 from
 * the init itself; si_code SI_USER, SI_KERNEL (alarm), SI_TKILL (raise)
 * or SI_MESGQ (mq_notify()).
 */
static void run_case(struct __test_metadata *_metadata,
		     struct _test_data_initsig *self,
		     const struct _fixture_variant_initsig *variant,
		     int src, int disp, int sig, int prot, int ord)
{
	int expect = variant->mode == MODE_ORDINARY ? ord : prot;
	int code = -1, status = -1;
	bool alive = false;

	if (src == SRC_MQ) {
		self->mq = open_mq();
		if (self->mq == (mqd_t)-1 && errno == ENOSYS)
			SKIP(return, "no POSIX message queues: %s",
			     strerror(errno));
		ASSERT_NE((mqd_t)-1, self->mq) {
			TH_LOG("mq_open: %s", strerror(errno));
		}
	}
	start_case(_metadata, self, variant, src, disp, sig);
	if (source_outside(src))
		send_outside(_metadata, self, src, sig);
	if (src == SRC_TIMER || src == SRC_TIMER_REPROTECT)
		timer_taken(_metadata, self, variant, src);
	finish_case(_metadata, self, src, &code, &status, &alive);
	expect_outcome(_metadata, expect, sig, code, status, alive);
	if (disp != DISP_HANDLE || expect != SURVIVES) {
		EXPECT_EQ(0, self->sh->rec.count);
		return;
	}
	EXPECT_EQ(1, self->sh->rec.count);
	EXPECT_EQ(sig, self->sh->rec.signo);
	switch (src) {
	case SRC_KERNEL:
		EXPECT_EQ(0, self->sh->rec.pid);
		EXPECT_EQ(SI_KERNEL, self->sh->rec.code);
		break;
	case SRC_MEMBER:
		EXPECT_EQ(2, self->sh->rec.pid);
		EXPECT_EQ(SI_USER, self->sh->rec.code);
		break;
	case SRC_SELF:
		EXPECT_EQ(1, self->sh->rec.pid);
		EXPECT_EQ(SI_TKILL, self->sh->rec.code);
		break;
	case SRC_PDEATH:
		/* Its si_code is the kernel's business: SI_USER on 6.12. */
		EXPECT_EQ(0, self->sh->rec.pid);
		break;
	case SRC_MQ:
		EXPECT_EQ(0, self->sh->rec.pid);
		EXPECT_EQ(SI_MESGQ, self->sh->rec.code);
		break;
	default:
		EXPECT_EQ(0, self->sh->rec.pid);
		EXPECT_EQ(SI_USER, self->sh->rec.code);
		EXPECT_EQ(getuid(), self->sh->rec.uid);
		break;
	}
}

/* ---- (a) ancestor kill(pid) ------------------------------------------ */
TEST_F(initsig, ancestor_kill_default)
{
	run_case(_metadata, self, variant, SRC_KILL, DISP_DEFAULT, SIGTERM,
		 SURVIVES, DIES);
}

TEST_F(initsig, ancestor_kill_ignored)
{
	run_case(_metadata, self, variant, SRC_KILL, DISP_IGNORE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, ancestor_kill_handled)
{
	run_case(_metadata, self, variant, SRC_KILL, DISP_HANDLE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, ancestor_kill_blocked)
{
	run_case(_metadata, self, variant, SRC_KILL, DISP_BLOCK, SIGTERM,
		 SURVIVES, DIES);
}

/* ---- (b) ancestor pidfd_send_signal() -------------------------------- */
TEST_F(initsig, ancestor_pidfd_default)
{
	run_case(_metadata, self, variant, SRC_PIDFD, DISP_DEFAULT, SIGTERM,
		 SURVIVES, DIES);
}

TEST_F(initsig, ancestor_pidfd_ignored)
{
	run_case(_metadata, self, variant, SRC_PIDFD, DISP_IGNORE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, ancestor_pidfd_handled)
{
	run_case(_metadata, self, variant, SRC_PIDFD, DISP_HANDLE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, ancestor_pidfd_blocked)
{
	run_case(_metadata, self, variant, SRC_PIDFD, DISP_BLOCK, SIGTERM,
		 SURVIVES, DIES);
}

/* ---- (c) ancestor kill(-pgrp), the init leading the group ------------ */
TEST_F(initsig, ancestor_pgrp_default)
{
	run_case(_metadata, self, variant, SRC_PGRP, DISP_DEFAULT, SIGTERM,
		 SURVIVES, DIES);
}

TEST_F(initsig, ancestor_pgrp_ignored)
{
	run_case(_metadata, self, variant, SRC_PGRP, DISP_IGNORE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, ancestor_pgrp_handled)
{
	run_case(_metadata, self, variant, SRC_PGRP, DISP_HANDLE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, ancestor_pgrp_blocked)
{
	run_case(_metadata, self, variant, SRC_PGRP, DISP_BLOCK, SIGTERM,
		 SURVIVES, DIES);
}

/* ---- (d) kill(-1) by a process of the parent namespace --------------- */
TEST_F(initsig, ancestor_kill_all_default)
{
	run_case(_metadata, self, variant, SRC_KILL_ALL, DISP_DEFAULT, SIGTERM,
		 SURVIVES, DIES);
}

TEST_F(initsig, ancestor_kill_all_ignored)
{
	run_case(_metadata, self, variant, SRC_KILL_ALL, DISP_IGNORE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, ancestor_kill_all_handled)
{
	run_case(_metadata, self, variant, SRC_KILL_ALL, DISP_HANDLE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, ancestor_kill_all_blocked)
{
	run_case(_metadata, self, variant, SRC_KILL_ALL, DISP_BLOCK, SIGTERM,
		 SURVIVES, DIES);
}

/* ---- (e) the kernel: the init's alarm(1), SIGALRM -------------------- */
TEST_F(initsig, kernel_alarm_default)
{
	run_case(_metadata, self, variant, SRC_KERNEL, DISP_DEFAULT, SIGALRM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, kernel_alarm_ignored)
{
	run_case(_metadata, self, variant, SRC_KERNEL, DISP_IGNORE, SIGALRM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, kernel_alarm_handled)
{
	run_case(_metadata, self, variant, SRC_KERNEL, DISP_HANDLE, SIGALRM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, kernel_alarm_blocked)
{
	run_case(_metadata, self, variant, SRC_KERNEL, DISP_BLOCK, SIGALRM,
		 SURVIVES, SURVIVES);
}

/* ---- (f) inside: member 2 sends kill(1, sig) ------------------------- */
TEST_F(initsig, inside_member_default)
{
	run_case(_metadata, self, variant, SRC_MEMBER, DISP_DEFAULT, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, inside_member_ignored)
{
	run_case(_metadata, self, variant, SRC_MEMBER, DISP_IGNORE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, inside_member_handled)
{
	run_case(_metadata, self, variant, SRC_MEMBER, DISP_HANDLE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, inside_member_blocked)
{
	run_case(_metadata, self, variant, SRC_MEMBER, DISP_BLOCK, SIGTERM,
		 SURVIVES, SURVIVES);
}

/* ---- (g) inside: the init to itself, raise(sig) ---------------------- */
TEST_F(initsig, inside_self_default)
{
	run_case(_metadata, self, variant, SRC_SELF, DISP_DEFAULT, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, inside_self_ignored)
{
	run_case(_metadata, self, variant, SRC_SELF, DISP_IGNORE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, inside_self_handled)
{
	run_case(_metadata, self, variant, SRC_SELF, DISP_HANDLE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, inside_self_blocked)
{
	run_case(_metadata, self, variant, SRC_SELF, DISP_BLOCK, SIGTERM,
		 SURVIVES, SURVIVES);
}

/* ---- (h) the kernel: PR_SET_PDEATHSIG, the parent outside exits ------ */
/*
 * The kernel sends it from the exit of P, a task outside the namespace;
 * that does not make it an ancestor's signal.
 */
TEST_F(initsig, kernel_pdeath_default)
{
	run_case(_metadata, self, variant, SRC_PDEATH, DISP_DEFAULT, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, kernel_pdeath_ignored)
{
	run_case(_metadata, self, variant, SRC_PDEATH, DISP_IGNORE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, kernel_pdeath_handled)
{
	run_case(_metadata, self, variant, SRC_PDEATH, DISP_HANDLE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, kernel_pdeath_blocked)
{
	run_case(_metadata, self, variant, SRC_PDEATH, DISP_BLOCK, SIGTERM,
		 SURVIVES, SURVIVES);
}

/* ---- (i) the kernel: mq_notify(), the message sent from outside ------ */
/*
 * The init asked for the notification; that the message comes from a
 * task outside, in whose context it is sent, does not make it an
 * ancestor's signal.
 */
TEST_F(initsig, kernel_mq_notify_default)
{
	run_case(_metadata, self, variant, SRC_MQ, DISP_DEFAULT, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, kernel_mq_notify_ignored)
{
	run_case(_metadata, self, variant, SRC_MQ, DISP_IGNORE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, kernel_mq_notify_handled)
{
	run_case(_metadata, self, variant, SRC_MQ, DISP_HANDLE, SIGTERM,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, kernel_mq_notify_blocked)
{
	run_case(_metadata, self, variant, SRC_MQ, DISP_BLOCK, SIGTERM,
		 SURVIVES, SURVIVES);
}

/* ---- SIGKILL, SIGSTOP, SIGQUIT --------------------------------------- */
/*
 * A legacy signal is queued once: the ancestor's SIGTERM that finds the
 * member's blocked one pending makes a single delivery with it, which
 * must take the default action in ORDINARY mode.
 */
TEST_F(initsig, inside_then_ancestor_blocked)
{
	run_case(_metadata, self, variant, SRC_MEMBER_THEN_KILL, DISP_BLOCK,
		 SIGTERM, SURVIVES, DIES);
}

/*
 * The init's POSIX timer signal (SIGUSR1, blocked) is pending when the
 * ancestor's kill() of SIGUSR1 merges into it; the init takes that one
 * delivery with sigtimedwait(), then arms the timer again.  The timer
 * reuses its preallocated sigqueue: whatever the merge did to it must not
 * stay, since the next signal is the init's own, from inside.
 */
TEST_F(initsig, inside_timer_after_merge_blocked)
{
	run_case(_metadata, self, variant, SRC_TIMER, DISP_BLOCK, SIGUSR1,
		 SURVIVES, SURVIVES);
}

/* The same, the namespace set back to PROTECTED before the timer fires. */
TEST_F(initsig, inside_timer_after_merge_reprotected)
{
	run_case(_metadata, self, variant, SRC_TIMER_REPROTECT, DISP_BLOCK,
		 SIGUSR1, SURVIVES, SURVIVES);
}

TEST_F(initsig, ancestor_sigkill)
{
	run_case(_metadata, self, variant, SRC_KILL, DISP_DEFAULT, SIGKILL,
		 DIES, DIES);
}

TEST_F(initsig, inside_sigkill)
{
	run_case(_metadata, self, variant, SRC_MEMBER, DISP_DEFAULT, SIGKILL,
		 SURVIVES, SURVIVES);
}

/* Had it stopped, waitid() would have said CLD_STOPPED. */
TEST_F(initsig, inside_sigstop)
{
	run_case(_metadata, self, variant, SRC_MEMBER, DISP_DEFAULT, SIGSTOP,
		 SURVIVES, SURVIVES);
}

TEST_F(initsig, ancestor_sigquit_default)
{
	run_case(_metadata, self, variant, SRC_KILL, DISP_DEFAULT, SIGQUIT,
		 SURVIVES, DIES);
}

/* The 'T' of State: in /proc/PID/status, or '?' if it cannot be read. */
static char proc_state(int procfd, pid_t pid)
{
	char path[64], buf[4096], *p;

	snprintf(path, sizeof(path), "%d/status", pid);
	if (pidns_read_file_at(procfd, path, buf, sizeof(buf)) < 0)
		return '?';
	p = strstr(buf, "\nState:");
	if (!p)
		return '?';
	p += strlen("\nState:");
	while (*p == ' ' || *p == '\t')
		p++;
	return *p;
}

/* SIGSTOP from outside stops the init, SIGCONT from outside continues it. */
TEST_F(initsig, ancestor_sigstop_then_sigcont)
{
	int code = -1, status = -1;
	siginfo_t info;
	bool alive;

	start_case(_metadata, self, variant, SRC_KILL, DISP_DEFAULT, SIGSTOP);
	ASSERT_EQ(0, kill(self->init, SIGSTOP));
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PID, self->init, &info, WSTOPPED, NULL));
	EXPECT_EQ(CLD_STOPPED, info.si_code);
	EXPECT_EQ(SIGSTOP, info.si_status);
	EXPECT_EQ('T', proc_state(self->procfd, self->init));
	ASSERT_EQ(0, kill(self->init, SIGCONT));
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PID, self->init, &info, WCONTINUED, NULL));
	EXPECT_EQ(CLD_CONTINUED, info.si_code);
	EXPECT_NE('T', proc_state(self->procfd, self->init));
	finish_case(_metadata, self, SRC_KILL, &code, &status, &alive);
	expect_outcome(_metadata, SURVIVES, SIGSTOP, code, status, alive);
}

/*
 * The namespace ends with its init: SIGTERM from outside to an init with
 * two children and a grandchild (all three ignoring SIGTERM, so only the
 * end of the namespace can kill them).  ORDINARY: the init dies of
 * SIGTERM, and once it is reaped no member is left (their pidfds poll
 * readable, kill(pid, 0) is ESRCH).  PROTECTED: the init and all of them
 * are still there after the SIGTERM.
 */
TEST_F(initsig, ancestor_sigterm_ends_namespace)
{
	bool ordinary = variant->mode == MODE_ORDINARY;
	struct initsig_shared *sh = self->sh;
	int code = -1, status = -1, nsfd, pidfd[3];
	siginfo_t info;
	bool alive;

	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		int mup[2];

		close(self->up[0]);
		close(self->down[1]);
		CHILD_CHECK(pipe(mup) == 0);
		for (int i = 0; i < 2; i++) {
			pid_t c = fork();

			CHILD_CHECK(c >= 0);
			if (c)
				continue;
			close(self->up[1]);
			close(self->down[0]);
			signal(SIGTERM, SIG_IGN);
			if (i == 0 && fork() == 0) {
				sh->members[2] = pidns_self_in_proc(self->procfd);
				pidns_post_byte(mup[1]);
				for (;;)
					pause();
			}
			sh->members[i] = pidns_self_in_proc(self->procfd);
			pidns_post_byte(mup[1]);
			for (;;)
				pause();
		}
		for (int i = 0; i < 3; i++)
			CHILD_CHECK(pidns_wait_byte(mup[0]));
		CHILD_CHECK(pidns_post_byte(self->up[1]) == 0);
		CHILD_CHECK(pidns_wait_byte(self->down[0]));
		CHILD_CHECK(pidns_post_byte(self->up[1]) == 0);
		pidns_wait_byte(self->down[0]);
		_exit(0);
	}
	close_fd(&self->up[1]);
	ASSERT_TRUE(pidns_wait_byte(self->up[0]));
	for (int i = 0; i < 3; i++) {
		ASSERT_GT(sh->members[i], 0);
		pidfd[i] = sys_pidfd_open(sh->members[i], 0);
		ASSERT_GE(pidfd[i], 0);
	}
	if (ordinary) {
		nsfd = open_pidns_at(self->procfd, self->init);
		ASSERT_GE(nsfd, 0);
		ASSERT_EQ(0, set_mode(nsfd, variant->mode)) {
			TH_LOG("NS_SET_PIDNS_FLAGS: %s", strerror(errno));
		}
		close(nsfd);
	}
	ASSERT_EQ(0, kill(self->init, SIGTERM));
	pidns_post_byte(self->down[1]);
	alive = pidns_wait_byte(self->up[0]);
	EXPECT_EQ(!ordinary, alive);
	if (alive) {
		/* Still all there after the SIGTERM. */
		for (int i = 0; i < 3; i++) {
			struct pollfd pfd = { .fd = pidfd[i], .events = POLLIN };

			EXPECT_EQ(0, kill(sh->members[i], 0));
			EXPECT_EQ(0, poll(&pfd, 1, 0));
		}
	}
	close_fd(&self->down[1]);
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, sys_waitid(P_PID, self->init, &info, WEXITED, NULL));
	self->init = -1;
	code = info.si_code;
	status = info.si_status;
	if (ordinary) {
		EXPECT_EQ(CLD_KILLED, code);
		EXPECT_EQ(SIGTERM, status);
	} else {
		EXPECT_EQ(CLD_EXITED, code);
		EXPECT_EQ(0, status);
	}
	/* Either way the init is reaped, and so every member is gone. */
	for (int i = 0; i < 3; i++) {
		struct pollfd pfd = { .fd = pidfd[i], .events = POLLIN };

		EXPECT_EQ(1, poll(&pfd, 1, 0)) {
			TH_LOG("member %d (pid %d) survived its init", i,
			       sh->members[i]);
		}
		errno = 0;
		EXPECT_EQ(-1, kill(sh->members[i], 0));
		EXPECT_EQ(ESRCH, errno);
		close(pidfd[i]);
	}
}

/* ---- the ioctls: who may set a flag, what reads it, the struct ------- */

FIXTURE(ioctl) {
	int procfd;
	int hold[2];		/* idle inits exit on its EOF */
	pid_t init;
};

FIXTURE_SETUP(ioctl)
{
	struct pidns_flags f;
	int own;

	PIDNS_REQUIRE();
	self->init = -1;
	/*
	 * The flags are new in this series: a kernel without them fails
	 * every case here, not in a check that happens to expect an error.
	 */
	own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(own, 0);
	ASSERT_EQ(0, get_flags(own, &f)) {
		TH_LOG("NS_GET_PIDNS_FLAGS: %s", strerror(errno));
	}
	close(own);
	self->procfd = pidns_proc_open();
	ASSERT_GE(self->procfd, 0);
	ASSERT_EQ(0, pidns_pipe(self->hold));
	signal(SIGPIPE, SIG_IGN);
}

FIXTURE_TEARDOWN(ioctl)
{
	if (self->init > 0) {
		kill(self->init, SIGKILL);
		waitpid(self->init, NULL, 0);
	}
}

/* An idle init in a new namespace, and an fd of that namespace. */
static int idle_ns(struct __test_metadata *_metadata,
		   struct _test_data_ioctl *self)
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
static int release_idle(struct _test_data_ioctl *self)
{
	int st;

	close(self->hold[1]);
	st = pidns_wait_status(self->init);
	self->init = -1;
	return st;
}

TEST_F(ioctl, get_default_protected)
{
	int nsfd = idle_ns(_metadata, self);
	int own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);

	ASSERT_GE(nsfd, 0);
	ASSERT_GE(own, 0);
	EXPECT_EQ(MODE_PROTECTED, get_mode(nsfd)) {
		TH_LOG("NS_GET_PIDNS_FLAGS: %s", strerror(errno));
	}
	EXPECT_EQ(MODE_PROTECTED, get_mode(own));
	EXPECT_EQ(0, release_idle(self));
}

/* SET and GET agree, SET is idempotent, and PROTECTED again applies. */
TEST_F(ioctl, set_get_roundtrip)
{
	int nsfd = idle_ns(_metadata, self);

	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, set_mode(nsfd, MODE_ORDINARY)) {
		TH_LOG("NS_SET_PIDNS_FLAGS: %s", strerror(errno));
	}
	EXPECT_EQ(MODE_ORDINARY, get_mode(nsfd));
	EXPECT_EQ(0, set_mode(nsfd, MODE_ORDINARY));
	EXPECT_EQ(MODE_ORDINARY, get_mode(nsfd));
	ASSERT_EQ(0, set_mode(nsfd, MODE_PROTECTED));
	EXPECT_EQ(MODE_PROTECTED, get_mode(nsfd));
	/* Back to protected: SIGTERM from outside is dropped again. */
	ASSERT_EQ(0, kill(self->init, SIGTERM));
	EXPECT_EQ(0, release_idle(self));
}

TEST_F(ioctl, not_pidns_einval)
{
	static const char * const types[] = { "uts", "user", "mnt" };

	for (unsigned int i = 0; i < ARRAY_SIZE(types); i++) {
		int fd = pidns_open_ns(getpid(), types[i]);

		ASSERT_GE(fd, 0);
		errno = 0;
		EXPECT_EQ(-1, set_mode(fd, MODE_ORDINARY));
		EXPECT_EQ(EINVAL, errno) {
			TH_LOG("SET on %s ns: %s", types[i], strerror(errno));
		}
		errno = 0;
		EXPECT_EQ(-1, get_mode(fd));
		EXPECT_EQ(EINVAL, errno);
		close(fd);
	}
}

/*
 * From inside, nobody may set it, not even the privileged init: neither
 * on its own namespace nor on the parent one; a member neither.  GET from
 * inside reads what the outside set.
 */
TEST_F(ioctl, set_from_inside_eperm)
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
		CHILD_CHECK(get_mode(own) == MODE_ORDINARY);
		CHILD_CHECK_ERR(set_mode(own, MODE_PROTECTED), EPERM);
		CHILD_CHECK_ERR(set_mode(own, MODE_ORDINARY), EPERM);
		CHILD_CHECK_ERR(set_mode(parent, MODE_ORDINARY), EPERM);
		CHILD_CHECK(get_mode(parent) == MODE_PROTECTED);
		c = fork();
		CHILD_CHECK(c >= 0);
		if (c == 0) {
			CHILD_CHECK_ERR(set_mode(own, MODE_PROTECTED), EPERM);
			CHILD_CHECK(get_mode(own) == MODE_ORDINARY);
			_exit(0);
		}
		CHILD_CHECK(pidns_wait_status(c) == 0);
		CHILD_CHECK(get_mode(own) == MODE_ORDINARY);
		_exit(0);
	}
	close(go[0]);
	nsfd = open_pidns_at(self->procfd, self->init);
	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, set_mode(nsfd, MODE_ORDINARY)) {
		TH_LOG("NS_SET_PIDNS_FLAGS: %s", strerror(errno));
	}
	ASSERT_EQ(0, pidns_post_byte(go[1]));
	EXPECT_EQ(0, pidns_wait_status(self->init));
	self->init = -1;
	EXPECT_EQ(MODE_ORDINARY, get_mode(nsfd));
}

/* Not on one's own namespace: the test's (the initial one in the guest). */
TEST_F(ioctl, set_own_ns_eperm)
{
	static const char * const names[] = { "pid", "pid_for_children" };

	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
		int fd = pidns_open_ns(getpid(), names[i]);

		ASSERT_GE(fd, 0);
		errno = 0;
		EXPECT_EQ(-1, set_mode(fd, MODE_ORDINARY));
		EXPECT_EQ(EPERM, errno) {
			TH_LOG("SET on own %s: %s", names[i], strerror(errno));
		}
		errno = 0;
		EXPECT_EQ(-1, set_mode(fd, MODE_PROTECTED));
		EXPECT_EQ(EPERM, errno);
		EXPECT_EQ(MODE_PROTECTED, get_mode(fd));
		close(fd);
	}
}

/* The init of a sibling namespace is not an ancestor: EPERM. */
TEST_F(ioctl, set_sibling_ns_eperm)
{
	int nsfd = idle_ns(_metadata, self);
	pid_t sib;

	ASSERT_GE(nsfd, 0);
	sib = pidns_fork();
	ASSERT_GE(sib, 0);
	if (sib == 0) {
		CHILD_CHECK_ERR(set_mode(nsfd, MODE_ORDINARY), EPERM);
		CHILD_CHECK(get_mode(nsfd) == MODE_PROTECTED);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(sib));
	EXPECT_EQ(MODE_PROTECTED, get_mode(nsfd));
	EXPECT_EQ(0, release_idle(self));
}

/* An unprivileged task outside: EPERM; it may still read the mode. */
TEST_F(ioctl, set_unprivileged_eperm)
{
	int nsfd = idle_ns(_metadata, self);
	pid_t c;

	ASSERT_GE(nsfd, 0);
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		CHILD_CHECK(pidns_drop_to_uid(65534) == 0);
		CHILD_CHECK_ERR(set_mode(nsfd, MODE_ORDINARY), EPERM);
		CHILD_CHECK_ERR(set_mode(nsfd, MODE_PROTECTED), EPERM);
		CHILD_CHECK(get_mode(nsfd) == MODE_PROTECTED);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(c));
	EXPECT_EQ(MODE_PROTECTED, get_mode(nsfd));
	EXPECT_EQ(0, release_idle(self));
}

/*
 * An unprivileged user that made a user namespace and, in it, a pid
 * namespace owns the latter: it may set the mode there, and then its
 * SIGTERM ends that init.  It still may not set it on a namespace owned
 * by the initial user namespace.
 */
TEST_F(ioctl, set_by_userns_owner)
{
	int other = idle_ns(_metadata, self);
	pid_t c;

	ASSERT_GE(other, 0);
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		int hold[2], fd;
		pid_t init;

		close(self->hold[1]);
		CHILD_CHECK(pidns_drop_to_uid(65534) == 0);
		CHILD_CHECK(unshare(CLONE_NEWUSER) == 0);
		CHILD_CHECK(pipe2(hold, O_CLOEXEC) == 0);
		init = pidns_fork_idle_init(hold);
		CHILD_CHECK(init > 0);
		close(hold[0]);
		fd = open_pidns_at(self->procfd, init);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(get_mode(fd) == MODE_PROTECTED);
		CHILD_CHECK(set_mode(fd, MODE_ORDINARY) == 0);
		CHILD_CHECK(get_mode(fd) == MODE_ORDINARY);
		CHILD_CHECK_ERR(set_mode(other, MODE_ORDINARY), EPERM);
		CHILD_CHECK(kill(init, SIGTERM) == 0);
		CHILD_CHECK(pidns_wait_status(init) == 128 + SIGTERM);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(c));
	EXPECT_EQ(MODE_PROTECTED, get_mode(other));
	EXPECT_EQ(0, release_idle(self));
}

/*
 * Through pid_for_children of the task that unshared, once its init is
 * there (but still idle: it has had no signal yet).
 */
TEST_F(ioctl, set_via_pid_for_children)
{
	int me, fd, nsfd;

	me = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(me, 0);
	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	self->init = fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pidns_idle_until_released(self->hold);
	}
	fd = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, setns(me, CLONE_NEWPID));
	EXPECT_EQ(MODE_PROTECTED, get_mode(fd)) {
		TH_LOG("NS_GET_PIDNS_FLAGS: %s", strerror(errno));
	}
	ASSERT_EQ(0, set_mode(fd, MODE_ORDINARY)) {
		TH_LOG("NS_SET_PIDNS_FLAGS: %s", strerror(errno));
	}
	nsfd = open_pidns_at(self->procfd, self->init);
	ASSERT_GE(nsfd, 0);
	EXPECT_EQ(pidns_fd_ino(fd), pidns_fd_ino(nsfd));
	EXPECT_EQ(MODE_ORDINARY, get_mode(nsfd));
	ASSERT_EQ(0, kill(self->init, SIGTERM));
	EXPECT_EQ(128 + SIGTERM, pidns_wait_status(self->init));
	self->init = -1;
}

/*
 * Not inherited: a namespace made by the init of an ORDINARY one starts
 * PROTECTED, and that init, an ancestor of it, may opt it in.
 */
TEST_F(ioctl, child_of_ordinary_is_protected)
{
	int nsfd, go[2];

	ASSERT_EQ(0, pidns_pipe(go));
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		int own, child, yd[2], ya[2];
		pid_t y;

		close(go[1]);
		CHILD_CHECK(pidns_wait_byte(go[0]));
		own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		CHILD_CHECK(own >= 0);
		CHILD_CHECK(get_mode(own) == MODE_ORDINARY);
		CHILD_CHECK(pipe2(yd, O_CLOEXEC) == 0);
		CHILD_CHECK(pipe2(ya, O_CLOEXEC) == 0);
		CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
		y = fork();
		CHILD_CHECK(y >= 0);
		if (y == 0) {
			/* Answer each 'G' with 'A'; exit 0 on EOF. */
			close(yd[1]);
			close(ya[0]);
			while (pidns_wait_byte(yd[0]))
				pidns_post_byte(ya[1]);
			_exit(0);
		}
		close(yd[0]);
		close(ya[1]);
		/* pid_for_children can be opened once Y has its init. */
		child = open("/proc/self/ns/pid_for_children",
			     O_RDONLY | O_CLOEXEC);
		CHILD_CHECK(child >= 0);
		CHILD_CHECK(get_mode(child) == MODE_PROTECTED);
		/* We are outside Y: SIGTERM is dropped, Y still answers. */
		CHILD_CHECK(kill(y, SIGTERM) == 0);
		CHILD_CHECK(pidns_post_byte(yd[1]) == 0);
		CHILD_CHECK(pidns_wait_byte(ya[0]));
		/* Opting Y in, from here, works; then SIGTERM ends it. */
		CHILD_CHECK(set_mode(child, MODE_ORDINARY) == 0);
		CHILD_CHECK(get_mode(child) == MODE_ORDINARY);
		CHILD_CHECK(kill(y, SIGTERM) == 0);
		CHILD_CHECK(pidns_wait_status(y) == 128 + SIGTERM);
		CHILD_CHECK(get_mode(own) == MODE_ORDINARY);
		_exit(0);
	}
	close(go[0]);
	nsfd = open_pidns_at(self->procfd, self->init);
	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, set_mode(nsfd, MODE_ORDINARY)) {
		TH_LOG("NS_SET_PIDNS_FLAGS: %s", strerror(errno));
	}
	ASSERT_EQ(0, pidns_post_byte(go[1]));
	EXPECT_EQ(0, pidns_wait_status(self->init));
	self->init = -1;
	EXPECT_EQ(MODE_ORDINARY, get_mode(nsfd));
}

/* ---- the flags word: NS_GET_PIDNS_FLAGS, NS_SET_PIDNS_FLAGS ----------- */

/* The flags of @nsfd's namespace, -1 (all bits) if GET fails. */
static __u64 flags_of(int nsfd)
{
	struct pidns_flags f;

	return get_flags(nsfd, &f) ? ~0ULL : f.flags;
}

/* Are the bytes [@from, @to) of @buf all @val? */
static bool all_bytes(const unsigned char *buf, size_t from, size_t to,
		      unsigned char val)
{
	for (size_t i = from; i < to; i++)
		if (buf[i] != val)
			return false;
	return true;
}

/*
 * GET's mask is every flag the kernel supports, the two of this series;
 * a new namespace has none set.  Anyone holding the fd may GET: an
 * unprivileged task reads the flags the test set.
 */
TEST_F(ioctl, get_mask_is_supported_flags)
{
	int nsfd = idle_ns(_metadata, self);
	struct pidns_flags f;
	pid_t c;

	ASSERT_GE(nsfd, 0);
	memset(&f, 0xff, sizeof(f));
	ASSERT_EQ(0, ioctl(nsfd, NS_GET_PIDNS_FLAGS, &f));
	EXPECT_EQ(ALL_FLAGS, f.mask);
	EXPECT_EQ(0, f.flags);
	ASSERT_EQ(0, set_flags(nsfd, REAP, REAP));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		CHILD_CHECK(pidns_drop_to_uid(65534) == 0);
		memset(&f, 0xff, sizeof(f));
		CHILD_CHECK(ioctl(nsfd, NS_GET_PIDNS_FLAGS, &f) == 0);
		CHILD_CHECK(f.mask == ALL_FLAGS);
		CHILD_CHECK(f.flags == REAP);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(c));
	EXPECT_EQ(0, release_idle(self));
}

/* A pointer to nothing: EFAULT for GET and SET, and nothing set. */
TEST_F(ioctl, bad_pointer_efault)
{
	int nsfd = idle_ns(_metadata, self);
	void *none;

	ASSERT_GE(nsfd, 0);
	none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, none);
	errno = 0;
	EXPECT_EQ(-1, ioctl(nsfd, NS_GET_PIDNS_FLAGS, NULL));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(nsfd, NS_GET_PIDNS_FLAGS, none));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(nsfd, NS_SET_PIDNS_FLAGS, NULL));
	EXPECT_EQ(EFAULT, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(nsfd, NS_SET_PIDNS_FLAGS, none));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, flags_of(nsfd));
	munmap(none, 4096);
	EXPECT_EQ(0, release_idle(self));
}

/*
 * A bit in mask the kernel does not support: EINVAL, alone or beside the
 * known ones, and the known ones are not set either.
 */
TEST_F(ioctl, unknown_mask_bit_einval)
{
	int nsfd = idle_ns(_metadata, self);

	ASSERT_GE(nsfd, 0);
	for (int bit = 2; bit < 64; bit++) {
		__u64 b = 1ULL << bit;

		errno = 0;
		EXPECT_EQ(-1, set_flags(nsfd, b, 0));
		EXPECT_EQ(EINVAL, errno) {
			TH_LOG("mask bit %d: %s", bit, strerror(errno));
		}
		errno = 0;
		EXPECT_EQ(-1, set_flags(nsfd, b | ALL_FLAGS, b | ALL_FLAGS));
		EXPECT_EQ(EINVAL, errno);
	}
	EXPECT_EQ(0, flags_of(nsfd));
	ASSERT_EQ(0, set_flags(nsfd, ORD, ORD));
	errno = 0;
	EXPECT_EQ(-1, set_flags(nsfd, ~0ULL, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(ORD, flags_of(nsfd));
	EXPECT_EQ(0, release_idle(self));
}

/* A bit in flags that is not in mask: EINVAL, and nothing changes. */
TEST_F(ioctl, flags_outside_mask_einval)
{
	static const struct {
		__u64 mask, flags;
	} bad[] = {
		{ 0, ORD }, { 0, REAP }, { ORD, REAP }, { REAP, ORD },
		{ ORD, ALL_FLAGS }, { REAP, ALL_FLAGS },
		{ ALL_FLAGS, ALL_FLAGS | 1ULL << 2 },
		{ ALL_FLAGS, 1ULL << 63 },
	};
	int nsfd = idle_ns(_metadata, self);

	ASSERT_GE(nsfd, 0);
	for (int round = 0; round < 2; round++) {
		/* With no flag set, then with REAP set. */
		__u64 was = round ? REAP : 0;

		ASSERT_EQ(0, set_flags(nsfd, ALL_FLAGS, was));
		for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
			errno = 0;
			EXPECT_EQ(-1, set_flags(nsfd, bad[i].mask,
						bad[i].flags));
			EXPECT_EQ(EINVAL, errno) {
				TH_LOG("mask %#llx flags %#llx: %s",
				       (unsigned long long)bad[i].mask,
				       (unsigned long long)bad[i].flags,
				       strerror(errno));
			}
			EXPECT_EQ(was, flags_of(nsfd));
		}
	}
	EXPECT_EQ(0, release_idle(self));
}

/*
 * The EINVAL checks come before the permission check: where SET is EPERM
 * (the caller's own namespace, an unprivileged caller, the init on its
 * own namespace), an unknown mask bit or a flag outside the mask is
 * EINVAL all the same.
 */
static void expect_einval_before_eperm(int fd)
{
	CHILD_CHECK_ERR(set_flags(fd, 1ULL << 2, 0), EINVAL);
	CHILD_CHECK_ERR(set_flags(fd, ~0ULL, ~0ULL), EINVAL);
	CHILD_CHECK_ERR(set_flags(fd, ORD, REAP), EINVAL);
	CHILD_CHECK_ERR(set_flags(fd, 0, ORD), EINVAL);
	CHILD_CHECK_ERR(set_flags(fd, REAP, REAP), EPERM);
	CHILD_CHECK_ERR(set_flags(fd, ORD, 0), EPERM);
}

TEST_F(ioctl, einval_before_eperm)
{
	int nsfd = idle_ns(_metadata, self);
	pid_t c;

	ASSERT_GE(nsfd, 0);
	/* The test's own namespace. */
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		int own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);

		CHILD_CHECK(own >= 0);
		expect_einval_before_eperm(own);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(c));
	/* An unprivileged caller outside. */
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		CHILD_CHECK(pidns_drop_to_uid(65534) == 0);
		expect_einval_before_eperm(nsfd);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(c));
	/* A privileged init, from inside. */
	c = pidns_fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		int own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);

		CHILD_CHECK(own >= 0);
		expect_einval_before_eperm(own);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(c));
	EXPECT_EQ(0, flags_of(nsfd));
	EXPECT_EQ(0, release_idle(self));
}

/*
 * Only the bits in mask change: setting or clearing one flag leaves the
 * other as it was, also where it counts (ORDINARY, kept through changes
 * of REAP, lets SIGTERM from outside end the init).
 */
TEST_F(ioctl, one_flag_leaves_the_other)
{
	static const struct {
		__u64 mask, flags, after;
	} steps[] = {
		{ ORD, ORD, ORD },
		{ REAP, REAP, ALL_FLAGS },
		{ ORD, 0, REAP },
		{ ORD, ORD, ALL_FLAGS },
		{ REAP, 0, ORD },
		{ ALL_FLAGS, REAP, REAP },
		{ ALL_FLAGS, ALL_FLAGS, ALL_FLAGS },
		{ ALL_FLAGS, ORD, ORD },
		{ REAP, REAP, ALL_FLAGS },
	};
	int nsfd = idle_ns(_metadata, self);

	ASSERT_GE(nsfd, 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(steps); i++) {
		ASSERT_EQ(0, set_flags(nsfd, steps[i].mask, steps[i].flags)) {
			TH_LOG("step %u: %s", i, strerror(errno));
		}
		EXPECT_EQ(steps[i].after, flags_of(nsfd)) {
			TH_LOG("step %u", i);
		}
	}
	ASSERT_EQ(0, kill(self->init, SIGTERM));
	EXPECT_EQ(128 + SIGTERM, pidns_wait_status(self->init));
	self->init = -1;
}

/*
 * mask 0 is a SET that changes nothing: 0, flags as they were.  It is
 * still a SET: the permission check does not depend on the mask, so on
 * the caller's own namespace it is EPERM.
 */
TEST_F(ioctl, mask_zero_is_noop)
{
	int nsfd = idle_ns(_metadata, self);
	int own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);

	ASSERT_GE(nsfd, 0);
	ASSERT_GE(own, 0);
	EXPECT_EQ(0, set_flags(nsfd, 0, 0));
	EXPECT_EQ(0, flags_of(nsfd));
	ASSERT_EQ(0, set_flags(nsfd, ALL_FLAGS, ALL_FLAGS));
	EXPECT_EQ(0, set_flags(nsfd, 0, 0));
	EXPECT_EQ(ALL_FLAGS, flags_of(nsfd));
	errno = 0;
	EXPECT_EQ(-1, set_flags(own, 0, 0));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(0, release_idle(self));
}

/*
 * A size below PIDNS_FLAGS_SIZE_VER0 in the command: EINVAL; GET writes
 * nothing, SET sets nothing.
 */
TEST_F(ioctl, short_size_einval)
{
	static const int sizes[] = { 0, 1, 8, 15 };
	struct pidns_flags f = { .mask = ALL_FLAGS, .flags = ALL_FLAGS };
	int nsfd = idle_ns(_metadata, self);
	unsigned char buf[32];

	ASSERT_GE(nsfd, 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		memset(buf, 0xa5, sizeof(buf));
		errno = 0;
		EXPECT_EQ(-1, ioctl(nsfd, GET_CMD(_IOC_READ, sizes[i]), buf));
		EXPECT_EQ(EINVAL, errno) {
			TH_LOG("GET of size %d: %s", sizes[i], strerror(errno));
		}
		EXPECT_TRUE(all_bytes(buf, 0, sizeof(buf), 0xa5));
		memcpy(buf, &f, sizeof(f));
		errno = 0;
		EXPECT_EQ(-1, ioctl(nsfd, SET_CMD(_IOC_WRITE, sizes[i]), buf));
		EXPECT_EQ(EINVAL, errno) {
			TH_LOG("SET of size %d: %s", sizes[i], strerror(errno));
		}
	}
	EXPECT_EQ(0, flags_of(nsfd));
	EXPECT_EQ(0, release_idle(self));
}

/*
 * The commands the flags replace, _IO(NSIO, 0x40) (set the mode given as
 * the argument) and _IO(NSIO, 0x41) (return it), are gone: they fail,
 * with EINVAL or ENOTTY (size 0, and no direction: the rules name both),
 * and set nothing: SIGTERM from outside is still dropped.
 */
TEST_F(ioctl, old_commands_gone)
{
	int nsfd = idle_ns(_metadata, self);

	ASSERT_GE(nsfd, 0);
	errno = 0;
	EXPECT_EQ(-1, ioctl(nsfd, _IO(NSIO, 0x40), 1UL));
	EXPECT_TRUE(errno == EINVAL || errno == ENOTTY) {
		TH_LOG("_IO(NSIO, 0x40): %s", strerror(errno));
	}
	errno = 0;
	EXPECT_EQ(-1, ioctl(nsfd, _IO(NSIO, 0x41), 0UL));
	EXPECT_TRUE(errno == EINVAL || errno == ENOTTY) {
		TH_LOG("_IO(NSIO, 0x41): %s", strerror(errno));
	}
	EXPECT_EQ(0, flags_of(nsfd));
	ASSERT_EQ(0, kill(self->init, SIGTERM));
	EXPECT_EQ(0, release_idle(self));
}

/*
 * GET with a larger struct: the flags in the first 16 bytes, zeroes up
 * to the size given, nothing written beyond it.
 */
TEST_F(ioctl, larger_get_zero_filled)
{
	static const int sizes[] = { 17, 24, 32, 64, 512, 4096 };
	int nsfd = idle_ns(_metadata, self);
	unsigned char buf[4096 + 64];
	struct pidns_flags f;

	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, set_flags(nsfd, REAP, REAP));
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		int size = sizes[i];

		memset(buf, 0xa5, sizeof(buf));
		ASSERT_EQ(0, ioctl(nsfd, GET_CMD(_IOC_READ, size), buf)) {
			TH_LOG("GET of size %d: %s", size, strerror(errno));
		}
		memcpy(&f, buf, sizeof(f));
		EXPECT_EQ(ALL_FLAGS, f.mask);
		EXPECT_EQ(REAP, f.flags);
		EXPECT_TRUE(all_bytes(buf, PIDNS_FLAGS_SIZE_VER0, size, 0)) {
			TH_LOG("size %d: not zeroed past the flags", size);
		}
		EXPECT_TRUE(all_bytes(buf, size, sizeof(buf), 0xa5)) {
			TH_LOG("size %d: written past the size", size);
		}
	}
	EXPECT_EQ(0, release_idle(self));
}

/*
 * SET with a larger struct: a non-zero byte past the first 16 is E2BIG
 * (and sets nothing); zeroes there are fine, and what lies beyond the
 * size given is not read.
 */
TEST_F(ioctl, larger_set_needs_zero_tail)
{
	static const int sizes[] = { 17, 24, 64, 4095 };
	struct pidns_flags f = { .mask = REAP, .flags = REAP };
	int nsfd = idle_ns(_metadata, self);
	unsigned char buf[4096];

	ASSERT_GE(nsfd, 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(sizes); i++) {
		int size = sizes[i];

		memset(buf, 0, sizeof(buf));
		memcpy(buf, &f, sizeof(f));
		buf[PIDNS_FLAGS_SIZE_VER0] = 1;
		errno = 0;
		EXPECT_EQ(-1, ioctl(nsfd, SET_CMD(_IOC_WRITE, size), buf));
		EXPECT_EQ(E2BIG, errno) {
			TH_LOG("size %d, byte 16 set: %s", size,
			       strerror(errno));
		}
		buf[PIDNS_FLAGS_SIZE_VER0] = 0;
		buf[size - 1] = 0x80;
		errno = 0;
		EXPECT_EQ(-1, ioctl(nsfd, SET_CMD(_IOC_WRITE, size), buf));
		EXPECT_EQ(E2BIG, errno) {
			TH_LOG("size %d, last byte set: %s", size,
			       strerror(errno));
		}
		EXPECT_EQ(0, flags_of(nsfd));
		buf[size - 1] = 0;
		buf[size] = 0xff;
		ASSERT_EQ(0, ioctl(nsfd, SET_CMD(_IOC_WRITE, size), buf)) {
			TH_LOG("size %d, zero tail: %s", size, strerror(errno));
		}
		EXPECT_EQ(REAP, flags_of(nsfd));
		ASSERT_EQ(0, set_flags(nsfd, REAP, 0));
	}
	EXPECT_EQ(0, release_idle(self));
}

/*
 * The numbers of the two commands with another direction (or the type
 * of another driver): ENOTTY, nothing read or written.
 */
TEST_F(ioctl, wrong_direction_enotty)
{
	const unsigned int cmds[] = {
		GET_CMD(_IOC_WRITE, PIDNS_FLAGS_SIZE_VER0),
		GET_CMD(_IOC_READ | _IOC_WRITE, PIDNS_FLAGS_SIZE_VER0),
		GET_CMD(_IOC_NONE, PIDNS_FLAGS_SIZE_VER0),
		SET_CMD(_IOC_READ, PIDNS_FLAGS_SIZE_VER0),
		SET_CMD(_IOC_READ | _IOC_WRITE, PIDNS_FLAGS_SIZE_VER0),
		SET_CMD(_IOC_NONE, PIDNS_FLAGS_SIZE_VER0),
		_IOC(_IOC_READ, NSIO + 1, _IOC_NR(NS_GET_PIDNS_FLAGS),
		     PIDNS_FLAGS_SIZE_VER0),
		_IOC(_IOC_WRITE, NSIO + 1, _IOC_NR(NS_SET_PIDNS_FLAGS),
		     PIDNS_FLAGS_SIZE_VER0),
	};
	struct pidns_flags f = { .mask = ALL_FLAGS, .flags = ALL_FLAGS }, g;
	int nsfd = idle_ns(_metadata, self);

	ASSERT_GE(nsfd, 0);
	for (unsigned int i = 0; i < ARRAY_SIZE(cmds); i++) {
		g = f;
		errno = 0;
		EXPECT_EQ(-1, ioctl(nsfd, cmds[i], &g));
		EXPECT_EQ(ENOTTY, errno) {
			TH_LOG("command %#x: %s", cmds[i], strerror(errno));
		}
		EXPECT_EQ(0, memcmp(&f, &g, sizeof(f)));
	}
	EXPECT_EQ(0, flags_of(nsfd));
	EXPECT_EQ(0, release_idle(self));
}

/*
 * Not inherited: a namespace made by the init of one with every flag set
 * has none.
 */
TEST_F(ioctl, child_namespace_starts_clear)
{
	int nsfd, go[2];

	ASSERT_EQ(0, pidns_pipe(go));
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		int own, procfd, fd, hold[2];
		struct pidns_flags f;
		pid_t y;

		close(go[1]);
		CHILD_CHECK(pidns_wait_byte(go[0]));
		own = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		CHILD_CHECK(own >= 0);
		CHILD_CHECK(flags_of(own) == ALL_FLAGS);
		CHILD_CHECK(pipe2(hold, O_CLOEXEC) == 0);
		y = pidns_fork_idle_init(hold);
		CHILD_CHECK(y > 0);
		close(hold[0]);
		procfd = pidns_proc_open();
		CHILD_CHECK(procfd >= 0);
		fd = open_pidns_at(procfd, y);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK(get_flags(fd, &f) == 0);
		CHILD_CHECK(f.mask == ALL_FLAGS);
		CHILD_CHECK(f.flags == 0);
		close(hold[1]);
		CHILD_CHECK(pidns_wait_status(y) == 0);
		_exit(0);
	}
	close(go[0]);
	nsfd = open_pidns_at(self->procfd, self->init);
	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, set_flags(nsfd, ALL_FLAGS, ALL_FLAGS));
	ASSERT_EQ(0, pidns_post_byte(go[1]));
	EXPECT_EQ(0, pidns_wait_status(self->init));
	self->init = -1;
}

/*
 * The initial namespace has no ancestor: nobody may set its flags (EPERM
 * from it and from below); it has none.
 */
TEST_F(ioctl, initial_namespace_eperm)
{
	static const struct {
		__u64 mask, flags;
	} sets[] = {
		{ ORD, ORD }, { REAP, REAP }, { ALL_FLAGS, 0 },
	};
	struct pidns_flags f;
	int fd;
	pid_t c;

	if (pidns_level() != 0)
		SKIP(return, "not in the initial pid namespace");
	fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, get_flags(fd, &f));
	EXPECT_EQ(ALL_FLAGS, f.mask);
	EXPECT_EQ(0, f.flags);
	for (unsigned int i = 0; i < ARRAY_SIZE(sets); i++) {
		errno = 0;
		EXPECT_EQ(-1, set_flags(fd, sets[i].mask, sets[i].flags));
		EXPECT_EQ(EPERM, errno);
	}
	c = pidns_fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		CHILD_CHECK_ERR(set_flags(fd, REAP, REAP), EPERM);
		CHILD_CHECK_ERR(set_flags(fd, ORD, ORD), EPERM);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(c));
	EXPECT_EQ(0, flags_of(fd));
}

TEST_HARNESS_MAIN
