/*
 * testutil.h - helpers shared by the Check suites.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#ifndef LIBSOCK_TESTUTIL_H
#define LIBSOCK_TESTUTIL_H

#include <check.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#include "sock.h"

/* Upper bound for any single test case, in seconds. */
#define TU_CASE_TIMEOUT	30

/*
 * Leave the test, passing, after printing "SKIP test_name: " and the
 * printf-style message on standard output: for a case this system
 * cannot make (no IPv6, no privilege, a port taken meanwhile).
 */
#define TU_SKIP(...) do {						\
	printf("SKIP %s: ", __func__);					\
	printf(__VA_ARGS__);						\
	putchar('\n');							\
	fflush(stdout);							\
	return;								\
} while (0)

/* Number of open descriptors of this process (/proc/self/fd, or probing). */
int tu_fd_count(void);

/* 1 when ::1 can be bound here, else 0 (tests then skip with a message). */
int tu_have_ipv6(void);

/*
 * Listen on ADDRESS (port 0 on loopback, e.g. "tcp://127.0.0.1:0") and
 * write the address actually bound, with scheme, into text (the port
 * filled in).  Fails the test on error.
 */
struct sock *tu_listen(const char *address, char *text, size_t size);

/* Bind a datagram socket the same way. */
struct sock *tu_bind(const char *address, char *text, size_t size);

/* Format addr with its scheme into a static buffer (not thread-safe). */
const char *tu_addr_text(const struct sock_addr *addr);

/*
 * A test case whose fixture checks that every test leaves the descriptor
 * count as it found it, with a bounded timeout.
 */
TCase *tu_tcase(const char *name);

/* Run a suite with CK_FORK as Check chooses; returns the exit status. */
int tu_run(Suite *suite);

/* Milliseconds on the monotonic clock. */
long long tu_now_ms(void);

/* Connect a new object to ADDRESS; fails the test on error. */
struct sock *tu_connect(const char *address);

/* Accept one connection on listener; fails the test on error. */
struct sock *tu_accept(struct sock *listener);

/*
 * A connected TCP pair over 127.0.0.1: *client from sock_connect(),
 * *server from sock_accept() (the listener is freed).  Fails the test on
 * error; returns 0.
 */
int tu_tcp_pair(struct sock **client, struct sock **server);

/*
 * Timed assertions allow +-20 % and 100 ms of scheduling slack: fails the
 * test unless ms is within that of want.
 */
void tu_assert_took(long long ms, int want);

/* A loopback TCP port that was just in use and is now closed. */
int tu_closed_port(void);

/*
 * Connect clients to text until one does not complete within 200 ms: a
 * listener with backlog 1 that never accepts has a full queue, and Linux
 * then drops SYNs.  Returns 1 when a connect timed out, 0 when max
 * clients all got in; the connected clients are kept in cs (count in *n)
 * so the queue stays full.
 */
int tu_fill_backlog(const char *text, struct sock **cs, int max, int *n);

/*
 * A signal storm: SIGALRM every tu_storm_period_us() microseconds,
 * without SA_RESTART, so that blocked calls see EINTR.  tu_storm_start
 * installs a counting handler (the previous action is kept) and starts
 * the timer; tu_storm_stop stops it and restores the previous action.
 * tu_storm_alarms is the number of signals since the last start.  One
 * storm at a time.
 */
long tu_storm_period_us(void);
void tu_storm_start(void);
void tu_storm_stop(void);
int tu_storm_alarms(void);

/*
 * pthread_create for a thread that never takes SIGALRM, so that the
 * signals of a storm hit the calling thread.  Fails the test on error.
 */
void tu_spawn_quiet(pthread_t *t, void *(*fn)(void *), void *arg);

/*
 * A thread that reads want bytes from the blocking socket s in pieces of
 * random size, pausing now and then (a slow reader), and compares them
 * with expect.  tu_reader_check joins it and fails the test on an
 * error, a short count or a wrong byte.
 */
struct tu_reader {
	struct sock		*s;
	const unsigned char	*expect;
	size_t			 want;
	size_t			 got;
	size_t			 bad_at;	/* first bad byte or SIZE_MAX */
	int			 err;		/* error code, 0 if none */
	unsigned		 seed;
	pthread_t		 thread;
};
void tu_reader_start(struct tu_reader *r, struct sock *s,
    const unsigned char *expect, size_t want);
void tu_reader_check(struct tu_reader *r);

/*
 * Certificates for the TLS tests, made by tests/tls-certs.sh in a new
 * directory under TMPDIR (dir, of size bytes, gets its path): 0 when
 * made, 77 when the openssl command is missing (a SKIP line is
 * printed), 99 on any other failure (said on stderr, as prog).
 * tu_certs_remove removes the directory and its files.
 */
int tu_certs_make(char *dir, size_t size, const char *prog);
void tu_certs_remove(const char *dir, const char *prog);

#endif /* LIBSOCK_TESTUTIL_H */
