/*
 * fault-driver.c - runs libsock's set-up and transfer paths once, for
 * torture.sh to repeat with each call failing in turn (see shim.c).
 *
 * Whatever fails must fail cleanly: an error code and message on the
 * object, no corrupted data, no descriptor or memory left behind.  Exit
 * status 0 means all of that held; 1 means it did not; a signal means a
 * crash.  The last line printed is "calls N", the count of calls the
 * shim saw, so the runner knows how many faults there are to inject.
 * With LIBSOCK_FAULT_EINTR set every path must also succeed.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <sys/socket.h>

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sock.h"

#define PAYLOAD	(64 * 1024)

static int strict;	/* every path must succeed (EINTR mode) */
static int status;	/* exit status */

static int
fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static void
bad(const char *what, const char *detail)
{
	fprintf(stderr, "fault-driver: %s: %s\n", what, detail);
	status = 1;
}

/* A call failed: that is allowed, but only with a code and a message. */
static int
failed(const struct sock *s, const char *what)
{
	if (sock_error_code(s) == 0 || sock_error(s)[0] == '\0')
		bad(what, "failed without an error code or message");
	else if (strict)
		bad(what, sock_error(s));
	return 0;
}

static void
fill(unsigned char *buf, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(i * 7 + 3);
}

static void
transfer(struct sock *from, struct sock *to)
{
	static unsigned char out[PAYLOAD], in[PAYLOAD];
	ssize_t n;

	fill(out, sizeof out);
	memset(in, 0, sizeof in);
	if (sock_send_all(from, out, sizeof out) != (ssize_t)sizeof out) {
		failed(from, "send_all");
		return;
	}
	if ((n = sock_recv_exact(to, in, sizeof in)) != (ssize_t)sizeof in) {
		if (n == -1)
			failed(to, "recv_exact");
		else
			bad("recv_exact", "short count without an error");
		return;
	}
	if (memcmp(in, out, sizeof in) != 0)
		bad("recv_exact", "data corrupted");
	if (sock_shutdown(from, SHUT_WR) == -1)
		failed(from, "shutdown");
	else if ((n = sock_recv(to, in, 1)) != 0 && n != -1)
		bad("recv", "data after the peer's shutdown");
	else if (n == -1)
		failed(to, "recv");
}

static void
tcp_paths(void)
{
	struct sock *l = sock_new(), *c = sock_new(), *a = NULL;
	struct sock_addr local, peer;
	char text[LIBSOCK_ADDRSTRLEN];

	if (l == NULL || c == NULL)
		goto out;
	if (sock_set_nodelay(l, 1) == -1 ||
	    sock_set_keepalive(l, 1, 30, 5, 3) == -1 ||
	    sock_set_timeout(c, 5000) == -1)
		bad("setters", "failed on a new socket");
	if (sock_listen(l, "tcp://127.0.0.1:0") == -1) {
		failed(l, "listen");
		goto out;
	}
	if (sock_local_addr(l, &local) == -1) {
		failed(l, "local address");
		goto out;
	}
	snprintf(text, sizeof text, "tcp://localhost:%d",
	    sock_addr_port(&local));
	if (sock_connect(c, text) == -1) {
		failed(c, "connect");
		goto out;
	}
	if ((a = sock_accept(l)) == NULL) {
		failed(l, "accept");
		goto out;
	}
	if (sock_peer_addr(a, &peer) == -1)
		failed(a, "peer address");
	transfer(c, a);
out:
	sock_free(a);
	sock_free(c);
	sock_free(l);
}

static void
accept_timeout_path(void)
{
	struct sock *l = sock_new();

	if (l == NULL)
		return;
	if (sock_set_accept_timeout(l, 5) == -1 ||
	    sock_listen(l, "tcp://[::1]:0") == -1) {
		if (sock_error_code(l) != EADDRNOTAVAIL &&
		    sock_error_code(l) != EAFNOSUPPORT)
			failed(l, "listen");
	} else if (sock_accept(l) != NULL)
		bad("accept", "a connection from nowhere");
	else if (sock_error_code(l) != ETIMEDOUT)
		failed(l, "accept with a timeout");
	sock_free(l);
}

static void
udp_paths(void)
{
	struct sock *u = sock_new(), *v = sock_new(), *w = sock_new();
	struct sock_addr where, from;
	char text[LIBSOCK_ADDRSTRLEN], buf[128];
	ssize_t n;

	if (u == NULL || v == NULL || w == NULL)
		goto out;
	sock_set_recv_timeout(u, 2000);
	if (sock_bind(u, "udp://127.0.0.1:0") == -1) {
		failed(u, "bind");
		goto out;
	}
	if (sock_local_addr(u, &where) == -1) {
		failed(u, "local address");
		goto out;
	}
	if (sock_sendto(v, "datagram", 8, &where) != 8)
		failed(v, "sendto");
	else if ((n = sock_recvfrom(u, buf, sizeof buf, &from)) == -1)
		failed(u, "recvfrom");
	else if (n != 8 || memcmp(buf, "datagram", 8) != 0)
		bad("recvfrom", "datagram corrupted");
	sock_addr_format(&where, text, sizeof text, LIBSOCK_FORMAT_SCHEME);
	if (sock_connect(w, text) == -1)
		failed(w, "connect udp");
	else if (sock_send(w, "again", 5) != 5)
		failed(w, "send");
	else if ((n = sock_recvfrom(u, buf, sizeof buf, NULL)) == -1)
		failed(u, "recvfrom");
	else if (!(n == 5 && memcmp(buf, "again", 5) == 0) &&
	    !(n == 8 && memcmp(buf, "datagram", 8) == 0))
		/* The first is still queued when its receive was failed. */
		bad("recvfrom", "datagram corrupted");
out:
	sock_free(w);
	sock_free(v);
	sock_free(u);
}

static void
resolve_path(void)
{
	struct sock_addr list[4];

	if (sock_addr_resolve("tcp://localhost:http", list, 4) == -1 &&
	    (errno == 0 || strict))
		bad("resolve", sock_strerror(errno));
}

int
main(void)
{
	long (*calls)(void) = (long (*)(void))dlsym(RTLD_DEFAULT,
	    "shim_calls");
	long (*held)(void) = (long (*)(void))dlsym(RTLD_DEFAULT, "shim_held");
	int before = fd_count(), after;

	strict = getenv("LIBSOCK_FAULT_EINTR") != NULL;
	tcp_paths();
	accept_timeout_path();
	udp_paths();
	resolve_path();
	if ((after = fd_count()) != before) {
		fprintf(stderr, "fault-driver: %d descriptors before, %d "
		    "after\n", before, after);
		status = 1;
	}
	if (held != NULL && held() != 0) {
		fprintf(stderr, "fault-driver: %ld blocks or resolver "
		    "results not freed\n", held());
		status = 1;
	}
	printf("calls %ld\n", calls != NULL ? calls() : -1L);
	return status;
}
