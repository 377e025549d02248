/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the pid namespace conformance tests.
 *
 * Conventions used by every test program:
 *  - Assertions (ASSERT_* / EXPECT_*) are only made by the test process
 *    itself.  Processes it creates report through their exit status
 *    (CHILD_CHECK() prints the failed condition and exits with
 *    PIDNS_CHILD_FAIL) or through MAP_SHARED memory.
 *  - Processes that are created with a raw clone()/clone3() keep glibc's
 *    cached thread id of their parent, so they only use plain system calls
 *    and _exit().  pidns_fork() uses unshare()+fork() instead so that the
 *    new namespace init is a fully functional glibc process.
 *  - Every blocking wait is on a pipe whose writer is the test process (or
 *    its child), so a failing test never leaves processes behind: EOF
 *    releases them.
 */
#ifndef __PIDNS_UTIL_H
#define __PIDNS_UTIL_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/membarrier.h>

#include "../kselftest.h"

#ifndef CLONE_NEWPID
#define CLONE_NEWPID		0x20000000
#endif
#ifndef CLONE_NEWUSER
#define CLONE_NEWUSER		0x10000000
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD		0x00001000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME		0x00000080
#endif

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
#ifndef __NR_fsopen
#define __NR_fsopen		430
#endif
#ifndef __NR_fsconfig
#define __NR_fsconfig		431
#endif
#ifndef __NR_fsmount
#define __NR_fsmount		432
#endif

#ifndef FSOPEN_CLOEXEC
#define FSOPEN_CLOEXEC		0x00000001
#endif
#ifndef FSMOUNT_CLOEXEC
#define FSMOUNT_CLOEXEC		0x00000001
#endif
#ifndef FSCONFIG_CMD_CREATE
#define FSCONFIG_CMD_CREATE	6
#endif

#ifndef P_PIDFD
#define P_PIDFD			3
#endif

#ifndef NSIO
#define NSIO			0xb7
#endif
#ifndef NS_GET_USERNS
#define NS_GET_USERNS		_IO(NSIO, 0x1)
#endif
#ifndef NS_GET_PARENT
#define NS_GET_PARENT		_IO(NSIO, 0x2)
#endif
#ifndef NS_GET_NSTYPE
#define NS_GET_NSTYPE		_IO(NSIO, 0x3)
#endif
#ifndef NS_GET_OWNER_UID
#define NS_GET_OWNER_UID	_IO(NSIO, 0x4)
#endif
#ifndef NS_GET_PID_FROM_PIDNS
#define NS_GET_PID_FROM_PIDNS	_IOR(NSIO, 0x6, int)
#endif
#ifndef NS_GET_TGID_FROM_PIDNS
#define NS_GET_TGID_FROM_PIDNS	_IOR(NSIO, 0x7, int)
#endif
#ifndef NS_GET_PID_IN_PIDNS
#define NS_GET_PID_IN_PIDNS	_IOR(NSIO, 0x8, int)
#endif
#ifndef NS_GET_TGID_IN_PIDNS
#define NS_GET_TGID_IN_PIDNS	_IOR(NSIO, 0x9, int)
#endif

/* Deepest pid namespace level the kernel allows (MAX_PID_NS_LEVEL). */
#define PIDNS_MAX_LEVEL		32

/* Exit status of a child whose CHILD_CHECK() failed. */
#define PIDNS_CHILD_FAIL	99

/* Layout of struct clone_args up to CLONE_ARGS_SIZE_VER2. */
struct pidns_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
};

#define PIDNS_CLONE_ARGS_SIZE_VER0	64
#define PIDNS_CLONE_ARGS_SIZE_VER1	80
#define PIDNS_CLONE_ARGS_SIZE_VER2	88

static inline uint64_t ptr_to_u64(const void *ptr)
{
	return (uint64_t)(uintptr_t)ptr;
}

