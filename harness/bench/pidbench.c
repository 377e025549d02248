// SPDX-License-Identifier: GPL-2.0
/*
 * pidbench: the guest side of `make bench`, one static multi-call binary.
 *
 *   pidbench <benchmark> [arguments...]     (see usage() for each)
 *
 * Every measurement prints one line
 *
 *   RESULT <bench> <param> <value> <unit>
 *
 * on standard output (the guest's ttyS1); a benchmark run with R rounds
 * prints R lines for the same <bench> <param> and the host takes the median.
 * Times are CLOCK_MONOTONIC nanoseconds per operation: under QEMU's
 * `-icount shift=0,sleep=off` one guest nanosecond is one guest
 * instruction, so the same kernel gives the same figure run after run.
 *
 * "At depth d" means in an ordinary process (not a namespace init) whose
 * active pid namespace is d levels below the namespace pidbench started in;
 * see at_depth().  The operations that are timed are raw system calls
 * written in assembly (raw_clone()), so that the figures are the kernel's
 * and not glibc's: a child made by them runs no C code at all, it only
 * exits or sleeps, and so it can share the parent's stack safely.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* ------------------------------------------------------------ output -- */

static const char *current_bench = "pidbench";

/*
 * One write(2) per line and no stdio buffering: the benchmarks fork a lot,
 * and a buffered line would be printed once per child.
 */
static void out(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(STDOUT_FILENO, buf, n) < 0)
		_exit(2);
}

static void die(const char *what)
{
	out("ERROR %s: %s: %s", current_bench, what, strerror(errno));
	_exit(1);
}

