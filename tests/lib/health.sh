# Reading drover's own counters and the fake nodes' live counts (sourced
# after common.sh, bash).

# dashboard_port LOG: the port drover's log says the dashboard is on
# (listen 127.0.0.1:0); waits for the line up to 60 s, empty when none.
dashboard_port() {
	wait_until 60 test -e "$1" && wait_log "$1" 'dashboard on http://127.0.0.1:[0-9]*' 60 || return 1
	grep -o 'dashboard on http://127.0.0.1:[0-9]*' "$1" | head -1 | grep -o '[0-9]*$'
}

# health_num PORT LABEL: the counter LABEL ("polls done", "late", "failed",
# "timed out", "RRD updates", ...) from the /health page, read from its
# owner (the scheduler, the RRD writer, the renderer) when the page is
# asked for.
health_num() {
	local page
	page=$(curl -sf "http://127.0.0.1:$1/health") || return 1
	sed -n "s|.*<th>$2</th><td class=num>\\([0-9]*\\)[ <].*|\\1|p" <<<"$page" | head -1
}

# health_at_least PORT LABEL N: the counter has reached N
health_at_least() {
	local v
	v=$(health_num "$1" "$2") || return 1
	[ -n "$v" ] && [ "$v" -ge "$3" ]
}

# fake_done STATS N NAME...: fake_node.py --live saw every NAME's N-th
# connection end (without NAMEs: every node in the spec's ports.json
# beside STATS)
fake_done() {
	$PY - "$@" <<'PY' 2>/dev/null
import json, os, sys
stats, n, names = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
done = json.load(open(stats)).get("done", {})
if not names:
    names = list(json.load(open(os.path.join(os.path.dirname(stats), "ports.json"))))
sys.exit(0 if all(done.get(x, 0) >= n for x in names) else 1)
PY
}
