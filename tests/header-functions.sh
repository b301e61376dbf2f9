# header-functions.sh - sourced by exports.sh and manpages.sh.
# shellcheck shell=sh
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
#
# header_functions HEADER: the names followed by "(" outside comments in
# HEADER, one a line, sorted and unique: the functions it declares.
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
	}' "$1" | sort -u
}
