#!/usr/bin/python3
"""A UDP relay in front of a BMC that goes silent mid-session.

    udp_slow.py LISTEN_PORT BMC_PORT DELAY_MS

Relays each client's requests to 127.0.0.1:BMC_PORT and holds every
answer DELAY_MS before passing it back: a BMC that is alive but slow, so
every request succeeds within the retransmission timeout while a whole
read takes far longer than its deadline.
"""
import asyncio, sys

listen, bmc, delay = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) / 1000


class Upstream(asyncio.DatagramProtocol):
    def __init__(self, front, client):
        self.front, self.client = front, client

    def datagram_received(self, data, addr):
        loop.call_later(delay, self.front.transport.sendto, data, self.client)


class Front(asyncio.DatagramProtocol):
    def __init__(self):
        self.up = {}

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        if addr not in self.up:
            self.up[addr] = asyncio.ensure_future(loop.create_datagram_endpoint(
                lambda: Upstream(self, addr), remote_addr=("127.0.0.1", bmc)))
        fut = self.up[addr]
        fut.add_done_callback(lambda f: f.result()[0].sendto(data))


loop = asyncio.new_event_loop()
loop.run_until_complete(loop.create_datagram_endpoint(Front, local_addr=("127.0.0.1", listen)))
loop.run_forever()
