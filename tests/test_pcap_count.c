/* Tests for pcap_frame and pcap_count: pcap files written here with
 * libpcap (pcap_open_dead + pcap_dump: a DHCP exchange, unanswered
 * REQUEST retries, a NAK, bad IPv4 and UDP checksums, snaplen cuts,
 * VLAN-tagged DHCP, frames this host sent, traffic of several MACs), read
 * back with pcap_open_offline and fed to the counters: exact counts.
 * The frames' checksums are computed here, independently of the decoder;
 * where tcpdump is installed it reads the same files and must agree on
 * which checksums are bad.  One fixture was captured from real peers
 * (tests/fixtures/pcap/README.md): dhclient and dnsmasq in two network
 * namespaces, with the server's own frames' checksums left to offload. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <pcap/pcap.h>

#include "plugins/pcap_count.h"
#include "plugins/pcap_frame.h"
#include "plugins/sample.h"

static const uint8_t client[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
static const uint8_t client2[6] = {0x52, 0x54, 0x00, 0xab, 0xcd, 0xef};
static const uint8_t server[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
#define SERVER_IP 0x0a000001u /* 10.0.0.1 */
#define CLIENT_IP 0x0a000064u /* 10.0.0.100 */

/* ---- building frames ----------------------------------------------- */

struct spec {
	const uint8_t *src, *dst;
	unsigned vlans;
	uint16_t tpid[2], vid[2];
	uint32_t ip_src, ip_dst;
	uint8_t proto; /* 17 UDP (default), 6 TCP */
	uint16_t sport, dport;
	const uint8_t *payload;
	size_t plen;
	bool bad_ip, bad_udp, zero_udp;
};

static void
w16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
w32(uint8_t *p, uint32_t v)
{
	w16(p, v >> 16);
	w16(p + 2, v & 0xffff);
}

/* RFC 1071, written out again here rather than borrowed from the decoder */
static unsigned
csum(const uint8_t *p, size_t n, unsigned long sum)
{
	size_t i;

	for (i = 0; i < n; i++)
		sum += i % 2 == 0 ? (unsigned long)p[i] << 8 : p[i];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned)(~sum & 0xffff);
}

/* The frame of s into out; its length. */
static size_t
build(const struct spec *s, uint8_t *out)
{
	size_t off = 12, ip, udp, total, ulen;
	unsigned i, c;
	unsigned long ps;

	memcpy(out, s->dst, 6);
	memcpy(out + 6, s->src, 6);
	for (i = 0; i < s->vlans; i++) {
		w16(out + off, s->tpid[i] ? s->tpid[i] : 0x8100);
		w16(out + off + 2, s->vid[i]);
		off += 4;
	}
	w16(out + off, 0x0800);
	off += 2;
	ip = off;
	ulen = 8 + s->plen;
	total = 20 + ulen;
	memset(out + ip, 0, 20);
	out[ip] = 0x45;
	w16(out + ip + 2, (unsigned)total);
	w16(out + ip + 4, 0x1234);
	out[ip + 8] = 64;
	out[ip + 9] = s->proto ? s->proto : 17;
	w32(out + ip + 12, s->ip_src);
	w32(out + ip + 16, s->ip_dst);
	c = csum(out + ip, 20, 0);
	w16(out + ip + 10, s->bad_ip ? c ^ 0x0101 : c);
	udp = ip + 20;
	w16(out + udp, s->sport);
	w16(out + udp + 2, s->dport);
	w16(out + udp + 4, (unsigned)ulen);
	w16(out + udp + 6, 0);
	memcpy(out + udp + 8, s->payload, s->plen);
	ps = (s->ip_src >> 16) + (s->ip_src & 0xffff) + (s->ip_dst >> 16) +
	     (s->ip_dst & 0xffff) + 17 + ulen;
	c = csum(out + udp, ulen, ps);
	if (c == 0)
		c = 0xffff;
	if (s->zero_udp)
		c = 0;
	else if (s->bad_udp)
		c ^= 0x0202;
	w16(out + udp + 6, c);
	return udp + ulen;
}

struct dhcp {
	uint8_t op, type;
	uint32_t xid;
	const uint8_t *chaddr;
	uint32_t requested, server_id; /* 0: no option */
};

/* A BOOTP message with the DHCP options of d, 300 bytes as dhclient's. */
static size_t
dhcp_payload(const struct dhcp *d, uint8_t *out)
{
	size_t o = 240;

	memset(out, 0, 300);
	out[0] = d->op;
	out[1] = 1;
	out[2] = 6;
	w32(out + 4, d->xid);
	memcpy(out + 28, d->chaddr, 6);
	out[236] = 99;
	out[237] = 130;
	out[238] = 83;
	out[239] = 99;
	out[o++] = 53;
	out[o++] = 1;
	out[o++] = d->type;
	if (d->requested) {
		out[o++] = 50;
		out[o++] = 4;
		w32(out + o, d->requested);
		o += 4;
	}
	if (d->server_id) {
		out[o++] = 54;
		out[o++] = 4;
		w32(out + o, d->server_id);
		o += 4;
	}
	out[o++] = 255;
	return 300;
}

