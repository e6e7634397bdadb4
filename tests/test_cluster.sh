#!/bin/bash
# A simulated cluster: 18 guests on 2 physical hosts, 15 plugins each, the
# physical hosts also a 60-field plugin.  The fake nodes count concurrent
# connections per physical host: with physical_concurrency 2 none may ever
# see more than 2, and every target must be polled in every interval.
. "$top_srcdir/tests/lib/common.sh"

INTERVAL=10
RUN=32
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
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T"
FAKE=$LAST_PID
wait_for_file "$T/ports.json" 10 || fail "fake nodes did not start: $(cat "$T/fake.log")"

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
sleep $RUN
stop_pid "$DPID" || fail "drover exited with an error: $(tail "$T/drover.log")"
stop_pid "$FAKE"
[ -s "$T/stats.json" ] || fail "no stats from the fake nodes"

$PY - "$T/stats.json" "$INTERVAL" "$RUN" <<'PY' || exit 1
import json, sys
st = json.load(open(sys.argv[1])); interval = float(sys.argv[2]); run = float(sys.argv[3])
ok = True
for phys, peak in st["peak"].items():
    print("# %s: at most %d polls at once" % (phys, peak))
    if peak > 2:
        print("FAIL: %s saw %d concurrent polls (bound 2)" % (phys, peak)); ok = False
if max(st["peak"].values()) < 2:
    print("FAIL: the bound was never reached; the test proves nothing"); ok = False
for name, starts in sorted(st["connections"].items()):
    starts.sort()
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    # polled in every interval: at least run/interval - 1 polls, and no gap
    # much longer than one interval
    if len(starts) < int(run / interval) - 1:
        print("FAIL: %s polled %d times in %d s" % (name, len(starts), run)); ok = False
    # a missed interval shows as a gap of two; queueing under load adds a few s
    if gaps and max(gaps) > interval * 1.5:
        print("FAIL: %s: gap of %.1f s between polls" % (name, max(gaps))); ok = False
# configs are cached: asked once per plugin (config_refresh 12 > polls),
# while every poll fetches every plugin
for name, starts in st["connections"].items():
    nplug = 16 if name.startswith("kvm") else 15
    if st["configs"].get(name) != nplug:
        print("FAIL: %s: %s config commands for %d plugins"
              % (name, st["configs"].get(name), nplug)); ok = False
    # (the last poll may have been cut short by drover's shutdown)
    if not nplug * (len(starts) - 1) <= st["fetches"].get(name, 0) <= nplug * len(starts):
        print("FAIL: %s: %s fetches for %d polls"
              % (name, st["fetches"].get(name), len(starts))); ok = False
print("# %d targets, %d polls" % (len(st["connections"]),
      sum(len(v) for v in st["connections"].values())))
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
for f in drover-drover_polls-done-g.rrd drover-drover_poll_duration-vm101_example_net-g.rrd \
	drover-drover_queue_delay-kvm1-g.rrd drover-drover_rrd-updates-g.rrd; do
	[ -f "$T/db/drover/$f" ] || fail "self-metric $f missing: $(ls "$T/db/drover")"
done
done_polls=$(rrdtool lastupdate "$T/db/drover/drover-drover_polls-done-g.rrd" | awk -F': ' 'NF == 2 {print int($2)}')
[ "${done_polls:-0}" -ge 15 ] || fail "self-metric polls done = $done_polls in one interval"
warnings "$T/drover.log" | grep -q . && fail "unexpected warnings: $(warnings "$T/drover.log" | head -3)"
echo "PASS: cluster bounded and on schedule"
