// SPDX-License-Identifier: GPL-2.0
/*
 * Namespace lifetime and the nsfs interface of pid namespaces: an nsfs fd
 * keeps a namespace alive, NS_GET_* ioctls walk and translate between
 * levels, and creating and destroying namespaces leaks nothing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>

#include "pidns_util.h"
#include "../kselftest_harness.h"

#ifndef PIDFS_IOCTL_MAGIC
#define PIDFS_IOCTL_MAGIC 0xFF
#endif
#ifndef PIDFD_GET_PID_NAMESPACE
#define PIDFD_GET_PID_NAMESPACE			_IO(PIDFS_IOCTL_MAGIC, 5)
#endif
#ifndef PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE
#define PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE	_IO(PIDFS_IOCTL_MAGIC, 6)
#endif

static ino_t path_ino(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_ino;
}

/*
 * A chain below the test: A (init, level L+1) -> B (init, level L+2).
 * A also has a thread (tid 2 in A's namespace, so B is 3 there).
 */
struct chain_shared {
	pid_t thread_outer;
	pid_t b_outer;
	pid_t b_in_a;
};

FIXTURE(chain) {
	pid_t a;
	int release[2];
	int fd_a, fd_b;		/* nsfs fds of A's and B's namespaces */
	struct chain_shared *sh;
	int procfd;
};

static void *idle_thread(void *arg)
{
	int *release = arg;

	pidns_wait_byte(release[0]);
	return NULL;
}

FIXTURE_SETUP(chain)
{
	int ready[2];

	PIDNS_REQUIRE();
	self->sh = pidns_shared_alloc(sizeof(*self->sh));
	ASSERT_NE(NULL, self->sh);
	self->procfd = pidns_proc_open();
	ASSERT_GE(self->procfd, 0);
	ASSERT_EQ(0, pidns_pipe(self->release));
	ASSERT_EQ(0, pidns_pipe(ready));
	self->a = pidns_fork();
	ASSERT_GE(self->a, 0);
	if (self->a == 0) {
		pthread_t t;
		int up[2];
		pid_t b;

		close(self->release[1]);
		CHILD_CHECK(pthread_create(&t, NULL, idle_thread,
					   self->release) == 0);
		/* The thread is tid 2: find its outer number. */
		for (int i = 0; i < 5000; i++) {
			char path[64];
			DIR *d;
			struct dirent *de;

			snprintf(path, sizeof(path), "%d/task",
				 pidns_self_in_proc(self->procfd));
			d = fdopendir(openat(self->procfd, path, O_RDONLY));
			CHILD_CHECK(d);
			while ((de = readdir(d))) {
				pid_t tid = atoi(de->d_name);

				if (tid > 0 && tid != pidns_self_in_proc(self->procfd))
					self->sh->thread_outer = tid;
			}
			closedir(d);
			if (self->sh->thread_outer)
				break;
			usleep(1000);
		}
		CHILD_CHECK(pipe(up) == 0);
		b = pidns_fork();
		CHILD_CHECK(b >= 0);
		if (b == 0) {
			self->sh->b_outer = pidns_self_in_proc(self->procfd);
			pidns_post_byte(up[1]);
			pidns_wait_byte(self->release[0]);
			_exit(0);
		}
		/* Ready once B reported and pidns_fork() switched us back. */
		CHILD_CHECK(pidns_wait_byte(up[0]));
		self->sh->b_in_a = b;
		pidns_post_byte(ready[1]);
		pidns_wait_byte(self->release[0]);
		pidns_wait_status(b);
		pthread_join(t, NULL);
		_exit(0);
	}
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	ASSERT_GT(self->sh->thread_outer, 0);
	self->fd_a = pidns_open_ns(self->a, "pid");
	ASSERT_GE(self->fd_a, 0);
	self->fd_b = pidns_open_ns(self->sh->b_outer, "pid");
	ASSERT_GE(self->fd_b, 0);
}

FIXTURE_TEARDOWN(chain)
{
	close(self->release[1]);
	if (self->a > 0)
		pidns_wait_status(self->a);
}

