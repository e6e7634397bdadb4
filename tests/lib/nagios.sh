# A private real Nagios 4 (Debian nagios4-core) for the integration tests
# (sourced after common.sh, bash).  Everything lives in one directory of
# the test's own $T: config, log, status.dat and the external command FIFO
# (created by Nagios itself, as in production), so nothing under /etc,
# /var/lib or /run is read or written.  Active checks and notifications
# are off; every host and service takes passive results only, with
# max_check_attempts 1 so each result is a hard state at once.
#
#   nagios_config DIR HOST SERVICE...   write DIR/nagios.cfg, verify it (-v)
#   nagios_start DIR                    start; NAGIOS_PID, NAGIOS_CMD (the FIFO)
#   nagios_stop                         stop by PID; its exit status
#   nagios_service DIR HOST SERVICE KEY the KEY= value of that service in
#                                       status.dat (e.g. current_state)
#   nagios_log_states DIR HOST SERVICE  the codes of every service result
#                                       Nagios read from the FIFO, in order
#                                       ("0120"), from its EXTERNAL COMMAND
#                                       log lines.  (Nagios 4.4.6's PASSIVE
#                                       SERVICE CHECK lines show the state
#                                       *before* the result: count them only.)
NAGIOS=/usr/sbin/nagios4

nagios_config() {
	local d=$1 host=$2 svc
	shift 2
	need "$NAGIOS" nagios4-core
	mkdir -p "$d/rw" "$d/cr" || return 1
	cat >"$d/objects.cfg" <<CFG
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
	host_name		$host
	address			127.0.0.1
	check_command		dummy
	max_check_attempts	1
	check_period		24x7
	notification_period	24x7
	contacts		nobody
	active_checks_enabled	0
	passive_checks_enabled	1
}
CFG
	for svc in "$@"; do
		cat >>"$d/objects.cfg" <<CFG
define service {
	host_name		$host
	service_description	$svc
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
	done
	cat >"$d/nagios.cfg" <<CFG
log_file=$d/nagios.log
cfg_file=$d/objects.cfg
object_cache_file=$d/objects.cache
precached_object_file=$d/objects.precache
status_file=$d/status.dat
status_update_interval=1
nagios_user=root
nagios_group=root
check_external_commands=1
command_file=$d/rw/nagios.cmd
lock_file=$d/nagios.lock
temp_file=$d/nagios.tmp
temp_path=$d
state_retention_file=$d/retention.dat
retain_state_information=0
check_result_path=$d/cr
query_socket=$d/rw/nagios.qh
accept_passive_service_checks=1
accept_passive_host_checks=1
execute_service_checks=0
execute_host_checks=0
enable_notifications=0
log_passive_checks=1
illegal_macro_output_chars=\`~\$&|'"<>
CFG
	"$NAGIOS" -v "$d/nagios.cfg" >"$d/verify.out" 2>&1 ||
		fail "nagios config: $(cat "$d/verify.out")"
}

nagios_start() {
	start_bg "$1/nagios.out" "$NAGIOS" "$1/nagios.cfg"
	NAGIOS_PID=$LAST_PID
	NAGIOS_CMD=$1/rw/nagios.cmd
}

nagios_stop() {
	stop_pid "$NAGIOS_PID"
}

nagios_service() {
	awk -v h="$2" -v s="$3" -v k="$4" '
		/^servicestatus \{/ { in_s = 1; hh = ""; ss = ""; v = ""; has = 0; next }
		in_s && /^\t}/ { if (hh == h && ss == s && has) print v; in_s = 0; next }
		in_s {
			line = substr($0, 2); eq = index(line, "=")
			key = substr(line, 1, eq - 1); val = substr(line, eq + 1)
			if (key == "host_name") hh = val
			if (key == "service_description") ss = val
			if (key == k) { v = val; has = 1 }
		}' "$1/status.dat" 2>/dev/null
}

nagios_log_states() {
	grep -o "EXTERNAL COMMAND: PROCESS_SERVICE_CHECK_RESULT;$2;$3;[0-3];" "$1/nagios.log" 2>/dev/null |
		cut -d';' -f4 | tr -d '\n'
}
