#!/bin/sh
# interop.sh - the example programs against peers that share no code with
# libsock: the socat(1) and ncat(1) command lines.
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
#
# examples/echo-server serves socat and ncat clients, and
# examples/echo-client talks to socat echo servers, over TCP, UDP, Unix
# streams (a path and, on Linux, an abstract name) and Unix datagrams.
# Every echo must come back byte for byte, and every echo-server must stop
# cleanly on SIGTERM, reporting nothing it should not.  Each program runs
# under timeout(1), 10 s at most, and is stopped by the PID this script
# started.  Only loopback addresses and ports the system chooses are used.
#
# Skips (77) when socat or ncat is not installed.

# feed reads the size of the very file the client of its pipeline writes:
# that is how it knows the echo is in.
# shellcheck disable=SC2094
set -u

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}

for tool in socat ncat; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "interop.sh: $tool is not installed; skipping"
		exit 77
	fi
done
# shellcheck source=tests/interop-lib.sh
. "$top_srcdir/tests/interop-lib.sh"

# echo-client makes its unixgram reply socket under TMPDIR: here, where
# this script can see whether it was removed.
TMPDIR=$work
export TMPDIR
linux=0
[ "$(uname -s)" = Linux ] && linux=1

# client_ok STATUS WHAT: a client must exit with 0.
client_ok() {
	[ "$1" -eq 0 ] && return 0
	cat "$work/client.err" >&2
	fail "$2: the client exited with status $1"
}

