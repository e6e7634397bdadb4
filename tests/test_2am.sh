#!/bin/bash
# The 2 AM undervoltage, end to end: a simulated BMC's 12 V rail sinks
# 12.0 -> 11.3 -> 10.9 V and comes back to 12.0 V while drover runs.
# Each hard change reaches Nagios (PROCESS_SERVICE_CHECK_RESULT lines in
# the FIFO Nagios would read), Munin contact commands (send_nsca lines for
# the contact named "nagios", Munin's mail text for another), the alert
# log, `drover check` (exit 1, 2, 0 with perfdata), and the pages: a
# webhook and e-mail at the project's own sinks, one per change, with the
# recovery.  The time from the rail crossing a threshold to the page is
# printed (the goal: one IPMI interval + 5 s).
. "$top_srcdir/tests/lib/common.sh"
SIM="$top_srcdir/tests/lib/ipmi_sim.sh"
command -v ipmi_sim >/dev/null || skip "ipmi_sim not installed (apt-get install openipmi)"

PA=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CA=$(free_port 127.0.0.1)
mkdir -p "$T/bmc"
"$SIM" start "$T/bmc" "$PA" "$CA" >/dev/null || fail "ipmi_sim did not start"
BG_PIDS="$BG_PIDS $(cat "$T/bmc/ipmi_sim.pid")"
umask 077; echo secret >"$T/pw"; umask 022
start_bg "$T/hook.log" $PY "$top_srcdir/tests/lib/webhook_sink.py" 0 "$T/hooks.jsonl"
start_bg "$T/smtp.log" $PY "$top_srcdir/tests/lib/smtp_sink.py" 0 "$T/mail"
wait_for_file "$T/hook.log" 5 && wait_for_file "$T/smtp.log" 5 || fail "sinks did not start"
HPORT=$(head -1 "$T/hook.log"); SPORT=$(head -1 "$T/smtp.log")
mkfifo "$T/nagios.cmd"
# a reader like Nagios: keeps the FIFO open and logs every line
start_bg "$T/reader.log" sh -c 'exec cat <>"$1" >"$2"' sh "$T/nagios.cmd" "$T/nagios.out"

cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
listen 127.0.0.1:0
local_node no
interval 60
nagios_command_file $T/nagios.cmd
contact.nagios.command cat >> $T/nsca.out
contact.ops.command cat >> $T/mail.out
contact.oncall.webhook http://127.0.0.1:$HPORT/page
contact.oncall.email oncall@example.net
smtp_url smtp://127.0.0.1:$SPORT
smtp_from drover@example.net
notify_group_window 1
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
for i in $(seq 100); do
	URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/drover.log" | head -1)
	[ -n "$URL" ] && break
	sleep 0.1
done
[ -n "$URL" ] || fail "no dashboard: $(cat "$T/drover.log")"

wait_for() { # SECONDS CMD...: until CMD succeeds
	local s=$1 i
	shift
	for i in $(seq $((s * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
nagios_has() { grep -q "PROCESS_SERVICE_CHECK_RESULT;kvm1;ipmi_volts;$1;" "$T/nagios.out" 2>/dev/null; }
check_exit() { # WANT
	local out rc
	out=$("$DROVER" check --url "$URL" kvm1 ipmi_volts)
	rc=$?
	echo "# drover check: $rc $out"
	[ "$rc" -eq "$1" ] || return 1
	echo "$out" | grep -q "|.*'_12V'=[0-9.]*;11.5:12.5;11:13" || fail "perfdata: $out"
}

# 12.0 V: OK, and the first result reaches Nagios within one interval
wait_for 10 nagios_has 0 || fail "no OK result in the FIFO: $(cat "$T/nagios.out" 2>/dev/null; tail "$T/drover.log")"
wait_for 10 check_exit 0 || fail "drover check is not OK at 12.0 V"

"$SIM" set12v "$T/bmc" 11300
T_WARN=$(date +%s.%N)
wait_for 6 nagios_has 1 || fail "no WARNING result: $(cat "$T/nagios.out")"
wait_for 6 check_exit 1 || fail "drover check is not WARNING at 11.3 V"
grep -q "alerts: kvm1 ipmi_volts 12V (V) is WARNING (was OK): 11.30" "$T/drover.log" ||
	fail "alert log: $(grep alerts: "$T/drover.log")"

wait_for 10 sh -c "[ \$($PY -c 'import sys; print(sum(1 for l in open(sys.argv[1])))' '$T/hooks.jsonl' 2>/dev/null || echo 0) -ge 1 ]" ||
	fail "no WARNING page: $(cat "$T/hooks.jsonl" 2>/dev/null; grep -i 'notify\|page' "$T/drover.log")"
$PY -c "import sys, time; print('# WARNING page %.1f s after the rail crossed 11.5 V' % (time.time() - $T_WARN))"
"$SIM" set12v "$T/bmc" 10900
wait_for 6 nagios_has 2 || fail "no CRITICAL result: $(cat "$T/nagios.out")"
wait_for 6 check_exit 2 || fail "drover check is not CRITICAL at 10.9 V"

"$SIM" set12v "$T/bmc" 12000
wait_for 6 check_exit 0 || fail "drover check did not recover"
wait_for 6 sh -c "grep -c 'PROCESS_SERVICE_CHECK_RESULT;kvm1;ipmi_volts;0;' '$T/nagios.out' | grep -q '^[2-9]'" ||
	fail "no recovery result in the FIFO: $(cat "$T/nagios.out")"
wait_for 15 sh -c "[ \$(ls '$T/mail'/*.eml 2>/dev/null | wc -l) -ge 3 ]" ||
	fail "e-mails: $(ls "$T/mail")"
wait_for 15 sh -c "[ \$($PY -c 'import sys; print(sum(1 for l in open(sys.argv[1])))' '$T/hooks.jsonl') -ge 3 ]" ||
	fail "webhook pages: $(cat "$T/hooks.jsonl")"
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
sed 's/^/# nagios: /' "$T/nagios.out"

# the changes went out once each, in order, with perfdata
states=$(grep -o 'PROCESS_SERVICE_CHECK_RESULT;kvm1;ipmi_volts;[0-3]' "$T/nagios.out" | cut -d';' -f4 | tr -d '\n')
[ "$states" = "0120" ] || fail "Nagios saw states $states, want 0120"
grep -q "PROCESS_SERVICE_CHECK_RESULT;kvm1;ipmi_volts;2;kvm1 ipmi_volts: 12V (V) 10.90 Volts (CRITICAL)|'_12V'=10.9" "$T/nagios.out" ||
	fail "CRITICAL line: $(grep ';2;' "$T/nagios.out")"
# Munin contacts: send_nsca lines for "nagios"
sed 's/^/# nsca: /' "$T/nsca.out"
grep -qP '^kvm1\tIPMI voltages\t1\t' "$T/nsca.out" || fail "no WARNING send_nsca line"
grep -qP '^kvm1\tIPMI voltages\t2\t' "$T/nsca.out" || fail "no CRITICAL send_nsca line"
grep -qP '^kvm1\tIPMI voltages\t0\t' "$T/nsca.out" || fail "no OK send_nsca line"
grep -q "CRITICALs:" "$T/mail.out" || fail "ops contact text: $(cat "$T/mail.out")"
echo "PASS: the 2 AM undervoltage reaches Nagios, contacts and drover check"

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
