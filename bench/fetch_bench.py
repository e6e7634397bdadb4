#!/usr/bin/python3
"""fetch_bench.py SESSIONS MUNIN_PORT MUNIN_PID DROVER_PORT DROVER_PID CASE...

The cost of a fetch on two nodes, side by side: each CASE is
"LABEL=MUNIN_PLUGINS=DROVER_PLUGINS" (plugins comma-separated: what each
node needs fetched for the same figures, e.g. Munin's four kvm_* plugins
against drover's one vm).  For every case, SESSIONS sessions to each
node, alternating (one warm-up each, not counted); a session connects,
sends "cap multigraph", fetches the case's plugins and quits.  Sessions
start at least 1.05 s apart on both, so drover node never reuses the
previous second's reading and both see the same pace.

CPU is the whole process tree's, both sides: for the node's PID and
every live descendant, the runtime of its threads (/proc/PID/task/*/
schedstat, ns) and the CPU of the children it reaped (cutime+cstime of
/proc/PID/stat, clock ticks), read before and after, once every child
the sessions forked has been reaped.  So it counts what a fetch makes run: munin-node's session
child and plugin, drover node's lvs and du (run from drover node or from
its command runner).  Wall time is the client's, connect to the node's
close after quit."""
import os
import socket
import sys
import time

TICK = os.sysconf("SC_CLK_TCK")


def stat(pid):
    try:
        return open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()
    except OSError:
        return None


def descendants(root):
    kids = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            st = stat(int(d))
            if st is not None:
                kids.setdefault(int(st[1]), []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def own_cpu(pid):
    """The runtime of pid's live threads (schedstat, ns), in seconds."""
    t = 0
    try:
        for tid in os.listdir("/proc/%d/task" % pid):
            t += int(open("/proc/%d/task/%s/schedstat" % (pid, tid)).read().split()[0])
    except (OSError, ValueError):
        pass
    return t / 1e9


def tree_cpu(root):
    """(root's own threads, the rest of its tree) in CPU seconds."""
    own, rest = own_cpu(root), 0.0
    for p in descendants(root):
        st = stat(p)
        if st is not None:
            # cutime+cstime (fields 16-17, counted from the state, field
            # 3, here): the children it reaped
            rest += sum(int(x) for x in st[13:15]) / TICK
            if p != root:
                rest += own_cpu(p)
    return own, rest


def settle(root, base):
    """Wait (at most 10 s) until root has no more descendants than base."""
    for _ in range(100):
        if len(descendants(root)) <= base:
            return
        time.sleep(0.1)


def session(port, plugins):
    s = socket.create_connection(("127.0.0.1", port), timeout=120)
    f = s.makefile("rb")
    f.readline()
    s.sendall(b"cap multigraph\n")
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


def run_case(n, mport, mpid, dport, dpid, mplug, dplug):
    mbase, dbase = len(descendants(mpid)), len(descendants(dpid))
    session(mport, mplug)
    session(dport, dplug)
    settle(mpid, mbase)
    settle(dpid, dbase)
    time.sleep(1.05)
    mwall = dwall = 0.0
    m0, d0 = sum(tree_cpu(mpid)), tree_cpu(dpid)
    last = 0.0
    for _ in range(n):
        for port, plug, which in ((mport, mplug, "m"), (dport, dplug, "d")):
            wait = last + 1.05 - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            t = last = time.monotonic()
            session(port, plug)
            if which == "m":
                mwall += time.monotonic() - t
            else:
                dwall += time.monotonic() - t
    settle(mpid, mbase)
    settle(dpid, dbase)
    d1 = tree_cpu(dpid)
    return (mwall / n, dwall / n, (sum(tree_cpu(mpid)) - m0) / n,
            (d1[0] - d0[0]) / n, (d1[1] - d0[1]) / n)


def main():
    n = int(sys.argv[1])
    mport, mpid, dport, dpid = map(int, sys.argv[2:6])
    print("%d sessions per node and case, alternating; per session "
          "(one Munin master's fetch of the case):" % n)
    print("| case | Munin plugins | drover plugins | Munin wall ms | drover wall ms "
          "| drover / Munin | Munin CPU ms | drover CPU ms (node + commands) "
          "| drover / Munin |")
    print("|------|---------------|----------------|--------------:|---------------:"
          "|-----------:|-------------:|--------------:|----------:|")
    for case in sys.argv[6:]:
        label, m, d = case.split("=")
        mplug, dplug = m.split(","), d.split(",")
        mw, dw, mc, down, drest = run_case(n, mport, mpid, dport, dpid, mplug, dplug)
        dc = down + drest
        print("| %s | %s | %s | %.1f | %.2f | %.3f | %.1f | %.2f (%.2f + %.2f) | %s |" % (
            label, " ".join(mplug), " ".join(dplug), mw * 1e3, dw * 1e3,
            dw / mw, mc * 1e3, dc * 1e3, down * 1e3, drest * 1e3,
            "%.3f" % (dc / mc) if mc > 0 else "-"))
        sys.stdout.flush()


main()
