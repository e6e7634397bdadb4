#!/bin/bash
# The time-to-cut-off forecast end to end: a fake munin-node serves a
# battery bank (bank_test, graph_category power) draining 0.05 V per
# poll from 12.6 V, polled every 2 s; drover adds cutoff_minutes and
# trend to it; the forecast pages WARNING and CRITICAL (at the project's
# webhook sink) before the voltage itself crosses its critical 11.5 V;
# the JSON API and the service page say when the bank reaches 11.5 V;
# the fields get RRD files; and when the charger comes on (a step up,
# then rising) the forecast recovers, never having been UNKNOWN.  At 2 s
# a poll the default minutes (180, 60) are far too long for a test, so
# the thresholds are field overrides of fractions of a minute (which
# also shows the overrides reach the added fields); the defaults are
# tested in tests/test_forecast.c.  The forecast's lead over the voltage
# page is printed, not asserted.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail
need curl curl
need rrdtool rrdtool

# 12.6 .. 11.40 V (25 polls), then the charger: 13.2 V rising
VOLTS=$($PY -c 'print(",".join(["%.2f" % (12.6 - 0.05 * i) for i in range(25)] + ["%.2f" % (13.2 + 0.02 * i) for i in range(8)]))')
cat >"$T/spec.json" <<JSON
[{"name": "bank1", "mode": "normal", "plugins": 0,
  "bank": {"name": "bank_test", "voltages": [$VOLTS]}}]
JSON
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T" --live
FAKE=$LAST_PID
wait_for_file "$T/ports.json" 30 || fail "fake node did not start: $(cat "$T/fake.log")"
NPORT=$(json_get "$T/ports.json" 'j["bank1"]')
start_bg "$T/hook.log" $PY "$top_srcdir/tests/lib/webhook_sink.py" 0 "$T/hooks.jsonl"
HOOK=$LAST_PID
wait_for_file "$T/hook.log" 30 || fail "webhook sink did not start"
HPORT=$(head -1 "$T/hook.log")

# 1.5 V a minute: the forecast warns below 0.5 min (about 12.25 V) and
# is critical below 0.2 min (about 11.8 V), both before 11.5 V
cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
listen 127.0.0.1:0
local_node no
interval 2
notify_group_window 0
contact.oncall.webhook http://127.0.0.1:$HPORT/page
[power;bank1]
    address 127.0.0.1
    port $NPORT
    bank_test.cutoff_minutes.warning 0.5:
    bank_test.cutoff_minutes.critical 0.2:
CONF
"$DROVER" config -c "$T/drover.conf" >"$T/config.out" 2>&1 ||
	fail "config refused: $(cat "$T/config.out")"
