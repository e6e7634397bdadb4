#!/bin/bash
# test_vm_qemu: the vm probe (plugins/host_vm.c) on a real qemu guest
# (tests/lib/vm_qemu.sh: TCG, 64 MB, no disk, a tap in a private network
# namespace), read through a running `drover node` on loopback:
#  - the guest shows up by its -name without restarting drover node,
#    with its -smp vCPUs and state 1;
#  - its CPU time grows between readings (waited for, bounded);
#  - 64 UDP datagrams of 1000 bytes sent from the namespace to the guest
#    (1042 bytes each on the wire) show in its received bytes: the tap is
#    not in drover node's namespace, so this reads qemu's
#    /proc/PID/net/dev;
#  - after the test stops the guest (qemu exits 0 on SIGTERM), the same
#    drover node shows it stopped (state 0, its figures U), still listed;
#    no qemu process and no namespace is left.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/vm_qemu.sh"
set -o pipefail

LINES="$top_srcdir/tests/lib/node_lines.py"
need qemu-system-x86_64 qemu-system-x86
need ip iproute2
need "$PY" python3
[ "$(id -u)" -eq 0 ] ||
    skip "needs root for a network namespace and a tap (make check runs as root)"

NAME="drover-t-$$"
F="drover_t_$$" # clean_fieldname
NPORT=$(free_port 127.0.0.1)
mkdir "$T/no-plugins"
cat >"$T/node.conf" <<CONF
node_listen 127.0.0.1:$NPORT
node_host_name vm.test
user root
node_plugin_dir $T/no-plugins
CONF
start_bg "$T/node.log" "$DROVER" node -c "$T/node.conf"
NODE_PID=$LAST_PID
wait_log "$T/node.log" "node: vm.test on 127.0.0.1:$NPORT" 30 ||
	fail "drover node did not start: $(cat "$T/node.log")"

# fetch OUT: drover node's answer to "fetch vm" (multigraph announced)
fetch() {
	$PY "$LINES" 127.0.0.1 "$NPORT" "cap multigraph" "fetch vm" quit >"$1"
}
# value FILE SERVICE FIELD: the field's value in a fetch answer
value() {
	awk -v s="multigraph $2" -v f="$3.value" \
	    '$0 == s { on = 1; next } /^multigraph / { on = 0 }
	     on && $1 == f { print $2 }' "$1"
}
running() {
	fetch "$T/f" && [ "$(value "$T/f" vm_state "$F")" = 1 ]
}

fetch "$T/before" || fail "fetch before the guest failed"
[ -z "$(value "$T/before" vm_state "$F")" ] ||
	fail "guest $NAME shown before it started"

vm_start "$NAME" || fail "could not start the guest: $(cat "$T/qemu.log")"
note "qemu pid $VM_PID, netns $VM_NS, tap $VM_TAP"
wait_until 60 running ||
	fail "guest $NAME not shown running: $(cat "$T/f") $(cat "$T/qemu.log")"
[ "$(value "$T/f" vm_vcpus "$F")" = 2 ] ||
	fail "vCPUs: $(value "$T/f" vm_vcpus "$F"), want 2 (-smp 2)"
$PY "$LINES" 127.0.0.1 "$NPORT" "cap multigraph" "config vm" quit \
    >"$T/config" || fail "config vm failed"
grep -qx "$F.label $NAME" "$T/config" || fail "no label $NAME: $(cat "$T/config")"
grep -qx "graph_category virtualization" "$T/config" ||
	fail "no category: $(cat "$T/config")"
for s in vm_cpu vm_memory vm_disk; do
	v=$(value "$T/f" $s "$F")
	[ "$s" = vm_disk ] && v=$(value "$T/f" $s "${F}_read")
	case $v in
	[0-9]*) ;;
	*) fail "$s of $NAME: '$v': $(cat "$T/f")" ;;
	esac
done
[ "$(value "$T/f" vm_memory "$F")" -gt 1048576 ] ||
	fail "memory of $NAME: $(value "$T/f" vm_memory "$F") bytes"

# CPU time grows (TCG keeps the vCPU thread busy)
CPU1=$(value "$T/f" vm_cpu "$F")
cpu_grew() {
	fetch "$T/f2" && [ "$(value "$T/f2" vm_cpu "$F")" -gt "$CPU1" ]
}
wait_until 60 cpu_grew || fail "CPU time stayed at $CPU1: $(cat "$T/f2")"
note "cpu $CPU1 -> $(value "$T/f2" vm_cpu "$F") (1/100 s)"

# traffic into the tap from the namespace: the guest's rx
RX1=$(value "$T/f2" vm_net "${F}_rx")
case $RX1 in [0-9]*) ;; *) fail "no rx for $NAME: $(cat "$T/f2")" ;; esac
ip netns exec "$VM_NS" "$PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(64):
    s.sendto(b"x" * 1000, (sys.argv[1], 9))' "$VM_GUEST_IP" ||
	fail "could not send to the guest"
WANT=$((RX1 + 64 * 1042))
rx_grew() {
	fetch "$T/f3" && [ "$(value "$T/f3" vm_net "${F}_rx")" -ge "$WANT" ]
}
wait_until 30 rx_grew ||
	fail "rx $(value "$T/f3" vm_net "${F}_rx"), want >= $WANT"
note "rx $RX1 -> $(value "$T/f3" vm_net "${F}_rx") bytes"

# stopped: still there, state 0, figures U
QPID=$VM_PID
vm_stop || fail "qemu exited with status $?: $(cat "$T/qemu.log")"
! kill -0 "$QPID" 2>/dev/null || fail "qemu $QPID still runs"
vm_netns_gone || fail "netns $VM_NS left behind"
stopped() {
	fetch "$T/f4" && [ "$(value "$T/f4" vm_state "$F")" = 0 ]
}
wait_until 30 stopped || fail "guest not shown stopped: $(cat "$T/f4")"
for s in vm_cpu vm_memory vm_vcpus; do
	[ "$(value "$T/f4" $s "$F")" = U ] ||
		fail "$s of stopped $NAME: $(value "$T/f4" $s "$F")"
done
[ "$(value "$T/f4" vm_net "${F}_rx")" = U ] || fail "rx of stopped $NAME"
$PY "$LINES" 127.0.0.1 "$NPORT" "cap multigraph" list quit >"$T/list" ||
	fail "list failed"
grep -qw vm "$T/list" || fail "vm not listed after the guest stopped"

stop_pid "$NODE_PID" || fail "drover node exited with status $?"
! warnings "$T/node.log" || fail "drover node warned: $(cat "$T/node.log")"
echo "PASS: test_vm_qemu"
