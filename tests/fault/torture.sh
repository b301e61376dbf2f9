#!/bin/sh
# torture.sh - fail each call libsock makes, one at a time, over the
# connect, accept, bind, resolve and transfer paths, an event loop on the
# poller, batched datagrams and segmentation offload (fault-driver.c),
# then interrupt every other call with EINTR.  Every run must end with
# exit status 0: clean errors, no crash, no hang, nothing leaked.
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
set -u
top_builddir=${top_builddir:-.}
shim=$top_builddir/tests/fault/.libs/libfaultshim.so
driver=$top_builddir/tests/fault/fault-driver
if [ -n "${LIBSOCK_UNDER_VALGRIND:-}" ]; then
	echo "torture: the shim replaces malloc, which valgrind does too; skipped"
	exit 77
fi
case "${LIBSOCK_SANITIZERS:-no}" in
no|'') ;;
*)	# The sanitizers' runtimes must come first and own malloc.
	echo "torture: not with -fsanitize=$LIBSOCK_SANITIZERS; skipped"
	exit 77;;
esac
if [ ! -f "$shim" ]; then
	echo "torture: $shim not built"
	exit 1
fi

run() {
	LD_PRELOAD=$shim "$driver" 2>"$tmp"
}
tmp=$(mktemp) || exit 1
certs=$(mktemp -d) || exit 1
trap 'rm -f "$tmp"; rm -rf "$certs"' EXIT

# The TLS paths run when the build has TLS and certificates can be made.
top_srcdir=${top_srcdir:-.}
if sh "$top_srcdir/tests/tls-certs.sh" "$certs" >/dev/null 2>&1; then
	LIBSOCK_FAULT_CERTS=$certs
	export LIBSOCK_FAULT_CERTS
else
	echo "torture: no certificates (no openssl command): TLS paths left out"
fi

out=$(run) || { echo "torture: the run without faults failed:"; cat "$tmp"; exit 1; }
total=${out##*calls }
case "$total" in ''|*[!0-9]*) echo "torture: no call count from the driver"; exit 1;; esac
if [ "$total" -lt 20 ]; then
	echo "torture: only $total calls seen; the shim is not intercepting"
	exit 1
fi
backend=$(printf '%s\n' "$out" | sed -n 's/^poller backend //p')
echo "torture: $total calls to fail in turn (poller backend: ${backend:-none})"

failed=0
n=1
while [ "$n" -le "$total" ]; do
	LIBSOCK_FAULT_AT=$n run >/dev/null
	rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "torture: failing call $n: exit status $rc"
		cat "$tmp"
		failed=$((failed + 1))
	fi
	n=$((n + 1))
done

LIBSOCK_FAULT_EINTR=1 run >/dev/null
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "torture: with EINTR on every other call: exit status $rc"
	cat "$tmp"
	failed=$((failed + 1))
fi
echo "torture: $failed of $((total + 1)) runs went wrong"
[ "$failed" -eq 0 ]
