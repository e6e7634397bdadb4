/*
 * pcap_send: the traffic bench/pcap.sh captures: COUNT Ethernet frames sent
 * on interface IF through an AF_PACKET socket with sendmmsg, at RATE
 * frames per second (0: flat out), paced by batches against the monotonic
 * clock.
 *
 *   pcap_send IF COUNT RATE
 *
 * The mix, per 100 frames: 1 DHCP (DISCOVER, REQUEST, OFFER and ACK in
 * turn, 342-byte BOOTP frames on UDP 67/68), 29 UDP frames of 128 bytes
 * (DNS-sized, port 53), 35 TCP frames of 1514 bytes (full-MSS data) and 35
 * of 66 bytes (ACKs), between 16 guest MACs (52:54:00:00:00:01..10), with
 * good IPv4 header and UDP checksums: about 590 bytes a frame.  The frames
 * are the same on every run.
 *
 * Prints "sent N seconds S user U sys Y errors E": S the wall time of the
 * sending, U and Y this process's CPU seconds (getrusage; with tick
 * accounting the softirq that delivers each frame to the peer's packet
 * sockets, the BPF filters included, is charged here).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "plugins/pcap_frame.h"

#define MIX 100	 /* frames in one round of the mix */
#define BATCH 32 /* frames per sendmmsg */
#define FRAME_MAX 1514

