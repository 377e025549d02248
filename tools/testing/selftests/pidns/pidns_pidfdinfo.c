// SPDX-License-Identifier: GPL-2.0
/*
 * PIDFD_GET_INFO (upstream 6.13) with PIDFD_INFO_EXIT (6.15) across pid
 * and user namespaces: pid, tgid and ppid in the caller's pid namespace
 * (ESRCH for a task it cannot see, ppid 0 for a parent it cannot see),
 * credentials in the caller's user namespace, the cgroup v2 id, the mask
 * bits, PIDFD_INFO_SUPPORTED_MASK, the extensible struct's sizes, and the
 * exit status and cgroup of a reaped task (and of a whole thread group,
 * and of a thread); the uapi header's definitions; pidfd_open() of a
 * thread that is not a group leader.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

/*
 * Our uapi <linux/pidfd.h>, included as a program written for upstream's
 * would (see the case uapi_header_matches_upstream).  Its <linux/fcntl.h>
 * clashes with glibc's <fcntl.h> (struct flock), which gives the O_ flags
 * it needs: keep that one out.
 */
#define _LINUX_FCNTL_H
#include <linux/pidfd.h>
#undef _LINUX_FCNTL_H
#if defined(PIDFD_GET_INFO) && defined(PIDFD_INFO_SUPPORTED_MASK) && \
	defined(PIDFD_INFO_SIZE_VER2) && defined(PIDFD_INFO_COREDUMP) && \
	defined(PIDFD_INFO_COREDUMP_SIGNAL) && defined(PIDFD_INFO_SIZE_VER1)
#define HEADER_HAS_VER2	1
#endif

#include <assert.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <linux/types.h>

#include "pidns_util.h"
#include "../kselftest_harness.h"

/*
 * Upstream's ABI, defined here because the installed headers may be
 * 6.12's.  The struct has our own name so that newer headers, which
 * define struct pidfd_info (of whatever size their version has), do not
 * clash; the layout is upstream's, every field naturally aligned.
 */
#ifndef PIDFS_IOCTL_MAGIC
#define PIDFS_IOCTL_MAGIC		0xFF
#endif
#ifndef PIDFD_THREAD
#define PIDFD_THREAD			O_EXCL
#endif
#ifndef PIDFD_INFO_PID
#define PIDFD_INFO_PID			0x01UL
#endif
#ifndef PIDFD_INFO_CREDS
#define PIDFD_INFO_CREDS		0x02UL
#endif
#ifndef PIDFD_INFO_CGROUPID
#define PIDFD_INFO_CGROUPID		0x04UL
#endif
#ifndef PIDFD_INFO_EXIT
#define PIDFD_INFO_EXIT			0x08UL
#endif
#ifndef PIDFD_INFO_COREDUMP
#define PIDFD_INFO_COREDUMP		0x10UL
#endif
#ifndef PIDFD_INFO_SUPPORTED_MASK
#define PIDFD_INFO_SUPPORTED_MASK	0x20UL
#endif
#ifndef PIDFD_INFO_COREDUMP_SIGNAL
#define PIDFD_INFO_COREDUMP_SIGNAL	0x40UL
#endif
#ifndef PIDFD_INFO_SIZE_VER0
#define PIDFD_INFO_SIZE_VER0		64
#endif
#ifndef PIDFD_INFO_SIZE_VER1
#define PIDFD_INFO_SIZE_VER1		72
#endif
#ifndef PIDFD_INFO_SIZE_VER2
#define PIDFD_INFO_SIZE_VER2		80
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
	/* Later kernels: */
	__u32 coredump_mask;
	__u32 coredump_signal;
	__u64 supported_mask;
};

static_assert(offsetof(struct info, exit_code) == 60, "upstream layout");
static_assert(sizeof(struct info) == 80, "upstream layout");

/* PIDFD_GET_INFO of a given struct size: only the size field differs. */
#define GET_INFO(size)	_IOC(_IOC_READ | _IOC_WRITE, PIDFS_IOCTL_MAGIC, 11, \
			     (size))

#ifdef PIDFD_GET_INFO
static_assert(_IOC_NR(PIDFD_GET_INFO) == 11 &&
	      _IOC_TYPE(PIDFD_GET_INFO) == PIDFS_IOCTL_MAGIC,
	       "PIDFD_GET_INFO is _IOWR(0xFF, 11, struct pidfd_info)");
#endif

/* The fields pid .. exit_code: what every call is checked against. */
#define KNOWN_MASK	(PIDFD_INFO_PID | PIDFD_INFO_CREDS | \
			 PIDFD_INFO_CGROUPID | PIDFD_INFO_EXIT)

/* An ioctl with @want in mask and a struct of @size; 0 or the errno. */
static int get_info_sized(int pidfd, __u64 want, struct info *out,
			  size_t size)
{
	char buf[256];
	int err;

	memset(buf, 0, sizeof(buf));
	memcpy(buf, &want, sizeof(want));
	err = ioctl(pidfd, GET_INFO(size), buf) ? errno : 0;
	memcpy(out, buf, sizeof(*out));
	return err;
}

/* The usual call: a VER1-sized struct. */
static int get_info(int pidfd, __u64 want, struct info *out)
{
	return get_info_sized(pidfd, want, out, PIDFD_INFO_SIZE_VER1);
}

static int pidfd_of(pid_t pid)
{
	return sys_pidfd_open(pid, 0);
}

/*
 * Every case starts by showing that the ioctl works at all, on the
 * caller's own pidfd, so that a kernel without it (6.12: EINVAL for any
 * argument) fails there, not in a check that happens to expect an error.
 */
static void require_info(struct __test_metadata *_metadata)
{
	int fd = pidfd_of(getpid()), err;
	struct info i;

	ASSERT_GE(fd, 0);
	err = get_info(fd, 0, &i);
	close(fd);
	ASSERT_EQ(0, err) {
		TH_LOG("PIDFD_GET_INFO on our own pidfd: %s", strerror(err));
	}
}

/*
 * What every case starts from: pid namespaces, PIDFD_GET_INFO (see
 * require_info()), and a pipe whose write end only the test holds.  A
 * case's task c, with a pidfd for it, is made by spawn_holder() or
 * spawn_with_ids() (or by the case itself); when it idles on @hold, the
 * teardown releases it and checks that it exited 0.
 */
FIXTURE(getinfo) {
	int hold[2];
	pid_t c;
	int pidfd;
	bool idle;	/* c waits for EOF on hold: the teardown reaps it */
};

FIXTURE_SETUP(getinfo)
{
	PIDNS_REQUIRE();
	require_info(_metadata);
	self->c = -1;
	self->pidfd = -1;
	self->idle = false;
	ASSERT_EQ(0, pidns_pipe(self->hold));
}

