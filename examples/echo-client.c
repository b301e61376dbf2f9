/*
 * echo-client.c - send standard input to an echo server, print the replies
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 *
 * usage: echo-client [-v] [-t ms] [--ca FILE] [--cert FILE --key FILE]
 *            [--server-name NAME] [--insecure] address
 *
 *	echo "hello" | echo-client tcp://127.0.0.1:7000
 *	echo "hello" | echo-client --ca ca.pem tls://localhost:7443
 *	echo-client udp://[::1]:7001 < lines.txt
 *	echo "hello" | echo-client unix:///tmp/echo.sock
 *	echo-client unixgram:///tmp/echo-dgram.sock < lines.txt
 *
 * tcp:// (also the default), tls:// (TLS over TCP) and unix: (a local
 * stream, "unix:///path" or the Linux abstract "unix:@name"): standard
 * input goes out as one byte stream and the replies are printed as they
 * arrive.  At the end of the input the client shuts down its sending side
 * (over TLS: sends close_notify) and prints the rest, until the server ends
 * the stream too.
 *
 * udp:// and unixgram: (local datagrams): each line of input, without its
 * newline, is one datagram (at most 65507 bytes); each reply is printed on
 * a line of its own.  A unixgram client binds a socket file of its own in
 * a fresh directory under $TMPDIR (or /tmp) to receive the replies, and
 * removes both when it exits.
 *
 * -t ms bounds the connect (with the TLS handshake) and every wait for the
 * server (default 5000).  The exit status is 0 on success, 1 on any
 * failure, 2 on bad arguments.
 *
 * TLS (tls:// addresses only).  The server's certificate is verified by
 * default: its chain against the system's trust store (or --ca), and the
 * host of the address (or --server-name) against its names.
 * --ca FILE		trust the CA certificates in FILE instead
 * --cert FILE --key FILE
 *			a client certificate and its key, for a server
 *			that asks for one
 * --server-name NAME	the name to send (SNI) and to verify, instead of
 *			the host of the address
 * --insecure		do not verify the server's certificate at all;
 *			for tests only, and said so on standard error
 * -v			print the TLS version, the cipher and the server's
 *			certificate on standard error after the handshake
 * Standard output carries the echoed bytes and nothing else.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE		/* getopt_long */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sock.h>

#define DEFAULT_TIMEOUT	5000
#define CHUNK		65536
#define MAX_DATAGRAM	65507	/* the largest UDP payload over IPv4 */
#define REPLY_ROOM	108	/* a longer socket path is refused anyway */

/*
 * A stream session: what is read from stdin waits in out until sent.
 * Over TLS a send may need to read first and a receive to write (the
 * protocol has messages of its own), so each remembers which readiness,
 * POLLIN or POLLOUT, it waits for.
 */
struct session {
	struct sock	*s;
	const char	*address;
	int		 timeout;
	char		 out[CHUNK];
	size_t		 outlen;
	size_t		 outoff;
	short		 send_waits;	/* what the pending send waits for */
	short		 recv_waits;	/* what the next receive waits for */
	int		 stdin_done;	/* end of standard input seen */
	int		 shut;		/* our sending side is shut down */
	int		 peer_done;	/* the server ended its side */
};

/* The TLS options, as given. */
struct tls_options {
	const char	*ca;
	const char	*cert;
	const char	*key;
	const char	*server_name;
	int		 insecure;
	int		 verbose;
};

/* Long options without a short form. */
enum {
	OPT_CA = 256,
	OPT_CERT,
	OPT_KEY,
	OPT_SERVER_NAME,
	OPT_INSECURE
};

static void
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "echo-client: %s\n", why);
	fprintf(stderr,
	    "usage: echo-client [-v] [-t ms] [--ca FILE] "
	    "[--cert FILE --key FILE]\n"
	    "           [--server-name NAME] [--insecure] address\n"
	    "  e.g. echo \"hello\" | echo-client tcp://127.0.0.1:7000\n"
	    "       echo \"hello\" | echo-client --ca ca.pem "
	    "tls://localhost:7443\n"
	    "       echo \"hello\" | echo-client unix:///tmp/echo.sock\n");
	exit(2);
}

