/*
 * stress.c - long runs that must end as they began: connect/accept/close
 * cycles, a large TCP transfer in random chunks on both sides, and a UDP
 * burst.  Every byte and datagram is verified; the descriptor count and
 * the resident set size are compared before and after.
 *
 *   stress          the full run (make stress): 100,000 cycles, 1 GiB,
 *                   100,000 datagrams
 *   stress --short  the bounded run inside make check
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sock.h"
#include "testutil.h"

#define RSS_SLACK_KIB	(8 * 1024)	/* allocator arenas, thread stacks */
#define TIME_LIMIT_MS	(20 * 60 * 1000)

struct plan {
	long		cycles;
	uint64_t	bytes;
	long		datagrams;
};

static int failures;

static void
stress_fail(const char *what, const char *why)
{
	fprintf(stderr, "stress: %s: %s\n", what, why);
	failures++;
}

static long
rss_kib(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kib = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "VmRSS: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

static int
sanitized(void)
{
	const char *s = getenv("LIBSOCK_SANITIZERS");

	return s != NULL && *s != '\0' && strcmp(s, "no") != 0;
}

/* A reproducible byte stream: byte i of the transfer is pattern(i). */
static unsigned char
pattern(uint64_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

/* xorshift: chunk sizes differ on each side and each run. */
static uint32_t
next_random(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

static struct sock *
listener(char *text, size_t size)
{
	struct sock *l = sock_new();
	struct sock_addr a;

	if (l == NULL || sock_listen(l, "tcp://127.0.0.1:0") == -1 ||
	    sock_local_addr(l, &a) == -1) {
		stress_fail("listen", sock_error(l));
		sock_free(l);
		return NULL;
	}
	sock_addr_format(&a, text, size, LIBSOCK_FORMAT_SCHEME);
	return l;
}

/* ------------------------------------------------------------ cycles */

/* The server closes first, so TIME_WAIT stays on its side, not ours. */
static void
one_cycle(struct sock *l, const char *text)
{
	struct sock *c = sock_new(), *a = NULL;
	char byte;

	if (c == NULL || sock_connect(c, text) == -1) {
		stress_fail("connect", sock_error(c));
		goto out;
	}
	if ((a = sock_accept(l)) == NULL) {
		stress_fail("accept", sock_error(l));
		goto out;
	}
	sock_free(a);
	a = NULL;
	if (sock_recv(c, &byte, 1) != 0)
		stress_fail("recv", "no end of stream after the server closed");
out:
	sock_free(a);
	sock_free(c);
}

static void
run_cycles(long cycles)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l = listener(text, sizeof text);
	long long start = tu_now_ms();
	long i;

	if (l == NULL)
		return;
	for (i = 0; i < cycles && failures == 0; i++) {
		if (tu_now_ms() - start > TIME_LIMIT_MS) {
			stress_fail("cycles", "time limit reached");
			break;
		}
		one_cycle(l, text);
	}
	printf("stress: %ld connect/accept/close cycles in %lld ms\n", i,
	    tu_now_ms() - start);
	sock_free(l);
}

/* ------------------------------------------------------------ bulk */

struct bulk {
	struct sock	*s;
	uint64_t	 bytes;
	uint32_t	 seed;
	int		 ok;
};

static void *
bulk_sender(void *arg)
{
	struct bulk *b = arg;
	static unsigned char buf[256 * 1024];
	uint64_t sent = 0;
	size_t n, i;

	b->ok = 1;
	while (sent < b->bytes) {
		n = next_random(&b->seed) % sizeof buf + 1;
		if (n > b->bytes - sent)
			n = (size_t)(b->bytes - sent);
		for (i = 0; i < n; i++)
			buf[i] = pattern(sent + i);
		if (sock_send_all(b->s, buf, n) != (ssize_t)n) {
			b->ok = 0;
			break;
		}
		sent += n;
	}
	sock_shutdown(b->s, SHUT_WR);
	return NULL;
}

static void
bulk_receive(struct sock *s, uint64_t bytes, uint32_t seed)
{
	static unsigned char buf[256 * 1024];
	uint64_t got = 0;
	ssize_t n, i;

	for (;;) {
		n = sock_recv(s, buf, next_random(&seed) % sizeof buf + 1);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			if (buf[i] != pattern(got + (uint64_t)i)) {
				stress_fail("bulk", "byte corrupted");
				return;
			}
		got += (uint64_t)n;
	}
	if (n < 0)
		stress_fail("bulk recv", sock_error(s));
	else if (got != bytes)
		stress_fail("bulk", "byte count differs");
}

static void
run_bulk(uint64_t bytes)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l = listener(text, sizeof text), *c = sock_new(), *a;
	struct bulk b = { c, bytes, (uint32_t)time(NULL) | 1, 0 };
	long long start = tu_now_ms(), ms;
	pthread_t t;

	if (l == NULL || c == NULL || sock_connect(c, text) == -1 ||
	    (a = sock_accept(l)) == NULL) {
		stress_fail("bulk set-up", sock_error(c));
		sock_free(c);
		sock_free(l);
		return;
	}
	sock_set_recv_timeout(a, 30000);
	pthread_create(&t, NULL, bulk_sender, &b);
	bulk_receive(a, bytes, b.seed * 7 + 1);
	pthread_join(t, NULL);
	if (!b.ok)
		stress_fail("bulk send", sock_error(c));
	ms = tu_now_ms() - start;
	printf("stress: %llu MiB verified in %lld ms (%.0f MiB/s)\n",
	    (unsigned long long)(bytes >> 20), ms,
	    ms > 0 ? (double)(bytes >> 20) * 1000.0 / (double)ms : 0.0);
	sock_free(a);
	sock_free(c);
	sock_free(l);
}

/* ------------------------------------------------------------ udp */

struct burst {
	struct sock		*s;
	struct sock_addr	 to;
	long			 count;
};

/* Each datagram carries its sequence number and a checked filler. */
static void *
udp_sender(void *arg)
{
	struct burst *b = arg;
	unsigned char buf[512];
	long i;
	size_t j;

	for (i = 0; i < b->count; i++) {
		memcpy(buf, &i, sizeof i);
		for (j = sizeof i; j < sizeof buf; j++)
			buf[j] = (unsigned char)(i + (long)j);
		if (sock_sendto(b->s, buf, sizeof buf, &b->to) == -1)
			break;
	}
	return NULL;
}

static void
run_udp(long count)
{
	struct sock *u = sock_new(), *v = sock_new();
	struct burst b;
	unsigned char buf[1024], *seen;
	long got = 0, dup = 0, seq;
	ssize_t n, j;
	pthread_t t;

	seen = calloc((size_t)count, 1);
	if (u == NULL || v == NULL || seen == NULL ||
	    sock_set_rcvbuf(u, 4 << 20) == -1 ||
	    sock_set_recv_timeout(u, 500) == -1 ||
	    sock_bind(u, "udp://127.0.0.1:0") == -1 ||
	    sock_local_addr(u, &b.to) == -1) {
		stress_fail("udp set-up", sock_error(u));
		goto out;
	}
	b.s = v;
	b.count = count;
	pthread_create(&t, NULL, udp_sender, &b);
	while ((n = sock_recvfrom(u, buf, sizeof buf, NULL)) >= 0) {
		memcpy(&seq, buf, sizeof seq);
		if (n != 512 || seq < 0 || seq >= count) {
			stress_fail("udp", "datagram of the wrong size or number");
			break;
		}
		for (j = (ssize_t)sizeof seq; j < n; j++)
			if (buf[j] != (unsigned char)(seq + (long)j))
				stress_fail("udp", "datagram corrupted");
		dup += seen[seq];
		seen[seq] = 1;
		got++;
	}
	pthread_join(t, NULL);
	if (sock_error_code(u) != ETIMEDOUT)
		stress_fail("udp recvfrom", sock_error(u));
	if (dup != 0)
		stress_fail("udp", "datagram duplicated");
	printf("stress: %ld of %ld datagrams received, %ld lost (%.2f%%)\n",
	    got, count, count - got, 100.0 * (double)(count - got) /
	    (double)count);
out:
	free(seen);
	sock_free(v);
	sock_free(u);
}

int
main(int argc, char **argv)
{
	struct plan full = { 100000, (uint64_t)1 << 30, 100000 };
	struct plan brief = { 10000, (uint64_t)256 << 20, 20000 };
	const struct plan *p = &full;
	int fds;
	long rss;

	if (argc > 1 && strcmp(argv[1], "--short") == 0)
		p = &brief;
	/* Warm up once so that what the process keeps is counted before. */
	run_cycles(10);
	fds = tu_fd_count();
	rss = rss_kib();
	run_cycles(p->cycles);
	run_bulk(p->bytes);
	run_udp(p->datagrams);
	if (tu_fd_count() != fds)
		stress_fail("descriptors", "count differs after the runs");
	if (rss > 0 && rss_kib() - rss > RSS_SLACK_KIB) {
		/* ASan keeps freed memory in quarantine: RSS means nothing. */
		if (sanitized())
			printf("stress: resident set not judged under "
			    "-fsanitize=%s\n", getenv("LIBSOCK_SANITIZERS"));
		else
			stress_fail("memory", "resident set grew");
	}
	printf("stress: descriptors %d -> %d, resident set %ld -> %ld KiB\n",
	    fds, tu_fd_count(), rss, rss_kib());
	printf("stress: %s\n", failures == 0 ? "passed" : "FAILED");
	return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