/* Close the write end of hold: whoever waits on it goes on. */
static void release(struct _test_data_getinfo *self)
{
	if (self->hold[1] >= 0)
		close(self->hold[1]);
	self->hold[1] = -1;
}

/* Release an idle c and reap it: it must have exited 0. */
static void reap_idle(struct __test_metadata *_metadata,
		      struct _test_data_getinfo *self)
{
	release(self);
	if (self->idle)
		EXPECT_EQ(0, pidns_wait_status(self->c));
	self->idle = false;
}

FIXTURE_TEARDOWN(getinfo)
{
	reap_idle(_metadata, self);
}

/* c: a child of ours that idles on hold, and its pidfd. */
static void spawn_holder(struct __test_metadata *_metadata,
			 struct _test_data_getinfo *self)
{
	self->c = fork();
	ASSERT_GE(self->c, 0);
	if (self->c == 0)
		pidns_idle_until_released(self->hold);
	self->idle = true;
	self->pidfd = pidfd_of(self->c);
	ASSERT_GE(self->pidfd, 0);
}

/* ---- numbers ---------------------------------------------------------- */

/* A child of ours, in our namespace: its numbers, and ppid ours. */
TEST_F(getinfo, numbers_of_child)
{
	struct info i;

	spawn_holder(_metadata, self);
	ASSERT_EQ(0, get_info(self->pidfd, 0, &i));
	EXPECT_TRUE(i.mask & PIDFD_INFO_PID);
	EXPECT_EQ(self->c, i.pid);
	EXPECT_EQ(self->c, i.tgid);
	EXPECT_EQ(getpid(), i.ppid);
}

/*
 * A namespace's init and its member, seen from outside (the parent
 * namespace): their numbers there, and ppid in the same namespace.
 */
TEST_F(getinfo, numbers_from_parent_ns)
{
	int res[2], fd_member, procfd;
	pid_t init, member_outer = -1;
	struct info i;

	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	ASSERT_EQ(0, pidns_pipe(res));
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		pid_t m = fork();

		if (m == 0) {
			pidns_send_int(res[1], pidns_self_in_proc(procfd));
			pidns_idle_until_released(self->hold);
		}
		CHILD_CHECK(m == 2);
		close(self->hold[1]);
		pidns_wait_byte(self->hold[0]);
		_exit(pidns_wait_status(m));
	}
	self->c = init;
	self->idle = true;
	ASSERT_EQ(0, pidns_recv_int(res[0], &member_outer));
	self->pidfd = pidfd_of(init);
	ASSERT_GE(self->pidfd, 0);
	fd_member = pidfd_of(member_outer);
	ASSERT_GE(fd_member, 0);

	ASSERT_EQ(0, get_info(self->pidfd, 0, &i));
	EXPECT_EQ(init, i.pid);
	EXPECT_EQ(init, i.tgid);
	EXPECT_EQ(getpid(), i.ppid);
	ASSERT_EQ(0, get_info(fd_member, 0, &i));
	EXPECT_EQ(member_outer, i.pid);
	EXPECT_EQ(member_outer, i.tgid);
	EXPECT_EQ(init, i.ppid);
}

/* Check @pidfd's numbers as its caller's namespace has them. */
static void child_check_numbers(int pidfd, pid_t pid, pid_t ppid)
{
	struct info i;

	CHILD_CHECK(get_info(pidfd, 0, &i) == 0);
	CHILD_CHECK(i.mask & PIDFD_INFO_PID);
	CHILD_CHECK(i.pid == (__u32)pid);
	CHILD_CHECK(i.tgid == (__u32)pid);
	CHILD_CHECK(i.ppid == (__u32)ppid);
}

/*
 * From inside: the init is 1 with ppid 0 (its parent is outside), a
 * member is 2 with ppid 1, and a member whose parent is outside (made by
 * setns() + fork()) has its own inner number and ppid 0: a parent the
 * caller cannot see is 0, not an error.
 */
