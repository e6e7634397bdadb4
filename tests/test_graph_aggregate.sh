#!/bin/bash
# Munin compatibility of aggregate graphs: a virtual host of munin.conf
# ("update no", services made of config lines only) drawn by the real
# munin-graph 2.0.73 (--debug, as user munin) from the RRD files of two
# real hosts, and by drover from the same munin.conf and files
# (tests/graph_argv --conf: drover's conf, its catalog filled from the
# datafile, collector/unpolled, catalog/cat_ref, graph_build).  The
# argument vectors must be equal but for what differs by design (the
# picture file, --lazy, --start/--end times; see
# tests/test_graph_munin_compat.sh).  Graphs: .sum of one field across
# two hosts; .sum of both directions of a network graph with .negative
# (Munin's documented example); .stack of two hosts; graph_order aliases
# host:plugin.field and group;host:plugin.field with a negative and a
# cdef; a cdef over aliases (the average of two hosts); an alias of the
# virtual host's own plugin.field ("name=plugin.field" on a real host).
# KEEP_TMP=1 keeps the work directory.
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

chmod 755 "$T"
mkdir -p "$T/db" "$T/run" "$T/log" "$T/www"
cat > "$T/munin.conf" <<CONF
dbdir $T/db
htmldir $T/www
rundir $T/run
logdir $T/log
tmpldir /etc/munin/templates
[grp;host1]
    address 127.0.0.1
    # an alias of this host's own plugin.field
    load_self.graph_title Own load
    load_self.graph_order mine=load.load
[grp;host2]
    address 127.0.0.1
[grp;agg]
    update no
    # .sum across two hosts
    load_sum.graph_title Total load
    load_sum.graph_args --base 1000 -l 0
    load_sum.graph_vlabel load
    load_sum.total.label total
    load_sum.total.sum host1:load.load host2:load.load
    # .sum both ways, negative (the example of Munin's documentation)
    traffic.graph_title Traffic of both
    traffic.graph_args --base 1000
    traffic.graph_vlabel bits in (-) / out (+) per \${graph_period}
    traffic.graph_order down up
    traffic.down.label received
    traffic.down.type DERIVE
    traffic.down.graph no
    traffic.down.cdef down,8,*
    traffic.down.sum host1:if_lo.down host2:if_lo.down
    traffic.up.label bps
    traffic.up.type DERIVE
    traffic.up.negative down
    traffic.up.cdef up,8,*
    traffic.up.sum host1:if_lo.up host2:if_lo.up
    # .stack of two hosts
    load_stack.graph_title Stacked load
    load_stack.graph_args --base 1000 -l 0
    load_stack.load.label load
    load_stack.load.draw AREA
    load_stack.load.stack one=host1:load.load two=grp;host2:load.load
    # aliases across hosts, a negative and cdefs over them
    if_both.graph_title Traffic side by side
    if_both.graph_args --base 1000
    if_both.graph_order d1=host1:if_lo.down u1=host1:if_lo.up d2=grp;host2:if_lo.down u2=grp;host2:if_lo.up
    if_both.d1.graph no
    if_both.d1.cdef d1,8,*
    if_both.u1.label host1
    if_both.u1.negative d1
    if_both.u1.cdef u1,8,*
    if_both.d2.graph no
    if_both.u2.label host2
    if_both.u2.negative d2
    # a cdef over aliases: the average of two hosts (the third alias
    # only gives the field a file, as Munin's documentation does)
    load_avg.graph_title Average load
    load_avg.graph_order a=host1:load.load b=host2:load.load avg=host2:load.load
    load_avg.a.graph no
    load_avg.b.graph no
    load_avg.avg.label average
    load_avg.avg.cdef a,b,+,2,/
CONF

NOW=$(date +%s)
TS=$((NOW / 300 * 300 - 600))
echo "version 2.0.73" > "$T/db/datafile"
for h in host1 host2; do
	for g in load if_lo; do
		sed '/^\.$/d; /^#/d' "$FIX/$g.conf" | sed "s/^/grp;$h:$g./" >> "$T/db/datafile"
		for f in $(sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)\.label .*/\1/p' "$FIX/$g.conf"); do
			type=$(sed -n "s/^$f\.type //p" "$FIX/$g.conf"); type=${type:-GAUGE}
			"$MKFILE" "$T/db" grp "$h" "$g" "$f" "$type" "" "" "$TS" 1 >/dev/null ||
			    fail "rrd_mkfile $h $g.$f"
		done
	done
done
GRAPHS="agg:load_sum agg:traffic agg:load_stack agg:if_both agg:load_avg host1:load_self"
: > "$T/db/graphs"
for hg in $GRAPHS; do
	echo "/grp/${hg%%:*}/${hg#*:}-day.png" >> "$T/db/graphs"
