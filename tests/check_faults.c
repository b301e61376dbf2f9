/*
 * check_faults.c - hostile and failing peers and a process out of
 * descriptors: a reset while we write, accept under EMFILE, and a peer
 * that vanishes without a word behind a cut link.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

/* ------------------------------------------------------------ reset */

/* The peer drops the connection with a reset while we are sending. */
static void *
reset_after_first_bytes(void *arg)
{
	struct sock *server = arg;
	struct linger lg = { 1, 0 };
	char buf[4096];

	(void)sock_recv(server, buf, sizeof buf);
	setsockopt(sock_fd(server), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	sock_close(server);
	return NULL;
}

START_TEST(test_peer_reset_while_we_write_is_an_error_not_a_signal)
{
	static char big[16 << 20];
	struct sock *client, *server;
	pthread_t t;
	ssize_t n;

	ck_assert_ptr_eq(signal(SIGPIPE, SIG_DFL), SIG_DFL);
	tu_tcp_pair(&client, &server);
	ck_assert_int_eq(sock_set_sndbuf(client, 4096), 0);
	pthread_create(&t, NULL, reset_after_first_bytes, server);
	n = sock_send_all(client, big, sizeof big);
	pthread_join(t, NULL);
	ck_assert_int_eq(n, -1);
	ck_assert_msg(sock_error_code(client) == ECONNRESET ||
	    sock_error_code(client) == EPIPE, "%s", sock_error(client));
	/* The socket still answers, with the same kind of error. */
	ck_assert_int_eq(sock_send(client, "x", 1), -1);
	sock_free(client);
	sock_free(server);
}
END_TEST

/* ------------------------------------------------------------ EMFILE */

static double
cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/*
 * Out of descriptors, accept fails at once with EMFILE instead of
 * spinning, and the listener accepts again once one is freed.  The
 * descriptor limit is lowered in this test's own process (Check forks
 * one per test).
 */
START_TEST(test_accept_under_emfile_reports_and_recovers)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	struct sock *c = tu_connect(text), *a;
	struct rlimit rl;
	int fds[64], n = 0, i;
	double cpu;

	/*
	 * valgrind enforces the limit itself, after the kernel has taken
	 * the connection off the queue: the plain and sanitizer runs cover
	 * this one.
	 */
	if (getenv("LIBSOCK_UNDER_VALGRIND") != NULL) {
		printf("SKIP accept under EMFILE: not meaningful under "
		    "valgrind, which closes what it accepts past the limit\n");
		sock_free(c);
		sock_free(l);
		return;
	}
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = (rlim_t)tu_fd_count() + 8;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	while (n < 64 && (fds[n] = open("/dev/null", O_RDONLY)) != -1)
		n++;
	ck_assert_int_eq(errno, EMFILE);
	ck_assert_int_lt(n, 64);
	ck_assert_int_eq(sock_set_accept_timeout(l, 5000), 0);
	cpu = cpu_seconds();
	for (i = 0; i < 100; i++) {
		errno = 0;
		ck_assert_ptr_null(sock_accept(l));
		ck_assert_int_eq(errno, EMFILE);
		ck_assert_int_eq(sock_error_code(l), EMFILE);
	}
	/* A hundred failures cost next to nothing: no spinning inside. */
	ck_assert_msg(cpu_seconds() - cpu < 0.5, "accept spun: %.3f s CPU",
	    cpu_seconds() - cpu);
	close(fds[--n]);
	a = sock_accept(l);
	ck_assert_msg(a != NULL, "accept after a descriptor was freed: %s",
	    sock_error(l));
	sock_free(a);
	while (n > 0)
		close(fds[--n]);
	sock_free(c);
	sock_free(l);
}
END_TEST

/* ------------------------------------------------------------ vanished */

/*
 * Two network namespaces joined by a veth pair, addressed from TEST-NET-1
 * (RFC 5737), which exists only inside them.  Cutting the pair makes the
 * peer vanish without a FIN or a reset, as a crashed host or a pulled
 * cable does.
 */
struct netpair {
	char	a[32], b[32];		/* namespace names */
	char	link[16];		/* veth end in a; lsvb in b */
	int	up;
};

