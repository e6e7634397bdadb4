#!/bin/bash
# One command: how fast a plain GET of / answers while a slowloris attack
# is on (issue 14: 800 connections from 20 loopback addresses, a header
# byte every 4 s, each closed one opened again; tests/lib/slowloris.py),
# against the same GETs with no attack, side by side on one drover.
#   bench/slowloris.sh [GETS]          (default 200 per phase, a multiple
#                                       of 5; under attack spread over 5
#                                       of its 4 s rounds)
#   DROVER=/other/build/drover bench/slowloris.sh   (e.g. an older build)
# Each GET is a new connection from 127.0.0.1 (curl, 10 s client
# timeout; a timeout counts as 10 s).  Needs a built tree and curl.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
DROVER=${DROVER:-$top/drover}
N=${1:-200}
T=$(mktemp -d /tmp/drover-bench.XXXXXX)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT
PY=/usr/bin/python3

cat >"$T/d.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
local_node no
listen 127.0.0.1:0
CONF
"$DROVER" run -c "$T/d.conf" >"$T/d.log" 2>&1 &
PIDS="$PIDS $!"
for i in $(seq 100); do grep -q 'dashboard on' "$T/d.log" && break; sleep 0.1; done
PORT=$(grep -o 'dashboard on http://127.0.0.1:[0-9]*' "$T/d.log" | grep -o '[0-9]*$')
[ -n "$PORT" ] || { cat "$T/d.log"; exit 1; }

get() { # one GET of /: "status seconds"
	curl -s -o /dev/null -m 10 -w '%{http_code} %{time_total}\n' \
	    "http://127.0.0.1:$PORT/"
}
gets() { # gets OUT: N GETs of /
	local i
	for i in $(seq "$N"); do get; done >"$1"
}
rounds() { # the attack's trickle rounds so far
	$PY -c 'import json,sys; print(json.load(open(sys.argv[1]))["rounds"])' "$T/attack.json"
}
full() { # the attack is under way: all 800 connected once
	[ -s "$T/attack.json" ] && $PY -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if j["connected"] >= 800 else 1)' "$T/attack.json"
}

gets "$T/base"
$PY "$top/tests/lib/slowloris.py" "$PORT" "$T/attack.json" --conns 800 \
	--addrs 20 --period 4 --reconnect --stop "$T/stop" --max-seconds 600 \
	>"$T/attack.log" 2>&1 &
APID=$!
PIDS="$PIDS $APID"
for i in $(seq 600); do full && break; sleep 0.1; done
# during the attack: N GETs spread over 5 trickle rounds (its reconnects
# closing trickling connections to make room meanwhile)
r0=$(rounds)
for i in $(seq "$N"); do
	if [ $(((i - 1) % (N / 5))) = 0 ]; then
		while [ "$(rounds)" -lt $((r0 + (i - 1) / (N / 5))) ]; do sleep 0.1; done
	fi
	get
done >"$T/attack"
touch "$T/stop"
wait "$APID"
gets "$T/after"

$PY - "$T" "$N" <<'PY'
import json, sys
t, n = sys.argv[1], int(sys.argv[2])

def load(name):
    rows = [l.split() for l in open("%s/%s" % (t, name))]
    ok = [float(s) * 1000 for c, s in rows if c == "200"]
    lat = sorted(ok + [10000.0] * (len(rows) - len(ok)))
    q = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))]
    return {"ok": len(ok), "n": len(rows), "p50": q(0.5), "p95": q(0.95),
            "max": lat[-1], "slow": sum(1 for x in lat if x > 100)}

base = load("base")
print("%-34s %9s %9s %9s %9s %6s" % ("GET / (new connection each)", "p50 ms",
      "p95 ms", "max ms", ">100 ms", "200s"))
for name, label in (("base", "no attack (baseline)"),
                    ("attack", "during the attack"),
                    ("after", "right after it")):
    r = load(name)
    print("%-34s %9.2f %9.2f %9.2f %9d %3d/%d" % (label, r["p50"], r["p95"],
          r["max"], r["slow"], r["ok"], r["n"]))
    if name != "base":
        print("%-34s %9.1f %9.1f %9.1f" % ("  ratio to the baseline",
              r["p50"] / base["p50"], r["p95"] / base["p95"],
              r["max"] / base["max"]))
a = json.load(open(t + "/attack.json"))
print("# attack: %d connections opened, %d closed by the server, %d trickle "
      "rounds" % (a["opened"], a["closed"], a["rounds"]))
PY
grep 'web: slow clients' "$T/d.log" | tail -1 | sed 's/^/# /'
