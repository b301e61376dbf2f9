/*
 * tls.c - TLS on a socket object: the client and server handshakes, reads
 * and writes that wait as plain ones do, close_notify, and what the
 * handshake established.  The record layer reaches the descriptor through
 * a BIO of libsock's own, so sends never raise SIGPIPE.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"
#include "tls.h"

#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#define SK_TLS_HANDSHAKE	0
#define SK_TLS_READ		1
#define SK_TLS_WRITE		2

#define SK_NO_WAIT		(-3)	/* sk_tls_notify: try once */

struct sk_tls {
	SSL		*ssl;
	SSL_CTX		*ctx;		/* a listener's, for what it accepts */
	int		 done;		/* handshake complete */
	int		 failed;	/* the handshake's error code, or 0 */
	int		 fatal;		/* no close_notify after this */
	int		 sys_errno;	/* the BIO's last system error */
	char		 session_key[SK_SESSION_KEY];	/* "name:port" */
	char		 text[256];	/* what the info calls return */
	char		 issuer[256];
};

/* ------------------------------------------------------------ BIO */

static BIO_METHOD *sk_bio_method;
static pthread_once_t sk_bio_once = PTHREAD_ONCE_INIT;

/* Never blocks: waiting is done by sk_tls_run against the deadline. */
static int
sk_bio_write(BIO *b, const char *buf, int len)
{
	struct sock *s = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = send(s->fd, buf, (size_t)len, sk_send_flags(0));
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		BIO_set_retry_write(b);
	else
		s->tls->sys_errno = errno;
	return -1;
}

static int
sk_bio_read(BIO *b, char *buf, int len)
{
	struct sock *s = BIO_get_data(b);
	ssize_t n;

	BIO_clear_retry_flags(b);
	n = recv(s->fd, buf, (size_t)len, MSG_DONTWAIT);
	if (n >= 0)
		return (int)n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		BIO_set_retry_read(b);
	else
		s->tls->sys_errno = errno;
	return -1;
}

static long
sk_bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)b;
	(void)num;
	(void)ptr;
	return cmd == BIO_CTRL_FLUSH ? 1 : 0;
}

static int
sk_bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

/* Made once, then only read: not mutable state. */
static void
sk_bio_init(void)
{
	BIO_METHOD *m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK,
	    "libsock socket");

	if (m == NULL)
		return;
	BIO_meth_set_write(m, sk_bio_write);
	BIO_meth_set_read(m, sk_bio_read);
	BIO_meth_set_ctrl(m, sk_bio_ctrl);
	BIO_meth_set_create(m, sk_bio_create);
	sk_bio_method = m;
}

/* ------------------------------------------------------------ errors */

/* Whether name is an IPv4 or IPv6 literal (no brackets). */
static int
sk_is_ip(const char *name)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, name, buf) == 1 ||
	    inet_pton(AF_INET6, name, buf) == 1;
}

/* The name the peer's certificate must carry, or "". */
static const char *
sk_tls_name(const struct sock *s)
{
	return s->tls_name[0] != '\0' ? s->tls_name : s->tls_auto_name;
}

/*
 * The peer's TCP stream ended without a close_notify: in the middle of a
 * session that is a truncation (RFC 8446 §6.1), before one a reset.
 */
static int
sk_tls_eof(struct sock *s)
{
	ERR_clear_error();
	if (!s->tls->done) {
		sk_cause(s, "the peer closed the connection during the "
		    "handshake");
		return ECONNRESET;
	}
	sk_cause(s, "connection closed without close_notify (truncated)");
	return LIBSOCK_ETLSEOF;
}

