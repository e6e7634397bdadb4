#!/bin/bash
# power.sh: one collect of the bank_ and power_supply_online probes
# (plugins/host_power.c) over each fixture sysfs tree of
# tests/fixtures/power (and /sys when it has supplies), beside the load
# probe (one small /proc file) as the baseline, in process
# (bench/power_bench).  Wall and CPU milliseconds per collect and the CPU
# ratio to load's.
#   bench/power.sh [ROUNDS]
set -eu
cd "$(dirname "$0")/.."
rounds=${1:-2000}
make -s bench/power_bench
roots="tests/fixtures/power/laptop tests/fixtures/power/thinkpad tests/fixtures/power/ups tests/fixtures/power/board"
[ -n "$(ls /sys/class/power_supply 2>/dev/null)" ] && roots="$roots /sys"
printf '%-28s %-20s %10s %10s %9s\n' root probe "wall ms" "cpu ms" "cpu ratio"
for root in $roots; do
	base=
	while read -r name wall cpu; do
		[ -z "$base" ] && base=$cpu
		printf '%-28s %-20s %10.4f %10.4f %9.2f\n' "${root#tests/fixtures/}" \
		    "$name" "$wall" "$cpu" "$(echo "$cpu / $base" | bc -l)"
	done < <(bench/power_bench "$root" "$rounds")
done
