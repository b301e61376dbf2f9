/*
 * check_poller.c - the readiness poller: creation and release, argument
 * errors, waits and their timeouts, signals, level- and edge-triggered
 * reports, hang-ups and errors, non-blocking connects (also when the
 * descriptor changes under the poller), removal by close, free and
 * delete (against reused and duplicated descriptors), stale entries in
 * one batch, more ready sockets than one wait returns, and TLS bytes
 * buffered inside the library.
 *
 * Every test runs on the backend chosen at configure time; main prints
 * its name.  The peers are sockets of this process (Unix pairs, loopback
 * TCP, or a thread serving TLS); every wait is bounded.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define MAX_BATCH	256	/* most entries one wait returns */
#define NPAIRS		300	/* more ready sockets than that */
#define WAIT_MS		2000	/* for what should happen at once */
#define KNOWN_EVENTS	(LIBSOCK_POLL_IN | LIBSOCK_POLL_OUT | \
			 LIBSOCK_POLL_ERR | LIBSOCK_POLL_HUP)

#ifdef HAVE_OPENSSL
static char cert_dir[PATH_MAX - 64];	/* made by main */
static int have_certs;
#endif

/* ------------------------------------------------------------ common */

/* Under valgrind everything is slower: stretch the deadlines. */
static long long
slow(long long ms)
{
	return getenv("LIBSOCK_UNDER_VALGRIND") != NULL ? ms * 10 : ms;
}

static struct sock_poller *
poller_new(void)
{
	struct sock_poller *p;

	p = sock_poller_new();
	ck_assert_msg(p != NULL, "sock_poller_new: %s", sock_strerror(errno));
	return p;
}

static void
unix_pair(struct sock **a, struct sock **b)
{
	ck_assert_msg(sock_pair(LIBSOCK_UNIX, a, b) == 0, "sock_pair: %s",
	    sock_strerror(errno));
}

static void
add_ok(struct sock_poller *p, struct sock *s, unsigned events, void *udata)
{
	ck_assert_msg(sock_poller_add(p, s, events, udata) == 0,
	    "sock_poller_add: %s", sock_error(s));
}

static void
mod_ok(struct sock_poller *p, struct sock *s, unsigned events, void *udata)
{
	ck_assert_msg(sock_poller_mod(p, s, events, udata) == 0,
	    "sock_poller_mod: %s", sock_error(s));
}

static void
nonblocking(struct sock *s)
{
	ck_assert_msg(sock_set_nonblocking(s, 1) == 0,
	    "sock_set_nonblocking: %s", sock_error(s));
}

static void
send_ok(struct sock *s, const char *text)
{
	size_t len = strlen(text);

	ck_assert_msg(sock_send_all(s, text, len) == (ssize_t)len,
	    "send: %s", sock_error(s));
}

/*
 * One wait that must not fail.  Every entry of a fresh wait names a
 * socket and says something, with no bit beyond IN, OUT, ERR and HUP.
 */
static int
wait_ok(struct sock_poller *p, int timeout_ms, struct sock_event **ev)
{
	int n, i;

	*ev = NULL;
	n = sock_poller_wait(p, timeout_ms, ev);
	ck_assert_msg(n >= 0, "sock_poller_wait: %s", sock_strerror(errno));
	ck_assert_int_le(n, MAX_BATCH);
	if (n > 0)
		ck_assert_ptr_nonnull(*ev);
	for (i = 0; i < n; i++) {
		ck_assert_msg((*ev)[i].sock != NULL, "entry %d of a fresh "
		    "wait has no socket", i);
		ck_assert_msg((*ev)[i].events != 0 &&
		    ((*ev)[i].events & ~KNOWN_EVENTS) == 0,
		    "entry %d: events %#x", i, (*ev)[i].events);
	}
	return n;
}

/* The events reported for s in ev[0..n), 0 when it is not there. */
static unsigned
events_of(const struct sock_event *ev, int n, const struct sock *s)
{
	unsigned events = 0;
	int i;

	for (i = 0; i < n; i++)
		if (ev[i].sock == s)
			events |= ev[i].events;
	return events;
}

/* The first entry for s in ev[0..n), or NULL. */
static const struct sock_event *
entry_of(const struct sock_event *ev, int n, const struct sock *s)
{
	int i;

	for (i = 0; i < n; i++)
		if (ev[i].sock == s)
			return &ev[i];
	return NULL;
}

/*
 * Waits until s is reported (within ms, stretched under valgrind) and
 * returns its entry (valid until the next wait), or NULL.
 */
static const struct sock_event *
wait_for(struct sock_poller *p, const struct sock *s, int ms)
{
	const struct sock_event *e;
	struct sock_event *ev;
	long long end = tu_now_ms() + slow(ms);
	int n;

	do {
		n = wait_ok(p, 100, &ev);
		if ((e = entry_of(ev, n, s)) != NULL)
			return e;
	} while (tu_now_ms() < end);
	return NULL;
}

/* The same, failing the test when s is not reported with any of want. */
static unsigned
expect_event(struct sock_poller *p, const struct sock *s, unsigned want,
    void *udata, const char *what)
{
	const struct sock_event *e;

	e = wait_for(p, s, WAIT_MS);
	ck_assert_msg(e != NULL, "%s: not reported within %d ms", what,
	    WAIT_MS);
	ck_assert_msg((e->events & want) != 0, "%s: reported %#x, want %#x",
	    what, e->events, want);
	ck_assert_msg(e->udata == udata, "%s: udata %p, want %p", what,
	    e->udata, udata);
	return e->events;
}

/* A wait with timeout 0 that must not report s. */
static void
expect_quiet(struct sock_poller *p, const struct sock *s, const char *what)
{
	struct sock_event *ev;
	int n;

	n = wait_ok(p, 0, &ev);
	ck_assert_msg(entry_of(ev, n, s) == NULL, "%s: reported (%#x)", what,
	    events_of(ev, n, s));
}

/* A call that failed with -1 and code, recorded on s (if not NULL). */
static void
assert_fails(int rc, int err, struct sock *s, int code, const char *what)
{
	ck_assert_msg(rc == -1, "%s: returned %d, want -1", what, rc);
	ck_assert_msg(err == code, "%s: errno %d (%s), want %d (%s)", what,
	    err, sock_strerror(err), code, sock_strerror(code));
	if (s == NULL)
		return;
	ck_assert_msg(sock_error_code(s) == code, "%s: sock_error_code %d "
	    "(%s), want %d", what, sock_error_code(s),
	    sock_strerror(sock_error_code(s)), code);
	ck_assert_msg(sock_error(s)[0] != '\0', "%s: no message", what);
}

/* Reads what s holds until the want code; returns the bytes read. */
static size_t
drain(struct sock *s)
{
	char buf[4096];
	size_t total = 0;
	ssize_t n;
	int i;

	for (i = 0; i < 10000; i++) {
		n = sock_recv(s, buf, sizeof buf);
		if (n == LIBSOCK_WANT_READ) {
			ck_assert_int_eq(errno, EAGAIN);
			return total;
		}
		ck_assert_msg(n > 0, "recv while draining: %zd %s", n,
		    sock_error(s));
		total += (size_t)n;
	}
	ck_abort_msg("drain: no want code after %d reads", i);
	return total;
}

/* The port of a socket's local address. */
static int
local_port(struct sock *s)
{
	struct sock_addr a;

	ck_assert_int_eq(sock_local_addr(s, &a), 0);
	return sock_addr_port(&a);
}

/* Address family of a descriptor's local address. */
static int
fd_family(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1)
		return -1;
	return ss.ss_family;
}

/*
 * A non-blocking connect started on a new object; *rc is what
 * sock_connect returned (0, a want code, or -1).
 */
static struct sock *
nb_connect(const char *text, int *rc)
{
	struct sock *s;

	s = sock_new();
	ck_assert_ptr_nonnull(s);
	nonblocking(s);
	*rc = sock_connect(s, text);
	if (*rc == LIBSOCK_WANT_WRITE || *rc == LIBSOCK_WANT_READ)
		ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_CONNECTING);
	return s;
}

/* ------------------------------------------------------------ new, free */

START_TEST(test_backend_is_named_and_free_null_is_fine)
{
	struct sock_poller *p;
	const char *name;

	p = poller_new();
	name = sock_poller_backend(p);
	ck_assert_ptr_nonnull(name);
	ck_assert_msg(strcmp(name, "epoll") == 0 ||
	    strcmp(name, "kqueue") == 0 || strcmp(name, "poll") == 0,
	    "backend \"%s\"", name);
	sock_poller_free(p);
	sock_poller_free(NULL);
}
END_TEST

/* With no descriptor left, a backend that needs one fails with EMFILE. */
START_TEST(test_new_without_descriptors_fails_emfile)
{
	struct rlimit old, low;
	struct sock_poller *p;
	int fds[64], n = 0, err, i;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = 48;
	if (old.rlim_cur < low.rlim_cur || tu_fd_count() > 32)
		TU_SKIP("too few descriptors to make the case");
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	while (n < 64 && (fds[n] = open("/dev/null", O_RDONLY)) != -1)
		n++;
	ck_assert_msg(n < 64 && errno == EMFILE, "descriptors never ran "
	    "out: %s", strerror(errno));
	errno = 0;
	p = sock_poller_new();
	err = errno;
	for (i = 0; i < n; i++)
		close(fds[i]);
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
	if (p != NULL) {
		/* poll(2) needs no descriptor of its own. */
		printf("NOTE %s: backend %s needs no descriptor\n", __func__,
		    sock_poller_backend(p));
		ck_assert_str_eq(sock_poller_backend(p), "poll");
		sock_poller_free(p);
		return;
	}
	ck_assert_msg(err == EMFILE, "errno %d (%s), want EMFILE", err,
	    sock_strerror(err));
}
END_TEST

