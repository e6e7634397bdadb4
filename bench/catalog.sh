#!/bin/sh
# bench/catalog.sh [HOSTS [ROUNDS]]: what keeping the catalog over a
# restart costs: a save as it was (catalog_dump whole on the loop, then
# catalog_write: write, fsync, rename into a temporary directory on the
# file system of /tmp), a save as the daemon makes it now (slices of
# CATALOG_SAVE_SLICE bytes appended in turn; its longest slice is the
# loop's longest step) and the start-up's share (catalog_load), each
# against one poll cycle of catalog updates measured side by side in the
# same rounds.  HOSTS guests (default 1000) x 5 services (21 fields),
# ROUNDS rounds (default 9), medians.  With heaptrack installed, then the
# peak heap of one save each way (and of a load) over the catalog's own.
set -eu
hosts=${1:-1000}
rounds=${2:-9}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/drover-catalog-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

make -C "$top" -s bench/catalog_bench >/dev/null
"$top/bench/catalog_bench" "$hosts" "$rounds" "$tmp"
command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null ||
	exit 0
# peak heap in bytes of one MODE round under heaptrack
peak() {
	heaptrack -o "$tmp/ht-$1" "$top/bench/catalog_bench" "$hosts" 1 \
	    "$tmp" "$1" >/dev/null 2>&1
	heaptrack_print "$tmp/ht-$1".* 2>/dev/null | awk '
	    /^peak heap memory consumption:/ {
		v = $5; u = substr(v, length(v)); n = substr(v, 1, length(v) - 1)
		m = u == "G" ? 1e9 : u == "M" ? 1e6 : u == "K" ? 1e3 : 1
		if (u ~ /[0-9]/) { n = v; m = 1 }
		printf "%d\n", n * m }'
	rm -f "$tmp/ht-$1".*
}
mb() { echo "$1 / 1000000" | bc -l; }
base=$(peak none)
whole=$(peak whole)
sliced=$(peak sliced)
load=$(peak load)
printf 'peak heap: catalog %.1f MB; a save adds %.2f MB whole, %.2f MB in slices (ratio %.4f); a load adds %.1f MB\n' \
    "$(mb "$base")" "$(mb "$((whole - base))")" "$(mb "$((sliced - base))")" \
    "$(echo "($sliced - $base) / ($whole - $base)" | bc -l)" \
    "$(mb "$((load - base))")"
