#!/bin/bash
# RRD updates through a real rrdcached (rrdcached_socket): while drover
# runs, the updates sit in the daemon's cache (its write delay is an hour)
# and the files on disk are untouched; on SIGTERM drover flushes them and
# the files hold the values.  A missing socket is reported, not fatal.
. "$top_srcdir/tests/lib/common.sh"

command -v rrdcached >/dev/null || skip "rrdcached is not installed"
mkdir -p "$T/db" "$T/journal"
start_bg "$T/rrdcached.log" rrdcached -g -l "unix:$T/rrdcached.sock" \
	-b "$T/db" -j "$T/journal" -w 3600 -f 7200 -p "$T/rrdcached.pid"
wait_for_file "$T/rrdcached.pid" 10 || fail "rrdcached did not start"
for i in $(seq 50); do [ -S "$T/rrdcached.sock" ] && break; sleep 0.1; done

cat >"$T/drover.conf" <<CONF
dbdir $T/db
rrdcached_socket unix:$T/rrdcached.sock
interval 2
local_node yes
listen 127.0.0.1:0
state_dir $T/state
graph_cache $T/graphs
CONF
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
for i in $(seq 100); do
	f=$(ls "$T"/db/*/*-load-load-g.rrd 2>/dev/null | head -1)
	[ -n "$f" ] && break
	sleep 0.1
done
[ -n "$f" ] || fail "no load RRD created: $(cat "$T/drover.log")"
sleep 5   # two or three more updates, all held by rrdcached
before=$(rrdtool info "$f" | awk '/^last_update/ {print $3}')
note "before stop: file last_update $before (the creation time: updates are cached)"
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
after=$(rrdtool info "$f" | awk '/^last_update/ {print $3}')
note "after stop: file last_update $after"
[ "$after" -gt "$before" ] || fail "flush on stop did not reach the file ($before -> $after)"
rrdtool fetch "$f" AVERAGE -s -300 | awk 'NF == 2 && $2 !~ /nan/ {found = 1} END {exit !found}' ||
	note "(no consolidated point yet: step 300 > run time; last_update suffices)"
warnings "$T/drover.log" | grep -q . && fail "warnings: $(warnings "$T/drover.log")"

# a socket that does not exist: errors are reported, drover keeps running
sed -i "s|^rrdcached_socket .*|rrdcached_socket unix:$T/nowhere.sock|" "$T/drover.conf"
rm -rf "$T/db"/*
start_bg "$T/drover2.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
sleep 4
kill -0 "$DPID" || fail "drover died without rrdcached"
stop_pid "$DPID"
grep -q "rrd.*nowhere.sock\|rrdcached" "$T/drover2.log" || fail "missing rrdcached not reported: $(cat "$T/drover2.log")"
[ "$(warnings "$T/drover2.log" | wc -l)" -le 3 ] || fail "error storm: $(warnings "$T/drover2.log" | wc -l) warnings"
echo "PASS: rrdcached"