/*
 * Report a failed check from a child process (which must not use the
 * harness' ASSERT macros) and exit with PIDNS_CHILD_FAIL.
 */
static inline __noreturn void
pidns_child_fail(const char *file, int line, const char *what)
{
	int err = errno;

	fprintf(stderr, "# %s:%d: pid %d: child check failed: %s (errno %d: %s)\n",
		file, line, (int)syscall(SYS_getpid), what, err, strerror(err));
	fflush(stderr);
	_exit(PIDNS_CHILD_FAIL);
}

#define CHILD_CHECK(cond)						\
	do {								\
		if (!(cond))						\
			pidns_child_fail(__FILE__, __LINE__, #cond);	\
	} while (0)

/* Like CHILD_CHECK() for "syscall failed with this errno". */
#define CHILD_CHECK_ERR(expr, err)					\
	do {								\
		errno = 0;						\
		if ((expr) != -1 || errno != (err))			\
			pidns_child_fail(__FILE__, __LINE__,		\
					 #expr " fails with " #err);	\
	} while (0)

/* ---- raw system calls ------------------------------------------------ */

static inline pid_t sys_clone3(struct pidns_clone_args *args, size_t size)
{
	return syscall(__NR_clone3, args, size);
}

/*
 * Fork-like legacy clone(): child runs on a copy of the parent's stack.
 * Only the flags argument is used, so the per-architecture argument order
 * differences do not matter except on s390 where flags come second.
 */
static inline pid_t sys_clone_flags(unsigned long flags)
{
#if defined(__s390__)
	return syscall(SYS_clone, 0, flags, NULL, NULL, NULL);
#else
	return syscall(SYS_clone, flags, 0, NULL, NULL, NULL);
#endif
}

static inline int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return syscall(__NR_pidfd_open, pid, flags);
}

static inline int sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info,
					unsigned int flags)
{
	return syscall(__NR_pidfd_send_signal, pidfd, sig, info, flags);
}

static inline int sys_waitid(int which, pid_t pid, siginfo_t *info,
			     int options, struct rusage *ru)
{
	return syscall(SYS_waitid, which, pid, info, options, ru);
}

static inline int sys_tgkill(pid_t tgid, pid_t tid, int sig)
{
	return syscall(SYS_tgkill, tgid, tid, sig);
}

static inline pid_t sys_gettid(void)
{
	return syscall(SYS_gettid);
}

static inline pid_t sys_getpid(void)
{
	return syscall(SYS_getpid);
}

static inline pid_t sys_getppid(void)
{
	return syscall(SYS_getppid);
}

/* ---- I/O helpers ----------------------------------------------------- */

static inline ssize_t pidns_read_all(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t ret = read(fd, (char *)buf + done, len - done);

		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			return done ? (ssize_t)done : ret;
		done += ret;
	}
	return done;
}

static inline ssize_t pidns_write_all(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t ret = write(fd, (const char *)buf + done, len - done);

		if (ret < 0 && errno == EINTR)
			continue;
		if (ret <= 0)
			return -1;
		done += ret;
	}
	return done;
}

static inline int pidns_send_int(int fd, int val)
{
	return pidns_write_all(fd, &val, sizeof(val)) == sizeof(val) ? 0 : -1;
}

/* Returns 0 and the value, or -1 on EOF/error. */
static inline int pidns_recv_int(int fd, int *val)
{
	return pidns_read_all(fd, val, sizeof(*val)) == sizeof(*val) ? 0 : -1;
}

/* Block until the other end writes a byte or closes; true on a byte. */
static inline bool pidns_wait_byte(int fd)
{
	char c;

	return pidns_read_all(fd, &c, 1) == 1;
}

static inline int pidns_post_byte(int fd)
{
	return pidns_write_all(fd, "x", 1) == 1 ? 0 : -1;
}

static inline int pidns_pipe(int fds[2])
{
	return pipe2(fds, O_CLOEXEC);
}

