/*
 * tls_config.c - the shared TLS configuration: trust anchors, key pairs,
 * ALPN, protocol versions, verification; built into OpenSSL contexts on
 * first use and shared by every socket that holds a reference.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"
#include "tls.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/*
 * TLS 1.2 suites: forward secrecy and AEAD only (RFC 7525 §4.2); TLS 1.3
 * has only such suites and keeps OpenSSL's list.
 */
#define SK_TLS12_CIPHERS \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:" \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:" \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:" \
	"DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305:" \
	"DHE-RSA-AES128-GCM-SHA256"

static int
sk_cfg_fail(struct sock_tls_config *cfg, int code, const char *fmt, ...)
    SK_PRINTF(3, 4);

/* Record a configuration failure with OpenSSL's reason, if it has one. */
static int
sk_cfg_fail(struct sock_tls_config *cfg, int code, const char *fmt, ...)
{
	unsigned long e = ERR_peek_last_error();
	va_list ap;
	int n;

	if (cfg != NULL) {
		va_start(ap, fmt);
		n = vsnprintf(cfg->err, sizeof cfg->err, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < sizeof cfg->err && e != 0)
			snprintf(cfg->err + n, sizeof cfg->err - (size_t)n,
			    ": %s", ERR_reason_error_string(e) != NULL ?
			    ERR_reason_error_string(e) : "TLS library error");
		else if (n >= 0 && (size_t)n < sizeof cfg->err &&
		    code < LIBSOCK_EBASE)
			snprintf(cfg->err + n, sizeof cfg->err - (size_t)n,
			    ": %s", sock_strerror(code));
	}
	ERR_clear_error();
	errno = code;
	return -1;
}

