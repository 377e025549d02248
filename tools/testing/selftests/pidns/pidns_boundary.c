// SPDX-License-Identifier: GPL-2.0
/*
 * Pids that cross a namespace boundary.  Wherever the kernel hands one
 * process the pid of another, the receiver must see the sender's number
 * in the receiver's namespace, or 0 when the sender has no number there.
 * For proc files the "receiver" is the pid namespace of the proc mount.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <mqueue.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <termios.h>
#include <sys/fanotify.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/ptrace.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/un.h>
#include <linux/acct.h>
#include <linux/filter.h>
#include <linux/fuse.h>
#include <linux/io_uring.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <linux/userfaultfd.h>

#include "pidns_util.h"
#include "../kselftest_harness.h"

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD		76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD		77
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD		0x04
#endif
#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup	425
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER		_IO('T', 0x41)
#endif

/*
 * Re-exec helper: started with PIDNS_BOUNDARY_EXEC_EXIT set, the program
 * exits 0 at once (the new image of the ptrace exec cases).
 */
static void __attribute__((constructor(101))) exec_exit(void)
{
	if (getenv("PIDNS_BOUNDARY_EXEC_EXIT"))
		_exit(0);
}

/*
 * Core dump helper: started by the kernel as the core_pattern pipe
 * "|<this program> pidns-core-handler <fifo> %p %P %i %I", it reads the
 * core from stdin to its end and writes the four numbers to the fifo,
 * where the coredump test waits for them.
 */
#define CORE_HANDLER_ARG	"pidns-core-handler"

static void __attribute__((constructor(101))) core_handler(void)
{
	char cmd[512], *argv[8], *p, buf[4096];
	int argc = 0, fd;
	ssize_t len;

	fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	len = pidns_read_all(fd, cmd, sizeof(cmd) - 1);
	close(fd);
	if (len <= 0)
		return;
	cmd[len] = '\0';
	for (p = cmd; p < cmd + len && argc < 8; p += strlen(p) + 1)
		argv[argc++] = p;
	if (argc != 7 || strcmp(argv[1], CORE_HANDLER_ARG))
		return;
	while (read(0, buf, sizeof(buf)) > 0)
		;
	fd = open(argv[2], O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		len = snprintf(buf, sizeof(buf), "%s %s %s %s\n", argv[3],
			       argv[4], argv[5], argv[6]);
		pidns_write_all(fd, buf, len);
	}
	_exit(0);
}

/*
 * An init in a new namespace that runs @fn and exits with its result; the
 * test gets the init's outer pid back.  Common shape of most tests here.
 */
static pid_t run_in_ns(int (*fn)(void *), void *arg)
{
	pid_t pid = pidns_fork();

	if (pid == 0)
		_exit(fn(arg));
	return pid;
}

/* ---- SCM_CREDENTIALS over AF_UNIX ----------------------------------- */

static int send_creds(int sock, pid_t pid, bool explicit)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))] = { 0 };
	struct ucred cred = { .pid = pid, .uid = getuid(), .gid = getgid() };
	char c = 'C';
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	if (explicit) {
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_CREDENTIALS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(cred));
		memcpy(CMSG_DATA(cmsg), &cred, sizeof(cred));
	}
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -1;
}

/* Receive one message; return the SCM_CREDENTIALS pid, or -1 if none. */
static pid_t recv_creds_pid(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(struct ucred))];
	char data[256];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	struct ucred cred;

	if (recvmsg(sock, &msg, 0) < 0)
		return -1;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level == SOL_SOCKET &&
		    cmsg->cmsg_type == SCM_CREDENTIALS) {
			memcpy(&cred, CMSG_DATA(cmsg), sizeof(cred));
			return cred.pid;
		}
	}
	return -1;
}

static int passcred(int sock)
{
	int one = 1;

	return setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
}

static int sv[2];

static int inner_sends_explicit_creds(void *arg)
{
	CHILD_CHECK(send_creds(sv[1], getpid(), true) == 0);
	return 0;
}

