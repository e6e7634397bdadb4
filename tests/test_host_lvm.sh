#!/bin/bash
# test_host_lvm: the lvm probe's refresh for real (plugins/host_cmd: real
# processes, real du on real directories), through tests/node_dump, with
# stand-ins for lvs (this kernel has no device-mapper, so no real lvs
# shows an active thin pool; tests/test_lvm_loop.sh runs the real lvs):
#  - an lvs printing tests/fixtures/lvm/lvs-active.json: sizes, pools,
#    the archive and backup directories counted exactly, the argv lvs
#    got is the one the probe names;
#  - an lvs that hangs past probe_command_timeout: node_dump returns at
#    the timeout, the sizes are U, the directories still counted, the
#    hung lvs (and its child) are killed, the timeout is logged;
#  - an lvs that fails (exit 5, a message on stderr): U, the message
#    logged; a missing backup directory: empty (0), not logged;
#  - a 100,000-file archive is counted by du (at most 4 KiB of output).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/lib/common.sh"
DUMP=$top_builddir/tests/node_dump
F=$top_srcdir/tests/fixtures/lvm
[ -x "$DUMP" ] || fail "$DUMP not built"

# value OUT SERVICE FIELD: FIELD's value in SERVICE of node_dump output
value() {
	awk -v s="multigraph $2" -v f="$3.value" '
	    /^multigraph / { in_s = ($0 == s) }
	    in_s && $1 == f { print $2; exit }' "$1"
}
check() { # OUT SERVICE FIELD WANT
	local v
	v=$(value "$1" "$2" "$3")
	[ "$v" = "$4" ] || fail "$2.$3 is '$v', want '$4': $(cat "$1")"
}

mkdir -p "$T/archive" "$T/backup"
for i in $(seq 1 12); do
	printf 'vg0 {\n\tid = "x%d"\n}\n' "$i" >"$T/archive/vg0_$(printf %05d "$i")-1.vg"
done
printf 'contents of vg0\n' >"$T/backup/vg0"
printf 'contents of vg-data\n' >"$T/backup/vg-data"

cat >"$T/lvs" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >"$T/lvs-argv"
case "\$(cat "$T/lvs-mode" 2>/dev/null)" in
hang) sleep 60 & echo "\$\$ \$!" >"$T/lvs-hung"; wait ;;
fail) echo "  Volume group \"vg9\" not found" >&2; exit 5 ;;
esac
cat "$F/lvs-active.json"
EOF
chmod +x "$T/lvs"

dump() { # OUT [node_dump flags]: the lvm probe's fetch on the fixture sysfs
	local out=$1
	shift
	"$DUMP" -s "$F/sys" -L "$T/lvs" -A "$T/archive" -B "$T/backup" "$@" \
	    "$F" lvm >"$out" 2>"$out.err"
}

# ---- an lvs that works ----------------------------------------------
dump "$T/ok" || fail "node_dump failed: $(cat "$T/ok.err")"
[ "$(cat "$T/lvs-argv")" = "--reportformat json --units b --nosuffix -o lv_name,vg_name,lv_size,lv_attr,segtype,pool_lv,origin,data_percent,metadata_percent" ] ||
	fail "lvs was run with: $(cat "$T/lvs-argv")"
check "$T/ok" lvm_size vg0_root 21474836480
check "$T/ok" lvm_size vg_data_lv_1 8388608
check "$T/ok" lvm_thin vg_data_pool_data 85.12
check "$T/ok" lvm_thin vg_data_pool_metadata 12.4
check "$T/ok" lvm_thin vg_data_cold_data U
check "$T/ok" lvm_snapshot vg0_snap 3.91
check "$T/ok" lvm_archive archive_files 12
check "$T/ok" lvm_archive backup_files 2
check "$T/ok" lvm_archive archive_bytes "$(du -sb "$T/archive" | cut -f1)"
check "$T/ok" lvm_archive backup_bytes "$(du -sb "$T/backup" | cut -f1)"
check "$T/ok" lvm_iops vg0_root_read 15230
[ ! -s "$T/ok.err" ] || fail "node_dump logged: $(cat "$T/ok.err")"
"$DUMP" -s "$F/sys" -L "$T/lvs" -A "$T/archive" -B "$T/backup" "$F" lvm config \
    >"$T/config" 2>&1 || fail "config failed: $(cat "$T/config")"