struct sock_tls_config *
sock_tls_config_new(void)
{
	struct sock_tls_config *cfg;

	/* OpenSSL 1.1.0 and later initialise once, thread-safely. */
	if (OPENSSL_init_ssl(0, NULL) != 1 ||
	    (cfg = calloc(1, sizeof *cfg)) == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (pthread_mutex_init(&cfg->lock, NULL) != 0) {
		free(cfg);
		errno = ENOMEM;
		return NULL;
	}
	cfg->refs = 1;
	cfg->protocols = LIBSOCK_TLS_DEFAULT;
	return cfg;
}

struct sock_tls_config *
sk_cfg_ref(struct sock_tls_config *cfg)
{
	__atomic_add_fetch(&cfg->refs, 1, __ATOMIC_RELAXED);
	return cfg;
}

/*
 * Contexts and the sessions made under them go together: a session
 * resumed skips verification, so none may outlive the settings (a CA, a
 * name check) it was verified under.
 */
static void
sk_cfg_drop_contexts(struct sock_tls_config *cfg)
{
	size_t i;

	SSL_CTX_free(cfg->client_ctx);
	SSL_CTX_free(cfg->server_ctx);
	cfg->client_ctx = cfg->server_ctx = NULL;
	for (i = 0; i < SK_TLS_SESSIONS; i++) {
		SSL_SESSION_free(cfg->sessions[i].sess);
		cfg->sessions[i].sess = NULL;
		cfg->sessions[i].key[0] = '\0';
	}
}

/*
 * A client session (ticket) to resume with, taken out of the cache: a
 * TLS 1.3 ticket is for one use (RFC 8446 §C.4); new ones replace it.
 */
SSL_SESSION *
sk_cfg_session_take(struct sock_tls_config *cfg, const char *key)
{
	SSL_SESSION *sess = NULL;
	size_t i;

	pthread_mutex_lock(&cfg->lock);
	for (i = 0; i < SK_TLS_SESSIONS; i++)
		if (cfg->sessions[i].sess != NULL &&
		    strcmp(cfg->sessions[i].key, key) == 0) {
			sess = cfg->sessions[i].sess;
			cfg->sessions[i].sess = NULL;
			cfg->sessions[i].key[0] = '\0';
			break;
		}
	pthread_mutex_unlock(&cfg->lock);
	return sess;
}

/* OpenSSL's new-session callback: keep the session, replacing the oldest. */
static int
sk_session_new(SSL *ssl, SSL_SESSION *sess)
{
	struct sock_tls_config *cfg =
	    SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	const char *key = SSL_get_app_data(ssl);
	size_t slot;

	if (cfg == NULL || key == NULL || key[0] == '\0')
		return 0;
	pthread_mutex_lock(&cfg->lock);
	slot = cfg->next_session;
	cfg->next_session = (slot + 1) % SK_TLS_SESSIONS;
	SSL_SESSION_free(cfg->sessions[slot].sess);
	cfg->sessions[slot].sess = sess;
	snprintf(cfg->sessions[slot].key, sizeof cfg->sessions[slot].key,
	    "%s", key);
	pthread_mutex_unlock(&cfg->lock);
	return 1;	/* the reference is ours now */
}

static void
sk_keypair_free(struct sk_keypair *kp)
{
	X509_free(kp->cert);
	EVP_PKEY_free(kp->key);
	sk_X509_pop_free(kp->chain, X509_free);
	memset(kp, 0, sizeof *kp);
}

/* Drops one reference; the last frees. */
void
sock_tls_config_free(struct sock_tls_config *cfg)
{
	size_t i;

	if (cfg == NULL ||
	    __atomic_sub_fetch(&cfg->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	sk_cfg_drop_contexts(cfg);
	for (i = 0; i < cfg->nkeypairs; i++)
		sk_keypair_free(&cfg->keypairs[i]);
	X509_STORE_free(cfg->ca_store);
	free(cfg->ca_file);
	free(cfg->ca_path);
	pthread_mutex_destroy(&cfg->lock);
	free(cfg);
}

const char *
sock_tls_config_error(const struct sock_tls_config *cfg)
{
	if (cfg == NULL)
		return "invalid TLS configuration (NULL)";
	return cfg->err;
}

/* Every setter: check, then forget contexts built from the old state. */
static int
sk_cfg_begin(struct sock_tls_config *cfg, const char *op)
{
	if (cfg == NULL) {
		errno = EINVAL;
		return -1;
	}
	(void)op;
	pthread_mutex_lock(&cfg->lock);
	sk_cfg_drop_contexts(cfg);
	pthread_mutex_unlock(&cfg->lock);
	return 0;
}

static int
sk_set_string(struct sock_tls_config *cfg, char **field, const char *value,
    const char *op)
{
	char *copy;

	if (sk_cfg_begin(cfg, op) == -1)
		return -1;
	if (value == NULL)
		return sk_cfg_fail(cfg, EINVAL, "%s: no path given", op);
	if ((copy = strdup(value)) == NULL)
		return sk_cfg_fail(cfg, ENOMEM, "%s", op);
	free(*field);
	*field = copy;
	return 0;
}

/* A missing or unreadable file fails here, not at some later connect. */
static int
sk_check_readable(struct sock_tls_config *cfg, const char *path, int dir,
    const char *op)
{
	struct stat st;

	if (path == NULL)
		return sk_cfg_fail(cfg, EINVAL, "%s: no path given", op);
	if (stat(path, &st) == -1 || access(path, R_OK) == -1)
		return sk_cfg_fail(cfg, errno, "%s %s", op, path);
	if (dir != (S_ISDIR(st.st_mode) != 0))
		return sk_cfg_fail(cfg, dir ? ENOTDIR : EISDIR, "%s %s", op,
		    path);
	return 0;
}

int
sock_tls_config_set_ca_file(struct sock_tls_config *cfg, const char *path)
{
	if (cfg != NULL && sk_check_readable(cfg, path, 0, "set ca file") == -1)
		return -1;
	return sk_set_string(cfg, cfg != NULL ? &cfg->ca_file : NULL, path,
	    "set ca file");
}

int
sock_tls_config_set_ca_path(struct sock_tls_config *cfg, const char *dir)
{
	if (cfg != NULL && sk_check_readable(cfg, dir, 1, "set ca path") == -1)
		return -1;
	return sk_set_string(cfg, cfg != NULL ? &cfg->ca_path : NULL, dir,
	    "set ca path");
}

/* Read every certificate of a PEM text. */
static STACK_OF(X509) *
sk_read_certs(const void *pem, size_t len)
{
	STACK_OF(X509) *certs;
	BIO *bio;
	X509 *x;

	if (len > INT_MAX || (bio = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return NULL;
	if ((certs = sk_X509_new_null()) == NULL) {
		BIO_free(bio);
		return NULL;
	}
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
		if (sk_X509_push(certs, x) == 0) {
			X509_free(x);
			break;
		}
	/* The end of the text reads as an error: not one to keep. */
	ERR_clear_error();
	BIO_free(bio);
	if (sk_X509_num(certs) == 0) {
		sk_X509_free(certs);
		return NULL;
	}
	return certs;
}

int
sock_tls_config_set_ca_mem(struct sock_tls_config *cfg, const void *pem,
    size_t len)
{
	const char *op = "set ca mem";
	STACK_OF(X509) *certs;
	X509_STORE *store;
	int i;

	if (sk_cfg_begin(cfg, op) == -1)
		return -1;
	if (pem == NULL || len == 0)
		return sk_cfg_fail(cfg, EINVAL, "%s: no PEM text given", op);
	if ((certs = sk_read_certs(pem, len)) == NULL)
		return sk_cfg_fail(cfg, LIBSOCK_ETLS, "%s: no certificate in "
		    "the PEM text", op);
	if ((store = X509_STORE_new()) == NULL) {
		sk_X509_pop_free(certs, X509_free);
		return sk_cfg_fail(cfg, ENOMEM, "%s", op);
	}
	for (i = 0; i < sk_X509_num(certs); i++)
		if (X509_STORE_add_cert(store, sk_X509_value(certs, i)) != 1) {
			sk_X509_pop_free(certs, X509_free);
			X509_STORE_free(store);
			return sk_cfg_fail(cfg, LIBSOCK_ETLS, "%s", op);
		}
	sk_X509_pop_free(certs, X509_free);
	X509_STORE_free(cfg->ca_store);
	cfg->ca_store = store;
	return 0;
}

static int
sk_no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return 0;
}

/* Load a key pair; the first certificate is the leaf, the rest its chain. */
static int
sk_keypair_load(struct sock_tls_config *cfg, struct sk_keypair *kp,
    const void *cert, size_t certlen, const void *key, size_t keylen,
    const char *op)
{
	STACK_OF(X509) *certs;
	BIO *bio;

	memset(kp, 0, sizeof *kp);
	if ((certs = sk_read_certs(cert, certlen)) == NULL)
		return sk_cfg_fail(cfg, LIBSOCK_ETLS, "%s: no certificate in "
		    "the PEM text", op);
	kp->cert = sk_X509_shift(certs);
	kp->chain = certs;
	if (keylen > INT_MAX ||
	    (bio = BIO_new_mem_buf(key, (int)keylen)) == NULL) {
		sk_keypair_free(kp);
		return sk_cfg_fail(cfg, ENOMEM, "%s", op);
	}
	/* An encrypted key fails: a library must never prompt. */
	kp->key = PEM_read_bio_PrivateKey(bio, NULL, sk_no_passphrase, NULL);
	BIO_free(bio);
	if (kp->key == NULL) {
		sk_keypair_free(kp);
		return sk_cfg_fail(cfg, LIBSOCK_ETLS, "%s: no private key in "
		    "the PEM text", op);
	}
	if (X509_check_private_key(kp->cert, kp->key) != 1) {
		sk_keypair_free(kp);
		return sk_cfg_fail(cfg, LIBSOCK_ETLS, "%s: the key does not "
		    "match the certificate", op);
	}
	return 0;
}

/* Read a whole (small) file: certificates and keys. */
static int
sk_read_file(struct sock_tls_config *cfg, const char *path, char **data,
    size_t *len, const char *op)
{
	char buf[4096], *p = NULL, *grown;
	size_t n, have = 0;
	int failed;
	FILE *f;

	if (path == NULL)
		return sk_cfg_fail(cfg, EINVAL, "%s: no file given", op);
	if ((f = fopen(path, "re")) == NULL)
		return sk_cfg_fail(cfg, errno, "%s %s", op, path);
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		if (have + n > (1 << 20) ||
		    (grown = realloc(p, have + n + 1)) == NULL) {
			free(p);
			fclose(f);
			return sk_cfg_fail(cfg, have + n > (1 << 20) ?
			    EFBIG : ENOMEM, "%s %s", op, path);
		}
		p = grown;
		memcpy(p + have, buf, n);
		have += n;
	}
	failed = ferror(f);
	fclose(f);
	if (failed || have == 0) {
		free(p);
		return sk_cfg_fail(cfg, failed ? EIO : EINVAL,
		    "%s %s: empty or unreadable", op, path);
	}
	p[have] = '\0';
	*data = p;
	*len = have;
	return 0;
}

/* Replace (index 0) or add a key pair. */
static int
sk_keypair_store(struct sock_tls_config *cfg, size_t index,
    const void *cert, size_t certlen, const void *key, size_t keylen,
    const char *op)
{
	struct sk_keypair kp;

	if (index >= SK_TLS_MAX_KEYPAIRS)
		return sk_cfg_fail(cfg, ENOSPC, "%s: at most %d key pairs",
		    op, SK_TLS_MAX_KEYPAIRS);
	if (sk_keypair_load(cfg, &kp, cert, certlen, key, keylen, op) == -1)
		return -1;
	if (index < cfg->nkeypairs)
		sk_keypair_free(&cfg->keypairs[index]);
	cfg->keypairs[index] = kp;
	if (index >= cfg->nkeypairs)
		cfg->nkeypairs = index + 1;
	return 0;
}

static int
sk_keypair_files(struct sock_tls_config *cfg, size_t index,
    const char *cert, const char *key, const char *op)
{
	char *c = NULL, *k = NULL;
	size_t clen, klen;
	int rc = -1;

	if (sk_cfg_begin(cfg, op) == -1)
		return -1;
	if (sk_read_file(cfg, cert, &c, &clen, op) == 0 &&
	    sk_read_file(cfg, key, &k, &klen, op) == 0)
		rc = sk_keypair_store(cfg, index, c, clen, k, klen, op);
	free(c);
	if (k != NULL)
		OPENSSL_cleanse(k, klen);
	free(k);
	return rc;
}

int
sock_tls_config_set_keypair_file(struct sock_tls_config *cfg,
    const char *cert, const char *key)
{
	return sk_keypair_files(cfg, 0, cert, key, "set keypair file");
}

int
sock_tls_config_add_keypair_file(struct sock_tls_config *cfg,
    const char *cert, const char *key)
{
	if (cfg != NULL && cfg->nkeypairs == 0)
		return sk_cfg_fail(cfg, EINVAL, "add keypair file: set the "
		    "default key pair first");
	return sk_keypair_files(cfg, cfg != NULL ? cfg->nkeypairs : 0, cert,
	    key, "add keypair file");
}

int
sock_tls_config_set_keypair_mem(struct sock_tls_config *cfg,
    const void *cert, size_t certlen, const void *key, size_t keylen)
{
	const char *op = "set keypair mem";

	if (sk_cfg_begin(cfg, op) == -1)
		return -1;
	if (cert == NULL || certlen == 0 || key == NULL || keylen == 0)
		return sk_cfg_fail(cfg, EINVAL, "%s: no PEM text given", op);
	return sk_keypair_store(cfg, 0, cert, certlen, key, keylen, op);
}

/* "h2,http/1.1" to the wire form of RFC 7301: length-prefixed names. */
int
sock_tls_config_set_alpn(struct sock_tls_config *cfg, const char *protocols)
{
	const char *op = "set alpn", *p, *comma;
	unsigned char wire[sizeof cfg->alpn];
	size_t n = 0, len;

	if (sk_cfg_begin(cfg, op) == -1)
		return -1;
	if (protocols == NULL || *protocols == '\0')
		return sk_cfg_fail(cfg, EINVAL, "%s: no protocols given", op);
	for (p = protocols; ; p = comma + 1) {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len == 0 || len > 255)
			return sk_cfg_fail(cfg, EINVAL, "%s: a protocol name "
			    "is empty or longer than 255 bytes", op);
		if (n + 1 + len > sizeof wire)
			return sk_cfg_fail(cfg, EINVAL, "%s: list too long",
			    op);
		wire[n++] = (unsigned char)len;
		memcpy(wire + n, p, len);
		n += len;
		if (comma == NULL)
			break;
	}
	memcpy(cfg->alpn, wire, n);
	cfg->alpn_len = n;
	return 0;
}

int
sock_tls_config_set_protocols(struct sock_tls_config *cfg,
    unsigned protocols)
{
	if (sk_cfg_begin(cfg, "set protocols") == -1)
		return -1;
	if (protocols == 0 || (protocols & ~LIBSOCK_TLS_DEFAULT) != 0)
		return sk_cfg_fail(cfg, EINVAL, "set protocols: 0x%x is not "
		    "LIBSOCK_TLS_1_2, LIBSOCK_TLS_1_3 or both", protocols);
	cfg->protocols = protocols;
	return 0;
}

static int
sk_set_flag(struct sock_tls_config *cfg, int *field, int value,
    const char *op)
{
	if (sk_cfg_begin(cfg, op) == -1)
		return -1;
	*field = value;
	return 0;
}

int
sock_tls_config_verify_client(struct sock_tls_config *cfg)
{
	return sk_set_flag(cfg, cfg != NULL ? &cfg->verify_client : NULL,
	    SK_VERIFY_CLIENT_REQUIRE, "verify client");
}

int
sock_tls_config_verify_client_optional(struct sock_tls_config *cfg)
{
	return sk_set_flag(cfg, cfg != NULL ? &cfg->verify_client : NULL,
	    SK_VERIFY_CLIENT_OPTIONAL, "verify client optional");
}

int
sock_tls_config_insecure_noverifycert(struct sock_tls_config *cfg)
{
	return sk_set_flag(cfg, cfg != NULL ? &cfg->noverifycert : NULL, 1,
	    "insecure noverifycert");
}

int
sock_tls_config_insecure_noverifyname(struct sock_tls_config *cfg)
{
	return sk_set_flag(cfg, cfg != NULL ? &cfg->noverifyname : NULL, 1,
	    "insecure noverifyname");
}

/* ------------------------------------------------------------ contexts */

/* The floor is TLS 1.2 whatever the system's openssl.cnf says (RFC 8996). */
static int
sk_ctx_protocols(const struct sock_tls_config *cfg, SSL_CTX *ctx)
{
	int min = (cfg->protocols & LIBSOCK_TLS_1_2) ? TLS1_2_VERSION :
	    TLS1_3_VERSION;
	int max = (cfg->protocols & LIBSOCK_TLS_1_3) ? TLS1_3_VERSION :
	    TLS1_2_VERSION;

	return SSL_CTX_set_min_proto_version(ctx, min) == 1 &&
	    SSL_CTX_set_max_proto_version(ctx, max) == 1 &&
	    SSL_CTX_set_cipher_list(ctx, SK_TLS12_CIPHERS) == 1 ? 0 : -1;
}

static int
sk_ctx_trust(const struct sock_tls_config *cfg, SSL_CTX *ctx)
{
	if (cfg->ca_store != NULL) {
		X509_STORE_up_ref(cfg->ca_store);
		SSL_CTX_set_cert_store(ctx, cfg->ca_store);
		return 0;
	}
	if (cfg->ca_file != NULL || cfg->ca_path != NULL)
		return SSL_CTX_load_verify_locations(ctx, cfg->ca_file,
		    cfg->ca_path) == 1 ? 0 : -1;
	return SSL_CTX_set_default_verify_paths(ctx) == 1 ? 0 : -1;
}

static int
sk_ctx_keypair(SSL_CTX *ctx, const struct sk_keypair *kp)
{
	int i;

	if (SSL_CTX_use_certificate(ctx, kp->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, kp->key) != 1)
		return -1;
	for (i = 0; kp->chain != NULL && i < sk_X509_num(kp->chain); i++) {
		X509 *x = sk_X509_value(kp->chain, i);

		if (SSL_CTX_add1_chain_cert(ctx, x) != 1)
			return -1;
	}
	return 0;
}

/*
 * What a server context's callbacks read, copied from the configuration
 * when the context is built and freed with it: a setter called later, or
 * in another thread, never reaches a listener already running.
 */
struct sk_server_extra {
	unsigned char	 alpn[256];
	size_t		 alpn_len;
	X509		*sni_cert[SK_TLS_MAX_KEYPAIRS];	/* pairs after the first */
	SSL_CTX		*sni_ctx[SK_TLS_MAX_KEYPAIRS];
	size_t		 nsni;
};

static int sk_extra_index = -1;
static pthread_once_t sk_extra_once = PTHREAD_ONCE_INIT;

static void
sk_extra_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	struct sk_server_extra *x = ptr;
	size_t i;

	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (x == NULL)
		return;
	for (i = 0; i < x->nsni; i++) {
		X509_free(x->sni_cert[i]);
		SSL_CTX_free(x->sni_ctx[i]);
	}
	free(x);
}

/* Made once, then only read: not mutable state. */
static void
sk_extra_init(void)
{
	sk_extra_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL,
	    sk_extra_free);
}

