#!/bin/bash
# The SEL as a counter per BMC, on the slower cadence: drover reads an
# ipmi_sim BMC (SEL enabled by tests/lib/ipmi_sim.sh) with
# ipmi_sel_interval 2 s (ipmi_timeout 10: a slow read under load skips a
# slot, it does not fail); records added through ipmi_sim's console
# (sel_add) show in the catalog as ipmi_sel.entries rising and
# ipmi_sel.new counting them once, then 0 at the next full read.  A bad
# ipmi_sel_interval is refused with file:line.
. "$top_srcdir/tests/lib/common.sh"
. "$top_srcdir/tests/lib/health.sh"
SIM="$top_srcdir/tests/lib/ipmi_sim.sh"
need ipmi_sim openipmi
need sdrcomp openipmi

P=$($PY -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
C=$(free_port 127.0.0.1)
mkdir -p "$T/bmc"
"$SIM" start "$T/bmc" "$P" "$C" || fail "ipmi_sim did not start"
BG_PIDS="$BG_PIDS $(cat "$T/bmc/ipmi_sim.pid")"

# sel_add N: N system event records through the console.  Never "quit"
# (that ends ipmi_sim), and close only after the "> " prompt that follows
# each answer: ipmi_sim dies writing a prompt to a console already closed.
sel_add() {
	$PY - "$C" "$1" <<'PY' || fail "console sel_add failed"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
def until(done):
    buf = b""
    while not done(buf):
        d = s.recv(4096)
        if not d:
            sys.exit(1)
        buf += d
until(lambda b: b.endswith(b"> "))
for i in range(int(sys.argv[2])):
    s.sendall(b"sel_add 0x20 0x02 0x00 0x00 0x00 0x00 0x20 0x00 0x04 0x02"
              b" 0x01 0x01 0x57 0x00 0x00\n")
    until(lambda b: b"Added record" in b and b.endswith(b"> "))
s.close()
PY
}

umask 077
echo secret >"$T/pw"
umask 022
cat >"$T/drover.conf" <<CONF
dbdir $T/db
interval 4
local_node no
listen 127.0.0.1:0
state_dir $T/state
graph_cache $T/graphs
[sel;bmc1]
 ipmi_address 127.0.0.1:$P
 ipmi_user admin
 ipmi_password_file $T/pw
 ipmi_workarounds opensesspriv
 ipmi_interval 1
 ipmi_timeout 10
 ipmi_sel_interval 2
CONF
"$DROVER" config -c "$T/drover.conf" >"$T/config.out" 2>&1 ||
	fail "config rejected: $(cat "$T/config.out")"
grep -q "ipmi_sel_interval 2$" "$T/config.out" || fail "config print lacks ipmi_sel_interval"

# a bad value names file and line
sed 's/ipmi_sel_interval 2/ipmi_sel_interval soon/' "$T/drover.conf" >"$T/bad.conf"
"$DROVER" config -c "$T/bad.conf" >"$T/bad.out" 2>&1 && fail "ipmi_sel_interval soon accepted"
grep -qE "bad.conf:[0-9]+: ipmi_sel_interval must be 0 \(off\) or 1-864000 seconds" "$T/bad.out" ||
	fail "no file:line error: $(cat "$T/bad.out")"

# one-shot poll: the SEL is read, no baseline for "new"
"$DROVER" poll -c "$T/drover.conf" bmc1 >"$T/poll1.out" 2>&1 || fail "poll failed: $(cat "$T/poll1.out")"
grep -qE '^  entries +0 +GAUGE +SEL records$' "$T/poll1.out" || fail "poll output: $(cat "$T/poll1.out")"
grep -qE '^  new +U +GAUGE' "$T/poll1.out" || fail "poll output: $(cat "$T/poll1.out")"

start_bg "$T/drover.log" "$DROVER" run -v -c "$T/drover.conf"
DROVER_PID=$LAST_PID
PORT=$(dashboard_port "$T/drover.log") || fail "no dashboard port: $(cat "$T/drover.log")"

# sel_fields: "ENTRIES NEW" from the catalog ("U" when unknown/absent)
sel_fields() {
	curl -s "http://127.0.0.1:$PORT/api/v1/hosts/bmc1/ipmi_sel" >"$T/sel.json"
	$PY - "$T/sel.json" <<'PY'
import json, sys
try:
    j = json.load(open(sys.argv[1]))
except Exception:
    print("U U"); sys.exit()
v = {}
for f in j.get("fields", []):
    v[f.get("name")] = f.get("value")
fmt = lambda x: "U" if x is None else "%g" % x
print(fmt(v.get("entries")), fmt(v.get("new")))
PY
}
# wait_sel WANT SECONDS: until sel_fields prints WANT (SECONDS only bound
# a hang)
wait_sel() {
	local i got=""
	for i in $(seq $(($2 * 5))); do
		got=$(sel_fields)
		[ "$got" = "$1" ] && return 0
		sleep 0.2
	done
	fail "ipmi_sel: wanted \"$1\", got \"$got\": $(cat "$T/sel.json")"
}

# the first full read has no baseline; the second says nothing is new
wait_sel "0 0" 60
note "baseline: $(cat "$T/sel.json")"
sel_add 3
wait_sel "3 3" 60
note "after 3 added: $(cat "$T/sel.json")"
# counted once: the next full read finds nothing new
wait_sel "3 0" 60
sel_add 2
wait_sel "5 2" 60
[ -z "$(warnings "$T/drover.log")" ] || fail "warnings: $(warnings "$T/drover.log")"
stop_pid "$DROVER_PID" || fail "drover exited with status $?: $(tail "$T/drover.log")"
"$SIM" stop "$T/bmc"
echo "PASS: SEL counter"
