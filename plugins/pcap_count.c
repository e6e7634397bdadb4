/*
 * pcap_count: the interval counters of one capture interface and their
 * services (see pcap_count.h).  The MAC table is an array with an
 * open-addressed hash of twice its size over it (constant time per frame;
 * rebuilt at each take, which reorders and ages the array); the pending
 * REQUESTs are a small array scanned linearly, since DHCP is rare.
 */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/host.h"
#include "plugins/host_disk.h"
#include "plugins/pcap_count.h"

#define MAC_SLOTS (2 * PCAP_MACS_MAX) /* a power of two */

struct pending {
	uint32_t xid;
	uint8_t chaddr[PCAP_MAC_LEN];
	uint64_t first_us; /* first REQUEST */
	uint64_t last_us;  /* latest REQUEST */
};

struct pcap_count {
	struct pcap_count_opts opts;
	struct pcap_interval iv;  /* the current interval */
	uint16_t slot[MAC_SLOTS]; /* iv.mac index + 1; 0: empty */
	struct pending pend[PCAP_DHCP_PENDING_MAX];
	size_t npend;
	/* chaddrs counted unanswered this interval */
	uint8_t unans[PCAP_DHCP_PENDING_MAX][PCAP_MAC_LEN];
	size_t nunans;
	struct pcap_interval scratch; /* for pcap_count_services */
};

struct pcap_count *
pcap_count_new(const struct pcap_count_opts *opts)
{
	struct pcap_count *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if (opts != NULL)
		c->opts = *opts;
	if (c->opts.retry_window_us == 0)
		c->opts.retry_window_us = PCAP_DHCP_RETRY_WINDOW_US;
	return c;
}

void
pcap_count_free(struct pcap_count *c)
{
	free(c);
}

static size_t
mac_hash(const uint8_t *mac)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < PCAP_MAC_LEN; i++)
		h = (h ^ mac[i]) * 16777619u;
	return h & (MAC_SLOTS - 1);
}

/* The entry of mac, added when missing; NULL when the table is full. */
static struct pcap_mac_count *
mac_entry(struct pcap_count *c, const uint8_t *mac)
{
	size_t i = mac_hash(mac);
	struct pcap_mac_count *m;

	while (c->slot[i] != 0) {
		m = &c->iv.mac[c->slot[i] - 1];
		if (memcmp(m->mac, mac, PCAP_MAC_LEN) == 0)
			return m;
		i = (i + 1) & (MAC_SLOTS - 1);
	}
	if (c->iv.nmac == PCAP_MACS_MAX)
		return NULL;
	m = &c->iv.mac[c->iv.nmac++];
	memset(m, 0, sizeof(*m));
	memcpy(m->mac, mac, PCAP_MAC_LEN);
	c->slot[i] = (uint16_t)c->iv.nmac;
	return m;
}

static void
mac_traffic(struct pcap_count *c, const struct pcap_frame *f, size_t len)
{
	struct pcap_mac_count *m;

	m = mac_entry(c, f->src);
	if (m == NULL) {
		c->iv.untracked++;
	} else {
		m->tx_frames++;
		m->tx_bytes += len;
	}
	if (pcap_mac_group(f->dst))
		return;
	m = mac_entry(c, f->dst);
	if (m == NULL) {
		c->iv.untracked++;
	} else {
		m->rx_frames++;
		m->rx_bytes += len;
	}
}

static long
pending_find(const struct pcap_count *c, uint32_t xid, const uint8_t *chaddr)
{
	size_t i;

	for (i = 0; i < c->npend; i++)
		if (c->pend[i].xid == xid &&
		    memcmp(c->pend[i].chaddr, chaddr, PCAP_MAC_LEN) == 0)
			return (long)i;
	return -1;
}

static void
pending_drop(struct pcap_count *c, size_t i)
{
	c->pend[i] = c->pend[--c->npend];
}

/* Forgets REQUESTs not retried for PCAP_DHCP_PENDING_AGE_US before now. */
static void
pending_age(struct pcap_count *c, uint64_t now)
{
	size_t i = 0;

	while (i < c->npend) {
		if (now > c->pend[i].last_us &&
		    now - c->pend[i].last_us > PCAP_DHCP_PENDING_AGE_US)
			pending_drop(c, i);
		else
			i++;
	}
}

