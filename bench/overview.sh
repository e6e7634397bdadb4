#!/bin/bash
# overview.sh: the overview page (counts, problems, the search's text per
# host) rendered in process over simulated catalogs (bench/overview_bench),
# beside the alerts page over the same catalog as the baseline: wall and
# CPU ms per page, its size, the bytes of the search's attributes,
# and the CPU ratio to the alerts page.
#   bench/overview.sh [ROUNDS]
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-20}
make -s bench/overview_bench
printf '%-22s %-16s %9s %9s %10s %10s %9s\n' "hosts x svc x fields" page \
    "wall ms" "cpu ms" bytes "search" "cpu ratio"
for shape in "50 20 5" "300 40 8" "1000 60 10"; do
	base=
	while read -r name wall cpu bytes dq; do
		[ -z "$base" ] && base=$cpu
		printf '%-22s %-16s %9.2f %9.2f %10s %10s %9.2f\n' \
		    "${shape// / x }" "$name" "$wall" "$cpu" "$bytes" "$dq" \
		    "$(echo "$cpu / $base" | bc -l)"
	done < <(bench/overview_bench $shape "$rounds")
done
