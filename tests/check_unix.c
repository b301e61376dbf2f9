/*
 * check_unix.c - Unix domain sockets: the unix: and unixgram: address
 * forms, streams and datagrams over paths and abstract names, socket
 * files (removal, stale files, modes), socket pairs, peer credentials
 * and descriptor passing.
 *
 * Every test works in a private directory of its own, made by mkdtemp
 * under one directory per run, so that runs in parallel never meet;
 * abstract names carry the process id for the same reason.
 *
 * Copyright (c) 2026 The libsock authors
 * SPDX-License-Identifier: MIT
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define SUN_PATH_MAX	(sizeof(((struct sockaddr_un *)0)->sun_path) - 1)
#define WAIT_MS		5000	/* for what should happen at once */
#define FILL_MAX	16	/* clients to fill a backlog of 1 */
#define NOBODY		65534

typedef int (*setup_fn)(struct sock *, const char *);

/* ------------------------------------------------------------ helpers */

static char run_dir[64];	/* one per run, made by main */
static char test_dir[128];	/* one per test, inside run_dir */

/*
 * A listener a forked child inherits: the child must not free it (that
 * would remove the parent's socket file) and leaves with _exit; kept
 * here so that leak checkers see it reachable in the child.
 */
static struct sock *volatile parents_listener;

/* Remove path and everything below it, opening closed directories. */
static int
rm_tree(const char *path)
{
	char sub[PATH_MAX];
	struct stat st;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (lstat(path, &st) == -1)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	(void)chmod(path, 0700);
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
		if (rm_tree(sub) == -1)
			rc = -1;
	}
	closedir(d);
	if (rmdir(path) == -1)
		rc = -1;
	return rc;
}

static void
dir_setup(void)
{
	snprintf(test_dir, sizeof test_dir, "%s/XXXXXX", run_dir);
	ck_assert_msg(mkdtemp(test_dir) != NULL, "mkdtemp %s: %s", test_dir,
	    strerror(errno));
}

static void
dir_teardown(void)
{
	ck_assert_msg(rm_tree(test_dir) == 0, "removing %s: %s", test_dir,
	    strerror(errno));
}

static TCase *
unix_tcase(const char *name)
{
	TCase *tc = tu_tcase(name);

	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	return tc;
}

/* A file in the test's directory: its path and its address text. */
struct where {
	char	path[256];
	char	text[300];
};

static void
where_init(struct where *w, const char *scheme, const char *name)
{
	snprintf(w->path, sizeof w->path, "%s/%s", test_dir, name);
	snprintf(w->text, sizeof w->text, "%s://%s", scheme, w->path);
}

/* "scheme:@libsock-<pid>-tag", unique to this process. */
static void
abstract_text(char *buf, size_t size, const char *scheme, const char *tag)
{
	snprintf(buf, size, "%s:@libsock-%ld-%s", scheme, (long)getpid(),
	    tag);
}

/* Entries in dir besides "." and "..". */
static int
dir_entries(const char *dir)
{
	struct dirent *e;
	DIR *d;
	int n = 0;

	d = opendir(dir);
	ck_assert_msg(d != NULL, "opendir %s: %s", dir, strerror(errno));
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

/* The inode of path, 0 when there is no such file. */
static ino_t
inode_of(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == -1) {
		ck_assert_msg(errno == ENOENT, "lstat %s: %s", path,
		    strerror(errno));
		return 0;
	}
	return st.st_ino;
}

static int
is_socket_file(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* A socket file nobody uses: bound, then closed without unlink. */
static void
make_stale_type(const char *path, int type)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(strlen(path), sizeof sun.sun_path);
	memcpy(sun.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(bind(fd, (struct sockaddr *)&sun, sizeof sun) == 0,
	    "bind %s: %s", path, strerror(errno));
	close(fd);
	ck_assert(is_socket_file(path));
}

static void
make_stale(const char *path)
{
	make_stale_type(path, SOCK_STREAM);
}

static void
make_regular(const char *path, const char *content)
{
	FILE *f;

	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "fopen %s: %s", path, strerror(errno));
	ck_assert_int_eq(fputs(content, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static void
assert_file_holds(const char *path, const char *content)
{
	char buf[128];
	FILE *f;
	size_t n;

	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "fopen %s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	ck_assert_str_eq(buf, content);
}

/* A listener on text that gives up accepting after WAIT_MS. */
static struct sock *
listen_on(const char *text)
{
	struct sock *l;

	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_accept_timeout(l, WAIT_MS), 0);
	ck_assert_msg(sock_listen(l, text) == 0, "listen %s: %s", text,
	    sock_error(l));
	ck_assert_int_eq(sock_role(l), LIBSOCK_ROLE_PASSIVE);
	ck_assert_int_eq(sock_transport(l), LIBSOCK_UNIX);
	return l;
}

/* A bound datagram socket whose receives give up after WAIT_MS. */
static struct sock *
bind_on(const char *text)
{
	struct sock *s;

	s = sock_new();
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sock_set_recv_timeout(s, WAIT_MS), 0);
	ck_assert_msg(sock_bind(s, text) == 0, "bind %s: %s", text,
	    sock_error(s));
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_DGRAM);
	ck_assert_int_eq(sock_transport(s), LIBSOCK_UNIXGRAM);
	return s;
}

static struct sock *
connect_to(const char *text)
{
	struct sock *c;

	c = sock_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sock_set_timeout(c, WAIT_MS), 0);
	ck_assert_msg(sock_connect(c, text) == 0, "connect %s: %s", text,
	    sock_error(c));
	return c;
}

/* One message each way between two connected stream sockets. */
static void
echo_once(struct sock *a, struct sock *b)
{
	char buf[8];

	ck_assert_int_eq(sock_set_recv_timeout(a, WAIT_MS), 0);
	ck_assert_int_eq(sock_set_recv_timeout(b, WAIT_MS), 0);
	ck_assert_int_eq(sock_send_all(a, "ping", 4), 4);
	ck_assert_msg(sock_recv_exact(b, buf, 4) == 4, "recv: %s",
	    sock_error(b));
	ck_assert_mem_eq(buf, "ping", 4);
	ck_assert_int_eq(sock_send_all(b, "pong", 4), 4);
	ck_assert_msg(sock_recv_exact(a, buf, 4) == 4, "recv: %s",
	    sock_error(a));
	ck_assert_mem_eq(buf, "pong", 4);
}

/* Listen on text, connect to it, accept, and echo once. */
static void
stream_round_trip(const char *text)
{
	struct sock *l, *c, *s;

	l = listen_on(text);
	c = connect_to(text);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_ACTIVE);
	ck_assert_int_eq(sock_transport(c), LIBSOCK_UNIX);
	s = tu_accept(l);
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_ACTIVE);
	ck_assert_int_eq(sock_transport(s), LIBSOCK_UNIX);
	echo_once(c, s);
	sock_free(s);
	sock_free(c);
	sock_free(l);
}

static void
assert_format(const struct sock_addr *a, int flags, const char *want)
{
	char buf[LIBSOCK_ADDRSTRLEN] = "";
	int n;

	n = sock_addr_format(a, buf, sizeof buf, flags);
	ck_assert_msg(n == (int)strlen(want) && strcmp(buf, want) == 0,
	    "format (flags %d) gave %d \"%s\", want \"%s\"", flags, n, buf,
	    want);
}

static void
assert_local_text(struct sock *s, const char *want)
{
	struct sock_addr a;

	ck_assert_msg(sock_local_addr(s, &a) == 0, "local address: %s",
	    sock_error(s));
	assert_format(&a, LIBSOCK_FORMAT_SCHEME, want);
}

/* The set-up call fn fails on s with want; s is NEW again, unopened. */
static void
expect_setup_error_on(struct sock *s, setup_fn fn, const char *op,
    const char *text, int want)
{
	int rc, saved;

	errno = 0;
	rc = fn(s, text);
	saved = errno;
	ck_assert_msg(rc == -1 && saved == want && sock_error_code(s) == want,
	    "%s %s: rc %d, errno %d, code %d, want %d (%s); \"%s\"", op, text,
	    rc, saved, sock_error_code(s), want, sock_strerror(want),
	    sock_error(s));
	ck_assert_int_eq(sock_role(s), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(s), -1);
}

static void
expect_setup_error(setup_fn fn, const char *op, const char *text, int want)
{
	struct sock *s;

	s = sock_new();
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sock_set_timeout(s, WAIT_MS), 0);
	expect_setup_error_on(s, fn, op, text, want);
	sock_free(s);
}

/* errno after a call that must fail with -1. */
#define FAILS_WITH(call, want) do {					\
	int rc_, saved_;						\
	errno = 0;							\
	rc_ = (int)(call);						\
	saved_ = errno;							\
	ck_assert_msg(rc_ == -1 && saved_ == (want),			\
	    "%s: rc %d, errno %d (%s), want %d (%s)", #call, rc_,	\
	    saved_, sock_strerror(saved_), (want), sock_strerror(want));\
} while (0)

static int
is_cloexec(int fd)
{
	int flags = fcntl(fd, F_GETFD);

	ck_assert_msg(flags != -1, "fcntl %d: %s", fd, strerror(errno));
	return (flags & FD_CLOEXEC) != 0;
}

/* --------------------------------------------------- address syntax */

