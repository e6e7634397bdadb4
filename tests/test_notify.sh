#!/bin/bash
# Pages end to end: a notifier (tests/notify_drive) on a real loop delivers
# to the project's own webhook and SMTP sinks (tests/lib/*_sink.py):
# one POST / e-mail per event with the dedupe key, grouping, a receiver
# that fails (5xx, then connection refused) and recovers, and kill -9
# with a page spooled but undelivered.
. "$(dirname "$0")/lib/common.sh"
DRIVE=$top_builddir/tests/notify_drive
[ -x "$DRIVE" ] || fail "no $DRIVE (make check builds it)"
need "$PY" python3

# start_sink NAME CMD...: starts a sink that prints its port; sets PORT.
start_sink() {
	local name=$1; shift
	start_bg "$T/$name.out" "$@"
	wait_for_file "$T/$name.out" 60 || fail "$name sink did not start"
	PORT=$(head -1 "$T/$name.out")
}

# events FILE: host service field label unit state prev value key, tabbed.
ev() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@"; }

# ---- 1. one page per event, webhook and e-mail -------------------------
start_sink hook "$PY" "$top_srcdir/tests/lib/webhook_sink.py" 0 "$T/hooks.jsonl"
HP=$PORT
HOOK_PID=$LAST_PID
start_sink smtp "$PY" "$top_srcdir/tests/lib/smtp_sink.py" 0 "$T/mail"
SP=$PORT
SMTP_PID=$LAST_PID
printf 's3cret-token\n' >"$T/token"; chmod 600 "$T/token"
cat >"$T/drover.conf" <<EOF2
local_node no
smtp_url smtp://127.0.0.1:$SP
smtp_from drover@example.org
notify_group_window 0
notify_retry_min 1
notify_retry_max 1
contact.ops.webhook http://127.0.0.1:$HP/hook
contact.ops.webhook_token_file $T/token
contact.ops.email ops@example.org
contact.ops.command mail -s munin root
EOF2
{
	ev kvm1 ipmi_volts v12 "12V rail" V CRITICAL WARNING 10.9 key-kvm1-crit
	ev kvm2 ipmi_volts v5 "5V rail" V WARNING OK 4.6 key-kvm2-warn
	ev kvm3 ipmi_volts v12 "12V rail" V OK CRITICAL 12.0 key-kvm3-ok
} >"$T/ev1"
"$DRIVE" "$T/drover.conf" "$T/spool1" "$T/ev1" 60 >"$T/d1.out" 2>"$T/d1.err" ||
	fail "pages not delivered: $(cat "$T/d1.out" "$T/d1.err")"
[ "$(wc -l <"$T/hooks.jsonl")" = 3 ] || fail "want 3 POSTs: $(cat "$T/hooks.jsonl")"
$PY - "$T/hooks.jsonl" <<'PYEOF' || fail "webhook content"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
keys = sorted(json.loads(r['body'])['dedupe_key'] for r in rows)
assert keys == ['key-kvm1-crit', 'key-kvm2-warn', 'key-kvm3-ok'], keys
for r in rows:
    b = json.loads(r['body'])
    h = {k.lower(): v for k, v in r['headers'].items()}
    assert r['method'] == 'POST' and r['path'] == '/hook', r
    assert h['content-type'] == 'application/json', h
    assert h['x-drover-dedupe-key'] == b['dedupe_key'], h
    assert h['authorization'] == 'Bearer s3cret-token', h
    for k in ('host', 'service', 'field', 'label', 'state', 'previous_state',
              'value', 'unit', 'warning', 'critical', 'since', 'text', 'items'):
        assert k in b, (k, b)
    if b['host'] == 'kvm1':
        assert b['state'] == 'CRITICAL' and b['value'] == 10.9, b
        assert b['summary'] == 'CRITICAL kvm1 12V rail 10.90 V', b
    if b['host'] == 'kvm3':
        assert b['recovery'] is True and b['previous_state'] == 'CRITICAL', b
