#!/bin/bash
# A real VictoriaMetrics (Debian's victoria-metrics) receives drover's
# Prometheus remote write (remote_write_url, protobuf + snappy) and holds
# the same values at the same times as the RRD files: over 30 s, every
# RRD row (the JSON data API, 2 s step) of a GAUGE (memory free) equals
# VictoriaMetrics's raw sample at that time, and of a DERIVE (cpu user,
# sent as its raw counter) the rate between its samples; the series
# carry the labels /metrics gives them.
#
# Then the engine goes away: VictoriaMetrics is stopped, drover queues
# (on disk under state_dir), drover itself is restarted in the middle of
# the outage, VictoriaMetrics comes back on the same data path, and every
# poll of the outage (each RRD row of it) arrives: no gap at any poll
# time, no sample dropped or refused.
. "$top_srcdir/tests/lib/common.sh" || exit 99
VM=/usr/bin/victoria-metrics
need "$VM" victoria-metrics
need rrdtool rrdtool
need curl curl

H=$(hostname)
VPORT=$(free_port 127.0.0.1)
VURL="http://127.0.0.1:$VPORT"
printf '%s\n' "dbdir $T/db" "graph_cache $T/gc" "interval 2" \
    "state_dir $T/state" "local_node yes" "listen 127.0.0.1:0" \
    "remote_write_url $VURL/api/v1/write" "remote_write_batch 500" \
    >"$T/d.conf"
"$DROVER" config -c "$T/d.conf" >"$T/conf.out" 2>&1 ||
	fail "drover config: $(cat "$T/conf.out")"

