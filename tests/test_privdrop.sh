#!/bin/bash
# Privilege drop: drover started as root with "user nobody" opens what
# needs root first (a listen port below 1024, its directories, made and
# given to nobody, root-owned leftovers of an earlier root run included),
# then runs as nobody with no capabilities in every thread: it still
# polls a real munin-node, writes RRD files, serves the dashboard on the
# low port, and its contact command runs as nobody.  A reload asking for
# another user says it takes a restart.  A user or group that does not
# exist is a config error naming file:line; without "user" and without
# a "drover" account, drover stays root and warns loudly.
. "$top_srcdir/tests/lib/common.sh"
[ "$(id -u)" = 0 ] || skip "needs root (it drops privileges)"
need /usr/sbin/munin-node munin-node
need rrdtool rrdtool
need curl curl
need setpriv util-linux
NODE="$top_srcdir/tests/lib/munin_node.sh"
NOBODY=$(id -u nobody) || fail "no user nobody"
NOGROUP=$(id -g nobody)

# nobody must reach the test's directories; the contact command writes
# into out/
chmod 755 "$T"
mkdir -p "$T/plugins" "$T/out" "$T/db/old"
mkdir -m 700 "$T/state"
chmod 777 "$T/out"
# left by an earlier run as root: given to nobody at start-up
echo '{}' >"$T/state/alerts.json"
touch "$T/db/old/x.rrd"
# nobody's already: its lock file is still made for nobody
mkdir -m 700 "$T/graphs"
chown "$NOBODY:$NOGROUP" "$T/graphs"
ln -s /usr/share/munin/plugins/load "$T/plugins/load"
PORT=$(free_port 127.0.0.1)
PLUGINS="$T/plugins" "$NODE" start "$T/node" 127.0.0.1 "$PORT" node.test >"$T/node.out" 2>&1 ||
	fail "munin-node did not start: $(cat "$T/node.out")"
trap '"$NODE" stop "$T/node" >/dev/null; cleanup' EXIT

# a free port below 1024 (only root may bind it)
LOW=$($PY -c '
import random, socket
ports = list(range(600, 1024)); random.shuffle(ports)
for p in ports:
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); print(p); break
    except OSError:
        pass
    finally:
        s.close()
') || fail "no free port below 1024"

cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
interval 2
local_node no
listen 127.0.0.1:$LOW
user nobody
contact.me.command id -u >$T/out/uid; id -g >$T/out/gid
contact.me.text \${var:host} \${var:worst}
[node.test]
    address 127.0.0.1
    port $PORT
    load.load.warning -2:-1
CONF
"$DROVER" config -c "$T/drover.conf" | grep -qx "user nobody" ||
	fail "drover config does not print user nobody"
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
wait_log "$T/drover.log" "drover: running as nobody:" 60 ||
	fail "no drop logged: $(cat "$T/drover.log")"

# every thread: the RRD writer and the renderer start after the drop,
# libuv's pool and libcurl's resolver threads later still
ids() { # STATUS-FILE: "uid gid capeff capprm capamb"
	awk '/^Uid:/ {u = $2 " " $3 " " $4 " " $5} /^Gid:/ {g = $2 " " $3 " " $4 " " $5}
	     /^CapEff:/ {e = $2} /^CapPrm:/ {p = $2} /^CapAmb:/ {a = $2}
	     END {print u "/" g "/" e "/" p "/" a}' "$1"
}
want="$NOBODY $NOBODY $NOBODY $NOBODY/$NOGROUP $NOGROUP $NOGROUP $NOGROUP/0000000000000000/0000000000000000/0000000000000000"
check_threads() {
	local t n=0
	kill -0 "$DPID" 2>/dev/null || fail "drover died: $(cat "$T"/*.log)"
	for t in /proc/"$DPID"/task/*; do
		[ "$(ids "$t/status")" = "$want" ] ||
			fail "thread ${t##*/}: uid/gid/CapEff/CapPrm/CapAmb $(ids "$t/status"), want $want"
		n=$((n + 1))
	done
	note "$n threads run as nobody with no capabilities"
}
check_threads
grep -q "^Groups:[[:space:]]*$NOGROUP\?[[:space:]]*$" /proc/"$DPID"/status ||
	fail "supplementary groups: $(grep ^Groups: /proc/"$DPID"/status)"

# it polls and writes RRD files as nobody
RRD="$T/db/test/node.test-load-load-g.rrd"
wait_for_file "$RRD" 60 || fail "no RRD file: $(ls -R "$T/db"; cat "$T/drover.log")"
[ "$(stat -c %u "$RRD")" = "$NOBODY" ] || fail "$RRD not owned by nobody"
lu() { rrdtool lastupdate "$1" | awk -F: 'NR == 3 {print $1}'; }
first=$(lu "$RRD")
later() { [ "$(lu "$RRD")" -gt "$first" ]; }
wait_until 60 later || fail "$RRD not updated after $first"
for f in "$T/state" "$T/state/alerts.json" "$T/db" "$T/db/old/x.rrd" "$T/graphs" \
	"$T/state/.drover.lock" "$T/db/.drover.lock" "$T/graphs/.drover.lock"; do
	[ "$(stat -c %u "$f")" = "$NOBODY" ] || fail "$f: owner $(stat -c %U "$f"), want nobody"