TEST_F(getinfo, numbers_from_inside)
{
	int res[2], ready[2], fin[2], nsfd;
	pid_t init, outside_child;

	ASSERT_EQ(0, pidns_pipe(res));
	ASSERT_EQ(0, pidns_pipe(ready));
	ASSERT_EQ(0, pidns_pipe(fin));
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		pid_t m;
		int v;

		close(fin[1]);
		release(self);
		m = fork();
		if (m == 0) {
			int fd;

			CHILD_CHECK(pidns_recv_int(res[0], &v) == 0);
			fd = pidfd_of(1);
			CHILD_CHECK(fd >= 0);
			child_check_numbers(fd, 1, 0);
			fd = pidfd_of(2);
			CHILD_CHECK(fd >= 0);
			child_check_numbers(fd, 2, 1);
			/* The setns() child: number 3, parent outside. */
			fd = pidfd_of(v);
			CHILD_CHECK(fd >= 0);
			child_check_numbers(fd, v, 0);
			_exit(0);
		}
		CHILD_CHECK(m == 2);
		/* Only now may the test's setns() child take number 3. */
		pidns_post_byte(ready[1]);
		CHILD_CHECK(pidns_wait_status(m) == 0);
		pidns_post_byte(ready[1]);
		/* Stay until the setns() child is gone: our exit kills it. */
		pidns_wait_byte(fin[0]);
		_exit(0);
	}
	close(ready[1]);
	close(fin[0]);
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	nsfd = pidns_open_ns(init, "pid");
	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, setns(nsfd, CLONE_NEWPID));
	outside_child = fork();
	ASSERT_GE(outside_child, 0);
	if (outside_child == 0) {
		close(fin[1]);
		pidns_send_int(res[1], getpid());
		pidns_idle_until_released(self->hold);
	}
	/* The member has checked all three. */
	EXPECT_TRUE(pidns_wait_byte(ready[0]));
	release(self);
	EXPECT_EQ(0, pidns_wait_status(outside_child));
	close(fin[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/*
 * A task the caller's namespace cannot see is ESRCH: the init of a
 * sibling namespace, and the test (a task of an ancestor namespace), by
 * pidfds another namespace's init inherited.
 */
TEST_F(getinfo, invisible_task_esrch)
{
	int self_fd, fd_a;
	struct info i;
	pid_t b;

	self_fd = pidfd_of(getpid());
	ASSERT_GE(self_fd, 0);
	self->c = pidns_fork_idle_init(self->hold);
	ASSERT_GE(self->c, 0);
	self->idle = true;
	fd_a = pidfd_of(self->c);
	ASSERT_GE(fd_a, 0);
	ASSERT_EQ(0, get_info(fd_a, 0, &i));
	b = pidns_fork();
	ASSERT_GE(b, 0);
	if (b == 0) {
		int own = pidfd_of(1);

		CHILD_CHECK(own >= 0);
		child_check_numbers(own, 1, 0);
		/* Inherited pidfds: A's init in a sibling, and the test. */
		CHILD_CHECK(get_info(fd_a, 0, &i) == ESRCH);
		CHILD_CHECK(get_info(fd_a, PIDFD_INFO_EXIT, &i) == ESRCH);
		CHILD_CHECK(get_info(self_fd, 0, &i) == ESRCH);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(b));
}

/* ---- credentials ------------------------------------------------------ */

#define T_RUID	1000
#define T_EUID	1001
#define T_SUID	1002
#define T_RGID	2000
#define T_EGID	2001
#define T_SGID	2002

/* c: spawn_holder()'s, with distinct real, effective and saved ids. */
static void spawn_with_ids(struct __test_metadata *_metadata,
			   struct _test_data_getinfo *self)
{
	int ready[2];

	ASSERT_EQ(0, pidns_pipe(ready));
	self->c = fork();
	ASSERT_GE(self->c, 0);
	if (self->c == 0) {
		CHILD_CHECK(setgroups(0, NULL) == 0);
		CHILD_CHECK(setresgid(T_RGID, T_EGID, T_SGID) == 0);
		CHILD_CHECK(setresuid(T_RUID, T_EUID, T_SUID) == 0);
		pidns_post_byte(ready[1]);
		pidns_idle_until_released(self->hold);
	}
	self->idle = true;
	close(ready[1]);
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	close(ready[0]);
	self->pidfd = pidfd_of(self->c);
	ASSERT_GE(self->pidfd, 0);
}

TEST_F(getinfo, creds_in_initial_userns)
{
	struct info i;

	spawn_with_ids(_metadata, self);
	ASSERT_EQ(0, get_info(self->pidfd, 0, &i));
	EXPECT_TRUE(i.mask & PIDFD_INFO_CREDS);
	EXPECT_EQ(T_RUID, i.ruid);
	EXPECT_EQ(T_EUID, i.euid);
	EXPECT_EQ(T_SUID, i.suid);
	EXPECT_EQ(T_EUID, i.fsuid);
	EXPECT_EQ(T_RGID, i.rgid);
	EXPECT_EQ(T_EGID, i.egid);
	EXPECT_EQ(T_SGID, i.sgid);
	EXPECT_EQ(T_EGID, i.fsgid);
}

/*
 * Read from a user namespace that maps T_RUID to 0 and T_SUID to 5 and
 * T_RGID to 0 only: the mapped ids as that namespace has them, every
 * other one the overflow id.
 */
TEST_F(getinfo, creds_in_callers_userns)
{
	int ouid = pidns_read_int("/proc/sys/kernel/overflowuid");
	int ogid = pidns_read_int("/proc/sys/kernel/overflowgid");
	char path[64], map[64];
	int go[2], res[2], st;
	struct info i;
	pid_t r;

	ASSERT_GE(ouid, 0);
	ASSERT_GE(ogid, 0);
	ASSERT_EQ(0, pidns_pipe(go));
	ASSERT_EQ(0, pidns_pipe(res));
	spawn_with_ids(_metadata, self);
	r = fork();
	ASSERT_GE(r, 0);
	if (r == 0) {
		close(go[1]);
		if (unshare(CLONE_NEWUSER))
			_exit(KSFT_SKIP);
		pidns_post_byte(res[1]);
		CHILD_CHECK(pidns_wait_byte(go[0]));
		CHILD_CHECK(get_info(self->pidfd, 0, &i) == 0);
		CHILD_CHECK(pidns_write_all(res[1], &i, sizeof(i)) == sizeof(i));
		_exit(0);
	}
	close(go[0]);
	close(res[1]);
	if (!pidns_wait_byte(res[0])) {
		st = pidns_wait_status(r);
		if (st == KSFT_SKIP)
			SKIP(return, "no user namespaces");
		ASSERT_EQ(0, st);
	}
	snprintf(path, sizeof(path), "/proc/%d/uid_map", r);
	snprintf(map, sizeof(map), "0 %d 1\n5 %d 1\n", T_RUID, T_SUID);
	ASSERT_EQ(0, pidns_write_file(path, map));
	snprintf(path, sizeof(path), "/proc/%d/gid_map", r);
	snprintf(map, sizeof(map), "0 %d 1\n", T_RGID);
	ASSERT_EQ(0, pidns_write_file(path, map));
	ASSERT_EQ(0, pidns_post_byte(go[1]));
	ASSERT_EQ(sizeof(i), pidns_read_all(res[0], &i, sizeof(i)));
	EXPECT_EQ(0, pidns_wait_status(r));
	EXPECT_TRUE(i.mask & PIDFD_INFO_CREDS);
	EXPECT_EQ(0, i.ruid);
	EXPECT_EQ(ouid, i.euid);
	EXPECT_EQ(5, i.suid);
	EXPECT_EQ(ouid, i.fsuid);
	EXPECT_EQ(0, i.rgid);
	EXPECT_EQ(ogid, i.egid);
	EXPECT_EQ(ogid, i.sgid);
	EXPECT_EQ(ogid, i.fsgid);
}

/* ---- cgroup id -------------------------------------------------------- */

/* The path of our cgroup v2 cgroup, relative to its root ("" for it). */
static int own_cgroup(char *buf, size_t size)
{
	char line[4096];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::/", 4))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(buf, size, "%s", line + 4);
		ret = 0;
	}
	fclose(f);
	return ret;
}

/*
 * cgroupid is the task's cgroup v2 id, which is the inode number of its
 * cgroup's directory: checked for our own cgroup and for a child cgroup
 * made for the purpose (in a private cgroup2 instance; SKIP without one).
 */
TEST_F(getinfo, cgroupid_is_cgroup_inode)
{
	char own[4096], name[4200], procs[4300];
	int cgfd, self_fd;
	struct stat st;
	struct info i;

	cgfd = pidns_fs_open("cgroup2", "/sys/fs/cgroup");
	if (cgfd < 0 || fstatat(cgfd, "cgroup.procs", &st, 0))
		SKIP(return, "no cgroup2");
	if (own_cgroup(own, sizeof(own)))
		SKIP(return, "not in a cgroup v2 hierarchy");

	self_fd = pidfd_of(getpid());
	ASSERT_GE(self_fd, 0);
	ASSERT_EQ(0, get_info(self_fd, 0, &i));
	ASSERT_TRUE(i.mask & PIDFD_INFO_CGROUPID);
	ASSERT_EQ(0, fstatat(cgfd, own[0] ? own : ".", &st, 0));
	EXPECT_EQ(st.st_ino, i.cgroupid);

	snprintf(name, sizeof(name), "%s%spidns_pidfdinfo.%d", own,
		 own[0] ? "/" : "", getpid());
	ASSERT_EQ(0, mkdirat(cgfd, name, 0755));
	ASSERT_EQ(0, fstatat(cgfd, name, &st, 0));
	spawn_holder(_metadata, self);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", name);
	{
		int fd = openat(cgfd, procs, O_WRONLY | O_CLOEXEC);
		char buf[16];

		ASSERT_GE(fd, 0);
		snprintf(buf, sizeof(buf), "%d", self->c);
		EXPECT_EQ((ssize_t)strlen(buf), write(fd, buf, strlen(buf)));
		close(fd);
	}
	EXPECT_EQ(0, get_info(self->pidfd, 0, &i));
	EXPECT_TRUE(i.mask & PIDFD_INFO_CGROUPID);
	EXPECT_EQ(st.st_ino, i.cgroupid);
	reap_idle(_metadata, self);
	EXPECT_EQ(0, unlinkat(cgfd, name, AT_REMOVEDIR));
}

/*
 * A reaped task's PIDFD_INFO_EXIT comes with PIDFD_INFO_CGROUPID, the id
 * of the cgroup it exited in, recorded then (as upstream gives it): a
 * child moved to a child cgroup and reaped there reports that cgroup,
 * also after the cgroup itself is gone.
 */
TEST_F(getinfo, reaped_cgroupid_is_exit_cgroup)
{
	char own[4096], name[4200], procs[4300], buf[16];
	int cgfd, fd;
	struct stat st;
	struct info i;

	cgfd = pidns_fs_open("cgroup2", "/sys/fs/cgroup");
	if (cgfd < 0 || fstatat(cgfd, "cgroup.procs", &st, 0))
		SKIP(return, "no cgroup2");
	if (own_cgroup(own, sizeof(own)))
		SKIP(return, "not in a cgroup v2 hierarchy");

	snprintf(name, sizeof(name), "%s%spidns_pidfdinfo_exit.%d", own,
		 own[0] ? "/" : "", getpid());
	ASSERT_EQ(0, mkdirat(cgfd, name, 0755));
	ASSERT_EQ(0, fstatat(cgfd, name, &st, 0));
	spawn_holder(_metadata, self);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", name);
	fd = openat(cgfd, procs, O_WRONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	snprintf(buf, sizeof(buf), "%d", self->c);
	EXPECT_EQ((ssize_t)strlen(buf), write(fd, buf, strlen(buf)));
	close(fd);

	reap_idle(_metadata, self);
	ASSERT_EQ(0, get_info(self->pidfd, PIDFD_INFO_EXIT, &i));
	EXPECT_EQ(PIDFD_INFO_EXIT | PIDFD_INFO_CGROUPID, i.mask);
	EXPECT_EQ(st.st_ino, i.cgroupid);
	EXPECT_EQ(0, unlinkat(cgfd, name, AT_REMOVEDIR));
	ASSERT_EQ(0, get_info(self->pidfd, PIDFD_INFO_EXIT, &i));
	EXPECT_EQ(PIDFD_INFO_EXIT | PIDFD_INFO_CGROUPID, i.mask);
	EXPECT_EQ(st.st_ino, i.cgroupid);
}

/* ---- mask and sizes --------------------------------------------------- */

/*
 * A live task always gets PID and CREDS, CGROUPID where there are
 * cgroups, never EXIT (also when asked for); bits the kernel does not
 * know are ignored.
 */
TEST_F(getinfo, mask_bits_returned)
{
	static const __u64 wants[] = {
		0, PIDFD_INFO_PID, PIDFD_INFO_EXIT, KNOWN_MASK,
		KNOWN_MASK | (1ULL << 40),
	};
	struct info i;

	spawn_holder(_metadata, self);
	for (unsigned int w = 0; w < ARRAY_SIZE(wants); w++) {
		ASSERT_EQ(0, get_info(self->pidfd, wants[w], &i));
		EXPECT_EQ(PIDFD_INFO_PID | PIDFD_INFO_CREDS,
			  i.mask & (PIDFD_INFO_PID | PIDFD_INFO_CREDS));
		EXPECT_EQ(0, i.mask & PIDFD_INFO_EXIT);
		EXPECT_EQ(0, i.mask & ~(__u64)(PIDFD_INFO_PID |
					       PIDFD_INFO_CREDS |
					       PIDFD_INFO_CGROUPID)) {
			TH_LOG("asked 0x%llx, got mask 0x%llx",
			       (unsigned long long)wants[w],
			       (unsigned long long)i.mask);
		}
		EXPECT_EQ(self->c, i.pid);
	}
}

/* The raw ioctl into a buffer filled with 0xff: what it wrote and not. */
static int raw_info(int pidfd, __u64 want, unsigned char *buf, size_t len,
		    size_t size)
{
	memset(buf, 0xff, len);
	memcpy(buf, &want, sizeof(want));
	return ioctl(pidfd, GET_INFO(size), buf) ? errno : 0;
}

static bool all_bytes(const unsigned char *p, size_t from, size_t to, int v)
{
	for (size_t k = from; k < to; k++)
		if (p[k] != v)
			return false;
	return true;
}

/*
 * The usual extensible-struct rule: below VER0 (64) it is not the
 * command, ENOTTY (newest upstream's answer, since 6.18; 6.13 to 6.17 said
 * EINVAL); VER0 gets its 64 bytes and nothing beyond; VER1 (72) its 72; a
 * bigger struct from a newer caller is zeroed past the kernel's fields
 * (none of which beyond VER0 is filled when not asked for).
 */
TEST_F(getinfo, size_versions)
{
	unsigned char buf[256];
	struct info i;

	spawn_holder(_metadata, self);
	EXPECT_EQ(0, raw_info(self->pidfd, 0, buf, sizeof(buf),
			      PIDFD_INFO_SIZE_VER0));
	memcpy(&i, buf, sizeof(i));
	EXPECT_EQ(self->c, i.pid);
	EXPECT_TRUE(i.mask & PIDFD_INFO_CREDS);
	EXPECT_TRUE(all_bytes(buf, PIDFD_INFO_SIZE_VER0, sizeof(buf), 0xff));

	EXPECT_EQ(0, raw_info(self->pidfd, PIDFD_INFO_EXIT, buf, sizeof(buf),
			      PIDFD_INFO_SIZE_VER1));
	memcpy(&i, buf, sizeof(i));
	EXPECT_EQ(self->c, i.pid);
	EXPECT_TRUE(all_bytes(buf, PIDFD_INFO_SIZE_VER0,
			      PIDFD_INFO_SIZE_VER1, 0));
	EXPECT_TRUE(all_bytes(buf, PIDFD_INFO_SIZE_VER1, sizeof(buf), 0xff));

	EXPECT_EQ(0, raw_info(self->pidfd, KNOWN_MASK, buf, sizeof(buf), 128));
	memcpy(&i, buf, sizeof(i));
	EXPECT_EQ(self->c, i.pid);
	EXPECT_TRUE(all_bytes(buf, PIDFD_INFO_SIZE_VER0, 128, 0));
	EXPECT_TRUE(all_bytes(buf, 128, sizeof(buf), 0xff));

	for (size_t s = 0; s < PIDFD_INFO_SIZE_VER0; s += 8) {
		EXPECT_EQ(ENOTTY, raw_info(self->pidfd, 0, buf, sizeof(buf), s)) {
			TH_LOG("size %zu", s);
		}
	}
	EXPECT_EQ(ENOTTY, raw_info(self->pidfd, 0, buf, sizeof(buf),
				   PIDFD_INFO_SIZE_VER0 - 1));
}

/*
 * Number 11 with another direction, or another type, is not
 * PIDFD_GET_INFO either: ENOTTY, as since 6.18, whatever the size and
 * argument (6.12's pidfd_ioctl(), which we keep for other numbers, says
 * EINVAL for an unknown command with an argument).
 */
TEST_F(getinfo, not_the_command_enotty)
{
	static const unsigned int dirs[] = { _IOC_NONE, _IOC_READ, _IOC_WRITE };
	static const unsigned int sizes[] = { 0, PIDFD_INFO_SIZE_VER0,
					      PIDFD_INFO_SIZE_VER2 };
	unsigned char buf[256];
	unsigned int cmd;

	spawn_holder(_metadata, self);
	for (unsigned int d = 0; d < ARRAY_SIZE(dirs); d++) {
		for (unsigned int z = 0; z < ARRAY_SIZE(sizes); z++) {
			cmd = _IOC(dirs[d], PIDFS_IOCTL_MAGIC, 11, sizes[z]);
			memset(buf, 0, sizeof(buf));
			errno = 0;
			EXPECT_EQ(-1, ioctl(self->pidfd, cmd, buf));
			EXPECT_EQ(ENOTTY, errno) {
				TH_LOG("dir %u size %u", dirs[d], sizes[z]);
			}
		}
	}
	cmd = _IOC(_IOC_READ | _IOC_WRITE, PIDFS_IOCTL_MAGIC - 1, 11,
		   PIDFD_INFO_SIZE_VER0);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->pidfd, cmd, buf));
	EXPECT_EQ(ENOTTY, errno);
}