static const struct form {
	const char	*text;
	int		 transport;
	int		 abstract;
	const char	*name;		/* path or abstract name */
	size_t		 name_len;
	const char	*with_scheme;	/* NULL: only round-trips */
	const char	*without;
} forms[] = {
	{ "unix:///run/app.sock", LIBSOCK_UNIX, 0, "/run/app.sock", 13,
	    "unix:///run/app.sock", "/run/app.sock" },
	{ "unix://app.sock", LIBSOCK_UNIX, 0, "app.sock", 8,
	    "unix://app.sock", "app.sock" },
	{ "unix:app.sock", LIBSOCK_UNIX, 0, "app.sock", 8,
	    "unix://app.sock", "app.sock" },
	{ "unix:run/app.sock", LIBSOCK_UNIX, 0, "run/app.sock", 12,
	    "unix://run/app.sock", "run/app.sock" },
	{ "unix:/run/app.sock", LIBSOCK_UNIX, 0, "/run/app.sock", 13,
	    "unix:///run/app.sock", "/run/app.sock" },
	{ "unix:@name", LIBSOCK_UNIX, 1, "name", 4,
	    "unix:@name", "@name" },
	{ "unixgram:///run/app.sock", LIBSOCK_UNIXGRAM, 0, "/run/app.sock",
	    13, "unixgram:///run/app.sock", "/run/app.sock" },
	{ "unixgram://app.sock", LIBSOCK_UNIXGRAM, 0, "app.sock", 8,
	    "unixgram://app.sock", "app.sock" },
	{ "unixgram:app.sock", LIBSOCK_UNIXGRAM, 0, "app.sock", 8,
	    "unixgram://app.sock", "app.sock" },
	{ "unixgram:@name", LIBSOCK_UNIXGRAM, 1, "name", 4,
	    "unixgram:@name", "@name" },
	{ "unixgram:@a\\x00b", LIBSOCK_UNIXGRAM, 1, "a\0b", 3,
	    "unixgram:@a\\x00b", "@a\\x00b" },
	{ "unix:@\\x00", LIBSOCK_UNIX, 1, "\0", 1,
	    "unix:@\\x00", "@\\x00" },
	{ "unix:@A\\x42\\x43", LIBSOCK_UNIX, 1, "ABC", 3,
	    "unix:@ABC", "@ABC" },
	{ "unix:@\\x00\\xff\\x7F", LIBSOCK_UNIX, 1, "\0\xff\x7f", 3,
	    NULL, NULL },
	{ "unix:@a\\\\b", LIBSOCK_UNIX, 1, "a\\b", 3, NULL, NULL },
	{ "unix:@\\\\x00", LIBSOCK_UNIX, 1, "\\x00", 4, NULL, NULL },
};

static void
assert_sockaddr_un(const struct sock_addr *a, const struct form *f)
{
	const struct sockaddr_un *sun =
	    (const struct sockaddr_un *)(const void *)&a->storage;
	size_t base = offsetof(struct sockaddr_un, sun_path);

	ck_assert_int_eq(a->transport, f->transport);
	ck_assert_int_eq(sun->sun_family, AF_UNIX);
	if (f->abstract) {
		/* The length is the name's: nothing after it counts. */
		ck_assert_uint_eq(a->len, base + 1 + f->name_len);
		ck_assert_int_eq(sun->sun_path[0], '\0');
		ck_assert_mem_eq(sun->sun_path + 1, f->name, f->name_len);
	} else {
		ck_assert_uint_ge(a->len, base + f->name_len + 1);
		ck_assert_mem_eq(sun->sun_path, f->name, f->name_len);
		ck_assert_int_eq(sun->sun_path[f->name_len], '\0');
	}
}

START_TEST(test_unix_address_forms_parse_format_round_trip)
{
	const struct form *f = &forms[_i];
	struct sock_addr a, back;
	char text[LIBSOCK_ADDRSTRLEN];

	memset(&a, 0xa5, sizeof a);
	ck_assert_msg(sock_addr_parse(&a, f->text) == 0, "parse %s: %s",
	    f->text, strerror(errno));
	assert_sockaddr_un(&a, f);
	if (f->with_scheme != NULL) {
		assert_format(&a, LIBSOCK_FORMAT_SCHEME, f->with_scheme);
		assert_format(&a, 0, f->without);
	}
	ck_assert_int_lt(sock_addr_format(&a, text, sizeof text,
	    LIBSOCK_FORMAT_SCHEME), (int)sizeof text);
	memset(&back, 0x5a, sizeof back);
	ck_assert_msg(sock_addr_parse(&back, text) == 0, "parse back %s: %s",
	    text, strerror(errno));
	ck_assert_msg(sock_addr_compare(&a, &back) == 0,
	    "%s formats as %s, which parses to a different address", f->text,
	    text);
	assert_sockaddr_un(&back, f);
}
END_TEST

static const struct bad_form {
	const char	*text;
	int		 error;
} bad_forms[] = {
	{ "unix:", EINVAL },			/* empty path */
	{ "unix://", EINVAL },
	{ "unixgram:", EINVAL },
	{ "unixgram://", EINVAL },
	{ "unix:@a\\q", EINVAL },		/* unknown escape */
	{ "unix:@a\\x4", EINVAL },		/* one hex digit */
	{ "unix:@a\\xg0", EINVAL },		/* not hex */
	{ "unix:@a\\", EINVAL },		/* lone backslash at the end */
	{ "unix:@\\X41", EINVAL },		/* escapes are lower-case x */
	{ "/run/app.sock", EINVAL },		/* a path needs the scheme */
	{ "@name", EINVAL },
};

START_TEST(test_malformed_unix_addresses_rejected)
{
	const struct bad_form *b = &bad_forms[_i];
	struct sock_addr a;

	FAILS_WITH(sock_addr_parse(&a, b->text), b->error);
}
END_TEST

/* A path of exactly len bytes in the test directory, of filler f. */
static void
long_path(char *buf, size_t size, size_t len, char f)
{
	size_t n;

	n = (size_t)snprintf(buf, size, "%s/", test_dir);
	ck_assert_uint_lt(n, len);
	ck_assert_uint_lt(len, size);
	memset(buf + n, f, len - n);
	buf[len] = '\0';
}

START_TEST(test_path_of_107_bytes_works)
{
	char path[128], text[160], gpath[128], gtext[160];
	struct sock *l, *c, *s, *g;

	long_path(path, sizeof path, SUN_PATH_MAX, 'p');
	ck_assert_uint_eq(strlen(path), 107);
	snprintf(text, sizeof text, "unix://%s", path);
	l = listen_on(text);
	ck_assert(is_socket_file(path));
	assert_local_text(l, text);
	c = connect_to(text);
	s = tu_accept(l);
	echo_once(c, s);
	sock_free(s);
	sock_free(c);
	sock_free(l);
	ck_assert_int_eq(inode_of(path), 0);

	long_path(gpath, sizeof gpath, SUN_PATH_MAX, 'g');
	snprintf(gtext, sizeof gtext, "unixgram://%s", gpath);
	g = bind_on(gtext);
	ck_assert(is_socket_file(gpath));
	assert_local_text(g, gtext);
	sock_free(g);
	ck_assert_int_eq(dir_entries(test_dir), 0);
}
END_TEST

static void
too_long(size_t len)
{
	char path[256], text[300], gram[300], prefix[256];
	struct sock_addr a;
	struct sock *l;

	long_path(path, sizeof path, len, 'x');
	snprintf(text, sizeof text, "unix://%s", path);
	snprintf(gram, sizeof gram, "unixgram://%s", path);
	FAILS_WITH(sock_addr_parse(&a, text), ENAMETOOLONG);
	FAILS_WITH(sock_addr_parse(&a, gram), ENAMETOOLONG);
	expect_setup_error(sock_listen, "listen", text, ENAMETOOLONG);
	expect_setup_error(sock_bind, "bind", gram, ENAMETOOLONG);
	ck_assert_int_eq(dir_entries(test_dir), 0);

	/*
	 * Never truncated: with a listener on the first 107 bytes of the
	 * path, a connect to the whole path still fails.
	 */
	snprintf(prefix, sizeof prefix, "unix://%.*s", (int)SUN_PATH_MAX,
	    path);
	l = listen_on(prefix);
	expect_setup_error(sock_connect, "connect", text, ENAMETOOLONG);
	expect_setup_error(sock_connect, "connect", gram, ENAMETOOLONG);
	ck_assert_int_eq(dir_entries(test_dir), 1);
	sock_free(l);
	ck_assert_int_eq(dir_entries(test_dir), 0);
}

START_TEST(test_path_of_108_bytes_enametoolong_nothing_created)
{
	too_long(SUN_PATH_MAX + 1);
}
END_TEST

START_TEST(test_path_of_200_bytes_enametoolong_nothing_created)
{
	too_long(200);
}
END_TEST

START_TEST(test_abstract_name_length_limit)
{
	char text[600], *p;
	struct sock_addr a;
	int i;

	/* 107 bytes of name fit, 108 do not; escapes count as one byte. */
	p = text + snprintf(text, sizeof text, "unix:@");
	for (i = 0; i < 107; i++)
		*p++ = 'n';
	*p = '\0';
	ck_assert_msg(sock_addr_parse(&a, text) == 0, "%s", strerror(errno));
	ck_assert_uint_eq(a.len, offsetof(struct sockaddr_un, sun_path) + 108);
	strcat(text, "n");
	FAILS_WITH(sock_addr_parse(&a, text), ENAMETOOLONG);

	p = text + snprintf(text, sizeof text, "unixgram:@");
	for (i = 0; i < 107; i++)
		p += snprintf(p, 5, "\\x00");
	ck_assert_msg(sock_addr_parse(&a, text) == 0, "%s", strerror(errno));
	ck_assert_uint_eq(a.len, offsetof(struct sockaddr_un, sun_path) + 108);
	strcat(text, "\\x00");
	FAILS_WITH(sock_addr_parse(&a, text), ENAMETOOLONG);
}
END_TEST

START_TEST(test_listen_unixgram_and_bind_unix_einval)
{
	struct where w;

	where_init(&w, "unixgram", "l.sock");
	expect_setup_error(sock_listen, "listen", w.text, EINVAL);
	where_init(&w, "unix", "b.sock");
	expect_setup_error(sock_bind, "bind", w.text, EINVAL);
	ck_assert_int_eq(dir_entries(test_dir), 0);
}
END_TEST

START_TEST(test_unix_address_has_no_port)
{
	struct sock_addr a;

	ck_assert_int_eq(sock_addr_parse(&a, "unix:///run/app.sock"), 0);
	FAILS_WITH(sock_addr_port(&a), EAFNOSUPPORT);
	ck_assert_int_eq(sock_addr_parse(&a, "unixgram:@name"), 0);
	FAILS_WITH(sock_addr_port(&a), EAFNOSUPPORT);
}
END_TEST

/* ------------------------------------------------- sock_addr_abstract */

