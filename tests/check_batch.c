/*
 * check_batch.c - batched datagrams: sock_sendmany and sock_recvmany,
 * UDP segmentation (sock_send_segments, with the kernel's offload and
 * with the fallback forced), GRO on the receiving side
 * (sock_set_gro, sock_recv_segments) and sock_offload.
 *
 * A white-box suite: it reaches struct sock through internal.h to force
 * the fallback of sock_send_segments (s->gso = 0).  Every receiver reads
 * with a receive timeout, so a datagram that never comes fails the test
 * instead of hanging it.  Unix datagram receivers use abstract names
 * that carry the process id, so parallel runs never meet.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/udp.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"	/* struct sock: the gso field */
#include "testutil.h"

#define MAX_V4		65507	/* largest IPv4 UDP payload */
#define WAIT_MS		2000	/* for datagrams that should arrive at once */
#define QUIET_MS	100	/* to show that nothing more arrives */
#define BIG_RCVBUF	(4 * 1024 * 1024)
#define SETTLE_US	50000	/* lets loopback finish delivering */
#define SLOTS		64	/* receive slots of the recvmany tests */
#define SLOT_LEN	1024

/* ---------------------------------------------------------- utilities */

static int
under_valgrind(void)
{
	return getenv("LIBSOCK_UNDER_VALGRIND") != NULL;
}

/*
 * Like tu_assert_took, but valgrind may run a thread or a wake-up late:
 * there only the lower bound and a generous upper one hold.
 */
static void
assert_took(long long ms, int want)
{
	if (!under_valgrind()) {
		tu_assert_took(ms, want);
		return;
	}
	ck_assert_msg(ms >= want * 8 / 10 && ms <= want * 10 + 2000,
	    "took %lld ms, expected %d ms (valgrind)", ms, want);
}

static void
fill(unsigned char *buf, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)((i ^ (i >> 8)) * 31 + seed * 7 + 1);
}

/* Distinct sizes for datagram i of a batch. */
static size_t
dsize(int i)
{
	return 20 + 7 * (size_t)i;
}

/*
 * A call that must fail with want: checks the return, errno and, when s
 * is given, the code recorded on s.
 */
#define FAILS_WITH(s, call, want) do {					\
	ssize_t rc_;							\
	int saved_;							\
	errno = 0;							\
	rc_ = (ssize_t)(call);						\
	saved_ = errno;							\
	check_failure(#call, rc_, saved_, (s), (want));			\
} while (0)

static void
check_failure(const char *what, ssize_t rc, int saved, struct sock *s,
    int want)
{
	ck_assert_msg(rc == -1 && saved == want,
	    "%s: rc %zd, errno %d (%s), want -1 and %d (%s)", what, rc, saved,
	    sock_strerror(saved), want, sock_strerror(want));
	if (s != NULL)
		ck_assert_msg(sock_error_code(s) == want,
		    "%s: recorded %d (%s), want %d", what, sock_error_code(s),
		    sock_error(s), want);
}

static void
assert_same_addr(const struct sock_addr *got, const struct sock_addr *want)
{
	char a[LIBSOCK_ADDRSTRLEN];

	snprintf(a, sizeof a, "%s", tu_addr_text(got));
	ck_assert_msg(sock_addr_compare(got, want) == 0, "address %s, want %s",
	    a, tu_addr_text(want));
}

/* A bound UDP socket that gives up after WAIT_MS rather than hanging. */
static struct sock *
udp_at(const char *address, struct sock_addr *where)
{
	struct sock *s;

	s = tu_bind(address, NULL, 0);
	ck_assert_int_eq(sock_set_timeout(s, WAIT_MS), 0);
	ck_assert_int_eq(sock_transport(s), LIBSOCK_UDP);
	if (where != NULL)
		ck_assert_int_eq(sock_local_addr(s, where), 0);
	return s;
}

static struct sock *
udp(struct sock_addr *where)
{
	return udp_at("udp://127.0.0.1:0", where);
}

/* A UDP socket connected to addr. */
static struct sock *
udp_connected(const struct sock_addr *addr, struct sock_addr *local)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *c;

	ck_assert_int_gt(sock_addr_format(addr, text, sizeof text,
	    LIBSOCK_FORMAT_SCHEME), 0);
	c = tu_connect(text);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTED_DGRAM);
	ck_assert_int_eq(sock_set_timeout(c, WAIT_MS), 0);
	if (local != NULL)
		ck_assert_int_eq(sock_local_addr(c, local), 0);
	return c;
}

/* A unixgram socket bound to an abstract name made of tag. */
static struct sock *
gram(const char *tag, struct sock_addr *where)
{
	char text[128];
	struct sock *s;

	snprintf(text, sizeof text, "unixgram:@libsock-batch-%ld-%s",
	    (long)getpid(), tag);
	s = sock_new();
	ck_assert_ptr_nonnull(s);
	ck_assert_msg(sock_bind(s, text) == 0, "bind %s: %s", text,
	    sock_error(s));
	ck_assert_int_eq(sock_transport(s), LIBSOCK_UNIXGRAM);
	ck_assert_int_eq(sock_set_timeout(s, WAIT_MS), 0);
	if (where != NULL)
		ck_assert_int_eq(sock_local_addr(s, where), 0);
	return s;
}

static void
gram_pair(struct sock **a, struct sock **b)
{
	ck_assert_int_eq(sock_pair(LIBSOCK_UNIXGRAM, a, b), 0);
	ck_assert_int_eq(sock_set_timeout(*a, WAIT_MS), 0);
	ck_assert_int_eq(sock_set_timeout(*b, WAIT_MS), 0);
}

static void
big_rcvbuf(struct sock *s)
{
	ck_assert_msg(sock_set_rcvbuf(s, BIG_RCVBUF) == 0, "%s",
	    sock_error(s));
}

/* Receive one datagram with sock_recvfrom and compare it; tag names it. */
static void
expect_dgram(struct sock *s, const void *want, size_t len,
    const struct sock_addr *from_want, int tag)
{
	static unsigned char buf[65536];
	struct sock_addr from;
	ssize_t n;

	memset(&from, 0, sizeof from);
	n = sock_recvfrom(s, buf, sizeof buf, &from);
	ck_assert_msg(n == (ssize_t)len,
	    "datagram %d: recvfrom gave %zd, want %zu: %s", tag, n, len,
	    n < 0 ? sock_error(s) : "wrong size");
	ck_assert_msg(memcmp(buf, want, len) == 0,
	    "datagram %d: %zu bytes differ", tag, len);
	if (from_want != NULL)
		assert_same_addr(&from, from_want);
}

/* Nothing more is queued on s: a short read times out. */
static void
expect_nothing(struct sock *s)
{
	unsigned char buf[16];
	ssize_t n;

	ck_assert_int_eq(sock_set_recv_timeout(s, QUIET_MS), 0);
	errno = 0;
	n = sock_recvfrom(s, buf, sizeof buf, NULL);
	ck_assert_msg(n == -1 && sock_error_code(s) == ETIMEDOUT,
	    "unexpected datagram: recvfrom gave %zd (%s)", n, sock_error(s));
	ck_assert_int_eq(sock_set_recv_timeout(s, WAIT_MS), 0);
}

/*
 * count datagrams for sock_sendmany: datagram i has dsize(i) bytes filled
 * from seed i and goes to `to` (not set when NULL).  n is preset to a
 * value no call could store, so that the tests see it was set.  Returns
 * the storage of all the bytes, for free().
 */
static unsigned char *
batch_init(struct sock_dgram *d, int count, const struct sock_addr *to)
{
	unsigned char *store;
	size_t total = 0, off = 0;
	int i;

	for (i = 0; i < count; i++)
		total += dsize(i);
	store = malloc(total);
	ck_assert_ptr_nonnull(store);
	memset(d, 0, (size_t)count * sizeof *d);
	for (i = 0; i < count; i++) {
		d[i].buf = store + off;
		d[i].len = dsize(i);
		d[i].n = SIZE_MAX;
		fill(d[i].buf, d[i].len, (unsigned)i);
		if (to != NULL)
			d[i].addr = *to;
		off += d[i].len;
	}
	return store;
}

