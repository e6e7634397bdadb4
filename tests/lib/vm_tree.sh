# vm_tree.sh: fixture machines for the vm probe (plugins/host_vm.c) to
# read through procfs_root, sysfs_root and cgroup_root, one qemu guest at
# a time (sourced after common.sh, bash).  Each guest is the qemu of
# tests/fixtures/vm/proc/100 (its stat, statm, io and task comms) under
# another name, PID and tap, in a cgroup v2 machine scope of its own:
#
#   vm_tree_add ROOT PID NAMEARG  a qemu-system-x86_64 "-name NAMEARG"
#                    (guest=NAME,debug-threads=on or a bare NAME; "" for
#                    no -name) with tap tPID, in libvirt's scope
#                    machine-qemu\x2dPID\x2dgPID.scope: /proc/PID,
#                    its cgroup (usage_usec PID*1000000, memory.current
#                    PID MiB, io.stat rbytes PID*1000 wbytes PID*2000)
#                    and its tap's counters (rx PID*10, tx PID*20)
#   vm_tree_move FROM TO PID      the guest moves to machine TO: it is
#                    gone from FROM as a process that exited is
#   vm_tree_copy FROM TO PID      the guest runs on TO too (a live
#                    migration's destination, before the source stops)
#   vm_tree_del ROOT PID          the guest's process exits
#   vm_tree_keys ROOT             the drover node keys reading ROOT
# A ROOT with no guest is a machine with a /proc but no qemu.

VM_TREE_FIX="$top_srcdir/tests/fixtures/vm/proc/100"

vm_tree_init() {
	mkdir -p "$1/proc" "$1/sys/class/net" "$1/cgroup/machine.slice"
}

vm_tree_scope() {
	printf 'machine-qemu\\x2d%s\\x2dg%s.scope' "$1" "$1"
}

vm_tree_add() {
	local root=$1 pid=$2 name=$3 p scope s
	vm_tree_init "$root"
	p="$root/proc/$pid"
	scope=$(vm_tree_scope "$pid")
	mkdir -p "$p.new" || return 1
	cp -r "$VM_TREE_FIX/task" "$VM_TREE_FIX/stat" "$VM_TREE_FIX/statm" \
	    "$VM_TREE_FIX/io" "$VM_TREE_FIX/comm" "$p.new/" || return 1
	{
		printf '%s\0' /usr/bin/qemu-system-x86_64
		[ -n "$name" ] && printf '%s\0' -name "$name"
		printf '%s\0' -accel kvm -m 512 -smp 2 -netdev \
		    "tap,id=n0,ifname=t$pid,script=no,downscript=no" \
		    -device virtio-net-pci,netdev=n0 -display none
	} >"$p.new/cmdline"
	printf '0::/machine.slice/%s/libvirt/emulator\n' "$scope" \
	    >"$p.new/cgroup"
	s="$root/cgroup/machine.slice/$scope"
	mkdir -p "$s" "$root/sys/class/net/t$pid/statistics" || return 1
	printf 'usage_usec %d\nuser_usec 1\nsystem_usec 1\n' \
	    $((pid * 1000000)) >"$s/cpu.stat"
	echo $((pid * 1048576)) >"$s/memory.current"
	printf '8:0 rbytes=%d wbytes=%d rios=1 wios=1 dbytes=0 dios=0\n' \
	    $((pid * 1000)) $((pid * 2000)) >"$s/io.stat"
	echo $((pid * 10)) >"$root/sys/class/net/t$pid/statistics/rx_bytes"
	echo $((pid * 20)) >"$root/sys/class/net/t$pid/statistics/tx_bytes"
	# the process appears whole, its cgroup and tap already there
	mv "$p.new" "$p"
}

vm_tree_move() {
	local from=$1 to=$2 pid=$3 scope
	scope=$(vm_tree_scope "$pid")
	vm_tree_init "$to"
	mv "$from/cgroup/machine.slice/$scope" "$to/cgroup/machine.slice/" &&
		mv "$from/sys/class/net/t$pid" "$to/sys/class/net/" &&
		mv "$from/proc/$pid" "$to/proc/"
}

vm_tree_copy() {
	local from=$1 to=$2 pid=$3 scope
	scope=$(vm_tree_scope "$pid")
	vm_tree_init "$to"
	cp -r "$from/cgroup/machine.slice/$scope" "$to/cgroup/machine.slice/" &&
		cp -r "$from/sys/class/net/t$pid" "$to/sys/class/net/" &&
		cp -r "$from/proc/$pid" "$to/proc/$pid.new" &&
		mv "$to/proc/$pid.new" "$to/proc/$pid"
}

vm_tree_del() {
	rm -rf "$1/proc/$2" "$1/cgroup/machine.slice/$(vm_tree_scope "$2")" \
	    "$1/sys/class/net/t$2"
}

vm_tree_keys() {
	echo "procfs_root $1/proc"
	echo "sysfs_root $1/sys"
	echo "cgroup_root $1/cgroup"
}
