#!/bin/bash
# drover reading a simulated Victron charge controller through a real
# pseudo-terminal pair (socat): one end is the "serial port" drover opens
# (vedirect $T/dev), a small writer (tests/lib/vedirect_writer.py) drives
# the other end with VE.Direct text blocks whose checksums it computes.
# - `drover config` prints the keys; `drover poll` reads one block;
# - `drover run` shows the bank schema's values in the JSON API;
# - a block with a wrong checksum is dropped, counted (vedirect_dev) and
#   logged, and the values keep coming;
# - a block cut mid-line, then silence: "no frames for N s", values U;
# - the port disappears (socat stopped): logged once while drover keeps
#   retrying; when socat is back at the same path the port reopens and
#   values return without a restart.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
set -o pipefail
need socat socat
need curl curl
WRITER="$top_srcdir/tests/lib/vedirect_writer.py"

start_socat() {
	start_bg "$T/socat$1.log" socat -d -d \
	    "pty,raw,echo=0,link=$T/dev" "pty,raw,echo=0,link=$T/victron"
	SOCAT=$LAST_PID
	wait_until 30 test -L "$T/dev" -a -L "$T/victron" ||
		fail "socat made no ptys: $(cat "$T/socat$1.log")"
}
# ctl COMMAND: what the writer sends next (written atomically)
ctl() {
	echo "$*" >"$T/ctl.tmp" && mv "$T/ctl.tmp" "$T/ctl"
}
start_writer() {
	start_bg "$T/writer$1.log" "$PY" "$WRITER" "$T/victron" "$T/ctl" \
	    "$T/wstate"
	WPID=$LAST_PID
}

ctl good 12800
start_socat 1
start_writer 1

cat >"$T/drover.conf" <<EOF2
dbdir $T/db
interval 2
local_node no
listen 127.0.0.1:0
state_dir $T/state
graph_cache $T/graphs
user root
[solar]
    vedirect $T/dev
EOF2

"$DROVER" config -c "$T/drover.conf" >"$T/config.out" 2>&1 ||
	fail "drover config: $(cat "$T/config.out")"
grep -qx "    vedirect $T/dev" "$T/config.out" &&
	grep -qx "    vedirect_baud 19200" "$T/config.out" ||
	fail "keys not printed: $(cat "$T/config.out")"

# one block on this thread (before the daemon holds the port)
"$DROVER" poll -c "$T/drover.conf" solar >"$T/poll.out" 2>&1 ||
	fail "drover poll: $(cat "$T/poll.out")"
grep -qE '^  voltage +12.8 +GAUGE' "$T/poll.out" &&
	grep -qE '^  error +0 .*state=OK' "$T/poll.out" &&
	grep -q '^# solar/vedirect: ok; 1 of 1 ports' "$T/poll.out" ||
	fail "poll output: $(cat "$T/poll.out")"

LOG=$T/drover.log
start_bg "$LOG" "$DROVER" run -v -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$LOG") || fail "no dashboard: $(cat "$LOG")"

# value SERVICE FIELD [KEY]: the field's value (or KEY: state, config
# entry) from the JSON API; "None" when unknown
value() {
	curl -sf "http://127.0.0.1:$PORT/api/v1/hosts/solar/$1" |
	    $PY -c '
import json, sys
j = json.load(sys.stdin)
f = [f for f in j["fields"] if f["name"] == sys.argv[1]][0]
k = sys.argv[2]
print(f.get(k, f["config"].get(k)))' "$2" "${3:-value}"
}
is() { # SERVICE FIELD EXPECTED [KEY]
	[ "$(value "$1" "$2" "${4:-value}" 2>/dev/null)" = "$3" ]
}
at_least() { # SERVICE FIELD N
	local v
	v=$(value "$1" "$2" 2>/dev/null) || return 1
	$PY -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= float(sys.argv[2]) else 1)' "$v" "$3" 2>/dev/null
}

wait_until 60 is bank_dev voltage 12.8 ||
	fail "no voltage in the API: $(tail -20 "$LOG")"
is bank_dev pv_voltage 18.5 && is bank_dev pv_power 37.0 &&
	is bank_dev pv_current 2.0 && is bank_dev load_current 0.3 &&
	is bank_dev current -1.5 && is bank_dev discharge_current 1.5 &&
	is bank_dev charger_state 3.0 && is bank_dev charger_state bulk extinfo &&
	is bank_dev error 0.0 && is bank_dev error OK state &&
	is bank_dev voltage 12.0: warning && is bank_dev voltage 11.5: critical ||
	fail "bank values: $(curl -s "http://127.0.0.1:$PORT/api/v1/hosts/solar/bank_dev")"

# a block with a wrong checksum: dropped, counted, logged; then more values
ctl bad
wait_log "$LOG" "vedirect: solar: $T/dev: bad checksum, block dropped (1 so far)" 30 ||
	fail "bad checksum not logged: $(tail -20 "$LOG")"
wait_until 30 at_least vedirect_dev bad_checksums 1 ||
	fail "bad checksum not counted"
ctl good 12500
wait_until 30 is bank_dev voltage 12.5 || fail "values stopped after a bad block"
is vedirect_dev garbage 0.0 || fail "garbage counted: $(value vedirect_dev garbage)"

# a block cut mid-line, then the writer closes its end: silence
ctl cut
wait "$WPID"; rc=$?
[ "$rc" = 0 ] || fail "writer exited $rc: $(cat "$T/writer1.log")"
wait_log "$LOG" "vedirect: solar: $T/dev: no frames for [0-9]* s" 60 ||
	fail "silence not logged: $(tail -20 "$LOG")"
wait_until 30 is bank_dev voltage None || fail "stale value still shown"

# the port disappears
stop_pid "$SOCAT"; rc=$?
[ "$rc" = 0 ] || [ "$rc" = 143 ] || fail "socat exited $rc: $(cat "$T/socat1.log")"
wait_log "$LOG" "vedirect: solar: $T/dev: port lost" 30 ||
	fail "lost port not logged: $(tail -20 "$LOG")"
lost_at=$(grep -n "port lost" "$LOG" | head -1 | cut -d: -f1)
# two reopen attempts fail while it is away
retried() {
	[ "$(tail -n "+$lost_at" "$LOG" | grep -c "vedirect: solar: $T/dev: cannot open")" -ge 2 ]
}
wait_until 60 retried || fail "no reopen attempts: $(tail -20 "$LOG")"

# it comes back at the same path
ctl good 12300
start_socat 2
start_writer 2
wait_log "$LOG" "vedirect: solar: $T/dev: port back after" 60 ||
	fail "port not back: $(tail -20 "$LOG")"
wait_until 60 is bank_dev voltage 12.3 || fail "no values after the port returned"
n=$(grep -c "vedirect: solar: $T/dev: port lost" "$LOG")
[ "$n" = 1 ] || fail "the loss was logged $n times"

stop_pid "$DPID" || fail "drover exited $?: $(tail -20 "$LOG")"
kill "$WPID" 2>/dev/null
echo "ok: values, bad checksum, silence, lost and returned port"