static struct sk_server_extra *
sk_extra_of(SSL *ssl)
{
	return SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), sk_extra_index);
}

/* The server's ALPN choice: its own preference order (RFC 7301 §3.2). */
static int
sk_alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
    const unsigned char *in, unsigned int inlen, void *arg)
{
	const struct sk_server_extra *x = sk_extra_of(ssl);
	unsigned char *sel;

	(void)arg;
	if (x == NULL || SSL_select_next_proto(&sel, outlen, x->alpn,
	    (unsigned)x->alpn_len, in, inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

/* SNI on a server with several key pairs: the first whose name fits. */
static int
sk_servername(SSL *ssl, int *alert, void *arg)
{
	const struct sk_server_extra *x = sk_extra_of(ssl);
	const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	size_t i;

	(void)alert;
	(void)arg;
	if (name == NULL || x == NULL)
		return SSL_TLSEXT_ERR_NOACK;
	for (i = 0; i < x->nsni; i++)
		if (X509_check_host(x->sni_cert[i], name, 0, 0, NULL) == 1) {
			SSL_set_SSL_CTX(ssl, x->sni_ctx[i]);
			return SSL_TLSEXT_ERR_OK;
		}
	return SSL_TLSEXT_ERR_OK;
}

/* Attach a fresh snapshot to a server context; it owns it from now. */
static struct sk_server_extra *
sk_extra_attach(const struct sock_tls_config *cfg, SSL_CTX *ctx)
{
	struct sk_server_extra *x;

	pthread_once(&sk_extra_once, sk_extra_init);
	if (sk_extra_index < 0 || (x = calloc(1, sizeof *x)) == NULL)
		return NULL;
	memcpy(x->alpn, cfg->alpn, cfg->alpn_len);
	x->alpn_len = cfg->alpn_len;
	if (SSL_CTX_set_ex_data(ctx, sk_extra_index, x) != 1) {
		free(x);
		return NULL;
	}
	return x;
}

static SSL_CTX *
sk_ctx_common(struct sock_tls_config *cfg, int server)
{
	SSL_CTX *ctx;
	long options = SSL_OP_NO_COMPRESSION;

#ifdef SSL_OP_NO_RENEGOTIATION
	options |= SSL_OP_NO_RENEGOTIATION;
#endif
	if (server)
		options |= SSL_OP_CIPHER_SERVER_PREFERENCE;
	if ((ctx = SSL_CTX_new(server ? TLS_server_method() :
	    TLS_client_method())) == NULL)
		return NULL;
	SSL_CTX_set_options(ctx, options);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE |
	    SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	if (sk_ctx_protocols(cfg, ctx) == -1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static SSL_CTX *
sk_client_ctx_build(struct sock_tls_config *cfg)
{
	SSL_CTX *ctx;

	if ((ctx = sk_ctx_common(cfg, 0)) == NULL)
		return NULL;
	SSL_CTX_set_verify(ctx, cfg->noverifycert ? SSL_VERIFY_NONE :
	    SSL_VERIFY_PEER, NULL);
	/* Resumption: sessions go to the configuration's cache. */
	SSL_CTX_set_app_data(ctx, cfg);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT |
	    SSL_SESS_CACHE_NO_INTERNAL_STORE);
	SSL_CTX_sess_set_new_cb(ctx, sk_session_new);
	if ((!cfg->noverifycert && sk_ctx_trust(cfg, ctx) == -1) ||
	    (cfg->nkeypairs > 0 && sk_ctx_keypair(ctx, &cfg->keypairs[0]) ==
	    -1) ||
	    (cfg->alpn_len > 0 && SSL_CTX_set_alpn_protos(ctx, cfg->alpn,
	    (unsigned)cfg->alpn_len) != 0)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

static SSL_CTX *
sk_server_ctx_one(struct sock_tls_config *cfg, const struct sk_keypair *kp)
{
	static const unsigned char sid[] = "libsock";
	SSL_CTX *ctx;
	int mode = SSL_VERIFY_NONE;

	if ((ctx = sk_ctx_common(cfg, 1)) == NULL)
		return NULL;
	if (cfg->verify_client != 0) {
		mode = SSL_VERIFY_PEER;
		if (cfg->verify_client == SK_VERIFY_CLIENT_REQUIRE)
			mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
	}
	SSL_CTX_set_verify(ctx, mode, NULL);
	/* Resumption: tickets are on by default; this makes them usable. */
	if (SSL_CTX_set_session_id_context(ctx, sid, sizeof sid - 1) != 1 ||
	    sk_ctx_keypair(ctx, kp) == -1 ||
	    (cfg->verify_client != 0 && sk_ctx_trust(cfg, ctx) == -1)) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (sk_extra_attach(cfg, ctx) == NULL) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (cfg->alpn_len > 0)
		SSL_CTX_set_alpn_select_cb(ctx, sk_alpn_select, NULL);
	return ctx;
}

/*
 * The server context of the first key pair; with more pairs, one context
 * each, chosen by SNI and owned by the first's snapshot.
 */
static SSL_CTX *
sk_server_ctx_build(struct sock_tls_config *cfg)
{
	struct sk_server_extra *x;
	SSL_CTX *ctx;
	size_t i;

	if (cfg->nkeypairs == 0) {
		ERR_clear_error();
		return NULL;
	}
	if ((ctx = sk_server_ctx_one(cfg, &cfg->keypairs[0])) == NULL)
		return NULL;
	x = SSL_CTX_get_ex_data(ctx, sk_extra_index);
	for (i = 1; i < cfg->nkeypairs; i++) {
		if ((x->sni_ctx[x->nsni] = sk_server_ctx_one(cfg,
		    &cfg->keypairs[i])) == NULL) {
			SSL_CTX_free(ctx);
			return NULL;
		}
		X509_up_ref(cfg->keypairs[i].cert);
		x->sni_cert[x->nsni++] = cfg->keypairs[i].cert;
	}
	if (x->nsni > 0)
		SSL_CTX_set_tlsext_servername_callback(ctx, sk_servername);
	return ctx;
}

/*
 * The context for one side, built on first use and kept until a setter
 * changes the configuration.  The caller gets its own reference.
 */
SSL_CTX *
sk_cfg_context(struct sock_tls_config *cfg, int server, char *why,
    size_t size)
{
	SSL_CTX **slot, *ctx;

	pthread_mutex_lock(&cfg->lock);
	slot = server ? &cfg->server_ctx : &cfg->client_ctx;
	if (*slot == NULL)
		*slot = server ? sk_server_ctx_build(cfg) :
		    sk_client_ctx_build(cfg);
	if ((ctx = *slot) != NULL)
		SSL_CTX_up_ref(ctx);
	pthread_mutex_unlock(&cfg->lock);
	if (ctx == NULL) {
		unsigned long e = ERR_peek_last_error();

		if (server && cfg->nkeypairs == 0)
			snprintf(why, size, "no certificate and key "
			    "configured (sock_tls_config_set_keypair_file)");
		else
			snprintf(why, size, "%s", e != 0 &&
			    ERR_reason_error_string(e) != NULL ?
			    ERR_reason_error_string(e) :
			    "cannot set up the TLS context");
		ERR_clear_error();
	}
	return ctx;
}
