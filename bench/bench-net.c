/*
 * bench-net.c - libsock against the same workloads written with raw
 * system calls: TCP and Unix stream ping-pong, TCP bulk transfer, a UDP
 * datagram stream and the TCP connect/accept/close cycle.
 *
 * Both variants do the same work with the same options: close-on-exec
 * descriptors, MSG_NOSIGNAL, TCP_NODELAY where the workload says so, and
 * loops that go on after a short transfer.  What is left between them is
 * what the library adds.  The two threads of a workload share one CPU
 * unless BENCH_PIN says otherwise (bench.h), so that a row measures what
 * both ends cost rather than how fast the machine wakes an idle CPU.
 * BENCH_SHORT=1 runs each with tiny counts, only to show that it works.
 * Linux: accept4, SOCK_CLOEXEC, CPU affinity.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sock.h"
#include "bench.h"

#define TIMEOUT_MS	5000		/* the timeout workload's */
#define BULK_CHUNK	(64 * 1024)	/* one write */
#define UDP_SIZE	64		/* one datagram */
#define UDP_STOP	1		/* the length of the end marker */
#define UDP_RCVBUF	(4 * 1024 * 1024)

/* ------------------------------------------------------------ raw */

static void
raw_send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			bench_die_errno("send");
		}
		p += n;
		len -= (size_t)n;
	}
}

/* With timeout_ms >= 0, poll(2) first, as a raw program with a timeout. */
static void
raw_wait(int fd, int timeout_ms)
{
	struct pollfd pfd;
	int n;

	pfd.fd = fd;
	pfd.events = POLLIN;
	while ((n = poll(&pfd, 1, timeout_ms)) == -1 && errno == EINTR)
		;
	if (n == -1)
		bench_die_errno("poll");
	if (n == 0)
		bench_die("poll", "timed out");
}

static void
raw_recv_all(int fd, void *buf, size_t len, int timeout_ms)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		if (timeout_ms >= 0)
			raw_wait(fd, timeout_ms);
		if ((n = recv(fd, p, len, 0)) == -1) {
			if (errno == EINTR)
				continue;
			bench_die_errno("recv");
		}
		if (n == 0)
			bench_die("recv", "end of stream too early");
		p += n;
		len -= (size_t)n;
	}
}

/* A connected TCP pair over 127.0.0.1: fds[0] connected, fds[1] accepted. */
static void
raw_tcp_pair(int fds[2], int nodelay)
{
	struct sockaddr_in sin;
	int lfd = bench_listen(&sin);

	fds[0] = bench_connect(&sin);
	fds[1] = bench_accept(lfd);
	close(lfd);
	if (nodelay) {
		bench_nodelay(fds[0]);
		bench_nodelay(fds[1]);
	}
}

static void
raw_unix_pair(int fds[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == -1)
		bench_die_errno("socketpair");
}

/* ------------------------------------------------------------ libsock */

/* The same pair through libsock: s[0] connected, s[1] accepted. */
static void
lsk_tcp_pair(struct sock *s[2], int nodelay, int timeout_ms)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l = bench_sock_new();

	s[0] = bench_sock_new();
	if (nodelay && (sock_set_nodelay(l, 1) == -1 ||
	    sock_set_nodelay(s[0], 1) == -1))
		bench_die_sock("set nodelay", l);
	if (sock_set_timeout(l, timeout_ms) == -1 ||
	    sock_set_timeout(s[0], timeout_ms) == -1)
		bench_die_sock("set timeout", l);
	if (sock_listen(l, "tcp://127.0.0.1:0") == -1)
		bench_die_sock("listen", l);
	bench_sock_where(l, text, sizeof text);
	if (sock_connect(s[0], text) == -1)
		bench_die_sock("connect", s[0]);
	if ((s[1] = sock_accept(l)) == NULL)
		bench_die_sock("accept", l);
	sock_free(l);
}

static void
lsk_unix_pair(struct sock *s[2])
{
	if (sock_pair(LIBSOCK_UNIX, &s[0], &s[1]) == -1)
		bench_die_errno("sock_pair");
}

static void
lsk_send_all(struct sock *s, const void *buf, size_t len)
{
	if (sock_send_all(s, buf, len) != (ssize_t)len)
		bench_die_sock("send_all", s);
}

static void
lsk_recv_exact(struct sock *s, void *buf, size_t len)
{
	if (sock_recv_exact(s, buf, len) != (ssize_t)len)
		bench_die_sock("recv_exact", s);
}

