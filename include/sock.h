/*
 * sock.h - libsock, socket objects for C
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 *
 * The only public header of libsock.  See sock(3) for the overview.
 *
 * Error model, the same for every function:
 *  - functions returning int or ssize_t return -1 on failure, functions
 *    returning a pointer return NULL;
 *  - a failure on a socket object is kept on it: sock_error() gives a
 *    message with the operation, the address and the cause, and
 *    sock_error_code() gives an errno value or a LIBSOCK_E* code;
 *  - errno is set to that same code on every failure, so functions
 *    without a socket object (the sock_addr_* family) report through
 *    errno alone; sock_strerror() names any code;
 *  - the library never prints, aborts or exits.
 */
#ifndef LIBSOCK_SOCK_H
#define LIBSOCK_SOCK_H

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <stddef.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define LIBSOCK_API __attribute__((visibility("default")))
#define LIBSOCK_NODISCARD __attribute__((warn_unused_result))
#else
#define LIBSOCK_API
#define LIBSOCK_NODISCARD
#endif

/* Version of the header; sock_version() gives the library's. */
#define LIBSOCK_VERSION_MAJOR	0
#define LIBSOCK_VERSION_MINOR	1
#define LIBSOCK_VERSION_PATCH	0
#define LIBSOCK_VERSION		"0.1.0"
#define LIBSOCK_VERSION_NUMBER \
	((LIBSOCK_VERSION_MAJOR << 16) | (LIBSOCK_VERSION_MINOR << 8) | \
	 LIBSOCK_VERSION_PATCH)

/*
 * Error codes beyond errno(3), for what errno cannot say.  They lie far
 * above every errno value of the supported systems.
 */
#define LIBSOCK_EBASE		20000
#define LIBSOCK_ERESOLVE	(LIBSOCK_EBASE + 1)	/* name resolution failed */
#define LIBSOCK_ENONAME		(LIBSOCK_EBASE + 2)	/* host or service unknown */
#define LIBSOCK_ETRUNC		(LIBSOCK_EBASE + 3)	/* datagram truncated */
#define LIBSOCK_EEOF		(LIBSOCK_EBASE + 4)	/* stream ended mid-transfer */
#define LIBSOCK_ENOTSUP		(LIBSOCK_EBASE + 5)	/* not supported here */
#define LIBSOCK_ETLS		(LIBSOCK_EBASE + 6)	/* TLS protocol failure */
#define LIBSOCK_EVERIFY		(LIBSOCK_EBASE + 7)	/* peer not verified */
#define LIBSOCK_ETLSEOF		(LIBSOCK_EBASE + 8)	/* no close_notify */

/* Returned by I/O on a non-blocking socket that cannot proceed yet. */
#define LIBSOCK_WANT_READ	(-2)
#define LIBSOCK_WANT_WRITE	(-3)

/* Transports, from an address's scheme. */
#define LIBSOCK_TCP		1	/* tcp:// */
#define LIBSOCK_UDP		2	/* udp:// */
#define LIBSOCK_UNIX		3	/* unix://, a local stream */
#define LIBSOCK_UNIXGRAM	4	/* unixgram://, local datagrams */
#define LIBSOCK_TLS		5	/* tls://, TLS over TCP */

/* What a socket object has become. */
#define LIBSOCK_ROLE_NEW	0	/* created, nothing done yet */
#define LIBSOCK_ROLE_PASSIVE	1	/* listening stream socket */
#define LIBSOCK_ROLE_ACTIVE	2	/* connected stream socket */
#define LIBSOCK_ROLE_DGRAM	3	/* bound datagram socket */
#define LIBSOCK_ROLE_CONNECTED_DGRAM 4	/* datagram socket with one peer */
#define LIBSOCK_ROLE_CLOSED	5	/* closed by sock_close() */
#define LIBSOCK_ROLE_CONNECTING	6	/* non-blocking connect under way */

/*
 * Room for any address formatted by sock_addr_format(), with its NUL: the
 * longest is an abstract Unix name of 107 escaped bytes (4 each).
 */
#define LIBSOCK_ADDRSTRLEN	448

/* Flags of sock_addr_format(). */
#define LIBSOCK_FORMAT_SCHEME	0x01	/* prefix "tcp://", "unix://", ... */

/* Most descriptors one message may carry (Linux's SCM_MAX_FD). */
#define LIBSOCK_MAX_FDS		253

