/*
 * fault-driver.c - runs libsock's set-up and transfer paths once, for
 * torture.sh to repeat with each call failing in turn (see shim.c).
 *
 * Whatever fails must fail cleanly: an error code and message on the
 * object, no corrupted data, no descriptor or memory left behind.  Exit
 * status 0 means all of that held; 1 means it did not; a signal means a
 * crash.  The last line printed is "calls N", the count of calls the
 * shim saw, so the runner knows how many faults there are to inject.
 * With LIBSOCK_FAULT_EINTR set every path must also succeed.  With
 * LIBSOCK_FAULT_VERBOSE set, clean failures are printed too.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <netinet/in.h>

#include <dirent.h>
#include <pthread.h>
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sock.h"

#define PAYLOAD	(64 * 1024)

static int strict;	/* every path must succeed (EINTR mode) */
static int verbose;	/* LIBSOCK_FAULT_VERBOSE: print clean failures too */
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
	else if (verbose)
		fprintf(stderr, "fault-driver: %s failed cleanly: %s (%s)\n",
		    what, sock_error(s), sock_strerror(sock_error_code(s)));
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

/*
 * An event loop: a non-blocking listener and client in one poller, the
 * connect finished at its OUT report, the accepted side added
 * edge-triggered, a few bytes echoed.  A failed add is made again (the
 * failure must leave the socket out of every poller), a failed mod or
 * wait too (the registration and the poller must be as they were), and
 * a wait cut short by a signal (0 events) is simply made again; any
 * other failure ends the loop, cleanly or as a finding.  Every wait is
 * bounded.
 */
#define ECHO		"ping!"
#define ECHO_LEN	(sizeof ECHO - 1)
#define POLL_ROUNDS	60	/* waits in one loop, at most */
#define POLL_WAIT_MS	500	/* each */
#define POLL_LOOP_MS	5000	/* all of them (loopback: at once) */

struct peer {
	struct sock	*s;
	void		*tag;		/* its udata */
	unsigned	 interest;	/* as last given to the poller */
	char		 out[16];	/* to send */
	size_t		 off, len;
	char		 in[16];	/* received */
	size_t		 got;
};

struct loop {
	struct sock_poller	*p;
	struct sock		*l;
	struct peer		 c, a;	/* client, accepted */
	int			 connected, over;
};

static char tag_l, tag_c, tag_a;	/* udata: one address per socket */

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The loop goes no further: a call failed, cleanly or not. */
static void
stop(struct loop *lp, const struct sock *s, const char *what)
{
	failed(s, what);
	lp->over = 1;
}

static void
stop_bad(struct loop *lp, const char *what, const char *detail)
{
	bad(what, detail);
	lp->over = 1;
}

/* A call failed that has no socket to carry the error: errno says. */
static void
failed_errno(const char *what)
{
	if (errno == 0 || errno == EINTR || strict)
		bad(what, errno == 0 ? "failed with errno 0" :
		    sock_strerror(errno));
	else if (verbose)
		fprintf(stderr, "fault-driver: %s failed cleanly: %s\n", what,
		    sock_strerror(errno));
}

/*
 * Add s; a failure must be clean and leave s in no poller, so that the
 * same add then works.
 */
static int
add(struct sock_poller *p, struct sock *s, unsigned events, void *tag,
    const char *what)
{
	if (sock_poller_add(p, s, events, tag) == 0)
		return 0;
	failed(s, what);
	if (sock_poller_add(p, s, events, tag) == 0)
		return 0;
	if (sock_error_code(s) == EEXIST)
		bad(what, "a failed add left the socket in the poller");
	else
		failed(s, what);
	return -1;
}

/*
 * Ask for OUT exactly while there is something left to send.  A failed
 * mod must leave the interest as it was: the loop goes on with it, and
 * the next report (OUT, while it is still asked) tries again.
 */
static void
interest(struct loop *lp, struct peer *pe)
{
	unsigned want = (pe->interest & LIBSOCK_POLL_EDGE) | LIBSOCK_POLL_IN;

	if (pe->off < pe->len)
		want |= LIBSOCK_POLL_OUT;
	if (want == pe->interest)
		return;
	if (sock_poller_mod(lp->p, pe->s, want, pe->tag) == -1)
		failed(pe->s, "poller mod");
	else
		pe->interest = want;
}

