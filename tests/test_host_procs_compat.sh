#!/bin/bash
# test_host_procs_compat: drover's probes open_files, open_inodes,
# processes, threads, proc_pri and users (plugins/host_procs.c) against
# Munin's own plugins of those names.
#
#  - config: on this machine, the set of config lines must be identical,
#    order aside, for every plugin;
#  - values, exactly, where the plugin reads files that can be pointed
#    elsewhere: open_files and open_inodes (/proc/sys/fs) and threads
#    (find /proc/) on the fixture trees, users (`who FILE`) on the utmp
#    fixture and on one written here with awkward names and lines;
#  - values on the live machine where the plugin runs ps (processes,
#    proc_pri) or scans the real /proc (threads), with known processes
#    started first (sleepers, stopped ones, zombies, niced ones, one with
#    a locked page, one with 50 threads): Munin, drover, Munin again, and
#    drover's figure must lie within the two Munin readings, widened by
#    a sampling tolerance (the helpers each side runs, and whatever the
#    machine starts or ends meanwhile): 4 + 5% of the larger reading.
# A plugin or node_dump that fails or crashes is a FAIL, whatever its
# output.
. "$top_srcdir/tests/lib/common.sh"
set -o pipefail

PLUGINS=${MUNIN_PLUGINS:-/usr/share/munin/plugins}
DUMP="$top_builddir/tests/node_dump"
UTMP_WRITE="$top_builddir/tests/utmp_write"
ALL="open_files open_inodes processes threads proc_pri users"

for p in $ALL; do
	need "$PLUGINS/$p" munin-plugins-core
done
need ps procps
need python3 python3
[ -x "$DUMP" ] || fail "$DUMP not built"
[ -x "$UTMP_WRITE" ] || fail "$UTMP_WRITE not built"
tmp=$T
mkdir -p "$tmp/state"

# The environment munin-node gives a plugin with no plugin-conf.d
# settings: no thresholds, no env.* of the user's leaking in.
run_plugin_path() {
	path=$1
	shift
	env -i PATH=/usr/bin:/bin MUNIN_LIBDIR=/usr/share/munin \
	    MUNIN_PLUGSTATE="$tmp/state" \
	    MUNIN_STATEFILE="$tmp/state/${path##*/}" \
	    PERL5LIB="${PERL5LIB:-}" "$path" "$@"
}

# Munin's master strips trailing blanks from every line.
norm() {
	sed -e 's/[[:space:]]*$//' -e '/^$/d' | LC_ALL=C sort
}

rc=0
bad() {
	echo "FAIL: $*"
	rc=1
}

# ---- config on this machine ------------------------------------------
for p in $ALL; do
	run_plugin_path "$PLUGINS/$p" config | norm >"$tmp/$p.munin.config" ||
	    bad "Munin's $p config failed"
	"$DUMP" /proc "$p" config | norm >"$tmp/$p.drover.config" ||
	    bad "node_dump $p config failed"
	if [ ! -s "$tmp/$p.munin.config" ]; then
		bad "Munin's $p config printed nothing"
	elif ! cmp -s "$tmp/$p.munin.config" "$tmp/$p.drover.config"; then
		echo "FAIL: $p config differs (< munin, > drover):"
		diff "$tmp/$p.munin.config" "$tmp/$p.drover.config"
		rc=1
	fi
done
[ $rc -eq 0 ] && echo "ok: the config of $ALL matches Munin's plugins"

# ---- exact values on fixtures ----------------------------------------
# same_output WHAT PLUGINCOPY DUMPARGS...: config and fetch of the
# rewritten plugin against node_dump DUMPARGS, line for line (order aside).
same_output() {
	what=$1 copy=$2
	shift 2
	for arg in config fetch; do
		[ $arg = fetch ] && a= || a=config
		# threads and users have no config that depends on a file
		run_plugin_path "$copy" $a | norm >"$tmp/want" ||
		    bad "Munin's $what $arg failed"
		"$DUMP" "$@" $a | norm >"$tmp/got" ||
		    bad "node_dump $what $arg failed"
		if [ ! -s "$tmp/want" ]; then
			bad "$what $arg: Munin printed nothing"
		elif ! cmp -s "$tmp/want" "$tmp/got"; then
			echo "FAIL: $what $arg (< munin, > drover):"
			diff "$tmp/want" "$tmp/got"
			rc=1
		fi
	done
	compared=$((compared + 1))
}

