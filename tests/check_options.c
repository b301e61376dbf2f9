/*
 * check_options.c - option and timeout setters: validation, storage on a
 * new object, application at set-up, at once, and on accepted sockets.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

/* ------------------------------------------------------------ common */

static int
getint(struct sock *s, int level, int opt)
{
	int v = -12345;
	socklen_t len = sizeof v;

	ck_assert_int_ge(sock_fd(s), 0);
	ck_assert_msg(getsockopt(sock_fd(s), level, opt, &v, &len) == 0,
	    "getsockopt(%d, %d): %s", level, opt, strerror(errno));
	return v;
}

static int
ipv6_or_skip(void)
{
	if (tu_have_ipv6())
		return 1;
	printf("no IPv6 on this host: skipping\n");
	return 0;
}

/* Connect c to text, or fail the test. */
static struct sock *
connect_ok(struct sock *c, const char *text)
{
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(sock_connect(c, text) == 0, "connect %s: %s", text,
	    sock_error(c));
	return c;
}

static struct sock *
accept_ok(struct sock *l)
{
	struct sock *a = sock_accept(l);

	ck_assert_msg(a != NULL, "accept: %s", sock_error(l));
	return a;
}

static struct sock *
listen_ok(struct sock *l, const char *address, char *text, size_t size)
{
	struct sock_addr a;

	ck_assert_ptr_nonnull(l);
	ck_assert_msg(sock_listen(l, address) == 0, "listen %s: %s", address,
	    sock_error(l));
	ck_assert_int_eq(sock_local_addr(l, &a), 0);
	ck_assert_int_lt(sock_addr_format(&a, text, size,
	    LIBSOCK_FORMAT_SCHEME), (int)size);
	return l;
}

static struct sock *
bind_ok(struct sock *u, const char *address)
{
	ck_assert_ptr_nonnull(u);
	ck_assert_msg(sock_bind(u, address) == 0, "bind %s: %s", address,
	    sock_error(u));
	return u;
}

/* ------------------------------------------------------------ values */

struct value_case {
	const char	*name;
	int		(*fn)(struct sock *, int);
	int		 value;
	int		 ok;		/* 1: accepted, 0: EINVAL */
};

static int
set_keepalive_idle(struct sock *s, int v)
{
	return sock_set_keepalive(s, 1, v, 0, 0);
}

static int
set_keepalive_interval(struct sock *s, int v)
{
	return sock_set_keepalive(s, 1, 0, v, 0);
}

static int
set_keepalive_count(struct sock *s, int v)
{
	return sock_set_keepalive(s, 1, 0, 0, v);
}

static int
set_keepalive_on(struct sock *s, int v)
{
	return sock_set_keepalive(s, v, 0, 0, 0);
}

static const struct value_case value_cases[] = {
	{ "timeout", sock_set_timeout, -2, 0 },
	{ "timeout", sock_set_timeout, INT_MIN, 0 },
	{ "timeout", sock_set_timeout, -1, 1 },
	{ "timeout", sock_set_timeout, 0, 1 },
	{ "timeout", sock_set_timeout, INT_MAX, 1 },
	{ "connect timeout", sock_set_connect_timeout, -2, 0 },
	{ "connect timeout", sock_set_connect_timeout, -1, 1 },
	{ "connect timeout", sock_set_connect_timeout, 0, 1 },
	{ "accept timeout", sock_set_accept_timeout, -2, 0 },
	{ "accept timeout", sock_set_accept_timeout, 1000, 1 },
	{ "send timeout", sock_set_send_timeout, -2, 0 },
	{ "send timeout", sock_set_send_timeout, INT_MIN, 0 },
	{ "send timeout", sock_set_send_timeout, 1, 1 },
	{ "recv timeout", sock_set_recv_timeout, -2, 0 },
	{ "recv timeout", sock_set_recv_timeout, -1, 1 },
	{ "sndbuf", sock_set_sndbuf, 0, 0 },
	{ "sndbuf", sock_set_sndbuf, -1, 0 },
	{ "sndbuf", sock_set_sndbuf, INT_MIN, 0 },
	{ "sndbuf", sock_set_sndbuf, 1, 1 },
	{ "rcvbuf", sock_set_rcvbuf, 0, 0 },
	{ "rcvbuf", sock_set_rcvbuf, -1, 0 },
	{ "rcvbuf", sock_set_rcvbuf, 65536, 1 },
	{ "ttl", sock_set_ttl, 0, 0 },
	{ "ttl", sock_set_ttl, 256, 0 },
	{ "ttl", sock_set_ttl, -1, 0 },
	{ "ttl", sock_set_ttl, 1, 1 },
	{ "ttl", sock_set_ttl, 255, 1 },
	{ "backlog", sock_set_backlog, 0, 0 },
	{ "backlog", sock_set_backlog, -1, 0 },
	{ "backlog", sock_set_backlog, 1, 1 },
	{ "keepalive idle", set_keepalive_idle, -1, 0 },
	{ "keepalive idle", set_keepalive_idle, 0, 1 },
	{ "keepalive interval", set_keepalive_interval, -1, 0 },
	{ "keepalive interval", set_keepalive_interval, 10, 1 },
	{ "keepalive count", set_keepalive_count, INT_MIN, 0 },
	{ "keepalive count", set_keepalive_count, 3, 1 },
	{ "keepalive on", set_keepalive_on, -1, 1 },
	{ "reuseaddr", sock_set_reuseaddr, 2, 1 },
	{ "reuseport", sock_set_reuseport, -1, 1 },
	{ "nodelay", sock_set_nodelay, 0, 1 },
	{ "broadcast", sock_set_broadcast, INT_MAX, 1 },
	{ "v6only", sock_set_v6only, 1, 1 },
};
#define NVALUES	((int)(sizeof value_cases / sizeof value_cases[0]))

