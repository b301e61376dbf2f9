/*
 * options.c - socket options and timeouts: kept on the object, applied
 * whenever its descriptor exists.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

#define SK_UNSET	(-1)
#define SK_FIELD(f)	offsetof(struct sock, f)

/* Roles in which a socket has a descriptor an option can go to. */
#define SK_OPEN_ROLES \
	(SK_ROLE(LIBSOCK_ROLE_NEW) | SK_ROLE(LIBSOCK_ROLE_PASSIVE) | \
	 SK_ROLE(LIBSOCK_ROLE_ACTIVE) | SK_ROLE(LIBSOCK_ROLE_DGRAM) | \
	 SK_ROLE(LIBSOCK_ROLE_CONNECTED_DGRAM))

void
sk_opts_init(struct sk_opts *o)
{
	o->reuseaddr = o->reuseport = o->nodelay = SK_UNSET;
	o->keepalive = o->keepidle = o->keepintvl = o->keepcnt = SK_UNSET;
	o->sndbuf = o->rcvbuf = o->ttl = o->broadcast = SK_UNSET;
	o->v6only = o->backlog = SK_UNSET;
	o->unix_mode = o->unlink_stale = SK_UNSET;
}

static int
sk_setopt(struct sock *s, const char *name, int level, int opt, int value)
{
	if (setsockopt(s->fd, level, opt, &value, sizeof value) == -1)
		return sk_fail(s, errno, "set %s", name);
	return 0;
}

static int
sk_apply_reuseaddr(struct sock *s, int value)
{
	return sk_setopt(s, "reuseaddr", SOL_SOCKET, SO_REUSEADDR, value);
}

static int
sk_apply_reuseport(struct sock *s)
{
#if defined(HAVE_DECL_SO_REUSEPORT) && HAVE_DECL_SO_REUSEPORT
	return sk_setopt(s, "reuseport", SOL_SOCKET, SO_REUSEPORT,
	    s->opts.reuseport);
#else
	return sk_failx(s, LIBSOCK_ENOTSUP, "set reuseport: %s",
	    sock_strerror(LIBSOCK_ENOTSUP));
#endif
}

static int
sk_apply_nodelay(struct sock *s)
{
	return sk_setopt(s, "nodelay", IPPROTO_TCP, TCP_NODELAY,
	    s->opts.nodelay);
}

/* The idle time before the first probe has a different name on macOS. */
static int
sk_apply_keepidle(struct sock *s)
{
#if defined(HAVE_DECL_TCP_KEEPIDLE) && HAVE_DECL_TCP_KEEPIDLE
	return sk_setopt(s, "keepalive idle", IPPROTO_TCP, TCP_KEEPIDLE,
	    s->opts.keepidle);
#elif defined(HAVE_DECL_TCP_KEEPALIVE) && HAVE_DECL_TCP_KEEPALIVE
	return sk_setopt(s, "keepalive idle", IPPROTO_TCP, TCP_KEEPALIVE,
	    s->opts.keepidle);
#else
	return sk_failx(s, LIBSOCK_ENOTSUP, "set keepalive idle: %s",
	    sock_strerror(LIBSOCK_ENOTSUP));
#endif
}

static int
sk_apply_keepalive(struct sock *s)
{
	const struct sk_opts *o = &s->opts;

	if (sk_setopt(s, "keepalive", SOL_SOCKET, SO_KEEPALIVE,
	    o->keepalive) == -1)
		return -1;
	if (o->keepidle > 0 && sk_apply_keepidle(s) == -1)
		return -1;
#if defined(HAVE_DECL_TCP_KEEPINTVL) && HAVE_DECL_TCP_KEEPINTVL
	if (o->keepintvl > 0 && sk_setopt(s, "keepalive interval",
	    IPPROTO_TCP, TCP_KEEPINTVL, o->keepintvl) == -1)
		return -1;
#endif
#if defined(HAVE_DECL_TCP_KEEPCNT) && HAVE_DECL_TCP_KEEPCNT
	if (o->keepcnt > 0 && sk_setopt(s, "keepalive count", IPPROTO_TCP,
	    TCP_KEEPCNT, o->keepcnt) == -1)
		return -1;
#endif
	return 0;
}

