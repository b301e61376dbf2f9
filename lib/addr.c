/*
 * addr.c - address text: parse strictly, resolve, format, compare.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <sys/socket.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SK_NAME_CHARS \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._"

const char *
sk_scheme(int transport)
{
	switch (transport) {
	case LIBSOCK_TCP:
		return "tcp";
	case LIBSOCK_UDP:
		return "udp";
	case LIBSOCK_UNIX:
		return "unix";
	case LIBSOCK_UNIXGRAM:
		return "unixgram";
	case LIBSOCK_TLS:
		return "tls";
	default:
		return NULL;
	}
}

int
sk_is_stream(int transport)
{
	return transport != LIBSOCK_UDP && transport != LIBSOCK_UNIXGRAM;
}

int
sk_socktype(int transport)
{
	return sk_is_stream(transport) ? SOCK_STREAM : SOCK_DGRAM;
}

/* Split "scheme://" off text; *rest points past it. */
static int
sk_parse_scheme(struct sock *s, const char *op, const char *text,
    struct sk_endpoint *ep, const char **rest)
{
	const char *sep = strstr(text, "://");
	size_t len;

	ep->transport = 0;
	*rest = text;
	if (sep == NULL)
		return 0;
	len = (size_t)(sep - text);
	if (len == 3 && strncmp(text, "tcp", 3) == 0)
		ep->transport = LIBSOCK_TCP;
	else if (len == 3 && strncmp(text, "udp", 3) == 0)
		ep->transport = LIBSOCK_UDP;
	else if (len == 3 && strncmp(text, "tls", 3) == 0)
		ep->transport = LIBSOCK_TLS;
	else
		return sk_failx(s, EINVAL, "%s %s: unknown scheme %.*s://",
		    op, text, len > 16 ? 16 : (int)len, text);
	*rest = sep + 3;
	return 0;
}

/* The port: 0 to 65535 in decimal, or a service name for the resolver. */
static int
sk_parse_port(struct sock *s, const char *op, const char *text,
    const char *port, struct sk_endpoint *ep)
{
	size_t len = strlen(port);
	unsigned long value = 0;
	size_t i;

	if (len == 0)
		return sk_failx(s, EINVAL, "%s %s: missing port", op, text);
	if (len >= sizeof ep->service)
		return sk_failx(s, EINVAL, "%s %s: port too long", op, text);
	memcpy(ep->service, port, len + 1);
	if (strspn(port, "0123456789") == len) {
		for (i = 0; i < len && value <= 65535; i++)
			value = value * 10 + (unsigned long)(port[i] - '0');
		if (value > 65535)
			return sk_failx(s, EINVAL,
			    "%s %s: port out of range (0 to 65535)", op, text);
		ep->port = (int)value;
		return 0;
	}
	if (strspn(port, SK_NAME_CHARS) != len || port[0] == '-')
		return sk_failx(s, EINVAL, "%s %s: invalid port \"%s\"", op,
		    text, port);
	ep->port = -1;
	return 0;
}

/* "[v6%zone]" with rest of text after the bracket in *after. */
static int
sk_parse_bracketed(struct sock *s, const char *op, const char *text,
    const char *host, struct sk_endpoint *ep, const char **after)
{
	const char *end = strchr(host, ']');
	const char *pct;
	size_t len;
	struct in6_addr in6;

	if (end == NULL)
		return sk_failx(s, EINVAL, "%s %s: missing ']'", op, text);
	pct = memchr(host + 1, '%', (size_t)(end - host - 1));
	len = (size_t)((pct != NULL ? pct : end) - host - 1);
	if (len == 0 || len >= sizeof ep->host)
		return sk_failx(s, EINVAL, "%s %s: invalid IPv6 address", op,
		    text);
	memcpy(ep->host, host + 1, len);
	ep->host[len] = '\0';
	if (inet_pton(AF_INET6, ep->host, &in6) != 1)
		return sk_failx(s, EINVAL, "%s %s: invalid IPv6 address", op,
		    text);
	ep->zone[0] = '\0';
	if (pct != NULL) {
		len = (size_t)(end - pct - 1);
		if (len == 0 || len >= sizeof ep->zone)
			return sk_failx(s, EINVAL, "%s %s: invalid IPv6 zone",
			    op, text);
		memcpy(ep->zone, pct + 1, len);
		ep->zone[len] = '\0';
	}
	ep->host_kind = SK_HOST_IPV6;
	*after = end + 1;
	return 0;
}