/* The failure recorded on s, which names the operation and the address. */
static void
complain(const struct sock *s)
{
	fprintf(stderr, "echo-client: %s\n", sock_error(s));
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

static int
write_stdout(const void *buf, size_t len)
{
	if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) == EOF) {
		perror("echo-client: standard output");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------ streams: tcp, unix */

static size_t
pending(const struct session *ss)
{
	return ss->outlen - ss->outoff;
}

static int
read_stdin(struct session *ss)
{
	ssize_t n;

	do
		n = read(STDIN_FILENO, ss->out, sizeof(ss->out));
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		perror("echo-client: standard input");
		return -1;
	}
	ss->outlen = (size_t)n;
	ss->outoff = 0;
	if (n == 0)
		ss->stdin_done = 1;
	return 0;
}

/* The readiness a LIBSOCK_WANT_* code asks for. */
static short
want_events(ssize_t n)
{
	return n == LIBSOCK_WANT_READ ? POLLIN : POLLOUT;
}

/*
 * Send what the socket takes now; the rest waits for the next POLLOUT
 * (or POLLIN, see struct session).  A send that must wait is retried with
 * the very same bytes, as TLS requires: out does not change until all of
 * it has gone.
 */
static int
send_pending(struct session *ss)
{
	ssize_t n;

	n = sock_send(ss->s, ss->out + ss->outoff, pending(ss));
	if (n == LIBSOCK_WANT_READ || n == LIBSOCK_WANT_WRITE) {
		ss->send_waits = want_events(n);
		return 0;
	}
	if (n == -1) {
		complain(ss->s);
		return -1;
	}
	ss->send_waits = POLLOUT;
	ss->outoff += (size_t)n;
	return 0;
}

/* One receive: 1 if bytes were printed, 0 if none, -1 on failure. */
static int
print_reply(struct session *ss)
{
	char buf[CHUNK];
	ssize_t n;

	n = sock_recv(ss->s, buf, sizeof(buf));
	if (n == LIBSOCK_WANT_READ || n == LIBSOCK_WANT_WRITE) {
		ss->recv_waits = want_events(n);
		return 0;
	}
	ss->recv_waits = POLLIN;
	if (n == -1) {
		complain(ss->s);
		return -1;
	}
	if (n == 0) {
		ss->peer_done = 1;
		return 0;
	}
	return write_stdout(buf, (size_t)n) == -1 ? -1 : 1;
}

/*
 * Bytes TLS has already decrypted wait inside the library, where poll(2)
 * cannot see them: take them all now (sock_tls_pending is 0 for plain
 * sockets).
 */
static int
print_replies(struct session *ss)
{
	int rc;

	while ((rc = print_reply(ss)) == 1)
		if (sock_tls_pending(ss->s) <= 0)
			break;
	return rc == -1 ? -1 : 0;
}

/* Whether all input has gone out and the server is yet to be told. */
static int
ready_to_shut(const struct session *ss)
{
	return ss->stdin_done && !ss->shut && pending(ss) == 0;
}

/*
 * Tell the server that the input is over: it then ends its side.  Called
 * when poll(2) reports room to send, because over TLS the shutdown sends a
 * close_notify first, which must not meet a full send buffer.
 */
static int
shut_down(struct session *ss)
{
	int rc;

	rc = sock_shutdown(ss->s, SHUT_WR);
	if (rc == LIBSOCK_WANT_READ || rc == LIBSOCK_WANT_WRITE)
		return 0;	/* not yet: the next POLLOUT tries again */
	if (rc == -1) {
		complain(ss->s);
		return -1;
	}
	ss->shut = 1;
	return 0;
}

/*
 * Wait for stdin or the socket.  Standard input is read only when the
 * last chunk has gone out, so a server that stops reading holds the
 * client back instead of making it buffer without end.  A wait on the
 * user has no limit; a wait on the server lasts at most the timeout.
 */
static int
wait_events(struct session *ss, struct pollfd pfd[2])
{
	int n, wait_ms;

	pfd[0].fd = (!ss->stdin_done && pending(ss) == 0) ? STDIN_FILENO : -1;
	pfd[0].events = POLLIN;
	pfd[1].fd = sock_fd(ss->s);
	pfd[1].events = ss->recv_waits | (pending(ss) > 0 ? ss->send_waits : 0) |
	    (ready_to_shut(ss) ? POLLOUT : 0);
	wait_ms = pfd[0].fd == -1 ? ss->timeout : -1;

	do
		n = poll(pfd, 2, wait_ms);
	while (n == -1 && errno == EINTR);
	if (n == -1) {
		perror("echo-client: poll");
		return -1;
	}
	if (n == 0) {
		fprintf(stderr, "echo-client: %s: %s (nothing for %d ms)\n",
		    ss->address, sock_strerror(ETIMEDOUT), ss->timeout);
		return -1;
	}
	return 0;
}