for l in "archive_files.warning 10000" "archive_files.critical 100000" \
    "vg_data_pool_data.warning 80" "vg_data_pool_metadata.critical 90" \
    "vg0_root_write.negative vg0_root_read" "vg0_root.label vg0/root"; do
	grep -qx "$l" "$T/config" || fail "config lvm has no '$l': $(cat "$T/config")"
done

# ---- an lvs that hangs ----------------------------------------------
# two readings (-w): the first with a working lvs, then lvs hangs
dump "$T/hung" -T 500 -w 60 -m "$T/marker" &
DPID=$!
wait_until 20 test -e "$T/marker" || fail "node_dump's first reading did not end"
echo hang >"$T/lvs-mode"
s=$(date +%s%N)
rm -f "$T/marker"
wait "$DPID" || fail "node_dump failed: $(cat "$T/hung.err")"
ms=$((($(date +%s%N) - s) / 1000000))
note "a hung lvs: node_dump's second reading came $ms ms later (timeout 500 ms)"
[ "$ms" -lt 5000 ] || fail "node_dump waited $ms ms for a hung lvs"
check "$T/hung" lvm_size vg0_root U
check "$T/hung" lvm_thin vg_data_pool_data U
check "$T/hung" lvm_archive archive_files 12
check "$T/hung" lvm_iops vg0_root_read 15230
grep -q "lvm: lvs: timed out" "$T/hung.err" ||
	fail "the timeout was not logged: $(cat "$T/hung.err")"
read -r sh_pid sleep_pid <"$T/lvs-hung"
wait_until 5 sh -c "! kill -0 $sh_pid 2>/dev/null && ! kill -0 $sleep_pid 2>/dev/null" ||
	fail "the hung lvs ($sh_pid) or its sleep ($sleep_pid) still runs"

# ---- an lvs that fails, a missing directory --------------------------
echo fail >"$T/lvs-mode"
"$DUMP" -s "$F/sys" -L "$T/lvs" -A "$T/archive" -B "$T/nonexistent" "$F" lvm \
    >"$T/fail" 2>"$T/fail.err" || fail "node_dump failed: $(cat "$T/fail.err")"
check "$T/fail" lvm_archive archive_files 12
# a directory LVM has not made yet is an empty one, not a failure
check "$T/fail" lvm_archive backup_files 0
check "$T/fail" lvm_archive backup_bytes 0
! grep -q "du.*(backup)" "$T/fail.err" ||
	fail "a missing backup directory was logged: $(cat "$T/fail.err")"
grep -q 'lvm: lvs: exit 5: Volume group "vg9" not found' "$T/fail.err" ||
	fail "lvs's failure was not logged: $(cat "$T/fail.err")"
# no report ever: no lvm_size to show U in
[ -z "$(value "$T/fail" lvm_size vg0_root)" ] || fail "lvm_size without a report"
rm -f "$T/lvs-mode"

# ---- a bloated archive -----------------------------------------------
mkdir -p "$T/big"
(cd "$T/big" && seq -f 'vg0_%06g-1.vg' 1 100000 | xargs touch)
s=$(date +%s%N)
"$DUMP" -s "$F/sys" -L "$T/lvs" -A "$T/big" -B "$T/backup" "$F" lvm \
    >"$T/big.out" 2>"$T/big.err" || fail "node_dump failed: $(cat "$T/big.err")"
ms=$((($(date +%s%N) - s) / 1000000))
note "100,000 archive files counted in $ms ms (off the loop)"
check "$T/big.out" lvm_archive archive_files 100000
check "$T/big.out" lvm_archive archive_bytes "$(du -sb "$T/big" | cut -f1)"
echo "PASS: test_host_lvm.sh"