/* Freeing a poller leaves its sockets open, working and free to rejoin. */
START_TEST(test_free_leaves_registered_sockets_usable_elsewhere)
{
	struct sock_poller *p1, *p2;
	struct sock *a, *b, *c, *d;
	char buf[8];
	int ua, uc;

	unix_pair(&a, &b);
	unix_pair(&c, &d);
	p1 = poller_new();
	add_ok(p1, a, LIBSOCK_POLL_IN, &ua);
	add_ok(p1, c, LIBSOCK_POLL_IN, &uc);
	send_ok(b, "x");
	expect_event(p1, a, LIBSOCK_POLL_IN, &ua, "a in the first poller");
	sock_poller_free(p1);

	/* Open and working. */
	ck_assert_int_ne(fcntl(sock_fd(a), F_GETFD), -1);
	ck_assert_int_eq(sock_recv(a, buf, sizeof buf), 1);
	send_ok(a, "y");
	ck_assert_int_eq(sock_recv(b, buf, sizeof buf), 1);

	/* In no poller now: another one takes them. */
	p2 = poller_new();
	add_ok(p2, a, LIBSOCK_POLL_IN, &uc);
	add_ok(p2, c, LIBSOCK_POLL_IN, &ua);
	send_ok(b, "z");
	expect_event(p2, a, LIBSOCK_POLL_IN, &uc, "a in the second poller");
	expect_quiet(p2, c, "c with nothing to read");

	/* Either order of release is clean (valgrind checks the memory). */
	sock_free(a);
	sock_poller_free(p2);
	sock_close(c);
	sock_free(c);
	sock_free(b);
	sock_free(d);
}
END_TEST

/* Sockets closed after their poller was freed do not reach for it. */
START_TEST(test_sockets_outlive_freed_poller)
{
	struct sock_poller *p;
	struct sock *a, *b, *l;

	unix_pair(&a, &b);
	l = tu_listen("tcp://127.0.0.1:0", NULL, 0);
	p = poller_new();
	add_ok(p, a, LIBSOCK_POLL_IN | LIBSOCK_POLL_EDGE, NULL);
	add_ok(p, b, LIBSOCK_POLL_OUT, NULL);
	add_ok(p, l, LIBSOCK_POLL_IN, NULL);
	sock_poller_free(p);
	ck_assert_int_eq(sock_close(a), 0);
	ck_assert_int_eq(sock_set_nonblocking(b, 1), 0);
	sock_free(b);
	sock_free(l);
	sock_free(a);
}
END_TEST

/* ------------------------------------------------------------ arguments */

/* Every role with a descriptor can be added; datagrams are reported. */
START_TEST(test_add_accepts_every_role_with_descriptor)
{
	struct sock_poller *p;
	struct sock *l, *a, *b, *u, *x, *g1, *g2, *c;
	struct sock_addr ua;
	char text[LIBSOCK_ADDRSTRLEN];
	int rc, tag;

	p = poller_new();
	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	ck_assert_int_eq(sock_role(l), LIBSOCK_ROLE_PASSIVE);
	add_ok(p, l, LIBSOCK_POLL_IN, NULL);

	unix_pair(&a, &b);
	ck_assert_int_eq(sock_role(a), LIBSOCK_ROLE_ACTIVE);
	add_ok(p, a, LIBSOCK_POLL_IN, NULL);

	u = tu_bind("udp://127.0.0.1:0", NULL, 0);
	ck_assert_int_eq(sock_role(u), LIBSOCK_ROLE_DGRAM);
	add_ok(p, u, LIBSOCK_POLL_IN, &tag);

	ck_assert_int_eq(sock_pair(LIBSOCK_UNIXGRAM, &g1, &g2), 0);
	ck_assert_int_eq(sock_role(g1), LIBSOCK_ROLE_CONNECTED_DGRAM);
	add_ok(p, g1, LIBSOCK_POLL_IN, &ua);

	c = nb_connect(text, &rc);
	if (rc == LIBSOCK_WANT_WRITE || rc == LIBSOCK_WANT_READ)
		add_ok(p, c, LIBSOCK_POLL_OUT, NULL);
	else {
		ck_assert_msg(rc == 0, "connect %s: %s", text, sock_error(c));
		printf("NOTE %s: the TCP connect completed at once; no "
		    "CONNECTING socket to add\n", __func__);
	}

	/* A datagram to each datagram socket is IN. */
	ck_assert_int_eq(sock_local_addr(u, &ua), 0);
	x = sock_new();
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(sock_sendto(x, "d", 1, &ua), 1);
	expect_event(p, u, LIBSOCK_POLL_IN, &tag, "bound UDP socket");
	ck_assert_int_eq(sock_send(g2, "d", 1), 1);
	expect_event(p, g1, LIBSOCK_POLL_IN, &ua, "connected datagram");

	sock_poller_free(p);
	sock_free(c);
	sock_free(x);
	sock_free(g1);
	sock_free(g2);
	sock_free(u);
	sock_free(a);
	sock_free(b);
	sock_free(l);
}
END_TEST

START_TEST(test_add_argument_errors_recorded_on_socket)
{
	static const unsigned bad[] = {
		0x20, 0x40, 0x100, LIBSOCK_POLL_IN | 0x80, 0x80000000u
	};
	struct sock_poller *p;
	struct sock *a, *b, *n;
	size_t i;
	int rc, err;

	p = poller_new();
	unix_pair(&a, &b);

	errno = 0;
	rc = sock_poller_add(NULL, a, LIBSOCK_POLL_IN, NULL);
	err = errno;
	assert_fails(rc, err, a, EINVAL, "add to a NULL poller");

	errno = 0;
	rc = sock_poller_add(p, NULL, LIBSOCK_POLL_IN, NULL);
	assert_fails(rc, errno, NULL, EINVAL, "add a NULL socket");

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		sock_free(b);
		sock_free(a);
		unix_pair(&a, &b);	/* a fresh socket: no code yet */
		errno = 0;
		rc = sock_poller_add(p, a, bad[i], NULL);
		err = errno;
		assert_fails(rc, err, a, EINVAL, "add with unknown bits");
	}
	/* The failed adds registered nothing. */
	add_ok(p, a, LIBSOCK_POLL_IN, NULL);
	ck_assert_int_eq(sock_poller_del(p, a), 0);

	/* A NEW object has no descriptor. */
	n = sock_new();
	ck_assert_ptr_nonnull(n);
	errno = 0;
	rc = sock_poller_add(p, n, LIBSOCK_POLL_IN, NULL);
	err = errno;
	assert_fails(rc, err, n, EINVAL, "add a NEW socket");
	ck_assert_int_eq(sock_role(n), LIBSOCK_ROLE_NEW);

	/*
	 * A closed one neither: without a descriptor (EINVAL) and closed
	 * (EBADF, the rule for every call on a closed socket).
	 */
	ck_assert_int_eq(sock_close(b), 0);
	errno = 0;
	rc = sock_poller_add(p, b, LIBSOCK_POLL_IN, NULL);
	err = errno;
	assert_fails(rc, err, b, err == EBADF ? EBADF : EINVAL,
	    "add a closed socket");

	/* Zero interest is fine. */
	add_ok(p, a, 0, NULL);

	sock_poller_free(p);
	sock_free(n);
	sock_free(a);
	sock_free(b);
}
END_TEST

/* A socket is in at most one poller. */
START_TEST(test_add_twice_eexist_in_same_or_other_poller)
{
	struct sock_poller *p1, *p2;
	struct sock *a, *b;
	int rc, err, u1, u2;

	p1 = poller_new();
	p2 = poller_new();
	unix_pair(&a, &b);
	add_ok(p1, a, LIBSOCK_POLL_IN, &u1);

	errno = 0;
	rc = sock_poller_add(p1, a, LIBSOCK_POLL_OUT, &u2);
	err = errno;
	assert_fails(rc, err, a, EEXIST, "add twice to one poller");

	errno = 0;
	rc = sock_poller_add(p2, a, LIBSOCK_POLL_OUT, &u2);
	err = errno;
	assert_fails(rc, err, a, EEXIST, "add to a second poller");

	/* The first registration is untouched: IN with u1, in p1 only. */
	send_ok(b, "x");
	expect_event(p1, a, LIBSOCK_POLL_IN, &u1, "a in p1");
	expect_quiet(p2, a, "a in p2");

	/* After a delete it may join the other. */
	ck_assert_int_eq(sock_poller_del(p1, a), 0);
	add_ok(p2, a, LIBSOCK_POLL_IN, &u2);
	expect_event(p2, a, LIBSOCK_POLL_IN, &u2, "a moved to p2");
	expect_quiet(p1, a, "a deleted from p1");

	sock_poller_free(p1);
	sock_poller_free(p2);
	sock_free(a);
	sock_free(b);
}
END_TEST

