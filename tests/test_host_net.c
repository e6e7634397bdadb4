/*
 * Tests for host_net: the /proc/net/dev, snmp and nf_conntrack parsers and
 * the if_, if_err_, netstat and fw_conntrack services on the fixtures of
 * tests/fixtures/net (this machine, a host with many kinds of interfaces,
 * a 2.6.18 one), malformed input, and every prefix of every fixture put
 * right before an inaccessible page, so that a read past len faults.
 * The expected counts are what Munin's plugins print for these fixtures
 * (tests/test_host_net_compat.sh checks that against the plugins).
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/log.h"
#include "plugins/host.h"
#include "plugins/host_net.h"
#include "tests/batch_guard.h"
#include "tests/fixture.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* The fixture file rel under FIXTURES/net. */
static char *
fixture_read_net(const char *rel, size_t *lenp)
{
	char path[512];

	snprintf(path, sizeof(path), "net/%s", rel);
	return fixture_read(path, lenp);
}

static const struct service *
service(const struct batch *b, const char *name)
{
	const struct service *s = batch_service((struct batch *)b, name, false);

	if (s == NULL)
		fail_msg("no service %s", name);
	return s;
}

static void
check_value(const struct service *s, const char *name, double want)
{
	const struct field *f = service_field((struct service *)s, name, false);

	if (f == NULL)
		fail_msg("%s: no field %s", s->name, name);
	assert_true(f->has_value);
	assert_false(f->unknown);
	if (f->value != want)
		fail_msg(
		    "%s.%s = %.17g, want %.17g", s->name, name, f->value, want);
}

static void
check_unknown(const struct service *s, const char *name)
{
	const struct field *f = service_field((struct service *)s, name, false);

	assert_non_null(f);
	assert_true(f->has_value);
	assert_true(f->unknown);
}

/* field NULL: a graph attribute; want NULL: must be absent. */
static void
check_attr(const struct service *s, const char *field, const char *key,
    const char *want)
{
	const struct field *f;
	const char *got;

	if (field == NULL) {
		got = attrs_get(&s->graph, key);
	} else {
		f = service_field((struct service *)s, field, false);
		if (f == NULL)
			fail_msg("%s: no field %s", s->name, field);
		got = attrs_get(&f->attrs, key);
	}
	if (want == NULL) {
		if (got != NULL)
			fail_msg("%s %s.%s = \"%s\", want none", s->name,
			    field ? field : "", key, got);
		return;
	}
	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s %s.%s = \"%s\", want \"%s\"", s->name,
		    field ? field : "", key, got ? got : "(none)", want);
}

static const struct host_net_dev *
dev(const struct host_net_devs *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->v[i].name, name) == 0)
			return &d->v[i];
	fail_msg("no interface %s", name);
	return NULL;
}

/* ---- /proc/net/dev ------------------------------------------------------ */

static void
test_dev_this_machine(void **state)
{
	struct host_net_devs d = {0};
	const struct host_net_dev *e;
	size_t len;
	char *buf = fixture_read("net/host/proc/net/dev", &len);

	(void)state;
	assert_int_equal(host_net_parse_dev(buf, len, &d), 0);
	assert_int_equal(d.n, 4);
	assert_string_equal(d.v[0].name, "lo");
	e = dev(&d, "eth0");
	assert_true(e->col[NET_RX_BYTES] == 163618559);
	assert_true(e->col[NET_TX_BYTES] == 310755);
	assert_true(e->col[1] == 5818 && e->col[9] == 4025);
	host_net_devs_cleanup(&d);
	free(buf);
}

