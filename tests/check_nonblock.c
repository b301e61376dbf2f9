/*
 * check_nonblock.c - non-blocking mode: sock_set_nonblocking on every
 * role, want codes that leave the recorded error alone, timeouts that
 * no longer apply, whole transfers that still complete, datagrams,
 * accept, non-blocking connect (finished, refused, moved on to the next
 * address, abandoned) over TCP, UDP, Unix sockets and TLS, and the old
 * behaviour of a descriptor made non-blocking by the caller.
 *
 * Everything runs in one thread unless a peer must block: a test drives
 * both ends through poll(2) on sock_fd, as an event loop would.  The TLS
 * certificates are made once per run by tests/tls-certs.sh, in a
 * directory of their own that is removed at the end.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define WAIT_MS		5000	/* for what should happen at once */
#define LONG_MS		5000	/* timeouts that must not apply */
#define SHORT_MS	300	/* timeouts that must apply */
#define SMALL_BUF	4096	/* socket buffers that fill quickly */
#define FILL_TOTAL	(2 << 20)	/* bytes of the filling transfer */
#define WHOLE		(1 << 20)	/* bytes of each whole transfer */
#define CHUNK		65536
#define FILL_MAX	64	/* clients to fill a listen queue */
#define MSG_MAX		1400	/* room for any sock_error() text */

/* ------------------------------------------------------------ common */

static int
under_valgrind(void)
{
	return getenv("LIBSOCK_UNDER_VALGRIND") != NULL;
}

/* Under valgrind everything is slower: stretch the deadlines. */
static long long
slow(long long ms)
{
	return under_valgrind() ? ms * 10 : ms;
}

/*
 * A call that must not wait returns well within this; the timeouts it
 * must ignore are LONG_MS, far beyond it even under valgrind.
 */
static long long
quick_ms(void)
{
	return under_valgrind() ? 2500 : 1000;
}

/* took is within 20 % of want, plus 100 ms (a second under valgrind). */
static void
assert_on_time(long long took, int want, const char *what)
{
	long long slack = under_valgrind() ? 1000 : 100;

	ck_assert_msg(took >= want * 8 / 10 && took <= want * 12 / 10 + slack,
	    "%s took %lld ms, expected %d ms", what, took, want);
}

static int
is_want(long long rc)
{
	return rc == LIBSOCK_WANT_READ || rc == LIBSOCK_WANT_WRITE;
}

static struct sock *
nb_new(void)
{
	struct sock *s = sock_new();

	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sock_set_nonblocking(s, 1), 0);
	return s;
}

/* poll(2) sock_fd(s) for what the want code asks; poll's result. */
static int
wait_want(struct sock *s, long long want, int ms)
{
	struct pollfd pfd;

	pfd.fd = sock_fd(s);
	pfd.events = want == LIBSOCK_WANT_WRITE ? POLLOUT : POLLIN;
	pfd.revents = 0;
	return poll(&pfd, 1, ms);
}

/* Whether fd is ready for events now or within ms. */
static int
fd_ready(int fd, short events, int ms)
{
	struct pollfd pfd;

	pfd.fd = fd;
	pfd.events = events;
	pfd.revents = 0;
	return poll(&pfd, 1, ms) == 1;
}

/* The recorded error of a socket, to show that a call left it alone. */
struct snap {
	int	code;
	char	msg[MSG_MAX];
};

static void
snap_take(struct sock *s, struct snap *sn)
{
	sn->code = sock_error_code(s);
	snprintf(sn->msg, sizeof sn->msg, "%s", sock_error(s));
}

static void
snap_same(struct sock *s, const struct snap *sn, const char *what)
{
	ck_assert_msg(sock_error_code(s) == sn->code &&
	    strcmp(sock_error(s), sn->msg) == 0,
	    "%s changed the recorded error: was %d \"%s\", now %d \"%s\"",
	    what, sn->code, sn->msg, sock_error_code(s), sock_error(s));
}

/* rc is the want code want, errno (err) EAGAIN, the error unchanged. */
static void
assert_want(struct sock *s, long long rc, int err, long long want,
    const struct snap *sn, const char *what)
{
	ck_assert_msg(rc == want, "%s gave %lld, want %lld (%s)", what, rc,
	    want, sock_error(s));
	ck_assert_msg(err == EAGAIN, "%s: errno %d (%s), want EAGAIN", what,
	    err, strerror(err));
	snap_same(s, sn, what);
}

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

/* The local address of s, with its scheme. */
static void
local_text(struct sock *s, char *text, size_t size)
{
	struct sock_addr a;

	ck_assert_int_eq(sock_local_addr(s, &a), 0);
	ck_assert_int_lt(sock_addr_format(&a, text, size,
	    LIBSOCK_FORMAT_SCHEME), (int)size);
}

static int
local_port(struct sock *s)
{
	struct sock_addr a;

	ck_assert_int_eq(sock_local_addr(s, &a), 0);
	return sock_addr_port(&a);
}

/* The address family of a socket descriptor, or -1. */
static int
fd_family(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	return ss.ss_family;
}

/*
 * Drive a connect that returned rc to its end: wait (poll(2) on
 * sock_fd) for what each want code asks, then sock_connect_finish, for
 * at most ms.  While under way the object must be CONNECTING with a
 * descriptor.  Returns the final result; *err holds its errno (pass in
 * the errno of sock_connect) and *moves, if not NULL, how many times
 * the descriptor changed (number or family: another address tried).
 */
static int
connect_drive(struct sock *s, int rc, int *err, int *moves, long long ms)
{
	long long end = tu_now_ms() + slow(ms);
	int fd = sock_fd(s), family = fd_family(fd), i, changes = 0;

	for (i = 0; i < 10000 && is_want(rc); i++) {
		if (sock_role(s) != LIBSOCK_ROLE_CONNECTING || sock_fd(s) < 0)
			ck_abort_msg("connect under way (%d): role %d, fd %d",
			    rc, sock_role(s), sock_fd(s));
		if (tu_now_ms() > end)
			ck_abort_msg("connect still under way after %lld ms "
			    "(%d calls)", slow(ms), i);
		(void)wait_want(s, rc, 100);
		errno = 0;
		rc = sock_connect_finish(s);
		*err = errno;
		if (is_want(rc) && (sock_fd(s) != fd ||
		    fd_family(sock_fd(s)) != family)) {
			changes++;
			fd = sock_fd(s);
			family = fd_family(fd);
		}
	}
	if (moves != NULL)
		*moves = changes;
	return rc;
}

/* A non-blocking connect to text that must succeed; role is checked. */
static void
connect_ok(struct sock *s, const char *text, int role)
{
	int rc, err;

	errno = 0;
	rc = sock_connect(s, text);
	err = errno;
	ck_assert_msg(rc == 0 || is_want(rc), "connect %s: %d (%s)", text, rc,
	    sock_error(s));
	rc = connect_drive(s, rc, &err, NULL, WAIT_MS);
	ck_assert_msg(rc == 0, "connect %s: %d, errno %d (%s)", text, rc, err,
	    sock_error(s));
	ck_assert_int_eq(sock_role(s), role);
}

/* All of buf through a non-blocking socket; after a want code, the same. */
static void
nb_send_all(struct sock *s, const void *buf, size_t len)
{
	long long end = tu_now_ms() + slow(WAIT_MS);
	size_t off = 0;
	ssize_t n;
	int i;

	for (i = 0; i < 100000 && off < len; i++) {
		n = sock_send(s, (const char *)buf + off, len - off);
		if (is_want(n)) {
			if (tu_now_ms() > end)
				ck_abort_msg("send: still %lld after %zu of "
				    "%zu bytes", (long long)n, off, len);
			(void)wait_want(s, n, 100);
			continue;
		}
		if (n <= 0 || (size_t)n > len - off)
			ck_abort_msg("send: %zd (%s)", n, sock_error(s));
		off += (size_t)n;
	}
	ck_assert_uint_eq(off, len);
}

/* Exactly len bytes from a non-blocking socket. */
static void
nb_recv_exact(struct sock *s, void *buf, size_t len)
{
	long long end = tu_now_ms() + slow(WAIT_MS);
	size_t off = 0;
	ssize_t n;
	int i;

	for (i = 0; i < 100000 && off < len; i++) {
		n = sock_recv(s, (char *)buf + off, len - off);
		if (is_want(n)) {
			if (tu_now_ms() > end)
				ck_abort_msg("recv: still %lld after %zu of "
				    "%zu bytes", (long long)n, off, len);
			(void)wait_want(s, n, 100);
			continue;
		}
		if (n <= 0 || (size_t)n > len - off)
			ck_abort_msg("recv after %zu bytes: %zd (%s)", off, n,
			    sock_error(s));
		off += (size_t)n;
	}
	ck_assert_uint_eq(off, len);
}

/* msg from a to b and back, both non-blocking or not. */
static void
exchange(struct sock *a, struct sock *b, const char *msg)
{
	char buf[256];
	size_t len = strlen(msg);

	ck_assert_uint_le(len, sizeof buf);
	nb_send_all(a, msg, len);
	nb_recv_exact(b, buf, len);
	ck_assert_mem_eq(buf, msg, len);
	nb_send_all(b, msg, len);
	nb_recv_exact(a, buf, len);
	ck_assert_mem_eq(buf, msg, len);
}

