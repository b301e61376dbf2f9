/*
 * exec-child.c - list the descriptors this process was started with.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 *
 * Run after fork(2) and exec(2) by the close-on-exec tests: prints one
 * line per open descriptor above 2, with what it refers to, and exits 0
 * when there is none, 1 otherwise (2 if it cannot tell).
 *
 * "exec-child -c [fd ...]" first closes every descriptor above 2 but the
 * ones named, then runs itself again without arguments: a clean start for
 * tests run from a shell, which cannot close descriptors above 9.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long
open_max(void)
{
	long max = sysconf(_SC_OPEN_MAX);

	return max < 0 || max > 65536 ? 65536 : max;
}

static void
describe(int fd)
{
	char link[64], target[PATH_MAX];
	ssize_t n;

	snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
	if ((n = readlink(link, target, sizeof target - 1)) == -1)
		snprintf(target, sizeof target, "(unknown)");
	else
		target[n] = '\0';
	printf("fd %d -> %s\n", fd, target);
}

/* Linux and others with /proc: the exact list. */
static int
list_proc(int *found)
{
	DIR *d;
	struct dirent *e;
	char *end;
	long fd;

	if ((d = opendir("/proc/self/fd")) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		fd = strtol(e->d_name, &end, 10);
		/*
		 * Above the descriptor limit are only the descriptors a tool
		 * such as valgrind keeps for itself, out of the program's
		 * reach: never the library's.
		 */
		if (*end != '\0' || end == e->d_name || fd <= 2 ||
		    fd == dirfd(d) || fd >= open_max())
			continue;
		describe((int)fd);
		(*found)++;
	}
	closedir(d);
	return 0;
}

/* Elsewhere: probe every possible descriptor. */
static void
list_probe(int *found)
{
	long max = open_max();
	int fd;

	for (fd = 3; fd < max; fd++)
		if (fcntl(fd, F_GETFD) != -1) {
			describe(fd);
			(*found)++;
		}
}

static int
named(int fd, int argc, char **argv)
{
	int i;

	for (i = 2; i < argc; i++)
		if (atoi(argv[i]) == fd)
			return 1;
	return 0;
}

static int
clean_start(int argc, char **argv)
{
	long max = open_max();
	int fd;

	for (fd = 3; fd < max; fd++)
		if (!named(fd, argc, argv))
			(void)close(fd);
	execl(argv[0], argv[0], (char *)NULL);
	perror(argv[0]);
	return 2;
}

int
main(int argc, char **argv)
{
	int found = 0;

	if (argc >= 2 && strcmp(argv[1], "-c") == 0)
		return clean_start(argc, argv);
	if (argc != 1) {
		fprintf(stderr, "usage: exec-child [-c [fd ...]]\n");
		return 2;
	}

	if (list_proc(&found) == -1)
		list_probe(&found);
	if (fflush(stdout) == EOF)
		return 2;
	return found == 0 ? 0 : 1;
}