static void
test_dev_many_interfaces(void **state)
{
	/* munin-node-configure's suggestion for this fixture */
	static const char *const suggested[] = {"eth0", "eth1", "br-lan",
	    "ETH2.7", "tap0", "tap_vm1", "veth1a2b3c", "veth9", "gre10",
	    "docker0", "wlan0", "wg-vpn.3", "bond0"};
	struct host_net_devs d = {0};
	const struct host_net_dev *e;
	size_t len, i, j = 0;
	char *buf = fixture_read("net/many/proc/net/dev", &len);

	(void)state;
	assert_int_equal(host_net_parse_dev(buf, len, &d), 0);
	assert_int_equal(d.n, 19);
	for (i = 0; i < d.n; i++) {
		if (!host_net_suggested(d.v[i].name))
			continue;
		assert_true(j < NELEM(suggested));
		assert_string_equal(d.v[i].name, suggested[j]);
		j++;
	}
	assert_int_equal(j, NELEM(suggested));
	/* a name longer than the kernel's %6s pushes the colon right */
	e = dev(&d, "veth1a2b3c");
	assert_true(e->col[NET_RX_BYTES] == 972528593);
	assert_true(e->col[NET_TX_COLLS] == 60);
	e = dev(&d, "eth0");
	assert_true(e->col[NET_RX_BYTES] == 888541649201ULL);
	assert_true(e->col[NET_RX_ERRS] == 44 && e->col[NET_RX_DROP] == 188);
	assert_true(e->col[NET_TX_ERRS] == 10 && e->col[NET_TX_DROP] == 119);
	host_net_devs_cleanup(&d);
	free(buf);
}

static void
test_dev_old_kernel(void **state)
{
	struct host_net_devs d = {0};
	const struct host_net_dev *e;
	size_t len;
	char *buf = fixture_read("net/old/proc/net/dev", &len);

	(void)state;
	assert_int_equal(host_net_parse_dev(buf, len, &d), 0);
	assert_int_equal(d.n, 5);
	/* "  eth0:5778771053 ...": the colon touches the first number */
	e = dev(&d, "eth0");
	assert_true(e->col[NET_RX_BYTES] == 5778771053ULL);
	assert_true(e->col[NET_TX_BYTES] == 12904673620ULL);
	assert_true(e->col[15] == 0);
	host_net_devs_cleanup(&d);
	free(buf);
}

static void
test_dev_malformed_rejected(void **state)
{
	static const char *const bad[] = {
	    "  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\n", /* 15 numbers */
	    "  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 x6\n",
	    "  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16x\n",
	    "  eth0: -1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
	    "  eth0: 18446744073709551616 2 3 4 5 6 7 8 9 10 11 12 13 14 15 "
	    "16\n",
	    "    : 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n", /* no name */
	    ":\n",
	    "an-interface-name-far-longer-than-any-kernel-allows-which-is-15-"
	    "bytes: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n",
	    "  eth0: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n  eth1:\n",
	};
	struct host_net_devs d = {0};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		errno = 0;
		if (host_net_parse_dev(bad[i], strlen(bad[i]), &d) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(d.n, 0);
	}
	/* no colon anywhere: headers only, no interface */
	assert_int_equal(host_net_parse_dev("Inter-|\n face |\n", 16, &d), 0);
	assert_int_equal(d.n, 0);
	/* the largest counter and a last line without '\n' */
	static const char max[] = "lo:18446744073709551615 2 3 4 5 6 7 8 9 10 "
				  "11 12 13 14 15 16";
	assert_int_equal(host_net_parse_dev(max, strlen(max), &d), 0);
	assert_int_equal(d.n, 1);
	assert_true(d.v[0].col[0] == UINT64_MAX);
	host_net_devs_cleanup(&d);
}

static void
test_suggested(void **state)
{
	static const struct {
		const char *name;
		bool want;
	} cases[] = {
	    {"eth0", true},
	    {"lo", false},
	    {"lo0", true},
	    {"gre0", false},
	    {"gre9", false},
	    {"gre10", true},
	    {"sit0", false},
	    {"sit123", false},
	    {"sit", true},
	    {"sitx", true},
	    {"eth0.100", false},
	    {"br0.5", false},
	    {"ETH0.5", true},
	    {"br-lan.5", true},
	    {"br-lan", true},
	    {"wg_vpn", true},
	    {"eth0.", true},
	    {".5", true},
	    {"tun@x", false},
	    {"a b", false},
	    {"", false},
	    {"veth1a2b3c", true},
	};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++)
		if (host_net_suggested(cases[i].name) != cases[i].want)
			fail_msg("%s: want %d", cases[i].name, cases[i].want);
}