/*
 * One concrete socket address: a transport and a system socket address.
 * A value type: copy it, keep it on the stack.  Its size is part of the
 * ABI; read the fields, but fill it only through sock_addr_parse(),
 * sock_addr_resolve() or the calls that report addresses.
 */
struct sock_addr {
	int			transport;	/* LIBSOCK_TCP, ... */
	socklen_t		len;		/* bytes used in storage */
	struct sockaddr_storage	storage;	/* sockaddr_in, _in6 or _un */
};

/* Protocol versions for sock_tls_config_set_protocols(). */
#define LIBSOCK_TLS_1_2		0x01
#define LIBSOCK_TLS_1_3		0x02
#define LIBSOCK_TLS_DEFAULT	(LIBSOCK_TLS_1_2 | LIBSOCK_TLS_1_3)

/* Sides for sock_starttls(). */
#define LIBSOCK_TLS_CLIENT	1
#define LIBSOCK_TLS_SERVER	2

/* Readiness for the poller: asked for, and reported. */
#define LIBSOCK_POLL_IN		0x01	/* readable, or a connection waits */
#define LIBSOCK_POLL_OUT	0x02	/* writable, or a connect finished */
#define LIBSOCK_POLL_ERR	0x04	/* an error is pending (reported only) */
#define LIBSOCK_POLL_HUP	0x08	/* the peer hung up (reported only) */
#define LIBSOCK_POLL_EDGE	0x10	/* asked: report changes, not levels */

/* The socket object, opaque. */
struct sock;

/*
 * One ready socket, from sock_poller_wait().  The array belongs to the
 * poller and lasts until its next wait; an entry whose sock is NULL was
 * removed after the wait (closed, freed or deleted): skip it.
 */
struct sock_event {
	struct sock	*sock;
	void		*udata;		/* as given to sock_poller_add/mod */
	unsigned	 events;	/* LIBSOCK_POLL_IN, _OUT, _ERR, _HUP */
};

/* The readiness poller, opaque: epoll, kqueue or poll(2) inside. */
struct sock_poller;

/*
 * One datagram of a batch for sock_sendmany() and sock_recvmany().
 * Sending: buf and len say what, addr where (ignored when connected).
 * Receiving: buf and len give the room; n, flags and addr are filled.
 */
struct sock_dgram {
	void			*buf;
	size_t			 len;
	size_t			 n;	/* bytes sent or received */
	int			 flags;	/* LIBSOCK_DGRAM_TRUNC */
	struct sock_addr	 addr;
};

/* Flags of struct sock_dgram. */
#define LIBSOCK_DGRAM_TRUNC	0x01	/* longer than len: the rest is lost */

/* UDP offloads in effect, from sock_offload(). */
#define LIBSOCK_OFFLOAD_GSO	0x01	/* segmentation (UDP_SEGMENT) */
#define LIBSOCK_OFFLOAD_GRO	0x02	/* coalescing (UDP_GRO) */

/* The TLS configuration, opaque, shared and reference-counted. */
struct sock_tls_config;

/* Objects: create, close, free. */
LIBSOCK_API struct sock *sock_new(void) LIBSOCK_NODISCARD;
LIBSOCK_API int sock_close(struct sock *s);
LIBSOCK_API void sock_free(struct sock *s);
LIBSOCK_API int sock_fd(const struct sock *s);
LIBSOCK_API int sock_role(const struct sock *s);
LIBSOCK_API int sock_transport(const struct sock *s);

/* Connection-oriented and connectionless set-up. */
LIBSOCK_API int sock_listen(struct sock *s, const char *address);
LIBSOCK_API int sock_listen_addr(struct sock *s, const struct sock_addr *addr);
LIBSOCK_API struct sock *sock_accept(struct sock *listener) LIBSOCK_NODISCARD;
LIBSOCK_API int sock_connect(struct sock *s, const char *address);
LIBSOCK_API int sock_connect_addr(struct sock *s,
    const struct sock_addr *addr);
LIBSOCK_API int sock_bind(struct sock *s, const char *address);
LIBSOCK_API int sock_bind_addr(struct sock *s, const struct sock_addr *addr);

/* Stream and connected-datagram I/O. */
LIBSOCK_API ssize_t sock_send(struct sock *s, const void *buf, size_t len);
LIBSOCK_API ssize_t sock_recv(struct sock *s, void *buf, size_t len);
LIBSOCK_API ssize_t sock_send_all(struct sock *s, const void *buf,
    size_t len);
