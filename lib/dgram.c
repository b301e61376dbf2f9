/*
 * dgram.c - the connectionless path: bind, sendto, recvfrom, with
 * truncation reported and IPv4 peers of dual-stack sockets kept IPv4.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <string.h>

#define SK_DGRAM_ROLES \
	(SK_ROLE(LIBSOCK_ROLE_DGRAM) | SK_ROLE(LIBSOCK_ROLE_CONNECTED_DGRAM))

static int
sk_bind_fn(struct sock *s, const struct sock_addr *addr, int64_t deadline)
{
	(void)deadline;
	if (sk_bind(s, addr) == -1)
		return -1;
	s->role = LIBSOCK_ROLE_DGRAM;
	return 0;
}

static const struct sk_setup sk_bind_how = {
	"bind", LIBSOCK_UDP, SK_NEED_DGRAM, SK_APPLY_BOUND, -1, sk_bind_fn,
};

int
sock_bind(struct sock *s, const char *address)
{
	return sk_setup_text(s, &sk_bind_how, address);
}

int
sock_bind_addr(struct sock *s, const struct sock_addr *addr)
{
	return sk_setup_addr(s, &sk_bind_how, addr);
}

/*
 * A source address as received.  Linux gives an unbound Unix sender no
 * address at all; IPv4 peers of a dual-stack socket stay IPv4.
 */
void
sk_dgram_source(const struct sock *s, struct sock_addr *from,
    const struct sockaddr_storage *ss, socklen_t len)
{
	struct sockaddr_storage unnamed;

	if (s->family == AF_UNIX && len < offsetof(struct sockaddr_un,
	    sun_path)) {
		memset(&unnamed, 0, sizeof unnamed);
		unnamed.ss_family = AF_UNIX;
		ss = &unnamed;
		len = offsetof(struct sockaddr_un, sun_path);
	}
	sk_addr_from_sockaddr(from, s->transport, (const struct sockaddr *)ss,
	    len);
	sk_addr_unmap(from);
}

/* The source and the truncation check of a datagram received. */
static ssize_t
sk_dgram_received(struct sock *s, const char *op, ssize_t n, size_t len,
    int truncated, struct sock_addr *from, const struct sockaddr_storage *ss,
    socklen_t sslen)
{
	if (from != NULL)
		sk_dgram_source(s, from, ss, sslen);
	if (!truncated)
		return n;
	if ((size_t)n > len)
		return sk_failx(s, LIBSOCK_ETRUNC, "%s: datagram of %zd bytes "
		    "truncated to %zu", op, n, len);
	return sk_failx(s, LIBSOCK_ETRUNC, "%s: datagram truncated to %zu "
	    "bytes", op, len);
}

#ifdef __linux__
/*
 * Linux: recvfrom(2), cheaper in the kernel than recvmsg(2) by a tenth
 * of a small datagram's cost; MSG_TRUNC makes it return the datagram's
 * real length, so a longer one is seen as truncated.
 */
static ssize_t
sk_recv_plain(struct sock *s, const char *op, void *buf, size_t len,
    struct sock_addr *from)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int64_t deadline = SK_NO_DEADLINE;
	int flags = MSG_TRUNC | (s->tmo.recv >= 0 ? MSG_DONTWAIT : 0), rc;
	ssize_t n;

	for (;;) {
		sslen = sizeof ss;
		if ((n = recvfrom(s->fd, buf, len, flags,
		    (struct sockaddr *)&ss, &sslen)) >= 0)
			return sk_dgram_received(s, op, n, len,
			    (size_t)n > len, from, &ss, sslen);
		if ((rc = sk_io_again(s, POLLIN, s->tmo.recv, &deadline)) != 0)
			return rc < -1 ? rc : sk_fail_io(s, errno, op);
	}
}
#endif

/*
 * Receive one datagram, with ancillary data into ctl when given (*ctllen
 * its room, then its length).  MSG_TRUNC asks Linux for the datagram's
 * real length; elsewhere msg_flags alone says it was cut.
 */