static int
step(struct session *ss)
{
	struct pollfd pfd[2];
	short in, io;

	if (wait_events(ss, pfd) == -1)
		return -1;
	in = pfd[0].revents;
	io = pfd[1].revents;
	/* Errors and hang-ups show up through the receive. */
	if ((io & (ss->recv_waits | POLLHUP | POLLERR)) &&
	    print_replies(ss) == -1)
		return -1;
	if (ss->peer_done)
		return 0;
	/* Nothing is pending then: no send comes between poll and shut. */
	if (ready_to_shut(ss) && (io & POLLOUT) && shut_down(ss) == -1)
		return -1;
	if (pending(ss) > 0 && (io & ss->send_waits) && send_pending(ss) == -1)
		return -1;
	if ((in & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) &&
	    read_stdin(ss) == -1)
		return -1;
	return 0;
}

/*
 * The descriptor is made non-blocking, so that sock_send and sock_recv
 * return LIBSOCK_WANT_WRITE / LIBSOCK_WANT_READ instead of waiting: one
 * thread then sends and receives without either direction blocking the
 * other (a socket object is used by one thread at a time).
 */
static int
run_stream(struct sock *s, const char *address, int timeout)
{
	static struct session ss;
	int fd, flags;

	ss.s = s;
	ss.address = address;
	ss.timeout = timeout;
	ss.send_waits = POLLOUT;
	ss.recv_waits = POLLIN;
	fd = sock_fd(s);
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags | O_NONBLOCK) == -1) {
		perror("echo-client: fcntl");
		return -1;
	}
	while (!ss.peer_done)
		if (step(&ss) == -1)
			return -1;
	if (!ss.shut) {
		fprintf(stderr, "echo-client: %s: the server closed the "
		    "connection before the end of the input\n", address);
		return -1;
	}
	return 0;
}

/* ---------------------------------------------- datagrams: udp, unixgram */

/*
 * Where a unixgram client receives its replies: a socket file in a
 * directory of its own.  Set before the signal handlers are installed,
 * read-only afterwards.
 */
static char reply_dir[REPLY_ROOM];
static char reply_path[REPLY_ROOM + sizeof("/reply.sock")];

/*
 * Send one line as a datagram and print the reply on a line.  With to
 * NULL the socket is connected to the server; otherwise it is bound and
 * each datagram is sent to "to".
 */
static int
echo_line(struct sock *s, const struct sock_addr *to, const char *line,
    size_t len)
{
	static char reply[CHUNK];	/* room for any reply, IPv6 too */
	ssize_t n;

	if (len > MAX_DATAGRAM) {
		fprintf(stderr, "echo-client: a line of %zu bytes is longer "
		    "than a datagram (%d bytes)\n", len, MAX_DATAGRAM);
		return -1;
	}
	/* A datagram goes whole or not at all; an empty line is one too. */
	if (to == NULL)
		n = sock_send(s, line, len);
	else
		n = sock_sendto(s, line, len, to);
	/*
	 * The reply to a bound socket is taken from whoever sent it: the
	 * socket file is in a directory only this user may enter.
	 */
	if (n != -1)
		n = to == NULL ? sock_recv(s, reply, sizeof(reply)) :
		    sock_recvfrom(s, reply, sizeof(reply), NULL);
	if (n == -1) {
		complain(s);
		return -1;
	}
	if (write_stdout(reply, (size_t)n) == -1 ||
	    write_stdout("\n", 1) == -1)
		return -1;
	return 0;
}

static int
run_dgram(struct sock *s, const struct sock_addr *to)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rv = -1;

	while ((len = getline(&line, &cap, stdin)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (echo_line(s, to, line, (size_t)len) == -1)
			goto out;
	}
	if (ferror(stdin)) {
		perror("echo-client: standard input");
		goto out;
	}
	rv = 0;
out:
	free(line);
	return rv;
}

/* Remove the reply socket's directory, and its file if still there. */
static void
remove_reply_dir(void)
{
	if (reply_dir[0] == '\0')
		return;
	(void)unlink(reply_path);
	(void)rmdir(reply_dir);
}

/*
 * Killed by a signal, the client would leave its directory behind.  Only
 * async-signal-safe calls here: unlink, rmdir, signal, raise.  The signal
 * is then delivered again, with its default action, when this returns.
 */