static void
test_speed(void **state)
{
	static const struct {
		const char *text;
		bool ok;
		int64_t mbps;
	} cases[] = {
	    {"1000\n", true, 1000},
	    {"10000", true, 10000},
	    {"-1\n", false, 0},
	    {"0\n", false, 0},
	    {"", false, 0},
	    {"\n", false, 0},
	    {"garbage\n", false, 0},
	    {"100 Mb/s\n", false, 0},
	    {"99999999999999999999\n", false, 0},
	    {"9223372036855\n", false, 0}, /* bits/s would overflow */
	    {"9223372036854\n", true, 9223372036854},
	};
	int64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		v = 0;
		if (host_net_parse_speed(cases[i].text, strlen(cases[i].text),
			&v) != cases[i].ok ||
		    (cases[i].ok && v != cases[i].mbps))
			fail_msg("\"%s\"", cases[i].text);
	}
}

static void
test_if_services(void **state)
{
	struct host_net_devs d = {0};
	struct batch b = {0};
	const struct service *s;
	uint64_t drop = 151;
	FILE *log;
	size_t len;
	char *buf = fixture_read("net/many/proc/net/dev", &len);

	(void)state;
	assert_int_equal(host_net_parse_dev(buf, len, &d), 0);
	assert_int_equal(host_net_if_add(&b, dev(&d, "eth0"), 1000), 0);
	assert_int_equal(host_net_if_add(&b, dev(&d, "br-lan"), 0), 0);
	assert_int_equal(host_net_if_err_add(&b, dev(&d, "eth0"), &drop), 0);
	assert_int_equal(host_net_if_err_add(&b, dev(&d, "br-lan"), NULL), 0);
	assert_int_equal(b.n, 4);

	s = service(&b, "if_eth0");
	assert_true(s->has_config);
	check_attr(s, NULL, "graph_order", "down up");
	check_attr(s, NULL, "graph_title", "eth0 traffic");
	check_attr(s, NULL, "graph_vlabel",
	    "bits in (-) / out (+) per ${graph_period}");
	check_attr(s, "down", "cdef", "down,8,*");
	check_attr(s, "down", "graph", "no");
	check_attr(s, "down", "max", "1000000000");
	check_attr(s, "up", "negative", "down");
	check_attr(s, "up", "type", "DERIVE");
	check_attr(s, "up", "max", "1000000000");
	check_attr(s, "up", "info",
	    "Traffic of the eth0 interface. Maximum speed is 1000 Mb/s.");
	check_value(s, "down", 888541649201.0);
	check_value(s, "up", 20106348021.0);

	/* the service is named as Munin's master names it, the title keeps
	 * the kernel's name; no speed: no max */
	s = service(&b, "if_br_lan");
	check_attr(s, NULL, "graph_title", "br-lan traffic");
	check_attr(s, "up", "max", NULL);
	check_attr(s, "down", "max", NULL);
	check_attr(s, "up", "info",
	    "Traffic of the br-lan interface. Unable to determine interface "
	    "speed. Please install ethtool, wireless-tools, mii-tool or "
	    "whatever is appropriate for the interface.");

	s = service(&b, "if_err_eth0");
	check_attr(s, NULL, "graph_order", "rcvd trans");
	check_attr(s, "rcvd", "warning", "1");
	check_attr(s, "trans", "negative", "rcvd");
	check_attr(s, "txdrop", "negative", "rxdrop");
	check_attr(s, "collisions", "type", "COUNTER");
	check_value(s, "rcvd", 44);
	check_value(s, "trans", 10);
	check_value(s, "rxdrop", 151); /* sysfs rx_dropped, not 188 */
	check_value(s, "txdrop", 119);
	check_value(s, "collisions", 45);
	s = service(&b, "if_err_br_lan");
	check_value(s, "rxdrop", 224);

	/* a second interface that sanitises alike is skipped */
	struct host_net_dev twin = *dev(&d, "br-lan");
	strcpy(twin.name, "br_lan");
	log = tmpfile();
	assert_non_null(log);
	log_set_stream(log);
	assert_int_equal(host_net_if_add(&b, &twin, 0), 0);
	log_set_stream(NULL);
	fclose(log);
	assert_int_equal(b.n, 4);
	check_attr(
	    service(&b, "if_br_lan"), NULL, "graph_title", "br-lan traffic");

	batch_cleanup(&b);
	host_net_devs_cleanup(&d);
	free(buf);
}

