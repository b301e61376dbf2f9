/*
 * batch.c - many datagrams per system call: sendmmsg(2)/recvmmsg(2)
 * batches, and UDP segmentation offload (one buffer sent as equal
 * datagrams with UDP_SEGMENT, coalesced receives with UDP_GRO), found at
 * run time, with fallbacks that send exactly the same datagrams.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>

#define SK_BATCH	64	/* datagrams per system call */
#define SK_GSO_SEGS	64	/* segments per UDP_SEGMENT send (Linux) */
#define SK_UDP_MAX	65507	/* largest UDP payload (IPv4) */
#define SK_GSO_REFUSED	(-100)	/* the kernel said no: send one by one */

#define SK_DGRAM_ROLES \
	(SK_ROLE(LIBSOCK_ROLE_DGRAM) | SK_ROLE(LIBSOCK_ROLE_CONNECTED_DGRAM))

#ifdef __linux__
#define SK_RECV_TRUNC	MSG_TRUNC	/* the real length of a long one */
#else
#define SK_RECV_TRUNC	0
#endif

#if defined(HAVE_DECL_UDP_SEGMENT) && HAVE_DECL_UDP_SEGMENT
#define SK_HAVE_GSO	1
#endif
#if defined(HAVE_DECL_UDP_GRO) && HAVE_DECL_UDP_GRO
#define SK_HAVE_GRO	1
#endif

#if !defined(HAVE_SENDMMSG) || !defined(HAVE_RECVMMSG)
/* Where the system has none, the same shape for the loops below. */
struct sk_mmsghdr {
	struct msghdr	msg_hdr;
	unsigned int	msg_len;
};
#define mmsghdr	sk_mmsghdr
#endif

/* One try at vec[0..k): how many went, or -1 with errno if none did. */
static int
sk_mmsg_send_once(int fd, struct mmsghdr *vec, int k, int flags)
{
#ifdef HAVE_SENDMMSG
	return sendmmsg(fd, vec, (unsigned int)k, flags);
#else
	ssize_t n;
	int i;

	for (i = 0; i < k; i++) {
		if ((n = sendmsg(fd, &vec[i].msg_hdr, flags)) == -1)
			return i > 0 ? i : -1;
		vec[i].msg_len = (unsigned int)n;
	}
	return k;
#endif
}

/*
 * Send vec[0..k), waiting as the other sends do.  Returns how many went;
 * fewer than k only when a want code or an error came after some went
 * (the error is met again by the next call); the want code, or -1 with
 * errno, when none went.
 */
static int
sk_mmsg_send(struct sock *s, struct mmsghdr *vec, int k, int64_t *deadline)
{
	int flags = sk_send_flags(s->tmo.send);
	int done = 0, n, rc;

	while (done < k) {
		if ((n = sk_mmsg_send_once(s->fd, vec + done, k - done,
		    flags)) > 0) {
			done += n;
			*deadline = SK_NO_DEADLINE;
			continue;
		}
		if (n == 0)
			break;
		if ((rc = sk_io_again(s, POLLOUT, s->tmo.send, deadline)) != 0)
			return done > 0 ? done : rc;
	}
	return done;
}

/*
 * One try at receiving into vec[0..k).  The first batch of a call waits
 * for one datagram as a receive does, then takes only what is queued
 * (MSG_WAITFORONE); later batches never wait (0 when nothing is left).
 */