static void
unanswered(struct pcap_count *c, const uint8_t *chaddr)
{
	size_t i;

	for (i = 0; i < c->nunans; i++)
		if (memcmp(c->unans[i], chaddr, PCAP_MAC_LEN) == 0)
			return;
	if (c->nunans < PCAP_DHCP_PENDING_MAX)
		memcpy(c->unans[c->nunans++], chaddr, PCAP_MAC_LEN);
	c->iv.unanswered++;
}

static void
dhcp_request(struct pcap_count *c, uint64_t ts, const struct pcap_dhcp *d)
{
	long i;
	size_t j, oldest;

	pending_age(c, ts);
	i = pending_find(c, d->xid, d->chaddr);
	if (i >= 0) {
		struct pending *p = &c->pend[i];

		if (ts >= p->first_us &&
		    ts - p->first_us >= c->opts.retry_window_us)
			unanswered(c, d->chaddr);
		if (ts > p->last_us)
			p->last_us = ts;
		return;
	}
	if (c->npend == PCAP_DHCP_PENDING_MAX) {
		oldest = 0;
		for (j = 1; j < c->npend; j++)
			if (c->pend[j].last_us < c->pend[oldest].last_us)
				oldest = j;
		pending_drop(c, oldest);
	}
	c->pend[c->npend].xid = d->xid;
	memcpy(c->pend[c->npend].chaddr, d->chaddr, PCAP_MAC_LEN);
	c->pend[c->npend].first_us = ts;
	c->pend[c->npend].last_us = ts;
	c->npend++;
}

static void
dhcp_message(struct pcap_count *c, uint64_t ts, const struct pcap_dhcp *d)
{
	uint64_t lat;
	size_t j;
	long i;

	if (d->type < PCAP_DHCP_TYPES)
		c->iv.dhcp[d->type]++;
	else
		c->iv.dhcp_other++;
	switch (d->type) {
	case PCAP_DHCP_REQUEST:
		if (d->op == 1)
			dhcp_request(c, ts, d);
		break;
	case PCAP_DHCP_ACK:
	case PCAP_DHCP_NAK:
		i = pending_find(c, d->xid, d->chaddr);
		if (i < 0)
			break;
		if (d->type == PCAP_DHCP_ACK && ts >= c->pend[i].first_us) {
			lat = ts - c->pend[i].first_us;
			c->iv.latency_n++;
			c->iv.latency_sum_us += lat;
			if (lat > c->iv.latency_max_us)
				c->iv.latency_max_us = lat;
		}
		pending_drop(c, (size_t)i);
		break;
	case PCAP_DHCP_RELEASE:
	case PCAP_DHCP_DECLINE:
		j = 0;
		while (j < c->npend) {
			if (memcmp(c->pend[j].chaddr, d->chaddr,
				PCAP_MAC_LEN) == 0)
				pending_drop(c, j);
			else
				j++;
		}
		break;
	default:
		break;
	}
}

void
pcap_count_frame(struct pcap_count *c, uint64_t ts_us, const uint8_t *buf,
    size_t caplen, size_t len, bool outgoing)
{
	struct pcap_frame f;
	bool check = !(outgoing && c->opts.ignore_outgoing);

	if (len < caplen)
		len = caplen;
	c->iv.frames++;
	c->iv.bytes += len;
	if (pcap_frame_decode(buf, caplen, len, &f) == -1) {
		if (check)
			c->iv.truncated++;
		else
			c->iv.ignored++;
		return;
	}
	mac_traffic(c, &f, len);
	if (f.l3 == PCAP_L3_IPV4)
		c->iv.ipv4++;
	else if (f.l3 == PCAP_L3_IPV6)
		c->iv.ipv6++;
	if (check) {
		c->iv.truncated += f.truncated;
		c->iv.bad_ip_csum += f.ip_csum == PCAP_CSUM_BAD;
		c->iv.bad_udp_csum += f.udp_csum == PCAP_CSUM_BAD;
	} else {
		c->iv.ignored++;
	}
	if (f.is_dhcp && (!check || f.udp_csum != PCAP_CSUM_BAD))
		dhcp_message(c, ts_us, &f.dhcp);
}

static int
mac_cmp(const void *a, const void *b)
{
	return memcmp(a, b, PCAP_MAC_LEN);
}