TEST(scm_creds_unix_inner_sender_outer_receiver)
{
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	ASSERT_EQ(0, passcred(sv[0]));
	init = run_in_ns(inner_sends_explicit_creds, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(init, recv_creds_pid(sv[0]));
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_sends_implicit(void *arg)
{
	CHILD_CHECK(send_creds(sv[1], 0, false) == 0);
	return 0;
}

/* Credentials the kernel attaches on its own (SO_PASSCRED) likewise. */
TEST(scm_creds_unix_implicit_outer_receiver)
{
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	ASSERT_EQ(0, passcred(sv[0]));
	init = run_in_ns(inner_sends_implicit, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(init, recv_creds_pid(sv[0]));
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_receives_creds(void *arg)
{
	int *outer_sent = arg;

	CHILD_CHECK(passcred(sv[1]) == 0);
	pidns_post_byte(outer_sent[1]);
	CHILD_CHECK(recv_creds_pid(sv[1]) == 0);
	return 0;
}

TEST(scm_creds_unix_outer_sender_inner_receiver)
{
	int ready[2];
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	ASSERT_EQ(0, pidns_pipe(ready));
	init = run_in_ns(inner_receives_creds, ready);
	ASSERT_GE(init, 0);
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	ASSERT_EQ(0, send_creds(sv[0], getpid(), true));
	EXPECT_EQ(0, pidns_wait_status(init));
}

/*
 * A privileged sender may name another process, but the number is looked
 * up in the sender's namespace.
 */
struct names_child_ctl {
	pid_t test_pid;
	int checked[2];		/* test -> init: child may go */
};

static int inner_names_its_child(void *arg)
{
	struct names_child_ctl *ctl = arg;
	int hold[2];
	pid_t c;

	CHILD_CHECK(pipe(hold) == 0);
	c = fork();
	if (c == 0)
		pidns_idle_until_released(hold);
	CHILD_CHECK(c == 2);
	/* The test's own number means nothing here. */
	errno = 0;
	CHILD_CHECK(send_creds(sv[1], ctl->test_pid, true) == -1 &&
		    errno == ESRCH);
	CHILD_CHECK(send_creds(sv[1], 2, true) == 0);
	pidns_wait_byte(ctl->checked[0]);
	close(hold[1]);
	CHILD_CHECK(pidns_wait_status(c) == 0);
	return 0;
}

TEST(scm_creds_unix_pid_resolved_in_sender_ns)
{
	struct names_child_ctl ctl;
	long nspid[2], ppid[1];
	pid_t init, got;
	int procfd;

	PIDNS_REQUIRE();
	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	ASSERT_EQ(0, passcred(sv[0]));
	ASSERT_EQ(0, pidns_pipe(ctl.checked));
	ctl.test_pid = getpid();
	init = run_in_ns(inner_names_its_child, &ctl);
	ASSERT_GE(init, 0);
	got = recv_creds_pid(sv[0]);
	ASSERT_GT(got, 0);
	/* got is the init's child, by its number in our namespace. */
	ASSERT_EQ(2, pidns_status_field(procfd, got, "NSpid", nspid, 2));
	EXPECT_EQ(2, nspid[1]);
	ASSERT_EQ(1, pidns_status_field(procfd, got, "PPid", ppid, 1));
	EXPECT_EQ(init, ppid[0]);
	pidns_post_byte(ctl.checked[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* Between two nested namespaces: the middle level's number. */
static int middle_receives_from_deeper(void *arg)
{
	pid_t deep;

	CHILD_CHECK(passcred(sv[0]) == 0);
	deep = pidns_fork();
	CHILD_CHECK(deep >= 0);
	if (deep == 0)
		_exit(send_creds(sv[1], 1, true) ? 1 : 0);
	CHILD_CHECK(recv_creds_pid(sv[0]) == deep);
	CHILD_CHECK(deep != 1);
	CHILD_CHECK(pidns_wait_status(deep) == 0);
	return 0;
}

TEST(scm_creds_unix_nested_middle_receiver)
{
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	init = run_in_ns(middle_receives_from_deeper, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- SCM_CREDENTIALS over NETLINK_USERSOCK --------------------------- */

static int nl_socket(uint32_t *portid)
{
	struct sockaddr_nl addr = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(addr);
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    getsockname(fd, (struct sockaddr *)&addr, &len) ||
	    passcred(fd)) {
		close(fd);
		return -1;
	}
	*portid = addr.nl_pid;
	return fd;
}

static int nl_send(int fd, uint32_t portid)
{
	struct sockaddr_nl dst = { .nl_family = AF_NETLINK, .nl_pid = portid };
	struct nlmsghdr nlh = { .nlmsg_len = sizeof(nlh), .nlmsg_type = 0x100 };

	return sendto(fd, &nlh, sizeof(nlh), 0, (struct sockaddr *)&dst,
		      sizeof(dst)) == sizeof(nlh) ? 0 : -1;
}

struct nl_pair {
	int fd[2];
	uint32_t port[2];
};

static int nl_pair_open(struct nl_pair *p)
{
	p->fd[0] = nl_socket(&p->port[0]);
	p->fd[1] = nl_socket(&p->port[1]);
	return p->fd[0] >= 0 && p->fd[1] >= 0 ? 0 : -1;
}

static struct nl_pair nlp;

static int inner_nl_sends(void *arg)
{
	CHILD_CHECK(nl_send(nlp.fd[1], nlp.port[0]) == 0);
	return 0;
}

TEST(scm_creds_netlink_inner_sender_outer_receiver)
{
	pid_t init;

	PIDNS_REQUIRE();
	if (nl_pair_open(&nlp))
		SKIP(return, "no NETLINK_USERSOCK: %m");
	init = run_in_ns(inner_nl_sends, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
	EXPECT_EQ(init, recv_creds_pid(nlp.fd[0]));
}

static int *nl_got;

static int inner_nl_receives(void *arg)
{
	int *ready = arg;

	pidns_post_byte(ready[1]);
	*nl_got = recv_creds_pid(nlp.fd[1]);
	return 0;
}

TEST(scm_creds_netlink_outer_sender_inner_receiver)
{
	int ready[2];
	pid_t init;

	PIDNS_REQUIRE();
	if (nl_pair_open(&nlp))
		SKIP(return, "no NETLINK_USERSOCK: %m");
	nl_got = pidns_shared_alloc(sizeof(*nl_got));
	ASSERT_NE(NULL, nl_got);
	*nl_got = -1;
	ASSERT_EQ(0, pidns_pipe(ready));
	init = run_in_ns(inner_nl_receives, ready);
	ASSERT_GE(init, 0);
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	ASSERT_EQ(0, nl_send(nlp.fd[0], nlp.port[1]));
	EXPECT_EQ(0, pidns_wait_status(init));
	/* The sender (us) has no number in the receiver's namespace. */
	EXPECT_EQ(0, *nl_got);
}

/* Control: sender and receiver in the same namespace. */
static int inner_nl_same_ns(void *arg)
{
	pid_t c = fork();

	if (c == 0)
		_exit(nl_send(nlp.fd[1], nlp.port[0]) ? 1 : 0);
	CHILD_CHECK(pidns_wait_status(c) == 0);
	CHILD_CHECK(recv_creds_pid(nlp.fd[0]) == 2);
	return 0;
}

TEST(scm_creds_netlink_same_ns)
{
	pid_t init;

	PIDNS_REQUIRE();
	if (nl_pair_open(&nlp))
		SKIP(return, "no NETLINK_USERSOCK: %m");
	init = run_in_ns(inner_nl_same_ns, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/*
 * Multicast: netlink_broadcast() clones the skb for every listener of
 * the group, and each listener must see the sender by its own number.
 * NETLINK_USERSOCK has 32 groups; anyone may send to them
 * (NL_CFG_F_NONROOT_SEND), joining one takes CAP_NET_ADMIN (the tests run
 * as root).
 */
#define NL_TEST_GROUP		1

/* A NETLINK_USERSOCK socket in NL_TEST_GROUP, with SO_PASSCRED. */
static int nl_group_socket(void)
{
	struct sockaddr_nl addr = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1U << (NL_TEST_GROUP - 1),
	};
	int fd;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_USERSOCK);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) || passcred(fd)) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * Send one message to NL_TEST_GROUP.  netlink_sendmsg() also unicasts it
 * to nl_pid; 0 would be NETLINK_USERSOCK's absent kernel socket
 * (ECONNREFUSED), so the sender names itself and gets the unicast copy.
 */
static int nl_send_group(int fd, uint32_t self)
{
	struct sockaddr_nl dst = {
		.nl_family = AF_NETLINK,
		.nl_pid = self,
		.nl_groups = 1U << (NL_TEST_GROUP - 1),
	};
	struct nlmsghdr nlh = { .nlmsg_len = sizeof(nlh), .nlmsg_type = 0x101 };

	return sendto(fd, &nlh, sizeof(nlh), 0, (struct sockaddr *)&dst,
		      sizeof(dst)) == sizeof(nlh) ? 0 : -1;
}

struct nl_mc {
	int snd;		/* the sender's socket */
	__u32 snd_port;
	int rcv[2];		/* [0] read outside, [1] read inside */
	int *got;		/* shared: what the inside reader got */
};

static int nl_mc_open(struct nl_mc *m)
{
	m->snd = nl_socket(&m->snd_port);
	m->rcv[0] = nl_group_socket();
	m->rcv[1] = nl_group_socket();
	m->got = pidns_shared_alloc(sizeof(*m->got));
	if (m->got)
		*m->got = -1;
	return m->snd >= 0 && m->rcv[0] >= 0 && m->rcv[1] >= 0 && m->got ?
	       0 : -1;
}

static struct nl_mc nlm;

static int inner_nl_multicasts(void *arg)
{
	CHILD_CHECK(nl_send_group(nlm.snd, nlm.snd_port) == 0);
	return 0;
}

TEST(scm_creds_netlink_multicast_inner_sender_outer_receiver)
{
	pid_t init;

	PIDNS_REQUIRE();
	if (nl_mc_open(&nlm))
		SKIP(return, "no NETLINK_USERSOCK multicast: %m");
	init = run_in_ns(inner_nl_multicasts, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
	EXPECT_EQ(init, recv_creds_pid(nlm.rcv[0]));
}

static int inner_nl_group_reads(void *arg)
{
	*nlm.got = recv_creds_pid(nlm.rcv[1]);
	return 0;
}

TEST(scm_creds_netlink_multicast_outer_sender_inner_receiver)
{
	pid_t init;

	PIDNS_REQUIRE();
	if (nl_mc_open(&nlm))
		SKIP(return, "no NETLINK_USERSOCK multicast: %m");
	/* Queued now, translated when the inner reader reads it. */
	ASSERT_EQ(0, nl_send_group(nlm.snd, nlm.snd_port));
	init = run_in_ns(inner_nl_group_reads, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
	/* The sender (us) has no number in the receiver's namespace. */
	EXPECT_EQ(0, *nlm.got);
}

/*
 * One broadcast by a namespace's init, read by a listener outside and
 * one inside: each of the two clones carries its own reference to the
 * sender's pid, and each reader gets its own number for it.
 */
static int inner_nl_multicasts_and_reads(void *arg)
{
	CHILD_CHECK(nl_send_group(nlm.snd, nlm.snd_port) == 0);
	*nlm.got = recv_creds_pid(nlm.rcv[1]);
	return 0;
}

TEST(scm_creds_netlink_multicast_one_broadcast_both_sides)
{
	pid_t init;

	PIDNS_REQUIRE();
	if (nl_mc_open(&nlm))
		SKIP(return, "no NETLINK_USERSOCK multicast: %m");
	init = run_in_ns(inner_nl_multicasts_and_reads, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
	EXPECT_EQ(1, *nlm.got);
	EXPECT_EQ(init, recv_creds_pid(nlm.rcv[0]));
	/* The sender's unicast copy to itself, read outside, likewise. */
	EXPECT_EQ(init, recv_creds_pid(nlm.snd));
}

/*
 * A sender that is gone (exited and reaped) before the message is read.
 * The queued skb holds a reference to the sender's struct pid, and
 * free_pid() leaves its numbers[] as they were (Documentation/pidns.txt,
 * "Lifetimes"), so the reader gets the number the sender had in the
 * reader's namespace, over AF_UNIX as over netlink.  The sender is a
 * member forked into a namespace whose init lives on, by the test itself
 * (setns()), so that the test knows its number and reaps it.
 */
static pid_t fork_member_of(pid_t init)
{
	int self, nsfd, saved_errno;
	pid_t pid;

	self = pidns_open_ns(getpid(), "pid");
	nsfd = pidns_open_ns(init, "pid");
	if (self < 0 || nsfd < 0 || setns(nsfd, CLONE_NEWPID))
		return -1;
	pid = fork();
	if (pid == 0)
		return 0;
	saved_errno = errno;
	setns(self, CLONE_NEWPID);
	close(self);
	close(nsfd);
	errno = saved_errno;
	return pid;
}

static void sender_reaped_before_read(struct __test_metadata *_metadata,
				      bool netlink)
{
	int hold[2], procfd;
	long nspid[2];
	pid_t init, member;

	PIDNS_REQUIRE();
	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	if (netlink) {
		if (nl_pair_open(&nlp))
			SKIP(return, "no NETLINK_USERSOCK: %m");
	} else {
		ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
		ASSERT_EQ(0, passcred(sv[0]));
	}
	ASSERT_EQ(0, pidns_pipe(hold));
	init = pidns_fork_idle_init(hold);
	ASSERT_GE(init, 0);
	member = fork_member_of(init);
	ASSERT_GE(member, 0);
	if (member == 0) {
		int ret;

		CHILD_CHECK(sys_getpid() == 2);
		if (netlink)
			ret = nl_send(nlp.fd[1], nlp.port[0]);
		else
			ret = send_creds(sv[1], 0, false);
		_exit(ret ? 1 : 0);
	}
	EXPECT_EQ(0, pidns_wait_status(member));
	/* Reaped: no task has the number now. */
	EXPECT_EQ(-1, pidns_status_field(procfd, member, "NSpid", nspid, 2));
	EXPECT_EQ(-1, kill(member, 0));
	EXPECT_EQ(member, recv_creds_pid(netlink ? nlp.fd[0] : sv[0]));
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
	close(procfd);
}

TEST(scm_creds_unix_sender_reaped_before_read)
{
	sender_reaped_before_read(_metadata, false);
}

TEST(scm_creds_netlink_sender_reaped_before_read)
{
	sender_reaped_before_read(_metadata, true);
}

/* ---- SO_PEERCRED ------------------------------------------------------- */

static struct sockaddr_un peer_addr;
static socklen_t peer_addr_len;

static int listen_abstract(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&peer_addr, 0, sizeof(peer_addr));
	peer_addr.sun_family = AF_UNIX;
	snprintf(peer_addr.sun_path + 1, sizeof(peer_addr.sun_path) - 1,
		 "pidns-peercred-%d", getpid());
	peer_addr_len = offsetof(struct sockaddr_un, sun_path) + 1 +
			strlen(peer_addr.sun_path + 1);
	if (fd < 0 || bind(fd, (struct sockaddr *)&peer_addr, peer_addr_len) ||
	    listen(fd, 4))
		return -1;
	return fd;
}

static pid_t peer_pid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len))
		return -1;
	return cred.pid;
}

static int inner_connects(void *arg)
{
	int *done = arg;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(connect(fd, (struct sockaddr *)&peer_addr,
			    peer_addr_len) == 0);
	/* The listener is the test, invisible here. */
	CHILD_CHECK(peer_pid(fd) == 0);
	pidns_wait_byte(done[0]);
	return 0;
}

TEST(so_peercred_both_sides)
{
	int lfd, cfd, done[2];
	pid_t init;

	PIDNS_REQUIRE();
	lfd = listen_abstract();
	ASSERT_GE(lfd, 0);
	ASSERT_EQ(0, pidns_pipe(done));
	init = run_in_ns(inner_connects, done);
	ASSERT_GE(init, 0);
	cfd = accept(lfd, NULL, NULL);
	ASSERT_GE(cfd, 0);
	EXPECT_EQ(init, peer_pid(cfd));
	pidns_post_byte(done[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_makes_socketpair_waits(void *arg)
{
	int *p = arg;	/* p[0..1] fd socket, p[2..3] hold pipe */
	int pair[2];

	CHILD_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0);
	CHILD_CHECK(peer_pid(pair[0]) == 1);
	CHILD_CHECK(pidns_send_fd(p[1], pair[0]) == 0);
	pidns_wait_byte(p[2]);
	return 0;
}

/* The peer of a socketpair is its creator, translated at read time. */
TEST(so_peercred_socketpair_made_inside)
{
	int p[4], fd;
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, p));
	ASSERT_EQ(0, pidns_pipe(p + 2));
	init = run_in_ns(inner_makes_socketpair_waits, p);
	ASSERT_GE(init, 0);
	fd = pidns_recv_fd(p[0]);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(init, peer_pid(fd));
	pidns_post_byte(p[3]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- SysV IPC ------------------------------------------------------------ */

struct small_msg {
	long mtype;
	char mtext[8];
};

static int ipc_id;

static int inner_msgsnd(void *arg)
{
	struct small_msg m = { .mtype = 1, .mtext = "x" };
	int *go = arg;
	struct msqid_ds ds;

	CHILD_CHECK(msgsnd(ipc_id, &m, 1, 0) == 0);
	pidns_post_byte(go[1]);
	/* Wait for the test to receive, then look at lrpid. */
	pidns_wait_byte(go[2]);
	CHILD_CHECK(msgctl(ipc_id, IPC_STAT, &ds) == 0);
	CHILD_CHECK(ds.msg_lspid == 1);
	CHILD_CHECK(ds.msg_lrpid == 0);
	return 0;
}

TEST(sysv_msg_lspid_lrpid_translated)
{
	struct small_msg m;
	struct msqid_ds ds;
	int go[4];
	pid_t init;

	PIDNS_REQUIRE();
	ipc_id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (ipc_id < 0)
		SKIP(return, "no SysV message queues: %m");
	ASSERT_EQ(0, pidns_pipe(go));
	ASSERT_EQ(0, pidns_pipe(go + 2));
	init = run_in_ns(inner_msgsnd, go);
	ASSERT_GE(init, 0);
	ASSERT_TRUE(pidns_wait_byte(go[0]));
	ASSERT_EQ(0, msgctl(ipc_id, IPC_STAT, &ds));
	EXPECT_EQ(init, ds.msg_lspid);
	ASSERT_EQ(1, msgrcv(ipc_id, &m, 1, 0, 0));
	ASSERT_EQ(0, msgctl(ipc_id, IPC_STAT, &ds));
	EXPECT_EQ(getpid(), ds.msg_lrpid);
	pidns_post_byte(go[3]);
	EXPECT_EQ(0, pidns_wait_status(init));
	msgctl(ipc_id, IPC_RMID, NULL);
}

static int inner_shm(void *arg)
{
	int *p = arg;	/* p[1]: report id; p[2]: wait for test's attach */
	struct shmid_ds ds;
	void *addr;

	ipc_id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | 0600);
	CHILD_CHECK(ipc_id >= 0);
	addr = shmat(ipc_id, NULL, 0);
	CHILD_CHECK(addr != (void *)-1);
	pidns_send_int(p[1], ipc_id);
	pidns_wait_byte(p[2]);
	CHILD_CHECK(shmctl(ipc_id, IPC_STAT, &ds) == 0);
	CHILD_CHECK(ds.shm_cpid == 1);
	CHILD_CHECK(ds.shm_lpid == 0);	/* the test attached last */
	shmdt(addr);
	return 0;
}

TEST(sysv_shm_cpid_lpid_translated)
{
	struct shmid_ds ds;
	int p[4], id = -1;
	pid_t init;
	void *addr;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(p));
	ASSERT_EQ(0, pidns_pipe(p + 2));
	init = run_in_ns(inner_shm, p);
	ASSERT_GE(init, 0);
	if (pidns_recv_int(p[0], &id)) {
		pidns_wait_status(init);
		SKIP(return, "no SysV shared memory");
	}
	ASSERT_EQ(0, shmctl(id, IPC_STAT, &ds));
	EXPECT_EQ(init, ds.shm_cpid);
	EXPECT_EQ(init, ds.shm_lpid);
	addr = shmat(id, NULL, 0);
	ASSERT_NE((void *)-1, addr);
	ASSERT_EQ(0, shmctl(id, IPC_STAT, &ds));
	EXPECT_EQ(getpid(), ds.shm_lpid);
	pidns_post_byte(p[3]);
	EXPECT_EQ(0, pidns_wait_status(init));
	shmdt(addr);
	shmctl(id, IPC_RMID, NULL);
}

static int inner_semop(void *arg)
{
	int *go = arg;
	struct sembuf op = { .sem_num = 0, .sem_op = 1 };

	CHILD_CHECK(semop(ipc_id, &op, 1) == 0);
	CHILD_CHECK(semctl(ipc_id, 0, GETPID) == 1);
	pidns_post_byte(go[1]);
	pidns_wait_byte(go[2]);
	/* The test did the last operation: it has no number here. */
	CHILD_CHECK(semctl(ipc_id, 0, GETPID) == 0);
	return 0;
}

TEST(sysv_sem_getpid_translated)
{
	struct sembuf op = { .sem_num = 0, .sem_op = 1 };
	int go[4];
	pid_t init;

	PIDNS_REQUIRE();
	ipc_id = semget(IPC_PRIVATE, 1, IPC_CREAT | 0600);
	if (ipc_id < 0)
		SKIP(return, "no SysV semaphores: %m");
	ASSERT_EQ(0, pidns_pipe(go));
	ASSERT_EQ(0, pidns_pipe(go + 2));
	init = run_in_ns(inner_semop, go);
	ASSERT_GE(init, 0);
	ASSERT_TRUE(pidns_wait_byte(go[0]));
	EXPECT_EQ(init, semctl(ipc_id, 0, GETPID));
	ASSERT_EQ(0, semop(ipc_id, &op, 1));
	EXPECT_EQ(getpid(), semctl(ipc_id, 0, GETPID));
	pidns_post_byte(go[3]);
	EXPECT_EQ(0, pidns_wait_status(init));
	semctl(ipc_id, 0, IPC_RMID);
}

/* ---- file locks ------------------------------------------------------- */

static int lock_fd;

static int set_wrlock(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	return fcntl(fd, F_SETLK, &fl);
}

/* l_pid of the lock that conflicts with a write lock, or -2. */
static pid_t getlk_pid(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_GETLK, &fl) || fl.l_type == F_UNLCK)
		return -2;
	return fl.l_pid;
}

static int inner_locks(void *arg)
{
	int *p = arg;

	CHILD_CHECK(set_wrlock(lock_fd) == 0);
	pidns_post_byte(p[1]);
	pidns_wait_byte(p[2]);
	return 0;
}

static int make_lock_file(void)
{
	int fd = memfd_create("pidns-lock", MFD_CLOEXEC);

	if (fd < 0 || ftruncate(fd, 4096))
		return -1;
	return fd;
}

TEST(f_getlk_l_pid_outer_view)
{
	pid_t init;
	int p[4];

	PIDNS_REQUIRE();
	lock_fd = make_lock_file();
	ASSERT_GE(lock_fd, 0);
	ASSERT_EQ(0, pidns_pipe(p));
	ASSERT_EQ(0, pidns_pipe(p + 2));
	init = run_in_ns(inner_locks, p);
	ASSERT_GE(init, 0);
	ASSERT_TRUE(pidns_wait_byte(p[0]));
	EXPECT_EQ(init, getlk_pid(lock_fd));
	pidns_post_byte(p[3]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_getlk(void *arg)
{
	pid_t c;
	int p[4];

	/* Outside lock (the test's): invisible owner. */
	CHILD_CHECK(getlk_pid(lock_fd) == 0);
	/* A lock of our own child: its inner number. */
	CHILD_CHECK(pipe(p) == 0 && pipe(p + 2) == 0);
	c = fork();
	if (c == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
				    .l_start = 4096, .l_len = 1 };

		CHILD_CHECK(fcntl(lock_fd, F_SETLK, &fl) == 0);
		pidns_post_byte(p[1]);
		pidns_wait_byte(p[2]);
		_exit(0);
	}
	CHILD_CHECK(pidns_wait_byte(p[0]));
	{
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
				    .l_start = 4096, .l_len = 1 };

		CHILD_CHECK(fcntl(lock_fd, F_GETLK, &fl) == 0);
		CHILD_CHECK(fl.l_type == F_WRLCK && fl.l_pid == 2);
	}
	pidns_post_byte(p[3]);
	CHILD_CHECK(pidns_wait_status(c) == 0);
	return 0;
}

TEST(f_getlk_l_pid_inner_view)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET,
			    .l_len = 4096 };
	pid_t init;

	PIDNS_REQUIRE();
	lock_fd = make_lock_file();
	ASSERT_GE(lock_fd, 0);
	ASSERT_EQ(0, fcntl(lock_fd, F_SETLK, &fl));
	init = run_in_ns(inner_getlk, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* Find the /proc/locks line of @fd's inode; return its pid or -2. */
static pid_t proc_locks_pid(int procfd, int fd)
{
	char buf[16384], key[64], *line;
	struct stat st;

	if (fstat(fd, &st) ||
	    pidns_read_file_at(procfd, "locks", buf, sizeof(buf)) < 0)
		return -2;
	snprintf(key, sizeof(key), ":%lu ", (unsigned long)st.st_ino);
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char type[16], adv[16], rw[16];
		int pid;

		if (!strstr(line, key) || strstr(line, "->"))
			continue;
		if (sscanf(line, "%*d: %15s %15s %15s %d", type, adv, rw,
			   &pid) == 4)
			return pid;
	}
	return -2;
}

TEST(proc_locks_outer_view_shows_outer_pid)
{
	int procfd, p[4];
	pid_t init;

	PIDNS_REQUIRE();
	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	lock_fd = make_lock_file();
	ASSERT_GE(lock_fd, 0);
	ASSERT_EQ(0, pidns_pipe(p));
	ASSERT_EQ(0, pidns_pipe(p + 2));
	init = run_in_ns(inner_locks, p);
	ASSERT_GE(init, 0);
	ASSERT_TRUE(pidns_wait_byte(p[0]));
	EXPECT_EQ(init, proc_locks_pid(procfd, lock_fd));
	pidns_post_byte(p[3]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_reads_locks(void *arg)
{
	int procfd = pidns_proc_open();
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	int own;

	CHILD_CHECK(procfd >= 0);
	/* The test's lock has an owner we cannot name: not listed. */
	CHILD_CHECK(proc_locks_pid(procfd, lock_fd) == -2);
	/* Our own lock on another file is listed with our number. */
	own = make_lock_file();
	CHILD_CHECK(own >= 0 && fcntl(own, F_SETLK, &fl) == 0);
	CHILD_CHECK(proc_locks_pid(procfd, own) == 1);
	return 0;
}

TEST(proc_locks_inner_view)
{
	pid_t init;

	PIDNS_REQUIRE();
	lock_fd = make_lock_file();
	ASSERT_GE(lock_fd, 0);
	ASSERT_EQ(0, set_wrlock(lock_fd));
	init = run_in_ns(inner_reads_locks, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- F_GETOWN / F_GETOWN_EX ------------------------------------------- */

static int own_fd;

static int inner_setown(void *arg)
{
	int *p = arg;
	struct f_owner_ex ex = { .type = F_OWNER_TID, .pid = sys_gettid() };

	CHILD_CHECK(fcntl(own_fd, F_SETOWN, getpid()) == 0);
	pidns_post_byte(p[1]);
	pidns_wait_byte(p[2]);
	CHILD_CHECK(fcntl(own_fd, F_SETOWN_EX, &ex) == 0);
	pidns_post_byte(p[1]);
	pidns_wait_byte(p[2]);
	CHILD_CHECK(setsid() == 1);
	ex.type = F_OWNER_PGRP;
	ex.pid = 1;
	CHILD_CHECK(fcntl(own_fd, F_SETOWN_EX, &ex) == 0);
	pidns_post_byte(p[1]);
	pidns_wait_byte(p[2]);
	return 0;
}

TEST(f_getown_outer_view)
{
	struct f_owner_ex ex;
	int pair[2], p[4];
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, pair));
	own_fd = pair[0];
	ASSERT_EQ(0, pidns_pipe(p));
	ASSERT_EQ(0, pidns_pipe(p + 2));
	init = run_in_ns(inner_setown, p);
	ASSERT_GE(init, 0);

	ASSERT_TRUE(pidns_wait_byte(p[0]));
	EXPECT_EQ(init, fcntl(own_fd, F_GETOWN));
	ASSERT_EQ(0, fcntl(own_fd, F_GETOWN_EX, &ex));
	EXPECT_EQ(F_OWNER_PID, ex.type);
	EXPECT_EQ(init, ex.pid);
	pidns_post_byte(p[3]);

	ASSERT_TRUE(pidns_wait_byte(p[0]));
	ASSERT_EQ(0, fcntl(own_fd, F_GETOWN_EX, &ex));
	EXPECT_EQ(F_OWNER_TID, ex.type);
	EXPECT_EQ(init, ex.pid);
	pidns_post_byte(p[3]);

	ASSERT_TRUE(pidns_wait_byte(p[0]));
	ASSERT_EQ(0, fcntl(own_fd, F_GETOWN_EX, &ex));
	EXPECT_EQ(F_OWNER_PGRP, ex.type);
	EXPECT_EQ(init, ex.pid);
	EXPECT_EQ(-init, fcntl(own_fd, F_GETOWN));
	pidns_post_byte(p[3]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_getown(void *arg)
{
	struct f_owner_ex ex;
	int *outer = arg;

	CHILD_CHECK(fcntl(own_fd, F_GETOWN) == 0);
	CHILD_CHECK(fcntl(own_fd, F_GETOWN_EX, &ex) == 0);
	CHILD_CHECK(ex.pid == 0);
	/* An outside number cannot be made the owner. */
	CHILD_CHECK_ERR(fcntl(own_fd, F_SETOWN, *outer), ESRCH);
	CHILD_CHECK_ERR(fcntl(own_fd, F_SETOWN, -*outer), ESRCH);
	return 0;
}

TEST(f_getown_inner_view)
{
	int pair[2], me;
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, pair));
	own_fd = pair[0];
	me = getpid();
	ASSERT_EQ(0, fcntl(own_fd, F_SETOWN, me));
	init = run_in_ns(inner_getown, &me);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
	/* Still ours. */
	EXPECT_EQ(me, fcntl(own_fd, F_GETOWN));
}

/* ---- ptrace ------------------------------------------------------------ */

static int inner_forks_on_go(void *arg)
{
	int *go = arg;
	pid_t c;

	pidns_wait_byte(go[0]);
	c = fork();
	if (c == 0)
		_exit(0);
	CHILD_CHECK(c == 2);
	CHILD_CHECK(pidns_wait_status(c) == 0);
	return 0;
}

/* PTRACE_EVENT_FORK reports the new child in the tracer's namespace. */
TEST(ptrace_fork_eventmsg_outer_tracer)
{
	unsigned long msg = 0;
	int go[2], st;
	pid_t init, c;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(go));
	init = run_in_ns(inner_forks_on_go, go);
	ASSERT_GE(init, 0);
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, init, 0, PTRACE_O_TRACEFORK));
	pidns_post_byte(go[1]);
	ASSERT_EQ(init, waitpid(init, &st, __WALL));
	ASSERT_TRUE(WIFSTOPPED(st));
	ASSERT_EQ(SIGTRAP | (PTRACE_EVENT_FORK << 8), st >> 8);
	ASSERT_EQ(0, ptrace(PTRACE_GETEVENTMSG, init, 0, &msg));
	EXPECT_NE(2, msg);
	/* The auto-attached child stops under that same number. */
	c = waitpid(-1, &st, __WALL);
	EXPECT_EQ((pid_t)msg, c);
	ASSERT_EQ(0, ptrace(PTRACE_DETACH, c, 0, 0));
	ASSERT_EQ(0, ptrace(PTRACE_DETACH, init, 0, 0));
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_tracer(void *arg)
{
	unsigned long msg = 0;
	int go[2], st;
	pid_t t;

	CHILD_CHECK(pipe(go) == 0);
	t = fork();
	if (t == 0) {
		pid_t g;

		pidns_wait_byte(go[0]);
		g = fork();
		if (g == 0)
			_exit(0);
		_exit(pidns_wait_status(g));
	}
	CHILD_CHECK(ptrace(PTRACE_SEIZE, t, 0, PTRACE_O_TRACEFORK) == 0);
	pidns_post_byte(go[1]);
	CHILD_CHECK(waitpid(t, &st, __WALL) == t);
	CHILD_CHECK(st >> 8 == (SIGTRAP | (PTRACE_EVENT_FORK << 8)));
	CHILD_CHECK(ptrace(PTRACE_GETEVENTMSG, t, 0, &msg) == 0);
	CHILD_CHECK(msg == 3);
	CHILD_CHECK(waitpid(3, &st, __WALL) == 3);
	CHILD_CHECK(ptrace(PTRACE_DETACH, 3, 0, 0) == 0);
	CHILD_CHECK(ptrace(PTRACE_DETACH, t, 0, 0) == 0);
	CHILD_CHECK(pidns_wait_status(t) == 0);
	return 0;
}

TEST(ptrace_fork_eventmsg_inner_tracer)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = run_in_ns(inner_tracer, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
}

struct getsiginfo_ctl {
	int procfd;
	int up[2];	/* tracee -> test: its outer pid */
	int seized[2];	/* test -> init: tracee is traced */
	int done[2];	/* test -> tracee: exit */
};

static int inner_signals_tracee(void *arg)
{
	struct getsiginfo_ctl *g = arg;
	pid_t t;

	t = fork();
	if (t == 0) {
		signal(SIGUSR1, SIG_IGN);
		pidns_send_int(g->up[1], pidns_self_in_proc(g->procfd));
		pidns_wait_byte(g->done[0]);
		_exit(0);
	}
	CHILD_CHECK(t == 2);
	CHILD_CHECK(pidns_wait_byte(g->seized[0]));
	CHILD_CHECK(kill(t, SIGUSR1) == 0);
	return pidns_wait_status(t);
}

/*
 * PTRACE_GETSIGINFO gives the siginfo as the tracee received it: a tracer
 * in an ancestor namespace sees the sender's number in the tracee's
 * namespace (upstream's rule, relied upon by checkpoint/restore).
 */
TEST(ptrace_getsiginfo_as_tracee_received)
{
	struct getsiginfo_ctl g;
	siginfo_t si;
	int t = 0, st;
	pid_t init;
	long tracer[1];

	PIDNS_REQUIRE();
	g.procfd = pidns_proc_open();
	ASSERT_GE(g.procfd, 0);
	ASSERT_EQ(0, pidns_pipe(g.up));
	ASSERT_EQ(0, pidns_pipe(g.seized));
	ASSERT_EQ(0, pidns_pipe(g.done));
	init = run_in_ns(inner_signals_tracee, &g);
	ASSERT_GE(init, 0);
	ASSERT_EQ(0, pidns_recv_int(g.up[0], &t));
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, t, 0, 0));
	/* TracerPid is us in our proc... */
	ASSERT_EQ(1, pidns_status_field(g.procfd, t, "TracerPid", tracer, 1));
	EXPECT_EQ(getpid(), tracer[0]);
	pidns_post_byte(g.seized[1]);	/* let init send the signal */
	ASSERT_EQ(t, waitpid(t, &st, __WALL));
	ASSERT_TRUE(WIFSTOPPED(st));
	ASSERT_EQ(SIGUSR1, WSTOPSIG(st));
	memset(&si, 0, sizeof(si));
	ASSERT_EQ(0, ptrace(PTRACE_GETSIGINFO, t, 0, &si));
	EXPECT_EQ(SIGUSR1, si.si_signo);
	EXPECT_EQ(SI_USER, si.si_code);
	EXPECT_EQ(1, si.si_pid);
	ASSERT_EQ(0, ptrace(PTRACE_DETACH, t, 0, 0));
	pidns_post_byte(g.done[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

struct tracerpid_ctl {
	int outer_procfd;
	int up[2];	/* tracee -> test: its outer pid; init -> test: done */
	int seized[2];	/* test -> init: tracee is traced */
	int done[2];	/* test -> tracee: exit */
};

static int inner_reads_tracerpid(void *arg)
{
	struct tracerpid_ctl *t = arg;
	int procfd = pidns_proc_open();
	long tracer[1];
	pid_t c;

	CHILD_CHECK(procfd >= 0);
	c = fork();
	if (c == 0) {
		pidns_send_int(t->up[1], pidns_self_in_proc(t->outer_procfd));
		pidns_wait_byte(t->done[0]);
		_exit(0);
	}
	CHILD_CHECK(pidns_wait_byte(t->seized[0]));
	CHILD_CHECK(pidns_status_field(procfd, c, "TracerPid", tracer, 1) == 1);
	CHILD_CHECK(tracer[0] == 0);
	pidns_post_byte(t->up[1]);
	return pidns_wait_status(c);
}

/* ...and 0 in the proc of the tracee's namespace, where we are invisible. */
TEST(tracerpid_invisible_zero)
{
	struct tracerpid_ctl t;
	pid_t init;
	int c = 0;

	PIDNS_REQUIRE();
	t.outer_procfd = pidns_proc_open();
	ASSERT_GE(t.outer_procfd, 0);
	ASSERT_EQ(0, pidns_pipe(t.up));
	ASSERT_EQ(0, pidns_pipe(t.seized));
	ASSERT_EQ(0, pidns_pipe(t.done));
	init = run_in_ns(inner_reads_tracerpid, &t);
	ASSERT_GE(init, 0);
	ASSERT_EQ(0, pidns_recv_int(t.up[0], &c));
	ASSERT_GT(c, 0);
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, c, 0, 0));
	pidns_post_byte(t.seized[1]);
	ASSERT_TRUE(pidns_wait_byte(t.up[0]));
	/* Detaching needs a ptrace-stop. */
	ASSERT_EQ(0, ptrace(PTRACE_INTERRUPT, c, 0, 0));
	ASSERT_EQ(c, waitpid(c, NULL, __WALL));
	ASSERT_EQ(0, ptrace(PTRACE_DETACH, c, 0, 0));
	pidns_post_byte(t.done[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- seccomp user notification ---------------------------------------- */

/* Install a filter sending getppid() to a listener; returns the listener. */
static int install_notify_filter(void)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = ARRAY_SIZE(filter),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
		       SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
}

/* Receive one notification, answer it with 42; return the request pid. */
static pid_t serve_one_notification(int listener)
{
	struct seccomp_notif req;
	struct seccomp_notif_resp resp;

	memset(&req, 0, sizeof(req));
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req))
		return -1;
	memset(&resp, 0, sizeof(resp));
	resp.id = req.id;
	resp.val = 42;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp))
		return -1;
	return req.pid;
}

/* The notifying task: install, hand over the listener, make the call. */
static int notifying_task(int fdsock)
{
	int listener = install_notify_filter();

	if (listener < 0)
		return 4;
	if (pidns_send_fd(fdsock, listener))
		return 1;
	close(listener);
	return syscall(SYS_getppid) == 42 ? 0 : 1;
}

static int inner_notifies(void *arg)
{
	return notifying_task(*(int *)arg);
}

TEST(seccomp_notif_pid_outer_supervisor)
{
	int fdsock[2], listener, st;
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, fdsock));
	init = run_in_ns(inner_notifies, &fdsock[1]);
	ASSERT_GE(init, 0);
	close(fdsock[1]);
	listener = pidns_recv_fd(fdsock[0]);
	if (listener < 0) {
		st = pidns_wait_status(init);
		if (st == 4)
			SKIP(return, "no seccomp user notification");
		ASSERT_GE(listener, 0);
	}
	EXPECT_EQ(init, serve_one_notification(listener));
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_supervises(void *arg)
{
	int listener = pidns_recv_fd(*(int *)arg);
	pid_t c;

	if (listener < 0)
		return 4;
	/* The outside task is invisible... */
	CHILD_CHECK(serve_one_notification(listener) == 0);
	close(listener);
	/* ...a task of our own namespace is named by its inner number. */
	{
		int pair[2];

		CHILD_CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, pair) == 0);
		c = fork();
		if (c == 0)
			_exit(notifying_task(pair[1]));
		listener = pidns_recv_fd(pair[0]);
		CHILD_CHECK(listener >= 0);
		CHILD_CHECK(serve_one_notification(listener) == 2);
		CHILD_CHECK(pidns_wait_status(c) == 0);
	}
	return 0;
}

