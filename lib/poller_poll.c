/*
 * poller_poll.c - the portable backend: poll(2) over every registered
 * socket at each wait.  poll(2) only knows levels, so edge-triggered
 * interest is emulated: a direction reported once is not asked again
 * until a libsock call on the socket returns a want code (the armed bits,
 * which sk_poll_rearm sets).
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "poller.h"

#include <errno.h>
#include <stdlib.h>

const char *
sk_pb_name(void)
{
	return "poll";
}

int
sk_pb_init(struct sock_poller *p)
{
	(void)p;
	return 0;
}

void
sk_pb_fini(struct sock_poller *p)
{
	(void)p;
}

/* The table is the registration: a wait reads it as it is. */
int
sk_pb_add(struct sock_poller *p, struct sock *s)
{
	(void)p;
	(void)s;
	return 0;
}

int
sk_pb_mod(struct sock_poller *p, struct sock *s)
{
	(void)p;
	(void)s;
	return 0;
}

void
sk_pb_del(struct sock_poller *p, struct sock *s)
{
	(void)p;
	(void)s;
}

/* What to ask poll(2) for s; -1 as the descriptor: nothing at all. */
static void
sk_pfd_fill(struct pollfd *pfd, const struct sock *s)
{
	unsigned ask = s->reg.events;
	int edge = (ask & LIBSOCK_POLL_EDGE) != 0;

	if (edge)
		ask = s->reg.armed;
	pfd->fd = s->reg.fd;
	pfd->events = 0;
	pfd->revents = 0;
	if (ask & LIBSOCK_POLL_IN)
		pfd->events |= POLLIN;
	if (ask & LIBSOCK_POLL_OUT)
		pfd->events |= POLLOUT;
	/*
	 * poll(2) reports errors and hang-ups unasked, so an edge with no
	 * direction armed is still watched for them until one is reported.
	 */
	if (edge && ask == 0)
		pfd->fd = -1;
}

static unsigned
sk_poll_events(short re)
{
	unsigned ev = 0;

	if (re & POLLIN)
		ev |= LIBSOCK_POLL_IN;
	if (re & POLLOUT)
		ev |= LIBSOCK_POLL_OUT;
	if (re & (POLLERR | POLLNVAL))
		ev |= LIBSOCK_POLL_ERR;
	if (re & POLLHUP)
		ev |= LIBSOCK_POLL_HUP;
	return ev;
}

static int
sk_pfds_room(struct sock_poller *p)
{
	struct pollfd *pfds;

	if (p->pfds_cap >= p->cap)
		return 0;
	if ((pfds = realloc(p->pfds, p->cap * sizeof *pfds)) == NULL) {
		errno = ENOMEM;
		return -1;
	}
	p->pfds = pfds;
	p->pfds_cap = p->cap;
	return 0;
}

/*
 * Ready sockets are taken from a rotating start, so that more than max
 * of them are all reported in turn across waits.
 */
int
sk_pb_wait(struct sock_poller *p, struct sock_event *out, int max,
    int timeout_ms)
{
	struct sock *s;
	size_t i, k, start;
	unsigned ev;
	int n, count = 0;

	if (sk_pfds_room(p) == -1)
		return -1;
	for (i = 0; i < p->n; i++)
		sk_pfd_fill(&p->pfds[i], p->socks[i]);
	if ((n = poll(p->pfds, (nfds_t)p->n, timeout_ms)) <= 0)
		return n;
	start = p->rotor % p->n;
	for (k = 0; k < p->n && count < max; k++) {
		i = (start + k) % p->n;
		if (p->pfds[i].fd < 0 || p->pfds[i].revents == 0)
			continue;
		s = p->socks[i];
		ev = sk_poll_events(p->pfds[i].revents);
		if (s->reg.events & LIBSOCK_POLL_EDGE) {
			s->reg.armed &= ~ev;
			if (ev & (LIBSOCK_POLL_ERR | LIBSOCK_POLL_HUP))
				s->reg.armed = 0;
		}
		out[count].sock = s;
		out[count].udata = s->reg.udata;
		out[count].events = ev;
		count++;
	}
	p->rotor = start + k;
	return count;
}
