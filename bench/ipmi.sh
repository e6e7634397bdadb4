#!/bin/bash
# Benchmark: how long one BMC read takes through drover (session setup,
# SDR from cache, readings, thresholds; on libuv's thread pool) and how
# many BMC reads per second drover sustains within its bounds.
#
#   bench/ipmi.sh [SIMS=4] [RUN_SECONDS=8] [TARGET_COUNTS="8 32 64 128"]
#
# Starts SIMS OpenIPMI ipmi_sim BMCs on loopback (tests/lib/ipmi_sim.sh),
# then for each target count N runs `drover run -v` with N bare-BMC hosts
# (spread over the sims, each its own physical host, ipmi_interval 1 s,
# defaults max_concurrency 64 / physical_concurrency 2) and reports
# reads/s, read time percentiles, queue delay and failures from drover's
# debug log ("failed" counts targets whose first failure was logged),
# and drover's own CPU use.  Not a test: it prints numbers.  Needs
# openipmi.  The sims share the machine's CPUs with drover, so at high
# counts the simulators, not drover, are usually the limit.
#
# First, the timings tests/test_ipmi.sh used to assert (ipmi_interval 2 s,
# ipmi_timeout 2 s, STATE_ROUNDS rail changes, default 10): how long a
# rail change takes to show as a state change in drover's log (goal: one
# ipmi_interval plus ipmi_sim's 200 ms file poll), how long a frozen BMC
# (kill -STOP) takes to fail (goal: within ipmi_timeout), and when a BMC
# that answers every request 150 ms late is abandoned (goal: at
# ipmi_timeout).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
DROVER=${DROVER:-$top/drover}
SIM=$top/tests/lib/ipmi_sim.sh
PY=/usr/bin/python3
SIMS=${1:-4}
RUN=${2:-8}
COUNTS=${3:-"8 32 64 128"}
T=$(mktemp -d /tmp/drover-bench-ipmi.XXXXXX)
trap 'for d in "$T"/sim* "$T"/frozen; do "$SIM" stop "$d"; done; [ "${KEEP_TMP:-0}" = 1 ] && echo "kept $T" || rm -rf "$T"' EXIT
[ -x "$DROVER" ] || { echo "build drover first" >&2; exit 1; }

