/*
 * check_io.c - stream I/O on a connected pair: whole transfers, vectors,
 * end of stream, signals, resets, half-close, timeouts, non-blocking use.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#ifndef IOV_MAX
#define IOV_MAX		1024
#endif

#define BIG		(8 * 1024 * 1024)
#define SMALL_BUF	4096

/* A pattern with no short period, so a lost or doubled byte shows. */
static unsigned char *
pattern(size_t len)
{
	unsigned char *p;
	size_t i;

	p = malloc(len);
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < len; i++)
		p[i] = (unsigned char)(i ^ (i >> 8) ^ (i >> 16) ^ 0x5a);
	return p;
}

/* ------------------------------------------------------------ peers */

/* Reads want bytes in random small chunks, pausing now and then. */
/* Writes len bytes in random chunks, pausing now and then. */
struct writer {
	struct sock		*s;
	const unsigned char	*buf;
	size_t			 len;
	useconds_t		 delay;		/* before the first byte */
	int			 err;
	unsigned		 seed;
};

static void *
paced_writer(void *arg)
{
	struct writer *w = arg;
	size_t off = 0, chunk;
	unsigned writes = 0;

	if (w->delay > 0)
		usleep(w->delay);
	while (off < w->len) {
		chunk = 1 + (size_t)rand_r(&w->seed) % 8192;
		if (chunk > w->len - off)
			chunk = w->len - off;
		if (sock_send_all(w->s, w->buf + off, chunk) !=
		    (ssize_t)chunk) {
			w->err = sock_error_code(w->s);
			break;
		}
		off += chunk;
		if (++writes % 64 == 0)
			usleep(1000);
	}
	return NULL;
}

static void
writer_init(struct writer *w, struct sock *s, const void *buf, size_t len)
{
	memset(w, 0, sizeof *w);
	w->s = s;
	w->buf = buf;
	w->len = len;
	w->seed = 54321;
}

/* ------------------------------------------------------------ transfers */

START_TEST(test_send_all_8mib_small_sndbuf_slow_reader)
{
	struct sock *c, *s;
	struct tu_reader r;
	unsigned char *data;

	data = pattern(BIG);
	tu_tcp_pair(&c, &s);
	ck_assert_int_eq(sock_set_sndbuf(c, SMALL_BUF), 0);
	tu_reader_start(&r, s, data, BIG);
	ck_assert_msg(sock_send_all(c, data, BIG) == BIG, "send_all: %s",
	    sock_error(c));
	tu_reader_check(&r);
	sock_free(s);
	sock_free(c);
	free(data);
}
END_TEST

/* recv_exact collects pieces that arrive apart. */
START_TEST(test_recv_exact_collects_pieces)
{
	struct sock *c, *s;
	struct writer w;
	unsigned char *data, buf[5000];
	pthread_t t;

	data = pattern(sizeof buf);
	tu_tcp_pair(&c, &s);
	writer_init(&w, s, data, sizeof buf);
	w.delay = 20 * 1000;
	tu_spawn_quiet(&t, paced_writer, &w);
	ck_assert_int_eq(sock_recv_exact(c, buf, sizeof buf), sizeof buf);
	pthread_join(t, NULL);
	ck_assert_int_eq(w.err, 0);
	ck_assert_mem_eq(buf, data, sizeof buf);
	sock_free(s);
	sock_free(c);
	free(data);
}
END_TEST

START_TEST(test_recv_exact_eof_before_first_byte_returns_0)
{
	struct sock *c, *s;
	char buf[10];

	tu_tcp_pair(&c, &s);
	sock_free(s);
	ck_assert_int_eq(sock_recv_exact(c, buf, sizeof buf), 0);
	sock_free(c);
}
END_TEST

START_TEST(test_recv_exact_eof_midway_is_eeof)
{
	struct sock *c, *s;
	char buf[10];
	int saved;

	tu_tcp_pair(&c, &s);
	ck_assert_int_eq(sock_send_all(s, "abc", 3), 3);
	sock_free(s);
	memset(buf, 0, sizeof buf);
	errno = 0;
	ck_assert_int_eq(sock_recv_exact(c, buf, sizeof buf), -1);
	saved = errno;
	ck_assert_int_eq(saved, LIBSOCK_EEOF);
	ck_assert_int_eq(sock_error_code(c), LIBSOCK_EEOF);
	ck_assert_mem_eq(buf, "abc", 3);
	sock_free(c);
}
END_TEST

