// SPDX-License-Identifier: GPL-2.0
/*
 * kernel.pid_max per pid namespace (upstream 6.14): /proc/sys/kernel/pid_max
 * reads and writes the limit of the active pid namespace of the task that
 * opened it (an fd handed to a task elsewhere still acts on the opener's
 * namespace); a new namespace starts at PID_MAX_LIMIT whatever its
 * parent's limit; the file's mode alone decides who writes: the owner's
 * bits for CAP_SYS_ADMIN over the namespace's owning user namespace or
 * for that user namespace's root uid, and stat() shows that root as the
 * owner; a value lies in pid_max_min .. PID_MAX_LIMIT; numbers are
 * allocated at every level below that level's own limit, so an outer
 * limit stops an inner namespace whatever the inner one's; set_tid and
 * ns_last_pid are checked against the limit of their own level.
 *
 * Every case that writes a limit inside a namespace first checks that the
 * outer namespace's limit did not move (on 6.12 pid_max is one global
 * value, so that check is where those cases fail there), and the fixture
 * puts the outer value back whatever happened.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "pidns_util.h"
#include "../kselftest_harness.h"

#define PID_MAX		"/proc/sys/kernel/pid_max"
#define NS_LAST_PID	"/proc/sys/kernel/ns_last_pid"
#define RESERVED_PIDS	300
/* PIDS_PER_CPU_MIN (include/linux/threads.h): see pid_max_min(). */
#define PIDS_PER_CPU_MIN	8
/* PID_MAX_LIMIT without CONFIG_BASE_SMALL: 4M on 64-bit, else 32768. */
#define PIDMAX_LIMIT	((int)(sizeof(long) > 4 ? 4 * 1024 * 1024 : 32768))

/* The limit the namespaces of the fill cases get: a few hundred forks. */
#define SMALL_LIMIT	400

/* The outer namespace's limit when the test started; read by children. */
static int outer_limit;

/* The lowest limit the kernel takes (pid_max_min); see pid_max_min(). */
static int pidmax_min;

/*
 * The possible CPUs, counted from /sys/devices/system/cpu/possible
 * ("0-3", "0,2-5"); sysconf()'s count if that cannot be read.
 */
static int possible_cpus(void)
{
	char buf[256], *p = buf, *end;
	long lo, hi;
	int n = 0;

	if (pidns_read_file_at(AT_FDCWD, "/sys/devices/system/cpu/possible",
			       buf, sizeof(buf)) <= 0)
		return (int)sysconf(_SC_NPROCESSORS_CONF);
	for (;;) {
		lo = strtol(p, &end, 10);
		if (end == p)
			break;
		hi = lo;
		if (*end == '-') {
			p = end + 1;
			hi = strtol(p, &end, 10);
		}
		n += hi - lo + 1;
		if (*end != ',')
			break;
		p = end + 1;
	}
	return n > 0 ? n : (int)sysconf(_SC_NPROCESSORS_CONF);
}

/*
 * pid_max_min: RESERVED_PIDS + 1, raised at boot to PIDS_PER_CPU_MIN
 * numbers per possible CPU where that is more (kernel/pid.c,
 * pid_idr_init()), so 301 only up to 37 possible CPUs.  Computed, as
 * upstream's pid_max.c selftest does, not assumed.
 */
static int pid_max_min(void)
{
	int by_cpus = PIDS_PER_CPU_MIN * possible_cpus();

	return by_cpus > RESERVED_PIDS + 1 ? by_cpus : RESERVED_PIDS + 1;
}

/* write() of @str to @path: 0, or the errno of the open or the write. */
static int write_errno(const char *path, const char *str)
{
	ssize_t len = strlen(str), ret;
	int fd, err = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;
	ret = write(fd, str, len);
	if (ret != len)
		err = ret < 0 ? errno : EIO;
	close(fd);
	return err;
}

static int write_int_errno(const char *path, long val)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%ld", val);
	return write_errno(path, buf);
}

/* A child that waits for EOF on @hold; returns its number as fork(). */
static pid_t spawn_holder(const int hold[2])
{
	pid_t pid = fork();

	if (pid == 0)
		pidns_idle_until_released(hold);
	return pid;
}

static pid_t fork_exit0(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	return pid;
}

/* Fork a child that exits at once, reap it; its number, or -1 (errno). */
static pid_t fork_and_reap(void)
{
	pid_t pid = fork_exit0();

	if (pid > 0 && pidns_wait_status(pid) != 0)
		return -1;
	return pid;
}

/*
 * Fill the caller's namespace with holders until fork() fails; their
 * numbers go to @kids (at most @max).  Returns how many were made; errno
 * is that of the failed fork().
 */
static int fill_with_holders(const int hold[2], pid_t *kids, int max)
{
	int n = 0;

	while (n < max) {
		pid_t pid = spawn_holder(hold);

		if (pid < 0)
			return n;
		kids[n++] = pid;
	}
	errno = 0;
	return n;
}

/*
 * Enter a new user namespace as an unprivileged user, mapped to root in
 * it (0 -> @uid, 0 -> @uid), so that the caller has every capability over
 * the namespaces it makes next and none over the ones it came from.
 */
