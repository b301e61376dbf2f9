#!/bin/sh
# stress-short.sh - the bounded stress run inside make check; make stress
# runs the full one.
exec "${top_builddir:-.}/tests/stress" --short
