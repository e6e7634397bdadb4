#!/bin/bash
# Munin compatibility of graphs: the real munin-graph 2.0.73 (--debug)
# draws day, week, month and year graphs of every service in
# tests/fixtures/graph: cpu, if_lo,
# df, requests (DERIVE/COUNTER per minute with cdef, AREASTACK, COLOURn,
# line, graph_total, graph_printf), load, every core plugin of Debian's
# munin-plugins-core that gives a config here (captured with munin-run),
# and munin.conf feature cases (feature_*: a line and a warning for the
# whole graph, colour and draw inherited, graph_sums, graph_future,
# trend, predict, graph_args_after), from RRD files made by drover's
# writer and a datafile written as munin-update writes it, and prints the
# rrdtool command line it runs.  drover's graph_build() must produce the
# same arguments, except for what differs by design: the picture file
# ("-": drover renders to memory), --lazy, and --start/--end (munin-graph
# passes "-2000m" and the time it ran).  The same services drawn with
# munin-graph's pinpoint (absolute start/end, drover's zoom) must match
# with no exception but the picture file, and drover's vector through
# rrdtool must give munin-graph's PNG byte for byte.  A "graph no"
# service (apt, yum) is drawn by neither.  With
# GOLDEN_UPDATE=1 munin-graph's own vectors (times replaced by TIME) are
# written to the tests/fixtures/graph/NAME.day.argv there are, for
# tests/test_graph.c.  munin-graph
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
need rrdtool rrdtool
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
# files updated 300-599 s before NOW: fresh (< 900 s) for munin-graph too,
# which runs a while later
TS=$((NOW / 300 * 300 - 300))
PSTART=$((NOW - 7 * 3600)) PEND=$((NOW - 3600))
# cpu, if_lo, df, requests, load, then every core plugin of Debian's
# munin-plugins-core that gives a config here (each one's "munin-run
# PLUGIN config", captured into tests/fixtures/graph/PLUGIN.conf, the
# name sanitised as munin-update does: ip_127.0.0.1 is ip_127_0_0_1; a
# multigraph plugin's services, run with MUNIN_CAP_MULTIGRAPH=1, one file
# each: diskstats_latency.vda.conf; wildcards as lo, vda, sshd, 22, ...)
GRAPHS="cpu if_lo df requests load"
for f in "$FIX"/*.conf; do
	g=$(basename "$f" .conf)
	case " $GRAPHS " in *" $g "*) ;; *) GRAPHS="$GRAPHS $g" ;; esac
done
# A "config" reply as munin-update stores it in the datafile
# (Munin::Master::Node::parse_service_config, munin_writeconfig): names
# sanitised, a graph attribute's first value kept, a field's last, the
# labelled fields appended to graph_order in config order, '#' escaped.
munin_update_config() {
	$PY - "$1" "$2" <<'PY'
import re, sys
glob, order, ds, dsorder = [], [], {}, []
def san(n):
    return re.sub(r'[^A-Za-z0-9_]', '_', re.sub(r'^[^A-Za-z_]', '_', n))
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.rstrip("\n")
    if not line or line.startswith("#") or line == ".":
        continue
    m = re.match(r'^([^\s.]+)\s+(.+?)\s*$', line)
    if m:
        k = san(m.group(1))
        if k not in [g[0] for g in glob]:
            glob.append([k, m.group(2)])
        continue
    if re.match(r'^([^.]+)\.value\s', line):
        continue
    m = re.match(r'^([^.]+)\.(\S+)\s+(.+?)\s*$', line)
    if m:
        n = san(m.group(1))
        if n not in ds:
            ds[n] = {}
            dsorder.append(n)
        ds[n][m.group(2)] = m.group(3)
        if m.group(2) == "label":
            order.append(n)
if order:
    for g in glob:
        if g[0] == "graph_order":
            g[1] += " " + " ".join(order)
            break
    else:
        glob.append(["graph_order", " ".join(order)])
esc = lambda v: re.sub(r'([^\\])#', r'\1\\#', v)
for k, v in glob:
    print("%s.%s %s" % (sys.argv[2], k, esc(v)))
for n in dsorder:
    for k, v in ds[n].items():
        print("%s.%s.%s %s" % (sys.argv[2], n, k, esc(v)))
PY
}
echo "version 2.0.73" > "$T/datafile"
: > "$T/db/graphs"
for g in $GRAPHS; do
	munin_update_config "$FIX/$g.conf" "grp;host.test:$g" >> "$T/datafile" ||
	    fail "cannot read $g.conf"
	# a multigraph service a.b is drawn as a/b-day.png
	for per in day week month year; do
		echo "/grp/host.test/$(echo "$g" | tr . /)-$per.png" >> "$T/db/graphs"
	done
	# and munin-graph's "pinpoint" (any start/end: drover's zoom)
	echo "/grp/host.test/$(echo "$g" | tr . /)-pinpoint=$PSTART,$PEND.png" >> "$T/db/graphs"
	# one file per field, type from the config
	for f in $(sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)\.[a-z_]* .*/\1/p' "$FIX/$g.conf" | sort -u); do
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
    base = os.path.relpath(args[0], t + "/www/grp/host.test")[:-len(".png")]
    name, period = base.rsplit("-", 1)
    name = name.replace("/", ".")
    pinpoint = period.startswith("pinpoint=")
    name += ".pinpoint" if pinpoint else "" if period == "day" else "." + period
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

