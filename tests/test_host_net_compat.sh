#!/bin/bash
# test_host_net_compat: drover's network probes (plugins/host_net.c) against
# Munin's own if_, if_err_, netstat and fw_conntrack plugins, run as
# munin-node runs them: the services munin-node-configure --shell installs
# (wildcard links if_eth0 -> if_), each run with env -i and munin-node's
# PATH.  For every service the config lines must be identical (order
# aside), the fetch the same fields with the same values, and drover must
# offer exactly the services munin-node-configure suggests, named as
# Munin's master names them (if_br-lan is stored as if_br_lan).
#
# Two kinds of runs, each in its own namespaces so that nothing of this
# machine (or of tests running beside this one) changes between the two
# readings:
#  - fixtures (tests/fixtures/net/*): a private mount namespace with the
#    fixture's proc and sys bind-mounted over /proc and /sys, so the
#    unmodified plugins, munin-node-configure and the real `netstat -s`
#    read the fixture files, in an empty network namespace (the if_
#    plugin's mii-tool then finds none of the fixture's interfaces);
#    node_dump reads the same trees as its roots;
#  - live: a network namespace with a veth pair to a second one, IPv6
#    off and static ARP entries so the only traffic is what the test
#    sends: 64 UDP datagrams of 1000 bytes out of veth-a (66688 bytes on
#    the wire) and, over lo, TCP connections with known outcomes (7
#    active opens of which 2 refused, 5 passive, 2 resets from one
#    aborted connection, 3 connections = 6 sockets held established).
#    Counters are quiet then, so values must match exactly as well.
#
# A plugin, munin-node-configure or node_dump that fails is a FAIL.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail

PLUGINS=${MUNIN_PLUGINS:-/usr/share/munin/plugins}
DUMP="$top_builddir/tests/node_dump"

for p in if_ if_err_ netstat fw_conntrack; do
	need "$PLUGINS/$p" munin-plugins-core
done
need munin-node-configure munin-node
need netstat net-tools
need ip iproute2
need unshare util-linux
need "$PY" python3
[ -x "$DUMP" ] || fail "$DUMP not built"
[ "$(id -u)" -eq 0 ] ||
    skip "needs root for network and mount namespaces (make check runs as root)"

# munin-node-configure's library: only the two wildcard plugins.  It runs
# them as nobody, who must be able to reach them.
chmod o+x "$T"
mkdir -p "$T/lib"
for p in if_ if_err_; do
	ln -s "$PLUGINS/$p" "$T/lib/$p"
done

# measure_munin OUT: inside the namespace being measured, what Munin says
# for every service munin-node-configure installs, plus netstat and
# fw_conntrack: OUT/NAME.munin.{config,fetch}, the services' names in
# OUT/services, sanitised in OUT/munin.list.  Non-zero when anything failed.
measure_munin() {
	local out=$1 link name rc=0
	mkdir -p "$out/svc" "$out/conf" "$out/state"
	munin-node-configure --shell --libdir "$T/lib" --servicedir "$out/svc" \
	    --sconfdir "$out/conf" >"$out/mnc.sh" 2>&1 || return 1
	if grep -v "^ln -s " "$out/mnc.sh"; then
		echo "munin-node-configure complained"
		return 1
	fi
	sh "$out/mnc.sh" || return 1
	ls "$out/svc" | sed 's/[^A-Za-z0-9_]/_/g' | LC_ALL=C sort \
	    >"$out/munin.list" || return 1
	for link in "$out"/svc/* "$PLUGINS/netstat" "$PLUGINS/fw_conntrack"; do
		name=${link##*/}
		echo "$name" >>"$out/services"
		for a in config fetch; do
			[ $a = config ] && arg=config || arg=
			env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
			    MUNIN_LIBDIR=/usr/share/munin \
			    MUNIN_PLUGSTATE="$out/state" \
			    MUNIN_STATEFILE="$out/state/$name" \
			    PERL5LIB="${PERL5LIB:-}" "$link" $arg \
			    >"$out/$name.munin.$a" ||
			    { echo "Munin's $name $a failed"; rc=1; }
		done
	done
	return $rc
}

