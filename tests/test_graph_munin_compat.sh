#!/bin/bash
# Munin compatibility of graphs: the real munin-graph 2.0.73 (--debug)
# draws day graphs of representative services (cpu: stacked areas;
# if_lo: negative and cdef; df: warning lines; requests: DERIVE/COUNTER
# per minute with cdef, AREASTACK, COLOURn, line, graph_total and
# graph_printf; load: one gauge) from RRD files made by drover's writer,
# and prints the rrdtool command line it runs.  drover's graph_build()
# must produce the same arguments, except for what differs by design: the
# picture file ("-": drover renders to memory), --lazy, and --start/--end
# (munin-graph passes "-2000m" and the time it ran).  The same services
# drawn with munin-graph's pinpoint (absolute start/end, drover's zoom)
# must match with no exception but the picture file.  With
# GOLDEN_UPDATE=1 munin-graph's own vectors (times replaced by TIME) are
# written to tests/fixtures/graph/NAME.day.argv for tests/test_graph.c.  munin-graph
# refuses to run as root, so it runs as user munin (the README runs the
# tests as root).  KEEP_TMP=1 keeps the work directory.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail
MKFILE=$top_builddir/tests/rrd_mkfile
ARGV=$top_builddir/tests/graph_argv
GRAPH=/usr/share/munin/munin-graph
FIX=$top_srcdir/tests/fixtures/graph
[ "$(id -u)" = 0 ] || fail "needs root (runuser -u munin): run the tests as root"
need "$GRAPH" munin
need /usr/share/munin/munin-datafile2storable munin
need "$PY" python3
need runuser util-linux
id munin >/dev/null 2>&1 || fail "no user munin: install the Debian package munin (its postinst adds the user)"
[ -x "$MKFILE" ] || fail "$MKFILE not built"
[ -x "$ARGV" ] || fail "$ARGV not built"
export TZ=UTC

# munin-graph (user munin) works in here
chmod 755 "$T"
mkdir -p "$T/db" "$T/run" "$T/log" "$T/www"
cat > "$T/munin.conf" <<CONF
dbdir $T/db
htmldir $T/www
rundir $T/run
logdir $T/log
tmpldir /etc/munin/templates
[grp;host.test]
    address 127.0.0.1
CONF

NOW=$(date +%s)
TS=$((NOW / 300 * 300 - 600))
PSTART=$((NOW - 7 * 3600)) PEND=$((NOW - 3600))
GRAPHS="cpu if_lo df requests load"
echo "version 2.0.73" > "$T/datafile"
: > "$T/db/graphs"
for g in $GRAPHS; do
	sed '/^\.$/d; /^#/d' "$FIX/$g.conf" | sed "s/^/grp;host.test:$g./" >> "$T/datafile"
	echo "/grp/host.test/$g-day.png" >> "$T/db/graphs"
	# and munin-graph's "pinpoint" (any start/end: drover's zoom)
	echo "/grp/host.test/$g-pinpoint=$PSTART,$PEND.png" >> "$T/db/graphs"
	# one file per field, type from the config
	for f in $(sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)\.label .*/\1/p' "$FIX/$g.conf"); do
		type=$(sed -n "s/^$f\.type //p" "$FIX/$g.conf"); type=${type:-GAUGE}
		"$MKFILE" "$T/db" grp host.test "$g" "$f" "$type" "" "" "$TS" 1 >/dev/null ||
		    fail "rrd_mkfile $g.$f"
	done
done
chown -R munin "$T/db" "$T/run" "$T/log" "$T/www"
runuser -u munin -- sh -c "/usr/share/munin/munin-datafile2storable '$T/datafile' > '$T/run/ds'" &&
    mv "$T/run/ds" "$T/db/datafile.storable" || fail "datafile2storable"
runuser -u munin -- env TZ=UTC "$GRAPH" --config "$T/munin.conf" --debug >"$T/graph.log" 2>&1 ||
    fail "munin-graph: $(tail -20 "$T/graph.log")"

# Split munin-graph's "rrdtool 'graph' 'a' \ 'b' ..." into one file per
# graph, one argument per line, normalised.
$PY - "$T" <<'PY' || fail "cannot split munin-graph's log"
import re, sys, os
t = sys.argv[1]
text = open(t + "/graph.log", encoding="utf-8", errors="replace").read()
for m in re.finditer(r"rrdtool 'graph' ((?:[^\n]* \\\n)*[^\n]*)", text):
    args = re.findall(r"'(.*?)'(?: \\\n\t|$)", m.group(1), re.S)
    base = os.path.basename(args[0])[:-len(".png")]
    name, period = base.rsplit("-", 1)
    pinpoint = period.startswith("pinpoint=")
    name += ".pinpoint" if pinpoint else ""
    out = ["-"]
    i = 1
    while i < len(args):
        a = args[i]
        if a == "--lazy":
            i += 1; continue
        out.append(a)
        if a in ("--start", "--end") and not pinpoint:
            out.append("TIME"); i += 2; continue
        i += 1
    open(t + "/" + name + ".munin", "w").write("\n".join(out) + "\n")
PY

bad=0
for g in $GRAPHS; do
	if [ ! -f "$T/$g.munin" ]; then
		echo "FAIL: munin-graph drew no $g"; bad=1; continue
	fi
	"$ARGV" "$FIX/$g.conf" "$g" "$T/db" grp host.test day "$NOW" >"$T/$g.raw" ||
	    { echo "FAIL: graph_argv $g"; bad=1; continue; }
	if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
		sed -e "s#$T/db#DBDIR#g" -e 's/^VRULE:[0-9]*#/VRULE:TIME#/' \
		    -e 's/^COMMENT:Last update.*/COMMENT:Last update TIME/' \
		    "$T/$g.munin" > "$FIX/$g.day.argv"
	fi
	tail -n +2 "$T/$g.raw" | awk 'skip { print "TIME"; skip = 0; next }
	    { print } /^--(start|end)$/ { skip = 1 }' > "$T/$g.drover"
	if cmp -s "$T/$g.munin" "$T/$g.drover"; then
		echo "ok: $g ($(wc -l < "$T/$g.drover") arguments equal to munin-graph's)"
	else
		echo "FAIL: $g differs from munin-graph (< munin, > drover)"
		diff "$T/$g.munin" "$T/$g.drover"; bad=1
	fi
	# pinpoint: absolute --start/--end and the "from .. to .." title
	if [ ! -f "$T/$g.pinpoint.munin" ]; then
		echo "FAIL: munin-graph drew no $g pinpoint"; bad=1; continue
	fi
	"$ARGV" "$FIX/$g.conf" "$g" "$T/db" grp host.test "$PSTART,$PEND" \
	    "$NOW" | tail -n +2 >"$T/$g.pinpoint.drover" ||
	    { echo "FAIL: graph_argv $g pinpoint"; bad=1; continue; }
	if cmp -s "$T/$g.pinpoint.munin" "$T/$g.pinpoint.drover"; then
		echo "ok: $g pinpoint ($(wc -l < "$T/$g.pinpoint.drover") arguments equal)"
	else
		echo "FAIL: $g pinpoint differs (< munin, > drover)"
		diff "$T/$g.pinpoint.munin" "$T/$g.pinpoint.drover"; bad=1
	fi
done
[ $bad = 0 ] || fail "drover's graph arguments differ from munin-graph's"
echo "PASS: graph arguments equal to munin-graph's"
