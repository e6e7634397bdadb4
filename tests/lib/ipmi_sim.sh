#!/bin/bash
# A simulated BMC for the IPMI tests: OpenIPMI's ipmi_sim (Debian package
# openipmi) serving IPMI 1.5/2.0 LAN on 127.0.0.1:PORT/udp.
#
#   ipmi_sim.sh start DIR PORT CONSOLE_PORT   start; DIR/ipmi_sim.pid holds the PID
#   ipmi_sim.sh set12v DIR MILLIVOLTS         12 V rail (a file ipmi_sim polls every 200 ms,
#                                             replaced whole: never read half-written)
#   ipmi_sim.sh setfan DIR RPM                fan (same)
#   ipmi_sim.sh stop DIR                      SIGTERM by PID, then SIGKILL
#   SDRS=FILE ipmi_sim.sh start ...           another SDR source (same sensors)
#
# Sensors (SDR compiled from ipmi_sim.sdrs by sdrcomp):
#   #1 "12V"      voltage, raw*0.05+5 V; LNC 11.50, LC 11.00, UNC 12.50, UC 13.00
#   #2 "CPU Temp" temperature, 45 C; UNC 80, UC 90
#   #3 "FAN1"     fan, 60 RPM per count; LC 600 RPM
# Each value is also set in sim.emu, so a read right after start sees it
# before the first file poll.
# LAN users (password secret): admin (ADMIN), oper (OPERATOR), monitor
# (USER); a session above a user's maximum is refused over LAN 1.5 (over
# 2.0 ipmi_sim does not check it).  Cipher suites: ipmi_sim does 0-3, 6
# and 11 and refuses the HMAC-SHA256 ones (15-17: status "invalid
# authentication algorithm").  FreeIPMI over LAN 2.0 needs the
# "opensesspriv" workaround: ipmi_sim answers Open Session with maximum
# privilege 0.  Thresholds are set before values in sim.emu because the
# comparison bits are computed when a value is set.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3

gen_config() { # DIR PORT CONSOLE_PORT
	local d=$1 port=$2 cport=$3
	mkdir -p "$d/state"
	cat >"$d/lan.conf" <<CONF
name "simbmc"
set_working_mc 0x20
  startlan 1
    addr 127.0.0.1 $port
    priv_limit admin
    allowed_auths_callback none md2 md5 straight
    allowed_auths_user none md2 md5 straight
    allowed_auths_operator none md2 md5 straight
    allowed_auths_admin none md2 md5 straight
    guid a123456789abcdefa123456789abcdef
  endlan
  user 1 true  ""      "test"   user  10 none md2 md5 straight
  user 2 true  "admin" "secret" admin 10 none md2 md5 straight
  user 3 true  "monitor" "secret" user 10 none md2 md5 straight
  user 4 true  "oper" "secret" operator 10 none md2 md5 straight
console 127.0.0.1 $cport
CONF
	sdrcomp -8 -r -o "$d/sim.raw" "${SDRS:-$HERE/ipmi_sim.sdrs}" >"$d/sdrcomp.log" 2>&1 || return 1
	echo 12000 >"$d/v12.mv"
	echo 3000 >"$d/fan.rpm"
	{
		echo "mc_setbmc 0x20"
		echo "mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02"
		echo "sel_enable 0x20 1000 0x0a"
		# the main SDR repository: one main_sdr_add per compiled record
		$PY - "$d/sim.raw" <<'PY'
import sys
d = open(sys.argv[1], 'rb').read(); i = 0
while i < len(d):
    n = d[i+4]; rec = d[i:i+5+n]; i += 5 + n
    print('main_sdr_add 0x20 ' + ' '.join('0x%02x' % b for b in rec))
PY
		cat <<EMU
sensor_add 0x20 0 0 35 0x6f event-only
sensor_add 0x20 0 1 0x02 0x01 poll 200 file "$d/v12.mv" sub=5000 div=50
sensor_set_threshold 0x20 0 1 readable 011011 0 160 150 0 120 130
sensor_set_event_support 0x20 0 1 enable scanning per-state 000111111000101 000111111000101 000111111000101 000111111000101
sensor_set_value 0x20 0 1 140 0
sensor_add 0x20 0 2 0x01 0x01
sensor_set_threshold 0x20 0 2 readable 011000 0 90 80 0 0 0
sensor_set_value 0x20 0 2 45 0
sensor_add 0x20 0 3 0x04 0x01 poll 200 file "$d/fan.rpm" div=60
sensor_set_threshold 0x20 0 3 readable 000010 0 0 0 0 10 0
sensor_set_value 0x20 0 3 50 0
mc_enable 0x20
EMU
	} >"$d/sim.emu"
}

case "${1:-}" in
start)
	d=$2 port=$3 cport=$4
	command -v ipmi_sim >/dev/null && command -v sdrcomp >/dev/null || {
		echo "ipmi_sim/sdrcomp not found: install the Debian package openipmi" >&2
		exit 1
	}
	gen_config "$d" "$port" "$cport" || { cat "$d/sdrcomp.log" >&2; exit 1; }
	# -n: no stdin console; stays in the foreground so $! is its PID
	ipmi_sim -n -c "$d/lan.conf" -f "$d/sim.emu" -s "$d/state" >"$d/ipmi_sim.log" 2>&1 &
	echo $! >"$d/ipmi_sim.pid"
	# the deadline only bounds a hang
	for _ in $(seq 300); do
		ss -lnu | grep -q "127.0.0.1:$port " && break
		sleep 0.1
	done
	ss -lnu | grep -q "127.0.0.1:$port " || { cat "$d/ipmi_sim.log" >&2; exit 1; }
	;;
set12v) echo "$3" >"$2/v12.mv.new" && mv "$2/v12.mv.new" "$2/v12.mv" ;;
setfan) echo "$3" >"$2/fan.rpm.new" && mv "$2/fan.rpm.new" "$2/fan.rpm" ;;
stop)
	pid=$(cat "$2/ipmi_sim.pid" 2>/dev/null) || exit 0
	kill -CONT "$pid" 2>/dev/null
	kill "$pid" 2>/dev/null
	for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$pid" 2>/dev/null
	rm -f "$2/ipmi_sim.pid"
	;;
*)
	echo "usage: $0 start DIR PORT CONSOLE_PORT | set12v DIR MV | setfan DIR RPM | stop DIR" >&2
	exit 2
	;;
esac
