/*
 * bench-net.c - libsock against the same workloads written with raw
 * system calls: TCP and Unix stream ping-pong, TCP bulk transfer, a UDP
 * datagram stream sent one datagram a call, in batches and with
 * segmentation offload, and the TCP connect/accept/close cycle.
 *
 * Both variants do the same work with the same options: close-on-exec
 * descriptors, MSG_NOSIGNAL, TCP_NODELAY where the workload says so, and
 * loops that go on after a short transfer.  What is left between them is
 * what the library adds.  The two threads of a workload share one CPU
 * unless BENCH_PIN says otherwise (bench.h), so that a row measures what
 * both ends cost rather than how fast the machine wakes an idle CPU.
 * BENCH_SHORT=1 runs each with tiny counts, only to show that it works.
 * Linux: accept4, SOCK_CLOEXEC, CPU affinity, sendmmsg and recvmmsg;
 * UDP_SEGMENT and UDP_GRO where the kernel has them.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <netinet/udp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
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

/* ------------------------------------------------------------ UDP, batched */

/*
 * The same stream of 64-byte datagrams, UDP_BATCH of them a system call:
 * sendmmsg/recvmmsg (sock_sendmany/sock_recvmany), and UDP segmentation
 * offload, one 4 KiB write the kernel cuts into 64 datagrams
 * (sock_send_segments), received either coalesced again (UDP_GRO,
 * sock_recv_segments) or one datagram a call as in the workload above.
 *
 * A sender that writes 64 datagrams a call outruns a receiver that reads
 * one a call, and what the receive buffer then drops would only make the
 * sender look fast.  So the receiver acknowledges what it has counted
 * through a shared counter, and the sender keeps at most UDP_WINDOW
 * datagrams unacknowledged, well under what the receive buffer holds
 * (about 10,000 datagrams of 64 bytes in 8 MiB, since each costs some
 * 800 bytes of buffer).  A sender that finds the window full sleeps
 * until half of it is acknowledged; after UDP_WRITEOFF_MS without an
 * acknowledgement it counts what is outstanding as lost and goes on, so
 * a loss shows in the row rather than stopping the run.  The rate is, as
 * above, datagrams received per second.
 */
#define UDP_BATCH	64		/* datagrams a call */
#define UDP_WINDOW	4096		/* datagrams unacknowledged, at most */
#define UDP_WRITEOFF_MS	50
#define UDP_GRO_BUF	65535		/* room for 64 coalesced datagrams */
#define UDP_SLOT	2048		/* room for one datagram */

#if defined(UDP_SEGMENT) && defined(UDP_GRO)
#define HAVE_UDP_OFFLOAD 1
#endif

enum udpx_kind {
	UDPX_BATCH,		/* sendmmsg and recvmmsg */
	UDPX_GSO_GRO,		/* UDP_SEGMENT, UDP_GRO receiver */
	UDPX_GSO_PLAIN		/* UDP_SEGMENT, one datagram a receive */
};

struct udpx {
	int			 fd[2];		/* raw: sender, receiver */
	struct sock		*s[2];		/* libsock: sender, receiver */
	enum udpx_kind		 kind;
	long			 count;
	double			 t0;		/* the sender's start */
	atomic_int		 done;
	pthread_barrier_t	 go;
	/* The window: acked by the receiver, the rest by the sender. */
	atomic_long		 acked;		/* datagrams counted */
	atomic_long		 wake_at;	/* wake the sender at this */
	atomic_int		 waiting;	/* the sender sleeps */
	long			 written_off;	/* counted as lost */
	unsigned long		 waits;		/* times the window was full */
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
};

static void
window_init(struct udpx *u)
{
	pthread_condattr_t ca;

	atomic_init(&u->acked, 0);
	atomic_init(&u->wake_at, 0);
	atomic_init(&u->waiting, 0);
	u->written_off = 0;
	u->waits = 0;
	if (pthread_mutex_init(&u->mu, NULL) != 0 ||
	    pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&u->cv, &ca) != 0)
		bench_die("udp", "cannot make the window's lock");
	pthread_condattr_destroy(&ca);
}

