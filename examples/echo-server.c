/*
 * echo-server.c - echo server for TCP, TLS, UDP and Unix sockets, built on
 * libsock
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 *
 * usage: echo-server [-b bytes] [-t ms] address
 *        echo-server [-b bytes] [-t ms] --cert FILE --key FILE
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
 * connections and echo each one, in a thread of its own, until the client
 * ends its side.  udp://
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
 * -b bytes	receive buffer (default 65536); a longer datagram is
 *		reported on standard error and not echoed
 * -t ms	close a stream client that sends nothing, or takes nothing
 *		of the echo, for this long (default: wait for ever); over
 *		TLS this bounds the handshake too (default 30 s)
 *
 * TLS (tls:// addresses only):
 * --cert FILE	the server's certificate, PEM, the chain after it
 * --key FILE	its private key, PEM; both are required for tls://
 * --ca FILE	the CA certificates that client certificates must chain to
 * --verify-client
 *		require a client certificate, verified against --ca
 *
 * One TLS configuration is built from these and set on the listener; every
 * accepted connection shares it.  The handshake runs in the client's own
 * thread, at its first receive: a client that sends garbage, speaks
 * plaintext, fails verification or stalls ends with an error on standard
 * error, and the server goes on accepting.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE		/* getopt_long */

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sock.h>

#define TICK_MS		200	/* how long a wait lasts before the stop flag is read */
#define DEFAULT_BUFSIZE	65536
#define MAX_BUFSIZE	(1024 * 1024)

static volatile sig_atomic_t stopping;

/* Set once in main(), before any thread starts; read-only afterwards. */
static size_t bufsize = DEFAULT_BUFSIZE;

/* The TLS options, as given. */
struct tls_options {
	const char	*cert;
	const char	*key;
	const char	*ca;
	int		 verify_client;
};

/* Long options without a short form. */
enum {
	OPT_CERT = 256,
	OPT_KEY,
	OPT_CA,
	OPT_VERIFY_CLIENT
};

