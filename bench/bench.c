/*
 * bench.c - the runner shared by the benchmark programs.  Each workload
 * runs its variants in turn (raw libsock, libsock raw, raw libsock, ...)
 * in one process, so that whatever else the machine does at a given
 * moment falls on both alike, and reports the median of the repetitions
 * with their range.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define BENCH_REPS	9	/* the default; BENCH_REPS=N changes it */
#define BENCH_NOTES	16
#define BENCH_WITHIN	3.0	/* percent counted as "the same" */
#define BENCH_RESULTS	32	/* workloads whose medians are kept */

static const char *progname = "bench";
static int short_mode;
static int nreps = BENCH_REPS;
static char notes[BENCH_NOTES][256];
static int nnotes;

/* The medians of the workloads run so far, for bench_medians. */
static struct {
	const struct bench_workload	*w;
	double				 median[BENCH_MAX_VARIANTS];
} results[BENCH_RESULTS];
static int nresults;

#define PIN_NONE	0
#define PIN_SAME	1
#define PIN_SPLIT	2
static int pin_mode = PIN_SAME;
static cpu_set_t cpus_all;	/* what the process was given */
static int pin_cpu[2];		/* the first two CPUs of cpus_all */

double
bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
bench_die(const char *what, const char *why)
{
	fprintf(stderr, "%s: %s: %s\n", progname, what, why);
	exit(1);
}

void
bench_die_errno(const char *what)
{
	bench_die(what, strerror(errno));
}

static void
pin_init(void)
{
	const char *s = getenv("BENCH_PIN");
	int cpu, n = 0;

	if (s == NULL || *s == '\0' || strcmp(s, "same") == 0)
		pin_mode = PIN_SAME;
	else if (strcmp(s, "split") == 0)
		pin_mode = PIN_SPLIT;
	else if (strcmp(s, "none") == 0)
		pin_mode = PIN_NONE;
	else
		bench_die("BENCH_PIN", "not same, split or none");
	if (sched_getaffinity(0, sizeof cpus_all, &cpus_all) == -1) {
		pin_mode = PIN_NONE;
		return;
	}
	for (cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++)
		if (CPU_ISSET(cpu, &cpus_all))
			pin_cpu[n++] = cpu;
	if (n == 1)
		pin_cpu[1] = pin_cpu[0];
}

const char *
bench_pin_text(void)
{
	static char text[128];

	if (pin_mode == PIN_SAME)
		snprintf(text, sizeof text, "BENCH_PIN=same, both threads "
		    "on CPU %d", pin_cpu[0]);
	else if (pin_mode == PIN_SPLIT)
		snprintf(text, sizeof text, "BENCH_PIN=split, threads on "
		    "CPUs %d and %d", pin_cpu[0], pin_cpu[1]);
	else
		snprintf(text, sizeof text, "BENCH_PIN=none, threads where "
		    "the scheduler puts them");
	return text;
}

void
bench_pin(int end)
{
	cpu_set_t set;
	int err;

	if (pin_mode == PIN_NONE)
		return;
	CPU_ZERO(&set);
	CPU_SET(pin_cpu[pin_mode == PIN_SPLIT ? end : 0], &set);
	if ((err = pthread_setaffinity_np(pthread_self(), sizeof set,
	    &set)) != 0)
		bench_die("pthread_setaffinity_np", strerror(err));
}

void
bench_unpin(void)
{
	int err;

	if (pin_mode == PIN_NONE)
		return;
	if ((err = pthread_setaffinity_np(pthread_self(), sizeof cpus_all,
	    &cpus_all)) != 0)
		bench_die("pthread_setaffinity_np", strerror(err));
}

void
bench_init(const char *program)
{
	const char *s;
	char *end;
	long n;

	progname = program;
	s = getenv("BENCH_SHORT");
	short_mode = s != NULL && *s != '\0' && strcmp(s, "0") != 0;
	if ((s = getenv("BENCH_REPS")) != NULL && *s != '\0') {
		n = strtol(s, &end, 10);
		if (*end != '\0' || n < 1 || n > BENCH_MAX_REPS)
			bench_die("BENCH_REPS", "not a number from 1 to 25");
		nreps = (int)n;
	}
	if (short_mode)
		nreps = 2;
	pin_init();
}