static void
assert_all_sent(const struct sock_dgram *d, int count)
{
	int i;

	for (i = 0; i < count; i++)
		ck_assert_msg(d[i].n == d[i].len, "d[%d].n = %zu, want %zu", i,
		    d[i].n, d[i].len);
}

/* Receive d[first..last) in order on s. */
static void
expect_batch(struct sock *s, const struct sock_dgram *d, int first, int last,
    const struct sock_addr *from)
{
	int i;

	for (i = first; i < last; i++)
		expect_dgram(s, d[i].buf, d[i].len, from, i);
}

/*
 * Receive buf[0..len) on s as datagrams of segment bytes, the last one
 * shorter, in order and from `from`; then nothing more.  Bounded by the
 * number of datagrams, each waiting at most WAIT_MS.
 */
static void
expect_segments(struct sock *s, const unsigned char *buf, size_t len,
    size_t segment, const struct sock_addr *from)
{
	size_t off;
	int i = 0;

	for (off = 0; off < len; off += segment, i++)
		expect_dgram(s, buf + off, len - off < segment ? len - off :
		    segment, from, i);
	expect_nothing(s);
}

/* Receive slots for sock_recvmany, with outputs preset to garbage. */
struct slots {
	struct sock_dgram	d[SLOTS];
	unsigned char		store[SLOTS][SLOT_LEN];
};

static struct slots *
slots_new(size_t len)
{
	struct slots *sl;
	int i;

	ck_assert_uint_le(len, SLOT_LEN);
	sl = malloc(sizeof *sl);
	ck_assert_ptr_nonnull(sl);
	memset(sl, 0, sizeof *sl);
	for (i = 0; i < SLOTS; i++) {
		sl->d[i].buf = sl->store[i];
		sl->d[i].len = len;
		sl->d[i].n = SIZE_MAX;
		sl->d[i].flags = LIBSOCK_DGRAM_TRUNC;
		memset(&sl->d[i].addr, 0xa5, sizeof sl->d[i].addr);
	}
	return sl;
}

/* Slot i holds datagram `which` of dsize(which) bytes, seed which. */
static void
assert_slot(const struct sock_dgram *d, int i, int which,
    const struct sock_addr *from)
{
	unsigned char want[SLOT_LEN];
	size_t len = dsize(which);

	ck_assert_uint_le(len, sizeof want);
	fill(want, len, (unsigned)which);
	ck_assert_msg(d[i].n == len, "slot %d: n = %zu, want %zu", i, d[i].n,
	    len);
	ck_assert_msg(d[i].flags == 0, "slot %d: flags %#x", i, d[i].flags);
	ck_assert_msg(memcmp(d[i].buf, want, len) == 0,
	    "slot %d: bytes of datagram %d differ", i, which);
	if (from != NULL)
		assert_same_addr(&d[i].addr, from);
}

/* Send datagram i (dsize(i) bytes, seed i) from s to `to`. */
static void
send_numbered(struct sock *s, int i, const struct sock_addr *to)
{
	unsigned char buf[SLOT_LEN];
	size_t len = dsize(i);

	ck_assert_uint_le(len, sizeof buf);
	fill(buf, len, (unsigned)i);
	ck_assert_msg(sock_sendto(s, buf, len, to) == (ssize_t)len,
	    "sendto: %s", sock_error(s));
}

static int
wait_readable(struct sock *s, int ms)
{
	struct pollfd pfd;

	pfd.fd = sock_fd(s);
	pfd.events = POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, ms);
}

/* ----------------------------------------------------------- sendmany */

START_TEST(test_sendmany_hundred_datagrams_arrive_in_order)
{
	struct sock_dgram d[100];
	struct sock *rcv, *snd;
	struct sock_addr raddr, saddr;
	unsigned char *store;
	int n;

	rcv = udp(&raddr);
	big_rcvbuf(rcv);
	snd = udp(&saddr);
	store = batch_init(d, 100, &raddr);
	n = sock_sendmany(snd, d, 100);
	ck_assert_msg(n == 100, "sendmany gave %d: %s", n, sock_error(snd));
	assert_all_sent(d, 100);
	expect_batch(rcv, d, 0, 100, &saddr);
	expect_nothing(rcv);
	free(store);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

START_TEST(test_sendmany_per_datagram_destinations)
{
	struct sock_dgram d[100];
	struct sock *a, *b, *snd;
	struct sock_addr aaddr, baddr, saddr;
	unsigned char *store;
	int i, n;

	a = udp(&aaddr);
	b = udp(&baddr);
	big_rcvbuf(a);
	big_rcvbuf(b);
	snd = udp(&saddr);
	store = batch_init(d, 100, &aaddr);
	for (i = 0; i < 100; i += 3)
		d[i].addr = baddr;
	n = sock_sendmany(snd, d, 100);
	ck_assert_msg(n == 100, "sendmany gave %d: %s", n, sock_error(snd));
	assert_all_sent(d, 100);
	for (i = 0; i < 100; i++)
		expect_dgram(i % 3 == 0 ? b : a, d[i].buf, d[i].len, &saddr, i);
	expect_nothing(a);
	expect_nothing(b);
	free(store);
	sock_free(snd);
	sock_free(b);
	sock_free(a);
}
END_TEST

/*
 * On a connected socket the addresses are ignored: half of them name
 * another receiver, half are empty, and all go to the peer.
 */
START_TEST(test_sendmany_connected_ignores_addresses)
{
	struct sock_dgram d[20];
	struct sock *peer, *other, *c;
	struct sock_addr paddr, oaddr, caddr;
	unsigned char *store;
	int i, n;

	peer = udp(&paddr);
	other = udp(&oaddr);
	c = udp_connected(&paddr, &caddr);
	store = batch_init(d, 20, NULL);
	for (i = 0; i < 20; i += 2)
		d[i].addr = oaddr;
	n = sock_sendmany(c, d, 20);
	ck_assert_msg(n == 20, "sendmany gave %d: %s", n, sock_error(c));
	assert_all_sent(d, 20);
	expect_batch(peer, d, 0, 20, &caddr);
	expect_nothing(peer);
	expect_nothing(other);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTED_DGRAM);
	free(store);
	sock_free(c);
	sock_free(other);
	sock_free(peer);
}
END_TEST

START_TEST(test_sendmany_on_new_object_opens_socket)
{
	struct sock_dgram d[5];
	struct sock *rcv, *s;
	struct sock_addr raddr, local, from;
	unsigned char *store;
	char buf[SLOT_LEN];
	int i, n;

	rcv = udp(&raddr);
	s = sock_new();
	ck_assert_ptr_nonnull(s);
	store = batch_init(d, 5, &raddr);
	n = sock_sendmany(s, d, 5);
	ck_assert_msg(n == 5, "sendmany gave %d: %s", n, sock_error(s));
	assert_all_sent(d, 5);
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_DGRAM);
	ck_assert_int_eq(sock_transport(s), LIBSOCK_UDP);
	ck_assert_int_ge(sock_fd(s), 0);
	ck_assert_int_eq(sock_local_addr(s, &local), 0);
	ck_assert_int_eq(local.storage.ss_family, AF_INET);
	ck_assert_int_gt(sock_addr_port(&local), 0);
	for (i = 0; i < 5; i++) {
		ck_assert_int_eq(sock_recvfrom(rcv, buf, sizeof buf, &from),
		    (ssize_t)d[i].len);
		ck_assert(memcmp(buf, d[i].buf, d[i].len) == 0);
		/* Unbound: 0.0.0.0 locally; the port is what counts. */
		ck_assert_int_eq(sock_addr_port(&from),
		    sock_addr_port(&local));
	}
	/* The socket opened is kept: a second batch leaves from it too. */
	ck_assert_int_eq(sock_sendmany(s, d, 2), 2);
	ck_assert_int_eq(sock_recvfrom(rcv, buf, sizeof buf, &from),
	    (ssize_t)d[0].len);
	ck_assert_int_eq(sock_addr_port(&from), sock_addr_port(&local));
	ck_assert_int_eq(sock_recvfrom(rcv, buf, sizeof buf, &from),
	    (ssize_t)d[1].len);
	expect_nothing(rcv);
	free(store);
	sock_free(s);
	sock_free(rcv);
}
END_TEST