START_TEST(test_abstract_with_nul_bytes_listens_and_connects)
{
	char name[64], text[LIBSOCK_ADDRSTRLEN];
	struct sock_addr a, local;
	struct sock *l, *c, *s;
	size_t len;
	int n;

	/* "x\0libsock-<pid>\0y": NULs inside and no NUL at the end. */
	n = snprintf(name, sizeof name, "x%clibsock-%ld%cy", '\0',
	    (long)getpid(), '\0');
	ck_assert_int_gt(n, 0);
	len = (size_t)n;
	memset(&a, 0xa5, sizeof a);
	ck_assert_int_eq(sock_addr_abstract(&a, LIBSOCK_UNIX, name, len), 0);
	ck_assert_int_eq(a.transport, LIBSOCK_UNIX);
	ck_assert_uint_eq(a.len, offsetof(struct sockaddr_un, sun_path) + 1 +
	    len);
	snprintf(text, sizeof text, "unix:@x\\x00libsock-%ld\\x00y",
	    (long)getpid());
	assert_format(&a, LIBSOCK_FORMAT_SCHEME, text);
	assert_format(&a, 0, text + strlen("unix:"));

	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_accept_timeout(l, WAIT_MS), 0);
	ck_assert_msg(sock_listen_addr(l, &a) == 0, "%s", sock_error(l));
	ck_assert_int_eq(sock_local_addr(l, &local), 0);
	ck_assert_int_eq(sock_addr_compare(&local, &a), 0);
	c = sock_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(sock_connect_addr(c, &a) == 0, "%s", sock_error(c));
	s = tu_accept(l);
	echo_once(c, s);
	/* The text form reaches the same listener. */
	sock_free(c);
	sock_free(s);
	c = connect_to(text);
	s = tu_accept(l);
	echo_once(c, s);
	sock_free(s);
	sock_free(c);
	sock_free(l);
}
END_TEST

START_TEST(test_addr_abstract_107_bytes_read_to_length_only)
{
	struct sock_addr a, local;
	struct sock *l, *c, *s;
	char *name, want[120];
	int n;

	/* Exactly 107 bytes on the heap, no NUL: a read past would show. */
	name = malloc(SUN_PATH_MAX);
	ck_assert_ptr_nonnull(name);
	memset(name, 'z', SUN_PATH_MAX);
	n = snprintf(want, sizeof want, "libsock-%ld-", (long)getpid());
	memcpy(name, want, (size_t)n);
	ck_assert_int_eq(sock_addr_abstract(&a, LIBSOCK_UNIX, name,
	    SUN_PATH_MAX), 0);
	ck_assert_uint_eq(a.len, offsetof(struct sockaddr_un, sun_path) + 108);
	want[0] = '@';
	memcpy(want + 1, name, SUN_PATH_MAX);
	want[SUN_PATH_MAX + 1] = '\0';
	assert_format(&a, 0, want);

	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_accept_timeout(l, WAIT_MS), 0);
	ck_assert_msg(sock_listen_addr(l, &a) == 0, "%s", sock_error(l));
	ck_assert_int_eq(sock_local_addr(l, &local), 0);
	ck_assert_int_eq(sock_addr_compare(&local, &a), 0);
	c = sock_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_msg(sock_connect_addr(c, &a) == 0, "%s", sock_error(c));
	s = tu_accept(l);
	echo_once(c, s);
	sock_free(s);
	sock_free(c);
	sock_free(l);
	free(name);
}
END_TEST

START_TEST(test_addr_abstract_invalid_arguments)
{
	static const char name[SUN_PATH_MAX + 1];
	struct sock_addr a;

	FAILS_WITH(sock_addr_abstract(&a, LIBSOCK_UNIX, name,
	    SUN_PATH_MAX + 1), ENAMETOOLONG);
	FAILS_WITH(sock_addr_abstract(&a, LIBSOCK_UNIXGRAM, name, 200),
	    ENAMETOOLONG);
	FAILS_WITH(sock_addr_abstract(&a, LIBSOCK_TCP, "n", 1), EINVAL);
	FAILS_WITH(sock_addr_abstract(&a, LIBSOCK_UDP, "n", 1), EINVAL);
	FAILS_WITH(sock_addr_abstract(&a, 0, "n", 1), EINVAL);
	FAILS_WITH(sock_addr_abstract(NULL, LIBSOCK_UNIX, "n", 1), EINVAL);
	FAILS_WITH(sock_addr_abstract(&a, LIBSOCK_UNIX, NULL, 1), EINVAL);
	ck_assert_int_eq(sock_addr_abstract(&a, LIBSOCK_UNIXGRAM, name,
	    SUN_PATH_MAX), 0);
	ck_assert_int_eq(a.transport, LIBSOCK_UNIXGRAM);
}
END_TEST

START_TEST(test_compare_abstract_names_past_a_nul)
{
	struct sock_addr ab, ac, ab2, abn, gram, parsed;

	ck_assert_int_eq(sock_addr_abstract(&ab, LIBSOCK_UNIX, "a\0b", 3), 0);
	ck_assert_int_eq(sock_addr_abstract(&ac, LIBSOCK_UNIX, "a\0c", 3), 0);
	ck_assert_int_eq(sock_addr_abstract(&ab2, LIBSOCK_UNIX, "a\0b", 3), 0);
	ck_assert_int_eq(sock_addr_abstract(&abn, LIBSOCK_UNIX, "a\0b\0", 4),
	    0);
	ck_assert_int_eq(sock_addr_abstract(&gram, LIBSOCK_UNIXGRAM, "a\0b",
	    3), 0);
	ck_assert_int_eq(sock_addr_parse(&parsed, "unix:@a\\x00b"), 0);

	ck_assert_int_eq(sock_addr_compare(&ab, &ab2), 0);
	ck_assert_int_eq(sock_addr_compare(&ab, &parsed), 0);
	ck_assert_int_ne(sock_addr_compare(&ab, &ac), 0);
	ck_assert_int_eq(sock_addr_compare(&ab, &ac),
	    -sock_addr_compare(&ac, &ab));
	ck_assert_int_ne(sock_addr_compare(&ab, &abn), 0);
	ck_assert_int_ne(sock_addr_compare(&ab, &gram), 0);
	assert_format(&ac, LIBSOCK_FORMAT_SCHEME, "unix:@a\\x00c");
	assert_format(&abn, LIBSOCK_FORMAT_SCHEME, "unix:@a\\x00b\\x00");
}
END_TEST

/* ------------------------------------------------------------ streams */

START_TEST(test_stream_echo_over_path)
{
	struct where w;
	struct sock *l, *c, *s;
	struct sock_addr a;
	char buf[4];

	where_init(&w, "unix", "echo.sock");
	l = listen_on(w.text);
	ck_assert(is_socket_file(w.path));
	assert_local_text(l, w.text);
	c = connect_to(w.text);
	s = tu_accept(l);
	echo_once(c, s);

	/* The listener is named; the connecting side is not. */
	ck_assert_int_eq(sock_peer_addr(c, &a), 0);
	ck_assert_int_eq(a.transport, LIBSOCK_UNIX);
	assert_format(&a, LIBSOCK_FORMAT_SCHEME, w.text);
	assert_format(&a, 0, w.path);
	ck_assert_int_eq(sock_peer_addr(s, &a), 0);
	assert_format(&a, LIBSOCK_FORMAT_SCHEME, "(unnamed)");
	assert_format(&a, 0, "(unnamed)");
	ck_assert_int_eq(sock_local_addr(c, &a), 0);
	assert_format(&a, 0, "(unnamed)");
	ck_assert_int_eq(sock_local_addr(s, &a), 0);
	assert_format(&a, LIBSOCK_FORMAT_SCHEME, w.text);
	ck_assert_int_eq(sock_addr_format(&a, NULL, 0, 0),
	    (int)strlen(w.path));

	/* End of stream reaches the other side. */
	sock_free(c);
	ck_assert_int_eq(sock_recv(s, buf, sizeof buf), 0);
	sock_free(s);
	sock_free(l);
}
END_TEST

START_TEST(test_stream_echo_over_abstract_name)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *l, *c, *s;
	struct sock_addr a;

	abstract_text(text, sizeof text, "unix", "echo");
	l = listen_on(text);
	assert_local_text(l, text);
	c = connect_to(text);
	s = tu_accept(l);
	echo_once(c, s);
	ck_assert_int_eq(sock_peer_addr(s, &a), 0);
	assert_format(&a, LIBSOCK_FORMAT_SCHEME, "(unnamed)");
	ck_assert_int_eq(sock_peer_addr(c, &a), 0);
	assert_format(&a, LIBSOCK_FORMAT_SCHEME, text);
	sock_free(s);
	sock_free(c);
	sock_free(l);
	/* Nothing was made in the filesystem. */
	ck_assert_int_eq(dir_entries(test_dir), 0);
}
END_TEST

START_TEST(test_stream_echo_over_relative_path)
{
	char cwd[PATH_MAX], path[256];
	struct sock *l, *c, *s;

	/* Check runs each test in a process of its own: chdir stays here. */
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	ck_assert_int_eq(chdir(test_dir), 0);
	l = listen_on("unix:rel.sock");
	snprintf(path, sizeof path, "%s/rel.sock", test_dir);
	ck_assert(is_socket_file(path));
	assert_local_text(l, "unix://rel.sock");
	c = connect_to("unix://rel.sock");
	s = tu_accept(l);
	echo_once(c, s);
	sock_free(s);
	sock_free(c);
	sock_free(l);
	ck_assert_int_eq(inode_of(path), 0);
	stream_round_trip("unix://sub.sock");
	ck_assert_int_eq(chdir(cwd), 0);
	ck_assert_int_eq(dir_entries(test_dir), 0);
}
END_TEST

START_TEST(test_connect_missing_path_enoent)
{
	char want[512];
	struct where w;
	struct sock *c;

	where_init(&w, "unix", "missing.sock");
	c = sock_new();
	ck_assert_ptr_nonnull(c);
	expect_setup_error_on(c, sock_connect, "connect", w.text, ENOENT);
	snprintf(want, sizeof want, "connect %s: %s", w.text,
	    sock_strerror(ENOENT));
	ck_assert_str_eq(sock_error(c), want);
	sock_free(c);
	where_init(&w, "unixgram", "missing.sock");
	expect_setup_error(sock_connect, "connect", w.text, ENOENT);
	ck_assert_int_eq(dir_entries(test_dir), 0);
}
END_TEST

START_TEST(test_connect_stale_socket_file_refused)
{
	struct where w;
	struct sock *l, *c, *s;

	where_init(&w, "unix", "stale.sock");
	make_stale(w.path);
	c = sock_new();
	ck_assert_ptr_nonnull(c);
	expect_setup_error_on(c, sock_connect, "connect", w.text,
	    ECONNREFUSED);
	ck_assert(is_socket_file(w.path));

	/* The object can be used again once someone listens. */
	ck_assert_int_eq(unlink(w.path), 0);
	l = listen_on(w.text);
	ck_assert_msg(sock_connect(c, w.text) == 0, "%s", sock_error(c));
	s = tu_accept(l);
	echo_once(c, s);
	sock_free(s);
	sock_free(c);
	sock_free(l);
}
END_TEST

START_TEST(test_listen_in_missing_directory_enoent)
{
	struct where w;

	where_init(&w, "unix", "nodir/l.sock");
	expect_setup_error(sock_listen, "listen", w.text, ENOENT);
	where_init(&w, "unixgram", "nodir/b.sock");
	expect_setup_error(sock_bind, "bind", w.text, ENOENT);
	ck_assert_int_eq(dir_entries(test_dir), 0);
}
END_TEST

