#!/bin/sh
# bench/fields.sh [BASE]: one plugin's reply of many fields, this tree
# against BASE (a git revision, default main) side by side.
#
# 1. The parser: CPU seconds for munin_proto to read the config and the
#    fetch reply of N fields (bench/fields_bench.c, this tree's copy built
#    in both trees), for N = 10k, 30k (both trees) and 100k (this tree;
#    BASE too with FULL=1: it took 319 s there).
# 2. The daemon: a node sending a 100k-field plugin (about 2 MB, bounds
#    raised to let all of it in) next to a control node, both polled every
#    5 s for 30 s: the hostile poll's duration, polls started late
#    (/health), and the control node's polls against the intervals.
# Run as root from a built tree (the test suite's peers installed).
set -eu
base=${1:-main}
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/drover-fields-bench.XXXXXX)
pids=""
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$tmp"' EXIT

add_bench() { # TREE
	cp "$top/bench/fields_bench.c" "$1/bench/"
	grep -q fields_bench "$1/Makefile.am" || cat >>"$1/Makefile.am" <<'MK'
EXTRA_PROGRAMS += bench/fields_bench
bench_fields_bench_SOURCES = bench/fields_bench.c
bench_fields_bench_LDADD = libdrover.a $(DEP_LIBS)
MK
}
make -C "$top" -s bench/fields_bench >/dev/null
git clone -q "$top" "$tmp/base"
git -C "$tmp/base" checkout -q "$base"
add_bench "$tmp/base"
(cd "$tmp/base" && autoreconf -fi >/dev/null 2>&1 && ./configure -q &&
	make -s -j2 bench/fields_bench >/dev/null 2>&1) ||
	{ echo "cannot build $base" >&2; exit 1; }

echo "## parser: CPU seconds for config + fetch of one plugin of N fields"
echo "| fields | $base | this tree | ratio |"
echo "|-------:|------:|----------:|------:|"
for n in 10000 30000 100000; do
	new=$("$top/bench/fields_bench" $n | cut -d' ' -f2)
	if [ $n -lt 100000 ] || [ "${FULL:-0}" = 1 ]; then
		old=$("$tmp/base/bench/fields_bench" $n | cut -d' ' -f2)
		ratio=$(awk -v a="$new" -v b="$old" 'BEGIN { printf "%.4f", a / b }')
	else
		old="(FULL=1)" ratio=""
	fi
	echo "| $n | $old | $new | $ratio |"
done

# the daemon, this tree
PY=/usr/bin/python3
mkdir -p "$tmp/fake"
echo '[{"name": "control", "mode": "normal", "plugins": 3}]' >"$tmp/spec.json"
$PY "$top/tests/lib/fake_node.py" "$tmp/spec.json" "$tmp/fake" --live >/dev/null 2>&1 &
pids="$pids $!"
$PY "$top/tests/lib/hostile_node.py" "$tmp/hostile.port" --plugins huge --fields 100000 &
pids="$pids $!"
while [ ! -s "$tmp/fake/ports.json" ] || [ ! -s "$tmp/hostile.port" ]; do sleep 0.1; done
cport=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["control"])' "$tmp/fake/ports.json")
cat >"$tmp/drover.conf" <<CONF
dbdir $tmp/db
interval 5
local_node no
listen 127.0.0.1:0
state_dir $tmp/state
graph_cache $tmp/graphs
[b;control]
    address 127.0.0.1
    port $cport
[b;hostile]
    address 127.0.0.1
    port $(cat "$tmp/hostile.port")
    max_fields_per_plugin 200000
    max_fields_per_host 200000
CONF
"$top/drover" run -c "$tmp/drover.conf" >"$tmp/drover.log" 2>&1 &
dpid=$!
pids="$pids $dpid"
sleep 30
web=$(grep -o 'dashboard on http://127.0.0.1:[0-9]*' "$tmp/drover.log" | grep -o '[0-9]*$')
curl -sf "http://127.0.0.1:$web/health" >"$tmp/health.html"
curl -sf "http://127.0.0.1:$web/api/v1/hosts" >"$tmp/hosts.json"
kill -TERM $dpid
wait $dpid || echo "drover exited with $?"
late=$(sed -n 's|.*<th>late</th><td class=num>\([0-9]*\)[ <].*|\1|p' "$tmp/health.html")
$PY - "$tmp/hosts.json" "$tmp/fake/stats.json" "$late" <<'PY'
import json, sys
hosts = {h["name"]: h for h in json.load(open(sys.argv[1]))["hosts"]}
done = json.load(open(sys.argv[2])).get("done", {}).get("control", 0)
print("## daemon: 100k-field node beside a control node, 30 s at interval 5")
print("| hostile poll (ms) | hostile last error | control polls (of 6) | polls late |")
print("|---:|---|---:|---:|")
print("| %d | %s | %d | %s |" % (hosts["hostile"]["poll_ms"],
      hosts["hostile"]["last_error"] or "none", done, sys.argv[3]))
PY
