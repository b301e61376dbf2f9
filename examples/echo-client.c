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
 *
 * tcp:// (also the default): standard input goes out as one byte stream
 * and the replies are printed as they arrive.  At the end of the input the
 * client shuts down its sending side and prints the rest, until the server
 * ends the stream too.
 *
 * udp://: each line of input, without its newline, is one datagram (at
 * most 65507 bytes); each reply is printed on a line of its own.
 *
 * -t ms bounds the connect and every wait for the server (default 5000).
 * The exit status is 0 on success, 1 on any failure, 2 on bad arguments.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sock.h>

#define DEFAULT_TIMEOUT	5000
#define CHUNK		65536
#define MAX_DATAGRAM	65507	/* the largest UDP payload over IPv4 */

/* A TCP session: what is read from stdin waits in out until sent. */
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
	    "  e.g. echo \"hello\" | echo-client tcp://127.0.0.1:7000\n");
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

/* ------------------------------------------------------------------ TCP */

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

/* ------------------------------------------------------------------ UDP */

/* Send one line as a datagram and print the reply on a line. */
static int
echo_line(struct sock *s, const char *line, size_t len)
{
	static char reply[CHUNK];	/* room for any reply, IPv6 too */
	ssize_t n;

	if (len > MAX_DATAGRAM) {
		fprintf(stderr, "echo-client: a line of %zu bytes is longer "
		    "than a datagram (%d bytes)\n", len, MAX_DATAGRAM);
		return -1;
	}
	/* A datagram goes whole or not at all; an empty line is one too. */
	if (sock_send(s, line, len) == -1 ||
	    (n = sock_recv(s, reply, sizeof(reply))) == -1) {
		complain(s);
		return -1;
	}
	if (write_stdout(reply, (size_t)n) == -1 ||
	    write_stdout("\n", 1) == -1)
		return -1;
	return 0;
}

static int
run_dgram(struct sock *s)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int rv = -1;

	while ((len = getline(&line, &cap, stdin)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (echo_line(s, line, (size_t)len) == -1)
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

/* ----------------------------------------------------------------- main */

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
	/*
	 * The TCP session waits in poll(2) with its own timeout; a UDP
	 * client waits in sock_recv, so it takes the receive timeout too.
	 */
	if (sock_set_connect_timeout(s, (int)timeout) == -1 ||
	    sock_connect(s, argv[optind]) == -1) {
		complain(s);
		sock_free(s);
		return 1;
	}
	if (sock_transport(s) == LIBSOCK_UDP) {
		if (sock_set_timeout(s, (int)timeout) == -1) {
			complain(s);
			rv = -1;
		} else
			rv = run_dgram(s);
	} else
		rv = run_stream(s, argv[optind], (int)timeout);
	sock_free(s);
	return rv == 0 ? 0 : 1;
}
