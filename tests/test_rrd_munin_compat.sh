#!/bin/bash
# Munin compatibility: the real munin-update 2.0.73 polls a real munin-node
# and creates RRD files; drover's writer creates the same fields in a second
# dbdir.  File names (relative to dbdir) and the `rrdtool info` structure
# (minus filename, last_update, values, unknown_sec, cur_row, cdp_prep)
# must be equal.  munin-update refuses to run as root, so it runs as user
# munin; munin-node needs root for its private mounts (the README runs the
# tests as root).
. "$top_srcdir/tests/lib/common.sh"
MKFILE=$top_builddir/tests/rrd_mkfile
UPDATE=/usr/share/munin/munin-update
[ "$(id -u)" = 0 ] || fail "needs root (munin-node's private mounts, runuser): run the tests as root"
need "$UPDATE" munin
need /usr/sbin/munin-node munin-node
need rrdtool rrdtool
need runuser util-linux
id munin >/dev/null 2>&1 || fail "no user munin: install the Debian package munin (its postinst adds the user)"
[ -x "$MKFILE" ] || fail "$MKFILE not built"

# munin-update (user munin) works in here
chmod 755 "$T"
PORT=$(free_port 127.0.0.1)
trap '"$top_srcdir/tests/lib/munin_node.sh" stop "$T/node"; cleanup' EXIT

# A private plugin set: real load and cpu, plus a fake plugin covering
# COUNTER/ABSOLUTE, min/max and a multigraph child.
mkdir -p "$T/plugins" "$T/munin/db" "$T/munin/run" "$T/munin/log" "$T/drover"
ln -s /usr/share/munin/plugins/load "$T/plugins/load"
ln -s /usr/share/munin/plugins/cpu "$T/plugins/cpu"
# fast: Munin's graph_data_size custom at update_rate 60, as drover makes
# the local node's files at an interval under 300 s (collector/ingest.c)
FAST_SIZE="custom 2h, 5m for 2d, 30m for 9d, 2h for 45d, 1d for 450d"
cat > "$T/plugins/fake" <<PLUGIN
#!/bin/sh
if [ "\$1" = config ]; then
	echo "multigraph fake"
	echo "graph_title Fake"
	echo "cnt.label cnt"; echo "cnt.type COUNTER"; echo "cnt.min 0"
	echo "cnt.max 1000000"
	echo "abs.label abs"; echo "abs.type ABSOLUTE"
	echo "multigraph fake.sub"
	echo "graph_title Fake sub"
	echo "lat.label lat"; echo "lat.min -5"; echo "lat.max 2.5e3"
	echo "multigraph fast"
	echo "graph_title Fast"
	echo "update_rate 60"
	echo "graph_data_size $FAST_SIZE"
	echo "x.label x"
	exit 0
fi
echo "multigraph fake"; echo "cnt.value 100"; echo "abs.value 7"
echo "multigraph fake.sub"; echo "lat.value 1.5"
echo "multigraph fast"; echo "x.value 3"
PLUGIN
chmod 755 "$T/plugins/fake"
chown munin:munin "$T/munin/db" "$T/munin/run" "$T/munin/log"
cat > "$T/munin/munin.conf" <<CONF
dbdir $T/munin/db
htmldir $T/munin/db
rundir $T/munin/run
logdir $T/munin/log
tmpldir /etc/munin/templates
[grp1;sub;alpha.test]
    address 127.0.0.1
    port $PORT
    use_node_name yes
CONF

PLUGINS="$T/plugins" "$top_srcdir/tests/lib/munin_node.sh" start \
    "$T/node" 127.0.0.1 "$PORT" alpha.test || fail "munin-node did not start"
runuser -u munin -- "$UPDATE" --config_file "$T/munin/munin.conf" \
    --nofork --debug >"$T/update.log" 2>&1 ||
    fail "munin-update: $(tail -20 "$T/update.log")"

bad=0
# service field: one line per file compared
for sf in "load load" "cpu user" "cpu idle" "fake cnt" "fake abs" \
    "fake.sub lat" "fast x"; do
	set -- $sf
	svc=$1 fld=$2 size="" rate=""
	[ "$svc" = fast ] && size=$FAST_SIZE rate=60
	attr() {
		sed -n "s/^grp1;sub;alpha\.test:$(echo "$svc" | sed 's/\./\\./g')\.$fld\.$1 //p" \
		    "$T/munin/db/datafile" | head -1
	}
	type=$(attr type); type=${type:-GAUGE}
	min=$(attr min); max=$(attr max)
	mfile=$(cd "$T/munin/db" && ls grp1/sub/alpha.test-$(echo "$svc" | tr . -)-$fld-*.rrd 2>/dev/null)
	if [ -z "$mfile" ]; then
		echo "FAIL: munin made no file for $svc.$fld"; bad=1; continue
	fi
	ts=$(rrdtool info "$T/munin/db/$mfile" | sed -n 's/^last_update = //p')
	dfile=$("$MKFILE" "$T/drover" grp1/sub alpha.test "$svc" "$fld" \
	    "$type" "$min" "$max" "$ts" 1 "$size" "$rate") || { echo "FAIL: rrd_mkfile $svc.$fld"; bad=1; continue; }
	rel=${dfile#"$T/drover/"}
	if [ "$rel" != "$mfile" ]; then
		echo "FAIL: name $rel != munin's $mfile"; bad=1
	fi
	filter='^filename|^last_update|last_ds|\.value|unknown_sec|cur_row|cdp_prep'
	rrdtool info "$T/munin/db/$mfile" | grep -Ev "$filter" >"$T/m.info"
	rrdtool info "$dfile" | grep -Ev "$filter" >"$T/d.info"
	if ! cmp -s "$T/m.info" "$T/d.info"; then
		echo "FAIL: rrdtool info differs for $mfile"
		diff "$T/m.info" "$T/d.info"; bad=1
	else
		echo "ok: $mfile ($type min=${min:-U} max=${max:-U}," \
		    "$(wc -l <"$T/d.info") info lines equal)"
	fi
done
[ $bad = 0 ] || fail "drover's RRD files differ from munin-update's"
echo "PASS: drover's RRD files match munin-update's"
