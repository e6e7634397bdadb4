#!/bin/bash
# test_lvm_loop: the lvm probe (plugins/host_lvm.c) on real LVM metadata
# (tests/lib/lvm_loop.sh: a loop device, a private lvm configuration, 62
# LVs, a thin pool with 4 thin LVs) and an archive directory of 100,000
# files, through both callers of the probe:
#  - drover node: "fetch lvm" shows every LV's size and the pool's
#    data/metadata use exactly as lvs reports them (tests/lib/
#    lvm_expect.py), the archive's file count exactly, its thresholds in
#    "config lvm";
#  - drover run with the built-in node source: archive_files (100,000:
#    above the warning 10,000, not above the critical 100,000) becomes
#    WARNING in the log, the API and drover check;
#  - an lvs that hangs (sleep 600) never blocks polling: drover run keeps
#    polling the host every interval (load's and lvm_archive's samples
#    go on), each poll ends within probe_command_timeout and a few
#    seconds, the dashboard answers meanwhile, the hang is logged as a
#    timeout, the hung process is killed, the sizes turn U and come back
#    when lvs answers again; drover node answers "fetch load" while a
#    "fetch lvm" waits for the hung lvs, which ends in bounded time.
# This kernel has no device-mapper, so the LVs are never activated: no
# dm-N devices, no per-LV I/O, data% and metadata% are "" (U).  The I/O
# services are tested on sysfs fixtures (tests/test_host_lvm.c).  The
# machine's /etc/lvm is never written.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/lvm_loop.sh"
set -o pipefail

LINES="$top_srcdir/tests/lib/node_lines.py"
EXPECT="$top_srcdir/tests/lib/lvm_expect.py"
need "$PY" python3
need curl curl
HOST=$(hostname)
TIMEOUT=3  # probe_command_timeout, seconds
INTERVAL=6 # drover run's interval: a poll with a hung lvs (TIMEOUT and
	   # the kill grace) fits in it
NARCH=100000

etc_lvm() { find /etc/lvm -printf '%p %s %T@ %C@\n' 2>&1 | sort | md5sum; }
ETC_BEFORE=$(etc_lvm)

lvm_loop_setup 62 4
note "LVM metadata only: 62 LVs, thin pool, 4 thin LVs in VG $LVM_VG on $LVM_LOOP (set up in $LVM_SETUP_S s)"
if [ "$LVM_DM" = 0 ]; then
	note "no device-mapper in this kernel: no LV is activated, so no dm-N device; per-LV I/O (lvm_iops, lvm_throughput, lvm_busy, lvm_inflight) is tested on sysfs fixtures in tests/test_host_lvm.c, not here"
else
	note "this kernel has device-mapper, but the test's LVs stay inactive (metadata only); per-LV I/O is tested on sysfs fixtures in tests/test_host_lvm.c"
fi
s=$(date +%s%N)
lvm_archive_fill $NARCH
note "archive: $NARCH files in $LVM_ARCHIVE in $((($(date +%s%N) - s) / 1000000)) ms"
n=$(find "$LVM_ARCHIVE" -type f | wc -l)
[ "$n" -eq $NARCH ] || fail "archive holds $n files, want $NARCH"
NBACKUP=$(find "$LVM_BACKUP" -type f | wc -l)

# what lvs itself says, to compare with
"$LVM_LVS" --reportformat json --units b --nosuffix \
    -o lv_name,vg_name,lv_size,segtype,data_percent,metadata_percent \
    >"$T/lvs.json" 2>"$T/lvs.err" || fail "lvs: $(cat "$T/lvs.err")"
NLVS=$(json_get "$T/lvs.json" 'len(j["report"][0]["lv"])')
[ "$NLVS" -eq 67 ] || fail "lvs reports $NLVS LVs, want 62 + pool + 4 thin"

# lvs_command: real lvs, or (when $T/lvs-mode says hang) a hung one that
# leaves its PID (exec keeps it)
cat >"$T/lvs" <<SH
#!/bin/sh
if [ "\$(cat "$T/lvs-mode" 2>/dev/null)" = hang ]; then
	echo \$\$ >>"$T/lvs-hung"
	exec sleep 600
