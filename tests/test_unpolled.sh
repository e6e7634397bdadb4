#!/bin/bash
# Hosts drawn but not polled ("update no"), with the real Munin.  The
# real munin-update (user munin) polls a real munin-node (load, cpu) and
# leaves its RRD files and dbdir/datafile; the node is stopped and a
# listener takes its port, counting connections.  Then drover runs on
# Munin's dbdir with that host set to "update no" and a virtual host
# "agg" whose services are munin.conf lines only (a .sum across the
# host's cpu fields, a graph_order alias with a cdef):
#   - drover poll on the host prints "HOST: update no, not polled", exits 1;
#   - the host page lists its services (config from Munin's datafile) and
#     says "not polled (update no)", its state is not UNKNOWN, no alert;
#   - its graphs and the aggregate's answer 200 with a PNG, and agg's
#     page lists its services; /api/v1 shows both, poll_state unpolled;
#   - nobody connects to the host's port;
#   - after a restart without the datafile the host keeps its services
#     (drover's restored catalog).
# It also checks what unpolled.h says of Munin: a munin-update run with
# the host at "update no" drops its config from the datafile.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
set -o pipefail
UPDATE=/usr/share/munin/munin-update
[ "$(id -u)" = 0 ] || fail "needs root (munin-node's private mounts, runuser): run the tests as root"
need "$UPDATE" munin
need /usr/sbin/munin-node munin-node
need runuser util-linux
need curl curl
need "$PY" python3
id munin >/dev/null 2>&1 || fail "no user munin: install the Debian package munin (its postinst adds the user)"

chmod 755 "$T"
PORT=$(free_port 127.0.0.1)
trap '"$top_srcdir/tests/lib/munin_node.sh" stop "$T/node"; cleanup' EXIT
mkdir -p "$T/plugins" "$T/munin/db" "$T/munin/run" "$T/munin/log"
ln -s /usr/share/munin/plugins/load "$T/plugins/load"
ln -s /usr/share/munin/plugins/cpu "$T/plugins/cpu"
chown munin:munin "$T/munin/db" "$T/munin/run" "$T/munin/log"
munin_conf() { # UPDATE(yes|no)
	cat <<CONF
dbdir $T/munin/db
htmldir $T/munin/db
rundir $T/munin/run
logdir $T/munin/log
tmpldir /etc/munin/templates
[grp;alpha.test]
    address 127.0.0.1
    port $PORT
    use_node_name yes
    update $1
CONF
}
munin_conf yes > "$T/munin/munin.conf"
PLUGINS="$T/plugins" "$top_srcdir/tests/lib/munin_node.sh" start \
    "$T/node" 127.0.0.1 "$PORT" alpha.test >/dev/null || fail "munin-node did not start"
runuser -u munin -- "$UPDATE" --config_file "$T/munin/munin.conf" \
    --nofork >"$T/update.log" 2>&1 || fail "munin-update: $(tail -20 "$T/update.log")"
"$top_srcdir/tests/lib/munin_node.sh" stop "$T/node"
grep -q '^grp;alpha.test:load.load.label load$' "$T/munin/db/datafile" ||
    fail "munin-update wrote no load config: $(head "$T/munin/db/datafile")"
ls "$T/munin/db/grp/alpha.test-load-load-g.rrd" >/dev/null || fail "no load RRD"

# what Munin itself does on its next run with "update no" (a copy)
mkdir -p "$T/m2/db" "$T/m2/run" "$T/m2/log"
cp -a "$T/munin/db/." "$T/m2/db/"
munin_conf no | sed "s#$T/munin/#$T/m2/#" > "$T/m2/munin.conf"
chown -R munin:munin "$T/m2"
runuser -u munin -- "$UPDATE" --config_file "$T/m2/munin.conf" --nofork \
    >"$T/update2.log" 2>&1 || fail "munin-update 2: $(tail "$T/update2.log")"
grep -q alpha.test "$T/m2/db/datafile" &&
    fail "munin-update kept an update-no host's config: fix unpolled.h"
note "munin-update with update no: $(wc -l < "$T/m2/db/datafile") line(s) left in its datafile"

# a listener on the node's port: any connection is a poll
$PY - "$PORT" "$T/connects" <<'PY' >"$T/listener.log" 2>&1 &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
while True:
    c, _ = s.accept()
    open(sys.argv[2], "a").write("connect\n"); c.close()
PY
LISTENER=$!
BG_PIDS="$BG_PIDS $LISTENER"

drover_conf() {
	munin_conf no
	cat <<CONF
[grp;agg]
    update no
    cpu_sum.graph_title User and system
    cpu_sum.graph_vlabel %
    cpu_sum.busy.label busy
    cpu_sum.busy.sum alpha.test:cpu.user alpha.test:cpu.system
    load_x2.graph_title Load doubled
    load_x2.graph_order l=alpha.test:load.load
    load_x2.l.label load
    load_x2.l.cdef l,2,*
CONF
}
{
	echo "interval 2"
	echo "local_node no"
	echo "listen 127.0.0.1:0"
	echo "state_dir $T/state"
	echo "graph_cache $T/graphs"
	drover_conf
} > "$T/drover.conf"