/* A DHCP frame: requests from the client broadcast, replies unicast. */
static size_t
dhcp_frame(const uint8_t *cl, uint8_t type, uint32_t xid, uint8_t *out,
    struct spec *s, uint8_t *pay)
{
	bool reply = type == PCAP_DHCP_OFFER || type == PCAP_DHCP_ACK ||
		     type == PCAP_DHCP_NAK;
	struct dhcp d = {.op = reply ? 2 : 1,
	    .type = type,
	    .xid = xid,
	    .chaddr = cl,
	    .requested = type == PCAP_DHCP_REQUEST ? CLIENT_IP : 0,
	    .server_id = type != PCAP_DHCP_DISCOVER ? SERVER_IP : 0};

	s->plen = dhcp_payload(&d, pay);
	s->payload = pay;
	s->src = reply ? server : cl;
	s->dst = reply ? cl : bcast;
	s->ip_src = reply ? SERVER_IP : 0;
	s->ip_dst = reply ? CLIENT_IP : 0xffffffffu;
	s->sport = reply ? 67 : 68;
	s->dport = reply ? 68 : 67;
	return build(s, out);
}

/* ---- pcap files ---------------------------------------------------- */

#define FRAMES_MAX 2048

struct capfile {
	char path[64];
	pcap_t *dead;
	pcap_dumper_t *d;
	bool outgoing[FRAMES_MAX]; /* by record: classic pcap has no flag */
	size_t n;
};

static void
cap_open(struct capfile *f)
{
	int fd;

	memset(f, 0, sizeof(*f));
	snprintf(f->path, sizeof(f->path), "/tmp/test_pcap_XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	close(fd);
	f->dead = pcap_open_dead(DLT_EN10MB, 65535);
	assert_non_null(f->dead);
	f->d = pcap_dump_open(f->dead, f->path);
	assert_non_null(f->d);
}

/* Writes frame[len] captured at t_ms, cut to caplen (0: whole). */
static void
cap_write(struct capfile *f, uint64_t t_ms, const uint8_t *frame, size_t len,
    size_t caplen, bool outgoing)
{
	struct pcap_pkthdr h;

	assert_true(f->n < FRAMES_MAX);
	memset(&h, 0, sizeof(h));
	h.ts.tv_sec = (time_t)(1700000000 + t_ms / 1000);
	h.ts.tv_usec = (suseconds_t)(t_ms % 1000 * 1000);
	h.len = (bpf_u_int32)len;
	h.caplen = (bpf_u_int32)(caplen ? caplen : len);
	pcap_dump((u_char *)f->d, &h, frame);
	f->outgoing[f->n++] = outgoing;
}

static void
cap_close(struct capfile *f)
{
	pcap_dump_close(f->d);
	pcap_close(f->dead);
}

/* Reads f back with pcap_open_offline into c; the number of frames. */
static size_t
cap_feed(const struct capfile *f, struct pcap_count *c)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;
	size_t n = 0;

	p = pcap_open_offline(f->path, err);
	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_EN10MB);
	while (pcap_next_ex(p, &h, &data) == 1) {
		uint64_t ts =
		    (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;

		assert_true(n < f->n);
		pcap_count_frame(
		    c, ts, data, h->caplen, h->len, f->outgoing[n]);
		n++;
	}
	pcap_close(p);
	assert_int_equal(n, f->n);
	return n;
}

/* tcpdump's verdict on f: lines saying "bad cksum" (IPv4 header) and
 * "bad udp cksum"; false when tcpdump is not installed. */
static bool
tcpdump_bad(const struct capfile *f, unsigned *ip, unsigned *udp)
{
	char cmd[160], line[4096];
	FILE *p;

	*ip = *udp = 0;
	if (access("/usr/bin/tcpdump", X_OK) != 0 &&
	    access("/usr/sbin/tcpdump", X_OK) != 0) {
		print_message("skip tcpdump cross-check: tcpdump not "
			      "installed (Debian package tcpdump)\n");
		return false;
	}
	snprintf(cmd, sizeof(cmd),
	    "PATH=/usr/sbin:/usr/bin tcpdump -nn -vv -r %s 2>/dev/null",
	    f->path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p) != NULL) {
		if (strstr(line, "bad udp cksum") != NULL)
			(*udp)++;
		else if (strstr(line, "bad cksum") != NULL)
			(*ip)++;
	}
	assert_int_equal(pclose(p), 0);
	return true;
}

/* A counter and its interval, freed by teardown. */
struct fix {
	struct pcap_count *c;
	struct pcap_interval iv;
	struct capfile f;
	uint8_t frame[2048], pay[600];
	struct spec s;
};

static int
setup(void **state)
{
	struct fix *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return -1;
	x->c = pcap_count_new(NULL);
	if (x->c == NULL)
		return -1;
	*state = x;
	return 0;
}