/* Why a handshake, read or write failed, as a cause for the message. */
static int
sk_tls_error(struct sock *s, int sslerr)
{
	unsigned long e = ERR_peek_last_error();
	const char *reason = e != 0 ? ERR_reason_error_string(e) : NULL;
	long vr = SSL_get_verify_result(s->tls->ssl);
	int code;

	if (sslerr == SSL_ERROR_SYSCALL && e == 0 && s->tls->sys_errno != 0)
		return s->tls->sys_errno;
	if ((sslerr == SSL_ERROR_SYSCALL && e == 0)
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
	    || ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING
#endif
	    )
		return sk_tls_eof(s);
	if (!s->tls->done && vr != X509_V_OK) {
		code = LIBSOCK_EVERIFY;
		if (vr == X509_V_ERR_HOSTNAME_MISMATCH ||
		    vr == X509_V_ERR_IP_ADDRESS_MISMATCH)
			sk_cause(s, "certificate verify failed: %s (expected "
			    "%s)", X509_verify_cert_error_string(vr),
			    sk_tls_name(s));
		else
			sk_cause(s, "certificate verify failed: %s",
			    X509_verify_cert_error_string(vr));
	} else {
		code = LIBSOCK_ETLS;
		sk_cause(s, "TLS: %s", reason != NULL ? reason :
		    "protocol error");
	}
	ERR_clear_error();
	return code;
}

/* ------------------------------------------------------------ engine */

/*
 * After SSL_ERROR_WANT_*: a want code in non-blocking mode or for a
 * descriptor the caller made non-blocking itself, else a wait for
 * readiness within the deadline.
 */
static int
sk_tls_wait(struct sock *s, int sslerr, int timeout_ms, int64_t *deadline)
{
	short events = sslerr == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
	int flags;

	if (sk_nonblocking_now(s, timeout_ms) && (s->nonblock ||
	    ((flags = fcntl(s->fd, F_GETFL)) != -1 && (flags & O_NONBLOCK))))
		return sk_want(s, events);
	if (*deadline == SK_NO_DEADLINE)
		*deadline = sk_deadline(timeout_ms);
	return sk_wait(s->fd, events, *deadline);
}

/*
 * One handshake, read or write, to completion.  The error queue is
 * cleared before each call and drained into the socket after, so one
 * connection's failure never shows on another (RELIABILITY 44).
 * Returns bytes (0 for a close_notify), 0 for a handshake, a want code,
 * or -1 with errno and the socket's cause set.
 */
static ssize_t
sk_tls_run(struct sock *s, int kind, void *buf, size_t len, int timeout_ms,
    int64_t *deadline)
{
	SSL *ssl = s->tls->ssl;
	size_t done = 0;
	int rc, err;

	for (;;) {
		ERR_clear_error();
		s->tls->sys_errno = 0;
		if (kind == SK_TLS_HANDSHAKE)
			rc = SSL_do_handshake(ssl);
		else if (kind == SK_TLS_READ)
			rc = SSL_read_ex(ssl, buf, len, &done);
		else
			rc = SSL_write_ex(ssl, buf, len, &done);
		if (rc == 1) {
			if (kind == SK_TLS_HANDSHAKE)
				s->tls->done = 1;
			return (ssize_t)done;
		}
		err = SSL_get_error(ssl, rc);
		if (err == SSL_ERROR_ZERO_RETURN && kind != SK_TLS_HANDSHAKE)
			return 0;
		if (err == SSL_ERROR_ZERO_RETURN) {
			errno = sk_tls_eof(s);
			return -1;
		}
		if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
			/*
			 * SSL_shutdown(3): never after SSL_ERROR_SYSCALL or
			 * _SSL; a close_notify now would tell the peer that a
			 * stream which failed had ended cleanly.
			 */
			s->tls->fatal = 1;
			errno = sk_tls_error(s, err);
			return -1;
		}
		if ((rc = sk_tls_wait(s, err, timeout_ms, deadline)) != 0)
			return rc;
	}
}

/*
 * The handshake, bounded by the handshake timeout and by deadline.  A
 * failure is final: later calls report it again rather than retry.
 */