fi
exec "$LVM_LVS" "\$@"
SH
chmod +x "$T/lvs"
KEYS="lvs_command $T/lvs
lvm_archive_dir $LVM_ARCHIVE
lvm_backup_dir $LVM_BACKUP
probe_command_timeout $TIMEOUT"

# value FILE SERVICE FIELD: the field's value in a multigraph fetch answer
value() {
	awk -v s="multigraph $2" -v f="$3.value" \
	    '$0 == s { on = 1; next } /^multigraph / { on = 0 }
	     on && $1 == f { print $2 }' "$1"
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

# ---- drover node -------------------------------------------------------
NPORT=$(free_port 127.0.0.1)
mkdir "$T/no-plugins"
cat >"$T/node.conf" <<CONF
node_listen 127.0.0.1:$NPORT
node_host_name lvm.test
user root
node_plugin_dir $T/no-plugins
$KEYS
CONF
start_bg "$T/node.log" "$DROVER" node -c "$T/node.conf"
NODE_PID=$LAST_PID
wait_log "$T/node.log" "node: lvm.test on 127.0.0.1:$NPORT" 30 ||
	fail "drover node did not start: $(cat "$T/node.log")"
fetch() { # OUT [PLUGIN]: drover node's answer to "fetch PLUGIN" (lvm)
	$PY "$LINES" 127.0.0.1 "$NPORT" "cap multigraph" "fetch ${2:-lvm}" quit >"$1"
}
has_sizes() {
	fetch "$T/fetch" && [ -n "$(value "$T/fetch" lvm_size "${LVM_VG}_lv01")" ]
}
wait_until 30 has_sizes || fail "no lvm_size from drover node: $(cat "$T/fetch") $(cat "$T/node.log")"
$PY "$EXPECT" "$T/lvs.json" munin "$T/fetch" >"$T/expect" ||
	fail "drover node's lvm differs from lvs: $(cat "$T/expect")"
note "drover node: $(cat "$T/expect")"
v=$(value "$T/fetch" lvm_archive archive_files)
[ "$v" = $NARCH ] || fail "drover node: archive_files $v, want $NARCH"
v=$(value "$T/fetch" lvm_archive backup_files)
[ "$v" = "$NBACKUP" ] || fail "drover node: backup_files $v, want $NBACKUP"
v=$(value "$T/fetch" lvm_archive archive_bytes)
[ "$v" = "$(du -sb "$LVM_ARCHIVE" | cut -f1)" ] ||
	fail "drover node: archive_bytes $v, du -sb says $(du -sb "$LVM_ARCHIVE")"
for s in lvm_iops lvm_throughput lvm_busy lvm_inflight; do
	[ "$LVM_DM" = 1 ] || ! grep -qx "multigraph $s" "$T/fetch" ||
		fail "drover node shows $s without a dm device: $(cat "$T/fetch")"
done
$PY "$LINES" 127.0.0.1 "$NPORT" "cap multigraph" "config lvm" quit >"$T/config" ||
	fail "config lvm failed"
for l in "archive_files.warning 10000" "archive_files.critical 100000" \
    "${LVM_VG}_lv01.label $LVM_VG/lv01"; do
	grep -qx "$l" "$T/config" || fail "config lvm has no '$l': $(cat "$T/config")"
done

# hung lvs: a "fetch lvm" waits for it at most TIMEOUT and the kill
# grace, and shows the sizes as U; meanwhile another client's "fetch
# load" is answered (the node's loop never waits for lvs)
echo hang >"$T/lvs-mode"
sleep 1.1 # drover node reuses a reading younger than a second
s=$(date +%s%N)
fetch "$T/hung" &
FPID=$!
wait_until 10 test -s "$T/lvs-hung" || fail "drover node never ran lvs again"
s2=$(date +%s%N)
fetch "$T/load" load || fail "fetch load failed while lvs hung"
LOAD_MS=$(ms_since "$s2")
grep -q "^load.value " "$T/load" || fail "no load value while lvs hung: $(cat "$T/load")"
wait "$FPID" || fail "fetch lvm failed while lvs hung"
HUNG_MS=$(ms_since "$s")
note "drover node with a hung lvs: fetch lvm answered in $HUNG_MS ms (probe_command_timeout ${TIMEOUT}s), fetch load meanwhile in $LOAD_MS ms"
[ "$HUNG_MS" -lt $(((TIMEOUT + 6) * 1000)) ] ||
	fail "fetch lvm took $HUNG_MS ms with a hung lvs (timeout ${TIMEOUT}s)"
[ "$LOAD_MS" -lt $((TIMEOUT * 1000)) ] ||
	fail "fetch load took $LOAD_MS ms while lvs hung: it waited for lvs"
v=$(value "$T/hung" lvm_size "${LVM_VG}_lv01")
[ "$v" = U ] || fail "lv01's size with a hung lvs: '$v', want U: $(cat "$T/hung")"
v=$(value "$T/hung" lvm_archive archive_files)
[ "$v" = $NARCH ] || fail "archive_files with a hung lvs: '$v', want $NARCH"
rm -f "$T/lvs-mode"
stop_pid "$NODE_PID" || fail "drover node exited with status $?"
grep -q "warning: lvm: lvs: timed out" "$T/node.log" ||
	fail "drover node did not log the timeout: $(cat "$T/node.log")"
warnings "$T/node.log" | grep -v -e "lvm: lvs: timed out" >"$T/warn"
[ ! -s "$T/warn" ] || fail "drover node warned: $(cat "$T/warn")"

# ---- drover run, the built-in node source ------------------------------
# (the hung sleep of drover node's run must be gone: killed at the timeout)
for p in $(cat "$T/lvs-hung"); do
	! kill -0 "$p" 2>/dev/null || fail "the hung lvs $p of drover node still runs"
done
: >"$T/lvs-hung"
cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
interval $INTERVAL
listen 127.0.0.1:0
$KEYS
[$HOST]
CONF
start_bg "$T/run.log" "$DROVER" run -c "$T/drover.conf"
RUN_PID=$LAST_PID
# the log names a field by its label ("files in DIR")
wait_log "$T/run.log" "alerts: $HOST lvm_archive files in $LVM_ARCHIVE is WARNING (was OK): $NARCH" 60 ||
	fail "no archive WARNING: $(cat "$T/run.log")"
PORT=$(grep -o 'dashboard on http://127.0.0.1:[0-9]*' "$T/run.log" | tail -1 | grep -o '[0-9]*$')
[ -n "$PORT" ] || fail "no dashboard port: $(cat "$T/run.log")"
API="http://127.0.0.1:$PORT/api/v1"
get() { curl -sf --max-time 10 "$API$1" >"$2" || fail "GET $1 failed"; }
get "/hosts/$HOST/lvm_archive" "$T/archive.json"
v=$(json_get "$T/archive.json" '[(int(f["value"]), f["state"]) for f in j["fields"] if f["name"] == "archive_files"]')
[ "$v" = "[($NARCH, 'WARNING')]" ] || fail "api archive_files $v: $(cat "$T/archive.json")"
get "/hosts/$HOST/lvm_size" "$T/size.json"
get "/hosts/$HOST/lvm_thin" "$T/thin.json"
$PY "$EXPECT" "$T/lvs.json" api "$T/size.json" "$T/thin.json" >"$T/expect" ||
	fail "drover run's lvm differs from lvs: $(cat "$T/expect")"
note "drover run: $(cat "$T/expect")"
get /alerts "$T/alerts.json"
v=$(json_get "$T/alerts.json" '[p["state"] for p in j["problems"] if p.get("service") == "lvm_archive" and p.get("field") == "archive_files"]')
[ "$v" = "['WARNING']" ] || fail "api alerts ($v): $(cat "$T/alerts.json")"
"$DROVER" check --url "http://127.0.0.1:$PORT" --field archive_files \
    "$HOST" lvm_archive >"$T/check" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q WARNING "$T/check" ||
	fail "drover check: exit $rc: $(cat "$T/check")"
note "drover check: $(head -1 "$T/check")"

# hung lvs: polls go on every interval, each ends within the timeout
# and a few seconds, the dashboard answers meanwhile
# samples SERVICE: the last_update of HOST's SERVICE
samples() { curl -sf --max-time 5 "$API/hosts/$HOST/$1" | $PY -c 'import json,sys; print(json.load(sys.stdin)["last_update"])'; }
echo hang >"$T/lvs-mode"
wait_until 30 test -s "$T/lvs-hung" || fail "drover run never ran lvs again"
L0=$(samples load) A0=$(samples lvm_archive)
wait_log "$T/run.log" "warning: lvm: lvs: timed out" $((INTERVAL + TIMEOUT + 10)) ||
	fail "no timeout logged for the hung lvs: $(cat "$T/run.log")"
runs_over() { [ "$(wc -l <"$T/lvs-hung")" -gt "$1" ]; }
MAXPOLL=0 MAXAPI=0
for i in 1 2 3; do
	# the next hung lvs, one interval later
	wait_until $((2 * INTERVAL + TIMEOUT)) runs_over "$i" ||
		fail "lvs not run again after hung run $i ($(wc -l <"$T/lvs-hung") runs)"
	s=$(date +%s%N)
	curl -sf --max-time 10 "$API/hosts" >"$T/hosts.json" || fail "the API did not answer while lvs hung"
	ms=$(ms_since "$s")
	[ "$ms" -gt "$MAXAPI" ] && MAXAPI=$ms
	ms=$(json_get "$T/hosts.json" '[h["poll_ms"] for h in j["hosts"] if h["name"] == "'"$HOST"'"][0]')
	[ "$ms" -gt "$MAXPOLL" ] && MAXPOLL=$ms
done
L1=$(samples load) A1=$(samples lvm_archive)
note "drover run with a hung lvs: load sampled $L0 -> $L1, lvm_archive $A0 -> $A1 (interval $INTERVAL s), longest poll $MAXPOLL ms (probe_command_timeout ${TIMEOUT}s), API answered in at most $MAXAPI ms"
[ $((L1 - L0)) -ge $((2 * INTERVAL)) ] || fail "load not polled on while lvs hung: $L0 -> $L1"
[ $((A1 - A0)) -ge $((2 * INTERVAL)) ] || fail "lvm_archive not polled on while lvs hung: $A0 -> $A1"
[ "$MAXPOLL" -lt $(((TIMEOUT + 4) * 1000)) ] ||
	fail "a poll took $MAXPOLL ms with a hung lvs (timeout ${TIMEOUT}s)"
[ "$MAXAPI" -lt $((TIMEOUT * 1000)) ] || fail "the API took $MAXAPI ms while lvs hung"
get "/hosts/$HOST/lvm_size" "$T/size.json"
v=$(json_get "$T/size.json" 'sorted(set(f["value"] for f in j["fields"]))')
[ "$v" = "[None]" ] || fail "sizes with a hung lvs: $v, want all U"
# every hung lvs but the one running now was killed
n=0
for p in $(head -n -1 "$T/lvs-hung"); do
	! kill -0 "$p" 2>/dev/null || fail "the hung lvs $p still runs"
	n=$((n + 1))
done
note "$n hung lvs runs killed at the timeout"
rm -f "$T/lvs-mode"
back() {
	get "/hosts/$HOST/lvm_size" "$T/size.json"
	[ "$(json_get "$T/size.json" '[int(f["value"] or 0) for f in j["fields"] if f["name"] == "'"${LVM_VG}_lv01"'"]')" = "[4194304]" ]
}
wait_until $((3 * INTERVAL + TIMEOUT)) back || fail "sizes did not come back: $(cat "$T/size.json")"
grep -q "info: lvm: lvs works again" "$T/run.log" || fail "no recovery logged: $(cat "$T/run.log")"
stop_pid "$RUN_PID" || fail "drover run exited with status $?"
for p in $(cat "$T/lvs-hung"); do
	! kill -0 "$p" 2>/dev/null || fail "the hung lvs $p outlived drover run"
done
warnings "$T/run.log" | grep -v -e "lvm: lvs: timed out" >"$T/warn"
[ ! -s "$T/warn" ] || fail "drover run warned: $(cat "$T/warn")"
[ "$(etc_lvm)" = "$ETC_BEFORE" ] || fail "/etc/lvm changed"
echo "PASS: test_lvm_loop"
