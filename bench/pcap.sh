#!/bin/bash
# pcap.sh: the capture cost of drover's capture path (bench/pcap_bench)
# against `tcpdump -w /dev/null`, on one veth pair between two network
# namespaces, on the same generated traffic (bench/pcap_send: COUNT frames,
# a mix of DHCP among UDP and TCP-sized frames), at 100k frames/s and flat
# out, with no filter and with a DHCP-only one.  Runs are interleaved:
# per repetition and rate, a run without capture (the sender's own cost),
# then tcpdump and drover with each filter, in alternating order.
#   bench/pcap.sh [COUNT [REPS]]      (root; default 1000000 frames, 5 reps)
# One line per run, then medians and drover/tcpdump ratios per case.
#
# CAPTURE: the drover side's command, given IF and the filter.  When the
# pcap source (plugins/host_pcap) lands, point it at that instead.
set -eu
cd "$(dirname "$0")/.."
count=${1:-1000000}
reps=${2:-5}
filter_dhcp='udp port 67 or udp port 68'
make -s bench/pcap_bench bench/pcap_send
command -v tcpdump >/dev/null || {
	echo "pcap.sh: tcpdump is needed (Debian package tcpdump)" >&2
	exit 1
}

tag=pcb$$
nss=${tag}s nsc=${tag}c
vs=${tag}s vc=${tag}c
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null
	ip netns del "$nss" 2>/dev/null
	ip netns del "$nsc" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
ip netns add "$nss"
ip netns add "$nsc"
ip link add "$vs" netns "$nss" type veth peer name "$vc" netns "$nsc"
ip -n "$nss" link set "$vs" up
ip -n "$nsc" link set "$vc" up
# an idle peer: no IPv6 link-local chatter on the capture side
ip netns exec "$nsc" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || true
ip netns exec "$nss" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 || true
sleep 1

# the drover side: IF FILTER
capture_drover() { exec bench/pcap_bench "$1" "$2"; }
# the same without immediate mode (the ring handed over by blocks)
capture_drover_I() { exec bench/pcap_bench -I "$1" "$2"; }
capture_tcpdump() { exec tcpdump -i "$1" -w /dev/null "$2"; }

busy() { # the system's non-idle jiffies, all CPUs
	awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat
}

# run TOOL FILTERNAME RATE REP: prints a result line
run() {
	local tool=$1 fname=$2 rate=$3 rep=$4 filter= s0 s1 cpu recv drop
	[ "$fname" = dhcp ] && filter=$filter_dhcp
	pid=
	if [ "$tool" != none ]; then
		: >"$tmp/err"
		ip netns exec "$nsc" bash -c \
		    "$(declare -f "capture_$tool"); capture_$tool \"\$@\"" \
		    _ "$vc" "$filter" >"$tmp/out" 2>"$tmp/err" &
		pid=$!
		for _ in $(seq 100); do
			grep -qE '^ready|listening on' "$tmp/err" && break
			sleep 0.05
		done
	fi
	s0=$(busy)
	ip netns exec "$nss" bench/pcap_send "$vs" "$count" "$rate" >"$tmp/send"
	sleep 0.5 # the capture drains its ring
	s1=$(busy)
	cpu=0 recv=0 drop=0
	if [ -n "$pid" ]; then
		# the capture's own CPU: utime + stime of all its threads
		cpu=$(awk '{printf "%.2f", ($14 + $15) / 100}' "/proc/$pid/stat")
		kill -INT "$pid"
		wait "$pid" || true
		pid=
		if [ "$tool" = tcpdump ]; then
			recv=$(awk '/received by filter/{print $1}' "$tmp/err")
			drop=$(awk '/dropped by kernel/{print $1}' "$tmp/err")
		else
			read -r _ recv _ drop _ ifdrop _ <"$tmp/out"
			drop=$((drop + ifdrop))
		fi
	fi
	read -r _ sent _ secs _ suser _ ssys _ <"$tmp/send"
	printf '%-3s %-6s %-5s %-8s %8s %7s %6s %9s %8s %6s %6s\n' "$rep" \
	    "$rate" "$fname" "$tool" "$sent" "$secs" "$cpu" "$recv" "$drop" \
	    "$(awk "BEGIN{printf \"%.3f\", $suser + $ssys}")" \
	    "$(awk "BEGIN{printf \"%.2f\", ($s1 - $s0) / 100}")"
}

echo "# $(nproc) CPUs, $(uname -r), $(tcpdump --version 2>&1 | head -1)," \
    "$(tcpdump --version 2>&1 | sed -n 2p); $count frames a run"
