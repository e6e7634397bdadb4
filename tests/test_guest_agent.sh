#!/bin/bash
# Guests find their hypervisor through drover's own agent: `drover node`
# hv1 and hv2, whose vm probes read fixture machines (tests/lib/vm_tree.sh:
# /proc, cgroup v2 machine scopes and taps of qemu processes, through
# procfs_root, sysfs_root and cgroup_root), and xen1, a Xen dom0 agent
# whose xentop and xl are scripts printing tests/fixtures/xen.  The
# guests are fake munin-nodes answering slowly (about 1 s a poll); no
# host section has a "physical" key; physical_concurrency 2, interval
# 4 s.  The agents are polled through fake_node.py proxies, so every
# session of hv1, hv2 and the guests is in one log.
#  - control: hv1 runs no qemu yet, each guest is its own physical host
#    and their polls overlap more than 2 (the test can fail);
#  - 12 qemu processes appear on hv1 (one, then 11 its cached config
#    lacks: they come with their labels and types), named by -name guest=gN, by -name
#    with a bare name, by their libvirt machine scope alone, with upper
#    case and a dot (field Web_Example, label Web.Example), with a space,
#    with an escaped comma: every guest's /api/v1 physical becomes hv1,
#    "learned" (by short name, name, vm_name in another case, vm_name
#    with a comma), and at most 2 polls of hv1 and its guests overlap,
#    the bound reached;
#  - the dashboard: hv1's page lists its 12 guests with their hosts, a
#    guest's page shows hv1's view of it, its values as hv1's agent
#    fetched them, hv1's vm_* graphs rendering as PNGs;
#  - one guest migrates (its process leaves hv1's machine, appears on
#    hv2's): hv1 still lists it, stopped (vm_state 0), and it follows to
#    hv2 at hv2's next poll, hv1 and its other guests still within 2;
#  - another migrates live (it runs on both, then hv1's stops): it goes
#    to hv2, which began reporting it last, and stays there;
#  - xen1 reports guest-01 (and Domain-0, not in xen_state): the host
#    with vm_name guest-01 joins xen1's budget and its page shows xen1's
#    view, running; neither Domain-0 nor Xen's qemus (dom0's disk
#    backend, a domain's device model) is anybody's guest.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
. "$top_srcdir/tests/lib/guest_budget.sh"
. "$top_srcdir/tests/lib/vm_tree.sh"
set -o pipefail

need curl curl
LINES="$top_srcdir/tests/lib/node_lines.py"
XFIX="$top_srcdir/tests/fixtures/xen"
INTERVAL=4
LOG=$T/sessions.log
: >"$LOG"
NODES="g0 g1 g2 g3 g4 g5 g6 g7 g8 g9 g10 g11"
# guest node -> PID of its qemu on hv1 and the -name it runs with ("" is
# none: named by its machine scope, g110); its host section
pid_of() { echo $((100 + ${1#g})); }
name_arg() {
	case $1 in
	g3) echo "guest=Web.Example,debug-threads=on" ;;
	g7) echo "my vm" ;;
	g9) echo "guest=db,,primary" ;;
	g10) echo "" ;;
	g11) echo "g11" ;;
	*) echo "guest=$1,debug-threads=on" ;;
	esac
}
host_of() {
	case $1 in
	g3) echo web.example ;;
	g7) echo desktop ;;
	g9) echo dbp ;;
	g10) echo g110.lan ;;
	*) echo "$1.test" ;;
	esac
}
section() {
	echo "[guests;$(host_of "$1")]"
	echo "    address 127.0.0.1"
	case $1 in
	g7) echo "    vm_name My VM" ;;
	g9) echo "    vm_name db,primary" ;;
	esac
}

# the agents: fixture machines with the /proc files of a real one and no
# qemu yet; xen1's runs only Xen's qemus (dom0's disk backend, a domain's
# device model: tests/fixtures/vm/proc/500 and 600), no guest of the vm
# probe
for m in hv1 hv2 xen1; do
	mkdir -p "$T/$m"
	cp -r "$top_srcdir/tests/fixtures/proc" "$T/$m/proc"
	vm_tree_init "$T/$m"