grep -q '^cutoff_window 1800$' "$T/config.out" || fail "no cutoff_window in: $(cat "$T/config.out")"
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
dashboard() { URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/drover.log" | head -1); [ -n "$URL" ]; }
wait_until 30 dashboard || fail "no dashboard: $(cat "$T/drover.log")"

# page FIELD STATE: the sink got a page of bank_test's FIELD at STATE;
# prints its arrival time (epoch s) and the page's value
page() {
	$PY - "$T/hooks.jsonl" "$1" "$2" <<'PY'
import json, sys
try:
    rows = [json.loads(l) for l in open(sys.argv[1])]
except FileNotFoundError:
    sys.exit(1)
for r in rows:
    b = json.loads(r["body"])
    for it in b.get("items") or [b]:
        if it.get("service") == "bank_test" and it.get("field") == sys.argv[2] \
                and it.get("state") == sys.argv[3]:
            print(r["t"], it.get("value"))
            sys.exit(0)
sys.exit(1)
PY
}
api() { curl -sf "$URL/api/v1/hosts/bank1/bank_test" >"$T/svc.json"; }
# api_has EXPR: the service's JSON satisfies the Python expression EXPR
# (f: its fields by name)
api_has() {
	api || return 1
	$PY - "$T/svc.json" "$1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
f = {x["name"]: x for x in j["fields"]}
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

# the forecast appears once four samples are in, with a number and words
wait_until 60 api_has '"cutoff_minutes" in f and f["cutoff_minutes"]["value"] is not None' ||
	fail "no cutoff_minutes value: $(cat "$T/svc.json"; tail -5 "$T/drover.log")"
api_has 'f["cutoff_minutes"]["forecast"].startswith("reaches 11.5 V in ")' ||
	fail "no forecast text: $(cat "$T/svc.json")"
api_has 'f["trend"]["value"] < -60 and f["trend"]["config"]["trend_unit"] == "V/h"' ||
	fail "trend not about -90 V/h: $(cat "$T/svc.json")"
api_has 'f["cutoff_minutes"]["config"]["cutoff"] == "11.5" and f["cutoff_minutes"]["config"]["warning"] == "0.5:"' ||
	fail "cut-off level or override: $(cat "$T/svc.json")"
curl -sf "$URL/bank1/bank_test/" >"$T/page.html" || fail "no service page"
grep -q '<p class=forecast>time to cut-off: reaches 11.5 V in ' "$T/page.html" ||
	fail "service page lacks the forecast: $(grep -i forecast "$T/page.html")"

wait_until 120 page voltage CRITICAL >/dev/null ||
	fail "the voltage never paged CRITICAL: $(cat "$T/hooks.jsonl"; tail -20 "$T/drover.log")"
W=$(page cutoff_minutes WARNING) || fail "no forecast WARNING page: $(cat "$T/hooks.jsonl")"
C=$(page cutoff_minutes CRITICAL) || fail "no forecast CRITICAL page: $(cat "$T/hooks.jsonl")"
V=$(page voltage CRITICAL)
W=${W%% *}; C=${C%% *}; V=${V%% *}
$PY -c "import sys; sys.exit(0 if $W < $C < $V else 1)" ||
	fail "pages out of order: forecast WARNING $W, CRITICAL $C, voltage CRITICAL $V"
$PY -c "print('# forecast WARNING %.1f s and CRITICAL %.1f s before the voltage CRITICAL page' % ($V - $W, $V - $C))"

# the charger: a step up, then rising; the forecast recovers
wait_until 120 page cutoff_minutes OK >/dev/null ||
	fail "the forecast did not recover: $(cat "$T/hooks.jsonl"; cat "$T/svc.json")"
wait_until 30 api_has 'f["cutoff_minutes"]["value"] is None and f["cutoff_minutes"]["state"] == "OK" and f["cutoff_minutes"]["forecast"] == "no cut-off ahead" and f["trend"]["value"] > 0' ||
	fail "charging bank not shown as no cut-off: $(cat "$T/svc.json")"
page cutoff_minutes UNKNOWN && fail "the forecast went UNKNOWN: $(cat "$T/hooks.jsonl")"
grep -q 'bank_test time to cut-off is UNKNOWN' "$T/drover.log" &&
	fail "the forecast went UNKNOWN: $(grep alerts: "$T/drover.log")"

# RRD files like any field's, with Munin's names
for f in cutoff_minutes trend voltage; do
	R="$T/db/power/bank1-bank_test-$f-g.rrd"
	wait_until 30 test -f "$R" || fail "no $R: $(find "$T/db")"
	rrdtool info "$R" | grep -q '^ds\[42\]\.type = "GAUGE"' || fail "$R is not a GAUGE"
done

# graphed: the child bank_test.forecast (minutes beside volts would
# flatten the bank's own graph), its RRD file and a rendered PNG
R="$T/db/power/bank1-bank_test-forecast-minutes-g.rrd"
wait_until 30 test -f "$R" || fail "no $R: $(find "$T/db")"
curl -sf "$URL/api/v1/hosts/bank1/bank_test.forecast" >"$T/child.json" ||
	fail "no bank_test.forecast service"
json_get "$T/child.json" '[f["name"] for f in j["fields"]]' | grep -qx "\['minutes'\]" ||
	fail "bank_test.forecast fields: $(cat "$T/child.json")"
curl -sf -o "$T/forecast.png" "$URL/bank1/bank_test.forecast-day.png" ||
	fail "no forecast graph"
head -c 8 "$T/forecast.png" | od -An -c | grep -q 'P   N   G' || fail "the forecast graph is not a PNG"

stop_pid "$DPID" || fail "drover exited $?: $(tail -20 "$T/drover.log")"
W=$(warnings "$T/drover.log") && fail "warnings: $W"
stop_pid "$HOOK" || fail "webhook sink exited $?"
stop_pid "$FAKE" || fail "fake node exited $?: $(cat "$T/fake.log")"
note "forecast paged WARNING, CRITICAL before the voltage; recovered on charge"
exit 0
