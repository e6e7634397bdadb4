#!/bin/bash
# RRD updates through a real rrdcached over TCP (rrdcached_socket
# 127.0.0.1:PORT), which refuses absolute file names: drover names each
# file relative to rrdcached_base_dir (by default dbdir), so the values
# reach the daemon's cache; a graph flushes its files through the daemon
# first and so draws the newest data; when the daemon is killed every
# failed update is counted on /health and in the shutdown line.  A bad
# rrdcached_socket is a config error naming file and line.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
. "$top_srcdir/tests/lib/rrdcached.sh"
set -o pipefail

need rrdcached rrdcached
need rrdtool rrdtool
PORT=$(free_port 127.0.0.1)
ADDR=127.0.0.1:$PORT
rrdcached_start "$T/rc" "$ADDR" "$T/db"

cat >"$T/drover.conf" <<CONF
dbdir $T/db
rrdcached_socket $ADDR
interval 2
local_node yes
listen 127.0.0.1:0
state_dir $T/state
graph_cache $T/graphs
CONF
"$DROVER" config -c "$T/drover.conf" >/dev/null 2>"$T/config.err" ||
	fail "drover config refuses a TCP rrdcached: $(cat "$T/config.err")"
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
WEB=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"
first_rrd() {
	f=$(ls "$T"/db/*/*-load-load-g.rrd 2>/dev/null | head -1)
	[ -n "$f" ]
}
wait_until 60 first_rrd || fail "no load RRD created: $(cat "$T/drover.log")"
rel=${f#"$T/db/"}
host=$(basename "$f" -load-load-g.rrd)
created=$(rrd_last "$f") || fail "rrdtool info $f"
# values written through the daemon: it holds them, under the relative name
at_least_pending() { [ "$(rrdc_pending "$ADDR" "$rel")" -ge "$1" ]; }
wait_until 60 at_least_pending 3 ||
	fail "rrdcached holds $(rrdc_pending "$ADDR" "$rel") updates of $rel, want 3: $(tail "$T/drover.log")"
rrdc "$ADDR" PENDING "$rel" >"$T/pending" || fail "PENDING $rel"
held=$(awk -F: 'NR > 1 && $1 + 0 > m {m = $1 + 0} END {print m + 0}' "$T/pending")
[ "$held" -gt "$created" ] || fail "held updates ($held) not after the creation ($created)"
[ "$(rrd_last "$f")" -eq "$created" ] ||
	fail "the file changed while rrdcached held its updates"
# the queue's peak bytes are counted (each value waits there first)
health_at_least "$WEB" "RRD queue peak KiB" 1 ||
	fail "RRD queue peak KiB on /health: $(health_num "$WEB" "RRD queue peak KiB")"
[ "$(health_num "$WEB" "RRD errors")" -eq 0 ] ||
	fail "RRD errors with a working daemon: $(grep warning "$T/drover.log" | head -3)"

# a graph drawn now flushes its files through the daemon: the file on disk
# gets the held values before the graph reads it
curl -sf -o "$T/load.png" "http://127.0.0.1:$WEB/$host/load-day.png" ||
	fail "graph /$host/load-day.png: $(tail -3 "$T/drover.log")"
head -c 8 "$T/load.png" | od -An -c | grep -q 'P   N   G' || fail "the graph is not a PNG"
drawn=$(rrd_last "$f")
note "load file: created $created, held up to $held, on disk after the graph $drawn"
[ "$drawn" -ge "$held" ] || fail "the graph did not flush $rel ($created -> $drawn, held $held)"
rrdtool lastupdate "$f" | awk -F': ' -v t="$drawn" '$1 == t && $2 ~ /^ *[0-9.e+-]+ *$/ {ok = 1} END {exit !ok}' ||
	fail "lastupdate of $f has no value at $drawn"
if warnings "$T/drover.log" | grep -q .; then
	fail "warnings: $(warnings "$T/drover.log")"
fi

# the daemon dies: every update from then on fails and is counted
kill -KILL "$RC_PID"
wait "$RC_PID" 2>/dev/null
wait_until 60 health_at_least "$WEB" "RRD errors" 10 ||
	fail "RRD errors on /health stay at $(health_num "$WEB" "RRD errors") after rrdcached died"
seen=$(health_num "$WEB" "RRD errors")
curl -sf "http://127.0.0.1:$WEB/health" | grep -q "last RRD error" ||
	fail "/health does not show the last RRD error"
kill -0 "$DPID" || fail "drover died with rrdcached"
stop_pid "$DPID" || fail "drover exited with an error: $(tail "$T/drover.log")"
stopped=$(sed -n 's/.*stopped; [0-9]* RRD updates, \([0-9]*\) errors.*/\1/p' "$T/drover.log")
note "RRD errors: /health $seen, shutdown line $stopped"
[ -n "$stopped" ] && [ "$stopped" -ge "$seen" ] ||
	fail "shutdown line counts ${stopped:-no} errors, /health counted $seen"
[ "$(warnings "$T/drover.log" | wc -l)" -le 6 ] ||
	fail "error storm: $(warnings "$T/drover.log" | wc -l) warnings"

# bad addresses are config errors with file and line
for bad in "127.0.0.1:http" "127.0.0.1:0" "run/rrdcached.sock" "unix:rrdcached.sock" "[::1"; do
	printf 'dbdir %s\n# comment\nrrdcached_socket %s\n' "$T/db" "$bad" >"$T/bad.conf"
	if "$DROVER" config -c "$T/bad.conf" >/dev/null 2>"$T/bad.err"; then
		fail "drover config accepts rrdcached_socket $bad"
	fi
	grep -q "bad.conf:3: rrdcached_socket" "$T/bad.err" ||
		fail "no file:line for rrdcached_socket $bad: $(cat "$T/bad.err")"
done
printf 'dbdir %s\nrrdcached_socket %s\nrrdcached_base_dir /nowhere\n' "$T/db" "$ADDR" >"$T/bad.conf"
if "$DROVER" config -c "$T/bad.conf" >/dev/null 2>"$T/bad.err"; then
	fail "drover config accepts a dbdir outside rrdcached_base_dir"
fi
grep -q "bad.conf:3: dbdir .* is not inside rrdcached_base_dir" "$T/bad.err" ||
	fail "dbdir outside the base: $(cat "$T/bad.err")"
echo "PASS: rrdcached over TCP"
