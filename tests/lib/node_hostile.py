#!/usr/bin/python3
"""node_hostile.py MODE HOST PORT: hostile clients of a munin-node
(drover node), each checking that the node bounds it.  Exits 0 when it
did, 1 with the reason when not.  Deadlines only bound a hang.

  nobanner    the node closes the connection without a byte (a client
              node_allow does not permit)
  overlong    a 64 KiB line without a newline: the node drops the client
  flood N     a good client connects; N more connect at once: some are
              closed at once (the cap), the rest get the banner; the good
              client's list and fetch are answered meanwhile, and a new
              client is served once the flood is gone
  slowreader  one client sends "config cpu" over and over and never reads
              its answers; while its socket is full, another client's
              session is answered; the reader is dropped in the end
"""
import socket
import sys
import threading
import time

DEADLINE = 60  # s, bounds a hang only


def connect(host, port):
    s = socket.create_connection((host, port), timeout=DEADLINE)
    return s


def readline(f):
    l = f.readline()
    if not l:
        raise EOFError("the node closed")
    return l.decode()


def session(host, port):
    """A good client: banner, list, fetch load; returns the list."""
    s = connect(host, port)
    f = s.makefile("rb")
    if not readline(f).startswith("# munin node at "):
        raise AssertionError("no banner")
    s.sendall(b"list\n")
    names = readline(f).split()
    s.sendall(b"fetch load\n")
    if not readline(f).startswith("load.value "):
        raise AssertionError("no load value")
    if readline(f) != ".\n":
        raise AssertionError("fetch did not end with .")
    s.sendall(b"quit\n")
    s.close()
    return names


def closed_without_banner(s):
    try:
        data = s.recv(100)
    except ConnectionResetError:
        return True
    return data == b""


def main():
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "nobanner":
        s = connect(host, port)
        if not closed_without_banner(s):
            sys.exit("the node sent something to a client it should refuse")
        print("closed without a banner")
    elif mode == "overlong":
        s = connect(host, port)
        f = s.makefile("rb")
        readline(f)
        try:
            s.sendall(b"x" * 65536)
            data = s.recv(100)
        except (ConnectionResetError, BrokenPipeError):
            data = b""
        if data != b"":
            sys.exit("an overlong line was answered: %r" % data)
        print("dropped on an overlong line")
    elif mode == "flood":
        n = int(sys.argv[4])
        good = connect(host, port)
        gf = good.makefile("rb")
        readline(gf)
        flood = [socket.create_connection((host, port), timeout=DEADLINE)
                 for _ in range(n)]
        banners = refused = 0
        for s in flood:
            try:
                data = s.recv(100)
            except ConnectionResetError:
                data = b""
            if data.startswith(b"# munin node at "):
                banners += 1
            elif data == b"":
                refused += 1
            else:
                sys.exit("unexpected %r" % data)
        # the good client is still served, the flood still open
        good.sendall(b"fetch load\n")
        if not readline(gf).startswith("load.value "):
            sys.exit("the good client got no answer during the flood")
        readline(gf)
        print("flood of %d: %d banners, %d closed at once" %
              (n, banners, refused))
        if refused == 0 or banners == 0:
            sys.exit("the connections were not bounded")
        for s in flood:
            s.close()
        good.close()
        # slots come free as the node sees the closes
        t0 = time.monotonic()
        while True:
            try:
                session(host, port)
                break
            except (EOFError, AssertionError, ConnectionError):
                if time.monotonic() - t0 > DEADLINE:
                    raise
                time.sleep(0.1)
        print("served again after the flood")
    elif mode == "slowreader":
        s = connect(host, port)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        dropped = threading.Event()
        full = threading.Event()

        def pump():
            line = b"config cpu\n" * 100
            s.settimeout(0.5)
            try:
                while True:
                    try:
                        s.sendall(line)
                    except socket.timeout:
                        full.set()  # both directions are full
                        s.settimeout(DEADLINE)
            except OSError:
                dropped.set()
        t = threading.Thread(target=pump, daemon=True)
        t.start()
        # served while the reader's answers pile up
        session(host, port)
        print("another client served while the slow reader's socket fills")
        if not dropped.wait(DEADLINE):
            sys.exit("the slow reader was never dropped")
        print("the slow reader was dropped")
    else:
        sys.exit("unknown mode " + mode)


main()
