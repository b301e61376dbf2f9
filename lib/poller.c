/*
 * poller.c - the readiness poller: registration, waits, and what the
 * backends cannot know (TLS bytes already decrypted, events made stale by
 * a close, descriptors that change under a non-blocking connect).
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "poller.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SK_POLL_ROLES \
	(SK_ROLE(LIBSOCK_ROLE_PASSIVE) | SK_ROLE(LIBSOCK_ROLE_ACTIVE) | \
	 SK_ROLE(LIBSOCK_ROLE_DGRAM) | SK_ROLE(LIBSOCK_ROLE_CONNECTED_DGRAM) | \
	 SK_ROLE(LIBSOCK_ROLE_CONNECTING))
#define SK_POLL_KNOWN	(SK_POLL_ASKED | LIBSOCK_POLL_EDGE)

struct sock_poller *
sock_poller_new(void)
{
	struct sock_poller *p;
	int saved;

	if ((p = calloc(1, sizeof *p)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	p->bfd = -1;
	if (sk_pb_init(p) == -1) {
		saved = errno;
		free(p);
		errno = saved;
		return NULL;
	}
	return p;
}

static void
sk_reg_clear(struct sock *s)
{
	memset(&s->reg, 0, sizeof s->reg);
	s->reg.fd = -1;
}

/* The sockets stay open, out of any poller; the backend goes at once. */
void
sock_poller_free(struct sock_poller *p)
{
	int saved = errno;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->n; i++)
		sk_reg_clear(p->socks[i]);
	sk_pb_fini(p);
	free(p->socks);
	free(p->byfd);
	free(p->pfds);
	free(p);
	errno = saved;
}

const char *
sock_poller_backend(const struct sock_poller *p)
{
	if (p == NULL) {
		errno = EINVAL;
		return NULL;
	}
	return sk_pb_name();
}

static int
sk_poll_args(struct sock_poller *p, struct sock *s, const char *op)
{
	if (s == NULL)
		return sk_failx(NULL, EINVAL, "%s: invalid socket (NULL)", op);
	if (p == NULL)
		return sk_failx(s, EINVAL, "%s: invalid poller (NULL)", op);
	return 0;
}

static int
sk_poll_bits(struct sock *s, const char *op, unsigned events)
{
	if (events & ~SK_POLL_KNOWN)
		return sk_failx(s, EINVAL, "%s: unknown event bits 0x%x", op,
		    events & ~SK_POLL_KNOWN);
	return 0;
}

static int
sk_poll_member(struct sock_poller *p, struct sock *s, const char *op)
{
	if (s->reg.poller != p)
		return sk_failx(s, ENOENT, "%s: socket is not in this poller",
		    op);
	return 0;
}

