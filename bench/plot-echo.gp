# plot-echo.gp - the plot of the echo server benchmark (run-echo.sh -g):
# requests/s and the server's CPU time per request against the number of
# connections, one line per server.
#
# Copyright (c) 2026 The libsock authors
# SPDX-License-Identifier: MIT
#
# usage: gnuplot -e "datafile='F'; outfile='OUT.svg'; nservers=N" plot-echo.gp
#
# datafile holds two blocks, requests/s then CPU microseconds per
# request, each a header line (conns and the server names) and a row per
# connection count.  The terminal follows the extension: .png or .svg.

if (strstrt(outfile, ".png") > 0) {
	set terminal pngcairo size 1100,460 font "sans,11"
} else {
	set terminal svg size 1100,460 font "sans,12" background "white"
}
set output outfile
set multiplot layout 1,2 title "echo server, 64-byte requests, one closed-loop load generator"
set logscale x
set xrange [7:1500]
set xtics (10, 30, 100, 300, 1000)
set xlabel "connections"
set grid
set key bottom left
set yrange [0:*]

set title "requests per second (median)"
set format y "%.0s%c"
set ylabel "requests/s"
plot for [i=2:nservers+1] datafile index 0 using 1:i with linespoints \
	lw 2 pt 7 title columnheader(i)

set title "server CPU time per request (median)"
set format y "%.1f"
set ylabel "microseconds"
plot for [i=2:nservers+1] datafile index 1 using 1:i with linespoints \
	lw 2 pt 7 title columnheader(i)
unset multiplot
