#!/bin/bash
# A real Prometheus (Debian's prometheus 2.42) scrapes drover's /metrics
# every second on the metrics_listen port (which serves /metrics alone;
# the dashboard port serves it too): promtool check metrics passes a
# scrape, the scrape is healthy (up == 1) even with a host whose group holds a backslash, a
# quote, UTF-8 and a Latin-1 byte (escaped, the bad byte as U+FFFD), and
# Prometheus holds the same values at the same times as the RRD files:
# the newest update of a GAUGE (memory free) and of a DERIVE (cpu user,
# its raw counter) found in Prometheus at rrdtool lastupdate's time, with
# rrdtool's value, and over the 30 s before it every RRD row (through the
# JSON data API) equal to Prometheus's sample at that time (the GAUGE) or
# the rate between its samples (the DERIVE).  Alert and host states come
# through as gauges.
. "$top_srcdir/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/prometheus.sh" || exit 99
need prometheus prometheus
need promtool prometheus
need rrdtool rrdtool
need curl curl

H=$(hostname)
DEAD=$(free_port 127.0.0.1) # nothing listens there: host "odd" is down
printf '%s\n' "dbdir $T/db" "graph_cache $T/gc" "interval 2" \
    "state_dir $T/state" "local_node yes" "listen 127.0.0.1:0" \
    "metrics_listen 127.0.0.1:0" \
    "[$H]" "    load.load.warning 1000000:" \
    "[B\\sl\"ash ét"$'\xe9'";odd]" "    address 127.0.0.1" "    port $DEAD" \
    >"$T/d.conf"
