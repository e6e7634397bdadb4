#!/bin/bash
# vm_munin.sh: cost per fetch of the vm figures of 12 real qemu guests,
# drover node's "vm" (one multigraph fetch: CPU, memory, disk, network)
# against what Munin users run for the same without libvirt: the contrib
# plugins kvm_cpu, kvm_mem, kvm_io and kvm_net (munin-monitoring/contrib
# plugins/libvirt/, python3, pidof and /proc; see bench/munin_contrib.sh
# for where they come from) under Debian's munin-node, side by side
# (bench/fetch_bench.py: alternating sessions, CPU of both process trees).
#   bench/vm_munin.sh [SESSIONS]      (default 20)
# The guests are paused from their start (qemu -S, TCG, 64 MB, no disk),
# so 12 of them cost the machine no CPU; each has a tap in one private
# network namespace (so kvm_net, which reads this namespace's
# /proc/net/dev, prints U, as it does for any guest whose tap it cannot
# see; drover reads qemu's /proc/PID/net/dev).  Results: bench/README.md.
set -u
cd "$(dirname "$0")/.."
top_srcdir=$PWD
N=${1:-20}
NG=12
. tests/lib/common.sh
. bench/munin_contrib.sh
NS="drover-bvm-$$"
QPIDS=""
bench_cleanup() {
	local p
	for p in $QPIDS; do kill -KILL "$p" 2>/dev/null; done
	for p in $QPIDS; do wait "$p" 2>/dev/null; done
	ip netns del "$NS" 2>/dev/null
	"$top_srcdir/tests/lib/munin_node.sh" stop "$T/mnode" >/dev/null 2>&1
	cleanup
}
trap bench_cleanup EXIT

ip netns add "$NS" || exit 1
for i in $(seq -w 1 $NG); do
	ip -n "$NS" tuntap add dev "bvm$i" mode tap || exit 1
	ip -n "$NS" link set "bvm$i" up || exit 1
	ip netns exec "$NS" qemu-system-x86_64 -S \
	    -name "guest=bench$i,debug-threads=on" -accel tcg -m size=64 -smp 1 \
	    -nodefaults -display none -monitor none -serial none \
	    -netdev "tap,id=n0,ifname=bvm$i,script=no,downscript=no" \
	    -device "e1000,netdev=n0,mac=52:54:00:d7:0f:$i" \
	    >"$T/qemu$i.log" 2>&1 &
	QPIDS="$QPIDS $!"
done
sleep 1
for p in $QPIDS; do
	kill -0 "$p" 2>/dev/null || { echo "a qemu did not start: $(cat "$T"/qemu*.log)"; exit 1; }
done

mkdir "$T/plugins" "$T/plugin-conf" "$T/no-plugins"
for p in kvm_cpu kvm_mem kvm_io kvm_net; do
	contrib_get "plugins/libvirt/$p" "$T/plugins/$p" || exit 1
done
printf '[kvm_*]\nuser root\n' >"$T/plugin-conf/kvm"
MPORT=$(free_port 127.0.0.1)
PLUGINS="$T/plugins" PLUGIN_CONF="$T/plugin-conf" tests/lib/munin_node.sh \
    start "$T/mnode" 127.0.0.1 "$MPORT" bench.test >/dev/null || exit 1
MPID=$(cat "$T/mnode/munin-node.launcher.pid")
DPORT=$(free_port 127.0.0.1)
printf 'node_listen 127.0.0.1:%s\nuser root\nnode_plugin_dir %s\n' "$DPORT" \
    "$T/no-plugins" >"$T/node.conf"
: >"$T/node.log"
start_bg "$T/node.log" "$DROVER" node -c "$T/node.conf"
DPID=$LAST_PID
wait_log "$T/node.log" "on 127.0.0.1:$DPORT" 30 || { cat "$T/node.log"; exit 1; }

# both see the 12 guests
$PY tests/lib/node_lines.py 127.0.0.1 "$MPORT" "fetch kvm_cpu" "fetch kvm_mem" quit >"$T/m.out"
$PY tests/lib/node_lines.py 127.0.0.1 "$DPORT" "cap multigraph" "fetch vm" quit >"$T/d.out"
echo "# $(nproc) cores, $(date -u +%F), $NG paused qemu guests," \
    "$(find /proc -maxdepth 1 -name '[0-9]*' | wc -l) processes;" \
    "Munin sees $(grep -c '_cpu.value' "$T/m.out") guests' CPU," \
    "$(grep -c '_mem.value' "$T/m.out") memory;" \
    "drover node's vm: $(grep -c '\.value' "$T/d.out") values in $(grep -c '^multigraph' "$T/d.out") services"
$PY bench/fetch_bench.py "$N" "$MPORT" "$MPID" "$DPORT" "$DPID" \
    "all four=kvm_cpu,kvm_mem,kvm_io,kvm_net=vm" \
    "cpu only=kvm_cpu=vm"
