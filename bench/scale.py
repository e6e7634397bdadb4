#!/usr/bin/python3
"""Benchmark: drover on a generated cluster of GUESTS guests (issue 21).

    bench/scale.sh GUESTS [INTERVAL [CYCLES]]     (from a built tree, as root)

The cluster is bench/fake_cluster (one C process, one loopback address
127.10.x.y:4949 per node): GUESTS guests on PHYS physical hosts (200/20,
1000/50, 3000/150, 10000/500, otherwise GUESTS/20; PHYS=N overrides;
OCTET=B puts the addresses at 127.B.x.y, default 10), 15
plugins of 3 fields per node, a 60-field LV plugin per physical host, 40 ms
per config/fetch times 1 + 0.5 per other session open on the same physical
host.  drover gets a config with every host's `physical` set,
`physical_concurrency 2`, `interval INTERVAL` (default 300) and its
defaults otherwise, RRD files on disk, and runs CYCLES intervals (default
3) after its start; EXTRA_CONF="KEY VALUE\\nKEY VALUE" adds global lines
(a remote_write_url, for remote write's share of the collector's CPU).
RRDCACHED=1 sends the updates through an rrdcached the bench starts
(RRDCACHED_ARGS: its -w/-z/-f); OWN=1 sets `rrdcached_own yes`, so drover
starts and supervises its own.  Either way the daemon's CPU is added to
drover's figure per cycle (and shown apart), its peak RSS shown beside
drover's, and its final flush at the stop counted in its total.
COLD=S drops the RRD files' pages from the page cache every S seconds of
the run (sync, then POSIX_FADV_DONTNEED on each file) and once more right
before drover's stop: what a host short of memory, or this VM's host,
does to an idle page cache, so direct writes and the daemon's flush both
read their pages back from disk.

Printed: drover's CPU seconds per interval (user+sys of all its threads
from /proc/PID/stat) and its event loop's alone (loop_s: the main
thread, /proc/PID/task/PID/stat), its peak RSS (VmHWM) and that per RRD file, polls
done and late (drover's /health), the fake cluster's own CPU per interval
(/proc and its getrusage), the most sessions open at once on one physical
host and the late polls the cluster saw (a node's session more than
INTERVAL + 1 s after its previous one), and the librrd floor: once drover
has stopped, bench/rrd_floor updates every RRD file drover wrote with
rrd_update_r, as drover's writer does, in rounds of the same kinds as
drover's cycles (SAMPLES=N of each, default 2; 0: no floor), each led up to as a real
cycle is and with the page cache written back before it as INTERVAL s of
real time would; each kind once with the page cache as librrd leaves it
(warm) and once with the files' pages dropped (cold: what this VM's host
does to an idle page cache within minutes, so drover's cycles at 300 s see
it; see bench/rrd_floor.c).  KEEP=1 keeps the files.

A cycle that passes a multiple of 300 s completes a primary data point in
every file (Munin's step) and costs librrd more than one inside a step; at
the issue's interval 300 every cycle passes one.  drover's cycles and the
floor's rounds are therefore shown by kind ("step": in, 5m; and 30m, 2h,
1d where the boundary of a consolidated archive passed too, which costs
more again).

Fails (exit 1, with the last lines of its log) if drover or the fake
cluster dies or does not start.
"""
import os, re, resource, shutil, signal, subprocess, sys, tempfile, time
import urllib.request

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
drover = os.environ.get("DROVER", os.path.join(top, "drover"))
RATIOS = {200: 20, 1000: 50, 3000: 150, 10000: 500}
TICK = os.sysconf("SC_CLK_TCK")
STEP = 300  # Munin's RRD step: a cycle that passes a multiple completes a PDP
# ... and the consolidated rows of its 30 min, 2 h and 1 day archives
KINDS = [(86400, "1d"), (7200, "2h"), (1800, "30m"), (STEP, "5m")]