/* An unbracketed host: "*", a dotted quad, or a name. */
static int
sk_parse_plain_host(struct sock *s, const char *op, const char *text,
    const char *host, size_t len, struct sk_endpoint *ep)
{
	struct in_addr in4;

	if (len == 0)
		return sk_failx(s, EINVAL, "%s %s: missing host", op, text);
	if (len > SK_HOST_MAX)
		return sk_failx(s, ENAMETOOLONG,
		    "%s: host name longer than %d bytes", op, SK_HOST_MAX);
	memcpy(ep->host, host, len);
	ep->host[len] = '\0';
	ep->zone[0] = '\0';
	if (strcmp(ep->host, "*") == 0) {
		ep->host_kind = SK_HOST_WILDCARD;
		return 0;
	}
	if (strspn(ep->host, "0123456789.") == len) {
		/* Only a full dotted quad: no inet_aton forms like "127.1". */
		if (inet_pton(AF_INET, ep->host, &in4) != 1)
			return sk_failx(s, EINVAL,
			    "%s %s: invalid IPv4 address", op, text);
		ep->host_kind = SK_HOST_IPV4;
		return 0;
	}
	if (strchr(ep->host, ':') != NULL)
		return sk_failx(s, EINVAL,
		    "%s %s: IPv6 addresses need brackets, as in [::1]:80",
		    op, text);
	if (strspn(ep->host, SK_NAME_CHARS) != len || ep->host[0] == '-' ||
	    ep->host[0] == '.')
		return sk_failx(s, EINVAL, "%s %s: invalid host name", op,
		    text);
	ep->host_kind = SK_HOST_NAME;
	return 0;
}

/* Split address text into scheme, host and port, checking each. */
int
sk_endpoint_parse(struct sock *s, const char *op, const char *text,
    struct sk_endpoint *ep)
{
	const char *rest, *after = NULL, *colon;

	if (text == NULL)
		return sk_failx(s, EINVAL, "%s: no address given", op);
	if (strnlen(text, SK_TEXT_MAX + 1) > SK_TEXT_MAX)
		return sk_failx(s, ENAMETOOLONG,
		    "%s: address longer than %d bytes", op, SK_TEXT_MAX);
	memset(ep, 0, sizeof *ep);
	if (sk_unix_scheme(text))
		return sk_unix_parse(s, op, text, ep);
	if (sk_parse_scheme(s, op, text, ep, &rest) == -1)
		return -1;
	if (rest[0] == '[') {
		if (sk_parse_bracketed(s, op, text, rest, ep, &after) == -1)
			return -1;
		if (after[0] != ':')
			return sk_failx(s, EINVAL, "%s %s: missing port", op,
			    text);
		return sk_parse_port(s, op, text, after + 1, ep);
	}
	if ((colon = strrchr(rest, ':')) == NULL)
		return sk_failx(s, EINVAL, "%s %s: missing port", op, text);
	if (sk_parse_plain_host(s, op, text, rest, (size_t)(colon - rest),
	    ep) == -1)
		return -1;
	return sk_parse_port(s, op, text, colon + 1, ep);
}

void
sk_addr_from_sockaddr(struct sock_addr *a, int transport,
    const struct sockaddr *sa, socklen_t len)
{
	memset(a, 0, sizeof *a);
	if (len > sizeof a->storage)
		len = sizeof a->storage;
	memcpy(&a->storage, sa, len);
	a->len = len;
	a->transport = transport;
}

static void
sk_addr_ipv4(struct sock_addr *a, int transport, const struct in_addr *in4,
    int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr = *in4;
	sk_addr_from_sockaddr(a, transport, (struct sockaddr *)&sin,
	    sizeof sin);
}

static void
sk_addr_ipv6(struct sock_addr *a, int transport, const struct in6_addr *in6,
    int port, uint32_t scope)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons((uint16_t)port);
	sin6.sin6_addr = *in6;
	sin6.sin6_scope_id = scope;
	sk_addr_from_sockaddr(a, transport, (struct sockaddr *)&sin6,
	    sizeof sin6);
}