static int
sk_poll_grow(struct sock_poller *p)
{
	size_t cap = p->cap == 0 ? 64 : p->cap * 2;
	struct sock **socks;

	if (cap > SIZE_MAX / sizeof *socks ||
	    (socks = realloc(p->socks, cap * sizeof *socks)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	p->socks = socks;
	p->cap = cap;
	return 0;
}

int
sock_poller_add(struct sock_poller *p, struct sock *s, unsigned events,
    void *udata)
{
	const char *op = "poller add";
	int code;

	if (sk_poll_args(p, s, op) == -1 || sk_check(s, op, SK_POLL_ROLES) ||
	    sk_poll_bits(s, op, events) == -1)
		return -1;
	if (s->reg.poller != NULL)
		return sk_failx(s, EEXIST, "%s: socket is already in a poller",
		    op);
	if (p->n == p->cap && sk_poll_grow(p) == -1)
		return sk_fail(s, errno, "%s", op);
	s->reg.poller = p;
	s->reg.udata = udata;
	s->reg.events = events;
	s->reg.armed = SK_POLL_ARMED(events);
	s->reg.slot = p->n;
	s->reg.fd = s->fd;
	if (sk_pb_add(p, s) == -1) {
		code = errno;
		sk_reg_clear(s);
		return sk_fail(s, code, "%s", op);
	}
	p->socks[p->n++] = s;
	sk_poll_tls_check(s);
	return 0;
}

int
sock_poller_mod(struct sock_poller *p, struct sock *s, unsigned events,
    void *udata)
{
	const char *op = "poller mod";
	struct sk_reg old;

	if (sk_poll_args(p, s, op) == -1 || sk_poll_member(p, s, op) == -1 ||
	    sk_poll_bits(s, op, events) == -1)
		return -1;
	old = s->reg;
	s->reg.udata = udata;
	s->reg.events = events;
	s->reg.armed = SK_POLL_ARMED(events);
	if (s->reg.fd >= 0 && sk_pb_mod(p, s) == -1) {
		s->reg = old;
		return sk_fail(s, errno, "%s", op);
	}
	sk_poll_tls_check(s);
	return 0;
}

int
sock_poller_del(struct sock_poller *p, struct sock *s)
{
	const char *op = "poller del";

	if (sk_poll_args(p, s, op) == -1 || sk_poll_member(p, s, op) == -1)
		return -1;
	sk_poll_forget(s);
	return 0;
}

/*
 * TLS sockets holding decrypted bytes, as IN events: their descriptors
 * may never become readable again.  Flags of sockets found empty are
 * dropped; a read that leaves bytes behind sets them again.
 */
static int
sk_poll_tls_ready(struct sock_poller *p)
{
	struct sock *s;
	size_t i;
	int k = 0;

	for (i = 0; i < p->n && p->tls_checks > 0 &&
	    k < SK_POLL_BATCH / 2; i++) {
		s = p->socks[i];
		if (!s->reg.tls_check)
			continue;
		if (sk_tls_buffered(s) == 0) {
			s->reg.tls_check = 0;
			p->tls_checks--;
			continue;
		}
		if (!(s->reg.events & LIBSOCK_POLL_IN))
			continue;
		p->events[k].sock = s;
		p->events[k].udata = s->reg.udata;
		p->events[k].events = LIBSOCK_POLL_IN;
		k++;
	}
	return k;
}

/* One entry per socket: the backend's events join the TLS ones. */
static int
sk_poll_merge(struct sock_poller *p, int k, int n)
{
	int i, j, out = k;

	for (j = k; j < k + n; j++) {
		for (i = 0; i < k; i++)
			if (p->events[i].sock == p->events[j].sock)
				break;
		if (i < k)
			p->events[i].events |= p->events[j].events;
		else
			p->events[out++] = p->events[j];
	}
	return out;
}

int
sock_poller_wait(struct sock_poller *p, int timeout_ms,
    struct sock_event **events)
{
	int k, n;

	if (p == NULL || events == NULL || timeout_ms < -1) {
		errno = EINVAL;
		return -1;
	}
	p->nevents = 0;
	*events = p->events;
	k = sk_poll_tls_ready(p);
	n = sk_pb_wait(p, p->events + k, SK_POLL_BATCH - k,
	    k > 0 ? 0 : timeout_ms);
	if (n == -1) {
		/* A signal ends the wait: the caller's loop looks at flags. */
		if (errno != EINTR)
			return -1;
		n = 0;
	}
	p->nevents = sk_poll_merge(p, k, n);
	return p->nevents;
}

/*
 * The socket registered with descriptor fd, for backends whose events
 * carry the descriptor: an event whose descriptor maps to nothing, or to
 * a socket that has since moved on, is stale and dropped.  Keying by
 * descriptor rather than by pointer means that even a removal the
 * kernel refused (epoll_ctl failing with ENOMEM) can never make a wait
 * read a freed object.
 */
struct sock *
sk_poll_lookup(const struct sock_poller *p, int fd)
{
	struct sock *s;

	if (fd < 0 || (size_t)fd >= p->byfd_cap ||
	    (s = p->byfd[fd]) == NULL || s->reg.fd != fd)
		return NULL;
	return s;
}

/* Map s's descriptor to it, growing the map as descriptors grow. */
int
sk_poll_map(struct sock_poller *p, struct sock *s)
{
	size_t cap = p->byfd_cap, need = (size_t)s->reg.fd + 1;
	struct sock **m;

	if (need > cap) {
		cap = cap * 2 > need ? cap * 2 : need;
		if (cap < 64)
			cap = 64;
		if (cap > SIZE_MAX / sizeof *m ||
		    (m = realloc(p->byfd, cap * sizeof *m)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		memset(m + p->byfd_cap, 0, (cap - p->byfd_cap) * sizeof *m);
		p->byfd = m;
		p->byfd_cap = cap;
	}
	p->byfd[s->reg.fd] = s;
	return 0;
}

void
sk_poll_unmap(struct sock_poller *p, const struct sock *s)
{
	if (s->reg.fd >= 0 && (size_t)s->reg.fd < p->byfd_cap &&
	    p->byfd[s->reg.fd] == s)
		p->byfd[s->reg.fd] = NULL;
}

/* ------------------------------------------------ from the library */

/* A descriptor is about to close: the backend forgets it first. */
void
sk_poll_fd_closing(struct sock *s)
{
	int saved = errno;

	if (s->reg.poller == NULL || s->reg.fd < 0)
		return;
	sk_pb_del(s->reg.poller, s);
	s->reg.fd = -1;
	errno = saved;
}

/*
 * A socket in a poller got a new descriptor (the next address of a
 * non-blocking connect): the poller follows with the same interest.
 */
int
sk_poll_fd_opened(struct sock *s)
{
	if (s->reg.poller == NULL || s->fd < 0)
		return 0;
	s->reg.fd = s->fd;
	s->reg.armed = SK_POLL_ARMED(s->reg.events);
	if (sk_pb_add(s->reg.poller, s) == -1) {
		s->reg.fd = -1;
		return -1;
	}
	return 0;
}

/*
 * Out of the poller for good, before the descriptor closes; entries of
 * the last wait that name the socket are blanked, so that a caller who
 * closes one socket while handling another never meets a stale one.
 */
void
sk_poll_forget(struct sock *s)
{
	struct sock_poller *p = s->reg.poller;
	size_t slot;
	int i;

	if (p == NULL)
		return;
	sk_poll_fd_closing(s);
	slot = s->reg.slot;
	p->socks[slot] = p->socks[--p->n];
	p->socks[slot]->reg.slot = slot;
	if (s->reg.tls_check)
		p->tls_checks--;
	for (i = 0; i < p->nevents; i++)
		if (p->events[i].sock == s)
			memset(&p->events[i], 0, sizeof p->events[i]);
	sk_reg_clear(s);
}

/*
 * A call said "would block" (a want code): edge-triggered interest in
 * that direction may be reported again.  Only the poll(2) backend, which
 * emulates edges, reads the armed bits.
 */
void
sk_poll_rearm(struct sock *s, unsigned events)
{
	/* Not in a poller: no write, for threads sharing a listener. */
	if (s->reg.poller != NULL)
		s->reg.armed |= events & s->reg.events;
}

/* The socket may hold decrypted bytes: look at it at the next wait. */
void
sk_poll_tls_check(struct sock *s)
{
	if (s->reg.poller == NULL || s->reg.tls_check || s->tls == NULL)
		return;
	s->reg.tls_check = 1;
	s->reg.poller->tls_checks++;
}
