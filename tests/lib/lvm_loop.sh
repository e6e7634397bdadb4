# lvm_loop.sh: real LVM metadata on a loop device for the lvm probe's
# tests and benchmarks (sourced after common.sh, as root).
#
# A sparse file in $T, a loop device on it, a PV, a VG, NLV linear LVs and
# a thin pool with NTHIN thin LVs, all through Debian's lvm2 with a
# private configuration (LVM_SYSTEM_DIR=$LVM_ETC): its own archive,
# backup and locking dirs under $T (the archive on /dev/shm), no devices file, no hints, no udev,
# and a global_filter that sees only our loop device, so the machine's
# /etc/lvm, its archive and its other disks are never read or written.
#
# Metadata only, everywhere: activation = 0, because the development
# machine's kernel has no device-mapper (no dm-N devices, no thin-pool
# status: lvs prints data_percent and metadata_percent as "") and because
# a test must not create device nodes on the host where it does.  The
# per-LV I/O (/sys/block/dm-*/stat) is the lvm probe's fixtures' job.
# The LVs and the thin pool come from one vgcfgrestore of text made by
# lvm_vg.py (lvcreate --type thin-pool needs dm's thin target).  With
# activation off nothing runs thin_check and friends (checked with their
# paths pointed at nothing): thin-provisioning-tools is not needed.
#
#   lvm_loop_setup [NLV=62] [NTHIN=4]
#       skips (77) without root, loop devices or a runnable lvm; fails
#       when lvm refuses what it should accept.  Sets LVM_VG, LVM_LOOP,
#       LVM_DIR, LVM_ETC, LVM_ARCHIVE, LVM_BACKUP, LVM_LVS (an executable
#       that runs lvs with the private configuration, for lvs_command),
#       LVM_DM (1 when this kernel has device-mapper, unused but told)
#       and LVM_SETUP_S (seconds the setup took).
#   lvm ARGS...        lvm with the private configuration (a function)
#   lvm_archive_fill N LVM_ARCHIVE filled up to N files, in one process
#   lvm_loop_teardown  removes VG, PV, loop device; idempotent
# The EXIT trap is extended to tear down first, on failure too; SIGINT,
# SIGTERM and SIGHUP exit through it.

LVM_VG="drovert$$"
LVM_LOOP=""
LVM_DIR="$T/lvm"
LVM_ETC="$LVM_DIR/etc"
LVM_ARCHIVE="" # set by lvm_loop_setup
LVM_BACKUP="$LVM_DIR/backup"
LVM_LVS="$LVM_DIR/lvs"
LVM_DM=0
LVM_SETUP_S=""
LVM_PV_MADE=0
LVM_NO_MAPPER=0 # 1: /dev/mapper was absent when setup began

# vgcfgrestore (and "lvm version") ask dm whether LVs are active, and
# libdevmapper makes /dev/mapper/control on a kernel without dm: a node
# nothing can open there, removed (after the restore and at teardown, in
# case a concurrent run made it meanwhile) so that /dev is left as it was
lvm_mapper_tidy() {
	if [ "$LVM_DM" = 0 ] && [ "$LVM_NO_MAPPER" = 1 ]; then
		rm -f /dev/mapper/control
		rmdir /dev/mapper 2>/dev/null
	fi
}

lvm() {
	LVM_SYSTEM_DIR="$LVM_ETC" LVM_SUPPRESS_FD_WARNINGS=1 command lvm "$@"
}

lvm_loop_teardown() {
	local loop=$LVM_LOOP
	LVM_LOOP=""
	if [ -n "$loop" ] && [ "$LVM_PV_MADE" = 1 ]; then
		lvm vgremove -ff -y "$LVM_VG" >/dev/null 2>&1
		lvm pvremove -ff -y "$loop" >/dev/null 2>&1
	fi
	LVM_PV_MADE=0
	if [ -n "$loop" ]; then
		losetup -d "$loop" || echo "lvm_loop: could not detach $loop"
	fi
	case $LVM_ARCHIVE in
	/dev/shm/drover-lvm-archive.*) rm -rf "$LVM_ARCHIVE" ;;
	esac
	LVM_ARCHIVE=""
	lvm_mapper_tidy
}
trap 'lvm_loop_teardown; cleanup' EXIT
trap 'exit 143' TERM INT HUP

