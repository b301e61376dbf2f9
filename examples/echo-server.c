/*
 * echo-server.c - echo server for TCP, TLS, UDP and Unix sockets, built on
 * libsock's non-blocking sockets and readiness poller
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 *
 * usage: echo-server [-v] [--edge] [-b bytes] [-t ms] [--max-conns N]
 *            address
 *        echo-server [option...] --cert FILE --key FILE
 *            [--ca FILE --verify-client] tls://host:port
 *
 *	echo-server tcp://127.0.0.1:7000
 *	echo-server --cert server.pem --key server.key tls://127.0.0.1:7443
 *	echo-server udp://[::1]:7001
 *	echo-server -t 30000 tcp://127.0.0.1:0
 *	echo-server unix:///tmp/echo.sock
 *	echo-server unix:@echo
 *	echo-server unixgram:///tmp/echo-dgram.sock
 *
 * The scheme of the address picks the transport.  tcp:// (also the
 * default), tls:// (TLS over TCP) and unix: (a local stream) accept
 * connections and echo each one until the client ends its side.  udp://
 * and unixgram: (local datagrams) send every datagram back to its
 * sender; a unixgram sender must have bound an address of its own, or
 * there is nowhere to send the reply.  A host of "*" means every local
 * address, IPv6 and IPv4; "unix:@name" is a Linux abstract name, which
 * leaves no file.  The first line on standard output names the address
 * actually bound, so a script may ask for port 0 and read the port.
 * SIGINT and SIGTERM stop the server, which then exits with status 0; a
 * Unix socket file is removed then.  A socket file left by a server that
 * died (one that refuses connections) is replaced at start; a live
 * server's file, or a file that is not a socket, never is.
 *
 * One thread serves every client.  Every socket is non-blocking and sits
 * in one sock_poller; the loop waits for readiness, then does what each
 * ready socket allows until libsock answers LIBSOCK_WANT_READ or
 * LIBSOCK_WANT_WRITE, and waits again.  What a client's socket cannot
 * take yet waits in a buffer of that client's own, so a client that reads
 * slowly holds back nobody else; while more than OUT_HIGH bytes of its
 * echo wait, the server stops reading from it (the client's sends then
 * block in its own kernel: backpressure), and reads it again once the
 * backlog is below OUT_LOW.
 *
 * -b bytes	receive buffer (default 65536); a longer datagram is
 *		reported on standard error and not echoed
 * -t ms	close a stream client that sends nothing, or takes nothing
 *		of the echo, for this long (default: wait for ever); over
 *		TLS this bounds the handshake too (default 30 s)
 * --max-conns N
 *		serve at most N stream clients at once (default 10000); a
 *		connection beyond that is accepted and closed at once
 * --edge	register the sockets edge-triggered (LIBSOCK_POLL_EDGE)
 *		rather than level-triggered; the echo is the same
 * -v		report on standard error the descriptor limit, the poller's
 *		backend, and at exit how many clients were served
 *
 * TLS (tls:// addresses only):
 * --cert FILE	the server's certificate, PEM, the chain after it
 * --key FILE	its private key, PEM; both are required for tls://
 * --ca FILE	the CA certificates that client certificates must chain to
 * --verify-client
 *		require a client certificate, verified against --ca
 *
 * One TLS configuration is built from these and set on the listener; every
 * accepted connection shares it.  The handshake is driven like any other
 * I/O, by the want codes of sock_tls_handshake: a client that sends
 * garbage, speaks plaintext, fails verification or stalls ends with an
 * error on standard error, and the server goes on serving the others.
 *
 * At start the soft limit on open descriptors is raised to the hard limit,
 * since every client is a descriptor.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE		/* getopt_long, sys/queue.h */

#include <sys/queue.h>
#include <sys/resource.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sock.h>

#define TICK_MS		200	/* longest wait: stop flag and timeouts */
#define DEFAULT_BUFSIZE	65536
#define MAX_BUFSIZE	(1024 * 1024)
#define DEFAULT_MAX_CONNS 10000
#define HANDSHAKE_MS	30000	/* TLS handshake limit when -t is not given */
#define OUT_HIGH	(256 * 1024)	/* echo waiting: stop reading the client */
#define OUT_LOW		(64 * 1024)	/* and read it again below this */
#define EDGE_ROUNDS	16	/* receives per client and turn, edge-triggered */
#define ACCEPT_BATCH	64	/* accepts per turn */
#define DGRAM_BATCH	16	/* datagrams per sock_recvmany */

static volatile sig_atomic_t stopping;

/* The TLS options, as given. */
struct tls_options {
	const char	*cert;
	const char	*key;
	const char	*ca;
	int		 verify_client;
};

/* The command line. */
struct options {
	size_t			 bufsize;
	int			 idle_ms;	/* -t, or -1 */
	int			 max_conns;
	int			 edge;
	int			 verbose;
	struct tls_options	 tls;
};

/* Long options without a short form. */
enum {
	OPT_CERT = 256,
	OPT_KEY,
	OPT_CA,
	OPT_VERIFY_CLIENT,
	OPT_MAX_CONNS,
	OPT_EDGE
};

