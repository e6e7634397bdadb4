#!/bin/bash
# drover against the real munin-node 2.0.73: "drover poll" reads every
# plugin (including the diskstats multigraph), and "drover run" writes RRD
# files with Munin's names and schema and updates them on the next poll.
# One host lists by its config name (use_node_name no), the other by the
# name the node announces.
#
# The node's plugin state is private and starts empty (munin_node.sh mounts
# its own /var/lib/munin-node), so the run does not depend on the host or
# an earlier run: diskstats keeps its previous counters there and, with
# none, answers its first fetch with no values at all.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail

need /usr/sbin/munin-node munin-node
need rrdtool rrdtool
need curl curl
mkdir -p "$T/plugins"
for p in load cpu memory diskstats; do
	ln -s /usr/share/munin/plugins/$p "$T/plugins/$p"
done
ln -s /usr/share/munin/plugins/if_ "$T/plugins/if_lo"
PORT=$(free_port 127.0.0.1)
PLUGINS="$T/plugins" "$top_srcdir/tests/lib/munin_node.sh" start "$T/node" \
	127.0.0.1 "$PORT" node.test || fail "munin-node did not start"
BG_NODE_DIR="$T/node"
trap '"$top_srcdir/tests/lib/munin_node.sh" stop "$BG_NODE_DIR" >/dev/null; cleanup' EXIT
STATE="$T/node/var-lib/plugin-state"
# no state file from anyone (the node makes its per-user directories here
# as it runs plugins)
[ -d "$STATE" ] || fail "no private plugin state: $(ls -AR "$T/node")"
[ -z "$(find "$STATE" -type f)" ] || fail "plugin state not empty: $(ls -AR "$STATE")"

cat >"$T/drover.conf" <<CONF
dbdir $T/db
interval 5
local_node no
listen 127.0.0.1:0
state_dir $T/state
graph_cache $T/graphs
[test;node.test]
    address 127.0.0.1
    port $PORT
    use_node_name no
    load.load.warning 7
[virtual.example;alias.test]
    address munin://127.0.0.1:$PORT
CONF

# poll OUT: one "drover poll" of node.test into OUT; its summary in $summary
poll() {
	"$DROVER" poll -c "$T/drover.conf" node.test >"$1" 2>&1 ||
		fail "drover poll failed: $(cat "$1")"
	summary=$(tail -1 "$1")
}

# First poll on an empty state: diskstats stores its counters and prints
# nothing (it needs two samples for a rate).  munin-update takes such an
# answer as no values, not as an error (Munin::Master::Node
# parse_service_data returns no data, UpdateWorker stores nothing), and
# so does drover: no plugin error, diskstats' services are there from its
# config, and none of their fields has a value.
poll "$T/poll1.out"
sed 's/^/# /' "$T/poll1.out" | tail -3
echo "$summary" | grep -qE '^# node.test: ok; 5 plugins, 0 plugin errors' ||
	fail "first poll on an empty plugin state: $summary"
# "NAME  VALUE  TYPE  LABEL" lines under each diskstats service
awk '/^[^ ]/ { in_ds = ($1 ~ /^diskstats/) } in_ds && /^  / { print $2 }' \
	"$T/poll1.out" >"$T/ds1.values"
[ -s "$T/ds1.values" ] || fail "no diskstats fields on the first poll: $(cat "$T/poll1.out")"
[ -z "$(grep -vx -- - "$T/ds1.values")" ] ||
	fail "diskstats had values on its first fetch: $(sort -u "$T/ds1.values" | head)"
SF="$STATE/nobody/diskstats-127.0.0.1"
[ -s "$SF" ] || fail "diskstats kept no state in the private dir: $(ls -AR "$STATE")"
# diskstats divides by the seconds since its stored sample: a second fetch
# within the same second dies of a division by zero.
t1=$(stat -c %Y "$SF")
wait_until 10 sh -c '[ "$(date +%s)" -gt "$1" ]' sh "$t1" || fail "the clock stands still"

