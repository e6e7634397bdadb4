#!/bin/bash
# One drover per directory.  A second drover started on the same
# state_dir, dbdir or graph_cache as a running one refuses to start
# (non-zero exit, the message names the path and the first one's pid)
# before it writes anything: the first keeps its graph cache and keeps
# serving graphs (200).  A cached graph file removed from under the
# running daemon is rendered again (200, never 500).
. "$top_srcdir/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/health.sh" || exit 99
need curl curl
set -o pipefail

HOST=$(hostname)
# conf FILE STATE_DIR DBDIR GRAPH_CACHE
conf() {
	cat >"$1" <<CONF
dbdir $3
state_dir $2
graph_cache $4
interval 2
listen 127.0.0.1:0
[$HOST]
CONF
}
# the cached images: 16 hex digits each
cached() { ls "$T/graphs" | grep -E '^[0-9a-f]{16}$' | sort; }
graph_ok() {
	curl -s -o "$T/g.png" -w '%{http_code}' "$G" >"$T/code" || return 1
	[ "$(cat "$T/code")" = 200 ] && head -c 8 "$T/g.png" | grep -q PNG
}

conf "$T/a.conf" "$T/state" "$T/db" "$T/graphs"
start_bg "$T/a.log" "$DROVER" run -c "$T/a.conf"
APID=$LAST_PID
PORT=$(dashboard_port "$T/a.log") || fail "no dashboard: $(cat "$T/a.log")"
G="http://127.0.0.1:$PORT/$HOST/load-day.png"
# 404 until the first poll
wait_until 60 graph_ok || fail "no graph: $(cat "$T/code") $(cat "$T/a.log")"
cached >"$T/cached.before"
[ -s "$T/cached.before" ] || fail "nothing cached: $(ls -a "$T/graphs")"
[ "$(cat "$T/state/.drover.lock")" = "$APID" ] ||
	fail "lock file: $(cat "$T/state/.drover.lock")"

# second DESC CONF KEY DIR: a drover on CONF refuses at once, naming KEY
# DIR and the first one's pid (timeout only bounds a hang)
second() {
	local rc=0
	timeout 60 "$DROVER" run -c "$2" >"$T/b.log" 2>&1 || rc=$?
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] ||
		fail "$1: second drover exit $rc: $(cat "$T/b.log")"
	tail -1 "$T/b.log" | grep -q "drover: $3 $4 is in use by another drover, pid $APID (lock $4/.drover.lock); not starting" ||
		fail "$1: message: $(cat "$T/b.log")"
	! grep -q -e 'dashboard on' -e 'render:' -e 'alerts:' -e 'notify:' "$T/b.log" ||
		fail "$1: did more: $(cat "$T/b.log")"
}
second "same config" "$T/a.conf" state_dir "$T/state"
conf "$T/b.conf" "$T/state2" "$T/db" "$T/graphs2"
second "same dbdir" "$T/b.conf" dbdir "$T/db"
conf "$T/c.conf" "$T/state3" "$T/db3" "$T/graphs"
second "same graph_cache" "$T/c.conf" graph_cache "$T/graphs"
[ ! -e "$T/state3/alerts.json" ] || fail "the refused drover wrote its state"

# the first one's cache is intact and it still serves graphs
cached >"$T/cached.after"
cmp -s "$T/cached.before" "$T/cached.after" ||
	fail "cache changed: $(cat "$T/cached.before") / $(cat "$T/cached.after")"
kill -0 "$APID" || fail "the first drover died: $(cat "$T/a.log")"
graph_ok || fail "graph after the second start: $(cat "$T/code")"

# cached files removed under the running daemon: every answer is the
# graph; keep removing until the renderer has met a missing file on a
# cache hit (a request between two polls), not just new data.  The web
# layer keeps images in memory only for URLs whose every argument it
# knows (graph_args in web/http.c), so one unknown argument sends each
# request to the renderer's file cache
removed_and_served() {
	cached | sed "s|^|$T/graphs/|" | xargs -r rm -f
	graph_ok || fail "graph after its file was removed: $(cat "$T/code") $(cat "$T/g.png")"
	G="$G?via=renderer" graph_ok ||
		fail "renderer's graph after its file was removed: $(cat "$T/code") $(cat "$T/g.png")"
	health_at_least "$PORT" "graph files removed by others" 1
}
wait_until 60 removed_and_served || fail "never re-rendered a removed file"
graph_ok || fail "graph after the re-render: $(cat "$T/code")"
grep -q "cannot open rendered" "$T/a.log" && fail "500s: $(cat "$T/a.log")"

stop_pid "$APID" || fail "drover exit status $?: $(cat "$T/a.log")"
exit 0