done
chown -R munin "$T/db" "$T/run" "$T/log" "$T/www"
runuser -u munin -- sh -c "/usr/share/munin/munin-datafile2storable '$T/db/datafile' > '$T/run/ds'" &&
    mv "$T/run/ds" "$T/db/datafile.storable" || fail "datafile2storable"
runuser -u munin -- env TZ=UTC "$GRAPH" --config "$T/munin.conf" --debug >"$T/graph.log" 2>&1 ||
    fail "munin-graph: $(tail -20 "$T/graph.log")"
grep -q "ERROR" "$T/graph.log" && note "munin-graph logged: $(grep ERROR "$T/graph.log" | head -3)"

# munin-graph's vectors, one argument per line (as the other test does),
# named HOST.SERVICE.munin
$PY - "$T" <<'PY' || fail "cannot split munin-graph's log"
import re, sys, os
t = sys.argv[1]
text = open(t + "/graph.log", encoding="utf-8", errors="replace").read()
for m in re.finditer(r"rrdtool 'graph' ((?:[^\n]* \\\n)*[^\n]*)", text):
    args = re.findall(r"'(.*?)'(?: \\\n\t|$)", m.group(1), re.S)
    host = os.path.basename(os.path.dirname(args[0]))
    base = os.path.basename(args[0])[:-len(".png")]
    name, period = base.rsplit("-", 1)
    if period != "day":
        continue
    out = ["-"]
    i = 1
    while i < len(args):
        a = args[i]
        if a == "--lazy":
            i += 1; continue
        out.append(a)
        if a in ("--start", "--end"):
            out.append("TIME"); i += 2; continue
        i += 1
    open("%s/%s.%s.munin" % (t, host, name), "w").write("\n".join(out) + "\n")
PY

bad=0
for hg in $GRAPHS; do
	h=${hg%%:*} g=${hg#*:}
	if [ ! -f "$T/$h.$g.munin" ]; then
		echo "FAIL: munin-graph drew no $h/$g"; bad=1; continue
	fi
	"$ARGV" --conf "$T/munin.conf" "$h" "$g" day "$NOW" >"$T/$h.$g.raw" 2>"$T/$h.$g.err" ||
	    { echo "FAIL: graph_argv $h $g: $(cat "$T/$h.$g.err")"; bad=1; continue; }
	# rrdtool takes drover's vector (munin-graph's traffic it refuses)
	mapfile -t args < "$T/$h.$g.raw"
	rrdtool graph "$T/$h.$g.png" "${args[@]:2}" >/dev/null 2>"$T/$h.$g.rrderr" ||
	    { echo "FAIL: rrdtool refuses drover's $h/$g: $(cat "$T/$h.$g.rrderr")"; bad=1; }
	# by design: a negative that is a .sum is drawn from the sum's DEF
	# names (cdefz1_1), where munin-graph names the last member's raw
	# DEF and an undefined "cz1_1", and rrdtool refuses its graph
	if [ "$g" = traffic ]; then
		grep -q "undefined vname cz1_1" "$T/graph.log" ||
		    note "munin-graph drew traffic: the departure may be moot"
		sed -i -E '/^(GPRINT:|CDEF:re_zero=|CDEF:ngz1_1=|LINE1:ngz1_1)/s/([ciga])z1_1/\1cdefz1_1/g' "$T/$h.$g.munin"
	fi
	tail -n +2 "$T/$h.$g.raw" | awk 'skip { print "TIME"; skip = 0; next }
	    { print } /^--(start|end)$/ { skip = 1 }' > "$T/$h.$g.drover"
	if cmp -s "$T/$h.$g.munin" "$T/$h.$g.drover"; then
		echo "ok: $h/$g ($(wc -l < "$T/$h.$g.drover") arguments equal to munin-graph's)"
	else
		echo "FAIL: $h/$g differs from munin-graph (< munin, > drover)"
		diff "$T/$h.$g.munin" "$T/$h.$g.drover"; bad=1
	fi
done
# the files read are the real hosts' (no copies), and .sum/.stack end a
# step earlier than a plain graph
grep -q "DEF:gz1_1=$T/db/grp/host2-load-load-g.rrd:42:AVERAGE" "$T/agg.load_sum.drover" ||
    { echo "FAIL: load_sum does not read host2's file"; bad=1; }
[ -z "$(ls "$T/db/grp" | grep '^agg-')" ] || { echo "FAIL: files made for agg"; bad=1; }
e_sum=$(sed -n '/^--end$/{n;p}' "$T/agg.load_sum.raw")
e_alias=$(sed -n '/^--end$/{n;p}' "$T/agg.if_both.raw")
[ "$e_sum" = $((e_alias - 300)) ] ||
    { echo "FAIL: --end of a .sum $e_sum, of a plain graph $e_alias"; bad=1; }
[ $bad = 0 ] || fail "drover's aggregate graph arguments differ from munin-graph's"
echo "PASS: aggregate graph arguments equal to munin-graph's"
