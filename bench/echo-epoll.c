/*
 * echo-epoll.c - the reference server of the echo benchmark: epoll and
 * plain system calls, one thread, level-triggered.
 *
 * usage: echo-epoll [HOST [PORT]]		(127.0.0.1, port 0)
 *
 * Prints the port on a line of its own once it accepts connections and
 * runs until a signal ends it.  A readable connection gets one recv of
 * up to 64 KiB, and what came is sent back at once.  Only when the send
 * is short does the connection wait for writability, the rest kept
 * aside, and reads nothing more until the rest is gone; in the steady
 * state a request costs one recv and one send, plus a share of an
 * epoll_wait.  The servers of the other libraries do the same, so that
 * what differs is what each library adds.  Linux only (epoll, accept4).
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "echo.h"

#define MAX_EVENTS	256	/* as many as sock_poller_wait returns */

struct conn {
	int	 fd;
	char	*rest;		/* what a short send left, or NULL */
	size_t	 restlen;
};

static char buf[ECHO_BUFSIZE];
static int ep;

static void
interest(int op, int fd, uint32_t events, void *ptr)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.ptr = ptr;
	if (epoll_ctl(ep, op, fd, &ev) == -1)
		echo_die_errno("epoll_ctl");
}

static void
conn_free(struct conn *c)
{
	/* The last descriptor of the socket: epoll forgets it by itself. */
	close(c->fd);
	free(c->rest);
	free(c);
}

static void
accept_some(int lfd)
{
	struct conn *c;
	int i, fd;

	for (i = 0; i < ECHO_ACCEPT_MAX; i++) {
		fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			echo_die_errno("accept4");
		}
		if ((c = calloc(1, sizeof *c)) == NULL)
			echo_die_errno("calloc");
		c->fd = fd;
		interest(EPOLL_CTL_ADD, fd, EPOLLIN, c);
	}
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

	if ((n = send(c->fd, p, len, MSG_NOSIGNAL)) == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		n = 0;
	}
	if ((size_t)n == len) {
		if (c->rest != NULL) {
			free(c->rest);
			c->rest = NULL;
			interest(EPOLL_CTL_MOD, c->fd, EPOLLIN, c);
		}
		return 0;
	}
	if ((rest = malloc(len - (size_t)n)) == NULL)
		echo_die_errno("malloc");
	memcpy(rest, p + n, len - (size_t)n);
	if (c->rest == NULL)
		interest(EPOLL_CTL_MOD, c->fd, EPOLLOUT, c);
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
	if ((n = recv(c->fd, buf, sizeof buf, 0)) == -1 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	/* End of stream, or an error: the client is gone either way. */
	if (n <= 0 || send_back(c, buf, (size_t)n) == -1)
		conn_free(c);
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[MAX_EVENTS];
	struct sockaddr_storage ss;
	socklen_t len;
	const char *host;
	int port, lfd, on = 1, n, i;

	echo_init(argc, argv, "echo-epoll", &host, &port);
	if (echo_sockaddr(host, port, &ss, &len) == -1)
		echo_die(host, "not a numeric address");
	if ((lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		echo_die_errno("socket");
	if (setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1 ||
	    bind(lfd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(lfd, SOMAXCONN) == -1)
		echo_die_errno("listen");
	len = sizeof ss;
	if (getsockname(lfd, (struct sockaddr *)&ss, &len) == -1)
		echo_die_errno("getsockname");
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		echo_die_errno("epoll_create1");
	/* The listener is the one entry without a connection. */
	interest(EPOLL_CTL_ADD, lfd, EPOLLIN, NULL);
	echo_ready(echo_port(&ss));

	for (;;) {
		if ((n = epoll_wait(ep, evs, MAX_EVENTS, -1)) == -1) {
			if (errno == EINTR)
				continue;
			echo_die_errno("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.ptr == NULL)
				accept_some(lfd);
			else
				conn_event(evs[i].data.ptr);
		}
	}
}
