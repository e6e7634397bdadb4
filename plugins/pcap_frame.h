/*
 * pcap_frame: one captured Ethernet frame (DLT_EN10MB) decoded for the
 * capture counters (plugins/pcap_count.h): its MAC addresses, up to two
 * VLAN tags (802.1Q 0x8100, 802.1ad 0x88a8, the old QinQ 0x9100), and for
 * IPv4 whether the header and UDP checksums hold, and for BOOTP/DHCP over
 * UDP ports 67 and 68 the fields DHCP health is measured by.  IPv6 is
 * recognised (its frames are counted as traffic) but not checked.
 *
 * A pure function over the captured bytes: caplen bytes at buf, of a
 * frame len bytes long on the wire (pcap's caplen and len).  Nothing is
 * read past caplen.
 *
 * Truncation: a frame is truncated when the bytes that what its headers
 * say (the Ethernet header and tags, the IPv4 header, the IPv4 total
 * length, the UDP length) are not there, either because the frame was
 * short on the wire (len) or because the capture cut it (caplen), where
 * the cut hides what is decoded: the Ethernet and IPv4 headers, the UDP
 * header, and a whole BOOTP datagram.  A non-BOOTP UDP datagram cut by a
 * snaplen the operator chose is not truncated: its checksum is just not
 * checked (PCAP_CSUM_UNCHECKED).
 */
#ifndef DROVER_PCAP_FRAME_H
#define DROVER_PCAP_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCAP_MAC_LEN 6
#define PCAP_VLANS_MAX 2 /* tags decoded; a third makes the frame "other" */

#define PCAP_DHCP_SERVER_PORT 67
#define PCAP_DHCP_CLIENT_PORT 68

/* DHCP message types, option 53 (RFC 2132 §9.6). */
enum pcap_dhcp_type {
	PCAP_DHCP_NONE = 0, /* no option 53: plain BOOTP */
	PCAP_DHCP_DISCOVER = 1,
	PCAP_DHCP_OFFER = 2,
	PCAP_DHCP_REQUEST = 3,
	PCAP_DHCP_DECLINE = 4,
	PCAP_DHCP_ACK = 5,
	PCAP_DHCP_NAK = 6,
	PCAP_DHCP_RELEASE = 7,
	PCAP_DHCP_INFORM = 8,
};
#define PCAP_DHCP_TYPES 9 /* 0 .. PCAP_DHCP_INFORM */

/* "DISCOVER", ...; "NONE" for 0, "OTHER" past INFORM. */
const char *pcap_dhcp_type_str(unsigned type);

enum pcap_csum {
	PCAP_CSUM_UNCHECKED = 0, /* no such header, cut, or a fragment */
	PCAP_CSUM_OK,
	PCAP_CSUM_BAD,
	PCAP_CSUM_NONE, /* UDP over IPv4 with checksum 0: none computed */
};

enum pcap_l3 {
	PCAP_L3_OTHER = 0, /* ARP, LLDP, too many tags, ... */
	PCAP_L3_IPV4,
	PCAP_L3_IPV6,
};

/* A BOOTP message (RFC 951) and its DHCP options (RFC 2132). */
struct pcap_dhcp {
	uint8_t op;    /* 1 BOOTREQUEST, 2 BOOTREPLY */
	uint8_t htype; /* 1: Ethernet */
	uint8_t hlen;  /* chaddr's length as sent (6 for Ethernet) */
	uint32_t xid;  /* host order */
	uint8_t chaddr[PCAP_MAC_LEN]; /* the first 6 bytes of chaddr */
	uint8_t type;		      /* option 53; PCAP_DHCP_NONE without */
	bool has_requested_ip;	      /* option 50 */
	uint32_t requested_ip;	      /* host order */
	bool has_server_id;	      /* option 54 */
	uint32_t server_id;	      /* host order */
	bool overload;		      /* option 52 was present; sname and file
					 are not searched for options */
	bool bad_options;	      /* an option ran past the datagram, or
					 no magic cookie: type is then what
					 was read before */
};

struct pcap_frame {
	uint8_t dst[PCAP_MAC_LEN];
	uint8_t src[PCAP_MAC_LEN];
	unsigned vlans;			  /* tags seen, up to PCAP_VLANS_MAX */
	uint16_t vlan_id[PCAP_VLANS_MAX]; /* outermost first, 12 bits */
	uint16_t ethertype;		  /* after the tags */
	enum pcap_l3 l3;
	bool truncated; /* see the file comment */
	/* IPv4 only */
	enum pcap_csum ip_csum;
	uint8_t ip_proto;	 /* 17: UDP */
	uint32_t ip_src, ip_dst; /* host order */
	bool udp;		 /* a UDP header was decoded */
	uint16_t sport, dport;
	enum pcap_csum udp_csum;
	bool is_dhcp; /* a BOOTP datagram on ports 67/68; dhcp is set */
	struct pcap_dhcp dhcp;
};

/*
 * Decodes the frame of caplen captured bytes at buf (len bytes on the
 * wire) into *f, which it overwrites.  0; -1 (errno EINVAL) when fewer
 * than an Ethernet header's 14 bytes were captured (f is then zeroed but
 * for truncated, set).
 */
int pcap_frame_decode(
    const uint8_t *buf, size_t caplen, size_t len, struct pcap_frame *f);

/* Whether mac is a group (broadcast or multicast) address. */
bool pcap_mac_group(const uint8_t mac[PCAP_MAC_LEN]);

/* The 16-bit one's complement sum of n bytes at p added to sum (RFC
 * 1071), folded to 16 bits but not inverted, so that a caller may add a
 * few more 16-bit words before pcap_csum_fold; an odd last byte is padded
 * with zero. */
uint32_t pcap_csum_add(uint32_t sum, const uint8_t *p, size_t n);
/* Folds sum to 16 bits. */
uint16_t pcap_csum_fold(uint32_t sum);

#endif