poll "$T/poll.out"
sed 's/^/# /' "$T/poll.out" | head -40
grep -qE '^load  \(Load average\)' "$T/poll.out" || fail "no load service"
grep -qE '^  load +[0-9.]+ +GAUGE +load' "$T/poll.out" || fail "no load value"
grep -qE '^diskstats_latency\.' "$T/poll.out" || fail "multigraph children missing"
grep -qE '^if_lo' "$T/poll.out" || fail "if_lo missing"
echo "$summary" | grep -qE '^# node.test: ok; 5 plugins, 0 plugin errors' ||
	fail "unexpected summary: $summary"

start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
wait_log "$T/drover.log" 'web: dashboard on http://127.0.0.1:[0-9]*/' 30 ||
	fail "no dashboard: $(cat "$T/drover.log")"
WEB=$(grep -o 'dashboard on http://127.0.0.1:[0-9]*' "$T/drover.log" | grep -o '[0-9]*$')

# last_update HOST SERVICE: the time of the service's newest values in
# drover's catalog (what went to the writer), 0 before the first poll.
last_update() {
	local j
	j=$(curl -sf "http://127.0.0.1:$WEB/api/v1/hosts/$1/$2") || { echo 0; return; }
	echo "$j" | $PY -c 'import json,sys; print(json.load(sys.stdin)["last_update"])'
}
newer() { [ "$(last_update "$1" "$2")" -gt "$3" ]; }
# two polls: the first creates the files, the second (5 s later) updates
wait_until 60 newer node.test load 0 || fail "no first poll: $(tail "$T/drover.log")"
u1=$(last_update node.test load)
wait_until 60 newer node.test load "$u1" || fail "no second poll after $u1: $(tail "$T/drover.log")"
wait_until 60 newer node.test cpu "$u1" || fail "cpu not updated after $u1"
wait_until 60 newer alias.test load "$u1" || fail "alias.test not updated after $u1"
u2=$(last_update node.test load)
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
sed 's/^/# /' "$T/drover.log"

for f in test/node.test-load-load-g.rrd test/node.test-cpu-user-d.rrd \
	test/node.test-memory-apps-g.rrd test/node.test-if_lo-down-d.rrd \
	virtual.example/alias.test-load-load-g.rrd; do
	[ -f "$T/db/$f" ] || fail "missing $f: $(ls "$T/db"/*)"
done
ls "$T/db/test" >"$T/ls.out" || fail "ls $T/db/test"
grep -q '^node\.test-diskstats_latency-[a-z0-9]*-' "$T/ls.out" ||
	fail "no multigraph child RRD (diskstats_latency-DEV-...)"
# the second poll's values landed: last_update moved past the first's
for f in test/node.test-load-load-g.rrd test/node.test-cpu-user-d.rrd \
	virtual.example/alias.test-load-load-g.rrd; do
	lu=$(rrdtool last "$T/db/$f") || fail "rrdtool last $f"
	[ "$lu" -ge "$u2" ] && [ "$lu" -gt "$u1" ] ||
		fail "$f: last_update $lu, want >= $u2 (first poll $u1)"
done
info=$(rrdtool info "$T/db/test/node.test-cpu-user-d.rrd") || fail "rrdtool info"
echo "$info" | grep -q '^step = 300$' || fail "step is not 300"
echo "$info" | grep -q '^ds\[42\].type = "DERIVE"$' || fail "DS 42 not DERIVE"
echo "$info" | grep -q '^ds\[42\].minimal_heartbeat = 600$' || fail "heartbeat"
echo "$info" | grep -q '^ds\[42\].min = 0' || fail "cpu.user min 0 not applied"
[ "$(echo "$info" | grep -c '^rra\[[0-9]*\].cf')" -eq 12 ] || fail "not 12 RRAs"
w=$(warnings "$T/drover.log")
[ -z "$w" ] || fail "warnings: $w"
echo "PASS: real munin-node polled, Munin-layout RRDs written and updated"
