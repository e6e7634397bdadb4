#!/bin/bash
# Living beside Munin: the real munin-update 2.0.73 (as user munin) polls a
# real munin-node and writes its RRDs, then drover runs on the same
# munin.conf (its own keys prepended; Munin refuses them) and continues on
# the same files, then munin-update takes over again.
#
# The hand-over: munin-update stamps a value with the second it fetched it
# (here a few seconds into drover's interval), drover stamps its values
# with the start of their interval, so drover's first value used to be
# older than the file and was dropped.  The host is named so that drover's
# first poll falls inside the very interval of munin-update's last run
# (handover.test: phase 24.6 s of a 30 s interval), and the test checks
# that it is stored (rrdtool lastupdate), at its read time, before the next
# one on drover's grid; that nothing was dropped; that the files keep
# munin's owner though drover runs as root ("user root": it makes its own
# files, which must become munin's too); that no built-in local node
# (dbdir/HOSTNAME) and no dbdir/drover appear, drover's own metrics being
# in dbdir/.drover and on /health; that munin-update runs again on the
# same files without an error and moves them on; and that a drover that
# drops to a user who may not write Munin's files says so, by owner.
. "$top_srcdir/tests/lib/common.sh"
UPDATE=/usr/share/munin/munin-update
[ "$(id -u)" = 0 ] || fail "needs root (munin-node's private mounts, runuser): run the tests as root"
need "$UPDATE" munin
need /usr/sbin/munin-node munin-node
need rrdtool rrdtool
need runuser util-linux
need curl curl
id munin >/dev/null 2>&1 || fail "no user munin: install the Debian package munin (its postinst adds the user)"

INTERVAL=30
NODE=handover.test # drover's phase for it: 24.6 s of 30
PHASE=24
chmod 755 "$T"
PORT=$(free_port 127.0.0.1)
trap '"$top_srcdir/tests/lib/munin_node.sh" stop "$T/node"; cleanup' EXIT

# a plugin whose value is the second it was read
mkdir -p "$T/plugins" "$T/db" "$T/run" "$T/log" "$T/www"
cat >"$T/plugins/clock" <<'PLUGIN'
#!/bin/sh
if [ "$1" = config ]; then
	echo "graph_title Clock"
	echo "clock.label clock"
	exit 0
fi
echo "clock.value $(date +%s)"
PLUGIN
chmod 755 "$T/plugins/clock"
chown munin:munin "$T/db" "$T/run" "$T/log" "$T/www"
# Munin's config, as Munin accepts it
cat >"$T/munin.conf" <<CONF
dbdir $T/db
htmldir $T/www
rundir $T/run
logdir $T/log
tmpldir /etc/munin/templates
[$NODE]
    address 127.0.0.1
    port $PORT
    use_node_name yes
CONF
# drover's: its own keys, then the same lines
{
	cat <<CONF
state_dir $T/state
graph_cache $T/graphs
listen 127.0.0.1:0
interval $INTERVAL
user root
CONF
	cat "$T/munin.conf"
} >"$T/drover.conf"
RRD=$T/db/test/$NODE-clock-clock-g.rrd

PLUGINS="$T/plugins" "$top_srcdir/tests/lib/munin_node.sh" start \
	"$T/node" 127.0.0.1 "$PORT" "$NODE" >/dev/null || fail "munin-node did not start"

munin_update() {
	runuser -u munin -- "$UPDATE" --config_file "$T/munin.conf" --nofork \
		>>"$T/update.out" 2>&1 || fail "munin-update: $(tail -20 "$T/update.out")"
}
# last_ts FILE / last_val FILE: rrdtool lastupdate's time and value
last_ts() { rrdtool lastupdate "$1" 2>/dev/null | awk -F': ' 'NF == 2 {print $1}'; }
last_val() { rrdtool lastupdate "$1" 2>/dev/null | awk -F': ' 'NF == 2 {print int($2)}'; }

# Munin's cron for a few runs (one second apart at least: RRD's rule)
munin_update
[ -f "$RRD" ] || fail "munin-update made no $RRD: $(ls -R "$T/db")"
sleep 1.5
munin_update
sleep 1.5
# munin-update's last run early in one of drover's intervals, so that
# drover's first poll (at second $PHASE) comes in the same interval
for try in 1 2 3; do
	in_window() { s=$(($(date +%s) % INTERVAL)); [ "$s" -ge 1 ] && [ "$s" -le 12 ]; }
	wait_until $((INTERVAL + 5)) in_window || fail "clock never in the window"
	munin_update
	TM=$(last_ts "$RRD")
	W=$((TM - TM % INTERVAL))
	[ $((TM % INTERVAL)) -lt $((PHASE - 3)) ] && break
	note "munin-update ended at second $((TM % INTERVAL)) of the interval: again"
	TM=
done
[ -n "$TM" ] || fail "munin-update never ended before second $((PHASE - 3))"
note "munin-update's last value: $TM ($((TM - W)) s into the interval)"

# drover on the same files
start_bg "$T/drover.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
stored() { [ "$(last_ts "$RRD")" -gt "$1" ] 2>/dev/null; }
wait_until $((2 * INTERVAL)) stored "$TM" ||
	fail "drover stored nothing after munin-update's $TM: $(tail "$T/drover.log")"
