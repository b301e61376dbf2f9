/*
 * check_dgram.c - UDP: bind, sendto/recvfrom, source addresses, sizes,
 * truncation, connected datagram sockets and ICMP errors.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define MAX_V4		65507	/* 65535 - 20 (IPv4) - 8 (UDP) */
#define MAX_V6		65527	/* 65535 - 8 (UDP); the IPv6 header is apart */
#define WAIT_MS		2000	/* for datagrams that should arrive at once */

static void
fill(unsigned char *buf, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)((i ^ (i >> 8)) + seed);
}

/* A bound receiver that gives up after WAIT_MS rather than hanging. */
static struct sock *
receiver(const char *address, struct sock_addr *where)
{
	struct sock *s;

	s = tu_bind(address, NULL, 0);
	ck_assert_int_eq(sock_set_recv_timeout(s, WAIT_MS), 0);
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_DGRAM);
	ck_assert_int_eq(sock_transport(s), LIBSOCK_UDP);
	if (where != NULL)
		ck_assert_int_eq(sock_local_addr(s, where), 0);
	return s;
}

static void
assert_same_addr(const struct sock_addr *got, const struct sock_addr *want)
{
	char a[LIBSOCK_ADDRSTRLEN];

	snprintf(a, sizeof a, "%s", tu_addr_text(got));
	ck_assert_msg(sock_addr_compare(got, want) == 0, "address %s, want %s",
	    a, tu_addr_text(want));
}

static void
expect_datagram(struct sock *s, const void *want, size_t len,
    const struct sock_addr *from_want)
{
	unsigned char buf[256];
	struct sock_addr from;
	ssize_t n;

	ck_assert_uint_le(len, sizeof buf);
	memset(&from, 0, sizeof from);
	n = sock_recvfrom(s, buf, sizeof buf, &from);
	ck_assert_msg(n == (ssize_t)len, "recvfrom gave %zd: %s", n,
	    sock_error(s));
	ck_assert_mem_eq(buf, want, len);
	ck_assert_int_eq(from.transport, LIBSOCK_UDP);
	if (from_want != NULL)
		assert_same_addr(&from, from_want);
}

/* recvfrom names the exact sender; the reply goes back to it. */
static void
round_trip(const char *address)
{
	struct sock *srv, *cli;
	struct sock_addr srv_addr, cli_addr, from;
	char buf[32];

	srv = receiver(address, &srv_addr);
	cli = receiver(address, &cli_addr);
	ck_assert_int_eq(srv_addr.transport, LIBSOCK_UDP);
	ck_assert_int_eq(sock_sendto(cli, "question", 8, &srv_addr), 8);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 8);
	ck_assert_mem_eq(buf, "question", 8);
	assert_same_addr(&from, &cli_addr);
	ck_assert_int_eq(sock_sendto(srv, "answer", 6, &from), 6);
	expect_datagram(cli, "answer", 6, &srv_addr);
	sock_free(cli);
	sock_free(srv);
}

START_TEST(test_ipv4_sendto_recvfrom_exact_source)
{
	round_trip("udp://127.0.0.1:0");
}
END_TEST

START_TEST(test_ipv6_sendto_recvfrom_exact_source)
{
	if (!tu_have_ipv6())
		TU_SKIP("no IPv6 on this host");
	round_trip("udp://[::1]:0");
}
END_TEST

