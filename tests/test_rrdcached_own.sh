#!/bin/bash
# drover's own rrdcached (rrdcached_own), a real rrdcached that drover
# starts and supervises, polling a real agent (drover node):
# - forced on: the values go through the daemon (it holds them, the file
#   on disk is untouched), /health shows it running, a graph flushes its
#   files through it and shows the latest value; a reload keeps it;
# - kill -9 of the daemon: drover restarts it, and every value the daemon
#   held is in the file at the end (its journal, and the writer's resend
#   of what rrdcached's stdio-buffered journal lost), no RRD error;
# - kill -9 of drover leaves the daemon running: the next drover stops it
#   and starts its own, nothing blocks the start;
# - drover's stop flushes and stops the daemon: no rrdcached left, no
#   journal left, every value it held in the file;
# - below rrdcached_own_hosts (auto), or without the binary, the files
#   are written directly; at the threshold auto starts one.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
. "$top_srcdir/tests/lib/rrdcached.sh"
set -o pipefail

need rrdcached rrdcached
need rrdtool rrdtool
need curl curl
RCDIR=$T/state/rrdcached
SOCK=unix:$RCDIR/rrdcached.sock
own_pid() { cat "$RCDIR/rrdcached.pid" 2>/dev/null; }
# a drover killed with -9 leaves its daemon: none of this test's stays
RC_SEEN=""
trap 'for p in $RC_SEEN $(own_pid); do kill -KILL "$p" 2>/dev/null; done; cleanup' EXIT

# the agent: drover node's built-in sources, on a port of its own
NPORT=$(free_port 127.0.0.1)
mkdir "$T/no-plugins"
cat >"$T/node.conf" <<CONF
node_listen 127.0.0.1:$NPORT
node_host_name agent.test
user root
node_plugin_dir $T/no-plugins
CONF
start_node() {
	start_bg "$T/node.log" "$DROVER" node -c "$T/node.conf"
	NODE_PID=$LAST_PID
	wait_log "$T/node.log" "node: agent.test on 127.0.0.1:$NPORT" 30 ||
		fail "drover node did not start: $(cat "$T/node.log")"
}
start_node

# conf DIR OWN [GLOBAL...]: a config polling the agent every 2 s into DIR
conf() {
	local dir=$1 own=$2
	shift 2
	mkdir -p "$dir"
	{
		printf 'dbdir %s/db\nstate_dir %s/state\ngraph_cache %s/graphs\n' \
			"$dir" "$dir" "$dir"
		printf 'interval 2\nlisten 127.0.0.1:0\nrrdcached_own %s\n' "$own"
		printf '%s\n' "$@"
		printf '[agents;agent.test]\naddress 127.0.0.1\nport %s\n' "$NPORT"
	} >"$dir/drover.conf"
}
start_drover() {
	start_bg "$1/drover.log" "$DROVER" run -c "$1/drover.conf"
	DPID=$LAST_PID
	WEB=$(dashboard_port "$1/drover.log") || fail "no dashboard: $(cat "$1/drover.log")"
}
F=$T/db/agents/agent.test-load-load-g.rrd
# held: the timestamps of the load values the daemon holds, one a line
held() { rrdc "$SOCK" PENDING "$F" | awk -F: 'NR > 1 && $2 != "U" {print $1}'; }
at_least_held() { [ "$(held | wc -l)" -ge "$1" ]; }
# held_all: "FILE TS" for every value the daemon holds of every file
held_all() {
	$PY - "${SOCK#unix:}" "$T/db" <<'PY'
import glob, socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sys.argv[1])
f = s.makefile("rw")
for path in sorted(glob.glob(sys.argv[2] + "/*/*.rrd") +
                   glob.glob(sys.argv[2] + "/.drover/*.rrd")):
    f.write("PENDING %s\n" % path)
    f.flush()
    n = int(f.readline().split()[0])
    for _ in range(max(n, 0)):
        ts, val = f.readline().strip().split(":", 1)
        if val != "U":
            print(path, ts)
