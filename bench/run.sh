#!/bin/sh
# run.sh - make bench and make bench-check: the benchmark programs in
# turn, after a header that says what machine and build they ran on.
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
#
# usage: run.sh [--short] [--no-tls] [-o FILE] PROGRAM...
#
#   --short   tiny counts (BENCH_SHORT=1): only shows that every workload
#             runs, as CI does; the numbers mean nothing and no file is
#             written
#   --no-tls  say that the TLS workloads are skipped (a build without
#             OpenSSL has no TLS program)
#   -o FILE   also write the header and the tables to FILE
#
# The environment passes through: BENCH_REPS, BENCH_PIN, BENCH_ONLY
# (doc/performance.md), OPENSSL (the openssl command), CFLAGS (printed).
set -u

short=0
notls=0
out=
while [ $# -gt 0 ]; do
	case $1 in
	--short) short=1 ;;
	--no-tls) notls=1 ;;
	-o) out=$2; shift ;;
	--) shift; break ;;
	-*) echo "usage: run.sh [--short] [--no-tls] [-o FILE] PROGRAM..." >&2
	    exit 2 ;;
	*) break ;;
	esac
	shift
done

tmp=$(mktemp "${TMPDIR:-/tmp}/libsock-bench.XXXXXX") || exit 1
trap 'rm -f "$tmp" "$tmp.rc"' EXIT
trap 'exit 1' HUP INT TERM

cpu=$(sed -n 's/^model name[ 	]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1)
{
	echo "libsock benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "machine: $(nproc 2>/dev/null || echo '?') CPUs, ${cpu:-unknown CPU}, $(uname -sr)"
	echo "build:   CFLAGS=${CFLAGS:-unknown}"
	if [ "$short" -eq 1 ]; then
		echo "BENCH_SHORT=1: tiny counts, to check that every workload runs; the numbers mean nothing"
	else
		echo "each row: median of ${BENCH_REPS:-9} repetitions, the variants alternating (A B, B A, ...) in one process;"
		echo "ratio = libsock/raw of the medians, in the row's unit; the last column compares time per operation"
	fi
	echo
} >"$tmp"
cat "$tmp"

if [ "$short" -eq 1 ]; then
	BENCH_SHORT=1
	export BENCH_SHORT
fi
status=0
for prog in "$@"; do
	# The table on the terminal as it grows, and in the file.
	{ "$prog"; echo $? >"$tmp.rc"; } | tee -a "$tmp"
	rc=$(cat "$tmp.rc")
	if [ "$rc" -ne 0 ]; then
		echo "run.sh: $prog failed (exit $rc)" >&2
		status=1
	fi
	echo | tee -a "$tmp"
done
if [ "$notls" -eq 1 ]; then
	echo "note: TLS skipped: libsock was built --without-openssl" |
	    tee -a "$tmp"
fi
if [ "$status" -eq 0 ] && [ -n "$out" ] && [ "$short" -eq 0 ]; then
	cp "$tmp" "$out" && echo "run.sh: results written to $out"
fi
exit "$status"