static int
sk_tls_handshake_now(struct sock *s, int64_t deadline)
{
	int64_t own = sk_deadline(s->tmo.handshake);
	ssize_t rc;

	if (s->tls->failed != 0) {
		sk_cause(s, "the TLS handshake failed (%s)",
		    sock_strerror(s->tls->failed));
		errno = s->tls->failed;
		return -1;
	}
	if (own >= 0 && (deadline < 0 || own < deadline))
		deadline = own;
	/* -1: a want code on a non-blocking descriptor, else the deadline. */
	rc = sk_tls_run(s, SK_TLS_HANDSHAKE, NULL, 0, -1, &deadline);
	if (rc == -1)
		s->tls->failed = errno;
	return (int)rc;
}

static void
sk_tls_detach(struct sock *s)
{
	if (s->tls == NULL)
		return;
	SSL_free(s->tls->ssl);
	SSL_CTX_free(s->tls->ctx);
	free(s->tls);
	s->tls = NULL;
}

/* A new SSL for s from ctx, reading and writing through s's descriptor. */
static int
sk_tls_attach(struct sock *s, SSL_CTX *ctx)
{
	BIO *bio;

	pthread_once(&sk_bio_once, sk_bio_init);
	if (sk_bio_method == NULL)
		return ENOMEM;
	if ((s->tls = calloc(1, sizeof *s->tls)) == NULL)
		return ENOMEM;
	if ((s->tls->ssl = SSL_new(ctx)) == NULL ||
	    (bio = BIO_new(sk_bio_method)) == NULL) {
		sk_tls_detach(s);
		ERR_clear_error();
		return ENOMEM;
	}
	BIO_set_data(bio, s);
	SSL_set_bio(s->tls->ssl, bio, bio);
	return 0;
}

/* The configuration of s, or a default one made for it alone. */
static struct sock_tls_config *
sk_tls_config_of(struct sock *s)
{
	if (s->tls_config == NULL)
		s->tls_config = sock_tls_config_new();
	return s->tls_config;
}

static int
sk_tls_context(struct sock *s, int server, SSL_CTX **ctx)
{
	struct sock_tls_config *cfg = sk_tls_config_of(s);
	char why[SK_ERRMSG_MAX];

	if (cfg == NULL)
		return ENOMEM;
	if ((*ctx = sk_cfg_context(cfg, server, why, sizeof why)) == NULL) {
		sk_cause(s, "TLS: %s", why);
		return LIBSOCK_ETLS;
	}
	return 0;
}

/*
 * What the client checks and sends: the host name (SSL_set1_host) or IP
 * address (set1_ip_asc) against the certificate, and SNI for names only,
 * without a trailing dot (RFC 6066 §3).  Verification with no name to
 * check is a failure, never a skipped check.
 */
static int
sk_tls_client_names(struct sock *s)
{
	const struct sock_tls_config *cfg = s->tls_config;
	char name[SK_HOST_MAX + 1];
	size_t len;

	snprintf(name, sizeof name, "%s", sk_tls_name(s));
	len = strlen(name);
	if (len > 1 && name[len - 1] == '.')
		name[len - 1] = '\0';
	if (!cfg->noverifycert && !cfg->noverifyname) {
		if (name[0] == '\0') {
			sk_cause(s, "no server name to verify the certificate "
			    "against (sock_set_tls_server_name)");
			return LIBSOCK_EVERIFY;
		}
		if (sk_is_ip(name) ?
		    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s->tls->ssl),
		    name) != 1 : SSL_set1_host(s->tls->ssl, name) != 1) {
			sk_cause(s, "cannot verify the name %s", name);
			return LIBSOCK_ETLS;
		}
	}
	if (name[0] != '\0' && !sk_is_ip(name) &&
	    SSL_set_tlsext_host_name(s->tls->ssl, name) != 1) {
		sk_cause(s, "cannot send the server name %s", name);
		return LIBSOCK_ETLS;
	}
	return 0;
}