printf '%-3s %-6s %-5s %-8s %8s %7s %6s %9s %8s %6s %6s\n' rep rate filter \
    tool sent seconds cpu_s received dropped send_s sys_s |
    tee "$tmp/runs"
for rep in $(seq "$reps"); do
	for rate in 100000 0; do
		run none none "$rate" "$rep"
		for fname in none dhcp; do
			if [ $((rep % 2)) = 1 ]; then
				tools="tcpdump drover drover_I"
			else
				tools="drover_I drover tcpdump"
			fi
			for tool in $tools; do
				run "$tool" "$fname" "$rate" "$rep"
			done
		done
	done
done | tee -a "$tmp/runs"

# medians per case; CPU in seconds per million frames sent.  capture: the
# capture process's own; kernel: the sender's CPU above the run without
# capture (the softirq that hands each frame to the packet sockets and runs
# their BPF filters is charged to the sender); system: all CPUs' busy time
# during the run (other load on the machine included).
python3 - "$tmp/runs" <<'EOF'
import statistics, sys
from collections import defaultdict

runs = defaultdict(list)
for line in open(sys.argv[1]).read().split("\n")[1:]:
    f = line.split()
    if len(f) != 11:
        continue
    rep, rate, fname, tool = f[:4]
    sent, secs, cpu, recv, drop, send, syst = map(float, f[4:])
    runs[(rate, fname, tool)].append((rep, sent, cpu, recv, drop, send, syst))

base = {}
for (rate, fname, tool), v in runs.items():
    if tool == "none":
        for rep, sent, _, _, _, send, syst in v:
            base[(rate, rep)] = (send, syst)

def per_m(rate, fname, tool, what):
    out = []
    for rep, sent, cpu, recv, drop, send, syst in runs[(rate, fname, tool)]:
        b = base[(rate, rep)]
        x = {"capture": cpu, "kernel": send - b[0], "system": syst - b[1],
             "drop": drop, "recv": recv}[what]
        out.append(x if what in ("drop", "recv") else x * 1e6 / sent)
    return out

med = statistics.median
print()
print("| rate | filter | tool | capture CPU s/Mpkt | kernel CPU s/Mpkt "
      "| system CPU s/Mpkt | received | dropped (max) |")
print("|---|---|---|--:|--:|--:|--:|--:|")
for rate in ("100000", "0"):
    for fname in ("none", "dhcp"):
        for tool in ("tcpdump", "drover", "drover_I"):
            if (rate, fname, tool) not in runs:
                continue
            print("| %s | %s | %s | %.3f | %.3f | %.3f | %d | %d (%d) |" % (
                "100k/s" if rate == "100000" else "flat out", fname, tool,
                med(per_m(rate, fname, tool, "capture")),
                med(per_m(rate, fname, tool, "kernel")),
                med(per_m(rate, fname, tool, "system")),
                med(per_m(rate, fname, tool, "recv")),
                med(per_m(rate, fname, tool, "drop")),
                max(per_m(rate, fname, tool, "drop"))))
print()
print("| rate | filter | drover | capture CPU drover/tcpdump: all reps' sum "
      "(per rep min..max) | capture+kernel drover/tcpdump: sum (min..max) |")
print("|---|---|---|--:|--:|")
for rate, fname, drover in ((r, f, d) for d in ("drover", "drover_I")
                            for r in ("100000", "0") for f in ("none", "dhcp")):
        d, t = (runs[(rate, fname, x)] for x in (drover, "tcpdump"))
        if not d or not t:
            continue
        dc = per_m(rate, fname, drover, "capture")
        tc = per_m(rate, fname, "tcpdump", "capture")
        dk = per_m(rate, fname, drover, "kernel")
        tk = per_m(rate, fname, "tcpdump", "kernel")
        r = [a / b for a, b in zip(dc, tc) if b > 0]
        rk = [(a + c) / (b + e) for a, b, c, e in zip(dc, tc, dk, tk)
              if b + e > 0]
        print("| %s | %s | %s | %s | %s |" % (
            "100k/s" if rate == "100000" else "flat out", fname, drover,
            "%.2f (%.2f..%.2f)" % (sum(dc) / sum(tc), min(r), max(r))
            if r else "-",
            "%.2f (%.2f..%.2f)" % ((sum(dc) + sum(dk)) / (sum(tc) + sum(tk)),
                                   min(rk), max(rk)) if rk else "-"))
EOF
