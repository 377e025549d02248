// SPDX-License-Identifier: GPL-2.0
/*
 * Creating and entering pid namespaces: unshare(), setns() by nsfs fd and
 * by pidfd, invalid clone flag combinations, clone3() set_tid, the
 * ns_last_pid sysctl, the max_pid_namespaces limit, and what an
 * unprivileged user may do.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <linux/userfaultfd.h>

#include "pidns_util.h"
#include "../kselftest_harness.h"

/* Readlink /proc/self/ns/<name> into buf. */
static int ns_link(const char *name, char *buf, size_t size)
{
	char path[64];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
	len = readlink(path, buf, size - 1);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	return 0;
}

/* An init that waits for EOF on @hold, then exits. */
static pid_t hold_init(int hold[2])
{
	pid_t pid;

	if (pidns_pipe(hold))
		return -1;
	pid = pidns_fork_idle_init(hold);
	close(hold[0]);
	return pid;
}

/*
 * Enter a new user namespace in which we are root (uid/gid 0 mapped to
 * our own ids), so that per-user-namespace settings can be changed without
 * touching the system.
 */
static int enter_userns_as_root(void)
{
	char map[32];
	uid_t uid = geteuid();
	gid_t gid = getegid();

	if (unshare(CLONE_NEWUSER))
		return -1;
	pidns_write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1\n", uid);
	if (pidns_write_file("/proc/self/uid_map", map))
		return -1;
	snprintf(map, sizeof(map), "0 %u 1\n", gid);
	return pidns_write_file("/proc/self/gid_map", map);
}

/* ---- unshare() -------------------------------------------------------- */

/* The caller keeps its pid and its namespace. */
TEST(unshare_caller_keeps_pid_and_ns)
{
	char pid_before[64], pid_after[64], children[64];
	pid_t me = getpid();

	PIDNS_REQUIRE();
	ASSERT_EQ(0, ns_link("pid", pid_before, sizeof(pid_before)));
	ASSERT_EQ(0, ns_link("pid_for_children", children, sizeof(children)));
	EXPECT_STREQ(pid_before, children);
	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	EXPECT_EQ(me, getpid());
	EXPECT_EQ(me, sys_getpid());
	ASSERT_EQ(0, ns_link("pid", pid_after, sizeof(pid_after)));
	EXPECT_STREQ(pid_before, pid_after);
}

/*
 * pid_for_children names the new namespace as soon as unshare() made it,
 * before it has an init: readlink() resolves and open() works (upstream's
 * rule since "setns into a pid namespace before it has an init", queued
 * after 7.0 for CRIU; 6.12 gave ENOENT until the first child existed).
 * It is the namespace the first child then lands in, and not ours.
 */
TEST(pid_for_children_before_first_child)
{
	char own[64], before[64], after[64], path[64], link[64];
	int hold[2], fd;
	struct stat st;
	ssize_t len;
	pid_t c;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(hold));
	ASSERT_EQ(0, ns_link("pid", own, sizeof(own)));
	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	ASSERT_EQ(0, ns_link("pid_for_children", before, sizeof(before))) {
		TH_LOG("readlink of pid_for_children before the init: %s",
		       strerror(errno));
	}
	EXPECT_STRNE(own, before);
	EXPECT_EQ(0, strncmp(before, "pid:[", 5));
	fd = open("/proc/self/ns/pid_for_children", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(CLONE_NEWPID, ioctl(fd, NS_GET_NSTYPE));

	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		if (getpid() != 1)
			_exit(1);
		pidns_idle_until_released(hold);
	}
	ASSERT_EQ(0, ns_link("pid_for_children", after, sizeof(after)));
	EXPECT_STREQ(before, after);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", c);
	len = readlink(path, link, sizeof(link) - 1);
	ASSERT_GT(len, 0);
	link[len] = '\0';
	EXPECT_STREQ(before, link);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(st.st_ino, pidns_fd_ino(fd));
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(c));
}

/* The first child after unshare() is init (1) of the new namespace... */
TEST(unshare_first_child_is_init)
{
	pid_t c;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0)
		_exit(getpid() == 1 && getppid() == 0 ? 0 : 1);
	EXPECT_NE(1, c);
	EXPECT_EQ(0, pidns_wait_status(c));
}

/* ...and later children join it as ordinary members with parent 0. */
TEST(unshare_later_children_join_ns)
{
	int res[2], hold[2], v = -1;
	pid_t init, c;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(res));
	ASSERT_EQ(0, pidns_pipe(hold));
	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	init = fork();
	ASSERT_GE(init, 0);
	if (init == 0)
		pidns_idle_until_released(hold);
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pidns_send_int(res[1], getpid());
		pidns_send_int(res[1], getppid());
		_exit(0);
	}
	ASSERT_EQ(0, pidns_recv_int(res[0], &v));
	EXPECT_EQ(2, v);
	ASSERT_EQ(0, pidns_recv_int(res[0], &v));
	EXPECT_EQ(0, v);
	EXPECT_EQ(0, pidns_wait_status(c));
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* A second unshare() before pid_for_children was used is refused. */
TEST(unshare_twice_einval)
{
	PIDNS_REQUIRE();
	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	errno = 0;
	EXPECT_EQ(-1, unshare(CLONE_NEWPID));
	EXPECT_EQ(EINVAL, errno);
}

/*
 * After unshare() + fork() pid_for_children names the child's namespace,
 * and the child's own pid_for_children is that same namespace.
 */
TEST(pid_for_children_names_childs_ns)
{
	char children[64], path[64], link[64];
	int hold[2];
	ssize_t len;
	pid_t c;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(hold));
	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0)
		pidns_idle_until_released(hold);
	ASSERT_EQ(0, ns_link("pid_for_children", children, sizeof(children)));
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", c);
	len = readlink(path, link, sizeof(link) - 1);
	ASSERT_GT(len, 0);
	link[len] = '\0';
	EXPECT_STREQ(children, link);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid_for_children", c);
	len = readlink(path, link, sizeof(link) - 1);
	ASSERT_GT(len, 0);
	link[len] = '\0';
	EXPECT_STREQ(children, link);
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(c));
}

/* ---- setns() ---------------------------------------------------------- */

static void check_setns_child_lands_in(struct __test_metadata *_metadata,
				       pid_t init, pid_t expect)
{
	char want[64], got[64], path[64];
	int res[2], v = -1;
	ssize_t len;
	pid_t c;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", init);
	len = readlink(path, want, sizeof(want) - 1);
	ASSERT_GT(len, 0);
	want[len] = '\0';
	ASSERT_EQ(0, ns_link("pid_for_children", got, sizeof(got)));
	EXPECT_STREQ(want, got);
	/* Our own namespace did not change. */
	ASSERT_EQ(0, ns_link("pid", got, sizeof(got)));
	EXPECT_STRNE(want, got);

	ASSERT_EQ(0, pidns_pipe(res));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pidns_send_int(res[1], getpid());
		_exit(0);
	}
	ASSERT_EQ(0, pidns_recv_int(res[0], &v));
	EXPECT_EQ(expect, v);
	EXPECT_EQ(0, pidns_wait_status(c));
}

TEST(setns_nsfs_into_descendant)
{
	int hold[2], nsfd;
	pid_t init;

	PIDNS_REQUIRE();
	init = hold_init(hold);
	ASSERT_GE(init, 0);
	nsfd = pidns_open_ns(init, "pid");
	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, setns(nsfd, CLONE_NEWPID));
	check_setns_child_lands_in(_metadata, init, 2);
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

TEST(setns_nsfs_nstype_zero_accepted)
{
	int hold[2], nsfd;
	pid_t init;

	PIDNS_REQUIRE();
	init = hold_init(hold);
	ASSERT_GE(init, 0);
	nsfd = pidns_open_ns(init, "pid");
	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, setns(nsfd, 0));
	check_setns_child_lands_in(_metadata, init, 2);
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