PY
}
# lost_of LIST [ADDR]: the "FILE TS" lines of LIST (values a daemon held)
# now neither in FILE (TS after its last update) nor held by the daemon
# at ADDR; none when all are.  rrdcached 1.7.2 loses the end of its
# journal to a kill -9 (stdio-buffered): the latest values, so a lost one
# is later than what reached the file
lost_of() {
	$PY - "$@" <<'PY'
import collections, socket, subprocess, sys
want = collections.defaultdict(set)
for line in open(sys.argv[1]):
    path, ts = line.split()
    want[path].add(int(ts))
f = None
if len(sys.argv) > 2:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(sys.argv[2].replace("unix:", "", 1))
    f = s.makefile("rw")
for path, tss in sorted(want.items()):
    info = subprocess.run(["rrdtool", "info", path], capture_output=True,
                          text=True, check=True).stdout
    last = int(next(l for l in info.splitlines()
                    if l.startswith("last_update")).split()[2])
    held = set()
    if f is not None:
        f.write("PENDING %s\n" % path)
        f.flush()
        n = int(f.readline().split()[0])
        for _ in range(max(n, 0)):
            held.add(int(f.readline().split(":")[0]))
    for ts in sorted(tss):
        if ts > last and ts not in held:
            print(path, ts, "last update", last)
PY
}
own_line() { curl -sf "http://127.0.0.1:$WEB/health" | grep -o '<th>own rrdcached</th><td[^>]*>[^<]*'; }

# ---- forced on ----------------------------------------------------------
conf "$T" yes
start_drover "$T"
wait_log "$T/drover.log" "rrdcached: pid [0-9]* on $SOCK" 30 ||
	fail "no own rrdcached: $(cat "$T/drover.log")"
RC1=$(own_pid)
RC_SEEN="$RC_SEEN $RC1"
[ -n "$RC1" ] && kill -0 "$RC1" || fail "the own rrdcached's pid file names no process"
own_line | grep -q "running, pid $RC1" || fail "/health: $(own_line)"
wait_until 60 test -f "$F" || fail "no load RRD: $(tail "$T/drover.log")"
created=$(rrd_last "$F")
wait_until 60 at_least_held 3 ||
	fail "the own rrdcached holds $(held | wc -l) load values, want 3: $(tail "$T/drover.log")"
[ "$(rrd_last "$F")" -eq "$created" ] || fail "the file changed while the daemon held its values"

# a graph flushes its files through the own daemon first
last=$(held | tail -1)
curl -sf -o "$T/load.png" "http://127.0.0.1:$WEB/agent.test/load-day.png" ||
	fail "graph: $(tail -3 "$T/drover.log")"
head -c 8 "$T/load.png" | od -An -c | grep -q 'P   N   G' || fail "the graph is not a PNG"
[ "$(rrd_last "$F")" -ge "$last" ] ||
	fail "the graph did not flush the load file ($(rrd_last "$F") < $last)"
rrdtool lastupdate "$F" | awk -F': ' -v t="$(rrd_last "$F")" '$1 == t && $2 ~ /^ *[0-9.e+-]+ *$/ {ok = 1} END {exit !ok}' ||
	fail "lastupdate of $F has no value after the graph's flush"

# a reload keeps the daemon (still wanted)
kill -HUP "$DPID"
wait_log "$T/drover.log" "config reloaded" 30 || fail "no reload: $(tail "$T/drover.log")"
[ "$(own_pid)" = "$RC1" ] && kill -0 "$RC1" || fail "the reload replaced or stopped the daemon"
own_line | grep -q "running, pid $RC1" || fail "/health after the reload: $(own_line)"

