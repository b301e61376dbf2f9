#!/bin/sh
# echo-load.sh - examples/echo-server under load: many clients at once, a
# client that never reads, a full server, and TLS clients at once.
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
#
# tests/echo-load (plain sockets and poll(2), no libsock) checks every
# byte of every echo:
# (a) 1,000 TCP clients at once, 16 KiB each, level-triggered; 4 lazy
#     clients (echo-load --lazy, which reads only when it cannot send:
#     the server's backlog for them fills, it stops reading them and must
#     start again), 32 MiB each; then, while one client sends 8 MiB and
#     never reads, 10 other clients must still be served in full: a slow
#     reader holds back nobody else;
# (b) the same against echo-server --edge;
# (c) 1,000 Unix stream clients at once, and 20 lazy ones (4 MiB each:
#     Unix socket buffers are small, so the backlog fills sooner); then
#     a client that never reads again, beside 10 that must be served, and
#     the server must have stopped reading it long before its 8 MiB (a
#     Unix stream keeps little in the kernel: what the server took, it
#     holds, and its backlog per client is bounded);
# (d) --max-conns 1: with one client connected, the next is closed at
#     once; once that client has gone, a new one is served again;
# (e) TLS: 50 examples/echo-client processes at once (echo-load speaks no
#     TLS), each echoing 16 KiB and verifying the server, while 5 other
#     connections sit in their handshake without a word.  Skipped where
#     libsock is built without OpenSSL or the openssl command is missing.
# After each part the server must still answer, exit with status 0 on
# SIGTERM and have reported nothing it should not.  Each program runs
# under timeout(1) (10 s at most); only loopback and ports the system
# chooses are used.
#
# The clients and the server need a descriptor each per connection: the
# soft limit is raised to 4096 where the hard limit allows; below 2100
# the script skips (77).

set -u

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
load=$top_builddir/tests/echo-load

NCONN=1000
SIZE=16384

# ---------------------------------------------------------- descriptors
# ulimit -n and -H are not POSIX, but every sh this runs on has them;
# where one does not, the programs still raise their own soft limits.
# shellcheck disable=SC3045
nofile() {
	ulimit "$@" -n 2>/dev/null || echo unlimited
}
soft=$(nofile)
hard=$(nofile -H)
if [ "$soft" != unlimited ] && [ "$soft" -lt 4096 ]; then
	if [ "$hard" = unlimited ] || [ "$hard" -ge 4096 ]; then
		# shellcheck disable=SC3045
		ulimit -n 4096 2>/dev/null
	else
		# shellcheck disable=SC3045
		ulimit -n "$hard" 2>/dev/null
	fi
fi
soft=$(nofile)
if [ "$soft" != unlimited ] && [ "$soft" -lt 2100 ]; then
	echo "echo-load.sh: $NCONN clients need 2100 descriptors; the" \
	    "limit is $soft (hard limit $hard); skipping"
	exit 77
fi

# shellcheck source=tests/interop-lib.sh
. "$top_srcdir/tests/interop-lib.sh"

if [ ! -x "$load" ]; then
	echo "$me: $load not found; run make first" >&2
	exit 99
fi

# load_ok WHAT ARGS...: echo-load with ARGS must get every echo back.
load_ok() {
	what=$1
	shift
	bounded "$load" "$@" >"$work/load.out" 2>"$work/load.err"
	lstatus=$?
	[ "$lstatus" -eq 0 ] || {
		cat "$work/load.err" "$work/server.err" >&2
		fail "$what: echo-load exited with status $lstatus"
	}
	cat "$work/load.out"
}

# alive: the server still runs and still echoes.
alive() {
	kill -0 "$spid" 2>/dev/null || {
		cat "$work/server.err" >&2
		fail "$addr: echo-server is gone"
	}
	printf 'still there?\n' >"$work/line"
	bounded "$client" -t 5000 "$@" "$addr" <"$work/line" >"$work/got" \
	    2>"$work/client.err" || {
		cat "$work/client.err" >&2
		fail "$addr: echo-client failed after the load"
	}
	same "$work/line" "$work/got" "$addr: echo-client after the load"
}