static int
setup_ignore(void **state)
{
	struct pcap_count_opts o = {.ignore_outgoing = true};
	struct fix *x;

	if (setup(state) == -1)
		return -1;
	x = *state;
	pcap_count_free(x->c);
	x->c = pcap_count_new(&o);
	return x->c == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	struct fix *x = *state;

	if (x->f.path[0] != '\0')
		unlink(x->f.path);
	pcap_count_free(x->c);
	free(x);
	return 0;
}

/* Writes one DHCP message of cl at t_ms; its frame length. */
static size_t
put_dhcp(
    struct fix *x, uint64_t t_ms, const uint8_t *cl, uint8_t type, uint32_t xid)
{
	size_t n;

	memset(&x->s, 0, sizeof(x->s));
	n = dhcp_frame(cl, type, xid, x->frame, &x->s, x->pay);
	cap_write(&x->f, t_ms, x->frame, n, 0, false);
	return n;
}

static const struct pcap_mac_count *
mac_of(const struct pcap_interval *iv, const uint8_t *mac)
{
	size_t i;

	for (i = 0; i < iv->nmac; i++)
		if (memcmp(iv->mac[i].mac, mac, 6) == 0)
			return &iv->mac[i];
	return NULL;
}

/* ---- the decoder ---------------------------------------------------- */

static void
test_decode_dhcp(void **state)
{
	struct fix *x = *state;
	struct pcap_frame f;
	size_t n;

	memset(&x->s, 0, sizeof(x->s));
	n = dhcp_frame(
	    client, PCAP_DHCP_REQUEST, 0xdeadbeef, x->frame, &x->s, x->pay);
	assert_int_equal(n, 14 + 20 + 8 + 300);
	assert_int_equal(pcap_frame_decode(x->frame, n, n, &f), 0);
	assert_memory_equal(f.src, client, 6);
	assert_memory_equal(f.dst, bcast, 6);
	assert_int_equal(f.l3, PCAP_L3_IPV4);
	assert_int_equal(f.ip_csum, PCAP_CSUM_OK);
	assert_int_equal(f.udp_csum, PCAP_CSUM_OK);
	assert_false(f.truncated);
	assert_true(f.is_dhcp);
	assert_int_equal(f.dhcp.op, 1);
	assert_int_equal(f.dhcp.xid, 0xdeadbeef);
	assert_memory_equal(f.dhcp.chaddr, client, 6);
	assert_int_equal(f.dhcp.type, PCAP_DHCP_REQUEST);
	assert_true(f.dhcp.has_requested_ip);
	assert_int_equal(f.dhcp.requested_ip, CLIENT_IP);
	assert_true(f.dhcp.has_server_id);
	assert_int_equal(f.dhcp.server_id, SERVER_IP);
	assert_false(f.dhcp.bad_options);
	assert_string_equal(pcap_dhcp_type_str(f.dhcp.type), "REQUEST");

	/* option 53 claiming more bytes than the datagram holds */
	x->pay[240] = 12;  /* a hostname option ... */
	x->pay[241] = 200; /* ... running past the end */
	x->s.payload = x->pay;
	n = build(&x->s, x->frame);
	assert_int_equal(pcap_frame_decode(x->frame, n, n, &f), 0);
	assert_true(f.is_dhcp);
	assert_true(f.dhcp.bad_options);
	assert_int_equal(f.dhcp.type, PCAP_DHCP_NONE);

	/* option 52 (overload) is noted, not followed */
	x->pay[240] = 52;
	x->pay[241] = 1;
	x->pay[242] = 3;
	x->pay[243] = 53;
	x->pay[244] = 1;
	x->pay[245] = PCAP_DHCP_DISCOVER;
	x->pay[246] = 255;
	n = build(&x->s, x->frame);
	assert_int_equal(pcap_frame_decode(x->frame, n, n, &f), 0);
	assert_true(f.dhcp.overload);
	assert_false(f.dhcp.bad_options);
	assert_int_equal(f.dhcp.type, PCAP_DHCP_DISCOVER);

	/* an odd UDP length: the last byte padded with zero */
	memset(&x->s, 0, sizeof(x->s));
	x->s.src = client;
	x->s.dst = server;
	x->s.ip_src = CLIENT_IP;
	x->s.ip_dst = SERVER_IP;
	x->s.sport = 40000;
	x->s.dport = 53;
	x->s.payload = x->pay;
	x->s.plen = 101;
	memset(x->pay, 0xa5, 101);
	n = build(&x->s, x->frame);
	assert_int_equal(pcap_frame_decode(x->frame, n, n, &f), 0);
	assert_int_equal(f.udp_csum, PCAP_CSUM_OK);
	assert_false(f.is_dhcp);
	x->s.bad_udp = true;
	n = build(&x->s, x->frame);
	assert_int_equal(pcap_frame_decode(x->frame, n, n, &f), 0);
	assert_int_equal(f.udp_csum, PCAP_CSUM_BAD);
	/* cut by a snaplen: not checked, and not truncated (not BOOTP) */
	assert_int_equal(pcap_frame_decode(x->frame, 60, n, &f), 0);
	assert_int_equal(f.udp_csum, PCAP_CSUM_UNCHECKED);
	assert_false(f.truncated);
}

