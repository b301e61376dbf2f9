/*
 * echo.c - what echo.h declares.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "echo.h"

static const char *progname = "echo";

void
echo_name(const char *name)
{
	progname = name;
}

void
echo_die(const char *what, const char *why)
{
	fprintf(stderr, "%s: %s: %s\n", progname, what, why);
	exit(1);
}

void
echo_die_errno(const char *what)
{
	echo_die(what, strerror(errno));
}

static void
usage(void)
{
	fprintf(stderr, "usage: %s [HOST [PORT]]\n", progname);
	exit(2);
}

void
echo_init(int argc, char **argv, const char *name, const char **host,
    int *port)
{
	char *end;
	long n;

	echo_name(name);
	*host = "127.0.0.1";
	*port = 0;
	if (argc > 3 || (argc > 1 && argv[1][0] == '-'))
		usage();
	if (argc > 1)
		*host = argv[1];
	if (argc > 2) {
		n = strtol(argv[2], &end, 10);
		if (*argv[2] == '\0' || *end != '\0' || n < 0 || n > 65535)
			usage();
		*port = (int)n;
	}
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		echo_die_errno("signal");
}

void
echo_ready(int port)
{
	/* The driver reads this line from a file: flush it now. */
	printf("%d\n", port);
	if (fflush(stdout) == EOF)
		echo_die_errno("stdout");
}

int
echo_sockaddr(const char *host, int port, struct sockaddr_storage *ss,
    socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof *ss);
	if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)port);
		*len = sizeof *sin;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)port);
		*len = sizeof *sin6;
		return 0;
	}
	return -1;
}

int
echo_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}
