#!/usr/bin/python3
"""A slowloris client for tests and benchmarks: loopback only, bounded.

slowloris.py PORT STATS [--conns N] [--addrs A] [--period S] [--reconnect]
             [--stop FILE] [--max-seconds S]

Opens N connections to 127.0.0.1:PORT, spread over the source addresses
127.0.0.2 .. 127.0.0.(A+1) (127.0.0.1 stays free for the real user), sends
a request line at once, then one more header byte on every connection every
S seconds, never the blank line that ends the head.  With --reconnect every
connection the server closes is opened again at the next round (a
slowloris that keeps up its count); without it, it stays closed.

Runs until every connection has been closed by the server (without
--reconnect), FILE exists (--stop), or --max-seconds pass (a bound on a
hang, not a measurement).  STATS (JSON) is rewritten every round and at
the end:
  opened     connections opened (including reopened ones)
  connected  of those, whose TCP handshake completed
  closed     of those, closed by the server (EOF, reset, broken pipe)
  open       connections still open now
  rounds     trickle rounds done
  ended      "all closed", "stopped" or "bound" (only at the end)
Exit status 0, or 1 when a connection could not even be opened.
"""
import argparse
import errno
import json
import os
import selectors
import socket
import sys
import time

HEADER = b"X-Slow: " + b"a" * 60000  # trickled one byte per round


class Conn:
    def __init__(self, addr):
        self.addr = addr
        self.sock = None
        self.sent = 0  # header bytes trickled
        self.connected = False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("stats")
    ap.add_argument("--conns", type=int, default=800)
    ap.add_argument("--addrs", type=int, default=20)
    ap.add_argument("--period", type=float, default=4.0)
    ap.add_argument("--reconnect", action="store_true")
    ap.add_argument("--stop")
    ap.add_argument("--max-seconds", type=float, default=120)
    a = ap.parse_args()

    sel = selectors.DefaultSelector()
    st = {"opened": 0, "connected": 0, "closed": 0, "open": 0, "rounds": 0}
    conns = [Conn("127.0.0.%d" % (2 + i % a.addrs)) for i in range(a.conns)]

    def write_stats(ended=None):
        st["open"] = sum(1 for c in conns if c.sock is not None)
        if ended:
            st["ended"] = ended
        tmp = a.stats + ".tmp"
        with open(tmp, "w") as f:
            json.dump(st, f)
        os.replace(tmp, a.stats)

    def start(c):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((c.addr, 0))
        s.setblocking(False)
        rc = s.connect_ex(("127.0.0.1", a.port))
        if rc not in (0, errno.EINPROGRESS):
            s.close()
            raise OSError(rc, os.strerror(rc))
        c.sock, c.sent, c.connected = s, 0, False
        st["opened"] += 1
        sel.register(s, selectors.EVENT_WRITE, c)

    def lost(c):
        sel.unregister(c.sock)
        c.sock.close()
        c.sock = None
        st["closed"] += 1

    def on_event(c, mask):
        if not c.connected:
            err = c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if err != 0:
                lost(c)
                return
            c.connected = True
            st["connected"] += 1
            try:
                c.sock.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            except OSError:
                lost(c)
                return
            sel.modify(c.sock, selectors.EVENT_READ, c)
            return
        try:
            data = c.sock.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:  # an answer (the server gave up) is as good as EOF
            lost(c)

    def trickle(c):
        if c.sock is None or not c.connected:
            return
        try:
            c.sock.send(HEADER[c.sent % len(HEADER):][:1])
            c.sent += 1
        except BlockingIOError:
            pass
        except OSError:
            lost(c)

    t0 = time.monotonic()
    try:
        for c in conns:
            start(c)
    except OSError as e:
        print("slowloris: cannot open a connection: %s" % e, file=sys.stderr)
        return 1
    write_stats()
    next_round = t0 + a.period
    ended = None
    while ended is None:
        now = time.monotonic()
        for key, mask in sel.select(max(0.0, min(next_round - now, 0.2))):
            if key.data.sock is not None:
                on_event(key.data, mask)
        now = time.monotonic()
        if now >= next_round:
            next_round += a.period
            for c in conns:
                if c.sock is None and a.reconnect:
                    try:
                        start(c)
                    except OSError:
                        pass
                else:
                    trickle(c)
            st["rounds"] += 1
            write_stats()
        if not a.reconnect and all(c.sock is None for c in conns):
            ended = "all closed"
        elif a.stop and os.path.exists(a.stop):
            ended = "stopped"
        elif now - t0 >= a.max_seconds:
            ended = "bound"
    for c in conns:
        if c.sock is not None:
            c.sock.close()
    write_stats(ended)
    return 0


if __name__ == "__main__":
    sys.exit(main())