START_TEST(test_recv_exact_needs_a_stream)
{
	struct sock *u, *c;
	char text[LIBSOCK_ADDRSTRLEN], buf[4];

	u = tu_bind("udp://127.0.0.1:0", text, sizeof text);
	c = tu_connect(text);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTED_DGRAM);
	ck_assert_int_eq(sock_recv_exact(c, buf, sizeof buf), -1);
	ck_assert_int_eq(sock_error_code(c), EINVAL);
	sock_free(c);
	sock_free(u);
}
END_TEST

START_TEST(test_zero_length_send_and_recv)
{
	struct sock *c, *s;
	char buf[8];

	tu_tcp_pair(&c, &s);
	ck_assert_int_eq(sock_send(c, "x", 0), 0);
	ck_assert_int_eq(sock_send(c, NULL, 0), 0);
	ck_assert_int_eq(sock_send_all(c, "x", 0), 0);
	ck_assert_int_eq(sock_send(c, NULL, 1), -1);
	ck_assert_int_eq(sock_error_code(c), EINVAL);
	ck_assert_int_eq(sock_send_all(c, "abc", 3), 3);
	/*
	 * Empty receives with data waiting (with none, recv(2) of 0 bytes
	 * on Linux TCP waits for data) take nothing from the stream.
	 */
	ck_assert_int_eq(sock_recv_exact(s, buf, 1), 1);
	ck_assert_int_eq(sock_recv(s, buf + 1, 0), 0);
	ck_assert_int_eq(sock_recv_exact(s, buf + 1, 0), 0);
	ck_assert_int_eq(sock_recv_exact(s, buf + 1, 2), 2);
	ck_assert_mem_eq(buf, "abc", 3);
	/* With nothing queued, recv_exact of 0 bytes still returns at once. */
	ck_assert_int_eq(sock_recv_exact(s, buf, 0), 0);
	sock_free(s);
	sock_free(c);
}
END_TEST

/* ------------------------------------------------------------ vectors */

START_TEST(test_sendv_recvv_header_body_trailer)
{
	struct sock *c, *s;
	char hdr[4] = "HDR:", body[16] = "0123456789abcdef", trl[2] = "\r\n";
	char h[4], b[16], t[2];
	struct iovec out[3] = {
		{ hdr, sizeof hdr }, { body, sizeof body }, { trl, sizeof trl }
	};
	struct iovec in[3] = {
		{ h, sizeof h }, { b, sizeof b }, { t, sizeof t }
	};

	tu_tcp_pair(&c, &s);
	ck_assert_int_eq(sock_sendv(c, out, 3), 22);
	ck_assert_int_eq(sock_recvv(s, in, 3), 22);
	ck_assert_mem_eq(h, hdr, sizeof h);
	ck_assert_mem_eq(b, body, sizeof b);
	ck_assert_mem_eq(t, trl, sizeof t);

	/* And the whole-transfer variant. */
	memset(h, 0, sizeof h);
	memset(b, 0, sizeof b);
	memset(t, 0, sizeof t);
	ck_assert_int_eq(sock_sendv_all(s, out, 3), 22);
	ck_assert_int_eq(sock_recv_exact(c, h, sizeof h), 4);
	ck_assert_int_eq(sock_recv_exact(c, b, sizeof b), 16);
	ck_assert_int_eq(sock_recv_exact(c, t, sizeof t), 2);
	ck_assert_mem_eq(h, hdr, sizeof h);
	ck_assert_mem_eq(b, body, sizeof b);
	ck_assert_mem_eq(t, trl, sizeof t);
	sock_free(s);
	sock_free(c);
}
END_TEST

static void
assert_einval(struct sock *s, ssize_t rc)
{
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(sock_error_code(s), EINVAL);
}

