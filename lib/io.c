/*
 * io.c - send and receive on connected sockets: one call, whole
 * transfers, scatter/gather, half-close.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>

#ifndef IOV_MAX
#define IOV_MAX	1024
#endif

#define SK_CONNECTED \
	(SK_ROLE(LIBSOCK_ROLE_ACTIVE) | SK_ROLE(LIBSOCK_ROLE_CONNECTED_DGRAM))

/*
 * Flags for every send: never SIGPIPE, and with a timeout never block in
 * the call itself, only in poll(2).
 */
int
sk_send_flags(int timeout_ms)
{
	int flags = timeout_ms >= 0 ? MSG_DONTWAIT : 0;

#if defined(HAVE_DECL_MSG_NOSIGNAL) && HAVE_DECL_MSG_NOSIGNAL
	flags |= MSG_NOSIGNAL;
#endif
	return flags;
}

static int
sk_recv_flags(int timeout_ms)
{
	return timeout_ms >= 0 ? MSG_DONTWAIT : 0;
}

/*
 * Whether a call that cannot proceed now returns a want code instead of
 * waiting: in non-blocking mode, unless it is a whole transfer, and on a
 * descriptor the caller made non-blocking itself when no timeout is set.
 */
int
sk_nonblocking_now(const struct sock *s, int timeout_ms)
{
	if (timeout_ms == SK_WAIT_FOREVER)
		return 0;
	return s->nonblock || timeout_ms == -1;
}

/* The want code for events, with errno EAGAIN; an edge poller re-arms. */
int
sk_want(struct sock *s, short events)
{
	int in = events & POLLIN;

	sk_poll_rearm(s, in ? LIBSOCK_POLL_IN : LIBSOCK_POLL_OUT);
	errno = EAGAIN;
	return in ? LIBSOCK_WANT_READ : LIBSOCK_WANT_WRITE;
}

/*
 * After an I/O call failed: 0 to call again (EINTR, or readiness came
 * within the timeout), LIBSOCK_WANT_* when the call must not wait (see
 * sk_nonblocking_now), -1 with errno for a failure.  The deadline is
 * armed at the first wait and disarmed by the caller after progress, so
 * the timeout bounds each stretch without progress.  The whole-transfer
 * calls wait even in non-blocking mode: a want code in the middle of a
 * transfer would lose the count of bytes moved.
 */
int
sk_io_again(struct sock *s, short events, int timeout_ms, int64_t *deadline)
{
	if (errno == EINTR)
		return 0;
	if (errno != EAGAIN && errno != EWOULDBLOCK)
		return -1;
	if (sk_nonblocking_now(s, timeout_ms))
		return sk_want(s, events);
	if (*deadline == SK_NO_DEADLINE)
		*deadline = sk_deadline(timeout_ms);
	return sk_wait(s->fd, events, *deadline);
}

static int
sk_check_buf(struct sock *s, const char *op, unsigned roles, const void *buf,
    size_t len)
{
	if (sk_check(s, op, roles) == -1)
		return -1;
	if (buf == NULL && len > 0)
		return sk_failx(s, EINVAL, "%s: no buffer", op);
	return 0;
}

/* What sk_io_again said, as the return value of an I/O call. */
static ssize_t
sk_io_end(struct sock *s, int rc, const char *op)
{
	if (rc < -1)
		return rc;
	return sk_fail_io(s, errno, op);
}

static ssize_t
sk_send_once(struct sock *s, const void *buf, size_t len, int timeout_ms,
    int64_t *deadline)
{
	int flags = sk_send_flags(timeout_ms);
	ssize_t n;
	int rc;

	if (s->tls != NULL)
		return sk_tls_send(s, buf, len, timeout_ms, deadline);
	for (;;) {
		if ((n = send(s->fd, buf, len, flags)) >= 0)
			return n;
		if ((rc = sk_io_again(s, POLLOUT, timeout_ms, deadline)) != 0)
			return sk_io_end(s, rc, "send");
	}
}

ssize_t
sock_send(struct sock *s, const void *buf, size_t len)
{
	int64_t deadline = SK_NO_DEADLINE;

	if (sk_check_buf(s, "send", SK_CONNECTED, buf, len) == -1)
		return -1;
	return sk_send_once(s, buf, len, s->tmo.send, &deadline);
}

static ssize_t
sk_recv_stream(struct sock *s, void *buf, size_t len, int timeout_ms,
    int64_t *deadline)
{
	int flags = sk_recv_flags(timeout_ms);
	ssize_t n;
	int rc;

	if (s->tls != NULL)
		return sk_tls_recv(s, buf, len, timeout_ms, deadline);
	for (;;) {
		if ((n = recv(s->fd, buf, len, flags)) >= 0)
			return n;
		if ((rc = sk_io_again(s, POLLIN, timeout_ms, deadline)) != 0)
			return sk_io_end(s, rc, "recv");
	}
}

