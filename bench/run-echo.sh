#!/bin/sh
# run-echo.sh - the echo server benchmark of make bench and make
# bench-check: requests per second of echo servers built on raw epoll,
# libsock's poller, libuv and libevent, under one load generator, with
# the servers' CPU time and system calls per request.
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
#
# usage: run-echo.sh [--short] [-o FILE] [-g PLOT] -l LOADGEN SERVER...
#
#   --short    tiny durations (also BENCH_SHORT=1): only shows that every
#              server works, as CI does; the numbers mean nothing, and no
#              file and no plot is written
#   -o FILE    also write the header and the tables to FILE
#   -g PLOT    requests/s and CPU time per request against connections,
#              drawn by gnuplot into PLOT (.svg or .png)
#   -l LOADGEN the load generator, echo-loadgen
#   SERVER     the servers, echo-epoll first: it is the reference of the
#              ratios; each is named after its program, less "echo-"
#
# For each connection count, each repetition runs every server in turn,
# the order reversed from one repetition to the next (A B C D, D C B A,
# ...), each time a new server process and a new load: a warm-up, then
# the measured interval.  The table gives the medians.  Then a shorter
# pass per server counts its system calls with strace -f -c, over an
# interval that starts and ends with no request outstanding.
#
# The environment: BENCH_REPS (repetitions, default 7), BENCH_PIN
# (same: server and load on the first CPU, the default; split: the
# server on the second CPU, the load on the first; none), ECHO_CONNS
# (the connection counts, default "10 100 300 1000"), ECHO_SECONDS (the
# measured interval in seconds, default 1.5), STRACE and GNUPLOT (the commands, found
# on PATH when unset), CFLAGS (printed).  Servers are started and
# stopped by their process id only.
set -u

short=0
out=
plot=
loadgen=
usage() {
	echo "usage: run-echo.sh [--short] [-o FILE] [-g PLOT] -l LOADGEN SERVER..." >&2
	exit 2
}
while [ $# -gt 0 ]; do
	case $1 in
	--short) short=1 ;;
	-o) [ $# -ge 2 ] || usage; out=$2; shift ;;
	-g) [ $# -ge 2 ] || usage; plot=$2; shift ;;
	-l) [ $# -ge 2 ] || usage; loadgen=$2; shift ;;
	--) shift; break ;;
	-*) usage ;;
	*) break ;;
	esac
	shift
done
[ $# -ge 1 ] && [ -n "$loadgen" ] || usage
case ${BENCH_SHORT:-0} in
''|0) ;;
*) short=1 ;;
esac
here=$(dirname "$0")

if [ "$short" -eq 1 ]; then
	conns=${ECHO_CONNS:-"10 100"}
	reps=2
	warm=0.05
	dur=0.2
	tconns=100		# the strace pass: only that it works
	twarm=0.05
	tdur=0.2
else
	conns=${ECHO_CONNS:-"10 100 300 1000"}
	reps=${BENCH_REPS:-7}
	warm=0.5
	dur=${ECHO_SECONDS:-1.5}
	tconns=$conns
	twarm=0.3
	tdur=1
fi
case $reps in
''|*[!0-9]*|0) echo "run-echo.sh: BENCH_REPS: not a number from 1 up" >&2; exit 2 ;;
esac

tmp=$(mktemp -d "${TMPDIR:-/tmp}/libsock-echo.XXXXXX") || exit 1
srv=
stop_server() {
	if [ -n "$srv" ]; then
		kill -TERM "$srv" 2>/dev/null
		wait "$srv" 2>/dev/null
		srv=
	fi
}
trap 'stop_server; rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

notes=
note() {
	notes="$notes
note: $*"
}

# ------------------------------------------------------------ limits
# Each process holds a descriptor per connection, and a few more.
max=0
for n in $conns; do
	[ "$n" -gt "$max" ] && max=$n
done
need=$((max + 64))
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$need" ]; then
	ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
fi
limit=$(ulimit -n)
if [ "$limit" != unlimited ] && [ "$limit" -lt "$need" ]; then
	keep=
	for n in $conns; do
		if [ $((n + 64)) -le "$limit" ]; then
			keep="$keep $n"
		else
			note "$n connections skipped: ulimit -n is $limit"
		fi
	done
	conns=$keep
fi

# ------------------------------------------------------------ pinning
# Both on one CPU by default: a row then says what the server and the
# load cost in CPU time, not how fast this machine wakes an idle CPU.
cpus=$(taskset -pc $$ 2>/dev/null | sed -n 's/.*: *//p' | awk -F, '{
	n = 0
	for (i = 1; i <= NF && n < 2; i++) {
		split($i, r, "-")
		hi = r[2] == "" ? r[1] : r[2]
		for (c = r[1]; c <= hi && n < 2; c++) { printf "%s%d", n ? " " : "", c; n++ }
	}
}')
cpu0=${cpus%% *}
cpu1=${cpus##* }
pin=${BENCH_PIN:-same}
case $pin in
same|split|none) ;;
*) echo "run-echo.sh: BENCH_PIN: not same, split or none" >&2; exit 2 ;;
esac
if [ -z "$cpus" ] && [ "$pin" != none ]; then
	note "taskset not found or failed: BENCH_PIN=none"
	pin=none
