#!/bin/bash
# drover against the real munin-node 2.0.73: "drover poll" reads every
# plugin (including the diskstats multigraph), and "drover run" writes RRD
# files with Munin's names and schema.  One host lists by its config name
# (use_node_name no), the other by the name the node announces.
. "$top_srcdir/tests/lib/common.sh"

[ -x /usr/sbin/munin-node ] || skip "munin-node is not installed"
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

"$DROVER" poll -c "$T/drover.conf" node.test >"$T/poll.out" 2>&1 ||
	fail "drover poll failed: $(cat "$T/poll.out")"
sed 's/^/# /' "$T/poll.out" | head -40
grep -qE '^load  \(Load average\)' "$T/poll.out" || fail "no load service"
grep -qE '^  load +[0-9.]+ +GAUGE +load' "$T/poll.out" || fail "no load value"
grep -qE '^diskstats_latency\.' "$T/poll.out" || fail "multigraph children missing"
grep -qE '^if_lo' "$T/poll.out" || fail "if_lo missing"
grep -qE '# node.test: ok; 5 plugins, 0 plugin errors' "$T/poll.out" ||
	fail "unexpected summary: $(tail -1 "$T/poll.out")"

start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
# two polls: the first creates the files, the second (5 s later) updates
for i in $(seq 150); do
	[ -f "$T/db/test/node.test-load-load-g.rrd" ] && break
	sleep 0.1
done
sleep 6
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
sed 's/^/# /' "$T/drover.log"

for f in test/node.test-load-load-g.rrd test/node.test-cpu-user-d.rrd \
	test/node.test-memory-apps-g.rrd test/node.test-if_lo-down-d.rrd \
	virtual.example/alias.test-load-load-g.rrd; do
	[ -f "$T/db/$f" ] || fail "missing $f: $(ls "$T/db"/*)"
done
ls "$T/db/test" | grep -q '^node\.test-diskstats_latency-[a-z0-9]*-' ||
	fail "no multigraph child RRD (diskstats_latency-DEV-...)"
info=$(rrdtool info "$T/db/test/node.test-cpu-user-d.rrd")
echo "$info" | grep -q '^step = 300$' || fail "step is not 300"
echo "$info" | grep -q '^ds\[42\].type = "DERIVE"$' || fail "DS 42 not DERIVE"
echo "$info" | grep -q '^ds\[42\].minimal_heartbeat = 600$' || fail "heartbeat"
echo "$info" | grep -q '^ds\[42\].min = 0' || fail "cpu.user min 0 not applied"
[ "$(echo "$info" | grep -c '^rra\[[0-9]*\].cf')" -eq 12 ] || fail "not 12 RRAs"
warnings "$T/drover.log" | grep -q . && fail "warnings: $(warnings "$T/drover.log")"
echo "PASS: real munin-node polled, Munin-layout RRDs written"
