// SPDX-License-Identifier: GPL-2.0
/*
 * pidfuzz: a syzkaller-style program generator for the pid namespace
 * system calls, for `make fuzz`.
 *
 *   pidfuzz [--seed N] [--seconds N] [--ops N] [--workers N] [--threads N]
 *           [--tag NAME] [--epoch N] [--no-uffd] [--no-fail-nth]
 *           [--verbose] [--dry-run]
 *
 * Trinity passes random numbers where the pid paths want real objects: a
 * pidfd, a namespace file, a pid that lives at some level.  pidfuzz keeps
 * a pool of real resources per worker and calls the pid system calls on
 * them, with valid and edge-case arguments:
 *
 *  - pool processes ("puppets"): children made by clone3 (random flag
 *    combinations: CLONE_NEWPID, CLONE_PIDFD, CLONE_PARENT, CLONE_THREAD |
 *    CLONE_SIGHAND | CLONE_VM, CLONE_VM alone, CLONE_VFORK, CLONE_NEWUSER,
 *    never CLONE_INTO_CGROUP; set_tid arrays valid, taken, out of range,
 *    too long), clone, fork and vfork, at every level: a puppet forks
 *    again when told to, and a worker's thread that entered a namespace
 *    (setns, unshare) forks into it.  A puppet obeys commands through
 *    shared memory: exit, exit_group, unshare(CLONE_NEWPID) (leaving a
 *    namespace that has no init yet), fork, reboot, a POSIX timer or an
 *    mq_notify signalling itself, PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER,
 *    a signal disposition, a kill from inside its namespace;
 *  - pidfds (of processes, of threads with PIDFD_THREAD, of processes in
 *    nested namespaces, of reaped ones), nsfs files of pid and
 *    pid_for_children (among them those of a namespace without an init),
 *    the pids as the worker sees them and numbers of other levels, POSIX
 *    timers and POSIX message queues with mq_notify registered;
 *
 * and calls on them clone3, clone, fork, vfork, unshare, setns (nsfs
 * files and pidfds), kill, tkill, tgkill, rt_sigqueueinfo,
 * rt_tgsigqueueinfo, pidfd_send_signal, pidfd_open, pidfd_getfd, waitid
 * (P_PID, P_PGID, P_PIDFD, P_ALL; WNOHANG, __WALL, ...), wait4, writes to
 * ns_last_pid and pid_max (valid, boundary, invalid), the nsfs ioctls
 * (NS_GET_PARENT, NS_GET_{PID,TGID}_{FROM,IN}_PIDNS, ...,
 * NS_SET_PIDNS_FLAGS and NS_GET_PIDNS_FLAGS with random masks, flags,
 * sizes and directions),
 * PIDFD_GET_INFO with sizes 0..100, the pidfd namespace ioctls, prctl,
 * ptrace (PTRACE_SEIZE, INTERRUPT, CONT, LISTEN, DETACH), timers, mq_*, exit,
 * exit_group and reboot.
 *
 * A fraction of the calls run with fail-nth armed
 * (/proc/thread-self/fail-nth: the Nth allocation of the call fails), and
 * a fraction of the clone3 calls put the CLONE_PIDFD destination or the
 * set_tid array on a page registered with a userfaultfd: the fork sleeps
 * on the fault (for the pidfd, after alloc_pid(), before the child is
 * attached) until the worker's resolver thread maps the page, after a
 * random delay and, often, after killing the init of the namespace the
 * fork goes into or another pool process meanwhile.
 *
 * Processes.  The main process (the supervisor) never fuzzes.  It starts
 * an arena: a child in new pid, mount and IPC namespaces, whose init (the
 * arena init) mounts its /proc, starts a session and the workers, respawns
 * a worker that ended, resumes stopped tasks every second (kill(-1,
 * SIGCONT)) and kills a worker that made no progress for 30 seconds.
 * Worker i lives i % 3 pid namespaces below the arena's (each level with
 * an init of ours that only reaps) and runs --threads threads that
 * generate calls, plus a thread that resolves its userfaultfd faults.  A
 * worker ends after 10 to 40 seconds, killing its pool, and is started
 * again with new seeds.  The supervisor ends each arena after 20 to
 * --epoch seconds, half the time by asking, half the time with an
 * immediate SIGKILL of the arena init (so that the namespace teardown
 * meets every call in flight), and starts another until the time or the
 * call budget is spent.  An arena init that is not reaped within 60
 * seconds of its SIGKILL is reported ("### PIDFUZZ-STUCK"): a hang.
 *
 * Safety.  Every task pidfuzz makes is in the arena namespace or below
 * it, whose init is ours, and has PR_SET_PDEATHSIG SIGKILL (unless the
 * fuzzed prctl changed it) and a lifetime; the arena init kills
 * everything at the end of the epoch.  Nothing in the arena can see the
 * supervisor or anything above it: the arena has its own session, so a
 * kill(0) or a kill(-pgrp) stays inside it (and a pool process has a
 * process group of its own).  reboot() is called only by a
 * task whose own pid namespace is not the arena's (checked by its nsfs
 * inode): it ends a namespace below the arena, never the arena, and never
 * the namespace pidfuzz was started in, let alone the guest's.  Calls that
 * would SIGKILL or SIGSTOP the calling worker itself are mostly turned
 * into SIGCONT.
 *
 * Determinism.  The calls each worker thread generates are a function of
 * --seed, the worker, its generation and the thread, and of the results
 * the calls return; with --dry-run the results are made up (new fds and
 * pids numbered from 100 and 1000, everything else 0), so that the
 * program printed for a seed is always the same, and nothing but the
 * printing is done: no process, no thread, no other system call.
 * --verbose prints every call of a live run and its result on stderr.
 *
 * Output (stdout), for harness/pidns.py's fuzz report:
 *   ### PIDFUZZ-START who=TAG seed=N seconds=N ops=N workers=N threads=N
 *   ### PIDFUZZ-EPOCH who=TAG epoch=N seconds=N end=ask|kill|early calls=N
 *   ### PIDFUZZ-STUCK who=TAG epoch=N pid=N state=S wchan=W
 *   ### PIDFUZZ who=TAG syscall=NAME calls=N ok=N injected=N [errors=E:N,...]
 *   ### PIDFUZZ-TOTAL who=TAG seed=N seconds=S calls=N ok=N per_second=R ...
 * "injected" counts the calls in which fail-nth did fail an allocation.
 *
 * x86_64 only: the puppets and the fail-nth calls are raw system calls in
 * inline assembly (a forked child of a threaded process must not touch
 * libc's locks, and a CLONE_VM child runs on a stack of its own).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/futex.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#if !defined(__x86_64__)
#error "pidfuzz is x86_64 only (raw system calls in inline assembly)"
#endif

/* ---- uapi bits the build host's headers (Linux 6.1) may lack ---------- */

#ifndef CLONE_PIDFD
#define CLONE_PIDFD		0x00001000
#endif
#define CLONE_CLEAR_SIGHAND_	0x100000000ULL
#define CLONE_INTO_CGROUP_	0x200000000ULL
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME		0x00000080
#endif
#define CLONE_ARGS_SIZE_VER0	64
#define CLONE_ARGS_SIZE_VER1	80
#define CLONE_ARGS_SIZE_VER2	88
#define MAX_PID_NS_LEVEL	32

#ifndef PIDFD_NONBLOCK
#define PIDFD_NONBLOCK		O_NONBLOCK
#endif
#define PIDFD_THREAD_		O_EXCL
#define PIDFD_SIGNAL_THREAD	(1UL << 0)
#define PIDFD_SIGNAL_THREAD_GROUP (1UL << 1)
#define PIDFD_SIGNAL_PROCESS_GROUP (1UL << 2)
#define PIDFS_IOCTL_MAGIC	0xFF
#define PIDFD_GET_PID_NAMESPACE_	_IO(PIDFS_IOCTL_MAGIC, 5)
#define PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE_ _IO(PIDFS_IOCTL_MAGIC, 6)
#define PIDFD_GET_USER_NAMESPACE_	_IO(PIDFS_IOCTL_MAGIC, 9)
#define PIDFD_INFO_PID		(1ULL << 0)
#define PIDFD_INFO_CREDS	(1ULL << 1)
#define PIDFD_INFO_CGROUPID	(1ULL << 2)
#define PIDFD_INFO_EXIT		(1ULL << 3)
/* PIDFD_GET_INFO: _IOWR(0xFF, 11, struct pidfd_info), of any size. */
#define PIDFD_GET_INFO_SIZE(n)	\
	_IOC(_IOC_READ | _IOC_WRITE, PIDFS_IOCTL_MAGIC, 11, (n))

struct pidfd_info_ {
	uint64_t mask, cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid;
	uint32_t fsuid, fsgid;
	int32_t exit_code;
};

#define NSIO			0xb7
#define NS_GET_USERNS_		_IO(NSIO, 0x1)
#define NS_GET_PARENT_		_IO(NSIO, 0x2)
#define NS_GET_NSTYPE_		_IO(NSIO, 0x3)
#define NS_GET_OWNER_UID_	_IO(NSIO, 0x4)
#define NS_GET_PID_FROM_PIDNS_	_IOR(NSIO, 0x6, int)
#define NS_GET_TGID_FROM_PIDNS_	_IOR(NSIO, 0x7, int)
#define NS_GET_PID_IN_PIDNS_	_IOR(NSIO, 0x8, int)
#define NS_GET_TGID_IN_PIDNS_	_IOR(NSIO, 0x9, int)
/*
 * Ours (Documentation/pidns.txt, section 5): NS_GET_PIDNS_FLAGS is
 * _IOR(NSIO, 0x40, struct pidns_flags), NS_SET_PIDNS_FLAGS _IOW(NSIO,
 * 0x41, ...), a struct of a mask and the flags, 16 bytes or more.
 */
#define PIDNS_INIT_SIGNALS_ORDINARY_	0x1ULL
#define PIDNS_REAP_ORPHANS_		0x2ULL
#define NS_GET_PIDNS_FLAGS_NR		0x40
#define NS_SET_PIDNS_FLAGS_NR		0x41

#ifndef P_PIDFD
#define P_PIDFD			3
#endif
#ifndef PTRACE_SEIZE
#define PTRACE_SEIZE		0x4206
#endif
#define PTRACE_CONT_		7
#define PTRACE_DETACH_		17
#define PTRACE_INTERRUPT_	0x4207
#define PTRACE_LISTEN_		0x4208
#define PTRACE_O_TRACEFORK_	0x02
#define PTRACE_O_TRACEVFORK_	0x04
#define PTRACE_O_TRACECLONE_	0x08
#define PTRACE_O_TRACEEXIT_	0x40
#define PTRACE_O_EXITKILL_	0x100000

#define REBOOT_MAGIC1		0xfee1dead
#define REBOOT_MAGIC2		672274793
#define REBOOT_CMD_RESTART	0x01234567
#define REBOOT_CMD_HALT		0xCDEF0123
#define REBOOT_CMD_POWER_OFF	0x4321FEDC
#define REBOOT_CMD_CAD_ON	0x89ABCDEF

#define SIGEV_THREAD_ID_	4

#ifndef __NR_clone3
#define __NR_clone3		435
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open		434
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal	424
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd	438
#endif

struct cl_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal;
	uint64_t stack, stack_size, tls, set_tid, set_tid_size, cgroup;
	uint64_t pad[5];	/* room for a bigger size, zero or not */
};

/* The kernel's struct sigevent, for raw timer_create and mq_notify. */
struct ksigevent {
	int sigev_value[2];
	int sigev_signo;
	int sigev_notify;
	int tid;
	int pad[11];
};

/* The kernel's struct mq_attr. */
struct kmq_attr {
	long mq_flags, mq_maxmsg, mq_msgsize, mq_curmsgs, pad[4];
};

/* The kernel's struct sigaction on x86_64. */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};
#define SA_RESTORER_		0x04000000

/* ---- raw system calls ------------------------------------------------ */

static inline long sc(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8),
			   "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define SC0(n)			sc(n, 0, 0, 0, 0, 0, 0)
#define SC1(n, a)		sc(n, (long)(a), 0, 0, 0, 0, 0)
#define SC2(n, a, b)		sc(n, (long)(a), (long)(b), 0, 0, 0, 0)
#define SC3(n, a, b, c)		sc(n, (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define SC4(n, a, b, c, d)	sc(n, (long)(a), (long)(b), (long)(c), \
				   (long)(d), 0, 0)
#define SC5(n, a, b, c, d, e)	sc(n, (long)(a), (long)(b), (long)(c), \
				   (long)(d), (long)(e), 0)
#define IS_ERR(r)		((unsigned long)(r) > -4096UL)

/*
 * clone3 with CLONE_VM and a stack of its own: the child calls fn(arg) on
 * that stack and then ends its thread; it never returns here.
 */
static long clone3_vm(struct cl_args *args, long size, void (*fn)(void *),
		      void *arg)
{
	register long r12 __asm__("r12") = (long)fn;
	register long r13 __asm__("r13") = (long)arg;
	long ret;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "xor %%ebp, %%ebp\n\t"
			 "and $-16, %%rsp\n\t"
			 "mov %%r13, %%rdi\n\t"
			 "call *%%r12\n\t"
			 "mov $60, %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n\t"
			 "hlt\n\t"
			 "1:\n\t"
			 : "=a"(ret)
			 : "a"((long)__NR_clone3), "D"(args), "S"(size),
			   "r"(r12), "r"(r13)
			 : "rcx", "r11", "memory");
	return ret;
}

/* vfork(): the child shares our stack, so it exits at once, in here. */
static long vfork_exit(void)
{
	long ret;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "mov $60, %%eax\n\t"
			 "xor %%edi, %%edi\n\t"
			 "syscall\n\t"
			 "hlt\n\t"
			 "1:\n\t"
			 : "=a"(ret)
			 : "a"((long)__NR_vfork)
			 : "rcx", "r11", "rdi", "memory");
	return ret;
}

/*
 * System call @nr with fail-nth armed (the caller wrote N to @fd), then
 * read fail-nth back into @buf and disarm it, in one block: after a fork
 * our private pages are copy-on-write, and a copy made before the
 * disarming would take the rest of the count.  @buf is in shared memory
 * for the same reason.  The child of a fork (@forks, result 0) leaves at
 * once: its fail-nth is 0 already.  As pidns_fault's fi_raw().
 */
static long fi_sys(long nr, long a1, long a2, long a3, long a4, long a5,
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
		"jnz 2f\n\t"
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
		: "+r"(rax), "+r"(rdi), "+r"(rsi), "+r"(rdx), "+r"(r10),
		  "+r"(r12)
		: "r"(r8), "r"(r9), "r"(r13), "r"(r14)
		: "rcx", "r11", "memory", "cc");
	return rax;
}

/* rt_sigreturn for the handlers the puppets install with a raw call. */
void pf_restorer(void);
__asm__(".text\n"
	".globl pf_restorer\n"
	"pf_restorer:\n\t"
	"mov $15, %eax\n\t"
	"syscall\n\t"
	"hlt\n");

static void nop_handler(int sig)
{
	(void)sig;
}

/* ---- statistics, shared by every process of the run ------------------ */

enum {
	S_CLONE3, S_CLONE, S_FORK, S_VFORK, S_UNSHARE, S_SETNS,
	S_KILL, S_TKILL, S_TGKILL, S_SIGQUEUE, S_TGSIGQUEUE,
	S_PIDFD_OPEN, S_PIDFD_SEND, S_PIDFD_GETFD, S_WAITID, S_WAIT4,
	S_PTRACE, S_PRCTL, S_EXIT, S_EXIT_GROUP, S_REBOOT,
	S_NS_USERNS, S_NS_PARENT, S_NS_NSTYPE, S_NS_OWNER,
	S_NS_PID_FROM, S_NS_TGID_FROM, S_NS_PID_IN, S_NS_TGID_IN,
	S_NS_SET_FLAGS, S_NS_GET_FLAGS,
	S_PIDFD_INFO, S_PIDFD_NS, S_PIDFD_CHILDNS, S_PIDFD_USERNS,
	S_OPEN_NS, S_NS_LAST_PID, S_PID_MAX, S_READ_STATUS,
	S_TIMER_CREATE, S_TIMER_SETTIME, S_TIMER_DELETE,
	S_MQ_OPEN, S_MQ_NOTIFY, S_MQ_SEND, S_MQ_RECV, S_CLOSE, S_UFFD_COPY,
	NSTAT
};

static const char *const stat_name[NSTAT] = {
	"clone3", "clone", "fork", "vfork", "unshare", "setns",
	"kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo",
	"pidfd_open", "pidfd_send_signal", "pidfd_getfd", "waitid", "wait4",
	"ptrace", "prctl", "exit", "exit_group", "reboot",
	"ioctl$NS_GET_USERNS", "ioctl$NS_GET_PARENT", "ioctl$NS_GET_NSTYPE",
	"ioctl$NS_GET_OWNER_UID",
	"ioctl$NS_GET_PID_FROM_PIDNS", "ioctl$NS_GET_TGID_FROM_PIDNS",
	"ioctl$NS_GET_PID_IN_PIDNS", "ioctl$NS_GET_TGID_IN_PIDNS",
	"ioctl$NS_SET_PIDNS_FLAGS", "ioctl$NS_GET_PIDNS_FLAGS",
	"ioctl$PIDFD_GET_INFO", "ioctl$PIDFD_GET_PID_NAMESPACE",
	"ioctl$PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE",
	"ioctl$PIDFD_GET_USER_NAMESPACE",
	"openat$nsfs", "write$ns_last_pid", "write$pid_max", "read$status",
	"timer_create", "timer_settime", "timer_delete",
	"mq_open", "mq_notify", "mq_timedsend", "mq_timedreceive", "close",
	"ioctl$UFFDIO_COPY",
};

