/*
 * addr_unix.c - Unix domain addresses: "unix:///run/app.sock",
 * "unix:relative.sock", "unix:@abstract", and the same with "unixgram".
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SK_SUN_PATH	sizeof(((struct sockaddr_un *)0)->sun_path)

/* The transport of a unix scheme at the start of text, or 0. */
static int
sk_unix_prefix(const char *text, size_t *skip)
{
	static const struct {
		const char	*prefix;
		int		 transport;
	} forms[] = {
		{ "unixgram://", LIBSOCK_UNIXGRAM },
		{ "unixgram:", LIBSOCK_UNIXGRAM },
		{ "unix://", LIBSOCK_UNIX },
		{ "unix:", LIBSOCK_UNIX },
	};
	size_t i, n;

	for (i = 0; i < sizeof forms / sizeof forms[0]; i++) {
		n = strlen(forms[i].prefix);
		if (strncmp(text, forms[i].prefix, n) == 0) {
			*skip = n;
			return forms[i].transport;
		}
	}
	return 0;
}

int
sk_unix_scheme(const char *text)
{
	size_t skip;

	return sk_unix_prefix(text, &skip) != 0;
}

static int
sk_hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * An abstract name in text form: bytes as they are, but "\xNN" for any
 * byte (a NUL included) and "\\" for a backslash.
 */
static int
sk_unescape(struct sock *s, const char *op, const char *text,
    const char *name, char *out, size_t room, size_t *len)
{
	size_t n = 0;
	int hi, lo;

	for (; *name != '\0'; n++) {
		if (n >= room)
			return sk_failx(s, ENAMETOOLONG, "%s: abstract name "
			    "longer than %zu bytes", op, room);
		if (*name != '\\') {
			out[n] = *name++;
			continue;
		}
		if (name[1] == '\\') {
			out[n] = '\\';
			name += 2;
		} else if (name[1] == 'x' && (hi = sk_hex(name[2])) >= 0 &&
		    (lo = sk_hex(name[3])) >= 0) {
			out[n] = (char)(hi << 4 | lo);
			name += 4;
		} else
			return sk_failx(s, EINVAL, "%s %s: invalid escape in "
			    "abstract name (\\xNN or \\\\)", op, text);
	}
	*len = n;
	return 0;
}

/* Fill a sockaddr_un; abstract names start with a NUL (Linux). */
static void
sk_unix_addr(struct sock_addr *a, int transport, const char *name,
    size_t len, int abstract)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + (abstract ? 1 : 0), name, len);
	sk_addr_from_sockaddr(a, transport, (struct sockaddr *)&sun,
	    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1));
}

static int
sk_unix_abstract_supported(struct sock *s, const char *op)
{
#ifdef __linux__
	(void)s;
	(void)op;
	return 0;
#else
	return sk_failx(s, LIBSOCK_ENOTSUP, "%s: abstract socket names "
	    "exist only on Linux", op);
#endif
}

int
sk_unix_parse(struct sock *s, const char *op, const char *text,
    struct sk_endpoint *ep)
{
	char name[SK_SUN_PATH];
	const char *rest;
	size_t skip = 0, len = 0;

	ep->transport = sk_unix_prefix(text, &skip);
	ep->host_kind = SK_HOST_UNIX;
	rest = text + skip;
	if (rest[0] == '@') {
		if (sk_unix_abstract_supported(s, op) == -1 ||
		    sk_unescape(s, op, text, rest + 1, name, SK_SUN_PATH - 1,
		    &len) == -1)
			return -1;
		sk_unix_addr(&ep->path_addr, ep->transport, name, len, 1);
		return 0;
	}
	if ((len = strlen(rest)) == 0)
		return sk_failx(s, EINVAL, "%s %s: missing path", op, text);
	/* Room for the NUL: a path that does not fit is never cut. */
	if (len >= SK_SUN_PATH)
		return sk_failx(s, ENAMETOOLONG, "%s: socket path longer than "
		    "%zu bytes", op, SK_SUN_PATH - 1);
	sk_unix_addr(&ep->path_addr, ep->transport, rest, len, 0);
	return 0;
}

int
sock_addr_abstract(struct sock_addr *addr, int transport, const void *name,
    size_t len)
{
	if (addr == NULL || (name == NULL && len > 0))
		return sk_failx(NULL, EINVAL, "abstract: no address or name");
	if (transport != LIBSOCK_UNIX && transport != LIBSOCK_UNIXGRAM)
		return sk_failx(NULL, EINVAL, "abstract: transport %d is not "
		    "LIBSOCK_UNIX or LIBSOCK_UNIXGRAM", transport);
	if (len > SK_SUN_PATH - 1)
		return sk_failx(NULL, ENAMETOOLONG, "abstract: name longer "
		    "than %zu bytes", SK_SUN_PATH - 1);
	if (sk_unix_abstract_supported(NULL, "abstract") == -1)
		return -1;
	sk_unix_addr(addr, transport, name, len, 1);
	return 0;
}

/* Append name to out as text, escaping what would not read back. */
static size_t
sk_escape(char *out, size_t room, const unsigned char *name, size_t len)
{
	size_t i, n = 0;
	char tmp[5];

	if (room > 0)
		out[0] = '\0';		/* an empty name is text too */
	for (i = 0; i < len; i++) {
		if (name[i] >= 0x20 && name[i] < 0x7f && name[i] != '\\')
			tmp[0] = (char)name[i], tmp[1] = '\0';
		else
			snprintf(tmp, sizeof tmp, "\\x%02x", name[i]);
		if (n + strlen(tmp) < room)
			memcpy(out + n, tmp, strlen(tmp) + 1);
		n += strlen(tmp);
	}
	return n;
}

/*
 * "unix:///run/app.sock" (with the scheme), "/run/app.sock" (without),
 * "unix:@name" or "@name", and "(unnamed)" for an unbound peer.
 */
int
sk_unix_format(const struct sock_addr *addr, char *buf, size_t size,
    int flags)
{
	const struct sockaddr_un *sun =
	    (const struct sockaddr_un *)(const void *)&addr->storage;
	size_t base = offsetof(struct sockaddr_un, sun_path), len;
	const char *scheme = (flags & LIBSOCK_FORMAT_SCHEME) ?
	    sk_scheme(addr->transport) : NULL;
	char name[4 * SK_SUN_PATH + 2];

	len = addr->len > base ? addr->len - base : 0;
	if (len > SK_SUN_PATH)
		len = SK_SUN_PATH;
	if (len == 0)
		snprintf(name, sizeof name, "(unnamed)");
	else if (sun->sun_path[0] == '\0') {
		name[0] = '@';
		sk_escape(name + 1, sizeof name - 1,
		    (const unsigned char *)sun->sun_path + 1, len - 1);
	} else	/* "./" keeps a path that starts with @ from reading abstract. */
		snprintf(name, sizeof name, "%s%.*s",
		    sun->sun_path[0] == '@' ? "./" : "",
		    (int)strnlen(sun->sun_path, len), sun->sun_path);
	if (scheme == NULL || len == 0)
		return snprintf(buf, size, "%s", name);
	return snprintf(buf, size, name[0] == '@' ? "%s:%s" : "%s://%s",
	    scheme, name);
}