udp_port() { $PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
tcp_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ports=()
for i in $(seq "$SIMS"); do
	p=$(udp_port)
	mkdir -p "$T/sim$i"
	"$SIM" start "$T/sim$i" "$p" "$(tcp_port)" || exit 1
	ports+=("$p")
done
umask 077; echo secret >"$T/pw"; umask 022

# ---- timings: state change, frozen BMC, slow BMC --------------------------
ROUNDS=${STATE_ROUNDS:-10}
pf=$(udp_port); ps=$(udp_port)
mkdir -p "$T/frozen"
"$SIM" start "$T/frozen" "$pf" "$(tcp_port)" || exit 1
$PY "$top/tests/lib/udp_slow.py" "$ps" "${ports[0]}" 150 &
slow=$!
{
	echo "dbdir $T/dbt"; echo "interval 60"; echo "local_node no"
	echo "listen 127.0.0.1:0"; echo "state_dir $T/statet"; echo "graph_cache $T/graphst"
	for h in rail:${ports[0]} frozen:$pf slow:$ps; do
		echo "[t;${h%%:*}]"
		echo " ipmi_address 127.0.0.1:${h#*:}"
		echo " ipmi_user admin"; echo " ipmi_password_file $T/pw"
		echo " ipmi_workarounds opensesspriv"
		echo " ipmi_interval 2"; echo " ipmi_timeout 2"
	done
} >"$T/t.conf"
"$DROVER" run -v -c "$T/t.conf" >"$T/t.log" 2>&1 &
dp=$!
for _ in $(seq 300); do grep -q "poll: frozen/ipmi: 3 sensors" "$T/t.log" && break; sleep 0.1; done
kill -STOP "$(cat "$T/frozen/ipmi_sim.pid")"
lat=()
for i in $(seq "$ROUNDS"); do
	mv=$([ $((i % 2)) = 1 ] && echo 11300 || echo 12000)
	# at a random phase of the read cycle, not locked to it
	sleep "$($PY -c 'import random; print("%.3f" % random.uniform(0, 2))')"
	n=$(grep -c 'ipmi: rail: ipmi_volts._12V' "$T/t.log")
	t0=$(date +%s.%N)
	"$SIM" set12v "$T/sim1" "$mv"
	for _ in $(seq 600); do
		[ "$(grep -c 'ipmi: rail: ipmi_volts._12V' "$T/t.log")" -gt "$n" ] && break
		sleep 0.02
	done
	lat+=("$($PY -c "print('%.2f' % ($(date +%s.%N) - $t0))")")
done
"$SIM" set12v "$T/sim1" 12000
kill -CONT "$(cat "$T/frozen/ipmi_sim.pid")"
kill -TERM "$dp"; wait "$dp"
kill "$slow"; wait "$slow" 2>/dev/null
$PY - "$T/t.log" "${lat[@]}" <<'PY'
import re, statistics, sys
lat = sorted(float(x) for x in sys.argv[2:])
print("# rail change -> state change in the log, %d changes: median %.2f s, max %.2f s"
      " (goal: ipmi_interval 2 s + 0.2 s file poll)" % (len(lat), statistics.median(lat), lat[-1]))
fro = []; slo = []
for line in open(sys.argv[1]):
    m = re.search(r"poll: (frozen|slow)/ipmi: .*(timed out|no result by the deadline).* after ([0-9.]+) s", line)
    if m:
        (fro if m.group(1) == "frozen" else slo).append(float(m.group(3)))
for name, v in (("frozen BMC fails after", fro), ("slow BMC abandoned after", slo)):
    if v:
        print("# %s: %d reads, median %.2f s, max %.2f s (ipmi_timeout 2 s)"
              % (name, len(v), statistics.median(v), max(v)))
    else:
        print("# %s: no failed read seen" % name)
PY
"$SIM" stop "$T/frozen"

# ---- throughput ------------------------------------------------------------
echo "# $SIMS ipmi_sim BMCs (3 sensors each), ipmi_interval 1 s, $RUN s per run, $(nproc) CPUs"
printf "%8s %10s %9s %9s %9s %9s %9s %8s %10s\n" targets "reads/s" "p50 ms" "p90 ms" "p99 ms" "max ms" "queue ms" failed "drover CPU"
for n in $COUNTS; do
	{
		echo "dbdir $T/db$n"
		echo "interval 60"
		echo "local_node no"
		echo "listen 127.0.0.1:0"
		echo "state_dir $T/state$n"
		echo "graph_cache $T/graphs$n"
		for i in $(seq "$n"); do
			echo "[bench;bmc$i]"
			echo " ipmi_address 127.0.0.1:${ports[$(( (i - 1) % SIMS ))]}"
			echo " ipmi_user admin"
			echo " ipmi_password_file $T/pw"
			echo " ipmi_workarounds opensesspriv"
			echo " ipmi_interval 1"
		done
	} >"$T/d$n.conf"
	"$DROVER" run -v -c "$T/d$n.conf" >"$T/d$n.log" 2>&1 &
	dp=$!
	sleep "$RUN"
	# drover's own CPU time (utime + stime, clock ticks) over the run
	cpu=$(awk '{print $14 + $15}' "/proc/$dp/stat")
	kill -TERM "$dp"; wait "$dp"
	# the first second warms the SDR caches; count whole seconds after it
	$PY - "$T/d$n.log" "$n" "$RUN" "$cpu" "$(getconf CLK_TCK)" <<'PY'
import re, sys
log, n, run = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
cpu = float(sys.argv[4]) / float(sys.argv[5]) / run * 100
ok = []; q = []; fails = 0
for line in open(log):
    m = re.search(r"poll: \S+/ipmi: \d+ sensors in (\d+) ms \(queued (\d+) ms\)", line)
    if m:
        ok.append(int(m.group(1))); q.append(int(m.group(2)))
    elif re.search(r"poll: \S+/ipmi: ", line) and "warning" in line:
        fails += 1
ok.sort()
pct = lambda p: ok[min(len(ok) - 1, int(p * len(ok)))] if ok else float("nan")
print("%8d %10.1f %9d %9d %9d %9d %9.1f %8d %9.0f%%" % (n, len(ok) / run, pct(.5), pct(.9),
      pct(.99), ok[-1] if ok else -1, sum(q) / max(1, len(q)), fails, cpu))
PY
done