PYEOF
[ "$(ls "$T/mail"/*.eml | wc -l)" = 3 ] || fail "want 3 e-mails: $(ls "$T/mail")"
grep -l '^Subject: CRITICAL kvm1 12V rail 10.90 V' "$T"/mail/*.eml >"$T/m1" ||
	fail "no CRITICAL subject: $(cat "$T"/mail/*.eml)"
M=$(cat "$T/m1")
for h in '^From: drover <drover@example.org>' '^To: <ops@example.org>' \
	'^Date: ' '^Message-ID: <drover.key-kvm1-crit@example.org>' \
	'^MIME-Version: 1.0' '^Content-Type: text/plain; charset=utf-8' \
	'^X-Drover-Dedupe-Key: key-kvm1-crit'; do
	grep -q "$h" "$M" || fail "e-mail lacks $h: $(cat "$M")"
done
grep -q '"rcpt": \["<ops@example.org>"\]' "${M%.eml}.json" ||
	fail "envelope: $(cat "${M%.eml}.json")"
[ "$(ls "$T/spool1" | grep -c '\.page$')" = 0 ] || fail "spool not emptied"
note "one page per event: 3 POSTs, 3 e-mails, dedupe keys, token"

# ---- 2. grouping: 3 problems of one host in one loop pass -> 1 page ------
# (the driver feeds all events before the loop runs: the first goes out at
# once and the others, queued in the same pass, join its page)
sed -i 's/^notify_group_window 0/notify_group_window 2/' "$T/drover.conf"
: >"$T/hooks.jsonl"
rm -rf "$T/mail"/*
{
	ev kvm4 ipmi_volts v12 "12V rail" V CRITICAL OK 10.9 g-1
	ev kvm4 ipmi_volts v5 "5V rail" V WARNING OK 4.6 g-2
	ev kvm4 ipmi_temp cpu "CPU" C CRITICAL OK 97 g-3
} >"$T/ev2"
"$DRIVE" "$T/drover.conf" "$T/spool2" "$T/ev2" 60 >"$T/d2.out" 2>"$T/d2.err" ||
	fail "group not delivered: $(cat "$T/d2.out" "$T/d2.err")"
[ "$(wc -l <"$T/hooks.jsonl")" = 1 ] || fail "want 1 grouped POST: $(cat "$T/hooks.jsonl")"
[ "$(json_get "$T/d2.out" 'j["pages"]')" = 2 ] || fail "pages: $(cat "$T/d2.out")"
$PY - "$T/hooks.jsonl" <<'PYEOF' || fail "group content"
import json, sys
b = json.loads(json.loads(open(sys.argv[1]).readline())['body'])
assert b['count'] == 3 and b['state'] == 'CRITICAL' and b['host'] == 'kvm4', b
assert [i['dedupe_key'] for i in b['items']] == ['g-1', 'g-2', 'g-3'], b
assert b['summary'] == 'CRITICAL kvm4 3 problems', b
PYEOF
[ "$(ls "$T/mail"/*.eml | wc -l)" = 1 ] || fail "want 1 grouped e-mail"
grep -q '^Subject: CRITICAL kvm4 3 problems' "$T"/mail/*.eml || fail "group subject"
note "grouping: 3 problems of kvm4 -> 1 POST, 1 e-mail"

# ---- 2b. a burst: the first event at once, what follows in the window as
# ---- one page at the window's end ----------------------------------------
# (the follow-ups are fed once the first page was accepted; should that
# take longer than the window, they would still be one page: the counts
# and order below hold either way, and the timing itself is test_notify's
# fake-clock business)
sed -e '/^contact.ops.email/d' "$T/drover.conf" >"$T/burst.conf"
: >"$T/hooks.jsonl"
{
	ev kvm9 ipmi_volts v12 "12V rail" V WARNING OK 11.3 b-1
	echo "@pages 1"
	ev kvm9 ipmi_volts v12 "12V rail" V CRITICAL WARNING 10.9 b-2
	ev kvm9 ipmi_temp cpu "CPU" C WARNING OK 85 b-3
} >"$T/ev2b"
"$DRIVE" "$T/burst.conf" "$T/spool2b" "$T/ev2b" 60 >"$T/d2b.out" 2>&1 ||
	fail "burst not delivered: $(cat "$T/d2b.out")"
# pages: [the POSTs' items, in order]
posts() {
	$PY - "$1" <<'PYEOF'
import json, sys
for l in open(sys.argv[1]):
    b = json.loads(json.loads(l)['body'])
    print(' '.join(i['dedupe_key'] for i in b['items']))
PYEOF
}
[ "$(posts "$T/hooks.jsonl" | tr '\n' '|')" = "b-1|b-2 b-3|" ] ||
	fail "burst pages: $(posts "$T/hooks.jsonl")"
note "burst: the first event alone, the next two as one page"

# ---- 2c. storm control: 200 problems of one host are a few pages, and the
# ---- first of them is not held back --------------------------------------
# (a window of an hour cannot close during the test: the first page and
# the other host's can only come from "at once"; the 199 follow-ups stay
# queued in the window until a restart resumes them from the spool)
sed -e 's/^notify_group_window .*/notify_group_window 3600/' "$T/burst.conf" >"$T/storm.conf"
: >"$T/hooks.jsonl"
{
	ev kvm10 ipmi_volts v12 "12V rail" V WARNING OK 11.3 s-0
	echo "@pages 1"
	for i in $(seq 199); do
		ev kvm10 ipmi_disk "d$i" "disk $i" C CRITICAL OK 99 "s-$i"
	done
	ev kvm11 ipmi_volts v12 "12V rail" V WARNING OK 11.3 x-1
} >"$T/ev2c"
"$DRIVE" "$T/storm.conf" "$T/spool2c" "$T/ev2c" 120 held=199 >"$T/d2c.out" 2>&1 ||
	fail "storm: first pages not sent at once: $(tail -3 "$T/d2c.out")"