/*
 * PIDFD_INFO_SUPPORTED_MASK, asked for with a VER2 struct: the bit comes
 * back and supported_mask has every bit this kernel answers with: PID,
 * CREDS, EXIT, SUPPORTED_MASK itself, CGROUPID where there are cgroups,
 * and not the coredump ones, which it does not fill (asked for, they do
 * not come back, and their fields stay 0).  Not asked for, the bit does
 * not come back and supported_mask is 0.  The same for a reaped task.
 */
TEST_F(getinfo, supported_mask)
{
	const __u64 always = PIDFD_INFO_PID | PIDFD_INFO_CREDS |
			     PIDFD_INFO_EXIT | PIDFD_INFO_SUPPORTED_MASK;
	const __u64 coredump = PIDFD_INFO_COREDUMP | PIDFD_INFO_COREDUMP_SIGNAL;
	unsigned char buf[256];
	struct info i;

	spawn_holder(_metadata, self);
	ASSERT_EQ(0, get_info_sized(self->pidfd, PIDFD_INFO_SUPPORTED_MASK, &i,
				    PIDFD_INFO_SIZE_VER2));
	EXPECT_TRUE(i.mask & PIDFD_INFO_SUPPORTED_MASK);
	EXPECT_EQ(always, i.supported_mask & always) {
		TH_LOG("supported_mask 0x%llx",
		       (unsigned long long)i.supported_mask);
	}
	EXPECT_EQ(0, i.supported_mask & ~(always | PIDFD_INFO_CGROUPID));
	if (i.mask & PIDFD_INFO_CGROUPID)
		EXPECT_TRUE(i.supported_mask & PIDFD_INFO_CGROUPID);

	EXPECT_EQ(0, raw_info(self->pidfd, coredump | PIDFD_INFO_SUPPORTED_MASK,
			      buf, sizeof(buf), PIDFD_INFO_SIZE_VER2));
	memcpy(&i, buf, sizeof(i));
	EXPECT_EQ(0, i.mask & coredump);
	EXPECT_EQ(0, i.coredump_mask);
	EXPECT_EQ(0, i.coredump_signal);
	EXPECT_EQ(0, i.supported_mask & coredump);

	EXPECT_EQ(0, raw_info(self->pidfd, 0, buf, sizeof(buf),
			      PIDFD_INFO_SIZE_VER2));
	memcpy(&i, buf, sizeof(i));
	EXPECT_FALSE(i.mask & PIDFD_INFO_SUPPORTED_MASK);
	EXPECT_TRUE(all_bytes(buf, PIDFD_INFO_SIZE_VER0, PIDFD_INFO_SIZE_VER2,
			      0));

	reap_idle(_metadata, self);
	ASSERT_EQ(0, get_info_sized(self->pidfd, PIDFD_INFO_EXIT |
				    PIDFD_INFO_SUPPORTED_MASK, &i,
				    PIDFD_INFO_SIZE_VER2));
	EXPECT_TRUE(i.mask & PIDFD_INFO_EXIT);
	EXPECT_TRUE(i.mask & PIDFD_INFO_SUPPORTED_MASK);
	EXPECT_EQ(always, i.supported_mask & always);
}

