/*
 * pcap_count: one capture interface's interval counters, fed frame by
 * frame, and the services they become.  Pure: no libpcap handle, no
 * clock, no I/O; the capture source (to come) owns the handle and passes
 * each frame's timestamp, bytes and direction, and pcap_stats' numbers.
 *
 * Threads: a struct pcap_count belongs to one thread.  A capture thread
 * feeds it and hands the loop a plain copy of each interval
 * (pcap_count_take into a struct pcap_interval, under the source's lock or
 * through a queue); the loop turns that into services
 * (pcap_interval_services).  A source that reads a non-blocking handle on
 * the loop does both at once (pcap_count_services).
 *
 * What is counted per interval (everything resets at take, except the
 * MAC table's entries and the pending REQUESTs, which carry over):
 *
 * - DHCP messages by type (option 53), from BOOTP datagrams on UDP ports
 *   67/68 whose UDP checksum is not bad: a datagram with a bad checksum
 *   is dropped by its receiver, so a bad ACK is no answer.  (A frame this
 *   host sent, with ignore_outgoing, is taken as good: offload fills its
 *   checksum after the capture.)
 * - Request -> ACK latency: from the first REQUEST of an (xid, chaddr) to
 *   the ACK with the same xid and chaddr; the interval's maximum and mean.
 *   A NAK, RELEASE or DECLINE ends the wait without a latency.
 * - Unanswered clients: a client (chaddr) counts as unanswered in an
 *   interval when it sends a REQUEST of an (xid, chaddr) whose first
 *   REQUEST, at least retry_window_us earlier, has had neither ACK nor
 *   NAK; once per chaddr per interval however often it retries.  Retries
 *   closer than the window (a frame seen twice, an impatient client) do
 *   not count.  A waiting REQUEST is forgotten PCAP_DHCP_PENDING_AGE_US
 *   after its latest retransmission, or the oldest when
 *   PCAP_DHCP_PENDING_MAX are waiting.
 * - Per MAC: the frames and bytes (wire length) a MAC sent (tx: the frame's
 *   source) and received (rx: the destination, unicast only; broadcasts
 *   and multicasts count for their sender only), for up to PCAP_MACS_MAX
 *   MACs; a frame whose MAC finds the table full counts as untracked.  A
 *   MAC without traffic for PCAP_MAC_IDLE_INTERVALS intervals is dropped.
 * - Malformed: bad IPv4 header checksums, bad UDP checksums (IPv4; 0 is
 *   none), truncated frames (plugins/pcap_frame.h).  With
 *   ignore_outgoing, frames this host sent are not checked (their count
 *   is kept as "ignored").
 * - Frames, IPv4 and IPv6 frames.
 */
#ifndef DROVER_PCAP_COUNT_H
#define DROVER_PCAP_COUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/pcap_frame.h"
#include "plugins/sample.h"

/* MACs tracked per interface */
#define PCAP_MACS_MAX 1024
/* intervals without traffic, then a MAC is dropped */
#define PCAP_MAC_IDLE_INTERVALS 12
/* REQUESTs waiting for an answer */
#define PCAP_DHCP_PENDING_MAX 256
/* µs after its latest retransmission that a REQUEST is forgotten */
#define PCAP_DHCP_PENDING_AGE_US (900ULL * 1000000)
/* µs, the default retry_window_us */
#define PCAP_DHCP_RETRY_WINDOW_US (1000000ULL)

struct pcap_count_opts {
	/* Do not check frames this host sent (their checksums are left to
	 * offload and look bad on capture). */
	bool ignore_outgoing;
	/* µs after a first REQUEST from which a retry means unanswered; 0:
	 * PCAP_DHCP_RETRY_WINDOW_US. */
	uint64_t retry_window_us;
};

struct pcap_mac_count {
	uint8_t mac[PCAP_MAC_LEN];
	uint64_t rx_bytes, rx_frames; /* frames to the MAC */
	uint64_t tx_bytes, tx_frames; /* frames from the MAC */
	unsigned idle;		      /* intervals without traffic so far */
};

/* One interval's counts: plain data, copied between threads. */
struct pcap_interval {
	uint64_t dhcp[PCAP_DHCP_TYPES]; /* messages by type; [0]: BOOTP */
	uint64_t dhcp_other;		/* option 53 past INFORM */
	uint64_t unanswered;		/* clients, see the file comment */
	uint64_t latency_n;		/* ACKs with a latency */
	uint64_t latency_sum_us;
	uint64_t latency_max_us;
	uint64_t frames, bytes; /* every frame fed; wire bytes */
	uint64_t ipv4, ipv6;	/* frames */
	uint64_t bad_ip_csum, bad_udp_csum, truncated; /* frames */
	uint64_t ignored;   /* outgoing frames not checked (ignore_outgoing) */
	uint64_t untracked; /* frame ends whose MAC found the table full */
	struct pcap_mac_count mac[PCAP_MACS_MAX]; /* sorted by mac */
	size_t nmac;
};