/*
 * Offer a session kept from an earlier connection to the same name and
 * port, if the configuration has one, and name where new ones belong.
 */
static void
sk_tls_resume(struct sock *s)
{
	char where[INET6_ADDRSTRLEN + 32];	/* "[addr%zone]:port" */
	const char *name = sk_tls_name(s);
	SSL_SESSION *sess;
	int n;

	if (name[0] == '\0') {
		n = sock_addr_format(&s->where, where, sizeof where, 0);
		if (n < 0 || (size_t)n >= sizeof where)
			return;
		snprintf(s->tls->session_key, sizeof s->tls->session_key, "%s",
		    where);
	} else
		snprintf(s->tls->session_key, sizeof s->tls->session_key,
		    "%s:%d", name, sock_addr_port(&s->where));
	SSL_set_app_data(s->tls->ssl, s->tls->session_key);
	if ((sess = sk_cfg_session_take(s->tls_config,
	    s->tls->session_key)) != NULL) {
		(void)SSL_set_session(s->tls->ssl, sess);
		SSL_SESSION_free(sess);
	}
}

/*
 * Client side on a connected descriptor: set up and handshake.  In
 * non-blocking mode a want code keeps the session for the next call,
 * which goes on with the handshake.
 */
int
sk_tls_client(struct sock *s, int64_t deadline)
{
	SSL_CTX *ctx;
	int code, rc;

	if (s->tls == NULL) {
		if ((code = sk_tls_context(s, 0, &ctx)) != 0) {
			errno = code;
			return -1;
		}
		code = sk_tls_attach(s, ctx);
		SSL_CTX_free(ctx);
		if (code == 0)
			code = sk_tls_client_names(s);
		if (code != 0) {
			sk_tls_detach(s);
			errno = code;
			return -1;
		}
		SSL_set_connect_state(s->tls->ssl);
		sk_tls_resume(s);
	}
	if ((rc = sk_tls_handshake_now(s, deadline)) == -1) {
		code = errno;
		sk_tls_detach(s);
		errno = code;
	}
	return rc;
}

/* A listener keeps the server context its accepted sockets share. */
int
sk_tls_listener(struct sock *s)
{
	SSL_CTX *ctx;
	int code;

	if ((code = sk_tls_context(s, 1, &ctx)) != 0) {
		errno = code;
		return -1;
	}
	if ((s->tls = calloc(1, sizeof *s->tls)) == NULL) {
		SSL_CTX_free(ctx);
		errno = ENOMEM;
		return -1;
	}
	s->tls->ctx = ctx;
	return 0;
}

/*
 * An accepted socket gets its SSL at once and its handshake at first use
 * (or sock_tls_handshake), so a slow client never holds up the accept
 * loop; the handshake timeout bounds it.
 */
int
sk_tls_accepted(struct sock *l, struct sock *c)
{
	int code;

	c->tls_config = sk_cfg_ref(l->tls_config);
	if ((code = sk_tls_attach(c, l->tls->ctx)) != 0) {
		errno = code;
		return -1;
	}
	SSL_set_accept_state(c->tls->ssl);
	return 0;
}

/* Before the first read or write: the handshake not yet done. */
static int
sk_tls_ready(struct sock *s, const char *op)
{
	int rc;

	if (s->tls->done)
		return 0;
	if ((rc = sk_tls_handshake_now(s, SK_NO_DEADLINE)) == 0)
		return 0;
	return rc < -1 ? rc : sk_fail_io(s, errno, op);
}

ssize_t
sk_tls_send(struct sock *s, const void *buf, size_t len, int timeout_ms,
    int64_t *deadline)
{
	ssize_t n;
	int rc;

	if ((rc = sk_tls_ready(s, "send")) != 0)
		return rc;
	if (len == 0)
		return 0;
	n = sk_tls_run(s, SK_TLS_WRITE, (void *)(uintptr_t)buf, len,
	    timeout_ms, deadline);
	return n == -1 ? sk_fail_io(s, errno, "send") : n;
}