/* ---- /proc/net/snmp ----------------------------------------------------- */

static void
check_netstat(const char *rel, double active, double passive, double failed,
    double resets, double established)
{
	struct batch b = {0};
	const struct service *s;
	size_t len;
	char *buf = fixture_read_net(rel, &len);

	assert_int_equal(host_net_parse_snmp(buf, len, &b), 0);
	assert_int_equal(b.n, 2);
	s = service(&b, "netstat");
	assert_string_equal(b.services[0].name, "netstat");
	check_attr(
	    s, NULL, "graph_args", "--units=si -l 1 --base 1000 --logarithmic");
	check_attr(s, "active", "max", "50000");
	check_attr(s, "resets", "info", "The number of TCP connection resets.");
	check_attr(s, "established", "type", "GAUGE");
	check_value(s, "active", active);
	check_value(s, "passive", passive);
	check_value(s, "failed", failed);
	check_value(s, "resets", resets);
	check_value(s, "established", established);
	s = service(&b, "netstat_established");
	assert_int_equal(s->nfields, 1);
	check_attr(s, NULL, "graph_args", "--lower-limit 0");
	check_value(s, "established", established);
	batch_cleanup(&b);
	free(buf);
}

static void
test_snmp(void **state)
{
	(void)state;
	check_netstat("host/proc/net/snmp", 187883, 187040, 818, 68224, 0);
	check_netstat(
	    "many/proc/net/snmp", 4023117, 1873345, 10441, 35287, 187);
	check_netstat(
	    "old/proc/net/snmp", 77120934, 5510234, 4410221, 98123, 1402);
}

static void
test_snmp_malformed_rejected(void **state)
{
	static const char *const bad[] = {
	    "",
	    "Ip: Forwarding\nIp: 1\n",
	    "Tcp: ActiveOpens CurrEstab\n", /* no values line */
	    "Tcp: ActiveOpens CurrEstab\nTcp: 1\n",
	    "Tcp: ActiveOpens CurrEstab\nTcp: 1 2 3\n",
	    "Tcp: ActiveOpens CurrEstab\nTcp: 1 x\n",
	    "Tcp: ActiveOpens CurrEstab\nTcp: 1 2x\n",
	    "Tcp: ActiveOpens CurrEstab\nTcp: 1 -\n",
	    "Tcp: ActiveOpens\nTcp: 99999999999999999999\n",
	};
	struct batch b = {0};
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++) {
		errno = 0;
		if (host_net_parse_snmp(bad[i], strlen(bad[i]), &b) != -1)
			fail_msg("accepted: %s", bad[i]);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(b.n, 0);
	}
	/* a column the kernel lacks is U; a negative MaxConn is fine */
	static const char some[] = "Tcp: MaxConn ActiveOpens CurrEstab\n"
				   "Tcp: -1 5 3";
	assert_int_equal(host_net_parse_snmp(some, strlen(some), &b), 0);
	check_value(service(&b, "netstat"), "active", 5);
	check_value(service(&b, "netstat"), "established", 3);
	check_unknown(service(&b, "netstat"), "passive");
	check_unknown(service(&b, "netstat"), "resets");
	batch_cleanup(&b);
}