START_TEST(test_reply_reaches_the_right_peer)
{
	struct sock *srv, *a, *b;
	struct sock_addr srv_addr, a_addr, b_addr, from1, from2;
	char buf[16];
	int i;

	srv = receiver("udp://127.0.0.1:0", &srv_addr);
	a = receiver("udp://127.0.0.1:0", &a_addr);
	b = receiver("udp://127.0.0.1:0", &b_addr);
	ck_assert_int_eq(sock_sendto(a, "from-a", 6, &srv_addr), 6);
	ck_assert_int_eq(sock_sendto(b, "from-b", 6, &srv_addr), 6);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from1), 6);
	ck_assert_int_eq(sock_recvfrom(srv, buf + 8, 8, &from2), 6);
	ck_assert(sock_addr_compare(&from1, &from2) != 0);
	/* Answer each sender with what it sent, upper-cased. */
	for (i = 0; i < 6; i++) {
		buf[i] = (char)(buf[i] >= 'a' ? buf[i] - 32 : buf[i]);
		buf[8 + i] = (char)(buf[8 + i] >= 'a' ? buf[8 + i] - 32 :
		    buf[8 + i]);
	}
	ck_assert_int_eq(sock_sendto(srv, buf, 6, &from1), 6);
	ck_assert_int_eq(sock_sendto(srv, buf + 8, 6, &from2), 6);
	expect_datagram(a, "FROM-A", 6, &srv_addr);
	expect_datagram(b, "FROM-B", 6, &srv_addr);
	sock_free(b);
	sock_free(a);
	sock_free(srv);
}
END_TEST

START_TEST(test_zero_length_datagram_is_data)
{
	struct sock *srv, *cli;
	struct sock_addr srv_addr, cli_addr, from;
	char buf[16];

	srv = receiver("udp://127.0.0.1:0", &srv_addr);
	cli = receiver("udp://127.0.0.1:0", &cli_addr);
	ck_assert_int_eq(sock_sendto(cli, "", 0, &srv_addr), 0);
	memset(&from, 0, sizeof from);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 0);
	assert_same_addr(&from, &cli_addr);
	/* The empty datagram was consumed; the next one is intact. */
	ck_assert_int_eq(sock_sendto(cli, "next", 4, &srv_addr), 4);
	expect_datagram(srv, "next", 4, &cli_addr);
	sock_free(cli);
	sock_free(srv);
}
END_TEST

START_TEST(test_truncated_datagram_reported)
{
	struct sock *srv, *cli;
	struct sock_addr srv_addr, cli_addr, from;
	unsigned char *big, buf[1024];
	ssize_t n;
	int saved;

	big = malloc(MAX_V4);
	ck_assert_ptr_nonnull(big);
	fill(big, MAX_V4, 7);
	srv = receiver("udp://127.0.0.1:0", &srv_addr);
	cli = receiver("udp://127.0.0.1:0", &cli_addr);
	ck_assert_int_eq(sock_sendto(cli, big, MAX_V4, &srv_addr), MAX_V4);
	memset(&from, 0, sizeof from);
	errno = 0;
	n = sock_recvfrom(srv, buf, sizeof buf, &from);
	saved = errno;
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(saved, LIBSOCK_ETRUNC);
	ck_assert_int_eq(sock_error_code(srv), LIBSOCK_ETRUNC);
	ck_assert_mem_eq(buf, big, sizeof buf);
	assert_same_addr(&from, &cli_addr);
	ck_assert_str_eq(sock_error(srv),
	    "recvfrom: datagram of 65507 bytes truncated to 1024");
	/* Still usable, and the rest of the big datagram is gone. */
	ck_assert_int_eq(sock_sendto(cli, "after", 5, &srv_addr), 5);
	expect_datagram(srv, "after", 5, &cli_addr);
	sock_free(cli);
	sock_free(srv);
	free(big);
}
END_TEST

