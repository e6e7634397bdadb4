#!/bin/bash
# The power view end to end: `drover run` polls a munin-node (the fake
# node's bank_test, a bank of the bank schema with the forecast's fields)
# and a simulated BMC (ipmi_sim, whose 12 V rail is a real IPMI voltage
# sensor with thresholds).  /api/v1/power and the overview show the bank
# (voltage, charge, current, trend, "reaches 11.5 V in about 2 h 10 min")
# and the rail with its threshold state; then the charger comes back (the
# bank charges, the forecast has no cut-off, the arrow comes from the last
# two voltages) and the rail sags below lower-non-critical, and both show
# it.  In headless Chromium the overview's power section renders and its
# bank and rail links lead to the service pages, whose graphs all decode.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
set -o pipefail
SIM="$top_srcdir/tests/lib/ipmi_sim.sh"
need ipmi_sim openipmi
need sdrcomp openipmi
need curl curl
need chromium chromium

PA=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CA=$(free_port 127.0.0.1)
mkdir -p "$T/bmc"
"$SIM" start "$T/bmc" "$PA" "$CA" >/dev/null || fail "ipmi_sim did not start"
BG_PIDS="$BG_PIDS $(cat "$T/bmc/ipmi_sim.pid")"
umask 077; echo secret >"$T/pw"; umask 022

# bank VOLTAGE SOC CURRENT TREND CUTOFF: what bank_test sends from now on
# (null: "U"), replaced whole
bank() {
	echo "{\"voltage\": $1, \"soc\": $2, \"current\": $3, \"trend\": $4, \"cutoff_minutes\": $5}" >"$T/bank.json.tmp" &&
		mv "$T/bank.json.tmp" "$T/bank.json"
}
bank 12.3 64 -4.5 -0.6 130
cat >"$T/spec.json" <<SPEC
[{"name": "solar1", "mode": "normal", "plugins": 1, "fields": 1,
  "bank_values": {}, "bank_file": "$T/bank.json"}]
SPEC
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T"
FPID=$LAST_PID
wait_for_file "$T/ports.json" 30 || fail "fake node did not start: $(cat "$T/fake.log")"
NP=$(json_get "$T/ports.json" 'j["solar1"]')

cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
listen 127.0.0.1:0
local_node no
interval 5
[site;solar1]
    address 127.0.0.1
    port $NP
    ipmi_address 127.0.0.1:$PA
    ipmi_user admin
    ipmi_password_file $T/pw
    ipmi_workarounds opensesspriv
    ipmi_interval 2
    ipmi_timeout 2
CONF
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"
URL=http://127.0.0.1:$PORT

# power EXPR: /api/v1/power (j; b: banks by service, r: rails by field;
# near(A, X): A is X but for rounding) makes the Python expression EXPR
# true; the document stays in $T/power.json
power() {
	curl -sf "$URL/api/v1/power" >"$T/power.json" 2>/dev/null &&
		$PY -c 'import json,sys
j = json.load(open(sys.argv[1]))
b = {x["service"]: x for x in j["banks"]}
near = lambda a, x: a is not None and abs(a - x) < 1e-6
r = {x["field"]: x for x in j["rails"]}
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/power.json" "$1" 2>/dev/null
}
# (the alert engine makes a state hard after two samples of a bank: its
# verdict is the state shown)
wait_until 60 power 'near(b.get("bank_test", {}).get("voltage"), 12.3) and near(r.get("_12V", {}).get("value"), 12) and b["bank_test"]["cutoff_minutes_state"] == "WARNING"' ||
	fail "no bank and rail in /api/v1/power: $(cat "$T/power.json"; tail -5 "$T/drover.log")"
# every field of the bank, as the overview shows it
want() { power "$1" || fail "/api/v1/power: not $1: $(cat "$T/power.json")"; }
want 'len(j["banks"]) == 1 and len(j["rails"]) == 1'
want 'b["bank_test"]["host"] == "solar1" and b["bank_test"]["title"] == "Test bank"'
want 'b["bank_test"]["url"] == "/solar1/bank_test/"'
want 'near(b["bank_test"]["soc"], 64) and near(b["bank_test"]["current"], -4.5)'
want 'b["bank_test"]["trend"] == "down" and b["bank_test"]["trend_source"] == "forecast"'
want 'near(b["bank_test"]["cutoff_minutes"], 130) and b["bank_test"]["cutoff_minutes_state"] == "WARNING"'
want 'b["bank_test"]["cutoff_text"] == "reaches 11.5 V in about 2 h 10 min"'
want 'b["bank_test"]["charging"] is False and b["bank_test"]["state"] == "WARNING"'
want 'b["bank_test"]["voltage_state"] == "OK" and near(b["bank_test"]["cutoff_level"], 11.5)'
want 'r["_12V"]["host"] == "solar1" and r["_12V"]["service"] == "ipmi_volts"'
want 'r["_12V"]["label"] == "12V (V)" and r["_12V"]["state"] == "OK"'
want 'r["_12V"]["warning"] == "11.5:12.5" and r["_12V"]["critical"] == "11:13"'
want 'r["_12V"]["url"] == "/solar1/ipmi_volts/"'