static void
pump(struct loop *lp, struct peer *pe)
{
	ssize_t n = 0;

	while (pe->off < pe->len &&
	    (n = sock_send(pe->s, pe->out + pe->off, pe->len - pe->off)) > 0)
		pe->off += (size_t)n;
	if (n == -1)
		stop(lp, pe->s, "poller send");
	else if (n == 0 && pe->off < pe->len)
		stop_bad(lp, "poller send", "0 bytes sent, no error");
	else if (n < -1 && (n != LIBSOCK_WANT_WRITE || errno != EAGAIN))
		stop_bad(lp, "poller send", "a want code other than WRITE");
	else
		interest(lp, pe);
}

/* One receive into pe->in: 1 if bytes came, 0 for a want code or the end. */
static int
take(struct loop *lp, struct peer *pe, const char *what)
{
	ssize_t n;

	if (pe->got >= sizeof pe->in) {
		stop_bad(lp, what, "more bytes than were sent");
		return 0;
	}
	n = sock_recv(pe->s, pe->in + pe->got, sizeof pe->in - pe->got);
	if (n > 0) {
		pe->got += (size_t)n;
		return 1;
	}
	if (n == 0)
		stop_bad(lp, what, "end of stream before the echo");
	else if (n == -1)
		stop(lp, pe->s, what);
	else if (n != LIBSOCK_WANT_READ || errno != EAGAIN)
		stop_bad(lp, what, "a want code other than READ");
	return 0;
}

static void
on_listener(struct loop *lp)
{
	int code = sock_error_code(lp->l);

	if (lp->a.s != NULL) {
		/* Level-triggered: reported while a connection waits. */
		stop_bad(lp, "poller accept", "a second connection waits");
		return;
	}
	if ((lp->a.s = sock_accept(lp->l)) == NULL) {
		if (errno != EAGAIN)
			stop(lp, lp->l, "poller accept");
		else if (sock_error_code(lp->l) != code)
			stop_bad(lp, "poller accept",
			    "EAGAIN changed the error");
		return;
	}
	if (sock_role(lp->a.s) != LIBSOCK_ROLE_ACTIVE) {
		stop_bad(lp, "poller accept", "accepted socket not active");
		return;
	}
	lp->a.interest = LIBSOCK_POLL_IN | LIBSOCK_POLL_EDGE;
	if (add(lp->p, lp->a.s, lp->a.interest, lp->a.tag,
	    "poller add accepted") == -1)
		lp->over = 1;
}

static void
on_client(struct loop *lp, unsigned events)
{
	int rc;

	if (!lp->connected) {
		if ((rc = sock_connect_finish(lp->c.s)) == LIBSOCK_WANT_WRITE)
			return;
		if (rc == -1) {
			stop(lp, lp->c.s, "connect_finish");
			if (sock_role(lp->c.s) != LIBSOCK_ROLE_NEW ||
			    sock_fd(lp->c.s) != -1)
				bad("connect_finish", "failed, not left NEW");
			return;
		}
		if (rc != 0 || sock_role(lp->c.s) != LIBSOCK_ROLE_ACTIVE) {
			stop_bad(lp, "connect_finish", "neither done nor a "
			    "want code for writing");
			return;
		}
		lp->connected = 1;
		pump(lp, &lp->c);
		return;
	}
	if (events & LIBSOCK_POLL_OUT)
		pump(lp, &lp->c);
	if (!lp->over && (events & (LIBSOCK_POLL_IN | LIBSOCK_POLL_ERR |
	    LIBSOCK_POLL_HUP)))
		(void)take(lp, &lp->c, "poller recv echo");
}

/* Edge-triggered: read until a want code, echo all that came. */
static void
on_accepted(struct loop *lp, unsigned events)
{
	struct peer *a = &lp->a;
	size_t before = a->got;

	if (events & (LIBSOCK_POLL_IN | LIBSOCK_POLL_ERR | LIBSOCK_POLL_HUP)) {
		while (take(lp, a, "poller recv"))
			;
		if (lp->over)
			return;
		memcpy(a->out + a->len, a->in + before, a->got - before);
		a->len += a->got - before;
	}
	if (a->off < a->len)
		pump(lp, a);
}

/* One report: for a socket added, with the udata given for it. */
static void
dispatch(struct loop *lp, const struct sock_event *ev)
{
	if (ev->sock == lp->l && ev->udata == &tag_l) {
		if (ev->events & LIBSOCK_POLL_IN)
			on_listener(lp);
	} else if (ev->sock == lp->c.s && ev->udata == &tag_c)
		on_client(lp, ev->events);
	else if (ev->sock == lp->a.s && ev->udata == &tag_a)
		on_accepted(lp, ev->events);
	else
		stop_bad(lp, "poller wait", "an entry for no socket added, or "
		    "with the wrong udata");
}