static int
sk_mmsg_recv(struct sock *s, struct mmsghdr *vec, int k, int first,
    int64_t *deadline)
{
	int flags = SK_RECV_TRUNC, n, rc;

	if (!first || s->tmo.recv >= 0)
		flags |= MSG_DONTWAIT;
	for (;;) {
#ifdef HAVE_RECVMMSG
		n = recvmmsg(s->fd, vec, (unsigned int)k, flags | MSG_WAITFORONE,
		    NULL);
#else
		ssize_t got;

		for (n = 0; n < k; n++) {
			if ((got = recvmsg(s->fd, &vec[n].msg_hdr,
			    n == 0 ? flags : flags | MSG_DONTWAIT)) == -1)
				break;
			vec[n].msg_len = (unsigned int)got;
		}
		if (n == 0)
			n = -1;
#endif
		if (n >= 0)
			return n;
		if (!first && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if ((rc = sk_io_again(s, POLLIN, s->tmo.recv, deadline)) != 0)
			return rc;
	}
}

/* ------------------------------------------------------------ batches */

static int
sk_batch_check(struct sock *s, const char *op, unsigned roles,
    const struct sock_dgram *d, int count)
{
	if (sk_check(s, op, roles) == -1)
		return -1;
	if (count < 0 || (d == NULL && count > 0))
		return sk_failx(s, EINVAL, "%s: invalid batch (%d datagrams "
		    "at %p)", op, count, (const void *)d);
	return 0;
}

/* Whether d can go out on s: 0, or -1 with the reason recorded. */
static int
sk_sendable(struct sock *s, const struct sock_dgram *d)
{
	struct sock_addr dst;

	if (s->role == LIBSOCK_ROLE_CONNECTED_DGRAM) {
		if (d->buf == NULL && d->len > 0)
			return sk_failx(s, EINVAL, "sendmany: no buffer");
		return 0;
	}
	if (sk_sendto_check(s, "sendmany", d->buf, d->len, &d->addr) == -1)
		return -1;
	if (s->role == LIBSOCK_ROLE_DGRAM &&
	    d->addr.storage.ss_family != s->family &&
	    sk_addr_to_family(&d->addr, s->family, &dst) == -1)
		return (int)sk_sendto_fail(s, "sendmany", EAFNOSUPPORT,
		    &d->addr);
	return 0;
}

/*
 * How many datagrams from the first may be sent.  One that cannot (no
 * buffer, a stream or foreign address) ends the batch before it, as a
 * failed system call would: those before it are sent, and the next
 * call, which starts at it, reports it.  -1 when the first cannot.
 */
static int
sk_sendmany_count(struct sock *s, struct sock_dgram *d, int count)
{
	int n;

	if (sk_batch_check(s, "sendmany", SK_ROLE(LIBSOCK_ROLE_NEW) |
	    SK_DGRAM_ROLES, d, count) == -1)
		return -1;
	if (count == 0)
		return 0;
	if (sk_sendable(s, &d[0]) == -1 || (s->role == LIBSOCK_ROLE_NEW &&
	    sk_dgram_open(s, &d[0].addr) == -1))
		return -1;
	for (n = 1; n < count && sk_sendable(s, &d[n]) == 0; n++)
		;
	return n;
}

/* One header per datagram, each with its buffer and nothing else yet. */
static void
sk_fill_buffers(struct sock_dgram *d, int k, struct mmsghdr *vec,
    struct iovec *iov)
{
	int i;

	memset(vec, 0, (size_t)k * sizeof *vec);
	for (i = 0; i < k; i++) {
		iov[i].iov_base = d[i].buf;
		iov[i].iov_len = d[i].len;
		vec[i].msg_hdr.msg_iov = &iov[i];
		vec[i].msg_hdr.msg_iovlen = 1;
	}
}

/* A batch's headers; destinations of another family converted in conv. */
static void
sk_fill_send(const struct sock *s, struct sock_dgram *d, int k,
    struct mmsghdr *vec, struct iovec *iov, struct sock_addr *conv)
{
	struct msghdr *m;
	int i;

	sk_fill_buffers(d, k, vec, iov);
	if (s->role == LIBSOCK_ROLE_CONNECTED_DGRAM)
		return;
	for (i = 0; i < k; i++) {
		m = &vec[i].msg_hdr;
		if (d[i].addr.storage.ss_family == s->family) {
			m->msg_name = &d[i].addr.storage;
			m->msg_namelen = d[i].addr.len;
		} else {
			(void)sk_addr_to_family(&d[i].addr, s->family,
			    &conv[i]);
			m->msg_name = &conv[i].storage;
			m->msg_namelen = conv[i].len;
		}
	}
}

int
sock_sendmany(struct sock *s, struct sock_dgram *d, int count)
{
	struct mmsghdr vec[SK_BATCH];
	struct iovec iov[SK_BATCH];
	struct sock_addr conv[SK_BATCH];
	int64_t deadline = SK_NO_DEADLINE;
	int done = 0, k, n, i;

	if ((count = sk_sendmany_count(s, d, count)) == -1)
		return -1;
	while (done < count) {
		k = count - done < SK_BATCH ? count - done : SK_BATCH;
		sk_fill_send(s, d + done, k, vec, iov, conv);
		if ((n = sk_mmsg_send(s, vec, k, &deadline)) < 0) {
			if (done > 0)
				break;
			return n < -1 ? n : (int)sk_fail_io(s, errno,
			    "sendmany");
		}
		for (i = 0; i < n; i++)
			d[done + i].n = vec[i].msg_len;
		done += n;
		if (n < k)
			break;
	}
	return done;
}

static void
sk_fill_recv(struct sock_dgram *d, int k, struct mmsghdr *vec,
    struct iovec *iov, struct sockaddr_storage *names)
{
	int i;

	sk_fill_buffers(d, k, vec, iov);
	for (i = 0; i < k; i++) {
		vec[i].msg_hdr.msg_name = &names[i];
		vec[i].msg_hdr.msg_namelen = sizeof names[i];
	}
}

/* Lengths, truncation and sources of the n datagrams received. */
static void
sk_finish_recv(const struct sock *s, struct sock_dgram *d, int n,
    const struct mmsghdr *vec, const struct sockaddr_storage *names)
{
	const struct msghdr *m;
	int i;

	for (i = 0; i < n; i++) {
		m = &vec[i].msg_hdr;
		d[i].flags = 0;
		d[i].n = vec[i].msg_len;
		if ((m->msg_flags & MSG_TRUNC) || d[i].n > d[i].len) {
			d[i].flags |= LIBSOCK_DGRAM_TRUNC;
			d[i].n = d[i].len;
		}
		sk_dgram_source(s, &d[i].addr, &names[i], m->msg_namelen);
	}
}

int
sock_recvmany(struct sock *s, struct sock_dgram *d, int count)
{
	struct mmsghdr vec[SK_BATCH];
	struct iovec iov[SK_BATCH];
	struct sockaddr_storage names[SK_BATCH];
	int64_t deadline = SK_NO_DEADLINE;
	int done = 0, k, n;

	if (sk_batch_check(s, "recvmany", SK_DGRAM_ROLES, d, count) == -1)
		return -1;
	for (k = 0; k < count; k++)
		if (d[k].buf == NULL && d[k].len > 0)
			return sk_failx(s, EINVAL, "recvmany: datagram %d has "
			    "no buffer", k);
	while (done < count) {
		k = count - done < SK_BATCH ? count - done : SK_BATCH;
		sk_fill_recv(d + done, k, vec, iov, names);
		if ((n = sk_mmsg_recv(s, vec, k, done == 0, &deadline)) < 0) {
			if (done > 0)
				break;
			return n < -1 ? n : (int)sk_fail_io(s, errno,
			    "recvmany");
		}
		sk_finish_recv(s, d + done, n, vec, names);
		done += n;
		if (n < k)
			break;
	}
	return done;
}

/* ---------------------------------------------- segmentation offload */

/* Whether UDP_SEGMENT may be used on s: asked of the kernel once. */
static int
sk_gso_ready(struct sock *s)
{
	if (s->transport != LIBSOCK_UDP || s->fd < 0)
		return 0;
#ifdef SK_HAVE_GSO
	if (s->gso == -1) {
		int v;
		socklen_t len = sizeof v;

		s->gso = getsockopt(s->fd, IPPROTO_UDP, UDP_SEGMENT, &v,
		    &len) == 0;
	}
	return s->gso == 1;
#else
	return 0;
#endif
}

#ifdef SK_HAVE_GSO
/*
 * One sendmsg(2) of a whole chunk cut into segments by the kernel.
 * SK_GSO_REFUSED when the kernel will not: a device without checksum
 * offload (EIO) turns it off for the socket; a segment too large for the
 * path (EINVAL, EMSGSIZE) only for this chunk.
 */
static ssize_t
sk_gso_send(struct sock *s, const char *p, size_t chunk, size_t segment,
    const struct sockaddr *sa, socklen_t salen, int64_t *deadline)
{
	union {
		char		buf[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr	align;
	} ctl;
	struct iovec iov;
	struct msghdr msg;
	struct cmsghdr *cm;
	uint16_t size = (uint16_t)segment;
	ssize_t n;
	int rc;

	iov.iov_base = (void *)(uintptr_t)p;
	iov.iov_len = chunk;
	memset(&msg, 0, sizeof msg);
	memset(&ctl, 0, sizeof ctl);
	msg.msg_name = (void *)(uintptr_t)sa;
	msg.msg_namelen = salen;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = sizeof ctl.buf;
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = IPPROTO_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof size);
	memcpy(CMSG_DATA(cm), &size, sizeof size);
	for (;;) {
		if ((n = sendmsg(s->fd, &msg, sk_send_flags(s->tmo.send))) >= 0)
			return n;
		if (errno == EIO || errno == ENOPROTOOPT ||
		    errno == EOPNOTSUPP) {
			s->gso = 0;
			return SK_GSO_REFUSED;
		}
		if (errno == EINVAL || errno == EMSGSIZE)
			return SK_GSO_REFUSED;
		if ((rc = sk_io_again(s, POLLOUT, s->tmo.send, deadline)) != 0)
			return rc;
	}
}
#endif

/* The same datagrams one by one, in one sendmmsg(2) where there is one. */
static ssize_t
sk_split_send(struct sock *s, const char *p, size_t chunk, size_t segment,
    const struct sockaddr *sa, socklen_t salen, int64_t *deadline)
{
	struct mmsghdr vec[SK_BATCH];
	struct iovec iov[SK_BATCH];
	size_t off = 0, sent = 0;
	int k = 0, n, i;

	memset(vec, 0, sizeof vec);
	while (off < chunk && k < SK_BATCH) {
		iov[k].iov_base = (void *)(uintptr_t)(p + off);
		iov[k].iov_len = chunk - off < segment ? chunk - off : segment;
		vec[k].msg_hdr.msg_iov = &iov[k];
		vec[k].msg_hdr.msg_iovlen = 1;
		vec[k].msg_hdr.msg_name = (void *)(uintptr_t)sa;
		vec[k].msg_hdr.msg_namelen = salen;
		off += iov[k].iov_len;
		k++;
	}
	if ((n = sk_mmsg_send(s, vec, k, deadline)) < 0)
		return n;
	for (i = 0; i < n; i++)
		sent += vec[i].msg_len;
	return (ssize_t)sent;
}

static ssize_t
sk_segments_send(struct sock *s, const char *p, size_t chunk,
    size_t segment, const struct sockaddr *sa, socklen_t salen,
    int64_t *deadline)
{
#ifdef SK_HAVE_GSO
	ssize_t n;

	if (chunk > segment && sk_gso_ready(s) &&
	    (n = sk_gso_send(s, p, chunk, segment, sa, salen, deadline)) !=
	    SK_GSO_REFUSED)
		return n;
#endif
	return sk_split_send(s, p, chunk, segment, sa, salen, deadline);
}

static int
sk_segments_check(struct sock *s, const void *buf, size_t len,
    size_t segment, const struct sock_addr *to)
{
	const char *op = "send_segments";

	if (to == NULL) {
		if (sk_check(s, op, SK_ROLE(LIBSOCK_ROLE_NEW) |
		    SK_DGRAM_ROLES) == -1)
			return -1;
		if (s->role != LIBSOCK_ROLE_CONNECTED_DGRAM)
			return sk_failx(s, EDESTADDRREQ, "%s: no destination "
			    "and the socket is not connected", op);
		if (buf == NULL && len > 0)
			return sk_failx(s, EINVAL, "%s: no buffer", op);
	} else if (sk_sendto_check(s, op, buf, len, to) == -1)
		return -1;
	if (segment == 0 || segment > SK_UDP_MAX)
		return sk_failx(s, EINVAL, "%s: segment size %zu (1 to %d)",
		    op, segment, SK_UDP_MAX);
	if (len > SSIZE_MAX)
		return sk_failx(s, EINVAL, "%s: length too large", op);
	return 0;
}

ssize_t
sock_send_segments(struct sock *s, const void *buf, size_t len,
    size_t segment, const struct sock_addr *to)
{
	const char *p = buf;
	struct sock_addr dst;
	const struct sockaddr *sa = NULL;
	socklen_t salen = 0;
	int64_t deadline = SK_NO_DEADLINE;
	size_t done = 0, chunk, per;
	ssize_t n;

	if (sk_segments_check(s, buf, len, segment, to) == -1)
		return -1;
	if (s->role == LIBSOCK_ROLE_NEW && sk_dgram_open(s, to) == -1)
		return -1;
	if (to != NULL) {
		if (sk_addr_to_family(to, s->family, &dst) == -1)
			return sk_sendto_fail(s, "send_segments", EAFNOSUPPORT,
			    to);
		sa = (const struct sockaddr *)&dst.storage;
		salen = dst.len;
	}
	/* One call carries at most 64 segments and one UDP payload. */
	per = SK_UDP_MAX / segment;
	per = per < 1 ? 1 : per > SK_GSO_SEGS ? SK_GSO_SEGS : per;
	while (done < len) {
		chunk = len - done < per * segment ? len - done : per * segment;
		if ((n = sk_segments_send(s, p + done, chunk, segment, sa,
		    salen, &deadline)) < 0) {
			if (done > 0)
				break;
			if (n < -1)
				return n;
			return to != NULL ?
			    sk_sendto_fail(s, "send_segments", errno, to) :
			    sk_fail_io(s, errno, "send_segments");
		}
		done += (size_t)n;
		deadline = SK_NO_DEADLINE;
		if ((size_t)n < chunk)
			break;
	}
	return (ssize_t)done;
}

/* The segment size GRO reported with a coalesced receive, or 0. */
static size_t
sk_gro_size(void *ctl, size_t ctllen)
{
#ifdef SK_HAVE_GRO
	struct msghdr msg;
	struct cmsghdr *cm;
	int size;

	memset(&msg, 0, sizeof msg);
	msg.msg_control = ctl;
	msg.msg_controllen = ctllen;
	for (cm = CMSG_FIRSTHDR(&msg); cm != NULL; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == IPPROTO_UDP &&
		    cm->cmsg_type == UDP_GRO) {
			memcpy(&size, CMSG_DATA(cm), sizeof size);
			return size > 0 ? (size_t)size : 0;
		}
#else
	(void)ctl;
	(void)ctllen;
#endif
	return 0;
}

ssize_t
sock_recv_segments(struct sock *s, void *buf, size_t len, size_t *segment,
    struct sock_addr *from)
{
	union {
		char		buf[CMSG_SPACE(sizeof(int)) * 2];
		struct cmsghdr	align;
	} ctl;
	size_t ctllen = sizeof ctl.buf, size;
	ssize_t n;

	if (sk_check(s, "recv_segments", SK_DGRAM_ROLES) == -1)
		return -1;
	if (buf == NULL && len > 0)
		return sk_failx(s, EINVAL, "recv_segments: no buffer");
	if (segment == NULL)
		return sk_failx(s, EINVAL, "recv_segments: no place for the "
		    "segment size");
	if ((n = sk_recv_dgram_ctl(s, "recv_segments", buf, len, from,
	    ctl.buf, &ctllen)) < 0)
		return n;
	size = sk_gro_size(ctl.buf, ctllen);
	*segment = size > 0 && size < (size_t)n ? size : (size_t)n;
	return n;
}

int
sock_set_gro(struct sock *s, int on)
{
	if (sk_check(s, "set gro", SK_DGRAM_ROLES) == -1)
		return -1;
	if (s->transport != LIBSOCK_UDP)
		return sk_failx(s, EINVAL, "set gro: not a UDP socket");
#ifdef SK_HAVE_GRO
	on = on != 0;
	if (setsockopt(s->fd, IPPROTO_UDP, UDP_GRO, &on, sizeof on) == -1) {
		if (errno == ENOPROTOOPT || errno == EINVAL ||
		    errno == EOPNOTSUPP)
			return sk_failx(s, LIBSOCK_ENOTSUP, "set gro: %s "
			    "(the kernel has no UDP GRO)",
			    sock_strerror(LIBSOCK_ENOTSUP));
		return sk_fail(s, errno, "set gro");
	}
	s->gro = on;
	return 0;
#else
	(void)on;
	return sk_failx(s, LIBSOCK_ENOTSUP, "set gro: %s (no UDP GRO here)",
	    sock_strerror(LIBSOCK_ENOTSUP));
#endif
}

int
sock_offload(struct sock *s)
{
	unsigned open = ~SK_ROLE(LIBSOCK_ROLE_CLOSED);
	int r = 0;

	if (sk_check(s, "offload", open) == -1)
		return -1;
	if (sk_gso_ready(s))
		r |= LIBSOCK_OFFLOAD_GSO;
	if (s->gro)
		r |= LIBSOCK_OFFLOAD_GRO;
	return r;
}