/* ---- exit information ------------------------------------------------- */

/*
 * c: a child that exits with @code at once, or kills itself with @sig,
 * for the case to reap; and its pidfd.
 */
static void spawn_exiting(struct __test_metadata *_metadata,
			  struct _test_data_getinfo *self, int code, int sig)
{
	self->c = fork();
	ASSERT_GE(self->c, 0);
	if (self->c == 0) {
		if (sig)
			raise(sig);
		_exit(code);
	}
	self->pidfd = pidfd_of(self->c);
	ASSERT_GE(self->pidfd, 0);
}

/* Wait until @pid is a zombie, without reaping it. */
static int wait_zombie(pid_t pid)
{
	siginfo_t si;

	return sys_waitid(P_PID, pid, &si, WEXITED | WNOWAIT, NULL);
}

/*
 * A zombie is still a live task here: PID and CREDS, no EXIT yet, also
 * when asked for.
 */
TEST_F(getinfo, zombie_has_creds_no_exit)
{
	struct info i;

	spawn_exiting(_metadata, self, 3, 0);
	ASSERT_EQ(0, wait_zombie(self->c));
	ASSERT_EQ(0, get_info(self->pidfd, PIDFD_INFO_EXIT, &i));
	EXPECT_TRUE(i.mask & PIDFD_INFO_CREDS);
	EXPECT_TRUE(i.mask & PIDFD_INFO_PID);
	EXPECT_FALSE(i.mask & PIDFD_INFO_EXIT);
	EXPECT_EQ(self->c, i.pid);
	EXPECT_EQ(3, pidns_wait_status(self->c));
}

