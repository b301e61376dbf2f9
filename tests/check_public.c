/*
 * check_public.c - the library as a program sees it: linked only against
 * the shared libsock, using nothing but <sock.h>.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 *
 * Every function of the header is referenced below, so that one missing
 * from the export list fails this program at link or load time.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <sock.h>

typedef void (*any_fn)(void);

#define FN(f)	{ #f, (any_fn)f }

static const struct {
	const char	*name;
	any_fn		 fn;
} exported[] = {
	FN(sock_new),
	FN(sock_close),
	FN(sock_free),
	FN(sock_fd),
	FN(sock_role),
	FN(sock_transport),
	FN(sock_listen),
	FN(sock_listen_addr),
	FN(sock_accept),
	FN(sock_connect),
	FN(sock_connect_addr),
	FN(sock_bind),
	FN(sock_bind_addr),
	FN(sock_send),
	FN(sock_recv),
	FN(sock_send_all),
	FN(sock_recv_exact),
	FN(sock_sendv),
	FN(sock_recvv),
	FN(sock_sendv_all),
	FN(sock_shutdown),
	FN(sock_sendto),
	FN(sock_recvfrom),
	FN(sock_local_addr),
	FN(sock_peer_addr),
	FN(sock_addr_parse),
	FN(sock_addr_resolve),
	FN(sock_addr_format),
	FN(sock_addr_compare),
	FN(sock_addr_port),
	FN(sock_set_timeout),
	FN(sock_set_connect_timeout),
	FN(sock_set_accept_timeout),
	FN(sock_set_send_timeout),
	FN(sock_set_recv_timeout),
	FN(sock_set_reuseaddr),
	FN(sock_set_reuseport),
	FN(sock_set_nodelay),
	FN(sock_set_keepalive),
	FN(sock_set_sndbuf),
	FN(sock_set_rcvbuf),
	FN(sock_set_ttl),
	FN(sock_set_broadcast),
	FN(sock_set_v6only),
	FN(sock_set_backlog),
	FN(sock_error),
	FN(sock_error_code),
	FN(sock_strerror),
	FN(sock_version),
	FN(sock_addr_abstract),
	FN(sock_pair),
	FN(sock_peer_cred),
	FN(sock_recv_fds),
	FN(sock_send_fds),
	FN(sock_set_handshake_timeout),
	FN(sock_set_tls_config),
	FN(sock_set_tls_server_name),
	FN(sock_set_unix_mode),
	FN(sock_set_unlink_stale),
	FN(sock_starttls),
	FN(sock_tls_alpn),
	FN(sock_tls_cipher),
	FN(sock_tls_config_add_keypair_file),
	FN(sock_tls_config_error),
	FN(sock_tls_config_free),
	FN(sock_tls_config_insecure_noverifycert),
	FN(sock_tls_config_insecure_noverifyname),
	FN(sock_tls_config_new),
	FN(sock_tls_config_set_alpn),
	FN(sock_tls_config_set_ca_file),
	FN(sock_tls_config_set_ca_mem),
	FN(sock_tls_config_set_ca_path),
	FN(sock_tls_config_set_keypair_file),
	FN(sock_tls_config_set_keypair_mem),
	FN(sock_tls_config_set_protocols),
	FN(sock_tls_config_verify_client),
	FN(sock_tls_config_verify_client_optional),
	FN(sock_tls_handshake),
	FN(sock_tls_peer_fingerprint),
	FN(sock_tls_peer_issuer),
	FN(sock_tls_peer_subject),
	FN(sock_tls_peer_validity),
	FN(sock_tls_peer_verified),
	FN(sock_tls_pending),
	FN(sock_tls_session_reused),
	FN(sock_tls_version),
};
#define NEXPORTED ((int)(sizeof exported / sizeof exported[0]))

/* Functions declared in sock.h (tests/exports.sh checks the full list). */
#define NDECLARED	86

START_TEST(test_every_function_resolves)
{
	int i, j;

	ck_assert_int_eq(NEXPORTED, NDECLARED);
	for (i = 0; i < NEXPORTED; i++) {
		ck_assert_msg(exported[i].fn != NULL, "%s", exported[i].name);
		for (j = 0; j < i; j++)
			ck_assert_msg(exported[i].fn != exported[j].fn,
			    "%s and %s are one function", exported[i].name,
			    exported[j].name);
	}
}
END_TEST