static int enter_own_userns(uid_t uid)
{
	char map[32];

	if (pidns_drop_to_uid(uid))
		return -1;
	if (unshare(CLONE_NEWUSER))
		return -1;
	pidns_write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1\n", uid);
	if (pidns_write_file("/proc/self/uid_map", map))
		return -1;
	return pidns_write_file("/proc/self/gid_map", map);
}

/*
 * Run @body in a child that entered a user namespace of its own as uid
 * 65534 (enter_own_userns()): the child's exit status, KSFT_SKIP if it
 * could not (unprivileged user namespaces not allowed).
 */
static int in_own_userns(void (*body)(void))
{
	pid_t c = fork();

	if (c < 0)
		return -1;
	if (c == 0) {
		if (enter_own_userns(65534))
			_exit(KSFT_SKIP);
		body();
		_exit(0);
	}
	return pidns_wait_status(c);
}

FIXTURE(pidmax) {
	int outer;
};

FIXTURE_SETUP(pidmax)
{
	PIDNS_REQUIRE();
	pidmax_min = pid_max_min();
	self->outer = pidns_read_int(PID_MAX);
	ASSERT_GE(self->outer, pidmax_min);
	outer_limit = self->outer;
}

/* Put the outer limit back: on 6.12 a write inside a namespace moves it. */
FIXTURE_TEARDOWN(pidmax)
{
	if (self->outer > 0 && pidns_read_int(PID_MAX) != self->outer)
		pidns_write_int(PID_MAX, self->outer);
}

/*
 * The init of a new namespace that first sets its namespace's pid_max to
 * @limit (0: leaves it), then waits until the test has checked the outer
 * limit and says go, then runs @body and exits 0 (a failed check in @body
 * exits PIDNS_CHILD_FAIL).  Returns the init's exit status, or -1.
 */
static int run_limited(struct __test_metadata *_metadata, int outer,
		       int limit, void (*body)(void))
{
	int ready[2], go[2];
	pid_t init;
	int now;

	if (pidns_pipe(ready) || pidns_pipe(go))
		return -1;
	init = pidns_fork();
	if (init < 0)
		return -1;
	if (init == 0) {
		close(go[1]);
		if (limit)
			CHILD_CHECK(write_int_errno(PID_MAX, limit) == 0);
		CHILD_CHECK(pidns_read_int(PID_MAX) ==
			    (limit ? limit : PIDMAX_LIMIT));
		pidns_post_byte(ready[1]);
		if (!pidns_wait_byte(go[0]))
			_exit(PIDNS_CHILD_FAIL);
		body();
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	if (!pidns_wait_byte(ready[0])) {
		close(go[1]);
		return pidns_wait_status(init);
	}
	now = pidns_read_int(PID_MAX);
	EXPECT_EQ(outer, now) {
		TH_LOG("pid_max written inside a namespace changed the outer one (now %d)",
		       now);
		pidns_write_int(PID_MAX, outer);
		close(go[1]);
		pidns_wait_status(init);
		return -1;
	}
	pidns_post_byte(go[1]);
	close(go[1]);
	return pidns_wait_status(init);
}

/* ---- reading ---------------------------------------------------------- */

static void reads_limit_body(void)
{
	pid_t c;

	/* Lowered here, a namespace made below still starts at the maximum. */
	CHILD_CHECK(write_int_errno(PID_MAX, 1000) == 0);
	CHILD_CHECK(pidns_read_int(PID_MAX) == 1000);
	c = pidns_fork();
	CHILD_CHECK(c >= 0);
	if (c == 0) {
		CHILD_CHECK(pidns_read_int(PID_MAX) == PIDMAX_LIMIT);
		_exit(0);
	}
	CHILD_CHECK(pidns_wait_status(c) == 0);
	/* Also through clone(CLONE_NEWPID). */
	c = sys_clone_flags(CLONE_NEWPID | SIGCHLD);
	CHILD_CHECK(c >= 0);
	if (c == 0)
		_exit(pidns_read_int(PID_MAX) == PIDMAX_LIMIT ? 0 : 1);
	CHILD_CHECK(pidns_wait_status(c) == 0);
	CHILD_CHECK(pidns_read_int(PID_MAX) == 1000);
}

/*
 * A new namespace reads PID_MAX_LIMIT, not its parent's value (the rule
 * since 6.14-rc "pid: Do not set pid_max in new pid namespaces"), both
 * below the test's namespace and below one whose limit was lowered.
 */
TEST_F(pidmax, new_ns_reads_limit)
{
	pid_t c;

	c = pidns_fork();
	ASSERT_GE(c, 0);
	if (c == 0)
		_exit(pidns_read_int(PID_MAX) == PIDMAX_LIMIT ? 0 : 1);
	ASSERT_EQ(0, pidns_wait_status(c)) {
		TH_LOG("a new namespace does not read PID_MAX_LIMIT %d (the outer limit is %d)",
		       PIDMAX_LIMIT, self->outer);
	}
	EXPECT_EQ(0, run_limited(_metadata, self->outer, 0, reads_limit_body));
}

/*
 * A write acts on the writer's active namespace only: the outer limit and
 * a sibling namespace's stay; a member that entered with setns() reads
 * the namespace's value, and a task whose pid_for_children is the
 * namespace (but whose active namespace is not) reads its own.
 */
TEST_F(pidmax, write_stays_in_namespace)
{
	int hold[2], ready[2], nsfd;
	pid_t a, b, c;

	ASSERT_EQ(0, pidns_pipe(hold));
	ASSERT_EQ(0, pidns_pipe(ready));
	a = pidns_fork();
	ASSERT_GE(a, 0);
	if (a == 0) {
		CHILD_CHECK(write_int_errno(PID_MAX, 1000) == 0);
		pidns_post_byte(ready[1]);
		pidns_idle_until_released(hold);
	}
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));

	b = pidns_fork();
	ASSERT_GE(b, 0);
	if (b == 0)
		_exit(pidns_read_int(PID_MAX) == PIDMAX_LIMIT ? 0 : 1);
	EXPECT_EQ(0, pidns_wait_status(b));

	nsfd = pidns_open_ns(a, "pid");
	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, setns(nsfd, CLONE_NEWPID));
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0)
		_exit(pidns_read_int(PID_MAX) == 1000 ? 0 : 1);
	EXPECT_EQ(0, pidns_wait_status(c));
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(a));
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));
}

