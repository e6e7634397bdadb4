#!/bin/bash
# Remote write into a real Prometheus (Debian's prometheus 2.42, its
# remote-write receiver on), the strictest of the receivers: it refuses
# a request whose labels are not sorted, whose strings are not UTF-8 or
# whose samples go back in time.  drover sends its local node, in a
# group whose name holds a Latin-1 byte, and its own fields; Prometheus
# takes every request (drover counts none refused, Prometheus logs no
# error) and holds the RRD's newest update of a GAUGE and of a DERIVE
# (its raw counter) at the RRD's time with the RRD's value, the group
# with U+FFFD.
. "$top_srcdir/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/prometheus.sh" || exit 99
need prometheus prometheus
need rrdtool rrdtool
need curl curl

H=$(hostname)
PPORT=$(free_port 127.0.0.1)
PROM="http://127.0.0.1:$PPORT"
printf 'global:\n  scrape_interval: 1m\n' >"$T/prometheus.yml"
start_bg "$T/prometheus.log" prometheus --config.file="$T/prometheus.yml" \
    --storage.tsdb.path="$T/tsdb" --web.listen-address="127.0.0.1:$PPORT" \
    --web.enable-remote-write-receiver
wait_until 60 curl -sf -o /dev/null "$PROM/-/ready" ||
	fail "prometheus did not start: $(tail -20 "$T/prometheus.log")"
printf '%s\n' "dbdir $T/db" "graph_cache $T/gc" "interval 2" \
    "state_dir $T/state" "local_node yes" "listen 127.0.0.1:0" \
    "remote_write_url $PROM/api/v1/write" "[caf"$'\xe9'";$H]" >"$T/d.conf"
start_bg "$T/run.log" "$DROVER" run -c "$T/d.conf"
DPID=$LAST_PID
wait_log "$T/run.log" 'web: dashboard on' 30 || fail "no dashboard: $(cat "$T/run.log")"
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/run.log" | head -1)

LABELS='set(m) == {"__name__", "host", "plugin", "field", "group", "physical"} and m["group"] == "caf\ufffd"'
wait_until 60 prom_same_as_rrd "$LABELS" drover_field_value memory free g ||
	fail "memory.free: the RRD's newest value never in Prometheus: $(cat "$T/q.json")"
note "$(cat "$T/cmp.out")"
wait_until 60 prom_same_as_rrd "$LABELS" drover_field_total cpu user d ||
	fail "cpu.user: the RRD's newest value never in Prometheus: $(cat "$T/q.json")"
note "$(cat "$T/cmp.out")"
# drover's own fields went too (host _drover)
prom_query 'count(drover_field_value{host="_drover"})' &&
	$PY -c 'import json,sys; r=json.load(open(sys.argv[1]))["data"]["result"]; sys.exit(0 if r and int(r[0]["value"][1]) > 0 else 1)' "$T/q.json" ||
	fail "no _drover fields: $(cat "$T/q.json")"
counter() {
	curl -sf "$URL/metrics" | awk -v n="$1" '$1 == n { print $2 }'
}
[ "$(counter drover_remote_write_samples_failed_total)" = 0 ] ||
	fail "Prometheus refused samples: $(grep remote_write "$T/run.log")"
[ "$(counter drover_remote_write_samples_sent_total)" -gt 0 ] || fail "nothing counted sent"
if grep -q -e 'level=error' -e 'level=warn.*write' "$T/prometheus.log"; then
	fail "prometheus complained: $(grep -e 'level=error' -e 'level=warn' "$T/prometheus.log" | head -5)"
fi
stop_pid "$DPID" || fail "drover run exited $?"
echo "PASS"