ssize_t
sk_tls_recv(struct sock *s, void *buf, size_t len, int timeout_ms,
    int64_t *deadline)
{
	ssize_t n;
	int rc;

	if ((rc = sk_tls_ready(s, "recv")) != 0)
		return rc;
	if (len == 0)
		return 0;
	n = sk_tls_run(s, SK_TLS_READ, buf, len, timeout_ms, deadline);
	if (n > 0 && s->reg.poller != NULL)
		sk_poll_tls_check(s);
	return n == -1 ? sk_fail_io(s, errno, "recv") : n;
}

/*
 * Our close_notify, once, without waiting for the peer's.  With a full
 * send buffer it waits within timeout_ms (SK_NO_WAIT: not at all, as at
 * close), or says LIBSOCK_WANT_WRITE on a non-blocking descriptor.
 */
static int
sk_tls_notify(struct sock *s, int timeout_ms)
{
	int64_t deadline = SK_NO_DEADLINE;
	int rc, err;

	if (s->tls == NULL || s->tls->ssl == NULL || !s->tls->done ||
	    s->tls->fatal)
		return 0;
	for (;;) {
		ERR_clear_error();
		s->tls->sys_errno = 0;
		if ((rc = SSL_shutdown(s->tls->ssl)) >= 0)
			break;
		err = SSL_get_error(s->tls->ssl, rc);
		if ((err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ)
		    || timeout_ms == SK_NO_WAIT) {
			ERR_clear_error();
			errno = s->tls->sys_errno != 0 ? s->tls->sys_errno :
			    LIBSOCK_ETLS;
			return -1;
		}
		if ((rc = sk_tls_wait(s, SSL_ERROR_WANT_WRITE, timeout_ms,
		    &deadline)) != 0)
			return rc;
	}
	ERR_clear_error();
	return 0;
}

int
sk_tls_shutdown(struct sock *s)
{
	return sk_tls_notify(s, s->tmo.send);
}

/* At close: our close_notify if a session is up, then the state goes. */
void
sk_tls_end(struct sock *s)
{
	int saved = errno;

	(void)sk_tls_notify(s, SK_NO_WAIT);
	sk_tls_detach(s);
	errno = saved;
}

int
sk_tls_available(void)
{
	return 1;
}

/* ------------------------------------------------------------ public */

int
sock_set_tls_config(struct sock *s, struct sock_tls_config *cfg)
{
	unsigned roles = SK_ROLE(LIBSOCK_ROLE_NEW) | SK_ROLE(LIBSOCK_ROLE_ACTIVE);

	if (sk_check(s, "set tls config", roles) == -1)
		return -1;
	if (cfg == NULL)
		return sk_failx(s, EINVAL, "set tls config: no configuration");
	if (s->tls != NULL)
		return sk_failx(s, EINVAL, "set tls config: TLS is already "
		    "set up on this socket");
	sk_cfg_ref(cfg);
	sock_tls_config_free(s->tls_config);
	s->tls_config = cfg;
	return 0;
}

