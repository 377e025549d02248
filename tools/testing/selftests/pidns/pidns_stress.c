// SPDX-License-Identifier: GPL-2.0
/*
 * A bounded concurrency stress of pid namespaces.
 *
 * A "spine" of nested namespaces down to the deepest level the kernel
 * allows (levels 1-32 below the initial namespace) is built first; each
 * level's init hands the stress a proc instance of its level, an nsfs fd
 * and a pidfd of itself.  Then NR_WORKERS processes race randomly chosen
 * operations against each other for a bounded time and number of
 * operations: setns (nsfs fd and pidfd) + fork into any level,
 * exit, kill and pidfd_open of numbers, waitid in its several forms, /proc
 * readdir and /proc/PID/status reads at every level, unshare(CLONE_NEWPID)
 * + fork, clone3 with set_tid, writes to ns_last_pid and pid_max, reboot()
 * in throwaway namespaces, and the death of a throwaway namespace's init
 * while helpers setns() + fork() into it and into a namespace nested in it.
 * Where the kernel has them: clone3() CLONE_AUTOREAP children exiting at
 * random moments, CLONE_PIDFD_AUTOKILL pidfds closed at random moments,
 * and orphans made in throwaway namespaces and in spine levels, whose
 * PIDNS_REAP_ORPHANS processes of ancestor levels flip meanwhile; at the
 * end, with the mode on at every spine level, orphans made at each level
 * must never be its init's zombies.
 *
 * Every check is built so that a legitimate race cannot fail it: a number
 * is only judged against a struct pid pinned by a pidfd, and a pidfd that
 * still has its task after the check (fdinfo "Pid:" not -1) proves the
 * number was that task's during the whole check.  A task that exits in
 * between only makes a lookup fail with ENOENT/ESRCH (or its status show
 * 0 for numbers); it can never make a lookup return a wrong number.  An
 * errno that a concurrent pid_max write explains is only accepted while
 * one may have been in effect.  Any violation is printed as it is found,
 * and the test fails.  The counts of operations done are printed at the end.
 *
 * Usage: pidns_stress [--seconds N] [--ops N] [harness options]
 * Defaults: 30 seconds, at most 1000 operations per second of that.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <poll.h>
#include <time.h>
#include <linux/reboot.h>

#include "pidns_util.h"
#include "../kselftest_harness.h"

/* Upstream 7.1's clone3() flags and this series' pid namespace modes. */
#ifndef CLONE_AUTOREAP
#define CLONE_AUTOREAP		0x400000000ULL
#endif
#ifndef CLONE_NNP
#define CLONE_NNP		0x800000000ULL
#endif
#ifndef CLONE_PIDFD_AUTOKILL
#define CLONE_PIDFD_AUTOKILL	0x1000000000ULL
#endif
#ifndef PIDNS_REAP_ORPHANS
#define PIDNS_REAP_ORPHANS	0x2ULL
#endif
#ifndef NS_GET_PIDNS_FLAGS
struct pidns_flags {
	__u64 mask;
	__u64 flags;
};

#define NS_GET_PIDNS_FLAGS	_IOR(NSIO, 0x40, struct pidns_flags)
#define NS_SET_PIDNS_FLAGS	_IOW(NSIO, 0x41, struct pidns_flags)
#endif

/* Deepest spine; shorter when the stress itself runs in a child namespace. */
#define SPINE_DEPTH		PIDNS_MAX_LEVEL
#define NR_LEVELS		(SPINE_DEPTH + 1)
#define NR_WORKERS		6
#define POOL_SIZE		8
#define NR_SLOTS		(NR_WORKERS * POOL_SIZE)
#define MAX_ENTRIES		4096
#define MAX_VIOLATIONS		20
#define DEFAULT_SECONDS		30
#define DEFAULT_OPS_PER_SECOND	1000
/* Beyond the deadline: setup, the operations under way, the teardown. */
#define WATCHDOG_GRACE		90
/* Lowest pid_max written: far above the few hundred numbers in use. */
#define PID_MAX_LOW		1024
#define NS_LAST_PID		"/proc/sys/kernel/ns_last_pid"
#define PID_MAX			"/proc/sys/kernel/pid_max"

enum op_kind {
	K_OPS,
	K_FORK,
	K_FORK_EAGAIN,
	K_EXIT,
	K_SETNS_NSFD,
	K_SETNS_PIDFD,
	K_KILL,
	K_PIDFD_OPEN,
	K_WAITID,
	K_READDIR,
	K_STATUS,
	K_UNIQUE_SCAN,
	K_UNSHARE,
	K_LEVEL_LIMIT,
	K_CLONE3_SET_TID,
	K_SET_TID_EEXIST,
	K_FAILED_FIRST_FORK,
	K_NS_LAST_PID,
	K_PID_MAX,
	K_REBOOT,
	K_INIT_DEATH,
	K_FORK_INTO_DYING,
	K_FORK_ENOMEM,
	K_AUTOREAP,
	K_AUTOKILL,
	K_AUTOKILL_SHARED,
	K_ORPHAN,
	K_ORPHAN_NS,
	K_REAP_SET,
	K_REAP_EPERM,
	K_ORPHAN_FINAL,
	NR_KINDS
};

static const char * const kind_name[NR_KINDS] = {
	[K_OPS]			= "operations",
	[K_FORK]		= "fork",
	[K_FORK_EAGAIN]		= "fork EAGAIN",
	[K_EXIT]		= "exit",
	[K_SETNS_NSFD]		= "setns nsfs fd",
	[K_SETNS_PIDFD]		= "setns pidfd",
	[K_KILL]		= "kill",
	[K_PIDFD_OPEN]		= "pidfd_open",
	[K_WAITID]		= "waitid",
	[K_READDIR]		= "proc readdir",
	[K_STATUS]		= "proc status read",
	[K_UNIQUE_SCAN]		= "uniqueness scan",
	[K_UNSHARE]		= "unshare NEWPID",
	[K_LEVEL_LIMIT]		= "level 33 refused",
	[K_CLONE3_SET_TID]	= "clone3 set_tid",
	[K_SET_TID_EEXIST]	= "set_tid EEXIST",
	[K_FAILED_FIRST_FORK]	= "failed first fork",
	[K_NS_LAST_PID]		= "ns_last_pid write",
	[K_PID_MAX]		= "pid_max write",
	[K_REBOOT]		= "reboot",
	[K_INIT_DEATH]		= "init death",
	[K_FORK_INTO_DYING]	= "fork into dying ns",
	[K_FORK_ENOMEM]		= "fork ENOMEM (dead ns)",
	[K_AUTOREAP]		= "autoreap child",
	[K_AUTOKILL]		= "autokill pidfd closed",
	[K_AUTOKILL_SHARED]	= "autokill pidfd shared",
	[K_ORPHAN]		= "orphan at spine level",
	[K_ORPHAN_NS]		= "orphan in throwaway ns",
	[K_REAP_SET]		= "REAP_ORPHANS set",
	[K_REAP_EPERM]		= "REAP_ORPHANS EPERM",
	[K_ORPHAN_FINAL]	= "final orphan",
};

/*
 * A child of a worker that is known alive: seq is odd from after the fork
 * until just before the worker kills or releases it, so a reader that
 * sees the same odd seq before and after a readdir knows the task was
 * there (alive or a zombie, but not reaped) during the whole readdir.
 */
struct slot {
	unsigned int seq;
	int level;
	int nspid[NR_LEVELS];
};

struct stress_shared {
	int stop;
	int violations;
	long ops_started;
	long ops_limit;
	long long deadline_ns;
	int pid_max_saved;
	int pid_max_busy;
	unsigned int pid_max_gen;	/* odd while pid_max is lowered */
	ino_t spine_ino[NR_LEVELS];
	int spine_nspid[NR_LEVELS][NR_LEVELS];
	long count[NR_KINDS];
	struct slot slot[NR_SLOTS];
	/* what the kernel has: the new operations need it */
	bool autoreap, autokill, nnp, reap_orphans;
	/* per spine level: the final sweep's orphan, its number there */
	int final_orphan[NR_LEVELS];
};

static long opt_seconds = DEFAULT_SECONDS;
static long opt_ops;

static struct stress_shared *sh;
static int spine_depth;
/* Per level of the spine: a proc of that level, its nsfs fd, its init. */
static int proc_fd[NR_LEVELS];
static int ns_fd[NR_LEVELS];
static int init_pidfd[NR_LEVELS];
static uint64_t rng;

/* ---- bookkeeping ------------------------------------------------------ */

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Every new process reseeds, so that siblings do not repeat each other. */
static void reseed(void)
{
	rng ^= (uint64_t)now_ns() * 0x9e3779b97f4a7c15ULL + sys_getpid();
	rng |= 1;
}

static unsigned int rnd(unsigned int n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (unsigned int)(rng >> 11) % n : 0;
}

static void count(enum op_kind k)
{
	__atomic_add_fetch(&sh->count[k], 1, __ATOMIC_RELAXED);
}

static bool stopping(void)
{
	return __atomic_load_n(&sh->stop, __ATOMIC_RELAXED) ||
	       now_ns() >= sh->deadline_ns;
}

/* One more operation, unless the time or the operation budget is spent. */
static bool reserve_op(void)
{
	if (stopping())
		return false;
	if (__atomic_add_fetch(&sh->ops_started, 1, __ATOMIC_RELAXED) >
	    sh->ops_limit) {
		__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
		return false;
	}
	count(K_OPS);
	return true;
}

/*
 * Print a broken invariant (one write, so that lines of concurrent
 * processes do not mix) and count it; after MAX_VIOLATIONS stop early.
 */
static __printf(1, 2) void violation(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int len;

	len = snprintf(buf, sizeof(buf), "# VIOLATION (pid %d): ", sys_getpid());
	va_start(ap, fmt);
	len += vsnprintf(buf + len, sizeof(buf) - len - 1, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(buf) - 2)
		len = sizeof(buf) - 2;
	buf[len++] = '\n';
	pidns_write_all(STDERR_FILENO, buf, len);
	if (__atomic_add_fetch(&sh->violations, 1, __ATOMIC_SEQ_CST) >=
	    MAX_VIOLATIONS)
		__atomic_store_n(&sh->stop, 1, __ATOMIC_RELAXED);
}

/* ---- reading proc ------------------------------------------------------ */

/* NSpid of number @nr as the proc instance @procfd sees it. */
static int status_nspid(int procfd, int nr, long *vals)
{
	char path[32];

	snprintf(path, sizeof(path), "%d/status", nr);
	count(K_STATUS);
	return pidns_file_field(procfd, path, "NSpid", vals, NR_LEVELS);
}

/*
 * NSpid of a pidfd's struct pid, relative to the proc instance @procfd,
 * which must be one of the caller's own levels (it reads "self").
 * vals[0] is -1 once the task is reaped.
 */
static int pidfd_nspid(int procfd, int pidfd, long *vals)
{
	char path[48];

	snprintf(path, sizeof(path), "self/fdinfo/%d", pidfd);
	return pidns_file_field(procfd, path, "NSpid", vals, NR_LEVELS);
}

