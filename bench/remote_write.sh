#!/bin/bash
# remote_write.sh: what remote write adds to the collector's CPU at
# HOSTS guests (default 1000; 21 fields each), in process and side by
# side in one run (bench/rw_bench): the loop's ingest of every batch
# (overrides, catalog, alert engine, RRD queue) against remote write's
# encoding, snappy, on-disk queue and HTTP requests to a real
# VictoriaMetrics (Debian victoria-metrics, started here on a free
# loopback port and stopped after), and /metrics rendered over the same
# catalog for scale.  CPU is the whole process's (all its threads),
# summed over ROUNDS polls of every guest (default 5).
#   bench/remote_write.sh [HOSTS [ROUNDS]]
set -eu
cd "$(dirname "$0")/.."
hosts=${1:-1000}
rounds=${2:-5}
vm=/usr/bin/victoria-metrics
[ -x "$vm" ] || { echo "needs the Debian package victoria-metrics" >&2; exit 1; }
make -s bench/rw_bench
tmp=$(mktemp -d /tmp/drover-rw-bench.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$vm" -storageDataPath="$tmp/vm" -httpListenAddr="127.0.0.1:$port" \
    -retentionPeriod=1y >"$tmp/vm.log" 2>&1 &
vpid=$!
trap 'kill $vpid 2>/dev/null; wait $vpid 2>/dev/null; rm -rf "$tmp"' EXIT
for i in $(seq 100); do
	curl -sf -o /dev/null "http://127.0.0.1:$port/health" && break
	sleep 0.1
done
bench/rw_bench "$hosts" "$rounds" "http://127.0.0.1:$port/api/v1/write" \
    "$tmp/queue" >"$tmp/out"
grep '^sent' "$tmp/out"
ingest=$(awk '$1 == "ingest" { print $2 }' "$tmp/out")
printf '%-14s %10s %10s %9s %11s\n' part "cpu ms" samples "ns/smp" "vs ingest"
while read -r name ms n; do
	[ "$name" = sent ] && continue
	printf '%-14s %10.1f %10s %9.0f %11.3f\n' "$name" "$ms" "$n" \
	    "$(echo "$ms * 1000000 / $n" | bc -l)" "$(echo "$ms / $ingest" | bc -l)"
done <"$tmp/out"
