#!/bin/bash
# Who gets paged, end to end: drover polls a simulated BMC (ipmi_sim)
# whose 12 V rail goes 12.0 -> 11.3 (WARNING) -> 10.9 (CRITICAL) -> 12.0
# (OK) and pages three webhook contacts at the project's sink:
#   all    (defaults)             WARNING, CRITICAL, recovery
#   crit   severities critical    CRITICAL, recovery; no WARNING page
#   norec  recovery no            WARNING, CRITICAL; no recovery page
# Each step waits for the alert log line and the pages it must cause; an
# unwanted page is caught at the end whether it was delivered (the sink
# has it) or not yet (drover's spool still holds it, its counters
# disagree).  Deadlines only bound a hang.
. "$(dirname "$0")/lib/common.sh"
SIM="$top_srcdir/tests/lib/ipmi_sim.sh"
need "$PY" python3
need ipmi_sim openipmi
need curl curl

PA=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CA=$(free_port 127.0.0.1)
mkdir -p "$T/bmc"
"$SIM" start "$T/bmc" "$PA" "$CA" >"$T/sim.log" 2>&1 || fail "ipmi_sim did not start: $(cat "$T/sim.log")"
BG_PIDS="$BG_PIDS $(cat "$T/bmc/ipmi_sim.pid")"
umask 077
echo secret >"$T/pw"
umask 022
start_bg "$T/hook.out" "$PY" "$top_srcdir/tests/lib/webhook_sink.py" 0 "$T/hooks.jsonl"
HOOK_PID=$LAST_PID
wait_for_file "$T/hook.out" 60 || fail "webhook sink did not start"
HP=$(head -1 "$T/hook.out")

cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
listen 127.0.0.1:0
local_node no
interval 60
notify_group_window 0
notify_retry_min 1
notify_retry_max 1
contact.all.webhook http://127.0.0.1:$HP/all
contact.crit.webhook http://127.0.0.1:$HP/crit
contact.crit.severities critical
contact.norec.webhook http://127.0.0.1:$HP/norec
contact.norec.recovery no
[rack;kvm1]
    ipmi_address 127.0.0.1:$PA
    ipmi_user admin
    ipmi_password_file $T/pw
    ipmi_workarounds opensesspriv
    ipmi_interval 2
    ipmi_timeout 5
CONF
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
wait_log "$T/drover.log" 'dashboard on http://127.0.0.1:[0-9]*' 60 ||
	fail "no dashboard: $(cat "$T/drover.log")"
URL=$(grep -o 'dashboard on http://127\.0\.0\.1:[0-9]*' "$T/drover.log" | head -1 | grep -o 'http.*')

# pages PATH: the 12 V items the sink received at PATH, "STATE/PREV" each
pages() {
	[ -f "$T/hooks.jsonl" ] || return 0
	$PY - "$T/hooks.jsonl" "$1" <<'PYEOF'
import json, sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r['path'] != sys.argv[2]:
        continue
    b = json.loads(r['body'])
    for i in b.get('items', [b]):
        if i.get('service') == 'ipmi_volts':
            print('%s/%s' % (i['state'], i['previous_state']))
PYEOF
}
# has PATH N: PATH received at least N 12 V items
has() { [ "$(pages "$1" | wc -l)" -ge "$2" ]; }
step() { # MILLIVOLTS LOG-STATE
	"$SIM" set12v "$T/bmc" "$1" || fail "set12v $1"
	wait_log "$T/drover.log" "alerts: kvm1 ipmi_volts 12V (V) is $2" 60 ||
		fail "no $2 at $1 mV: $(grep alerts: "$T/drover.log")"
}

# the first sample must be OK: a first state is not a change and pages
# nobody
first_ok() {
	curl -sf "$URL/api/v1/hosts/kvm1/ipmi_volts" >"$T/volts.json" &&
		grep -q '"state":"OK"' "$T/volts.json"
}
wait_until 60 first_ok || fail "12 V never OK: $(cat "$T/volts.json"; tail "$T/drover.log")"
step 11300 "WARNING (was OK)"
wait_until 60 has /all 1 || fail "all: no WARNING page: $(pages /all)"
wait_until 60 has /norec 1 || fail "norec: no WARNING page: $(pages /norec)"
step 10900 "CRITICAL (was WARNING)"
wait_until 60 has /all 2 || fail "all: no CRITICAL page: $(pages /all)"
wait_until 60 has /norec 2 || fail "norec: no CRITICAL page: $(pages /norec)"
wait_until 60 has /crit 1 || fail "crit: no CRITICAL page: $(pages /crit)"
step 12000 "OK (was CRITICAL)"
wait_until 60 has /all 3 || fail "all: no recovery page: $(pages /all)"
wait_until 60 has /crit 2 || fail "crit: no recovery page: $(pages /crit)"

# drover's own counters (refreshed every 10 s): 7 items accepted, none
# waiting
deliveries() {
	curl -sf "$URL/api/v1/alerts" >"$T/alerts.json" || return 1
	json_get "$T/alerts.json" 'j["deliveries"]["pages_delivered"], j["deliveries"]["pages_queued"]'
}
settled() { [ "$(deliveries)" = "(7, 0)" ]; }
wait_until 60 settled || fail "deliveries: $(deliveries), want (7, 0): $(grep notify: "$T/drover.log")"
stop_pid "$DPID" || fail "drover exited $?: $(tail "$T/drover.log")"
ls "$T/state/spool" | grep '\.page$' >"$T/left" && fail "pages left in the spool: $(cat "$T/left")"
stop_pid "$HOOK_PID" || fail "webhook sink exited $?"

[ "$(pages /all | tr '\n' ' ')" = "WARNING/OK CRITICAL/WARNING OK/CRITICAL " ] ||
	fail "all: $(pages /all | tr '\n' ' ')"
[ "$(pages /crit | tr '\n' ' ')" = "CRITICAL/WARNING OK/CRITICAL " ] ||
	fail "crit (severities critical): $(pages /crit | tr '\n' ' ')"
[ "$(pages /norec | tr '\n' ' ')" = "WARNING/OK CRITICAL/WARNING " ] ||
	fail "norec (recovery no): $(pages /norec | tr '\n' ' ')"
note "all: WARNING, CRITICAL, OK; crit: CRITICAL, OK; norec: WARNING, CRITICAL"
exit 0
