#!/bin/bash
# Alerts end to end on the built-in node source: a munin.conf override
# puts the local load outside its warning range whatever the load is
# ("1000000:" warns below a million); the first sample leaves the field
# soft (the status sent to Nagios still says OK, with the value), after
# alert_attempts (2) samples it is WARNING in the log, the catalog, /alerts
# and /api/v1/alerts, announced once; a restart restores the state without
# announcing it again; a reload that drops the rule recovers it; a host
# that refuses connections is a host-level CRITICAL.
. "$top_srcdir/tests/lib/common.sh" || exit 99
set -o pipefail

HOST=$(hostname)
REFUSED=$(free_port 127.0.0.1)
write_conf() { # $1: extra lines for the local host
	cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
interval 2
listen 127.0.0.1:0
nagios_command_file $T/nagios.cmd
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
# get PATH: the daemon's answer at PATH into $T/got, fails the test when
# it does not answer.
get() {
	curl -sf "http://127.0.0.1:$PORT$1" >"$T/got" || fail "GET $1 failed"
}
# wait_polls N SECONDS: wait until the local load has been sampled N times
# after the sample shown now (its last_update took N new values) and
# refuser.test has been polled (failures counts its polls since start).
# Counts what it sees, so it never counts a poll that did not happen.
wait_polls() {
	$PY - "$PORT" "$HOST" "$1" "$2" <<'PY'
import json, sys, time, urllib.request
port, host, n, secs = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
base = "http://127.0.0.1:%s/api/v1/hosts" % port
def get(path):
    try:
        return json.load(urllib.request.urlopen(base + path, timeout=5))
    except Exception:
        return None
seen, deadline = set(), time.monotonic() + secs
while time.monotonic() < deadline:
    svc, hosts = get("/%s/load" % host), get("")
    if svc is not None and svc.get("last_update"):
        seen.add(svc["last_update"])
    refused = [h["failures"] for h in (hosts or {"hosts": []})["hosts"]
               if h["name"] == "refuser.test"]
    if len(seen) > n and refused and refused[0] >= 1:
        sys.exit(0)
    time.sleep(0.1)
print("saw load samples %s, refuser.test %s" % (sorted(seen), refused))
sys.exit(1)
PY
}

: >"$T/nagios.cmd" # a plain file stands in for Nagios's FIFO
write_conf "    load.load.warning 1000000:"
start_bg "$T/run1.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
wait_log "$T/run1.log" "alerts: $HOST load load is WARNING (was OK)" 30 ||
	fail "no WARNING: $(cat "$T/run1.log")"
wait_log "$T/run1.log" "alerts: refuser.test is DOWN: connect to 127.0.0.1 port $REFUSED" 30 ||
	fail "no host-down event: $(cat "$T/run1.log")"
PORT=$(port_of "$T/run1.log")
[ -n "$PORT" ] || fail "no dashboard port: $(cat "$T/run1.log")"

# soft state: the first sample, already outside the range, went out to
# Nagios as OK (the field was soft); a later one as WARNING (hard)
grep ";$HOST;load;" "$T/nagios.cmd" >"$T/load.cmd" || fail "no load result: $(cat "$T/nagios.cmd")"
first=$(head -1 "$T/load.cmd")
[[ "$first" == *";$HOST;load;0;$HOST load: load "*"|'load'="*";1000000:;" ]] ||
	fail "first sample not soft (OK with its value): $first"
grep -q ";$HOST;load;1;$HOST load: load .* (WARNING)|" "$T/load.cmd" ||
	fail "no hard WARNING result: $(cat "$T/load.cmd")"
[ "$(awk -F';' '$4 == 1 { print NR; exit }' "$T/load.cmd")" -gt 1 ] ||
	fail "WARNING before the OK: $(cat "$T/load.cmd")"

# more samples in the same state are not announced again
wait_polls 2 60 || fail "no polls after the WARNING"
[ "$(grep -c "load load is WARNING" "$T/run1.log")" -eq 1 ] || fail "announced more than once"
get "/api/v1/alerts"
v=$(json_get "$T/got" '[p["state"] for p in j["problems"] if p.get("field") == "load"]')
[ "$v" = "['WARNING']" ] || fail "api problems ($v): $(cat "$T/got")"
v=$(json_get "$T/got" '[p["state"] for p in j["problems"] if p.get("host_down")]')
[ "$v" = "['CRITICAL']" ] || fail "api host down ($v): $(cat "$T/got")"
v=$(json_get "$T/got" '[t["state"] for t in j["transitions"] if t["key"] == "'"$HOST"'/load/load"]')
[ "$v" = "['WARNING']" ] || fail "api transitions ($v): $(cat "$T/got")"
get "/api/v1/hosts/$HOST/load"
grep -q '"state":"WARNING"' "$T/got" || fail "catalog state not WARNING: $(cat "$T/got")"
get "/alerts"
grep -q "st-WARNING" "$T/got" || fail "/alerts page"
get "/"
grep -q "st-WARNING\\|st-CRITICAL" "$T/got" || fail "overview colour"
stop_pid "$DPID" || fail "drover failed"
grep -q '"'"$HOST"'/load/load":{"hard":"WARNING"' "$T/state/alerts.json" ||
	fail "state not saved: $(cat "$T/state/alerts.json")"

# restart: the open problems are remembered, not announced again, however
# many samples agree (more than alert_attempts here)
start_bg "$T/run2.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
wait_log "$T/run2.log" "web: dashboard on" 30 || fail "no dashboard: $(cat "$T/run2.log")"
PORT=$(port_of "$T/run2.log")
wait_polls 3 60 || fail "no polls after the restart: $(cat "$T/run2.log")"
grep -q "load load is WARNING" "$T/run2.log" && fail "re-announced after restart"
grep -q "refuser.test is DOWN" "$T/run2.log" && fail "host down re-announced after restart"
get "/api/v1/hosts/$HOST/load"
grep -q '"state":"WARNING"' "$T/got" || fail "state lost across restart: $(cat "$T/got")"

# a reload that drops the rule: the field recovers
write_conf ""
kill -HUP "$DPID"
wait_log "$T/run2.log" "alerts: $HOST load load is OK (was WARNING)" 30 ||
	fail "no recovery after reload: $(cat "$T/run2.log")"
stop_pid "$DPID" || fail "drover failed"
echo "PASS: alerts"
