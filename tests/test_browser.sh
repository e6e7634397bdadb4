#!/bin/bash
# The dashboard in a real browser (headless Chromium over the DevTools
# protocol): the overview, a host page and a service page load, every
# graph image decodes, and the console stays free of errors.  Screenshots
# are kept in tests/artefacts/ of the build tree.
. "$top_srcdir/tests/lib/common.sh"

command -v chromium >/dev/null || skip "chromium is not installed"
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
for i in $(seq 100); do
	PORT=$(grep -o 'dashboard on http://127.0.0.1:[0-9]*' "$T/drover.log" | grep -o '[0-9]*$')
	[ -n "$PORT" ] && break
	sleep 0.1
done
[ -n "$PORT" ] || fail "no dashboard: $(cat "$T/drover.log")"
# wait for two polls of the local host (a graph needs points)
for i in $(seq 200); do
	curl -s "http://127.0.0.1:$PORT/api/v1/hosts/$HOST" | grep -q '"name":"load"' && break
	sleep 0.1
done
sleep 6
ART="$top_builddir/tests/artefacts/browser"
$PY "$top_srcdir/tests/lib/cdp.py" "$ART" \
	"http://127.0.0.1:$PORT/" \
	"http://127.0.0.1:$PORT/$HOST/" \
	"http://127.0.0.1:$PORT/$HOST/load/" \
	"http://127.0.0.1:$PORT/health" \
	"http://127.0.0.1:$PORT/$HOST/cpu/#drag" >"$T/cdp.out" 2>&1
rc=$?
sed 's/^/# /' "$T/cdp.out"
[ $rc -eq 0 ] || fail "browser checks failed"
grep -q "^ok http://127.0.0.1:$PORT/$HOST/: [1-9][0-9]* images decoded, 0 broken" "$T/cdp.out" ||
	fail "host page shows no graphs"
# drag-to-zoom: the URL carries the selected range, inside the day shown
grep -qE '^drag -> \?start=[0-9]+&end=[0-9]+$' "$T/cdp.out" || fail "drag did not zoom"
range=$(grep '^drag -> ' "$T/cdp.out" | grep -oE '[0-9]+' | tr '\n' ' ')
set -- $range
now=$(date +%s)
[ "$1" -lt "$2" ] && [ "$1" -gt $((now - 2 * 86400)) ] && [ "$2" -le $((now + 60)) ] ||
	fail "zoomed range $1..$2 is not inside the last day"
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
echo "PASS: dashboard in Chromium"
