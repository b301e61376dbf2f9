/*
 * bench-tls.c - libsock's TLS against the same workloads written with
 * OpenSSL's SSL_* calls over plain sockets: full and resumed TLS 1.3
 * handshakes per second, and bulk transfer in 64 KiB writes.
 *
 * At start the openssl command makes, in a fresh temporary directory, a
 * CA and a certificate for localhost that it signs, both EC P-256.  The
 * client verifies the server against that CA and the name localhost in
 * both variants.  Without the openssl command the TLS workloads are
 * skipped with a note.  Linux: POLLRDHUP, as well as what bench-net uses.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "sock.h"
#include "bench.h"

#define BULK_CHUNK	(64 * 1024)	/* one write */
#define SERVER_NAME	"localhost"

/* The certificate files, in a directory removed at exit. */
static char dir[PATH_MAX];
static char ca_file[PATH_MAX + 16];
static char cert_file[PATH_MAX + 16];
static char key_file[PATH_MAX + 16];

/* Shared by every repetition, as a server shares them between clients. */
static SSL_CTX *raw_server_ctx, *raw_client_ctx;
static struct sock_tls_config *lsk_server_cfg, *lsk_client_cfg;

/* What each variant negotiated, for a note. */
static char raw_suite[128], lsk_suite[128];

/* ------------------------------------------------------------ certificates */

static const char *const cert_files[] = {
	"ca.key", "ca.pem", "key.pem", "req.csr", "ext.cnf", "cert.pem",
	"ca.srl", "openssl.log",
};

static void
remove_certs(void)
{
	char path[PATH_MAX + 16];
	size_t i;

	if (dir[0] == '\0')
		return;
	for (i = 0; i < sizeof cert_files / sizeof cert_files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, cert_files[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
	dir[0] = '\0';
}

/* What the openssl command said, before the directory goes. */
static void
show_log(void)
{
	char path[PATH_MAX + 16], line[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/openssl.log", dir);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL)
		fputs(line, stderr);
	fclose(f);
}

/* Run the openssl command in dir; 0 if it worked, -1 if it is missing. */
static int
run_openssl(const char *const argv[])
{
	const char *cmd = getenv("OPENSSL");
	char *args[32];
	pid_t pid;
	int status, fd, i;

	if (cmd == NULL || *cmd == '\0')
		cmd = "openssl";
	args[0] = (char *)(uintptr_t)cmd;
	for (i = 0; argv[i] != NULL && i < 30; i++)
		args[i + 1] = (char *)(uintptr_t)argv[i];
	args[i + 1] = NULL;
	if ((pid = fork()) == -1)
		bench_die_errno("fork");
	if (pid == 0) {
		if (chdir(dir) == -1 ||
		    (fd = open("openssl.log", O_WRONLY | O_CREAT | O_APPEND,
		    0600)) == -1)
			_exit(126);
		(void)dup2(fd, 1);
		(void)dup2(fd, 2);
		close(fd);
		if ((fd = open("/dev/null", O_RDONLY)) != -1)
			(void)dup2(fd, 0);
		execvp(cmd, args);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			bench_die_errno("waitpid");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		show_log();
		bench_die(cmd, "could not make the certificates");
	}
	return 0;
}

static void
write_file(const char *name, const char *text)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL || fputs(text, f) == EOF ||
	    fclose(f) == EOF)
		bench_die_errno(path);
}

/* A CA and a certificate for localhost, EC P-256; -1 without openssl. */
static int
make_certs(void)
{
	static const char *const ca[] = {
		"req", "-x509", "-newkey", "ec",
		"-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", "ca.key", "-out", "ca.pem", "-days", "1",
		"-subj", "/CN=libsock bench CA",
		"-addext", "basicConstraints=critical,CA:TRUE",
		"-addext", "keyUsage=critical,keyCertSign", NULL,
	};
	static const char *const req[] = {
		"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
		"-nodes", "-keyout", "key.pem", "-out", "req.csr",
		"-subj", "/CN=" SERVER_NAME, NULL,
	};
	static const char *const sign[] = {
		"x509", "-req", "-in", "req.csr", "-CA", "ca.pem",
		"-CAkey", "ca.key", "-set_serial", "1", "-days", "1",
		"-extfile", "ext.cnf", "-out", "cert.pem", NULL,
	};
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/libsock-bench.XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(dir) == NULL)
		bench_die_errno("mkdtemp");
	atexit(remove_certs);
	write_file("ext.cnf", "subjectAltName=DNS:" SERVER_NAME "\n");
	if (run_openssl(ca) == -1 || run_openssl(req) == -1 ||
	    run_openssl(sign) == -1)
		return -1;
	snprintf(ca_file, sizeof ca_file, "%s/ca.pem", dir);
	snprintf(cert_file, sizeof cert_file, "%s/cert.pem", dir);
	snprintf(key_file, sizeof key_file, "%s/key.pem", dir);
	return 0;
}