void
pcap_count_take(struct pcap_count *c, struct pcap_interval *out)
{
	struct pcap_mac_count *m;
	size_t i, n = 0;

	memcpy(out, &c->iv, sizeof(*out));
	qsort(out->mac, out->nmac, sizeof(out->mac[0]), mac_cmp);
	/* the next interval: the MACs still in use, their counts zeroed */
	for (i = 0; i < out->nmac; i++) {
		const struct pcap_mac_count *o = &out->mac[i];
		unsigned idle =
		    o->rx_frames + o->tx_frames == 0 ? o->idle + 1 : 0;

		if (idle >= PCAP_MAC_IDLE_INTERVALS)
			continue;
		m = &c->iv.mac[n++];
		memset(m, 0, sizeof(*m));
		memcpy(m->mac, o->mac, PCAP_MAC_LEN);
		m->idle = idle;
	}
	memset(&c->iv, 0, offsetof(struct pcap_interval, mac));
	c->iv.nmac = 0;
	memset(c->slot, 0, sizeof(c->slot));
	/* re-add in order: entries land in the same positions */
	for (i = 0; i < n; i++) {
		uint8_t mac[PCAP_MAC_LEN];
		unsigned idle = c->iv.mac[i].idle;

		memcpy(mac, c->iv.mac[i].mac, PCAP_MAC_LEN);
		m = mac_entry(c, mac);
		m->idle = idle;
	}
	c->nunans = 0;
}

void
pcap_mac_names_sort(struct pcap_mac_name *names, size_t n)
{
	qsort(names, n, sizeof(names[0]), mac_cmp);
}

static const char *
mac_name(const struct pcap_mac_name *names, size_t n, const uint8_t *mac)
{
	const struct pcap_mac_name *hit;

	if (names == NULL || n == 0)
		return NULL;
	hit = bsearch(mac, names, n, sizeof(names[0]), mac_cmp);
	return hit != NULL ? hit->name : NULL;
}

#define FIELD_MAX 96

static struct service *
service_add(struct batch *b, const char *prefix, const char *ifname,
    const char *const graph[][2], size_t n)
{
	char raw[FIELD_MAX + 64], name[FIELD_MAX + 64];

	snprintf(raw, sizeof(raw), "%s%s", prefix, ifname);
	sanitise_plugin_name(raw, name, sizeof(name));
	return host_service_add(b, name, graph, n);
}

static int
count_field(struct service *s, const char *name, const char *label,
    const char *type, double v, bool unknown)
{
	const char *const kv[][2] = {
	    {"label", label}, {"type", type}, {"min", "0"}};

	return host_field_add(s, name, kv, 3, v, unknown) == NULL ? -1 : 0;
}

static int
dhcp_services(
    const struct pcap_interval *iv, const char *ifname, struct batch *b)
{
	static const struct {
		const char *field;
		unsigned type;
	} msgs[] = {
	    {"discover", PCAP_DHCP_DISCOVER},
	    {"offer", PCAP_DHCP_OFFER},
	    {"request", PCAP_DHCP_REQUEST},
	    {"decline", PCAP_DHCP_DECLINE},
	    {"ack", PCAP_DHCP_ACK},
	    {"nak", PCAP_DHCP_NAK},
	    {"release", PCAP_DHCP_RELEASE},
	    {"inform", PCAP_DHCP_INFORM},
	};
	char title[128];
	struct service *s;
	size_t i;
	double avg;

	snprintf(title, sizeof(title), "DHCP messages on %s", ifname);
	{
		const char *const graph[][2] = {{"graph_title", title},
		    {"graph_category", "network"},
		    {"graph_vlabel", "messages per interval"},
		    {"graph_args", "--base 1000 -l 0"},
		    {"graph_info",
			"DHCP messages seen on the interface in the interval; "
			"unanswered: clients that retried a REQUEST with no "
			"ACK or NAK"}};
		s = service_add(b, "pcap_dhcp_", ifname, graph, 5);
	}
	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (count_field(s, msgs[i].field,
			pcap_dhcp_type_str(msgs[i].type), "GAUGE",
			(double)iv->dhcp[msgs[i].type], false) == -1)
			return -1;
	{
		const char *const kv[][2] = {{"label", "unanswered clients"},
		    {"type", "GAUGE"}, {"min", "0"}, {"warning", "0"}};
		if (host_field_add(s, "unanswered", kv, 4,
			(double)iv->unanswered, false) == NULL)
			return -1;
	}

	snprintf(
	    title, sizeof(title), "DHCP request to ack latency on %s", ifname);
	{
		const char *const graph[][2] = {{"graph_title", title},
		    {"graph_category", "network"}, {"graph_vlabel", "ms"},
		    {"graph_args", "--base 1000 -l 0"},
		    {"graph_info",
			"From a client's first REQUEST to its ACK; 0: no ACK "
			"in the interval"}};
		s = service_add(b, "pcap_dhcp_latency_", ifname, graph, 5);
	}
	if (s == NULL)
		return -1;
	avg = iv->latency_n > 0
		  ? (double)iv->latency_sum_us / (double)iv->latency_n / 1000.0
		  : 0;
	{
		const char *const kmax[][2] = {{"label", "max"},
		    {"type", "GAUGE"}, {"min", "0"}, {"warning", "1000"},
		    {"critical", "3000"}};
		const char *const kavg[][2] = {{"label", "average"},
		    {"type", "GAUGE"}, {"min", "0"}, {"warning", "1000"},
		    {"critical", "3000"}};
		if (host_field_add(s, "latency_max", kmax, 5,
			(double)iv->latency_max_us / 1000.0, false) == NULL ||
		    host_field_add(s, "latency_avg", kavg, 5, avg, false) ==
			NULL)
			return -1;
	}
	return 0;
}

