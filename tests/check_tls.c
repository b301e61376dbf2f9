/*
 * check_tls.c - TLS: handshakes over TLS 1.3 and 1.2 and what they
 * establish, certificate verification and each of its refusals, the TLS
 * 1.2 floor, client certificates, ALPN, SNI, STARTTLS, handshake
 * timeouts, truncation against a clean close, SIGPIPE, non-blocking use,
 * the per-connection error queue, the configuration object, and every
 * TLS call where it does not apply.
 *
 * The certificates are made once per run by tests/tls-certs.sh, in a
 * directory of their own that is removed at the end.  The peer of a test
 * is a thread of this process, or the openssl command where the peer
 * must be another TLS stack.  Every socket has a timeout, so every
 * thread ends and every join returns.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

#define WAIT_MS		5000	/* for what should happen at once */
#define SHORT_MS	500	/* the timeouts under test */
#define BIG		(4 << 20)	/* the non-blocking transfer */
#define CHUNK		16384
#define SMALL_BUF	4096	/* send buffers for that transfer */
#define DAY		86400

#ifdef HAVE_OPENSSL

static char cert_dir[PATH_MAX - 64];	/* made by main */

/* ------------------------------------------------------------ common */

/* The path of a file of the certificate directory (8 live at a time). */
static const char *
cert(const char *name)
{
	static _Thread_local char ring[8][PATH_MAX];
	static _Thread_local unsigned next;
	char *p = ring[next++ % 8];

	snprintf(p, PATH_MAX, "%s/%s", cert_dir, name);
	return p;
}

static const char *url(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

/* An address text, e.g. url("tls://localhost:%d", port) (8 at a time). */
static const char *
url(const char *fmt, ...)
{
	static _Thread_local char ring[8][128];
	static _Thread_local unsigned next;
	char *p = ring[next++ % 8];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p, sizeof ring[0], fmt, ap);
	va_end(ap);
	return p;
}

static const char *
openssl_cmd(void)
{
	const char *o = getenv("OPENSSL");

	return o != NULL && *o != '\0' ? o : "openssl";
}

/* Under valgrind everything is slower: stretch the bulk deadlines. */
static long long
slow(long long ms)
{
	return getenv("LIBSOCK_UNDER_VALGRIND") != NULL ? ms * 10 : ms;
}

/*
 * Whether took is within 20 % of want, plus 100 ms of slack (a second
 * under valgrind, where setting up a TLS context alone takes that long,
 * before the handshake's clock starts).
 */
static int
on_time(long long took, long long want)
{
	long long slack = slow(100);

	return took >= want * 8 / 10 - 100 && took <= want * 12 / 10 + slack;
}

static struct sock_tls_config *
config_new(void)
{
	struct sock_tls_config *cfg;

	cfg = sock_tls_config_new();
	ck_assert_msg(cfg != NULL, "sock_tls_config_new: %s",
	    sock_strerror(errno));
	ck_assert_str_eq(sock_tls_config_error(cfg), "");
	return cfg;
}

/* A configuration with the key pair NAME.crt, NAME.key. */
static struct sock_tls_config *
server_config(const char *name)
{
	struct sock_tls_config *cfg = config_new();
	char crt[64], key[64];

	snprintf(crt, sizeof crt, "%s.crt", name);
	snprintf(key, sizeof key, "%s.key", name);
	ck_assert_msg(sock_tls_config_set_keypair_file(cfg, cert(crt),
	    cert(key)) == 0, "key pair %s: %s", name,
	    sock_tls_config_error(cfg));
	return cfg;
}

/* A configuration that trusts the certificates of the file CA. */
static struct sock_tls_config *
client_config(const char *ca)
{
	struct sock_tls_config *cfg = config_new();

	ck_assert_int_eq(sock_tls_config_set_ca_file(cfg, cert(ca)), 0);
	return cfg;
}

/* A TLS listener on address with cfg; every wait bounded by WAIT_MS. */
static struct sock *
tls_listen_on(struct sock_tls_config *cfg, const char *address, int *port)
{
	struct sock_addr a;
	struct sock *l;

	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_tls_config(l, cfg), 0);
	ck_assert_int_eq(sock_set_timeout(l, WAIT_MS), 0);
	ck_assert_int_eq(sock_set_handshake_timeout(l, WAIT_MS), 0);
	ck_assert_msg(sock_listen(l, address) == 0, "listen %s: %s", address,
	    sock_error(l));
	ck_assert_int_eq(sock_role(l), LIBSOCK_ROLE_PASSIVE);
	ck_assert_int_eq(sock_transport(l), LIBSOCK_TLS);
	ck_assert_int_eq(sock_local_addr(l, &a), 0);
	*port = sock_addr_port(&a);
	ck_assert_int_gt(*port, 0);
	return l;
}

static struct sock *
tls_listen(struct sock_tls_config *cfg, int *port)
{
	return tls_listen_on(cfg, "tls://127.0.0.1:0", port);
}

/* A plain TCP listener on address whose accepts give up in WAIT_MS. */
static struct sock *
tcp_listen_on(const char *address, int *port)
{
	struct sock_addr a;
	struct sock *l;

	l = tu_listen(address, NULL, 0);
	ck_assert_int_eq(sock_set_timeout(l, WAIT_MS), 0);
	ck_assert_int_eq(sock_local_addr(l, &a), 0);
	*port = sock_addr_port(&a);
	return l;
}

static struct sock *
tcp_listen(int *port)
{
	return tcp_listen_on("tcp://127.0.0.1:0", port);
}

/* A client object with cfg (or the default) and bounded waits. */
static struct sock *
tls_client(struct sock_tls_config *cfg)
{
	struct sock *c;

	c = sock_new();
	ck_assert_ptr_nonnull(c);
	if (cfg != NULL)
		ck_assert_int_eq(sock_set_tls_config(c, cfg), 0);
	ck_assert_int_eq(sock_set_timeout(c, WAIT_MS), 0);
	ck_assert_int_eq(sock_set_handshake_timeout(c, WAIT_MS), 0);
	return c;
}

static void
connect_ok(struct sock *c, const char *text)
{
	ck_assert_msg(sock_connect(c, text) == 0, "connect %s: %s", text,
	    sock_error(c));
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_ACTIVE);
	ck_assert_int_eq(sock_transport(c), LIBSOCK_TLS);
}

/* The last failure on s was code, with errno err, and says cause. */
static void
assert_failure(struct sock *s, int err, int code, const char *cause,
    const char *what)
{
	ck_assert_msg(sock_error_code(s) == code,
	    "%s: code %d (%s), want %d (%s); message \"%s\"", what,
	    sock_error_code(s), sock_strerror(sock_error_code(s)), code,
	    sock_strerror(code), sock_error(s));
	ck_assert_msg(err == code, "%s: errno %d (%s), want %d (%s)", what,
	    err, sock_strerror(err), code, sock_strerror(code));
	if (cause != NULL)
		ck_assert_msg(strstr(sock_error(s), cause) != NULL,
		    "%s: \"%s\" does not say \"%s\"", what, sock_error(s),
		    cause);
}

/* A connect that must fail; the object is NEW again, without a fd. */
static void
connect_refused(struct sock *c, const char *text, int code,
    const char *cause)
{
	int rc, err;

	rc = sock_connect(c, text);
	err = errno;
	ck_assert_msg(rc == -1, "connect %s succeeded", text);
	assert_failure(c, err, code, cause, text);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(c), -1);
}

/* msg goes out and comes back (from an echoing peer). */
static void
echo_ok(struct sock *c, const char *msg)
{
	char buf[256];
	size_t len = strlen(msg);

	ck_assert_uint_le(len, sizeof buf);
	ck_assert_msg(sock_send_all(c, msg, len) == (ssize_t)len,
	    "send: %s", sock_error(c));
	ck_assert_msg(sock_recv_exact(c, buf, len) == (ssize_t)len,
	    "recv: %s", sock_error(c));
	ck_assert_mem_eq(buf, msg, len);
}

/* The whole content of a certificate file, NUL-terminated; free it. */
static char *
slurp(const char *name, size_t *len)
{
	char *buf;
	FILE *f;
	long n;

	f = fopen(cert(name), "r");
	ck_assert_msg(f != NULL, "%s: %s", cert(name), strerror(errno));
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, 0);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	buf[n] = '\0';
	*len = (size_t)n;
	return buf;
}

static void
set_nonblock(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	ck_assert_int_ne(flags, -1);
	ck_assert_int_eq(fcntl(fd, F_SETFL, flags | O_NONBLOCK), 0);
}

/* ------------------------------------------------------------ the peer */

/* What the peer thread does with the connection it accepts. */
enum serve_mode {
	SERVE_ECHO,		/* handshake, then echo until the end */
	SERVE_RECV_FIRST,	/* no explicit handshake: the first recv */
	SERVE_CLOSE,		/* handshake, then close at once */
	SERVE_TRUNCATE,		/* "data", then TCP FIN without close_notify */
	SERVE_SHUTDOWN_WR,	/* "bye", sock_shutdown(SHUT_WR), read on */
	SERVE_SEND_CLOSE,	/* "bye", then sock_close */
	SERVE_RECORD,		/* 100 bytes in one record, then wait */
	SERVE_STARTTLS		/* plain "STARTTLS\n" / "GO\n", then TLS echo */
};

struct peer {
	struct sock		*listener;
	struct sock_tls_config	*cfg;		/* SERVE_STARTTLS */
	enum serve_mode		 mode;
	pthread_t		 thread;
	/* Results, read after peer_join. */
	int			 accepted;
	int			 hs_code;	/* its failure, or 0 */
	char			 hs_error[1024];
	int			 again_code;	/* the next call after it */
	int			 transport;
	char			 version[32];
	char			 alpn[64];
	char			 subject[256];
	int			 subject_code;	/* ENOENT: no certificate */
	int			 verified;
	int			 shut_rc;
	int			 end_code;	/* 0: clean end of stream */
	char			 end_error[1024];
	size_t			 echoed;
	size_t			 late;		/* bytes read after our part */
};

static void
peer_failed(struct peer *p, struct sock *c, const char *what)
{
	char buf[16];

	p->hs_code = sock_error_code(c);
	snprintf(p->hs_error, sizeof p->hs_error, "%s: %s", what,
	    sock_error(c));
	/* A failed handshake stays failed. */
	if (sock_recv(c, buf, sizeof buf) == -1)
		p->again_code = sock_error_code(c);
}

/* The handshake in the way the mode asks; 0 when done. */
static int
peer_handshake(struct peer *p, struct sock *c)
{
	char buf[16];
	ssize_t n;

	switch (p->mode) {
	case SERVE_RECV_FIRST:
		if ((n = sock_recv(c, buf, sizeof buf)) < 0) {
			peer_failed(p, c, "first recv");
			return -1;
		}
		/* Echoed like the rest. */
		if (n > 0 && sock_send_all(c, buf, (size_t)n) == n)
			p->echoed += (size_t)n;
		return 0;
	case SERVE_STARTTLS:
		if (sock_recv_exact(c, buf, 9) != 9 ||
		    memcmp(buf, "STARTTLS\n", 9) != 0 ||
		    sock_send_all(c, "GO\n", 3) != 3) {
			peer_failed(p, c, "STARTTLS exchange");
			return -1;
		}
		if (sock_set_tls_config(c, p->cfg) == -1 ||
		    sock_starttls(c, LIBSOCK_TLS_SERVER) == -1) {
			peer_failed(p, c, "starttls");
			return -1;
		}
		return 0;
	default:
		if (sock_tls_handshake(c) == -1) {
			peer_failed(p, c, "handshake");
			return -1;
		}
		return 0;
	}
}

static void
copy_text(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src != NULL ? src : "(null)");
}

static void
peer_info(struct peer *p, struct sock *c)
{
	const char *subject;

	p->transport = sock_transport(c);
	copy_text(p->version, sizeof p->version, sock_tls_version(c));
	copy_text(p->alpn, sizeof p->alpn, sock_tls_alpn(c));
	subject = sock_tls_peer_subject(c);
	p->subject_code = subject == NULL ? sock_error_code(c) : 0;
	copy_text(p->subject, sizeof p->subject, subject);
	p->verified = sock_tls_peer_verified(c);
}

/* Read until the client ends (counting the bytes); note how it ended. */
static void
peer_read_to_end(struct peer *p, struct sock *c)
{
	char buf[CHUNK];
	ssize_t n;

	while ((n = sock_recv(c, buf, sizeof buf)) > 0)
		p->late += (size_t)n;
	if (n == -1) {
		p->end_code = sock_error_code(c);
		copy_text(p->end_error, sizeof p->end_error, sock_error(c));
	}
}

