#!/usr/bin/python3
"""A simulated Victron MPPT on a serial port (a pty's far end).

vedirect_writer.py PORT CONTROL STATE

Sends a VE.Direct text block every 0.2 s, with a hex message between
blocks now and then.  CONTROL is a file the test rewrites:
  good MV   blocks with battery voltage MV millivolts (checksums right)
  bad       one block with a wrong checksum, then good ones again
  cut       half a block, cut mid-line; then close the port and exit 0
After each block STATE holds "SENT KIND" (a count and what went last).
"""
import os
import sys
import time
import tty


def block(mv, wrong=False):
    fields = [("PID", "0xA053"), ("FW", "159"), ("SER#", "HQ2132TEST1"),
              ("V", str(mv)), ("I", "-1500"), ("VPV", "18500"),
              ("PPV", "37"), ("CS", "3"), ("MPPT", "2"), ("ERR", "0"),
              ("LOAD", "ON"), ("IL", "300"), ("H19", "1234"),
              ("H20", "12"), ("H21", "80"), ("H22", "15"), ("H23", "90"),
              ("HSDS", "12")]
    body = b"".join(b"\r\n%s\t%s" % (k.encode(), v.encode())
                    for k, v in fields) + b"\r\nChecksum\t"
    ck = (256 - sum(body) % 256) % 256
    if wrong:
        ck = (ck + 1) % 256
    return body + bytes([ck])


def main():
    port, control, state = sys.argv[1:4]
    fd = os.open(port, os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    sent = 0
    mv = 12800
    while True:
        try:
            with open(control) as f:
                cmd = f.read().split()
        except FileNotFoundError:
            cmd = ["good", str(mv)]
        kind = cmd[0] if cmd else "good"
        if kind == "good":
            mv = int(cmd[1])
            os.write(fd, block(mv))
        elif kind == "bad":
            os.write(fd, block(mv, wrong=True))
            with open(control + ".tmp", "w") as f:
                f.write("good %d\n" % mv)
            os.rename(control + ".tmp", control)
        elif kind == "cut":
            b = block(mv)
            os.write(fd, b[:b.index(b"\r\nV\t") + 6])
            time.sleep(0.2)
            os.close(fd)
            return 0
        sent += 1
        if sent % 3 == 0:
            os.write(fd, b":A0102000543\n")
        with open(state + ".tmp", "w") as f:
            f.write("%d %s\n" % (sent, kind))
        os.rename(state + ".tmp", state)
        time.sleep(0.2)


if __name__ == "__main__":
    sys.exit(main())
