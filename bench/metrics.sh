#!/bin/bash
# metrics.sh: GET /metrics rendered in process over simulated catalogs
# (bench/metrics_bench), beside the floor (appending the same lines to a
# growing buffer) and the overview page of the same catalog: wall and CPU
# ms per render, bytes, samples, ns of CPU per sample and the CPU ratio
# to the floor.  "metrics" is the text whole in one buffer (what /metrics
# did on the loop before it streamed, all in one loop step), "stream" the
# slices /metrics makes now, its wall column the longest slice's CPU ms
# (the loop's longest step), with its ratio to the whole render's CPU;
# then three scrapes over HTTP of a real web server on a libuv loop, with
# the longest gap between the ticks of a 1 ms timer on that loop.  With
# heaptrack installed, then each shape's peak heap under heaptrack: the
# catalog alone, whole, stream, and what the render adds to the catalog,
# as a ratio.
#   bench/metrics.sh [ROUNDS]
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-20}
make -s bench/metrics_bench
printf '%-20s %-9s %9s %9s %10s %8s %8s %9s\n' "hosts x svc x fields" \
    render "wall ms" "cpu ms" bytes samples "ns/smp" "vs floor"
for shape in "100 15 3" "1000 15 3"; do
	floor= n=
	while read -r name wall cpu bytes smp; do
		[ -z "$n" ] && n=$smp
		[ "$name" = floor ] && floor=$cpu
		rows+=("$name $wall $cpu $bytes")
	done < <(bench/metrics_bench $shape "$rounds")
	whole_cpu= stream_step=
	for row in "${rows[@]}"; do
		read -r name wall cpu bytes <<<"$row"
		[ "$name" = metrics ] && whole_cpu=$cpu
		[ "$name" = stream ] && stream_step=$wall
	done
	for row in "${rows[@]}"; do
		read -r name wall cpu bytes <<<"$row"
		printf '%-20s %-9s %9.2f %9.2f %10s %8s %8.0f %9.2f\n' \
		    "${shape// / x }" "$name" "$wall" "$cpu" "$bytes" "$n" \
		    "$(echo "$cpu * 1000000 / $n" | bc -l)" \
		    "$(echo "$cpu / $floor" | bc -l)"
	done
	printf '%-20s longest loop step: whole %.2f ms, stream %.3f ms (CPU), ratio %.4f\n' \
	    "${shape// / x }" "$whole_cpu" "$stream_step" \
	    "$(echo "$stream_step / $whole_cpu" | bc -l)"
	read -r _ scrape _ gap < <(bench/metrics_bench $shape 3 http)
	printf '%-20s GET /metrics on a real web server: %.1f ms a scrape, the loop'"'"'s longest gap %.2f ms (1 ms probe)\n' \
	    "${shape// / x }" "$scrape" "$gap"
	rows=()
done
command -v heaptrack >/dev/null && command -v heaptrack_print >/dev/null ||
	exit 0
tmp=$(mktemp -d /tmp/drover-metrics-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# peak heap in bytes of bench/metrics_bench SHAPE 1 MODE under heaptrack
peak() {
	heaptrack -o "$tmp/$2" bench/metrics_bench $1 1 "$2" >/dev/null 2>&1
	heaptrack_print "$tmp/$2".* 2>/dev/null | awk '
	    /^peak heap memory consumption:/ {
		v = $5; u = substr(v, length(v)); n = substr(v, 1, length(v) - 1)
		m = u == "G" ? 1e9 : u == "M" ? 1e6 : u == "K" ? 1e3 : 1
		if (u ~ /[0-9]/) { n = v; m = 1 }
		printf "%d\n", n * m }'
	rm -f "$tmp/$2".*
}
printf '\n%-20s %12s %12s %12s %14s %14s %9s\n' "hosts x svc x fields" \
    "catalog MB" "whole MB" "stream MB" "whole adds MB" "stream adds MB" ratio
for shape in "100 15 3" "1000 15 3"; do
	base=$(peak "$shape" none)
	whole=$(peak "$shape" whole)
	stream=$(peak "$shape" stream)
	printf '%-20s %12.1f %12.1f %12.1f %14.2f %14.2f %9.4f\n' \
	    "${shape// / x }" "$(echo "$base / 1000000" | bc -l)" \
	    "$(echo "$whole / 1000000" | bc -l)" "$(echo "$stream / 1000000" | bc -l)" \
	    "$(echo "($whole - $base) / 1000000" | bc -l)" \
	    "$(echo "($stream - $base) / 1000000" | bc -l)" \
	    "$(echo "($stream - $base) / ($whole - $base)" | bc -l)"
done
