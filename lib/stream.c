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

static int
sk_connect_fn(struct sock *s, const struct sock_addr *addr, int64_t deadline)
{
	if (sk_connect_fd(s->fd, (const struct sockaddr *)&addr->storage,
	    addr->len, deadline) == -1 ||
	    (s->transport == LIBSOCK_TLS && sk_tls_client(s, deadline) == -1))
		return -1;
	s->role = sk_is_stream(s->transport) ?
	    LIBSOCK_ROLE_ACTIVE : LIBSOCK_ROLE_CONNECTED_DGRAM;
	return 0;
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
		sk_failx(l, c->err_code, "accept: %s", c->err_msg);
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

struct sock *
sock_accept(struct sock *l)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof peer;
	int fd;

	if (sk_check(l, "accept", SK_ROLE(LIBSOCK_ROLE_PASSIVE)) == -1)
		return NULL;
	fd = sk_accept_fd(l->fd, sk_deadline(l->tmo.accept), &peer, &len);
	if (fd == -1) {
		sk_fail_io(l, errno, "accept");
		return NULL;
	}
	return sk_accepted(l, fd, &peer, len);
}
