/*
 * echo-load.c - many concurrent clients of an echo server, every byte
 * checked
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 *
 * usage: echo-load [-q] [-n conns] [-m bytes] [-p piece] [-t seconds]
 *            [-s seed] [--lazy | --stall] address
 *
 *	echo-load -n 1000 -m 65536 -t 60 tcp://127.0.0.1:7000
 *	echo-load -n 100 unix:///tmp/echo.sock
 *
 * Opens conns connections (default 100) at once, tcp://host:port (IPv4,
 * [IPv6] or a name) or unix:///path (also unix:path and, on Linux, the
 * abstract unix:@name).  Each sends bytes (default 65536) of a
 * pseudo-random message of its own, in pieces of 1 to piece bytes
 * (default 4096), while it reads the echo back.  Once every connection
 * has its whole echo (so the server holds them all at once), each shuts
 * down its sending side, and the server must then end each stream, after
 * exactly the bytes sent, every one the same; all of it within seconds
 * (default 60).  Exits 0 when every connection is through; 1 with a
 * message naming the connection (and the offset of the first wrong byte)
 * on a mismatch, a short or long echo, a failure or the deadline; 2 on
 * bad arguments.  The seed (default from the time and the process ID) is
 * printed on failure, so that -s can repeat the run.
 *
 * --lazy: each connection reads only when it cannot send (or all is
 * sent).  The echo then piles up in the server until it stops reading,
 * and the client reads only once its own sends block: the server must
 * take up reading again as its backlog drains.
 *
 * --stall: the opposite of a good client.  Each connection sends its
 * message but never reads, with small socket buffers, so the echo backs
 * up at once (with -m 0: a client that connects and says nothing).  A
 * line "echo-load: stalling" on standard output says that every
 * connection is open and has sent something; the connections then stay
 * open until the deadline or SIGTERM, and a last line says how much the
 * server took.  Exits 1 if the server ends a stalled connection, else 0.
 *
 * Only POSIX sockets and poll(2): no libsock, so that a bug in the
 * library cannot hide itself in its own test.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE		/* getopt_long */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__GNUC__)
#define PRINTFLIKE(f, a)	__attribute__((format(printf, f, a)))
#else
#define PRINTFLIKE(f, a)
#endif

#define CHUNK		65536
#define MAX_PIECE	CHUNK
#define RETRY_MS	10	/* pause after a connect refused for a full queue */
#define STALL_BUF	4096	/* --stall: socket buffers, see start() */

enum state {
	IDLE,			/* not connected yet */
	CONNECTING,		/* connect(2) under way */
	OPEN,
	DONE
};

struct conn {
	int		 fd;
	enum state	 state;
	uint64_t	 key;		/* the message: see message() */
	size_t		 sent;
	size_t		 rcvd;
	int		 shut;		/* our side shut down */
};

struct target {
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	const char		*text;
};

struct load {
	struct target	 to;
	struct conn	*c;
	struct pollfd	*pfd;
	int		 n;
	size_t		 size;		/* -m */
	size_t		 piece;		/* -p */
	int		 seconds;	/* -t */
	unsigned long long seed;
	int		 stall;
	int		 lazy;
	int		 quiet;
	int		 started;	/* connects started: c[0..started) */
	int		 echoed;	/* connections with their whole echo */
	int		 done;		/* connections through */
	int		 announced;	/* --stall: said so */
};

static volatile sig_atomic_t stopping;

static _Noreturn void
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "echo-load: %s\n", why);
	fprintf(stderr,
	    "usage: echo-load [-q] [-n conns] [-m bytes] [-p piece] "
	    "[-t seconds]\n"
	    "           [-s seed] [--lazy | --stall] address\n"
	    "  e.g. echo-load -n 1000 -m 65536 -t 60 tcp://127.0.0.1:7000\n"
	    "       echo-load -n 100 unix:///tmp/echo.sock\n");
	exit(2);
}

static long
number(const char *text, long min, long max, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
		fprintf(stderr, "echo-load: %s must be %ld to %ld\n", what,
		    min, max);
		exit(2);
	}
	return v;
}

