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
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
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

/* Take every descriptor left under a limit just above those open now. */
static int
exhaust_fds(int *fds, int max)
{
	struct rlimit rl;
	int n = 0;

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	rl.rlim_cur = (rlim_t)tu_fd_count() + 8;
	ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	errno = 0;
	while (n < max && (fds[n] = open("/dev/null", O_RDONLY)) != -1)
		n++;
	ck_assert_int_eq(errno, EMFILE);
	ck_assert_int_lt(n, max);
	return n;
}

/*
 * A client as a bare descriptor, made while descriptors are still free
 * and connected later, when none are.
 */
static int
raw_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_msg(fd != -1, "socket: %s", strerror(errno));
	return fd;
}

static void
raw_connect(int fd, int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof sin) == 0,
	    "connect 127.0.0.1:%d: %s", port, strerror(errno));
}

static int
fd_ready(int fd, short events, int ms)
{
	struct pollfd pfd;

	pfd.fd = fd;
	pfd.events = events;
	pfd.revents = 0;
	return poll(&pfd, 1, ms) == 1;
}

/* The client's connection was closed by the other end: EOF or reset. */
static void
assert_closed(int fd, const char *what)
{
	char byte;
	ssize_t n;

	ck_assert_msg(fd_ready(fd, POLLIN, 5000), "%s: still open", what);
	n = read(fd, &byte, 1);
	ck_assert_msg(n == 0 || (n == -1 && errno == ECONNRESET),
	    "%s: read gave %zd (%s), not the end", what, n,
	    n == -1 ? strerror(errno) : "data");
}

static int
listener_port(struct sock *l)
{
	struct sock_addr a;

	ck_assert_int_eq(sock_local_addr(l, &a), 0);
	return sock_addr_port(&a);
}

/*
 * sock_error(l) is accept's EMFILE failure, naming the listener as every
 * accept failure does, and says it closed n waiting connections.
 */
static void
assert_emfile_message(struct sock *l, int n)
{
	char closed[64];
	const char *msg = sock_error(l);

	snprintf(closed, sizeof closed, "(closed %d waiting connection", n);
	ck_assert_msg(strncmp(msg, "accept", 6) == 0 &&
	    strstr(msg, strerror(EMFILE)) != NULL &&
	    strstr(msg, closed) != NULL, "\"%s\" is not accept's EMFILE "
	    "having closed %d", msg, n);
}

/*
 * valgrind enforces the descriptor limit itself, after the kernel has
 * taken the connection off the queue: the plain and sanitizer runs
 * cover the EMFILE tests.  Says SKIP and returns 1 under it.
 */
static int
skip_emfile_under_valgrind(const char *what)
{
	if (getenv("LIBSOCK_UNDER_VALGRIND") == NULL)
		return 0;
	printf("SKIP %s: not meaningful under valgrind, which closes what it "
	    "accepts past the limit\n", what);
	return 1;
}

#define EMFILE_WAITING	3	/* clients queued before the first accept */
#define EMFILE_ROUNDS	10	/* one more client each */

/*
 * Out of descriptors, accept cannot take the waiting connections: it
 * closes them at once (a listener left readable would make an event
 * loop spin), reports EMFILE saying how many it closed, and accepts
 * normally once descriptors are free again.  The descriptor limit is
 * lowered in this test's own process (Check forks one per test).
 */