START_TEST(test_sendmany_ipv4_destinations_on_ipv6_socket)
{
	struct sock_dgram d[10];
	struct sock *snd, *r4, *r6;
	struct sock_addr saddr, a4, a6, from;
	unsigned char *store, buf[SLOT_LEN];
	int i, n;

	if (!tu_have_ipv6())
		TU_SKIP("no IPv6 on this host");
	snd = udp_at("udp://*:0", &saddr);
	ck_assert_int_eq(saddr.storage.ss_family, AF_INET6);
	r4 = udp(&a4);
	r6 = udp_at("udp://[::1]:0", &a6);
	store = batch_init(d, 10, &a4);
	for (i = 1; i < 10; i += 2)
		d[i].addr = a6;
	n = sock_sendmany(snd, d, 10);
	ck_assert_msg(n == 10, "sendmany gave %d: %s", n, sock_error(snd));
	assert_all_sent(d, 10);
	for (i = 0; i < 10; i++) {
		struct sock *r = i % 2 == 0 ? r4 : r6;

		ck_assert_int_eq(sock_recvfrom(r, buf, sizeof buf, &from),
		    (ssize_t)d[i].len);
		ck_assert(memcmp(buf, d[i].buf, d[i].len) == 0);
		ck_assert_int_eq(from.storage.ss_family,
		    i % 2 == 0 ? AF_INET : AF_INET6);
		ck_assert_int_eq(sock_addr_port(&from), sock_addr_port(&saddr));
	}
	expect_nothing(r4);
	expect_nothing(r6);
	free(store);
	sock_free(r6);
	sock_free(r4);
	sock_free(snd);
}
END_TEST

/*
 * Bound Unix datagram receivers queue at most net.unix.max_dgram_qlen
 * (10 by default) datagrams: 8 each here.  A socket pair is limited by
 * the send buffer only.
 */
START_TEST(test_sendmany_unixgram)
{
	struct sock_dgram d[30];
	struct sock *a, *b, *snd, *x, *y;
	struct sock_addr aaddr, baddr, saddr;
	unsigned char *store;
	int i, n;

	a = gram("a", &aaddr);
	b = gram("b", &baddr);
	snd = gram("s", &saddr);
	store = batch_init(d, 16, &aaddr);
	for (i = 1; i < 16; i += 2)
		d[i].addr = baddr;
	n = sock_sendmany(snd, d, 16);
	ck_assert_msg(n == 16, "sendmany gave %d: %s", n, sock_error(snd));
	assert_all_sent(d, 16);
	for (i = 0; i < 16; i++)
		expect_dgram(i % 2 == 0 ? a : b, d[i].buf, d[i].len, &saddr,
		    i);
	expect_nothing(a);
	expect_nothing(b);
	free(store);

	/* Connected: a pair, the addresses left empty. */
	gram_pair(&x, &y);
	store = batch_init(d, 30, NULL);
	n = sock_sendmany(x, d, 30);
	ck_assert_msg(n == 30, "sendmany gave %d: %s", n, sock_error(x));
	assert_all_sent(d, 30);
	expect_batch(y, d, 0, 30, NULL);
	expect_nothing(y);
	free(store);
	sock_free(y);
	sock_free(x);
	sock_free(snd);
	sock_free(b);
	sock_free(a);
}
END_TEST

