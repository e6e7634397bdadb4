#!/bin/bash
# The Nagios command-file writer on a real loop (tests/nagios_send): how
# long the loop goes without an iteration (max gap of a 10 ms ticker)
# while it queues results for a FIFO with no reader, then flushes them
# when a reader appears, and while it writes to a reader that keeps up.
#   bench/nagios_fifo.sh [N]   (from a built tree; make check builds the helper)
# Baseline: the same ticker with nothing to write (N = 1 result).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-900}
SEND=$top/tests/nagios_send
W=$(mktemp -d /tmp/bench-nagios.XXXXXX); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
TEXT="12V rail 10.90 V (critical below 11.00)"
PERF="'v12'=10.9;11.5:;11:;0"
run() { # NAME COUNT INTERVAL_MS HOLD
	rm -f "$W/cmd"; mkfifo "$W/cmd"
	local t0 t1 hold=()
	[ "$4" -gt 0 ] && hold=("$4")
	t0=$(date +%s.%N)
	"$SEND" "$W/cmd" kvm1 ipmi_volts "$2" "$3" 2 "$TEXT" "$PERF" "${hold[@]}" >"$W/$1.out" 2>/dev/null &
	local spid=$!
	if [ "$4" -gt 0 ]; then
		until grep -q '^held' "$W/$1.out"; do sleep 0.01; done
	fi
	bash -c 'exec cat <>"$1" >/dev/null' _ "$W/cmd" & pids+=($!)
	wait "$spid"
	t1=$(date +%s.%N)
	kill "${pids[-1]}" 2>/dev/null
	echo "$1: $(grep ^written "$W/$1.out") total $(echo "$t1 - $t0" | bc) s"
}
run baseline 2 10 0
run queued_then_flushed "$N" 1 $((N / 2))
run live "$N" 1 0
