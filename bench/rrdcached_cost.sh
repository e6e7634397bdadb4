#!/bin/bash
# bench/rrdcached_cost.sh [FILES [ROUNDS]]: CPU of updating FILES
# Munin-schema RRD files ROUNDS times, directly (rrd_update_r) and through
# a real rrdcached on a unix socket (-w 3600: it only caches), once with
# librrd's client (a round trip per value) and once in BATCH requests as
# drover's writer sends them, with the daemon's own CPU for the rounds
# and for the FLUSHALL that writes them.
# Defaults 20000 files, 3 rounds.  Needs rrdcached and a built tree.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-20000} rounds=${2:-3} t0=1700000000
make -C "$top" -s bench/rrdcached_cost >/dev/null
B=$top/bench/rrdcached_cost
W=$(mktemp -d /var/tmp/drover-rrdcached-cost.XXXXXX)
RC=
trap '[ -n "$RC" ] && kill "$RC" 2>/dev/null; rm -rf "$W"' EXIT
mkdir "$W/direct" "$W/daemon" "$W/batch"
"$B" create "$W/direct" "$n" $t0
"$B" create "$W/daemon" "$n" $t0
"$B" create "$W/batch" "$n" $t0
"$B" direct "$W/direct" "$n" $t0 "$rounds"
rrdcached -g -l "unix:$W/rc.sock" -b "$W" -w 3600 -f 7200 -p "$W/rc.pid" >"$W/rc.log" 2>&1 &
RC=$!
for _ in $(seq 100); do [ -S "$W/rc.sock" ] && break; sleep 0.1; done
rc_cpu() { awk '{printf "%.2f\n", ($14 + $15) / '"$(getconf CLK_TCK)"'}' "/proc/$RC/stat"; }
# through MODE (daemon: librrd's rrdc_update, a round trip per value;
# batch: rrdc_batch, BATCH of 1000 as drover's writer), into DIR, then
# the daemon's FLUSHALL
through() {
	c0=$(rc_cpu)
	"$B" "$1" "$W/$1" "$n" $t0 "$rounds" "unix:$W/rc.sock"
	c1=$(rc_cpu)
	/usr/bin/python3 - "$W/rc.sock" <<'PY'
import socket, sys, time
def cmd(c):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall((c + "\n").encode())
    f = s.makefile(); head = f.readline(); lines = [f.readline() for _ in range(max(int(head.split()[0]), 0))]
    s.close(); return lines
cmd("FLUSHALL")
while True:
    q = [l for l in cmd("STATS") if l.startswith("QueueLength")]
    if q and int(q[0].split()[1]) == 0:
        break
    time.sleep(0.1)
PY
	c2=$(rc_cpu)
	echo "rrdcached CPU ($1): $(echo "$c1 - $c0" | bc) s for $rounds rounds, $(echo "$c2 - $c1" | bc) s to flush them"
}
through daemon
through batch
