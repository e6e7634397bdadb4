#!/usr/bin/python3
"""node_bench.py SESSIONS MUNIN_PORT MUNIN_PID DROVER_PORT DROVER_PID PLUGIN...

Alternates sessions to munin-node and drover node ("fetch P" for each
plugin, then quit), SESSIONS each, and prints per-fetch wall time and CPU
for both.  Sessions to drover node start at least 1.05 s apart, so every
fetch reads /proc afresh (a master polls every few minutes; within one
second drover reuses a reading).  CPU: munin-node forks a child per
session and a plugin per fetch: its daemon's utime+stime+cutime+cstime
(/proc/PID/stat, clock ticks) counts the whole tree once the children
are reaped; drover node is one process: the runtime of its threads
(/proc/PID/task/*/schedstat, ns)."""
import os
import socket
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid):
    f = open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    # fields 14-17 of stat, counted from the state (field 3) here
    return sum(int(x) for x in f[11:15]) / TICK


def children(pid):
    n = 0
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                st = open("/proc/%s/stat" % d).read().rsplit(")", 1)[1]
            except OSError:
                continue
            if int(st.split()[1]) == pid:
                n += 1
    return n


def proc_cpu(pid):
    t = 0
    for tid in os.listdir("/proc/%d/task" % pid):
        t += int(open("/proc/%d/task/%s/schedstat" % (pid, tid)).read().split()[0])
    return t / 1e9


def session(port, plugins):
    s = socket.create_connection(("127.0.0.1", port), timeout=60)
    f = s.makefile("rb")
    f.readline()
    for p in plugins:
        s.sendall(("fetch %s\n" % p).encode())
        while True:
            l = f.readline()
            if not l:
                sys.exit("node on %d closed during fetch %s" % (port, p))
            if l == b".\n":
                break
    s.sendall(b"quit\n")
    f.read()
    s.close()


def main():
    n = int(sys.argv[1])
    mport, mpid, dport, dpid = map(int, sys.argv[2:6])
    plugins = sys.argv[6:]
    # warm-up, not counted
    session(mport, plugins)
    session(dport, plugins)
    time.sleep(1.05)
    mwall = dwall = 0.0
    m0, d0 = tree_cpu(mpid), proc_cpu(dpid)
    last = 0.0
    for _ in range(n):
        t = time.monotonic()
        session(mport, plugins)
        mwall += time.monotonic() - t
        wait = last + 1.05 - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        t = last = time.monotonic()
        session(dport, plugins)
        dwall += time.monotonic() - t
    for _ in range(100):  # the session children reaped
        if children(mpid) == 0:
            break
        time.sleep(0.1)
    mcpu, dcpu = tree_cpu(mpid) - m0, proc_cpu(dpid) - d0
    k = n * len(plugins)
    print("%d sessions x %d plugins (%s)" % (n, len(plugins), " ".join(plugins)))
    print("| per fetch        | munin-node | drover node | munin / drover |")
    print("|------------------|-----------:|------------:|---------------:|")
    print("| wall time (ms)   | %10.3f | %11.3f | %13.0fx |" %
          (mwall / k * 1e3, dwall / k * 1e3, mwall / max(dwall, 1e-9)))
    print("| CPU time (ms)    | %10.3f | %11.3f | %13.0fx |" %
          (mcpu / k * 1e3, dcpu / k * 1e3, mcpu / max(dcpu, 1e-9)))


main()