/* ---- nf_conntrack ------------------------------------------------------- */

static void
check_counts(const char *what, const struct host_net_conntrack *c,
    const uint64_t want[8])
{
	const uint64_t got[8] = {c->established, c->fin_wait, c->time_wait,
	    c->syn_sent, c->udp, c->assured, c->natted, c->total};
	size_t i;

	for (i = 0; i < 8; i++)
		if (got[i] != want[i])
			fail_msg("%s: counter %zu = %" PRIu64 ", want %" PRIu64,
			    what, i, got[i], want[i]);
}

static void
test_conntrack_fixtures(void **state)
{
	/* established fin_wait time_wait syn_sent udp assured nated total,
	 * as Munin's fw_conntrack prints them for these files */
	static const uint64_t many[8] = {11, 3, 7, 3, 9, 20, 21, 40};
	static const uint64_t old[8] = {10, 3, 6, 3, 8, 21, 21, 36};
	struct host_net_conntrack c = {0};
	struct batch b = {0};
	const struct service *s;
	size_t len;
	char *buf;

	(void)state;
	buf = fixture_read("net/many/proc/net/nf_conntrack", &len);
	host_net_parse_conntrack(buf, len, &c);
	check_counts("many", &c, many);
	free(buf);
	memset(&c, 0, sizeof(c));
	buf = fixture_read("net/old/proc/net/ip_conntrack", &len);
	host_net_parse_conntrack(buf, len, &c);
	check_counts("old", &c, old);
	free(buf);

	assert_int_equal(host_net_conntrack_add(&b, &c, "16383\n", 6), 0);
	s = service(&b, "fw_conntrack");
	check_attr(s, NULL, "graph_args", "-l 0");
	check_attr(s, "udp", "label", "UDP connections");
	check_attr(s, "nated", "draw", "LINE1");
	check_attr(s, "total", "graph", "no");
	check_attr(s, "total", "warning", "13106.4");
	check_attr(s, "total", "critical", "14744.7");
	check_value(s, "nated", 21);
	check_value(s, "total", 36);
	batch_cleanup(&b);
}

