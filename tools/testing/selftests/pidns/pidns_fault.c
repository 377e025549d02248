// SPDX-License-Identifier: GPL-2.0
/*
 * Error paths of the pid namespace code under systematic fault injection,
 * the way syzkaller tests them: for each path, fail the first allocation
 * of the calling thread (/proc/thread-self/fail-nth), then the second, and
 * so on, until the call succeeds.  After every injected failure the error
 * must be one the man page documents, the namespaces involved must still
 * work (the next fork gets the number it should, a fresh namespace still
 * gets its init), every live task must be found by kill(), pidfd_open()
 * and /proc, and at the end of each sweep the pid and pid_namespace slab
 * caches must be back at their counts from before it.
 *
 * Also: the first open of kernel.pid_max in a namespace, which registers
 * its table; fork failing under a memory cgroup limit; and many namespace
 * and fork cycles (PIDNS_SCALE) leaking nothing.
 *
 * And the release paths that need no wait: clone3() with CLONE_AUTOREAP,
 * and with CLONE_PIDFD_AUTOKILL for a new namespace's init, whose
 * children must never be a zombie (and the autokill one must die with
 * its pidfd); and orphans made in a namespace with PIDNS_REAP_ORPHANS,
 * with faults in the fork that makes them and in the exits that orphan
 * and end them, which its init must never find as zombies.  These SKIP
 * on a kernel without the flags or the mode.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <poll.h>
#include <sys/resource.h>
#include <time.h>

#include "pidns_util.h"
#include "../kselftest_harness.h"

/* Upstream 7.1's clone3() flags and this series' pid namespace modes. */
#ifndef CLONE_AUTOREAP
#define CLONE_AUTOREAP		0x400000000ULL
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

#define FAIL_NTH	"/proc/thread-self/fail-nth"
#define FAILSLAB	"/sys/kernel/debug/failslab/"
#define FAIL_PAGE_ALLOC	"/sys/kernel/debug/fail_page_alloc/"
#define NS_LAST_PID	"/proc/sys/kernel/ns_last_pid"

/*
 * No path here makes more than a few hundred allocations; a sweep that
 * has not succeeded after this many faults is stuck, not long.
 */
#define SWEEP_MAX	3000

/*
 * Before each attempt the namespace of the caller has its cursor moved to
 * just before a chunk boundary (512 numbers a chunk, see
 * Documentation/pidns.txt), and the chunk after it is empty: the fork must
 * allocate a chunk at that level, so that allocation is swept too.  For a
 * new namespace it is the level above its init's number 1: the fork has
 * already taken 1 when that allocation fails.
 */
#define CURSOR		511

/* ---- fault injection settings ---------------------------------------- */

/*
 * By default failslab and fail_page_alloc leave GFP_KERNEL (and highmem,
 * and order-0 page) allocations alone, which is nearly all of fork's, and
 * dump a stack trace per injected fault, which `make check` would count as
 * a kernel splat.
 */
static const char * const fi_knob_path[] = {
	FAILSLAB "ignore-gfp-wait",
	FAILSLAB "verbose",
	FAIL_PAGE_ALLOC "ignore-gfp-wait",
	FAIL_PAGE_ALLOC "ignore-gfp-highmem",
	FAIL_PAGE_ALLOC "min-order",
	FAIL_PAGE_ALLOC "verbose",
};

static const char * const fi_knob_value[] = { "N", "0", "N", "N", "0", "0" };

#define FI_KNOBS	ARRAY_SIZE(fi_knob_path)

/* ---- slab caches ------------------------------------------------------ */

/* "pid" (depth 0), "pid_2" ... "pid_33" (depth 1 ... 32), "pid_namespace" */
#define SLAB_CACHES	(PIDNS_MAX_LEVEL + 2)

static char slab_names[SLAB_CACHES][16];
static const char *slab_cache[SLAB_CACHES];

static void __attribute__((constructor)) slab_names_init(void)
{
	for (int i = 0; i < SLAB_CACHES; i++) {
		if (i == 0)
			snprintf(slab_names[i], sizeof(slab_names[i]), "pid");
		else if (i == SLAB_CACHES - 1)
			snprintf(slab_names[i], sizeof(slab_names[i]),
				 "pid_namespace");
		else
			snprintf(slab_names[i], sizeof(slab_names[i]), "pid_%d",
				 i + 1);
		slab_cache[i] = slab_names[i];
	}
}

/*
 * Objects in use in a cache: /proc/slabinfo, else the sysfs "objects"
 * file (a cache merged into another is only there); -1 if the cache does
 * not exist (yet: the per-depth caches appear with the first namespace at
 * their depth).
 */
static long slab_objects(int sysfd, const char *cache)
{
	char path[80], buf[64];
	long n = pidns_slab_active(cache);

	if (n >= 0 || sysfd < 0)
		return n;
	snprintf(path, sizeof(path), "kernel/slab/%s/objects", cache);
	if (pidns_read_file_at(sysfd, path, buf, sizeof(buf)) <= 0)
		return -1;
	return strtol(buf, NULL, 10);
}

struct slab_snap {
	long objs[SLAB_CACHES];
};

static void slab_snapshot(struct slab_snap *snap)
{
	int sysfd;

	pidns_settle_slabs(slab_cache, SLAB_CACHES);
	sysfd = pidns_sysfs_open();
	for (int i = 0; i < SLAB_CACHES; i++)
		snap->objs[i] = slab_objects(sysfd, slab_cache[i]);
	if (sysfd >= 0)
		close(sysfd);
}

/*
 * Depth-0 pids come and go with every kernel thread the guest starts, so
 * "pid" gets some slack; nothing but the tests makes deeper pids or
 * namespaces, so those must come back exactly.
 */
static long slab_slack(int i)
{
	return i == 0 ? 8 : 0;
}

static bool slab_back(const struct slab_snap *before,
		      const struct slab_snap *now)
{
	for (int i = 0; i < SLAB_CACHES; i++) {
		long was = before->objs[i] < 0 ? 0 : before->objs[i];

		if (now->objs[i] > was + slab_slack(i))
			return false;
	}
	return true;
}

/*
 * Compare against @before until the counts are back or it is clear they
 * will not be: freed pids and namespaces go through one or two RCU grace
 * periods, and a task's last references go with its task_struct, later.
 */
static void expect_slabs_back(struct __test_metadata *_metadata,
			      const struct slab_snap *before, const char *what)
{
	struct slab_snap now;
	char line[1024];
	size_t off = 0;

	for (int try = 0; try < 60; try++) {
		slab_snapshot(&now);
		if (slab_back(before, &now))
			break;
	}
	for (int i = 0; i < SLAB_CACHES && off < sizeof(line); i++) {
		if (before->objs[i] < 0 && now.objs[i] < 0)
			continue;
		off += snprintf(line + off, sizeof(line) - off, " %s %ld/%ld",
				slab_cache[i], before->objs[i], now.objs[i]);
	}
	ksft_print_msg("%s: slab objects before/after:%s\n", what, line);
	EXPECT_TRUE(slab_back(before, &now)) {
		TH_LOG("%s: pid or pid_namespace objects leaked", what);
	}
}

/* ---- shared state ------------------------------------------------------ */

struct sweep_result {
	int points;		/* attempts in which an allocation failed */
	int enomem, eagain, enospc, other;
	int survived;		/* ...and which succeeded all the same */
	int passes;		/* sweeps made (their errors add up) */
	/* the last attempt, made in a helper process */
	long ret;
	bool injected;
};

#define MAX_CHAIN	(PIDNS_MAX_LEVEL + 1)

struct fault_shared {
	/* fail-nth is read back into shared memory: no copy-on-write fault */
	char nthbuf[64];
	struct sweep_result res;
	pid_t chain_outer[MAX_CHAIN];	/* level-0 numbers of the chain */
	int depth;
	/* clone3() set_tid: a free level-0 number the test found */
	pid_t free_outer;
	/* clone3() CLONE_PIDFD writes here: no copy-on-write fault either */
	int pidfd;
	/* the orphan sweeps: orphans made, and those not adopted by init */
	int orphans;
	int astray;
};

static struct fault_shared *sh;

/* ---- arming fail-nth ---------------------------------------------------- */

struct fi {
	int fd;			/* fail-nth of the calling thread */
};

static void fi_open(struct fi *fi)
{
	fi->fd = open(FAIL_NTH, O_RDWR | O_CLOEXEC);
	CHILD_CHECK(fi->fd >= 0);
}

/*
 * What the child of a forking call does (@forks): with FI_CHILD_EXITS
 * (true) it exits at once; with FI_CHILD_RETURNS it returns 0 from
 * fi_call() without touching fail-nth, whose file is its parent's, and
 * must then use plain system calls only (see pidns_util.h).
 */
#define FI_CHILD_EXITS		1
#define FI_CHILD_RETURNS	2

/*
 * System call @nr with fail-nth armed, then read fail-nth back and disarm
 * it.  Nothing between the system call and the disarming may fault in a
 * page: after a successful fork every private page of ours is
 * copy-on-write, and the copy would take the remaining count, so this is
 * one block of assembly that keeps the result in registers and reads back
 * into shared memory.  A forked child exits at once, in the same block,
 * or leaves it at once (FI_CHILD_RETURNS).
 * Returns the raw result (-errno on failure).
 */
#if defined(__x86_64__)
static long fi_raw(long nr, long a1, long a2, long a3, long a4, long a5,
		   long forks, int fd, char *buf)
{
	register long rax __asm__("rax") = nr;
	register long rdi __asm__("rdi") = a1;
	register long rsi __asm__("rsi") = a2;
	register long rdx __asm__("rdx") = a3;
	register long r10 __asm__("r10") = a4;
	register long r8 __asm__("r8") = a5;
	register long r9 __asm__("r9") = (long)"0";
	register long r12 __asm__("r12") = forks;
	register long r13 __asm__("r13") = fd;
	register long r14 __asm__("r14") = (long)buf;

	__asm__ volatile("syscall\n\t"
		"test %%rax, %%rax\n\t"
		"jnz 1f\n\t"
		"test %%r12, %%r12\n\t"
		"jz 1f\n\t"
		/* the child: exit(0), or return 0 with FI_CHILD_RETURNS */
		"cmp $1, %%r12\n\t"
		"jne 2f\n\t"
		"mov $60, %%eax\n\t"
		"xor %%edi, %%edi\n\t"
		"syscall\n\t"
		"1:\n\t"
		"mov %%rax, %%r12\n\t"
		/* pread64(fd, buf, 15, 0) */
		"mov $17, %%eax\n\t"
		"mov %%r13, %%rdi\n\t"
		"mov %%r14, %%rsi\n\t"
		"mov $15, %%edx\n\t"
		"xor %%r10d, %%r10d\n\t"
		"syscall\n\t"
		/* write(fd, "0", 1) */
		"mov $1, %%eax\n\t"
		"mov %%r13, %%rdi\n\t"
		"mov %%r9, %%rsi\n\t"
		"mov $1, %%edx\n\t"
		"syscall\n\t"
		"mov %%r12, %%rax\n\t"
		"2:\n\t"
		: "+r" (rax), "+r" (rdi), "+r" (rsi), "+r" (rdx), "+r" (r10),
		  "+r" (r12)
		: "r" (r8), "r" (r9), "r" (r13), "r" (r14)
		: "rcx", "r11", "memory", "cc");
	return rax;
}
#else
/*
 * Elsewhere in C: after a successful fork, a copy-on-write fault before
 * the read-back may take the last of the count; such an attempt counts as
 * one that succeeded despite a fault.
 */