static void
window_destroy(struct udpx *u)
{
	pthread_cond_destroy(&u->cv);
	pthread_mutex_destroy(&u->mu);
}

/* The sender, with sent datagrams gone: wait while the window is full. */
static void
window_wait(struct udpx *u, long sent)
{
	struct timespec until;
	long base = sent - u->written_off;
	int err = 0;

	if (base - atomic_load(&u->acked) <= UDP_WINDOW)
		return;
	u->waits++;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_nsec += UDP_WRITEOFF_MS * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&u->mu);
	atomic_store(&u->wake_at, base - UDP_WINDOW / 2);
	/*
	 * waiting is set before acked is read again, and the receiver
	 * stores acked before it reads waiting: one of the two sees the
	 * other, so no wake-up is missed.
	 */
	atomic_store(&u->waiting, 1);
	while (err != ETIMEDOUT && atomic_load(&u->waiting) &&
	    atomic_load(&u->acked) < atomic_load(&u->wake_at))
		err = pthread_cond_timedwait(&u->cv, &u->mu, &until);
	atomic_store(&u->waiting, 0);
	pthread_mutex_unlock(&u->mu);
	if (err == ETIMEDOUT)
		u->written_off = sent - atomic_load(&u->acked);
}

/* The receiver, with got datagrams counted. */
static void
window_ack(struct udpx *u, long got)
{
	atomic_store(&u->acked, got);
	if (atomic_load(&u->waiting) && got >= atomic_load(&u->wake_at)) {
		pthread_mutex_lock(&u->mu);
		atomic_store(&u->waiting, 0);
		pthread_cond_signal(&u->cv);
		pthread_mutex_unlock(&u->mu);
	}
}

/* The end marker, every millisecond until the receiver has seen one. */
static void
raw_send_stop(struct udpx *u)
{
	char c = 's';

	while (!atomic_load(&u->done)) {
		(void)send(u->fd[0], &c, UDP_STOP, MSG_NOSIGNAL);
		nanosleep(&udp_pause, NULL);
	}
}

static void
lsk_send_stop(struct udpx *u)
{
	char c = 's';

	while (!atomic_load(&u->done)) {
		(void)sock_send(u->s[0], &c, UDP_STOP);
		nanosleep(&udp_pause, NULL);
	}
}

static int
batch_of(const struct udpx *u, long sent)
{
	return u->count - sent < UDP_BATCH ? (int)(u->count - sent) :
	    UDP_BATCH;
}