def kind(t0, t1):
    """The longest of Munin's resolutions whose boundary (t0, t1] passes."""
    for secs, name in KINDS:
        if int(t0 // secs) != int(t1 // secs):
            return name
    return "in"


def usage():
    sys.exit("usage: bench/scale.sh GUESTS [INTERVAL [CYCLES]]")


args = sys.argv[1:]
if not 1 <= len(args) <= 3 or not all(a.isdigit() for a in args):
    usage()
guests = int(args[0])
interval = int(args[1]) if len(args) > 1 else 300
cycles = int(args[2]) if len(args) > 2 else 3
phys = int(os.environ.get("PHYS", RATIOS.get(guests, max(1, guests // 20))))
if guests < 1 or interval < 10 or cycles < 1 or phys < 1:
    usage()
nodes = guests + phys

# One listening socket per node, plus connections and RRD files: raise the
# fd limit for this process and so for its children.
need = nodes + 4096
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < need:
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(need, hard), max(need, hard)))
    except (ValueError, OSError):
        if hard < need:
            sys.exit("scale: needs %d file descriptors, the hard limit is %d "
                     "(run as root)" % (need, hard))
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

if subprocess.call(["make", "-C", top, "-s", "drover", "bench/fake_cluster",
                    "bench/rrd_floor"], stdout=subprocess.DEVNULL) != 0:
    sys.exit("scale: make failed")

tmp = tempfile.mkdtemp(prefix="drover-scale.", dir="/var/tmp")
os.chmod(tmp, 0o755)
procs = []


def fail(msg, log=None):
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait()
    if log and os.path.exists(log):
        sys.stderr.write("".join(open(log, errors="replace").readlines()[-20:]))
    sys.stderr.write("scale: %s (files kept in %s)\n" % (msg, tmp))
    sys.exit(1)


def alive():
    if fake.poll() is not None:
        fail("the fake cluster died (exit %s)" % fake.returncode, tmp + "/fake.log")
    if drv is not None and drv.poll() is not None:
        fail("drover died (exit %s)" % drv.returncode, tmp + "/drover.log")


def cpu_s(pid):
    """user+sys seconds of a process and all its threads."""
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def loop_s(pid):
    """user+sys seconds of the main thread alone: the event loop."""
    return cpu_s_of("/proc/%d/task/%d/stat" % (pid, pid))


def cpu_s_of(path):
    f = open(path).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / TICK


def status_kib(pid, key):
    m = re.search(r"^%s:\s+(\d+) kB" % key, open("/proc/%d/status" % pid).read(), re.M)
    return int(m.group(1))


def read_stats(path):
    return {k: float(v) for k, v in
            (line.split() for line in open(path) if line.strip())}


def fake_stats():
    os.kill(fake.pid, signal.SIGUSR1)
    before = os.stat(stats).st_mtime_ns
    for _ in range(50):
        time.sleep(0.1)
        if os.stat(stats).st_mtime_ns != before:
            break
    return read_stats(stats)


def drop_pages():
    """COLD: every RRD file's pages out of the page cache."""
    os.sync()
    for d, _, names in os.walk(tmp + "/db"):
        for n in names:
            if n.endswith(".rrd"):
                try:
                    fd = os.open(os.path.join(d, n), os.O_RDONLY)
                except OSError:
                    continue
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                os.close(fd)


def health(port):
    try:
        page = urllib.request.urlopen("http://127.0.0.1:%d/health" % port,
                                      timeout=30).read().decode()
    except OSError as e:
        alive()
        fail("drover's /health did not answer: %s" % e, tmp + "/drover.log")
    return {k: int(v) for k, v in re.findall(r"<th>([^<]+)</th><td class=num>(\d+)", page)}


# --- the cluster --------------------------------------------------------------
drv = None
hosts_file, stats = tmp + "/hosts", tmp + "/fake.stats"
fake = subprocess.Popen([top + "/bench/fake_cluster", "-p", str(phys), "-g", str(guests),
                         "-o", hosts_file, "-s", stats, "-i", str(interval),
                         "-b", os.environ.get("OCTET", "10")],
                        stdout=subprocess.DEVNULL, stderr=open(tmp + "/fake.log", "w"))
procs.append(fake)
t = time.monotonic()
while not os.path.exists(hosts_file):
    alive()
    if time.monotonic() - t > 120:
        fail("the fake cluster did not listen within 120 s", tmp + "/fake.log")
    time.sleep(0.1)
hosts = [line.split() for line in open(hosts_file)]

# --- rrdcached (RRDCACHED=1) ---------------------------------------------------
rrdc = None
if os.environ.get("RRDCACHED"):
    os.makedirs(tmp + "/db")
    os.makedirs(tmp + "/journal")
    rrdc = subprocess.Popen(
        ["rrdcached", "-g", "-l", "unix:%s/rrdcached.sock" % tmp, "-b", tmp + "/db", "-B",
         "-F", "-j", tmp + "/journal", "-p", tmp + "/rrdcached.pid"]
        + os.environ.get("RRDCACHED_ARGS", "-w 1800 -z 1800 -f 3600").split(),
        stdout=subprocess.DEVNULL, stderr=open(tmp + "/rrdcached.log", "w"))
    procs.append(rrdc)
    t = time.monotonic()
    while not os.path.exists(tmp + "/rrdcached.sock"):
        if rrdc.poll() is not None or time.monotonic() - t > 30:
            fail("rrdcached did not start", tmp + "/rrdcached.log")
        time.sleep(0.1)

# --- drover -------------------------------------------------------------------
conf = tmp + "/drover.conf"
with open(conf, "w") as f:
    f.write("dbdir %s/db\ninterval %d\nphysical_concurrency 2\nlocal_node no\n"
            "listen 127.0.0.1:0\nstate_dir %s/state\ngraph_cache %s/graphs\n"
            % (tmp, interval, tmp, tmp))
    if rrdc is not None:
        f.write("rrdcached_socket unix:%s/rrdcached.sock\n" % tmp)
    if os.environ.get("OWN"):
        f.write("rrdcached_own yes\n")
    # EXTRA_CONF: global lines added as given (a remote_write_url, say)
    if os.environ.get("EXTRA_CONF"):
        f.write(os.environ["EXTRA_CONF"].replace("\\n", "\n") + "\n")
    for name, addr, ph in hosts:
        f.write("[cluster;%s]\n    address %s\n    port 4949\n    physical %s\n"
                % (name, addr, ph))
drv = subprocess.Popen([drover, "run", "-c", conf], stdout=subprocess.DEVNULL,
                       stderr=open(tmp + "/drover.log", "w"))
procs.append(drv)
port = None
t = time.monotonic()
while port is None:
    alive()
    m = re.search(r"dashboard on http://127\.0\.0\.1:(\d+)", open(tmp + "/drover.log").read())
    if m:
        port = int(m.group(1))
    elif time.monotonic() - t > 120:
        fail("drover's dashboard did not come up within 120 s", tmp + "/drover.log")
    else:
        time.sleep(0.1)

# OWN=1: drover's own rrdcached, its pid from its pid file
own_pid = None
if os.environ.get("OWN"):
    pidfile = tmp + "/state/rrdcached/rrdcached.pid"
    t = time.monotonic()
    while own_pid is None:
        alive()
        try:
            own_pid = int(open(pidfile).read().split()[0])
        except (OSError, ValueError, IndexError):
            if time.monotonic() - t > 60:
                fail("drover's own rrdcached did not start", tmp + "/drover.log")
            time.sleep(0.1)
daemon_pid = rrdc.pid if rrdc is not None else own_pid

print("scale: %d guests on %d physical hosts (%d nodes), interval %d s, %d cycles; "
      "files in %s" % (guests, phys, nodes, interval, cycles, tmp))
print("%-6s %5s %10s %8s %10s %10s %10s %8s %8s %10s" % (
    "cycle", "step", "drover_s", "loop_s", "rss_kib", "hwm_kib", "polls", "late", "failed", "fake_s"))
rows = []
rc_cpu = lambda: cpu_s(daemon_pid) if daemon_pid is not None else 0.0
d0, f0, h0, r0 = cpu_s(drv.pid), cpu_s(fake.pid), health(port), rc_cpu()
l0 = loop_s(drv.pid)
start, e0 = time.monotonic(), time.time()
cold = int(os.environ.get("COLD", "0"))
next_drop = start + cold
for c in range(1, cycles + 1):
    while time.monotonic() < start + c * interval:
        alive()
        if cold and time.monotonic() >= next_drop:
            drop_pages()
            next_drop += cold
        time.sleep(min(1.0, max(0.0, start + c * interval - time.monotonic())))
    d, fc, h, e, rcc = cpu_s(drv.pid), cpu_s(fake.pid), health(port), time.time(), rc_cpu()
    lp = loop_s(drv.pid)
    # did this cycle pass a multiple of 300 s (a step of Munin's RRDs)?
    # the daemon's CPU counts as drover's: it does drover's writes
    row = {"step": kind(e0, e), "drover": d - d0 + rcc - r0, "rrdcached": rcc - r0, "loop": lp - l0, "fake": fc - f0, "rss": status_kib(drv.pid, "VmRSS"),
           "hwm": status_kib(drv.pid, "VmHWM"), "polls": h["polls done"] - h0["polls done"],
           "late": h["late"] - h0["late"], "failed": h["failed"] - h0["failed"],
           "timed": h["timed out"] - h0["timed out"], "rrd": h["RRD updates"] - h0["RRD updates"],
           "rrd_err": h["RRD errors"] - h0["RRD errors"], "queue": h["RRD queue"]}
    rows.append(row)
    print("%-6d %5s %10.2f %8.2f %10d %10d %10d %8d %8d %10.2f" % (
        c, row["step"], row["drover"], row["loop"], row["rss"], row["hwm"], row["polls"], row["late"],
        row["failed"] + row["timed"], row["fake"]), flush=True)
    d0, f0, h0, e0, r0, l0 = d, fc, h, e, rcc, lp
alive()
fs = fake_stats()
hwm = status_kib(drv.pid, "VmHWM")
# what the peak is made of, at the end: heap and other anonymous memory,
# and pages of the binary and its shared libraries (a fixed ~22 MB)
rss_anon, rss_file = status_kib(drv.pid, "RssAnon"), status_kib(drv.pid, "RssFile")
rc_hwm = status_kib(daemon_pid, "VmHWM") if daemon_pid is not None else None
if cold:
    drop_pages()
rc_before_stop = rc_cpu()
drv.send_signal(signal.SIGTERM)
own_total = None
if own_pid is not None:
    # drover stops and reaps it: its last figure before it goes, final
    # flush (-F) included
    while True:
        try:
            own_total = cpu_s(own_pid)
        except (OSError, IndexError):
            break
        time.sleep(0.05)
try:
    rc = drv.wait(timeout=120)
except subprocess.TimeoutExpired:
    fail("drover did not stop within 120 s of SIGTERM", tmp + "/drover.log")
if rc != 0:
    fail("drover exited %d" % rc, tmp + "/drover.log")
drv = None
rrdc_total = None
if rrdc is not None:
    # its final flush (-F) writes what it still held: counted in its total
    rrdc.send_signal(signal.SIGTERM)
    _, st, ru = os.wait4(rrdc.pid, 0)
    rrdc.returncode = st
    rrdc_total = ru.ru_utime + ru.ru_stime
if own_total is not None:
    rrdc_total = own_total
fake.send_signal(signal.SIGTERM)
if fake.wait(timeout=30) != 0:
    fail("the fake cluster exited %d" % fake.returncode, tmp + "/fake.log")
final = read_stats(stats)

# --- the floor: the same files, once each per round -----------------------------
# A round of each kind of cycle drover had (SAMPLES of each, default 2), each
# led up to as real cycles are (bench/rrd_floor.c).
samples = int(os.environ.get("SAMPLES", "2"))
want = sorted({r["step"] for r in rows}, key=lambda k: [n for _, n in KINDS].index(k)
              if k != "in" else 9) * samples
if samples > 0:
    out = subprocess.run([top + "/bench/rrd_floor", tmp + "/db", str(interval)] + want,
                         capture_output=True, text=True)
    if out.returncode != 0:
        fail("rrd_floor failed: " + out.stderr.strip())
    files = int(re.search(r"^files (\d+)", out.stdout, re.M).group(1))
    floor = [(k, cache, float(c), float(w), int(nf)) for k, cache, c, w, nf in re.findall(
        r"^round \d+ kind (\S+) cache (\S+) ts \d+ cpu_s ([\d.]+) wall_s ([\d.]+) failed (\d+)",
        out.stdout, re.M)]
else:
    # SAMPLES=0: no floor (at 10,000 guests its lead-up rounds take an
    # hour); the files are only counted
    files = sum(n.endswith(".rrd") for _, _, ns in os.walk(tmp + "/db") for n in ns)
    floor = []
floor_failed = sum(x[4] for x in floor)


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else None


def mean(xs):
    return sum(xs) / len(xs) if xs else None


def fmt(x, spec="%10.2f"):
    return spec % x if x is not None else "%10s" % "-"


steady = rows[1:] or rows
kinds = [k for k in ["in"] + [n for _, n in reversed(KINDS)]
         if any(r["step"] == k for r in rows) or any(f[0] == k for f in floor)]
fcpu = mean([r["fake"] for r in steady])
print()
print("RRD files (fields): %d; floor rounds (boundary passed) cpu s (wall s)%s:" % (
    files, ", %d updates FAILED" % floor_failed if floor_failed else ""))
print("  " + "  ".join("%s %s %.3f (%.3f)" % (k, cache, c, w) for k, cache, c, w, _ in floor))
print("CPU s per cycle, by the longest RRD resolution whose boundary it passed")
print("(in: inside one 5 min step; 5m: a step; 30m, 2h, 1d: consolidated rows too)")
print("%-52s" % "" + "".join(" %10s" % k for k in kinds))
print("%-52s" % "drover, first cycle (creates the files)" + "".join(
    " " + (fmt(rows[0]["drover"]) if rows[0]["step"] == k else "%10s" % "") for k in kinds))
dk = {k: mean([r["drover"] for r in steady if r["step"] == k]) for k in kinds}
fk = {(k, cache): median([c for kk, cc, c, _, _ in floor if kk == k and cc == cache])
      for k in kinds for cache in ("warm", "cold")}
print("%-52s" % "drover, cycles 2.. (mean)" + "".join(" " + fmt(dk[k]) for k in kinds))
print("%-52s" % "  of which the event loop, cycles 2.. (mean)" + "".join(
    " " + fmt(mean([r["loop"] for r in steady if r["step"] == k])) for k in kinds))
for cache, what in (("warm", "page cache kept"), ("cold", "page cache dropped")):
    print("%-52s" % ("librrd floor, %s (median)" % what) + "".join(
        " " + fmt(fk[k, cache]) for k in kinds))
for cache in ("warm", "cold"):
    print("%-52s" % ("ratio drover / floor, %s" % cache) + "".join(
        " " + fmt(dk[k] / fk[k, cache] if dk[k] and fk[k, cache] else None) for k in kinds))
if daemon_pid is not None:
    print("%-52s %s" % ("  of which rrdcached, cycles 2.. (mean)",
                        fmt(mean([r["rrdcached"] for r in steady]))))
    print("%-52s %s" % ("rrdcached CPU s at drover's stop (its flush)",
                        fmt(rrdc_total - rc_before_stop if rrdc_total is not None else None)))
    print("%-52s %10d" % ("rrdcached peak RSS (VmHWM, KiB)", rc_hwm))
    print("%-52s %10d" % ("drover + rrdcached peak RSS, KiB", hwm + rc_hwm))
print("%-52s %10d" % ("drover peak RSS (VmHWM, KiB)", hwm))
print("%-52s %10.0f" % ("bytes of peak RSS per field", hwm * 1024 / files))
print("%-52s %10d" % ("drover RSS at the end: anonymous (heap...), KiB", rss_anon))
print("%-52s %10d" % ("drover RSS at the end: files (binary, libraries), KiB", rss_file))
print("%-52s %10.0f" % ("bytes of anonymous RSS per field", rss_anon * 1024 / files))
print("%-52s %10d" % ("polls late (drover /health, all cycles)", sum(r["late"] for r in rows)))
print("%-52s %10d" % ("polls late after the first cycle", sum(r["late"] for r in rows[1:])))
print("%-52s %10d" % ("polls failed or timed out", sum(r["failed"] + r["timed"] for r in rows)))
print("%-52s %10d" % ("RRD errors", sum(r["rrd_err"] for r in rows)))
print("%-52s %10d" % ("late polls seen by the cluster (gap > int + 1 s)", final["late"]))
print("%-52s %10.2f" % ("longest gap between two polls of a node / interval",
                        final["max_gap_ms"] / 1000 / interval))
print("%-52s %10d" % ("most sessions at once on one physical host", final["phys_peak"]))
print("%-52s %10d" % ("most sessions at once, all hosts", final["open_peak"]))
print("%-52s %s" % ("fake cluster CPU s per cycle (cycles 2..)", fmt(fcpu)))
print("%-52s %10.2f" % ("fake cluster CPU s, whole run (getrusage)",
                        final["cpu_user_s"] + final["cpu_sys_s"]))
print("%-52s %10.0f" % ("fake cluster sessions", final["sessions"]))
if os.environ.get("KEEP"):
    print("files kept in %s" % tmp)
else:
    shutil.rmtree(tmp)
