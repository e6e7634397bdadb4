#!/bin/bash
# drover against simulated BMCs (OpenIPMI's ipmi_sim) on loopback UDP:
# - the 12 V rail goes 12.0 -> 11.3 -> 10.9 -> 12.0 V while drover runs;
#   each state (OK, WARNING, CRITICAL, OK) shows in drover's log within
#   one ipmi_interval, and `drover poll` prints the state and thresholds;
# - meanwhile a second BMC is frozen (kill -STOP): its reads time out
#   within the deadline, while the first BMC and a munin-node on the
#   frozen BMC's physical host keep their schedules;
# - a BMC that answers every request but slowly (a relay holds each
#   answer 150 ms) is abandoned at its deadline, its late result dropped,
#   and it is not read again while that session is still open;
# - wrong password and wrong user give specific errors; `ipmi local`
#   (no /dev/ipmi0 here) says there is no in-band driver;
# - a group-readable password file is refused at config time;
# - a changed SDR (renamed sensor) is picked up: the SDR cache is re-read.
. "$top_srcdir/tests/lib/common.sh"
SIM="$top_srcdir/tests/lib/ipmi_sim.sh"
command -v ipmi_sim >/dev/null || skip "ipmi_sim not installed (apt-get install openipmi)"

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
wait_for_file "$T/ports.json" 10 || fail "fake nodes did not start"
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

start_bg "$T/drover.log" "$DROVER" run -v -c "$T/drover.conf"
DPID=$LAST_PID
sleep 3
kill -0 "$DPID" 2>/dev/null || fail "drover died: $(cat "$T/drover.log")"
# freeze BMC B for the rest of the run
kill -STOP "$SIMB"
FROZEN_AT=$(date +%s)

# wait_state MILLIVOLTS STATE: set the rail, wait for drover to log it
wait_state() {
	local t0 t1 n
	n=$(grep -c " -> $2 " "$T/drover.log")
	"$SIM" set12v "$T/bmca" "$1"
	t0=$(date +%s.%N)
	for _ in $(seq 100); do
		[ "$(grep -c "ipmi: hv1: ipmi_volts._12V .* -> $2 " "$T/drover.log")" -gt "$n" ] && break
		sleep 0.05
	done
	t1=$(date +%s.%N)
	grep "ipmi: hv1: ipmi_volts._12V .* -> $2 " "$T/drover.log" | tail -1 | sed 's/^/# /'
	[ "$(grep -c "ipmi: hv1: ipmi_volts._12V .* -> $2 " "$T/drover.log")" -gt "$n" ] ||
		fail "$1 mV: no $2 in the log: $(tail -5 "$T/drover.log")"
	# within one interval, plus ipmi_sim's 200 ms file poll and the read
	$PY -c "import sys; d=$t1-$t0; print('# %s after %.2f s' % ('$2', d)); sys.exit(d > $IPMI_INTERVAL + 0.5)" ||
		fail "$2 took longer than one ipmi_interval"
}
wait_state 11300 WARNING
"$DROVER" poll -c "$T/drover.conf" hv1 >"$T/poll2.out" 2>&1
grep -qE '^  _12V +11.3 .*state=WARNING ' "$T/poll2.out" || fail "poll at 11.3 V: $(cat "$T/poll2.out")"
wait_state 10900 CRITICAL
wait_state 12000 OK
sleep 4
kill -CONT "$SIMB"
stop_pid "$DPID" || fail "drover exited with an error: $(tail "$T/drover.log")"
stop_pid "$FAKE"
grep -v "debug: poll: hv1\|debug: poll: vm2" "$T/drover.log" | sed 's/^/# /'

# the frozen BMC timed out within its deadline: the library gives up at
# 3/4 of it, or (frozen mid-session, or a loaded machine) the deadline
# abandons the read
line=$(grep "warning: poll: bmc2/ipmi: " "$T/drover.log" | head -1)
echo "$line" | grep -qE "timed out|no result by the deadline" || fail "frozen BMC: $line"
secs=$(echo "$line" | sed -n 's/.* after \([0-9.]*\) s.*/\1/p')
[ -n "$secs" ] || fail "no duration in: $line"
$PY -c "import sys; sys.exit(not ($secs <= $IPMI_TIMEOUT + 0.2))" ||
	fail "frozen BMC took $secs s (deadline $IPMI_TIMEOUT s)"

# the slow BMC: abandoned at the deadline, the late result dropped, and
# no second session while the abandoned one was still open
line=$(grep "warning: poll: slowbmc/ipmi: " "$T/drover.log" | head -1)
echo "$line" | grep -qE "BMC 127.0.0.1:$PS: no result by the deadline; read abandoned after 2.[0-2] s" ||
	fail "slow BMC not abandoned at its deadline: $line"
grep -q "debug: ipmi: slowbmc: a late read ended (ok); result dropped" "$T/drover.log" ||
	fail "the late result was not dropped"
grep -q "debug: poll: slowbmc/ipmi: previous BMC session still open" "$T/drover.log" ||
	fail "slow BMC read again while its session was open"
# a read that did complete was within the deadline
grep -o "debug: poll: slowbmc/ipmi: 3 sensors in [0-9]* ms" "$T/drover.log" |
	awk '$NF > 0 && $(NF-1) > 2100 { bad = 1 } END { exit bad }' ||
	fail "a read beyond the deadline was used"

# specific errors for bad credentials and the missing in-band driver
grep -q "poll: badpw/ipmi: BMC 127.0.0.1:$PA: password not accepted by the BMC" "$T/drover.log" ||
	fail "wrong password not reported clearly"
grep -q "poll: baduser/ipmi: BMC 127.0.0.1:$PA: user name not accepted by the BMC" "$T/drover.log" ||
	fail "wrong user not reported clearly"
grep -q "poll: inband/ipmi: local BMC (in-band): no in-band IPMI driver" "$T/drover.log" ||
	fail "in-band error not reported clearly"

# the munin-nodes, one sharing the frozen BMC's physical host, kept their
# schedule: a poll every interval with no long gap (hv1 also counts the
# two `drover poll hv1` runs above)
$PY - "$T/stats.json" "$INTERVAL" "$FROZEN_AT" <<'PY' || exit 1
import json, sys
st = json.load(open(sys.argv[1])); interval = float(sys.argv[2]); frozen = float(sys.argv[3])
for name in ("hv1", "vm2"):
    s = sorted(st["connections"][name])
    gaps = [b - a for a, b in zip(s, s[1:])]
    print("# %s: %d polls, gaps %s" % (name, len(s), ["%.1f" % g for g in gaps]))
    if not any(t > frozen for t in s) or (gaps and max(gaps) > interval + 1):
        print("FAIL: %s lost its schedule" % name); sys.exit(1)
PY

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
"$DROVER" poll -c "$T/drover.conf" hv1 >"$T/poll3.out" 2>&1
grep -qE '^  _12V_Rail +12 .*12V Rail \(V\)  state=OK' "$T/poll3.out" ||
	fail "changed SDR not picked up: $(cat "$T/poll3.out")"
"$SIM" stop "$T/bmca"
"$SIM" stop "$T/bmcb"
echo "PASS: BMC states, frozen BMC, errors"
