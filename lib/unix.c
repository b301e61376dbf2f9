/*
 * unix.c - what only Unix domain sockets do: socket files (their mode,
 * stale ones, removal), socket pairs, peer credentials and descriptor
 * passing.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "internal.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SK_FDS_SPACE	CMSG_SPACE(LIBSOCK_MAX_FDS * sizeof(int))

/* The path of a filesystem address, or NULL (abstract or unnamed). */
static const char *
sk_unix_path(const struct sock_addr *addr)
{
	const struct sockaddr_un *sun =
	    (const struct sockaddr_un *)(const void *)&addr->storage;

	if (addr->storage.ss_family != AF_UNIX ||
	    addr->len <= offsetof(struct sockaddr_un, sun_path) ||
	    sun->sun_path[0] == '\0')
		return NULL;
	return sun->sun_path;
}

/*
 * Whether the socket file at path is left by a listener that is gone:
 * a socket file that refuses a connection.  A live listener, or
 * anything that is not a socket, is never stale.
 */
static int
sk_unix_stale(const struct sock_addr *addr, int type)
{
	struct stat st;
	int fd, rc, err;

	if (lstat(sk_unix_path(addr), &st) == -1 || !S_ISSOCK(st.st_mode))
		return 0;
	if ((fd = sk_socket(AF_UNIX, type, 0)) == -1)
		return 0;
	rc = connect(fd, (const struct sockaddr *)&addr->storage, addr->len);
	err = errno;
	sk_close_fd(fd);
	return rc == -1 && err == ECONNREFUSED;
}

static int
sk_unix_bind_once(struct sock *s, const struct sock_addr *addr)
{
	int type = sk_socktype(s->transport);

	if (bind(s->fd, (const struct sockaddr *)&addr->storage,
	    addr->len) == 0)
		return 0;
	if (errno != EADDRINUSE || s->opts.unlink_stale != 1 ||
	    sk_unix_path(addr) == NULL)
		return -1;
	if (!sk_unix_stale(addr, type)) {
		errno = EADDRINUSE;
		return -1;
	}
	/* Only a socket file that refused us is removed, then bound. */
	if (unlink(sk_unix_path(addr)) == -1 && errno != ENOENT)
		return -1;
	return bind(s->fd, (const struct sockaddr *)&addr->storage,
	    addr->len);
}

/*
 * Bind to a Unix address.  With a mode set, the socket's own mode is
 * narrowed before bind (Linux creates the file with it, less the umask),
 * so the file is never wider than asked; chmod then gives the exact
 * mode.  The file made is remembered, to be removed at close.
 */
int
sk_unix_bind(struct sock *s, const struct sock_addr *addr)
{
	const char *path = sk_unix_path(addr);
	mode_t mode = (mode_t)s->opts.unix_mode;
	struct stat st;
	int saved;

	if (path != NULL && s->opts.unix_mode >= 0)
		(void)fchmod(s->fd, mode);	/* not every system takes it */
	if (sk_unix_bind_once(s, addr) == -1)
		return -1;
	if (path == NULL)
		return 0;
	if ((s->opts.unix_mode >= 0 && chmod(path, mode) == -1) ||
	    lstat(path, &st) == -1) {
		saved = errno;
		(void)unlink(path);
		errno = saved;
		return -1;
	}
	snprintf(s->bound.path, sizeof s->bound.path, "%s", path);
	s->bound.dev = st.st_dev;
	s->bound.ino = st.st_ino;
	return 0;
}

/*
 * Remove the socket file this socket made, if it is still the same file:
 * another process may have replaced it since.
 */
void
sk_unix_release(struct sock *s)
{
	struct stat st;

	if (s->bound.path[0] == '\0')
		return;
	if (lstat(s->bound.path, &st) == 0 && st.st_dev == s->bound.dev &&
	    st.st_ino == s->bound.ino)
		(void)unlink(s->bound.path);
	s->bound.path[0] = '\0';
}

static int
sk_check_unix(struct sock *s, const char *op, unsigned roles)
{
	if (sk_check(s, op, roles) == -1)
		return -1;
	if (s->family != AF_UNIX)
		return sk_failx(s, EINVAL, "%s: not a Unix domain socket", op);
	return 0;
}

int
sock_pair(int transport, struct sock **a, struct sock **b)
{
	struct sock *x, *y;
	int fds[2], role, saved;

	if (a == NULL || b == NULL)
		return sk_failx(NULL, EINVAL, "pair: no room for the sockets");
	*a = *b = NULL;
	if (transport != LIBSOCK_UNIX && transport != LIBSOCK_UNIXGRAM)
		return sk_failx(NULL, EINVAL, "pair: transport %d is not "
		    "LIBSOCK_UNIX or LIBSOCK_UNIXGRAM", transport);
	if ((x = sock_new()) == NULL || (y = sock_new()) == NULL) {
		sock_free(x);
		return sk_failx(NULL, ENOMEM, "pair: out of memory");
	}
	if (sk_socketpair(sk_socktype(transport), fds) == -1) {
		saved = errno;
		sock_free(x);
		sock_free(y);
		return sk_fail(NULL, saved, "pair");
	}
	role = transport == LIBSOCK_UNIX ? LIBSOCK_ROLE_ACTIVE :
	    LIBSOCK_ROLE_CONNECTED_DGRAM;
	sk_adopt(x, fds[0], role, transport, AF_UNIX);
	sk_adopt(y, fds[1], role, transport, AF_UNIX);
	*a = x;
	*b = y;
	return 0;
}