START_TEST(test_mod_del_argument_errors)
{
	struct sock_poller *p, *p2;
	struct sock *a, *b;
	int rc, err, u;

	p = poller_new();
	p2 = poller_new();
	unix_pair(&a, &b);

	errno = 0;
	rc = sock_poller_mod(NULL, a, LIBSOCK_POLL_IN, NULL);
	err = errno;
	assert_fails(rc, err, a, EINVAL, "mod with a NULL poller");
	errno = 0;
	rc = sock_poller_mod(p, NULL, LIBSOCK_POLL_IN, NULL);
	assert_fails(rc, errno, NULL, EINVAL, "mod a NULL socket");
	errno = 0;
	rc = sock_poller_del(NULL, b);
	err = errno;
	assert_fails(rc, err, b, EINVAL, "del with a NULL poller");
	errno = 0;
	rc = sock_poller_del(p, NULL);
	assert_fails(rc, errno, NULL, EINVAL, "del a NULL socket");

	/* Not in the poller. */
	errno = 0;
	rc = sock_poller_mod(p, a, LIBSOCK_POLL_IN, NULL);
	err = errno;
	assert_fails(rc, err, a, ENOENT, "mod of a socket in no poller");
	errno = 0;
	rc = sock_poller_del(p, b);
	err = errno;
	assert_fails(rc, err, b, ENOENT, "del of a socket in no poller");

	/* In another poller: still not in this one, and left alone. */
	add_ok(p2, a, LIBSOCK_POLL_IN, &u);
	errno = 0;
	rc = sock_poller_mod(p, a, LIBSOCK_POLL_OUT, NULL);
	err = errno;
	assert_fails(rc, err, a, ENOENT, "mod through the wrong poller");
	errno = 0;
	rc = sock_poller_del(p, a);
	err = errno;
	assert_fails(rc, err, a, ENOENT, "del through the wrong poller");
	send_ok(b, "x");
	ck_assert_uint_eq(expect_event(p2, a, LIBSOCK_POLL_IN, &u,
	    "a after the wrong poller's mod and del") & LIBSOCK_POLL_OUT, 0);

	/* Unknown bits in mod: EINVAL, the registration unchanged. */
	errno = 0;
	rc = sock_poller_mod(p2, a, LIBSOCK_POLL_OUT | 0x40, NULL);
	err = errno;
	assert_fails(rc, err, a, EINVAL, "mod with unknown bits");
	ck_assert_uint_eq(expect_event(p2, a, LIBSOCK_POLL_IN, &u,
	    "a after a failed mod") & LIBSOCK_POLL_OUT, 0);

	/* Deleted once; the second time it is not there. */
	ck_assert_int_eq(sock_poller_del(p2, a), 0);
	errno = 0;
	rc = sock_poller_del(p2, a);
	err = errno;
	assert_fails(rc, err, a, ENOENT, "del twice");
	errno = 0;
	rc = sock_poller_mod(p2, a, LIBSOCK_POLL_IN, NULL);
	err = errno;
	assert_fails(rc, err, a, ENOENT, "mod after del");

	sock_poller_free(p);
	sock_poller_free(p2);
	sock_free(a);
	sock_free(b);
}
END_TEST

/*
 * The peer hangs up after sending data that is not read: the hang-up
 * comes whatever the interest.  _i 0: interest 0, level, reported at
 * each wait; _i 1: LIBSOCK_POLL_EDGE alone; _i 2: IN and EDGE, the data
 * reported and left unread, so IN is not armed again.  On an edge the
 * hang-up is reported once, as epoll(7) does.
 */
START_TEST(test_hup_reported_unasked_level_and_edge)
{
	static const unsigned interest[] = { 0, LIBSOCK_POLL_EDGE,
	    LIBSOCK_POLL_IN | LIBSOCK_POLL_EDGE };
	struct sock_poller *p;
	struct sock *a, *b;
	unsigned ev;
	int u;

	p = poller_new();
	unix_pair(&a, &b);
	add_ok(p, a, interest[_i], &u);
	send_ok(b, "data");
	if (_i == 2)
		expect_event(p, a, LIBSOCK_POLL_IN, &u, "data arrived");
	expect_quiet(p, a, _i == 2 ? "edge: data still unread" :
	    "readable with interest 0");
	sock_free(b);
	ev = expect_event(p, a, LIBSOCK_POLL_HUP | LIBSOCK_POLL_ERR, &u,
	    "peer gone");
	ck_assert_msg(ev & LIBSOCK_POLL_HUP, "events %#x without HUP", ev);
	if (_i < 2)
		ck_assert_uint_eq(ev & (LIBSOCK_POLL_IN | LIBSOCK_POLL_OUT), 0);
	if (_i == 0)
		expect_event(p, a, LIBSOCK_POLL_HUP, &u, "level: hang-up "
		    "reported again");
	else
		expect_quiet(p, a, "edge: hang-up reported already");
	sock_poller_free(p);
	sock_free(a);
}
END_TEST

/* ------------------------------------------------------------ wait */

START_TEST(test_wait_zero_timeout_returns_at_once_when_idle)
{
	struct sock_poller *p;
	struct sock_event *ev;
	struct sock *a, *b, *l;
	long long t0, took;
	int n;

	p = poller_new();
	t0 = tu_now_ms();
	ck_assert_int_eq(wait_ok(p, 0, &ev), 0);	/* empty poller */
	unix_pair(&a, &b);
	l = tu_listen("tcp://127.0.0.1:0", NULL, 0);
	add_ok(p, a, LIBSOCK_POLL_IN, NULL);
	add_ok(p, b, LIBSOCK_POLL_IN | LIBSOCK_POLL_EDGE, NULL);
	add_ok(p, l, LIBSOCK_POLL_IN, NULL);
	n = wait_ok(p, 0, &ev);
	took = tu_now_ms() - t0;
	ck_assert_int_eq(n, 0);
	ck_assert_msg(took < slow(100) + 100, "two polls took %lld ms", took);
	sock_poller_free(p);
	sock_free(a);
	sock_free(b);
	sock_free(l);
}
END_TEST

START_TEST(test_wait_timeout_waits_about_that_long)
{
	struct sock_poller *p;
	struct sock_event *ev;
	struct sock *a, *b;
	long long t0, took;

	p = poller_new();
	/* Empty, then with an idle socket. */
	t0 = tu_now_ms();
	ck_assert_int_eq(wait_ok(p, 100, &ev), 0);
	took = tu_now_ms() - t0;
	ck_assert_msg(took >= 80 && took < 2000, "empty: %lld ms for 100",
	    took);
	unix_pair(&a, &b);
	add_ok(p, a, LIBSOCK_POLL_IN, NULL);
	t0 = tu_now_ms();
	ck_assert_int_eq(wait_ok(p, 100, &ev), 0);
	took = tu_now_ms() - t0;
	ck_assert_msg(took >= 80 && took < 2000, "idle: %lld ms for 100",
	    took);
	sock_poller_free(p);
	sock_free(a);
	sock_free(b);
}
END_TEST

struct late_sender {
	pthread_t	 thread;
	struct sock	*s;
	useconds_t	 delay;
	ssize_t		 rc;
};

static void *
late_sender_main(void *arg)
{
	struct late_sender *w = arg;

	usleep(w->delay);
	w->rc = sock_send(w->s, "late", 4);
	return NULL;
}

START_TEST(test_wait_forever_returns_when_data_arrives)
{
	struct sock_poller *p;
	struct sock_event *ev;
	struct late_sender w;
	struct sock *a, *b;
	long long t0, took;
	int n, u;

	p = poller_new();
	unix_pair(&a, &b);
	add_ok(p, a, LIBSOCK_POLL_IN, &u);
	memset(&w, 0, sizeof w);
	w.s = b;
	w.delay = 100 * 1000;
	ck_assert_int_eq(pthread_create(&w.thread, NULL, late_sender_main,
	    &w), 0);
	t0 = tu_now_ms();
	n = wait_ok(p, -1, &ev);
	took = tu_now_ms() - t0;
	ck_assert_int_eq(pthread_join(w.thread, NULL), 0);
	ck_assert_int_eq(w.rc, 4);
	ck_assert_int_eq(n, 1);
	ck_assert_ptr_eq(ev[0].sock, a);
	ck_assert_ptr_eq(ev[0].udata, &u);
	ck_assert_uint_eq(ev[0].events, LIBSOCK_POLL_IN);
	ck_assert_msg(took >= 50, "returned after %lld ms, before the data",
	    took);
	sock_poller_free(p);
	sock_free(a);
	sock_free(b);
}
END_TEST