static bool pidfd_attached(int procfd, int pidfd)
{
	long v[NR_LEVELS];

	return pidfd_nspid(procfd, pidfd, v) >= 1 && v[0] > 0;
}

static bool gone(int err)
{
	return err == ENOENT || err == ESRCH;
}

/*
 * A status read of a task that is being reaped can show 0 for numbers
 * (the task is unhashed after proc found it); that is not a wrong number.
 */
static bool wrong_nr(long got, long want)
{
	return got != want && got != 0;
}

/*
 * The numeric entries of a proc instance, which must come in strictly
 * ascending order (proc resumes each getdents() after the last number it
 * returned, so even a racing exit and reuse cannot repeat or reorder one).
 */
static int read_entries(int procfd, int level, int *out, int max)
{
	struct dirent *de;
	int n = 0, fd;
	DIR *dir;

	fd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		violation("cannot open the proc of level %d: %s", level,
			  strerror(errno));
		return -1;
	}
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -1;
	}
	while ((de = readdir(dir))) {
		char *end;
		long v = strtol(de->d_name, &end, 10);

		if (*end || end == de->d_name)
			continue;
		if (n && v <= out[n - 1]) {
			violation("readdir of level %d: %ld after %d", level,
				  v, out[n - 1]);
			continue;
		}
		if (n < max)
			out[n++] = v;
	}
	closedir(dir);
	count(K_READDIR);
	return n;
}

static bool listed(const int *ent, int n, int nr)
{
	int lo = 0, hi = n - 1;

	while (lo <= hi) {
		int mid = (lo + hi) / 2;

		if (ent[mid] == nr)
			return true;
		if (ent[mid] < nr)
			lo = mid + 1;
		else
			hi = mid - 1;
	}
	return false;
}

/*
 * The pid_max numbers are chosen under.  Never above the one the run
 * started with: since 6.14 each namespace has its own, and a child's may
 * read higher than what its ancestors accept.
 */
static int cur_pid_max(void)
{
	int v = pidns_read_int(PID_MAX);

	return v > 2 && v < sh->pid_max_saved ? v : sh->pid_max_saved;
}

static unsigned int pid_max_gen(void)
{
	return __atomic_load_n(&sh->pid_max_gen, __ATOMIC_ACQUIRE);
}

/*
 * Was pid_max perhaps at or below @nr at some moment since pid_max_gen()
 * returned @gen?  Then EINVAL for @nr (set_tid, ns_last_pid) is no error.
 */
static bool pid_max_maybe_below(unsigned int gen, long nr)
{
	return nr >= PID_MAX_LOW && ((gen & 1) || pid_max_gen() != gen);
}

/* ---- moving between levels -------------------------------------------- */

/* Make the caller's next children members of spine level @level. */
static void enter_level(int level)
{
	bool by_pidfd = rnd(2);
	int fd = by_pidfd ? init_pidfd[level] : ns_fd[level];

	if (setns(fd, CLONE_NEWPID))
		violation("setns(%s of level %d): %s",
			  by_pidfd ? "pidfd" : "nsfs fd", level, strerror(errno));
	count(by_pidfd ? K_SETNS_PIDFD : K_SETNS_NSFD);
}

static void drop_pool(void);

static pid_t stress_fork(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		reseed();
		drop_pool();
	} else if (pid > 0) {
		count(K_FORK);
	} else if (errno == EAGAIN) {
		count(K_FORK_EAGAIN);
	}
	return pid;
}

/*
 * Reap @pid with one of waitid()'s forms (P_ALL only when @only_child says
 * no other child of the caller can have ended); its siginfo, or si_pid 0.
 */
static siginfo_t reap(pid_t pid, int pidfd, bool only_child)
{
	siginfo_t si;
	int ret, how;

	do
		how = rnd(4);
	while ((how == 1 && !only_child) || (how == 3 && pidfd < 0));

	do {
		memset(&si, 0, sizeof(si));
		switch (how) {
		case 0:
			ret = sys_waitid(P_PID, pid, &si, WEXITED, NULL);
			break;
		case 1:
			ret = sys_waitid(P_ALL, 0, &si, WEXITED, NULL);
			break;
		case 2:
			ret = sys_waitid(P_PID, pid, &si, WEXITED | WNOHANG, NULL);
			if (!ret && !si.si_pid) {
				sched_yield();
				ret = -1;
				errno = EINTR;
			}
			break;
		default:
			ret = sys_waitid(P_PIDFD, pidfd, &si, WEXITED, NULL);
			break;
		}
	} while (ret < 0 && errno == EINTR);
	count(K_WAITID);
	if (ret < 0) {
		violation("waitid(%d) of child %d: %s", how, pid,
			  strerror(errno));
		si.si_pid = 0;
	} else if (si.si_pid != pid) {
		violation("waitid(%d) of child %d returned si_pid %d", how,
			  pid, si.si_pid);
	}
	return si;
}

/* Reap a child that must have exited with status 0. */
static void reap_ok(pid_t pid, const char *what, bool only_child)
{
	siginfo_t si = reap(pid, -1, only_child);

	if (si.si_pid == pid && (si.si_code != CLD_EXITED || si.si_status))
		violation("%s %d ended with code %d status %d", what, pid,
			  si.si_code, si.si_status);
}

/* ---- the spine ---------------------------------------------------------- */

/* What a spine init tells the stress, with its three fds. */
struct spine_msg {
	int level;
	int err;	/* why it has no spine child: ENOSPC at the last level */
};

static int send_spine_msg(int sock, struct spine_msg *m, const int fds[3])
{
	char cbuf[CMSG_SPACE(3 * sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(3 * sizeof(int));
	memcpy(CMSG_DATA(cmsg), fds, 3 * sizeof(int));
	return sendmsg(sock, &msg, 0) == sizeof(*m) ? 0 : -1;
}

static int recv_spine_msg(int sock, struct spine_msg *m, int fds[3])
{
	char cbuf[CMSG_SPACE(3 * sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != sizeof(*m))
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS ||
	    cmsg->cmsg_len != CMSG_LEN(3 * sizeof(int)))
		return -1;
	memcpy(fds, CMSG_DATA(cmsg), 3 * sizeof(int));
	return 0;
}

/*
 * The init of spine level @level: make the next level, until the kernel
 * refuses one more (ENOSPC), hand over a proc of this level, its nsfs fd
 * and a pidfd of itself, then reap orphans.
 */
static __noreturn void spine_init(int level, int sock)
{
	struct spine_msg m = { .level = level };
	int fds[3];
	pid_t pid = -1;

	fds[0] = pidns_proc_open();
	fds[1] = fds[0] < 0 ? -1 :
		 openat(fds[0], "self/ns/pid", O_RDONLY | O_CLOEXEC);
	fds[2] = sys_pidfd_open(1, 0);
	if (fds[1] < 0 || fds[2] < 0 || sys_getpid() != 1)
		_exit(1);
	errno = ENOSPC;
	if (level < SPINE_DEPTH)
		pid = pidns_fork();
	if (pid == 0)
		spine_init(level + 1, sock);
	if (pid < 0)
		m.err = errno;
	if (send_spine_msg(sock, &m, fds))
		_exit(1);
	close(sock);
	close(fds[0]);
	close(fds[1]);
	close(fds[2]);
	/*
	 * Orphans of setns() children and of nested inits come here.  The
	 * deepest init has no child of its own, so it polls for them; the
	 * whole spine dies with level 1 (SIGKILL from the stress) anyway.
	 * A zombie is looked at before it is reaped: the orphan of the
	 * final sweep must never be one (see final_orphans()).  Wait holds
	 * tasklist_lock: an orphan released at its exit is never seen here
	 * half-way, as a zombie.
	 */
	for (;;) {
		siginfo_t si;

		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOWAIT | __WALL)) {
			if (errno == ECHILD)
				poll(NULL, 0, 100);
			continue;
		}
		if (si.si_pid == __atomic_load_n(&sh->final_orphan[level],
						 __ATOMIC_ACQUIRE))
			violation("level %d: final orphan %d is a zombie of the init",
				  level, si.si_pid);
		waitpid(si.si_pid, NULL, __WALL);
	}
}

/*
 * Build the spine and set spine_depth.  Returns level 1's init (-1 if
 * not even that could be made); a broken spine is a violation.
 */
static pid_t build_spine(void)
{
	int sock[2], k, j, got = 0, fds[3];
	struct spine_msg m;
	long v[NR_LEVELS];
	pid_t first;

	proc_fd[0] = pidns_proc_open();
	ns_fd[0] = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	init_pidfd[0] = sys_pidfd_open(getpid(), 0);
	if (proc_fd[0] < 0 || ns_fd[0] < 0 || init_pidfd[0] < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock))
		return -1;
	first = pidns_fork();
	if (first == 0) {
		close(sock[0]);
		spine_init(1, sock[1]);
	}
	close(sock[1]);
	if (first < 0)
		return -1;
	/* The levels report in any order; the last one says it is last. */
	spine_depth = 0;
	while (!spine_depth || got < spine_depth) {
		if (recv_spine_msg(sock[0], &m, fds) || m.level < 1 ||
		    m.level > SPINE_DEPTH) {
			violation("the spine broke after %d levels", got);
			spine_depth = 0;
			return first;
		}
		proc_fd[m.level] = fds[0];
		ns_fd[m.level] = fds[1];
		init_pidfd[m.level] = fds[2];
		got++;
		if (m.err && m.err != ENOSPC)
			violation("spine level %d cannot make level %d: %s",
				  m.level, m.level + 1, strerror(m.err));
		if (m.err)
			spine_depth = m.level;
	}
	close(sock[0]);
	for (k = 0; k <= spine_depth; k++) {
		sh->spine_ino[k] = pidns_fd_ino(ns_fd[k]);
		if (pidfd_nspid(proc_fd[0], init_pidfd[k], v) != k + 1 ||
		    (k && v[k] != 1)) {
			violation("spine init of level %d has a wrong NSpid", k);
			continue;
		}
		for (j = 0; j <= k; j++)
			sh->spine_nspid[k][j] = v[j];
	}
	return first;
}

/* ---- a worker's pool of live children -------------------------------- */

struct pool_child {
	pid_t pid;		/* number at level 0 (the worker's) */
	int pidfd;
	int release;		/* write end of the pipe the child waits on */
	int level;
	struct slot *slot;
};

static struct pool_child pool[POOL_SIZE];
static int worker_id;

/*
 * A new process must not keep the release pipes of its worker's pool
 * children open, or closing one would not end its child.
 */
static void drop_pool(void)
{
	int i;

	for (i = 0; i < POOL_SIZE; i++) {
		if (pool[i].pid) {
			close(pool[i].release);
			if (pool[i].pidfd >= 0)
				close(pool[i].pidfd);
		}
	}
	memset(pool, 0, sizeof(pool));
}

/*
 * A task found by a lookup of @nr at spine level @level, pinned by
 * @pidfd (obtained from level 0): check that proc of every level where
 * it is visible maps its number there to it.  @chain is its NSpid from
 * level 0, @depth its level.
 */
