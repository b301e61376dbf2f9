/*
 * echo-libevent.c - the libevent server of the echo benchmark, for
 * comparison: the loop of echo-epoll.c in libevent's own terms, a
 * listener and bufferevents.
 *
 * usage: echo-libevent [HOST [PORT]]		(127.0.0.1, port 0)
 *
 * Prints the port on a line of its own once it accepts connections and
 * runs until a signal ends it.  Each connection is a socket bufferevent
 * allowed reads of up to 64 KiB; its read callback moves what came from
 * the input buffer to the output buffer, which libevent writes out when
 * the socket is writable.  That is how libevent does I/O (the
 * documentation's echo server is written so), and its cost is part of
 * what is compared; libevent's epoll backend is level-triggered.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "echo.h"

static void
on_read(struct bufferevent *bev, void *arg)
{
	(void)arg;
	/* Moves the chain, without copying the bytes. */
	if (evbuffer_add_buffer(bufferevent_get_output(bev),
	    bufferevent_get_input(bev)) == -1)
		echo_die("evbuffer_add_buffer", "failed");
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)arg;
	/* End of stream, or an error: the client is gone either way. */
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		bufferevent_free(bev);
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct event_base *base = arg;
	struct bufferevent *bev;

	(void)lev;
	(void)sa;
	(void)salen;
	if ((bev = bufferevent_socket_new(base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		echo_die("bufferevent_socket_new", "failed");
	if (bufferevent_set_max_single_read(bev, ECHO_BUFSIZE) == -1)
		echo_die("bufferevent_set_max_single_read", "failed");
	bufferevent_setcb(bev, on_read, NULL, on_event, NULL);
	if (bufferevent_enable(bev, EV_READ | EV_WRITE) == -1)
		echo_die("bufferevent_enable", "failed");
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct event_base *base;
	struct evconnlistener *lev;
	socklen_t len;
	const char *host;
	int port;

	echo_init(argc, argv, "echo-libevent", &host, &port);
	if (echo_sockaddr(host, port, &ss, &len) == -1)
		echo_die(host, "not a numeric address");
	if ((base = event_base_new()) == NULL)
		echo_die("event_base_new", "failed");
	if ((lev = evconnlistener_new_bind(base, on_accept, base,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE | LEV_OPT_CLOSE_ON_EXEC,
	    SOMAXCONN, (struct sockaddr *)&ss, (int)len)) == NULL)
		echo_die_errno("evconnlistener_new_bind");
	len = sizeof ss;
	if (getsockname(evconnlistener_get_fd(lev), (struct sockaddr *)&ss,
	    &len) == -1)
		echo_die_errno("getsockname");
	echo_ready(echo_port(&ss));
	if (event_base_dispatch(base) == -1)
		echo_die("event_base_dispatch", "failed");
	return 0;
}