/* ------------------------------------------------------------ ping-pong */

/*
 * The client (this thread) sends size bytes and waits for them to come
 * back, count times; a second thread echoes.  The result is the time of
 * one round trip.
 */
struct pingpong {
	int			 fd[2];		/* raw: client, echo */
	struct sock		*s[2];		/* libsock: client, echo */
	size_t			 size;
	long			 count;
	int			 timeout_ms;	/* raw: poll(2) first */
	pthread_barrier_t	 go;
};

static void *
raw_echo(void *arg)
{
	struct pingpong *p = arg;
	char buf[256];
	long i;

	bench_pin(1);
	pthread_barrier_wait(&p->go);
	for (i = 0; i < p->count; i++) {
		raw_recv_all(p->fd[1], buf, p->size, p->timeout_ms);
		raw_send_all(p->fd[1], buf, p->size);
	}
	return NULL;
}

static void
raw_client(struct pingpong *p)
{
	char buf[256];
	long i;

	memset(buf, 'x', sizeof buf);
	for (i = 0; i < p->count; i++) {
		raw_send_all(p->fd[0], buf, p->size);
		raw_recv_all(p->fd[0], buf, p->size, p->timeout_ms);
	}
}

static void *
lsk_echo(void *arg)
{
	struct pingpong *p = arg;
	char buf[256];
	long i;

	bench_pin(1);
	pthread_barrier_wait(&p->go);
	for (i = 0; i < p->count; i++) {
		lsk_recv_exact(p->s[1], buf, p->size);
		lsk_send_all(p->s[1], buf, p->size);
	}
	return NULL;
}

static void
lsk_client(struct pingpong *p)
{
	char buf[256];
	long i;

	memset(buf, 'x', sizeof buf);
	for (i = 0; i < p->count; i++) {
		lsk_send_all(p->s[0], buf, p->size);
		lsk_recv_exact(p->s[0], buf, p->size);
	}
}

/* Microseconds per round trip. */
static double
pingpong_time(struct pingpong *p, int libsock)
{
	pthread_t t;
	double t0, t1;

	bench_barrier_init(&p->go);
	bench_pin(0);
	bench_spawn(&t, libsock ? lsk_echo : raw_echo, p);
	pthread_barrier_wait(&p->go);
	t0 = bench_now();
	if (libsock)
		lsk_client(p);
	else
		raw_client(p);
	t1 = bench_now();
	bench_join(t);
	bench_unpin();
	pthread_barrier_destroy(&p->go);
	return (t1 - t0) * 1e6 / (double)p->count;
}

static void
pp_raw(long count, struct bench_rep *rep, size_t size, int unix_stream,
    int timeout_ms)
{
	struct pingpong p = { .size = size, .count = count,
	    .timeout_ms = timeout_ms };

	if (unix_stream)
		raw_unix_pair(p.fd);
	else
		raw_tcp_pair(p.fd, 1);
	rep->value = pingpong_time(&p, 0);
	close(p.fd[0]);
	close(p.fd[1]);
}

static void
pp_lsk(long count, struct bench_rep *rep, size_t size, int unix_stream,
    int timeout_ms)
{
	struct pingpong p = { .size = size, .count = count };

	if (unix_stream)
		lsk_unix_pair(p.s);
	else
		lsk_tcp_pair(p.s, 1, timeout_ms);
	rep->value = pingpong_time(&p, 1);
	sock_free(p.s[0]);
	sock_free(p.s[1]);
}

static void
tcp1_raw(long n, struct bench_rep *r)
{
	pp_raw(n, r, 1, 0, -1);
}

static void
tcp1_lsk(long n, struct bench_rep *r)
{
	pp_lsk(n, r, 1, 0, -1);
}

static void
tcp64_raw(long n, struct bench_rep *r)
{
	pp_raw(n, r, 64, 0, -1);
}

static void
tcp64_lsk(long n, struct bench_rep *r)
{
	pp_lsk(n, r, 64, 0, -1);
}

static void
tcp64_rawpoll(long n, struct bench_rep *r)
{
	pp_raw(n, r, 64, 0, TIMEOUT_MS);
}

static void
tcp64_lsk_timeout(long n, struct bench_rep *r)
{
	pp_lsk(n, r, 64, 0, TIMEOUT_MS);
}

static void
unix64_raw(long n, struct bench_rep *r)
{
	pp_raw(n, r, 64, 1, -1);
}