int
sock_peer_cred(struct sock *s, pid_t *pid, uid_t *uid, gid_t *gid)
{
	unsigned roles = SK_ROLE(LIBSOCK_ROLE_ACTIVE) |
	    SK_ROLE(LIBSOCK_ROLE_CONNECTED_DGRAM);
#if defined(SO_PEERCRED)
	struct ucred cred;
	socklen_t len = sizeof cred;
#else
	uid_t u;
	gid_t g;
#endif

	if (sk_check_unix(s, "peer credentials", roles) == -1)
		return -1;
#if defined(SO_PEERCRED)
	if (getsockopt(s->fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return sk_fail_io(s, errno, "peer credentials");
	/* A datagram socket connected by address carries none (Linux). */
	if (cred.uid == (uid_t)-1)
		return sk_failx(s, ENOTCONN, "peer credentials: none for this "
		    "socket; only streams and socket pairs carry them");
	if (pid != NULL)
		*pid = cred.pid;
	if (uid != NULL)
		*uid = cred.uid;
	if (gid != NULL)
		*gid = cred.gid;
#else
	if (getpeereid(s->fd, &u, &g) == -1)
		return sk_fail_io(s, errno, "peer credentials");
	if (pid != NULL)
		*pid = -1;	/* getpeereid(3) does not say */
	if (uid != NULL)
		*uid = u;
	if (gid != NULL)
		*gid = g;
#endif
	return 0;
}

ssize_t
sock_send_fds(struct sock *s, const void *buf, size_t len, const int *fds,
    size_t nfds)
{
	unsigned roles = SK_ROLE(LIBSOCK_ROLE_ACTIVE) |
	    SK_ROLE(LIBSOCK_ROLE_CONNECTED_DGRAM);
	union {
		struct cmsghdr	align;
		char		space[SK_FDS_SPACE];
	} control;
	struct iovec iov;
	struct msghdr msg;
	struct cmsghdr *cm;

	if (sk_check_unix(s, "send_fds", roles) == -1)
		return -1;
	if ((buf == NULL && len > 0) || (fds == NULL && nfds > 0))
		return sk_failx(s, EINVAL, "send_fds: no buffer");
	if (nfds == 0 || nfds > LIBSOCK_MAX_FDS)
		return sk_failx(s, EINVAL, "send_fds: %zu descriptors (1 to "
		    "%d)", nfds, LIBSOCK_MAX_FDS);
	/* On a stream, descriptors travel with at least one byte. */
	if (len == 0 && s->role == LIBSOCK_ROLE_ACTIVE)
		return sk_failx(s, EINVAL, "send_fds: a stream needs at "
		    "least one byte to carry descriptors");
	memset(&control, 0, sizeof control);
	memset(&msg, 0, sizeof msg);
	iov.iov_base = (void *)(uintptr_t)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.space;
	msg.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(nfds * sizeof(int));
	memcpy(CMSG_DATA(cm), fds, nfds * sizeof(int));
	return sk_sendmsg(s, "send_fds", &msg, s->tmo.send);
}

/*
 * Take the descriptors of every SCM_RIGHTS message: the first *nfds into
 * fds, the rest closed.  Returns how many arrived.
 */
static size_t
sk_take_fds(struct msghdr *msg, int *fds, size_t room)
{
	struct cmsghdr *cm;
	size_t arrived = 0, i, n;
	int fd;

	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level != SOL_SOCKET ||
		    cm->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++, arrived++) {
			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int),
			    sizeof fd);
#ifndef MSG_CMSG_CLOEXEC
			/* Not atomic here: the system has no better way. */
			(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
#endif
			if (arrived < room)
				fds[arrived] = fd;
			else
				sk_close_fd(fd);
		}
	}
	return arrived;
}

ssize_t
sock_recv_fds(struct sock *s, void *buf, size_t len, int *fds, size_t *nfds)
{
	unsigned roles = SK_ROLE(LIBSOCK_ROLE_ACTIVE) |
	    SK_ROLE(LIBSOCK_ROLE_CONNECTED_DGRAM) | SK_ROLE(LIBSOCK_ROLE_DGRAM);
	union {
		struct cmsghdr	align;
		char		space[SK_FDS_SPACE];
	} control;
	struct iovec iov;
	struct msghdr msg;
	size_t room, arrived, i;
	ssize_t n;

	if (sk_check_unix(s, "recv_fds", roles) == -1)
		return -1;
	if ((buf == NULL && len > 0) || nfds == NULL ||
	    (fds == NULL && *nfds > 0))
		return sk_failx(s, EINVAL, "recv_fds: no buffer");
	room = *nfds;
	*nfds = 0;
	memset(&msg, 0, sizeof msg);
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = control.space;
	msg.msg_controllen = sizeof control.space;
	if ((n = sk_recvmsg(s, "recv_fds", &msg, SK_MSG_CMSG_CLOEXEC)) < 0)
		return n;
	arrived = sk_take_fds(&msg, fds, room);
	if (msg.msg_flags & (MSG_CTRUNC | MSG_TRUNC)) {
		/* Something was cut on the way: hand over no descriptor. */
		for (i = 0; i < arrived && i < room; i++)
			sk_close_fd(fds[i]);
		return sk_failx(s, LIBSOCK_ETRUNC, "recv_fds: %s truncated",
		    (msg.msg_flags & MSG_CTRUNC) ? "descriptors" :
		    "datagram");
	}
	*nfds = arrived;
	return n;
}