# stop_quiet_server [PATTERN]: stop_server; echo-server must also have
# printed nothing on standard error (but lines matching PATTERN).
stop_quiet_server() {
	stop_server
	if [ $# -gt 0 ]; then
		grep -v -e "$1" "$work/server.err" >"$work/server.rest"
	else
		cp "$work/server.err" "$work/server.rest"
	fi
	if [ -s "$work/server.rest" ]; then
		cat "$work/server.rest" >&2
		fail "$addr: echo-server reported errors"
	fi
}

# start_socat ADDRESS ADDRESS: a socat server in the background; sets
# xpid.  Waits 5 s at most for its "listening on" (stream) or "receiving
# on" (datagram) notice.  Returns 1 if socat exited instead; its messages
# are in socat.err.
start_socat() {
	: >"$work/socat.err"
	timeout -k 2 10 socat -d -d "$@" 2>"$work/socat.err" &
	xpid=$!
	pids="$pids $xpid"
	tries=0
	while [ "$tries" -lt 50 ]; do
		grep -q -e ' listening on ' -e ' receiving on ' \
		    "$work/socat.err" && return 0
		if ! kill -0 "$xpid" 2>/dev/null; then
			stop "$xpid"
			return 1
		fi
		sleep 0.1
		tries=$((tries + 1))
	done
	cat "$work/socat.err" >&2
	fail "socat $*: not ready within 5 s"
}

# stop_socat WHAT: stop the socat server, which must have logged no error
# (socat marks errors " E ").
stop_socat() {
	stop "$xpid"
	if grep ' E ' "$work/socat.err" >&2; then
		fail "$1: socat reported errors"
	fi
}

# socat_on_free_port SCHEME LISTEN OPTIONS PEER: socat listening on a
# port of 127.0.0.1 that the system has just given echo-server (which
# then stopped); sets port.  socat cannot listen on port 0 and say which
# port it got, hence the loan.  Another program may take the port in
# between: then try again, 5 times at most.
socat_on_free_port() {
	tries_port=0
	while [ "$tries_port" -lt 5 ]; do
		start_server "$1://127.0.0.1:0"
		port=${addr##*:}
		stop_quiet_server
		start_socat "$2:$port,$3" "$4" && return 0
		if ! grep -q 'Address already in use' "$work/socat.err"; then
			cat "$work/socat.err" >&2
			fail "socat $2:$port: did not start"
		fi
		tries_port=$((tries_port + 1))
	done
	fail "socat $2: no free port in 5 tries"
}

# no_reply_dir WHAT: a unixgram echo-client removes its reply directory.
no_reply_dir() {
	for d in "$work"/echo-client.*; do
		[ -e "$d" ] && fail "$1: echo-client left $d behind"
	done
	return 0
}

# Test data: a stream larger than the socket buffers, two datagrams (one
# of random bytes, one of text) and lines for echo-client's datagram mode.
# socat hands a datagram to "cat" as bytes on a stream, where an empty
# datagram is no bytes at all and gets no reply: the lines have no empty
# one.
dd if=/dev/urandom of="$work/blob" bs=65536 count=16 2>/dev/null ||
    fail "cannot make test data"
dd if=/dev/urandom of="$work/dgram1" bs=1200 count=1 2>/dev/null ||
    fail "cannot make test data"
printf 'a datagram of text\n' >"$work/dgram2"
cat "$work/dgram1" "$work/dgram2" >"$work/dgrams"
printf '%s\n' 'hello from libsock' 'a second line' \
    'bytes: !"#$%&()*+,-./:;<=>?@[]^_`{|}~' >"$work/lines"

# ----------------------------------------------- (a) TCP: socat, ncat clients
start_server tcp://127.0.0.1:0
: >"$work/got"
bounded socat -t 5 - "TCP:${addr#tcp://}" <"$work/blob" >"$work/got" \
    2>"$work/client.err"
client_ok $? "socat TCP client of echo-server $addr"
same "$work/blob" "$work/got" "socat TCP client of echo-server $addr"
pass "socat TCP client of echo-server $addr: 1 MiB echoed"

port=${addr##*:}
bounded ncat 127.0.0.1 "$port" <"$work/blob" >"$work/got" \
    2>"$work/client.err"
client_ok $? "ncat TCP client of echo-server $addr"
same "$work/blob" "$work/got" "ncat TCP client of echo-server $addr"
pass "ncat TCP client of echo-server $addr: 1 MiB echoed"
stop_quiet_server

# ------------------------------------------ (b) echo-client, socat TCP server
socat_on_free_port tcp TCP-LISTEN bind=127.0.0.1,reuseaddr,fork EXEC:cat
bounded "$client" -t 5000 "tcp://127.0.0.1:$port" <"$work/blob" \
    >"$work/got" 2>"$work/client.err"
client_ok $? "echo-client of a socat TCP server"
same "$work/blob" "$work/got" "echo-client of a socat TCP server"
stop_socat "socat TCP server"
pass "echo-client of a socat TCP server on port $port: 1 MiB echoed"

# ----------------------------------------- (c) UDP: ncat client, socat server
start_server udp://127.0.0.1:0
port=${addr##*:}
: >"$work/got"
feed "$work/got" "$work/dgram1" "$work/dgram2" |
    bounded ncat -u 127.0.0.1 "$port" >"$work/got" 2>"$work/client.err"
client_ok $? "ncat UDP client of echo-server $addr"
same "$work/dgrams" "$work/got" "ncat UDP client of echo-server $addr"
stop_quiet_server
pass "ncat UDP client of echo-server $addr: 2 datagrams echoed"

socat_on_free_port udp UDP-RECVFROM bind=127.0.0.1,fork EXEC:cat
bounded "$client" -t 5000 "udp://127.0.0.1:$port" <"$work/lines" \
    >"$work/got" 2>"$work/client.err"
client_ok $? "echo-client of a socat UDP server"
same "$work/lines" "$work/got" "echo-client of a socat UDP server"
stop_socat "socat UDP server"
pass "echo-client of a socat UDP server on port $port: 3 datagrams echoed"

# --------------------------------------------------- (d) Unix streams: a path
path=$work/echo.sock
start_server "unix://$path"
[ "$addr" = "unix://$path" ] ||
    fail "echo-server unix://$path announced $addr"
bounded socat -t 5 - "UNIX-CONNECT:$path" <"$work/blob" >"$work/got" \
    2>"$work/client.err"
client_ok $? "socat Unix client of echo-server $addr"
same "$work/blob" "$work/got" "socat Unix client of echo-server $addr"
pass "socat Unix client of echo-server $addr: 1 MiB echoed"

bounded ncat -U "$path" <"$work/blob" >"$work/got" 2>"$work/client.err"
client_ok $? "ncat Unix client of echo-server $addr"
same "$work/blob" "$work/got" "ncat Unix client of echo-server $addr"
pass "ncat Unix client of echo-server $addr: 1 MiB echoed"
stop_quiet_server
[ ! -e "$path" ] || fail "$addr: the socket file outlived echo-server"

start_socat "UNIX-LISTEN:$work/socat.sock,fork" EXEC:cat ||
    { cat "$work/socat.err" >&2; fail "socat UNIX-LISTEN did not start"; }
bounded "$client" -t 5000 "unix://$work/socat.sock" <"$work/blob" \
    >"$work/got" 2>"$work/client.err"
client_ok $? "echo-client of a socat Unix server"
same "$work/blob" "$work/got" "echo-client of a socat Unix server"
stop_socat "socat Unix server"
pass "echo-client of a socat Unix server: 1 MiB echoed"

# ----------------------------------------- (d) Unix streams: an abstract name
if [ "$linux" -eq 1 ]; then
	name=libsock-interop-$$
	start_server "unix:@$name"
	[ "$addr" = "unix:@$name" ] ||
	    fail "echo-server unix:@$name announced $addr"
	bounded socat -t 5 - "ABSTRACT-CONNECT:$name" <"$work/blob" \
	    >"$work/got" 2>"$work/client.err"
	client_ok $? "socat abstract client of echo-server $addr"
	same "$work/blob" "$work/got" \
	    "socat abstract client of echo-server $addr"
	stop_quiet_server
	pass "socat abstract client of echo-server $addr: 1 MiB echoed"

	start_socat "ABSTRACT-LISTEN:$name-socat,fork" EXEC:cat || {
		cat "$work/socat.err" >&2
		fail "socat ABSTRACT-LISTEN did not start"
	}
	bounded "$client" -t 5000 "unix:@$name-socat" <"$work/blob" \
	    >"$work/got" 2>"$work/client.err"
	client_ok $? "echo-client of a socat abstract server"
	same "$work/blob" "$work/got" "echo-client of a socat abstract server"
	stop_socat "socat abstract server"
	pass "echo-client of socat ABSTRACT-LISTEN:$name-socat: 1 MiB echoed"
else
	echo "SKIP: abstract Unix names (Linux only)"
fi

# --------------------------------------------------------- (e) Unix datagrams
# socat's UNIX-SENDTO (with a bound address of its own, to get replies)
# and UNIX-RECVFROM (which replies to each sender) speak plain Unix
# datagrams; ncat -U -u binds a temporary socket of its own.
path=$work/dgram.sock
start_server "unixgram://$path"
[ "$addr" = "unixgram://$path" ] ||
    fail "echo-server unixgram://$path announced $addr"
: >"$work/got"
feed "$work/got" "$work/dgram1" "$work/dgram2" |
    bounded socat - "UNIX-SENDTO:$path,bind=$work/socat-client.sock" \
    >"$work/got" 2>"$work/client.err"
client_ok $? "socat unixgram client of echo-server $addr"
same "$work/dgrams" "$work/got" "socat unixgram client of echo-server $addr"
pass "socat unixgram client of echo-server $addr: 2 datagrams echoed"

: >"$work/got"
feed "$work/got" "$work/dgram1" "$work/dgram2" |
    bounded ncat -U -u "$path" >"$work/got" 2>"$work/client.err"
client_ok $? "ncat unixgram client of echo-server $addr"
same "$work/dgrams" "$work/got" "ncat unixgram client of echo-server $addr"
pass "ncat unixgram client of echo-server $addr: 2 datagrams echoed"
stop_quiet_server
[ ! -e "$path" ] || fail "$addr: the socket file outlived echo-server"

start_socat "UNIX-RECVFROM:$work/socat-dgram.sock,fork" EXEC:cat ||
    { cat "$work/socat.err" >&2; fail "socat UNIX-RECVFROM did not start"; }
bounded "$client" -t 5000 "unixgram://$work/socat-dgram.sock" \
    <"$work/lines" >"$work/got" 2>"$work/client.err"
client_ok $? "echo-client of a socat unixgram server"
same "$work/lines" "$work/got" "echo-client of a socat unixgram server"
no_reply_dir "echo-client of a socat unixgram server"
stop_socat "socat unixgram server"
pass "echo-client of a socat unixgram server: 3 datagrams echoed"

# A sender that bound no address (socat UNIX-SENDTO without bind=) cannot
# be answered: echo-server must say so, and go on serving.
start_server "unixgram://$path"
printf 'from nowhere' | bounded socat - "UNIX-SENDTO:$path" \
    >"$work/got" 2>"$work/client.err"
client_ok $? "socat unnamed unixgram client of echo-server $addr"
tries=0
while ! grep -q 'unnamed sender' "$work/server.err" && [ "$tries" -lt 50 ]
do
	sleep 0.1
	tries=$((tries + 1))
done
if ! grep -q 'unnamed sender' "$work/server.err"; then
	cat "$work/server.err" >&2
	fail "$addr: a datagram from an unnamed sender was not reported" \
	    "as such"
fi
: >"$work/got"
feed "$work/got" "$work/dgram2" |
    bounded socat - "UNIX-SENDTO:$path,bind=$work/socat-client2.sock" \
    >"$work/got" 2>"$work/client.err"
client_ok $? "socat unixgram client of echo-server $addr"
same "$work/dgram2" "$work/got" "socat unixgram client after an unnamed one"
stop_quiet_server 'unnamed sender'
pass "echo-server $addr: an unnamed sender reported, the next one echoed"

echo "interop: $passed passed, 0 failed"
exit 0