static void
max_payload(const char *address, size_t max)
{
	struct sock *srv, *cli;
	struct sock_addr srv_addr, cli_addr, from;
	unsigned char *out, *in;
	int saved;

	out = malloc(max + 1);
	in = malloc(max + 16);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(in);
	fill(out, max + 1, 3);
	srv = receiver(address, &srv_addr);
	cli = receiver(address, &cli_addr);
	ck_assert_msg(sock_sendto(cli, out, max, &srv_addr) == (ssize_t)max,
	    "sendto %zu bytes: %s", max, sock_error(cli));
	ck_assert_int_eq(sock_recvfrom(srv, in, max + 16, &from),
	    (ssize_t)max);
	ck_assert(memcmp(in, out, max) == 0);
	assert_same_addr(&from, &cli_addr);

	/* One byte more does not fit in an IP packet. */
	errno = 0;
	ck_assert_int_eq(sock_sendto(cli, out, max + 1, &srv_addr), -1);
	saved = errno;
	ck_assert_int_eq(saved, EMSGSIZE);
	ck_assert_int_eq(sock_error_code(cli), EMSGSIZE);
	ck_assert_int_eq(sock_role(cli), LIBSOCK_ROLE_DGRAM);
	sock_free(cli);
	sock_free(srv);
	free(in);
	free(out);
}

START_TEST(test_ipv4_max_payload_and_emsgsize)
{
	max_payload("udp://127.0.0.1:0", MAX_V4);
}
END_TEST

START_TEST(test_ipv6_max_payload_and_emsgsize)
{
	if (!tu_have_ipv6())
		TU_SKIP("no IPv6 on this host");
	max_payload("udp://[::1]:0", MAX_V6);
}
END_TEST

START_TEST(test_sendto_on_new_object_creates_socket)
{
	struct sock *srv, *s;
	struct sock_addr srv_addr, local, from;
	char buf[16];

	srv = receiver("udp://127.0.0.1:0", &srv_addr);
	s = sock_new();
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_NEW);
	ck_assert_msg(sock_sendto(s, "hello", 5, &srv_addr) == 5, "sendto: %s",
	    sock_error(s));
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_DGRAM);
	ck_assert_int_eq(sock_transport(s), LIBSOCK_UDP);
	ck_assert_int_ge(sock_fd(s), 0);
	ck_assert_int_eq(sock_local_addr(s, &local), 0);
	ck_assert_int_gt(sock_addr_port(&local), 0);
	ck_assert_int_eq(local.storage.ss_family, AF_INET);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 5);
	ck_assert_mem_eq(buf, "hello", 5);
	/* Unbound sockets report 0.0.0.0 locally; the port is what counts. */
	ck_assert_int_eq(sock_addr_port(&from), sock_addr_port(&local));
	/* And the implicit socket receives the reply. */
	ck_assert_int_eq(sock_set_recv_timeout(s, WAIT_MS), 0);
	ck_assert_int_eq(sock_sendto(srv, "back", 4, &from), 4);
	expect_datagram(s, "back", 4, &srv_addr);
	sock_free(s);
	sock_free(srv);
}
END_TEST

static struct sock *
connected_to(const struct sock_addr *to)
{
	struct sock *c;
	char text[LIBSOCK_ADDRSTRLEN];

	ck_assert_int_gt(sock_addr_format(to, text, sizeof text,
	    LIBSOCK_FORMAT_SCHEME), 0);
	ck_assert_msg(strncmp(text, "udp://", 6) == 0, "%s", text);
	c = sock_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(sock_connect(c, text) == 0, "connect %s: %s", text,
	    sock_error(c));
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTED_DGRAM);
	ck_assert_int_eq(sock_transport(c), LIBSOCK_UDP);
	ck_assert_int_eq(sock_set_recv_timeout(c, WAIT_MS), 0);
	return c;
}

