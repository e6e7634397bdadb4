#!/bin/bash
# drover node among real Munin peers (issue 15):
#  (a) Debian's munin-update 2.0.73 polls drover node and writes its RRD
#      files for cpu, load and memory, with no error or warning logged;
#  (b) drover run polls drover node as it polls any munin-node: the
#      host's services appear in /api and as RRD files;
#  (c) the real munin-node and drover node answer one scripted session
#      (banner, cap, list, nodes, version, config, fetch, an unknown
#      command, an unknown service, quit) with the same structure
#      (tests/lib/node_session.py normalises names and values).
# munin-update refuses to run as root, so it runs as user munin;
# munin-node needs root for its private mounts.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail
UPDATE=/usr/share/munin/munin-update
[ "$(id -u)" = 0 ] || fail "needs root (munin-node's private mounts, runuser): run the tests as root"
need "$UPDATE" munin
need /usr/sbin/munin-node munin-node
need rrdtool rrdtool
need runuser util-linux
need curl curl
id munin >/dev/null 2>&1 || fail "no user munin: install the Debian package munin (its postinst adds the user)"
SESSION="$top_srcdir/tests/lib/node_session.py"
chmod 755 "$T"

NPORT=$(free_port 127.0.0.1)
cat >"$T/node.conf" <<CONF
node_listen 127.0.0.1:$NPORT
node_host_name agent.test
user root
node_plugin_dir $T/no-plugins
CONF
mkdir "$T/no-plugins"
start_bg "$T/node.log" "$DROVER" node -c "$T/node.conf"
NODE_PID=$LAST_PID
wait_log "$T/node.log" "node: agent.test on 127.0.0.1:$NPORT" 30 ||
	fail "drover node did not start: $(cat "$T/node.log")"

# ---- (a) munin-update ------------------------------------------------
mkdir -p "$T/munin/db" "$T/munin/run" "$T/munin/log"
chown munin:munin "$T/munin/db" "$T/munin/run" "$T/munin/log"
cat >"$T/munin/munin.conf" <<CONF
dbdir $T/munin/db
htmldir $T/munin/db
rundir $T/munin/run
logdir $T/munin/log
tmpldir /etc/munin/templates
[agents;agent.test]
    address 127.0.0.1
    port $NPORT
    use_node_name yes
CONF
# update N: one munin-update run, its output in $T/update.N.log
update() {
	runuser -u munin -- "$UPDATE" --config_file "$T/munin/munin.conf" \
		--nofork --debug >"$T/update.$1.log" 2>&1 ||
		fail "munin-update: $(tail -20 "$T/update.$1.log")"
}
complaints() {
	grep -iE '\[(error|warning|fatal)\]|error:|warning:' "$@"
}
# The first run on an empty dbdir: munin-update 2.0.73 "tunes" each RRD
# file before making it and logs "[ERROR] Tuning ... failed" for every
# field, with the real munin-node too; the second run must be clean.
update 1
bad=$(complaints "$T/update.1.log" | grep -v "\[ERROR\] Tuning [a-z]* of '.*' to '.*' failed\.$" | head -5)
[ -z "$bad" ] || fail "munin-update's first run complained: $bad"
grep -q 'dirtyconfig' "$T/update.1.log" || fail "munin-update did not negotiate dirtyconfig: $(head -30 "$T/update.1.log")"
for f in cpu-user-d cpu-idle-d load-load-g memory-apps-g memory-free-g; do
	[ -f "$T/munin/db/agents/agent.test-$f.rrd" ] ||
		fail "munin-update made no agent.test-$f.rrd: $(ls "$T/munin/db"/* | head; tail -20 "$T/update.1.log")"
