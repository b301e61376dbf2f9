/*
 * echo-libsock.c - the libsock server of the echo benchmark: the same
 * loop as echo-epoll.c, written with libsock's own calls only
 * (sock_listen, sock_set_nonblocking, sock_poller_*, sock_accept,
 * sock_recv, sock_send, sock_free).
 *
 * usage: echo-libsock [HOST [PORT]]		(127.0.0.1, port 0)
 *
 * Prints the port on a line of its own once it accepts connections and
 * runs until a signal ends it.  A readable connection gets one sock_recv
 * of up to 64 KiB, and what came is sent back at once with sock_send;
 * only a short send makes the connection wait for LIBSOCK_POLL_OUT, the
 * rest kept aside.  The poller is level-triggered, as in the other
 * servers.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sock.h"
#include "echo.h"

struct conn {
	struct sock	*s;
	char		*rest;		/* what a short send left, or NULL */
	size_t		 restlen;
};

static char buf[ECHO_BUFSIZE];
static struct sock_poller *poller;

static void
die_sock(const struct sock *s)
{
	echo_die("libsock", sock_error(s));
}

static void
conn_free(struct conn *c)
{
	/* Freeing a registered socket takes it out of its poller. */
	sock_free(c->s);
	free(c->rest);
	free(c);
}

static void
accept_some(struct sock *l)
{
	struct conn *c;
	struct sock *s;
	int i;

	for (i = 0; i < ECHO_ACCEPT_MAX; i++) {
		/* Accepted sockets are non-blocking, as the listener is. */
		if ((s = sock_accept(l)) == NULL) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			/* EMFILE and the like: reported, the queue emptied. */
			fprintf(stderr, "echo-libsock: %s\n", sock_error(l));
			return;
		}
		if ((c = calloc(1, sizeof *c)) == NULL)
			echo_die_errno("calloc");
		c->s = s;
		if (sock_poller_add(poller, s, LIBSOCK_POLL_IN, c) == -1)
			die_sock(s);
	}
}

static void
interest(struct conn *c, unsigned events)
{
	if (sock_poller_mod(poller, c->s, events, c) == -1)
		die_sock(c->s);
}

/*
 * Send p[0..len) as far as the socket takes it; keep the rest and wait
 * for writability.  0 when the connection goes on, -1 when it is gone.
 */
static int
send_back(struct conn *c, const char *p, size_t len)
{
	ssize_t n;
	char *rest;

	if ((n = sock_send(c->s, p, len)) == LIBSOCK_WANT_WRITE ||
	    n == LIBSOCK_WANT_READ)
		n = 0;
	else if (n < 0)
		return -1;
	if ((size_t)n == len) {
		if (c->rest != NULL) {
			free(c->rest);
			c->rest = NULL;
			interest(c, LIBSOCK_POLL_IN);
		}
		return 0;
	}
	if ((rest = malloc(len - (size_t)n)) == NULL)
		echo_die_errno("malloc");
	memcpy(rest, p + n, len - (size_t)n);
	if (c->rest == NULL)
		interest(c, LIBSOCK_POLL_OUT);
	free(c->rest);
	c->rest = rest;
	c->restlen = len - (size_t)n;
	return 0;
}

static void
conn_event(struct conn *c)
{
	ssize_t n;

	if (c->rest != NULL) {
		if (send_back(c, c->rest, c->restlen) == -1)
			conn_free(c);
		return;
	}
	if ((n = sock_recv(c->s, buf, sizeof buf)) == LIBSOCK_WANT_READ ||
	    n == LIBSOCK_WANT_WRITE)
		return;
	/* End of stream, or an error: the client is gone either way. */
	if (n <= 0 || send_back(c, buf, (size_t)n) == -1)
		conn_free(c);
}

int
main(int argc, char **argv)
{
	char address[LIBSOCK_ADDRSTRLEN];
	struct sock_event *evs;
	struct sock_addr where;
	struct sock *l;
	const char *host;
	int port, n, i;

	echo_init(argc, argv, "echo-libsock", &host, &port);
	snprintf(address, sizeof address, strchr(host, ':') != NULL ?
	    "tcp://[%s]:%d" : "tcp://%s:%d", host, port);
	if ((l = sock_new()) == NULL)
		echo_die_errno("sock_new");
	if (sock_set_nonblocking(l, 1) == -1 || sock_listen(l, address) == -1 ||
	    sock_local_addr(l, &where) == -1)
		die_sock(l);
	if ((poller = sock_poller_new()) == NULL)
		echo_die_errno("sock_poller_new");
	/* The listener is the one entry without a connection. */
	if (sock_poller_add(poller, l, LIBSOCK_POLL_IN, NULL) == -1)
		die_sock(l);
	echo_ready(sock_addr_port(&where));

	for (;;) {
		/* A signal ends a wait early with 0: nothing to do then. */
		if ((n = sock_poller_wait(poller, -1, &evs)) == -1)
			echo_die_errno("sock_poller_wait");
		for (i = 0; i < n; i++) {
			/* Taken out of the poller earlier in this round. */
			if (evs[i].sock == NULL)
				continue;
			if (evs[i].udata == NULL)
				accept_some(l);
			else
				conn_event(evs[i].udata);
		}
	}
}
