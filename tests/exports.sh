#!/bin/sh
# exports.sh - the shared library exports exactly the functions of sock.h.
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
#
# Compares, both ways, the functions declared in include/sock.h with the
# defined dynamic symbols of lib/.libs/libsock.so, and checks that nothing
# outside the sock_ namespace is exported (the version node LIBSOCK_0.1
# itself aside).  Skips (77) when the build made no shared library.

top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
header=$top_srcdir/include/sock.h
so=$top_builddir/lib/.libs/libsock.so
NM=${NM:-nm}

if [ ! -e "$so" ]; then
	echo "exports.sh: no $so (static-only build?); skipping"
	exit 77
fi
if [ ! -r "$header" ]; then
	echo "exports.sh: cannot read $header" >&2
	exit 99
fi
# shellcheck source=tests/header-functions.sh
. "$top_srcdir/tests/header-functions.sh"

if ! syms=$("$NM" -D --defined-only "$so"); then
	echo "exports.sh: $NM -D --defined-only $so failed" >&2
	exit 99
fi
# "ADDR T name@@NODE" (or without the @ part): the name alone.
exported=$(printf '%s\n' "$syms" |
    awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' |
    grep -v '^LIBSOCK_0\.1$' | sort -u)
declared=$(header_functions "$header")

if [ -z "$declared" ]; then
	echo "exports.sh: found no function in $header" >&2
	exit 99
fi

status=0
for f in $declared; do
	if ! printf '%s\n' "$exported" | grep -qx "$f"; then
		echo "FAIL: $f is declared in sock.h but not exported"
		status=1
	fi
done
for f in $exported; do
	if ! printf '%s\n' "$declared" | grep -qx "$f"; then
		echo "FAIL: $f is exported but not declared in sock.h"
		status=1
	fi
	case $f in
	sock_*)
		;;
	*)
		echo "FAIL: $f is exported outside the sock_ namespace"
		status=1
		;;
	esac
done

n=$(printf '%s\n' "$declared" | wc -l | tr -d ' ')
[ "$status" -eq 0 ] && echo "exports.sh: $n functions, header and library agree"
exit $status