/* A private directory for Unix socket files; rmdir checks they went. */
static void
dir_make(char *dir, size_t size)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 40)
		tmp = "/tmp";
	snprintf(dir, size, "%s/libsock-nb.XXXXXX", tmp);
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s: %s", dir,
	    strerror(errno));
}

static void
dir_remove(const char *dir)
{
	ck_assert_msg(rmdir(dir) == 0, "rmdir %s: %s (a socket file left "
	    "behind?)", dir, strerror(errno));
}

/* A TCP listener with backlog 1 on 127.0.0.1. */
static struct sock *
small_listener(char *text, size_t size)
{
	struct sock *l = sock_new();

	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_backlog(l, 1), 0);
	ck_assert_int_eq(sock_set_accept_timeout(l, WAIT_MS), 0);
	ck_assert_msg(sock_listen(l, "tcp://127.0.0.1:0") == 0, "listen: %s",
	    sock_error(l));
	local_text(l, text, size);
	return l;
}

static void
free_all(struct sock **cs, int n)
{
	while (n > 0)
		sock_free(cs[--n]);
}

/* ------------------------------------------------------------ readers */

/*
 * The shared slow reader, bounded: a sender that gives up cannot leave
 * it hanging.
 */
static void
reader_start(struct tu_reader *r, struct sock *s, const unsigned char *expect,
    size_t want)
{
	ck_assert_int_eq(sock_set_recv_timeout(s, (int)slow(WAIT_MS)), 0);
	tu_reader_start(r, s, expect, want);
}

/* Sends len bytes in pieces with pauses, from a blocking socket. */
struct writer {
	struct sock		*s;
	const unsigned char	*buf;
	size_t			 len;
	int			 err;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	size_t off = 0, chunk;
	unsigned writes = 0;

	usleep(20 * 1000);
	while (off < w->len) {
		chunk = 1 + (off * 13 + writes) % 8192;
		if (chunk > w->len - off)
			chunk = w->len - off;
		if (sock_send_all(w->s, w->buf + off, chunk) !=
		    (ssize_t)chunk) {
			w->err = sock_error_code(w->s);
			break;
		}
		off += chunk;
		if (++writes % 32 == 0)
			usleep(1000);
	}
	return NULL;
}

/* ------------------------------------------------------------ the mode */

