#!/bin/bash
# drover node against hostile clients (tests/lib/node_hostile.py): a
# client node_allow does not permit gets no banner; an overlong line
# drops its client; 300 connections at once are bounded while a good
# client is still answered; a client that never reads its answers is
# dropped without delaying another.  Each refusal is logged.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail
HOSTILE="$top_srcdir/tests/lib/node_hostile.py"
ulimit -n 4096 2>/dev/null || true

# start_node NAME EXTRA-CONF: drover node on a free port ($PORT)
start_node() {
	PORT=$(free_port 127.0.0.1)
	mkdir -p "$T/no-plugins"
	printf 'node_listen 127.0.0.1:%s\nnode_host_name hostile.test\nuser root\nnode_plugin_dir %s/no-plugins\n%s\n' \
		"$PORT" "$T" "$2" >"$T/$1.conf"
	start_bg "$T/$1.log" "$DROVER" node -c "$T/$1.conf"
	NODE_PID=$LAST_PID
	wait_log "$T/$1.log" "node: hostile.test on 127.0.0.1:$PORT" 30 ||
		fail "drover node did not start: $(cat "$T/$1.log")"
}
stop_node() {
	stop_pid "$NODE_PID" || fail "drover node exited $?: $(cat "$T/$1.log")"
	grep -q 'node: stopped' "$T/$1.log" || fail "no clean stop: $(cat "$T/$1.log")"
}

# not allowed: 127.0.0.1 is outside the list
start_node deny 'node_allow 10.0.0.0/8
node_allow ::1'
$PY "$HOSTILE" nobanner 127.0.0.1 "$PORT" || fail "a client not in node_allow"
wait_log "$T/deny.log" 'node: 127.0.0.1: not in node_allow, closed' 10 ||
	fail "the refusal was not logged: $(cat "$T/deny.log")"
stop_node deny

start_node main ''
$PY "$HOSTILE" overlong 127.0.0.1 "$PORT" || fail "overlong line"
wait_log "$T/main.log" 'node: 127.0.0.1: a line longer than 4096 bytes, dropped' 10 ||
	fail "the overlong line was not logged: $(cat "$T/main.log")"
$PY "$HOSTILE" flood 127.0.0.1 "$PORT" 300 || fail "flood"
wait_log "$T/main.log" 'connections open, the most allowed' 10 ||
	fail "the refused connections were not logged: $(cat "$T/main.log")"
$PY "$HOSTILE" slowreader 127.0.0.1 "$PORT" || fail "slow reader"
wait_log "$T/main.log" 'does not read its answers' 10 ||
	fail "the slow reader's drop was not logged: $(cat "$T/main.log")"
stop_node main
echo "PASS: refused, overlong, flooding and non-reading clients are bounded"
