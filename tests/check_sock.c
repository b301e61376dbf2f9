/*
 * check_sock.c - the socket object: creation, roles, close, errors,
 * messages, close-on-exec.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static const char *argv0 = "tests/check_sock";

/* ------------------------------------------------------------ fixtures */

/* One socket of every role, on loopback. */
struct roles {
	struct sock	*fresh;		/* NEW */
	struct sock	*listener;	/* PASSIVE */
	struct sock	*client;	/* ACTIVE, by connect */
	struct sock	*server;	/* ACTIVE, by accept */
	struct sock	*dgram;		/* DGRAM, by bind */
	struct sock	*cdgram;	/* CONNECTED_DGRAM */
};

static void
roles_open(struct roles *r)
{
	char text[LIBSOCK_ADDRSTRLEN];

	r->fresh = sock_new();
	ck_assert_ptr_nonnull(r->fresh);
	r->listener = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	r->client = sock_new();
	ck_assert_ptr_nonnull(r->client);
	ck_assert_msg(sock_connect(r->client, text) == 0, "%s",
	    sock_error(r->client));
	r->server = sock_accept(r->listener);
	ck_assert_msg(r->server != NULL, "%s", sock_error(r->listener));
	r->dgram = tu_bind("udp://127.0.0.1:0", text, sizeof text);
	r->cdgram = sock_new();
	ck_assert_ptr_nonnull(r->cdgram);
	ck_assert_msg(sock_connect(r->cdgram, text) == 0, "%s",
	    sock_error(r->cdgram));
}

static void
roles_close(struct roles *r)
{
	sock_free(r->fresh);
	sock_free(r->listener);
	sock_free(r->client);
	sock_free(r->server);
	sock_free(r->dgram);
	sock_free(r->cdgram);
}

static void
parse_ok(struct sock_addr *a, const char *text)
{
	ck_assert_msg(sock_addr_parse(a, text) == 0, "parse %s: %s", text,
	    sock_strerror(errno));
}

static int
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* ------------------------------------------------------------ calls */

/*
 * Every public call that takes a socket, with valid other arguments, so
 * that only the socket can make it fail.  Each returns 0 or -1.
 */
static int
ret(long long rc)
{
	return rc < 0 ? -1 : 0;
}

static int
call_listen(struct sock *s)
{
	return ret(sock_listen(s, "tcp://127.0.0.1:0"));
}

static int
call_listen_addr(struct sock *s)
{
	struct sock_addr a;

	parse_ok(&a, "tcp://127.0.0.1:0");
	return ret(sock_listen_addr(s, &a));
}

static int
call_accept(struct sock *s)
{
	struct sock *c = sock_accept(s);

	if (c == NULL)
		return -1;
	sock_free(c);
	return 0;
}

static int
call_connect(struct sock *s)
{
	return ret(sock_connect(s, "tcp://127.0.0.1:1"));
}

static int
call_connect_addr(struct sock *s)
{
	struct sock_addr a;

	parse_ok(&a, "tcp://127.0.0.1:1");
	return ret(sock_connect_addr(s, &a));
}

static int
call_bind(struct sock *s)
{
	return ret(sock_bind(s, "udp://127.0.0.1:0"));
}

static int
call_bind_addr(struct sock *s)
{
	struct sock_addr a;

	parse_ok(&a, "udp://127.0.0.1:0");
	return ret(sock_bind_addr(s, &a));
}

static int
call_send(struct sock *s)
{
	return ret(sock_send(s, "x", 1));
}

static int
call_recv(struct sock *s)
{
	char buf[4];

	return ret(sock_recv(s, buf, sizeof buf));
}

static int
call_send_all(struct sock *s)
{
	return ret(sock_send_all(s, "x", 1));
}

static int
call_recv_exact(struct sock *s)
{
	char buf[1];

	return ret(sock_recv_exact(s, buf, sizeof buf));
}

static int
call_sendv(struct sock *s)
{
	struct iovec iov = { "x", 1 };

	return ret(sock_sendv(s, &iov, 1));
}

static int
call_recvv(struct sock *s)
{
	char buf[4];
	struct iovec iov = { buf, sizeof buf };

	return ret(sock_recvv(s, &iov, 1));
}

