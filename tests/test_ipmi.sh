#!/bin/bash
# drover against simulated BMCs (OpenIPMI's ipmi_sim) on loopback UDP:
# - the 12 V rail goes 12.0 -> 11.3 -> 10.9 -> 12.0 V while drover runs;
#   the log shows exactly OK -> WARNING -> CRITICAL -> OK, in that order,
#   each change logged before the next is made, and `drover poll` prints
#   the state and thresholds;
# - meanwhile a second BMC, read fine before, is frozen (kill -STOP): its
#   reads end as timeouts (not hangs) while the first BMC and a munin-node
#   on the frozen BMC's physical host keep being polled, no poll is late
#   (drover's own counter), and once thawed the BMC is read again;
# - a BMC that answers every request but slowly (a relay holds each
#   answer 150 ms, so a read takes about twice its deadline) is abandoned
#   at its deadline, its late result dropped (never in the catalog), and
#   it is not read again while that session is still open;
# - wrong password and wrong user give specific errors; `ipmi local`
#   (no /dev/ipmi0 here) says there is no in-band driver;
# - a group-readable password file is refused at config time;
# - a changed SDR (renamed sensor) is picked up: the SDR cache is re-read.
# How fast states show and timeouts fire is measured by bench/ipmi.sh.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
SIM="$top_srcdir/tests/lib/ipmi_sim.sh"
need ipmi_sim openipmi
need sdrcomp openipmi

IPMI_INTERVAL=2
IPMI_TIMEOUT=2
INTERVAL=4

# free_udp_port: a loopback UDP port nobody holds (checked with ss too)
free_udp_port() {
	local p
	while :; do
		p=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		ss -lnu | grep -q ":$p " || break
	done
	echo "$p"
}
PA=$(free_udp_port); PB=$(free_udp_port); PS=$(free_udp_port)
CA=$(free_port 127.0.0.1); CB=$(free_port 127.0.0.1)
mkdir -p "$T/bmca" "$T/bmcb"
"$SIM" start "$T/bmca" "$PA" "$CA" || fail "ipmi_sim A did not start"
BG_PIDS="$BG_PIDS $(cat "$T/bmca/ipmi_sim.pid")"
"$SIM" start "$T/bmcb" "$PB" "$CB" || fail "ipmi_sim B did not start"
SIMB=$(cat "$T/bmcb/ipmi_sim.pid")
BG_PIDS="$BG_PIDS $SIMB"

start_bg "$T/slow.log" $PY "$top_srcdir/tests/lib/udp_slow.py" "$PS" "$PA" 150

cat >"$T/spec.json" <<'JSON'
[
 {"name": "hv1", "physical": "hv1", "mode": "normal", "plugins": 2, "delay_ms": 5},
 {"name": "vm2", "physical": "hv2", "mode": "normal", "plugins": 2, "delay_ms": 5}
]
JSON
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T"
FAKE=$LAST_PID
wait_for_file "$T/ports.json" 30 || fail "fake nodes did not start"
port_of() { json_get "$T/ports.json" "j['$1']"; }

umask 077
echo secret >"$T/pw"
echo wrong >"$T/badpw"
umask 022
bmc() { # ADDRESS:PORT [PASSWORD_FILE] [USER]
	echo " ipmi_address $1"
	echo " ipmi_user ${3:-admin}"
	echo " ipmi_password_file ${2:-$T/pw}"
	echo " ipmi_workarounds opensesspriv"
	echo " ipmi_interval $IPMI_INTERVAL"
	echo " ipmi_timeout $IPMI_TIMEOUT"
}
{
	echo "dbdir $T/db"
	echo "interval $INTERVAL"
	echo "local_node no"
	echo "listen 127.0.0.1:0"
	echo "state_dir $T/state"
	echo "graph_cache $T/graphs"
	echo "[ipmi;hv1]"
	echo " address 127.0.0.1"
	echo " port $(port_of hv1)"
	bmc "127.0.0.1:$PA"
	echo "[ipmi;bmc2]"
	echo " physical hv2"
	bmc "127.0.0.1:$PB"
	echo "[ipmi;vm2]"
	echo " address 127.0.0.1"
	echo " port $(port_of vm2)"
	echo " physical hv2"
	echo "[ipmi;slowbmc]"
	bmc "127.0.0.1:$PS"
	echo "[ipmi;badpw]"
	bmc "127.0.0.1:$PA" "$T/badpw"
	echo "[ipmi;baduser]"
	bmc "127.0.0.1:$PA" "$T/pw" nosuchuser
	echo "[ipmi;inband]"
	echo " ipmi local"
} >"$T/drover.conf"
"$DROVER" config -c "$T/drover.conf" >"$T/config.out" 2>&1 ||
	fail "config rejected: $(cat "$T/config.out")"