START_TEST(test_setter_validates_value)
{
	const struct value_case *c = &value_cases[_i];
	struct sock *s = sock_new();
	int rc;

	ck_assert_ptr_nonnull(s);
	errno = 0;
	rc = c->fn(s, c->value);
	if (c->ok)
		ck_assert_msg(rc == 0, "set %s %d: %s", c->name, c->value,
		    sock_error(s));
	else {
		ck_assert_msg(rc == -1 && errno == EINVAL,
		    "set %s %d: rc %d errno %d", c->name, c->value, rc, errno);
		ck_assert_int_eq(sock_error_code(s), EINVAL);
	}
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(s), -1);
	sock_free(s);
}
END_TEST

START_TEST(test_timeout_on_closed_socket_ebadf)
{
	struct sock *s = sock_new();

	ck_assert_int_eq(sock_close(s), 0);
	errno = 0;
	ck_assert_int_eq(sock_set_timeout(s, 100), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(sock_error_code(s), EBADF);
	errno = 0;
	ck_assert_int_eq(sock_set_recv_timeout(s, -2), -1);
	ck_assert(errno == EBADF || errno == EINVAL);
	sock_free(s);
}
END_TEST

/* Timeouts may be set in every role but CLOSED. */
START_TEST(test_timeout_in_every_open_role)
{
	char text[LIBSOCK_ADDRSTRLEN], utext[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *c, *a, *u, *cu;

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	c = connect_ok(sock_new(), text);
	a = accept_ok(l);
	u = tu_bind("udp://127.0.0.1:0", utext, sizeof utext);
	cu = connect_ok(sock_new(), utext);
	ck_assert_int_eq(sock_set_timeout(l, 100), 0);
	ck_assert_int_eq(sock_set_timeout(c, 100), 0);
	ck_assert_int_eq(sock_set_timeout(a, 100), 0);
	ck_assert_int_eq(sock_set_timeout(u, 100), 0);
	ck_assert_int_eq(sock_set_timeout(cu, 100), 0);
	ck_assert_int_eq(sock_set_timeout(cu, -2), -1);
	ck_assert_int_eq(errno, EINVAL);
	sock_free(cu);
	sock_free(u);
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

/* ------------------------------------------------------------ reuse */

START_TEST(test_listener_reuseaddr_on_by_default)
{
	struct sock *l = tu_listen("tcp://127.0.0.1:0", NULL, 0);

	ck_assert_int_ne(getint(l, SOL_SOCKET, SO_REUSEADDR), 0);
	sock_free(l);
}
END_TEST

START_TEST(test_listener_reuseaddr_off_when_asked)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l = sock_new();

	ck_assert_int_eq(sock_set_reuseaddr(l, 0), 0);
	listen_ok(l, "tcp://127.0.0.1:0", text, sizeof text);
	ck_assert_int_eq(getint(l, SOL_SOCKET, SO_REUSEADDR), 0);
	/* And at once, on the listening descriptor. */
	ck_assert_int_eq(sock_set_reuseaddr(l, 1), 0);
	ck_assert_int_ne(getint(l, SOL_SOCKET, SO_REUSEADDR), 0);
	sock_free(l);
}
END_TEST

START_TEST(test_reuseport_applied_at_listen)
{
#ifdef SO_REUSEPORT
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *plain;

	plain = tu_listen("tcp://127.0.0.1:0", NULL, 0);
	ck_assert_int_eq(getint(plain, SOL_SOCKET, SO_REUSEPORT), 0);
	l = sock_new();
	ck_assert_int_eq(sock_set_reuseport(l, 1), 0);
	listen_ok(l, "tcp://127.0.0.1:0", text, sizeof text);
	ck_assert_int_ne(getint(l, SOL_SOCKET, SO_REUSEPORT), 0);
	sock_free(l);
	sock_free(plain);
#else
	printf("no SO_REUSEPORT here: skipping\n");
#endif
}
END_TEST

START_TEST(test_two_reuseport_listeners_share_port)
{
#ifdef SO_REUSEPORT
	char text[LIBSOCK_ADDRSTRLEN], text2[LIBSOCK_ADDRSTRLEN];
	struct sock *l1 = sock_new(), *l2 = sock_new();

	ck_assert_int_eq(sock_set_reuseport(l1, 1), 0);
	ck_assert_int_eq(sock_set_reuseport(l2, 1), 0);
	listen_ok(l1, "tcp://127.0.0.1:0", text, sizeof text);
	listen_ok(l2, text, text2, sizeof text2);
	ck_assert_str_eq(text, text2);
	ck_assert_int_eq(sock_role(l2), LIBSOCK_ROLE_PASSIVE);
	sock_free(l2);
	sock_free(l1);
#else
	printf("no SO_REUSEPORT here: skipping\n");
#endif
}
END_TEST

/* Without SO_REUSEPORT on both, the second listener fails cleanly. */
static void
second_listener_fails(int first_reuseport)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l1 = sock_new(), *l2 = sock_new();
	int fds;

	if (first_reuseport)
		ck_assert_int_eq(sock_set_reuseport(l1, 1), 0);
	listen_ok(l1, "tcp://127.0.0.1:0", text, sizeof text);
	fds = tu_fd_count();
	errno = 0;
	ck_assert_int_eq(sock_listen(l2, text), -1);
	ck_assert_int_eq(errno, EADDRINUSE);
	ck_assert_int_eq(sock_error_code(l2), EADDRINUSE);
	ck_assert_int_eq(sock_role(l2), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(l2), -1);
	ck_assert_int_eq(tu_fd_count(), fds);
	sock_free(l2);
	sock_free(l1);
}

START_TEST(test_second_listener_without_reuseport_eaddrinuse)
{
	second_listener_fails(0);
}
END_TEST

START_TEST(test_second_listener_reuseport_on_first_only_eaddrinuse)
{
#ifdef SO_REUSEPORT
	second_listener_fails(1);
#else
	printf("no SO_REUSEPORT here: skipping\n");
#endif
}
END_TEST

/* ------------------------------------------------------------ TCP */

START_TEST(test_nodelay_applied_at_connect)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *c, *plain, *a1, *a2;

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	plain = connect_ok(sock_new(), text);
	ck_assert_int_eq(getint(plain, IPPROTO_TCP, TCP_NODELAY), 0);
	c = sock_new();
	ck_assert_int_eq(sock_set_nodelay(c, 1), 0);
	connect_ok(c, text);
	ck_assert_int_ne(getint(c, IPPROTO_TCP, TCP_NODELAY), 0);
	/* At once on the connected descriptor, both ways. */
	ck_assert_int_eq(sock_set_nodelay(c, 0), 0);
	ck_assert_int_eq(getint(c, IPPROTO_TCP, TCP_NODELAY), 0);
	ck_assert_int_eq(sock_set_nodelay(plain, 1), 0);
	ck_assert_int_ne(getint(plain, IPPROTO_TCP, TCP_NODELAY), 0);
	a1 = accept_ok(l);
	a2 = accept_ok(l);
	sock_free(a2);
	sock_free(a1);
	sock_free(plain);
	sock_free(c);
	sock_free(l);
}
END_TEST

