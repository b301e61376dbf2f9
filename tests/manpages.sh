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

# Names followed by "(" outside comments: the declared functions.
header_functions() {
	awk '
	{
		line = $0
		out = ""
		while (line != "") {
			if (incomment) {
				i = index(line, "*/")
				if (i == 0) { line = ""; break }
				line = substr(line, i + 2)
				incomment = 0
			} else {
				i = index(line, "/*")
				if (i == 0) { out = out line; line = "" }
				else {
					out = out substr(line, 1, i - 1) " "
					line = substr(line, i + 2)
					incomment = 1
				}
			}
		}
		while (match(out, /sock_[a-z0-9_]*[ \t]*\(/)) {
			name = substr(out, RSTART, RLENGTH)
			before = RSTART > 1 ? substr(out, RSTART - 1, 1) : " "
			out = substr(out, RSTART + RLENGTH)
			if (before ~ /[A-Za-z0-9_]/)
				continue
			sub(/[ \t]*\($/, "", name)
			print name
		}
	}' "$header" | sort -u
}

declared=$(header_functions)
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