START_TEST(test_accept_under_emfile_reports_and_recovers)
{
	char text[LIBSOCK_ADDRSTRLEN], buf[2], what[32];
	struct sock *l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	struct sock *c, *a;
	struct sock_addr peer, local;
	int waiting[EMFILE_WAITING], later[EMFILE_ROUNDS], fds[64];
	int n, i, port;
	long long t0, took;
	double cpu;

	if (skip_emfile_under_valgrind("accept under EMFILE")) {
		sock_free(l);
		return;
	}
	port = listener_port(l);
	for (i = 0; i < EMFILE_WAITING; i++) {
		waiting[i] = raw_socket();
		raw_connect(waiting[i], port);
	}
	for (i = 0; i < EMFILE_ROUNDS; i++)
		later[i] = raw_socket();
	/* Let the handshakes' last ACKs reach the listener's queue. */
	usleep(50 * 1000);
	ck_assert_int_eq(sock_set_accept_timeout(l, 5000), 0);
	n = exhaust_fds(fds, 64);

	cpu = cpu_seconds();
	t0 = tu_now_ms();
	errno = 0;
	ck_assert_ptr_null(sock_accept(l));
	took = tu_now_ms() - t0;
	ck_assert_int_eq(errno, EMFILE);
	ck_assert_int_eq(sock_error_code(l), EMFILE);
	assert_emfile_message(l, EMFILE_WAITING);
	ck_assert_msg(took < 1000, "accept took %lld ms", took);
	/* Nothing left to report: a level-triggered loop would not spin. */
	ck_assert_msg(!fd_ready(sock_fd(l), POLLIN, 0), "the listener is "
	    "still readable");
	for (i = 0; i < EMFILE_WAITING; i++) {
		snprintf(what, sizeof what, "waiting client %d", i);
		assert_closed(waiting[i], what);
	}

	/* Each later client alike; the failures cost next to nothing. */
	for (i = 0; i < EMFILE_ROUNDS; i++) {
		raw_connect(later[i], port);
		/* Queued: the listener says so. */
		ck_assert(fd_ready(sock_fd(l), POLLIN, 5000));
		errno = 0;
		ck_assert_ptr_null(sock_accept(l));
		ck_assert_int_eq(errno, EMFILE);
		assert_emfile_message(l, 1);
		ck_assert_msg(!fd_ready(sock_fd(l), POLLIN, 0), "round %d: "
		    "the listener is still readable", i);
		snprintf(what, sizeof what, "later client %d", i);
		assert_closed(later[i], what);
	}
	ck_assert_msg(cpu_seconds() - cpu < 0.5, "accept spun: %.3f s CPU",
	    cpu_seconds() - cpu);

	/* One descriptor for a new client, one for accepting it. */
	close(fds[--n]);
	close(fds[--n]);
	c = tu_connect(text);
	a = sock_accept(l);
	ck_assert_msg(a != NULL, "accept after descriptors were freed: %s",
	    sock_error(l));
	ck_assert_int_eq(sock_peer_addr(a, &peer), 0);
	ck_assert_int_eq(sock_local_addr(c, &local), 0);
	ck_assert_msg(sock_addr_compare(&peer, &local) == 0, "accepted %s, "
	    "not the new client", tu_addr_text(&peer));
	ck_assert_int_eq(sock_send_all(c, "ok", 2), 2);
	ck_assert_int_eq(sock_recv_exact(a, buf, 2), 2);
	ck_assert_mem_eq(buf, "ok", 2);
	sock_free(a);
	sock_free(c);
	while (n > 0)
		close(fds[--n]);
	for (i = 0; i < EMFILE_ROUNDS; i++)
		close(later[i]);
	for (i = 0; i < EMFILE_WAITING; i++)
		close(waiting[i]);
	sock_free(l);
}
END_TEST

/*
 * A listener made with one descriptor left has no reserve (the duplicate
 * fails); it takes one at its first accept once descriptors are back, so
 * that the next shortage still closes what waits instead of leaving the
 * listener readable.
 */
START_TEST(test_reserve_missing_at_listen_is_taken_at_accept)
{
	struct sock *l = sock_new(), *a;
	int clients[2], fds[64], n;

	if (skip_emfile_under_valgrind("reserve taken at accept")) {
		sock_free(l);
		return;
	}
	ck_assert_ptr_nonnull(l);
	clients[0] = raw_socket();
	clients[1] = raw_socket();
	n = exhaust_fds(fds, 64);
	/* One descriptor: the listener's own, none for its reserve. */
	close(fds[--n]);
	ck_assert_msg(sock_listen(l, "tcp://127.0.0.1:0") == 0, "listen: %s",
	    sock_error(l));
	close(fds[--n]);
	close(fds[--n]);

	/* Two free: one for the connection, one for the reserve. */
	raw_connect(clients[0], listener_port(l));
	a = sock_accept(l);
	ck_assert_msg(a != NULL, "accept: %s", sock_error(l));
	errno = 0;
	ck_assert_msg(open("/dev/null", O_RDONLY) == -1 && errno == EMFILE,
	    "a descriptor is still free: the reserve was not taken");
	sock_free(a);
	assert_closed(clients[0], "the accepted client");
	ck_assert((fds[n++] = open("/dev/null", O_RDONLY)) != -1);

	/* None free: the reserve sheds the next client. */
	raw_connect(clients[1], listener_port(l));
	ck_assert(fd_ready(sock_fd(l), POLLIN, 5000));
	errno = 0;
	ck_assert_ptr_null(sock_accept(l));
	ck_assert_int_eq(errno, EMFILE);
	assert_emfile_message(l, 1);
	assert_closed(clients[1], "the client past the limit");
	ck_assert_msg(!fd_ready(sock_fd(l), POLLIN, 0), "the listener is "
	    "still readable");
	while (n > 0)
		close(fds[--n]);
	close(clients[0]);
	close(clients[1]);
	sock_free(l);
}
END_TEST

