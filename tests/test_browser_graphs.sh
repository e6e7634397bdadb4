#!/bin/bash
# Graph pages in a real browser (headless Chromium over the DevTools
# protocol), against `drover run` polling three fake munin-nodes with the
# same plugin "battery", n3's voltage below its critical threshold, each
# with an hour of history in Munin's RRD schema (as after a migration):
#  - a relative range (?start=-1h) loads, its graph's data-start/-end are
#    the last hour before now, its image URL stays relative, and the page
#    shows the range as dates, no epoch numbers;
#  - keys: ArrowLeft pans to an absolute range half an hour earlier, "i"
#    on a relative range zooms to start=-30m, "2" is the last week
#    (start=-1w), "?" shows the help line
#    without leaving, and a key typed into the from field does nothing;
#  - /compare/battery shows the three hosts' graphs, all decoded, with
#    equal data-start/-end and the same lower=/upper= in every image URL;
#  - n3's figure is marked (its computed border colour differs from
#    n1's, a CRITICAL label names the field), on the compare and host
#    pages;
#  - no page logs a console error.  Screenshots in tests/artefacts/graphs/.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
set -o pipefail

need chromium chromium
need curl curl
cat >"$T/spec.json" <<SPEC
[{"name": "n1", "mode": "normal", "plugins": 1, "fields": 1,
  "bank": {"name": "battery", "voltages": [12.6]}},
 {"name": "n2", "mode": "normal", "plugins": 1, "fields": 1,
  "bank": {"name": "battery", "voltages": [12.4]}},
 {"name": "n3", "mode": "normal", "plugins": 1, "fields": 1,
  "bank": {"name": "battery", "voltages": [11.0]}}]
SPEC
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T"
wait_for_file "$T/ports.json" 30 || fail "fake nodes did not start: $(cat "$T/fake.log")"
{
	printf 'dbdir %s\nstate_dir %s\ngraph_cache %s\n' "$T/db" "$T/state" "$T/graphs"
	printf 'listen 127.0.0.1:0\nlocal_node no\ninterval 5\n'
	for n in n1 n2 n3; do
		printf '[g;%s]\n    address 127.0.0.1\n    port %s\n' "$n" \
			"$(json_get "$T/ports.json" "j[\"$n\"]")"
	done
} >"$T/drover.conf"
# an hour of history, as a Munin that polled these nodes left it
# (Munin's schema: step 300, 5 min x 576 ... 1 d x 450), so the graphs
# and the compare scale have data at once: without it the first 300 s
# PDP is known only when drover's first sample lands in its first half
need rrdtool rrdtool
now=$(date +%s)
mkdir -p "$T/db/g"
for nv in n1:12.6 n2:12.4 n3:11.0; do
	f=$T/db/g/${nv%%:*}-battery-voltage-g.rrd
	t0=$(((now - 3600) / 300 * 300))
	rras=""
	for cf in AVERAGE MIN MAX; do
		rras="$rras RRA:$cf:0.5:1:576 RRA:$cf:0.5:6:432 RRA:$cf:0.5:24:540 RRA:$cf:0.5:288:450"
	done
	# shellcheck disable=SC2086
	rrdtool create "$f" --start $((t0 - 300)) --step 300 DS:42:GAUGE:600:U:U $rras ||
		fail "rrdtool create $f"
	ups=""
	for t in $(seq "$t0" 300 $((now - 300))); do ups="$ups $t:${nv#*:}"; done
	# shellcheck disable=SC2086
	rrdtool update "$f" $ups || fail "rrdtool update $f"
done
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"
URL=http://127.0.0.1:$PORT