static int
call_sendv_all(struct sock *s)
{
	struct iovec iov = { "x", 1 };

	return ret(sock_sendv_all(s, &iov, 1));
}

static int
call_shutdown(struct sock *s)
{
	return ret(sock_shutdown(s, SHUT_WR));
}

static int
call_sendto(struct sock *s)
{
	struct sock_addr to;

	parse_ok(&to, "udp://127.0.0.1:9");
	return ret(sock_sendto(s, "x", 1, &to));
}

static int
call_recvfrom(struct sock *s)
{
	struct sock_addr from;
	char buf[4];

	return ret(sock_recvfrom(s, buf, sizeof buf, &from));
}

static int
call_local_addr(struct sock *s)
{
	struct sock_addr a;

	return ret(sock_local_addr(s, &a));
}

static int
call_peer_addr(struct sock *s)
{
	struct sock_addr a;

	return ret(sock_peer_addr(s, &a));
}

static int
call_timeout(struct sock *s)
{
	return sock_set_timeout(s, 10);
}

static int
call_connect_timeout(struct sock *s)
{
	return sock_set_connect_timeout(s, 10);
}

static int
call_accept_timeout(struct sock *s)
{
	return sock_set_accept_timeout(s, 10);
}

static int
call_send_timeout(struct sock *s)
{
	return sock_set_send_timeout(s, 10);
}

static int
call_recv_timeout(struct sock *s)
{
	return sock_set_recv_timeout(s, 10);
}

static int
call_reuseaddr(struct sock *s)
{
	return sock_set_reuseaddr(s, 1);
}

static int
call_reuseport(struct sock *s)
{
	return sock_set_reuseport(s, 1);
}

static int
call_nodelay(struct sock *s)
{
	return sock_set_nodelay(s, 1);
}

static int
call_keepalive(struct sock *s)
{
	return sock_set_keepalive(s, 1, 0, 0, 0);
}

static int
call_sndbuf(struct sock *s)
{
	return sock_set_sndbuf(s, 65536);
}

static int
call_rcvbuf(struct sock *s)
{
	return sock_set_rcvbuf(s, 65536);
}

static int
call_ttl(struct sock *s)
{
	return sock_set_ttl(s, 64);
}

static int
call_broadcast(struct sock *s)
{
	return sock_set_broadcast(s, 1);
}

static int
call_v6only(struct sock *s)
{
	return sock_set_v6only(s, 1);
}

static int
call_backlog(struct sock *s)
{
	return sock_set_backlog(s, 16);
}

static int
call_fd(struct sock *s)
{
	return ret(sock_fd(s));
}

static int
call_transport(struct sock *s)
{
	return ret(sock_transport(s));
}

static int
call_close(struct sock *s)
{
	return sock_close(s);
}

struct call {
	const char	*name;
	int		(*fn)(struct sock *);
	const char	*op;		/* expected message prefix, or NULL */
	int		 records;	/* keeps the error on the object */
};