static void
test_conntrack_lines(void **state)
{
	static const struct {
		const char *line;
		uint64_t want[8];
	} cases[] = {
	    /* SNAT: the reply goes to another address */
	    {"ipv4 2 tcp 6 5 ESTABLISHED src=10.0.0.2 dst=1.1.1.1 sport=1 "
	     "dport=2 src=1.1.1.1 dst=9.9.9.9 sport=2 dport=1 [ASSURED]",
		{1, 0, 0, 0, 0, 1, 1, 1}},
	    /* no NAT */
	    {"tcp 6 5 TIME_WAIT src=10.0.0.2 dst=1.1.1.1 sport=1 dport=2 "
	     "src=1.1.1.1 dst=10.0.0.2 sport=2 dport=1",
		{0, 0, 1, 0, 0, 0, 0, 1}},
	    /* icmp: no sport, never NATed; a state only after "tcp " */
	    {"ipv4 2 icmp 1 29 src=1.1.1.1 dst=2.2.2.2 type=8 code=0 id=1 "
	     "src=3.3.3.3 dst=4.4.4.4 type=0 code=0 id=1",
		{0, 0, 0, 0, 0, 0, 0, 1}},
	    /* states the plugin counts but never prints */
	    {"tcp 6 5 CLOSE_WAIT src=a dst=b sport=1 dport=2 src=b dst=a",
		{0, 0, 0, 0, 0, 0, 0, 1}},
	    /* a "state" that is one of the plugin's other keys */
	    {"tcp 6 5 UDP x", {0, 0, 0, 0, 1, 0, 0, 1}},
	    {"tcp 6 5 TOTAL", {0, 0, 0, 0, 0, 0, 0, 2}},
	    /* "tcp" then digits: the first "tcp " that fits */
	    {"xtcp 6 a tcp 6 7 SYN_SENT", {0, 0, 0, 1, 0, 0, 0, 1}},
	    {"tcp 6 5", {0, 0, 0, 0, 0, 0, 0, 1}},
	    {"tcp 6 5 ", {0, 0, 0, 0, 0, 0, 0, 1}},
	    /* udp anywhere, with its blank */
	    {"udp 17 3 src=a dst=b sport=1 dport=2 src=b dst=a",
		{0, 0, 0, 0, 1, 0, 0, 1}},
	    {"udplite", {0, 0, 0, 0, 0, 0, 0, 1}},
	    /* only one tuple: no match, so not NATed */
	    {"src=a dst=b sport=1", {0, 0, 0, 0, 0, 0, 0, 1}},
	    /* the rightmost tuple after "sport" is the reply */
	    {"src=a dst=b sport=1 src=b dst=a x src=c dst=a",
		{0, 0, 0, 0, 0, 0, 1, 1}},
	    /* the first tuple must be followed by sport; a later one is */
	    {"src=z dst=y nosport src=a dst=b sport=1 src=b dst=a",
		{0, 0, 0, 0, 0, 0, 0, 1}},
	    {"src= dst=b sport=1 src=b dst=a", {0, 0, 0, 0, 0, 0, 0, 1}},
	    {"src=a dst=b sport=1 src=b dst=", {0, 0, 0, 0, 0, 0, 0, 1}},
	    {"", {0, 0, 0, 0, 0, 0, 0, 1}},
	};
	struct host_net_conntrack c;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		memset(&c, 0, sizeof(c));
		host_net_conntrack_line(
		    cases[i].line, strlen(cases[i].line), &c);
		check_counts(cases[i].line, &c, cases[i].want);
	}
	/* Perl's lines: an empty line counts, no line after the last '\n' */
	memset(&c, 0, sizeof(c));
	host_net_parse_conntrack("a\n\nb\n", 5, &c);
	assert_true(c.total == 3);
	memset(&c, 0, sizeof(c));
	host_net_parse_conntrack("a\nb", 3, &c);
	assert_true(c.total == 2);
}

static void
test_conntrack_max(void **state)
{
	static const struct {
		const char *max;
		const char *warn, *crit; /* NULL: none */
	} cases[] = {
	    {"65536\n", "52428.8", "58982.4"},
	    {"262144\n", "209715.2", "235929.6"},
	    {"100\n", "80", "90"},
	    {"0\n", NULL, NULL},
	    {"0", NULL, NULL},
	    {"\n", NULL, NULL},
	    {"", NULL, NULL},
	    {NULL, NULL, NULL},
	    {"00\n", "0", "0"},	     /* true in Perl, numerically 0 */
	    {"garbage\n", "0", "0"}, /* likewise */
	    {" 1000 extra\n", "800", "900"},
	};
	struct host_net_conntrack c = {0};
	struct batch b;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		memset(&b, 0, sizeof(b));
		assert_int_equal(host_net_conntrack_add(&b, &c, cases[i].max,
				     cases[i].max ? strlen(cases[i].max) : 0),
		    0);
		check_attr(service(&b, "fw_conntrack"), "total", "warning",
		    cases[i].warn);
		check_attr(service(&b, "fw_conntrack"), "total", "critical",
		    cases[i].crit);
		batch_cleanup(&b);
	}
}

/* ---- bounds ------------------------------------------------------------- */

