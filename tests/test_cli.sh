#!/bin/bash
# The command line: --version/--help, "drover config" (normalised output
# and exit 0, or every error with file and line and exit 1), and "drover
# run" reloading on SIGHUP (a bad new config keeps the old one running, a
# good one adds hosts without losing state) and stopping on SIGTERM.
. "$top_srcdir/tests/lib/common.sh"

"$DROVER" --version | grep -qE '^drover [0-9]+\.[0-9]+' || fail "--version"
"$DROVER" --help | grep -q 'drover run -c FILE' || fail "--help"
"$DROVER" frobnicate -c x >/dev/null 2>&1 && fail "unknown command accepted"

# the embedded default: the built-in node source on this machine
"$DROVER" config -c "$top_srcdir/conf/drover.conf" >"$T/out" || fail "embedded default rejected"
grep -q "# built-in node source" "$T/out" || fail "no local target in the default"
"$DROVER" poll -c "$top_srcdir/conf/drover.conf" "$(hostname)" >"$T/out" ||
	fail "poll of the local host failed"
for s in cpu load memory; do
	grep -q "^$s  (" "$T/out" || fail "local poll lacks $s: $(cat "$T/out")"
done
grep -qE '^  user +[0-9.e+]+ +DERIVE +user' "$T/out" || fail "cpu user value"
# procfs_root points the node source at another /proc (the fixture's
# cpu user is 4711 jiffies)
printf 'procfs_root %s\nsysfs_root %s\n' "$top_srcdir/tests/fixtures/proc" \
	"$T/nosys" >"$T/roots.conf"
"$DROVER" poll -c "$T/roots.conf" "$(hostname)" >"$T/out" ||
	fail "poll with procfs_root failed"
grep -qE '^  user +4711 +DERIVE +user' "$T/out" ||
	fail "procfs_root not read: $(cat "$T/out")"

cat >"$T/good.conf" <<CONF
dbdir $T/db
interval 5
graph_strategy cgi
local_node no
listen 127.0.0.1:0
state_dir $T/state
graph_cache $T/graphs
[lab;a.example]
    address 127.0.0.1
    physical hv1
    load.load.warning 5
CONF
"$DROVER" config -c "$T/good.conf" >"$T/out" 2>"$T/err" || fail "good config rejected: $(cat "$T/err")"
grep -qx '\[lab;a.example\]' "$T/out" || fail "normalised host section missing"
grep -qx '    physical hv1' "$T/out" || fail "physical missing"
grep -qx 'interval 5' "$T/out" || fail "interval missing"
grep -q 'graph_strategy.*drover does not use' "$T/err" || fail "ignored key not reported"

cat >"$T/bad.conf" <<CONF
interval often
[h1]
    address 127.0.0.1
    colour blue
    frobnicate yes
CONF
"$DROVER" config -c "$T/bad.conf" >"$T/out" 2>"$T/err" && fail "bad config accepted"
grep -q "bad.conf:1: interval must be a number" "$T/err" || fail "line 1 error: $(cat "$T/err")"
grep -q 'bad.conf:5: unknown keyword "frobnicate" in host section: "frobnicate yes"' "$T/err" ||
	fail "line 5 error: $(cat "$T/err")"
grep -q "2 errors, not used" "$T/err" || fail "error count"
"$DROVER" run -c "$T/bad.conf" >/dev/null 2>&1 && fail "run started on a bad config"

# a webhook token file others may read: "config" refuses it as "run"
# does, with run's message, once
printf 's3cret\n' >"$T/token"
chmod 644 "$T/token"
{ echo "contact.ops.webhook http://127.0.0.1:9/"
  echo "contact.ops.webhook_token_file $T/token"; cat "$T/good.conf"; } >"$T/token.conf"
TOKMSG="warning: notify: contact ops webhook_token_file: $T/token is readable by group or others (mode 0644); refusing it: chmod 600 $T/token"
"$DROVER" config -c "$T/token.conf" >"$T/out" 2>"$T/err" && fail "config accepted a 0644 token file"
[ "$(grep -cF "$TOKMSG" "$T/err")" = 1 ] || fail "config: want the message once: $(cat "$T/err")"
[ -s "$T/out" ] && fail "config printed a config it refuses: $(cat "$T/out")"
"$DROVER" run -c "$T/token.conf" >"$T/out" 2>"$T/err" && fail "run started with a 0644 token file"
[ "$(grep -cF "$TOKMSG" "$T/out" "$T/err" | awk -F: '{n += $NF} END {print n}')" = 1 ] ||
	fail "run: want the message once: $(cat "$T/out" "$T/err")"
chmod 600 "$T/token"
"$DROVER" config -c "$T/token.conf" >"$T/out" 2>"$T/err" || fail "config refused a 0600 token file: $(cat "$T/err")"
grep -q "^contact.ops.webhook_token_file $T/token" "$T/out" || fail "token file not printed: $(cat "$T/out")"

# run, then reload with a bad config, then with a good one; each reload
# is awaited through its own log line (the start-up line "drover VERSION:
# N hosts, ..." comes after the SIGHUP handler is installed)
cp "$T/good.conf" "$T/live.conf"
start_bg "$T/run.log" "$DROVER" run -c "$T/live.conf"
DPID=$LAST_PID
wait_log "$T/run.log" "drover [0-9][^:]*: 1 hosts, interval 5 s" 60 || fail "drover did not start: $(cat "$T/run.log")"
cp "$T/bad.conf" "$T/live.conf"
kill -HUP "$DPID"
wait_log "$T/run.log" "has errors; keeping the running config" 60 ||
	fail "bad reload not reported: $(cat "$T/run.log")"
kill -0 "$DPID" || fail "drover died on a bad reload"
grep -q "config reloaded" "$T/run.log" && fail "a bad config was loaded: $(cat "$T/run.log")"
cp "$T/good.conf" "$T/live.conf"
printf '[lab;b.example]\n    address 127.0.0.1\n' >>"$T/live.conf"
kill -HUP "$DPID"
wait_log "$T/run.log" "config reloaded, " 60 || fail "good reload not done: $(cat "$T/run.log")"
grep -q "config reloaded, 2 hosts" "$T/run.log" || fail "good reload: $(cat "$T/run.log")"
[ "$(grep -c "SIGHUP, reloading" "$T/run.log")" -eq 2 ] || fail "two SIGHUPs, not two reloads: $(cat "$T/run.log")"
# a reload whose token file others may read keeps the old page settings
chmod 644 "$T/token"
cp "$T/token.conf" "$T/live.conf"
kill -HUP "$DPID"
wait_log "$T/run.log" "the new page settings are refused" 60 ||
	fail "a 0644 token file was not refused on reload: $(cat "$T/run.log")"
grep -qF "$TOKMSG" "$T/run.log" || fail "reload: no reason given: $(cat "$T/run.log")"
kill -0 "$DPID" || fail "drover died on a reload with a bad token file"
stop_pid "$DPID" || fail "drover did not stop cleanly"
grep -q "stopped;" "$T/run.log" || fail "no clean stop message"
echo "PASS: command line"