ssize_t
sock_recv(struct sock *s, void *buf, size_t len)
{
	int64_t deadline = SK_NO_DEADLINE;

	if (sk_check_buf(s, "recv", SK_CONNECTED, buf, len) == -1)
		return -1;
	if (s->role == LIBSOCK_ROLE_CONNECTED_DGRAM)
		return sk_recv_dgram(s, "recv", buf, len, NULL);
	return sk_recv_stream(s, buf, len, s->tmo.recv, &deadline);
}

ssize_t
sock_send_all(struct sock *s, const void *buf, size_t len)
{
	const char *p = buf;
	int timeout = SK_WHOLE(s != NULL ? s->tmo.send : -1);
	int64_t deadline = SK_NO_DEADLINE;
	size_t done = 0;
	ssize_t n;

	if (sk_check_buf(s, "send_all", SK_CONNECTED, buf, len) == -1)
		return -1;
	if (len > SSIZE_MAX)
		return sk_failx(s, EINVAL, "send_all: length too large");
	if (s->role == LIBSOCK_ROLE_CONNECTED_DGRAM)
		return sk_send_once(s, buf, len, timeout, &deadline);
	while (done < len) {
		if ((n = sk_send_once(s, p + done, len - done, timeout,
		    &deadline)) < 0)
			return n;
		done += (size_t)n;
		deadline = SK_NO_DEADLINE;
	}
	return (ssize_t)len;
}

ssize_t
sock_recv_exact(struct sock *s, void *buf, size_t len)
{
	char *p = buf;
	int timeout = SK_WHOLE(s != NULL ? s->tmo.recv : -1);
	int64_t deadline = SK_NO_DEADLINE;
	size_t done = 0;
	ssize_t n;

	if (sk_check_buf(s, "recv_exact", SK_ROLE(LIBSOCK_ROLE_ACTIVE), buf,
	    len) == -1)
		return -1;
	if (len > SSIZE_MAX)
		return sk_failx(s, EINVAL, "recv_exact: length too large");
	while (done < len) {
		if ((n = sk_recv_stream(s, p + done, len - done, timeout,
		    &deadline)) < 0)
			return n;
		if (n == 0) {
			if (done == 0)
				return 0;
			return sk_failx(s, LIBSOCK_EEOF, "recv_exact: stream "
			    "ended after %zu of %zu bytes", done, len);
		}
		done += (size_t)n;
		deadline = SK_NO_DEADLINE;
	}
	return (ssize_t)len;
}

/* Check an iovec array and sum its lengths without overflow. */
static int
sk_check_iov(struct sock *s, const char *op, const struct iovec *iov,
    int iovcnt, size_t *total)
{
	int i;

	if (sk_check(s, op, SK_CONNECTED) == -1)
		return -1;
	if (iovcnt < 0 || iovcnt > IOV_MAX || (iov == NULL && iovcnt > 0))
		return sk_failx(s, EINVAL, "%s: invalid iovec count %d "
		    "(0 to %d)", op, iovcnt, IOV_MAX);
	*total = 0;
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_base == NULL && iov[i].iov_len > 0)
			return sk_failx(s, EINVAL, "%s: iovec %d has no buffer",
			    op, i);
		if (iov[i].iov_len > SSIZE_MAX - *total)
			return sk_failx(s, EINVAL, "%s: total length too large",
			    op);
		*total += iov[i].iov_len;
	}
	return 0;
}

/* One sendmsg(2), waiting within timeout_ms as the other sends do. */
static ssize_t
sk_sendmsg_wait(struct sock *s, const char *op, const struct msghdr *msg,
    int timeout_ms, int64_t *deadline)
{
	int flags = sk_send_flags(timeout_ms);
	ssize_t n;
	int rc;

	for (;;) {
		if ((n = sendmsg(s->fd, msg, flags)) >= 0)
			return n;
		if ((rc = sk_io_again(s, POLLOUT, timeout_ms, deadline)) != 0)
			return sk_io_end(s, rc, op);
	}
}

ssize_t
sk_sendmsg(struct sock *s, const char *op, const struct msghdr *msg,
    int timeout_ms)
{
	int64_t deadline = SK_NO_DEADLINE;

	return sk_sendmsg_wait(s, op, msg, timeout_ms, &deadline);
}

/* One recvmsg(2) within the receive timeout; flags are added. */
ssize_t
sk_recvmsg(struct sock *s, const char *op, struct msghdr *msg, int flags)
{
	int64_t deadline = SK_NO_DEADLINE;
	ssize_t n;
	int rc;

	flags |= sk_recv_flags(s->tmo.recv);
	for (;;) {
		if ((n = recvmsg(s->fd, msg, flags)) >= 0)
			return n;
		if ((rc = sk_io_again(s, POLLIN, s->tmo.recv, &deadline)) != 0)
			return sk_io_end(s, rc, op);
	}
}