done
cp -r "$top_srcdir/tests/fixtures/vm/proc/500" "$top_srcdir/tests/fixtures/vm/proc/600" "$T/xen1/proc/"
mkdir "$T/no-plugins"
cp "$XFIX/xentop-4.9.2.txt" "$T/top.txt"
cat >"$T/xentop" <<SH
#!/bin/sh
[ "\$*" = "-b -i 1 -f" ] || { echo "xentop: bad args \$*" >&2; exit 2; }
exec cat "$T/top.txt"
SH
cat >"$T/xl" <<SH
#!/bin/sh
[ "\$*" = "list -l" ] || exit 2
exec cat "$XFIX/xl-list-4.17.json"
SH
chmod +x "$T/xentop" "$T/xl"
declare -A APORT APID
for m in hv1 hv2 xen1; do
	APORT[$m]=$(free_port 127.0.0.1)
	{
		echo "node_listen 127.0.0.1:${APORT[$m]}"
		echo "node_host_name $m"
		echo "user root"
		echo "node_plugin_dir $T/no-plugins"
		vm_tree_keys "$T/$m"
		if [ "$m" = xen1 ]; then
			echo "xentop_command $T/xentop"
			echo "xl_command $T/xl"
		else # not a dom0, whatever this machine has
			echo "xentop_command $T/no-xentop"
			echo "xl_command $T/no-xl"
		fi
		echo "lvm_archive_dir $T/no-lvm"
		echo "lvm_backup_dir $T/no-lvm"
		echo "lvs_command $T/no-lvs"
	} >"$T/$m.conf"
	: >"$T/$m.log"
	start_bg "$T/$m.log" "$DROVER" node -c "$T/$m.conf"
	APID[$m]=$LAST_PID
	wait_log "$T/$m.log" "node: $m on 127.0.0.1:${APORT[$m]}" 30 ||
		fail "drover node $m did not start: $(cat "$T/$m.log")"
done

# agent_fetch AGENT OUT: the agent's own answer to "fetch PLUGIN"
agent_fetch() {
	$PY "$LINES" 127.0.0.1 "${APORT[$1]}" "cap multigraph" "fetch $3" \
	    quit >"$2"
}
# value FILE SERVICE FIELD: the field's value in a fetch answer
value() {
	awk -v s="multigraph $2" -v f="$3.value" \
	    '$0 == s { on = 1; next } /^multigraph / { on = 0 }
	     on && $1 == f { print $2 }' "$1"
}
# runs_on AGENT N: the agent's fetch reports N guests running
runs_on() {
	agent_fetch "$1" "$T/$1.fetch" vm &&
		[ "$(sed -n '/^multigraph vm_state$/,/^multigraph [^v]\|^\.$/p' "$T/$1.fetch" |
			grep -c '\.value 1$')" = "$2" ]
}

$PY - "$T" "$LOG" "${APORT[hv1]}" "${APORT[hv2]}" "${APORT[xen1]}" <<'PY'
import json, sys
t, log = sys.argv[1], sys.argv[2]
spec = [{"name": h, "mode": "proxy", "backend": int(p), "session_log": log}
        for h, p in zip(("hv1", "hv2", "xen1"), sys.argv[3:6])]
for i in range(12):
    spec.append({"name": "g%d" % i, "mode": "normal", "plugins": 1,
                 "fields": 1, "delay_ms": 200, "session_log": log})
spec.append({"name": "xg", "mode": "normal", "plugins": 1, "fields": 1,
             "session_log": log})
json.dump(spec, open(t + "/spec.json", "w"))
PY
start_bg "$T/fake.log" $PY "$top_srcdir/tests/lib/fake_node.py" "$T/spec.json" "$T" --live
FAKE=$LAST_PID
wait_for_file "$T/ports.json" 30 || fail "fake nodes did not start: $(cat "$T/fake.log")"
port() { json_get "$T/ports.json" "j['$1']"; }