static void
peer_echo(struct peer *p, struct sock *c)
{
	char buf[CHUNK];
	ssize_t n;

	while ((n = sock_recv(c, buf, sizeof buf)) > 0) {
		if (sock_send_all(c, buf, (size_t)n) != n)
			break;
		p->echoed += (size_t)n;
	}
	if (n != 0) {
		p->end_code = sock_error_code(c);
		copy_text(p->end_error, sizeof p->end_error, sock_error(c));
	}
}

static void
peer_serve(struct peer *p, struct sock *c)
{
	char record[100];

	switch (p->mode) {
	case SERVE_ECHO:
	case SERVE_RECV_FIRST:
	case SERVE_STARTTLS:
		peer_echo(p, c);
		break;
	case SERVE_CLOSE:
		break;
	case SERVE_TRUNCATE:
		/* Past TLS: the TCP stream ends, no close_notify before. */
		if (sock_send_all(c, "data", 4) == 4)
			p->shut_rc = shutdown(sock_fd(c), SHUT_WR);
		peer_read_to_end(p, c);
		break;
	case SERVE_SHUTDOWN_WR:
		if (sock_send_all(c, "bye", 3) == 3)
			p->shut_rc = sock_shutdown(c, SHUT_WR);
		peer_read_to_end(p, c);
		break;
	case SERVE_SEND_CLOSE:
		if (sock_send_all(c, "bye", 3) == 3)
			p->shut_rc = sock_close(c);
		break;
	case SERVE_RECORD:
		memset(record, 'r', sizeof record);
		if (sock_send(c, record, sizeof record) != sizeof record)
			p->shut_rc = -1;
		peer_read_to_end(p, c);
		break;
	}
}

static void *
peer_main(void *arg)
{
	struct peer *p = arg;
	struct sock *c;

	if ((c = sock_accept(p->listener)) == NULL) {
		p->hs_code = sock_error_code(p->listener);
		snprintf(p->hs_error, sizeof p->hs_error, "accept: %s",
		    sock_error(p->listener));
		return NULL;
	}
	p->accepted = 1;
	if (peer_handshake(p, c) == 0) {
		peer_info(p, c);
		peer_serve(p, c);
	}
	sock_free(c);
	return NULL;
}

/* A thread that accepts one connection on l and serves it as mode says. */
static void
peer_start(struct peer *p, struct sock *l, enum serve_mode mode)
{
	memset(p, 0, sizeof *p);
	p->listener = l;
	p->mode = mode;
	ck_assert_int_eq(pthread_create(&p->thread, NULL, peer_main, p), 0);
}

static void
peer_join(struct peer *p)
{
	ck_assert_int_eq(pthread_join(p->thread, NULL), 0);
}

/* The same for SERVE_STARTTLS, with the configuration it upgrades with. */
static void
peer_start_starttls(struct peer *p, struct sock *l,
    struct sock_tls_config *cfg)
{
	memset(p, 0, sizeof *p);
	p->listener = l;
	p->mode = SERVE_STARTTLS;
	p->cfg = cfg;
	ck_assert_int_eq(pthread_create(&p->thread, NULL, peer_main, p), 0);
}

/* The peer accepted, completed its handshake and saw a clean end. */
static void
peer_assert_clean(const struct peer *p)
{
	ck_assert_msg(p->accepted && p->hs_code == 0, "peer: %s",
	    p->hs_error);
	ck_assert_msg(p->end_code == 0, "peer's end: %s", p->end_error);
}

/* ------------------------------------------------------------ openssl */

/* The openssl command running as a peer; its output goes to text. */
struct proc {
	pid_t	pid;
	int	out;		/* its standard output and error */
	int	in;		/* its standard input, or -1 */
	char	text[16384];
	size_t	len;
};

/*
 * Start "openssl args...".  With keep_stdin its standard input is a pipe
 * kept open until proc_end (s_server ends a session at the end of its
 * input); else /dev/null.
 */
static void
proc_start(struct proc *p, const char *const args[], int keep_stdin)
{
	char *argv[32];
	int out[2], in[2] = { -1, -1 }, fd;
	size_t i;

	argv[0] = (char *)(uintptr_t)openssl_cmd();
	for (i = 0; args[i] != NULL && i < 30; i++)
		argv[i + 1] = (char *)(uintptr_t)args[i];
	argv[i + 1] = NULL;
	memset(p, 0, sizeof *p);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	if (keep_stdin)
		ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	p->pid = fork();
	ck_assert_int_ne(p->pid, -1);
	if (p->pid == 0) {
		fd = keep_stdin ? in[0] : open("/dev/null", O_RDONLY);
		if (fd == -1 || dup2(fd, 0) == -1 || dup2(out[1], 1) == -1 ||
		    dup2(out[1], 2) == -1)
			_exit(126);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(out[1]);
	p->out = out[0];
	p->in = -1;
	if (keep_stdin) {
		close(in[0]);
		p->in = in[1];
	}
}

/* Read more output, waiting until deadline; 0 at its end or deadline. */
static int
proc_read(struct proc *p, long long deadline)
{
	struct pollfd pfd;
	long long left;
	ssize_t n;

	if ((left = deadline - tu_now_ms()) <= 0)
		return 0;
	pfd.fd = p->out;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, (int)left) <= 0)
		return errno == EINTR;
	n = read(p->out, p->text + p->len, sizeof p->text - 1 - p->len);
	if (n <= 0)
		return 0;
	p->len += (size_t)n;
	p->text[p->len] = '\0';
	return 1;
}

/* Wait until the output holds a whole line starting with prefix. */
static const char *
proc_wait_line(struct proc *p, const char *prefix)
{
	long long deadline = tu_now_ms() + slow(2 * WAIT_MS);
	const char *at;

	for (;;) {
		if ((at = strstr(p->text, prefix)) != NULL &&
		    strchr(at, '\n') != NULL)
			return at + strlen(prefix);
		if (!proc_read(p, deadline))
			return NULL;
	}
}

/* Stop (if stop) and reap the process; its wait status. */
static int
proc_end(struct proc *p, int stop)
{
	long long deadline = tu_now_ms() + slow(2 * WAIT_MS);
	int status = 0;

	if (stop)
		kill(p->pid, SIGTERM);
	if (p->in != -1)
		close(p->in);
	while (proc_read(p, deadline))
		continue;
	while (waitpid(p->pid, &status, WNOHANG) == 0) {
		if (tu_now_ms() > deadline) {
			kill(p->pid, SIGKILL);
			ck_assert_int_eq(waitpid(p->pid, &status, 0), p->pid);
			break;
		}
		usleep(10000);
	}
	close(p->out);
	return status;
}

/* ------------------------------------------------- handshake and details */

/* "sha256 Fingerprint=AB:..." from openssl, as "SHA256:AB:...". */
static void
expected_fingerprint(char *buf, size_t size)
{
	char line[256], *eq, *nl;
	FILE *f;

	f = fopen(cert("server.fp"), "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	fclose(f);
	eq = strchr(line, '=');
	ck_assert_ptr_nonnull(eq);
	if ((nl = strchr(eq, '\n')) != NULL)
		*nl = '\0';
	snprintf(buf, size, "SHA256:%s", eq + 1);
}

START_TEST(test_tls13_handshake_echo_and_peer_details)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	char fp[128], want[128], small[10];
	time_t nb = 0, na = 0, now = time(NULL);
	const char *cipher;
	struct sock *l, *c;
	struct peer p;
	int port;

	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	echo_ok(c, "hello over TLS");

	ck_assert_str_eq(sock_tls_version(c), "TLSv1.3");
	cipher = sock_tls_cipher(c);
	ck_assert_msg(cipher != NULL && strncmp(cipher, "TLS_", 4) == 0,
	    "TLS 1.3 cipher: %s", cipher != NULL ? cipher : "(null)");
	ck_assert_str_eq(sock_tls_alpn(c), "");
	ck_assert_str_eq(sock_tls_peer_subject(c), "CN=localhost");
	ck_assert_str_eq(sock_tls_peer_issuer(c), "CN=libsock test CA");
	ck_assert_int_eq(sock_tls_peer_validity(c, &nb, &na), 0);
	ck_assert_msg(nb <= now + 60 && na > now, "validity %lld..%lld, "
	    "now %lld", (long long)nb, (long long)na, (long long)now);
	ck_assert_msg(na - nb >= 364 * DAY && na - nb <= 366 * DAY,
	    "valid for %lld s, not a year", (long long)(na - nb));
	ck_assert_int_eq(sock_tls_peer_validity(c, NULL, &na), 0);
	ck_assert_int_eq(sock_tls_peer_validity(c, &nb, NULL), 0);

	expected_fingerprint(want, sizeof want);
	ck_assert_int_eq(sock_tls_peer_fingerprint(c, fp, sizeof fp), 102);
	ck_assert_str_eq(fp, want);
	/* Like snprintf: the full length, a truncated text. */
	ck_assert_int_eq(sock_tls_peer_fingerprint(c, small, sizeof small),
	    102);
	ck_assert_int_eq(strncmp(small, want, sizeof small - 1), 0);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	ck_assert_int_eq(sock_tls_peer_fingerprint(c, NULL, 0), 102);
	ck_assert_int_eq(sock_tls_peer_verified(c), 1);
	ck_assert_int_eq(sock_tls_pending(c), 0);

	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	ck_assert_int_eq(p.transport, LIBSOCK_TLS);
	ck_assert_str_eq(p.version, "TLSv1.3");
	ck_assert_uint_eq(p.echoed, strlen("hello over TLS"));
	/* No client certificate: nothing to name, nothing verified. */
	ck_assert_int_eq(p.subject_code, ENOENT);
	ck_assert_int_eq(p.verified, 0);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

/* One echo over a new connection; whether its session was resumed. */
static int
connect_echo_reused(struct sock *l, struct sock_tls_config *ccfg, int port)
{
	struct sock *c;
	struct peer p;
	int reused;

	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	/* TLS 1.3 tickets come after the handshake: read the echo first. */
	echo_ok(c, "resume me");
	reused = sock_tls_session_reused(c);
	ck_assert_int_ne(reused, -1);
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	return reused;
}

/*
 * Sessions are resumed by default, through the shared configuration,
 * and never across a change of its settings (a resumed session skips
 * verification).
 */
START_TEST(test_session_resumed_through_shared_config)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l;
	int port;

	l = tls_listen(scfg, &port);
	ck_assert_int_eq(connect_echo_reused(l, ccfg, port), 0);
	ck_assert_int_eq(connect_echo_reused(l, ccfg, port), 1);
	ck_assert_int_eq(connect_echo_reused(l, ccfg, port), 1);
	ck_assert_int_eq(sock_tls_config_set_ca_file(ccfg, cert("ca.crt")),
	    0);
	ck_assert_int_eq(connect_echo_reused(l, ccfg, port), 0);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_tls12_when_client_limits_protocols)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	const char *cipher;
	struct sock *l, *c;
	struct peer p;
	int port;

	ck_assert_int_eq(sock_tls_config_set_protocols(ccfg, LIBSOCK_TLS_1_2),
	    0);
	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	echo_ok(c, "hello over TLS 1.2");
	ck_assert_str_eq(sock_tls_version(c), "TLSv1.2");
	/* The policy: ECDHE with an AEAD (the key is ECDSA). */
	cipher = sock_tls_cipher(c);
	ck_assert_ptr_nonnull(cipher);
	ck_assert_msg(strncmp(cipher, "ECDHE-ECDSA-", 12) == 0 &&
	    (strstr(cipher, "GCM") != NULL ||
	    strstr(cipher, "CHACHA20-POLY1305") != NULL),
	    "TLS 1.2 cipher %s is not ECDHE with an AEAD", cipher);
	ck_assert_int_eq(sock_tls_peer_verified(c), 1);
	ck_assert_str_eq(sock_tls_peer_subject(c), "CN=localhost");
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	ck_assert_str_eq(p.version, "TLSv1.2");
	sock_free(l);
	sock_tls_config_free(scfg);

	/* The same from the server's side: a 1.2-only server. */
	scfg = server_config("server");
	ck_assert_int_eq(sock_tls_config_set_protocols(scfg, LIBSOCK_TLS_1_2),
	    0);
	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(NULL);
	ck_assert_int_eq(sock_tls_config_set_protocols(ccfg,
	    LIBSOCK_TLS_DEFAULT), 0);
	ck_assert_int_eq(sock_set_tls_config(c, ccfg), 0);
	connect_ok(c, url("tls://localhost:%d", port));
	echo_ok(c, "hello");
	ck_assert_str_eq(sock_tls_version(c), "TLSv1.2");
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_ipv4_literal_verified_by_ip_san)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	struct peer p;
	int port;

	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://127.0.0.1:%d", port));
	echo_ok(c, "by address");
	ck_assert_int_eq(sock_tls_peer_verified(c), 1);
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);

	/* A server name given for a literal address replaces it. */
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	ck_assert_int_eq(sock_set_tls_server_name(c, "localhost"), 0);
	connect_ok(c, url("tls://127.0.0.1:%d", port));
	echo_ok(c, "by name");
	ck_assert_int_eq(sock_tls_peer_verified(c), 1);
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_ipv6_literal_verified_by_ip_san)
{
	struct sock_tls_config *scfg, *ccfg;
	struct sock *l, *c;
	struct peer p;
	int port;

	if (!tu_have_ipv6())
		TU_SKIP("no IPv6 on this host");
	scfg = server_config("server");
	ccfg = client_config("ca.crt");
	l = tls_listen_on(scfg, "tls://[::1]:0", &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://[::1]:%d", port));
	echo_ok(c, "over IPv6");
	ck_assert_int_eq(sock_tls_peer_verified(c), 1);
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_trailing_dot_name_verifies)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock_addr a[4];
	struct sock *l, *c;
	struct peer p;
	int port;

	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	ck_assert_int_eq(sock_set_tls_server_name(c, "localhost."), 0);
	connect_ok(c, url("tls://127.0.0.1:%d", port));
	echo_ok(c, "fully qualified");
	ck_assert_int_eq(sock_tls_peer_verified(c), 1);
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);

	/* In the address text too, where the resolver knows the name. */
	if (sock_addr_resolve(url("tls://localhost.:%d", port), a, 4) < 1) {
		printf("NOTE test_trailing_dot_name_verifies: \"localhost.\" "
		    "does not resolve here; checked through "
		    "sock_set_tls_server_name only\n");
	} else {
		peer_start(&p, l, SERVE_ECHO);
		c = tls_client(ccfg);
		connect_ok(c, url("tls://localhost.:%d", port));
		echo_ok(c, "fully qualified text");
		ck_assert_int_eq(sock_tls_peer_verified(c), 1);
		sock_free(c);
		peer_join(&p);
		peer_assert_clean(&p);
	}
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_send_and_receive_calls_over_tls)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct iovec iov[3], in[2];
	char a[8], b[8], buf[32];
	struct sock *l, *c;
	struct peer p;
	ssize_t n;
	int port;

	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	iov[0].iov_base = "one,";
	iov[0].iov_len = 4;
	iov[1].iov_base = "two,";
	iov[1].iov_len = 4;
	iov[2].iov_base = "three";
	iov[2].iov_len = 5;
	ck_assert_int_eq(sock_sendv_all(c, iov, 3), 13);
	ck_assert_int_eq(iov[0].iov_len, 4);	/* the caller's, unchanged */
	ck_assert_int_eq(sock_recv_exact(c, buf, 13), 13);
	ck_assert_mem_eq(buf, "one,two,three", 13);

	/* sendv may stop after a piece; recvv fills the first one first. */
	n = sock_sendv(c, iov, 3);
	ck_assert_int_ge(n, 4);
	ck_assert_int_le(n, 13);
	in[0].iov_base = a;
	in[0].iov_len = sizeof a;
	in[1].iov_base = b;
	in[1].iov_len = sizeof b;
	ck_assert_int_eq(sock_recv_exact(c, buf, (size_t)n), n);
	ck_assert_mem_eq(buf, "one,two,three", (size_t)n);
	ck_assert_int_eq(sock_send_all(c, "recvv", 5), 5);
	n = sock_recvv(c, in, 2);
	ck_assert_int_ge(n, 1);
	ck_assert_mem_eq(a, "recvv", (size_t)n < 5 ? (size_t)n : 5);
	ck_assert_int_eq(sock_send(c, "", 0), 0);
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

