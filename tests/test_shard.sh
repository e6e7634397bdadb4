#!/bin/bash
# Sharding (collector/shard.h, web/peers.h): three `drover run`
# collectors on loopback, shard 1/3, 2/3 and 3/3 of one config of 12
# hosts: four hypervisors kvm1..kvm4, each a real `drover node` agent,
# and two guests of each ("physical kvmN", polled at their hypervisor's
# agent).  FNV-1a 64 mod 3 puts kvm1 on 1, kvm3 on 2, kvm2 and kvm4 on 3.
#  - `drover shard` gives each host the shard python's FNV-1a says;
#  - each host is polled by exactly one collector: its RRDs are in that
#    collector's dbdir only, and a hypervisor's guests are with it;
#  - every collector's /api/v1/hosts lists the 12 hosts, each with its
#    owner ("self" or the owning peer's URL) and its state there;
#  - `drover check` against collector 1 for a host collector 3 polls
#    answers as collector 3 does, with its exit code (a 307 followed);
#  - collector 3 stopped: 1 and 2 show it unreachable and its hosts
#    without owner, keep polling their own and showing each other's,
#    and a check of its host is UNKNOWN with the reason;
#  - 1 and 2 reloaded (SIGHUP) as shard 1/2 and 2/2 of a two-collector
#    cluster: 3's hosts are polled again, each by the one FNV-1a mod 2
#    names, and both list the 12 hosts with those owners.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail

need curl curl
INTERVAL=5
HYPS="kvm1 kvm2 kvm3 kvm4"
declare -A APORT OWNER OWNER2
# the owner of each physical host, from python's FNV-1a 64, not drover's
fnv_shard() { # KEY [N]
	$PY -c '
import sys
h = 14695981039346656037
for b in sys.argv[1].encode():
    h = ((h ^ b) * 1099511628211) % 2**64
print(h % int(sys.argv[2]) + 1)' "$1" "${2:-3}"
}
mkdir "$T/no-plugins"
for m in $HYPS; do
	APORT[$m]=$(free_port 127.0.0.1)
	cat >"$T/$m.conf" <<CONF
node_listen 127.0.0.1:${APORT[$m]}
node_host_name $m
user root
node_plugin_dir $T/no-plugins
lvm_archive_dir $T/no-lvm
lvm_backup_dir $T/no-lvm
lvs_command $T/no-lvs
xentop_command $T/no-xentop
xl_command $T/no-xl
CONF
	start_bg "$T/$m.log" "$DROVER" node -c "$T/$m.conf"
done
for m in $HYPS; do
	wait_log "$T/$m.log" "node: $m on 127.0.0.1:${APORT[$m]}" 30 ||
		fail "drover node $m did not start: $(cat "$T/$m.log")"
done

# the 12 hosts: host -> its physical host
declare -A PHYS
HOSTS=""
for m in $HYPS; do
	PHYS[$m]=$m
	HOSTS="$HOSTS $m"
	for g in a b; do
		PHYS[$m$g.vm]=$m
		HOSTS="$HOSTS $m$g.vm"
	done
done
for h in $HOSTS; do
	OWNER[$h]=$(fnv_shard "${PHYS[$h]}")
done
[ "${OWNER[kvm1]} ${OWNER[kvm3]} ${OWNER[kvm2]} ${OWNER[kvm4]}" = "1 2 3 3" ] ||
	fail "python's FNV-1a puts kvm1..4 on ${OWNER[kvm1]} ${OWNER[kvm2]} ${OWNER[kvm3]} ${OWNER[kvm4]}"
hosts_conf() {
	local m g
	for m in $HYPS; do
		printf '[cluster;%s]\n    address 127.0.0.1\n    port %s\n' \
			"$m" "${APORT[$m]}"
		for g in a b; do
			printf '[cluster;%s]\n    address 127.0.0.1\n    port %s\n    physical %s\n' \
				"$m$g.vm" "${APORT[$m]}" "$m"
		done
	done
}
declare -A WPORT URL PID
for i in 1 2 3; do
	WPORT[$i]=$(free_port 127.0.0.1)
	URL[$i]=http://127.0.0.1:${WPORT[$i]}
