#!/bin/bash
# Munin's ssh:// and cmd:// transports against real peers: a real sshd
# (OpenSSH, started here on a free loopback port with a throwaway host key
# and user key, its own sshd_config, stopped by PID), a real munin-node,
# and socat as the command that reaches the node, as Munin's
# documentation suggests ("ssh://host/usr/bin/socat - TCP:localhost:4949").
#
# drover polls the node over TCP, through ssh:// and through cmd://, and
# gets the same services, fields, types and fixed values; a dead tunnel
# (ssh to a closed port, the node's port closed behind sshd, a key sshd
# refuses, a command that exits at once) fails the poll at once with the
# child's own message in the error, never waiting for a deadline; a
# command that hangs times out on its deadline while the TCP host in the
# same run keeps its schedule; two commands on one physical host never
# run at once under physical_concurrency 1 (with 2 they do); no child,
# zombie or descriptor is left.
# The real munin-update (as user munin) over the same ssh:// address
# stores the fields drover reads, with the same value.
#
# sshd wants its privilege separation directory /run/sshd (a compiled-in
# path, which Debian's unit makes at start): it runs in a mount namespace
# of its own with a tmpfs on /run there, so the test creates nothing on
# the machine.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
set -o pipefail

need /usr/sbin/sshd openssh-server
need ssh openssh-client
need ssh-keygen openssh-client
need socat socat
need /usr/sbin/munin-node munin-node
need unshare util-linux
need pgrep procps
need ss iproute2
need rrdtool rrdtool
need curl curl
[ "$(id -u)" = 0 ] || fail "needs root (munin-node's namespace, sshd)"

# ---- the node: a fixed plugin (known values) and two real ones, whose
# values move between polls (their services, fields and types are compared)
mkdir -p "$T/plugins"
cat >"$T/plugins/fixed" <<'SH'
#!/bin/sh
if [ "$1" = config ]; then
	echo "graph_title Fixed values"
	echo "a.label a"
	echo "b.label b"
	echo "b.type DERIVE"
	exit 0
fi
echo "a.value 42"
echo "b.value 123456"
SH
chmod 755 "$T/plugins/fixed"
ln -s /usr/share/munin/plugins/memory "$T/plugins/memory"
ln -s /usr/share/munin/plugins/load "$T/plugins/load"
NPORT=$(free_port 127.0.0.1)
PLUGINS="$T/plugins" "$top_srcdir/tests/lib/munin_node.sh" start "$T/node" \
	127.0.0.1 "$NPORT" node.test >/dev/null || fail "munin-node did not start"
SSHD=""
stop_all() {
	[ -z "$SSHD" ] || stop_pid "$SSHD"
	"$top_srcdir/tests/lib/munin_node.sh" stop "$T/node" >/dev/null
	cleanup
}
trap stop_all EXIT

# ---- sshd: throwaway keys, its own config, a loopback port ----
mkdir -m 700 "$T/ssh"
ssh-keygen -q -t ed25519 -N '' -C drover-test-host -f "$T/ssh/host_key" ||
	fail "ssh-keygen (host key)"
ssh-keygen -q -t ed25519 -N '' -C drover-test-user -f "$T/ssh/user_key" ||
	fail "ssh-keygen (user key)"
ssh-keygen -q -t ed25519 -N '' -C drover-test-other -f "$T/ssh/other_key" ||
	fail "ssh-keygen (unauthorised key)"
cp "$T/ssh/user_key.pub" "$T/ssh/authorized_keys"
SPORT=$(free_port 127.0.0.1)
cat >"$T/ssh/sshd_config" <<CONF
Port $SPORT
ListenAddress 127.0.0.1
HostKey $T/ssh/host_key
PidFile $T/ssh/sshd.pid
AuthorizedKeysFile $T/ssh/authorized_keys
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
LogLevel VERBOSE
CONF
# unshare and sh exec: the PID is sshd's
start_bg "$T/sshd.log" unshare -m --propagation private sh -c '
    mount -t tmpfs -o mode=755 tmpfs /run && mkdir -m 755 /run/sshd &&
    exec /usr/sbin/sshd -D -e -f "$1"' sh "$T/ssh/sshd_config"