START_TEST(test_set_nonblocking_argument_errors)
{
	struct sock *s, *c, *a, *l, *u, *cu;
	char text[LIBSOCK_ADDRSTRLEN];

	errno = 0;
	ck_assert_int_eq(sock_set_nonblocking(NULL, 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(sock_set_nonblocking(NULL, 0), -1);
	ck_assert_int_eq(errno, EINVAL);

	/* NEW: kept on the object, no descriptor made for it. */
	s = sock_new();
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sock_set_nonblocking(s, 1), 0);
	ck_assert_int_eq(sock_set_nonblocking(s, 7), 0);
	ck_assert_int_eq(sock_set_nonblocking(s, 0), 0);
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(s), -1);
	ck_assert_int_eq(sock_error_code(s), 0);

	ck_assert_int_eq(sock_close(s), 0);
	errno = 0;
	ck_assert_int_eq(sock_set_nonblocking(s, 1), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(sock_error_code(s), EBADF);
	ck_assert_msg(strstr(sock_error(s), "socket is closed") != NULL,
	    "\"%s\"", sock_error(s));
	errno = 0;
	ck_assert_int_eq(sock_set_nonblocking(s, 0), -1);
	ck_assert_int_eq(errno, EBADF);
	sock_free(s);

	/* Every open role takes it, both ways. */
	tu_tcp_pair(&c, &a);
	l = tu_listen("tcp://127.0.0.1:0", NULL, 0);
	u = tu_bind("udp://127.0.0.1:0", text, sizeof text);
	cu = tu_connect(text);
	ck_assert_int_eq(sock_role(cu), LIBSOCK_ROLE_CONNECTED_DGRAM);
	ck_assert_int_eq(sock_set_nonblocking(c, 1), 0);
	ck_assert_int_eq(sock_set_nonblocking(c, 0), 0);
	ck_assert_int_eq(sock_set_nonblocking(l, 1), 0);
	ck_assert_int_eq(sock_set_nonblocking(l, 0), 0);
	ck_assert_int_eq(sock_set_nonblocking(u, 1), 0);
	ck_assert_int_eq(sock_set_nonblocking(u, 0), 0);
	ck_assert_int_eq(sock_set_nonblocking(cu, 1), 0);
	ck_assert_int_eq(sock_set_nonblocking(cu, 0), 0);
	ck_assert_int_eq(sock_error_code(c), 0);
	ck_assert_int_eq(sock_error_code(l), 0);
	ck_assert_int_eq(sock_error_code(u), 0);
	ck_assert_int_eq(sock_error_code(cu), 0);
	sock_free(cu);
	sock_free(u);
	sock_free(l);
	sock_free(a);
	sock_free(c);
}
END_TEST

/* Set on a NEW object, the mode holds for the connected socket. */
START_TEST(test_nonblocking_set_on_new_applies_at_connect)
{
	char text[LIBSOCK_ADDRSTRLEN], buf[64];
	struct sock *l, *c, *a;
	struct snap sn;
	long long t0, took;
	ssize_t n;
	int err;

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	c = nb_new();
	/* Ignored now; they would bound a wrongly blocking call. */
	ck_assert_int_eq(sock_set_timeout(c, LONG_MS), 0);
	connect_ok(c, text, LIBSOCK_ROLE_ACTIVE);
	a = tu_accept(l);
	snap_take(c, &sn);
	t0 = tu_now_ms();
	errno = 0;
	n = sock_recv(c, buf, sizeof buf);
	err = errno;
	took = tu_now_ms() - t0;
	assert_want(c, n, err, LIBSOCK_WANT_READ, &sn, "recv on nothing");
	ck_assert_msg(took < quick_ms(), "recv waited %lld ms", took);
	exchange(c, a, "after connect");
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

START_TEST(test_nonblocking_set_on_new_applies_at_bind)
{
	char text[LIBSOCK_ADDRSTRLEN], buf[64];
	struct sock_addr from, to;
	struct sock *u, *s;
	struct snap sn;
	long long t0, took;
	ssize_t n;
	int err;

	u = nb_new();
	ck_assert_int_eq(sock_set_recv_timeout(u, LONG_MS), 0);
	ck_assert_msg(sock_bind(u, "udp://127.0.0.1:0") == 0, "bind: %s",
	    sock_error(u));
	ck_assert_int_eq(sock_role(u), LIBSOCK_ROLE_DGRAM);
	local_text(u, text, sizeof text);
	snap_take(u, &sn);
	t0 = tu_now_ms();
	errno = 0;
	n = sock_recvfrom(u, buf, sizeof buf, &from);
	err = errno;
	took = tu_now_ms() - t0;
	assert_want(u, n, err, LIBSOCK_WANT_READ, &sn, "recvfrom on nothing");
	ck_assert_msg(took < quick_ms(), "recvfrom waited %lld ms", took);

	/* A datagram arrives: readable, then received. */
	s = sock_new();
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sock_addr_parse(&to, text), 0);
	ck_assert_int_eq(sock_sendto(s, "dgram", 5, &to), 5);
	ck_assert(fd_ready(sock_fd(u), POLLIN, (int)slow(WAIT_MS)));
	ck_assert_int_eq(sock_recvfrom(u, buf, sizeof buf, &from), 5);
	ck_assert_mem_eq(buf, "dgram", 5);
	ck_assert_int_eq(sock_addr_port(&from), local_port(s));
	sock_free(s);
	sock_free(u);
}
END_TEST

START_TEST(test_nonblocking_set_on_new_applies_at_listen)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *c, *a;
	struct snap sn;
	long long t0, took;
	int err;

	l = nb_new();
	ck_assert_int_eq(sock_set_accept_timeout(l, LONG_MS), 0);
	ck_assert_msg(sock_listen(l, "tcp://127.0.0.1:0") == 0, "listen: %s",
	    sock_error(l));
	local_text(l, text, sizeof text);
	snap_take(l, &sn);
	t0 = tu_now_ms();
	errno = 0;
	a = sock_accept(l);
	err = errno;
	took = tu_now_ms() - t0;
	ck_assert_ptr_null(a);
	ck_assert_msg(err == EAGAIN, "accept on nothing: errno %d (%s)", err,
	    sock_error(l));
	snap_same(l, &sn, "accept on nothing");
	ck_assert_msg(took < quick_ms(), "accept waited %lld ms", took);

	c = tu_connect(text);
	ck_assert(fd_ready(sock_fd(l), POLLIN, (int)slow(WAIT_MS)));
	a = tu_accept(l);
	ck_assert_int_eq(sock_role(a), LIBSOCK_ROLE_ACTIVE);
	exchange(c, a, "accepted");
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

/*
 * On an ACTIVE socket the mode goes on and off: on, a recv that would
 * block gives the want code at once and leaves the recorded error as it
 * was; off again, the receive timeout is back in force.
 */
START_TEST(test_nonblocking_toggles_on_active_socket)
{
	struct sock *c, *a;
	struct snap sn;
	char buf[64];
	long long t0, took;
	ssize_t n;
	int err;

	tu_tcp_pair(&c, &a);
	ck_assert_int_eq(sock_set_recv_timeout(c, LONG_MS), 0);
	/* A failure on record, which the want codes must not replace. */
	ck_assert_int_eq(sock_shutdown(c, 12345), -1);
	ck_assert_int_eq(sock_error_code(c), EINVAL);
	snap_take(c, &sn);

	ck_assert_int_eq(sock_set_nonblocking(c, 1), 0);
	t0 = tu_now_ms();
	errno = 0;
	n = sock_recv(c, buf, sizeof buf);
	err = errno;
	took = tu_now_ms() - t0;
	assert_want(c, n, err, LIBSOCK_WANT_READ, &sn, "non-blocking recv");
	ck_assert_msg(took < quick_ms(), "recv waited %lld ms with a %d ms "
	    "timeout", took, LONG_MS);

	/* Off: the call waits for its timeout, then fails. */
	ck_assert_int_eq(sock_set_recv_timeout(c, SHORT_MS), 0);
	ck_assert_int_eq(sock_set_nonblocking(c, 0), 0);
	t0 = tu_now_ms();
	errno = 0;
	n = sock_recv(c, buf, sizeof buf);
	err = errno;
	took = tu_now_ms() - t0;
	ck_assert_msg(n == -1, "blocking recv gave %zd (%s)", n,
	    sock_error(c));
	ck_assert_int_eq(err, ETIMEDOUT);
	ck_assert_int_eq(sock_error_code(c), ETIMEDOUT);
	assert_on_time(took, SHORT_MS, "blocking recv");

	/* On again, and the data that comes is received. */
	ck_assert_int_eq(sock_set_nonblocking(c, 1), 0);
	snap_take(c, &sn);
	errno = 0;
	n = sock_recv(c, buf, sizeof buf);
	err = errno;
	assert_want(c, n, err, LIBSOCK_WANT_READ, &sn, "recv after toggling");
	ck_assert_int_eq(sock_send_all(a, "back", 4), 4);
	nb_recv_exact(c, buf, 4);
	ck_assert_mem_eq(buf, "back", 4);
	sock_free(a);
	sock_free(c);
}
END_TEST

/* ------------------------------------------------------------ streams */

/*
 * Sending into full buffers: positive counts, then WANT_WRITE (EAGAIN,
 * the error untouched); then the peer drains while the sender waits
 * with poll(2) between want codes, and every byte arrives in order.
 */
START_TEST(test_send_fills_buffer_then_wants_write_and_data_is_intact)
{
	unsigned char *data;
	struct sock *c, *a;
	struct tu_reader r;
	struct snap sn;
	long long end;
	size_t sent = 0, chunk;
	ssize_t n = 0;
	int i, err = 0, calls = 0, wants = 0;

	data = pattern(FILL_TOTAL);
	tu_tcp_pair(&c, &a);
	ck_assert_int_eq(sock_set_sndbuf(c, SMALL_BUF), 0);
	ck_assert_int_eq(sock_set_nonblocking(c, 1), 0);
	snap_take(c, &sn);
	for (i = 0; i < 100000 && sent < FILL_TOTAL; i++) {
		chunk = FILL_TOTAL - sent < CHUNK ? FILL_TOTAL - sent : CHUNK;
		errno = 0;
		n = sock_send(c, data + sent, chunk);
		err = errno;
		if (n <= 0)
			break;
		if ((size_t)n > chunk)
			ck_abort_msg("send %zu gave %zd", chunk, n);
		sent += (size_t)n;
		calls++;
	}
	ck_assert_msg(calls > 0 && sent > 0, "the first send gave %zd (%s)",
	    n, sock_error(c));
	ck_assert_msg(sent < FILL_TOTAL, "%d bytes into 4 KiB buffers never "
	    "had to wait", FILL_TOTAL);
	assert_want(c, n, err, LIBSOCK_WANT_WRITE, &sn, "send into full "
	    "buffers");

	/* The peer drains everything; the rest goes out as room appears. */
	reader_start(&r, a, data, FILL_TOTAL);
	end = tu_now_ms() + slow(20000);
	for (i = 0; i < 1000000 && sent < FILL_TOTAL; i++) {
		if (tu_now_ms() > end)
			ck_abort_msg("stalled after %zu bytes sent, %zu "
			    "received (error %d)", sent, r.got, r.err);
		chunk = FILL_TOTAL - sent < CHUNK ? FILL_TOTAL - sent : CHUNK;
		n = sock_send(c, data + sent, chunk);
		if (n == LIBSOCK_WANT_WRITE) {
			wants++;
			(void)wait_want(c, n, 100);
			continue;
		}
		if (n <= 0 || (size_t)n > chunk)
			ck_abort_msg("send after %zu bytes: %zd (%s)", sent, n,
			    sock_error(c));
		sent += (size_t)n;
	}
	ck_assert_uint_eq(sent, FILL_TOTAL);
	tu_reader_check(&r);
	snap_same(c, &sn, "the want codes of the transfer");
	ck_assert_msg(wants > 0, "the transfer never had to wait");
	sock_free(a);
	sock_free(c);
	free(data);
}
END_TEST

/*
 * Timeouts do not apply in non-blocking mode: with 5 s receive and send
 * timeouts, a recv, a recvv and a send that cannot proceed come back
 * with their want codes at once.
 */
START_TEST(test_timeouts_ignored_when_nonblocking)
{
	static unsigned char big[CHUNK];
	struct sock *c, *a;
	struct iovec iov[2];
	char b1[8], b2[8];
	long long t0, took, slowest = 0;
	ssize_t n = 0;
	int i;

	tu_tcp_pair(&c, &a);
	ck_assert_int_eq(sock_set_timeout(c, LONG_MS), 0);
	ck_assert_int_eq(sock_set_sndbuf(c, SMALL_BUF), 0);
	ck_assert_int_eq(sock_set_rcvbuf(a, SMALL_BUF), 0);
	ck_assert_int_eq(sock_set_nonblocking(c, 1), 0);

	t0 = tu_now_ms();
	n = sock_recv(c, b1, sizeof b1);
	took = tu_now_ms() - t0;
	ck_assert_int_eq(n, LIBSOCK_WANT_READ);
	ck_assert_msg(took < quick_ms(), "recv waited %lld ms with a %d ms "
	    "timeout", took, LONG_MS);

	iov[0].iov_base = b1;
	iov[0].iov_len = sizeof b1;
	iov[1].iov_base = b2;
	iov[1].iov_len = sizeof b2;
	t0 = tu_now_ms();
	n = sock_recvv(c, iov, 2);
	took = tu_now_ms() - t0;
	ck_assert_int_eq(n, LIBSOCK_WANT_READ);
	ck_assert_msg(took < quick_ms(), "recvv waited %lld ms", took);

	for (i = 0; i < 100000; i++) {
		t0 = tu_now_ms();
		n = sock_send(c, big, sizeof big);
		took = tu_now_ms() - t0;
		if (took > slowest)
			slowest = took;
		if (n <= 0)
			break;
	}
	ck_assert_msg(n == LIBSOCK_WANT_WRITE, "send gave %zd after %d calls "
	    "(%s)", n, i, sock_error(c));
	ck_assert_msg(slowest < quick_ms(), "a send waited %lld ms with a %d "
	    "ms timeout", slowest, LONG_MS);

	iov[0].iov_base = big;
	iov[0].iov_len = sizeof big / 2;
	iov[1].iov_base = big + sizeof big / 2;
	iov[1].iov_len = sizeof big / 2;
	t0 = tu_now_ms();
	n = sock_sendv(c, iov, 2);
	took = tu_now_ms() - t0;
	ck_assert_int_eq(n, LIBSOCK_WANT_WRITE);
	ck_assert_msg(took < quick_ms(), "sendv waited %lld ms", took);
	ck_assert_int_eq(sock_error_code(c), 0);
	sock_free(a);
	sock_free(c);
}
END_TEST

/*
 * sock_send_all, sock_sendv_all and sock_recv_exact wait inside even in
 * non-blocking mode, against a slow peer, and every byte is right.
 */
START_TEST(test_whole_transfers_complete_when_nonblocking)
{
	unsigned char *data, *in;
	struct sock *c, *a;
	struct tu_reader r;
	struct writer w;
	struct iovec iov[3];
	pthread_t t;
	char buf[8];
	ssize_t n;

	data = pattern(WHOLE);
	in = malloc(WHOLE);
	ck_assert_ptr_nonnull(in);
	tu_tcp_pair(&c, &a);
	ck_assert_int_eq(sock_set_sndbuf(c, SMALL_BUF), 0);
	ck_assert_int_eq(sock_set_nonblocking(c, 1), 0);

	reader_start(&r, a, data, WHOLE);
	n = sock_send_all(c, data, WHOLE);
	ck_assert_msg(n == WHOLE, "send_all: %zd (%s)", n, sock_error(c));
	tu_reader_check(&r);

	reader_start(&r, a, data, WHOLE);
	iov[0].iov_base = data;
	iov[0].iov_len = 1000;
	iov[1].iov_base = data + 1000;
	iov[1].iov_len = 0;
	iov[2].iov_base = data + 1000;
	iov[2].iov_len = WHOLE - 1000;
	n = sock_sendv_all(c, iov, 3);
	ck_assert_msg(n == WHOLE, "sendv_all: %zd (%s)", n, sock_error(c));
	tu_reader_check(&r);

	memset(&w, 0, sizeof w);
	w.s = a;
	w.buf = data;
	w.len = WHOLE;
	tu_spawn_quiet(&t, writer_main, &w);
	n = sock_recv_exact(c, in, WHOLE);
	ck_assert_msg(n == WHOLE, "recv_exact: %zd (%s)", n, sock_error(c));
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	ck_assert_int_eq(w.err, 0);
	ck_assert_msg(memcmp(in, data, WHOLE) == 0, "recv_exact: the bytes "
	    "differ");

	/* Still non-blocking afterwards. */
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), LIBSOCK_WANT_READ);
	sock_free(a);
	sock_free(c);
	free(in);
	free(data);
}
END_TEST