/* Read a small file into buf (NUL terminated); returns length or -1. */
static inline ssize_t pidns_read_file_at(int dirfd, const char *path,
					 char *buf, size_t size)
{
	ssize_t len;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	len = pidns_read_all(fd, buf, size - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	return len;
}

/* The integer a sysctl-like file holds, or -1 if it cannot be read. */
static inline int pidns_read_int(const char *path)
{
	char buf[32];

	if (pidns_read_file_at(AT_FDCWD, path, buf, sizeof(buf)) <= 0)
		return -1;
	return atoi(buf);
}

static inline int pidns_write_file(const char *path, const char *str)
{
	ssize_t ret;
	int fd;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ret = write(fd, str, strlen(str));
	close(fd);
	return ret == (ssize_t)strlen(str) ? 0 : -1;
}

static inline int pidns_write_int(const char *path, int val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%d", val);
	return pidns_write_file(path, buf);
}

/* ---- SCM_RIGHTS ------------------------------------------------------ */

static inline int pidns_send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char c = 'F';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

static inline int pidns_recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* ---- process helpers ------------------------------------------------- */

/*
 * Wait for @pid and fold its status into one number: the exit code, or
 * 128 + signal number when it was killed; -1 if waitpid() failed.
 */
static inline int pidns_wait_status(pid_t pid)
{
	int status;
	pid_t ret;

	do {
		ret = waitpid(pid, &status, __WALL);
	} while (ret < 0 && errno == EINTR);
	if (ret != pid)
		return -1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

/* Shared anonymous memory visible to all descendants. */
static inline void *pidns_shared_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

/*
 * Fork a child that is the init (pid 1) of a new pid namespace.  Done with
 * unshare(CLONE_NEWPID) + fork() so that glibc's view of the child is
 * coherent, then the caller's pid_for_children is switched back to its
 * own namespace (through a pidfd to itself) so the caller can keep forking
 * ordinary children.  Switching back needs CAP_SYS_ADMIN over the owner of
 * the caller's namespace; a caller inside a user namespace that does not
 * own it stays switched (its later children join the new namespace).
 * The child is killed if its parent dies.  Returns like fork().
 */
static inline pid_t pidns_fork(void)
{
	int self, saved_errno;
	pid_t pid;

	self = sys_pidfd_open(getpid(), 0);
	if (self < 0)
		return -1;
	if (unshare(CLONE_NEWPID)) {
		saved_errno = errno;
		close(self);
		errno = saved_errno;
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		close(self);
		/*
		 * If the test dies (failed assertion, timeout), its namespaces
		 * must not linger: the init's death takes the rest with it.
		 */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		return 0;
	}
	saved_errno = errno;
	setns(self, CLONE_NEWPID);
	close(self);
	errno = saved_errno;
	return pid;
}

/*
 * Body of a process whose only job is to exist (typically an init keeping
 * its namespace alive): close our copy of the write end of @hold, wait for
 * a byte or EOF on the read end, exit 0.  Because only the test holds the
 * write end, the process is released even if the test dies.
 */
static inline __noreturn void pidns_idle_until_released(const int hold[2])
{
	close(hold[1]);
	pidns_wait_byte(hold[0]);
	_exit(0);
}

/*
 * pidns_fork() an init that only keeps its new namespace alive until
 * @hold (a pipe made by the caller) is released.  Returns like fork(),
 * but the child never returns.
 */
static inline pid_t pidns_fork_idle_init(const int hold[2])
{
	pid_t pid = pidns_fork();

	if (pid == 0)
		pidns_idle_until_released(hold);
	return pid;
}

/*
 * Open /proc/<pid>/ns/<name> (e.g. "pid", "pid_for_children") of the
 * caller's /proc, for setns() or the nsfs ioctls; -1 on error.
 */
static inline int pidns_open_ns(pid_t pid, const char *name)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, name);
	return open(path, O_RDONLY | O_CLOEXEC);
}

