#!/bin/bash
# drover against Modbus TCP servers built from libmodbus's own server API
# (tests/modbus_server.c) on loopback, serving the EPEver Tracer input
# registers with known values:
# - `modbus_map epever`: every bank_* field arrives exactly as the server
#   holds it (scales, the 32-bit low-word-first PV power, signed 16- and
#   32-bit values, the charging-status bits), with the bank schema's
#   graph attributes and default thresholds; the reads come in few
#   requests (contiguous registers in one);
# - user registers (`modbus_register`, `modbus_name`, `bank_nominal 24`)
#   make their own bank_NAME with the 24 V thresholds;
# - a wrong unit id (the server answers only unit 1, like a gateway), a
#   server that never answers (a timeout) and one that answers every
#   request with an exception: each a clear warning in the log naming
#   the device and the unit, the target DOWN, while the good host goes
#   on being polled;
# - the server changing the battery voltage shows at the next poll and
#   goes to WARNING below the default 12.0 V;
# - Modbus RTU over a pty pair (socat): the same map read from a serial
#   unit; a wrong unit on the line goes unanswered, a timeout naming it,
#   and the two units' reads take turns on the line (never a garbled
#   read of the good one: no warning for it);
# - drover config prints the keys back; a bad modbus_register line is
#   refused naming file and line.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
need curl curl
need socat socat
SERVER=$top_builddir/tests/modbus_server
[ -x "$SERVER" ] || fail "$SERVER not built (make check builds it)"
set -o pipefail

# the EPEver Tracer real-time registers (values x100 but SOC), as the
# server holds them: PV 18.30 V 2.45 A 700.00 W (0x3102 L, 0x3103 H),
# battery 12.62 V charging 5.12 A, load 12.61 V 3.21 A, battery -5.12 C
# (0xFE00), SOC 87 %, charging status boost (D3-D2 = 2, D0 running),
# net battery current -1.50 A (0xFFFFFF6A, L first)
values() { # BATTERY_VOLTAGE_RAW
	cat <<EOF
input 0x3100 1830
input 0x3101 245
input 0x3102 4464
input 0x3103 1
input 0x3104 $1
input 0x3105 512
input 0x310C 1261
input 0x310D 321
input 0x3110 -512
input 0x311A 87
input 0x3201 9
input 0x331B 65386
input 0x331C 65535
EOF
}
values 1262 >"$T/values"

# server NAME [OPTIONS]: starts one, sets NAME_PID and NAME_PORT
server() {
	local name=$1
	shift
	start_bg "$T/$name.log" "$SERVER" "$T/$name.port" "$T/values" "$@"
	eval "${name}_PID=$LAST_PID"
	wait_for_file "$T/$name.port" 30 || fail "modbus_server $name did not start: $(cat "$T/$name.log")"
	eval "${name}_PORT=$(cat "$T/$name.port")"
}
server good --unit 1
server exc --exception 4
server mute --silent
# the serial line: a pty pair, the server (unit 1) on one end
start_bg "$T/socat.log" socat -d -d "pty,raw,echo=0,link=$T/ttyA" "pty,raw,echo=0,link=$T/ttyB"
SOCAT_PID=$LAST_PID
wait_until 30 test -e "$T/ttyA" -a -e "$T/ttyB" || fail "socat made no pty pair: $(cat "$T/socat.log")"
start_bg "$T/rtu.log" "$SERVER" --rtu "$T/ttyB" "$T/values" --unit 1
rtu_PID=$LAST_PID

INTERVAL=2
{
	echo "dbdir $T/db"
	echo "interval $INTERVAL"
	echo "local_node no"
	echo "listen 127.0.0.1:0"
	echo "state_dir $T/state"
	echo "graph_cache $T/graphs"
	echo "[solar;epever1]"
	echo " modbus tcp://127.0.0.1:$good_PORT"
	echo " modbus_map epever"
	echo " modbus_timeout 10"
	echo "[solar;custom]"
	echo " modbus tcp://127.0.0.1:$good_PORT"
	echo " modbus_unit 1"
	echo " modbus_name house"
	echo " modbus_timeout 10"
	echo " bank_nominal 24"
	echo " modbus_register voltage 0x3104 u16 0.01 V input"
	echo " modbus_register net 0x331B s32le 0.01 A input"
	echo " modbus_register pv_raw 0x3102 u32 1 - input"
	echo "[solar;wrongunit]"
	echo " modbus tcp://127.0.0.1:$good_PORT"
	echo " modbus_unit 2"
	echo " modbus_map epever"
	echo "[solar;exception]"
	echo " modbus tcp://127.0.0.1:$exc_PORT"
	echo " modbus_map epever"
	echo "[solar;silent]"
	echo " modbus tcp://127.0.0.1:$mute_PORT"
	echo " modbus_map epever"
	echo " modbus_timeout 2"
	echo "[solar;serial]"
	echo " modbus rtu:$T/ttyA:115200:8N1"
	echo " modbus_map epever"
	echo " modbus_name serial"
	echo " modbus_timeout 10"
	echo "[solar;serial2]"
	echo " modbus rtu:$T/ttyA:115200"
	echo " modbus_unit 2"
	echo " modbus_register voltage 0x3104 u16 0.01 V input"
	echo " modbus_timeout 2"
} >"$T/drover.conf"

