#!/bin/bash
# Alerts end to end on the built-in node source: a munin.conf override
# puts the local load above its warning range; after alert_attempts (2)
# samples the field is WARNING in the log, the catalog, /alerts and
# /api/v1/alerts; a restart restores the state without announcing it
# again; a reload that drops the rule recovers it; a host that refuses
# connections is a host-level CRITICAL.
. "$top_srcdir/tests/lib/common.sh"

HOST=$(hostname)
REFUSED=$(free_port 127.0.0.1)
write_conf() { # $1: extra lines for the local host
	cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
interval 2
listen 127.0.0.1:0
[$HOST]
$1
[refuser.test]
    address 127.0.0.1
    port $REFUSED
CONF
}
port_of() {
	grep -o 'dashboard on http://127.0.0.1:[0-9]*' "$1" | tail -1 | grep -o '[0-9]*$'
}
wait_log() { # FILE PATTERN SECONDS
	local i
	for i in $(seq $(($3 * 10))); do
		grep -q "$2" "$1" && return 0
		sleep 0.1
	done
	return 1
}

write_conf "    load.load.warning 0:0.000001"
start_bg "$T/run1.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
wait_log "$T/run1.log" "alerts: $HOST load load is WARNING (was OK)" 15 ||
	fail "no WARNING: $(cat "$T/run1.log")"
wait_log "$T/run1.log" "alerts: refuser.test is DOWN: connect to 127.0.0.1 port $REFUSED" 15 ||
	fail "no host-down event: $(cat "$T/run1.log")"
PORT=$(port_of "$T/run1.log")
curl -s "http://127.0.0.1:$PORT/api/v1/alerts" >"$T/alerts.json"
json_get "$T/alerts.json" '[p["state"] for p in j["problems"] if p.get("field") == "load"]' |
	grep -q "WARNING" || fail "api: $(cat "$T/alerts.json")"
json_get "$T/alerts.json" '[p["state"] for p in j["problems"] if p.get("host_down")]' |
	grep -q "CRITICAL" || fail "api host down: $(cat "$T/alerts.json")"
curl -s "http://127.0.0.1:$PORT/api/v1/hosts/$HOST/load" | grep -q '"state":"WARNING"' ||
	fail "catalog state not WARNING"
curl -s "http://127.0.0.1:$PORT/alerts" | grep -q "st-WARNING" || fail "/alerts page"
curl -s "http://127.0.0.1:$PORT/" | grep -q "st-WARNING\\|st-CRITICAL" || fail "overview colour"
# soft state first: the first sample alone did not change the hard state
[ "$(grep -c "load load is WARNING" "$T/run1.log")" -eq 1 ] || fail "announced more than once"
stop_pid "$DPID" || fail "drover failed"
grep -q '"'"$HOST"'/load/load":{"hard":"WARNING"' "$T/state/alerts.json" ||
	fail "state not saved: $(cat "$T/state/alerts.json")"

# restart: the open problem is remembered, not announced again
start_bg "$T/run2.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
sleep 7
grep -q "load load is WARNING" "$T/run2.log" && fail "re-announced after restart"
grep -q "refuser.test is DOWN" "$T/run2.log" && fail "host down re-announced after restart"
PORT=$(port_of "$T/run2.log")
curl -s "http://127.0.0.1:$PORT/api/v1/hosts/$HOST/load" | grep -q '"state":"WARNING"' ||
	fail "state lost across restart"

# a reload that drops the rule: the field recovers
write_conf ""
kill -HUP "$DPID"
wait_log "$T/run2.log" "alerts: $HOST load load is OK (was WARNING)" 15 ||
	fail "no recovery after reload: $(cat "$T/run2.log")"
stop_pid "$DPID" || fail "drover failed"
echo "PASS: alerts"