static int
sk_apply_sndbuf(struct sock *s)
{
	return sk_setopt(s, "sndbuf", SOL_SOCKET, SO_SNDBUF, s->opts.sndbuf);
}

static int
sk_apply_rcvbuf(struct sock *s)
{
	return sk_setopt(s, "rcvbuf", SOL_SOCKET, SO_RCVBUF, s->opts.rcvbuf);
}

static int
sk_apply_ttl(struct sock *s)
{
	if (s->family == AF_INET6)
		return sk_setopt(s, "ttl", IPPROTO_IPV6, IPV6_UNICAST_HOPS,
		    s->opts.ttl);
	return sk_setopt(s, "ttl", IPPROTO_IP, IP_TTL, s->opts.ttl);
}

static int
sk_apply_broadcast(struct sock *s)
{
	return sk_setopt(s, "broadcast", SOL_SOCKET, SO_BROADCAST,
	    s->opts.broadcast);
}

/* Never left to the bindv6only sysctl: off unless asked for. */
static int
sk_apply_v6only(struct sock *s)
{
	return sk_setopt(s, "v6only", IPPROTO_IPV6, IPV6_V6ONLY,
	    s->opts.v6only == 1);
}

int
sk_backlog(const struct sock *s)
{
	return s->opts.backlog > 0 ? s->opts.backlog : SOMAXCONN;
}

static int
sk_apply_backlog(struct sock *s)
{
	if (s->role != LIBSOCK_ROLE_PASSIVE)
		return 0;	/* used by sock_listen */
	if (listen(s->fd, sk_backlog(s)) == -1)
		return sk_fail(s, errno, "set backlog");
	return 0;
}

/* TLS runs over TCP: the TCP options are its too. */
static int
sk_is_tcp(const struct sock *s)
{
	return s->transport == LIBSOCK_TCP || s->transport == LIBSOCK_TLS;
}

/* Options that concern TCP sockets only, for new and accepted ones. */
static int
sk_opts_apply_tcp(struct sock *s)
{
	if (s->opts.nodelay != SK_UNSET && sk_apply_nodelay(s) == -1)
		return -1;
	if (s->opts.keepalive != SK_UNSET && sk_apply_keepalive(s) == -1)
		return -1;
	return 0;
}

/*
 * Apply the stored options to a descriptor just made, each where it
 * concerns the socket.  Listeners get SO_REUSEADDR unless told
 * otherwise; bound IPv6 sockets get an explicit IPV6_V6ONLY.
 */
int
sk_opts_apply(struct sock *s, int mode)
{
	const struct sk_opts *o = &s->opts;
	int reuseaddr = o->reuseaddr;

	if (mode == SK_APPLY_ACCEPTED)
		return sk_is_tcp(s) ? sk_opts_apply_tcp(s) : 0;
	/* Unix sockets have no ports to reuse, nor hops to count. */
	if (reuseaddr == SK_UNSET && mode == SK_APPLY_LISTENER &&
	    s->family != AF_UNIX)
		reuseaddr = 1;
	if ((reuseaddr != SK_UNSET && sk_apply_reuseaddr(s, reuseaddr) == -1) ||
	    (o->reuseport != SK_UNSET && s->family != AF_UNIX &&
	    sk_apply_reuseport(s) == -1) ||
	    (o->sndbuf != SK_UNSET && sk_apply_sndbuf(s) == -1) ||
	    (o->rcvbuf != SK_UNSET && sk_apply_rcvbuf(s) == -1) ||
	    (o->ttl != SK_UNSET && s->family != AF_UNIX &&
	    sk_apply_ttl(s) == -1))
		return -1;
	if (s->family == AF_INET6 &&
	    (mode != SK_APPLY_CONNECTING || o->v6only != SK_UNSET) &&
	    sk_apply_v6only(s) == -1)
		return -1;
	if (s->transport == LIBSOCK_UDP && o->broadcast != SK_UNSET)
		return sk_apply_broadcast(s);
	if (sk_is_tcp(s))
		return sk_opts_apply_tcp(s);
	return 0;
}

/*
 * The common body of the setters: check, store, and apply at once when
 * the socket has a descriptor.
 */
