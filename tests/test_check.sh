#!/bin/bash
# drover check against a running "drover run" on the built-in node source:
# OK, a WARNING and a CRITICAL forced by munin.conf overrides (ranges no
# value of this machine's load or CPU counter can be inside), --field,
# perfdata, an unknown host/service (3), stale data (3) and the daemon
# down (3) -- one status line each, exit codes per the plugin guidelines.
. "$top_srcdir/tests/lib/common.sh" || exit 99

H=$(hostname)
cat >"$T/d.conf" <<CONF
dbdir $T/db
graph_cache $T/gc
interval 2
state_dir $T/state
alert_attempts 1
local_node yes
listen 127.0.0.1:0
[$H]
    load.load.warning 1000000:
    cpu.user.critical -2:-1
CONF
start_bg "$T/run.log" "$DROVER" run -c "$T/d.conf"
DPID=$LAST_PID
wait_log "$T/run.log" 'web: dashboard on' 30 || fail "no dashboard: $(cat "$T/run.log")"
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/run.log" | head -1)
[ -n "$URL" ] || fail "no dashboard URL: $(cat "$T/run.log")"

# check CMD...: runs drover check, sets OUT and RC
check() {
	OUT=$("$DROVER" check "$@" 2>&1)
	RC=$?
	[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || fail "not one line: $OUT"
}

# wait for the first poll
memory_ok() {
	check --url "$URL" "$H" memory
	[ "$RC" = 0 ]
}
wait_until 60 memory_ok
note "$OUT"
[ "$RC" = 0 ] || fail "memory not OK ($RC): $OUT"
[[ "$OUT" == "DROVER OK - $H memory: "*"|'apps'="*B* ]] || fail "memory line: $OUT"

check --url "$URL" "$H" load
note "$OUT"
[ "$RC" = 1 ] || fail "load with warning 1000000: not WARNING ($RC): $OUT"
[[ "$OUT" == "DROVER WARNING - $H load: load "*"(warning below 1000000) |'load'="*";1000000:" ]] ||
	fail "load line: $OUT"

# the cpu counter is positive, so -2:-1 is CRITICAL
check --url "$URL" "$H" cpu
note "$OUT"
[ "$RC" = 2 ] || fail "cpu not CRITICAL ($RC): $OUT"
[[ "$OUT" == "DROVER CRITICAL - $H cpu: user "*"(critical above -1.00) |"*"'user'="*"c;;-2:-1;0"* ]] ||
	fail "cpu line: $OUT"
check --url "$URL" --field system "$H" cpu
[ "$RC" = 0 ] || fail "--field system not OK ($RC): $OUT"
[[ "$OUT" == *"|'system'="*"c;;;0" ]] || fail "--field perfdata: $OUT"

check --url "$URL" nosuchhost load
[ "$RC" = 3 ] || fail "unknown host not UNKNOWN ($RC): $OUT"
[[ "$OUT" == "DROVER UNKNOWN - nosuchhost load: no such host in drover" ]] || fail "$OUT"
check --url "$URL" "$H" nosuchservice
[ "$RC" = 3 ] || fail "unknown service not UNKNOWN ($RC): $OUT"
[[ "$OUT" == "DROVER UNKNOWN - $H nosuchservice: no such service in drover" ]] || fail "$OUT"

# stale: with --max-age 1, a 2 s interval leaves data older than 1 s most
# of the time
stale() {
	check --url "$URL" --max-age 1 "$H" load
	[[ "$OUT" == *"data is "*" s old (more than 1 s)" ]]
}
wait_until 60 stale
[ "$RC" = 3 ] || fail "stale data not UNKNOWN ($RC): $OUT"
[[ "$OUT" == "DROVER UNKNOWN - $H load: data is "* ]] || fail "stale line: $OUT"
note "$OUT"

stop_pid "$DPID" || fail "drover run exited $?"
check --url "$URL" --timeout 2 "$H" load
[ "$RC" = 3 ] || fail "daemon down not UNKNOWN ($RC): $OUT"
[[ "$OUT" == "DROVER UNKNOWN - cannot reach drover at $URL: "* ]] || fail "down line: $OUT"
note "$OUT"

check --bogus
[ "$RC" = 3 ] || fail "usage error not UNKNOWN ($RC)"
echo "PASS"
