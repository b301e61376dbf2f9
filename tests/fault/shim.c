/*
 * shim.c - failure injection for libsock, loaded with LD_PRELOAD.
 *
 * Counts the calls that libsock.so itself makes to the allocator, the
 * socket, descriptor and poller system calls and the resolver, and makes
 * call number LIBSOCK_FAULT_AT fail with a typical errno (naming it on
 * standard error).  Calls from anywhere else pass through untouched, so
 * only libsock's own error paths are exercised.  With
 * LIBSOCK_FAULT_EINTR=1 instead, about every other call that a signal
 * can interrupt fails with EINTR, which libsock must retry without
 * losing or repeating data.
 *
 * It also keeps the count of blocks and resolver results libsock holds,
 * so a driver can check that nothing it was given is leaked.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/socket.h>
#ifdef __linux__
#include <sys/epoll.h>
#endif

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void *__libc_malloc(size_t);
void *__libc_calloc(size_t, size_t);
void *__libc_realloc(void *, size_t);
void __libc_free(void *);

static uintptr_t lib_start, lib_end;	/* libsock.so's text */
static long calls, fault_at = -1;
static int use_eintr, ready, paused, trace;
static long held_results;

/*
 * The blocks libsock allocated, by address: a free is matched by the
 * pointer, never by who calls free, since a library's tail calls make a
 * free of its own memory look as if it came from libsock.
 */
#define HELD_SLOTS	8192
static void *held[HELD_SLOTS];
static long held_blocks;

static size_t
held_slot(const void *p)
{
	return ((uintptr_t)p >> 4) % HELD_SLOTS;
}

static void
held_add(void *p)
{
	size_t i, n;

	for (i = held_slot(p), n = 0; n < HELD_SLOTS; i = (i + 1) % HELD_SLOTS,
	    n++)
		if (held[i] == NULL) {
			held[i] = p;
			held_blocks++;
			return;
		}
}

static void
held_remove(const void *p)
{
	size_t i, n;

	for (i = held_slot(p), n = 0; n < HELD_SLOTS; i = (i + 1) % HELD_SLOTS,
	    n++)
		if (held[i] == p) {
			held[i] = (void *)1;	/* a tombstone keeps probing on */
			held_blocks--;
			return;
		} else if (held[i] == NULL)
			return;
}

static int
find_libsock(struct dl_phdr_info *info, size_t size, void *data)
{
	int i;

	(void)size;
	(void)data;
	if (info->dlpi_name == NULL || strstr(info->dlpi_name, "libsock.so")
	    == NULL)
		return 0;
	for (i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
			lib_start = info->dlpi_addr + ph->p_vaddr;
			lib_end = lib_start + ph->p_memsz;
			return 1;
		}
	}
	return 0;
}

static void
shim_init(void)
{
	const char *v;

	if (ready)
		return;
	ready = 1;
	if ((v = getenv("LIBSOCK_FAULT_AT")) != NULL)
		fault_at = atol(v);
	use_eintr = getenv("LIBSOCK_FAULT_EINTR") != NULL;
	trace = getenv("LIBSOCK_FAULT_TRACE") != NULL;
	dl_iterate_phdr(find_libsock, NULL);
}

static int
from_libsock(const void *ret)
{
	uintptr_t pc = (uintptr_t)ret;

	if (!ready)
		return 0;
	if (lib_start == 0)
		dl_iterate_phdr(find_libsock, NULL);
	return pc >= lib_start && pc < lib_end;
}

/*
 * Whether the call that returns to ret called fn itself, through its PLT
 * stub or GOT slot, rather than through a chain of another library's
 * tail calls that happens to end in fn: OpenSSL reaches malloc that way
 * from calls libsock makes, and those blocks are OpenSSL's.  x86-64
 * only; elsewhere any call from libsock's text counts.
 */
static int
called_directly(const void *ret, const void *fn)
{
#if defined(__x86_64__)
	const unsigned char *p = ret, *stub;
	int32_t rel;

	if (p[-6] == 0xff && p[-5] == 0x15) {		/* call *GOT(%rip) */
		memcpy(&rel, p - 4, 4);
		return *(void *const *)(p + rel) == fn;
	}
	if (p[-5] != 0xe8)				/* call rel32 */
		return 0;
	memcpy(&rel, p - 4, 4);
	stub = p + rel;
	if (stub == fn)
		return 1;
	if (stub[0] == 0xf3 && stub[1] == 0x0f && stub[2] == 0x1e &&
	    stub[3] == 0xfa)				/* endbr64 */
		stub += 4;
	if (stub[0] == 0xf2)				/* bnd */
		stub++;
	if (stub[0] != 0xff || stub[1] != 0x25)		/* jmp *GOT(%rip) */
		return 0;
	memcpy(&rel, stub + 2, 4);
	return *(void *const *)(stub + 6 + rel) == fn;
#else
	(void)ret;
	(void)fn;
	return 1;
#endif
}