static long fi_raw(long nr, long a1, long a2, long a3, long a4, long a5,
		   long forks, int fd, char *buf)
{
	long ret = syscall(nr, a1, a2, a3, a4, a5);

	if (ret == -1)
		ret = -errno;
	if (forks == FI_CHILD_EXITS && ret == 0)
		_exit(0);
	if (forks && ret == 0)
		return 0;
	pread(fd, buf, 15, 0);
	write(fd, "0", 1);
	return ret;
}
#endif

static long fi_call(struct fi *fi, unsigned int nth, bool *injected, long nr,
		    long a1, long a2, long a3, long a4, long a5, int forks)
{
	char num[16];
	int len;
	long ret;

	len = snprintf(num, sizeof(num), "%u", nth);
	memset(sh->nthbuf, 0, sizeof(sh->nthbuf));
	CHILD_CHECK(write(fi->fd, num, len) == len);
	ret = fi_raw(nr, a1, a2, a3, a4, a5, forks, fi->fd, sh->nthbuf);
	/* the child of FI_CHILD_RETURNS: the read-back is its parent's */
	if (forks == FI_CHILD_RETURNS && ret == 0)
		return 0;
	/* fail-nth counts down to 0 when it fails an allocation */
	*injected = !strcmp(sh->nthbuf, "0\n");
	CHILD_CHECK(sh->nthbuf[0] >= '0' && sh->nthbuf[0] <= '9');
	return ret;
}

/* ---- sweeps --------------------------------------------------------------- */

struct sweep {
	const char *what;
	const int *errnos;	/* the documented errors, 0-terminated */
	/* make the call with the @nth allocation failing */
	long (*attempt)(struct sweep *sw, struct fi *fi, unsigned int nth,
			bool *injected);
	/* check the state after it, and undo a successful call */
	void (*after)(struct sweep *sw, long ret, bool injected);
	/* helper sweeps: set up the fresh process of one attempt */
	void (*setup)(struct sweep *sw);
	/* helper sweeps: in the sweeper, before each helper is forked */
	void (*before_helper)(struct sweep *sw);
	/* helper sweeps: times to sweep (default once) */
	int passes;
	void *ctx;
};

static const int err_fork[] = { ENOMEM, EAGAIN, 0 };
static const int err_newns[] = { ENOMEM, EAGAIN, ENOSPC, 0 };
static const int err_unshare[] = { ENOMEM, ENOSPC, 0 };
static const int err_setns[] = { ENOMEM, 0 };
static const int err_file[] = { ENOMEM, ENFILE, 0 };
static const int err_sysctl[] = { ENOMEM, 0 };

/* Is the result of attempt @nth as documented?  Counts it. */
static void sweep_judge(struct sweep *sw, unsigned int nth, long ret,
			bool injected)
{
	struct sweep_result *res = &sh->res;
	int err = ret < 0 ? (int)-ret : 0;
	bool documented = false;

	if (!injected) {
		if (err) {
			errno = err;
			fprintf(stderr, "# %s: failed without an injected fault (fault %u)\n",
				sw->what, nth);
			CHILD_CHECK(!err);
		}
		return;
	}
	if (!err) {
		res->survived++;
		return;
	}
	for (const int *e = sw->errnos; *e; e++)
		documented |= *e == err;
	if (!documented) {
		errno = err;
		fprintf(stderr, "# %s: fault %u: undocumented error %d\n",
			sw->what, nth, err);
		CHILD_CHECK(documented);
	}
	if (err == ENOMEM)
		res->enomem++;
	else if (err == EAGAIN)
		res->eagain++;
	else if (err == ENOSPC)
		res->enospc++;
	else
		res->other++;
}

/* Sweep in the calling process, which must be able to repeat the call. */
static void sweep_run(struct sweep *sw)
{
	struct fi fi;

	memset(&sh->res, 0, sizeof(sh->res));
	fi_open(&fi);
	for (unsigned int nth = 1; nth <= SWEEP_MAX; nth++) {
		bool injected;
		long ret = sw->attempt(sw, &fi, nth, &injected);

		sweep_judge(sw, nth, ret, injected);
		sw->after(sw, ret, injected);
		if (!injected) {
			sh->res.points = nth - 1;
			close(fi.fd);
			return;
		}
	}
	fprintf(stderr, "# %s: no success after %d faults\n", sw->what,
		SWEEP_MAX);
	CHILD_CHECK(0);
}

/*
 * Sweep with a fresh helper process per attempt, for calls that change
 * the caller for good (unshare(), setns()).  The helper judges and checks
 * its attempt itself, and hands the result back for the count.
 *
 * The Nth allocation is not the same one from attempt to attempt: a slab
 * that needs a new page, a new stack trace for KASAN's depot, add an
 * allocation now and then, and the allocation after it is skipped by the
 * sweep when that happens just before it.  A sweep that must not miss one
 * allocation is made more than once.
 */
static void sweep_run_helpers(struct sweep *sw)
{
	int passes = sw->passes ? sw->passes : 1;

	memset(&sh->res, 0, sizeof(sh->res));
	for (int pass = 0; pass < passes; pass++) {
		unsigned int nth;

		for (nth = 1; nth <= SWEEP_MAX; nth++) {
			pid_t helper;

			if (sw->before_helper)
				sw->before_helper(sw);
			helper = fork();
			CHILD_CHECK(helper >= 0);
			if (helper == 0) {
				struct fi fi;
				bool injected;
				long ret;

				if (sw->setup)
					sw->setup(sw);
				fi_open(&fi);
				ret = sw->attempt(sw, &fi, nth, &injected);
				sweep_judge(sw, nth, ret, injected);
				sw->after(sw, ret, injected);
				sh->res.ret = ret;
				sh->res.injected = injected;
				_exit(0);
			}
			CHILD_CHECK(pidns_wait_status(helper) == 0);
			if (!sh->res.injected)
				break;
		}
		if (nth > SWEEP_MAX) {
			fprintf(stderr, "# %s: no success after %d faults\n",
				sw->what, SWEEP_MAX);
			CHILD_CHECK(0);
		}
		/* the count of the last pass; the errors add up */
		sh->res.points = nth - 1;
		sh->res.passes = pass + 1;
	}
}

static void report(struct __test_metadata *_metadata, const char *what)
{
	struct sweep_result *r = &sh->res;

	if (r->passes > 1)
		ksft_print_msg("%s: %d injection points (last of %d sweeps)\n",
			       what, r->points, r->passes);
	else
		ksft_print_msg("%s: %d injection points\n", what, r->points);
	ksft_print_msg("%s: ENOMEM %d EAGAIN %d ENOSPC %d other %d, survived %d\n",
		       what, r->enomem, r->eagain, r->enospc, r->other,
		       r->survived);
	/* A sweep that injected nothing tested nothing. */
	EXPECT_GT(r->points, 0);
}

/* ---- the state after a failure ------------------------------------------ */

static int own_proc = -1;	/* proc of the sweeper's active namespace */
static int root_proc = -1;	/* the initial namespace's proc, /proc */

static void open_procs(void)
{
	if (own_proc < 0)
		own_proc = pidns_proc_open();
	if (root_proc < 0)
		root_proc = open("/proc", O_DIRECTORY | O_CLOEXEC);
	CHILD_CHECK(own_proc >= 0 && root_proc >= 0);
}

/* Parse "Field:\tn1\tn2..." of a proc file; count of values, or -1. */
static int proc_field(int dirfd, const char *path, const char *field,
		      long *vals, int max)
{
	char buf[4096], *p;
	size_t flen = strlen(field);
	int n = 0;

	if (pidns_read_file_at(dirfd, path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, field, flen) || p[flen] != ':')
			continue;
		p += flen + 1;
		while (n < max) {
			char *end;
			long v = strtol(p, &end, 10);

			if (end == p)
				break;
			vals[n++] = v;
			p = end;
		}
		return n;
	}
	return -1;
}

static int cursor_fd = -1;	/* ns_last_pid of the sweeper's namespace */

static int cursor_get(void)
{
	char buf[16];
	ssize_t len;

	if (cursor_fd < 0)
		cursor_fd = open(NS_LAST_PID, O_RDWR | O_CLOEXEC);
	CHILD_CHECK(cursor_fd >= 0);
	len = pread(cursor_fd, buf, sizeof(buf) - 1, 0);
	CHILD_CHECK(len > 0);
	buf[len] = '\0';
	return atoi(buf);
}

static void cursor_set(int last)
{
	char buf[16];
	int len = snprintf(buf, sizeof(buf), "%d", last);

	if (cursor_fd < 0)
		cursor_fd = open(NS_LAST_PID, O_RDWR | O_CLOEXEC);
	CHILD_CHECK(cursor_fd >= 0);
	CHILD_CHECK(pwrite(cursor_fd, buf, len, 0) == len);
}

/* A child that reports what it sees and waits until released. */
struct probe {
	pid_t pid;	/* as clone3() returned it: the caller's namespace */
	pid_t self;	/* getpid() in the child */
	pid_t parent;	/* getppid() in the child */
	int hold;	/* closing it releases the child */
};

/* Returns 0, or -errno of clone3(). */
static int probe_spawn(struct probe *p, unsigned long flags, pid_t *set_tid,
		       size_t set_tid_size)
{
	struct pidns_clone_args args = {
		.flags = flags,
		.exit_signal = SIGCHLD,
		.set_tid = ptr_to_u64(set_tid),
		.set_tid_size = set_tid_size,
	};
	int up[2], hold[2], err;
	pid_t v[2];

	CHILD_CHECK(!pidns_pipe(up) && !pidns_pipe(hold));
	p->pid = sys_clone3(&args, sizeof(args));
	if (p->pid == 0) {
		v[0] = sys_getpid();
		v[1] = sys_getppid();
		close(up[0]);
		close(hold[1]);
		write(up[1], v, sizeof(v));
		read(hold[0], v, 1);
		_exit(0);
	}
	err = errno;
	close(up[1]);
	close(hold[0]);
	if (p->pid < 0) {
		close(up[0]);
		close(hold[1]);
		return -err;
	}
	CHILD_CHECK(pidns_read_all(up[0], v, sizeof(v)) == sizeof(v));
	close(up[0]);
	p->self = v[0];
	p->parent = v[1];
	p->hold = hold[1];
	return 0;
}

