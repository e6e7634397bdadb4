#!/bin/bash
# vm.sh: one collect of the vm probe (plugins/host_vm.c), in process
# (bench/vm_bench), against the processes probe on the same /proc as the
# baseline (both scan every /proc/PID; processes reads each one's stat):
#  - live: this machine's /proc with one real qemu guest running
#    (tests/lib/vm_qemu.sh: TCG, a tap in a network namespace);
#  - fixture: 12 fake guests (copies of tests/fixtures/vm's alpha, each
#    with a cgroup v2 machine scope and a tap in sysfs).
# Wall and CPU milliseconds per collect, and the CPU ratio to processes.
#   bench/vm.sh [ROUNDS]
set -u
cd "$(dirname "$0")/.."
top_srcdir=$PWD
rounds=${1:-200}
make -s bench/vm_bench || exit 1
. tests/lib/common.sh
. tests/lib/vm_qemu.sh

# the fixture: 12 guests
F=tests/fixtures/vm
for i in $(seq 12); do
	pid=$((1000 + i))
	d="$T/fake/proc/$pid"
	mkdir -p "$d"
	cp -a "$F/proc/100/." "$d/"
	printf 'qemu-system-x86_64\0-name\0guest=guest%02d\0-smp\0%d\0-netdev\0tap,id=n0,ifname=tap%02d\0' \
	    "$i" $((i % 4 + 1)) "$i" >"$d/cmdline"
	printf '0::/machine.slice/machine-qemu\\x2d%d\\x2dguest%02d.scope\n' \
	    "$i" "$i" >"$d/cgroup"
	s="$T/fake/cgroup/machine.slice/machine-qemu\\x2d$i\\x2dguest$(printf %02d "$i").scope"
	mkdir -p "$s" "$T/fake/sys/class/net/tap$(printf %02d "$i")/statistics"
	cp "$F/cgroup/machine.slice/machine-qemu\\x2d1\\x2dalpha.scope/"* "$s/"
	cp "$F/sys/class/net/tap-alpha/statistics/"* \
	    "$T/fake/sys/class/net/tap$(printf %02d "$i")/statistics/"
done
cp -a "$F/proc/1" "$F/proc/300" "$T/fake/proc/"

vm_start bench-vm || { echo "could not start qemu"; exit 1; }
wait_until 30 grep -q qemu "/proc/$VM_PID/comm" || exit 1
echo "# $(find /proc -maxdepth 1 -name '[0-9]*' 2>/dev/null | wc -l) processes, $(nproc) CPUs, qemu pid $VM_PID"
printf '%-8s %-10s %10s %10s %9s %7s %10s\n' tree probe "wall ms" "cpu ms" \
    services fields "cpu ratio"
run() { # tree proc sys cgroup
	local tree=$1 base vm
	base=$(bench/vm_bench "$rounds" processes "$2" "$3" "$4") || exit 1
	vm=$(bench/vm_bench "$rounds" vm "$2" "$3" "$4") || exit 1
	set -- $base
	local bc=$3
	printf '%-8s %-10s %10.3f %10.3f %9s %7s %10s\n' "$tree" $1 $2 $3 $4 $5 1.00
	set -- $vm
	printf '%-8s %-10s %10.3f %10.3f %9s %7s %10.2f\n' "$tree" $1 $2 $3 $4 $5 \
	    "$(echo "$3 / $bc" | bc -l)"
}
run live /proc /sys /sys/fs/cgroup
run fixture "$T/fake/proc" "$T/fake/sys" "$T/fake/cgroup"
vm_stop