static int
sk_opt_store(struct sock *s, const char *op, size_t field, int value,
    int (*apply)(struct sock *))
{
	if (sk_check(s, op, SK_OPEN_ROLES) == -1)
		return -1;
	/* An offset, not a pointer: &s->field is undefined for NULL s. */
	*(int *)(void *)((char *)s + field) = value;
	if (s->fd >= 0 && apply != NULL)
		return apply(s);
	return 0;
}

static int
sk_opt_invalid(struct sock *s, const char *op, int value, const char *want)
{
	if (sk_check(s, op, SK_OPEN_ROLES) == -1)
		return -1;
	return sk_failx(s, EINVAL, "%s: invalid value %d (%s)", op, value,
	    want);
}

static int
sk_apply_reuseaddr_stored(struct sock *s)
{
	return sk_apply_reuseaddr(s, s->opts.reuseaddr);
}

int
sock_set_reuseaddr(struct sock *s, int on)
{
	return sk_opt_store(s, "set reuseaddr",
	    SK_FIELD(opts.reuseaddr), on != 0,
	    sk_apply_reuseaddr_stored);
}

int
sock_set_reuseport(struct sock *s, int on)
{
	return sk_opt_store(s, "set reuseport",
	    SK_FIELD(opts.reuseport), on != 0,
	    sk_apply_reuseport);
}

int
sock_set_nodelay(struct sock *s, int on)
{
	return sk_opt_store(s, "set nodelay", SK_FIELD(opts.nodelay), on != 0,
	    sk_apply_nodelay);
}

int
sock_set_keepalive(struct sock *s, int on, int idle_s, int interval_s,
    int count)
{
	const char *op = "set keepalive";

	if (idle_s < 0)
		return sk_opt_invalid(s, op, idle_s, "idle seconds >= 0");
	if (interval_s < 0)
		return sk_opt_invalid(s, op, interval_s,
		    "interval seconds >= 0");
	if (count < 0)
		return sk_opt_invalid(s, op, count, "probe count >= 0");
	if (sk_check(s, op, SK_OPEN_ROLES) == -1)
		return -1;
	s->opts.keepidle = idle_s;
	s->opts.keepintvl = interval_s;
	s->opts.keepcnt = count;
	return sk_opt_store(s, op, SK_FIELD(opts.keepalive), on != 0,
	    sk_apply_keepalive);
}

int
sock_set_sndbuf(struct sock *s, int bytes)
{
	if (bytes <= 0)
		return sk_opt_invalid(s, "set sndbuf", bytes, "bytes > 0");
	return sk_opt_store(s, "set sndbuf", SK_FIELD(opts.sndbuf), bytes,
	    sk_apply_sndbuf);
}

int
sock_set_rcvbuf(struct sock *s, int bytes)
{
	if (bytes <= 0)
		return sk_opt_invalid(s, "set rcvbuf", bytes, "bytes > 0");
	return sk_opt_store(s, "set rcvbuf", SK_FIELD(opts.rcvbuf), bytes,
	    sk_apply_rcvbuf);
}

int
sock_set_ttl(struct sock *s, int hops)
{
	if (hops < 1 || hops > 255)
		return sk_opt_invalid(s, "set ttl", hops, "1 to 255");
	return sk_opt_store(s, "set ttl",
	    SK_FIELD(opts.ttl), hops, sk_apply_ttl);
}

int
sock_set_broadcast(struct sock *s, int on)
{
	return sk_opt_store(s, "set broadcast",
	    SK_FIELD(opts.broadcast), on != 0,
	    sk_apply_broadcast);
}

int
sock_set_v6only(struct sock *s, int on)
{
	return sk_opt_store(s, "set v6only", SK_FIELD(opts.v6only), on != 0,
	    sk_apply_v6only);
}

int
sock_set_backlog(struct sock *s, int backlog)
{
	if (backlog <= 0)
		return sk_opt_invalid(s, "set backlog", backlog, "> 0");
	return sk_opt_store(s, "set backlog", SK_FIELD(opts.backlog), backlog,
	    sk_apply_backlog);
}

