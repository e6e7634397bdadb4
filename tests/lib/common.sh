# Shared helpers for drover's integration tests (sourced, bash).
# Every test gets its own temp dir; processes started with start_bg are
# stopped by PID when the test exits, whatever happens.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${DROVER:=$top_builddir/drover}"
PY=/usr/bin/python3
T=$(mktemp -d /tmp/drover-test.XXXXXX)
BG_PIDS=""

cleanup() {
	local p
	for p in $BG_PIDS; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.2
	for p in $BG_PIDS; do kill -KILL "$p" 2>/dev/null; done
	if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; exit 1; }
# skip REASON: only for a capability this machine truly lacks (no
# device-mapper, no IPMI driver); a peer the README's test command installs
# is never a reason to skip: use need.
skip() { echo "SKIP: $*"; exit 77; }
note() { echo "# $*"; }

# need CMD PACKAGE: CMD (a name on PATH or an absolute path) comes with the
# Debian package PACKAGE, which the README's test command installs; without
# it the install is broken and the test fails, naming the package.
need() {
	if [ "${1#/}" != "$1" ]; then
		[ -x "$1" ] && return 0
	else
		command -v "$1" >/dev/null 2>&1 && return 0
	fi
	fail "$1 not found: install the Debian package $2 (the README's test command does)"
}

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds; 1 when
# SECONDS pass first.  The deadline only bounds a hang: pick it generous.
wait_until() {
	local i n=$(($1 * 10))
	shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

# wait_log FILE PATTERN SECONDS: wait until FILE has a line matching the
# grep pattern PATTERN.
wait_log() {
	wait_until "$3" grep -q -e "$2" "$1"
}

# start_bg LOGFILE CMD...: runs CMD in the background, remembers its PID.
start_bg() {
	local log=$1; shift
	"$@" >"$log" 2>&1 &
	LAST_PID=$!
	BG_PIDS="$BG_PIDS $LAST_PID"
}

# wait_for_file FILE SECONDS
wait_for_file() {
	local i
	for i in $(seq $(($2 * 10))); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# stop_pid PID: SIGTERM, wait up to 10 s, return its exit status.
stop_pid() {
	local i
	kill -TERM "$1" 2>/dev/null || return 0
	for i in $(seq 100); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	wait "$1"
}

# free_port ADDR: a TCP port nobody listens on at ADDR.
free_port() {
	$PY -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1],0)); print(s.getsockname()[1])' "$1"
}

# json_get FILE EXPR: evaluate a Python expression over the JSON in FILE (j).
json_get() {
	$PY -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# warnings LOG: drover's warning lines, minus the notice that the test's
# graph cache (under /tmp) is not a tmpfs and, on a machine without the
# "drover" account, that the tests' daemons (run as root) stay root.
warnings() {
	grep "warning: " "$1" | grep -v -e "is not a tmpfs" \
	    -e 'no user "drover" on this system'
}
