#!/bin/bash
# A restart keeps the dashboard: drover polls a node (a field CRITICAL by
# a munin.conf override), is stopped, the node is stopped too, and drover
# starts again.  With the node gone no poll can bring anything, yet at
# once: the service's API answers with the old values, marked restored
# with their age; its graph PNG answers 200; /api/v1/alerts lists the open
# problem in the state the alert engine restored; `drover check` answers
# CRITICAL with the value and says it is restored, and UNKNOWN (stale)
# when the value is older than --max-age.  Then a corrupt state file is
# logged and ignored: drover starts, empty.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
set -o pipefail

need curl curl
# interval 20: the first poll comes within 20 s, and the alert engine
# calls a field stale only after 40 s without data, far beyond the
# checks below
cat >"$T/spec.json" <<'JSON'
[{"name": "web1", "physical": "web1", "mode": "normal", "plugins": 2, "fields": 2}]
JSON
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T"
FAKE=$LAST_PID
wait_for_file "$T/ports.json" 30 || fail "fake node did not start: $(cat "$T/fake.log")"
NODE_PORT=$(json_get "$T/ports.json" 'j["web1"]')
cat >"$T/drover.conf" <<CONF
dbdir $T/db
interval 20
alert_attempts 1
local_node no
listen 127.0.0.1:0
state_dir $T/state
graph_cache $T/graphs
[grp;web1]
    address 127.0.0.1
    port $NODE_PORT
    p00.f1.critical 0:1
CONF

