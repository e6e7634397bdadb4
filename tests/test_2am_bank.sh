#!/bin/bash
# The 2 AM story whole, with the default alert and page settings: a 12 V
# bank behind a real NUT upsd (dummy-ups) loses its charger and drains
# 0.05 V a sample; drover's time-to-cut-off forecast pages before the
# bank's own voltage crosses a threshold; then the BMC's 12 V rail
# (ipmi_sim) sinks past lower-non-critical and lower-critical: WARNING
# and CRITICAL pages (webhook and e-mail) and Nagios results; then the
# charger comes back and the rail recovers: recovery pages.  Latencies
# from a crossing to its page are printed, not asserted
# (bench/page_latency.sh measures them).
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/nagios.sh"
. "$top_srcdir/tests/lib/nut_ups.sh"
set -o pipefail
SIM="$top_srcdir/tests/lib/ipmi_sim.sh"
need ipmi_sim openipmi
need sdrcomp openipmi
need /lib/nut/upsd nut-server
need /lib/nut/dummy-ups nut-server
need upsc nut-client
need curl curl

PA=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CA=$(free_port 127.0.0.1)
mkdir -p "$T/bmc"
"$SIM" start "$T/bmc" "$PA" "$CA" >/dev/null || fail "ipmi_sim did not start"
BG_PIDS="$BG_PIDS $(cat "$T/bmc/ipmi_sim.pid")"
umask 077; echo secret >"$T/pw"; umask 022
UPORT=$(free_port 127.0.0.1)
mkdir -p "$T/nut"
printf 'battery.voltage: 12.70\nbattery.voltage.nominal: 12\nbattery.charge: 100\nbattery.runtime: 36000\nups.status: OL CHRG\n' >"$T/nut/bank.dev"
nut_start "$T/nut" "$UPORT" bank || fail "upsd did not start"
start_bg "$T/hook.log" $PY "$top_srcdir/tests/lib/webhook_sink.py" 0 "$T/hooks.jsonl"
start_bg "$T/smtp.log" $PY "$top_srcdir/tests/lib/smtp_sink.py" 0 "$T/mail"
wait_for_file "$T/hook.log" 30 && wait_for_file "$T/smtp.log" 30 || fail "sinks did not start"
HPORT=$(head -1 "$T/hook.log"); SPORT=$(head -1 "$T/smtp.log")
G=$T/nagios
nagios_config "$G" kvm1 ipmi_volts ipmi_temp ipmi_fans bank_bank ups_bank
nagios_start "$G"
wait_until 30 test -p "$NAGIOS_CMD" || fail "Nagios made no command FIFO"

# nothing but the defaults for alerts and pages; the sources' intervals
# are a battery bank's (2 s here, `nut_interval 10` in the README)
cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
listen 127.0.0.1:0
local_node no
interval 3600
nagios_command_file $NAGIOS_CMD
contact.oncall.webhook http://127.0.0.1:$HPORT/page
contact.oncall.email oncall@example.net
smtp_url smtp://127.0.0.1:$SPORT
smtp_from drover@example.net
[rack;kvm1]
    ipmi_address 127.0.0.1:$PA
    ipmi_user admin
    ipmi_password_file $T/pw
    ipmi_workarounds opensesspriv
    ipmi_interval 2
    ipmi_timeout 2
    nut bank@127.0.0.1:$UPORT
    nut_interval 2