SSHD=$LAST_PID
listening() { ss -lnt | awk '{print $4}' | grep -qxF "127.0.0.1:$SPORT"; }
wait_until 20 listening || fail "sshd did not start: $(cat "$T/sshd.log")"

CLOSED=$(free_port 127.0.0.1)
cp /bin/sleep "$T/hangsleep" # a name only this test's children have
KH="$T/ssh/known_hosts"
# the operator's choices, as a site sets them for Munin: an identity, its
# own known_hosts; Munin's StrictHostKeyChecking=no kept
OPTS="-F none -i $T/ssh/user_key -o IdentitiesOnly=yes -o UserKnownHostsFile=$KH -o StrictHostKeyChecking=no"
conf() { # FILE INTERVAL: the config; the hosts' sections on stdin
	{
		echo "dbdir $T/db"
		echo "interval $2"
		echo "local_node no"
		echo "listen 127.0.0.1:0"
		echo "state_dir $T/state"
		echo "graph_cache $T/graphs"
		echo "connect_timeout 20"
		echo "ssh_options $OPTS"
		cat
	} >"$1"
}
conf "$T/poll.conf" 300 <<CONF
[tcp.test]
    address 127.0.0.1
    port $NPORT
[ssh.test]
    address ssh://root@127.0.0.1:$SPORT/usr/bin/socat - TCP:127.0.0.1:$NPORT
[cmd.test]
    address cmd:///usr/bin/socat - TCP:127.0.0.1:$NPORT
[dead.test]
    address ssh://root@127.0.0.1:$CLOSED/usr/bin/socat - TCP:127.0.0.1:$NPORT
[behind.test]
    address ssh://root@127.0.0.1:$SPORT/usr/bin/socat - TCP:127.0.0.1:$CLOSED
[denied.test]
    address ssh://root@127.0.0.1:$SPORT/usr/bin/socat - TCP:127.0.0.1:$NPORT
    ssh_options -F none -i $T/ssh/other_key -o IdentitiesOnly=yes -o UserKnownHostsFile=$KH -o StrictHostKeyChecking=no
[exit.test]
    address cmd:///bin/sh -c 'echo no node here >&2; exit 4'
[midway.test]
    address cmd:///bin/sh -c 'echo "\\# munin node at midway"; read l; echo gone >&2; exit 5'
CONF
"$DROVER" config -c "$T/poll.conf" >"$T/config.out" 2>&1 ||
	fail "config refused: $(cat "$T/config.out")"
grep -qxF "    address ssh://root@127.0.0.1:$SPORT/usr/bin/socat - TCP:127.0.0.1:$NPORT" "$T/config.out" ||
	fail "ssh address not printed as given: $(grep address "$T/config.out")"
grep -qxF "    ssh_options $OPTS" "$T/config.out" || fail "host ssh_options not printed"

# ---- the same values over TCP, ssh and cmd ----
# shape OUT: services and "field TYPE" (values of real plugins move)
shape() { awk '/^[^ #]/ { print } /^  / { print $1, $3 }' "$1" | sort; }
for h in tcp ssh cmd; do
	"$DROVER" poll -c "$T/poll.conf" $h.test >"$T/$h.out" 2>&1 ||
		fail "poll of $h.test failed: $(tail -3 "$T/$h.out")"
	tail -1 "$T/$h.out" | sed 's/^/# /'
	tail -1 "$T/$h.out" | grep -q '^# node.test: ok; 3 plugins, 0 plugin errors' ||
		fail "$h.test: $(tail -1 "$T/$h.out")"
	shape "$T/$h.out" >"$T/$h.shape"
	grep -E '^  (a|b) ' "$T/$h.out" >"$T/$h.fixed"
done
grep -qE '^  a +42 +GAUGE' "$T/tcp.fixed" || fail "fixed plugin over TCP: $(cat "$T/tcp.fixed")"
grep -qE '^  b +123456 +DERIVE' "$T/tcp.fixed" || fail "fixed DERIVE over TCP: $(cat "$T/tcp.fixed")"
grep -qE '^  apps +[0-9]' "$T/tcp.out" || fail "no memory values over TCP: $(cat "$T/tcp.out")"
for h in ssh cmd; do
	diff "$T/tcp.shape" "$T/$h.shape" >"$T/$h.diff" ||
		fail "$h.test differs from TCP: $(cat "$T/$h.diff")"
	diff "$T/tcp.fixed" "$T/$h.fixed" >"$T/$h.diff" ||
		fail "$h.test values differ from TCP: $(cat "$T/$h.diff")"