static void check_chain(int pidfd, int nr, const long *chain, int depth,
			int top)
{
	long got[NR_LEVELS];
	int j, n, err, i;

	for (i = 0; i < 3; i++) {
		j = i == 0 ? top : (int)rnd(top + 1);
		n = status_nspid(proc_fd[j], chain[j], got);
		err = errno;
		if (n >= 1 && wrong_nr(got[0], chain[j])) {
			/* Whatever task this is, its number must be chain[j]. */
			violation("proc of level %d: %ld/status has NSpid %ld",
				  j, chain[j], got[0]);
			continue;
		}
		if (!pidfd_attached(proc_fd[0], pidfd))
			return;
		/* The task held all its numbers during the read. */
		if (n < 0) {
			violation("live task %d not found by level %d as %ld: %s",
				  nr, j, chain[j], strerror(err));
			continue;
		}
		if (n != depth - j + 1 ||
		    memcmp(got, chain + j, n * sizeof(long)))
			violation("task %d: NSpid by level %d: %d from %ld, not %d from %ld",
				  (int)chain[0], j, n, got[0], depth - j + 1,
				  chain[j]);
	}
}

/* The deepest spine level among the ancestors of the task's namespace. */
static int spine_ancestry(int nr0, int depth)
{
	char path[32];
	ino_t ino;
	int fd, pfd, d = depth;

	snprintf(path, sizeof(path), "%d/ns/pid", nr0);
	fd = openat(proc_fd[0], path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while (d >= 0) {
		ino = pidns_fd_ino(fd);
		if (d <= spine_depth && ino == sh->spine_ino[d])
			break;
		pfd = ioctl(fd, NS_GET_PARENT);
		close(fd);
		if (pfd < 0)
			return -1;
		fd = pfd;
		d--;
	}
	close(fd);
	return d;
}

/* pidfd_open() a number at level 0 and check everything it leads to. */
static void op_lookup(void)
{
	static int ent[MAX_ENTRIES];
	long chain[NR_LEVELS];
	int n, nr, pidfd, depth, top;

	n = read_entries(proc_fd[0], 0, ent, MAX_ENTRIES);
	if (n <= 0)
		return;
	nr = rnd(4) ? ent[rnd(n)] : 1 + (int)rnd(cur_pid_max() - 1);
	count(K_KILL);
	if (kill(nr, 0) && errno != ESRCH)
		violation("kill(%d, 0) at level 0: %s", nr, strerror(errno));
	pidfd = sys_pidfd_open(nr, 0);
	count(K_PIDFD_OPEN);
	if (pidfd < 0) {
		/*
		 * EINVAL: found, but its task is already unhashed; ENOENT:
		 * a thread that does not lead its group.
		 */
		if (errno != ESRCH && errno != EINVAL && errno != ENOENT)
			violation("pidfd_open(%d) at level 0: %s", nr,
				  strerror(errno));
		return;
	}
	depth = pidfd_nspid(proc_fd[0], pidfd, chain) - 1;
	if (depth < 0 || chain[0] < 0)
		goto out;
	if (chain[0] != nr) {
		violation("pidfd_open(%d) at level 0 pinned a pid numbered %ld there",
			  nr, chain[0]);
		goto out;
	}
	top = spine_ancestry(nr, depth);
	if (top >= 0)
		check_chain(pidfd, nr, chain, depth, top);
out:
	close(pidfd);
}

/* A pool child only waits for its worker to release or kill it. */
static void op_spawn(void)
{
	long chain[NR_LEVELS], got[NR_LEVELS];
	struct pool_child *c = NULL;
	int i, rel[2], level, n;
	pid_t pid;

	for (i = 0; i < POOL_SIZE; i++)
		if (!pool[i].pid)
			c = &pool[i];
	if (!c || pidns_pipe(rel))
		return;
	level = rnd(spine_depth + 1);
	enter_level(level);
	pid = stress_fork();
	if (pid == 0) {
		char b = 0;

		close(rel[1]);
		pidns_read_all(rel[0], &b, 1);
		_exit(b);
	}
	close(rel[0]);
	if (pid < 0) {
		if (errno != EAGAIN)
			violation("fork into level %d: %s", level,
				  strerror(errno));
		close(rel[1]);
		return;
	}
	c->pid = pid;
	c->release = rel[1];
	c->level = level;
	c->pidfd = sys_pidfd_open(pid, 0);
	c->slot = &sh->slot[worker_id * POOL_SIZE + (c - pool)];

	/* Not reaped yet, so every number of it must be found. */
	n = status_nspid(proc_fd[0], pid, chain);
	if (n != level + 1 || chain[0] != pid) {
		violation("child %d forked into level %d: NSpid has %d entries, first %ld (%s)",
			  pid, level, n, n > 0 ? chain[0] : 0,
			  n < 0 ? strerror(errno) : "");
		return;
	}
	if (pidns_ns_ino_at(proc_fd[0], pid, "pid") != sh->spine_ino[level])
		violation("child %d forked into level %d is in another namespace",
			  pid, level);
	n = status_nspid(proc_fd[level], chain[level], got);
	if (n != 1 || got[0] != chain[level])
		violation("child %d: proc of level %d finds %ld as %d entries, first %ld (%s)",
			  pid, level, chain[level], n, n > 0 ? got[0] : 0,
			  n < 0 ? strerror(errno) : "");
	c->slot->level = level;
	for (i = 0; i <= level; i++)
		c->slot->nspid[i] = chain[i];
	__atomic_add_fetch(&c->slot->seq, 1, __ATOMIC_RELEASE);
}

static void op_retire(struct pool_child *c)
{
	int how = rnd(4), want_code = CLD_EXITED, want_status = 0;
	siginfo_t si;
	char b;

	if (!c->pid)
		return;
	if (c->slot && (__atomic_load_n(&c->slot->seq, __ATOMIC_RELAXED) & 1))
		__atomic_add_fetch(&c->slot->seq, 1, __ATOMIC_RELEASE);
	switch (how) {
	case 0:
		b = 1 + rnd(100);
		want_status = b;
		pidns_write_all(c->release, &b, 1);
		count(K_EXIT);
		break;
	case 1:
		count(K_EXIT);
		break;
	case 2:
		count(K_KILL);
		if (kill(c->pid, SIGKILL))
			violation("kill(%d, SIGKILL) of a child: %s", c->pid,
				  strerror(errno));
		want_code = CLD_KILLED;
		want_status = SIGKILL;
		break;
	default:
		count(K_KILL);
		if (c->pidfd < 0 ||
		    sys_pidfd_send_signal(c->pidfd, SIGKILL, NULL, 0))
			violation("pidfd_send_signal to child %d: %s", c->pid,
				  strerror(errno));
		want_code = CLD_KILLED;
		want_status = SIGKILL;
		break;
	}
	close(c->release);
	si = reap(c->pid, c->pidfd, true);
	if (si.si_pid == c->pid &&
	    (si.si_code != want_code || si.si_status != want_status))
		violation("child %d at level %d: code %d status %d, want %d %d",
			  c->pid, c->level, si.si_code, si.si_status,
			  want_code, want_status);
	if (c->pidfd >= 0)
		close(c->pidfd);
	memset(c, 0, sizeof(*c));
}

/*
 * Readdir of one level's proc against what is known alive there: every
 * pool child of every worker (by its seq) and the spine inits.
 */
static void op_readdir(void)
{
	static int ent[MAX_ENTRIES];
	struct {
		unsigned int seq;
		int nr;
		int nr0;
		int idx;
	} snap[NR_SLOTS + NR_LEVELS];
	int level = rnd(spine_depth + 1), ns = 0, n, i;
	long got[NR_LEVELS];

	for (i = 0; i < NR_SLOTS; i++) {
		struct slot *s = &sh->slot[i];
		unsigned int seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

		if (!(seq & 1) || s->level < level)
			continue;
		snap[ns].nr = s->nspid[level];
		snap[ns].nr0 = s->nspid[0];
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) != seq)
			continue;
		snap[ns].seq = seq;
		snap[ns++].idx = i;
	}
	for (i = level; i <= spine_depth; i++) {
		snap[ns].nr = sh->spine_nspid[i][level];
		snap[ns].nr0 = sh->spine_nspid[i][0];
		snap[ns++].idx = -1;
	}
	n = read_entries(proc_fd[level], level, ent, MAX_ENTRIES);
	if (n < 0)
		return;
	for (i = 0; i < ns; i++) {
		if (snap[i].idx >= 0 &&
		    __atomic_load_n(&sh->slot[snap[i].idx].seq,
				    __ATOMIC_ACQUIRE) != snap[i].seq)
			continue;
		if (!listed(ent, n, snap[i].nr))
			violation("readdir of level %d misses %d (level-0 %d, %s)",
				  level, snap[i].nr, snap[i].nr0,
				  snap[i].idx < 0 ? "spine init" : "live child");
	}
	/* Whatever a listed number leads to must carry that number. */
	for (i = 0; i < 4 && n; i++) {
		int nr = ent[rnd(n)];
		int k = status_nspid(proc_fd[level], nr, got);

		if (k >= 1 && wrong_nr(got[0], nr))
			violation("proc of level %d: %d/status has NSpid %ld",
				  level, nr, got[0]);
		else if (k < 0 && !gone(errno))
			violation("proc of level %d: %d/status: %s", level, nr,
				  strerror(errno));
	}
}

/* ---- uniqueness -------------------------------------------------------- */

struct utask {
	int pidfd;
	int nr;
	int depth;
	long nspid[NR_LEVELS];
	ino_t ino[NR_LEVELS];
};

struct unum {
	ino_t ino;
	long nr;
	int task;
};

static int unum_cmp(const void *a, const void *b)
{
	const struct unum *x = a, *y = b;

	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	if (x->nr != y->nr)
		return x->nr < y->nr ? -1 : 1;
	return x->task - y->task;
}

/* The inodes of @fd's namespace and its ancestors, deepest first. */
static int ns_chain(int fd, ino_t *ino, int max)
{
	int n = 0, pfd;

	fd = dup(fd);
	while (fd >= 0 && n < max) {
		ino[n++] = pidns_fd_ino(fd);
		pfd = ioctl(fd, NS_GET_PARENT);
		close(fd);
		fd = pfd;
	}
	if (fd >= 0)
		close(fd);
	return n;
}

/*
 * Take every task of level 0 (pinned by a pidfd), its NSpid and the
 * namespaces of every level of it; keep those still alive at the end,
 * when all of them were alive at once, and look for a number that two
 * of them hold in the same namespace.
 */