#define SHED_THREADS	2
#define SHED_CLIENTS	8

struct shed_worker {
	struct sock	*l;
	atomic_int	*stop;
	int		 accepted, emfile, other, other_code;
};

/*
 * An event loop's accept, in a thread of its own: whenever the shared
 * non-blocking listener is readable; at most 10 s.
 */
static void *
shed_accept_loop(void *arg)
{
	struct shed_worker *w = arg;
	struct sock *a;
	long long end = tu_now_ms() + 10000;

	while (!atomic_load(w->stop) && tu_now_ms() < end) {
		if (!fd_ready(sock_fd(w->l), POLLIN, 10))
			continue;
		errno = 0;
		if ((a = sock_accept(w->l)) != NULL) {
			w->accepted++;
			sock_free(a);
		} else if (errno == EMFILE) {
			w->emfile++;
		} else if (errno != EAGAIN) {
			w->other++;
			w->other_code = errno;
		}
	}
	return NULL;
}

/*
 * Two threads accept on one listener with no descriptor to spare: one
 * of them sheds each waiting client with the reserve, the other finds
 * it taken or the queue empty; every client is closed or served, none
 * is left waiting, and the listener keeps exactly one reserve.
 */
START_TEST(test_threads_shed_one_listener_under_emfile)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	struct shed_worker w[SHED_THREADS];
	pthread_t t[SHED_THREADS];
	atomic_int stop;
	int clients[SHED_CLIENTS], fds[64], n, i, base, emfile = 0;
	int accepted = 0, c;
	char what[32];
	struct sock *a;

	if (skip_emfile_under_valgrind("threads shedding under EMFILE")) {
		sock_free(l);
		return;
	}
	ck_assert_int_eq(sock_set_nonblocking(l, 1), 0);
	for (i = 0; i < SHED_CLIENTS; i++)
		clients[i] = raw_socket();
	base = tu_fd_count();
	atomic_init(&stop, 0);
	n = exhaust_fds(fds, 64);
	for (i = 0; i < SHED_THREADS; i++) {
		w[i] = (struct shed_worker){ l, &stop, 0, 0, 0, 0 };
		ck_assert_int_eq(pthread_create(&t[i], NULL, shed_accept_loop,
		    &w[i]), 0);
	}
	for (i = 0; i < SHED_CLIENTS; i++) {
		raw_connect(clients[i], listener_port(l));
		snprintf(what, sizeof what, "client %d", i);
		assert_closed(clients[i], what);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < SHED_THREADS; i++) {
		pthread_join(t[i], NULL);
		ck_assert_msg(w[i].other == 0, "thread %d: accept failed with "
		    "%s", i, strerror(w[i].other_code));
		emfile += w[i].emfile;
		accepted += w[i].accepted;
	}
	ck_assert_msg(emfile > 0, "no accept met EMFILE (%d accepted)",
	    accepted);
	ck_assert_msg(!fd_ready(sock_fd(l), POLLIN, 0), "the listener is "
	    "still readable");

	/* Descriptors back: the next client is served, one reserve kept. */
	while (n > 0)
		close(fds[--n]);
	for (i = 0; i < SHED_CLIENTS; i++)
		close(clients[i]);
	c = raw_socket();
	raw_connect(c, listener_port(l));
	ck_assert(fd_ready(sock_fd(l), POLLIN, 5000));
	a = sock_accept(l);
	ck_assert_msg(a != NULL, "accept after descriptors were freed: %s",
	    sock_error(l));
	sock_free(a);
	close(c);
	ck_assert_int_eq(tu_fd_count(), base - SHED_CLIENTS);
	sock_free(l);
}
END_TEST