START_TEST(test_vector_counts_checked)
{
	struct sock *c, *s;
	struct iovec *many;
	char byte = 'x', buf[4];
	int i;

	tu_tcp_pair(&c, &s);
	many = calloc(IOV_MAX + 1, sizeof *many);
	ck_assert_ptr_nonnull(many);
	for (i = 0; i < IOV_MAX + 1; i++) {
		many[i].iov_base = &byte;
		many[i].iov_len = 1;
	}
	/* No vectors: nothing to do, not an error. */
	ck_assert_int_eq(sock_sendv(c, many, 0), 0);
	ck_assert_int_eq(sock_sendv_all(c, many, 0), 0);
	ck_assert_int_eq(sock_sendv(c, NULL, 0), 0);
	assert_einval(c, sock_sendv(c, many, IOV_MAX + 1));
	assert_einval(c, sock_sendv_all(c, many, IOV_MAX + 1));
	assert_einval(s, sock_recvv(s, many, IOV_MAX + 1));
	assert_einval(c, sock_sendv(c, many, -1));
	assert_einval(c, sock_sendv_all(c, many, -1));
	assert_einval(s, sock_recvv(s, many, -1));
	assert_einval(c, sock_sendv(c, NULL, 1));
	assert_einval(c, sock_sendv_all(c, NULL, 1));
	assert_einval(s, sock_recvv(s, NULL, 1));
	/* Exactly IOV_MAX is allowed. */
	ck_assert_int_eq(sock_sendv_all(c, many, IOV_MAX), IOV_MAX);
	for (i = 0; i < IOV_MAX / 4; i++) {
		ck_assert_int_eq(sock_recv_exact(s, buf, 4), 4);
		ck_assert_mem_eq(buf, "xxxx", 4);
	}
	free(many);
	sock_free(s);
	sock_free(c);
}
END_TEST

/*
 * Many small pieces from scattered places, through a tiny send buffer:
 * sendmsg stops inside a piece again and again and the rest must follow.
 */
START_TEST(test_sendv_all_many_small_iovecs_tiny_sndbuf)
{
	enum { PIECES = 1000, REPEAT = 16 };
	struct sock *c, *s;
	struct iovec iov[PIECES], copy[PIECES];
	unsigned char *src, *expect;
	struct tu_reader r;
	size_t off = 0, total = 0, len, round;
	unsigned seed = 99;
	int i;

	src = pattern(PIECES * 1024);
	expect = malloc(PIECES * 512 * REPEAT);
	ck_assert_ptr_nonnull(expect);
	for (i = 0; i < PIECES; i++) {
		len = 1 + (size_t)rand_r(&seed) % 511;
		iov[i].iov_base = src + off;
		iov[i].iov_len = len;
		memcpy(expect + total, src + off, len);
		total += len;
		off += len + 1 + (size_t)rand_r(&seed) % 300;	/* a gap */
	}
	for (round = 1; round < REPEAT; round++)
		memcpy(expect + round * total, expect, total);
	memcpy(copy, iov, sizeof iov);

	tu_tcp_pair(&c, &s);
	ck_assert_int_eq(sock_set_sndbuf(c, SMALL_BUF), 0);
	tu_reader_start(&r, s, expect, total * REPEAT);
	for (round = 0; round < REPEAT; round++)
		ck_assert_msg(sock_sendv_all(c, iov, PIECES) == (ssize_t)total,
		    "sendv_all: %s", sock_error(c));
	tu_reader_check(&r);
	ck_assert_msg(memcmp(copy, iov, sizeof iov) == 0,
	    "sendv_all changed the caller's iovec array");
	sock_free(s);
	sock_free(c);
	free(expect);
	free(src);
}
END_TEST

/* ------------------------------------------------------------ signals */

START_TEST(test_signal_storm_during_8mib_transfers)
{
	struct sock *c, *s;
	struct tu_reader r;
	struct writer w;
	unsigned char *data, *in;
	pthread_t t;
	ssize_t rc;
	int sent_alarms;

	data = pattern(BIG);
	in = malloc(BIG);
	ck_assert_ptr_nonnull(in);
	tu_tcp_pair(&c, &s);
	/*
	 * A small send buffer makes the sender block often.  (Receive
	 * buffers are left alone: shrunk after the handshake, they make the
	 * kernel drop segments and wait for retransmission.)
	 */
	ck_assert_int_eq(sock_set_sndbuf(c, SMALL_BUF), 0);

	/* We send, interrupted; a slow peer reads. */
	tu_reader_start(&r, s, data, BIG);
	tu_storm_start();
	rc = sock_send_all(c, data, BIG);
	tu_storm_stop();
	sent_alarms = tu_storm_alarms();
	tu_reader_check(&r);
	ck_assert_msg(rc == BIG, "send_all: %s", sock_error(c));
	ck_assert_int_gt(sent_alarms, 0);

	/* We receive, interrupted; a paced peer writes. */
	writer_init(&w, s, data, BIG);
	tu_spawn_quiet(&t, paced_writer, &w);
	tu_storm_start();
	rc = sock_recv_exact(c, in, BIG);
	tu_storm_stop();
	pthread_join(t, NULL);
	ck_assert_msg(rc == BIG, "recv_exact: %s", sock_error(c));
	ck_assert_int_eq(w.err, 0);
	ck_assert(memcmp(in, data, BIG) == 0);
	ck_assert_int_gt(tu_storm_alarms(), 0);
	sock_free(s);
	sock_free(c);
	free(in);
	free(data);
}
END_TEST

