#!/bin/bash
# Guests find their physical host: a simulated hypervisor agent (hyp1,
# fake_node.py's "vm" plugin, the multigraph drover's vm probe serves)
# reports 12 guests; the 12 guest nodes answer slowly (about 1 s a poll)
# and no host section has a "physical" key.  physical_concurrency 2,
# interval 4 s.  Each node logs the start and end of every session.
#  - control: while hyp1 reports the guests stopped, each guest is its
#    own physical host and their polls overlap more than 2 (12 polls of
#    1 s in 4 s average 3 at once: the test can fail);
#  - hyp1 reports them running: every guest's /api/v1 physical becomes
#    hyp1, "learned" (by short name, by vm_name for "frontend", by
#    address for "mailer"), and from then on at most 2 polls of hyp1 and
#    its guests overlap, and the bound is reached; a reload then keeps
#    the learned mappings (no guest joins again);
#  - g5 migrates to hyp2: its physical becomes hyp2, hyp1 and its 11
#    guests stay within 2, and g5's polls overlap 2 of theirs (so hyp1's
#    budget no longer holds it).
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
. "$top_srcdir/tests/lib/guest_budget.sh"
set -o pipefail

need curl curl
INTERVAL=4
LOG=$T/sessions.log
: >"$LOG"
# the guests as hyp1 reports them: g7 under an IP name ("mailer"'s address)
GUESTS="g0 g1 g2 g3 g4 g5 g6 127.0.0.7 g8 g9 g10 g11"
NODES="g0 g1 g2 g3 g4 g5 g6 g7 g8 g9 g10 g11"

# guests_file FILE PYDICT: hyp's report, replaced atomically
guests_file() {
	$PY -c 'import json, sys; json.dump(eval(sys.argv[2]), open(sys.argv[1] + ".tmp", "w"))' "$1" "$2" &&
		mv "$1.tmp" "$1"
}
guests_file "$T/hyp1.json" "{g: 0 for g in '$GUESTS'.split()}"
guests_file "$T/hyp2.json" "{}"

$PY - "$T" "$LOG" <<'PY'
import json, sys
t, log = sys.argv[1], sys.argv[2]
spec = [{"name": h, "mode": "normal", "plugins": 0, "session_log": log,
         "vm_guests_file": "%s/%s.json" % (t, h)} for h in ("hyp1", "hyp2")]
for i in range(12):
    spec.append({"name": "g%d" % i, "mode": "normal", "plugins": 1,
                 "fields": 1, "delay_ms": 200, "session_log": log,
                 "addr": "127.0.0.7" if i == 7 else "127.0.0.1"})
json.dump(spec, open(t + "/spec.json", "w"))
PY
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T" --live
FAKE=$LAST_PID
wait_for_file "$T/ports.json" 30 || fail "fake nodes did not start: $(cat "$T/fake.log")"

# the host section of each node: no physical key anywhere
section() {
	case $1 in
	hyp*) echo "[hv;$1]"; echo "    address 127.0.0.1" ;;
	g3) echo "[guests;frontend]"; echo "    address 127.0.0.1"; echo "    vm_name g3" ;;
	g7) echo "[guests;mailer]"; echo "    address 127.0.0.7" ;;
	*) echo "[guests;$1.test]"; echo "    address 127.0.0.1" ;;
	esac
	echo "    port $(json_get "$T/ports.json" "j['$1']")"
}
{
	echo "dbdir $T/db"
	echo "interval $INTERVAL"
	echo "physical_concurrency 2"
	echo "local_node no"
	echo "listen 127.0.0.1:0"
	echo "state_dir $T/state"
	echo "graph_cache $T/graphs"
	for n in hyp1 hyp2 $NODES; do section "$n"; done
} >"$T/drover.conf"
"$DROVER" config -c "$T/drover.conf" >"$T/printed" || fail "config rejected"
grep -q '^    physical' "$T/printed" && fail "drover config prints a physical nobody set"
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"

host_of() {
	case $1 in g3) echo frontend ;; g7) echo mailer ;; *) echo "$1.test" ;; esac
}
GHOSTS=$(for n in $NODES; do host_of "$n"; done)
# control: guests reported stopped, so each is its own physical host
T0=$(now)
wait_until 40 sessions_after "$T0" 2 $NODES || fail "guests not polled: $(tail -3 "$LOG")"
phys_is own - $GHOSTS || fail "a stopped guest joined a budget: $(cat "$T/hosts.json")"
c=$(overlap 0 $NODES)
note "control, no hypervisor budget: at most $c guest polls at once"
[ "$c" -gt 2 ] || fail "control: guest polls overlapped only $c: the test proves nothing"

# hyp1 reports the 12 guests running: all join its budget
guests_file "$T/hyp1.json" "{g: 1 for g in '$GUESTS'.split()}"
wait_until 30 phys_is learned hyp1 $GHOSTS || fail "guests did not join hyp1: $(cat "$T/hosts.json")"
TB=$(now)
grep -q "guest g0.test joins hypervisor hyp1's budget (was its own)" "$T/drover.log" ||
	fail "no move logged: $(grep joins "$T/drover.log" | head -3)"
phys_is own - hyp1 hyp2 || fail "a hypervisor moved: $(cat "$T/hosts.json")"
joins=$(grep -c "joins hypervisor" "$T/drover.log")
[ "$joins" = 12 ] || fail "$joins moves logged, want 12: $(grep joins "$T/drover.log")"