overview() { curl -sf "$URL/" >"$T/overview.html"; }
has() { grep -qF -- "$1" "$T/overview.html" || fail "overview lacks $1: $(cat "$T/overview.html")"; }
overview || fail "no overview"
has '<section class=power><h2>Power</h2>'
has '<a href="/solar1/bank_test/">Test bank</a> <span class=state>WARNING</span>'
has '<td class="num fs-OK" title="OK">12.30 V</td>'
has '<td class="num fs-OK" title="OK">64 %</td>'
has '<td class="num fs-OK" title="OK">-4.5 A</td>'
has 'title="down (forecast)">&darr;</span>'
has '<td class="cutoff fs-WARNING">reaches 11.5 V in about 2 h 10 min</td>'
has '<td class="st st-OK"><a href="/solar1/ipmi_volts/">12V (V)</a> <span class=state>OK</span>'
has '<td class="num fs-OK" title="OK">12.00 V</td><td>11.5:12.5</td><td>11:13</td>'
# the section comes before the host list
sed 's/<p>[0-9]* hosts<\/p>.*//' "$T/overview.html" | grep -q '<h2>Power</h2>' ||
	fail "the overview does not start with power"

# the charger returns, the rail sags below lower-non-critical
bank 12.9 70 6.2 null null
"$SIM" set12v "$T/bmc" 11300
wait_until 60 power 'near(b["bank_test"]["voltage"], 12.9) and r["_12V"]["state"] == "WARNING"' ||
	fail "charging bank and sagging rail not shown: $(cat "$T/power.json")"
want 'b["bank_test"]["charging"] is True and b["bank_test"]["cutoff_text"] == "charging"'
want 'b["bank_test"]["cutoff_minutes"] is None and near(b["bank_test"]["current"], 6.2)'
want 'b["bank_test"]["trend"] == "up" and b["bank_test"]["trend_source"] == "last two polls"'
want 'near(r["_12V"]["value"], 11.3)'
overview || fail "no overview"
has '<td class="cutoff fs-OK">charging</td>'
has 'title="up (last two polls)">&uarr;</span>'
has '<td class="st st-WARNING"><a href="/solar1/ipmi_volts/">12V (V)</a> <span class=state>WARNING</span>'
has '<td class="num fs-WARNING" title="WARNING">11.30 V</td>'

# in a real browser: the section renders, its links lead to the graphs
ART="$top_builddir/tests/artefacts/power"
rc=0
$PY "$top_srcdir/tests/lib/cdp.py" "$ART" --no-graphs "$URL/#power" \
	--no-graphs "$URL/#power-rail" >"$T/cdp.out" 2>&1 || rc=$?
sed 's/^/# /' "$T/cdp.out"
[ $rc -eq 0 ] || fail "browser checks failed (exit $rc)"
grep -q "^ok $URL/#power: " "$T/cdp.out" || fail "overview in the browser"
grep -q '^power section: .*Test bank.*12.90 V.*charging.*12V (V).*11.30 V' "$T/cdp.out" ||
	fail "the rendered power section lacks the bank or the rail"
grep -q '^power -> /solar1/bank_test/$' "$T/cdp.out" || fail "the bank's link does not lead to its graphs"
grep -q "^ok $URL/solar1/bank_test/: [1-9][0-9]* images decoded, 0 broken" "$T/cdp.out" ||
	fail "the bank's graphs do not show"
grep -q '^power-rail -> /solar1/ipmi_volts/$' "$T/cdp.out" || fail "the rail's link does not lead to its graphs"
grep -q "^ok $URL/solar1/ipmi_volts/: [1-9][0-9]* images decoded, 0 broken" "$T/cdp.out" ||
	fail "the rail's graphs do not show"

stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
stop_pid "$FPID" || fail "fake node failed: $(cat "$T/fake.log")"
"$SIM" stop "$T/bmc" >/dev/null 2>&1
echo "PASS: power view (API, overview, browser)"