/*
 * Fork-like clone3() with extra flags; the child only may use plain
 * system calls (see top of file).
 */
static inline pid_t pidns_clone3(uint64_t flags, int *pidfd)
{
	struct pidns_clone_args args = {
		.flags = flags | (pidfd ? CLONE_PIDFD : 0),
		.pidfd = ptr_to_u64(pidfd),
		.exit_signal = SIGCHLD,
	};

	return sys_clone3(&args, sizeof(args));
}

/*
 * Fork-like clone3() whose child gets the numbers @tids (innermost level
 * first, @n of them; set_tid); the child only may use plain system calls.
 */
static inline pid_t clone3_set_tid(uint64_t flags, pid_t *tids, size_t n)
{
	struct pidns_clone_args args = {
		.flags = flags,
		.exit_signal = SIGCHLD,
		.set_tid = ptr_to_u64(tids),
		.set_tid_size = n,
	};

	return sys_clone3(&args, sizeof(args));
}

/*
 * A fresh procfs instance for the caller's active pid namespace, as a
 * detached mount (fsopen/fsmount), so no mount point and no change of the
 * caller's mount namespace is needed; lookups use openat() on the returned
 * fd.  Falls back to mounting proc in a private mount namespace.
 */
static inline int pidns_proc_open(void)
{
	int fsfd, mfd;

	fsfd = syscall(__NR_fsopen, "proc", FSOPEN_CLOEXEC);
	if (fsfd >= 0) {
		if (syscall(__NR_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL,
			    NULL, 0)) {
			close(fsfd);
			return -1;
		}
		mfd = syscall(__NR_fsmount, fsfd, FSMOUNT_CLOEXEC, 0);
		close(fsfd);
		return mfd;
	}
	if (errno != ENOSYS)
		return -1;
	if (unshare(CLONE_NEWNS))
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	if (mount("proc", "/proc", "proc", 0, NULL))
		return -1;
	return open("/proc", O_DIRECTORY | O_CLOEXEC);
}

/*
 * Give the caller (which must be alone in a new mount namespace or be
 * willing to make one) a proc for its pid namespace at /proc, the way a
 * container would.
 */
static inline int pidns_mount_proc(void)
{
	if (unshare(CLONE_NEWNS))
		return -1;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return -1;
	return mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     NULL);
}

/*
 * Parse "Field:\tn1\tn2..." of <procfd>/<path>.  Returns the number of
 * values stored, or -1 with errno from the open or read (ENOENT, ESRCH:
 * the task is gone), or EPROTO when the file has no such field or it does
 * not parse.
 */
static inline int pidns_file_field(int procfd, const char *path,
				   const char *field, long *vals, int max)
{
	char buf[4096], *line, *p, *end;
	size_t flen = strlen(field);
	int n = 0;

	if (pidns_read_file_at(procfd, path, buf, sizeof(buf)) < 0)
		return -1;
	for (line = buf; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, field, flen) || line[flen] != ':')
			continue;
		p = line + flen + 1;
		while (n < max) {
			long v;

			while (*p == '\t' || *p == ' ')
				p++;
			if (*p == '\n' || *p == '\0')
				break;
			errno = 0;
			v = strtol(p, &end, 10);
			if (end == p || errno) {
				errno = EPROTO;
				return -1;
			}
			vals[n++] = v;
			p = end;
		}
		return n;
	}
	errno = EPROTO;
	return -1;
}

/* The same of <procfd>/<pid>/status (pid 0 = "self"). */
static inline int pidns_status_field(int procfd, pid_t pid, const char *field,
				     long *vals, int max)
{
	char path[64];

	if (pid)
		snprintf(path, sizeof(path), "%d/status", pid);
	else
		snprintf(path, sizeof(path), "self/status");
	return pidns_file_field(procfd, path, field, vals, max);
}

