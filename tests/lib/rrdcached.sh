# A real rrdcached for drover's integration tests (sourced after
# common.sh, bash).  rrdcached 1.7.2 facts that matter here: it writes
# updates to the files only after -w seconds (an hour below), so a file on
# disk changes only when someone flushes it; with -B it refuses any file
# outside its base (-b); over TCP its clients send names relative to that
# base.  kill -9 loses the journal's stdio buffer, so nothing here relies
# on the journal.

# rrdcached_start DIR LISTEN BASE: starts rrdcached listening on LISTEN
# ("unix:/path" or "127.0.0.1:PORT") for files under BASE, its pid file
# and log in DIR; RC_PID is its PID.  Fails the test when it does not
# come up.
rrdcached_start() {
	local dir=$1 listen=$2 base=$3
	mkdir -p "$dir" "$base"
	rm -f "$dir/rrdcached.pid"
	start_bg "$dir/rrdcached.log" rrdcached -g -l "$listen" -b "$base" -B \
		-w 3600 -f 7200 -p "$dir/rrdcached.pid"
	RC_PID=$LAST_PID
	wait_for_file "$dir/rrdcached.pid" 30 ||
		fail "rrdcached did not start: $(cat "$dir/rrdcached.log")"
	wait_until 30 rrdc "$listen" STATS >/dev/null ||
		fail "rrdcached does not answer on $listen: $(cat "$dir/rrdcached.log")"
}

# rrdc ADDR CMD...: one command to rrdcached at ADDR (unix:/path or
# HOST:PORT), its whole answer on stdout (the status line "N message",
# then N lines); exit 1 when N < 0 or it cannot be reached.
rrdc() {
	$PY - "$1" "${*:2}" <<'PY'
import socket, sys
addr = sys.argv[1]
if addr.startswith("unix:"):
    s = socket.socket(socket.AF_UNIX)
    target = addr[5:]
else:
    host, port = addr.rsplit(":", 1)
    s = socket.socket()
    target = (host, int(port))
s.settimeout(30)
try:
    s.connect(target)
except OSError:
    sys.exit(1)
s.sendall((sys.argv[2] + "\n").encode())
f = s.makefile()
head = f.readline()
if not head:
    sys.exit(1)
n = int(head.split()[0])
sys.stdout.write(head)
for _ in range(max(n, 0)):
    sys.stdout.write(f.readline())
sys.exit(0 if n >= 0 else 1)
PY
}

# rrdc_pending ADDR FILE: how many updates rrdcached holds for FILE (as
# the daemon names it); 0 when none
rrdc_pending() {
	rrdc "$1" PENDING "$2" | awk 'NR == 1 {print ($1 + 0 > 0) ? $1 + 0 : 0}'
}

# rrd_last FILE: last_update of FILE as on disk
rrd_last() {
	rrdtool info "$1" | awk '/^last_update/ {print $3}'
}