/*
 * In the child: connect and listen through a directory of mode 0.
 * Returns "" when both fail with EACCES, else what went wrong; a text
 * starting with "SKIP" when the test cannot be made here.
 */
static const char *
eacces_child(const char *locked, const char *live, const char *fresh)
{
	static char msg[512];
	struct sock *s;
	int rc, saved;

	if (geteuid() == 0) {
		(void)setgroups(0, NULL);
		if (setgid(NOBODY) == -1 || setuid(NOBODY) == -1) {
			snprintf(msg, sizeof msg, "SKIP cannot drop root "
			    "privileges: %s", strerror(errno));
			return msg;
		}
	}
	if (access(locked, X_OK) == 0)
		return "SKIP a directory of mode 0 does not stop this user";
	if ((s = sock_new()) == NULL)
		return "sock_new failed";
	errno = 0;
	rc = sock_connect(s, live);
	saved = errno;
	if (rc != -1 || saved != EACCES || sock_error_code(s) != EACCES ||
	    sock_role(s) != LIBSOCK_ROLE_NEW || sock_fd(s) != -1) {
		snprintf(msg, sizeof msg, "connect %s: rc %d errno %d, want "
		    "EACCES: %s", live, rc, saved, sock_error(s));
		sock_free(s);
		return msg;
	}
	errno = 0;
	rc = sock_listen(s, fresh);
	saved = errno;
	if (rc != -1 || saved != EACCES || sock_error_code(s) != EACCES ||
	    sock_role(s) != LIBSOCK_ROLE_NEW || sock_fd(s) != -1) {
		snprintf(msg, sizeof msg, "listen %s: rc %d errno %d, want "
		    "EACCES: %s", fresh, rc, saved, sock_error(s));
		sock_free(s);
		return msg;
	}
	sock_free(s);
	return "";
}

START_TEST(test_unsearchable_directory_eacces)
{
	char locked[256], report[512];
	struct where live, fresh;
	struct sock *l;
	const char *msg;
	ssize_t n;
	size_t got = 0;
	pid_t pid;
	int p[2], status;

	/* valgrind cannot remove its /tmp files once a child is not root. */
	if (geteuid() == 0 && getenv("LIBSOCK_UNDER_VALGRIND") != NULL)
		TU_SKIP("dropping root privileges under valgrind");
	snprintf(locked, sizeof locked, "%s/locked", test_dir);
	ck_assert_int_eq(mkdir(locked, 0700), 0);
	where_init(&live, "unix", "locked/live.sock");
	where_init(&fresh, "unix", "locked/fresh.sock");
	l = parents_listener = listen_on(live.text);
	/* Only the last directory stops the other user. */
	ck_assert_int_eq(chmod(run_dir, 0711), 0);
	ck_assert_int_eq(chmod(test_dir, 0711), 0);
	ck_assert_int_eq(chmod(locked, 0), 0);

	ck_assert_int_eq(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		close(p[0]);
		msg = eacces_child(locked, live.text, fresh.text);
		(void)write(p[1], msg, strlen(msg));
		_exit(0);
	}
	close(p[1]);
	while (got < sizeof report - 1 &&
	    (n = read(p[0], report + got, sizeof report - 1 - got)) > 0)
		got += (size_t)n;
	report[got] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(chmod(locked, 0700), 0);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child status %#x", status);
	/* Still only the live listener's file: the failed listen made none. */
	ck_assert_int_eq(dir_entries(locked), 1);
	ck_assert(is_socket_file(live.path));
	sock_free(l);
	ck_assert_int_eq(dir_entries(locked), 0);
	if (strncmp(report, "SKIP", 4) == 0)
		TU_SKIP("%s", report + 5);
	ck_assert_msg(report[0] == '\0', "%s", report);
}
END_TEST

START_TEST(test_connect_timeout_on_full_backlog)
{
	struct sock *l, *c, *s, *cs[FILL_MAX];
	struct where w;
	long long t0, took;
	int n, i, rc, saved, filled;

	where_init(&w, "unix", "full.sock");
	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_backlog(l, 1), 0);
	ck_assert_int_eq(sock_set_accept_timeout(l, WAIT_MS), 0);
	ck_assert_msg(sock_listen(l, w.text) == 0, "%s", sock_error(l));
	filled = tu_fill_backlog(w.text, cs, FILL_MAX, &n);
	ck_assert_msg(filled, "%d clients got into a backlog of 1", n);

	c = sock_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sock_set_connect_timeout(c, 300), 0);
	t0 = tu_now_ms();
	errno = 0;
	rc = sock_connect(c, w.text);
	saved = errno;
	took = tu_now_ms() - t0;
	ck_assert_int_eq(rc, -1);
	ck_assert_int_eq(saved, ETIMEDOUT);
	ck_assert_int_eq(sock_error_code(c), ETIMEDOUT);
	ck_assert_msg(took >= 240 && took <= 460, "took %lld ms, want 300",
	    took);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_NEW);
	ck_assert_int_eq(sock_fd(c), -1);

	/* The queued clients are still served. */
	s = tu_accept(l);
	sock_free(s);
	sock_free(c);
	for (i = 0; i < n; i++)
		sock_free(cs[i]);
	sock_free(l);
}
END_TEST

/* ------------------------------------------------------- socket files */

START_TEST(test_listener_removes_its_file_at_close)
{
	struct where w;
	struct sock *l;

	where_init(&w, "unix", "close.sock");
	l = listen_on(w.text);
	ck_assert(is_socket_file(w.path));
	ck_assert_int_eq(sock_close(l), 0);
	ck_assert_int_eq(inode_of(w.path), 0);
	sock_free(l);
	ck_assert_int_eq(dir_entries(test_dir), 0);
}
END_TEST

START_TEST(test_listener_removes_its_file_at_free)
{
	struct where w;
	struct sock *l;

	where_init(&w, "unix", "free.sock");
	l = listen_on(w.text);
	ck_assert(is_socket_file(w.path));
	sock_free(l);
	ck_assert_int_eq(inode_of(w.path), 0);
}
END_TEST

/* Listening on w fails with EADDRINUSE and leaves its file alone. */
static void
expect_in_use(struct sock *s, const struct where *w)
{
	ino_t ino = inode_of(w->path);

	ck_assert_uint_ne(ino, 0);
	expect_setup_error_on(s, sock_listen, "listen", w->text, EADDRINUSE);
	ck_assert_uint_eq(inode_of(w->path), ino);
}

/* The live listener l still takes connections on w. */
static void
assert_still_serves(struct sock *l, const struct where *w)
{
	struct sock *c, *s;
	char buf[4];
	int i;

	c = connect_to(w->text);
	ck_assert_int_eq(sock_send_all(c, "live", 4), 4);
	/* A probe for staleness may be queued before us: skip it. */
	for (i = 0; i < 3; i++) {
		s = tu_accept(l);
		ck_assert_int_eq(sock_set_recv_timeout(s, WAIT_MS), 0);
		if (sock_recv_exact(s, buf, 4) == 4)
			break;
		sock_free(s);
		s = NULL;
	}
	ck_assert_ptr_nonnull(s);
	ck_assert_mem_eq(buf, "live", 4);
	sock_free(s);
	sock_free(c);
}

static void
existing_files(int unlink_stale)
{
	struct where live, stale, reg;
	struct sock *l, *s;

	where_init(&live, "unix", "live.sock");
	where_init(&stale, "unix", "stale.sock");
	where_init(&reg, "unix", "regular");
	l = listen_on(live.text);
	make_stale(stale.path);
	make_regular(reg.path, "keep me\n");

	s = sock_new();
	ck_assert_ptr_nonnull(s);
	if (unlink_stale)
		ck_assert_int_eq(sock_set_unlink_stale(s, 1), 0);
	expect_in_use(s, &live);
	assert_still_serves(l, &live);
	expect_in_use(s, &reg);
	assert_file_holds(reg.path, "keep me\n");
	if (!unlink_stale) {
		expect_in_use(s, &stale);
		ck_assert(is_socket_file(stale.path));
		ck_assert_int_eq(dir_entries(test_dir), 3);
	}
	sock_free(s);
	sock_free(l);
}

START_TEST(test_listen_on_existing_file_eaddrinuse_untouched)
{
	existing_files(0);
}
END_TEST

START_TEST(test_unlink_stale_keeps_live_and_regular_files)
{
	existing_files(1);
}
END_TEST

START_TEST(test_unlink_stale_replaces_stale_socket_file)
{
	struct where w, g;
	struct sock *l, *c, *s, *b;
	char buf[4];

	where_init(&w, "unix", "stale.sock");
	make_stale(w.path);
	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_accept_timeout(l, WAIT_MS), 0);
	ck_assert_int_eq(sock_set_unlink_stale(l, 1), 0);
	ck_assert_msg(sock_listen(l, w.text) == 0, "%s", sock_error(l));
	ck_assert(is_socket_file(w.path));
	/* The file answers now (an inode number may be reused). */
	c = connect_to(w.text);
	s = tu_accept(l);
	echo_once(c, s);
	sock_free(s);
	sock_free(c);
	sock_free(l);
	ck_assert_int_eq(inode_of(w.path), 0);

	/* The same for a datagram socket over a stale datagram file. */
	where_init(&g, "unixgram", "gram.sock");
	make_stale_type(g.path, SOCK_DGRAM);
	b = sock_new();
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(sock_set_recv_timeout(b, WAIT_MS), 0);
	ck_assert_int_eq(sock_set_unlink_stale(b, 1), 0);
	ck_assert_msg(sock_bind(b, g.text) == 0, "%s", sock_error(b));
	ck_assert(is_socket_file(g.path));
	c = connect_to(g.text);
	ck_assert_int_eq(sock_send(c, "dg", 2), 2);
	ck_assert_int_eq(sock_recvfrom(b, buf, sizeof buf, NULL), 2);
	ck_assert_mem_eq(buf, "dg", 2);
	sock_free(c);
	sock_free(b);
	ck_assert_int_eq(inode_of(g.path), 0);
}
END_TEST

