#!/bin/bash
# One command: how long from a BMC's 12 V rail crossing a threshold to the
# page arriving at a webhook receiver, with the DEFAULT page settings
# (no notify_* keys) and ipmi_interval 5, as issue 16 measured it.  Goal:
# each at most one source interval + 5 s = 10 s.
#
#   bench/page_latency.sh [OLD_DROVER [ROUNDS]]
#
# Cases, in one drover run: the rail sinks below lower-non-critical
# (11.5 V -> WARNING), below lower-critical (11.0 V -> CRITICAL; each step
# waits for the previous page), comes back (recovery), and sags again 20 s
# after the recovery; then, in a fresh run, a receiver that fails its
# first three attempts (HTTP 500) and accepts the fourth.  With OLD_DROVER
# (a binary of the commit before, e.g. from `git worktree add /tmp/old
# main`) every round runs both side by side.  Needs a built tree, root and
# the test command's packages (openipmi).  Figures, not assertions.
top=$(cd "$(dirname "$0")/.." && pwd)
export top_srcdir=$top top_builddir=$top
. "$top/tests/lib/common.sh"
SIM="$top/tests/lib/ipmi_sim.sh"
need ipmi_sim openipmi
need sdrcomp openipmi
OLD=${1:-}
ROUNDS=${2:-1}
INTERVAL=5

now() { date +%s.%N; }
since() { $PY -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$2"; }

# the webhook sink at $1 recorded a page with the ipmi_volts change $2
# from $3, at least $4 times in all; prints the arrival time of the last
paged_at() {
	[ -f "$1" ] && $PY - "$@" <<'PY'
import json, sys
f, st, prev, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
seen = []
for l in open(f):
    r = json.loads(l)
    if not r["path"].startswith("/page"):
        continue
    b = json.loads(r["body"])
    for i in b.get("items", [b]):
        if i.get("service") == "ipmi_volts" and (i["state"], i["previous_state"]) == (st, prev):
            seen.append(r["t"])
if len(seen) < n:
    sys.exit(1)
print("%.6f" % seen[n - 1])
PY
}

# run DROVER DIR FAIL_N: starts ipmi_sim, the sink (failing its first
# FAIL_N requests) and DROVER; waits for the first OK poll.
run() {
	local drover=$1 d=$2 pa ca
	mkdir -p "$d/bmc"
	pa=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	ca=$(free_port 127.0.0.1)
	"$SIM" start "$d/bmc" "$pa" "$ca" >/dev/null || fail "ipmi_sim did not start"
	BG_PIDS="$BG_PIDS $(cat "$d/bmc/ipmi_sim.pid")"
	start_bg "$d/hook.log" $PY "$top/tests/lib/webhook_sink.py" 0 "$d/hooks.jsonl" "$3"
	SINK=$LAST_PID
	wait_for_file "$d/hook.log" 30 || fail "sink did not start"
	umask 077; echo secret >"$d/pw"; umask 022
	cat >"$d/drover.conf" <<CONF
dbdir $d/db
state_dir $d/state
graph_cache $d/graphs
listen 127.0.0.1:0
local_node no
interval 3600
contact.oncall.webhook http://127.0.0.1:$(head -1 "$d/hook.log")/page
[rack;kvm1]
    ipmi_address 127.0.0.1:$pa
    ipmi_user admin
    ipmi_password_file $d/pw
    ipmi_workarounds opensesspriv
    ipmi_interval $INTERVAL
    ipmi_timeout 2
CONF
	start_bg "$d/drover.log" "$drover" run -c "$d/drover.conf"
	DPID=$LAST_PID
	wait_until 60 grep -q 'http://127\.0\.0\.1:[0-9]*' "$d/drover.log" || fail "no dashboard: $(cat "$d/drover.log")"
	URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$d/drover.log" | head -1)
	wait_until 60 sh -c "'$drover' check --url '$URL' kvm1 ipmi_volts >/dev/null" ||
		fail "no OK poll: $(tail "$d/drover.log")"
}
finish() {
	local d=$1
	stop_pid "$DPID" || fail "drover exited $?: $(tail "$d/drover.log")"
	stop_pid "$SINK" || fail "sink exited $?"
	"$SIM" stop "$d/bmc"
}
# step DIR MILLIVOLTS STATE PREV N LABEL: sets the rail, prints the time
# to the Nth request carrying that change (the sink records failed
# attempts too: with 3 failures the 4th is the one accepted)
step() {
	local t0 t1
	"$SIM" set12v "$1/bmc" "$2"
	t0=$(now)
	t1=$(wait_until 120 paged_at "$1/hooks.jsonl" "$3" "$4" "$5" >/dev/null &&
		paged_at "$1/hooks.jsonl" "$3" "$4" "$5") || fail "$6: no page: $(tail "$1/drover.log")"
	printf '%s\t%s\n' "$6" "$(since "$t0" "$t1")"
}

# scenario DROVER NAME: prints "NAME<TAB>case<TAB>seconds" lines
scenario() {
	local d=$T/$2.$3
	run "$1" "$d" 0
	step "$d" 11300 WARNING OK 1 "lower-non-critical"
	step "$d" 10900 CRITICAL WARNING 1 "lower-critical"
	step "$d" 12000 OK CRITICAL 1 "recovery"
	sleep 20
	step "$d" 11300 WARNING OK 2 "new sag 20 s after the recovery"
	finish "$d"
	d=$T/$2.$3.fail
	run "$1" "$d" 3
	step "$d" 11300 WARNING OK 4 "receiver failing its first 3 attempts"
	finish "$d"
}

for r in $(seq "$ROUNDS"); do
	scenario "$top/drover" new "$r" | sed 's/^/new\t/' | tee -a "$T/all"
	[ -n "$OLD" ] && scenario "$OLD" old "$r" | sed 's/^/old\t/' | tee -a "$T/all"
done
echo "# goal: <= ipmi_interval ($INTERVAL s) + 5 s = $((INTERVAL + 5)) s"
$PY - "$T/all" "$((INTERVAL + 5))" <<'PY'
import sys, collections
goal = float(sys.argv[2])
v = collections.defaultdict(list)
for l in open(sys.argv[1]):
    who, case, s = l.rstrip("\n").split("\t")
    v[(case, who)].append(float(s))
cases = list(dict.fromkeys(c for c, _ in v))
print("| case | old (s) | new (s) | new/goal | new/old |")
print("|---|---:|---:|---:|---:|")
for c in cases:
    o, n = v.get((c, "old"), []), v.get((c, "new"), [])
    f = lambda x: " / ".join("%.1f" % y for y in x) if x else "-"
    mo = max(o) if o else None
    mn = max(n) if n else None
    print("| %s | %s | %s | %s | %s |" % (c, f(o), f(n),
        "%.2f" % (mn / goal) if mn is not None else "-",
        "%.2f" % (mn / mo) if mn is not None and mo else "-"))
PY

# The bank: tests/test_2am_bank.sh (a NUT bank draining 0.05 V per 2 s
# sample, then the rail; default alert and page settings) prints how
# long after the drain began the forecast paged (and the voltage then),
# how long after it the bank's own voltage WARNING page came (the
# forecast's lead), and the rail's crossing-to-page times.
echo
echo "# the bank and the forecast (tests/test_2am_bank.sh):"
top_srcdir=$top top_builddir=$top DROVER=$top/drover \
	bash "$top/tests/test_2am_bank.sh" 2>&1 | grep '^# .* s after\|^# forecast'