"$DROVER" config -c "$T/drover.conf" >"$T/config.out" 2>&1 ||
	fail "config rejected: $(cat "$T/config.out")"
for want in "modbus tcp://127.0.0.1:$good_PORT" "modbus_unit 2" "modbus_map epever" \
	"modbus_register net 0x331B s32le 0.01 A input" "modbus_name house" \
	"modbus_name epever1_1" "modbus_timeout 2" "bank_nominal 24" "bank_chemistry lead-acid"; do
	grep -qF "    $want" "$T/config.out" || fail "config print lacks \"$want\": $(cat "$T/config.out")"
done
# a bad register line: refused, naming file and line
{ cat "$T/drover.conf"; echo " modbus_register soc 0x311A u8 1 % input"; } >"$T/bad.conf"
"$DROVER" config -c "$T/bad.conf" >"$T/bad.out" 2>&1 && fail "a bad modbus_register was accepted"
grep -qE 'bad.conf:[0-9]+: modbus_register soc: unknown type "u8"' "$T/bad.out" ||
	fail "no clear error for a bad register: $(cat "$T/bad.out")"

LOG=$T/drover.log
start_bg "$LOG" "$DROVER" run -v -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$LOG") || fail "no dashboard: $(cat "$LOG")"
api() { curl -sf "http://127.0.0.1:$PORT$1"; }

# fields HOST SERVICE: "name=value ..." of the service's fields from the
# device (not the forecast's cutoff_minutes and trend), "none" without it
fields() {
	api "/api/v1/hosts/$1/$2" >"$T/svc.json" 2>/dev/null || { echo none; return; }
	$PY - "$T/svc.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
print(" ".join("%s=%s" % (f["name"], "-" if f["value"] is None else "%.10g" % f["value"])
               for f in j["fields"] if f["name"] not in ("cutoff_minutes", "trend")))
PY
}
has_fields() { [ "$(fields "$1" "$2")" = "$3" ]; }
WANT="pv_voltage=18.3 pv_current=2.45 pv_power=700 voltage=12.62 charge_current=5.12 load_voltage=12.61 load_current=3.21 temperature=-5.12 soc=87 charger_state=2 current=-1.5"
wait_until 60 has_fields epever1 bank_epever1_1 "$WANT" ||
	fail "epever1: $(fields epever1 bank_epever1_1); $(grep epever1 "$LOG")"
note "epever1: $WANT"
# the schema's attributes and default thresholds
api /api/v1/hosts/epever1/bank_epever1_1 >"$T/bank.json" || fail "no bank service"
$PY - "$T/bank.json" <<'PY' || fail "bank attributes: $(cat "$T/bank.json")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["config"]["graph_category"] == "power", j["config"]
assert "epever1_1" in j["config"]["graph_title"], j["config"]
f = {x["name"]: x["config"] for x in j["fields"] if x["name"] not in ("cutoff_minutes", "trend")}
assert f["voltage"]["warning"] == "12:" and f["voltage"]["critical"] == "11.5:", f["voltage"]
assert f["soc"]["warning"] == "30:" and f["soc"]["critical"] == "15:", f["soc"]
assert "2 boost" in f["charger_state"]["info"], f["charger_state"]
assert all(c["type"] == "GAUGE" for c in f.values())
assert j["state"] == "OK", j["state"]
PY
# the 24 V bank of user registers (pv_raw: the big-endian reading of
# 0x3102-3, 4464 x 65536 + 1)
wait_until 60 has_fields custom bank_house "voltage=12.62 net=-1.5 pv_raw=292552705" ||
	fail "custom: $(fields custom bank_house); $(grep custom "$LOG")"
api /api/v1/hosts/custom/bank_house >"$T/house.json" || fail "no bank_house"
json_get "$T/house.json" "[f['config']['warning'] for f in j['fields'] if f['name'] == 'voltage'][0]" |
	grep -qx "24:" || fail "24 V bank thresholds: $(cat "$T/house.json")"