static int
run(const char *cmd)
{
	int rc = system(cmd);

	return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

static int
netpair_create(struct netpair *np)
{
	char cmd[1024];
	int id = (int)getpid();

	snprintf(np->a, sizeof np->a, "lsock-a-%d", id);
	snprintf(np->b, sizeof np->b, "lsock-b-%d", id);
	snprintf(np->link, sizeof np->link, "lsva%d", id % 100000);
	np->up = 0;
	if (geteuid() != 0 || run("ip netns list >/dev/null 2>&1") != 0)
		return -1;
	snprintf(cmd, sizeof cmd,
	    "ip netns add %1$s && ip netns add %2$s && "
	    "ip link add %3$s netns %1$s type veth peer name lsvb netns %2$s && "
	    "ip -n %1$s addr add 192.0.2.1/24 dev %3$s && "
	    "ip -n %2$s addr add 192.0.2.2/24 dev lsvb && "
	    "ip -n %1$s link set %3$s up && ip -n %2$s link set lsvb up && "
	    "ip -n %1$s link set lo up && ip -n %2$s link set lo up",
	    np->a, np->b, np->link);
	np->up = 1;
	return run(cmd) == 0 ? 0 : -1;
}

static void
netpair_destroy(struct netpair *np)
{
	char cmd[256];

	if (!np->up)
		return;
	snprintf(cmd, sizeof cmd, "ip netns del %s 2>/dev/null; "
	    "ip netns del %s 2>/dev/null", np->a, np->b);
	(void)run(cmd);
}

static int
enter_netns(const char *name)
{
	char path[128];
	int fd, rc;

	snprintf(path, sizeof path, "/run/netns/%s", name);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	rc = setns(fd, CLONE_NEWNET);
	close(fd);
	return rc;
}

/* In namespace b: accept one client, answer one byte, then wait. */
static void
vanishing_server(const char *ns, int ready_fd)
{
	struct sock *l = sock_new(), *c;
	char byte;

	/* Never outlive the test, whatever becomes of it. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(TU_CASE_TIMEOUT);
	if (enter_netns(ns) == -1 || sock_listen(l, "tcp://192.0.2.2:7") == -1)
		_exit(1);
	(void)write(ready_fd, "r", 1);
	if ((c = sock_accept(l)) == NULL || sock_recv(c, &byte, 1) != 1 ||
	    sock_send(c, &byte, 1) != 1)
		_exit(1);
	pause();	/* ended by the test */
	_exit(0);
}

static pid_t
start_vanishing_server(const struct netpair *np)
{
	int p[2];
	char byte;
	pid_t pid;

	ck_assert_int_eq(pipe(p), 0);
	if ((pid = fork()) == 0) {
		close(p[0]);
		vanishing_server(np->b, p[1]);
	}
	close(p[1]);
	ck_assert_msg(read(p[0], &byte, 1) == 1, "server did not start");
	close(p[0]);
	return pid;
}

/*
 * A peer behind a cut link: keepalive (1 s idle, 1 s interval, 2 probes)
 * ends the blocked receive with ETIMEDOUT within a few seconds, and so
 * does a receive timeout on its own.
 */
static void
vanished_peer_case(int use_keepalive)
{
	struct netpair np;
	struct sock *c;
	char byte = 'k', cmd[256];
	long long start, ms;
	pid_t pid;

	if (netpair_create(&np) == -1) {
		netpair_destroy(&np);
		printf("SKIP vanished peer: cannot create network namespaces "
		    "here (needs root and iproute2)\n");
		return;
	}
	pid = start_vanishing_server(&np);
	ck_assert_int_eq(enter_netns(np.a), 0);
	c = sock_new();
	if (use_keepalive)
		ck_assert_int_eq(sock_set_keepalive(c, 1, 1, 1, 2), 0);
	else
		ck_assert_int_eq(sock_set_recv_timeout(c, 2000), 0);
	ck_assert_int_eq(sock_set_connect_timeout(c, 5000), 0);
	ck_assert_msg(sock_connect(c, "tcp://192.0.2.2:7") == 0, "%s",
	    sock_error(c));
	ck_assert_int_eq(sock_send(c, &byte, 1), 1);
	ck_assert_int_eq(sock_recv(c, &byte, 1), 1);
	/*
	 * The far end goes down: our packets are dropped without an ICMP
	 * error, as on a dead path.
	 */
	snprintf(cmd, sizeof cmd, "ip -n %s link set lsvb down", np.b);
	ck_assert_int_eq(run(cmd), 0);
	start = tu_now_ms();
	ck_assert_int_eq(sock_recv(c, &byte, 1), -1);
	ms = tu_now_ms() - start;
	ck_assert_msg(sock_error_code(c) == ETIMEDOUT, "%s", sock_error(c));
	ck_assert_msg(ms < 15000, "took %lld ms", ms);
	if (!use_keepalive)
		ck_assert_msg(ms >= 1600 && ms <= 2400 + 100, "took %lld ms",
		    ms);
	sock_free(c);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	netpair_destroy(&np);
}

START_TEST(test_vanished_peer_detected_by_keepalive)
{
	vanished_peer_case(1);
}
END_TEST

START_TEST(test_vanished_peer_detected_by_recv_timeout)
{
	vanished_peer_case(0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tu_tcase("peers");
	TCase *tv = tcase_create("vanished");

	tcase_add_test(tc,
	    test_peer_reset_while_we_write_is_an_error_not_a_signal);
	tcase_add_test(tc, test_accept_under_emfile_reports_and_recovers);
	suite_add_tcase(s, tc);
	/* These enter another namespace: no descriptor-count fixture. */
	tcase_set_timeout(tv, TU_CASE_TIMEOUT);
	tcase_add_test(tv, test_vanished_peer_detected_by_keepalive);
	tcase_add_test(tv, test_vanished_peer_detected_by_recv_timeout);
	suite_add_tcase(s, tv);
	return tu_run(s);
}
