#!/bin/bash
# A hostile munin-node (tests/lib/hostile_node.py: 100k fields, a
# multigraph flood, 10 kB names, names with "/" and "..", escape
# characters) and one whose config never ends, next to a control node:
# the hostile hosts are cut at their bounds (max_fields_per_plugin,
# max_fields_per_host, the 4 MiB reply cap) with one log line each however
# often they are polled, the control node keeps every poll (none late),
# /health answers throughout, nothing is written outside dbdir, and
# SIGTERM ends the daemon.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
need curl curl

INTERVAL=6
POLLS=3 # polls of the control node and of the hostile one before the stop
cat >"$T/spec.json" <<'JSON'
[{"name": "control", "physical": "hv1", "mode": "normal", "plugins": 3}]
JSON
mkdir -p "$T/fake"
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T/fake" --live
FAKE=$LAST_PID
start_bg "$T/hostile.log" $PY "$top_srcdir/tests/lib/hostile_node.py" "$T/fake/hostile.port"
HOSTILE=$LAST_PID
start_bg "$T/endless.log" $PY "$top_srcdir/tests/lib/hostile_node.py" "$T/fake/endless.port" --plugins huge,endless --fields 10
ENDLESS=$LAST_PID
for f in "$T/fake/ports.json" "$T/fake/hostile.port" "$T/fake/endless.port"; do
	wait_for_file "$f" 30 || fail "no $f: $(cat "$T"/*.log)"
done
CPORT=$(json_get "$T/fake/ports.json" 'j["control"]')
cat >"$T/drover.conf" <<CONF
dbdir $T/db
interval $INTERVAL
timeout 5
local_node no
listen 127.0.0.1:0
state_dir $T/state
graph_cache $T/graphs
[ok;control]
    address 127.0.0.1
    port $CPORT
    physical hv1
[bad;hostile]
    address 127.0.0.1
    port $(cat "$T/fake/hostile.port")
    physical hv2
    max_fields_per_plugin 2000
    max_fields_per_host 3000
[bad;endless]
    address 127.0.0.1
    port $(cat "$T/fake/endless.port")
    physical hv3
CONF

# the keys and their defaults, as "drover config" prints them
"$DROVER" config -c "$T/drover.conf" >"$T/config.out" 2>&1 ||
	fail "drover config: $(cat "$T/config.out")"
awk '/^\[/ { h = $0 } /max_fields/ { print h, $1, $2 }' "$T/config.out" >"$T/limits.out"
diff -u - "$T/limits.out" <<'OUT' || fail "drover config prints other bounds"
[ok;control] max_fields_per_plugin 10000
[ok;control] max_fields_per_host 50000
[bad;hostile] max_fields_per_plugin 2000
[bad;hostile] max_fields_per_host 3000
[bad;endless] max_fields_per_plugin 10000
[bad;endless] max_fields_per_host 50000
OUT

printf '[x]\n address 127.0.0.1\n max_fields_per_plugin 0\n' >"$T/bad.conf"
"$DROVER" config -c "$T/bad.conf" >"$T/bad.out" 2>&1 && fail "max_fields_per_plugin 0 accepted"
grep -q "max_fields_per_plugin must be 1-10000000" "$T/bad.out" || fail "bad bound: $(cat "$T/bad.out")"