compared=0
for dir in "$top_srcdir"/tests/fixtures/proc*; do
	for p in open_files open_inodes; do
		case $p in
		open_files) file=sys/fs/file-nr ;;
		open_inodes) file=sys/fs/inode-nr ;;
		esac
		[ -f "$dir/$file" ] || continue
		sed "s#/proc/#$dir/#g" "$PLUGINS/$p" >"$tmp/$p.fixture"
		chmod +x "$tmp/$p.fixture"
		same_output "$p on $dir" "$tmp/$p.fixture" "$dir" "$p"
	done
done
tree=$top_srcdir/tests/fixtures/proctree
sed "s#find /proc/#find $tree/#" "$PLUGINS/threads" >"$tmp/threads.fixture"
chmod +x "$tmp/threads.fixture"
grep -q "find $tree/" "$tmp/threads.fixture" || fail "threads: find not rewritten"
same_output "threads on $tree" "$tmp/threads.fixture" "$tree" threads

# users: who FILE reads FILE and, unlike who on the system's utmp, does
# not leave out entries whose pid is gone; drover always does, so every
# user entry here has pid 0 (never asked about) or 1 (alive).
"$UTMP_WRITE" "$tmp/utmp" user:alice:ttyv0:0 user:bob:ttyp1:0 \
    user:carol::1.0:0 user:dave:X0:0 user:erin:Xyz:0 user:frank:web:0 \
    user:gina::0 user:x/tty9:pts/5:0 user:/lead:pts/1:1 \
    user:0123456789abcdef0123456789abcdef:pts/0123456789abcdef0123456789a:0 \
    user:h:0123456789abcdef0123456789abcdef:0 user:i:pty:0 user:j:p:ts:0 \
    login:LOGIN:tty5:0 init::si:1 dead:k:pts/9:0 ||
    fail "utmp_write failed"
for u in "$top_srcdir/tests/fixtures/utmp" "$tmp/utmp"; do
	sed "s#open (WHO,\"who |\")#open (WHO,\"who $u |\")#" \
	    "$PLUGINS/users" >"$tmp/users.fixture"
	chmod +x "$tmp/users.fixture"
	grep -q "who $u |" "$tmp/users.fixture" || fail "users: who not rewritten"
	same_output "users on $u" "$tmp/users.fixture" -u "$u" /proc users
	# the fixtures must count something in every field between them
	"$DUMP" -u "$u" /proc users >>"$tmp/users.all" || rc=1
done
for f in tty pty pts X other; do
	grep -q "^$f\.value [1-9]" "$tmp/users.all" ||
	    bad "users: no fixture has a $f user"
done
[ $compared -ge 8 ] || fail "only $compared fixture comparisons ran"
[ $rc -eq 0 ] && echo "ok: $compared fixture comparisons match Munin exactly"

# ---- live values, with known processes running -------------------------
for i in 1 2 3 4 5; do
	start_bg "$tmp/sleep$i.log" sleep 1000
done
for i in 1 2; do
	start_bg "$tmp/stopped$i.log" sleep 1000
	kill -STOP "$LAST_PID"
	stopped="${stopped:-} $LAST_PID"
	# a parent that never reaps its child: the child stays a zombie
	start_bg "$tmp/zombie$i.log" sh -c 'sleep 0 & exec sleep 1000'
	zparents="${zparents:-} $LAST_PID"
	start_bg "$tmp/low$i.log" nice -n 10 sleep 1000
	if [ "$(id -u)" = 0 ]; then
		start_bg "$tmp/high$i.log" nice -n -5 sleep 1000
	fi
done
start_bg "$tmp/locked.out" python3 -c '
import ctypes, time
libc = ctypes.CDLL(None, use_errno=True)
buf = ctypes.create_string_buffer(4096)
if libc.mlock(buf, 4096) != 0:
    raise SystemExit("mlock: errno %d" % ctypes.get_errno())
print("locked", flush=True)
time.sleep(1000)'
start_bg "$tmp/threads.out" python3 -c '
import threading, time
for _ in range(50):
    threading.Thread(target=time.sleep, args=(1000,), daemon=True).start()
