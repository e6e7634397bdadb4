#!/bin/bash
# The overview in a real browser (headless Chromium over the DevTools
# protocol) against a real `drover run` polling fake munin-nodes: hyp1
# reports its guests web1 and web2 running (they are listed under it),
# hyp1-bmc, a bare BMC (OpenIPMI's ipmi_sim) with "physical hyp1", is
# listed under it after them and says what it is, db1 has a CRITICAL field (p00.f1 1.5 over critical 1), down1 refuses
# connections, slow1 answers so slowly (5 s a command) that its last
# good poll is always more than 3 intervals old (stale), solar has a
# battery bank (the power view).  Checked: the problems block lists
# down1, then db1's service, ..., then slow1 (STALE) last; typing into
# the search box hides the hosts that do not match (visible hosts
# counted before and after), puts the query in the URL, and that URL,
# loaded afresh with JavaScript off, shows the same hosts; clearing the
# box shows all again; at 390 px wide nothing overflows sideways; no
# console errors.  Screenshots in tests/artefacts/overview/.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
set -o pipefail

need chromium chromium
need curl curl
need ipmi_sim openipmi
need sdrcomp openipmi
SIM="$top_srcdir/tests/lib/ipmi_sim.sh"
BMCPORT=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/bmc"
"$SIM" start "$T/bmc" "$BMCPORT" "$(free_port 127.0.0.1)" || fail "ipmi_sim did not start"
BG_PIDS="$BG_PIDS $(cat "$T/bmc/ipmi_sim.pid")"
umask 077
echo secret >"$T/pw"
umask 022
$PY - "$T" <<'PY'
import json, sys
t = sys.argv[1]
json.dump({"web1": 1, "web2": 1}, open(t + "/hyp1.json", "w"))
spec = [{"name": "hyp1", "mode": "normal", "plugins": 1,
         "vm_guests_file": t + "/hyp1.json"},
        {"name": "web1", "mode": "normal", "plugins": 2},
        {"name": "web2", "mode": "normal", "plugins": 2},
        {"name": "db1", "mode": "normal", "plugins": 2},
        {"name": "slow1", "mode": "normal", "plugins": 1, "delay_ms": 5000},
        {"name": "solar", "mode": "normal", "plugins": 1,
         "bank_values": {"voltage": 12.6, "soc": 80, "current": -1.5}}]
json.dump(spec, open(t + "/spec.json", "w"))
PY
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T"
wait_for_file "$T/ports.json" 30 || fail "fake nodes did not start: $(cat "$T/fake.log")"
port() { json_get "$T/ports.json" "j['$1']"; }
DOWNPORT=$(free_port 127.0.0.1)
cat >"$T/drover.conf" <<CONF
dbdir $T/db
interval 5
local_node no
listen 127.0.0.1:0
state_dir $T/state
graph_cache $T/graphs
[hv;hyp1]
    address 127.0.0.1
    port $(port hyp1)
[hv;hyp1-bmc]
    physical hyp1
    ipmi_address 127.0.0.1:$BMCPORT
    ipmi_user admin
    ipmi_password_file $T/pw
    ipmi_workarounds opensesspriv
    ipmi_interval 5
[web;web1]
    address 127.0.0.1
    port $(port web1)
[web;web2]
    address 127.0.0.1
    port $(port web2)
[db;db1]
    address 127.0.0.1
    port $(port db1)
    alert_attempts 1
    p00.f1.critical 1
[db;down1]
    address 127.0.0.1
    port $DOWNPORT
[db;slow1]
    address 127.0.0.1
    port $(port slow1)
[power;solar]
    address 127.0.0.1
    port $(port solar)
CONF
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"
URL=http://127.0.0.1:$PORT