start_vm() {
	start_bg "$T/vm.$1.log" "$VM" -storageDataPath="$T/vmdata" \
	    -httpListenAddr="127.0.0.1:$VPORT" -retentionPeriod=1y
	VPID=$LAST_PID
	wait_until 60 curl -sf -o /dev/null "$VURL/health" ||
		fail "victoria-metrics did not start: $(tail -20 "$T/vm.$1.log")"
}
start_drover() {
	start_bg "$T/run.$1.log" "$DROVER" run -c "$T/d.conf"
	DPID=$LAST_PID
	wait_log "$T/run.$1.log" 'web: dashboard on' 30 ||
		fail "no dashboard: $(cat "$T/run.$1.log")"
	URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/run.$1.log" | head -1)
	[ -n "$URL" ] || fail "no dashboard URL: $(cat "$T/run.$1.log")"
}
# export METRIC PLUGIN FIELD: VictoriaMetrics's raw samples of the
# series into $T/export.json (one JSON object a series, a line each)
export_series() {
	curl -sf -G --data-urlencode \
	    "match[]=$1{host=\"$H\",plugin=\"$2\",field=\"$3\"}" \
	    "$VURL/api/v1/export" >"$T/export.json"
}
# drover's own counter NAME from /metrics
counter() {
	curl -sf "$URL/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}

start_vm 1
start_drover 1

# same_interval METRIC PLUGIN FIELD SUFFIX FROM TO MIN: every RRD row in
# [FROM, TO] (the JSON data API, cf AVERAGE, 2 s step) equals
# VictoriaMetrics's sample at that time (a GAUGE) or the rate between it
# and the sample one step before (a DERIVE); at least MIN rows, and no
# row without its sample -- but in (GAP_FROM, GAP_TO], while drover
# restarted, where RRD fills a missed poll from the next one (the
# heartbeat is two steps) and no poll happened
GAP_FROM=0 GAP_TO=0
same_interval() {
	curl -sf "$URL/api/v1/hosts/$H/$2/data?start=$5&end=$6&step=2" \
	    >"$T/data.json" || return 1
	export_series "$1" "$2" "$3" || return 1
	$PY -c '
import json, sys
rows = json.load(open(sys.argv[1]))["fields"][sys.argv[3]]["rows"]
lines = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
derive = sys.argv[4] == "d"
lo, hi, least = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
gap_lo, gap_hi = int(sys.argv[8]), int(sys.argv[9])
if len(lines) != 1:
    sys.exit(1)
m = lines[0]["metric"]
want = {"__name__", "host", "plugin", "field", "group", "physical"}
if set(m) != want or m["physical"] != m["host"] or m["group"] == "":
    print("labels %r" % m)
    sys.exit(2)
vm = {t // 1000: v for t, v in zip(lines[0]["timestamps"], lines[0]["values"])}
n = missing = excused = 0
for t, v in rows:
    if v is None or t < lo or t > hi:
        continue
    if t not in vm or (derive and t - 2 not in vm):
        if gap_lo < t <= gap_hi:
            excused += 1
        else:
            missing += 1
        continue
    if derive:
        want = (vm[t] - vm[t - 2]) / 2
        same = abs(v - want) <= 1e-9 * max(1.0, abs(want))
    else:
        want = vm[t]
        same = v == want
    if not same:
        print("MISMATCH at %d: rrd %r, victoriametrics %r" % (t, v, want))
        sys.exit(2)
    n += 1
print("%s: %d rows of the RRD in [%d, %d] equal VictoriaMetrics, %d missing"
    " (%d filled by RRD across the restart)"
    % (sys.argv[3], n, lo, hi, missing, excused))
sys.exit(0 if n >= least and missing == 0 else 1)' "$T/data.json" "$T/export.json" \
	    "$3" "$4" "$5" "$6" "$7" "$GAP_FROM" "$GAP_TO" >"$T/cmp.out"
	case $? in
	0) return 0 ;;
	2) fail "$2.$3: $(cat "$T/cmp.out")" ;;
	*) return 1 ;;
	esac
}
# the RRD's newest update of a file, epoch s
last_update() {
	local f
	f=$(ls "$T"/db/*/"$H-$1-$2-$3.rrd" 2>/dev/null | head -1)
	[ -n "$f" ] || return 1
	rrdtool lastupdate "$f" | tail -1 | cut -d: -f1
}

# updated_since EPOCH: the RRD has an update at or after EPOCH
updated_since() { [ "$(last_update memory free g || echo 0)" -ge "$1" ]; }
T0=$(date +%s)
wait_until 90 updated_since $((T0 + 30)) || fail "no 30 s of RRD updates"
T1=$(last_update memory free g)
wait_until 60 same_interval drover_field_value memory free g "$T0" "$T1" 10 ||
	fail "memory.free: RRD rows not in VictoriaMetrics: $(cat "$T/cmp.out")"
note "$(cat "$T/cmp.out")"
wait_until 60 same_interval drover_field_total cpu user d "$((T0 + 2))" "$T1" 10 ||
	fail "cpu.user: RRD rows not in VictoriaMetrics: $(cat "$T/cmp.out")"
note "$(cat "$T/cmp.out")"
sent=$(counter drover_remote_write_samples_sent_total)
[ "${sent:-0}" -gt 0 ] || fail "no samples counted sent: $(curl -s "$URL/metrics" | grep remote_write)"

# the outage: the engine stops; drover retries and queues
stop_pid "$VPID"
TOFF=$(date +%s)
queued() {
	local q
	q=$(counter drover_remote_write_queued_samples)
	[ "${q:-0}" -gt 0 ] && [ "$(counter drover_remote_write_retries_total)" -gt 0 ]
}
wait_until 60 queued || fail "nothing queued while the engine is down: $(curl -s "$URL/metrics" | grep remote_write)"
sleep 10
# drover restarts mid-outage: the queue is on disk and comes back
GAP_FROM=$(date +%s)
stop_pid "$DPID" || fail "drover run exited $?: $(tail "$T/run.1.log")"
ls "$T/state/remote_write/"*.rw >/dev/null 2>&1 ||
	fail "no queue segments on disk: $(ls -la "$T/state/remote_write")"
note "queued on disk at the restart: $(ls "$T/state/remote_write/" | wc -l) segments"
start_drover 2
grep -q 'remote_write: .* resumed from' "$T/run.2.log" ||
	fail "the queue was not resumed: $(cat "$T/run.2.log")"
wait_until 60 updated_since $((GAP_FROM + 1)) || fail "no poll after the restart"
GAP_TO=$(($(last_update memory free g) + 2))
sleep 10
start_vm 2
TON=$(date +%s)
note "engine down for $((TON - TOFF)) s"

# every poll of the outage arrives (from before it until after it)
drained() {
	[ "$(counter drover_remote_write_queued_samples)" = 0 ] &&
	    updated_since $((TON + 4))
}
wait_until 120 drained || fail "the queue did not drain: $(curl -s "$URL/metrics" | grep remote_write)"
T2=$(last_update memory free g)
wait_until 60 same_interval drover_field_value memory free g "$((TOFF - 4))" "$T2" 15 ||
	fail "memory.free: the outage left a gap: $(cat "$T/cmp.out")"
note "outage: $(cat "$T/cmp.out")"
wait_until 60 same_interval drover_field_total cpu user d "$((TOFF - 2))" "$T2" 15 ||
	fail "cpu.user: the outage left a gap: $(cat "$T/cmp.out")"
note "outage: $(cat "$T/cmp.out")"
for c in drover_remote_write_samples_dropped_total drover_remote_write_samples_failed_total \
    drover_remote_write_disk_errors_total; do
	[ "$(counter $c)" = 0 ] || fail "$c is $(counter $c)"
done
curl -sf "$URL/health" | grep -q 'remote write: samples sent' || fail "/health lacks remote write"
grep -i -e 'error' -e 'HTTP 4' "$T/run.1.log" "$T/run.2.log" | grep remote_write &&
	fail "drover logged a refusal"
stop_pid "$DPID" || fail "drover run exited $?"
stop_pid "$VPID"
echo "PASS"
