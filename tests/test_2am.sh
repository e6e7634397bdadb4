#!/bin/bash
# The 2 AM undervoltage, end to end: a simulated BMC's 12 V rail sinks
# 12.0 -> 11.3 -> 10.9 V and comes back to 12.0 V while drover runs.
# Each hard change reaches a real Nagios 4 through its external command
# FIFO (Nagios logs each passive result, raises its own SERVICE ALERTs
# WARNING, CRITICAL, OK, and its status.dat shows drover's plugin output
# and perfdata), Munin contact commands (send_nsca lines for the contact
# named "nagios", Munin's mail text for another), the alert log, `drover
# check` (exit 1, 2, 0 with perfdata), and the pages: a webhook and e-mail
# at the project's own sinks, one per change, with the recovery, under
# the default page settings (the first page of a burst at once, the
# 5 s grouping window, quick retries): each step waits for its pages
# before the next, so each change is one page whatever the timing.  The
# time from the rail crossing a threshold to the page is printed, not
# asserted (bench/page_latency.sh measures it).
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/nagios.sh"
SIM="$top_srcdir/tests/lib/ipmi_sim.sh"
need ipmi_sim openipmi
need sdrcomp openipmi

PA=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CA=$(free_port 127.0.0.1)
mkdir -p "$T/bmc"
"$SIM" start "$T/bmc" "$PA" "$CA" >/dev/null || fail "ipmi_sim did not start"
BG_PIDS="$BG_PIDS $(cat "$T/bmc/ipmi_sim.pid")"
umask 077; echo secret >"$T/pw"; umask 022
start_bg "$T/hook.log" $PY "$top_srcdir/tests/lib/webhook_sink.py" 0 "$T/hooks.jsonl"
start_bg "$T/smtp.log" $PY "$top_srcdir/tests/lib/smtp_sink.py" 0 "$T/mail"
wait_for_file "$T/hook.log" 30 && wait_for_file "$T/smtp.log" 30 || fail "sinks did not start"
HPORT=$(head -1 "$T/hook.log"); SPORT=$(head -1 "$T/smtp.log")
# the real Nagios, which creates its command FIFO as in production
G=$T/nagios
nagios_config "$G" kvm1 ipmi_volts ipmi_temp ipmi_fans
nagios_start "$G"
NPID=$NAGIOS_PID
wait_until 30 test -p "$NAGIOS_CMD" ||
	fail "Nagios made no command FIFO: $(cat "$G/nagios.out" "$G/nagios.log" 2>/dev/null)"