/* A blocked receive, interrupted many times, returns the late data. */
static void
storm_recv(int timeout_ms)
{
	struct sock *c, *s;
	struct writer w;
	pthread_t t;
	char buf[16];
	ssize_t n;

	tu_tcp_pair(&c, &s);
	if (timeout_ms >= 0)
		ck_assert_int_eq(sock_set_recv_timeout(c, timeout_ms), 0);
	writer_init(&w, s, "late", 4);
	w.delay = 150 * 1000;
	tu_spawn_quiet(&t, paced_writer, &w);
	tu_storm_start();
	n = sock_recv(c, buf, sizeof buf);
	tu_storm_stop();
	pthread_join(t, NULL);
	ck_assert_msg(n == 4, "recv gave %zd: %s", n, sock_error(c));
	ck_assert_mem_eq(buf, "late", 4);
	ck_assert_int_eq(w.err, 0);
	/* The peer waited 150 ms: that is many periods. */
	ck_assert_int_gt(tu_storm_alarms(),
	    tu_storm_period_us() == 1000 ? 10 : 2);
	sock_free(s);
	sock_free(c);
}

START_TEST(test_signal_storm_during_blocking_recv)
{
	storm_recv(-1);
}
END_TEST

START_TEST(test_signal_storm_during_timed_recv)
{
	storm_recv(3000);
}
END_TEST

/* ------------------------------------------------------------ peers leaving */

static ssize_t
write_some(struct sock *c, int how, const unsigned char *buf, size_t len)
{
	struct iovec iov[2] = {
		{ (void *)(uintptr_t)buf, len / 2 },
		{ (void *)(uintptr_t)(buf + len / 2), len - len / 2 }
	};

	switch (how) {
	case 0:
		return sock_send(c, buf, len);
	case 1:
		return sock_send_all(c, buf, len);
	case 2:
		return sock_sendv(c, iov, 2);
	default:
		return sock_sendv_all(c, iov, 2);
	}
}

/*
 * The peer half-closes, then closes with an empty receive queue; we keep
 * writing.  With SIGPIPE at SIG_DFL a raised SIGPIPE would kill this
 * process and fail the test.
 */
