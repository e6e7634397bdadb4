#!/bin/bash
# Config keys with no other test, each observed from the outside:
#  max_concurrency 2   six targets on six physical hosts whose polls would
#                      overlap: the fake nodes never see more than 2
#                      connections at once over all of them (and do see 2)
#  update no           the host is never polled, yet stays configured
#  config_refresh 2    each node is asked for its plugins' config on its
#                      1st poll and again after every 2 polls from cache
#                      (polls 1, 4, 7, ...), counted at the node
#  graph_cache_size 1  a 1 MiB graph cache: distinct large graphs beyond
#                      it evict the least recently used ones (/health)
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
set -o pipefail

need curl curl
POLLS=7   # polls of every node before the stop: config at 1, 4 and 7
$PY - "$T/spec.json" <<'PY'
import json, sys
spec = [{"name": "n%d" % i, "physical": "hv%d" % i, "mode": "normal",
         "plugins": 3, "fields": 2, "delay_ms": 150} for i in range(6)]
spec.append({"name": "idle", "physical": "hv9", "mode": "normal", "plugins": 1})
json.dump(spec, open(sys.argv[1], "w"))
PY
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T" --live
FAKE=$LAST_PID
wait_for_file "$T/ports.json" 30 || fail "fake nodes did not start: $(cat "$T/fake.log")"
{
	echo "dbdir $T/db"
	echo "interval 3"
	echo "max_concurrency 2"
	echo "physical_concurrency 4"
	echo "config_refresh 2"
	echo "graph_cache_size 1"
	echo "local_node no"
	echo "listen 127.0.0.1:0"
	echo "state_dir $T/state"
	echo "graph_cache $T/graphs"
	$PY - "$T/ports.json" <<'PY'
import json, sys
for name, port in sorted(json.load(open(sys.argv[1])).items()):
    print("[keys;%s]\n    address 127.0.0.1\n    port %d\n    physical %s"
          % (name, port, "hv9" if name == "idle" else "hv" + name[1:]))
    if name == "idle":
        print("    update no")
PY
} >"$T/drover.conf"
"$DROVER" config -c "$T/drover.conf" >"$T/normal" || fail "config rejected"
for k in "max_concurrency 2" "config_refresh 2" "graph_cache_size 1"; do
	grep -qx "$k" "$T/normal" || fail "drover config lost \"$k\": $(cat "$T/normal")"
done
# update no: still a configured host, marked so
$PY - "$T/normal" <<'PY' || fail "idle host not kept with update no: $(cat "$T/normal")"
import re, sys
m = re.search(r"^\[keys;idle\]\n((?:[ \t].*\n)*)", open(sys.argv[1]).read(), re.M)
sys.exit(0 if m and re.search(r"^\s+update no$", m.group(1), re.M) else 1)
PY

start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"
grep -q "drover [0-9][^:]*: 7 hosts, .*max_concurrency 2," "$T/drover.log" ||
	fail "start-up line: $(cat "$T/drover.log")"
wait_until 180 fake_done "$T/stats.json" $POLLS n0 n1 n2 n3 n4 n5 ||
	fail "not every node polled $POLLS times: $(cat "$T/stats.json")"

# graph_cache_size: 16 distinct 4000x2000 graphs, far more than 1 MiB
G="http://127.0.0.1:$PORT/n0/p00-day.png"
total=0
for i in $(seq 16); do
	sz=$(curl -sf -o "$T/g$i.png" -w '%{size_download}' "$G?width=$((4000 - i))&height=2000") ||
		fail "graph $i"
	total=$((total + sz))
	kib=$(curl -sf "http://127.0.0.1:$PORT/health" |
		sed -n 's|.*<th>graph cache</th><td class=num>[0-9]* files, \([0-9]*\) KiB<.*|\1|p') ||
		fail "/health"
	[ -n "$kib" ] && [ "$kib" -le 1024 ] || fail "graph cache at ${kib:-?} KiB over its 1 MiB cap"
