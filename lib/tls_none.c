/*
 * tls_none.c - the TLS calls of a build without OpenSSL
 * (./configure --without-openssl): each fails with LIBSOCK_ENOTSUP.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>

#define SK_NO_TLS	"TLS is not in this build (configured --without-openssl)"

static int
sk_no_tls(struct sock *s, const char *op)
{
	return sk_failx(s, LIBSOCK_ENOTSUP, "%s: %s", op, SK_NO_TLS);
}

int
sk_tls_available(void)
{
	return 0;
}

int
sk_tls_client(struct sock *s, int64_t deadline)
{
	(void)deadline;
	sk_cause(s, "%s", SK_NO_TLS);
	errno = LIBSOCK_ENOTSUP;
	return -1;
}

int
sk_tls_listener(struct sock *s)
{
	return sk_tls_client(s, -1);
}

int
sk_tls_accepted(struct sock *l, struct sock *c)
{
	(void)l;
	return sk_tls_client(c, -1);
}

ssize_t
sk_tls_send(struct sock *s, const void *buf, size_t len, int timeout_ms,
    int64_t *deadline)
{
	(void)buf;
	(void)len;
	(void)timeout_ms;
	(void)deadline;
	return sk_no_tls(s, "send");
}

ssize_t
sk_tls_recv(struct sock *s, void *buf, size_t len, int timeout_ms,
    int64_t *deadline)
{
	(void)buf;
	(void)len;
	(void)timeout_ms;
	(void)deadline;
	return sk_no_tls(s, "recv");
}

int
sk_tls_shutdown(struct sock *s)
{
	(void)s;
	return 0;
}

void
sk_tls_end(struct sock *s)
{
	(void)s;
}

int
sk_tls_buffered(struct sock *s)
{
	(void)s;
	return 0;
}

struct sock_tls_config *
sock_tls_config_new(void)
{
	errno = LIBSOCK_ENOTSUP;
	return NULL;
}

void
sock_tls_config_free(struct sock_tls_config *cfg)
{
	(void)cfg;
}

const char *
sock_tls_config_error(const struct sock_tls_config *cfg)
{
	(void)cfg;
	return SK_NO_TLS;
}

#define SK_CFG_STUB(name, params, uses) \
int \
name params \
{ \
	uses; \
	errno = LIBSOCK_ENOTSUP; \
	return -1; \
}

SK_CFG_STUB(sock_tls_config_set_ca_file,
    (struct sock_tls_config *cfg, const char *path),
    (void)cfg; (void)path)
SK_CFG_STUB(sock_tls_config_set_ca_path,
    (struct sock_tls_config *cfg, const char *dir),
    (void)cfg; (void)dir)
SK_CFG_STUB(sock_tls_config_set_ca_mem,
    (struct sock_tls_config *cfg, const void *pem, size_t len),
    (void)cfg; (void)pem; (void)len)
SK_CFG_STUB(sock_tls_config_set_keypair_file,
    (struct sock_tls_config *cfg, const char *cert, const char *key),
    (void)cfg; (void)cert; (void)key)
SK_CFG_STUB(sock_tls_config_set_keypair_mem,
    (struct sock_tls_config *cfg, const void *cert, size_t certlen,
    const void *key, size_t keylen),
    (void)cfg; (void)cert; (void)certlen; (void)key; (void)keylen)
SK_CFG_STUB(sock_tls_config_add_keypair_file,
    (struct sock_tls_config *cfg, const char *cert, const char *key),
    (void)cfg; (void)cert; (void)key)
SK_CFG_STUB(sock_tls_config_set_alpn,
    (struct sock_tls_config *cfg, const char *protocols),
    (void)cfg; (void)protocols)
SK_CFG_STUB(sock_tls_config_set_protocols,
    (struct sock_tls_config *cfg, unsigned protocols),
    (void)cfg; (void)protocols)
SK_CFG_STUB(sock_tls_config_verify_client,
    (struct sock_tls_config *cfg), (void)cfg)
SK_CFG_STUB(sock_tls_config_verify_client_optional,
    (struct sock_tls_config *cfg), (void)cfg)
SK_CFG_STUB(sock_tls_config_insecure_noverifycert,
    (struct sock_tls_config *cfg), (void)cfg)
SK_CFG_STUB(sock_tls_config_insecure_noverifyname,
    (struct sock_tls_config *cfg), (void)cfg)

int
sock_set_tls_config(struct sock *s, struct sock_tls_config *cfg)
{
	(void)cfg;
	if (sk_check(s, "set tls config", ~SK_ROLE(LIBSOCK_ROLE_CLOSED)) == -1)
		return -1;
	return sk_no_tls(s, "set tls config");
}

int
sock_starttls(struct sock *s, int side)
{
	(void)side;
	if (sk_check(s, "starttls", ~SK_ROLE(LIBSOCK_ROLE_CLOSED)) == -1)
		return -1;
	return sk_no_tls(s, "starttls");
}

/* The calls about a TLS connection: there is never one. */
#define SK_SOCK_STUB(type, name, fail, params, op, uses) \
type \
name params \
{ \
	uses; \
	if (sk_check(s, op, ~SK_ROLE(LIBSOCK_ROLE_CLOSED)) == 0) \
		sk_no_tls(s, op); \
	return fail; \
}

SK_SOCK_STUB(int, sock_tls_handshake, -1, (struct sock *s), "handshake",
    (void)0)
SK_SOCK_STUB(const char *, sock_tls_version, NULL, (struct sock *s),
    "tls version", (void)0)
SK_SOCK_STUB(const char *, sock_tls_cipher, NULL, (struct sock *s),
    "tls cipher", (void)0)
SK_SOCK_STUB(const char *, sock_tls_alpn, NULL, (struct sock *s),
    "tls alpn", (void)0)
SK_SOCK_STUB(const char *, sock_tls_peer_subject, NULL, (struct sock *s),
    "peer subject", (void)0)
SK_SOCK_STUB(const char *, sock_tls_peer_issuer, NULL, (struct sock *s),
    "peer issuer", (void)0)
SK_SOCK_STUB(int, sock_tls_peer_validity, -1,
    (struct sock *s, time_t *not_before, time_t *not_after),
    "peer validity", (void)not_before; (void)not_after)
SK_SOCK_STUB(int, sock_tls_peer_fingerprint, -1,
    (struct sock *s, char *buf, size_t size), "peer fingerprint",
    (void)buf; (void)size)
SK_SOCK_STUB(int, sock_tls_peer_verified, -1, (struct sock *s),
    "peer verified", (void)0)
SK_SOCK_STUB(int, sock_tls_session_reused, -1, (struct sock *s),
    "session reused", (void)0)

/* Plain sockets have nothing buffered inside the library. */
int
sock_tls_pending(struct sock *s)
{
	unsigned roles = SK_ROLE(LIBSOCK_ROLE_ACTIVE) |
	    SK_ROLE(LIBSOCK_ROLE_CONNECTED_DGRAM);

	return sk_check(s, "pending", roles) == -1 ? -1 : 0;
}
