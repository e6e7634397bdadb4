#!/bin/bash
# A simulated cluster: 18 guests on 2 physical hosts, 15 plugins each, the
# physical hosts also a 60-field plugin.  The fake nodes count concurrent
# connections per physical host: with physical_concurrency 2 none may ever
# see more than 2; every target is polled once per slot (all have the same
# interval, so their poll counts never differ by more than one), and
# drover counts no failed or timed-out poll.  How long the gaps between
# polls are is measured by bench/cluster.sh, not asserted here.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
set -o pipefail

need rrdtool rrdtool
need curl curl
INTERVAL=10
POLLS=3   # polls of every target before the stop
$PY - "$T/spec.json" <<'PY'
import json, sys
spec = []
for p in (1, 2):
    spec.append({"name": "kvm%d.example.net" % p, "physical": "kvm%d" % p,
                 "mode": "normal", "plugins": 15, "fields": 3,
                 "big_fields": 60, "delay_ms": 40})
    for g in range(9):
        spec.append({"name": "vm%d%02d.example.net" % (p, g),
                     "physical": "kvm%d" % p, "mode": "normal",
                     "plugins": 15, "fields": 3, "delay_ms": 40})
json.dump(spec, open(sys.argv[1], "w"))
PY
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T" --live
FAKE=$LAST_PID
wait_for_file "$T/ports.json" 30 || fail "fake nodes did not start: $(cat "$T/fake.log")"

{
	echo "dbdir $T/db"
	echo "interval $INTERVAL"
	echo "physical_concurrency 2"
	echo "local_node no"
	echo "listen 127.0.0.1:0"
	echo "state_dir $T/state"
	echo "graph_cache $T/graphs"
	$PY - "$T/ports.json" <<'PY'
import json, sys
for name, port in json.load(open(sys.argv[1])).items():
    phys = "kvm1" if name.startswith(("kvm1", "vm1")) else "kvm2"
    print("[cluster;%s]\n    address 127.0.0.1\n    port %d\n    physical %s"
          % (name, port, phys))
PY
} >"$T/drover.conf"
"$DROVER" config -c "$T/drover.conf" >/dev/null || fail "config rejected"
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"
# every target's POLLS-th poll ended (counted at the node); the deadline
# only bounds a hang (POLLS intervals take about 30 s)
wait_until 180 fake_done "$T/stats.json" $POLLS ||
	fail "not every target polled $POLLS times: $(cat "$T/stats.json")"
# drover's own counters (refreshed once per interval): once a snapshot has
# seen most of those polls, none may have failed or timed out
wait_until 60 health_at_least "$PORT" "polls done" $((20 * (POLLS - 1))) ||
	fail "/health polls done: $(health_num "$PORT" "polls done")"
for c in failed "timed out"; do
	n=$(health_num "$PORT" "$c") || fail "/health"
	[ "$n" = 0 ] || fail "drover counts '$n' polls $c"
done
note "/health: $(health_num "$PORT" "polls done") polls done, $(health_num "$PORT" late) late, $(health_num "$PORT" "held back by a bound") held back by the bound"
stop_pid "$DPID" || fail "drover exited with an error: $(tail "$T/drover.log")"
stop_pid "$FAKE" || fail "fake nodes failed: $(cat "$T/fake.log")"
[ -s "$T/stats.json" ] || fail "no stats from the fake nodes"

$PY - "$T/stats.json" "$POLLS" <<'PY' || exit 1
import json, sys
st = json.load(open(sys.argv[1])); want = int(sys.argv[2])
ok = True
for phys, peak in st["peak"].items():
    print("# %s: at most %d polls at once" % (phys, peak))
    if peak > 2:
        print("FAIL: %s saw %d concurrent polls (bound 2)" % (phys, peak)); ok = False
if max(st["peak"].values()) < 2:
    print("FAIL: the bound was never reached; the test proves nothing"); ok = False
# one poll per slot: all have the same interval, so over the run every
# target had the same number of slots, give or take the one in progress
# at the stop; a skipped slot leaves a target two behind the others
counts = {name: len(starts) for name, starts in st["connections"].items()}
if len(counts) != 20:
    print("FAIL: %d of 20 targets polled" % len(counts)); ok = False
print("# polls per target: %d to %d" % (min(counts.values()), max(counts.values())))
if min(counts.values()) < want:
    print("FAIL: a target polled fewer than %d times: %s" % (want, counts)); ok = False
if max(counts.values()) - min(counts.values()) > 1:
    print("FAIL: poll counts differ by more than one: %s" % counts); ok = False
# configs are cached: asked once per plugin (config_refresh 12 > polls),
# while every poll that ended fetched every plugin (the last may have
# been cut short by drover's shutdown)
for name, n in counts.items():
    nplug = 16 if name.startswith("kvm") else 15
    if st["configs"].get(name) != nplug:
        print("FAIL: %s: %s config commands for %d plugins"
              % (name, st["configs"].get(name), nplug)); ok = False
    if not nplug * (n - 1) <= st["fetches"].get(name, 0) <= nplug * n:
        print("FAIL: %s: %s fetches for %d polls"
              % (name, st["fetches"].get(name), n)); ok = False
print("# %d targets, %d polls" % (len(counts), sum(counts.values())))
sys.exit(0 if ok else 1)
PY

# Munin's layout: dbdir/GROUP/HOST-PLUGIN-FIELD-TYPE.rrd
for f in "cluster/vm103.example.net-p07-f2-g.rrd" \
	 "cluster/kvm2.example.net-big-lv59-d.rrd"; do
	[ -f "$T/db/$f" ] || fail "missing $f; have: $(ls "$T/db/cluster" | head)"
done
n=$(ls "$T/db/cluster" | wc -l)
[ "$n" -eq $((20 * 15 * 3 + 2 * 60)) ] || fail "expected 1020 RRD files, got $n"
# drover's own metrics, stored like any host's
for f in _drover-drover_polls-done-g.rrd _drover-drover_poll_duration-vm101_example_net-g.rrd \
	_drover-drover_queue_delay-kvm1-g.rrd _drover-drover_rrd-updates-g.rrd; do
	[ -f "$T/db/.drover/$f" ] || fail "self-metric $f missing: $(ls "$T/db/.drover")"
done
# polls done in the last interval: some, and at most two per target (one
# held back from the interval before, one on time)
done_polls=$(rrdtool lastupdate "$T/db/.drover/_drover-drover_polls-done-g.rrd" |
	awk -F': ' 'NF == 2 {print int($2)}') || fail "rrdtool lastupdate polls done"
[ "${done_polls:-0}" -ge 1 ] && [ "$done_polls" -le 40 ] ||
	fail "self-metric polls done = $done_polls in one interval (20 targets)"
if warnings "$T/drover.log" | grep -q .; then
	fail "unexpected warnings: $(warnings "$T/drover.log" | head -3)"
fi
echo "PASS: cluster bounded and on schedule"
