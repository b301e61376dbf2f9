/*
 * testutil.c - helpers shared by the Check suites.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"

int
tu_fd_count(void)
{
	DIR *d;
	struct dirent *e;
	int n = 0, fd, max;

	if ((d = opendir("/proc/self/fd")) != NULL) {
		while ((e = readdir(d)) != NULL)
			if (e->d_name[0] != '.')
				n++;
		closedir(d);
		return n - 1;	/* the directory's own descriptor */
	}
	max = (int)sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 0; fd < max; fd++)
		if (fcntl(fd, F_GETFD) != -1)
			n++;
	return n;
}

int
tu_have_ipv6(void)
{
	struct sockaddr_in6 sin6;
	int fd, ok;

	if ((fd = socket(AF_INET6, SOCK_STREAM, 0)) == -1)
		return 0;
	memset(&sin6, 0, sizeof sin6);
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	ok = bind(fd, (struct sockaddr *)&sin6, sizeof sin6) == 0;
	close(fd);
	return ok;
}

const char *
tu_addr_text(const struct sock_addr *addr)
{
	static char buf[LIBSOCK_ADDRSTRLEN];

	if (sock_addr_format(addr, buf, sizeof buf, LIBSOCK_FORMAT_SCHEME) < 0)
		snprintf(buf, sizeof buf, "(unformattable address)");
	return buf;
}

static struct sock *
tu_open(const char *address, char *text, size_t size, int passive)
{
	struct sock *s;
	struct sock_addr local;
	int rc;

	s = sock_new();
	ck_assert_ptr_nonnull(s);
	rc = passive ? sock_listen(s, address) : sock_bind(s, address);
	ck_assert_msg(rc == 0, "%s %s: %s", passive ? "listen" : "bind",
	    address, sock_error(s));
	ck_assert_int_eq(sock_local_addr(s, &local), 0);
	ck_assert_int_gt(sock_addr_port(&local), 0);
	if (text != NULL)
		ck_assert_int_lt(sock_addr_format(&local, text, size,
		    LIBSOCK_FORMAT_SCHEME), (int)size);
	return s;
}

struct sock *
tu_listen(const char *address, char *text, size_t size)
{
	return tu_open(address, text, size, 1);
}

struct sock *
tu_bind(const char *address, char *text, size_t size)
{
	return tu_open(address, text, size, 0);
}

static int tu_fds_before;

static void
tu_fd_setup(void)
{
	tu_fds_before = tu_fd_count();
}

static void
tu_fd_teardown(void)
{
	int after = tu_fd_count();

	ck_assert_msg(after == tu_fds_before,
	    "descriptor leak: %d open before the test, %d after",
	    tu_fds_before, after);
}

TCase *
tu_tcase(const char *name)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, tu_fd_setup, tu_fd_teardown);
	tcase_set_timeout(tc, TU_CASE_TIMEOUT);
	return tc;
}