START_TEST(test_connected_datagram_send_recv)
{
	struct sock *srv, *c;
	struct sock_addr srv_addr, peer, local, from;
	char buf[16];

	srv = receiver("udp://127.0.0.1:0", &srv_addr);
	c = connected_to(&srv_addr);
	ck_assert_int_eq(sock_peer_addr(c, &peer), 0);
	assert_same_addr(&peer, &srv_addr);
	ck_assert_int_eq(sock_local_addr(c, &local), 0);

	ck_assert_int_eq(sock_send(c, "ping", 4), 4);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 4);
	ck_assert_mem_eq(buf, "ping", 4);
	assert_same_addr(&from, &local);
	ck_assert_int_eq(sock_sendto(srv, "pong", 4, &from), 4);
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), 4);
	ck_assert_mem_eq(buf, "pong", 4);

	/* recvfrom is allowed too, and names the peer. */
	ck_assert_int_eq(sock_sendto(srv, "again", 5, &from), 5);
	expect_datagram(c, "again", 5, &srv_addr);

	/* Empty datagrams both ways. */
	ck_assert_int_eq(sock_send(c, "", 0), 0);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, NULL), 0);
	ck_assert_int_eq(sock_sendto(srv, "", 0, &from), 0);
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), 0);

	/* send_all is one datagram. */
	ck_assert_int_eq(sock_send_all(c, "whole", 5), 5);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, NULL), 5);
	ck_assert_mem_eq(buf, "whole", 5);
	sock_free(c);
	sock_free(srv);
}
END_TEST

START_TEST(test_connected_datagram_recv_truncation)
{
	struct sock *srv, *c;
	struct sock_addr srv_addr, local;
	unsigned char out[100], buf[10];
	int saved;

	fill(out, sizeof out, 11);
	srv = receiver("udp://127.0.0.1:0", &srv_addr);
	c = connected_to(&srv_addr);
	ck_assert_int_eq(sock_local_addr(c, &local), 0);
	ck_assert_int_eq(sock_sendto(srv, out, sizeof out, &local), 100);
	errno = 0;
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), -1);
	saved = errno;
	ck_assert_int_eq(saved, LIBSOCK_ETRUNC);
	ck_assert_int_eq(sock_error_code(c), LIBSOCK_ETRUNC);
	ck_assert_mem_eq(buf, out, sizeof buf);
	ck_assert_int_eq(sock_sendto(srv, "ok", 2, &local), 2);
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), 2);
	ck_assert_mem_eq(buf, "ok", 2);
	sock_free(c);
	sock_free(srv);
}
END_TEST

/*
 * A connected UDP socket learns of the port unreachable ICMP reply and
 * reports it on a later call; afterwards the socket works on.
 */
START_TEST(test_connected_datagram_icmp_refused)
{
	struct sock *gone, *c, *srv;
	struct sock_addr to, from;
	char text[64], buf[16];
	int i, refused = 0, port;
	ssize_t n;

	gone = receiver("udp://127.0.0.1:0", &to);
	port = sock_addr_port(&to);
	sock_free(gone);
	c = connected_to(&to);
	ck_assert_int_eq(sock_set_recv_timeout(c, 50), 0);
	for (i = 0; i < 20 && !refused; i++) {
		if (sock_send(c, "x", 1) == -1) {
			ck_assert_msg(sock_error_code(c) == ECONNREFUSED,
			    "send: %s", sock_error(c));
			refused = 1;
			break;
		}
		n = sock_recv(c, buf, sizeof buf);
		ck_assert_int_eq(n, -1);
		if (sock_error_code(c) == ECONNREFUSED)
			refused = 1;
		else
			ck_assert_msg(sock_error_code(c) == ETIMEDOUT,
			    "recv: %s", sock_error(c));
		usleep(10 * 1000);
	}
	ck_assert_msg(refused, "no ECONNREFUSED after %d sends", i);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTED_DGRAM);

	/* The error was reported once; now a plain timeout. */
	ck_assert_int_eq(sock_set_recv_timeout(c, 100), 0);
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), -1);
	ck_assert_int_eq(sock_error_code(c), ETIMEDOUT);

	/* A server comes up on the port again: traffic flows. */
	snprintf(text, sizeof text, "udp://127.0.0.1:%d", port);
	srv = sock_new();
	ck_assert_ptr_nonnull(srv);
	if (sock_bind(srv, text) == -1) {
		fprintf(stderr, "SKIP %s: port %d taken meanwhile: %s\n",
		    __func__, port, sock_error(srv));
		sock_free(srv);
		sock_free(c);
		return;
	}
	ck_assert_int_eq(sock_set_recv_timeout(srv, WAIT_MS), 0);
	ck_assert_int_eq(sock_send(c, "back", 4), 4);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 4);
	ck_assert_mem_eq(buf, "back", 4);
	ck_assert_int_eq(sock_sendto(srv, "up", 2, &from), 2);
	ck_assert_int_eq(sock_set_recv_timeout(c, WAIT_MS), 0);
	ck_assert_int_eq(sock_recv(c, buf, sizeof buf), 2);
	ck_assert_mem_eq(buf, "up", 2);
	sock_free(srv);
	sock_free(c);
}
END_TEST