[ "$(posts "$T/hooks.jsonl" | tr '\n' '|')" = "s-0|x-1|" ] ||
	fail "storm: pages before the window's end: $(posts "$T/hooks.jsonl")"
[ "$(ls "$T/spool2c" | grep -c '\.page$')" = 199 ] || fail "storm: follow-ups not spooled"
"$DRIVE" "$T/storm.conf" "$T/spool2c" - 120 >"$T/d2d.out" 2>&1 ||
	fail "storm: follow-ups not delivered: $(tail -3 "$T/d2d.out")"
$PY - "$T/hooks.jsonl" <<'PYEOF' || fail "storm pages: $(posts "$T/hooks.jsonl")"
import json, sys
pages = [[i['dedupe_key'] for i in json.loads(json.loads(l)['body'])['items']]
         for l in open(sys.argv[1])]
want = ['s-%d' % i for i in range(1, 200)]
assert pages[:2] == [['s-0'], ['x-1']], pages[:2]
# the four pages are in flight at once: the sink may record them in any
# order, each in its own order
rest = sorted(pages[2:], key=lambda p: int(p[0][2:]))
assert sum(rest, []) == want, rest
assert [len(p) for p in rest] == [50, 50, 50, 49], [len(p) for p in pages]
PYEOF
note "storm: 200 problems of kvm10 -> $(wc -l <"$T/hooks.jsonl") POSTs (one of them kvm11's)"

# ---- 3. receiver fails (503 x2, then refused), then recovers -> once -----
# Every wait below waits for the event it needs (the sink's records, the
# driver's debug line for each failed attempt); the deadlines only bound
# a hang.
start_sink flaky "$PY" "$top_srcdir/tests/lib/webhook_sink.py" 0 "$T/flaky.jsonl" 2 503
FP=$PORT
FLAKY_PID=$LAST_PID
cat >"$T/flaky.conf" <<EOF2
local_node no
notify_group_window 0
notify_retry_min 1
notify_retry_max 1
contact.ops.webhook http://127.0.0.1:$FP/hook
EOF2
ev kvm5 ipmi_volts v12 "12V rail" V CRITICAL OK 10.9 f-1 >"$T/ev3"
start_bg "$T/d3.out" "$DRIVE" "$T/flaky.conf" "$T/spool3" "$T/ev3" 120
D3=$LAST_PID
lines() { [ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]; }
wait_until 60 lines "$T/flaky.jsonl" 2 || fail "no 503 attempts: $(cat "$T/d3.out")"
wait_log "$T/d3.out" "attempt 2 for kvm5 failed: HTTP 503" 60 ||
	fail "second 503 not counted as a failure: $(cat "$T/d3.out")"
