#!/usr/bin/python3
"""A hostile munin-node for drover's integration tests (stdlib only).

    hostile_node.py PORT_FILE [--fields N] [--plugins a,b,...]

Listens on 127.0.0.1 (a free port, written to PORT_FILE once it
listens) and answers every connection as a munin-node whose plugins
attack the master.  --plugins picks them (default: all but endless):
  huge       N fields (--fields, default 100000: about 2 MB, under the
             4 MiB reply cap) in config and fetch
  many       N/2 multigraph children of one field each
  longnames  10 kB field, graph-key and multigraph names, a 10 kB value
             line, and one good field "ok"; the list also carries a
             10 kB plugin name
  paths      plugin names "../../../../escape" and "a/b", field names
             with "/" and "..", multigraph names with "/" and ".."
  escapes    ESC, BEL, CR and NUL in plugin, field and graph names,
             labels and values
  endless    a config that never ends (lines as fast as the reader takes
             them, never the "." line)
Unknown plugins answer an empty reply.  PORT_FILE.stats (JSON, rewritten
atomically as they change) counts "connections" and "quits" (polls the
master finished).  SIGTERM ends it.
"""
import asyncio, os, signal, sys

args = sys.argv[1:]
port_file = args[0]
fields = 100000
plugins = ["longnames", "paths", "escapes", "huge", "many"]
i = 1
while i < len(args):
    if args[i] == "--fields":
        fields = int(args[i + 1]); i += 2
    elif args[i] == "--plugins":
        plugins = args[i + 1].split(","); i += 2
    else:
        sys.exit("hostile_node.py: unknown option %s" % args[i])

stats = {"connections": 0, "quits": 0}


def count(key):
    stats[key] += 1
    tmp = port_file + ".stats.tmp"
    with open(tmp, "w") as f:
        f.write('{"connections": %d, "quits": %d}\n'
                % (stats["connections"], stats["quits"]))
    os.rename(tmp, port_file + ".stats")


LONG = "A" * 10240
ESC = "\x1b[31m\x07"
listed = []
for p in plugins:
    if p == "paths":
        listed += ["../../../../escape", "a/b"]
    elif p == "escapes":
        listed.append("esc" + ESC)
    elif p == "longnames":
        listed += ["longnames", "L" * 10240]
    else:
        listed.append(p)


def config(p):
    if p == "huge":
        return "graph_title huge\n" + "".join(
            "f%d.label field %d\n" % (i, i) for i in range(fields))
    if p == "many":
        return "".join("multigraph many.c%d\nx.label x\n" % i
                       for i in range(fields // 2))
    if p == "longnames":
        return ("graph_title long\nok.label ok\n%s.label long\n"
                "graph_%s v\nmultigraph %s\nz.label z\n" % (LONG, LONG, LONG))
    if p.startswith("../") or p == "a/b":
        return ("graph_title paths\n/etc/passwd.label pw\n"
                "a/../../b.label up\nok.label ok\n"
                "multigraph a/b\nx.label x\nmultigraph ../../etc\ny.label y\n")
    if p.startswith("esc"):
        return ("graph_title %s title\n%sf.label %s label\x00nul\r\n"
                "ok.label ok\n" % (ESC, ESC, ESC))
    return ""


def fetch(p):
    if p == "huge":
        return "".join("f%d.value %d\n" % (i, i) for i in range(fields))
    if p == "many":
        return "".join("multigraph many.c%d\nx.value 1\n" % i
                       for i in range(fields // 2))
    if p == "longnames":
        return "ok.value 1\n%s.value 2\n" % LONG
    if p.startswith("../") or p == "a/b":
        return "/etc/passwd.value 1\na/../../b.value 2\nok.value 3\n"
    if p.startswith("esc"):
        return "%sf.value 1\nok.value %s2\n" % (ESC, ESC)
    return ""


async def serve(r, w):
    count("connections")
    try:
        w.write(b"# munin node at hostile\n")
        while True:
            line = await r.readline()
            if not line:
                return
            cmd = line.decode(errors="replace").strip().split(None, 1)
            if not cmd:
                continue
            arg = cmd[1] if len(cmd) > 1 else ""
            if cmd[0] == "cap":
                w.write(b"cap multigraph dirtyconfig\n")
            elif cmd[0] == "list":
                w.write((" ".join(listed) + "\n").encode())
            elif cmd[0] == "config" and arg == "endless":
                i = 0
                while True:
                    w.write(b"".join(b"e%d.label endless\n" % (i + j)
                                     for j in range(1000)))
                    i += 1000
                    await w.drain()
            elif cmd[0] == "config":
                w.write((config(arg) + ".\n").encode())
            elif cmd[0] == "fetch":
                w.write((fetch(arg) + ".\n").encode())
            elif cmd[0] == "quit":
                count("quits")
                return
            else:
                w.write(b"# Unknown command\n")
            await w.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            w.close()
        except Exception:
            pass


async def main():
    srv = await asyncio.start_server(serve, "127.0.0.1", 0,
                                     reuse_address=True)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.sockets[0].getsockname()[1])
    os.rename(tmp, port_file)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    await stop.wait()


asyncio.run(main())