TEST(seccomp_notif_pid_inner_supervisor)
{
	int fdsock[2], st;
	pid_t init, t;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, fdsock));
	init = run_in_ns(inner_supervises, &fdsock[0]);
	ASSERT_GE(init, 0);
	t = fork();
	ASSERT_GE(t, 0);
	if (t == 0)
		_exit(notifying_task(fdsock[1]));
	st = pidns_wait_status(t);
	if (st == 4) {
		close(fdsock[1]);
		pidns_wait_status(init);
		SKIP(return, "no seccomp user notification");
	}
	EXPECT_EQ(0, st);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- mq_notify ---------------------------------------------------------- */

static char mq_name[64];

static mqd_t open_test_mq(void)
{
	struct mq_attr attr = { .mq_maxmsg = 4, .mq_msgsize = 16 };

	snprintf(mq_name, sizeof(mq_name), "/pidns-mq-%d", getpid());
	return mq_open(mq_name, O_RDWR | O_CREAT | O_EXCL, 0600, &attr);
}

static int notify_me(mqd_t mq, int sig)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_SIGNAL,
		.sigev_signo = sig,
	};

	pidns_block_signal(sig);
	return mq_notify(mq, &sev);
}

static int wait_sig_pid(int sig, int *code)
{
	siginfo_t info;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	memset(&info, 0, sizeof(info));
	if (sigwaitinfo(&set, &info) != sig)
		return -1;
	*code = info.si_code;
	return info.si_pid;
}

static mqd_t test_mq;

static int inner_mq_send(void *arg)
{
	CHILD_CHECK(mq_send(test_mq, "x", 1, 0) == 0);
	return 0;
}