# contiguous registers in one request: 0x3100-0x3105 (pv ... charge
# current) is one read of 6
grep -q "request unit 1 function 4 addr 12544 count 6$" "$T/good.log" ||
	fail "no grouped read: $(head -20 "$T/good.log")"
grep -qE "addr 1254[4-9] count 1$" "$T/good.log" && fail "a register inside a group was read alone: $(head -20 "$T/good.log")"

# RTU: the same values from unit 1 on the serial line
wait_until 60 has_fields serial bank_serial "$WANT" ||
	fail "serial: $(fields serial bank_serial); $(grep serial "$LOG")"
note "RTU over a pty: $WANT"

# the failures: clear warnings, targets DOWN
wait_log "$LOG" "warning: poll: wrongunit/modbus: modbus tcp://127.0.0.1:$good_PORT unit 2: input registers 0x3100-0x3105: exception 11 (gateway target device failed to respond); is modbus_unit right?" 60 ||
	fail "wrong unit not reported clearly: $(grep wrongunit "$LOG")"
wait_log "$LOG" "warning: poll: exception/modbus: modbus tcp://127.0.0.1:$exc_PORT unit 1: input registers 0x3100-0x3105: exception 4 (server device failure)" 60 ||
	fail "exception not reported clearly: $(grep exception/ "$LOG")"
wait_log "$LOG" "warning: poll: silent/modbus: modbus tcp://127.0.0.1:$mute_PORT unit 1: no reply within [0-9.]* s to a read of input registers 0x3100-0x3105" 60 ||
	fail "timeout not reported clearly: $(grep silent "$LOG")"
grep -q "request unit 2 " "$T/good.log" || fail "the wrong unit never reached the server"
wait_log "$LOG" "warning: poll: serial2/modbus: modbus rtu:$T/ttyA:115200 unit 2: no reply within [0-9.]* s to a read of input registers 0x3104-0x3104 (wrong modbus_unit" 60 ||
	fail "wrong RTU unit not reported clearly: $(grep serial2 "$LOG")"
host_state() {
	api "/api/v1/hosts/$1" >"$T/h.json" 2>/dev/null && json_get "$T/h.json" "j['state']"
}
is_down() { [ "$(host_state "$1")" = DOWN ]; }
for h in wrongunit exception silent serial2; do
	wait_until 60 is_down "$h" || fail "$h not DOWN: $(host_state "$h")"
done
[ "$(host_state epever1)" = OK ] || fail "epever1 is $(host_state epever1)"
[ "$(host_state serial)" = OK ] || fail "serial is $(host_state serial)"
note "wrong unit (TCP gateway, RTU line), exception, timeout: logged, DOWN"

# the good host goes on: polled again after the failures
last_ok() { api "/api/v1/hosts/$1" >"$T/h.json" && json_get "$T/h.json" "j['last_ok']"; }
OK0=$(last_ok epever1)
advanced() { [ "$(last_ok epever1 2>/dev/null || echo 0)" -gt "$OK0" ]; }
wait_until 60 advanced || fail "epever1 not polled after the failures"

# a change on the server shows at the next poll, and 11.90 V is below
# the default warning
values 1190 >"$T/values.new" && mv "$T/values.new" "$T/values"
voltage_state() {
	api /api/v1/hosts/epever1/bank_epever1_1 >"$T/v.json" 2>/dev/null &&
		json_get "$T/v.json" "[('%g' % f['value'], f['config'].get('alert_state', '-')) for f in j['fields'] if f['name'] == 'voltage'][0]"
}
changed() { [ "$(voltage_state)" = "('11.9', 'WARNING')" ]; }
wait_until 60 changed || fail "the new voltage did not show: $(voltage_state)"
note "server change: 11.9 V, WARNING"

kill -0 "$DPID" 2>/dev/null || fail "drover died: $(cat "$LOG")"
stop_pid "$DPID" || fail "drover exited with status $?: $(tail -20 "$LOG")"
EXPECTED='-e wrongunit/modbus -e exception/modbus -e silent/modbus -e serial2/modbus'
if warnings "$LOG" | grep -v $EXPECTED | grep -q .; then
	fail "unexpected warnings: $(warnings "$LOG" | grep -v $EXPECTED)"
fi
for s in good exc mute rtu; do
	pid=$(eval echo "\$${s}_PID")
	stop_pid "$pid" || fail "modbus_server $s exited with status $?: $(tail -5 "$T/$s.log")"
done
stop_pid "$SOCAT_PID"
rc=$?
# socat ends on SIGTERM with 128 + 15
[ "$rc" = 0 ] || [ "$rc" = 143 ] || fail "socat exited with status $rc: $(tail -5 "$T/socat.log")"
echo "PASS"
