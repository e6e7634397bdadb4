#!/bin/bash
# test_exec: plugins/exec runs Munin plugins as munin-node does, through
# tests/exec_run (one libuv loop, every plugin of a call at once).
#   - munin-node's own munin-run is the reference: a plugin printing its
#     environment and its ids (user, groups, env.* from a plugin-conf.d)
#     gets the same from both; real plugins from munin-plugins-core give
#     the same config;
#   - a plugin that hangs (ignoring SIGTERM, with a child) is killed at its
#     timeout, child included; one that exits leaving a child holding its
#     stdout ends at the timeout too, child killed;
#   - 10 MB of output is cut at the bound and reported; a non-zero exit, a
#     signal, a file that is not executable or missing are reported;
#   - stderr is logged with the plugin's name, "# " lines not;
#   - two plugins that each wait for the other finish: they overlap;
#   - cancelling kills the plugin's group and calls back once.
# Runs as root (plugins as nobody and daemon).
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail

need munin-run munin-node
need /usr/share/munin/plugins/uptime munin-plugins-core
need setpriv util-linux
[ "$(id -u)" = 0 ] || skip "needs root to run plugins as other users"
RUN="$top_builddir/tests/exec_run"
[ -x "$RUN" ] || fail "$RUN not built"
CORE=/usr/share/munin/plugins

chmod 755 "$T" # plugins run as nobody read their directory
P=$T/plugins
C=$T/conf.d
mkdir "$P" "$C" "$T/state"
chmod 1777 "$T/state"
: >"$T/munin-node.conf"

plugin() { # plugin NAME BODY...: a /bin/sh plugin in $P
	local n=$1
	shift
	printf '#!/bin/sh\n%s\n' "$@" >"$P/$n"
	chmod 755 "$P/$n"
}
# alive PID: a process, not a zombie
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	! awk '{ exit !($3 == "Z") }' "/proc/$1/stat"
}
# status OUT NAME: the status line exec_run printed for NAME
status() {
	grep "^== $2 " "$1" || fail "no result for $2: $(head -c 2000 "$1")"
}

# ---- environment and identity, against munin-run --------------------------
plugin envdump 'env | LC_ALL=C sort'
plugin ids 'echo "uid $(id -u) gid $(id -g) groups $(id -G | tr " " "\n" | sort -n | tr "\n" " ")"'
cat >"$C/munin-node" <<'CONF'
[*]
env.everyone 1
[envdump]
env.greeting hello world
env.PATH /opt/custom:/usr/bin:/bin
timeout 30
[ids]
user daemon
group adm, (no-such-group), daemon
CONF
for p in envdump ids; do
	munin-run --config "$T/munin-node.conf" --servicedir "$P" \
	    --sconfdir "$C" "$p" >"$T/$p.munin" 2>"$T/$p.munin.err" ||
	    fail "munin-run $p: $(cat "$T/$p.munin.err")"
	"$RUN" -r -d "$P" -c "$C" -F "$(perl -MMunin::Node::OS \
	    -e 'print Munin::Node::OS->get_fq_hostname')" "$p" \
	    >"$T/$p.drover" 2>"$T/$p.drover.err" ||
	    fail "exec_run $p: $(cat "$T/$p.drover.err")"
	grep -q "exec_run: $p: ok" "$T/$p.drover.err" ||
	    fail "$p: $(cat "$T/$p.drover.err")"
done
# munin-run exports what munin-node does; only "_" (the shell's last
# command) and MUNIN_PLUGSTATE's parent may legitimately differ
grep -v '^_=' "$T/envdump.munin" >"$T/env.munin"
grep -v '^_=' "$T/envdump.drover" | sed \
    "s|$T/state|/var/lib/munin-node/plugin-state|" >"$T/env.drover"
# the default plugstate is munin's; in this test it is the same path
diff -u "$T/env.munin" "$T/env.drover" ||
    fail "environment differs from munin-run's (- munin, + drover)"
grep -qx 'greeting=hello world' "$T/envdump.drover" || fail "env.* lost"
grep -qx 'PATH=/opt/custom:/usr/bin:/bin' "$T/envdump.drover" ||
    fail "env.PATH does not override munin's PATH"
diff -u "$T/ids.munin" "$T/ids.drover" ||
    fail "user/groups differ from munin-run's"
grep -q "^uid $(id -u daemon) gid $(getent group adm | cut -d: -f3) " \
    "$T/ids.drover" || fail "ids: $(cat "$T/ids.drover")"
note "env ($(wc -l <"$T/env.drover") variables) and ids as munin-run's"

# a plugin without a user runs as nobody, group munin, as munin-node's
plugin whoami 'id -u; id -g'
"$RUN" -d "$P" -s "$T/state" whoami >"$T/who" || fail "exec_run whoami"
[ "$(sed -n 2p "$T/who")" = "$(id -u nobody)" ] ||
    fail "default user is not nobody: $(cat "$T/who")"
[ "$(sed -n 3p "$T/who")" = "$(getent group munin | cut -d: -f3)" ] ||
    fail "default group is not munin: $(cat "$T/who")"
[ -d "$T/state/nobody" ] || fail "MUNIN_PLUGSTATE/nobody not made"