/* Waits until the client has its echo: 1 then, with the last wait's. */
static int
echo_loop(struct loop *lp, struct sock_event **evp, int *nevp)
{
	struct sock_event *ev = NULL;
	long long end = now_ms() + POLL_LOOP_MS;
	int round, n, i;

	for (round = 0; round < POLL_ROUNDS && !lp->over && now_ms() < end;
	    round++) {
		if ((n = sock_poller_wait(lp->p, POLL_WAIT_MS, &ev)) == -1) {
			failed_errno("poller wait");
			continue;
		}
		for (i = 0; i < n && !lp->over; i++)
			if (ev[i].sock != NULL)
				dispatch(lp, &ev[i]);
		if (!lp->over && lp->c.got >= ECHO_LEN) {
			*evp = ev;
			*nevp = n;
			if (lp->c.got != ECHO_LEN ||
			    memcmp(lp->c.in, ECHO, ECHO_LEN) != 0)
				bad("poller echo", "data corrupted");
			return 1;
		}
	}
	if (!lp->over)
		bad("poller", "no echo after all the waits (a hang)");
	return 0;
}

/*
 * After the echo: the client deleted and the accepted side closed while
 * still in the poller.  The last wait's entries for them are blanked,
 * and a later wait reports neither though the client is readable.
 */
static void
echo_end(struct loop *lp, struct sock_event *ev, int n)
{
	int i;

	if (sock_poller_del(lp->p, lp->c.s) == -1) {
		failed(lp->c.s, "poller del");
		return;
	}
	if (sock_send(lp->a.s, "x", 1) != 1) {
		failed(lp->a.s, "send after del");
		return;
	}
	if (sock_close(lp->a.s) == -1)
		failed(lp->a.s, "close");
	for (i = 0; i < n; i++)
		if (ev[i].sock == lp->c.s || ev[i].sock == lp->a.s)
			bad("poller del", "the last wait still names it");
	if ((n = sock_poller_wait(lp->p, 0, &ev)) == -1) {
		failed_errno("poller wait after del");
		return;
	}
	for (i = 0; i < n; i++)
		if (ev[i].sock != NULL && ev[i].sock != lp->l)
			bad("poller wait after del", "a socket deleted or "
			    "closed is reported");
	if (sock_close(lp->c.s) == -1)
		failed(lp->c.s, "close");
}

static void
poller_path(void)
{
	struct loop lp;
	struct sock_addr local;
	struct sock_event *ev = NULL;
	char text[LIBSOCK_ADDRSTRLEN];
	int rc, n = 0;

	memset(&lp, 0, sizeof lp);
	lp.c.tag = &tag_c;
	lp.a.tag = &tag_a;
	memcpy(lp.c.out, ECHO, ECHO_LEN);
	lp.c.len = ECHO_LEN;
	if ((lp.p = sock_poller_new()) == NULL) {
		failed_errno("poller new");
		return;
	}
	if (!strict && getenv("LIBSOCK_FAULT_AT") == NULL)
		printf("poller backend %s\n", sock_poller_backend(lp.p));
	if ((lp.l = sock_new()) == NULL || (lp.c.s = sock_new()) == NULL)
		goto out;
	if (sock_set_nonblocking(lp.l, 1) == -1 ||
	    sock_set_nonblocking(lp.c.s, 1) == -1) {
		bad("set_nonblocking", "failed on a new socket");
		goto out;
	}
	if (sock_listen(lp.l, "tcp://127.0.0.1:0") == -1) {
		failed(lp.l, "nonblocking listen");
		goto out;
	}
	if (sock_local_addr(lp.l, &local) == -1) {
		failed(lp.l, "local address");
		goto out;
	}
	if (add(lp.p, lp.l, LIBSOCK_POLL_IN, &tag_l, "poller add listener"))
		goto out;
	snprintf(text, sizeof text, "tcp://127.0.0.1:%d",
	    sock_addr_port(&local));
	if ((rc = sock_connect(lp.c.s, text)) == -1) {
		failed(lp.c.s, "nonblocking connect");
		goto out;
	}
	if (rc != 0 && rc != LIBSOCK_WANT_WRITE) {
		bad("nonblocking connect", "neither 0 nor WANT_WRITE");
		goto out;
	}
	lp.connected = rc == 0;
	lp.c.interest = LIBSOCK_POLL_OUT;
	if (add(lp.p, lp.c.s, LIBSOCK_POLL_OUT, &tag_c, "poller add client"))
		goto out;
	if (echo_loop(&lp, &ev, &n))
		echo_end(&lp, ev, n);
out:
	/* The listener is still in the poller when the poller goes. */
	sock_free(lp.a.s);
	sock_free(lp.c.s);
	sock_poller_free(lp.p);
	sock_free(lp.l);
}