static void
test_decode_vlan_ipv6_short(void **state)
{
	struct fix *x = *state;
	struct pcap_frame f;
	uint8_t v6[60] = {0};
	size_t n;

	memset(&x->s, 0, sizeof(x->s));
	x->s.vlans = 2;
	x->s.tpid[0] = 0x88a8;
	x->s.vid[0] = 100;
	x->s.tpid[1] = 0x8100;
	x->s.vid[1] = 0x2000 | 42; /* priority bits, VID 42 */
	n = dhcp_frame(client, PCAP_DHCP_DISCOVER, 7, x->frame, &x->s, x->pay);
	assert_int_equal(pcap_frame_decode(x->frame, n, n, &f), 0);
	assert_int_equal(f.vlans, 2);
	assert_int_equal(f.vlan_id[0], 100);
	assert_int_equal(f.vlan_id[1], 42);
	assert_true(f.is_dhcp);
	assert_int_equal(f.dhcp.type, PCAP_DHCP_DISCOVER);

	memcpy(v6, bcast, 6);
	memcpy(v6 + 6, client, 6);
	v6[12] = 0x86;
	v6[13] = 0xdd;
	assert_int_equal(pcap_frame_decode(v6, sizeof(v6), sizeof(v6), &f), 0);
	assert_int_equal(f.l3, PCAP_L3_IPV6);
	assert_int_equal(f.ip_csum, PCAP_CSUM_UNCHECKED);
	assert_false(f.truncated);

	assert_int_equal(pcap_frame_decode(v6, 13, 60, &f), -1);
	assert_true(f.truncated);
	/* a tag cut in half */
	assert_int_equal(pcap_frame_decode(x->frame, 16, n, &f), 0);
	assert_true(f.truncated);
	assert_int_equal(f.vlans, 0);
}

/* ---- the counters over pcap files ------------------------------------ */

static void
test_dora(void **state)
{
	struct fix *x = *state;
	const struct pcap_mac_count *m;
	size_t ld, lo, lr, la;

	cap_open(&x->f);
	ld = put_dhcp(x, 0, client, PCAP_DHCP_DISCOVER, 0x1111);
	lo = put_dhcp(x, 3, client, PCAP_DHCP_OFFER, 0x1111);
	lr = put_dhcp(x, 1000, client, PCAP_DHCP_REQUEST, 0x1111);
	la = put_dhcp(x, 1012, client, PCAP_DHCP_ACK, 0x1111);
	cap_close(&x->f);
	assert_int_equal(cap_feed(&x->f, x->c), 4);
	pcap_count_take(x->c, &x->iv);

	assert_int_equal(x->iv.dhcp[PCAP_DHCP_DISCOVER], 1);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_OFFER], 1);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_REQUEST], 1);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_ACK], 1);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_NAK], 0);
	assert_int_equal(x->iv.unanswered, 0);
	assert_int_equal(x->iv.latency_n, 1);
	assert_int_equal(x->iv.latency_max_us, 12000);
	assert_int_equal(x->iv.latency_sum_us, 12000);
	assert_int_equal(x->iv.frames, 4);
	assert_int_equal(x->iv.ipv4, 4);
	assert_int_equal(
	    x->iv.bad_ip_csum + x->iv.bad_udp_csum + x->iv.truncated, 0);
	assert_int_equal(x->iv.nmac, 2);
	/* sorted by MAC: the server's 02:... first */
	assert_memory_equal(x->iv.mac[0].mac, server, 6);
	m = mac_of(&x->iv, client);
	assert_non_null(m);
	assert_int_equal(m->tx_frames, 2);
	assert_int_equal(m->tx_bytes, ld + lr);
	assert_int_equal(m->rx_frames, 2);
	assert_int_equal(m->rx_bytes, lo + la);
	m = mac_of(&x->iv, server);
	assert_int_equal(m->tx_frames, 2);
	assert_int_equal(m->rx_frames, 0); /* broadcasts count for senders */

	/* the next interval starts from zero, the MACs kept */
	pcap_count_take(x->c, &x->iv);
	assert_int_equal(x->iv.frames, 0);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_ACK], 0);
	assert_int_equal(x->iv.nmac, 2);
	assert_int_equal(x->iv.mac[1].tx_frames, 0);
}

