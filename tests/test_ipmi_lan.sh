#!/bin/bash
# The LAN session settings and the operator's thresholds against two
# simulated BMCs (OpenIPMI's ipmi_sim, tests/lib/ipmi_sim.sh): A with the
# 12 V rail at 12.0 V, B at 11.3 V (below the BMC's lower-non-critical).
# - ipmi_protocol 1.5, ipmi_privilege user/operator/admin (each with a
#   user allowed it) and ipmi_cipher_suite 0, 1, 2, 3, 6, 11: the readings
#   arrive;
# - refused: a LAN 1.5 session at admin for a user-level user ("privilege
#   level refused by the BMC"), and cipher suite 17 (HMAC-SHA256, which
#   ipmi_sim answers "invalid authentication algorithm"): the read fails,
#   logged as a warning naming the BMC, the bare BMC is DOWN in
#   /api/v1/alerts and nothing is read; the same user with a setting the
#   BMC allows is read (above);
# - ipmi_volts._12V.warning overrides the BMC's thresholds: at 12.0 V
#   (OK for the BMC) an override 12.2:12.8 is a WARNING from the alert
#   engine, in /api/v1/alerts; at 11.3 V (WARNING for the BMC) an
#   override 11:13 is OK, while the same BMC without override is WARNING.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
SIM="$top_srcdir/tests/lib/ipmi_sim.sh"
need ipmi_sim openipmi
need sdrcomp openipmi
need curl curl

free_udp_port() {
	local p
	while :; do
		p=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
		ss -lnu | grep -q ":$p " || break
	done
	echo "$p"
}
PA=$(free_udp_port); PB=$(free_udp_port)
mkdir -p "$T/bmca" "$T/bmcb"
"$SIM" start "$T/bmca" "$PA" "$(free_port 127.0.0.1)" || fail "ipmi_sim A did not start"
BG_PIDS="$BG_PIDS $(cat "$T/bmca/ipmi_sim.pid")"
"$SIM" start "$T/bmcb" "$PB" "$(free_port 127.0.0.1)" || fail "ipmi_sim B did not start"
BG_PIDS="$BG_PIDS $(cat "$T/bmcb/ipmi_sim.pid")"
"$SIM" set12v "$T/bmcb" 11300