START_TEST(test_file_replaced_after_listen_is_not_removed)
{
	struct where w;
	struct sock *l;

	/*
	 * The open listener holds its unlinked inode, so the new file
	 * cannot get the same inode number.
	 */
	where_init(&w, "unix", "replaced.sock");
	l = listen_on(w.text);
	ck_assert_int_eq(unlink(w.path), 0);
	make_regular(w.path, "not yours\n");
	ck_assert_int_eq(sock_close(l), 0);
	assert_file_holds(w.path, "not yours\n");
	sock_free(l);
	assert_file_holds(w.path, "not yours\n");

	/* The same at sock_free, over a socket file made by someone else. */
	ck_assert_int_eq(unlink(w.path), 0);
	l = listen_on(w.text);
	ck_assert_int_eq(unlink(w.path), 0);
	make_stale(w.path);
	sock_free(l);
	ck_assert(is_socket_file(w.path));
}
END_TEST

START_TEST(test_failed_listen_leaves_no_file)
{
	char path[256], text[300];
	struct where w;

	/* Each way a listen can fail here leaves the directory as it was. */
	where_init(&w, "unix", "nodir/x.sock");
	expect_setup_error(sock_listen, "listen", w.text, ENOENT);
	long_path(path, sizeof path, SUN_PATH_MAX + 1, 'f');
	snprintf(text, sizeof text, "unix://%s", path);
	expect_setup_error(sock_listen, "listen", text, ENAMETOOLONG);
	where_init(&w, "unixgram", "x.sock");
	expect_setup_error(sock_listen, "listen", w.text, EINVAL);
	ck_assert_int_eq(dir_entries(test_dir), 0);
}
END_TEST

static void
assert_mode(const char *scheme, const char *name, mode_t mode)
{
	struct where w;
	struct sock *s;
	struct stat st;
	int rc;

	where_init(&w, scheme, name);
	s = sock_new();
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sock_set_unix_mode(s, mode), 0);
	rc = strcmp(scheme, "unix") == 0 ? sock_listen(s, w.text) :
	    sock_bind(s, w.text);
	ck_assert_msg(rc == 0, "%s: %s", w.text, sock_error(s));
	ck_assert_int_eq(lstat(w.path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_msg((st.st_mode & 07777) == mode, "%s: mode %04o, want %04o",
	    w.path, (unsigned)(st.st_mode & 07777), (unsigned)mode);
	sock_free(s);
	ck_assert_int_eq(inode_of(w.path), 0);
}

START_TEST(test_unix_mode_is_exact)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct sock *s;
	mode_t old;

	old = umask(022);
	assert_mode("unix", "m600.sock", 0600);
	assert_mode("unix", "m660.sock", 0660);	/* wider than the umask */
	assert_mode("unix", "m666.sock", 0666);
	assert_mode("unixgram", "g640.sock", 0640);
	assert_mode("unixgram", "g662.sock", 0662);

	/* No file, no mode: an abstract listener does not mind. */
	abstract_text(text, sizeof text, "unix", "mode");
	s = sock_new();
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(sock_set_unix_mode(s, 0600), 0);
	ck_assert_msg(sock_listen(s, text) == 0, "%s", sock_error(s));
	sock_free(s);
	umask(old);
}
END_TEST

START_TEST(test_unix_mode_out_of_range_einval)
{
	struct sock *s;

	s = sock_new();
	ck_assert_ptr_nonnull(s);
	FAILS_WITH(sock_set_unix_mode(s, 010000), EINVAL);
	ck_assert_int_eq(sock_error_code(s), EINVAL);
	FAILS_WITH(sock_set_unix_mode(s, (mode_t)-1), EINVAL);
	ck_assert_int_eq(sock_set_unix_mode(s, 07777), 0);
	ck_assert_int_eq(sock_set_unix_mode(s, 0), 0);
	ck_assert_int_eq(sock_close(s), 0);
	FAILS_WITH(sock_set_unix_mode(s, 0600), EBADF);
	sock_free(s);
}
END_TEST

/* ---------------------------------------------------------- datagrams */

START_TEST(test_unixgram_sendto_recvfrom_names_sender)
{
	struct where ws, wc;
	struct sock *srv, *cli;
	struct sock_addr srv_addr, cli_addr, from;
	char buf[32];

	where_init(&ws, "unixgram", "srv.sock");
	where_init(&wc, "unixgram", "cli.sock");
	srv = bind_on(ws.text);
	cli = bind_on(wc.text);
	ck_assert(is_socket_file(ws.path));
	ck_assert_int_eq(sock_local_addr(srv, &srv_addr), 0);
	ck_assert_int_eq(sock_local_addr(cli, &cli_addr), 0);
	assert_format(&srv_addr, LIBSOCK_FORMAT_SCHEME, ws.text);

	ck_assert_int_eq(sock_sendto(cli, "question", 8, &srv_addr), 8);
	memset(&from, 0, sizeof from);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 8);
	ck_assert_mem_eq(buf, "question", 8);
	ck_assert_int_eq(from.transport, LIBSOCK_UNIXGRAM);
	ck_assert_int_eq(sock_addr_compare(&from, &cli_addr), 0);
	assert_format(&from, LIBSOCK_FORMAT_SCHEME, wc.text);

	/* The reply goes back to the sender's address. */
	ck_assert_int_eq(sock_sendto(srv, "answer", 6, &from), 6);
	ck_assert_int_eq(sock_recvfrom(cli, buf, sizeof buf, &from), 6);
	ck_assert_mem_eq(buf, "answer", 6);
	ck_assert_int_eq(sock_addr_compare(&from, &srv_addr), 0);

	/* An empty datagram is data. */
	ck_assert_int_eq(sock_sendto(cli, "", 0, &srv_addr), 0);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 0);
	ck_assert_int_eq(sock_addr_compare(&from, &cli_addr), 0);
	sock_free(cli);
	sock_free(srv);
}
END_TEST

START_TEST(test_unixgram_unbound_sender_is_unnamed)
{
	char text[LIBSOCK_ADDRSTRLEN];
	struct where w;
	struct sock *srv, *cli;
	struct sock_addr to, from;
	char buf[16];

	where_init(&w, "unixgram", "srv.sock");
	srv = bind_on(w.text);
	ck_assert_int_eq(sock_addr_parse(&to, w.text), 0);
	cli = sock_new();
	ck_assert_ptr_nonnull(cli);
	ck_assert_msg(sock_sendto(cli, "anon", 4, &to) == 4, "%s",
	    sock_error(cli));
	ck_assert_int_eq(sock_role(cli), LIBSOCK_ROLE_DGRAM);
	ck_assert_int_eq(sock_transport(cli), LIBSOCK_UNIXGRAM);
	memset(&from, 0xa5, sizeof from);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 4);
	ck_assert_mem_eq(buf, "anon", 4);
	ck_assert_int_eq(from.transport, LIBSOCK_UNIXGRAM);
	assert_format(&from, LIBSOCK_FORMAT_SCHEME, "(unnamed)");
	assert_format(&from, 0, "(unnamed)");
	sock_free(cli);

	/* The same to an abstract receiver, from a NEW object again. */
	abstract_text(text, sizeof text, "unixgram", "anon");
	sock_free(srv);
	srv = bind_on(text);
	assert_local_text(srv, text);
	ck_assert_int_eq(sock_addr_parse(&to, text), 0);
	cli = sock_new();
	ck_assert_ptr_nonnull(cli);
	ck_assert_int_eq(sock_sendto(cli, "anon2", 5, &to), 5);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 5);
	ck_assert_mem_eq(buf, "anon2", 5);
	assert_format(&from, LIBSOCK_FORMAT_SCHEME, "(unnamed)");
	sock_free(cli);
	sock_free(srv);
}
END_TEST

START_TEST(test_unixgram_truncation_reported)
{
	struct where ws, wc;
	struct sock *srv, *cli;
	struct sock_addr srv_addr, cli_addr, from;
	char big[100], buf[10];
	int saved;
	ssize_t n;
	size_t i;

	for (i = 0; i < sizeof big; i++)
		big[i] = (char)('a' + i % 26);
	where_init(&ws, "unixgram", "srv.sock");
	where_init(&wc, "unixgram", "cli.sock");
	srv = bind_on(ws.text);
	cli = bind_on(wc.text);
	ck_assert_int_eq(sock_local_addr(srv, &srv_addr), 0);
	ck_assert_int_eq(sock_local_addr(cli, &cli_addr), 0);
	ck_assert_int_eq(sock_sendto(cli, big, sizeof big, &srv_addr), 100);
	memset(&from, 0, sizeof from);
	errno = 0;
	n = sock_recvfrom(srv, buf, sizeof buf, &from);
	saved = errno;
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(saved, LIBSOCK_ETRUNC);
	ck_assert_int_eq(sock_error_code(srv), LIBSOCK_ETRUNC);
	ck_assert_mem_eq(buf, big, sizeof buf);
	ck_assert_int_eq(sock_addr_compare(&from, &cli_addr), 0);
	ck_assert_str_eq(sock_error(srv),
	    "recvfrom: datagram of 100 bytes truncated to 10");
	/* The rest is gone; the next datagram is whole. */
	ck_assert_int_eq(sock_sendto(cli, "next", 4, &srv_addr), 4);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 4);
	ck_assert_mem_eq(buf, "next", 4);
	sock_free(cli);
	sock_free(srv);
}
END_TEST

START_TEST(test_connected_unixgram)
{
	struct where w;
	struct sock *srv, *c;
	struct sock_addr a, from;
	char buf[16];
	int saved;
	ssize_t n;

	where_init(&w, "unixgram", "srv.sock");
	srv = bind_on(w.text);
	c = connect_to(w.text);
	ck_assert_int_eq(sock_role(c), LIBSOCK_ROLE_CONNECTED_DGRAM);
	ck_assert_int_eq(sock_transport(c), LIBSOCK_UNIXGRAM);
	ck_assert_int_eq(sock_peer_addr(c, &a), 0);
	assert_format(&a, LIBSOCK_FORMAT_SCHEME, w.text);
	ck_assert_int_eq(sock_send(c, "one", 3), 3);
	ck_assert_int_eq(sock_send(c, "two!", 4), 4);
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 3);
	ck_assert_mem_eq(buf, "one", 3);
	assert_format(&from, 0, "(unnamed)");
	ck_assert_int_eq(sock_recvfrom(srv, buf, sizeof buf, &from), 4);
	ck_assert_mem_eq(buf, "two!", 4);
	ck_assert_int_eq(sock_sendto(c, "x", 1, &a), -1);
	ck_assert_int_eq(sock_error_code(c), EISCONN);
	/* A datagram too long for the buffer, on the connected side. */
	ck_assert_int_eq(sock_send(c, "0123456789", 10), 10);
	errno = 0;
	n = sock_recvfrom(srv, buf, 4, NULL);
	saved = errno;
	ck_assert_int_eq(n, -1);
	ck_assert_int_eq(saved, LIBSOCK_ETRUNC);
	ck_assert_mem_eq(buf, "0123", 4);
	sock_free(c);
	sock_free(srv);
}
END_TEST