static const struct call calls[] = {
	{ "sock_listen", call_listen, "listen", 1 },
	{ "sock_listen_addr", call_listen_addr, "listen", 1 },
	{ "sock_accept", call_accept, "accept", 1 },
	{ "sock_connect", call_connect, "connect", 1 },
	{ "sock_connect_addr", call_connect_addr, "connect", 1 },
	{ "sock_bind", call_bind, "bind", 1 },
	{ "sock_bind_addr", call_bind_addr, "bind", 1 },
	{ "sock_send", call_send, "send", 1 },
	{ "sock_recv", call_recv, "recv", 1 },
	{ "sock_send_all", call_send_all, NULL, 1 },
	{ "sock_recv_exact", call_recv_exact, NULL, 1 },
	{ "sock_sendv", call_sendv, NULL, 1 },
	{ "sock_recvv", call_recvv, NULL, 1 },
	{ "sock_sendv_all", call_sendv_all, NULL, 1 },
	{ "sock_shutdown", call_shutdown, "shutdown", 1 },
	{ "sock_sendto", call_sendto, "sendto", 1 },
	{ "sock_recvfrom", call_recvfrom, "recvfrom", 1 },
	{ "sock_local_addr", call_local_addr, NULL, 1 },
	{ "sock_peer_addr", call_peer_addr, NULL, 1 },
	{ "sock_set_timeout", call_timeout, NULL, 1 },
	{ "sock_set_connect_timeout", call_connect_timeout, NULL, 1 },
	{ "sock_set_accept_timeout", call_accept_timeout, NULL, 1 },
	{ "sock_set_send_timeout", call_send_timeout, NULL, 1 },
	{ "sock_set_recv_timeout", call_recv_timeout, NULL, 1 },
	{ "sock_set_reuseaddr", call_reuseaddr, NULL, 1 },
	{ "sock_set_reuseport", call_reuseport, NULL, 1 },
	{ "sock_set_nodelay", call_nodelay, NULL, 1 },
	{ "sock_set_keepalive", call_keepalive, NULL, 1 },
	{ "sock_set_sndbuf", call_sndbuf, NULL, 1 },
	{ "sock_set_rcvbuf", call_rcvbuf, NULL, 1 },
	{ "sock_set_ttl", call_ttl, NULL, 1 },
	{ "sock_set_broadcast", call_broadcast, NULL, 1 },
	{ "sock_set_v6only", call_v6only, NULL, 1 },
	{ "sock_set_backlog", call_backlog, NULL, 1 },
	/* These take a const object: errno only. */
	{ "sock_fd", call_fd, NULL, 0 },
	{ "sock_transport", call_transport, NULL, 0 },
	{ "sock_close", call_close, "close", 1 },
};
#define NCALLS	((int)(sizeof calls / sizeof calls[0]))

/* ------------------------------------------------------------ object */

START_TEST(test_new_socket_defaults)
{
	struct sock *s = sock_new();

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_transport(s), 0);
	ck_assert_str_eq(sock_error(s), "");
	ck_assert_int_eq(sock_error_code(s), 0);
	ck_assert_int_eq(sock_fd(s), -1);
	sock_free(s);
}
END_TEST

START_TEST(test_close_twice_second_ebadf)
{
	struct roles r;

	roles_open(&r);
	ck_assert_int_eq(sock_close(r.client), 0);
	ck_assert_int_eq(sock_role(r.client), LIBSOCK_ROLE_CLOSED);
	ck_assert_int_eq(sock_fd(r.client), -1);
	errno = 0;
	ck_assert_int_eq(sock_close(r.client), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(sock_error_code(r.client), EBADF);
	ck_assert_str_eq(sock_error(r.client), "close: socket is closed");
	ck_assert_int_eq(sock_role(r.client), LIBSOCK_ROLE_CLOSED);
	roles_close(&r);
}
END_TEST

START_TEST(test_close_new_socket_succeeds)
{
	struct sock *s = sock_new();

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sock_close(s), 0);
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_CLOSED);
	sock_free(s);
}
END_TEST

/* Closing releases the descriptor at once, not at sock_free(). */
START_TEST(test_close_releases_descriptor)
{
	struct sock *s;
	int fd;

	s = tu_listen("tcp://127.0.0.1:0", NULL, 0);
	fd = sock_fd(s);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(sock_close(s), 0);
	errno = 0;
	ck_assert_int_eq(fcntl(fd, F_GETFD), -1);
	ck_assert_int_eq(errno, EBADF);
	sock_free(s);
}
END_TEST

START_TEST(test_closed_socket_call_fails_ebadf)
{
	const struct call *c = &calls[_i];
	struct sock *s = sock_new();
	const char *msg;

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sock_close(s), 0);
	errno = 0;
	ck_assert_msg(c->fn(s) == -1, "%s succeeded on a closed socket",
	    c->name);
	ck_assert_msg(errno == EBADF, "%s: errno %d (%s)", c->name, errno,
	    sock_strerror(errno));
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_CLOSED);
	if (c->records) {
		msg = sock_error(s);
		ck_assert_int_eq(sock_error_code(s), EBADF);
		ck_assert_msg(ends_with(msg, ": socket is closed"),
		    "%s: \"%s\"", c->name, msg);
		if (c->op != NULL)
			ck_assert_msg(starts_with(msg, c->op), "%s: \"%s\"",
			    c->name, msg);
	}
	sock_free(s);
}
END_TEST

