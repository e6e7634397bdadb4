#!/bin/bash
# The NUT source against the real upsd (Debian nut-server) and its
# dummy-ups driver, two upsd instances on loopback ports, everything under
# $T (tests/lib/nut_ups.sh):
# - drover poll prints a UPS's values; drover config prints the nut keys;
# - drover run: host "bank" (ups1 and ups2 on upsd A) gets bank_ups1,
#   ups_ups1, bank_ups2 with the .dev files' values (/api/v1/hosts);
# - the file goes OB, then OB LB: ups_ups1's ob is WARNING, then lb is
#   CRITICAL at the next poll, as transitions in /api/v1/alerts, and the
#   status change is logged;
# - login: a user of upsd.users with upsmon rights and a password file is
#   read; a wrong password is a warning naming the refusal and the host is
#   down;
# - a UPS upsd does not know: a warning saying so, the host is down;
# - upsd A stopped: "bank" is down (logged, /api/v1/alerts) while "other"
#   on upsd B goes on (a new value arrives); upsd A back: "bank" recovers;
# - a "upsd" that accepts and never answers: the read times out within
#   nut_timeout (logged), and the host is down.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
. "$top_srcdir/tests/lib/nut_ups.sh"
set -o pipefail
need /lib/nut/upsd nut-server
need /lib/nut/dummy-ups nut-server
need upsc nut-client
need curl curl

A=$T/upsd-a B=$T/upsd-b
PA=$(free_port 127.0.0.1)
PB=$(free_port 127.0.0.1)
[ "$PA" != "$PB" ] || PB=$(free_port 127.0.0.1)
mkdir -p "$A" "$B"
printf 'battery.voltage: 26.1\nbattery.voltage.nominal: 24\nbattery.charge: 87\nbattery.runtime: 5400\ninput.voltage: 230.4\nups.load: 23\nups.status: OL CHRG\n' >"$A/ups1.dev"
printf '[mon]\n  password = s3cret\n  upsmon secondary\n' >"$A/upsd.users"
nut_start "$A" "$PA" ups1 ups2 || fail "upsd A did not start"
nut_start "$B" "$PB" ups3 || fail "upsd B did not start"
# a listener that takes connections and never says a word
PH=$(free_port 127.0.0.1)
start_bg "$T/mute.log" $PY -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); print("ready", flush=True)
held = []
while True:
    held.append(s.accept()[0])
' "$PH"
MUTE=$LAST_PID
wait_log "$T/mute.log" ready 30 || fail "mute listener: $(cat "$T/mute.log")"
umask 077
echo s3cret >"$T/pw"
echo wrong >"$T/badpw"
umask 022

{
	echo "dbdir $T/db"
	echo "local_node no"
	echo "listen 127.0.0.1:0"
	echo "state_dir $T/state"
	echo "graph_cache $T/graphs"
	echo "[power;bank]"
	echo " nut ups1@127.0.0.1:$PA"
	echo " nut ups2@127.0.0.1:$PA"
	echo " nut_interval 1"
	echo " nut_timeout 5"
	echo "[power;login]"
	echo " nut ups2@127.0.0.1:$PA"
	echo " nut_user mon"
	echo " nut_password_file $T/pw"
	echo " nut_interval 1"
	echo "[power;badpw]"
	echo " nut ups2@127.0.0.1:$PA"
	echo " nut_user mon"
	echo " nut_password_file $T/badpw"
	echo " nut_interval 1"
	echo "[power;nope]"
	echo " nut nope@127.0.0.1:$PA"
	echo " nut_interval 1"
	echo "[power;hung]"
	echo " nut ups1@127.0.0.1:$PH"
	echo " nut_interval 1"
	echo " nut_timeout 2"
	echo "[power;other]"
	echo " nut ups3@127.0.0.1:$PB"
	echo " nut_interval 1"
} >"$T/drover.conf"
"$DROVER" config -c "$T/drover.conf" >"$T/config.out" 2>&1 ||
	fail "config rejected: $(cat "$T/config.out")"
for want in "nut ups1@127.0.0.1:$PA" "nut ups2@127.0.0.1:$PA" "nut_user mon" \
    "nut_password_file $T/pw" "nut_interval 1" "nut_timeout 5"; do
	grep -q "^ *$want$" "$T/config.out" || fail "config print lacks \"$want\": $(cat "$T/config.out")"