/*
 * One stream client.
 *
 * Readiness bookkeeping: recv_wants and send_wants say what the last
 * receive (or handshake step) and the last send wait for, LIBSOCK_POLL_IN
 * or LIBSOCK_POLL_OUT.  Over TLS either may wait for either: a receive may
 * have to send (a handshake message), a send may have to receive.
 * can_recv and can_send say that no want code has come since the poller
 * last reported that readiness: the call is worth trying.  Edge-triggered,
 * that is the only record of readiness there is; level-triggered it saves
 * a wait when a call has just succeeded.
 */
struct conn {
	struct sock		*s;
	int			 handshaking;	/* TLS handshake not done yet */
	char			*out;		/* echo not sent yet: out[off..len) */
	size_t			 off;
	size_t			 len;
	size_t			 cap;
	int			 paused;	/* not read: its echo is behind */
	int			 eof;		/* the client ended its side */
	unsigned		 recv_wants;
	unsigned		 send_wants;
	int			 can_recv;
	int			 can_send;
	unsigned		 interest;	/* as registered */
	long long		 last;		/* ms: last progress, or accept */
	int			 on_ready;
	TAILQ_ENTRY(conn)	 all;		/* least recent progress first */
	TAILQ_ENTRY(conn)	 hs;		/* handshakes, oldest first */
	TAILQ_ENTRY(conn)	 ready;		/* more to do without a wait */
};

TAILQ_HEAD(conn_list, conn);

/* A stream server: the listener and its clients. */
struct server {
	struct sock_poller	*p;
	struct sock		*l;
	struct conn_list	 conns;		/* every client */
	struct conn_list	 handshakes;	/* TLS clients not yet through */
	struct conn_list	 ready;		/* edge-triggered: work left */
	char			*buf;		/* one receive buffer for all */
	size_t			 bufsize;
	int			 edge;
	int			 idle_ms;	/* -t, or -1 */
	int			 handshake_ms;
	int			 max_conns;
	int			 nconns;
	int			 peak;		/* most clients at once */
	int			 accept_more;	/* accept without waiting */
	int			 overloaded;	/* accept lacks descriptors */
	int			 refusing;	/* --max-conns reached, said so */
	unsigned long		 served;
	unsigned long		 refused;
	long long		 now;		/* ms, at the last wake-up */
};

static void
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "echo-server: %s\n", why);
	fprintf(stderr,
	    "usage: echo-server [-v] [--edge] [-b bytes] [-t ms] "
	    "[--max-conns N] address\n"
	    "       echo-server [option...] --cert FILE --key FILE\n"
	    "           [--ca FILE --verify-client] tls://host:port\n"
	    "  e.g. echo-server tcp://127.0.0.1:7000\n"
	    "       echo-server --cert server.pem --key server.key "
	    "tls://127.0.0.1:7443\n"
	    "       echo-server udp://[::1]:7001\n"
	    "       echo-server unix:///tmp/echo.sock\n"
	    "       echo-server unixgram:///tmp/echo-dgram.sock\n");
	exit(2);
}

/* The failure recorded on s, which names the operation and the address. */
static void
complain(const struct sock *s)
{
	fprintf(stderr, "echo-server: %s\n", sock_error(s));
}

static int
parse_number(const char *text, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno != 0 || end == text || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void
on_signal(int signo)
{
	(void)signo;
	stopping = 1;
}

/*
 * The handler only sets a flag.  A signal ends sock_poller_wait early,
 * and every wait is bounded by TICK_MS anyway, so the flag is seen soon.
 */
static int
catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = 0;		/* no SA_RESTART */
	if (sigemptyset(&sa.sa_mask) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1) {
		perror("echo-server: sigaction");
		return -1;
	}
	return 0;
}

/* Milliseconds of a clock that only goes forward, for the timeouts. */
static long long
now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *
rlim_text(rlim_t v, char *buf, size_t size)
{
	if (v == RLIM_INFINITY)
		return "unlimited";
	(void)snprintf(buf, size, "%llu", (unsigned long long)v);
	return buf;
}

/*
 * Every client is a descriptor, and the soft limit is often 1024 where
 * the hard one allows far more: take what the hard limit allows.
 */
static void
raise_nofile(const struct options *o)
{
	struct rlimit rl;
	rlim_t was;
	char t1[32], t2[32], t3[32];

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1) {
		perror("echo-server: getrlimit RLIMIT_NOFILE");
		return;
	}
	was = rl.rlim_cur;
	if (rl.rlim_cur != rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
#ifdef OPEN_MAX
			/*
			 * macOS: the hard limit says unlimited, but the
			 * kernel takes OPEN_MAX at most.
			 */
			rl.rlim_cur = OPEN_MAX;
			if (was >= OPEN_MAX ||
			    setrlimit(RLIMIT_NOFILE, &rl) == -1)
#endif
				rl.rlim_cur = was;
		}
	}
	if (!o->verbose)
		return;
	fprintf(stderr, "echo-server: open descriptors: at most %s "
	    "(soft limit was %s, hard limit %s)\n",
	    rlim_text(rl.rlim_cur, t1, sizeof(t1)),
	    rlim_text(was, t2, sizeof(t2)),
	    rlim_text(rl.rlim_max, t3, sizeof(t3)));
	if (rl.rlim_cur != RLIM_INFINITY &&
	    (rlim_t)o->max_conns + 16 > rl.rlim_cur)
		fprintf(stderr, "echo-server: --max-conns %d is more than "
		    "that allows: clients beyond it are refused by the "
		    "system (EMFILE)\n", o->max_conns);
}

