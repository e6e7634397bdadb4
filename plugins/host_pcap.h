/*
 * host_pcap: the "pcap" probe, capture on the interfaces pcap_interfaces
 * names (a bridge, a tap, a veth, a physical port), counted per interval
 * by plugins/pcap_count and shown as its services (pcap_dhcp_IF,
 * pcap_dhcp_latency_IF, pcap_traffic_IF, pcap_packets_IF, pcap_errors_IF,
 * pcap_capture_IF): DHCP health, per-MAC traffic, malformed frames and
 * the capture's own health.
 *
 * One capture thread per interface owns its libpcap handle (snaplen
 * pcap_snaplen, promiscuous when pcap_promisc, blocks of frames handed
 * over within 100 ms (not immediate mode: bench/pcap.sh), the BPF
 * filter pcap_filter) and feeds the interface's pcap_count under that
 * interface's lock; it never touches the loop.  collect takes each
 * interface's interval (pcap_count_take) and pcap_stats' last numbers
 * under the lock and adds the services on the loop.  Nothing starts
 * (no thread, no handle, no service) until pcap_interfaces names an
 * interface; the threads start on the first collect and open their
 * handles themselves, which needs CAP_NET_RAW: the daemons keep that one
 * capability when they drop root with pcap_interfaces set
 * (collector/privdrop.h).
 *
 * "Sent by this host" (pcap_ignore_outgoing) is a frame whose source MAC
 * is the interface's own (SYS/class/net/IF/address, read at each open).
 * Limits: on a bridge that is the bridge's MAC, so frames the host sends
 * through the bridge are recognised, but on a bridge port or a tap the
 * host's frames carry the bridge's MAC and are not; a guest's frames on
 * its tap are the guest's, whose virtio offload may leave checksums
 * partial too (they then count as bad); a frame spoofing the host's MAC
 * is taken as the host's.
 *
 * Names (pcap_traffic_IF and pcap_packets_IF fields): each collect names
 * the MACs first by the pcap_name keys (host_roots.pcap_names), then by
 * the qemu guests on this machine (one vm_scan of r per collect, the vm
 * probe's reading of /proc, its guests kept in this probe's state: a
 * stopped guest's MAC keeps its name), a running guest's over a stopped
 * one's.  A MAC neither names stays mac_ and its hex digits.
 *
 * An interface that disappears (pcap_dispatch fails: ENXIO, ENODEV, the
 * interface went down) is closed and reopened by its thread with backoff
 * (1 s, doubling to 30 s), logged once when lost and once when back; its
 * services stay, with the capture's received and dropped unknown while
 * it is gone.  state_free stops and joins the threads.
 */
#ifndef DROVER_HOST_PCAP_H
#define DROVER_HOST_PCAP_H

#include <stddef.h>

#include "plugins/host.h"
#include "plugins/host_vm.h"
#include "plugins/pcap_count.h"

/* Default pcap_snaplen, bytes captured per frame: a DHCP message is at
 * most 576 bytes of IP by default (RFC 2131's minimum maximum) and rarely
 * more than ~600 with options; 1024 covers Ethernet, two VLAN tags, IPv4
 * and UDP headers and a DHCP message with a large option set (up to ~960
 * bytes of BOOTP), while keeping per-frame copies small on a busy
 * bridge. */
#define PCAP_SNAPLEN_DEFAULT 1024u
#define PCAP_SNAPLEN_MIN 128u
#define PCAP_SNAPLEN_MAX 262144u
/* Bytes of a pcap_name NAME with its NUL. */
#define PCAP_NAME_MAX 128
/* pcap_name lines kept. */
#define PCAP_NAMES_MAX 1024
/* Interfaces pcap_interfaces may name. */
#define PCAP_INTERFACES_MAX 64

/*
 * Whether filter compiles as a BPF expression for Ethernet (the check
 * config runs, so a typo is a file:line error): true, or false with
 * libpcap's message in err (size len).
 */
bool host_pcap_filter_ok(const char *filter, char *err, size_t len);

/* The names of MACs for pcap_interval_services. */
struct host_pcap_names {
	struct pcap_mac_name *v; /* sorted by mac (pcap_mac_names_sort) */
	size_t n;
	char (*text)[PCAP_NAME_MAX]; /* v[i].name's storage */
};

/*
 * Into out (emptied first): the names of conf_names ("MAC NAME\n" lines,
 * as host_roots.pcap_names; NULL: none), then of seen's guests' MACs not
 * named already, running guests before stopped ones.  seen may be NULL.
 * 0 / -1 (ENOMEM; out empty).
 */
int host_pcap_names_build(struct host_pcap_names *out, const char *conf_names,
    const struct vm_seen *seen);
void host_pcap_names_cleanup(struct host_pcap_names *names);

#endif