grep -q "ipmi_password_file $T/pw" "$T/config.out" || fail "config print lacks the BMC"
grep -q secret "$T/config.out" && fail "config print shows the password"

# a password file others can read is refused, naming file and line
cp "$T/drover.conf" "$T/open.conf"
chmod 644 "$T/badpw"
"$DROVER" config -c "$T/open.conf" >"$T/open.out" 2>&1 && fail "group-readable password file accepted"
grep -qE "open.conf:[0-9]+: ipmi_password_file $T/badpw is accessible by group or others \(mode 0644\)" "$T/open.out" ||
	fail "no clear error for a readable password file: $(cat "$T/open.out")"
chmod 600 "$T/badpw"

# drover poll reads the BMC and shows the state the bitmask gives
"$DROVER" poll -c "$T/drover.conf" hv1 >"$T/poll1.out" 2>&1 || fail "poll hv1 failed: $(cat "$T/poll1.out")"
grep -qE '^  _12V +12 +GAUGE +12V \(V\)  state=OK warning=11.5:12.5 critical=11:13$' "$T/poll1.out" ||
	fail "poll output: $(cat "$T/poll1.out")"
grep -qE '^  FAN1 +3000 .*state=OK critical=600:$' "$T/poll1.out" || fail "fan: $(cat "$T/poll1.out")"
grep -qE '^  CPU_Temp +45 .*state=OK warning=:80 critical=:90$' "$T/poll1.out" || fail "temp: $(cat "$T/poll1.out")"
grep -q '^# hv1/ipmi: ok; 3 sensors' "$T/poll1.out" || fail "no BMC summary: $(cat "$T/poll1.out")"

LOG=$T/drover.log
start_bg "$LOG" "$DROVER" run -v -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$LOG") || fail "no dashboard: $(cat "$LOG")"
api() { curl -sf "http://127.0.0.1:$PORT$1"; }

# count_after LINE PATTERN: lines of the log after line LINE matching the
# extended regex PATTERN
count_after() {
	tail -n "+$(($1 + 1))" "$LOG" | grep -cE "$2"
}
# at_least N LINE PATTERN: count_after is N or more
at_least() {
	[ "$(count_after "$2" "$3")" -ge "$1" ]
}
READ_B='debug: poll: bmc2/ipmi: 3 sensors in '
READ_A='debug: poll: hv1/ipmi: 3 sensors in '
# BMC B was read fine before it freezes
wait_until 60 at_least 1 0 "$READ_B" || fail "BMC B never read: $(cat "$LOG")"
kill -0 "$DPID" 2>/dev/null || fail "drover died: $(cat "$LOG")"
# vm2's last good poll (the sample time of its slot) before the freeze
last_ok() {
	api "/api/v1/hosts/$1" >"$T/host.json" && json_get "$T/host.json" "j['last_ok']"
}
# polled_since HOST EPOCH: HOST's last good poll is at EPOCH or later
polled_since() {
	[ "$(last_ok "$1" 2>/dev/null || echo 0)" -ge "$2" ]
}
wait_until 60 polled_since vm2 1 || fail "vm2 never polled"
VM2_OK0=$(last_ok vm2)

# freeze BMC B until the checks below have seen enough of it
kill -STOP "$SIMB"
FROZEN_AT=$(date +%s.%N)
FROZEN_LINE=$(wc -l <"$LOG")

