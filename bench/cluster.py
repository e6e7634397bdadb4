#!/usr/bin/python3
"""Benchmark: drover vs Munin's munin-update polling the same simulated
cluster (18 guests on 2 physical hosts + the 2 hypervisors, 15 plugins
each, 40 ms per command like a forking munin-node).

    bench/cluster.sh            (from a built tree, as root)

Both run side by side on the same machine in the same minute, so the
figures are reported as ratios.  Measured per full poll cycle (every host
polled once): CPU seconds, peak RSS, and the most polls one physical host
saw at once (the stampede).  munin-update runs once, forked as Munin's cron
does (max_processes 16); drover runs CYCLES intervals and is divided out.
"""
import json, os, shutil, signal, subprocess, sys, tempfile, time

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
drover = os.environ.get("DROVER", os.path.join(top, "drover"))
INTERVAL, CYCLES = 20, 3
tmp = tempfile.mkdtemp(prefix="drover-bench.")
os.chmod(tmp, 0o755)


def fake_cluster(state):
    os.makedirs(state)
    spec = []
    for p in (1, 2):
        spec.append({"name": "kvm%d.example.net" % p, "physical": "kvm%d" % p,
                     "mode": "normal", "plugins": 15, "fields": 3,
                     "big_fields": 60, "delay_ms": 40})
        for g in range(9):
            spec.append({"name": "vm%d%02d.example.net" % (p, g),
                         "physical": "kvm%d" % p, "mode": "normal",
                         "plugins": 15, "fields": 3, "delay_ms": 40})
    json.dump(spec, open(state + "/spec.json", "w"))
    proc = subprocess.Popen([sys.executable, top + "/tests/lib/fake_node.py",
                             state + "/spec.json", state])
    for _ in range(100):
        if os.path.exists(state + "/ports.json"):
            break
        time.sleep(0.1)
    return proc, json.load(open(state + "/ports.json"))


def stop_fake(proc, state):
    proc.send_signal(signal.SIGTERM)
    proc.wait()
    return json.load(open(state + "/stats.json"))


def hosts(ports, munin):
    out = []
    for name, port in sorted(ports.items()):
        phys = "kvm1" if name.startswith(("kvm1", "vm1")) else "kvm2"
        out.append("[cluster;%s]\n    address 127.0.0.1\n    port %d\n" % (name, port))
        if not munin:
            out.append("    physical %s\n" % phys)
    return "".join(out)


def run_measured(argv, seconds=None):
    """Wall, CPU (user+sys) and peak RSS of argv and the children it waits
    for, via wait4 on that one process."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if seconds:
        time.sleep(seconds)
        p.send_signal(signal.SIGTERM)
    err = p.stderr.read()
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    wall = time.monotonic() - t0
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode, err.decode()[-2000:]


# --- munin-update -----------------------------------------------------------
m = tmp + "/munin"
for d in ("db", "run", "log"):
    os.makedirs(m + "/" + d)
    shutil.chown(m + "/" + d, "munin", "munin")
proc, ports = fake_cluster(tmp + "/fake-munin")
open(m + "/munin.conf", "w").write(
    "dbdir %s/db\nhtmldir %s/db\nrundir %s/run\nlogdir %s/log\n"
    "tmpldir /etc/munin/templates\nmax_processes 16\n" % (m, m, m, m)
    + hosts(ports, True))
mw, mcpu, mrss, rc, err = run_measured(
    ["runuser", "-u", "munin", "--", "/usr/share/munin/munin-update",
     "--config_file", m + "/munin.conf"])
mstats = stop_fake(proc, tmp + "/fake-munin")
if rc != 0:
    sys.exit("munin-update failed: " + err)

# --- drover -------------------------------------------------------------------
proc, ports = fake_cluster(tmp + "/fake-drover")
open(tmp + "/drover.conf", "w").write(
    "dbdir %s/drover-db\ninterval %d\nphysical_concurrency 2\nlocal_node no\nlisten 127.0.0.1:0\nstate_dir %s/state\ngraph_cache %s/graphs\n"
    % (tmp, INTERVAL, tmp, tmp) + hosts(ports, False))
dw, dcpu, drss, rc, err = run_measured([drover, "run", "-c", tmp + "/drover.conf"],
                                       seconds=INTERVAL * CYCLES + 1)
dstats = stop_fake(proc, tmp + "/fake-drover")
if rc != 0:
    sys.exit("drover failed: " + err)
polls = sum(len(v) for v in dstats["connections"].values())
cycles = polls / len(ports)

mpeak = max(mstats["peak"].values())
dpeak = max(dstats["peak"].values())
print("cluster: %d hosts on 2 physical hosts; drover ran %.1f cycles" % (len(ports), cycles))
print("%-34s %12s %12s %8s" % ("per full poll cycle", "munin-update", "drover", "ratio"))
print("%-34s %12.2f %12.2f %8.2f" % ("CPU seconds", mcpu, dcpu / cycles, (dcpu / cycles) / mcpu))
print("%-34s %12d %12d %8.2f" % ("peak RSS (KiB, largest process)", mrss, drss, drss / mrss))
print("%-34s %12d %12d" % ("most polls at once on one host", mpeak, dpeak))
print("%-34s %12.1f %12s" % ("wall seconds (munin: one run)", mw, "spread"))
# the schedule: the longest gap between two polls of one host, against the
# interval (1.0: on time; 2.0: a missed interval).  Measured here, not
# asserted by tests/test_cluster.sh: it depends on the machine's load.
gaps = [b - a for st in dstats["connections"].values()
        for a, b in zip(sorted(st), sorted(st)[1:])]
if gaps:
    print("%-34s %12s %12.2f %8.2f" % ("drover's longest gap (s, / interval)",
          "", max(gaps), max(gaps) / INTERVAL))
shutil.rmtree(tmp)
