// SPDX-License-Identifier: GPL-2.0
/*
 * initsig: read or set how the init of a pid namespace takes signals from
 * outside, for `make run`.
 *
 *   initsig PID                     print the mode of PID's pid namespace
 *   initsig PID protected|ordinary  set it first (from outside, as root)
 *
 * The mode is the NS_SET_PIDNS_INIT_SIGNALS ioctl on /proc/PID/ns/pid;
 * see Documentation/pidns.txt, section 5.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#ifndef NS_SET_PIDNS_INIT_SIGNALS
#define NSIO				0xb7
#define PIDNS_INIT_SIGNALS_PROTECTED	0
#define PIDNS_INIT_SIGNALS_ORDINARY	1
#define NS_SET_PIDNS_INIT_SIGNALS	_IO(NSIO, 0x40)
#define NS_GET_PIDNS_INIT_SIGNALS	_IO(NSIO, 0x41)
#endif

static const char *const names[] = { "protected", "ordinary" };

int main(int argc, char **argv)
{
	char path[64];
	int fd, mode;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: initsig PID [protected|ordinary]\n");
		return 2;
	}
	snprintf(path, sizeof(path), "/proc/%s/ns/pid", argv[1]);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "initsig: %s: %s\n", path, strerror(errno));
		return 1;
	}
	if (argc == 3) {
		mode = strcmp(argv[2], "ordinary") ? PIDNS_INIT_SIGNALS_PROTECTED :
						     PIDNS_INIT_SIGNALS_ORDINARY;
		if (strcmp(argv[2], names[mode])) {
			fprintf(stderr, "initsig: unknown mode %s\n", argv[2]);
			return 2;
		}
		if (ioctl(fd, NS_SET_PIDNS_INIT_SIGNALS, mode)) {
			fprintf(stderr, "initsig: set %s: %s\n", argv[2],
				strerror(errno));
			return 1;
		}
	}
	mode = ioctl(fd, NS_GET_PIDNS_INIT_SIGNALS);
	if (mode < 0 || mode > PIDNS_INIT_SIGNALS_ORDINARY) {
		fprintf(stderr, "initsig: get: %s\n", strerror(errno));
		return 1;
	}
	printf("%s\n", names[mode]);
	return 0;
}
