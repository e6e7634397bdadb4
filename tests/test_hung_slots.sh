#!/bin/bash
# More targets due than max_concurrency allows while every slot hangs:
# six nodes that accept and never answer, four good ones, max_concurrency
# 2, a 1 s interval and a 2 s idle timeout, so both slots are held by
# silent nodes while the good ones fall due.  Once the fake nodes have
# seen both slots hung at once:
#  - the loop stays responsive: /health answers (at all; no latency
#    is asserted, the deadline only bounds a hang);
#  - polls resume as slots free: the idle timeouts end the hung polls
#    (drover counts them), every hung node is connected to again after
#    its backoff, and every good node is polled again, counted at the
#    nodes;
#  - SIGTERM with hung polls in flight stops drover, exit status 0.
# Before the fix, a due target at the cap armed a 0 ms timer that re-armed
# itself inside libuv's timer phase: no I/O ran again, /health never
# answered and SIGTERM was ignored.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
set -o pipefail

need curl curl
HUNG="h0 h1 h2 h3 h4 h5"
GOOD="n0 n1 n2 n3"
$PY - "$T/spec.json" <<'PY'
import json, sys
spec = [{"name": "h%d" % i, "physical": "hvh%d" % i, "mode": "hang"}
        for i in range(6)]
spec += [{"name": "n%d" % i, "physical": "hvn%d" % i, "mode": "normal",
          "plugins": 1, "fields": 1} for i in range(4)]
json.dump(spec, open(sys.argv[1], "w"))
PY
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T" --live
FAKE=$LAST_PID
wait_for_file "$T/ports.json" 30 || fail "fake nodes did not start: $(cat "$T/fake.log")"
{
	echo "dbdir $T/db"
	echo "interval 1"
	echo "max_concurrency 2"
	echo "physical_concurrency 2"
	echo "connect_timeout 1"
	echo "idle_timeout 2"
	echo "timeout 3"
	echo "local_node no"
	echo "listen 127.0.0.1:0"
	echo "state_dir $T/state"
	echo "graph_cache $T/graphs"
	$PY - "$T/ports.json" "$T/spec.json" <<'PY'
import json, sys
ports = json.load(open(sys.argv[1]))
for n in json.load(open(sys.argv[2])):
    print("[hung;%s]\n    address 127.0.0.1\n    port %d\n    physical %s"
          % (n["name"], ports[n["name"]], n["physical"]))
PY
} >"$T/drover.conf"

start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"

# stat EXPR: a Python expression over the fake nodes' live counts (j)
stat() { json_get "$T/stats.json" "$1" 2>/dev/null; }
stat_true() { [ "$(stat "$1")" = True ]; }

# both slots held by silent nodes at once, with good nodes due meanwhile
wait_until 120 stat_true 'j["peak_hang"] >= 2' ||
	fail "both slots never hung at once: $(cat "$T/stats.json")"
before=$(stat 'json.dumps(j["done"])')
note "both slots hung; polls ended so far: $before"

# the loop still serves the dashboard (a livelocked loop never answers)
curl -sf --max-time 60 -o "$T/health" "http://127.0.0.1:$PORT/health" ||
	fail "/health did not answer while every slot hung"
grep -q '<th>polls done</th>' "$T/health" || fail "/health page: $(head -c 300 "$T/health")"

# polls resume: the hung polls time out, the hung nodes are tried again,
# and every good node is polled again after the snapshot above
resumed() {
	$PY - "$T/stats.json" "$before" $GOOD <<'PY' 2>/dev/null
import json, sys
st = json.load(open(sys.argv[1])); before = json.loads(sys.argv[2])
done = st["done"]
ok = all(len(st["connections"].get("h%d" % i, [])) >= 2 for i in range(6))
ok = ok and all(done.get(n, 0) > before.get(n, 0) for n in sys.argv[3:])
sys.exit(0 if ok else 1)
PY
}
wait_until 120 resumed || fail "polls did not resume: before $before, now $(cat "$T/stats.json")"
wait_until 60 health_at_least "$PORT" "timed out" 6 ||
	fail "drover counted $(health_num "$PORT" "timed out") timeouts, want 6 or more"
note "resumed: polls ended $(stat 'json.dumps(j["done"])')"

# SIGTERM while polls hang: a clean exit, bounded (a livelocked loop
# never exits: the deadline only bounds that hang)
wait_until 120 stat_true 'j["hang_now"] >= 1' || fail "no hung poll to stop: $(cat "$T/stats.json")"
kill -TERM "$DPID"
wait_until 60 eval '! kill -0 "$DPID" 2>/dev/null' || fail "drover ignored SIGTERM: $(tail -5 "$T/drover.log")"
wait "$DPID" || fail "drover exited with status $?: $(tail -5 "$T/drover.log")"
stop_pid "$FAKE" || fail "fake nodes failed: $(cat "$T/fake.log")"
if warnings "$T/drover.log" | grep -v ': no answer for ' | grep -q .; then
	fail "unexpected warnings: $(warnings "$T/drover.log" | grep -v ': no answer for ' | head -3)"
fi
echo "PASS: hung slots: the loop answers, polls resume, SIGTERM stops drover"