static void
unix64_lsk(long n, struct bench_rep *r)
{
	pp_lsk(n, r, 64, 1, -1);
}

/* ------------------------------------------------------------ bulk */

/* A second thread writes count chunks of 64 KiB; this one reads them. */
struct bulk {
	int			 fd[2];		/* raw: writer, reader */
	struct sock		*s[2];		/* libsock: writer, reader */
	long			 count;
	pthread_barrier_t	 go;
};

static void *
raw_writer(void *arg)
{
	struct bulk *b = arg;
	char *buf;
	long i;

	if ((buf = calloc(1, BULK_CHUNK)) == NULL)
		bench_die_errno("calloc");
	bench_pin(1);
	pthread_barrier_wait(&b->go);
	for (i = 0; i < b->count; i++)
		raw_send_all(b->fd[0], buf, BULK_CHUNK);
	free(buf);
	return NULL;
}

static void
raw_reader(struct bulk *b, char *buf)
{
	long long left = (long long)b->count * BULK_CHUNK;
	ssize_t n;

	while (left > 0) {
		if ((n = recv(b->fd[1], buf, BULK_CHUNK, 0)) == -1) {
			if (errno == EINTR)
				continue;
			bench_die_errno("recv");
		}
		if (n == 0)
			bench_die("recv", "end of stream too early");
		left -= n;
	}
}

static void *
lsk_writer(void *arg)
{
	struct bulk *b = arg;
	char *buf;
	long i;

	if ((buf = calloc(1, BULK_CHUNK)) == NULL)
		bench_die_errno("calloc");
	bench_pin(1);
	pthread_barrier_wait(&b->go);
	for (i = 0; i < b->count; i++)
		lsk_send_all(b->s[0], buf, BULK_CHUNK);
	free(buf);
	return NULL;
}

static void
lsk_reader(struct bulk *b, char *buf)
{
	long long left = (long long)b->count * BULK_CHUNK;
	ssize_t n;

	while (left > 0) {
		if ((n = sock_recv(b->s[1], buf, BULK_CHUNK)) == -1)
			bench_die_sock("recv", b->s[1]);
		if (n == 0)
			bench_die("recv", "end of stream too early");
		left -= n;
	}
}

/* MiB per second, from the start to the last byte read. */
static double
bulk_rate(struct bulk *b, int libsock)
{
	pthread_t t;
	double t0, t1;
	char *buf;

	if ((buf = malloc(BULK_CHUNK)) == NULL)
		bench_die_errno("malloc");
	bench_barrier_init(&b->go);
	bench_pin(0);
	bench_spawn(&t, libsock ? lsk_writer : raw_writer, b);
	pthread_barrier_wait(&b->go);
	t0 = bench_now();
	if (libsock)
		lsk_reader(b, buf);
	else
		raw_reader(b, buf);
	t1 = bench_now();
	bench_join(t);
	bench_unpin();
	pthread_barrier_destroy(&b->go);
	free(buf);
	return (double)b->count * BULK_CHUNK / (1024.0 * 1024.0) / (t1 - t0);
}

static void
bulk_raw(long count, struct bench_rep *rep)
{
	struct bulk b = { .count = count };

	raw_tcp_pair(b.fd, 0);
	rep->value = bulk_rate(&b, 0);
	close(b.fd[0]);
	close(b.fd[1]);
}

static void
bulk_lsk(long count, struct bench_rep *rep)
{
	struct bulk b = { .count = count };

	lsk_tcp_pair(b.s, 0, -1);
	rep->value = bulk_rate(&b, 1);
	sock_free(b.s[0]);
	sock_free(b.s[1]);
}

/* ------------------------------------------------------------ UDP */

/*
 * A second thread sends count datagrams of 64 bytes as fast as it can,
 * then a 1-byte end marker every millisecond until this thread, which
 * counts what arrives, has seen one.  The result is datagrams received
 * per second, from the first send to the last datagram received; what
 * the receive buffer dropped is counted as lost.
 */
struct udp {
	int			 fd[2];		/* raw: sender, receiver */
	struct sock		*s[2];		/* libsock: sender, receiver */
	long			 count;
	double			 t0;		/* the sender's start */
	atomic_int		 done;
	pthread_barrier_t	 go;
};

static const struct timespec udp_pause = { 0, 1000000 };