START_TEST(test_wait_null_arguments_einval)
{
	struct sock_poller *p;
	struct sock_event *ev;
	struct sock *a, *b;

	p = poller_new();
	unix_pair(&a, &b);
	/* Ready at once: a failed call cannot pass for a wait. */
	add_ok(p, a, LIBSOCK_POLL_OUT, NULL);
	errno = 0;
	ck_assert_int_eq(sock_poller_wait(NULL, 0, &ev), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(sock_poller_wait(p, 0, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_int_eq(sock_poller_wait(NULL, -1, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* And the poller still works. */
	expect_event(p, a, LIBSOCK_POLL_OUT, NULL, "a after the errors");
	sock_poller_free(p);
	sock_free(a);
	sock_free(b);
}
END_TEST

static volatile sig_atomic_t usr1_seen;

static void
on_usr1(int sig)
{
	(void)sig;
	usr1_seen++;
}

/*
 * Signals the waiting thread every 50 ms until it says it is back; if it
 * never comes back (a wait that restarts after EINTR), data on fallback
 * ends the wait so that the test fails instead of hanging.
 */
struct kicker {
	pthread_t	 thread;
	pthread_t	 target;
	struct sock	*fallback;
	atomic_int	 back;
	int		 used_fallback;
};

static void *
kicker_main(void *arg)
{
	struct kicker *k = arg;
	long long end = tu_now_ms() + slow(3000);

	usleep(100 * 1000);
	while (!atomic_load(&k->back) && tu_now_ms() < end) {
		pthread_kill(k->target, SIGUSR1);
		usleep(50 * 1000);
	}
	if (!atomic_load(&k->back)) {
		k->used_fallback = 1;
		(void)sock_send(k->fallback, "x", 1);
	}
	return NULL;
}

static void
signal_ends_wait(struct sock_poller *p, struct sock *fallback, int timeout)
{
	struct sock_event *ev;
	struct kicker k;
	long long t0, took;
	int n, err;

	memset(&k, 0, sizeof k);
	k.target = pthread_self();
	k.fallback = fallback;
	atomic_init(&k.back, 0);
	usr1_seen = 0;
	ck_assert_int_eq(pthread_create(&k.thread, NULL, kicker_main, &k),
	    0);
	t0 = tu_now_ms();
	n = sock_poller_wait(p, timeout, &ev);
	err = errno;
	took = tu_now_ms() - t0;
	atomic_store(&k.back, 1);
	ck_assert_int_eq(pthread_join(k.thread, NULL), 0);
	ck_assert_msg(!k.used_fallback, "timeout %d: the signal did not end "
	    "the wait (%d signals; returned %d after %lld ms)", timeout,
	    (int)usr1_seen, n, took);
	ck_assert_msg(n == 0, "timeout %d: returned %d (%s) after a signal",
	    timeout, n, n == -1 ? sock_strerror(err) : "events");
	ck_assert_int_ge(usr1_seen, 1);
	ck_assert_msg(took < slow(2000), "timeout %d: took %lld ms", timeout,
	    took);
}

START_TEST(test_signal_ends_wait_with_zero)
{
	struct sigaction sa, old;
	struct sock_poller *p;
	struct sock *a, *b;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART */
	ck_assert_int_eq(sigaction(SIGUSR1, &sa, &old), 0);
	p = poller_new();
	unix_pair(&a, &b);
	add_ok(p, a, LIBSOCK_POLL_IN, NULL);
	signal_ends_wait(p, b, -1);
	signal_ends_wait(p, b, 10000);
	sock_poller_free(p);
	sock_free(a);
	sock_free(b);
	sigaction(SIGUSR1, &old, NULL);
}
END_TEST

/* ------------------------------------------------------------ level */

START_TEST(test_level_readable_reported_until_read)
{
	struct sock_poller *p;
	struct sock *a, *b;
	char buf[16];
	int i, u;

	p = poller_new();
	unix_pair(&a, &b);
	add_ok(p, a, LIBSOCK_POLL_IN, &u);
	expect_quiet(p, a, "nothing to read yet");
	send_ok(b, "abc");
	for (i = 0; i < 3; i++)
		expect_event(p, a, LIBSOCK_POLL_IN, &u, "unread data");
	/* Part read: still readable. */
	ck_assert_int_eq(sock_recv(a, buf, 1), 1);
	expect_event(p, a, LIBSOCK_POLL_IN, &u, "two bytes left");
	ck_assert_int_eq(sock_recv(a, buf, sizeof buf), 2);
	expect_quiet(p, a, "all read");
	expect_quiet(p, a, "all read, again");
	sock_poller_free(p);
	sock_free(a);
	sock_free(b);
}
END_TEST

START_TEST(test_level_out_on_fresh_connected_socket)
{
	struct sock_poller *p;
	struct sock *c, *s, *a, *b;
	unsigned ev;
	int i;

	p = poller_new();
	tu_tcp_pair(&c, &s);
	unix_pair(&a, &b);
	add_ok(p, c, LIBSOCK_POLL_OUT, NULL);
	add_ok(p, a, LIBSOCK_POLL_OUT, NULL);
	for (i = 0; i < 2; i++) {
		ev = expect_event(p, c, LIBSOCK_POLL_OUT, NULL, "TCP client");
		ck_assert_uint_eq(ev & LIBSOCK_POLL_IN, 0);
		ev = expect_event(p, a, LIBSOCK_POLL_OUT, NULL, "Unix pair");
		ck_assert_uint_eq(ev & LIBSOCK_POLL_IN, 0);
	}
	sock_poller_free(p);
	sock_free(c);
	sock_free(s);
	sock_free(a);
	sock_free(b);
}
END_TEST

START_TEST(test_level_listener_in_while_connection_waits)
{
	struct sock_poller *p;
	struct sock *l, *c, *a;
	char text[LIBSOCK_ADDRSTRLEN];
	int u;

	p = poller_new();
	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	add_ok(p, l, LIBSOCK_POLL_IN, &u);
	expect_quiet(p, l, "listener with no connection");
	c = tu_connect(text);
	expect_event(p, l, LIBSOCK_POLL_IN, &u, "connection waiting");
	expect_event(p, l, LIBSOCK_POLL_IN, &u, "connection still waiting");
	a = tu_accept(l);
	expect_quiet(p, l, "queue empty after accept");
	/* The accepted socket is in no poller: it joins this one. */
	add_ok(p, a, LIBSOCK_POLL_OUT, &u);
	expect_event(p, a, LIBSOCK_POLL_OUT, &u, "accepted socket");
	sock_poller_free(p);
	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

START_TEST(test_udata_as_given_and_as_changed_by_mod)
{
	struct sock_poller *p;
	struct sock *a, *b, *c, *d;
	int one, two, other;

	p = poller_new();
	unix_pair(&a, &b);
	unix_pair(&c, &d);
	add_ok(p, a, LIBSOCK_POLL_IN, &one);
	add_ok(p, c, LIBSOCK_POLL_IN, &other);
	send_ok(b, "x");
	send_ok(d, "x");
	expect_event(p, a, LIBSOCK_POLL_IN, &one, "as added");
	expect_event(p, c, LIBSOCK_POLL_IN, &other, "the other socket");
	mod_ok(p, a, LIBSOCK_POLL_IN, &two);
	expect_event(p, a, LIBSOCK_POLL_IN, &two, "after mod");
	expect_event(p, c, LIBSOCK_POLL_IN, &other, "the other, untouched");
	mod_ok(p, a, LIBSOCK_POLL_IN, NULL);
	expect_event(p, a, LIBSOCK_POLL_IN, NULL, "after mod to NULL");
	sock_poller_free(p);
	sock_free(a);
	sock_free(b);
	sock_free(c);
	sock_free(d);
}
END_TEST

START_TEST(test_mod_changes_interest_in_to_out)
{
	struct sock_poller *p;
	struct sock *a, *b;
	unsigned ev;
	int u;

	p = poller_new();
	unix_pair(&a, &b);
	add_ok(p, a, LIBSOCK_POLL_IN, &u);
	/* Writable, but OUT is not asked. */
	expect_quiet(p, a, "IN only, nothing to read");
	send_ok(b, "x");
	ev = expect_event(p, a, LIBSOCK_POLL_IN, &u, "IN only, data");
	ck_assert_uint_eq(ev & LIBSOCK_POLL_OUT, 0);

	mod_ok(p, a, LIBSOCK_POLL_OUT, &u);
	ev = expect_event(p, a, LIBSOCK_POLL_OUT, &u, "OUT only");
	ck_assert_msg((ev & LIBSOCK_POLL_IN) == 0, "OUT only, data unread: "
	    "IN reported (%#x)", ev);

	mod_ok(p, a, LIBSOCK_POLL_IN, &u);
	ev = expect_event(p, a, LIBSOCK_POLL_IN, &u, "back to IN");
	ck_assert_uint_eq(ev & LIBSOCK_POLL_OUT, 0);

	mod_ok(p, a, 0, &u);
	expect_quiet(p, a, "no interest");
	sock_poller_free(p);
	sock_free(a);
	sock_free(b);
}
END_TEST

/* ------------------------------------------------------------ edge */

START_TEST(test_edge_readable_once_until_want_read)
{
	struct sock_poller *p;
	struct sock *a, *b;
	char buf[2];
	ssize_t n;
	int i, u;

	p = poller_new();
	unix_pair(&a, &b);
	nonblocking(a);
	add_ok(p, a, LIBSOCK_POLL_IN | LIBSOCK_POLL_EDGE, &u);
	expect_quiet(p, a, "nothing to read yet");
	send_ok(b, "abcdefgh");
	expect_event(p, a, LIBSOCK_POLL_IN, &u, "data arrived");
	expect_quiet(p, a, "edge: data still unread");
	expect_quiet(p, a, "edge: data still unread, again");

	/* Read in small pieces until the want code. */
	for (i = 0; i < 100; i++)
		if ((n = sock_recv(a, buf, sizeof buf)) <= 0)
			break;
	ck_assert_msg(n == LIBSOCK_WANT_READ, "recv: %zd %s", n,
	    sock_error(a));
	ck_assert_int_eq(errno, EAGAIN);
	/* A want code leaves the recorded error alone. */
	ck_assert_int_eq(sock_error_code(a), 0);
	expect_quiet(p, a, "edge: drained");

	send_ok(b, "more");
	expect_event(p, a, LIBSOCK_POLL_IN, &u, "new data after want read");
	expect_quiet(p, a, "edge: new data still unread");
	sock_poller_free(p);
	sock_free(a);
	sock_free(b);
}
END_TEST

START_TEST(test_edge_writable_again_after_want_write)
{
	struct sock_poller *p;
	struct sock *a, *b;
	char chunk[4096];
	ssize_t n = 0;
	size_t sent = 0;
	long long end;
	int i, u;

	p = poller_new();
	unix_pair(&a, &b);
	nonblocking(a);
	nonblocking(b);
	add_ok(p, a, LIBSOCK_POLL_OUT | LIBSOCK_POLL_EDGE, &u);
	expect_event(p, a, LIBSOCK_POLL_OUT, &u, "fresh socket");
	expect_quiet(p, a, "edge: still writable");

	memset(chunk, 'w', sizeof chunk);
	end = tu_now_ms() + slow(WAIT_MS);
	for (i = 0; i < 100000 && tu_now_ms() < end; i++) {
		if ((n = sock_send(a, chunk, sizeof chunk)) <= 0)
			break;
		sent += (size_t)n;
	}
	ck_assert_msg(n == LIBSOCK_WANT_WRITE, "send after %zu bytes: %zd %s",
	    sent, n, sock_error(a));
	expect_quiet(p, a, "edge: buffer full");

	ck_assert_uint_eq(drain(b), sent);
	expect_event(p, a, LIBSOCK_POLL_OUT, &u, "writable after want write");
	expect_quiet(p, a, "edge: writable, reported once");
	sock_poller_free(p);
	sock_free(a);
	sock_free(b);
}
END_TEST

/* Accepts until NULL with EAGAIN; returns how many were accepted. */
static int
accept_all(struct sock *l, struct sock **out, int max)
{
	struct sock *a;
	int n = 0, code = sock_error_code(l);

	while (n < max && (a = sock_accept(l)) != NULL)
		out[n++] = a;
	ck_assert_int_lt(n, max);
	ck_assert_msg(errno == EAGAIN, "accept: %s", sock_strerror(errno));
	ck_assert_int_eq(sock_error_code(l), code);
	return n;
}

START_TEST(test_edge_listener_again_after_accept_eagain)
{
	struct sock_poller *p;
	struct sock *l, *c1, *c2, *acc[8];
	char text[LIBSOCK_ADDRSTRLEN];
	int n, i, u;

	l = sock_new();
	ck_assert_ptr_nonnull(l);
	nonblocking(l);
	ck_assert_int_eq(sock_listen(l, "tcp://127.0.0.1:0"), 0);
	snprintf(text, sizeof text, "tcp://127.0.0.1:%d", local_port(l));
	p = poller_new();
	add_ok(p, l, LIBSOCK_POLL_IN | LIBSOCK_POLL_EDGE, &u);
	expect_quiet(p, l, "no connection yet");

	c1 = tu_connect(text);
	expect_event(p, l, LIBSOCK_POLL_IN, &u, "first connection");
	expect_quiet(p, l, "edge: connection not accepted yet");
	n = accept_all(l, acc, 8);
	ck_assert_int_eq(n, 1);
	expect_quiet(p, l, "edge: queue empty");

	c2 = tu_connect(text);
	expect_event(p, l, LIBSOCK_POLL_IN, &u, "connection after EAGAIN");
	expect_quiet(p, l, "edge: second connection not accepted yet");
	n += accept_all(l, acc + n, 8 - n);
	ck_assert_int_eq(n, 2);
	for (i = 0; i < n; i++)
		sock_free(acc[i]);
	sock_poller_free(p);
	sock_free(c1);
	sock_free(c2);
	sock_free(l);
}
END_TEST

/* ------------------------------------------------------------ hang-ups */

/* The peer closes: IN (or HUP), and recv reads the end: TCP, then Unix. */
START_TEST(test_peer_close_reports_in_or_hup_recv_zero)
{
	struct sock_poller *p;
	struct sock *c, *s;
	char buf[8];
	int u;

	if (_i == 0)
		tu_tcp_pair(&c, &s);
	else
		unix_pair(&c, &s);
	p = poller_new();
	add_ok(p, c, LIBSOCK_POLL_IN, &u);
	expect_quiet(p, c, "peer still there");
	sock_free(s);
	expect_event(p, c, LIBSOCK_POLL_IN | LIBSOCK_POLL_HUP, &u,
	    "peer closed");
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), 0);
	sock_poller_free(p);
	sock_free(c);
}
END_TEST

/* A reset is reported though nothing was asked; recv gives the error. */
START_TEST(test_reset_reported_unasked_recv_gives_econnreset)
{
	struct sock_poller *p;
	struct sock *c, *s;
	struct linger lg = { 1, 0 };
	char buf[8];
	unsigned ev;
	int u;

	tu_tcp_pair(&c, &s);
	p = poller_new();
	add_ok(p, c, 0, &u);
	expect_quiet(p, c, "connection idle");
	/* Linger 0: close sends RST instead of FIN. */
	ck_assert_int_eq(setsockopt(sock_fd(s), SOL_SOCKET, SO_LINGER, &lg,
	    sizeof lg), 0);
	sock_free(s);
	ev = expect_event(p, c, LIBSOCK_POLL_ERR | LIBSOCK_POLL_HUP, &u,
	    "reset with interest 0");
	ck_assert_uint_eq(ev & LIBSOCK_POLL_OUT, 0);
	errno = 0;
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), -1);
	ck_assert_msg(sock_error_code(c) == ECONNRESET, "recv after reset: "
	    "%s", sock_error(c));
	sock_poller_free(p);
	sock_free(c);
}
END_TEST

/* ------------------------------------------------------------ connect */

/*
 * Waits for the connect to finish, as a caller would: interest as the
 * want code says, sock_connect_finish at each report.  Returns its last
 * result; *reported gets the events of the first report.
 */
static int
finish_connect(struct sock_poller *p, struct sock *s, int rc, void *udata,
    unsigned *reported)
{
	const struct sock_event *e;
	long long end = tu_now_ms() + slow(5000);
	int i;

	*reported = 0;
	for (i = 0; i < 100 && tu_now_ms() < end; i++) {
		mod_ok(p, s, rc == LIBSOCK_WANT_READ ? LIBSOCK_POLL_IN :
		    LIBSOCK_POLL_OUT, udata);
		e = wait_for(p, s, WAIT_MS);
		ck_assert_msg(e != NULL, "connect: no report within %d ms "
		    "(role %d, descriptor %d)", WAIT_MS, sock_role(s),
		    sock_fd(s));
		ck_assert_ptr_eq(e->udata, udata);
		if (*reported == 0)
			*reported = e->events;
		rc = sock_connect_finish(s);
		if (rc != LIBSOCK_WANT_WRITE && rc != LIBSOCK_WANT_READ)
			return rc;
		ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_CONNECTING);
	}
	ck_abort_msg("connect did not finish");
	return -1;
}

/* A connect that succeeded is OUT; the socket stays registered. */
START_TEST(test_connect_success_reports_out)
{
	struct sock_poller *p;
	struct sock *l, *s, *a;
	char text[LIBSOCK_ADDRSTRLEN];
	unsigned ev;
	int rc, u;

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	p = poller_new();
	s = nb_connect(text, &rc);
	if (rc == 0) {
		printf("NOTE %s: connected at once\n", __func__);
		add_ok(p, s, LIBSOCK_POLL_OUT, &u);
		expect_event(p, s, LIBSOCK_POLL_OUT, &u, "connected");
	} else {
		ck_assert_msg(rc == LIBSOCK_WANT_WRITE, "connect %s: %d %s",
		    text, rc, sock_error(s));
		add_ok(p, s, LIBSOCK_POLL_OUT, &u);
		rc = finish_connect(p, s, rc, &u, &ev);
		ck_assert_msg(rc == 0, "connect_finish: %s", sock_error(s));
		ck_assert_msg(ev & LIBSOCK_POLL_OUT, "reported %#x", ev);
	}
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_ACTIVE);
	a = tu_accept(l);
	mod_ok(p, s, LIBSOCK_POLL_IN, &u);
	send_ok(a, "hi");
	expect_event(p, s, LIBSOCK_POLL_IN, &u, "data after connect");
	sock_poller_free(p);
	sock_free(a);
	sock_free(s);
	sock_free(l);
}
END_TEST

