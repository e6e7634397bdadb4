#!/bin/bash
# The pcap probe on a live interface: two network namespaces joined by a
# veth pair, dnsmasq serving DHCP in the server's, dhclient in the
# client's, and `drover node` capturing on the server's end (inside its
# namespace), dropped to nobody with only CAP_NET_RAW kept:
#  - a lease shows as DISCOVER, OFFER, REQUEST, ACK (1 each) with a
#    REQUEST -> ACK latency;
#  - dnsmasq stopped, dhclient's retried REQUESTs count as unanswered;
#  - the veth deleted and made again: the capture is lost and reopened
#    (logged once each) and counts the next lease.
# Addresses are the benchmarking range 198.18.0.0/15, only inside our
# namespaces; dhclient runs with -sf /bin/true, never touching the host's
# resolv.conf.
. "$(dirname "$0")/lib/common.sh"

LINES="$top_srcdir/tests/lib/node_lines.py"
need dnsmasq dnsmasq-base
need dhclient isc-dhcp-client
need ip iproute2
need "$PY" python3
[ "$(id -u)" -eq 0 ] ||
	skip "needs root for network namespaces (make check runs as root)"

S=drover-pcs-$$ C=drover-pcc-$$
VS=vps$$ VC=vpc$$ # interface names: letters and digits, clean fieldnames
nscleanup() {
	ip netns del "$S" 2>/dev/null
	ip netns del "$C" 2>/dev/null
	cleanup
}
trap nscleanup EXIT
ip netns add "$S" 2>"$T/netns.err" ||
	skip "cannot create a network namespace: $(cat "$T/netns.err")"
ip netns add "$C" || fail "second namespace"
make_veth() {
	ip link add "$VS" netns "$S" type veth peer name "$VC" netns "$C" &&
		ip -n "$S" addr add 198.18.99.1/24 dev "$VS" &&
		ip -n "$S" link set "$VS" up &&
		ip -n "$C" link set "$VC" address 02:00:5e:10:99:01 &&
		ip -n "$C" link set "$VC" up
}
make_veth || fail "cannot make the veth pair"
ip -n "$S" link set lo up || fail "lo up"

NPORT=$(free_port 127.0.0.1)
mkdir "$T/no-plugins"
chmod 755 "$T"
cat >"$T/node.conf" <<CONF
node_listen 127.0.0.1:$NPORT
node_host_name pcap.test
user nobody
group nogroup
node_plugin_dir $T/no-plugins
pcap_interfaces $VS
pcap_filter udp port 67 or udp port 68
pcap_name 02:00:5E:10:99:01 client1
CONF
start_bg "$T/node.log" ip netns exec "$S" "$DROVER" node -c "$T/node.conf"
NODE_PID=$LAST_PID
wait_log "$T/node.log" "node: pcap.test on 127.0.0.1:$NPORT" 30 ||
	fail "drover node did not start: $(cat "$T/node.log")"
grep -q "only CAP_NET_RAW" "$T/node.log" ||
	fail "drover node did not keep CAP_NET_RAW alone: $(cat "$T/node.log")"
grep -q '^CapEff:[[:space:]]*0000000000002000$' "/proc/$NODE_PID/status" ||
	fail "effective capabilities: $(grep ^Cap "/proc/$NODE_PID/status")"

# fetch OUT: drover node's answer to "fetch pcap"; a reading is reused
# for a second (agent/node_probes.c), so each fetch waits that out
fetch() {
	sleep 1.1
	ip netns exec "$S" $PY "$LINES" 127.0.0.1 "$NPORT" "cap multigraph" \
		"fetch pcap" quit >"$1"
}
# value FILE SERVICE FIELD: the field's value in a fetch answer
value() {
	awk -v s="multigraph $2" -v f="$3.value" \
	    '$0 == s { on = 1; next } /^multigraph / { on = 0 }
	     on && $1 == f { print $2 }' "$1"
}
# the first fetch starts the capture
fetch "$T/f0" || fail "first fetch failed"
[ "$(value "$T/f0" "pcap_dhcp_$VS" discover)" = 0 ] ||
	fail "no pcap_dhcp_$VS service: $(cat "$T/f0")"
wait_log "$T/node.log" "pcap: $VS: capturing" 10 ||
	fail "capture did not start: $(cat "$T/node.log")"