/*
 * Print "listening on ADDRESS": the address actually bound, with the
 * port the system chose, or the path of a Unix socket as it was bound.
 */
static int
announce(struct sock *s)
{
	struct sock_addr local;
	char text[LIBSOCK_ADDRSTRLEN];

	if (sock_local_addr(s, &local) == -1) {
		complain(s);
		return -1;
	}
	if (sock_addr_format(&local, text, sizeof(text),
	    LIBSOCK_FORMAT_SCHEME) == -1) {
		fprintf(stderr, "echo-server: format local address: %s\n",
		    sock_strerror(errno));
		return -1;
	}
	if (printf("listening on %s\n", text) < 0 || fflush(stdout) == EOF) {
		perror("echo-server: standard output");
		return -1;
	}
	return 0;
}

/* -v: the backend, chosen when libsock was configured. */
static void
describe_poller(const struct sock_poller *p, const struct options *o)
{
	if (o->verbose)
		fprintf(stderr, "echo-server: poller: %s, %s-triggered\n",
		    sock_poller_backend(p), o->edge ? "edge" : "level");
}

static int
is_want(ssize_t rc)
{
	return rc == LIBSOCK_WANT_READ || rc == LIBSOCK_WANT_WRITE;
}

/* The readiness a LIBSOCK_WANT_* code asks for. */
static unsigned
want_events(ssize_t rc)
{
	return rc == LIBSOCK_WANT_READ ? LIBSOCK_POLL_IN : LIBSOCK_POLL_OUT;
}

/* ------------------------------------------------------ streams: tcp, unix */

static size_t
pending(const struct conn *c)
{
	return c->len - c->off;
}

/* Whether c is to be read: through its handshake, not behind, not over. */
static int
receiving(const struct conn *c)
{
	return !c->handshaking && !c->paused && !c->eof;
}

/* Whether a call on c is worth trying now, without waiting. */
static int
has_work(const struct conn *c)
{
	return (pending(c) > 0 && c->can_send) ||
	    (receiving(c) && c->can_recv);
}

/*
 * A name for c in messages: its address, or for a Unix client, which has
 * none, the address it came to.
 */
static void
conn_name(const struct conn *c, char *text, size_t size)
{
	struct sock_addr a;
	char addr[LIBSOCK_ADDRSTRLEN];

	if (sock_peer_addr(c->s, &a) == 0 &&
	    sock_addr_format(&a, addr, sizeof(addr),
	    LIBSOCK_FORMAT_SCHEME) >= 0 && strcmp(addr, "(unnamed)") != 0) {
		(void)snprintf(text, size, "client %s", addr);
		return;
	}
	if (sock_local_addr(c->s, &a) == 0 &&
	    sock_addr_format(&a, addr, sizeof(addr),
	    LIBSOCK_FORMAT_SCHEME) >= 0) {
		(void)snprintf(text, size, "client of %s", addr);
		return;
	}
	(void)snprintf(text, size, "a client");
}

/*
 * Forget c and free it.  Freeing the socket also takes it out of the
 * poller: if the current wait reported it too, that entry now has sock
 * NULL and is skipped.
 */
static void
conn_close(struct server *sv, struct conn *c)
{
	TAILQ_REMOVE(&sv->conns, c, all);
	if (c->handshaking)
		TAILQ_REMOVE(&sv->handshakes, c, hs);
	if (c->on_ready)
		TAILQ_REMOVE(&sv->ready, c, ready);
	sock_free(c->s);
	free(c->out);
	free(c);
	sv->nconns--;
	/*
	 * Refusing ends once a tenth of the room is free again, or the
	 * notice could come for every client while the count hovers at the
	 * limit.
	 */
	if (sv->refusing && sv->nconns < sv->max_conns - sv->max_conns / 10)
		sv->refusing = 0;
}

/* A failure of c: say what it was (the library's message), drop c. */
static void
conn_fail(struct server *sv, struct conn *c)
{
	complain(c->s);
	conn_close(sv, c);
}

/* c made progress: it goes to the end of the line for the idle timeout. */
static void
conn_touch(struct server *sv, struct conn *c)
{
	c->last = sv->now;
	TAILQ_REMOVE(&sv->conns, c, all);
	TAILQ_INSERT_TAIL(&sv->conns, c, all);
}

/* Keep c's turn for after the next wait (which then does not wait). */
static void
conn_ready(struct server *sv, struct conn *c)
{
	if (!c->on_ready) {
		TAILQ_INSERT_TAIL(&sv->ready, c, ready);
		c->on_ready = 1;
	}
}

/*
 * Level-triggered, the poller reports a condition for as long as it
 * holds, so c must ask for exactly what it waits for: asking for
 * LIBSOCK_POLL_OUT with nothing to send would wake the loop at every
 * wait.  Edge-triggered, c was registered once for both directions and
 * each report is a change: nothing to update.  -1 if c was dropped.
 */
