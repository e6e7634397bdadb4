#!/bin/bash
# test_host_kernel_compat: drover's kernel probes (plugins/host_kernel.c)
# against Munin's own swap, vmstat, forks, interrupts, irqstats, entropy
# and uptime plugins.
#
# On this machine's /proc, for each plugin the set of config lines must be
# identical, order aside (irqstats' labels come from /proc/interrupts,
# which does not change between the runs), and a fetch must yield the same
# set of fields; uptime's value must agree to its rounding step (0.01 day)
# and entropy's exactly where the kernel pins it (poolsize 256, 5.18+).
#
# On the captured and hand-made trees in tests/fixtures/proc*, every
# plugin is run on the same bytes as node_dump (a copy of the plugin with
# "/proc/" rewritten to the tree; vmstat, which runs vmstat(8), in a mount
# namespace with the tree's stat bound over /proc/stat), and config and
# values must be identical, order aside.
#
# A plugin or node_dump that fails or crashes is a FAIL, whatever its
# output.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail

PLUGINS=${MUNIN_PLUGINS:-/usr/share/munin/plugins}
DUMP="$top_builddir/tests/node_dump"
ALL="swap vmstat forks interrupts irqstats entropy uptime"

for p in $ALL; do
	need "$PLUGINS/$p" munin-plugins-core
done
need perl perl
need vmstat procps
need unshare util-linux
[ -x "$DUMP" ] || fail "$DUMP not built"
tmp=$T
mkdir -p "$tmp/state"

# The environment munin-node gives a plugin of an unconfigured section: no
# thresholds; a user's settings must not leak in.
run_plugin_path() {
	path=$1
	shift
	env -i PATH=/usr/bin:/bin MUNIN_LIBDIR=/usr/share/munin \
	    MUNIN_PLUGSTATE="$tmp/state" \
	    MUNIN_STATEFILE="$tmp/state/${path##*/}" \
	    PERL5LIB="${PERL5LIB:-}" "$path" "$@"
}

# Munin's master strips trailing blanks from every line (forks' and
# uptime's graph_args end with one) and ignores a value line with no
# value (what vmstat prints when vmstat(8) fails); numbers compare as
# numbers ("0.50" is 0.5).
norm() {
	sed -E -e 's/[[:space:]]*$//' -e '/^$/d' -e '/^[^ ]+\.value$/d' \
	    -e 's/^([^ ]+\.value -?[0-9]+)\.0+$/\1/' \
	    -e 's/^([^ ]+\.value -?[0-9]+\.[0-9]*[1-9])0+$/\1/' |
	    LC_ALL=C sort
}

# value FIELD FILE: the value fetched for FIELD.
value() {
	sed -n "s/^$1\\.value //p" "$2"
}

rc=0
for p in $ALL; do
	run_plugin_path "$PLUGINS/$p" config 2>"$tmp/$p.err" |
	    norm >"$tmp/$p.munin.config" ||
	    { echo "FAIL: Munin's $p config failed"; cat "$tmp/$p.err"; rc=1; }
	"$DUMP" /proc "$p" config | norm >"$tmp/$p.drover.config" ||
	    { echo "FAIL: node_dump $p config failed"; rc=1; }
	if [ ! -s "$tmp/$p.munin.config" ]; then
		echo "FAIL: Munin's $p config printed nothing"
		rc=1
	elif ! cmp -s "$tmp/$p.munin.config" "$tmp/$p.drover.config"; then
		echo "FAIL: $p config differs (< munin, > drover):"
		diff "$tmp/$p.munin.config" "$tmp/$p.drover.config"
		rc=1
	fi

	run_plugin_path "$PLUGINS/$p" 2>"$tmp/$p.err" >"$tmp/$p.munin.fetch" ||
	    { echo "FAIL: Munin's $p fetch failed"; cat "$tmp/$p.err"; rc=1; }
	"$DUMP" /proc "$p" >"$tmp/$p.drover.fetch" ||
	    { echo "FAIL: node_dump $p fetch failed"; rc=1; }
	for side in munin drover; do
		sed -n 's/^\([^ .]*\)\.value .*/\1/p' "$tmp/$p.$side.fetch" |
		    LC_ALL=C sort >"$tmp/$p.$side.fields" || rc=1
	done
	if [ ! -s "$tmp/$p.munin.fields" ]; then
		echo "FAIL: $p fetch printed no values"
		rc=1
	elif ! cmp -s "$tmp/$p.munin.fields" "$tmp/$p.drover.fields"; then
		echo "FAIL: $p fetch fields differ (< munin, > drover):"
		diff "$tmp/$p.munin.fields" "$tmp/$p.drover.fields"
		rc=1
	fi
	if grep -Ev '^[A-Za-z_][A-Za-z0-9_]*\.value (U|-?[0-9]+(\.[0-9]+)?)$' \
	    "$tmp/$p.drover.fetch" >"$tmp/bad"; then
		echo "FAIL: $p: malformed value lines:"
		cat "$tmp/bad"
		rc=1
	fi