# updated N: every host's battery has N updates or more, n3's CRITICAL
# (the alert engine's verdict after two samples)
updates() {
	for n in n1 n2 n3; do
		curl -sf "$URL/api/v1/hosts/$n/battery" 2>/dev/null
		echo
	done | $PY -c 'import json,sys
js = [json.loads(l) for l in sys.stdin if l.strip()]
sys.exit(0 if len(js) == 3 and js[2]["state"] == "CRITICAL" else 1)'
}
wait_until 90 updates || fail "no CRITICAL battery on n3: $(tail "$T/drover.log")"
# the graphs and the compare scale read the RRDs: every host's battery
# file holds a value over the last day (the data API reads them as the
# compare page does), then two more intervals for a line
stored() {
	for n in n1 n2 n3; do
		curl -sf "$URL/api/v1/hosts/$n/battery/data?start=-1d" 2>/dev/null || return 1
		echo
	done | $PY -c 'import json,sys
js = [json.loads(l) for l in sys.stdin if l.strip()]
ok = len(js) == 3 and all(any(v is not None for f in j["fields"].values()
                              for _, v in f.get("rows", [])) for j in js)
sys.exit(0 if ok else 1)'
}
wait_until 60 stored || fail "no stored battery values: $(tail -3 "$T/drover.log")"
sleep 11

ART="$top_builddir/tests/artefacts/graphs"
rc=0
$PY - "$ART" "$URL" >"$T/cdp.out" 2>&1 <<'PYEOF' || rc=$?
import json, os, re, sys, time
sys.path.insert(0, os.path.join(os.environ["top_srcdir"], "tests", "lib"))
import cdp_lib
from urllib.parse import urlparse, parse_qs

art, url = sys.argv[1], sys.argv[2]
failed = []

def check(ok, what):
    print("%s %s" % ("ok" if ok else "FAIL", what))
    if not ok:
        failed.append(what)

def imgs(ws):
    return json.loads(cdp_lib.js(ws, "JSON.stringify(Array.from("
        "document.querySelectorAll('img[data-start]')).map(i => [i.src,"
        " +i.dataset.start, +i.dataset.end, i.naturalWidth]))"))

def page(b, path, shot):
    err = b.load(url + path)
    check(err is None, "load %s (%s)" % (path, err))
    check(b.check_page(url + path, shot), "page %s" % path)