static int
conn_watch(struct server *sv, struct conn *c)
{
	unsigned want = 0;

	if (sv->edge)
		return 0;
	if (c->handshaking || receiving(c))
		want |= c->recv_wants;
	if (pending(c) > 0)
		want |= c->send_wants;
	if (want == c->interest)
		return 0;
	if (sock_poller_mod(sv->p, c->s, want, c) == -1) {
		conn_fail(sv, c);
		return -1;
	}
	c->interest = want;
	return 0;
}

/*
 * One step of a TLS handshake.  An accepted TLS socket would also make
 * its handshake inside the first sock_recv; calling sock_tls_handshake
 * keeps it apart, so that the echo starts on a connection known to be
 * secure.  0 (done or under way), -1 if c was dropped.
 */
static int
conn_handshake(struct server *sv, struct conn *c)
{
	int rc;

	rc = sock_tls_handshake(c->s);
	if (is_want(rc)) {
		c->recv_wants = want_events(rc);
		c->can_recv = 0;
		return 0;
	}
	if (rc == -1) {
		conn_fail(sv, c);
		return -1;
	}
	c->handshaking = 0;
	TAILQ_REMOVE(&sv->handshakes, c, hs);
	/*
	 * The client's first bytes may have come with its last handshake
	 * message: try a receive at once.
	 */
	c->recv_wants = LIBSOCK_POLL_IN;
	c->can_recv = 1;
	conn_touch(sv, c);
	return 0;
}

/*
 * One send: the bytes sent (0 if it must wait), -1 if c was dropped.
 * After a want code, TLS requires the next send to start with the same
 * bytes; they start the backlog until sent, which is all it needs (they
 * may have moved in memory: libsock lets them).
 */
static ssize_t
conn_send(struct server *sv, struct conn *c, const char *data, size_t len)
{
	ssize_t n;

	n = sock_send(c->s, data, len);
	if (is_want(n)) {
		c->send_wants = want_events(n);
		c->can_send = 0;
		return 0;
	}
	if (n == -1) {
		conn_fail(sv, c);
		return -1;
	}
	c->send_wants = LIBSOCK_POLL_OUT;
	if (n > 0)
		conn_touch(sv, c);
	return n;
}

/* Send the backlog until it is gone or the socket is full. */
static int
conn_flush(struct server *sv, struct conn *c)
{
	ssize_t n;

	while (pending(c) > 0 && c->can_send) {
		if ((n = conn_send(sv, c, c->out + c->off, pending(c))) == -1)
			return -1;
		c->off += (size_t)n;
	}
	if (pending(c) == 0) {
		/* Only a client that is behind holds memory. */
		free(c->out);
		c->out = NULL;
		c->off = c->len = c->cap = 0;
	}
	if (c->paused && pending(c) < OUT_LOW)
		c->paused = 0;
	return 0;
}

/* Add len bytes to c's backlog: 0, or -1 without memory. */
static int
conn_queue(struct conn *c, const char *data, size_t len)
{
	size_t cap;
	char *p;

	if (c->off > 0) {
		memmove(c->out, c->out + c->off, pending(c));
		c->len -= c->off;
		c->off = 0;
	}
	if (c->len + len > c->cap) {
		cap = c->cap * 2 > c->len + len ? c->cap * 2 : c->len + len;
		if ((p = realloc(c->out, cap)) == NULL)
			return -1;
		c->out = p;
		c->cap = cap;
	}
	memcpy(c->out + c->len, data, len);
	c->len += len;
	return 0;
}

/*
 * One receive, and its echo: sent at once if nothing is waiting before
 * it (so most echoes never touch a buffer of the client's), the rest
 * queued.  0, or -1 if c was dropped.
 */
static int
conn_recv(struct server *sv, struct conn *c)
{
	ssize_t n, sent = 0;

	n = sock_recv(c->s, sv->buf, sv->bufsize);
	if (is_want(n)) {
		c->recv_wants = want_events(n);
		c->can_recv = 0;
		return 0;
	}
	if (n == -1) {
		conn_fail(sv, c);
		return -1;
	}
	c->recv_wants = LIBSOCK_POLL_IN;
	if (n == 0) {
		c->eof = 1;		/* the rest is sent, then c closed */
		return 0;
	}
	conn_touch(sv, c);
	if (pending(c) == 0 && c->can_send &&
	    (sent = conn_send(sv, c, sv->buf, (size_t)n)) == -1)
		return -1;
	if (sent < n &&
	    conn_queue(c, sv->buf + sent, (size_t)(n - sent)) == -1) {
		fprintf(stderr, "echo-server: client: %s\n",
		    sock_strerror(ENOMEM));
		conn_close(sv, c);
		return -1;
	}
	if (pending(c) >= OUT_HIGH)
		c->paused = 1;
	return 0;
}

/*
 * Do what c allows now.  Level-triggered, one receive per report is fair
 * to the other clients, and the poller reports again what is left.
 * Edge-triggered, nothing is reported again until a call has said
 * "want": a client keeps going until then, but for EDGE_ROUNDS receives
 * at most, and then goes on after the next wait (which does not wait).
 * 0, or -1 if c was dropped.
 */