START_TEST(test_bound_datagram_file_removed_at_close_and_free)
{
	struct where w;
	struct sock *s;

	where_init(&w, "unixgram", "close.sock");
	s = bind_on(w.text);
	ck_assert(is_socket_file(w.path));
	ck_assert_int_eq(sock_close(s), 0);
	ck_assert_int_eq(inode_of(w.path), 0);
	sock_free(s);

	where_init(&w, "unixgram", "free.sock");
	s = bind_on(w.text);
	ck_assert(is_socket_file(w.path));
	sock_free(s);
	ck_assert_int_eq(inode_of(w.path), 0);
	ck_assert_int_eq(dir_entries(test_dir), 0);
}
END_TEST

/* ---------------------------------------------------------- sock_pair */

START_TEST(test_pair_stream_round_trip)
{
	struct sock *a, *b;
	char buf[8];

	ck_assert_int_eq(sock_pair(LIBSOCK_UNIX, &a, &b), 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(sock_role(a), LIBSOCK_ROLE_ACTIVE);
	ck_assert_int_eq(sock_role(b), LIBSOCK_ROLE_ACTIVE);
	ck_assert_int_eq(sock_transport(a), LIBSOCK_UNIX);
	ck_assert_int_eq(sock_transport(b), LIBSOCK_UNIX);
	ck_assert(is_cloexec(sock_fd(a)));
	ck_assert(is_cloexec(sock_fd(b)));
	echo_once(a, b);
	echo_once(b, a);
	ck_assert_int_eq(sock_shutdown(a, SHUT_WR), 0);
	ck_assert_int_eq(sock_recv(b, buf, sizeof buf), 0);
	sock_free(a);
	sock_free(b);
}
END_TEST

START_TEST(test_pair_datagram_keeps_boundaries)
{
	struct sock *a, *b;
	char buf[16];

	ck_assert_int_eq(sock_pair(LIBSOCK_UNIXGRAM, &a, &b), 0);
	ck_assert_int_eq(sock_role(a), LIBSOCK_ROLE_CONNECTED_DGRAM);
	ck_assert_int_eq(sock_role(b), LIBSOCK_ROLE_CONNECTED_DGRAM);
	ck_assert_int_eq(sock_transport(a), LIBSOCK_UNIXGRAM);
	ck_assert_int_eq(sock_transport(b), LIBSOCK_UNIXGRAM);
	ck_assert(is_cloexec(sock_fd(a)));
	ck_assert(is_cloexec(sock_fd(b)));
	ck_assert_int_eq(sock_set_recv_timeout(a, WAIT_MS), 0);
	ck_assert_int_eq(sock_set_recv_timeout(b, WAIT_MS), 0);
	ck_assert_int_eq(sock_send(a, "one", 3), 3);
	ck_assert_int_eq(sock_send(a, "three", 5), 5);
	ck_assert_int_eq(sock_send(a, "", 0), 0);
	ck_assert_int_eq(sock_recv(b, buf, sizeof buf), 3);
	ck_assert_mem_eq(buf, "one", 3);
	ck_assert_int_eq(sock_recv(b, buf, sizeof buf), 5);
	ck_assert_mem_eq(buf, "three", 5);
	ck_assert_int_eq(sock_recv(b, buf, sizeof buf), 0);
	ck_assert_int_eq(sock_send(b, "back", 4), 4);
	ck_assert_int_eq(sock_recv(a, buf, sizeof buf), 4);
	ck_assert_mem_eq(buf, "back", 4);
	sock_free(a);
	sock_free(b);
}
END_TEST

START_TEST(test_pair_invalid_arguments)
{
	static const int bad[] = { 0, LIBSOCK_TCP, LIBSOCK_UDP, 99, -1 };
	struct sock *a, *b;
	int dummy_a, dummy_b;
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		a = (struct sock *)(void *)&dummy_a;
		b = (struct sock *)(void *)&dummy_b;
		FAILS_WITH(sock_pair(bad[i], &a, &b), EINVAL);
		ck_assert_ptr_null(a);
		ck_assert_ptr_null(b);
	}
	b = NULL;
	FAILS_WITH(sock_pair(LIBSOCK_UNIX, NULL, &b), EINVAL);
	a = NULL;
	FAILS_WITH(sock_pair(LIBSOCK_UNIXGRAM, &a, NULL), EINVAL);
	FAILS_WITH(sock_pair(LIBSOCK_UNIX, NULL, NULL), EINVAL);
}
END_TEST

/* -------------------------------------------------------- credentials */

/* In the child: connect, wait for the parent's byte, leave. */
static int
cred_child(const char *text)
{
	struct sock *c;
	char k;
	int rc = 0;

	if ((c = sock_new()) == NULL)
		return 2;
	if (sock_set_timeout(c, WAIT_MS) == -1 || sock_connect(c, text) == -1)
		rc = 3;
	else if (sock_recv_exact(c, &k, 1) != 1 || k != 'k')
		rc = 4;
	sock_free(c);
	return rc;
}

START_TEST(test_peer_cred_of_accepted_is_connecting_child)
{
	struct where w;
	struct sock *l, *s;
	pid_t child, pid = 0;
	uid_t uid = (uid_t)-2;
	gid_t gid = (gid_t)-2;
	int status;

	where_init(&w, "unix", "cred.sock");
	l = parents_listener = listen_on(w.text);
	fflush(NULL);
	child = fork();
	ck_assert_int_ne(child, -1);
	if (child == 0)
		_exit(cred_child(w.text));
	s = tu_accept(l);
	ck_assert_msg(sock_peer_cred(s, &pid, &uid, &gid) == 0, "%s",
	    sock_error(s));
	ck_assert_int_eq(sock_send_all(s, "k", 1), 1);
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child status %#x", status);
	ck_assert_int_ne(child, getpid());
	ck_assert_int_eq(pid, child);
	ck_assert_uint_eq(uid, getuid());
	ck_assert_uint_eq(gid, getgid());
	sock_free(s);
	sock_free(l);
}
END_TEST

START_TEST(test_peer_cred_on_pair_and_null_outputs)
{
	struct sock *a, *b;
	pid_t pid = 0;
	uid_t uid = (uid_t)-2;
	gid_t gid = (gid_t)-2;

	ck_assert_int_eq(sock_pair(LIBSOCK_UNIX, &a, &b), 0);
	ck_assert_int_eq(sock_peer_cred(a, &pid, &uid, &gid), 0);
	ck_assert_int_eq(pid, getpid());
	ck_assert_uint_eq(uid, getuid());
	ck_assert_uint_eq(gid, getgid());
	ck_assert_int_eq(sock_peer_cred(b, NULL, NULL, NULL), 0);
	uid = (uid_t)-2;
	ck_assert_int_eq(sock_peer_cred(b, NULL, &uid, NULL), 0);
	ck_assert_uint_eq(uid, getuid());
	sock_free(a);
	sock_free(b);

	ck_assert_int_eq(sock_pair(LIBSOCK_UNIXGRAM, &a, &b), 0);
	pid = 0;
	ck_assert_int_eq(sock_peer_cred(a, &pid, NULL, NULL), 0);
	ck_assert_int_eq(pid, getpid());
	sock_free(a);
	sock_free(b);
}
END_TEST

START_TEST(test_peer_cred_not_unix_or_not_connected_einval)
{
	struct sock *c, *s, *l, *n;
	struct where w;
	pid_t pid;

	tu_tcp_pair(&c, &s);
	FAILS_WITH(sock_peer_cred(c, &pid, NULL, NULL), EINVAL);
	ck_assert_int_eq(sock_error_code(c), EINVAL);
	ck_assert_msg(strstr(sock_error(c), "not a Unix domain socket") != NULL,
	    "message: %s", sock_error(c));
	sock_free(c);
	sock_free(s);

	where_init(&w, "unix", "l.sock");
	l = listen_on(w.text);
	FAILS_WITH(sock_peer_cred(l, &pid, NULL, NULL), EINVAL);
	sock_free(l);
	n = sock_new();
	ck_assert_ptr_nonnull(n);
	FAILS_WITH(sock_peer_cred(n, &pid, NULL, NULL), EINVAL);
	sock_free(n);
	FAILS_WITH(sock_peer_cred(NULL, &pid, NULL, NULL), EINVAL);
}
END_TEST

/* -------------------------------------------------- descriptor passing */

START_TEST(test_pass_one_descriptor)
{
	struct sock *a, *b;
	int p[2], fds[4] = { -1, -1, -1, -1 };
	size_t nfds = 4;
	char buf[16];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(sock_pair(LIBSOCK_UNIX, &a, &b), 0);
	ck_assert_int_eq(sock_set_recv_timeout(b, WAIT_MS), 0);
	ck_assert_msg(sock_send_fds(a, "f", 1, &p[1], 1) == 1, "%s",
	    sock_error(a));
	ck_assert_int_eq(sock_recv_fds(b, buf, sizeof buf, fds, &nfds), 1);
	ck_assert_int_eq(buf[0], 'f');
	ck_assert_uint_eq(nfds, 1);
	ck_assert_int_ge(fds[0], 0);
	ck_assert_int_ne(fds[0], p[1]);
	ck_assert_int_eq(fds[1], -1);
	ck_assert(is_cloexec(fds[0]));
	/* The same pipe: written through the copy, read from the original. */
	ck_assert_int_eq(close(p[1]), 0);
	ck_assert_int_eq(write(fds[0], "hello", 5), 5);
	ck_assert_int_eq(close(fds[0]), 0);
	ck_assert_int_eq(read(p[0], buf, sizeof buf), 5);
	ck_assert_mem_eq(buf, "hello", 5);
	ck_assert_int_eq(read(p[0], buf, sizeof buf), 0);
	ck_assert_int_eq(close(p[0]), 0);

	/* Plain data brings no descriptor. */
	ck_assert_int_eq(sock_send(a, "d", 1), 1);
	nfds = 4;
	ck_assert_int_eq(sock_recv_fds(b, buf, sizeof buf, fds, &nfds), 1);
	ck_assert_uint_eq(nfds, 0);
	/* End of stream. */
	sock_free(a);
	nfds = 4;
	ck_assert_int_eq(sock_recv_fds(b, buf, sizeof buf, fds, &nfds), 0);
	ck_assert_uint_eq(nfds, 0);
	sock_free(b);
}
END_TEST

