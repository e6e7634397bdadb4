#!/bin/bash
# record_munin_sessions.sh: capture raw munin-node replies as test fixtures.
#
#   tests/lib/record_munin_sessions.sh [OUTDIR]   (default tests/fixtures/munin)
#
# Starts a real munin-node (tests/lib/munin_node.sh, needs root for its
# private mounts; its plugin state starts empty) on 127.0.0.1 and a free
# port, with a private plugin set:
# real plugins from /usr/share/munin/plugins (cpu, load, memory, diskstats,
# if_lo, df) plus small shell plugins for dirtyconfig, "U" and "EPOCH:value"
# values, a failing plugin (# Bad exit) and a slow one (# Timed out, plugin
# timeout 1 s via a private plugin-conf.d).  For each command it writes the
# exact bytes of the reply, including the final "." line of multi-line
# replies, to OUTDIR/NAME.txt (NAME is the command with "_" for " ").  The banner goes to banner.txt.
#
# The captures are committed: unit tests parse them, they do not run this.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$HERE/../fixtures/munin}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
ADDR=127.0.0.1
HOSTNAME_=fixture.test

port=$(/usr/bin/python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$ADDR") ||
	{ echo "no free port" >&2; exit 1; }

W=$(mktemp -d /tmp/drover-record.XXXXXX)
cleanup() {
	"$HERE/munin_node.sh" stop "$W/node" || true
	rm -rf "$W"
}
trap cleanup EXIT

P=$W/plugins
C=$W/plugin-conf.d
mkdir -p "$P" "$C"
for pl in cpu load memory diskstats df; do
	ln -s "/usr/share/munin/plugins/$pl" "$P/$pl"
done
ln -s /usr/share/munin/plugins/if_ "$P/if_lo"

# dirtyconfig: values in the config answer when the master allows it.
cat > "$P/dirty" <<'PL'
#!/bin/sh
if [ "${1:-}" = config ]; then
	echo "graph_title Dirty config"
	echo "graph_vlabel things"
	echo "graph_title Second title ignored"
	echo "a.label A"
	echo "a.type GAUGE"
	echo "b.label B"
	echo "b.draw LINE2"
	if [ "${MUNIN_CAP_DIRTYCONFIG:-0}" = 1 ]; then
		echo "a.value 42"
		echo "b.value 1700000000:3.5"
		exit 0
	fi
	exit 0
fi
echo "a.value 42"
echo "b.value 1700000000:3.5"
PL
# unknown and timestamped values, extinfo
cat > "$P/odd" <<'PL'
#!/bin/sh
if [ "${1:-}" = config ]; then
	echo "graph_title Odd values"
	echo "unk.label unknown"
	echo "stamped.label stamped"
	echo "neg.label negative"
	echo "neg.min -100"
	exit 0
fi
echo "unk.value U"
echo "stamped.value 1700000300:12.25"
echo "neg.value -1.5e3"
echo "neg.extinfo Something odd happened"
PL
cat > "$P/failing" <<'PL'
#!/bin/sh
if [ "${1:-}" = config ]; then
	echo "graph_title Fails on fetch"
	echo "x.label x"
	exit 0
fi
echo "x.value 1"
exit 3
PL
cat > "$P/slow" <<'PL'
#!/bin/sh
if [ "${1:-}" = config ]; then
	echo "graph_title Slow on fetch"
	echo "x.label x"
	exit 0
fi
echo "x.value 1"
sleep 5
PL
chmod +x "$P/dirty" "$P/odd" "$P/failing" "$P/slow"

if [ -d /etc/munin/plugin-conf.d ]; then
	cp -a /etc/munin/plugin-conf.d/. "$C/"
fi
printf '[slow]\ntimeout 1\n' > "$C/zz-drover-fixtures"

PLUGINS=$P PLUGIN_CONF=$C "$HERE/munin_node.sh" start "$W/node" "$ADDR" "$port" "$HOSTNAME_"

/usr/bin/python3 - "$ADDR" "$port" "$OUT" <<'PY'
import socket, sys, time
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.create_connection((host, port), timeout=30)
buf = b''

def reply(multi):
    """Exact bytes of one reply: one line, or lines up to a "." line."""
    global buf
    while True:
        if multi:
            if buf.startswith(b'.\n'):
                end = 2
                break
            i = buf.find(b'\n.\n')
            if i >= 0:
                end = i + 3
                break
        else:
            i = buf.find(b'\n')
            if i >= 0:
                end = i + 1
                break
        chunk = s.recv(65536)
        if not chunk:
            sys.exit('connection closed')
        buf += chunk
    r, buf = buf[:end], buf[end:]
    return r

def save(name, data):
    with open('%s/%s.txt' % (out, name), 'wb') as f:
        f.write(data)

save('banner', reply(False))
cmds = [('cap', 'cap multigraph dirtyconfig', False),
        ('list', 'list', False)]
for pl in ('cpu', 'load', 'memory', 'diskstats', 'if_lo', 'df', 'dirty',
           'odd', 'failing', 'slow'):
    cmds.append(('config_' + pl, 'config ' + pl, True))
    cmds.append(('fetch_' + pl, 'fetch ' + pl, True))
# diskstats keeps its previous counters in the node's (private, empty)
# plugin state: with none its first fetch answers only ".", so prime it (not
# saved).  It divides by the seconds since that sample: the recorded fetch
# must come in a later second.
cmds.insert(2, (None, 'fetch diskstats', True))
cmds.append(('fetch_nosuchplugin', 'fetch nosuchplugin', True))
cmds.append(('config_nosuchplugin', 'config nosuchplugin', True))
for name, cmd, multi in cmds:
    if name == 'fetch_diskstats':
        while int(time.time()) <= primed:
            time.sleep(0.05)
    s.sendall(cmd.encode() + b'\n')
    r = reply(multi)
    if name:
        save(name, r)
    elif cmd == 'fetch diskstats':
        if r != b'.\n':
            sys.exit('diskstats had state before its first fetch: %r' % r)
        primed = int(time.time())
s.sendall(b'quit\n')
s.close()
PY
echo "recorded $(ls "$OUT" | wc -l) files in $OUT"