struct frame {
	uint8_t b[FRAME_MAX];
	size_t len;
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

static void
mac(uint8_t *p, unsigned guest)
{
	static const uint8_t base[PCAP_MAC_LEN] = {0x52, 0x54, 0, 0, 0, 0};

	memcpy(p, base, PCAP_MAC_LEN);
	p[5] = (uint8_t)(1 + guest % 16);
}

/*
 * An IPv4 frame of len bytes from guest src to dst (dst -1: broadcast),
 * protocol proto, ports sport -> dport; UDP gets its length and checksum.
 * Returns the payload's offset.
 */
static size_t
ipv4(struct frame *f, size_t len, int src, int dst, uint8_t proto,
    uint16_t sport, uint16_t dport)
{
	uint8_t *e = f->b, *ip = e + 14, *l4 = ip + 20;
	uint32_t saddr = src < 0 ? 0 : 0x0a000001u + (uint32_t)src;
	uint32_t daddr = dst < 0 ? 0xffffffffu : 0x0a000001u + (uint32_t)dst;

	memset(f->b, 0, sizeof(f->b));
	f->len = len;
	if (dst < 0)
		memset(e, 0xff, PCAP_MAC_LEN);
	else
		mac(e, (unsigned)dst);
	mac(e + 6, (unsigned)(src < 0 ? 0 : src));
	put16(e + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(len - 14));
	put16(ip + 4, (uint16_t)(len * 7));
	ip[8] = 64;
	ip[9] = proto;
	put32(ip + 12, saddr);
	put32(ip + 16, daddr);
	put16(ip + 10, (uint16_t)~pcap_csum_fold(pcap_csum_add(0, ip, 20)));
	put16(l4, sport);
	put16(l4 + 2, dport);
	if (proto == 6) {
		l4[12] = 5 << 4;
		l4[13] = 0x10; /* ACK */
		put16(l4 + 14, 65535);
		return 14 + 20 + 20;
	}
	put16(l4 + 4, (uint16_t)(len - 34));
	return 14 + 20 + 8;
}

static void
udp_csum(struct frame *f)
{
	uint8_t *ip = f->b + 14, *l4 = ip + 20;
	size_t ulen = f->len - 34;
	uint8_t pseudo[4] = {0, 17, 0, 0};
	uint32_t s;
	uint16_t c;

	put16(pseudo + 2, (uint16_t)ulen);
	s = pcap_csum_add(0, ip + 12, 8);
	s = pcap_csum_add(s, pseudo, 4);
	s = pcap_csum_add(s, l4, ulen);
	c = (uint16_t)~pcap_csum_fold(s);
	put16(l4 + 6, c == 0 ? 0xffff : c);
}

static void
dhcp(struct frame *f, unsigned k)
{
	static const uint8_t types[] = {1, 2, 3, 5};
	uint8_t type = types[k % 4];
	int client = (int)(k % 16), server = 15;
	bool reply = type == 2 || type == 5;
	uint8_t *b;

	b = f->b + ipv4(f, 342, reply ? server : -1, reply ? client : -1, 17,
		       reply ? 67 : 68, reply ? 68 : 67);
	b[0] = reply ? 2 : 1;
	b[1] = 1;
	b[2] = PCAP_MAC_LEN;
	put32(b + 4, 0x1000u + k / 4);
	mac(b + 28, (unsigned)client);
	put32(b + 236, 0x63825363u);
	b[240] = 53;
	b[241] = 1;
	b[242] = type;
	b[243] = 255;
	udp_csum(f);
}

static void
mix(struct frame *m)
{
	unsigned i;

	for (i = 0; i < MIX; i++) {
		struct frame *f = &m[i];
		int a = (int)(i % 16), z = (int)((i * 7 + 3) % 16);

		if (z == a)
			z = (z + 1) % 16;
		if (i == 50)
			dhcp(f, 0);
		else if (i % 10 < 3)
			ipv4(f, 128, a, z, 17, 40000 + (uint16_t)i, 53),
			    udp_csum(f);
		else if (i % 2 == 0)
			ipv4(f, 1514, a, z, 6, 443, 50000 + (uint16_t)i);
		else
			ipv4(f, 66, z, a, 6, 50000 + (uint16_t)i, 443);
	}
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
tv(struct timeval t)
{
	return (double)t.tv_sec + (double)t.tv_usec / 1e6;
}

int
main(int argc, char *argv[])
{
	static struct frame m[MIX * 4];
	struct mmsghdr msg[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_ll sll = {0};
	unsigned long long count, sent = 0, errors = 0;
	double rate, t0, t;
	struct rusage ru;
	int fd, one = 1;
	unsigned i, k;

	if (argc != 4) {
		fprintf(stderr, "usage: pcap_send IF COUNT RATE\n");
		return 2;
	}
	count = strtoull(argv[2], NULL, 10);
	rate = strtod(argv[3], NULL);
	/* four rounds, so that the DHCP frame goes through its four types */
	mix(m);
	for (k = 1; k < 4; k++) {
		memcpy(&m[k * MIX], m, MIX * sizeof(m[0]));
		dhcp(&m[k * MIX + 50], k);
	}
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd == -1) {
		perror("pcap_send: socket");
		return 1;
	}
	sll.sll_family = AF_PACKET;
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	if (sll.sll_ifindex == 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		fprintf(
		    stderr, "pcap_send: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	/* straight to the driver, as a traffic generator would */
	(void)setsockopt(
	    fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one));
	memset(msg, 0, sizeof(msg));
	t0 = now();
	while (sent < count) {
		unsigned n =
		    count - sent < BATCH ? (unsigned)(count - sent) : BATCH;
		int r;

		if (rate > 0) {
			double due = t0 + (double)sent / rate;
			struct timespec ts;

			if (due > now()) {
				ts.tv_sec = (time_t)due;
				ts.tv_nsec =
				    (long)((due - (double)ts.tv_sec) * 1e9);
				clock_nanosleep(
				    CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
			}
		}
		for (i = 0; i < n; i++) {
			struct frame *f = &m[(sent + i) % (MIX * 4)];

			iov[i].iov_base = f->b;
			iov[i].iov_len = f->len;
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
		}
		r = sendmmsg(fd, msg, n, 0);
		if (r <= 0) {
			if (r == -1 && errno != ENOBUFS && errno != EAGAIN &&
			    errno != EINTR) {
				perror("pcap_send: sendmmsg");
				return 1;
			}
			errors++;
			continue;
		}
		sent += (unsigned)r;
	}
	t = now() - t0;
	getrusage(RUSAGE_SELF, &ru);
	printf("sent %llu seconds %.3f user %.3f sys %.3f errors %llu\n", sent,
	    t, tv(ru.ru_utime), tv(ru.ru_stime), errors);
	close(fd);
	return 0;
}