START_TEST(test_pass_250_descriptors_in_one_message)
{
	enum { N = 250 };
	struct sock *a, *b;
	struct rlimit rl;
	int p[2], out[N], in[LIBSOCK_MAX_FDS], i, j;
	size_t nfds = LIBSOCK_MAX_FDS;
	char buf[4];

	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 3 * N) {
		if (rl.rlim_max < 3 * N)
			TU_SKIP("descriptor limit %llu is too low",
			    (unsigned long long)rl.rlim_max);
		rl.rlim_cur = 3 * N;
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	ck_assert_int_eq(pipe(p), 0);
	for (i = 0; i < N; i++)
		out[i] = p[i % 2];
	ck_assert_int_eq(sock_pair(LIBSOCK_UNIX, &a, &b), 0);
	ck_assert_int_eq(sock_set_recv_timeout(b, WAIT_MS), 0);
	ck_assert_msg(sock_send_fds(a, "m", 1, out, N) == 1, "%s",
	    sock_error(a));
	ck_assert_msg(sock_recv_fds(b, buf, sizeof buf, in, &nfds) == 1, "%s",
	    sock_error(b));
	ck_assert_uint_eq(nfds, N);
	for (i = 0; i < N; i++) {
		ck_assert(is_cloexec(in[i]));
		for (j = 0; j < i; j++)
			ck_assert_int_ne(in[i], in[j]);
	}
	/* In order: even ones are the read end, odd ones the write end. */
	ck_assert_int_eq(write(in[1], "x", 1), 1);
	ck_assert_int_eq(read(in[N - 2], buf, 1), 1);
	ck_assert_int_eq(buf[0], 'x');
	for (i = 0; i < N; i++)
		ck_assert_int_eq(close(in[i]), 0);
	close(p[0]);
	close(p[1]);
	sock_free(a);
	sock_free(b);
}
END_TEST

START_TEST(test_descriptors_beyond_room_are_closed)
{
	struct sock *a, *b;
	int p[2], out[5], in[2] = { -1, -1 }, before, i;
	size_t nfds = 2;
	char buf[4];

	ck_assert_int_eq(pipe(p), 0);
	for (i = 0; i < 5; i++)
		out[i] = p[1];
	ck_assert_int_eq(sock_pair(LIBSOCK_UNIX, &a, &b), 0);
	ck_assert_int_eq(sock_set_recv_timeout(b, WAIT_MS), 0);
	ck_assert_int_eq(sock_send_fds(a, "r", 1, out, 5), 1);
	before = tu_fd_count();
	ck_assert_int_eq(sock_recv_fds(b, buf, sizeof buf, in, &nfds), 1);
	/* Five arrived, like snprintf; two kept, the other three closed. */
	ck_assert_uint_eq(nfds, 5);
	ck_assert_int_eq(tu_fd_count(), before + 2);
	for (i = 0; i < 2; i++) {
		ck_assert(is_cloexec(in[i]));
		ck_assert_int_eq(write(in[i], "y", 1), 1);
	}
	ck_assert_int_eq(read(p[0], buf, 2), 2);
	ck_assert_mem_eq(buf, "yy", 2);
	ck_assert_int_eq(close(in[0]), 0);
	ck_assert_int_eq(close(in[1]), 0);

	/* No room at all: all of them are closed, the data still arrives. */
	ck_assert_int_eq(sock_send_fds(a, "z", 1, out, 3), 1);
	before = tu_fd_count();
	nfds = 0;
	ck_assert_int_eq(sock_recv_fds(b, buf, sizeof buf, NULL, &nfds), 1);
	ck_assert_int_eq(buf[0], 'z');
	ck_assert_uint_eq(nfds, 3);
	ck_assert_int_eq(tu_fd_count(), before);
	close(p[0]);
	close(p[1]);
	sock_free(a);
	sock_free(b);
}
END_TEST

START_TEST(test_send_fds_invalid_arguments)
{
	struct sock *a, *b;
	int p[2], many[LIBSOCK_MAX_FDS + 1], closed, i;
	size_t nfds = 4;
	int in[4];
	char buf[8];

	ck_assert_int_eq(pipe(p), 0);
	for (i = 0; i < LIBSOCK_MAX_FDS + 1; i++)
		many[i] = p[1];
	ck_assert_int_eq(sock_pair(LIBSOCK_UNIX, &a, &b), 0);
	ck_assert_int_eq(sock_set_recv_timeout(b, WAIT_MS), 0);
	FAILS_WITH(sock_send_fds(a, "x", 1, many, 0), EINVAL);
	ck_assert_int_eq(sock_error_code(a), EINVAL);
	FAILS_WITH(sock_send_fds(a, "x", 1, many, LIBSOCK_MAX_FDS + 1),
	    EINVAL);
	FAILS_WITH(sock_send_fds(a, "", 0, many, 1), EINVAL);
	FAILS_WITH(sock_send_fds(a, NULL, 0, many, 1), EINVAL);
	FAILS_WITH(sock_send_fds(a, "x", 1, NULL, 1), EINVAL);
	FAILS_WITH(sock_send_fds(a, NULL, 1, many, 1), EINVAL);

	/* Descriptors that are not open. */
	many[1] = -1;
	FAILS_WITH(sock_send_fds(a, "x", 1, many, 2), EBADF);
	ck_assert_int_eq(sock_error_code(a), EBADF);
	ck_assert_int_eq(pipe(in), 0);
	closed = in[0];
	close(in[0]);
	close(in[1]);
	many[1] = closed;
	FAILS_WITH(sock_send_fds(a, "x", 1, many, 2), EBADF);

	/* Nothing of the failed sends went out; the socket still works. */
	ck_assert_int_eq(sock_role(a), LIBSOCK_ROLE_ACTIVE);
	ck_assert_int_eq(sock_send_fds(a, "ok", 2, &p[0], 1), 2);
	ck_assert_int_eq(sock_recv_fds(b, buf, sizeof buf, in, &nfds), 2);
	ck_assert_mem_eq(buf, "ok", 2);
	ck_assert_uint_eq(nfds, 1);
	ck_assert_int_eq(close(in[0]), 0);

	/* recv_fds wants somewhere to say how many arrived. */
	FAILS_WITH(sock_recv_fds(b, buf, sizeof buf, in, NULL), EINVAL);
	nfds = 2;
	FAILS_WITH(sock_recv_fds(b, buf, sizeof buf, NULL, &nfds), EINVAL);
	close(p[0]);
	close(p[1]);
	sock_free(a);
	sock_free(b);
}
END_TEST

START_TEST(test_pass_descriptor_in_empty_datagram)
{
	struct sock *a, *b;
	int p[2], in[2] = { -1, -1 };
	size_t nfds = 2;
	char buf[8];

	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(sock_pair(LIBSOCK_UNIXGRAM, &a, &b), 0);
	ck_assert_int_eq(sock_set_recv_timeout(b, WAIT_MS), 0);
	ck_assert_msg(sock_send_fds(a, NULL, 0, &p[1], 1) == 0, "%s",
	    sock_error(a));
	ck_assert_int_eq(sock_recv_fds(b, buf, sizeof buf, in, &nfds), 0);
	ck_assert_uint_eq(nfds, 1);
	ck_assert(is_cloexec(in[0]));
	ck_assert_int_eq(write(in[0], "e", 1), 1);
	ck_assert_int_eq(read(p[0], buf, 1), 1);
	ck_assert_int_eq(buf[0], 'e');
	ck_assert_int_eq(close(in[0]), 0);
	close(p[0]);
	close(p[1]);
	sock_free(a);
	sock_free(b);
}
END_TEST

START_TEST(test_pass_descriptor_to_bound_datagram_socket)
{
	struct where w;
	struct sock *srv, *c;
	int p[2], in[1] = { -1 };
	size_t nfds = 1;
	char buf[8];

	where_init(&w, "unixgram", "fds.sock");
	srv = bind_on(w.text);
	c = connect_to(w.text);
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_msg(sock_send_fds(c, "g", 1, &p[1], 1) == 1, "%s",
	    sock_error(c));
	ck_assert_msg(sock_recv_fds(srv, buf, sizeof buf, in, &nfds) == 1,
	    "%s", sock_error(srv));
	ck_assert_uint_eq(nfds, 1);
	ck_assert(is_cloexec(in[0]));
	ck_assert_int_eq(close(in[0]), 0);
	close(p[0]);
	close(p[1]);
	sock_free(c);
	sock_free(srv);
}
END_TEST

