/*
 * pcap_frame: decoding one captured Ethernet frame (see pcap_frame.h).
 * Every read is checked against caplen first; offsets are size_t and
 * only grow by amounts that were checked.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "plugins/pcap_frame.h"

#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_8021Q 0x8100
#define ETHERTYPE_8021AD 0x88a8
#define ETHERTYPE_QINQ_OLD 0x9100
#define IPPROTO_UDP_ 17
#define UDP_HLEN 8
#define BOOTP_FIXED 236	  /* op .. file, before the magic cookie */
#define BOOTP_OPTIONS 240 /* after the cookie */
#define BOOTP_CHADDR 28

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

const char *
pcap_dhcp_type_str(unsigned type)
{
	static const char *const names[PCAP_DHCP_TYPES] = {"NONE", "DISCOVER",
	    "OFFER", "REQUEST", "DECLINE", "ACK", "NAK", "RELEASE", "INFORM"};

	return type < PCAP_DHCP_TYPES ? names[type] : "OTHER";
}

bool
pcap_mac_group(const uint8_t mac[PCAP_MAC_LEN])
{
	return (mac[0] & 1) != 0;
}

uint32_t
pcap_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	uint64_t acc = sum;
	size_t i;

	/* 64 bits hold 2^48 words before a carry could be lost: no folding
	 * inside the loop for any frame */
	for (i = 0; i + 1 < n; i += 2)
		acc += rd16(p + i);
	if (n & 1)
		acc += (uint32_t)p[n - 1] << 8;
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	return (uint32_t)acc;
}

uint16_t
pcap_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* The options from p[0..n): 53, 50, 54 and 52; bounded by n. */
static void
dhcp_options(const uint8_t *p, size_t n, struct pcap_dhcp *d)
{
	size_t i = 0, olen;
	uint8_t code;

	while (i < n) {
		code = p[i++];
		if (code == 0) /* pad */
			continue;
		if (code == 255) /* end */
			return;
		if (i >= n)
			goto bad;
		olen = p[i++];
		if (olen > n - i)
			goto bad;
		switch (code) {
		case 53:
			if (olen >= 1)
				d->type = p[i];
			break;
		case 50:
			if (olen >= 4) {
				d->has_requested_ip = true;
				d->requested_ip = rd32(p + i);
			}
			break;
		case 54:
			if (olen >= 4) {
				d->has_server_id = true;
				d->server_id = rd32(p + i);
			}
			break;
		case 52:
			d->overload = true;
			break;
		default:
			break;
		}
		i += olen;
	}
	/* no end option: tolerated, as clients do */
	return;
bad:
	d->bad_options = true;
}

/* A BOOTP message of n bytes at p (all captured); false if too short. */
static bool
bootp_decode(const uint8_t *p, size_t n, struct pcap_dhcp *d)
{
	static const uint8_t cookie[4] = {99, 130, 83, 99};

	if (n < BOOTP_FIXED)
		return false;
	d->op = p[0];
	d->htype = p[1];
	d->hlen = p[2];
	d->xid = rd32(p + 4);
	memcpy(d->chaddr, p + BOOTP_CHADDR, PCAP_MAC_LEN);
	if (n < BOOTP_OPTIONS || memcmp(p + BOOTP_FIXED, cookie, 4) != 0) {
		/* plain BOOTP has no cookie; a cut one cannot be told */
		d->bad_options = n >= BOOTP_OPTIONS;
		return true;
	}
	dhcp_options(p + BOOTP_OPTIONS, n - BOOTP_OPTIONS, d);
	return true;
}

/* The UDP datagram of ulen bytes (as the IPv4 header bounds it) at p, of
 * which cap were captured; ip is the IPv4 header for the pseudo-header. */