int
sock_starttls(struct sock *s, int side)
{
	SSL_CTX *ctx;
	int code, rc;

	if (sk_check(s, "starttls", SK_ROLE(LIBSOCK_ROLE_ACTIVE)) == -1)
		return -1;
	if (s->transport != LIBSOCK_TCP || s->tls != NULL)
		return sk_failx(s, EINVAL, "starttls: not a plain TCP "
		    "connection");
	if (side != LIBSOCK_TLS_CLIENT && side != LIBSOCK_TLS_SERVER)
		return sk_failx(s, EINVAL, "starttls: side %d is not "
		    "LIBSOCK_TLS_CLIENT or LIBSOCK_TLS_SERVER", side);
	if ((code = sk_tls_context(s, side == LIBSOCK_TLS_SERVER, &ctx)) ||
	    (code = sk_tls_attach(s, ctx), SSL_CTX_free(ctx), code) ||
	    (side == LIBSOCK_TLS_CLIENT && (code = sk_tls_client_names(s)))) {
		sk_tls_detach(s);
		return sk_fail_io(s, code, "starttls");
	}
	if (side == LIBSOCK_TLS_CLIENT)
		SSL_set_connect_state(s->tls->ssl);
	else
		SSL_set_accept_state(s->tls->ssl);
	s->transport = LIBSOCK_TLS;
	if ((rc = sk_tls_handshake_now(s, SK_NO_DEADLINE)) == 0)
		return 0;
	return rc < -1 ? rc : sk_fail_io(s, errno, "starttls");
}

static int
sk_check_tls(struct sock *s, const char *op)
{
	if (sk_check(s, op, SK_ROLE(LIBSOCK_ROLE_ACTIVE)) == -1)
		return -1;
	if (s->tls == NULL || s->tls->ssl == NULL)
		return sk_failx(s, EINVAL, "%s: not a TLS connection", op);
	return 0;
}

int
sock_tls_handshake(struct sock *s)
{
	int rc;

	if (sk_check_tls(s, "handshake") == -1)
		return -1;
	if (s->tls->done)
		return 0;
	if ((rc = sk_tls_handshake_now(s, SK_NO_DEADLINE)) == 0)
		return 0;
	return rc < -1 ? rc : sk_fail_io(s, errno, "handshake");
}

/* Decrypted bytes waiting inside, which no poll of the descriptor sees. */
int
sk_tls_buffered(struct sock *s)
{
	if (s->tls == NULL || s->tls->ssl == NULL)
		return 0;
	return SSL_pending(s->tls->ssl);
}

int
sock_tls_pending(struct sock *s)
{
	if (sk_check(s, "pending", SK_ROLE(LIBSOCK_ROLE_ACTIVE) |
	    SK_ROLE(LIBSOCK_ROLE_CONNECTED_DGRAM)) == -1)
		return -1;
	if (s->tls == NULL || s->tls->ssl == NULL)
		return 0;
	return SSL_pending(s->tls->ssl);
}

/* The info calls need a finished handshake. */
static int
sk_check_done(struct sock *s, const char *op)
{
	if (sk_check_tls(s, op) == -1)
		return -1;
	if (!s->tls->done)
		return sk_failx(s, EINVAL, "%s: the handshake is not done",
		    op);
	return 0;
}

const char *
sock_tls_version(struct sock *s)
{
	if (sk_check_done(s, "tls version") == -1)
		return NULL;
	return SSL_get_version(s->tls->ssl);
}

const char *
sock_tls_cipher(struct sock *s)
{
	if (sk_check_done(s, "tls cipher") == -1)
		return NULL;
	return SSL_get_cipher_name(s->tls->ssl);
}

/* "" when no protocol was agreed. */
const char *
sock_tls_alpn(struct sock *s)
{
	const unsigned char *p;
	unsigned int len;

	if (sk_check_done(s, "tls alpn") == -1)
		return NULL;
	SSL_get0_alpn_selected(s->tls->ssl, &p, &len);
	snprintf(s->tls->text, sizeof s->tls->text, "%.*s", (int)len,
	    p != NULL ? (const char *)p : "");
	return s->tls->text;
}

/* The peer's certificate, with a reference the caller drops. */
static X509 *
sk_peer_cert(struct sock *s, const char *op)
{
	X509 *x;

	if (sk_check_done(s, op) == -1)
		return NULL;
	if ((x = SSL_get_peer_certificate(s->tls->ssl)) == NULL)
		sk_failx(s, ENOENT, "%s: the peer sent no certificate", op);
	return x;
}