static void
write_to_closed_peer(int how)
{
	struct sock *c, *s;
	unsigned char buf[65536];
	sigset_t set;
	ssize_t rc = 0;
	int i, code;

	ck_assert(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	memset(buf, 'p', sizeof buf);
	tu_tcp_pair(&c, &s);
	ck_assert_int_eq(sock_shutdown(s, SHUT_WR), 0);
	ck_assert_int_eq(sock_recv(c, buf, 1), 0);
	sock_free(s);
	for (i = 0; i < 200; i++) {
		rc = write_some(c, how, buf, sizeof buf);
		if (rc == -1)
			break;
		usleep(1000);
	}
	ck_assert_msg(rc == -1, "writes to a closed peer kept succeeding");
	code = sock_error_code(c);
	ck_assert_msg(code == EPIPE || code == ECONNRESET, "error %s",
	    sock_error(c));
	sock_free(c);
}

START_TEST(test_no_sigpipe_on_closed_peer)
{
	write_to_closed_peer(_i);
}
END_TEST

struct resetter {
	struct sock	*c;
	int		 rc;
};

static void *
reset_later(void *arg)
{
	struct resetter *rs = arg;
	struct linger lg = { 1, 0 };

	usleep(100 * 1000);
	rs->rc = setsockopt(sock_fd(rs->c), SOL_SOCKET, SO_LINGER, &lg,
	    sizeof lg);
	sock_close(rs->c);
	return NULL;
}

static void
echo_pair(struct sock *c, struct sock *s)
{
	char buf[4];

	ck_assert_int_eq(sock_send_all(c, "ping", 4), 4);
	ck_assert_int_eq(sock_recv_exact(s, buf, 4), 4);
	ck_assert_mem_eq(buf, "ping", 4);
	ck_assert_int_eq(sock_send_all(s, "pong", 4), 4);
	ck_assert_int_eq(sock_recv_exact(c, buf, 4), 4);
	ck_assert_mem_eq(buf, "pong", 4);
}

START_TEST(test_peer_reset_fails_only_that_connection)
{
	struct sock *l, *c1, *s1, *c2, *s2, *c3, *s3;
	struct resetter rs;
	char text[LIBSOCK_ADDRSTRLEN], buf[16];
	pthread_t t;
	ssize_t n;
	int saved;

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	c1 = tu_connect(text);
	s1 = tu_accept(l);
	c2 = tu_connect(text);
	s2 = tu_accept(l);
	ck_assert_int_eq(sock_set_recv_timeout(s1, 5000), 0);
	rs.c = c1;
	rs.rc = -1;
	tu_spawn_quiet(&t, reset_later, &rs);
	errno = 0;
	n = sock_recv(s1, buf, sizeof buf);
	saved = errno;
	pthread_join(t, NULL);
	ck_assert_int_eq(rs.rc, 0);
	ck_assert_msg(n == -1, "recv gave %zd", n);
	ck_assert_int_eq(saved, ECONNRESET);
	ck_assert_int_eq(sock_error_code(s1), ECONNRESET);

	/* The other connection and the listener are untouched. */
	echo_pair(c2, s2);
	c3 = tu_connect(text);
	s3 = tu_accept(l);
	echo_pair(c3, s3);
	sock_free(s3);
	sock_free(c3);
	sock_free(s2);
	sock_free(c2);
	sock_free(s1);
	sock_free(c1);
	sock_free(l);
}
END_TEST

START_TEST(test_half_close_peer_reads_eof_and_replies)
{
	struct sock *c, *s;
	char buf[16];

	tu_tcp_pair(&c, &s);
	ck_assert_int_eq(sock_send_all(c, "request", 7), 7);
	ck_assert_int_eq(sock_shutdown(c, SHUT_WR), 0);
	ck_assert_int_eq(sock_recv_exact(s, buf, 7), 7);
	ck_assert_mem_eq(buf, "request", 7);
	ck_assert_int_eq(sock_recv(s, buf, sizeof buf), 0);
	ck_assert_int_eq(sock_send_all(s, "response", 8), 8);
	ck_assert_int_eq(sock_recv_exact(c, buf, 8), 8);
	ck_assert_mem_eq(buf, "response", 8);
	sock_free(s);
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), 0);
	sock_free(c);
}
END_TEST

START_TEST(test_shutdown_bad_how_einval)
{
	struct sock *c, *s;
	int saved;

	tu_tcp_pair(&c, &s);
	errno = 0;
	ck_assert_int_eq(sock_shutdown(c, 42), -1);
	saved = errno;
	ck_assert_int_eq(saved, EINVAL);
	ck_assert_int_eq(sock_error_code(c), EINVAL);
	ck_assert_int_eq(sock_shutdown(c, -1), -1);
	ck_assert_int_eq(sock_error_code(c), EINVAL);
	/* Nothing was shut. */
	echo_pair(c, s);
	sock_free(s);
	sock_free(c);
}
END_TEST

/* ------------------------------------------------------------ timeouts */

START_TEST(test_recv_timeout_leaves_socket_usable)
{
	struct sock *c, *s;
	char buf[8];
	long long t0, took;
	int saved;

	tu_tcp_pair(&c, &s);
	ck_assert_int_eq(sock_set_recv_timeout(c, 200), 0);
	t0 = tu_now_ms();
	errno = 0;
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), -1);
	saved = errno;
	took = tu_now_ms() - t0;
	ck_assert_int_eq(saved, ETIMEDOUT);
	ck_assert_int_eq(sock_error_code(c), ETIMEDOUT);
	tu_assert_took(took, 200);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_ACTIVE);
	echo_pair(c, s);
	sock_free(s);
	sock_free(c);
}
END_TEST

