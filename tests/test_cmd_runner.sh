#!/bin/bash
# Probe commands after the drop (agent/cmd_runner).  Run as root, with a
# throwaway system user made here (useradd -r, removed at exit):
#   1. the runner as the daemons fork it (tests/cmd_runner_run: fork,
#      then collector/privdrop to the user): "du" of a 0700 root-owned
#      directory (what the lvm probe runs over /etc/lvm/archive) and
#      "id -u" work through it, as root, while the same commands from the
#      dropped process fail or show the user; a vector not allowed at
#      start-up, or differing in one argument, is refused and logged;
#   2. drover node started as root with "user" set (and a plugin, so that
#      its plugin runner is forked too) runs as that user in every thread
#      with no capabilities.  When the probe table has the
#      lvm probe, its lvm_archive_dir is such a 0700 root directory and
#      its lvs_command a script that works only as root: the archive
#      count and the LV's size come through the runner, which runs as
#      root beside the dropped daemon, and ends with it;
#   3. the same for drover run, whose node source polls this machine: the
#      archive count reaches its catalog (the JSON API) through its runner.
# Without a probe that declares commands neither daemon forks a runner
# (checked, and said); the lvm checks switch on by themselves once the
# lvm probe is in the probe table.
. "$top_srcdir/tests/lib/common.sh"
[ "$(id -u)" = 0 ] || skip "needs root (it drops privileges)"
need useradd passwd
need userdel passwd
need curl curl
set -o pipefail
RUN="$top_builddir/tests/cmd_runner_run"
SESSION="$top_srcdir/tests/lib/node_lines.py"

U=drover-cmdr-$$
useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$U" || fail "useradd $U"
# processes first (cleanup), then the account
trap 'cleanup; userdel -f "$U" 2>/dev/null' EXIT
UID_U=$(id -u "$U") || fail "no uid for $U"
GID_U=$(id -g "$U")

# the user may walk into $T, not into the 0700 directories
chmod 755 "$T"
ARCH=$T/archive BACK=$T/backup
mkdir -m 700 "$ARCH" "$BACK"
for i in $(seq 1 37); do echo "vg$i" >"$ARCH/vg0_$i.vg"; done
echo vg >"$BACK/vg0"
NFILES=37

# ---- 1. the runner, forked then dropped as the daemons do -------------
DU="du -s --inodes -- $ARCH"
"$RUN" -u "$U" -a "id -u" -a "$DU" \
	-r "id -u" -l "id -u" -r "$DU" -l "$DU" \
	-r "du -s --inodes -- $BACK" -r "id -u -n" -r "id" \
	>"$T/run.out" 2>"$T/run.log" || fail "cmd_runner_run: $(cat "$T/run.out" "$T/run.log")"
cat "$T/run.out"
line() { grep -F "$1" "$T/run.out" || fail "no line for $1: $(cat "$T/run.out")"; }
line "runner id -u: status=ok exit=0 signal=0 out=0 " >/dev/null
line "local id -u: status=ok exit=0 signal=0 out=$UID_U " >/dev/null
# du counts the directory itself
line "runner $DU: status=ok exit=0 signal=0 out=$((NFILES + 1))	$ARCH " >/dev/null
line "local $DU: status=bad exit exit=1" | grep -q "Permission denied" ||
	fail "du as $U read $ARCH: $(cat "$T/run.out")"
for v in "du -s --inodes -- $BACK" "id -u -n" "id"; do
	line "runner $v: status=refused " >/dev/null
	grep -qF "cmd_runner: refused \"$v\": not one of the 2 commands" "$T/run.log" ||
		fail "refusal of $v not logged: $(cat "$T/run.log")"
done
grep -q "running as $U:" "$T/run.log" || fail "no drop: $(cat "$T/run.log")"

# ---- 2. drover node, dropped to the user ------------------------------
LVM=no
"$RUN" -P -A "$ARCH" -B "$BACK" >"$T/probes" || fail "cmd_runner_run -P"
grep -qx "probe lvm" "$T/probes" && LVM=yes
mkdir -p "$T/bin" "$T/plugins"
# lvs as root only, like the real one (it opens /dev/mapper and locks)
cat >"$T/bin/lvs" <<'LVS'
#!/bin/sh
[ "$(id -u)" = 0 ] || { echo "  WARNING: Running as a non-root user." >&2; exit 5; }
cat <<'JSON'
  {
      "report": [
          {
              "lv": [
                  {"lv_name":"root", "vg_name":"vg0", "lv_size":"16777216", "lv_attr":"-wi-a-----", "segtype":"linear", "pool_lv":"", "origin":"", "data_percent":"", "metadata_percent":""}
              ]
          }
      ]
  }