START_TEST(test_null_socket_call_fails_einval)
{
	const struct call *c = &calls[_i];

	errno = 0;
	ck_assert_msg(c->fn(NULL) == -1, "%s succeeded on NULL", c->name);
	ck_assert_msg(errno == EINVAL, "%s: errno %d (%s)", c->name, errno,
	    sock_strerror(errno));
}
END_TEST

START_TEST(test_null_socket_queries)
{
	errno = 0;
	ck_assert_ptr_null(sock_accept(NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sock_role(NULL), -1);
	ck_assert_int_eq(sock_transport(NULL), -1);
	ck_assert_int_eq(sock_fd(NULL), -1);
	ck_assert_ptr_nonnull(sock_error(NULL));
	ck_assert_str_eq(sock_error(NULL), "invalid socket (NULL)");
	ck_assert_int_eq(sock_error_code(NULL), EINVAL);
	sock_free(NULL);
}
END_TEST

/* ------------------------------------------------------------ roles */

enum which { FRESH, LISTENER, CLIENT, SERVER, DGRAM, CDGRAM };

struct role_case {
	const char	*what;
	enum which	 which;
	int		(*fn)(struct sock *);
	const char	*op;		/* message prefix */
	const char	*word;		/* the message names the role */
};

static const struct role_case role_cases[] = {
	{ "accept on new", FRESH, call_accept, "accept", " new" },
	{ "accept on active", CLIENT, call_accept, "accept", " active" },
	{ "accept on accepted", SERVER, call_accept, "accept", " active" },
	{ "accept on datagram", DGRAM, call_accept, "accept", NULL },
	{ "recvfrom on listener", LISTENER, call_recvfrom, "recvfrom",
	    " passive" },
	{ "listen twice", LISTENER, call_listen, "listen", " passive" },
	{ "listen on active", SERVER, call_listen, "listen", " active" },
	{ "connect on listener", LISTENER, call_connect, "connect",
	    " passive" },
	{ "connect on active", CLIENT, call_connect, "connect", " active" },
	{ "bind on listener", LISTENER, call_bind, "bind", " passive" },
	{ "bind twice", DGRAM, call_bind, "bind", NULL },
	{ "send on listener", LISTENER, call_send, "send", " passive" },
	{ "send on new", FRESH, call_send, "send", " new" },
	{ "recv on datagram", DGRAM, call_recv, "recv", NULL },
	{ "shutdown on listener", LISTENER, call_shutdown, "shutdown",
	    " passive" },
	{ "sendto on active", CLIENT, call_sendto, "sendto", " active" },
	{ "local address of new", FRESH, call_local_addr, NULL, " new" },
};
#define NROLES	((int)(sizeof role_cases / sizeof role_cases[0]))

static struct sock *
pick(struct roles *r, enum which w)
{
	switch (w) {
	case FRESH:	return r->fresh;
	case LISTENER:	return r->listener;
	case CLIENT:	return r->client;
	case SERVER:	return r->server;
	case DGRAM:	return r->dgram;
	case CDGRAM:	return r->cdgram;
	}
	return NULL;
}

/* The wrong call fails with EINVAL, names itself, and changes nothing. */
START_TEST(test_wrong_role_einval_names_operation)
{
	const struct role_case *c = &role_cases[_i];
	struct roles r;
	struct sock *s;
	const char *msg;
	int role, fd;

	roles_open(&r);
	s = pick(&r, c->which);
	role = sock_role(s);
	fd = sock_fd(s);
	errno = 0;
	ck_assert_msg(c->fn(s) == -1, "%s succeeded", c->what);
	ck_assert_msg(errno == EINVAL, "%s: errno %d (%s)", c->what, errno,
	    sock_strerror(errno));
	ck_assert_int_eq(sock_error_code(s), EINVAL);
	msg = sock_error(s);
	if (c->op != NULL)
		ck_assert_msg(starts_with(msg, c->op), "%s: \"%s\"", c->what,
		    msg);
	if (c->word != NULL)
		ck_assert_msg(strstr(msg, c->word) != NULL,
		    "%s: \"%s\" does not name the role", c->what, msg);
	ck_assert_int_eq(sock_role(s), role);
	ck_assert_int_eq(sock_fd(s), fd);
	roles_close(&r);
}
END_TEST

/* After "listen twice" the listener still accepts. */
START_TEST(test_listen_twice_keeps_listener)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *c, *a;

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	ck_assert_int_eq(sock_listen(l, "tcp://127.0.0.1:0"), -1);
	c = sock_new();
	ck_assert_int_eq(sock_connect(c, text), 0);
	a = sock_accept(l);
	ck_assert_msg(a != NULL, "%s", sock_error(l));
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

START_TEST(test_listen_udp_address_einval)
{
	struct sock *s = sock_new();

	errno = 0;
	ck_assert_int_eq(sock_listen(s, "udp://127.0.0.1:0"), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sock_error_code(s), EINVAL);
	ck_assert_msg(starts_with(sock_error(s), "listen"), "%s",
	    sock_error(s));
	ck_assert_msg(strstr(sock_error(s), "sock_bind") != NULL, "%s",
	    sock_error(s));
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(s), -1);
	sock_free(s);
}
END_TEST