START_TEST(test_sendmany_count_zero_sends_nothing)
{
	struct sock_dgram d[1];
	struct sock *rcv, *snd, *c;
	struct sock_addr raddr;
	unsigned char *store;

	rcv = udp(&raddr);
	snd = udp(NULL);
	store = batch_init(d, 1, &raddr);
	ck_assert_int_eq(sock_sendmany(snd, d, 0), 0);
	ck_assert_int_eq(sock_sendmany(snd, NULL, 0), 0);
	ck_assert_uint_eq(d[0].n, SIZE_MAX);
	c = udp_connected(&raddr, NULL);
	ck_assert_int_eq(sock_sendmany(c, d, 0), 0);
	expect_nothing(rcv);
	free(store);
	sock_free(c);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

/*
 * A non-blocking sender whose receiver does not read: the batch stops
 * where the receiver's queue is full, returning the count sent; the next
 * call, with nothing sendable, is a want code that leaves the recorded
 * error alone.  Unix datagrams are used because a full UDP receiver on
 * loopback drops rather than blocks the sender.
 */
START_TEST(test_sendmany_nonblocking_stops_when_full)
{
	struct sock_dgram d[500];
	struct sock *rcv, *snd;
	struct sock_addr raddr, saddr;
	unsigned char *store;
	char msg[SK_ERRMSG_MAX];
	long long t0;
	int n, rc, saved, code;

	rcv = gram("full-r", &raddr);
	snd = gram("full-s", &saddr);
	ck_assert_int_eq(sock_set_sndbuf(snd, 4096), 0);
	ck_assert_int_eq(sock_set_nonblocking(snd, 1), 0);
	/* An earlier failure stays recorded through the want code. */
	FAILS_WITH(snd, sock_sendmany(snd, NULL, 1), EINVAL);
	snprintf(msg, sizeof msg, "%s", sock_error(snd));
	code = sock_error_code(snd);

	store = batch_init(d, 500, &raddr);
	t0 = tu_now_ms();
	n = sock_sendmany(snd, d, 500);
	ck_assert_msg(n >= 1 && n < 500, "sendmany gave %d: %s", n,
	    sock_error(snd));
	assert_all_sent(d, n);
	ck_assert_uint_eq(d[n].n, SIZE_MAX);

	errno = 0;
	rc = sock_sendmany(snd, d + n, 500 - n);
	saved = errno;
	ck_assert_msg(rc == LIBSOCK_WANT_WRITE, "sendmany gave %d: %s", rc,
	    sock_error(snd));
	ck_assert_int_eq(saved, EAGAIN);
	ck_assert_int_lt(tu_now_ms() - t0, 1000);
	ck_assert_int_eq(sock_error_code(snd), code);
	ck_assert_str_eq(sock_error(snd), msg);

	/* Exactly the n sent are queued, in order. */
	expect_batch(rcv, d, 0, n, &saddr);
	expect_nothing(rcv);

	/* Room again: the rest goes on from where it stopped. */
	rc = sock_sendmany(snd, d + n, 3);
	ck_assert_msg(rc == 3, "sendmany gave %d: %s", rc, sock_error(snd));
	expect_batch(rcv, d, n, n + 3, &saddr);
	free(store);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

/* ----------------------------------------------------------- recvmany */

START_TEST(test_recvmany_takes_everything_queued)
{
	struct slots *sl;
	struct sock *rcv, *a, *b;
	struct sock_addr raddr, aaddr, baddr;
	int i, n;

	rcv = udp(&raddr);
	big_rcvbuf(rcv);
	a = udp(&aaddr);
	b = udp(&baddr);
	for (i = 0; i < 50; i++)
		send_numbered(i % 2 == 0 ? a : b, i, &raddr);
	usleep(SETTLE_US);
	sl = slots_new(SLOT_LEN);
	n = sock_recvmany(rcv, sl->d, SLOTS);
	ck_assert_msg(n == 50, "recvmany gave %d: %s", n, sock_error(rcv));
	for (i = 0; i < 50; i++) {
		assert_slot(sl->d, i, i, i % 2 == 0 ? &aaddr : &baddr);
		ck_assert_int_eq(sl->d[i].addr.transport, LIBSOCK_UDP);
	}
	/* Slots past the count are not touched. */
	ck_assert_uint_eq(sl->d[50].n, SIZE_MAX);
	expect_nothing(rcv);
	free(sl);
	sock_free(b);
	sock_free(a);
	sock_free(rcv);
}
END_TEST

START_TEST(test_recvmany_count_limits_and_rest_stays_queued)
{
	struct slots *sl;
	struct sock *rcv, *a;
	struct sock_addr raddr, aaddr;
	int i, n;

	rcv = udp(&raddr);
	big_rcvbuf(rcv);
	a = udp(&aaddr);
	for (i = 0; i < 25; i++)
		send_numbered(a, i, &raddr);
	usleep(SETTLE_US);
	sl = slots_new(SLOT_LEN);
	n = sock_recvmany(rcv, sl->d, 10);
	ck_assert_msg(n == 10, "recvmany gave %d: %s", n, sock_error(rcv));
	for (i = 0; i < 10; i++)
		assert_slot(sl->d, i, i, &aaddr);
	ck_assert_uint_eq(sl->d[10].n, SIZE_MAX);
	n = sock_recvmany(rcv, sl->d, SLOTS);
	ck_assert_msg(n == 15, "recvmany gave %d: %s", n, sock_error(rcv));
	for (i = 0; i < 15; i++)
		assert_slot(sl->d, i, 10 + i, &aaddr);
	expect_nothing(rcv);
	free(sl);
	sock_free(a);
	sock_free(rcv);
}
END_TEST

START_TEST(test_recvmany_times_out_when_nothing_comes)
{
	struct slots *sl;
	struct sock *rcv, *a;
	struct sock_addr raddr, aaddr;
	long long t0, took;
	int n, saved;

	rcv = udp(&raddr);
	ck_assert_int_eq(sock_set_recv_timeout(rcv, 200), 0);
	sl = slots_new(SLOT_LEN);
	t0 = tu_now_ms();
	errno = 0;
	n = sock_recvmany(rcv, sl->d, SLOTS);
	saved = errno;
	took = tu_now_ms() - t0;
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(saved, ETIMEDOUT);
	ck_assert_int_eq(sock_error_code(rcv), ETIMEDOUT);
	assert_took(took, 200);
	/* Still usable. */
	a = udp(&aaddr);
	send_numbered(a, 3, &raddr);
	ck_assert_int_eq(sock_set_recv_timeout(rcv, WAIT_MS), 0);
	ck_assert_int_eq(sock_recvmany(rcv, sl->d, SLOTS), 1);
	assert_slot(sl->d, 0, 3, &aaddr);
	free(sl);
	sock_free(a);
	sock_free(rcv);
}
END_TEST

START_TEST(test_recvmany_nonblocking_wants_read)
{
	struct slots *sl;
	struct sock *rcv, *a;
	struct sock_addr raddr, aaddr;
	char msg[SK_ERRMSG_MAX], buf[64];
	size_t seg;
	long long t0;
	int n, saved, code;

	rcv = udp(&raddr);
	ck_assert_int_eq(sock_set_recv_timeout(rcv, 5000), 0);
	ck_assert_int_eq(sock_set_nonblocking(rcv, 1), 0);
	sl = slots_new(SLOT_LEN);
	FAILS_WITH(rcv, sock_recvmany(rcv, sl->d, -1), EINVAL);
	snprintf(msg, sizeof msg, "%s", sock_error(rcv));
	code = sock_error_code(rcv);

	/* The receive timeout is the event loop's business: no wait. */
	t0 = tu_now_ms();
	errno = 0;
	n = sock_recvmany(rcv, sl->d, SLOTS);
	saved = errno;
	ck_assert_msg(n == LIBSOCK_WANT_READ, "recvmany gave %d: %s", n,
	    sock_error(rcv));
	ck_assert_int_eq(saved, EAGAIN);
	errno = 0;
	n = (int)sock_recv_segments(rcv, buf, sizeof buf, &seg, NULL);
	saved = errno;
	ck_assert_int_eq(n, LIBSOCK_WANT_READ);
	ck_assert_int_eq(saved, EAGAIN);
	ck_assert_int_lt(tu_now_ms() - t0, 1000);
	ck_assert_int_eq(sock_error_code(rcv), code);
	ck_assert_str_eq(sock_error(rcv), msg);

	a = udp(&aaddr);
	send_numbered(a, 0, &raddr);
	send_numbered(a, 1, &raddr);
	ck_assert_int_eq(wait_readable(rcv, WAIT_MS), 1);
	usleep(SETTLE_US);
	n = sock_recvmany(rcv, sl->d, SLOTS);
	ck_assert_msg(n == 2, "recvmany gave %d: %s", n, sock_error(rcv));
	assert_slot(sl->d, 0, 0, &aaddr);
	assert_slot(sl->d, 1, 1, &aaddr);
	ck_assert_int_eq(sock_recvmany(rcv, sl->d, SLOTS), LIBSOCK_WANT_READ);
	free(sl);
	sock_free(a);
	sock_free(rcv);
}
END_TEST

/* A datagram longer than its slot is cut, flagged, and the rest is fine. */
START_TEST(test_recvmany_truncated_slot_flagged)
{
	struct slots *sl;
	struct sock *rcv, *a;
	struct sock_addr raddr, aaddr;
	unsigned char big[100];
	int n;

	rcv = udp(&raddr);
	a = udp(&aaddr);
	fill(big, sizeof big, 99);
	send_numbered(a, 0, &raddr);		/* 20 bytes */
	ck_assert_int_eq(sock_sendto(a, big, sizeof big, &raddr), 100);
	send_numbered(a, 1, &raddr);		/* 27 bytes */
	usleep(SETTLE_US);
	sl = slots_new(32);
	n = sock_recvmany(rcv, sl->d, 4);
	ck_assert_msg(n == 3, "recvmany gave %d: %s", n, sock_error(rcv));
	assert_slot(sl->d, 0, 0, &aaddr);
	ck_assert_int_eq(sl->d[1].flags, LIBSOCK_DGRAM_TRUNC);
	ck_assert_uint_eq(sl->d[1].n, 32);
	ck_assert_mem_eq(sl->d[1].buf, big, 32);
	assert_same_addr(&sl->d[1].addr, &aaddr);
	assert_slot(sl->d, 2, 1, &aaddr);
	/* Not a failure: nothing is recorded on the socket. */
	ck_assert_int_eq(sock_error_code(rcv), 0);
	expect_nothing(rcv);
	free(sl);
	sock_free(a);
	sock_free(rcv);
}
END_TEST

START_TEST(test_recvmany_dual_stack_reports_ipv4_peers)
{
	struct slots *sl;
	struct sock *rcv, *c4, *c6;
	struct sock_addr raddr, to4, to6, a4, a6;
	char text[64], got[LIBSOCK_ADDRSTRLEN];
	int port, n;

	if (!tu_have_ipv6())
		TU_SKIP("no IPv6 on this host");
	rcv = udp_at("udp://*:0", &raddr);
	ck_assert_int_eq(raddr.storage.ss_family, AF_INET6);
	port = sock_addr_port(&raddr);
	snprintf(text, sizeof text, "udp://127.0.0.1:%d", port);
	ck_assert_int_eq(sock_addr_parse(&to4, text), 0);
	snprintf(text, sizeof text, "udp://[::1]:%d", port);
	ck_assert_int_eq(sock_addr_parse(&to6, text), 0);
	c4 = udp(&a4);
	c6 = udp_at("udp://[::1]:0", &a6);
	send_numbered(c4, 0, &to4);
	send_numbered(c6, 1, &to6);
	usleep(SETTLE_US);
	sl = slots_new(SLOT_LEN);
	n = sock_recvmany(rcv, sl->d, SLOTS);
	ck_assert_msg(n == 2, "recvmany gave %d: %s", n, sock_error(rcv));
	assert_slot(sl->d, 0, 0, &a4);
	ck_assert_int_eq(sl->d[0].addr.storage.ss_family, AF_INET);
	ck_assert_int_gt(sock_addr_format(&sl->d[0].addr, got, sizeof got, 0),
	    0);
	snprintf(text, sizeof text, "127.0.0.1:%d", sock_addr_port(&a4));
	ck_assert_str_eq(got, text);
	assert_slot(sl->d, 1, 1, &a6);
	ck_assert_int_eq(sl->d[1].addr.storage.ss_family, AF_INET6);
	free(sl);
	sock_free(c6);
	sock_free(c4);
	sock_free(rcv);
}
END_TEST

/*
 * A thread that sends one datagram after delay_ms.  Should the receiver
 * still be waiting WAIT_MS later (a batch that waits for more than the
 * first datagram), it sends SLOTS more so that the test fails on the
 * count instead of hanging until the case times out.
 */
struct late_sender {
	struct sock_addr	to;
	int			delay_ms;
	int			sent;		/* bytes sent, or -1 */
	int			rescued;	/* extra datagrams sent */
	int			done;		/* the receiver returned */
	pthread_mutex_t		lock;
};

static int
late_done(struct late_sender *ls)
{
	int done;

	pthread_mutex_lock(&ls->lock);
	done = ls->done;
	pthread_mutex_unlock(&ls->lock);
	return done;
}

static void *
send_late(void *arg)
{
	struct late_sender *ls = arg;
	struct sock *s;
	int i;

	usleep((useconds_t)ls->delay_ms * 1000);
	ls->sent = -1;
	if ((s = sock_new()) == NULL)
		return NULL;
	ls->sent = (int)sock_sendto(s, "late", 4, &ls->to);
	for (i = 0; i < WAIT_MS / 10 && !late_done(ls); i++)
		usleep(10 * 1000);
	for (i = 0; i < SLOTS && !late_done(ls); i++)
		if (sock_sendto(s, "rescue", 6, &ls->to) == 6)
			ls->rescued++;
	sock_free(s);
	return NULL;
}

static void
blocks_until_first(int timeout_ms)
{
	struct late_sender ls;
	struct slots *sl;
	struct sock *rcv;
	pthread_t t;
	long long t0, took;
	int n;

	memset(&ls, 0, sizeof ls);
	rcv = udp(&ls.to);
	ck_assert_int_eq(sock_set_recv_timeout(rcv, timeout_ms), 0);
	ls.delay_ms = 200;
	ck_assert_int_eq(pthread_mutex_init(&ls.lock, NULL), 0);
	sl = slots_new(SLOT_LEN);
	t0 = tu_now_ms();
	tu_spawn_quiet(&t, send_late, &ls);
	n = sock_recvmany(rcv, sl->d, SLOTS);
	took = tu_now_ms() - t0;
	pthread_mutex_lock(&ls.lock);
	ls.done = 1;
	pthread_mutex_unlock(&ls.lock);
	pthread_join(t, NULL);
	pthread_mutex_destroy(&ls.lock);
	ck_assert_int_eq(ls.sent, 4);
	ck_assert_msg(ls.rescued == 0, "recvmany still waited %lld ms after "
	    "the first datagram (gave %d)", took - ls.delay_ms, n);
	ck_assert_msg(n == 1, "recvmany gave %d: %s", n, sock_error(rcv));
	ck_assert_uint_eq(sl->d[0].n, 4);
	ck_assert_mem_eq(sl->d[0].buf, "late", 4);
	ck_assert_int_eq(sl->d[0].flags, 0);
	assert_took(took, 200);
	free(sl);
	sock_free(rcv);
}

/* Without a receive timeout: the call waits for ever, but only for one. */
START_TEST(test_recvmany_blocks_until_first_datagram)
{
	blocks_until_first(-1);
}
END_TEST

START_TEST(test_recvmany_with_timeout_returns_at_first_datagram)
{
	blocks_until_first(5000);
}
END_TEST

/* ------------------------------------------------------- send_segments */

static unsigned char *
pattern(size_t len, unsigned seed)
{
	unsigned char *buf;

	buf = malloc(len);
	ck_assert_ptr_nonnull(buf);
	fill(buf, len, seed);
	return buf;
}

/* send_segments of len bytes in segments from snd to rcv, checked. */
static void
segments_arrive(struct sock *snd, struct sock *rcv, const struct sock_addr *to,
    const struct sock_addr *from, size_t len, size_t segment)
{
	unsigned char *buf;
	ssize_t n;

	buf = pattern(len, (unsigned)(len + segment));
	n = sock_send_segments(snd, buf, len, segment, to);
	ck_assert_msg(n == (ssize_t)len,
	    "send_segments %zu / %zu gave %zd: %s", len, segment, n,
	    sock_error(snd));
	expect_segments(rcv, buf, len, segment, from);
	free(buf);
}

START_TEST(test_send_segments_arrive_as_plain_datagrams)
{
	struct sock *rcv, *snd;
	struct sock_addr raddr, saddr;

	rcv = udp(&raddr);
	big_rcvbuf(rcv);
	snd = udp(&saddr);
	segments_arrive(snd, rcv, &raddr, &saddr, 10000, 1000);
	segments_arrive(snd, rcv, &raddr, &saddr, 1000, 1000);
	segments_arrive(snd, rcv, &raddr, &saddr, 999, 1000);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

START_TEST(test_send_segments_last_one_shorter)
{
	struct sock *rcv, *snd;
	struct sock_addr raddr, saddr;

	rcv = udp(&raddr);
	big_rcvbuf(rcv);
	snd = udp(&saddr);
	segments_arrive(snd, rcv, &raddr, &saddr, 10500, 1000);
	segments_arrive(snd, rcv, &raddr, &saddr, 1001, 1000);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

/* More segments than one system call takes (64). */
START_TEST(test_send_segments_more_than_64)
{
	struct sock *rcv, *snd;
	struct sock_addr raddr, saddr;

	rcv = udp(&raddr);
	big_rcvbuf(rcv);
	snd = udp(&saddr);
	segments_arrive(snd, rcv, &raddr, &saddr, 200 * 100, 100);
	segments_arrive(snd, rcv, &raddr, &saddr, 129 * 100 + 1, 100);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

/*
 * Segments whose sum is more than one IP datagram can carry (65535
 * bytes) must still arrive: a batch is bounded by bytes, not only by
 * count.  Segments of the largest size go one by one.
 */
START_TEST(test_send_segments_large_segments)
{
	struct sock *rcv, *snd;
	struct sock_addr raddr, saddr;

	rcv = udp(&raddr);
	big_rcvbuf(rcv);
	snd = udp(&saddr);
	segments_arrive(snd, rcv, &raddr, &saddr, 3 * 30000, 30000);
	segments_arrive(snd, rcv, &raddr, &saddr, 40 * 2000, 2000);
	segments_arrive(snd, rcv, &raddr, &saddr, MAX_V4 + 10, MAX_V4);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

/* The fallback forced: the receiver sees exactly the same datagrams. */
START_TEST(test_send_segments_fallback_same_datagrams)
{
	struct sock *rcv, *snd;
	struct sock_addr raddr, saddr;

	rcv = udp(&raddr);
	big_rcvbuf(rcv);
	snd = udp(&saddr);
	snd->gso = 0;
	ck_assert_int_eq(sock_offload(snd) & LIBSOCK_OFFLOAD_GSO, 0);
	segments_arrive(snd, rcv, &raddr, &saddr, 10000, 1000);
	segments_arrive(snd, rcv, &raddr, &saddr, 10500, 1000);
	segments_arrive(snd, rcv, &raddr, &saddr, 200 * 100, 100);
	segments_arrive(snd, rcv, &raddr, &saddr, 3 * 30000, 30000);
	ck_assert_int_eq(snd->gso, 0);
	ck_assert_int_eq(sock_offload(snd) & LIBSOCK_OFFLOAD_GSO, 0);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

/*
 * Unix datagrams have no segmentation offload.  A bound receiver queues
 * at most 10 datagrams by default, so 6 go there; the pair takes more.
 */
START_TEST(test_send_segments_unixgram)
{
	struct sock *rcv, *snd, *x, *y;
	struct sock_addr raddr, saddr;

	rcv = gram("seg-r", &raddr);
	snd = gram("seg-s", &saddr);
	ck_assert_int_eq(sock_offload(snd), 0);
	segments_arrive(snd, rcv, &raddr, &saddr, 5500, 1000);
	gram_pair(&x, &y);
	ck_assert_int_eq(sock_offload(x), 0);
	segments_arrive(x, y, NULL, NULL, 10500, 1000);
	sock_free(y);
	sock_free(x);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

START_TEST(test_send_segments_connected_without_address)
{
	struct sock *rcv, *c;
	struct sock_addr raddr, caddr;

	rcv = udp(&raddr);
	big_rcvbuf(rcv);
	c = udp_connected(&raddr, &caddr);
	segments_arrive(c, rcv, NULL, &caddr, 10500, 1000);
	segments_arrive(c, rcv, NULL, &caddr, 200 * 100, 100);
	c->gso = 0;
	segments_arrive(c, rcv, NULL, &caddr, 10500, 1000);
	sock_free(c);
	sock_free(rcv);
}
END_TEST

/*
 * Non-blocking, to a Unix datagram receiver that does not read: whole
 * segments up to where its queue is full, then a want code.
 */
START_TEST(test_send_segments_nonblocking_stops_when_full)
{
	struct sock *rcv, *snd;
	struct sock_addr raddr, saddr;
	unsigned char *buf;
	ssize_t n, rc;
	int saved;

	rcv = gram("segfull-r", &raddr);
	snd = gram("segfull-s", &saddr);
	ck_assert_int_eq(sock_set_sndbuf(snd, 4096), 0);
	ck_assert_int_eq(sock_set_nonblocking(snd, 1), 0);
	buf = pattern(30 * 100, 12);
	n = sock_send_segments(snd, buf, 30 * 100, 100, &raddr);
	ck_assert_msg(n > 0 && n < 30 * 100 && n % 100 == 0,
	    "send_segments gave %zd: %s", n, sock_error(snd));
	errno = 0;
	rc = sock_send_segments(snd, buf + n, (size_t)(30 * 100 - n), 100,
	    &raddr);
	saved = errno;
	ck_assert_msg(rc == LIBSOCK_WANT_WRITE, "send_segments gave %zd: %s",
	    rc, sock_error(snd));
	ck_assert_int_eq(saved, EAGAIN);
	ck_assert_int_eq(sock_error_code(snd), 0);
	expect_segments(rcv, buf, (size_t)n, 100, &saddr);
	free(buf);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

/*
 * Argument errors, none of which sends anything.  Without a destination
 * on an unconnected socket the contract names no code: EDESTADDRREQ (the
 * system's) or EINVAL (a missing argument) are both accepted, and the
 * one seen is printed.
 */
START_TEST(test_send_segments_argument_errors)
{
	struct sock *rcv, *snd, *c, *srv;
	struct sock_addr raddr, saddr;
	unsigned char buf[1000];
	ssize_t n;
	int saved;

	rcv = udp(&raddr);
	snd = udp(&saddr);
	fill(buf, sizeof buf, 5);
	FAILS_WITH(NULL, sock_send_segments(NULL, buf, 100, 10, &raddr),
	    EINVAL);
	FAILS_WITH(snd, sock_send_segments(snd, buf, 100, 0, &raddr), EINVAL);
	FAILS_WITH(snd, sock_send_segments(snd, buf, 100, MAX_V4 + 1, &raddr),
	    EINVAL);
	FAILS_WITH(snd, sock_send_segments(snd, NULL, 100, 10, &raddr),
	    EINVAL);
	/*
	 * No buffer and no bytes: ceil(0 / segment) datagrams, that is none.
	 * The contract's wording allows EINVAL here too; either way nothing
	 * may be sent.
	 */
	errno = 0;
	n = sock_send_segments(snd, NULL, 0, 10, &raddr);
	saved = errno;
	ck_assert_msg(n == 0 || (n == -1 && saved == EINVAL),
	    "no buffer, no bytes: rc %zd, errno %d (%s)", n, saved,
	    sock_strerror(saved));

	errno = 0;
	n = sock_send_segments(snd, buf, 100, 10, NULL);
	saved = errno;
	ck_assert_msg(n == -1 && (saved == EDESTADDRREQ || saved == EINVAL),
	    "no destination: rc %zd, errno %d (%s)", n, saved,
	    sock_strerror(saved));
	ck_assert_int_eq(sock_error_code(snd), saved);
	printf("%s: no destination on an unconnected socket: %s (%s)\n",
	    __func__, saved == EINVAL ? "EINVAL" : "EDESTADDRREQ",
	    sock_error(snd));
	expect_nothing(rcv);

	/* The largest segment is allowed. */
	ck_assert_int_eq(sock_send_segments(snd, buf, 100, MAX_V4, &raddr),
	    100);
	expect_dgram(rcv, buf, 100, &saddr, 0);

	/* Streams are not for datagrams. */
	tu_tcp_pair(&c, &srv);
	FAILS_WITH(c, sock_send_segments(c, buf, 100, 10, NULL), EINVAL);
	sock_free(srv);
	sock_free(c);

	ck_assert_int_eq(sock_close(snd), 0);
	FAILS_WITH(snd, sock_send_segments(snd, buf, 100, 10, &raddr), EBADF);
	expect_nothing(rcv);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

/* ------------------------------------------------------------- offload */

/* Whether this kernel takes UDP_SEGMENT on a UDP socket at all. */
static int
kernel_has_gso(void)
{
#if HAVE_DECL_UDP_SEGMENT
	int fd, size = 1000, ok;

	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return 0;
	ok = setsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &size, sizeof size) ==
	    0;
	close(fd);
	return ok;
#else
	return 0;
#endif
}

START_TEST(test_offload_reports_gso_and_gro)
{
	struct sock *s, *rcv, *c, *srv, *x, *y, *n;
	struct sock_addr raddr;
	int off, gso;

	s = udp(NULL);
	rcv = udp(&raddr);
	off = sock_offload(s);
	ck_assert_msg(off >= 0, "offload: %s", sock_error(s));
	gso = kernel_has_gso();
	if (gso) {
		ck_assert_msg(off & LIBSOCK_OFFLOAD_GSO,
		    "UDP_SEGMENT works here but offload is %#x", off);
		/* Using it keeps it. */
		segments_arrive(s, rcv, &raddr, NULL, 2000, 1000);
		ck_assert_int_ne(sock_offload(s) & LIBSOCK_OFFLOAD_GSO, 0);
	} else {
		printf("NOTE %s: no UDP_SEGMENT here, checking the fallback "
		    "only\n", __func__);
	}
	ck_assert_int_eq(off & LIBSOCK_OFFLOAD_GRO, 0);
	s->gso = 0;
	ck_assert_int_eq(sock_offload(s) & LIBSOCK_OFFLOAD_GSO, 0);

	if (sock_set_gro(s, 1) == 0) {
		ck_assert_int_ne(sock_offload(s) & LIBSOCK_OFFLOAD_GRO, 0);
		ck_assert_int_eq(sock_set_gro(s, 0), 0);
		ck_assert_int_eq(sock_offload(s) & LIBSOCK_OFFLOAD_GRO, 0);
	} else {
		ck_assert_msg(sock_error_code(s) == LIBSOCK_ENOTSUP,
		    "set_gro: %s", sock_error(s));
		printf("NOTE %s: no UDP_GRO here: %s\n", __func__,
		    sock_error(s));
	}

	/* Other sockets have none. */
	tu_tcp_pair(&c, &srv);
	ck_assert_int_eq(sock_offload(c), 0);
	gram_pair(&x, &y);
	ck_assert_int_eq(sock_offload(x), 0);
	n = sock_new();
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(sock_offload(n), 0);
	FAILS_WITH(NULL, sock_offload(NULL), EINVAL);
	ck_assert_int_eq(sock_close(n), 0);
	FAILS_WITH(n, sock_offload(n), EBADF);
	sock_free(n);
	sock_free(y);
	sock_free(x);
	sock_free(srv);
	sock_free(c);
	sock_free(rcv);
	sock_free(s);
}
END_TEST

/* ----------------------------------------------------- GRO and segments */

/* A receiver with GRO on, or NULL (after a note) where there is none. */
static struct sock *
gro_receiver(struct sock_addr *where, const char *test)
{
	struct sock *s;

	s = udp(where);
	big_rcvbuf(s);
	if (sock_set_gro(s, 1) == 0)
		return s;
	ck_assert_msg(sock_error_code(s) == LIBSOCK_ENOTSUP, "set_gro: %s",
	    sock_error(s));
	printf("SKIP %s: no UDP_GRO here: %s\n", test, sock_error(s));
	sock_free(s);
	return NULL;
}

/*
 * Read len bytes sent as segments with sock_recv_segments, in at most
 * len / segment + 1 calls; returns the number of coalesced reads.
 */
static int
gro_collect(struct sock *rcv, const unsigned char *want, size_t len,
    size_t segment, const struct sock_addr *from_want)
{
	static unsigned char buf[65535];
	struct sock_addr from;
	size_t got = 0, seg;
	ssize_t n;
	int calls, coalesced = 0;

	for (calls = 0; calls <= (int)(len / segment) && got < len; calls++) {
		seg = 0;
		memset(&from, 0, sizeof from);
		n = sock_recv_segments(rcv, buf, sizeof buf, &seg, &from);
		ck_assert_msg(n > 0, "recv_segments gave %zd at %zu of %zu: %s",
		    n, got, len, sock_error(rcv));
		ck_assert_msg(got + (size_t)n <= len,
		    "%zd bytes more than the %zu sent", n, len - got);
		ck_assert_msg(memcmp(buf, want + got, (size_t)n) == 0,
		    "bytes %zu..%zu differ", got, got + (size_t)n);
		assert_same_addr(&from, from_want);
		if ((size_t)n > seg) {
			/* Coalesced: whole segments, the last maybe short. */
			ck_assert_uint_eq(seg, segment);
			ck_assert_msg((size_t)n % segment == 0 ||
			    got + (size_t)n == len,
			    "%zd bytes of segments %zu end early", n, seg);
			coalesced++;
		} else {
			ck_assert_uint_eq(seg, (size_t)n);
			ck_assert_msg(seg == segment ||
			    (got + seg == len && seg == len % segment),
			    "datagram of %zu bytes at %zu", seg, got);
		}
		got += (size_t)n;
	}
	ck_assert_uint_eq(got, len);
	expect_nothing(rcv);
	return coalesced;
}

START_TEST(test_recv_segments_with_gro_coalesces)
{
	struct sock *rcv, *snd;
	struct sock_addr raddr, saddr;
	unsigned char *buf;
	int attempt, coalesced = 0;

	if ((rcv = gro_receiver(&raddr, __func__)) == NULL)
		return;
	ck_assert_int_ne(sock_offload(rcv) & LIBSOCK_OFFLOAD_GRO, 0);
	snd = udp(&saddr);
	buf = pattern(24000, 1);
	for (attempt = 0; attempt < 20 && coalesced == 0; attempt++) {
		fill(buf, 24000, (unsigned)attempt);
		ck_assert_msg(sock_send_segments(snd, buf, 24000, 1200,
		    &raddr) == 24000, "send_segments: %s", sock_error(snd));
		coalesced = gro_collect(rcv, buf, 24000, 1200, &saddr);
	}
	if (coalesced == 0)
		printf("NOTE %s: the kernel never coalesced in %d tries\n",
		    __func__, attempt);

	/* A shorter last segment rides along. */
	fill(buf, 10500, 77);
	ck_assert_int_eq(sock_send_segments(snd, buf, 10500, 1000, &raddr),
	    10500);
	(void)gro_collect(rcv, buf, 10500, 1000, &saddr);

	/* Datagrams sent one by one are received right too. */
	snd->gso = 0;
	fill(buf, 6000, 78);
	ck_assert_int_eq(sock_send_segments(snd, buf, 6000, 1200, &raddr),
	    6000);
	(void)gro_collect(rcv, buf, 6000, 1200, &saddr);
	free(buf);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

START_TEST(test_recv_segments_without_gro_one_datagram_each)
{
	static unsigned char in[65535];
	struct sock *rcv, *snd;
	struct sock_addr raddr, saddr, from;
	unsigned char *buf;
	size_t seg, off, want;
	ssize_t n;
	int i;

	rcv = udp(&raddr);
	big_rcvbuf(rcv);
	ck_assert_int_eq(sock_offload(rcv) & LIBSOCK_OFFLOAD_GRO, 0);
	snd = udp(&saddr);
	buf = pattern(5300, 9);
	ck_assert_int_eq(sock_send_segments(snd, buf, 5300, 1000, &raddr),
	    5300);
	for (i = 0, off = 0; i < 6; i++, off += want) {
		want = i < 5 ? 1000 : 300;
		seg = 0;
		memset(&from, 0, sizeof from);
		/* from may be NULL. */
		n = sock_recv_segments(rcv, in, sizeof in, &seg,
		    i == 2 ? NULL : &from);
		ck_assert_msg(n == (ssize_t)want, "call %d gave %zd: %s", i, n,
		    sock_error(rcv));
		ck_assert_uint_eq(seg, want);
		ck_assert(memcmp(in, buf + off, want) == 0);
		if (i != 2)
			assert_same_addr(&from, &saddr);
	}
	expect_nothing(rcv);
	free(buf);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

START_TEST(test_recv_segments_truncation)
{
	struct sock *rcv, *snd;
	struct sock_addr raddr, saddr, from;
	unsigned char *out, in[100];
	size_t seg;
	int saved;

	rcv = udp(&raddr);
	snd = udp(&saddr);
	out = pattern(24000, 4);
	ck_assert_int_eq(sock_sendto(snd, out, 1000, &raddr), 1000);
	errno = 0;
	ck_assert_int_eq(sock_recv_segments(rcv, in, sizeof in, &seg, &from),
	    -1);
	saved = errno;
	ck_assert_int_eq(saved, LIBSOCK_ETRUNC);
	ck_assert_int_eq(sock_error_code(rcv), LIBSOCK_ETRUNC);
	ck_assert_mem_eq(in, out, sizeof in);
	/* The rest of it is gone; the next datagram is whole. */
	ck_assert_int_eq(sock_sendto(snd, "after", 5, &raddr), 5);
	ck_assert_int_eq(sock_recv_segments(rcv, in, sizeof in, &seg, &from),
	    5);
	ck_assert_uint_eq(seg, 5);
	ck_assert_mem_eq(in, "after", 5);
	assert_same_addr(&from, &saddr);
	sock_free(rcv);

	/* With GRO, too small a buffer for a segment (or more). */
	if ((rcv = gro_receiver(&raddr, __func__)) != NULL) {
		ck_assert_int_eq(sock_send_segments(snd, out, 24000, 1200,
		    &raddr), 24000);
		errno = 0;
		ck_assert_int_eq(sock_recv_segments(rcv, in, sizeof in, &seg,
		    NULL), -1);
		saved = errno;
		ck_assert_int_eq(saved, LIBSOCK_ETRUNC);
		ck_assert_int_eq(sock_error_code(rcv), LIBSOCK_ETRUNC);
		ck_assert_mem_eq(in, out, sizeof in);
		sock_free(rcv);
	}
	free(out);
	sock_free(snd);
}
END_TEST

START_TEST(test_set_gro_only_on_udp)
{
	struct sock *n, *c, *srv, *l, *x, *y, *u, *cu, *r;
	struct sock_addr raddr;

	FAILS_WITH(NULL, sock_set_gro(NULL, 1), EINVAL);
	n = sock_new();
	ck_assert_ptr_nonnull(n);
	FAILS_WITH(n, sock_set_gro(n, 1), EINVAL);
	ck_assert_int_eq(sock_role(n), LIBSOCK_ROLE_NEW);
	tu_tcp_pair(&c, &srv);
	FAILS_WITH(c, sock_set_gro(c, 1), EINVAL);
	l = tu_listen("tcp://127.0.0.1:0", NULL, 0);
	FAILS_WITH(l, sock_set_gro(l, 1), EINVAL);
	gram_pair(&x, &y);
	FAILS_WITH(x, sock_set_gro(x, 1), EINVAL);

	/* Bound and connected UDP sockets take it (where the kernel can). */
	r = udp(&raddr);
	u = udp(NULL);
	cu = udp_connected(&raddr, NULL);
	if (sock_set_gro(u, 1) == 0) {
		ck_assert_msg(sock_set_gro(cu, 1) == 0, "%s", sock_error(cu));
		ck_assert_int_ne(sock_offload(cu) & LIBSOCK_OFFLOAD_GRO, 0);
	} else {
		ck_assert_int_eq(sock_error_code(u), LIBSOCK_ENOTSUP);
	}
	ck_assert_int_eq(sock_close(u), 0);
	FAILS_WITH(u, sock_set_gro(u, 1), EBADF);
	sock_free(cu);
	sock_free(u);
	sock_free(r);
	sock_free(y);
	sock_free(x);
	sock_free(l);
	sock_free(srv);
	sock_free(c);
	sock_free(n);
}
END_TEST

/* -------------------------------------------------------------- misuse */

START_TEST(test_sendmany_argument_errors)
{
	struct sock_dgram d[3], t[1];
	struct sock *rcv, *snd, *c, *srv, *l, *n;
	struct sock_addr raddr, tcp;
	unsigned char *store;

	rcv = udp(&raddr);
	snd = udp(NULL);
	store = batch_init(d, 3, &raddr);
	FAILS_WITH(NULL, sock_sendmany(NULL, d, 1), EINVAL);
	FAILS_WITH(snd, sock_sendmany(snd, d, -1), EINVAL);
	FAILS_WITH(snd, sock_sendmany(snd, NULL, 1), EINVAL);
	d[0].buf = NULL;
	FAILS_WITH(snd, sock_sendmany(snd, d, 3), EINVAL);
	ck_assert_uint_eq(d[1].n, SIZE_MAX);
	expect_nothing(rcv);
	/* An empty datagram without a buffer is fine. */
	d[0].len = 0;
	ck_assert_msg(sock_sendmany(snd, d, 2) == 2, "%s", sock_error(snd));
	ck_assert_uint_eq(d[0].n, 0);
	expect_dgram(rcv, "", 0, NULL, 0);
	expect_dgram(rcv, d[1].buf, d[1].len, NULL, 1);

	/* Streams. */
	tu_tcp_pair(&c, &srv);
	FAILS_WITH(c, sock_sendmany(c, d + 1, 1), EINVAL);
	l = tu_listen("tcp://127.0.0.1:0", NULL, 0);
	FAILS_WITH(l, sock_sendmany(l, d + 1, 1), EINVAL);

	/* A NEW object and a TCP address: nothing is created. */
	n = sock_new();
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(sock_addr_parse(&tcp, "tcp://127.0.0.1:9"), 0);
	memset(t, 0, sizeof t);
	t[0].buf = "x";
	t[0].len = 1;
	t[0].addr = tcp;
	FAILS_WITH(n, sock_sendmany(n, t, 1), EINVAL);
	ck_assert_int_eq(sock_role(n), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(n), -1);

	ck_assert_int_eq(sock_close(snd), 0);
	FAILS_WITH(snd, sock_sendmany(snd, d + 1, 1), EBADF);
	expect_nothing(rcv);
	free(store);
	sock_free(n);
	sock_free(l);
	sock_free(srv);
	sock_free(c);
	sock_free(snd);
	sock_free(rcv);
}
END_TEST

START_TEST(test_recvmany_argument_errors)
{
	struct slots *sl;
	struct sock *rcv, *n, *c, *srv;
	struct sock_addr raddr;
	unsigned char buf[64];
	size_t seg;

	rcv = udp(&raddr);
	sl = slots_new(SLOT_LEN);
	FAILS_WITH(NULL, sock_recvmany(NULL, sl->d, 1), EINVAL);
	FAILS_WITH(rcv, sock_recvmany(rcv, sl->d, -1), EINVAL);
	FAILS_WITH(rcv, sock_recvmany(rcv, NULL, 1), EINVAL);
	sl->d[1].buf = NULL;
	FAILS_WITH(rcv, sock_recvmany(rcv, sl->d, 2), EINVAL);
	FAILS_WITH(rcv, sock_recv_segments(rcv, NULL, 10, &seg, NULL), EINVAL);

	n = sock_new();
	ck_assert_ptr_nonnull(n);
	FAILS_WITH(n, sock_recvmany(n, sl->d, 1), EINVAL);
	FAILS_WITH(n, sock_recv_segments(n, buf, sizeof buf, &seg, NULL),
	    EINVAL);
	tu_tcp_pair(&c, &srv);
	FAILS_WITH(c, sock_recvmany(c, sl->d, 1), EINVAL);
	FAILS_WITH(c, sock_recv_segments(c, buf, sizeof buf, &seg, NULL),
	    EINVAL);
	ck_assert_int_eq(sock_close(rcv), 0);
	FAILS_WITH(rcv, sock_recvmany(rcv, sl->d, 1), EBADF);
	FAILS_WITH(rcv, sock_recv_segments(rcv, buf, sizeof buf, &seg, NULL),
	    EBADF);
	free(sl);
	sock_free(srv);
	sock_free(c);
	sock_free(n);
	sock_free(rcv);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("batch");
	TCase *tc;

	tc = tu_tcase("sendmany");
	tcase_add_test(tc, test_sendmany_hundred_datagrams_arrive_in_order);
	tcase_add_test(tc, test_sendmany_per_datagram_destinations);
	tcase_add_test(tc, test_sendmany_connected_ignores_addresses);
	tcase_add_test(tc, test_sendmany_on_new_object_opens_socket);
	tcase_add_test(tc, test_sendmany_ipv4_destinations_on_ipv6_socket);
	tcase_add_test(tc, test_sendmany_unixgram);
	tcase_add_test(tc, test_sendmany_count_zero_sends_nothing);
	tcase_add_test(tc, test_sendmany_nonblocking_stops_when_full);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("recvmany");
	tcase_add_test(tc, test_recvmany_takes_everything_queued);
	tcase_add_test(tc, test_recvmany_count_limits_and_rest_stays_queued);
	tcase_add_test(tc, test_recvmany_times_out_when_nothing_comes);
	tcase_add_test(tc, test_recvmany_nonblocking_wants_read);
	tcase_add_test(tc, test_recvmany_truncated_slot_flagged);
	tcase_add_test(tc, test_recvmany_dual_stack_reports_ipv4_peers);
	tcase_add_test(tc, test_recvmany_blocks_until_first_datagram);
	tcase_add_test(tc,
	    test_recvmany_with_timeout_returns_at_first_datagram);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("segments");
	tcase_add_test(tc, test_send_segments_arrive_as_plain_datagrams);
	tcase_add_test(tc, test_send_segments_last_one_shorter);
	tcase_add_test(tc, test_send_segments_more_than_64);
	tcase_add_test(tc, test_send_segments_large_segments);
	tcase_add_test(tc, test_send_segments_fallback_same_datagrams);
	tcase_add_test(tc, test_send_segments_unixgram);
	tcase_add_test(tc, test_send_segments_connected_without_address);
	tcase_add_test(tc, test_send_segments_nonblocking_stops_when_full);
	tcase_add_test(tc, test_send_segments_argument_errors);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("offload");
	tcase_add_test(tc, test_offload_reports_gso_and_gro);
	tcase_add_test(tc, test_recv_segments_with_gro_coalesces);
	tcase_add_test(tc, test_recv_segments_without_gro_one_datagram_each);
	tcase_add_test(tc, test_recv_segments_truncation);
	tcase_add_test(tc, test_set_gro_only_on_udp);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("misuse");
	tcase_add_test(tc, test_sendmany_argument_errors);
	tcase_add_test(tc, test_recvmany_argument_errors);
	suite_add_tcase(suite, tc);

	return tu_run(suite);
}