# get URL FILE: GET into FILE, prints the HTTP status
get() {
	curl -s -o "$2" -w '%{http_code}' "$1"
}
# p00_state PORT STATE: p00's service state is STATE
p00_state() {
	[ "$(get "http://127.0.0.1:$1/api/v1/hosts/web1/p00" "$T/p00.json")" = 200 ] &&
		[ "$(json_get "$T/p00.json" 'j["state"]')" = "$2" ]
}

start_bg "$T/run1.log" "$DROVER" run -c "$T/drover.conf"
D1=$LAST_PID
PORT=$(dashboard_port "$T/run1.log") || fail "no dashboard: $(cat "$T/run1.log")"
wait_until 90 p00_state "$PORT" CRITICAL ||
	fail "p00 never CRITICAL: $(cat "$T/p00.json" "$T/run1.log")"
[ "$(get "http://127.0.0.1:$PORT/web1/p00-day.png" "$T/g1.png")" = 200 ] ||
	fail "graph before the restart"
stop_pid "$D1" || fail "drover run exited $?: $(cat "$T/run1.log")"
STOPPED=$(date +%s)
stop_pid "$FAKE" || fail "fake node exited $?"
[ -s "$T/state/catalog.json" ] || fail "no state file after the stop: $(cat "$T/run1.log")"
[ ! -e "$T/state/catalog.json.tmp" ] || fail "a .tmp left behind"
LAST=$(json_get "$T/p00.json" 'j["last_update"]')

# the node is gone: everything below comes from the state files
start_bg "$T/run2.log" "$DROVER" run -c "$T/drover.conf"
D2=$LAST_PID
PORT=$(dashboard_port "$T/run2.log") || fail "no dashboard: $(cat "$T/run2.log")"

[ "$(get "http://127.0.0.1:$PORT/api/v1/hosts/web1/p00" "$T/r.json")" = 200 ] ||
	fail "service API after the restart: $(cat "$T/r.json")"
note "$(cat "$T/r.json")"
$PY - "$T/r.json" "$LAST" "$STOPPED" <<'PY' || fail "restored service: $(cat "$T/r.json")"
import json, sys, time
j = json.load(open(sys.argv[1]))
last, stopped = int(sys.argv[2]), int(sys.argv[3])
vals = {f["name"]: f["value"] for f in j["fields"]}
assert vals == {"f0": 0.5, "f1": 1.5}, vals
assert j["restored"] is True
# the saved time, never now: a poll after our last look may have moved it
assert last <= j["last_update"] <= stopped, (last, j["last_update"], stopped)
assert j["age"] >= 0 and j["age"] >= int(time.time()) - j["last_update"] - 1, j["age"]
assert j["state"] == "CRITICAL"
f1 = [f for f in j["fields"] if f["name"] == "f1"][0]
assert f1["state"] == "CRITICAL" and f1["config"]["alert_state"] == "CRITICAL"
PY
[ "$(get "http://127.0.0.1:$PORT/api/v1/hosts/web1" "$T/h.json")" = 200 ] ||
	fail "host API after the restart"
$PY - "$T/h.json" <<'PY' || fail "restored host: $(cat "$T/h.json")"
import json, sys
j = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in j["services"]}
assert s["p00"]["restored"] is True and s["p01"]["restored"] is True
assert s["p00"]["age"] >= 0
# restored until its first poll, which fails now that the node is gone
assert j.get("restored") is True or j["poll_state"] == "down", j
PY
[ "$(get "http://127.0.0.1:$PORT/web1/p00-day.png" "$T/g2.png")" = 200 ] ||
	fail "graph after the restart: $(cat "$T/g2.png")"
[ "$(head -c 4 "$T/g2.png" | od -An -c | tr -d ' ')" = "211PNG" ] || fail "not a PNG"
[ "$(get "http://127.0.0.1:$PORT/web1/p00/" "$T/p.html")" = 200 ] ||
	fail "service page after the restart"
grep -q "values saved before the restart, last updated" "$T/p.html" ||
	fail "service page does not say it is restored"

[ "$(get "http://127.0.0.1:$PORT/api/v1/alerts" "$T/a.json")" = 200 ] || fail "/api/v1/alerts"
$PY - "$T/a.json" <<'PY' || fail "problem not listed after the restart: $(cat "$T/a.json")"
import json, sys
p = json.load(open(sys.argv[1]))["problems"]
assert any(x.get("service") == "p00" and x.get("field") == "f1" and
           x["state"] == "CRITICAL" and x["value"] == 1.5 for x in p), p
PY

OUT=$("$DROVER" check --url "http://127.0.0.1:$PORT" --max-age 3600 web1 p00)
RC=$?
note "$OUT"
[ "$RC" = 2 ] || fail "check after the restart not CRITICAL ($RC): $OUT"
[[ "$OUT" == "DROVER CRITICAL - web1 p00: field 1 1.50 units (critical above 1.00) (saved before a drover restart, "*" s old) |"* ]] ||
	fail "check line: $OUT"
# older than --max-age: stale, never fresh (the value is at least 1 s old
# once a second has passed since the stop)
wait_until 30 test "$(date +%s)" -gt "$STOPPED"
OUT=$("$DROVER" check --url "http://127.0.0.1:$PORT" --max-age 0 web1 p00)
[ $? = 2 ] || fail "--max-age 0 (no limit) not CRITICAL: $OUT"
stale() {
	OUT=$("$DROVER" check --url "http://127.0.0.1:$PORT" --max-age 1 web1 p00)
	RC=$?
	[[ "$OUT" == *" s old (more than 1 s)" ]]
}
wait_until 30 stale || fail "restored value older than --max-age not stale: $OUT"
[ "$RC" = 3 ] || fail "stale not UNKNOWN ($RC): $OUT"
grep -q "catalog: restored 1 hosts\|catalog: restored 2 hosts" "$T/run2.log" ||
	fail "no restore logged: $(cat "$T/run2.log")"
stop_pid "$D2" || fail "second drover run exited $?: $(cat "$T/run2.log")"

# a corrupt state file is logged and ignored: drover starts, empty
head -c 100 "$T/state/catalog.json" >"$T/cut" && mv "$T/cut" "$T/state/catalog.json"
start_bg "$T/run3.log" "$DROVER" run -c "$T/drover.conf"
D3=$LAST_PID
PORT=$(dashboard_port "$T/run3.log") || fail "corrupt state file was fatal: $(cat "$T/run3.log")"
grep -q "catalog: $T/state/catalog.json: .*; starting empty" "$T/run3.log" ||
	fail "corrupt state file not logged: $(cat "$T/run3.log")"
[ "$(get "http://127.0.0.1:$PORT/api/v1/hosts/web1/p00" "$T/e.json")" = 404 ] ||
	fail "a service from a corrupt file: $(cat "$T/e.json")"
stop_pid "$D3" || fail "third drover run exited $?: $(cat "$T/run3.log")"
echo "PASS"