static long long
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ------------------------------------------------------------- messages */

/* SplitMix64: a good 64-bit mix, and random access into a stream. */
static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/*
 * Bytes off..off+len of the message with this key: byte i is byte i % 8
 * of mix(key + i / 8).  Nothing is stored; sender and checker make the
 * same bytes.
 */
static void
message(uint64_t key, size_t off, unsigned char *buf, size_t len)
{
	uint64_t w = mix(key + off / 8);
	size_t i;

	for (i = 0; i < len; i++, off++) {
		if (off % 8 == 0)
			w = mix(key + off / 8);
		buf[i] = (unsigned char)(w >> (8 * (off % 8)));
	}
}

/* The size of the next piece: random, 1 to piece bytes. */
static size_t
piece_size(const struct load *ld, const struct conn *c)
{
	return 1 + (size_t)(mix(c->key ^ ~(uint64_t)c->sent) % ld->piece);
}

/* -------------------------------------------------------------- failure */

static const char *
state_name(enum state s)
{
	switch (s) {
	case IDLE:
		return "not connected";
	case CONNECTING:
		return "connecting";
	case OPEN:
		return "open";
	default:
		return "done";
	}
}

static _Noreturn void PRINTFLIKE(3, 4)
fail(const struct load *ld, int i, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "echo-load: %s: connection %d: ", ld->to.text, i);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (seed %llu)\n", ld->seed);
	exit(1);
}

static _Noreturn void
timed_out(const struct load *ld)
{
	const struct conn *c;
	int first;

	/* The first connection short of its echo, else the first not done. */
	for (first = 0; first < ld->n; first++)
		if (ld->c[first].state != DONE && ld->c[first].rcvd < ld->size)
			break;
	if (first == ld->n)
		for (first = 0; first < ld->n; first++)
			if (ld->c[first].state != DONE)
				break;
	c = &ld->c[first];
	fprintf(stderr, "echo-load: %s: timed out after %d s: %d of %d "
	    "connections not through; connection %d is %s, sent %zu of %zu "
	    "bytes, got %zu back%s (seed %llu)\n", ld->to.text, ld->seconds,
	    ld->n - ld->done, ld->n, first, state_name(c->state), c->sent,
	    ld->size, c->rcvd,
	    c->shut ? ", and the server has not ended the stream" : "",
	    ld->seed);
	exit(1);
}

/* ------------------------------------------------------------ addresses */

static int
parse_unix(struct target *t, const char *path)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)&t->ss;
	size_t len = strlen(path);

	if (len == 0 || len >= sizeof(sun->sun_path))
		return -1;
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len);
	t->len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	if (path[0] == '@')
		sun->sun_path[0] = '\0';	/* Linux abstract name */
	else
		t->len++;			/* with its NUL */
	return 0;
}

static int
parse_inet(struct target *t, const char *hostport)
{
	struct addrinfo hints, *res;
	char host[256];
	const char *port, *h = hostport;
	size_t hlen;
	int rc;

	if (*h == '[') {
		if ((port = strchr(h, ']')) == NULL || port[1] != ':')
			return -1;
		h++;
		hlen = (size_t)(port - h);
		port += 2;
	} else {
		if ((port = strrchr(h, ':')) == NULL)
			return -1;
		hlen = (size_t)(port - h);
		port++;
	}
	if (hlen == 0 || hlen >= sizeof(host) || *port == '\0')
		return -1;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		fprintf(stderr, "echo-load: %s: %s\n", hostport,
		    gai_strerror(rc));
		exit(1);
	}
	memcpy(&t->ss, res->ai_addr, res->ai_addrlen);
	t->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

static void
parse_target(struct target *t, const char *text)
{
	int rc;

	memset(t, 0, sizeof(*t));
	t->text = text;
	if (strncmp(text, "unix://", 7) == 0)
		rc = parse_unix(t, text + 7);
	else if (strncmp(text, "unix:", 5) == 0)
		rc = parse_unix(t, text + 5);
	else if (strncmp(text, "tcp://", 6) == 0)
		rc = parse_inet(t, text + 6);
	else if (strstr(text, "://") == NULL)
		rc = parse_inet(t, text);
	else
		rc = -1;
	if (rc == -1)
		usage("the address must be tcp://host:port or unix:///path");
}