done
for i in 1 2 3; do
	{
		echo "dbdir $T/db$i"
		echo "state_dir $T/state$i"
		echo "graph_cache $T/graphs$i"
		echo "interval $INTERVAL"
		echo "local_node no"
		echo "user root"
		echo "listen 127.0.0.1:${WPORT[$i]}"
		echo "shard $i/3"
		for j in 1 2 3; do
			[ "$j" = "$i" ] || echo "peer ${URL[$j]}/"
		done
		hosts_conf
	} >"$T/c$i.conf"
done

# ---- drover shard: the split python computes ---------------------------
"$DROVER" shard -c "$T/c1.conf" >"$T/shard.out" ||
	fail "drover shard: $(cat "$T/shard.out")"
for h in $HOSTS; do
	want="$h ${PHYS[$h]} [0-9a-f]\{16\} ${OWNER[$h]} $([ "${OWNER[$h]}" = 1 ] && echo self || echo peer)"
	grep -qx "$want" "$T/shard.out" ||
		fail "drover shard says $(grep "^$h " "$T/shard.out") for $h, want $want"
done
"$DROVER" config -c "$T/c3.conf" >"$T/config.out" || fail "drover config failed"
grep -qx "shard 3/3" "$T/config.out" || fail "drover config prints no shard: $(head "$T/config.out")"
[ "$(grep -c '# shard: polled here' "$T/config.out")" = 6 ] ||
	fail "drover config: collector 3 should poll kvm2, kvm4 and their guests: $(grep -B3 '# shard' "$T/config.out")"

for i in 1 2 3; do
	start_bg "$T/c$i.log" "$DROVER" run -c "$T/c$i.conf"
	PID[$i]=$LAST_PID
done
for i in 1 2 3; do
	wait_log "$T/c$i.log" "web: dashboard on ${URL[$i]}/" 30 ||
		fail "collector $i has no dashboard: $(cat "$T/c$i.log")"
done

# ---- each host polled by exactly one collector --------------------------
# its own hosts polled twice (last_ok moved) and every peer answered
own_polled() { # COLLECTOR
	curl -sf "${URL[$1]}/api/v1/hosts?local=1" >"$T/own$1.json" || return 1
	$PY - "$T/own$1.json" "$1" $HOSTS <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
hs = {h["name"]: h for h in j["hosts"]}
sys.exit(0 if hs and all(h["poll_state"] == "up" for h in hs.values()) else 1)
PY
}
for i in 1 2 3; do
	wait_until 60 own_polled "$i" ||
		fail "collector $i did not poll its hosts: $(cat "$T/own$i.json"; tail "$T/c$i.log")"
done
# one more interval: a collector that polled a host it does not own
# would have written its files by now
sleep $((INTERVAL + 1))
for h in $HOSTS; do
	for i in 1 2 3; do
		n=$(find "$T/db$i" -name "$h-*.rrd" | wc -l)
		if [ "$i" = "${OWNER[$h]}" ]; then
			[ "$n" -gt 3 ] || fail "collector $i owns $h but has $n RRDs of it"
		else
			[ "$n" = 0 ] || fail "collector $i does not own $h but has $n RRDs of it: $(find "$T/db$i" -name "$h-*.rrd" | head -3)"
		fi
	done
done
note "each host's RRDs are in its owner's dbdir only"

# ---- every collector lists the whole cluster ----------------------------
cluster_ok() { # COLLECTOR
	curl -sf "${URL[$1]}/api/v1/hosts" >"$T/all$1.json" || return 1
	$PY - "$T/all$1.json" "$1" "${URL[1]}" "${URL[2]}" "${URL[3]}" \
		$(for h in $HOSTS; do echo "$h=${OWNER[$h]}"; done) <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
me, urls, want = int(sys.argv[2]), sys.argv[3:6], sys.argv[6:]
# every host once; each collector's own metrics (_drover) are its own
hs = {h["name"]: h for h in j["hosts"] if h["name"] != "_drover"}
if len(hs) != 12 or len(j["hosts"]) != 13:
    sys.exit(1)
for w in want:
    name, owner = w.split("=")
    h = hs[name]
    exp = "self" if int(owner) == me else urls[int(owner) - 1]
    if h.get("owner") != exp or h["poll_state"] != "up" or h["state"] != "OK":
        sys.exit(1)
if sorted(p["url"] for p in j["peers"]) != sorted(u for k, u in enumerate(urls) if k + 1 != me):
    sys.exit(2)
want_n = {u: sum(1 for w in want if urls[int(w.split("=")[1]) - 1] == u) for u in urls}
if any(p["state"] != "ok" or p["hosts"] != want_n[p["url"]] for p in j["peers"]):
    sys.exit(1)
PY
}
for i in 1 2 3; do
	wait_until 60 cluster_ok "$i" ||
		fail "collector $i's /api/v1/hosts is not the cluster: $(cat "$T/all$i.json")"