static void *
raw_mmsg_sender(void *arg)
{
	static char buf[UDP_BATCH * UDP_SIZE];
	struct udpx *u = arg;
	struct mmsghdr m[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	long sent = 0;
	int i, n;

	memset(buf, 'u', sizeof buf);
	memset(m, 0, sizeof m);
	for (i = 0; i < UDP_BATCH; i++) {
		iov[i].iov_base = buf + i * UDP_SIZE;
		iov[i].iov_len = UDP_SIZE;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
	}
	bench_pin(1);
	pthread_barrier_wait(&u->go);
	u->t0 = bench_now();
	while (sent < u->count) {
		window_wait(u, sent);
		if ((n = sendmmsg(u->fd[0], m, (unsigned)batch_of(u, sent),
		    MSG_NOSIGNAL)) == -1) {
			if (udp_retry(errno))
				continue;
			bench_die_errno("sendmmsg");
		}
		sent += n;
	}
	raw_send_stop(u);
	return NULL;
}

static void *
lsk_many_sender(void *arg)
{
	static char buf[UDP_BATCH * UDP_SIZE];
	struct udpx *u = arg;
	struct sock_dgram d[UDP_BATCH];
	long sent = 0;
	int i, n;

	memset(buf, 'u', sizeof buf);
	memset(d, 0, sizeof d);
	for (i = 0; i < UDP_BATCH; i++) {
		d[i].buf = buf + i * UDP_SIZE;
		d[i].len = UDP_SIZE;
	}
	bench_pin(1);
	pthread_barrier_wait(&u->go);
	u->t0 = bench_now();
	while (sent < u->count) {
		window_wait(u, sent);
		if ((n = sock_sendmany(u->s[0], d, batch_of(u, sent))) == -1) {
			if (udp_retry(sock_error_code(u->s[0])))
				continue;
			bench_die_sock("sendmany", u->s[0]);
		}
		sent += n;
	}
	lsk_send_stop(u);
	return NULL;
}

#ifdef HAVE_UDP_OFFLOAD
static void *
raw_gso_sender(void *arg)
{
	static char buf[UDP_BATCH * UDP_SIZE];
	union {
		char		c[CMSG_SPACE(sizeof(uint16_t))];
		struct cmsghdr	align;
	} ctl;
	struct udpx *u = arg;
	struct cmsghdr *cm;
	struct msghdr mh;
	struct iovec iov;
	uint16_t segment = UDP_SIZE;
	long sent = 0;
	int n;

	memset(buf, 'u', sizeof buf);
	memset(&ctl, 0, sizeof ctl);
	memset(&mh, 0, sizeof mh);
	iov.iov_base = buf;
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.c;
	mh.msg_controllen = sizeof ctl.c;
	cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = IPPROTO_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof segment);
	memcpy(CMSG_DATA(cm), &segment, sizeof segment);
	bench_pin(1);
	pthread_barrier_wait(&u->go);
	u->t0 = bench_now();
	while (sent < u->count) {
		window_wait(u, sent);
		n = batch_of(u, sent);
		iov.iov_len = (size_t)n * UDP_SIZE;
		if (sendmsg(u->fd[0], &mh, MSG_NOSIGNAL) == -1) {
			if (udp_retry(errno))
				continue;
			bench_die_errno("sendmsg UDP_SEGMENT");
		}
		sent += n;
	}
	raw_send_stop(u);
	return NULL;
}
#endif

static void *
lsk_gso_sender(void *arg)
{
	static char buf[UDP_BATCH * UDP_SIZE];
	struct udpx *u = arg;
	long sent = 0;
	ssize_t n;

	memset(buf, 'u', sizeof buf);
	bench_pin(1);
	pthread_barrier_wait(&u->go);
	u->t0 = bench_now();
	while (sent < u->count) {
		window_wait(u, sent);
		if ((n = sock_send_segments(u->s[0], buf,
		    (size_t)batch_of(u, sent) * UDP_SIZE, UDP_SIZE,
		    NULL)) == -1) {
			if (udp_retry(sock_error_code(u->s[0])))
				continue;
			bench_die_sock("send_segments", u->s[0]);
		}
		sent += (long)n / UDP_SIZE;
	}
	lsk_send_stop(u);
	return NULL;
}

/*
 * The receivers return the datagrams counted before the end marker;
 * last is the time of the last of them.
 */
static long
raw_mmsg_receiver(struct udpx *u, double *last)
{
	static char buf[UDP_BATCH][UDP_SLOT];
	struct sockaddr_storage from[UDP_BATCH];
	struct mmsghdr m[UDP_BATCH];
	struct iovec iov[UDP_BATCH];
	long got = 0;
	int i, n;

	memset(m, 0, sizeof m);
	for (i = 0; i < UDP_BATCH; i++) {
		iov[i].iov_base = buf[i];
		iov[i].iov_len = UDP_SLOT;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_name = &from[i];
	}
	for (;;) {
		for (i = 0; i < UDP_BATCH; i++)
			m[i].msg_hdr.msg_namelen = sizeof from[i];
		if ((n = recvmmsg(u->fd[1], m, UDP_BATCH, MSG_WAITFORONE,
		    NULL)) == -1) {
			if (errno == EINTR)
				continue;
			bench_die_errno("recvmmsg");
		}
		for (i = 0; i < n; i++)
			if (m[i].msg_len == UDP_STOP)
				return got;
			else
				got++;
		*last = bench_now();
		window_ack(u, got);
	}
}

