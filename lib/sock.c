/*
 * sock.c - the socket object: create, role checks, set-up over every
 * resolved address, addresses of a socket, close, free.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Most addresses a name may give that a set-up call will try. */
#define SK_MAX_ADDRS	16

const char *
sock_version(void)
{
	return PACKAGE_VERSION;
}

void
sk_init(struct sock *s)
{
	memset(s, 0, sizeof *s);
	s->fd = -1;
	s->role = LIBSOCK_ROLE_NEW;
	sk_opts_init(&s->opts);
	s->tmo.connect = s->tmo.accept = s->tmo.send = s->tmo.recv = -1;
	s->tmo.handshake = SK_HANDSHAKE_TIMEOUT;
	atomic_init(&s->spare_fd, -1);
	s->gso = -1;
	s->reg.fd = -1;
}

struct sock *
sock_new(void)
{
	struct sock *s;

	if ((s = malloc(sizeof *s)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	sk_init(s);
	return s;
}

const char *
sk_role_name(int role)
{
	static const char *const names[] = {
		"new", "passive", "active", "datagram",
		"connected datagram", "closed", "connecting",
	};

	if (role < 0 || role > LIBSOCK_ROLE_CONNECTING)
		return "invalid";
	return names[role];
}

/* What a call that accepts the roles in mask wants, for messages. */
static const char *
sk_roles_wanted(unsigned mask)
{
	int role;

	if (mask == (SK_ROLE(LIBSOCK_ROLE_ACTIVE) |
	    SK_ROLE(LIBSOCK_ROLE_CONNECTED_DGRAM)))
		return "connected";
	if (mask == (SK_ROLE(LIBSOCK_ROLE_DGRAM) |
	    SK_ROLE(LIBSOCK_ROLE_CONNECTED_DGRAM)))
		return "a datagram socket";
	for (role = 0; role <= LIBSOCK_ROLE_CONNECTING; role++)
		if (role != LIBSOCK_ROLE_CLOSED && mask == SK_ROLE(role))
			return sk_role_name(role);
	return "in a role that allows this";
}

/*
 * The check at every public entry: a socket, not closed, in one of the
 * roles the call is for.
 */
int
sk_check(struct sock *s, const char *op, unsigned roles)
{
	if (s == NULL)
		return sk_failx(NULL, EINVAL, "%s: invalid socket (NULL)", op);
	if (roles & SK_ROLE(s->role))
		return 0;
	if (s->role == LIBSOCK_ROLE_CLOSED)
		return sk_failx(s, EBADF, "%s: socket is closed", op);
	return sk_failx(s, EINVAL, "%s: socket is %s, not %s", op,
	    sk_role_name(s->role), sk_roles_wanted(roles));
}

void
sk_adopt(struct sock *s, int fd, int role, int transport, int family)
{
	s->fd = fd;
	s->role = role;
	s->transport = transport;
	s->family = family;
}

/*
 * What a descriptor carries beyond itself, ended before it closes: its
 * place in a poller (the backend must forget it while it is still open),
 * the TLS session (close_notify), the socket file it made and a
 * listener's reserve descriptor.  Every way a descriptor is closed goes
 * through here.
 */
static void
sk_end_attachments(struct sock *s)
{
	sk_poll_fd_closing(s);
	sk_unix_release(s);
	sk_tls_end(s);
	sk_close_fd(atomic_exchange(&s->spare_fd, -1));
}

/* The object leaves for good: no poller, no connect under way. */
static void
sk_detach(struct sock *s)
{
	sk_poll_forget(s);
	free(s->pending);
	s->pending = NULL;
}

/* Back to NEW after a failed set-up: no descriptor, the error kept. */
static void
sk_abandon(struct sock *s)
{
	sk_end_attachments(s);
	sk_close_fd(s->fd);
	sk_adopt(s, -1, LIBSOCK_ROLE_NEW, 0, 0);
	memset(&s->where, 0, sizeof s->where);
}

/*
 * Give s a descriptor for addr, with the caller's options in place: the
 * first half of every set-up call.  The role stays NEW until the second
 * half (the caller's fn) succeeds and sets it.
 */
int
sk_open(struct sock *s, const struct sock_addr *addr, int apply_mode)
{
	int family = addr->storage.ss_family;
	int type = sk_socktype(addr->transport);
	int fd;

	if (family != AF_INET && family != AF_INET6 && family != AF_UNIX)
		return sk_failx(s, EAFNOSUPPORT,
		    "socket: address family %d not supported", family);
	if ((fd = sk_socket(family, type, s->nonblock)) == -1)
		return sk_fail(s, errno, "socket");
	sk_adopt(s, fd, LIBSOCK_ROLE_NEW, addr->transport, family);
	s->where = *addr;
	if (sk_poll_fd_opened(s) == -1) {
		sk_fail(s, errno, "socket: poller");
		sk_abandon(s);
		return -1;
	}
	if (sk_opts_apply(s, apply_mode) == -1) {
		sk_abandon(s);
		return -1;
	}
	return 0;
}

/* Bind s to addr, then name the port the system chose in messages. */
int
sk_bind(struct sock *s, const struct sock_addr *addr)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (addr->storage.ss_family == AF_UNIX) {
		if (sk_unix_bind(s, addr) == -1)
			return -1;
	} else if (bind(s->fd, (const struct sockaddr *)&addr->storage,
	    addr->len) == -1)
		return -1;
	if (getsockname(s->fd, (struct sockaddr *)&ss, &len) == 0) {
		sk_addr_from_sockaddr(&s->where, s->transport,
		    (struct sockaddr *)&ss, len);
		sk_addr_unmap(&s->where);
	}
	return 0;
}

/* Record a set-up failure as "op text (address): cause". */
static int
sk_setup_fail(struct sock *s, int code, const char *op, const char *text,
    const struct sock_addr *addr)
{
	char where[LIBSOCK_ADDRSTRLEN], full[LIBSOCK_ADDRSTRLEN];

	/* Name the address tried unless the text already says it. */
	if (sock_addr_format(addr, where, sizeof where, 0) < 0 ||
	    sock_addr_format(addr, full, sizeof full,
	    LIBSOCK_FORMAT_SCHEME) < 0 ||
	    strcmp(where, text) == 0 || strcmp(full, text) == 0)
		return sk_fail(s, code, "%s %s", op, text);
	return sk_fail(s, code, "%s %s (%s)", op, text, where);
}

/* A non-blocking connect under way: what it needs to go on. */
struct sk_pending {
	struct sk_setup		how;
	int			i, n;	/* trying list[i] of n */
	char			text[SK_TEXT_MAX + 1];
	struct sock_addr	list[SK_MAX_ADDRS];
};

/*
 * The set-up said "not yet" (a want code): keep the addresses left for
 * sock_connect_finish() and become CONNECTING.
 */
static int
sk_setup_suspend(struct sock *s, const struct sk_setup *how,
    const char *text, const struct sock_addr *list, int n, int i, int want)
{
	struct sk_pending *p;

	if ((p = malloc(sizeof *p)) == NULL) {
		sk_abandon(s);
		return sk_fail(s, ENOMEM, "%s %s", how->op, text);
	}
	p->how = *how;
	p->i = i;
	p->n = n;
	snprintf(p->text, sizeof p->text, "%s", text);
	memcpy(p->list, list, (size_t)n * sizeof *list);
	free(s->pending);
	s->pending = p;
	s->role = LIBSOCK_ROLE_CONNECTING;
	return want;
}

/*
 * Try how->fn on each address from *i on until one works, as RFC 8305
 * asks of clients; an option the system refuses and the deadline stop
 * the loop.  Returns 0, a want code (non-blocking, list[*i] under way),
 * or -1 with the last address's error in *code and *i at it.
 */
static int
sk_setup_from(struct sock *s, const struct sk_setup *how,
    const struct sock_addr *list, int n, int *i, int *code)
{
	int64_t deadline = sk_deadline(how->timeout_ms);
	int rc;

	for (; *i < n; ++*i) {
		if (sk_open(s, &list[*i], how->apply_mode) == -1) {
			*code = 0;	/* already reported */
			return -1;
		}
		if ((rc = how->fn(s, &list[*i], deadline)) >= 0 || rc < -1)
			return rc;
		*code = errno;
		sk_abandon(s);
		if (*code == ETIMEDOUT)
			break;
	}
	if (*i >= n)
		*i = n - 1;
	return -1;
}

static int
sk_setup_list(struct sock *s, const struct sk_setup *how, const char *text,
    const struct sock_addr *list, int n)
{
	int i = 0, code = 0, rc;

	if ((rc = sk_setup_from(s, how, list, n, &i, &code)) == 0)
		return 0;
	if (rc < -1)
		return sk_setup_suspend(s, how, text, list, n, i, rc);
	if (code == 0)
		return -1;
	return sk_setup_fail(s, code, how->op, text, &list[i]);
}

/*
 * Go on with a non-blocking set-up: step finishes the attempt under way
 * (0, a want code, or -1 with errno), and a failed attempt moves on to
 * the next address as the blocking call does.  The final failure leaves
 * the object NEW and out of its poller, as a failed set-up always does.
 */
int
sk_setup_resume(struct sock *s,
    int (*step)(struct sock *, const struct sock_addr *))
{
	struct sk_pending *p = s->pending;
	int rc, code = 0;

	if ((rc = step(s, &p->list[p->i])) == -1) {
		code = errno;
		sk_abandon(s);
		if (code != ETIMEDOUT && ++p->i < p->n)
			rc = sk_setup_from(s, &p->how, p->list, p->n, &p->i,
			    &code);
	}
	if (rc < -1) {
		s->role = LIBSOCK_ROLE_CONNECTING;
		return rc;
	}
	if (rc == -1) {
		if (p->i >= p->n)
			p->i = p->n - 1;
		if (code != 0)
			(void)sk_setup_fail(s, code, p->how.op, p->text,
			    &p->list[p->i]);
		code = s->err_code;
		sk_detach(s);
		errno = code;
		return -1;
	}
	free(s->pending);
	s->pending = NULL;
	return 0;
}

/* The transport an address names, or the call's default; checked. */
static int
sk_setup_transport(struct sock *s, const struct sk_setup *how,
    const char *text, int transport)
{
	if (transport == 0)
		transport = how->transport;
	if (transport == LIBSOCK_TLS && !sk_tls_available())
		return sk_failx(s, LIBSOCK_ENOTSUP, "%s %s: TLS is not in this "
		    "build (configured --without-openssl)", how->op, text);
	if (how->need == SK_NEED_STREAM && !sk_is_stream(transport))
		return sk_failx(s, EINVAL, "%s %s: %s: is for datagrams, not "
		    "for %s(); use sock_bind()", how->op, text,
		    sk_scheme(transport), how->op);
	if (how->need == SK_NEED_DGRAM && sk_is_stream(transport))
		return sk_failx(s, EINVAL, "%s %s: %s: is for streams, not "
		    "for %s(); use sock_listen()", how->op, text,
		    sk_scheme(transport), how->op);
	return transport;
}

/* The shared body of sock_listen, sock_connect and sock_bind. */
int
sk_setup_text(struct sock *s, const struct sk_setup *how, const char *text)
{
	struct sk_setup call = *how;
	struct sock_addr list[SK_MAX_ADDRS];
	struct sk_endpoint ep;
	int n;

	if (sk_check(s, how->op, SK_ROLE(LIBSOCK_ROLE_NEW)) == -1 ||
	    sk_endpoint_parse(s, how->op, text, &ep) == -1)
		return -1;
	if ((call.transport = sk_setup_transport(s, how, text,
	    ep.transport)) == -1)
		return -1;
	ep.transport = call.transport;
	/* The name TLS checks, here or after a later sock_starttls(). */
	snprintf(s->tls_auto_name, sizeof s->tls_auto_name, "%s",
	    ep.host_kind == SK_HOST_UNIX || ep.host_kind == SK_HOST_WILDCARD ?
	    "" : ep.host);
	if ((n = sk_endpoint_resolve(s, how->op, text, &ep, list,
	    SK_MAX_ADDRS)) == -1)
		return -1;
	return sk_setup_list(s, &call, text, list, n);
}

/* The same for a struct sock_addr. */
int
sk_setup_addr(struct sock *s, const struct sk_setup *how,
    const struct sock_addr *addr)
{
	struct sk_setup call = *how;
	struct sock_addr one;
	char text[LIBSOCK_ADDRSTRLEN];

	if (sk_check(s, how->op, SK_ROLE(LIBSOCK_ROLE_NEW)) == -1)
		return -1;
	if (addr == NULL)
		return sk_failx(s, EINVAL, "%s: no address given", how->op);
	one = *addr;
	s->tls_auto_name[0] = '\0';	/* an address names no host */
	if (sock_addr_format(&one, text, sizeof text, 0) < 0)
		return sk_failx(s, EAFNOSUPPORT, "%s: address family %d not "
		    "supported", how->op, one.storage.ss_family);
	/* A Unix address without a transport takes the call's kind. */
	if (one.transport == 0 && one.storage.ss_family == AF_UNIX)
		one.transport = how->need == SK_NEED_DGRAM ?
		    LIBSOCK_UNIXGRAM : LIBSOCK_UNIX;
	if ((call.transport = sk_setup_transport(s, how, text,
	    one.transport)) == -1)
		return -1;
	one.transport = call.transport;
	(void)sock_addr_format(&one, text, sizeof text,
	    LIBSOCK_FORMAT_SCHEME);
	return sk_setup_list(s, &call, text, &one, 1);
}

/* getsockname or getpeername into a struct sock_addr. */
static int
sk_name(struct sock *s, struct sock_addr *addr, int peer)
{
	const char *op = peer ? "peer address" : "local address";
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	unsigned roles = SK_ROLE(LIBSOCK_ROLE_ACTIVE) |
	    SK_ROLE(LIBSOCK_ROLE_CONNECTED_DGRAM) |
	    SK_ROLE(LIBSOCK_ROLE_PASSIVE) | SK_ROLE(LIBSOCK_ROLE_DGRAM);
	int rc;

	if (sk_check(s, op, roles) == -1)
		return -1;
	if (addr == NULL)
		return sk_failx(s, EINVAL, "%s: no address object", op);
	if (peer && (s->role == LIBSOCK_ROLE_PASSIVE ||
	    s->role == LIBSOCK_ROLE_DGRAM))
		return sk_failx(s, ENOTCONN, "%s: socket is %s, not connected",
		    op, sk_role_name(s->role));
	rc = peer ? getpeername(s->fd, (struct sockaddr *)&ss, &len) :
	    getsockname(s->fd, (struct sockaddr *)&ss, &len);
	if (rc == -1)
		return sk_fail_io(s, errno, op);
	sk_addr_from_sockaddr(addr, s->transport, (struct sockaddr *)&ss, len);
	sk_addr_unmap(addr);
	return 0;
}

int
sock_local_addr(struct sock *s, struct sock_addr *addr)
{
	return sk_name(s, addr, 0);
}

int
sock_peer_addr(struct sock *s, struct sock_addr *addr)
{
	return sk_name(s, addr, 1);
}

int
sock_fd(const struct sock *s)
{
	if (s == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (s->fd < 0)
		errno = EBADF;
	return s->fd;
}

int
sock_role(const struct sock *s)
{
	if (s == NULL) {
		errno = EINVAL;
		return -1;
	}
	return s->role;
}

int
sock_transport(const struct sock *s)
{
	if (s == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (s->role == LIBSOCK_ROLE_CLOSED) {
		errno = EBADF;
		return -1;
	}
	return s->transport;
}

int
sock_close(struct sock *s)
{
	unsigned open_roles = ~SK_ROLE(LIBSOCK_ROLE_CLOSED);
	int fd;

	if (sk_check(s, "close", open_roles) == -1)
		return -1;
	fd = s->fd;
	sk_detach(s);
	sk_end_attachments(s);
	sk_adopt(s, -1, LIBSOCK_ROLE_CLOSED, s->transport, s->family);
	/*
	 * close(2) frees the descriptor whatever it returns (see
	 * sk_close_fd); a failure here still reports data that may be lost.
	 */
	if (fd >= 0 && close(fd) == -1 && errno != EINTR)
		return sk_fail_io(s, errno, "close");
	return 0;
}

void
sock_free(struct sock *s)
{
	int saved = errno;

	if (s == NULL)
		return;
	sk_detach(s);
	sk_end_attachments(s);
	sk_close_fd(s->fd);
	sock_tls_config_free(s->tls_config);
	free(s->err);
	free(s);
	errno = saved;
}
