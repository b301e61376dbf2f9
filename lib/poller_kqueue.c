/*
 * poller_kqueue.c - the poller's backend on the BSDs and macOS: kqueue(2)
 * with a read and a write filter per socket, EV_CLEAR for edges.  The two
 * filters' events for one socket are joined into one entry.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "poller.h"

#include <sys/types.h>
#include <sys/event.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>

const char *
sk_pb_name(void)
{
	return "kqueue";
}

int
sk_pb_init(struct sock_poller *p)
{
	if ((p->bfd = kqueue()) == -1)
		return -1;
	(void)fcntl(p->bfd, F_SETFD, FD_CLOEXEC);
	return 0;
}

void
sk_pb_fini(struct sock_poller *p)
{
	sk_close_fd(p->bfd);
	p->bfd = -1;
}

/* Both filters always exist; interest enables or disables them. */
static int
sk_kq_set(struct sock_poller *p, struct sock *s)
{
	struct kevent ch[2];
	unsigned want = s->reg.events;
	unsigned short clear = (want & LIBSOCK_POLL_EDGE) ? EV_CLEAR : 0;

	EV_SET(&ch[0], s->reg.fd, EVFILT_READ, EV_ADD | clear |
	    ((want & LIBSOCK_POLL_IN) ? EV_ENABLE : EV_DISABLE), 0, 0, NULL);
	EV_SET(&ch[1], s->reg.fd, EVFILT_WRITE, EV_ADD | clear |
	    ((want & LIBSOCK_POLL_OUT) ? EV_ENABLE : EV_DISABLE), 0, 0, NULL);
	return kevent(p->bfd, ch, 2, NULL, 0, NULL);
}

/* Events carry the descriptor, checked against the map at each wait. */
int
sk_pb_add(struct sock_poller *p, struct sock *s)
{
	int saved;

	if (sk_poll_map(p, s) == -1)
		return -1;
	if (sk_kq_set(p, s) == -1) {
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
	return sk_kq_set(p, s);
}

/* Removed while the descriptor is open, as with epoll. */
void
sk_pb_del(struct sock_poller *p, struct sock *s)
{
	struct kevent ch[2];

	EV_SET(&ch[0], s->reg.fd, EVFILT_READ, EV_DELETE, 0, 0, NULL);
	EV_SET(&ch[1], s->reg.fd, EVFILT_WRITE, EV_DELETE, 0, 0, NULL);
	(void)kevent(p->bfd, ch, 2, NULL, 0, NULL);
	sk_poll_unmap(p, s);
}

static unsigned
sk_kq_events(const struct kevent *kev)
{
	unsigned ev = 0;

	if (kev->flags & EV_ERROR)
		return LIBSOCK_POLL_ERR;
	if (kev->filter == EVFILT_READ)
		ev |= LIBSOCK_POLL_IN;
	else if (kev->filter == EVFILT_WRITE)
		ev |= LIBSOCK_POLL_OUT;
	if ((kev->flags & EV_EOF) && kev->fflags != 0)
		ev |= LIBSOCK_POLL_ERR;
	if ((kev->flags & EV_EOF) && kev->filter == EVFILT_WRITE)
		ev |= LIBSOCK_POLL_HUP;
	return ev;
}

int
sk_pb_wait(struct sock_poller *p, struct sock_event *out, int max,
    int timeout_ms)
{
	struct kevent kev[SK_POLL_BATCH];
	struct timespec ts, *tsp = NULL;
	struct sock *s;
	int i, j, n, count = 0;

	if (max > SK_POLL_BATCH)
		max = SK_POLL_BATCH;
	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000;
		tsp = &ts;
	}
	if ((n = kevent(p->bfd, NULL, 0, kev, max, tsp)) <= 0)
		return n;
	for (i = 0; i < n; i++) {
		if ((s = sk_poll_lookup(p, (int)kev[i].ident)) == NULL)
			continue;
		for (j = 0; j < count && out[j].sock != s; j++)
			;
		if (j == count) {
			out[count].sock = s;
			out[count].udata = s->reg.udata;
			out[count].events = 0;
			count++;
		}
		out[j].events |= sk_kq_events(&kev[i]);
	}
	return count;
}
