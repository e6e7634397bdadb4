#!/bin/bash
# test_host_disk_compat: drover's diskstats, df and df_inode probes against
# Munin's own plugins.  Config lines must be identical (order aside, each
# line keyed by its multigraph section) and a fetch must give the same
# fields; values are compared where both sides read the same numbers:
#   - diskstats on fixture trees (tests/fixtures/diskstats: two readings,
#     a sysfs tree with device-mapper names): Munin's plugin, its paths
#     pointed at the fixtures, run on reading a, then on reading b with
#     its state file dated 300 s back; node_dump -p a -t 300 b.  Every
#     line identical.
#   - diskstats live: a loop device in $T gets a known direct write
#     between the two readings of each side; its interval-free values
#     (request size, bytes per IO) must be identical and drover's bytes
#     per second times its interval the bytes written.
#   - df/df_inode live, with a small tmpfs of known usage in $T whose
#     line must be exact; the other lines within 0.5 points (the disks
#     of a busy machine change between the two runs).
# Tests run as root (mount, losetup).  A plugin or node_dump that fails
# or crashes is a FAIL, whatever its output.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail

PLUGINS=${MUNIN_PLUGINS:-/usr/share/munin/plugins}
DUMP="$top_builddir/tests/node_dump"
FIX="$top_srcdir/tests/fixtures"

for p in diskstats df df_inode; do
	need "$PLUGINS/$p" munin-plugins-core
done
need perl perl
need losetup mount
need mount mount
[ -x "$DUMP" ] || fail "$DUMP not built"
[ "$(id -u)" = 0 ] || skip "needs root (mount, losetup)"

# The environment munin-node gives a plugin with unconfigured sections
# (no env.*), a master that speaks multigraph, and a state directory of
# this test's own.
run_plugin() {
	env -i PATH=/usr/bin:/bin:/usr/sbin:/sbin \
	    MUNIN_LIBDIR=/usr/share/munin MUNIN_CAP_MULTIGRAPH=1 \
	    MUNIN_PLUGSTATE="$T/state" \
	    MUNIN_STATEFILE="$T/state/${1##*/}" \
	    PERL5LIB="${PERL5LIB:-}" "$@"
}
mkdir -p "$T/state"

# Lines without trailing blanks (Munin's master strips them), blank lines
# dropped, each prefixed with its multigraph section, sorted.
norm() {
	sed -e 's/[[:space:]]*$//' -e '/^$/d' |
	    awk '/^multigraph /{g=$2; next} {print g " " $0}' | LC_ALL=C sort
}
fields() {
	sed -n 's/^\([^ ]*\) \([^ .]*\)\.value .*/\1 \2/p' | LC_ALL=C sort
}

rc=0
# same WHAT WANT GOT: the files are identical, else a FAIL with the diff.
same() {
	if [ ! -s "$2" ]; then
		echo "FAIL: $1: Munin printed nothing"
		rc=1
	elif ! cmp -s "$2" "$3"; then
		echo "FAIL: $1 (< munin, > drover):"
		diff "$2" "$3"
		rc=1
	fi
}

# ---- diskstats on the fixtures ----------------------------------------------

# Munin resolves dm-N by stat()ing /dev/mapper/* (block nodes of the
# device-mapper major, 253 in the fixtures' /proc/devices) and calls an
# LVM volume VG/LV when /dev/VG/LV exists: a /dev of that shape in $T.
mkdir -p "$T/dev/mapper" "$T/dev/vg0" "$T/dev/vg-data" "$T/dev/vgsystem"
mknod "$T/dev/mapper/vg0-root" b 253 0 &&
    mknod "$T/dev/mapper/vg--data-lv--big" b 253 1 &&
    mknod "$T/dev/mapper/cryptswap" b 253 2 &&
    mknod "$T/dev/mapper/vgsystem-lv_var_lib_docker_overlay" b 253 3 ||
    fail "mknod in $T"
touch "$T/dev/vg0/root" "$T/dev/vg-data/lv-big" \
    "$T/dev/vgsystem/lv_var_lib_docker_overlay"

# fixture_plugin DIR PROC SYS: Munin's diskstats as DIR/diskstats reading
# PROC (its /proc) and SYS/block (its /sys/block).
fixture_plugin() {
	mkdir -p "$1"
	sed -e "s#/proc/#$2/#g" -e "s#/sys/block/#$3/block/#g" \
	    -e "s#glob \"/dev/mapper/#glob \"$T/dev/mapper/#" \
	    -e "s#s|/dev/||#s|$T/dev/||#" \
	    -e "s#stat(\"/dev/#stat(\"$T/dev/#" \
	    "$PLUGINS/diskstats" >"$1/diskstats" && chmod +x "$1/diskstats"
}