TEST_F(chain, ns_get_nstype_is_newpid)
{
	int fd;

	EXPECT_EQ(CLONE_NEWPID, ioctl(self->fd_a, NS_GET_NSTYPE));
	EXPECT_EQ(CLONE_NEWPID, ioctl(self->fd_b, NS_GET_NSTYPE));
	fd = pidns_open_ns(self->a, "pid_for_children");
	ASSERT_GE(fd, 0);
	EXPECT_EQ(CLONE_NEWPID, ioctl(fd, NS_GET_NSTYPE));
	/* A's pid_for_children is A's own namespace again. */
	EXPECT_EQ(pidns_fd_ino(self->fd_a), pidns_fd_ino(fd));
}

TEST_F(chain, ns_get_parent_walks_up)
{
	int p1, p2;

	p1 = ioctl(self->fd_b, NS_GET_PARENT);
	ASSERT_GE(p1, 0);
	EXPECT_EQ(pidns_fd_ino(self->fd_a), pidns_fd_ino(p1));
	p2 = ioctl(p1, NS_GET_PARENT);
	ASSERT_GE(p2, 0);
	EXPECT_EQ(path_ino("/proc/self/ns/pid"), pidns_fd_ino(p2));
	EXPECT_EQ(CLONE_NEWPID, ioctl(p2, NS_GET_NSTYPE));
	/* Above our own namespace: refused. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(p2, NS_GET_PARENT));
	EXPECT_EQ(EPERM, errno);
}

/*
 * From inside A, B's parent (A) is reachable but A's parent is above A's
 * active namespace: EPERM even though it exists.
 */
TEST_F(chain, ns_get_parent_above_active_eperm)
{
	pid_t c;

	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		int p;

		CHILD_CHECK(setns(self->fd_a, CLONE_NEWPID) == 0);
		/* The process itself must be inside: go via a child. */
		c = fork();
		if (c == 0) {
			CHILD_CHECK_ERR(ioctl(self->fd_a, NS_GET_PARENT),
					EPERM);
			p = ioctl(self->fd_b, NS_GET_PARENT);
			CHILD_CHECK(p >= 0);
			CHILD_CHECK(pidns_fd_ino(p) ==
				    pidns_fd_ino(self->fd_a));
			_exit(0);
		}
		_exit(pidns_wait_status(c));
	}
	EXPECT_EQ(0, pidns_wait_status(c));
}

/* NS_GET_PID_FROM_PIDNS: a number of that namespace -> our number. */
TEST_F(chain, pid_from_pidns)
{
	EXPECT_EQ(self->a, ioctl(self->fd_a, NS_GET_PID_FROM_PIDNS, 1));
	EXPECT_EQ(self->sh->thread_outer,
		  ioctl(self->fd_a, NS_GET_PID_FROM_PIDNS, 2));
	EXPECT_EQ(self->sh->b_outer,
		  ioctl(self->fd_a, NS_GET_PID_FROM_PIDNS, self->sh->b_in_a));
	EXPECT_EQ(self->sh->b_outer, ioctl(self->fd_b, NS_GET_PID_FROM_PIDNS,
					   1));
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd_b, NS_GET_PID_FROM_PIDNS, 2));
	EXPECT_EQ(ESRCH, errno);
}

/* NS_GET_PID_IN_PIDNS: our number -> the number in that namespace. */
TEST_F(chain, pid_in_pidns)
{
	EXPECT_EQ(1, ioctl(self->fd_a, NS_GET_PID_IN_PIDNS, self->a));
	EXPECT_EQ(2, ioctl(self->fd_a, NS_GET_PID_IN_PIDNS,
			   self->sh->thread_outer));
	EXPECT_EQ(self->sh->b_in_a,
		  ioctl(self->fd_a, NS_GET_PID_IN_PIDNS, self->sh->b_outer));
	EXPECT_EQ(1, ioctl(self->fd_b, NS_GET_PID_IN_PIDNS,
			   self->sh->b_outer));
	/* We have no number in A's namespace, A none in B's. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd_a, NS_GET_PID_IN_PIDNS, getpid()));
	EXPECT_EQ(ESRCH, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd_b, NS_GET_PID_IN_PIDNS, self->a));
	EXPECT_EQ(ESRCH, errno);
}

/* The TGID variants give the thread group's number for a thread. */
TEST_F(chain, tgid_from_and_in_pidns)
{
	EXPECT_EQ(self->a, ioctl(self->fd_a, NS_GET_TGID_FROM_PIDNS, 2));
	EXPECT_EQ(self->a, ioctl(self->fd_a, NS_GET_TGID_FROM_PIDNS, 1));
	EXPECT_EQ(1, ioctl(self->fd_a, NS_GET_TGID_IN_PIDNS,
			   self->sh->thread_outer));
	EXPECT_EQ(2, ioctl(self->fd_a, NS_GET_PID_IN_PIDNS,
			   self->sh->thread_outer));
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd_b, NS_GET_TGID_IN_PIDNS,
			    self->sh->thread_outer));
	EXPECT_EQ(ESRCH, errno);
}

