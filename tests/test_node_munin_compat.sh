#!/bin/sh
# test_node_munin_compat: drover's node source against Munin's own cpu, load
# and memory plugins on this machine's /proc.  For each plugin the set of
# config lines (graph_* and field attributes) must be identical, order
# aside, and a fetch must yield the same set of fields.  Config values are
# compared in full: the only machine-dependent ones (the CPU count in cpu's
# graph_args, MemTotal in memory's) do not change between the two runs.
# Fetched values are not compared, only field names: the two runs read
# /proc at different instants.
#
# Skips (exit 77) when Munin's plugins are not installed.
set -u

: "${top_builddir:=.}"
PLUGINS=${MUNIN_PLUGINS:-/usr/share/munin/plugins}
DUMP="$top_builddir/tests/node_dump"

for p in cpu load memory; do
	if [ ! -x "$PLUGINS/$p" ]; then
		echo "SKIP: $PLUGINS/$p not installed"
		exit 77
	fi
done
if [ ! -x "$DUMP" ]; then
	echo "FAIL: $DUMP not built"
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/node_compat.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT INT TERM

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
	    rc=1
	"$DUMP" /proc "$p" config | norm >"$tmp/$p.drover.config" || rc=1
	if ! cmp -s "$tmp/$p.munin.config" "$tmp/$p.drover.config"; then
		echo "FAIL: $p config differs (< munin, > drover):"
		diff "$tmp/$p.munin.config" "$tmp/$p.drover.config"
		rc=1
	fi

	run_plugin "$p" | drop_ksm | sed -n 's/^\([^ .]*\)\.value .*/\1/p' |
	    LC_ALL=C sort >"$tmp/$p.munin.fields"
	"$DUMP" /proc "$p" | sed -n 's/^\([^ .]*\)\.value .*/\1/p' |
	    LC_ALL=C sort >"$tmp/$p.drover.fields"
	if [ ! -s "$tmp/$p.munin.fields" ]; then
		echo "FAIL: $p fetch printed no values"
		rc=1
	elif ! cmp -s "$tmp/$p.munin.fields" "$tmp/$p.drover.fields"; then
		echo "FAIL: $p fetch fields differ (< munin, > drover):"
		diff "$tmp/$p.munin.fields" "$tmp/$p.drover.fields"
		rc=1
	fi
	# Every fetched value must be a number (Munin's "U" aside).
	if "$DUMP" /proc "$p" |
	    grep -Ev '^[a-z_]+\.value (U|-?[0-9]+(\.[0-9]+)?)$' >"$tmp/bad"; then
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
for dir in "$top_srcdir"/tests/fixtures/proc*; do
	for p in cpu load memory; do
		case $p in
		cpu) file=stat ;;
		load) file=loadavg ;;
		memory) file=meminfo ;;
		esac
		[ -f "$dir/$file" ] || continue
		sed "s#/proc/#$dir/#g" "$PLUGINS/$p" >"$tmp/$p.fixture"
		chmod +x "$tmp/$p.fixture"
		for arg in config fetch; do
			[ $arg = fetch ] && a= || a=config
			run_plugin_path "$tmp/$p.fixture" $a | drop_ksm | norm \
			    >"$tmp/want" || rc=1
			"$DUMP" "$dir" "$p" $a | norm >"$tmp/got" || rc=1
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
[ $rc -eq 0 ] && echo "ok: values on the fixtures match Munin's plugins"
exit $rc