/* The field names of every MAC in iv into names_out[iv->nmac]. */
static void
mac_fields(const struct pcap_interval *iv, const struct pcap_mac_name *names,
    size_t nnames, char (*field)[FIELD_MAX], const char **label)
{
	char hex[2 * PCAP_MAC_LEN + 1], raw[FIELD_MAX];
	size_t i, j;

	for (i = 0; i < iv->nmac; i++) {
		const uint8_t *m = iv->mac[i].mac;
		const char *name = mac_name(names, nnames, m);

		snprintf(hex, sizeof(hex), "%02x%02x%02x%02x%02x%02x", m[0],
		    m[1], m[2], m[3], m[4], m[5]);
		label[i] = name;
		if (name == NULL) {
			snprintf(field[i], FIELD_MAX, "mac_%s", hex);
			continue;
		}
		disk_clean_fieldname(name, field[i], FIELD_MAX - 14);
		for (j = 0; j < i; j++)
			if (strcmp(field[j], field[i]) == 0)
				break;
		if (j < i) {
			snprintf(raw, sizeof(raw), "%s_%s", field[i], hex);
			memcpy(field[i], raw, FIELD_MAX);
		}
	}
}

static int
traffic_service(const struct pcap_interval *iv, const char *ifname,
    double seconds, bool bytes, char (*field)[FIELD_MAX], const char **label,
    struct batch *b)
{
	char title[128], fname[FIELD_MAX + 4], neg[FIELD_MAX + 4], lab[160];
	struct service *s;
	size_t i;

	snprintf(title, sizeof(title), "%s per MAC on %s",
	    bytes ? "Traffic" : "Frames", ifname);
	{
		const char *const graph[][2] = {{"graph_title", title},
		    {"graph_category", "network"},
		    {"graph_vlabel",
			bytes ? "bytes per second in (-) / out (+)"
			      : "frames per second in (-) / out (+)"},
		    {"graph_args", "--base 1000"},
		    {"graph_info",
			"Seen from each MAC: out is what it sent, in the "
			"unicast frames sent to it"}};
		s = service_add(b, bytes ? "pcap_traffic_" : "pcap_packets_",
		    ifname, graph, 5);
	}
	if (s == NULL)
		return -1;
	for (i = 0; i < iv->nmac; i++) {
		const struct pcap_mac_count *m = &iv->mac[i];
		const uint8_t *a = m->mac;
		double rx = (double)(bytes ? m->rx_bytes : m->rx_frames);
		double tx = (double)(bytes ? m->tx_bytes : m->tx_frames);
		bool u = seconds <= 0;

		if (label[i] != NULL)
			snprintf(lab, sizeof(lab),
			    "%s %02x:%02x:%02x:%02x:%02x:%02x", label[i], a[0],
			    a[1], a[2], a[3], a[4], a[5]);
		else
			snprintf(lab, sizeof(lab),
			    "%02x:%02x:%02x:%02x:%02x:%02x", a[0], a[1], a[2],
			    a[3], a[4], a[5]);
		snprintf(fname, sizeof(fname), "%s_rx", field[i]);
		snprintf(neg, sizeof(neg), "%s_rx", field[i]);
		{
			const char *const kv[][2] = {{"label", lab},
			    {"type", "GAUGE"}, {"min", "0"}, {"graph", "no"}};
			if (host_field_add(s, fname, kv, 4,
				u ? 0 : rx / seconds, u) == NULL)
				return -1;
		}
		snprintf(fname, sizeof(fname), "%s_tx", field[i]);
		{
			const char *const kv[][2] = {{"label", lab},
			    {"type", "GAUGE"}, {"min", "0"}, {"negative", neg}};
			if (host_field_add(s, fname, kv, 4,
				u ? 0 : tx / seconds, u) == NULL)
				return -1;
		}
	}
	return 0;
}