/* An allocation libsock made and must free. */
static int
libsock_allocates(const void *ret, const void *fn)
{
	return from_libsock(ret) && called_directly(ret, fn);
}

/*
 * A fixed pseudo-random half of the calls.  Strict alternation could fall
 * into step with a retry loop (poll, recv, poll, recv...) and interrupt
 * the same call for ever, which no real signal does.
 */
static int
coin(long n)
{
	uint32_t x = (uint32_t)n * 2654435761u;

	x ^= x >> 15;
	x *= 2246822519u;
	x ^= x >> 13;
	return (x & 1) != 0;
}

/*
 * Whether this call, made by libsock, is to fail, and with what: the
 * usual errno at the chosen count, or EINTR every other time for calls
 * a signal can interrupt (interruptible is 0 for the others).
 */
static int
inject_named(const char *name, const void *ret, int *err, int usual,
    int interruptible)
{
	char line[64];
	int n;

	if (paused || !from_libsock(ret))
		return 0;
	calls++;
	/* LIBSOCK_FAULT_TRACE=1 names each call counted, to find call N. */
	if (trace && (n = snprintf(line, sizeof line, "shim: call %ld %s\n",
	    calls, name)) > 0)
		(void)write(2, line, (size_t)n);
	if (use_eintr) {
		*err = EINTR;
		return interruptible && coin(calls);
	}
	*err = usual;
	if (calls != fault_at)
		return 0;
	/* Named in the run's output, which torture.sh shows on a failure. */
	if ((n = snprintf(line, sizeof line, "shim: failing call %ld %s\n",
	    calls, name)) > 0)
		(void)write(2, line, (size_t)n);
	return 1;
}

#define inject(ret, err, usual, interruptible) \
	inject_named(__func__, (ret), (err), (usual), (interruptible))

/* Entry points for the driver, found with dlsym. */
long shim_calls(void);
long shim_held(void);
void shim_pause(int on);

/* While paused, calls are neither counted nor failed. */
void
shim_pause(int on)
{
	paused = on;
}

long
shim_calls(void)
{
	return calls;
}

long
shim_held(void)
{
	return held_blocks + held_results;
}

void *
malloc(size_t n)
{
	int err;
	void *p;

	shim_init();
	if (inject(__builtin_return_address(0), &err, ENOMEM, 0)) {
		errno = err;
		return NULL;
	}
	p = __libc_malloc(n);
	if (p != NULL && libsock_allocates(__builtin_return_address(0),
	    (const void *)malloc))
		held_add(p);
	return p;
}

/* Compilers turn malloc and memset into calloc: count it too. */
void *
calloc(size_t n, size_t size)
{
	int err;
	void *p;

	shim_init();
	if (inject(__builtin_return_address(0), &err, ENOMEM, 0)) {
		errno = err;
		return NULL;
	}
	p = __libc_calloc(n, size);
	if (p != NULL && libsock_allocates(__builtin_return_address(0),
	    (const void *)calloc))
		held_add(p);
	return p;
}

void *
realloc(void *old, size_t n)
{
	int err;
	void *p;

	shim_init();
	if (inject(__builtin_return_address(0), &err, ENOMEM, 0)) {
		errno = err;
		return NULL;
	}
	p = __libc_realloc(old, n);
	if (p != NULL && old != NULL && p != old) {
		held_remove(old);	/* moved: the new address is held */
		held_add(p);
	} else if (p != NULL && old == NULL &&
	    libsock_allocates(__builtin_return_address(0),
	    (const void *)realloc))
		held_add(p);
	return p;
}

/* strdup allocates inside libc: count (and fail) it for its caller. */
char *
strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	int err;
	char *p;

	shim_init();
	if (inject(__builtin_return_address(0), &err, ENOMEM, 0)) {
		errno = err;
		return NULL;
	}
	if ((p = __libc_malloc(n)) == NULL)
		return NULL;
	memcpy(p, s, n);
	if (libsock_allocates(__builtin_return_address(0),
	    (const void *)strdup))
		held_add(p);
	return p;
}

void
free(void *p)
{
	shim_init();
	if (p != NULL)
		held_remove(p);
	__libc_free(p);
}

#define REAL(name) \
	static __typeof__(name) *real_##name; \
	if (real_##name == NULL) \
		real_##name = (__typeof__(name) *)dlsym(RTLD_NEXT, #name)

#define FAIL_IF(usual, interruptible) do { \
	int err_; \
	shim_init(); \
	if (inject(__builtin_return_address(0), &err_, (usual), \
	    (interruptible))) { \
		errno = err_; \
		return -1; \
	} \
} while (0)
#define FAIL_WITH(usual)	FAIL_IF((usual), 0)
#define FAIL_OR_EINTR(usual)	FAIL_IF((usual), 1)

int
socket(int domain, int type, int protocol)
{
	REAL(socket);
	FAIL_WITH(EMFILE);
	return real_socket(domain, type, protocol);
}