struct pcap_count;

/* A counter with options opts (NULL: defaults); NULL on ENOMEM. */
struct pcap_count *pcap_count_new(const struct pcap_count_opts *opts);
void pcap_count_free(struct pcap_count *c);

/*
 * Counts one frame: ts_us its capture time (µs since the epoch, as pcap's
 * timestamp; only differences are used), caplen bytes at buf of len on
 * the wire, outgoing when this host sent it (PACKET_OUTGOING; the source
 * knows).
 */
void pcap_count_frame(struct pcap_count *c, uint64_t ts_us, const uint8_t *buf,
    size_t caplen, size_t len, bool outgoing);

/*
 * Moves the interval's counts into *out and starts the next interval:
 * counts zeroed, MACs idle too long dropped, pending REQUESTs kept.
 */
void pcap_count_take(struct pcap_count *c, struct pcap_interval *out);

/* pcap_stats for the capture service: cumulative since the handle was
 * opened (ps_recv, ps_drop + ps_ifdrop); has false when unread. */
struct pcap_capture_stats {
	bool has;
	uint64_t received;
	uint64_t dropped;
};

/* A guest's name for a MAC (the vm probe's, or config's). */
struct pcap_mac_name {
	uint8_t mac[PCAP_MAC_LEN];
	const char *name;
};

/* Sorts names[n] by mac, as pcap_interval_services wants them. */
void pcap_mac_names_sort(struct pcap_mac_name *names, size_t n);

/*
 * Appends the services of interval iv on interface ifname (IF below: the
 * name through Munin's plugin-name rule) to b, all with has_config set:
 *
 * pcap_dhcp_IF: discover, offer, request, decline, ack, nak, release,
 *   inform, unanswered: GAUGE, min 0, the messages (clients, for
 *   unanswered) seen in the interval.  GAUGE counts, not DERIVE rates:
 *   DHCP is a handful of messages an hour, which as rates per second
 *   read 0.0003, and the threshold is about one client, not a rate:
 *   unanswered has warning 0 (the first client whose retry went
 *   unanswered warns; on a LAN a server answers well within the window).
 * pcap_dhcp_latency_IF: latency_max, latency_avg: GAUGE, ms, REQUEST ->
 *   ACK over the interval's ACKs, warning 1000 critical 3000; 0 when the
 *   interval had no ACK (a quiet interval is not unknown: U would turn the
 *   alert UNKNOWN between renewals).
 * pcap_traffic_IF, pcap_packets_IF: per MAC, bytes and frames per second
 *   over seconds: FIELD_rx (graph no) and FIELD_tx (negative FIELD_rx),
 *   GAUGE, min 0 (U when seconds <= 0), where FIELD is the MAC's name
 *   from names (sorted, see pcap_mac_names_sort; may be NULL) through
 *   Munin's clean_fieldname, else "mac_" and its 12 hex digits (a bare
 *   MAC through clean_fieldname loses its leading digits); a second MAC of
 *   the same name (a guest's second NIC) gets "_" and its 12 hex digits
 *   appended.  Labels are the name and the MAC.  Both are left out while
 *   the table has no MAC (a service without fields graphs nothing).
 * pcap_errors_IF: ipv4_checksum, udp_checksum, truncated, ignored: GAUGE,
 *   min 0, frames in the interval; no default threshold (offload noise
 *   differs by NIC).
 * pcap_capture_IF: received and dropped: DERIVE, min 0, packets per second,
 *   from st (pcap_stats' counters are cumulative per handle: DERIVE
 *   turns them into rates and a reopened handle's reset into one unknown;
 *   U when !st->has); frames, ipv4, ipv6, untracked: GAUGE, per second over
 *   seconds.
 *
 * 0; -1 (errno ENOMEM, b holds what was added).
 */
int pcap_interval_services(const struct pcap_interval *iv, const char *ifname,
    double seconds, const struct pcap_capture_stats *st,
    const struct pcap_mac_name *names, size_t nnames, struct batch *b);

/* pcap_count_take and pcap_interval_services at once (on the loop). */
int pcap_count_services(struct pcap_count *c, const char *ifname,
    double seconds, const struct pcap_capture_stats *st,
    const struct pcap_mac_name *names, size_t nnames, struct batch *b);

#endif