LIBSOCK_API ssize_t sock_recv_exact(struct sock *s, void *buf, size_t len);
LIBSOCK_API ssize_t sock_sendv(struct sock *s, const struct iovec *iov,
    int iovcnt);
LIBSOCK_API ssize_t sock_recvv(struct sock *s, const struct iovec *iov,
    int iovcnt);
LIBSOCK_API ssize_t sock_sendv_all(struct sock *s, const struct iovec *iov,
    int iovcnt);
LIBSOCK_API int sock_shutdown(struct sock *s, int how);

/* Connectionless I/O. */
LIBSOCK_API ssize_t sock_sendto(struct sock *s, const void *buf, size_t len,
    const struct sock_addr *to);
LIBSOCK_API ssize_t sock_recvfrom(struct sock *s, void *buf, size_t len,
    struct sock_addr *from);

/* Batched datagrams and UDP segmentation offload. */
LIBSOCK_API int sock_sendmany(struct sock *s, struct sock_dgram *dgrams,
    int count);
LIBSOCK_API int sock_recvmany(struct sock *s, struct sock_dgram *dgrams,
    int count);
LIBSOCK_API ssize_t sock_send_segments(struct sock *s, const void *buf,
    size_t len, size_t segment, const struct sock_addr *to);
LIBSOCK_API ssize_t sock_recv_segments(struct sock *s, void *buf, size_t len,
    size_t *segment, struct sock_addr *from);
LIBSOCK_API int sock_set_gro(struct sock *s, int on);
LIBSOCK_API int sock_offload(struct sock *s);

/* Non-blocking mode. */
LIBSOCK_API int sock_set_nonblocking(struct sock *s, int on);
LIBSOCK_API int sock_connect_finish(struct sock *s);

/* The readiness poller. */
LIBSOCK_API struct sock_poller *sock_poller_new(void) LIBSOCK_NODISCARD;
LIBSOCK_API void sock_poller_free(struct sock_poller *p);
LIBSOCK_API int sock_poller_add(struct sock_poller *p, struct sock *s,
    unsigned events, void *udata);
LIBSOCK_API int sock_poller_mod(struct sock_poller *p, struct sock *s,
    unsigned events, void *udata);
LIBSOCK_API int sock_poller_del(struct sock_poller *p, struct sock *s);
LIBSOCK_API int sock_poller_wait(struct sock_poller *p, int timeout_ms,
    struct sock_event **events);
LIBSOCK_API const char *sock_poller_backend(const struct sock_poller *p);

/* Addresses of a socket. */
LIBSOCK_API int sock_local_addr(struct sock *s, struct sock_addr *addr);
LIBSOCK_API int sock_peer_addr(struct sock *s, struct sock_addr *addr);

/* Address objects. */
LIBSOCK_API int sock_addr_parse(struct sock_addr *addr, const char *text);
LIBSOCK_API int sock_addr_resolve(const char *text, struct sock_addr *list,
    size_t max);
LIBSOCK_API int sock_addr_format(const struct sock_addr *addr, char *buf,
    size_t size, int flags);
LIBSOCK_API int sock_addr_compare(const struct sock_addr *a,
    const struct sock_addr *b);
LIBSOCK_API int sock_addr_port(const struct sock_addr *addr);
LIBSOCK_API int sock_addr_abstract(struct sock_addr *addr, int transport,
    const void *name, size_t len);

/* Unix domain sockets. */
LIBSOCK_API int sock_pair(int transport, struct sock **a, struct sock **b);
LIBSOCK_API int sock_peer_cred(struct sock *s, pid_t *pid, uid_t *uid,
    gid_t *gid);
LIBSOCK_API ssize_t sock_send_fds(struct sock *s, const void *buf,
    size_t len, const int *fds, size_t nfds);
LIBSOCK_API ssize_t sock_recv_fds(struct sock *s, void *buf, size_t len,
    int *fds, size_t *nfds);

/* Timeouts in milliseconds; -1 waits for ever (the default). */
LIBSOCK_API int sock_set_timeout(struct sock *s, int ms);
LIBSOCK_API int sock_set_connect_timeout(struct sock *s, int ms);
LIBSOCK_API int sock_set_accept_timeout(struct sock *s, int ms);
LIBSOCK_API int sock_set_send_timeout(struct sock *s, int ms);
LIBSOCK_API int sock_set_recv_timeout(struct sock *s, int ms);

