#!/bin/bash
# The Nagios command file end to end: (a) a FIFO whose reader appears only
# after drover started writing: every line arrives whole and in order,
# none lost, and the writer's loop never stalls; (b) the real Nagios 4
# (nagios4-core), started after drover began sending: it accepts every
# PROCESS_SERVICE_CHECK_RESULT and PROCESS_HOST_CHECK_RESULT line, with
# state, output and perfdata as sent.
. "$top_srcdir/tests/lib/common.sh"

SEND="$top_builddir/tests/nagios_send"
N=50
CRIT_TEXT="12V rail 10.90 V (critical below 11.00); next|line"
PERF="'v12'=10.9;11.5:;11:;0"

# (a) mkfifo, reader late; "cat <>" holds the FIFO open as Nagios does
mkfifo "$T/cmd"
start_bg "$T/send.out" "$SEND" "$T/cmd" kvm1 ipmi_volts $N 20 2 "$CRIT_TEXT" "$PERF"
SPID=$LAST_PID
sleep 0.5
start_bg "$T/fifo.out" bash -c 'exec cat <>"$1"' _ "$T/cmd"
wait "$SPID" || fail "nagios_send: $(cat "$T/send.out")"
note "fifo: $(cat "$T/send.out")"
for i in $(seq 50); do
	[ "$(wc -l <"$T/fifo.out")" -ge $((N + 1)) ] && break
	sleep 0.1
done
[ "$(wc -l <"$T/fifo.out")" = $((N + 1)) ] || fail "lines: $(wc -l <"$T/fifo.out")"
grep -vcE '^\[[0-9]+\] PROCESS_(SERVICE_CHECK_RESULT;kvm1;ipmi_volts;[0-3];|HOST_CHECK_RESULT;kvm1;0;host up$)' \
	"$T/fifo.out" | grep -qx 0 || fail "malformed lines: $(cat "$T/fifo.out")"
for i in $(seq $((N - 1))); do
	sed -n "${i}p" "$T/fifo.out" | grep -q ";0;result $i\$" ||
		fail "line $i out of order or lost: $(sed -n "${i}p" "$T/fifo.out")"
done
sed -n "${N}p" "$T/fifo.out" | grep -qF ";2;12V rail 10.90 V (critical below 11.00), next/line|$PERF" ||
	fail "last result: $(sed -n "${N}p" "$T/fifo.out")"
read -r _ w _ q _ d _ p _ gap < <(grep "^written" "$T/send.out")
[ "$w" = $((N + 1)) ] && [ "$d" = 0 ] && [ "$p" = 0 ] || fail "stats: $(cat "$T/send.out")"
[ "$q" -gt 0 ] || fail "nothing was queued while the reader was away"
[ "$gap" -lt 250 ] || fail "the loop stalled for $gap ms"

# (b) the real Nagios
NAGIOS=/usr/sbin/nagios4
[ -x "$NAGIOS" ] || { note "nagios4-core not installed; (b) skipped"; echo PASS; exit 0; }
mkdir -p "$T/ng/rw" "$T/ng/cr"
cat >"$T/ng/objects.cfg" <<'CFG'
define command {
	command_name	dummy
	command_line	/bin/true
}
define timeperiod {
	timeperiod_name	24x7
	alias		always
	sunday		00:00-24:00
	monday		00:00-24:00
	tuesday		00:00-24:00
	wednesday	00:00-24:00
	thursday	00:00-24:00
	friday		00:00-24:00
	saturday	00:00-24:00
}
define contact {
	contact_name			nobody
	service_notification_period	24x7
	host_notification_period	24x7
	service_notification_options	n
	host_notification_options	n
	service_notification_commands	dummy
	host_notification_commands	dummy
}
define host {
	host_name		kvm1
	address			127.0.0.1
	check_command		dummy
	max_check_attempts	1
	check_period		24x7
	notification_period	24x7
	contacts		nobody
	active_checks_enabled	0
	passive_checks_enabled	1
}
define service {
	host_name		kvm1
	service_description	ipmi_volts
	check_command		dummy
	max_check_attempts	1
	check_interval		5
	retry_interval		1
	check_period		24x7
	notification_period	24x7
	contacts		nobody
	active_checks_enabled	0
	passive_checks_enabled	1
}
CFG
G=$T/ng
cat >"$G/nagios.cfg" <<CFG
log_file=$G/nagios.log
cfg_file=$G/objects.cfg
object_cache_file=$G/objects.cache
precached_object_file=$G/objects.precache
status_file=$G/status.dat
status_update_interval=1
nagios_user=root
nagios_group=root
check_external_commands=1
command_file=$G/rw/nagios.cmd
lock_file=$G/nagios.lock
temp_file=$G/nagios.tmp
temp_path=$G
state_retention_file=$G/retention.dat
retain_state_information=0
check_result_path=$G/cr
query_socket=$G/rw/nagios.qh
accept_passive_service_checks=1
accept_passive_host_checks=1
execute_service_checks=0
execute_host_checks=0
enable_notifications=0
log_passive_checks=1
illegal_macro_output_chars=\`~\$&|'"<>
CFG
"$NAGIOS" -v "$G/nagios.cfg" >"$T/nagios-v.out" 2>&1 || fail "nagios config: $(cat "$T/nagios-v.out")"
# drover first: the command file does not exist yet
start_bg "$T/send2.out" "$SEND" "$G/rw/nagios.cmd" kvm1 ipmi_volts 10 50 2 "$CRIT_TEXT" "$PERF"
SPID=$LAST_PID
sleep 1
start_bg "$T/nagios.out" "$NAGIOS" "$G/nagios.cfg"
NPID=$LAST_PID
wait "$SPID" || fail "nagios_send to Nagios: $(cat "$T/send2.out")"
note "nagios: $(cat "$T/send2.out")"
for i in $(seq 100); do
	grep -q 'current_state=2' "$G/status.dat" 2>/dev/null &&
		[ "$(grep -c 'PASSIVE SERVICE CHECK: kvm1;ipmi_volts' "$G/nagios.log")" = 10 ] && break
	sleep 0.1
done
grep -c 'PASSIVE SERVICE CHECK: kvm1;ipmi_volts' "$G/nagios.log" | grep -qx 10 ||
	fail "Nagios saw $(grep -c 'PASSIVE SERVICE CHECK' "$G/nagios.log") of 10 results: $(cat "$G/nagios.log")"
grep -q 'PROCESS_HOST_CHECK_RESULT;kvm1;0;host up' "$G/nagios.log" || fail "host result not seen"
awk '/^servicestatus/,/}/' "$G/status.dat" >"$T/svc"
grep -qx $'\tcurrent_state=2' "$T/svc" || fail "service state: $(cat "$T/svc")"
grep -qxF $'\tplugin_output=12V rail 10.90 V (critical below 11.00), next/line' "$T/svc" ||
	fail "plugin output: $(grep plugin_output "$T/svc")"
grep -qxF $'\tperformance_data='"$PERF" "$T/svc" || fail "perfdata: $(grep performance_data "$T/svc")"
stop_pid "$NPID" || true
echo PASS
