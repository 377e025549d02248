// SPDX-License-Identifier: GPL-2.0
/*
 * criutree: a process tree in its own pid namespace for CRIU to dump and
 * restore, for the clients suite (harness/guest/clients/criu).
 *
 *   criutree DIR
 *
 * Starts the init of a fresh pid namespace (clone(CLONE_NEWPID)) and waits
 * for it.  The init starts a second thread and two children; the first
 * child starts a grandchild.  When all five tasks are up the init writes
 * DIR/ready and every task waits, polling, for DIR/go to appear.  Then the
 * tree winds down: the grandchild exits 14, the first child reaps it and
 * exits 12, the second exits 13, the thread returns, and the init, having
 * checked every one of those statuses, writes DIR/result ("ok", or what
 * went wrong) and exits 0 (1 on a problem).
 *
 * The init leads a session of its own and the tasks keep no file open but
 * /dev/null and DIR/log, both of which CRIU restores by path (no
 * --shell-job needed); the outer process prints the init's pid here to
 * DIR/pid.  It exits with the init's status (128 + the signal if killed:
 * a dump kills the tree), but after a restore the init is CRIU's child,
 * so its outcome is read from DIR/result.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *dir;
static int logfd;

static void path(char *buf, const char *name)
{
	snprintf(buf, 4096, "%s/%s", dir, name);
}

static void put(const char *name, const char *fmt, ...)
{
	char p[4096], tmp[4200];
	va_list ap;
	FILE *f;

	path(p, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", p);
	f = fopen(tmp, "w");
	if (!f)
		exit(90);
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f) || rename(tmp, p))
		exit(91);
}

static int exists(const char *name)
{
	char p[4096];

	path(p, name);
	return access(p, F_OK) == 0;
}

static void nap(void)
{
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static void wait_go(void)
{
	while (!exists("go"))
		nap();
}

/* Reap pid; return its exit status, or -1 when it did not exit normally. */
static int reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void *thread_main(void *arg)
{
	wait_go();
	return (void *)(long)syscall(SYS_gettid);
}

static int init_main(void *arg)
{
	int grandchild_pipe[2], fd, st;
	pid_t child1, child2;
	char problem[256] = "";
	pthread_t thread;
	void *ret;

	/* A session of its own, so that the tree is whole for CRIU. */
	if (setsid() < 0)
		return 99;
	/* Only /dev/null and the log open, for CRIU. */
	fd = open("/dev/null", O_RDONLY);
	if (fd < 0 || dup2(fd, 0) < 0 || dup2(logfd, 1) < 0 ||
	    dup2(logfd, 2) < 0)
		return 98;
	close(fd);
	close(logfd);
	if (pipe(grandchild_pipe))
		return 92;
	if (pthread_create(&thread, NULL, thread_main, NULL))
		return 93;
	child1 = fork();
	if (child1 == 0) {
		pid_t gc = fork();

		if (gc == 0) {
			close(grandchild_pipe[0]);
			close(grandchild_pipe[1]);
			wait_go();
			_exit(14);
		}
		/* Tell the init the grandchild is there. */
		close(grandchild_pipe[0]);
		if (write(grandchild_pipe[1], "x", 1) != 1)
			_exit(94);
		close(grandchild_pipe[1]);
		wait_go();
		_exit(reap(gc) == 14 ? 12 : 95);
	}
	close(grandchild_pipe[1]);
	child2 = fork();
	if (child2 == 0) {
		close(grandchild_pipe[0]);
		wait_go();
		_exit(13);
	}
	if (child1 < 0 || child2 < 0)
		return 96;
	if (read(grandchild_pipe[0], problem, 1) != 1)
		return 97;
	close(grandchild_pipe[0]);
	problem[0] = 0;
	put("ready", "%d %d %d\n", getpid(), child1, child2);

	wait_go();
	st = reap(child1);
	if (st != 12)
		snprintf(problem, sizeof(problem), "child 1 exited %d, not 12", st);
	st = reap(child2);
	if (st != 13 && !problem[0])
		snprintf(problem, sizeof(problem), "child 2 exited %d, not 13", st);
	if (pthread_join(thread, &ret) && !problem[0])
		snprintf(problem, sizeof(problem), "pthread_join failed");
	if (getpid() != 1 && !problem[0])
		snprintf(problem, sizeof(problem), "init is pid %d", getpid());
	put("result", "%s\n", problem[0] ? problem : "ok");
	return problem[0] ? 1 : 0;
}

int main(int argc, char **argv)
{
	static char stack[256 * 1024] __attribute__((aligned(16)));
	char p[4096];
	pid_t init;

	if (argc != 2) {
		fprintf(stderr, "usage: criutree DIR\n");
		return 2;
	}
	dir = argv[1];
	path(p, "log");
	logfd = open(p, O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (logfd < 0) {
		perror(p);
		return 1;
	}
	init = clone(init_main, stack + sizeof(stack), CLONE_NEWPID | SIGCHLD,
		     NULL);
	if (init < 0) {
		perror("clone(CLONE_NEWPID)");
		return 1;
	}
	put("pid", "%d\n", init);
	/* Our own output stays where it was; only the tree's goes to the log. */
	close(logfd);
	{
		int status;

		while (waitpid(init, &status, 0) < 0)
			if (errno != EINTR)
				return 1;
		return WIFEXITED(status) ? WEXITSTATUS(status) :
					   128 + WTERMSIG(status);
	}
}
