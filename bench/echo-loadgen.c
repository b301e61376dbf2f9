/*
 * echo-loadgen.c - the load of the echo benchmark: N connections to an
 * echo server, each with one 64-byte request outstanding at a time (a
 * closed loop), driven by one thread on epoll with plain system calls.
 *
 * usage: echo-loadgen [-c conns] [-w warmup_s] [-d duration_s] [-p pid]
 *            [-s file] host port
 *
 *   -c conns	connections (100)
 *   -w s	warm-up, not counted (1)
 *   -d s	the measured interval (3)
 *   -p pid	the server's process: its CPU time over the measured
 *		interval is reported (user + system, all threads: the
 *		process's CPU-time clock, else /proc/PID/stat)
 *   -s file	count the server's system calls over the measured interval
 *		with strace -f -c -p PID (-p is then required), the summary
 *		in file; $STRACE names the strace command (default strace)
 *
 * Every request carries the connection's number and a sequence number,
 * and the echo must come back byte for byte, or the program stops with
 * an error; so does a connection that ends, or a load that makes no
 * progress for 10 s.  At the end one line of key=value pairs:
 *
 *   conns=100 requests=N seconds=S rps=R server_cpu_us=U client_cpu_us=C
 *
 * server_cpu_us and client_cpu_us are CPU microseconds per request
 * (server_cpu_us is -1 without -p).  With -s the measured interval
 * starts and ends with no request outstanding: the load stops, every
 * echo comes back, strace attaches, the load starts again, and at the
 * end the load stops, every echo comes back and strace detaches.  So
 * the system calls in the summary are exactly those of the requests
 * counted (and of the few waits around them).  Linux only.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "echo.h"

#define REQ_SIZE	64
#define MAX_EVENTS	1024
#define STALL_S		10.0	/* no echo for this long: give up */
#define ATTACH_S	10.0	/* the longest strace may take to attach */
#define MAX_CONNS	100000

struct conn {
	int		fd;
	uint32_t	id;
	uint64_t	seq;
	size_t		sent;		/* bytes of req sent */
	size_t		got;		/* bytes of the echo received */
	int		busy;		/* a request is outstanding */
	unsigned char	req[REQ_SIZE];
	unsigned char	echo[REQ_SIZE];
};

enum phase { WARMUP, DRAIN_BEFORE, MEASURE, DRAIN_AFTER, DONE };

struct load {
	struct conn	*conns;
	int		 nconns;
	int		 ep;
	enum phase	 phase;
	int		 sending;	/* start new requests */
	long		 outstanding;
	uint64_t	 done;		/* echoes received, in all */
	double		 last_echo;	/* when the last came */
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
seconds_arg(const char *text, const char *what)
{
	char *end;
	double v = strtod(text, &end);

	if (*text == '\0' || *end != '\0' || !(v >= 0 && v <= 3600))
		echo_die(what, "not a number of seconds from 0 to 3600");
	return v;
}

static long
long_arg(const char *text, long min, long max, const char *what)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (*text == '\0' || *end != '\0' || v < min || v > max)
		echo_die(what, "out of range");
	return v;
}

static void
interest(struct load *ld, struct conn *c, int op, uint32_t events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof ev);
	ev.events = events;
	ev.data.ptr = c;
	if (epoll_ctl(ld->ep, op, c->fd, &ev) == -1)
		echo_die_errno("epoll_ctl");
}

static void
connect_all(struct load *ld, const struct sockaddr_storage *ss,
    socklen_t len)
{
	struct conn *c;
	int i, on = 1;

	if ((ld->conns = calloc((size_t)ld->nconns, sizeof *c)) == NULL)
		echo_die_errno("calloc");
	for (i = 0; i < ld->nconns; i++) {
		c = &ld->conns[i];
		c->id = (uint32_t)i;
		/* Loopback: connect returns once the kernel has queued it. */
		if ((c->fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) == -1)
			echo_die_errno("socket");
		if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &on,
		    sizeof on) == -1)
			echo_die_errno("setsockopt TCP_NODELAY");
		if (connect(c->fd, (const struct sockaddr *)ss, len) == -1)
			echo_die_errno("connect");
		if (fcntl(c->fd, F_SETFL, O_NONBLOCK) == -1)
			echo_die_errno("fcntl");
		interest(ld, c, EPOLL_CTL_ADD, EPOLLIN);
	}
}

/* Send what is left of the request; wait for writability if needed. */
static void
send_rest(struct load *ld, struct conn *c)
{
	ssize_t n;

	while (c->sent < REQ_SIZE) {
		n = send(c->fd, c->req + c->sent, REQ_SIZE - c->sent,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				echo_die_errno("send");
			interest(ld, c, EPOLL_CTL_MOD, EPOLLOUT);
			return;
		}
		c->sent += (size_t)n;
	}
}