#define NERR	134
#define MAXW	8
#define MAXT	4

struct stat_ent {
	unsigned long calls, ok, injected;
	unsigned int err[NERR];
};

struct shared {
	int stop;			/* the supervisor ends the epoch */
	char arena_ns[64];		/* readlink of the arena's ns/pid */
	char start_ns[64];		/* ... and of the supervisor's */
	unsigned long ops, max_ops;
	unsigned long beat[MAXW];	/* worker progress, for the watchdog */
	pid_t chain[MAXW];		/* as the arena init sees them */
	struct stat_ent st[NSTAT];
};

static struct shared *G;
static int dry, verbose, use_uffd = 1, use_failnth = 1;
static uint64_t seed;
static int nworkers = 3, nthreads = 2, epoch_max = 60;
static const char *tag = "pidfuzz";

static void account(int id, long r, int injected)
{
	struct stat_ent *s = &G->st[id];

	__atomic_fetch_add(&s->calls, 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&G->ops, 1, __ATOMIC_RELAXED);
	if (!IS_ERR(r))
		__atomic_fetch_add(&s->ok, 1, __ATOMIC_RELAXED);
	else if (-r < NERR)
		__atomic_fetch_add(&s->err[-r], 1, __ATOMIC_RELAXED);
	if (injected)
		__atomic_fetch_add(&s->injected, 1, __ATOMIC_RELAXED);
}

/*
 * A call that does not return when it succeeds (reboot() in a pid
 * namespace ends the caller): counted as a success before it is made,
 * corrected after it returned an error.
 */
static void account_before(int id)
{
	account(id, 0, 0);
}

static void account_after(int id, long r)
{
	struct stat_ent *s = &G->st[id];

	if (!IS_ERR(r))
		return;
	__atomic_fetch_sub(&s->ok, 1, __ATOMIC_RELAXED);
	if (-r < NERR)
		__atomic_fetch_add(&s->err[-r], 1, __ATOMIC_RELAXED);
}