/* A receive that timed out lost datagrams: no injected failure does that. */
static void
recv_failed(const struct sock *s, const char *what)
{
	if (sock_error_code(s) == ETIMEDOUT)
		bad(what, "datagrams sent were never received");
	else
		failed(s, what);
}

/*
 * The sender never bound: its local address is the wildcard with the
 * port the system gave it, and its datagrams come from loopback.
 */
static int
same_source(const struct sock_addr *from, const struct sock_addr *sender)
{
	struct sock_addr lo;

	return sock_addr_parse(&lo, "udp://127.0.0.1:0") == 0 &&
	    from->storage.ss_family == lo.storage.ss_family &&
	    sock_addr_port(from) == sock_addr_port(sender) &&
	    memcmp(&((const struct sockaddr_in *)&from->storage)->sin_addr,
	    &((const struct sockaddr_in *)&lo.storage)->sin_addr,
	    sizeof(struct in_addr)) == 0;
}

static void
dgram_fill(unsigned char *buf, size_t len, int k)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(k * 31 + i * 5 + 1);
}

/*
 * Ten datagrams of different lengths in one sock_sendmany, received with
 * sock_recvmany (the last into too small a room: truncated, flagged),
 * each checked: length, bytes, source.
 */
#define NDGRAMS		10
#define DGRAM_ROOM	64
#define DGRAM_SHORT	16	/* the last one's room */

static size_t
dgram_len(int k)
{
	return 20 + (size_t)k * 4;	/* 20 to 56 bytes */
}

static int
sendmany_all(struct sock *v, struct sock_dgram *out)
{
	int sent = 0, n, tries;

	for (tries = 0; sent < NDGRAMS && tries < NDGRAMS; tries++) {
		if ((n = sock_sendmany(v, out + sent, NDGRAMS - sent)) == -1) {
			failed(v, "sendmany");
			break;
		}
		if (n < 1 || n > NDGRAMS - sent) {
			bad("sendmany", "a count out of range, no error");
			break;
		}
		sent += n;
	}
	return sent;
}

static void
dgram_check(const struct sock_dgram *d, int k, const struct sock_addr *src)
{
	unsigned char want[DGRAM_ROOM];
	size_t len = dgram_len(k), room = d->len;

	dgram_fill(want, len, k);
	if (len > room ? d->n != room || !(d->flags & LIBSOCK_DGRAM_TRUNC) :
	    d->n != len || d->flags != 0)
		bad("recvmany", "wrong length or truncation flag");
	else if (memcmp(d->buf, want, d->n) != 0)
		bad("recvmany", "datagram corrupted or out of order");
	else if (!same_source(&d->addr, src))
		bad("recvmany", "wrong source address");
}

/* Nothing left, in non-blocking mode: a want code, the error kept. */
static void
recvmany_empty(struct sock *u, struct sock_dgram *in)
{
	int code = sock_error_code(u), n;

	if (sock_set_nonblocking(u, 1) == -1) {
		failed(u, "set_nonblocking");
		return;
	}
	if ((n = sock_recvmany(u, in, NDGRAMS)) == -1)
		recv_failed(u, "recvmany nonblocking");
	else if (n != LIBSOCK_WANT_READ || errno != EAGAIN)
		bad("recvmany nonblocking", "no WANT_READ with nothing queued");
	else if (sock_error_code(u) != code)
		bad("recvmany nonblocking", "a want code changed the error");
}

