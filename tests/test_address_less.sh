#!/bin/bash
# A host section with no address, as in Munin's own t/config/munin.conf
# and in a group written "[Nodes;MongoDB]" without its ';': Munin accepts
# the file and fails only that node at update time with "No address!  Did
# you forget to set 'update no' or to set 'address <IP>' ?".  drover run
# accepts it with one warning naming file:line, shows the host down with
# exactly Munin's words (API, host page, overview), polls the others
# (the local node here), and never polls it; drover check on it is
# UNKNOWN with the reason (munin-limits reports a field with no value as
# unknown); drover poll on it prints the reason and exits 1.
. "$top_srcdir/tests/lib/common.sh" || exit 99

need curl curl
REASON="No address!  Did you forget to set 'update no' or to set 'address <IP>' ?"
H=$(hostname)
cat >"$T/d.conf" <<CONF
dbdir $T/db
graph_cache $T/gc
interval 2
state_dir $T/state
local_node yes
listen 127.0.0.1:0
[$H]
    use_node_name yes
[testing.acme.com]
    port 24950
[Nodes;MongoDB]
node_order dbs1t1 dbs1t2
[virtual]
    update no
CONF

# drover config: accepted, one warning per address-less host, file:line
"$DROVER" config -c "$T/d.conf" >"$T/config.out" 2>"$T/config.err" ||
	fail "drover config refuses it: $(cat "$T/config.err")"
[ "$(grep -c 'warning' "$T/config.err")" = 2 ] ||
	fail "not two warnings: $(cat "$T/config.err")"
grep -qF "warning: conf: $T/d.conf:9: host testing.acme.com has no address" "$T/config.err" ||
	fail "no warning naming d.conf:9: $(cat "$T/config.err")"
grep -qF "conf: $T/d.conf:11: host MongoDB has no address" "$T/config.err" ||
	fail "no warning naming d.conf:11: $(cat "$T/config.err")"
grep -qF "$REASON" "$T/config.err" || fail "not Munin's words: $(cat "$T/config.err")"

# drover poll on it: the reason, exit 1, and no attempt to connect
"$DROVER" poll -c "$T/d.conf" testing.acme.com >"$T/poll.out" 2>"$T/poll.err"
rc=$?
[ "$rc" = 1 ] || fail "drover poll testing.acme.com exited $rc"
grep -qxF "drover: testing.acme.com: $REASON" "$T/poll.err" ||
	fail "drover poll does not say why: $(cat "$T/poll.err")"
[ ! -s "$T/poll.out" ] || fail "drover poll printed a batch: $(cat "$T/poll.out")"
# an "update no" host is not this case
"$DROVER" poll -c "$T/d.conf" virtual >/dev/null 2>"$T/poll_v.err"
! grep -qF "drover: virtual: No address" "$T/poll_v.err" || fail "update no host given the address reason"

start_bg "$T/run.log" "$DROVER" run -c "$T/d.conf"
DPID=$LAST_PID
wait_log "$T/run.log" 'web: dashboard on' 30 || fail "no dashboard: $(cat "$T/run.log")"
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/run.log" | head -1)
[ -n "$URL" ] || fail "no dashboard URL: $(cat "$T/run.log")"
[ "$(grep -c 'has no address' "$T/run.log")" = 2 ] ||
	fail "not one warning per host at start: $(cat "$T/run.log")"

# the local node is polled
local_ok() {
	"$DROVER" check --url "$URL" "$H" memory >"$T/check_local" 2>&1
}
wait_until 60 local_ok || fail "local node not polled: $(cat "$T/check_local")"

# the API: down, with exactly Munin's words, never a poll attempt
for host in testing.acme.com MongoDB; do
	curl -sf "$URL/api/v1/hosts/$host" >"$T/api.json" || fail "no /api/v1/hosts/$host"
	$PY - "$T/api.json" "$REASON" <<'PY' || fail "$host in the API: $(cat "$T/api.json")"
import json, sys
h = json.load(open(sys.argv[1]))
h = h.get("host", h)
assert h["state"] == "DOWN", h["state"]
assert h["poll_state"] == "down", h["poll_state"]
assert h["last_error"] == sys.argv[2], h["last_error"]
assert h["last_ok"] == 0, h["last_ok"]
PY
done
# the host page and the overview say why, escaped
REASON_HTML="No address!  Did you forget to set &#39;update no&#39; or to set &#39;address &lt;IP&gt;&#39; ?"
curl -sf "$URL/testing.acme.com/" >"$T/host.html" || fail "no host page"
grep -qF "$REASON_HTML" "$T/host.html" || {
	grep -o 'No address[^<]*' "$T/host.html" | head -2
	fail "host page does not show the reason"
}
curl -sf "$URL/" >"$T/overview.html" || fail "no overview"
grep -qF "testing.acme.com" "$T/overview.html" || fail "overview lacks the host"

# drover check: UNKNOWN, with the reason
OUT=$("$DROVER" check --url "$URL" testing.acme.com load)
RC=$?
note "$OUT"
[ "$RC" = 3 ] || fail "check on the address-less host: $RC, not UNKNOWN: $OUT"
[ "$OUT" = "DROVER UNKNOWN - testing.acme.com load: host down ($REASON), no such service in drover" ] ||
	fail "check line: $OUT"

# after a few intervals: still one warning per host, no poll tried
sleep 5
[ "$(grep -c 'has no address' "$T/run.log")" = 2 ] || fail "warned again: $(cat "$T/run.log")"
! grep -q 'poll: testing.acme.com\|poll: MongoDB' "$T/run.log" ||
	fail "address-less host polled: $(grep 'testing.acme\|MongoDB' "$T/run.log")"
curl -sf "$URL/api/v1/hosts/testing.acme.com" | grep -q '"failures": *1\b' ||
	fail "failures grew: $(curl -sf "$URL/api/v1/hosts/testing.acme.com")"

stop_pid "$DPID" || fail "drover run exited $?"

# after a restart (the catalog restored from state_dir): down again with
# the reason from this config, not a state carried over from the last run
start_bg "$T/run2.log" "$DROVER" run -c "$T/d.conf"
DPID=$LAST_PID
wait_log "$T/run2.log" 'web: dashboard on' 30 || fail "no dashboard: $(cat "$T/run2.log")"
URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$T/run2.log" | head -1)
curl -sf "$URL/api/v1/hosts/testing.acme.com" >"$T/api2.json" || fail "no host after restart"
$PY - "$T/api2.json" "$REASON" <<'PY' || fail "after restart: $(cat "$T/api2.json")"
import json, sys
h = json.load(open(sys.argv[1]))
assert h["state"] == "DOWN" and h["last_error"] == sys.argv[2], h
assert "restored" not in h, h
PY
stop_pid "$DPID" || fail "drover run exited $?"
echo "PASS: address-less hosts accepted, shown down with Munin's reason, never polled"
