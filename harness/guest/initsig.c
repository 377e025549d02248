// SPDX-License-Identifier: GPL-2.0
/*
 * initsig: read or set the flags of a pid namespace, for `make run` and
 * the clients suite: how its init takes signals from outside, and
 * whether the kernel reaps the orphans its init adopts.
 *
 *   initsig PID                     print the modes of PID's pid namespace
 *   initsig PID protected|ordinary  set the init signal mode first
 *   initsig PID reap|noreap         set or clear the orphan reaper mode
 *                                   first (from outside, as root)
 *
 * It prints the init signal mode ("protected" or "ordinary"), followed by
 * " reap" when the orphan reaper mode is set.  The modes are the flags
 * PIDNS_INIT_SIGNALS_ORDINARY and PIDNS_REAP_ORPHANS of the
 * NS_GET_PIDNS_FLAGS and NS_SET_PIDNS_FLAGS ioctls on /proc/PID/ns/pid;
 * see Documentation/pidns.txt, section 5.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifndef NSIO
#define NSIO				0xb7
#endif
#ifndef PIDNS_INIT_SIGNALS_ORDINARY
#define PIDNS_INIT_SIGNALS_ORDINARY	0x1ULL
#endif
#ifndef PIDNS_REAP_ORPHANS
#define PIDNS_REAP_ORPHANS		0x2ULL
#endif
#ifndef NS_GET_PIDNS_FLAGS
struct pidns_flags {
	uint64_t mask;
	uint64_t flags;
};

#define NS_GET_PIDNS_FLAGS		_IOR(NSIO, 0x40, struct pidns_flags)
#define NS_SET_PIDNS_FLAGS		_IOW(NSIO, 0x41, struct pidns_flags)
#endif

/* What each argument sets: the flag, and its value. */
static const struct {
	const char *name;
	uint64_t mask;
	uint64_t flags;
} modes[] = {
	{ "protected", PIDNS_INIT_SIGNALS_ORDINARY, 0 },
	{ "ordinary", PIDNS_INIT_SIGNALS_ORDINARY, PIDNS_INIT_SIGNALS_ORDINARY },
	{ "noreap", PIDNS_REAP_ORPHANS, 0 },
	{ "reap", PIDNS_REAP_ORPHANS, PIDNS_REAP_ORPHANS },
};

#define NMODES	(sizeof(modes) / sizeof(modes[0]))

int main(int argc, char **argv)
{
	struct pidns_flags f;
	char path[64];
	unsigned int i;
	int fd;

	if (argc != 2 && argc != 3) {
		fprintf(stderr,
			"usage: initsig PID [protected|ordinary|reap|noreap]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%s/ns/pid", argv[1]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "initsig: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (argc == 3) {
		for (i = 0; i < NMODES; i++)
			if (!strcmp(argv[2], modes[i].name))
				break;
		if (i == NMODES) {
			fprintf(stderr, "initsig: unknown mode %s\n", argv[2]);
			return 2;
		}
		memset(&f, 0, sizeof(f));
		f.mask = modes[i].mask;
		f.flags = modes[i].flags;
		if (ioctl(fd, NS_SET_PIDNS_FLAGS, &f)) {
			fprintf(stderr, "initsig: set %s: %s\n", argv[2],
				strerror(errno));
			return 1;
		}
	}
	memset(&f, 0, sizeof(f));
	if (ioctl(fd, NS_GET_PIDNS_FLAGS, &f)) {
		fprintf(stderr, "initsig: get: %s\n", strerror(errno));
		return 1;
	}
	printf("%s%s\n",
	       f.flags & PIDNS_INIT_SIGNALS_ORDINARY ? "ordinary" : "protected",
	       f.flags & PIDNS_REAP_ORPHANS ? " reap" : "");
	return 0;
}
