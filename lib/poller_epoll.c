/*
 * poller_epoll.c - the poller's backend on Linux: epoll(7), level or
 * edge (EPOLLET) per socket, the socket itself as the event's data.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "poller.h"

#include <sys/epoll.h>

#include <errno.h>
#include <string.h>

const char *
sk_pb_name(void)
{
	return "epoll";
}

int
sk_pb_init(struct sock_poller *p)
{
	return (p->bfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ? -1 : 0;
}

void
sk_pb_fini(struct sock_poller *p)
{
	sk_close_fd(p->bfd);
	p->bfd = -1;
}

/* EPOLLRDHUP with IN: a peer's half-close reads as IN (recv gives 0). */
static int
sk_epoll_ctl(struct sock_poller *p, int op, struct sock *s)
{
	struct epoll_event ev;
	unsigned want = s->reg.events;

	memset(&ev, 0, sizeof ev);
	if (want & LIBSOCK_POLL_IN)
		ev.events |= EPOLLIN | EPOLLRDHUP;
	if (want & LIBSOCK_POLL_OUT)
		ev.events |= EPOLLOUT;
	if (want & LIBSOCK_POLL_EDGE)
		ev.events |= EPOLLET;
	ev.data.fd = s->reg.fd;
	return epoll_ctl(p->bfd, op, s->reg.fd, &ev);
}

/* Events carry the descriptor, checked against the map at each wait. */
int
sk_pb_add(struct sock_poller *p, struct sock *s)
{
	int saved;

	if (sk_poll_map(p, s) == -1)
		return -1;
	if (sk_epoll_ctl(p, EPOLL_CTL_ADD, s) == -1) {
		saved = errno;
		sk_poll_unmap(p, s);
		errno = saved;
		return -1;
	}
	return 0;
}

int
sk_pb_mod(struct sock_poller *p, struct sock *s)
{
	return sk_epoll_ctl(p, EPOLL_CTL_MOD, s);
}

/*
 * Removed explicitly while the descriptor is open: epoll watches the
 * open file, not the number, and a file shared through dup(2) or fork(2)
 * would otherwise go on reporting for a socket that no longer exists.
 */
void
sk_pb_del(struct sock_poller *p, struct sock *s)
{
	(void)sk_epoll_ctl(p, EPOLL_CTL_DEL, s);
	sk_poll_unmap(p, s);
}

static unsigned
sk_epoll_events(uint32_t e)
{
	unsigned ev = 0;

	if (e & (EPOLLIN | EPOLLRDHUP))
		ev |= LIBSOCK_POLL_IN;
	if (e & EPOLLOUT)
		ev |= LIBSOCK_POLL_OUT;
	if (e & EPOLLERR)
		ev |= LIBSOCK_POLL_ERR;
	if (e & EPOLLHUP)
		ev |= LIBSOCK_POLL_HUP;
	return ev;
}

int
sk_pb_wait(struct sock_poller *p, struct sock_event *out, int max,
    int timeout_ms)
{
	struct epoll_event ev[SK_POLL_BATCH];
	struct sock *s;
	int i, n, count = 0;

	if (max > SK_POLL_BATCH)
		max = SK_POLL_BATCH;
	if ((n = epoll_wait(p->bfd, ev, max, timeout_ms)) <= 0)
		return n;
	for (i = 0; i < n; i++) {
		if ((s = sk_poll_lookup(p, ev[i].data.fd)) == NULL)
			continue;
		out[count].sock = s;
		out[count].udata = s->reg.udata;
		out[count].events = sk_epoll_events(ev[i].events);
		count++;
	}
	return count;
}