static void
on_signal(int signo)
{
	remove_reply_dir();
	(void)signal(signo, SIG_DFL);
	(void)raise(signo);
}

static int
catch_signals(void)
{
	/* SIGPIPE: standard output may be a pipe that its reader closed. */
	static const int signals[] = { SIGHUP, SIGINT, SIGPIPE, SIGTERM };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	if (sigemptyset(&sa.sa_mask) == -1) {
		perror("echo-client: sigemptyset");
		return -1;
	}
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		if (sigaction(signals[i], &sa, NULL) == -1) {
			perror("echo-client: sigaction");
			return -1;
		}
	return 0;
}

/*
 * Make a directory of our own, mode 0700, and name a socket file in it:
 * sets reply_dir and reply_path, and installs the handlers that remove
 * the directory if a signal ends the client.
 */
static int
make_reply_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if ((size_t)snprintf(reply_dir, sizeof(reply_dir),
	    "%s/echo-client.XXXXXX", tmp) >= sizeof(reply_dir)) {
		fprintf(stderr, "echo-client: TMPDIR is too long for a "
		    "socket path\n");
		reply_dir[0] = '\0';
		return -1;
	}
	if (mkdtemp(reply_dir) == NULL) {
		fprintf(stderr, "echo-client: mkdtemp %s: %s\n", reply_dir,
		    strerror(errno));
		reply_dir[0] = '\0';
		return -1;
	}
	(void)snprintf(reply_path, sizeof(reply_path), "%s/reply.sock",
	    reply_dir);
	return catch_signals();
}

/*
 * A unixgram client must bind an address of its own.  The server answers
 * each datagram by sending it back to the address it came from, and a
 * Unix datagram socket that is only connected, never bound, sends from no
 * address at all ("unnamed"): its datagrams cannot be answered.  (A UDP
 * socket is given a port at its first send; a Unix socket is given
 * nothing.)  So the client binds a socket file in a fresh directory,
 * sends each line to the server with sock_sendto and takes the replies
 * with sock_recvfrom.  The library removes the socket file when the
 * socket is freed; main() then removes the directory.
 */
static int
run_unixgram(struct sock *s, const char *address, int timeout)
{
	struct sock_addr server;
	char local[sizeof("unixgram://") + sizeof(reply_path)];

	if (sock_addr_parse(&server, address) == -1) {
		fprintf(stderr, "echo-client: %s: %s\n", address,
		    sock_strerror(errno));
		return -1;
	}
	if (make_reply_dir() == -1)
		return -1;
	(void)snprintf(local, sizeof(local), "unixgram://%s", reply_path);
	if (sock_set_timeout(s, timeout) == -1 ||
	    sock_bind(s, local) == -1) {
		complain(s);
		return -1;
	}
	return run_dgram(s, &server);
}

/* ------------------------------------------------------------------ tls */

static int
is_tls(const char *address)
{
	return strncmp(address, "tls://", 6) == 0;
}

/* The TLS options make sense with a tls:// address only. */
static void
check_tls_options(const struct tls_options *o, const char *address)
{
	if (!is_tls(address)) {
		if (o->ca != NULL || o->cert != NULL || o->key != NULL ||
		    o->server_name != NULL || o->insecure)
			usage("--ca, --cert, --key, --server-name and "
			    "--insecure are for tls:// addresses");
		return;
	}
	if ((o->cert == NULL) != (o->key == NULL))
		usage("a client certificate needs both --cert FILE and "
		    "--key FILE");
}

/*
 * The TLS configuration of the connection, set on s; the socket keeps a
 * reference, so ours is dropped at once.  The key pair is read and
 * checked here; the CA file is read by the connect.
 */
static int
set_tls(struct sock *s, const struct tls_options *o)
{
	struct sock_tls_config *cfg;
	int rv = -1;

	if ((cfg = sock_tls_config_new()) == NULL) {
		fprintf(stderr, "echo-client: TLS configuration: %s\n",
		    sock_strerror(errno));
		return -1;
	}
	if ((o->ca != NULL && sock_tls_config_set_ca_file(cfg, o->ca) == -1) ||
	    (o->cert != NULL &&
	    sock_tls_config_set_keypair_file(cfg, o->cert, o->key) == -1) ||
	    (o->insecure && sock_tls_config_insecure_noverifycert(cfg) == -1)) {
		fprintf(stderr, "echo-client: %s\n",
		    sock_tls_config_error(cfg));
		goto out;
	}
	if (sock_set_tls_config(s, cfg) == -1 ||
	    (o->server_name != NULL &&
	    sock_set_tls_server_name(s, o->server_name) == -1)) {
		complain(s);
		goto out;
	}
	rv = 0;
out:
	sock_tls_config_free(cfg);
	return rv;
}