/*
 * The same on a non-blocking listener: EMFILE once, then EAGAIN (not
 * EMFILE again and again), and a level-triggered loop finds nothing to
 * do; once descriptors are free the next client is accepted.
 */
START_TEST(test_nonblocking_accept_under_emfile_does_not_spin)
{
	char text[LIBSOCK_ADDRSTRLEN], buf[2], msg[1400];
	struct sock *l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	struct sock *c, *a;
	int waiting, fds[64], n, i, ready, accepts;
	double cpu;

	if (skip_emfile_under_valgrind("non-blocking accept under EMFILE")) {
		sock_free(l);
		return;
	}
	ck_assert_int_eq(sock_set_nonblocking(l, 1), 0);
	waiting = raw_socket();
	raw_connect(waiting, listener_port(l));
	usleep(50 * 1000);
	n = exhaust_fds(fds, 64);

	ck_assert(fd_ready(sock_fd(l), POLLIN, 0));
	errno = 0;
	ck_assert_ptr_null(sock_accept(l));
	ck_assert_int_eq(errno, EMFILE);
	ck_assert_int_eq(sock_error_code(l), EMFILE);
	assert_emfile_message(l, 1);
	snprintf(msg, sizeof msg, "%s", sock_error(l));
	errno = 0;
	ck_assert_ptr_null(sock_accept(l));
	ck_assert_msg(errno == EAGAIN, "second accept: errno %d (%s), not "
	    "EAGAIN", errno, strerror(errno));
	/* EAGAIN is not a failure: the EMFILE stays on record. */
	ck_assert_int_eq(sock_error_code(l), EMFILE);
	ck_assert_str_eq(sock_error(l), msg);

	/* An event loop: accept whenever the listener is readable. */
	cpu = cpu_seconds();
	for (i = ready = accepts = 0; i < 100; i++) {
		if (!fd_ready(sock_fd(l), POLLIN, 0))
			continue;
		ready++;
		if ((a = sock_accept(l)) != NULL) {
			accepts++;
			sock_free(a);
		}
	}
	ck_assert_msg(ready == 0, "the listener was readable %d times of 100 "
	    "(%d accepted)", ready, accepts);
	ck_assert_msg(cpu_seconds() - cpu < 0.5, "the loop spun: %.3f s CPU",
	    cpu_seconds() - cpu);
	assert_closed(waiting, "the waiting client");

	close(fds[--n]);
	close(fds[--n]);
	c = tu_connect(text);
	ck_assert(fd_ready(sock_fd(l), POLLIN, 5000));
	a = sock_accept(l);
	ck_assert_msg(a != NULL, "accept after descriptors were freed: %s",
	    sock_error(l));
	/* Non-blocking like its listener. */
	ck_assert_int_eq(sock_recv(a, buf, sizeof buf), LIBSOCK_WANT_READ);
	ck_assert_int_eq(sock_send_all(c, "ok", 2), 2);
	ck_assert(fd_ready(sock_fd(a), POLLIN, 5000));
	ck_assert_int_eq(sock_recv(a, buf, sizeof buf), 2);
	ck_assert_mem_eq(buf, "ok", 2);
	sock_free(a);
	sock_free(c);
	while (n > 0)
		close(fds[--n]);
	close(waiting);
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
	tcase_add_test(tc, test_nonblocking_accept_under_emfile_does_not_spin);
	tcase_add_test(tc, test_reserve_missing_at_listen_is_taken_at_accept);
	tcase_add_test(tc, test_threads_shed_one_listener_under_emfile);
	suite_add_tcase(s, tc);
	/* These enter another namespace: no descriptor-count fixture. */
	tcase_set_timeout(tv, TU_CASE_TIMEOUT);
	tcase_add_test(tv, test_vanished_peer_detected_by_keepalive);
	tcase_add_test(tv, test_vanished_peer_detected_by_recv_timeout);
	suite_add_tcase(s, tv);
	return tu_run(s);
}
