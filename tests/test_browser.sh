#!/bin/bash
# The dashboard in a real browser (headless Chromium over the DevTools
# protocol): the overview (a table), a host page, a service page and the
# health page load with HTTP 200, the last three show graphs that all
# decode, and the console stays free of errors;
# drag-to-zoom and the from/to form each land on a URL with start and end,
# a zoom preset on a relative start (?start=-6h), whose graph loads.  Screenshots are kept in
# tests/artefacts/ of the build tree.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
set -o pipefail

need chromium chromium
need curl curl
HOST=$(hostname)
cat >"$T/drover.conf" <<CONF
dbdir $T/db
interval 5
listen 127.0.0.1:0
state_dir $T/state
graph_cache $T/graphs
CONF
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"
# a graph needs points: wait for the load service's second update (its
# last_update advances), and for drover's own metrics (the health page's
# graphs) of a second interval
load_update() {
	curl -sf "http://127.0.0.1:$PORT/api/v1/hosts/$HOST" |
		$PY -c 'import json,sys
u = [s["last_update"] for s in json.load(sys.stdin)["services"] if s["name"] == "load"]
sys.exit(1) if not u else print(u[0])' 2>/dev/null
}
wait_until 60 load_update >/dev/null || fail "no load service for $HOST: $(tail "$T/drover.log")"
first=$(load_update)
advanced() { [ "$(load_update)" -gt "$first" ] 2>/dev/null; }
wait_until 60 advanced || fail "load never updated again after $first"
wait_until 60 test -f "$T/db/.drover/_drover-drover_polls-done-g.rrd" || fail "no self-metrics"
ART="$top_builddir/tests/artefacts/browser"
rc=0
$PY "$top_srcdir/tests/lib/cdp.py" "$ART" \
	--no-graphs "http://127.0.0.1:$PORT/" \
	"http://127.0.0.1:$PORT/$HOST/" \
	"http://127.0.0.1:$PORT/$HOST/load/" \
	"http://127.0.0.1:$PORT/health" \
	"http://127.0.0.1:$PORT/$HOST/cpu/#drag" \
	"http://127.0.0.1:$PORT/$HOST/load/#preset" \
	"http://127.0.0.1:$PORT/$HOST/memory/#form" >"$T/cdp.out" 2>&1 || rc=$?
sed 's/^/# /' "$T/cdp.out"
[ $rc -eq 0 ] || fail "browser checks failed (exit $rc)"
grep -q "^ok http://127.0.0.1:$PORT/: " "$T/cdp.out" || fail "overview"
for p in "$HOST/" "$HOST/load/" health; do
	grep -q "^ok http://127.0.0.1:$PORT/$p: [1-9][0-9]* images decoded, 0 broken" "$T/cdp.out" ||
		fail "/$p shows no graphs"
done
now=$(date +%s)
# RANGE ACTION: the URL the action landed on carries start<end inside the
# last two days, and its page (graphs loaded) passed
range() {
	local r
	r=$(grep "^$1 -> " "$T/cdp.out") || fail "$1: no navigation"
	echo "$r" | grep -qE "^$1 -> \\?start=[0-9]+&end=[0-9]+( |\$)" || fail "$1 landed on $r"
	set -- $(echo "$r" | sed 's/ (.*//' | grep -oE '[0-9]+')
	[ "$1" -lt "$2" ] && [ "$1" -gt $((now - 2 * 86400)) ] && [ "$2" -le $((now + 60)) ] ||
		fail "range $1..$2 is not inside the last two days"
	echo "$1 $2"
}
range drag >/dev/null
grep -qE "^ok http://127.0.0.1:$PORT/$HOST/cpu/\\?start=[0-9]+&end=[0-9]+: [1-9][0-9]* images decoded" "$T/cdp.out" ||
	fail "zoomed cpu page"
# the 6 h preset: relative, the last six hours whenever it is loaded
# (tests/test_browser_graphs.sh checks the graph's range)
grep -qE "^preset -> \\?start=-6h( |\$)" "$T/cdp.out" || fail "preset landed on $(grep '^preset' "$T/cdp.out")"
grep -qE "^ok http://127.0.0.1:$PORT/$HOST/load/\\?start=-6h: [1-9][0-9]* images decoded" "$T/cdp.out" ||
	fail "preset page"
# the form: exactly the from/to the browser filled in
set -- $(range form)
grep -qE "^form -> \\?start=$1&end=$2 \\(from $1 to $2\\)$" "$T/cdp.out" || fail "form range is not what was typed"
grep -qE "^ok http://127.0.0.1:$PORT/$HOST/memory/\\?start=$1&end=$2: [1-9][0-9]* images decoded" "$T/cdp.out" ||
	fail "form page"
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
echo "PASS: dashboard in Chromium"
