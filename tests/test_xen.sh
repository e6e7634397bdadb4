#!/bin/bash
# test_xen: the xen probe (plugins/host_xen.c) through a running `drover
# node`, with fake xentop and xl scripts (xentop_command, xl_command)
# printing captured output (tests/fixtures/xen): there is no Xen here.
#  - the domains show with their figures, Domain-0 in the graphs but not
#    in xen_state, the guest at state 1;
#  - the guest disappears from xentop's output: still listed, state 0,
#    figures U, without restarting drover node;
#  - xentop hangs: it is killed at probe_command_timeout, xen's figures
#    and states are U, and the other probes answer meanwhile;
#  - node_dump (its blocking refresh) shows the same, and a xentop that
#    never answers ends at -T with nothing shown.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail

LINES="$top_srcdir/tests/lib/node_lines.py"
FIX="$top_srcdir/tests/fixtures/xen"
need "$PY" python3
grep -q '^XENSTAT_LIBS = .' "$top_builddir/Makefile" 2>/dev/null &&
	skip "built --with-xenstat: the probe reads libxenstat, not xentop"

cp "$FIX/xentop-4.9.2.txt" "$T/top.txt"
cp "$FIX/xl-list-4.17.json" "$T/xl.json"
cat >"$T/xentop" <<SH
#!/bin/sh
[ -e "$T/hang" ] && exec sleep 60
[ "\$*" = "-b -i 1 -f" ] || { echo "xentop: bad args \$*" >&2; exit 2; }
exec cat "$T/top.txt"
SH
cat >"$T/xl" <<SH
#!/bin/sh
[ "\$*" = "list -l" ] || exit 2
exec cat "$T/xl.json"
SH
chmod +x "$T/xentop" "$T/xl"

NPORT=$(free_port 127.0.0.1)
mkdir "$T/no-plugins"
cat >"$T/node.conf" <<CONF
node_listen 127.0.0.1:$NPORT
node_host_name xen.test
user root
node_plugin_dir $T/no-plugins
xentop_command $T/xentop
xl_command $T/xl
probe_command_timeout 2
CONF
start_bg "$T/node.log" "$DROVER" node -c "$T/node.conf"
NODE_PID=$LAST_PID
wait_log "$T/node.log" "node: xen.test on 127.0.0.1:$NPORT" 30 ||
	fail "drover node did not start: $(cat "$T/node.log")"

fetch() { # fetch OUT [PLUGIN]
	$PY "$LINES" 127.0.0.1 "$NPORT" "cap multigraph" "fetch ${2:-xen}" \
	    quit >"$1"
}
value() { # value FILE SERVICE FIELD
	awk -v s="multigraph $2" -v f="$3.value" \
	    '$0 == s { on = 1; next } /^multigraph / { on = 0 }
	     on && $1 == f { print $2 }' "$1"
}
state_is() { # state_is VALUE: guest-01's xen_state
	fetch "$T/f" && [ "$(value "$T/f" xen_state guest_01)" = "$1" ]
}

wait_until 30 state_is 1 || fail "guest-01 not shown running: $(cat "$T/f")"
for check in "xen_cpu guest_01 700" "xen_cpu Domain_0 63200" \
    "xen_memory guest_01 1073741824" "xen_vcpus Domain_0 8" \
    "xen_net guest_01_rx 115712" "xen_net guest_01_tx 34816" \
    "xen_disk guest_01_read 57349120" "xen_disk_ops guest_01_wrreq 1077"; do
	set -- $check
	[ "$(value "$T/f" "$1" "$2")" = "$3" ] ||
		fail "$1 $2: '$(value "$T/f" "$1" "$2")', want $3: $(cat "$T/f")"
done
[ -z "$(value "$T/f" xen_state Domain_0)" ] ||
	fail "Domain-0 in xen_state: $(cat "$T/f")"
$PY "$LINES" 127.0.0.1 "$NPORT" "cap multigraph" "config xen" quit \
    >"$T/config" || fail "config xen failed"
grep -qx "guest_01.label guest-01" "$T/config" ||
	fail "no label guest-01: $(cat "$T/config")"
$PY "$LINES" 127.0.0.1 "$NPORT" list quit >"$T/list" || fail "list failed"
grep -qw xen "$T/list" || fail "xen not listed: $(cat "$T/list")"

# the guest is gone
head -n 2 "$FIX/xentop-4.9.2.txt" >"$T/top.new" && mv "$T/top.new" "$T/top.txt"
wait_until 30 state_is 0 || fail "guest-01 not shown gone: $(cat "$T/f")"
[ "$(value "$T/f" xen_cpu guest_01)" = U ] ||
	fail "cpu of a gone guest: $(value "$T/f" xen_cpu guest_01)"
[ "$(value "$T/f" xen_vcpus Domain_0)" = 8 ] || fail "dom0 lost: $(cat "$T/f")"

# xentop hangs: timed out, U; the other probes still answer
touch "$T/hang"
wait_until 30 state_is U || fail "hanging xentop not shown U: $(cat "$T/f")"
START=$(date +%s%N)
fetch "$T/load" load || fail "fetch load failed while xentop hangs"
MS=$((($(date +%s%N) - START) / 1000000))
grep -q '^load.value [0-9]' "$T/load" || fail "no load: $(cat "$T/load")"
note "fetch load took $MS ms while xentop hangs (timeout 2 s)"
[ "$MS" -lt 5000 ] || fail "fetch load waited $MS ms for a hanging xentop"
grep -q "xen: xentop timed out" "$T/node.log" ||
	fail "the timeout was not logged: $(cat "$T/node.log")"
[ "$(grep -c 'xen: xentop timed out' "$T/node.log")" = 1 ] ||
	fail "the timeout was logged more than once: $(cat "$T/node.log")"
rm "$T/hang"
wait_until 30 state_is 0 || fail "xen did not recover: $(cat "$T/f")"
stop_pid "$NODE_PID" || fail "drover node exited with status $?"

# the same through node_dump's blocking refresh (-X, -x, -T)
DUMP="$top_builddir/tests/node_dump"
cp "$FIX/xentop-4.9.2.txt" "$T/top.txt"
"$DUMP" -X "$T/xentop" -x "$T/xl" -T 2000 /proc xen >"$T/dump" ||
	fail "node_dump xen failed: $(cat "$T/dump")"
[ "$(value "$T/dump" xen_state guest_01)" = 1 ] ||
	fail "node_dump: guest-01 not running: $(cat "$T/dump")"
[ "$(value "$T/dump" xen_cpu guest_01)" = 700 ] ||
	fail "node_dump: cpu: $(cat "$T/dump")"
touch "$T/hang"
START=$(date +%s%N)
"$DUMP" -X "$T/xentop" -x "$T/xl" -T 500 /proc xen >"$T/dump" 2>"$T/dump.err" ||
	fail "node_dump xen with a hanging xentop failed: $(cat "$T/dump.err")"
MS=$((($(date +%s%N) - START) / 1000000))
note "node_dump with a hanging xentop: $MS ms (timeout 500 ms)"
[ "$MS" -lt 5000 ] || fail "node_dump waited $MS ms for a hanging xentop"
[ ! -s "$T/dump" ] || fail "a xentop that never answered shows: $(cat "$T/dump")"
echo "PASS: test_xen"