start_dnsmasq() {
	start_bg "$T/dnsmasq.log" ip netns exec "$S" dnsmasq --no-daemon \
		--conf-file=/dev/null --port=0 --interface="$VS" \
		--bind-interfaces --no-ping --dhcp-authoritative \
		--dhcp-range=198.18.99.100,198.18.99.150,255.255.255.0,1h \
		--dhcp-leasefile="$T/dnsmasq.leases" --pid-file="$T/dnsmasq.pid"
	DNSMASQ_PID=$LAST_PID
	wait_log "$T/dnsmasq.log" "DHCP, IP range" 10 ||
		fail "dnsmasq did not start: $(cat "$T/dnsmasq.log")"
}
# INIT-REBOOT REQUESTs for at most 8 s, retried after 1 s, then DISCOVERs
printf 'timeout 12;\nreboot 8;\ninitial-interval 1;\n' >"$T/dhclient.conf"
start_dhclient() {
	: >"$T/dhclient.log"
	start_bg "$T/dhclient.log" ip netns exec "$C" dhclient -d -1 \
		-sf /bin/true -cf "$T/dhclient.conf" -pf "$T/dhclient.pid" \
		-lf "$T/dhclient.leases" "$VC"
	DHCLIENT_PID=$LAST_PID
}

# 1. a lease
start_dnsmasq
start_dhclient
wait_log "$T/dhclient.log" "bound to" 15 ||
	fail "no lease: $(cat "$T/dhclient.log")"
stop_pid "$DHCLIENT_PID"
fetch "$T/f1" || fail "fetch after the lease failed"
for f in discover:1 offer:1 request:1 ack:1 nak:0 unanswered:0; do
	v=$(value "$T/f1" "pcap_dhcp_$VS" "${f%:*}")
	[ "$v" = "${f#*:}" ] || fail "${f%:*} is '$v', not ${f#*:}: $(cat "$T/f1")"
done
lat=$(value "$T/f1" "pcap_dhcp_latency_$VS" latency_max)
awk -v l="$lat" 'BEGIN { exit !(l > 0) }' ||
	fail "latency_max is '$lat': $(cat "$T/f1")"
note "lease: latency_max $lat ms"
# the client's MAC named by pcap_name: its DISCOVER and REQUEST sent
v=$(value "$T/f1" "pcap_packets_$VS" client1_tx)
awk -v v="$v" 'BEGIN { exit !(v > 0) }' ||
	fail "client1_tx is '$v': $(cat "$T/f1")"
[ "$(value "$T/f1" "pcap_errors_$VS" udp_checksum)" = 0 ] ||
	fail "bad UDP checksums counted (offload): $(cat "$T/f1")"

# 2. the server gone: REQUESTs retried, unanswered
stop_pid "$DNSMASQ_PID"
start_dhclient
unanswered() {
	fetch "$T/f2" && [ "$(value "$T/f2" "pcap_dhcp_$VS" unanswered)" -ge 1 ]
}
wait_until 12 unanswered ||
	fail "no unanswered client: $(cat "$T/f2") $(cat "$T/dhclient.log")"
stop_pid "$DHCLIENT_PID"
# pcap_stats, cumulative (DERIVE): the lease's 4 frames at least
v=$(value "$T/f2" "pcap_capture_$VS" received)
[ "$v" -ge 4 ] 2>/dev/null || fail "received is '$v': $(cat "$T/f2")"
[ "$(value "$T/f2" "pcap_capture_$VS" dropped)" = 0 ] ||
	fail "frames dropped: $(cat "$T/f2")"

# 3. the interface deleted and made again: reopened, counting again
ip -n "$S" link del "$VS" || fail "cannot delete $VS"
wait_log "$T/node.log" "pcap: $VS: capture lost" 10 ||
	fail "loss not noticed: $(cat "$T/node.log")"
make_veth || fail "cannot make the veth pair again"
wait_log "$T/node.log" "pcap: $VS: capturing again" 20 ||
	fail "not reopened: $(cat "$T/node.log")"
fetch "$T/f3" || fail "fetch after the reopen failed"
start_dnsmasq
start_dhclient
wait_log "$T/dhclient.log" "bound to" 15 ||
	fail "no second lease: $(cat "$T/dhclient.log")"
stop_pid "$DHCLIENT_PID"
fetch "$T/f4" || fail "fetch after the second lease failed"
v=$(value "$T/f4" "pcap_dhcp_$VS" ack)
[ "$v" -ge 1 ] || fail "ack after the reopen is '$v': $(cat "$T/f4")"
[ "$(grep -c "pcap: $VS: capture lost" "$T/node.log")" = 1 ] ||
	fail "loss logged more than once: $(cat "$T/node.log")"
stop_pid "$DNSMASQ_PID"

stop_pid "$NODE_PID" || fail "drover node exited with status $?"
! warnings "$T/node.log" | grep -v "pcap: $VS: capture lost" ||
	fail "drover node warned: $(cat "$T/node.log")"
exit 0