static void probe_end(struct probe *p)
{
	close(p->hold);
	CHILD_CHECK(pidns_wait_status(p->pid) == 0);
}

/*
 * Every lookup finds the probe: kill(), pidfd_open() and /proc in the
 * caller's namespace, and /proc of the initial namespace by its level-0
 * number (taken from the pidfd's NSpid, read through that proc), where
 * NSpid must list @levels numbers ending in the probe's own.  @want, if
 * not NULL, is the NSpid expected there, level 0 first.
 */
static void check_found_everywhere(struct probe *p, int levels,
				   const long *want)
{
	long ns[MAX_CHAIN + 1], outer[MAX_CHAIN + 1];
	char path[64];
	int pidfd, n, m;

	open_procs();
	CHILD_CHECK(kill(p->pid, 0) == 0);
	snprintf(path, sizeof(path), "%d/status", p->pid);
	n = proc_field(own_proc, path, "NSpid", ns, MAX_CHAIN + 1);
	CHILD_CHECK(n >= 1 && ns[0] == p->pid && ns[n - 1] == p->self);

	pidfd = sys_pidfd_open(p->pid, 0);
	CHILD_CHECK(pidfd >= 0);
	snprintf(path, sizeof(path), "self/fdinfo/%d", pidfd);
	n = proc_field(root_proc, path, "NSpid", ns, MAX_CHAIN + 1);
	close(pidfd);
	CHILD_CHECK(n == levels && ns[n - 1] == p->self);
	if (want)
		CHILD_CHECK(!memcmp(ns, want, n * sizeof(*want)));

	snprintf(path, sizeof(path), "%ld/status", ns[0]);
	m = proc_field(root_proc, path, "NSpid", outer, MAX_CHAIN + 1);
	CHILD_CHECK(m == n && !memcmp(ns, outer, n * sizeof(*ns)));
}

static void reap(pid_t pid)
{
	CHILD_CHECK(pidns_wait_status(pid) == 0);
}

static ino_t ns_ino(int dirfd, const char *path)
{
	struct stat st;

	if (fstatat(dirfd, path, &st, 0))
		return 0;
	return st.st_ino;
}

/* ---- running at a depth ----------------------------------------------------- */

/*
 * Run @fn at @depth: as the init of the last of @depth nested namespaces
 * (depth 0: a plain child).  Every level reports its level-0 number, and
 * while @fn's process waits after @fn, the test finds each of them with
 * kill(), pidfd_open() and /proc.  Returns the exit status of @fn's
 * process (0: all its checks passed).
 */
static int run_at_depth(struct __test_metadata *_metadata, int depth,
			void (*fn)(void *), void *arg)
{
	int done[2], go[2], status;
	pid_t top;

	ASSERT_EQ(0, pidns_pipe(done));
	ASSERT_EQ(0, pidns_pipe(go));
	sh->depth = depth;
	top = depth ? pidns_fork() : fork();
	ASSERT_GE(top, 0);
	if (top == 0) {
		int level;

		close(done[0]);
		close(go[1]);
		for (level = 1; level <= depth; level++) {
			long vals[MAX_CHAIN + 1];
			pid_t next;
			int n;

			n = proc_field(AT_FDCWD, "/proc/self/status", "NSpid",
				       vals, MAX_CHAIN + 1);
			CHILD_CHECK(n == level + 1);
			sh->chain_outer[level] = vals[0];
			if (level == depth)
				break;
			next = pidns_fork();
			CHILD_CHECK(next >= 0);
			if (next) {
				/* only the last level reports */
				close(done[1]);
				close(go[0]);
				_exit(pidns_wait_status(next));
			}
		}
		fn(arg);
		pidns_post_byte(done[1]);
		pidns_wait_byte(go[0]);
		_exit(0);
	}
	close(done[1]);
	close(go[0]);
	if (pidns_wait_byte(done[0])) {
		for (int level = 1; level <= depth; level++) {
			pid_t nr = sh->chain_outer[level];
			char path[32];
			int pidfd;

			EXPECT_EQ(0, kill(nr, 0));
			pidfd = sys_pidfd_open(nr, 0);
			EXPECT_GE(pidfd, 0);
			close(pidfd);
			snprintf(path, sizeof(path), "/proc/%d", nr);
			EXPECT_EQ(0, access(path, F_OK));
		}
	}
	close(go[1]);
	close(done[0]);
	status = pidns_wait_status(top);
	return status;
}

/* ---- fixture ------------------------------------------------------------ */

FIXTURE(fault) {
	char saved[FI_KNOBS][32];
	bool armed;
	struct slab_snap before;
};

FIXTURE_SETUP(fault)
{
	PIDNS_REQUIRE();
	if (access(FAIL_NTH, R_OK | W_OK))
		SKIP(return, "%s: %s (CONFIG_FAULT_INJECTION=n?)", FAIL_NTH,
		     strerror(errno));
	for (int i = 0; i < FI_KNOBS; i++) {
		char *nl;

		if (pidns_read_file_at(AT_FDCWD, fi_knob_path[i],
				       self->saved[i],
				       sizeof(self->saved[i])) <= 0)
			SKIP(return, "%s: %s (no FAILSLAB, FAIL_PAGE_ALLOC or debugfs?)",
			     fi_knob_path[i], strerror(errno));
		nl = strchr(self->saved[i], '\n');
		if (nl)
			*nl = '\0';
	}
	self->armed = true;
	for (int i = 0; i < FI_KNOBS; i++) {
		ASSERT_EQ(0, pidns_write_file(fi_knob_path[i],
					      fi_knob_value[i])) {
			TH_LOG("%s: %s", fi_knob_path[i], strerror(errno));
		}
	}

	sh = pidns_shared_alloc(sizeof(*sh));
	ASSERT_NE(NULL, sh);
	slab_snapshot(&self->before);
}

FIXTURE_TEARDOWN(fault)
{
	if (!self->armed)
		return;
	for (int i = FI_KNOBS - 1; i >= 0; i--)
		EXPECT_EQ(0, pidns_write_file(fi_knob_path[i], self->saved[i]));
}

/* ---- fork at a depth ---------------------------------------------------- */

/*
 * The sweeper is the init (1) of its namespace, alone in it: each attempt
 * starts with the cursor at CURSOR, so a fork that works gets CURSOR + 1,
 * and one that failed may have moved the cursor by that one number.
 */
static long fork_attempt(struct sweep *sw, struct fi *fi, unsigned int nth,
			 bool *injected)
{
	cursor_set(CURSOR);
	return fi_call(fi, nth, injected, SYS_clone, SIGCHLD, 0, 0, 0, 0, true);
}

static void fork_after(struct sweep *sw, long ret, bool injected)
{
	struct probe p;
	int last;

	if (ret > 0) {
		CHILD_CHECK(ret == CURSOR + 1);
		reap(ret);
		return;
	}
	last = cursor_get();
	CHILD_CHECK(last == CURSOR || last == CURSOR + 1);
	CHILD_CHECK(probe_spawn(&p, 0, NULL, 0) == 0);
	CHILD_CHECK(p.pid == last + 1 && p.self == p.pid && p.parent == 1);
	check_found_everywhere(&p, sh->depth + 1, NULL);
	probe_end(&p);
	CHILD_CHECK(kill(1, 0) == 0 && sys_getpid() == 1);
}

static void fork_sweep(void *arg)
{
	struct sweep sw = {
		.what = arg,
		.errnos = err_fork,
		.attempt = fork_attempt,
		.after = fork_after,
	};

	sweep_run(&sw);
}

static void fork_at_depth(struct __test_metadata *_metadata,
			  const struct slab_snap *before, int depth)
{
	char what[64];

	snprintf(what, sizeof(what), "fork at depth %d", depth);
	ASSERT_EQ(0, run_at_depth(_metadata, depth, fork_sweep, what));
	report(_metadata, what);
	expect_slabs_back(_metadata, before, what);
}

TEST_F_TIMEOUT(fault, fork_depth1, 120)
{
	fork_at_depth(_metadata, &self->before, 1);
}

TEST_F_TIMEOUT(fault, fork_depth2, 120)
{
	fork_at_depth(_metadata, &self->before, 2);
}

TEST_F_TIMEOUT(fault, fork_depth8, 120)
{
	fork_at_depth(_metadata, &self->before, 8);
}

/* ---- clone(CLONE_NEWPID) -------------------------------------------------- */

/*
 * At depth 0 the cursor is the whole system's and other tasks move it, so
 * only the child's view is checked there.
 */
static long newpid_attempt(struct sweep *sw, struct fi *fi, unsigned int nth,
			   bool *injected)
{
	if (sh->depth)
		cursor_set(CURSOR);
	return fi_call(fi, nth, injected, SYS_clone, CLONE_NEWPID | SIGCHLD,
		       0, 0, 0, 0, true);
}

static void newpid_after(struct sweep *sw, long ret, bool injected)
{
	struct probe p;
	int last = 0;

	if (ret > 0) {
		CHILD_CHECK(!sh->depth || ret == CURSOR + 1);
		reap(ret);
		return;
	}
	if (sh->depth) {
		last = cursor_get();
		CHILD_CHECK(last == CURSOR || last == CURSOR + 1);
	}
	CHILD_CHECK(probe_spawn(&p, CLONE_NEWPID, NULL, 0) == 0);
	CHILD_CHECK(p.self == 1 && p.parent == 0);
	CHILD_CHECK(!sh->depth || p.pid == last + 1);
	check_found_everywhere(&p, sh->depth + 2, NULL);
	probe_end(&p);
}

static void newpid_sweep(void *arg)
{
	struct sweep sw = {
		.what = arg,
		.errnos = err_newns,
		.attempt = newpid_attempt,
		.after = newpid_after,
	};

	sweep_run(&sw);
}

static void newpid_at_depth(struct __test_metadata *_metadata,
			    const struct slab_snap *before, int depth)
{
	char what[64];

	snprintf(what, sizeof(what), "clone(CLONE_NEWPID) at depth %d", depth);
	ASSERT_EQ(0, run_at_depth(_metadata, depth, newpid_sweep, what));
	report(_metadata, what);
	expect_slabs_back(_metadata, before, what);
}

TEST_F_TIMEOUT(fault, clone_newpid_depth0, 120)
{
	newpid_at_depth(_metadata, &self->before, 0);
}

TEST_F_TIMEOUT(fault, clone_newpid_depth3, 120)
{
	newpid_at_depth(_metadata, &self->before, 3);
}

/* ---- clone3() with set_tid at every level ------------------------------------ */

