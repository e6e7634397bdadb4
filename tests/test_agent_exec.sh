#!/bin/bash
# drover node running Munin exec plugins: real plugins from the
# munin-plugins-core package with plugin-conf.d settings (env.*, user),
# the privileged runner (the daemon runs as nobody, a "user root" plugin
# as root), a plugin that hangs on fetch (killed at its timeout, "# Timed
# out", nothing left behind, and another client answered meanwhile), one
# that prints 10 MB, one that exits non-zero, one whose config times out
# (dropped at start-up, as munin-node drops it), the operator's choice of
# an exec plugin over the C source of the same name (node_exec; without
# it the C source serves), and a
# runner that dies (exec plugins then fail; the C sources go on).
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail
SESSION="$top_srcdir/tests/lib/node_lines.py"
PLUGINS=/usr/share/munin/plugins
need "$PLUGINS/load" munin-plugins-core
[ "$(id -u)" = 0 ] || fail "needs root (plugins run as other users)"
id nobody >/dev/null || fail "no user nobody"

# plugins run as nobody must reach their files
chmod 755 "$T"
P=$T/plugins
mkdir -p "$P" "$T/conf.d" "$T/state"
ln -s "$PLUGINS/load" "$P/load"
# a plugin of our own, for the identity it runs as
cat >"$P/whoami" <<'PLUGIN'
#!/bin/sh
if [ "$1" = config ]; then
	echo "graph_title Who runs me"
	echo "uid.label uid"
	exit 0
fi
echo "uid.value $(id -u)"
echo "state.value $([ -d "$MUNIN_PLUGSTATE" ] && echo 1 || echo 0)"
PLUGIN
cp "$P/whoami" "$P/whoami_root"
# config answers at once, fetch hangs (and forks a child that would
# outlive it)
cat >"$P/hangfetch" <<'PLUGIN'
#!/bin/sh
[ "$1" = config ] && { echo "graph_title Hangs"; echo "x.label x"; exit 0; }
sleep 1001 &
sleep 1002
PLUGIN
cat >"$P/hangconfig" <<'PLUGIN'
#!/bin/sh
exec sleep 1003
PLUGIN
cat >"$P/big" <<'PLUGIN'
#!/bin/sh
[ "$1" = config ] && { echo "graph_title Big"; echo "x.label x"; exit 0; }
head -c 10000000 /dev/zero | tr '\0' 'x'
PLUGIN
cat >"$P/badexit" <<'PLUGIN'
#!/bin/sh
[ "$1" = config ] && { echo "graph_title Bad"; echo "x.label x"; exit 0; }
echo "x.value 1"
echo "something broke" >&2
exit 3
PLUGIN
# a plugin called like a C source: without node_exec the C source serves
cat >"$P/cpu" <<'PLUGIN'
#!/bin/sh
[ "$1" = config ] && { echo "graph_title Not the C source"; echo "cpu.label x"; exit 0; }
echo "cpu.value 4242"
PLUGIN
chmod +x "$P/whoami" "$P/whoami_root" "$P/hangfetch" "$P/hangconfig" \
	"$P/big" "$P/badexit" "$P/cpu"
cat >"$T/conf.d/munin-node" <<'CONF'
[load]
env.load_warning 7
env.load_critical 11
[whoami_root]
user root
[hang*]
timeout 3
CONF

PORT=$(free_port 127.0.0.1)
cat >"$T/node.conf" <<CONF
node_listen 127.0.0.1:$PORT
node_host_name exec.test
node_plugin_dir $P
node_plugin_conf_dir $T/conf.d
node_plugin_state $T/state
node_exec load
user nobody
CONF
: >"$T/node.log"
start_bg "$T/node.log" "$DROVER" node -c "$T/node.conf"
NODE=$LAST_PID
wait_log "$T/node.log" "node: exec.test on 127.0.0.1:$PORT as nobody" 30 ||
	fail "drover node did not start: $(cat "$T/node.log")"
# start-up configures every plugin; hangconfig is dropped at its timeout
wait_log "$T/node.log" 'plugin hangconfig: config timed out; dropped' 30 ||
	fail "hangconfig not dropped: $(cat "$T/node.log")"
session() { $PY "$SESSION" 127.0.0.1 "$PORT" "$@"; }
wait_until 30 sh -c "$PY '$SESSION' 127.0.0.1 $PORT list | grep -q whoami_root" ||
	fail "plugins not listed"

session list >"$T/list" || fail "list"
for p in load whoami whoami_root hangfetch big badexit cpu memory; do
	grep -qw "$p" "$T/list" || fail "$p not listed: $(cat "$T/list")"
done
grep -qw hangconfig "$T/list" && fail "a dropped plugin is listed"