T1=$(last_ts "$RRD")
V1=$(last_val "$RRD")
note "drover's first value: $V1 stored at $T1"
[ "$T1" != $((W + INTERVAL)) ] ||
	fail "drover's first value, read in munin-update's interval, was lost: the first stored is the next one, $T1 ($(grep dropped "$T/drover.log"))"
[ "$T1" -lt $((W + INTERVAL)) ] ||
	fail "drover's first poll ($T1) was not in munin-update's interval ($W + $INTERVAL): the hand-over was not tried"
[ $((T1 - V1)) -ge -2 ] && [ $((T1 - V1)) -le 2 ] ||
	fail "drover's first value $V1 is not stored at its read time ($T1)"
grep -q "written at its read time" "$T/drover.log" ||
	fail "the hand-over is not logged: $(cat "$T/drover.log")"
# the next on drover's grid
on_grid() { [ "$(last_ts "$RRD")" = $((W + INTERVAL)) ]; }
wait_until $((2 * INTERVAL)) on_grid ||
	fail "drover's second value not at $((W + INTERVAL)): $(last_ts "$RRD"); $(ls -la "$T/db" "$T/db/test"; tail "$T/drover.log")"
V2=$(last_val "$RRD")
[ "$V2" -gt "$V1" ] || fail "second value $V2 not after $V1"
grep -q "dropped" "$T/drover.log" && fail "drover dropped values: $(grep dropped "$T/drover.log")"

# Munin's dbdir: no local node, no dbdir/drover; drover's own metrics in
# dbdir/.drover, and on the dashboard
grep -q "not adding the built-in local node" "$T/drover.log" ||
	fail "no info line about the local node: $(head "$T/drover.log")"
HN=$(hostname)
[ ! -e "$T/db/$HN" ] && [ ! -e "$T/db/drover" ] ||
	fail "drover wrote a local node or dbdir/drover: $(ls -a "$T/db")"
wait_until $((2 * INTERVAL)) test -f "$T/db/.drover/_drover-drover_polls-done-g.rrd" ||
	fail "no self-metrics in dbdir/.drover: $(ls -a "$T/db" "$T/db/.drover" 2>&1)"
WEB=$(grep -o 'dashboard on http://127.0.0.1:[0-9]*' "$T/drover.log" | grep -o '[0-9]*$')
curl -sf "http://127.0.0.1:$WEB/health" | grep -q 'href="/_drover/drover_polls/"' ||
	fail "/health does not show drover's own graphs"
curl -sf -o "$T/self.png" "http://127.0.0.1:$WEB/_drover/drover_polls-day.png" &&
	head -c 8 "$T/self.png" | grep -q PNG ||
	fail "drover's own graph from dbdir/.drover is not drawn: $(tail -3 "$T/drover.log")"
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
w=$(warnings "$T/drover.log")
[ -z "$w" ] || fail "drover warned: $w"

# every file and directory in Munin's dbdir is still munin's, drover's own
# included (it ran as root)
others=$(find "$T/db" \( ! -user munin -o ! -group munin \) -printf '%p %u:%g\n')
[ -z "$others" ] || fail "not munin's: $others"

# and back: munin-update again on the same files (its first run's log
# has errors of its own: it tunes the files before it made them)
sleep 1
before=$(wc -l <"$T/log/munin-update.log")
: >"$T/update.out"
munin_update
T3=$(last_ts "$RRD")
[ "$T3" -gt $((W + INTERVAL)) ] || fail "munin-update did not move $RRD on ($T3)"
if tail -n +$((before + 1)) "$T/log/munin-update.log" | cat - "$T/update.out" |
	grep -iE "error|illegal|warn"; then
	fail "munin-update complained after drover"
fi
unk=$(rrdtool info "$RRD" | sed -n 's/^ds\[42\]\.unknown_sec = //p')
[ "$unk" = 0 ] || fail "unknown seconds in the last step: $unk"
others=$(find "$T/db" \( ! -user munin -o ! -group munin \) -printf '%p %u:%g\n')
[ -z "$others" ] || fail "not munin's after munin-update: $others"
# drover as a user that may not write Munin's files says so at start
sed 's/^user root$/user nobody/' "$T/drover.conf" >"$T/nobody.conf"
start_bg "$T/nobody.log" "$DROVER" run -c "$T/nobody.conf"
NPID=$LAST_PID
wait_log "$T/nobody.log" "WARNING: dbdir $T/db: .* belongs to munin:munin and is not writable by nobody:.*run drover as munin" 30 ||
	fail "no warning that nobody cannot write Munin's files: $(cat "$T/nobody.log")"
stop_pid "$NPID" || fail "drover as nobody failed: $(tail "$T/nobody.log")"
others=$(find "$T/db" \( ! -user munin -o ! -group munin \) -printf '%p %u:%g\n')
[ -z "$others" ] || fail "not munin's after drover as nobody: $others"
echo "PASS: munin-update $TM, drover $T1 (read time) and $((W + INTERVAL)), munin-update $T3 on the same files, all munin's"