/*
 * A descriptor made non-blocking by the caller through fcntl(2), without
 * sock_set_nonblocking: the want codes of before still come.
 */
START_TEST(test_raw_o_nonblock_descriptor_still_gives_want_codes)
{
	static unsigned char big[CHUNK];
	struct sock *c, *a;
	struct snap sn;
	char buf[64];
	ssize_t n = 0;
	int flags, i, err = 0, sent = 0;

	tu_tcp_pair(&c, &a);
	ck_assert_int_eq(sock_set_sndbuf(c, SMALL_BUF), 0);
	ck_assert_int_eq(sock_set_rcvbuf(a, SMALL_BUF), 0);
	flags = fcntl(sock_fd(c), F_GETFL);
	ck_assert_int_ne(flags, -1);
	ck_assert_int_eq(fcntl(sock_fd(c), F_SETFL, flags | O_NONBLOCK), 0);
	snap_take(c, &sn);

	errno = 0;
	n = sock_recv(c, buf, sizeof buf);
	err = errno;
	assert_want(c, n, err, LIBSOCK_WANT_READ, &sn, "recv");
	for (i = 0; i < 100000; i++) {
		errno = 0;
		n = sock_send(c, big, sizeof big);
		err = errno;
		if (n <= 0)
			break;
		sent++;
	}
	ck_assert_int_gt(sent, 0);
	assert_want(c, n, err, LIBSOCK_WANT_WRITE, &sn, "send");

	ck_assert_int_eq(sock_send_all(a, "hi", 2), 2);
	ck_assert(fd_ready(sock_fd(c), POLLIN, (int)slow(WAIT_MS)));
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), 2);
	ck_assert_mem_eq(buf, "hi", 2);
	sock_free(a);
	sock_free(c);
}
END_TEST

/* ------------------------------------------------------------ datagrams */

START_TEST(test_empty_udp_recv_wants_read)
{
	char text[LIBSOCK_ADDRSTRLEN], buf[64];
	struct sock_addr from, local;
	struct sock *u, *c;
	struct snap sn;
	ssize_t n;
	int err;

	u = tu_bind("udp://127.0.0.1:0", text, sizeof text);
	ck_assert_int_eq(sock_set_recv_timeout(u, LONG_MS), 0);
	ck_assert_int_eq(sock_set_nonblocking(u, 1), 0);
	snap_take(u, &sn);
	errno = 0;
	n = sock_recvfrom(u, buf, sizeof buf, &from);
	err = errno;
	assert_want(u, n, err, LIBSOCK_WANT_READ, &sn, "udp recvfrom");

	c = nb_new();
	ck_assert_int_eq(sock_set_recv_timeout(c, LONG_MS), 0);
	connect_ok(c, text, LIBSOCK_ROLE_CONNECTED_DGRAM);
	snap_take(c, &sn);
	errno = 0;
	n = sock_recv(c, buf, sizeof buf);
	err = errno;
	assert_want(c, n, err, LIBSOCK_WANT_READ, &sn, "connected udp recv");
	errno = 0;
	n = sock_recvfrom(c, buf, sizeof buf, &from);
	err = errno;
	assert_want(c, n, err, LIBSOCK_WANT_READ, &sn,
	    "connected udp recvfrom");

	ck_assert_int_eq(sock_send(c, "ping", 4), 4);
	ck_assert(fd_ready(sock_fd(u), POLLIN, (int)slow(WAIT_MS)));
	ck_assert_int_eq(sock_recvfrom(u, buf, sizeof buf, &from), 4);
	ck_assert_mem_eq(buf, "ping", 4);
	ck_assert_int_eq(sock_local_addr(c, &local), 0);
	ck_assert_int_eq(sock_addr_compare(&from, &local), 0);
	ck_assert_int_eq(sock_sendto(u, "pong", 4, &from), 4);
	ck_assert(fd_ready(sock_fd(c), POLLIN, (int)slow(WAIT_MS)));
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), 4);
	ck_assert_mem_eq(buf, "pong", 4);
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), LIBSOCK_WANT_READ);
	sock_free(c);
	sock_free(u);
}
END_TEST

START_TEST(test_empty_unixgram_recv_wants_read)
{
	char dir[PATH_MAX], text[PATH_MAX + 32], buf[64];
	struct sock_addr from, to;
	struct sock *a, *b, *g, *s;
	struct snap sn;
	ssize_t n;
	int err;

	/* A connected pair. */
	ck_assert_int_eq(sock_pair(LIBSOCK_UNIXGRAM, &a, &b), 0);
	ck_assert_int_eq(sock_set_recv_timeout(a, LONG_MS), 0);
	ck_assert_int_eq(sock_set_nonblocking(a, 1), 0);
	snap_take(a, &sn);
	errno = 0;
	n = sock_recv(a, buf, sizeof buf);
	err = errno;
	assert_want(a, n, err, LIBSOCK_WANT_READ, &sn, "unixgram recv");
	errno = 0;
	n = sock_recvfrom(a, buf, sizeof buf, &from);
	err = errno;
	assert_want(a, n, err, LIBSOCK_WANT_READ, &sn, "unixgram recvfrom");
	ck_assert_int_eq(sock_send(b, "x", 1), 1);
	ck_assert(fd_ready(sock_fd(a), POLLIN, (int)slow(WAIT_MS)));
	ck_assert_int_eq(sock_recv(a, buf, sizeof buf), 1);
	ck_assert_int_eq(buf[0], 'x');

	/* A bound one, non-blocking from NEW. */
	dir_make(dir, sizeof dir);
	snprintf(text, sizeof text, "unixgram://%s/g.sock", dir);
	g = nb_new();
	ck_assert_msg(sock_bind(g, text) == 0, "bind %s: %s", text,
	    sock_error(g));
	snap_take(g, &sn);
	errno = 0;
	n = sock_recvfrom(g, buf, sizeof buf, &from);
	err = errno;
	assert_want(g, n, err, LIBSOCK_WANT_READ, &sn,
	    "bound unixgram recvfrom");
	s = sock_new();
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sock_addr_parse(&to, text), 0);
	ck_assert_int_eq(sock_sendto(s, "y", 1, &to), 1);
	ck_assert(fd_ready(sock_fd(g), POLLIN, (int)slow(WAIT_MS)));
	ck_assert_int_eq(sock_recvfrom(g, buf, sizeof buf, &from), 1);
	ck_assert_int_eq(buf[0], 'y');
	sock_free(s);
	sock_free(g);
	dir_remove(dir);
	sock_free(b);
	sock_free(a);
}
END_TEST

/* ------------------------------------------------------------ accept */

START_TEST(test_accept_empty_nonblocking_listener_eagain)
{
	struct sock_addr peer;
	struct sock *l, *l2, *a;
	struct snap sn;
	long long t0, took;
	int err;

	l = tu_listen("tcp://127.0.0.1:0", NULL, 0);
	ck_assert_int_eq(sock_set_accept_timeout(l, LONG_MS), 0);
	/* A failure on record, which EAGAIN must not replace. */
	ck_assert_int_eq(sock_peer_addr(l, &peer), -1);
	ck_assert_int_eq(sock_error_code(l), ENOTCONN);
	snap_take(l, &sn);
	ck_assert_int_eq(sock_set_nonblocking(l, 1), 0);
	t0 = tu_now_ms();
	errno = 0;
	a = sock_accept(l);
	err = errno;
	took = tu_now_ms() - t0;
	ck_assert_ptr_null(a);
	ck_assert_msg(err == EAGAIN, "errno %d (%s)", err, strerror(err));
	snap_same(l, &sn, "accept on an empty listener");
	ck_assert_msg(took < quick_ms(), "accept waited %lld ms with a %d ms "
	    "timeout", took, LONG_MS);
	ck_assert_int_eq(sock_role(l), LIBSOCK_ROLE_PASSIVE);

	/* A listener with no failure yet keeps none. */
	l2 = nb_new();
	ck_assert_int_eq(sock_listen(l2, "tcp://127.0.0.1:0"), 0);
	errno = 0;
	ck_assert_ptr_null(sock_accept(l2));
	ck_assert_int_eq(errno, EAGAIN);
	ck_assert_int_eq(sock_error_code(l2), 0);
	ck_assert_str_eq(sock_error(l2), "");
	sock_free(l2);
	sock_free(l);
}
END_TEST

