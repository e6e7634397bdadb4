#!/bin/bash
# A host's "contacts" list (Munin's host-section keyword) end to end: four
# hosts on a real munin-node go WARNING at once, each with another list;
# the contact commands (each appending what it is given to its own file)
# show who heard which host: only the listed contacts, every contact with
# a command when the host has no list, nobody for "none".
. "$top_srcdir/tests/lib/common.sh"
need /usr/sbin/munin-node munin-node
NODE="$top_srcdir/tests/lib/munin_node.sh"

mkdir -p "$T/plugins"
ln -s /usr/share/munin/plugins/load "$T/plugins/load"
PORT=$(free_port 127.0.0.1)
PLUGINS="$T/plugins" "$NODE" start "$T/node" 127.0.0.1 "$PORT" node.test >"$T/node.out" 2>&1 ||
	fail "munin-node did not start: $(cat "$T/node.out")"
trap '"$NODE" stop "$T/node" >/dev/null; cleanup' EXIT

# a load average is never below -1: every host is WARNING from its
# second sample (alert_attempts 2)
host() { # NAME [CONTACTS]
	echo "[$1]"
	echo "    address 127.0.0.1"
	echo "    port $PORT"
	echo "    load.load.warning -2:-1"
	[ $# -lt 2 ] || echo "    contacts $2"
}
{
	cat <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
interval 2
local_node no
listen 127.0.0.1:0
CONF
	for c in ops pager audit; do
		echo "contact.$c.command cat >> $T/$c.out"
		echo "contact.$c.text \${var:host} \${var:worst}"
	done
	host alpha.test ops
	host beta.test "ops pager"
	host gamma.test
	host delta.test none
} >"$T/drover.conf"
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID

for h in alpha beta gamma delta; do
	wait_log "$T/drover.log" "alerts: $h.test load load is WARNING (was OK)" 60 ||
		fail "$h.test never went WARNING: $(cat "$T/drover.log")"
done
has() { [ -f "$T/$1.out" ] && grep -qx "$2.test WARNING" "$T/$1.out"; }
for want in ops:alpha ops:beta ops:gamma pager:beta pager:gamma audit:gamma; do
	wait_until 60 has "${want%%:*}" "${want#*:}" ||
		fail "${want%%:*} did not hear ${want#*:}.test: $(cat "$T"/*.out 2>/dev/null)"
done
# every message of those changes went out with the lines above (one
# notification per host reaches all its contacts at once); once drover
# runs no contact command any more, nothing else is on its way
idle() { ! ps -o pid= --ppid "$DPID" >/dev/null; }
wait_until 60 idle || fail "contact commands still running: $(ps -f --ppid "$DPID")"
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
warnings "$T/drover.log" && fail "warnings: $(warnings "$T/drover.log")"

for c in ops pager audit; do
	note "$c heard: $(tr '\n' ',' <"$T/$c.out")"
done
[ "$(sort "$T/ops.out" | tr '\n' ',')" = "alpha.test WARNING,beta.test WARNING,gamma.test WARNING," ] ||
	fail "ops heard: $(cat "$T/ops.out")"
[ "$(sort "$T/pager.out" | tr '\n' ',')" = "beta.test WARNING,gamma.test WARNING," ] ||
	fail "pager heard: $(cat "$T/pager.out")"
[ "$(cat "$T/audit.out")" = "gamma.test WARNING" ] || fail "audit heard: $(cat "$T/audit.out")"
echo "PASS: host contacts"
