#!/bin/sh
# cloexec.sh - check the checker used by the close-on-exec tests.
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
#
# tests/exec-child reports the descriptors it was started with; check_sock
# runs it after fork and exec to find library descriptors that lack
# FD_CLOEXEC.  Here it must report a clean start as clean (exit 0) and see
# a descriptor that was left open (exit 1, naming it).

top_builddir=${top_builddir:-.}
child=$top_builddir/tests/exec-child

if [ ! -x "$child" ]; then
	echo "cloexec.sh: $child not found; run make check" >&2
	exit 99
fi

status=0

# -c closes what the shell and the harness left open, then runs again.
out=$(env -i "$child" -c)
rc=$?
if [ "$rc" -ne 0 ]; then
	echo "FAIL: exec-child -c exited $rc in a clean start:"
	echo "$out"
	status=1
fi

out=$(env -i "$child" -c 7 7</dev/null)
rc=$?
if [ "$rc" -ne 1 ]; then
	echo "FAIL: exec-child exited $rc with descriptor 7 open, want 1"
	status=1
fi
case $out in
"fd 7 "*)
	;;
*)
	echo "FAIL: exec-child did not name descriptor 7:"
	echo "$out"
	status=1
	;;
esac

[ "$status" -eq 0 ] && echo "exec-child tells open descriptors from none"
exit $status