done

# The values that move: uptime by at most its rounding step between the
# two reads, entropy not at all where the kernel pins it.
m=$(value uptime "$tmp/uptime.munin.fetch")
d=$(value uptime "$tmp/uptime.drover.fetch")
awk -v m="$m" -v d="$d" 'BEGIN { x = m - d; if (x < 0) x = -x;
    exit !(m != "" && d != "" && x <= 0.0100001) }' ||
    { echo "FAIL: uptime: Munin $m, drover $d days"; rc=1; }
m=$(value entropy "$tmp/entropy.munin.fetch")
d=$(value entropy "$tmp/entropy.drover.fetch")
pool=$(cat /proc/sys/kernel/random/poolsize)
if [ "$pool" = 256 ]; then
	[ "$m" = "$d" ] ||
	    { echo "FAIL: entropy: Munin $m, drover $d (pinned)"; rc=1; }
else
	if [ -z "$m" ] || [ -z "$d" ] || ! [ "$d" -le "$pool" ]; then
		echo "FAIL: entropy: Munin $m, drover $d of $pool"
		rc=1
	fi
fi
[ $rc -eq 0 ] || fail "drover's kernel probes differ from Munin's plugins"
echo "ok: config and fields match Munin's plugins on /proc"

# Can vmstat(8) be shown another /proc/stat?  Only with a mount namespace.
bind_ok=false
if unshare -m sh -c "mount --bind /proc/stat /proc/stat" 2>"$tmp/unshare.err"
then
	bind_ok=true
else
	note "no mount namespace ($(cat "$tmp/unshare.err")): vmstat's" \
	    "values on the fixtures are not compared"
fi

# run_fixture P DIR ARG: Munin's plugin P on the tree DIR.
run_fixture() {
	p=$1 dir=$2 arg=$3
	if [ "$p" = vmstat ]; then
		# shellcheck disable=SC2016
		unshare -m sh -c 'mount --bind "$1/stat" /proc/stat &&
		    shift && exec "$@"' sh "$dir" env -i PATH=/usr/bin:/bin \
		    MUNIN_LIBDIR=/usr/share/munin "$PLUGINS/vmstat" ${arg:+"$arg"}
		return
	fi
	sed "s#/proc/#$dir/#g" "$PLUGINS/$p" >"$tmp/fixture/$p"
	chmod +x "$tmp/fixture/$p"
	run_plugin_path "$tmp/fixture/$p" ${arg:+"$arg"}
}

mkdir -p "$tmp/fixture"
compared=0
for dir in "$top_srcdir"/tests/fixtures/proc*; do
	dir=$(cd "$dir" && pwd)
	for p in $ALL; do
		case $p in
		swap) [ -f "$dir/vmstat" ] || [ -f "$dir/stat" ] || continue ;;
		vmstat)
			if ! $bind_ok ||
			    ! grep -q '^procs_running ' "$dir/stat" 2>/dev/null
			then
				continue
			fi ;;
		forks | interrupts) [ -f "$dir/stat" ] || continue ;;
		irqstats) [ -f "$dir/interrupts" ] || continue ;;
		entropy)
			[ -f "$dir/sys/kernel/random/entropy_avail" ] ||
			    continue ;;
		uptime) [ -f "$dir/uptime" ] || continue ;;
		esac
		compared=$((compared + 1))
		for arg in config fetch; do
			[ $arg = fetch ] && a= || a=config
			run_fixture "$p" "$dir" "$a" 2>"$tmp/err" | norm \
			    >"$tmp/want" ||
			    { echo "FAIL: Munin's $p $arg on $dir failed";
				cat "$tmp/err"; rc=1; }
			"$DUMP" "$dir" "$p" ${a:+"$a"} | norm >"$tmp/got" ||
			    { echo "FAIL: node_dump $p $arg on $dir failed"; rc=1; }
			if [ ! -s "$tmp/want" ]; then
				echo "FAIL: $p $arg on $dir: Munin printed nothing"
				rc=1
			elif ! cmp -s "$tmp/want" "$tmp/got"; then
				echo "FAIL: $p $arg on $dir (< munin, > drover):"
				diff "$tmp/want" "$tmp/got"
				rc=1
			fi
		done
	done
done
[ $compared -ge 7 ] || fail "only $compared plugin/tree pairs compared"
[ $rc -eq 0 ] || fail "drover's kernel probes differ from Munin's plugins"
echo "PASS: $compared plugin/tree pairs match Munin's plugins exactly"