/* ---------------------------------------------------------- descriptors */

/* Every connection is a descriptor: take what the hard limit allows. */
static void
raise_nofile(int n)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		perror("echo-load: getrlimit");
		exit(1);
	}
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)n + 16) {
		fprintf(stderr, "echo-load: %d connections need %d "
		    "descriptors; the limit is %llu\n", n, n + 16,
		    (unsigned long long)rl.rlim_cur);
		exit(1);
	}
}

/* ---------------------------------------------------------- connections */

/*
 * A connection has its whole echo.  It ends its side only once every
 * connection has, so that the server holds all of them at once.
 */
static void
echo_complete(struct load *ld)
{
	int i;

	if (++ld->echoed < ld->n)
		return;
	for (i = 0; i < ld->n; i++) {
		if (shutdown(ld->c[i].fd, SHUT_WR) == -1)
			fail(ld, i, "shutdown: %s", strerror(errno));
		ld->c[i].shut = 1;
	}
}

/* c is connected (with -m 0, its echo is already complete). */
static void
opened(struct load *ld, int i)
{
	ld->c[i].state = OPEN;
	if (ld->size == 0 && !ld->stall)
		echo_complete(ld);
}

/*
 * Start the connect of c: 0, or -1 if the server's queue is full (a Unix
 * listener says so at once): try again a little later.
 */
static int
start(struct load *ld, int i)
{
	struct conn *c = &ld->c[i];
	int fd, flags, small = STALL_BUF;

	if ((fd = socket(ld->to.ss.ss_family, SOCK_STREAM, 0)) == -1)
		fail(ld, i, "socket: %s", strerror(errno));
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1)
		fail(ld, i, "fcntl: %s", strerror(errno));
	/*
	 * --stall: small buffers, so that the echo backs up at once, and
	 * that what the server took from us is nearly all in the server.
	 */
	if (ld->stall && (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)) == -1 || setsockopt(fd, SOL_SOCKET, SO_SNDBUF,
	    &small, sizeof(small)) == -1))
		fail(ld, i, "setsockopt: %s", strerror(errno));
	c->fd = fd;
	if (connect(fd, (struct sockaddr *)&ld->to.ss, ld->to.len) == 0) {
		opened(ld, i);
	} else if (errno == EINPROGRESS || errno == EINTR) {
		c->state = CONNECTING;
	} else if (errno == EAGAIN) {
		(void)close(fd);
		c->fd = -1;
		return -1;
	} else {
		fail(ld, i, "connect: %s", strerror(errno));
	}
	return 0;
}

/* Start the connects not started yet: 1 if some must wait, else 0. */
static int
start_all(struct load *ld)
{
	for (; ld->started < ld->n; ld->started++)
		if (start(ld, ld->started) == -1)
			return 1;
	return 0;
}

static void
connected(struct load *ld, int i)
{
	struct conn *c = &ld->c[i];
	socklen_t len = sizeof(int);
	int err = 0;

	if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0)
		fail(ld, i, "connect: %s", strerror(err));
	opened(ld, i);
}

static void
finish(struct load *ld, struct conn *c)
{
	(void)close(c->fd);
	c->fd = -1;
	c->state = DONE;
	ld->done++;
}