/*
 * An accepted socket takes the listener's mode as it is at accept:
 * non-blocking gives a want code, blocking again waits for the
 * (inherited) receive timeout.
 */
START_TEST(test_accepted_socket_inherits_nonblocking)
{
	char text[LIBSOCK_ADDRSTRLEN], buf[64];
	struct sock *l, *c, *a;
	struct snap sn;
	long long t0, took;
	ssize_t n;
	int err;

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	ck_assert_int_eq(sock_set_timeout(l, LONG_MS), 0);
	ck_assert_int_eq(sock_set_nonblocking(l, 1), 0);
	c = tu_connect(text);
	ck_assert(fd_ready(sock_fd(l), POLLIN, (int)slow(WAIT_MS)));
	a = tu_accept(l);
	snap_take(a, &sn);
	t0 = tu_now_ms();
	errno = 0;
	n = sock_recv(a, buf, sizeof buf);
	err = errno;
	took = tu_now_ms() - t0;
	assert_want(a, n, err, LIBSOCK_WANT_READ, &sn, "recv on the accepted "
	    "socket");
	ck_assert_msg(took < quick_ms(), "recv waited %lld ms", took);
	ck_assert_int_eq(sock_send_all(c, "hello", 5), 5);
	nb_recv_exact(a, buf, 5);
	ck_assert_mem_eq(buf, "hello", 5);
	sock_free(a);
	sock_free(c);

	ck_assert_int_eq(sock_set_timeout(l, SHORT_MS), 0);
	ck_assert_int_eq(sock_set_nonblocking(l, 0), 0);
	c = tu_connect(text);
	a = tu_accept(l);
	t0 = tu_now_ms();
	errno = 0;
	n = sock_recv(a, buf, sizeof buf);
	err = errno;
	took = tu_now_ms() - t0;
	ck_assert_msg(n == -1 && err == ETIMEDOUT, "recv on a blocking "
	    "accepted socket: %zd, errno %d (%s)", n, err, sock_error(a));
	assert_on_time(took, SHORT_MS, "blocking recv");
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

/* ------------------------------------------------------------ connect */

START_TEST(test_nonblocking_connect_to_listener_finishes)
{
	char text[LIBSOCK_ADDRSTRLEN], buf[8];
	struct sock_addr peer, want;
	struct sock *l, *c, *a;
	int rc, err;

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	c = nb_new();
	errno = 0;
	rc = sock_connect(c, text);
	err = errno;
	ck_assert_msg(rc == 0 || rc == LIBSOCK_WANT_WRITE, "connect: %d, "
	    "errno %d (%s)", rc, err, sock_error(c));
	if (rc == LIBSOCK_WANT_WRITE) {
		ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTING);
		ck_assert_int_ge(sock_fd(c), 0);
		/* Not connected yet: no I/O, as on a NEW object. */
		errno = 0;
		ck_assert_int_eq(sock_send(c, "x", 1), -1);
		ck_assert_int_eq(errno, EINVAL);
		errno = 0;
		ck_assert_int_eq(sock_recv(c, buf, sizeof buf), -1);
		ck_assert_int_eq(errno, EINVAL);
		ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTING);
		ck_assert(fd_ready(sock_fd(c), POLLOUT, (int)slow(WAIT_MS)));
		rc = sock_connect_finish(c);
		ck_assert_msg(rc == 0, "connect_finish after POLLOUT: %d (%s)",
		    rc, sock_error(c));
	}
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_ACTIVE);
	ck_assert_int_eq(sock_transport(c), LIBSOCK_TCP);
	ck_assert_int_eq(sock_peer_addr(c, &peer), 0);
	ck_assert_int_eq(sock_local_addr(l, &want), 0);
	ck_assert_int_eq(sock_addr_compare(&peer, &want), 0);
	a = tu_accept(l);
	exchange(c, a, "connected without waiting");
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

/*
 * A connect that cannot complete (the listener's queue is full, its SYN
 * dropped): sock_connect_finish says WANT_WRITE again, as often as
 * asked, and the connect completes once the queue has room.
 */
START_TEST(test_connect_finish_early_returns_want_again)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *c, *a, *cs[FILL_MAX];
	int rc, err, i, n;

	l = small_listener(text, sizeof text);
	if (!tu_fill_backlog(text, cs, FILL_MAX, &n)) {
		free_all(cs, n);
		sock_free(l);
		TU_SKIP("%d connects to a full backlog all completed; SYNs "
		    "are not dropped here", FILL_MAX);
	}
	c = nb_new();
	errno = 0;
	rc = sock_connect(c, text);
	err = errno;
	ck_assert_msg(rc == LIBSOCK_WANT_WRITE, "connect to a full queue: "
	    "%d, errno %d (%s)", rc, err, sock_error(c));
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTING);
	for (i = 0; i < 3; i++) {
		ck_assert(!fd_ready(sock_fd(c), POLLOUT, 0));
		rc = sock_connect_finish(c);
		ck_assert_msg(rc == LIBSOCK_WANT_WRITE, "early finish %d: %d "
		    "(%s)", i, rc, sock_error(c));
		ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTING);
		ck_assert_int_ge(sock_fd(c), 0);
	}
	errno = 0;
	ck_assert_int_eq(sock_send(c, "x", 1), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sock_error_code(c), EINVAL);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTING);

	/* Room in the queue: the next SYN gets in. */
	for (i = 0; i < n; i++)
		sock_free(tu_accept(l));
	err = 0;
	rc = connect_drive(c, rc, &err, NULL, 4 * WAIT_MS);
	ck_assert_msg(rc == 0, "connect_finish: %d, errno %d (%s)", rc, err,
	    sock_error(c));
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_ACTIVE);
	a = tu_accept(l);
	exchange(c, a, "late");
	sock_free(a);
	sock_free(c);
	free_all(cs, n);
	sock_free(l);
}
END_TEST

/*
 * Refused: the final failure is the blocking connect's ("connect
 * tcp://127.0.0.1:P: Connection refused", ECONNREFUSED), the object is
 * NEW again without a descriptor, nothing leaks, and it can connect
 * again, still non-blocking.
 */
START_TEST(test_nonblocking_connect_refused_like_blocking)
{
	char text[64], want[256], ltext[LIBSOCK_ADDRSTRLEN], buf[8];
	struct sock *c, *l, *a;
	int rc, err, fds, port = tu_closed_port();

	snprintf(text, sizeof text, "tcp://127.0.0.1:%d", port);
	snprintf(want, sizeof want, "connect %s: %s", text,
	    strerror(ECONNREFUSED));
	c = nb_new();
	fds = tu_fd_count();
	errno = 0;
	rc = sock_connect(c, text);
	err = errno;
	if (rc != -1) {
		ck_assert_msg(rc == LIBSOCK_WANT_WRITE, "connect: %d (%s)", rc,
		    sock_error(c));
		ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTING);
		ck_assert_int_eq(tu_fd_count(), fds + 1);
		rc = connect_drive(c, rc, &err, NULL, WAIT_MS);
	}
	ck_assert_int_eq(rc, -1);
	ck_assert_msg(err == ECONNREFUSED, "errno %d (%s)", err,
	    strerror(err));
	ck_assert_int_eq(sock_error_code(c), ECONNREFUSED);
	ck_assert_str_eq(sock_error(c), want);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(c), -1);
	ck_assert_int_eq(tu_fd_count(), fds);

	/* Finished: a second finish is on a NEW object. */
	errno = 0;
	ck_assert_int_eq(sock_connect_finish(c), -1);
	ck_assert_int_eq(errno, EINVAL);

	l = tu_listen("tcp://127.0.0.1:0", ltext, sizeof ltext);
	connect_ok(c, ltext, LIBSOCK_ROLE_ACTIVE);
	a = tu_accept(l);
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), LIBSOCK_WANT_READ);
	exchange(c, a, "retry");
	sock_free(a);
	sock_free(l);
	sock_free(c);
}
END_TEST

/* By name: the message names the last address tried, as blocking does. */
START_TEST(test_nonblocking_connect_refused_by_name_names_address)
{
	struct sock_addr list[8];
	char text[64], last[LIBSOCK_ADDRSTRLEN], want[1024];
	struct sock *c;
	int n, rc, err, port = tu_closed_port();

	snprintf(text, sizeof text, "tcp://localhost:%d", port);
	n = sock_addr_resolve(text, list, 8);
	ck_assert_msg(n >= 1, "resolve %s: %s", text, sock_strerror(errno));
	ck_assert_int_lt(sock_addr_format(&list[n - 1], last, sizeof last, 0),
	    (int)sizeof last);
	snprintf(want, sizeof want, "connect %s (%s): %s", text, last,
	    strerror(ECONNREFUSED));
	c = nb_new();
	errno = 0;
	rc = sock_connect(c, text);
	err = errno;
	rc = connect_drive(c, rc, &err, NULL, WAIT_MS);
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(err, ECONNREFUSED);
	ck_assert_int_eq(sock_error_code(c), ECONNREFUSED);
	ck_assert_str_eq(sock_error(c), want);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(c), -1);
	sock_free(c);
}
END_TEST