umask 077
echo secret >"$T/pw"
umask 022
# host NAME PORT USER [KEY VALUE]...: a bare BMC host section
host() {
	local name=$1 port=$2 user=$3
	shift 3
	echo "[lan;$name]"
	echo " ipmi_address 127.0.0.1:$port"
	echo " ipmi_user $user"
	echo " ipmi_password_file $T/pw"
	echo " ipmi_interval 2"
	echo " ipmi_timeout 10"
	while [ $# -ge 2 ]; do
		echo " $1 $2"
		shift 2
	done
}
V20="ipmi_workarounds opensesspriv"
# hosts whose readings must arrive, with the 12 V value each must show
OK_HOSTS="p15-admin p15-user priv-user priv-operator priv-admin cs0 cs1 cs2 cs3 cs6 cs11"
{
	echo "dbdir $T/db"
	echo "interval 4"
	echo "local_node no"
	echo "listen 127.0.0.1:0"
	echo "state_dir $T/state"
	echo "graph_cache $T/graphs"
	host p15-admin "$PA" admin ipmi_protocol 1.5 ipmi_privilege admin
	host p15-user "$PA" monitor ipmi_protocol 1.5 ipmi_privilege user
	host priv-user "$PA" monitor $V20 ipmi_privilege user
	host priv-operator "$PA" oper $V20 ipmi_privilege operator
	host priv-admin "$PA" admin $V20 ipmi_privilege admin
	for cs in 0 1 2 3 6 11; do
		host "cs$cs" "$PA" admin $V20 ipmi_cipher_suite "$cs"
	done
	host refused-priv "$PA" monitor ipmi_protocol 1.5 ipmi_privilege admin
	host refused-cs "$PA" admin $V20 ipmi_cipher_suite 17
	host ovr-warn "$PA" admin $V20 ipmi_volts._12V.warning 12.2:12.8
	host bmc-warn "$PB" admin $V20
	host ovr-ok "$PB" admin $V20 ipmi_volts._12V.warning 11:13
} >"$T/drover.conf"
"$DROVER" config -c "$T/drover.conf" >"$T/config.out" 2>&1 ||
	fail "config rejected: $(cat "$T/config.out")"
# the settings are taken as given
for want in "ipmi_protocol 1.5" "ipmi_privilege operator" "ipmi_cipher_suite 11" "ipmi_cipher_suite 0"; do
	grep -q "^ *$want$" "$T/config.out" || fail "config print lacks $want: $(cat "$T/config.out")"
done

LOG=$T/drover.log
start_bg "$LOG" "$DROVER" run -v -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$LOG") || fail "no dashboard: $(cat "$LOG")"

# volts HOST: "VALUE BMC_STATE ALERT_STATE THRESHOLD_SOURCE" of its _12V
# ("-" when absent; "none" when the host has no ipmi_volts yet)
volts() {
	curl -sf "http://127.0.0.1:$PORT/api/v1/hosts/$1/ipmi_volts" >"$T/v.json" || { echo none; return; }
	$PY - "$T/v.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
for f in j["fields"]:
    if f["name"] == "_12V":
        c = f["config"]
        print("%g %s %s %s" % (f["value"], c.get("state", "-"), c.get("alert_state", "-"),
                               c.get("threshold_source", "-")))
        break
else:
    print("none")
PY
}
# judged HOST WANT: volts HOST prints WANT
judged() {
	[ "$(volts "$1")" = "$2" ]
}
for h in $OK_HOSTS; do
	wait_until 60 judged "$h" "12 OK OK -" || fail "$h: readings did not arrive: $(volts "$h"); $(grep "$h" "$LOG")"
done
note "protocol 1.5, privileges and cipher suites 0 1 2 3 6 11: 12 V read"
# the operator's range wins over the BMC's, both ways
wait_until 60 judged ovr-warn "12 OK WARNING config" || fail "ovr-warn: $(volts ovr-warn)"
wait_until 60 judged bmc-warn "11.3 WARNING WARNING -" || fail "bmc-warn: $(volts bmc-warn)"
wait_until 60 judged ovr-ok "11.3 WARNING OK config" || fail "ovr-ok: $(volts ovr-ok)"

# the refusals: a warning naming the BMC and why, nothing read
wait_log "$LOG" "warning: poll: refused-priv/ipmi: BMC 127.0.0.1:$PA: privilege level refused by the BMC" 60 ||
	fail "refused privilege not reported clearly: $(grep refused-priv "$LOG")"
wait_log "$LOG" "warning: poll: refused-cs/ipmi: BMC 127.0.0.1:$PA: " 60 ||
	fail "refused cipher suite not reported: $(grep refused-cs "$LOG")"
grep "warning: poll: refused-cs/ipmi: " "$LOG" | head -1 | sed 's/^/# /'
for h in refused-priv refused-cs; do
	[ "$(volts "$h")" = none ] || fail "$h was read: $(volts "$h")"
	grep -q "poll: $h/ipmi: [0-9]* sensors in" "$LOG" && fail "$h was read"
done

# /api/v1/alerts: of the sensors and hosts, exactly the two rails
# (WARNING) and the two refused BMCs (DOWN) are problems.  (ipmi_sel.new,
# U until the second SEL read, is listed as UNKNOWN meanwhile: the
# catalog's problem list judges a field without rules; not this test's
# subject.)
curl -sf "http://127.0.0.1:$PORT/api/v1/alerts" >"$T/alerts.json" || fail "no /api/v1/alerts"
$PY - "$T/alerts.json" "$PA" <<'PY' || exit 1
import json, sys
j = json.load(open(sys.argv[1])); bmc = "BMC 127.0.0.1:%s: " % sys.argv[2]
got = sorted((p["host"], p.get("service", "-"), p.get("field", "-"), p["state"])
             for p in j["problems"] if p.get("service") != "ipmi_sel")
want = sorted([("ovr-warn", "ipmi_volts", "_12V", "WARNING"),
               ("bmc-warn", "ipmi_volts", "_12V", "WARNING"),
               ("refused-priv", "-", "-", "CRITICAL"),
               ("refused-cs", "-", "-", "CRITICAL")])
print("# problems: %s" % got)
if got != want:
    print("FAIL: /api/v1/alerts problems %s, wanted %s" % (got, want)); sys.exit(1)
for p in j["problems"]:
    if p.get("host_down") and not p.get("error", "").startswith(bmc):
        print("FAIL: %s down without the BMC's error: %s" % (p["host"], p)); sys.exit(1)
PY

stop_pid "$DPID" || fail "drover exited with status $?: $(tail "$LOG")"
"$SIM" stop "$T/bmca"
"$SIM" stop "$T/bmcb"
echo "PASS: LAN 1.5, privileges, cipher suites, refusals, operator thresholds"