/* ------------------------------------------------------------ refusals */

START_TEST(test_wrong_name_refused_with_hostname_mismatch)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	char want[256];
	struct sock *l, *c;
	struct peer p;
	int port;

	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	ck_assert_int_eq(sock_set_tls_server_name(c, "example.org"), 0);
	connect_refused(c, url("tls://127.0.0.1:%d", port), LIBSOCK_EVERIFY,
	    "hostname mismatch (expected example.org)");
	snprintf(want, sizeof want, "connect tls://127.0.0.1:%d: certificate "
	    "verify failed: hostname mismatch (expected example.org)", port);
	ck_assert_str_eq(sock_error(c), want);
	peer_join(&p);
	ck_assert(p.accepted);
	ck_assert_int_ne(p.hs_code, 0);

	/* The failed object is NEW again: it connects once the name fits. */
	peer_start(&p, l, SERVE_ECHO);
	ck_assert_int_eq(sock_set_tls_server_name(c, NULL), 0);
	connect_ok(c, url("tls://localhost:%d", port));
	echo_ok(c, "second try");
	ck_assert_int_eq(sock_tls_peer_verified(c), 1);
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

/* One connect to a server with key pair name that must fail. */
static void
refusal(const char *name, struct sock_tls_config *ccfg,
    const char *server_name, const char *host, int code, const char *cause)
{
	struct sock_tls_config *scfg = server_config(name);
	struct sock *l, *c;
	struct peer p;
	int port;

	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	if (server_name != NULL)
		ck_assert_int_eq(sock_set_tls_server_name(c, server_name), 0);
	connect_refused(c, url("tls://%s:%d", host, port), code, cause);
	ck_assert_msg(strstr(sock_error(c), url("tls://%s:%d", host,
	    port)) != NULL, "\"%s\" does not name the address",
	    sock_error(c));
	peer_join(&p);
	ck_assert(p.accepted);
	ck_assert_msg(p.hs_code != 0, "the server completed a handshake the "
	    "client refused");
	sock_free(c);
	sock_free(l);
	sock_tls_config_free(scfg);
}

START_TEST(test_untrusted_by_default_config_refused)
{
	/* The system store knows nothing of the test CA. */
	refusal("other", NULL, "other.localhost", "127.0.0.1",
	    LIBSOCK_EVERIFY, "certificate verify failed: unable to get local "
	    "issuer certificate");
	/* A chain ending in a root nobody trusts: refused too. */
	refusal("server", NULL, NULL, "localhost", LIBSOCK_EVERIFY,
	    "certificate verify failed: ");
}
END_TEST

START_TEST(test_other_ca_refused)
{
	struct sock_tls_config *ccfg = client_config("other-ca.crt");

	refusal("other", ccfg, "other.localhost", "127.0.0.1",
	    LIBSOCK_EVERIFY, "certificate verify failed: unable to get local "
	    "issuer certificate");
	refusal("server", ccfg, NULL, "localhost", LIBSOCK_EVERIFY,
	    "certificate verify failed: ");
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_self_signed_refused)
{
	struct sock_tls_config *ccfg = client_config("ca.crt");

	/* "self-signed certificate" (OpenSSL 3), "self signed" before. */
	refusal("self", ccfg, NULL, "localhost", LIBSOCK_EVERIFY,
	    "signed certificate");
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_expired_refused)
{
	struct sock_tls_config *ccfg = client_config("ca.crt");

	refusal("expired", ccfg, NULL, "localhost", LIBSOCK_EVERIFY,
	    "certificate verify failed: certificate has expired");
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_ip_not_in_san_refused)
{
	struct sock_tls_config *ccfg = client_config("ca.crt");

	/* wrong.crt names wrong.example only: no IP address at all. */
	refusal("wrong", ccfg, NULL, "127.0.0.1", LIBSOCK_EVERIFY,
	    "certificate verify failed: IP address mismatch (expected "
	    "127.0.0.1)");
	/* A name the certificate lacks, likewise. */
	refusal("wrong", ccfg, NULL, "localhost", LIBSOCK_EVERIFY,
	    "hostname mismatch (expected localhost)");
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_no_name_to_verify_refused)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock_addr a;
	struct sock *l, *c;
	struct peer p;
	int rc, err, port;

	l = tls_listen(scfg, &port);
	ck_assert_int_eq(sock_addr_parse(&a, url("tls://127.0.0.1:%d", port)),
	    0);
	ck_assert_int_eq(a.transport, LIBSOCK_TLS);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	rc = sock_connect_addr(c, &a);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(c, err, LIBSOCK_EVERIFY, "no server name to verify",
	    "connect_addr without a name");
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(c), -1);
	peer_join(&p);
	ck_assert_int_ne(p.hs_code, 0);

	/* With a name it works: the address alone was the problem. */
	peer_start(&p, l, SERVE_ECHO);
	ck_assert_int_eq(sock_set_tls_server_name(c, "localhost"), 0);
	ck_assert_msg(sock_connect_addr(c, &a) == 0, "connect_addr: %s",
	    sock_error(c));
	echo_ok(c, "named");
	ck_assert_int_eq(sock_tls_peer_verified(c), 1);
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_noverifycert_accepts_self_signed_unverified)
{
	struct sock_tls_config *scfg = server_config("self");
	struct sock_tls_config *ccfg = config_new();
	struct sock *l, *c;
	struct peer p;
	int port;

	ck_assert_int_eq(sock_tls_config_insecure_noverifycert(ccfg), 0);
	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	ck_assert_int_eq(sock_set_tls_server_name(c, "example.org"), 0);
	connect_ok(c, url("tls://127.0.0.1:%d", port));
	echo_ok(c, "unchecked");
	ck_assert_int_eq(sock_tls_peer_verified(c), 0);
	ck_assert_str_eq(sock_tls_peer_subject(c), "CN=localhost");
	ck_assert_str_eq(sock_tls_peer_issuer(c), "CN=localhost");
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_noverifyname_accepts_wrong_name_not_untrusted_chain)
{
	struct sock_tls_config *scfg = server_config("wrong");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	struct peer p;
	int port;

	ck_assert_int_eq(sock_tls_config_insecure_noverifyname(ccfg), 0);
	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	echo_ok(c, "name unchecked");
	ck_assert_str_eq(sock_tls_peer_subject(c), "CN=wrong.example");
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);

	/* The chain is still checked. */
	ccfg = client_config("other-ca.crt");
	ck_assert_int_eq(sock_tls_config_insecure_noverifyname(ccfg), 0);
	refusal("other", ccfg, NULL, "localhost", LIBSOCK_EVERIFY,
	    "unable to get local issuer certificate");
	refusal("self", ccfg, NULL, "localhost", LIBSOCK_EVERIFY,
	    "signed certificate");
	sock_tls_config_free(ccfg);
}
END_TEST

/* ------------------------------------------------------------ SNI */

/* A client connecting in a thread while the test reads its hello. */
struct hello_client {
	struct sock_tls_config	*cfg;
	const char		*name;		/* server name, or NULL */
	char			 text[128];
	pthread_t		 thread;
	int			 rc;
};

static void *
hello_client_main(void *arg)
{
	struct hello_client *h = arg;
	struct sock *s;

	if ((s = sock_new()) == NULL)
		return NULL;
	(void)sock_set_tls_config(s, h->cfg);
	(void)sock_set_timeout(s, WAIT_MS);
	if (h->name != NULL)
		(void)sock_set_tls_server_name(s, h->name);
	h->rc = sock_connect(s, h->text);
	sock_free(s);
	return NULL;
}

/* Big-endian numbers of a ClientHello, read with bounds. */
struct cursor {
	const unsigned char	*p;
	size_t			 left;
};

static int
take(struct cursor *c, size_t n, size_t *value)
{
	size_t i;

	if (c->left < n)
		return -1;
	*value = 0;
	for (i = 0; i < n; i++)
		*value = *value << 8 | c->p[i];
	c->p += n;
	c->left -= n;
	return 0;
}

static int
skip_vector(struct cursor *c, size_t lenbytes)
{
	size_t n;

	if (take(c, lenbytes, &n) == -1 || c->left < n)
		return -1;
	c->p += n;
	c->left -= n;
	return 0;
}

/*
 * The server_name of a ClientHello record (RFC 6066 §3): 1 with the name
 * in name, 0 when there is no such extension, -1 if malformed.
 */
static int
hello_sni(const unsigned char *rec, size_t len, char *name, size_t size)
{
	struct cursor c = { rec, len };
	size_t v, ext_type, ext_len, n;
	struct cursor ext;

	if (take(&c, 1, &v) == -1 || v != 22 ||	/* handshake */
	    take(&c, 4, &v) == -1 ||			/* version, length */
	    take(&c, 1, &v) == -1 || v != 1 ||		/* client_hello */
	    take(&c, 3, &v) == -1 || take(&c, 2, &v) == -1 ||
	    c.left < 32)
		return -1;
	c.p += 32;					/* random */
	c.left -= 32;
	if (skip_vector(&c, 1) == -1 || skip_vector(&c, 2) == -1 ||
	    skip_vector(&c, 1) == -1 || take(&c, 2, &v) == -1 || c.left < v)
		return -1;
	c.left = v;
	while (c.left > 0) {
		if (take(&c, 2, &ext_type) == -1 ||
		    take(&c, 2, &ext_len) == -1 || c.left < ext_len)
			return -1;
		ext.p = c.p;
		ext.left = ext_len;
		c.p += ext_len;
		c.left -= ext_len;
		if (ext_type != 0)
			continue;
		if (take(&ext, 2, &v) == -1 || take(&ext, 1, &v) == -1 ||
		    v != 0 || take(&ext, 2, &n) == -1 || ext.left < n ||
		    n >= size)
			return -1;
		memcpy(name, ext.p, n);
		name[n] = '\0';
		return 1;
	}
	return 0;
}