/* ---- writing ---------------------------------------------------------- */

static void write_range_body(void)
{
	const long bad[] = { 0, -1, RESERVED_PIDS, pidmax_min - 1,
			     PIDMAX_LIMIT + 1, PIDMAX_LIMIT * 2L };

	for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++) {
		CHILD_CHECK(write_int_errno(PID_MAX, bad[i]) == EINVAL);
		CHILD_CHECK(pidns_read_int(PID_MAX) == 1000);
	}
	CHILD_CHECK(write_int_errno(PID_MAX, pidmax_min) == 0);
	CHILD_CHECK(pidns_read_int(PID_MAX) == pidmax_min);
	CHILD_CHECK(write_int_errno(PID_MAX, PIDMAX_LIMIT) == 0);
	CHILD_CHECK(pidns_read_int(PID_MAX) == PIDMAX_LIMIT);
	/* Above the parent's limit is fine: the bounds are the global ones. */
	if (outer_limit < PIDMAX_LIMIT - 1) {
		CHILD_CHECK(write_int_errno(PID_MAX, outer_limit + 1) == 0);
		CHILD_CHECK(pidns_read_int(PID_MAX) == outer_limit + 1);
	}
}

/*
 * The value must lie in pid_max_min (301, or 8 per possible CPU if that
 * is more) .. PID_MAX_LIMIT, EINVAL otherwise with the limit unchanged;
 * not bounded by the parent's limit.
 */
TEST_F(pidmax, write_range)
{
	EXPECT_EQ(0, run_limited(_metadata, self->outer, 1000,
				 write_range_body));
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));
}

/*
 * Neither the owner's root uid nor CAP_SYS_ADMIN over the owner (uid
 * 65534, no capability): the file opens read-only only, EACCES at open()
 * for writing (the sysctl's permission check, as upstream's
 * pid_table_root_permissions() makes it), in the test's namespace and in
 * a child one; reading works.
 */
TEST_F(pidmax, write_without_cap_eacces)
{
	pid_t c, a;

	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		CHILD_CHECK(pidns_drop_to_uid(65534) == 0);
		CHILD_CHECK(open(PID_MAX, O_WRONLY | O_CLOEXEC) == -1 &&
			    errno == EACCES);
		CHILD_CHECK(pidns_read_int(PID_MAX) == outer_limit);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(c));

	a = pidns_fork();
	ASSERT_GE(a, 0);
	if (a == 0) {
		int limit = pidns_read_int(PID_MAX);

		c = fork();
		CHILD_CHECK(c >= 0);
		if (c == 0) {
			CHILD_CHECK(pidns_drop_to_uid(65534) == 0);
			CHILD_CHECK(open(PID_MAX, O_WRONLY | O_CLOEXEC) == -1 &&
				    errno == EACCES);
			CHILD_CHECK(pidns_read_int(PID_MAX) == limit);
			_exit(0);
		}
		CHILD_CHECK(pidns_wait_status(c) == 0);
		CHILD_CHECK(pidns_read_int(PID_MAX) == limit);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(a));
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));
}

/*
 * An unprivileged user that owns a user namespace owns the pid namespaces
 * made in it: their init, root there, sets its namespace's limit.
 */
TEST_F(pidmax, userns_owner_writes_own_limit)
{
	int res[2], v = -1;
	pid_t c;

	ASSERT_EQ(0, pidns_pipe(res));
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0) {
		pid_t init;

		if (enter_own_userns(65534))
			_exit(KSFT_SKIP);
		CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
		init = fork();
		CHILD_CHECK(init >= 0);
		if (init == 0) {
			int err = write_int_errno(PID_MAX, 1000);

			pidns_send_int(res[1], err);
			CHILD_CHECK(err == 0);
			CHILD_CHECK(pidns_read_int(PID_MAX) == 1000);
			c = fork_and_reap();
			CHILD_CHECK(c == 2);
			_exit(0);
		}
		_exit(pidns_wait_status(init));
	}
	close(res[1]);
	if (pidns_recv_int(res[0], &v)) {
		int st = pidns_wait_status(c);

		if (st == KSFT_SKIP)
			SKIP(return, "unprivileged user namespaces not allowed");
		ASSERT_EQ(0, st);
	}
	EXPECT_EQ(0, v) {
		TH_LOG("the root of the owning user namespace could not write: %s",
		       strerror(v));
	}
	EXPECT_EQ(0, pidns_wait_status(c));
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));
}

