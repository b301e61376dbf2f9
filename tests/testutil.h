/*
 * testutil.h - helpers shared by the Check suites.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#ifndef LIBSOCK_TESTUTIL_H
#define LIBSOCK_TESTUTIL_H

#include <check.h>
#include <stddef.h>

#include "sock.h"

/* Upper bound for any single test case, in seconds. */
#define TU_CASE_TIMEOUT	30

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

#endif /* LIBSOCK_TESTUTIL_H */