touch "$T/start"
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
WEB=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"
# polls counted at the nodes; /health asked meanwhile must answer (the
# deadline only bounds a hang: a frozen loop answers after minutes)
polled() {
	curl -sf -m 30 -o /dev/null "http://127.0.0.1:$WEB/health" || { echo "health"; return 1; }
	fake_done "$T/fake/stats.json" $POLLS control &&
		[ "$(json_get "$T/fake/hostile.port.stats" 'j["quits"]' 2>/dev/null)" -ge $POLLS ] &&
		[ "$(json_get "$T/fake/endless.port.stats" 'j["connections"]' 2>/dev/null)" -ge $POLLS ] &&
		grep -q "poll: endless: " "$T/drover.log"
}
wait_until 240 polled || fail "polls did not happen: $(tail -20 "$T/drover.log")"
curl -sf -m 30 "http://127.0.0.1:$WEB/api/v1/hosts" >"$T/hosts.json" || fail "no /api/v1/hosts"
health_num "$WEB" late >"$T/late" || fail "no /health"
SECONDS=0
kill -TERM "$DPID"
wait_until 60 sh -c '! kill -0 "$1" 2>/dev/null' sh "$DPID" || fail "drover ignored SIGTERM"
wait "$DPID" || fail "drover exited with status $?: $(tail "$T/drover.log")"
note "drover stopped $SECONDS s after SIGTERM"
stop_pid "$FAKE" || fail "fake node failed: $(cat "$T/fake.log")"
stop_pid "$HOSTILE" || fail "hostile node failed: $(cat "$T/hostile.log")"
stop_pid "$ENDLESS" || fail "endless node failed: $(cat "$T/endless.log")"
sed 's/^/# /' "$T/drover.log" | cut -c1-300

# no poll started late: the loop never stood still for a second
[ "$(cat "$T/late")" = 0 ] || fail "$(cat "$T/late") polls started late"
grep -q "poll: control: " "$T/drover.log" && fail "the control node logged a problem"
[ -f "$T/db/ok/control-p02-f1-g.rrd" ] || fail "control node not stored"

# each bound is logged once, however many polls hit it
once() { # PATTERN
	local n
	n=$(grep -c -e "$1" "$T/drover.log")
	[ "$n" -eq 1 ] || fail "logged $n times (want 1): $1"
}
once 'munin: hostile: plugin huge has more than 2000 fields (max_fields_per_plugin)'
once 'munin: hostile: more than 3000 fields (max_fields_per_host) by plugin many'
# the dashboard says why
err=$(json_get "$T/hosts.json" '[h["last_error"] for h in j["hosts"] if h["name"] == "hostile"][0]')
[ "$err" = "huge: more than 2000 fields (max_fields_per_plugin); the rest dropped" ] ||
	fail "hostile's last error: $err"
once 'poll: endless: .*reply to config endless longer than 4194304 bytes'
# what fits is kept: the first fields of huge, the good ones beside bad
# names
for f in hostile-huge-f0-g.rrd hostile-huge-f1998-g.rrd \
	hostile-longnames-ok-g.rrd hostile-a_b-ok-g.rrd hostile-esc__31m_-ok-g.rrd \
	hostile-____________escape-ok-g.rrd hostile-____________escape-_etc_passwd-g.rrd; do
	[ -f "$T/db/bad/$f" ] || fail "missing $f: $(ls "$T/db/bad" | head -30)"
done
[ -f "$T/db/bad/hostile-huge-f1999-g.rrd" ] && fail "huge kept more than its bound"
n=$(find "$T/db/bad" -name 'hostile-many-*' | wc -l)
[ "$n" -gt 0 ] && [ "$n" -le 1000 ] || fail "many: $n files for 1000 fields left to the host"
# nothing outside dbdir, state_dir and graph_cache; every RRD file sits
# directly in its group's directory with a plain name
out=$(find "$T" -newer "$T/start" -type f ! -path "$T/db/*" ! -path "$T/state/*" \
	! -path "$T/graphs/*" ! -path "$T/fake/*" ! -name '*.log' ! -name late ! -name hosts.json)
[ -z "$out" ] || fail "files outside dbdir: $out"
out=$(find "$T/db" -mindepth 2 \( -mindepth 3 -o ! -type f -o ! -regex '.*/[A-Za-z0-9_.-]*\.rrd' \))
[ -z "$out" ] || fail "odd paths in dbdir: $(echo "$out" | head)"
[ -z "$(find / /tmp "$T" -maxdepth 3 -xdev -newer "$T/start" -name '*escape*' 2>/dev/null | grep -v "^$T/db/bad/")" ] ||
	fail "a file named escape outside dbdir"
# no control character of the node's reached the log
if LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$T/drover.log"; then
	fail "control characters in the log: $(LC_ALL=C grep -n $'[\x01-\x08\x0b-\x1f\x7f]' "$T/drover.log" | cat -v | head -3)"
fi
echo "PASS: hostile nodes cut at their bounds, control node on schedule"