/*
 * A refused connect under a poller: *s is the socket after the failure
 * (or NULL when it failed at once, then the case cannot be made).
 */
static int
refused_connect(struct sock_poller *p, struct sock **sp, int *udata,
    char *text, size_t size)
{
	struct sock *s;
	unsigned ev;
	int rc, err;

	snprintf(text, size, "tcp://127.0.0.1:%d", tu_closed_port());
	s = nb_connect(text, &rc);
	*sp = s;
	if (rc == -1) {
		ck_assert_int_eq(sock_error_code(s), ECONNREFUSED);
		return -1;
	}
	ck_assert_msg(rc == LIBSOCK_WANT_WRITE, "connect %s: %d %s", text, rc,
	    sock_error(s));
	add_ok(p, s, LIBSOCK_POLL_OUT, udata);
	errno = 0;
	rc = finish_connect(p, s, rc, udata, &ev);
	err = errno;
	ck_assert_msg(ev & (LIBSOCK_POLL_OUT | LIBSOCK_POLL_ERR),
	    "refused connect reported %#x", ev);
	ck_assert_msg(rc == -1, "connect_finish to a closed port: %d", rc);
	ck_assert_int_eq(err, ECONNREFUSED);
	ck_assert_int_eq(sock_error_code(s), ECONNREFUSED);
	return 0;
}

START_TEST(test_refused_connect_reports_and_finish_fails)
{
	struct sock_poller *p;
	struct sock *s;
	char text[64], msg[128];
	int u;

	p = poller_new();
	if (refused_connect(p, &s, &u, text, sizeof text) == -1) {
		sock_free(s);
		sock_poller_free(p);
		TU_SKIP("the connect was refused at once");
	}
	snprintf(msg, sizeof msg, "connect %s: Connection refused", text);
	ck_assert_str_eq(sock_error(s), msg);
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(s), -1);
	sock_poller_free(p);
	sock_free(s);
}
END_TEST