static void
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "echo-server: %s\n", why);
	fprintf(stderr,
	    "usage: echo-server [-b bytes] [-t ms] address\n"
	    "       echo-server [-b bytes] [-t ms] --cert FILE --key FILE\n"
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
 * The handler only sets a flag.  Every wait below is bounded by TICK_MS,
 * so the flag is seen within that time whatever the library does with
 * EINTR; without SA_RESTART an interrupted wait may also end sooner.
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

static void
pause_ms(int ms)
{
	struct timespec ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	(void)nanosleep(&ts, NULL);	/* a signal ending it early is fine */
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

/* ------------------------------------------------------ streams: tcp, unix */

/* Echo until the client ends its side: 0, or -1 with the error on c. */
static int
echo_until_eof(struct sock *c, char *buf, size_t size)
{
	ssize_t n;

	while ((n = sock_recv(c, buf, size)) > 0)
		if (sock_send_all(c, buf, (size_t)n) == -1)
			return -1;
	return n == 0 ? 0 : -1;
}

/*
 * One client's thread.  A reset, a timeout or any other failure ends
 * this client only: it is reported and the socket freed.
 */
static void *
serve_client(void *arg)
{
	struct sock *c = arg;
	char *buf;

	if ((buf = malloc(bufsize)) == NULL)
		fprintf(stderr, "echo-server: client: %s\n",
		    sock_strerror(ENOMEM));
	else if (echo_until_eof(c, buf, bufsize) == -1)
		complain(c);
	free(buf);
	sock_free(c);
	return NULL;
}

/*
 * Start a detached thread for c.  SIGINT and SIGTERM are blocked while it
 * is created, so the thread inherits a mask without them: the signals go
 * to the accepting thread and never cut a client's receive short.
 */
static int
start_client(struct sock *c)
{
	pthread_attr_t attr;
	pthread_t tid;
	sigset_t stop, saved;
	int rc;

	if (sigemptyset(&stop) == -1 || sigaddset(&stop, SIGINT) == -1 ||
	    sigaddset(&stop, SIGTERM) == -1) {
		perror("echo-server: sigset");
		return -1;
	}
	if ((rc = pthread_attr_init(&attr)) != 0) {
		fprintf(stderr, "echo-server: pthread_attr_init: %s\n",
		    strerror(rc));
		return -1;
	}
	if ((rc = pthread_attr_setdetachstate(&attr,
	    PTHREAD_CREATE_DETACHED)) == 0 &&
	    (rc = pthread_sigmask(SIG_BLOCK, &stop, &saved)) == 0) {
		rc = pthread_create(&tid, &attr, serve_client, c);
		(void)pthread_sigmask(SIG_SETMASK, &saved, NULL);
	}
	(void)pthread_attr_destroy(&attr);
	if (rc != 0) {
		fprintf(stderr, "echo-server: client thread: %s\n",
		    strerror(rc));
		return -1;
	}
	return 0;
}

/*
 * Accept one connection and hand it to a thread.  Returns 0 to go on
 * (timeouts included), -1 when the listener cannot go on.
 */
static int
accept_one(struct sock *l, int *overloaded)
{
	struct sock *c;

	if ((c = sock_accept(l)) != NULL) {
		*overloaded = 0;
		if (start_client(c) == -1)
			sock_free(c);
		return 0;
	}
	switch (sock_error_code(l)) {
	case ETIMEDOUT:
	case EINTR:
		return 0;	/* a tick: time to look at the stop flag */
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		/*
		 * Out of descriptors or memory.  The connection waits in the
		 * backlog; say so once and try again after a pause rather
		 * than spin until clients leave.
		 */
		if (!*overloaded)
			complain(l);
		*overloaded = 1;
		pause_ms(TICK_MS);
		return 0;
	default:
		complain(l);
		return -1;
	}
}

/*
 * The TLS side of a listener: the shared configuration, which accepted
 * sockets inherit, and -t for the handshake as well (without -t the
 * library's handshake timeout stands: a silent client is never kept for
 * ever).
 */
static int
set_tls(struct sock *l, struct sock_tls_config *cfg, int idle_ms)
{
	if (cfg == NULL)
		return 0;
	if (sock_set_tls_config(l, cfg) == -1)
		return -1;
	if (idle_ms != -1 && sock_set_handshake_timeout(l, idle_ms) == -1)
		return -1;
	return 0;
}

static int
serve_stream(const char *address, int idle_ms, struct sock_tls_config *cfg)
{
	struct sock *l;
	int overloaded = 0, rv = 1;

	if ((l = sock_new()) == NULL) {
		perror("echo-server: sock_new");
		return 1;
	}
	/*
	 * Accepted sockets inherit the listener's timeouts: the accept
	 * timeout wakes this loop up, the send and receive ones close
	 * clients that stall for idle_ms.  A stale socket file (see the top
	 * of this file) concerns Unix addresses only; TCP ignores the flag.
	 */
	if (sock_set_accept_timeout(l, TICK_MS) == -1 ||
	    sock_set_send_timeout(l, idle_ms) == -1 ||
	    sock_set_recv_timeout(l, idle_ms) == -1 ||
	    sock_set_unlink_stale(l, 1) == -1 ||
	    set_tls(l, cfg, idle_ms) == -1 ||
	    sock_listen(l, address) == -1) {
		complain(l);
		goto out;
	}
	if (announce(l) == -1)
		goto out;
	while (!stopping)
		if (accept_one(l, &overloaded) == -1)
			goto out;
	rv = 0;
out:
	sock_free(l);
	return rv;
}

/* ---------------------------------------------- datagrams: udp, unixgram */

/* Report a failed receive: 0 to go on, -1 when the socket cannot go on. */
static int
recv_failed(const struct sock *u)
{
	switch (sock_error_code(u)) {
	case ETIMEDOUT:
	case EINTR:
		return 0;	/* a tick: time to look at the stop flag */
	case LIBSOCK_ETRUNC:
		fprintf(stderr, "echo-server: %s; not echoed\n",
		    sock_error(u));
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

static int
serve_dgram(const char *address)
{
	struct sock *u;
	struct sock_addr from;
	char *buf;
	ssize_t n;
	int rv = 1;

	if ((buf = malloc(bufsize)) == NULL) {
		perror("echo-server: malloc");
		return 1;
	}
	if ((u = sock_new()) == NULL) {
		perror("echo-server: sock_new");
		free(buf);
		return 1;
	}
	if (sock_set_recv_timeout(u, TICK_MS) == -1 ||
	    sock_set_unlink_stale(u, 1) == -1 ||
	    sock_bind(u, address) == -1) {
		complain(u);
		goto out;
	}
	if (announce(u) == -1)
		goto out;
	while (!stopping) {
		if ((n = sock_recvfrom(u, buf, bufsize, &from)) == -1) {
			if (recv_failed(u) == -1)
				goto out;
			continue;
		}
		if (unnamed(&from)) {
			fprintf(stderr, "echo-server: a datagram of %zd bytes "
			    "from an unnamed sender: no address to reply to\n",
			    n);
			continue;
		}
		/* A failed reply concerns that sender only: report, go on. */
		if (sock_sendto(u, buf, (size_t)n, &from) == -1)
			complain(u);
	}
	rv = 0;
out:
	sock_free(u);
	free(buf);
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

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "cert",		required_argument, NULL, OPT_CERT },
		{ "key",		required_argument, NULL, OPT_KEY },
		{ "ca",			required_argument, NULL, OPT_CA },
		{ "verify-client",	no_argument,	   NULL, OPT_VERIFY_CLIENT },
		{ NULL,			0,		   NULL, 0 }
	};
	struct tls_options tls = { NULL, NULL, NULL, 0 };
	struct sock_tls_config *cfg = NULL;
	const char *address;
	long idle_ms = -1, size = DEFAULT_BUFSIZE;
	int ch, rv;

	while ((ch = getopt_long(argc, argv, "b:t:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'b':
			if (parse_number(optarg, 1, MAX_BUFSIZE, &size) == -1)
				usage("-b: bytes must be 1 to 1048576");
			break;
		case 't':
			if (parse_number(optarg, 1, INT_MAX, &idle_ms) == -1)
				usage("-t: milliseconds must be positive");
			break;
		case OPT_CERT:
			tls.cert = optarg;
			break;
		case OPT_KEY:
			tls.key = optarg;
			break;
		case OPT_CA:
			tls.ca = optarg;
			break;
		case OPT_VERIFY_CLIENT:
			tls.verify_client = 1;
			break;
		default:
			usage(NULL);
		}
	}
	if (argc - optind != 1)
		usage(NULL);
	address = argv[optind];
	bufsize = (size_t)size;
	check_tls_options(&tls, address);

	if (catch_signals() == -1)
		return 1;
	if (is_dgram(address))
		return serve_dgram(address);
	if (is_tls(address) && (cfg = tls_config(&tls)) == NULL)
		return 1;
	rv = serve_stream(address, (int)idle_ms, cfg);
	/* Client threads still running hold references of their own. */
	sock_tls_config_free(cfg);
	return rv;
}
