#!/bin/bash
# Alert rules from drover.conf, end to end through "drover run" against real
# munin-nodes: PLUGIN.FIELD.nagios_warning / nagios_critical win over the
# Munin ranges, alert_hysteresis, alert_recover, unknown_limit, and
# alert_attempts from the field, the plugin, the host section and the
# global default.  The plugins answer a script: the Nth fetch gets line N
# of its .seq file, so which sample changed a state is read from the
# value the transition carries, whatever the timing.  One fetch is held
# until the test has looked at the soft state.
. "$top_srcdir/tests/lib/common.sh" || exit 99
set -o pipefail

need /usr/sbin/munin-node munin-node
need unshare util-linux
need ss iproute2
[ "$(id -u)" = 0 ] || fail "needs root: munin-node's private plugin dir is a bind mount (the README runs the tests as root)"

# A munin plugin driven by files in $seqdir: NAME.config is its config;
# the Nth fetch answers line N of NAME.seq ("field=value ..."; the last
# line repeats) and writes N to NAME.n.  A line "gate ..." first creates
# NAME.waiting and waits for NAME.go.
cat >"$T/seqplug" <<'SH'
#!/bin/sh
name=${0##*/}
d=${seqdir:?}
if [ "${1:-}" = config ]; then
	cat "$d/$name.config"
	exit 0
fi
n=$(($(cat "$d/$name.n" 2>/dev/null || echo 0) + 1))
echo "$n" >"$d/$name.n"
line=$(sed -n "${n}p" "$d/$name.seq")
[ -n "$line" ] || line=$(tail -n 1 "$d/$name.seq")
case $line in
gate\ *)
	line=${line#gate }
	: >"$d/$name.waiting"
	i=0
	while [ ! -e "$d/$name.go" ] && [ $i -lt 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	;;
esac
for kv in $line; do
	echo "${kv%%=*}.value ${kv#*=}"
done
SH
chmod +x "$T/seqplug"

# node NAME PLUGIN...: a munin-node for host NAME with these plugins, its
# files in $T/NAME; sets PORT_NAME
NODES=""
node() {
	local name=$1 p port
	shift
	mkdir -p "$T/$name/plugins" "$T/$name/pconf" "$T/$name/seq"
	for p in "$@"; do
		ln -s "$T/seqplug" "$T/$name/plugins/$p"
	done
	cat >"$T/$name/pconf/seq" <<CONF
[*]
user root
timeout 60
env.seqdir $T/$name/seq
CONF
	port=$(free_port 127.0.0.1)
	PLUGINS="$T/$name/plugins" PLUGIN_CONF="$T/$name/pconf" \
		"$top_srcdir/tests/lib/munin_node.sh" start "$T/$name/node" \
		127.0.0.1 "$port" "$name" >"$T/$name/start.log" 2>&1 ||
		fail "munin-node for $name did not start: $(cat "$T/$name/start.log")"
	NODES="$NODES $T/$name/node"
	printf -v "PORT_${name%%.*}" %s "$port"
}
stop_nodes() {
	local d
	for d in $NODES; do
		"$top_srcdir/tests/lib/munin_node.sh" stop "$d" >/dev/null
	done
	cleanup
}
trap stop_nodes EXIT

A=$T/a.test/seq B=$T/b.test/seq
mkdir -p "$A" "$B"
printf '%s\n' 'graph_title Attempts from the host' 'graph_category test' \
	'h.label h' >"$A/att1.config"
cp "$A/att1.config" "$B/att1.config"
printf '%s\n' 'graph_title Attempts from plugin and field' 'graph_category test' \
	'p.label p' 'f.label f' >"$A/att2.config"
printf '%s\n' 'graph_title Rules' 'graph_category test' 'w.label w' \
	'c.label c' 'x.label x' 'y.label y' 'z.label z' >"$A/rules.config"
# samples 1-8 (warning above 10 for h, p, f): the field's alert_attempts
# decides which bad sample (21, 22, ...) makes it hard
printf '%s\n' h=5 h=21 h=22 'gate h=23' h=24 h=25 h=26 h=27 >"$A/att1.seq"
printf 'h=%s\n' 5 21 22 23 24 25 26 27 >"$B/att1.seq"
printf 'p=%s f=%s\n' 5 5 21 21 22 22 23 23 24 24 25 25 26 26 27 27 >"$A/att2.seq"
# w: Munin warns above 10, nagios_warning 50 only above 50
# c: Munin critical above 100, nagios_critical @20:40 inside 20-40
# x: warning 10, hysteresis 2: 9 is still WARNING, 7 is not
# y: warning 10, alert_recover 3: three good samples in a row
# z: unknown_limit 2: one U changes nothing, two make it UNKNOWN
cat >"$A/rules.seq" <<'SEQ'
w=30 c=30 x=5 y=5 z=5
w=60 c=50 x=12 y=12 z=U
w=61 c=51 x=9 y=1 z=6
w=62 c=52 x=7 y=2 z=U
w=63 c=53 x=7 y=13 z=U
w=64 c=54 x=7 y=4 z=7
w=65 c=55 x=7 y=5.5 z=7
w=66 c=56 x=7 y=6 z=7
SEQ
SAMPLES=8

node a.test att1 att2 rules
node b.test att1
cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
interval 3
local_node no
listen 127.0.0.1:0
alert_attempts 4
[a.test]
    address 127.0.0.1
    port $PORT_a
    alert_attempts 3
    att1.h.warning 10
    att2.alert_attempts 2
    att2.p.warning 10
    att2.f.warning 10
    att2.f.alert_attempts 1
    rules.alert_attempts 1
    rules.w.warning 10
    rules.w.nagios_warning 50
    rules.c.critical 100
    rules.c.nagios_critical @20:40
    rules.x.warning 10
    rules.x.alert_hysteresis 2
    rules.y.warning 10
    rules.y.alert_recover 3
    rules.z.warning 10
    rules.z.unknown_limit 2
[b.test]
    address 127.0.0.1
    port $PORT_b
    att1.h.warning 10
CONF
"$DROVER" config -c "$T/drover.conf" >"$T/config.out" 2>&1 ||
	fail "config refused: $(cat "$T/config.out")"
start_bg "$T/run.log" "$DROVER" run -c "$T/drover.conf"
DPID=$LAST_PID
wait_log "$T/run.log" "web: dashboard on" 30 || fail "no dashboard: $(cat "$T/run.log")"
PORT=$(grep -o 'dashboard on http://127.0.0.1:[0-9]*' "$T/run.log" | grep -o '[0-9]*$')
get() { # PATH FILE
	curl -sf "http://127.0.0.1:$PORT$1" >"$2" || fail "GET $1 failed"
}
fetched() { # DIR PLUGIN N: the plugin has begun its Nth fetch
	[ -s "$1/$2.n" ] && [ "$(cat "$1/$2.n")" -ge "$3" ]
}

# soft state: a.test's att1 fetch 4 is held, so samples 1-3 are in: h has
# been above its warning twice (21, 22), fewer than its 3 attempts
wait_until 60 test -e "$A/att1.waiting" || fail "fetch 4 never came: $(cat "$T/run.log")"
get "/api/v1/hosts/a.test/att1" "$T/soft.json"
get "/api/v1/alerts" "$T/soft-alerts.json"
: >"$A/att1.go"
v=$(json_get "$T/soft.json" '[(f["state"], f["value"]) for f in j["fields"] if f["name"] == "h"]')
[ "$v" = "[('OK', 22.0)]" ] || fail "h not soft at 22 ($v): $(cat "$T/soft.json")"
v=$(json_get "$T/soft-alerts.json" '[t for t in j["transitions"] if t["key"] == "a.test/att1/h"] + [p for p in j["problems"] if p.get("field") == "h"]')
[ "$v" = "[]" ] || fail "h announced while soft: $v"

# every sample in: each plugin has begun the fetch after the last line
for p in att1 att2 rules; do
	wait_until 120 fetched "$A" $p $((SAMPLES + 1)) || fail "a.test $p: $(cat "$A/$p.n")"
done
wait_until 120 fetched "$B" att1 $((SAMPLES + 1)) || fail "b.test att1: $(cat "$B/att1.n")"
get "/api/v1/alerts" "$T/alerts.json"

# trans KEY: the field's transitions, oldest first, as STATE@VALUE
trans() {
	json_get "$T/alerts.json" '" ".join("%s@%s" % (t["state"], t["value"]) for t in reversed(j["transitions"]) if t["key"] == "'"$1"'")'
}
BAD=""
expect() { # KEY TRANSITIONS WHY
	local got
	got=$(trans "$1") || fail "cannot read $T/alerts.json"
	[ "$got" = "$2" ] && return
	echo "# $1: $3: got \"$got\", want \"$2\""
	BAD="$BAD $1"
}
expect a.test/att2/f "WARNING@21.0" "field alert_attempts 1: hard on the first bad sample"
expect a.test/att2/p "WARNING@22.0" "plugin alert_attempts 2 (over the host's 3)"
expect a.test/att1/h "WARNING@23.0" "host alert_attempts 3 (over the global 4)"
expect b.test/att1/h "WARNING@24.0" "global alert_attempts 4"
expect a.test/rules/w "WARNING@60.0" "nagios_warning 50 over warning 10: 30 is OK"
expect a.test/rules/c "CRITICAL@30.0 OK@50.0" "nagios_critical @20:40 over critical 100"
expect a.test/rules/x "WARNING@12.0 OK@7.0" "alert_hysteresis 2: 9 is too close to 10"
expect a.test/rules/y "WARNING@12.0 OK@6.0" "alert_recover 3: three good samples in a row"
expect a.test/rules/z "UNKNOWN@6.0 OK@7.0" "unknown_limit 2: two U in a row, not one"
[ -z "$BAD" ] || fail "wrong transitions for$BAD"

# the catalog's state and the log agree
get "/api/v1/hosts/a.test/rules" "$T/rules.json"
v=$(json_get "$T/rules.json" '" ".join("%s=%s@%s" % (f["name"], f["state"], f["value"]) for f in j["fields"])')
[ "$v" = "w=WARNING@66.0 c=OK@56.0 x=OK@7.0 y=OK@6.0 z=OK@7.0" ] || fail "rules states: $v"
for line in "a.test rules w is WARNING (was OK): 60.00" \
	"a.test rules c is CRITICAL (was OK): 30.00" \
	"a.test rules c is OK (was CRITICAL): 50.00" \
	"a.test rules z is UNKNOWN (was OK): no value" \
	"a.test att1 h is WARNING (was OK): 23.00" \
	"b.test att1 h is WARNING (was OK): 24.00"; do
	grep -qF "alerts: $line" "$T/run.log" || fail "no log line \"$line\": $(cat "$T/run.log")"
done
[ "$(grep -c 'alerts: ' "$T/run.log")" = 13 ] || fail "not 13 alert lines: $(grep 'alerts: ' "$T/run.log")"
stop_pid "$DPID" || fail "drover failed: $(cat "$T/run.log")"
warnings "$T/run.log" >"$T/warnings" && fail "warnings: $(cat "$T/warnings")"
echo "PASS: alert rules"