static int
udp_retry(int err)
{
	/* A full device queue (ENOBUFS) is flow control here, not failure. */
	return err == EINTR || err == ENOBUFS || err == EAGAIN;
}

static void *
raw_sender(void *arg)
{
	struct udp *u = arg;
	char buf[UDP_SIZE];
	long i;

	memset(buf, 'u', sizeof buf);
	bench_pin(1);
	pthread_barrier_wait(&u->go);
	u->t0 = bench_now();
	for (i = 0; i < u->count; i++)
		while (send(u->fd[0], buf, UDP_SIZE, MSG_NOSIGNAL) == -1)
			if (!udp_retry(errno))
				bench_die_errno("send");
	while (!atomic_load(&u->done)) {
		(void)send(u->fd[0], buf, UDP_STOP, MSG_NOSIGNAL);
		nanosleep(&udp_pause, NULL);
	}
	return NULL;
}

static long
raw_receiver(struct udp *u, double *last)
{
	struct sockaddr_storage from;
	socklen_t len;
	char buf[2048];
	long got = 0;
	ssize_t n;

	for (;;) {
		len = sizeof from;
		n = recvfrom(u->fd[1], buf, sizeof buf, 0,
		    (struct sockaddr *)&from, &len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			bench_die_errno("recvfrom");
		}
		if (n == UDP_STOP)
			return got;
		got++;
		*last = bench_now();
	}
}

static void *
lsk_sender(void *arg)
{
	struct udp *u = arg;
	char buf[UDP_SIZE];
	long i;

	memset(buf, 'u', sizeof buf);
	bench_pin(1);
	pthread_barrier_wait(&u->go);
	u->t0 = bench_now();
	for (i = 0; i < u->count; i++)
		while (sock_send(u->s[0], buf, UDP_SIZE) == -1)
			if (!udp_retry(sock_error_code(u->s[0])))
				bench_die_sock("send", u->s[0]);
	while (!atomic_load(&u->done)) {
		(void)sock_send(u->s[0], buf, UDP_STOP);
		nanosleep(&udp_pause, NULL);
	}
	return NULL;
}

static long
lsk_receiver(struct udp *u, double *last)
{
	struct sock_addr from;
	char buf[2048];
	long got = 0;
	ssize_t n;

	for (;;) {
		if ((n = sock_recvfrom(u->s[1], buf, sizeof buf, &from)) == -1)
			bench_die_sock("recvfrom", u->s[1]);
		if (n == UDP_STOP)
			return got;
		got++;
		*last = bench_now();
	}
}

static void
udp_rate(struct udp *u, int libsock, struct bench_rep *rep)
{
	pthread_t t;
	double last = 0;
	long got;

	atomic_init(&u->done, 0);
	bench_barrier_init(&u->go);
	bench_pin(0);
	bench_spawn(&t, libsock ? lsk_sender : raw_sender, u);
	pthread_barrier_wait(&u->go);
	got = libsock ? lsk_receiver(u, &last) : raw_receiver(u, &last);
	atomic_store(&u->done, 1);
	bench_join(t);
	bench_unpin();
	pthread_barrier_destroy(&u->go);
	if (got == 0)
		bench_die("udp", "no datagram arrived");
	rep->value = (double)got / (last - u->t0);
	rep->sent = (unsigned long)u->count;
	rep->lost = (unsigned long)(u->count - got);
}