START_TEST(test_nodelay_inherited_by_accepted_socket)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *c, *a;

	/* Control: without the option an accepted socket has Nagle on. */
	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	c = connect_ok(sock_new(), text);
	a = accept_ok(l);
	ck_assert_int_eq(getint(a, IPPROTO_TCP, TCP_NODELAY), 0);
	sock_free(a);
	sock_free(c);
	sock_free(l);

	l = sock_new();
	ck_assert_int_eq(sock_set_nodelay(l, 1), 0);
	listen_ok(l, "tcp://127.0.0.1:0", text, sizeof text);
	c = connect_ok(sock_new(), text);
	a = accept_ok(l);
	ck_assert_int_ne(getint(a, IPPROTO_TCP, TCP_NODELAY), 0);
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

/*
 * The kernel makes a connection's socket when the handshake ends, from
 * the listener as it is then; an option set on the listener after that
 * but before accept reaches the accepted socket only if the library
 * applies it at accept.
 */
START_TEST(test_option_set_after_connect_reaches_accepted_socket)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *c, *a;

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	c = connect_ok(sock_new(), text);
	ck_assert_int_eq(sock_set_nodelay(l, 1), 0);
	ck_assert_int_eq(sock_set_keepalive(l, 1, 0, 0, 0), 0);
	a = accept_ok(l);
	ck_assert_int_ne(getint(a, IPPROTO_TCP, TCP_NODELAY), 0);
	ck_assert_int_ne(getint(a, SOL_SOCKET, SO_KEEPALIVE), 0);
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