static int
conn_run(struct server *sv, struct conn *c)
{
	int rounds = sv->edge ? EDGE_ROUNDS : 1;

	if (c->handshaking) {
		if (c->can_recv && conn_handshake(sv, c) == -1)
			return -1;
		if (c->handshaking)
			return conn_watch(sv, c);
	}
	while (rounds-- > 0 && has_work(c)) {
		if (conn_flush(sv, c) == -1)
			return -1;
		if (receiving(c) && c->can_recv && conn_recv(sv, c) == -1)
			return -1;
	}
	if (c->eof && pending(c) == 0) {
		conn_close(sv, c);	/* all echoed */
		return -1;
	}
	if (sv->edge && has_work(c))
		conn_ready(sv, c);
	return conn_watch(sv, c);
}

/* The poller reported events on c. */
static void
conn_event(struct server *sv, struct conn *c, unsigned events)
{
	/* An error or a hang-up shows in the next call, whichever it is. */
	if (events & (LIBSOCK_POLL_ERR | LIBSOCK_POLL_HUP))
		events |= LIBSOCK_POLL_IN | LIBSOCK_POLL_OUT;
	if (events & c->recv_wants)
		c->can_recv = 1;
	if (events & c->send_wants)
		c->can_send = 1;
	(void)conn_run(sv, c);
}

/* A new client: register it, and start on it. */
static void
conn_new(struct server *sv, struct sock *s)
{
	struct conn *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		fprintf(stderr, "echo-server: client: %s\n",
		    sock_strerror(ENOMEM));
		sock_free(s);
		return;
	}
	c->s = s;
	c->handshaking = sock_transport(s) == LIBSOCK_TLS;
	c->recv_wants = LIBSOCK_POLL_IN;	/* TLS: the client speaks first */
	c->send_wants = LIBSOCK_POLL_OUT;
	c->can_recv = c->can_send = 1;
	c->interest = sv->edge ?
	    LIBSOCK_POLL_IN | LIBSOCK_POLL_OUT | LIBSOCK_POLL_EDGE :
	    LIBSOCK_POLL_IN;
	if (sock_poller_add(sv->p, s, c->interest, c) == -1) {
		complain(s);
		sock_free(s);
		free(c);
		return;
	}
	c->last = sv->now;
	TAILQ_INSERT_TAIL(&sv->conns, c, all);
	if (c->handshaking)
		TAILQ_INSERT_TAIL(&sv->handshakes, c, hs);
	if (++sv->nconns > sv->peak)
		sv->peak = sv->nconns;
	sv->served++;
	/*
	 * Edge-triggered, what arrived before the socket joined the poller
	 * need not be reported: go until a want code now.
	 */
	if (sv->edge)
		(void)conn_run(sv, c);
}

/* Past --max-conns: accepted, so that it leaves the queue, and closed. */
static void
refuse(struct server *sv, struct sock *s)
{
	sock_free(s);
	sv->refused++;
	if (!sv->refusing)
		fprintf(stderr, "echo-server: %d clients (--max-conns): "
		    "closing new connections at once\n", sv->nconns);
	sv->refusing = 1;
}

/* accept gave NULL: 0 to go on, -1 when the listener cannot go on. */
static int
accept_failed(struct server *sv)
{
	int code = errno;

	if (code == EAGAIN || code == EWOULDBLOCK)
		return 0;	/* nobody else waiting */
	switch (code) {
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		/*
		 * The library has closed the connections waiting, so the
		 * listener does not stay ready for nothing.  Say so once,
		 * not for every client refused.
		 */
		if (!sv->overloaded)
			complain(sv->l);
		sv->overloaded = 1;
		return 0;
	case EINTR:
	case ECONNABORTED:
		sv->accept_more = 1;	/* no "want" yet: try again */
		return 0;
	default:
		complain(sv->l);
		return -1;
	}
}

/* Accept what waits, ACCEPT_BATCH at most: 0, or -1 to give up. */
static int
accept_some(struct server *sv)
{
	struct sock *s;
	int i;

	sv->accept_more = 0;
	for (i = 0; i < ACCEPT_BATCH; i++) {
		if ((s = sock_accept(sv->l)) == NULL)
			return accept_failed(sv);
		sv->overloaded = 0;
		if (sv->nconns >= sv->max_conns)
			refuse(sv, s);
		else
			conn_new(sv, s);
	}
	/* Edge-triggered, no new report comes before accept says EAGAIN. */
	sv->accept_more = sv->edge;
	return 0;
}

/* Clients whose turn was cut short: each gets one more. */
static void
run_ready(struct server *sv)
{
	struct conn_list turn;
	struct conn *c;

	/* Moved aside first: a client may join the list again. */
	TAILQ_INIT(&turn);
	TAILQ_CONCAT(&turn, &sv->ready, ready);
	while ((c = TAILQ_FIRST(&turn)) != NULL) {
		TAILQ_REMOVE(&turn, c, ready);
		c->on_ready = 0;
		(void)conn_run(sv, c);
	}
}

static void
expire(struct server *sv, struct conn *c, const char *what, int ms)
{
	char name[LIBSOCK_ADDRSTRLEN + 16];

	conn_name(c, name, sizeof(name));
	fprintf(stderr, "echo-server: %s: %s %d ms: closed\n", name, what, ms);
	conn_close(sv, c);
}