/* Parse a hexadecimal status field such as "ShdPnd"; -1 on error. */
static inline long long pidns_status_hex(int procfd, pid_t pid,
					 const char *field)
{
	char path[64], buf[4096], *p;
	size_t flen = strlen(field);

	snprintf(path, sizeof(path), "%d/status", pid);
	if (pidns_read_file_at(procfd, path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, field, flen) && p[flen] == ':')
			return strtoull(p + flen + 1, NULL, 16);
	}
	return -1;
}

/*
 * The last field of /proc/loadavg, read through the proc at @procfd: the
 * last pid of the reader's namespace, whichever namespace that proc is
 * for.  -2 if it cannot be read.
 */
static inline int pidns_loadavg_last_pid(int procfd)
{
	char buf[256], *last;

	if (pidns_read_file_at(procfd, "loadavg", buf, sizeof(buf)) <= 0)
		return -2;
	last = strrchr(buf, ' ');
	return last ? atoi(last + 1) : -2;
}

/* The number a proc instance gives its reader ("self"), -1 if none. */
static inline pid_t pidns_self_in_proc(int procfd)
{
	char buf[32];
	ssize_t len;

	len = readlinkat(procfd, "self", buf, sizeof(buf) - 1);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	return atoi(buf);
}

/*
 * The thread id a proc instance gives its reader ("thread-self", which
 * reads "tgid/task/tid"), -1 if none.
 */
static inline pid_t pidns_thread_self_in_proc(int procfd)
{
	char buf[64], *p;
	ssize_t len;

	len = readlinkat(procfd, "thread-self", buf, sizeof(buf) - 1);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	p = strrchr(buf, '/');
	return p ? atoi(p + 1) : -1;
}

/*
 * The thread ids under <procfd>/<pid>/task (pid 0 = "self") other than
 * the one of the group leader, up to @max; their count or -1.
 */
static inline int pidns_proc_other_tids(int procfd, pid_t pid, pid_t *tids,
					int max)
{
	char path[64], self[32];
	struct dirent *de;
	pid_t leader;
	int n = 0, fd;
	DIR *dir;

	if (pid) {
		leader = pid;
	} else {
		leader = pidns_self_in_proc(procfd);
		if (leader < 0)
			return -1;
	}
	snprintf(self, sizeof(self), "%d", leader);
	snprintf(path, sizeof(path), "%d/task", leader);
	fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return -1;
	}
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.' || !strcmp(de->d_name, self))
			continue;
		if (n < max)
			tids[n] = atoi(de->d_name);
		n++;
	}
	closedir(dir);
	return n;
}

/* Collect the numeric entries of a proc instance's root directory. */
static inline int pidns_proc_pids(int procfd, pid_t *pids, int max)
{
	struct dirent *de;
	int n = 0, fd;
	DIR *dir;

	fd = openat(procfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
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
		if (n < max)
			pids[n] = v;
		n++;
	}
	closedir(dir);
	return n;
}

/* Inode number of a namespace file ("pid", "pid_for_children", ...). */
static inline ino_t pidns_ns_ino_at(int procfd, pid_t pid, const char *ns)
{
	char path[64];
	struct stat st;

	if (pid)
		snprintf(path, sizeof(path), "%d/ns/%s", pid, ns);
	else
		snprintf(path, sizeof(path), "self/ns/%s", ns);
	if (fstatat(procfd, path, &st, 0))
		return 0;
	return st.st_ino;
}

static inline ino_t pidns_fd_ino(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return 0;
	return st.st_ino;
}

/*
 * Nesting level of the caller's active pid namespace (0 = initial one),
 * from the number of NSpid entries in a proc of its own namespace.
 */
static inline int pidns_level(void)
{
	long vals[PIDNS_MAX_LEVEL + 2];
	int procfd, n;

	procfd = pidns_proc_open();
	if (procfd < 0)
		return -1;
	n = pidns_status_field(procfd, 0, "NSpid", vals, PIDNS_MAX_LEVEL + 2);
	close(procfd);
	return n < 1 ? -1 : n - 1;
}