JSON
LVS
chmod 755 "$T/bin/lvs"
# a plugin, so that the plugin runner is forked too
cat >"$T/plugins/hello" <<'PLUGIN'
#!/bin/sh
[ "$1" = config ] && { echo "graph_title Hello"; echo "x.label x"; exit 0; }
echo "x.value 1"
PLUGIN
chmod 755 "$T/plugins/hello"
PORT=$(free_port 127.0.0.1)
cat >"$T/node.conf" <<CONF
node_listen 127.0.0.1:$PORT
node_host_name runner.test
node_plugin_dir $T/plugins
user $U
lvs_command $T/bin/lvs
lvm_archive_dir $ARCH
lvm_backup_dir $BACK
CONF
: >"$T/node.log"
start_bg "$T/node.log" "$DROVER" node -c "$T/node.conf"
NODE=$LAST_PID
wait_log "$T/node.log" "node: runner.test on 127.0.0.1:$PORT as $U" 30 ||
	fail "drover node did not start: $(cat "$T/node.log")"

ids() { # STATUS-FILE: "uid gid capeff capprm capamb"
	awk '/^Uid:/ {u = $2 " " $3 " " $4 " " $5} /^Gid:/ {g = $2 " " $3 " " $4 " " $5}
	     /^CapEff:/ {e = $2} /^CapPrm:/ {p = $2} /^CapAmb:/ {a = $2}
	     END {print u "/" g "/" e "/" p "/" a}' "$1"
}
want="$UID_U $UID_U $UID_U $UID_U/$GID_U $GID_U $GID_U $GID_U/0000000000000000/0000000000000000/0000000000000000"
n=0
for t in /proc/"$NODE"/task/*; do
	[ "$(ids "$t/status")" = "$want" ] ||
		fail "thread ${t##*/}: uid/gid/CapEff/CapPrm/CapAmb $(ids "$t/status"), want $want"
	n=$((n + 1))
done
note "drover node: $n threads run as $U with no capabilities"
children() { ps -o pid=,uid= --ppid "$NODE"; }

if [ "$LVM" = no ]; then
	note "no lvm probe in the probe table: no probe declares commands, so" \
		"drover node and drover run fork no command runner (the lvm checks" \
		"switch on by themselves once the lvm probe is in plugins/host_probes.c)"
	[ ! -s "$T/probes" ] || fail "probes with commands but no lvm: $(cat "$T/probes")"
	grep -q "cmd_runner:" "$T/node.log" && fail "a runner without commands: $(cat "$T/node.log")"
	[ "$(children | wc -l)" = 1 ] || fail "drover node's children, want the plugin runner only: $(children)"
else
	# the runner: the daemon's child, root, allowed the lvm probe's
	# commands
	wait_log "$T/node.log" "cmd_runner: process [0-9]* keeps uid 0 to run" 10 ||
		fail "no command runner: $(cat "$T/node.log")"
	RPID=$(sed -n 's/.*cmd_runner: process \([0-9]*\) keeps uid 0.*/\1/p' "$T/node.log")
	children | awk -v p="$RPID" '$1 == p && $2 == 0 {found = 1} END {exit !found}' ||
		fail "the runner $RPID is not drover node's child as root: $(children)"
	[ "$(children | wc -l)" = 2 ] || fail "want the plugin and command runners: $(children)"
	# it keeps no socket but its own (not the plugin runner's)
	socks=$(ls -l /proc/"$RPID"/fd | grep -c 'socket:')
	[ "$socks" = 1 ] || fail "the runner holds $socks sockets: $(ls -l /proc/"$RPID"/fd)"
	grep -qF "command du -s --inodes -- $ARCH" "$T/probes" ||
		fail "the lvm probe does not count $ARCH: $(cat "$T/probes")"
	session() { $PY "$SESSION" 127.0.0.1 "$PORT" "$@"; }
	archived() {
		session "fetch lvm" >"$T/fetch" 2>&1 &&
			grep -qx "archive_files.value $NFILES" "$T/fetch"
	}
	wait_until 30 archived ||
		fail "archive_files is not $NFILES through the runner: $(cat "$T/fetch" "$T/node.log")"
	grep -qx "backup_files.value 1" "$T/fetch" || fail "backup_files: $(cat "$T/fetch")"
	grep -qx "vg0_root.value 16777216" "$T/fetch" ||
		fail "lvs (root only) did not run through the runner: $(cat "$T/fetch")"
	grep -q "refused" "$T/node.log" && fail "the runner refused a probe command: $(cat "$T/node.log")"
	note "drover node as $U: $NFILES archive files and the LV's size through runner $RPID"