/*
 * At depth 2: numbers chosen at levels 2, 1 and 0 (and 1 in a new
 * namespace at level 3), each in a chunk nobody uses yet, so a chunk is
 * allocated at every level after the levels below have taken theirs.  A
 * failure must give every number back: the same clone3() then works.
 */
#define SET_TID_L2	700
#define SET_TID_L1	800

struct set_tid_ctx {
	unsigned long flags;
	pid_t tid[4];		/* leaf first, as clone3() wants them */
	size_t n;
	long nspid[4];		/* the same, level 0 first */
};

static long set_tid_attempt(struct sweep *sw, struct fi *fi,
			    unsigned int nth, bool *injected)
{
	struct set_tid_ctx *c = sw->ctx;
	struct pidns_clone_args args = {
		.flags = c->flags,
		.exit_signal = SIGCHLD,
		.set_tid = ptr_to_u64(c->tid),
		.set_tid_size = c->n,
	};

	return fi_call(fi, nth, injected, __NR_clone3, (long)&args,
		       sizeof(args), 0, 0, 0, true);
}

static void set_tid_after(struct sweep *sw, long ret, bool injected)
{
	struct set_tid_ctx *c = sw->ctx;
	struct probe p;
	int err;

	if (ret > 0) {
		CHILD_CHECK(ret == SET_TID_L2);
		reap(ret);
		return;
	}
	err = probe_spawn(&p, c->flags, c->tid, c->n);
	errno = -err;
	/* EEXIST here: a number of the failed attempt was not given back */
	CHILD_CHECK(err == 0);
	CHILD_CHECK(p.pid == SET_TID_L2 && p.self == c->tid[0]);
	CHILD_CHECK(p.parent == (c->flags & CLONE_NEWPID ? 0 : 1));
	check_found_everywhere(&p, c->n, c->nspid);
	probe_end(&p);
}

static void set_tid_sweep(void *arg)
{
	struct set_tid_ctx *c = arg;
	struct sweep sw = {
		.what = c->flags & CLONE_NEWPID ?
			"clone3(CLONE_NEWPID) set_tid of 4 at depth 2" :
			"clone3() set_tid of 3 at depth 2",
		.errnos = c->flags & CLONE_NEWPID ? err_newns : err_fork,
		.attempt = set_tid_attempt,
		.after = set_tid_after,
		.ctx = c,
	};

	sweep_run(&sw);
}

/* A level-0 number no task has, in the top chunk of the number space. */
static pid_t free_outer_number(void)
{
	int max = pidns_read_int("/proc/sys/kernel/pid_max");

	for (pid_t nr = max - 100; nr > max - 400 && nr > 1000; nr--) {
		char path[32];

		snprintf(path, sizeof(path), "/proc/%d", nr);
		if (kill(nr, 0) && errno == ESRCH && access(path, F_OK))
			return nr;
	}
	return -1;
}

static void set_tid_test(struct __test_metadata *_metadata,
			 const struct slab_snap *before, bool newpid)
{
	struct set_tid_ctx c = { .flags = newpid ? CLONE_NEWPID : 0 };
	pid_t outer = free_outer_number();
	const char *what = newpid ? "clone3(CLONE_NEWPID) set_tid" :
			   "clone3() set_tid";
	size_t i = 0;

	ASSERT_GT(outer, 0);
	if (newpid)
		c.tid[i++] = 1;
	c.tid[i++] = SET_TID_L2;
	c.tid[i++] = SET_TID_L1;
	c.tid[i++] = outer;
	c.n = i;
	for (i = 0; i < c.n; i++)
		c.nspid[i] = c.tid[c.n - 1 - i];
	ASSERT_EQ(0, run_at_depth(_metadata, 2, set_tid_sweep, &c));
	report(_metadata, what);
	expect_slabs_back(_metadata, before, what);
}

TEST_F_TIMEOUT(fault, clone3_set_tid_every_level, 120)
{
	set_tid_test(_metadata, &self->before, false);
}

TEST_F_TIMEOUT(fault, clone3_newpid_set_tid_every_level, 120)
{
	set_tid_test(_metadata, &self->before, true);
}

/* ---- clone3() with CLONE_AUTOREAP and CLONE_PIDFD_AUTOKILL ------------- */

/*
 * NULL if clone3() takes CLONE_AUTOREAP with @flags (exit signal 0, a
 * valid combination), else why not: EINVAL is a kernel without them.
 * Any other error is left for the sweep to report.  The probe's child
 * exits at once; the wait only makes sure that it is gone.
 */
static const char *clone3_flags_missing(uint64_t flags)
{
	static char why[96];
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
	if (pid < 0) {
		if (errno != EINVAL)
			return NULL;
		snprintf(why, sizeof(why), "clone3() flags %#llx: EINVAL (no CLONE_AUTOREAP%s?)",
			 (unsigned long long)args.flags,
			 flags & CLONE_PIDFD_AUTOKILL ?
			 " or CLONE_PIDFD_AUTOKILL" : "");
		return why;
	}
	sys_waitid(P_PIDFD, pidfd, &si, WEXITED | __WALL, NULL);
	close(pidfd);
	return NULL;
}

/* Block until @pidfd has @events; 0 waits for POLLHUP: the task is reaped. */
static void pidfd_wait(int pidfd, short events)
{
	struct pollfd pfd = { .fd = pidfd, .events = events };
	int n;

	do
		n = poll(&pfd, 1, -1);
	while (n < 0 && errno == EINTR);
	CHILD_CHECK(n == 1 && (pfd.revents & (events ? events : POLLHUP)));
}

/* The caller has no child, not even a zombie. */
static void expect_no_child(void)
{
	pid_t pid = waitpid(-1, NULL, WNOHANG | __WALL);

	if (pid > 0)
		fprintf(stderr, "# child %d was left to wait for\n", pid);
	CHILD_CHECK(pid < 0 && errno == ECHILD);
}

/*
 * An autoreap child is released at its exit, never a zombie of the
 * sweeper, which has no other child.  Its exit (a pidfd's POLLIN) and its
 * release are one section under tasklist_lock, which wait takes too, so
 * from POLLIN on a wait finds no child; POLLHUP comes once it is unhashed.
 * With @pidfd -1 one is opened: ESRCH if it is released already (EINVAL
 * while it is being released: its number found, its task gone).
 */
static void autoreap_gone(pid_t pid, int pidfd)
{
	if (pidfd < 0) {
		pidfd = sys_pidfd_open(pid, 0);
		CHILD_CHECK(pidfd >= 0 || errno == ESRCH || errno == EINVAL);
	}
	if (pidfd >= 0) {
		pidfd_wait(pidfd, POLLIN);
		expect_no_child();
		pidfd_wait(pidfd, 0);
		close(pidfd);
	}
	expect_no_child();
}

/*
 * At depth 1, clone3(CLONE_AUTOREAP) like fork_sweep(): the child exits
 * at once.  At depth 2, the init of a new namespace with CLONE_PIDFD and
 * CLONE_PIDFD_AUTOKILL, which waits until the sweeper has closed the
 * pidfd.  After a failure, as after any fork's: the cursor moved by one
 * number at most, the next child (a new init for CLONE_NEWPID) gets the
 * next number and is found everywhere, and no pidfd was installed.
 */
struct autoreap_ctx {
	const char *what;
	uint64_t flags;
	int hold[2];		/* autokill: the child waits for EOF... */
	int alive[2];		/* ...and says here that it lived on */
};

/*
 * The autokill child, in plain system calls.  The sweeper closes hold[1]
 * only after the pidfd, whose release has killed it by then: it never
 * gets to write.
 */
static __noreturn void autokill_child(struct autoreap_ctx *c)
{
	char b;

	close(c->hold[1]);
	close(c->alive[0]);
	read(c->hold[0], &b, 1);
	write(c->alive[1], "L", 1);
	_exit(0);
}

static long autoreap_attempt(struct sweep *sw, struct fi *fi,
			     unsigned int nth, bool *injected)
{
	struct autoreap_ctx *c = sw->ctx;
	bool autokill = c->flags & CLONE_PIDFD_AUTOKILL;
	struct pidns_clone_args args = {
		.flags = c->flags,
		.pidfd = ptr_to_u64(&sh->pidfd),
	};
	long ret;

	if (autokill)
		CHILD_CHECK(!pidns_pipe(c->hold) && !pidns_pipe(c->alive));
	sh->pidfd = -1;
	cursor_set(CURSOR);
	ret = fi_call(fi, nth, injected, __NR_clone3, (long)&args,
		      sizeof(args), 0, 0, 0,
		      autokill ? FI_CHILD_RETURNS : FI_CHILD_EXITS);
	if (ret == 0)
		autokill_child(c);
	return ret;
}

/*
 * Closing the autokill pidfd, the last reference to its file, sends
 * SIGKILL before close() returns, forced on the init: the child must not
 * see hold's EOF.  Then it is released like any autoreap child, and its
 * namespace is dead: a fork into it is ENOMEM.
 */