/* -v: what the handshake agreed on, and whom it reached. */
static void
describe_tls(struct sock *s)
{
	const char *text;
	int verified;

	/* Each string is valid until the next call on s: print it first. */
	if ((text = sock_tls_version(s)) != NULL)
		fprintf(stderr, "echo-client: protocol: %s\n", text);
	if ((text = sock_tls_cipher(s)) != NULL)
		fprintf(stderr, "echo-client: cipher: %s\n", text);
	if ((text = sock_tls_peer_subject(s)) != NULL)
		fprintf(stderr, "echo-client: server certificate: %s\n", text);
	if ((text = sock_tls_peer_issuer(s)) != NULL)
		fprintf(stderr, "echo-client: issued by: %s\n", text);
	verified = sock_tls_peer_verified(s);
	fprintf(stderr, "echo-client: %s\n", verified == 1 ?
	    "the certificate was verified" :
	    "the certificate was NOT verified");
}

/* ----------------------------------------------------------------- main */

static int
run(struct sock *s, const char *address, int timeout,
    const struct tls_options *tls)
{
	/*
	 * A unixgram client binds rather than connects, so its scheme
	 * decides; every other client goes by what its connect made.
	 */
	if (strncmp(address, "unixgram:", 9) == 0)
		return run_unixgram(s, address, timeout);
	if (is_tls(address) && set_tls(s, tls) == -1)
		return -1;
	/* Over TLS the connect timeout bounds the handshake as well. */
	if (sock_set_connect_timeout(s, timeout) == -1 ||
	    sock_connect(s, address) == -1) {
		complain(s);
		return -1;
	}
	if (sock_transport(s) == LIBSOCK_TLS && tls->verbose)
		describe_tls(s);
	/*
	 * A stream session waits in poll(2) with its own timeout; a UDP
	 * client waits in sock_recv, so it takes the receive timeout too.
	 */
	if (sock_transport(s) == LIBSOCK_UDP) {
		if (sock_set_timeout(s, timeout) == -1) {
			complain(s);
			return -1;
		}
		return run_dgram(s, NULL);
	}
	return run_stream(s, address, timeout);	/* tcp, tls or unix */
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "ca",			required_argument, NULL, OPT_CA },
		{ "cert",		required_argument, NULL, OPT_CERT },
		{ "key",		required_argument, NULL, OPT_KEY },
		{ "server-name",	required_argument, NULL, OPT_SERVER_NAME },
		{ "insecure",		no_argument,	   NULL, OPT_INSECURE },
		{ NULL,			0,		   NULL, 0 }
	};
	struct tls_options tls = { NULL, NULL, NULL, NULL, 0, 0 };
	struct sock *s;
	long timeout = DEFAULT_TIMEOUT;
	int ch, rv;

	while ((ch = getopt_long(argc, argv, "t:v", longopts, NULL)) != -1) {
		switch (ch) {
		case 't':
			if (parse_number(optarg, 1, INT_MAX, &timeout) == -1)
				usage("-t: milliseconds must be positive");
			break;
		case 'v':
			tls.verbose = 1;
			break;
		case OPT_CA:
			tls.ca = optarg;
			break;
		case OPT_CERT:
			tls.cert = optarg;
			break;
		case OPT_KEY:
			tls.key = optarg;
			break;
		case OPT_SERVER_NAME:
			tls.server_name = optarg;
			break;
		case OPT_INSECURE:
			tls.insecure = 1;
			break;
		default:
			usage(NULL);
		}
	}
	if (argc - optind != 1)
		usage(NULL);
	check_tls_options(&tls, argv[optind]);
	if (tls.insecure)
		fprintf(stderr, "echo-client: WARNING: --insecure: the "
		    "server's certificate is NOT verified\n");

	if ((s = sock_new()) == NULL) {
		perror("echo-client: sock_new");
		return 1;
	}
	rv = run(s, argv[optind], (int)timeout, &tls);
	sock_free(s);		/* removes a unixgram client's socket file */
	remove_reply_dir();
	return rv == 0 ? 0 : 1;
}