/* An IPv6 zone: an interface name, or its index in decimal. */
static int
sk_zone_index(struct sock *s, const char *op, const char *text,
    const char *zone, uint32_t *scope)
{
	unsigned long n;
	char *end;

	*scope = 0;
	if (zone[0] == '\0')
		return 0;
	if (zone[0] >= '0' && zone[0] <= '9') {
		errno = 0;
		n = strtoul(zone, &end, 10);
		if (*end == '\0' && errno == 0 && n <= UINT32_MAX) {
			*scope = (uint32_t)n;
			return 0;
		}
	} else if ((*scope = if_nametoindex(zone)) != 0)
		return 0;
	return sk_failx(s, EINVAL, "%s %s: unknown interface \"%s\"", op,
	    text, zone);
}

/*
 * The addresses of a numeric host, without the resolver.  Returns the
 * count stored (the wildcard gives [::] then 0.0.0.0), or -1.
 */
static int
sk_endpoint_numeric(struct sock *s, const char *op, const char *text,
    const struct sk_endpoint *ep, int port, struct sock_addr *list,
    size_t max)
{
	struct in_addr in4;
	struct in6_addr in6;
	uint32_t scope;

	switch (ep->host_kind) {
	case SK_HOST_WILDCARD:
		sk_addr_ipv6(&list[0], ep->transport, &in6addr_any, port, 0);
		if (max < 2)
			return 1;
		in4.s_addr = htonl(INADDR_ANY);
		sk_addr_ipv4(&list[1], ep->transport, &in4, port);
		return 2;
	case SK_HOST_IPV4:
		(void)inet_pton(AF_INET, ep->host, &in4);
		sk_addr_ipv4(&list[0], ep->transport, &in4, port);
		return 1;
	case SK_HOST_IPV6:
		(void)inet_pton(AF_INET6, ep->host, &in6);
		if (sk_zone_index(s, op, text, ep->zone, &scope) == -1)
			return -1;
		sk_addr_ipv6(&list[0], ep->transport, &in6, port, scope);
		return 1;
	default:
		return sk_failx(s, EINVAL,
		    "%s %s: a host name needs resolving", op, text);
	}
}

/* Map a getaddrinfo(3) failure onto a code and record it. */
static int
sk_gai_fail(struct sock *s, const char *op, const char *text, int rc)
{
	int code;

	switch (rc) {
	case EAI_NONAME:
	case EAI_SERVICE:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
#endif
		code = LIBSOCK_ENONAME;
		break;
	case EAI_MEMORY:
		code = ENOMEM;
		break;
	case EAI_SYSTEM:
		code = errno != 0 ? errno : LIBSOCK_ERESOLVE;
		return sk_fail(s, code, "%s %s", op, text);
	default:
		code = LIBSOCK_ERESOLVE;
		break;
	}
	return sk_failx(s, code, "%s %s: %s", op, text, gai_strerror(rc));
}

/* A service name ("http") to its port, for the endpoint's transport. */
static int
sk_service_port(struct sock *s, const char *op, const char *text,
    const struct sk_endpoint *ep)
{
	struct addrinfo hints, *res;
	int rc, port;

	if (ep->port >= 0)
		return ep->port;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = sk_socktype(ep->transport);
	hints.ai_flags = AI_PASSIVE;
	if ((rc = getaddrinfo(NULL, ep->service, &hints, &res)) != 0)
		return sk_gai_fail(s, op, text, rc);
	port = ntohs(((struct sockaddr_in *)(void *)res->ai_addr)->sin_port);
	freeaddrinfo(res);
	return port;
}

/* Append addr to list[0..*n) unless it is there already. */
static void
sk_list_add_unique(struct sock_addr *list, size_t *n, size_t max,
    const struct sock_addr *addr)
{
	size_t i;

	if (*n >= max)
		return;
	for (i = 0; i < *n; i++)
		if (sock_addr_compare(&list[i], addr) == 0)
			return;
	list[(*n)++] = *addr;
}

