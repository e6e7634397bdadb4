#!/bin/bash
# One command: the cost of one plugin fetch from drover node against the
# real munin-node on the same machine, the same plugins, side by side
# (issue 15; goal: <= 1 ms per C plugin fetch, >= 50x less CPU).
#   bench/node.sh [SESSIONS]     (default 30; each fetches every plugin)
# The plugins: every plugin drover node lists here that Munin ships in
# /usr/share/munin/plugins (cpu, load, memory and whatever more probes
# exist; wildcard instances such as if_eth0 are linked to their
# family's plugin).  drover node runs with its defaults; munin-node
# (tests/lib/munin_node.sh) needs root for its private mounts.
# Figures and method: bench/node_bench.py; results: bench/README.md.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
DROVER=${DROVER:-$top/drover}
N=${1:-30}
PY=/usr/bin/python3
T=$(mktemp -d /tmp/drover-bench.XXXXXX)
PIDS=""
trap 'for p in $PIDS; do kill $p 2>/dev/null; done
	"$top/tests/lib/munin_node.sh" stop "$T/mnode" >/dev/null 2>&1; rm -rf "$T"' EXIT
port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

DPORT=$(port)
# no exec plugins (an empty plugin directory): the C sources are measured
mkdir "$T/no-plugins"
printf 'node_listen 127.0.0.1:%s\nuser root\nnode_plugin_dir %s\n' "$DPORT" \
	"$T/no-plugins" >"$T/node.conf"
"$DROVER" node -c "$T/node.conf" >"$T/node.log" 2>&1 &
DPID=$!
PIDS="$PIDS $DPID"
for _ in $(seq 100); do grep -q "on 127.0.0.1:$DPORT" "$T/node.log" && break; sleep 0.1; done
list=$($PY -c '
import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1]))); f=s.makefile("rb")
f.readline(); s.sendall(b"cap multigraph\nlist\n"); f.readline(); print(f.readline().decode().strip())' "$DPORT") ||
	{ echo "drover node did not answer: $(cat "$T/node.log")" >&2; exit 1; }
mkdir -p "$T/plugins"
plugins=""
for p in $list; do
	src=/usr/share/munin/plugins/$p
	[ -e "$src" ] || src=/usr/share/munin/plugins/${p%%_*}_
	[ -e "$src" ] || continue
	ln -s "$src" "$T/plugins/$p"
	plugins="$plugins $p"
done
MPORT=$(port)
PLUGINS="$T/plugins" "$top/tests/lib/munin_node.sh" start "$T/mnode" \
	127.0.0.1 "$MPORT" bench.test >/dev/null || exit 1
MPID=$(cat "$T/mnode/munin-node.launcher.pid")
echo "$(nproc) cores, $(date -u +%F)"
$PY "$top/bench/node_bench.py" "$N" "$MPORT" "$MPID" "$DPORT" "$DPID" $plugins