done
# a second run within the same second stores nothing ("Not enough
# arguments"), with munin-node too: wait for the clock to move on
t1=$(date +%s)
wait_until 10 sh -c '[ "$(date +%s)" -gt "$1" ]' sh "$t1" || fail "the clock stands still"
update 2
bad=$(complaints "$T/update.2.log" | head -5)
[ -z "$bad" ] || fail "munin-update complained: $bad"
# the values came with the config (dirtyconfig): stored
lu=$(rrdtool last "$T/munin/db/agents/agent.test-load-load-g.rrd") || fail "rrdtool last"
[ "$lu" -gt 0 ] || fail "munin-update stored no load value"
# the last value given to the file (a step of 300 s may not be complete)
rrdtool info "$T/munin/db/agents/agent.test-load-load-g.rrd" |
	grep -qE '^ds\[42\]\.last_ds = "[0-9]+(\.[0-9]+)?"$' ||
	fail "no load value in munin-update's RRD: $(rrdtool info "$T/munin/db/agents/agent.test-load-load-g.rrd" | grep last_ds)"
note "(a) munin-update wrote $(ls "$T/munin/db/agents" | wc -l) RRD files, no error"

# ---- (b) drover run --------------------------------------------------
cat >"$T/drover.conf" <<CONF
dbdir $T/db
interval 5
local_node no
listen 127.0.0.1:0
state_dir $T/state
graph_cache $T/graphs
user root
[agents;agent.test]
    address 127.0.0.1
    port $NPORT
CONF
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
RUN_PID=$LAST_PID
wait_log "$T/drover.log" 'web: dashboard on http://127.0.0.1:[0-9]*/' 30 ||
	fail "no dashboard: $(cat "$T/drover.log")"
WEB=$(grep -o 'dashboard on http://127.0.0.1:[0-9]*' "$T/drover.log" | grep -o '[0-9]*$')
polled() {
	local svc
	for svc in cpu load memory; do
		curl -sf "http://127.0.0.1:$WEB/api/v1/hosts/agent.test/$svc" |
			$PY -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["last_update"] > 0 else 1)' 2>/dev/null ||
			return 1
	done
}
wait_until 60 polled || fail "drover run did not poll drover node: $(tail "$T/drover.log")"
stop_pid "$RUN_PID" || fail "drover run failed: $(tail "$T/drover.log")"
for f in cpu-user-d load-load-g memory-apps-g; do
	[ -f "$T/db/agents/agent.test-$f.rrd" ] || fail "drover run made no agent.test-$f.rrd"
done
w=$(warnings "$T/drover.log")
[ -z "$w" ] || fail "drover run warned: $w"
note "(b) drover run polled drover node"

# ---- (c) the same session against munin-node and drover node ----------
MPORT=$(free_port 127.0.0.1)
mkdir -p "$T/plugins"
for p in cpu load memory; do
	ln -s "/usr/share/munin/plugins/$p" "$T/plugins/$p"
done
trap '"$top_srcdir/tests/lib/munin_node.sh" stop "$T/mnode" >/dev/null; cleanup' EXIT
PLUGINS="$T/plugins" "$top_srcdir/tests/lib/munin_node.sh" start "$T/mnode" \
	127.0.0.1 "$MPORT" munin.test >/dev/null || fail "munin-node did not start"
$PY "$SESSION" 127.0.0.1 "$MPORT" munin.test cpu load memory >"$T/munin.session" ||
	fail "session with munin-node: $(cat "$T/munin.session")"
$PY "$SESSION" 127.0.0.1 "$NPORT" agent.test cpu load memory >"$T/drover.session" ||
	fail "session with drover node: $(cat "$T/drover.session")"
grep -qx 'cpu load memory' "$T/drover.session" || fail "drover node does not list cpu, load and memory: $(cat "$T/drover.session")"
grep -qx 'load.value NUM' "$T/drover.session" || fail "no load value: $(cat "$T/drover.session")"
diff -u "$T/munin.session" "$T/drover.session" >"$T/session.diff" ||
	fail "drover node answers unlike munin-node: $(cat "$T/session.diff")"
note "(c) $(wc -l <"$T/drover.session") normalised lines alike"

stop_pid "$NODE_PID" || fail "drover node exited $?: $(cat "$T/node.log")"
grep -q 'node: stopped' "$T/node.log" || fail "no clean stop: $(cat "$T/node.log")"
w=$(warnings "$T/node.log")
[ -z "$w" ] || fail "drover node warned: $w"
echo "PASS: munin-update and drover run poll drover node; its session matches munin-node's"