void
bench_note(const char *fmt, ...)
{
	va_list ap;

	if (nnotes == BENCH_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(notes[nnotes++], sizeof notes[0], fmt, ap);
	va_end(ap);
}

void
bench_finish(void)
{
	int i;

	for (i = 0; i < nnotes; i++)
		printf("note: %s\n", notes[i]);
	fflush(stdout);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(const double *v, int n)
{
	double s[BENCH_MAX_REPS];

	memcpy(s, v, (size_t)n * sizeof *v);
	qsort(s, (size_t)n, sizeof *s, cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Four significant digits or so, never an exponent. */
static void
format_value(char *buf, size_t size, double v)
{
	if (v >= 1000)
		snprintf(buf, size, "%.0f", v);
	else if (v >= 100)
		snprintf(buf, size, "%.1f", v);
	else if (v >= 10)
		snprintf(buf, size, "%.2f", v);
	else
		snprintf(buf, size, "%.3f", v);
}

void
bench_header(void)
{
	printf("%-30s %-9s %10s %21s %-7s %6s  %s\n", "workload", "variant",
	    "median", "min-max", "unit", "ratio", "time per operation");
	fflush(stdout);
}

/*
 * "within 3%", "12.5% slower": the ratio turned into time per operation,
 * so that rates and latencies read the same way.
 */
static void
verdict(char *buf, size_t size, const struct bench_workload *w, double ratio)
{
	double pct = ((w->lower_better ? ratio : 1 / ratio) - 1) * 100;
	double mag = pct < 0 ? -pct : pct;

	if (mag <= BENCH_WITHIN)
		snprintf(buf, size, "within %.0f%% (%+.1f%%)", BENCH_WITHIN,
		    pct);
	else
		snprintf(buf, size, "%.1f%% %s", mag,
		    pct > 0 ? "slower" : "faster");
}

static void
print_row(const struct bench_workload *w, int first, const char *variant,
    const double *v, int n, double ref)
{
	char med[32], lo[32], hi[32], range[80], ratio[16] = "", how[64] = "";
	double m = median(v, n), min = v[0], max = v[0];
	int i;

	for (i = 1; i < n; i++) {
		min = v[i] < min ? v[i] : min;
		max = v[i] > max ? v[i] : max;
	}
	format_value(med, sizeof med, m);
	format_value(lo, sizeof lo, min);
	format_value(hi, sizeof hi, max);
	snprintf(range, sizeof range, "%s-%s", lo, hi);
	if (ref > 0) {
		snprintf(ratio, sizeof ratio, "%.3f", m / ref);
		verdict(how, sizeof how, w, m / ref);
	}
	printf("%-30s %-9s %10s %21s %-7s %6s  %s", first ? w->name : "",
	    variant, med, range, w->unit, ratio, how);
}

/* The rows of one workload; each variant against the reference. */
static void
print_rows(const struct bench_workload *w, double v[][BENCH_MAX_REPS],
    const unsigned long *sent, const unsigned long *lost, int reps)
{
	const struct bench_variant *x;
	double ref = median(v[0], reps), alt;
	char how[64];
	int i;

	for (i = 0; i < w->nvariants; i++) {
		x = &w->variants[i];
		print_row(w, i == 0, x->name, v[i], reps, i == 0 ? 0 : ref);
		if (sent[i] > 0)
			printf("%sloss %.2f%%", i == 0 ? "" : ", ",
			    100.0 * (double)lost[i] / (double)sent[i]);
		printf("\n");
		if (x->also > 0) {
			alt = median(v[i], reps) / median(v[x->also], reps);
			verdict(how, sizeof how, w, alt);
			printf("%-30s %-9s %10s %21s %-7s %6.3f  %s (%s vs %s)\n",
			    "", "", "", "", "", alt, how, x->name,
			    w->variants[x->also].name);
		}
	}
	fflush(stdout);
}

static void
keep_medians(const struct bench_workload *w, double v[][BENCH_MAX_REPS],
    int reps)
{
	int i;

	if (nresults == BENCH_RESULTS)
		return;
	results[nresults].w = w;
	for (i = 0; i < w->nvariants; i++)
		results[nresults].median[i] = median(v[i], reps);
	nresults++;
}

const double *
bench_medians(const struct bench_workload *w)
{
	int i;

	for (i = nresults - 1; i >= 0; i--)
		if (results[i].w == w)
			return results[i].median;
	return NULL;
}

int
bench_selected(const struct bench_workload *w)
{
	const char *only = getenv("BENCH_ONLY");

	return only == NULL || strstr(w->name, only) != NULL;
}

void
bench_skip(const struct bench_workload *w, const char *why)
{
	int i;

	if (!bench_selected(w))
		return;
	for (i = 0; i < w->nvariants; i++)
		printf("%-30s %-9s %10s %21s %-7s %6s  %s\n",
		    i == 0 ? w->name : "", w->variants[i].name, "n/a", "",
		    w->unit, "", i == 0 ? why : "");
	fflush(stdout);
}

void
bench_run(const struct bench_workload *w)
{
	static double v[BENCH_MAX_VARIANTS][BENCH_MAX_REPS];
	unsigned long sent[BENCH_MAX_VARIANTS] = { 0 };
	unsigned long lost[BENCH_MAX_VARIANTS] = { 0 };
	long count = short_mode ? w->short_count : w->count;
	struct bench_rep rep;
	int r, k, i;

	if (!bench_selected(w))
		return;
	if (w->note != NULL)
		bench_note("%s", w->note);

	if (isatty(STDERR_FILENO))
		fprintf(stderr, "%s: %s: %d x %d variants, %ld each\n",
		    progname, w->name, nreps, w->nvariants, count);
	/* Caches, the allocator and the TCP stack warmed for each alike. */
	if (!short_mode)
		for (i = 0; i < w->nvariants; i++) {
			memset(&rep, 0, sizeof rep);
			w->variants[i].run(count / 10 > 0 ? count / 10 : 1,
			    &rep);
		}
	/*
	 * A B, then B A: the run just after another is often a little
	 * faster (3-4 % in bulk transfers here), and no variant may always
	 * have that place.
	 */
	for (r = 0; r < nreps; r++)
		for (k = 0; k < w->nvariants; k++) {
			i = r % 2 == 0 ? k : w->nvariants - 1 - k;
			memset(&rep, 0, sizeof rep);
			w->variants[i].run(count, &rep);
			v[i][r] = rep.value;
			sent[i] += rep.sent;
			lost[i] += rep.lost;
		}
	print_rows(w, v, sent, lost, nreps);
	keep_medians(w, v, nreps);
}

/* ------------------------------------------------------------ threads */

void
bench_spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	int err;

	if ((err = pthread_create(t, NULL, fn, arg)) != 0)
		bench_die("pthread_create", strerror(err));
}

void
bench_join(pthread_t t)
{
	int err;

	if ((err = pthread_join(t, NULL)) != 0)
		bench_die("pthread_join", strerror(err));
}

void
bench_barrier_init(pthread_barrier_t *b)
{
	int err;

	if ((err = pthread_barrier_init(b, NULL, 2)) != 0)
		bench_die("pthread_barrier_init", strerror(err));
}

/* ------------------------------------------------------------ raw set-up */

int
bench_listen(struct sockaddr_in *sin)
{
	socklen_t len = sizeof *sin;
	int fd, on = 1;

	memset(sin, 0, sizeof *sin);
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		bench_die_errno("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1 ||
	    bind(fd, (struct sockaddr *)sin, sizeof *sin) == -1 ||
	    listen(fd, SOMAXCONN) == -1 ||
	    getsockname(fd, (struct sockaddr *)sin, &len) == -1)
		bench_die_errno("listen");
	return fd;
}

int
bench_connect(const struct sockaddr_in *sin)
{
	int fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		bench_die_errno("socket");
	/* Loopback: the handshake is over before an interruption matters. */
	if (connect(fd, (const struct sockaddr *)sin, sizeof *sin) == -1)
		bench_die_errno("connect");
	return fd;
}

int
bench_accept(int lfd)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1)
		if (errno != EINTR)
			bench_die_errno("accept");
	return fd;
}

void
bench_nodelay(int fd)
{
	int on = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) == -1)
		bench_die_errno("setsockopt TCP_NODELAY");
}

/* ------------------------------------------------------------ libsock */

struct sock *
bench_sock_new(void)
{
	struct sock *s;

	if ((s = sock_new()) == NULL)
		bench_die_errno("sock_new");
	return s;
}

void
bench_sock_where(struct sock *s, char *text, size_t size)
{
	struct sock_addr a;

	if (sock_local_addr(s, &a) == -1)
		bench_die_sock("local address", s);
	if (sock_addr_format(&a, text, size, LIBSOCK_FORMAT_SCHEME) < 0)
		bench_die_errno("format address");
}

void
bench_die_sock(const char *what, const struct sock *s)
{
	bench_die(what, sock_error(s));
}