START_TEST(test_descriptor_passing_on_tcp_einval)
{
	struct sock *c, *s;
	int p[2], in[1];
	size_t nfds = 1;
	char buf[4];

	ck_assert_int_eq(pipe(p), 0);
	tu_tcp_pair(&c, &s);
	FAILS_WITH(sock_send_fds(c, "x", 1, &p[1], 1), EINVAL);
	ck_assert_msg(strstr(sock_error(c), "not a Unix domain socket") != NULL,
	    "message: %s", sock_error(c));
	FAILS_WITH(sock_recv_fds(s, buf, sizeof buf, in, &nfds), EINVAL);
	ck_assert_int_eq(sock_error_code(s), EINVAL);
	ck_assert_msg(strstr(sock_error(s), "not a Unix domain socket") != NULL,
	    "message: %s", sock_error(s));
	/* Nothing was sent by the refused call. */
	ck_assert_int_eq(sock_send(c, "y", 1), 1);
	ck_assert_int_eq(sock_set_recv_timeout(s, WAIT_MS), 0);
	ck_assert_int_eq(sock_recv(s, buf, sizeof buf), 1);
	ck_assert_int_eq(buf[0], 'y');
	sock_free(c);
	sock_free(s);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* ------------------------------------------------------------ options */

START_TEST(test_tcp_options_stored_on_new_do_not_stop_unix)
{
	struct where w, g;
	struct sock *l, *c, *s, *d;
	int on = -1;
	socklen_t len = sizeof on;

	where_init(&w, "unix", "opts.sock");
	l = sock_new();
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(sock_set_accept_timeout(l, WAIT_MS), 0);
	ck_assert_int_eq(sock_set_nodelay(l, 1), 0);
	ck_assert_int_eq(sock_set_keepalive(l, 1, 30, 5, 3), 0);
	ck_assert_msg(sock_listen(l, w.text) == 0, "%s", sock_error(l));
	/* Unix listeners do not get SO_REUSEADDR. */
	ck_assert_int_eq(getsockopt(sock_fd(l), SOL_SOCKET, SO_REUSEADDR, &on,
	    &len), 0);
	ck_assert_int_eq(on, 0);

	c = sock_new();
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(sock_set_nodelay(c, 1), 0);
	ck_assert_int_eq(sock_set_keepalive(c, 1, 0, 0, 0), 0);
	ck_assert_int_eq(sock_set_ttl(c, 7), 0);
	ck_assert_msg(sock_connect(c, w.text) == 0, "%s", sock_error(c));
	s = tu_accept(l);
	echo_once(c, s);
	sock_free(s);
	sock_free(c);
	sock_free(l);

	where_init(&g, "unixgram", "opts.sock");
	d = sock_new();
	ck_assert_ptr_nonnull(d);
	ck_assert_int_eq(sock_set_broadcast(d, 1), 0);
	ck_assert_int_eq(sock_set_ttl(d, 9), 0);
	ck_assert_int_eq(sock_set_v6only(d, 1), 0);
	ck_assert_msg(sock_bind(d, g.text) == 0, "%s", sock_error(d));
	sock_free(d);
}
END_TEST

/*
 * Found by fuzz_addr: an empty abstract name formatted from whatever the
 * buffer held, not "@".
 */
START_TEST(test_empty_abstract_name_formats_and_round_trips)
{
	struct sock_addr a, b;
	char text[LIBSOCK_ADDRSTRLEN];

	ck_assert_int_eq(sock_addr_parse(&a, "unix:@"), 0);
	memset(text, 'J', sizeof text);
	ck_assert_int_eq(sock_addr_format(&a, text, sizeof text, 0), 1);
	ck_assert_str_eq(text, "@");
	memset(text, 'J', sizeof text);
	ck_assert_int_eq(sock_addr_format(&a, text, sizeof text,
	    LIBSOCK_FORMAT_SCHEME), 6);
	ck_assert_str_eq(text, "unix:@");
	ck_assert_int_eq(sock_addr_parse(&b, text), 0);
	ck_assert_int_eq(sock_addr_compare(&a, &b), 0);
}
END_TEST

/* Linux refuses SO_REUSEPORT on Unix sockets: stored, it is not applied. */
START_TEST(test_reuseport_stored_on_new_does_not_stop_unix)
{
	struct where w;
	struct sock *l = sock_new();

	where_init(&w, "unix", "reuse.sock");
	ck_assert_int_eq(sock_set_reuseport(l, 1), 0);
	ck_assert_msg(sock_listen(l, w.text) == 0, "%s", sock_error(l));
	sock_free(l);
}
END_TEST

/* A hand-made Unix sock_addr without a transport takes the call's kind. */
START_TEST(test_unix_addr_without_transport_takes_call_kind)
{
	struct where w, g;
	struct sock_addr a;
	struct sock *l = sock_new(), *d = sock_new();

	where_init(&w, "unix", "zero.sock");
	ck_assert_int_eq(sock_addr_parse(&a, w.text), 0);
	a.transport = 0;
	ck_assert_msg(sock_listen_addr(l, &a) == 0, "%s", sock_error(l));
	ck_assert_int_eq(sock_transport(l), LIBSOCK_UNIX);
	where_init(&g, "unixgram", "zero-dgram.sock");
	ck_assert_int_eq(sock_addr_parse(&a, g.text), 0);
	a.transport = 0;
	ck_assert_msg(sock_bind_addr(d, &a) == 0, "%s", sock_error(d));
	ck_assert_int_eq(sock_transport(d), LIBSOCK_UNIXGRAM);
	sock_free(d);
	sock_free(l);
}
END_TEST

/* Linux records no credentials for a datagram socket connected by path. */
START_TEST(test_peer_cred_of_connected_unixgram_enotconn)
{
	struct where w;
	struct sock *srv, *c;
	uid_t uid = 0;

	where_init(&w, "unixgram", "cred.sock");
	srv = bind_on(w.text);
	c = connect_to(w.text);
	errno = 0;
	ck_assert_int_eq(sock_peer_cred(c, NULL, &uid, NULL), -1);
	ck_assert_int_eq(errno, ENOTCONN);
	ck_assert_int_eq(uid, 0);
	sock_free(c);
	sock_free(srv);
}
END_TEST

/* A datagram longer than the buffer is reported, its descriptor closed. */
START_TEST(test_recv_fds_reports_truncated_datagram)
{
	struct sock *a, *b;
	char buf[4];
	int fd, got[1] = { -1 }, before;
	size_t n = 1;

	ck_assert_int_eq(sock_pair(LIBSOCK_UNIXGRAM, &a, &b), 0);
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ck_assert_int_ne(fd, -1);
	ck_assert_int_eq(sock_send_fds(a, "0123456789", 10, &fd, 1), 10);
	close(fd);
	before = tu_fd_count();
	errno = 0;
	ck_assert_int_eq(sock_recv_fds(b, buf, sizeof buf, got, &n), -1);
	ck_assert_int_eq(errno, LIBSOCK_ETRUNC);
	ck_assert_uint_eq(n, 0);
	ck_assert_mem_eq(buf, "0123", 4);
	ck_assert_int_eq(tu_fd_count(), before);
	sock_free(a);
	sock_free(b);
}
END_TEST

/* ---------------------------------------------------------------- main */

int
main(void)
{
	Suite *suite = suite_create("unix");
	TCase *tc;
	int rc;

	snprintf(run_dir, sizeof run_dir, "/tmp/libsock-unix-XXXXXX");
	if (mkdtemp(run_dir) == NULL) {
		perror("mkdtemp");
		return EXIT_FAILURE;
	}

	tc = unix_tcase("address");
	tcase_add_loop_test(tc, test_unix_address_forms_parse_format_round_trip,
	    0, (int)(sizeof forms / sizeof forms[0]));
	tcase_add_loop_test(tc, test_malformed_unix_addresses_rejected, 0,
	    (int)(sizeof bad_forms / sizeof bad_forms[0]));
	tcase_add_test(tc, test_path_of_107_bytes_works);
	tcase_add_test(tc, test_path_of_108_bytes_enametoolong_nothing_created);
	tcase_add_test(tc, test_path_of_200_bytes_enametoolong_nothing_created);
	tcase_add_test(tc, test_abstract_name_length_limit);
	tcase_add_test(tc, test_listen_unixgram_and_bind_unix_einval);
	tcase_add_test(tc, test_unix_address_has_no_port);
	tcase_add_test(tc, test_abstract_with_nul_bytes_listens_and_connects);
	tcase_add_test(tc, test_addr_abstract_107_bytes_read_to_length_only);
	tcase_add_test(tc, test_addr_abstract_invalid_arguments);
	tcase_add_test(tc, test_compare_abstract_names_past_a_nul);
	suite_add_tcase(suite, tc);

	tc = unix_tcase("stream");
	tcase_add_test(tc, test_stream_echo_over_path);
	tcase_add_test(tc, test_stream_echo_over_abstract_name);
	tcase_add_test(tc, test_stream_echo_over_relative_path);
	tcase_add_test(tc, test_connect_missing_path_enoent);
	tcase_add_test(tc, test_connect_stale_socket_file_refused);
	tcase_add_test(tc, test_listen_in_missing_directory_enoent);
	tcase_add_test(tc, test_unsearchable_directory_eacces);
	tcase_add_test(tc, test_connect_timeout_on_full_backlog);
	suite_add_tcase(suite, tc);

	tc = unix_tcase("files");
	tcase_add_test(tc, test_listener_removes_its_file_at_close);
	tcase_add_test(tc, test_listener_removes_its_file_at_free);
	tcase_add_test(tc, test_listen_on_existing_file_eaddrinuse_untouched);
	tcase_add_test(tc, test_unlink_stale_keeps_live_and_regular_files);
	tcase_add_test(tc, test_unlink_stale_replaces_stale_socket_file);
	tcase_add_test(tc, test_file_replaced_after_listen_is_not_removed);
	tcase_add_test(tc, test_failed_listen_leaves_no_file);
	tcase_add_test(tc, test_unix_mode_is_exact);
	tcase_add_test(tc, test_unix_mode_out_of_range_einval);
	suite_add_tcase(suite, tc);

	tc = unix_tcase("datagram");
	tcase_add_test(tc, test_unixgram_sendto_recvfrom_names_sender);
	tcase_add_test(tc, test_unixgram_unbound_sender_is_unnamed);
	tcase_add_test(tc, test_unixgram_truncation_reported);
	tcase_add_test(tc, test_connected_unixgram);
	tcase_add_test(tc, test_bound_datagram_file_removed_at_close_and_free);
	suite_add_tcase(suite, tc);

	tc = unix_tcase("pair");
	tcase_add_test(tc, test_pair_stream_round_trip);
	tcase_add_test(tc, test_pair_datagram_keeps_boundaries);
	tcase_add_test(tc, test_pair_invalid_arguments);
	suite_add_tcase(suite, tc);

	tc = unix_tcase("credentials");
	tcase_add_test(tc, test_peer_cred_of_accepted_is_connecting_child);
	tcase_add_test(tc, test_peer_cred_on_pair_and_null_outputs);
	tcase_add_test(tc, test_peer_cred_not_unix_or_not_connected_einval);
	suite_add_tcase(suite, tc);

	tc = unix_tcase("fds");
	tcase_add_test(tc, test_pass_one_descriptor);
	tcase_add_test(tc, test_pass_250_descriptors_in_one_message);
	tcase_add_test(tc, test_descriptors_beyond_room_are_closed);
	tcase_add_test(tc, test_send_fds_invalid_arguments);
	tcase_add_test(tc, test_pass_descriptor_in_empty_datagram);
	tcase_add_test(tc, test_pass_descriptor_to_bound_datagram_socket);
	tcase_add_test(tc, test_descriptor_passing_on_tcp_einval);
	suite_add_tcase(suite, tc);

	tc = unix_tcase("options");
	tcase_add_test(tc, test_tcp_options_stored_on_new_do_not_stop_unix);
	tcase_add_test(tc, test_reuseport_stored_on_new_does_not_stop_unix);
	tcase_add_test(tc, test_empty_abstract_name_formats_and_round_trips);
	tcase_add_test(tc, test_unix_addr_without_transport_takes_call_kind);
	tcase_add_test(tc, test_peer_cred_of_connected_unixgram_enotconn);
	tcase_add_test(tc, test_recv_fds_reports_truncated_datagram);
	suite_add_tcase(suite, tc);

	rc = tu_run(suite);
	/* What failed tests left behind goes too. */
	if (rm_tree(run_dir) == -1)
		fprintf(stderr, "removing %s: %s\n", run_dir, strerror(errno));
	return rc;
}