START_TEST(test_keepalive_values_applied_at_connect)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *c, *a;

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	c = sock_new();
	ck_assert_int_eq(sock_set_keepalive(c, 1, 30, 5, 3), 0);
	connect_ok(c, text);
	a = accept_ok(l);
	ck_assert_int_eq(getint(a, SOL_SOCKET, SO_KEEPALIVE), 0);
	ck_assert_int_ne(getint(c, SOL_SOCKET, SO_KEEPALIVE), 0);
#ifdef TCP_KEEPIDLE
	ck_assert_int_eq(getint(c, IPPROTO_TCP, TCP_KEEPIDLE), 30);
#endif
#ifdef TCP_KEEPINTVL
	ck_assert_int_eq(getint(c, IPPROTO_TCP, TCP_KEEPINTVL), 5);
#endif
#ifdef TCP_KEEPCNT
	ck_assert_int_eq(getint(c, IPPROTO_TCP, TCP_KEEPCNT), 3);
#endif
	/* At once: off, then on with other values. */
	ck_assert_int_eq(sock_set_keepalive(c, 0, 0, 0, 0), 0);
	ck_assert_int_eq(getint(c, SOL_SOCKET, SO_KEEPALIVE), 0);
	ck_assert_int_eq(sock_set_keepalive(a, 1, 40, 6, 4), 0);
	ck_assert_int_ne(getint(a, SOL_SOCKET, SO_KEEPALIVE), 0);
#ifdef TCP_KEEPIDLE
	ck_assert_int_eq(getint(a, IPPROTO_TCP, TCP_KEEPIDLE), 40);
#endif
#ifdef TCP_KEEPCNT
	ck_assert_int_eq(getint(a, IPPROTO_TCP, TCP_KEEPCNT), 4);
#endif
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

/* ------------------------------------------------------------ buffers */

/*
 * Linux doubles the value asked for, the BSDs keep it; both lie well
 * under the defaults (128 KiB and more for TCP once connected, 208 KiB
 * for UDP), so a value in [asked, 3 * asked] shows the option was used.
 */
#define BUFREQ	24000

static void
check_buffers(struct sock *s)
{
	int snd = getint(s, SOL_SOCKET, SO_SNDBUF);
	int rcv = getint(s, SOL_SOCKET, SO_RCVBUF);

	ck_assert_msg(snd >= BUFREQ && snd <= 3 * BUFREQ,
	    "SO_SNDBUF %d for %d asked", snd, BUFREQ);
	ck_assert_msg(rcv >= BUFREQ && rcv <= 3 * BUFREQ,
	    "SO_RCVBUF %d for %d asked", rcv, BUFREQ);
}

