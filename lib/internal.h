/*
 * internal.h - what the files of lib/ share; never installed.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 *
 * Internal names start with sk_ so that the version script's sock_* can
 * never export them, even if visibility were lost.
 */
#ifndef LIBSOCK_INTERNAL_H
#define LIBSOCK_INTERNAL_H

#include "config.h"

#include <sys/types.h>
#include <sys/un.h>

#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>

#include "sock.h"

#if defined(__GNUC__)
#define SK_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SK_PRINTF(f, a)
#endif

#define SK_ERRMSG_MAX	1280	/* two addresses and a cause */
#define SK_TEXT_MAX	1024	/* longest address text accepted */
#define SK_HOST_MAX	253	/* longest host name (RFC 1035) */

/* Options as set by the caller; -1 means "not set, system default". */
struct sk_opts {
	int reuseaddr;
	int reuseport;
	int nodelay;
	int keepalive;
	int keepidle;
	int keepintvl;
	int keepcnt;
	int sndbuf;
	int rcvbuf;
	int ttl;
	int broadcast;
	int v6only;
	int backlog;
	int unix_mode;		/* permission bits of a socket file */
	int unlink_stale;	/* replace a socket file nobody listens on */
};

/* Timeouts in milliseconds; -1 waits for ever. */
struct sk_timeouts {
	int connect;
	int accept;
	int send;
	int recv;
	int handshake;		/* TLS; finite by default */
};

#define SK_HANDSHAKE_TIMEOUT	30000	/* the default, in ms */

struct sk_tls;			/* tls.c: the TLS state of one socket */
struct sk_pending;		/* sock.c: a non-blocking connect under way */

/* A socket's place in a poller (poller.c); poller NULL: in none. */
struct sk_reg {
	struct sock_poller	*poller;
	void			*udata;
	unsigned		 events;	/* asked: LIBSOCK_POLL_* */
	unsigned		 armed;		/* edge not yet reported (poll) */
	size_t			 slot;		/* index in the poller's table */
	int			 fd;		/* known to the backend, or -1 */
	int			 tls_check;	/* may hold decrypted bytes */
};

struct sock {
	int			fd;
	int			role;		/* LIBSOCK_ROLE_* */
	int			transport;	/* LIBSOCK_TCP, LIBSOCK_UDP, 0 */
	int			family;		/* AF_INET, AF_INET6, 0 */
	struct sk_opts		opts;
	struct sk_timeouts	tmo;
	struct sock_addr	where;	/* named in messages: peer or local */
	struct {			/* the socket file this socket made */
		char		path[sizeof(((struct sockaddr_un *)0)->sun_path)];
		dev_t		dev;
		ino_t		ino;
	}			bound;
	int			nonblock;	/* sock_set_nonblocking */
	atomic_int		spare_fd;	/* listener: reserve for EMFILE */
	int			gso;		/* -1 not probed, 0 off, 1 on */
	int			gro;		/* UDP_GRO turned on */
	struct sk_pending	*pending;	/* role CONNECTING only */
	struct sk_reg		reg;
	struct sock_tls_config	*tls_config;	/* a reference, or NULL */
	struct sk_tls		*tls;		/* TLS state, or NULL */
	char			tls_name[SK_HOST_MAX + 1];	/* as set */
	char			tls_auto_name[SK_HOST_MAX + 1];	/* from text */
	int			err_code;
	struct sk_errbuf	*err;		/* at the first failure */
	unsigned long		listen_id;	/* names a listener's failures */
};

/*
 * The text of a socket's last failure, allocated when it first fails:
 * most sockets never do, and a server holds thousands of them.
 */
struct sk_errbuf {
	char			msg[SK_ERRMSG_MAX];
	char			cause[SK_ERRMSG_MAX / 2];	/* see sk_cause */
};