# node_exec load: Munin's real load plugin, not the C source, with
# plugin-conf.d's env: the same text as the plugin run by hand with those
# settings
session "config load" "fetch load" >"$T/out" || fail "session"
grep -qx 'load.warning 7' "$T/out" || fail "env.load_warning lost: $(cat "$T/out")"
grep -qx 'load.critical 11' "$T/out" || fail "env.load_critical lost"
env -i PATH=/usr/bin:/bin MUNIN_LIBDIR=/usr/share/munin load_warning=7 \
	load_critical=11 "$PLUGINS/load" config |
	sed -e 's/[[:space:]]*$//' >"$T/load.want" || fail "load by hand"
sed -n '2,/^\.$/p' "$T/out" | sed '$d' >"$T/load.got"
diff "$T/load.want" "$T/load.got" || fail "config load differs from the plugin's own"
grep -qE '^load.value [0-9.]+$' "$T/out" || fail "fetch load: $(cat "$T/out")"

# identities: the daemon is nobody; plugins default to nobody; "user root"
# runs as root through the runner; MUNIN_PLUGSTATE exists for each
nobody=$(id -u nobody)
session "fetch whoami" "fetch whoami_root" >"$T/out" || fail "whoami"
grep -qx "uid.value $nobody" "$T/out" || fail "whoami not as nobody: $(cat "$T/out")"
grep -qx "uid.value 0" "$T/out" || fail "whoami_root not as root: $(cat "$T/out")"
[ "$(grep -c '^state.value 1$' "$T/out")" = 2 ] || fail "MUNIN_PLUGSTATE missing"
[ -d "$T/state/nobody" ] && [ -d "$T/state/root" ] || fail "no plugin state dirs"
[ "$(ps -o user= -p "$NODE")" = nobody ] || fail "the daemon is not nobody"

# no node_exec cpu: the C source, not the plugin of that name
session "fetch cpu" "fetch memory" >"$T/out" || fail "cpu"
grep -q 'cpu.value 4242' "$T/out" && fail "the exec cpu served by default"
grep -qE '^user.value [0-9]+$' "$T/out" || fail "the C cpu source: $(cat "$T/out")"
grep -qE '^apps.value [0-9]+$' "$T/out" || fail "the C memory source: $(cat "$T/out")"

# a plugin that hangs on fetch: another client is answered meanwhile, then
# "# Timed out", and neither the plugin nor its child is left
session "fetch hangfetch" >"$T/hang" &
HANG=$!
wait_until 20 pgrep -f 'sleep 1002' >/dev/null || fail "hangfetch did not start"
session "fetch whoami" >"$T/out" || fail "whoami during the hang"
kill -0 $HANG 2>/dev/null || fail "the hang answered before the other client"
grep -q '^uid.value' "$T/out" || fail "whoami during the hang: $(cat "$T/out")"
wait $HANG || fail "the hanging session failed"
grep -qx '# Timed out' "$T/hang" || fail "no '# Timed out': $(cat "$T/hang")"
wait_until 20 sh -c '! pgrep -f "sleep 100[123]" >/dev/null' ||
	fail "a hung plugin's processes were left: $(pgrep -af 'sleep 100')"

# 10 MB of output, a non-zero exit
session "fetch big" "fetch badexit" >"$T/out" || fail "big/badexit"
[ "$(grep -cx '# Bad exit' "$T/out")" = 2 ] || fail "big/badexit: $(head -c 300 "$T/out")"
grep -q 'x.value' "$T/out" && fail "a bad exit's output was passed on"
wait_log "$T/node.log" 'plugin big: output too large' 10 ||
	fail "big not logged: $(cat "$T/node.log")"
wait_log "$T/node.log" 'something broke' 10 || fail "badexit's stderr not logged"

# a client that leaves while its plugin runs: the plugin is killed
session "fetch hangfetch" >/dev/null &
LEAVER=$!
wait_until 20 pgrep -f 'sleep 1002' >/dev/null || fail "hangfetch did not start"
kill $LEAVER
wait $LEAVER 2>/dev/null
wait_until 20 sh -c '! pgrep -f "sleep 100[123]" >/dev/null' ||
	fail "a withdrawn plugin was left running"

# the runner dies: exec plugins fail, the C sources go on
# (the probes' command runner, when a probe declares commands, is the
# other child: it logs its pid)
CMDR=$(sed -n 's/.*cmd_runner: process \([0-9]*\) keeps.*/\1/p' "$T/node.log")
RUNNER=$(pgrep -P "$NODE" | grep -vx "${CMDR:-none}" | head -1)
[ -n "$RUNNER" ] || fail "no runner process"
[ "$(ps -o user= -p "$RUNNER")" = root ] || fail "the runner is not root"
kill -KILL "$RUNNER"
wait_log "$T/node.log" 'the plugin runner exited' 10 || fail "runner death not logged"
session "fetch whoami" "fetch memory" >"$T/out" || fail "after the runner"
grep -qx '# Bad exit' "$T/out" || fail "exec after the runner: $(cat "$T/out")"
grep -qE '^apps.value [0-9]+$' "$T/out" || fail "C source after the runner"

stop_pid "$NODE" || fail "drover node exited $?: $(cat "$T/node.log")"
grep -q 'node: stopped' "$T/node.log" || fail "no clean stop"
echo "PASS: exec plugins through drover node"