START_TEST(test_send_timeout_non_reading_peer)
{
	struct sock *l, *c, *s;
	char text[LIBSOCK_ADDRSTRLEN];
	const size_t len = 16 * 1024 * 1024;
	unsigned char *big;
	long long t0, took;
	int saved;

	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_rcvbuf(l, SMALL_BUF), 0);
	ck_assert_int_eq(sock_listen(l, "tcp://127.0.0.1:0"), 0);
	{
		struct sock_addr a;

		ck_assert_int_eq(sock_local_addr(l, &a), 0);
		snprintf(text, sizeof text, "tcp://127.0.0.1:%d",
		    sock_addr_port(&a));
	}
	c = sock_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sock_set_sndbuf(c, SMALL_BUF), 0);
	ck_assert_int_eq(sock_set_send_timeout(c, 200), 0);
	ck_assert_int_eq(sock_connect(c, text), 0);
	s = tu_accept(l);
	big = calloc(1, len);
	ck_assert_ptr_nonnull(big);
	t0 = tu_now_ms();
	errno = 0;
	ck_assert_int_eq(sock_send_all(c, big, len), -1);
	saved = errno;
	took = tu_now_ms() - t0;
	ck_assert_int_eq(saved, ETIMEDOUT);
	ck_assert_int_eq(sock_error_code(c), ETIMEDOUT);
	/* Idle time only counts once the buffers are full. */
	ck_assert_msg(took >= 160 && took <= 2000, "took %lld ms", took);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_ACTIVE);
	free(big);
	sock_free(s);
	sock_free(c);
	sock_free(l);
}
END_TEST

/* ------------------------------------------------------------ non-blocking */

START_TEST(test_nonblocking_descriptor_reports_want)
{
	struct sock *c, *s;
	unsigned char buf[65536];
	ssize_t rc = 0;
	int flags, i;

	tu_tcp_pair(&c, &s);
	ck_assert_int_eq(sock_set_sndbuf(c, SMALL_BUF), 0);
	ck_assert_int_eq(sock_set_rcvbuf(s, SMALL_BUF), 0);
	flags = fcntl(sock_fd(c), F_GETFL);
	ck_assert_int_ne(flags, -1);
	ck_assert_int_eq(fcntl(sock_fd(c), F_SETFL, flags | O_NONBLOCK), 0);

	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), LIBSOCK_WANT_READ);

	memset(buf, 'w', sizeof buf);
	for (i = 0; i < 10000; i++) {
		rc = sock_send(c, buf, sizeof buf);
		if (rc < 0)
			break;
	}
	ck_assert_msg(rc == LIBSOCK_WANT_WRITE, "send gave %zd after %d calls: "
	    "%s", rc, i, sock_error(c));

	/* Data that did go out arrives, then the reader sees WANT_READ. */
	ck_assert_int_eq(sock_send(s, "hi", 2), 2);
	for (i = 0; i < 1000; i++) {
		rc = sock_recv(c, buf, sizeof buf);
		if (rc != LIBSOCK_WANT_READ)
			break;
		usleep(1000);
	}
	ck_assert_int_eq(rc, 2);
	ck_assert_mem_eq(buf, "hi", 2);
	sock_free(s);
	sock_free(c);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("io");
	TCase *tc;

	tc = tu_tcase("transfers");
	tcase_add_test(tc, test_send_all_8mib_small_sndbuf_slow_reader);
	tcase_add_test(tc, test_recv_exact_collects_pieces);
	tcase_add_test(tc, test_recv_exact_eof_before_first_byte_returns_0);
	tcase_add_test(tc, test_recv_exact_eof_midway_is_eeof);
	tcase_add_test(tc, test_recv_exact_needs_a_stream);
	tcase_add_test(tc, test_zero_length_send_and_recv);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("vectors");
	tcase_add_test(tc, test_sendv_recvv_header_body_trailer);
	tcase_add_test(tc, test_vector_counts_checked);
	tcase_add_test(tc, test_sendv_all_many_small_iovecs_tiny_sndbuf);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("signals");
	tcase_add_test(tc, test_signal_storm_during_8mib_transfers);
	tcase_add_test(tc, test_signal_storm_during_blocking_recv);
	tcase_add_test(tc, test_signal_storm_during_timed_recv);
	/* 0 send, 1 send_all, 2 sendv, 3 sendv_all */
	tcase_add_loop_test(tc, test_no_sigpipe_on_closed_peer, 0, 4);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("peers");
	tcase_add_test(tc, test_peer_reset_fails_only_that_connection);
	tcase_add_test(tc, test_half_close_peer_reads_eof_and_replies);
	tcase_add_test(tc, test_shutdown_bad_how_einval);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("timeouts");
	tcase_add_test(tc, test_recv_timeout_leaves_socket_usable);
	tcase_add_test(tc, test_send_timeout_non_reading_peer);
	tcase_add_test(tc, test_nonblocking_descriptor_reports_want);
	suite_add_tcase(suite, tc);

	return tu_run(suite);
}