/*
 * text resolves to several addresses and only the one of l listens: the
 * connect moves past the refusals (its descriptor may change) and ends
 * connected to l.
 */
static void
connect_moves_on(const char *text, struct sock *l)
{
	struct sock_addr peer, want;
	struct sock *c, *a;
	int rc, err, moves;

	c = nb_new();
	errno = 0;
	rc = sock_connect(c, text);
	err = errno;
	rc = connect_drive(c, rc, &err, &moves, WAIT_MS);
	ck_assert_msg(rc == 0, "connect %s: %d, errno %d (%s)", text, rc, err,
	    sock_error(c));
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_ACTIVE);
	ck_assert_int_eq(sock_peer_addr(c, &peer), 0);
	ck_assert_int_eq(sock_local_addr(l, &want), 0);
	ck_assert_msg(sock_addr_compare(&peer, &want) == 0, "connected to %s",
	    tu_addr_text(&peer));
	printf("%s: connected after %d descriptor change(s) in "
	    "sock_connect_finish\n", text, moves);
	a = tu_accept(l);
	exchange(c, a, "next address");
	sock_free(a);
	sock_free(c);
}

START_TEST(test_nonblocking_connect_moves_to_next_address)
{
	struct sock_addr list[8], bind_to;
	char text[64];
	struct sock *l;
	int n, i;

	n = sock_addr_resolve("tcp://localhost:0", list, 8);
	ck_assert_msg(n >= 1, "resolve localhost: %s", sock_strerror(errno));
	if (n < 2)
		TU_SKIP("localhost resolves to one address here (%s)",
		    tu_addr_text(&list[0]));
	/* Listen on the last address only: the others refuse. */
	bind_to = list[n - 1];
	if (bind_to.storage.ss_family == AF_INET6 && !tu_have_ipv6())
		TU_SKIP("localhost ends with %s and there is no IPv6",
		    tu_addr_text(&bind_to));
	for (i = 0; i < n - 1; i++)
		if (list[i].storage.ss_family == AF_INET6 && !tu_have_ipv6())
			TU_SKIP("localhost gives %s and there is no IPv6",
			    tu_addr_text(&list[i]));
	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_accept_timeout(l, WAIT_MS), 0);
	ck_assert_msg(sock_listen_addr(l, &bind_to) == 0, "listen %s: %s",
	    tu_addr_text(&bind_to), sock_error(l));
	snprintf(text, sizeof text, "tcp://localhost:%d", local_port(l));
	connect_moves_on(text, l);
	sock_free(l);
}
END_TEST

/* "*" gives [::] then 0.0.0.0: with an IPv4 listener the first refuses. */
START_TEST(test_nonblocking_connect_wildcard_moves_to_ipv4)
{
	struct sock_addr list[4];
	char text[64];
	struct sock *l;
	int n;

	l = tu_listen("tcp://127.0.0.1:0", NULL, 0);
	ck_assert_int_eq(sock_set_accept_timeout(l, WAIT_MS), 0);
	snprintf(text, sizeof text, "tcp://*:%d", local_port(l));
	n = sock_addr_resolve(text, list, 4);
	if (n != 2 || list[0].storage.ss_family != AF_INET6) {
		sock_free(l);
		TU_SKIP("%s does not resolve to [::] then 0.0.0.0", text);
	}
	connect_moves_on(text, l);
	sock_free(l);
}
END_TEST

START_TEST(test_nonblocking_udp_connect_is_connected_dgram)
{
	char text[LIBSOCK_ADDRSTRLEN], buf[16];
	struct sock_addr from;
	struct sock *u, *c;
	int rc, err;

	u = tu_bind("udp://127.0.0.1:0", text, sizeof text);
	ck_assert_int_eq(sock_set_recv_timeout(u, (int)slow(WAIT_MS)), 0);
	c = nb_new();
	errno = 0;
	rc = sock_connect(c, text);
	err = errno;
	ck_assert_msg(rc == 0 || is_want(rc), "connect %s: %d (%s)", text, rc,
	    sock_error(c));
	rc = connect_drive(c, rc, &err, NULL, WAIT_MS);
	ck_assert_msg(rc == 0, "connect_finish: %d (%s)", rc, sock_error(c));
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTED_DGRAM);
	ck_assert_int_eq(sock_transport(c), LIBSOCK_UDP);
	ck_assert_int_eq(sock_send(c, "dgram", 5), 5);
	ck_assert_int_eq(sock_recvfrom(u, buf, sizeof buf, &from), 5);
	ck_assert_mem_eq(buf, "dgram", 5);
	ck_assert_int_eq(sock_sendto(u, "back", 4, &from), 4);
	nb_recv_exact(c, buf, 4);
	ck_assert_mem_eq(buf, "back", 4);
	sock_free(c);
	sock_free(u);
}
END_TEST

START_TEST(test_nonblocking_unix_connect)
{
	char dir[PATH_MAX], text[PATH_MAX + 32], gtext[PATH_MAX + 32];
	char buf[16];
	struct sock *l, *c, *a, *g, *d;

	dir_make(dir, sizeof dir);
	snprintf(text, sizeof text, "unix://%s/s.sock", dir);
	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_accept_timeout(l, WAIT_MS), 0);
	ck_assert_msg(sock_listen(l, text) == 0, "listen %s: %s", text,
	    sock_error(l));
	c = nb_new();
	connect_ok(c, text, LIBSOCK_ROLE_ACTIVE);
	ck_assert_int_eq(sock_transport(c), LIBSOCK_UNIX);
	a = tu_accept(l);
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), LIBSOCK_WANT_READ);
	exchange(c, a, "over a Unix socket");
	sock_free(a);
	sock_free(c);
	sock_free(l);

	snprintf(gtext, sizeof gtext, "unixgram://%s/g.sock", dir);
	g = sock_new();
	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(sock_set_recv_timeout(g, (int)slow(WAIT_MS)), 0);
	ck_assert_msg(sock_bind(g, gtext) == 0, "bind %s: %s", gtext,
	    sock_error(g));
	d = nb_new();
	connect_ok(d, gtext, LIBSOCK_ROLE_CONNECTED_DGRAM);
	ck_assert_int_eq(sock_transport(d), LIBSOCK_UNIXGRAM);
	ck_assert_int_eq(sock_send(d, "dg", 2), 2);
	ck_assert_int_eq(sock_recvfrom(g, buf, sizeof buf, NULL), 2);
	ck_assert_mem_eq(buf, "dg", 2);
	sock_free(d);
	sock_free(g);
	dir_remove(dir);
}
END_TEST

/* A Unix listener whose queue is full: -1 EAGAIN at once, object NEW. */
START_TEST(test_nonblocking_unix_connect_full_queue_eagain)
{
	char dir[PATH_MAX], text[PATH_MAX + 32];
	struct sock *l, *a, *cs[16];
	long long t0, took = 0;
	int n, rc = 0, err = 0, fds = 0;

	dir_make(dir, sizeof dir);
	snprintf(text, sizeof text, "unix://%s/q.sock", dir);
	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_backlog(l, 1), 0);
	ck_assert_int_eq(sock_set_accept_timeout(l, WAIT_MS), 0);
	ck_assert_msg(sock_listen(l, text) == 0, "listen %s: %s", text,
	    sock_error(l));
	for (n = 0; n < 16; n++) {
		cs[n] = nb_new();
		ck_assert_int_eq(sock_set_connect_timeout(cs[n], LONG_MS), 0);
		fds = tu_fd_count();
		t0 = tu_now_ms();
		errno = 0;
		rc = sock_connect(cs[n], text);
		err = errno;
		took = tu_now_ms() - t0;
		if (rc == -1)
			break;
		rc = connect_drive(cs[n], rc, &err, NULL, WAIT_MS);
		ck_assert_msg(rc == 0, "connect %d: %d (%s)", n, rc,
		    sock_error(cs[n]));
	}
	ck_assert_msg(rc == -1 && n > 0 && n < 16, "%d connects, the last "
	    "%d (%s)", n, rc, n < 16 ? sock_error(cs[n]) : "");
	ck_assert_msg(err == EAGAIN, "errno %d (%s)", err, sock_error(cs[n]));
	ck_assert_int_eq(sock_error_code(cs[n]), EAGAIN);
	ck_assert_msg(took < quick_ms(), "connect waited %lld ms", took);
	ck_assert_int_eq(sock_role(cs[n]), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(cs[n]), -1);
	ck_assert_int_eq(tu_fd_count(), fds);

	/* Room again: the same object connects. */
	a = tu_accept(l);
	connect_ok(cs[n], text, LIBSOCK_ROLE_ACTIVE);
	sock_free(a);
	free_all(cs, n + 1);
	sock_free(l);
	dir_remove(dir);
}
END_TEST