static long
lsk_many_receiver(struct udpx *u, double *last)
{
	static char buf[UDP_BATCH][UDP_SLOT];
	struct sock_dgram d[UDP_BATCH];
	long got = 0;
	int i, n;

	memset(d, 0, sizeof d);
	for (i = 0; i < UDP_BATCH; i++) {
		d[i].buf = buf[i];
		d[i].len = UDP_SLOT;
	}
	for (;;) {
		if ((n = sock_recvmany(u->s[1], d, UDP_BATCH)) == -1)
			bench_die_sock("recvmany", u->s[1]);
		for (i = 0; i < n; i++)
			if (d[i].n == UDP_STOP)
				return got;
			else
				got++;
		*last = bench_now();
		window_ack(u, got);
	}
}

#ifdef HAVE_UDP_OFFLOAD
static long
raw_gro_receiver(struct udpx *u, double *last)
{
	static char buf[UDP_GRO_BUF];
	union {
		char		c[CMSG_SPACE(sizeof(int))];
		struct cmsghdr	align;
	} ctl;
	struct sockaddr_storage from;
	struct cmsghdr *cm;
	struct msghdr mh;
	struct iovec iov;
	long got = 0;
	ssize_t n;
	int segment;

	iov.iov_base = buf;
	iov.iov_len = sizeof buf;
	for (;;) {
		memset(&mh, 0, sizeof mh);
		mh.msg_name = &from;
		mh.msg_namelen = sizeof from;
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.c;
		mh.msg_controllen = sizeof ctl.c;
		if ((n = recvmsg(u->fd[1], &mh, 0)) == -1) {
			if (errno == EINTR)
				continue;
			bench_die_errno("recvmsg");
		}
		if (n == UDP_STOP)
			return got;
		segment = 0;
		for (cm = CMSG_FIRSTHDR(&mh); cm != NULL;
		    cm = CMSG_NXTHDR(&mh, cm))
			if (cm->cmsg_level == IPPROTO_UDP &&
			    cm->cmsg_type == UDP_GRO)
				memcpy(&segment, CMSG_DATA(cm), sizeof segment);
		got += segment > 0 ? (n + segment - 1) / segment : 1;
		*last = bench_now();
		window_ack(u, got);
	}
}
#endif

static long
lsk_gro_receiver(struct udpx *u, double *last)
{
	static char buf[UDP_GRO_BUF];
	size_t segment;
	long got = 0;
	ssize_t n;

	for (;;) {
		if ((n = sock_recv_segments(u->s[1], buf, sizeof buf, &segment,
		    NULL)) == -1)
			bench_die_sock("recv_segments", u->s[1]);
		if (n == UDP_STOP)
			return got;
		got += segment > 0 ? (long)(((size_t)n + segment - 1) /
		    segment) : 1;
		*last = bench_now();
		window_ack(u, got);
	}
}

/* One datagram a call, as raw_receiver, with the window's acks. */
static long
raw_plain_receiver(struct udpx *u, double *last)
{
	struct sockaddr_storage from;
	socklen_t len;
	char buf[UDP_SLOT];
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
		window_ack(u, got);
	}
}

static long
lsk_plain_receiver(struct udpx *u, double *last)
{
	struct sock_addr from;
	char buf[UDP_SLOT];
	long got = 0;
	ssize_t n;

	for (;;) {
		if ((n = sock_recvfrom(u->s[1], buf, sizeof buf, &from)) == -1)
			bench_die_sock("recvfrom", u->s[1]);
		if (n == UDP_STOP)
			return got;
		got++;
		*last = bench_now();
		window_ack(u, got);
	}
}

