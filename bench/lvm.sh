#!/bin/bash
# lvm.sh: cost per fetch of the LVM figures of 62 LVs, a thin pool and 4
# thin LVs (tests/lib/lvm_loop.sh: real LVM metadata on a loop device,
# private configuration), drover node's "lvm" (one multigraph fetch: the
# sizes and thin pools from one `lvs --reportformat json`, the archive
# and backup directories from du, run off the loop; per-LV I/O from
# sysfs, none here: this kernel has no device-mapper) against what Munin
# users run for the same under Debian's munin-node, side by side
# (bench/fetch_bench.py: alternating sessions, CPU of both process trees,
# lvs and du included):
#   - the contrib lvm_ plugin (munin-monitoring/contrib plugins/disk/lvm_,
#     as lvm_VG: vgs and lvs, sizes only), see bench/munin_contrib.sh;
#   - the contrib lvm_usage (perl: vgs and lvs, every VG);
#   - Munin core's diskstats, which covers the dm devices' I/O where
#     there are any (here it reads this machine's disks only).
#   bench/lvm.sh [SESSIONS]      (default 20)
# Both run lvs with the private configuration (LVM_SYSTEM_DIR): drover
# through lvs_command, the plugins through plugin-conf.d's env.
# drover node runs with its defaults besides the LVM paths.
# Results: bench/README.md.
set -u
cd "$(dirname "$0")/.."
top_srcdir=$PWD
N=${1:-20}
. tests/lib/common.sh
. tests/lib/lvm_loop.sh
. bench/munin_contrib.sh
bench_cleanup() {
	"$top_srcdir/tests/lib/munin_node.sh" stop "$T/mnode" >/dev/null 2>&1
	lvm_loop_teardown
	cleanup
}
trap bench_cleanup EXIT

lvm_loop_setup 62 4
mkdir "$T/plugins" "$T/plugin-conf" "$T/no-plugins"
contrib_get plugins/disk/lvm_ "$T/lvm_" || exit 1
ln -s "$T/lvm_" "$T/plugins/lvm_$LVM_VG"
contrib_get plugins/disk/lvm_usage "$T/plugins/lvm_usage" || exit 1
ln -s /usr/share/munin/plugins/diskstats "$T/plugins/diskstats"
cat >"$T/plugin-conf/lvm" <<CONF
[lvm_*]
user root
env.LVM_SYSTEM_DIR $LVM_ETC
env.LVM_SUPPRESS_FD_WARNINGS 1
CONF
MPORT=$(free_port 127.0.0.1)
PLUGINS="$T/plugins" PLUGIN_CONF="$T/plugin-conf" tests/lib/munin_node.sh \
    start "$T/mnode" 127.0.0.1 "$MPORT" bench.test >/dev/null || exit 1
MPID=$(cat "$T/mnode/munin-node.launcher.pid")
DPORT=$(free_port 127.0.0.1)
cat >"$T/node.conf" <<CONF
node_listen 127.0.0.1:$DPORT
user root
node_plugin_dir $T/no-plugins
lvs_command $LVM_LVS
lvm_archive_dir $LVM_ARCHIVE
lvm_backup_dir $LVM_BACKUP
CONF
: >"$T/node.log"
start_bg "$T/node.log" "$DROVER" node -c "$T/node.conf"
DPID=$LAST_PID
wait_log "$T/node.log" "on 127.0.0.1:$DPORT" 30 || { cat "$T/node.log"; exit 1; }

# what each shows
$PY tests/lib/node_lines.py 127.0.0.1 "$MPORT" "fetch lvm_$LVM_VG" quit >"$T/m.out"
sleep 1.1
$PY tests/lib/node_lines.py 127.0.0.1 "$DPORT" "cap multigraph" "fetch lvm" quit >"$T/d.out"
echo "# $(nproc) cores, $(date -u +%F), VG $LVM_VG: $("$LVM_LVS" --noheadings -o lv_name 2>/dev/null | wc -l) LVs (lvs);" \
    "lvm_$LVM_VG: $(grep -c '\.value' "$T/m.out") values;" \
    "drover node's lvm: $(grep -c '\.value' "$T/d.out") values in $(grep -c '^multigraph' "$T/d.out") services"
s=$(date +%s%N)
for i in 1 2 3 4 5; do "$LVM_LVS" --reportformat json --units b --nosuffix >/dev/null 2>&1; done
echo "# one lvs alone: $((($(date +%s%N) - s) / 5000000)) ms wall"
$PY bench/fetch_bench.py "$N" "$MPORT" "$MPID" "$DPORT" "$DPID" \
    "sizes (contrib lvm_)=lvm_$LVM_VG=lvm" \
    "sizes (contrib lvm_usage)=lvm_usage=lvm" \
    "I/O (core diskstats)=diskstats=lvm"