done
grep -q "Accepted publickey for root" "$T/sshd.log" || fail "the ssh poll did not go through sshd: $(cat "$T/sshd.log")"

# ---- dead tunnels: a failed poll at once, the child's words in it ----
# (connect_timeout is 20 s: "connect", not "timeout", says no deadline
# was waited for)
dead() { # HOST PATTERN
	local out=$T/$1.out
	"$DROVER" poll -c "$T/poll.conf" "$1" >"$out" 2>&1 &&
		fail "$1: poll succeeded: $(cat "$out")"
	sed 's/^/# /' "$out"
	grep -qE "^# [^ ]+: connect: $2" "$out" || fail "$1: $(cat "$out")"
}
dead dead.test "no banner \(ssh exit status 255: ssh: connect to host 127.0.0.1 port $CLOSED: Connection refused\)"
dead behind.test "no banner \(ssh exit status 1: .*socat.*127.0.0.1:$CLOSED.*Connection refused\)"
dead denied.test "no banner \(ssh exit status 255: root@127.0.0.1: Permission denied \(publickey\)\.\)"
dead exit.test "no banner \(sh exit status 4: no node here\)"
# ending after the banner (its "\#": '#' starts a comment in munin.conf):
# the poll fails there, with the command's words too
"$DROVER" poll -c "$T/poll.conf" midway.test >"$T/midway.out" 2>&1 &&
	fail "midway.test: poll succeeded: $(cat "$T/midway.out")"
sed 's/^/# /' "$T/midway.out"
grep -qF "# midway: closed: node closed the connection while negotiating capabilities (sh exit status 5: gone)" "$T/midway.out" ||
	fail "midway.test: $(cat "$T/midway.out")"

# ---- a daemon: a hung command on its deadline, the others on time ----
conf "$T/run.conf" 5 <<CONF
[tcp.test]
    address 127.0.0.1
    port $NPORT
[ssh.test]
    address ssh://root@127.0.0.1:$SPORT/usr/bin/socat - TCP:127.0.0.1:$NPORT
[cmd.test]
    address cmd:///usr/bin/socat - TCP:127.0.0.1:$NPORT
[hang.test]
    address cmd://$T/hangsleep 300
    timeout 3
[dead.test]
    address ssh://root@127.0.0.1:$CLOSED/usr/bin/socat - TCP:127.0.0.1:$NPORT
CONF
start_bg "$T/drover.log" "$DROVER" run -c "$T/run.conf"
DPID=$LAST_PID
WEB=$(dashboard_port "$T/drover.log") || fail "no dashboard: $(cat "$T/drover.log")"
last_update() { # HOST: the newest values of its fixed service, 0: none
	curl -sf "http://127.0.0.1:$WEB/api/v1/hosts/$1/fixed" |
		$PY -c 'import json,sys; print(json.load(sys.stdin)["last_update"])' 2>/dev/null || echo 0
}
newer() { [ "$(last_update "$1")" -gt "$2" ]; }
fds() { ls "/proc/$DPID/fd" | wc -l; }
hangs() { pgrep -c -f "^$T/hangsleep" || true; }
# the hung command (its first poll, before any backoff): only its 0, 1
# and 2, no descriptor of drover's
hung() { [ "$(hangs)" -gt 0 ]; }
wait_until 30 hung || fail "hang.test's command never ran"
hp=$(pgrep -f "^$T/hangsleep" | head -1)
ls "/proc/$hp/fd" 2>/dev/null | sort -n | tr '\n' ' ' >"$T/hangfds"
# (empty: it was killed between pgrep and ls)
[ ! -s "$T/hangfds" ] || [ "$(cat "$T/hangfds")" = "0 1 2 " ] ||
	fail "the command inherited descriptors: $(cat "$T/hangfds")"
