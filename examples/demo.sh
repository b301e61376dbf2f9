#!/bin/sh
# demo.sh - run the example echo server and client against each other
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
#
# usage: sh examples/demo.sh BUILDDIR/examples	(what "make demo" runs)
#
# For TCP and UDP, over IPv4 and (where the system has it) IPv6, start
# echo-server on a loopback address with port 0, read the address it
# prints, send a line through echo-client and check that the very same
# bytes come back.  Then the same over Unix sockets: a stream and datagrams
# on socket files in a fresh directory, and on Linux a stream on an
# abstract name.  Last TLS: a throwaway CA and a certificate for localhost
# are made with the openssl command in the same directory, and the client
# verifies the server against that CA (skipped, with a note, where the
# openssl command is missing or libsock was built without TLS).  Any
# difference, a server that does not stop cleanly on SIGTERM, or a socket
# file or directory left behind, makes the script fail with a non-zero
# status.

set -u

if [ $# -ne 1 ]; then
	echo "usage: sh demo.sh BUILDDIR/examples" >&2
	exit 2
fi
server=$1/echo-server
client=$1/echo-client
for prog in "$server" "$client"; do
	if [ ! -x "$prog" ]; then
		echo "demo: $prog not found; run make first" >&2
		exit 1
	fi
done

message='hello from libsock'
# Socket paths must fit in 107 bytes: a long TMPDIR is not used.
base=${TMPDIR:-/tmp}
[ "${#base}" -le 40 ] || base=/tmp
work=$(mktemp -d "$base/libsock-demo.XXXXXX") || exit 1
# A unixgram echo-client makes its reply socket under TMPDIR: here, where
# the script can check that it was removed.
TMPDIR=$work
export TMPDIR
pids=			# servers started and not yet stopped

cleanup() {
	for pid in $pids; do
		kill -TERM "$pid" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fail() {
	echo "demo: FAILED: $*" >&2
	exit 1
}

# Run a command, killed after 20 s if it is still running (the client
# bounds its own waits; this only guards against a hang).
bounded() {
	if command -v timeout >/dev/null 2>&1; then
		timeout 20 "$@"
	else
		"$@"
	fi
}

# start_server ADDRESS [OPTION...]: sets spid and addr (the address
# actually bound).  Waits at most 5 s for the "listening on" line.
# Returns 1 if the server failed instead; its error is then in
# $work/server.err.
start_server() {
	given=$1
	shift
	# Emptied here, not only by the redirections, which happen in the
	# child: the checks below must never see the previous server's text.
	: >"$work/server.out"
	: >"$work/server.err"
	"$server" "$@" "$given" >"$work/server.out" 2>"$work/server.err" &
	spid=$!
	pids="$pids $spid"
	tries=0
	while [ "$tries" -lt 50 ]; do
		if IFS= read -r line <"$work/server.out"; then
			case $line in
			"listening on "*) addr=${line#listening on }; return 0 ;;
			*) fail "$given: unexpected first line from echo-server: $line" ;;
			esac
		fi
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
		tries=$((tries + 1))
	done
	kill -TERM "$spid" 2>/dev/null
	wait "$spid"
	pids=${pids% "$spid"}
	[ -s "$work/server.err" ] ||
	    fail "$given: echo-server printed no address within 5 s"
	return 1
}

# stop_server: SIGTERM, then wait at most 5 s; the exit status must be 0.
stop_server() {
	kill -TERM "$spid" || fail "$addr: echo-server is gone"
	tries=0
	while kill -0 "$spid" 2>/dev/null && [ "$tries" -lt 50 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	if kill -0 "$spid" 2>/dev/null && [ "$tries" -ge 50 ]; then
		kill -KILL "$spid" 2>/dev/null
	fi
	wait "$spid"
	status=$?
	pids=${pids% "$spid"}
	[ "$status" -eq 0 ] ||
	    fail "$addr: echo-server exited with status $status on SIGTERM"
	if [ -s "$work/server.err" ]; then
		cat "$work/server.err" >&2
		fail "$addr: echo-server reported errors"
	fi
	case $addr in
	unix://*|unixgram://*)
		[ ! -e "${addr#*://}" ] ||
		    fail "$addr: the socket file outlived echo-server"
		;;
	esac
	echo "$addr: server stopped cleanly"
}

# echo_file FILE [OPTION...]: send FILE through echo-client (given the
# options), compare what comes back.
echo_file() {
	file=$1
	shift
	if ! bounded "$client" -t 5000 "$@" "$addr" <"$file" >"$work/got" \
	    2>"$work/client.err"; then
		cat "$work/client.err" >&2
		fail "$addr: echo-client failed"
	fi
	if ! cmp -s "$file" "$work/got"; then
		echo "sent:" >&2; od -c "$file" | head -n 5 >&2
		echo "got:" >&2; od -c "$work/got" | head -n 5 >&2
		fail "$addr: the echo differs from what was sent"
	fi
	for d in "$work"/echo-client.*; do
		[ -e "$d" ] && fail "$addr: echo-client left $d behind"
	done
	return 0
}

# run ADDRESS [optional]: one server, one or two exchanges.  With
# "optional", a system without that address family is skipped.
run() {
	if ! start_server "$1"; then
		if [ $# -gt 1 ] && grep -q -e 'Cannot assign requested address' \
		    -e 'Address family not supported' "$work/server.err"; then
			echo "$1: skipped, no IPv6 loopback here"
			return 0
		fi
		cat "$work/server.err" >&2
		fail "$1: echo-server did not start"
	fi
	echo "echo-server $1: listening on $addr"
	# A Unix address is announced as it was bound: exactly as given here.
	case $1 in
	unix*)
		[ "$addr" = "$1" ] || fail "$1: echo-server announced $addr"
		;;
	esac

	printf '%s\n' "$message" >"$work/sent"
	echo_file "$work/sent"
	echo "$addr: sent '$message', got it back"

	case $addr in
	tcp://*|unix://*|unix:@*)
		echo_blob
		;;
	esac
	stop_server
}

# echo_blob [OPTION...]: a stream larger than the socket buffers, in both
# directions.
echo_blob() {
	dd if=/dev/urandom of="$work/blob" bs=65536 count=16 2>/dev/null ||
	    fail "cannot make test data"
	echo_file "$work/blob" "$@"
	echo "$addr: sent 1048576 random bytes, got them back"
}

# make_certs: in $work, a throwaway CA (EC P-256, for one day) and a
# certificate for localhost that it signs.
make_certs() {
	(
		cd "$work" &&
		bounded openssl req -x509 -newkey ec \
		    -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout ca.key -out ca.pem -days 1 \
		    -subj "/CN=libsock demo CA" \
		    -addext basicConstraints=critical,CA:TRUE \
		    -addext keyUsage=critical,keyCertSign &&
		bounded openssl req -newkey ec \
		    -pkeyopt ec_paramgen_curve:P-256 -nodes \
		    -keyout localhost.key -out localhost.csr \
		    -subj "/CN=localhost" &&
		printf 'subjectAltName=DNS:localhost\n' >localhost.ext &&
		bounded openssl x509 -req -in localhost.csr \
		    -CA ca.pem -CAkey ca.key -set_serial 1 -days 1 \
		    -extfile localhost.ext -out localhost.pem
	) </dev/null >"$work/openssl.log" 2>&1 || {
		cat "$work/openssl.log" >&2
		fail "tls: the openssl command could not make the certificates"
	}
}

# run_tls: echo-server with the localhost certificate on 127.0.0.1, and
# echo-client to tls://localhost:PORT, verifying the server's certificate
# (chain and name) against the demo CA.
run_tls() {
	if ! command -v openssl >/dev/null 2>&1; then
		echo "tls: skipped, the openssl command is not installed"
		return 0
	fi
	make_certs
	if ! start_server "tls://127.0.0.1:0" --cert "$work/localhost.pem" \
	    --key "$work/localhost.key"; then
		if grep -q '^echo-server: TLS configuration: Not supported' \
		    "$work/server.err"; then
			echo "tls: skipped, libsock was built without TLS"
			return 0
		fi
		cat "$work/server.err" >&2
		fail "tls://127.0.0.1:0: echo-server did not start"
	fi
	echo "echo-server tls://127.0.0.1:0: listening on $addr"
	addr=tls://localhost:${addr##*:}
	printf '%s\n' "$message" >"$work/sent"
	echo_file "$work/sent" --ca "$work/ca.pem"
	echo "$addr: server certificate verified against the demo CA;" \
	    "sent '$message', got it back"
	echo_blob --ca "$work/ca.pem"
	stop_server
}

run "tcp://127.0.0.1:0"
run "udp://127.0.0.1:0"
run "tcp://[::1]:0" optional
run "udp://[::1]:0" optional
run "unix://$work/echo.sock"
run "unixgram://$work/echo-dgram.sock"
if [ "$(uname -s)" = Linux ]; then
	run "unix:@libsock-demo-$$"
else
	echo "unix:@libsock-demo-$$: skipped, abstract names are Linux only"
fi
run_tls
echo "demo: every echo came back identical"