/* error.c: record a failure on s (may be NULL), set errno, return -1. */
int sk_fail(struct sock *s, int code, const char *fmt, ...) SK_PRINTF(3, 4);
int sk_failx(struct sock *s, int code, const char *fmt, ...) SK_PRINTF(3, 4);
int sk_failv(struct sock *s, int code, int with_cause, const char *fmt,
    va_list ap) SK_PRINTF(4, 0);
int sk_fail_io(struct sock *s, int code, const char *op);
unsigned long sk_listener_id(void);
void sk_cause(struct sock *s, const char *fmt, ...) SK_PRINTF(2, 3);

/* sock.c: entry checks and set-up shared by the public calls. */
#define SK_NEED_ANY	0
#define SK_NEED_STREAM	1
#define SK_NEED_DGRAM	2
struct sk_setup {
	const char	*op;		/* "connect", "listen", "bind" */
	int		 transport;	/* when the address names none */
	int		 need;		/* SK_NEED_*: the kinds allowed */
	int		 apply_mode;	/* SK_APPLY_* */
	int		 timeout_ms;	/* bounds the whole call */
	/* Second half on an open descriptor; sets the role on success. */
	int		(*fn)(struct sock *, const struct sock_addr *,
			    int64_t deadline);
};
int sk_open(struct sock *s, const struct sock_addr *addr, int apply_mode);
int sk_bind(struct sock *s, const struct sock_addr *addr);
int sk_setup_text(struct sock *s, const struct sk_setup *how,
    const char *text);
int sk_setup_addr(struct sock *s, const struct sk_setup *how,
    const struct sock_addr *addr);
int sk_check(struct sock *s, const char *op, unsigned roles);
#define SK_ROLE(r)	(1u << (r))
const char *sk_role_name(int role);
void sk_adopt(struct sock *s, int fd, int role, int transport, int family);
void sk_init(struct sock *s);
int sk_setup_resume(struct sock *s,
    int (*step)(struct sock *, const struct sock_addr *));

/* addr.c */
#define SK_HOST_WILDCARD	1	/* "*" */
#define SK_HOST_IPV4		2	/* dotted quad */
#define SK_HOST_IPV6		3	/* bracketed literal, maybe with a zone */
#define SK_HOST_NAME		4	/* for the resolver */
#define SK_HOST_UNIX		5	/* a path or abstract name, in unix */

/* Address text split into its parts, checked but not resolved. */
struct sk_endpoint {
	int	transport;		/* from the scheme, 0 if none */
	int	host_kind;		/* SK_HOST_* */
	char	host[SK_HOST_MAX + 1];	/* without brackets or zone */
	char	zone[64];		/* IPv6 zone, "" if none */
	char	service[32];		/* port text */
	int	port;			/* -1 when service is a name */
	struct sock_addr path_addr;	/* SK_HOST_UNIX: the whole address */
};
int sk_endpoint_parse(struct sock *s, const char *op, const char *text,
    struct sk_endpoint *ep);
int sk_endpoint_resolve(struct sock *s, const char *op, const char *text,
    const struct sk_endpoint *ep, struct sock_addr *list, size_t max);
void sk_addr_unmap(struct sock_addr *a);
int sk_addr_to_family(const struct sock_addr *a, int family,
    struct sock_addr *out);
void sk_addr_from_sockaddr(struct sock_addr *a, int transport,
    const struct sockaddr *sa, socklen_t len);
const char *sk_scheme(int transport);
int sk_socktype(int transport);
int sk_is_stream(int transport);

/* addr_unix.c: the unix: and unixgram: forms. */
int sk_unix_scheme(const char *text);
int sk_unix_parse(struct sock *s, const char *op, const char *text,
    struct sk_endpoint *ep);
int sk_unix_format(const struct sock_addr *addr, char *buf, size_t size,
    int flags);

/* fd.c: every descriptor operation, once. */
int64_t sk_deadline(int timeout_ms);
int sk_wait(int fd, short events, int64_t deadline);
int sk_socket(int family, int type, int nonblock);
int sk_socketpair(int type, int fds[2]);
int sk_set_nonblock(int fd, int on);
int sk_connect_fd(int fd, const struct sockaddr *sa, socklen_t len,
    int64_t deadline);
