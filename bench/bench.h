/*
 * bench.h - what the benchmark programs share: a clock, the runner that
 * alternates the variants of a workload, and the table of results.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#ifndef LIBSOCK_BENCH_H
#define LIBSOCK_BENCH_H

#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>

#include "sock.h"

#define BENCH_MAX_VARIANTS	4
#define BENCH_MAX_REPS		25

/* What one repetition of one variant reports. */
struct bench_rep {
	double		value;		/* in the workload's unit */
	unsigned long	sent;		/* datagrams: sent and lost, for */
	unsigned long	lost;		/* the note; 0 elsewhere */
};

/*
 * One way of doing a workload: raw system calls, raw OpenSSL, libsock.
 * run does count operations and fills rep; it exits on any failure, as
 * a benchmark that goes on after an error measures nothing.
 */
struct bench_variant {
	const char	*name;
	void		(*run)(long count, struct bench_rep *rep);
	int		 also;		/* a second variant to compare with */
};

struct bench_workload {
	const char	*name;
	const char	*unit;		/* "us/rt", "MiB/s", "conn/s", ... */
	int		 lower_better;	/* a time per operation, not a rate */
	long		 count;		/* operations per repetition */
	long		 short_count;	/* the same under BENCH_SHORT=1 */
	const char	*note;		/* under the table, or NULL */
	int		 nvariants;	/* variant 0 is the reference */
	struct bench_variant variants[BENCH_MAX_VARIANTS];
};

/* Seconds on the monotonic clock. */
double bench_now(void);

/*
 * Read the environment; call first.  BENCH_SHORT=1: tiny counts, two
 * repetitions, no warm-up.  BENCH_REPS=N: repetitions of each variant
 * (9).  BENCH_ONLY=TEXT: only the workloads whose name contains TEXT.
 * BENCH_PIN: see bench_pin.
 */
void bench_init(const char *program);

/* Print the table header once, then each workload's rows as it ends. */
void bench_header(void);
void bench_run(const struct bench_workload *w);

/*
 * The medians of w's variants from its bench_run, in the order of
 * w->variants; NULL if it has not run (BENCH_ONLY left it out).
 */
const double *bench_medians(const struct bench_workload *w);

/* Whether BENCH_ONLY selects w. */
int bench_selected(const struct bench_workload *w);

/*
 * In place of bench_run when the system cannot do the workload: its rows
 * with "n/a" and why (if BENCH_ONLY selects it at all).
 */
void bench_skip(const struct bench_workload *w, const char *why);

/* A line under the table: skipped workloads, facts worth knowing. */
void bench_note(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* Print "program: what: why" on standard error and exit 1. */
void bench_die(const char *what, const char *why)
    __attribute__((noreturn));
void bench_die_errno(const char *what) __attribute__((noreturn));

/*
 * Where the two threads of a workload run, from BENCH_PIN: "same" (the
 * default) puts both on the first CPU this process may use, "split" one
 * on each of the first two, "none" leaves them to the scheduler.
 * bench_pin(0) pins the calling thread as the first end, bench_pin(1) as
 * the second; bench_unpin() gives it back every CPU it had.
 */
void bench_pin(int end);
void bench_unpin(void);
const char *bench_pin_text(void);	/* for a note */

/* The notes, after the last table row. */
void bench_finish(void);

/* Threads; every failure exits. */
void bench_spawn(pthread_t *t, void *(*fn)(void *), void *arg);
void bench_join(pthread_t t);
void bench_barrier_init(pthread_barrier_t *b);	/* for two threads */

/*
 * Raw TCP set-up over 127.0.0.1, as a careful program does it: close-on-
 * exec descriptors, SO_REUSEADDR and SOMAXCONN on the listener.
 */
int bench_listen(struct sockaddr_in *sin);	/* port 0; sin gets it */
int bench_connect(const struct sockaddr_in *sin);
int bench_accept(int lfd);
void bench_nodelay(int fd);

/* libsock set-up: a new object, the text of a port-0 socket's address. */
struct sock *bench_sock_new(void);
void bench_sock_where(struct sock *s, char *text, size_t size);
void bench_die_sock(const char *what, const struct sock *s)
    __attribute__((noreturn));

#endif /* LIBSOCK_BENCH_H */