/*
 * The same user, although it has every capability in its own user
 * namespace, cannot write the limit of a pid namespace owned above it.
 */
static void outer_limit_eacces_body(void)
{
	CHILD_CHECK(open(PID_MAX, O_WRONLY | O_CLOEXEC) == -1 &&
		    errno == EACCES);
	CHILD_CHECK(pidns_read_int(PID_MAX) == outer_limit);
}

TEST_F(pidmax, userns_root_cannot_write_outer_limit)
{
	int st = in_own_userns(outer_limit_eacces_body);

	if (st == KSFT_SKIP)
		SKIP(return, "unprivileged user namespaces not allowed");
	EXPECT_EQ(0, st);
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));
}

/*
 * The root uid of the owning user namespace without CAP_SYS_ADMIN (gone
 * from the bounding, effective and permitted sets): the file's mode gives
 * that uid the owner's bits, and the mode is all upstream checks (6.12
 * too, for its one global file), so it opens the file for writing and the
 * write works: the namespace's limit reads @val.  Returns the child's
 * status.
 */
static int root_uid_without_cap(int val)
{
	static const int cap = CAP_SYS_ADMIN_BIT;
	char buf[32];
	pid_t c;
	int fd;

	c = fork();
	if (c < 0)
		return -1;
	if (c == 0) {
		CHILD_CHECK(prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN_BIT, 0, 0,
				  0) == 0);
		CHILD_CHECK(pidns_drop_caps(&cap, 1) == 0);
		CHILD_CHECK(geteuid() == 0);
		fd = open(PID_MAX, O_WRONLY | O_CLOEXEC);
		CHILD_CHECK(fd >= 0);
		snprintf(buf, sizeof(buf), "%d", val);
		CHILD_CHECK(write(fd, buf, strlen(buf)) ==
			    (ssize_t)strlen(buf));
		close(fd);
		CHILD_CHECK(pidns_read_int(PID_MAX) == val);
		_exit(0);
	}
	return pidns_wait_status(c);
}

static void root_uid_without_cap_body(void)
{
	CHILD_CHECK(root_uid_without_cap(2000) == 0);
	CHILD_CHECK(pidns_read_int(PID_MAX) == 2000);
}

/*
 * root_uid_without_cap() in the test's namespace (the fixture puts the
 * limit back) and in a child one whose init set its limit to 1000: the
 * write works, there and only there.
 */
TEST_F(pidmax, root_uid_without_cap_writes)
{
	int val = self->outer < PIDMAX_LIMIT ? self->outer + 1 :
						    self->outer - 1;

	EXPECT_EQ(0, root_uid_without_cap(val));
	EXPECT_EQ(val, pidns_read_int(PID_MAX));
	ASSERT_EQ(0, write_int_errno(PID_MAX, self->outer));
	EXPECT_EQ(0, run_limited(_metadata, self->outer, 1000,
				 root_uid_without_cap_body));
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));
}

/*
 * The same for the root of a user namespace of its own (uid 65534
 * outside) in a pid namespace made there: its init sets the limit, a
 * child without CAP_SYS_ADMIN, still uid 0 there, writes it too.
 */
static void userns_root_uid_without_cap_body(void)
{
	pid_t init;

	CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
	init = fork();
	CHILD_CHECK(init >= 0);
	if (init == 0) {
		CHILD_CHECK(write_int_errno(PID_MAX, 1000) == 0);
		root_uid_without_cap_body();
		_exit(0);
	}
	CHILD_CHECK(pidns_wait_status(init) == 0);
}

TEST_F(pidmax, userns_root_uid_without_cap_writes)
{
	int st = in_own_userns(userns_root_uid_without_cap_body);

	if (st == KSFT_SKIP)
		SKIP(return, "unprivileged user namespaces not allowed");
	EXPECT_EQ(0, st);
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));
}

/*
 * The converse: CAP_SYS_ADMIN over the owner (and no other capability)
 * with a uid that is not root there.  The capability alone gives the
 * owner's bits, so the file opens for writing, and the write works: the
 * namespace's limit is the value written, the outer one stays.
 */
TEST_F(pidmax, cap_without_root_uid_writes)
{
	static const int cap = CAP_SYS_ADMIN_BIT;
	pid_t init, c;

	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		c = fork();
		CHILD_CHECK(c >= 0);
		if (c == 0) {
			CHILD_CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == 0);
			CHILD_CHECK(setresuid(1000, 1000, 1000) == 0);
			CHILD_CHECK(pidns_keep_only_caps(&cap, 1) == 0);
			CHILD_CHECK(write_int_errno(PID_MAX, 1000) == 0);
			CHILD_CHECK(pidns_read_int(PID_MAX) == 1000);
			_exit(0);
		}
		CHILD_CHECK(pidns_wait_status(c) == 0);
		CHILD_CHECK(pidns_read_int(PID_MAX) == 1000);
		_exit(0);
	}
	EXPECT_EQ(0, pidns_wait_status(init));
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));
}

/*
 * The initial (or test's) namespace's own file still works: it reads what
 * was written, refuses values out of range; the fixture restores it.
 */