maxhangs=0
zombies=0
# UPDATES consecutive updates of tcp.test, each one interval after the
# last: a slot missed behind the hung command would skip a step
u=0
steps=""
for i in 1 2 3 4 5 6; do
	wait_until 60 newer tcp.test "$u" || fail "tcp.test not polled after $u: $(tail "$T/drover.log")"
	n=$(last_update tcp.test)
	[ "$u" = 0 ] || steps="$steps $((n - u))"
	u=$n
	[ "$i" = 2 ] && fd2=$(fds)
	h=$(hangs)
	[ "$h" -gt "$maxhangs" ] && maxhangs=$h
	z=$(ps -o stat= --ppid "$DPID" | grep -c '^Z' || true)
	zombies=$((zombies + z))
done
fd6=$(fds)
note "tcp.test steps:$steps; drover fds $fd2 -> $fd6; hung children at most $maxhangs"
for s in $steps; do
	[ "$s" = 5 ] || fail "tcp.test missed a slot (steps:$steps)"
done
newer ssh.test 0 || fail "ssh.test never stored"
newer cmd.test 0 || fail "cmd.test never stored"
[ "$maxhangs" -le 1 ] || fail "$maxhangs hung commands at once: the old ones are not killed"
[ "$zombies" = 0 ] || fail "$zombies zombie children of drover seen"
[ "$fd6" -le $((fd2 + 8)) ] || fail "drover's descriptors grow: $fd2 after 2 polls, $fd6 after 6"
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
sed 's/^/# /' "$T/drover.log" | grep -v "dashboard\|tmpfs" | head -20
grep -qE "poll: hang.test: .*(poll took longer than 3.0 s|no answer for)" "$T/drover.log" ||
	fail "hang.test not timed out: $(grep hang.test "$T/drover.log")"
grep -qE "poll: dead.test: .*Connection refused" "$T/drover.log" ||
	fail "dead.test's reason: $(grep dead.test "$T/drover.log")"
grep -qE "poll: (tcp|ssh|cmd).test: " "$T/drover.log" &&
	fail "a good host logged a problem: $(grep -E "poll: (tcp|ssh|cmd).test" "$T/drover.log")"

# the stored values: the same over the three transports
for h in tcp ssh cmd; do
	v=$(rrdtool lastupdate "$T/db/test/$h.test-fixed-a-g.rrd" | awk -F': ' 'NF == 2 { print $2 }')
	[ "$v" = 42 ] || fail "$h.test stored a = '$v'"
done

# nothing left behind: the hung commands, ssh, the socats behind sshd
[ "$(hangs)" = 0 ] || fail "hung commands survive drover: $(pgrep -a -f "^$T/hangsleep")"
gone() { ! pgrep -f "TCP:127.0.0.1:$NPORT" >/dev/null; }
wait_until 10 gone || fail "children left: $(pgrep -a -f "TCP:127.0.0.1:$NPORT")"
# ---- the physical host's budget: command polls share it as TCP's do ----
# Two commands on one physical host with physical_concurrency 1, one of
# them slow (2 s before it connects): each logs when it starts and when
# its socat ended; no two of those spans may overlap.
conf "$T/budget.conf" 3 <<CONF
physical_concurrency 1
[slow.test]
    address cmd:///bin/sh -c 'echo "slow s \$(date +%s%N)" >>$T/spans; sleep 2; socat - TCP:127.0.0.1:$NPORT; echo "slow e \$(date +%s%N)" >>$T/spans'
    physical hv
[quick.test]
    address cmd:///bin/sh -c 'echo "quick s \$(date +%s%N)" >>$T/spans; socat - TCP:127.0.0.1:$NPORT; echo "quick e \$(date +%s%N)" >>$T/spans'
    physical hv
CONF
start_bg "$T/budget.log" "$DROVER" run -c "$T/budget.conf"
BPID=$LAST_PID
ended() { [ "$(grep -c "^$1 e " "$T/spans" 2>/dev/null)" -ge 3 ]; }
wait_until 90 ended slow || fail "slow.test not polled 3 times: $(tail "$T/budget.log")"
wait_until 90 ended quick || fail "quick.test not polled 3 times: $(tail "$T/budget.log")"
stop_pid "$BPID" || fail "drover (budget) failed: $(tail "$T/budget.log")"
$PY - "$T/spans" <<'PY' || fail "polls of one physical host overlapped: $(cat "$T/spans")"
import sys
spans, open_ = [], {}
for line in open(sys.argv[1]):
    host, what, t = line.split()
    if what == "s":
        open_[host] = int(t)
    elif host in open_:
        spans.append((open_.pop(host), int(t), host))