TEST(mq_notify_si_pid_outer_receiver)
{
	int code = 0;
	pid_t init;

	PIDNS_REQUIRE();
	test_mq = open_test_mq();
	if (test_mq == (mqd_t)-1)
		SKIP(return, "no POSIX message queues: %m");
	mq_unlink(mq_name);
	ASSERT_EQ(0, notify_me(test_mq, SIGUSR1));
	init = run_in_ns(inner_mq_send, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(init, wait_sig_pid(SIGUSR1, &code));
	EXPECT_EQ(SI_MESGQ, code);
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_mq_notified(void *arg)
{
	int *ready = arg;
	int code = 0;
	pid_t c;

	/* A non-init member, so nothing about init's signals interferes. */
	c = fork();
	if (c == 0) {
		CHILD_CHECK(notify_me(test_mq, SIGUSR1) == 0);
		pidns_post_byte(ready[1]);
		CHILD_CHECK(wait_sig_pid(SIGUSR1, &code) == 0);
		CHILD_CHECK(code == SI_MESGQ);
		_exit(0);
	}
	return pidns_wait_status(c);
}

TEST(mq_notify_si_pid_inner_receiver)
{
	int ready[2];
	pid_t init;

	PIDNS_REQUIRE();
	test_mq = open_test_mq();
	if (test_mq == (mqd_t)-1)
		SKIP(return, "no POSIX message queues: %m");
	mq_unlink(mq_name);
	ASSERT_EQ(0, pidns_pipe(ready));
	init = run_in_ns(inner_mq_notified, ready);
	ASSERT_GE(init, 0);
	ASSERT_TRUE(pidns_wait_byte(ready[0]));
	ASSERT_EQ(0, mq_send(test_mq, "x", 1, 0));
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- process-group signals -------------------------------------------- */

/*
 * The test process leads its process group (the harness does setpgrp()).
 * A member M of the group lives in the test's namespace and records the
 * SIGUSR1 it gets; a sender in a child namespace, still in the group,
 * signals the whole group.  M must see the sender's number in M's
 * namespace.
 */
struct pgrp_ctl {
	struct pidns_sigrec rec;
	int ready[2];
};

/*
 * Body of M, in whichever namespace it was forked: record SIGUSR1 in
 * ctl->rec, tell the test it is ready, exit once the signal came.
 */
static __noreturn void pgrp_member(struct pgrp_ctl *ctl)
{
	pidns_sigrec = &ctl->rec;
	CHILD_CHECK(pidns_catch_signal(SIGUSR1) == 0);
	pidns_post_byte(ctl->ready[1]);
	pidns_wait_signal();
	_exit(0);
}

static pid_t start_group_member(struct pgrp_ctl *ctl)
{
	pid_t m = fork();

	if (m == 0)
		pgrp_member(ctl);
	return m;
}

static int init_kill0(void *arg)
{
	CHILD_CHECK(getpgrp() == 0);	/* the group is outside */
	CHILD_CHECK(kill(0, SIGUSR1) == 0);
	return 0;
}

TEST(kill0_si_pid_translated)
{
	struct pgrp_ctl *ctl;
	pid_t m, init;

	PIDNS_REQUIRE();
	ctl = pidns_shared_alloc(sizeof(*ctl));
	ASSERT_NE(NULL, ctl);
	ASSERT_EQ(getpid(), getpgrp());
	ASSERT_EQ(0, pidns_pipe(ctl->ready));
	signal(SIGUSR1, SIG_IGN);	/* we are in the group too */
	m = start_group_member(ctl);
	ASSERT_GE(m, 0);
	ASSERT_TRUE(pidns_wait_byte(ctl->ready[0]));
	init = run_in_ns(init_kill0, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
	EXPECT_EQ(0, pidns_wait_status(m));
	EXPECT_EQ(1, ctl->rec.count);
	EXPECT_EQ(SI_USER, ctl->rec.code);
	EXPECT_EQ(init, ctl->rec.pid) {
		TH_LOG("sender is %d here, got si_pid %d", init, ctl->rec.pid);
	}
}

struct killpg_ctl {
	int res[2];
	int outer_procfd;
};

static int member_killpg(void *arg)
{
	struct killpg_ctl *k = arg;
	pid_t c = fork();

	if (c == 0) {
		CHILD_CHECK(getpid() == 2);
		/* Our number in the test's namespace, for the check. */
		pidns_send_int(k->res[1], pidns_self_in_proc(k->outer_procfd));
		CHILD_CHECK(killpg(getpgrp(), SIGUSR1) == 0);
		_exit(0);
	}
	return pidns_wait_status(c);
}

/* The same from a non-init member, with killpg(). */
TEST(killpg_si_pid_translated)
{
	struct pgrp_ctl *ctl;
	struct killpg_ctl k;
	int sender = 0;
	pid_t m, init;

	PIDNS_REQUIRE();
	k.outer_procfd = pidns_proc_open();
	ASSERT_GE(k.outer_procfd, 0);
	ASSERT_EQ(0, pidns_pipe(k.res));
	ctl = pidns_shared_alloc(sizeof(*ctl));
	ASSERT_NE(NULL, ctl);
	ASSERT_EQ(0, pidns_pipe(ctl->ready));
	signal(SIGUSR1, SIG_IGN);
	m = start_group_member(ctl);
	ASSERT_GE(m, 0);
	ASSERT_TRUE(pidns_wait_byte(ctl->ready[0]));
	init = run_in_ns(member_killpg, &k);
	ASSERT_GE(init, 0);
	ASSERT_EQ(0, pidns_recv_int(k.res[0], &sender));
	ASSERT_GT(sender, 2);
	EXPECT_EQ(0, pidns_wait_status(m));
	EXPECT_EQ(0, pidns_wait_status(init));
	EXPECT_EQ(1, ctl->rec.count);
	EXPECT_EQ(SI_USER, ctl->rec.code);
	EXPECT_EQ(sender, ctl->rec.pid) {
		TH_LOG("sender is %d here, got si_pid %d", sender,
		       ctl->rec.pid);
	}
}

/*
 * The init side of the kill0_member_* tests: once member @m is ready,
 * signal the whole group with kill(0) and reap @m; ctl->rec then holds
 * what @m got.
 */
static void kill0_and_reap_member(struct pgrp_ctl *ctl, pid_t m)
{
	CHILD_CHECK(pidns_wait_byte(ctl->ready[0]));
	CHILD_CHECK(kill(0, SIGUSR1) == 0);
	CHILD_CHECK(pidns_wait_status(m) == 0);
}

/*
 * The test side of the kill0_member_* tests: run @fn as the init of a new
 * namespace with a fresh pgrp_ctl, ignoring SIGUSR1 here (the test process
 * is in the group too).  @fn does the checking.
 */
static void run_kill0_member_init(struct __test_metadata *_metadata,
				  int (*fn)(void *))
{
	struct pgrp_ctl *ctl;
	pid_t init;

	ctl = pidns_shared_alloc(sizeof(*ctl));
	ASSERT_NE(NULL, ctl);
	ASSERT_EQ(0, pidns_pipe(ctl->ready));
	signal(SIGUSR1, SIG_IGN);
	init = run_in_ns(fn, ctl);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* Control: a member in the sender's own namespace gets the inner number. */
static int init_group_same_ns(void *arg)
{
	struct pgrp_ctl *ctl = arg;
	pid_t m = start_group_member(ctl);

	CHILD_CHECK(m == 2);
	kill0_and_reap_member(ctl, m);
	CHILD_CHECK(ctl->rec.count == 1 && ctl->rec.pid == 1);
	return 0;
}

TEST(kill0_member_in_same_ns)
{
	PIDNS_REQUIRE();
	run_kill0_member_init(_metadata, init_group_same_ns);
}

/* A member in a namespace below the sender's gets si_pid 0. */
static int init_group_deeper(void *arg)
{
	struct pgrp_ctl *ctl = arg;
	pid_t m = pidns_fork();

	if (m == 0)
		pgrp_member(ctl);
	CHILD_CHECK(m > 0);
	kill0_and_reap_member(ctl, m);
	CHILD_CHECK(ctl->rec.count == 1 && ctl->rec.pid == 0);
	return 0;
}

TEST(kill0_member_in_deeper_ns)
{
	PIDNS_REQUIRE();
	run_kill0_member_init(_metadata, init_group_deeper);
}

/* ---- pidfd fdinfo --------------------------------------------------------- */

/* Pid: and NSpid: of <procfd>/self/fdinfo/<fd>; returns NSpid count. */
static int pidfd_info(int procfd, int fd, long *pid, long *nspid, int max)
{
	char path[64], buf[1024], *p;
	int n = 0;

	snprintf(path, sizeof(path), "self/fdinfo/%d", fd);
	if (pidns_read_file_at(procfd, path, buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "\nPid:");
	if (!p)
		return -1;
	*pid = strtol(p + 5, NULL, 10);
	p = strstr(buf, "\nNSpid:");
	if (!p)
		return -1;
	p += 7;
	while (n < max) {
		char *end;
		long v = strtol(p, &end, 10);

		if (end == p)
			break;
		nspid[n++] = v;
		p = end;
		if (*p == '\n')
			break;
	}
	return n;
}

TEST(pidfd_fdinfo_outer_view)
{
	int hold[2], procfd, pidfd;
	long pid = 0, nspid[4];
	pid_t init;

	PIDNS_REQUIRE();
	procfd = pidns_proc_open();
	ASSERT_GE(procfd, 0);
	ASSERT_EQ(0, pidns_pipe(hold));
	init = pidns_fork_idle_init(hold);
	ASSERT_GE(init, 0);
	pidfd = sys_pidfd_open(init, 0);
	ASSERT_GE(pidfd, 0);
	ASSERT_EQ(2, pidfd_info(procfd, pidfd, &pid, nspid, 4));
	EXPECT_EQ(init, pid);
	EXPECT_EQ(init, nspid[0]);
	EXPECT_EQ(1, nspid[1]);
	close(hold[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
	/* Reaped: -1. */
	ASSERT_EQ(1, pidfd_info(procfd, pidfd, &pid, nspid, 4));
	EXPECT_EQ(-1, pid);
	EXPECT_EQ(-1, nspid[0]);
}

static int inner_fdinfo(void *arg)
{
	int *outer = arg;	/* outer[0]: test pidfd, outer[1]: outer procfd */
	int procfd = pidns_proc_open();
	long pid = 0, nspid[4];
	int hold[2], fd;
	pid_t c;

	CHILD_CHECK(procfd >= 0 && pipe(hold) == 0);
	c = fork();
	if (c == 0)
		pidns_idle_until_released(hold);
	fd = sys_pidfd_open(c, 0);
	CHILD_CHECK(fd >= 0);
	/* Our proc: inner numbers only. */
	CHILD_CHECK(pidfd_info(procfd, fd, &pid, nspid, 4) == 1);
	CHILD_CHECK(pid == 2 && nspid[0] == 2);
	/* The outer proc, read by us: the proc's namespace decides. */
	CHILD_CHECK(pidfd_info(outer[1], fd, &pid, nspid, 4) == 2);
	CHILD_CHECK(pid > 2 && nspid[0] == pid && nspid[1] == 2);
	/* A pidfd for the (invisible) test process, via our proc: 0. */
	CHILD_CHECK(pidfd_info(procfd, outer[0], &pid, nspid, 4) == 1);
	CHILD_CHECK(pid == 0 && nspid[0] == 0);
	close(hold[1]);
	CHILD_CHECK(pidns_wait_status(c) == 0);
	return 0;
}

TEST(pidfd_fdinfo_inner_view)
{
	int outer[2];
	pid_t init;

	PIDNS_REQUIRE();
	outer[0] = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(outer[0], 0);
	outer[1] = pidns_proc_open();
	ASSERT_GE(outer[1], 0);
	init = run_in_ns(inner_fdinfo, outer);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- /proc/loadavg ----------------------------------------------------- */

/*
 * The last pid of /proc/loadavg is the reader's: the number its own
 * namespace handed out last, as ns_last_pid gives it, whichever
 * namespace's proc the file is read through.  That is 6.12's rule, and
 * upstream's proc-loadavg-001 checks it.
 */
static int inner_proc_sender(void *arg)
{
	int *p = arg;	/* p[1] fd socket, p[2] hold */
	int procfd = pidns_proc_open();
	pid_t c;

	CHILD_CHECK(procfd >= 0);
	c = fork();	/* last pid here: 2 */
	if (c == 0)
		_exit(0);
	CHILD_CHECK(pidns_wait_status(c) == 0);
	CHILD_CHECK(pidns_loadavg_last_pid(procfd) == 2);
	CHILD_CHECK(pidns_send_fd(p[1], procfd) == 0);
	pidns_wait_byte(p[2]);
	return 0;
}

/*
 * The init of a quiet namespace A reads the proc of its child namespace
 * B: B's last pid is 2, A's is 3 (B's init is 2 in A, its child 3), and
 * the reader gets A's.
 */
static int outer_reads_inner_loadavg(void *arg)
{
	int p[4], inner;
	pid_t init;

	CHILD_CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, p) == 0);
	CHILD_CHECK(pidns_pipe(p + 2) == 0);
	init = run_in_ns(inner_proc_sender, p);
	CHILD_CHECK(init == 2);
	inner = pidns_recv_fd(p[0]);
	CHILD_CHECK(inner >= 0);
	CHILD_CHECK(pidns_loadavg_last_pid(inner) == 3);
	pidns_post_byte(p[3]);
	CHILD_CHECK(pidns_wait_status(init) == 0);
	return 0;
}

TEST(loadavg_last_pid_is_the_readers_read_from_outside)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = run_in_ns(outer_reads_inner_loadavg, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_reads_outer_loadavg(void *arg)
{
	int *p = arg;	/* p[0] outer procfd, p[1] result pipe */
	pid_t c = fork();

	if (c == 0)
		_exit(0);
	pidns_wait_status(c);
	pidns_send_int(p[1], pidns_loadavg_last_pid(p[0]));
	return 0;
}

/* ...and a child namespace reading its parent's proc gets its own: 2. */
TEST(loadavg_last_pid_is_the_readers_read_from_inside)
{
	int p[2], pipefd[2], v = -1;
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(pipefd));
	p[0] = pidns_proc_open();
	ASSERT_GE(p[0], 0);
	p[1] = pipefd[1];
	init = run_in_ns(inner_reads_outer_loadavg, p);
	ASSERT_GE(init, 0);
	ASSERT_EQ(0, pidns_recv_int(pipefd[0], &v));
	EXPECT_EQ(2, v);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* Control: inside, reading its own proc. */
static int inner_loadavg_own(void *arg)
{
	int procfd = pidns_proc_open();
	pid_t c;

	CHILD_CHECK(procfd >= 0);
	CHILD_CHECK(pidns_loadavg_last_pid(procfd) == 1);
	c = fork();
	if (c == 0)
		_exit(0);
	CHILD_CHECK(pidns_wait_status(c) == 0);
	CHILD_CHECK(pidns_loadavg_last_pid(procfd) == 2);
	return 0;
}

TEST(loadavg_last_pid_own_ns)
{
	pid_t init;

	PIDNS_REQUIRE();
	init = run_in_ns(inner_loadavg_own, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- /proc/PID/stat and the terminal's numbers ------------------------- */

/*
 * Fields 4 (ppid), 5 (pgrp), 6 (session) and 8 (tpgid) of
 * <procfd>/<pid>/stat (pid 0 = "self"); 0 or -1 on error.  Every one is
 * by the proc mount's namespace, 0 for a task or group it cannot name.
 */
struct stat_ids {
	long ppid, pgrp, session, tpgid;
};

static int stat_ids(int procfd, pid_t pid, struct stat_ids *ids)
{
	char path[64], buf[1024], *p;
	long tty;

	if (pid)
		snprintf(path, sizeof(path), "%d/stat", pid);
	else
		snprintf(path, sizeof(path), "self/stat");
	if (pidns_read_file_at(procfd, path, buf, sizeof(buf)) < 0)
		return -1;
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %ld %ld %ld %ld %ld", &ids->ppid,
			 &ids->pgrp, &ids->session, &tty, &ids->tpgid) != 5)
		return -1;
	return 0;
}

/* tpgid STAT_ANY: not checked (the test's own terminal, if any). */
#define STAT_ANY	LONG_MIN

static bool stat_is(int procfd, pid_t pid, long ppid, long pgrp,
		    long session, long tpgid)
{
	struct stat_ids ids;

	if (stat_ids(procfd, pid, &ids))
		return false;
	if (ids.ppid == ppid && ids.pgrp == pgrp && ids.session == session &&
	    (tpgid == STAT_ANY || ids.tpgid == tpgid))
		return true;
	fprintf(stderr, "# %d/stat: ppid %ld pgrp %ld session %ld tpgid %ld",
		pid, ids.ppid, ids.pgrp, ids.session, ids.tpgid);
	fprintf(stderr, ", want %ld %ld %ld %ld\n", ppid, pgrp, session, tpgid);
	return false;
}

/* Parent-test synchronisation: up (inside -> test) and down pipes. */
struct updown {
	int up[2];
	int down[2];
	int outer_procfd;
	int fdsock;	/* a socket to the test, where fds are passed */
	pid_t test_pid;
};

static int updown_init(struct updown *u)
{
	u->test_pid = getpid();
	u->outer_procfd = pidns_proc_open();
	if (u->outer_procfd < 0 || pidns_pipe(u->up) || pidns_pipe(u->down))
		return -1;
	return 0;
}

/*
 * Once the inside is started, the test drops its copies of the inside's
 * ends, so a failed inside check makes the test's next wait see EOF.
 */
static void updown_started(struct updown *u)
{
	close(u->up[1]);
	close(u->down[0]);
}

/* updown_init(), run_in_ns(@fn, @u), updown_started(): the init. */
static pid_t start_in_ns(struct __test_metadata *_metadata, struct updown *u,
			 int (*fn)(void *))
{
	pid_t init;

	ASSERT_EQ(0, updown_init(u));
	init = run_in_ns(fn, u);
	ASSERT_GE(init, 0);
	updown_started(u);
	return init;
}

/*
 * In an init that opens something the test may not have (perf, a
 * userfaultfd, an io_uring): send up the errno of the open that gave
 * @fd, 0 if it worked.  False if it did not, and the init is to return
 * 4 (the test skips, see inner_open_errno()).
 */
static bool inner_opened(struct updown *u, int fd)
{
	CHILD_CHECK(pidns_send_int(u->up[1], fd < 0 ? errno : 0) == 0);
	return fd >= 0;
}

/* inner_opened(), and @fd handed up to the test through u->fdsock. */
static bool inner_hands_up(struct updown *u, int fd)
{
	if (!inner_opened(u, fd))
		return false;
	CHILD_CHECK(pidns_send_fd(u->fdsock, fd) == 0);
	return true;
}

/*
 * What inner_opened() sent up: 0, or the errno of the open inside, once
 * the init is reaped, for the test to skip with.
 */
static int inner_open_errno(struct __test_metadata *_metadata,
			    struct updown *u, pid_t init)
{
	int err = -1;

	ASSERT_EQ(0, pidns_recv_int(u->up[0], &err));
	if (err)
		pidns_wait_status(init);
	return err;
}

/*
 * start_in_ns() an init that opens an fd and hands it up
 * (inner_hands_up()): the fd, or -1 with errno the inside's when it
 * could not open it (the init reaped: the test skips).
 */
static int start_fd_opener_in_ns(struct __test_metadata *_metadata,
				 struct updown *u, int (*fn)(void *),
				 pid_t *init)
{
	int pair[2], err, fd;

	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0,
				pair));
	u->fdsock = pair[1];
	*init = start_in_ns(_metadata, u, fn);
	/* The init's copy only: its exit is EOF for the read below. */
	close(pair[1]);
	err = inner_open_errno(_metadata, u, *init);
	if (err) {
		close(pair[0]);
		errno = err;
		return -1;
	}
	fd = pidns_recv_fd(pair[0]);
	ASSERT_GE(fd, 0);
	close(pair[0]);
	return fd;
}

static int inner_stat_ids(void *arg)
{
	struct updown *u = arg;
	int procfd = pidns_proc_open();
	int hold[2];
	pid_t c;

	CHILD_CHECK(procfd >= 0 && pipe(hold) == 0);
	/* Parent, group and session are the test's: none has a number here. */
	CHILD_CHECK(stat_is(procfd, 1, 0, 0, 0, STAT_ANY));
	CHILD_CHECK(stat_is(procfd, 0, 0, 0, 0, STAT_ANY));
	pidns_post_byte(u->up[1]);
	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	/* A new session has no terminal: tpgid -1. */
	CHILD_CHECK(setsid() == 1);
	c = fork();
	if (c == 0)
		pidns_idle_until_released(hold);
	CHILD_CHECK(c == 2);
	CHILD_CHECK(stat_is(procfd, 1, 0, 1, 1, -1));
	CHILD_CHECK(stat_is(procfd, 2, 1, 1, 1, -1));
	/* The parent's proc, read from here: its numbers. */
	pidns_send_int(u->up[1], pidns_self_in_proc(u->outer_procfd));
	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	close(hold[1]);
	CHILD_CHECK(pidns_wait_status(c) == 0);
	return 0;
}

/*
 * /proc/PID/stat ppid, pgrp and session of a namespace init: 0 in its own
 * namespace's proc while they are the outside parent's, the real numbers
 * in the parent's proc; after setsid() 1 inside, the init's outer number
 * outside, and a member's parent is 1 inside and the init outside.
 */
TEST(proc_stat_ppid_pgrp_session_both_sides)
{
	struct updown u;
	pid_t init;
	int self = 0;

	PIDNS_REQUIRE();
	init = start_in_ns(_metadata, &u, inner_stat_ids);
	ASSERT_TRUE(pidns_wait_byte(u.up[0]));
	EXPECT_TRUE(stat_is(u.outer_procfd, init, getpid(), getpgrp(),
			    getsid(0), STAT_ANY));
	pidns_post_byte(u.down[1]);
	ASSERT_EQ(0, pidns_recv_int(u.up[0], &self));
	EXPECT_EQ(init, self);
	EXPECT_TRUE(stat_is(u.outer_procfd, init, getpid(), init, init, -1));
	pidns_post_byte(u.down[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* A pty pair; the slave through TIOCGPTPEER (or its name), O_NOCTTY. */
static int open_pty(int *master, int *slave)
{
	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0)
		return -1;
	if (grantpt(*master) || unlockpt(*master))
		return -1;
	*slave = ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*slave < 0) {
		const char *name = ptsname(*master);

		*slave = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
	}
	return *slave < 0 ? -1 : 0;
}

static pid_t tty_ioctl_pid(int fd, unsigned long req)
{
	pid_t pid = -2;

	if (ioctl(fd, req, &pid))
		return -1;
	return pid;
}

static int pty_master, pty_slave;

static int inner_leads_pty_session(void *arg)
{
	struct updown *u = arg;
	int procfd = pidns_proc_open();
	int hold[2];
	pid_t c;

	CHILD_CHECK(procfd >= 0 && pipe(hold) == 0);
	CHILD_CHECK(setsid() == 1);
	CHILD_CHECK(ioctl(pty_slave, TIOCSCTTY, 0) == 0);
	c = fork();
	if (c == 0)
		pidns_idle_until_released(hold);
	CHILD_CHECK(c == 2);
	CHILD_CHECK(stat_is(procfd, 1, 0, 1, 1, 1));
	CHILD_CHECK(stat_is(procfd, 2, 1, 1, 1, 1));
	CHILD_CHECK(tty_ioctl_pid(pty_slave, TIOCGPGRP) == 1);
	CHILD_CHECK(tty_ioctl_pid(pty_slave, TIOCGSID) == 1);
	CHILD_CHECK(tty_ioctl_pid(pty_master, TIOCGPGRP) == 1);
	CHILD_CHECK(tty_ioctl_pid(pty_master, TIOCGSID) == 1);
	CHILD_CHECK(tcgetsid(pty_slave) == 1);
	pidns_post_byte(u->up[1]);
	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	close(hold[1]);
	CHILD_CHECK(pidns_wait_status(c) == 0);
	return 0;
}

/*
 * A pty whose session and foreground group are led by a namespace init:
 * /proc/PID/stat tpgid, TIOCGPGRP and TIOCGSID give 1 inside (slave and
 * master alike) and the init's outer number outside.
 */
TEST(pty_session_led_inside_stat_tpgid_tiocgpgrp_tiocgsid)
{
	struct updown u;
	pid_t init;

	PIDNS_REQUIRE();
	if (open_pty(&pty_master, &pty_slave))
		SKIP(return, "no pty: %m");
	init = start_in_ns(_metadata, &u, inner_leads_pty_session);
	ASSERT_TRUE(pidns_wait_byte(u.up[0]));
	EXPECT_TRUE(stat_is(u.outer_procfd, init, getpid(), init, init,
			    init));
	EXPECT_EQ(init, tty_ioctl_pid(pty_master, TIOCGPGRP));
	EXPECT_EQ(init, tty_ioctl_pid(pty_master, TIOCGSID));
	pidns_post_byte(u.down[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_in_outside_pty_session(void *arg)
{
	struct updown *u = arg;
	int procfd = pidns_proc_open();

	CHILD_CHECK(procfd >= 0);
	/* Session and foreground group are the outside leader's. */
	CHILD_CHECK(stat_is(procfd, 1, 0, 0, 0, 0));
	CHILD_CHECK(tty_ioctl_pid(pty_slave, TIOCGPGRP) == 0);
	CHILD_CHECK(tty_ioctl_pid(pty_slave, TIOCGSID) == 0);
	CHILD_CHECK(tty_ioctl_pid(pty_master, TIOCGPGRP) == 0);
	CHILD_CHECK(tty_ioctl_pid(pty_master, TIOCGSID) == 0);
	pidns_post_byte(u->up[1]);
	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	/* Our own group in that session, made the foreground one. */
	signal(SIGTTOU, SIG_IGN);
	CHILD_CHECK(setpgid(0, 0) == 0);
	CHILD_CHECK(tcsetpgrp(pty_slave, 1) == 0);
	CHILD_CHECK(stat_is(procfd, 1, 0, 1, 0, 1));
	CHILD_CHECK(tty_ioctl_pid(pty_slave, TIOCGPGRP) == 1);
	CHILD_CHECK(tty_ioctl_pid(pty_slave, TIOCGSID) == 0);
	CHILD_CHECK(tty_ioctl_pid(pty_master, TIOCGPGRP) == 1);
	pidns_post_byte(u->up[1]);
	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	return 0;
}

/*
 * The same pty led by a session leader L in the test's namespace, with a
 * namespace init in L's session: inside, tpgid, TIOCGPGRP and TIOCGSID
 * are 0 while group and leader are L's, tpgid and TIOCGPGRP 1 once the
 * init's own group is in the foreground (TIOCGSID stays 0); outside they
 * are L's numbers, then the init's group.
 */
TEST(pty_session_led_outside_invisible_inside)
{
	int initpid[2];
	struct updown u;
	pid_t leader, init = 0;

	PIDNS_REQUIRE();
	if (open_pty(&pty_master, &pty_slave))
		SKIP(return, "no pty: %m");
	ASSERT_EQ(0, updown_init(&u));
	ASSERT_EQ(0, pidns_pipe(initpid));
	leader = fork();
	ASSERT_GE(leader, 0);
	if (leader == 0) {
		pid_t i;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		CHILD_CHECK(setsid() == getpid());
		CHILD_CHECK(ioctl(pty_slave, TIOCSCTTY, 0) == 0);
		i = run_in_ns(inner_in_outside_pty_session, &u);
		CHILD_CHECK(i > 0);
		pidns_send_int(initpid[1], i);
		_exit(pidns_wait_status(i));
	}
	updown_started(&u);
	ASSERT_EQ(0, pidns_recv_int(initpid[0], &init));
	ASSERT_TRUE(pidns_wait_byte(u.up[0]));
	EXPECT_TRUE(stat_is(u.outer_procfd, init, leader, leader, leader,
			    leader));
	EXPECT_EQ(leader, tty_ioctl_pid(pty_master, TIOCGPGRP));
	EXPECT_EQ(leader, tty_ioctl_pid(pty_master, TIOCGSID));
	pidns_post_byte(u.down[1]);
	ASSERT_TRUE(pidns_wait_byte(u.up[0]));
	EXPECT_TRUE(stat_is(u.outer_procfd, init, leader, init, leader,
			    init));
	EXPECT_EQ(init, tty_ioctl_pid(pty_master, TIOCGPGRP));
	EXPECT_EQ(leader, tty_ioctl_pid(pty_master, TIOCGSID));
	pidns_post_byte(u.down[1]);
	EXPECT_EQ(0, pidns_wait_status(leader));
}

/* ---- SIGIO ---------------------------------------------------------------- */

/*
 * SIGIO (fs/fcntl.c send_sigio_to_task()) is sent by the kernel with
 * SEND_SIG_PRIV: si_code SI_KERNEL and si_pid 0 whoever caused the I/O,
 * so no number crosses the boundary in it; with F_SETSIG the signal
 * carries si_fd and POLL_IN instead, and no pid either.  What does cross
 * is the owner, in F_GETOWN, and the signal must reach the right task.
 */
static int sigio_pair[2];

static int wait_sigio(int sig, siginfo_t *info)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, sig);
	memset(info, 0, sizeof(*info));
	return sigwaitinfo(&set, info) == sig ? 0 : -1;
}

/* Make the caller the owner of @fd's SIGIO (plain, or @sig by F_SETSIG). */
static int own_sigio(int fd, int sig)
{
	if (pidns_block_signal(sig))
		return -1;
	if (fcntl(fd, F_SETOWN, getpid()) ||
	    fcntl(fd, F_SETSIG, sig == SIGIO ? 0 : sig))
		return -1;
	return fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_ASYNC);
}

static int inner_owns_sigio(void *arg)
{
	struct updown *u = arg;
	siginfo_t info;

	CHILD_CHECK(own_sigio(sigio_pair[0], SIGIO) == 0);
	CHILD_CHECK(fcntl(sigio_pair[0], F_GETOWN) == 1);
	pidns_post_byte(u->up[1]);
	CHILD_CHECK(wait_sigio(SIGIO, &info) == 0);
	CHILD_CHECK(info.si_code == SI_KERNEL && info.si_pid == 0);
	/* Again with F_SETSIG: si_fd and POLL_IN. */
	CHILD_CHECK(read(sigio_pair[0], &info, 1) == 1);
	CHILD_CHECK(own_sigio(sigio_pair[0], SIGUSR1) == 0);
	pidns_post_byte(u->up[1]);
	CHILD_CHECK(wait_sigio(SIGUSR1, &info) == 0);
	CHILD_CHECK(info.si_code == POLL_IN && info.si_fd == sigio_pair[0]);
	return 0;
}

TEST(sigio_owner_inside_io_outside)
{
	struct updown u;
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, updown_init(&u));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sigio_pair));
	init = run_in_ns(inner_owns_sigio, &u);
	ASSERT_GE(init, 0);
	updown_started(&u);
	ASSERT_TRUE(pidns_wait_byte(u.up[0]));
	EXPECT_EQ(init, fcntl(sigio_pair[0], F_GETOWN));
	ASSERT_EQ(1, write(sigio_pair[1], "x", 1));
	ASSERT_TRUE(pidns_wait_byte(u.up[0]));
	ASSERT_EQ(1, write(sigio_pair[1], "y", 1));
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_does_io(void *arg)
{
	CHILD_CHECK(fcntl(sigio_pair[0], F_GETOWN) == 0);
	CHILD_CHECK(write(sigio_pair[1], "x", 1) == 1);
	return 0;
}

TEST(sigio_owner_outside_io_inside)
{
	siginfo_t info;
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sigio_pair));
	ASSERT_EQ(0, own_sigio(sigio_pair[0], SIGIO));
	init = run_in_ns(inner_does_io, NULL);
	ASSERT_GE(init, 0);
	ASSERT_EQ(0, wait_sigio(SIGIO, &info));
	EXPECT_EQ(SI_KERNEL, info.si_code);
	EXPECT_EQ(0, info.si_pid);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- SCM_PIDFD and SO_PEERPIDFD ----------------------------------------- */

/* Receive one message; return the SCM_PIDFD fd, -1 if none. */
static int recv_scm_pidfd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char data[16];
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(data) };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) < 0)
		return -1;
	for (cmsg = CMSG_FIRSTHDR(&msg); cmsg; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
		if (cmsg->cmsg_level == SOL_SOCKET &&
		    cmsg->cmsg_type == SCM_PIDFD) {
			memcpy(&fd, CMSG_DATA(cmsg), sizeof(fd));
			return fd;
		}
	}
	return -1;
}

