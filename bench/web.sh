#!/bin/bash
# One command: the dashboard's speed on this machine, side by side with a
# baseline in the same run.  Needs a built tree, root, wrk, nginx-light
# and chromium (apt-get install wrk nginx-light chromium).
#   - a cached graph, requests per second (wrk -t2 -c32, 10 s, loopback;
#     ROUNDS interleaved runs of each, medians)
#     from drover with its default settings, against nginx serving the
#     same PNG bytes from a tmpfs directory (its own config: one worker,
#     as drover has one loop; access log off, as drover keeps none;
#     everything else nginx's defaults), and for scale nginx with a
#     worker per core;
#   - a 20-graph host page in headless Chromium, cold (every graph
#     rendered on demand: loaded just after a new sample made every cached
#     image stale) against the same page warm (loaded again at once, every
#     image from the cache), timed by the page's Performance API from the
#     navigation's start (tests/lib/cdp.py --timing), so Chromium's own
#     start-up is in neither figure.  ROUNDS (default 3) pairs; medians.
#
#   bench/web.sh [ROUNDS]
#   DROVER=/path/to/old/drover bench/web.sh   (another build, same bench)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
ROUNDS=${1:-3}
DROVER=${DROVER:-$top/drover}
T=$(mktemp -d /tmp/drover-bench.XXXXXX)
SHM=$(mktemp -d /dev/shm/drover-bench.XXXXXX) # tmpfs: graphs, nginx's files
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; wait; rm -rf "$T" "$SHM"' EXIT
PY=/usr/bin/python3

# 20 plugins of 3 fields on a fake node, polled every 5 s
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
graph_cache $SHM/graphs
interval 5
local_node no
listen 127.0.0.1:0
[bench;web1]
    address 127.0.0.1
    port $PORT
CONF
mkdir -p "$SHM/graphs"
"$DROVER" run -c "$T/d.conf" >"$T/d.log" 2>&1 &
PIDS="$PIDS $!"
for i in $(seq 100); do grep -q 'http://127.0.0.1:[0-9]*' "$T/d.log" && break; sleep 0.1; done
URL=$(grep -o 'http://127.0.0.1:[0-9]*' "$T/d.log" | head -1)
# the p00 service's last sample time, "" before the first
stamp() {
	curl -sf "$URL/api/v1/hosts/web1" | $PY -c 'import json,sys
u = [s["last_update"] for s in json.load(sys.stdin)["services"] if s["name"] == "p00"]
print(u[0] if u else "")' 2>/dev/null
}
# waits until p00 has a sample newer than $1 (at most 30 s)
next_sample() {
	local i s
	for i in $(seq 300); do
		s=$(stamp)
		[ -n "$s" ] && [ "$s" != "$1" ] && { echo "$s"; return 0; }
		sleep 0.1
	done
	return 1
}
# a graph needs two samples to show a line
s=$(next_sample "") && s=$(next_sample "$s") && s=$(next_sample "$s") ||
	{ echo "no samples: $(tail "$T/d.log")" >&2; exit 1; }
# page: one load of the host page; prints "IMAGES_MS TEXT_MS"
page() {
	$PY "$top/tests/lib/cdp.py" "$T/art" --timing "$URL/web1/" >"$T/cdp.out" 2>&1
	grep -q '^ok .* 20 images decoded, 0 broken' "$T/cdp.out" ||
		{ sed 's/^/# /' "$T/cdp.out" >&2; }
	sed -n 's/^timing .*: html [0-9]* ms, text \([0-9-]*\) ms, images \([0-9]*\) ms.*/\2 \1/p' "$T/cdp.out"
}
: >"$T/pages"
for r in $(seq "$ROUNDS"); do
	s=$(next_sample "$s") || { echo "no new sample" >&2; exit 1; }
	sleep 0.2 # the sample's RRD writes (the render flushes them anyway)
	echo "cold $(page)" >>"$T/pages"
	echo "warm $(page)" >>"$T/pages"