START_TEST(test_connect_finish_wrong_role)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *s, *c, *a, *l, *u;

	errno = 0;
	ck_assert_int_eq(sock_connect_finish(NULL), -1);
	ck_assert_int_eq(errno, EINVAL);

	s = sock_new();
	ck_assert_ptr_nonnull(s);
	errno = 0;
	ck_assert_int_eq(sock_connect_finish(s), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sock_error_code(s), EINVAL);
	ck_assert_str_eq(sock_error(s),
	    "connect_finish: socket is new, not connecting");
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_set_nonblocking(s, 1), 0);
	errno = 0;
	ck_assert_int_eq(sock_connect_finish(s), -1);
	ck_assert_int_eq(errno, EINVAL);

	tu_tcp_pair(&c, &a);
	ck_assert_int_eq(sock_set_nonblocking(c, 1), 0);
	errno = 0;
	ck_assert_int_eq(sock_connect_finish(c), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sock_error_code(c), EINVAL);
	ck_assert_msg(strncmp(sock_error(c), "connect_finish: ", 16) == 0,
	    "\"%s\"", sock_error(c));
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_ACTIVE);
	exchange(c, a, "still connected");

	l = tu_listen("tcp://127.0.0.1:0", NULL, 0);
	errno = 0;
	ck_assert_int_eq(sock_connect_finish(l), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sock_role(l), LIBSOCK_ROLE_PASSIVE);
	u = tu_bind("udp://127.0.0.1:0", text, sizeof text);
	errno = 0;
	ck_assert_int_eq(sock_connect_finish(u), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sock_role(u), LIBSOCK_ROLE_DGRAM);

	ck_assert_int_eq(sock_close(s), 0);
	errno = 0;
	ck_assert_int_eq(sock_connect_finish(s), -1);
	ck_assert_int_eq(errno, EBADF);
	ck_assert_int_eq(sock_error_code(s), EBADF);
	sock_free(u);
	sock_free(l);
	sock_free(a);
	sock_free(c);
	sock_free(s);
}
END_TEST

/* sock_close and sock_free while CONNECTING: the descriptor goes. */
START_TEST(test_close_and_free_while_connecting)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *c, *cs[FILL_MAX];
	int rc, fds, n, i;

	l = small_listener(text, sizeof text);
	/* A full queue keeps the connects under way as long as needed. */
	if (!tu_fill_backlog(text, cs, FILL_MAX, &n)) {
		free_all(cs, n);
		sock_free(l);
		TU_SKIP("%d connects to a full backlog all completed; SYNs "
		    "are not dropped here", FILL_MAX);
	}
	fds = tu_fd_count();
	for (i = 0; i < 2; i++) {
		c = nb_new();
		rc = sock_connect(c, text);
		ck_assert_msg(rc == LIBSOCK_WANT_WRITE, "connect: %d (%s)", rc,
		    sock_error(c));
		ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTING);
		ck_assert_int_eq(tu_fd_count(), fds + 1);
		if (i == 0) {
			ck_assert_int_eq(sock_close(c), 0);
			ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CLOSED);
			ck_assert_int_eq(sock_fd(c), -1);
			ck_assert_int_eq(tu_fd_count(), fds);
			errno = 0;
			ck_assert_int_eq(sock_connect_finish(c), -1);
			ck_assert_int_eq(errno, EBADF);
		}
		sock_free(c);
		ck_assert_int_eq(tu_fd_count(), fds);
	}

	free_all(cs, n);
	sock_free(l);

	/* One the kernel completed, but never finished by the caller. */
	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	fds = tu_fd_count();
	c = nb_new();
	rc = sock_connect(c, text);
	ck_assert_msg(rc == 0 || rc == LIBSOCK_WANT_WRITE, "connect: %d (%s)",
	    rc, sock_error(c));
	if (rc == LIBSOCK_WANT_WRITE) {
		ck_assert(fd_ready(sock_fd(c), POLLOUT, (int)slow(WAIT_MS)));
		ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTING);
	}
	sock_free(c);
	ck_assert_int_eq(tu_fd_count(), fds);
	sock_free(l);
}
END_TEST

/* ------------------------------------------------------------ TLS */

#ifdef HAVE_OPENSSL

static char cert_dir[PATH_MAX - 64];	/* made by main */
static int cert_state;		/* 1 made, 0 no openssl command, -1 failed */

/* The path of a file of the certificate directory (4 live at a time). */
static const char *
cert(const char *name)
{
	static char ring[4][PATH_MAX];
	static unsigned next;
	char *p = ring[next++ % 4];

	snprintf(p, PATH_MAX, "%s/%s", cert_dir, name);
	return p;
}

/* Leave the test unless the certificates are there. */
#define NEED_CERTS() do {						\
	if (cert_state == 0)						\
		TU_SKIP("the openssl command is not installed");	\
	ck_assert_msg(cert_state == 1, "tls-certs.sh failed");		\
} while (0)

static struct sock_tls_config *
config_new(void)
{
	struct sock_tls_config *cfg;

	cfg = sock_tls_config_new();
	ck_assert_msg(cfg != NULL, "sock_tls_config_new: %s",
	    sock_strerror(errno));
	return cfg;
}

static struct sock_tls_config *
server_config(void)
{
	struct sock_tls_config *cfg = config_new();

	ck_assert_msg(sock_tls_config_set_keypair_file(cfg,
	    cert("server.crt"), cert("server.key")) == 0, "key pair: %s",
	    sock_tls_config_error(cfg));
	return cfg;
}

static struct sock_tls_config *
client_config(const char *ca)
{
	struct sock_tls_config *cfg = config_new();

	ck_assert_int_eq(sock_tls_config_set_ca_file(cfg, cert(ca)), 0);
	return cfg;
}

/*
 * A non-blocking TLS listener on 127.0.0.1.  Its timeouts, inherited by
 * what it accepts, would end a handshake that wrongly blocks (the peer
 * runs in the same thread) instead of hanging.
 */
static struct sock *
tls_listener(struct sock_tls_config *cfg, int *port)
{
	struct sock *l = nb_new();

	ck_assert_int_eq(sock_set_tls_config(l, cfg), 0);
	ck_assert_int_eq(sock_set_timeout(l, WAIT_MS), 0);
	ck_assert_int_eq(sock_set_handshake_timeout(l, WAIT_MS), 0);
	ck_assert_msg(sock_listen(l, "tls://127.0.0.1:0") == 0, "listen: %s",
	    sock_error(l));
	*port = local_port(l);
	return l;
}

static struct sock *
tls_client(struct sock_tls_config *cfg)
{
	struct sock *c = nb_new();

	ck_assert_int_eq(sock_set_tls_config(c, cfg), 0);
	ck_assert_int_eq(sock_set_timeout(c, WAIT_MS), 0);
	ck_assert_int_eq(sock_set_handshake_timeout(c, WAIT_MS), 0);
	return c;
}

/*
 * Both ends of a TLS connection driven from one thread: the client's
 * connect through sock_connect_finish, the listener's accept, and the
 * accepted socket's handshake through sock_tls_handshake, each waiting
 * in one poll(2) for what its last want code asked.
 */
struct drive {
	struct sock	*l, *c, *a;
	int		 crc, cerr;	/* the client's last result, errno */
	int		 arc;		/* the server's; want until accepted */
	int		 c_wants, a_wants, accept_eagain;
};

static void
drive_tls(struct drive *d, const char *text)
{
	struct pollfd pfd[2];
	long long end;
	int i, nfd, err;

	memset(pfd, 0, sizeof pfd);
	errno = 0;
	d->crc = sock_connect(d->c, text);
	d->cerr = errno;
	d->arc = LIBSOCK_WANT_READ;
	if (is_want(d->crc))
		d->c_wants++;
	end = tu_now_ms() + slow(4 * WAIT_MS);
	for (i = 0; i < 10000; i++) {
		if (d->a == NULL) {
			errno = 0;
			d->a = sock_accept(d->l);
			err = errno;
			if (d->a == NULL && err != EAGAIN)
				ck_abort_msg("accept: errno %d (%s)", err,
				    sock_error(d->l));
			d->accept_eagain += d->a == NULL;
		}
		if (d->a != NULL && is_want(d->arc)) {
			d->arc = sock_tls_handshake(d->a);
			d->a_wants += is_want(d->arc);
		}
		if (is_want(d->crc)) {
			if (sock_role(d->c) != LIBSOCK_ROLE_CONNECTING)
				ck_abort_msg("client under way, role %d",
				    sock_role(d->c));
			errno = 0;
			d->crc = sock_connect_finish(d->c);
			d->cerr = errno;
			d->c_wants += is_want(d->crc);
		}
		/* The client's end decides; the server only has to follow. */
		if (d->crc == -1 || (d->crc == 0 && !is_want(d->arc)))
			return;
		if (tu_now_ms() > end)
			ck_abort_msg("handshakes not done: client %d (%s), "
			    "server %d", d->crc, sock_error(d->c), d->arc);
		nfd = 0;
		if (is_want(d->crc)) {
			pfd[nfd].fd = sock_fd(d->c);
			pfd[nfd++].events = d->crc == LIBSOCK_WANT_WRITE ?
			    POLLOUT : POLLIN;
		}
		if (d->a == NULL) {
			pfd[nfd].fd = sock_fd(d->l);
			pfd[nfd++].events = POLLIN;
		} else if (is_want(d->arc)) {
			pfd[nfd].fd = sock_fd(d->a);
			pfd[nfd++].events = d->arc == LIBSOCK_WANT_WRITE ?
			    POLLOUT : POLLIN;
		}
		(void)poll(pfd, (nfds_t)nfd, 100);
	}
	ck_abort_msg("handshakes not done after %d rounds", i);
}

