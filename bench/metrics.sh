#!/bin/bash
# metrics.sh: GET /metrics rendered in process over simulated catalogs
# (bench/metrics_bench), beside the floor (appending the same lines to a
# growing buffer) and the overview page of the same catalog: wall and CPU
# ms per render, bytes, samples, ns of CPU per sample and the CPU ratio
# to the floor.
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
	for row in "${rows[@]}"; do
		read -r name wall cpu bytes <<<"$row"
		printf '%-20s %-9s %9.2f %9.2f %10s %8s %8.0f %9.2f\n' \
		    "${shape// / x }" "$name" "$wall" "$cpu" "$bytes" "$n" \
		    "$(echo "$cpu * 1000000 / $n" | bc -l)" \
		    "$(echo "$cpu / $floor" | bc -l)"
	done
	rows=()
done
