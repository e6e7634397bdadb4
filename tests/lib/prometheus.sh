# Shared by the tests that check a Prometheus against drover's RRDs
# (test_prometheus.sh scrapes /metrics, test_prometheus_rw.sh receives
# remote write).  Needs $T, $H (the host), $PY and PROM (the server's URL);
# sourced after common.sh.

# prom_query EXPR: Prometheus's answer to EXPR in $T/q.json
prom_query() {
	curl -sf -G --data-urlencode "query=$1" "$PROM/api/v1/query" >"$T/q.json"
}

# prom_same_as_rrd LABELS METRIC PLUGIN FIELD SUFFIX: the RRD's newest
# update (time, value) of host $H's PLUGIN.FIELD is a sample of METRIC in
# Prometheus with the same value, and LABELS (a Python expression over
# the series' label dict m) holds.  Returns 1 while not there yet; fails
# the test on a wrong value or labels.  What it found is in $T/cmp.out.
prom_same_as_rrd() {
	local f out ts v
	f=$(ls "$T"/db/*/"$H-$3-$4-$5.rrd" 2>/dev/null | head -1)
	[ -n "$f" ] || return 1
	out=$(rrdtool lastupdate "$f" | tail -1) || return 1
	ts=${out%%:*}
	v=${out#*: }
	prom_query "$2{host=\"$H\",plugin=\"$3\",field=\"$4\"}[2m]" || return 1
	$PY -c '
import json, sys
r = json.load(open(sys.argv[1]))["data"]["result"]
ts, v = int(sys.argv[2]), float(sys.argv[3])
if len(r) != 1:
    sys.exit(1)
m = r[0]["metric"]
if not eval(sys.argv[5]):
    print("labels %r" % m)
    sys.exit(2)
for t, s in r[0]["values"]:
    if t == ts:
        if float(s) != v:
            print("MISMATCH at %d: prometheus %s, rrd %r" % (ts, s, v))
            sys.exit(2)
        print("%s at %d: %s in both" % (sys.argv[4], ts, s))
        sys.exit(0)
sys.exit(1)' "$T/q.json" "$ts" "$v" "$3.$4" "$1" >"$T/cmp.out"
	case $? in
	0) return 0 ;;
	2) fail "$(cat "$T/cmp.out")" ;;
	*) return 1 ;;
	esac
}
