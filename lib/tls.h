/*
 * tls.h - what the TLS files of lib/ share; never installed.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#ifndef LIBSOCK_TLS_H
#define LIBSOCK_TLS_H

#include <pthread.h>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#define SK_TLS_MAX_KEYPAIRS	8
#define SK_TLS_SESSIONS		16	/* client sessions kept for resumption */
#define SK_SESSION_KEY		(SK_HOST_MAX + 8)	/* "name:port" */

#define SK_VERIFY_CLIENT_OPTIONAL	1
#define SK_VERIFY_CLIENT_REQUIRE	2

struct sk_keypair {
	X509		*cert;
	EVP_PKEY	*key;
	STACK_OF(X509)	*chain;		/* intermediates, may be NULL */
};

struct sock_tls_config {
	int			refs;		/* atomic */
	pthread_mutex_t		lock;		/* guards the contexts */
	SSL_CTX			*client_ctx;	/* built on first use */
	SSL_CTX			*server_ctx;
	char			*ca_file;
	char			*ca_path;
	X509_STORE		*ca_store;	/* from set_ca_mem */
	struct sk_keypair	keypairs[SK_TLS_MAX_KEYPAIRS];
	size_t			nkeypairs;
	unsigned char		alpn[256];	/* RFC 7301 wire format */
	size_t			alpn_len;
	unsigned		protocols;	/* LIBSOCK_TLS_1_* */
	int			verify_client;	/* SK_VERIFY_CLIENT_* */
	int			noverifycert;
	int			noverifyname;
	struct {			/* guarded by lock */
		char		 key[SK_SESSION_KEY];
		SSL_SESSION	*sess;
	}			sessions[SK_TLS_SESSIONS];
	size_t			next_session;	/* the slot to reuse next */
	char			err[SK_ERRMSG_MAX];
};

struct sock_tls_config *sk_cfg_ref(struct sock_tls_config *cfg);
SSL_CTX *sk_cfg_context(struct sock_tls_config *cfg, int server, char *why,
    size_t size);
SSL_SESSION *sk_cfg_session_take(struct sock_tls_config *cfg,
    const char *key);

#endif /* LIBSOCK_TLS_H */