TEST_F(pidmax, outer_limit_still_works)
{
	int val = self->outer < PIDMAX_LIMIT ? self->outer + 1 :
						    self->outer - 1;

	ASSERT_EQ(0, write_int_errno(PID_MAX, val));
	EXPECT_EQ(val, pidns_read_int(PID_MAX));
	EXPECT_EQ(EINVAL, write_int_errno(PID_MAX, RESERVED_PIDS));
	EXPECT_EQ(EINVAL, write_int_errno(PID_MAX, PIDMAX_LIMIT + 1));
	EXPECT_EQ(val, pidns_read_int(PID_MAX));
	ASSERT_EQ(0, write_int_errno(PID_MAX, self->outer));
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));
}

/* ---- an open file: the opener's namespace ---------------------------- */

/* pread() of a pid_max fd from offset 0: the value, or -errno. */
static int fd_read_limit(int fd)
{
	char buf[32];
	ssize_t len = pread(fd, buf, sizeof(buf) - 1, 0);

	if (len < 0)
		return -errno;
	buf[len] = '\0';
	return atoi(buf);
}

/*
 * pwrite() of @val to a pid_max fd at offset 0 (a write at another offset
 * is ignored, sysctl_writes_strict): 0, or the errno.
 */
static int fd_write_limit(int fd, int val)
{
	char buf[32];
	int len = snprintf(buf, sizeof(buf), "%d", val);
	ssize_t ret = pwrite(fd, buf, len, 0);

	if (ret == len)
		return 0;
	return ret < 0 ? errno : EIO;
}

/*
 * An init of a namespace of its own that opened kernel.pid_max for
 * reading and writing and handed the fd to the test: the namespace is
 * owned by the test's user namespace, or with @own_userns by a user
 * namespace of uid 65534's own (root there, mapped to 65534).
 */
struct opener {
	pid_t child;	/* the test's child: the init's parent */
	int fd;		/* the init's kernel.pid_max, received */
	int uid, gid;	/* stat() of the file, as the init sees it */
	int go;		/* a byte: the init reports its limit, and exits */
	int res;	/* the init's reports */
};

static __noreturn void opener_init(int sk, int go, int res)
{
	struct stat st;
	int fd;

	fd = open(PID_MAX, O_RDWR | O_CLOEXEC);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(fstat(fd, &st) == 0);
	CHILD_CHECK(pidns_send_fd(sk, fd) == 0);
	close(fd);
	pidns_send_int(res, st.st_uid);
	pidns_send_int(res, st.st_gid);
	CHILD_CHECK(pidns_wait_byte(go));
	pidns_send_int(res, pidns_read_int(PID_MAX));
	_exit(0);
}

/* 0, or KSFT_SKIP without unprivileged user namespaces, or -1. */
static int opener_start(struct opener *o, bool own_userns)
{
	int sk[2], go[2], res[2];
	pid_t init;

	o->fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk) ||
	    pidns_pipe(go) || pidns_pipe(res))
		return -1;
	o->child = fork();
	if (o->child < 0)
		return -1;
	if (o->child == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(go[1]);
		close(res[0]);
		if (own_userns && enter_own_userns(65534))
			_exit(KSFT_SKIP);
		CHILD_CHECK(unshare(CLONE_NEWPID) == 0);
		init = fork();
		CHILD_CHECK(init >= 0);
		if (init == 0)
			opener_init(sk[1], go[0], res[1]);
		_exit(pidns_wait_status(init));
	}
	close(sk[1]);
	close(go[0]);
	close(res[1]);
	o->go = go[1];
	o->res = res[0];
	o->fd = pidns_recv_fd(sk[0]);
	close(sk[0]);
	if (o->fd < 0 || pidns_recv_int(o->res, &o->uid) ||
	    pidns_recv_int(o->res, &o->gid)) {
		int st = pidns_wait_status(o->child);

		return st == KSFT_SKIP ? KSFT_SKIP : -1;
	}
	return 0;
}

/* The init's limit, read by the init; it then exits.  -1 on error. */
static int opener_limit(struct opener *o)
{
	int v = -1;

	if (pidns_post_byte(o->go) || pidns_recv_int(o->res, &v))
		return -1;
	return v;
}

/* The status of the init's parent, which exits with the init's. */
static int opener_end(struct opener *o)
{
	close(o->go);
	close(o->res);
	if (o->fd >= 0)
		close(o->fd);
	return pidns_wait_status(o->child);
}

/*
 * An fd a container hands to a privileged helper outside acts on the
 * container's limit, not on the helper's, as upstream binds the file to
 * its opener's namespace: the helper reads the container's value through
 * it, and its write changes the container's limit and leaves its own.
 */
TEST_F(pidmax, fd_passed_out_acts_on_openers_namespace)
{
	struct opener o;

	ASSERT_EQ(0, opener_start(&o, false));
	EXPECT_EQ(PIDMAX_LIMIT, fd_read_limit(o.fd));
	EXPECT_EQ(0, fd_write_limit(o.fd, 1000));
	EXPECT_EQ(1000, fd_read_limit(o.fd));
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX)) {
		TH_LOG("the write through the container's fd changed the helper's limit");
	}
	EXPECT_EQ(1000, opener_limit(&o));
	EXPECT_EQ(0, opener_end(&o));
}

static void fd_passed_in_body(int fd, int val)
{
	/* What the helper's fd holds is the helper's limit, not ours. */
	CHILD_CHECK(fd_read_limit(fd) == outer_limit);
	CHILD_CHECK(fd_write_limit(fd, val) == 0);
	CHILD_CHECK(fd_read_limit(fd) == val);
	CHILD_CHECK(pidns_read_int(PID_MAX) == PIDMAX_LIMIT);
}