/*
 * The timeouts.  sock_set_timeout has no effect on non-blocking sockets
 * (the event loop owns time), so they are kept here: every list is in
 * the order its clients expire, and only its head needs looking at.
 */
static void
expire_idle(struct server *sv)
{
	struct conn *c;

	while ((c = TAILQ_FIRST(&sv->handshakes)) != NULL &&
	    sv->now - c->last >= sv->handshake_ms)
		expire(sv, c, "TLS handshake not done within",
		    sv->handshake_ms);
	if (sv->idle_ms == -1)
		return;
	while ((c = TAILQ_FIRST(&sv->conns)) != NULL &&
	    sv->now - c->last >= sv->idle_ms)
		expire(sv, c, "nothing sent or taken for", sv->idle_ms);
}

/* The event loop, until a signal: 0, or -1 on a failure of the server. */
static int
run_stream(struct server *sv)
{
	struct sock_event *ev;
	int busy, i, n;

	while (!stopping) {
		busy = sv->accept_more || !TAILQ_EMPTY(&sv->ready);
		n = sock_poller_wait(sv->p, busy ? 0 : TICK_MS, &ev);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("echo-server: sock_poller_wait");
			return -1;
		}
		sv->now = now_ms();
		for (i = 0; i < n; i++) {
			if (ev[i].sock == NULL)
				continue;	/* closed since the wait */
			if (ev[i].sock == sv->l)
				sv->accept_more = 1;
			else
				conn_event(sv, ev[i].udata, ev[i].events);
		}
		run_ready(sv);
		/*
		 * Edge-triggered, an accept that failed for want of
		 * descriptors gave no EAGAIN, so no new report is due:
		 * try again at every wake-up until it works.
		 */
		if ((sv->accept_more || (sv->edge && sv->overloaded)) &&
		    accept_some(sv) == -1)
			return -1;
		expire_idle(sv);
	}
	return 0;
}

/*
 * The listener: non-blocking, and so is every socket it accepts.  A
 * stale socket file (see the top of this file) concerns Unix addresses
 * only; TCP ignores the flag.
 */
static int
listen_on(struct server *sv, const char *address,
    struct sock_tls_config *cfg)
{
	unsigned events = LIBSOCK_POLL_IN;

	if ((sv->l = sock_new()) == NULL) {
		perror("echo-server: sock_new");
		return -1;
	}
	if (sock_set_nonblocking(sv->l, 1) == -1 ||
	    sock_set_unlink_stale(sv->l, 1) == -1 ||
	    (cfg != NULL && sock_set_tls_config(sv->l, cfg) == -1) ||
	    sock_listen(sv->l, address) == -1) {
		complain(sv->l);
		return -1;
	}
	if (sv->edge)
		events |= LIBSOCK_POLL_EDGE;
	if (sock_poller_add(sv->p, sv->l, events, NULL) == -1) {
		complain(sv->l);
		return -1;
	}
	return announce(sv->l);
}

static int
serve_stream(const char *address, const struct options *o,
    struct sock_tls_config *cfg)
{
	struct server sv;
	struct conn *c;
	int rv = 1;

	memset(&sv, 0, sizeof(sv));
	TAILQ_INIT(&sv.conns);
	TAILQ_INIT(&sv.handshakes);
	TAILQ_INIT(&sv.ready);
	sv.bufsize = o->bufsize;
	sv.edge = o->edge;
	sv.idle_ms = o->idle_ms;
	sv.handshake_ms = o->idle_ms != -1 ? o->idle_ms : HANDSHAKE_MS;
	sv.max_conns = o->max_conns;
	sv.now = now_ms();

	if ((sv.buf = malloc(sv.bufsize)) == NULL) {
		perror("echo-server: malloc");
		return 1;
	}
	if ((sv.p = sock_poller_new()) == NULL) {
		fprintf(stderr, "echo-server: sock_poller_new: %s\n",
		    sock_strerror(errno));
		goto out;
	}
	describe_poller(sv.p, o);
	if (listen_on(&sv, address, cfg) == -1 || run_stream(&sv) == -1)
		goto out;
	rv = 0;
	if (o->verbose)
		fprintf(stderr, "echo-server: %lu clients served, at most %d "
		    "at a time; %lu closed at once (--max-conns)\n",
		    sv.served, sv.peak, sv.refused);
out:
	while ((c = TAILQ_FIRST(&sv.conns)) != NULL)
		conn_close(&sv, c);
	sock_free(sv.l);		/* removes a Unix socket file */
	sock_poller_free(sv.p);
	free(sv.buf);
	return rv;
}

/* ---------------------------------------------- datagrams: udp, unixgram */

/* Report a failed receive: 0 to go on, -1 when the socket cannot go on. */
static int
recv_failed(const struct sock *u)
{
	switch (sock_error_code(u)) {
	case EINTR:
		return 0;
	case ECONNREFUSED:	/* ICMP about an earlier reply */
	case EHOSTUNREACH:
	case ENETUNREACH:
	case ENOBUFS:
	case ENOMEM:
		complain(u);
		return 0;
	default:
		complain(u);
		return -1;
	}
}