static void
udpx_rate(struct udpx *u, int libsock, struct bench_rep *rep)
{
	void *(*sender)(void *) = NULL;
	long (*receiver)(struct udpx *, double *) = NULL;
	pthread_t t;
	double last = 0;
	long got;

	switch (u->kind) {
	case UDPX_BATCH:
		sender = libsock ? lsk_many_sender : raw_mmsg_sender;
		receiver = libsock ? lsk_many_receiver : raw_mmsg_receiver;
		break;
	case UDPX_GSO_GRO:
	case UDPX_GSO_PLAIN:
#ifdef HAVE_UDP_OFFLOAD
		sender = libsock ? lsk_gso_sender : raw_gso_sender;
		if (u->kind == UDPX_GSO_GRO)
			receiver = libsock ? lsk_gro_receiver :
			    raw_gro_receiver;
		else
			receiver = libsock ? lsk_plain_receiver :
			    raw_plain_receiver;
#else
		bench_die("udp", "built without UDP_SEGMENT");
#endif
		break;
	}
	atomic_init(&u->done, 0);
	window_init(u);
	bench_barrier_init(&u->go);
	bench_pin(0);
	bench_spawn(&t, sender, u);
	pthread_barrier_wait(&u->go);
	got = receiver(u, &last);
	atomic_store(&u->done, 1);
	bench_join(t);
	bench_unpin();
	pthread_barrier_destroy(&u->go);
	window_destroy(u);
	if (got == 0)
		bench_die("udp", "no datagram arrived");
	rep->value = (double)got / (last - u->t0);
	rep->sent = (unsigned long)u->count;
	rep->lost = (unsigned long)(u->count - got);
}

static void
udpx_raw(long count, struct bench_rep *rep, enum udpx_kind kind)
{
	struct udpx u = { .count = count, .kind = kind };
	struct sockaddr_in sin;
	socklen_t len = sizeof sin;
	int size = UDP_RCVBUF, on = 1;

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
#ifdef HAVE_UDP_OFFLOAD
	if (kind == UDPX_GSO_GRO && setsockopt(u.fd[1], IPPROTO_UDP, UDP_GRO,
	    &on, sizeof on) == -1)
		bench_die_errno("setsockopt UDP_GRO");
#else
	(void)on;
#endif
	udpx_rate(&u, 0, rep);
	close(u.fd[0]);
	close(u.fd[1]);
}

/* A libsock run that quietly lost its offload would measure the fallback. */
static void
lsk_check_offload(struct udpx *u)
{
	static int said;

	if (said || u->kind == UDPX_BATCH)
		return;
	if (!(sock_offload(u->s[0]) & LIBSOCK_OFFLOAD_GSO)) {
		bench_note("udp: libsock's sender lost GSO during a run "
		    "(sock_offload), so it sent datagram by datagram");
		said = 1;
	}
	if (u->kind == UDPX_GSO_GRO &&
	    !(sock_offload(u->s[1]) & LIBSOCK_OFFLOAD_GRO)) {
		bench_note("udp: libsock's receiver has no GRO after a run "
		    "(sock_offload)");
		said = 1;
	}
}

static void
udpx_lsk(long count, struct bench_rep *rep, enum udpx_kind kind)
{
	struct udpx u = { .count = count, .kind = kind };
	char text[LIBSOCK_ADDRSTRLEN];

	u.s[0] = bench_sock_new();
	u.s[1] = bench_sock_new();
	if (sock_set_rcvbuf(u.s[1], UDP_RCVBUF) == -1 ||
	    sock_bind(u.s[1], "udp://127.0.0.1:0") == -1)
		bench_die_sock("bind", u.s[1]);
	if (kind == UDPX_GSO_GRO && sock_set_gro(u.s[1], 1) == -1)
		bench_die_sock("set gro", u.s[1]);
	bench_sock_where(u.s[1], text, sizeof text);
	if (sock_connect(u.s[0], text) == -1)
		bench_die_sock("connect", u.s[0]);
	udpx_rate(&u, 1, rep);
	lsk_check_offload(&u);
	sock_free(u.s[0]);
	sock_free(u.s[1]);
}