/*
 * ------------------------------------------------------------ raw OpenSSL
 *
 * Every TLS connection here has TCP_NODELAY on both sides, in both
 * variants: with Nagle's algorithm a record split across segments can
 * wait for a delayed acknowledgement, 40 ms, which would swamp what is
 * being measured.
 */

static void
die_ssl(const char *what)
{
	char text[256];
	unsigned long e = ERR_get_error();

	if (e == 0)
		bench_die(what, errno != 0 ? strerror(errno) :
		    "failed, with no error queued");
	ERR_error_string_n(e, text, sizeof text);
	bench_die(what, text);
}

static SSL_CTX *
raw_ctx(int server)
{
	SSL_CTX *ctx;

	if ((ctx = SSL_CTX_new(server ? TLS_server_method() :
	    TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1)
		die_ssl("SSL_CTX_new");
	if (server) {
		if (SSL_CTX_use_certificate_chain_file(ctx, cert_file) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, key_file,
		    SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(ctx) != 1)
			die_ssl(cert_file);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
		if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1)
			die_ssl(ca_file);
	}
	return ctx;
}

static SSL *
raw_ssl(SSL_CTX *ctx, int fd)
{
	SSL *ssl;

	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1)
		die_ssl("SSL_new");
	return ssl;
}

/*
 * The client's side: SNI, the name to verify, the session to resume if
 * there is one, the handshake.
 */
static SSL *
raw_tls_connect(const struct sockaddr_in *sin, SSL_SESSION *sess, int *fd)
{
	SSL *ssl;

	*fd = bench_connect(sin);
	bench_nodelay(*fd);
	ssl = raw_ssl(raw_client_ctx, *fd);
	if (SSL_set_tlsext_host_name(ssl, SERVER_NAME) != 1 ||
	    SSL_set1_host(ssl, SERVER_NAME) != 1 ||
	    (sess != NULL && SSL_set_session(ssl, sess) != 1))
		die_ssl("SSL_set1_host");
	if (SSL_connect(ssl) != 1)
		die_ssl("SSL_connect");
	return ssl;
}

static SSL *
raw_tls_accept(int lfd, int *fd)
{
	SSL *ssl;

	*fd = bench_accept(lfd);
	bench_nodelay(*fd);
	ssl = raw_ssl(raw_server_ctx, *fd);
	if (SSL_accept(ssl) != 1)
		die_ssl("SSL_accept");
	return ssl;
}

static void
raw_write_all(SSL *ssl, const void *buf, size_t len)
{
	const char *p = buf;
	size_t n;

	while (len > 0) {
		if (SSL_write_ex(ssl, p, len, &n) != 1)
			die_ssl("SSL_write");
		p += n;
		len -= n;
	}
}

static size_t
raw_read(SSL *ssl, void *buf, size_t len)
{
	size_t n;

	if (SSL_read_ex(ssl, buf, len, &n) != 1)
		die_ssl("SSL_read");
	return n;
}