TEST(setns_pidfd_into_descendant)
{
	int hold[2], pidfd;
	pid_t init;

	PIDNS_REQUIRE();
	init = hold_init(hold);
	ASSERT_GE(init, 0);
	pidfd = sys_pidfd_open(init, 0);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(0, setns(pidfd, CLONE_NEWPID));
	check_setns_child_lands_in(_metadata, init, 2);
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/*
 * From level L, into a level L+2 namespace and then into a level L+1 one:
 * both are descendants of the active namespace, which is what counts.
 */
TEST(setns_between_descendants)
{
	int hold[2], hold2[2], ready[2], deep_fd;
	pid_t init, helper;

	PIDNS_REQUIRE();
	init = hold_init(hold);
	ASSERT_GE(init, 0);
	ASSERT_EQ(0, pidns_pipe(hold2));
	ASSERT_EQ(0, pidns_pipe(ready));
	ASSERT_EQ(0, setns(pidns_open_ns(init, "pid"), CLONE_NEWPID));
	helper = fork();	/* pid 2 in init's namespace */
	ASSERT_GE(helper, 0);
	if (helper == 0) {
		pid_t deep;

		close(hold2[1]);
		if (unshare(CLONE_NEWPID))
			_exit(1);
		deep = fork();	/* init of the level L+2 namespace */
		if (deep == 0) {
			pidns_wait_byte(hold2[0]);
			_exit(0);
		}
		pidns_post_byte(ready[1]);
		pidns_wait_byte(hold2[0]);
		pidns_wait_status(deep);
		_exit(0);
	}
	close(hold2[0]);
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	deep_fd = pidns_open_ns(helper, "pid_for_children");
	ASSERT_GE(deep_fd, 0);
	ASSERT_EQ(0, setns(deep_fd, CLONE_NEWPID));
	ASSERT_EQ(0, setns(pidns_open_ns(init, "pid"), CLONE_NEWPID));
	/* init is 1, helper 2, the level L+2 init 3: we get 4. */
	check_setns_child_lands_in(_metadata, init, 4);
	close(hold2[1]);
	EXPECT_EQ(0, pidns_wait_status(helper));
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* Going back to the active namespace is always allowed. */
TEST(setns_back_to_active_ns)
{
	char own[64], now[64];
	int hold[2], selffd;
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, ns_link("pid", own, sizeof(own)));
	selffd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(selffd, 0);
	init = hold_init(hold);
	ASSERT_GE(init, 0);
	ASSERT_EQ(0, setns(pidns_open_ns(init, "pid"), CLONE_NEWPID));
	ASSERT_EQ(0, setns(selffd, CLONE_NEWPID));
	ASSERT_EQ(0, ns_link("pid_for_children", now, sizeof(now)));
	EXPECT_STREQ(own, now);
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* An ancestor namespace, by nsfs fd or by pidfd, is refused. */
TEST(setns_into_ancestor_einval)
{
	int ancestor_fd, ancestor_pidfd;
	pid_t init;

	PIDNS_REQUIRE();
	ancestor_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(ancestor_fd, 0);
	ancestor_pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(ancestor_pidfd, 0);
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		CHILD_CHECK_ERR(setns(ancestor_fd, CLONE_NEWPID), EINVAL);
		CHILD_CHECK_ERR(setns(ancestor_pidfd, CLONE_NEWPID), EINVAL);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* A sibling namespace, by nsfs fd or by pidfd, is refused. */
TEST(setns_into_sibling_einval)
{
	int hold[2], sib_fd, sib_pidfd;
	pid_t sibling, init;

	PIDNS_REQUIRE();
	sibling = hold_init(hold);
	ASSERT_GE(sibling, 0);
	sib_fd = pidns_open_ns(sibling, "pid");
	ASSERT_GE(sib_fd, 0);
	sib_pidfd = sys_pidfd_open(sibling, 0);
	ASSERT_GE(sib_pidfd, 0);
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		CHILD_CHECK_ERR(setns(sib_fd, CLONE_NEWPID), EINVAL);
		CHILD_CHECK_ERR(setns(sib_pidfd, CLONE_NEWPID), EINVAL);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(sibling));
}

/*
 * setns() is judged against the active namespace, not pid_for_children:
 * after moving into child namespace a, its sibling b is still reachable.
 */
TEST(setns_judged_against_active_ns)
{
	int hold_a[2], hold_b[2];
	pid_t a, b;

	PIDNS_REQUIRE();
	a = hold_init(hold_a);
	ASSERT_GE(a, 0);
	b = hold_init(hold_b);
	ASSERT_GE(b, 0);
	/* a and b are siblings, both children of our active namespace. */
	ASSERT_EQ(0, setns(pidns_open_ns(a, "pid"), CLONE_NEWPID));
	ASSERT_EQ(0, setns(pidns_open_ns(b, "pid"), CLONE_NEWPID));
	check_setns_child_lands_in(_metadata, b, 2);
	close(hold_a[1]);
	close(hold_b[1]);
	EXPECT_EQ(0, pidns_wait_status(a));
	EXPECT_EQ(0, pidns_wait_status(b));
}

TEST(setns_wrong_nstype_einval)
{
	int pidns_fd, netns_fd;

	PIDNS_REQUIRE();
	pidns_fd = open("/proc/self/ns/pid", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(pidns_fd, 0);
	errno = 0;
	EXPECT_EQ(-1, setns(pidns_fd, CLONE_NEWNET));
	EXPECT_EQ(EINVAL, errno);
	netns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (netns_fd < 0)
		SKIP(return, "no net namespace file");
	errno = 0;
	EXPECT_EQ(-1, setns(netns_fd, CLONE_NEWPID));
	EXPECT_EQ(EINVAL, errno);
}

/* ---- invalid clone combinations ------------------------------------- */

static int thread_fn(void *arg)
{
	return 0;
}

static int try_clone_thread(unsigned long flags)
{
	size_t size = 64 * 1024;
	char *stack = malloc(size);	/* malloc() alignment suits a stack */

	if (!stack)
		return -1;
	return clone(thread_fn, stack + size, flags, NULL);
}

#define THREAD_FLAGS (CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | \
		      CLONE_THREAD | CLONE_SYSVSEM)

/* A thread cannot live in another pid namespace than its group. */
TEST(clone_newpid_thread_einval)
{
	PIDNS_REQUIRE();
	errno = 0;
	EXPECT_EQ(-1, try_clone_thread(THREAD_FLAGS | CLONE_NEWPID));
	EXPECT_EQ(EINVAL, errno);
}

TEST(clone3_newpid_thread_einval)
{
	struct pidns_clone_args args = {
		.flags = CLONE_NEWPID | CLONE_THREAD | CLONE_SIGHAND | CLONE_VM,
	};
	static char stack[64 * 1024];

	PIDNS_REQUIRE();
	args.stack = ptr_to_u64(stack);
	args.stack_size = sizeof(stack);
	errno = 0;
	EXPECT_EQ(-1, sys_clone3(&args, sizeof(args)));
	EXPECT_EQ(EINVAL, errno);
}

/* Nor can it be created after unshare(CLONE_NEWPID) moved pid_for_children. */
TEST(thread_after_unshare_einval)
{
	pthread_t t;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, unshare(CLONE_NEWPID));
	errno = 0;
	EXPECT_EQ(-1, try_clone_thread(THREAD_FLAGS));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(EINVAL, pthread_create(&t, NULL, (void *(*)(void *))thread_fn,
					 NULL));
}

/* Likewise after setns() into a descendant. */
TEST(thread_after_setns_einval)
{
	int hold[2];
	pid_t init;

	PIDNS_REQUIRE();
	init = hold_init(hold);
	ASSERT_GE(init, 0);
	ASSERT_EQ(0, setns(pidns_open_ns(init, "pid"), CLONE_NEWPID));
	errno = 0;
	EXPECT_EQ(-1, try_clone_thread(THREAD_FLAGS));
	EXPECT_EQ(EINVAL, errno);
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* A namespace init may not create siblings (CLONE_PARENT)... */
TEST(clone_parent_from_ns_init_einval)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		struct pidns_clone_args args = {
			.flags = CLONE_PARENT,
		};
		pid_t c;

		c = sys_clone_flags(CLONE_PARENT | SIGCHLD);
		if (c == 0)
			_exit(0);
		CHILD_CHECK(c == -1 && errno == EINVAL);
		c = sys_clone3(&args, sizeof(args));
		if (c == 0)
			_exit(0);
		CHILD_CHECK(c == -1 && errno == EINVAL);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ...but any other member may: the new task becomes init's child. */
TEST(clone_parent_from_ns_member_ok)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		siginfo_t info;
		pid_t c = fork();

		if (c == 0) {
			pid_t g = sys_clone_flags(CLONE_PARENT | SIGCHLD);

			if (g == 0)
				_exit(sys_getppid() == 1 ? 42 : 1);
			_exit(g == 3 ? 0 : 1);
		}
		CHILD_CHECK(pidns_wait_status(c) == 0);
		memset(&info, 0, sizeof(info));
		CHILD_CHECK(sys_waitid(P_PID, 3, &info, WEXITED, NULL) == 0);
		CHILD_CHECK(info.si_status == 42);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- clone3() set_tid ------------------------------------------------- */

/* Inside a fresh namespace we own the whole number space. */
TEST(set_tid_in_own_ns)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		pid_t tid[1] = { 50 }, c;

		c = clone3_set_tid(0, tid, 1);
		if (c == 0)
			_exit(sys_getpid() == 50 ? 0 : 1);
		CHILD_CHECK(c == 50);
		CHILD_CHECK(pidns_wait_status(c) == 0);
		/* An explicit number does not move the allocation cursor. */
		c = fork();
		if (c == 0)
			_exit(0);
		CHILD_CHECK(c == 2);
		CHILD_CHECK(pidns_wait_status(c) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

TEST(set_tid_taken_eexist)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		pid_t tid[1] = { 1 }, c;

		c = clone3_set_tid(0, tid, 1);
		if (c == 0)
			_exit(0);
		CHILD_CHECK(c == -1 && errno == EEXIST);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* The init of a new namespace can only be 1... */
TEST(set_tid_newpid_requires_1)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		pid_t tid[1] = { 5 }, c;

		c = clone3_set_tid(CLONE_NEWPID, tid, 1);
		if (c == 0)
			_exit(0);
		CHILD_CHECK(c == -1 && errno == EINVAL);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ...and with set_tid = {1, n} it also gets n one level up. */
TEST(set_tid_newpid_two_levels)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		pid_t tid[2] = { 1, 42 }, c;

		c = clone3_set_tid(CLONE_NEWPID, tid, 2);
		if (c == 0)
			_exit(sys_getpid() == 1 ? 0 : 1);
		CHILD_CHECK(c == 42);
		CHILD_CHECK(pidns_wait_status(c) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/*
 * Every level at once: from the init of a level-(L+2) namespace create a
 * level-(L+3) init with numbers 1, 77, 88 at levels L+3, L+2, L+1, and
 * check them in the NSpid line of a level-(L+1) proc.
 */
TEST(set_tid_every_level)
{
	pid_t a;

	PIDNS_REQUIRE();
	a = pidns_fork();
	ASSERT_GE(a, 0);
	if (a == 0) {
		int procfd_a = pidns_proc_open();
		pid_t b;

		CHILD_CHECK(procfd_a >= 0);
		b = pidns_fork();
		CHILD_CHECK(b >= 0);
		if (b == 0) {
			pid_t tid[3] = { 1, 77, 88 }, c;
			int sync[2];
			long nspid[4];

			CHILD_CHECK(pipe(sync) == 0);
			c = clone3_set_tid(CLONE_NEWPID, tid, 3);
			if (c == 0) {
				close(sync[1]);
				pidns_wait_byte(sync[0]);
				_exit(sys_getpid() == 1 ? 0 : 1);
			}
			CHILD_CHECK(c == 77);
			CHILD_CHECK(pidns_status_field(procfd_a, 88, "NSpid",
						       nspid, 4) == 3);
			CHILD_CHECK(nspid[0] == 88 && nspid[1] == 77 &&
				    nspid[2] == 1);
			close(sync[1]);
			CHILD_CHECK(pidns_wait_status(c) == 0);
			_exit(0);
		}
		CHILD_CHECK(pidns_wait_status(b) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(a));
}

/* set_tid_size may not exceed the levels the new task will have. */
TEST(set_tid_size_beyond_levels_einval)
{
	pid_t init;
	int level;

	PIDNS_REQUIRE();
	level = pidns_level();
	ASSERT_GE(level, 0);
	if (level + 3 > PIDNS_MAX_LEVEL)
		SKIP(return, "nested too deep");
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		/* We are at level+1: a child has level+2 numbers. */
		pid_t tid[PIDNS_MAX_LEVEL] = { 0 }, c;

		for (int i = 0; i < PIDNS_MAX_LEVEL; i++)
			tid[i] = 300 + i;
		c = clone3_set_tid(0, tid, level + 3);
		if (c == 0)
			_exit(0);
		CHILD_CHECK(c == -1 && errno == EINVAL);
		tid[0] = 1;
		c = clone3_set_tid(CLONE_NEWPID, tid, level + 4);
		if (c == 0)
			_exit(0);
		CHILD_CHECK(c == -1 && errno == EINVAL);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

TEST(set_tid_size_over_max_einval)
{
	pid_t tid[PIDNS_MAX_LEVEL + 1], c;

	PIDNS_REQUIRE();
	for (int i = 0; i <= PIDNS_MAX_LEVEL; i++)
		tid[i] = 1;
	c = clone3_set_tid(CLONE_NEWPID, tid, PIDNS_MAX_LEVEL + 1);
	if (c == 0)
		_exit(0);
	EXPECT_EQ(-1, c);
	EXPECT_EQ(EINVAL, errno);
}

TEST(set_tid_pointer_size_mismatch_einval)
{
	struct pidns_clone_args args = {
		.exit_signal = SIGCHLD,
		.set_tid_size = 1,
	};
	pid_t tid[1] = { 1 }, c;

	PIDNS_REQUIRE();
	c = sys_clone3(&args, sizeof(args));
	if (c == 0)
		_exit(0);
	EXPECT_EQ(-1, c);
	EXPECT_EQ(EINVAL, errno);

	args.set_tid = ptr_to_u64(tid);
	args.set_tid_size = 0;
	args.flags = CLONE_NEWPID;
	c = sys_clone3(&args, sizeof(args));
	if (c == 0)
		_exit(0);
	EXPECT_EQ(-1, c);
	EXPECT_EQ(EINVAL, errno);
}

TEST(set_tid_out_of_range_einval)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		int pid_max = pidns_read_int("/proc/sys/kernel/pid_max");
		pid_t tid[1], c;

		CHILD_CHECK(pid_max > 0);
		{
			pid_t bad[] = { 0, -1, pid_max, INT_MAX };

			for (unsigned int i = 0; i < 4; i++) {
				tid[0] = bad[i];
				c = clone3_set_tid(0, tid, 1);
				if (c == 0)
					_exit(0);
				CHILD_CHECK(c == -1 && errno == EINVAL);
			}
		}
		/* pid_max - 1 is the largest valid number. */
		tid[0] = pid_max - 1;
		c = clone3_set_tid(0, tid, 1);
		if (c == 0)
			_exit(0);
		CHILD_CHECK(c == pid_max - 1);
		CHILD_CHECK(pidns_wait_status(c) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* A pre-set_tid clone_args size just ignores the set_tid fields. */
TEST(set_tid_ignored_with_ver0_size)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		pid_t tid[1] = { 60 }, c;
		struct pidns_clone_args args = {
			.exit_signal = SIGCHLD,
			.set_tid = ptr_to_u64(tid),
			.set_tid_size = 1,
		};

		c = sys_clone3(&args, PIDNS_CLONE_ARGS_SIZE_VER0);
		if (c == 0)
			_exit(0);
		CHILD_CHECK(c == 2);
		CHILD_CHECK(pidns_wait_status(c) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* Without CAP_CHECKPOINT_RESTORE (and CAP_SYS_ADMIN): EPERM. */
TEST(set_tid_without_cap_eperm)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		int caps[] = { CAP_SYS_ADMIN_BIT, CAP_CHECKPOINT_RESTORE_BIT };
		pid_t tid[1] = { 50 }, c;

		CHILD_CHECK(pidns_drop_caps(caps, 2) == 0);
		c = clone3_set_tid(0, tid, 1);
		if (c == 0)
			_exit(0);
		CHILD_CHECK(c == -1 && errno == EPERM);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* CAP_CHECKPOINT_RESTORE alone is enough. */
TEST(set_tid_with_checkpoint_restore_only)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		int caps[] = { CAP_SYS_ADMIN_BIT };
		pid_t tid[1] = { 50 }, c;

		CHILD_CHECK(pidns_drop_caps(caps, 1) == 0);
		c = clone3_set_tid(0, tid, 1);
		if (c == 0)
			_exit(0);
		CHILD_CHECK(c == 50);
		CHILD_CHECK(pidns_wait_status(c) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/*
 * The capability is needed in the user namespace owning each level set:
 * root of a child user namespace may choose numbers in a pid namespace it
 * owns, not in the parent one owned by the initial user namespace.
 */
TEST(set_tid_needs_cap_in_owning_userns)
{
	pid_t c;

	PIDNS_REQUIRE();
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pid_t init;

		if (enter_userns_as_root())
			_exit(4);
		init = pidns_fork();
		CHILD_CHECK(init >= 0);
		if (init == 0) {
			pid_t tid[2] = { 50, 3000 }, g;

			g = clone3_set_tid(0, tid, 1);
			if (g == 0)
				_exit(0);
			CHILD_CHECK(g == 50);
			CHILD_CHECK(pidns_wait_status(g) == 0);
			tid[0] = 51;
			g = clone3_set_tid(0, tid, 2);
			if (g == 0)
				_exit(0);
			CHILD_CHECK(g == -1 && errno == EPERM);
			_exit(0);
		}
		_exit(pidns_wait_status(init));
	}
	c = pidns_wait_status(c);
	if (c == 4)
		SKIP(return, "cannot create a user namespace");
	EXPECT_EQ(0, c);
}

/* ---- ns_last_pid ------------------------------------------------------ */

#define NS_LAST_PID "/proc/sys/kernel/ns_last_pid"

static int read_ns_last_pid(void)
{
	return pidns_read_int(NS_LAST_PID);
}

/* It reads the caller's namespace's last allocated number. */
TEST(ns_last_pid_reads_callers_ns)
{
	pid_t init;

	PIDNS_REQUIRE();
	if (access(NS_LAST_PID, F_OK))
		SKIP(return, "no ns_last_pid (CONFIG_CHECKPOINT_RESTORE=n)");
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		pid_t c;

		CHILD_CHECK(read_ns_last_pid() == 1);
		c = fork();
		if (c == 0)
			_exit(0);
		CHILD_CHECK(read_ns_last_pid() == 2);
		CHILD_CHECK(pidns_wait_status(c) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* Writing n makes the next process n + 1. */
TEST(ns_last_pid_write_sets_next)
{
	pid_t init;

	PIDNS_REQUIRE();
	if (access(NS_LAST_PID, F_OK))
		SKIP(return, "no ns_last_pid (CONFIG_CHECKPOINT_RESTORE=n)");
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		pid_t c;

		CHILD_CHECK(pidns_write_file(NS_LAST_PID, "99") == 0);
		CHILD_CHECK(read_ns_last_pid() == 99);
		c = fork();
		if (c == 0)
			_exit(getpid() == 100 ? 0 : 1);
		CHILD_CHECK(c == 100);
		CHILD_CHECK(pidns_wait_status(c) == 0);
		CHILD_CHECK(read_ns_last_pid() == 100);
		/* Going back below a used number is fine too. */
		CHILD_CHECK(pidns_write_file(NS_LAST_PID, "9") == 0);
		c = fork();
		if (c == 0)
			_exit(0);
		CHILD_CHECK(c == 10);
		CHILD_CHECK(pidns_wait_status(c) == 0);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* A write in one namespace does not move another's cursor. */
TEST(ns_last_pid_per_namespace)
{
	int res[2], v = -1;
	pid_t a, b;

	PIDNS_REQUIRE();
	if (access(NS_LAST_PID, F_OK))
		SKIP(return, "no ns_last_pid (CONFIG_CHECKPOINT_RESTORE=n)");
	ASSERT_EQ(0, pidns_pipe(res));
	a = pidns_fork();
	ASSERT_GE(a, 0);
	if (a == 0)
		_exit(pidns_write_file(NS_LAST_PID, "500") ? 1 : 0);
	ASSERT_EQ(0, pidns_wait_status(a));
	b = pidns_fork();
	ASSERT_GE(b, 0);
	if (b == 0) {
		pidns_send_int(res[1], read_ns_last_pid());
		_exit(0);
	}
	ASSERT_EQ(0, pidns_recv_int(res[0], &v));
	EXPECT_EQ(1, v);
	EXPECT_EQ(0, pidns_wait_status(b));
	EXPECT_NE(500, read_ns_last_pid());
}

TEST(ns_last_pid_write_out_of_range_einval)
{
	pid_t init;

	PIDNS_REQUIRE();
	if (access(NS_LAST_PID, F_OK))
		SKIP(return, "no ns_last_pid (CONFIG_CHECKPOINT_RESTORE=n)");
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		char buf[32];
		int fd;

		fd = open(NS_LAST_PID, O_WRONLY);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK_ERR(write(fd, "-1", 2), EINVAL);
		close(fd);
		CHILD_CHECK(pidns_read_file_at(AT_FDCWD,
					       "/proc/sys/kernel/pid_max",
					       buf, sizeof(buf)) > 0);
		snprintf(buf, sizeof(buf), "%d", atoi(buf) + 1);
		fd = open(NS_LAST_PID, O_WRONLY);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK_ERR(write(fd, buf, strlen(buf)), EINVAL);
		close(fd);
		CHILD_CHECK(read_ns_last_pid() == 1);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* The file is world-writable but the write needs the capability. */
TEST(ns_last_pid_write_without_cap_eperm)
{
	pid_t init;

	PIDNS_REQUIRE();
	if (access(NS_LAST_PID, F_OK))
		SKIP(return, "no ns_last_pid (CONFIG_CHECKPOINT_RESTORE=n)");
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		int caps[] = { CAP_SYS_ADMIN_BIT, CAP_CHECKPOINT_RESTORE_BIT };
		int fd;

		CHILD_CHECK(pidns_drop_caps(caps, 2) == 0);
		fd = open(NS_LAST_PID, O_WRONLY);
		CHILD_CHECK(fd >= 0);
		CHILD_CHECK_ERR(write(fd, "99", 2), EPERM);
		CHILD_CHECK(read_ns_last_pid() == 1);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- setns() into a namespace before it has an init ----------------- */

/*
 * Upstream's rule (queued after 7.0, for CRIU restoring nested user and
 * pid namespaces; upstream's test is pid_namespace/pidns_init_via_setns):
 * after a task has called unshare(CLONE_NEWPID) and before it forks,
 * another task may open its /proc/PID/ns/pid_for_children, setns() into
 * it and fork; that child is the namespace's init: 1, getppid() 0, the
 * reaper of orphans.  Also with clone3() set_tid {1, N} (1 in the new
 * namespace, N in its parent), and also when the namespace's owning user
 * namespace is not the parent's.
 *
 * What this implies for the task that unshared: a namespace has one init,
 * made by the first fork into it from any task whose pid_for_children it
 * is.  Once the entered task's child is the init, a fork by the unsharer
 * is an ordinary member: the next number (2: set_tid does not move the
 * allocation cursor, and 1 is taken), getppid() 0 as its parent is
 * outside.  The other way round, if the unsharer forks first, its child
 * is the init and the entered task's child is the member.
 */

/* Numbers a child reports: its getpid() and getppid(). */
struct ids {
	int pid;
	int ppid;
};

/* Pipes between the test, the unsharer and the init of fixture noinit. */
struct noinit_pipes {
	int cmd[2], res[2];	/* to the unsharer, and its answers */
	int icmd[2], ires[2];	/* the same for the init */
	int hold[2];		/* members idle until EOF on it */
};

FIXTURE(noinit) {
	struct noinit_pipes p;
	pid_t unsharer, init;
	int nsfd;		/* the unsharer's pid_for_children */
	pid_t set_tid_outer;	/* the init's number here with set_tid */
	int sh_pid, sh_ppid;	/* what the init reported */
	int procfd;
};

FIXTURE_VARIANT(noinit) {
	bool other_userns;	/* the unsharer makes a user namespace first */
	bool set_tid;		/* the init by clone3() set_tid {1, N} */
};

FIXTURE_VARIANT_ADD(noinit, fork) {
	.other_userns = false,
	.set_tid = false,
};

FIXTURE_VARIANT_ADD(noinit, fork_other_userns) {
	.other_userns = true,
	.set_tid = false,
};

FIXTURE_VARIANT_ADD(noinit, set_tid) {
	.other_userns = false,
	.set_tid = true,
};

FIXTURE_VARIANT_ADD(noinit, set_tid_other_userns) {
	.other_userns = true,
	.set_tid = true,
};

/*
 * The init made by the entered test: report getpid(), getppid(); then,
 * per byte from the test, prove that it reaps an orphan; EOF ends it.
 * Only plain system calls, as it may come from a raw clone3().
 */
static __noreturn void noinit_init(struct noinit_pipes *p)
{
	struct ids me = { sys_getpid(), sys_getppid() };
	int *icmd = p->icmd, *ires = p->ires;
	char c;

	close(icmd[1]);
	close(ires[0]);
	close(p->cmd[1]);
	close(p->hold[1]);
	pidns_write_all(ires[1], &me, sizeof(me));
	while (pidns_read_all(icmd[0], &c, 1) == 1) {
		int gp[2], st = -1, ok;
		pid_t mid, got;

		if (pipe2(gp, O_CLOEXEC))
			_exit(PIDNS_CHILD_FAIL);
		mid = sys_clone_flags(SIGCHLD);
		if (mid == 0) {
			pid_t g = sys_clone_flags(SIGCHLD);

			if (g == 0) {
				close(gp[1]);
				pidns_wait_byte(gp[0]);
				_exit(sys_getppid() == 1 ? 0 : 1);
			}
			_exit(g > 0 ? 0 : 1);
		}
		close(gp[0]);
		/* The middle one is gone: its child is an orphan now. */
		ok = mid > 0 && waitpid(mid, &st, 0) == mid && st == 0;
		pidns_post_byte(gp[1]);
		close(gp[1]);
		got = waitpid(-1, &st, 0);
		ok = ok && got > 0 && got != mid && WIFEXITED(st) &&
		     WEXITSTATUS(st) == 0;
		pidns_send_int(ires[1], ok ? 0 : -1);
	}
	_exit(0);
}

/*
 * The unsharer: unshare(CLONE_NEWPID) (in a user namespace of its own
 * first for other_userns), say so, then fork a member per byte from the
 * test, which reports its ids and idles; EOF ends it.
 */
static __noreturn void noinit_unsharer(struct noinit_pipes *p,
				       bool other_userns)
{
	char c;

	close(p->cmd[1]);
	close(p->res[0]);
	close(p->icmd[1]);
	close(p->hold[1]);
	if (other_userns && enter_userns_as_root())
		_exit(KSFT_SKIP);
	if (unshare(CLONE_NEWPID))
		_exit(PIDNS_CHILD_FAIL);
	pidns_post_byte(p->res[1]);
	while (pidns_read_all(p->cmd[0], &c, 1) == 1) {
		pid_t m = fork();

		if (m == 0) {
			struct ids me = { getpid(), getppid() };

			pidns_write_all(p->res[1], &me, sizeof(me));
			pidns_idle_until_released(p->hold);
		}
		if (m < 0)
			_exit(PIDNS_CHILD_FAIL);
	}
	while (wait(NULL) > 0)
		;
	_exit(0);
}

/* A number free in the test's namespace, for set_tid; -1 if none. */
static pid_t free_outer_number(void)
{
	int max = pidns_read_int("/proc/sys/kernel/pid_max");

	for (pid_t nr = max - 1; nr > 300; nr--)
		if (kill(nr, 0) == -1 && errno == ESRCH)
			return nr;
	return -1;
}

FIXTURE_SETUP(noinit)
{
	struct ids got;
	int st, open_err;

	PIDNS_REQUIRE();
	self->init = -1;
	self->procfd = pidns_proc_open();
	ASSERT_GE(self->procfd, 0);
	ASSERT_EQ(0, pidns_pipe(self->p.cmd));
	ASSERT_EQ(0, pidns_pipe(self->p.res));
	ASSERT_EQ(0, pidns_pipe(self->p.icmd));
	ASSERT_EQ(0, pidns_pipe(self->p.ires));
	ASSERT_EQ(0, pidns_pipe(self->p.hold));
	self->unsharer = fork();
	ASSERT_GE(self->unsharer, 0);
	if (self->unsharer == 0)
		noinit_unsharer(&self->p, variant->other_userns);
	close(self->p.cmd[0]);
	close(self->p.res[1]);
	if (!pidns_wait_byte(self->p.res[0])) {
		st = pidns_wait_status(self->unsharer);
		self->unsharer = -1;
		if (st == KSFT_SKIP)
			SKIP(return, "cannot make a user namespace");
		ASSERT_EQ(0, st);
	}

	self->nsfd = pidns_open_ns(self->unsharer, "pid_for_children");
	open_err = errno;
	ASSERT_GE(self->nsfd, 0) {
		TH_LOG("open pid_for_children before the init: %s",
		       strerror(open_err));
	}
	if (variant->other_userns) {
		int owner = ioctl(self->nsfd, NS_GET_USERNS);
		int mine = open("/proc/self/ns/user", O_RDONLY | O_CLOEXEC);

		ASSERT_GE(owner, 0);
		ASSERT_GE(mine, 0);
		ASSERT_NE(pidns_fd_ino(mine), pidns_fd_ino(owner));
	}

	/* Enter it, and make its init. */
	ASSERT_EQ(0, setns(self->nsfd, CLONE_NEWPID));
	if (variant->set_tid) {
		pid_t tids[2] = { 1, free_outer_number() };

		ASSERT_GT(tids[1], 0);
		self->set_tid_outer = tids[1];
		self->init = clone3_set_tid(0, tids, 2);
	} else {
		self->init = fork();
	}
	ASSERT_GE(self->init, 0) {
		TH_LOG("first fork after setns(): %s", strerror(errno));
	}
	if (self->init == 0) {
		if (!variant->set_tid)
			prctl(PR_SET_PDEATHSIG, SIGKILL);
		noinit_init(&self->p);
	}
	close(self->p.icmd[0]);
	close(self->p.ires[1]);
	ASSERT_EQ(sizeof(got), pidns_read_all(self->p.ires[0], &got,
					      sizeof(got)));
	self->sh_pid = got.pid;
	self->sh_ppid = got.ppid;
}

FIXTURE_TEARDOWN(noinit)
{
	close(self->p.hold[1]);
	close(self->p.cmd[1]);
	close(self->p.icmd[1]);
	if (self->unsharer > 0)
		pidns_wait_status(self->unsharer);
	if (self->init > 0)
		pidns_wait_status(self->init);
}

/* The first child of the entered task is 1 there, parent 0, NSpid N 1. */
TEST_F(noinit, entered_child_is_init)
{
	long nspid[PIDNS_MAX_LEVEL + 2];
	char path[64];
	struct stat st;
	int n;

	EXPECT_EQ(1, self->sh_pid);
	EXPECT_EQ(0, self->sh_ppid);
	if (variant->set_tid)
		EXPECT_EQ(self->set_tid_outer, self->init);
	n = pidns_status_field(self->procfd, self->init, "NSpid", nspid,
			       PIDNS_MAX_LEVEL + 2);
	ASSERT_GE(n, 2);
	EXPECT_EQ(self->init, nspid[0]);
	EXPECT_EQ(1, nspid[n - 1]);
	snprintf(path, sizeof(path), "/proc/%d/ns/pid", self->init);
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(pidns_fd_ino(self->nsfd), st.st_ino);
}

/* It is the namespace's reaper: an orphan made inside goes to it. */
TEST_F(noinit, entered_init_reaps_orphans)
{
	int v = -1;

	ASSERT_EQ(0, pidns_post_byte(self->p.icmd[1]));
	ASSERT_EQ(0, pidns_recv_int(self->p.ires[0], &v));
	EXPECT_EQ(0, v);
}

/*
 * With the init there, the unsharer's own later fork is not 1 but the
 * next number, 2, with parent 0 (the unsharer is outside).
 */
TEST_F(noinit, unsharer_later_fork_is_member)
{
	long nspid[PIDNS_MAX_LEVEL + 2];
	struct ids got;
	int n;

	ASSERT_EQ(0, pidns_post_byte(self->p.cmd[1]));
	ASSERT_EQ(sizeof(got), pidns_read_all(self->p.res[0], &got,
					      sizeof(got)));
	EXPECT_EQ(2, got.pid);
	EXPECT_EQ(0, got.ppid);
	/* Still the init's namespace: 1 is the init, alive. */
	n = pidns_status_field(self->procfd, self->init, "NSpid", nspid,
			       PIDNS_MAX_LEVEL + 2);
	ASSERT_GE(n, 2);
	EXPECT_EQ(1, nspid[n - 1]);
}

/*
 * The other order: the test has entered, but the unsharer forks first;
 * its child is the init, and the entered test's child is number 2.
 */
TEST(noinit_unsharer_forks_first)
{
	int res[2], hold[2], nsfd, go[2], open_err;
	struct ids got;
	pid_t u, c;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(res));
	ASSERT_EQ(0, pidns_pipe(hold));
	ASSERT_EQ(0, pidns_pipe(go));
	u = fork();
	ASSERT_GE(u, 0);
	if (u == 0) {
		pid_t init;

		close(go[1]);
		close(hold[1]);
		CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
		pidns_post_byte(res[1]);
		CHILD_CHECK(pidns_wait_byte(go[0]));
		init = fork();
		if (init == 0) {
			struct ids me = { getpid(), getppid() };

			pidns_write_all(res[1], &me, sizeof(me));
			pidns_wait_byte(hold[0]);
			_exit(0);
		}
		CHILD_CHECK(init > 0);
		_exit(pidns_wait_status(init));
	}
	close(go[0]);
	ASSERT_TRUE(pidns_wait_byte(res[0]));
	nsfd = pidns_open_ns(u, "pid_for_children");
	open_err = errno;
	ASSERT_GE(nsfd, 0) {
		TH_LOG("open pid_for_children before the init: %s",
		       strerror(open_err));
	}
	ASSERT_EQ(0, setns(nsfd, CLONE_NEWPID));
	ASSERT_EQ(0, pidns_post_byte(go[1]));
	ASSERT_EQ(sizeof(got), pidns_read_all(res[0], &got, sizeof(got)));
	EXPECT_EQ(1, got.pid);
	EXPECT_EQ(0, got.ppid);
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0)
		_exit(getpid() == 2 && getppid() == 0 ? 0 : 1);
	EXPECT_EQ(0, pidns_wait_status(c));
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(u));
}

/*
 * An fd is enough to keep such a namespace: after the unsharer exited
 * without ever forking, a task that enters by the fd still makes its init.
 */
TEST(noinit_fd_outlives_unsharer)
{
	int ready[2], go[2], nsfd, open_err;
	pid_t u, c;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(ready));
	ASSERT_EQ(0, pidns_pipe(go));
	u = fork();
	ASSERT_GE(u, 0);
	if (u == 0) {
		close(go[1]);
		CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
		pidns_post_byte(ready[1]);
		pidns_wait_byte(go[0]);
		_exit(0);
	}
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	nsfd = pidns_open_ns(u, "pid_for_children");
	open_err = errno;
	ASSERT_GE(nsfd, 0) {
		TH_LOG("open pid_for_children before the init: %s",
		       strerror(open_err));
	}
	close(go[1]);
	ASSERT_EQ(0, pidns_wait_status(u));
	ASSERT_EQ(0, setns(nsfd, CLONE_NEWPID));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pid_t m;

		if (getpid() != 1 || getppid() != 0)
			_exit(1);
		m = fork();
		if (m == 0)
			_exit(getpid() == 2 && getppid() == 1 ? 0 : 1);
		_exit(pidns_wait_status(m) == 0 ? 0 : 2);
	}
	EXPECT_EQ(0, pidns_wait_status(c));
}

#define NOINIT_CYCLES	200
#define NOINIT_SLACK	60

/*
 * One namespace that never gets an init: made by unshare(), entered by
 * another task by its pid_for_children, left by both without a fork.
 */
static int noinit_cycle(void)
{
	int ready[2], go[2], fd, st;
	pid_t u, e;

	if (pidns_pipe(ready) || pidns_pipe(go))
		return -1;
	u = fork();
	if (u == 0) {
		close(go[1]);
		if (unshare(CLONE_NEWPID))
			_exit(1);
		pidns_post_byte(ready[1]);
		pidns_wait_byte(go[0]);
		_exit(0);
	}
	st = -1;
	if (u > 0 && pidns_wait_byte(ready[0])) {
		fd = pidns_open_ns(u, "pid_for_children");
		e = fd < 0 ? -1 : fork();
		if (e == 0)
			_exit(setns(fd, CLONE_NEWPID) ? 1 : 0);
		st = e > 0 ? pidns_wait_status(e) : -1;
		if (fd >= 0)
			close(fd);
	}
	close(go[1]);
	if (u > 0 && pidns_wait_status(u))
		st = -1;
	close(go[0]);
	close(ready[0]);
	close(ready[1]);
	return st;
}

/* @n of noinit_cycle(); 0, or -1 at the first that failed. */
static int noinit_cycles(int n)
{
	for (int i = 0; i < n; i++)
		if (noinit_cycle())
			return -1;
	return 0;
}

/*
 * The pid_namespace slab's active objects (-1 if /proc/slabinfo does not
 * list them), settled by pidns_settle_slabs() until they are at most
 * @limit or 50 tries have gone by.
 */
static long ns_slab_settled(long limit)
{
	static const char * const caches[] = { "pid_namespace" };
	long now = -1;

	for (int tries = 0; tries < 50; tries++) {
		pidns_settle_slabs(caches, 1);
		now = pidns_slab_active(caches[0]);
		if (now <= limit)
			break;
	}
	return now;
}

/*
 * If the namespace's init was never made and everyone who entered has
 * left, nothing is left of it: the pid_namespace slab's active objects
 * come back to where they were (SKIP without /proc/slabinfo).
 */
FIXTURE(noinit_leak) {
	int unused;
};

FIXTURE_SETUP(noinit_leak)
{
	PIDNS_REQUIRE();
}

FIXTURE_TEARDOWN(noinit_leak)
{
}

TEST_F_TIMEOUT(noinit_leak, nothing_leaks, 120)
{
	long before, now;

	ASSERT_EQ(0, noinit_cycles(10));
	before = ns_slab_settled(LONG_MAX);
	if (before < 0)
		SKIP(return, "no pid_namespace line in /proc/slabinfo");
	ASSERT_EQ(0, noinit_cycles(NOINIT_CYCLES));
	now = ns_slab_settled(before + NOINIT_SLACK);
	EXPECT_LE(now, before + NOINIT_SLACK) {
		TH_LOG("pid_namespace: %ld active objects, %ld before %d namespaces",
		       now, before, NOINIT_CYCLES);
	}
}

/*
 * Racing first forks: a namespace made by unshare() and never forked into
 * by its unsharer is entered by RACE_FORKERS tasks (setns() by its
 * pid_for_children), which fork at once, RACE_ROUNDS times over.  A
 * namespace without an init hands out number 1 only, so in every round
 * exactly one child is 1 (its NSpid, read from outside, ends in 1), and
 * every other fork either fails with EINVAL (upstream's answer for a
 * fork whose number would not be 1 there, "PID 1 (init) must be created
 * first") or, once the init is there,
 * makes a member: a number above 1, whose kill(1, 0) finds the init, and
 * whose own orphan is adopted by the init (getppid() 1).  The namespaces
 * go when their inits exit: the pid_namespace slab count comes back.
 */
#define RACE_ROUNDS	100
#define RACE_FORKERS	4

/* What one forker's fork gave. */
struct race_slot {
	int err;		/* fork()'s errno, 0 if it made a child */
	pid_t outer;		/* the child, by the test's numbers */
	pid_t inner;		/* its getpid() */
	pid_t ppid;		/* its getppid() */
	bool init_seen;		/* a member: kill(1, 0) found the init */
	pid_t orphan_ppid;	/* a member's orphan, adopted: its getppid() */
};

/* In MAP_SHARED memory: the start flag and the forkers' slots. */
struct race_shared {
	int go;
	struct race_slot slots[RACE_FORKERS];
};

struct race_pipes {
	int armed[2];		/* a byte per forker, in the namespace */
	int forked[2];		/* a byte per forker, its slot filled in */
	int started[2];		/* a byte per child, its slot filled in */
	int adopted[2];		/* a byte per orphan adopted */
	int hold[2];		/* the init idles until EOF */
	int hold_members[2];	/* so do the members, until they are seen */
};

/*
 * A member's orphan: once its parent has exited (PR_SET_PDEATHSIG, the
 * signal blocked and waited for, so it cannot be missed), note who
 * adopted it.
 */
static __noreturn void race_orphan(struct race_slot *slot,
				   struct race_pipes *p, pid_t parent)
{
	siginfo_t si;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	prctl(PR_SET_PDEATHSIG, SIGUSR1);
	if (sys_getppid() == parent)
		sigwaitinfo(&set, &si);
	slot->orphan_ppid = sys_getppid();
	pidns_post_byte(p->adopted[1]);
	_exit(0);
}

/* The child of a fork into the namespace: the init, or a member. */
static __noreturn void race_child(struct race_slot *slot,
				  struct race_pipes *p)
{
	sigset_t set;
	pid_t o;

	slot->inner = sys_getpid();
	slot->ppid = sys_getppid();
	if (slot->inner == 1) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p->hold_members[1]);
		pidns_post_byte(p->started[1]);
		pidns_idle_until_released(p->hold);
	}
	close(p->hold[1]);
	slot->init_seen = kill(1, 0) == 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	o = fork();
	if (o == 0) {
		close(p->hold_members[1]);
		race_orphan(slot, p, slot->inner);
	}
	if (o < 0) {
		slot->orphan_ppid = -1;
		pidns_post_byte(p->adopted[1]);
	}
	pidns_post_byte(p->started[1]);
	pidns_idle_until_released(p->hold_members);
}

/*
 * A forker: enter the namespace, say so, and fork as soon as the test
 * sets go.  The forkers spin on the flag rather than wait on a pipe, so
 * that two of them (one per CPU) enter fork() at the same moment, and
 * fast enough for the race to happen; none of them can spin for long,
 * as the test sets the flag once all are armed (and they die with it).
 */
static __noreturn void race_forker(struct race_shared *sh, int i,
				   struct race_pipes *p, int nsfd)
{
	struct race_slot *slot = &sh->slots[i];
	pid_t c;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (setns(nsfd, CLONE_NEWPID))
		_exit(PIDNS_CHILD_FAIL);
	pidns_post_byte(p->armed[1]);
	while (!__atomic_load_n(&sh->go, __ATOMIC_ACQUIRE))
		;
	c = fork();
	if (c == 0)
		race_child(slot, p);
	slot->err = c < 0 ? errno : 0;
	slot->outer = c;
	/* Only the test may hold these: it ends the round by their EOF. */
	close(p->hold[1]);
	close(p->hold_members[1]);
	pidns_post_byte(p->forked[1]);
	_exit(c < 0 ? 0 : pidns_wait_status(c));
}

static int race_pipes_open(struct race_pipes *p)
{
	int *all[] = { p->armed, p->forked, p->started, p->adopted, p->hold,
		       p->hold_members };

	for (unsigned int i = 0; i < ARRAY_SIZE(all); i++)
		if (pidns_pipe(all[i]))
			return -1;
	return 0;
}

static void race_pipes_close(struct race_pipes *p)
{
	int *all[] = { p->armed, p->forked, p->started, p->adopted, p->hold,
		       p->hold_members };

	for (unsigned int i = 0; i < ARRAY_SIZE(all); i++) {
		close(all[i][0]);
		close(all[i][1]);
	}
}

/* Read @n bytes, one per writer that reported, from @fd. */
static bool race_wait_bytes(int fd, int n)
{
	while (n--)
		if (!pidns_wait_byte(fd))
			return false;
	return true;
}

/* Counts over all rounds, printed at the end. */
struct race_counts {
	int inits, members, einval;
};

/* One round; the slots are checked by the test. */
static void race_round(struct __test_metadata *_metadata,
		       struct race_shared *sh, struct race_counts *n)
{
	struct race_slot *slots = sh->slots;
	pid_t u, f[RACE_FORKERS], init = -1;
	int ready[2], leave[2], nsfd, inits = 0, children = 0, members = 0;
	struct race_pipes p;
	long nspid[PIDNS_MAX_LEVEL + 2];
	int procfd, k, i;

	memset(sh, 0, sizeof(*sh));
	ASSERT_EQ(0, race_pipes_open(&p));
	ASSERT_EQ(0, pidns_pipe(ready));
	ASSERT_EQ(0, pidns_pipe(leave));
	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	u = fork();
	ASSERT_GE(u, 0);
	if (u == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(leave[1]);
		if (unshare(CLONE_NEWPID))
			_exit(PIDNS_CHILD_FAIL);
		pidns_post_byte(ready[1]);
		pidns_wait_byte(leave[0]);
		_exit(0);
	}
	close(leave[0]);
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	nsfd = pidns_open_ns(u, "pid_for_children");
	ASSERT_GE(nsfd, 0);
	for (i = 0; i < RACE_FORKERS; i++) {
		f[i] = fork();
		ASSERT_GE(f[i], 0);
		if (f[i] == 0)
			race_forker(sh, i, &p, nsfd);
	}
	/* The unsharer leaves: only the forkers fork into the namespace. */
	pidns_post_byte(leave[1]);
	close(leave[1]);
	EXPECT_EQ(0, pidns_wait_status(u));
	close(p.armed[1]);
	close(p.forked[1]);
	close(p.started[1]);
	close(p.adopted[1]);
	ASSERT_TRUE(race_wait_bytes(p.armed[0], RACE_FORKERS));
	__atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
	ASSERT_TRUE(race_wait_bytes(p.forked[0], RACE_FORKERS));

	for (i = 0; i < RACE_FORKERS; i++) {
		if (slots[i].err) {
			EXPECT_EQ(EINVAL, slots[i].err);
			n->einval++;
			continue;
		}
		children++;
	}
	ASSERT_TRUE(race_wait_bytes(p.started[0], children));
	for (i = 0; i < RACE_FORKERS; i++) {
		if (slots[i].err)
			continue;
		k = pidns_status_field(procfd, slots[i].outer, "NSpid", nspid,
				       PIDNS_MAX_LEVEL + 2);
		ASSERT_GE(k, 2);
		EXPECT_EQ(slots[i].outer, nspid[0]);
		EXPECT_EQ(slots[i].inner, nspid[k - 1]);
		EXPECT_EQ(0, slots[i].ppid);
		if (nspid[k - 1] == 1) {
			inits++;
			init = slots[i].outer;
			continue;
		}
		members++;
		EXPECT_GT(nspid[k - 1], 1);
		EXPECT_TRUE(slots[i].init_seen);
	}
	EXPECT_EQ(1, inits) {
		TH_LOG("%d children numbered 1 in one namespace", inits);
	}
	n->inits += inits;
	n->members += members;

	/* The members exit: their orphans go to the init. */
	close(p.hold_members[1]);
	ASSERT_TRUE(race_wait_bytes(p.adopted[0], members));
	for (i = 0; i < RACE_FORKERS; i++) {
		if (!slots[i].err && slots[i].inner != 1)
			EXPECT_EQ(1, slots[i].orphan_ppid);
	}
	if (init > 0) {
		k = pidns_status_field(procfd, init, "NSpid", nspid,
				       PIDNS_MAX_LEVEL + 2);
		EXPECT_EQ(1, nspid[k - 1]);
	}

	/* The init's exit ends the namespace: nobody can fork into it. */
	close(p.hold[1]);
	for (i = 0; i < RACE_FORKERS; i++)
		EXPECT_EQ(0, pidns_wait_status(f[i]));
	if (init > 0) {
		pid_t c = fork();

		ASSERT_GE(c, 0);
		if (c == 0) {
			CHILD_CHECK(setns(nsfd, CLONE_NEWPID) == 0);
			CHILD_CHECK_ERR(fork(), ENOMEM);
			_exit(0);
		}
		EXPECT_EQ(0, pidns_wait_status(c));
	}
	close(nsfd);
	close(procfd);
	close(ready[0]);
	close(ready[1]);
	race_pipes_close(&p);
}

FIXTURE(noinit_race) {
	struct race_shared *sh;
};

FIXTURE_SETUP(noinit_race)
{
	PIDNS_REQUIRE();
	self->sh = pidns_shared_alloc(sizeof(*self->sh));
	ASSERT_NE(NULL, self->sh);
}

FIXTURE_TEARDOWN(noinit_race)
{
}

TEST_F_TIMEOUT(noinit_race, first_forks_one_init, 240)
{
	struct race_counts n = { 0, 0, 0 };
	long before, now;

	before = ns_slab_settled(LONG_MAX);
	for (int r = 0; r < RACE_ROUNDS; r++) {
		race_round(_metadata, self->sh, &n);
		if (_metadata->exit_code) {
			TH_LOG("round %d of %d", r + 1, RACE_ROUNDS);
			break;
		}
	}
	TH_LOG("%d rounds of %d forks: %d inits, %d members, %d EINVAL",
	       RACE_ROUNDS, RACE_FORKERS, n.inits, n.members, n.einval);
	if (before < 0)
		return;
	now = ns_slab_settled(before + NOINIT_SLACK);
	EXPECT_LE(now, before + NOINIT_SLACK) {
		TH_LOG("pid_namespace: %ld active objects, %ld before %d rounds",
		       now, before, RACE_ROUNDS);
	}
}

/* ---- a fork held up while an ancestor namespace closes ---------------- */

/*
 * A task F outside a namespace P enters C, a namespace below P that has
 * no init yet (setns() on pid_for_children of P's init, which unshared
 * CLONE_NEWPID), and forks: alloc_pid() gives the child 1 in C and a
 * number in P.  If P's init exits before the child is attached, its
 * zap_pid_ns_processes() closes P and kills what it finds in P, which is
 * not the child (not attached yet) and not F (outside P).  6.12 only
 * checks that C is still open before attaching, so the child became C's
 * init with a number in the closed P, and P's init waited for it (TASK_IDLE,
 * unkillable) for as long as it lived.  The fork must fail with ENOMEM
 * instead, as any fork into a closed namespace does, and P's init then
 * finishes exiting.
 *
 * To hold the fork in that window, F asks clone3() for a pidfd stored
 * into a page registered with a userfaultfd: copy_process() writes the
 * pidfd after alloc_pid() and before it attaches the child, so the fork
 * sleeps on the page fault with its numbers taken until a thread of F
 * maps the page.
 */

/* Bound of the wait for P's init to close P: 6000 * 10 ms = 60 s. */
#define CLOSED_POLLS		6000
#define CLOSED_POLL_US		10000

/* What F tells the test over its pipe. */
enum closed_what {
	CLOSED_FAULT = 1,	/* the fork sleeps on the page fault */
	CLOSED_UNBLOCKED,	/* not resolved, the range unregistered */
	CLOSED_RESULT,		/* clone3() returned @ret, errno @err */
};

struct closed_msg {
	int what;
	int ret;
	int err;
};

/* F's page fault handler thread. */
struct closed_handler {
	int uffd;
	char *page;	/* the registered page the pidfd goes to */
	int up;		/* write end: closed_msg to the test */
	int go;		/* read end: the test's go (or EOF) */
};

/*
 * A blocking userfaultfd that also takes faults of the kernel's own
 * accesses (put_user() in copy_process()); -1 if there is none.
 */
static int closed_uffd_open(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	int fd, err;

	fd = syscall(__NR_userfaultfd, O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (ioctl(fd, UFFDIO_API, &api)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/*
 * Wait for the fork's fault, tell the test, and once it says go (or has
 * gone), map a zero page there, which lets the fork go on.
 */
static void *closed_handle_fault(void *arg)
{
	struct closed_handler *h = arg;
	struct closed_msg m = { CLOSED_FAULT, 0, 0 };
	long size = sysconf(_SC_PAGESIZE);
	struct uffdio_zeropage z = {
		.range = { .start = (uintptr_t)h->page, .len = size },
	};
	struct uffdio_range r = z.range;
	struct uffd_msg msg;
	ssize_t n;

	do {
		n = read(h->uffd, &msg, sizeof(msg));
	} while (n < 0 && errno == EINTR);
	if (n == sizeof(msg) && msg.event == UFFD_EVENT_PAGEFAULT) {
		pidns_write_all(h->up, &m, sizeof(m));
		pidns_wait_byte(h->go);
		if (!ioctl(h->uffd, UFFDIO_ZEROPAGE, &z))
			return NULL;
	}
	/*
	 * Never leave the fork asleep, or F would outlive the test:
	 * unregistering wakes the fault, which is then an ordinary one.
	 */
	m.what = CLOSED_UNBLOCKED;
	m.err = errno;
	ioctl(h->uffd, UFFDIO_UNREGISTER, &r);
	pidns_write_all(h->up, &m, sizeof(m));
	return NULL;
}

/*
 * F: enter the namespace @init's children go to, and fork into it with
 * the pidfd going to a page that is not there yet.  Reports what clone3()
 * returned; a child it made is killed and reaped first, as nothing else
 * would end it and @init waits for it.
 */
static __noreturn void closed_forker(pid_t init, int up, int go)
{
	struct pidns_clone_args args = {
		.flags = CLONE_PIDFD,
		.exit_signal = SIGCHLD,
	};
	struct closed_msg res = { CLOSED_RESULT, 0, 0 };
	long size = sysconf(_SC_PAGESIZE);
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	struct closed_handler h = { .up = up, .go = go };
	int kid[2], nsfd;
	pthread_t th;
	pid_t c;

	h.uffd = closed_uffd_open();
	CHILD_CHECK(h.uffd >= 0);
	h.page = mmap(NULL, size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHILD_CHECK(h.page != MAP_FAILED);
	reg.range.start = (uintptr_t)h.page;
	reg.range.len = size;
	CHILD_CHECK(ioctl(h.uffd, UFFDIO_REGISTER, &reg) == 0);
	CHILD_CHECK(pidns_pipe(kid) == 0);
	/* Before setns(): after it, making a thread is EINVAL. */
	CHILD_CHECK(pthread_create(&th, NULL, closed_handle_fault, &h) == 0);

	nsfd = pidns_open_ns(init, "pid_for_children");
	CHILD_CHECK(nsfd >= 0);
	CHILD_CHECK(setns(nsfd, CLONE_NEWPID) == 0);
	args.pidfd = ptr_to_u64(h.page);
	c = sys_clone3(&args, sizeof(args));
	if (c == 0) {
		/* C's init if the bug lets it be: touch nothing, just wait. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(kid[1]);
		pidns_wait_byte(kid[0]);
		_exit(0);
	}
	res.ret = c;
	res.err = c < 0 ? errno : 0;
	if (c > 0) {
		kill(c, SIGKILL);
		pidns_wait_status(c);
	}
	pidns_write_all(up, &res, sizeof(res));
	_exit(0);
}

/* The state letter of <procfd>/<pid>/stat, 0 if it cannot be read. */
static char proc_state(int procfd, pid_t pid)
{
	char path[32], buf[256], *p;

	snprintf(path, sizeof(path), "%d/stat", pid);
	if (pidns_read_file_at(procfd, path, buf, sizeof(buf)) <= 0)
		return 0;
	/* "pid (comm) S ...": comm may hold anything, even ") ". */
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : 0;
}

FIXTURE(closed_ancestor) {
	pid_t init, forker;
	int hold;	/* the init idles until EOF */
	int go;		/* F's handler maps the page on a byte or EOF */
	int up;		/* F's closed_msg */
	int procfd;
};

FIXTURE_SETUP(closed_ancestor)
{
	int fd;

	self->init = -1;
	self->forker = -1;
	self->hold = -1;
	self->go = -1;
	self->up = -1;
	self->procfd = -1;
	PIDNS_REQUIRE();
	fd = closed_uffd_open();
	if (fd < 0)
		SKIP(return, "no userfaultfd taking kernel faults: %m");
	close(fd);
	self->procfd = pidns_proc_open();
	ASSERT_GE(self->procfd, 0);
}

FIXTURE_TEARDOWN(closed_ancestor)
{
	/* F's fork goes on, F reports and exits; then the init is ended. */
	if (self->go >= 0)
		close(self->go);
	if (self->up >= 0)
		close(self->up);
	if (self->forker > 0)
		pidns_wait_status(self->forker);
	if (self->hold >= 0)
		close(self->hold);
	if (self->init > 0) {
		kill(self->init, SIGKILL);
		pidns_wait_status(self->init);
	}
	if (self->procfd >= 0)
		close(self->procfd);
}

/*
 * The fork into C is held after alloc_pid() while P's init A is killed;
 * once A waits in zap_pid_ns_processes() (P is closed by then), the fork
 * may go on: it fails with ENOMEM, and A is reaped, killed by SIGKILL.
 */
TEST_F_TIMEOUT(closed_ancestor, fork_fails, 120)
{
	int ready[2], hold[2], up[2], go[2], i;
	struct closed_msg m;
	char state = 0;

	ASSERT_EQ(0, pidns_pipe(ready));
	ASSERT_EQ(0, pidns_pipe(hold));
	self->hold = hold[1];
	self->init = pidns_fork();
	ASSERT_GE(self->init, 0);
	if (self->init == 0) {
		/* A, P's init: its children go to C, which stays empty. */
		close(ready[0]);
		close(hold[1]);
		CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
		pidns_post_byte(ready[1]);
		pidns_wait_byte(hold[0]);
		_exit(0);
	}
	close(ready[1]);
	close(hold[0]);
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	close(ready[0]);

	ASSERT_EQ(0, pidns_pipe(up));
	ASSERT_EQ(0, pidns_pipe(go));
	self->up = up[0];
	self->go = go[1];
	self->forker = fork();
	ASSERT_GE(self->forker, 0);
	if (self->forker == 0) {
		close(up[0]);
		close(go[1]);
		close(self->hold);
		closed_forker(self->init, up[1], go[0]);
	}
	close(up[1]);
	close(go[0]);
	ASSERT_EQ(sizeof(m), pidns_read_all(self->up, &m, sizeof(m))) {
		TH_LOG("the forker exited before its fork blocked");
	}
	ASSERT_EQ(CLOSED_FAULT, m.what) {
		TH_LOG("clone3() did not block on the pidfd page: %d (%s)",
		       m.ret, strerror(m.err));
	}

	/*
	 * Kill A and wait until it sleeps in zap_pid_ns_processes(), for the
	 * pid the fork holds in P: P is closed by then.  That sleep is
	 * TASK_IDLE, state I; a D on the way there is not it.  Letting the fork on
	 * earlier could attach the child before the close, legitimately.
	 * A zombie A did not wait at all; the fork may go on then too.
	 */
	ASSERT_EQ(0, kill(self->init, SIGKILL));
	for (i = 0; i < CLOSED_POLLS; i++) {
		state = proc_state(self->procfd, self->init);
		if (state == 'I' || state == 'Z')
			break;
		usleep(CLOSED_POLL_US);
	}
	EXPECT_LT(i, CLOSED_POLLS) {
		TH_LOG("P's init still in state '%c' after 60 s", state);
	}

	ASSERT_EQ(0, pidns_post_byte(self->go));
	do {
		ASSERT_EQ(sizeof(m), pidns_read_all(self->up, &m, sizeof(m))) {
			TH_LOG("the forker exited without a result");
		}
		EXPECT_NE(CLOSED_UNBLOCKED, m.what) {
			TH_LOG("UFFDIO_ZEROPAGE: %s", strerror(m.err));
		}
	} while (m.what != CLOSED_RESULT);
	EXPECT_EQ(-1, m.ret) {
		TH_LOG("clone3() made child %d in the closed namespace", m.ret);
	}
	EXPECT_EQ(ENOMEM, m.err) {
		TH_LOG("clone3(): %s", strerror(m.err));
	}
	EXPECT_EQ(0, pidns_wait_status(self->forker));
	self->forker = -1;
	EXPECT_EQ(128 + SIGKILL, pidns_wait_status(self->init));
	self->init = -1;
}

/* ---- user.max_pid_namespaces ------------------------------------------ */

#define MAX_PIDNS "/proc/sys/user/max_pid_namespaces"

/*
 * Make a pid namespace with no task left in it: a throwaway child unshares,
 * forks the namespace's init and passes us an fd to its pid_for_children;
 * both then exit.  Returns the fd, or -1 with errno set to the child's
 * unshare() error.
 */
static int make_idle_pidns(void)
{
	int sv[2], hold[2], fd, st;
	pid_t c;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv))
		return -1;
	c = fork();
	if (c < 0)
		return -1;
	if (c == 0) {
		pid_t init;

		if (unshare(CLONE_NEWPID))
			_exit(errno);
		if (pipe(hold))
			_exit(255);
		init = fork();
		if (init == 0)
			pidns_idle_until_released(hold);
		fd = open("/proc/self/ns/pid_for_children", O_RDONLY);
		if (init < 0 || fd < 0 || pidns_send_fd(sv[1], fd))
			_exit(255);
		close(hold[1]);
		pidns_wait_status(init);
		_exit(0);
	}
	st = pidns_wait_status(c);
	fd = st == 0 ? pidns_recv_fd(sv[0]) : -1;
	close(sv[0]);
	close(sv[1]);
	if (st)
		errno = st;
	return fd;
}

/*
 * A namespace that had tasks is freed an RCU grace period after its last
 * pid: retry for a while before concluding the slot did not come back.
 */
static int make_idle_pidns_retry(void)
{
	int fd = -1;

	for (int i = 0; i < 200; i++) {
		fd = make_idle_pidns();
		if (fd >= 0 || errno != ENOSPC)
			break;
		usleep(10000);
	}
	return fd;
}

static int limited_userns_child(const char *limit)
{
	pid_t c = fork();

	if (c != 0)
		return c;
	if (enter_userns_as_root())
		_exit(4);
	if (pidns_write_file(MAX_PIDNS, limit)) {
		fprintf(stderr, "# cannot write %s: %m\n", MAX_PIDNS);
		_exit(PIDNS_CHILD_FAIL);
	}
	return 0;
}

TEST(max_pid_namespaces_exhausted_enospc)
{
	pid_t c;
	int st;

	PIDNS_REQUIRE();
	c = limited_userns_child("2");
	ASSERT_GE(c, 0);
	if (c == 0) {
		int fds[2];
		pid_t g;

		fds[0] = make_idle_pidns();
		CHILD_CHECK(fds[0] >= 0);
		fds[1] = make_idle_pidns();
		CHILD_CHECK(fds[1] >= 0);
		CHILD_CHECK_ERR(make_idle_pidns(), ENOSPC);
		g = sys_clone_flags(CLONE_NEWPID | SIGCHLD);
		if (g == 0)
			_exit(0);
		CHILD_CHECK(g == -1 && errno == ENOSPC);
		/* Releasing one gives the slot back. */
		close(fds[0]);
		fds[0] = make_idle_pidns_retry();
		CHILD_CHECK(fds[0] >= 0);
		_exit(0);
	}
	st = pidns_wait_status(c);
	if (st == 4)
		SKIP(return, "cannot create a user namespace");
	EXPECT_EQ(0, st);
}

TEST(max_pid_namespaces_zero_enospc)
{
	pid_t c;
	int st;

	PIDNS_REQUIRE();
	c = limited_userns_child("0");
	ASSERT_GE(c, 0);
	if (c == 0) {
		pid_t g;

		CHILD_CHECK_ERR(unshare(CLONE_NEWPID), ENOSPC);
		g = pidns_clone3(CLONE_NEWPID, NULL);
		if (g == 0)
			_exit(0);
		CHILD_CHECK(g == -1 && errno == ENOSPC);
		_exit(0);
	}
	st = pidns_wait_status(c);
	if (st == 4)
		SKIP(return, "cannot create a user namespace");
	EXPECT_EQ(0, st);
}

/* The limit of every ancestor user namespace applies too. */
TEST(max_pid_namespaces_ancestor_limit_applies)
{
	pid_t c;
	int st;

	PIDNS_REQUIRE();
	c = limited_userns_child("1");
	ASSERT_GE(c, 0);
	if (c == 0) {
		char buf[32];
		int fd;

		CHILD_CHECK(enter_userns_as_root() == 0);
		/* This user namespace's own limit is generous... */
		CHILD_CHECK(pidns_read_file_at(AT_FDCWD, MAX_PIDNS, buf,
					       sizeof(buf)) > 0);
		CHILD_CHECK(atoi(buf) > 1);
		fd = make_idle_pidns();
		CHILD_CHECK(fd >= 0);
		/* ...but the parent's 1 is used up. */
		CHILD_CHECK_ERR(make_idle_pidns(), ENOSPC);
		_exit(0);
	}
	st = pidns_wait_status(c);
	if (st == 4)
		SKIP(return, "cannot create a user namespace");
	EXPECT_EQ(0, st);
}

/* ---- unprivileged users ----------------------------------------------- */

#define NOBODY 65534

TEST(unprivileged_newpid_eperm)
{
	pid_t c;

	PIDNS_REQUIRE();
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pid_t g;

		CHILD_CHECK(pidns_drop_to_uid(NOBODY) == 0);
		CHILD_CHECK_ERR(unshare(CLONE_NEWPID), EPERM);
		g = sys_clone_flags(CLONE_NEWPID | SIGCHLD);
		if (g == 0)
			_exit(0);
		CHILD_CHECK(g == -1 && errno == EPERM);
		g = pidns_clone3(CLONE_NEWPID, NULL);
		if (g == 0)
			_exit(0);
		CHILD_CHECK(g == -1 && errno == EPERM);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(c));
}

/* Inside its own user namespace an unprivileged user may. */
TEST(unprivileged_newpid_in_own_userns)
{
	pid_t c;
	int st;

	PIDNS_REQUIRE();
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pid_t g;

		CHILD_CHECK(pidns_drop_to_uid(NOBODY) == 0);
		if (unshare(CLONE_NEWUSER))
			_exit(4);
		CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
		g = fork();
		if (g == 0)
			_exit(getpid() == 1 ? 0 : 1);
		CHILD_CHECK(g > 1);
		CHILD_CHECK(pidns_wait_status(g) == 0);
		_exit(0);
	}
	st = pidns_wait_status(c);
	if (st == 4)
		SKIP(return, "unprivileged user namespaces not allowed");
	EXPECT_EQ(0, st);
}

/* Both at once in one clone(): the user namespace is made first. */
TEST(unprivileged_clone_newuser_newpid)
{
	pid_t c;
	int st;

	PIDNS_REQUIRE();
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pid_t g;

		CHILD_CHECK(pidns_drop_to_uid(NOBODY) == 0);
		g = sys_clone_flags(CLONE_NEWUSER | CLONE_NEWPID | SIGCHLD);
		if (g == 0)
			_exit(sys_getpid() == 1 ? 0 : 1);
		if (g < 0 && errno == EPERM)
			_exit(4);
		CHILD_CHECK(g > 1);
		CHILD_CHECK(pidns_wait_status(g) == 0);
		_exit(0);
	}
	st = pidns_wait_status(c);
	if (st == 4)
		SKIP(return, "unprivileged user namespaces not allowed");
	EXPECT_EQ(0, st);
}

/*
 * Holding all capabilities in its own user namespace does not let a user
 * enter a pid namespace owned by the initial user namespace.
 */
TEST(unprivileged_setns_into_foreign_ns_eperm)
{
	int hold[2], nsfd;
	pid_t init, c;
	int st;

	PIDNS_REQUIRE();
	init = hold_init(hold);
	ASSERT_GE(init, 0);
	nsfd = pidns_open_ns(init, "pid");
	ASSERT_GE(nsfd, 0);
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		CHILD_CHECK(pidns_drop_to_uid(NOBODY) == 0);
		if (unshare(CLONE_NEWUSER))
			_exit(4);
		CHILD_CHECK_ERR(setns(nsfd, CLONE_NEWPID), EPERM);
		_exit(0);
	}
	st = pidns_wait_status(c);
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
	if (st == 4)
		SKIP(return, "unprivileged user namespaces not allowed");
	EXPECT_EQ(0, st);
}

TEST_HARNESS_MAIN