static void result(const char *bench, const char *param, double value,
		   const char *unit)
{
	out("RESULT %s %s %.1f %s", bench, param, value, unit);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/*
 * The timed loops of clone_vm, fork, ns_create and container_start execute
 * `xchg %bx, %bx`, a no-op, just before their first round and just after
 * their last, when PIDBENCH_MARK is set: the QEMU plugin of exact.py
 * counts every instruction executed between the two (run one round, so
 * that no result line is printed in between).
 */
static void mark(void)
{
	static int marking = -1;

	if (marking < 0)
		marking = getenv("PIDBENCH_MARK") != NULL;
	if (marking)
		asm volatile("xchg %%bx, %%bx" : : : "memory");
}

/* Sleep in the guest: lets RCU callbacks run and new children settle. */
static void settle(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* ------------------------------------------------------- raw clones -- */

/*
 * clone(flags) with the child on the parent's stack pointer (newsp = 0).
 * The child never returns to C: it runs the few instructions below and
 * touches no memory, which is what makes sharing the stack (CLONE_VM) or
 * copying nothing but the mm (fork) safe and cheap.
 *
 *   CHILD_EXIT     _exit(0) at once: the clone_vm / fork / ns_create ops;
 *   CHILD_SLEEP    pause() forever: the tasks that fill a namespace;
 *   CHILD_UNSHARE  unshare(CLONE_NEWPID), then pause() forever: a task
 *                  that keeps one empty pid namespace alive.
 */
enum child { CHILD_EXIT, CHILD_SLEEP, CHILD_UNSHARE };

static long raw_clone(unsigned long flags, enum child what)
{
	/* child_tid and tls: unused without CLONE_*TID / CLONE_SETTLS. */
	register long r10 asm("r10") = 0;
	register long r8 asm("r8") = 0;
	long ret;

	switch (what) {
	case CHILD_EXIT:
		asm volatile("syscall\n\t"
			     "test %%rax, %%rax\n\t"
			     "jnz 1f\n\t"
			     "mov %[exit], %%eax\n\t"
			     "xor %%edi, %%edi\n\t"
			     "syscall\n"
			     "1:"
			     : "=a"(ret)
			     : "0"((long)SYS_clone), "D"(flags), "S"(0L),
			       "d"(0L), "r"(r10), "r"(r8), [exit] "i"(SYS_exit)
			     : "rcx", "r11", "memory");
		break;
	case CHILD_SLEEP:
		asm volatile("syscall\n\t"
			     "test %%rax, %%rax\n\t"
			     "jnz 1f\n"
			     "2:\n\t"
			     "mov %[pause], %%eax\n\t"
			     "syscall\n\t"
			     "jmp 2b\n"
			     "1:"
			     : "=a"(ret)
			     : "0"((long)SYS_clone), "D"(flags), "S"(0L),
			       "d"(0L), "r"(r10), "r"(r8), [pause] "i"(SYS_pause)
			     : "rcx", "r11", "memory");
		break;
	case CHILD_UNSHARE:
		asm volatile("syscall\n\t"
			     "test %%rax, %%rax\n\t"
			     "jnz 1f\n\t"
			     "mov %[unshare], %%eax\n\t"
			     "mov %[newpid], %%edi\n\t"
			     "syscall\n"
			     "2:\n\t"
			     "mov %[pause], %%eax\n\t"
			     "syscall\n\t"
			     "jmp 2b\n"
			     "1:"
			     : "=a"(ret)
			     : "0"((long)SYS_clone), "D"(flags), "S"(0L),
			       "d"(0L), [unshare] "i"(SYS_unshare),
			       [newpid] "i"(CLONE_NEWPID), [pause] "i"(SYS_pause),
			       "r"(r10), "r"(r8)
			     : "rcx", "r11", "memory");
		break;
	default:
		ret = -EINVAL;
	}
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
}

/* The timed operation of clone_vm, fork and ns_create. */
static void clone_exit_wait(unsigned long flags)
{
	long pid = raw_clone(flags | SIGCHLD, CHILD_EXIT);

	if (pid < 0)
		die("clone");
	reap(pid);
}

/* ----------------------------------------------------------- sleepers -- */

struct crowd {
	pid_t *pids;
	long n;
};

/* n tasks sleeping in the caller's namespace, sharing its mm: tiny. */
static void crowd_spawn(struct crowd *c, long n, unsigned long flags,
			enum child what)
{
	c->pids = calloc(n ? n : 1, sizeof(*c->pids));
	if (!c->pids)
		die("calloc");
	for (c->n = 0; c->n < n; c->n++) {
		long pid = raw_clone(flags | SIGCHLD, what);

		if (pid < 0)
			die("clone (sleeper)");
		c->pids[c->n] = pid;
	}
}

static void crowd_kill(struct crowd *c)
{
	long i;

	for (i = 0; i < c->n; i++)
		kill(c->pids[i], SIGKILL);
	for (i = 0; i < c->n; i++)
		reap(c->pids[i]);
	free(c->pids);
	c->pids = NULL;
	c->n = 0;
}

/* ------------------------------------------------------------ nesting -- */

/*
 * The chain that puts a benchmark at depth d: d namespace inits, each made
 * by the one above it with clone(CLONE_NEWPID | CLONE_VM), then a fork()
 * of the last one runs the benchmark.  So:
 *
 *  - the benchmark never runs as an init (an init's getppid() is 0, it
 *    reaps orphans, it ignores signals), at depth 0 as at depth 31;
 *  - its address space is one fork() away from the caller's at any depth.
 *    A chain of d forks would give it a d-deep anon_vma chain, and fork()
 *    copies that chain: a fork at depth 31 would then measure mm ancestry,
 *    not pid namespaces.
 *
 * The inits share the caller's memory, but only one of them runs C code at
 * a time (the others wait in waitpid()), and each has its own stack, with
 * its struct level on top, mapped by its parent.
 */
typedef int (*bench_fn)(void *arg);

static int wait_status(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			die("waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

struct level {
	int left;
	bench_fn fn;
	void *arg;
};

#define LEVEL_STACK (64 * 1024)

static int descend(int left, bench_fn fn, void *arg);

static int level_main(void *p)
{
	struct level *l = p;

	return descend(l->left, l->fn, l->arg);
}

/* In the caller or an init: make the rest of the chain, wait for it. */
static int descend(int left, bench_fn fn, void *arg)
{
	struct level *l;
	char *stack;
	pid_t pid;
	int rc;

	if (left == 0) {
		pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			_exit(fn(arg));
		return wait_status(pid);
	}
	stack = mmap(NULL, LEVEL_STACK, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		die("mmap");
	l = (struct level *)(stack + LEVEL_STACK) - 1;
	l->left = left - 1;
	l->fn = fn;
	l->arg = arg;
	pid = clone(level_main, l, CLONE_NEWPID | CLONE_VM | SIGCHLD, l);
	if (pid < 0)
		die("clone(CLONE_NEWPID | CLONE_VM)");
	rc = wait_status(pid);
	munmap(stack, LEVEL_STACK);
	return rc;
}

/* Run fn(arg) in a new process at depth d; return its exit status. */
static int at_depth(int d, bench_fn fn, void *arg)
{
	return descend(d, fn, arg);
}

/*
 * A holder keeps n sleeping tasks alive at depth d while the caller
 * measures something elsewhere: it says "ready" on one pipe and cleans up
 * when the caller closes the other.
 */
struct holder {
	pid_t pid;
	int ready, done;	/* the caller's ends */
	long n;
	int ready_w, done_r;	/* the holder's ends, for hold() */
};

static int hold(void *arg)
{
	struct holder *h = arg;
	struct crowd c;
	char byte = 1;

	crowd_spawn(&c, h->n, CLONE_VM, CHILD_SLEEP);
	if (write(h->ready_w, &byte, 1) != 1)
		die("write");
	while (read(h->done_r, &byte, 1) < 0 && errno == EINTR)
		;
	crowd_kill(&c);
	return 0;
}

static void holder_start(struct holder *h, int d, long n)
{
	int ready[2], done[2];
	char byte;

	if (pipe(ready) || pipe(done))
		die("pipe");
	h->n = n;
	h->ready_w = ready[1];
	h->done_r = done[0];
	h->pid = fork();
	if (h->pid < 0)
		die("fork");
	if (h->pid == 0) {
		close(ready[0]);
		close(done[1]);
		_exit(at_depth(d, hold, h));
	}
	close(ready[1]);
	close(done[0]);
	h->ready = ready[0];
	h->done = done[1];
	if (read(h->ready, &byte, 1) != 1) {
		errno = EIO;
		die("holder did not start");
	}
}

static void holder_stop(struct holder *h)
{
	close(h->done);
	close(h->ready);
	if (wait_status(h->pid)) {
		errno = EIO;
		die("holder failed");
	}
}

/* ------------------------------------------------------ slab counters -- */

struct slab {
	long long slabinfo;	/* sum of active_objs * objsize, -1 if absent */
	long long meminfo;	/* Slab: of /proc/meminfo, in bytes */
};

static void slab_read(struct slab *s)
{
	char line[512], name[128];
	unsigned long active, num, size;
	FILE *f;

	s->slabinfo = -1;
	f = fopen("/proc/slabinfo", "r");
	if (f) {
		s->slabinfo = 0;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%127s %lu %lu %lu", name, &active,
				   &num, &size) == 4)
				s->slabinfo += (long long)active * size;
		fclose(f);
	}
	s->meminfo = -1;
	f = fopen("/proc/meminfo", "r");
	if (!f)
		die("/proc/meminfo");
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Slab: %lu kB", &size) == 1)
			s->meminfo = (long long)size * 1024;
	fclose(f);
}

/* --------------------------------------------------------- arguments -- */

static long arg(int argc, char **argv, int i, long dflt)
{
	return i < argc ? strtol(argv[i], NULL, 0) : dflt;
}

/* ---------------------------------------------------------- clone_vm -- */

struct loop {
	const char *bench;
	char param[64];
	unsigned long flags;
	long iters, rounds;
};

/* rounds x (iters x clone(flags)+exit+wait), after a short warm-up. */
static int clone_loop(void *arg)
{
	struct loop *l = arg;
	long r, i;
	uint64_t t;

	for (i = 0; i < l->iters / 10 + 1; i++)
		clone_exit_wait(l->flags);
	mark();
	for (r = 0; r < l->rounds; r++) {
		t = now_ns();
		for (i = 0; i < l->iters; i++)
			clone_exit_wait(l->flags);
		if (r == l->rounds - 1)
			mark();
		result(l->bench, l->param, (double)(now_ns() - t) / l->iters,
		       "ns");
	}
	return 0;
}

/* clone_vm|fork DEPTH ITERS ROUNDS */
static int bench_clone(int argc, char **argv, unsigned long flags)
{
	struct loop l = { .bench = argv[0], .flags = flags };
	int d = arg(argc, argv, 1, 0);

	l.iters = arg(argc, argv, 2, 1000);
	l.rounds = arg(argc, argv, 3, 3);
	snprintf(l.param, sizeof(l.param), "%d", d);
	return at_depth(d, clone_loop, &l);
}

/* --------------------------------------------------------- ns_create -- */

/*
 * unshare(CLONE_NEWPID) works once per pid_for_children: a second one
 * fails with EINVAL until the caller goes back to its own namespace with
 * setns().  The setns() is timed too, as part of dropping the namespace.
 */
static int ns_unshare_loop(void *arg)
{
	struct loop *l = arg;
	int self = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	long r, i, n;
	uint64_t t;

	if (self < 0)
		die("/proc/self/ns/pid");
	for (r = -1; r < l->rounds; r++) {
		n = r < 0 ? l->iters / 10 + 1 : l->iters;	/* warm-up */
		if (r == 0)
			mark();
		t = now_ns();
		for (i = 0; i < n; i++) {
			if (unshare(CLONE_NEWPID) < 0)
				die("unshare(CLONE_NEWPID)");
			clone_exit_wait(0);
			if (setns(self, CLONE_NEWPID) < 0)
				die("setns");
		}
		if (r == l->rounds - 1)
			mark();
		if (r >= 0)
			result("ns_create", "unshare+fork",
			       (double)(now_ns() - t) / n, "ns");
	}
	return 0;
}

/* ns_create ITERS ROUNDS [clone|unshare]: both variants, or only one */
static int bench_ns_create(int argc, char **argv)
{
	struct loop l = { .bench = "ns_create", .param = "clone",
			  .flags = CLONE_NEWPID | CLONE_VM };
	const char *only = argc > 3 ? argv[3] : "";

	l.iters = arg(argc, argv, 1, 500);
	l.rounds = arg(argc, argv, 2, 3);
	if (strcmp(only, "unshare") && at_depth(0, clone_loop, &l))
		return 1;
	if (!strcmp(only, "clone"))
		return 0;
	return at_depth(0, ns_unshare_loop, &l);
}

/* --------------------------------------------------- container_start -- */

/*
 * What a container runtime does to start a container, without the network
 * namespace (which costs more than the rest together) and without the
 * runtime's own work: one clone() with the namespaces runc and crun make,
 * an execve() of a static program that only exits (/bin/noop, a few bytes
 * of code, so the figure is the kernel's), and the wait for the init.
 */
#define CONTAINER_FLAGS (CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | \
			 CLONE_NEWIPC)

static void container_start_one(void)
{
	static char *const argv[] = { "noop", NULL };
	static char *const envp[] = { NULL };
	long pid = syscall(SYS_clone, CONTAINER_FLAGS | SIGCHLD, 0L, 0L, 0L,
			   0L);

	if (pid < 0)
		die("clone");
	if (pid == 0) {
		/* A copy of the parent's memory: C is safe here. */
		syscall(SYS_execve, "/bin/noop", argv, envp);
		syscall(SYS_exit, 127);
	}
	if (wait_status(pid))
		die("container init failed");
}

static int container_loop(void *arg)
{
	struct loop *l = arg;
	long r, i, n;
	uint64_t t;

	for (r = -1; r < l->rounds; r++) {
		n = r < 0 ? l->iters / 10 + 1 : l->iters;	/* warm-up */
		if (r == 0)
			mark();
		t = now_ns();
		for (i = 0; i < n; i++)
			container_start_one();
		if (r == l->rounds - 1)
			mark();
		if (r >= 0)
			result("container_start", "0",
			       (double)(now_ns() - t) / n, "ns");
	}
	return 0;
}

/* container_start ITERS ROUNDS */
static int bench_container_start(int argc, char **argv)
{
	struct loop l = { .bench = "container_start" };

	l.iters = arg(argc, argv, 1, 200);
	l.rounds = arg(argc, argv, 2, 3);
	return at_depth(0, container_loop, &l);
}

/* ----------------------------------------------------------- lookups -- */

struct lookups {
	int depth;
	long iters, rounds;
};

static int lookup_loop(void *arg)
{
	struct lookups *lk = arg;
	const char *names[] = { "getpid", "getppid", "kill0", "pidfd_open" };
	char param[16];
	struct crowd target;
	long r, i, op;
	pid_t pid;
	uint64_t t;

	/* A live, visible pid to look up: a sleeping child. */
	crowd_spawn(&target, 1, CLONE_VM, CHILD_SLEEP);
	pid = target.pids[0];
	snprintf(param, sizeof(param), "%d", lk->depth);
	for (op = 0; op < 4; op++) {
		for (r = -1; r < lk->rounds; r++) {
			long n = r < 0 ? lk->iters / 10 + 1 : lk->iters;

			/*
			 * A round is a few million instructions: let the
			 * RCU callbacks the benchmarks before left run
			 * first, not inside it.
			 */
			settle(50);
			t = now_ns();
			for (i = 0; i < n; i++) {
				switch (op) {
				case 0:
					syscall(SYS_getpid);
					break;
				case 1:
					syscall(SYS_getppid);
					break;
				case 2:
					if (syscall(SYS_kill, pid, 0) < 0)
						die("kill(pid, 0)");
					break;
				case 3: {
					long fd = syscall(SYS_pidfd_open, pid, 0);

					if (fd < 0)
						die("pidfd_open");
					syscall(SYS_close, fd);
					break;
				}
				}
			}
			if (r >= 0)
				result(names[op], param,
				       (double)(now_ns() - t) / n, "ns");
		}
	}
	crowd_kill(&target);
	return 0;
}

/* lookups DEPTH ITERS ROUNDS */
static int bench_lookups(int argc, char **argv)
{
	struct lookups lk;

	lk.depth = arg(argc, argv, 1, 0);
	lk.iters = arg(argc, argv, 2, 10000);
	lk.rounds = arg(argc, argv, 3, 3);
	return at_depth(lk.depth, lookup_loop, &lk);
}

/* ------------------------------------------------------ proc_readdir -- */

struct readdir_args {
	const char *param;
	long tasks;		/* sleeping in the reader's namespace */
	long iters, rounds;
};

/* A procfs of the caller's pid namespace on /proc, in a private mount ns. */
static void mount_own_proc(void)
{
	if (unshare(CLONE_NEWNS) < 0)
		die("unshare(CLONE_NEWNS)");
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("mount --make-rprivate /");
	if (mount("proc", "/proc", "proc", 0, NULL) < 0)
		die("mount proc");
}

static long list_proc(void)
{
	static char buf[65536];
	long n, entries = 0;
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		die("open /proc");
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0)
		entries += n;
	if (n < 0)
		die("getdents64");
	close(fd);
	return entries;
}

static int readdir_loop(void *arg)
{
	struct readdir_args *a = arg;
	struct crowd c;
	long r, i;
	uint64_t t;

	mount_own_proc();
	crowd_spawn(&c, a->tasks, CLONE_VM, CHILD_SLEEP);
	for (i = 0; i < 2; i++)		/* warm the dcache */
		list_proc();
	for (r = 0; r < a->rounds; r++) {
		t = now_ns();
		for (i = 0; i < a->iters; i++)
			list_proc();
		result("proc_readdir", a->param,
		       (double)(now_ns() - t) / a->iters, "ns");
	}
	crowd_kill(&c);
	return 0;
}

/*
 * proc_readdir TASKS ITERS ROUNDS [BASELINE]: the reader lists the /proc of
 * its own namespace, one level below the start, with TASKS sleepers beside
 * it (inside), with TASKS sleepers in the parent namespace (outside), and
 * with none (baseline; skipped when BASELINE is 0, for a second run with
 * another TASKS).
 */
static int bench_proc_readdir(int argc, char **argv)
{
	struct readdir_args a;
	struct holder h;
	long tasks = arg(argc, argv, 1, 1000);
	char inside[32], outside[32];
	int rc;

	snprintf(inside, sizeof(inside), "inside_%ld", tasks);
	snprintf(outside, sizeof(outside), "outside_%ld", tasks);
	a.iters = arg(argc, argv, 2, 10);
	a.rounds = arg(argc, argv, 3, 3);

	rc = 0;
	if (arg(argc, argv, 4, 1)) {
		a.param = "baseline";
		a.tasks = 0;
		rc = at_depth(1, readdir_loop, &a);
	}

	a.param = inside;
	a.tasks = tasks;
	rc |= at_depth(1, readdir_loop, &a);

	holder_start(&h, 0, tasks);
	a.param = outside;
	a.tasks = 0;
	rc |= at_depth(1, readdir_loop, &a);
	holder_stop(&h);
	return rc;
}

/* ------------------------------------------------------- proc_status -- */

/* How many numbers the NSpid: line of /proc/PID/status has (0: none). */
static int nspid_levels(pid_t pid)
{
	char path[64], buf[8192], *p;
	int fd, n, levels = 0;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strstr(buf, "\nNSpid:");
	if (!p)
		return 0;
	for (p += 7; *p && *p != '\n'; p++)
		if ((*p >= '0' && *p <= '9') && (p[-1] == '\t' || p[-1] == ' '))
			levels++;
	return levels;
}

/* The pids /proc lists, numerically. */
static long proc_pids(pid_t **out)
{
	long n = 0, cap = 1024;
	pid_t *pids = malloc(cap * sizeof(*pids));
	struct dirent *e;
	DIR *d = opendir("/proc");

	if (!d || !pids)
		die("opendir /proc");
	while ((e = readdir(d))) {
		pid_t pid = strtol(e->d_name, NULL, 10);

		if (pid <= 0)
			continue;
		if (n == cap) {
			cap *= 2;
			pids = realloc(pids, cap * sizeof(*pids));
			if (!pids)
				die("realloc");
		}
		pids[n++] = pid;
	}
	closedir(d);
	*out = pids;
	return n;
}

static void read_file(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		die(path);
	if (read(fd, buf, sizeof(buf)) <= 0)
		die(path);
	close(fd);
}

struct status_args {
	int depth;
	long tasks, passes, rounds;
};

/*
 * The reader is at depth 0 and reads through the initial /proc, the tasks
 * are at depth DEPTH: their NSpid: lines have DEPTH + 1 numbers.  They are
 * the pids that appeared with the holder and have that many numbers (the
 * other processes of the holder's chain are at lesser depths).
 */
static int status_loop(void *arg)
{
	struct status_args *a = arg;
	struct holder h;
	char param[16], (*paths)[32];
	pid_t *pids, *before;
	long n, old, i, j, k, r, p;
	uint64_t t;

	old = proc_pids(&before);
	holder_start(&h, a->depth, a->tasks);
	n = proc_pids(&pids);
	paths = malloc(n * sizeof(*paths));
	if (!paths)
		die("malloc");
	for (i = k = 0; i < n; i++) {
		for (j = 0; j < old && before[j] != pids[i]; j++)
			;
		if (j == old && nspid_levels(pids[i]) == a->depth + 1)
			snprintf(paths[k++], sizeof(*paths), "/proc/%d/status",
				 pids[i]);
	}
	/* The sleepers, plus the holder's own process at that depth. */
	if (k < a->tasks) {
		errno = ESRCH;
		die("found fewer tasks than the holder made");
	}
	snprintf(param, sizeof(param), "%d", a->depth);
	for (i = 0; i < k; i++)		/* warm the dcache */
		read_file(paths[i]);
	for (r = 0; r < a->rounds; r++) {
		t = now_ns();
		for (p = 0; p < a->passes; p++)
			for (i = 0; i < k; i++)
				read_file(paths[i]);
		result("proc_status", param,
		       (double)(now_ns() - t) / (a->passes * k), "ns");
	}
	holder_stop(&h);
	free(paths);
	free(pids);
	free(before);
	return 0;
}

/* proc_status DEPTH TASKS PASSES ROUNDS */
static int bench_proc_status(int argc, char **argv)
{
	struct status_args a;

	a.depth = arg(argc, argv, 1, 0);
	a.tasks = arg(argc, argv, 2, 1000);
	a.passes = arg(argc, argv, 3, 2);
	a.rounds = arg(argc, argv, 4, 3);
	return at_depth(0, status_loop, &a);
}

/* -------------------------------------------------------- kill0_many -- */

struct kill_many_args {
	int depth;
	long tasks, passes, rounds;
};

/*
 * kill(pid, 0) on each of TASKS distinct live pids in turn (sleepers in
 * the caller's namespace), PASSES times per round: a lookup of a number
 * among many, where lookups measures one pid again and again.
 */
static int kill_many_loop(void *arg)
{
	struct kill_many_args *a = arg;
	struct crowd c;
	char param[16];
	long r, p, i;
	uint64_t t;

	crowd_spawn(&c, a->tasks, CLONE_VM, CHILD_SLEEP);
	snprintf(param, sizeof(param), "%d", a->depth);
	for (r = -1; r < a->rounds; r++) {
		long passes = r < 0 ? 1 : a->passes;	/* warm-up */

		t = now_ns();
		for (p = 0; p < passes; p++)
			for (i = 0; i < c.n; i++)
				if (syscall(SYS_kill, c.pids[i], 0) < 0)
					die("kill(pid, 0)");
		if (r >= 0)
			result("kill0_many", param,
			       (double)(now_ns() - t) / (passes * c.n), "ns");
	}
	crowd_kill(&c);
	return 0;
}

/* kill0_many DEPTH TASKS PASSES ROUNDS */
static int bench_kill_many(int argc, char **argv)
{
	struct kill_many_args a;

	a.depth = arg(argc, argv, 1, 0);
	a.tasks = arg(argc, argv, 2, 10000);
	a.passes = arg(argc, argv, 3, 5);
	a.rounds = arg(argc, argv, 4, 3);
	return at_depth(a.depth, kill_many_loop, &a);
}

/* ---------------------------------------------------------------- ps -- */

/*
 * open + one read + close, as procps's file2str does; a task that is gone
 * (ENOENT, ESRCH) is not an error, as it is not for ps.
 */
static void ps_read(const char *path, size_t size)
{
	static char buf[131072];
	int fd = open(path, O_RDONLY);

	if (fd < 0) {
		if (errno == ENOENT || errno == ESRCH)
			return;
		die(path);
	}
	if (read(fd, buf, size) < 0 && errno != ESRCH)
		die(path);
	close(fd);
}

/*
 * One pass of `ps -e`, as procps-ng 4.0.2 makes it (strace): readdir of
 * /proc and, for every numeric entry, stat() of /proc/N, then /proc/N/stat
 * and /proc/N/status (2048-byte reads) and /proc/N/cmdline (131072).  It
 * leaves out the two opens that fail for ps in most cases (environ, ctty).
 * The entries of each getdents64 buffer (32 KiB, as glibc's readdir) are
 * read before the next.  Returns the number of numeric entries.
 */
static long ps_pass(void)
{
	static char buf[32768];
	char path[64];
	struct stat st;
	long n, off, tasks = 0;
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		die("open /proc");
	while ((n = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (off = 0; off < n; ) {
			struct dirent64 *e = (struct dirent64 *)(buf + off);
			const char *c = e->d_name;
			int len;

			off += e->d_reclen;
			while (*c >= '0' && *c <= '9')
				c++;
			if (c == e->d_name || *c)
				continue;
			tasks++;
			len = snprintf(path, sizeof(path), "/proc/%s",
				       e->d_name);
			if (stat(path, &st) < 0) {
				if (errno == ENOENT || errno == ESRCH)
					continue;
				die(path);
			}
			strcpy(path + len, "/stat");
			ps_read(path, 2048);
			strcpy(path + len, "/status");
			ps_read(path, 2048);
			strcpy(path + len, "/cmdline");
			ps_read(path, 131072);
		}
	}
	if (n < 0)
		die("getdents64");
	close(fd);
	return tasks;
}

struct ps_args {
	const char *where;
	int depth;
	long tasks, passes, rounds;
};

static int ps_loop(void *arg)
{
	struct ps_args *a = arg;
	char param[48], per_task[64];
	struct crowd c;
	long r, p, i, seen = 0;
	uint64_t t;

	if (a->depth)
		mount_own_proc();
	crowd_spawn(&c, a->tasks, CLONE_VM, CHILD_SLEEP);
	snprintf(param, sizeof(param), "%s_%ld", a->where, a->tasks);
	snprintf(per_task, sizeof(per_task), "%s_per_task", param);
	if (ps_pass() < a->tasks) {	/* warms the dcache too */
		errno = ESRCH;
		die("/proc lists fewer tasks than were made");
	}
	for (r = 0; r < a->rounds; r++) {
		t = now_ns();
		for (p = 0; p < a->passes; p++)
			seen = ps_pass();
		t = now_ns() - t;
		result("ps", param, (double)t / a->passes, "ns");
		result("ps", per_task, (double)t / (a->passes * seen), "ns");
	}
	/* At the root, the listing alone too (proc_readdir has the child). */
	for (r = 0; !a->depth && r < a->rounds; r++) {
		t = now_ns();
		for (i = 0; i < a->passes; i++)
			list_proc();
		result("proc_readdir", param,
		       (double)(now_ns() - t) / a->passes, "ns");
	}
	crowd_kill(&c);
	return 0;
}

/*
 * ps TASKS PASSES ROUNDS: ps_pass() with TASKS sleepers alive, from the
 * initial namespace through the initial /proc ("root"), then from a
 * namespace one level down that holds the TASKS sleepers, through a /proc
 * of its own ("child").  Per pass and per numeric entry of /proc (kernel
 * threads and the benchmark's own processes included).
 */
static int bench_ps(int argc, char **argv)
{
	struct ps_args a;
	int rc;

	a.tasks = arg(argc, argv, 1, 10000);
	a.passes = arg(argc, argv, 2, 1);
	a.rounds = arg(argc, argv, 3, 3);
	a.where = "root";
	a.depth = 0;
	rc = at_depth(0, ps_loop, &a);
	a.where = "child";
	a.depth = 1;
	rc |= at_depth(1, ps_loop, &a);
	return rc;
}

/* ------------------------------------------------------------ memory -- */

struct memory_args {
	int depth;
	long tasks, rounds;
};

/*
 * Slab bytes that n sleepers of the given kind add, per sleeper:
 * [0] from /proc/slabinfo (objects in use; -1 without it), [1] from the
 * Slab: line of /proc/meminfo (whole slab pages).
 */
static void slab_per_task(long n, enum child what, double per[2])
{
	struct slab before, after;
	struct crowd c;

	settle(300);	/* RCU frees of earlier tasks are done */
	slab_read(&before);
	crowd_spawn(&c, n, CLONE_VM, what);
	settle(300);	/* every child has run (unshared) and sleeps */
	slab_read(&after);
	crowd_kill(&c);
	per[0] = before.slabinfo < 0 ? -1 :
		(double)(after.slabinfo - before.slabinfo) / n;
	per[1] = (double)(after.meminfo - before.meminfo) / n;
}

static void memory_result(const char *param, const double per[2])
{
	char pages[48];

	if (per[0] != -1)
		result("memory", param, per[0], "B");
	snprintf(pages, sizeof(pages), "%s_meminfo", param);
	result("memory", pages, per[1], "B");
}

static int memory_loop(void *arg)
{
	struct memory_args *a = arg;
	double task[2], ns[2];
	char param[32];
	long r;

	snprintf(param, sizeof(param), "task_depth%d", a->depth);
	for (r = 0; r < a->rounds; r++) {
		slab_per_task(a->tasks, CHILD_SLEEP, task);
		memory_result(param, task);
		if (a->depth)
			continue;
		/*
		 * An empty namespace: a sleeper that unshared one (so that
		 * nothing but its pid_for_children holds it), less a plain
		 * sleeper.  It includes the sleeper's new nsproxy.
		 */
		slab_per_task(a->tasks, CHILD_UNSHARE, ns);
		if (task[0] != -1)
			ns[0] -= task[0];
		ns[1] -= task[1];
		memory_result("empty_ns", ns);
	}
	return 0;
}

/* memory DEPTH TASKS ROUNDS (depth 0 also measures the empty namespace) */
static int bench_memory(int argc, char **argv)
{
	struct memory_args a;

	a.depth = arg(argc, argv, 1, 0);
	a.tasks = arg(argc, argv, 2, 2000);
	a.rounds = arg(argc, argv, 3, 3);
	return at_depth(a.depth, memory_loop, &a);
}

/* --------------------------------------------------------------- smp -- */

struct smp_worker {
	int cpu, go, report;
	long iters;
};

static int smp_loop(void *arg)
{
	struct smp_worker *w = arg;
	cpu_set_t set;
	uint64_t t;
	double per_op;
	long i;
	char byte;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		die("sched_setaffinity");
	for (i = 0; i < w->iters / 10 + 1; i++)
		clone_exit_wait(0);
	if (read(w->go, &byte, 1) != 1)
		die("read go");
	t = now_ns();
	for (i = 0; i < w->iters; i++)
		clone_exit_wait(0);
	per_op = (double)(now_ns() - t) / w->iters;
	if (write(w->report, &per_op, sizeof(per_op)) != sizeof(per_op))
		die("write report");
	return 0;
}

/*
 * smp ITERS ROUNDS: fork+exit+wait in a namespace of its own on one vCPU
 * ("1worker"), then on each of two vCPUs at once ("2workers", the mean
 * per-op time of the two).  Workers start together from a pipe.
 */
static int bench_smp(int argc, char **argv)
{
	long iters = arg(argc, argv, 1, 300), rounds = arg(argc, argv, 2, 3);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), r;
	int workers, i, go[2], rep[2];
	pid_t pids[2];
	double sum, v;

	if (ncpu < 2) {
		errno = EINVAL;
		die("smp needs two cpus");
	}
	for (r = 0; r < rounds; r++) {
		for (workers = 1; workers <= 2; workers++) {
			if (pipe(go) || pipe(rep))
				die("pipe");
			for (i = 0; i < workers; i++) {
				struct smp_worker w = { i, go[0], rep[1], iters };

				pids[i] = fork();
				if (pids[i] < 0)
					die("fork");
				if (pids[i] == 0)
					_exit(at_depth(1, smp_loop, &w));
			}
			close(go[0]);
			close(rep[1]);
			settle(200);	/* both warmed up and waiting */
			if (write(go[1], "xx", workers) != workers)
				die("write go");
			for (i = 0, sum = 0; i < workers; i++) {
				if (read(rep[0], &v, sizeof(v)) != sizeof(v))
					die("read report");
				sum += v;
			}
			for (i = 0; i < workers; i++)
				if (wait_status(pids[i]))
					return 1;
			close(go[1]);
			close(rep[0]);
			result("smp", workers == 1 ? "1worker" : "2workers",
			       sum / workers, "ns");
		}
	}
	return 0;
}

/* ----------------------------------------------------------- crowded -- */

struct crowded_args {
	struct loop l;
	long tasks;
};

static int crowded_loop(void *arg)
{
	struct crowded_args *a = arg;
	struct crowd c;
	int rc;

	crowd_spawn(&c, a->tasks, CLONE_VM, CHILD_SLEEP);
	rc = clone_loop(&a->l);
	crowd_kill(&c);
	return rc;
}

/*
 * crowded DEPTH TASKS ITERS ROUNDS: clone_vm at DEPTH with TASKS sleepers
 * in the caller's namespace, so that every level from the caller's up has
 * that many numbers in use (the guest sets pid_max to 32768).
 */
static int bench_crowded(int argc, char **argv)
{
	struct crowded_args a = { .l = { .bench = "crowded",
					 .flags = CLONE_VM } };
	int d = arg(argc, argv, 1, 0);

	a.tasks = arg(argc, argv, 2, 29500);
	a.l.iters = arg(argc, argv, 3, 1000);
	a.l.rounds = arg(argc, argv, 4, 3);
	snprintf(a.l.param, sizeof(a.l.param), "%d", d);
	return at_depth(d, crowded_loop, &a);
}

/* ----------------------------------------------------------- many_ns -- */

struct many_args {
	long count, batch, rounds;
};

static int many_loop(void *arg)
{
	struct many_args *a = arg;
	struct slab before, after;
	struct crowd c;
	char first[32], last[32];
	uint64_t t, t_first = 0, t_last = 0;
	long r;

	snprintf(first, sizeof(first), "first%ld", a->batch);
	snprintf(last, sizeof(last), "last%ld", a->batch);
	for (r = 0; r < a->rounds; r++) {
		settle(300);
		slab_read(&before);
		c.pids = calloc(a->count, sizeof(*c.pids));
		if (!c.pids)
			die("calloc");
		t = now_ns();
		for (c.n = 0; c.n < a->count; c.n++) {
			long pid;

			if (c.n == a->batch)
				t_first = now_ns() - t;
			if (c.n == a->count - a->batch)
				t = now_ns();
			pid = raw_clone(CLONE_NEWPID | CLONE_VM | SIGCHLD,
					CHILD_SLEEP);
			if (pid < 0)
				die("clone(CLONE_NEWPID)");
			c.pids[c.n] = pid;
		}
		t_last = now_ns() - t;
		settle(300);
		slab_read(&after);
		crowd_kill(&c);
		result("many_ns", first, (double)t_first / a->batch, "ns");
		result("many_ns", last, (double)t_last / a->batch, "ns");
		if (after.slabinfo >= 0)
			result("many_ns", "slab_per_ns",
			       (double)(after.slabinfo - before.slabinfo) /
			       a->count, "B");
		result("many_ns", "slab_per_ns_meminfo",
		       (double)(after.meminfo - before.meminfo) / a->count,
		       "B");
	}
	return 0;
}

/*
 * many_ns COUNT BATCH ROUNDS: COUNT namespaces, each with an init that
 * sleeps, all alive at once; the clone(CLONE_NEWPID) of the first BATCH
 * against the last BATCH, and the slab bytes per namespace (its init
 * included).
 */
static int bench_many_ns(int argc, char **argv)
{
	struct many_args a;

	a.count = arg(argc, argv, 1, 10000);
	a.batch = arg(argc, argv, 2, 100);
	a.rounds = arg(argc, argv, 3, 1);
	if (a.batch * 2 > a.count) {
		errno = EINVAL;
		die("BATCH must be at most COUNT / 2");
	}
	return at_depth(0, many_loop, &a);
}

/* -------------------------------------------------------------- main -- */

static void usage(void)
{
	fprintf(stderr,
		"usage: pidbench BENCH [ARGS]\n"
		"  clone_vm    DEPTH ITERS ROUNDS\n"
		"  fork        DEPTH ITERS ROUNDS\n"
		"  ns_create   ITERS ROUNDS [clone|unshare]\n"
		"  container_start ITERS ROUNDS\n"
		"  lookups     DEPTH ITERS ROUNDS\n"
		"  proc_readdir TASKS ITERS ROUNDS [BASELINE]\n"
		"  proc_status DEPTH TASKS PASSES ROUNDS\n"
		"  kill0_many  DEPTH TASKS PASSES ROUNDS\n"
		"  ps          TASKS PASSES ROUNDS\n"
		"  memory      DEPTH TASKS ROUNDS\n"
		"  smp         ITERS ROUNDS\n"
		"  crowded     DEPTH TASKS ITERS ROUNDS\n"
		"  many_ns     COUNT BATCH ROUNDS\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct rlimit nofile = { 65536, 65536 };

	if (argc < 2)
		usage();
	argc--;
	argv++;
	current_bench = argv[0];
	setrlimit(RLIMIT_NOFILE, &nofile);
	if (!strcmp(argv[0], "clone_vm"))
		return bench_clone(argc, argv, CLONE_VM);
	if (!strcmp(argv[0], "fork"))
		return bench_clone(argc, argv, 0);
	if (!strcmp(argv[0], "ns_create"))
		return bench_ns_create(argc, argv);
	if (!strcmp(argv[0], "container_start"))
		return bench_container_start(argc, argv);
	if (!strcmp(argv[0], "lookups"))
		return bench_lookups(argc, argv);
	if (!strcmp(argv[0], "proc_readdir"))
		return bench_proc_readdir(argc, argv);
	if (!strcmp(argv[0], "proc_status"))
		return bench_proc_status(argc, argv);
	if (!strcmp(argv[0], "kill0_many"))
		return bench_kill_many(argc, argv);
	if (!strcmp(argv[0], "ps"))
		return bench_ps(argc, argv);
	if (!strcmp(argv[0], "memory"))
		return bench_memory(argc, argv);
	if (!strcmp(argv[0], "smp"))
		return bench_smp(argc, argv);
	if (!strcmp(argv[0], "crowded"))
		return bench_crowded(argc, argv);
	if (!strcmp(argv[0], "many_ns"))
		return bench_many_ns(argc, argv);
	usage();
	return 2;
}