done
note "every collector lists the 12 hosts with their owners"
curl -sf "${URL[1]}/" >"$T/overview1.html" || fail "no overview on collector 1"
grep -q "href=\"${URL[3]}/kvm2/\"" "$T/overview1.html" ||
	fail "collector 1's overview does not link kvm2 to collector 3"
grep -q "peer-ok" "$T/overview1.html" || fail "collector 1's overview shows no peer answering"

# ---- drover check anywhere ---------------------------------------------
# the value may move with a poll between the two checks: the same line
# from both within a few tries, and the same exit code every time
same=0
for try in 1 2 3 4 5; do
	"$DROVER" check --url "${URL[1]}" kvm4a.vm load >"$T/check1" 2>&1
	c1=$?
	"$DROVER" check --url "${URL[3]}" kvm4a.vm load >"$T/check3" 2>&1
	c3=$?
	[ "$c1" = "$c3" ] || fail "drover check exits $c1 via collector 1, $c3 via 3: $(cat "$T/check1" "$T/check3")"
	cmp -s "$T/check1" "$T/check3" && { same=1; break; }
done
[ "$same" = 1 ] || fail "drover check answers differ: $(cat "$T/check1" "$T/check3")"
grep -q "^DROVER OK - kvm4a.vm load" "$T/check1" || fail "drover check: $(cat "$T/check1")"
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "${URL[1]}/api/v1/hosts/kvm4a.vm/load")
[ "$code" = "307 ${URL[3]}/api/v1/hosts/kvm4a.vm/load" ] || fail "collector 1 answers $code for kvm4a.vm"
"$DROVER" check --url "${URL[1]}" kvm1 nosuchservice >"$T/check_none"
[ $? = 3 ] || fail "a missing service of an own host: $(cat "$T/check_none")"
note "drover check via collector 1 for collector 3's host: $(cat "$T/check1")"

# ---- a peer stops ---------------------------------------------------------
stop_pid "${PID[3]}" || fail "collector 3 exited $?: $(tail "$T/c3.log")"
c3_gone() { # COLLECTOR
	curl -sf "${URL[$1]}/api/v1/hosts" >"$T/gone$1.json" || return 1
	$PY - "$T/gone$1.json" "${URL[3]}" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
p = [p for p in j["peers"] if p["url"] == sys.argv[2]]
sys.exit(0 if p and p[0]["state"] == "unreachable" else 1)
PY
}
for i in 1 2; do
	wait_until 60 c3_gone "$i" ||
		fail "collector $i does not show collector 3 unreachable: $(cat "$T/gone$i.json")"
done
# 3's hosts: no owner, unreachable; 1's and 2's: still OK with owners;
# 1's own hosts still polled after 3 left
t_stop=$(date +%s)
still_ok() { # COLLECTOR
	curl -sf "${URL[$1]}/api/v1/hosts" >"$T/after$1.json" || return 1
	$PY - "$T/after$1.json" "$1" "$t_stop" "${URL[1]}" "${URL[2]}" \
		$(for h in $HOSTS; do echo "$h=${OWNER[$h]}"; done) <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
me, t_stop, urls, want = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:6], sys.argv[6:]
hs = {h["name"]: h for h in j["hosts"]}
for w in want:
    name, owner = w.split("="); owner = int(owner); h = hs[name]
    if owner == 3:
        if h["owner"] is not None or h.get("peer_state") != "unreachable" or h["state"] != "UNKNOWN":
            sys.exit(2)
    elif owner == me:
        if h["owner"] != "self" or h["last_ok"] <= t_stop:
            sys.exit(1)
    elif h["owner"] != urls[owner - 1] or h["state"] != "OK":
        sys.exit(3)