/*
 * The other way: the test's fd, handed to the (privileged) init of a
 * namespace below, reads and writes the test's limit (the fixture puts
 * it back), and the init's own limit stays.
 */
TEST_F(pidmax, fd_passed_in_acts_on_openers_namespace)
{
	int val = self->outer < PIDMAX_LIMIT ? self->outer + 1 :
						    self->outer - 1;
	int sk[2], fd;
	pid_t init;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk));
	init = pidns_fork();
	ASSERT_GE(init, 0);
	if (init == 0) {
		close(sk[0]);
		fd = pidns_recv_fd(sk[1]);
		CHILD_CHECK(fd >= 0);
		fd_passed_in_body(fd, val);
		_exit(0);
	}
	close(sk[1]);
	fd = open(PID_MAX, O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, pidns_send_fd(sk[0], fd));
	close(fd);
	close(sk[0]);
	EXPECT_EQ(0, pidns_wait_status(init));
	EXPECT_EQ(val, pidns_read_int(PID_MAX));
}

/* Fork a process as @uid, no capability, that writes through @fd. */
static int write_as_uid(int fd, uid_t uid, int val)
{
	int res[2], err = -1;
	pid_t c;

	if (pidns_pipe(res))
		return -1;
	c = fork();
	if (c < 0)
		return -1;
	if (c == 0) {
		close(res[0]);
		CHILD_CHECK(pidns_drop_to_uid(uid) == 0);
		pidns_send_int(res[1], fd_write_limit(fd, val));
		/* Reading needs no more than the others' bits. */
		CHILD_CHECK(fd_read_limit(fd) > 0);
		_exit(0);
	}
	close(res[1]);
	if (pidns_recv_int(res[0], &err))
		err = -1;
	close(res[0]);
	if (pidns_wait_status(c))
		return -1;
	return err;
}

/*
 * Whoever writes through an open file is checked at the write, with the
 * writer's credentials against the owner of the file's namespace, not of
 * the writer's: a container owned by uid 65534's user namespace hands its
 * fd out; uid 65533 without capabilities gets EPERM, uid 65534 (the
 * owner of that user namespace, so capable in it) and the test's root
 * may write, and the writes set the container's limit.
 */
TEST_F(pidmax, fd_passed_write_checked_against_openers_owner)
{
	struct opener o;
	int st;

	st = opener_start(&o, true);
	if (st == KSFT_SKIP)
		SKIP(return, "unprivileged user namespaces not allowed");
	ASSERT_EQ(0, st);
	EXPECT_EQ(EPERM, write_as_uid(o.fd, 65533, 1000));
	EXPECT_EQ(PIDMAX_LIMIT, fd_read_limit(o.fd));
	EXPECT_EQ(0, write_as_uid(o.fd, 65534, 2000));
	EXPECT_EQ(2000, fd_read_limit(o.fd));
	EXPECT_EQ(0, fd_write_limit(o.fd, 1000));
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));
	EXPECT_EQ(1000, opener_limit(&o));
	EXPECT_EQ(0, opener_end(&o));
}

/*
 * stat() shows the file as owned by the root of its namespace's owning
 * user namespace: inside a namespace owned by uid 65534's own user
 * namespace, root (0, 0) there; the same fd seen from the test, 65534;
 * the test's own file, root.
 */
TEST_F(pidmax, stat_owner_is_owners_root)
{
	struct opener o;
	struct stat st;
	int ret;

	ret = opener_start(&o, true);
	if (ret == KSFT_SKIP)
		SKIP(return, "unprivileged user namespaces not allowed");
	ASSERT_EQ(0, ret);
	EXPECT_EQ(0, o.uid);
	EXPECT_EQ(0, o.gid);
	ASSERT_EQ(0, fstat(o.fd, &st));
	EXPECT_EQ(65534, st.st_uid);
	EXPECT_EQ(65534, st.st_gid);
	ASSERT_EQ(0, stat(PID_MAX, &st));
	EXPECT_EQ(0, st.st_uid);
	EXPECT_EQ(0, st.st_gid);
	EXPECT_EQ(PIDMAX_LIMIT, opener_limit(&o));
	EXPECT_EQ(0, opener_end(&o));
}

/* ---- allocation ------------------------------------------------------- */

/* Move the cursor so that the next fork gets @next (> 1). */
static void set_next(pid_t next)
{
	if (!access(NS_LAST_PID, F_OK)) {
		CHILD_CHECK(write_int_errno(NS_LAST_PID, next - 1) == 0);
		return;
	}
	for (;;) {
		pid_t c = fork_and_reap();

		CHILD_CHECK(c > 0 && c < next);
		if (c == next - 1)
			return;
	}
}

static void wrap_below_limit_body(void)
{
	int hold[2];
	pid_t k[4];

	CHILD_CHECK(pipe2(hold, O_CLOEXEC) == 0);
	set_next(SMALL_LIMIT - 2);
	k[0] = spawn_holder(hold);
	k[1] = spawn_holder(hold);
	/* Past the limit the cursor goes back to RESERVED_PIDS. */
	k[2] = spawn_holder(hold);
	k[3] = spawn_holder(hold);
	CHILD_CHECK(k[0] == SMALL_LIMIT - 2);
	CHILD_CHECK(k[1] == SMALL_LIMIT - 1);
	CHILD_CHECK(k[2] == RESERVED_PIDS);
	CHILD_CHECK(k[3] == RESERVED_PIDS + 1);
	close(hold[1]);
	for (int i = 0; i < 4; i++)
		CHILD_CHECK(pidns_wait_status(k[i]) == 0);
}