/* Our close_notify without waiting for the peer's, as sock_free does. */
static void
raw_close(SSL *ssl, int fd)
{
	(void)SSL_shutdown(ssl);
	ERR_clear_error();
	SSL_free(ssl);
	close(fd);
}

/* ------------------------------------------------------------ libsock */

static struct sock_tls_config *
lsk_config(int server)
{
	struct sock_tls_config *cfg;

	if ((cfg = sock_tls_config_new()) == NULL)
		bench_die_errno("sock_tls_config_new");
	if (sock_tls_config_set_protocols(cfg, LIBSOCK_TLS_1_3) == -1 ||
	    (server ? sock_tls_config_set_keypair_file(cfg, cert_file,
	    key_file) : sock_tls_config_set_ca_file(cfg, ca_file)) == -1)
		bench_die("tls config", sock_tls_config_error(cfg));
	return cfg;
}

/* A TLS listener on 127.0.0.1, port 0; its address text in text. */
static struct sock *
lsk_tls_listen(char *text, size_t size)
{
	struct sock *l = bench_sock_new();

	if (sock_set_tls_config(l, lsk_server_cfg) == -1 ||
	    sock_set_nodelay(l, 1) == -1 ||
	    sock_listen(l, "tls://127.0.0.1:0") == -1)
		bench_die_sock("listen", l);
	bench_sock_where(l, text, size);
	return l;
}

static struct sock *
lsk_tls_connect(const char *text)
{
	struct sock *c = bench_sock_new();

	if (sock_set_tls_config(c, lsk_client_cfg) == -1 ||
	    sock_set_nodelay(c, 1) == -1 ||
	    sock_set_tls_server_name(c, SERVER_NAME) == -1)
		bench_die_sock("set up", c);
	if (sock_connect(c, text) == -1)
		bench_die_sock("connect", c);
	return c;
}

/* ------------------------------------------------------------ handshakes */

/*
 * A second thread accepts count connections and finishes each handshake
 * by reading one byte from the client; this one connects and sends it.
 * TCP_NODELAY on both sides, so that Nagle's algorithm does not hold
 * back the small records.
 *
 * A TLS 1.3 client stores the server's session tickets only when it
 * reads from the connection, so the two rows differ there:
 *  - full: the client reads nothing, waits until the server has closed
 *    (POLLRDHUP) and closes; every handshake is a full one;
 *  - resumed: the server answers with one byte, the client reads it and
 *    with it the tickets, and offers one on its next connect, which
 *    libsock does by itself and raw code with SSL_get1_session and
 *    SSL_set_session.
 */
#define HS_FULL		0
#define HS_RESUMED	1

struct handshakes {
	int			 kind;		/* HS_FULL, HS_RESUMED */
	int			 lfd;		/* raw */
	struct sockaddr_in	 sin;
	struct sock		*l;		/* libsock */
	char			 text[LIBSOCK_ADDRSTRLEN];
	long			 count;
	long			 reused;	/* handshakes that resumed */
	pthread_barrier_t	 go;
};

/* Handshakes done and resumed, by kind and variant, for a note. */
static long hs_done[2][2], hs_reused[2][2];

/* Until the peer has closed its side, reading nothing. */
static void
wait_peer_close(int fd)
{
	struct pollfd pfd;
	int n;

	pfd.fd = fd;
	pfd.events = POLLRDHUP;
	while ((n = poll(&pfd, 1, 5000)) == -1 && errno == EINTR)
		;
	if (n == -1)
		bench_die_errno("poll");
	if (n == 0)
		bench_die("poll", "the server did not close");
}

static void *
raw_hs_server(void *arg)
{
	struct handshakes *h = arg;
	char byte;
	SSL *ssl;
	long i;
	int fd;

	bench_pin(1);
	pthread_barrier_wait(&h->go);
	for (i = 0; i < h->count; i++) {
		ssl = raw_tls_accept(h->lfd, &fd);
		if (raw_read(ssl, &byte, 1) != 1)
			bench_die("SSL_read", "short read");
		if (h->kind == HS_RESUMED)
			raw_write_all(ssl, &byte, 1);
		raw_close(ssl, fd);
	}
	return NULL;
}