# ---- kill -9 of the daemon ------------------------------------------------
# no new values while it is killed (the agent stops), so a value it
# loses is a gap longer than the heartbeat: a NaN row
wait_until 60 at_least_held 3 || fail "no values held after the graph's flush"
kill -TERM "$NODE_PID"
wait "$NODE_PID" 2>/dev/null
wait_until 60 health_at_least "$WEB" "failed" 1 || fail "polls of a stopped agent do not fail"
idle() { [ "$(health_num "$WEB" "RRD queue")" -eq 0 ]; }
wait_until 60 idle || fail "the RRD queue does not drain"
held >"$T/held.1"
[ -s "$T/held.1" ] || fail "the daemon holds nothing before the kill"
held_all >"$T/all.1"
kill -KILL "$RC1"
wait_log "$T/drover.log" "rrdcached: exited after .*signal Killed; starting it again" 30 ||
	fail "drover did not see its rrdcached die: $(tail "$T/drover.log")"
restarted() { p=$(own_pid); [ -n "$p" ] && [ "$p" != "$RC1" ] && kill -0 "$p" 2>/dev/null; }
wait_until 60 restarted || fail "rrdcached was not started again: $(tail "$T/drover.log")"
RC2=$(own_pid)
RC_SEEN="$RC_SEEN $RC2"
wait_until 30 rrdc "$SOCK" STATS >/dev/null || fail "the new rrdcached does not answer"
health_at_least "$WEB" "own rrdcached restarts" 1 ||
	fail "/health restarts: $(health_num "$WEB" "own rrdcached restarts")"
own_line | grep -q "running, pid $RC2" || fail "/health after the restart: $(own_line)"
start_node
newer() {
	local n
	n=$(held | tail -1)
	[ -n "$n" ] && [ "$n" -gt "$(tail -1 "$T/held.1")" ]
}
wait_until 60 newer || fail "no values after the restart: $(tail "$T/drover.log")"
# before anything flushes the new daemon: each value held before the kill
# is in its file (its journal's replay) or held again (the writer's resend)
lost_of "$T/all.1" "$SOCK" >"$T/lost.1" || fail "cannot read the files back"
[ ! -s "$T/lost.1" ] || fail "$(wc -l <"$T/lost.1") of $(wc -l <"$T/all.1") values held before the daemon's kill -9 are lost: $(head -3 "$T/lost.1")"
[ "$(health_num "$WEB" "RRD errors")" -eq 0 ] ||
	fail "RRD errors across the restart: $(warnings "$T/drover.log" | tail -3)"

# ---- kill -9 of drover: its daemon stays; the next start clears it ---------
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
kill -0 "$RC2" || fail "the daemon died with drover"
# what it holds: a crashed drover's queue is lost, the daemon's is not
held >"$T/held.2"
held_all >"$T/all.2"
start_drover "$T"
wait_log "$T/drover.log" "rrdcached: stopping pid $RC2, left by an earlier run" 30 ||
	fail "the leftover daemon was not stopped: $(cat "$T/drover.log")"
wait_log "$T/drover.log" "rrdcached: pid [0-9]* on $SOCK" 30 ||
	fail "no own rrdcached after the crash: $(cat "$T/drover.log")"
! kill -0 "$RC2" 2>/dev/null || fail "the leftover rrdcached $RC2 still runs"
RC3=$(own_pid)
RC_SEEN="$RC_SEEN $RC3"
wait_until 60 at_least_held 3 || fail "no values held after the crash: $(tail "$T/drover.log")"

# ---- drover's stop --------------------------------------------------------
held >"$T/held.3"
held_all >"$T/all.3"
stop_pid "$DPID" || fail "drover exited with an error: $(tail "$T/drover.log")"
for p in $RC1 $RC2 $RC3; do
	! kill -0 "$p" 2>/dev/null || fail "rrdcached $p still runs after drover's stop"
