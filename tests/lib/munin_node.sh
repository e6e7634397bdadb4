#!/bin/bash
# munin_node.sh: run a real munin-node (Debian's 2.0.x) on a loopback
# address for integration tests and fixture recording.
#
#   munin_node.sh start DIR ADDR PORT HOSTNAME
#       Writes DIR/munin-node.conf, starts munin-node in the foreground in
#       the background, waits (up to 10 s) until ADDR:PORT listens, and
#       records its PID in DIR/munin-node.launcher.pid.  Logs go to DIR.
#       The node always runs in a private mount namespace (unshare -m, needs
#       root) with DIR/var-lib bind-mounted over /var/lib/munin-node, so its
#       plugin state (DIR/var-lib/plugin-state/USER/PLUGIN-MASTER_IP, e.g.
#       diskstats' previous counters) starts empty and is neither read from
#       nor left to the host's node or an earlier run; /run/munin, when it
#       exists, is likewise replaced by DIR/run.
#       With PLUGINS=/some/dir in the environment that directory is bind-
#       mounted over /etc/munin/plugins, so each instance can have its own
#       (fake, slow, broken) plugin set without touching the host's.
#       With PLUGIN_CONF=/some/dir that directory is likewise mounted over
#       /etc/munin/plugin-conf.d (per-plugin timeouts, env, users).
#   munin_node.sh stop DIR
#       SIGTERM by PID, SIGKILL after 5 s.
#
# Exit status 0 on success; on a failed start it prints the node's logs and
# exits 1.  Needs root, munin-node, unshare and mount (util-linux) and ss
# (iproute2).
set -u

usage() {
	echo "usage: $0 start DIR ADDR PORT HOSTNAME | stop DIR" >&2
	exit 2
}

listening() {
	# ss prints IPv4 as ADDR:PORT and IPv6 as [ADDR]:PORT
	ss -lnt | awk '{print $4}' | grep -qxF -e "$1:$2" -e "[$1]:$2"
}

MUNIN_NODE=${MUNIN_NODE:-/usr/sbin/munin-node}

cmd=${1:-}
case "$cmd" in
start)
	[ $# -eq 5 ] || usage
	d=$2 addr=$3 port=$4 hn=$5
	[ -x "$MUNIN_NODE" ] || { echo "munin_node.sh: $MUNIN_NODE not found (apt-get install munin-node)" >&2; exit 1; }
	mkdir -p "$d" || exit 1
	d=$(cd "$d" && pwd)
	if listening "$addr" "$port"; then
		echo "munin_node.sh: $addr:$port is already in use" >&2
		exit 1
	fi
	# allow is anchored at both ends by Net::Server ("^127\." alone
	# denies everything).
	cat > "$d/munin-node.conf" <<CONF
log_level 4
log_file $d/munin-node.log
pid_file $d/munin-node.pid
background 0
setsid 0
user root
group root
ignore_file [\#~]\$
ignore_file DEADJOE\$
ignore_file \.bak\$
ignore_file %\$
ignore_file \.dpkg-(tmp|new|old|dist)\$
ignore_file \.rpm(save|new)\$
ignore_file \.pod\$
allow ^127\.\d+\.\d+\.\d+\$
allow ^::1\$
host $addr
port $port
host_name $hn
timeout 30
CONF
	for v in ${PLUGINS:+"$PLUGINS"} ${PLUGIN_CONF:+"$PLUGIN_CONF"}; do
		[ -d "$v" ] || { echo "munin_node.sh: $v: not a directory" >&2; exit 1; }
	done
	[ "$(id -u)" = 0 ] || { echo "munin_node.sh: needs root (unshare -m, mount --bind)" >&2; exit 1; }
	plugins=${PLUGINS:+$(cd "$PLUGINS" && pwd)}
	pconf=${PLUGIN_CONF:+$(cd "$PLUGIN_CONF" && pwd)}
	# A fresh state tree each start: munin-node makes plugin-state/USER
	# itself, owned by the plugin's user, under a root-owned 0755 top.
	rm -rf "$d/var-lib" "$d/run"
	mkdir -m 755 "$d/var-lib" "$d/var-lib/plugin-state" "$d/run" || exit 1
	# exec keeps the PID: $! is munin-node itself; the bind mounts
	# disappear with the namespace.
	unshare -m --propagation private sh -c '
	    set -e
	    mount --bind "$1" /var/lib/munin-node
	    [ ! -d /run/munin ] || mount --bind "$2" /run/munin
	    [ -z "$3" ] || mount --bind "$3" /etc/munin/plugins
	    [ -z "$4" ] || mount --bind "$4" /etc/munin/plugin-conf.d
	    exec "$5" --config "$6" --foreground' \
	    sh "$d/var-lib" "$d/run" "$plugins" "$pconf" "$MUNIN_NODE" \
	    "$d/munin-node.conf" > "$d/stdout.log" 2>&1 &
	pid=$!
	echo "$pid" > "$d/munin-node.launcher.pid"
	for _ in $(seq 100); do
		listening "$addr" "$port" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if ! listening "$addr" "$port"; then
		echo "munin_node.sh: munin-node did not start on $addr:$port" >&2
		cat "$d/stdout.log" "$d/munin-node.log" >&2 2>/dev/null
		kill "$pid" 2>/dev/null
		exit 1
	fi
	echo "munin-node pid $pid on $addr:$port ($hn)"
	;;
stop)
	[ $# -eq 2 ] || usage
	d=$2
	[ -r "$d/munin-node.launcher.pid" ] || exit 0
	pid=$(cat "$d/munin-node.launcher.pid")
	kill "$pid" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
	rm -f "$d/munin-node.launcher.pid"
	;;
*)
	usage
	;;
esac
