#!/bin/bash
# A read-only state_dir does not stop drover.  In a private mount
# namespace where state_dir is a read-only bind mount (as root, file
# modes stop nothing) drover runs, polls, alerts and serves /health, which
# says loudly that the alert state and the page spool cannot be written;
# each complaint is logged once however often the save is retried, and
# drover poll works there too.  Made writable again (remounted inside
# drover's namespace), the state is saved and the spool opened at the
# next retry, and /health is quiet.
. "$top_srcdir/tests/lib/common.sh" || exit 99
. "$top_srcdir/tests/lib/health.sh" || exit 99
need unshare util-linux
need nsenter util-linux
need curl curl
set -o pipefail

HOST=$(hostname)
mkdir "$T/state"
cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
interval 2
listen 127.0.0.1:0
[$HOST]
    load.load.warning 1000000:
CONF
# ro CMD...: exec CMD in a new mount namespace where $T/state is
# read-only; the caller's process becomes CMD (start_bg's PID is drover's)
ro() {
	exec unshare -m sh -c 'mount --make-rprivate / &&
		mount --bind -o ro "$1" "$1" && shift && exec "$@"' sh "$T/state" "$@"
}
health() { curl -sf "http://127.0.0.1:$PORT/health" >"$T/health"; }
# failed_saves_at_least N: /health counts N failed saves of the state
failed_saves_at_least() {
	local n
	health || return 1
	n=$(grep -o '([0-9]* failed saves)' "$T/health" | grep -o '[0-9]*')
	[ -n "$n" ] && [ "$n" -ge "$1" ]
}
quiet() { health && ! grep -q 'class=error' "$T/health"; }

start_bg "$T/run.log" ro "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$T/run.log") || fail "no dashboard: $(cat "$T/run.log")"
# monitoring goes on: polls, RRD files, alerts
wait_log "$T/run.log" "alerts: $HOST load load is WARNING (was OK)" 30 ||
	fail "no WARNING: $(cat "$T/run.log")"
wait_until 30 health_at_least "$PORT" "polls done" 3 || fail "no polls"
health || fail "no /health"
grep -q "<b>alert state not saved</b>.*cannot write $T/state/alerts.json.tmp: Read-only file system" "$T/health" ||
	fail "no state error on /health: $(cat "$T/health")"
grep -q "<b>page spool not written</b>: cannot open the spool $T/state/spool: Read-only file system" "$T/health" ||
	fail "no spool error on /health: $(cat "$T/health")"
# retried (the state is dirty: the WARNING) but logged once
wait_until 60 failed_saves_at_least 2 || fail "state save not retried: $(cat "$T/health")"
[ "$(grep -c 'alerts: cannot write' "$T/run.log")" -eq 1 ] ||
	fail "state error not logged once: $(cat "$T/run.log")"
[ "$(grep -c 'notify: cannot open the spool' "$T/run.log")" -eq 1 ] ||
	fail "spool error not logged once: $(cat "$T/run.log")"
(ro "$DROVER" poll -c "$T/drover.conf" "$HOST") >"$T/poll.out" 2>&1 ||
	fail "drover poll: $(cat "$T/poll.out")"
grep -q "^load" "$T/poll.out" || fail "drover poll output: $(cat "$T/poll.out")"

# writable again: saved and opened at the next retry, /health quiet
nsenter -t "$DPID" -m mount -o remount,bind,rw "$T/state" ||
	fail "cannot remount $T/state read-write"
wait_until 60 quiet || fail "errors stay on /health: $(cat "$T/health")"
wait_log "$T/run.log" "alerts: $T/state/alerts.json saved again" 10 ||
	fail "no recovery logged: $(cat "$T/run.log")"
wait_log "$T/run.log" "notify: spool $T/state/spool opened" 10 ||
	fail "no spool recovery logged: $(cat "$T/run.log")"
grep -q '"'"$HOST"'/load/load":{"hard":"WARNING"' "$T/state/alerts.json" ||
	fail "state not saved: $(cat "$T/state/alerts.json")"
[ -d "$T/state/spool" ] || fail "no spool"
[ ! -e "$T/state/alerts.json.tmp" ] || fail "a .tmp stayed behind"
stop_pid "$DPID" || fail "drover exit status $?: $(cat "$T/run.log")"
exit 0