ssize_t
sk_recv_dgram_ctl(struct sock *s, const char *op, void *buf, size_t len,
    struct sock_addr *from, void *ctl, size_t *ctllen)
{
	struct sockaddr_storage ss;
	struct iovec iov;
	struct msghdr msg;
	int flags = 0;
	ssize_t n;

#ifdef __linux__
	if (ctl == NULL)
		return sk_recv_plain(s, op, buf, len, from);
	flags |= MSG_TRUNC;
#endif
	iov.iov_base = buf;
	iov.iov_len = len;
	memset(&msg, 0, sizeof msg);
	msg.msg_name = &ss;
	msg.msg_namelen = sizeof ss;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (ctl != NULL) {
		msg.msg_control = ctl;
		msg.msg_controllen = *ctllen;
	}
	if ((n = sk_recvmsg(s, op, &msg, flags)) < 0)
		return n;
	if (ctl != NULL)
		*ctllen = msg.msg_controllen;
	return sk_dgram_received(s, op, n, len,
	    (msg.msg_flags & MSG_TRUNC) != 0, from, &ss, msg.msg_namelen);
}

ssize_t
sk_recv_dgram(struct sock *s, const char *op, void *buf, size_t len,
    struct sock_addr *from)
{
	return sk_recv_dgram_ctl(s, op, buf, len, from, NULL, NULL);
}

ssize_t
sock_recvfrom(struct sock *s, void *buf, size_t len, struct sock_addr *from)
{
	if (sk_check(s, "recvfrom", SK_DGRAM_ROLES) == -1)
		return -1;
	if (buf == NULL && len > 0)
		return sk_failx(s, EINVAL, "recvfrom: no buffer");
	return sk_recv_dgram(s, "recvfrom", buf, len, from);
}

/* sendto on a new object: an unbound datagram socket for to's family. */
int
sk_dgram_open(struct sock *s, const struct sock_addr *to)
{
	struct sock_addr dst = *to;

	if (dst.transport == 0)
		dst.transport = to->storage.ss_family == AF_UNIX ?
		    LIBSOCK_UNIXGRAM : LIBSOCK_UDP;
	if (sk_open(s, &dst, SK_APPLY_BOUND) == -1)
		return -1;
	s->role = LIBSOCK_ROLE_DGRAM;
	memset(&s->where, 0, sizeof s->where);
	return 0;
}

/* The checks of every call that sends to an address. */
int
sk_sendto_check(struct sock *s, const char *op, const void *buf, size_t len,
    const struct sock_addr *to)
{
	unsigned roles = SK_ROLE(LIBSOCK_ROLE_NEW) | SK_ROLE(LIBSOCK_ROLE_DGRAM);

	if (s != NULL && s->role == LIBSOCK_ROLE_CONNECTED_DGRAM)
		return sk_failx(s, EISCONN, "%s: socket is connected; "
		    "use sock_send", op);
	if (sk_check(s, op, roles) == -1)
		return -1;
	if (buf == NULL && len > 0)
		return sk_failx(s, EINVAL, "%s: no buffer", op);
	if (to == NULL)
		return sk_failx(s, EINVAL, "%s: no destination", op);
	if (to->transport != 0 && sk_is_stream(to->transport))
		return sk_failx(s, EINVAL, "%s: destination is not a "
		    "datagram (udp:// or unixgram:) address", op);
	return 0;
}

ssize_t
sk_sendto_fail(struct sock *s, const char *op, int code,
    const struct sock_addr *to)
{
	char text[LIBSOCK_ADDRSTRLEN];

	if (sock_addr_format(to, text, sizeof text, 0) < 0)
		return sk_fail(s, code, "%s", op);
	return sk_fail(s, code, "%s %s", op, text);
}

ssize_t
sock_sendto(struct sock *s, const void *buf, size_t len,
    const struct sock_addr *to)
{
	struct sock_addr dst;
	int64_t deadline = SK_NO_DEADLINE;
	ssize_t n;
	int rc;

	if (sk_sendto_check(s, "sendto", buf, len, to) == -1)
		return -1;
	if (s->role == LIBSOCK_ROLE_NEW && sk_dgram_open(s, to) == -1)
		return -1;
	if (sk_addr_to_family(to, s->family, &dst) == -1)
		return sk_sendto_fail(s, "sendto", EAFNOSUPPORT, to);
	for (;;) {
		n = sendto(s->fd, buf, len, sk_send_flags(s->tmo.send),
		    (const struct sockaddr *)&dst.storage, dst.len);
		if (n >= 0)
			return n;
		if ((rc = sk_io_again(s, POLLOUT, s->tmo.send, &deadline)) != 0)
			return rc < -1 ? rc :
			    sk_sendto_fail(s, "sendto", errno, to);
	}
}