/*
 * Whether a datagram came from a Unix socket bound to no address: such a
 * sender cannot be answered (UDP senders always have an address).
 */
static int
unnamed(const struct sock_addr *from)
{
	char text[LIBSOCK_ADDRSTRLEN];

	return from->transport == LIBSOCK_UNIXGRAM &&
	    sock_addr_format(from, text, sizeof(text), 0) >= 0 &&
	    strcmp(text, "(unnamed)") == 0;
}

/*
 * The replies to n received datagrams, in out: each goes back to its
 * sender, from the buffer it came in.  A datagram that cannot be
 * answered is reported instead.  Returns the number of replies.
 */
static int
make_replies(const struct sock_dgram *in, int n, struct sock_dgram *out)
{
	char text[LIBSOCK_ADDRSTRLEN];
	int i, m = 0;

	for (i = 0; i < n; i++) {
		if (in[i].flags & LIBSOCK_DGRAM_TRUNC) {
			if (sock_addr_format(&in[i].addr, text, sizeof(text),
			    LIBSOCK_FORMAT_SCHEME) < 0)
				(void)snprintf(text, sizeof(text), "?");
			fprintf(stderr, "echo-server: a datagram from %s "
			    "longer than %zu bytes (-b); not echoed\n", text,
			    in[i].len);
			continue;
		}
		if (unnamed(&in[i].addr)) {
			fprintf(stderr, "echo-server: a datagram of %zu bytes "
			    "from an unnamed sender: no address to reply to\n",
			    in[i].n);
			continue;
		}
		out[m].buf = in[i].buf;
		out[m].len = in[i].n;
		out[m].addr = in[i].addr;
		m++;
	}
	return m;
}

/*
 * Send the replies.  A reply that fails concerns its sender only (gone,
 * say): it is reported and the others go.  If the socket cannot take
 * more now, the rest are dropped, as a network may drop datagrams:
 * waiting would hold every client back for one that does not read, and
 * a Unix datagram socket whose peer's queue is full is not reported
 * ready to write anyway.
 */
static void
send_replies(struct sock *u, struct sock_dgram *out, int m)
{
	int i = 0, n;

	while (i < m) {
		n = sock_sendmany(u, out + i, m - i);
		if (n > 0) {
			i += n;
		} else if (is_want(n)) {
			fprintf(stderr, "echo-server: %d replies dropped: "
			    "the socket has no room for them\n", m - i);
			return;
		} else {
			complain(u);
			i++;
		}
	}
}

/*
 * Receive and answer datagrams, a batch per system call each way: one
 * batch level-triggered (the poller reports again if more wait), until a
 * want code edge-triggered.  1 if more may be waiting without a report
 * (edge-triggered, after EDGE_ROUNDS batches), 0 if not, -1 on a failure
 * of the socket.
 */
static int
echo_dgrams(struct sock *u, struct sock_dgram *in, struct sock_dgram *out,
    int edge)
{
	int n, rounds = edge ? EDGE_ROUNDS : 1;

	while (rounds-- > 0) {
		n = sock_recvmany(u, in, DGRAM_BATCH);
		if (is_want(n))
			return 0;
		if (n == -1) {
			if (recv_failed(u) == -1)
				return -1;
			continue;
		}
		send_replies(u, out, make_replies(in, n, out));
	}
	return edge;
}

static int
run_dgram(struct sock *u, struct sock_poller *p, struct sock_dgram *in,
    struct sock_dgram *out, int edge)
{
	struct sock_event *ev;
	int more = 0, n;

	while (!stopping) {
		n = sock_poller_wait(p, more ? 0 : TICK_MS, &ev);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("echo-server: sock_poller_wait");
			return -1;
		}
		if ((n > 0 || more) &&
		    (more = echo_dgrams(u, in, out, edge)) == -1)
			return -1;
	}
	return 0;
}

static int
serve_dgram(const char *address, const struct options *o)
{
	struct sock_dgram in[DGRAM_BATCH], out[DGRAM_BATCH];
	struct sock_poller *p = NULL;
	struct sock *u;
	char *bufs;
	unsigned events = LIBSOCK_POLL_IN;
	int i, rv = 1;

	if ((bufs = malloc(DGRAM_BATCH * o->bufsize)) == NULL) {
		perror("echo-server: malloc");
		return 1;
	}
	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	for (i = 0; i < DGRAM_BATCH; i++) {
		in[i].buf = bufs + (size_t)i * o->bufsize;
		in[i].len = o->bufsize;
	}
	if ((u = sock_new()) == NULL) {
		perror("echo-server: sock_new");
		goto out;
	}
	if (sock_set_nonblocking(u, 1) == -1 ||
	    sock_set_unlink_stale(u, 1) == -1 ||
	    sock_bind(u, address) == -1) {
		complain(u);
		goto out;
	}
	if (announce(u) == -1)
		goto out;
	if ((p = sock_poller_new()) == NULL) {
		fprintf(stderr, "echo-server: sock_poller_new: %s\n",
		    sock_strerror(errno));
		goto out;
	}
	describe_poller(p, o);
	if (o->edge)
		events |= LIBSOCK_POLL_EDGE;
	if (sock_poller_add(p, u, events, NULL) == -1) {
		complain(u);
		goto out;
	}
	if (run_dgram(u, p, in, out, o->edge) == -1)
		goto out;
	rv = 0;
out:
	sock_free(u);		/* removes a unixgram socket file */
	sock_poller_free(p);
	free(bufs);
	return rv;
}