static void
test_unanswered_retries(void **state)
{
	struct fix *x = *state;

	cap_open(&x->f);
	put_dhcp(x, 0, client, PCAP_DHCP_REQUEST, 0x2222);
	put_dhcp(x, 300, client, PCAP_DHCP_REQUEST, 0x2222); /* in window */
	put_dhcp(x, 4000, client, PCAP_DHCP_REQUEST, 0x2222);
	put_dhcp(x, 12000, client, PCAP_DHCP_REQUEST, 0x2222);
	put_dhcp(x, 100, client2, PCAP_DHCP_REQUEST, 0x3333);
	put_dhcp(x, 500, client2, PCAP_DHCP_REQUEST, 0x3333); /* in window */
	cap_close(&x->f);
	cap_feed(&x->f, x->c);
	pcap_count_take(x->c, &x->iv);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_REQUEST], 6);
	assert_int_equal(x->iv.unanswered, 1); /* client, once */
	assert_int_equal(x->iv.latency_n, 0);

	/* the next interval: both still waiting, both retry, then answers */
	unlink(x->f.path);
	cap_open(&x->f);
	put_dhcp(x, 20000, client, PCAP_DHCP_REQUEST, 0x2222);
	put_dhcp(x, 20100, client2, PCAP_DHCP_REQUEST, 0x3333);
	put_dhcp(x, 21000, client, PCAP_DHCP_ACK, 0x2222);
	put_dhcp(x, 21100, client2, PCAP_DHCP_ACK, 0x3333);
	cap_close(&x->f);
	cap_feed(&x->f, x->c);
	pcap_count_take(x->c, &x->iv);
	assert_int_equal(x->iv.unanswered, 2);
	assert_int_equal(x->iv.latency_n, 2);
	assert_int_equal(x->iv.latency_max_us, 21000000);
	assert_int_equal(x->iv.latency_sum_us, 21000000 + 21000000);

	/* answered: a new retry of the same xid is a new wait */
	unlink(x->f.path);
	cap_open(&x->f);
	put_dhcp(x, 30000, client, PCAP_DHCP_REQUEST, 0x2222);
	cap_close(&x->f);
	cap_feed(&x->f, x->c);
	pcap_count_take(x->c, &x->iv);
	assert_int_equal(x->iv.unanswered, 0);
}

static void
test_nak(void **state)
{
	struct fix *x = *state;

	cap_open(&x->f);
	put_dhcp(x, 0, client, PCAP_DHCP_REQUEST, 0x4444);
	put_dhcp(x, 5, client, PCAP_DHCP_NAK, 0x4444);
	put_dhcp(x, 10, client, PCAP_DHCP_DISCOVER, 0x4445);
	put_dhcp(x, 5000, client, PCAP_DHCP_REQUEST, 0x4444);
	put_dhcp(x, 6000, client, PCAP_DHCP_RELEASE, 0x4444);
	put_dhcp(x, 9000, client, PCAP_DHCP_REQUEST, 0x4444);
	put_dhcp(x, 9100, client, PCAP_DHCP_DECLINE, 0x4444);
	put_dhcp(x, 9200, client, PCAP_DHCP_INFORM, 0x4446);
	cap_close(&x->f);
	cap_feed(&x->f, x->c);
	pcap_count_take(x->c, &x->iv);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_NAK], 1);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_REQUEST], 3);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_RELEASE], 1);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_DECLINE], 1);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_INFORM], 1);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_DISCOVER], 1);
	/* a NAK is an answer; a RELEASE ends the wait */
	assert_int_equal(x->iv.unanswered, 0);
	assert_int_equal(x->iv.latency_n, 0);
}

static void
test_malformed(void **state)
{
	struct fix *x = *state;
	unsigned tip, tudp;
	size_t n;

	cap_open(&x->f);
	put_dhcp(x, 0, client, PCAP_DHCP_REQUEST, 0x5555);
	/* the server's ACK with a bad UDP checksum: lost for the client */
	memset(&x->s, 0, sizeof(x->s));
	x->s.bad_udp = true;
	n = dhcp_frame(client, PCAP_DHCP_ACK, 0x5555, x->frame, &x->s, x->pay);
	cap_write(&x->f, 10, x->frame, n, 0, false);
	put_dhcp(x, 3000, client, PCAP_DHCP_REQUEST, 0x5555);
	/* a bad IPv4 header checksum */
	memset(&x->s, 0, sizeof(x->s));
	x->s.bad_ip = true;
	n = dhcp_frame(client2, PCAP_DHCP_DISCOVER, 1, x->frame, &x->s, x->pay);
	cap_write(&x->f, 3001, x->frame, n, 0, false);
	/* UDP checksum 0: none, fine */
	memset(&x->s, 0, sizeof(x->s));
	x->s.zero_udp = true;
	n = dhcp_frame(client2, PCAP_DHCP_DISCOVER, 2, x->frame, &x->s, x->pay);
	cap_write(&x->f, 3002, x->frame, n, 0, false);
	/* a DHCP frame cut by the snaplen: truncated, not counted */
	memset(&x->s, 0, sizeof(x->s));
	n = dhcp_frame(client2, PCAP_DHCP_DISCOVER, 3, x->frame, &x->s, x->pay);
	cap_write(&x->f, 3003, x->frame, n, 200, false);
	/* TCP cut after its header by a small snaplen: not truncated */
	memset(&x->s, 0, sizeof(x->s));
	x->s.src = client;
	x->s.dst = server;
	x->s.proto = 6;
	x->s.ip_src = CLIENT_IP;
	x->s.ip_dst = SERVER_IP;
	x->s.payload = x->pay;
	x->s.plen = 500;
	n = build(&x->s, x->frame);
	cap_write(&x->f, 3004, x->frame, n, 96, false);
	/* a frame shorter on the wire than its IPv4 header says */
	cap_write(&x->f, 3005, x->frame, 100, 0, false);
	cap_close(&x->f);

	cap_feed(&x->f, x->c);
	pcap_count_take(x->c, &x->iv);
	assert_int_equal(x->iv.frames, 8);
	assert_int_equal(x->iv.bad_udp_csum, 1);
	assert_int_equal(x->iv.bad_ip_csum, 1);
	assert_int_equal(x->iv.truncated, 2);
	assert_int_equal(x->iv.ignored, 0);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_ACK], 0);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_DISCOVER], 1);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_REQUEST], 2);
	assert_int_equal(x->iv.unanswered, 1);

	if (tcpdump_bad(&x->f, &tip, &tudp)) {
		assert_int_equal(tip, 1);
		assert_int_equal(tudp, 1);
	}
}