/* The first piece with bytes in it, or NULL. */
static const struct iovec *
sk_iov_first(const struct iovec *iov, int iovcnt)
{
	int i;

	for (i = 0; i < iovcnt; i++)
		if (iov[i].iov_len > 0)
			return &iov[i];
	return NULL;
}

/*
 * TLS has no scatter/gather: one piece per call, which sendv's partial
 * count allows; sendv_all goes on with the rest.
 */
static ssize_t
sk_sendv_once(struct sock *s, const struct iovec *iov, int iovcnt,
    int timeout_ms, int64_t *deadline)
{
	const struct iovec *one;
	struct msghdr msg;

	if (s->tls != NULL) {
		if ((one = sk_iov_first(iov, iovcnt)) == NULL)
			return 0;
		return sk_tls_send(s, one->iov_base, one->iov_len, timeout_ms,
		    deadline);
	}
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = (struct iovec *)(uintptr_t)iov;
	msg.msg_iovlen = iovcnt;
	return sk_sendmsg_wait(s, "sendv", &msg, timeout_ms, deadline);
}

ssize_t
sock_sendv(struct sock *s, const struct iovec *iov, int iovcnt)
{
	int64_t deadline = SK_NO_DEADLINE;
	size_t total;

	if (sk_check_iov(s, "sendv", iov, iovcnt, &total) == -1)
		return -1;
	return sk_sendv_once(s, iov, iovcnt, s->tmo.send, &deadline);
}

ssize_t
sock_recvv(struct sock *s, const struct iovec *iov, int iovcnt)
{
	struct msghdr msg;
	size_t total;
	ssize_t n;

	if (sk_check_iov(s, "recvv", iov, iovcnt, &total) == -1)
		return -1;
	if (s->tls != NULL) {
		int64_t deadline = SK_NO_DEADLINE;
		const struct iovec *one = sk_iov_first(iov, iovcnt);

		return one == NULL ? 0 : sk_tls_recv(s, one->iov_base,
		    one->iov_len, s->tmo.recv, &deadline);
	}
	memset(&msg, 0, sizeof msg);
	msg.msg_iov = (struct iovec *)(uintptr_t)iov;
	msg.msg_iovlen = iovcnt;
	if ((n = sk_recvmsg(s, "recvv", &msg, 0)) < 0)
		return n;
	if (msg.msg_flags & MSG_TRUNC)
		return sk_failx(s, LIBSOCK_ETRUNC, "recvv: datagram truncated "
		    "to %zu bytes", total);
	return n;
}

/* Step past n bytes sent: drop whole iovecs, trim the first one left. */
static void
sk_iov_advance(struct iovec **iov, int *iovcnt, size_t n)
{
	while (*iovcnt > 0 && n >= (*iov)->iov_len) {
		n -= (*iov)->iov_len;
		(*iov)++;
		(*iovcnt)--;
	}
	if (*iovcnt > 0) {
		(*iov)->iov_base = (char *)(*iov)->iov_base + n;
		(*iov)->iov_len -= n;
	}
}

ssize_t
sock_sendv_all(struct sock *s, const struct iovec *iov, int iovcnt)
{
	struct iovec copy[IOV_MAX], *cur = copy;
	int timeout = SK_WHOLE(s != NULL ? s->tmo.send : -1);
	int64_t deadline = SK_NO_DEADLINE;
	size_t total, done = 0;
	ssize_t n;

	if (sk_check_iov(s, "sendv_all", iov, iovcnt, &total) == -1)
		return -1;
	/* The caller's array stays as it was: advance a copy. */
	memcpy(copy, iov, (size_t)iovcnt * sizeof *iov);
	if (s->role == LIBSOCK_ROLE_CONNECTED_DGRAM)
		return sk_sendv_once(s, copy, iovcnt, timeout, &deadline);
	while (done < total) {
		if ((n = sk_sendv_once(s, cur, iovcnt, timeout,
		    &deadline)) < 0)
			return n;
		done += (size_t)n;
		sk_iov_advance(&cur, &iovcnt, (size_t)n);
		deadline = SK_NO_DEADLINE;
	}
	return (ssize_t)total;
}

int
sock_shutdown(struct sock *s, int how)
{
	int rc;

	if (sk_check(s, "shutdown", SK_CONNECTED) == -1)
		return -1;
	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return sk_failx(s, EINVAL, "shutdown: invalid direction %d "
		    "(SHUT_RD, SHUT_WR or SHUT_RDWR)", how);
	/* Over TLS, the end of our stream is a close_notify first. */
	if (how != SHUT_RD && (rc = sk_tls_shutdown(s)) != 0)
		return rc < -1 ? rc : sk_fail_io(s, errno, "shutdown");
	if (shutdown(s->fd, how) == -1)
		return sk_fail_io(s, errno, "shutdown");
	return 0;
}