START_TEST(test_buffers_applied_at_connect_and_bind)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *c, *a, *u;

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	c = sock_new();
	ck_assert_int_eq(sock_set_sndbuf(c, BUFREQ), 0);
	ck_assert_int_eq(sock_set_rcvbuf(c, BUFREQ), 0);
	connect_ok(c, text);
	check_buffers(c);

	u = sock_new();
	ck_assert_int_eq(sock_set_sndbuf(u, BUFREQ), 0);
	ck_assert_int_eq(sock_set_rcvbuf(u, BUFREQ), 0);
	bind_ok(u, "udp://127.0.0.1:0");
	check_buffers(u);

	/* At once on an accepted socket. */
	a = accept_ok(l);
	ck_assert_int_eq(sock_set_sndbuf(a, BUFREQ), 0);
	ck_assert_int_eq(sock_set_rcvbuf(a, BUFREQ), 0);
	check_buffers(a);
	sock_free(u);
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

START_TEST(test_udp_default_buffers_not_small)
{
	struct sock *u = tu_bind("udp://127.0.0.1:0", NULL, 0);

	/* The control for check_buffers(): untouched, the bounds miss. */
	ck_assert_int_gt(getint(u, SOL_SOCKET, SO_RCVBUF), 3 * BUFREQ);
	sock_free(u);
}
END_TEST

/* ------------------------------------------------------------ IP */

START_TEST(test_ttl_applied_ipv4)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *c, *a, *u;

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	c = sock_new();
	ck_assert_int_eq(sock_set_ttl(c, 7), 0);
	connect_ok(c, text);
	ck_assert_int_eq(getint(c, IPPROTO_IP, IP_TTL), 7);
	a = accept_ok(l);
	ck_assert_int_ne(getint(a, IPPROTO_IP, IP_TTL), 7);
	/* At once; a refused value leaves the last good one. */
	ck_assert_int_eq(sock_set_ttl(a, 9), 0);
	ck_assert_int_eq(getint(a, IPPROTO_IP, IP_TTL), 9);
	ck_assert_int_eq(sock_set_ttl(a, 0), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(getint(a, IPPROTO_IP, IP_TTL), 9);

	u = sock_new();
	ck_assert_int_eq(sock_set_ttl(u, 11), 0);
	bind_ok(u, "udp://127.0.0.1:0");
	ck_assert_int_eq(getint(u, IPPROTO_IP, IP_TTL), 11);
	sock_free(u);
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

START_TEST(test_ttl_applied_ipv6_as_hop_limit)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *c, *a;

	if (!ipv6_or_skip())
		return;
	l = tu_listen("tcp://[::1]:0", text, sizeof text);
	c = sock_new();
	ck_assert_int_eq(sock_set_ttl(c, 7), 0);
	connect_ok(c, text);
	ck_assert_int_eq(getint(c, IPPROTO_IPV6, IPV6_UNICAST_HOPS), 7);
	a = accept_ok(l);
	ck_assert_int_eq(sock_set_ttl(a, 200), 0);
	ck_assert_int_eq(getint(a, IPPROTO_IPV6, IPV6_UNICAST_HOPS), 200);
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

START_TEST(test_broadcast_applied_at_bind)
{
	struct sock *u, *plain;

	plain = tu_bind("udp://127.0.0.1:0", NULL, 0);
	ck_assert_int_eq(getint(plain, SOL_SOCKET, SO_BROADCAST), 0);
	u = sock_new();
	ck_assert_int_eq(sock_set_broadcast(u, 1), 0);
	bind_ok(u, "udp://127.0.0.1:0");
	ck_assert_int_ne(getint(u, SOL_SOCKET, SO_BROADCAST), 0);
	/* At once. */
	ck_assert_int_eq(sock_set_broadcast(plain, 1), 0);
	ck_assert_int_ne(getint(plain, SOL_SOCKET, SO_BROADCAST), 0);
	ck_assert_int_eq(sock_set_broadcast(u, 0), 0);
	ck_assert_int_eq(getint(u, SOL_SOCKET, SO_BROADCAST), 0);
	sock_free(u);
	sock_free(plain);
}
END_TEST

/* Options stored on a new object go only where they concern the socket. */
START_TEST(test_stored_options_skip_other_transports)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *u, *l, *c, *a;

	u = sock_new();
	ck_assert_int_eq(sock_set_nodelay(u, 1), 0);
	ck_assert_int_eq(sock_set_keepalive(u, 1, 30, 5, 3), 0);
	ck_assert_int_eq(sock_set_v6only(u, 1), 0);
	bind_ok(u, "udp://127.0.0.1:0");
	ck_assert_int_eq(sock_role(u), LIBSOCK_ROLE_DGRAM);

	l = sock_new();
	ck_assert_int_eq(sock_set_broadcast(l, 1), 0);
	ck_assert_int_eq(sock_set_v6only(l, 1), 0);
	listen_ok(l, "tcp://127.0.0.1:0", text, sizeof text);

	c = sock_new();
	ck_assert_int_eq(sock_set_broadcast(c, 1), 0);
	ck_assert_int_eq(sock_set_backlog(c, 3), 0);
	connect_ok(c, text);
	a = accept_ok(l);
	sock_free(a);
	sock_free(c);
	sock_free(l);
	sock_free(u);
}
END_TEST