PY
}
for i in 1 2; do
	wait_until 60 still_ok "$i" ||
		fail "collector $i after 3 stopped: $(cat "$T/after$i.json")"
done
"$DROVER" check --url "${URL[1]}" kvm4a.vm load >"$T/check_gone"
rc=$?
[ "$rc" = 3 ] || fail "check of a host of a stopped peer exits $rc: $(cat "$T/check_gone")"
grep -q "^DROVER UNKNOWN - kvm4a.vm load: polled by a peer collector that does not answer" "$T/check_gone" ||
	fail "check of a host of a stopped peer: $(cat "$T/check_gone")"
curl -sf "${URL[1]}/" >"$T/overview_gone.html" || fail "no overview on collector 1 after 3 stopped"
grep -q "peer-unreachable" "$T/overview_gone.html" || fail "collector 1's overview does not show 3 unreachable"
"$DROVER" check --url "${URL[2]}" kvm1a.vm load >"$T/check_2to1" ||
	fail "check via collector 2 for collector 1's host: $(cat "$T/check_2to1")"
# no warning but the one of 3 leaving (the first peer up saw the others
# not answering yet: info)
for i in 1 2; do
	w=$(warnings "$T/c$i.log" | grep -v "peers: ${URL[3]} unreachable")
	[ -z "$w" ] || fail "collector $i warned: $w"
	[ "$(grep -c "peers: ${URL[3]} unreachable" "$T/c$i.log")" = 1 ] ||
		fail "collector $i did not say once that 3 left: $(grep peers: "$T/c$i.log")"
done

# ---- the two left take over: shard I/2, reloaded ------------------------
for h in $HOSTS; do
	OWNER2[$h]=$(fnv_shard "${PHYS[$h]}" 2)
done
for i in 1 2; do
	sed -i -e "s|^shard $i/3\$|shard $i/2|" -e "\|^peer ${URL[3]}/\$|d" "$T/c$i.conf"
	grep -qx "shard $i/2" "$T/c$i.conf" || fail "c$i.conf: no shard $i/2"
	kill -HUP "${PID[$i]}"
done
t_hup=$(date +%s)
two_ok() { # COLLECTOR
	curl -sf "${URL[$1]}/api/v1/hosts" >"$T/two$1.json" || return 1
	$PY - "$T/two$1.json" "$1" "$t_hup" "${URL[1]}" "${URL[2]}" \
		$(for h in $HOSTS; do echo "$h=${OWNER2[$h]}"; done) <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
me, t_hup, urls, want = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:6], sys.argv[6:]
hs = {h["name"]: h for h in j["hosts"]}
if [p["url"] for p in j["peers"]] != [urls[2 - me]] or j["peers"][0]["state"] != "ok":
    sys.exit(1)
for w in want:
    name, owner = w.split("="); owner = int(owner); h = hs[name]
    exp = "self" if owner == me else urls[owner - 1]
    if h.get("owner") != exp or h["state"] != "OK" or h["last_ok"] < t_hup:
        sys.exit(1)
PY
}
for i in 1 2; do
	wait_until 60 two_ok "$i" ||
		fail "collector $i as shard $i/2: $(cat "$T/two$i.json"; grep -e conf: -e peers: "$T/c$i.log")"
done
# kvm2 and kvm4 (3's) have new owners, and files there
for h in kvm2 kvm4; do
	n=$(find "$T/db${OWNER2[$h]}" -name "$h-*.rrd" | wc -l)
	[ "$n" -gt 3 ] || fail "collector ${OWNER2[$h]} took $h over but has $n RRDs of it"
done
note "after 3 left, 1 and 2 reloaded as a 2-shard cluster poll all 12 hosts"
for i in 1 2; do
	stop_pid "${PID[$i]}" || fail "collector $i exited $?: $(tail "$T/c$i.log")"
done
echo "PASS: 3 collectors split 12 hosts by physical host, each shows the cluster, checks answer anywhere, a stopped peer is unreachable, the others take its hosts over on reload"
