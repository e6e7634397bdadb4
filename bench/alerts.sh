#!/bin/sh
# bench/alerts.sh [CYCLES [BASE]]: the alert engine's loop cost per poll
# cycle (30 staleness ticks, every guest's alerts_ingest) and its bytes
# per entry, at the issue's 18,750 and 52,125 fields (1000 and 3000
# guests), for this tree's alerts/alerts.c and, side by side in the same
# minute, BASE's (default 7949a36: the fixed 4096-bucket table and the
# sweep of every field), built from git and linked with the same
# bench/alerts_bench.c and libdrover.a.  CYCLES (default 9): medians.
set -eu
cycles=${1:-9}
base=${2:-7949a36}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/drover-alerts-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

make -C "$top" -s libdrover.a bench/alerts_bench >/dev/null
var() {
	make -C "$top" -s --no-print-directory --eval='print-%: ; @echo $($*)' "print-$1"
}
git -C "$top" show "$base:alerts/alerts.c" >"$tmp/alerts_old.c"
(cd "$top" && $(var COMPILE) -c -o "$tmp/alerts_old.o" "$tmp/alerts_old.c")
(cd "$top" && $(var CC) $(var AM_CFLAGS) $(var CFLAGS) -o "$tmp/alerts_bench_old" \
	bench/alerts_bench.o "$tmp/alerts_old.o" libdrover.a $(var DEP_LIBS) $(var LIBS))

for n in 18750 52125; do
	for round in 1 2 3; do
		echo "base $base: $("$tmp/alerts_bench_old" "$n" "$cycles")"
		echo "this tree: $("$top/bench/alerts_bench" "$n" "$cycles")"
	done
done
