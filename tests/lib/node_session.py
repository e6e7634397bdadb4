#!/usr/bin/python3
"""node_session.py HOST PORT NODENAME [PLUGIN...]: one scripted munin session with a
munin-node (the real one or drover node), printed normalised so that two
nodes' transcripts can be diffed: the node's name becomes HOST, values
become NUM (or U), a config answer becomes its sorted attribute keys (the
plugins print graph_info after field lines, drover before them; the
attribute texts themselves are tests/test_node_munin_compat.sh's job)
and list its sorted names.  Exits 1 when the node closes early or does
not answer within 30 s.  With PLUGINs, list shows only those (the
two nodes may serve different plugin sets beyond the ones compared)."""
import re
import socket
import sys

host, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
only = set(sys.argv[4:])
# command, and how its answer ends: "line" (one line), "." (a "." line)
# or "eof" (the node closes)
SESSION = [
    ("cap multigraph", "line"),
    ("list", "line"),
    ("nodes", "."),
    ("version", "line"),
    ("config cpu", "."),
    ("fetch load", "."),
    ("fetch memory", "."),
    ("bogus", "line"),
    ("fetch nosuch", "."),
    ("quit", "eof"),
]
s = socket.create_connection((host, port), timeout=30)
f = s.makefile("rb")


def readline():
    l = f.readline()
    return l.decode() if l else None


def norm(line):
    line = re.sub(re.escape(name), "HOST", line.rstrip("\n"), flags=re.I)
    m = re.match(r"^([A-Za-z0-9_]+)\.value (\S+)$", line)
    if m:
        v = m.group(2)
        return m.group(1) + ".value " + ("U" if v == "U" else
                                         "NUM" if re.match(r"^-?[0-9.eE+-]+$", v) else v)
    return line.rstrip()


out = []
banner = readline()
if banner is None:
    sys.exit("node_session: no banner")
out.append(norm(banner))
for cmd, end in SESSION:
    s.sendall((cmd + "\n").encode())
    out.append("> " + cmd)
    lines = []
    while True:
        l = readline()
        if l is None:
            if end != "eof":
                sys.exit("node_session: %s: the node closed" % cmd)
            break
        lines.append(norm(l))
        if end == "line" or (end == "." and l == ".\n"):
            break
    if cmd == "list":
        names = [n for n in lines[0].split() if not only or n in only]
        lines = [" ".join(sorted(names))]
    elif cmd.startswith("fetch") and len(lines) > 2:
        lines = sorted(lines[:-1]) + ["."]  # order carries no meaning
    elif cmd.startswith("config") and len(lines) > 2:
        lines = sorted(l.split(" ", 1)[0] for l in lines[:-1]) + ["."]
    out.extend(lines)
print("\n".join(out))