{
	echo "dbdir $T/db"
	echo "interval $INTERVAL"
	echo "physical_concurrency 2"
	echo "local_node no"
	echo "listen 127.0.0.1:0"
	echo "state_dir $T/state"
	echo "graph_cache $T/graphs"
	for m in hv1 hv2 xen1; do
		echo "[hv;$m]"
		echo "    address 127.0.0.1"
		echo "    port $(port $m)"
	done
	for n in $NODES; do
		section "$n"
		echo "    port $(port "$n")"
	done
	echo "[guests;xenguest]"
	echo "    address 127.0.0.1"
	echo "    vm_name guest-01"
	echo "    port $(port xg)"
} >"$T/drover.conf"
"$DROVER" config -c "$T/drover.conf" >"$T/printed" || fail "config rejected"
grep -q '^    physical' "$T/printed" && fail "drover config prints a physical nobody set"
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
PORT=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"
GHOSTS=$(for n in $NODES; do host_of "$n"; done)

# control: hv1 runs no qemu, each guest is its own physical host
T0=$(now)
wait_until 40 sessions_after "$T0" 2 $NODES hv1 || fail "guests not polled: $(tail -3 "$LOG")"
phys_is own - $GHOSTS || fail "a guest joined a budget: $(cat "$T/hosts.json")"
c=$(overlap 0 $NODES)
note "control, no qemu on hv1: at most $c guest polls at once"
[ "$c" -gt 2 ] || fail "control: guest polls overlapped only $c: the test proves nothing"
# xen1 has reported guest-01 from its first poll
phys_is learned xen1 xenguest || fail "xenguest not on xen1: $(cat "$T/hosts.json")"

# the 12 qemu processes start on hv1: g0 first, then, once drover has
# read hv1's config with g0 alone, the 11 others (fields the cached
# config lacks)
vm_tree_add "$T/hv1" "$(pid_of g0)" "$(name_arg g0)" || fail "could not add g0's qemu"
wait_until 10 runs_on hv1 1 || fail "hv1 does not report g0 running: $(cat "$T/hv1.fetch")"
wait_until 30 phys_is learned hv1 g0.test || fail "g0 did not join hv1: $(cat "$T/hosts.json")"
for n in $NODES; do
	[ "$n" = g0 ] && continue
	vm_tree_add "$T/hv1" "$(pid_of "$n")" "$(name_arg "$n")" ||
		fail "could not add $n's qemu"
done
# Web.Example (g3) is busy: its cgroup's CPU time grows by a quarter of
# a CPU, 250,000 us a second
start_bg "$T/busy.log" $PY -c '
import os, sys, time
p, t0 = sys.argv[1], time.time()
while True:
    u = int(sys.argv[2]) + int((time.time() - t0) * 250000)
    open(p + ".tmp", "w").write("usage_usec %d\nuser_usec 1\nsystem_usec 1\n" % u)
    os.rename(p + ".tmp", p)
    time.sleep(0.05)' "$T/hv1/cgroup/machine.slice/$(vm_tree_scope "$(pid_of g3)")/cpu.stat" \
    $(($(pid_of g3) * 1000000))
# (a reading younger than a second is served again: waited for)
wait_until 10 runs_on hv1 12 || fail "hv1 does not report 12 guests running: $(cat "$T/hv1.fetch")"
wait_until 30 phys_is learned hv1 $GHOSTS || fail "guests did not join hv1: $(cat "$T/hosts.json")"
TB=$(now)
for n in $NODES; do
	grep -q "guest $(host_of "$n") joins hypervisor hv1's budget (was its own)" "$T/drover.log" ||
		fail "$n's move not logged: $(grep joins "$T/drover.log")"
done
phys_is own - hv1 hv2 xen1 || fail "a hypervisor moved: $(cat "$T/hosts.json")"
wait_until 60 sessions_after "$TB" 2 $NODES hv1 || fail "guests not polled after joining"
b=$(overlap "$TB" hv1 $NODES)
note "hv1 and its 12 guests: at most $b polls at once (physical_concurrency 2)"
[ "$b" -le 2 ] || fail "hv1's budget exceeded: $b polls at once"
[ "$b" = 2 ] || fail "hv1's budget never reached: the test proves nothing"