static int
parse_dev_batch(const char *buf, size_t len, struct batch *b)
{
	struct host_net_devs d = {0};
	size_t i;
	int rc = host_net_parse_dev(buf, len, &d);

	for (i = 0; rc == 0 && i < d.n; i++)
		if (host_net_if_add(b, &d.v[i], 0) == -1 ||
		    host_net_if_err_add(b, &d.v[i], NULL) == -1)
			rc = -1;
	host_net_devs_cleanup(&d);
	return rc;
}

static int
parse_conntrack_batch(const char *buf, size_t len, struct batch *b)
{
	struct host_net_conntrack c = {0};

	host_net_parse_conntrack(buf, len, &c);
	return host_net_conntrack_add(b, &c, NULL, 0);
}

static void
test_prefixes_stay_in_bounds(void **state)
{
	static const struct {
		const char *rel;
		int (*parse)(const char *, size_t, struct batch *);
	} files[] = {
	    {"host/proc/net/dev", parse_dev_batch},
	    {"many/proc/net/dev", parse_dev_batch},
	    {"old/proc/net/dev", parse_dev_batch},
	    {"host/proc/net/snmp", host_net_parse_snmp},
	    {"many/proc/net/snmp", host_net_parse_snmp},
	    {"old/proc/net/snmp", host_net_parse_snmp},
	    {"many/proc/net/nf_conntrack", parse_conntrack_batch},
	    {"old/proc/net/ip_conntrack", parse_conntrack_batch},
	};
	struct batch b, bnl;
	struct guard g;
	size_t i, n, len;
	int rc, rcnl;
	char *text;

	(void)state;
	for (i = 0; i < NELEM(files); i++) {
		text = fixture_read_net(files[i].rel, &len);
		guard_init(&g, len + 1);
		for (n = 0; n <= len; n++) {
			memset(&b, 0, sizeof(b));
			memset(&bnl, 0, sizeof(bnl));
			rc = files[i].parse(guard_copy(&g, text, n, ""), n, &b);
			rcnl = files[i].parse(
			    guard_copy(&g, text, n, "\n"), n + 1, &bnl);
			if (rc != 0 && rc != -1)
				fail_msg("%s[0..%zu): %d", files[i].rel, n, rc);
			if (rc == -1 && b.n != 0)
				fail_msg("%s[0..%zu): -1 but %zu services",
				    files[i].rel, n, b.n);
			/* a '\n' after the last line changes nothing, except
			 * for conntrack, where it ends an empty prefix's
			 * only line */
			if (files[i].parse != parse_conntrack_batch &&
			    (rc != rcnl || !same_batch(&b, &bnl)))
				fail_msg("%s[0..%zu): differs with a newline",
				    files[i].rel, n);
			batch_cleanup(&b);
			batch_cleanup(&bnl);
		}
		memset(&b, 0, sizeof(b));
		assert_int_equal(
		    files[i].parse(guard_copy(&g, text, len, ""), len, &b), 0);
		assert_true(b.n > 0);
		batch_cleanup(&b);
		guard_cleanup(&g);
		free(text);
	}
}

/* ---- the probes on fixture trees ---------------------------------------- */

static int
collect(const char *probe, const char *fixture, struct batch *b)
{
	char proc[512], sys[512];
	struct host_roots r = {.proc = proc, .sys = sys};
	const struct host_probe *p = NULL;
	void *st = NULL;
	size_t i;
	int rc;

	snprintf(proc, sizeof(proc), "%s/%s/proc", FIXTURES, fixture);
	snprintf(sys, sizeof(sys), "%s/%s/sys", FIXTURES, fixture);
	for (i = 0; i < host_nprobes; i++)
		if (strcmp(host_probes[i]->name, probe) == 0)
			p = host_probes[i];
	assert_non_null(p);
	rc = p->collect(&r, &st, b);
	assert_null(st);
	return rc;
}

