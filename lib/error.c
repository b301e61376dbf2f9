/*
 * error.c - failures recorded on the socket object, and code names.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	int		 code;
	const char	*text;
} sk_codes[] = {
	{ LIBSOCK_ERESOLVE,	"Name resolution failed" },
	{ LIBSOCK_ENONAME,	"Unknown host or service" },
	{ LIBSOCK_ETRUNC,	"Datagram truncated" },
	{ LIBSOCK_EEOF,		"Stream ended in the middle of a transfer" },
	{ LIBSOCK_ENOTSUP,	"Not supported by this build or system" },
	{ LIBSOCK_ETLS,		"TLS protocol failure" },
	{ LIBSOCK_EVERIFY,	"Peer certificate not verified" },
	{ LIBSOCK_ETLSEOF,	"Connection closed without TLS close_notify" },
};

const char *
sock_strerror(int code)
{
	size_t i;

	if (code == 0)
		return "Success";
	for (i = 0; i < sizeof sk_codes / sizeof sk_codes[0]; i++)
		if (sk_codes[i].code == code)
			return sk_codes[i].text;
#ifdef HAVE_STRERRORDESC_NP
	{
		/* Thread-safe and never a per-thread buffer, unlike strerror. */
		const char *text = strerrordesc_np(code);

		return text != NULL ? text : "Unknown error";
	}
#else
	if (code > 0 && code < LIBSOCK_EBASE)
		return strerror(code);
	return "Unknown error";
#endif
}

/*
 * A listener's failures are kept per thread.  Threads may accept on one
 * listener at once, and fail at once: each records its failure where
 * only it writes and reads, as errno is, instead of racing on the
 * listener's buffer.  The slot names its listener by the number it got
 * at listen, not by its address, which a later object may reuse.
 */
struct sk_listener_fail {
	unsigned long		id;
	int			code;
	struct sk_errbuf	buf;
};

static _Thread_local struct sk_listener_fail sk_lfail;
static atomic_ulong sk_listen_ids;

unsigned long
sk_listener_id(void)
{
	return atomic_fetch_add(&sk_listen_ids, 1) + 1;
}

static int
sk_per_thread(const struct sock *s)
{
	return s->role == LIBSOCK_ROLE_PASSIVE;
}

/* This thread's slot, taken for listener s. */
static struct sk_listener_fail *
sk_lfail_for(const struct sock *s)
{
	if (sk_lfail.id != s->listen_id) {
		sk_lfail.id = s->listen_id;
		sk_lfail.code = 0;
		sk_lfail.buf.msg[0] = '\0';
		sk_lfail.buf.cause[0] = '\0';
	}
	return &sk_lfail;
}

/* This thread's failure on listener s, or NULL if it has none. */
static const struct sk_listener_fail *
sk_lfail_of(const struct sock *s)
{
	if (!sk_per_thread(s) || sk_lfail.id != s->listen_id ||
	    sk_lfail.code == 0)
		return NULL;
	return &sk_lfail;
}

/*
 * The message buffer of s, made at its first failure; -1 if memory is
 * short, and the failure then reads as its code's text.
 */
static int
sk_errbuf(struct sock *s)
{
	int saved = errno;

	if (s->err == NULL && (s->err = calloc(1, sizeof *s->err)) == NULL) {
		errno = saved;
		return -1;
	}
	return 0;
}

/* Where a failure of s is written: its own record, or this thread's. */
static struct sk_errbuf *
sk_errbuf_for(struct sock *s)
{
	if (sk_per_thread(s))
		return &sk_lfail_for(s)->buf;
	return sk_errbuf(s) == 0 ? s->err : NULL;
}

static int *
sk_code_for(struct sock *s)
{
	return sk_per_thread(s) ? &sk_lfail_for(s)->code : &s->err_code;
}

/*
 * A cause more precise than the code's text, set where the failure is
 * understood ("certificate verify failed: ...") and used once, by the
 * next failure recorded, which adds the operation and address.
 */
void
sk_cause(struct sock *s, const char *fmt, ...)
{
	struct sk_errbuf *e;
	va_list ap;

	if (s == NULL || (e = sk_errbuf_for(s)) == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(e->cause, sizeof e->cause, fmt, ap);
	va_end(ap);
}

/*
 * Record a failure: the message is fmt, then ": " and the cause (or the
 * code's text) when with_cause is set.  errno is set last, to code, so
 * nothing here can clobber it.
 */
int
sk_failv(struct sock *s, int code, int with_cause, const char *fmt,
    va_list ap)
{
	struct sk_errbuf *e;
	int n;

	if (s != NULL) {
		*sk_code_for(s) = code;
		if ((e = sk_errbuf_for(s)) != NULL) {
			n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
			if (n < 0)
				n = 0;
			if (with_cause && (size_t)n < sizeof e->msg)
				snprintf(e->msg + n, sizeof e->msg - (size_t)n,
				    ": %s", e->cause[0] != '\0' ? e->cause :
				    sock_strerror(code));
			e->cause[0] = '\0';
		}
	}
	errno = code;
	return -1;
}

int
sk_fail(struct sock *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sk_failv(s, code, 1, fmt, ap);
	va_end(ap);
	return -1;
}

int
sk_failx(struct sock *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sk_failv(s, code, 0, fmt, ap);
	va_end(ap);
	return -1;
}

/* An I/O failure: "recv tcp://127.0.0.1:8080: Connection reset by peer". */
int
sk_fail_io(struct sock *s, int code, const char *op)
{
	char where[LIBSOCK_ADDRSTRLEN];

	if (s->where.len == 0 ||
	    sock_addr_format(&s->where, where, sizeof where,
	    LIBSOCK_FORMAT_SCHEME) < 0)
		return sk_fail(s, code, "%s", op);
	return sk_fail(s, code, "%s %s", op, where);
}

const char *
sock_error(const struct sock *s)
{
	const struct sk_listener_fail *f;

	if (s == NULL)
		return "invalid socket (NULL)";
	if ((f = sk_lfail_of(s)) != NULL)
		return f->buf.msg;
	if (s->err != NULL)
		return s->err->msg;
	/* No failure yet, or no memory for its text. */
	return s->err_code == 0 ? "" : sock_strerror(s->err_code);
}

int
sock_error_code(const struct sock *s)
{
	const struct sk_listener_fail *f;

	if (s == NULL)
		return EINVAL;
	if ((f = sk_lfail_of(s)) != NULL)
		return f->code;
	return s->err_code;
}