/* A TLS connection over 127.0.0.1, every end non-blocking. */
static void
tls_pair(struct sock_tls_config *scfg, struct sock_tls_config *ccfg,
    struct drive *d)
{
	char text[64];
	int port;

	memset(d, 0, sizeof *d);
	d->l = tls_listener(scfg, &port);
	d->c = tls_client(ccfg);
	snprintf(text, sizeof text, "tls://127.0.0.1:%d", port);
	drive_tls(d, text);
	ck_assert_msg(d->crc == 0, "client: %d, errno %d (%s)", d->crc,
	    d->cerr, sock_error(d->c));
	ck_assert_msg(d->arc == 0, "server handshake: %d (%s)", d->arc,
	    sock_error(d->a));
}

static void
drive_free(struct drive *d)
{
	sock_free(d->a);
	sock_free(d->c);
	sock_free(d->l);
}

/*
 * A tls:// connect driven by its want codes against a listener whose
 * accepted socket handshakes by want codes too, in one thread: both
 * complete, each having had to wait at least once, then data flows.
 */
START_TEST(test_tls_nonblocking_connect_and_accept_by_want_codes)
{
	struct sock_tls_config *scfg, *ccfg;
	struct drive d;
	char buf[8];

	NEED_CERTS();
	scfg = server_config();
	ccfg = client_config("ca.crt");
	tls_pair(scfg, ccfg, &d);
	ck_assert_int_eq(sock_role(d.c), LIBSOCK_ROLE_ACTIVE);
	ck_assert_int_eq(sock_transport(d.c), LIBSOCK_TLS);
	ck_assert_int_eq(sock_transport(d.a), LIBSOCK_TLS);
	ck_assert_ptr_nonnull(sock_tls_version(d.c));
	ck_assert_ptr_nonnull(sock_tls_version(d.a));
	ck_assert_int_eq(sock_tls_peer_verified(d.c), 1);
	ck_assert_msg(d.c_wants > 0, "the client never had to wait");
	ck_assert_msg(d.a_wants > 0, "the server never had to wait");
	ck_assert_int_eq(sock_tls_handshake(d.a), 0);
	/* Nothing to read yet: want codes, on both ends. */
	ck_assert(is_want(sock_recv(d.c, buf, sizeof buf)));
	ck_assert(is_want(sock_recv(d.a, buf, sizeof buf)));
	exchange(d.c, d.a, "TLS without waiting");
	exchange(d.a, d.c, "and the other way");
	drive_free(&d);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

/* A verification failure ends the non-blocking connect like blocking. */
static void
tls_refused_case(const char *ca, const char *name, const char *cause)
{
	struct sock_tls_config *scfg, *ccfg;
	struct drive d;
	char text[64], want[512];
	int port;

	scfg = server_config();
	ccfg = client_config(ca);
	memset(&d, 0, sizeof d);
	d.l = tls_listener(scfg, &port);
	d.c = tls_client(ccfg);
	if (name != NULL)
		ck_assert_int_eq(sock_set_tls_server_name(d.c, name), 0);
	snprintf(text, sizeof text, "tls://127.0.0.1:%d", port);
	drive_tls(&d, text);
	ck_assert_msg(d.crc == -1, "connect with %s succeeded", ca);
	ck_assert_msg(d.cerr == LIBSOCK_EVERIFY, "errno %d (%s)", d.cerr,
	    sock_error(d.c));
	ck_assert_int_eq(sock_error_code(d.c), LIBSOCK_EVERIFY);
	snprintf(want, sizeof want, "connect %s: certificate verify failed: "
	    "%s", text, cause);
	ck_assert_msg(strncmp(sock_error(d.c), want, strlen(want)) == 0,
	    "\"%s\" does not start with \"%s\"", sock_error(d.c), want);
	ck_assert_int_eq(sock_role(d.c), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(d.c), -1);
	drive_free(&d);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}

START_TEST(test_tls_nonblocking_connect_wrong_ca_everify)
{
	NEED_CERTS();
	tls_refused_case("other-ca.crt", NULL, "");
}
END_TEST

START_TEST(test_tls_nonblocking_connect_wrong_name_everify)
{
	NEED_CERTS();
	tls_refused_case("ca.crt", "example.org",
	    "hostname mismatch (expected example.org)");
}
END_TEST

/*
 * One byte of a 100-byte record: the other 99 wait decrypted inside,
 * where poll(2) cannot see them, and come without waiting.
 */
START_TEST(test_tls_pending_after_one_byte_of_record)
{
	struct sock_tls_config *scfg, *ccfg;
	unsigned char record[100], buf[128];
	struct drive d;
	ssize_t n;
	size_t i;

	NEED_CERTS();
	scfg = server_config();
	ccfg = client_config("ca.crt");
	tls_pair(scfg, ccfg, &d);
	for (i = 0; i < sizeof record; i++)
		record[i] = (unsigned char)('a' + i % 26);
	nb_send_all(d.a, record, sizeof record);	/* one record */
	nb_recv_exact(d.c, buf, 1);
	ck_assert_int_eq(buf[0], 'a');
	ck_assert_int_eq(sock_tls_pending(d.c), 99);
	n = sock_recv(d.c, buf, sizeof buf);
	ck_assert_msg(n == 99, "recv of the buffered rest: %zd (%s)", n,
	    sock_error(d.c));
	ck_assert_mem_eq(buf, record + 1, 99);
	ck_assert_int_eq(sock_tls_pending(d.c), 0);
	ck_assert(is_want(sock_recv(d.c, buf, sizeof buf)));
	drive_free(&d);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

static void
remove_cert_dir(void)
{
	tu_certs_remove(cert_dir, "check_nonblock");
}

/* The certificates, by tests/tls-certs.sh; sets cert_state. */
static void
make_certs(void)
{
	int rc = tu_certs_make(cert_dir, sizeof cert_dir, "check_nonblock");

	cert_state = rc == 0 ? 1 : rc == 77 ? 0 : -1;
}

#endif	/* HAVE_OPENSSL */

/* ------------------------------------------------------------ main */

static Suite *
nonblock_suite(void)
{
	Suite *suite = suite_create("nonblock");
	TCase *tc;

	tc = tu_tcase("mode");
	tcase_add_test(tc, test_set_nonblocking_argument_errors);
	tcase_add_test(tc, test_nonblocking_set_on_new_applies_at_connect);
	tcase_add_test(tc, test_nonblocking_set_on_new_applies_at_bind);
	tcase_add_test(tc, test_nonblocking_set_on_new_applies_at_listen);
	tcase_add_test(tc, test_nonblocking_toggles_on_active_socket);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("streams");
	tcase_add_test(tc,
	    test_send_fills_buffer_then_wants_write_and_data_is_intact);
	tcase_add_test(tc, test_timeouts_ignored_when_nonblocking);
	tcase_add_test(tc, test_whole_transfers_complete_when_nonblocking);
	tcase_add_test(tc,
	    test_raw_o_nonblock_descriptor_still_gives_want_codes);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("datagrams");
	tcase_add_test(tc, test_empty_udp_recv_wants_read);
	tcase_add_test(tc, test_empty_unixgram_recv_wants_read);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("accept");
	tcase_add_test(tc, test_accept_empty_nonblocking_listener_eagain);
	tcase_add_test(tc, test_accepted_socket_inherits_nonblocking);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("connect");
	tcase_add_test(tc, test_nonblocking_connect_to_listener_finishes);
	tcase_add_test(tc, test_connect_finish_early_returns_want_again);
	tcase_add_test(tc, test_nonblocking_connect_refused_like_blocking);
	tcase_add_test(tc,
	    test_nonblocking_connect_refused_by_name_names_address);
	tcase_add_test(tc, test_nonblocking_connect_moves_to_next_address);
	tcase_add_test(tc, test_nonblocking_connect_wildcard_moves_to_ipv4);
	tcase_add_test(tc, test_nonblocking_udp_connect_is_connected_dgram);
	tcase_add_test(tc, test_nonblocking_unix_connect);
	tcase_add_test(tc, test_nonblocking_unix_connect_full_queue_eagain);
	tcase_add_test(tc, test_connect_finish_wrong_role);
	tcase_add_test(tc, test_close_and_free_while_connecting);
	suite_add_tcase(suite, tc);

#ifdef HAVE_OPENSSL
	tc = tu_tcase("tls");
	tcase_add_test(tc,
	    test_tls_nonblocking_connect_and_accept_by_want_codes);
	tcase_add_test(tc, test_tls_nonblocking_connect_wrong_ca_everify);
	tcase_add_test(tc, test_tls_nonblocking_connect_wrong_name_everify);
	tcase_add_test(tc, test_tls_pending_after_one_byte_of_record);
	suite_add_tcase(suite, tc);
#else
	printf("SKIP: built without OpenSSL; no non-blocking TLS cases\n");
#endif
	return suite;
}

int
main(void)
{
	int rc;

#ifdef HAVE_OPENSSL
	make_certs();
#endif
	rc = tu_run(nonblock_suite());
#ifdef HAVE_OPENSSL
	if (cert_state == 1)
		remove_cert_dir();
#endif
	return rc;
}