done
[ "$(stat -c %a "$T/graphs")" = 700 ] || fail "graph_cache mode $(stat -c %a "$T/graphs")"

# the dashboard answers on the low port, with a graph
code=$(curl -s -o "$T/index.html" -w '%{http_code}' "http://127.0.0.1:$LOW/") || fail "curl /"
[ "$code" = 200 ] || fail "GET / on port $LOW: $code"
code=$(curl -s -o "$T/load.png" -w '%{http_code}' "http://127.0.0.1:$LOW/node.test/load-day.png") ||
	fail "curl graph"
[ "$code" = 200 ] || fail "graph: $code $(cat "$T/load.png")"

# the contact command (through /bin/sh) runs as nobody
wait_for_file "$T/out/gid" 60 || fail "contact command never ran: $(cat "$T/drover.log")"
[ "$(cat "$T/out/uid")" = "$NOBODY" ] || fail "contact ran as uid $(cat "$T/out/uid")"
[ "$(cat "$T/out/gid")" = "$NOGROUP" ] || fail "contact ran as gid $(cat "$T/out/gid")"
check_threads
warnings "$T/drover.log" && fail "warnings: $(warnings "$T/drover.log")"

# a reload cannot become another user
sed -i 's/^user nobody$/user daemon/' "$T/drover.conf"
kill -HUP "$DPID"
wait_log "$T/drover.log" "conf: a new user or group takes a restart; still running as nobody" 60 ||
	fail "reload with a new user: $(tail "$T/drover.log")"
wait_log "$T/drover.log" "config reloaded" 60 || fail "not reloaded: $(tail "$T/drover.log")"
check_threads
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"

# started as nobody with CAP_NET_BIND_SERVICE in its ambient set (what
# systemd's User= and AmbientCapabilities= give): it binds the low port,
# then holds no capability
mkdir -m 700 "$T/amb"
chown nobody:nogroup "$T/amb"
cat >"$T/amb.conf" <<CONF
dbdir $T/amb/db
state_dir $T/amb/state
graph_cache $T/amb/graphs
interval 60
local_node no
listen 127.0.0.1:$LOW
CONF
start_bg "$T/amb.log" setpriv --reuid=nobody --regid=nogroup --clear-groups \
	--inh-caps=+net_bind_service --ambient-caps=+net_bind_service \
	"$DROVER" run -c "$T/amb.conf"
DPID=$LAST_PID
wait_log "$T/amb.log" "web: dashboard on http://127.0.0.1:$LOW/" 60 ||
	fail "as nobody with CAP_NET_BIND_SERVICE: $(cat "$T/amb.log")"
check_threads
stop_pid "$DPID" || fail "drover (ambient) failed: $(tail "$T/amb.log")"
warnings "$T/amb.log" && fail "warnings: $(warnings "$T/amb.log")"

# a user or group that does not exist names file and line
printf 'interval 60\nlocal_node no\nuser no-such-user-x\ngroup no-such-group-x\n' >"$T/bad.conf"
"$DROVER" config -c "$T/bad.conf" >"$T/bad.out" 2>&1 && fail "config accepted a missing user"
grep -qF "$T/bad.conf:3: user \"no-such-user-x\" does not exist" "$T/bad.out" ||
	fail "no file:line for the user: $(cat "$T/bad.out")"
grep -qF "$T/bad.conf:4: group \"no-such-group-x\" does not exist" "$T/bad.out" ||
	fail "no file:line for the group: $(cat "$T/bad.out")"
"$DROVER" run -c "$T/bad.conf" >"$T/badrun.out" 2>&1 && fail "run started with a missing user"
grep -qF "$T/bad.conf:3: user" "$T/badrun.out" || fail "run: $(cat "$T/badrun.out")"

# no "user": the "drover" account when it exists, else root with a warning
printf 'interval 60\nlocal_node no\nlisten 127.0.0.1:0\ndbdir %s\nstate_dir %s\ngraph_cache %s\n' \
	"$T/db2" "$T/state2" "$T/graphs2" >"$T/default.conf"
start_bg "$T/default.log" "$DROVER" run -c "$T/default.conf"
D2=$LAST_PID
wait_log "$T/default.log" "web: dashboard on" 60 || fail "default: $(cat "$T/default.log")"
if id -u drover >/dev/null 2>&1; then
	grep -q "^Uid:[[:space:]]*$(id -u drover)[[:space:]]" /proc/"$D2"/status ||
		fail "default: not running as drover"
else
	grep -q 'warning: drover: WARNING: no user "drover" on this system: running as root' "$T/default.log" ||
		fail "default: no warning: $(cat "$T/default.log")"
	grep -q "^Uid:[[:space:]]*0[[:space:]]" /proc/"$D2"/status || fail "default: not root"
fi
stop_pid "$D2" || fail "default drover failed: $(tail "$T/default.log")"
echo "PASS: drops to nobody after binding port $LOW; polls, writes, serves, contacts as nobody"