static int ld(int *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void st(int *p, int v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

static long mono_ms(void)
{
	struct timespec ts;

	SC2(__NR_clock_gettime, CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

static void futex_wait(int *word, int val, long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	SC4(__NR_futex, word, FUTEX_WAIT, val, &ts);
}

static void futex_wake(int *word)
{
	SC3(__NR_futex, word, FUTEX_WAKE, INT_MAX);
}

static void sleep_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	SC2(__NR_nanosleep, &ts, NULL);
}

/* ---- random numbers ----------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

static uint64_t next(uint64_t *s)
{
	*s = mix(*s);
	return *s;
}

/* ---- puppets: the pool's processes and threads ------------------------- */

#define MAXP	40	/* puppet slots (pool processes) per worker */
#define MAXF	40	/* pool file descriptors per worker */
#define MAXTM	12	/* POSIX timers per worker */
#define MAXMQ	4	/* message queues per worker */
#define NUMS	16	/* numbers of other levels */
#define STK	(64 << 10)

enum {
	P_NONE, P_EXIT, P_EXIT_GROUP, P_UNSHARE, P_FORK, P_REBOOT, P_TIMER,
	P_MQ_NOTIFY, P_PDEATHSIG, P_SUBREAPER, P_SIGACTION, P_KILL, NPCMD
};

static const char *const pcmd_name[NPCMD] = {
	"none", "exit", "exit_group", "unshare", "fork", "reboot", "timer",
	"mq_notify", "pdeathsig", "subreaper", "sigaction", "kill",
};

/* Puppet start flags. */
#define PF_SHAREDSIG	1	/* shares the worker's signal handlers */
#define PF_DFL		2	/* default actions for the catchable signals */
#define PF_QUICK	4	/* a vfork child: exit at once */
#define PF_NOREAP	8	/* a thread of the worker: its children are not ours */

/* One pool process's mailbox, in memory shared with it. */
struct slot {
	int seq;		/* futex: bumped with each command */
	int done;		/* futex: seq of the last command carried out */
	int cmd, ret;
	int arg[4];
	int gen;		/* bumped when the slot changes hands */
	int vmtid;		/* CLONE_CHILD_CLEARTID word of a CLONE_VM puppet */
	int ctid;		/* scratch for CLONE_CHILD_SETTID elsewhere */
	int busy;		/* a worker thread is commanding it */
	int start_gen, start_life, start_flags;
	char mqname[MAXMQ][24];	/* the worker's queues, for P_MQ_NOTIFY */
};

struct wshared {
	struct slot slot[MAXP];
	char fibuf[MAXT + 1][32];	/* fail-nth read back, per thread */
};

static struct wshared *WS;

static const int dfl_sigs[] = { SIGHUP, SIGINT, SIGUSR1, SIGUSR2, SIGALRM,
				SIGTERM, 34, 40 };

static int puppet_guard_ok(void)
{
	char buf[64];
	long n;

	n = SC4(__NR_readlinkat, AT_FDCWD, "/proc/thread-self/ns/pid", buf,
		sizeof(buf) - 1);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	/* Not in the arena's namespace, nor in the supervisor's. */
	return strcmp(buf, G->arena_ns) && strcmp(buf, G->start_ns) &&
	       G->arena_ns[0];
}

static void puppet_body(struct slot *s, int gen, int life, int flags);

/* Carry out one command; its result goes back to the worker. */
static long puppet_cmd(struct slot *s, int cmd, const int *arg, int flags)
{
	struct ksigevent sev;
	struct ksigaction ka;
	struct cl_args ca;
	struct itimerspec its;
	int pidfd = -1, timer = 0;
	long r, q;

	memset(&sev, 0, sizeof(sev));
	memset(&ka, 0, sizeof(ka));
	memset(&ca, 0, sizeof(ca));
	memset(&its, 0, sizeof(its));
	switch (cmd) {
	case P_EXIT:
		account(S_EXIT, 0, 0);
		SC1(__NR_exit, arg[0]);
		return 0;
	case P_EXIT_GROUP:
		account(S_EXIT_GROUP, 0, 0);
		SC1(__NR_exit_group, arg[0]);
		return 0;
	case P_UNSHARE:
		r = SC1(__NR_unshare, (unsigned int)arg[0]);
		account(S_UNSHARE, r, 0);
		return r;
	case P_FORK:
		/* arg: slot, its gen, its life, clone flags */
		ca.flags = CLONE_PIDFD | (unsigned int)arg[3];
		ca.pidfd = (uintptr_t)&pidfd;
		ca.exit_signal = SIGCHLD;
		r = SC2(__NR_clone3, &ca, CLONE_ARGS_SIZE_VER0);
		if (r == 0) {
			puppet_body(&WS->slot[arg[0]], arg[1], arg[2], PF_DFL);
			SC1(__NR_exit_group, 0);
		}
		account(S_CLONE3, r, 0);
		return IS_ERR(r) ? r : pidfd;
	case P_REBOOT:
		if (!puppet_guard_ok())
			return -EPERM;
		account_before(S_REBOOT);
		r = SC4(__NR_reboot, REBOOT_MAGIC1, REBOOT_MAGIC2,
			(unsigned int)arg[0], 0);
		account_after(S_REBOOT, r);
		return r;
	case P_TIMER:
		/* arg: signal, first expiry ms, interval ms */
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = arg[0];
		r = SC3(__NR_timer_create, CLOCK_MONOTONIC, &sev, &timer);
		account(S_TIMER_CREATE, r, 0);
		if (IS_ERR(r))
			return r;
		its.it_value.tv_nsec = (arg[1] % 1000) * 1000000L + 1;
		its.it_interval.tv_nsec = (arg[2] % 1000) * 1000000L;
		r = SC4(__NR_timer_settime, timer, 0, &its, NULL);
		account(S_TIMER_SETTIME, r, 0);
		return r;
	case P_MQ_NOTIFY:
		/* arg: queue, signal */
		q = SC4(__NR_mq_open, s->mqname[arg[0] % MAXMQ],
			O_RDWR | O_NONBLOCK, 0, NULL);
		account(S_MQ_OPEN, q, 0);
		if (IS_ERR(q))
			return q;
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = arg[1];
		r = SC2(__NR_mq_notify, q, &sev);
		account(S_MQ_NOTIFY, r, 0);
		return r;
	case P_PDEATHSIG:
		r = SC2(__NR_prctl, PR_SET_PDEATHSIG, arg[0]);
		account(S_PRCTL, r, 0);
		return r;
	case P_SUBREAPER:
		r = SC2(__NR_prctl, PR_SET_CHILD_SUBREAPER, arg[0]);
		account(S_PRCTL, r, 0);
		return r;
	case P_SIGACTION:
		/* arg: signal, 0 default, 1 ignore, 2 handler */
		ka.handler = arg[1] == 0 ? (void *)SIG_DFL :
			     arg[1] == 1 ? (void *)SIG_IGN :
			     (void *)nop_handler;
		ka.flags = SA_RESTORER_ | SA_RESTART;
		ka.restorer = (void *)pf_restorer;
		return SC4(__NR_rt_sigaction, arg[0], &ka, NULL, 8);
	case P_KILL:
		q = arg[0];
		if (q == INT_MIN) {	/* our parent, if it is in our namespace */
			q = SC0(__NR_getppid);
			if (q <= 0)
				return -ESRCH;
		}
		/*
		 * Everything in our namespace (-1): not in the arena's, where
		 * that is every worker.  Our process group (0): a thread's is
		 * the worker's, the arena's.
		 */
		if ((q == -1 && !puppet_guard_ok()) ||
		    (q == 0 && (flags & PF_NOREAP)))
			return -EPERM;
		r = SC2(__NR_kill, q, arg[1]);
		account(S_KILL, r, 0);
		return r;
	}
	return -EINVAL;
}

/*
 * A pool process: wait for commands until the slot changes hands or the
 * lifetime is over, reaping whatever becomes our child (we may be the
 * init of a namespace).  Raw system calls only: we may be the child of a
 * threaded process, or share the worker's memory and TLS.
 */
static void puppet_body(struct slot *s, int gen, int life, int flags)
{
	long t0 = mono_ms();
	int seen = 0;
	unsigned int i;

	SC2(__NR_prctl, PR_SET_PDEATHSIG, SIGKILL);
	/* A process group of its own: kill(0) from it stays with it. */
	if (!(flags & PF_NOREAP))
		SC2(__NR_setpgid, 0, 0);
	if ((flags & PF_DFL) && !(flags & PF_SHAREDSIG)) {
		struct ksigaction ka = { .handler = (void *)SIG_DFL };

		for (i = 0; i < sizeof(dfl_sigs) / sizeof(dfl_sigs[0]); i++)
			SC4(__NR_rt_sigaction, dfl_sigs[i], &ka, NULL, 8);
	}
	if (flags & PF_QUICK) {
		sleep_us(life * 1000L);
		return;
	}
	for (;;) {
		int cur, cmd, arg[4];
		long r;

		if (ld(&s->gen) != gen || mono_ms() - t0 > life)
			return;
		while (!(flags & PF_NOREAP) &&
		       SC4(__NR_wait4, -1, NULL, WNOHANG | __WALL, NULL) > 0)
			;
		cur = ld(&s->seq);
		if (cur == seen) {
			futex_wait(&s->seq, seen, 50);
			continue;
		}
		seen = cur;
		cmd = ld(&s->cmd);
		for (i = 0; i < 4; i++)
			arg[i] = ld(&s->arg[i]);
		r = puppet_cmd(s, cmd, arg, flags);
		st(&s->ret, (int)r);
		st(&s->done, cur);
		futex_wake(&s->done);
	}
}

/* The entry of a CLONE_VM puppet, on its own stack. */
static void puppet_vm(void *arg)
{
	struct slot *s = arg;

	puppet_body(s, s->start_gen, s->start_life, s->start_flags);
}

static __attribute__((noreturn)) void puppet_proc(struct slot *s, int gen,
						  int life, int flags)
{
	puppet_body(s, gen, life, flags);
	SC1(__NR_exit_group, 0);
	__builtin_unreachable();
}

/* ---- a worker's pool ---------------------------------------------------- */

enum { K_PROC, K_INIT, K_THREAD, K_VM, K_GRAND };
static const char *const kind_name[] = { "proc", "init", "thread", "vm",
					 "grand" };

struct pent {
	int used, kind, slot, parent, child, dead, noinit, traced;
	int inflight;		/* being made: not to be evicted */
	pid_t pid;		/* as the worker sees it; 0 if unknown */
	int pidfd;		/* -1: none */
};

enum { F_NS_PID, F_NS_CHILD, F_NS_NOINIT, F_PIDFD, F_OTHER, NFKIND };
static const char *const fkind_name[] = { "ns_pid", "ns_pid_for_children",
					  "ns_noinit", "pidfd", "fd" };

struct fent {
	int used, fd, kind, owner;	/* owner: the pent it came from */
};

struct uctx {
	int armed;
	int action, delay_us, value;
	int victim_fd;
	pid_t victim_pid;
	int stage_len;
	unsigned char stage[4 * (MAX_PID_NS_LEVEL + 8)];
};

enum { A_NONE, A_KILL_OWNER, A_KILL_ANY, A_NS_LAST_PID, A_EXIT_PUPPET,
       NACTION };

struct worker;

struct th {
	struct worker *w;
	int idx;
	uint64_t rng;
	pid_t tid;
	int failfd, ownns;
	int entered;		/* pid_for_children is not our own namespace */
	char *upage;		/* [0] pidfd page, [1] set_tid page (uffd) */
	struct uctx u;
	long ops, quota;
	pthread_t pt;
	char line[1024];
	int len;
};

struct worker {
	int idx, gen, depth;
	uid_t uid;
	pthread_mutex_t lock;
	struct pent p[MAXP];
	struct fent f[MAXF];
	long timer[MAXTM];
	int ntimer;
	int mqd[MAXMQ];
	int nums[NUMS];
	char *stacks;
	int uffd;
	pid_t tgid;
	int selfpidfd;
	long end_ms;
	int nth;
	struct th th[MAXT];
	int fake_fd, fake_pid;
	pthread_t resolver;
};

static struct worker W;

static unsigned int rnd(struct th *t, unsigned int n)
{
	return n ? next(&t->rng) % n : 0;
}

static int chance(struct th *t, int pct)
{
	return (int)rnd(t, 100) < pct;
}

/* Roughly log-uniform in [0, max]. */
static unsigned int lrnd(struct th *t, unsigned int max)
{
	unsigned int bits = 0, v;

	while ((1U << bits) <= max && bits < 31)
		bits++;
	v = rnd(t, 1U << rnd(t, bits + 1));
	return v > max ? max : v;
}

static void lock(void)
{
	if (!dry)
		pthread_mutex_lock(&W.lock);
}

static void unlock(void)
{
	if (!dry)
		pthread_mutex_unlock(&W.lock);
}

/* ---- printing the program ----------------------------------------------- */

static int showing(void)
{
	return dry || verbose;
}

static void __attribute__((format(printf, 2, 3)))
T(struct th *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!showing() || t->len >= (int)sizeof(t->line) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(t->line + t->len, sizeof(t->line) - t->len, fmt, ap);
	va_end(ap);
	if (n > 0)
		t->len += n;
	if (t->len > (int)sizeof(t->line) - 1)
		t->len = sizeof(t->line) - 1;
}

static void show(struct th *t, long r, int injected)
{
	char res[64];

	if (!showing()) {
		t->len = 0;
		return;
	}
	if (IS_ERR(r))
		snprintf(res, sizeof(res), "-1 %s", strerrorname_np(-r) ?
			 strerrorname_np(-r) : "E?");
	else
		snprintf(res, sizeof(res), "%ld", r);
	fprintf(dry ? stdout : stderr, "w%d.%d.t%d #%ld: %.*s = %s%s\n",
		W.idx, W.gen, t->idx, t->ops, t->len, t->line, res,
		injected ? " (fail-nth injected)" : "");
	t->len = 0;
}

struct flagname {
	uint64_t bit;
	const char *name;
};

static const struct flagname clone_flag_names[] = {
	{ CLONE_VM, "CLONE_VM" }, { CLONE_FS, "CLONE_FS" },
	{ CLONE_FILES, "CLONE_FILES" }, { CLONE_SIGHAND, "CLONE_SIGHAND" },
	{ CLONE_PIDFD, "CLONE_PIDFD" }, { CLONE_PTRACE, "CLONE_PTRACE" },
	{ CLONE_VFORK, "CLONE_VFORK" }, { CLONE_PARENT, "CLONE_PARENT" },
	{ CLONE_THREAD, "CLONE_THREAD" }, { CLONE_NEWNS, "CLONE_NEWNS" },
	{ CLONE_SYSVSEM, "CLONE_SYSVSEM" },
	{ CLONE_PARENT_SETTID, "CLONE_PARENT_SETTID" },
	{ CLONE_CHILD_CLEARTID, "CLONE_CHILD_CLEARTID" },
	{ CLONE_DETACHED, "CLONE_DETACHED" },
	{ CLONE_UNTRACED, "CLONE_UNTRACED" },
	{ CLONE_CHILD_SETTID, "CLONE_CHILD_SETTID" },
	{ CLONE_NEWCGROUP, "CLONE_NEWCGROUP" }, { CLONE_NEWUTS, "CLONE_NEWUTS" },
	{ CLONE_NEWIPC, "CLONE_NEWIPC" }, { CLONE_NEWUSER, "CLONE_NEWUSER" },
	{ CLONE_NEWPID, "CLONE_NEWPID" }, { CLONE_NEWNET, "CLONE_NEWNET" },
	{ CLONE_IO, "CLONE_IO" }, { CLONE_NEWTIME, "CLONE_NEWTIME" },
	{ CLONE_CLEAR_SIGHAND_, "CLONE_CLEAR_SIGHAND" },
};

static const char *flags_str(char *buf, size_t n, uint64_t flags)
{
	size_t len = 0;
	unsigned int i;

	buf[0] = 0;
	for (i = 0; i < sizeof(clone_flag_names) / sizeof(clone_flag_names[0]);
	     i++) {
		if (!(flags & clone_flag_names[i].bit))
			continue;
		flags &= ~clone_flag_names[i].bit;
		len += snprintf(buf + len, len < n ? n - len : 0, "%s%s",
				len ? "|" : "", clone_flag_names[i].name);
	}
	if (flags || !len)
		snprintf(buf + len, len < n ? n - len : 0, "%s0x%" PRIx64,
			 len ? "|" : "", flags);
	return buf;
}

static const char *sig_str(char *buf, size_t n, int sig)
{
	const char *name = sig > 0 && sig < 32 ? sigabbrev_np(sig) : NULL;

	if (name)
		snprintf(buf, n, "SIG%s", name);
	else if (sig >= 34 && sig <= 64)
		snprintf(buf, n, "SIGRTMIN+%d", sig - 34);
	else
		snprintf(buf, n, "%d", sig);
	return buf;
}

/* ---- calling ----------------------------------------------------------- */

/* A made-up result for --dry-run. */
static long fake(int id)
{
	switch (id) {
	case S_PIDFD_OPEN: case S_PIDFD_GETFD: case S_OPEN_NS:
	case S_NS_PARENT: case S_NS_USERNS: case S_PIDFD_NS:
	case S_PIDFD_CHILDNS: case S_PIDFD_USERNS: case S_MQ_OPEN:
		return W.fake_fd++;
	case S_CLONE3: case S_CLONE: case S_FORK: case S_VFORK:
		return W.fake_pid++;
	case S_NS_PID_FROM: case S_NS_TGID_FROM: case S_NS_PID_IN:
	case S_NS_TGID_IN:
		return 2;
	}
	return 0;
}

/* Arm fail-nth for this call?  Returns N, or 0. */
static unsigned int want_fail(struct th *t)
{
	if (!use_failnth || (!dry && t->failfd < 0) || !chance(t, 10))
		return 0;
	return 1 + lrnd(t, 400);
}

/*
 * One fuzzed call, @forks if it may return twice.  In the child of a
 * fork it returns 0 at once, having counted nothing: the caller runs the
 * puppet.  Otherwise the call is counted and shown.
 */
static long do_call(struct th *t, int id, int may_fail, int forks, long nr,
		    long a, long b, long c, long d, long e)
{
	unsigned int nth = may_fail ? want_fail(t) : 0;
	int injected = 0;
	char num[16];
	long r;

	if (nth)
		T(t, " [fail-nth %u]", nth);
	if (dry) {
		r = fake(id);
	} else if (nth) {
		char *buf = WS->fibuf[t->idx];
		int len = snprintf(num, sizeof(num), "%u", nth);

		memset(buf, 0, 32);
		if (SC3(__NR_write, t->failfd, num, len) != len) {
			r = sc(nr, a, b, c, d, e, 0);
		} else {
			r = fi_sys(nr, a, b, c, d, e, forks, t->failfd, buf);
			if (forks && r == 0)
				return 0;
			injected = !strcmp(buf, "0\n");
		}
	} else {
		r = sc(nr, a, b, c, d, e, 0);
	}
	if (forks && r == 0 && !dry)
		return 0;
	account(id, r, injected);
	show(t, r, injected);
	return r;
}

#define CALL(t, id, nr, ...)	call6(t, id, 0, nr, __VA_ARGS__, 0, 0, 0, 0, 0)
#define FCALL(t, id, nr, ...)	call6(t, id, 1, nr, __VA_ARGS__, 0, 0, 0, 0, 0)
#define call6(t, id, f, nr, a, b, c, d, e, ...) \
	do_call(t, id, f, 0, nr, (long)(a), (long)(b), (long)(c), (long)(d), \
		(long)(e))

/* A helper call (not counted): skipped in a dry run. */
static long hsys(long nr, long a, long b, long c, long d)
{
	return dry ? 0 : sc(nr, a, b, c, d, 0, 0);
}

/* ---- the pool ------------------------------------------------------------ */

static void note_num(struct th *t, long n)
{
	if (n > 0 && n < INT_MAX)
		W.nums[rnd(t, NUMS)] = (int)n;
}

static void slot_release(int i)
{
	struct slot *s;

	if (i < 0 || dry)
		return;
	s = &WS->slot[i];
	__atomic_fetch_add(&s->gen, 1, __ATOMIC_RELEASE);
	futex_wake(&s->seq);
}

/* Drop entry @i (locked): close its pidfd, end its puppet. */
static void pent_drop(int i, int kill_it)
{
	struct pent *p = &W.p[i];

	if (!p->used)
		return;
	if (kill_it && !p->dead && p->kind != K_THREAD && !dry) {
		if (p->pidfd >= 0)
			SC4(__NR_pidfd_send_signal, p->pidfd, SIGKILL, NULL, 0);
		else if (p->pid > 0)
			SC2(__NR_kill, p->pid, SIGKILL);
	}
	if (p->pidfd >= 0 && !dry)
		SC1(__NR_close, p->pidfd);
	slot_release(p->slot);
	p->used = 0;
}

/* A free slot and pool entry (locked), or -1: the oldest is evicted. */
static int pent_alloc(struct th *t)
{
	int i, j, start = rnd(t, MAXP);

	for (j = 0; j < MAXP; j++) {
		i = (start + j) % MAXP;
		if (!W.p[i].used && (dry || ld(&WS->slot[i].vmtid) == 0))
			goto found;
	}
	/*
	 * Evict a random entry.  The stack of a CLONE_VM puppet is free only
	 * once it has exited (its CLONE_CHILD_CLEARTID word is 0): until then
	 * it is only told to go.
	 */
	i = start;
	if (W.p[i].inflight)
		return -1;
	if (!dry && ld(&WS->slot[i].vmtid)) {
		slot_release(W.p[i].slot);
		return -1;
	}
	pent_drop(i, 1);
found:
	memset(&W.p[i], 0, sizeof(W.p[i]));
	W.p[i].used = 1;
	W.p[i].inflight = 1;
	W.p[i].slot = i;
	W.p[i].pidfd = -1;
	W.p[i].parent = -1;
	if (!dry) {
		struct slot *s = &WS->slot[i];

		/* A new mailbox: the new puppet starts at command 0. */
		__atomic_fetch_add(&s->gen, 1, __ATOMIC_RELEASE);
		st(&s->busy, 0);
		st(&s->seq, 0);
		st(&s->done, 0);
	}
	return i;
}

static int pent_pick(struct th *t, int (*ok)(struct pent *))
{
	int i, j, start = rnd(t, MAXP);

	for (j = 0; j < MAXP; j++) {
		i = (start + j) % MAXP;
		if (W.p[i].used && (!ok || ok(&W.p[i])))
			return i;
	}
	return -1;
}

static int fent_add(struct th *t, int fd, int kind, int owner)
{
	int i, j, start = rnd(t, MAXF);

	if (fd < 0)
		return -1;
	for (j = 0; j < MAXF; j++) {
		i = (start + j) % MAXF;
		if (!W.f[i].used)
			goto found;
	}
	i = start;
	if (!dry)
		SC1(__NR_close, W.f[i].fd);
found:
	W.f[i] = (struct fent){ 1, fd, kind, owner };
	return i;
}

/* A pool fd of one of the kinds in @mask (locked), or -1. */
static int fent_pick(struct th *t, unsigned int mask)
{
	int i, j, start = rnd(t, MAXF);

	for (j = 0; j < MAXF; j++) {
		i = (start + j) % MAXF;
		if (W.f[i].used && (mask & (1U << W.f[i].kind)))
			return i;
	}
	return -1;
}

static int is_live(struct pent *p)
{
	return !p->dead && p->pid > 0;
}

static int is_proc(struct pent *p)
{
	return !p->dead && p->kind != K_THREAD && p->pid > 0;
}

static int has_pidfd(struct pent *p)
{
	return p->pidfd >= 0;
}

static int is_puppet(struct pent *p)
{
	return !p->dead && p->slot >= 0;
}

static int is_init(struct pent *p)
{
	return !p->dead && p->kind == K_INIT && p->slot >= 0;
}

/* Is @pid (as we see it) in our own thread group? */
static int ours(pid_t pid)
{
	int i;

	if (pid == W.tgid || pid == 0 || pid == -1 || pid == -W.tgid)
		return 1;
	for (i = 0; i < W.nth; i++)
		if (pid == W.th[i].tid)
			return 1;
	for (i = 0; i < MAXP; i++)
		if (W.p[i].used && W.p[i].kind == K_THREAD && W.p[i].pid == pid)
			return 1;
	return 0;
}

/* Mark the entry of a reaped child. */
static void reaped(pid_t pid)
{
	int i;

	if (pid <= 0)
		return;
	lock();
	for (i = 0; i < MAXP; i++) {
		if (W.p[i].used && W.p[i].pid == pid && W.p[i].kind != K_THREAD) {
			W.p[i].dead = 1;
			slot_release(W.p[i].slot);
			W.p[i].slot = -1;
		}
	}
	unlock();
}

/* Reap what is ready, not counted as a call. */
static void reap_some(void)
{
	int i;
	long r;

	if (dry)
		return;
	for (i = 0; i < 8; i++) {
		r = SC4(__NR_wait4, -1, NULL, WNOHANG | __WALL, NULL);
		if (r <= 0)
			break;
		reaped(r);
	}
}

/* ---- argument choices -------------------------------------------------- */

static int pick_sig(struct th *t)
{
	static const int sigs[] = {
		0, SIGKILL, SIGKILL, SIGSTOP, SIGCONT, SIGCONT, SIGTERM,
		SIGTERM, SIGUSR1, SIGUSR1, SIGUSR2, SIGHUP, SIGINT, SIGCHLD,
		SIGALRM, 34, 40, 64, 65, -1, 0,
	};

	return sigs[rnd(t, sizeof(sigs) / sizeof(sigs[0]))];
}

/* A pid to aim at, with the kind of target in @what. */
static pid_t pick_pid(struct th *t, int threads)
{
	unsigned int c = rnd(t, 100);
	int i;

	lock();
	i = pent_pick(t, threads ? is_live : is_proc);
	if (c < 55 && i >= 0) {
		pid_t pid = W.p[i].pid;

		unlock();
		return pid;
	}
	unlock();
	if (c < 62)
		return W.tgid;
	if (c < 66)
		return t->tid;
	if (c < 72)
		return 1;
	if (c < 80 && W.nums[c % NUMS])
		return W.nums[c % NUMS];
	if (c < 82)
		return 0;
	if (c < 83)
		return -1;
	if (c < 88 && i >= 0)
		return -W.p[i].pid;
	if (c < 96)
		return 2 + rnd(t, 400);
	switch (rnd(t, 4)) {
	case 0: return INT_MAX;
	case 1: return INT_MIN;
	case 2: return 4194304;
	}
	return -(int)rnd(t, 100);
}

/* Keep the worker alive, mostly: no SIGKILL or SIGSTOP to ourselves. */
static int tame(struct th *t, pid_t target, int sig)
{
	if ((sig == SIGKILL || sig == SIGSTOP) && chance(t, 98)) {
		lock();
		if (ours(target) || target < 0)
			sig = chance(t, 50) ? SIGCONT : 0;
		unlock();
	}
	return sig;
}

/* A pidfd to use (locked inside), or an edge case. */
static int pick_pidfd(struct th *t)
{
	unsigned int c = rnd(t, 100);
	int i, fd = -1;

	lock();
	if (c < 65) {
		i = pent_pick(t, has_pidfd);
		if (i >= 0)
			fd = W.p[i].pidfd;
	} else if (c < 80) {
		i = fent_pick(t, 1U << F_PIDFD);
		if (i >= 0)
			fd = W.f[i].fd;
	} else if (c < 86) {
		i = fent_pick(t, ~(1U << F_PIDFD));
		if (i >= 0)
			fd = W.f[i].fd;
	} else if (c < 92) {
		fd = W.selfpidfd;
	}
	unlock();
	if (fd >= 0)
		return fd;
	if (c < 97)
		return W.selfpidfd;
	return c < 99 ? -1 : (int)rnd(t, 300);
}

/* ---- clone3 ----------------------------------------------------------- */

static uint64_t rand_clone_flags(struct th *t)
{
	static const uint64_t bits[] = {
		CLONE_NEWPID, CLONE_NEWPID, CLONE_PARENT, CLONE_THREAD,
		CLONE_SIGHAND, CLONE_VM, CLONE_VM, CLONE_NEWUSER, CLONE_PIDFD,
		CLONE_PIDFD, CLONE_VFORK, CLONE_FILES, CLONE_FS,
		CLONE_CLEAR_SIGHAND_, CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC,
		CLONE_SYSVSEM, CLONE_PTRACE, CLONE_UNTRACED, CLONE_DETACHED,
		CLONE_PARENT_SETTID, CLONE_CHILD_SETTID, CLONE_NEWTIME,
		CLONE_IO, 1ULL << 40,
	};
	uint64_t f = 0;
	int n = 1 + rnd(t, 5);

	while (n--)
		f |= bits[rnd(t, sizeof(bits) / sizeof(bits[0]))];
	return f;
}

/* A set_tid array in @tid, its size returned; @newpid: the child is init. */
static int make_set_tid(struct th *t, int *tid, int newpid, int *len_edge)
{
	int n, i;

	*len_edge = 0;
	switch (rnd(t, 10)) {
	case 0:		/* too long for any namespace */
		n = MAX_PID_NS_LEVEL + 1 + rnd(t, 4);
		*len_edge = 1;
		break;
	case 1:		/* too long for this one, most likely */
		n = 8 + rnd(t, MAX_PID_NS_LEVEL - 8);
		*len_edge = 1;
		break;
	default:
		n = 1 + rnd(t, 3);
	}
	for (i = 0; i < n; i++) {
		int c = rnd(t, 100);

		if (i == 0 && newpid && c < 80) {
			tid[i] = 1;
		} else if (c < 50) {
			tid[i] = 2 + lrnd(t, 3000);	/* free, likely */
		} else if (c < 70) {
			int j;

			lock();
			j = pent_pick(t, is_live);
			tid[i] = j >= 0 ? W.p[j].pid : 1;	/* taken */
			unlock();
		} else if (c < 75 && W.nums[c % NUMS]) {
			tid[i] = W.nums[c % NUMS];
		} else {
			static const int edge[] = { 0, -1, 1, 300, 32767, 32768,
						    4194303, 4194304, INT_MAX };

			tid[i] = edge[rnd(t, sizeof(edge) / sizeof(edge[0]))];
		}
	}
	return n;
}

static int pick_action(struct th *t, int victim_known)
{
	int c = rnd(t, 100);

	if (c < 30)
		return A_NONE;
	if (c < 70)
		return victim_known ? A_KILL_OWNER : A_KILL_ANY;
	if (c < 85)
		return A_KILL_ANY;
	if (c < 92)
		return A_NS_LAST_PID;
	return A_EXIT_PUPPET;
}

/*
 * clone3 in all its forms.  @victim: a pool entry whose death while the
 * fork sleeps on a userfaultfd page is interesting (the owner of the
 * namespace we entered), or -1.  @force_uffd: put the pidfd there.
 */
static void do_clone3(struct th *t, int victim, int force_uffd)
{
	struct cl_args a;
	char fbuf[512], sbuf[16];
	int tid[MAX_PID_NS_LEVEL + 8], ntid = 0, len_edge = 0;
	int pidfd = -1, ptid = 0, slot, shape = rnd(t, 100);
	int vm = 0, uffd_pidfd = 0, uffd_tid = 0, lifems, pflags = PF_DFL;
	long size = CLONE_ARGS_SIZE_VER2, r;
	struct slot *s = NULL;
	int i;

	memset(&a, 0, sizeof(a));
	lock();
	slot = pent_alloc(t);
	unlock();
	if (slot < 0)
		return;
	if (!dry)
		s = &WS->slot[slot];

	if (force_uffd || shape < 40) {
		/* a process, or the init of a new namespace */
		if (chance(t, 40))
			a.flags |= CLONE_NEWPID;
		if (chance(t, 8))
			a.flags |= CLONE_PARENT;
		if (chance(t, 5))
			a.flags |= CLONE_NEWUSER | (chance(t, 70) ? CLONE_NEWPID : 0);
		if (chance(t, 5))
			a.flags |= CLONE_CLEAR_SIGHAND_;
		if (chance(t, 10))
			a.flags |= CLONE_PARENT_SETTID;
	} else if (shape < 70 && t->entered && chance(t, 70)) {
		/* In another namespace a thread or CLONE_VM is EINVAL: mostly
		 * a process then. */
		if (chance(t, 40))
			a.flags |= CLONE_NEWPID;
	} else if (shape < 60) {
		a.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
		if (chance(t, 50))
			a.flags |= CLONE_FILES;
		if (chance(t, 50))
			a.flags |= CLONE_FS;
		if (chance(t, 10))
			a.flags |= CLONE_PARENT_SETTID;
	} else if (shape < 70) {
		a.flags = CLONE_VM | (chance(t, 30) ? CLONE_SIGHAND : 0);
	} else if (shape < 75) {
		a.flags = CLONE_VFORK | (chance(t, 30) ? CLONE_NEWPID : 0);
	} else {
		a.flags = rand_clone_flags(t);
	}
	if (force_uffd || chance(t, 75))
		a.flags |= CLONE_PIDFD;
	a.flags &= ~CLONE_INTO_CGROUP_;
	vm = !!(a.flags & CLONE_VM);
	a.exit_signal = (a.flags & (CLONE_THREAD | CLONE_PARENT)) ? 0 : SIGCHLD;
	if (chance(t, 5))
		a.exit_signal = chance(t, 50) ? 0 : SIGUSR1;
	if (shape >= 95)		/* edge: an invalid exit signal */
		a.exit_signal = chance(t, 50) ? 65 : 0x100 + SIGCHLD;
	if (a.flags & CLONE_PIDFD)
		a.pidfd = (uintptr_t)&pidfd;
	if (a.flags & CLONE_PARENT_SETTID)
		a.parent_tid = chance(t, 5) ? a.pidfd : (uintptr_t)&ptid;
	if (vm) {
		/* A stack of its own, always: never the worker's. */
		a.flags |= CLONE_CHILD_CLEARTID;
		a.child_tid = dry ? 0 : (uintptr_t)&s->vmtid;
		a.stack = dry ? 0x10000 : (uintptr_t)(W.stacks + (size_t)slot * STK);
		a.stack_size = STK;
		if (shape >= 97)
			a.stack_size = 0;	/* edge: EINVAL */
	} else if (a.flags & CLONE_CHILD_SETTID) {
		a.child_tid = dry ? 0 : (uintptr_t)&s->ctid;
	}

	if (!force_uffd && chance(t, 25))
		ntid = make_set_tid(t, tid, !!(a.flags & CLONE_NEWPID), &len_edge);
	if (ntid) {
		a.set_tid = (uintptr_t)tid;
		a.set_tid_size = ntid;
		if (chance(t, 3))
			a.set_tid = 0;		/* EINVAL */
		else if (chance(t, 3))
			a.set_tid_size = 0;	/* EINVAL */
	}
	/* Sizes: VER0 without set_tid, sometimes; edges in the random shape. */
	if (!ntid && chance(t, 20))
		size = CLONE_ARGS_SIZE_VER0;
	else if (chance(t, 10))
		size = CLONE_ARGS_SIZE_VER1;
	if (shape >= 90 && chance(t, 50)) {
		static const long sizes[] = { 0, 8, 63, 65, 96, 120, 4097 };

		size = sizes[rnd(t, sizeof(sizes) / sizeof(sizes[0]))];
		if (size == 120 && chance(t, 50))
			a.pad[2] = 1;		/* a nonzero tail: E2BIG */
	}

	/* The userfaultfd: the pidfd destination, or the set_tid array. */
	if (use_uffd && W.uffd >= 0 && !vm && !(a.flags & CLONE_VFORK)) {
		if ((a.flags & CLONE_PIDFD) && (force_uffd || chance(t, 12)))
			uffd_pidfd = 1;
		if (ntid && chance(t, 8))
			uffd_tid = 1;
	}
	if (uffd_pidfd || uffd_tid) {
		int j = -1;

		t->u.victim_fd = -1;
		t->u.victim_pid = 0;
		lock();
		if (victim >= 0 && W.p[victim].used && W.p[victim].kind != K_THREAD)
			j = victim;
		else
			j = pent_pick(t, is_proc);
		if (j >= 0) {
			t->u.victim_fd = W.p[j].pidfd;
			t->u.victim_pid = W.p[j].pid;
		}
		unlock();
		t->u.action = pick_action(t, victim >= 0);
		t->u.delay_us = lrnd(t, 30000);
		t->u.value = lrnd(t, 3000);
		if (uffd_pidfd)
			a.pidfd = dry ? 0x1000 : (uintptr_t)t->upage;
		if (uffd_tid) {
			t->u.stage_len = ntid * 4;
			memcpy(t->u.stage, tid, ntid * 4);
			a.set_tid = dry ? 0x2000 : (uintptr_t)(t->upage + 4096);
		}
		st(&t->u.armed, 1);
	} else if ((a.flags & CLONE_PIDFD) && chance(t, 2)) {
		a.pidfd = chance(t, 50) ? 0 : 8;	/* EFAULT, late */
	}

	lifems = 200 + lrnd(t, 20000);
	if (a.flags & CLONE_VFORK) {
		lifems = lrnd(t, 5);
		pflags |= PF_QUICK;
	}
	if (a.flags & CLONE_SIGHAND)
		pflags |= PF_SHAREDSIG;
	if (a.flags & CLONE_THREAD)
		pflags |= PF_NOREAP;
	if (!chance(t, 50))
		pflags &= ~PF_DFL;
	if (s) {
		s->start_gen = ld(&s->gen);
		s->start_life = lifems;
		s->start_flags = pflags;
		if (vm)
			st(&s->vmtid, 1);
	}

	T(t, "clone3({flags=%s, exit_signal=%s",
	  flags_str(fbuf, sizeof(fbuf), a.flags),
	  sig_str(sbuf, sizeof(sbuf), (int)a.exit_signal));
	if (a.flags & CLONE_PIDFD)
		T(t, ", pidfd=%s", uffd_pidfd ? "<uffd page>" :
		  a.pidfd == (uintptr_t)&pidfd ? "&fd" : "<bad>");
	if (ntid) {
		T(t, ", set_tid=%s[", uffd_tid ? "<uffd page>" : "");
		for (i = 0; i < ntid && i < 6; i++)
			T(t, "%s%d", i ? ", " : "", tid[i]);
		T(t, "%s], set_tid_size=%" PRIu64, ntid > 6 ? ", ..." : "",
		  (uint64_t)a.set_tid_size);
	}
	if (vm)
		T(t, ", stack=<slot %d>, stack_size=%" PRIu64, slot,
		  (uint64_t)a.stack_size);
	if (uffd_pidfd || uffd_tid)
		T(t, ", uffd: after %dus, %s", t->u.delay_us,
		  t->u.action == A_KILL_OWNER ? "kill the owner" :
		  t->u.action == A_KILL_ANY ? "kill one" :
		  t->u.action == A_NS_LAST_PID ? "write ns_last_pid" :
		  t->u.action == A_EXIT_PUPPET ? "exit a puppet" : "nothing");
	T(t, "}, %ld)", size);

	if (dry) {
		r = fake(S_CLONE3);
		if (a.flags & CLONE_PIDFD)
			pidfd = W.fake_fd++;
		account(S_CLONE3, r, 0);
		show(t, r, 0);
	} else if (vm) {
		unsigned int nth = want_fail(t);
		char num[16];
		int injected = 0, len = snprintf(num, sizeof(num), "%u", nth);
		char *buf = WS->fibuf[t->idx];

		memset(buf, 0, 32);
		if (nth && SC3(__NR_write, t->failfd, num, len) == len) {
			r = clone3_vm(&a, size, puppet_vm, s);
			SC4(__NR_pread64, t->failfd, buf, 15, 0);
			SC3(__NR_write, t->failfd, "0", 1);
			injected = !strcmp(buf, "0\n");
			T(t, " [fail-nth %u]", nth);
		} else {
			r = clone3_vm(&a, size, puppet_vm, s);
		}
		account(S_CLONE3, r, injected);
		show(t, r, injected);
	} else {
		r = do_call(t, S_CLONE3, !(uffd_pidfd || uffd_tid), 1,
			    __NR_clone3, (long)&a, size, 0, 0, 0);
		if (r == 0)
			puppet_proc(s, s->start_gen, lifems, pflags);
	}
	if (uffd_pidfd || uffd_tid) {
		st(&t->u.armed, 0);
		if (!IS_ERR(r) && uffd_pidfd && !dry)
			pidfd = *(volatile int *)t->upage;
		hsys(__NR_madvise, (long)t->upage, 2 * 4096, MADV_DONTNEED, 0);
	}

	lock();
	if (IS_ERR(r)) {
		if (s && vm)
			st(&s->vmtid, 0);
		pent_drop(slot, 0);
		W.p[slot].used = 0;
	} else {
		struct pent *p = &W.p[slot];

		p->inflight = 0;
		p->pid = r;
		p->pidfd = (a.flags & CLONE_PIDFD) ? pidfd : -1;
		/* Forked into a namespace we entered: perhaps its init. */
		p->kind = (a.flags & CLONE_THREAD) ? K_THREAD :
			  vm ? K_VM : (a.flags & CLONE_NEWPID) || t->entered ?
			  K_INIT : K_PROC;
		p->child = !(a.flags & (CLONE_PARENT | CLONE_THREAD));
		if (a.flags & CLONE_VFORK)
			p->dead = 1;	/* it has exited by now */
		if (ptid > 0)
			note_num(t, ptid);
	}
	unlock();
}

static void op_clone3(struct th *t)
{
	do_clone3(t, -1, 0);
}

/* clone (the old one), fork, vfork. */
static void op_fork(struct th *t)
{
	static const uint64_t flag_sets[] = {
		SIGCHLD, SIGCHLD | CLONE_NEWPID, SIGCHLD | CLONE_PIDFD,
		SIGCHLD | CLONE_PIDFD | CLONE_NEWPID, CLONE_PARENT,
		SIGCHLD | CLONE_PARENT_SETTID, SIGCHLD | CLONE_NEWPID | CLONE_NEWUSER,
		CLONE_PIDFD | CLONE_DETACHED, SIGCHLD | CLONE_PIDFD | CLONE_PARENT_SETTID,
		0,
	};
	char fbuf[256];
	int which = rnd(t, 10), slot, pidfd = -1, ptid = 0;
	int life = 200 + lrnd(t, 10000);
	int pflags = chance(t, 50) ? PF_DFL : 0;
	uint64_t flags = 0;
	struct pent *p;
	long r;

	if (which == 9) {
		T(t, "vfork()");
		r = dry ? fake(S_VFORK) : vfork_exit();
		account(S_VFORK, r, 0);
		show(t, r, 0);
		return;
	}
	lock();
	slot = pent_alloc(t);
	unlock();
	if (slot < 0)
		return;
	if (which < 5) {
		flags = flag_sets[rnd(t, sizeof(flag_sets) / sizeof(flag_sets[0]))];
		T(t, "clone(%s, 0, %s, 0, 0)", flags_str(fbuf, sizeof(fbuf), flags),
		  (flags & (CLONE_PIDFD | CLONE_PARENT_SETTID)) ? "&fd" : "0");
		r = do_call(t, S_CLONE, 1, 1, __NR_clone, (long)flags, 0,
			    (flags & CLONE_PIDFD) ? (long)&pidfd : (long)&ptid,
			    0, 0);
		if (r == 0)
			puppet_proc(&WS->slot[slot], ld(&WS->slot[slot].gen),
				    life, pflags);
		if (dry && (flags & CLONE_PIDFD))
			pidfd = W.fake_fd++;
	} else {
		T(t, "fork()");
		r = do_call(t, S_FORK, 1, 1, __NR_fork, 0, 0, 0, 0, 0);
		if (r == 0)
			puppet_proc(&WS->slot[slot], ld(&WS->slot[slot].gen),
				    life, pflags);
		flags = SIGCHLD;
	}
	lock();
	p = &W.p[slot];
	if (IS_ERR(r)) {
		pent_drop(slot, 0);
	} else {
		p->inflight = 0;
		p->pid = r;
		p->pidfd = (flags & CLONE_PIDFD) ? pidfd : -1;
		p->kind = (flags & CLONE_NEWPID) || t->entered ? K_INIT : K_PROC;
		p->child = !(flags & CLONE_PARENT);
	}
	unlock();
}

/* ---- namespaces: unshare, setns, nsfs files --------------------------- */

static void op_unshare(struct th *t)
{
	static const int sets[] = {
		CLONE_NEWPID, CLONE_NEWPID, CLONE_NEWPID, CLONE_NEWPID,
		CLONE_NEWPID | CLONE_NEWUSER, CLONE_NEWPID | CLONE_NEWNS, 0,
		CLONE_THREAD, CLONE_NEWPID | CLONE_NEWIPC,
	};
	char fbuf[128];
	int flags = sets[rnd(t, sizeof(sets) / sizeof(sets[0]))];
	long r, fd;

	T(t, "unshare(%s)", flags_str(fbuf, sizeof(fbuf), (unsigned int)flags));
	r = FCALL(t, S_UNSHARE, __NR_unshare, flags);
	if (IS_ERR(r) || !(flags & CLONE_NEWPID))
		return;
	t->entered = 1;
	/* A namespace without an init yet: keep its file. */
	T(t, "openat(\"/proc/thread-self/ns/pid_for_children\")");
	fd = CALL(t, S_OPEN_NS, __NR_openat, AT_FDCWD,
		  "/proc/thread-self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
	lock();
	fent_add(t, fd, F_NS_NOINIT, -1);
	unlock();
}

static void op_setns(struct th *t)
{
	static const int types[] = { CLONE_NEWPID, CLONE_NEWPID, CLONE_NEWPID,
				     0, CLONE_NEWUSER, CLONE_NEWNET };
	unsigned int c = rnd(t, 100);
	int fd = -1, type = CLONE_NEWPID, i;
	const char *what = "fd";

	lock();
	if (c < 25) {
		i = fent_pick(t, 1U << F_NS_NOINIT);
		what = "ns_noinit";
	} else if (c < 45) {
		i = fent_pick(t, 1U << F_NS_CHILD);
		what = "ns_pid_for_children";
	} else if (c < 62) {
		i = fent_pick(t, 1U << F_NS_PID);
		what = "ns_pid";
	} else {
		i = -1;
	}
	if (i >= 0)
		fd = W.f[i].fd;
	unlock();
	if (fd < 0 && c < 62)
		c = 62;
	if (c >= 62 && c < 78) {
		fd = pick_pidfd(t);
		what = "pidfd";
		switch (rnd(t, 5)) {
		case 0: type = 0; break;
		case 1: type = CLONE_NEWPID | CLONE_NEWUSER; break;
		case 2: type = CLONE_NEWPID | CLONE_NEWNS; break;
		}
	} else if (c >= 78 && c < 95) {
		fd = t->ownns;
		what = "own ns_pid";
		if (!dry && fd < 0)
			return;
	} else if (c >= 95) {
		fd = chance(t, 50) ? -1 : (int)rnd(t, 200);
	} else if (chance(t, 15)) {
		type = types[rnd(t, sizeof(types) / sizeof(types[0]))];
	}
	T(t, "setns(%d <%s>, %#x)", fd, what, type);
	if (!IS_ERR(FCALL(t, S_SETNS, __NR_setns, fd, type)) && (type & CLONE_NEWPID))
		t->entered = fd != t->ownns;
}

/*
 * The race of bug 1: enter a namespace that has no init yet (or one
 * whose init is a pool process) and fork into it, the pidfd going to a
 * userfaultfd page, while the resolver kills the owner meanwhile.
 */
static void op_enter_fork(struct th *t)
{
	int i, fd = -1, owner = -1;
	long r;

	lock();
	i = fent_pick(t, 1U << F_NS_NOINIT);
	if (i < 0 || chance(t, 20))
		i = fent_pick(t, (1U << F_NS_CHILD) | (1U << F_NS_NOINIT));
	if (i >= 0) {
		fd = W.f[i].fd;
		owner = W.f[i].owner;
		if (owner >= 0 && !W.p[owner].used)
			owner = -1;
	}
	unlock();
	if (fd < 0) {
		op_unshare(t);
		return;
	}
	T(t, "setns(%d <ns_noinit>, CLONE_NEWPID)", fd);
	r = FCALL(t, S_SETNS, __NR_setns, fd, CLONE_NEWPID);
	if (IS_ERR(r))
		return;
	t->entered = 1;
	do_clone3(t, owner, chance(t, 60));
	if (chance(t, 70) && (dry || t->ownns >= 0)) {
		T(t, "setns(%d <own ns_pid>, CLONE_NEWPID)", t->ownns);
		if (!IS_ERR(CALL(t, S_SETNS, __NR_setns, t->ownns, CLONE_NEWPID)))
			t->entered = 0;
	}
}

static void op_open_ns(struct th *t)
{
	char path[96];
	int c = rnd(t, 100), i, kind = F_NS_PID, owner = -1, noinit = 0;
	pid_t pid = 0;
	long fd;

	lock();
	i = pent_pick(t, is_live);
	if (i >= 0) {
		pid = W.p[i].pid;
		owner = i;
		noinit = W.p[i].noinit;
	}
	unlock();
	if (pid <= 0 || c < 15) {
		kind = chance(t, 50) ? F_NS_CHILD : F_NS_PID;
		snprintf(path, sizeof(path), "/proc/thread-self/ns/%s",
			 kind == F_NS_CHILD ? "pid_for_children" : "pid");
		if (kind == F_NS_CHILD && t->entered)
			kind = F_NS_NOINIT;	/* perhaps */
		owner = -1;
	} else if (c < 55) {
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
	} else if (c < 90) {
		snprintf(path, sizeof(path), "/proc/%d/ns/pid_for_children", pid);
		kind = noinit ? F_NS_NOINIT : F_NS_CHILD;
	} else {
		snprintf(path, sizeof(path), "/proc/%d/task/%d/ns/pid", W.tgid,
			 t->tid);
	}
	T(t, "openat(\"%s\")", path);
	fd = FCALL(t, S_OPEN_NS, __NR_openat, AT_FDCWD, path,
		   O_RDONLY | O_CLOEXEC);
	if (IS_ERR(fd))
		return;
	lock();
	fent_add(t, fd, kind, owner);
	unlock();
}

/*
 * NS_SET_PIDNS_FLAGS (@set) or NS_GET_PIDNS_FLAGS on @fd: mostly the
 * command as defined, a 16-byte struct and a mask of known flags with
 * flags inside it; now and then an unknown bit in the mask or a flag
 * outside it (EINVAL), a size below 16 (EINVAL) or above (for SET, a
 * non-zero byte past the 16: E2BIG), another direction (ENOTTY) or no
 * buffer (EFAULT).
 */
static void op_pidns_flags(struct th *t, int fd, int kind, int set)
{
	static const uint64_t masks[] = {
		PIDNS_REAP_ORPHANS_, PIDNS_INIT_SIGNALS_ORDINARY_,
		PIDNS_REAP_ORPHANS_ | PIDNS_INIT_SIGNALS_ORDINARY_, 0,
	};
	static const int sizes[] = { 0, 8, 15, 17, 24, 32, 64, 100, 128 };
	unsigned int dir = set ? _IOC_WRITE : _IOC_READ;
	int c = rnd(t, 100), size = 16;
	unsigned char buf[128];
	uint64_t mask, flags;

	if (c >= 70)
		size = c < 90 ? sizes[rnd(t, sizeof(sizes) / sizeof(sizes[0]))] :
		       (int)rnd(t, sizeof(buf) + 1);
	if (chance(t, 5))
		dir = rnd(t, 4);
	mask = masks[rnd(t, sizeof(masks) / sizeof(masks[0]))];
	flags = chance(t, 50) ? mask : mask & next(&t->rng);
	if (chance(t, 5))
		mask |= 1ULL << (2 + rnd(t, 62));
	if (chance(t, 5))
		flags |= 1ULL << rnd(t, 64);
	memset(buf, set ? 0 : 0xa5, sizeof(buf));
	if (set) {
		memcpy(buf, &mask, sizeof(mask));
		memcpy(buf + 8, &flags, sizeof(flags));
		if (size > 16 && chance(t, 20))
			buf[16 + rnd(t, size - 16)] = 1 + rnd(t, 255);
		T(t, "ioctl(%d <%s>, NS_SET_PIDNS_FLAGS(dir %u, size %d), "
		  "{mask=%#" PRIx64 ", flags=%#" PRIx64 "})", fd,
		  fkind_name[kind], dir, size, mask, flags);
	} else {
		T(t, "ioctl(%d <%s>, NS_GET_PIDNS_FLAGS(dir %u, size %d))", fd,
		  fkind_name[kind], dir, size);
	}
	CALL(t, set ? S_NS_SET_FLAGS : S_NS_GET_FLAGS, __NR_ioctl, fd,
	     _IOC(dir, NSIO, set ? NS_SET_PIDNS_FLAGS_NR : NS_GET_PIDNS_FLAGS_NR,
		  size), chance(t, 3) ? 0 : (long)buf);
}

/* The nsfs ioctls on pool namespace files (and on the wrong files). */
static void op_ns_ioctl(struct th *t)
{
	int c = rnd(t, 100), i, fd = -1, kind = F_NS_PID;
	long r, arg = 0;
	int which = rnd(t, 10), uid = 0;

	lock();
	i = fent_pick(t, c < 90 ? (1U << F_NS_PID) | (1U << F_NS_CHILD) |
			(1U << F_NS_NOINIT) : ~0U);
	if (i >= 0) {
		fd = W.f[i].fd;
		kind = W.f[i].kind;
	}
	unlock();
	if (fd < 0)
		fd = c < 95 ? t->ownns : (int)rnd(t, 100);
	switch (which) {
	case 0:
		T(t, "ioctl(%d <%s>, NS_GET_PARENT)", fd, fkind_name[kind]);
		r = FCALL(t, S_NS_PARENT, __NR_ioctl, fd, NS_GET_PARENT_, 0);
		lock();
		if (!IS_ERR(r))
			fent_add(t, r, F_NS_PID, -1);
		unlock();
		return;
	case 1:
		T(t, "ioctl(%d <%s>, NS_GET_USERNS)", fd, fkind_name[kind]);
		r = CALL(t, S_NS_USERNS, __NR_ioctl, fd, NS_GET_USERNS_, 0);
		lock();
		if (!IS_ERR(r))
			fent_add(t, r, F_OTHER, -1);
		unlock();
		return;
	case 2:
		if (chance(t, 50)) {
			T(t, "ioctl(%d <%s>, NS_GET_NSTYPE)", fd, fkind_name[kind]);
			CALL(t, S_NS_NSTYPE, __NR_ioctl, fd, NS_GET_NSTYPE_, 0);
		} else {
			T(t, "ioctl(%d <%s>, NS_GET_OWNER_UID, &uid)", fd,
			  fkind_name[kind]);
			CALL(t, S_NS_OWNER, __NR_ioctl, fd, NS_GET_OWNER_UID_,
			     &uid);
		}
		return;
	case 3: case 4: {
		static const int ids[] = { S_NS_PID_FROM, S_NS_TGID_FROM };
		static const unsigned long cmds[] = { NS_GET_PID_FROM_PIDNS_,
						      NS_GET_TGID_FROM_PIDNS_ };
		int k = which - 3;

		/* a number inside that namespace */
		arg = chance(t, 40) ? 1 : chance(t, 50) ? 2 + (long)lrnd(t, 50) :
		      W.nums[rnd(t, NUMS)];
		if (chance(t, 5))
			arg = chance(t, 50) ? -1 : 0;
		T(t, "ioctl(%d <%s>, %s, %ld)", fd, fkind_name[kind],
		  k ? "NS_GET_TGID_FROM_PIDNS" : "NS_GET_PID_FROM_PIDNS", arg);
		r = CALL(t, ids[k], __NR_ioctl, fd, cmds[k], arg);
		if (!IS_ERR(r))
			note_num(t, r);
		return;
	}
	case 5: case 6: {
		static const int ids[] = { S_NS_PID_IN, S_NS_TGID_IN };
		static const unsigned long cmds[] = { NS_GET_PID_IN_PIDNS_,
						      NS_GET_TGID_IN_PIDNS_ };
		int k = which - 5;

		arg = pick_pid(t, 1);
		T(t, "ioctl(%d <%s>, %s, %ld)", fd, fkind_name[kind],
		  k ? "NS_GET_TGID_IN_PIDNS" : "NS_GET_PID_IN_PIDNS", arg);
		r = CALL(t, ids[k], __NR_ioctl, fd, cmds[k], arg);
		if (!IS_ERR(r))
			note_num(t, r);
		return;
	}
	case 7: case 8:
		op_pidns_flags(t, fd, kind, 1);
		return;
	default:
		op_pidns_flags(t, fd, kind, 0);
	}
}

/* PIDFD_GET_INFO of every size, and the pidfd namespace ioctls. */
static void op_pidfd_ioctl(struct th *t)
{
	static const int sizes[] = { 0, 8, 16, 24, 63, 64, 65, 72, 100 };
	unsigned char buf[128];
	struct pidfd_info_ *info = (void *)buf;
	int fd = pick_pidfd(t), c = rnd(t, 100), size, owner = -1, i;
	uint64_t mask;
	long r;

	if (c < 55) {
		c = rnd(t, 100);
		size = c < 40 ? 64 : c < 70 ? (int)rnd(t, 101) :
		       sizes[rnd(t, sizeof(sizes) / sizeof(sizes[0]))];
		mask = rnd(t, 16);
		if (chance(t, 5))
			mask = next(&t->rng);
		memset(buf, 0xa5, sizeof(buf));
		info->mask = mask;
		T(t, "ioctl(%d <pidfd>, PIDFD_GET_INFO(size %d), {mask=%#" PRIx64
		  "})", fd, size, mask);
		r = FCALL(t, S_PIDFD_INFO, __NR_ioctl, fd, PIDFD_GET_INFO_SIZE(size),
			  chance(t, 3) ? 0 : (long)buf);
		if (!IS_ERR(r) && !dry && size >= 24 && (info->mask & PIDFD_INFO_PID))
			note_num(t, info->pid);
		return;
	}
	lock();
	for (i = 0; i < MAXP; i++)
		if (W.p[i].used && W.p[i].pidfd == fd)
			owner = i;
	unlock();
	if (c < 70) {
		T(t, "ioctl(%d <pidfd>, PIDFD_GET_PID_NAMESPACE)", fd);
		r = FCALL(t, S_PIDFD_NS, __NR_ioctl, fd, PIDFD_GET_PID_NAMESPACE_, 0);
		lock();
		if (!IS_ERR(r))
			fent_add(t, r, F_NS_PID, owner);
		unlock();
	} else if (c < 95) {
		int kind = F_NS_CHILD;

		T(t, "ioctl(%d <pidfd>, PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE)", fd);
		r = FCALL(t, S_PIDFD_CHILDNS, __NR_ioctl, fd,
			  PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE_, 0);
		lock();
		if (owner >= 0 && W.p[owner].noinit)
			kind = F_NS_NOINIT;
		if (!IS_ERR(r))
			fent_add(t, r, kind, owner);
		unlock();
	} else {
		T(t, "ioctl(%d <pidfd>, PIDFD_GET_USER_NAMESPACE)", fd);
		r = CALL(t, S_PIDFD_USERNS, __NR_ioctl, fd, PIDFD_GET_USER_NAMESPACE_, 0);
		lock();
		if (!IS_ERR(r))
			fent_add(t, r, F_OTHER, -1);
		unlock();
	}
}

/* ---- signals ------------------------------------------------------------ */

static void op_signal(struct th *t)
{
	char sbuf[16];
	int which = rnd(t, 100), sig = pick_sig(t);
	siginfo_t si;
	pid_t pid, tid;
	long r;

	if (which < 30) {
		pid = pick_pid(t, 0);
		sig = tame(t, pid, sig);
		T(t, "kill(%d, %s)", pid, sig_str(sbuf, sizeof(sbuf), sig));
		CALL(t, S_KILL, __NR_kill, pid, sig);
	} else if (which < 40) {
		tid = pick_pid(t, 1);
		sig = tame(t, tid, sig);
		T(t, "tkill(%d, %s)", tid, sig_str(sbuf, sizeof(sbuf), sig));
		CALL(t, S_TKILL, __NR_tkill, tid, sig);
	} else if (which < 50) {
		pid = chance(t, 30) ? W.tgid : pick_pid(t, 0);
		tid = chance(t, 50) ? pid : pick_pid(t, 1);
		sig = tame(t, tid, tame(t, pid, sig));
		T(t, "tgkill(%d, %d, %s)", pid, tid, sig_str(sbuf, sizeof(sbuf), sig));
		CALL(t, S_TGKILL, __NR_tgkill, pid, tid, sig);
	} else if (which < 65) {
		static const int codes[] = { SI_QUEUE, SI_QUEUE, SI_QUEUE, SI_USER,
					     SI_TKILL, SI_KERNEL, SI_TIMER,
					     SI_MESGQ, 1, -60 };
		int tg = chance(t, 40);

		memset(&si, 0, sizeof(si));
		si.si_signo = sig;
		si.si_code = codes[rnd(t, sizeof(codes) / sizeof(codes[0]))];
		si.si_pid = chance(t, 70) ? W.tgid : (pid_t)rnd(t, 500);
		si.si_uid = chance(t, 70) ? W.uid : (uid_t)rnd(t, 70000);
		pid = pick_pid(t, 0);
		sig = tame(t, pid, sig);
		if (tg) {
			tid = pick_pid(t, 1);
			sig = tame(t, tid, sig);
			T(t, "rt_tgsigqueueinfo(%d, %d, %s, {si_code=%d})", pid, tid,
			  sig_str(sbuf, sizeof(sbuf), sig), si.si_code);
			CALL(t, S_TGSIGQUEUE, __NR_rt_tgsigqueueinfo, pid, tid, sig,
			     &si);
		} else {
			T(t, "rt_sigqueueinfo(%d, %s, {si_code=%d})", pid,
			  sig_str(sbuf, sizeof(sbuf), sig), si.si_code);
			CALL(t, S_SIGQUEUE, __NR_rt_sigqueueinfo, pid, sig, &si);
		}
	} else {
		static const unsigned long fl[] = { 0, 0, 0, 0, PIDFD_SIGNAL_THREAD,
			PIDFD_SIGNAL_THREAD_GROUP, PIDFD_SIGNAL_PROCESS_GROUP, 8 };
		int fd = pick_pidfd(t), useinfo = chance(t, 25), i;
		unsigned long flags = fl[rnd(t, sizeof(fl) / sizeof(fl[0]))];

		if ((sig == SIGKILL || sig == SIGSTOP) && chance(t, 98)) {
			/* our own pidfd, or one of our threads' */
			int own = fd == W.selfpidfd ||
				  flags == PIDFD_SIGNAL_PROCESS_GROUP;

			lock();
			for (i = 0; i < MAXP; i++)
				if (W.p[i].used && W.p[i].pidfd == fd &&
				    W.p[i].kind == K_THREAD)
					own = 1;
			unlock();
			if (own)
				sig = SIGCONT;
		}
		memset(&si, 0, sizeof(si));
		si.si_signo = sig;
		si.si_code = chance(t, 80) ? SI_QUEUE : SI_USER;
		si.si_pid = W.tgid;
		T(t, "pidfd_send_signal(%d, %s, %s, %#lx)", fd,
		  sig_str(sbuf, sizeof(sbuf), sig), useinfo ? "&info" : "NULL",
		  flags);
		r = CALL(t, S_PIDFD_SEND, __NR_pidfd_send_signal, fd, sig,
			 useinfo ? &si : NULL, flags);
		(void)r;
	}
}

/* ---- waiting ------------------------------------------------------------ */

static void op_wait(struct th *t)
{
	siginfo_t si;
	int idtype, opts = WNOHANG, c = rnd(t, 100), i;
	long id = 0, r;
	void *infop = &si;

	if (c < 15) {
		/* our child, killed, then waited for without WNOHANG */
		int fd = -1;

		lock();
		for (i = 0; i < MAXP && fd < 0; i++) {
			int k = (i + rnd(t, MAXP)) % MAXP;

			if (W.p[k].used && W.p[k].child && !W.p[k].dead &&
			    W.p[k].pidfd >= 0 && W.p[k].kind != K_THREAD)
				fd = W.p[k].pidfd;
		}
		unlock();
		if (fd >= 0) {
			T(t, "pidfd_send_signal(%d, SIGKILL, NULL, 0)", fd);
			CALL(t, S_PIDFD_SEND, __NR_pidfd_send_signal, fd, SIGKILL,
			     NULL, 0);
			idtype = P_PIDFD;
			id = fd;
			opts = WEXITED | __WALL;
			goto call;
		}
	}
	c = rnd(t, 100);
	if (c < 30) {
		idtype = P_ALL;
	} else if (c < 55) {
		idtype = P_PID;
		id = pick_pid(t, 0);
	} else if (c < 65) {
		idtype = P_PGID;
		id = chance(t, 50) ? 0 : pick_pid(t, 0);
	} else {
		idtype = P_PIDFD;
		id = pick_pidfd(t);
	}
	opts |= chance(t, 85) ? WEXITED : 0;
	opts |= chance(t, 15) ? WSTOPPED : 0;
	opts |= chance(t, 10) ? WCONTINUED : 0;
	opts |= chance(t, 10) ? WNOWAIT : 0;
	opts |= chance(t, 50) ? __WALL : 0;
	opts |= chance(t, 10) ? __WCLONE : 0;
	opts |= chance(t, 5) ? __WNOTHREAD : 0;
	if (chance(t, 5))
		infop = chance(t, 50) ? NULL : (void *)8;
	if (chance(t, 15)) {
		int status;

		id = idtype == P_ALL ? -1 : idtype == P_PGID ? -id :
		     idtype == P_PIDFD ? pick_pid(t, 0) : id;
		opts &= ~(WEXITED | WNOWAIT | WCONTINUED | WSTOPPED);
		T(t, "wait4(%ld, &status, %#x, NULL)", id, opts);
		r = CALL(t, S_WAIT4, __NR_wait4, id, &status, opts, 0);
		if (r > 0)
			reaped(r);
		return;
	}
call:
	memset(&si, 0, sizeof(si));
	T(t, "waitid(%s, %ld, %s, %#x, NULL)",
	  idtype == P_ALL ? "P_ALL" : idtype == P_PID ? "P_PID" :
	  idtype == P_PGID ? "P_PGID" : "P_PIDFD", id,
	  infop == &si ? "&info" : infop ? "<bad>" : "NULL", opts);
	r = CALL(t, S_WAITID, __NR_waitid, idtype, id, infop, opts, 0);
	if (!IS_ERR(r) && !dry && infop == &si && si.si_pid > 0 &&
	    !(opts & WNOWAIT) && si.si_code != CLD_STOPPED &&
	    si.si_code != CLD_CONTINUED && si.si_code != CLD_TRAPPED)
		reaped(si.si_pid);
}

/* ---- pidfds -------------------------------------------------------------- */

/* pid of a pidfd as we see it: PIDFD_GET_INFO, else fdinfo; 0 if unknown. */
static pid_t pidfd_pid(int fd)
{
	struct pidfd_info_ info = { .mask = PIDFD_INFO_PID };
	char path[64], buf[512], *p;
	long n;
	int f;

	if (dry)
		return W.fake_pid++;
	if (!SC3(__NR_ioctl, fd, PIDFD_GET_INFO_SIZE(sizeof(info)), &info) &&
	    (info.mask & PIDFD_INFO_PID))
		return info.pid;
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = SC3(__NR_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return 0;
	n = SC3(__NR_read, f, buf, sizeof(buf) - 1);
	SC1(__NR_close, f);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strstr(buf, "\nPid:");
	return p ? (pid_t)strtol(p + 5, NULL, 10) : 0;
}

static void op_pidfd(struct th *t)
{
	static const unsigned int fl[] = { 0, 0, 0, PIDFD_NONBLOCK, PIDFD_THREAD_,
		PIDFD_THREAD_ | PIDFD_NONBLOCK, 1U << 30 };
	int c = rnd(t, 100), i, owner = -1;
	long r;

	if (c < 65) {
		unsigned int flags = fl[rnd(t, sizeof(fl) / sizeof(fl[0]))];
		pid_t pid = pick_pid(t, flags & PIDFD_THREAD_);

		lock();
		for (i = 0; i < MAXP; i++)
			if (W.p[i].used && W.p[i].pid == pid)
				owner = i;
		unlock();
		T(t, "pidfd_open(%d, %#x)", pid, flags);
		r = FCALL(t, S_PIDFD_OPEN, __NR_pidfd_open, pid, flags);
		lock();
		if (!IS_ERR(r)) {
			if (owner >= 0 && W.p[owner].used && W.p[owner].pidfd < 0)
				W.p[owner].pidfd = r;
			else
				fent_add(t, r, F_PIDFD, owner);
		}
		unlock();
		return;
	}
	/* pidfd_getfd of a puppet's fds: its grandchildren's pidfds too */
	{
		int fd = pick_pidfd(t), target = lrnd(t, 12), flags = 0;

		lock();
		for (i = 0; i < MAXP; i++)
			if (W.p[i].used && W.p[i].pidfd == fd && W.p[i].slot >= 0 &&
			    !dry && chance(t, 50))
				target = ld(&WS->slot[W.p[i].slot].ret);
		unlock();
		if (chance(t, 3))
			flags = 1;
		T(t, "pidfd_getfd(%d, %d, %d)", fd, target, flags);
		r = FCALL(t, S_PIDFD_GETFD, __NR_pidfd_getfd, fd, target, flags);
		lock();
		if (!IS_ERR(r))
			fent_add(t, r, F_OTHER, -1);
		unlock();
	}
}

/* ---- commands to the puppets ------------------------------------------- */

/* Send @cmd to the puppet of entry @i; its result, or -ETIMEDOUT. */
struct target {
	int i, slot, kind, pidfd;
	pid_t pid;
};

static long command(struct th *t, struct target *p, int cmd, int a0, int a1,
		    int a2, int a3, int wait)
{
	struct slot *s;
	int seq, k;
	long r;

	T(t, "puppet(%d <%s pid %d>) <- %s(%d, %d, %d, %d)", p->i,
	  kind_name[p->kind], p->pid, pcmd_name[cmd], a0, a1, a2, a3);
	if (dry) {
		static const int id[NPCMD] = {
			[P_EXIT] = S_EXIT, [P_EXIT_GROUP] = S_EXIT_GROUP,
			[P_UNSHARE] = S_UNSHARE, [P_FORK] = S_CLONE3,
			[P_REBOOT] = S_REBOOT, [P_TIMER] = S_TIMER_CREATE,
			[P_MQ_NOTIFY] = S_MQ_NOTIFY, [P_PDEATHSIG] = S_PRCTL,
			[P_SUBREAPER] = S_PRCTL, [P_KILL] = S_KILL,
		};

		r = cmd == P_FORK ? W.fake_fd++ : 0;
		if (id[cmd])
			account(id[cmd], r, 0);
		show(t, r, 0);
		return r;
	}
	s = &WS->slot[p->slot];
	if (__atomic_exchange_n(&s->busy, 1, __ATOMIC_ACQUIRE)) {
		show(t, -EBUSY, 0);
		return -EBUSY;
	}
	st(&s->cmd, cmd);
	st(&s->arg[0], a0);
	st(&s->arg[1], a1);
	st(&s->arg[2], a2);
	st(&s->arg[3], a3);
	seq = __atomic_add_fetch(&s->seq, 1, __ATOMIC_ACQ_REL);
	futex_wake(&s->seq);
	for (k = 0; wait && k < 25 && ld(&s->done) != seq; k++)
		futex_wait(&s->done, ld(&s->done), 20);
	k = ld(&s->done) == seq ? ld(&s->ret) : -ETIMEDOUT;
	st(&s->busy, 0);
	if (verbose)
		show(t, k, 0);
	t->len = 0;
	return k;
}

static int is_init_or_puppet(struct pent *p)
{
	return is_puppet(p);
}

/* A puppet to command (locked inside); 0 if there is none. */
static int pick_puppet(struct th *t, int want_init, struct target *p)
{
	int i;

	lock();
	i = pent_pick(t, want_init ? is_init : is_init_or_puppet);
	if (i < 0)
		i = pent_pick(t, is_puppet);
	if (i >= 0) {
		p->i = i;
		p->slot = W.p[i].slot;
		p->kind = W.p[i].kind;
		p->pidfd = W.p[i].pidfd;
		p->pid = W.p[i].pid;
	}
	unlock();
	return i >= 0 && p->slot >= 0;
}

static void puppet_reboot(struct th *t, struct target *p)
{
	static const unsigned int reboots[] = {
		REBOOT_CMD_RESTART, REBOOT_CMD_RESTART, REBOOT_CMD_POWER_OFF,
		REBOOT_CMD_POWER_OFF, REBOOT_CMD_HALT, REBOOT_CMD_CAD_ON,
		0x12345678,
	};

	/*
	 * Ends the puppet's namespace: mostly that of an init of ours;
	 * another's namespace may be a worker's own (the puppet checks it
	 * is not the arena's).
	 */
	if (p->kind != K_INIT && !chance(t, 10))
		return;
	command(t, p, P_REBOOT, reboots[rnd(t, sizeof(reboots) /
					       sizeof(reboots[0]))], 0, 0, 0, 0);
}

static void op_puppet(struct th *t)
{
	struct target p;
	int c = rnd(t, 100), cmd, ns, slot;
	long r;

	if (!pick_puppet(t, c < 45, &p)) {
		do_clone3(t, -1, 0);
		return;
	}
	c = rnd(t, 100);
	cmd = c < 10 ? P_EXIT : c < 15 ? P_EXIT_GROUP : c < 35 ? P_UNSHARE :
	      c < 55 ? P_FORK : c < 59 ? P_REBOOT : c < 67 ? P_TIMER :
	      c < 75 ? P_MQ_NOTIFY : c < 80 ? P_PDEATHSIG : c < 85 ? P_SUBREAPER :
	      c < 92 ? P_SIGACTION : P_KILL;
	/* exit_group of a thread puppet is ours: rarely */
	if (cmd == P_EXIT_GROUP && p.kind == K_THREAD && !chance(t, 10))
		cmd = P_EXIT;
	switch (cmd) {
	case P_EXIT:
	case P_EXIT_GROUP:
		command(t, &p, cmd, rnd(t, 256), 0, 0, 0, 0);
		return;
	case P_UNSHARE:
		ns = chance(t, 90) ? CLONE_NEWPID : chance(t, 50) ?
		     CLONE_NEWPID | CLONE_NEWUSER : 0;
		if (!chance(t, 20) && p.kind == K_THREAD)
			return;
		r = command(t, &p, cmd, ns, 0, 0, 0, 1);
		if (IS_ERR(r) || !(ns & CLONE_NEWPID) || p.pidfd < 0)
			return;
		/* its pid_for_children: a namespace without an init */
		T(t, "ioctl(%d <pidfd>, PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE)",
		  p.pidfd);
		r = CALL(t, S_PIDFD_CHILDNS, __NR_ioctl, p.pidfd,
			 PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE_, 0);
		lock();
		if (W.p[p.i].used && W.p[p.i].pidfd == p.pidfd)
			W.p[p.i].noinit = 1;
		if (!IS_ERR(r))
			fent_add(t, r, F_NS_NOINIT, p.i);
		unlock();
		return;
	case P_FORK: {
		int life = 200 + lrnd(t, 15000), gen = 0, flags;
		long g;

		if (p.kind == K_THREAD)
			return;
		lock();
		slot = pent_alloc(t);
		if (slot >= 0 && !dry)
			gen = ld(&WS->slot[slot].gen);
		unlock();
		if (slot < 0)
			return;
		flags = chance(t, 50) ? CLONE_NEWPID : 0;
		r = command(t, &p, cmd, slot, gen, life, flags, 1);
		if (IS_ERR(r) || p.pidfd < 0) {
			lock();
			pent_drop(slot, 0);
			unlock();
			return;
		}
		/* its pidfd, fetched from the puppet */
		T(t, "pidfd_getfd(%d, %ld, 0)", p.pidfd, r);
		g = CALL(t, S_PIDFD_GETFD, __NR_pidfd_getfd, p.pidfd, r, 0);
		lock();
		if (W.p[p.i].used && W.p[p.i].pidfd == p.pidfd)
			W.p[p.i].noinit = 0;
		W.p[slot].inflight = 0;
		if (IS_ERR(g)) {
			/* it runs on, unknown; its lifetime ends it */
			W.p[slot].kind = K_GRAND;
			W.p[slot].dead = 1;
		} else {
			W.p[slot].pidfd = g;
			W.p[slot].kind = flags ? K_INIT : K_GRAND;
			W.p[slot].parent = p.i;
		}
		unlock();
		if (!IS_ERR(g)) {
			pid_t pid = pidfd_pid(g);

			lock();
			if (W.p[slot].used && W.p[slot].pidfd == g)
				W.p[slot].pid = pid;
			unlock();
		}
		return;
	}
	case P_REBOOT:
		puppet_reboot(t, &p);
		return;
	case P_TIMER:
		command(t, &p, cmd, chance(t, 50) ? SIGTERM : chance(t, 50) ?
			SIGUSR1 : chance(t, 50) ? SIGALRM : 34,
			1 + lrnd(t, 200), chance(t, 50) ? 0 : 5 + lrnd(t, 100),
			0, 0);
		return;
	case P_MQ_NOTIFY:
		/* A thread's notification comes to the worker: no SIGKILL. */
		command(t, &p, cmd, rnd(t, MAXMQ), chance(t, 60) ? SIGTERM :
			chance(t, 50) ? SIGUSR1 : chance(t, 80) ||
			p.kind == K_THREAD ? SIGCHLD : SIGKILL, 0, 0, 0);
		return;
	case P_PDEATHSIG:
		command(t, &p, cmd, chance(t, 50) ? SIGKILL : chance(t, 50) ?
			SIGTERM : chance(t, 50) ? 0 : 65, 0, 0, 0, 0);
		return;
	case P_SUBREAPER:
		command(t, &p, cmd, chance(t, 70), 0, 0, 0, 0);
		return;
	case P_SIGACTION:
		if (p.kind == K_THREAD || p.kind == K_VM)
			return;		/* may share our handlers */
		command(t, &p, cmd, dfl_sigs[rnd(t, sizeof(dfl_sigs) /
						     sizeof(dfl_sigs[0]))],
			rnd(t, 3), 0, 0, 0);
		return;
	case P_KILL: {
		int c2 = rnd(t, 100), target;

		int sig = pick_sig(t);

		target = c2 < 40 ? 1 : c2 < 60 ? INT_MIN : c2 < 62 ? 0 :
			 c2 < 63 ? -1 : 2 + (int)rnd(t, 40);
		/* Its parent may be the worker: mostly spare it, as ourselves. */
		if (target == INT_MIN || target <= 0)
			sig = tame(t, -1, sig);
		command(t, &p, cmd, target, sig, 0, 0, 0);
		return;
	}
	}
}

/* ---- sysctls: ns_last_pid, pid_max -------------------------------------- */

static void op_sysctl(struct th *t)
{
	static const char *const bad[] = { "", "abc", "-1", "0", " 7",
		"99999999999999999999", "4194304", "4194303", "2147483647",
		"300", "301", "32768", "1\n2" };
	char val[32];
	const char *path;
	int pidmax = chance(t, 40), c = rnd(t, 100), fd;

	if (pidmax) {
		path = "/proc/sys/kernel/pid_max";
		if (c < 35)
			snprintf(val, sizeof(val), "%u", 301 + lrnd(t, 70000));
		else if (c < 70)
			snprintf(val, sizeof(val), "%d", chance(t, 50) ? 4194304 : 32768);
		else
			snprintf(val, sizeof(val), "%s", bad[rnd(t, sizeof(bad) / sizeof(bad[0]))]);
	} else {
		path = "/proc/sys/kernel/ns_last_pid";
		if (c < 70)
			snprintf(val, sizeof(val), "%u", lrnd(t, 3000));
		else
			snprintf(val, sizeof(val), "%s", bad[rnd(t, sizeof(bad) / sizeof(bad[0]))]);
	}
	fd = hsys(__NR_openat, AT_FDCWD, (long)path, O_RDWR | O_CLOEXEC, 0);
	T(t, "write(\"%s\", \"%s\")", path, val);
	if (fd < 0) {
		account(pidmax ? S_PID_MAX : S_NS_LAST_PID, fd, 0);
		show(t, fd, 0);
		return;
	}
	FCALL(t, pidmax ? S_PID_MAX : S_NS_LAST_PID, __NR_write, fd, val,
	      strlen(val));
	if (!dry)
		SC1(__NR_close, fd);
}

/* /proc/PID/status: the NSpid numbers of other levels, for arguments. */
static void op_status(struct th *t)
{
	char path[64], buf[2048], *p, *end;
	pid_t pid = pick_pid(t, 1);
	long fd, n;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	T(t, "read(\"%s\")", path);
	fd = hsys(__NR_openat, AT_FDCWD, (long)path, O_RDONLY | O_CLOEXEC, 0);
	if (IS_ERR(fd)) {
		account(S_READ_STATUS, fd, 0);
		show(t, fd, 0);
		return;
	}
	n = CALL(t, S_READ_STATUS, __NR_read, fd, buf, sizeof(buf) - 1);
	if (dry)
		return;
	SC1(__NR_close, fd);
	if (n <= 0)
		return;
	buf[n] = 0;
	p = strstr(buf, "NSpid:");
	if (!p)
		return;
	for (p += 6; *p && *p != '\n'; p = end) {
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		note_num(t, v);
	}
}

/* ---- prctl, ptrace ----------------------------------------------------- */

static void op_prctl(struct th *t)
{
	char sbuf[16];
	int c = rnd(t, 100), v = 0, sig;

	if (c < 35) {
		v = rnd(t, 3);
		T(t, "prctl(PR_SET_CHILD_SUBREAPER, %d)", v);
		CALL(t, S_PRCTL, __NR_prctl, PR_SET_CHILD_SUBREAPER, v);
	} else if (c < 50) {
		T(t, "prctl(PR_GET_CHILD_SUBREAPER, &v)");
		CALL(t, S_PRCTL, __NR_prctl, PR_GET_CHILD_SUBREAPER, &v);
	} else if (c < 85) {
		sig = chance(t, 50) ? SIGKILL : pick_sig(t);
		T(t, "prctl(PR_SET_PDEATHSIG, %s)", sig_str(sbuf, sizeof(sbuf), sig));
		CALL(t, S_PRCTL, __NR_prctl, PR_SET_PDEATHSIG, sig);
	} else {
		T(t, "prctl(PR_GET_PDEATHSIG, &v)");
		CALL(t, S_PRCTL, __NR_prctl, PR_GET_PDEATHSIG, &v);
	}
}

static void op_ptrace(struct th *t)
{
	int c = rnd(t, 100), i = -1, k;
	pid_t pid = 0;
	long r, opts = 0;

	lock();
	k = rnd(t, MAXP);
	for (int j = 0; j < MAXP; j++) {
		int x = (k + j) % MAXP;

		if (W.p[x].used && W.p[x].traced == t->idx + 1 && !W.p[x].dead) {
			i = x;
			break;
		}
	}
	if (i < 0 || c < 40) {
		i = pent_pick(t, is_live);
		if (i >= 0 && W.p[i].kind == K_THREAD)
			i = -1;
	}
	if (i >= 0)
		pid = W.p[i].pid;
	unlock();
	if (pid <= 0)
		pid = pick_pid(t, 0);
	/* Not the init of our own namespace when that is the arena's. */
	if (pid == 1 && W.depth == 0)
		pid = W.tgid;
	c = rnd(t, 100);
	if (c < 35) {
		if (chance(t, 50))
			opts |= PTRACE_O_EXITKILL_;
		if (chance(t, 30))
			opts |= PTRACE_O_TRACEFORK_ | PTRACE_O_TRACEVFORK_ |
				PTRACE_O_TRACECLONE_;
		if (chance(t, 20))
			opts |= PTRACE_O_TRACEEXIT_;
		if (chance(t, 3))
			opts |= 1L << 30;
		T(t, "ptrace(PTRACE_SEIZE, %d, 0, %#lx)", pid, opts);
		r = CALL(t, S_PTRACE, __NR_ptrace, PTRACE_SEIZE, pid, 0, opts);
		lock();
		if (!IS_ERR(r) && i >= 0 && W.p[i].pid == pid)
			W.p[i].traced = t->idx + 1;
		unlock();
	} else if (c < 55) {
		T(t, "ptrace(PTRACE_INTERRUPT, %d, 0, 0)", pid);
		CALL(t, S_PTRACE, __NR_ptrace, PTRACE_INTERRUPT_, pid, 0, 0);
	} else if (c < 70) {
		T(t, "ptrace(PTRACE_CONT, %d, 0, 0)", pid);
		CALL(t, S_PTRACE, __NR_ptrace, PTRACE_CONT_, pid, 0, 0);
	} else if (c < 75) {
		T(t, "ptrace(PTRACE_LISTEN, %d, 0, 0)", pid);
		CALL(t, S_PTRACE, __NR_ptrace, PTRACE_LISTEN_, pid, 0, 0);
	} else {
		int sig = chance(t, 80) ? 0 : SIGCONT;

		T(t, "ptrace(PTRACE_DETACH, %d, 0, %d)", pid, sig);
		r = CALL(t, S_PTRACE, __NR_ptrace, PTRACE_DETACH_, pid, 0, sig);
		lock();
		if (!IS_ERR(r) && i >= 0 && W.p[i].pid == pid)
			W.p[i].traced = 0;
		unlock();
	}
}

/* ---- POSIX timers and message queues ------------------------------------ */

static void op_timer(struct th *t)
{
	static const int clocks[] = { CLOCK_MONOTONIC, CLOCK_MONOTONIC,
		CLOCK_REALTIME, CLOCK_PROCESS_CPUTIME_ID, CLOCK_BOOTTIME, 99 };
	static const int sigs[] = { SIGUSR1, SIGUSR2, SIGALRM, 34, SIGCONT,
				    SIGCHLD, SIGTERM, SIGKILL };
	struct ksigevent sev;
	struct itimerspec its;
	char sbuf[16];
	int c = rnd(t, 100), i, timer = 0;
	long r, id;

	if (c < 40 || W.ntimer == 0) {
		memset(&sev, 0, sizeof(sev));
		c = rnd(t, 100);
		sev.sigev_signo = sigs[rnd(t, sizeof(sigs) / sizeof(sigs[0]))];
		if (c < 50) {
			sev.sigev_notify = SIGEV_SIGNAL;
		} else if (c < 80) {
			sev.sigev_notify = SIGEV_THREAD_ID_;
			sev.tid = W.th[rnd(t, W.nth)].tid;
			if (chance(t, 20))
				sev.tid = pick_pid(t, 1);
		} else if (c < 92) {
			sev.sigev_notify = SIGEV_NONE;
		} else {
			sev.sigev_notify = 7;
		}
		i = clocks[rnd(t, sizeof(clocks) / sizeof(clocks[0]))];
		T(t, "timer_create(%d, {notify=%d, signo=%s, tid=%d}, &id)", i,
		  sev.sigev_notify, sig_str(sbuf, sizeof(sbuf), sev.sigev_signo),
		  sev.tid);
		r = FCALL(t, S_TIMER_CREATE, __NR_timer_create, i,
			  chance(t, 5) ? NULL : &sev, &timer);
		if (IS_ERR(r))
			return;
		lock();
		if (W.ntimer == MAXTM) {
			i = rnd(t, MAXTM);
			hsys(__NR_timer_delete, W.timer[i], 0, 0, 0);
			W.timer[i] = timer;
		} else {
			W.timer[W.ntimer++] = timer;
		}
		unlock();
		return;
	}
	lock();
	i = rnd(t, W.ntimer);
	id = W.timer[i];
	if (c >= 85) {
		W.timer[i] = W.timer[--W.ntimer];
	}
	unlock();
	if (c < 85) {
		memset(&its, 0, sizeof(its));
		its.it_value.tv_nsec = (1 + lrnd(t, 50)) * 1000000L;
		if (chance(t, 50))
			its.it_interval.tv_nsec = (5 + lrnd(t, 100)) * 1000000L;
		T(t, "timer_settime(%ld, 0, {%ldms, every %ldms}, NULL)", id,
		  its.it_value.tv_nsec / 1000000, its.it_interval.tv_nsec / 1000000);
		CALL(t, S_TIMER_SETTIME, __NR_timer_settime, id, 0, &its, NULL);
	} else {
		T(t, "timer_delete(%ld)", id);
		CALL(t, S_TIMER_DELETE, __NR_timer_delete, id);
	}
}

static void op_mq(struct th *t)
{
	struct kmq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 32 };
	struct ksigevent sev;
	char sbuf[16], msg[32] = "pidfuzz";
	int q = rnd(t, MAXMQ), c = rnd(t, 100), mqd;
	unsigned int prio;
	long r;

	lock();
	mqd = W.mqd[q];
	unlock();
	if (mqd < 0 || c < 10) {
		char name[24];

		snprintf(name, sizeof(name), "/pidfuzz%d.%d", W.idx, q);
		T(t, "mq_open(\"%s\", O_CREAT|O_RDWR|O_NONBLOCK, 0666, {4, 32})", name);
		r = FCALL(t, S_MQ_OPEN, __NR_mq_open, name + 1,
			  O_CREAT | O_RDWR | O_NONBLOCK | O_CLOEXEC, 0666, &attr);
		if (IS_ERR(r))
			return;
		lock();
		if (W.mqd[q] >= 0 && !dry)
			SC1(__NR_close, W.mqd[q]);
		W.mqd[q] = r;
		unlock();
		return;
	}
	if (c < 45) {
		memset(&sev, 0, sizeof(sev));
		c = rnd(t, 100);
		sev.sigev_notify = c < 75 ? SIGEV_SIGNAL : c < 90 ? SIGEV_NONE : 9;
		/* Never SIGKILL: the notification would come to us. */
		sev.sigev_signo = chance(t, 50) ? SIGUSR1 : chance(t, 50) ? SIGTERM :
				  chance(t, 50) ? 34 : SIGUSR2;
		if (chance(t, 15)) {
			T(t, "mq_notify(%d, NULL)", mqd);
			CALL(t, S_MQ_NOTIFY, __NR_mq_notify, mqd, NULL);
		} else {
			T(t, "mq_notify(%d, {notify=%d, signo=%s})", mqd,
			  sev.sigev_notify, sig_str(sbuf, sizeof(sbuf), sev.sigev_signo));
			CALL(t, S_MQ_NOTIFY, __NR_mq_notify, mqd, &sev);
		}
	} else if (c < 80) {
		T(t, "mq_timedsend(%d, \"pidfuzz\", 8, 0, NULL)", mqd);
		CALL(t, S_MQ_SEND, __NR_mq_timedsend, mqd, msg, 8, 0, NULL);
	} else {
		T(t, "mq_timedreceive(%d, &buf, 32, &prio, NULL)", mqd);
		CALL(t, S_MQ_RECV, __NR_mq_timedreceive, mqd, msg, sizeof(msg),
		     &prio, NULL);
	}
}

/* ---- the rest ------------------------------------------------------------ */

static void op_close(struct th *t)
{
	int i, fd = -1;

	lock();
	i = fent_pick(t, ~0U);
	if (i >= 0) {
		fd = W.f[i].fd;
		W.f[i].used = 0;
	}
	unlock();
	if (fd < 0)
		return;
	T(t, "close(%d)", fd);
	CALL(t, S_CLOSE, __NR_close, fd);
}

/*
 * reboot() in a namespace below the arena's: mostly by a puppet that is
 * an init of ours; rarely by the worker thread itself, whose namespace
 * (and with it the worker) it then ends, never at depth 0, where the
 * worker's namespace is the arena's.
 */
static void op_reboot(struct th *t)
{
	static const unsigned int cmds[] = { REBOOT_CMD_RESTART,
		REBOOT_CMD_POWER_OFF, REBOOT_CMD_HALT, REBOOT_CMD_CAD_ON, 0 };
	unsigned int cmd = cmds[rnd(t, sizeof(cmds) / sizeof(cmds[0]))];
	struct target p;

	if (W.depth == 0 || !chance(t, 3) || (!dry && !puppet_guard_ok())) {
		if (pick_puppet(t, 1, &p))
			puppet_reboot(t, &p);
		return;
	}
	T(t, "reboot(LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, %#x, 0)", cmd);
	if (dry) {
		CALL(t, S_REBOOT, __NR_reboot, REBOOT_MAGIC1, REBOOT_MAGIC2, cmd, 0);
		return;
	}
	/* On success the thread ends here, and with it our namespace. */
	account_before(S_REBOOT);
	account_after(S_REBOOT, SC4(__NR_reboot, REBOOT_MAGIC1, REBOOT_MAGIC2,
				    cmd, 0));
	t->len = 0;
}

static const struct {
	void (*fn)(struct th *t);
	int weight;
} ops[] = {
	{ op_clone3, 16 }, { op_fork, 4 }, { op_unshare, 3 }, { op_setns, 7 },
	{ op_enter_fork, 6 }, { op_puppet, 13 }, { op_signal, 16 },
	{ op_wait, 8 }, { op_pidfd, 5 }, { op_open_ns, 5 },
	{ op_ns_ioctl, 9 }, { op_pidfd_ioctl, 6 }, { op_sysctl, 4 },
	{ op_prctl, 3 }, { op_ptrace, 4 }, { op_timer, 4 }, { op_mq, 4 },
	{ op_close, 2 }, { op_status, 2 }, { op_reboot, 1 },
};

static void one_op(struct th *t)
{
	unsigned int total = 0, i, c;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		total += ops[i].weight;
	c = rnd(t, total);
	for (i = 0; c >= (unsigned int)ops[i].weight; i++)
		c -= ops[i].weight;
	t->len = 0;
	ops[i].fn(t);
	t->len = 0;
}

/* ---- the userfaultfd resolver ------------------------------------------ */

/* The state letter of /proc/PID/stat; 0 if it is gone. */
static char proc_state(pid_t pid)
{
	char path[32], buf[256], *p;
	long fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = SC3(__NR_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (IS_ERR(fd))
		return 0;
	n = SC3(__NR_read, fd, buf, sizeof(buf) - 1);
	SC1(__NR_close, fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

static void resolver_action(struct th *t)
{
	char val[16];
	int i, fd, n;

	switch (t->u.action) {
	case A_KILL_OWNER:
	case A_KILL_ANY:
		if (t->u.victim_fd >= 0) {
			account(S_PIDFD_SEND, SC4(__NR_pidfd_send_signal,
				t->u.victim_fd, SIGKILL, NULL, 0), 0);
		} else if (t->u.victim_pid > 0 && t->u.victim_pid != W.tgid) {
			account(S_KILL, SC2(__NR_kill, t->u.victim_pid, SIGKILL), 0);
		}
		/*
		 * Let the init reach zap_pid_ns_processes(), where its
		 * namespace is closed and it waits for the fork we hold (state
		 * I or D), before the fork goes on: at most 100 ms.
		 */
		for (i = 0; t->u.action == A_KILL_OWNER && t->u.victim_pid > 0 &&
		     i < 20; i++) {
			char c = proc_state(t->u.victim_pid);

			if (!c || c == 'I' || c == 'D' || c == 'Z' || c == 'X')
				break;
			sleep_us(5000);
		}
		break;
	case A_NS_LAST_PID:
		fd = SC3(__NR_openat, AT_FDCWD, "/proc/sys/kernel/ns_last_pid",
			 O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			n = snprintf(val, sizeof(val), "%d", t->u.value);
			account(S_NS_LAST_PID, SC3(__NR_write, fd, val, n), 0);
			SC1(__NR_close, fd);
		}
		break;
	case A_EXIT_PUPPET:
		pthread_mutex_lock(&W.lock);
		for (i = 0; i < MAXP; i++) {
			if (W.p[i].used && W.p[i].slot >= 0 && !W.p[i].dead &&
			    W.p[i].kind != K_THREAD) {
				struct slot *s = &WS->slot[W.p[i].slot];

				st(&s->cmd, P_EXIT_GROUP);
				st(&s->arg[0], 0);
				__atomic_add_fetch(&s->seq, 1, __ATOMIC_ACQ_REL);
				futex_wake(&s->seq);
				break;
			}
		}
		pthread_mutex_unlock(&W.lock);
		break;
	}
}

static void *resolver(void *arg)
{
	struct uffd_msg msg;
	unsigned char page[4096];
	int i;

	(void)arg;
	for (;;) {
		struct uffdio_copy copy;
		struct th *t = NULL;
		uintptr_t addr, base;
		long n = SC3(__NR_read, W.uffd, &msg, sizeof(msg));

		if (n == -EINTR || n == -EAGAIN)
			continue;
		if (n != sizeof(msg))
			return NULL;
		if (msg.event != UFFD_EVENT_PAGEFAULT)
			continue;
		addr = msg.arg.pagefault.address & ~4095UL;
		for (i = 0; i < W.nth; i++) {
			base = (uintptr_t)W.th[i].upage;
			if (addr == base || addr == base + 4096)
				t = &W.th[i];
		}
		memset(page, 0, sizeof(page));
		if (t && ld(&t->u.armed)) {
			/* Meanwhile: the namespace's init goes, or another. */
			resolver_action(t);
			sleep_us(t->u.delay_us);
			if (addr != (uintptr_t)t->upage)
				memcpy(page, t->u.stage, t->u.stage_len);
		}
		copy.dst = addr;
		copy.src = (uintptr_t)page;
		copy.len = 4096;
		copy.mode = 0;
		copy.copy = 0;
		n = SC3(__NR_ioctl, W.uffd, UFFDIO_COPY, &copy);
		account(S_UFFD_COPY, n, 0);
		if (IS_ERR(n) && n != -EEXIST) {
			/* Never leave a fault asleep: unregister the range. */
			struct uffdio_range r = { addr, 4096 };

			SC3(__NR_ioctl, W.uffd, UFFDIO_UNREGISTER, &r);
		}
	}
	return NULL;
}

/* The userfaultfd and two registered pages per thread; -1 if none. */
static int uffd_setup(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg;
	int fd, i;

	fd = SC1(__NR_userfaultfd, O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (SC3(__NR_ioctl, fd, UFFDIO_API, &api)) {
		SC1(__NR_close, fd);
		return -1;
	}
	for (i = 0; i < W.nth; i++) {
		char *p = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED)
			goto fail;
		memset(&reg, 0, sizeof(reg));
		reg.range.start = (uintptr_t)p;
		reg.range.len = 2 * 4096;
		reg.mode = UFFDIO_REGISTER_MODE_MISSING;
		if (SC3(__NR_ioctl, fd, UFFDIO_REGISTER, &reg))
			goto fail;
		W.th[i].upage = p;
	}
	return fd;
fail:
	for (i = 0; i < W.nth; i++)
		W.th[i].upage = NULL;
	SC1(__NR_close, fd);
	return -1;
}

/* ---- workers ------------------------------------------------------------- */

static int stopping(struct th *t)
{
	if (dry)
		return t->ops >= t->quota;
	if (ld(&G->stop))
		return 1;
	if (G->max_ops && __atomic_load_n(&G->ops, __ATOMIC_RELAXED) >= G->max_ops)
		return 1;
	return (t->ops & 7) == 0 && mono_ms() > W.end_ms;
}

static void op_loop(struct th *t)
{
	while (!stopping(t)) {
		one_op(t);
		t->ops++;
		if (!dry)
			__atomic_fetch_add(&G->beat[W.idx], 1, __ATOMIC_RELAXED);
		if (rnd(t, 4) == 0)
			reap_some();
	}
}

static void th_init(struct th *t, int i)
{
	t->w = &W;
	t->idx = i;
	t->rng = mix(seed ^ mix(((uint64_t)W.idx << 40) ^ ((uint64_t)W.gen << 8) ^ i));
	t->failfd = -1;
	t->ownns = -1;
	if (dry) {
		t->tid = 600 + i;
		t->ownns = 97;
		t->failfd = 96;
		return;
	}
	t->tid = SC0(__NR_gettid);
	t->failfd = SC3(__NR_openat, AT_FDCWD, "/proc/thread-self/fail-nth",
			O_RDWR | O_CLOEXEC);
	t->ownns = SC3(__NR_openat, AT_FDCWD, "/proc/thread-self/ns/pid",
		       O_RDONLY | O_CLOEXEC);
}

static void *thread_main(void *arg)
{
	struct th *t = arg;

	th_init(t, t->idx);
	op_loop(t);
	return NULL;
}

static void worker_setup_common(int idx, int gen, int depth)
{
	int i;

	memset(&W, 0, sizeof(W));
	W.idx = idx;
	W.gen = gen;
	W.depth = depth;
	W.nth = nthreads;
	W.uffd = -1;
	W.selfpidfd = -1;
	W.fake_fd = 100;
	W.fake_pid = 1000;
	for (i = 0; i < MAXP; i++)
		W.p[i].slot = -1;
	for (i = 0; i < MAXMQ; i++)
		W.mqd[i] = -1;
	for (i = 0; i < W.nth; i++)
		W.th[i].idx = i;
}

static __attribute__((noreturn)) void worker_main(int idx, int gen, int depth)
{
	struct sigaction sa = { .sa_handler = nop_handler, .sa_flags = SA_RESTART };
	static const int handled[] = { SIGHUP, SIGINT, SIGUSR1, SIGUSR2, SIGPIPE,
		SIGALRM, SIGTERM, SIGURG, SIGWINCH, SIGIO, SIGVTALRM, SIGPROF };
	uint64_t r;
	unsigned int i, q;
	long t0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	worker_setup_common(idx, gen, depth);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaction(handled[i], &sa, NULL);
	for (i = 34; i <= 64; i++)
		sigaction(i, &sa, NULL);
	pthread_mutex_init(&W.lock, NULL);
	W.tgid = getpid();
	W.uid = getuid();
	W.selfpidfd = SC2(__NR_pidfd_open, W.tgid, 0);
	WS = mmap(NULL, sizeof(*WS), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	W.stacks = mmap(NULL, (size_t)MAXP * STK, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (WS == MAP_FAILED || W.stacks == MAP_FAILED)
		_exit(3);
	memset(WS, 0, sizeof(*WS));	/* no page faults under fail-nth */
	for (i = 0; i < MAXP; i++)
		for (q = 0; q < MAXMQ; q++)
			snprintf(WS->slot[i].mqname[q], sizeof(WS->slot[i].mqname[q]),
				 "pidfuzz%d.%u", idx, q);
	r = mix(seed ^ mix(idx * 7919ULL + gen));
	t0 = mono_ms();
	W.end_ms = t0 + 10000 + (long)(r % 30000);
	if (use_uffd) {
		W.uffd = uffd_setup();
		if (W.uffd >= 0 && pthread_create(&W.resolver, NULL, resolver, NULL)) {
			SC1(__NR_close, W.uffd);
			W.uffd = -1;
		}
	}
	/* All threads before any setns(): after one, CLONE_THREAD is EINVAL. */
	for (i = 1; i < (unsigned int)W.nth; i++)
		if (pthread_create(&W.th[i].pt, NULL, thread_main, &W.th[i]))
			W.nth = i;
	th_init(&W.th[0], 0);
	op_loop(&W.th[0]);
	for (i = 1; i < (unsigned int)W.nth; i++)
		pthread_join(W.th[i].pt, NULL);

	/* The end of this generation: the pool goes with it. */
	pthread_mutex_lock(&W.lock);
	for (i = 0; i < MAXP; i++)
		pent_drop(i, 1);
	pthread_mutex_unlock(&W.lock);
	for (i = 0; i < MAXP; i++) {
		__atomic_fetch_add(&WS->slot[i].gen, 1, __ATOMIC_RELEASE);
		futex_wake(&WS->slot[i].seq);
	}
	t0 = mono_ms();
	while (mono_ms() - t0 < 500) {
		long p = SC4(__NR_wait4, -1, NULL, WNOHANG | __WALL, NULL);

		if (p == -ECHILD)
			break;
		if (p <= 0)
			sleep_us(10000);
	}
	for (q = 0; q < MAXMQ; q++) {
		char name[24];

		snprintf(name, sizeof(name), "pidfuzz%d.%u", idx, q);
		SC1(__NR_mq_unlink, name);
	}
	SC1(__NR_exit_group, 0);
	__builtin_unreachable();
}

/* ---- the arena: its init, the chains of namespaces to the workers ------- */

static void mount_proc(void)
{
	mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL))
		_exit(4);
}

/* An init of ours: reap everything; leave with @below's status. */
static __attribute__((noreturn)) void reaper(pid_t below)
{
	int status;
	pid_t p;

	for (;;) {
		p = wait4(-1, &status, __WALL, NULL);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0)
			_exit(5);
		if (p == below)
			_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) :
			      WEXITSTATUS(status));
	}
}

/*
 * Worker @idx at @depth namespaces below the arena's.  Each level's init
 * only reaps (as nsrun's): the worker, or the next level's maker, is its
 * child.
 */
static pid_t spawn_chain(int idx, int gen, int depth)
{
	pid_t pid = fork(), below;
	int level;

	if (pid)
		return pid;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (level = 0; level < depth; level++) {
		if (unshare(CLONE_NEWPID | CLONE_NEWNS))
			_exit(6);
		below = fork();
		if (below < 0)
			_exit(7);
		if (below > 0)
			reaper(below);
		/* the init of the new level */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		mount_proc();
		below = fork();
		if (below < 0)
			_exit(7);
		if (below > 0)
			reaper(below);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
	}
	worker_main(idx, gen, depth);
}

static __attribute__((noreturn)) void arena_main(int epoch)
{
	pid_t chain[MAXW] = { 0 };
	unsigned long beat[MAXW] = { 0 };
	long seen[MAXW] = { 0 }, last_spawn[MAXW] = { 0 }, last_cont = 0;
	int gen[MAXW] = { 0 };
	int i, alive;
	long n;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* An init without handlers: nothing inside can kill it. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	setsid();
	mount_proc();
	n = readlink("/proc/self/ns/pid", G->arena_ns, sizeof(G->arena_ns) - 1);
	if (n <= 0)
		_exit(8);
	G->arena_ns[n] = 0;
	for (;;) {
		long now = mono_ms();
		int status;
		pid_t p;

		while ((p = wait4(-1, &status, WNOHANG | __WALL, NULL)) > 0)
			for (i = 0; i < nworkers; i++)
				if (chain[i] == p)
					chain[i] = 0;
		alive = 0;
		for (i = 0; i < nworkers; i++) {
			if (!chain[i] && !ld(&G->stop) && now - last_spawn[i] > 200) {
				chain[i] = spawn_chain(i, epoch * 1000 + gen[i]++,
						       i % 3);
				if (chain[i] < 0)
					chain[i] = 0;
				last_spawn[i] = now;
				seen[i] = now;
				G->chain[i] = chain[i];
			}
			if (!chain[i])
				continue;
			alive++;
			/* A worker that made no call for 30 s goes. */
			if (G->beat[i] != beat[i]) {
				beat[i] = G->beat[i];
				seen[i] = now;
			} else if (now - seen[i] > 30000) {
				kill(chain[i], SIGKILL);
				seen[i] = now;
			}
		}
		if (ld(&G->stop) && !alive)
			_exit(0);
		/* Nothing stays stopped for long (SIGSTOP, kill(-1)). */
		if (now - last_cont > 1000) {
			kill(-1, SIGCONT);
			last_cont = now;
		}
		usleep(20000);
	}
}

/* ---- the supervisor ----------------------------------------------------- */

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void proc_field(pid_t pid, const char *file, char *out, size_t n)
{
	char path[64];
	ssize_t r;
	int fd;

	snprintf(out, n, "?");
	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	r = read(fd, out, n - 1);
	close(fd);
	if (r <= 0) {
		snprintf(out, n, "?");
		return;
	}
	out[r] = 0;
	if (!strcmp(file, "stat")) {
		char *p = strrchr(out, ')');

		if (p && p[1] == ' ') {
			out[0] = p[2];
			out[1] = 0;
		}
	}
	out[strcspn(out, "\n ")] = 0;
}

/* Wait up to @secs for the arena init @pid; 1 if it was reaped. */
static int reap_arena(pid_t pid, double secs)
{
	double end = now_s() + secs;
	int status;

	while (now_s() < end) {
		pid_t p = waitpid(pid, &status, WNOHANG | __WALL);

		if (p == pid || (p < 0 && errno == ECHILD))
			return 1;
		usleep(50000);
	}
	return 0;
}

static int supervise(double seconds)
{
	double t0 = now_s(), end = t0 + seconds, elapsed;
	unsigned long calls = 0, ok = 0, prev = 0;
	int epoch = 0, stuck = 0, early = 0, fast = 0, i;
	struct sigaction sa = { .sa_handler = on_signal };
	uint64_t r = mix(seed ^ 0x5eed);
	ssize_t n;

	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	n = readlink("/proc/self/ns/pid", G->start_ns, sizeof(G->start_ns) - 1);
	if (n > 0)
		G->start_ns[n] = 0;
	while (!interrupted && now_s() < end &&
	       !(G->max_ops && G->ops >= G->max_ops)) {
		double e0 = now_s();
		double elen = epoch_max <= 20 ? epoch_max :
			      20 + (double)(next(&r) % (epoch_max - 19));
		const char *how = "early";
		pid_t arena;

		if (elen > end - e0)
			elen = end - e0;
		st(&G->stop, 0);
		G->arena_ns[0] = 0;
		arena = (pid_t)syscall(__NR_clone, CLONE_NEWPID | CLONE_NEWNS |
				       CLONE_NEWIPC | SIGCHLD, NULL, NULL, NULL, 0);
		if (arena < 0) {
			printf("### PIDFUZZ-ERROR who=%s clone(CLONE_NEWPID): %s\n",
			       tag, strerror(errno));
			return 1;
		}
		if (arena == 0)
			arena_main(epoch);
		for (;;) {
			int status;

			if (waitpid(arena, &status, WNOHANG) == arena) {
				arena = 0;
				early++;
				break;
			}
			if (interrupted || now_s() >= e0 + elen ||
			    (G->max_ops && G->ops >= G->max_ops))
				break;
			usleep(100000);
		}
		if (arena > 0) {
			if (next(&r) & 1) {
				how = "ask";
				st(&G->stop, 1);
				if (!reap_arena(arena, 3))
					kill(arena, SIGKILL);
				else
					arena = 0;
			} else {
				how = "kill";
				kill(arena, SIGKILL);
			}
		}
		if (arena > 0 && !reap_arena(arena, 60)) {
			char state[256], wchan[256];

			proc_field(arena, "stat", state, sizeof(state));
			proc_field(arena, "wchan", wchan, sizeof(wchan));
			printf("### PIDFUZZ-STUCK who=%s epoch=%d pid=%d state=%s "
			       "wchan=%s: the arena init was not reaped 60 s after "
			       "SIGKILL\n", tag, epoch, arena, state, wchan);
			stuck++;
		}
		printf("### PIDFUZZ-EPOCH who=%s epoch=%d seconds=%.1f end=%s "
		       "calls=%lu\n", tag, epoch, now_s() - e0, how, G->ops - prev);
		fflush(stdout);
		prev = G->ops;
		/* An arena that cannot get going will not do better. */
		fast = now_s() - e0 < 1 ? fast + 1 : 0;
		if (fast >= 5) {
			printf("### PIDFUZZ-ERROR who=%s five arenas in a row ended "
			       "within a second\n", tag);
			break;
		}
		epoch++;
	}
	elapsed = now_s() - t0;
	for (i = 0; i < NSTAT; i++) {
		struct stat_ent *s = &G->st[i];
		char errs[160] = "";
		size_t len = 0;
		int k, e, used[3] = { 0 };

		calls += s->calls;
		ok += s->ok;
		/* the three commonest errors */
		for (k = 0; k < 3; k++) {
			int best = 0;

			for (e = 1; e < NERR; e++)
				if (s->err[e] > s->err[best] && e != used[0] &&
				    e != used[1])
					best = e;
			if (!best || !s->err[best])
				break;
			used[k] = best;
			len += snprintf(errs + len, sizeof(errs) - len, "%s%s:%u",
					len ? "," : " errors=",
					strerrorname_np(best) ? strerrorname_np(best) : "E?",
					s->err[best]);
		}
		printf("### PIDFUZZ who=%s syscall=%s calls=%lu ok=%lu injected=%lu%s\n",
		       tag, stat_name[i], s->calls, s->ok, s->injected, errs);
	}
	printf("### PIDFUZZ-TOTAL who=%s seed=%" PRIu64 " seconds=%.1f calls=%lu "
	       "ok=%lu per_second=%.1f epochs=%d early=%d stuck=%d\n", tag, seed,
	       elapsed, calls, ok, elapsed > 0 ? calls / elapsed : 0.0, epoch,
	       early, stuck);
	fflush(stdout);
	return stuck ? 2 : 0;
}

/* ---- --dry-run ---------------------------------------------------------- */

static void dry_run(long total_ops)
{
	static struct shared g;
	int w, i;
	long per = total_ops / (nworkers * nthreads);

	G = &g;
	if (per < 1)
		per = 1;
	for (w = 0; w < nworkers; w++) {
		worker_setup_common(w, 0, w % 3);
		W.tgid = 500 + w;
		W.selfpidfd = 99;
		W.uffd = use_uffd ? 98 : -1;
		printf("# worker %d, %d namespaces below the arena's\n", w, w % 3);
		for (i = 0; i < W.nth; i++) {
			struct th *t = &W.th[i];

			th_init(t, i);
			t->quota = per;
			op_loop(t);
		}
	}
	for (i = 0; i < NSTAT; i++)
		if (g.st[i].calls)
			printf("### PIDFUZZ who=%s syscall=%s calls=%lu ok=%lu "
			       "injected=0\n", tag, stat_name[i], g.st[i].calls,
			       g.st[i].ok);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: pidfuzz [--seed N] [--seconds N] [--ops N] [--workers N]\n"
		"               [--threads N] [--tag NAME] [--epoch N] [--no-uffd]\n"
		"               [--no-fail-nth] [--verbose] [--dry-run]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double seconds = 60;
	long max_ops = 0;
	int i, have_seed = 0;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--dry-run")) {
			dry = 1;
		} else if (!strcmp(a, "--verbose")) {
			verbose = 1;
		} else if (!strcmp(a, "--no-uffd")) {
			use_uffd = 0;
		} else if (!strcmp(a, "--no-fail-nth")) {
			use_failnth = 0;
		} else if (v && !strcmp(a, "--seed")) {
			seed = strtoull(v, NULL, 0);
			have_seed = 1;
			i++;
		} else if (v && !strcmp(a, "--seconds")) {
			seconds = atof(v);
			i++;
		} else if (v && !strcmp(a, "--ops")) {
			max_ops = atol(v);
			i++;
		} else if (v && !strcmp(a, "--workers")) {
			nworkers = atoi(v);
			i++;
		} else if (v && !strcmp(a, "--threads")) {
			nthreads = atoi(v);
			i++;
		} else if (v && !strcmp(a, "--epoch")) {
			epoch_max = atoi(v);
			i++;
		} else if (v && !strcmp(a, "--tag")) {
			tag = v;
			i++;
		} else {
			usage();
		}
	}
	if (nworkers < 1 || nworkers > MAXW || nthreads < 1 || nthreads > MAXT ||
	    epoch_max < 2)
		usage();
	if (!have_seed) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = mix(ts.tv_sec ^ ((uint64_t)ts.tv_nsec << 20) ^ getpid());
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("### PIDFUZZ-START who=%s seed=%" PRIu64 " seconds=%g ops=%ld "
	       "workers=%d threads=%d uffd=%d fail_nth=%d%s\n", tag, seed,
	       seconds, max_ops, nworkers, nthreads, use_uffd, use_failnth,
	       dry ? " dry_run=1" : "");
	if (dry) {
		dry_run(max_ops > 0 ? max_ops : 60);
		return 0;
	}
	G = mmap(NULL, sizeof(*G), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (G == MAP_FAILED) {
		perror("pidfuzz: mmap");
		return 1;
	}
	memset(G, 0, sizeof(*G));
	G->max_ops = max_ops > 0 ? max_ops : 0;
	return supervise(seconds);
}