static void
raw_hs_client(struct handshakes *h)
{
	SSL_SESSION *sess = NULL;
	char byte = 'h';
	SSL *ssl;
	long i;
	int fd;

	for (i = 0; i < h->count; i++) {
		ssl = raw_tls_connect(&h->sin, sess, &fd);
		raw_write_all(ssl, &byte, 1);
		if (h->kind == HS_RESUMED) {
			if (raw_read(ssl, &byte, 1) != 1)
				bench_die("SSL_read", "short read");
			h->reused += SSL_session_reused(ssl) == 1;
			SSL_SESSION_free(sess);
			sess = SSL_get1_session(ssl);
		} else
			wait_peer_close(fd);
		if (raw_suite[0] == '\0')
			snprintf(raw_suite, sizeof raw_suite, "%s %s",
			    SSL_get_version(ssl), SSL_get_cipher_name(ssl));
		raw_close(ssl, fd);
	}
	SSL_SESSION_free(sess);
}

static void *
lsk_hs_server(void *arg)
{
	struct handshakes *h = arg;
	struct sock *a;
	char byte;
	long i;

	bench_pin(1);
	pthread_barrier_wait(&h->go);
	for (i = 0; i < h->count; i++) {
		if ((a = sock_accept(h->l)) == NULL)
			bench_die_sock("accept", h->l);
		if (sock_recv_exact(a, &byte, 1) != 1 ||
		    (h->kind == HS_RESUMED && sock_send_all(a, &byte, 1) != 1))
			bench_die_sock("server", a);
		sock_free(a);
	}
	return NULL;
}

static void
lsk_hs_client(struct handshakes *h)
{
	char byte = 'h';
	struct sock *c;
	long i;

	for (i = 0; i < h->count; i++) {
		c = lsk_tls_connect(h->text);
		if (sock_send_all(c, &byte, 1) != 1)
			bench_die_sock("send", c);
		if (h->kind == HS_RESUMED) {
			if (sock_recv_exact(c, &byte, 1) != 1)
				bench_die_sock("recv", c);
		} else
			wait_peer_close(sock_fd(c));
		h->reused += sock_tls_session_reused(c) == 1;
		if (lsk_suite[0] == '\0')
			snprintf(lsk_suite, sizeof lsk_suite, "%s %s",
			    sock_tls_version(c), sock_tls_cipher(c));
		sock_free(c);
	}
}

/* Handshakes per second. */
static double
handshake_rate(struct handshakes *h, int libsock)
{
	pthread_t t;
	double t0, t1;

	bench_barrier_init(&h->go);
	bench_pin(0);
	bench_spawn(&t, libsock ? lsk_hs_server : raw_hs_server, h);
	pthread_barrier_wait(&h->go);
	t0 = bench_now();
	if (libsock)
		lsk_hs_client(h);
	else
		raw_hs_client(h);
	t1 = bench_now();
	bench_join(t);
	bench_unpin();
	pthread_barrier_destroy(&h->go);
	hs_done[h->kind][libsock] += h->count;
	hs_reused[h->kind][libsock] += h->reused;
	return (double)h->count / (t1 - t0);
}

static void
hs_raw(int kind, long count, struct bench_rep *rep)
{
	struct handshakes h = { .kind = kind, .count = count };

	h.lfd = bench_listen(&h.sin);
	rep->value = handshake_rate(&h, 0);
	close(h.lfd);
}

static void
hs_lsk(int kind, long count, struct bench_rep *rep)
{
	struct handshakes h = { .kind = kind, .count = count };

	h.l = lsk_tls_listen(h.text, sizeof h.text);
	rep->value = handshake_rate(&h, 1);
	sock_free(h.l);
}

static void
full_raw(long count, struct bench_rep *rep)
{
	hs_raw(HS_FULL, count, rep);
}