START_TEST(test_bind_tcp_address_einval)
{
	struct sock *s = sock_new();

	errno = 0;
	ck_assert_int_eq(sock_bind(s, "tcp://127.0.0.1:0"), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sock_error_code(s), EINVAL);
	ck_assert_msg(starts_with(sock_error(s), "bind"), "%s",
	    sock_error(s));
	ck_assert_msg(strstr(sock_error(s), "sock_listen") != NULL, "%s",
	    sock_error(s));
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(s), -1);
	sock_free(s);
}
END_TEST

/* ------------------------------------------------------------ errors */

START_TEST(test_connect_refused_reports_address)
{
	struct sock *s = sock_new();
	char text[64], want[256];
	int port = tu_closed_port();

	/* A literal names its address already: no "(127.0.0.1:P)" again. */
	snprintf(text, sizeof text, "tcp://127.0.0.1:%d", port);
	snprintf(want, sizeof want, "connect %s: %s", text,
	    strerror(ECONNREFUSED));
	errno = 0;
	ck_assert_int_eq(sock_connect(s, text), -1);
	ck_assert_int_eq(errno, ECONNREFUSED);
	ck_assert_int_eq(sock_error_code(s), ECONNREFUSED);
	ck_assert_str_eq(sock_error(s), want);
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(s), -1);
	sock_free(s);
}
END_TEST

/* A name is followed by the address it resolved to. */
START_TEST(test_connect_refused_by_name_reports_resolved_address)
{
	struct sock_addr list[8];
	struct sock *s = sock_new();
	char text[64], last[LIBSOCK_ADDRSTRLEN], want[1024];
	int n, port = tu_closed_port();

	snprintf(text, sizeof text, "tcp://localhost:%d", port);
	n = sock_addr_resolve(text, list, 8);
	ck_assert_msg(n >= 1, "resolve %s: %s", text, sock_strerror(errno));
	ck_assert_int_lt(sock_addr_format(&list[n - 1], last, sizeof last, 0),
	    (int)sizeof last);
	ck_assert_int_eq(sock_connect(s, text), -1);
	ck_assert_int_eq(sock_error_code(s), ECONNREFUSED);
	snprintf(want, sizeof want, "connect %s (%s): %s", text, last,
	    strerror(ECONNREFUSED));
	ck_assert_str_eq(sock_error(s), want);
	sock_free(s);
}
END_TEST

START_TEST(test_listen_malformed_address_names_it)
{
	struct sock *s = sock_new();
	const char *msg;

	errno = 0;
	ck_assert_int_eq(sock_listen(s, "tcp://127.0.0.1:99999"), -1);
	ck_assert_int_eq(errno, EINVAL);
	msg = sock_error(s);
	ck_assert_msg(starts_with(msg, "listen tcp://127.0.0.1:99999"),
	    "\"%s\"", msg);
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_NEW);
	sock_free(s);
}
END_TEST