# measure_drover OUT PROCROOT SYSROOT: the same from node_dump, reading
# the given roots (it needs the real /proc itself, for the sanitizers):
# OUT/NAME.drover.{config,fetch}, drover's if_ services in OUT/drover.list.
measure_drover() {
	local out=$1 proc=$2 sys=$3 name dname rc=0
	"$DUMP" -s "$sys" "$proc" if_ >"$out/all" || return 1
	"$DUMP" -s "$sys" "$proc" if_err_ >>"$out/all" || return 1
	sed -n 's/^multigraph //p' "$out/all" | LC_ALL=C sort \
	    >"$out/drover.list" || return 1
	while read -r name; do
		dname=$(printf %s "$name" | sed 's/[^A-Za-z0-9_]/_/g')
		"$DUMP" -s "$sys" "$proc" "$dname" config \
		    >"$out/$name.drover.config" ||
		    { echo "node_dump $dname config failed"; rc=1; }
		"$DUMP" -s "$sys" "$proc" "$dname" >"$out/$name.drover.fetch" ||
		    { echo "node_dump $dname fetch failed"; rc=1; }
	done <"$out/services"
	return $rc
}

# Lines without trailing blanks (Munin's master strips them) or empty
# ones, each prefixed with its multigraph section, sorted.
norm() {
	sed -e 's/[[:space:]]*$//' -e '/^$/d' "$1" |
	    awk '/^multigraph /{ s = $2; next } { print s "|" $0 }' |
	    LC_ALL=C sort
}

rc=0
# compare OUT WHAT: what measure_munin and measure_drover left in OUT.
compare() {
	local out=$1 what=$2 name a
	if [ ! -s "$out/munin.list" ]; then
		echo "FAIL: $what: munin-node-configure suggested nothing"
		rc=1
	elif ! cmp -s "$out/munin.list" "$out/drover.list"; then
		echo "FAIL: $what: services differ (< munin, > drover):"
		diff "$out/munin.list" "$out/drover.list"
		rc=1
	fi
	while read -r name; do
		for a in config fetch; do
			norm "$out/$name.munin.$a" >"$out/want" || rc=1
			norm "$out/$name.drover.$a" >"$out/got" || rc=1
			if [ ! -s "$out/want" ]; then
				echo "FAIL: $what: $name $a: Munin printed nothing"
				rc=1
			elif ! cmp -s "$out/want" "$out/got"; then
				echo "FAIL: $what: $name $a (< munin, > drover):"
				diff "$out/want" "$out/got"
				rc=1
			fi
		done
		if grep -v '^multigraph ' "$out/$name.drover.fetch" |
		    grep -Ev '^[a-z_]+\.value (U|-?[0-9]+)$' >"$out/bad"; then
			echo "FAIL: $what: $name: malformed value lines:"
			cat "$out/bad"
			rc=1
		fi
	done <"$out/services"
	echo "# $what: $(wc -l <"$out/services") services compared"
}

# ---- fixtures -------------------------------------------------------------
export -f measure_munin measure_drover
export T PLUGINS DUMP
n=0
for dir in "$top_srcdir"/tests/fixtures/net/*/; do
	dir=${dir%/}
	v=${dir##*/}
	n=$((n + 1))
	unshare -m -n bash -c 'mount --bind "$1/proc" /proc &&
	    mount --bind "$1/sys" /sys && measure_munin "$2"' _ "$dir" \
	    "$T/fix-$v" || { echo "FAIL: fixture $v: Munin's side failed"; rc=1; }
	measure_drover "$T/fix-$v" "$dir/proc" "$dir/sys" ||
	    { echo "FAIL: fixture $v: drover's side failed"; rc=1; }
	compare "$T/fix-$v" "fixture $v"
done
[ $n -ge 3 ] || fail "fixtures missing under tests/fixtures/net"
[ $rc -eq 0 ] && echo "ok: fixtures match Munin's plugins"

# ---- live: a network namespace with known traffic ------------------------
nsA=drover-net-$$-a
nsB=drover-net-$$-b
trap 'ip netns del "$nsA" 2>/dev/null; ip netns del "$nsB" 2>/dev/null; cleanup' EXIT
ip netns add "$nsA" || fail "ip netns add"
ip netns add "$nsB" || fail "ip netns add"
for ns in "$nsA" "$nsB"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 || fail "sysctl in $ns"
done
ip -n "$nsA" link add veth-a address 02:00:5e:00:15:01 type veth \
    peer name veth-b address 02:00:5e:00:15:02 netns "$nsB" ||
    fail "veth pair"