START_TEST(test_failed_final_connect_removes_socket_from_poller)
{
	struct sock_poller *p;
	struct sock_event *ev;
	struct sock *s, *l;
	char text[64], live[LIBSOCK_ADDRSTRLEN];
	int rc, err, u;

	p = poller_new();
	if (refused_connect(p, &s, &u, text, sizeof text) == -1) {
		sock_free(s);
		sock_poller_free(p);
		TU_SKIP("the connect was refused at once");
	}
	errno = 0;
	rc = sock_poller_del(p, s);
	err = errno;
	assert_fails(rc, err, s, ENOENT, "del after the failed connect");
	errno = 0;
	rc = sock_poller_mod(p, s, LIBSOCK_POLL_OUT, &u);
	err = errno;
	assert_fails(rc, err, s, ENOENT, "mod after the failed connect");
	ck_assert_int_eq(wait_ok(p, 0, &ev), 0);

	/* NEW again and in no poller: a new connect may join one. */
	l = tu_listen("tcp://127.0.0.1:0", live, sizeof live);
	rc = sock_connect(s, live);
	ck_assert_msg(rc == 0 || rc == LIBSOCK_WANT_WRITE, "connect %s: %s",
	    live, sock_error(s));
	add_ok(p, s, LIBSOCK_POLL_OUT, &u);
	sock_poller_free(p);
	sock_free(s);
	sock_free(l);
}
END_TEST

/*
 * Finds a host whose first address (family *first) refuses while the
 * second (family *second) is a loopback we can listen on: "localhost"
 * when it resolves to both families, else "*" ([::], then 0.0.0.0,
 * which connect takes as the local host).  NULL when neither does.
 */
static const char *
two_family_host(int *first, int *second)
{
	static const char *const hosts[] = { "localhost", "*" };
	struct sock_addr list[8];
	char text[64];
	size_t i;
	int n;

	for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
		snprintf(text, sizeof text, "tcp://%s:1", hosts[i]);
		n = sock_addr_resolve(text, list, 8);
		if (n >= 2 && list[0].storage.ss_family !=
		    list[1].storage.ss_family) {
			*first = list[0].storage.ss_family;
			*second = list[1].storage.ss_family;
			return hosts[i];
		}
		printf("NOTE two_family_host: %s resolves to %d address%s "
		    "of one family\n", hosts[i], n, n == 1 ? "" : "es");
	}
	return NULL;
}

/*
 * The first address refuses, the second takes the connect: the
 * descriptor changes while the socket is in the poller, which follows.
 */
START_TEST(test_connect_follows_descriptor_to_next_address)
{
	struct sock_poller *p;
	struct sock *l, *s, *a;
	struct sock_addr peer;
	const char *host;
	char text[64];
	unsigned ev;
	int first, second, rc, u, u2, err, fam0;

	if (!tu_have_ipv6())
		TU_SKIP("no IPv6 loopback");
	if ((host = two_family_host(&first, &second)) == NULL)
		TU_SKIP("localhost resolves to one address only");
	l = tu_listen(second == AF_INET6 ? "tcp://[::1]:0" :
	    "tcp://127.0.0.1:0", NULL, 0);
	snprintf(text, sizeof text, "tcp://%s:%d", host, local_port(l));
	p = poller_new();
	s = nb_connect(text, &rc);
	if (rc == -1 && sock_error_code(s) == EINVAL) {
		printf("NOTE %s: connect %s: %s\n", __func__, text,
		    sock_error(s));
		sock_free(s);
		sock_poller_free(p);
		sock_free(l);
		TU_SKIP("no host with two address families to connect to");
	}
	ck_assert_msg(rc == LIBSOCK_WANT_WRITE || rc == 0, "connect %s: %d "
	    "%s", text, rc, sock_error(s));
	fam0 = fd_family(sock_fd(s));
	if (fam0 != first)
		printf("NOTE %s: the first address (family %d) failed at "
		    "once\n", __func__, first);
	add_ok(p, s, LIBSOCK_POLL_OUT, &u);
	if (rc != 0) {
		rc = finish_connect(p, s, rc, &u, &ev);
		ck_assert_msg(rc == 0, "connect_finish %s: %s", text,
		    sock_error(s));
	}
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_ACTIVE);
	ck_assert_int_eq(sock_peer_addr(s, &peer), 0);
	if (peer.storage.ss_family == first) {
		sock_poller_free(p);
		sock_free(s);
		sock_free(l);
		TU_SKIP("something listens on %s for the first family", text);
	}
	ck_assert_int_eq(peer.storage.ss_family, second);
	ck_assert_int_eq(fd_family(sock_fd(s)), second);

	/* Still registered, and with the new descriptor. */
	errno = 0;
	rc = sock_poller_add(p, s, LIBSOCK_POLL_IN, &u2);
	err = errno;
	assert_fails(rc, err, s, EEXIST, "add after the connect");
	mod_ok(p, s, LIBSOCK_POLL_IN, &u2);
	a = tu_accept(l);
	expect_quiet(p, s, "nothing sent yet");
	send_ok(a, "hello");
	expect_event(p, s, LIBSOCK_POLL_IN, &u2, "data from the peer");
	sock_poller_free(p);
	sock_free(a);
	sock_free(s);
	sock_free(l);
}
END_TEST

/* ------------------------------------------------------------ removal */

/*
 * Sockets closed (0) or freed (1) while registered; then a new socket
 * gets the same descriptor number and is readable.  Variant 2: the new
 * socket is registered too, and is reported as itself.
 */
START_TEST(test_closed_socket_not_reported_when_fd_reused)
{
	struct sock_poller *p;
	struct sock_event *ev;
	struct sock *a, *b, *c[8], *d[8], *reused = NULL, *writer = NULL;
	int fd, i, k, n, ua, uc;

	p = poller_new();
	unix_pair(&a, &b);
	add_ok(p, a, LIBSOCK_POLL_IN, &ua);
	fd = sock_fd(a);
	if (_i == 1) {
		sock_free(a);
		a = NULL;
	} else {
		ck_assert_int_eq(sock_close(a), 0);
		/* Out of the poller (ENOENT), or refused as closed (EBADF). */
		ck_assert_int_eq(sock_poller_del(p, a), -1);
		ck_assert_msg(errno == ENOENT || errno == EBADF, "del after "
		    "close: %s", sock_strerror(errno));
	}
	for (k = 0; k < 8 && reused == NULL; k++) {
		unix_pair(&c[k], &d[k]);
		if (sock_fd(c[k]) == fd)
			reused = c[k], writer = d[k];
		else if (sock_fd(d[k]) == fd)
			reused = d[k], writer = c[k];
	}
	if (reused != NULL) {
		if (_i == 2)
			add_ok(p, reused, LIBSOCK_POLL_IN, &uc);
		send_ok(writer, "x");
		for (i = 0; i < 3; i++) {
			n = wait_ok(p, 50, &ev);
			if (_i == 2) {
				ck_assert_int_eq(n, 1);
				ck_assert_ptr_eq(ev[0].sock, reused);
				ck_assert_ptr_eq(ev[0].udata, &uc);
			} else
				ck_assert_msg(n == 0, "%d entries, the first "
				    "udata %p (closed socket's %p)", n,
				    ev[0].udata, (void *)&ua);
		}
	}
	sock_poller_free(p);
	while (k-- > 0) {
		sock_free(c[k]);
		sock_free(d[k]);
	}
	sock_free(a);
	sock_free(b);
	if (reused == NULL)
		TU_SKIP("descriptor %d was not reused", fd);
}
END_TEST

/* A deleted socket's data is not reported; it can be added again. */
START_TEST(test_deleted_socket_not_reported)
{
	struct sock_poller *p;
	struct sock *a, *b;
	int u;

	p = poller_new();
	unix_pair(&a, &b);
	add_ok(p, a, LIBSOCK_POLL_IN, &u);
	ck_assert_int_eq(sock_poller_del(p, a), 0);
	send_ok(b, "x");
	expect_quiet(p, a, "deleted");
	ck_assert_ptr_null(wait_for(p, a, 200));
	add_ok(p, a, LIBSOCK_POLL_IN, &u);
	expect_event(p, a, LIBSOCK_POLL_IN, &u, "added again");
	sock_poller_free(p);
	sock_free(a);
	sock_free(b);
}
END_TEST

/*
 * A copy of the descriptor (dup: variants 0, 1; fork: 2, 3) keeps the
 * socket's file open after sock_close (even) or sock_free (odd); the
 * peer's data must not bring back the closed socket.
 */