# second_run PLUGIN OUT: PLUGIN's fetch with the state saved in
# $T/state.saved dated 300 s before the run; retried while the run
# straddles a second, so that its interval is exactly 300.
second_run() {
	local try t0 t1
	for try in 1 2 3 4 5 6 7 8 9 10; do
		t0=$(date +%s)
		awk -v ts=$((t0 - 300)) 'NR == 2 { print ts; next } { print }' \
		    "$T/state.saved" >"$T/state/diskstats" || return 1
		run_plugin "$1" >"$2" || return 1
		t1=$(date +%s)
		[ "$t0" = "$t1" ] && return 0
	done
	echo "FAIL: no run of Munin's diskstats within one second"
	return 1
}

DF="$FIX/diskstats"
fixture_plugin "$T/a" "$DF/a/proc" "$DF/a/sys" || fail "sed diskstats"
fixture_plugin "$T/b" "$DF/b/proc" "$DF/b/sys" || fail "sed diskstats"
run_plugin "$T/b/diskstats" config | norm >"$T/want" ||
    { echo "FAIL: Munin's diskstats config on the fixtures failed"; rc=1; }
"$DUMP" -s "$DF/b/sys" "$DF/b/proc" diskstats config | norm >"$T/got" ||
    { echo "FAIL: node_dump diskstats config on the fixtures failed"; rc=1; }
same "diskstats config on the fixtures" "$T/want" "$T/got"

rm -f "$T/state/diskstats"
run_plugin "$T/a/diskstats" >"$T/first" ||
    { echo "FAIL: Munin's first diskstats run failed"; rc=1; }
[ -s "$T/first" ] && { echo "FAIL: Munin's first run printed values"; rc=1; }
cp "$T/state/diskstats" "$T/state.saved" || fail "Munin saved no state"
second_run "$T/b/diskstats" "$T/m.fetch" ||
    { echo "FAIL: Munin's second diskstats run failed"; rc=1; }
norm <"$T/m.fetch" >"$T/want"
"$DUMP" -s "$DF/b/sys" -p "$DF/a/proc" -t 300 "$DF/b/proc" diskstats \
    2>"$T/err" | norm >"$T/got" ||
    { echo "FAIL: node_dump diskstats on the fixtures failed"; rc=1; }
same "diskstats values on the fixtures" "$T/want" "$T/got"
# the first reading of node_dump prints no values either
"$DUMP" -s "$DF/b/sys" "$DF/b/proc" diskstats >"$T/got" ||
    { echo "FAIL: node_dump diskstats (one reading) failed"; rc=1; }
if grep -q '\.value ' "$T/got"; then
	echo "FAIL: drover's first diskstats reading has values"
	rc=1
fi

# An older kernel without sysfs: /proc/diskstats alone (7-column
# partition lines, partitions told from disks by name).
old="$FIX/proc-2.6.18"
fixture_plugin "$T/old" "$old" "$T/nosys" || fail "sed diskstats"
run_plugin "$T/old/diskstats" config | norm >"$T/want" ||
    { echo "FAIL: Munin's diskstats config on $old failed"; rc=1; }
"$DUMP" -s "$T/nosys" "$old" diskstats config | norm >"$T/got" ||
    { echo "FAIL: node_dump diskstats config on $old failed"; rc=1; }
same "diskstats config on $old" "$T/want" "$T/got"
[ $rc -eq 0 ] && echo "ok: diskstats on the fixtures matches Munin's plugin"

# ---- diskstats live ------------------------------------------------------