static int passpidfd(int sock)
{
	int one = 1;

	return setsockopt(sock, SOL_SOCKET, SO_PASSPIDFD, &one, sizeof(one));
}

static int peer_pidfd(int sock)
{
	socklen_t len = sizeof(int);
	int fd = -1;

	if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &fd, &len))
		return -1;
	return fd;
}

/*
 * @pidfd names the task that is @pid in the namespace of @procfd's proc
 * (0: a task with no number there), and @nslevels NSpid entries: the
 * fdinfo's Pid: and first NSpid: entry.
 */
static bool pidfd_names(int procfd, int pidfd, long pid, int nslevels)
{
	long p = -2, nspid[4];
	int n = pidfd_info(procfd, pidfd, &p, nspid, 4);

	if (n == nslevels && p == pid && nspid[0] == pid)
		return true;
	fprintf(stderr, "# pidfd %d: Pid %ld, %d NSpid (first %ld), want %ld, %d\n",
		pidfd, p, n, n > 0 ? nspid[0] : -2, pid, nslevels);
	return false;
}

/*
 * From outside, a pidfd received for an inner task is the task's: the
 * same pidfs inode as pidfd_open() of its number, fdinfo Pid: that
 * number, NSpid: both levels, and it can be signalled.
 */
static void check_outer_pidfd(struct __test_metadata *_metadata, int fd,
			      int procfd, pid_t init)
{
	int mine = sys_pidfd_open(init, 0);

	ASSERT_GE(fd, 0);
	ASSERT_GE(mine, 0);
	EXPECT_EQ(pidns_fd_ino(mine), pidns_fd_ino(fd));
	EXPECT_TRUE(pidfd_names(procfd, fd, init, 2));
	EXPECT_EQ(0, sys_pidfd_send_signal(fd, 0, NULL, 0));
	close(mine);
}

/*
 * Inside, a pidfd received for the (invisible) test process reads Pid: 0
 * through the namespace's proc and the test's number through the
 * parent's proc; pidfd_send_signal() refuses it (EINVAL, as for any pidfd
 * of a task outside the caller's namespace).
 */
static void inner_check_outer_pidfd(struct updown *u, int fd)
{
	int procfd = pidns_proc_open();

	CHILD_CHECK(fd >= 0 && procfd >= 0);
	CHILD_CHECK(pidfd_names(procfd, fd, 0, 1));
	CHILD_CHECK(pidfd_names(u->outer_procfd, fd, u->test_pid, 1));
	CHILD_CHECK_ERR(sys_pidfd_send_signal(fd, 0, NULL, 0), EINVAL);
	close(procfd);
}

static int inner_sends_for_scm_pidfd(void *arg)
{
	struct updown *u = arg;

	CHILD_CHECK(send_creds(sv[1], 0, false) == 0);
	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	return 0;
}

TEST(scm_pidfd_inner_sender_outer_receiver)
{
	struct updown u;
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, updown_init(&u));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	if (passpidfd(sv[0]))
		SKIP(return, "no SO_PASSPIDFD (6.5+): %m");
	init = run_in_ns(inner_sends_for_scm_pidfd, &u);
	ASSERT_GE(init, 0);
	updown_started(&u);
	check_outer_pidfd(_metadata, recv_scm_pidfd(sv[0]), u.outer_procfd,
			  init);
	pidns_post_byte(u.down[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_receives_scm_pidfd(void *arg)
{
	struct updown *u = arg;

	CHILD_CHECK(passpidfd(sv[1]) == 0);
	pidns_post_byte(u->up[1]);
	inner_check_outer_pidfd(u, recv_scm_pidfd(sv[1]));
	return 0;
}

TEST(scm_pidfd_outer_sender_inner_receiver)
{
	struct updown u;
	pid_t init;
	int probe;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, updown_init(&u));
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_DGRAM, 0, sv));
	probe = socket(AF_UNIX, SOCK_DGRAM, 0);
	ASSERT_GE(probe, 0);
	if (passpidfd(probe))
		SKIP(return, "no SO_PASSPIDFD (6.5+): %m");
	close(probe);
	init = run_in_ns(inner_receives_scm_pidfd, &u);
	ASSERT_GE(init, 0);
	updown_started(&u);
	ASSERT_TRUE(pidns_wait_byte(u.up[0]));
	ASSERT_EQ(0, send_creds(sv[0], 0, false));
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_connects_peerpidfd(void *arg)
{
	struct updown *u = arg;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(connect(fd, (struct sockaddr *)&peer_addr,
			    peer_addr_len) == 0);
	/* The peer is the listener's creator, the test. */
	inner_check_outer_pidfd(u, peer_pidfd(fd));
	pidns_post_byte(u->up[1]);
	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	return 0;
}

TEST(so_peerpidfd_both_sides)
{
	struct updown u;
	int lfd, cfd;
	pid_t init;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, updown_init(&u));
	lfd = listen_abstract();
	ASSERT_GE(lfd, 0);
	if (peer_pidfd(lfd) < 0 && errno == ENOPROTOOPT)
		SKIP(return, "no SO_PEERPIDFD (6.5+)");
	init = run_in_ns(inner_connects_peerpidfd, &u);
	ASSERT_GE(init, 0);
	updown_started(&u);
	cfd = accept(lfd, NULL, NULL);
	ASSERT_GE(cfd, 0);
	ASSERT_TRUE(pidns_wait_byte(u.up[0]));
	check_outer_pidfd(_metadata, peer_pidfd(cfd), u.outer_procfd, init);
	pidns_post_byte(u.down[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

/* ---- ptrace events: clone, vfork, exec ---------------------------------- */

/* What a tracer saw: per PTRACE_EVENT_*, the message and who stopped. */
struct trace_events {
	unsigned long msg[8];
	pid_t at[8];
	unsigned int seen;	/* bit per event */
	pid_t attached;		/* first auto-attached new tracee */
};

/*
 * Trace @tracee (seized with the options wanted) and every task it brings
 * along, continuing each stop and recording each event, until @tracee
 * exits; returns its wait status, -1 on error.  No assertions: inner
 * tracers use it too.
 */
static int trace_until_exit(pid_t tracee, struct trace_events *ev)
{
	memset(ev, 0, sizeof(*ev));
	for (;;) {
		unsigned long msg = 0;
		int st, event;
		pid_t p = waitpid(-1, &st, __WALL);

		if (p < 0)
			return -1;
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (p == tracee)
				return st;
			continue;
		}
		event = (unsigned int)st >> 16;
		if (event == PTRACE_EVENT_STOP) {
			if (p != tracee && !ev->attached)
				ev->attached = p;
			ptrace(PTRACE_CONT, p, 0, 0);
		} else if (event > 0 && event < 8) {
			ptrace(PTRACE_GETEVENTMSG, p, 0, &msg);
			ev->msg[event] = msg;
			ev->at[event] = p;
			ev->seen |= 1U << event;
			ptrace(PTRACE_CONT, p, 0, 0);
		} else {
			ptrace(PTRACE_CONT, p, 0, WSTOPSIG(st));
		}
	}
}

static void *exec_exit_thread(void *arg)
{
	char *const argv[] = { "pidns_boundary_exec", NULL };
	char *const envp[] = { "PIDNS_BOUNDARY_EXEC_EXIT=1", NULL };

	execve("/proc/self/exe", argv, envp);
	return NULL;
}

enum { TRACEE_VFORK, TRACEE_THREAD_EXEC };

/*
 * The traced task, @first its own number: once released by @go, vfork()
 * a child (which must be @first + 1 here) or exec from a new thread.
 */
static int tracee_body(int go, int what, pid_t first)
{
	pthread_t t;
	pid_t c;

	CHILD_CHECK(pidns_wait_byte(go));
	if (what == TRACEE_VFORK) {
		c = vfork();
		if (c == 0)
			_exit(0);
		CHILD_CHECK(c == first + 1);
		return pidns_wait_status(c);
	}
	CHILD_CHECK(pthread_create(&t, NULL, exec_exit_thread, NULL) == 0);
	pthread_join(t, NULL);
	return 3;
}

static int trace_go[2];

static int inner_tracee_vfork(void *arg)
{
	return tracee_body(trace_go[0], TRACEE_VFORK, 1);
}

static int inner_tracee_thread_exec(void *arg)
{
	return tracee_body(trace_go[0], TRACEE_THREAD_EXEC, 1);
}

/* PTRACE_EVENT_VFORK: the new child, in the (outer) tracer's namespace. */
TEST(ptrace_vfork_eventmsg_outer_tracer)
{
	struct trace_events ev;
	pid_t init;
	int st;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, pidns_pipe(trace_go));
	init = run_in_ns(inner_tracee_vfork, NULL);
	ASSERT_GE(init, 0);
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, init, 0, PTRACE_O_TRACEVFORK));
	pidns_post_byte(trace_go[1]);
	st = trace_until_exit(init, &ev);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	ASSERT_TRUE(ev.seen & (1U << PTRACE_EVENT_VFORK));
	EXPECT_EQ(init, ev.at[PTRACE_EVENT_VFORK]);
	EXPECT_GT(ev.attached, 0);
	EXPECT_NE(2, ev.attached);
	EXPECT_EQ(ev.attached, ev.msg[PTRACE_EVENT_VFORK]);
}

/*
 * PTRACE_EVENT_CLONE gives a new thread's id, and PTRACE_EVENT_EXEC the
 * former thread id of a non-leader thread that execs (reported by the
 * leader's number, which it takes over): both in the tracer's namespace.
 */
TEST(ptrace_clone_and_exec_eventmsg_outer_tracer)
{
	struct trace_events ev;
	pid_t init;
	int st;

	PIDNS_REQUIRE();
	if (access("/proc/self/exe", X_OK))
		SKIP(return, "/proc/self/exe not executable");
	ASSERT_EQ(0, pidns_pipe(trace_go));
	init = run_in_ns(inner_tracee_thread_exec, NULL);
	ASSERT_GE(init, 0);
	ASSERT_EQ(0, ptrace(PTRACE_SEIZE, init, 0,
			    PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC));
	pidns_post_byte(trace_go[1]);
	st = trace_until_exit(init, &ev);
	ASSERT_TRUE(WIFEXITED(st));
	EXPECT_EQ(0, WEXITSTATUS(st));
	ASSERT_TRUE(ev.seen & (1U << PTRACE_EVENT_CLONE));
	ASSERT_TRUE(ev.seen & (1U << PTRACE_EVENT_EXEC));
	EXPECT_EQ(init, ev.at[PTRACE_EVENT_CLONE]);
	EXPECT_GT(ev.attached, 0);
	EXPECT_NE(2, ev.attached);
	EXPECT_EQ(ev.attached, ev.msg[PTRACE_EVENT_CLONE]);
	EXPECT_EQ(init, ev.at[PTRACE_EVENT_EXEC]);
	EXPECT_EQ(ev.attached, ev.msg[PTRACE_EVENT_EXEC]);
}

/* The same with tracer and tracee (2) inside: the inner numbers, 3. */
static int inner_traces(void *arg)
{
	struct trace_events ev;
	int what = *(int *)arg;
	int go[2], st;
	pid_t t;

	CHILD_CHECK(pipe(go) == 0);
	t = fork();
	if (t == 0)
		_exit(tracee_body(go[0], what, 2));
	CHILD_CHECK(t == 2);
	CHILD_CHECK(ptrace(PTRACE_SEIZE, t, 0, PTRACE_O_TRACEVFORK |
			   PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC) == 0);
	pidns_post_byte(go[1]);
	st = trace_until_exit(t, &ev);
	CHILD_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHILD_CHECK(ev.attached == 3);
	if (what == TRACEE_VFORK) {
		CHILD_CHECK(ev.seen == 1U << PTRACE_EVENT_VFORK);
		CHILD_CHECK(ev.at[PTRACE_EVENT_VFORK] == 2);
		CHILD_CHECK(ev.msg[PTRACE_EVENT_VFORK] == 3);
	} else {
		CHILD_CHECK(ev.seen == ((1U << PTRACE_EVENT_CLONE) |
					(1U << PTRACE_EVENT_EXEC)));
		CHILD_CHECK(ev.at[PTRACE_EVENT_CLONE] == 2);
		CHILD_CHECK(ev.msg[PTRACE_EVENT_CLONE] == 3);
		CHILD_CHECK(ev.at[PTRACE_EVENT_EXEC] == 2);
		CHILD_CHECK(ev.msg[PTRACE_EVENT_EXEC] == 3);
	}
	return 0;
}

TEST(ptrace_vfork_clone_exec_eventmsg_inner_tracer)
{
	int what[2] = { TRACEE_VFORK, TRACEE_THREAD_EXEC };
	pid_t init;

	PIDNS_REQUIRE();
	if (access("/proc/self/exe", X_OK))
		SKIP(return, "/proc/self/exe not executable");
	for (int i = 0; i < 2; i++) {
		init = run_in_ns(inner_traces, &what[i]);
		ASSERT_GE(init, 0);
		EXPECT_EQ(0, pidns_wait_status(init));
	}
}

/* ---- /dev/mqueue NOTIFY_PID -------------------------------------------- */

/*
 * ipc/mqueue.c mqueue_read_file() prints the notification owner with
 * pid_vnr(): by the reader's namespace, 0 when it cannot name the owner.
 * The owner itself must not read it: closing any file of the queue
 * (mqueue_flush_file()) removes the closer's own registration.
 */
static int mqueue_fs_open(void)
{
	return pidns_fs_open("mqueue", "/dev/mqueue");
}

/* NOTIFY_PID of the test queue, read by the caller; -2 on error. */
static int mq_notify_pid(int mqfs)
{
	char buf[256], *p;

	if (pidns_read_file_at(mqfs, mq_name + 1, buf, sizeof(buf)) <= 0)
		return -2;
	p = strstr(buf, "NOTIFY_PID:");
	if (!p || !strstr(buf, "SIGNO:10 ")) {
		fprintf(stderr, "# %s: %s", mq_name + 1, buf);
		return -2;
	}
	return atoi(p + strlen("NOTIFY_PID:"));
}

static int mqfs;

static int inner_member_registers(void *arg)
{
	struct updown *u = arg;
	int reg[2];
	pid_t c;

	CHILD_CHECK(pipe(reg) == 0);
	c = fork();
	if (c == 0) {
		CHILD_CHECK(notify_me(test_mq, SIGUSR1) == 0);
		pidns_post_byte(reg[1]);
		pidns_send_int(u->up[1], pidns_self_in_proc(u->outer_procfd));
		CHILD_CHECK(pidns_wait_byte(u->down[0]));
		_exit(0);
	}
	CHILD_CHECK(c == 2);
	close(reg[1]);
	CHILD_CHECK(pidns_wait_byte(reg[0]));
	/* The init reads the owner, member 2, by its number here. */
	CHILD_CHECK(mq_notify_pid(mqfs) == 2);
	return pidns_wait_status(c);
}