static int
sk_endpoint_lookup(struct sock *s, const char *op, const char *text,
    const struct sk_endpoint *ep, int port, struct sock_addr *list,
    size_t max)
{
	struct addrinfo hints, *res, *ai;
	struct sock_addr one;
	size_t n = 0;
	int rc;

	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = sk_socktype(ep->transport);
	if ((rc = getaddrinfo(ep->host, NULL, &hints, &res)) != 0)
		return sk_gai_fail(s, op, text, rc);
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		sk_addr_from_sockaddr(&one, ep->transport, ai->ai_addr,
		    ai->ai_addrlen);
		if (ai->ai_family == AF_INET)
			((struct sockaddr_in *)(void *)&one.storage)->sin_port =
			    htons((uint16_t)port);
		else
			((struct sockaddr_in6 *)(void *)&one.storage)->sin6_port =
			    htons((uint16_t)port);
		sk_list_add_unique(list, &n, max, &one);
	}
	freeaddrinfo(res);
	if (n == 0)
		return sk_failx(s, LIBSOCK_ENONAME,
		    "%s %s: no IPv4 or IPv6 address", op, text);
	return (int)n;
}

/*
 * Every address of an endpoint: numeric hosts without the resolver,
 * names through getaddrinfo(3) in the order it gives (RFC 6724).
 */
int
sk_endpoint_resolve(struct sock *s, const char *op, const char *text,
    const struct sk_endpoint *ep, struct sock_addr *list, size_t max)
{
	int port;

	if (ep->host_kind == SK_HOST_UNIX) {
		list[0] = ep->path_addr;
		return 1;
	}
	if ((port = sk_service_port(s, op, text, ep)) < 0)
		return -1;
	if (ep->host_kind != SK_HOST_NAME)
		return sk_endpoint_numeric(s, op, text, ep, port, list, max);
	return sk_endpoint_lookup(s, op, text, ep, port, list, max);
}

int
sock_addr_parse(struct sock_addr *addr, const char *text)
{
	struct sk_endpoint ep;

	if (addr == NULL)
		return sk_failx(NULL, EINVAL, "parse: no address object");
	if (sk_endpoint_parse(NULL, "parse", text, &ep) == -1)
		return -1;
	if (ep.host_kind == SK_HOST_UNIX) {
		*addr = ep.path_addr;
		return 0;
	}
	if (ep.port < 0)
		return sk_failx(NULL, EINVAL, "parse %s: a service name "
		    "needs resolving", text);
	return sk_endpoint_numeric(NULL, "parse", text, &ep, ep.port, addr,
	    1) == -1 ? -1 : 0;
}

