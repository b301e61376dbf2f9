#!/bin/sh
# manpages.sh - every public function is documented, and the pages lint clean.
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
#
# Each function declared in include/sock.h must appear as ".Nm name" in
# some man/*.3 page (the install rule links each such name to its page),
# and "mandoc -Tlint -Wwarning" must print nothing for the pages.  The
# lint part skips (77) when mandoc is missing.

top_srcdir=${top_srcdir:-.}
header=$top_srcdir/include/sock.h
mandir=$top_srcdir/man

if [ ! -r "$header" ]; then
	echo "manpages.sh: cannot read $header" >&2
	exit 99
fi
# shellcheck source=tests/header-functions.sh
. "$top_srcdir/tests/header-functions.sh"

declared=$(header_functions "$header")
if [ -z "$declared" ]; then
	echo "manpages.sh: found no function in $header" >&2
	exit 99
fi

set -- "$mandir"/*.3
if [ ! -e "$1" ]; then
	echo "FAIL: no man page in $mandir"
	exit 1
fi

status=0
for f in $declared; do
	if ! grep -Eq "^\.Nm[[:space:]]+$f([[:space:],]|\$)" "$@"; then
		echo "FAIL: $f has no .Nm line in $mandir/*.3"
		status=1
	fi
done

MANDOC=${MANDOC:-$(command -v mandoc)}
if [ -z "$MANDOC" ]; then
	echo "manpages.sh: mandoc not found; the .Nm check passed" \
	    "but the lint is skipped"
	[ "$status" -eq 0 ] && exit 77
	exit $status
fi

lint=$("$MANDOC" -Tlint -Wwarning "$@" 2>&1)
if [ -n "$lint" ]; then
	echo "FAIL: $MANDOC -Tlint -Wwarning:"
	printf '%s\n' "$lint"
	status=1
fi

n=$(printf '%s\n' "$declared" | wc -l | tr -d ' ')
[ "$status" -eq 0 ] &&
    echo "manpages.sh: $n functions documented, $# pages lint clean"
exit $status