/* The ClientHello a libsock client sends for text (and name), SNI of it. */
static int
sni_sent(const char *host, const char *name, char *sni, size_t size)
{
	struct sock_tls_config *ccfg = client_config("ca.crt");
	unsigned char rec[5 + 16384];
	struct hello_client h;
	struct sock *l, *a;
	size_t body;
	int port, rc;

	l = tcp_listen_on(host[0] == '[' ? "tcp://[::1]:0" :
	    "tcp://127.0.0.1:0", &port);
	memset(&h, 0, sizeof h);
	h.cfg = ccfg;
	h.name = name;
	snprintf(h.text, sizeof h.text, "tls://%s:%d", host, port);
	ck_assert_int_eq(pthread_create(&h.thread, NULL, hello_client_main,
	    &h), 0);
	a = tu_accept(l);
	ck_assert_msg(sock_recv_exact(a, rec, 5) == 5, "record header: %s",
	    sock_error(a));
	body = (size_t)rec[3] << 8 | rec[4];
	ck_assert_uint_le(body, sizeof rec - 5);
	ck_assert_msg(sock_recv_exact(a, rec + 5, body) == (ssize_t)body,
	    "ClientHello: %s", sock_error(a));
	/* Closing now ends the client's handshake at once. */
	sock_free(a);
	ck_assert_int_eq(pthread_join(h.thread, NULL), 0);
	ck_assert_int_eq(h.rc, -1);
	rc = hello_sni(rec, 5 + body, sni, size);
	ck_assert_msg(rc != -1, "the ClientHello for %s does not parse",
	    h.text);
	sock_free(l);
	sock_tls_config_free(ccfg);
	return rc;
}

START_TEST(test_sni_is_host_name_without_trailing_dot)
{
	char sni[300];

	ck_assert_int_eq(sni_sent("localhost", NULL, sni, sizeof sni), 1);
	ck_assert_str_eq(sni, "localhost");
	ck_assert_int_eq(sni_sent("127.0.0.1", "localhost.", sni, sizeof sni),
	    1);
	ck_assert_str_eq(sni, "localhost");
	ck_assert_int_eq(sni_sent("127.0.0.1", "other.localhost", sni,
	    sizeof sni), 1);
	ck_assert_str_eq(sni, "other.localhost");
}
END_TEST

START_TEST(test_sni_never_an_ip_literal)
{
	char sni[300] = "";

	ck_assert_msg(sni_sent("127.0.0.1", NULL, sni, sizeof sni) == 0,
	    "SNI \"%s\" sent for an IPv4 literal", sni);
	if (!tu_have_ipv6())
		TU_SKIP("no IPv6 on this host");
	ck_assert_msg(sni_sent("[::1]", NULL, sni, sizeof sni) == 0,
	    "SNI \"%s\" sent for an IPv6 literal", sni);
}
END_TEST

START_TEST(test_sni_selects_added_keypair)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	struct peer p;
	int port;

	ck_assert_msg(sock_tls_config_add_keypair_file(scfg,
	    cert("other.crt"), cert("other.key")) == 0, "add: %s",
	    sock_tls_config_error(scfg));
	l = tls_listen(scfg, &port);

	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	ck_assert_int_eq(sock_set_tls_server_name(c, "other.localhost"), 0);
	connect_ok(c, url("tls://127.0.0.1:%d", port));
	echo_ok(c, "to the other name");
	ck_assert_str_eq(sock_tls_peer_subject(c), "CN=other.localhost");
	ck_assert_int_eq(sock_tls_peer_verified(c), 1);
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);

	/* Any other name, or none, gets the default pair. */
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	ck_assert_str_eq(sock_tls_peer_subject(c), "CN=localhost");
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);

	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://127.0.0.1:%d", port));
	ck_assert_str_eq(sock_tls_peer_subject(c), "CN=localhost");
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

/* ------------------------------------------------------------ versions */

START_TEST(test_tls12_client_against_tls13_server_fails_etls)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	struct peer p;
	int port;

	ck_assert_int_eq(sock_tls_config_set_protocols(scfg, LIBSOCK_TLS_1_3),
	    0);
	ck_assert_int_eq(sock_tls_config_set_protocols(ccfg, LIBSOCK_TLS_1_2),
	    0);
	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_RECV_FIRST);
	c = tls_client(ccfg);
	connect_refused(c, url("tls://127.0.0.1:%d", port), LIBSOCK_ETLS,
	    url("connect tls://127.0.0.1:%d: TLS: ", port));
	peer_join(&p);
	ck_assert(p.accepted);
	ck_assert_msg(p.hs_code == LIBSOCK_ETLS, "server: %s", p.hs_error);
	ck_assert_int_eq(p.again_code, LIBSOCK_ETLS);
	sock_free(c);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

/*
 * An openssl.cnf that allows TLS 1.0 and every cipher, for this test's
 * process (OpenSSL reads it when first used, which is in the test's own
 * forked process) and for the openssl commands it starts: the floor and
 * the cipher policy must hold whatever the system's configuration says.
 */
static void
use_permissive_openssl_conf(void)
{
	const char *path = cert("permissive.cnf");
	FILE *f;

	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs("openssl_conf = conf\n"
	    "[conf]\nssl_conf = ssl\n"
	    "[ssl]\nsystem_default = sys\n"
	    "[sys]\nMinProtocol = TLSv1\n"
	    "CipherString = DEFAULT:@SECLEVEL=0\n", f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(setenv("OPENSSL_CONF", path, 1), 0);
}

/*
 * "openssl s_client" with options against a libsock listener served by
 * a peer in mode; returns s_client's wait status, its output in proc.
 */
static int
s_client_against(struct peer *p, enum serve_mode mode,
    const char *const options[], struct proc *proc)
{
	struct sock_tls_config *scfg = server_config("server");
	const char *args[24];
	struct sock *l;
	size_t n = 0, i;
	int port, status;

	l = tls_listen(scfg, &port);
	peer_start(p, l, mode);
	args[n++] = "s_client";
	args[n++] = "-connect";
	args[n++] = url("127.0.0.1:%d", port);
	for (i = 0; options[i] != NULL && n < 23; i++)
		args[n++] = options[i];
	args[n] = NULL;
	proc_start(proc, args, 0);
	peer_join(p);
	status = proc_end(proc, 0);
	sock_free(l);
	sock_tls_config_free(scfg);
	ck_assert_msg(!WIFEXITED(status) || WEXITSTATUS(status) != 127,
	    "cannot run %s", openssl_cmd());
	ck_assert_msg(p->accepted, "s_client never connected: %s",
	    proc->text);
	return status;
}

START_TEST(test_tls11_client_refused_by_server)
{
	static const char *const tls11[] = { "-tls1_1", "-cipher",
	    "DEFAULT:@SECLEVEL=0", NULL };
	struct proc proc;
	struct peer p;
	int status;

	use_permissive_openssl_conf();
	status = s_client_against(&p, SERVE_RECV_FIRST, tls11, &proc);
	if (strstr(proc.text, "no protocols available") != NULL ||
	    strstr(proc.text, "unknown option") != NULL)
		TU_SKIP("this openssl will not speak TLS 1.1: %s",
		    proc.text);
	ck_assert_msg(p.hs_code == LIBSOCK_ETLS, "server: %s (s_client: %s)",
	    p.hs_error, proc.text);
	ck_assert_msg(strstr(p.hs_error, "TLS: ") != NULL, "server: %s",
	    p.hs_error);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0,
	    "s_client -tls1_1 succeeded: %s", proc.text);
	/* Refused for its version, not for want of a common cipher. */
	ck_assert_msg(strstr(proc.text, "alert protocol version") != NULL,
	    "s_client -tls1_1 got no protocol_version alert: %s", proc.text);
}
END_TEST

START_TEST(test_tls12_non_aead_ciphers_refused)
{
	static const char *const aead[] = { "-tls1_2", "-cipher",
	    "ECDHE-ECDSA-AES128-GCM-SHA256", NULL };
	static const char *const cbc[] = { "-tls1_2", "-cipher",
	    "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:"
	    "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA384:"
	    "@SECLEVEL=0", NULL };
	struct proc proc;
	struct peer p;
	int status;

	use_permissive_openssl_conf();
	/* The control: the same client offering an AEAD suite gets in. */
	status = s_client_against(&p, SERVE_ECHO, aead, &proc);
	peer_assert_clean(&p);
	ck_assert_str_eq(p.version, "TLSv1.2");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "s_client with ECDHE-ECDSA-AES128-GCM-SHA256: %s", proc.text);

	/* ECDHE with CBC only: nothing in common with the policy. */
	status = s_client_against(&p, SERVE_RECV_FIRST, cbc, &proc);
	ck_assert_msg(p.hs_code == LIBSOCK_ETLS, "server: %s (s_client: %s)",
	    p.hs_error, proc.text);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) != 0,
	    "s_client with CBC suites only succeeded: %s", proc.text);
}
END_TEST

START_TEST(test_tls11_server_refused_by_client)
{
	struct sock_tls_config *ccfg;
	const char *line;
	struct proc proc;
	struct sock *c;
	int port = 0, rc, err;

	use_permissive_openssl_conf();
	ccfg = client_config("ca.crt");
	{
		const char *args[] = { "s_server", "-accept", "127.0.0.1:0",
		    "-cert", cert("server.crt"), "-key", cert("server.key"),
		    "-naccept", "1", "-tls1_1", "-cipher",
		    "DEFAULT:@SECLEVEL=0", NULL };

		proc_start(&proc, args, 1);
	}
	line = proc_wait_line(&proc, "ACCEPT 127.0.0.1:");
	if (line == NULL) {
		(void)proc_end(&proc, 1);
		sock_tls_config_free(ccfg);
		if (strstr(proc.text, "no protocols available") != NULL ||
		    strstr(proc.text, "unknown option") != NULL)
			TU_SKIP("this openssl will not serve TLS 1.1: %s",
			    proc.text);
		ck_abort_msg("s_server did not start: %s", proc.text);
	}
	port = atoi(line);
	ck_assert_int_gt(port, 0);
	c = tls_client(ccfg);
	ck_assert_int_eq(sock_set_tls_server_name(c, "localhost"), 0);
	rc = sock_connect(c, url("tls://127.0.0.1:%d", port));
	err = errno;
	(void)proc_end(&proc, 1);
	ck_assert_msg(rc == -1, "connected to a TLS 1.1 server (%s)",
	    sock_tls_version(c));
	assert_failure(c, err, LIBSOCK_ETLS, "alert protocol version",
	    "connect to s_server -tls1_1");
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_NEW);
	sock_free(c);
	sock_tls_config_free(ccfg);
}
END_TEST

/* ------------------------------------------------------ client certificates */