done
grep -q s3cret "$T/config.out" && fail "config print shows the password"

# drover poll: the values, and a clear failure
"$DROVER" poll -c "$T/drover.conf" bank >"$T/poll.out" 2>&1 || fail "drover poll bank: $(cat "$T/poll.out")"
grep -q "^bank_ups1 " "$T/poll.out" && grep -q "^ *voltage  *26.1 " "$T/poll.out" &&
	grep -q "^# bank/nut: ok; 2 UPS" "$T/poll.out" || fail "drover poll bank: $(cat "$T/poll.out")"
"$DROVER" poll -c "$T/drover.conf" nope >"$T/poll.out" 2>&1 && fail "drover poll nope succeeded"
grep -q "^# nope/nut: failed: upsd 127.0.0.1:$PA: UPS nope: UNKNOWN-UPS" "$T/poll.out" ||
	fail "drover poll nope: $(cat "$T/poll.out")"
note "drover poll: values, and the unknown UPS"

LOG=$T/drover.log
start_bg "$LOG" "$DROVER" run -v -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$LOG") || fail "no dashboard: $(cat "$LOG")"

# fields HOST SERVICE: "name=value[/state]" of each field, one line
fields() {
	curl -sf "http://127.0.0.1:$PORT/api/v1/hosts/$1/$2" >"$T/f.json" || { echo none; return; }
	$PY - "$T/f.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
out = []
for f in j["fields"]:
    s = "%s=%g" % (f["name"], f["value"]) if f.get("value") is not None else f["name"] + "=U"
    if "alert_state" in f["config"]:
        s += "/" + f["config"]["alert_state"]
    out.append(s)
print(" ".join(out))
PY
}
# has HOST SERVICE WORD...: fields HOST SERVICE has every WORD (a WORD
# without a state matches with any state)
has() {
	local got w
	got=" $(fields "$1" "$2") "
	shift 2
	for w; do
		[[ $got == *" $w "* || ($w != */* && $got == *" $w/"*) ]] || return 1
	done
}

# (1) the values of the .dev files
wait_until 60 has bank bank_ups1 voltage=26.1 soc=87 runtime=5400 online=1 ||
	fail "bank_ups1: $(fields bank bank_ups1)"
has bank ups_ups1 input_voltage=230.4 load=23 ol=1 chrg=1 ob=0/OK lb=0/OK ||
	fail "ups_ups1: $(fields bank ups_ups1)"
wait_until 60 has bank bank_ups2 voltage=12.7 soc=100 online=1 || fail "bank_ups2: $(fields bank bank_ups2)"
curl -sf "http://127.0.0.1:$PORT/api/v1/hosts/bank/bank_ups1" >"$T/b.json" || fail "no bank_ups1"
[ "$(json_get "$T/b.json" 'j["config"]["graph_category"]')" = power ] || fail "bank_ups1 not in category power"
[ "$(json_get "$T/b.json" '[f["config"].get("warning") for f in j["fields"] if f["name"] == "voltage"][0]')" = "24:" ] ||
	fail "bank_ups1 voltage warning not scaled to the 24 V nominal: $(cat "$T/b.json")"
note "bank_ups1, ups_ups1, bank_ups2: the files' values"

# (2) OB, then OB LB: WARNING, then CRITICAL at the next poll
# transition KEY STATE: /api/v1/alerts lists KEY's transition to STATE
transition() {
	curl -sf "http://127.0.0.1:$PORT/api/v1/alerts" >"$T/a.json" || return 1
	$PY - "$T/a.json" "$1" "$2" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if any(t["key"] == sys.argv[2] and t["state"] == sys.argv[3]
                  for t in j["transitions"]) else 1)
PY
}
nut_set "$A" ups1 ups.status "OB DISCHRG"
wait_until 60 transition bank/ups_ups1/ob WARNING || fail "OB: no WARNING: $(fields bank ups_ups1)"
has bank ups_ups1 ob=1/WARNING lb=0/OK dischrg=1 || fail "OB: $(fields bank ups_ups1)"
has bank bank_ups1 online=0 || fail "OB: bank_ups1 still online: $(fields bank bank_ups1)"
nut_set "$A" ups1 ups.status "OB LB"
wait_until 60 transition bank/ups_ups1/lb CRITICAL || fail "OB LB: no CRITICAL: $(fields bank ups_ups1)"
has bank ups_ups1 ob=1/WARNING lb=1/CRITICAL || fail "OB LB: $(fields bank ups_ups1)"
grep -q 'info: nut: bank: UPS ups1 status "OB DISCHRG" -> "OB LB"' "$LOG" ||
	fail "status change not logged: $(grep 'nut: bank' "$LOG")"
note "OB: WARNING; OB LB: CRITICAL; logged"

# (3) login: read with the right password; refused with a wrong one
wait_until 60 has login bank_ups2 voltage=12.7 || fail "login: $(fields login bank_ups2); $(grep login "$LOG")"
wait_log "$LOG" "warning: poll: badpw/nut: upsd 127.0.0.1:$PA: ups2: login as mon refused at LOGIN: ACCESS-DENIED (wrong password" 60 ||
	fail "wrong password not reported clearly: $(grep badpw "$LOG")"
[ "$(fields badpw bank_ups2)" = none ] || fail "badpw was read: $(fields badpw bank_ups2)"
note "login: right password read, wrong one refused"

# (5) a UPS upsd does not know
wait_log "$LOG" "warning: poll: nope/nut: upsd 127.0.0.1:$PA: UPS nope: UNKNOWN-UPS (upsd serves no UPS of that name" 60 ||
	fail "unknown UPS not reported clearly: $(grep nope "$LOG")"

# down HOST: /api/v1/alerts lists HOST as down with an upsd error
down() {
	curl -sf "http://127.0.0.1:$PORT/api/v1/alerts" >"$T/d.json" || return 1
	$PY - "$T/d.json" "$1" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
sys.exit(0 if any(p["host"] == sys.argv[2] and p.get("host_down") and
                  p.get("error", "").startswith("upsd ") for p in j["problems"]) else 1)
PY
}
# (6) an upsd that never answers: the read gives up within nut_timeout
wait_log "$LOG" "warning: poll: hung/nut: upsd 127.0.0.1:$PH: no reply about ups1 within 1 s" 60 ||
	fail "the mute upsd not reported: $(grep 'hung/nut' "$LOG" | tail -3)"
wait_until 60 down hung || fail "hung not down: $(cat "$T/d.json")"
note "a mute upsd: timed out, down"
wait_until 60 down badpw || fail "badpw not down: $(cat "$T/d.json")"
wait_until 60 down nope || fail "nope not down: $(cat "$T/d.json")"
down bank && fail "bank down while upsd A serves it"

# (4) upsd A stopped: bank down, other goes on; upsd A back: bank recovers
nut_stop_upsd "$A" || fail "upsd A exited with status $?"
wait_log "$LOG" "warning: poll: bank/nut: upsd 127.0.0.1:$PA: cannot connect" 60 ||
	fail "upsd A's absence not logged: $(grep 'bank/nut' "$LOG" | tail -3)"
wait_until 60 down bank || fail "bank not down without upsd A: $(cat "$T/d.json")"
nut_set "$B" ups3 battery.voltage 12.25
wait_until 60 has other bank_ups3 voltage=12.25 || fail "other stalled without upsd A: $(fields other bank_ups3)"
note "upsd A stopped: bank down, other goes on"
nut_set "$A" ups1 battery.voltage 25.5
nut_start_upsd "$A" || fail "upsd A did not restart"
wait_until 60 has bank bank_ups1 voltage=25.5 || fail "bank did not recover: $(fields bank bank_ups1)"
up() { ! down "$1"; }
wait_until 60 up bank || fail "bank still down after upsd A came back: $(cat "$T/d.json")"
note "upsd A back: bank recovers"

# the only warnings: the refusals, and upsd A's absence
odd=$(warnings "$LOG" | grep -v -e 'poll: badpw/nut: ' -e 'poll: nope/nut: ' \
    -e "poll: [a-z]*/nut: upsd 127.0.0.1:$PA: cannot connect" -e 'poll: hung/nut: ') || true
[ -z "$odd" ] || fail "unexpected warnings: $odd"
stop_pid "$DPID" || fail "drover exited with status $?: $(tail "$LOG")"
nut_stop "$A" || fail "upsd A's daemons did not stop cleanly"
nut_stop "$B" || fail "upsd B's daemons did not stop cleanly"
stop_pid "$MUTE" || [ $? = 143 ] || fail "mute listener exited with status $?"
echo "PASS: NUT: values, OB/LB verdicts, login, upsd down and back, unknown UPS, mute upsd"