static void
mmsg_raw(long n, struct bench_rep *r)
{
	udpx_raw(n, r, UDPX_BATCH);
}

static void
mmsg_lsk(long n, struct bench_rep *r)
{
	udpx_lsk(n, r, UDPX_BATCH);
}

static void
gsogro_raw(long n, struct bench_rep *r)
{
	udpx_raw(n, r, UDPX_GSO_GRO);
}

static void
gsogro_lsk(long n, struct bench_rep *r)
{
	udpx_lsk(n, r, UDPX_GSO_GRO);
}

static void
gsoplain_raw(long n, struct bench_rep *r)
{
	udpx_raw(n, r, UDPX_GSO_PLAIN);
}

static void
gsoplain_lsk(long n, struct bench_rep *r)
{
	udpx_lsk(n, r, UDPX_GSO_PLAIN);
}

/*
 * Why the GSO workloads cannot run here, into gso_why and gro_why, left
 * empty when they can: they need UDP_SEGMENT, and the GRO row UDP_GRO
 * too, in the headers and in the kernel (as sock_offload and
 * sock_set_gro find it).
 */
static void
udp_offload_probe(char *gso_why, char *gro_why, size_t size)
{
#ifdef HAVE_UDP_OFFLOAD
	struct sock *s = bench_sock_new();

	if (sock_bind(s, "udp://127.0.0.1:0") == -1)
		bench_die_sock("bind", s);
	if (!(sock_offload(s) & LIBSOCK_OFFLOAD_GSO))
		snprintf(gso_why, size, "n/a: no UDP GSO (UDP_SEGMENT) here, "
		    "sock_offload says");
	if (sock_set_gro(s, 1) == -1)
		snprintf(gro_why, size, "n/a: no UDP GRO here: %s",
		    sock_error(s));
	else if (!(sock_offload(s) & LIBSOCK_OFFLOAD_GRO))
		snprintf(gro_why, size, "n/a: no UDP GRO here, sock_offload "
		    "says");
	sock_free(s);
#else
	snprintf(gso_why, size, "n/a: <netinet/udp.h> has no UDP_SEGMENT "
	    "or UDP_GRO");
	snprintf(gro_why, size, "%s", gso_why);
#endif
}

/* Why a workload cannot run here, or NULL. */
static const char *
udp_offload_missing(int need_gro)
{
	static char gso_why[160], gro_why[160];
	static int probed;

	if (!probed) {
		udp_offload_probe(gso_why, gro_why, sizeof gso_why);
		probed = 1;
	}
	if (gso_why[0] != '\0')
		return gso_why;
	return need_gro && gro_why[0] != '\0' ? gro_why : NULL;
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
	{ "udp 64 B batched x64", "dgram/s", 0, 300000, 1280,
	    "udp batched: 300,000 datagrams a repetition, 64 a call "
	    "(sendmmsg/recvmmsg, sock_sendmany/sock_recvmany); at most 4096 "
	    "unacknowledged, for this and the GSO rows", 2,
	    { { "raw", mmsg_raw, 0 }, { "libsock", mmsg_lsk, 0 } } },
	{ "udp 64 B GSO x64, GRO rx", "dgram/s", 0, 6000000, 1280,
	    "udp GSO, GRO rx: 6,000,000 datagrams a repetition, 64 of 64 B "
	    "a send (UDP_SEGMENT, sock_send_segments), received coalesced "
	    "(UDP_GRO, sock_recv_segments)", 2,
	    { { "raw", gsogro_raw, 0 }, { "libsock", gsogro_lsk, 0 } } },
	{ "udp 64 B GSO x64, plain rx", "dgram/s", 0, 600000, 1280,
	    "udp GSO, plain rx: 600,000 a repetition, the same sender, "
	    "received one a call (recvfrom, sock_recvfrom)", 2,
	    { { "raw", gsoplain_raw, 0 }, { "libsock", gsoplain_lsk, 0 } } },
	{ "tcp connect+accept+close", "conn/s", 0, 6000, 20,
	    "connect: one thread; libsock connects to address text "
	    "(tcp://127.0.0.1:PORT), raw to a prepared sockaddr", 2,
	    { { "raw", conn_raw, 0 }, { "libsock", conn_lsk, 0 } } },
};