/* Our own cgroup v2 id, as PIDFD_GET_INFO gives it; 0 if it gives none. */
static __u64 own_cgroupid(void)
{
	int fd = pidfd_of(getpid());
	struct info i;

	if (fd < 0 || get_info(fd, 0, &i))
		i.mask = 0;
	if (fd >= 0)
		close(fd);
	return i.mask & PIDFD_INFO_CGROUPID ? i.cgroupid : 0;
}

/*
 * Reap c (made by spawn_exiting()) and check what PIDFD_INFO_EXIT gives
 * with a struct of @size: the wait status, and the mask EXIT and CGROUPID
 * (the cgroup c exited in, ours, as upstream reports it), nothing else.
 */
static void check_reaped_exit(struct __test_metadata *_metadata,
			      struct _test_data_getinfo *self, size_t size,
			      int status)
{
	__u64 cgroupid = own_cgroupid();
	struct info i;
	int st;

	ASSERT_EQ(self->c, waitpid(self->c, &st, 0));
	EXPECT_EQ(status, st);
	ASSERT_EQ(0, get_info_sized(self->pidfd, PIDFD_INFO_EXIT, &i, size));
	EXPECT_TRUE(i.mask & PIDFD_INFO_EXIT);
	EXPECT_FALSE(i.mask & PIDFD_INFO_CREDS);
	EXPECT_EQ(status, i.exit_code) {
		TH_LOG("exit_code 0x%x, wait status 0x%x", i.exit_code,
		       status);
	}
	if (!cgroupid) {
		EXPECT_EQ(PIDFD_INFO_EXIT, i.mask);
		return;
	}
	EXPECT_EQ(PIDFD_INFO_EXIT | PIDFD_INFO_CGROUPID, i.mask) {
		TH_LOG("reaped task's mask 0x%llx", (unsigned long long)i.mask);
	}
	EXPECT_EQ(cgroupid, i.cgroupid);
}

TEST_F(getinfo, reaped_exit_code)
{
	struct info i;

	spawn_exiting(_metadata, self, 3, 0);
	check_reaped_exit(_metadata, self, PIDFD_INFO_SIZE_VER1, 3 << 8);
	ASSERT_EQ(0, get_info(self->pidfd, PIDFD_INFO_EXIT, &i));
	EXPECT_TRUE(WIFEXITED(i.exit_code));
	EXPECT_EQ(3, WEXITSTATUS(i.exit_code));
	/* Exit 0 is reported too, with the EXIT bit telling it is there. */
	spawn_exiting(_metadata, self, 0, 0);
	check_reaped_exit(_metadata, self, PIDFD_INFO_SIZE_VER1, 0);
}

TEST_F(getinfo, reaped_killed_by_sigkill)
{
	struct info i;

	spawn_exiting(_metadata, self, 0, SIGKILL);
	check_reaped_exit(_metadata, self, PIDFD_INFO_SIZE_VER1, SIGKILL);
	ASSERT_EQ(0, get_info(self->pidfd, PIDFD_INFO_EXIT, &i));
	EXPECT_TRUE(WIFSIGNALED(i.exit_code));
	EXPECT_EQ(SIGKILL, WTERMSIG(i.exit_code));
}

/*
 * exit_code lies at offset 60, inside VER0's 64 bytes (it took the place
 * of 6.13's spare0; 6.15's struct pidfd_info is 64 bytes, and its
 * PIDFD_GET_INFO encodes size 64), so a VER0 caller gets the exit status
 * and the EXIT bit, as upstream gives it; nothing beyond its 64 bytes is
 * written.
 */
TEST_F(getinfo, reaped_exit_code_ver0)
{
	unsigned char buf[128];
	struct info i;
	int st;

	spawn_exiting(_metadata, self, 7, 0);
	ASSERT_EQ(self->c, waitpid(self->c, &st, 0));
	ASSERT_EQ(0, raw_info(self->pidfd, PIDFD_INFO_EXIT, buf, sizeof(buf),
			      PIDFD_INFO_SIZE_VER0));
	memcpy(&i, buf, sizeof(i));
	EXPECT_TRUE(i.mask & PIDFD_INFO_EXIT);
	EXPECT_EQ(st, i.exit_code);
	EXPECT_TRUE(all_bytes(buf, PIDFD_INFO_SIZE_VER0, sizeof(buf), 0xff));
}

/* Reaped, and PIDFD_INFO_EXIT not asked for: ESRCH, as before 6.15. */
TEST_F(getinfo, reaped_without_exit_esrch)
{
	struct info i;

	spawn_exiting(_metadata, self, 3, 0);
	ASSERT_EQ(0, wait_zombie(self->c));
	ASSERT_EQ(0, get_info(self->pidfd, 0, &i));
	EXPECT_EQ(3, pidns_wait_status(self->c));
	EXPECT_EQ(ESRCH, get_info(self->pidfd, 0, &i));
	EXPECT_EQ(ESRCH, get_info(self->pidfd, PIDFD_INFO_CGROUPID, &i));
	EXPECT_EQ(0, get_info(self->pidfd, PIDFD_INFO_EXIT, &i));
}

/*
 * A task reaped by someone else (here autoreaped: SIGCHLD ignored): once
 * poll() on its pidfd reports POLLHUP (the task is gone), the ioctl has
 * its exit status.
 */
TEST_F(getinfo, poll_then_ioctl)
{
	struct pollfd pfd = { .events = POLLIN };
	struct info i;
	int pidfd;
	pid_t c;

	ASSERT_NE(SIG_ERR, signal(SIGCHLD, SIG_IGN));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		release(self);
		pidns_wait_byte(self->hold[0]);
		_exit(42);
	}
	pidfd = pidfd_of(c);
	ASSERT_GE(pidfd, 0);
	release(self);
	pfd.fd = pidfd;
	do {
		ASSERT_EQ(1, poll(&pfd, 1, -1));
		ASSERT_TRUE(pfd.revents & POLLIN);
	} while (!(pfd.revents & POLLHUP));
	ASSERT_EQ(0, get_info(pidfd, PIDFD_INFO_EXIT, &i));
	EXPECT_TRUE(i.mask & PIDFD_INFO_EXIT);
	EXPECT_TRUE(WIFEXITED(i.exit_code));
	EXPECT_EQ(42, WEXITSTATUS(i.exit_code));
	signal(SIGCHLD, SIG_DFL);
}

/* ---- threads ---------------------------------------------------------- */

struct tg {
	pthread_t leader;
	int release[2];		/* the thread waits for EOF on it */
	int report[2];		/* the thread's tid, then "leader gone" */
	int code;
};