static int
health_services(const struct pcap_interval *iv, const char *ifname,
    double seconds, const struct pcap_capture_stats *st, struct batch *b)
{
	char title[128];
	struct service *s;
	bool u = seconds <= 0, nost = st == NULL || !st->has;

	snprintf(title, sizeof(title), "Malformed frames on %s", ifname);
	{
		const char *const graph[][2] = {{"graph_title", title},
		    {"graph_category", "network"},
		    {"graph_vlabel", "frames per interval"},
		    {"graph_args", "--base 1000 -l 0"},
		    {"graph_info",
			"ignored: frames this host sent, not checked (their "
			"checksums are left to offload)"}};
		s = service_add(b, "pcap_errors_", ifname, graph, 5);
	}
	if (s == NULL ||
	    count_field(s, "ipv4_checksum", "bad IPv4 header checksum", "GAUGE",
		(double)iv->bad_ip_csum, false) == -1 ||
	    count_field(s, "udp_checksum", "bad UDP checksum", "GAUGE",
		(double)iv->bad_udp_csum, false) == -1 ||
	    count_field(s, "truncated", "truncated", "GAUGE",
		(double)iv->truncated, false) == -1 ||
	    count_field(s, "ignored", "outgoing, not checked", "GAUGE",
		(double)iv->ignored, false) == -1)
		return -1;

	snprintf(title, sizeof(title), "Capture on %s", ifname);
	{
		const char *const graph[][2] = {{"graph_title", title},
		    {"graph_category", "network"},
		    {"graph_vlabel", "packets per second"},
		    {"graph_args", "--base 1000 -l 0"},
		    {"graph_info",
			"received and dropped: libpcap's counts; untracked: "
			"frame ends whose MAC found the MAC table full"}};
		s = service_add(b, "pcap_capture_", ifname, graph, 5);
	}
	if (s == NULL ||
	    count_field(s, "received", "received", "DERIVE",
		nost ? 0 : (double)st->received, nost) == -1 ||
	    count_field(s, "dropped", "dropped", "DERIVE",
		nost ? 0 : (double)st->dropped, nost) == -1 ||
	    count_field(s, "frames", "frames", "GAUGE",
		u ? 0 : (double)iv->frames / seconds, u) == -1 ||
	    count_field(s, "ipv4", "IPv4", "GAUGE",
		u ? 0 : (double)iv->ipv4 / seconds, u) == -1 ||
	    count_field(s, "ipv6", "IPv6", "GAUGE",
		u ? 0 : (double)iv->ipv6 / seconds, u) == -1 ||
	    count_field(s, "untracked", "untracked", "GAUGE",
		u ? 0 : (double)iv->untracked / seconds, u) == -1)
		return -1;
	return 0;
}

int
pcap_interval_services(const struct pcap_interval *iv, const char *ifname,
    double seconds, const struct pcap_capture_stats *st,
    const struct pcap_mac_name *names, size_t nnames, struct batch *b)
{
	char(*field)[FIELD_MAX] = NULL;
	const char **label = NULL;
	int rc = -1;

	field = calloc(iv->nmac + 1, sizeof(*field));
	label = calloc(iv->nmac + 1, sizeof(*label));
	if (field == NULL || label == NULL)
		goto out;
	mac_fields(iv, names, nnames, field, label);
	if (dhcp_services(iv, ifname, b) == -1 ||
	    health_services(iv, ifname, seconds, st, b) == -1)
		goto out;
	/* no MAC yet: no traffic services, rather than ones without fields */
	if (iv->nmac > 0 && (traffic_service(iv, ifname, seconds, true, field,
				 label, b) == -1 ||
				traffic_service(iv, ifname, seconds, false,
				    field, label, b) == -1))
		goto out;
	rc = 0;
out:
	free(field);
	free(label);
	if (rc == -1)
		errno = ENOMEM;
	return rc;
}

int
pcap_count_services(struct pcap_count *c, const char *ifname, double seconds,
    const struct pcap_capture_stats *st, const struct pcap_mac_name *names,
    size_t nnames, struct batch *b)
{
	pcap_count_take(c, &c->scratch);
	return pcap_interval_services(
	    &c->scratch, ifname, seconds, st, names, nnames, b);
}