static void autokill_ends(struct autoreap_ctx *c, pid_t pid)
{
	int other, nsfd;
	char path[32], b;
	ssize_t n;
	pid_t h;

	CHILD_CHECK(sh->pidfd >= 0);
	/* a pidfd of its own, which does not keep the child alive */
	other = sys_pidfd_open(pid, 0);
	CHILD_CHECK(other >= 0);
	open_procs();
	snprintf(path, sizeof(path), "%d/ns/pid", pid);
	nsfd = openat(own_proc, path, O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(nsfd >= 0);
	close(sh->pidfd);
	close(c->hold[1]);
	n = read(c->alive[0], &b, 1);
	close(c->alive[0]);
	if (n)
		fprintf(stderr, "# %s: the child lived on after its pidfd was closed\n",
			c->what);
	CHILD_CHECK(n == 0);
	autoreap_gone(pid, other);
	h = fork();
	CHILD_CHECK(h >= 0);
	if (h == 0) {
		CHILD_CHECK(setns(nsfd, CLONE_NEWPID) == 0);
		h = fork();
		if (h == 0)
			_exit(0);
		if (h > 0)
			reap(h);
		CHILD_CHECK(h < 0 && errno == ENOMEM);
		_exit(0);
	}
	close(nsfd);
	reap(h);
}

static void autoreap_after(struct sweep *sw, long ret, bool injected)
{
	struct autoreap_ctx *c = sw->ctx;
	bool autokill = c->flags & CLONE_PIDFD_AUTOKILL;
	int newpid = !!(c->flags & CLONE_NEWPID);
	struct probe p;
	int last;

	if (autokill) {
		close(c->hold[0]);
		close(c->alive[1]);
	}
	if (ret > 0) {
		CHILD_CHECK(ret == CURSOR + 1);
		if (autokill)
			autokill_ends(c, ret);
		else
			autoreap_gone(ret, -1);
		return;
	}
	/* The number the kernel may have written is free again. */
	CHILD_CHECK(sh->pidfd < 0 ||
		    (fcntl(sh->pidfd, F_GETFD) < 0 && errno == EBADF));
	if (autokill) {
		close(c->hold[1]);
		close(c->alive[0]);
	}
	last = cursor_get();
	CHILD_CHECK(last == CURSOR || last == CURSOR + 1);
	CHILD_CHECK(probe_spawn(&p, c->flags & CLONE_NEWPID, NULL, 0) == 0);
	if (newpid)
		CHILD_CHECK(p.self == 1 && p.parent == 0);
	else
		CHILD_CHECK(p.self == p.pid && p.parent == 1);
	CHILD_CHECK(p.pid == last + 1);
	check_found_everywhere(&p, sh->depth + 1 + newpid, NULL);
	probe_end(&p);
	expect_no_child();
}

static void autoreap_sweep(void *arg)
{
	struct autoreap_ctx *c = arg;
	struct sweep sw = {
		.what = c->what,
		.errnos = c->flags & CLONE_NEWPID ? err_newns : err_fork,
		.attempt = autoreap_attempt,
		.after = autoreap_after,
		.ctx = c,
	};

	sweep_run(&sw);
}

static void autoreap_test(struct __test_metadata *_metadata,
			  const struct slab_snap *before, uint64_t flags,
			  int depth)
{
	struct autoreap_ctx c = { .flags = flags };
	char what[80];

	snprintf(what, sizeof(what), "clone3(%s) at depth %d",
		 flags & CLONE_PIDFD_AUTOKILL ?
		 "NEWPID|AUTOREAP|PIDFD|PIDFD_AUTOKILL" : "CLONE_AUTOREAP",
		 depth);
	c.what = what;
	ASSERT_EQ(0, run_at_depth(_metadata, depth, autoreap_sweep, &c));
	report(_metadata, what);
	expect_slabs_back(_metadata, before, what);
}

TEST_F_TIMEOUT(fault, clone3_autoreap_depth1, 120)
{
	const char *why = clone3_flags_missing(0);

	if (why)
		SKIP(return, "%s", why);
	autoreap_test(_metadata, &self->before, CLONE_AUTOREAP, 1);
}

TEST_F_TIMEOUT(fault, clone3_newpid_autokill_depth2, 180)
{
	const char *why = clone3_flags_missing(CLONE_PIDFD_AUTOKILL);

	if (why)
		SKIP(return, "%s", why);
	autoreap_test(_metadata, &self->before,
		      CLONE_NEWPID | CLONE_AUTOREAP | CLONE_PIDFD |
		      CLONE_PIDFD_AUTOKILL, 2);
}

/* ---- unshare(CLONE_NEWPID) + the first fork ---------------------------------- */

/*
 * Each attempt in a helper that has just unshared.  Its namespace is
 * fresh: the fork that fails may have taken number 1 there already, and
 * failed at a level above, or after alloc_pid().  Whatever the level, the
 * namespace must be left as new (Documentation/pidns.txt): the next fork
 * is its init, number 1 with parent 0.  Not a member numbered 2 in a
 * namespace without an init, whose exit would find no reaper.
 *
 * Below depth 0 the helper's own namespace has its cursor at CURSOR,
 * before an unused chunk: that level's number is taken after the new
 * namespace's 1, and its chunk allocation fails too.
 */
static void first_fork_before_helper(struct sweep *sw)
{
	/* the helper's own number low, out of the chunk after CURSOR */
	if (sh->depth)
		cursor_set(1);
}

static void first_fork_setup(struct sweep *sw)
{
	CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
	if (sh->depth)
		cursor_set(CURSOR);
}

static long first_fork_attempt(struct sweep *sw, struct fi *fi,
			       unsigned int nth, bool *injected)
{
	return fi_call(fi, nth, injected, SYS_clone, SIGCHLD, 0, 0, 0, 0, true);
}

static void first_fork_after(struct sweep *sw, long ret, bool injected)
{
	struct probe p;
	int err, last = 0;

	if (ret > 0) {
		reap(ret);
		return;
	}
	if (sh->depth) {
		last = cursor_get();
		CHILD_CHECK(last == CURSOR || last == CURSOR + 1);
	}
	err = probe_spawn(&p, 0, NULL, 0);
	errno = -err;
	CHILD_CHECK(err == 0);
	if (p.self != 1 || p.parent != 0)
		fprintf(stderr, "# %s: next fork got %d (parent %d), not the init\n",
			sw->what, p.self, p.parent);
	CHILD_CHECK(p.self == 1 && p.parent == 0);
	CHILD_CHECK(!sh->depth || p.pid == last + 1);
	check_found_everywhere(&p, sh->depth + 2, NULL);
	probe_end(&p);
}

static void first_fork_sweep(void *arg)
{
	struct sweep sw = {
		.what = arg,
		.errnos = err_fork,
		.attempt = first_fork_attempt,
		.after = first_fork_after,
		.setup = first_fork_setup,
		.before_helper = first_fork_before_helper,
		/*
		 * The chunk allocation above the new init's number 1 is
		 * the one that must not be skipped (see sweep_run_helpers()).
		 */
		.passes = sh->depth ? 4 : 1,
	};

	sweep_run_helpers(&sw);
}

static void first_fork_at_depth(struct __test_metadata *_metadata,
				const struct slab_snap *before, int depth)
{
	char what[64];

	snprintf(what, sizeof(what), "unshare(CLONE_NEWPID) then fork at depth %d",
		 depth);
	ASSERT_EQ(0, run_at_depth(_metadata, depth, first_fork_sweep, what));
	report(_metadata, what);
	expect_slabs_back(_metadata, before, what);
}

TEST_F_TIMEOUT(fault, unshare_first_fork_depth0, 120)
{
	first_fork_at_depth(_metadata, &self->before, 0);
}

TEST_F_TIMEOUT(fault, unshare_first_fork_depth1, 480)
{
	first_fork_at_depth(_metadata, &self->before, 1);
}

/* ---- unshare(CLONE_NEWPID) itself --------------------------------------------- */

static long unshare_attempt(struct sweep *sw, struct fi *fi, unsigned int nth,
			    bool *injected)
{
	return fi_call(fi, nth, injected, SYS_unshare, CLONE_NEWPID, 0, 0, 0,
		       0, false);
}

/*
 * A failed unshare() changes nothing (pid_for_children is still the
 * caller's namespace, and unshare() works next); after either, the first
 * child is the init of a new namespace.
 */
static void unshare_after(struct sweep *sw, long ret, bool injected)
{
	ino_t own = ns_ino(AT_FDCWD, "/proc/self/ns/pid");
	ino_t children;
	struct probe p;

	if (ret < 0) {
		CHILD_CHECK(own &&
			    ns_ino(AT_FDCWD, "/proc/self/ns/pid_for_children") ==
			    own);
		CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
	}
	/*
	 * No init yet.  pid_for_children is the new namespace already
	 * (upstream's rule since setns before the init was allowed; 6.12
	 * has no file until the first child, which this sweep accepts too,
	 * as it is about the error paths): not ours, and the one the first
	 * child lands in.
	 */
	children = ns_ino(AT_FDCWD, "/proc/self/ns/pid_for_children");
	CHILD_CHECK(children != own);
	CHILD_CHECK(probe_spawn(&p, 0, NULL, 0) == 0);
	CHILD_CHECK(p.self == 1 && p.parent == 0);
	CHILD_CHECK(!children ||
		    ns_ino(AT_FDCWD, "/proc/self/ns/pid_for_children") ==
		    children);
	check_found_everywhere(&p, sh->depth + 2, NULL);
	probe_end(&p);
}

static void unshare_sweep(void *arg)
{
	struct sweep sw = {
		.what = arg,
		.errnos = err_unshare,
		.attempt = unshare_attempt,
		.after = unshare_after,
	};

	sweep_run_helpers(&sw);
}

static void unshare_at_depth(struct __test_metadata *_metadata,
			     const struct slab_snap *before, int depth)
{
	char what[64];

	snprintf(what, sizeof(what), "unshare(CLONE_NEWPID) at depth %d", depth);
	ASSERT_EQ(0, run_at_depth(_metadata, depth, unshare_sweep, what));
	report(_metadata, what);
	expect_slabs_back(_metadata, before, what);
}

TEST_F_TIMEOUT(fault, unshare_depth0, 120)
{
	unshare_at_depth(_metadata, &self->before, 0);
}

TEST_F_TIMEOUT(fault, unshare_depth1, 120)
{
	unshare_at_depth(_metadata, &self->before, 1);
}

/* ---- setns() into a child namespace --------------------------------------------- */

/*
 * The target is a namespace at depth 1 whose init the sweeper (at depth
 * 0) made; helpers join it by an nsfs fd or by the init's pidfd.
 */
enum setns_kind { SETNS_NSFS, SETNS_PIDFD, SETNS_THEN_FORK };

struct setns_ctx {
	enum setns_kind kind;
	pid_t init;		/* the target's init, in our namespace */
	ino_t ino;		/* the target namespace */
	int fd;			/* in the helper: what setns() takes */
	pid_t prev;		/* in the helper: the last number in it */
};

static int setns_target_fd(struct setns_ctx *c)
{
	char path[64];

	if (c->kind == SETNS_PIDFD)
		return sys_pidfd_open(c->init, 0);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", c->init);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/* A probe made now must be in the target, numbered after @prev there. */
static void setns_probe_in_target(struct setns_ctx *c, struct probe *p)
{
	char path[64];

	CHILD_CHECK(probe_spawn(p, 0, NULL, 0) == 0);
	CHILD_CHECK(p->self > 1 && p->parent == 0);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", p->pid);
	CHILD_CHECK(ns_ino(AT_FDCWD, path) == c->ino);
	check_found_everywhere(p, 2, NULL);
}

static void setns_setup(struct sweep *sw)
{
	struct setns_ctx *c = sw->ctx;
	struct probe p;

	c->fd = setns_target_fd(c);
	CHILD_CHECK(c->fd >= 0);
	if (c->kind != SETNS_THEN_FORK)
		return;
	CHILD_CHECK(setns(c->fd, CLONE_NEWPID) == 0);
	setns_probe_in_target(c, &p);
	c->prev = p.self;
	probe_end(&p);
}

static long setns_attempt(struct sweep *sw, struct fi *fi, unsigned int nth,
			  bool *injected)
{
	struct setns_ctx *c = sw->ctx;

	if (c->kind == SETNS_THEN_FORK)
		return fi_call(fi, nth, injected, SYS_clone, SIGCHLD, 0, 0, 0,
			       0, true);
	return fi_call(fi, nth, injected, SYS_setns, c->fd, CLONE_NEWPID, 0,
		       0, 0, false);
}

static void setns_after(struct sweep *sw, long ret, bool injected)
{
	struct setns_ctx *c = sw->ctx;
	struct probe p;

	if (c->kind == SETNS_THEN_FORK) {
		if (ret > 0) {
			reap(ret);
			return;
		}
		/* at most the one number of the failed fork was used up */
		setns_probe_in_target(c, &p);
		CHILD_CHECK(p.self == c->prev + 1 || p.self == c->prev + 2);
		probe_end(&p);
		return;
	}
	if (ret == 0) {
		setns_probe_in_target(c, &p);
		probe_end(&p);
		return;
	}
	/* a failed setns() leaves the caller where it was */
	CHILD_CHECK(ns_ino(AT_FDCWD, "/proc/self/ns/pid_for_children") ==
		    ns_ino(AT_FDCWD, "/proc/self/ns/pid"));
	CHILD_CHECK(probe_spawn(&p, 0, NULL, 0) == 0);
	CHILD_CHECK(p.self == p.pid && p.parent == sys_getpid());
	check_found_everywhere(&p, 1, NULL);
	probe_end(&p);
}

static void setns_sweep(void *arg)
{
	static const char * const what[] = {
		[SETNS_NSFS] = "setns() by nsfs fd",
		[SETNS_PIDFD] = "setns() by pidfd",
		[SETNS_THEN_FORK] = "fork after setns()",
	};
	struct setns_ctx *c = arg;
	struct sweep sw = {
		.what = what[c->kind],
		.errnos = c->kind == SETNS_THEN_FORK ? err_fork : err_setns,
		.attempt = setns_attempt,
		.after = setns_after,
		.setup = setns_setup,
		.ctx = c,
	};
	int hold[2];
	char path[64];

	CHILD_CHECK(pidns_pipe(hold) == 0);
	c->init = pidns_fork_idle_init(hold);
	CHILD_CHECK(c->init > 0);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", c->init);
	c->ino = ns_ino(AT_FDCWD, path);
	CHILD_CHECK(c->ino);
	sweep_run_helpers(&sw);
	close(hold[1]);
	reap(c->init);
}

static void setns_test(struct __test_metadata *_metadata,
		       const struct slab_snap *before, enum setns_kind kind)
{
	struct setns_ctx c = { .kind = kind };
	const char *what = kind == SETNS_NSFS ? "setns() by nsfs fd" :
			   kind == SETNS_PIDFD ? "setns() by pidfd" :
			   "fork after setns()";

	ASSERT_EQ(0, run_at_depth(_metadata, 0, setns_sweep, &c));
	report(_metadata, what);
	expect_slabs_back(_metadata, before, what);
}

TEST_F_TIMEOUT(fault, setns_nsfs, 120)
{
	setns_test(_metadata, &self->before, SETNS_NSFS);
}

TEST_F_TIMEOUT(fault, setns_pidfd, 120)
{
	setns_test(_metadata, &self->before, SETNS_PIDFD);
}

TEST_F_TIMEOUT(fault, setns_then_fork, 300)
{
	setns_test(_metadata, &self->before, SETNS_THEN_FORK);
}

/* ---- pidfd_open(), pid_for_children, ns_last_pid -------------------------------- */

/* At depth 1, against a probe of the sweeper's. */
struct target_ctx {
	struct probe p;
	ino_t ino;		/* the sweeper's namespace */
	int fd;			/* ns_last_pid, for the writes */
	int old;		/* the cursor before a write */
	int val;		/* the value written */
	char buf[48];
};

static long pidfd_attempt(struct sweep *sw, struct fi *fi, unsigned int nth,
			  bool *injected)
{
	struct target_ctx *c = sw->ctx;

	return fi_call(fi, nth, injected, __NR_pidfd_open, c->p.pid, 0, 0, 0,
		       0, false);
}

static void pidfd_after(struct sweep *sw, long ret, bool injected)
{
	struct target_ctx *c = sw->ctx;
	char path[64];
	long pid;

	if (ret < 0) {
		ret = sys_pidfd_open(c->p.pid, 0);
		CHILD_CHECK(ret >= 0);
	}
	/* the pidfd is the probe's */
	snprintf(path, sizeof(path), "self/fdinfo/%ld", ret);
	CHILD_CHECK(proc_field(own_proc, path, "Pid", &pid, 1) == 1 &&
		    pid == c->p.pid);
	close(ret);
	check_found_everywhere(&c->p, 2, NULL);
}

static long pfc_attempt(struct sweep *sw, struct fi *fi, unsigned int nth,
			bool *injected)
{
	struct target_ctx *c = sw->ctx;

	return fi_call(fi, nth, injected, SYS_openat, own_proc, (long)c->buf,
		       O_RDONLY | O_CLOEXEC, 0, 0, false);
}

static void pfc_after(struct sweep *sw, long ret, bool injected)
{
	struct target_ctx *c = sw->ctx;

	if (ret < 0) {
		ret = openat(own_proc, c->buf, O_RDONLY | O_CLOEXEC);
		CHILD_CHECK(ret >= 0);
	}
	CHILD_CHECK(pidns_fd_ino(ret) == c->ino);
	close(ret);
	check_found_everywhere(&c->p, 2, NULL);
}

static long last_pid_attempt(struct sweep *sw, struct fi *fi,
			     unsigned int nth, bool *injected)
{
	struct target_ctx *c = sw->ctx;
	int len;

	c->old = cursor_get();
	/* a different value each time, away from the probe's number */
	c->val = 100 + nth % 300;
	len = snprintf(c->buf, sizeof(c->buf), "%d", c->val);
	return fi_call(fi, nth, injected, SYS_pwrite64, c->fd, (long)c->buf,
		       len, 0, 0, false);
}

/* The write took effect exactly when it succeeded. */
static void last_pid_after(struct sweep *sw, long ret, bool injected)
{
	struct target_ctx *c = sw->ctx;
	int want = ret > 0 ? c->val : c->old;
	struct probe p;

	CHILD_CHECK(cursor_get() == want);
	CHILD_CHECK(probe_spawn(&p, 0, NULL, 0) == 0);
	CHILD_CHECK(p.pid == want + 1 && p.self == p.pid);
	check_found_everywhere(&p, 2, NULL);
	probe_end(&p);
}

enum target_kind { PIDFD_OPEN, PID_FOR_CHILDREN, NS_LAST_PID_WRITE };

static void target_sweep(void *arg)
{
	enum target_kind kind = *(enum target_kind *)arg;
	struct target_ctx c = { 0 };
	struct sweep sw = { .ctx = &c };

	open_procs();
	CHILD_CHECK(probe_spawn(&c.p, 0, NULL, 0) == 0);
	c.ino = ns_ino(own_proc, "self/ns/pid");
	CHILD_CHECK(c.ino);
	switch (kind) {
	case PIDFD_OPEN:
		sw.what = "pidfd_open()";
		sw.errnos = err_file;
		sw.attempt = pidfd_attempt;
		sw.after = pidfd_after;
		break;
	case PID_FOR_CHILDREN:
		sw.what = "open(/proc/PID/ns/pid_for_children)";
		sw.errnos = err_file;
		sw.attempt = pfc_attempt;
		sw.after = pfc_after;
		snprintf(c.buf, sizeof(c.buf), "%d/ns/pid_for_children",
			 c.p.pid);
		break;
	case NS_LAST_PID_WRITE:
		sw.what = "write(ns_last_pid)";
		sw.errnos = err_sysctl;
		sw.attempt = last_pid_attempt;
		sw.after = last_pid_after;
		c.fd = open(NS_LAST_PID, O_WRONLY | O_CLOEXEC);
		CHILD_CHECK(c.fd >= 0);
		break;
	}
	sweep_run(&sw);
	probe_end(&c.p);
}

static void target_test(struct __test_metadata *_metadata,
			const struct slab_snap *before, enum target_kind kind)
{
	static const char * const what[] = {
		[PIDFD_OPEN] = "pidfd_open()",
		[PID_FOR_CHILDREN] = "open(/proc/PID/ns/pid_for_children)",
		[NS_LAST_PID_WRITE] = "write(ns_last_pid)",
	};

	ASSERT_EQ(0, run_at_depth(_metadata, 1, target_sweep, &kind));
	report(_metadata, what[kind]);
	expect_slabs_back(_metadata, before, what[kind]);
}

TEST_F_TIMEOUT(fault, pidfd_open, 120)
{
	target_test(_metadata, &self->before, PIDFD_OPEN);
}

TEST_F_TIMEOUT(fault, open_pid_for_children, 120)
{
	target_test(_metadata, &self->before, PID_FOR_CHILDREN);
}

TEST_F_TIMEOUT(fault, write_ns_last_pid, 120)
{
	target_test(_metadata, &self->before, NS_LAST_PID_WRITE);
}

/* ---- orphans in a namespace with PIDNS_REAP_ORPHANS -------------------- */

/*
 * NULL if pid namespaces have PIDNS_REAP_ORPHANS, else why not: no
 * NS_GET_PIDNS_FLAGS (ENOTTY) or a mask without the flag.  Any other error
 * is left for the sweep to report.
 */
static const char *reap_orphans_missing(void)
{
	static char why[96];
	struct pidns_flags f = { 0 };
	int fd, ret, err;

	fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	ret = ioctl(fd, NS_GET_PIDNS_FLAGS, &f);
	err = errno;
	close(fd);
	if (ret && err == ENOTTY)
		return "no NS_GET_PIDNS_FLAGS (ENOTTY)";
	if (ret || (f.mask & PIDNS_REAP_ORPHANS))
		return NULL;
	snprintf(why, sizeof(why), "PIDNS_REAP_ORPHANS not supported (mask %#llx)",
		 (unsigned long long)f.mask);
	return why;
}

/*
 * The sweeper, the init of a namespace at depth 1, makes N below it, its
 * init a child of the sweeper's, sets PIDNS_REAP_ORPHANS on N (from its
 * parent, a strict ancestor) and enters it: each attempt's helper C is a
 * member of N whose parent is outside.  C forks the orphan G with the
 * fault armed, at N's cursor before an unused chunk, then exits, and G is
 * adopted by N's init:
 *
 * ORPHAN_ZOMBIE: G exits at once, and C exits once G is its zombie: N's
 *   init adopts a zombie, which must be released at adoption, in C's exit.
 * ORPHAN_EXITS: G waits for SIGUSR1, its parent death signal, which is sent
 *   after it is adopted; it must be released at its exit.
 *
 * The same fault is armed again for the exits, G's and C's (which adopts
 * G, and in ORPHAN_ZOMBIE releases it); an exit cannot fail, and whatever
 * its allocations do, the orphan must still be released.  Before each
 * helper, and at the end, N's init waits: a blocking waitid() that
 * returns a zombie child if there is one, and ECHILD once every orphan is
 * gone (a running orphan is still its child).  A failed fork is checked as
 * fork_after() does, against N's cursor.  Each helper leaves that cursor
 * at 1, so that the next one is 2 in N, away from the chunk.
 */
enum orphan_way { ORPHAN_ZOMBIE, ORPHAN_EXITS };

struct orphan_ctx {
	enum orphan_way way;
	const char *what;
	pid_t init;		/* N's init, in the sweeper's namespace */
	int cmd[2];		/* the sweeper asks N's init to wait */
	int res[2];		/* ...which answers: a zombie, or 0 */
	int ready[2];		/* in the helper: the orphan is ready */
	unsigned int nth;	/* in the helper: its attempt's fault */
};

/* N's init: on each byte of cmd, wait for its children as above. */
static __noreturn void orphan_init(struct orphan_ctx *c)
{
	char b;

	close(c->cmd[1]);
	close(c->res[0]);
	while (pidns_read_all(c->cmd[0], &b, 1) == 1) {
		siginfo_t si;
		int zombie = 0;

		memset(&si, 0, sizeof(si));
		if (!waitid(P_ALL, 0, &si, WEXITED | WNOWAIT | __WALL)) {
			zombie = si.si_pid;
			waitpid(zombie, NULL, __WALL);
		} else {
			CHILD_CHECK(errno == ECHILD);
		}
		CHILD_CHECK(pidns_send_int(c->res[1], zombie) == 0);
	}
	_exit(0);
}

/* Every orphan so far is gone, and none was left a zombie. */
static void orphan_check_init(struct orphan_ctx *c)
{
	int zombie;

	CHILD_CHECK(pidns_post_byte(c->cmd[1]) == 0);
	CHILD_CHECK(pidns_recv_int(c->res[0], &zombie) == 0);
	if (zombie)
		fprintf(stderr, "# %s: orphan %d was left a zombie of N's init\n",
			c->what, zombie);
	CHILD_CHECK(zombie == 0);
}

static void orphan_before_helper(struct sweep *sw)
{
	orphan_check_init(sw->ctx);
}

/*
 * In the helper, a member of N: a proc of N for the checks (the sweeper's
 * is not), and N's cursor before an unused chunk.
 */
static void orphan_setup(struct sweep *sw)
{
	struct orphan_ctx *c = sw->ctx;

	if (own_proc >= 0)
		close(own_proc);
	own_proc = -1;
	open_procs();
	CHILD_CHECK(pidns_pipe(c->ready) == 0);
	cursor_set(CURSOR);
}

/* Arm the calling thread's own fail-nth, in plain system calls. */
static void arm_own_fail_nth(unsigned int nth)
{
	char num[16];
	int fd = open(FAIL_NTH, O_WRONLY | O_CLOEXEC);
	int len = snprintf(num, sizeof(num), "%u", nth);

	if (fd >= 0)
		write(fd, num, len);
}

/* The orphan, in plain system calls; then its exit with the fault armed. */
static __noreturn void orphan_child(struct orphan_ctx *c)
{
	sigset_t usr1;

	if (c->way == ORPHAN_EXITS) {
		sigemptyset(&usr1);
		sigaddset(&usr1, SIGUSR1);
		sigprocmask(SIG_BLOCK, &usr1, NULL);
		prctl(PR_SET_PDEATHSIG, SIGUSR1);
		write(c->ready[1], "r", 1);
		while (sigwaitinfo(&usr1, NULL) != SIGUSR1)
			;
		/* adopted before the signal: by N's init, 1 in N */
		if (sys_getppid() != 1)
			__atomic_add_fetch(&sh->astray, 1, __ATOMIC_SEQ_CST);
	}
	arm_own_fail_nth(c->nth);
	_exit(0);
}

static long orphan_attempt(struct sweep *sw, struct fi *fi, unsigned int nth,
			   bool *injected)
{
	struct orphan_ctx *c = sw->ctx;
	long ret;

	c->nth = nth;
	ret = fi_call(fi, nth, injected, SYS_clone, SIGCHLD, 0, 0, 0, 0,
		      FI_CHILD_RETURNS);
	if (ret == 0)
		orphan_child(c);
	return ret;
}

static void orphan_after(struct sweep *sw, long ret, bool injected)
{
	struct orphan_ctx *c = sw->ctx;
	struct probe p;
	siginfo_t si;
	int last;
	char b;

	if (ret > 0) {
		CHILD_CHECK(ret == CURSOR + 1);
		if (c->way == ORPHAN_ZOMBIE) {
			memset(&si, 0, sizeof(si));
			CHILD_CHECK(waitid(P_PID, ret, &si,
					   WEXITED | WNOWAIT) == 0);
			CHILD_CHECK(si.si_pid == ret);
		} else {
			CHILD_CHECK(pidns_read_all(c->ready[0], &b, 1) == 1);
		}
		__atomic_add_fetch(&sh->orphans, 1, __ATOMIC_SEQ_CST);
		/* sweep_run_helpers() does not get past our exit */
		sh->res.ret = ret;
		sh->res.injected = injected;
		cursor_set(1);
		arm_own_fail_nth(c->nth);
		_exit(0);
	}
	last = cursor_get();
	CHILD_CHECK(last == CURSOR || last == CURSOR + 1);
	CHILD_CHECK(probe_spawn(&p, 0, NULL, 0) == 0);
	CHILD_CHECK(p.pid == last + 1 && p.self == p.pid &&
		    p.parent == sys_getpid());
	check_found_everywhere(&p, sh->depth + 2, NULL);
	probe_end(&p);
	cursor_set(1);
}

static void orphan_sweep(void *arg)
{
	struct orphan_ctx *c = arg;
	struct sweep sw = {
		.what = c->what,
		.errnos = err_fork,
		.attempt = orphan_attempt,
		.after = orphan_after,
		.setup = orphan_setup,
		.before_helper = orphan_before_helper,
		.ctx = c,
	};
	struct pidns_flags f = {
		.mask = PIDNS_REAP_ORPHANS,
		.flags = PIDNS_REAP_ORPHANS,
	};
	char path[32];
	int nsfd;

	CHILD_CHECK(!pidns_pipe(c->cmd) && !pidns_pipe(c->res));
	c->init = pidns_fork();
	CHILD_CHECK(c->init >= 0);
	if (c->init == 0)
		orphan_init(c);
	close(c->cmd[0]);
	close(c->res[1]);
	open_procs();
	snprintf(path, sizeof(path), "%d/ns/pid", c->init);
	nsfd = openat(own_proc, path, O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(nsfd >= 0);
	CHILD_CHECK(ioctl(nsfd, NS_SET_PIDNS_FLAGS, &f) == 0);
	memset(&f, 0, sizeof(f));
	CHILD_CHECK(ioctl(nsfd, NS_GET_PIDNS_FLAGS, &f) == 0);
	CHILD_CHECK(f.flags == PIDNS_REAP_ORPHANS);
	CHILD_CHECK(setns(nsfd, CLONE_NEWPID) == 0);
	close(nsfd);
	sh->orphans = 0;
	sh->astray = 0;
	sweep_run_helpers(&sw);
	orphan_check_init(c);
	if (sh->astray)
		fprintf(stderr, "# %s: %d orphans not adopted by N's init\n",
			c->what, sh->astray);
	CHILD_CHECK(sh->astray == 0 && sh->orphans > 0);
	close(c->cmd[1]);
	reap(c->init);
}

static void orphan_test(struct __test_metadata *_metadata,
			const struct slab_snap *before, enum orphan_way way)
{
	struct orphan_ctx c = {
		.way = way,
		.what = way == ORPHAN_ZOMBIE ?
			"an orphan adopted as a zombie (PIDNS_REAP_ORPHANS)" :
			"an orphan exiting once adopted (PIDNS_REAP_ORPHANS)",
	};
	const char *why = reap_orphans_missing();

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, run_at_depth(_metadata, 1, orphan_sweep, &c));
	report(_metadata, c.what);
	ksft_print_msg("%s: %d orphans made\n", c.what, sh->orphans);
	expect_slabs_back(_metadata, before, c.what);
}

TEST_F_TIMEOUT(fault, orphan_zombie_adopted, 180)
{
	orphan_test(_metadata, &self->before, ORPHAN_ZOMBIE);
}

TEST_F_TIMEOUT(fault, orphan_exits_adopted, 240)
{
	orphan_test(_metadata, &self->before, ORPHAN_EXITS);
}

/* ---- kernel.pid_max: the first lookup in a namespace ----------------------- */

#define PID_MAX		"/proc/sys/kernel/pid_max"
#define PID_MAX_LIMIT	((int)(sizeof(long) > 4 ? 4 * 1024 * 1024 : 32768))

/*
 * A namespace's kernel.pid_max table is registered the first time one of
 * its tasks looks the file up.  Each attempt is the first lookup of a
 * fresh namespace: the helper unshares and forks its init, which makes
 * the attempt and exits, and the helper exits with the init's status.
 */
static void pid_max_setup(struct sweep *sw)
{
	pid_t init;

	CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
	init = fork();
	CHILD_CHECK(init >= 0);
	if (init > 0)
		_exit(pidns_wait_status(init));
}

static long pid_max_attempt(struct sweep *sw, struct fi *fi, unsigned int nth,
			    bool *injected)
{
	return fi_call(fi, nth, injected, SYS_openat, AT_FDCWD, (long)PID_MAX,
		       O_RDWR | O_CLOEXEC, 0, 0, false);
}

/*
 * A failed open leaves no half-made table: the next one works.  Either
 * way the file is the namespace's own, whose limit starts at the maximum
 * and takes a write that only the namespace sees.
 */
static void pid_max_after(struct sweep *sw, long ret, bool injected)
{
	char buf[32];
	ssize_t len;
	int fd = ret;

	if (ret < 0) {
		fd = open(PID_MAX, O_RDWR | O_CLOEXEC);
		CHILD_CHECK(fd >= 0);
	}
	len = pread(fd, buf, sizeof(buf) - 1, 0);
	CHILD_CHECK(len > 0);
	buf[len] = '\0';
	CHILD_CHECK(atoi(buf) == PID_MAX_LIMIT);
	CHILD_CHECK(pwrite(fd, "1000", 4, 0) == 4);
	close(fd);
	CHILD_CHECK(pidns_read_int(PID_MAX) == 1000);
}

static void pid_max_sweep(void *arg)
{
	struct sweep sw = {
		.what = arg,
		.errnos = err_file,
		.attempt = pid_max_attempt,
		.after = pid_max_after,
		.setup = pid_max_setup,
	};

	sweep_run_helpers(&sw);
}

/*
 * The namespaces of the attempts are all gone at the end, also those
 * whose table was made: their tables were taken away and they were
 * freed (the pid_namespace slab comes back).
 */
TEST_F_TIMEOUT(fault, open_pid_max_first_in_namespace, 120)
{
	const char *what = "open(kernel.pid_max) first in a namespace";

	ASSERT_EQ(0, run_at_depth(_metadata, 0, pid_max_sweep, (void *)what));
	report(_metadata, what);
	expect_slabs_back(_metadata, &self->before, what);
}

/* ---- a memory cgroup limit ------------------------------------------------ */

/*
 * A memory cgroup makes the GFP_KERNEL_ACCOUNT allocations of fork fail
 * the way a container's do.  A helper in a child cgroup unshares, moves
 * the cursor of its own namespace before an unused chunk and forks the
 * new namespace's first task under memory.max = memory.current + a
 * margin, for margins growing a page at a time until the fork works; so
 * some limit falls on the chunk allocation above the new init's number 1.
 * A charge that fails goes through the memcg OOM killer (the helper is
 * exempt, so the fork fails instead), which prints its report with a
 * stack trace; `make check` tells such reports from kernel splats.
 */
#define MEMCG_MAX_MARGIN	(512 * 4096)

FIXTURE(memcg) {
	char dir[64];
	char cg[96];
	bool mounted;
	bool made;
	struct slab_snap before;
};

static int cg_write(const char *dir, const char *file, const char *val)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return pidns_write_file(path, val);
}

static int cg_open(const char *dir, const char *file, int flags)
{
	char path[160];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, flags | O_CLOEXEC);
	CHILD_CHECK(fd >= 0);
	return fd;
}

