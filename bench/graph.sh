#!/bin/sh
# One command: uncached day-graph latency of drover's renderer (render
# thread and forked renders) against the `rrdtool graph` CLI drawing the
# same arguments (munin-graph's, from graph_build()) over the same RRD
# files: the cpu plugin, 9 stacked DERIVE fields, 2000 minutes of data.
# Needs a configured tree and rrdtool.  usage: bench/graph.sh [ROUNDS]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
builddir=${top_builddir:-$top}
make -C "$builddir" -s bench/render_bench >/dev/null
base=/dev/shm
[ -d "$base" ] && [ -w "$base" ] || base=/tmp
W=$(mktemp -d "$base/drover_graph_bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
"$builddir/bench/render_bench" "$top/tests/fixtures/graph/cpu.conf" cpu "$W" "${1:-40}"
