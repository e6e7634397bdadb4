#!/bin/sh
# bench/catalog.sh [HOSTS [ROUNDS]]: what keeping the catalog over a
# restart costs: the loop's share of a save (catalog_dump), the thread-pool
# job's (catalog_write: write, fsync, rename into a temporary directory on
# the file system of /tmp) and the start-up's (catalog_load), each
# against one poll cycle of catalog updates measured side by side in the
# same rounds.  HOSTS guests (default 1000) x 5 services (21 fields),
# ROUNDS rounds (default 9), medians.
set -eu
hosts=${1:-1000}
rounds=${2:-9}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/drover-catalog-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

make -C "$top" -s bench/catalog_bench >/dev/null
"$top/bench/catalog_bench" "$hosts" "$rounds" "$tmp"