static void op_unique(void)
{
	static int ent[MAX_ENTRIES];
	static struct utask t[MAX_ENTRIES];
	static struct unum num[MAX_ENTRIES * 8];
	int n, nt = 0, nn = 0, i, j;
	long fin[NR_LEVELS];

	n = read_entries(proc_fd[0], 0, ent, MAX_ENTRIES);
	for (i = 0; i < n; i++) {
		struct utask *u = &t[nt];
		ino_t ino[NR_LEVELS + 1];
		char path[32];
		int k, fd;

		u->pidfd = sys_pidfd_open(ent[i], 0);
		if (u->pidfd < 0)
			continue;
		u->nr = ent[i];
		k = status_nspid(proc_fd[0], ent[i], u->nspid);
		snprintf(path, sizeof(path), "%d/ns/pid", ent[i]);
		fd = openat(proc_fd[0], path, O_RDONLY | O_CLOEXEC);
		if (k < 1 || fd < 0) {
			if (fd >= 0)
				close(fd);
			close(u->pidfd);
			continue;
		}
		u->depth = ns_chain(fd, ino, NR_LEVELS + 1) - 1;
		close(fd);
		if (u->depth != k - 1) {
			if (pidfd_attached(proc_fd[0], u->pidfd))
				violation("task %d has %d NSpid entries in a namespace of level %d",
					  ent[i], k, u->depth);
			close(u->pidfd);
			continue;
		}
		for (j = 0; j <= u->depth; j++)
			u->ino[j] = ino[u->depth - j];
		nt++;
	}
	for (i = 0; i < nt; i++) {
		struct utask *u = &t[i];
		int k = pidfd_nspid(proc_fd[0], u->pidfd, fin);

		close(u->pidfd);
		if (k < 1 || fin[0] < 0)
			continue;
		if (k != u->depth + 1 ||
		    memcmp(fin, u->nspid, k * sizeof(long))) {
			violation("task %d: NSpid of its pidfd differs from its status",
				  u->nr);
			continue;
		}
		for (j = 0; j <= u->depth && nn < MAX_ENTRIES * 8; j++) {
			num[nn].ino = u->ino[j];
			num[nn].nr = u->nspid[j];
			num[nn++].task = i;
		}
	}
	qsort(num, nn, sizeof(num[0]), unum_cmp);
	for (i = 1; i < nn; i++) {
		if (num[i].ino == num[i - 1].ino && num[i].nr == num[i - 1].nr)
			violation("tasks %d and %d both hold number %ld in namespace %lu",
				  t[num[i - 1].task].nr, t[num[i].task].nr,
				  num[i].nr, (unsigned long)num[i].ino);
	}
	count(K_UNIQUE_SCAN);
}

/* ---- inside one level -------------------------------------------------- */

/* Checks that must hold for a reboot() to be allowed at all. */
static bool in_throwaway_ns(void)
{
	long v[NR_LEVELS];
	ino_t ino = pidns_ns_ino_at(proc_fd[0], 0, "pid");
	int k;

	if (!ino)
		return false;
	for (k = 0; k <= spine_depth; k++)
		if (ino == sh->spine_ino[k])
			return false;
	return pidns_status_field(proc_fd[0], 0, "NSpid", v, NR_LEVELS) >= 2;
}

static __noreturn void safe_reboot(void)
{
	if (!in_throwaway_ns()) {
		violation("refusing reboot(): not in a throwaway namespace");
		_exit(3);
	}
	count(K_REBOOT);
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2,
		LINUX_REBOOT_CMD_RESTART, NULL);
	violation("reboot(RESTART) in a child namespace returned: %s",
		  strerror(errno));
	_exit(3);
}

/* Lookups of numbers by the caller, a member of spine level @level. */
static void inner_lookups(int level)
{
	static int ent[MAX_ENTRIES];
	long a[NR_LEVELS], b[NR_LEVELS], c[NR_LEVELS];
	int n, i, pidfd, na, nb, nc, nr;
	int pid_max = cur_pid_max();

	n = read_entries(proc_fd[level], level, ent, MAX_ENTRIES);
	for (i = 0; i < 6 && n > 0; i++) {
		nr = rnd(3) ? ent[rnd(n)] : 1 + (int)rnd(pid_max - 1);
		count(K_KILL);
		if (kill(nr, 0) && errno != ESRCH)
			violation("kill(%d, 0) at level %d: %s", nr, level,
				  strerror(errno));
		pidfd = sys_pidfd_open(nr, 0);
		count(K_PIDFD_OPEN);
		if (pidfd < 0) {
			if (errno != ESRCH && errno != EINVAL &&
			    errno != ENOENT)
				violation("pidfd_open(%d) at level %d: %s", nr,
					  level, strerror(errno));
			continue;
		}
		na = pidfd_nspid(proc_fd[level], pidfd, a);
		if (na >= 1 && a[0] != nr && a[0] != -1)
			violation("pidfd_open(%d) at level %d pinned a pid numbered %ld there",
				  nr, level, a[0]);
		nb = status_nspid(proc_fd[level], nr, b);
		if (nb >= 1 && wrong_nr(b[0], nr))
			violation("proc of level %d: %d/status has NSpid %ld",
				  level, nr, b[0]);
		nc = pidfd_nspid(proc_fd[level], pidfd, c);
		if (na >= 1 && a[0] == nr && nc >= 1 && c[0] == nr &&
		    (nb != na || memcmp(a, b, na * sizeof(long))))
			violation("task %d of level %d: NSpid %d entries, pidfd %d",
				  nr, level, nb, na);
		close(pidfd);
	}
}

/* Fork a short-lived member and check what waitid() says of it. */
static void inner_waitid(int level)
{
	int code = 1 + rnd(100), pidfd = -1;
	siginfo_t si;
	pid_t pid;

	pid = stress_fork();
	if (pid == 0) {
		/* Its own number, seen by getpid() and by its level's proc. */
		if (pidns_self_in_proc(proc_fd[level]) != sys_getpid()) {
			violation("member of level %d: getpid() %d, proc self %d",
				  level, sys_getpid(),
				  pidns_self_in_proc(proc_fd[level]));
			_exit(0);
		}
		_exit(code);
	}
	if (pid < 0) {
		if (errno != EAGAIN)
			violation("fork at level %d: %s", level, strerror(errno));
		return;
	}
	if (rnd(2))
		pidfd = sys_pidfd_open(pid, 0);
	si = reap(pid, pidfd, true);
	if (si.si_pid == pid && (si.si_code != CLD_EXITED ||
				 si.si_status != code))
		violation("member %d of level %d: code %d status %d, want exit %d",
			  pid, level, si.si_code, si.si_status, code);
	if (pidfd >= 0)
		close(pidfd);
	count(K_EXIT);
}

/*
 * clone3() with numbers chosen at the caller's level and up to three
 * levels above; the child must hold exactly those.
 */
static void inner_set_tid(int level)
{
	struct pidns_clone_args args = { .exit_signal = SIGCHLD };
	int size = 1 + rnd(level < 3 ? level + 1 : 4), i, n;
	int pid_max = cur_pid_max(), top;
	pid_t tid[4], pid;
	unsigned int gen;
	long got[NR_LEVELS];

	for (i = 0, top = 0; i < size; i++) {
		tid[i] = 2 + rnd(pid_max - 2);
		top = tid[i] > top ? tid[i] : top;
	}
	args.set_tid = ptr_to_u64(tid);
	args.set_tid_size = size;
	count(K_CLONE3_SET_TID);
	gen = pid_max_gen();
	pid = sys_clone3(&args, sizeof(args));
	if (pid == 0)
		_exit(sys_getpid() == tid[0] ? 0 : 1);
	if (pid < 0) {
		if (errno == EEXIST)
			count(K_SET_TID_EEXIST);
		else if (errno != EAGAIN &&
			 (errno != EINVAL || !pid_max_maybe_below(gen, top)))
			violation("clone3 set_tid at level %d (largest %d): %s",
				  level, top, strerror(errno));
		return;
	}
	if (pid != tid[0])
		violation("clone3 set_tid %d at level %d returned %d", tid[0],
			  level, pid);
	for (i = 1; i < size; i++) {
		n = status_nspid(proc_fd[level - i], tid[i], got);
		if (n != i + 1 || got[0] != tid[i] || got[i] != tid[0])
			violation("set_tid child %d: level %d: %d has %d, first %ld",
				  pid, level - i, tid[i], n, n > 0 ? got[0] : 0);
	}
	reap_ok(pid, "clone3 set_tid child", true);
}

/*
 * The last thing a member of @level does: make a namespace below it with
 * unshare() and fork its init, sometimes after a first fork that fails
 * (set_tid taken one level up), and check the namespace refuses forks
 * once its init is reaped.
 */
static void inner_unshare(int level)
{
	int how = rnd(4);
	siginfo_t si;
	pid_t init;

	if (level == spine_depth) {
		/* clone3() is refused a 33rd level like unshare() below. */
		init = pidns_clone3(CLONE_NEWPID, NULL);
		if (init == 0)
			_exit(0);
		if (init > 0) {
			violation("clone3(CLONE_NEWPID) at level %d worked", level);
			reap(init, -1, true);
		} else if (errno != ENOSPC) {
			violation("clone3(CLONE_NEWPID) at level %d: %s, want ENOSPC",
				  level, strerror(errno));
		} else {
			count(K_LEVEL_LIMIT);
		}
	}
	count(K_UNSHARE);
	if (unshare(CLONE_NEWPID)) {
		if (level == spine_depth && errno == ENOSPC) {
			count(K_LEVEL_LIMIT);
			return;
		}
		violation("unshare(CLONE_NEWPID) at level %d: %s", level,
			  strerror(errno));
		return;
	}
	if (level == spine_depth) {
		violation("unshare(CLONE_NEWPID) at level %d worked", level);
		return;
	}
	if (rnd(2)) {
		/* Our own number one level up is surely taken. */
		pid_t tid[2] = { 1, sys_getpid() };
		struct pidns_clone_args args = {
			.exit_signal = SIGCHLD,
			.set_tid = ptr_to_u64(tid),
			.set_tid_size = 2,
		};

		unsigned int gen = pid_max_gen();

		count(K_CLONE3_SET_TID);
		init = sys_clone3(&args, sizeof(args));
		if (init == 0)
			_exit(1);
		if (init > 0 || errno != EEXIST) {
			/*
			 * EINVAL when pid_max went below tid[1] meanwhile:
			 * refused before a number was taken, still fresh.
			 */
			if (init < 0 && errno == EINVAL &&
			    pid_max_maybe_below(gen, tid[1]))
				goto fork_init;
			violation("clone3 set_tid {1, %d} at level %d: %d (%s)",
				  tid[1], level, init, strerror(errno));
			if (init > 0)
				reap(init, -1, true);
			return;
		}
		count(K_SET_TID_EEXIST);
		count(K_FAILED_FIRST_FORK);
	}
fork_init:
	init = stress_fork();
	if (init == 0) {
		pid_t m;

		if (sys_getpid() != 1 || sys_getppid() != 0) {
			violation("first child of unshare() at level %d: pid %d ppid %d",
				  level, sys_getpid(), sys_getppid());
			_exit(0);
		}
		m = stress_fork();
		if (m == 0) {
			if (how == 3)
				safe_reboot();
			pause();
			_exit(0);
		}
		if (m < 0) {
			/* Nothing would end a reboot-by-member init. */
			if (errno != EAGAIN)
				violation("fork by a new init: %s",
					  strerror(errno));
			_exit(0);
		}
		if (m != 2)
			violation("second task of a new namespace is %d", m);
		if (how == 2)
			safe_reboot();
		if (how == 3)
			pause();
		/* how 1 leaves the member for the namespace's death. */
		if (how == 0) {
			kill(m, SIGKILL);
			waitpid(m, NULL, 0);
		}
		_exit(0);
	}
	if (init < 0) {
		if (errno != EAGAIN)
			violation("fork of an init at level %d: %s", level + 1,
				  strerror(errno));
		return;
	}
	si = reap(init, -1, true);
	if (si.si_pid == init &&
	    (how >= 2 ? si.si_code != CLD_KILLED || si.si_status != SIGHUP
		      : si.si_code != CLD_EXITED || si.si_status))
		violation("init of a namespace at level %d (way %d): code %d status %d",
			  level + 1, how, si.si_code, si.si_status);
	count(K_INIT_DEATH);
	/* Its namespace is now dead: no more forks into it. */
	init = fork();
	if (init == 0)
		_exit(0);
	if (init > 0) {
		violation("fork into a namespace whose init was reaped worked");
		reap(init, -1, true);
	} else if (errno == ENOMEM) {
		count(K_FORK_ENOMEM);
	} else {
		violation("fork into a dead namespace: %s, want ENOMEM",
			  strerror(errno));
	}
}

