/*
 * fd.c - every descriptor operation, written once: socket creation with
 * close-on-exec, waits against monotonic deadlines, connect completion,
 * accept with the transient errors skipped, close.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>

static int64_t
sk_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* An absolute deadline for a poll(2)-style timeout; -1 stays "never". */
int64_t
sk_deadline(int timeout_ms)
{
	if (timeout_ms < 0)
		return -1;
	return sk_now_ms() + timeout_ms;
}

/*
 * Wait until fd is ready for events or the deadline passes (ETIMEDOUT).
 * EINTR recomputes what is left of the same deadline, so a signal storm
 * never stretches the wait.  POLLERR and POLLHUP count as ready: the
 * next call on the descriptor reports what happened.
 */
int
sk_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;
	int n;

	pfd.fd = fd;
	pfd.events = events;
	for (;;) {
		if (deadline < 0)
			left = -1;
		else if ((left = deadline - sk_now_ms()) < 0)
			left = 0;
		pfd.revents = 0;
		n = poll(&pfd, 1, left > 1000000000 ? 1000000000 : (int)left);
		if (n > 0) {
			if (pfd.revents & POLLNVAL) {
				errno = EBADF;
				return -1;
			}
			return 0;
		}
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

int
sk_set_nonblock(int fd, int on)
{
	int flags;

	if ((flags = fcntl(fd, F_GETFL)) == -1)
		return -1;
	if (((flags & O_NONBLOCK) != 0) == (on != 0))
		return 0;
	flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
	return fcntl(fd, F_SETFL, flags);
}

#if !(defined(HAVE_DECL_SOCK_CLOEXEC) && HAVE_DECL_SOCK_CLOEXEC) || \
    !defined(HAVE_ACCEPT4) || !defined(MSG_CMSG_CLOEXEC)
static int
sk_set_cloexec(int fd)
{
	int flags;

	if ((flags = fcntl(fd, F_GETFD)) == -1)
		return -1;
	return fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}
#endif

/*
 * The BSDs and macOS have no MSG_NOSIGNAL: there the socket itself is
 * told never to raise SIGPIPE.
 */
static int
sk_nosigpipe(int fd)
{
#if defined(HAVE_DECL_SO_NOSIGPIPE) && HAVE_DECL_SO_NOSIGPIPE
	int on = 1;

	return setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, sizeof on);
#else
	(void)fd;
	return 0;
#endif
}

/*
 * A socket that is close-on-exec from birth where the system allows, and
 * non-blocking if asked, in the same call where SOCK_NONBLOCK exists.
 */