START_TEST(test_recv_timeout_on_datagram_socket)
{
	struct sock *s, *cli;
	struct sock_addr where, cli_addr;
	char buf[16];
	long long t0, took;
	int saved;

	s = receiver("udp://127.0.0.1:0", &where);
	ck_assert_int_eq(sock_set_recv_timeout(s, 200), 0);
	t0 = tu_now_ms();
	errno = 0;
	ck_assert_int_eq(sock_recvfrom(s, buf, sizeof buf, NULL), -1);
	saved = errno;
	took = tu_now_ms() - t0;
	ck_assert_int_eq(saved, ETIMEDOUT);
	ck_assert_int_eq(sock_error_code(s), ETIMEDOUT);
	tu_assert_took(took, 200);
	/* Usable afterwards. */
	cli = receiver("udp://127.0.0.1:0", &cli_addr);
	ck_assert_int_eq(sock_sendto(cli, "late", 4, &where), 4);
	expect_datagram(s, "late", 4, &cli_addr);
	sock_free(cli);
	sock_free(s);
}
END_TEST

START_TEST(test_dual_stack_ipv4_destination_and_source)
{
	struct sock *srv, *c4, *c6;
	struct sock_addr srv_local, to4, to6, c4_addr, c6_addr, from;
	char text[64], got[LIBSOCK_ADDRSTRLEN], want[64];
	char buf[16];
	int port;

	if (!tu_have_ipv6())
		TU_SKIP("no IPv6 on this host");
	srv = receiver("udp://*:0", &srv_local);
	ck_assert_int_eq(srv_local.storage.ss_family, AF_INET6);
	port = sock_addr_port(&srv_local);
	snprintf(text, sizeof text, "udp://127.0.0.1:%d", port);
	ck_assert_int_eq(sock_addr_parse(&to4, text), 0);
	snprintf(text, sizeof text, "udp://[::1]:%d", port);
	ck_assert_int_eq(sock_addr_parse(&to6, text), 0);
	c4 = receiver("udp://127.0.0.1:0", &c4_addr);
	c6 = receiver("udp://[::1]:0", &c6_addr);

	/* IPv4 sender: reported as IPv4, and the IPv4 reply is mapped. */
	ck_assert_int_eq(sock_sendto(c4, "four", 4, &to4), 4);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 4);
	ck_assert_int_eq(from.storage.ss_family, AF_INET);
	assert_same_addr(&from, &c4_addr);
	ck_assert_int_gt(sock_addr_format(&from, got, sizeof got, 0), 0);
	snprintf(want, sizeof want, "127.0.0.1:%d", sock_addr_port(&c4_addr));
	ck_assert_str_eq(got, want);
	ck_assert_msg(sock_sendto(srv, "FOUR", 4, &from) == 4, "sendto %s: %s",
	    want, sock_error(srv));
	expect_datagram(c4, "FOUR", 4, &to4);

	/* IPv6 sender on the same socket. */
	ck_assert_int_eq(sock_sendto(c6, "six", 3, &to6), 3);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 3);
	ck_assert_int_eq(from.storage.ss_family, AF_INET6);
	assert_same_addr(&from, &c6_addr);
	ck_assert_int_eq(sock_sendto(srv, "SIX", 3, &from), 3);
	expect_datagram(c6, "SIX", 3, &to6);
	sock_free(c6);
	sock_free(c4);
	sock_free(srv);
}
END_TEST