static void
udp_decode(const uint8_t *ip, const uint8_t *p, size_t ulen, size_t cap,
    bool fragment, struct pcap_frame *f)
{
	size_t dlen;
	uint32_t sum;
	bool bootp;

	if (cap < UDP_HLEN || ulen < UDP_HLEN) {
		f->truncated = true;
		return;
	}
	f->udp = true;
	f->sport = rd16(p);
	f->dport = rd16(p + 2);
	dlen = rd16(p + 4);
	if (dlen < UDP_HLEN || dlen > ulen) {
		/* a length the IP datagram cannot hold */
		f->truncated = true;
		return;
	}
	bootp = (f->sport == PCAP_DHCP_SERVER_PORT ||
		    f->sport == PCAP_DHCP_CLIENT_PORT) &&
		(f->dport == PCAP_DHCP_SERVER_PORT ||
		    f->dport == PCAP_DHCP_CLIENT_PORT) &&
		!fragment;
	if (dlen > cap) {
		/* the snaplen cut it: matters only for BOOTP */
		if (bootp)
			f->truncated = true;
		return;
	}
	if (fragment)
		return;
	if (rd16(p + 6) == 0) {
		f->udp_csum = PCAP_CSUM_NONE;
	} else {
		sum = pcap_csum_add(0, ip + 12, 8); /* source, destination */
		sum += IPPROTO_UDP_;
		sum += (uint32_t)dlen;
		sum = pcap_csum_add(sum, p, dlen);
		f->udp_csum = pcap_csum_fold(sum) == 0xffff ? PCAP_CSUM_OK
							    : PCAP_CSUM_BAD;
	}
	if (bootp)
		f->is_dhcp =
		    bootp_decode(p + UDP_HLEN, dlen - UDP_HLEN, &f->dhcp);
}

/* The IPv4 packet at buf + off (off <= caplen). */
static void
ipv4_decode(const uint8_t *buf, size_t caplen, size_t len, size_t off,
    struct pcap_frame *f)
{
	const uint8_t *ip = buf + off;
	size_t cap = caplen - off, wire = len > off ? len - off : 0;
	size_t ihl, total;
	uint16_t frag;

	if (cap < 20) {
		f->truncated = true;
		return;
	}
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if ((ip[0] >> 4) != 4 || ihl < 20) {
		/* a header that cannot be checked is a bad one */
		f->ip_csum = PCAP_CSUM_BAD;
		return;
	}
	if (cap < ihl) {
		f->truncated = true;
		return;
	}
	f->ip_csum = pcap_csum_fold(pcap_csum_add(0, ip, ihl)) == 0xffff
			 ? PCAP_CSUM_OK
			 : PCAP_CSUM_BAD;
	f->ip_proto = ip[9];
	f->ip_src = rd32(ip + 12);
	f->ip_dst = rd32(ip + 16);
	total = rd16(ip + 2);
	if (total < ihl || total > wire) {
		/* shorter on the wire than the header says */
		f->truncated = true;
		return;
	}
	if (f->ip_csum != PCAP_CSUM_OK || f->ip_proto != IPPROTO_UDP_)
		return;
	frag = rd16(ip + 6);
	udp_decode(ip, ip + ihl, total - ihl,
	    cap - ihl < total - ihl ? cap - ihl : total - ihl,
	    (frag & 0x3fff) != 0, f);
}

int
pcap_frame_decode(
    const uint8_t *buf, size_t caplen, size_t len, struct pcap_frame *f)
{
	size_t off = 12;
	uint16_t type;

	memset(f, 0, sizeof(*f));
	if (len < caplen)
		len = caplen; /* a lying header: trust what is there */
	if (caplen < ETH_HLEN) {
		f->truncated = true;
		errno = EINVAL;
		return -1;
	}
	memcpy(f->dst, buf, PCAP_MAC_LEN);
	memcpy(f->src, buf + PCAP_MAC_LEN, PCAP_MAC_LEN);
	type = rd16(buf + off);
	off += 2;
	while (type == ETHERTYPE_8021Q || type == ETHERTYPE_8021AD ||
	       type == ETHERTYPE_QINQ_OLD) {
		if (f->vlans == PCAP_VLANS_MAX) {
			f->ethertype = type;
			return 0;
		}
		if (caplen - off < 4) {
			f->truncated = true;
			return 0;
		}
		f->vlan_id[f->vlans++] = rd16(buf + off) & 0x0fff;
		type = rd16(buf + off + 2);
		off += 4;
	}
	f->ethertype = type;
	if (type == ETHERTYPE_IPV4) {
		f->l3 = PCAP_L3_IPV4;
		ipv4_decode(buf, caplen, len, off, f);
	} else if (type == ETHERTYPE_IPV6) {
		f->l3 = PCAP_L3_IPV6;
	}
	return 0;
}
