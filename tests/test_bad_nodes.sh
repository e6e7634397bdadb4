#!/bin/bash
# Nodes that hang, send garbage, close mid-answer, answer byte by byte,
# send an endless line, or refuse connections: each is timed out or
# bounded and logged once, and the good node next to them (sharing their
# physical host budget) keeps its schedule.
. "$top_srcdir/tests/lib/common.sh"

INTERVAL=8
RUN=30
REFUSED=$(free_port 127.0.0.1)
cat >"$T/spec.json" <<'JSON'
[
 {"name": "good", "physical": "hv", "mode": "normal", "plugins": 4, "delay_ms": 5, "dirty": true},
 {"name": "hang", "physical": "hv", "mode": "hang"},
 {"name": "garbage", "physical": "hv", "mode": "garbage"},
 {"name": "garbagemid", "physical": "hv2", "mode": "garbage_mid", "plugins": 2},
 {"name": "halfclose", "physical": "hv2", "mode": "halfclose", "plugins": 2},
 {"name": "slow", "physical": "hv2", "mode": "slow", "plugins": 1, "fields": 1, "delay_ms": 2},
 {"name": "endless", "physical": "hv2", "mode": "endless", "plugins": 1}
]
JSON
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T"
FAKE=$LAST_PID
wait_for_file "$T/ports.json" 10 || fail "fake nodes did not start"
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
sleep $RUN
kill -0 "$DPID" 2>/dev/null || fail "drover died: $(tail "$T/drover.log")"
stop_pid "$DPID" || fail "drover exited with an error"
stop_pid "$FAKE"
cat "$T/drover.log" | sed 's/^/# /'

# the good node: polled every interval despite sharing hv with two bad nodes
$PY - "$T/stats.json" "$INTERVAL" "$RUN" <<'PY' || exit 1
import json, sys
st = json.load(open(sys.argv[1])); interval = float(sys.argv[2]); run = float(sys.argv[3])
g = sorted(st["connections"]["good"])
gaps = [b - a for a, b in zip(g, g[1:])]
print("# good: %d polls, gaps %s" % (len(g), ["%.1f" % x for x in gaps]))
if len(g) < int(run / interval) - 1 or (gaps and max(gaps) > interval + 5.5):
    print("FAIL: the good node lost its schedule"); sys.exit(1)
# dirtyconfig: the first poll took the values from "config dirty" and did
# not fetch; later polls (config cached) fetch it
dirty = st["fetches_by_plugin"]["good"].get("dirty", 0)
if dirty != len(g) - 1:
    print("FAIL: dirty plugin fetched %d times in %d polls" % (dirty, len(g))); sys.exit(1)
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