# interval: the Nagios freshness refresh (all states again, once per
# interval) stays out of the test, so each change is exactly one result
cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
listen 127.0.0.1:0
local_node no
interval 3600
nagios_command_file $NAGIOS_CMD
contact.nagios.command cat >> $T/nsca.out
contact.ops.command cat >> $T/mail.out
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
CONF
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
dashboard() { URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/drover.log" | head -1); [ -n "$URL" ]; }
wait_until 30 dashboard || fail "no dashboard: $(cat "$T/drover.log")"

# Nagios read a result with state $1 for kvm1 ipmi_volts from its FIFO,
# and its status.dat shows that state with output $2 and perfdata $3
nagios_at() {
	grep -q "EXTERNAL COMMAND: PROCESS_SERVICE_CHECK_RESULT;kvm1;ipmi_volts;$1;" "$G/nagios.log" 2>/dev/null &&
		[ "$(nagios_service "$G" kvm1 ipmi_volts current_state)" = "$1" ] &&
		[ "$(nagios_service "$G" kvm1 ipmi_volts plugin_output)" = "$2" ] &&
		[ "$(nagios_service "$G" kvm1 ipmi_volts performance_data)" = "$3" ]
}
nagios_wait() { # STATE OUTPUT PERFDATA
	wait_until 60 nagios_at "$@" ||
		fail "Nagios is not at state $1 \"$2|$3\": status.dat has" \
			"$(nagios_service "$G" kvm1 ipmi_volts current_state)" \
			"\"$(nagios_service "$G" kvm1 ipmi_volts plugin_output)|$(nagios_service "$G" kvm1 ipmi_volts performance_data)\";" \
			"log: $(grep 'kvm1;ipmi_volts' "$G/nagios.log"; tail -5 "$T/drover.log")"
}
check_exit() { # WANT
	local out rc
	out=$("$DROVER" check --url "$URL" kvm1 ipmi_volts)
	rc=$?
	echo "# drover check: $rc $out"
	[ "$rc" -eq "$1" ] || return 1
	echo "$out" | grep -q "|.*'_12V'=[0-9.]*;11.5:12.5;11:13" || fail "perfdata: $out"
}
mails_at_least() { [ "$(find "$T/mail" -name '*.eml' | wc -l)" -ge "$1" ]; }
# a webhook page carried the ipmi_volts change to $1 from $2
paged() {
	[ -f "$T/hooks.jsonl" ] && $PY - "$T/hooks.jsonl" "$1" "$2" <<'PY'
import json, sys
for l in open(sys.argv[1]):
    b = json.loads(json.loads(l)["body"])
    for i in b.get("items", [b]):
        if i.get("service") == "ipmi_volts" and (i["state"], i["previous_state"]) == tuple(sys.argv[2:4]):
            sys.exit(0)
sys.exit(1)
PY
}
# an e-mail's subject starts with $1
mailed() { grep -lq "^Subject: $1" "$T/mail"/*.eml 2>/dev/null; }
# a measurement, not a claim: seconds since $1 (epoch s, float)
since() { $PY -c "import time; print('%.1f' % (time.time() - $1))"; }

# 12.0 V: OK, as Nagios sees it
nagios_wait 0 "kvm1 ipmi_volts: 12V (V) 12.00 Volts" "'_12V'=12;11.5:12.5;11:13"
wait_until 60 check_exit 0 || fail "drover check is not OK at 12.0 V"

"$SIM" set12v "$T/bmc" 11300
T_WARN=$(date +%s.%N)
nagios_wait 1 "kvm1 ipmi_volts: 12V (V) 11.30 Volts (WARNING)" "'_12V'=11.3;11.5:12.5;11:13"
wait_until 60 check_exit 1 || fail "drover check is not WARNING at 11.3 V"
grep -q "alerts: kvm1 ipmi_volts 12V (V) is WARNING (was OK): 11.30" "$T/drover.log" ||
	fail "alert log: $(grep alerts: "$T/drover.log")"
wait_until 60 paged WARNING OK ||
	fail "no WARNING page: $(cat "$T/hooks.jsonl" 2>/dev/null; grep -i 'notify\|page' "$T/drover.log")"
note "WARNING page $(since "$T_WARN") s after the rail crossed 11.5 V"
wait_until 60 mailed "WARNING kvm1 12V" || fail "no WARNING e-mail: $(ls "$T/mail")"

"$SIM" set12v "$T/bmc" 10900
T_CRIT=$(date +%s.%N)
nagios_wait 2 "kvm1 ipmi_volts: 12V (V) 10.90 Volts (CRITICAL)" "'_12V'=10.9;11.5:12.5;11:13"
wait_until 60 check_exit 2 || fail "drover check is not CRITICAL at 10.9 V"
wait_until 60 paged CRITICAL WARNING || fail "no CRITICAL page: $(cat "$T/hooks.jsonl")"
note "CRITICAL page $(since "$T_CRIT") s after the rail crossed 11.0 V"
wait_until 60 mailed "CRITICAL kvm1 12V" || fail "no CRITICAL e-mail: $(ls "$T/mail")"

"$SIM" set12v "$T/bmc" 12000
T_OK=$(date +%s.%N)
wait_until 60 check_exit 0 || fail "drover check did not recover"
nagios_wait 0 "kvm1 ipmi_volts: 12V (V) 12.00 Volts" "'_12V'=12;11.5:12.5;11:13"
wait_until 60 paged OK CRITICAL || fail "no recovery page: $(cat "$T/hooks.jsonl")"
note "recovery page $(since "$T_OK") s after the rail came back"
wait_until 60 mails_at_least 3 ||
	fail "e-mails: $(ls "$T/mail")"
[ "$(wc -l <"$T/hooks.jsonl")" = 3 ] || fail "want 3 webhook pages: $(cat "$T/hooks.jsonl")"

# none lost on the way: every line drover wrote, Nagios read and logged
# as an external command; nothing pending or dropped in drover
nagios_caught_up() {
	curl -sf "$URL/api/v1/alerts" >"$T/alerts.json" || return 1
	written=$(json_get "$T/alerts.json" 'j["deliveries"]["nagios_written"]') || return 1
	[ "$(grep -c 'EXTERNAL COMMAND: PROCESS_' "$G/nagios.log")" = "$written" ]
}
wait_until 60 nagios_caught_up ||
	fail "drover wrote $written lines, Nagios logged $(grep -c 'EXTERNAL COMMAND: PROCESS_' "$G/nagios.log")"
json_get "$T/alerts.json" '(j["deliveries"]["nagios_pending"], j["deliveries"]["nagios_dropped"])' |
	grep -qx '(0, 0)' || fail "drover's Nagios queue: $(cat "$T/alerts.json")"
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
nagios_stop || fail "nagios4 exited $?: $(tail "$G/nagios.log")"
grep 'kvm1;ipmi_volts' "$G/nagios.log" | sed 's/^/# nagios: /'

# the changes went out once each, in order, and Nagios itself changed
# hard state WARNING, CRITICAL, OK
states=$(nagios_log_states "$G" kvm1 ipmi_volts)
[ "$states" = "0120" ] || fail "Nagios took states $states, want 0120"
alerts=$(grep -o 'SERVICE ALERT: kvm1;ipmi_volts;[A-Z]*;HARD;' "$G/nagios.log" | cut -d';' -f3 | tr '\n' ' ')
[ "$alerts" = "WARNING CRITICAL OK " ] || fail "Nagios's service alerts: $alerts"
grep -q "Warning:" "$G/nagios.log" && fail "Nagios warned: $(grep Warning: "$G/nagios.log")"
# Munin contacts: send_nsca lines for "nagios"
sed 's/^/# nsca: /' "$T/nsca.out"
grep -qP '^kvm1\tIPMI voltages\t1\t' "$T/nsca.out" || fail "no WARNING send_nsca line"
grep -qP '^kvm1\tIPMI voltages\t2\t' "$T/nsca.out" || fail "no CRITICAL send_nsca line"
grep -qP '^kvm1\tIPMI voltages\t0\t' "$T/nsca.out" || fail "no OK send_nsca line"
grep -q "CRITICALs:" "$T/mail.out" || fail "ops contact text: $(cat "$T/mail.out")"
note "the 2 AM undervoltage reaches Nagios, contacts and drover check"

# pages: WARNING, CRITICAL and the recovery, each once, as JSON and e-mail
$PY - "$T/hooks.jsonl" <<'PY' || exit 1
import json, sys
pages = [json.loads(l) for l in open(sys.argv[1])]
items = []
for p in pages:
    body = json.loads(p["body"])
    items += body.get("items", [body])
states = [(i["state"], i.get("previous_state")) for i in items if i.get("service") == "ipmi_volts"]
print("# webhook pages:", states)
want = [("WARNING", "OK"), ("CRITICAL", "WARNING"), ("OK", "CRITICAL")]
if states != want:
    print("FAIL: webhook pages", states, "want", want); sys.exit(1)
keys = [i["dedupe_key"] for i in items]
if len(set(keys)) != len(keys):
    print("FAIL: a dedupe key repeats"); sys.exit(1)
PY
grep -l "^Subject: CRITICAL kvm1 12V (V) 10.90" "$T/mail"/*.eml >/dev/null ||
	fail "no CRITICAL e-mail: $(grep -h '^Subject' "$T/mail"/*.eml)"
grep -h '^Subject' "$T/mail"/*.eml | sed 's/^/# /'
echo "PASS: pages"