start_bg "$T/run.log" "$DROVER" run -c "$T/d.conf"
DPID=$LAST_PID
wait_log "$T/run.log" 'web: dashboard on' 30 || fail "no dashboard: $(cat "$T/run.log")"
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/run.log" | head -1)
[ -n "$URL" ] || fail "no dashboard URL: $(cat "$T/run.log")"
MURL=$(grep -o 'metrics on http://127\.0\.0\.1:[0-9]*' "$T/run.log" | head -1)
MURL=${MURL#metrics on }
[ -n "$MURL" ] || fail "no metrics_listen URL: $(cat "$T/run.log")"
[ "$MURL" != "$URL" ] || fail "metrics_listen on the dashboard's port"

has_cpu() {
	curl -sf "$URL/metrics" >"$T/scrape" &&
	    grep -q "^drover_field_total{host=\"$H\",.*plugin=\"cpu\",field=\"user\"}" "$T/scrape"
}
wait_until 60 has_cpu || fail "no cpu sample in /metrics: $(head -c 2000 "$T/scrape")"
curl -sf -D "$T/headers" -o /dev/null "$URL/metrics" || fail "HEAD of /metrics"
grep -qi '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$T/headers" ||
	fail "content type: $(cat "$T/headers")"
promtool check metrics <"$T/scrape" >"$T/promtool.out" 2>&1 ||
	fail "promtool check metrics: $(cat "$T/promtool.out")"
[ ! -s "$T/promtool.out" ] || fail "promtool lint: $(cat "$T/promtool.out")"
note "promtool check metrics: clean, $(grep -vc '^#' "$T/scrape") samples"
# the metrics port: the same text, and nothing but /metrics
curl -sf "$MURL/metrics" >"$T/mscrape" || fail "no /metrics on $MURL"
grep -q "^drover_field_total{host=\"$H\",.*plugin=\"cpu\",field=\"user\"}" "$T/mscrape" ||
	fail "no cpu sample on metrics_listen: $(head -c 2000 "$T/mscrape")"
for p in / /api/v1/hosts "/$H/" /health; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$MURL$p")
	[ "$code" = 404 ] || fail "metrics_listen $p: $code, not 404"
done

PPORT=$(free_port 127.0.0.1)
cat >"$T/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: drover
    static_configs:
      - targets: ['${MURL#http://}']
YML
promtool check config "$T/prometheus.yml" >"$T/promtool_config.out" 2>&1 ||
	fail "promtool check config: $(cat "$T/promtool_config.out")"
start_bg "$T/prometheus.log" prometheus --config.file="$T/prometheus.yml" \
    --storage.tsdb.path="$T/tsdb" --web.listen-address="127.0.0.1:$PPORT"
PROM="http://127.0.0.1:$PPORT"

# query EXPR: runs an instant query, the JSON into $T/q.json
# result_is EXPR PYEXPR: the query's result r (a list) makes PYEXPR true
result_is() {
	prom_query "$1" && $PY -c '
import json, sys
j = json.load(open(sys.argv[1]))
r = j["data"]["result"] if j.get("status") == "success" else None
sys.exit(0 if r is not None and eval(sys.argv[2]) else 1)' "$T/q.json" "$2"
}
up() {
	result_is 'up{job="drover"}' 'len(r) == 1 and r[0]["value"][1] == "1"'
}
wait_until 90 up || fail "scrape not up: $(cat "$T/q.json" 2>/dev/null; tail -20 "$T/prometheus.log")"

LABELS='set(m) == {"__name__", "host", "plugin", "field", "group", "physical", "instance", "job"} and m["physical"] == m["host"] and m["group"] != ""'
wait_until 60 prom_same_as_rrd "$LABELS" drover_field_value memory free g ||
	fail "memory.free: RRD's newest value never in Prometheus: $(cat "$T/q.json")"
note "$(cat "$T/cmp.out")"
wait_until 60 prom_same_as_rrd "$LABELS" drover_field_total cpu user d ||
	fail "cpu.user: RRD's newest value never in Prometheus: $(cat "$T/q.json")"
note "$(cat "$T/cmp.out")"
# same_interval METRIC PLUGIN FIELD SUFFIX: over the 30 s before the RRD's
# newest update, every RRD row (the JSON data API, cf AVERAGE, 2 s step)
# whose time Prometheus has a sample at equals that sample (a GAUGE) or
# the rate between it and the sample one step before (a DERIVE); at
# least 5 such rows
same_interval() {
	local f out t1
	f=$(ls "$T"/db/*/"$H-$2-$3-$4.rrd" 2>/dev/null | head -1)
	[ -n "$f" ] || return 1
	out=$(rrdtool lastupdate "$f" | tail -1) || return 1
	t1=${out%%:*}
	curl -sf "$URL/api/v1/hosts/$H/$2/data?start=$((t1 - 30))&end=$t1&step=2" \
	    >"$T/data.json" || return 1
	prom_query "$1{host=\"$H\",plugin=\"$2\",field=\"$3\"}[2m]" || return 1
	$PY -c '
import json, sys
rows = json.load(open(sys.argv[1]))["fields"][sys.argv[3]]["rows"]
r = json.load(open(sys.argv[2]))["data"]["result"]
derive = sys.argv[4] == "d"
if len(r) != 1:
    sys.exit(1)
prom = {int(t): float(v) for t, v in r[0]["values"]}
n = 0
for t, v in rows:
    if v is None or t not in prom:
        continue
    if derive:
        if t - 2 not in prom:
            continue
        want = (prom[t] - prom[t - 2]) / 2
        same = abs(v - want) <= 1e-9 * max(1.0, abs(want))
    else:
        want = prom[t]
        same = v == want
    if not same:
        print("MISMATCH at %d: rrd %r, prometheus %r" % (t, v, want))
        sys.exit(2)
    n += 1
print("%s: %d rows of the RRD equal Prometheus" % (sys.argv[3], n))
sys.exit(0 if n >= 5 else 1)' "$T/data.json" "$T/q.json" "$3" "$4" >"$T/cmp.out"
	case $? in
	0) return 0 ;;
	2) fail "$2.$3: $(cat "$T/cmp.out")" ;;
	*) return 1 ;;
	esac
}
wait_until 90 same_interval drover_field_value memory free g ||
	fail "memory.free: too few RRD rows in Prometheus: $(cat "$T/cmp.out")"
note "$(cat "$T/cmp.out")"
wait_until 90 same_interval drover_field_total cpu user d ||
	fail "cpu.user: too few RRD rows in Prometheus: $(cat "$T/cmp.out")"
note "$(cat "$T/cmp.out")"

# counters are counters: rate() over them is a positive rate
cpu_rate() {
	result_is "rate(drover_field_total{host=\"$H\",plugin=\"cpu\",field=\"user\"}[30s])" \
	    'len(r) == 1 and float(r[0]["value"][1]) >= 0'
}
wait_until 30 cpu_rate || fail "rate(): $(cat "$T/q.json")"

# load below warning 1000000: WARNING (1); the host up; "odd" down, its
# group's label as written, the Latin-1 byte as U+FFFD
result_is "drover_field_alert_state{host=\"$H\",plugin=\"load\",field=\"load\"}" \
    'len(r) == 1 and r[0]["value"][1] == "1"' || fail "alert state: $(cat "$T/q.json")"
result_is "drover_host_up{host=\"$H\"}" 'len(r) == 1 and r[0]["value"][1] == "1"' ||
	fail "host up: $(cat "$T/q.json")"
odd_down() {
	result_is 'drover_host_up{host="odd"}' \
	    'len(r) == 1 and r[0]["value"][1] == "0" and r[0]["metric"]["group"] == "B\\sl\"ash \u00e9t\ufffd"'
}
wait_until 30 odd_down || fail "odd host: $(cat "$T/q.json")"
result_is 'drover_polls_total' 'len(r) == 1 and float(r[0]["value"][1]) > 0' ||
	fail "own counters: $(cat "$T/q.json")"

# the scrape is one Prometheus took whole: no sample refused
result_is 'scrape_samples_scraped{job="drover"}' \
    'len(r) == 1 and float(r[0]["value"][1]) > 100' || fail "samples: $(cat "$T/q.json")"
if grep -q -e 'level=warn.*scrape' -e 'level=error' "$T/prometheus.log"; then
	fail "prometheus complained: $(grep -e 'level=warn' -e 'level=error' "$T/prometheus.log" | head -5)"
fi
stop_pid "$DPID" || fail "drover run exited $?"
echo "PASS"
