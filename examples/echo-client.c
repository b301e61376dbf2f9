/*
 * echo-client.c - send standard input to an echo server, print the replies
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 *
 * usage: echo-client [-t ms] address
 *
 *	echo "hello" | echo-client tcp://127.0.0.1:7000
 *	echo-client udp://[::1]:7001 < lines.txt
 *	echo "hello" | echo-client unix:///tmp/echo.sock
 *	echo-client unixgram:///tmp/echo-dgram.sock < lines.txt
 *
 * tcp:// (also the default) and unix: (a local stream, "unix:///path" or
 * the Linux abstract "unix:@name"): standard input goes out as one byte
 * stream and the replies are printed as they arrive.  At the end of the
 * input the client shuts down its sending side and prints the rest, until
 * the server ends the stream too.
 *
 * udp:// and unixgram: (local datagrams): each line of input, without its
 * newline, is one datagram (at most 65507 bytes); each reply is printed on
 * a line of its own.  A unixgram client binds a socket file of its own in
 * a fresh directory under $TMPDIR (or /tmp) to receive the replies, and
 * removes both when it exits.
 *
 * -t ms bounds the connect and every wait for the server (default 5000).
 * The exit status is 0 on success, 1 on any failure, 2 on bad arguments.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
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

/* A stream session: what is read from stdin waits in out until sent. */
struct session {
	struct sock	*s;
	const char	*address;
	int		 timeout;
	char		 out[CHUNK];
	size_t		 outlen;
	size_t		 outoff;
	int		 stdin_done;	/* end of standard input seen */
	int		 shut;		/* our sending side is shut down */
	int		 peer_done;	/* the server ended its side */
};

static void
usage(const char *why)
{
	if (why != NULL)
		fprintf(stderr, "echo-client: %s\n", why);
	fprintf(stderr,
	    "usage: echo-client [-t ms] address\n"
	    "  e.g. echo \"hello\" | echo-client tcp://127.0.0.1:7000\n"
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

/* Send what the socket takes now; the rest waits for the next POLLOUT. */
static int
send_pending(struct session *ss)
{
	ssize_t n;

	n = sock_send(ss->s, ss->out + ss->outoff, pending(ss));
	if (n == LIBSOCK_WANT_WRITE)
		return 0;
	if (n == -1) {
		complain(ss->s);
		return -1;
	}
	ss->outoff += (size_t)n;
	return 0;
}

static int
print_replies(struct session *ss)
{
	char buf[CHUNK];
	ssize_t n;

	n = sock_recv(ss->s, buf, sizeof(buf));
	if (n == LIBSOCK_WANT_READ)
		return 0;
	if (n == -1) {
		complain(ss->s);
		return -1;
	}
	if (n == 0) {
		ss->peer_done = 1;
		return 0;
	}
	return write_stdout(buf, (size_t)n);
}

/* Once all input has gone out, tell the server: it then ends its side. */
static int
shut_when_sent(struct session *ss)
{
	if (!ss->stdin_done || ss->shut || pending(ss) > 0)
		return 0;
	if (sock_shutdown(ss->s, SHUT_WR) == -1) {
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
	pfd[1].events = POLLIN | (pending(ss) > 0 ? POLLOUT : 0);
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

	if (shut_when_sent(ss) == -1 || wait_events(ss, pfd) == -1)
		return -1;
	in = pfd[0].revents;
	io = pfd[1].revents;
	/* Errors and hang-ups show up through the receive. */
	if ((io & (POLLIN | POLLHUP | POLLERR)) && print_replies(ss) == -1)
		return -1;
	if (ss->peer_done)
		return 0;
	if ((io & POLLOUT) && send_pending(ss) == -1)
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

/* ----------------------------------------------------------------- main */

static int
run(struct sock *s, const char *address, int timeout)
{
	/*
	 * A unixgram client binds rather than connects, so its scheme
	 * decides; every other client goes by what its connect made.
	 */
	if (strncmp(address, "unixgram:", 9) == 0)
		return run_unixgram(s, address, timeout);
	if (sock_set_connect_timeout(s, timeout) == -1 ||
	    sock_connect(s, address) == -1) {
		complain(s);
		return -1;
	}
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
	return run_stream(s, address, timeout);	/* tcp or unix */
}

int
main(int argc, char *argv[])
{
	struct sock *s;
	long timeout = DEFAULT_TIMEOUT;
	int ch, rv;

	while ((ch = getopt(argc, argv, "t:")) != -1) {
		switch (ch) {
		case 't':
			if (parse_number(optarg, 1, INT_MAX, &timeout) == -1)
				usage("-t: milliseconds must be positive");
			break;
		default:
			usage(NULL);
		}
	}
	if (argc - optind != 1)
		usage(NULL);

	if ((s = sock_new()) == NULL) {
		perror("echo-client: sock_new");
		return 1;
	}
	rv = run(s, argv[optind], (int)timeout);
	sock_free(s);		/* removes a unixgram client's socket file */
	remove_reply_dir();
	return rv == 0 ? 0 : 1;
}