static void
batch_path(void)
{
	struct sock *u = sock_new(), *v = sock_new();
	static unsigned char obuf[NDGRAMS][DGRAM_ROOM];
	static unsigned char ibuf[NDGRAMS][DGRAM_ROOM];
	struct sock_dgram out[NDGRAMS], in[NDGRAMS];
	struct sock_addr where, src;
	int k, n, sent, got, tries;

	if (u == NULL || v == NULL)
		goto out;
	sock_set_recv_timeout(u, 1000);
	if (sock_bind(u, "udp://127.0.0.1:0") == -1) {
		failed(u, "bind");
		goto out;
	}
	if (sock_local_addr(u, &where) == -1) {
		failed(u, "local address");
		goto out;
	}
	memset(out, 0, sizeof out);
	memset(in, 0, sizeof in);
	memset(ibuf, 0, sizeof ibuf);
	for (k = 0; k < NDGRAMS; k++) {
		dgram_fill(obuf[k], dgram_len(k), k);
		out[k].buf = obuf[k];
		out[k].len = dgram_len(k);
		out[k].addr = where;
		in[k].buf = ibuf[k];
		in[k].len = k == NDGRAMS - 1 ? DGRAM_SHORT : DGRAM_ROOM;
	}
	if ((sent = sendmany_all(v, out)) == 0)
		goto out;
	for (k = 0; k < sent; k++)
		if (out[k].n != out[k].len)
			bad("sendmany", "a datagram sent short");
	if (sock_local_addr(v, &src) == -1) {
		failed(v, "local address");
		goto out;
	}
	for (got = 0, tries = 0; got < sent && tries < NDGRAMS; tries++) {
		if ((n = sock_recvmany(u, in + got, sent - got)) == -1) {
			recv_failed(u, "recvmany");
			break;
		}
		if (n < 1 || n > sent - got) {
			bad("recvmany", "a count out of range, no error");
			break;
		}
		got += n;
	}
	for (k = 0; k < got; k++)
		dgram_check(&in[k], k, &src);
	if (got == sent)
		recvmany_empty(u, in);
out:
	sock_free(v);
	sock_free(u);
}

/*
 * One buffer sent as ten datagrams by sock_send_segments (UDP_SEGMENT,
 * or sendmmsg when the probe for it failed), received one by one with
 * sock_recv_segments: sizes, bytes and source checked.
 */
#define SEGMENT		100
#define SEGMENTS	10
#define SEG_TOTAL	(SEGMENT * (SEGMENTS - 1) + 37)

static void
segments_recv(struct sock *u, const unsigned char *buf, size_t sent,
    const struct sock_addr *src)
{
	unsigned char room[2 * SEGMENT];
	struct sock_addr from;
	size_t off, want, seg;
	ssize_t n;

	for (off = 0; off < sent; off += want) {
		want = sent - off < SEGMENT ? sent - off : SEGMENT;
		if ((n = sock_recv_segments(u, room, sizeof room, &seg,
		    &from)) == -1) {
			recv_failed(u, "recv_segments");
			return;
		}
		if ((size_t)n != want || seg != want) {
			bad("recv_segments", "wrong datagram or segment size");
			return;
		}
		if (memcmp(room, buf + off, want) != 0) {
			bad("recv_segments", "datagram corrupted");
			return;
		}
		if (!same_source(&from, src)) {
			bad("recv_segments", "wrong source address");
			return;
		}
	}
}

static void
segments_path(void)
{
	struct sock *u = sock_new(), *w = sock_new();
	static unsigned char buf[SEG_TOTAL];
	struct sock_addr where, src;
	size_t sent = 0;
	ssize_t n;
	int tries;

	if (u == NULL || w == NULL)
		goto out;
	fill(buf, sizeof buf);
	sock_set_recv_timeout(u, 1000);
	if (sock_bind(u, "udp://127.0.0.1:0") == -1) {
		failed(u, "bind");
		goto out;
	}
	if (sock_local_addr(u, &where) == -1) {
		failed(u, "local address");
		goto out;
	}
	for (tries = 0; sent < sizeof buf && tries < SEGMENTS; tries++) {
		n = sock_send_segments(w, buf + sent, sizeof buf - sent,
		    SEGMENT, &where);
		if (n == -1) {
			failed(w, "send_segments");
			break;
		}
		if (n <= 0 || (size_t)n > sizeof buf - sent ||
		    ((size_t)n % SEGMENT != 0 && (size_t)n != sizeof buf -
		    sent)) {
			bad("send_segments", "a count not of whole segments");
			break;
		}
		sent += (size_t)n;
	}
	if (sent == 0)
		goto out;
	if (sock_local_addr(w, &src) == -1) {
		failed(w, "local address");
		goto out;
	}
	segments_recv(u, buf, sent, &src);
out:
	sock_free(w);
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
	void (*pause_shim)(int) = (void (*)(int))dlsym(RTLD_DEFAULT,
	    "shim_pause");
	long baseline;
	int before = fd_count(), after;

	strict = getenv("LIBSOCK_FAULT_EINTR") != NULL;
	verbose = getenv("LIBSOCK_FAULT_VERBOSE") != NULL;
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
	/* Before TLS, whose server thread makes the count vary from there. */
	poller_path();
	batch_path();
	segments_path();
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