START_TEST(test_required_client_cert_missing_fails_both_sides)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	struct peer p;
	char buf[16];
	ssize_t n;
	int port, code;

	ck_assert_int_eq(sock_tls_config_set_ca_file(scfg, cert("ca.crt")), 0);
	ck_assert_int_eq(sock_tls_config_verify_client(scfg), 0);
	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_RECV_FIRST);
	c = tls_client(ccfg);
	/* TLS 1.3: the client may finish first and learn at its recv. */
	if (sock_connect(c, url("tls://localhost:%d", port)) == 0) {
		n = sock_recv(c, buf, sizeof buf);
		ck_assert_msg(n == -1, "recv gave %zd without a client "
		    "certificate", n);
	}
	code = sock_error_code(c);
	ck_assert_msg(code == LIBSOCK_ETLS || code == LIBSOCK_EVERIFY ||
	    code == ECONNRESET, "client: %s", sock_error(c));
	peer_join(&p);
	ck_assert(p.accepted);
	ck_assert_msg(p.hs_code == LIBSOCK_EVERIFY ||
	    p.hs_code == LIBSOCK_ETLS, "server's first recv: %s", p.hs_error);
	ck_assert_msg(strncmp(p.hs_error, "first recv: recv", 16) == 0,
	    "the message does not name the operation: %s", p.hs_error);
	ck_assert_int_eq(p.again_code, p.hs_code);
	sock_free(c);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_required_client_cert_present_is_verified)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	struct peer p;
	int port;

	ck_assert_int_eq(sock_tls_config_set_ca_file(scfg, cert("ca.crt")), 0);
	ck_assert_int_eq(sock_tls_config_verify_client(scfg), 0);
	ck_assert_int_eq(sock_tls_config_set_keypair_file(ccfg,
	    cert("client.crt"), cert("client.key")), 0);
	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	echo_ok(c, "with a client certificate");
	ck_assert_int_eq(sock_tls_peer_verified(c), 1);
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	ck_assert_str_eq(p.subject, "CN=libsock test client");
	ck_assert_int_eq(p.verified, 1);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_optional_client_cert_absent_or_present)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	struct peer p;
	int port;

	ck_assert_int_eq(sock_tls_config_set_ca_file(scfg, cert("ca.crt")), 0);
	ck_assert_int_eq(sock_tls_config_verify_client_optional(scfg), 0);
	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	echo_ok(c, "without a certificate");
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	ck_assert_int_eq(p.subject_code, ENOENT);
	ck_assert_int_eq(p.verified, 0);

	ck_assert_int_eq(sock_tls_config_set_keypair_file(ccfg,
	    cert("client.crt"), cert("client.key")), 0);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	echo_ok(c, "with a certificate");
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	ck_assert_str_eq(p.subject, "CN=libsock test client");
	ck_assert_int_eq(p.verified, 1);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

/* ------------------------------------------------------------ ALPN */

/* The protocol both sides agree on with these lists (NULL: none set). */
static void
alpn_case(const char *server, const char *client, const char *want)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	struct peer p;
	int port;

	if (server != NULL)
		ck_assert_int_eq(sock_tls_config_set_alpn(scfg, server), 0);
	if (client != NULL)
		ck_assert_int_eq(sock_tls_config_set_alpn(ccfg, client), 0);
	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	ck_assert_msg(strcmp(sock_tls_alpn(c), want) == 0, "server %s, "
	    "client %s: client got \"%s\", want \"%s\"", server, client,
	    sock_tls_alpn(c), want);
	echo_ok(c, "alpn");
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	ck_assert_msg(strcmp(p.alpn, want) == 0, "server %s, client %s: "
	    "server got \"%s\", want \"%s\"", server, client, p.alpn, want);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}

START_TEST(test_alpn_server_preference_wins)
{
	alpn_case("h2,http/1.1", "http/1.1,h2", "h2");
	alpn_case("http/1.1,h2", "h2,http/1.1", "http/1.1");
	alpn_case("x-libsock,h2", "h2", "h2");
}
END_TEST

START_TEST(test_alpn_no_overlap_gives_empty)
{
	alpn_case("h2", "spdy/3,http/1.0", "");
	alpn_case(NULL, "h2", "");
	alpn_case("h2", NULL, "");
}
END_TEST

/* ------------------------------------------------------------ STARTTLS */

START_TEST(test_starttls_upgrades_both_sides)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	struct peer p;
	char buf[4];
	int port;

	l = tcp_listen(&port);
	peer_start_starttls(&p, l, scfg);
	c = sock_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sock_set_timeout(c, WAIT_MS), 0);
	ck_assert_msg(sock_connect(c, url("tcp://localhost:%d", port)) == 0,
	    "connect: %s", sock_error(c));
	ck_assert_int_eq(sock_transport(c), LIBSOCK_TCP);
	ck_assert_int_eq(sock_tls_pending(c), 0);
	ck_assert_int_eq(sock_send_all(c, "STARTTLS\n", 9), 9);
	ck_assert_int_eq(sock_recv_exact(c, buf, 3), 3);
	ck_assert_mem_eq(buf, "GO\n", 3);
	/* Set on an ACTIVE socket: allowed until TLS is set up. */
	ck_assert_int_eq(sock_set_tls_config(c, ccfg), 0);
	ck_assert_msg(sock_starttls(c, LIBSOCK_TLS_CLIENT) == 0, "starttls: %s",
	    sock_error(c));
	ck_assert_int_eq(sock_transport(c), LIBSOCK_TLS);
	/* The name verified is "localhost", from the connect text. */
	ck_assert_int_eq(sock_tls_peer_verified(c), 1);
	ck_assert_str_eq(sock_tls_peer_subject(c), "CN=localhost");
	echo_ok(c, "upgraded");
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	ck_assert_int_eq(p.transport, LIBSOCK_TLS);
	ck_assert_str_eq(p.version, "TLSv1.3");
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_starttls_client_verifies_connect_name)
{
	struct sock_tls_config *scfg = server_config("wrong");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	struct peer p;
	char buf[4];
	int port, rc, err;

	l = tcp_listen(&port);
	peer_start_starttls(&p, l, scfg);
	c = sock_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sock_set_timeout(c, WAIT_MS), 0);
	ck_assert_int_eq(sock_connect(c, url("tcp://localhost:%d", port)), 0);
	ck_assert_int_eq(sock_send_all(c, "STARTTLS\n", 9), 9);
	ck_assert_int_eq(sock_recv_exact(c, buf, 3), 3);
	ck_assert_int_eq(sock_set_tls_config(c, ccfg), 0);
	rc = sock_starttls(c, LIBSOCK_TLS_CLIENT);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(c, err, LIBSOCK_EVERIFY,
	    "hostname mismatch (expected localhost)", "starttls");
	sock_free(c);
	peer_join(&p);
	ck_assert_int_ne(p.hs_code, 0);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_starttls_where_it_does_not_apply_einval)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c, *u, *a, *b;
	struct peer p;
	int port, rc, err;

	/* On a TLS socket. */
	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	rc = sock_starttls(c, LIBSOCK_TLS_CLIENT);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(c, err, EINVAL, NULL, "starttls on TLS");
	rc = sock_set_tls_config(c, ccfg);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(c, err, EINVAL, NULL, "set tls config on TLS");
	echo_ok(c, "still fine");
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);

	/* On a listener. */
	rc = sock_starttls(l, LIBSOCK_TLS_SERVER);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(l, err, EINVAL, NULL, "starttls on a listener");
	sock_free(l);

	/* On a UDP socket. */
	u = sock_new();
	ck_assert_ptr_nonnull(u);
	ck_assert_int_eq(sock_connect(u, "udp://127.0.0.1:9"), 0);
	rc = sock_starttls(u, LIBSOCK_TLS_CLIENT);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(u, err, EINVAL, NULL, "starttls on UDP");
	sock_free(u);

	/* On a NEW socket, and with a side that is neither. */
	u = sock_new();
	ck_assert_ptr_nonnull(u);
	rc = sock_starttls(u, LIBSOCK_TLS_CLIENT);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(u, err, EINVAL, NULL, "starttls on NEW");
	sock_free(u);
	tu_tcp_pair(&a, &b);
	rc = sock_starttls(a, 3);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(a, err, EINVAL, NULL, "starttls side 3");
	ck_assert_int_eq(sock_transport(a), LIBSOCK_TCP);
	/* A closed one. */
	ck_assert_int_eq(sock_close(a), 0);
	rc = sock_starttls(a, LIBSOCK_TLS_CLIENT);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(a, err, EBADF, "socket is closed", "starttls closed");
	sock_free(a);
	sock_free(b);
	ck_assert_int_eq(sock_starttls(NULL, LIBSOCK_TLS_CLIENT), -1);
	ck_assert_int_eq(errno, EINVAL);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

/* ------------------------------------------------- garbage and timeouts */

/* Send bytes to a TLS port: the accepted socket fails, the line ends. */
static void
garbage_case(struct sock *l, int port, const void *bytes, size_t len)
{
	struct sock *raw, *a;
	unsigned char buf[64];
	long long t0;
	ssize_t n;
	int err;

	raw = tu_connect(url("tcp://127.0.0.1:%d", port));
	ck_assert_int_eq(sock_set_recv_timeout(raw, WAIT_MS), 0);
	ck_assert_int_eq(sock_send_all(raw, bytes, len), (ssize_t)len);
	a = tu_accept(l);
	n = sock_recv(a, buf, sizeof buf);
	err = errno;
	ck_assert_int_eq(n, -1);
	assert_failure(a, err, LIBSOCK_ETLS, "recv ", "recv of garbage");
	ck_assert_msg(strstr(sock_error(a), "TLS: ") != NULL,
	    "no TLS reason: %s", sock_error(a));
	/* Every later call fails again. */
	n = sock_send(a, "x", 1);
	err = errno;
	ck_assert_int_eq(n, -1);
	assert_failure(a, err, LIBSOCK_ETLS, NULL, "send after garbage");
	sock_free(a);
	/* The sender gets at most an alert, then the end, promptly. */
	t0 = tu_now_ms();
	n = sock_recv(raw, buf, sizeof buf);
	if (n > 0) {
		ck_assert_msg(buf[0] == 21, "not an alert: first byte %d",
		    buf[0]);
		while ((n = sock_recv(raw, buf, sizeof buf)) > 0)
			continue;
	}
	ck_assert_msg(n == 0 || (n == -1 && sock_error_code(raw) ==
	    ECONNRESET), "after garbage: %zd %s", n, sock_error(raw));
	ck_assert_int_lt(tu_now_ms() - t0, 2000);
	sock_free(raw);
}

START_TEST(test_plaintext_to_tls_listener_then_serves)
{
	static const char http[] = "GET / HTTP/1.0\r\n\r\n";
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	unsigned char junk[300];
	struct sock *l, *c;
	struct peer p;
	size_t i;
	int port;

	for (i = 0; i < sizeof junk; i++)
		junk[i] = (unsigned char)(i * 37 + 11);
	l = tls_listen(scfg, &port);
	garbage_case(l, port, http, sizeof http - 1);
	garbage_case(l, port, junk, sizeof junk);
	/* A TLS record header that promises far too much. */
	garbage_case(l, port, "\x16\x03\x01\xff\xff\x01\x00\xff\xfb", 9);

	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	echo_ok(c, "a proper client");
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

/* A connect to a port that accepts TCP and never speaks. */
static void
silent_server_case(int connect_ms, int handshake_ms, int expect_ms)
{
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	long long t0, took;
	int port;

	l = tcp_listen(&port);
	c = tls_client(ccfg);
	ck_assert_int_eq(sock_set_connect_timeout(c, connect_ms), 0);
	ck_assert_int_eq(sock_set_handshake_timeout(c, handshake_ms), 0);
	t0 = tu_now_ms();
	connect_refused(c, url("tls://localhost:%d", port), ETIMEDOUT, NULL);
	took = tu_now_ms() - t0;
	ck_assert_msg(on_time(took, expect_ms), "timed out after %lld ms, "
	    "want %d", took, expect_ms);
	sock_free(c);
	sock_free(l);
	sock_tls_config_free(ccfg);
}

START_TEST(test_silent_server_connect_timeout)
{
	silent_server_case(SHORT_MS, WAIT_MS, SHORT_MS);
}
END_TEST

START_TEST(test_silent_server_handshake_timeout)
{
	silent_server_case(-1, SHORT_MS, SHORT_MS);
}
END_TEST

START_TEST(test_silent_client_server_handshake_timeout)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock *l, *raw, *a;
	long long t0, took;
	char buf[16];
	ssize_t n;
	int port, err;

	l = tls_listen(scfg, &port);
	ck_assert_int_eq(sock_set_handshake_timeout(l, SHORT_MS), 0);
	raw = tu_connect(url("tcp://127.0.0.1:%d", port));
	a = tu_accept(l);
	t0 = tu_now_ms();
	n = sock_recv(a, buf, sizeof buf);
	err = errno;
	took = tu_now_ms() - t0;
	ck_assert_int_eq(n, -1);
	assert_failure(a, err, ETIMEDOUT, NULL, "handshake with a silent "
	    "client");
	ck_assert_msg(on_time(took, SHORT_MS), "timed out after %lld ms",
	    took);
	n = sock_recv(a, buf, sizeof buf);
	err = errno;
	ck_assert_int_eq(n, -1);
	assert_failure(a, err, ETIMEDOUT, NULL, "the call after");
	sock_free(a);
	sock_free(raw);
	sock_free(l);
	sock_tls_config_free(scfg);
}
END_TEST

/* ------------------------------------------------------------ closing */