# stop_quiet_server [PATTERN]: SIGTERM, status 0, and nothing on standard
# error but lines matching PATTERN (an extended regular expression).
stop_quiet_server() {
	stop_server
	if [ $# -gt 0 ]; then
		grep -v -E "$1" "$work/server.err" >"$work/server.rest"
	else
		cp "$work/server.err" "$work/server.rest"
	fi
	if [ -s "$work/server.rest" ]; then
		cat "$work/server.rest" >&2
		fail "$addr: echo-server reported errors"
	fi
}

# start_staller ARGS...: echo-load --stall in the background, sets lpid;
# waits 5 s at most for it to say that its connections are going.
start_staller() {
	: >"$work/stall.out"
	timeout --foreground -k 2 10 "$load" --stall "$@" >"$work/stall.out" \
	    2>"$work/stall.err" &
	lpid=$!
	pids="$pids $lpid"
	tries=0
	while ! grep -q '^echo-load: stalling' "$work/stall.out"; do
		if ! kill -0 "$lpid" 2>/dev/null || [ "$tries" -ge 50 ]; then
			cat "$work/stall.err" >&2
			fail "echo-load --stall $*: did not get going"
		fi
		sleep 0.1
		tries=$((tries + 1))
	done
}

# stop_staller: it reports how much the server took, and exits 0 unless
# the server ended one of its connections.
stop_staller() {
	stop "$lpid"
	[ "$status" -eq 0 ] || {
		cat "$work/stall.err" >&2
		fail "echo-load --stall exited with status $status"
	}
	tail -n 1 "$work/stall.out"
}

# A stalled client's connection ends with unread bytes in its socket: the
# server sees a reset, and may say so.
RESET='Connection reset by peer|Broken pipe'

# --------------------------------------- (a) TCP, level-triggered; a slow reader
start_server tcp://127.0.0.1:0
load_ok "$addr" -n "$NCONN" -m "$SIZE" -t 8 "$addr"
load_ok "$addr (--lazy)" --lazy -n 4 -m 33554432 -t 8 "$addr"
alive
pass "echo-server $addr: $NCONN TCP clients at once, $SIZE bytes each;" \
    "4 lazy readers, 32 MiB each"
[ -s "$work/server.err" ] && {
	cat "$work/server.err" >&2
	fail "$addr: echo-server reported errors under load"
}

start_staller -n 1 -m 8388608 -t 9 "$addr"
load_ok "$addr beside a client that does not read" -n 10 -m 65536 -t 5 \
    "$addr"
alive
stop_staller
stop_quiet_server "$RESET"
pass "echo-server $addr: served 10 clients in full beside one that sent" \
    "8 MiB and read nothing"

# ----------------------------------------------- (b) TCP, edge-triggered
start_server --edge tcp://127.0.0.1:0
load_ok "$addr (--edge)" -n "$NCONN" -m "$SIZE" -t 8 "$addr"
load_ok "$addr (--edge, --lazy)" --lazy -n 4 -m 33554432 -t 8 "$addr"
start_staller -n 1 -m 8388608 -t 9 "$addr"
load_ok "$addr (--edge) beside a client that does not read" -n 10 \
    -m 65536 -t 5 "$addr"
stop_staller
alive
stop_quiet_server "$RESET"
pass "echo-server --edge $addr: $NCONN TCP clients at once, 4 lazy" \
    "readers, and 10 clients beside one that does not read"

# --------------------------------------------------- (c) Unix streams
path=$work/echo.sock
start_server "unix://$path"
load_ok "$addr" -n "$NCONN" -m "$SIZE" -t 8 "$addr"
load_ok "$addr (--lazy)" --lazy -n 20 -m 4194304 -t 8 "$addr"
pass "echo-server $addr: $NCONN Unix clients at once, $SIZE bytes each;" \
    "20 lazy readers, 4 MiB each"

start_staller -n 1 -m 8388608 -t 9 "$addr"
load_ok "$addr beside a client that does not read" -n 10 -m 65536 -t 5 \
    "$addr"
stop_staller
# A Unix stream holds little in flight (the stalled client's buffers are
# small, and the kernel charges the bytes to their sender): what the
# server took, it holds.  Its backlog is bounded, so it stops reading
# far short of 8 MiB.
took=$(sed -n 's/.* to \([0-9]*\) of .*/\1/p' "$work/stall.out")
if [ -z "$took" ] || [ "$took" -ge 4194304 ]; then
	cat "$work/stall.out" >&2
	fail "$addr: echo-server took ${took:-?} bytes from a client that" \
	    "reads nothing: its backlog is not bounded"
fi
alive
stop_quiet_server "$RESET"
[ ! -e "$path" ] || fail "$addr: the socket file outlived echo-server"
pass "echo-server $addr: served 10 clients beside one that does not read," \
    "and took only $took of its 8 MiB"

# ------------------------------------------------------ (d) --max-conns
start_server --max-conns 1 tcp://127.0.0.1:0
start_staller -n 1 -m 0 -t 9 "$addr"
if bounded "$load" -n 1 -m 1024 -t 5 "$addr" >"$work/load.out" \
    2>"$work/load.err"; then
	fail "$addr: --max-conns 1 served a second client"
fi
grep -q -e 'ended the stream' -e 'reset' -e 'Broken pipe' \
    "$work/load.err" || {
	cat "$work/load.err" >&2
	fail "$addr: --max-conns 1: the second client was not closed"
}
stop_staller
# The server learns of the first client's end at its next wait: retry.
tries=0
until bounded "$load" -q -n 1 -m 1024 -t 5 "$addr" >"$work/load.out" \
    2>"$work/load.err"; do
	[ "$tries" -lt 20 ] || {
		cat "$work/load.err" >&2
		fail "$addr: --max-conns 1: no client served after the first left"
	}
	sleep 0.1
	tries=$((tries + 1))
done
grep -q 'closing new connections at once' "$work/server.err" ||
    fail "$addr: --max-conns 1: the refusal was not reported"
stop_quiet_server 'closing new connections at once'
pass "echo-server --max-conns 1 $addr: the second client closed at once," \
    "a later one served"

# ------------------------------------------------------------ (e) TLS
if [ -f "$top_builddir/config.h" ] &&
    ! grep -q '^#define HAVE_OPENSSL 1' "$top_builddir/config.h"; then
	echo "SKIP: TLS (libsock is built without OpenSSL)"
elif ! command -v "${OPENSSL:-openssl}" >/dev/null 2>&1; then
	echo "SKIP: TLS (the openssl command is not installed)"
else
	certs=$work/certs
	mkdir "$certs" || exit 99
	sh "$top_srcdir/tests/tls-certs.sh" "$certs" || exit 99
	dd if=/dev/urandom of="$work/blob" bs="$SIZE" count=1 2>/dev/null ||
	    fail "cannot make test data"
	start_server --cert "$certs/server.crt" --key "$certs/server.key" \
	    tls://127.0.0.1:0
	port=${addr##*:}
	# Connections that never start their handshake must not hold up
	# the others.
	start_staller -n 5 -m 0 -t 9 "tcp://127.0.0.1:$port"
	cpids=
	i=0
	while [ "$i" -lt 50 ]; do
		bounded "$client" -t 8000 --ca "$certs/ca.crt" \
		    "tls://localhost:$port" <"$work/blob" \
		    >"$work/got.$i" 2>"$work/client.err.$i" &
		cpids="$cpids $!"
		i=$((i + 1))
	done
	i=0
	for p in $cpids; do
		wait "$p" || {
			cat "$work/client.err.$i" "$work/server.err" >&2
			fail "tls client $i of echo-server $addr failed"
		}
		same "$work/blob" "$work/got.$i" "tls client $i of $addr"
		i=$((i + 1))
	done
	stop_staller
	alive --ca "$certs/ca.crt"
	stop_server
	pass "echo-server $addr: 50 TLS clients at once, $SIZE bytes each," \
	    "beside 5 silent connections"
fi

echo "echo-load: $passed passed, 0 failed"
exit 0
