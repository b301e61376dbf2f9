/*
 * poller.h - the poller's state and the backend interface: one backend
 * file (poller_epoll.c, poller_kqueue.c or poller_poll.c) is built,
 * chosen at configure time.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#ifndef LIBSOCK_POLLER_H
#define LIBSOCK_POLLER_H

#include "internal.h"

#include <poll.h>
#include <stddef.h>

#define SK_POLL_BATCH	256	/* events returned by one wait, at most */
#define SK_POLL_ASKED	(LIBSOCK_POLL_IN | LIBSOCK_POLL_OUT)
#define SK_POLL_FAULTS	(LIBSOCK_POLL_ERR | LIBSOCK_POLL_HUP)

/*
 * Armed bits of new interest (poll(2) backend): the asked directions,
 * and the faults, which are reported unasked, once each on an edge.
 */
#define SK_POLL_ARMED(events)	(((events) & SK_POLL_ASKED) | SK_POLL_FAULTS)

struct sock_poller {
	struct sock		**socks;	/* registered, by slot */
	size_t			  n, cap;
	size_t			  tls_checks;	/* sockets with reg.tls_check */
	int			  nevents;	/* of the last wait, in events */
	struct sock_event	  events[SK_POLL_BATCH];
	/* Backend state. */
	int			  bfd;		/* epoll or kqueue, or -1 */
	struct sock		**byfd;		/* epoll, kqueue: by descriptor */
	size_t			  byfd_cap;
	struct pollfd		 *pfds;		/* poll(2): one per slot */
	size_t			  pfds_cap;
	size_t			  rotor;	/* poll(2): first slot looked at */
};

/* poller.c: sockets by descriptor, for epoll and kqueue. */
struct sock *sk_poll_lookup(const struct sock_poller *p, int fd);
int sk_poll_map(struct sock_poller *p, struct sock *s);
void sk_poll_unmap(struct sock_poller *p, const struct sock *s);

/*
 * The backend.  add/mod/del get a socket whose reg.fd, reg.events and
 * reg.armed are set; del runs while the descriptor is still open.  wait
 * fills at most max events (max >= 1) and returns how many, or -1 with
 * errno (EINTR included).
 */
const char *sk_pb_name(void);
int sk_pb_init(struct sock_poller *p);
void sk_pb_fini(struct sock_poller *p);
int sk_pb_add(struct sock_poller *p, struct sock *s);
int sk_pb_mod(struct sock_poller *p, struct sock *s);
void sk_pb_del(struct sock_poller *p, struct sock *s);
int sk_pb_wait(struct sock_poller *p, struct sock_event *out, int max,
    int timeout_ms);

#endif /* LIBSOCK_POLLER_H */
