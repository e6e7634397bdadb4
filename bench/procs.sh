#!/bin/bash
# procs.sh: one fetch of open_files, open_inodes, processes, threads,
# proc_pri and users: drover's probes (in process, bench/procs_bench)
# against Munin's plugins (fork and exec, as munin-node runs them), with
# NPROC extra sleeping processes (default 300) so /proc is not trivial.
# Wall and CPU milliseconds per fetch (Munin's CPU includes its children:
# sh, ps, awk, find, grep, who).
#   bench/procs.sh [NPROC] [ROUNDS]
set -eu
cd "$(dirname "$0")/.."
nproc=${1:-300}
rounds=${2:-20}
make -s bench/procs_bench
pids=
trap 'kill $pids 2>/dev/null' EXIT
for i in $(seq "$nproc"); do
	sleep 1000 &
	pids="$pids $!"
done
echo "# $(find /proc -maxdepth 1 -name '[0-9]*' 2>/dev/null | wc -l) processes, $(nproc) CPUs"
printf '%-12s %10s %10s %10s %10s %8s\n' probe "munin ms" "cpu ms" \
    "drover ms" "cpu ms" "cpu ratio"
bench/procs_bench 200 >/tmp/procs_bench.$$
TIMEFORMAT='%R %U %S'
while read -r name wall cpu; do
	t=$( { time for i in $(seq "$rounds"); do
		env -i PATH=/usr/bin:/bin MUNIN_LIBDIR=/usr/share/munin \
		    "/usr/share/munin/plugins/$name" >/dev/null
	done; } 2>&1)
	read -r r u s <<<"$t"
	mw=$(echo "$r * 1000 / $rounds" | bc -l)
	mc=$(echo "($u + $s) * 1000 / $rounds" | bc -l)
	printf '%-12s %10.2f %10.2f %10.3f %10.3f %8.4f\n' "$name" "$mw" "$mc" \
	    "$wall" "$cpu" "$(echo "$cpu / $mc" | bc -l)"
done </tmp/procs_bench.$$
rm -f /tmp/procs_bench.$$