spans.sort()
for a, b in zip(spans, spans[1:]):
    if b[0] < a[1]:
        print("FAIL: %s started %.3f s before %s ended" % (b[2], (a[1] - b[0]) / 1e9, a[2]))
        sys.exit(1)
print("# %d command polls on one physical host, none overlapping" % len(spans))
PY

# ---- the real munin-update over the same ssh:// address ----
# munin-update refuses root: as user munin, with its own copy of the key
# (ssh refuses a key others can read), the same munin.conf for both
UPDATE=/usr/share/munin/munin-update
need "$UPDATE" munin
need runuser util-linux
id munin >/dev/null 2>&1 || fail "no user munin: install the Debian package munin (its postinst adds the user)"
chmod 755 "$T"
mkdir -p "$T/munin/db" "$T/munin/run" "$T/munin/log" "$T/munin/ssh"
cp "$T/ssh/user_key" "$T/munin/ssh/key"
chown -R munin:munin "$T/munin"
chmod 700 "$T/munin/ssh"
chmod 600 "$T/munin/ssh/key"
cat >"$T/munin/munin.conf" <<CONF
dbdir $T/munin/db
htmldir $T/munin/db
rundir $T/munin/run
logdir $T/munin/log
tmpldir /etc/munin/templates
ssh_options -F none -i $T/munin/ssh/key -o IdentitiesOnly=yes -o UserKnownHostsFile=$T/munin/ssh/known_hosts -o StrictHostKeyChecking=no
[test;ssh.test]
    address ssh://root@127.0.0.1:$SPORT/usr/bin/socat - TCP:127.0.0.1:$NPORT
    use_node_name yes
CONF
runuser -u munin -- "$UPDATE" --config_file "$T/munin/munin.conf" \
	--nofork --debug >"$T/update.log" 2>&1 ||
	fail "munin-update: $(tail -20 "$T/update.log")"
grep -q "open3(ssh .* -p $SPORT root@127.0.0.1 /usr/bin/socat - TCP:127.0.0.1:$NPORT)" "$T/update.log" ||
	fail "munin-update did not go through ssh: $(grep -i -e ssh -e error "$T/update.log" | head)"
# drover on Munin's own config (local_node aside)
"$DROVER" poll -c "$T/munin/munin.conf" ssh.test >"$T/munin.out" 2>&1 ||
	fail "drover poll on munin.conf: $(tail -3 "$T/munin.out")"
# the fields munin-update made files for are the fields drover read
(cd "$T/munin/db/test" && ls ssh.test-*.rrd) | sed 's/-[gdca]\.rrd$//' | sort >"$T/munin.files"
awk '/^[^ #]/ { svc = $1 } /^  / { print "ssh.test-" svc "-" $1 }' "$T/munin.out" |
	sort >"$T/drover.files"
[ -s "$T/munin.files" ] || fail "munin-update stored nothing: $(tail "$T/update.log")"
diff "$T/munin.files" "$T/drover.files" >"$T/files.diff" ||
	fail "munin-update's fields and drover's differ: $(cat "$T/files.diff")"
v=$(rrdtool lastupdate "$T/munin/db/test/ssh.test-fixed-a-g.rrd" | awk -F': ' 'NF == 2 { print $2 }')
[ "$v" = 42 ] || fail "munin-update stored a = '$v'"
grep -qE '^  a +42 +GAUGE' "$T/munin.out" || fail "drover on munin.conf: $(grep -A2 '^fixed' "$T/munin.out")"
note "munin-update and drover over the same ssh:// address: $(wc -l <"$T/munin.files") fields, a = 42 for both"
wait_until 10 gone || fail "children left after munin-update: $(pgrep -a -f "TCP:127.0.0.1:$NPORT")"

echo "PASS: ssh:// and cmd:// polls equal TCP's and munin-update's; dead tunnels fail at once; a hung command on its deadline; nothing left"