done
sed 's/^/# page: /' "$T/pages"

G="$URL/web1/p00-day.png"
curl -s -o "$T/g.png" "$G"
echo "# cached graph $(stat -c %s "$T/g.png") bytes"
# nginx: same bytes, from tmpfs, in the foreground with its own prefix;
# one with a single worker (as drover's one loop), one with a worker per
# core, both idle but while measured
mkdir -p "$SHM/www"
cp "$T/g.png" "$SHM/www/g.png"
free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# nginx_start NAME WORKERS: sets NPORT to the port it serves g.png on
nginx_start() {
	local d=$T/nginx-$1 port
	port=$(free_port) # nginx cannot listen on port 0
	mkdir -p "$d"
	cat >"$d/nginx.conf" <<NGINX
worker_processes $2;
pid $d/nginx.pid;
error_log $d/error.log;
user root;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $d/body;
    proxy_temp_path $d/proxy;
    fastcgi_temp_path $d/fastcgi;
    uwsgi_temp_path $d/uwsgi;
    scgi_temp_path $d/scgi;
    types { image/png png; }
    sendfile on;
    server {
        listen 127.0.0.1:$port;
        root $SHM/www;
    }
}
NGINX
	nginx -p "$d" -c "$d/nginx.conf" -g 'daemon off;' >"$d/out.log" 2>&1 &
	PIDS="$PIDS $!"
	for i in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$port/g.png" && break; sleep 0.1; done
	cmp -s "$T/g.png" <(curl -s "http://127.0.0.1:$port/g.png") ||
		{ echo "nginx serves other bytes: $(cat "$d/error.log")" >&2; exit 1; }
	NPORT=$port
}
nginx_start one 1
N1=$NPORT
nginx_start all "$(nproc)"
NN=$NPORT
# the machine may be shared: ROUNDS rounds of 10 s each, interleaved,
# medians
rps() { wrk -t2 -c32 -d10s "$1" | awk '/Requests\/sec/ {print $2}'; }
: >"$T/rps"
for r in $(seq "$ROUNDS"); do
	echo "$(rps "$G") $(rps "http://127.0.0.1:$N1/g.png") $(rps "http://127.0.0.1:$NN/g.png")" >>"$T/rps"
done
sed 's/^/# requests\/s drover, nginx, nginx per core: /' "$T/rps"
read -r drover_rps nginx_rps nginxn_rps <<<"$($PY -c '
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
print(" ".join(str(statistics.median(r[i] for r in rows)) for i in range(3)))' "$T/rps")"

$PY - "$drover_rps" "$nginx_rps" "$T/pages" "$nginxn_rps" "$(nproc)" <<'PY'
import sys, statistics
d, n, nn = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[4])
cold = [tuple(map(float, l.split()[1:3])) for l in open(sys.argv[3]) if l.startswith("cold") and len(l.split()) == 3]
warm = [tuple(map(float, l.split()[1:3])) for l in open(sys.argv[3]) if l.startswith("warm") and len(l.split()) == 3]
print("%-58s %9s %9s %7s" % ("", "drover", "baseline", "ratio"))
print("%-58s %9.0f %9.0f %7.2f" % ("cached graph, requests/s (wrk -t2 -c32; nginx, same bytes)", d, n, d / n))
print("%-58s %9.0f %9.0f %7.2f" % ("  against nginx with %s workers" % sys.argv[5], d, nn, d / nn))
if cold and warm:
    ci, ct = statistics.median(c[0] for c in cold), statistics.median(c[1] for c in cold)
    wi, wt = statistics.median(w[0] for w in warm), statistics.median(w[1] for w in warm)
    print("%-58s %9.0f %9.0f %7.2f" % ("20-graph host page, last image decoded, ms (cold; warm)", ci, wi, ci / wi))
    print("%-58s %9.0f %9.0f %7.2f" % ("  the same page's text painted, ms (cold; warm)", ct, wt, ct / wt))
PY
