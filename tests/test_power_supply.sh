#!/bin/bash
# test_power_supply: the /sys/class/power_supply probes (plugins/
# host_power.c) end to end over the fixture trees of tests/fixtures/power:
# "drover poll" of the local host (the built-in node source) with
# sysfs_root at the laptop fixture shows bank_BAT0 with its values in SI
# units and the net current signed by status; "drover node" over the
# board fixture lists the banks and serves config and fetch of
# bank_bq27546_0 (thresholds, temperature, health state) and
# power_supply_online, to a real client session.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail

SESSION="$top_srcdir/tests/lib/node_lines.py"
FIX="$top_srcdir/tests/fixtures/power"
need "$PY" python3

# ---- drover poll: the built-in node source ------------------------------
printf 'procfs_root %s\nsysfs_root %s\n' "$top_srcdir/tests/fixtures/proc" \
	"$FIX/laptop" >"$T/poll.conf"
"$DROVER" poll -c "$T/poll.conf" "$(hostname)" >"$T/poll" 2>"$T/poll.err" ||
	fail "poll failed: $(cat "$T/poll.err")"
grep -q '^bank_BAT0  (Battery BAT0)$' "$T/poll" ||
	fail "no bank_BAT0: $(cat "$T/poll")"
# the bank's lines: from its header to the next service
sed -n '/^bank_BAT0 /,/^[^ ]/p' "$T/poll" >"$T/bank"
for want in 'voltage +11\.955 +GAUGE' 'current +-1\.441 +GAUGE' \
	'power +-17\.227[0-9]* +GAUGE' 'soc +65 +GAUGE' \
	'charger_state +2 +GAUGE' 'online +0 +GAUGE' 'charge_now +2\.31 +GAUGE' \
	'charge_full_design +3\.95 +GAUGE'; do
	grep -qE "^  $want" "$T/bank" || fail "bank_BAT0 lacks /$want/: $(cat "$T/bank")"
done
grep -qE '^  temperature' "$T/bank" && fail "a temperature without temp"
grep -qE '^  AC +0 +GAUGE' "$T/poll" || fail "power_supply_online AC: $(cat "$T/poll")"
grep -q 'power_supply\|bank_' "$T/poll.err" &&
	fail "the probe complained: $(cat "$T/poll.err")"

# ---- drover node: fetch bank_NAME -----------------------------------------
# The node drops root: its roots live in $T, which others may enter.
chmod o+rx "$T"
cp -r "$FIX/board" "$T/sys"
chmod -R o+rX "$T/sys"
mkdir -p "$T/plugins" "$T/conf.d" "$T/state"
PORT=$(free_port 127.0.0.1)
cat >"$T/node.conf" <<CONF
node_listen 127.0.0.1:$PORT
node_host_name power.test
node_plugin_dir $T/plugins
node_plugin_conf_dir $T/conf.d
node_plugin_state $T/state
procfs_root $top_srcdir/tests/fixtures/proc
sysfs_root $T/sys
CONF
: >"$T/node.log"
start_bg "$T/node.log" "$DROVER" node -c "$T/node.conf"
NODE=$LAST_PID
wait_log "$T/node.log" "node: power.test on 127.0.0.1:$PORT" 30 ||
	fail "drover node did not start: $(cat "$T/node.log")"
session() { $PY "$SESSION" 127.0.0.1 "$PORT" "$@"; }

session list >"$T/list" || fail "list"
for p in bank_bq27546_0 power_supply_online; do
	grep -qw "$p" "$T/list" || fail "$p not listed: $(cat "$T/list")"
done
session "config bank_bq27546_0" "fetch bank_bq27546_0" \
	"fetch power_supply_online" "fetch bank_nosuch" quit >"$T/out" ||
	fail "session: $(cat "$T/out")"
for want in 'graph_category power' 'graph_title Battery bq27546-0' \
	'voltage.warning 3.24:' 'voltage.critical 3.12:' 'soc.warning 30:' \
	'soc.critical 15:' 'health.state OK' \
	'voltage.value 3.702' 'current.value -0.512' 'temperature.value 25.1' \
	'soc.value 42' 'runtime.value 8460' 'charger_state.value 2' \
	'health.value 1' 'online.value 0' 'charge_now.value 1.207' \
	'bq25890_charger.value 0'; do
	grep -qxF "$want" "$T/out" || fail "node session lacks \"$want\": $(cat "$T/out")"
done
# power_now cannot be read (a directory in the fixture): derived, not read
grep -qE '^power.value -1\.895424$' "$T/out" || fail "power: $(cat "$T/out")"
grep -q 'bq27546\|power_supply' "$T/node.log" &&
	fail "the probe complained: $(cat "$T/node.log")"
stop_pid "$NODE" || fail "drover node exited $?: $(cat "$T/node.log")"
echo "PASS: power supplies through drover poll and drover node"
