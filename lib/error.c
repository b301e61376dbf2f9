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
 * The message buffer of s, made at its first failure; -1 if memory is
 * short, and the failure then reads as its code's text.  Listeners,
 * which threads may share, get theirs at listen (see stream.c).
 */
int
sk_errbuf(struct sock *s)
{
	int saved = errno;

	if (s->err == NULL && (s->err = calloc(1, sizeof *s->err)) == NULL) {
		errno = saved;
		return -1;
	}
	return 0;
}

/*
 * A cause more precise than the code's text, set where the failure is
 * understood ("certificate verify failed: ...") and used once, by the
 * next failure recorded, which adds the operation and address.
 */
void
sk_cause(struct sock *s, const char *fmt, ...)
{
	va_list ap;

	if (s == NULL || sk_errbuf(s) == -1)
		return;
	va_start(ap, fmt);
	vsnprintf(s->err->cause, sizeof s->err->cause, fmt, ap);
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
		s->err_code = code;
		if (sk_errbuf(s) == 0) {
			e = s->err;
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
	if (s == NULL)
		return "invalid socket (NULL)";
	if (s->err != NULL)
		return s->err->msg;
	/* No failure yet, or no memory for its text. */
	return s->err_code == 0 ? "" : sock_strerror(s->err_code);
}

int
sock_error_code(const struct sock *s)
{
	if (s == NULL)
		return EINVAL;
	return s->err_code;
}