b = cdp_lib.Browser(art)
try:
    ws = b.ws
    # a relative range
    page(b, "/n1/battery/?start=-1h", "relative.png")
    now = time.time()
    g = imgs(ws)
    check(len(g) == 1, "one graph on the zoomed page")
    src, s, e, w = g[0]
    check(abs(e - now) < 15 and e - s == 3600,
          "data-start/-end the last hour: %d..%d at %d" % (s, e, now))
    check("battery-day.png?start=-1h" in src, "image URL relative: " + src)
    text = cdp_lib.js(ws, "document.querySelector('main').innerText")
    check(not re.search(r"\b1[0-9]{9}\b", text), "no epoch numbers shown")
    check(cdp_lib.js(ws, "document.querySelectorAll('figcaption time"
                         "[datetime]').length") == 2, "range as <time>s")
    # "?" shows the help line, stays on the page
    cdp_lib.press(ws, "?", code="Slash", text="?")
    time.sleep(0.5)
    check(cdp_lib.js(ws, "!document.querySelector('.keyhelp').hidden"),
          "? shows the key help")
    # a key typed into the from field is the field's
    cdp_lib.js(ws, "document.querySelector('input[name=from]').focus()")
    ws.events.clear()
    cdp_lib.press(ws, "ArrowLeft", keycode=37)
    check(ws.wait_event("Page.loadEventFired", 2) is None,
          "ArrowLeft in an input does not navigate")
    cdp_lib.js(ws, "document.activeElement.blur()")
    # ArrowLeft: half the range earlier, absolute
    ws.events.clear()
    cdp_lib.press(ws, "ArrowLeft", keycode=37)
    q = cdp_lib.navigated(ws, "ArrowLeft") or ""
    p = parse_qs(q[1:])
    check("start" in p and "end" in p and
          int(p["start"][0]) == s - 1800 and int(p["end"][0]) == e - 1800,
          "ArrowLeft pans by half: %s" % q)
    check(b.check_page(url + "/n1/battery/" + q, "panned.png"),
          "panned page")
    g = imgs(ws)
    check(len(g) == 1 and g[0][1] == s - 1800 and g[0][2] == e - 1800,
          "panned graph's range")
    # "i" on a relative range: the last half of it, still relative
    page(b, "/n1/battery/?start=-1h", "relative2.png")
    ws.events.clear()
    cdp_lib.press(ws, "i", code="KeyI", text="i")
    q = cdp_lib.navigated(ws, "i") or ""
    check(q == "?start=-30m", "i zooms in, relative: " + q)
    check(b.check_page(url + "/n1/battery/" + q, "zoomed.png"),
          "zoomed page")
    g = imgs(ws)
    check(len(g) == 1 and g[0][2] - g[0][1] == 1800, "zoomed graph: 30 min")
    # "2": the last week
    ws.events.clear()
    cdp_lib.press(ws, "2", code="Digit2", text="2")
    q = cdp_lib.navigated(ws, "2") or ""
    check(q == "?start=-1w", "2 shows the last week: " + q)
    check(b.check_page(url + "/n1/battery/" + q, "week.png"), "week page")
    g = imgs(ws)
    check(len(g) == 1 and g[0][2] - g[0][1] == 7 * 86400, "week graph")
    # compare: three graphs, one range, one scale
    page(b, "/compare/battery?hosts=n1,n2,n3&start=-1d", "compare.png")
    g = imgs(ws)
    check(len(g) == 3 and all(x[3] > 0 for x in g), "three graphs decoded")
    check(len(set((x[1], x[2]) for x in g)) == 1, "equal ranges: %s" %
          [(x[1], x[2]) for x in g])
    lims = set((parse_qs(urlparse(x[0]).query).get("lower", [""])[0],
                parse_qs(urlparse(x[0]).query).get("upper", [""])[0])
               for x in g)
    check(len(lims) == 1 and "" not in list(lims)[0], "same scale: %s" % lims)
    lo, hi = [float(v) for v in list(lims)[0]]
    check(lo <= 0 and 12.6 <= hi < 14, "scale covers the data: %g..%g" % (lo, hi))
    # a visible frame: its colour, style and width (base.css alone sets
    # the colour of a border that is not drawn)
    style = ("(function(s){return [s.borderTopColor, s.borderTopStyle,"
             "s.borderTopWidth].join(' ')})"
             "(getComputedStyle(document.querySelector(%s)))")
    def fig(host):
        return json.dumps("figure:has(img[src*='/%s/battery-'])" % host)
    crit = cdp_lib.js(ws, style % fig("n3"))
    ok = cdp_lib.js(ws, style % fig("n1"))
    check(crit != ok and crit.startswith("rgb(221, 34, 34) solid") and
          not crit.endswith(" 0px"),
          "n3's figure marked: %s vs %s" % (crit, ok))
    mark = cdp_lib.js(ws, "(document.querySelector(%s + ' .mark') || "
                          "{}).textContent" % fig("n3"))
    check(mark == "CRITICAL: bank voltage", "mark label: %s" % mark)
    check(cdp_lib.js(ws, "document.querySelector(%s + ' .mark')" % fig("n1"))
          is None, "n1 unmarked")
    # a host page marks the figure too
    page(b, "/n3/", "host_critical.png")
    crit_h = cdp_lib.js(ws, style % fig("n3"))
    page(b, "/n1/", "host_ok.png")
    ok_h = cdp_lib.js(ws, style % fig("n1"))
    check(crit_h == crit and crit_h != ok_h,
          "host page marks: %s vs %s" % (crit_h, ok_h))
    # the service page's link to the compare page
    page(b, "/n2/battery/?start=-6h", "service.png")
    href = cdp_lib.js(ws, "document.querySelector('a.compare').href")
    check(href == url + "/compare/battery?start=-6h", "compare link " + href)
finally:
    b.close()
sys.exit(1 if failed else 0)
PYEOF
sed 's/^/# /' "$T/cdp.out"
[ $rc -eq 0 ] || fail "browser checks failed (exit $rc)"
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
echo "PASS: graph pages in Chromium"