stop_pid "$FLAKY_PID" || fail "webhook sink exited $?: $(cat "$T/flaky.out")"
[ "$(wc -l <"$T/flaky.jsonl")" = 2 ] || fail "want 2 attempts at the 503 sink: $(cat "$T/flaky.jsonl")"
# the next attempt meets a closed port
wait_log "$T/d3.out" "attempt 3 for kvm5 failed: .*\(Couldn't connect\|Connection refused\)" 60 ||
	fail "no refused attempt: $(cat "$T/d3.out")"
ls "$T/spool3" | grep -q '\.page$' || fail "page left the spool while undelivered"
start_sink flaky2 "$PY" "$top_srcdir/tests/lib/webhook_sink.py" "$FP" "$T/flaky2.jsonl"
FLAKY2_PID=$LAST_PID
wait "$D3" || fail "not delivered after recovery (driver exit $?): $(cat "$T/d3.out")"
[ "$(wc -l <"$T/flaky2.jsonl")" = 1 ] || fail "want exactly 1 delivery: $(cat "$T/flaky2.jsonl")"
grep -q '"X-Drover-Dedupe-Key": "f-1"' "$T/flaky2.jsonl" || fail "dedupe header"
tail -1 "$T/d3.out" >"$T/d3.json"
F=$(json_get "$T/d3.json" 'j["failed"]')
[ "$F" -ge 3 ] || fail "want >= 3 failed attempts (2x 503, refused): $F"
[ "$(json_get "$T/d3.json" 'j["pages"], j["delivered"], j["queued"]')" = "(1, 1, 0)" ] ||
	fail "stats after recovery: $(cat "$T/d3.json")"
ls "$T/spool3" | grep -q '\.page$' && fail "delivered page still spooled"
stop_pid "$FLAKY2_PID" || fail "webhook sink exited $?"
note "flaky receiver: $F failed attempts, then exactly 1 delivery"

# ---- 3b. with the default retry schedule, a receiver failing its first
# ---- three attempts has the page after 2 + 4 + 8 s ----------------------
start_sink fail3 "$PY" "$top_srcdir/tests/lib/webhook_sink.py" 0 "$T/fail3.jsonl" 3 500
F3_PID=$LAST_PID
cat >"$T/fail3.conf" <<EOF2
local_node no
contact.ops.webhook http://127.0.0.1:$PORT/hook
EOF2
ev kvm12 ipmi_volts v12 "12V rail" V CRITICAL OK 10.9 q-1 >"$T/ev3b"
"$DRIVE" "$T/fail3.conf" "$T/spool3b" "$T/ev3b" 120 >"$T/d3b.out" 2>&1 ||
	fail "not delivered after 3 failures: $(cat "$T/d3b.out")"
stop_pid "$F3_PID" || fail "webhook sink exited $?"
# the notifier's own schedule, not the clock's: 2, 4, 8 s
sched=$(grep -o 'attempt [0-9]* for kvm12 failed: HTTP 500; next in [0-9]* s' "$T/d3b.out" |
	sed 's/.*next in \([0-9]*\) s/\1/' | tr '\n' ' ')
[ "$sched" = "2 4 8 " ] || fail "retry schedule: $sched: $(cat "$T/d3b.out")"
tail -1 "$T/d3b.out" >"$T/d3b.json"
[ "$(json_get "$T/d3b.json" 'j["failed"], j["pages"], j["delivered"]')" = "(3, 1, 1)" ] ||
	fail "stats: $(cat "$T/d3b.json")"
[ "$(wc -l <"$T/fail3.jsonl")" = 4 ] || fail "want 4 attempts: $(cat "$T/fail3.jsonl")"
[ "$(grep -c '"X-Drover-Dedupe-Key": "q-1"' "$T/fail3.jsonl")" = 4 ] || fail "not the same page each time"
note "receiver failing 3 times: retried after $sched s, then delivered once"