START_TEST(test_copied_descriptor_of_closed_socket_not_reported)
{
	struct sock_poller *p;
	struct sock_event *ev;
	struct sock *a, *b;
	int dupfd = -1, pipefd[2] = { -1, -1 }, i, n, u, status;
	pid_t pid = -1;
	char c;

	p = poller_new();
	unix_pair(&a, &b);
	add_ok(p, a, LIBSOCK_POLL_IN, &u);
	if (_i < 2) {
		dupfd = dup(sock_fd(a));
		ck_assert_int_ne(dupfd, -1);
	} else {
		ck_assert_int_eq(pipe(pipefd), 0);
		pid = fork();
		ck_assert_int_ne(pid, -1);
		if (pid == 0) {
			/* Holds every descriptor until the parent is done. */
			alarm(30);
			close(pipefd[1]);
			while (read(pipefd[0], &c, 1) == -1 && errno == EINTR)
				;
			_exit(0);
		}
		close(pipefd[0]);
	}
	if (_i % 2 == 0)
		ck_assert_int_eq(sock_close(a), 0);
	else {
		sock_free(a);
		a = NULL;
	}
	/* The file lives on in the copy, so the data is taken. */
	ck_assert_int_eq(sock_send(b, "late", 4), 4);
	for (i = 0; i < 3; i++) {
		n = wait_ok(p, 50, &ev);
		ck_assert_msg(n == 0, "closed socket reported: %d entries, "
		    "events %#x, udata %p (its udata %p)", n, ev[0].events,
		    ev[0].udata, (void *)&u);
	}
	if (dupfd != -1)
		close(dupfd);
	if (pid > 0) {
		close(pipefd[1]);
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	sock_poller_free(p);
	sock_free(a);
	sock_free(b);
}
END_TEST

/* ------------------------------------------------------------ batch */

/*
 * Two sockets ready in one wait; while the first entry is handled the
 * second socket is closed (0), freed (1), deleted (2), or closed and its
 * descriptor number taken by a new registered socket (3).
 */
START_TEST(test_stale_entry_cleared_in_same_batch)
{
	struct sock_poller *p;
	struct sock_event *ev, *first, *second;
	struct sock *a[2], *b[2], *victim, *kept, *c = NULL, *d = NULL;
	int n, i, u[2], uc, fd;

	p = poller_new();
	for (i = 0; i < 2; i++) {
		unix_pair(&a[i], &b[i]);
		add_ok(p, a[i], LIBSOCK_POLL_IN, &u[i]);
		send_ok(b[i], "x");
	}
	n = wait_ok(p, WAIT_MS, &ev);
	ck_assert_int_eq(n, 2);
	first = &ev[0];
	second = &ev[1];
	kept = first->sock;
	victim = second->sock;
	ck_assert(victim != kept && (victim == a[0] || victim == a[1]));

	/* Handling the first entry. */
	fd = sock_fd(victim);
	switch (_i) {
	case 0:
	case 3:
		ck_assert_int_eq(sock_close(victim), 0);
		break;
	case 1:
		sock_free(victim);
		break;
	case 2:
		ck_assert_int_eq(sock_poller_del(p, victim), 0);
		break;
	}
	if (_i == 3) {
		unix_pair(&c, &d);
		if (sock_fd(c) != fd && sock_fd(d) != fd)
			printf("NOTE %s: descriptor %d not reused\n", __func__,
			    fd);
		add_ok(p, sock_fd(c) == fd ? c : d, LIBSOCK_POLL_IN, &uc);
		send_ok(c, "x");
		send_ok(d, "x");
	}

	/* The first entry is as it was; the second is blank. */
	ck_assert_ptr_eq(first->sock, kept);
	ck_assert_ptr_eq(first->udata, kept == a[0] ? &u[0] : &u[1]);
	ck_assert_uint_eq(first->events, LIBSOCK_POLL_IN);
	ck_assert_msg(second->sock == NULL, "stale entry: sock %p",
	    (void *)second->sock);
	ck_assert_ptr_null(second->udata);
	ck_assert_uint_eq(second->events, 0);

	/* The next wait has the kept socket (data unread), not the other. */
	n = wait_ok(p, 0, &ev);
	ck_assert_int_eq(events_of(ev, n, kept), LIBSOCK_POLL_IN);
	for (i = 0; i < n; i++)
		ck_assert_msg(ev[i].sock == kept || (c != NULL &&
		    ev[i].udata == &uc), "entry %d: udata %p", i,
		    ev[i].udata);
	ck_assert_int_eq(n, _i == 3 ? 2 : 1);

	sock_poller_free(p);
	if (_i != 1)
		sock_free(victim);
	sock_free(kept);
	sock_free(b[0]);
	sock_free(b[1]);
	sock_free(c);
	sock_free(d);
}
END_TEST

/* Entries stay valid through registrations until the next wait. */
START_TEST(test_event_array_valid_until_next_wait)
{
	enum { EXTRA = 100 };
	struct sock_poller *p;
	struct sock_event *ev, copy[2];
	struct sock *a[2], *b[2], *x[EXTRA], *y[EXTRA];
	int n, i, u[2];

	p = poller_new();
	for (i = 0; i < 2; i++) {
		unix_pair(&a[i], &b[i]);
		add_ok(p, a[i], LIBSOCK_POLL_IN, &u[i]);
		send_ok(b[i], "x");
	}
	n = wait_ok(p, WAIT_MS, &ev);
	ck_assert_int_eq(n, 2);
	memcpy(copy, ev, sizeof copy);
	/* Enough new sockets to make any internal table grow. */
	for (i = 0; i < EXTRA; i++) {
		unix_pair(&x[i], &y[i]);
		add_ok(p, x[i], LIBSOCK_POLL_IN | LIBSOCK_POLL_OUT, NULL);
		add_ok(p, y[i], LIBSOCK_POLL_IN, NULL);
	}
	for (i = 0; i < EXTRA; i += 2)
		ck_assert_int_eq(sock_poller_del(p, y[i]), 0);
	for (i = 0; i < 2; i++) {
		ck_assert_ptr_eq(ev[i].sock, copy[i].sock);
		ck_assert_ptr_eq(ev[i].udata, copy[i].udata);
		ck_assert_uint_eq(ev[i].events, copy[i].events);
	}
	sock_poller_free(p);
	for (i = 0; i < EXTRA; i++) {
		sock_free(x[i]);
		sock_free(y[i]);
	}
	for (i = 0; i < 2; i++) {
		sock_free(a[i]);
		sock_free(b[i]);
	}
}
END_TEST

/* Room for 2 * NPAIRS descriptors and some, or 0 (then it skips). */
static int
enough_descriptors(void)
{
	struct rlimit rl;
	rlim_t want = 2 * NPAIRS + 64 + (rlim_t)tu_fd_count();

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return 0;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < want)
			return 0;
		rl.rlim_cur = want;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			return 0;
	}
	return 1;
}

/*
 * 300 readable sockets: at most 256 come in one wait, the rest in the
 * next, each with its own udata.  Variant 0 reads each socket when it is
 * handled, as a loop does: each is reported exactly once.  Variant 1
 * reads nothing: all are still ready, and the second wait must begin
 * with those the first left out, so that none starves.
 */
START_TEST(test_300_sockets_each_reported_at_most_256_per_wait)
{
	struct sock_poller *p;
	struct sock_event *ev;
	struct sock *a[NPAIRS], *b[NPAIRS];
	int id[NPAIRS], seen[NPAIRS], in_wait[NPAIRS], sizes[2];
	int w, n, i, k, distinct = 0;
	char c;

	if (!enough_descriptors())
		TU_SKIP("fewer than %d descriptors allowed", 2 * NPAIRS + 64);
	p = poller_new();
	for (i = 0; i < NPAIRS; i++) {
		unix_pair(&a[i], &b[i]);
		id[i] = i;
		seen[i] = 0;
		add_ok(p, a[i], LIBSOCK_POLL_IN, &id[i]);
		ck_assert_int_eq(sock_send(b[i], "x", 1), 1);
	}
	for (w = 0; w < 2; w++) {
		n = wait_ok(p, WAIT_MS, &ev);
		sizes[w] = n;
		memset(in_wait, 0, sizeof in_wait);
		for (i = 0; i < n; i++) {
			ck_assert_ptr_nonnull(ev[i].udata);
			k = *(int *)ev[i].udata;
			ck_assert_msg(k >= 0 && k < NPAIRS && ev[i].udata ==
			    &id[k], "entry %d: udata %p", i, ev[i].udata);
			ck_assert_ptr_eq(ev[i].sock, a[k]);
			ck_assert_uint_eq(ev[i].events, LIBSOCK_POLL_IN);
			ck_assert_msg(in_wait[k]++ == 0, "wait %d: socket %d "
			    "twice", w, k);
			if (seen[k]++ == 0)
				distinct++;
			else
				ck_assert_msg(_i == 1, "socket %d reported "
				    "again after it was read", k);
			if (_i == 0)
				ck_assert_int_eq(sock_recv(a[k], &c, 1), 1);
		}
	}
	ck_assert_msg(sizes[0] > 0 && sizes[0] <= MAX_BATCH, "first wait: %d",
	    sizes[0]);
	ck_assert_msg(distinct == NPAIRS, "two waits (%d + %d entries) "
	    "reported %d of the %d ready sockets", sizes[0], sizes[1],
	    distinct, NPAIRS);
	if (_i == 0)
		ck_assert_int_eq(wait_ok(p, 0, &ev), 0);
	sock_poller_free(p);
	for (i = 0; i < NPAIRS; i++) {
		sock_free(a[i]);
		sock_free(b[i]);
	}
}
END_TEST

/* ------------------------------------------------------------ tls */

#ifdef HAVE_OPENSSL

/* The path of a file of the certificate directory (2 live at a time). */
static const char *
cert(const char *name)
{
	static char ring[2][PATH_MAX];
	static unsigned next;
	char *path = ring[next++ % 2];

	snprintf(path, PATH_MAX, "%s/%s", cert_dir, name);
	return path;
}

/* Accepts one connection, sends one 100-byte record, reads to the end. */
struct tls_peer {
	pthread_t	 thread;
	struct sock	*listener;
	ssize_t		 sent;
	char		 error[256];
};

