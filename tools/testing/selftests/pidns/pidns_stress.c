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
	 */
	for (;;) {
		if (waitpid(-1, NULL, __WALL) < 0 && errno == ECHILD)
			poll(NULL, 0, 100);
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

/* ---- workers and the whole run ---------------------------------------- */

static __noreturn void worker(int id)
{
	int i;

	worker_id = id;
	reseed();
	while (reserve_op()) {
		unsigned int r = rnd(100);

		if (r < 18)
			op_spawn();
		else if (r < 30)
			op_retire(&pool[rnd(POOL_SIZE)]);
		else if (r < 42)
			op_readdir();
		else if (r < 54)
			op_lookup();
		else if (r < 72)
			op_inner();
		else if (r < 80)
			op_death();
		else if (r < 88)
			op_clone3_all_levels();
		else if (r < 92)
			op_pid_max();
		else if (r < 96)
			op_unique();
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
