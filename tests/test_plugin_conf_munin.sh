#!/bin/bash
# test_plugin_conf_munin: plugins/plugin_conf against munin-node's own
# Munin::Node::Config.  For a fixture plugin-conf.d (file order, later
# files overriding, exact and wildcard sections, "\#", ignored file names,
# the errors that skip the rest of a file) and for Debian's shipped
# /etc/munin/plugin-conf.d/munin-node, both resolve the settings of the
# same plugin names; the printed settings must be identical, and both
# must report errors on the same files and lines.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail

need perl perl
need /usr/sbin/munin-run munin-node
[ -f /etc/munin/plugin-conf.d/munin-node ] ||
    fail "/etc/munin/plugin-conf.d/munin-node missing: reinstall munin-node"
DUMP="$top_builddir/tests/plugin_conf_dump"
REF="$top_srcdir/tests/plugin_conf_munin.pl"
[ -x "$DUMP" ] || fail "$DUMP not built"

compare() {
	local dir=$1 tag=$2
	shift 2
	"$DUMP" "$dir" "$@" >"$T/$tag.c" 2>"$T/$tag.c.err" ||
	    fail "$tag: plugin_conf_dump failed: $(cat "$T/$tag.c.err")"
	perl "$REF" "$dir" "$@" >"$T/$tag.munin" 2>"$T/$tag.munin.err" ||
	    fail "$tag: munin's parser failed: $(cat "$T/$tag.munin.err")"
	diff -u "$T/$tag.munin" "$T/$tag.c" ||
	    fail "$tag: settings differ from munin-node's (- munin, + drover)"
	# the same files and lines in error
	sed -n 's/.*plugin_conf: \(.*:[0-9]*\): .*/\1/p' "$T/$tag.c.err" \
	    >"$T/$tag.c.lines"
	sed -n 's/^ at \(.*\) line \([0-9]*\)\. Skipping.*/\1:\2/p' \
	    "$T/$tag.munin.err" >"$T/$tag.munin.lines"
	diff -u "$T/$tag.munin.lines" "$T/$tag.c.lines" ||
	    fail "$tag: errors reported on other lines than munin-node's"
	note "$tag: $(grep -c '^\[' "$T/$tag.c") plugins," \
	    "$(wc -l <"$T/$tag.c.lines") errors, same as munin-node"
}

# the fixture, with the backup files munin-node skips made here (editors'
# leftovers are not kept in git)
FIX=$T/fixture.d
cp -r "$top_srcdir/tests/fixtures/plugin-conf.d" "$FIX"
printf '[uptime]\nenv.ignored bak\n' >"$FIX/50-zz.bak"
printf '[uptime]\nenv.ignored tilde\n' >"$FIX/60-last~"
compare "$FIX" fixture uptime if_eth0 if_err_eth0 if_eth1 ip_pool apt load \
    memory cpu df " weird name " nothing
[ "$(grep -c . "$T/fixture.c.lines")" -eq 3 ] ||
    fail "fixture: expected 3 errors, got $(cat "$T/fixture.c.lines")"

# Debian's file, for every plugin munin-plugins-core ships and every
# section it names (wildcards expanded with a made-up instance)
need /usr/share/munin/plugins/uptime munin-plugins-core
mkdir "$T/debian"
cp /etc/munin/plugin-conf.d/munin-node "$T/debian/"
names=$(ls /usr/share/munin/plugins;
    sed -n 's/^\[\(.*\)\]$/\1/p' "$T/debian/munin-node" | sed 's/\*/x1/')
# shellcheck disable=SC2086
compare "$T/debian" debian $names