wait_until 60 sessions_after "$TB" 2 $NODES hyp1 || fail "guests not polled after joining"
b=$(overlap "$TB" hyp1 $NODES)
note "hyp1 and its 12 guests: at most $b polls at once (physical_concurrency 2)"
[ "$b" -le 2 ] || fail "hyp1's budget exceeded: $b polls at once"
[ "$b" = 2 ] || fail "hyp1's budget never reached: the test proves nothing"

# a reload keeps what was learned: nothing joins again, before or after
# hyp1's next report
kill -HUP "$DPID"
wait_log "$T/drover.log" "config reloaded" 20 || fail "no reload"
TR=$(now)
phys_is learned hyp1 $GHOSTS || fail "a reload lost the learned mappings: $(cat "$T/hosts.json")"
wait_until 30 sessions_after "$TR" 1 hyp1 || fail "hyp1 not polled after the reload"
[ "$(grep -c "joins hypervisor" "$T/drover.log")" = 12 ] ||
	fail "mappings moved again after the reload: $(grep joins "$T/drover.log" | tail -3)"

# the dashboard: hyp1 with its guests under it; a guest's page beside
# what hyp1 reports of it; hyp1's page lists its guests
curl -sf "http://127.0.0.1:$PORT/" >"$T/overview.html" || fail "overview"
$PY - "$T/overview.html" <<'PY' || fail "overview does not nest the guests under hyp1"
import re, sys
html = open(sys.argv[1]).read()
m = re.search(r'<a href="/hyp1/">hyp1</a>.*?<ul class=guests>(.*?)</ul></li>', html)
guests = re.findall(r'<a href="/([^/"]+)/">', m.group(1)) if m else []
print("# under hyp1: %s" % " ".join(guests))
sys.exit(0 if len(guests) == 12 and "frontend" in guests and "mailer" in guests else 1)
PY
curl -sf "http://127.0.0.1:$PORT/frontend/" >"$T/guest.html" || fail "guest page"
grep -q 'As hypervisor <a href="/hyp1/">hyp1</a> sees it' "$T/guest.html" ||
	fail "no hypervisor view on frontend's page: $(head -c 600 "$T/guest.html")"
grep -q '<td>Virtual machine state</td><td class=num>running</td>' "$T/guest.html" ||
	fail "no state from hyp1 on frontend's page"
grep -q 'src="/hyp1/vm_cpu-day.png' "$T/guest.html" || fail "no hyp1 graph on frontend's page"
# a counter's rate over hyp1's last two polls, in vm_cpu's unit
grep -Eq '<td>Virtual machine CPU time</td><td class=num>[0-9.]+ %</td>' "$T/guest.html" ||
	fail "no CPU rate from hyp1 on frontend's page: $(grep -o '<aside.*</table>' "$T/guest.html")"
curl -sf "http://127.0.0.1:$PORT/hyp1/" >"$T/hyp1.html" || fail "hyp1 page"
grep -q '<td>g3</td><td>running</td><td><a href="/frontend/">frontend</a>' "$T/hyp1.html" ||
	fail "hyp1's page does not list frontend as g3: $(grep -o '<h2>Guests.*</table>' "$T/hyp1.html" | head -c 600)"

# g5 migrates to hyp2
guests_file "$T/hyp2.json" "{'g5': 1}"
guests_file "$T/hyp1.json" "{g: 1 for g in '$GUESTS'.split() if g != 'g5'}"
wait_until 30 phys_is learned hyp2 g5.test || fail "g5 did not follow: $(cat "$T/hosts.json")"
TC=$(now)
grep -q "guest g5.test joins hypervisor hyp2's budget (was hyp1)" "$T/drover.log" ||
	fail "g5's move not logged: $(grep joins "$T/drover.log" | tail -3)"
phys_is learned hyp1 $(echo "$GHOSTS" | grep -vx g5.test) || fail "the others moved: $(cat "$T/hosts.json")"
REST=$(echo "$NODES" | tr ' ' '\n' | grep -vx g5)
wait_until 60 sessions_after "$TC" 3 g5 hyp2 || fail "g5 not polled after its move"
wait_until 60 sessions_after "$TC" 1 $REST || fail "hyp1's guests not polled after the move"
# g5 beside two of hyp1's polls is a matter of timing: give it cycles
# (in hyp1's budget it can never happen, however long one waits)
cross_seen() { [ "$(overlap "$TC" hyp1 $REST g5)" -gt 2 ]; }
wait_until 60 cross_seen || true
one=$(overlap "$TC" hyp1 $REST)
two=$(overlap "$TC" hyp2 g5)
cross=$(overlap "$TC" hyp1 $REST g5)
note "after the move: hyp1 and 11 guests at most $one at once, hyp2 and g5 $two, g5 beside hyp1's $cross"
[ "$one" -le 2 ] || fail "hyp1's budget exceeded after the move: $one"
[ "$two" -le 2 ] || fail "hyp2's budget exceeded: $two"
[ "$cross" -gt 2 ] || fail "g5's polls never ran beside hyp1's two: still in hyp1's budget?"

stop_pid "$DPID" || fail "drover exited with an error: $(tail -3 "$T/drover.log")"
stop_pid "$FAKE" || fail "fake nodes failed: $(cat "$T/fake.log")"
if warnings "$T/drover.log" | grep -q .; then
	fail "unexpected warnings: $(warnings "$T/drover.log" | head -3)"
fi
echo "PASS: guests join their hypervisor's budget and follow a migration"