START_TEST(test_errno_equals_error_code)
{
	static char big[65508];	/* one byte over the IPv4 maximum */
	struct roles r;
	struct sock_addr to;

	roles_open(&r);
	errno = 0;
	ck_assert_ptr_null(sock_accept(r.client));
	ck_assert_int_eq(errno, sock_error_code(r.client));
	errno = 0;
	ck_assert_int_eq(sock_peer_addr(r.listener,
	    &(struct sock_addr){ 0 }), -1);
	ck_assert_int_eq(errno, ENOTCONN);
	ck_assert_int_eq(sock_error_code(r.listener), ENOTCONN);
	errno = 0;
	ck_assert_int_eq(sock_shutdown(r.client, 12345), -1);
	ck_assert_int_eq(errno, sock_error_code(r.client));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sock_local_addr(r.dgram, &to), 0);
	errno = 0;
	ck_assert_int_eq(sock_sendto(r.dgram, big, sizeof big, &to), -1);
	ck_assert_int_eq(errno, sock_error_code(r.dgram));
	ck_assert_int_eq(errno, EMSGSIZE);
	errno = 0;
	ck_assert_int_eq(sock_connect(r.fresh, "tcp://:80"), -1);
	ck_assert_int_eq(errno, sock_error_code(r.fresh));
	ck_assert_int_eq(errno, EINVAL);
	roles_close(&r);
}
END_TEST

/* A failed set-up call leaves a NEW object that can be used again. */
START_TEST(test_failed_connect_can_retry)
{
	char text[LIBSOCK_ADDRSTRLEN], refused[64], msg[256];
	struct sock *l, *s, *a;
	int port = tu_closed_port();

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	s = sock_new();
	snprintf(refused, sizeof refused, "tcp://127.0.0.1:%d", port);
	ck_assert_int_eq(sock_connect(s, refused), -1);
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(s), -1);
	snprintf(msg, sizeof msg, "%s", sock_error(s));

	ck_assert_msg(sock_connect(s, text) == 0, "%s", sock_error(s));
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_ACTIVE);
	ck_assert_int_eq(sock_transport(s), LIBSOCK_TCP);
	ck_assert_int_ge(sock_fd(s), 0);
	a = sock_accept(l);
	ck_assert_msg(a != NULL, "%s", sock_error(l));
	ck_assert_int_eq(sock_send_all(s, "ok", 2), 2);
	ck_assert_int_eq(sock_recv_exact(a, text, 2), 2);
	ck_assert_int_eq(memcmp(text, "ok", 2), 0);
	/* Successes do not clear the last failure. */
	ck_assert_str_eq(sock_error(s), msg);
	ck_assert_int_eq(sock_error_code(s), ECONNREFUSED);
	sock_free(a);
	sock_free(s);
	sock_free(l);
}
END_TEST

START_TEST(test_strerror_errno_values)
{
	static const int codes[] = { EINVAL, EBADF, ECONNREFUSED, ETIMEDOUT,
	    EPIPE, ENAMETOOLONG, EADDRINUSE };
	const char *first;
	size_t i;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
		ck_assert_str_eq(sock_strerror(codes[i]), strerror(codes[i]));
	/* No shared buffer: an earlier text survives a later call. */
	first = sock_strerror(EINVAL);
	(void)sock_strerror(EPIPE);
	(void)sock_strerror(LIBSOCK_ETRUNC);
	ck_assert_str_eq(first, strerror(EINVAL));
}
END_TEST

START_TEST(test_strerror_libsock_codes_distinct)
{
	static const int codes[] = { LIBSOCK_ERESOLVE, LIBSOCK_ENONAME,
	    LIBSOCK_ETRUNC, LIBSOCK_EEOF, LIBSOCK_ENOTSUP };
	const size_t n = sizeof codes / sizeof codes[0];
	const char *text[sizeof codes / sizeof codes[0]];
	size_t i, j;

	for (i = 0; i < n; i++) {
		text[i] = sock_strerror(codes[i]);
		ck_assert_ptr_nonnull(text[i]);
		ck_assert_msg(text[i][0] != '\0', "code %d: empty", codes[i]);
		ck_assert_msg(!starts_with(text[i], "Unknown error"),
		    "code %d: \"%s\"", codes[i], text[i]);
		for (j = 0; j < i; j++)
			ck_assert_str_ne(text[i], text[j]);
	}
}
END_TEST