static void
test_vlan_dhcp(void **state)
{
	struct fix *x = *state;
	size_t n;

	cap_open(&x->f);
	memset(&x->s, 0, sizeof(x->s));
	x->s.vlans = 1;
	x->s.vid[0] = 10;
	n = dhcp_frame(
	    client, PCAP_DHCP_REQUEST, 0x6666, x->frame, &x->s, x->pay);
	cap_write(&x->f, 0, x->frame, n, 0, false);
	memset(&x->s, 0, sizeof(x->s));
	x->s.vlans = 2;
	x->s.tpid[0] = 0x88a8;
	x->s.vid[0] = 200;
	x->s.vid[1] = 10;
	n = dhcp_frame(client, PCAP_DHCP_ACK, 0x6666, x->frame, &x->s, x->pay);
	cap_write(&x->f, 40, x->frame, n, 0, false);
	cap_close(&x->f);
	cap_feed(&x->f, x->c);
	pcap_count_take(x->c, &x->iv);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_REQUEST], 1);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_ACK], 1);
	assert_int_equal(x->iv.latency_max_us, 40000);
	assert_int_equal(x->iv.ipv4, 2);
}

/* An OFFER this host sent with a checksum left to offload. */
static void
write_outgoing(struct fix *x)
{
	size_t n;

	cap_open(&x->f);
	memset(&x->s, 0, sizeof(x->s));
	x->s.bad_udp = true;
	n = dhcp_frame(
	    client, PCAP_DHCP_OFFER, 0x7777, x->frame, &x->s, x->pay);
	cap_write(&x->f, 0, x->frame, n, 0, true);
	cap_close(&x->f);
	cap_feed(&x->f, x->c);
	pcap_count_take(x->c, &x->iv);
}

static void
test_outgoing_ignored(void **state)
{
	struct fix *x = *state;

	write_outgoing(x);
	assert_int_equal(x->iv.bad_udp_csum, 0);
	assert_int_equal(x->iv.ignored, 1);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_OFFER], 1);
}

static void
test_outgoing_counted(void **state)
{
	struct fix *x = *state;

	write_outgoing(x);
	assert_int_equal(x->iv.bad_udp_csum, 1);
	assert_int_equal(x->iv.ignored, 0);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_OFFER], 0);
}

/* The value of field in service svc of b. */
static double
value(struct batch *b, const char *svc, const char *field, bool *unknown)
{
	struct service *s = batch_service(b, svc, false);
	struct field *f;

	assert_non_null(s);
	assert_true(s->has_config);
	f = service_field(s, field, false);
	if (f == NULL)
		fail_msg("no field %s in %s", field, svc);
	assert_true(f->has_value);
	if (unknown != NULL)
		*unknown = f->unknown;
	return f->value;
}

static const char *
attr(struct batch *b, const char *svc, const char *field, const char *key)
{
	struct service *s = batch_service(b, svc, false);
	struct field *f;

	assert_non_null(s);
	f = service_field(s, field, false);
	assert_non_null(f);
	return attrs_get(&f->attrs, key);
}