/* A member of spine level @level that does a batch of inside work. */
static void op_inner(void)
{
	int level = rnd(spine_depth + 1);
	pid_t pid;

	enter_level(level);
	pid = stress_fork();
	if (pid == 0) {
		int pid_max = cur_pid_max();

		inner_lookups(level);
		/* ns_last_pid is only there with CONFIG_CHECKPOINT_RESTORE. */
		if (rnd(3) == 0 && !access(NS_LAST_PID, W_OK)) {
			unsigned int gen = pid_max_gen();
			int last = 1 + rnd(pid_max - 2);

			count(K_NS_LAST_PID);
			if (pidns_write_int(NS_LAST_PID, last) &&
			    (errno != EINVAL || !pid_max_maybe_below(gen, last)))
				violation("write ns_last_pid %d at level %d: %s",
					  last, level, strerror(errno));
		}
		inner_waitid(level);
		inner_set_tid(level);
		if (rnd(2))
			inner_unshare(level);
		_exit(0);
	}
	if (pid < 0) {
		if (errno != EAGAIN)
			violation("fork into level %d: %s", level,
				  strerror(errno));
		return;
	}
	reap_ok(pid, "member", true);
}

/*
 * clone3() from level 0 into a spine level, with a number at each level
 * (set_tid takes at most 32: at level 32 the kernel picks the level-0 one).
 */
static void op_clone3_all_levels(void)
{
	struct pidns_clone_args args = { .exit_signal = SIGCHLD };
	int level = rnd(spine_depth + 1), pid_max = cur_pid_max(), i, n;
	int size = level < PIDNS_MAX_LEVEL ? level + 1 : PIDNS_MAX_LEVEL;
	pid_t tid[NR_LEVELS], pid, top = 0;
	long got[NR_LEVELS];
	unsigned int gen;

	for (i = 0; i < size; i++) {
		tid[i] = 2 + rnd(pid_max - 2);
		top = tid[i] > top ? tid[i] : top;
	}
	args.set_tid = ptr_to_u64(tid);
	args.set_tid_size = size;
	enter_level(level);
	count(K_CLONE3_SET_TID);
	gen = pid_max_gen();
	pid = sys_clone3(&args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid < 0) {
		if (errno == EEXIST)
			count(K_SET_TID_EEXIST);
		else if (errno != EAGAIN &&
			 (errno != EINVAL || !pid_max_maybe_below(gen, top)))
			violation("clone3 set_tid into level %d (largest %d): %s",
				  level, top, strerror(errno));
		return;
	}
	n = status_nspid(proc_fd[0], pid, got);
	if (n != level + 1) {
		violation("clone3 set_tid child %d of level %d has %d NSpid entries",
			  pid, level, n);
	} else {
		for (i = level + 1 - size; i <= level; i++)
			if (got[i] != tid[level - i])
				violation("set_tid child %d: %ld at level %d, not %d",
					  pid, got[i], i, tid[level - i]);
	}
	reap_ok(pid, "clone3 set_tid child", true);
}

static void op_pid_max(void)
{
	int saved = sh->pid_max_saved, low;

	if (saved <= PID_MAX_LOW ||
	    __atomic_exchange_n(&sh->pid_max_busy, 1, __ATOMIC_ACQUIRE))
		return;
	low = PID_MAX_LOW + rnd(saved - PID_MAX_LOW);
	count(K_PID_MAX);
	__atomic_add_fetch(&sh->pid_max_gen, 1, __ATOMIC_SEQ_CST);
	if (pidns_write_int(PID_MAX, low))
		violation("write pid_max %d: %s", low, strerror(errno));
	/* Some allocations under the lowered limit, racing the others. */
	if (rnd(2))
		op_inner();
	else
		op_clone3_all_levels();
	if (pidns_write_int(PID_MAX, saved))
		violation("restore pid_max %d: %s", saved, strerror(errno));
	__atomic_add_fetch(&sh->pid_max_gen, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&sh->pid_max_busy, 0, __ATOMIC_RELEASE);
}

/* ---- the death of a namespace init ------------------------------------ */

struct death {
	int reaped;
	int forks;
};

/*
 * A member that only waits to be killed by its namespace's death.  It
 * closes the socket first: the creator's receive must see EOF once the
 * senders are gone, whatever else lives on.
 */
static __noreturn void idle(int sock)
{
	close(sock);
	for (;;)
		pause();
}

/* A member of the init's namespace that makes a namespace below it. */
static __noreturn void death_nested(int sock)
{
	int pfd, nfd;

	if (unshare(CLONE_NEWPID))
		_exit(1);
	if (fork() == 0) {
		pfd = pidns_proc_open();
		nfd = pfd < 0 ? -1 : openat(pfd, "self/ns/pid", O_RDONLY | O_CLOEXEC);
		if (nfd < 0 || pidns_send_fd(sock, pfd) ||
		    pidns_send_fd(sock, nfd))
			_exit(1);
		if (fork() == 0)
			idle(sock);
		idle(sock);
	}
	idle(sock);
}

/* The init of a throwaway namespace: dies the way its creator says. */
static __noreturn void death_init(int sock, int cmd)
{
	int pfd = pidns_proc_open();
	int nfd = pfd < 0 ? -1 : openat(pfd, "self/ns/pid", O_RDONLY | O_CLOEXEC);
	char c = 0;

	if (nfd < 0 || pidns_send_fd(sock, pfd) || pidns_send_fd(sock, nfd))
		_exit(1);
	if (fork() == 0)
		idle(sock);
	if (fork() == 0)
		death_nested(sock);
	close(sock);
	pidns_read_all(cmd, &c, 1);
	/* If the member cannot be forked, reboot() from here ends it the same. */
	if (c == 'r' || (c == 'm' && fork() <= 0))
		safe_reboot();
	if (c == 'x')
		_exit(0);
	for (;;)
		pause();
}

/* setns() + fork() into the dying namespace and the one below it. */
static __noreturn void death_helper(struct death *d, int nsx, int nsx2,
				    int pidfd)
{
	int i, after = 0;
	pid_t pid;

	for (i = 0; i < 200 && after < 3; i++) {
		bool reaped = __atomic_load_n(&d->reaped, __ATOMIC_ACQUIRE);
		int which = rnd(3);
		int fd = which == 0 ? nsx : which == 1 ? nsx2 : pidfd;

		if (reaped)
			after++;
		count(which == 2 ? K_SETNS_PIDFD : K_SETNS_NSFD);
		if (setns(fd, CLONE_NEWPID)) {
			if (which != 2 || errno != ESRCH)
				violation("setns(%d) into a dying namespace: %s",
					  which, strerror(errno));
			continue;
		}
		pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid > 0) {
			count(K_FORK_INTO_DYING);
			__atomic_add_fetch(&d->forks, 1, __ATOMIC_RELAXED);
			if (reaped)
				violation("fork into a namespace (%d) whose init was reaped worked",
					  which);
			waitpid(pid, NULL, 0);
		} else if (errno == ENOMEM) {
			count(K_FORK_ENOMEM);
		} else if (errno != EAGAIN) {
			violation("fork into a dying namespace: %s",
				  strerror(errno));
		}
	}
	_exit(0);
}

/* Expect the dead namespace behind @nsfd/@procfd to be empty and closed. */
static void check_dead(int procfd, int nsfd, const char *what)
{
	int ent[16], n, i;
	pid_t pid;

	n = read_entries(procfd, -1, ent, 16);
	for (i = 0; i < n && i < 16; i++)
		violation("%s: %d still listed after its init was reaped",
			  what, ent[i]);
	if (setns(nsfd, CLONE_NEWPID)) {
		violation("setns into %s: %s", what, strerror(errno));
		return;
	}
	pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid > 0) {
		violation("fork into %s after its init was reaped worked", what);
		waitpid(pid, NULL, 0);
	} else if (errno != ENOMEM) {
		violation("fork into %s: %s, want ENOMEM", what,
			  strerror(errno));
	} else {
		count(K_FORK_ENOMEM);
	}
}

static int death_body(int level)
{
	int sock[2], cmd[2], self, pidfd, procx, nsx, procx2, nsx2, i;
	struct death *d = pidns_shared_alloc(sizeof(*d));
	char how = "xkrm"[rnd(4)];
	pid_t init, helper[2];
	long long until;
	siginfo_t si;

	if (!d || socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) ||
	    pidns_pipe(cmd))
		return 1;
	self = sys_pidfd_open(getpid(), 0);
	count(K_UNSHARE);
	if (self < 0 || unshare(CLONE_NEWPID)) {
		violation("unshare(CLONE_NEWPID) at level %d: %s", level,
			  strerror(errno));
		return 1;
	}
	init = stress_fork();
	if (init == 0) {
		close(sock[0]);
		close(cmd[1]);
		death_init(sock[1], cmd[0]);
	}
	if (setns(self, CLONE_NEWPID))
		violation("setns back to level %d: %s", level, strerror(errno));
	close(sock[1]);
	close(cmd[0]);
	if (init < 0)
		return errno == EAGAIN ? 0 : 1;
	pidfd = sys_pidfd_open(init, 0);
	procx = pidns_recv_fd(sock[0]);
	nsx = pidns_recv_fd(sock[0]);
	procx2 = pidns_recv_fd(sock[0]);
	nsx2 = pidns_recv_fd(sock[0]);
	close(sock[0]);
	if (pidfd < 0 || procx < 0 || nsx < 0 || procx2 < 0 || nsx2 < 0) {
		violation("throwaway namespaces at level %d did not come up",
			  level + 1);
		kill(init, SIGKILL);
		reap(init, -1, false);
		return 1;
	}
	for (i = 0; i < 2; i++) {
		helper[i] = stress_fork();
		if (helper[i] == 0)
			death_helper(d, nsx, nsx2, pidfd);
	}
	/* Let the helpers get going, then a random moment more. */
	until = now_ns() + 3000000000LL;
	while (__atomic_load_n(&d->forks, __ATOMIC_RELAXED) < 2 &&
	       now_ns() < until)
		sched_yield();
	usleep(rnd(20000));
	if (how == 'k') {
		if (sys_pidfd_send_signal(pidfd, SIGKILL, NULL, 0))
			violation("pidfd_send_signal(SIGKILL) to an init: %s",
				  strerror(errno));
	} else {
		pidns_write_all(cmd[1], &how, 1);
	}
	si = reap(init, pidfd, false);
	__atomic_store_n(&d->reaped, 1, __ATOMIC_RELEASE);
	count(K_INIT_DEATH);
	if (si.si_pid == init &&
	    (how == 'x' ? si.si_code != CLD_EXITED || si.si_status :
	     si.si_code != CLD_KILLED ||
	     si.si_status != (how == 'k' ? SIGKILL : SIGHUP)))
		violation("init dying by '%c' at level %d: code %d status %d",
			  how, level + 1, si.si_code, si.si_status);
	check_dead(procx, nsx, "a namespace");
	check_dead(procx2, nsx2, "a namespace in a dead one");
	count(K_SETNS_PIDFD);
	if (!setns(pidfd, CLONE_NEWPID) || errno != ESRCH)
		violation("setns with a reaped init's pidfd: %s, want ESRCH",
			  strerror(errno));
	setns(self, CLONE_NEWPID);
	for (i = 0; i < 2; i++)
		if (helper[i] > 0)
			reap_ok(helper[i], "dying-namespace helper", false);
	close(cmd[1]);
	return 0;
}