# ready: db1 CRITICAL, down1 DOWN, slow1 polled and stale, the guests
# under hyp1, solar's bank in
ready() {
	curl -sf "$URL/api/v1/hosts" >"$T/hosts.json" || return 1
	$PY - "$T/hosts.json" <<'PY'
import json, sys
h = {x["name"]: x for x in json.load(open(sys.argv[1]))["hosts"]}
ok = (h["db1"]["state"] == "CRITICAL" and h["down1"]["state"] == "DOWN"
      and h["slow1"]["stale"] is True and h["slow1"]["poll_state"] == "up"
      and h["db1"]["stale"] is False
      and h["web1"]["physical"] == "hyp1" and h["web2"]["physical"] == "hyp1"
      and h["solar"]["last_ok"] > 0 and h["hyp1-bmc"]["last_ok"] > 0)
sys.exit(0 if ok else 1)
PY
}
wait_until 90 ready || fail "the cluster never got ready: $(cat "$T/hosts.json")"
note "$(json_get "$T/hosts.json" '" ".join("%s=%s%s" % (x["name"], x["state"], "/stale" if x["stale"] else "") for x in j["hosts"])')"

ART="$top_builddir/tests/artefacts/overview"
rc=0
$PY - "$ART" "$URL" "$top_srcdir/tests/lib" >"$T/cdp.out" 2>&1 <<'PY' || rc=$?
import json, os, sys, time
sys.path.insert(0, sys.argv[3])
import cdp_lib
from cdp_lib import js, press, rect, click

art, url = sys.argv[1], sys.argv[2]
fails = []
def check(cond, what):
    print("%s %s" % ("ok" if cond else "FAIL", what))
    if not cond:
        fails.append(what)

VISIBLE = ("JSON.stringify([].slice.call(document.querySelectorAll("
           "'li.host')).filter(function(e){return e.getClientRects()"
           ".length > 0}).map(function(e){return e.querySelector('a')"
           ".textContent}))")
PROBLEMS = ("JSON.stringify([].slice.call(document.querySelectorAll("
            "'ul.problems > li')).filter(function(e){return "
            "e.getClientRects().length > 0}).map(function(e){return "
            "[e.className, e.querySelector('a').textContent]}))")

def visible():
    return json.loads(js(b.ws, VISIBLE))

def typed(text):
    for ch in text:
        press(b.ws, ch, code="Key" + ch.upper() if ch.isalpha() else ch,
              text=ch)
    time.sleep(0.3)