int
sock_addr_resolve(const char *text, struct sock_addr *list, size_t max)
{
	struct sk_endpoint ep;

	if (list == NULL || max == 0)
		return sk_failx(NULL, EINVAL, "resolve: no room for results");
	if (sk_endpoint_parse(NULL, "resolve", text, &ep) == -1)
		return -1;
	return sk_endpoint_resolve(NULL, "resolve", text, &ep, list, max);
}

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) back to plain IPv4. */
void
sk_addr_unmap(struct sock_addr *a)
{
	const struct sockaddr_in6 *sin6 =
	    (const struct sockaddr_in6 *)(const void *)&a->storage;
	struct in_addr in4;

	if (a->storage.ss_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
		return;
	memcpy(&in4, &sin6->sin6_addr.s6_addr[12], sizeof in4);
	sk_addr_ipv4(a, a->transport, &in4, ntohs(sin6->sin6_port));
}

/* addr as seen by a socket of family: IPv4 onto IPv6 is mapped. */
int
sk_addr_to_family(const struct sock_addr *a, int family,
    struct sock_addr *out)
{
	const struct sockaddr_in *sin =
	    (const struct sockaddr_in *)(const void *)&a->storage;
	struct in6_addr in6;

	if (a->storage.ss_family == family) {
		*out = *a;
		return 0;
	}
	if (family != AF_INET6 || a->storage.ss_family != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	memset(&in6, 0, sizeof in6);
	in6.s6_addr[10] = 0xff;
	in6.s6_addr[11] = 0xff;
	memcpy(&in6.s6_addr[12], &sin->sin_addr, 4);
	sk_addr_ipv6(out, a->transport, &in6, ntohs(sin->sin_port), 0);
	return 0;
}

static int
sk_format_host(const struct sock_addr *addr, char *host, size_t size,
    int *port)
{
	const struct sockaddr_in *sin =
	    (const struct sockaddr_in *)(const void *)&addr->storage;
	const struct sockaddr_in6 *sin6 =
	    (const struct sockaddr_in6 *)(const void *)&addr->storage;
	char text[INET6_ADDRSTRLEN], zone[IF_NAMESIZE];

	switch (addr->storage.ss_family) {
	case AF_INET:
		*port = ntohs(sin->sin_port);
		inet_ntop(AF_INET, &sin->sin_addr, host, (socklen_t)size);
		return 0;
	case AF_INET6:
		*port = ntohs(sin6->sin6_port);
		inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof text);
		if (sin6->sin6_scope_id == 0)
			snprintf(host, size, "[%s]", text);
		else if (if_indextoname(sin6->sin6_scope_id, zone) != NULL)
			snprintf(host, size, "[%s%%%s]", text, zone);
		else
			snprintf(host, size, "[%s%%%u]", text,
			    (unsigned)sin6->sin6_scope_id);
		return 0;
	default:
		errno = EAFNOSUPPORT;
		return -1;
	}
}

int
sock_addr_format(const struct sock_addr *addr, char *buf, size_t size,
    int flags)
{
	char host[INET6_ADDRSTRLEN + IF_NAMESIZE + 4];
	const char *scheme;
	int port, n;

	if (addr == NULL || (buf == NULL && size > 0))
		return sk_failx(NULL, EINVAL, "format: no address");
	if (addr->storage.ss_family == AF_UNIX)
		return sk_unix_format(addr, buf, size, flags);
	if (sk_format_host(addr, host, sizeof host, &port) == -1)
		return sk_failx(NULL, EAFNOSUPPORT, "format: unknown family");
	scheme = (flags & LIBSOCK_FORMAT_SCHEME) ?
	    sk_scheme(addr->transport) : NULL;
	if (scheme != NULL)
		n = snprintf(buf, size, "%s://%s:%d", scheme, host, port);
	else
		n = snprintf(buf, size, "%s:%d", host, port);
	return n;
}

static int
sk_cmp_int(long a, long b)
{
	return (a > b) - (a < b);
}

int
sock_addr_compare(const struct sock_addr *a, const struct sock_addr *b)
{
	const struct sockaddr_in *a4, *b4;
	const struct sockaddr_in6 *a6, *b6;
	int c;

	if (a == NULL || b == NULL)
		return sk_cmp_int(a != NULL, b != NULL);
	if ((c = sk_cmp_int(a->transport, b->transport)) != 0 ||
	    (c = sk_cmp_int(a->storage.ss_family, b->storage.ss_family)) != 0)
		return c;
	switch (a->storage.ss_family) {
	case AF_INET:
		a4 = (const struct sockaddr_in *)(const void *)&a->storage;
		b4 = (const struct sockaddr_in *)(const void *)&b->storage;
		if ((c = memcmp(&a4->sin_addr, &b4->sin_addr, 4)) != 0)
			return c < 0 ? -1 : 1;
		return sk_cmp_int(ntohs(a4->sin_port), ntohs(b4->sin_port));
	case AF_INET6:
		a6 = (const struct sockaddr_in6 *)(const void *)&a->storage;
		b6 = (const struct sockaddr_in6 *)(const void *)&b->storage;
		if ((c = memcmp(&a6->sin6_addr, &b6->sin6_addr, 16)) != 0)
			return c < 0 ? -1 : 1;
		if ((c = sk_cmp_int(ntohs(a6->sin6_port),
		    ntohs(b6->sin6_port))) != 0)
			return c;
		return sk_cmp_int(a6->sin6_scope_id, b6->sin6_scope_id);
	default:
		/* len is the caller's: never read past the storage. */
		if ((c = sk_cmp_int(a->len, b->len)) != 0)
			return c;
		c = memcmp(&a->storage, &b->storage,
		    a->len < sizeof a->storage ? a->len : sizeof a->storage);
		return (c > 0) - (c < 0);
	}
}

int
sock_addr_port(const struct sock_addr *addr)
{
	if (addr == NULL)
		return sk_failx(NULL, EINVAL, "port: no address");
	switch (addr->storage.ss_family) {
	case AF_INET:
		return ntohs(((const struct sockaddr_in *)
		    (const void *)&addr->storage)->sin_port);
	case AF_INET6:
		return ntohs(((const struct sockaddr_in6 *)
		    (const void *)&addr->storage)->sin6_port);
	default:
		return sk_failx(NULL, EAFNOSUPPORT, "port: unknown family");
	}
}
