#!/bin/bash
# Nodes that hang, send garbage, close mid-answer, answer byte by byte,
# send an endless line, or refuse connections: each is timed out or
# bounded and logged once, and the good node next to them (sharing their
# physical host budget) keeps its schedule: it is polled as often as a
# reference node alone on its own physical host (same interval, so the
# same number of slots), every poll complete.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"

INTERVAL=8
POLLS=4   # polls of the good and the reference node before the stop
REFUSED=$(free_port 127.0.0.1)
cat >"$T/spec.json" <<'JSON'
[
 {"name": "good", "physical": "hv", "mode": "normal", "plugins": 4, "delay_ms": 5, "dirty": true},
 {"name": "ref", "physical": "hv3", "mode": "normal", "plugins": 4, "delay_ms": 5},
 {"name": "hang", "physical": "hv", "mode": "hang"},
 {"name": "garbage", "physical": "hv", "mode": "garbage"},
 {"name": "garbagemid", "physical": "hv2", "mode": "garbage_mid", "plugins": 2},
 {"name": "halfclose", "physical": "hv2", "mode": "halfclose", "plugins": 2},
 {"name": "slow", "physical": "hv2", "mode": "slow", "plugins": 1, "fields": 1, "delay_ms": 2},
 {"name": "endless", "physical": "hv2", "mode": "endless", "plugins": 1}
]
JSON
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T" --live
FAKE=$LAST_PID
wait_for_file "$T/ports.json" 30 || fail "fake nodes did not start"
{
	echo "dbdir $T/db"
	echo "interval $INTERVAL"
	echo "physical_concurrency 1"
	echo "timeout 5"
	echo "idle_timeout 2"
	echo "connect_timeout 2"
	echo "local_node no"
	echo "listen 127.0.0.1:0"
	echo "state_dir $T/state"
	echo "graph_cache $T/graphs"
	$PY - "$T/ports.json" "$T/spec.json" <<'PY'
import json, sys
ports = json.load(open(sys.argv[1]))
for n in json.load(open(sys.argv[2])):
    print("[bad;%s]\n address 127.0.0.1\n port %d\n physical %s"
          % (n["name"], ports[n["name"]], n["physical"]))
PY
	echo "[bad;refused]"
	echo " address 127.0.0.1"
	echo " port $REFUSED"
	echo " physical hv"
	echo "[bad;nxdomain]"
	echo " address no-such-host.invalid"
	echo " physical hv2"
} >"$T/drover.conf"

start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
# wait (the deadlines only bound a hang) for POLLS polls of the good and
# the reference node, counted at the nodes, and for every bad host's report
wait_until 180 fake_done "$T/stats.json" $POLLS good ref ||
	fail "good/ref not polled $POLLS times: $(cat "$T/stats.json")"
for h in hang garbage refused nxdomain halfclose endless garbagemid; do
	wait_log "$T/drover.log" "poll: $h: " 60 || fail "$h never reported: $(cat "$T/drover.log")"
done
kill -0 "$DPID" 2>/dev/null || fail "drover died: $(tail "$T/drover.log")"
stop_pid "$DPID" || fail "drover exited with an error"
stop_pid "$FAKE" || fail "fake nodes failed: $(cat "$T/fake.log")"
cat "$T/drover.log" | sed 's/^/# /'

# the good node: polled in every slot despite sharing hv with bad nodes,
# i.e. as often as the reference node (give or take the poll in progress
# at the stop; a missed slot puts it two behind), every poll complete
$PY - "$T/stats.json" "$POLLS" <<'PY' || exit 1
import json, sys
st = json.load(open(sys.argv[1])); want = int(sys.argv[2])
g = len(st["connections"]["good"]); ref = len(st["connections"]["ref"])
done = st["done"]["good"]
print("# good: %d polls (%d ended), ref: %d polls" % (g, done, ref))
if g < want or abs(g - ref) > 1:
    print("FAIL: the good node lost its schedule (%d polls, reference %d)" % (g, ref)); sys.exit(1)
# every ended poll fetched its 4 plugins, plus the dirty one after the first
# (the last may have been cut short by the stop)
f = st["fetches"].get("good", 0)
if not 4 * done + (done - 1) <= f <= 4 * g + (g - 1):
    print("FAIL: good: %d fetches for %d polls (%d ended)" % (f, g, done)); sys.exit(1)
# dirtyconfig: the first poll took the values from "config dirty" and did
# not fetch; later polls (config cached) fetch it
dirty = st["fetches_by_plugin"]["good"].get("dirty", 0)
if not done - 1 <= dirty <= g - 1:
    print("FAIL: dirty plugin fetched %d times in %d polls" % (dirty, g)); sys.exit(1)
PY

# each bad host is reported with a specific reason, and only once
check() { # HOST PATTERN
	local n
	n=$(grep -c "poll: $1: " "$T/drover.log")
	[ "$n" -eq 1 ] || fail "$1 logged $n times (want 1)"
	grep "poll: $1: " "$T/drover.log" | grep -qE "$2" ||
		fail "$1: unexpected reason: $(grep "poll: $1: " "$T/drover.log")"
}
check hang "no answer for 2.0 s while reading the banner"
check garbage "not a munin node"
check refused "connect to 127.0.0.1 port $REFUSED: connection refused"
check nxdomain "cannot resolve no-such-host.invalid"
check halfclose "closed the connection while fetching"
check endless "line longer than"
check garbagemid "no answer for 2.0 s while fetching"
grep -q "poll: good: " "$T/drover.log" && fail "good node logged a problem"

# values received before a failure are kept (halfclose sent f0 first)
[ -f "$T/db/bad/halfclose-p00-f0-g.rrd" ] || fail "halfclose's early value was lost"
[ -f "$T/db/bad/good-p03-f1-g.rrd" ] || fail "good node not stored"
[ -f "$T/db/bad/good-dirty-d-g.rrd" ] || fail "dirtyconfig values not stored"
# byte-by-byte is slow but inside the deadline: its values arrive
[ -f "$T/db/bad/slow-p00-f0-g.rrd" ] || fail "slow node's values lost"
echo "PASS: bad nodes bounded, good node on schedule"
