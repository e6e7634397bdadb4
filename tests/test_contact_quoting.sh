#!/bin/bash
# Contact commands and hostile values, end to end: a real munin-node's
# plugin sends a graph_title and a label full of shell syntax ($(...),
# backquotes, ";", "|", quotes, "-o /etc/passwd"), the host's group in
# drover.conf is as bad, and a contact command passes them to printf
# '%s\0' bare, inside '...' and "...", through ${loop} and ${strtrunc}.
# The command must receive exactly one argument per substitution, each
# with its bytes intact, and nothing in a value may run.  The label's
# terminal escapes (ESC, BEL) reach drover's log only as \xNN.
. "$top_srcdir/tests/lib/common.sh"
need /usr/sbin/munin-node munin-node
NODE="$top_srcdir/tests/lib/munin_node.sh"

TITLE="x -o /etc/passwd \$(touch $T/ran1) \`touch $T/ran2\`; touch $T/ran3 | touch $T/ran4 'q' \"d\" \\"
LABEL="a; touch $T/ran5 'q' \$(touch $T/ran6) \"d -o"$'\e]0;owned\a\e[2J'
GROUP="ev'il \$(touch ran7) \"g\" \`touch ran8\` \\"
mkdir -p "$T/plugins" "$T/run"
# a value of 1 is never inside -2:-1: WARNING from the second sample
cat >"$T/plugins/evil" <<PLUGIN
#!/bin/sh
if [ "\$1" = config ]; then
	cat <<'EOF'
graph_title $TITLE
evil.label $LABEL
evil.warning -2:-1
EOF
	exit 0
fi
echo evil.value 1
PLUGIN
chmod +x "$T/plugins/evil"
PORT=$(free_port 127.0.0.1)
PLUGINS="$T/plugins" "$NODE" start "$T/node" 127.0.0.1 "$PORT" node.test >"$T/node.out" 2>&1 ||
	fail "munin-node did not start: $(cat "$T/node.out")"
trap '"$NODE" stop "$T/node" >/dev/null; cleanup' EXIT

cat >"$T/drover.conf" <<CONF
dbdir $T/db
state_dir $T/state
graph_cache $T/graphs
interval 2
local_node no
listen 127.0.0.1:0
contact.argv.command printf '%s\\0' \${var:graph_title} \${var:host} \${var:group} \${loop:wfields \${var:label}} '\${var:graph_title}' "\${var:graph_title}" \${loop:wfields "<\${var:label}>"} \${strtrunc:20 \${var:graph_title}} x\${strtrunc:9 \${var:group}}y >$T/argv.tmp && mv $T/argv.tmp $T/argv
[$GROUP;node.test]
    address 127.0.0.1
    port $PORT
CONF
# commands run in drover's directory: a relative "touch" lands in $T/run
BIN=$(cd "$(dirname "$DROVER")" && pwd)/$(basename "$DROVER")
(cd "$T/run" && exec "$BIN" run -c "$T/drover.conf") >"$T/drover.log" 2>&1 &
DPID=$!
BG_PIDS="$BG_PIDS $DPID"

wait_for_file "$T/argv" 60 || fail "the contact command never ran: $(cat "$T/drover.log")"
idle() { ! ps -o pid= --ppid "$DPID" >/dev/null; }
wait_until 60 idle || fail "contact commands still running: $(ps -f --ppid "$DPID")"
stop_pid "$DPID" || fail "drover failed: $(tail "$T/drover.log")"
warnings "$T/drover.log" && fail "warnings: $(warnings "$T/drover.log")"

printf '%s\0' "$TITLE" node.test "$GROUP" "$LABEL" "$TITLE" "$TITLE" "<$LABEL>" \
	"${TITLE:0:20}" "x${GROUP:0:9}y" >"$T/want"
cmp -s "$T/want" "$T/argv" ||
	fail "arguments differ: want $(tr '\0' '\n' <"$T/want" | cat -A) got $(tr '\0' '\n' <"$T/argv" | cat -A)"
grep -q "evil a; touch .*-o\\\\x1b\]0;owned\\\\x07\\\\x1b\[2J is WARNING" "$T/drover.log" ||
	fail "the label's escapes are not \\xNN in the log: $(grep WARNING "$T/drover.log" | cat -A)"
! grep -q $'[\e\a]' "$T/drover.log" || fail "raw ESC or BEL in the log: $(cat -A "$T/drover.log")"
ran=$(cd "$T" && ls ran* run/ran* 2>/dev/null)
[ -z "$ran" ] || fail "a value ran: $ran"
note "$(tr '\0' '\n' <"$T/argv" | wc -l) arguments, one per substitution, bytes intact"
echo "PASS: contact quoting"