/* ----------------------------------------------------------------- main */

/* Datagram schemes; everything else (no scheme included) is a stream. */
static int
is_dgram(const char *address)
{
	return strncmp(address, "udp://", 6) == 0 ||
	    strncmp(address, "unixgram:", 9) == 0;
}

static int
is_tls(const char *address)
{
	return strncmp(address, "tls://", 6) == 0;
}

/* The TLS options make sense together, and with a tls:// address only. */
static void
check_tls_options(const struct tls_options *o, const char *address)
{
	if (!is_tls(address)) {
		if (o->cert != NULL || o->key != NULL || o->ca != NULL ||
		    o->verify_client)
			usage("--cert, --key, --ca and --verify-client are "
			    "for tls:// addresses");
		return;
	}
	if (o->cert == NULL || o->key == NULL)
		usage("a tls:// address needs --cert FILE and --key FILE");
	if (o->verify_client && o->ca == NULL)
		usage("--verify-client needs --ca FILE, the CA that client "
		    "certificates must chain to");
	if (o->ca != NULL && !o->verify_client)
		usage("--ca is the CA for client certificates: give "
		    "--verify-client too");
}

/*
 * The one TLS configuration of the server, or NULL with the reason on
 * standard error.  The key pair is read and checked here, so a wrong file
 * is reported before anything listens; the CA file is read when the
 * listener is set up.
 */
static struct sock_tls_config *
tls_config(const struct tls_options *o)
{
	struct sock_tls_config *cfg;

	if ((cfg = sock_tls_config_new()) == NULL) {
		fprintf(stderr, "echo-server: TLS configuration: %s\n",
		    sock_strerror(errno));
		return NULL;
	}
	if (sock_tls_config_set_keypair_file(cfg, o->cert, o->key) == -1 ||
	    (o->ca != NULL &&
	    sock_tls_config_set_ca_file(cfg, o->ca) == -1) ||
	    (o->verify_client &&
	    sock_tls_config_verify_client(cfg) == -1)) {
		fprintf(stderr, "echo-server: %s\n",
		    sock_tls_config_error(cfg));
		sock_tls_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* The command line into o; returns the address. */
static const char *
parse_options(int argc, char *argv[], struct options *o)
{
	static const struct option longopts[] = {
		{ "cert",		required_argument, NULL, OPT_CERT },
		{ "key",		required_argument, NULL, OPT_KEY },
		{ "ca",			required_argument, NULL, OPT_CA },
		{ "verify-client",	no_argument,	   NULL, OPT_VERIFY_CLIENT },
		{ "max-conns",		required_argument, NULL, OPT_MAX_CONNS },
		{ "edge",		no_argument,	   NULL, OPT_EDGE },
		{ NULL,			0,		   NULL, 0 }
	};
	long v;
	int ch;

	while ((ch = getopt_long(argc, argv, "b:t:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			if (parse_number(optarg, 1, MAX_BUFSIZE, &v) == -1)
				usage("-b: bytes must be 1 to 1048576");
			o->bufsize = (size_t)v;
			break;
		case 't':
			if (parse_number(optarg, 1, INT_MAX, &v) == -1)
				usage("-t: milliseconds must be positive");
			o->idle_ms = (int)v;
			break;
		case 'v':
			o->verbose = 1;
			break;
		case OPT_MAX_CONNS:
			if (parse_number(optarg, 0, INT_MAX, &v) == -1)
				usage("--max-conns: a number of clients, 0 "
				    "or more");
			o->max_conns = (int)v;
			break;
		case OPT_EDGE:
			o->edge = 1;
			break;
		case OPT_CERT:
			o->tls.cert = optarg;
			break;
		case OPT_KEY:
			o->tls.key = optarg;
			break;
		case OPT_CA:
			o->tls.ca = optarg;
			break;
		case OPT_VERIFY_CLIENT:
			o->tls.verify_client = 1;
			break;
		default:
			usage(NULL);
		}
	}
	if (argc - optind != 1)
		usage(NULL);
	check_tls_options(&o->tls, argv[optind]);
	return argv[optind];
}

int
main(int argc, char *argv[])
{
	struct options o;
	struct sock_tls_config *cfg = NULL;
	const char *address;
	int rv;

	memset(&o, 0, sizeof(o));
	o.bufsize = DEFAULT_BUFSIZE;
	o.idle_ms = -1;
	o.max_conns = DEFAULT_MAX_CONNS;
	address = parse_options(argc, argv, &o);

	if (catch_signals() == -1)
		return 1;
	raise_nofile(&o);
	if (is_dgram(address))
		return serve_dgram(address, &o);
	if (is_tls(address) && (cfg = tls_config(&o.tls)) == NULL)
		return 1;
	rv = serve_stream(address, &o, cfg);
	sock_tls_config_free(cfg);
	return rv;
}
