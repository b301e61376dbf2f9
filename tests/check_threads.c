/*
 * check_threads.c - the thread-safety rules of sock(3): distinct sockets
 * from any threads, and one listener accepting in several threads at
 * once.  Run under ThreadSanitizer in CI (--enable-sanitizers=thread).
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define ACCEPTORS	4
#define CLIENTS		4
#define ROUNDS		50	/* connections per client */

struct shared {
	struct sock	*listener;
	char		 address[LIBSOCK_ADDRSTRLEN];
	int		 served[ACCEPTORS];
	int		 echoed[CLIENTS];
	int		 errors;	/* only read after every join */
};

struct worker {
	struct shared	*shared;
	int		 index;
	int		 errors;
};

/* Echo one message on each connection until told to stop (a "quit"). */
static void *
acceptor(void *arg)
{
	struct worker *w = arg;
	char buf[16];
	struct sock *c;
	int quit = 0;

	while (!quit) {
		if ((c = sock_accept(w->shared->listener)) == NULL) {
			w->errors++;
			break;
		}
		if (sock_recv_exact(c, buf, 4) != 4 ||
		    sock_send_all(c, buf, 4) != 4)
			w->errors++;
		quit = memcmp(buf, "quit", 4) == 0;
		if (!quit)
			w->shared->served[w->index]++;
		sock_free(c);
	}
	return NULL;
}

static int
round_trip(const char *address, const char *msg)
{
	struct sock *s = sock_new();
	char buf[4];
	int ok;

	ok = s != NULL && sock_set_timeout(s, 10000) == 0 &&
	    sock_connect(s, address) == 0 &&
	    sock_send_all(s, msg, 4) == 4 &&
	    sock_recv_exact(s, buf, 4) == 4 && memcmp(buf, msg, 4) == 0;
	sock_free(s);
	return ok;
}

static void *
client(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < ROUNDS; i++) {
		if (round_trip(w->shared->address, "ping"))
			w->shared->echoed[w->index]++;
		else
			w->errors++;
	}
	return NULL;
}

START_TEST(test_threads_share_one_listener_and_own_their_sockets)
{
	static struct shared sh;
	struct worker acc[ACCEPTORS], cli[CLIENTS];
	pthread_t at[ACCEPTORS], ct[CLIENTS];
	int i, served = 0, echoed = 0, errors = 0;

	memset(&sh, 0, sizeof sh);
	sh.listener = tu_listen("tcp://127.0.0.1:0", sh.address,
	    sizeof sh.address);
	for (i = 0; i < ACCEPTORS; i++) {
		acc[i] = (struct worker){ &sh, i, 0 };
		ck_assert_int_eq(pthread_create(&at[i], NULL, acceptor,
		    &acc[i]), 0);
	}
	for (i = 0; i < CLIENTS; i++) {
		cli[i] = (struct worker){ &sh, i, 0 };
		ck_assert_int_eq(pthread_create(&ct[i], NULL, client,
		    &cli[i]), 0);
	}
	for (i = 0; i < CLIENTS; i++)
		pthread_join(ct[i], NULL);
	for (i = 0; i < ACCEPTORS; i++)
		ck_assert(round_trip(sh.address, "quit"));
	for (i = 0; i < ACCEPTORS; i++)
		pthread_join(at[i], NULL);
	for (i = 0; i < ACCEPTORS; i++) {
		served += sh.served[i];
		errors += acc[i].errors;
	}
	for (i = 0; i < CLIENTS; i++) {
		echoed += sh.echoed[i];
		errors += cli[i].errors;
	}
	ck_assert_int_eq(errors, 0);
	ck_assert_int_eq(echoed, CLIENTS * ROUNDS);
	ck_assert_int_eq(served, CLIENTS * ROUNDS);
	sock_free(sh.listener);
}
END_TEST

#define FAILERS		2
#define FAILS		50	/* failures per thread */

struct failer {
	struct sock	*listener;
	int		 index;
	int		 wrong;		/* failures not read back as made */
	char		 what[160];
};

/*
 * Failures on the listener, each read back at once: thread 0's accepts
 * time out, thread 1 sends on it, which a listener refuses.
 */
static void *
failer(void *arg)
{
	struct failer *f = arg;
	const char *msg, *op = f->index == 0 ? "accept" : "send";
	int i, code = f->index == 0 ? ETIMEDOUT : EINVAL;

	for (i = 0; i < FAILS; i++) {
		if (f->index == 0 ? sock_accept(f->listener) != NULL :
		    sock_send(f->listener, "x", 1) != -1)
			f->wrong++;
		msg = sock_error(f->listener);
		if (sock_error_code(f->listener) != code ||
		    strncmp(msg, op, strlen(op)) != 0) {
			f->wrong++;
			snprintf(f->what, sizeof f->what, "code %d, \"%s\"",
			    sock_error_code(f->listener), msg);
		}
	}
	return NULL;
}

/*
 * Threads that fail on one listener at once each read back their own
 * failure, as with errno, and none is seen in another thread: the
 * failures are recorded per thread, so there is no race on one buffer
 * (ThreadSanitizer in CI says so).
 */
START_TEST(test_listener_failures_are_per_thread)
{
	char address[LIBSOCK_ADDRSTRLEN];
	struct sock *l = tu_listen("tcp://127.0.0.1:0", address,
	    sizeof address);
	struct failer f[FAILERS];
	pthread_t t[FAILERS];
	int i;

	ck_assert_int_eq(sock_set_accept_timeout(l, 1), 0);
	for (i = 0; i < FAILERS; i++) {
		memset(&f[i], 0, sizeof f[i]);
		f[i].listener = l;
		f[i].index = i;
		ck_assert_int_eq(pthread_create(&t[i], NULL, failer, &f[i]),
		    0);
	}
	for (i = 0; i < FAILERS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(f[i].wrong == 0, "thread %d read back %d "
		    "failures wrong, last %s", i, f[i].wrong, f[i].what);
	}
	ck_assert_int_eq(sock_error_code(l), 0);
	ck_assert_str_eq(sock_error(l), "");
	/* This thread's own failure, then, is its own to read. */
	ck_assert_ptr_null(sock_accept(l));
	ck_assert_int_eq(sock_error_code(l), ETIMEDOUT);
	ck_assert_msg(strncmp(sock_error(l), "accept", 6) == 0, "\"%s\"",
	    sock_error(l));
	sock_free(l);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("threads");
	TCase *tc = tu_tcase("threads");

	tcase_add_test(tc, test_threads_share_one_listener_and_own_their_sockets);
	tcase_add_test(tc, test_listener_failures_are_per_thread);
	suite_add_tcase(s, tc);
	return tu_run(s);
}