static void
test_traffic_services(void **state)
{
	static const uint8_t third[6] = {0x52, 0x54, 0x00, 0x00, 0x00, 0x03};
	struct fix *x = *state;
	struct pcap_mac_name names[] = {
	    {{0x52, 0x54, 0x00, 0xab, 0xcd, 0xef}, "web-1"},
	    {{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}, "web-1"},
	};
	struct pcap_capture_stats st = {true, 1000, 7};
	struct batch b = {0};
	bool u;
	size_t n, i;

	cap_open(&x->f);
	memset(&x->s, 0, sizeof(x->s));
	x->s.payload = x->pay;
	memset(x->pay, 0xaa, 600);
	/* client -> client2: 3 frames of 100 bytes of payload */
	x->s.src = client;
	x->s.dst = client2;
	x->s.ip_src = CLIENT_IP;
	x->s.ip_dst = CLIENT_IP + 1;
	x->s.sport = 5000;
	x->s.dport = 5001;
	x->s.plen = 100;
	for (i = 0; i < 3; i++) {
		n = build(&x->s, x->frame);
		cap_write(&x->f, i, x->frame, n, 0, false);
	}
	assert_int_equal(n, 142);
	/* third -> client: 1 frame of 500 */
	x->s.src = third;
	x->s.dst = client;
	x->s.plen = 500;
	n = build(&x->s, x->frame);
	assert_int_equal(n, 542);
	cap_write(&x->f, 10, x->frame, n, 0, false);
	/* an IPv6 multicast from third */
	memset(x->frame, 0, 80);
	x->frame[0] = 0x33;
	x->frame[1] = 0x33;
	memcpy(x->frame + 6, third, 6);
	x->frame[12] = 0x86;
	x->frame[13] = 0xdd;
	cap_write(&x->f, 11, x->frame, 80, 0, false);
	cap_close(&x->f);
	cap_feed(&x->f, x->c);

	pcap_mac_names_sort(names, 2);
	assert_int_equal(
	    pcap_count_services(x->c, "br0", 2.0, &st, names, 2, &b), 0);
	/* client (…12:34:56) sorts before client2: it keeps the name */
	assert_float_equal(value(&b, "pcap_traffic_br0", "web_1_tx", NULL),
	    3 * 142 / 2.0, 1e-9);
	assert_float_equal(
	    value(&b, "pcap_traffic_br0", "web_1_rx", NULL), 542 / 2.0, 1e-9);
	assert_float_equal(
	    value(&b, "pcap_traffic_br0", "web_1_525400abcdef_rx", NULL),
	    3 * 142 / 2.0, 1e-9);
	assert_float_equal(
	    value(&b, "pcap_traffic_br0", "mac_525400000003_tx", NULL),
	    (542 + 80) / 2.0, 1e-9);
	assert_float_equal(
	    value(&b, "pcap_packets_br0", "mac_525400000003_tx", NULL), 1.0,
	    1e-9);
	assert_string_equal(
	    attr(&b, "pcap_traffic_br0", "web_1_tx", "negative"), "web_1_rx");
	assert_string_equal(attr(&b, "pcap_traffic_br0", "web_1_rx", "label"),
	    "web-1 52:54:00:12:34:56");
	assert_string_equal(
	    attr(&b, "pcap_traffic_br0", "mac_525400000003_rx", "graph"), "no");
	assert_float_equal(
	    value(&b, "pcap_capture_br0", "received", &u), 1000, 0);
	assert_false(u);
	assert_float_equal(
	    value(&b, "pcap_capture_br0", "dropped", NULL), 7, 0);
	assert_string_equal(
	    attr(&b, "pcap_capture_br0", "dropped", "type"), "DERIVE");
	assert_float_equal(
	    value(&b, "pcap_capture_br0", "frames", NULL), 5 / 2.0, 1e-9);
	assert_float_equal(
	    value(&b, "pcap_capture_br0", "ipv6", NULL), 1 / 2.0, 1e-9);
	assert_float_equal(
	    value(&b, "pcap_capture_br0", "ipv4", NULL), 4 / 2.0, 1e-9);
	assert_float_equal(value(&b, "pcap_dhcp_br0", "ack", NULL), 0, 0);
	assert_string_equal(
	    attr(&b, "pcap_dhcp_br0", "unanswered", "warning"), "0");
	assert_string_equal(
	    attr(&b, "pcap_dhcp_latency_br0", "latency_max", "warning"),
	    "1000");
	assert_string_equal(
	    attr(&b, "pcap_dhcp_latency_br0", "latency_avg", "critical"),
	    "3000");
	assert_float_equal(
	    value(&b, "pcap_errors_br0", "truncated", NULL), 0, 0);
	batch_cleanup(&b);

	/* no stats, no interval length: unknown, not zero */
	assert_int_equal(
	    pcap_count_services(x->c, "br0", 0, NULL, NULL, 0, &b), 0);
	value(&b, "pcap_capture_br0", "received", &u);
	assert_true(u);
	value(&b, "pcap_traffic_br0", "mac_525400123456_tx", &u);
	assert_true(u);
	batch_cleanup(&b);

	/* MACs idle long enough are dropped; so are the traffic services */
	for (i = 0; i < PCAP_MAC_IDLE_INTERVALS; i++)
		pcap_count_take(x->c, &x->iv);
	assert_int_equal(
	    pcap_count_services(x->c, "br0", 2.0, &st, NULL, 0, &b), 0);
	assert_null(batch_service(&b, "pcap_traffic_br0", false));
	assert_null(batch_service(&b, "pcap_packets_br0", false));
	assert_non_null(batch_service(&b, "pcap_capture_br0", false));
	assert_int_equal(b.n, 4);
	batch_cleanup(&b);
}