static void
udp_raw(long count, struct bench_rep *rep)
{
	struct udp u = { .count = count };
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int size = UDP_RCVBUF;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((u.fd[1] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    (u.fd[0] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		bench_die_errno("socket");
	if (setsockopt(u.fd[1], SOL_SOCKET, SO_RCVBUF, &size,
	    sizeof size) == -1 ||
	    bind(u.fd[1], (struct sockaddr *)&sin, sizeof sin) == -1 ||
	    getsockname(u.fd[1], (struct sockaddr *)&sin, &len) == -1 ||
	    connect(u.fd[0], (struct sockaddr *)&sin, sizeof sin) == -1)
		bench_die_errno("udp set-up");
	udp_rate(&u, 0, rep);
	close(u.fd[0]);
	close(u.fd[1]);
}

static void
udp_lsk(long count, struct bench_rep *rep)
{
	struct udp u = { .count = count };
	char text[LIBSOCK_ADDRSTRLEN];

	u.s[0] = bench_sock_new();
	u.s[1] = bench_sock_new();
	if (sock_set_rcvbuf(u.s[1], UDP_RCVBUF) == -1 ||
	    sock_bind(u.s[1], "udp://127.0.0.1:0") == -1)
		bench_die_sock("bind", u.s[1]);
	bench_sock_where(u.s[1], text, sizeof text);
	if (sock_connect(u.s[0], text) == -1)
		bench_die_sock("connect", u.s[0]);
	udp_rate(&u, 1, rep);
	sock_free(u.s[0]);
	sock_free(u.s[1]);
}

/* ------------------------------------------------------------ connect */

/*
 * One thread: connect, accept, close the accepted side, close the
 * client; loopback completes the handshake inside connect.  The server
 * side closes first, so TIME_WAIT falls there and the client's
 * ephemeral ports stay free.
 */
static void
conn_raw(long count, struct bench_rep *rep)
{
	struct sockaddr_in sin;
	int lfd = bench_listen(&sin), c, a;
	double t0;
	long i;

	t0 = bench_now();
	for (i = 0; i < count; i++) {
		c = bench_connect(&sin);
		a = bench_accept(lfd);
		close(a);
		close(c);
	}
	rep->value = (double)count / (bench_now() - t0);
	close(lfd);
}

static void
conn_lsk(long count, struct bench_rep *rep)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l = bench_sock_new(), *c, *a;
	double t0;
	long i;

	if (sock_listen(l, "tcp://127.0.0.1:0") == -1)
		bench_die_sock("listen", l);
	bench_sock_where(l, text, sizeof text);
	t0 = bench_now();
	for (i = 0; i < count; i++) {
		c = bench_sock_new();
		if (sock_connect(c, text) == -1)
			bench_die_sock("connect", c);
		if ((a = sock_accept(l)) == NULL)
			bench_die_sock("accept", l);
		sock_free(a);
		sock_free(c);
	}
	rep->value = (double)count / (bench_now() - t0);
	sock_free(l);
}

/* ------------------------------------------------------------ main */

static const struct bench_workload workloads[] = {
	{ "tcp ping-pong 1 B", "us/rt", 1, 50000, 100, NULL, 2,
	    { { "raw", tcp1_raw, 0 }, { "libsock", tcp1_lsk, 0 } } },
	{ "tcp ping-pong 64 B", "us/rt", 1, 50000, 100, NULL, 2,
	    { { "raw", tcp64_raw, 0 }, { "libsock", tcp64_lsk, 0 } } },
	{ "tcp ping-pong 64 B, 5 s tmo", "us/rt", 1, 50000, 100,
	    "timeout row: raw blocks in recv(2), raw+poll calls poll(2) "
	    "before each recv(2), libsock has sock_set_timeout(5000)", 3,
	    { { "raw", tcp64_raw, 0 }, { "raw+poll", tcp64_rawpoll, 0 },
	      { "libsock", tcp64_lsk_timeout, 1 } } },
	{ "unix ping-pong 64 B", "us/rt", 1, 50000, 100, NULL, 2,
	    { { "raw", unix64_raw, 0 }, { "libsock", unix64_lsk, 0 } } },
	{ "tcp bulk, 64 KiB writes", "MiB/s", 0, 16384, 16,
	    "tcp bulk: 16384 writes of 64 KiB (1 GiB) a repetition, "
	    "read 64 KiB at a time", 2,
	    { { "raw", bulk_raw, 0 }, { "libsock", bulk_lsk, 0 } } },
	{ "udp 64 B datagrams", "dgram/s", 0, 300000, 1000,
	    "udp: 300,000 datagrams a repetition, counted as received per "
	    "second; 4 MiB receive buffer; loss is what it dropped", 2,
	    { { "raw", udp_raw, 0 }, { "libsock", udp_lsk, 0 } } },
	{ "tcp connect+accept+close", "conn/s", 0, 6000, 20,
	    "connect: one thread; libsock connects to address text "
	    "(tcp://127.0.0.1:PORT), raw to a prepared sockaddr", 2,
	    { { "raw", conn_raw, 0 }, { "libsock", conn_lsk, 0 } } },
};

int
main(void)
{
	size_t i;

	bench_init("bench-net");
	signal(SIGPIPE, SIG_IGN);
	bench_note("two-thread workloads: %s", bench_pin_text());
	bench_header();
	for (i = 0; i < sizeof workloads / sizeof workloads[0]; i++)
		bench_run(&workloads[i]);
	bench_finish();
	return 0;
}