START_TEST(test_sendto_tcp_address_einval)
{
	struct sock *s, *n;
	struct sock_addr tcp, plain, where;
	char text[LIBSOCK_ADDRSTRLEN];
	int saved;

	s = receiver("udp://127.0.0.1:0", &where);
	ck_assert_int_eq(sock_addr_parse(&tcp, "tcp://127.0.0.1:9"), 0);
	ck_assert_int_eq(tcp.transport, LIBSOCK_TCP);
	errno = 0;
	ck_assert_int_eq(sock_sendto(s, "x", 1, &tcp), -1);
	saved = errno;
	ck_assert_int_eq(saved, EINVAL);
	ck_assert_int_eq(sock_error_code(s), EINVAL);
	errno = 0;
	ck_assert_int_eq(sock_sendto(s, "x", 1, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);

	/* On a new object nothing is created. */
	n = sock_new();
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(sock_sendto(n, "x", 1, &tcp), -1);
	ck_assert_int_eq(sock_error_code(n), EINVAL);
	ck_assert_int_eq(sock_role(n), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(n), -1);
	sock_free(n);

	/* An address without a scheme is fine for a datagram socket. */
	ck_assert_int_gt(sock_addr_format(&where, text, sizeof text, 0), 0);
	ck_assert_int_eq(sock_addr_parse(&plain, text), 0);
	ck_assert_int_eq(plain.transport, 0);
	ck_assert_int_eq(sock_sendto(s, "self", 4, &plain), 4);
	expect_datagram(s, "self", 4, &where);
	sock_free(s);
}
END_TEST

START_TEST(test_sendto_on_connected_datagram_eisconn)
{
	struct sock *srv, *c;
	struct sock_addr srv_addr;
	int saved;

	srv = receiver("udp://127.0.0.1:0", &srv_addr);
	c = connected_to(&srv_addr);
	errno = 0;
	ck_assert_int_eq(sock_sendto(c, "x", 1, &srv_addr), -1);
	saved = errno;
	ck_assert_int_eq(saved, EISCONN);
	ck_assert_int_eq(sock_error_code(c), EISCONN);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTED_DGRAM);
	sock_free(c);
	sock_free(srv);
}
END_TEST

int
main(void)
{
	Suite *suite = suite_create("dgram");
	TCase *tc;

	tc = tu_tcase("sendto_recvfrom");
	tcase_add_test(tc, test_ipv4_sendto_recvfrom_exact_source);
	tcase_add_test(tc, test_ipv6_sendto_recvfrom_exact_source);
	tcase_add_test(tc, test_reply_reaches_the_right_peer);
	tcase_add_test(tc, test_zero_length_datagram_is_data);
	tcase_add_test(tc, test_sendto_on_new_object_creates_socket);
	tcase_add_test(tc, test_dual_stack_ipv4_destination_and_source);
	tcase_add_test(tc, test_recv_timeout_on_datagram_socket);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("sizes");
	tcase_add_test(tc, test_truncated_datagram_reported);
	tcase_add_test(tc, test_ipv4_max_payload_and_emsgsize);
	tcase_add_test(tc, test_ipv6_max_payload_and_emsgsize);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("connected");
	tcase_add_test(tc, test_connected_datagram_send_recv);
	tcase_add_test(tc, test_connected_datagram_recv_truncation);
	tcase_add_test(tc, test_connected_datagram_icmp_refused);
	suite_add_tcase(suite, tc);

	tc = tu_tcase("misuse");
	tcase_add_test(tc, test_sendto_tcp_address_einval);
	tcase_add_test(tc, test_sendto_on_connected_datagram_eisconn);
	suite_add_tcase(suite, tc);

	return tu_run(suite);
}