/* ------------------------------------------------------------ v6only */

static void
v6only_listener(int on)
{
	char text[LIBSOCK_ADDRSTRLEN], v4[64];
	struct sock_addr local;
	struct sock *l, *c, *a;
	int rc;

	l = sock_new();
	ck_assert_int_eq(sock_set_v6only(l, on), 0);
	listen_ok(l, "tcp://[::]:0", text, sizeof text);
	ck_assert_int_eq((getint(l, IPPROTO_IPV6, IPV6_V6ONLY) != 0), on);
	ck_assert_int_eq(sock_local_addr(l, &local), 0);
	snprintf(v4, sizeof v4, "tcp://127.0.0.1:%d", sock_addr_port(&local));

	c = sock_new();
	errno = 0;
	rc = sock_connect(c, v4);
	if (on) {
		ck_assert_msg(rc == -1 && errno == ECONNREFUSED,
		    "connect %s to a v6only listener: rc %d, %s", v4, rc,
		    sock_error(c));
	} else {
		ck_assert_msg(rc == 0, "%s", sock_error(c));
		a = accept_ok(l);
		sock_free(a);
	}
	sock_free(c);
	sock_free(l);
}

START_TEST(test_v6only_on_refuses_ipv4)
{
	if (ipv6_or_skip())
		v6only_listener(1);
}
END_TEST

START_TEST(test_v6only_off_accepts_ipv4)
{
	if (ipv6_or_skip())
		v6only_listener(0);
}
END_TEST

