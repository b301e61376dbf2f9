/*
 * echo-libuv.c - the libuv server of the echo benchmark, for comparison:
 * the loop of echo-epoll.c in libuv's own terms.
 *
 * usage: echo-libuv [HOST [PORT]]		(127.0.0.1, port 0)
 *
 * Prints the port on a line of its own once it accepts connections and
 * runs until a signal ends it.  libuv reads each connection into the one
 * 64 KiB buffer that the allocation callback hands out (libuv itself
 * stops reading at a short read), and the read callback sends the bytes
 * back at once with uv_try_write.  Only when that is short is the rest
 * copied into a uv_write request, reading stopped until it is written,
 * as the other servers do; so no request is allocated in the steady
 * state.  libuv's epoll backend is level-triggered.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "echo.h"

/* A write that uv_try_write could not finish, with its bytes. */
struct rest {
	uv_write_t	req;
	char		data[];
};

static char buf[ECHO_BUFSIZE];
static uv_loop_t *loop;

static void
die_uv(const char *what, int err)
{
	echo_die(what, uv_strerror(err));
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	(void)h;
	(void)suggested;
	/* One thread, and every read is consumed before the next. */
	*b = uv_buf_init(buf, sizeof buf);
}

static void
on_close(uv_handle_t *h)
{
	free(h);
}

static void read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b);

static void
on_written(uv_write_t *req, int status)
{
	uv_stream_t *st = req->handle;
	int err;

	free(req);
	if (status < 0) {
		if (!uv_is_closing((uv_handle_t *)st))
			uv_close((uv_handle_t *)st, on_close);
		return;
	}
	if ((err = uv_read_start(st, on_alloc, read_cb)) < 0)
		die_uv("uv_read_start", err);
}

static void
send_back(uv_stream_t *st, char *p, size_t len)
{
	uv_buf_t b = uv_buf_init(p, (unsigned int)len);
	struct rest *r;
	int n, err;

	if ((n = uv_try_write(st, &b, 1)) == UV_EAGAIN)
		n = 0;
	else if (n < 0) {
		uv_close((uv_handle_t *)st, on_close);
		return;
	}
	if ((size_t)n == len)
		return;
	if ((r = malloc(sizeof *r + len - (size_t)n)) == NULL)
		echo_die_errno("malloc");
	memcpy(r->data, p + n, len - (size_t)n);
	b = uv_buf_init(r->data, (unsigned int)(len - (size_t)n));
	uv_read_stop(st);
	if ((err = uv_write(&r->req, st, &b, 1, on_written)) < 0)
		die_uv("uv_write", err);
}

static void
read_cb(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
	if (n > 0)
		send_back(st, b->base, (size_t)n);
	else if (n < 0)
		/* UV_EOF or an error: the client is gone either way. */
		uv_close((uv_handle_t *)st, on_close);
}

static void
on_connection(uv_stream_t *server, int status)
{
	uv_tcp_t *c;
	int err;

	if (status < 0)
		die_uv("listen", status);
	if ((c = malloc(sizeof *c)) == NULL)
		echo_die_errno("malloc");
	if ((err = uv_tcp_init(loop, c)) < 0)
		die_uv("uv_tcp_init", err);
	if ((err = uv_accept(server, (uv_stream_t *)c)) < 0)
		die_uv("uv_accept", err);
	if ((err = uv_read_start((uv_stream_t *)c, on_alloc, read_cb)) < 0)
		die_uv("uv_read_start", err);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	socklen_t slen;
	uv_tcp_t server;
	const char *host;
	int port, len, err;

	echo_init(argc, argv, "echo-libuv", &host, &port);
	if (echo_sockaddr(host, port, &ss, &slen) == -1)
		echo_die(host, "not a numeric address");
	loop = uv_default_loop();
	if ((err = uv_tcp_init(loop, &server)) < 0 ||
	    (err = uv_tcp_bind(&server, (struct sockaddr *)&ss, 0)) < 0 ||
	    (err = uv_listen((uv_stream_t *)&server, SOMAXCONN,
	    on_connection)) < 0)
		die_uv("listen", err);
	len = sizeof ss;
	if ((err = uv_tcp_getsockname(&server, (struct sockaddr *)&ss,
	    &len)) < 0)
		die_uv("uv_tcp_getsockname", err);
	echo_ready(echo_port(&ss));
	return uv_run(loop, UV_RUN_DEFAULT);
}