static void *tg_thread(void *arg)
{
	struct tg *tg = arg;
	pid_t tid = sys_gettid();

	pidns_write_all(tg->report[1], &tid, sizeof(tid));
	/* Returns once the leader's exit cleared its tid (mm_release()). */
	pthread_join(tg->leader, NULL);
	pidns_post_byte(tg->report[1]);
	pidns_wait_byte(tg->release[0]);
	/* The last thread: its exit ends the group, with the same code. */
	syscall(SYS_exit, tg->code);
	return NULL;
}

/*
 * A thread group whose leader exits first (SYS_exit, the thread only)
 * keeps its pidfd's task: creds, no EXIT and no poll event, until the
 * whole group is gone; then, reaped, the group's status.  The leader and
 * the last thread exit with the same code, so the group's status is that
 * code whichever thread's the kernel keeps.
 */
TEST_F(getinfo, thread_group_exit_after_whole_group)
{
	struct pollfd pfd = { .events = POLLIN };
	struct tg tg = { .code = 5 };
	int pidfd, thread_fd;
	struct info i;
	pid_t c, tid;

	ASSERT_EQ(0, pidns_pipe(tg.release));
	ASSERT_EQ(0, pidns_pipe(tg.report));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pthread_t t;

		close(tg.release[1]);
		tg.leader = pthread_self();
		CHILD_CHECK(pthread_create(&t, NULL, tg_thread, &tg) == 0);
		syscall(SYS_exit, tg.code);
	}
	close(tg.release[0]);
	close(tg.report[1]);
	pidfd = pidfd_of(c);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(sizeof(tid), pidns_read_all(tg.report[0], &tid,
					      sizeof(tid)));
	thread_fd = sys_pidfd_open(tid, PIDFD_THREAD);
	ASSERT_GE(thread_fd, 0);
	ASSERT_EQ(0, get_info(thread_fd, 0, &i));
	EXPECT_EQ(tid, i.pid);
	EXPECT_EQ(c, i.tgid);

	/* The leader has exited; the group has not. */
	ASSERT_TRUE(pidns_wait_byte(tg.report[0]));
	pfd.fd = pidfd;
	EXPECT_EQ(0, poll(&pfd, 1, 0));
	ASSERT_EQ(0, get_info(pidfd, PIDFD_INFO_EXIT, &i));
	EXPECT_TRUE(i.mask & PIDFD_INFO_CREDS);
	EXPECT_FALSE(i.mask & PIDFD_INFO_EXIT);
	EXPECT_EQ(c, i.pid);

	close(tg.release[1]);
	EXPECT_EQ(tg.code, pidns_wait_status(c));
	ASSERT_EQ(0, get_info(pidfd, PIDFD_INFO_EXIT, &i));
	EXPECT_TRUE(i.mask & PIDFD_INFO_EXIT);
	EXPECT_FALSE(i.mask & PIDFD_INFO_CREDS);
	EXPECT_TRUE(WIFEXITED(i.exit_code));
	EXPECT_EQ(tg.code, WEXITSTATUS(i.exit_code));
}

static void *exit_thread(void *arg)
{
	struct tg *tg = arg;
	pid_t tid = sys_gettid();

	pidns_write_all(tg->report[1], &tid, sizeof(tid));
	pidns_wait_byte(tg->release[0]);
	syscall(SYS_exit, tg->code);
	return NULL;
}

/*
 * A thread pidfd (PIDFD_THREAD): the thread's own numbers while it runs;
 * once it has exited (a thread is released at once), its own exit code,
 * while its group lives on.
 */
TEST_F(getinfo, thread_pidfd_exit)
{
	struct pollfd pfd = { .events = POLLIN };
	struct tg tg = { .code = 9 };
	struct info i;
	int thread_fd;
	pid_t c, tid;

	ASSERT_EQ(0, pidns_pipe(tg.release));
	ASSERT_EQ(0, pidns_pipe(tg.report));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pthread_t t;

		close(tg.release[1]);
		CHILD_CHECK(pthread_create(&t, NULL, exit_thread, &tg) == 0);
		pthread_join(t, NULL);
		pidns_idle_until_released(self->hold);
	}
	self->c = c;
	self->idle = true;
	close(tg.release[0]);
	close(tg.report[1]);
	ASSERT_EQ(sizeof(tid), pidns_read_all(tg.report[0], &tid,
					      sizeof(tid)));
	thread_fd = sys_pidfd_open(tid, PIDFD_THREAD);
	ASSERT_GE(thread_fd, 0);
	ASSERT_EQ(0, get_info(thread_fd, PIDFD_INFO_EXIT, &i));
	EXPECT_EQ(tid, i.pid);
	EXPECT_EQ(c, i.tgid);
	EXPECT_EQ(getpid(), i.ppid);
	EXPECT_FALSE(i.mask & PIDFD_INFO_EXIT);

	close(tg.release[1]);
	pfd.fd = thread_fd;
	do {
		ASSERT_EQ(1, poll(&pfd, 1, -1));
	} while (!(pfd.revents & POLLHUP));
	ASSERT_EQ(0, get_info(thread_fd, PIDFD_INFO_EXIT, &i));
	EXPECT_TRUE(i.mask & PIDFD_INFO_EXIT);
	EXPECT_FALSE(i.mask & PIDFD_INFO_CREDS);
	EXPECT_TRUE(WIFEXITED(i.exit_code));
	EXPECT_EQ(tg.code, WEXITSTATUS(i.exit_code));
}

/* ---- the uapi header ---------------------------------------------------- */

/*
 * <linux/pidfd.h> has what upstream's has for PIDFD_GET_INFO, so that a
 * program written against upstream's header builds against ours: the
 * mask bits, the three sizes, struct pidfd_info with every field at
 * upstream's offset, and the ioctl number.  Checked when this file is
 * built; the case fails if the header lacks any of it.
 */