/* Options, kept on the object and applied whenever its descriptor exists. */
LIBSOCK_API int sock_set_reuseaddr(struct sock *s, int on);
LIBSOCK_API int sock_set_reuseport(struct sock *s, int on);
LIBSOCK_API int sock_set_nodelay(struct sock *s, int on);
LIBSOCK_API int sock_set_keepalive(struct sock *s, int on, int idle_s,
    int interval_s, int count);
LIBSOCK_API int sock_set_sndbuf(struct sock *s, int bytes);
LIBSOCK_API int sock_set_rcvbuf(struct sock *s, int bytes);
LIBSOCK_API int sock_set_ttl(struct sock *s, int hops);
LIBSOCK_API int sock_set_broadcast(struct sock *s, int on);
LIBSOCK_API int sock_set_v6only(struct sock *s, int on);
LIBSOCK_API int sock_set_backlog(struct sock *s, int backlog);
LIBSOCK_API int sock_set_unix_mode(struct sock *s, mode_t mode);
LIBSOCK_API int sock_set_unlink_stale(struct sock *s, int on);

/* TLS configuration: shared by any number of sockets. */
LIBSOCK_API struct sock_tls_config *sock_tls_config_new(void)
    LIBSOCK_NODISCARD;
LIBSOCK_API void sock_tls_config_free(struct sock_tls_config *cfg);
LIBSOCK_API const char *sock_tls_config_error(
    const struct sock_tls_config *cfg);
LIBSOCK_API int sock_tls_config_set_ca_file(struct sock_tls_config *cfg,
    const char *path);
LIBSOCK_API int sock_tls_config_set_ca_path(struct sock_tls_config *cfg,
    const char *dir);
LIBSOCK_API int sock_tls_config_set_ca_mem(struct sock_tls_config *cfg,
    const void *pem, size_t len);
LIBSOCK_API int sock_tls_config_set_keypair_file(struct sock_tls_config *cfg,
    const char *cert, const char *key);
LIBSOCK_API int sock_tls_config_set_keypair_mem(struct sock_tls_config *cfg,
    const void *cert, size_t certlen, const void *key, size_t keylen);
LIBSOCK_API int sock_tls_config_add_keypair_file(struct sock_tls_config *cfg,
    const char *cert, const char *key);
LIBSOCK_API int sock_tls_config_set_alpn(struct sock_tls_config *cfg,
    const char *protocols);
LIBSOCK_API int sock_tls_config_set_protocols(struct sock_tls_config *cfg,
    unsigned protocols);
LIBSOCK_API int sock_tls_config_verify_client(struct sock_tls_config *cfg);
LIBSOCK_API int sock_tls_config_verify_client_optional(
    struct sock_tls_config *cfg);
LIBSOCK_API int sock_tls_config_insecure_noverifycert(
    struct sock_tls_config *cfg);
LIBSOCK_API int sock_tls_config_insecure_noverifyname(
    struct sock_tls_config *cfg);

/* TLS on a socket. */
LIBSOCK_API int sock_set_tls_config(struct sock *s,
    struct sock_tls_config *cfg);
LIBSOCK_API int sock_set_tls_server_name(struct sock *s, const char *name);
LIBSOCK_API int sock_set_handshake_timeout(struct sock *s, int ms);
LIBSOCK_API int sock_starttls(struct sock *s, int side);
LIBSOCK_API int sock_tls_handshake(struct sock *s);
LIBSOCK_API int sock_tls_pending(struct sock *s);
LIBSOCK_API const char *sock_tls_version(struct sock *s);
LIBSOCK_API const char *sock_tls_cipher(struct sock *s);
LIBSOCK_API const char *sock_tls_alpn(struct sock *s);
LIBSOCK_API const char *sock_tls_peer_subject(struct sock *s);
LIBSOCK_API const char *sock_tls_peer_issuer(struct sock *s);
LIBSOCK_API int sock_tls_peer_validity(struct sock *s, time_t *not_before,
    time_t *not_after);
LIBSOCK_API int sock_tls_peer_fingerprint(struct sock *s, char *buf,
    size_t size);
LIBSOCK_API int sock_tls_peer_verified(struct sock *s);
LIBSOCK_API int sock_tls_session_reused(struct sock *s);

/* Errors and version. */
LIBSOCK_API const char *sock_error(const struct sock *s);
LIBSOCK_API int sock_error_code(const struct sock *s);
LIBSOCK_API const char *sock_strerror(int code);
LIBSOCK_API const char *sock_version(void);

#ifdef __cplusplus
}
#endif

#endif /* LIBSOCK_SOCK_H */