static const char *
sk_name_text(struct sock *s, X509_NAME *name, char *buf, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int n;

	if (bio == NULL) {
		sk_failx(s, ENOMEM, "peer name: out of memory");
		return NULL;
	}
	X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253);
	n = BIO_read(bio, buf, (int)size - 1);
	buf[n > 0 ? n : 0] = '\0';
	BIO_free(bio);
	return buf;
}

const char *
sock_tls_peer_subject(struct sock *s)
{
	const char *text;
	X509 *x;

	if ((x = sk_peer_cert(s, "peer subject")) == NULL)
		return NULL;
	text = sk_name_text(s, X509_get_subject_name(x), s->tls->text,
	    sizeof s->tls->text);
	X509_free(x);
	return text;
}

const char *
sock_tls_peer_issuer(struct sock *s)
{
	const char *text;
	X509 *x;

	if ((x = sk_peer_cert(s, "peer issuer")) == NULL)
		return NULL;
	text = sk_name_text(s, X509_get_issuer_name(x), s->tls->issuer,
	    sizeof s->tls->issuer);
	X509_free(x);
	return text;
}

static int
sk_asn1_time(const ASN1_TIME *t, time_t *out)
{
	struct tm tm;

	if (out == NULL)
		return 0;
	if (ASN1_TIME_to_tm(t, &tm) != 1)
		return -1;
	*out = timegm(&tm);
	return 0;
}

int
sock_tls_peer_validity(struct sock *s, time_t *not_before, time_t *not_after)
{
	X509 *x;
	int rc;

	if ((x = sk_peer_cert(s, "peer validity")) == NULL)
		return -1;
	rc = sk_asn1_time(X509_get0_notBefore(x), not_before) == 0 &&
	    sk_asn1_time(X509_get0_notAfter(x), not_after) == 0 ? 0 : -1;
	X509_free(x);
	if (rc == -1)
		return sk_failx(s, LIBSOCK_ETLS, "peer validity: unreadable "
		    "dates");
	return 0;
}

/* "SHA256:AB:CD:...", with the length snprintf would give. */
int
sock_tls_peer_fingerprint(struct sock *s, char *buf, size_t size)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char text[8 + 3 * EVP_MAX_MD_SIZE];
	unsigned int len, i;
	size_t n;
	X509 *x;

	if (buf == NULL && size > 0)
		return sk_failx(s, EINVAL, "peer fingerprint: no buffer");
	if ((x = sk_peer_cert(s, "peer fingerprint")) == NULL)
		return -1;
	if (X509_digest(x, EVP_sha256(), md, &len) != 1) {
		X509_free(x);
		ERR_clear_error();
		return sk_failx(s, LIBSOCK_ETLS, "peer fingerprint: digest "
		    "failed");
	}
	X509_free(x);
	n = (size_t)snprintf(text, sizeof text, "SHA256");
	for (i = 0; i < len; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, ":%02X",
		    md[i]);
	return snprintf(buf, size, "%s", text);
}

/* 1 when the handshake resumed an earlier session. */
int
sock_tls_session_reused(struct sock *s)
{
	if (sk_check_done(s, "session reused") == -1)
		return -1;
	return SSL_session_reused(s->tls->ssl) == 1;
}

/* 1 when the peer's certificate was verified, 0 when it was not checked. */
int
sock_tls_peer_verified(struct sock *s)
{
	const struct sock_tls_config *cfg;
	X509 *x;
	int verified;

	if (sk_check_done(s, "peer verified") == -1)
		return -1;
	cfg = s->tls_config;
	x = SSL_get_peer_certificate(s->tls->ssl);
	/* Verified means all of it: a chain checked without the name is not. */
	verified = x != NULL &&
	    SSL_get_verify_result(s->tls->ssl) == X509_V_OK &&
	    (SSL_is_server(s->tls->ssl) ? cfg->verify_client != 0 :
	    !cfg->noverifycert && !cfg->noverifyname);
	X509_free(x);
	return verified;
}
