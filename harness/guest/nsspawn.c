// SPDX-License-Identifier: GPL-2.0
/*
 * nsspawn: the smallest container runtime that no crash can leak, for the
 * clients suite.
 *
 *   nsspawn [-k] [-r] COMMAND [ARG...]
 *
 * Runs COMMAND as the init of a new pid namespace (with its own mount
 * namespace and /proc), made with clone3(CLONE_NEWPID | CLONE_AUTOREAP |
 * CLONE_PIDFD), and waits for it on the pidfd; exits with its status (128
 * + the signal if it was killed).
 *
 *   -k  CLONE_PIDFD_AUTOKILL: the container lives only as long as this
 *       runtime's pidfd, so that killing the runtime, even with SIGKILL,
 *       kills the container (Linux 7.1)
 *   -r  PIDNS_REAP_ORPHANS on the new namespace, set from outside before
 *       COMMAND runs: the kernel reaps the orphans COMMAND never waits for
 *
 * Prints "nsspawn: init PID" (the init's number here) once COMMAND is
 * about to run.  No stand-in for a real engine: no release of Debian's
 * engines asks for these flags yet.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#ifndef CLONE_AUTOREAP
#define CLONE_AUTOREAP		(1ULL << 34)
#endif
#ifndef CLONE_PIDFD_AUTOKILL
#define CLONE_PIDFD_AUTOKILL	(1ULL << 36)
#endif
#ifndef NS_SET_PIDNS_FLAGS
#define NSIO			0xb7
struct pidns_flags {
	uint64_t mask;
	uint64_t flags;
};
#define NS_SET_PIDNS_FLAGS	_IOW(NSIO, 0x41, struct pidns_flags)
#define PIDNS_REAP_ORPHANS	(1ULL << 1)
#endif
#ifndef PIDFD_GET_INFO
struct pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid,
		 fsgid;
	int32_t exit_code;
};
#define PIDFD_GET_INFO		_IOWR(0xFF, 11, struct pidfd_info)
#define PIDFD_INFO_EXIT		(1ULL << 3)
#endif

static void die(const char *what)
{
	fprintf(stderr, "nsspawn: %s: %s\n", what, strerror(errno));
	exit(125);
}

int main(int argc, char **argv)
{
	struct clone_args args = { .exit_signal = 0 };
	struct pidfd_info info = { .mask = PIDFD_INFO_EXIT };
	bool autokill = false, reap = false;
	int go[2], pidfd = -1, opt;
	struct pollfd pfd;
	char path[64];
	pid_t pid;

	while ((opt = getopt(argc, argv, "+kr")) != -1) {
		if (opt == 'k')
			autokill = true;
		else if (opt == 'r')
			reap = true;
		else
			return 2;
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: nsspawn [-k] [-r] COMMAND [ARG...]\n");
		return 2;
	}
	if (pipe2(go, O_CLOEXEC))
		die("pipe");
	args.flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_AUTOREAP | CLONE_PIDFD |
		     (autokill ? CLONE_PIDFD_AUTOKILL : 0);
	args.pidfd = (uintptr_t)&pidfd;
	pid = syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		die("clone3");
	if (pid == 0) {
		char c;

		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(125);
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
		    mount("proc", "/proc", "proc", 0, NULL))
			_exit(125);
		execvp(argv[optind], argv + optind);
		_exit(127);
	}
	close(go[0]);
	if (reap) {
		struct pidns_flags f = {
			.mask = PIDNS_REAP_ORPHANS,
			.flags = PIDNS_REAP_ORPHANS,
		};
		int nsfd;

		snprintf(path, sizeof(path), "/proc/%d/ns/pid", pid);
		nsfd = open(path, O_RDONLY | O_CLOEXEC);
		if (nsfd < 0 || ioctl(nsfd, NS_SET_PIDNS_FLAGS, &f))
			die("NS_SET_PIDNS_FLAGS");
		close(nsfd);
	}
	printf("nsspawn: init %d\n", pid);
	fflush(stdout);
	if (write(go[1], "g", 1) != 1)
		die("write");
	close(go[1]);

	/* The init autoreaps: the pidfd says when and how it ended. */
	pfd = (struct pollfd){ .fd = pidfd, .events = POLLIN };
	do {
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			die("poll");
	} while (!(pfd.revents & POLLHUP));
	if (ioctl(pidfd, PIDFD_GET_INFO, &info) ||
	    !(info.mask & PIDFD_INFO_EXIT))
		die("PIDFD_GET_INFO");
	if (WIFSIGNALED(info.exit_code))
		return 128 + WTERMSIG(info.exit_code);
	return WEXITSTATUS(info.exit_code);
}