CONF
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
dashboard() { URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/drover.log" | head -1); [ -n "$URL" ]; }
wait_until 30 dashboard || fail "no dashboard: $(cat "$T/drover.log")"

# field FIELD of kvm1's SERVICE (value, state) from the API
field() {
	curl -sf "$URL/api/v1/hosts/kvm1/$1" | $PY -c '
import json, sys
j = json.load(sys.stdin)
for f in j.get("fields", []):
    if f.get("name") == sys.argv[1]:
        print(f.get("value"), f.get("state")); sys.exit(0)
sys.exit(1)' "$2"
}
# the N-th page item (0-based, in arrival order) of SERVICE FIELD STATE:
# its index among all page items, or nothing
page_index() {
	[ -f "$T/hooks.jsonl" ] && $PY - "$T/hooks.jsonl" "$@" <<'PY'
import json, sys
n = 0
for l in open(sys.argv[1]):
    b = json.loads(json.loads(l)["body"])
    for i in b.get("items") or [b]:
        if i.get("service") == sys.argv[2] and i.get("state") == sys.argv[4] \
                and (sys.argv[3] == "*" or i.get("field") == sys.argv[3]):
            print(n); sys.exit(0)
        n += 1
sys.exit(1)
PY
}
paged() { page_index "$@" >/dev/null; }
mailed() { grep -lq "^Subject: $1" "$T/mail"/*.eml 2>/dev/null; }
since() { $PY -c "import time; print('%.1f' % (time.time() - $1))"; }

# the bank is charging: a forecast field, no cut-off ahead, OK
wait_until 60 sh -c "curl -sf '$URL/api/v1/hosts/kvm1/bank_bank' | grep -q cutoff_minutes" ||
	fail "no forecast on bank_bank: $(curl -s "$URL/api/v1/hosts/kvm1/bank_bank")"

# the charger stops: on battery, and the bank drains 0.05 V a sample
nut_set "$T/nut" bank ups.status "OB DISCHRG"
T_OB=$(date +%s.%N)
(
	v=12.60
	while :; do
		nut_set "$T/nut" bank battery.voltage "$v" || exit 1
		[ -f "$T/charger" ] && exit 0
		v=$($PY -c "print('%.2f' % max(11.0, $v - 0.05))")
		sleep 2
	done
) &
DRAIN=$!
BG_PIDS="$BG_PIDS $DRAIN"
wait_until 60 paged ups_bank ob WARNING ||
	fail "no page for on-battery: $(cat "$T/hooks.jsonl" 2>/dev/null)"
note "on-battery page $(since "$T_OB") s after ups.status OB"
# the forecast pages first: CRITICAL (well under 60 min to 11.5 V at
# 90 V/h), before the voltage reaches its 12.0 V warning
wait_until 90 paged bank_bank cutoff_minutes CRITICAL ||
	fail "no forecast page: $(cat "$T/hooks.jsonl"; field bank_bank cutoff_minutes)"
note "forecast page $(since "$T_OB") s after the drain began, voltage then $(field bank_bank voltage)"
T_FC=$(date +%s.%N)
wait_until 90 paged bank_bank voltage WARNING ||
	fail "no bank voltage WARNING page: $(field bank_bank voltage)"
note "forecast lead: the bank's voltage WARNING page came $(since "$T_FC") s after the forecast's"
f=$(page_index bank_bank cutoff_minutes CRITICAL)
v=$(page_index bank_bank voltage WARNING)
[ "$f" -lt "$v" ] || fail "the forecast paged after the voltage ($f, $v)"
wait_until 60 mailed "CRITICAL kvm1" || fail "no forecast e-mail: $(grep -h '^Subject' "$T/mail"/*.eml)"

# the BMC sees the rail sink: lower-non-critical, then lower-critical
"$SIM" set12v "$T/bmc" 11300
T_WARN=$(date +%s.%N)
wait_until 60 paged ipmi_volts '*' WARNING || fail "no rail WARNING page"
note "rail WARNING page $(since "$T_WARN") s after it crossed 11.5 V"
wait_until 60 mailed "WARNING kvm1 12V" || fail "no rail WARNING e-mail"
"$SIM" set12v "$T/bmc" 10900
T_CRIT=$(date +%s.%N)
wait_until 60 paged ipmi_volts '*' CRITICAL || fail "no rail CRITICAL page"
note "rail CRITICAL page $(since "$T_CRIT") s after it crossed 11.0 V"
wait_until 60 mailed "CRITICAL kvm1 12V" || fail "no rail CRITICAL e-mail"
nagios_rail() { [ "$(nagios_service "$G" kvm1 ipmi_volts current_state)" = "$1" ]; }
wait_until 60 nagios_rail 2 || fail "Nagios does not have the rail CRITICAL"
nagios_bank() { grep -q "PROCESS_SERVICE_CHECK_RESULT;kvm1;bank_bank;2;" "$G/nagios.log"; }
wait_until 60 nagios_bank || fail "Nagios got no CRITICAL result for bank_bank"

# the charger comes back; the rail recovers
touch "$T/charger"
wait "$DRAIN" || fail "the drain loop failed"
nut_set "$T/nut" bank ups.status "OL CHRG"
nut_set "$T/nut" bank battery.voltage 13.60
"$SIM" set12v "$T/bmc" 12000
T_OK=$(date +%s.%N)
wait_until 60 paged ipmi_volts '*' OK || fail "no rail recovery page"
note "rail recovery page $(since "$T_OK") s after it came back"
wait_until 60 paged bank_bank voltage OK || fail "no bank voltage recovery page"
wait_until 90 paged bank_bank cutoff_minutes OK ||
	fail "no forecast recovery page: $(field bank_bank cutoff_minutes)"
wait_until 60 nagios_rail 0 || fail "Nagios does not have the rail OK again"
grep -q 'is UNKNOWN' "$T/drover.log" && fail "a field went UNKNOWN: $(grep 'is UNKNOWN' "$T/drover.log")"

stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
nagios_stop || fail "nagios4 exited $?"
nut_stop "$T/nut" || fail "upsd or its driver did not stop cleanly"
$PY - "$T/hooks.jsonl" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    b = json.loads(json.loads(l)["body"])
    for i in b.get("items") or [b]:
        print("# page:", i.get("service"), i.get("field"), i.get("state"))
PY
echo "PASS: the bank's forecast pages first, the rail's WARNING and CRITICAL follow, all recover"