TEST(mqueue_notify_pid_registered_inside)
{
	struct updown u;
	pid_t init;
	int member = 0;

	PIDNS_REQUIRE();
	ASSERT_EQ(0, updown_init(&u));
	test_mq = open_test_mq();
	if (test_mq == (mqd_t)-1)
		SKIP(return, "no POSIX message queues: %m");
	mqfs = mqueue_fs_open();
	if (mqfs < 0) {
		mq_unlink(mq_name);
		SKIP(return, "no mqueue filesystem: %m");
	}
	init = run_in_ns(inner_member_registers, &u);
	ASSERT_GE(init, 0);
	updown_started(&u);
	ASSERT_EQ(0, pidns_recv_int(u.up[0], &member));
	ASSERT_GT(member, 2);
	EXPECT_EQ(member, mq_notify_pid(mqfs));
	pidns_post_byte(u.down[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
	mq_unlink(mq_name);
}

static int inner_reads_notify_pid(void *arg)
{
	CHILD_CHECK(mq_notify_pid(mqfs) == 0);
	return 0;
}

TEST(mqueue_notify_pid_registered_outside)
{
	pid_t init;

	PIDNS_REQUIRE();
	test_mq = open_test_mq();
	if (test_mq == (mqd_t)-1)
		SKIP(return, "no POSIX message queues: %m");
	mqfs = mqueue_fs_open();
	if (mqfs < 0) {
		mq_unlink(mq_name);
		SKIP(return, "no mqueue filesystem: %m");
	}
	ASSERT_EQ(0, notify_me(test_mq, SIGUSR1));
	init = run_in_ns(inner_reads_notify_pid, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
	/* Last: our own read ends our registration (see above). */
	EXPECT_EQ(getpid(), mq_notify_pid(mqfs));
	mq_unlink(mq_name);
}

/* ---- BSD process accounting -------------------------------------------- */

/*
 * kernel/acct.c: accounting is per pid namespace, an exit is written to
 * the file of its own namespace and of every ancestor that has one, and
 * fill_ac() puts ac_pid and ac_ppid by the namespace of that file's
 * acct() caller, 0 for a parent it cannot name.  Namespace A (its init
 * switched accounting on) holds B (its init did too); B's init forks C.
 */
static char acct_path[2][64];

static int acct_b_init(void *arg)
{
	pid_t c;

	CHILD_CHECK(acct(acct_path[1]) == 0);
	prctl(PR_SET_NAME, "pidns-acct-b");
	c = fork();
	if (c == 0) {
		prctl(PR_SET_NAME, "pidns-acct-c");
		_exit(7);
	}
	CHILD_CHECK(c == 2);
	CHILD_CHECK(pidns_wait_status(c) == 7);
	return 0;	/* B's accounting stays on: this exit is in it too */
}

static int acct_a_init(void *arg)
{
	pid_t b;

	if (acct(acct_path[0]))
		return errno == ENOSYS ? 4 : 5;
	b = run_in_ns(acct_b_init, NULL);
	CHILD_CHECK(b == 2);
	CHILD_CHECK(pidns_wait_status(b) == 0);
	CHILD_CHECK(acct(NULL) == 0);
	return 0;
}

/* ac_pid and ac_ppid of the record for @comm in @fd, false if none. */
static bool acct_record(int fd, const char *comm, long *pid, long *ppid)
{
	struct acct_v3 rec;
	off_t off = 0;

	while (pread(fd, &rec, sizeof(rec), off) == sizeof(rec)) {
		off += sizeof(rec);
		if ((rec.ac_version & 0x0f) != 3 ||
		    strncmp(rec.ac_comm, comm, sizeof(rec.ac_comm)))
			continue;
		*pid = rec.ac_pid;
		*ppid = rec.ac_ppid;
		return true;
	}
	return false;
}

TEST(acct_v3_pid_ppid_by_the_acct_namespace)
{
	struct acct_v3 first;
	long pid = -1, ppid = -1;
	int fd[2], st;
	pid_t init;

	PIDNS_REQUIRE();
	for (int i = 0; i < 2; i++) {
		snprintf(acct_path[i], sizeof(acct_path[i]),
			 "/tmp/pidns-acct-%d-XXXXXX", i);
		fd[i] = mkstemp(acct_path[i]);
		if (fd[i] < 0)
			SKIP(return, "no writable /tmp: %m");
	}
	init = run_in_ns(acct_a_init, NULL);
	ASSERT_GE(init, 0);
	st = pidns_wait_status(init);
	unlink(acct_path[0]);
	unlink(acct_path[1]);
	if (st == 4)
		SKIP(return, "no process accounting (CONFIG_BSD_PROCESS_ACCT)");
	ASSERT_EQ(0, st);
	ASSERT_EQ(sizeof(first), pread(fd[1], &first, sizeof(first), 0));
	if ((first.ac_version & 0x0f) != 3)
		SKIP(return, "accounting records are v%d, not v3",
		     first.ac_version & 0x0f);
	/* B's file: C is 2 with parent 1; B's init 1, its parent invisible. */
	ASSERT_TRUE(acct_record(fd[1], "pidns-acct-c", &pid, &ppid));
	EXPECT_EQ(2, pid);
	EXPECT_EQ(1, ppid);
	ASSERT_TRUE(acct_record(fd[1], "pidns-acct-b", &pid, &ppid));
	EXPECT_EQ(1, pid);
	EXPECT_EQ(0, ppid);
	/* A's file: C is 3 with parent 2 (B's init), which is 2, parent 1. */
	ASSERT_TRUE(acct_record(fd[0], "pidns-acct-c", &pid, &ppid));
	EXPECT_EQ(3, pid);
	EXPECT_EQ(2, ppid);
	ASSERT_TRUE(acct_record(fd[0], "pidns-acct-b", &pid, &ppid));
	EXPECT_EQ(2, pid);
	EXPECT_EQ(1, ppid);
}

/* ---- perf task records ---------------------------------------------------- */

/*
 * kernel/events/core.c perf_event_task_output(): PERF_RECORD_FORK and
 * PERF_RECORD_EXIT carry pid/tid and ppid/ptid by the namespace of the
 * event's opener (event->ns, perf_event_pid()), 0 for a task it cannot
 * name.  A software dummy event with attr.task on the namespace init.
 */
struct perf_task_rec {
	struct perf_event_header header;
	uint32_t pid, ppid, tid, ptid;
	uint64_t time;
};

#define PERF_DATA_PAGES	8

static int perf_task_event(pid_t pid)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_DUMMY,
		.task = 1,
	};

	return syscall(__NR_perf_event_open, &attr, pid, -1, -1,
		       PERF_FLAG_FD_CLOEXEC);
}

static void *perf_map(int fd)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, (1 + PERF_DATA_PAGES) * page,
		       PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return p == MAP_FAILED ? NULL : p;
}

/* The first record of @type in the ring buffer at @map; false if none. */
static bool perf_find(void *map, uint32_t type, struct perf_task_rec *out)
{
	struct perf_event_mmap_page *meta = map;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t size = meta->data_size ? meta->data_size :
			PERF_DATA_PAGES * page;
	char *data = (char *)map + (meta->data_offset ? meta->data_offset :
				    page);
	uint64_t off = 0;

	while (off + sizeof(struct perf_event_header) <= head && off < size) {
		struct perf_event_header *h = (void *)(data + off % size);

		if (!h->size)
			break;
		if (h->type == type && h->size >= sizeof(*out) &&
		    off % size + sizeof(*out) <= size) {
			memcpy(out, h, sizeof(*out));
			return true;
		}
		off += h->size;
	}
	return false;
}

static bool perf_task_is(void *map, uint32_t type, uint32_t pid,
			 uint32_t ppid)
{
	struct perf_task_rec r;

	if (!perf_find(map, type, &r)) {
		fprintf(stderr, "# no perf record of type %u\n", type);
		return false;
	}
	if (r.pid == pid && r.tid == pid && r.ppid == ppid && r.ptid == ppid)
		return true;
	fprintf(stderr, "# perf record %u: pid %u tid %u ppid %u ptid %u, want %u/%u\n",
		type, r.pid, r.tid, r.ppid, r.ptid, pid, ppid);
	return false;
}

/*
 * start_in_ns() @fn, open a perf event on the init with @open_event and
 * map its buffer, then let the init go on (a byte down): the buffer, or
 * NULL with errno the open's (the init reaped) when there is no perf.
 */
static void *perf_open_outside(struct __test_metadata *_metadata,
			       struct updown *u, int (*fn)(void *),
			       int (*open_event)(pid_t), pid_t *init)
{
	void *map;
	int fd, err;

	*init = start_in_ns(_metadata, u, fn);
	fd = open_event(*init);
	if (fd < 0) {
		err = errno;
		pidns_post_byte(u->down[1]);
		pidns_wait_status(*init);
		errno = err;
		return NULL;
	}
	map = perf_map(fd);
	ASSERT_NE(NULL, map);
	pidns_post_byte(u->down[1]);
	return map;
}

/*
 * The same for an event the init opens on itself and hands up
 * (inner_hands_up()), the buffer mapped here before the init goes on.
 */
static void *perf_open_inside(struct __test_metadata *_metadata,
			      struct updown *u, int (*fn)(void *),
			      pid_t *init)
{
	int fd = start_fd_opener_in_ns(_metadata, u, fn, init);
	void *map;

	if (fd < 0)
		return NULL;
	map = perf_map(fd);
	ASSERT_NE(NULL, map);
	pidns_post_byte(u->down[1]);
	return map;
}

#define PERF_SKIP	"no perf_event_open (CONFIG_PERF_EVENTS): %m"

static int inner_forks_for_perf(void *arg)
{
	struct updown *u = arg;
	pid_t c;

	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	c = fork();
	if (c == 0) {
		pidns_send_int(u->up[1], pidns_self_in_proc(u->outer_procfd));
		_exit(0);
	}
	CHILD_CHECK(c == 2);
	return pidns_wait_status(c);
}

/*
 * Opened outside, on the init: its fork of member 2 is reported with the
 * outer numbers, and its own exit with the test as the parent.
 */
TEST(perf_task_records_outer_opener)
{
	struct updown u;
	int child = 0;
	pid_t init;
	void *map;

	PIDNS_REQUIRE();
	map = perf_open_outside(_metadata, &u, inner_forks_for_perf,
				perf_task_event, &init);
	if (!map)
		SKIP(return, PERF_SKIP);
	ASSERT_EQ(0, pidns_recv_int(u.up[0], &child));
	EXPECT_EQ(0, pidns_wait_status(init));
	EXPECT_TRUE(perf_task_is(map, PERF_RECORD_FORK, child, init));
	EXPECT_TRUE(perf_task_is(map, PERF_RECORD_EXIT, init, getpid()));
}

static int inner_opens_perf(void *arg)
{
	struct updown *u = arg;
	pid_t c;

	if (!inner_hands_up(u, perf_task_event(0)))
		return 4;
	/* The buffer must be mapped before anything is recorded. */
	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	c = fork();
	if (c == 0)
		_exit(0);
	CHILD_CHECK(c == 2);
	CHILD_CHECK(pidns_wait_status(c) == 0);
	return 0;
}

/*
 * Opened inside by the init on itself (the buffer mapped and read by the
 * test): the fork is 2 from 1, the exit is 1 with parent 0.
 */
TEST(perf_task_records_inner_opener)
{
	struct updown u;
	pid_t init;
	void *map;

	PIDNS_REQUIRE();
	map = perf_open_inside(_metadata, &u, inner_opens_perf, &init);
	if (!map)
		SKIP(return, PERF_SKIP);
	EXPECT_EQ(0, pidns_wait_status(init));
	EXPECT_TRUE(perf_task_is(map, PERF_RECORD_FORK, 2, 1));
	EXPECT_TRUE(perf_task_is(map, PERF_RECORD_EXIT, 1, 0));
}

/*
 * Samples (PERF_SAMPLE_TID) follow the same rule as the task records:
 * perf_event_pid() and perf_event_tid() by event->ns.  A software page
 * fault event with period 1 samples each fault of the task; every
 * sample must name it.
 */
static int perf_fault_event(pid_t pid)
{
	struct perf_event_attr attr = {
		.type = PERF_TYPE_SOFTWARE,
		.size = sizeof(attr),
		.config = PERF_COUNT_SW_PAGE_FAULTS,
		.sample_period = 1,
		.sample_type = PERF_SAMPLE_TID,
	};

	return syscall(__NR_perf_event_open, &attr, pid, -1, -1,
		       PERF_FLAG_FD_CLOEXEC);
}

/* Every PERF_RECORD_SAMPLE at @map is pid/tid @pid, and there is one. */
static bool perf_samples_are(void *map, uint32_t pid)
{
	struct perf_event_mmap_page *meta = map;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
	uint64_t size = meta->data_size ? meta->data_size :
			PERF_DATA_PAGES * page;
	char *data = (char *)map + (meta->data_offset ? meta->data_offset :
				    page);
	uint64_t off = 0;
	int n = 0;

	while (off + sizeof(struct perf_event_header) <= head && off < size) {
		struct perf_event_header *h = (void *)(data + off % size);
		uint32_t ids[2];

		if (!h->size)
			break;
		if (h->type == PERF_RECORD_SAMPLE &&
		    h->size >= sizeof(*h) + sizeof(ids) &&
		    off % size + sizeof(*h) + sizeof(ids) <= size) {
			memcpy(ids, h + 1, sizeof(ids));
			if (ids[0] != pid || ids[1] != pid) {
				fprintf(stderr, "# sample pid %u tid %u, want %u\n",
					ids[0], ids[1], pid);
				return false;
			}
			n++;
		}
		off += h->size;
	}
	if (!n)
		fprintf(stderr, "# no perf sample\n");
	return n > 0;
}

static int touch_fresh_page(void)
{
	long page = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	__atomic_store_n(p, 1, __ATOMIC_RELAXED);
	return munmap(p, page);
}

static int inner_faults_for_perf(void *arg)
{
	struct updown *u = arg;

	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	CHILD_CHECK(touch_fresh_page() == 0);
	return 0;
}

/* Opened outside on a child init: its faults are sampled as its outer pid. */
TEST(perf_sample_tid_outer_opener)
{
	struct updown u;
	pid_t init;
	void *map;

	PIDNS_REQUIRE();
	map = perf_open_outside(_metadata, &u, inner_faults_for_perf,
				perf_fault_event, &init);
	if (!map)
		SKIP(return, PERF_SKIP);
	EXPECT_EQ(0, pidns_wait_status(init));
	EXPECT_TRUE(perf_samples_are(map, init));
}

static int inner_opens_fault_perf(void *arg)
{
	struct updown *u = arg;

	if (!inner_hands_up(u, perf_fault_event(0)))
		return 4;
	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	CHILD_CHECK(touch_fresh_page() == 0);
	return 0;
}

/* Opened inside by the init on itself: its samples say 1. */
TEST(perf_sample_tid_inner_opener)
{
	struct updown u;
	pid_t init;
	void *map;

	PIDNS_REQUIRE();
	map = perf_open_inside(_metadata, &u, inner_opens_fault_perf, &init);
	if (!map)
		SKIP(return, PERF_SKIP);
	EXPECT_EQ(0, pidns_wait_status(init));
	EXPECT_TRUE(perf_samples_are(map, 1));
}

/* ---- io_uring fdinfo SqThread ------------------------------------------- */

/*
 * /proc/PID/fdinfo of an io_uring made with IORING_SETUP_SQPOLL names its
 * poller thread (SqThread:).  Like the rest of procfs and a pidfd's
 * fdinfo, the number is by the namespace of the proc mount it is read
 * through, 0 for a thread that has no number there.  6.12 printed the
 * thread's global number to every reader.
 */
static int uring_sqpoll(void)
{
	struct io_uring_params p = { .flags = IORING_SETUP_SQPOLL };

	return syscall(__NR_io_uring_setup, 4, &p);
}

/* SqThread: of <procfd>/<path>; -2 if there is none or it fails. */
static int uring_sq_thread(int procfd, const char *path)
{
	char buf[4096], *p;
	int i, v = -1;

	/*
	 * The line reads -1 while the ring's lock is held (fdinfo only
	 * trylocks it); with nothing submitted that is brief.
	 */
	for (i = 0; i < 1000 && v == -1; i++) {
		if (pidns_read_file_at(procfd, path, buf, sizeof(buf)) < 0)
			return -2;
		p = strstr(buf, "SqThread:");
		if (!p)
			return -2;
		v = atoi(p + strlen("SqThread:"));
	}
	return v;
}

static int uring_sq_thread_fd(int procfd, int fd)
{
	char path[64];

	snprintf(path, sizeof(path), "self/fdinfo/%d", fd);
	return uring_sq_thread(procfd, path);
}

/* Whether SqThread: of our @fd through @procfd is @want; says if not. */
static bool uring_sq_thread_is(int procfd, int fd, int want)
{
	int got = uring_sq_thread_fd(procfd, fd);

	if (got == want)
		return true;
	fprintf(stderr, "# fdinfo %d: SqThread: %d, want %d\n", fd, got, want);
	return false;
}

/* The poller of the caller's only ring: its one other thread, by @procfd. */
static pid_t uring_poller(int procfd, pid_t leader)
{
	pid_t tids[4];

	if (pidns_proc_other_tids(procfd, leader, tids, 4) != 1)
		return -1;
	return tids[0];
}

static int inner_makes_uring(void *arg)
{
	struct updown *u = arg;
	int procfd = pidns_proc_open();
	int fd = uring_sqpoll();
	pid_t poller;

	if (!inner_opened(u, fd))
		return 4;
	CHILD_CHECK(procfd >= 0);
	poller = uring_poller(procfd, 0);
	CHILD_CHECK(poller == 2);
	/* By our own proc: the poller is 2, as task/ lists it. */
	CHILD_CHECK(uring_sq_thread_is(procfd, fd, poller));
	/* By the test's proc, read here: the test's number for it. */
	poller = uring_poller(u->outer_procfd,
			      pidns_self_in_proc(u->outer_procfd));
	CHILD_CHECK(uring_sq_thread_is(u->outer_procfd, fd, poller));
	/* An io_uring fd cannot be passed with SCM_RIGHTS: its number. */
	CHILD_CHECK(pidns_send_int(u->up[1], fd) == 0);
	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	return 0;
}