out=$("$DROVER" poll -c "$T/drover.conf" alpha.test 2>&1); rc=$?
[ "$rc" = 1 ] || fail "drover poll exited $rc: $out"
[ "$out" = "alpha.test: update no, not polled" ] || fail "drover poll said: $out"

get() { curl -s -o "$2" -w '%{http_code}' "$1"; }
png() { [ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' ')" = 89504e47 ]; }
check_web() { # LOG
	local port
	port=$(dashboard_port "$1") || fail "no dashboard: $(cat "$1")"
	B=http://127.0.0.1:$port
	[ "$(get "$B/alpha.test/" "$T/host.html")" = 200 ] || fail "host page"
	grep -q "not polled (update no)" "$T/host.html" ||
	    fail "the host page does not say so: $(cat "$T/host.html")"
	grep -q 'href="load/"' "$T/host.html" && grep -q 'href="cpu/"' "$T/host.html" ||
	    fail "the host page lists no services: $(cat "$T/host.html")"
	grep -q "last good poll" "$T/host.html" && fail "the host page speaks of polls"
	for g in alpha.test/load alpha.test/cpu agg/cpu_sum agg/load_x2; do
		[ "$(get "$B/$g-day.png" "$T/g.png")" = 200 ] ||
		    fail "GET /$g-day.png: $(cat "$T/g.png"; tail "$1")"
		png "$T/g.png" || fail "/$g-day.png is no PNG"
	done
	[ "$(get "$B/agg/" "$T/agg.html")" = 200 ] || fail "agg page"
	[ "$(get "$B/agg/cpu_sum/" "$T/svc.html")" = 200 ] ||
	    fail "agg's service page: $(cat "$T/svc.html")"
	grep -q 'cpu_sum-day.png' "$T/svc.html" || fail "agg's service page draws nothing"
	grep -q 'href="cpu_sum/"' "$T/agg.html" && grep -q 'href="load_x2/"' "$T/agg.html" ||
	    fail "agg's page lists no services: $(cat "$T/agg.html")"
	[ "$(get "$B/api/v1/hosts" "$T/hosts.json")" = 200 ] || fail "api hosts"
	$PY - "$T/hosts.json" <<'PY' || fail "api: $(cat "$T/hosts.json")"
import json, sys
j = json.load(open(sys.argv[1]))
hosts = {h["name"]: h for h in (j["hosts"] if isinstance(j, dict) else j)}
for n in ("alpha.test", "agg"):
    h = hosts[n]
    assert h["poll_state"] == "unpolled", h
    assert h["update"] is False, h
    assert h["state"] == "OK", h
PY
	[ "$(get "$B/api/v1/hosts/agg/cpu_sum" "$T/svc.json")" = 200 ] ||
	    fail "api agg/cpu_sum: $(cat "$T/svc.json")"
	# an alias's data is its host's file's
	[ "$(get "$B/api/v1/hosts/agg/load_x2/data" "$T/data.json")" = 200 ] ||
	    fail "api agg/load_x2/data: $(cat "$T/data.json")"
	$PY - "$T/data.json" <<'PY' || fail "alias data: $(head -c 600 "$T/data.json")"
import json, sys
f = json.load(open(sys.argv[1]))["fields"]["l"]
assert "error" not in f and f["rows"], f
PY
	[ "$(get "$B/api/v1/alerts" "$T/alerts.json")" = 200 ] || fail "api alerts"
	grep -q -e alpha.test -e '"agg"' "$T/alerts.json" && fail "alerts: $(cat "$T/alerts.json")"
	return 0
}

start_bg "$T/run1.log" "$DROVER" run -c "$T/drover.conf"
D1=$LAST_PID
check_web "$T/run1.log"
sleep 5 # two intervals: no poll of the host
[ ! -e "$T/connects" ] || fail "drover connected to the update-no host's port"
stop_pid "$D1" || fail "drover run exited $?: $(cat "$T/run1.log")"
[ -z "$(warnings "$T/run1.log")" ] || fail "warnings: $(warnings "$T/run1.log")"

# drover saw it: without Munin's datafile it keeps the services
mv "$T/munin/db/datafile" "$T/datafile.munin"
start_bg "$T/run2.log" "$DROVER" run -c "$T/drover.conf"
D2=$LAST_PID
check_web "$T/run2.log"
stop_pid "$D2" || fail "drover run 2 exited $?: $(cat "$T/run2.log")"
[ ! -e "$T/connects" ] || fail "drover connected to the update-no host's port"
echo "PASS: update-no hosts and aggregates drawn, never polled"
