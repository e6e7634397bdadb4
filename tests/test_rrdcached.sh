#!/bin/bash
# RRD updates through a real rrdcached (rrdcached_socket): while drover
# runs, the updates sit in the daemon's cache (its write delay is an hour)
# and the files on disk are untouched; on SIGTERM drover flushes them and
# the files hold the values.  A missing socket is reported, not fatal.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail

need rrdcached rrdcached
need rrdtool rrdtool
mkdir -p "$T/db" "$T/journal"
start_bg "$T/rrdcached.log" rrdcached -g -l "unix:$T/rrdcached.sock" \
	-b "$T/db" -j "$T/journal" -w 3600 -f 7200 -p "$T/rrdcached.pid"
RCPID=$LAST_PID
wait_for_file "$T/rrdcached.pid" 30 || fail "rrdcached did not start: $(cat "$T/rrdcached.log")"
wait_until 30 test -S "$T/rrdcached.sock" || fail "no rrdcached socket"

# rrdc CMD...: one command on rrdcached's socket, its whole answer on stdout
# (status line "N message", then N lines); exit 1 when N < 0.
rrdc() {
	$PY - "$T/rrdcached.sock" "$*" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(30)
s.connect(sys.argv[1])
s.sendall((sys.argv[2] + "\n").encode())
f = s.makefile()
head = f.readline()
n = int(head.split()[0])
sys.stdout.write(head)
for _ in range(max(n, 0)):
    sys.stdout.write(f.readline())
sys.exit(0 if n >= 0 else 1)
PY
}
# pending FILE: the number of updates rrdcached holds for FILE
pending() {
	rrdc PENDING "$1" | awk 'NR == 1 {print $1 + 0}'
}
last_update() {
	rrdtool info "$1" | awk '/^last_update/ {print $3}'
}

cat >"$T/drover.conf" <<CONF
dbdir $T/db
rrdcached_socket unix:$T/rrdcached.sock
interval 2
local_node yes
listen 127.0.0.1:0
state_dir $T/state
graph_cache $T/graphs
CONF
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
first_rrd() {
	f=$(ls "$T"/db/*/*-load-load-g.rrd 2>/dev/null | head -1)
	[ -n "$f" ]
}
wait_until 60 first_rrd || fail "no load RRD created: $(cat "$T/drover.log")"
created=$(last_update "$f") || fail "rrdtool info $f"
# three updates of the file held by rrdcached (interval 2: about 6 s)
at_least_pending() { [ "$(pending "$f")" -ge "$1" ]; }
wait_until 60 at_least_pending 3 ||
	fail "rrdcached holds $(pending "$f") updates of $f, want 3: $(tail "$T/drover.log")"
rrdc PENDING "$f" >"$T/pending" || fail "PENDING $f: $(cat "$T/pending")"
note "rrdcached holds: $(tr '\n' ' ' <"$T/pending")"
# the newest timestamp rrdcached holds for the file (lines "TS:VALUE")
held=$(awk -F: 'NR > 1 && $1 + 0 > m {m = $1 + 0} END {print m + 0}' "$T/pending")
[ "$held" -gt "$created" ] || fail "held updates ($held) not after the creation ($created)"
before=$(last_update "$f") || fail "rrdtool info $f"
[ "$before" -eq "$created" ] ||
	fail "the file changed while rrdcached held its updates ($created -> $before)"
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
# flushed on stop: the file has everything rrdcached held, and no more is held
after=$(last_update "$f") || fail "rrdtool info $f"
note "file last_update: created $created, while running $before, after stop $after (held up to $held)"
[ "$after" -ge "$held" ] || fail "flush on stop did not reach the file ($before -> $after, held $held)"
[ "$(pending "$f")" -eq 0 ] || fail "rrdcached still holds updates of $f after the stop"
# the value is in the file: lastupdate (read without the daemon) shows a number
lu=$(rrdtool lastupdate "$f") || fail "rrdtool lastupdate $f"
echo "$lu" | awk -F': ' -v t="$after" '$1 == t && $2 ~ /^ *[0-9.e+-]+ *$/ {ok = 1} END {exit !ok}' ||
	fail "lastupdate of $f has no value at $after: $lu"
if warnings "$T/drover.log" | grep -q .; then
	fail "warnings: $(warnings "$T/drover.log")"
fi

# a socket that does not exist: errors are reported, drover keeps running
sed -i "s|^rrdcached_socket .*|rrdcached_socket unix:$T/nowhere.sock|" "$T/drover.conf"
rm -rf "$T/db"/*
start_bg "$T/drover2.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
wait_log "$T/drover2.log" "rrd.*nowhere.sock\|rrdcached" 60 ||
	fail "missing rrdcached not reported: $(cat "$T/drover2.log")"
PORT=$(grep -o 'dashboard on http://127.0.0.1:[0-9]*' "$T/drover2.log" | grep -o '[0-9]*$')
[ -n "$PORT" ] || fail "no dashboard: $(cat "$T/drover2.log")"
# several polls later (drover's own count on /health) it still runs and
# has not repeated the complaint for every update
polls_done() {
	curl -sf "http://127.0.0.1:$PORT/health" |
		sed -n 's|.*<th>polls done</th><td class=num>\([0-9]*\)<.*|\1|p'
}
at_least_polls() { [ "$(polls_done)" -ge "$1" ] 2>/dev/null; }
wait_until 60 at_least_polls 3 || fail "drover stopped polling without rrdcached (polls done: $(polls_done))"
kill -0 "$DPID" || fail "drover died without rrdcached"
stop_pid "$DPID" || fail "drover without rrdcached exited with an error: $(tail "$T/drover2.log")"
[ "$(warnings "$T/drover2.log" | wc -l)" -le 3 ] || fail "error storm: $(warnings "$T/drover2.log" | wc -l) warnings"
stop_pid "$RCPID" || fail "rrdcached exited with an error: $(cat "$T/rrdcached.log")"
echo "PASS: rrdcached"