static void
start_request(struct load *ld, struct conn *c)
{
	uint64_t seq = ++c->seq;
	size_t i;

	memcpy(c->req, &c->id, sizeof c->id);
	memcpy(c->req + sizeof c->id, &seq, sizeof seq);
	for (i = sizeof c->id + sizeof seq; i < REQ_SIZE; i++)
		c->req[i] = (unsigned char)(seq * 31 + c->id * 7 + i);
	c->sent = c->got = 0;
	c->busy = 1;
	ld->outstanding++;
	send_rest(ld, c);
}

static void
start_all(struct load *ld)
{
	int i;

	for (i = 0; i < ld->nconns; i++)
		if (!ld->conns[i].busy)
			start_request(ld, &ld->conns[i]);
}

static void
conn_event(struct load *ld, struct conn *c, uint32_t events)
{
	ssize_t n;

	if (c->sent < REQ_SIZE) {
		if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
			interest(ld, c, EPOLL_CTL_MOD, EPOLLIN);
			send_rest(ld, c);
		}
		return;
	}
	/* Never more than the echo: nothing else may come. */
	n = recv(c->fd, c->echo + c->got, REQ_SIZE - c->got, 0);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		echo_die_errno("recv");
	}
	if (n == 0)
		echo_die("recv", "the server closed a connection");
	if (!c->busy)
		echo_die("recv", "bytes that no request asked for");
	if ((c->got += (size_t)n) < REQ_SIZE)
		return;
	if (memcmp(c->echo, c->req, REQ_SIZE) != 0)
		echo_die("echo", "the bytes that came back differ from the "
		    "request");
	c->busy = 0;
	ld->outstanding--;
	ld->done++;
	ld->last_echo = now();
	if (ld->sending)
		start_request(ld, c);
}

/*
 * The CPU time of a process, user and system, all threads, in seconds:
 * its CPU-time clock (nanoseconds), else utime + stime from
 * /proc/PID/stat (clock ticks, 10 ms on most systems).
 */
static double
proc_cpu(pid_t pid)
{
	char path[64], text[1024], *p;
	unsigned long long ut, st;
	struct timespec ts;
	clockid_t clk;
	ssize_t n;
	int fd;

	if (clock_getcpuclockid(pid, &clk) == 0 &&
	    clock_gettime(clk, &ts) == 0)
		return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		echo_die_errno(path);
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		echo_die(path, "cannot read");
	text[n] = '\0';
	/* The command name may hold spaces: count fields after its ')'. */
	if ((p = strrchr(text, ')')) == NULL || sscanf(p + 2,
	    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &ut, &st) != 2)
		echo_die(path, "unexpected format");
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static double
self_cpu(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == -1)
		echo_die_errno("clock_gettime");
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The process that traces pid, from /proc/PID/status, or 0. */
static long
tracer_of(pid_t pid)
{
	char path[64], line[256];
	long tracer = 0;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "re")) == NULL)
		echo_die_errno(path);
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "TracerPid: %ld", &tracer) == 1)
			break;
	fclose(f);
	return tracer;
}

static void
pause_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/*
 * strace -f -c on the server, and once it has attached, its pid; strace
 * sees the server idle in its wait, since nothing is outstanding.
 */
static pid_t
strace_start(pid_t server, const char *file)
{
	const char *cmd = getenv("STRACE");
	char pidtext[32];
	double limit;
	pid_t pid;
	int status;

	if (cmd == NULL || *cmd == '\0')
		cmd = "strace";
	snprintf(pidtext, sizeof pidtext, "%ld", (long)server);
	if ((pid = fork()) == -1)
		echo_die_errno("fork");
	if (pid == 0) {
		execlp(cmd, cmd, "-q", "-f", "-c", "-o", file, "-p", pidtext,
		    (char *)NULL);
		fprintf(stderr, "echo-loadgen: %s: %s\n", cmd,
		    strerror(errno));
		_exit(127);
	}
	limit = now() + ATTACH_S;
	while (tracer_of(server) != (long)pid) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			echo_die("strace", "ended before it attached");
		if (now() > limit) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			echo_die("strace", "did not attach within 10 s");
		}
		pause_ms(1);
	}
	return pid;
}

/* SIGINT makes strace detach and write its summary. */
static void
strace_stop(pid_t pid)
{
	double limit = now() + ATTACH_S;
	int status;

	if (kill(pid, SIGINT) == -1)
		echo_die_errno("kill strace");
	while (waitpid(pid, &status, WNOHANG) != pid) {
		if (now() > limit) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			echo_die("strace", "did not end within 10 s");
		}
		pause_ms(1);
	}
	/* After the summary strace ends by the signal it was sent. */
	if (!(WIFEXITED(status) && (WEXITSTATUS(status) == 0 ||
	    WEXITSTATUS(status) == 128 + SIGINT)) &&
	    !(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT))
		echo_die("strace", "failed");
}

/* The wait until the next thing to do, in ms; 100 at most. */
static int
wait_ms(double until, double t)
{
	double ms = (until - t) * 1000;

	if (ms > 100)
		return 100;
	return ms < 1 ? 1 : (int)ms;
}