/*
 * Numbers stay below the namespace's own limit: after limit - 1 the
 * cursor wraps to RESERVED_PIDS (300), as it does at the global one.
 */
TEST_F(pidmax, numbers_wrap_below_own_limit)
{
	EXPECT_EQ(0, run_limited(_metadata, self->outer, SMALL_LIMIT,
				 wrap_below_limit_body));
}

static void full_namespace_body(void)
{
	static pid_t kids[SMALL_LIMIT];
	int hold[2], n, i, victim;
	pid_t c;

	CHILD_CHECK(pipe2(hold, O_CLOEXEC) == 0);
	n = fill_with_holders(hold, kids, SMALL_LIMIT);
	/* 1 is the init: 2 .. SMALL_LIMIT - 1 for the holders. */
	CHILD_CHECK(errno == EAGAIN);
	CHILD_CHECK(n == SMALL_LIMIT - 2);
	for (i = 0; i < n; i++)
		CHILD_CHECK(kids[i] > 1 && kids[i] < SMALL_LIMIT);
	/* Still full: fork() fails again, with the same error. */
	errno = 0;
	c = fork_exit0();
	CHILD_CHECK(c == -1 && errno == EAGAIN);

	/*
	 * One number freed is the one the next fork gets: one above
	 * RESERVED_PIDS, where the wrapped cursor searches.
	 */
	victim = n - 50;
	CHILD_CHECK(kids[victim] > RESERVED_PIDS);
	CHILD_CHECK(kill(kids[victim], SIGKILL) == 0);
	CHILD_CHECK(pidns_wait_status(kids[victim]) == 128 + SIGKILL);
	c = fork_exit0();
	CHILD_CHECK(c == kids[victim]);
	CHILD_CHECK(pidns_wait_status(c) == 0);

	/* A higher limit makes room at once, above the old one. */
	CHILD_CHECK(write_int_errno(PID_MAX, SMALL_LIMIT + 100) == 0);
	c = fork_exit0();
	CHILD_CHECK(c == SMALL_LIMIT);
	CHILD_CHECK(pidns_wait_status(c) == 0);

	close(hold[1]);
	for (i = 0; i < n; i++)
		if (i != victim)
			CHILD_CHECK(pidns_wait_status(kids[i]) == 0);
}

/*
 * With limit N, a namespace holds N - 1 tasks (numbers 1 .. N - 1); then
 * fork() fails with EAGAIN, until a number is freed or the limit raised.
 */
TEST_F_TIMEOUT(pidmax, full_namespace_eagain, 120)
{
	EXPECT_EQ(0, run_limited(_metadata, self->outer, SMALL_LIMIT,
				 full_namespace_body));
}

static void nested_body(void)
{
	static pid_t kids[SMALL_LIMIT];
	int hold[2], cmd[2], res[2], n, v = -1;
	pid_t inner;

	CHILD_CHECK(pipe2(hold, O_CLOEXEC) == 0);
	CHILD_CHECK(pipe2(cmd, O_CLOEXEC) == 0);
	CHILD_CHECK(pipe2(res, O_CLOEXEC) == 0);
	inner = pidns_fork();
	CHILD_CHECK(inner >= 0);
	if (inner == 0) {
		char c;

		close(cmd[1]);
		close(res[0]);
		close(hold[1]);
		/* Its own limit has all the room in the world. */
		CHILD_CHECK(pidns_read_int(PID_MAX) == PIDMAX_LIMIT);
		while (pidns_read_all(cmd[0], &c, 1) == 1) {
			pid_t k = fork_exit0();

			pidns_send_int(res[1], k < 0 ? -errno : k);
			if (k > 0)
				CHILD_CHECK(pidns_wait_status(k) == 0);
		}
		_exit(0);
	}
	close(cmd[0]);
	close(res[1]);
	CHILD_CHECK(inner == 2);

	/* 399 processes here (init, the inner init, 397 holders). */
	n = fill_with_holders(hold, kids, SMALL_LIMIT);
	CHILD_CHECK(errno == EAGAIN);
	CHILD_CHECK(n == SMALL_LIMIT - 3);

	/* The inner namespace cannot fork: no number left at this level. */
	CHILD_CHECK(pidns_write_all(cmd[1], "f", 1) == 1);
	CHILD_CHECK(pidns_recv_int(res[0], &v) == 0);
	CHILD_CHECK(v == -EAGAIN);

	/* One number free here, and it can. */
	CHILD_CHECK(kill(kids[n - 1], SIGKILL) == 0);
	CHILD_CHECK(pidns_wait_status(kids[n - 1]) == 128 + SIGKILL);
	CHILD_CHECK(pidns_write_all(cmd[1], "f", 1) == 1);
	CHILD_CHECK(pidns_recv_int(res[0], &v) == 0);
	CHILD_CHECK(v > 1);

	/* The holders first: they hold the write end of cmd too. */
	close(hold[1]);
	for (int i = 0; i < n - 1; i++)
		CHILD_CHECK(pidns_wait_status(kids[i]) == 0);
	close(cmd[1]);
	CHILD_CHECK(pidns_wait_status(inner) == 0);
}