fi
# stopped, the daemon takes the runner with it
kill -TERM "$NODE"
wait_until 20 sh -c "! kill -0 $NODE 2>/dev/null" || fail "drover node did not stop"
if [ "$LVM" = yes ]; then
	wait_until 10 sh -c "! kill -0 $RPID 2>/dev/null" ||
		fail "the command runner $RPID outlived drover node"
fi

# ---- 3. drover run, dropped to the user -------------------------------
# its node source polls this machine (local_node) with the same probes
H=$(hostname)
mkdir -p "$T/db" "$T/graphs"
mkdir -m 700 "$T/state"
cat >"$T/run.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
interval 2
listen 127.0.0.1:0
user $U
lvs_command $T/bin/lvs
lvm_archive_dir $ARCH
lvm_backup_dir $BACK
CONF
start_bg "$T/run.log" "$DROVER" run -c "$T/run.conf"
DPID=$LAST_PID
wait_log "$T/run.log" "drover: running as $U:" 30 || fail "no drop: $(cat "$T/run.log")"
wait_log "$T/run.log" 'dashboard on http://127.0.0.1:[0-9]*' 30 ||
	fail "no dashboard: $(cat "$T/run.log")"
URL=$(grep -o 'dashboard on http://127.0.0.1:[0-9]*' "$T/run.log" | head -1 | grep -o 'http.*')
if [ "$LVM" = no ]; then
	grep -q "cmd_runner:" "$T/run.log" && fail "a runner without commands: $(cat "$T/run.log")"
	exit 0
fi
wait_log "$T/run.log" "cmd_runner: process [0-9]* keeps uid 0 to run" 10 ||
	fail "drover run forked no command runner: $(cat "$T/run.log")"
RPID=$(sed -n 's/.*cmd_runner: process \([0-9]*\) keeps uid 0.*/\1/p' "$T/run.log")
[ "$(ps -o ppid= -p "$RPID" | tr -d ' ')" = "$DPID" ] || fail "runner $RPID is not drover run's child"
[ "$(ps -o uid= -p "$RPID" | tr -d ' ')" = 0 ] || fail "runner $RPID is not root"
[ "$(ps -o uid= -p "$DPID" | tr -d ' ')" = "$UID_U" ] || fail "drover run is not $U"
run_archived() {
	curl -sf "$URL/api/v1/hosts/$H/lvm_archive" >"$T/arch.json" &&
		[ "$(json_get "$T/arch.json" 'int([f["value"] for f in j["fields"] if f["name"] == "archive_files"][0] or -1)')" = "$NFILES" ]
}
wait_until 60 run_archived ||
	fail "drover run: archive_files is not $NFILES: $(cat "$T/arch.json" "$T/run.log")"
note "drover run as $U: $NFILES archive files through runner $RPID"
# a reload that names another archive: the runner cannot learn it
mkdir -m 700 "$T/archive2"
sed -i "s|^lvm_archive_dir .*|lvm_archive_dir $T/archive2|" "$T/run.conf"
kill -HUP "$DPID"
wait_log "$T/run.log" "conf: new probe commands .* take a restart" 20 ||
	fail "no restart notice for new probe commands: $(cat "$T/run.log")"
wait_log "$T/run.log" "cmd_runner: refused \"du -s --inodes -- $T/archive2\"" 30 ||
	fail "the runner ran a command it was not given: $(cat "$T/run.log")"
kill -TERM "$DPID"
wait_until 30 sh -c "! kill -0 $DPID 2>/dev/null" || fail "drover run did not stop"
wait_until 10 sh -c "! kill -0 $RPID 2>/dev/null" ||
	fail "the command runner $RPID outlived drover run"
