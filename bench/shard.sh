#!/bin/bash
# shard.sh: what asking the "wrong" collector of a sharded cluster costs.
# Two `drover run` collectors (shard 1/2, 2/2, each the other's peer) of
# HOSTS hosts on 20 physical hosts, all polled at one `drover node`:
#  - drover check of a host collector 2 polls, asked of collector 2 and
#    of collector 1 (a 307 to 2, followed), interleaved: ms per check;
#  - GET /api/v1/hosts on collector 1, the whole cluster (half its hosts
#    from its peer's last answer) against ?local=1 (its own half only):
#    ms per request as curl times it (a check's ms is the whole command,
#    process start included, as Nagios pays it).
# Ratios are to the first of each pair, in the same run.
#   bench/shard.sh [HOSTS] [ROUNDS]
set -u
cd "$(dirname "$0")/.."
top_srcdir=$PWD
. tests/lib/common.sh
hosts=${1:-200}
rounds=${2:-100}
[ -x ./drover ] || fail "build drover first"
NPORT=$(free_port 127.0.0.1)
mkdir "$T/no-plugins"
printf 'node_listen 127.0.0.1:%s\nnode_host_name agent\nuser root\nnode_plugin_dir %s\n' \
	"$NPORT" "$T/no-plugins" >"$T/node.conf"
start_bg "$T/node.log" ./drover node -c "$T/node.conf"
wait_log "$T/node.log" "node: agent on" 30 || fail "no agent: $(cat "$T/node.log")"
W1=$(free_port 127.0.0.1)
W2=$(free_port 127.0.0.1)
for i in 1 2; do
	{
		echo "dbdir $T/db$i"
		echo "state_dir $T/state$i"
		echo "graph_cache $T/graphs$i"
		echo "interval 60"
		echo "local_node no"
		echo "user root"
		[ $i = 1 ] && echo "listen 127.0.0.1:$W1" || echo "listen 127.0.0.1:$W2"
		echo "shard $i/2"
		[ $i = 1 ] && echo "peer http://127.0.0.1:$W2" || echo "peer http://127.0.0.1:$W1"
		for ((h = 0; h < hosts; h++)); do
			printf '[b;h%d.bench]\n    address 127.0.0.1\n    port %s\n    physical p%d\n' \
				"$h" "$NPORT" $((h % 20))
		done
	} >"$T/c$i.conf"
	start_bg "$T/c$i.log" ./drover run -c "$T/c$i.conf"
done
for w in $W1 $W2; do
	wait_log "$T/c1.log" "web: dashboard" 30 && wait_log "$T/c2.log" "web: dashboard" 30 ||
		fail "no dashboard"
done
# a host collector 2 polls, once it has been polled
target=$(./drover shard -c "$T/c2.conf" | awk '$5 == "self" { print $1; exit }')
polled() { ./drover check --url "http://127.0.0.1:$W2" "$target" load >/dev/null; }
wait_until 90 polled || fail "collector 2 did not poll $target"
peer_ok() { curl -sf "http://127.0.0.1:$W1/api/v1/hosts" | grep -q '"state":"ok"'; }
wait_until 30 peer_ok || fail "collector 1 did not hear from 2"
ms() { # CMD...: wall ms of running CMD rounds times, interleaved by caller
	local s e
	s=$(date +%s%N)
	"$@" >/dev/null 2>&1
	e=$(date +%s%N)
	echo $(((e - s) / 1000))
}
us() { # URL: microseconds curl waited for the whole answer
	curl -sf -o /dev/null -w '%{time_total}' "$1" |
		awk '{ printf "%d", $1 * 1000000 }'
}
direct=0 redirected=0 all=0 local=0
for ((r = 0; r < rounds; r++)); do
	direct=$((direct + $(ms ./drover check --url "http://127.0.0.1:$W2" "$target" load)))
	redirected=$((redirected + $(ms ./drover check --url "http://127.0.0.1:$W1" "$target" load)))
	local=$((local + $(us "http://127.0.0.1:$W1/api/v1/hosts?local=1")))
	all=$((all + $(us "http://127.0.0.1:$W1/api/v1/hosts")))
done
printf '%-36s %10s %8s\n' "$hosts hosts, $rounds rounds" "ms each" ratio
printf '%-36s %10.2f %8.2f\n' "check, asked of the owner" "$(echo "$direct / $rounds / 1000" | bc -l)" 1
printf '%-36s %10.2f %8.2f\n' "check, asked of the peer (307)" "$(echo "$redirected / $rounds / 1000" | bc -l)" \
	"$(echo "$redirected / $direct" | bc -l)"
printf '%-36s %10.2f %8.2f\n' "/api/v1/hosts?local=1 (own half)" "$(echo "$local / $rounds / 1000" | bc -l)" 1
printf '%-36s %10.2f %8.2f\n' "/api/v1/hosts (whole cluster)" "$(echo "$all / $rounds / 1000" | bc -l)" \
	"$(echo "$all / $local" | bc -l)"