START_TEST(test_runtime_version_matches_header)
{
	ck_assert_str_eq(sock_version(), LIBSOCK_VERSION);
}
END_TEST

/* The address a socket got, with its scheme, for the other side. */
static void
local_text(struct sock *s, char *text, size_t size)
{
	struct sock_addr a;

	ck_assert_msg(sock_local_addr(s, &a) == 0, "%s", sock_error(s));
	ck_assert_int_gt(sock_addr_port(&a), 0);
	ck_assert_int_lt(sock_addr_format(&a, text, size,
	    LIBSOCK_FORMAT_SCHEME), (int)size);
}

START_TEST(test_tcp_echo_round_trip)
{
	static const char msg[] = "hello, libsock";
	char text[LIBSOCK_ADDRSTRLEN], buf[sizeof msg];
	struct sock *l, *c, *a;

	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_msg(sock_listen(l, "tcp://127.0.0.1:0") == 0, "%s",
	    sock_error(l));
	local_text(l, text, sizeof text);

	c = sock_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(sock_connect(c, text) == 0, "%s", sock_error(c));
	a = sock_accept(l);
	ck_assert_msg(a != NULL, "%s", sock_error(l));

	ck_assert_int_eq(sock_send_all(c, msg, sizeof msg),
	    (ssize_t)sizeof msg);
	ck_assert_int_eq(sock_recv_exact(a, buf, sizeof buf),
	    (ssize_t)sizeof buf);
	ck_assert_int_eq(sock_send_all(a, buf, sizeof buf),
	    (ssize_t)sizeof buf);
	memset(buf, 0, sizeof buf);
	ck_assert_int_eq(sock_recv_exact(c, buf, sizeof buf),
	    (ssize_t)sizeof buf);
	ck_assert_str_eq(buf, msg);

	/* A half-close is the peer's end of stream. */
	ck_assert_int_eq(sock_shutdown(c, SHUT_WR), 0);
	ck_assert_int_eq(sock_recv(a, buf, sizeof buf), 0);

	sock_free(a);
	sock_free(c);
	sock_free(l);
}
END_TEST

START_TEST(test_udp_round_trip)
{
	static const char msg[] = "ping";
	char text[LIBSOCK_ADDRSTRLEN], buf[16];
	struct sock *srv, *cli;
	struct sock_addr srv_addr, cli_addr, from;

	srv = sock_new();
	ck_assert_ptr_nonnull(srv);
	ck_assert_msg(sock_bind(srv, "udp://127.0.0.1:0") == 0, "%s",
	    sock_error(srv));
	local_text(srv, text, sizeof text);
	ck_assert_int_eq(sock_addr_parse(&srv_addr, text), 0);

	cli = sock_new();
	ck_assert_ptr_nonnull(cli);
	ck_assert_msg(sock_bind(cli, "udp://127.0.0.1:0") == 0, "%s",
	    sock_error(cli));
	ck_assert_int_eq(sock_local_addr(cli, &cli_addr), 0);

	ck_assert_int_eq(sock_sendto(cli, msg, sizeof msg, &srv_addr),
	    (ssize_t)sizeof msg);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from),
	    (ssize_t)sizeof msg);
	ck_assert_str_eq(buf, msg);
	ck_assert_int_eq(from.transport, LIBSOCK_UDP);
	ck_assert_int_eq(sock_addr_compare(&from, &cli_addr), 0);

	ck_assert_int_eq(sock_sendto(srv, "pong", 5, &from), 5);
	ck_assert_int_eq(sock_recvfrom(cli, buf, sizeof buf, NULL), 5);
	ck_assert_str_eq(buf, "pong");

	sock_free(cli);
	sock_free(srv);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("public");
	TCase *tc = tcase_create("public");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_every_function_resolves);
	tcase_add_test(tc, test_runtime_version_matches_header);
	tcase_add_test(tc, test_tcp_echo_round_trip);
	tcase_add_test(tc, test_udp_round_trip);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