START_TEST(test_strerror_unknown_code)
{
	static const int codes[] = { LIBSOCK_EBASE, LIBSOCK_EBASE + 99,
	    19999, 123456, -7 };
	size_t i;
	const char *t;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		t = sock_strerror(codes[i]);
		ck_assert_ptr_nonnull(t);
		ck_assert_msg(starts_with(t, "Unknown error"),
		    "code %d: \"%s\"", codes[i], t);
	}
}
END_TEST

START_TEST(test_version_matches_header)
{
	ck_assert_ptr_nonnull(sock_version());
	ck_assert_str_eq(sock_version(), LIBSOCK_VERSION);
	ck_assert_str_eq(sock_version(), "0.1.0");
}
END_TEST

/* ------------------------------------------------------------ cloexec */

/* Every descriptor the library makes; closed by roles_close(). */
struct lib_fds {
	struct roles	 r;
	struct sock	*sent;		/* DGRAM, by sendto on a new object */
	int		 fd[7];
	const char	*name[7];
	int		 n;
};

static void
lib_fds_open(struct lib_fds *f)
{
	struct sock_addr to;

	roles_open(&f->r);
	f->sent = sock_new();
	ck_assert_int_eq(sock_local_addr(f->r.dgram, &to), 0);
	ck_assert_msg(sock_sendto(f->sent, "x", 1, &to) == 1, "%s",
	    sock_error(f->sent));
	ck_assert_int_eq(sock_role(f->sent), LIBSOCK_ROLE_DGRAM);
	f->n = 0;
#define ADD(s, what) do {						\
	f->fd[f->n] = sock_fd(s);					\
	f->name[f->n] = (what);						\
	ck_assert_msg(f->fd[f->n] > 2, "%s: fd %d", (what), f->fd[f->n]); \
	f->n++;								\
} while (0)
	ADD(f->r.listener, "listen");
	ADD(f->r.client, "connect");
	ADD(f->r.server, "accept");
	ADD(f->r.dgram, "bind");
	ADD(f->r.cdgram, "connect udp");
	ADD(f->sent, "sendto on a new socket");
#undef ADD
}

static void
lib_fds_close(struct lib_fds *f)
{
	sock_free(f->sent);
	roles_close(&f->r);
}

START_TEST(test_descriptors_are_cloexec)
{
	struct lib_fds f;
	int i, flags;

	lib_fds_open(&f);
	for (i = 0; i < f.n; i++) {
		flags = fcntl(f.fd[i], F_GETFD);
		ck_assert_int_ne(flags, -1);
		ck_assert_msg(flags & FD_CLOEXEC, "%s: fd %d lacks FD_CLOEXEC",
		    f.name[i], f.fd[i]);
	}
	lib_fds_close(&f);
}
END_TEST

static const char *
exec_child_path(void)
{
	static char path[4096];
	const char *top = getenv("top_builddir"), *slash;
	int dirlen;

	if (top != NULL && *top != '\0') {
		snprintf(path, sizeof path, "%s/tests/exec-child", top);
		if (access(path, X_OK) == 0)
			return path;
	}
	if ((slash = strrchr(argv0, '/')) != NULL) {
		dirlen = (int)(slash - argv0);
		snprintf(path, sizeof path, "%.*s/exec-child", dirlen, argv0);
		if (access(path, X_OK) == 0)
			return path;
		/* Run from libtool's .libs directory. */
		snprintf(path, sizeof path, "%.*s/../exec-child", dirlen,
		    argv0);
		if (access(path, X_OK) == 0)
			return path;
	} else if (access("exec-child", X_OK) == 0)
		return "exec-child";
	ck_abort_msg("exec-child not found (top_builddir=%s, argv[0]=%s)",
	    top != NULL ? top : "(unset)", argv0);
	return NULL;
}