print("up", flush=True)
time.sleep(1000)'

state_of() { sed 's/.*) \(.\).*/\1/' "/proc/$1/stat" 2>/dev/null; }
all_in_state() {
	want=$1
	shift
	for p in "$@"; do
		[ "$(state_of "$p")" = "$want" ] || return 1
	done
}
zombies_there() {
	for p in $zparents; do
		ps --no-header --ppid "$p" -o s | grep -q Z || return 1
	done
}
wait_until 30 all_in_state T $stopped || fail "stopped processes not stopped"
wait_until 30 zombies_there || fail "no zombies appeared"
wait_until 30 grep -q locked "$tmp/locked.out" ||
    fail "no locked process: $(cat "$tmp/locked.out")"
wait_until 30 grep -q up "$tmp/threads.out" || fail "no threaded process"

# fields PLUGIN FILE: "name value" lines of a fetch
fields() {
	sed -n 's/^\([A-Za-z_]*\)\.value \([0-9]*\)$/\1 \2/p' "$1" |
	    LC_ALL=C sort
}
for p in processes threads proc_pri; do
	run_plugin_path "$PLUGINS/$p" >"$tmp/$p.a" || bad "Munin's $p failed"
	"$DUMP" /proc "$p" >"$tmp/$p.d" || bad "node_dump $p failed"
	run_plugin_path "$PLUGINS/$p" >"$tmp/$p.b" || bad "Munin's $p failed"
	for s in a d b; do
		fields "$tmp/$p.$s" >"$tmp/$p.$s.f"
		[ "$(wc -l <"$tmp/$p.$s")" = "$(wc -l <"$tmp/$p.$s.f")" ] ||
		    bad "$p: lines that are not NAME.value N in $tmp/$p.$s"
	done
	for s in a b; do
		cut -d' ' -f1 "$tmp/$p.$s.f" >"$tmp/names.$s"
	done
	cut -d' ' -f1 "$tmp/$p.d.f" >"$tmp/names.d"
	if ! cmp -s "$tmp/names.a" "$tmp/names.d"; then
		echo "FAIL: $p fetch fields differ (< munin, > drover):"
		diff "$tmp/names.a" "$tmp/names.d"
		rc=1
		continue
	fi
	join "$tmp/$p.a.f" "$tmp/$p.d.f" | join - "$tmp/$p.b.f" >"$tmp/$p.j"
	while read -r name a d b; do
		lo=$((a < b ? a : b))
		hi=$((a > b ? a : b))
		tol=$((4 + hi / 20))
		if [ "$d" -lt $((lo - tol)) ] || [ "$d" -gt $((hi + tol)) ]; then
			bad "$p.$name: drover $d, Munin $a and $b (tolerance $tol)"
		else
			echo "ok: $p.$name: drover $d, Munin $a and $b"
		fi
	done <"$tmp/$p.j"
done

# The processes started above must show on both sides.
# at_least PLUGIN FIELD N
at_least() {
	for s in a d b; do
		v=$(sed -n "s/^$2 //p" "$tmp/$1.$s.f")
		[ "${v:-0}" -ge "$3" ] || bad "$1.$2 is ${v:-none} ($s), want >= $3"
	done
}
at_least processes stopped 2
at_least processes zombie 2
at_least processes sleeping 5
at_least proc_pri low 2
at_least proc_pri locked 1
[ "$(id -u)" = 0 ] && at_least proc_pri high 2
at_least threads threads 51

# users on the system's utmp (who's pid check included): identical
run_plugin_path "$PLUGINS/users" >"$tmp/users.munin" ||
    bad "Munin's users failed"
"$DUMP" /proc users >"$tmp/users.drover" || bad "node_dump users failed"
if ! cmp -s <(norm <"$tmp/users.munin") <(norm <"$tmp/users.drover"); then
	echo "FAIL: users on the system's utmp (< munin, > drover):"
	diff <(norm <"$tmp/users.munin") <(norm <"$tmp/users.drover")
	rc=1
fi

kill -CONT $stopped 2>/dev/null
[ $rc -eq 0 ] || fail "drover's process probes differ from Munin's plugins"
echo "PASS: open_files, open_inodes, processes, threads, proc_pri and users match Munin's plugins"