/* ---- slab object counts --------------------------------------------- */

/* Active objects of a slab cache in /proc/slabinfo; -1 if not listed. */
static inline long pidns_slab_active(const char *cache)
{
	char buf[1 << 16], *line;
	size_t len = strlen(cache);
	FILE *f = fopen("/proc/slabinfo", "r");
	long active = -1;

	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		line = buf;
		if (!strncmp(line, cache, len) && line[len] == ' ') {
			active = strtol(line + len, NULL, 10);
			break;
		}
	}
	fclose(f);
	return active;
}

/*
 * A private, detached instance of filesystem @type (fsopen/fsmount) as a
 * directory fd, whatever the caller's mount namespace; the directory
 * @fallback if that cannot be made.
 */
static inline int pidns_fs_open(const char *type, const char *fallback)
{
	int fsfd, mfd = -1;

	fsfd = syscall(__NR_fsopen, type, FSOPEN_CLOEXEC);
	if (fsfd >= 0) {
		if (!syscall(__NR_fsconfig, fsfd, FSCONFIG_CMD_CREATE, NULL,
			     NULL, 0))
			mfd = syscall(__NR_fsmount, fsfd, FSMOUNT_CLOEXEC, 0);
		close(fsfd);
	}
	if (mfd < 0)
		mfd = open(fallback, O_DIRECTORY | O_CLOEXEC);
	return mfd;
}

/* sysfs, so that the slab files are there whatever the namespaces. */
static inline int pidns_sysfs_open(void)
{
	return pidns_fs_open("sysfs", "/sys");
}

/*
 * Let freed objects really go back to their slabs: wait for RCU (pids and
 * namespaces are freed from RCU callbacks) and shrink @caches through
 * sysfs, which flushes the per-CPU slabs and also empties a KASAN
 * quarantine, so that the active counts are exact.  Best effort.
 */
static inline void pidns_settle_slabs(const char * const *caches,
				      unsigned int n)
{
	int sysfd;

	syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	usleep(50000);
	syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0);
	sysfd = pidns_sysfs_open();
	if (sysfd < 0)
		return;
	for (unsigned int i = 0; i < n; i++) {
		char path[80];
		int fd;

		snprintf(path, sizeof(path), "kernel/slab/%s/shrink", caches[i]);
		fd = openat(sysfd, path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		pidns_write_all(fd, "1", 1);
		close(fd);
	}
	close(sysfd);
}

/* ---- recording caught signals ---------------------------------------- */

/* What an SA_SIGINFO handler saw; lives in MAP_SHARED memory. */
struct pidns_sigrec {
	int count;
	int signo;
	int pid;
	int code;
	int uid;
	int value;
};

static struct pidns_sigrec *pidns_sigrec;

static inline void pidns_record_signal(int sig, siginfo_t *info, void *uc)
{
	pidns_sigrec->signo = sig;
	pidns_sigrec->pid = info->si_pid;
	pidns_sigrec->code = info->si_code;
	pidns_sigrec->uid = info->si_uid;
	pidns_sigrec->value = info->si_value.sival_int;
	__atomic_add_fetch(&pidns_sigrec->count, 1, __ATOMIC_SEQ_CST);
}

/*
 * Add @sig to the blocked set, so that it stays pending until the caller
 * waits for it (sigsuspend(), sigwaitinfo()) and cannot be lost before.
 */
static inline int pidns_block_signal(int sig)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	return sigprocmask(SIG_BLOCK, &set, NULL);
}

/*
 * Install pidns_record_signal for @sig, keeping @sig blocked until
 * pidns_wait_signal() so that it can only arrive there.
 */
static inline int pidns_catch_signal(int sig)
{
	struct sigaction sa = {
		.sa_sigaction = pidns_record_signal,
		.sa_flags = SA_SIGINFO,
	};

	if (pidns_block_signal(sig))
		return -1;
	return sigaction(sig, &sa, NULL);
}