done
[ -z "$(ls "$RCDIR/journal")" ] || fail "a journal is left: $(ls "$RCDIR/journal")"
note "values held (all files) before the daemon's kill $(wc -l <"$T/all.1"), before drover's kill $(wc -l <"$T/all.2"), before the stop $(wc -l <"$T/all.3")"
for i in 2 3; do
	lost_of "$T/all.$i" >"$T/lost.$i" || fail "cannot read the files back"
done
[ ! -s "$T/lost.2" ] || fail "$(wc -l <"$T/lost.2") values held before drover's kill -9 are lost: $(head -3 "$T/lost.2")"
[ ! -s "$T/lost.3" ] || fail "$(wc -l <"$T/lost.3") values held at the stop are lost: $(head -3 "$T/lost.3")"
grep "stopped; .* RRD updates, 0 errors" "$T/drover.log" >/dev/null ||
	fail "RRD errors: $(grep stopped "$T/drover.log")"
if warnings "$T/drover.log" | grep -v -e "rrdcached: exited after" -e "node: \|agent.test" | grep -q .; then
	fail "warnings: $(warnings "$T/drover.log" | grep -v "rrdcached: exited after" | head -5)"
fi

# ---- below the threshold: direct writes -----------------------------------
conf "$T/direct" auto "rrdcached_own_hosts 2"
F=$T/direct/db/agents/agent.test-load-load-g.rrd
start_drover "$T/direct"
wait_until 60 test -f "$F" || fail "no load RRD (direct): $(tail "$T/direct/drover.log")"
first=$(rrd_last "$F")
advanced() { [ "$(rrd_last "$F")" -gt "$first" ]; }
wait_until 60 advanced || fail "direct writes do not reach the file"
! grep -q "rrdcached" "$T/direct/drover.log" || fail "an rrdcached below the threshold: $(grep rrdcached "$T/direct/drover.log")"
[ ! -e "$T/direct/state/rrdcached" ] || fail "state_dir/rrdcached made below the threshold"
! curl -sf "http://127.0.0.1:$WEB/health" | grep -q "own rrdcached" || fail "/health shows an own rrdcached"
stop_pid "$DPID" || fail "drover (direct) exited with an error"

# ---- at the threshold: auto starts one -------------------------------------
conf "$T/auto" auto "rrdcached_own_hosts 1"
start_drover "$T/auto"
wait_log "$T/auto/drover.log" "starting drover's own rrdcached (rrdcached_own auto, 1 hosts" 30 ||
	fail "auto at the threshold: $(cat "$T/auto/drover.log")"
wait_log "$T/auto/drover.log" "rrdcached: pid [0-9]* on unix:$T/auto/state/rrdcached/rrdcached.sock" 30 ||
	fail "auto: no daemon: $(cat "$T/auto/drover.log")"
RC_SEEN="$RC_SEEN $(cat "$T/auto/state/rrdcached/rrdcached.pid")"
stop_pid "$DPID" || fail "drover (auto) exited with an error"

# ---- no binary: logged, direct writes --------------------------------------
conf "$T/nobin" yes
mkdir "$T/nobin/bin"
F=$T/nobin/db/agents/agent.test-load-load-g.rrd
start_bg "$T/nobin/drover.log" env PATH="$T/nobin/bin" "$DROVER" run -c "$T/nobin/drover.conf"
DPID=$LAST_PID
WEB=$(dashboard_port "$T/nobin/drover.log") || fail "no dashboard: $(cat "$T/nobin/drover.log")"
grep -q "rrdcached: cannot start rrdcached: no such file or directory; writing RRD files directly" "$T/nobin/drover.log" ||
	fail "a missing rrdcached: $(cat "$T/nobin/drover.log")"
wait_until 60 test -f "$F" || fail "no load RRD (no binary)"
first=$(rrd_last "$F")
wait_until 60 advanced || fail "no direct writes without the binary"
stop_pid "$DPID" || fail "drover (no binary) exited with an error"
echo "PASS: drover's own rrdcached"