START_TEST(test_tcp_close_without_close_notify_is_etlseof)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	struct peer p;
	char buf[16];
	ssize_t n;
	int port, err;

	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_TRUNCATE);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	ck_assert_msg(sock_recv_exact(c, buf, 4) == 4, "recv: %s",
	    sock_error(c));
	ck_assert_mem_eq(buf, "data", 4);
	n = sock_recv(c, buf, sizeof buf);
	err = errno;
	ck_assert_msg(n == -1, "recv after a bare TCP close gave %zd", n);
	assert_failure(c, err, LIBSOCK_ETLSEOF, "close_notify",
	    "recv after a bare TCP close");
	sock_free(c);
	peer_join(&p);
	ck_assert_msg(p.accepted && p.hs_code == 0, "peer: %s", p.hs_error);
	ck_assert_int_eq(p.shut_rc, 0);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_clean_shutdown_reads_zero_and_half_close_works)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	struct peer p;
	char buf[16];
	int port;

	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_SHUTDOWN_WR);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	ck_assert_int_eq(sock_recv_exact(c, buf, 3), 3);
	ck_assert_mem_eq(buf, "bye", 3);
	ck_assert_msg(sock_recv(c, buf, sizeof buf) == 0, "recv after "
	    "close_notify: %s", sock_error(c));
	/* Our side is still open: the server reads on. */
	ck_assert_msg(sock_send_all(c, "late", 4) == 4, "send: %s",
	    sock_error(c));
	ck_assert_int_eq(sock_shutdown(c, SHUT_WR), 0);
	peer_join(&p);
	peer_assert_clean(&p);
	ck_assert_int_eq(p.shut_rc, 0);
	ck_assert_uint_eq(p.late, 4);
	sock_free(c);

	/* sock_close sends close_notify too. */
	peer_start(&p, l, SERVE_SEND_CLOSE);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	ck_assert_int_eq(sock_recv_exact(c, buf, 3), 3);
	ck_assert_mem_eq(buf, "bye", 3);
	ck_assert_msg(sock_recv(c, buf, sizeof buf) == 0, "recv after "
	    "sock_close: %s", sock_error(c));
	sock_free(c);
	peer_join(&p);
	ck_assert_int_eq(p.shut_rc, 0);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_no_sigpipe_sending_to_closed_peer)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	static char block[CHUNK];
	struct sock *l, *c;
	struct peer p;
	sigset_t set;
	ssize_t n = 0;
	int port, i, code;

	ck_assert(signal(SIGPIPE, SIG_DFL) != SIG_ERR);
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	ck_assert_int_eq(pthread_sigmask(SIG_UNBLOCK, &set, NULL), 0);
	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_CLOSE);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	peer_join(&p);
	ck_assert_msg(p.hs_code == 0, "peer: %s", p.hs_error);
	for (i = 0; i < 400; i++)
		if ((n = sock_send(c, block, sizeof block)) < 0)
			break;
	ck_assert_msg(n == -1, "400 blocks went to a closed peer");
	code = sock_error_code(c);
	ck_assert_msg(code == EPIPE || code == ECONNRESET,
	    "send to a closed peer: %s", sock_error(c));
	sock_free(c);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

/* ------------------------------------------------------------ non-blocking */

/* The client side of the non-blocking tests: upgrade, then echo total. */
struct nb_client {
	struct sock	*s;
	size_t		 total;
	pthread_t	 thread;
	int		 failed;
	char		 error[1024];
	size_t		 echoed;
};

static void *
nb_client_main(void *arg)
{
	struct nb_client *j = arg;
	static char buf[CHUNK];
	ssize_t n;

	if (sock_starttls(j->s, LIBSOCK_TLS_CLIENT) == -1) {
		j->failed = 1;
		copy_text(j->error, sizeof j->error, sock_error(j->s));
		return NULL;
	}
	while (j->echoed < j->total) {
		n = sock_recv(j->s, buf, sizeof buf);
		if (n <= 0 || sock_send_all(j->s, buf, (size_t)n) != n) {
			j->failed = 1;
			snprintf(j->error, sizeof j->error, "after %zu bytes: "
			    "%s", j->echoed, n == 0 ? "end of stream" :
			    sock_error(j->s));
			return NULL;
		}
		j->echoed += (size_t)n;
	}
	return NULL;
}

/*
 * A TLS listener and a client connected to it over plain TCP, not yet
 * speaking: *a is the accepted (TLS) side, *c the client, which upgrades
 * with sock_starttls in nb_client_main.
 */
static void
nb_pair(struct sock_tls_config *scfg, struct sock_tls_config *ccfg,
    struct sock **l, struct sock **c, struct sock **a)
{
	int port;

	*l = tls_listen(scfg, &port);
	*c = tls_client(ccfg);
	ck_assert_int_eq(sock_set_sndbuf(*c, SMALL_BUF), 0);
	ck_assert_int_eq(sock_connect(*c, url("tcp://localhost:%d", port)),
	    0);
	*a = tu_accept(*l);
	ck_assert_int_eq(sock_transport(*a), LIBSOCK_TLS);
	ck_assert_int_eq(sock_set_sndbuf(*a, SMALL_BUF), 0);
}

/* Wait until the descriptor is ready for what the want code says. */
static void
wait_want(struct sock *s, int want)
{
	struct pollfd pfd;

	pfd.fd = sock_fd(s);
	pfd.events = want == LIBSOCK_WANT_WRITE ? POLLOUT : POLLIN;
	(void)poll(&pfd, 1, 100);
}

START_TEST(test_nonblocking_handshake_reports_want_read)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct nb_client j;
	struct sock *l, *c, *a;
	long long t0, took, end;
	int rc, i;

	nb_pair(scfg, ccfg, &l, &c, &a);
	ck_assert_int_eq(sock_set_timeout(a, -1), 0);
	/* Finite, so that a handshake that waits cannot hang the test. */
	ck_assert_int_eq(sock_set_handshake_timeout(a, 2000), 0);
	set_nonblock(sock_fd(a));
	t0 = tu_now_ms();
	rc = sock_tls_handshake(a);
	took = tu_now_ms() - t0;
	ck_assert_msg(rc == LIBSOCK_WANT_READ, "handshake on a non-blocking "
	    "socket before the client spoke: %d after %lld ms (%s)", rc, took,
	    sock_error(a));
	ck_assert_int_lt(took, 500);
	ck_assert_ptr_null(sock_tls_version(a));
	ck_assert_int_eq(sock_error_code(a), EINVAL);

	memset(&j, 0, sizeof j);
	j.s = c;
	j.total = 5;
	ck_assert_int_eq(pthread_create(&j.thread, NULL, nb_client_main, &j),
	    0);
	end = tu_now_ms() + slow(2 * WAIT_MS);
	for (i = 0; (rc = sock_tls_handshake(a)) != 0; i++) {
		ck_assert_msg(rc == LIBSOCK_WANT_READ ||
		    rc == LIBSOCK_WANT_WRITE, "handshake: %d %s", rc,
		    sock_error(a));
		ck_assert_msg(tu_now_ms() < end, "handshake not done after "
		    "%d calls", i);
		wait_want(a, rc);
	}
	ck_assert_int_eq(sock_tls_handshake(a), 0);	/* done stays done */
	ck_assert_str_eq(sock_tls_version(a), "TLSv1.3");
	/* Five bytes through the non-blocking side and back. */
	{
		char buf[8];
		ssize_t n;
		size_t got = 0;

		do
			n = sock_send(a, "12345", 5);
		while (n == LIBSOCK_WANT_WRITE && tu_now_ms() < end);
		ck_assert_msg(n == 5, "send: %zd %s", n, sock_error(a));
		while (got < 5 && tu_now_ms() < end) {
			n = sock_recv(a, buf + got, 5 - got);
			if (n == LIBSOCK_WANT_READ) {
				wait_want(a, (int)n);
				continue;
			}
			ck_assert_msg(n > 0, "recv: %zd %s", n,
			    sock_error(a));
			got += (size_t)n;
		}
		ck_assert_uint_eq(got, 5);
		ck_assert_mem_eq(buf, "12345", 5);
	}
	ck_assert_int_eq(pthread_join(j.thread, NULL), 0);
	ck_assert_msg(!j.failed, "client: %s", j.error);
	sock_free(a);
	sock_free(c);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_nonblocking_4mib_transfer_is_exact)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	static unsigned char in[CHUNK];
	size_t sent = 0, got = 0, trylen = 0, i;
	int write_wants = 0, send_events = POLLOUT, recv_events = POLLIN;
	struct sock *l, *c, *a;
	unsigned char *out;
	struct nb_client j;
	struct pollfd pfd;
	long long end;
	ssize_t n;

	nb_pair(scfg, ccfg, &l, &c, &a);
	memset(&j, 0, sizeof j);
	j.s = c;
	j.total = BIG;
	ck_assert_int_eq(pthread_create(&j.thread, NULL, nb_client_main, &j),
	    0);
	ck_assert_msg(sock_tls_handshake(a) == 0, "handshake: %s",
	    sock_error(a));
	ck_assert_int_eq(sock_set_timeout(a, -1), 0);
	set_nonblock(sock_fd(a));

	out = malloc(BIG);
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < BIG; i++)
		out[i] = (unsigned char)(i * 131 + (i >> 12));
	end = tu_now_ms() + slow(20000);
	/* Check's assertions cost a write each: plain tests in the loop. */
	while (got < BIG) {
		if (tu_now_ms() > end)
			ck_abort_msg("stalled: %zu bytes sent, %zu back; the "
			    "client echoed %zu%s%s", sent, got, j.echoed,
			    j.failed ? " and failed: " : "",
			    j.failed ? j.error : "");
		pfd.fd = sock_fd(a);
		pfd.events = (short)(recv_events |
		    (sent < BIG ? send_events : 0));
		(void)poll(&pfd, 1, 100);
		while (sent < BIG) {
			/* After a want code: the same buffer, the same size. */
			if (trylen == 0)
				trylen = BIG - sent < CHUNK ? BIG - sent :
				    CHUNK;
			n = sock_send(a, out + sent, trylen);
			if (n == LIBSOCK_WANT_WRITE || n == LIBSOCK_WANT_READ) {
				send_events = n == LIBSOCK_WANT_WRITE ?
				    POLLOUT : POLLIN;
				write_wants += n == LIBSOCK_WANT_WRITE;
				break;
			}
			if (n <= 0 || (size_t)n > trylen)
				ck_abort_msg("send: %zd %s", n, sock_error(a));
			sent += (size_t)n;
			trylen = 0;
		}
		while (got < BIG) {
			n = sock_recv(a, in, sizeof in);
			if (n == LIBSOCK_WANT_READ || n == LIBSOCK_WANT_WRITE) {
				recv_events = n == LIBSOCK_WANT_READ ?
				    POLLIN : POLLOUT;
				break;
			}
			if (n <= 0 || got + (size_t)n > BIG)
				ck_abort_msg("recv after %zu bytes: %zd %s",
				    got, n, sock_error(a));
			if (memcmp(in, out + got, (size_t)n) != 0)
				ck_abort_msg("the echo differs within bytes "
				    "%zu..%zu", got, got + (size_t)n);
			got += (size_t)n;
		}
	}
	free(out);
	ck_assert_int_eq(pthread_join(j.thread, NULL), 0);
	ck_assert_msg(!j.failed, "client: %s", j.error);
	ck_assert_uint_eq(j.echoed, BIG);
	ck_assert_msg(write_wants > 0, "4 MiB through 4 KiB buffers never "
	    "had to wait");
	sock_free(a);
	sock_free(c);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_pending_reports_buffered_bytes)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c, *a, *b;
	struct peer p;
	char buf[128];
	int port;

	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_RECORD);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	ck_assert_int_eq(sock_tls_pending(c), 0);
	ck_assert_int_eq(sock_recv(c, buf, 1), 1);
	ck_assert_int_eq(buf[0], 'r');
	/* The rest of the 100-byte record is decrypted and waiting. */
	ck_assert_int_eq(sock_tls_pending(c), 99);
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), 99);
	ck_assert_int_eq(sock_tls_pending(c), 0);
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	ck_assert_int_eq(p.shut_rc, 0);
	sock_free(l);

	/* 0 on a plain socket, errors where there is no connection. */
	tu_tcp_pair(&a, &b);
	ck_assert_int_eq(sock_tls_pending(a), 0);
	sock_free(b);
	ck_assert_int_eq(sock_close(a), 0);
	ck_assert_int_eq(sock_tls_pending(a), -1);
	ck_assert_int_eq(errno, EBADF);
	sock_free(a);
	a = sock_new();
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(sock_tls_pending(a), -1);
	ck_assert_int_eq(errno, EINVAL);
	sock_free(a);
	ck_assert_int_eq(sock_tls_pending(NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

/* ------------------------------------------------------------ isolation */

START_TEST(test_failed_handshake_does_not_touch_other_connection)
{
	struct sock_tls_config *good = server_config("server");
	struct sock_tls_config *bad = server_config("self");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l1, *l2, *b, *a, *raw, *s;
	struct peer p1, p2;
	char buf[8];
	int port1, port2;

	l1 = tls_listen(good, &port1);
	peer_start(&p1, l1, SERVE_ECHO);
	b = tls_client(ccfg);
	connect_ok(b, url("tls://localhost:%d", port1));
	echo_ok(b, "before");

	/* A: a client handshake that fails in this thread. */
	l2 = tls_listen(bad, &port2);
	peer_start(&p2, l2, SERVE_ECHO);
	a = tls_client(ccfg);
	connect_refused(a, url("tls://localhost:%d", port2), LIBSOCK_EVERIFY,
	    "signed certificate");
	peer_join(&p2);
	echo_ok(b, "after a client failure");

	/* A server-side handshake that fails in this thread too. */
	raw = tu_connect(url("tcp://127.0.0.1:%d", port2));
	ck_assert_int_eq(sock_send_all(raw, "plain text, no TLS\n", 19), 19);
	s = tu_accept(l2);
	ck_assert_int_eq(sock_recv(s, buf, sizeof buf), -1);
	ck_assert_int_eq(sock_error_code(s), LIBSOCK_ETLS);
	echo_ok(b, "after a server failure");
	ck_assert_int_eq(sock_error_code(b), 0);
	ck_assert_str_eq(sock_error(b), "");

	sock_free(s);
	sock_free(raw);
	sock_free(a);
	sock_free(b);
	peer_join(&p1);
	peer_assert_clean(&p1);
	sock_free(l1);
	sock_free(l2);
	sock_tls_config_free(good);
	sock_tls_config_free(bad);
	sock_tls_config_free(ccfg);
}
END_TEST

/* ------------------------------------------------------------ configuration */

START_TEST(test_config_freed_after_set_still_works)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock_tls_config *spare = config_new();
	struct sock *l, *c;
	struct peer p;
	int port;

	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_tls_config(l, scfg), 0);
	sock_tls_config_free(scfg);	/* the listener holds the last one */
	ck_assert_int_eq(sock_set_timeout(l, WAIT_MS), 0);
	ck_assert_int_eq(sock_listen(l, "tls://127.0.0.1:0"), 0);
	{
		struct sock_addr la;

		ck_assert_int_eq(sock_local_addr(l, &la), 0);
		port = sock_addr_port(&la);
	}
	peer_start(&p, l, SERVE_ECHO);
	c = sock_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sock_set_timeout(c, WAIT_MS), 0);
	/* Replaced before use: the first one's reference goes. */
	ck_assert_int_eq(sock_set_tls_config(c, spare), 0);
	sock_tls_config_free(spare);
	ck_assert_int_eq(sock_set_tls_config(c, ccfg), 0);
	sock_tls_config_free(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	echo_ok(c, "configurations freed early");
	ck_assert_int_eq(sock_tls_peer_verified(c), 1);
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	sock_free(l);
	sock_tls_config_free(NULL);
}
END_TEST