# the dashboard: hv1's page lists its guests as hv1's agent names them
curl -sf "http://127.0.0.1:$PORT/hv1/" >"$T/hv1.html" || fail "hv1 page"
for pair in "g0:g0.test" "Web.Example:web.example" "my vm:desktop" \
    "db,primary:dbp" "g110:g110.lan" "g11:g11.test"; do
	grep -qF "<td>${pair%%:*}</td><td>running</td><td><a href=\"/${pair#*:}/\">${pair#*:}</a>" "$T/hv1.html" ||
		fail "hv1's page does not list ${pair#*:} as ${pair%%:*}: $(grep -o '<h2>Guests.*</table>' "$T/hv1.html" | head -c 900)"
done
[ "$(grep -o '<td>running</td>' "$T/hv1.html" | wc -l)" = 12 ] ||
	fail "hv1's page lists $(grep -o '<td>running</td>' "$T/hv1.html" | wc -l) running guests"
# the guests that came after g0 were stored with their config's types:
# vm_cpu is DERIVE (-d.rrd), vm_memory GAUGE (-g.rrd)
[ -e "$T/db/hv/hv1-vm_cpu-Web_Example-d.rrd" ] && [ -e "$T/db/hv/hv1-vm_memory-Web_Example-g.rrd" ] ||
	fail "no RRD files of Web_Example: $(ls "$T/db/hv" | head -20)"
wrong=$(cd "$T/db/hv" && ls hv1-vm_cpu-*-g.rrd hv1-vm_net-*-g.rrd 2>/dev/null)
[ -z "$wrong" ] || fail "counters of new guests stored as gauges: $wrong"

# a guest's page: hv1's view, its values as hv1's agent fetched them
# (vm_memory a gauge of base 1024, vm_vcpus; the fixture's other
# counters do not move, so their rates are 0; its CPU time, in 1/100 s,
# grows 25 a second: 25 % of a CPU, within the jitter of hv1's polls)
curl -sf "http://127.0.0.1:$PORT/web.example/" >"$T/guest.html" || fail "guest page"
grep -q 'As hypervisor <a href="/hv1/">hv1</a> sees it' "$T/guest.html" ||
	fail "no hypervisor view on web.example's page: $(head -c 600 "$T/guest.html")"
agent_fetch hv1 "$T/hv1.fetch" vm || fail "fetch vm from hv1"
mem=$(value "$T/hv1.fetch" vm_memory Web_Example)
vcpus=$(value "$T/hv1.fetch" vm_vcpus Web_Example)
[ "$mem" = $(($(pid_of g3) * 1048576)) ] || fail "hv1's agent: Web_Example memory $mem"
shown=$($PY -c 'import sys; print("%.3g M" % (int(sys.argv[1]) / 1048576))' "$mem")
for row in "Virtual machine memory:$shown" "Virtual machine vCPUs:$vcpus" \
    "Virtual machine state:running" \
    "Virtual machine disk I/O (read):0/s" "Virtual machine network traffic (tx):0/s"; do
	grep -qF "<td>${row%%:*}</td><td class=num>${row#*:}</td>" "$T/guest.html" ||
		fail "web.example's page: no '${row%%:*}' of ${row#*:}: $(grep -o '<aside.*</table>' "$T/guest.html")"
done
cpu=$(sed -n 's|.*<td>Virtual machine CPU time</td><td class=num>\([0-9.]*\) %</td>.*|\1|p' "$T/guest.html")
c1=$(value "$T/hv1.fetch" vm_cpu Web_Example)
sleep 1.1
agent_fetch hv1 "$T/hv1.fetch2" vm || fail "fetch vm from hv1"
c2=$(value "$T/hv1.fetch2" vm_cpu Web_Example)
note "web.example's CPU: $cpu % on its page; hv1's agent: $c1 then $c2 (1/100 s) 1.1 s later"
$PY -c 'import sys; c = float(sys.argv[1]); sys.exit(0 if 12.5 <= c <= 50 else 1)' "${cpu:-x}" ||
	fail "web.example's page: CPU time '$cpu', want about 25 %: $(grep -o '<aside.*</table>' "$T/guest.html")"