int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	REAL(bind);
	FAIL_WITH(EADDRINUSE);
	return real_bind(fd, sa, len);
}

int
listen(int fd, int backlog)
{
	REAL(listen);
	FAIL_WITH(EADDRINUSE);
	return real_listen(fd, backlog);
}

/* An interrupted connect(2) goes on in the background: so does this one. */
int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int err, rc;

	REAL(connect);
	shim_init();
	if (!inject(__builtin_return_address(0), &err, ECONNREFUSED, 1))
		return real_connect(fd, sa, len);
	if (err == EINTR) {
		rc = real_connect(fd, sa, len);
		if (rc == -1 && errno != EINPROGRESS)
			return rc;
	}
	errno = err;
	return -1;
}

int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	REAL(accept4);
	FAIL_OR_EINTR(EMFILE);
	return real_accept4(fd, sa, len, flags);
}

int
setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	REAL(setsockopt);
	FAIL_WITH(ENOBUFS);
	return real_setsockopt(fd, level, name, val, len);
}

int
getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	REAL(getsockopt);
	FAIL_WITH(ENOBUFS);
	return real_getsockopt(fd, level, name, val, len);
}

int
getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	REAL(getsockname);
	FAIL_WITH(ENOBUFS);
	return real_getsockname(fd, sa, len);
}

int
getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	REAL(getpeername);
	FAIL_WITH(ENOTCONN);
	return real_getpeername(fd, sa, len);
}

int
poll(struct pollfd *fds, nfds_t n, int timeout)
{
	REAL(poll);
	FAIL_OR_EINTR(ENOMEM);
	return real_poll(fds, n, timeout);
}

/* A duplicate (the listener's reserve) fails as descriptors run out. */
int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;
	int usual = EBADF;

	REAL(fcntl);
	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	if (cmd == F_DUPFD)
		usual = EMFILE;
#ifdef F_DUPFD_CLOEXEC
	if (cmd == F_DUPFD_CLOEXEC)
		usual = EMFILE;
#endif
	FAIL_WITH(usual);
	return real_fcntl(fd, cmd, arg);
}

int
dup(int fd)
{
	REAL(dup);
	FAIL_WITH(EMFILE);
	return real_dup(fd);
}

ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	REAL(send);
	FAIL_OR_EINTR(ECONNRESET);
	return real_send(fd, buf, len, flags);
}

ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	REAL(recv);
	FAIL_OR_EINTR(ECONNRESET);
	return real_recv(fd, buf, len, flags);
}

ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	REAL(sendmsg);
	FAIL_OR_EINTR(ECONNRESET);
	return real_sendmsg(fd, msg, flags);
}

ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	REAL(recvmsg);
	FAIL_OR_EINTR(ECONNRESET);
	return real_recvmsg(fd, msg, flags);
}

ssize_t
sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *sa, socklen_t salen)
{
	REAL(sendto);
	FAIL_OR_EINTR(ENOBUFS);
	return real_sendto(fd, buf, len, flags, sa, salen);
}

#ifdef __linux__
int
sendmmsg(int fd, struct mmsghdr *vec, unsigned int n, int flags)
{
	REAL(sendmmsg);
	FAIL_OR_EINTR(ENOBUFS);
	return real_sendmmsg(fd, vec, n, flags);
}

int
recvmmsg(int fd, struct mmsghdr *vec, unsigned int n, int flags,
    struct timespec *timeout)
{
	REAL(recvmmsg);
	FAIL_OR_EINTR(ECONNREFUSED);
	return real_recvmmsg(fd, vec, n, flags, timeout);
}

int
epoll_create1(int flags)
{
	REAL(epoll_create1);
	FAIL_WITH(EMFILE);
	return real_epoll_create1(flags);
}

/* ENOMEM, or ENOSPC past max_user_watches: what an add may meet. */
int
epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	REAL(epoll_ctl);
	FAIL_WITH(ENOMEM);
	return real_epoll_ctl(epfd, op, fd, ev);
}

/*
 * EINTR here is a signal, which the poller reports as no events; the
 * usual failure stands for one it cannot ride out.
 */
int
epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	REAL(epoll_wait);
	FAIL_OR_EINTR(EBADF);
	return real_epoll_wait(epfd, ev, max, timeout);
}
#endif

int
shutdown(int fd, int how)
{
	REAL(shutdown);
	FAIL_WITH(ENOTCONN);
	return real_shutdown(fd, how);
}

int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	int err, rc;

	REAL(getaddrinfo);
	shim_init();
	if (inject(__builtin_return_address(0), &err, 0, 0))
		return EAI_MEMORY;
	rc = real_getaddrinfo(node, service, hints, res);
	if (rc == 0 && from_libsock(__builtin_return_address(0)))
		held_results++;
	return rc;
}

void
freeaddrinfo(struct addrinfo *res)
{
	REAL(freeaddrinfo);
	if (res != NULL && from_libsock(__builtin_return_address(0)))
		held_results--;
	real_freeaddrinfo(res);
}