START_TEST(test_config_change_applies_to_later_connects)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l, *c;
	struct peer p;
	int port;

	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	echo_ok(c, "first");
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);

	ck_assert_int_eq(sock_tls_config_set_ca_file(ccfg,
	    cert("other-ca.crt")), 0);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_refused(c, url("tls://localhost:%d", port), LIBSOCK_EVERIFY,
	    "certificate verify failed");
	sock_free(c);
	peer_join(&p);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_ca_and_keypair_from_memory)
{
	struct sock_tls_config *scfg = config_new();
	struct sock_tls_config *ccfg = config_new();
	char *crt, *key, *ca;
	size_t crtlen, keylen, calen;
	struct sock *l, *c;
	struct peer p;
	int port;

	crt = slurp("server.crt", &crtlen);
	key = slurp("server.key", &keylen);
	ca = slurp("ca.crt", &calen);
	ck_assert_msg(sock_tls_config_set_keypair_mem(scfg, crt, crtlen, key,
	    keylen) == 0, "keypair mem: %s", sock_tls_config_error(scfg));
	ck_assert_msg(sock_tls_config_set_ca_mem(ccfg, ca, calen) == 0,
	    "ca mem: %s", sock_tls_config_error(ccfg));
	free(crt);
	free(key);
	free(ca);
	l = tls_listen(scfg, &port);
	peer_start(&p, l, SERVE_ECHO);
	c = tls_client(ccfg);
	connect_ok(c, url("tls://localhost:%d", port));
	echo_ok(c, "from memory");
	ck_assert_int_eq(sock_tls_peer_verified(c), 1);
	sock_free(c);
	peer_join(&p);
	peer_assert_clean(&p);
	sock_free(l);
	sock_tls_config_free(scfg);
	sock_tls_config_free(ccfg);
}
END_TEST

/* A config call failed with code and a message on cfg (if any). */
static void
assert_cfg_failure(struct sock_tls_config *cfg, int rc, int err, int code,
    const char *cause, const char *what)
{
	ck_assert_msg(rc == -1, "%s succeeded", what);
	ck_assert_msg(err == code, "%s: errno %d (%s), want %d (%s): %s",
	    what, err, sock_strerror(err), code, sock_strerror(code),
	    sock_tls_config_error(cfg));
	if (cfg == NULL)
		return;
	ck_assert_msg(sock_tls_config_error(cfg)[0] != '\0',
	    "%s: no message", what);
	if (cause != NULL)
		ck_assert_msg(strstr(sock_tls_config_error(cfg), cause) !=
		    NULL, "%s: \"%s\" does not say \"%s\"", what,
		    sock_tls_config_error(cfg), cause);
}

#define CFG_FAILS(cfg, call, code, cause) do {				\
	int rc_ = (call);						\
	int err_ = errno;						\
	assert_cfg_failure((cfg), rc_, err_, (code), (cause), #call);	\
} while (0)

START_TEST(test_config_setters_report_errors)
{
	struct sock_tls_config *cfg = config_new();
	char *crt, *key, name[300];
	size_t crtlen, keylen;
	int i;

	CFG_FAILS(cfg, sock_tls_config_set_keypair_file(cfg,
	    cert("missing.crt"), cert("server.key")), ENOENT, "missing.crt");
	CFG_FAILS(cfg, sock_tls_config_set_keypair_file(cfg,
	    cert("server.crt"), cert("missing.key")), ENOENT, "missing.key");
	CFG_FAILS(cfg, sock_tls_config_set_keypair_file(cfg,
	    cert("server.crt"), cert("other.key")), LIBSOCK_ETLS,
	    "does not match");
	CFG_FAILS(cfg, sock_tls_config_set_keypair_file(cfg,
	    cert("server.crt"), cert("ca.crt")), LIBSOCK_ETLS, NULL);
	CFG_FAILS(cfg, sock_tls_config_set_keypair_file(cfg,
	    cert("server.key"), cert("server.key")), LIBSOCK_ETLS, NULL);
	crt = slurp("server.crt", &crtlen);
	key = slurp("other.key", &keylen);
	CFG_FAILS(cfg, sock_tls_config_set_keypair_mem(cfg, crt, crtlen, key,
	    keylen), LIBSOCK_ETLS, "does not match");
	free(crt);
	free(key);
	CFG_FAILS(cfg, sock_tls_config_set_ca_mem(cfg, "no certificate", 14),
	    LIBSOCK_ETLS, NULL);

	/* Extra pairs only after the default one, and 8 pairs at most. */
	CFG_FAILS(cfg, sock_tls_config_add_keypair_file(cfg,
	    cert("other.crt"), cert("other.key")), EINVAL, NULL);
	ck_assert_int_eq(sock_tls_config_set_keypair_file(cfg,
	    cert("server.crt"), cert("server.key")), 0);
	for (i = 1; i < 8; i++)
		ck_assert_msg(sock_tls_config_add_keypair_file(cfg,
		    cert("other.crt"), cert("other.key")) == 0,
		    "pair %d: %s", i + 1, sock_tls_config_error(cfg));
	CFG_FAILS(cfg, sock_tls_config_add_keypair_file(cfg,
	    cert("other.crt"), cert("other.key")), ENOSPC, NULL);

	CFG_FAILS(cfg, sock_tls_config_set_alpn(cfg, NULL), EINVAL, NULL);
	CFG_FAILS(cfg, sock_tls_config_set_alpn(cfg, ""), EINVAL, NULL);
	CFG_FAILS(cfg, sock_tls_config_set_alpn(cfg, "h2,"), EINVAL, NULL);
	CFG_FAILS(cfg, sock_tls_config_set_alpn(cfg, ",h2"), EINVAL, NULL);
	CFG_FAILS(cfg, sock_tls_config_set_alpn(cfg, "h2,,x"), EINVAL, NULL);
	memset(name, 'a', 256);
	name[256] = '\0';
	CFG_FAILS(cfg, sock_tls_config_set_alpn(cfg, name), EINVAL, NULL);
	name[255] = '\0';
	ck_assert_int_eq(sock_tls_config_set_alpn(cfg, name), 0);
	ck_assert_int_eq(sock_tls_config_set_alpn(cfg, "h2,http/1.1"), 0);

	CFG_FAILS(cfg, sock_tls_config_set_protocols(cfg, 0), EINVAL, NULL);
	CFG_FAILS(cfg, sock_tls_config_set_protocols(cfg, 0x04), EINVAL,
	    NULL);
	CFG_FAILS(cfg, sock_tls_config_set_protocols(cfg,
	    LIBSOCK_TLS_DEFAULT | 0x10), EINVAL, NULL);
	ck_assert_int_eq(sock_tls_config_set_protocols(cfg, LIBSOCK_TLS_1_2),
	    0);
	ck_assert_int_eq(sock_tls_config_set_protocols(cfg, LIBSOCK_TLS_1_3),
	    0);
	ck_assert_int_eq(sock_tls_config_set_protocols(cfg,
	    LIBSOCK_TLS_DEFAULT), 0);
	sock_tls_config_free(cfg);

	/* No configuration at all: errno only. */
	CFG_FAILS(NULL, sock_tls_config_set_ca_file(NULL, "x"), EINVAL, NULL);
	CFG_FAILS(NULL, sock_tls_config_set_ca_path(NULL, "x"), EINVAL, NULL);
	CFG_FAILS(NULL, sock_tls_config_set_ca_mem(NULL, "x", 1), EINVAL,
	    NULL);
	CFG_FAILS(NULL, sock_tls_config_set_keypair_file(NULL, "x", "y"),
	    EINVAL, NULL);
	CFG_FAILS(NULL, sock_tls_config_add_keypair_file(NULL, "x", "y"),
	    EINVAL, NULL);
	CFG_FAILS(NULL, sock_tls_config_set_alpn(NULL, "h2"), EINVAL, NULL);
	CFG_FAILS(NULL, sock_tls_config_set_protocols(NULL, 1), EINVAL, NULL);
	CFG_FAILS(NULL, sock_tls_config_verify_client(NULL), EINVAL, NULL);
	CFG_FAILS(NULL, sock_tls_config_insecure_noverifycert(NULL), EINVAL,
	    NULL);
	ck_assert_ptr_nonnull(sock_tls_config_error(NULL));
	sock_tls_config_free(NULL);
}
END_TEST

/*
 * A CA file that is not there: refused when set (ENOENT, naming the
 * file) or, if only kept then, at the connect that needs it (ETLS); never
 * a connection that trusts nothing or everything.
 */
START_TEST(test_missing_ca_file_reported)
{
	struct sock_tls_config *ccfg = config_new();
	struct sock *l, *c;
	int rc, err, port;

	rc = sock_tls_config_set_ca_file(ccfg, cert("no-such-ca.crt"));
	err = errno;
	if (rc == -1) {
		assert_cfg_failure(ccfg, rc, err, ENOENT, "no-such-ca.crt",
		    "set ca file");
		sock_tls_config_free(ccfg);
		return;
	}
	l = tcp_listen(&port);
	c = tls_client(ccfg);
	connect_refused(c, url("tls://localhost:%d", port), LIBSOCK_ETLS,
	    NULL);
	sock_free(c);
	sock_free(l);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_tls_listener_needs_keypair)
{
	struct sock_tls_config *ccfg = client_config("ca.crt");
	struct sock *l;
	int rc, err;

	l = sock_new();
	ck_assert_ptr_nonnull(l);
	rc = sock_listen(l, "tls://127.0.0.1:0");
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(l, err, LIBSOCK_ETLS,
	    "no certificate and key configured", "listen without a config");
	ck_assert_int_eq(sock_role(l), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(l), -1);
	ck_assert_int_eq(sock_set_tls_config(l, ccfg), 0);
	rc = sock_listen(l, "tls://127.0.0.1:0");
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(l, err, LIBSOCK_ETLS,
	    "no certificate and key configured", "listen with a client config");
	ck_assert_int_eq(sock_fd(l), -1);
	sock_free(l);
	sock_tls_config_free(ccfg);
}
END_TEST

