/*
 * echo.h - what the programs of the echo benchmark share: the command
 * line of the servers, the line that says a server is ready, numeric
 * addresses and the way they fail.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#ifndef LIBSOCK_ECHO_H
#define LIBSOCK_ECHO_H

#include <sys/socket.h>

#define ECHO_BUFSIZE	(64 * 1024)	/* one read of a server */
#define ECHO_ACCEPT_MAX	64		/* accepts per readiness */

/*
 * A server's command line, "[HOST [PORT]]" (127.0.0.1 and 0 by
 * default); also ignores SIGPIPE, as every server must that writes to
 * clients which may have gone.
 */
void echo_init(int argc, char **argv, const char *name, const char **host,
    int *port);

/* The port on a line of its own: the server accepts connections now. */
void echo_ready(int port);

/* A numeric IPv4 or IPv6 address and a port; -1 if host is no number. */
int echo_sockaddr(const char *host, int port, struct sockaddr_storage *ss,
    socklen_t *len);

/* The port of a bound socket's address. */
int echo_port(const struct sockaddr_storage *ss);

/* The name that messages begin with (echo_init sets it too). */
void echo_name(const char *name);

/* Print "name: what: why" on standard error and exit 1. */
void echo_die(const char *what, const char *why) __attribute__((noreturn));
void echo_die_errno(const char *what) __attribute__((noreturn));

#endif /* LIBSOCK_ECHO_H */