# wait_state MILLIVOLTS STATE: set the rail, wait for drover to log the
# change to STATE (one more such line than before)
TRANS='info: ipmi: hv1: ipmi_volts._12V "12V \(V\)" = '
wait_state() {
	local n
	n=$(grep -cE "$TRANS.* -> $2 " "$LOG")
	"$SIM" set12v "$T/bmca" "$1"
	wait_until 60 at_least $((n + 1)) 0 "$TRANS.* -> $2 " ||
		fail "$1 mV: no $2 in the log: $(tail -5 "$LOG")"
	grep -E "$TRANS.* -> $2 " "$LOG" | tail -1 | sed 's/^/# /'
}
wait_state 11300 WARNING
"$DROVER" poll -c "$T/drover.conf" hv1 >"$T/poll2.out" 2>&1 || fail "poll hv1 at 11.3 V failed: $(cat "$T/poll2.out")"
grep -qE '^  _12V +11.3 .*state=WARNING ' "$T/poll2.out" || fail "poll at 11.3 V: $(cat "$T/poll2.out")"
wait_state 10900 CRITICAL
wait_state 12000 OK
# exactly these changes, in this order: no reading in between was lost
# or misjudged (e.g. a half-written value)
got=$(grep -E "$TRANS" "$LOG" | sed -n 's/.*: \([A-Z]*\) -> \([A-Z]*\) .*/\1>\2/p' | tr '\n' ' ')
[ "$got" = "OK>WARNING WARNING>CRITICAL CRITICAL>OK " ] || fail "12 V transitions: $got"
# the alert engine saw them too (ipmi_volts: hard on the first sample)
got=$(grep -E 'info: alerts: hv1 ipmi_volts 12V \(V\) is ' "$LOG" | sed -n 's/.* is \([A-Z]*\) (was \([A-Z]*\)).*/\2>\1/p' | tr '\n' ' ')
[ "$got" = "OK>WARNING WARNING>CRITICAL CRITICAL>OK " ] || fail "12 V alerts: $got"

# while B is frozen: its reads end (timed out, not hung: at least two
# failed reads, one of them a timeout), BMC A goes on being read, and vm2
# (same physical host as B) is polled in two more slots
FAIL_B='poll: bmc2/ipmi: (BMC 127.0.0.1:'$PB': (timed out|no result by the deadline)|previous BMC session still open)'
TIMEOUT_B='poll: bmc2/ipmi: BMC 127.0.0.1:'$PB': (timed out \(no answer from the BMC\)|no result by the deadline; read abandoned)'
wait_until 60 at_least 2 "$FROZEN_LINE" "$FAIL_B" || fail "frozen BMC: reads did not end: $(tail -20 "$LOG")"
at_least 1 "$FROZEN_LINE" "$TIMEOUT_B" || fail "frozen BMC: no timeout: $(tail -20 "$LOG")"
[ "$(count_after "$FROZEN_LINE" "$READ_B")" = 0 ] || fail "a frozen BMC was read"
wait_until 60 at_least 2 "$FROZEN_LINE" "$READ_A" || fail "BMC A not read while B was frozen"
wait_until 60 polled_since vm2 $((VM2_OK0 + 2 * INTERVAL)) ||
	fail "vm2 not polled while its physical host's BMC was frozen: $(cat "$T/host.json")"
json_get "$T/host.json" "j['failures']" | grep -qx 0 || fail "vm2 failed: $(cat "$T/host.json")"

# thawed, B is read again
THAW_LINE=$(wc -l <"$LOG")
kill -CONT "$SIMB"
wait_until 60 at_least 1 "$THAW_LINE" "$READ_B" || fail "BMC B not read after the thaw: $(tail -20 "$LOG")"
grep -q "info: poll: bmc2/ipmi: back up after [0-9]* failed polls" "$LOG" || fail "BMC B not reported back up"

# the slow BMC: abandoned at the deadline, the late result dropped
wait_log "$LOG" "debug: ipmi: slowbmc: a late read ended (ok); result dropped" 60 ||
	fail "the slow BMC's late result was not dropped: $(grep slowbmc "$LOG")"
grep -q "warning: poll: slowbmc/ipmi: BMC 127.0.0.1:$PS: no result by the deadline; read abandoned after" "$LOG" ||
	fail "slow BMC not abandoned at its deadline: $(grep slowbmc "$LOG")"
grep -q "debug: poll: slowbmc/ipmi: previous BMC session still open" "$LOG" ||
	fail "slow BMC: no poll found its session still open"