/* "*" is dual-stack whatever the bindv6only sysctl says. */
START_TEST(test_wildcard_listener_dual_stack_by_default)
{
	char text[LIBSOCK_ADDRSTRLEN], v4[64];
	struct sock_addr local;
	struct sock *l, *c, *a;

	if (!ipv6_or_skip())
		return;
	l = listen_ok(sock_new(), "tcp://*:0", text, sizeof text);
	ck_assert_int_eq(sock_local_addr(l, &local), 0);
	ck_assert_int_eq(local.storage.ss_family, AF_INET6);
	ck_assert_int_eq(getint(l, IPPROTO_IPV6, IPV6_V6ONLY), 0);
	snprintf(v4, sizeof v4, "tcp://127.0.0.1:%d", sock_addr_port(&local));
	c = connect_ok(sock_new(), v4);
	a = accept_ok(l);
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

/* A setsockopt(2) the system refuses is reported with the option's name. */
START_TEST(test_refused_option_names_option)
{
	char want[128];
	struct sock *l;

	if (!ipv6_or_skip())
		return;
	/* Linux and the BSDs refuse IPV6_V6ONLY once the socket is bound. */
	l = tu_listen("tcp://[::1]:0", NULL, 0);
	errno = 0;
	ck_assert_int_eq(sock_set_v6only(l, 1), -1);
	ck_assert_int_ne(errno, 0);
	ck_assert_int_eq(sock_error_code(l), errno);
	snprintf(want, sizeof want, "set v6only: %s", strerror(errno));
	ck_assert_str_eq(sock_error(l), want);
	ck_assert_int_eq(sock_role(l), LIBSOCK_ROLE_PASSIVE);
	sock_free(l);
}
END_TEST

/* ------------------------------------------------------------ backlog */

#if defined(__linux__) && defined(TCP_INFO)
/* Linux reports a listener's backlog in tcpi_sacked; 0 if it cannot. */
static unsigned
listen_backlog(struct sock *l)
{
	struct tcp_info ti;
	socklen_t len = sizeof ti;

	memset(&ti, 0, sizeof ti);
	if (getsockopt(sock_fd(l), IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    ti.tcpi_state != 10 /* TCP_LISTEN */)
		return 0;
	return ti.tcpi_sacked;
}

static unsigned
somaxconn(void)
{
	FILE *f = fopen("/proc/sys/net/core/somaxconn", "r");
	unsigned v = SOMAXCONN;

	if (f != NULL) {
		if (fscanf(f, "%u", &v) != 1)
			v = SOMAXCONN;
		fclose(f);
	}
	return v < SOMAXCONN ? v : SOMAXCONN;
}
#endif

START_TEST(test_backlog_default_and_set)
{
#if defined(__linux__) && defined(TCP_INFO)
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l;
	unsigned def;

	l = tu_listen("tcp://127.0.0.1:0", NULL, 0);
	if ((def = listen_backlog(l)) == 0) {
		printf("TCP_INFO gives no listen backlog here: skipping\n");
		sock_free(l);
		return;
	}
	ck_assert_uint_eq(def, somaxconn());
	sock_free(l);

	l = sock_new();
	ck_assert_int_eq(sock_set_backlog(l, 3), 0);
	listen_ok(l, "tcp://127.0.0.1:0", text, sizeof text);
	ck_assert_uint_eq(listen_backlog(l), 3);
	/* At once on a listener. */
	ck_assert_int_eq(sock_set_backlog(l, 17), 0);
	ck_assert_uint_eq(listen_backlog(l), 17);
	sock_free(l);
#else
	printf("no way to read a listen backlog here: skipping\n");
#endif
}
END_TEST

/* ------------------------------------------------------------ main */

static Suite *
options_suite(void)
{
	Suite *s = suite_create("options");
	TCase *tc;

	tc = tu_tcase("values");
	tcase_add_loop_test(tc, test_setter_validates_value, 0, NVALUES);
	tcase_add_test(tc, test_timeout_on_closed_socket_ebadf);
	tcase_add_test(tc, test_timeout_in_every_open_role);
	suite_add_tcase(s, tc);

	tc = tu_tcase("reuse");
	tcase_add_test(tc, test_listener_reuseaddr_on_by_default);
	tcase_add_test(tc, test_listener_reuseaddr_off_when_asked);
	tcase_add_test(tc, test_reuseport_applied_at_listen);
	tcase_add_test(tc, test_two_reuseport_listeners_share_port);
	tcase_add_test(tc, test_second_listener_without_reuseport_eaddrinuse);
	tcase_add_test(tc,
	    test_second_listener_reuseport_on_first_only_eaddrinuse);
	suite_add_tcase(s, tc);

	tc = tu_tcase("tcp");
	tcase_add_test(tc, test_nodelay_applied_at_connect);
	tcase_add_test(tc, test_nodelay_inherited_by_accepted_socket);
	tcase_add_test(tc,
	    test_option_set_after_connect_reaches_accepted_socket);
	tcase_add_test(tc, test_keepalive_values_applied_at_connect);
	tcase_add_test(tc, test_backlog_default_and_set);
	suite_add_tcase(s, tc);

	tc = tu_tcase("buffers");
	tcase_add_test(tc, test_buffers_applied_at_connect_and_bind);
	tcase_add_test(tc, test_udp_default_buffers_not_small);
	suite_add_tcase(s, tc);

	tc = tu_tcase("ip");
	tcase_add_test(tc, test_ttl_applied_ipv4);
	tcase_add_test(tc, test_ttl_applied_ipv6_as_hop_limit);
	tcase_add_test(tc, test_broadcast_applied_at_bind);
	tcase_add_test(tc, test_stored_options_skip_other_transports);
	tcase_add_test(tc, test_v6only_on_refuses_ipv4);
	tcase_add_test(tc, test_v6only_off_accepts_ipv4);
	tcase_add_test(tc, test_wildcard_listener_dual_stack_by_default);
	tcase_add_test(tc, test_refused_option_names_option);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return tu_run(options_suite());
}