lvm_loop_setup() {
	local nlv=${1:-62} nthin=${2:-4} t0 out
	need lvm lvm2
	need losetup mount
	[ "$(id -u)" -eq 0 ] ||
		skip "needs root for a loop device and LVM (make check runs as root)"
	[ -e /dev/loop-control ] || ls /dev/loop[0-9]* >/dev/null 2>&1 ||
		skip "this kernel has no loop devices (no /dev/loop-control)"
	# not "lvm version": it asks the kernel's dm driver, and libdevmapper
	# makes /dev/mapper/control on a kernel without one
	command lvm segtypes >/dev/null 2>&1 ||
		skip "lvm cannot run here: $(command lvm segtypes 2>&1 | head -3)"
	if grep -qw device-mapper /proc/misc 2>/dev/null; then
		LVM_DM=1
	fi
	[ -e /dev/mapper ] || LVM_NO_MAPPER=1
	t0=$(date +%s.%N)
	mkdir -p "$LVM_ETC" "$LVM_BACKUP" "$LVM_DIR/lock" || fail "lvm_loop: mkdir"
	# the archive on the tmpfs where there is one: the tests fill it with
	# 100,000 files (some 50 MB of memory there, removed at teardown)
	if [ -d /dev/shm ] && [ "$(stat -f -c %T /dev/shm)" = tmpfs ] &&
	    LVM_ARCHIVE=$(mktemp -d /dev/shm/drover-lvm-archive.XXXXXX); then
		:
	else
		LVM_ARCHIVE="$LVM_DIR/archive"
		mkdir -p "$LVM_ARCHIVE" || fail "lvm_loop: mkdir"
	fi
	truncate -s 4G "$LVM_DIR/disk.img" || fail "lvm_loop: truncate"
	if ! out=$(losetup -f --show "$LVM_DIR/disk.img" 2>&1); then
		case $out in
		*"no such device"* | *"cannot find an unused loop device"* | *"not supported"*)
			skip "no loop device can be set up here: $out" ;;
		esac
		fail "losetup: $out"
	fi
	LVM_LOOP=$out
	cat >"$LVM_ETC/lvm.conf" <<CONF
devices {
	global_filter = [ "a|^$LVM_LOOP\$|", "r|.*|" ]
	obtain_device_list_from_udev = 0
	external_device_info_source = "none"
	use_devicesfile = 0
	hints = "none"
}
global {
	activation = 0
	locking_dir = "$LVM_DIR/lock"
	use_lvmlockd = 0
	use_lvmpolld = 0
	event_activation = 0
	system_id_source = "lvmlocal"
	thin_check_executable = ""
	thin_dump_executable = ""
	thin_repair_executable = ""
}
backup {
	backup = 1
	backup_dir = "$LVM_BACKUP"
	archive = 1
	archive_dir = "$LVM_ARCHIVE"
	retain_min = 10
	retain_days = 30
}
activation {
	udev_sync = 0
	udev_rules = 0
	monitoring = 0
}
CONF
	# the VG carries this system ID: to every other lvm on the machine
	# (the lvm probe of concurrent tests, the operator's) it is foreign,
	# left out of reports without a word, so no other test sees it
	cat >"$LVM_ETC/lvmlocal.conf" <<CONF
local {
	system_id = "$LVM_VG"
}
CONF
	# lvs for lvs_command: the private configuration and nothing else
	cat >"$LVM_LVS" <<SH
#!/bin/sh
LVM_SYSTEM_DIR='$LVM_ETC' LVM_SUPPRESS_FD_WARNINGS=1 exec lvm lvs "\$@"
SH
	chmod +x "$LVM_LVS" || fail "lvm_loop: chmod"
	out=$(lvm pvcreate -y "$LVM_LOOP" 2>&1) || fail "pvcreate $LVM_LOOP: $out"
	LVM_PV_MADE=1
	out=$(lvm vgcreate -y "$LVM_VG" "$LVM_LOOP" 2>&1) ||
		fail "vgcreate $LVM_VG: $out"
	out=$(lvm vgcfgbackup -f "$LVM_DIR/empty.vg" "$LVM_VG" 2>&1) ||
		fail "vgcfgbackup: $out"
	"$PY" "$top_srcdir/tests/lib/lvm_vg.py" "$LVM_DIR/empty.vg" \
	    "$LVM_DIR/full.vg" "$nlv" "$nthin" || fail "lvm_vg.py"
	out=$(lvm vgcfgrestore --force -y -f "$LVM_DIR/full.vg" "$LVM_VG" 2>&1) ||
		fail "vgcfgrestore of $nlv LVs and a thin pool: $out"
	lvm_mapper_tidy
	out=$(lvm lvs --noheadings -o lv_name "$LVM_VG" 2>/dev/null | wc -l)
	[ "$out" -eq $((nlv + (nthin > 0 ? nthin + 1 : 0))) ] ||
		fail "lvs shows $out LVs in $LVM_VG, want $nlv and the pool's"
	# two archive files of LVM's own, as a real VG's history has
	out=$(lvm lvcreate -an -Zn -L 4m -n scratch "$LVM_VG" 2>&1) ||
		fail "lvcreate: $out"
	out=$(lvm lvremove -y "$LVM_VG/scratch" 2>&1) || fail "lvremove: $out"
	LVM_SETUP_S=$("$PY" -c 'import sys,time; print("%.2f" % (time.time() - float(sys.argv[1])))' "$t0")
}

# lvm_archive_fill N: files in LVM_ARCHIVE, named as LVM names its
# archive files, until it holds N (distinct empty files: du counts
# inodes, so hard links would not do), made by one python process; on
# the tmpfs 100,000 take about 2 s here, on ext4 /tmp 6 to 40 s.
lvm_archive_fill() {
	"$PY" - "$LVM_ARCHIVE" "$LVM_VG" "$1" <<'PY' || fail "lvm_archive_fill"
import os, sys
d, vg, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
for i in range(len(os.listdir(d)), n):
    name = "%s_%05d-%d.vg" % (vg, i, 1000000000 + i)
    os.close(os.open(name, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600, dir_fd=fd))
os.close(fd)
PY
}
