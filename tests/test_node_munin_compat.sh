#!/bin/bash
# test_node_munin_compat: drover's node source against Munin's own cpu, load
# and memory plugins on this machine's /proc.  For each plugin the set of
# config lines (graph_* and field attributes) must be identical, order
# aside, and a fetch must yield the same set of fields.  Config values are
# compared in full: the only machine-dependent ones (the CPU count in cpu's
# graph_args, MemTotal in memory's) do not change between the two runs.
# Fetched values are not compared, only field names: the two runs read
# /proc at different instants.
#
# A plugin or node_dump that fails or crashes is a FAIL, whatever its
# output.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail

PLUGINS=${MUNIN_PLUGINS:-/usr/share/munin/plugins}
DUMP="$top_builddir/tests/node_dump"

for p in cpu load memory; do
	need "$PLUGINS/$p" munin-plugins-core
done
[ -x "$DUMP" ] || fail "$DUMP not built"
tmp=$T

# The environment munin-node gives a plugin, with the defaults of an
# unconfigured [cpu]/[load]/[memory] section: no thresholds, HZ=100, no
# scaleto100, no ignore_fields.  A user's settings must not leak in.
run_plugin_path() {
	path=$1
	shift
	env -i PATH=/usr/bin:/bin MUNIN_LIBDIR=/usr/share/munin \
	    MUNIN_PLUGSTATE="$tmp/state" \
	    MUNIN_STATEFILE="$tmp/state/${path##*/}" \
	    PERL5LIB="${PERL5LIB:-}" "$path" "$@"
}
run_plugin() {
	name=$1
	shift
	run_plugin_path "$PLUGINS/$name" "$@"
}
mkdir -p "$tmp/state"

# Munin's master strips trailing blanks from every line (the memory
# plugin's graph_order ends with one), so both sides are compared that way.
norm() {
	sed -e 's/[[:space:]]*$//' -e '/^$/d' | LC_ALL=C sort
}

# The memory plugin adds ksm_sharing when /sys/kernel/mm/ksm/run is
# non-zero; drover reads only /proc and does not show it (a known gap).
drop_ksm() {
	grep -v '^ksm_sharing\.' || true
}

rc=0
for p in cpu load memory; do
	run_plugin "$p" config | drop_ksm | norm >"$tmp/$p.munin.config" ||
	    { echo "FAIL: Munin's $p config failed"; rc=1; }
	"$DUMP" /proc "$p" config | norm >"$tmp/$p.drover.config" ||
	    { echo "FAIL: node_dump $p config failed"; rc=1; }
	if ! cmp -s "$tmp/$p.munin.config" "$tmp/$p.drover.config"; then
		echo "FAIL: $p config differs (< munin, > drover):"
		diff "$tmp/$p.munin.config" "$tmp/$p.drover.config"
		rc=1
	fi

	# whole outputs first: each program's exit status counts
	run_plugin "$p" | drop_ksm >"$tmp/$p.munin.fetch" ||
	    { echo "FAIL: Munin's $p fetch failed"; rc=1; }
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
	# Every fetched value must be a number (Munin's "U" aside).
	if grep -Ev '^[a-z_]+\.value (U|-?[0-9]+(\.[0-9]+)?)$' \
	    "$tmp/$p.drover.fetch" >"$tmp/bad"; then
		echo "FAIL: $p: malformed value lines:"
		cat "$tmp/bad"
		rc=1
	fi
	[ $rc -eq 0 ] && echo "ok: $p matches Munin's plugin"
done

# Values, exactly: the same plugins pointed at the captured /proc files in
# tests/fixtures (a copy with "/proc/" rewritten to the fixture directory;
# /sys is left alone, so drop_ksm again) against node_dump on that
# directory.  Both read the same bytes, so every line must be identical.
compared=0
for dir in "$top_srcdir"/tests/fixtures/proc*; do
	for p in cpu load memory; do
		case $p in
		cpu) file=stat ;;
		load) file=loadavg ;;
		memory) file=meminfo ;;
		esac
		[ -f "$dir/$file" ] || continue
		compared=$((compared + 1))
		sed "s#/proc/#$dir/#g" "$PLUGINS/$p" >"$tmp/$p.fixture"
		chmod +x "$tmp/$p.fixture"
		for arg in config fetch; do
			[ $arg = fetch ] && a= || a=config
			run_plugin_path "$tmp/$p.fixture" $a | drop_ksm | norm \
			    >"$tmp/want" ||
			    { echo "FAIL: Munin's $p $arg on $dir failed"; rc=1; }
			"$DUMP" "$dir" "$p" $a | norm >"$tmp/got" ||
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
[ $compared -gt 0 ] || fail "no /proc fixtures under $top_srcdir/tests/fixtures"
[ $rc -eq 0 ] || fail "drover's node source differs from Munin's plugins"
echo "PASS: values on the fixtures match Munin's plugins"
