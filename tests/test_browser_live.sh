#!/bin/bash
# The dashboard live, dark and on a phone, in headless Chromium over the
# DevTools protocol against a real `drover run` (interval 5) polling the
# local node and a fake munin-node that stops answering: a host page's
# graph is replaced by a new picture after the next poll while the page
# stays the same document (a marker on window survives, no navigation);
# requests carry If-None-Match and the graphs of the host that stopped
# come back 304 and are not replaced, a graph out of sight is not asked;
# the state badge follows the API, and so does a problem mark the page
# lost (the test takes it away);
# in the system's dark setting the page looks different and its text
# keeps a contrast of at least 4.5:1 (as in the light one); at 390 px the
# overview, host, two service and the health pages scroll nothing
# sideways (the device width, not innerWidth, which zooms out); no
# console errors anywhere.  First look: the young local host's page leads
# with the last hour, whose load graph draws a line after two polls.
# Screenshots in tests/artefacts/browser_live/.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
set -o pipefail

need chromium chromium
need curl curl
HOST=$(hostname)
cat >"$T/spec.json" <<JSON
[{"name": "still1", "mode": "normal", "plugins": 2, "fields": 2}]
JSON
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T"
FAKE=$LAST_PID
wait_for_file "$T/ports.json" 30 || fail "fake node did not start: $(cat "$T/fake.log")"
NPORT=$(json_get "$T/ports.json" 'j["still1"]')
cat >"$T/drover.conf" <<CONF
dbdir $T/db
interval 5
listen 127.0.0.1:0
state_dir $T/state
graph_cache $T/graphs
local_node yes
[$HOST]
    load.load.warning -2:-1
[still1]
    address 127.0.0.1
    port $NPORT
CONF
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"
API="http://127.0.0.1:$PORT/api/v1/hosts"
# last_update HOST: the newest service update of HOST, once it has one
last_update() {
	curl -sf "$API/$1" | $PY -c 'import json,sys
u = [s["last_update"] for s in json.load(sys.stdin)["services"]]
sys.exit(1) if not u or not max(u) else print(max(u))' 2>/dev/null
}
wait_until 60 last_update "$HOST" >/dev/null || fail "no services for $HOST: $(tail "$T/drover.log")"
wait_until 60 last_update still1 >/dev/null || fail "no services for still1: $(tail "$T/drover.log")"
# the local load is always outside -2:-1: WARNING once it is hard
load_warns() {
	curl -sf "$API/$HOST/load" | $PY -c 'import json,sys
sys.exit(json.load(sys.stdin)["state"] != "WARNING")' 2>/dev/null
}
wait_until 60 load_warns || fail "load never became WARNING: $(curl -s "$API/$HOST/load")"
first=$(last_update "$HOST")
advanced() { [ "$(last_update "$HOST")" -gt "$first" ] 2>/dev/null; }
wait_until 60 advanced || fail "$HOST never updated again after $first"
# FIRST LOOK: the young host's page leads with its last hour, and that
# graph draws load's line (Munin's first colour, 00CC00, as a stroked
# path of the SVG) from the first polls on, up to the right edge (2000
# px wide: 1.8 s a pixel, so two polls 5 s apart are a line)
curl -sf "http://127.0.0.1:$PORT/$HOST/" >"$T/host.html" || fail "host page"
grep -q "/load-hour.png" "$T/host.html" || fail "no last-hour graph on the young host's page"
grep -q "/load-day.png" "$T/host.html" && fail "the young host's page shows day graphs"
curl -sf "http://127.0.0.1:$PORT/$HOST/load-hour.svg?width=2000" >"$T/hour.svg" || fail "no hour graph"
grep -q 'stroke:rgb(0%,80%,0%)' "$T/hour.svg" || fail "the hour graph draws no load line after two polls"
# still1 stops answering: its graphs keep their last data
stop_pid "$FAKE" || true
still=$(last_update still1)
sleep 6
[ "$(last_update still1)" = "$still" ] || fail "still1 updated after its node stopped"
ART="$top_builddir/tests/artefacts/browser_live"
rm -rf "$ART"
rc=0
$PY "$top_srcdir/tests/lib/live_cdp.py" "$ART" "http://127.0.0.1:$PORT" \
	"$HOST" still1 >"$T/cdp.out" 2>&1 || rc=$?
sed 's/^/# /' "$T/cdp.out"
[ $rc -eq 0 ] || fail "browser checks failed (exit $rc)"
grep -q "^ok a graph is replaced after a poll$" "$T/cdp.out" || fail "no live swap"
grep -q "^ok unchanged graphs are revalidated with 304$" "$T/cdp.out" || fail "no 304"
grep -q "^ok dark text contrast" "$T/cdp.out" || fail "dark contrast"
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
echo "PASS: live refresh, dark mode and phone layout in Chromium"