#define NWORKLOADS	(sizeof workloads / sizeof workloads[0])

static const struct bench_workload *
workload_of(void (*run)(long, struct bench_rep *))
{
	size_t i;

	for (i = 0; i < NWORKLOADS; i++)
		if (workloads[i].variants[0].run == run)
			return &workloads[i];
	bench_die("workload_of", "no such workload");
}

#define GSO_TARGET	4.0	/* GSO against one datagram a call */

/*
 * One line of the summary: the libsock GSO rate and its ratio to the
 * libsock rate of one datagram a call, against the target; the raw
 * ratio for scale.
 */
static void
summary_row(int first, const char *variant,
    const struct bench_workload *gso, const double *pp)
{
	const double *g = bench_medians(gso);
	const char *why;
	char med[32], text[160];
	double ratio;

	if (!bench_selected(gso))
		return;
	why = udp_offload_missing(gso->variants[0].run == gsogro_raw);
	printf("%-30s %-9s ", first ? "udp GSO / per-packet, libsock" : "",
	    variant);
	if (why != NULL || g == NULL || pp == NULL) {
		printf("%10s %21s %-7s %6s  %s\n", "n/a", "", gso->unit, "",
		    why != NULL ? why : "n/a: needs the \"udp 64 B "
		    "datagrams\" row too (BENCH_ONLY=\"udp 64 B\")");
		return;
	}
	ratio = g[1] / pp[1];
	snprintf(med, sizeof med, "%.0f", g[1]);
	snprintf(text, sizeof text, "%s the %.0fx target (raw: %.2fx)",
	    ratio >= GSO_TARGET ? "meets" : "misses", GSO_TARGET,
	    g[0] / pp[0]);
	printf("%10s %21s %-7s %6.2f  %s\n", med, "", gso->unit, ratio, text);
}

/*
 * The target: GSO at least 4 times the rate of one datagram a
 * call, with a GRO receiver and without.
 */
static void
udp_summary(void)
{
	const double *pp = bench_medians(workload_of(udp_raw));

	summary_row(1, "GRO rx", workload_of(gsogro_raw), pp);
	summary_row(!bench_selected(workload_of(gsogro_raw)), "plain rx",
	    workload_of(gsoplain_raw), pp);
	fflush(stdout);
}

int
main(void)
{
	const struct bench_workload *w;
	const char *why;
	size_t i;

	bench_init("bench-net");
	signal(SIGPIPE, SIG_IGN);
	bench_note("two-thread workloads: %s", bench_pin_text());
	bench_header();
	for (i = 0; i < NWORKLOADS; i++) {
		w = &workloads[i];
		why = NULL;
		if (w->variants[0].run == gsogro_raw ||
		    w->variants[0].run == gsoplain_raw)
			why = udp_offload_missing(w->variants[0].run ==
			    gsogro_raw);
		if (why != NULL)
			bench_skip(w, why);
		else
			bench_run(w);
		if (w->variants[0].run == gsoplain_raw)
			udp_summary();
	}
	bench_finish();
	return 0;
}
