# A real NUT upsd (Debian nut-server) serving simulated UPSes through the
# dummy-ups driver, on a loopback port, with everything under a directory
# of the test's: config via NUT_CONFPATH, sockets and PID files via
# NUT_STATEPATH; never the system's nut service or /etc/nut.  Sourced
# after common.sh (bash).  The daemons run in the foreground (-F) as the
# test's children (start_bg), so stop_pid gives their exit status and the
# test's cleanup stops them whatever happens.  Each driver re-reads
# DIR/UPS.dev when its mtime changes (pollinterval 1 s), so a test changes
# a reading by rewriting that file (nut_set).
#   nut_start DIR PORT UPS...   drivers, then upsd on 127.0.0.1:PORT; waits
#                               until upsd serves every UPS
#   nut_set DIR UPS VAR VALUE   e.g. nut_set DIR ups1 ups.status "OB LB"
#   nut_stop_upsd DIR           upsd only; its exit status
#   nut_start_upsd DIR          upsd again (same port and UPSes)
#   nut_stop DIR                upsd and the drivers; non-zero when one of
#                               them did not exit cleanly (upsd: 0, a
#                               driver: 0 or killed by the SIGTERM)
# DIR/upsd.users, when the caller wrote it before nut_start, is upsd's
# user list.  /usr/sbin/upsd is a wrapper that refuses to run unless
# /etc/nut/nut.conf sets MODE: the real daemons are in /lib/nut.  As root
# the daemons keep root (-u root): DIR is inside the test's private temp
# dir, which user nut cannot enter.
NUTBIN=/lib/nut

_nut_user() {
	if [ "$(id -u)" = 0 ]; then echo "-u root"; fi
}

# _nut_served DIR: upsd serves every UPS of DIR with its driver's data
# (until the driver's first update upsd lists only ups.status WAIT)
_nut_served() {
	local u s
	for u in $(cat "$1/upslist"); do
		s=$(NUT_CONFPATH=$1 upsc "$u@127.0.0.1:$(cat "$1/port")" ups.status 2>/dev/null) || return 1
		[ -n "$s" ] && [ "$s" != WAIT ] || return 1
	done
}

nut_start_upsd() {
	# shellcheck disable=SC2046
	NUT_CONFPATH=$1 NUT_STATEPATH=$1 start_bg "$1/upsd.log.$(date +%s%N)" \
	    "$NUTBIN/upsd" -F $(_nut_user)
	echo "$LAST_PID" >"$1/upsd.bgpid"
	wait_until 30 _nut_served "$1" || {
		echo "upsd did not serve $(cat "$1/upslist"): $(cat "$1"/upsd.log.*)" >&2
		return 1
	}
}

nut_start() {
	local d=$1 p=$2 u
	shift 2
	mkdir -p "$d"
	echo "$p" >"$d/port"
	echo "$*" >"$d/upslist"
	: >"$d/ups.conf"
	for u in "$@"; do
		[ -f "$d/$u.dev" ] || printf 'battery.voltage: 12.70\nbattery.charge: 100\nbattery.runtime: 36000\nups.status: OL\n' >"$d/$u.dev"
		printf '[%s]\n  driver = dummy-ups\n  port = %s/%s.dev\n  pollinterval = 1\n  desc = "test UPS %s"\n' \
		    "$u" "$d" "$u" "$u" >>"$d/ups.conf"
	done
	printf 'LISTEN 127.0.0.1 %s\nMAXAGE 30\n' "$p" >"$d/upsd.conf"
	printf 'MODE=standalone\n' >"$d/nut.conf"
	[ -f "$d/upsd.users" ] || : >"$d/upsd.users"
	chmod 600 "$d/ups.conf" "$d/upsd.conf" "$d/upsd.users"
	: >"$d/driver.pids"
	for u in "$@"; do
		# shellcheck disable=SC2046
		NUT_CONFPATH=$d NUT_STATEPATH=$d start_bg "$d/driver-$u.log" \
		    "$NUTBIN/dummy-ups" -F -a "$u" $(_nut_user)
		echo "$LAST_PID" >>"$d/driver.pids"
	done
	for u in "$@"; do
		wait_until 30 test -S "$d/dummy-ups-$u" || {
			echo "dummy-ups $u did not start: $(cat "$d/driver-$u.log")" >&2
			return 1
		}
	done
	nut_start_upsd "$d"
}

nut_set() {
	local f="$1/$2.dev" var=$3 val=$4 old
	old=$(stat -c %Y "$f")
	# a new file renamed into place: the driver never reads half of one
	if grep -q "^$var:" "$f"; then
		sed "s|^$var:.*|$var: $val|" "$f" >"$f.new"
	else
		{ cat "$f"; echo "$var: $val"; } >"$f.new"
	fi
	mv "$f.new" "$f"
	# the driver compares whole-second mtimes: make the change visible
	[ "$(stat -c %Y "$f")" -gt "$old" ] || touch -d "@$((old + 1))" "$f"
}

nut_stop_upsd() {
	stop_pid "$(cat "$1/upsd.bgpid")"
}

nut_stop() {
	local rc=0 p
	nut_stop_upsd "$1" || rc=$?
	# a driver ends on SIGTERM by the signal itself (status 143)
	for p in $(cat "$1/driver.pids"); do
		stop_pid "$p" || [ $? = 143 ] || rc=$?
	done
	return $rc
}