static void *
tls_peer_main(void *arg)
{
	struct tls_peer *t = arg;
	struct sock *c;
	char record[100], buf[256];
	int i;

	if ((c = sock_accept(t->listener)) == NULL) {
		snprintf(t->error, sizeof t->error, "accept: %s",
		    sock_error(t->listener));
		return NULL;
	}
	memset(record, 'r', sizeof record);
	t->sent = sock_send(c, record, sizeof record);
	if (t->sent != (ssize_t)sizeof record)
		snprintf(t->error, sizeof t->error, "send: %s",
		    sock_error(c));
	for (i = 0; i < 100 && sock_recv(c, buf, sizeof buf) > 0; i++)
		;
	sock_free(c);
	return NULL;
}

/*
 * Bytes decrypted inside the library are IN though the descriptor is not
 * readable: level (0) and edge (1).
 */
START_TEST(test_tls_pending_reported_in)
{
	struct sock_tls_config *scfg, *ccfg;
	struct sock_poller *p;
	struct sock_event *ev;
	struct tls_peer t;
	struct sock *l, *c;
	struct pollfd pfd;
	char text[64], buf[128];
	long long t0, took, end;
	ssize_t n = 0;
	int u, i;

	if (!have_certs)
		TU_SKIP("no certificates (the openssl command is missing)");
	scfg = sock_tls_config_new();
	ck_assert_ptr_nonnull(scfg);
	ck_assert_msg(sock_tls_config_set_keypair_file(scfg,
	    cert("server.crt"), cert("server.key")) == 0, "key pair: %s",
	    sock_tls_config_error(scfg));
	ccfg = sock_tls_config_new();
	ck_assert_ptr_nonnull(ccfg);
	ck_assert_int_eq(sock_tls_config_set_ca_file(ccfg, cert("ca.crt")),
	    0);

	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_tls_config(l, scfg), 0);
	ck_assert_int_eq(sock_set_timeout(l, (int)slow(5000)), 0);
	ck_assert_int_eq(sock_set_handshake_timeout(l, (int)slow(5000)), 0);
	ck_assert_msg(sock_listen(l, "tls://127.0.0.1:0") == 0, "listen: %s",
	    sock_error(l));
	memset(&t, 0, sizeof t);
	t.listener = l;
	ck_assert_int_eq(pthread_create(&t.thread, NULL, tls_peer_main, &t),
	    0);

	c = sock_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sock_set_tls_config(c, ccfg), 0);
	ck_assert_int_eq(sock_set_timeout(c, (int)slow(5000)), 0);
	ck_assert_int_eq(sock_set_handshake_timeout(c, (int)slow(5000)), 0);
	snprintf(text, sizeof text, "tls://127.0.0.1:%d", local_port(l));
	ck_assert_msg(sock_connect(c, text) == 0, "connect %s: %s", text,
	    sock_error(c));
	nonblocking(c);

	/* One byte of the record; the other 99 stay inside. */
	end = tu_now_ms() + slow(5000);
	pfd.fd = sock_fd(c);
	pfd.events = POLLIN;
	for (i = 0; i < 100 && tu_now_ms() < end; i++) {
		if ((n = sock_recv(c, buf, 1)) != LIBSOCK_WANT_READ &&
		    n != LIBSOCK_WANT_WRITE)
			break;
		(void)poll(&pfd, 1, 100);
	}
	ck_assert_msg(n == 1, "first byte: %zd %s", n, sock_error(c));
	ck_assert_int_eq(buf[0], 'r');
	ck_assert_int_eq(sock_tls_pending(c), 99);
	pfd.revents = 0;
	ck_assert_msg(poll(&pfd, 1, 0) == 0, "the descriptor is readable "
	    "(revents %#x): the case needs it idle", (unsigned)pfd.revents);

	p = poller_new();
	add_ok(p, c, LIBSOCK_POLL_IN | (_i == 1 ? LIBSOCK_POLL_EDGE : 0), &u);
	t0 = tu_now_ms();
	n = wait_ok(p, (int)slow(WAIT_MS), &ev);
	took = tu_now_ms() - t0;
	ck_assert_msg(events_of(ev, n, c) & LIBSOCK_POLL_IN, "pending bytes "
	    "not reported (%d entries after %lld ms)", (int)n, took);
	ck_assert_ptr_eq(entry_of(ev, (int)n, c)->udata, &u);
	ck_assert_msg(took < slow(500), "reported after %lld ms", took);
	if (_i == 0)
		expect_event(p, c, LIBSOCK_POLL_IN, &u, "still pending");

	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), 99);
	ck_assert_int_eq(sock_tls_pending(c), 0);
	n = sock_recv(c, buf, sizeof buf);
	ck_assert_msg(n == LIBSOCK_WANT_READ || n == LIBSOCK_WANT_WRITE,
	    "recv with nothing left: %zd %s", n, sock_error(c));
	expect_quiet(p, c, "all read");
	expect_quiet(p, c, "all read, again");

	sock_poller_free(p);
	sock_free(c);	/* close_notify ends the peer's reading */
	ck_assert_int_eq(pthread_join(t.thread, NULL), 0);
	ck_assert_msg(t.error[0] == '\0', "peer: %s", t.error);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

static void
remove_cert_dir(void)
{
	tu_certs_remove(cert_dir, "check_poller");
}

/* 0 when made, 77 without openssl (the TLS case skips), 99 on error. */
static int
make_certs(void)
{
	return tu_certs_make(cert_dir, sizeof cert_dir, "check_poller");
}

#else	/* !HAVE_OPENSSL */

START_TEST(test_tls_pending_reported_in)
{
	(void)_i;
	TU_SKIP("built without OpenSSL");
}
END_TEST

#endif	/* HAVE_OPENSSL */

/* ------------------------------------------------------------ main */

static Suite *
poller_suite(void)
{
	Suite *suite = suite_create("poller");
	TCase *tc;

	tc = tu_tcase("new and free");
	tcase_add_test(tc, test_backend_is_named_and_free_null_is_fine);
	tcase_add_test(tc, test_new_without_descriptors_fails_emfile);
	tcase_add_test(tc,
	    test_free_leaves_registered_sockets_usable_elsewhere);
	tcase_add_test(tc, test_sockets_outlive_freed_poller);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("arguments");
	tcase_add_test(tc, test_add_accepts_every_role_with_descriptor);
	tcase_add_test(tc, test_add_argument_errors_recorded_on_socket);
	tcase_add_test(tc, test_add_twice_eexist_in_same_or_other_poller);
	tcase_add_test(tc, test_mod_del_argument_errors);
	tcase_add_loop_test(tc, test_hup_reported_unasked_level_and_edge, 0,
	    3);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("wait");
	tcase_add_test(tc, test_wait_zero_timeout_returns_at_once_when_idle);
	tcase_add_test(tc, test_wait_timeout_waits_about_that_long);
	tcase_add_test(tc, test_wait_forever_returns_when_data_arrives);
	tcase_add_test(tc, test_wait_null_arguments_einval);
	tcase_add_test(tc, test_signal_ends_wait_with_zero);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("level");
	tcase_add_test(tc, test_level_readable_reported_until_read);
	tcase_add_test(tc, test_level_out_on_fresh_connected_socket);
	tcase_add_test(tc, test_level_listener_in_while_connection_waits);
	tcase_add_test(tc, test_udata_as_given_and_as_changed_by_mod);
	tcase_add_test(tc, test_mod_changes_interest_in_to_out);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("edge");
	tcase_add_test(tc, test_edge_readable_once_until_want_read);
	tcase_add_test(tc, test_edge_writable_again_after_want_write);
	tcase_add_test(tc, test_edge_listener_again_after_accept_eagain);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("hang-ups and errors");
	tcase_add_loop_test(tc, test_peer_close_reports_in_or_hup_recv_zero,
	    0, 2);
	tcase_add_test(tc, test_reset_reported_unasked_recv_gives_econnreset);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("connect");
	tcase_add_test(tc, test_connect_success_reports_out);
	tcase_add_test(tc, test_refused_connect_reports_and_finish_fails);
	tcase_add_test(tc,
	    test_failed_final_connect_removes_socket_from_poller);
	tcase_add_test(tc, test_connect_follows_descriptor_to_next_address);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("removal");
	tcase_add_loop_test(tc, test_closed_socket_not_reported_when_fd_reused,
	    0, 3);
	tcase_add_test(tc, test_deleted_socket_not_reported);
	tcase_add_loop_test(tc,
	    test_copied_descriptor_of_closed_socket_not_reported, 0, 4);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("batch");
	tcase_add_loop_test(tc, test_stale_entry_cleared_in_same_batch, 0, 4);
	tcase_add_test(tc, test_event_array_valid_until_next_wait);
	tcase_add_loop_test(tc,
	    test_300_sockets_each_reported_at_most_256_per_wait, 0, 2);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("tls");
	tcase_add_loop_test(tc, test_tls_pending_reported_in, 0, 2);
	suite_add_tcase(suite, tc);
	return suite;
}

/* The backend's name, once per run. */
static void
print_backend(void)
{
	struct sock_poller *p;

	if ((p = sock_poller_new()) == NULL) {
		printf("poller backend: unknown (sock_poller_new: %s)\n",
		    sock_strerror(errno));
		return;
	}
	printf("poller backend: %s\n", sock_poller_backend(p));
	fflush(stdout);
	sock_poller_free(p);
}

int
main(void)
{
	int rc;

	print_backend();
#ifdef HAVE_OPENSSL
	rc = make_certs();
	if (rc == 99)
		return rc;
	have_certs = rc == 0;
	if (!have_certs)
		printf("NOTE: the openssl command is missing; the TLS case "
		    "will skip\n");
	fflush(stdout);
#endif
	rc = tu_run(poller_suite());
#ifdef HAVE_OPENSSL
	if (have_certs)
		remove_cert_dir();
#endif
	return rc;
}