static void op_death(void)
{
	/* Room below for the throwaway namespace and one inside it. */
	int level = rnd(spine_depth - 1);
	pid_t pid;

	enter_level(level);
	pid = stress_fork();
	if (pid == 0)
		_exit(death_body(level));
	if (pid < 0) {
		if (errno != EAGAIN)
			violation("fork into level %d: %s", level,
				  strerror(errno));
		return;
	}
	reap_ok(pid, "creator of a dying namespace", true);
}

/* ---- CLONE_AUTOREAP, CLONE_PIDFD_AUTOKILL, PIDNS_REAP_ORPHANS --------- */

/* Block until @pidfd has @events; 0 waits for POLLHUP: the task is reaped. */
static void wait_pidfd(int pidfd, short events)
{
	struct pollfd pfd = { .fd = pidfd, .events = events };
	int n;

	do
		n = poll(&pfd, 1, -1);
	while (n < 0 && errno == EINTR);
	if (n != 1 || !(pfd.revents & (events ? events : POLLHUP)))
		violation("poll of a pidfd for %#x: %d, revents %#x (%s)",
			  events, n, pfd.revents, strerror(errno));
}

/*
 * A child that the kernel reaps (CLONE_AUTOREAP, or an orphan whose init
 * has PIDNS_REAP_ORPHANS) is released in the same tasklist_lock section
 * as it exits, which wait takes too: once its pidfd has said it exited
 * (POLLIN), a wait by its parent must be ECHILD, never find a zombie.
 */
static void expect_reaped(int pidfd, pid_t pid, const char *what)
{
	pid_t w;

	wait_pidfd(pidfd, POLLIN);
	w = waitpid(pid, NULL, WNOHANG | __WALL);
	if (w != -1 || errno != ECHILD)
		violation("%s %d: wait after its exit returned %d (%s), want ECHILD",
			  what, pid, w, w < 0 ? strerror(errno) : "");
	wait_pidfd(pidfd, 0);
}

/*
 * A CLONE_AUTOREAP child at a random level (now and then the init of a
 * new namespace below level 0), which exits at once, after a random
 * number of yields, or when the worker closes its pipe at a random
 * moment.  Its parent must never see it as a zombie: waitpid(WNOHANG)
 * finds it running (0) or gone (ECHILD), never returns it; after its
 * exit, ECHILD.
 */
static void op_autoreap(void)
{
	int level = rnd(spine_depth + 1), how = rnd(3), spins = rnd(200);
	int waits = rnd(8), pidfd = -1, rel[2], i;
	struct pidns_clone_args args = {
		.flags = CLONE_AUTOREAP | CLONE_PIDFD,
		.pidfd = ptr_to_u64(&pidfd),
	};
	pid_t pid, w;
	char b;

	if (!sh->autoreap || pidns_pipe(rel))
		return;
	/* CLONE_NEWPID is EINVAL unless pid_for_children is our own. */
	if (!rnd(4)) {
		level = 0;
		args.flags |= CLONE_NEWPID;
	}
	enter_level(level);
	count(K_AUTOREAP);
	pid = sys_clone3(&args, sizeof(args));
	if (pid == 0) {
		/* Plain system calls only. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(rel[1]);
		for (i = 0; how == 1 && i < spins; i++)
			sched_yield();
		if (how == 2)
			read(rel[0], &b, 1);
		_exit(0);
	}
	close(rel[0]);
	if (pid < 0) {
		close(rel[1]);
		if (errno != EAGAIN)
			violation("clone3(CLONE_AUTOREAP) into level %d: %s",
				  level, strerror(errno));
		return;
	}
	for (i = 0; i < waits; i++) {
		if (i == waits / 2) {
			close(rel[1]);
			rel[1] = -1;
		}
		w = waitpid(pid, NULL, WNOHANG | __WALL);
		if (w == pid)
			violation("autoreap child %d at level %d was a zombie of its parent",
				  pid, level);
		else if (w < 0 && errno != ECHILD)
			violation("waitpid(%d) of an autoreap child: %s", pid,
				  strerror(errno));
		sched_yield();
	}
	if (rel[1] >= 0)
		close(rel[1]);
	expect_reaped(pidfd, pid, "autoreap child");
	close(pidfd);
}

/*
 * The autokill child, in plain system calls: it answers each byte on hold
 * and says when it sees hold's EOF, which comes only after the last
 * reference to its pidfd is gone and has killed it, so it must never get
 * to say so.  With @spins >= 0 it exits by itself after as many yields.
 */
static __noreturn void autokill_child(const int hold[2], const int alive[2],
				      int spins)
{
	char b;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	close(hold[1]);
	close(alive[0]);
	if (spins >= 0) {
		while (spins--)
			sched_yield();
		_exit(0);
	}
	while (read(hold[0], &b, 1) == 1)
		write(alive[1], &b, 1);
	write(alive[1], "L", 1);
	_exit(0);
}

/* The autokill child is alive: it answers a byte. */
static void autokill_ping(int hold, int alive, pid_t pid, const char *when)
{
	char b = 'p';

	if (pidns_write_all(hold, &b, 1) != 1 ||
	    pidns_read_all(alive, &b, 1) != 1 || b != 'p')
		violation("autokill child %d died %s", pid, when);
}

/*
 * A CLONE_PIDFD_AUTOKILL child at a random level (now and then with
 * CLONE_NNP, or the init of a new namespace below level 0, which the kill
 * reaches all the same), whose pidfd is closed at a random moment: while
 * it waits on its pipe, now and then while a second process (which exits
 * later) holds the pidfd too, when it must live on until that one has
 * closed its copy; or while it exits by itself, racing the close.  It
 * must be dead when the worker closes its pipe, and be reaped by the
 * kernel.  Its no_new_privs is set with CLONE_NNP, else ours.
 */
static void op_autokill(void)
{
	int level = rnd(spine_depth + 1), how = rnd(3), spins = rnd(200);
	int pidfd = -1, hold[2], alive[2], gate[2], other, i;
	struct pidns_clone_args args = {
		.flags = CLONE_AUTOREAP | CLONE_PIDFD | CLONE_PIDFD_AUTOKILL,
		.pidfd = ptr_to_u64(&pidfd),
	};
	pid_t pid, holder = 0;
	long long nnp;
	char b;

	if (!sh->autokill || pidns_pipe(hold))
		return;
	if (pidns_pipe(alive)) {
		close(hold[0]);
		close(hold[1]);
		return;
	}
	if (sh->nnp && rnd(2))
		args.flags |= CLONE_NNP;
	/* CLONE_NEWPID is EINVAL unless pid_for_children is our own. */
	if (!rnd(4)) {
		level = 0;
		args.flags |= CLONE_NEWPID;
	}
	enter_level(level);
	count(K_AUTOKILL);
	pid = sys_clone3(&args, sizeof(args));
	if (pid == 0)
		autokill_child(hold, alive, how == 1 ? spins : -1);
	close(hold[0]);
	close(alive[1]);
	if (pid < 0) {
		close(hold[1]);
		close(alive[0]);
		if (errno != EAGAIN)
			violation("clone3(CLONE_PIDFD_AUTOKILL) into level %d: %s",
				  level, strerror(errno));
		return;
	}
	/*
	 * A pidfd of its own, which does not keep the child: the same pidfs
	 * inode, or its number was taken again once it was gone (how 1;
	 * ESRCH, or EINVAL while it is being released).
	 */
	other = sys_pidfd_open(pid, 0);
	if (other >= 0 && pidns_fd_ino(other) != pidns_fd_ino(pidfd)) {
		close(other);
		other = -1;
		errno = ESRCH;
	}
	if (other < 0 && (how != 1 || (errno != ESRCH && errno != EINVAL)))
		violation("pidfd_open(%d) of an autokill child: %s", pid,
			  strerror(errno));
	if (how != 1) {
		autokill_ping(hold[1], alive[0], pid, "with its pidfd open");
		nnp = pidns_status_hex(proc_fd[0], pid, "NoNewPrivs");
		if (nnp != (args.flags & CLONE_NNP ? 1 :
			    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0)))
			violation("autokill child %d (flags %#llx): NoNewPrivs %lld",
				  pid, (unsigned long long)args.flags, nnp);
	}
	if (how == 2 && !pidns_pipe(gate)) {
		holder = fork();
		if (holder == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(gate[1]);
			pidns_read_all(gate[0], &b, 1);
			_exit(0);
		}
		close(gate[0]);
		if (holder < 0)
			close(gate[1]);
	}
	for (i = rnd(16); i > 0; i--)
		sched_yield();
	close(pidfd);
	if (holder > 0) {
		count(K_AUTOKILL_SHARED);
		autokill_ping(hold[1], alive[0], pid,
			      "while another process held its pidfd");
		close(gate[1]);
		reap_ok(holder, "holder of an autokill pidfd", false);
	}
	close(hold[1]);
	if (pidns_read_all(alive[0], &b, 1) != 0)
		violation("autokill child %d lived on after its pidfd was closed",
			  pid);
	close(alive[0]);
	if (other >= 0) {
		expect_reaped(other, pid, "autokill child");
		close(other);
	}
}

/* The orphan: how it ends is @way's (see make_orphan()). */
static __noreturn void orphan_child(int level, int way, int hold, int ready,
				    int spins)
{
	char b;

	switch (way) {
	case 0:
		break;
	case 1:
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		pidns_write_all(ready, "r", 1);
		for (;;)
			pause();
	case 2:
		/* EOF once its parent was reaped, so it was adopted before. */
		pidns_read_all(hold, &b, 1);
		if (sys_getppid() != 1)
			violation("orphan at level %d: parent %d, not the init",
				  level, sys_getppid());
		break;
	default:
		while (spins--)
			sched_yield();
	}
	_exit(0);
}

/* The orphan's parent: it hands a pidfd of it over @sock, and exits. */
static __noreturn void orphan_parent(int level, int way, bool final, int hold,
				     int sock)
{
	int ready[2], pidfd;
	siginfo_t si;
	pid_t g;
	char b;

	if (pidns_pipe(ready))
		_exit(1);
	g = fork();
	if (g == 0) {
		close(sock);
		close(ready[0]);
		orphan_child(level, way, hold, ready[1], rnd(200));
	}
	if (g < 0) {
		if (errno != EAGAIN)
			violation("fork of an orphan at level %d: %s", level,
				  strerror(errno));
		_exit(0);
	}
	close(ready[1]);
	if (final)
		__atomic_store_n(&sh->final_orphan[level], g, __ATOMIC_RELEASE);
	pidfd = sys_pidfd_open(g, 0);
	if (pidfd < 0 || pidns_send_fd(sock, pidfd))
		violation("pidfd of orphan %d at level %d: %s", g, level,
			  strerror(errno));
	if (way == 0) {
		/* Its exit as ours: it is adopted as a zombie. */
		if (waitid(P_PID, g, &si, WEXITED | WNOWAIT))
			violation("waitid(WNOWAIT) of orphan %d at level %d: %s",
				  g, level, strerror(errno));
	} else if (way == 1) {
		/* It dies of its parent death signal, once adopted. */
		pidns_read_all(ready[0], &b, 1);
	}
	_exit(0);
}

/*
 * Make an orphan in the caller's pid_for_children, at @level: a member C,
 * the caller's child, forks G and exits, and G is adopted by the level's
 * init.  G ends by @way: 0, it exits at once, and C exits once it is a
 * zombie (adopted as one); 1, it dies of its parent death signal, SIGKILL,
 * sent as it is adopted; 2, it exits once C was reaped, adopted before;
 * 3, it exits after a random number of yields, racing C's exit.  With
 * @final, C registers G for the level's init to judge (spine_init()).
 * Returns a pidfd of G, with C reaped, or -1.
 */
static int make_orphan(int level, int way, bool final)
{
	int hold[2], sock[2], pidfd = -1;
	pid_t c;

	if (pidns_pipe(hold))
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock)) {
		close(hold[0]);
		close(hold[1]);
		return -1;
	}
	c = stress_fork();
	if (c == 0) {
		close(hold[1]);
		close(sock[0]);
		orphan_parent(level, way, final, hold[0], sock[1]);
	}
	close(hold[0]);
	close(sock[1]);
	if (c < 0) {
		if (errno != EAGAIN)
			violation("fork at level %d: %s", level,
				  strerror(errno));
	} else {
		pidfd = pidns_recv_fd(sock[0]);
		reap_ok(c, "parent of an orphan", false);
	}
	close(sock[0]);
	close(hold[1]);
	return pidfd;
}