truncate -s 16M "$T/loop.img" || fail "truncate"
LOOP=$(losetup -f --show "$T/loop.img") || fail "losetup"
cleanup_loop() { losetup -d "$LOOP" 2>/dev/null; }
trap 'cleanup_loop; cleanup' EXIT
dev=${LOOP#/dev/}

rm -f "$T/state/diskstats"
run_plugin "$PLUGINS/diskstats" >/dev/null ||
    { echo "FAIL: Munin's first live diskstats run failed"; rc=1; }
t_first=$(date +%s)
"$DUMP" -w 120 -m "$T/mark" /proc diskstats >"$T/d.fetch" 2>"$T/d.err" &
dump_pid=$!
wait_until 60 test -e "$T/mark" || fail "node_dump made no first reading"
# 4 direct writes of 64 KiB: 512 sectors, 4 IOs on the loop device
dd if=/dev/zero of="$LOOP" bs=64k count=4 oflag=direct status=none ||
    fail "dd to $LOOP"
# Munin's interval is whole seconds: its second run in a later second
later_second() { [ "$(date +%s)" -gt "$t_first" ]; }
wait_until 30 later_second || fail "clock stands still"
run_plugin "$PLUGINS/diskstats" >"$T/m.fetch" ||
    { echo "FAIL: Munin's second live diskstats run failed"; rc=1; }
rm -f "$T/mark"
wait $dump_pid || { echo "FAIL: node_dump -w diskstats failed"; rc=1; }
run_plugin "$PLUGINS/diskstats" config | norm >"$T/want" ||
    { echo "FAIL: Munin's live diskstats config failed"; rc=1; }
"$DUMP" /proc diskstats config | norm >"$T/got" ||
    { echo "FAIL: node_dump live diskstats config failed"; rc=1; }
same "live diskstats config" "$T/want" "$T/got"
norm <"$T/m.fetch" | fields >"$T/want"
norm <"$T/d.fetch" | fields >"$T/got"
same "live diskstats fetch fields" "$T/want" "$T/got"

# value SIDE SECTION FIELD
value() {
	norm <"$T/$1.fetch" | awk -v s="$2" -v f="$3.value" \
	    '$1 == s && $2 == f { print $3 }'
}
for side in m d; do
	sz=$(value $side "diskstats_iops.$dev" avgwrrqsz)
	per=$(awk -v b="$(value $side "diskstats_throughput.$dev" wrbytes)" \
	    -v n="$(value $side "diskstats_iops.$dev" wrio)" \
	    'BEGIN { if (n > 0) printf "%.6f", b / n }')
	if [ "$sz" != 65.536 ] || [ "$per" != 65536.000000 ]; then
		echo "FAIL: $side: $dev request size $sz KB, $per bytes/IO," \
		    "want 65.536 and 65536 (4 writes of 64 KiB)"
		rc=1
	fi
done
interval=$(sed -n 's/^# interval //p' "$T/d.err")
bytes=$(awk -v r="$(value d "diskstats_throughput.$dev" wrbytes)" \
    -v i="$interval" 'BEGIN { printf "%.0f", r * i }')
if [ "$bytes" != 262144 ]; then
	echo "FAIL: drover: $dev wrote ${bytes:-?} bytes in ${interval:-?} s," \
	    "want 262144"
	rc=1
fi
cleanup_loop
[ $rc -eq 0 ] && echo "ok: live diskstats matches Munin's plugin"

# ---- df and df_inode live --------------------------------------------------

mkdir -p "$T/mnt"
mount -t tmpfs -o size=1m,nr_inodes=1000 tmpfs "$T/mnt" || fail "mount tmpfs"
cleanup_mnt() { umount "$T/mnt" 2>/dev/null; }
trap 'cleanup_mnt; cleanup' EXIT
# 80 KiB in 10 files of two pages: 80 of 1024 KiB used, 11 of 1000 inodes
for i in 0 1 2 3 4 5 6 7 8 9; do
	dd if=/dev/zero of="$T/mnt/f$i" bs=8k count=1 status=none ||
	    fail "write $T/mnt/f$i"
done
mnt_field=$(echo "$T/mnt" | sed -e 's/^[^A-Za-z_]*/_/' -e 's/[^A-Za-z0-9_]/_/g')
for p in df df_inode; do
	run_plugin "$PLUGINS/$p" config | norm >"$T/want" ||
	    { echo "FAIL: Munin's $p config failed"; rc=1; }
	"$DUMP" /proc $p config | norm >"$T/got" ||
	    { echo "FAIL: node_dump $p config failed"; rc=1; }
	same "$p config" "$T/want" "$T/got"
	run_plugin "$PLUGINS/$p" >"$T/m.$p" ||
	    { echo "FAIL: Munin's $p fetch failed"; rc=1; }
	"$DUMP" /proc $p >"$T/d.$p" ||
	    { echo "FAIL: node_dump $p fetch failed"; rc=1; }
	norm <"$T/m.$p" | fields >"$T/want"
	norm <"$T/d.$p" | fields >"$T/got"
	same "$p fetch fields" "$T/want" "$T/got"
	if ! grep -q "^$mnt_field\.value " "$T/d.$p"; then
		echo "FAIL: $p: no $mnt_field for the tmpfs on $T/mnt"
		rc=1
	fi
	while read -r key want got; do
		if [ "${key%.value}" = "$mnt_field" ]; then
			[ "$want" = "$got" ] && continue
		elif awk -v a="$want" -v b="$got" \
		    'BEGIN { d = a - b; exit !(d < 0.5 && d > -0.5) }'; then
			continue
		fi
		echo "FAIL: $p: $key Munin $want, drover $got"
		rc=1
	done < <(join <(LC_ALL=C sort "$T/m.$p") <(LC_ALL=C sort "$T/d.$p"))
done
# the tmpfs exactly: used / (used + available) of df -P and df -P -i
want=$(df -P "$T/mnt" | awk 'NR == 2 { printf "%.10g", $3 / ($3 + $4) * 100 }')
got=$(awk -v f="$mnt_field.value" '$1 == f { printf "%.10g", $2 }' "$T/d.df")
if [ "$want" != 7.8125 ] || [ "$got" != "$want" ]; then
	echo "FAIL: df: $T/mnt at ${got:-?} %, df says ${want:-?} (want 7.8125)"
	rc=1
fi
want=$(df -P -i "$T/mnt" | awk 'NR == 2 { printf "%.10g", $3 / ($3 + $4) * 100 }')
got=$(awk -v f="$mnt_field.value" '$1 == f { printf "%.10g", $2 }' \
    "$T/d.df_inode")
if [ "$got" != "$want" ]; then
	echo "FAIL: df_inode: $T/mnt at ${got:-?} %, df -i says ${want:-?}"
	rc=1
fi
cleanup_mnt
[ $rc -eq 0 ] || fail "drover's disk probes differ from Munin's plugins"
echo "PASS: diskstats, df and df_inode match Munin's plugins"