static void
full_lsk(long count, struct bench_rep *rep)
{
	hs_lsk(HS_FULL, count, rep);
}

static void
resumed_raw(long count, struct bench_rep *rep)
{
	hs_raw(HS_RESUMED, count, rep);
}

static void
resumed_lsk(long count, struct bench_rep *rep)
{
	hs_lsk(HS_RESUMED, count, rep);
}

/* ------------------------------------------------------------ bulk */

/*
 * A second thread connects, then writes count chunks of 64 KiB; this one
 * accepts, finishes the handshake, then reads.  Only the transfer is
 * timed: from the start to the last byte read.  The writer closes only
 * once everything has been read: it never reads the server's session
 * tickets, and a close with unread data resets the connection, which
 * would throw away what is still queued.
 */
struct bulk {
	int			 lfd;		/* raw */
	struct sockaddr_in	 sin;
	struct sock		*l;		/* libsock */
	char			 text[LIBSOCK_ADDRSTRLEN];
	long			 count;
	double			 t0, t1;	/* the reader's clock */
	pthread_barrier_t	 go;
};

static void *
raw_bulk_writer(void *arg)
{
	struct bulk *b = arg;
	char *buf;
	SSL *ssl;
	long i;
	int fd;

	bench_pin(1);
	if ((buf = calloc(1, BULK_CHUNK)) == NULL)
		bench_die_errno("calloc");
	ssl = raw_tls_connect(&b->sin, NULL, &fd);
	pthread_barrier_wait(&b->go);
	for (i = 0; i < b->count; i++)
		raw_write_all(ssl, buf, BULK_CHUNK);
	pthread_barrier_wait(&b->go);
	raw_close(ssl, fd);
	free(buf);
	return NULL;
}

static void
raw_bulk_reader(struct bulk *b, char *buf)
{
	long long left = (long long)b->count * BULK_CHUNK;
	SSL *ssl;
	int fd;

	ssl = raw_tls_accept(b->lfd, &fd);
	pthread_barrier_wait(&b->go);
	b->t0 = bench_now();
	while (left > 0)
		left -= (long long)raw_read(ssl, buf, BULK_CHUNK);
	b->t1 = bench_now();
	pthread_barrier_wait(&b->go);
	raw_close(ssl, fd);
}

static void *
lsk_bulk_writer(void *arg)
{
	struct bulk *b = arg;
	struct sock *c;
	char *buf;
	long i;

	bench_pin(1);
	if ((buf = calloc(1, BULK_CHUNK)) == NULL)
		bench_die_errno("calloc");
	c = lsk_tls_connect(b->text);
	pthread_barrier_wait(&b->go);
	for (i = 0; i < b->count; i++)
		if (sock_send_all(c, buf, BULK_CHUNK) != BULK_CHUNK)
			bench_die_sock("send_all", c);
	pthread_barrier_wait(&b->go);
	sock_free(c);
	free(buf);
	return NULL;
}

static void
lsk_bulk_reader(struct bulk *b, char *buf)
{
	long long left = (long long)b->count * BULK_CHUNK;
	struct sock *a;
	ssize_t n;

	if ((a = sock_accept(b->l)) == NULL)
		bench_die_sock("accept", b->l);
	if (sock_tls_handshake(a) == -1)
		bench_die_sock("handshake", a);
	pthread_barrier_wait(&b->go);
	b->t0 = bench_now();
	while (left > 0) {
		if ((n = sock_recv(a, buf, BULK_CHUNK)) == -1)
			bench_die_sock("recv", a);
		if (n == 0)
			bench_die("recv", "end of stream too early");
		left -= n;
	}
	b->t1 = bench_now();
	pthread_barrier_wait(&b->go);
	sock_free(a);
}

