# vm_qemu.sh: a real qemu guest for the vm probe's tests (sourced after
# common.sh, as root).  No disk image: SeaBIOS and iPXE under TCG, whose
# DHCP discovers are the guest's own traffic.  Its one NIC is a tap in a
# private network namespace with IPv6 off, so no traffic reaches this
# machine's network and the host namespace holds no interface of it.
#
#   vm_start NAME    netns VM_NS with tap VM_TAP (an address, and a static
#                    neighbour for the guest's MAC so the namespace can
#                    send it frames), qemu as a child of the test:
#                    VM_PID; VM_GUEST_MAC, VM_GUEST_IP, VM_HOST_IP
#   vm_stop          SIGTERM, waits, returns qemu's exit status
#   vm_netns_gone    0 when the namespace is deleted
# The EXIT trap's cleanup is extended to kill qemu and delete the netns.

VM_NS="drover-vm-$$"
VM_TAP="dvm$$"
VM_GUEST_MAC=52:54:00:d7:0e:01
VM_GUEST_IP=192.0.2.2
VM_HOST_IP=192.0.2.1
VM_PID=""

vm_cleanup() {
	if [ -n "$VM_PID" ]; then
		kill -KILL "$VM_PID" 2>/dev/null
		wait "$VM_PID" 2>/dev/null
	fi
	ip netns del "$VM_NS" 2>/dev/null
	cleanup
}
trap vm_cleanup EXIT

vm_start() {
	local name=$1
	ip netns add "$VM_NS" || return 1
	ip netns exec "$VM_NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
	    net.ipv6.conf.default.disable_ipv6=1 || return 1
	ip -n "$VM_NS" link set lo up || return 1
	ip -n "$VM_NS" tuntap add dev "$VM_TAP" mode tap || return 1
	ip -n "$VM_NS" addr add "$VM_HOST_IP/24" dev "$VM_TAP" || return 1
	ip -n "$VM_NS" link set "$VM_TAP" up || return 1
	ip -n "$VM_NS" neigh add "$VM_GUEST_IP" lladdr "$VM_GUEST_MAC" \
	    dev "$VM_TAP" nud permanent || return 1
	# ip netns exec execs qemu: $! is qemu's PID
	ip netns exec "$VM_NS" qemu-system-x86_64 \
	    -name "guest=$name,debug-threads=on" -accel tcg -m 64 -smp 2 \
	    -nodefaults -display none -monitor none -serial none \
	    -netdev "tap,id=n0,ifname=$VM_TAP,script=no,downscript=no" \
	    -device "e1000,netdev=n0,mac=$VM_GUEST_MAC" -boot order=n \
	    >"$T/qemu.log" 2>&1 &
	VM_PID=$!
}

vm_stop() {
	local pid=$VM_PID rc
	VM_PID=""
	kill -TERM "$pid" 2>/dev/null || return 1
	wait "$pid"
	rc=$?
	ip netns del "$VM_NS" || return 1
	return $rc
}

vm_netns_gone() {
	! ip netns list | grep -qw "$VM_NS"
}
