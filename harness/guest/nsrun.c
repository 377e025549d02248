// SPDX-License-Identifier: GPL-2.0
/*
 * nsrun: run a command at the bottom of a nest of fresh pid namespaces,
 * for `make fuzz`.
 *
 *   nsrun [-u UID] [-r] [-d DEPTH] COMMAND [ARG...]
 *
 *   -u UID    become UID (and group UID, no supplementary groups) first
 *   -r        then enter a new user namespace with UID mapped to 0, so that
 *             an unprivileged user owns the pid namespaces below
 *   -d DEPTH  nest DEPTH pid namespaces (default 3), each with its own mount
 *             namespace and /proc
 *
 * The fuzzer must not be able to reach the guest's own init: kill(-1),
 * reboot() and the like then end at the innermost namespace.  Each level's
 * init is this program, not the command: an init must reap every orphan of
 * its namespace, which a fuzzer does not, and an init ignores signals it
 * has no handler for, so the command would be unkillable from inside.  The
 * inits forward SIGINT and SIGTERM downwards (busybox timeout's SIGINT
 * thus reaches the command, which can print its summary), and each exits
 * with the status of the level below it: 128 + the signal if it was killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile pid_t below;

static void die(const char *what)
{
	fprintf(stderr, "nsrun: %s: %s\n", what, strerror(errno));
	exit(125);
}

static void forward(int sig)
{
	if (below > 0)
		kill(below, sig);
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die(path);
	close(fd);
}

/* Reap everything until the child we made exits; its status is ours. */
static int wait_below(void)
{
	int status;

	for (;;) {
		pid_t pid = wait(&status);

		if (pid < 0 && errno == EINTR)
			continue;
		if (pid < 0)
			die("wait");
		if (pid == below)
			break;
	}
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	int depth = 3, opt, level;
	uid_t uid = (uid_t)-1;
	int userns = 0;
	struct sigaction sa = { .sa_handler = forward };

	while ((opt = getopt(argc, argv, "+u:rd:")) != -1) {
		switch (opt) {
		case 'u': uid = atoi(optarg); break;
		case 'r': userns = 1; break;
		case 'd': depth = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: nsrun [-u UID] [-r] [-d DEPTH] "
				"COMMAND [ARG...]\n");
			return 125;
		}
	}
	if (optind >= argc)
		return 125;

	if (uid != (uid_t)-1) {
		if (setgroups(0, NULL) || setgid(uid) || setuid(uid))
			die("dropping to the user");
		/* The uid change made us undumpable, and /proc/self root's:
		 * the user namespace's maps could not be written. */
		if (prctl(PR_SET_DUMPABLE, 1))
			die("PR_SET_DUMPABLE");
	}
	if (userns) {
		char map[64];

		if (unshare(CLONE_NEWUSER))
			die("unshare(CLONE_NEWUSER)");
		write_file("/proc/self/setgroups", "deny");
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)getuid());
		write_file("/proc/self/uid_map", map);
		snprintf(map, sizeof(map), "0 %u 1", (unsigned)getgid());
		write_file("/proc/self/gid_map", map);
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	for (level = 0; level <= depth; level++) {
		if (level < depth && unshare(CLONE_NEWPID | CLONE_NEWNS))
			die("unshare(CLONE_NEWPID | CLONE_NEWNS)");
		below = fork();
		if (below < 0)
			die("fork");
		if (below > 0)
			return wait_below();
		/* The child: the init of the new level, or the command. */
		if (level < depth) {
			if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
				die("making / private");
			if (mount("proc", "/proc", "proc",
				  MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
				die("mounting /proc");
		}
	}
	/* level == depth + 1: the command, in the innermost namespace. */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	execvp(argv[optind], argv + optind);
	die(argv[optind]);
	return 125;
}