/* Timeouts need no descriptor: they are read by each call that waits. */
static int
sk_timeout_store(struct sock *s, const char *op, size_t field, int ms)
{
	if (ms < -1)
		return sk_opt_invalid(s, op, ms, "milliseconds, or -1");
	return sk_opt_store(s, op, field, ms, NULL);
}

int
sock_set_connect_timeout(struct sock *s, int ms)
{
	return sk_timeout_store(s, "set connect timeout",
	    SK_FIELD(tmo.connect), ms);
}

int
sock_set_accept_timeout(struct sock *s, int ms)
{
	return sk_timeout_store(s, "set accept timeout",
	    SK_FIELD(tmo.accept), ms);
}

int
sock_set_send_timeout(struct sock *s, int ms)
{
	return sk_timeout_store(s, "set send timeout", SK_FIELD(tmo.send), ms);
}

int
sock_set_recv_timeout(struct sock *s, int ms)
{
	return sk_timeout_store(s, "set recv timeout", SK_FIELD(tmo.recv), ms);
}

int
sock_set_timeout(struct sock *s, int ms)
{
	if (sk_timeout_store(s, "set timeout", SK_FIELD(tmo.connect), ms) == -1)
		return -1;
	s->tmo.accept = s->tmo.send = s->tmo.recv = ms;
	return 0;
}

/* Used when a Unix socket file is made: at sock_listen or sock_bind. */
int
sock_set_unix_mode(struct sock *s, mode_t mode)
{
	if (mode > 07777) {
		if (sk_check(s, "set unix mode", SK_OPEN_ROLES) == -1)
			return -1;
		return sk_failx(s, EINVAL, "set unix mode: invalid mode %#o "
		    "(permission bits, 0 to 07777)", (unsigned)mode);
	}
	return sk_opt_store(s, "set unix mode", SK_FIELD(opts.unix_mode),
	    (int)mode, NULL);
}

int
sock_set_unlink_stale(struct sock *s, int on)
{
	return sk_opt_store(s, "set unlink stale",
	    SK_FIELD(opts.unlink_stale), on != 0, NULL);
}

int
sock_set_handshake_timeout(struct sock *s, int ms)
{
	return sk_timeout_store(s, "set handshake timeout",
	    SK_FIELD(tmo.handshake), ms);
}

/*
 * The name a TLS client sends (SNI) and checks the certificate against,
 * when the address does not say it; NULL goes back to the address's.
 */
int
sock_set_tls_server_name(struct sock *s, const char *name)
{
	const char *op = "set tls server name";
	unsigned roles = SK_ROLE(LIBSOCK_ROLE_NEW) | SK_ROLE(LIBSOCK_ROLE_ACTIVE);

	if (sk_check(s, op, roles) == -1)
		return -1;
	if (!sk_tls_available())
		return sk_failx(s, LIBSOCK_ENOTSUP, "%s: TLS is not in this "
		    "build", op);
	if (name == NULL) {
		s->tls_name[0] = '\0';
		return 0;
	}
	if (name[0] == '\0')
		return sk_failx(s, EINVAL, "%s: empty name", op);
	if (strnlen(name, SK_HOST_MAX + 1) > SK_HOST_MAX)
		return sk_failx(s, ENAMETOOLONG, "%s: longer than %d bytes",
		    op, SK_HOST_MAX);
	memcpy(s->tls_name, name, strlen(name) + 1);
	return 0;
}

/*
 * Non-blocking mode is a flag of the object, read by every call that
 * could wait, and O_NONBLOCK on the descriptor so that the calls never
 * block inside the system either.  A listener's descriptor is always
 * non-blocking (see fd.c): only the flag changes there.
 */
int
sock_set_nonblocking(struct sock *s, int on)
{
	unsigned roles = SK_OPEN_ROLES | SK_ROLE(LIBSOCK_ROLE_CONNECTING);

	if (sk_check(s, "set nonblocking", roles) == -1)
		return -1;
	on = on != 0;
	if (s->fd >= 0 && s->role != LIBSOCK_ROLE_PASSIVE &&
	    sk_set_nonblock(s->fd, on) == -1)
		return sk_fail(s, errno, "set nonblocking");
	s->nonblock = on;
	return 0;
}