static inline void pidns_wait_signal(void)
{
	sigset_t none;

	sigemptyset(&none);
	while (!__atomic_load_n(&pidns_sigrec->count, __ATOMIC_SEQ_CST))
		sigsuspend(&none);
}

/* ---- feature check --------------------------------------------------- */

static char pidns_unsupported_reason[128];

/*
 * Runs once at program start (constructor, before the harness forks any
 * test): decides whether pid namespaces are usable at all.  Every fixture
 * and test calls PIDNS_REQUIRE(), which SKIPs with this reason.
 */
static void __attribute__((constructor)) pidns_probe_support(void)
{
	struct stat st;
	pid_t pid;
	int status;

	if (stat("/proc/self/ns/pid", &st)) {
		snprintf(pidns_unsupported_reason,
			 sizeof(pidns_unsupported_reason),
			 "/proc/self/ns/pid missing (CONFIG_PID_NS=n?): %s",
			 strerror(errno));
		return;
	}
	pid = sys_clone_flags(CLONE_NEWPID | SIGCHLD);
	if (pid == 0)
		_exit(sys_getpid() == 1 ? 0 : 1);
	if (pid < 0) {
		snprintf(pidns_unsupported_reason,
			 sizeof(pidns_unsupported_reason),
			 "clone(CLONE_NEWPID) failed: %s%s", strerror(errno),
			 errno == EINVAL ? " (CONFIG_PID_NS=n?)" :
			 errno == EPERM ? " (needs root)" : "");
		return;
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		snprintf(pidns_unsupported_reason,
			 sizeof(pidns_unsupported_reason),
			 "clone(CLONE_NEWPID) child was not pid 1");
	}
}

#define PIDNS_REQUIRE()							\
	do {								\
		if (pidns_unsupported_reason[0])			\
			SKIP(return, "%s", pidns_unsupported_reason);	\
	} while (0)

/* ---- capabilities --------------------------------------------------- */

#define CAP_SYS_ADMIN_BIT		21
#define CAP_CHECKPOINT_RESTORE_BIT	40

/*
 * Change the caller's effective and permitted capability sets (capget()
 * and capset(), version 3): with @only they become exactly @caps (which
 * must be permitted already), otherwise @caps are taken out of both.
 */
static inline int pidns_capset(const int *caps, int n, bool only)
{
	struct {
		uint32_t version;
		int pid;
	} hdr = { 0x20080522, 0 };
	struct {
		uint32_t effective, permitted, inheritable;
	} data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	for (int i = 0; only && i < 2; i++) {
		data[i].effective = 0;
		data[i].permitted = 0;
	}
	for (int i = 0; i < n; i++) {
		uint32_t bit = 1u << (caps[i] % 32);
		uint32_t *eff = &data[caps[i] / 32].effective;
		uint32_t *prm = &data[caps[i] / 32].permitted;

		*eff = only ? *eff | bit : *eff & ~bit;
		*prm = only ? *prm | bit : *prm & ~bit;
	}
	return syscall(SYS_capset, &hdr, data);
}

/* Remove @caps from the effective and permitted sets. */
static inline int pidns_drop_caps(const int *caps, int n)
{
	return pidns_capset(caps, n, false);
}

/* Keep only @caps, in the effective and permitted sets. */
static inline int pidns_keep_only_caps(const int *caps, int n)
{
	return pidns_capset(caps, n, true);
}

/*
 * Become an unprivileged user: all capabilities gone, ids @uid.
 * setresuid() from root to a non-zero uid clears the capability sets.
 */
static inline int pidns_drop_to_uid(uid_t uid)
{
	if (setgroups(0, NULL))
		return -1;
	if (setresgid(uid, uid, uid))
		return -1;
	if (setresuid(uid, uid, uid))
		return -1;
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

#endif /* __PIDNS_UTIL_H */