/* Where the counters stood at one end of the measured interval. */
struct mark {
	double		t;
	uint64_t	done;
	double		server_cpu;
	double		client_cpu;
};

/* The stall clock starts again there too. */
static void
mark(struct load *ld, pid_t server, struct mark *m)
{
	m->t = ld->last_echo = now();
	m->done = ld->done;
	m->server_cpu = server != 0 ? proc_cpu(server) : 0;
	m->client_cpu = self_cpu();
}

/*
 * Move to the next phase when its time has come: 1 after a move (look
 * again), 0 while the load goes on as it is.
 */
static int
next_phase(struct load *ld, const char *trace, pid_t server, pid_t *tracer,
    double *until, struct mark *m0, struct mark *m1, double duration)
{
	double t = now();

	if (t - ld->last_echo > STALL_S)
		echo_die("load", "no echo for 10 s");
	switch (ld->phase) {
	case WARMUP:
		if (t < *until)
			return 0;
		if (trace != NULL) {
			/* Stop the load and let every echo come back. */
			ld->phase = DRAIN_BEFORE;
			ld->sending = 0;
			return 1;
		}
		mark(ld, server, m0);
		ld->phase = MEASURE;
		*until = m0->t + duration;
		return 1;
	case DRAIN_BEFORE:
		if (ld->outstanding > 0)
			return 0;
		*tracer = strace_start(server, trace);
		mark(ld, server, m0);
		ld->phase = MEASURE;
		*until = m0->t + duration;
		ld->sending = 1;
		start_all(ld);
		return 1;
	case MEASURE:
		if (t < *until)
			return 0;
		if (trace != NULL) {
			ld->phase = DRAIN_AFTER;
			ld->sending = 0;
			return 1;
		}
		mark(ld, server, m1);
		ld->phase = DONE;
		return 1;
	case DRAIN_AFTER:
		if (ld->outstanding > 0)
			return 0;
		mark(ld, server, m1);
		strace_stop(*tracer);
		ld->phase = DONE;
		return 1;
	case DONE:
		break;
	}
	return 1;
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[MAX_EVENTS];
	struct sockaddr_storage ss;
	struct mark m0, m1;
	struct load ld;
	const char *trace = NULL;
	double warmup = 1, duration = 3, until, secs, cpu_us = -1;
	pid_t server = 0, tracer = 0;
	uint64_t n;
	socklen_t len;
	int opt, i, k;

	echo_name("echo-loadgen");
	memset(&ld, 0, sizeof ld);
	ld.nconns = 100;
	while ((opt = getopt(argc, argv, "c:d:p:s:w:")) != -1) {
		switch (opt) {
		case 'c':
			ld.nconns = (int)long_arg(optarg, 1, MAX_CONNS, "-c");
			break;
		case 'd':
			duration = seconds_arg(optarg, "-d");
			break;
		case 'p':
			server = (pid_t)long_arg(optarg, 1, 1L << 30, "-p");
			break;
		case 's':
			trace = optarg;
			break;
		case 'w':
			warmup = seconds_arg(optarg, "-w");
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 2 || (trace != NULL && server == 0) ||
	    duration <= 0)
		goto usage;
	if (echo_sockaddr(argv[optind], (int)long_arg(argv[optind + 1], 1,
	    65535, "port"), &ss, &len) == -1)
		echo_die(argv[optind], "not a numeric address");
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		echo_die_errno("signal");
	if ((ld.ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		echo_die_errno("epoll_create1");
	connect_all(&ld, &ss, len);

	ld.phase = WARMUP;
	ld.sending = 1;
	ld.last_echo = now();
	until = ld.last_echo + warmup;
	start_all(&ld);
	while (ld.phase != DONE) {
		if (next_phase(&ld, trace, server, &tracer, &until, &m0, &m1,
		    duration))
			continue;
		k = epoll_wait(ld.ep, evs, MAX_EVENTS, wait_ms(until, now()));
		if (k == -1 && errno != EINTR)
			echo_die_errno("epoll_wait");
		for (i = 0; i < k; i++)
			conn_event(&ld, evs[i].data.ptr, evs[i].events);
	}

	if ((n = m1.done - m0.done) == 0)
		echo_die("load", "no request completed in the measured "
		    "interval");
	secs = m1.t - m0.t;
	if (server != 0)
		cpu_us = (m1.server_cpu - m0.server_cpu) * 1e6 / (double)n;
	printf("conns=%d requests=%llu seconds=%.3f rps=%.0f "
	    "server_cpu_us=%.3f client_cpu_us=%.3f\n", ld.nconns,
	    (unsigned long long)n, secs, (double)n / secs, cpu_us,
	    (m1.client_cpu - m0.client_cpu) * 1e6 / (double)n);
	return 0;

usage:
	fprintf(stderr, "usage: echo-loadgen [-c conns] [-w warmup_s] "
	    "[-d duration_s] [-p pid] [-s file] host port\n");
	return 2;
}
