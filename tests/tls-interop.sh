#!/bin/sh
# tls-interop.sh - the example programs over TLS against a TLS stack that
# shares no code with libsock's use of it: the openssl s_server and
# s_client commands.
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
#
# (a) examples/echo-client --ca ca.crt tls://localhost:P talks to
#     "openssl s_server", made an echo server by a FIFO from its standard
#     output back to its standard input; without --ca the same client
#     must refuse the server (its CA is not in the system's store).
# (b) "openssl s_client -verify_return_error" talks to examples/echo-server
#     --cert --key tls://127.0.0.1:0, checking its chain and IP address.
# Every byte must come back.  Certificates are made for the run by
# tests/tls-certs.sh.  Each program runs under timeout(1), 10 s at most,
# and is stopped by the PID this script started; only loopback addresses
# and ports the system chooses are used (s_server gets a port the system
# has just given a short-lived echo-server).
#
# Skips (77) when libsock is built without OpenSSL, or when the openssl
# command is not installed ($OPENSSL names it; default openssl).

# feed reads the size of the very file the client of its pipeline writes:
# that is how it knows the echo is in.
# shellcheck disable=SC2094
set -u

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
openssl=${OPENSSL:-openssl}

if [ -f "$top_builddir/config.h" ] &&
    ! grep -q '^#define HAVE_OPENSSL 1' "$top_builddir/config.h"; then
	echo "tls-interop.sh: libsock is built without OpenSSL; skipping"
	exit 77
fi
if ! command -v "$openssl" >/dev/null 2>&1; then
	echo "tls-interop.sh: $openssl is not installed; skipping"
	exit 77
fi
# shellcheck source=tests/interop-lib.sh
. "$top_srcdir/tests/interop-lib.sh"

# start_s_server NACCEPT: "openssl s_server" on a port of 127.0.0.1 that
# the system has just given an echo-server, echoing through a FIFO; sets
# xpid and port.  Another program may take the port in between, so up to
# 5 ports are tried.  s_server says nothing when ready (-quiet keeps its
# standard output for the echo): clients retry a refused connect.
start_s_server() {
	rm -f "$work/fifo"
	mkfifo "$work/fifo" || fail "mkfifo"
	tries_port=0
	while [ "$tries_port" -lt 5 ]; do
		start_server tcp://127.0.0.1:0
		port=${addr##*:}
		stop_server
		: >"$work/s_server.err"
		# Opened read-write, the FIFO never reads as closed.
		timeout -k 2 10 "$openssl" s_server -quiet \
		    -accept "127.0.0.1:$port" -naccept "$1" \
		    -cert "$certs/server.crt" -key "$certs/server.key" \
		    <>"$work/fifo" >"$work/fifo" 2>"$work/s_server.err" &
		xpid=$!
		pids="$pids $xpid"
		sleep 0.2
		kill -0 "$xpid" 2>/dev/null && return 0
		wait "$xpid"
		forget "$xpid"
		grep -q -i 'in use' "$work/s_server.err" || {
			cat "$work/s_server.err" >&2
			fail "openssl s_server did not start"
		}
		tries_port=$((tries_port + 1))
	done
	fail "openssl s_server: no free port in 5 tries"
}

# run_client WHAT ARGS...: echo-client with ARGS, input blob, output got;
# retried while the server is not listening yet.  Sets cstatus.
run_client() {
	what=$1
	shift
	tries=0
	while :; do
		bounded "$client" "$@" <"$work/blob" >"$work/got" \
		    2>"$work/client.err"
		cstatus=$?
		grep -q 'Connection refused' "$work/client.err" || return 0
		[ "$tries" -lt 50 ] || fail "$what: connection refused for 5 s"
		sleep 0.1
		tries=$((tries + 1))
	done
}

certs=$work/certs
mkdir "$certs" || exit 99
sh "$top_srcdir/tests/tls-certs.sh" "$certs"
rc=$?
[ "$rc" -eq 0 ] || { [ "$rc" -eq 77 ] && exit 77; exit 99; }
dd if=/dev/urandom of="$work/blob" bs=65536 count=4 2>/dev/null ||
    fail "cannot make test data"

# ----------------------------------------------- (a) echo-client, s_server
start_s_server 2
run_client "echo-client --ca of s_server" -t 5000 --ca "$certs/ca.crt" \
    "tls://localhost:$port"
[ "$cstatus" -eq 0 ] || {
	cat "$work/client.err" "$work/s_server.err" >&2
	fail "echo-client --ca of s_server exited with status $cstatus"
}
same "$work/blob" "$work/got" "echo-client --ca of s_server"
pass "echo-client --ca $certs/ca.crt tls://localhost:$port (s_server):" \
    "256 KiB echoed"

# The same server without --ca: the system's store knows nothing of it.
run_client "echo-client of s_server without --ca" -t 5000 \
    "tls://localhost:$port"
[ "$cstatus" -ne 0 ] ||
    fail "echo-client accepted s_server's certificate without --ca"
grep -q 'certificate verify failed' "$work/client.err" || {
	cat "$work/client.err" >&2
	fail "echo-client without --ca: no verification failure reported"
}
[ -s "$work/got" ] && fail "echo-client without --ca printed data"
pass "echo-client without --ca refused s_server: $(head -n 1 \
    "$work/client.err")"
# -naccept 2: s_server ends after these two clients.
wait "$xpid"
forget "$xpid"

# ----------------------------------------------- (b) s_client, echo-server
start_server --cert "$certs/server.crt" --key "$certs/server.key" \
    tls://127.0.0.1:0
case $addr in
tls://127.0.0.1:*) ;;
*) fail "echo-server tls://127.0.0.1:0 announced $addr" ;;
esac
port=${addr##*:}
: >"$work/got"
feed "$work/got" "$work/blob" |
    bounded "$openssl" s_client -connect "127.0.0.1:$port" \
    -CAfile "$certs/ca.crt" -verify_return_error -verify_ip 127.0.0.1 \
    -quiet -no_ign_eof -nocommands >"$work/got" 2>"$work/client.err"
cstatus=$?
[ "$cstatus" -eq 0 ] || {
	cat "$work/client.err" "$work/server.err" >&2
	fail "s_client of echo-server $addr exited with status $cstatus"
}
same "$work/blob" "$work/got" "s_client of echo-server $addr"
pass "openssl s_client -verify_return_error of echo-server $addr:" \
    "256 KiB echoed"

# A client that does not trust the server's CA is refused by s_client,
# and echo-server goes on serving.
if bounded "$openssl" s_client -connect "127.0.0.1:$port" \
    -CAfile "$certs/other-ca.crt" -verify_return_error -quiet \
    </dev/null >"$work/got" 2>"$work/client.err"; then
	fail "s_client trusting another CA was not refused"
fi
printf 'still serving\n' >"$work/line"
feed "$work/got" "$work/line" |
    bounded "$openssl" s_client -connect "127.0.0.1:$port" \
    -CAfile "$certs/ca.crt" -verify_return_error -quiet -no_ign_eof \
    -nocommands >"$work/got" 2>"$work/client.err"
same "$work/line" "$work/got" "s_client after a refused one"
stop_server
pass "echo-server $addr: serves on after a client that refused it"

echo "tls-interop: $passed passed, 0 failed"
exit 0