# ---- real plugins: the same config as munin-run's --------------------------
for p in uptime load memory cpu; do
	munin-run --config "$T/munin-node.conf" --servicedir "$CORE" \
	    --sconfdir "$C" "$p" config >"$T/$p.cfg.munin" 2>/dev/null ||
	    fail "munin-run $p config"
	"$RUN" -r -d "$CORE" -c "$C" "$p:config" >"$T/$p.cfg.drover" \
	    2>"$T/$p.err" || fail "exec_run $p config: $(cat "$T/$p.err")"
	diff -u "$T/$p.cfg.munin" "$T/$p.cfg.drover" ||
	    fail "$p config differs from munin-run's"
	"$RUN" -r -d "$CORE" -c "$C" "$p" >"$T/$p.fetch" 2>"$T/$p.err" ||
	    fail "exec_run $p: $(cat "$T/$p.err")"
	munin-run --config "$T/munin-node.conf" --servicedir "$CORE" \
	    --sconfdir "$C" "$p" 2>/dev/null | sed 's/ .*//' \
	    >"$T/$p.fields.munin" || fail "munin-run $p"
	sed 's/ .*//' "$T/$p.fetch" | diff -u "$T/$p.fields.munin" - ||
	    fail "$p fetch fields differ from munin-run's"
	grep -qE '^[a-z0-9_]+\.value [0-9.U]+' "$T/$p.fetch" ||
	    fail "$p fetch: $(cat "$T/$p.fetch")"
done
note "uptime, load, memory, cpu: config as munin-run's, same fetch fields"

# ---- bad plugins -----------------------------------------------------------
plugin hang 'trap "" TERM' 'sleep 1000 & echo $! >'"$T/hang.pid" 'sleep 1000'
plugin linger '(sleep 1000 & echo $! >'"$T/linger.pid"')' 'echo early.value 1'
plugin big 'head -c 10000000 /dev/zero | tr "\\0" x'
plugin fail 'echo part.value 1' 'exit 3'
plugin crash 'kill -SEGV $$'
plugin noisy 'echo "# a comment" >&2' 'echo "oops: bad thing" >&2' \
    'echo x.value 1'
printf '#!/bin/sh\necho no\n' >"$P/noexec"
chmod 644 "$P/noexec"
# these write their children's pids into $T: as root
cat >"$C/timeouts" <<'CONF'
[hang]
timeout 1
user root
[linger]
timeout 1
user root
[slow]
user root
CONF
"$RUN" -d "$P" -c "$C" -s "$T/state" hang linger big fail crash noisy \
    noexec missing >"$T/bad" 2>"$T/bad.err" ||
    fail "exec_run: $(cat "$T/bad.err")"
status "$T/bad" hang | grep -q "status=timed out" ||
    fail "hang: $(status "$T/bad" hang)"
status "$T/bad" linger | grep -q "status=timed out" ||
    fail "linger: $(status "$T/bad" linger)"
for f in hang linger; do
	pid=$(cat "$T/$f.pid")
	wait_until 10 eval "! alive $pid" ||
	    fail "$f: its child $pid survived the timeout"
done
status "$T/bad" big | grep -q "status=output too large .* bytes=1048576$" ||
    fail "big: $(status "$T/bad" big)"
status "$T/bad" fail | grep -q "status=bad exit exit=3 signal=0" ||
    fail "fail: $(status "$T/bad" fail)"
status "$T/bad" crash | grep -q "status=bad exit exit=0 signal=11" ||
    fail "crash: $(status "$T/bad" crash)"
status "$T/bad" noisy | grep -q "status=ok" || fail "noisy"
status "$T/bad" noexec | grep -q "status=spawn failed .*error=EACCES" ||
    fail "noexec: $(status "$T/bad" noexec)"
status "$T/bad" missing | grep -q "status=spawn failed .*error=ENOENT" ||
    fail "missing: $(status "$T/bad" missing)"
grep -q "exec: noisy: stderr: oops: bad thing" "$T/bad.err" ||
    fail "stderr not logged: $(cat "$T/bad.err")"
! grep -q "a comment" "$T/bad.err" || fail "a '# ' stderr line was logged"
note "hang, linger: timed out, children gone; big cut at 1 MiB;" \
    "exit 3, SIGSEGV, not executable, missing: reported"

# ---- concurrency: each waits for the other's mark --------------------------
plugin left "touch $T/left.mark" \
    "while [ ! -e $T/right.mark ]; do sleep 0.05; done" 'echo left.value 1'
plugin right "touch $T/right.mark" \
    "while [ ! -e $T/left.mark ]; do sleep 0.05; done" 'echo right.value 1'
printf '[left]\ntimeout 60\nuser root\n[right]\ntimeout 60\nuser root\n' \
    >"$C/pair"
"$RUN" -d "$P" -c "$C" -s "$T/state" left right >"$T/pair" ||
    fail "exec_run pair"
[ "$(grep -c 'status=ok' "$T/pair")" = 2 ] ||
    fail "the two plugins did not run at once: $(cat "$T/pair")"
note "two plugins waiting for each other both finished: they overlap"

# ---- cancel ------------------------------------------------------------------
plugin slow "sleep 1000 & echo \$! >$T/slow.pid" "touch $T/slow.started" \
    'wait'
"$RUN" -d "$P" -c "$C" -s "$T/state" -K "$T/slow.started" slow \
    >"$T/cancel" 2>"$T/cancel.err" ||
    fail "exec_run cancel: $(cat "$T/cancel.err")"
status "$T/cancel" slow | grep -q "status=cancelled" ||
    fail "cancel: $(cat "$T/cancel")"
pid=$(cat "$T/slow.pid")
wait_until 10 eval "! alive $pid" || fail "cancel: child $pid survived"
note "cancel: called back once, child killed"
