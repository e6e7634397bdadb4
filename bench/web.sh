#!/bin/bash
# One command: the dashboard's speed on this machine, side by side with a
# baseline.  Needs a built tree, root, wrk and chromium (apt-get install
# wrk chromium).
#   - cached graph requests per second (wrk, 2 threads, 16 connections,
#     10 s) against the same file served by python's http.server as the
#     baseline for "a static file over HTTP here";
#   - a 20-graph host page loaded cold in headless Chromium (every image
#     rendered on demand) and warm (every image from the cache).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/drover-bench.XXXXXX)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
PY=/usr/bin/python3

# 20 plugins of 3 fields on a fake node, polled every 5 s for a while
cat >"$T/spec.json" <<'JSON'
[{"name": "web1", "physical": "web1", "mode": "normal", "plugins": 20, "fields": 3}]
JSON
$PY "$top/tests/lib/fake_node.py" "$T/spec.json" "$T" >/dev/null 2>&1 &
PIDS="$PIDS $!"
for i in $(seq 50); do [ -s "$T/ports.json" ] && break; sleep 0.1; done
PORT=$($PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["web1"])' "$T/ports.json")
cat >"$T/d.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
interval 5
local_node no
listen 127.0.0.1:0
[bench;web1]
    address 127.0.0.1
    port $PORT
CONF
"$top/drover" run -c "$T/d.conf" >"$T/d.log" 2>&1 &
PIDS="$PIDS $!"
sleep 12
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/d.log" | head -1)
page() {
	local t0 t1
	t0=$(date +%s.%N)
	$PY "$top/tests/lib/cdp.py" "$T/art" "$URL/web1/" >"$T/cdp.out" 2>&1
	t1=$(date +%s.%N)
	$PY -c "print('%.2f' % ($t1 - $t0))"
}
# the host page first: cold (nothing rendered yet), then warm (cached)
cold=$(page)
warm=$(page)
grep -o '[0-9]* images decoded, [0-9]* broken' "$T/cdp.out" | sed 's/^/# /'
G="$URL/web1/p00-day.png"
curl -s -o "$T/g.png" "$G"
echo "# cached graph $(stat -c %s "$T/g.png") bytes"
drover_rps=$(wrk -t2 -c16 -d10s "$G" | awk '/Requests\/sec/ {print $2}')
mkdir -p "$T/static" && cp "$T/g.png" "$T/static/g.png"
(cd "$T/static" && exec $PY -m http.server 0 --bind 127.0.0.1 >"$T/static.log" 2>&1) &
PIDS="$PIDS $!"
sleep 1
SPORT=$(grep -o 'port [0-9]*' "$T/static.log" | head -1 | grep -o '[0-9]*')
base_rps=$(wrk -t2 -c16 -d10s "http://127.0.0.1:$SPORT/g.png" | awk '/Requests\/sec/ {print $2}')
printf "%-44s %10s %10s %8s\n" "" drover baseline ratio
printf "%-44s %10.0f %10.0f %8.1f\n" "cached graph requests/s (wrk; python http.server)" \
	"$drover_rps" "$base_rps" "$($PY -c "print($drover_rps / $base_rps)")"

printf "%-44s %10s %10s %8.1f\n" "20-graph host page in Chromium (s): cold, warm" "$cold" "$warm" \
	"$($PY -c "print($cold / $warm)")"
echo "# (Chromium start-up is inside both figures; the ratio shows what rendering on demand costs)"