/* MiB per second. */
static double
bulk_rate(struct bulk *b, int libsock)
{
	pthread_t t;
	char *buf;

	if ((buf = malloc(BULK_CHUNK)) == NULL)
		bench_die_errno("malloc");
	bench_barrier_init(&b->go);
	bench_pin(0);
	bench_spawn(&t, libsock ? lsk_bulk_writer : raw_bulk_writer, b);
	/* Both handshakes are over at the barrier; the clock starts there. */
	if (libsock)
		lsk_bulk_reader(b, buf);
	else
		raw_bulk_reader(b, buf);
	bench_join(t);
	bench_unpin();
	pthread_barrier_destroy(&b->go);
	free(buf);
	return (double)b->count * BULK_CHUNK / (1024.0 * 1024.0) /
	    (b->t1 - b->t0);
}

static void
bulk_raw(long count, struct bench_rep *rep)
{
	struct bulk b = { .count = count };

	b.lfd = bench_listen(&b.sin);
	rep->value = bulk_rate(&b, 0);
	close(b.lfd);
}

static void
bulk_lsk(long count, struct bench_rep *rep)
{
	struct bulk b = { .count = count };

	b.l = lsk_tls_listen(b.text, sizeof b.text);
	rep->value = bulk_rate(&b, 1);
	sock_free(b.l);
}

/* ------------------------------------------------------------ main */

/* How many handshakes of a row resumed a session, as a check. */
static void
note_reused(int kind, const char *row)
{
	if (hs_done[kind][0] == 0 && hs_done[kind][1] == 0)
		return;
	bench_note("%s row: raw resumed %ld of %ld handshakes, libsock %ld "
	    "of %ld", row, hs_reused[kind][0], hs_done[kind][0],
	    hs_reused[kind][1], hs_done[kind][1]);
}

static const struct bench_workload workloads[] = {
	{ "tls 1.3 full handshake", "hs/s", 0, 300, 3,
	    "tls handshakes: TLS 1.3, the client verifies chain and name; "
	    "full: the client reads nothing, so keeps no ticket; resumed: "
	    "1-byte answer read, ticket offered at the next connect", 2,
	    { { "raw", full_raw, 0 }, { "libsock", full_lsk, 0 } } },
	{ "tls 1.3 resumed handshake", "hs/s", 0, 600, 3, NULL, 2,
	    { { "raw", resumed_raw, 0 }, { "libsock", resumed_lsk, 0 } } },
	{ "tls bulk, 64 KiB writes", "MiB/s", 0, 4096, 16,
	    "tls bulk: 4096 writes of 64 KiB (256 MiB) a repetition, "
	    "read 64 KiB at a time; TCP_NODELAY both sides", 2,
	    { { "raw", bulk_raw, 0 }, { "libsock", bulk_lsk, 0 } } },
};

int
main(void)
{
	size_t i;

	bench_init("bench-tls");
	signal(SIGPIPE, SIG_IGN);
	if (make_certs() == -1) {
		printf("note: TLS skipped: the openssl command (%s) was not "
		    "found\n", getenv("OPENSSL") != NULL &&
		    *getenv("OPENSSL") != '\0' ? getenv("OPENSSL") :
		    "openssl");
		return 0;
	}
	raw_server_ctx = raw_ctx(1);
	raw_client_ctx = raw_ctx(0);
	lsk_server_cfg = lsk_config(1);
	lsk_client_cfg = lsk_config(0);
	bench_note("two-thread workloads: %s", bench_pin_text());
	bench_header();
	for (i = 0; i < sizeof workloads / sizeof workloads[0]; i++)
		bench_run(&workloads[i]);
	if (raw_suite[0] != '\0')
		bench_note("negotiated: raw %s; libsock %s", raw_suite,
		    lsk_suite);
	note_reused(HS_FULL, "full");
	note_reused(HS_RESUMED, "resumed");
	bench_finish();
	SSL_CTX_free(raw_server_ctx);
	SSL_CTX_free(raw_client_ctx);
	sock_tls_config_free(lsk_server_cfg);
	sock_tls_config_free(lsk_client_cfg);
	return 0;
}