static long cg_pread(int fd)
{
	char buf[64];
	ssize_t len = pread(fd, buf, sizeof(buf) - 1, 0);

	if (len <= 0)
		return -1;
	buf[len] = '\0';
	return strtol(buf, NULL, 10);
}

static int cg_pwrite(int fd, const char *val)
{
	ssize_t len = strlen(val);

	return pwrite(fd, val, len, 0) == len ? 0 : -1;
}

FIXTURE_SETUP(memcg)
{
	char path[160], buf[256];

	PIDNS_REQUIRE();
	snprintf(self->dir, sizeof(self->dir), "/tmp/pidns_fault.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	if (mount("none", self->dir, "cgroup2", 0, NULL))
		SKIP(return, "cannot mount cgroup2: %s", strerror(errno));
	self->mounted = true;
	snprintf(path, sizeof(path), "%s/cgroup.controllers", self->dir);
	if (pidns_read_file_at(AT_FDCWD, path, buf, sizeof(buf)) < 0 ||
	    !strstr(buf, "memory"))
		SKIP(return, "no memory controller (CONFIG_MEMCG=n?)");
	if (cg_write(self->dir, "cgroup.subtree_control", "+memory"))
		SKIP(return, "cannot enable the memory controller: %s",
		     strerror(errno));
	snprintf(self->cg, sizeof(self->cg), "%s/pidns_fault", self->dir);
	ASSERT_EQ(0, mkdir(self->cg, 0755));
	self->made = true;
	sh = pidns_shared_alloc(sizeof(*sh));
	ASSERT_NE(NULL, sh);
	slab_snapshot(&self->before);
}

FIXTURE_TEARDOWN(memcg)
{
	if (self->made)
		EXPECT_EQ(0, rmdir(self->cg));
	if (self->mounted)
		EXPECT_EQ(0, umount(self->dir));
	rmdir(self->dir);
}

static void memcg_sweep(void *arg)
{
	const char *cg = arg;
	long margin;

	memset(&sh->res, 0, sizeof(sh->res));
	for (margin = 0; margin <= MEMCG_MAX_MARGIN; margin += 4096) {
		pid_t helper;

		cursor_set(1);
		helper = fork();
		CHILD_CHECK(helper >= 0);
		if (helper == 0) {
			int cur_fd, high_fd, max_fd;
			struct probe p;
			cpu_set_t one;
			char val[32];
			long cur;
			pid_t c;
			int err;

			/*
			 * On one CPU, so that the per-CPU charge stock the
			 * drain below empties is all there is.
			 */
			CPU_ZERO(&one);
			CPU_SET(0, &one);
			CHILD_CHECK(sched_setaffinity(0, sizeof(one), &one) == 0);
			CHILD_CHECK(cg_write(cg, "cgroup.procs", "0") == 0);
			CHILD_CHECK(pidns_write_file("/proc/self/oom_score_adj",
						     "-1000") == 0);
			CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
			cursor_set(CURSOR);
			/*
			 * Charges are precharged in batches per CPU, which
			 * memory.max does not limit, and opening a file (an
			 * accounted struct file) or a first read of a seq
			 * file precharges one.  So the files are open and
			 * read once, then a memory.high write below the
			 * usage drains the batch (without the OOM killer a
			 * memory.max write would call), and nothing else is
			 * charged until the fork.
			 */
			cur_fd = cg_open(cg, "memory.current", O_RDONLY);
			high_fd = cg_open(cg, "memory.high", O_WRONLY);
			max_fd = cg_open(cg, "memory.max", O_WRONLY);
			CHILD_CHECK(cg_pread(cur_fd) >= 0);
			CHILD_CHECK(cg_pwrite(high_fd, "0") == 0);
			CHILD_CHECK(cg_pwrite(high_fd, "max") == 0);
			cur = cg_pread(cur_fd);
			CHILD_CHECK(cur >= 0);
			snprintf(val, sizeof(val), "%ld", cur + margin);
			CHILD_CHECK(cg_pwrite(max_fd, val) == 0);
			/*
			 * vfork(), not fork(): a fork that just fits leaves
			 * the cgroup at its limit, and the parent and child
			 * of a fork share their pages copy-on-write, so the
			 * first write of either needs a page the limit
			 * refuses.  With no task the OOM killer may kill
			 * (oom_score_adj -1000), both then fault, and fail,
			 * again and again: a livelock until the test's time
			 * runs out.  A vfork() child shares the parent's
			 * memory and only exits, so nothing is copied on
			 * write; the fork's own allocations, the pid and the
			 * number map's among them, are the same.
			 */
			c = vfork();
			if (c == 0)
				_exit(0);
			err = errno;
			CHILD_CHECK(cg_pwrite(max_fd, "max") == 0);
			sh->res.ret = c;
			if (c > 0) {
				reap(c);
				_exit(0);
			}
			errno = err;
			CHILD_CHECK(err == ENOMEM || err == EAGAIN);
			if (err == ENOMEM)
				sh->res.enomem++;
			else
				sh->res.eagain++;
			err = probe_spawn(&p, 0, NULL, 0);
			errno = -err;
			CHILD_CHECK(err == 0);
			CHILD_CHECK(p.self == 1 && p.parent == 0);
			check_found_everywhere(&p, 3, NULL);
			probe_end(&p);
			_exit(0);
		}
		CHILD_CHECK(pidns_wait_status(helper) == 0);
		if (sh->res.ret > 0)
			break;
		sh->res.points++;
	}
	CHILD_CHECK(margin <= MEMCG_MAX_MARGIN);
}

TEST_F_TIMEOUT(memcg, first_fork_under_memory_max, 240)
{
	ASSERT_EQ(0, run_at_depth(_metadata, 1, memcg_sweep, self->cg));
	ksft_print_msg("memcg: %d limits failed the fork (%d ENOMEM, %d EAGAIN)\n",
		       sh->res.points, sh->res.enomem, sh->res.eagain);
	EXPECT_GT(sh->res.points, 0);
	expect_slabs_back(_metadata, &self->before, "memcg");
}

/* ---- leaks at scale ---------------------------------------------------------- */

/*
 * Many namespaces created and torn down, and many forks, at every level
 * of a chain 8 deep: the pid, pid_N and pid_namespace caches end where
 * they started.  PIDNS_SCALE is the number of namespace cycles, with ten
 * times as many forks; 10000 is the full run (100,000 forks), the default
 * keeps the debug kernel under emulation to a few tens of seconds.
 */
#define SCALE_DEFAULT	200
#define SCALE_LEVELS	8

struct scale_ctx {
	long ns_per_level;
	long forks_per_level;
};

/*
 * One namespace: its init exits at once, or, every other time, after
 * forking a member that its exit must kill.  Raw clone() children use
 * plain system calls only.
 */
static void scale_one_namespace(long i)
{
	pid_t c = sys_clone_flags(CLONE_NEWPID | SIGCHLD);

	if (c == 0) {
		if (i & 1) {
			pid_t m = sys_clone_flags(SIGCHLD);

			if (m == 0) {
				for (;;)
					pause();
			}
			if (m != 2)
				_exit(1);
		}
		_exit(sys_getpid() == 1 ? 0 : 1);
	}
	CHILD_CHECK(c > 0);
	CHILD_CHECK(pidns_wait_status(c) == 0);
}

static void scale_level(struct scale_ctx *c, int level)
{
	pid_t next;

	for (long i = 0; i < c->ns_per_level; i++)
		scale_one_namespace(i);
	for (long i = 0; i < c->forks_per_level; i++) {
		pid_t f = sys_clone_flags(SIGCHLD);

		if (f == 0)
			_exit(0);
		CHILD_CHECK(f > 0);
		CHILD_CHECK(pidns_wait_status(f) == 0);
	}
	if (level + 1 == SCALE_LEVELS)
		return;
	next = pidns_fork();
	CHILD_CHECK(next >= 0);
	if (next == 0) {
		scale_level(c, level + 1);
		_exit(0);
	}
	CHILD_CHECK(pidns_wait_status(next) == 0);
}

static void scale_run(void *arg)
{
	scale_level(arg, 0);
}

FIXTURE(scale) {
	struct slab_snap before;
};

FIXTURE_SETUP(scale)
{
	PIDNS_REQUIRE();
	sh = pidns_shared_alloc(sizeof(*sh));
	ASSERT_NE(NULL, sh);
	slab_snapshot(&self->before);
}

FIXTURE_TEARDOWN(scale)
{
}

TEST_F_TIMEOUT(scale, no_leak_after_many_namespaces_and_forks, 36000)
{
	const char *env = getenv("PIDNS_SCALE");
	long cycles = env ? strtol(env, NULL, 10) : SCALE_DEFAULT;
	struct scale_ctx c;
	struct timespec t0, t1;

	ASSERT_GT(cycles, 0);
	c.ns_per_level = (cycles + SCALE_LEVELS - 1) / SCALE_LEVELS;
	c.forks_per_level = c.ns_per_level * 10;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ASSERT_EQ(0, run_at_depth(_metadata, 0, scale_run, &c));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ksft_print_msg("scale: %ld namespaces and %ld forks over %d levels in %.1f s\n",
		       c.ns_per_level * SCALE_LEVELS,
		       c.forks_per_level * SCALE_LEVELS, SCALE_LEVELS,
		       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	expect_slabs_back(_metadata, &self->before, "scale");
}

TEST_HARNESS_MAIN