int
tu_run(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

long long
tu_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct sock *
tu_connect(const char *address)
{
	struct sock *s;

	s = sock_new();
	ck_assert_ptr_nonnull(s);
	ck_assert_msg(sock_connect(s, address) == 0, "connect %s: %s",
	    address, sock_error(s));
	return s;
}

struct sock *
tu_accept(struct sock *listener)
{
	struct sock *s;

	s = sock_accept(listener);
	ck_assert_msg(s != NULL, "accept: %s", sock_error(listener));
	return s;
}

int
tu_tcp_pair(struct sock **client, struct sock **server)
{
	struct sock *l;
	char text[LIBSOCK_ADDRSTRLEN];

	l = tu_listen("tcp://127.0.0.1:0", text, sizeof text);
	*client = tu_connect(text);
	*server = tu_accept(l);
	sock_free(l);
	return 0;
}

void
tu_assert_took(long long ms, int want)
{
	ck_assert_msg(ms >= want * 8 / 10 && ms <= want * 12 / 10 + 100,
	    "took %lld ms, expected %d ms", ms, want);
}

int
tu_closed_port(void)
{
	struct sock *l;
	struct sock_addr a;
	int port;

	l = tu_listen("tcp://127.0.0.1:0", NULL, 0);
	ck_assert_int_eq(sock_local_addr(l, &a), 0);
	port = sock_addr_port(&a);
	sock_free(l);
	return port;
}

int
tu_fill_backlog(const char *text, struct sock **cs, int max, int *n)
{
	struct sock *c;

	for (*n = 0; *n < max; (*n)++) {
		c = sock_new();
		ck_assert_ptr_nonnull(c);
		ck_assert_int_eq(sock_set_connect_timeout(c, 200), 0);
		if (sock_connect(c, text) == -1) {
			ck_assert_msg(sock_error_code(c) == ETIMEDOUT,
			    "filling the backlog: %s", sock_error(c));
			sock_free(c);
			return 1;
		}
		cs[*n] = c;
	}
	return 0;
}

/* ------------------------------------------------------------ signals */

static volatile sig_atomic_t tu_alarms;
static struct sigaction tu_storm_old;

static void
tu_on_alarm(int sig)
{
	(void)sig;
	tu_alarms++;
}

/*
 * 1 ms, or 20 ms under valgrind, which cannot deliver a thousand signals
 * a second and still run the program.
 */
long
tu_storm_period_us(void)
{
	return getenv("LIBSOCK_UNDER_VALGRIND") != NULL ? 20000 : 1000;
}

void
tu_storm_start(void)
{
	struct sigaction sa;
	struct itimerval it;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tu_on_alarm;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: blocked calls see EINTR */
	ck_assert_int_eq(sigaction(SIGALRM, &sa, &tu_storm_old), 0);
	memset(&it, 0, sizeof it);
	it.it_interval.tv_usec = tu_storm_period_us();
	it.it_value.tv_usec = tu_storm_period_us();
	tu_alarms = 0;
	ck_assert_int_eq(setitimer(ITIMER_REAL, &it, NULL), 0);
}

void
tu_storm_stop(void)
{
	struct itimerval it;
	struct sigaction ign;

	memset(&it, 0, sizeof it);
	setitimer(ITIMER_REAL, &it, NULL);
	/* Discard an alarm still pending before the old action returns. */
	memset(&ign, 0, sizeof ign);
	ign.sa_handler = SIG_IGN;
	sigemptyset(&ign.sa_mask);
	sigaction(SIGALRM, &ign, NULL);
	sigaction(SIGALRM, &tu_storm_old, NULL);
}

int
tu_storm_alarms(void)
{
	return tu_alarms;
}

void
tu_spawn_quiet(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t set, old;

	sigemptyset(&set);
	sigaddset(&set, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	ck_assert_int_eq(pthread_create(t, NULL, fn, arg), 0);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}

/* ------------------------------------------------------------ readers */

static void *
tu_reader_main(void *arg)
{
	struct tu_reader *r = arg;
	unsigned char buf[2048];
	size_t chunk, i;
	ssize_t n;
	unsigned reads = 0;

	while (r->got < r->want) {
		chunk = 1 + (size_t)rand_r(&r->seed) % sizeof buf;
		if (chunk > r->want - r->got)
			chunk = r->want - r->got;
		n = sock_recv(r->s, buf, chunk);
		if (n <= 0) {
			r->err = n == 0 ? LIBSOCK_EEOF : sock_error_code(r->s);
			break;
		}
		for (i = 0; i < (size_t)n && r->bad_at == SIZE_MAX; i++)
			if (buf[i] != r->expect[r->got + i])
				r->bad_at = r->got + i;
		r->got += (size_t)n;
		if (++reads % 256 == 0)
			usleep(1000);
	}
	return NULL;
}

void
tu_reader_start(struct tu_reader *r, struct sock *s,
    const unsigned char *expect, size_t want)
{
	memset(r, 0, sizeof *r);
	r->s = s;
	r->expect = expect;
	r->want = want;
	r->bad_at = SIZE_MAX;
	r->seed = 12345;
	tu_spawn_quiet(&r->thread, tu_reader_main, r);
}

void
tu_reader_check(struct tu_reader *r)
{
	ck_assert_int_eq(pthread_join(r->thread, NULL), 0);
	ck_assert_msg(r->err == 0, "reader: error %d (%s) after %zu bytes",
	    r->err, sock_strerror(r->err), r->got);
	ck_assert_uint_eq(r->got, r->want);
	ck_assert_msg(r->bad_at == SIZE_MAX, "byte %zu differs", r->bad_at);
}

/* ------------------------------------------------------------ TLS */

void
tu_certs_remove(const char *dir, const char *prog)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		(void)unlink(path);
	}
	closedir(d);
	if (rmdir(dir) == -1)
		fprintf(stderr, "%s: removing %s: %s\n", prog, dir,
		    strerror(errno));
}

int
tu_certs_make(char *dir, size_t size, const char *prog)
{
	const char *srcdir = getenv("top_srcdir");
	const char *tmp = getenv("TMPDIR");
	char cmd[2 * PATH_MAX];
	int status;

	if (srcdir == NULL || *srcdir == '\0')
		srcdir = ".";
	if (tmp == NULL || *tmp == '\0' || strlen(tmp) > 200)
		tmp = "/tmp";
	snprintf(dir, size, "%s/libsock-%s.XXXXXX", tmp, prog);
	if (mkdtemp(dir) == NULL) {
		fprintf(stderr, "%s: mkdtemp %s: %s\n", prog, dir,
		    strerror(errno));
		return 99;
	}
	snprintf(cmd, sizeof cmd, "sh '%s/tests/tls-certs.sh' '%s'", srcdir,
	    dir);
	status = system(cmd);
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	tu_certs_remove(dir, prog);
	if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 77) {
		printf("SKIP: the openssl command is not installed; no "
		    "certificates for the TLS tests\n");
		return 77;
	}
	fprintf(stderr, "%s: %s failed (status %d)\n", prog, cmd, status);
	return 99;
}