/* A ring made inside: its poller is 2 inside, the test's number outside. */
TEST(io_uring_sqthread_fdinfo_ring_inside)
{
	int initfd = -1, err;
	struct updown u;
	char path[64];
	pid_t init, poller;

	PIDNS_REQUIRE();
	init = start_in_ns(_metadata, &u, inner_makes_uring);
	err = inner_open_errno(_metadata, &u, init);
	if (err)
		SKIP(return, "no io_uring SQPOLL (CONFIG_IO_URING, io_uring_disabled): %s",
		     strerror(err));
	ASSERT_EQ(0, pidns_recv_int(u.up[0], &initfd));
	poller = uring_poller(u.outer_procfd, init);
	ASSERT_GT(poller, 0);
	/* The init's fd, through our proc. */
	snprintf(path, sizeof(path), "%d/fdinfo/%d", init, initfd);
	EXPECT_EQ(poller, uring_sq_thread(u.outer_procfd, path));
	pidns_post_byte(u.down[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
}

static int inner_reads_outer_uring(void *arg)
{
	int *p = arg;	/* p[0]: the ring, p[1]: the test's proc, p[2]: poller */
	int procfd = pidns_proc_open();

	CHILD_CHECK(procfd >= 0);
	/* Our proc: the test's poller has no number here. */
	CHILD_CHECK(uring_sq_thread_is(procfd, p[0], 0));
	/* The test's proc, read here: the proc's namespace decides. */
	CHILD_CHECK(uring_sq_thread_is(p[1], p[0], p[2]));
	return 0;
}

/* A ring made outside, its fd inherited by an init: 0 in the init's proc. */
TEST(io_uring_sqthread_fdinfo_ring_outside_invisible)
{
	int p[3];
	pid_t init;

	PIDNS_REQUIRE();
	p[1] = pidns_proc_open();
	ASSERT_GE(p[1], 0);
	p[0] = uring_sqpoll();
	if (p[0] < 0)
		SKIP(return, "no io_uring SQPOLL (CONFIG_IO_URING, io_uring_disabled): %m");
	p[2] = uring_poller(p[1], getpid());
	ASSERT_GT(p[2], 0);
	EXPECT_EQ(p[2], uring_sq_thread_fd(p[1], p[0]));
	init = run_in_ns(inner_reads_outer_uring, p);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
	close(p[0]);
}

/* ---- userfaultfd UFFD_FEATURE_THREAD_ID --------------------------------- */

/*
 * With UFFD_FEATURE_THREAD_ID a page fault message carries the faulting
 * thread's id (feat.ptid).  It is read by whoever holds the userfaultfd,
 * often a manager in another pid namespace than the faulting thread, so
 * the number is by the reader's namespace at read(), 0 for a thread it
 * cannot name.  6.12 wrote the faulting thread's own-namespace number at
 * fault time.
 */
static int uffd_open(void)
{
	struct uffdio_api api = {
		.api = UFFD_API,
		.features = UFFD_FEATURE_THREAD_ID,
	};
	/* poll() of a blocking userfaultfd is EPOLLERR. */
	int fd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	int err;

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

#define UFFD_SKIP	"no userfaultfd with UFFD_FEATURE_THREAD_ID: %m"

/* @n fresh anonymous pages, registered with @fd for missing faults. */
static char *uffd_pages(int fd, int n)
{
	long page = sysconf(_SC_PAGESIZE);
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	char *p = mmap(NULL, n * page, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	reg.range.start = (uintptr_t)p;
	reg.range.len = n * page;
	if (ioctl(fd, UFFDIO_REGISTER, &reg))
		return NULL;
	return p;
}

/*
 * The next page fault message of @fd, and the faulting thread's id in it;
 * -1 if none comes (or @alive, a pipe whose writer is the side that
 * faults, reaches EOF first).
 */
static int uffd_fault_tid(int fd, int alive, struct uffd_msg *msg)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = alive, .events = POLLIN },
	};

	if (poll(pfd, alive >= 0 ? 2 : 1, -1) <= 0 ||
	    !(pfd[0].revents & POLLIN))
		return -1;
	if (read(fd, msg, sizeof(*msg)) != sizeof(*msg) ||
	    msg->event != UFFD_EVENT_PAGEFAULT)
		return -1;
	return msg->arg.pagefault.feat.ptid;
}

/* Map a zero page at the fault of @msg, which wakes the faulting thread. */
static int uffd_resolve(int fd, const struct uffd_msg *msg)
{
	long page = sysconf(_SC_PAGESIZE);
	struct uffdio_zeropage z = {
		.range = {
			.start = msg->arg.pagefault.address & ~(page - 1),
			.len = page,
		},
	};

	return ioctl(fd, UFFDIO_ZEROPAGE, &z);
}

struct uffd_toucher {
	char *addr;
	int report;	/* write end: the thread sends its id, -1: none */
	int procfd;	/* the proc the id is taken from */
	pid_t tid;	/* its own id, stored before it faults */
};

static void *uffd_touch(void *arg)
{
	struct uffd_toucher *t = arg;

	__atomic_store_n(&t->tid, sys_gettid(), __ATOMIC_RELEASE);
	if (t->report >= 0)
		pidns_send_int(t->report,
			       pidns_thread_self_in_proc(t->procfd));
	/* Blocks in handle_userfault() until the page is mapped. */
	return (void *)(uintptr_t)__atomic_load_n(t->addr, __ATOMIC_RELAXED);
}

static int inner_faults_uffd(void *arg)
{
	struct updown *u = arg;
	long page = sysconf(_SC_PAGESIZE);
	struct uffd_toucher t1, t2;
	struct uffd_msg msg;
	pthread_t th;
	int fd = uffd_open();
	char *p;

	if (!inner_hands_up(u, fd))
		return 4;
	p = uffd_pages(fd, 2);
	CHILD_CHECK(p);
	/* Thread 2 faults, the test reads and resolves it. */
	t1 = (struct uffd_toucher){ p, u->up[1], u->outer_procfd, 0 };
	CHILD_CHECK(pthread_create(&th, NULL, uffd_touch, &t1) == 0);
	CHILD_CHECK(pthread_join(th, NULL) == 0);
	CHILD_CHECK(t1.tid == 2);
	/* Thread 3 faults, read here: our own number for it. */
	t2 = (struct uffd_toucher){ p + page, -1, -1, 0 };
	CHILD_CHECK(pthread_create(&th, NULL, uffd_touch, &t2) == 0);
	CHILD_CHECK(uffd_fault_tid(fd, -1, &msg) ==
		    __atomic_load_n(&t2.tid, __ATOMIC_ACQUIRE));
	CHILD_CHECK(t2.tid == 3);
	CHILD_CHECK(uffd_resolve(fd, &msg) == 0);
	CHILD_CHECK(pthread_join(th, NULL) == 0);
	return 0;
}

/* A thread of a child namespace faults: the test reads its outer id. */
TEST(uffd_thread_id_fault_inside_read_outside)
{
	struct uffd_msg msg;
	struct updown u;
	int fd, tid = 0;
	pid_t init;

	PIDNS_REQUIRE();
	fd = start_fd_opener_in_ns(_metadata, &u, inner_faults_uffd, &init);
	if (fd < 0)
		SKIP(return, UFFD_SKIP);
	/* The thread's id: it is about to fault. */
	ASSERT_EQ(0, pidns_recv_int(u.up[0], &tid));
	ASSERT_GT(tid, init);
	EXPECT_EQ(tid, uffd_fault_tid(fd, u.up[0], &msg));
	ASSERT_EQ(0, uffd_resolve(fd, &msg));
	EXPECT_EQ(0, pidns_wait_status(init));
	close(fd);
}

static int inner_reads_uffd(void *arg)
{
	int fd = *(int *)arg;
	struct uffd_msg msg;
	int tid = uffd_fault_tid(fd, -1, &msg);

	/* The test's thread has no number here. */
	if (tid)
		fprintf(stderr, "# ptid %d, want 0\n", tid);
	CHILD_CHECK(tid == 0);
	CHILD_CHECK(uffd_resolve(fd, &msg) == 0);
	return 0;
}

/* A thread of the test faults: an init inside reads 0 for it. */
TEST(uffd_thread_id_fault_outside_read_inside)
{
	struct uffd_toucher t;
	struct uffd_msg msg;
	pthread_t th;
	pid_t init;
	int fd;

	PIDNS_REQUIRE();
	fd = uffd_open();
	if (fd < 0)
		SKIP(return, UFFD_SKIP);
	init = run_in_ns(inner_reads_uffd, &fd);
	ASSERT_GE(init, 0);
	/* Registered after the fork: the init's copy of the mm is not. */
	t = (struct uffd_toucher){ uffd_pages(fd, 1), -1, -1, 0 };
	ASSERT_NE(NULL, t.addr);
	ASSERT_EQ(0, pthread_create(&th, NULL, uffd_touch, &t));
	EXPECT_EQ(0, pidns_wait_status(init));
	/* Should the init have failed to, release the thread ourselves. */
	msg.arg.pagefault.address = (uintptr_t)t.addr;
	uffd_resolve(fd, &msg);
	ASSERT_EQ(0, pthread_join(th, NULL));
	close(fd);
}

static int inner_fault_hangs(void *arg)
{
	struct updown *u = arg;
	struct uffd_toucher t;
	pthread_t th;
	int fd = uffd_open();

	if (!inner_hands_up(u, fd))
		return 4;
	t = (struct uffd_toucher){ uffd_pages(fd, 1), u->up[1],
				   u->outer_procfd, 0 };
	CHILD_CHECK(t.addr);
	CHILD_CHECK(pthread_create(&th, NULL, uffd_touch, &t) == 0);
	/* Until the test kills us: nobody resolves the fault. */
	pthread_join(th, NULL);
	return PIDNS_CHILD_FAIL;
}

/*
 * The id is taken from the faulting thread at read(), so a thread that
 * is gone must have taken its message with it: killed while its fault
 * is pending, nothing is left to read (and nothing of it is touched).
 */
TEST(uffd_thread_id_faulting_thread_killed_before_read)
{
	struct pollfd pfd;
	struct uffd_msg msg;
	struct updown u;
	int fd, tid = 0;
	pid_t init;

	PIDNS_REQUIRE();
	fd = start_fd_opener_in_ns(_metadata, &u, inner_fault_hangs, &init);
	if (fd < 0)
		SKIP(return, UFFD_SKIP);
	ASSERT_EQ(0, pidns_recv_int(u.up[0], &tid));
	/* The fault is pending... */
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, -1));
	/* ...until its thread dies. */
	ASSERT_EQ(0, kill(init, SIGKILL));
	EXPECT_EQ(128 + SIGKILL, pidns_wait_status(init));
	EXPECT_EQ(-1, read(fd, &msg, sizeof(msg)));
	EXPECT_EQ(EAGAIN, errno);
	close(fd);
}

/* ---- core_pattern %p %P %i %I -------------------------------------------- */

/*
 * A pipe core_pattern helper runs in init_pid_ns; fs/coredump.c gives it
 * the dumping task's numbers both ways: %p and %i (tgid, tid) in the
 * task's own namespace, %P and %I in init_pid_ns (6.12's rule, which the
 * helper needs to find the task).  The test replaces core_pattern with a
 * pipe to this program (core_handler()) and restores it afterwards.  A
 * pipe helper is started whatever RLIMIT_CORE is, unless it is 1 (the
 * mark of a helper's own dump); the dumping process sets 0.
 */
#define CORE_PATTERN	"/proc/sys/kernel/core_pattern"

FIXTURE(coredump) {
	char saved[160];
	char dir[64];
	char fifo[96];
	bool set;
};