static int
kept(int fd, const int *keep, int nkeep)
{
	int i;

	for (i = 0; i < nkeep; i++)
		if (keep[i] == fd)
			return 1;
	return 0;
}

/*
 * Fork and exec exec-child with only 0, 1, 2 and the descriptors in keep
 * left open before the exec (what the test harness itself holds open is
 * not the library's business); return its exit status.
 */
static int
run_exec_child(const int *keep, int nkeep)
{
	const char *path = exec_child_path();
	long max;
	pid_t pid;
	int fd, status;

	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	fflush(NULL);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		for (fd = 3; fd < max; fd++)
			if (!kept(fd, keep, nkeep))
				(void)close(fd);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		ck_assert_int_eq(errno, EINTR);
	ck_assert_msg(WIFEXITED(status), "exec-child died, status %#x",
	    status);
	return WEXITSTATUS(status);
}

START_TEST(test_exec_child_inherits_no_library_descriptor)
{
	struct lib_fds f;
	int rc;

	lib_fds_open(&f);
	rc = run_exec_child(f.fd, f.n);
	ck_assert_msg(rc == 0, "exec-child exited %d: a library descriptor "
	    "survived exec (its list is in the log above)", rc);
	lib_fds_close(&f);
}
END_TEST

/* The check above can fail: a descriptor without FD_CLOEXEC is seen. */
START_TEST(test_exec_child_sees_inherited_descriptor)
{
	struct lib_fds f;
	int leak, rc;

	lib_fds_open(&f);
	leak = dup(f.fd[0]);
	ck_assert_int_ge(leak, 0);
	f.fd[f.n++] = leak;
	printf("exec-child, given descriptor %d on purpose:\n", leak);
	rc = run_exec_child(f.fd, f.n);
	close(leak);
	ck_assert_int_eq(rc, 1);
	lib_fds_close(&f);
}
END_TEST

/* ------------------------------------------------------------ main */

static Suite *
sock_suite(void)
{
	Suite *s = suite_create("sock");
	TCase *tc;

	tc = tu_tcase("object");
	tcase_add_test(tc, test_new_socket_defaults);
	tcase_add_test(tc, test_close_twice_second_ebadf);
	tcase_add_test(tc, test_close_new_socket_succeeds);
	tcase_add_test(tc, test_close_releases_descriptor);
	tcase_add_loop_test(tc, test_closed_socket_call_fails_ebadf, 0,
	    NCALLS);
	tcase_add_loop_test(tc, test_null_socket_call_fails_einval, 0,
	    NCALLS);
	tcase_add_test(tc, test_null_socket_queries);
	suite_add_tcase(s, tc);

	tc = tu_tcase("roles");
	tcase_add_loop_test(tc, test_wrong_role_einval_names_operation, 0,
	    NROLES);
	tcase_add_test(tc, test_listen_twice_keeps_listener);
	tcase_add_test(tc, test_listen_udp_address_einval);
	tcase_add_test(tc, test_bind_tcp_address_einval);
	suite_add_tcase(s, tc);

	tc = tu_tcase("errors");
	tcase_add_test(tc, test_connect_refused_reports_address);
	tcase_add_test(tc,
	    test_connect_refused_by_name_reports_resolved_address);
	tcase_add_test(tc, test_listen_malformed_address_names_it);
	tcase_add_test(tc, test_errno_equals_error_code);
	tcase_add_test(tc, test_failed_connect_can_retry);
	tcase_add_test(tc, test_strerror_errno_values);
	tcase_add_test(tc, test_strerror_libsock_codes_distinct);
	tcase_add_test(tc, test_strerror_unknown_code);
	tcase_add_test(tc, test_version_matches_header);
	suite_add_tcase(s, tc);

	tc = tu_tcase("cloexec");
	tcase_add_test(tc, test_descriptors_are_cloexec);
	tcase_add_test(tc, test_exec_child_inherits_no_library_descriptor);
	tcase_add_test(tc, test_exec_child_sees_inherited_descriptor);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	if (argc > 0 && argv[0] != NULL)
		argv0 = argv[0];
	return tu_run(sock_suite());
}