static void
test_latency_services(void **state)
{
	struct fix *x = *state;
	struct batch b = {0};

	cap_open(&x->f);
	put_dhcp(x, 0, client, PCAP_DHCP_REQUEST, 1);
	put_dhcp(x, 10, client2, PCAP_DHCP_REQUEST, 2);
	put_dhcp(x, 20, client, PCAP_DHCP_ACK, 1);
	put_dhcp(x, 2010, client2, PCAP_DHCP_REQUEST, 2);
	put_dhcp(x, 2510, client2, PCAP_DHCP_ACK, 2);
	cap_close(&x->f);
	cap_feed(&x->f, x->c);
	assert_int_equal(
	    pcap_count_services(x->c, "tap0.1", 300, NULL, NULL, 0, &b), 0);
	/* the name through Munin's plugin-name rule */
	assert_float_equal(
	    value(&b, "pcap_dhcp_latency_tap0_1", "latency_max", NULL), 2500,
	    1e-9);
	assert_float_equal(
	    value(&b, "pcap_dhcp_latency_tap0_1", "latency_avg", NULL),
	    (20 + 2500) / 2.0, 1e-9);
	assert_float_equal(
	    value(&b, "pcap_dhcp_tap0_1", "unanswered", NULL), 1, 0);
	assert_float_equal(
	    value(&b, "pcap_dhcp_tap0_1", "request", NULL), 3, 0);
	batch_cleanup(&b);
}

/* Feeds the captured fixture, "outgoing" the frames from the server's
 * veth (as the source will tell them: PACKET_OUTGOING). */
static void
feed_fixture(struct pcap_count *c, struct pcap_interval *iv)
{
	static const uint8_t smac[6] = {2, 0, 0, 0, 0x18, 1};
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *p;

	p = pcap_open_offline(FIXTURES "/pcap/dhcp-netns.pcap", err);
	if (p == NULL)
		fail_msg("%s", err);
	while (pcap_next_ex(p, &h, &data) == 1)
		pcap_count_frame(c,
		    (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec,
		    data, h->caplen, h->len,
		    h->caplen >= 12 && memcmp(data + 6, smac, 6) == 0);
	pcap_close(p);
	pcap_count_take(c, iv);
	assert_int_equal(iv->frames, 9);
	assert_int_equal(iv->dhcp[PCAP_DHCP_DISCOVER], 3);
	assert_int_equal(iv->dhcp[PCAP_DHCP_REQUEST], 4);
	/* the three REQUESTs of one xid after dnsmasq stopped */
	assert_int_equal(iv->unanswered, 1);
	assert_int_equal(iv->truncated + iv->bad_ip_csum, 0);
}

static void
test_captured_ignore_outgoing(void **state)
{
	struct fix *x = *state;

	feed_fixture(x->c, &x->iv);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_OFFER], 1);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_ACK], 1);
	assert_int_equal(x->iv.latency_n, 1);
	assert_int_equal(x->iv.latency_max_us, 199069 - 180248);
	assert_int_equal(x->iv.bad_udp_csum, 0);
	assert_int_equal(x->iv.ignored, 2);
}

static void
test_captured_counted(void **state)
{
	struct fix *x = *state;

	/* dnsmasq's OFFER and ACK carry partial checksums on the veth */
	feed_fixture(x->c, &x->iv);
	assert_int_equal(x->iv.bad_udp_csum, 2);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_OFFER], 0);
	assert_int_equal(x->iv.dhcp[PCAP_DHCP_ACK], 0);
	assert_int_equal(x->iv.latency_n, 0);
}

static void
test_mac_table_bounds(void **state)
{
	struct fix *x = *state;
	uint8_t f[60] = {0};
	unsigned i;

	memcpy(f, bcast, 6);
	f[12] = 0x08;
	f[13] = 0x06; /* ARP */
	for (i = 0; i < PCAP_MACS_MAX + 76; i++) {
		f[6] = 0x02;
		f[10] = (uint8_t)(i >> 8);
		f[11] = (uint8_t)i;
		pcap_count_frame(x->c, i, f, sizeof(f), sizeof(f), false);
	}
	pcap_count_take(x->c, &x->iv);
	assert_int_equal(x->iv.nmac, PCAP_MACS_MAX);
	assert_int_equal(x->iv.untracked, 76);
	assert_int_equal(x->iv.frames, PCAP_MACS_MAX + 76);
	/* one MAC stays busy; the idle ones go after their idle intervals */
	for (i = 0; i < PCAP_MAC_IDLE_INTERVALS; i++) {
		f[10] = 0;
		f[11] = 5;
		pcap_count_frame(x->c, i, f, sizeof(f), sizeof(f), false);
		pcap_count_take(x->c, &x->iv);
		assert_int_equal(x->iv.untracked, 0);
		if (i + 1 < PCAP_MAC_IDLE_INTERVALS)
			assert_int_equal(x->iv.nmac, PCAP_MACS_MAX);
	}
	pcap_count_take(x->c, &x->iv);
	assert_int_equal(x->iv.nmac, 1);
	assert_int_equal(x->iv.mac[0].mac[5], 5);
	assert_int_equal(x->iv.mac[0].tx_frames, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_decode_dhcp, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_decode_vlan_ipv6_short, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dora, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_unanswered_retries, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nak, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vlan_dhcp, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_outgoing_ignored, setup_ignore, teardown),
	    cmocka_unit_test_setup_teardown(
		test_outgoing_counted, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_traffic_services, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_latency_services, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_captured_ignore_outgoing, setup_ignore, teardown),
	    cmocka_unit_test_setup_teardown(
		test_captured_counted, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_mac_table_bounds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