/* Send the next piece of the message. */
static void
send_piece(struct load *ld, int i)
{
	unsigned char buf[MAX_PIECE];
	struct conn *c = &ld->c[i];
	size_t len;
	ssize_t n;

	len = piece_size(ld, c);
	if (len > ld->size - c->sent)
		len = ld->size - c->sent;
	message(c->key, c->sent, buf, len);
	if ((n = send(c->fd, buf, len, 0)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		fail(ld, i, "send after %zu of %zu bytes: %s", c->sent,
		    ld->size, strerror(errno));
	}
	c->sent += (size_t)n;
}

/* Where got differs from the message at offset off: fail there. */
static void
check(struct load *ld, int i, const unsigned char *got, size_t len)
{
	unsigned char want[CHUNK];
	struct conn *c = &ld->c[i];
	size_t k;

	message(c->key, c->rcvd, want, len);
	if (memcmp(want, got, len) == 0)
		return;
	for (k = 0; want[k] == got[k]; k++)
		;
	fail(ld, i, "byte %zu of the echo is 0x%02x, expected 0x%02x",
	    c->rcvd + k, got[k], want[k]);
}

static void
receive(struct load *ld, int i)
{
	unsigned char buf[CHUNK];
	struct conn *c = &ld->c[i];
	ssize_t n;

	if ((n = recv(c->fd, buf, sizeof(buf), 0)) == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		fail(ld, i, "recv after %zu of %zu bytes: %s", c->rcvd,
		    ld->size, strerror(errno));
	}
	if (n == 0) {
		if (c->rcvd < ld->size)
			fail(ld, i, "the server ended the stream after %zu of "
			    "%zu bytes (%zu sent)", c->rcvd, ld->size, c->sent);
		if (!c->shut)
			fail(ld, i, "the server ended the stream before the "
			    "client did");
		finish(ld, c);
		return;
	}
	if ((size_t)n > ld->size - c->rcvd)
		fail(ld, i, "the echo is longer than the %zu bytes sent: "
		    "%zu bytes more", ld->size, c->rcvd + (size_t)n - ld->size);
	check(ld, i, buf, (size_t)n);
	c->rcvd += (size_t)n;
	if (c->rcvd == ld->size)
		echo_complete(ld);
}

/* What poll(2) is to watch for on c. */
static short
interest(const struct load *ld, const struct conn *c)
{
	short ev = 0;

	if (c->state == CONNECTING)
		return POLLOUT;
	if (c->sent < ld->size)
		ev |= POLLOUT;
	if (!ld->stall)
		ev |= POLLIN;
	return ev;
}

static void
handle(struct load *ld, int i, short revents)
{
	struct conn *c = &ld->c[i];
	int may_read;

	if (c->state == CONNECTING) {
		connected(ld, i);
		return;
	}
	if (ld->stall && (revents & (POLLERR | POLLHUP)))
		fail(ld, i, "the server ended a stalled connection after "
		    "taking %zu bytes", c->sent);
	/* --lazy: read only what must be read for a send to go on. */
	may_read = !ld->lazy || !(revents & POLLOUT) || c->sent == ld->size;
	if ((revents & (POLLERR | POLLHUP)) ||
	    ((revents & POLLIN) && may_read))
		receive(ld, i);
	if (c->state == OPEN && (revents & POLLOUT) && c->sent < ld->size)
		send_piece(ld, i);
}

/* --stall: say so once every connection is open and has sent a piece. */
static void
announce_stall(struct load *ld)
{
	int i;

	if (ld->announced)
		return;
	for (i = 0; i < ld->n; i++)
		if (ld->c[i].state != OPEN ||
		    (ld->c[i].sent == 0 && ld->size > 0))
			return;
	printf("echo-load: stalling %d connections\n", ld->n);
	(void)fflush(stdout);
	ld->announced = 1;
}

static void
report_stall(const struct load *ld)
{
	size_t least = SIZE_MAX, most = 0, total = 0;
	int i;

	for (i = 0; i < ld->n; i++) {
		total += ld->c[i].sent;
		if (ld->c[i].sent < least)
			least = ld->c[i].sent;
		if (ld->c[i].sent > most)
			most = ld->c[i].sent;
	}
	printf("echo-load: %s: stalled %d connections; the server took "
	    "%zu to %zu of %zu bytes each (%zu in all)%s\n", ld->to.text,
	    ld->n, least, most, ld->size, total,
	    ld->announced ? "" : "; not every connection got going");
}

static int
run(struct load *ld)
{
	long long begin, deadline, now;
	int i, waiting, wait_ms, rc;

	begin = now_ms();
	deadline = begin + (long long)ld->seconds * 1000;
	while (ld->done < ld->n && !stopping) {
		waiting = start_all(ld);
		for (i = 0; i < ld->n; i++) {
			ld->pfd[i].fd = ld->c[i].state == CONNECTING ||
			    ld->c[i].state == OPEN ? ld->c[i].fd : -1;
			ld->pfd[i].events = interest(ld, &ld->c[i]);
			ld->pfd[i].revents = 0;
		}
		if ((now = now_ms()) >= deadline) {
			if (ld->stall)
				break;
			timed_out(ld);
		}
		wait_ms = (int)(deadline - now);
		if (waiting && wait_ms > RETRY_MS)
			wait_ms = RETRY_MS;
		if ((rc = poll(ld->pfd, (nfds_t)ld->n, wait_ms)) == -1) {
			if (errno == EINTR)
				continue;
			perror("echo-load: poll");
			return 1;
		}
		for (i = 0; i < ld->n && rc > 0; i++)
			if (ld->pfd[i].revents != 0) {
				rc--;
				handle(ld, i, ld->pfd[i].revents);
			}
		if (ld->stall)
			announce_stall(ld);
	}
	if (ld->stall) {
		report_stall(ld);
		return 0;
	}
	if (!ld->quiet)
		printf("echo-load: %s: %d connections, %zu bytes each, "
		    "echoed in %.2f s\n", ld->to.text, ld->n, ld->size,
		    (double)(now_ms() - begin) / 1000.0);
	return 0;
}

static void
on_signal(int signo)
{
	(void)signo;
	stopping = 1;
}

/* --stall ends at SIGTERM or SIGINT too, with its report. */
static void
catch_signals(int stall)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	(void)sigemptyset(&sa.sa_mask);
	/* A send to a connection the server reset must fail, not kill. */
	sa.sa_handler = SIG_IGN;
	(void)sigaction(SIGPIPE, &sa, NULL);
	if (!stall)
		return;
	sa.sa_handler = on_signal;
	(void)sigaction(SIGTERM, &sa, NULL);
	(void)sigaction(SIGINT, &sa, NULL);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "stall",	no_argument,	NULL, 'S' },
		{ "lazy",	no_argument,	NULL, 'L' },
		{ NULL,		0,		NULL, 0 }
	};
	struct load ld;
	int ch, i, rv;

	memset(&ld, 0, sizeof(ld));
	ld.n = 100;
	ld.size = 65536;
	ld.piece = 4096;
	ld.seconds = 60;
	ld.seed = (unsigned long long)time(NULL) ^
	    ((unsigned long long)getpid() << 32);
	while ((ch = getopt_long(argc, argv, "n:m:p:t:s:qSL", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'n':
			ld.n = (int)number(optarg, 1, 1000000, "-n");
			break;
		case 'm':
			ld.size = (size_t)number(optarg, 0, LONG_MAX, "-m");
			break;
		case 'p':
			ld.piece = (size_t)number(optarg, 1, MAX_PIECE, "-p");
			break;
		case 't':
			ld.seconds = (int)number(optarg, 1, 86400, "-t");
			break;
		case 's':
			ld.seed = (unsigned long long)number(optarg, 0,
			    LONG_MAX, "-s");
			break;
		case 'q':
			ld.quiet = 1;
			break;
		case 'S':
			ld.stall = 1;
			break;
		case 'L':
			ld.lazy = 1;
			break;
		default:
			usage(NULL);
		}
	}
	if (argc - optind != 1)
		usage(NULL);
	if (ld.lazy && ld.stall)
		usage("--lazy or --stall, not both");
	parse_target(&ld.to, argv[optind]);
	raise_nofile(ld.n);
	catch_signals(ld.stall);

	if ((ld.c = calloc((size_t)ld.n, sizeof(*ld.c))) == NULL ||
	    (ld.pfd = calloc((size_t)ld.n, sizeof(*ld.pfd))) == NULL) {
		perror("echo-load: calloc");
		return 1;
	}
	for (i = 0; i < ld.n; i++) {
		ld.c[i].fd = -1;
		ld.c[i].key = mix(ld.seed ^ mix((uint64_t)i));
	}
	rv = run(&ld);
	free(ld.pfd);
	free(ld.c);
	return rv;
}