START_TEST(test_socket_tls_setters_validate)
{
	struct sock_tls_config *scfg = server_config("server");
	char name[300];
	struct sock *s, *l;
	int rc, err, port;

	s = sock_new();
	ck_assert_ptr_nonnull(s);
	rc = sock_set_tls_config(s, NULL);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(s, err, EINVAL, NULL, "set tls config NULL");
	rc = sock_set_tls_server_name(s, "");
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(s, err, EINVAL, NULL, "empty server name");
	memset(name, 'a', 254);
	name[254] = '\0';
	rc = sock_set_tls_server_name(s, name);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(s, err, ENAMETOOLONG, NULL, "254-byte server name");
	name[253] = '\0';
	ck_assert_int_eq(sock_set_tls_server_name(s, name), 0);
	ck_assert_int_eq(sock_set_tls_server_name(s, NULL), 0);
	rc = sock_set_handshake_timeout(s, -2);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(s, err, EINVAL, NULL, "handshake timeout -2");
	ck_assert_int_eq(sock_set_handshake_timeout(s, -1), 0);
	ck_assert_int_eq(sock_set_handshake_timeout(s, 0), 0);
	ck_assert_int_eq(sock_close(s), 0);
	rc = sock_set_tls_config(s, scfg);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(s, err, EBADF, "socket is closed", "closed");
	rc = sock_set_tls_server_name(s, "localhost");
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(s, err, EBADF, NULL, "server name on closed");
	sock_free(s);

	/* Not on a listener: its configuration is fixed at listen. */
	l = tls_listen(scfg, &port);
	rc = sock_set_tls_config(l, scfg);
	err = errno;
	ck_assert_int_eq(rc, -1);
	assert_failure(l, err, EINVAL, NULL, "set tls config on a listener");
	sock_free(l);
	ck_assert_int_eq(sock_set_tls_config(NULL, scfg), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(sock_set_tls_server_name(NULL, "x"), -1);
	ck_assert_int_eq(errno, EINVAL);
	sock_tls_config_free(scfg);
}
END_TEST

/* ------------------------------------------------------ where TLS is not */

typedef int (*tls_call)(struct sock *);

static int
call_version(struct sock *s)
{
	return sock_tls_version(s) == NULL ? -1 : 0;
}

static int
call_cipher(struct sock *s)
{
	return sock_tls_cipher(s) == NULL ? -1 : 0;
}

static int
call_alpn(struct sock *s)
{
	return sock_tls_alpn(s) == NULL ? -1 : 0;
}

static int
call_subject(struct sock *s)
{
	return sock_tls_peer_subject(s) == NULL ? -1 : 0;
}

static int
call_issuer(struct sock *s)
{
	return sock_tls_peer_issuer(s) == NULL ? -1 : 0;
}

static int
call_validity(struct sock *s)
{
	time_t nb, na;

	return sock_tls_peer_validity(s, &nb, &na);
}

static int
call_fingerprint(struct sock *s)
{
	char buf[128];

	return sock_tls_peer_fingerprint(s, buf, sizeof buf) < 0 ? -1 : 0;
}

static int
call_verified(struct sock *s)
{
	return sock_tls_peer_verified(s);
}

static int
call_handshake(struct sock *s)
{
	return sock_tls_handshake(s);
}

static const struct {
	const char	*name;
	tls_call	 fn;
} info_calls[] = {
	{ "sock_tls_version", call_version },
	{ "sock_tls_cipher", call_cipher },
	{ "sock_tls_alpn", call_alpn },
	{ "sock_tls_peer_subject", call_subject },
	{ "sock_tls_peer_issuer", call_issuer },
	{ "sock_tls_peer_validity", call_validity },
	{ "sock_tls_peer_fingerprint", call_fingerprint },
	{ "sock_tls_peer_verified", call_verified },
};
#define NINFO	(sizeof info_calls / sizeof info_calls[0])

/* Every info call (and the handshake, if with_handshake) fails so. */
static void
assert_tls_calls_fail(struct sock *s, int with_handshake, int code,
    const char *cause)
{
	size_t i;
	int rc, err;

	for (i = 0; i < NINFO; i++) {
		rc = info_calls[i].fn(s);
		err = errno;
		ck_assert_msg(rc == -1, "%s succeeded", info_calls[i].name);
		if (s != NULL)
			assert_failure(s, err, code, cause,
			    info_calls[i].name);
		else
			ck_assert_int_eq(err, code);
	}
	if (!with_handshake)
		return;
	rc = call_handshake(s);
	err = errno;
	ck_assert_msg(rc == -1, "sock_tls_handshake gave %d", rc);
	if (s != NULL)
		assert_failure(s, err, code, cause, "sock_tls_handshake");
	else
		ck_assert_int_eq(err, code);
}

START_TEST(test_tls_calls_on_plain_sockets_einval)
{
	struct sock *a, *b, *u, *n;

	tu_tcp_pair(&a, &b);
	assert_tls_calls_fail(a, 1, EINVAL, "not a TLS connection");
	ck_assert_int_eq(sock_tls_pending(a), 0);
	ck_assert_int_eq(sock_send_all(a, "ok", 2), 2);
	sock_free(a);
	sock_free(b);

	u = sock_new();
	ck_assert_ptr_nonnull(u);
	ck_assert_int_eq(sock_connect(u, "udp://127.0.0.1:9"), 0);
	assert_tls_calls_fail(u, 1, EINVAL, NULL);
	ck_assert_int_eq(sock_tls_pending(u), 0);
	sock_free(u);

	n = sock_new();
	ck_assert_ptr_nonnull(n);
	assert_tls_calls_fail(n, 1, EINVAL, NULL);
	ck_assert_int_eq(sock_close(n), 0);
	assert_tls_calls_fail(n, 1, EBADF, "socket is closed");
	sock_free(n);
	assert_tls_calls_fail(NULL, 1, EINVAL, NULL);
}
END_TEST

START_TEST(test_info_before_handshake_einval)
{
	struct sock_tls_config *scfg = server_config("server");
	struct sock *l, *raw, *a;
	int port;

	l = tls_listen(scfg, &port);
	raw = tu_connect(url("tcp://127.0.0.1:%d", port));
	a = tu_accept(l);
	ck_assert_int_eq(sock_transport(a), LIBSOCK_TLS);
	assert_tls_calls_fail(a, 0, EINVAL, "the handshake is not done");
	ck_assert_int_eq(sock_tls_pending(a), 0);
	sock_free(a);
	sock_free(raw);
	sock_free(l);
	sock_tls_config_free(scfg);
}
END_TEST

/* ------------------------------------------------------------ main */

static void
remove_cert_dir(void)
{
	tu_certs_remove(cert_dir, "check_tls");
}

static int
make_certs(void)
{
	return tu_certs_make(cert_dir, sizeof cert_dir, "check_tls");
}

static Suite *
tls_suite(void)
{
	Suite *suite = suite_create("tls");
	TCase *tc;

	tc = tu_tcase("handshake");
	tcase_add_test(tc, test_tls13_handshake_echo_and_peer_details);
	tcase_add_test(tc, test_session_resumed_through_shared_config);
	tcase_add_test(tc, test_tls12_when_client_limits_protocols);
	tcase_add_test(tc, test_ipv4_literal_verified_by_ip_san);
	tcase_add_test(tc, test_ipv6_literal_verified_by_ip_san);
	tcase_add_test(tc, test_trailing_dot_name_verifies);
	tcase_add_test(tc, test_send_and_receive_calls_over_tls);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("verify");
	tcase_add_test(tc, test_wrong_name_refused_with_hostname_mismatch);
	tcase_add_test(tc, test_untrusted_by_default_config_refused);
	tcase_add_test(tc, test_other_ca_refused);
	tcase_add_test(tc, test_self_signed_refused);
	tcase_add_test(tc, test_expired_refused);
	tcase_add_test(tc, test_ip_not_in_san_refused);
	tcase_add_test(tc, test_no_name_to_verify_refused);
	tcase_add_test(tc, test_noverifycert_accepts_self_signed_unverified);
	tcase_add_test(tc,
	    test_noverifyname_accepts_wrong_name_not_untrusted_chain);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("sni");
	tcase_add_test(tc, test_sni_is_host_name_without_trailing_dot);
	tcase_add_test(tc, test_sni_never_an_ip_literal);
	tcase_add_test(tc, test_sni_selects_added_keypair);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("versions");
	tcase_add_test(tc, test_tls12_client_against_tls13_server_fails_etls);
	tcase_add_test(tc, test_tls11_client_refused_by_server);
	tcase_add_test(tc, test_tls11_server_refused_by_client);
	tcase_add_test(tc, test_tls12_non_aead_ciphers_refused);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("client certificates");
	tcase_add_test(tc, test_required_client_cert_missing_fails_both_sides);
	tcase_add_test(tc, test_required_client_cert_present_is_verified);
	tcase_add_test(tc, test_optional_client_cert_absent_or_present);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("alpn");
	tcase_add_test(tc, test_alpn_server_preference_wins);
	tcase_add_test(tc, test_alpn_no_overlap_gives_empty);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("starttls");
	tcase_add_test(tc, test_starttls_upgrades_both_sides);
	tcase_add_test(tc, test_starttls_client_verifies_connect_name);
	tcase_add_test(tc, test_starttls_where_it_does_not_apply_einval);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("robustness");
	tcase_add_test(tc, test_plaintext_to_tls_listener_then_serves);
	tcase_add_test(tc, test_silent_server_connect_timeout);
	tcase_add_test(tc, test_silent_server_handshake_timeout);
	tcase_add_test(tc, test_silent_client_server_handshake_timeout);
	tcase_add_test(tc, test_tcp_close_without_close_notify_is_etlseof);
	tcase_add_test(tc, test_clean_shutdown_reads_zero_and_half_close_works);
	tcase_add_test(tc, test_no_sigpipe_sending_to_closed_peer);
	tcase_add_test(tc,
	    test_failed_handshake_does_not_touch_other_connection);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("non-blocking");
	tcase_add_test(tc, test_nonblocking_handshake_reports_want_read);
	tcase_add_test(tc, test_nonblocking_4mib_transfer_is_exact);
	tcase_add_test(tc, test_pending_reports_buffered_bytes);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("configuration");
	tcase_add_test(tc, test_config_freed_after_set_still_works);
	tcase_add_test(tc, test_config_change_applies_to_later_connects);
	tcase_add_test(tc, test_ca_and_keypair_from_memory);
	tcase_add_test(tc, test_config_setters_report_errors);
	tcase_add_test(tc, test_missing_ca_file_reported);
	tcase_add_test(tc, test_tls_listener_needs_keypair);
	tcase_add_test(tc, test_socket_tls_setters_validate);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("not tls");
	tcase_add_test(tc, test_tls_calls_on_plain_sockets_einval);
	tcase_add_test(tc, test_info_before_handshake_einval);
	suite_add_tcase(suite, tc);
	return suite;
}

int
main(void)
{
	int rc;

	if ((rc = make_certs()) != 0)
		return rc;
	rc = tu_run(tls_suite());
	remove_cert_dir();
	return rc;
}

#else	/* !HAVE_OPENSSL */

/* Built --without-openssl: TLS is refused, never half there. */
START_TEST(test_without_openssl_tls_is_enotsup)
{
	struct sock *s, *a, *b;
	int rc, err;

	errno = 0;
	ck_assert_ptr_null(sock_tls_config_new());
	ck_assert_int_eq(errno, LIBSOCK_ENOTSUP);
	s = sock_new();
	ck_assert_ptr_nonnull(s);
	rc = sock_connect(s, "tls://127.0.0.1:9");
	err = errno;
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(err, LIBSOCK_ENOTSUP);
	ck_assert_int_eq(sock_error_code(s), LIBSOCK_ENOTSUP);
	ck_assert_int_eq(sock_fd(s), -1);
	rc = sock_listen(s, "tls://127.0.0.1:0");
	err = errno;
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(err, LIBSOCK_ENOTSUP);
	sock_free(s);
	tu_tcp_pair(&a, &b);
	ck_assert_int_eq(sock_tls_pending(a), 0);
	ck_assert_int_eq(sock_starttls(a, LIBSOCK_TLS_CLIENT), -1);
	ck_assert_int_eq(sock_error_code(a), LIBSOCK_ENOTSUP);
	ck_assert_ptr_null(sock_tls_version(a));
	ck_assert_int_eq(sock_error_code(a), LIBSOCK_ENOTSUP);
	sock_free(a);
	sock_free(b);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("tls");
	TCase *tc = tu_tcase("without openssl");

	tcase_add_test(tc, test_without_openssl_tls_is_enotsup);
	suite_add_tcase(suite, tc);
	return tu_run(suite);
}

#endif	/* HAVE_OPENSSL */