static void
test_collect_fixture_trees(void **state)
{
	struct batch b = {0};
	const struct service *s;
	FILE *log;

	(void)state;
	assert_int_equal(collect("if_", "net/many", &b), 0);
	assert_int_equal(b.n, 13);
	assert_null(batch_service(&b, "if_lo", false));
	assert_null(batch_service(&b, "if_eth0_100", false));
	check_attr(service(&b, "if_eth0"), "up", "max", "1000000000");
	check_attr(service(&b, "if_tap0"), "up", "max", "10000000");
	check_attr(service(&b, "if_eth1"), "up", "max", NULL);	 /* -1 */
	check_attr(service(&b, "if_br_lan"), "up", "max", NULL); /* EISDIR */
	check_attr(service(&b, "if_wlan0"), "up", "max", NULL);	 /* none */
	check_attr(service(&b, "if_gre10"), "up", "max", NULL);	 /* garbage */
	check_attr(
	    service(&b, "if_ETH2_7"), NULL, "graph_title", "ETH2.7 traffic");
	batch_cleanup(&b);
	memset(&b, 0, sizeof(b));

	assert_int_equal(collect("if_err_", "net/many", &b), 0);
	assert_int_equal(b.n, 13);
	check_value(service(&b, "if_err_eth0"), "rxdrop", 151);
	check_value(service(&b, "if_err_eth1"), "rxdrop", 295);
	batch_cleanup(&b);
	memset(&b, 0, sizeof(b));

	assert_int_equal(collect("netstat", "net/old", &b), 0);
	check_value(service(&b, "netstat_established"), "established", 1402);
	assert_int_equal(collect("fw_conntrack", "net/old", &b), 0);
	s = service(&b, "fw_conntrack");
	check_value(s, "total", 36);
	check_attr(s, "total", "warning", "13106.4");
	batch_cleanup(&b);
	memset(&b, 0, sizeof(b));

	assert_int_equal(collect("fw_conntrack", "net/host", &b), 0);
	check_value(service(&b, "fw_conntrack"), "total", 0);
	check_attr(service(&b, "fw_conntrack"), "total", "warning", "209715.2");
	batch_cleanup(&b);
	memset(&b, 0, sizeof(b));

	/* where no conntrack file exists there is no fw_conntrack; missing
	 * net/dev and snmp add nothing either */
	log = tmpfile();
	assert_non_null(log);
	log_set_stream(log);
	assert_int_equal(collect("fw_conntrack", "proc/..", &b), 0);
	assert_int_equal(collect("if_", "proc/..", &b), 0);
	assert_int_equal(collect("if_err_", "proc/..", &b), 0);
	assert_int_equal(collect("netstat", "proc/..", &b), 0);
	log_set_stream(NULL);
	fclose(log);
	assert_int_equal(b.n, 0);
}

static void
test_probe_lookup(void **state)
{
	(void)state;
	assert_string_equal(host_probe_find("if_eth0")->name, "if_");
	assert_string_equal(host_probe_find("if_err_eth0")->name, "if_err_");
	assert_string_equal(host_probe_find("netstat")->name, "netstat");
	assert_true(host_probe_find("netstat")->multigraph);
	assert_string_equal(
	    host_probe_find("fw_conntrack")->name, "fw_conntrack");
	assert_null(host_probe_find("if_"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dev_this_machine),
	    cmocka_unit_test(test_dev_many_interfaces),
	    cmocka_unit_test(test_dev_old_kernel),
	    cmocka_unit_test(test_dev_malformed_rejected),
	    cmocka_unit_test(test_suggested),
	    cmocka_unit_test(test_speed),
	    cmocka_unit_test(test_if_services),
	    cmocka_unit_test(test_snmp),
	    cmocka_unit_test(test_snmp_malformed_rejected),
	    cmocka_unit_test(test_conntrack_fixtures),
	    cmocka_unit_test(test_conntrack_lines),
	    cmocka_unit_test(test_conntrack_max),
	    cmocka_unit_test(test_prefixes_stay_in_bounds),
	    cmocka_unit_test(test_collect_fixture_trees),
	    cmocka_unit_test(test_probe_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