# ---- 4. kill -9 with a page spooled, then restart -> delivered ---------
KP=$(free_port 127.0.0.1)
sed "s/:$FP\//:$KP\//" "$T/flaky.conf" >"$T/kill.conf"
ev kvm6 ipmi_volts v12 "12V rail" V CRITICAL OK 10.9 k-1 >"$T/ev4"
start_bg "$T/d4.out" "$DRIVE" "$T/kill.conf" "$T/spool4" "$T/ev4" 120 wait
D4=$LAST_PID
# spooled before the first attempt: once an attempt failed it is on disk
wait_log "$T/d4.out" "attempt 1 for kvm6 failed" 60 ||
	fail "no failed attempt to the closed port: $(cat "$T/d4.out")"
kill -KILL "$D4"
wait "$D4" 2>/dev/null # (no "Killed" job notice)
RC=$?
[ "$RC" = 137 ] || fail "driver ended by itself (exit $RC) before kill -9: $(cat "$T/d4.out")"
ls "$T/spool4" | grep -q '\.page$' || fail "nothing spooled before kill -9"
start_sink kill "$PY" "$top_srcdir/tests/lib/webhook_sink.py" "$KP" "$T/kill.jsonl"
KILL_PID=$LAST_PID
"$DRIVE" "$T/kill.conf" "$T/spool4" - 60 >"$T/d5.out" 2>&1 ||
	fail "spooled page not delivered after restart: $(cat "$T/d5.out")"
[ "$(wc -l <"$T/kill.jsonl")" = 1 ] || fail "want 1 delivery: $(cat "$T/kill.jsonl")"
grep -q '"X-Drover-Dedupe-Key": "k-1"' "$T/kill.jsonl" || fail "wrong page after restart"
grep -q '1 queued page item(s) resumed from' "$T/d5.out" || fail "no resume log: $(cat "$T/d5.out")"
stop_pid "$KILL_PID" || fail "webhook sink exited $?"
note "kill -9 with a spooled page: delivered after restart"

# ---- 5. renotify: reminders while the problem lasts, across a restart,
# ---- and none after the recovery ----------------------------------------
# (pages=N: the driver runs until N pages were accepted; the interval's
# accuracy is bench/notify.sh's business)
start_sink re "$PY" "$top_srcdir/tests/lib/webhook_sink.py" 0 "$T/re.jsonl"
RE_PID=$LAST_PID
sed "s/:$FP\//:$PORT\//" "$T/flaky.conf" >"$T/re.conf"
echo "contact.ops.renotify 1" >>"$T/re.conf"
ev kvm7 ipmi_volts v12 "12V rail" V CRITICAL OK 10.9 r-1 >"$T/ev5"
ev kvm7 ipmi_volts v12 "12V rail" V OK CRITICAL 12.0 r-2 >"$T/ev6"
"$DRIVE" "$T/re.conf" "$T/spool5" "$T/ev5" 60 pages=2 >"$T/d6.out" 2>&1 ||
	fail "no page and reminder: $(cat "$T/d6.out")"
A=$(wc -l <"$T/re.jsonl")
[ "$A" -ge 2 ] || fail "want the page and a reminder, got $A: $(cat "$T/d6.out")"
$PY - "$T/re.jsonl" <<'PYEOF' || fail "page, then reminder: $(cat "$T/re.jsonl")"
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
keys = [r['headers']['X-Drover-Dedupe-Key'] for r in rows]
assert keys[:2] == ['r-1', 'r-1:r1'], keys
assert json.loads(rows[1]['body'])['renotify'] is True, rows[1]
PYEOF
"$DRIVE" "$T/re.conf" "$T/spool5" - 60 pages=1 >"$T/d7.out" 2>&1 ||
	fail "no reminder after a restart: $(cat "$T/d7.out")"
B=$(wc -l <"$T/re.jsonl")
[ "$B" -gt "$A" ] || fail "reminders did not survive a restart ($A, $B)"
"$DRIVE" "$T/re.conf" "$T/spool5" "$T/ev6" 60 >"$T/d8.out" 2>&1 ||
	fail "recovery not delivered: $(cat "$T/d8.out")"
