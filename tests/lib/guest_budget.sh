# guest_budget.sh: what the guest-mapping tests read of a running
# `drover run` and of the session log its nodes share (sourced after
# common.sh; fake_node.py's "session_log": "start NAME EPOCH" and "end
# NAME EPOCH" lines).  LOG names the log, PORT the dashboard's port.
#
#   now                   the epoch with microseconds
#   phys_is FROM PHYS HOST...  every HOST's /api/v1 physical is PHYS ("-":
#                         itself), found as FROM (own, config, learned);
#                         the hosts are left in $T/hosts.json
#   overlap SINCE NAME... the most sessions of the NAMEs that started at
#                         or after SINCE open at one instant (an end
#                         before a start on a tie)
#   sessions_after SINCE N NAME...  every NAME had N sessions start at or
#                         after SINCE and end

now() { $PY -c 'import time; print("%.6f" % time.time())'; }

phys_is() {
	curl -sf "http://127.0.0.1:$PORT/api/v1/hosts" >"$T/hosts.json" ||
		return 1
	$PY - "$T/hosts.json" "$@" <<'PY'
import json, sys
hosts = {h["name"]: h for h in json.load(open(sys.argv[1]))["hosts"]}
frm, phys = sys.argv[2], sys.argv[3]
ok = all(n in hosts and hosts[n].get("physical_from") == frm and
         hosts[n]["physical"] == (n if phys == "-" else phys)
         for n in sys.argv[4:])
sys.exit(0 if ok else 1)
PY
}

overlap() {
	$PY - "$LOG" "$@" <<'PY'
import sys
log, since, names = sys.argv[1], float(sys.argv[2]), set(sys.argv[3:])
open_at, ev = {}, []
for line in open(log):
    what, name, t = line.split()
    t = float(t)
    if name not in names:
        continue
    if what == "start":
        open_at.setdefault(name, []).append(t)
    elif open_at.get(name):
        s = open_at[name].pop(0)
        if s >= since:
            ev += [(s, 1), (t, -1)]
cur = peak = 0
for _, d in sorted(ev):
    cur += d
    peak = max(peak, cur)
print(peak)
PY
}

sessions_after() {
	$PY - "$LOG" "$@" <<'PY'
import sys
log, since, n, names = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
starts, done = {}, {}
for line in open(log):
    what, name, t = line.split()
    if what == "start":
        starts.setdefault(name, []).append(float(t))
    elif starts.get(name):
        if starts[name].pop(0) >= since:
            done[name] = done.get(name, 0) + 1
sys.exit(0 if all(done.get(x, 0) >= n for x in names) else 1)
PY
}