/*
 * An orphan at a random spine level, whose PIDNS_REAP_ORPHANS other
 * workers flip meanwhile: released at its exit or its init's zombie,
 * which the init reaps, it must be gone in the end.
 */
static void op_orphan(void)
{
	int level = 1 + rnd(spine_depth), pidfd;

	if (!sh->reap_orphans)
		return;
	enter_level(level);
	count(K_ORPHAN);
	pidfd = make_orphan(level, rnd(4), false);
	if (pidfd >= 0) {
		wait_pidfd(pidfd, 0);
		close(pidfd);
	}
}

/*
 * Set PIDNS_REAP_ORPHANS of namespace @nsfd (@what for messages), which
 * nobody else changes meanwhile: GET must read exactly that.
 */
static void reap_orphans_set(int nsfd, bool on, const char *what)
{
	struct pidns_flags f = {
		.mask = PIDNS_REAP_ORPHANS,
		.flags = on ? PIDNS_REAP_ORPHANS : 0,
	};

	count(K_REAP_SET);
	if (ioctl(nsfd, NS_SET_PIDNS_FLAGS, &f)) {
		violation("NS_SET_PIDNS_FLAGS of %s: %s", what, strerror(errno));
		return;
	}
	memset(&f, 0, sizeof(f));
	if (ioctl(nsfd, NS_GET_PIDNS_FLAGS, &f) ||
	    f.flags != (on ? PIDNS_REAP_ORPHANS : 0))
		violation("NS_GET_PIDNS_FLAGS of %s: flags %#llx, want %#llx",
			  what, (unsigned long long)f.flags,
			  on ? PIDNS_REAP_ORPHANS : 0ULL);
}

/*
 * The init I of a throwaway namespace T at @level, which judges its own
 * waits, PIDNS_REAP_ORPHANS being set by its creator M as @ctl says: 'n'
 * before the orphan is made, 'f' never, 'l' once the orphan is I's
 * zombie (I asks on @req, M answers on @ctl).  I's own attempt to set it
 * is EPERM: T is no strict ancestor of itself.  Its own child, the
 * orphan's parent, must stay waitable whatever the mode (make_orphan()
 * reaps it with P_PID or P_PIDFD); then "n" blocks while the orphan runs
 * and ends in ECHILD, "f" returns the orphan's zombie, and so does "l":
 * switching the mode on releases no zombie already there.
 */
static __noreturn void orphan_ns_init(int level, int ctl, int req)
{
	struct pidns_flags f = { .mask = PIDNS_REAP_ORPHANS };
	int pidfd, nsfd, ret = -1, w;
	siginfo_t si;
	char mode, b;
	pid_t g = 0;

	if (pidns_read_all(ctl, &mode, 1) != 1)
		_exit(0);
	if (!rnd(4)) {
		nsfd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
		count(K_REAP_EPERM);
		if (nsfd >= 0)
			ret = ioctl(nsfd, NS_SET_PIDNS_FLAGS, &f);
		if (!ret || errno != EPERM)
			violation("NS_SET_PIDNS_FLAGS by an init on its own: %s, want EPERM",
				  ret ? strerror(errno) : "done");
		if (nsfd >= 0)
			close(nsfd);
	}
	pidfd = make_orphan(level, rnd(4), false);
	if (pidfd < 0)
		_exit(0);
	memset(&si, 0, sizeof(si));
	if (mode == 'l') {
		w = sys_waitid(P_PIDFD, pidfd, &si, WEXITED | WNOWAIT | __WALL,
			       NULL);
		if (w || !si.si_pid)
			violation("orphan at level %d, mode off: %s, want a zombie",
				  level, w ? strerror(errno) : "none");
		g = si.si_pid;
		if (pidns_write_all(req, "l", 1) != 1 ||
		    pidns_read_all(ctl, &b, 1) != 1)
			_exit(1);
		memset(&si, 0, sizeof(si));
		w = sys_waitid(P_ALL, 0, &si, WEXITED | WNOHANG | __WALL, NULL);
		if (w || si.si_pid != g)
			violation("zombie orphan %d at level %d, mode on since: wait: %d (%s)",
				  g, level, si.si_pid,
				  w ? strerror(errno) : "");
	} else if (mode == 'n') {
		w = sys_waitid(P_ALL, 0, &si, WEXITED | __WALL, NULL);
		if (!w || errno != ECHILD)
			violation("orphan at level %d, mode on: wait: %d (%s), want ECHILD",
				  level, si.si_pid, w ? strerror(errno) : "");
	} else {
		w = sys_waitid(P_PIDFD, pidfd, &si, WEXITED | __WALL, NULL);
		if (w || !si.si_pid)
			violation("orphan at level %d, mode off: %s, want a zombie",
				  level, w ? strerror(errno) : "none");
	}
	close(pidfd);
	_exit(0);
}

/* M: make T below the caller's level @level and set its mode as above. */
static int orphan_ns_body(int level)
{
	int ctl[2], req[2], nsfd;
	char mode = "nfl"[rnd(3)], b;
	pid_t init;

	if (pidns_pipe(ctl))
		return 1;
	if (pidns_pipe(req))
		return 1;
	count(K_UNSHARE);
	if (unshare(CLONE_NEWPID)) {
		violation("unshare(CLONE_NEWPID) at level %d: %s", level,
			  strerror(errno));
		return 1;
	}
	init = stress_fork();
	if (init == 0) {
		close(ctl[1]);
		close(req[0]);
		orphan_ns_init(level + 1, ctl[0], req[1]);
	}
	close(ctl[0]);
	close(req[1]);
	if (init < 0) {
		if (errno == EAGAIN)
			return 0;
		violation("fork of an init at level %d: %s", level + 1,
			  strerror(errno));
		return 1;
	}
	nsfd = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		violation("pid_for_children after unshare() at level %d: %s",
			  level, strerror(errno));
	else
		reap_orphans_set(nsfd, mode == 'n', "a throwaway namespace");
	pidns_write_all(ctl[1], &mode, 1);
	if (mode == 'l' && nsfd >= 0 && pidns_read_all(req[0], &b, 1) == 1) {
		reap_orphans_set(nsfd, true, "a throwaway namespace");
		pidns_write_all(ctl[1], "a", 1);
	}
	close(ctl[1]);
	close(req[0]);
	if (nsfd >= 0)
		close(nsfd);
	reap_ok(init, "init of a throwaway namespace", true);
	return 0;
}

static void op_orphan_ns(void)
{
	/* Room below for the throwaway namespace. */
	int level = rnd(spine_depth);
	pid_t pid;

	if (!sh->reap_orphans)
		return;
	enter_level(level);
	count(K_ORPHAN_NS);
	pid = stress_fork();
	if (pid == 0)
		_exit(orphan_ns_body(level));
	if (pid < 0) {
		if (errno != EAGAIN)
			violation("fork into level %d: %s", level,
				  strerror(errno));
		return;
	}
	reap_ok(pid, "creator of a throwaway namespace", true);
}

/*
 * PIDNS_REAP_ORPHANS of a spine level flipped by a process of a random
 * level: done from a strict ancestor, EPERM from the level itself or
 * below.  GET must list the flag as supported and show no other set,
 * whatever the flips racing it.
 */
static void reap_orphans_flip(int level, int from)
{
	struct pidns_flags f = {
		.mask = PIDNS_REAP_ORPHANS,
		.flags = rnd(2) ? PIDNS_REAP_ORPHANS : 0,
	};
	int ret = ioctl(ns_fd[level], NS_SET_PIDNS_FLAGS, &f);

	if (from < level) {
		count(K_REAP_SET);
		if (ret)
			violation("NS_SET_PIDNS_FLAGS of level %d from level %d: %s",
				  level, from, strerror(errno));
	} else {
		count(K_REAP_EPERM);
		if (!ret || errno != EPERM)
			violation("NS_SET_PIDNS_FLAGS of level %d from level %d: %s, want EPERM",
				  level, from, ret ? strerror(errno) : "done");
	}
	memset(&f, 0, sizeof(f));
	if (ioctl(ns_fd[level], NS_GET_PIDNS_FLAGS, &f) ||
	    !(f.mask & PIDNS_REAP_ORPHANS) || (f.flags & ~PIDNS_REAP_ORPHANS))
		violation("NS_GET_PIDNS_FLAGS of level %d: mask %#llx flags %#llx (%s)",
			  level, (unsigned long long)f.mask,
			  (unsigned long long)f.flags, strerror(errno));
}