FIXTURE_SETUP(coredump)
{
	char *nl;

	self->set = false;
	self->dir[0] = '\0';
	PIDNS_REQUIRE();
	if (pidns_read_file_at(AT_FDCWD, CORE_PATTERN, self->saved,
			       sizeof(self->saved)) < 0)
		SKIP(return, "no %s (CONFIG_COREDUMP=n?): %m", CORE_PATTERN);
	nl = strchr(self->saved, '\n');
	if (nl)
		*nl = '\0';
	snprintf(self->dir, sizeof(self->dir), "/tmp/pidns_core.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->fifo, sizeof(self->fifo), "%s/fifo", self->dir);
	ASSERT_EQ(0, mkfifo(self->fifo, 0600));
}

FIXTURE_TEARDOWN(coredump)
{
	if (self->set)
		EXPECT_EQ(0, pidns_write_file(CORE_PATTERN, self->saved));
	if (self->dir[0]) {
		unlink(self->fifo);
		rmdir(self->dir);
	}
}

static void *core_dumping_thread(void *arg)
{
	struct updown *u = arg;

	pidns_send_int(u->up[1], pidns_self_in_proc(u->outer_procfd));
	pidns_send_int(u->up[1], pidns_thread_self_in_proc(u->outer_procfd));
	pidns_send_int(u->up[1], sys_gettid());
	/* This thread takes the signal, so it is the one that dumps. */
	sys_tgkill(sys_getpid(), sys_gettid(), SIGSEGV);
	return NULL;
}

static int inner_dumps_core(void *arg)
{
	struct rlimit zero = { 0, 0 };
	pid_t c;

	c = fork();
	if (c == 0) {
		pthread_t t;

		CHILD_CHECK(setrlimit(RLIMIT_CORE, &zero) == 0);
		CHILD_CHECK(pthread_create(&t, NULL, core_dumping_thread,
					   arg) == 0);
		pthread_join(t, NULL);
		_exit(0);
	}
	CHILD_CHECK(c == 2);
	return pidns_wait_status(c) == 128 + SIGSEGV ? 0 : PIDNS_CHILD_FAIL;
}

/* Member 2's thread 3 dumps: the helper gets 2 and 3, and both globally. */
TEST_F(coredump, pipe_helper_gets_own_ns_and_global_numbers)
{
	char exe[PATH_MAX], pattern[160], got[128];
	int fifo, n, tgid = 0, tid = 0, inner_tid = 0;
	long p = -1, P = -1, i = -1, I = -1;
	struct pollfd pfd;
	struct updown u;
	ssize_t len;
	pid_t init;

	if (pidns_level() != 0)
		SKIP(return, "%%P and %%I are global: the test must run in init_pid_ns");
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_GT(len, 0);
	exe[len] = '\0';
	len = snprintf(pattern, sizeof(pattern), "|%s %s %s %%p %%P %%i %%I",
		       exe, CORE_HANDLER_ARG, self->fifo);
	if (len >= 128)	/* CORENAME_MAX_SIZE */
		SKIP(return, "core_pattern would be too long: %s", pattern);
	fifo = open(self->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(fifo, 0);
	ASSERT_EQ(0, pidns_write_file(CORE_PATTERN, pattern));
	self->set = true;

	init = start_in_ns(_metadata, &u, inner_dumps_core);
	ASSERT_EQ(0, pidns_recv_int(u.up[0], &tgid));
	ASSERT_EQ(0, pidns_recv_int(u.up[0], &tid));
	ASSERT_EQ(0, pidns_recv_int(u.up[0], &inner_tid));
	EXPECT_EQ(3, inner_tid);
	EXPECT_EQ(0, pidns_wait_status(init));
	/* The helper writes once it has read the whole core. */
	pfd = (struct pollfd){ .fd = fifo, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 25000)) {
		TH_LOG("no word from the core_pattern helper in 25 s");
	}
	len = read(fifo, got, sizeof(got) - 1);
	ASSERT_GT(len, 0);
	got[len] = '\0';
	n = sscanf(got, "%ld %ld %ld %ld", &p, &P, &i, &I);
	ASSERT_EQ(4, n) {
		TH_LOG("helper wrote: %s", got);
	}
	EXPECT_EQ(2, p);
	EXPECT_EQ(tgid, P);
	EXPECT_EQ(3, i);
	EXPECT_EQ(tid, I);
	close(fifo);
}

/* ---- fanotify event pids ------------------------------------------------- */

/*
 * fanotify keeps the struct pid of the task that caused an event (its
 * thread group's, or with FAN_REPORT_TID its thread's) and
 * copy_event_to_user() gives metadata.pid by the namespace of the reader
 * at read(): pid_vnr(), 0 for a task the reader cannot name, and then no
 * pidfd either (FAN_REPORT_PIDFD reports FAN_NOPIDFD).  6.12's rule.
 */
#define FAN_MAX_EVENTS	8

static char fan_file[64];

static int fan_make_file(void)
{
	int fd;

	snprintf(fan_file, sizeof(fan_file), "/tmp/pidns_fan.XXXXXX");
	fd = mkstemp(fan_file);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* A group watching opens of fan_file; -1 with errno if it cannot. */
static int fan_open(unsigned int flags)
{
	int fd = fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK |
			       flags, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return -1;
	if (fanotify_mark(fd, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, fan_file)) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/*
 * The file and a first group on it (fan_open(@flags)); -1 with errno,
 * the file removed, when there is no fanotify.
 */
static int fan_start(struct __test_metadata *_metadata, unsigned int flags)
{
	int fd, err;

	ASSERT_EQ(0, fan_make_file());
	fd = fan_open(flags);
	if (fd < 0) {
		err = errno;
		unlink(fan_file);
		errno = err;
	}
	return fd;
}

#define FAN_SKIP	"no fanotify (CONFIG_FANOTIFY): %m"

static int fan_touch(void)
{
	int fd = open(fan_file, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/*
 * The queued events of @fd: each one's pid, and its pidfd record's pidfd
 * (or -2 without one; the caller closes those >= 0).  Their count or -1.
 */
static int fan_read(int fd, int *pids, int *pidfds, int max)
{
	union {
		struct fanotify_event_metadata m;
		char buf[4096];
	} u;
	struct fanotify_event_metadata *m = &u.m;
	ssize_t len = read(fd, u.buf, sizeof(u.buf));
	int n = 0;

	if (len < 0)
		return errno == EAGAIN ? 0 : -1;
	for (; FAN_EVENT_OK(m, len) && n < max; m = FAN_EVENT_NEXT(m, len)) {
		struct fanotify_event_info_pidfd *info = (void *)(m + 1);

		if (m->fd >= 0)
			close(m->fd);
		pids[n] = m->pid;
		pidfds[n] = -2;
		if (m->event_len >= m->metadata_len + sizeof(*info) &&
		    info->hdr.info_type == FAN_EVENT_INFO_TYPE_PIDFD)
			pidfds[n] = info->pidfd;
		n++;
	}
	return n;
}

static void *fan_thread_touches(void *arg)
{
	struct updown *u = arg;

	pidns_send_int(u->up[1], pidns_thread_self_in_proc(u->outer_procfd));
	return (void *)(intptr_t)fan_touch();
}

static int inner_touches_fan_file(void *arg)
{
	pthread_t t;
	void *ret;

	CHILD_CHECK(fan_touch() == 0);
	CHILD_CHECK(pthread_create(&t, NULL, fan_thread_touches, arg) == 0);
	CHILD_CHECK(pthread_join(t, &ret) == 0 && !ret);
	return 0;
}

/*
 * A child namespace's init opens the file, then a thread of it: outside,
 * both events are the init's number, and with FAN_REPORT_TID the init's
 * and the thread's.
 */
TEST(fanotify_event_pid_inside_task_outside_reader)
{
	int tgid_fd, tid_fd, tid = 0, pids[FAN_MAX_EVENTS];
	int pidfds[FAN_MAX_EVENTS], n, k;
	struct updown u;
	pid_t init;

	PIDNS_REQUIRE();
	tgid_fd = fan_start(_metadata, 0);
	if (tgid_fd < 0)
		SKIP(return, FAN_SKIP);
	tid_fd = fan_open(FAN_REPORT_TID);
	ASSERT_GE(tid_fd, 0);
	init = start_in_ns(_metadata, &u, inner_touches_fan_file);
	ASSERT_EQ(0, pidns_recv_int(u.up[0], &tid));
	EXPECT_EQ(0, pidns_wait_status(init));
	ASSERT_GT(tid, init);
	/* Two opens by one thread group: merged into one event or not. */
	n = fan_read(tgid_fd, pids, pidfds, FAN_MAX_EVENTS);
	ASSERT_GE(n, 1);
	ASSERT_LE(n, 2);
	for (k = 0; k < n; k++)
		EXPECT_EQ(init, pids[k]);
	ASSERT_EQ(2, fan_read(tid_fd, pids, pidfds, FAN_MAX_EVENTS));
	EXPECT_EQ(init, pids[0]);
	EXPECT_EQ(tid, pids[1]);
	close(tgid_fd);
	close(tid_fd);
	unlink(fan_file);
}

static int inner_reads_fan(void *arg)
{
	struct updown *u = arg;
	int fd = fan_open(0), pidfd_fd = fan_open(FAN_REPORT_PIDFD);
	int pids[FAN_MAX_EVENTS], pidfds[FAN_MAX_EVENTS], procfd;
	long pid = -1, nsp[4];

	CHILD_CHECK(fd >= 0 && pidfd_fd >= 0);
	procfd = pidns_proc_open();
	CHILD_CHECK(procfd >= 0);
	pidns_post_byte(u->up[1]);
	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	CHILD_CHECK(fan_touch() == 0);
	/* The test's open first (0), then ours (1). */
	CHILD_CHECK(fan_read(fd, pids, pidfds, FAN_MAX_EVENTS) == 2);
	CHILD_CHECK(pids[0] == 0 && pids[1] == 1);
	CHILD_CHECK(pidfds[0] == -2 && pidfds[1] == -2);
	/* No pidfd for a task we cannot name; ours is a pidfd for 1. */
	CHILD_CHECK(fan_read(pidfd_fd, pids, pidfds, FAN_MAX_EVENTS) == 2);
	CHILD_CHECK(pids[0] == 0 && pids[1] == 1);
	CHILD_CHECK(pidfds[0] == FAN_NOPIDFD && pidfds[1] >= 0);
	CHILD_CHECK(pidfd_info(procfd, pidfds[1], &pid, nsp, 4) == 1);
	CHILD_CHECK(pid == 1);
	return 0;
}

/* The test opens the file: a reader inside gets 0 for it, and no pidfd. */
TEST(fanotify_event_pid_outside_task_inside_reader)
{
	struct updown u;
	pid_t init;
	int fd;

	PIDNS_REQUIRE();
	fd = fan_start(_metadata, 0);
	if (fd < 0)
		SKIP(return, FAN_SKIP);
	close(fd);
	init = start_in_ns(_metadata, &u, inner_reads_fan);
	ASSERT_TRUE(pidns_wait_byte(u.up[0]));
	ASSERT_EQ(0, fan_touch());
	pidns_post_byte(u.down[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
	unlink(fan_file);
}

/* ---- fuse request pids ------------------------------------------------- */

/*
 * Every fuse request carries the requesting task's pid (fuse_in_header's
 * pid) for the daemon, which runs where the filesystem was mounted:
 * fs/fuse/dev.c gives it by the connection's namespace, the mounter's
 * active namespace at mount time (fc->pid_ns), 0 for a task that has no
 * number there, whoever reads /dev/fuse (6.12's rule).  A tiny daemon
 * here answers FUSE_INIT and every LOOKUP with ENOENT, and reports the
 * name and pid of each LOOKUP; the mounts are in a private mount
 * namespace of the test.
 */
struct fuse_seen {
	char name[16];
	int pid;
};

/* The fuse_in_header pid of every LOOKUP on @dev goes to @report. */
static __noreturn void fuse_daemon(int dev, int report)
{
	static uint64_t buf64[(1 << 18) / sizeof(uint64_t)];
	char *buf = (char *)buf64;
	struct fuse_in_header *in = (void *)buf;
	struct {
		struct fuse_out_header h;
		struct fuse_init_out init;
	} out;
	struct fuse_seen seen;
	ssize_t len;

	for (;;) {
		len = read(dev, buf, sizeof(buf64));
		if (len < 0 && (errno == EINTR || errno == ENOENT))
			continue;	/* ENOENT: an interrupted request */
		if (len < (ssize_t)sizeof(*in))
			_exit(len < 0 && errno == ENODEV ? 0 : 1);
		memset(&out, 0, sizeof(out));
		out.h.unique = in->unique;
		out.h.len = sizeof(out.h);
		switch (in->opcode) {
		case FUSE_FORGET:
		case FUSE_BATCH_FORGET:
			continue;	/* no reply */
		case FUSE_INIT:
			out.init.major = FUSE_KERNEL_VERSION;
			out.init.minor = FUSE_KERNEL_MINOR_VERSION;
			out.init.max_write = 4096;
			out.h.len = sizeof(out);
			break;
		case FUSE_LOOKUP:
			memset(&seen, 0, sizeof(seen));
			memcpy(seen.name, buf + sizeof(*in),
			       strnlen(buf + sizeof(*in),
				       sizeof(seen.name) - 1));
			seen.pid = in->pid;
			pidns_write_all(report, &seen, sizeof(seen));
			out.h.error = -ENOENT;
			break;
		default:
			out.h.error = -EIO;
			break;
		}
		if (write(dev, &out, out.h.len) != out.h.len)
			_exit(1);
	}
}

struct fuse_ctl {
	char dir[64];		/* the mount point */
	int dev;		/* /dev/fuse */
	int report[2];		/* daemon -> test: struct fuse_seen */
	pid_t daemon;
};

/* A private mount namespace, a mount point and /dev/fuse; errno if not. */
static int fuse_prepare(struct fuse_ctl *f)
{
	f->daemon = -1;
	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    pidns_pipe(f->report))
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/pidns_fuse.XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	f->dev = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (f->dev < 0) {
		rmdir(f->dir);
		return -1;
	}
	return 0;
}

static int fuse_mount(struct fuse_ctl *f)
{
	char opts[128];

	snprintf(opts, sizeof(opts),
		 "fd=%d,rootmode=40000,user_id=0,group_id=0", f->dev);
	return mount("pidns_boundary", f->dir, "fuse", MS_NOSUID | MS_NODEV,
		     opts);
}

static int fuse_start_daemon(struct fuse_ctl *f)
{
	f->daemon = fork();
	if (f->daemon < 0)
		return -1;
	if (f->daemon == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(f->report[0]);
		fuse_daemon(f->dev, f->report[1]);
	}
	close(f->report[1]);
	return 0;
}

static void fuse_finish(struct fuse_ctl *f)
{
	umount2(f->dir, MNT_DETACH);
	if (f->daemon > 0) {
		kill(f->daemon, SIGKILL);
		pidns_wait_status(f->daemon);
	}
	close(f->dev);
	rmdir(f->dir);
}

/* stat() of <mount>/@name, a LOOKUP the daemon answers with ENOENT. */
static int fuse_lookup(struct fuse_ctl *f, const char *name)
{
	char path[96];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", f->dir, name);
	if (!stat(path, &st) || errno != ENOENT)
		return -1;
	return 0;
}

/* The pid of the next LOOKUP the daemon reports; it must be of @name. */
static int fuse_seen_pid(struct fuse_ctl *f, const char *name)
{
	struct fuse_seen seen;

	if (pidns_read_all(f->report[0], &seen, sizeof(seen)) != sizeof(seen))
		return -2;
	if (strcmp(seen.name, name)) {
		fprintf(stderr, "# LOOKUP of %s, want %s\n", seen.name, name);
		return -2;
	}
	return seen.pid;
}

#define FUSE_SKIP	"no /dev/fuse (CONFIG_FUSE_FS) or mount namespace: %m"

static struct fuse_ctl fusec;

static int inner_fuse_lookup(void *arg)
{
	CHILD_CHECK(fuse_lookup(&fusec, "inner") == 0);
	return 0;
}

/* Mounted outside: a child namespace's init is its number outside. */
TEST(fuse_request_pid_mounted_outside)
{
	pid_t init;

	PIDNS_REQUIRE();
	if (fuse_prepare(&fusec))
		SKIP(return, FUSE_SKIP);
	if (fuse_mount(&fusec)) {
		fuse_finish(&fusec);
		SKIP(return, "cannot mount fuse (CONFIG_FUSE_FS): %m");
	}
	ASSERT_EQ(0, fuse_start_daemon(&fusec));
	init = run_in_ns(inner_fuse_lookup, NULL);
	ASSERT_GE(init, 0);
	EXPECT_EQ(0, pidns_wait_status(init));
	EXPECT_EQ(0, fuse_lookup(&fusec, "outer"));
	EXPECT_EQ(init, fuse_seen_pid(&fusec, "inner"));
	EXPECT_EQ(getpid(), fuse_seen_pid(&fusec, "outer"));
	fuse_finish(&fusec);
}

static int inner_mounts_fuse(void *arg)
{
	struct updown *u = arg;

	CHILD_CHECK(fuse_mount(&fusec) == 0);
	pidns_post_byte(u->up[1]);
	CHILD_CHECK(pidns_wait_byte(u->down[0]));
	CHILD_CHECK(fuse_lookup(&fusec, "inner") == 0);
	return 0;
}

/*
 * Mounted by a child namespace's init: the test, which has no number
 * there, is 0 to the daemon, the init 1 (the daemon itself runs outside).
 */
TEST(fuse_request_pid_mounted_inside)
{
	struct updown u;
	pid_t init;

	PIDNS_REQUIRE();
	if (fuse_prepare(&fusec))
		SKIP(return, FUSE_SKIP);
	init = start_in_ns(_metadata, &u, inner_mounts_fuse);
	/* /dev/fuse is there, so the mount must work (the init says). */
	ASSERT_TRUE(pidns_wait_byte(u.up[0]));
	ASSERT_EQ(0, fuse_start_daemon(&fusec));
	EXPECT_EQ(0, fuse_lookup(&fusec, "outer"));
	pidns_post_byte(u.down[1]);
	EXPECT_EQ(0, pidns_wait_status(init));
	EXPECT_EQ(0, fuse_seen_pid(&fusec, "outer"));
	EXPECT_EQ(1, fuse_seen_pid(&fusec, "inner"));
	fuse_finish(&fusec);
}

/* ---- cgroup v2 cgroup.procs and cgroup.threads ---------------------------- */

/*
 * cgroup_procs_show() prints task_pid_vnr() of each task: the number in
 * the namespace of whoever read()s, whichever namespace opened the file
 * or mounted the cgroup2.  A task that has no number there is not left
 * out but listed as 0, one line each (6.12's rule).  The cgroup holds two
 * outside processes and a namespace's init (1) and member (2), the member
 * with a second thread (3); an fd opened outside is read on both sides.
 */
#define CG_MAX_PIDS	16

struct cg_ctl {
	char cg[96];
	int procs_fd;		/* cgroup.procs, opened by the test */
	int threads_fd;		/* cgroup.threads, opened by the test */
	int ready[2];		/* init -> test: member and thread are in */
	int done[2];		/* test -> init: outside reads are done */
};

static int cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

/* The pids of a cgroup file from its start, sorted; their count or -1. */
static int cg_read_pids(int fd, pid_t *pids, int max)
{
	char buf[1024], *p, *end;
	ssize_t len;
	int n = 0;

	if (lseek(fd, 0, SEEK_SET))
		return -1;
	len = pidns_read_all(fd, buf, sizeof(buf) - 1);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	for (p = buf; *p && n < max; p = end) {
		pids[n++] = strtol(p, &end, 10);
		if (end == p || *end != '\n')
			return -1;
		end++;
	}
	qsort(pids, n, sizeof(*pids), cmp_pid);
	return n;
}

static bool cg_pids_are(int fd, const pid_t *want, int nwant)
{
	pid_t got[CG_MAX_PIDS];
	int i, n = cg_read_pids(fd, got, CG_MAX_PIDS);

	if (n != nwant) {
		fprintf(stderr, "# %d entries, want %d\n", n, nwant);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (got[i] != want[i]) {
			fprintf(stderr, "# entry %d: %d, want %d\n", i, got[i],
				want[i]);
			return false;
		}
	}
	return true;
}

static void *cg_thread_idles(void *arg)
{
	int *hold = arg;

	pidns_wait_byte(hold[0]);
	return NULL;
}

static int inner_cg_reads(void *arg)
{
	static const pid_t procs[] = { 0, 0, 1, 2 };
	static const pid_t threads[] = { 0, 0, 1, 2, 3 };
	struct cg_ctl *ctl = arg;
	char path[160];
	int hold[2], fd, st[2];
	pid_t member;

	snprintf(path, sizeof(path), "%s/cgroup.procs", ctl->cg);
	CHILD_CHECK(pidns_write_file(path, "0") == 0);
	CHILD_CHECK(pipe(hold) == 0 && pipe(st) == 0);
	member = fork();
	CHILD_CHECK(member >= 0);
	if (member == 0) {
		pthread_t t;

		close(hold[1]);
		CHILD_CHECK(pthread_create(&t, NULL, cg_thread_idles,
					   hold) == 0);
		pidns_post_byte(st[1]);
		pidns_wait_byte(hold[0]);
		_exit(0);
	}
	CHILD_CHECK(member == 2);
	close(st[1]);
	CHILD_CHECK(pidns_wait_byte(st[0]));
	/* By the fd the test opened, and by one opened here. */
	CHILD_CHECK(cg_pids_are(ctl->procs_fd, procs, 4));
	CHILD_CHECK(cg_pids_are(ctl->threads_fd, threads, 5));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	CHILD_CHECK(fd >= 0);
	CHILD_CHECK(cg_pids_are(fd, procs, 4));
	close(fd);
	pidns_post_byte(ctl->ready[1]);
	pidns_wait_byte(ctl->done[0]);
	close(hold[1]);
	CHILD_CHECK(pidns_wait_status(member) == 0);
	return 0;
}

/* The one entry of @got that is none of @known, or -1 (also if several). */
static pid_t cg_other(const pid_t *got, int n, const pid_t *known, int nknown)
{
	pid_t other = -1;
	int i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; j < nknown && got[i] != known[j]; j++)
			;
		if (j < nknown)
			continue;
		if (other != -1)
			return -1;
		other = got[i];
	}
	return other;
}

/*
 * The harness skips the teardown after a failed ASSERT in TEST_F() (its
 * "child" is not volatile across the longjmp()), and a cgroup outlives
 * the mount: remove what an earlier failed run left, once it is empty.
 */
static void cg_remove_stale(const char *dir)
{
	DIR *dp = opendir(dir);
	struct dirent *d;

	if (!dp)
		return;
	while ((d = readdir(dp)))
		if (!strncmp(d->d_name, "pidns_boundary.", 15))
			unlinkat(dirfd(dp), d->d_name, AT_REMOVEDIR);
	closedir(dp);
}

FIXTURE(cgroup) {
	char dir[64];
	struct cg_ctl ctl;
	int hold[2];		/* test -> outside processes: exit */
	pid_t out[2];
	pid_t init;
	int procfd;
	bool mounted;
	bool made;
};

FIXTURE_SETUP(cgroup)
{
	char path[160];
	int err;

	self->procfd = -1;
	self->init = -1;
	self->out[0] = -1;
	self->out[1] = -1;
	self->hold[1] = -1;
	PIDNS_REQUIRE();
	self->procfd = pidns_proc_open();
	ASSERT_GE(self->procfd, 0);
	ASSERT_EQ(0, unshare(CLONE_NEWNS));
	ASSERT_EQ(0, mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL));
	snprintf(self->dir, sizeof(self->dir), "/tmp/pidns_boundary.XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	if (mount("none", self->dir, "cgroup2", 0, NULL)) {
		err = errno;
		rmdir(self->dir);
		if (err == ENODEV)
			SKIP(return, "no cgroup2 (CONFIG_CGROUPS=n?)");
		ASSERT_EQ(0, err);
	}
	self->mounted = true;
	cg_remove_stale(self->dir);
	snprintf(self->ctl.cg, sizeof(self->ctl.cg), "%s/pidns_boundary.%d",
		 self->dir, getpid());
	ASSERT_EQ(0, mkdir(self->ctl.cg, 0755));
	self->made = true;
	snprintf(path, sizeof(path), "%s/cgroup.threads", self->ctl.cg);
	self->ctl.threads_fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->ctl.threads_fd, 0);
	snprintf(path, sizeof(path), "%s/cgroup.procs", self->ctl.cg);
	self->ctl.procs_fd = open(path, O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->ctl.procs_fd, 0);
	ASSERT_EQ(0, pidns_pipe(self->ctl.ready));
	ASSERT_EQ(0, pidns_pipe(self->ctl.done));
	ASSERT_EQ(0, pidns_pipe(self->hold));
}

FIXTURE_TEARDOWN(cgroup)
{
	int i;

	if (self->init > 0) {
		kill(self->init, SIGKILL);
		pidns_wait_status(self->init);
	}
	if (self->hold[1] >= 0)
		close(self->hold[1]);
	for (i = 0; i < 2; i++)
		if (self->out[i] > 0)
			pidns_wait_status(self->out[i]);
	if (self->made)
		EXPECT_EQ(0, rmdir(self->ctl.cg));
	if (self->mounted)
		EXPECT_EQ(0, umount2(self->dir, MNT_DETACH));
	rmdir(self->dir);
	if (self->procfd >= 0)
		close(self->procfd);
}

TEST_F(cgroup, procs_and_threads_by_reader_ns_invisible_as_0)
{
	struct cg_ctl *ctl = &self->ctl;
	pid_t known[4], got[CG_MAX_PIDS], member, thread;
	char path[160];
	long nspid[3];
	int i;

	snprintf(path, sizeof(path), "%s/cgroup.procs", ctl->cg);
	/* Two outside processes, each moving itself in. */
	for (i = 0; i < 2; i++) {
		self->out[i] = fork();
		ASSERT_GE(self->out[i], 0);
		if (self->out[i] == 0) {
			CHILD_CHECK(pidns_write_file(path, "0") == 0);
			pidns_post_byte(ctl->ready[1]);
			close(ctl->ready[1]);
			pidns_idle_until_released(self->hold);
		}
		ASSERT_TRUE(pidns_wait_byte(ctl->ready[0]));
		known[i] = self->out[i];
	}
	self->init = run_in_ns(inner_cg_reads, ctl);
	ASSERT_GE(self->init, 0);
	close(ctl->ready[1]);
	/* The init has checked the inside view when it says so. */
	ASSERT_TRUE(pidns_wait_byte(ctl->ready[0]));

	/* Outside: everyone by the test's numbers, the member 2 inside. */
	known[2] = self->init;
	ASSERT_EQ(4, cg_read_pids(ctl->procs_fd, got, CG_MAX_PIDS));
	member = cg_other(got, 4, known, 3);
	ASSERT_GT(member, 0);
	ASSERT_EQ(2, pidns_status_field(self->procfd, member, "NSpid",
					nspid, 3));
	EXPECT_EQ(2, nspid[1]);
	/* cgroup.threads: the same, and the member's thread, 3 inside. */
	known[3] = member;
	ASSERT_EQ(5, cg_read_pids(ctl->threads_fd, got, CG_MAX_PIDS));
	thread = cg_other(got, 5, known, 4);
	ASSERT_GT(thread, 0);
	snprintf(path, sizeof(path), "%d/task/%d/status", member, thread);
	ASSERT_EQ(2, pidns_file_field(self->procfd, path, "NSpid", nspid, 3));
	EXPECT_EQ(3, nspid[1]);

	pidns_post_byte(ctl->done[1]);
	EXPECT_EQ(0, pidns_wait_status(self->init));
	self->init = -1;
	close(self->hold[1]);
	self->hold[1] = -1;
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(0, pidns_wait_status(self->out[i]));
		self->out[i] = -1;
	}
	close(ctl->procs_fd);
	close(ctl->threads_fd);
}

TEST_HARNESS_MAIN