fi
case $pin in
same)	pin_srv="taskset -c $cpu0"; pin_load=$pin_srv
	pin_text="BENCH_PIN=same, server and load on CPU $cpu0" ;;
split)	pin_srv="taskset -c $cpu1"; pin_load="taskset -c $cpu0"
	pin_text="BENCH_PIN=split, server on CPU $cpu1, load on CPU $cpu0" ;;
none)	pin_srv=; pin_load=
	pin_text="BENCH_PIN=none, where the scheduler puts them" ;;
esac

strace=${STRACE:-$(command -v strace 2>/dev/null)}
if [ -z "$strace" ]; then
	note "strace not found: no system call counts"
	tconns=
fi

# ------------------------------------------------------------ one run
name_of() {
	n=${1##*/}
	n=${n%.exe}
	echo "${n#echo-}"
}

# Start server $1; its pid in srv, its port in port.
start_server() {
	: >"$tmp/port"
	$pin_srv "$1" 127.0.0.1 0 >"$tmp/port" 2>"$tmp/err" &
	srv=$!
	i=0
	while [ "$(wc -l <"$tmp/port")" -lt 1 ]; do
		i=$((i + 1))
		if ! kill -0 "$srv" 2>/dev/null || [ "$i" -gt 200 ]; then
			echo "run-echo.sh: $1 did not start" >&2
			cat "$tmp/err" >&2
			stop_server
			return 1
		fi
		sleep 0.05
	done
	port=$(sed -n 1p "$tmp/port")
}

# value KEY: that field of the load generator's line.
value() {
	tr ' ' '\n' <"$tmp/out" | sed -n "s/^$1=//p"
}

# run SERVER CONNS WARMUP SECONDS [STRACE-FILE]: one load on a new server.
run() {
	start_server "$1" || return 1
	if [ $# -ge 5 ]; then
		STRACE=$strace $pin_load "$loadgen" -c "$2" -w "$3" -d "$4" \
		    -p "$srv" -s "$5" 127.0.0.1 "$port" >"$tmp/out" 2>"$tmp/lerr"
	else
		$pin_load "$loadgen" -c "$2" -w "$3" -d "$4" -p "$srv" \
		    127.0.0.1 "$port" >"$tmp/out" 2>"$tmp/lerr"
	fi
	rc=$?
	stop_server
	if [ "$rc" -ne 0 ] && [ $# -lt 5 ]; then
		echo "run-echo.sh: $(name_of "$1"), $2 connections:" \
		    "$(cat "$tmp/lerr")" >&2
	fi
	return "$rc"
}

status=0
rev=
for s in "$@"; do
	rev="$s $rev"
done
: >"$tmp/runs"
: >"$tmp/calls"
for n in $conns; do
	r=1
	while [ "$r" -le "$reps" ]; do
		if [ -t 2 ]; then
			printf 'run-echo.sh: %s connections, repetition %d of %d\n' \
			    "$n" "$r" "$reps" >&2
		fi
		# A B C D, then D C B A: no server always comes first.
		if [ $((r % 2)) -eq 1 ]; then order=$*; else order=$rev; fi
		for s in $order; do
			if run "$s" "$n" "$warm" "$dur"; then
				echo "$(name_of "$s") $n $(value rps)" \
				    "$(value server_cpu_us)" >>"$tmp/runs"
			else
				status=1
			fi
		done
		r=$((r + 1))
	done
	case " $tconns " in
	*" $n "*) ;;
	*) continue ;;
	esac
	for s in "$@"; do
		name=$(name_of "$s")
		rm -f "$tmp/strace"
		if run "$s" "$n" "$twarm" "$tdur" "$tmp/strace"; then
			# "calls" is the fourth column of strace -c, the
			# syscall name the last.
			awk -v s="$name" -v n="$n" -v req="$(value requests)" '
				$1 ~ /^[0-9.]+$/ && NF >= 5 && $NF != "total" {
					print s, n, req, $NF, $4
				}' "$tmp/strace" >>"$tmp/calls"
		else
			# strace may be kept from attaching (ptrace rules):
			# say so, the timed runs above have shown the server.
			note "$name, $n connections: no system call count:" \
			    "$(tail -n 1 "$tmp/lerr")"
		fi
	done
done

# ------------------------------------------------------------ the table
names=
for s in "$@"; do
	names="$names $(name_of "$s")"
done
ref=$(name_of "$1")
cpu=$(sed -n 's/^model name[ 	]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
{
	echo "libsock echo server benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(getconf _NPROCESSORS_ONLN 2>/dev/null || echo '?') CPUs, ${cpu:-unknown CPU}, $(uname -sr)"
	echo "build:   CFLAGS=${CFLAGS:-unknown}"
	if [ "$short" -eq 1 ]; then
		echo "BENCH_SHORT=1: tiny durations, to check that every server works; the numbers mean nothing"
	else
		echo "each row: median of $reps runs of ${dur} s after ${warm} s of warm-up, one closed-loop"
		echo "load generator, 64-byte requests; the servers alternate (A B C D, D C B A, ...)"
	fi
	echo "$pin_text"
	echo
	awk -v names="$names" -v conns="$conns" -v ref="$ref" '
	function sort(a, n,   i, j, t) {
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
	}
	function median(a, n) {
		sort(a, n)
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	FILENAME ~ /runs$/ {
		k = $1 SUBSEP $2
		rps[k, ++nr[k]] = $3
		cpu[k, nr[k]] = $4
		next
	}
	{	# server conns requests syscall calls
		k = $1 SUBSEP $2
		req[k] = $3
		calls[k] += $5
		by[k] = by[k] sprintf("%s%s %.3f", by[k] == "" ? "" : ", ",
		    $4, $5 / $3)
	}
	END {
		ns = split(names, nm, " ")
		nc = split(conns, cn, " ")
		printf "%-9s %6s %10s %17s %8s %10s %8s %10s\n", "server",
		    "conns", "req/s", "min-max", "vs " ref, "cpu us/req",
		    "vs " ref, "calls/req"
		for (c = 1; c <= nc; c++) {
			if (c > 1)
				printf "\n"
			for (i = 1; i <= ns; i++) {
				k = nm[i] SUBSEP cn[c]
				n = nr[k]
				if (n == 0) {
					printf "%-9s %6s %10s\n", nm[i], cn[c], "failed"
					continue
				}
				for (j = 1; j <= n; j++) {
					a[j] = rps[k, j]; b[j] = cpu[k, j]
				}
				med[k] = median(a, n)
				lo = a[1]; hi = a[n]
				mcpu[k] = median(b, n)
				r = ref SUBSEP cn[c]
				sys = req[k] > 0 ? sprintf("%.3f", calls[k] / req[k]) : "n/a"
				vr = med[r] > 0 ? med[k] / med[r] : 0
				vc = mcpu[r] > 0 ? mcpu[k] / mcpu[r] : 0
				printf "%-9s %6s %10.0f %17s %8.3f %10.3f %8.3f %10s\n",
				    nm[i], cn[c], med[k], sprintf("%.0f-%.0f", lo, hi),
				    vr, mcpu[k], vc, sys
			}
		}
		first = 1
		for (c = 1; c <= nc; c++)
			for (i = 1; i <= ns; i++) {
				k = nm[i] SUBSEP cn[c]
				if (req[k] == 0)
					continue
				if (first) {
					printf "\nsystem calls per request, by call (strace -f -c, %s)\n",
					    "no request outstanding at either end"
					first = 0
				}
				printf "  %-9s %5s: %s\n", nm[i], cn[c], by[k]
			}
		# For the plot: requests/s, then CPU time per request.
		for (blk = 1; blk <= 2; blk++) {
			line = (blk == 1 ? "" : "\n\n") "conns"
			for (i = 1; i <= ns; i++)
				line = line " " nm[i]
			print line > PLOT
			for (c = 1; c <= nc; c++) {
				line = cn[c]
				for (i = 1; i <= ns; i++) {
					k = nm[i] SUBSEP cn[c]
					v = blk == 1 ? med[k] : mcpu[k]
					line = line " " (nr[k] ? v : "NaN")
				}
				print line > PLOT
			}
		}
	}' PLOT="$tmp/plot" "$tmp/runs" "$tmp/calls" || status=1
	echo
	echo "note: vs $ref: the median against $ref's, for req/s (above 1 is faster) and for CPU time (above 1 costs more)"
	echo "note: cpu us/req: the server process's CPU time, user and system, over the measured interval, per request"
	echo "note: calls/req: the server's system calls counted by strace -f -c in a separate pass, per request"
	[ -n "$notes" ] && echo "$notes" | sed 1d
} >"$tmp/table"
cat "$tmp/table"

if [ "$short" -eq 1 ]; then
	exit "$status"
fi
if [ -n "$out" ] && [ "$status" -eq 0 ]; then
	cp "$tmp/table" "$out" && echo "run-echo.sh: results written to $out"
fi
if [ -n "$plot" ]; then
	gnuplot=${GNUPLOT:-$(command -v gnuplot 2>/dev/null)}
	if [ -z "$gnuplot" ]; then
		echo "run-echo.sh: gnuplot not found: no plot"
	else
		mkdir -p "$(dirname "$plot")"
		if "$gnuplot" -e "datafile='$tmp/plot'; outfile='$plot'; nservers=$#" \
		    "$here/plot-echo.gp"; then
			echo "run-echo.sh: plot written to $plot"
		else
			echo "run-echo.sh: gnuplot failed" >&2
			status=1
		fi
	fi
fi
exit "$status"