[ $((c2 - c1)) -ge 20 ] && [ $((c2 - c1)) -le 40 ] || fail "hv1's agent: CPU $c1 then $c2"
# hv1's graphs on it render
graphs=$(grep -o 'src="/hv1/vm_[a-z]*-day.png[^"]*"' "$T/guest.html" | sed 's/^src="//; s/"$//; s/&amp;/\&/g')
[ "$(echo "$graphs" | grep -c .)" = 6 ] || fail "hv1's graphs on web.example's page: $graphs"
for g in $graphs; do
	code=$(curl -s -o "$T/graph.png" -w '%{http_code}' "http://127.0.0.1:$PORT$g")
	[ "$code" = 200 ] || fail "$g: HTTP $code"
	[ "$(head -c 8 "$T/graph.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "$g is no PNG: $(head -c 60 "$T/graph.png" | od -c | head -2)"
done
note "hv1's $(echo "$graphs" | wc -l) vm_* graphs on web.example's page render"

# g5 migrates: its qemu leaves hv1's machine, runs on hv2's
vm_tree_move "$T/hv1" "$T/hv2" "$(pid_of g5)" || fail "could not move g5"
wait_until 10 runs_on hv1 11 || fail "hv1 still runs 12 guests: $(cat "$T/hv1.fetch")"
[ "$(value "$T/hv1.fetch" vm_state g5)" = 0 ] ||
	fail "hv1 does not keep g5 stopped: $(value "$T/hv1.fetch" vm_state g5)"
wait_until 30 phys_is learned hv2 g5.test || fail "g5 did not follow: $(cat "$T/hosts.json")"
TC=$(now)
# (through its own budget when hv1 was polled first)
grep -Eq "guest g5.test joins hypervisor hv2's budget \(was (hv1|its own)\)" "$T/drover.log" ||
	fail "g5's move not logged: $(grep joins "$T/drover.log" | tail -3)"
phys_is learned hv1 $(echo "$GHOSTS" | grep -vx g5.test) || fail "the others moved: $(cat "$T/hosts.json")"
# hv1's page, once hv1 was polled again: g5 stopped there, running on hv2
hv1_page_shows() {
	curl -sf "http://127.0.0.1:$PORT/hv1/" >"$T/hv1.html" &&
		grep -qF "$1" "$T/hv1.html"
}
wait_until 30 hv1_page_shows '<td>g5</td><td>stopped</td><td><a href="/g5.test/">g5.test</a> (runs on <a href="/hv2/">hv2</a>)</td>' ||
	fail "hv1's page does not show g5 stopped: $(grep -o '<h2>Guests.*</table>' "$T/hv1.html" | head -c 900)"
REST=$(echo "$NODES" | tr ' ' '\n' | grep -vx g5)
wait_until 60 sessions_after "$TC" 1 $REST hv1 || fail "hv1's guests not polled after the move"
one=$(overlap "$TC" hv1 $REST)
note "after the move: hv1 and its 11 guests at most $one at once"
[ "$one" -le 2 ] || fail "hv1's budget exceeded after the move: $one"

# g6 migrates live: its qemu starts on hv2 while hv1's still runs; hv2
# began reporting it last, so it goes there and stays there while hv1
# reports it, then when hv1's stops
vm_tree_copy "$T/hv1" "$T/hv2" "$(pid_of g6)" || fail "could not copy g6"
wait_until 30 phys_is learned hv2 g6.test || fail "g6 did not follow: $(cat "$T/hosts.json")"
grep -q "guest g6.test joins hypervisor hv2's budget (was hv1)" "$T/drover.log" ||
	fail "g6's move not logged: $(grep joins "$T/drover.log" | tail -3)"
TL=$(now)
wait_until 30 sessions_after "$TL" 1 hv1 || fail "hv1 not polled after g6's move"
runs_on hv1 11 || fail "hv1 no longer reports g6 running: $(cat "$T/hv1.fetch")"
vm_tree_del "$T/hv1" "$(pid_of g6)"
wait_until 10 runs_on hv1 10 || fail "hv1 still runs g6: $(cat "$T/hv1.fetch")"
TS=$(now)
wait_until 30 sessions_after "$TS" 1 hv1 || fail "hv1 not polled after g6 stopped"
phys_is learned hv2 g5.test g6.test || fail "g6 went back: $(cat "$T/hosts.json")"
[ "$(grep -c "guest g6.test" "$T/drover.log")" = 2 ] ||
	fail "g6 moved more than twice: $(grep "guest g6.test" "$T/drover.log")"

# xen1: guest-01 runs there, Domain-0 is nobody's guest
curl -sf "http://127.0.0.1:$PORT/xenguest/" >"$T/xg.html" || fail "xenguest page"
grep -q 'As hypervisor <a href="/xen1/">xen1</a> sees it' "$T/xg.html" ||
	fail "no xen1 view on xenguest's page: $(head -c 600 "$T/xg.html")"
grep -q '<td>Xen guest state</td><td class=num>running</td>' "$T/xg.html" ||
	fail "xenguest's page: no running state from xen1: $(grep -o '<aside.*</table>' "$T/xg.html")"
# its figures as xen1's agent fetched them (the fixture's counters do
# not move: rates 0), the disk requests (_rdreq/_wrreq) among them
agent_fetch xen1 "$T/xen1.xen" xen || fail "fetch xen from xen1"
[ "$(value "$T/xen1.xen" xen_memory guest_01)" = 1073741824 ] ||
	fail "xen1's agent: guest_01 memory $(value "$T/xen1.xen" xen_memory guest_01)"
[ "$(value "$T/xen1.xen" xen_vcpus guest_01)" = 2 ] || fail "xen1's agent: guest_01 vCPUs"
for row in "Xen domain memory:1 G" "Xen domain vCPUs:2" "Xen domain CPU time:0 %" \
    "Xen domain disk requests (rdreq):0/s" "Xen domain network traffic (rx):0/s"; do
	grep -qF "<td>${row%%:*}</td><td class=num>${row#*:}</td>" "$T/xg.html" ||
		fail "xenguest's page: no '${row%%:*}' of ${row#*:}: $(grep -o '<aside.*</table>' "$T/xg.html")"
done
graphs=$(grep -o 'src="/xen1/xen_[a-z_]*-day.png[^"]*"' "$T/xg.html" | sed 's/^src="//; s/"$//; s/&amp;/\&/g')
[ "$(echo "$graphs" | grep -c .)" = 7 ] || fail "xen1's graphs on xenguest's page: $graphs"
for g in $graphs; do
	code=$(curl -s -o "$T/graph.png" -w '%{http_code}' "http://127.0.0.1:$PORT$g")
	[ "$code" = 200 ] && [ "$(head -c 8 "$T/graph.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		fail "$g: HTTP $code, $(head -c 60 "$T/graph.png" | od -c | head -2)"
done
curl -sf "http://127.0.0.1:$PORT/xen1/" >"$T/xen1.html" || fail "xen1 page"
grep -qF '<td>guest-01</td><td>running</td><td><a href="/xenguest/">xenguest</a>' "$T/xen1.html" ||
	fail "xen1's page does not list xenguest: $(grep -o '<h2>Guests.*</table>' "$T/xen1.html" | head -c 600)"
grep -q 'Domain-0</td><td>running' "$T/xen1.html" && fail "Domain-0 listed as a guest of xen1"
agent_fetch xen1 "$T/xen1.fetch" vm || fail "fetch vm from xen1"
grep -q '\.value' "$T/xen1.fetch" && fail "xen1's vm probe shows Xen's qemus: $(cat "$T/xen1.fetch")"
grep -q '<td>dom0</td>' "$T/xen1.html" && fail "xen1's page lists dom0 as a guest"

stop_pid "$DPID" || fail "drover exited with an error: $(tail -3 "$T/drover.log")"
stop_pid "$FAKE" || fail "fake nodes failed: $(cat "$T/fake.log")"
for m in hv1 hv2 xen1; do
	stop_pid "${APID[$m]}" || fail "drover node $m exited with status $?: $(tail -5 "$T/$m.log")"
	grep -e "warning: vm" -e "warning: xen" "$T/$m.log" &&
		fail "agent $m warned about its guests"
done
if warnings "$T/drover.log" | grep -q .; then
	fail "unexpected warnings: $(warnings "$T/drover.log" | head -3)"
fi
echo "PASS: guests join their hypervisor's budget through drover node and follow a migration"