/*
 * Translations are always into or out of the caller's namespace: done
 * from inside A they give A's numbers, and an ancestor's fd translates
 * its numbers down to ours.
 */
TEST_F(chain, translation_relative_to_caller)
{
	int outer_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	pid_t c, me = getpid();

	ASSERT_GE(outer_fd, 0);
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		CHILD_CHECK(setns(self->fd_a, CLONE_NEWPID) == 0);
		c = fork();
		if (c == 0) {
			pid_t self_outer = pidns_self_in_proc(self->procfd);

			CHILD_CHECK(ioctl(self->fd_b, NS_GET_PID_FROM_PIDNS,
					  1) == self->sh->b_in_a);
			/* Our outer number, translated down: our own. */
			CHILD_CHECK(ioctl(outer_fd, NS_GET_PID_FROM_PIDNS,
					  self_outer) == getpid());
			/* The test has no number here. */
			CHILD_CHECK_ERR(ioctl(outer_fd, NS_GET_PID_FROM_PIDNS,
					      me), ESRCH);
			CHILD_CHECK(ioctl(self->fd_b, NS_GET_PID_IN_PIDNS,
					  self->sh->b_in_a) == 1);
			_exit(0);
		}
		_exit(pidns_wait_status(c));
	}
	EXPECT_EQ(0, pidns_wait_status(c));
}

/* The translation ioctls only apply to pid namespaces. */
TEST_F(chain, translation_on_other_ns_einval)
{
	int fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		SKIP(return, "no uts namespace file");
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, NS_GET_PID_FROM_PIDNS, 1));
	EXPECT_EQ(EINVAL, errno);
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, NS_GET_TGID_IN_PIDNS, getpid()));
	EXPECT_EQ(EINVAL, errno);
	/* And NS_GET_OWNER_UID only to user namespaces. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(self->fd_a, NS_GET_OWNER_UID, &(uid_t){ 0 }));
	EXPECT_EQ(EINVAL, errno);
}

/* pidfd ioctls hand out the same namespace as /proc/PID/ns. */
TEST_F(chain, pidfd_get_pid_namespace)
{
	int pidfd, fd;

	pidfd = sys_pidfd_open(self->a, 0);
	ASSERT_GE(pidfd, 0);
	fd = ioctl(pidfd, PIDFD_GET_PID_NAMESPACE, 0);
	if (fd < 0 && (errno == ENOTTY || errno == EINVAL))
		SKIP(return, "no PIDFD_GET_PID_NAMESPACE");
	ASSERT_GE(fd, 0);
	EXPECT_EQ(pidns_fd_ino(self->fd_a), pidns_fd_ino(fd));
	fd = ioctl(pidfd, PIDFD_GET_PID_FOR_CHILDREN_NAMESPACE, 0);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(pidns_fd_ino(self->fd_a), pidns_fd_ino(fd));
}

/* ---- lifetime --------------------------------------------------------- */

/*
 * An open nsfs fd keeps the namespace (same inode, still usable with the
 * ioctls) after all its tasks are gone, and its inode number is not
 * handed to a new namespace.
 */