int sk_connect_start(int fd, const struct sockaddr *sa, socklen_t len);
int sk_connect_check(int fd);
int sk_accept_fd(struct sock *l, int64_t deadline,
    struct sockaddr_storage *peer, socklen_t *len, int *shed);
int sk_spare_take(struct sock *l);
void sk_close_fd(int fd);

/* options.c */
#define SK_APPLY_CONNECTING	0	/* sock_connect */
#define SK_APPLY_LISTENER	1	/* sock_listen */
#define SK_APPLY_BOUND		2	/* sock_bind, sock_sendto on new */
#define SK_APPLY_ACCEPTED	3	/* sock_accept: TCP options only */
void sk_opts_init(struct sk_opts *o);
int sk_opts_apply(struct sock *s, int mode);
int sk_backlog(const struct sock *s);

/* io.c: deadlines armed at the first wait; whole transfers always wait. */
#define SK_NO_DEADLINE	INT64_MIN
#define SK_WAIT_FOREVER	(-2)
#define SK_WHOLE(ms)	((ms) < 0 ? SK_WAIT_FOREVER : (ms))
int sk_io_again(struct sock *s, short events, int timeout_ms,
    int64_t *deadline);
int sk_nonblocking_now(const struct sock *s, int timeout_ms);
int sk_want(struct sock *s, short events);
int sk_send_flags(int timeout_ms);
ssize_t sk_recv_dgram(struct sock *s, const char *op, void *buf, size_t len,
    struct sock_addr *from);
ssize_t sk_recv_dgram_ctl(struct sock *s, const char *op, void *buf,
    size_t len, struct sock_addr *from, void *ctl, size_t *ctllen);
void sk_dgram_source(const struct sock *s, struct sock_addr *from,
    const struct sockaddr_storage *ss, socklen_t len);
int sk_dgram_open(struct sock *s, const struct sock_addr *to);
int sk_sendto_check(struct sock *s, const char *op, const void *buf,
    size_t len, const struct sock_addr *to);
ssize_t sk_sendto_fail(struct sock *s, const char *op, int code,
    const struct sock_addr *to);
ssize_t sk_sendmsg(struct sock *s, const char *op, const struct msghdr *msg,
    int timeout_ms);
ssize_t sk_recvmsg(struct sock *s, const char *op, struct msghdr *msg,
    int flags);
#ifdef MSG_CMSG_CLOEXEC
#define SK_MSG_CMSG_CLOEXEC	MSG_CMSG_CLOEXEC
#else
#define SK_MSG_CMSG_CLOEXEC	0	/* see sk_take_fds */
#endif

/* tls.c (tls_none.c without OpenSSL) */
int sk_tls_available(void);
int sk_tls_client(struct sock *s, int64_t deadline);
int sk_tls_listener(struct sock *s);
int sk_tls_accepted(struct sock *l, struct sock *c);
ssize_t sk_tls_send(struct sock *s, const void *buf, size_t len,
    int timeout_ms, int64_t *deadline);
ssize_t sk_tls_recv(struct sock *s, void *buf, size_t len, int timeout_ms,
    int64_t *deadline);
int sk_tls_shutdown(struct sock *s);
void sk_tls_end(struct sock *s);
int sk_tls_buffered(struct sock *s);

/* poller.c: what the rest of the library tells a socket's poller. */
int sk_poll_fd_opened(struct sock *s);
void sk_poll_fd_closing(struct sock *s);
void sk_poll_forget(struct sock *s);
void sk_poll_rearm(struct sock *s, unsigned events);
void sk_poll_tls_check(struct sock *s);

/* unix.c */
int sk_unix_bind(struct sock *s, const struct sock_addr *addr);
void sk_unix_release(struct sock *s);

#endif /* LIBSOCK_INTERNAL_H */
