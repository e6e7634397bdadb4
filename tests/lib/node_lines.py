#!/usr/bin/env python3
"""node_lines.py HOST PORT LINE...: one munin-node session.

Sends each LINE (after reading the banner), reads its answer (one line
for list/nodes/version/cap, up to a "." line for config/fetch), and
prints every answer line.  Exits 0; 1 when the node closes early or no
answer comes in 60 s."""
import socket
import sys

MULTI = ("config", "fetch", "nodes")


def main():
    host, port, lines = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    s = socket.create_connection((host, port), timeout=60)
    f = s.makefile("rb")
    banner = f.readline()
    if not banner:
        return 1
    sys.stdout.write(banner.decode("utf-8", "replace"))
    for line in lines:
        s.sendall(line.encode() + b"\n")
        if line == "quit":
            break
        multi = line.split(" ")[0] in MULTI
        while True:
            got = f.readline()
            if not got:
                return 1
            text = got.decode("utf-8", "replace")
            sys.stdout.write(text)
            if not multi or text == ".\n":
                break
        sys.stdout.flush()
    s.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (OSError, socket.timeout) as e:
        print("node_session: %s" % e, file=sys.stderr)
        sys.exit(1)
