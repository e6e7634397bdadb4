#!/bin/bash
# The Nagios command file end to end: (a) a FIFO whose reader appears only
# after drover queued results for it: the writer's loop kept running (it
# queued them, nothing written), then every line arrives whole and in
# order, none lost or dropped; (b) the real Nagios 4 (nagios4-core),
# started after drover began sending to a command file that did not exist
# yet: it accepts every PROCESS_SERVICE_CHECK_RESULT and
# PROCESS_HOST_CHECK_RESULT line, in order, with state, output and
# perfdata as sent, and exits cleanly.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/nagios.sh"
need "$NAGIOS" nagios4-core

SEND="$top_builddir/tests/nagios_send"
N=50
HOLD=20
CRIT_TEXT="12V rail 10.90 V (critical below 11.00); next|line"
PERF="'v12'=10.9;11.5:;11:;0"
held() { grep -q '^held ' "$1"; }

# (a) mkfifo, reader late; "cat <>" holds the FIFO open as Nagios does
mkfifo "$T/cmd"
start_bg "$T/send.out" "$SEND" "$T/cmd" kvm1 ipmi_volts $N 20 2 "$CRIT_TEXT" "$PERF" $HOLD
SPID=$LAST_PID
wait_until 60 held "$T/send.out" || fail "nagios_send did not queue $HOLD results: $(cat "$T/send.out")"
read -r _ h _ w _ q _ p < <(grep '^held ' "$T/send.out")
[ "$w" = 0 ] && [ "$q" = $HOLD ] && [ "$p" = $HOLD ] ||
	fail "with no reader: $(grep '^held ' "$T/send.out"), want $HOLD queued and pending"
start_bg "$T/fifo.out" bash -c 'exec cat <>"$1"' _ "$T/cmd"
wait "$SPID" || fail "nagios_send: $(cat "$T/send.out")"
note "fifo: $(cat "$T/send.out")"
all_read() { [ "$(wc -l <"$T/fifo.out")" -ge $((N + 1)) ]; }
wait_until 60 all_read || fail "lines read: $(wc -l <"$T/fifo.out") of $((N + 1))"
[ "$(wc -l <"$T/fifo.out")" = $((N + 1)) ] || fail "lines: $(wc -l <"$T/fifo.out")"
bad=$(grep -vcE '^\[[0-9]+\] PROCESS_(SERVICE_CHECK_RESULT;kvm1;ipmi_volts;[0-3];|HOST_CHECK_RESULT;kvm1;0;host up$)' "$T/fifo.out")
[ "$bad" = 0 ] || fail "malformed lines: $(cat "$T/fifo.out")"
for i in $(seq $((N - 1))); do
	sed -n "${i}p" "$T/fifo.out" | grep -q ";0;result $i\$" ||
		fail "line $i out of order or lost: $(sed -n "${i}p" "$T/fifo.out")"
done
sed -n "${N}p" "$T/fifo.out" | grep -qF ";2;12V rail 10.90 V (critical below 11.00), next/line|$PERF" ||
	fail "last result: $(sed -n "${N}p" "$T/fifo.out")"
read -r _ w _ q _ d _ p _ gap < <(grep "^written" "$T/send.out")
# the HOLD results waited for the reader; nothing dropped or left over
[ "$w" = $((N + 1)) ] && [ "$d" = 0 ] && [ "$p" = 0 ] || fail "stats: $(cat "$T/send.out")"
[ "$q" -ge $HOLD ] || fail "queued $q, want at least the $HOLD held while the reader was away"

# (b) the real Nagios; drover first: the command file does not exist yet
G=$T/ng
nagios_config "$G" kvm1 ipmi_volts
start_bg "$T/send2.out" "$SEND" "$G/rw/nagios.cmd" kvm1 ipmi_volts 10 50 2 "$CRIT_TEXT" "$PERF" 3
SPID=$LAST_PID
wait_until 60 held "$T/send2.out" || fail "nagios_send did not queue 3 results: $(cat "$T/send2.out")"
grep -qx 'held 3 written 0 queued 3 pending 3' "$T/send2.out" ||
	fail "with no command file: $(cat "$T/send2.out")"
[ -e "$G/rw/nagios.cmd" ] && fail "the writer created the command file"
nagios_start "$G"
wait "$SPID" || fail "nagios_send to Nagios: $(cat "$T/send2.out")"
note "nagios: $(cat "$T/send2.out")"
took_all() {
	[ "$(grep -c 'PASSIVE SERVICE CHECK: kvm1;ipmi_volts' "$G/nagios.log")" = 10 ] &&
		[ "$(nagios_service "$G" kvm1 ipmi_volts current_state)" = 2 ]
}
wait_until 60 took_all ||
	fail "Nagios took $(grep -c 'PASSIVE SERVICE CHECK' "$G/nagios.log") of 10 results: $(cat "$G/nagios.log")"
states=$(nagios_log_states "$G" kvm1 ipmi_volts)
[ "$states" = 0000000002 ] || fail "Nagios read the states in the order $states"
grep -q 'EXTERNAL COMMAND: PROCESS_HOST_CHECK_RESULT;kvm1;0;host up' "$G/nagios.log" || fail "host result not seen"
out=$(nagios_service "$G" kvm1 ipmi_volts plugin_output)
[ "$out" = "12V rail 10.90 V (critical below 11.00), next/line" ] || fail "plugin output: $out"
perf=$(nagios_service "$G" kvm1 ipmi_volts performance_data)
[ "$perf" = "$PERF" ] || fail "perfdata: $perf"
grep -q "Warning:" "$G/nagios.log" && fail "Nagios warned: $(grep Warning: "$G/nagios.log")"
nagios_stop || fail "nagios4 exited $?: $(tail "$G/nagios.log")"
echo PASS
