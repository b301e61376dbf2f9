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
#include <pthread.h>
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

/*
 * TLS set-up, handshake and transfer, when torture.sh made certificates
 * (LIBSOCK_FAULT_CERTS names their directory).  A thread serves the
 * accepted side, since both handshakes must run at once.
 */
struct tls_peer {
	struct sock	*listener;
};

static void *
tls_server(void *arg)
{
	struct tls_peer *p = arg;
	struct sock *a;
	char buf[64];
	ssize_t n;

	if ((a = sock_accept(p->listener)) == NULL) {
		failed(p->listener, "tls accept");
		return NULL;
	}
	if ((n = sock_recv(a, buf, sizeof buf)) > 0 &&
	    sock_send_all(a, buf, (size_t)n) != n)
		failed(a, "tls echo");
	else if (n < 0)
		failed(a, "tls recv");
	sock_free(a);
	return NULL;
}

static struct sock_tls_config *
tls_config(const char *dir, int server)
{
	struct sock_tls_config *cfg = sock_tls_config_new();
	char cert[512], key[512];
	int rc;

	if (cfg == NULL)
		return NULL;
	snprintf(cert, sizeof cert, "%s/%s", dir, server ? "server.crt" :
	    "ca.crt");
	snprintf(key, sizeof key, "%s/server.key", dir);
	rc = server ? sock_tls_config_set_keypair_file(cfg, cert, key) :
	    sock_tls_config_set_ca_file(cfg, cert);
	if (rc == -1 && sock_tls_config_error(cfg)[0] == '\0')
		bad("tls config", "failed without a message");
	else if (rc == -1 && strict)
		bad("tls config", sock_tls_config_error(cfg));
	if (rc == -1) {
		sock_tls_config_free(cfg);
		return NULL;
	}
	return cfg;
}

static void
tls_paths(void)
{
	const char *dir = getenv("LIBSOCK_FAULT_CERTS");
	struct sock_tls_config *sc, *cc;
	struct sock *l = NULL, *c = NULL;
	struct tls_peer peer;
	struct sock_addr local;
	char text[LIBSOCK_ADDRSTRLEN], buf[16];
	pthread_t t;
	int started = 0;
	ssize_t n = -1;

	if (dir == NULL)
		return;
	sc = tls_config(dir, 1);
	cc = tls_config(dir, 0);
	if (sc == NULL || cc == NULL || (l = sock_new()) == NULL ||
	    (c = sock_new()) == NULL)
		goto out;
	if (sock_set_tls_config(l, sc) == -1 ||
	    sock_set_tls_config(c, cc) == -1 ||
	    sock_set_timeout(l, 1000) == -1 ||
	    sock_set_timeout(c, 5000) == -1) {
		failed(l, "tls set config");
		goto out;
	}
	if (sock_listen(l, "tls://127.0.0.1:0") == -1) {
		failed(l, "tls listen");
		goto out;
	}
	if (sock_local_addr(l, &local) == -1) {
		failed(l, "tls local address");
		goto out;
	}
	snprintf(text, sizeof text, "tls://localhost:%d",
	    sock_addr_port(&local));
	peer.listener = l;
	started = pthread_create(&t, NULL, tls_server, &peer) == 0;
	if (sock_connect(c, text) == -1)
		failed(c, "tls connect");
	else if (sock_send_all(c, "secret", 6) != 6)
		failed(c, "tls send");
	/*
	 * A clean end (close_notify) comes only from a server whose own
	 * call failed (a poll, a timeout) and that then closed: its session
	 * was sound.  After a fatal TLS error no close_notify is sent.
	 */
	else if ((n = sock_recv_exact(c, buf, 6)) == 0 && strict)
		bad("tls recv", "the server ended the stream");
	else if (n == -1)
		failed(c, "tls recv");
	else if (n > 0 && memcmp(buf, "secret", 6) != 0)
		bad("tls", "data corrupted");
	/* The server's accept timeout ends it if no connection came. */
	if (started)
		pthread_join(t, NULL);
out:
	sock_free(c);
	sock_free(l);
	sock_tls_config_free(cc);
	sock_tls_config_free(sc);
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
	void (*pause_shim)(int) = (void (*)(int))dlsym(RTLD_DEFAULT,
	    "shim_pause");
	long baseline;
	int before = fd_count(), after;

	strict = getenv("LIBSOCK_FAULT_EINTR") != NULL;
	/*
	 * One TLS run with no faults first: what libsock and OpenSSL set up
	 * once per process (a BIO method, ex_data indexes) is made here and
	 * kept for good, and is no leak of the runs measured after it.
	 */
	if (pause_shim != NULL) {
		pause_shim(1);
		tls_paths();
		pause_shim(0);
	}
	baseline = held != NULL ? held() : 0;
	tcp_paths();
	accept_timeout_path();
	udp_paths();
	tls_paths();
	resolve_path();
	if ((after = fd_count()) != before) {
		fprintf(stderr, "fault-driver: %d descriptors before, %d "
		    "after\n", before, after);
		status = 1;
	}
	/*
	 * More held than after the warm-up is a leak.  Fewer is not: what
	 * the warm-up left for OpenSSL to reuse may go when a run ends early.
	 */
	if (held != NULL && held() > baseline) {
		fprintf(stderr, "fault-driver: %ld blocks or resolver "
		    "results not freed\n", held() - baseline);
		status = 1;
	}
	printf("calls %ld\n", calls != NULL ? calls() : -1L);
	return status;
}