done
note "16 graphs, $((total / 1024)) KiB served, cache now $kib KiB, $(health_num "$PORT" "graph cache") files"
[ "$total" -gt 1048576 ] || fail "graphs too small ($total bytes) to need eviction"
files=$(health_num "$PORT" "graph cache")
[ "$files" -ge 1 ] && [ "$files" -lt 16 ] || fail "$files files in a 1 MiB cache after 16 large graphs"
# LRU: the newest is still cached (a hit), the first was evicted (a
# render).  New data (a poll every 3 s) rightly makes a cached graph stale,
# so a try counts only when the service's last_update stayed put across it.
last_update() {
	curl -sf "http://127.0.0.1:$PORT/api/v1/hosts/n0/p00" |
		$PY -c 'import json, sys; print(json.load(sys.stdin)["last_update"])'
}
counted=0
for try in $(seq 10); do
	curl -sf -o /dev/null "$G?width=3984&height=2000" || fail "graph 16 again"
	before=$(last_update) || fail "service API"
	renders=$(health_num "$PORT" renders); hits=$(health_num "$PORT" "cache hits")
	curl -sf -o /dev/null "$G?width=3984&height=2000" || fail "graph 16 again"
	now_hits=$(health_num "$PORT" "cache hits"); now_renders=$(health_num "$PORT" renders)
	[ "$(last_update)" = "$before" ] || continue
	[ "$now_hits" -eq $((hits + 1)) ] || fail "the newest graph was not cached"
	[ "$now_renders" -eq "$renders" ] || fail "the newest graph was rendered again"
	counted=1
	break
done
[ "$counted" = 1 ] || fail "new data arrived during each of 10 tries"
renders=$(health_num "$PORT" renders)
curl -sf -o /dev/null "$G?width=3999&height=2000" || fail "graph 1 again"
[ "$(health_num "$PORT" renders)" -eq $((renders + 1)) ] || fail "the oldest graph was not evicted"
du=$(du -sk "$T/graphs" | awk '{print $1}')
[ "$du" -le 1100 ] || fail "cache dir holds $du KiB"

stop_pid "$DPID" || fail "drover exited with an error: $(tail "$T/drover.log")"
stop_pid "$FAKE" || fail "fake nodes failed: $(cat "$T/fake.log")"
$PY - "$T/stats.json" <<'PY' || exit 1
import json, sys
st = json.load(open(sys.argv[1]))
ok = True
print("# at most %d polls at once over all nodes" % st["peak_all"])
if st["peak_all"] > 2:
    print("FAIL: %d polls at once (max_concurrency 2)" % st["peak_all"]); ok = False
if st["peak_all"] < 2:
    print("FAIL: the bound was never reached; the test proves nothing"); ok = False
if "idle" in st["connections"]:
    print("FAIL: the update-no host was polled %d times" % len(st["connections"]["idle"])); ok = False
for i in range(6):
    name = "n%d" % i
    n = len(st["connections"][name])
    at = st["config_at"].get(name, [])
    # config_refresh 2: polls 1, 4, 7, ... ask for the config of all 3
    # plugins; the last poll may have been cut short by the stop
    want = [k for k in range(1, n) if (k - 1) % 3 == 0 for _ in range(3)]
    got = [k for k in at if k < n]
    last = at.count(n)
    print("# %s: %d polls, config asked at %s" % (name, n, sorted(set(at))))
    if got != want or last > (3 if (n - 1) % 3 == 0 else 0):
        print("FAIL: %s: config asked at %s, want %s" % (name, got, want)); ok = False
sys.exit(0 if ok else 1)
PY
if warnings "$T/drover.log" | grep -q .; then
	fail "unexpected warnings: $(warnings "$T/drover.log" | head -3)"
fi
echo "PASS: max_concurrency, update no, config_refresh, graph_cache_size"