tail -1 "$T/d8.out" >"$T/d8.json"
[ "$(json_get "$T/d8.json" 'j["open_problems"]')" = 0 ] || fail "problem not closed"
C=$(wc -l <"$T/re.jsonl")
# (a reminder due with the recovery may share its page, or land after it:
# look for the recovery's key anywhere, header or grouped body)
grep -q 'r-2' "$T/re.jsonl" || fail "no recovery page"
# after a restart nothing is left to remind of: no open problem was saved,
# nothing is queued, so no reminder can ever come
"$DRIVE" "$T/re.conf" "$T/spool5" - 60 >"$T/d9.out" 2>&1 ||
	fail "restart after the recovery: $(cat "$T/d9.out")"
tail -1 "$T/d9.out" >"$T/d9.json"
[ "$(json_get "$T/d9.json" 'j["open_problems"], j["queued"], j["pages"]')" = "(0, 0, 0)" ] ||
	fail "a problem outlived its recovery: $(cat "$T/d9.out")"
[ "$(wc -l <"$T/re.jsonl")" = "$C" ] || fail "reminders after the recovery"
stop_pid "$RE_PID" || fail "webhook sink exited $?"
note "renotify: $A then $B pages across a restart, recovery, then nothing open"

# ---- 6. smtp_starttls yes never falls back to cleartext -------------------
rm -f "$T/mail"/*
sed -e 's/^notify_group_window 2/notify_group_window 0/' \
	-e '/^contact.ops.webhook/d' "$T/drover.conf" >"$T/tls.conf"
echo "smtp_starttls yes" >>"$T/tls.conf"
ev kvm8 ipmi_volts v12 "12V rail" V CRITICAL OK 10.9 t-1 >"$T/ev7"
"$DRIVE" "$T/tls.conf" "$T/spool6" "$T/ev7" 60 failed=2 >"$T/d10.out" 2>&1 ||
	fail "no failed attempts: $(cat "$T/d10.out")"
tail -1 "$T/d10.out" >"$T/d10.json"
[ "$(json_get "$T/d10.json" 'j["pages"], j["queued"]')" = "(0, 1)" ] ||
	fail "sent although the server offers no STARTTLS: $(cat "$T/d10.out")"
grep -q "attempt 2 for kvm8 failed: STARTTLS not supported" "$T/d10.out" || fail "reason not logged: $(cat "$T/d10.out")"
[ ! -e "$T/mail/0001.eml" ] || fail "mail sent in cleartext"
ls "$T/spool6" | grep -q '\.page$' || fail "page not kept for a retry"
note "smtp_starttls: no STARTTLS offered -> not sent, retried, kept in the spool"

# ---- 7. more e-mails at once than the SMTP concurrency cap ---------------
rm -f "$T/mail"/*
sed -e 's/^notify_group_window 2/notify_group_window 0/' \
	-e '/^contact.ops.webhook/d' "$T/drover.conf" >"$T/many.conf"
for i in $(seq 12); do
	ev "m$i" ipmi_volts v12 "12V rail" V CRITICAL OK 10.9 "m-$i"
done >"$T/ev8"
"$DRIVE" "$T/many.conf" "$T/spool7" "$T/ev8" 60 >"$T/d11.out" 2>&1 ||
	fail "12 e-mails not delivered: $(cat "$T/d11.out")"
[ "$(ls "$T/mail"/*.eml 2>/dev/null | wc -l)" = 12 ] || fail "want 12 e-mails"
tail -1 "$T/d11.out" >"$T/d11.json"
[ "$(json_get "$T/d11.json" 'j["pages"], j["delivered"], j["failed"]')" = "(12, 12, 0)" ] ||
	fail "stats: $(cat "$T/d11.json")"
PEAK=$($PY -c 'import glob, json, sys
print(max(json.load(open(f))["sessions"] for f in glob.glob(sys.argv[1] + "/*.json")))' "$T/mail")
[ "$PEAK" -le 4 ] || fail "$PEAK SMTP sessions at once; the cap is 4"
note "12 e-mails at once: all delivered, at most $PEAK SMTP sessions at once (cap 4)"
stop_pid "$HOOK_PID" || fail "webhook sink exited $?"
stop_pid "$SMTP_PID" || fail "smtp sink exited $?"
exit 0