b = cdp_lib.Browser(art)
try:
    err = b.load(url + "/")
    check(err is None, "overview loads (%s)" % err)
    check(b.check_page(url + "/", "overview.png", want_graphs=False),
          "overview: every response 200, no console errors")
    all_hosts = visible()
    print("# visible: %s" % " ".join(all_hosts))
    # the 8 configured and drover's own metrics (_drover)
    check(len(all_hosts) == 9 and "_drover" in all_hosts,
          "9 hosts visible before the search")
    # the guests are listed inside hyp1's item
    under = json.loads(js(b.ws, "JSON.stringify([].slice.call("
        "document.querySelectorAll('a[href=\"/hyp1/\"] ~ ul.guests "
        "li.host > a')).map(function(a){return a.textContent}))"))
    check(under == ["web1", "web2", "hyp1-bmc"],
          "web1, web2, then its BMC under hyp1 (%s)" % under)
    what = js(b.ws, "document.querySelector('a[href=\"/hyp1-bmc/\"]')"
              ".parentNode.querySelector('.what').textContent")
    check(what == "BMC of hyp1, read over IPMI", "the BMC says so (%s)" % what)
    probs = json.loads(js(b.ws, PROBLEMS))
    print("# problems: %s" % probs)
    check(len(probs) >= 3 and probs[0] == ["problem st-DOWN", "down1"]
          and probs[1] == ["problem st-CRITICAL", "db1 / Plugin p00"]
          and probs[-1] == ["problem st-STALE", "slow1"],
          "problems: down1, then db1's p00, ..., slow1 stale last")
    order = js(b.ws, "[].slice.call(document.querySelectorAll("
        "'section.problems, section.power, ul.hosts')).map(function(e)"
        "{return e.className}).slice(0, 3).join(',')")
    check(order == "problems,power,hosts",
          "problems, then power, then the hosts (%s)" % order)
    check("STALE" in js(b.ws, "document.querySelector("
          "'li.host.st-STALE').textContent"), "slow1's item says STALE")
    colour = js(b.ws, "getComputedStyle(document.querySelector("
                "'li.host.st-STALE')).borderLeftColor")
    ok_colour = js(b.ws, "getComputedStyle(document.querySelector("
                   "'li.host.st-OK')).borderLeftColor")
    check(colour != ok_colour, "stale has its own colour (%s, OK %s)"
          % (colour, ok_colour))
    # type into the search box: by a field's host, case folded
    r = rect(b.ws, "form.filter input")
    click(b.ws, r[0] + 5, r[1] + r[3] / 2)
    typed("DB1")
    after = visible()
    print("# visible after typing DB1: %s" % " ".join(after))
    check(after == ["db1"], "typing DB1 leaves db1 alone (%s)" % after)
    check(js(b.ws, "location.search") == "?q=DB1", "the query is in the URL")
    check(json.loads(js(b.ws, PROBLEMS)) == [["problem st-CRITICAL",
          "db1 / Plugin p00"]], "the problems block filtered too")
    heads = js(b.ws, "[].slice.call(document.querySelectorAll('main h2'))"
               ".filter(function(e){return e.getClientRects().length > 0})"
               ".map(function(e){return e.textContent}).join(',')")
    check(heads.startswith("Problems (") and heads.endswith(",Power,db")
          and heads.count(",") == 2,
          "only db's group heading left (%s)" % heads)
    check(js(b.ws, "document.querySelector('form.filter .shown')"
          ".textContent") == "1 of 9 hosts shown", "the count says so")
    b.shot("overview-search.png")
    # a guest's name shows it inside its hypervisor
    for _ in range(3):
        press(b.ws, "Backspace", keycode=8)
    typed("web2")
    check(visible() == ["hyp1", "web2"], "web2: shown inside hyp1 (%s)"
          % visible())
    for _ in range(4):
        press(b.ws, "Backspace", keycode=8)
    time.sleep(0.3)
    check(visible() == all_hosts, "an empty box shows every host again")
    check(js(b.ws, "location.search") == "", "and the URL has no query")
    # the shared URL, with JavaScript off: the server filters the same
    b.ws.send("Emulation.setScriptExecutionDisabled", value=True)
    err = b.load(url + "/?q=DB1")
    check(err is None, "?q=DB1 loads")
    check(visible() == ["db1"], "?q=DB1 without JavaScript: db1 alone (%s)"
          % visible())
    check(js(b.ws, "document.querySelector('form.filter input').value")
          == "DB1", "the box holds the query")
    b.ws.send("Emulation.setScriptExecutionDisabled", value=False)
    err = b.load(url + "/?q=DB1")
    check(b.check_page(url + "/?q=DB1", "overview-q.png", want_graphs=False),
          "?q=DB1 with JavaScript: no console errors")
    check(visible() == ["db1"], "?q=DB1 with JavaScript: db1 alone")
    # a phone: 390 px wide, nothing wider than the screen
    b.ws.send("Emulation.setDeviceMetricsOverride", width=390, height=844,
              deviceScaleFactor=1, mobile=True)
    err = b.load(url + "/")
    check(b.check_page(url + "/", "overview-390.png", want_graphs=False),
          "390 px: no console errors")
    sw = js(b.ws, "document.documentElement.scrollWidth")
    wide = js(b.ws, "[].slice.call(document.querySelectorAll('main *'))"
              ".filter(function(e){return e.getBoundingClientRect().right"
              " > 391}).map(function(e){return e.tagName + '.' "
              "+ e.className}).slice(0, 5).join(' ')")
    check(sw <= 390, "390 px: page %s px wide, nothing overflows (%s)"
          % (sw, wide))
    height = js(b.ws, "document.documentElement.scrollHeight")
    b.ws.send("Emulation.setDeviceMetricsOverride", width=390,
              height=min(int(height), 4000), deviceScaleFactor=1, mobile=True)
    b.shot("overview-390-full.png")
finally:
    b.close()
sys.exit(1 if fails else 0)
PY
sed 's/^/# /' "$T/cdp.out"
[ $rc -eq 0 ] || fail "browser checks failed (exit $rc): $(grep -E '^(FAIL|Traceback)|Error' "$T/cdp.out" | head -5)"
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
echo "PASS: the overview in Chromium"