static void op_reap_flip(void)
{
	int level = 1 + rnd(spine_depth), from = rnd(spine_depth + 1);
	pid_t pid;

	if (!sh->reap_orphans)
		return;
	if (!from) {
		reap_orphans_flip(level, from);
		return;
	}
	enter_level(from);
	pid = stress_fork();
	if (pid == 0) {
		reap_orphans_flip(level, from);
		_exit(0);
	}
	if (pid < 0) {
		if (errno != EAGAIN)
			violation("fork into level %d: %s", from,
				  strerror(errno));
		return;
	}
	reap_ok(pid, "member setting PIDNS_REAP_ORPHANS", true);
}

/*
 * With the workers done: PIDNS_REAP_ORPHANS on at every spine level, then
 * orphans of every way at every level, each registered for its level's
 * init, which must never find it a zombie (spine_init()).  Each must be
 * gone (POLLHUP: released, or reaped by the init after the violation)
 * before the next, so that none is in flight unjudged.
 */
static void final_orphans(void)
{
	char what[32];
	int level, way, pidfd;

	if (!sh->reap_orphans)
		return;
	for (level = 1; level <= spine_depth; level++) {
		snprintf(what, sizeof(what), "spine level %d", level);
		reap_orphans_set(ns_fd[level], true, what);
	}
	for (level = 1; level <= spine_depth; level++) {
		if (__atomic_load_n(&sh->violations, __ATOMIC_RELAXED) >=
		    MAX_VIOLATIONS)
			break;
		for (way = 0; way < 4; way++) {
			enter_level(level);
			count(K_ORPHAN_FINAL);
			pidfd = make_orphan(level, way, true);
			if (pidfd < 0)
				continue;
			wait_pidfd(pidfd, 0);
			close(pidfd);
			__atomic_store_n(&sh->final_orphan[level], 0,
					 __ATOMIC_RELEASE);
		}
	}
}

/* ---- workers and the whole run ---------------------------------------- */

static __noreturn void worker(int id)
{
	int i;

	worker_id = id;
	reseed();
	while (reserve_op()) {
		unsigned int r = rnd(100);

		if (r < 16)
			op_spawn();
		else if (r < 26)
			op_retire(&pool[rnd(POOL_SIZE)]);
		else if (r < 36)
			op_readdir();
		else if (r < 46)
			op_lookup();
		else if (r < 62)
			op_inner();
		else if (r < 69)
			op_death();
		else if (r < 76)
			op_clone3_all_levels();
		else if (r < 79)
			op_pid_max();
		else if (r < 82)
			op_unique();
		else if (r < 86)
			op_autoreap();
		else if (r < 89)
			op_autokill();
		else if (r < 92)
			op_orphan();
		else if (r < 95)
			op_orphan_ns();
		else if (r < 97)
			op_reap_flip();
		else
			op_retire(&pool[rnd(POOL_SIZE)]);
	}
	for (i = 0; i < POOL_SIZE; i++)
		op_retire(&pool[i]);
	_exit(0);
}

/* The process that runs everything, in its own process group. */
static int stress_run(void)
{
	pid_t spine, w[NR_WORKERS];
	int i, ret = 0;

	spine = build_spine();
	if (spine < 0) {
		violation("cannot build the spine: %s", strerror(errno));
		return 1;
	}
	ksft_print_msg("spine of %d levels built in %.1f s\n", spine_depth,
		       (now_ns() - sh->deadline_ns) / 1e9 + opt_seconds);
	/* Room below the spine's middle for two throwaway levels. */
	if (spine_depth < 3) {
		violation("a spine of %d levels is too short", spine_depth);
		kill(spine, SIGKILL);
		pidns_wait_status(spine);
		return 1;
	}
	for (i = 0; i < NR_WORKERS; i++) {
		w[i] = fork();
		if (w[i] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			worker(i);
		}
		if (w[i] < 0)
			violation("fork of worker %d: %s", i, strerror(errno));
	}
	for (i = 0; i < NR_WORKERS; i++)
		if (w[i] > 0 && pidns_wait_status(w[i]) != 0) {
			violation("worker %d ended badly", i);
			ret = 1;
		}
	final_orphans();
	/* SIGKILL to level 1's init takes the whole spine down. */
	kill(spine, SIGKILL);
	if (pidns_wait_status(spine) != 128 + SIGKILL) {
		violation("spine init did not die of SIGKILL");
		ret = 1;
	}
	return ret;
}

/* For a stuck run: what our processes are doing. */
static void dump_group(pid_t pgrp)
{
	static int ent[MAX_ENTRIES];
	int procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int n, i;

	n = pidns_proc_pids(procfd, ent, MAX_ENTRIES);
	close(procfd);
	for (i = 0; i < n && i < MAX_ENTRIES; i++) {
		char path[64], buf[512], wchan[64] = "", *p;
		int g = 0;

		snprintf(path, sizeof(path), "/proc/%d/stat", ent[i]);
		if (pidns_read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0)
			continue;
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 2, "%*c %*d %d", &g) != 1 || g != pgrp)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/wchan", ent[i]);
		pidns_read_file_at(AT_FDCWD, path, wchan, sizeof(wchan));
		ksft_print_msg("stuck: %d state %c wchan %s\n", ent[i], p[2],
			       wchan);
	}
}

/*
 * Does clone3() take CLONE_AUTOREAP with @flags (exit signal 0, a valid
 * combination)?  EINVAL says no.  The probe's child exits at once.
 */
static bool clone3_takes(uint64_t flags)
{
	int pidfd = -1;
	struct pidns_clone_args args = {
		.flags = flags | CLONE_AUTOREAP | CLONE_PIDFD,
		.pidfd = ptr_to_u64(&pidfd),
	};
	siginfo_t si;
	pid_t pid;

	pid = sys_clone3(&args, sizeof(args));
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return errno != EINVAL;
	sys_waitid(P_PIDFD, pidfd, &si, WEXITED | __WALL, NULL);
	close(pidfd);
	return true;
}

/* Is there NS_GET_PIDNS_FLAGS (not ENOTTY), with PIDNS_REAP_ORPHANS? */
static bool has_reap_orphans(void)
{
	struct pidns_flags f = { 0 };
	int fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC), ret;

	if (fd < 0)
		return false;
	ret = ioctl(fd, NS_GET_PIDNS_FLAGS, &f);
	close(fd);
	return ret ? errno != ENOTTY : !!(f.mask & PIDNS_REAP_ORPHANS);
}

TEST(stress)
{
	long long start = now_ns();
	int rfd, status, saved, i, left;
	struct pollfd pfd;
	siginfo_t si;
	pid_t r;

	PIDNS_REQUIRE();
	sh = pidns_shared_alloc(sizeof(*sh));
	ASSERT_NE(NULL, sh);
	saved = pidns_read_int(PID_MAX);
	ASSERT_GT(saved, 0);
	sh->pid_max_saved = saved;
	sh->ops_limit = opt_ops;
	sh->deadline_ns = start + opt_seconds * 1000000000LL;
	TH_LOG("%ld seconds, at most %ld operations, %d workers, pid_max %d",
	       opt_seconds, opt_ops, NR_WORKERS, saved);
	sh->autoreap = clone3_takes(0);
	sh->autokill = sh->autoreap && clone3_takes(CLONE_PIDFD_AUTOKILL);
	sh->nnp = sh->autoreap && clone3_takes(CLONE_NNP);
	sh->reap_orphans = has_reap_orphans();
	if (!sh->autoreap)
		ksft_print_msg("autoreap children skipped: no CLONE_AUTOREAP\n");
	if (!sh->autokill)
		ksft_print_msg("autokill pidfds skipped: no CLONE_PIDFD_AUTOKILL\n");
	if (!sh->reap_orphans)
		ksft_print_msg("orphans skipped: no PIDNS_REAP_ORPHANS\n");

	r = fork();
	ASSERT_GE(r, 0);
	if (r == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		reseed();
		_exit(stress_run());
	}
	setpgid(r, r);
	rfd = sys_pidfd_open(r, 0);
	ASSERT_GE(rfd, 0);
	pfd.fd = rfd;
	pfd.events = POLLIN;
	do {
		left = (sh->deadline_ns + WATCHDOG_GRACE * 1000000000LL -
			now_ns()) / 1000000;
		i = poll(&pfd, 1, left > 0 ? left : 0);
	} while (i < 0 && errno == EINTR);
	if (i == 0) {
		ksft_print_msg("VIOLATION: the run did not end %d s after its deadline\n",
			       WATCHDOG_GRACE);
		__atomic_add_fetch(&sh->violations, 1, __ATOMIC_SEQ_CST);
		dump_group(r);
	}
	/* While r is a zombie its group id cannot be reused: kill stragglers. */
	memset(&si, 0, sizeof(si));
	kill(-r, SIGKILL);
	sys_waitid(P_PID, r, &si, WEXITED | WNOWAIT, NULL);
	kill(-r, SIGKILL);
	status = pidns_wait_status(r);
	close(rfd);

	EXPECT_EQ(0, pidns_write_int(PID_MAX, saved));
	EXPECT_EQ(saved, pidns_read_int(PID_MAX));
	for (i = 0; i < NR_KINDS; i++)
		ksft_print_msg("%-22s %ld\n", kind_name[i], sh->count[i]);
	ksft_print_msg("%d violations in %.1f s\n", sh->violations,
		       (now_ns() - start) / 1e9);
	EXPECT_EQ(0, status);
	EXPECT_EQ(0, sh->violations);
}

static long parse_count(const char *opt, const char *val)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(val, &end, 10);
	if (errno || *end || end == val || v < 1 || v > 100000000) {
		fprintf(stderr, "%s: expected a positive number, not \"%s\"\n",
			opt, val);
		exit(KSFT_FAIL);
	}
	return v;
}

/* Take --seconds N and --ops N; hand everything else to the harness. */
int main(int argc, char **argv)
{
	int i, n = 1;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			opt_seconds = parse_count(argv[i], argv[i + 1]);
			i++;
		} else if (!strcmp(argv[i], "--ops") && i + 1 < argc) {
			opt_ops = parse_count(argv[i], argv[i + 1]);
			i++;
		} else {
			argv[n++] = argv[i];
		}
	}
	argv[n] = NULL;
	if (!opt_ops)
		opt_ops = opt_seconds * DEFAULT_OPS_PER_SECOND;
	/* The harness' own limit stays above the run's watchdog. */
	_stress_object.timeout = opt_seconds + WATCHDOG_GRACE + 30;
	return test_harness_run(n, argv);
}
