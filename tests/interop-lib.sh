# interop-lib.sh - sourced by interop.sh and tls-interop.sh: the example
# programs, a scratch directory, and bounded starts, waits and stops of
# the processes those scripts run.
# shellcheck shell=sh
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
#
# Sourced once the script has made its own checks for skipping; uses
# top_builddir (default .).  Fails (99) without timeout(1) or the example
# programs; sets server and client (their paths), work (a new directory),
# pids and passed.  At exit, every process still in pids is stopped and
# work is removed.  Every process runs under timeout(1), 10 s at most,
# and is stopped by the PID the script started.

me=${0##*/}
server=${top_builddir:-.}/examples/echo-server
client=${top_builddir:-.}/examples/echo-client

if ! command -v timeout >/dev/null 2>&1; then
	echo "$me: timeout(1) not found" >&2
	exit 99
fi
for prog in "$server" "$client"; do
	if [ ! -x "$prog" ]; then
		echo "$me: $prog not found; run make first" >&2
		exit 99
	fi
done

# Socket paths must fit in 107 bytes: a long TMPDIR is not used.
base=${TMPDIR:-/tmp}
[ "${#base}" -le 40 ] || base=/tmp
work=$(mktemp -d "$base/libsock-${me%.sh}.XXXXXX") || exit 99
pids=			# processes started and not yet stopped
passed=0

# stop PID: SIGTERM to a process this script started, then its exit
# status in $status.  Every process runs under "timeout -k 2", which
# passes the signal on and follows it with SIGKILL 2 s later: the wait
# is bounded.
stop() {
	kill -TERM "$1" 2>/dev/null
	wait "$1"
	status=$?
	forget "$1"
}

# forget PID: a process that has ended by itself is no longer ours.
forget() {
	rest=
	for p in $pids; do
		[ "$p" = "$1" ] || rest="$rest $p"
	done
	pids=$rest
}

# shellcheck disable=SC2317	# run by the EXIT trap
cleanup() {
	for pid in $pids; do
		stop "$pid"
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

pass() {
	passed=$((passed + 1))
	echo "PASS: $*"
}

# A client command, killed if it runs for more than 10 s.
bounded() {
	timeout -k 2 10 "$@"
}

size() {
	wc -c <"$1" | tr -d ' '
}

# wait_size FILE BYTES: wait, at most 5 s, until FILE holds BYTES.
wait_size() {
	tries=0
	while [ "$(size "$1")" -lt "$2" ] && [ "$tries" -lt 50 ]; do
		sleep 0.1
		tries=$((tries + 1))
	done
	[ "$(size "$1")" -ge "$2" ]
}

# feed OUT FILE...: write each FILE in turn, each once the echoes of the
# ones before have reached OUT, and keep the output open until the last
# echo is in OUT too.  A datagram client (or s_client) quits at the end
# of its input, so the input must not end before the replies are in;
# waiting for each echo also keeps each FILE one datagram.
feed() {
	out=$1
	shift
	want=0
	for f in "$@"; do
		cat "$f"
		want=$((want + $(size "$f")))
		wait_size "$out" "$want" || return 1
	done
}

# same EXPECTED GOT WHAT: the echo must be byte for byte what was sent.
same() {
	cmp -s "$1" "$2" && return 0
	echo "sent $(size "$1") bytes, got $(size "$2") back:" >&2
	cmp "$1" "$2" >&2
	fail "$3: the echo differs from what was sent"
}

# start_server ARGS...: echo-server in the background; sets spid and addr
# (the address it prints on its first line).  Waits 5 s at most.
start_server() {
	# Emptied here, not only by the redirections, which happen in the
	# child: the checks below must never see the previous server's text.
	: >"$work/server.out"
	: >"$work/server.err"
	# --foreground: timeout(1) otherwise follows SIGTERM with SIGCONT
	# to the whole group, which in a sanitizer build can cancel the
	# SIGSTOP of LeakSanitizer's exit-time check and hang it.
	timeout --foreground -k 2 10 "$server" "$@" >"$work/server.out" \
	    2>"$work/server.err" &
	spid=$!
	pids="$pids $spid"
	tries=0
	while [ "$tries" -lt 50 ]; do
		if IFS= read -r line <"$work/server.out"; then
			case $line in
			"listening on "*)
				addr=${line#listening on }
				return 0
				;;
			*)
				fail "echo-server $*: unexpected first line:" \
				    "$line"
				;;
			esac
		fi
		kill -0 "$spid" 2>/dev/null || break
		sleep 0.1
		tries=$((tries + 1))
	done
	cat "$work/server.err" >&2
	fail "echo-server $*: printed no address within 5 s"
}

# stop_server: SIGTERM; echo-server must exit with status 0.
stop_server() {
	stop "$spid"
	[ "$status" -eq 0 ] || {
		cat "$work/server.err" >&2
		fail "$addr: echo-server exited with status $status on SIGTERM"
	}
}