TEST(ns_fd_keeps_dead_ns_alive)
{
	int hold[2], fd, parent, c_fd;
	ino_t ino;
	pid_t init, c;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(hold));
	init = pidns_fork_idle_init(hold);
	ASSERT_GE(init, 0);
	fd = pidns_open_ns(init, "pid");
	ASSERT_GE(fd, 0);
	ino = pidns_fd_ino(fd);
	ASSERT_NE(0, ino);
	close(hold[1]);
	ASSERT_EQ(0, pidns_wait_status(init));

	EXPECT_EQ(ino, pidns_fd_ino(fd));
	EXPECT_EQ(CLONE_NEWPID, ioctl(fd, NS_GET_NSTYPE));
	parent = ioctl(fd, NS_GET_PARENT);
	ASSERT_GE(parent, 0);
	EXPECT_EQ(path_ino("/proc/self/ns/pid"), pidns_fd_ino(parent));
	/* Nobody is left to translate. */
	errno = 0;
	EXPECT_EQ(-1, ioctl(fd, NS_GET_PID_FROM_PIDNS, 1));
	EXPECT_EQ(ESRCH, errno);

	/* A new namespace gets another inode while ours is held. */
	ASSERT_EQ(0, pidns_pipe(hold));
	c = pidns_fork_idle_init(hold);
	ASSERT_GE(c, 0);
	c_fd = pidns_open_ns(c, "pid");
	ASSERT_GE(c_fd, 0);
	EXPECT_NE(ino, pidns_fd_ino(c_fd));
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(c));
}

/* An nsfs fd is a handle any process holding it can setns() with. */
TEST(ns_fd_usable_by_other_process)
{
	int hold[2], fd, st;
	pid_t init, c;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(hold));
	init = pidns_fork_idle_init(hold);
	ASSERT_GE(init, 0);
	fd = pidns_open_ns(init, "pid");
	ASSERT_GE(fd, 0);
	/* The fd is usable for setns() from another process. */
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pid_t g;

		CHILD_CHECK(setns(fd, CLONE_NEWPID) == 0);
		g = fork();
		if (g == 0)
			_exit(getpid() == 2 ? 0 : 1);
		_exit(pidns_wait_status(g));
	}
	st = pidns_wait_status(c);
	EXPECT_EQ(0, st);
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- ownership -------------------------------------------------------- */

/*
 * A pid namespace made inside a new user namespace is owned by it; from
 * inside that user namespace the owner of an outside pid namespace is out
 * of reach (EPERM), and NS_GET_OWNER_UID reports the creator.
 */
TEST(userns_ownership)
{
	int outer_pidns, sv[2];
	pid_t c;

	PIDNS_REQUIRE();
	outer_pidns = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(outer_pidns, 0);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		int userns, owner, pidfc;
		uid_t uid = 0;
		pid_t g;

		CHILD_CHECK(pidns_drop_to_uid(65534) == 0);
		if (unshare(CLONE_NEWUSER))
			_exit(4);
		CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
		g = fork();
		if (g == 0)
			_exit(0);
		pidfc = open("/proc/self/ns/pid_for_children", O_RDONLY);
		CHILD_CHECK(pidfc >= 0);
		userns = open("/proc/self/ns/user", O_RDONLY);
		CHILD_CHECK(userns >= 0);
		owner = ioctl(pidfc, NS_GET_USERNS);
		CHILD_CHECK(owner >= 0);
		CHILD_CHECK(pidns_fd_ino(owner) == pidns_fd_ino(userns));
		CHILD_CHECK(ioctl(userns, NS_GET_OWNER_UID, &uid) == 0);
		CHILD_CHECK(uid == 65534);
		/* Owner of the outside pid namespace: above us. */
		CHILD_CHECK_ERR(ioctl(outer_pidns, NS_GET_USERNS), EPERM);
		/* Parent of our user namespace: above us too. */
		CHILD_CHECK_ERR(ioctl(userns, NS_GET_PARENT), EPERM);
		CHILD_CHECK(pidns_send_fd(sv[1], userns) == 0);
		_exit(pidns_wait_status(g));
	}
	{
		int st = pidns_wait_status(c);
		int userns, parent;

		if (st == 4)
			SKIP(return, "unprivileged user namespaces not allowed");
		ASSERT_EQ(0, st);
		userns = pidns_recv_fd(sv[0]);
		ASSERT_GE(userns, 0);
		/* From outside, the child user namespace's parent is ours. */
		parent = ioctl(userns, NS_GET_PARENT);
		ASSERT_GE(parent, 0);
		EXPECT_EQ(path_ino("/proc/self/ns/user"), pidns_fd_ino(parent));
	}
}

/* ---- leaks ----------------------------------------------------------- */

#define LEAK_CYCLES	1000
#define LEAK_INUM_SLACK	200
#define LEAK_OBJ_SLACK	150
#define LEAK_KB_SLACK	4096

static const char * const leak_caches[] = { "pid_namespace", "pid_2" };