bad=0 same=0 pngs=0
for g in $GRAPHS; do
	# "graph no" (apt, yum): munin-graph draws nothing, nor does drover
	if grep -q '^graph no$' "$FIX/$g.conf"; then
		if [ -f "$T/$g.munin" ] || [ -f "$T/$g.pinpoint.munin" ]; then
			echo "FAIL: munin-graph drew $g (graph no)"; bad=1
		elif "$ARGV" "$FIX/$g.conf" "$g" "$T/db" grp host.test day \
		    "$NOW" >/dev/null 2>"$T/$g.err"; then
			echo "FAIL: drover draws $g (graph no)"; bad=1
		elif ! grep -q "graph no" "$T/$g.err"; then
			echo "FAIL: $g: $(cat "$T/$g.err")"; bad=1
		else
			echo "ok: $g (graph no: neither draws it)"
			same=$((same + 1))
		fi
		continue
	fi
	if [ ! -f "$T/$g.munin" ]; then
		echo "FAIL: munin-graph drew no $g"; bad=1; continue
	fi
	# a multigraph parent's children, for its label width
	subs=$(ls "$FIX/$g".*.conf 2>/dev/null)
	"$ARGV" "$FIX/$g.conf" "$g" "$T/db" grp host.test day "$NOW" $subs >"$T/$g.raw" ||
	    { echo "FAIL: graph_argv $g"; bad=1; continue; }
	if [ "${GOLDEN_UPDATE:-0}" = 1 ] && [ -f "$FIX/$g.day.argv" ]; then
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
	# week, month, year: their --start and "by" titles
	for per in week month year; do
		"$ARGV" "$FIX/$g.conf" "$g" "$T/db" grp host.test $per "$NOW" $subs |
		    tail -n +2 | awk 'skip { print "TIME"; skip = 0; next }
		    { print } /^--(start|end)$/ { skip = 1 }' > "$T/$g.$per.drover" ||
		    { echo "FAIL: graph_argv $g $per"; bad=1; continue; }
		cmp -s "$T/$g.$per.munin" "$T/$g.$per.drover" || {
			echo "FAIL: $g by $per differs (< munin, > drover)"
			diff "$T/$g.$per.munin" "$T/$g.$per.drover"; bad=1; }
	done
	# pinpoint: absolute --start/--end and the "from .. to .." title
	if [ ! -f "$T/$g.pinpoint.munin" ]; then
		echo "FAIL: munin-graph drew no $g pinpoint"; bad=1; continue
	fi
	"$ARGV" "$FIX/$g.conf" "$g" "$T/db" grp host.test "$PSTART,$PEND" \
	    "$NOW" $subs | tail -n +2 >"$T/$g.pinpoint.drover" ||
	    { echo "FAIL: graph_argv $g pinpoint"; bad=1; continue; }
	if cmp -s "$T/$g.pinpoint.munin" "$T/$g.pinpoint.drover"; then
		echo "ok: $g pinpoint ($(wc -l < "$T/$g.pinpoint.drover") arguments equal)"
		cmp -s "$T/$g.munin" "$T/$g.drover" && same=$((same + 1))
		# and the picture: drover's vector through rrdtool (the same
		# librrd) gives munin-graph's PNG byte for byte
		mpng="$T/www/grp/host.test/$(echo "$g" | tr . /)-pinpoint=$PSTART,$PEND.png"
		if [ -f "$mpng" ]; then
			(echo graph; cat "$T/$g.pinpoint.drover") | tr '\n' '\0' |
			    (cd "$T" && xargs -0 rrdtool) > "$T/$g.pinpoint.png" 2>"$T/$g.render.err" ||
			    { echo "FAIL: $g: rrdtool refuses drover's vector: $(cat "$T/$g.render.err")"; bad=1; }
			if cmp -s "$mpng" "$T/$g.pinpoint.png"; then
				pngs=$((pngs + 1))
			else
				echo "FAIL: $g pinpoint: the PNG differs from munin-graph's"; bad=1
			fi
		fi
	else
		echo "FAIL: $g pinpoint differs (< munin, > drover)"
		diff "$T/$g.pinpoint.munin" "$T/$g.pinpoint.drover"; bad=1
	fi
done
echo "$same of $(echo $GRAPHS | wc -w) services drawn as munin-graph draws them; $pngs pinpoint PNGs equal to munin-graph's"
[ $bad = 0 ] || fail "drover's graph arguments differ from munin-graph's"
echo "PASS: graph arguments equal to munin-graph's"