# one session at a time: after each abandoned read, the next poll either
# finds the session open or comes after the late read ended; no read of
# it was ever used, and nothing of it reached the catalog
grep -E "poll: slowbmc/ipmi: |ipmi: slowbmc: " "$LOG" | awk '
	/no result by the deadline/ { if (open) { bad = "two sessions at once: " $0 }; open = 1 }
	/a late read ended/ { open = 0 }
	/slowbmc\/ipmi: [0-9]+ sensors in/ { bad = "a read was used: " $0 }
	END { if (bad != "") { print "FAIL: slow BMC: " bad; exit 1 } }' || exit 1
api /api/v1/hosts/slowbmc >"$T/slow.json" || fail "no slowbmc in the API"
[ "$(json_get "$T/slow.json" "len(j['services'])")" = 0 ] || fail "a dropped result reached the catalog: $(cat "$T/slow.json")"

# no poll started late (the scheduler's own count, over the whole run,
# frozen BMC included)
late=$(health_num "$PORT" late) || fail "no /health"
[ "$late" = 0 ] || fail "late polls: '$late'"

stop_pid "$DPID" || fail "drover exited with status $?: $(tail "$LOG")"
grep -v "debug: poll: hv1\|debug: poll: vm2" "$LOG" | sed 's/^/# /'

# specific errors for bad credentials and the missing in-band driver
grep -q "poll: badpw/ipmi: BMC 127.0.0.1:$PA: password not accepted by the BMC" "$LOG" ||
	fail "wrong password not reported clearly"
grep -q "poll: baduser/ipmi: BMC 127.0.0.1:$PA: user name not accepted by the BMC" "$LOG" ||
	fail "wrong user not reported clearly"
grep -q "poll: inband/ipmi: local BMC (in-band): no in-band IPMI driver" "$LOG" ||
	fail "in-band error not reported clearly"

# the samples reached the RRD files in Munin's layout
for f in hv1-ipmi_volts-_12V-g.rrd hv1-ipmi_temp-CPU_Temp-g.rrd hv1-ipmi_fans-FAN1-g.rrd; do
	[ -f "$T/db/ipmi/$f" ] || fail "no $f: $(ls "$T/db/ipmi")"
done
# the SDR cache lives in a 0700 directory per BMC
[ "$(stat -c %a "$T/db/ipmi-sdr/hv1")" = 700 ] || fail "SDR cache dir mode"

# the SDR changes (a firmware update renames the rail): the SDR cache is
# re-read, not trusted
"$SIM" stop "$T/bmca"
sed 's/"12V"/"12V Rail"/' "$top_srcdir/tests/lib/ipmi_sim.sdrs" >"$T/renamed.sdrs"
SDRS="$T/renamed.sdrs" "$SIM" start "$T/bmca" "$PA" "$CA" || fail "ipmi_sim A did not restart"
BG_PIDS="$BG_PIDS $(cat "$T/bmca/ipmi_sim.pid")"
"$DROVER" poll -c "$T/drover.conf" hv1 >"$T/poll3.out" 2>&1 || fail "poll after the SDR change failed: $(cat "$T/poll3.out")"
grep -qE '^  _12V_Rail +12 .*12V Rail \(V\)  state=OK' "$T/poll3.out" ||
	fail "changed SDR not picked up: $(cat "$T/poll3.out")"
stop_pid "$FAKE" || fail "fake munin-node exited with status $?: $(cat "$T/fake.log")"

# the munin-node sharing the frozen BMC's physical host was polled after
# the freeze, by the fake node's own record (hv1's count also has the
# `drover poll hv1` runs)
$PY - "$T/stats.json" "$FROZEN_AT" <<'PY' || exit 1
import json, sys
st = json.load(open(sys.argv[1])); frozen = float(sys.argv[2])
for name in ("vm2",):
    s = sorted(st["connections"][name])
    after = [t for t in s if t > frozen]
    print("# %s: %d polls, %d after the freeze" % (name, len(s), len(after)))
    if len(after) < 2:
        print("FAIL: %s not polled while the BMC was frozen" % name); sys.exit(1)
PY

"$SIM" stop "$T/bmca"
"$SIM" stop "$T/bmcb"
echo "PASS: BMC states, frozen BMC, errors"