ip -n "$nsA" addr add 10.231.15.1/30 dev veth-a &&
    ip -n "$nsB" addr add 10.231.15.2/30 dev veth-b &&
    ip -n "$nsA" neigh add 10.231.15.2 lladdr 02:00:5e:00:15:02 \
	dev veth-a nud permanent &&
    ip -n "$nsB" neigh add 10.231.15.1 lladdr 02:00:5e:00:15:01 \
	dev veth-b nud permanent &&
    ip -n "$nsA" link set lo up && ip -n "$nsA" link set veth-a up &&
    ip -n "$nsB" link set veth-b up || fail "setting up the veth pair"

# 64 datagrams of 1000 bytes, nsA -> nsB, all received
start_bg "$T/udp.log" ip netns exec "$nsB" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.231.15.2", 9000))
open(sys.argv[1], "w").write("ready")
for i in range(64):
    s.recv(2048)
' "$T/udp.ready"
udp_pid=$LAST_PID
wait_for_file "$T/udp.ready" 30 || fail "UDP receiver did not start"
ip netns exec "$nsA" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(64):
    s.sendto(b"x" * 1000, ("10.231.15.2", 9000))
' || fail "sending UDP"
wait "$udp_pid" || fail "UDP receiver failed: $(cat "$T/udp.log")"

# TCP over nsA's lo: outcomes netstat counts, 3 connections kept open
start_bg "$T/tcp.log" ip netns exec "$nsA" "$PY" -c '
import socket, struct, sys, time
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(16)
port = srv.getsockname()[1]
held = []
for i in range(5):
    c = socket.create_connection(("127.0.0.1", port))
    a, _ = srv.accept()
    held.append((c, a))
c, a = held.pop()              # aborted: a reset on each side
c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
c.close()
try:
    a.recv(1)
except ConnectionResetError:
    pass
a.close()
c, a = held.pop()              # closed in order: no reset
c.close()
assert a.recv(1) == b""
a.close()
closed = socket.socket()       # bound, not listening: connects are refused
closed.bind(("127.0.0.1", 0))
for i in range(2):
    try:
        socket.create_connection(closed.getsockname())
        sys.exit("connect to a closed port succeeded")
    except ConnectionRefusedError:
        pass
open(sys.argv[1], "w").write("ready")
time.sleep(600)
' "$T/tcp.ready"
tcp_pid=$LAST_PID
wait_for_file "$T/tcp.ready" 30 || fail "TCP script: $(cat "$T/tcp.log")"

ip netns exec "$nsA" bash -c 'measure_munin "$1" &&
    measure_drover "$1" /proc /sys' _ "$T/live" ||
    { echo "FAIL: live: measuring failed"; rc=1; }
kill "$tcp_pid"
wait "$tcp_pid" 2>/dev/null
compare "$T/live" "live"

# The values are the traffic made above, on both sides.
expect() {
	local file=$1 line=$2
	grep -qx "$line" "$file" ||
	    { echo "FAIL: live: $file has no \"$line\""; rc=1; }
}
for side in munin drover; do
	expect "$T/live/if_veth-a.$side.fetch" "up.value 66688"
	expect "$T/live/if_veth-a.$side.fetch" "down.value 0"
	expect "$T/live/if_veth-a.$side.config" "up.max 10000000000"
	expect "$T/live/if_err_veth-a.$side.fetch" "rcvd.value 0"
	expect "$T/live/netstat.$side.fetch" "active.value 7"
	expect "$T/live/netstat.$side.fetch" "passive.value 5"
	expect "$T/live/netstat.$side.fetch" "failed.value 2"
	expect "$T/live/netstat.$side.fetch" "resets.value 2"
	expect "$T/live/netstat.$side.fetch" "established.value 6"
done
[ $rc -eq 0 ] || fail "drover's network probes differ from Munin's plugins"
echo "PASS: drover's network probes match Munin's if_, if_err_, netstat, fw_conntrack"