/*
 * Upstream's example: with 399 processes in pidns_1 (limit 400), a nested
 * pidns_2 cannot create a process, whatever its own limit (here the
 * maximum): each level allocates below its own limit.
 */
TEST_F_TIMEOUT(pidmax, nested_outer_limit_stops_inner, 120)
{
	EXPECT_EQ(0, run_limited(_metadata, self->outer, SMALL_LIMIT,
				 nested_body));
}

/* A free number of the test's namespace below @below, or -1. */
static pid_t free_number_below(pid_t below)
{
	for (pid_t nr = below - 1; nr > RESERVED_PIDS; nr--)
		if (kill(nr, 0) == -1 && errno == ESRCH)
			return nr;
	return -1;
}

/* clone3() set_tid @tids (innermost first) by a child exiting 0 if its
 * own number is tids[0]; the clone3() errno, or 0 once it was checked.
 */
static int try_set_tid(pid_t *tids, size_t n)
{
	pid_t c = clone3_set_tid(0, tids, n);

	if (c == 0)
		_exit(sys_getpid() == tids[0] ? 0 : 1);
	if (c < 0)
		return errno;
	return pidns_wait_status(c) == 0 ? 0 : -1;
}

/*
 * set_tid[i] is checked against the limit of its own level: at a child
 * namespace's level against the child's limit (so above the outer limit
 * when the child's is higher, and EINVAL at the child's), at the outer
 * level against the outer one.
 */
TEST_F(pidmax, set_tid_against_own_level_limit)
{
	int hold[2], ready[2], nsfd;
	pid_t a, c, tid[2];

	ASSERT_EQ(0, pidns_pipe(hold));
	ASSERT_EQ(0, pidns_pipe(ready));
	a = pidns_fork();
	ASSERT_GE(a, 0);
	if (a == 0) {
		pidns_post_byte(ready[1]);
		pidns_idle_until_released(hold);
	}
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	nsfd = pidns_open_ns(a, "pid");
	ASSERT_GE(nsfd, 0);
	ASSERT_EQ(0, setns(nsfd, CLONE_NEWPID));

	/* The child's level has PID_MAX_LIMIT: above the outer limit works. */
	if (self->outer < PIDMAX_LIMIT - 10) {
		tid[0] = self->outer + 10;
		EXPECT_EQ(0, try_set_tid(tid, 1)) {
			TH_LOG("set_tid {%d} in a namespace of limit %d (outer %d)",
			       tid[0], PIDMAX_LIMIT, self->outer);
		}
	}

	/* The child lowers its limit to 1000. */
	c = fork();
	ASSERT_GE(c, 0);
	if (c == 0)
		_exit(write_int_errno(PID_MAX, 1000));
	ASSERT_EQ(0, pidns_wait_status(c));
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));
	tid[0] = 1000;
	EXPECT_EQ(EINVAL, try_set_tid(tid, 1));
	tid[0] = 999;
	EXPECT_EQ(0, try_set_tid(tid, 1));

	/* The outer level, against the outer limit. */
	tid[0] = 500;
	tid[1] = self->outer;
	EXPECT_EQ(EINVAL, try_set_tid(tid, 2));
	tid[0] = 501;
	tid[1] = free_number_below(self->outer);
	ASSERT_GT(tid[1], 0);
	EXPECT_EQ(0, try_set_tid(tid, 2));

	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(a));
}

static void ns_last_pid_body(void)
{
	pid_t c;

	/* Bounded by this level's limit (PID_MAX_LIMIT), not the outer's. */
	if (outer_limit < PIDMAX_LIMIT - 200) {
		CHILD_CHECK(write_int_errno(NS_LAST_PID, outer_limit + 100) == 0);
		c = fork_and_reap();
		CHILD_CHECK(c == outer_limit + 101);
	}

	CHILD_CHECK(write_int_errno(PID_MAX, 1000) == 0);
	CHILD_CHECK(write_int_errno(NS_LAST_PID, 1001) == EINVAL);
	/* The bound is inclusive (proc_dointvec_minmax), as in 6.12. */
	CHILD_CHECK(write_int_errno(NS_LAST_PID, 1000) == 0);
	CHILD_CHECK(pidns_read_int(NS_LAST_PID) == 1000);
	/* Then the next fork wraps. */
	c = fork_and_reap();
	CHILD_CHECK(c == RESERVED_PIDS);
	CHILD_CHECK(write_int_errno(NS_LAST_PID, 998) == 0);
	c = fork_and_reap();
	CHILD_CHECK(c == 999);
}

/*
 * ns_last_pid takes values up to the limit of the writer's level: beyond
 * it EINVAL, also when the outer limit is lower.
 */
TEST_F(pidmax, ns_last_pid_against_own_level_limit)
{
	if (access(NS_LAST_PID, F_OK))
		SKIP(return, "no ns_last_pid (CONFIG_CHECKPOINT_RESTORE=n)");
	EXPECT_EQ(0, run_limited(_metadata, self->outer, 0, ns_last_pid_body));
	EXPECT_EQ(self->outer, pidns_read_int(PID_MAX));
}

TEST_HARNESS_MAIN