int
sk_socket(int family, int type, int nonblock)
{
	int fd, saved;

#if defined(HAVE_DECL_SOCK_CLOEXEC) && HAVE_DECL_SOCK_CLOEXEC
#ifdef SOCK_NONBLOCK
	if (nonblock) {
		type |= SOCK_NONBLOCK;
		nonblock = 0;
	}
#endif
	fd = socket(family, type | SOCK_CLOEXEC, 0);
#else
	fd = socket(family, type, 0);
	if (fd != -1 && sk_set_cloexec(fd) == -1) {
		saved = errno;
		sk_close_fd(fd);
		errno = saved;
		return -1;
	}
#endif
	if (fd == -1)
		return -1;
	if (sk_nosigpipe(fd) == -1 || (nonblock && sk_set_nonblock(fd, 1))) {
		saved = errno;
		sk_close_fd(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* Both ends close-on-exec and free of SIGPIPE, like sk_socket's. */
int
sk_socketpair(int type, int fds[2])
{
	int saved;

#if defined(HAVE_DECL_SOCK_CLOEXEC) && HAVE_DECL_SOCK_CLOEXEC
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, fds) == -1)
		return -1;
#else
	if (socketpair(AF_UNIX, type, 0, fds) == -1)
		return -1;
	if (sk_set_cloexec(fds[0]) == -1 || sk_set_cloexec(fds[1]) == -1)
		goto fail;
#endif
	if (sk_nosigpipe(fds[0]) == -1 || sk_nosigpipe(fds[1]) == -1)
		goto fail;
	return 0;
fail:
	saved = errno;
	sk_close_fd(fds[0]);
	sk_close_fd(fds[1]);
	errno = saved;
	return -1;
}

/*
 * Linux closes the descriptor even when close(2) fails with EINTR, so a
 * retry could close a descriptor another thread just opened: never retry.
 */
void
sk_close_fd(int fd)
{
	int saved = errno;

	if (fd >= 0)
		(void)close(fd);
	errno = saved;
}

/* A short sleep within the deadline; ETIMEDOUT once it has passed. */
static int
sk_pause(int64_t deadline)
{
	int64_t left = deadline < 0 ? 10 : deadline - sk_now_ms();

	if (left <= 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	(void)poll(NULL, 0, left < 10 ? (int)left : 10);
	return 0;
}

/* The error of a connect that poll(2) says has finished. */
static int
sk_connect_result(int fd)
{
	int err = 0;
	socklen_t len = sizeof err;

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

/*
 * Connect fd, which is left blocking.  With a deadline the connect runs
 * non-blocking and completes through poll(2) and SO_ERROR, so that the
 * deadline holds; either way an interrupted connect is finished rather
 * than restarted (restarting gives EALREADY).
 */
int
sk_connect_fd(int fd, const struct sockaddr *sa, socklen_t len,
    int64_t deadline)
{
	int rc, saved;

	/*
	 * No deadline: a plain blocking connect, one system call as raw code
	 * has it; only an interrupted one is finished through poll(2).
	 */
	if (deadline < 0) {
		if ((rc = connect(fd, sa, len)) == -1 && errno == EINTR &&
		    (rc = sk_wait(fd, POLLOUT, -1)) == 0)
			rc = sk_connect_result(fd);
		return rc;
	}
	if (sk_set_nonblock(fd, 1) == -1)
		return -1;
	rc = connect(fd, sa, len);
	/* A Unix listener with a full queue says EAGAIN: ask again. */
	while (rc == -1 && errno == EAGAIN && sa->sa_family == AF_UNIX) {
		if ((rc = sk_pause(deadline)) == 0)
			rc = connect(fd, sa, len);
	}
	if (rc == -1 && (errno == EINPROGRESS || errno == EINTR)) {
		rc = sk_wait(fd, POLLOUT, deadline);
		if (rc == 0)
			rc = sk_connect_result(fd);
	}
	saved = errno;
	if (sk_set_nonblock(fd, 0) == -1 && rc == 0)
		return -1;
	errno = saved;
	return rc;
}

/*
 * Start a connect on the non-blocking fd: 0 if it finished at once,
 * LIBSOCK_WANT_WRITE while it goes on, -1 with errno if it failed.
 */
int
sk_connect_start(int fd, const struct sockaddr *sa, socklen_t len)
{
	if (connect(fd, sa, len) == 0)
		return 0;
	/* An interrupted non-blocking connect goes on as well. */
	if (errno != EINPROGRESS && errno != EINTR)
		return -1;
	errno = EAGAIN;
	return LIBSOCK_WANT_WRITE;
}

/*
 * Where a started connect stands: 0 connected, LIBSOCK_WANT_WRITE still
 * under way, -1 failed with its error.  SO_ERROR alone cannot tell "under
 * way" from "done": getpeername(2) succeeds only once connected.
 */
int
sk_connect_check(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (sk_connect_result(fd) == -1)
		return -1;
	if (getpeername(fd, (struct sockaddr *)&ss, &len) == 0)
		return 0;
	if (errno != ENOTCONN)
		return -1;
	errno = EAGAIN;
	return LIBSOCK_WANT_WRITE;
}

/* Errors accept(2) may return for one connection, not for the listener. */
static int
sk_accept_transient(int err)
{
	switch (err) {
	case ECONNABORTED:
	case EPROTO:
	case EPERM:		/* refused by a firewall rule (Linux) */
#ifdef ENETDOWN
	case ENETDOWN:
#endif
#ifdef ENOPROTOOPT
	case ENOPROTOOPT:
#endif
#ifdef EHOSTDOWN
	case EHOSTDOWN:
#endif
#ifdef ENONET
	case ENONET:
#endif
	case EHOSTUNREACH:
	case EOPNOTSUPP:
	case ENETUNREACH:
		return 1;
	default:
		return 0;
	}
}

static int
sk_accept_once(int lfd, int nonblock, struct sockaddr_storage *peer,
    socklen_t *len)
{
#ifdef HAVE_ACCEPT4
	return accept4(lfd, (struct sockaddr *)peer, len,
	    SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
#else
	int fd, saved;

	if ((fd = accept(lfd, (struct sockaddr *)peer, len)) == -1)
		return -1;
	/* Inherited O_NONBLOCK on the BSDs: set it as asked, close-on-exec. */
	if (sk_set_nonblock(fd, nonblock) == -1 || sk_set_cloexec(fd) == -1 ||
	    sk_nosigpipe(fd) == -1) {
		saved = errno;
		sk_close_fd(fd);
		errno = saved;
		return -1;
	}
	return fd;
#endif
}

/*
 * The reserve a listener keeps for running out of descriptors: a
 * duplicate of the listener itself, which needs no file system.  It is
 * installed only where there is none, so that two threads retaking it
 * at once keep one and close the other; 0 when l has its reserve.
 */
int
sk_spare_take(struct sock *l)
{
	int fd, none = -1;

#ifdef F_DUPFD_CLOEXEC
	fd = fcntl(l->fd, F_DUPFD_CLOEXEC, 0);
#else
	if ((fd = dup(l->fd)) != -1 && sk_set_cloexec(fd) == -1) {
		sk_close_fd(fd);
		fd = -1;
	}
#endif
	if (fd == -1)
		return -1;
	if (!atomic_compare_exchange_strong(&l->spare_fd, &none, fd))
		sk_close_fd(fd);
	return 0;
}

/*
 * A reserve lost (a descriptor opened elsewhere took its place while it
 * was free, by another thread perhaps) is retaken once accept has
 * succeeded, when descriptors are back; without it the next shortage
 * could only be reported, and the queue would keep the listener
 * readable.
 */
static void
sk_spare_check(struct sock *l)
{
	if (atomic_load_explicit(&l->spare_fd, memory_order_relaxed) < 0)
		(void)sk_spare_take(l);
}

/* Waiting connections closed per call: a queue's worth (SOMAXCONN). */
#define SK_SHED_MAX	4096

/*
 * Out of descriptors: free the reserve, accept and close what waits in
 * the queue, take the reserve again.  Left in the queue, those
 * connections would keep the listener readable and an event loop
 * spinning on an accept that cannot succeed.  Returns how many were
 * closed, or -1 when the queue was found empty: Linux says EMFILE before
 * it looks at the queue, so an empty one must read as EAGAIN.
 */
static int
sk_shed(struct sock *l)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, n = 0;

	/*
	 * Threads may accept on one listener: one of them takes the
	 * reserve, the others find none and only report the shortage.
	 */
	if ((fd = atomic_exchange(&l->spare_fd, -1)) < 0)
		return 0;
	sk_close_fd(fd);
	while (n < SK_SHED_MAX) {
		len = sizeof ss;
		if ((fd = sk_accept_once(l->fd, 0, &ss, &len)) == -1) {
			if (errno == EINTR || sk_accept_transient(errno))
				continue;
			if (n == 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				n = -1;
			break;
		}
		sk_close_fd(fd);
		n++;
	}
	(void)sk_spare_take(l);
	return n;
}

/*
 * Accept one connection from the non-blocking listener l; the new
 * descriptor is close-on-exec and blocking unless l is non-blocking, its
 * peer in peer and len.  A non-blocking l never waits (EAGAIN).  Under
 * EMFILE or ENFILE the queue is shed first; errno says which, and
 * *shed how many connections were closed; with nothing waiting it is
 * EAGAIN, or a wait, as without the shortage.
 */
int
sk_accept_fd(struct sock *l, int64_t deadline, struct sockaddr_storage *peer,
    socklen_t *len, int *shed)
{
	socklen_t room = *len;
	int fd, err;

	*shed = 0;
	for (;;) {
		*len = room;
		if ((fd = sk_accept_once(l->fd, l->nonblock, peer, len)) !=
		    -1) {
			sk_spare_check(l);
			return fd;
		}
		err = errno;
		if (err == EINTR || sk_accept_transient(err))
			continue;
		if ((err == EMFILE || err == ENFILE) &&
		    (*shed = sk_shed(l)) >= 0) {
			errno = err;
			return -1;
		}
		if (*shed == -1) {
			*shed = 0;
			err = EAGAIN;
		}
		if (err != EAGAIN && err != EWOULDBLOCK)
			return -1;
		if (l->nonblock) {
			errno = EAGAIN;
			return -1;
		}
		if (sk_wait(l->fd, POLLIN, deadline) == -1)
			return -1;
	}
}
