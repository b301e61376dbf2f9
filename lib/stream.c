/*
 * stream.c - listen, accept and connect: the connection-oriented set-up
 * (sock_connect also gives a datagram socket its one peer).
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>

/* Bind and listen; the listener is non-blocking inside (see fd.c). */
static int
sk_listen_fn(struct sock *s, const struct sock_addr *addr, int64_t deadline)
{
	(void)deadline;
	if (sk_bind(s, addr) == -1 || listen(s->fd, sk_backlog(s)) == -1 ||
	    sk_set_nonblock(s->fd, 1) == -1 ||
	    (s->transport == LIBSOCK_TLS && sk_tls_listener(s) == -1))
		return -1;
	/* Without a reserve, EMFILE is still reported: no failure here. */
	(void)sk_spare_take(s);
	s->listen_id = sk_listener_id();
	s->role = LIBSOCK_ROLE_PASSIVE;
	return 0;
}

static const struct sk_setup sk_listen_how = {
	"listen", LIBSOCK_TCP, SK_NEED_STREAM, SK_APPLY_LISTENER, -1,
	sk_listen_fn,
};

int
sock_listen(struct sock *s, const char *address)
{
	return sk_setup_text(s, &sk_listen_how, address);
}

int
sock_listen_addr(struct sock *s, const struct sock_addr *addr)
{
	return sk_setup_addr(s, &sk_listen_how, addr);
}

/* The stream is connected: TLS on top, then the role. */
static int
sk_connect_done(struct sock *s, int64_t deadline)
{
	int rc;

	if (s->transport == LIBSOCK_TLS &&
	    (rc = sk_tls_client(s, deadline)) != 0)
		return rc;
	s->role = sk_is_stream(s->transport) ?
	    LIBSOCK_ROLE_ACTIVE : LIBSOCK_ROLE_CONNECTED_DGRAM;
	return 0;
}

/* 0, -1, or in non-blocking mode a want code: see sk_setup_resume. */
static int
sk_connect_fn(struct sock *s, const struct sock_addr *addr, int64_t deadline)
{
	const struct sockaddr *sa = (const struct sockaddr *)&addr->storage;
	int rc;

	if (s->nonblock)
		rc = sk_connect_start(s->fd, sa, addr->len);
	else
		rc = sk_connect_fd(s->fd, sa, addr->len, deadline);
	if (rc != 0) {
		if (rc < -1)
			sk_poll_rearm(s, LIBSOCK_POLL_OUT);
		return rc;
	}
	return sk_connect_done(s, deadline);
}

/* The attempt under way goes on: TLS once there is a session, else TCP. */
static int
sk_connect_step(struct sock *s, const struct sock_addr *addr)
{
	int rc;

	(void)addr;
	if (s->tls == NULL && (rc = sk_connect_check(s->fd)) != 0) {
		if (rc < -1)
			sk_poll_rearm(s, LIBSOCK_POLL_OUT);
		return rc;
	}
	return sk_connect_done(s, -1);
}

int
sock_connect_finish(struct sock *s)
{
	if (sk_check(s, "connect_finish",
	    SK_ROLE(LIBSOCK_ROLE_CONNECTING)) == -1)
		return -1;
	return sk_setup_resume(s, sk_connect_step);
}

/* The connect timeout is the caller's, read at each call. */
static struct sk_setup
sk_connect_how(const struct sock *s)
{
	struct sk_setup how = {
		"connect", LIBSOCK_TCP, SK_NEED_ANY, SK_APPLY_CONNECTING, -1,
		sk_connect_fn,
	};

	if (s != NULL)
		how.timeout_ms = s->tmo.connect;
	return how;
}

int
sock_connect(struct sock *s, const char *address)
{
	struct sk_setup how = sk_connect_how(s);

	return sk_setup_text(s, &how, address);
}

int
sock_connect_addr(struct sock *s, const struct sock_addr *addr)
{
	struct sk_setup how = sk_connect_how(s);

	return sk_setup_addr(s, &how, addr);
}

/* A new active socket for an accepted descriptor, with l's settings. */
static struct sock *
sk_accepted(struct sock *l, int fd, const struct sockaddr_storage *peer,
    socklen_t len)
{
	struct sock *c;

	if ((c = malloc(sizeof *c)) == NULL) {
		sk_close_fd(fd);
		sk_fail(l, ENOMEM, "accept");
		return NULL;
	}
	sk_init(c);
	c->opts = l->opts;
	c->tmo = l->tmo;
	c->nonblock = l->nonblock;
	sk_adopt(c, fd, LIBSOCK_ROLE_ACTIVE, l->transport, l->family);
	/* A Unix peer is mostly unnamed: messages name the listener. */
	if (l->family == AF_UNIX)
		c->where = l->where;
	else {
		sk_addr_from_sockaddr(&c->where, l->transport,
		    (const struct sockaddr *)peer, len);
		sk_addr_unmap(&c->where);
	}
	if (sk_opts_apply(c, SK_APPLY_ACCEPTED) == -1) {
		sk_failx(l, c->err_code, "accept: %s", sock_error(c));
		sock_free(c);
		return NULL;
	}
	if (l->transport == LIBSOCK_TLS && sk_tls_accepted(l, c) == -1) {
		sk_fail_io(l, errno, "accept");
		sock_free(c);
		return NULL;
	}
	return c;
}

/* accept(2) failed: nothing waiting (non-blocking), or a failure. */
static struct sock *
sk_accept_fail(struct sock *l, int code, int shed)
{
	char where[LIBSOCK_ADDRSTRLEN];

	if (code == EAGAIN && l->nonblock) {
		sk_poll_rearm(l, LIBSOCK_POLL_IN);
		errno = EAGAIN;
		return NULL;
	}
	if ((code == EMFILE || code == ENFILE) && shed > 0 &&
	    sock_addr_format(&l->where, where, sizeof where,
	    LIBSOCK_FORMAT_SCHEME) >= 0)
		sk_failx(l, code, "accept %s: %s (closed %d waiting "
		    "connection%s)", where, sock_strerror(code), shed,
		    shed == 1 ? "" : "s");
	else
		sk_fail_io(l, code, "accept");
	return NULL;
}

struct sock *
sock_accept(struct sock *l)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	int fd, shed;

	if (sk_check(l, "accept", SK_ROLE(LIBSOCK_ROLE_PASSIVE)) == -1)
		return NULL;
	fd = sk_accept_fd(l, sk_deadline(l->tmo.accept), &peer, &len, &shed);
	if (fd == -1)
		return sk_accept_fail(l, errno, shed);
	return sk_accepted(l, fd, &peer, len);
}