TEST(uapi_header_matches_upstream)
{
#ifdef HEADER_HAS_VER2
	static_assert(PIDFD_INFO_PID == 1UL << 0 &&
		      PIDFD_INFO_CREDS == 1UL << 1 &&
		      PIDFD_INFO_CGROUPID == 1UL << 2 &&
		      PIDFD_INFO_EXIT == 1UL << 3 &&
		      PIDFD_INFO_COREDUMP == 1UL << 4 &&
		      PIDFD_INFO_SUPPORTED_MASK == 1UL << 5 &&
		      PIDFD_INFO_COREDUMP_SIGNAL == 1UL << 6, "mask bits");
	static_assert(PIDFD_INFO_SIZE_VER0 == 64 && PIDFD_INFO_SIZE_VER1 == 72 &&
		      PIDFD_INFO_SIZE_VER2 == 80, "sizes");
	static_assert(sizeof(struct pidfd_info) == PIDFD_INFO_SIZE_VER2,
		      "struct pidfd_info is VER2");
	static_assert(offsetof(struct pidfd_info, cgroupid) == 8 &&
		      offsetof(struct pidfd_info, pid) == 16 &&
		      offsetof(struct pidfd_info, fsgid) == 56 &&
		      offsetof(struct pidfd_info, exit_code) == 60 &&
		      offsetof(struct pidfd_info, coredump_mask) == 64 &&
		      offsetof(struct pidfd_info, coredump_signal) == 68 &&
		      offsetof(struct pidfd_info, supported_mask) == 72,
		      "upstream's offsets");
	static_assert(_IOC_TYPE(PIDFD_GET_INFO) == 0xFF &&
		      _IOC_NR(PIDFD_GET_INFO) == 11 &&
		      _IOC_DIR(PIDFD_GET_INFO) == (_IOC_READ | _IOC_WRITE) &&
		      _IOC_SIZE(PIDFD_GET_INFO) == sizeof(struct pidfd_info),
		      "PIDFD_GET_INFO is _IOWR(0xFF, 11, struct pidfd_info)");
	EXPECT_EQ(PIDFD_INFO_SIZE_VER2, _IOC_SIZE(PIDFD_GET_INFO));
#else
	TH_LOG("<linux/pidfd.h> lacks upstream's newer PIDFD_INFO_ bits or sizes");
	EXPECT_TRUE(false);
#endif
}

/* ---- pidfd_open() of a thread ------------------------------------------ */

struct lone_thread {
	pthread_t leader;
	int to_init[2];		/* the thread's tid */
	int to_test[2];		/* its tid, then a byte: the leader is gone */
	int go[2];		/* from the test: the leader exits */
	int release[2];		/* from the test: the thread exits */
};

static void *lone_thread(void *arg)
{
	struct lone_thread *lt = arg;
	pid_t tid = sys_gettid();

	pidns_write_all(lt->to_init[1], &tid, sizeof(tid));
	/* Returns once the leader's exit cleared its tid (mm_release()). */
	pthread_join(lt->leader, NULL);
	/* Its own number, the leader gone: still no pidfd of a process. */
	CHILD_CHECK_ERR(sys_pidfd_open(tid, 0), ENOENT);
	pidns_post_byte(lt->to_test[1]);
	pidns_wait_byte(lt->release[0]);
	syscall(SYS_exit, 0);
	return NULL;
}

/*
 * pidfd_open() without PIDFD_THREAD of a thread that does not lead its
 * thread group is ENOENT, as newest upstream answers it (since about
 * 6.15; 6.12 said EINVAL): by the thread's number inside a namespace's
 * init and by its number outside, and, as upstream's pidfd_info_test
 * checks it, once the group leader has exited before the thread.  With
 * PIDFD_THREAD it opens; the leader's number opens without it, also
 * while the leader is a zombie whose group lives on.
 */
TEST(pidfd_open_non_leader_thread_enoent)
{
	struct lone_thread lt;
	pid_t init, inner, outer;
	int procfd, fd;

	PIDNS_REQUIRE();
	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	ASSERT_EQ(0, pidns_pipe(lt.to_init));
	ASSERT_EQ(0, pidns_pipe(lt.to_test));
	ASSERT_EQ(0, pidns_pipe(lt.go));
	ASSERT_EQ(0, pidns_pipe(lt.release));
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		pthread_t t;

		close(lt.go[1]);
		close(lt.release[1]);
		lt.leader = pthread_self();
		CHILD_CHECK(pthread_create(&t, NULL, lone_thread, &lt) == 0);
		CHILD_CHECK(pidns_read_all(lt.to_init[0], &inner,
					   sizeof(inner)) == sizeof(inner));
		CHILD_CHECK_ERR(sys_pidfd_open(inner, 0), ENOENT);
		fd = sys_pidfd_open(inner, PIDFD_THREAD);
		CHILD_CHECK(fd >= 0);
		close(fd);
		/* Now the test may look; the leader exits when it says. */
		pidns_write_all(lt.to_test[1], &inner, sizeof(inner));
		pidns_wait_byte(lt.go[0]);
		syscall(SYS_exit, 0);
	}
	close(lt.to_init[0]);
	close(lt.to_init[1]);
	close(lt.to_test[1]);
	close(lt.go[0]);
	close(lt.release[0]);
	ASSERT_EQ(sizeof(inner), pidns_read_all(lt.to_test[0], &inner,
						sizeof(inner)));
	ASSERT_EQ(1, pidns_proc_other_tids(procfd, init, &outer, 1));

	errno = 0;
	EXPECT_EQ(-1, sys_pidfd_open(outer, 0));
	EXPECT_EQ(ENOENT, errno);
	fd = sys_pidfd_open(outer, PIDFD_THREAD);
	EXPECT_GE(fd, 0);
	close(fd);

	/* The leader exits; the thread checks, then so do we. */
	close(lt.go[1]);
	EXPECT_TRUE(pidns_wait_byte(lt.to_test[0]));
	errno = 0;
	EXPECT_EQ(-1, sys_pidfd_open(outer, 0));
	EXPECT_EQ(ENOENT, errno);
	fd = sys_pidfd_open(init, 0);
	EXPECT_GE(fd, 0);
	close(fd);

	close(lt.release[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/*
 * A reaped task's pid stays findable while another task uses it as its
 * process group: here a group leader reaped while a member of its group
 * lives.  pidfd_open() of it is ESRCH, with and without PIDFD_THREAD, as
 * newest upstream answers; 6.12 said EINVAL.
 */
TEST(pidfd_open_reaped_group_leader_esrch)
{
	pid_t leader, member;
	int up[2], hold[2];

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(up));
	ASSERT_EQ(0, pidns_pipe(hold));
	leader = fork();
	ASSERT_GE(leader, 0);
	if (leader == 0) {
		close(up[0]);
		close(hold[1]);
		CHILD_CHECK(setpgid(0, 0) == 0);
		member = fork();
		CHILD_CHECK(member >= 0);
		if (member == 0) {
			/*
			 * Keeps the group, and so the leader's pid, alive
			 * until the test closes hold (or dies).
			 */
			pidns_wait_byte(hold[0]);
			_exit(0);
		}
		CHILD_CHECK(pidns_send_int(up[1], member) == 0);
		_exit(0);
	}
	close(up[1]);
	close(hold[0]);
	ASSERT_EQ(0, pidns_recv_int(up[0], &member));
	ASSERT_EQ(0, pidns_wait_status(leader));
	ASSERT_EQ(leader, getpgid(member));

	errno = 0;
	EXPECT_EQ(-1, sys_pidfd_open(leader, 0));
	EXPECT_EQ(ESRCH, errno);
	errno = 0;
	EXPECT_EQ(-1, sys_pidfd_open(leader, PIDFD_THREAD));
	EXPECT_EQ(ESRCH, errno);

	close(hold[1]);
}

TEST_HARNESS_MAIN
