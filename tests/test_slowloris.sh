#!/bin/bash
# Slow clients (slowloris) from many loopback addresses never take the
# dashboard down.  Counted from the attacker's side (tests/lib/slowloris.py):
#  1. fewer trickling connections than the server holds, each sending a
#     header byte every second (so MHD's idle timeout never fires): the
#     server closes every one of them (the deadline for a whole request
#     head), while the attacker would go on;
#  2. the attack of issue 14 (800 connections from 20 addresses, a header
#     byte every 4 s, each closed one opened again): the server closes
#     trickling connections to make room, and every one of 20 plain GETs
#     of / from 127.0.0.1, spread over four rounds of the attack, answers
#     200;
#  3. after the attack, / answers at once.
# The client timeouts and waits below only bound a hang; how fast / answers
# is bench/slowloris.sh's figure.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
need curl curl

GETS=20
cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
local_node no
listen 127.0.0.1:0
CONF
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"

get_root() {
	curl -s -o /dev/null -m 10 -w '%{http_code}' "http://127.0.0.1:$PORT/"
}
[ "$(get_root)" = 200 ] || fail "/ does not answer before any attack"

# 1. the head deadline: 200 connections (the server holds more), a byte a
# second; the attacker ends when the server has closed them all
$PY "$top_srcdir/tests/lib/slowloris.py" "$PORT" "$T/head.json" \
	--conns 200 --addrs 20 --period 1 --max-seconds 60 ||
	fail "attacker failed"
note "head deadline: $(cat "$T/head.json")"
[ "$(json_get "$T/head.json" 'j["ended"]')" = "all closed" ] ||
	fail "trickling connections were not closed: $(cat "$T/head.json")"
[ "$(json_get "$T/head.json" 'j["closed"] == j["opened"] == 200 and j["rounds"] > 0')" = True ] ||
	fail "not every trickling connection was closed by the server: $(cat "$T/head.json")"

# 2. the full attack, kept up until the GETs are done
start_bg "$T/attack.log" $PY "$top_srcdir/tests/lib/slowloris.py" "$PORT" \
	"$T/attack.json" --conns 800 --addrs 20 --period 4 --reconnect \
	--stop "$T/stop" --max-seconds 120
APID=$LAST_PID
# under way: all 800 connected, and the server closing some to make room
attack_full() {
	[ -s "$T/attack.json" ] &&
		[ "$(json_get "$T/attack.json" 'j["connected"] >= 800 and j["closed"] > 0')" = True ]
}
wait_until 60 attack_full || fail "the attack did not get going: $(cat "$T/attack.json" "$T/attack.log")"
# a few GETs in each of four trickle rounds, the attack's reconnects
# evicting the trickling connections meanwhile
rounds_done() {
	[ "$(json_get "$T/attack.json" "j['rounds'] >= $1")" = True ]
}
ok=0
r0=$(json_get "$T/attack.json" 'j["rounds"]')
for i in $(seq $GETS); do
	if [ $(((i - 1) % (GETS / 4))) = 0 ]; then
		wait_until 60 rounds_done $((r0 + (i - 1) / (GETS / 4))) ||
			fail "the attack stalled: $(cat "$T/attack.json")"
	fi
	code=$(get_root)
	[ "$code" = 200 ] && ok=$((ok + 1))
done
note "during the attack: $ok of $GETS GETs of / answered 200"
note "attack so far: $(cat "$T/attack.json")"
[ "$ok" = "$GETS" ] || fail "only $ok of $GETS GETs of / answered 200 during the attack"
kill -0 "$APID" 2>/dev/null || fail "the attack ended early: $(cat "$T/attack.json" "$T/attack.log")"
touch "$T/stop"
wait "$APID" || fail "attacker failed: $(cat "$T/attack.log")"
[ "$(json_get "$T/attack.json" 'j["ended"]')" = stopped ] ||
	fail "the attack was not in force for all the GETs: $(cat "$T/attack.json")"

# 3. and after it
[ "$(get_root)" = 200 ] || fail "/ does not answer after the attack"
wait_log "$T/drover.log" "web: slow clients: " 10 || fail "the slow clients were not logged"
kill -0 "$DPID" 2>/dev/null || fail "drover died: $(tail "$T/drover.log")"
stop_pid "$DPID" || fail "drover exited with an error: $(tail "$T/drover.log")"
grep "web: " "$T/drover.log" | sed 's/^/# /'
echo "PASS"
