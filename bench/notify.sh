#!/bin/bash
# Page latency and throughput: events fed to a notifier (tests/notify_drive)
# until the project's webhook / SMTP sinks record them.
#   bench/notify.sh [N]      (from a built tree; make check builds the driver)
# Latency = sink receive time - time just before notifier_event, so it
# includes the spool's fsyncs.  Baseline: the curl CLI POSTing one page.
# Then the two timings tests/test_notify.sh only orders: the reminder
# interval (contact.NAME.renotify 1) and the time from a refusing receiver
# coming back to the page arriving (notify_retry_min/max 1).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-200}
PY=/usr/bin/python3
DRIVE=$top/tests/notify_drive
W=$(mktemp -d /tmp/bench-notify.XXXXXX); pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$W"; }
trap cleanup EXIT
$PY "$top/tests/lib/webhook_sink.py" 0 "$W/hooks.jsonl" >"$W/h.port" & pids+=($!)
$PY "$top/tests/lib/smtp_sink.py" 0 "$W/mail" >"$W/s.port" & pids+=($!)
for i in $(seq 50); do [ -s "$W/h.port" ] && [ -s "$W/s.port" ] && break; sleep 0.1; done
HP=$(cat "$W/h.port"); SP=$(cat "$W/s.port")
ev() { printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@"; }
run() { # NAME CHANNEL-LINE COUNT
	cat >"$W/$1.conf" <<EOF2
local_node no
smtp_url smtp://127.0.0.1:$SP
smtp_from drover@example.org
notify_group_window 0
$2
EOF2
	: >"$W/hooks.jsonl"; rm -rf "$W/mail"; mkdir "$W/mail"
	for i in $(seq "$3"); do ev "h$i" ipmi_volts v12 "12V rail" V CRITICAL OK 10.9 "$1-$i"; done >"$W/$1.ev"
	"$DRIVE" "$W/$1.conf" "$W/$1.spool" "$W/$1.ev" 120 2>"$W/$1.err" | tail -1 >"$W/$1.json"
	$PY - "$1" "$W/$1.json" "$W/hooks.jsonl" "$W/mail" "$3" <<'PYEOF'
import json, os, sys
name, stats, hooks, mail, n = sys.argv[1:6]
st = json.load(open(stats)); t0 = st['t_feed']
if name.startswith('webhook'):
    ts = [json.loads(l)['t'] for l in open(hooks)]
else:
    ts = [os.stat(os.path.join(mail, f)).st_mtime for f in os.listdir(mail) if f.endswith('.eml')]
ts.sort(); lat = [t - t0 for t in ts]
def pct(p): return lat[min(len(lat) - 1, int(p * len(lat)))] * 1000
print(f"{name:10} pages={len(ts)}/{n} delivered={st['delivered']} first={lat[0]*1000:.1f} ms "
      f"p50={pct(.5):.1f} ms p99={pct(.99):.1f} ms last={lat[-1]*1000:.1f} ms "
      f"rate={len(ts)/max(lat[-1],1e-9):.0f} pages/s")
PYEOF
}
run webhook1 "contact.ops.webhook http://127.0.0.1:$HP/hook" 1
run webhook "contact.ops.webhook http://127.0.0.1:$HP/hook" "$N"
run email1 "contact.ops.email ops@example.org" 1
run email "contact.ops.email ops@example.org" "$N"; grep -v delivered "$W/email.err" | head -5
: >"$W/hooks.jsonl"
for i in 1 2 3; do
	curl -s -o /dev/null -w "baseline curl CLI, one POST: %{time_total} s\n" \
	    -H 'Content-Type: application/json' --data '{"x":1}' "http://127.0.0.1:$HP/b"
done
# reminders: renotify 1 s, the page and 3 reminders
cat >"$W/re.conf" <<EOF2
local_node no
notify_group_window 0
contact.ops.webhook http://127.0.0.1:$HP/hook
contact.ops.renotify 1
EOF2
: >"$W/hooks.jsonl"
ev hr ipmi_volts v12 "12V rail" V CRITICAL OK 10.9 re-1 >"$W/re.ev"
"$DRIVE" "$W/re.conf" "$W/re.spool" "$W/re.ev" 60 pages=4 >/dev/null 2>&1
$PY - "$W/hooks.jsonl" <<'PYEOF'
import json, sys
ts = [json.loads(l)['t'] for l in open(sys.argv[1])]
gaps = ', '.join('%.3f' % (b - a) for a, b in zip(ts, ts[1:]))
print(f"renotify 1 s: {len(ts)} pages, gaps {gaps} s")
PYEOF
# retry: the receiver refuses, then comes back
KP=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
sed "s/:$HP\//:$KP\//; /renotify/d" "$W/re.conf" >"$W/rt.conf"
printf 'notify_retry_min 1\nnotify_retry_max 1\n' >>"$W/rt.conf"
ev ht ipmi_volts v12 "12V rail" V CRITICAL OK 10.9 rt-1 >"$W/rt.ev"
"$DRIVE" "$W/rt.conf" "$W/rt.spool" "$W/rt.ev" 60 >"$W/rt.out" 2>&1 & dp=$!
for i in $(seq 600); do grep -q "attempt 1 for ht failed" "$W/rt.out" && break; sleep 0.1; done
$PY "$top/tests/lib/webhook_sink.py" "$KP" "$W/rt.jsonl" >"$W/rt.port" & pids+=($!)
for i in $(seq 600); do [ -s "$W/rt.port" ] && break; sleep 0.01; done
t_up=$(date +%s.%N)
wait "$dp"
$PY -c 'import json, sys
t = json.loads(open(sys.argv[1]).readline())["t"]
print("retry 1 s: page %.3f s after the receiver came back" % (t - float(sys.argv[2])))' "$W/rt.jsonl" "$t_up"