static long meminfo_kb(const char *field)
{
	char buf[256];
	size_t len = strlen(field);
	FILE *f = fopen("/proc/meminfo", "r");
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(buf, sizeof(buf), f)) {
		if (!strncmp(buf, field, len) && buf[len] == ':') {
			kb = strtol(buf + len + 1, NULL, 10);
			break;
		}
	}
	fclose(f);
	return kb;
}

/* The caches the leak test watches, settled before every count. */
static void settle_slabs(void)
{
	pidns_settle_slabs(leak_caches, 2);
}

/* Inode number of a fresh pid namespace (made and dropped right away). */
static ino_t fresh_ns_ino(void)
{
	int sync[2];
	ino_t ino;
	pid_t c;

	if (pidns_pipe(sync))
		return 0;
	c = pidns_fork_idle_init(sync);
	if (c < 0)
		return 0;
	{
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/pid", c);
		ino = path_ino(path);
	}
	close(sync[1]);
	close(sync[0]);
	pidns_wait_status(c);
	return ino;
}

FIXTURE(cycles) {
	long slab_before[2];
	long kb_before;
	ino_t ino_before;
};

FIXTURE_SETUP(cycles)
{
	PIDNS_REQUIRE();
	/* Warm up per-level caches, then take the baselines. */
	for (int i = 0; i < 10; i++)
		ASSERT_NE(0, fresh_ns_ino());
	settle_slabs();
	for (int i = 0; i < 2; i++)
		self->slab_before[i] = pidns_slab_active(leak_caches[i]);
	pidns_write_file("/proc/sys/vm/drop_caches", "2");
	self->kb_before = meminfo_kb("SUnreclaim");
	self->ino_before = fresh_ns_ino();
	ASSERT_NE(0, self->ino_before);
}

FIXTURE_TEARDOWN(cycles)
{
}

/*
 * 1000 namespaces made and destroyed: their inode numbers are recycled,
 * and the pid_namespace and level-1 pid slab caches shrink back (else,
 * unreclaimable slab memory does).  Each check allows for noise but not
 * for one leaked object per cycle.
 */
TEST_F_TIMEOUT(cycles, no_leak_after_1000_namespaces, 150)
{
	bool checked = false;
	ino_t ino = 0;
	long now = 0;

	for (int i = 0; i < LEAK_CYCLES; i++) {
		pid_t c = pidns_clone3(CLONE_NEWPID, NULL);

		if (c == 0)
			_exit(0);
		ASSERT_GT(c, 0);
		ASSERT_EQ(0, pidns_wait_status(c));
	}

	/* Namespace inode numbers come back (freed after an RCU delay). */
	for (int tries = 0; tries < 100; tries++) {
		settle_slabs();
		ino = fresh_ns_ino();
		if (ino && ino <= self->ino_before + LEAK_INUM_SLACK)
			break;
	}
	EXPECT_LE(ino, self->ino_before + LEAK_INUM_SLACK) {
		TH_LOG("namespace inode %lu, was %lu before %d cycles",
		       (unsigned long)ino, (unsigned long)self->ino_before,
		       LEAK_CYCLES);
	}

	for (int i = 0; i < 2; i++) {
		if (self->slab_before[i] < 0)
			continue;
		checked = true;
		for (int tries = 0; tries < 50; tries++) {
			settle_slabs();
			now = pidns_slab_active(leak_caches[i]);
			if (now <= self->slab_before[i] + LEAK_OBJ_SLACK)
				break;
		}
		EXPECT_LE(now, self->slab_before[i] + LEAK_OBJ_SLACK) {
			TH_LOG("%s: %ld active objects, %ld before",
			       leak_caches[i], now, self->slab_before[i]);
		}
	}
	if (!checked && self->kb_before > 0) {
		for (int tries = 0; tries < 50; tries++) {
			settle_slabs();
			pidns_write_file("/proc/sys/vm/drop_caches", "2");
			now = meminfo_kb("SUnreclaim");
			if (now <= self->kb_before + LEAK_KB_SLACK)
				break;
		}
		EXPECT_LE(now, self->kb_before + LEAK_KB_SLACK) {
			TH_LOG("SUnreclaim %ld kB, %ld kB before", now,
			       self->kb_before);
		}
	}
}

TEST_HARNESS_MAIN
