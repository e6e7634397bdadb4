/*
 * host_net: if_, if_err_, netstat and fw_conntrack as Munin's plugins of
 * those names show them (see host_net.h), read from /proc and /sys with
 * no exec.  The attribute texts are Munin's byte for byte.
 *
 * Not reproduced, per probe:
 *  - all: the plugins' environment (env.warning, env.critical,
 *    env.if_0_warning...; thresholds belong to drover's configuration).
 *  - if_, if_err_: which interfaces is not configured by symlinks but
 *    taken from munin-node-configure's "suggest" of these plugins, re-read
 *    on every collect; services are named as Munin's master names them
 *    (if_br-lan is stored as "if_br_lan"), graph titles keep the kernel's
 *    name.  Counters come from one read of /proc/net/dev for all
 *    interfaces where the plugins read /sys/class/net/IF/statistics/
 *    files (the same kernel counters), except if_err_'s rxdrop, read from
 *    statistics/rx_dropped when it exists, as /proc/net/dev's drop column
 *    adds rx_missed_errors.
 *    The plugins take the interface from their link name (if_ strips
 *    up to the last "if_", so Munin's if_vif_1 graphs "1"); drover uses
 *    the kernel's name.
 *  - if_: the speed comes only from /sys/class/net/IF/speed.  The plugin
 *    first asks iwlist (wireless) and, where sysfs has no speed, ethtool
 *    and mii-tool; drover runs no programs, so for such an interface it
 *    says the speed is unknown and sets no max.  That text is the one the
 *    plugin prints as root (Debian runs [if_*] as root); env.speed is not
 *    read.
 *  - netstat: the plugin runs `netstat -s`; drover reads the five Tcp
 *    numbers netstat prints from /proc/net/snmp itself (none of them
 *    comes from /proc/net/netstat).
 *  - fw_conntrack: only where /proc/net/nf_conntrack or ip_conntrack
 *    exists.  The plugin prefers `conntrack -L` (netlink) when
 *    /usr/sbin/conntrack is installed; drover always reads the file.
 *    The file is readable by root only (0440) and Debian runs the plugin
 *    as root: a drover that has dropped root says so once (logged)
 *    and shows no fw_conntrack.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "plugins/host_net.h"
#include "plugins/host_probes.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Perl's \s (and awk's and the kernel's blanks are among them). */
static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static const char *
skip_space(const char *p, const char *end)
{
	while (p < end && is_space(*p))
		p++;
	return p;
}

/* ---- /proc/net/dev ------------------------------------------------------ */

/* One interface line (it has a colon at colon) into d.  False when
 * malformed. */
static bool
dev_line(const char *line, const char *colon, const char *end,
    struct host_net_dev *d)
{
	const char *p = line, *q;
	size_t i, n;

	while (p < colon && (*p == ' ' || *p == '\t'))
		p++;
	n = (size_t)(colon - p);
	if (n == 0 || n >= sizeof(d->name) || memchr(p, '\0', n) != NULL)
		return false;
	memcpy(d->name, p, n);
	d->name[n] = '\0';
	q = colon + 1;
	for (i = 0; i < HOST_NET_DEV_COLS; i++) {
		q = skip_space(q, end);
		if (!host_parse_u64(&q, end, &d->col[i]))
			return false;
		if (q < end && !is_space(*q))
			return false;
	}
	return true;
}

int
host_net_parse_dev(const char *buf, size_t len, struct host_net_devs *out)
{
	const char *p = buf, *end = buf + len, *line, *colon;
	struct host_net_dev *v;
	size_t linelen, start = out->n;

	while (host_line_next(&p, end, &line, &linelen)) {
		colon = memchr(line, ':', linelen);
		if (colon == NULL)
			continue;
		if (out->n == out->cap) {
			size_t cap = out->cap ? out->cap * 2 : 16;

			v = realloc(out->v, cap * sizeof(*v));
			if (v == NULL)
				goto undo;
			out->v = v;
			out->cap = cap;
		}
		if (!dev_line(line, colon, line + linelen, &out->v[out->n])) {
			errno = EINVAL;
			goto undo;
		}
		out->n++;
	}
	return 0;

undo:
	out->n = start;
	return -1;
}

void
host_net_devs_cleanup(struct host_net_devs *d)
{
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

/* [a-z0-9]+\.[0-9]+, the whole name (a VLAN in the suggest filter) */
static bool
is_vlan_name(const char *s)
{
	const char *dot = strrchr(s, '.'), *q;

	if (dot == NULL || dot == s || dot[1] == '\0')
		return false;
	for (q = s; q < dot; q++)
		if (!is_digit(*q) && !(*q >= 'a' && *q <= 'z'))
			return false;
	for (q = dot + 1; *q != '\0'; q++)
		if (!is_digit(*q))
			return false;
	return true;
}

bool
host_net_suggested(const char *name)
{
	size_t n = strlen(name);
	const char *q;

	if (n == 0 ||
	    strspn(name, "-_.:abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV"
			 "WXYZ0123456789") != n)
		return false;
	if (strcmp(name, "lo") == 0)
		return false;
	if (n == 4 && strncmp(name, "gre", 3) == 0 && is_digit(name[3]))
		return false;
	if (n > 3 && strncmp(name, "sit", 3) == 0) {
		for (q = name + 3; is_digit(*q); q++)
			;
		if (*q == '\0')
			return false;
	}
	return !is_vlan_name(name);
}

/* Largest speed whose bits per second fit an int64_t. */
#define SPEED_MAX_MBPS (INT64_MAX / 1000000)

bool
host_net_parse_speed(const char *buf, size_t len, int64_t *mbps)
{
	const char *p = buf, *end = buf + len;
	uint64_t v;

	p = skip_space(p, end);
	if (!host_parse_u64(&p, end, &v))
		return false;
	if (skip_space(p, end) != end || v == 0 || v > SPEED_MAX_MBPS)
		return false;
	*mbps = (int64_t)v;
	return true;
}

/* The service prefix + d's name, sanitised; NULL on allocation failure,
 * or when the batch has it already (two names that sanitise alike: the
 * first one wins, as they would share RRD files in Munin). */
static struct service *
if_service(struct batch *b, const char *prefix, const struct host_net_dev *d,
    const char *const graph[][2], size_t n)
{
	char raw[sizeof(d->name) + 16], name[sizeof(raw)];

	snprintf(raw, sizeof(raw), "%s%s", prefix, d->name);
	sanitise_plugin_name(raw, name, sizeof(name));
	if (batch_service(b, name, false) != NULL) {
		log_warnx("host: %s: interface %s is a second %s, skipped",
		    prefix, d->name, name);
		errno = EEXIST;
		return NULL;
	}
	return host_service_add(b, name, graph, n);
}

/* f's value with its attributes; 0 / -1. */
static int
field(struct service *s, const char *name, const char *const kv[][2], size_t n,
    double v)
{
	return host_field_add(s, name, kv, n, v, false) == NULL ? -1 : 0;
}

int
host_net_if_add(struct batch *b, const struct host_net_dev *d, int64_t mbps)
{
	char title[sizeof(d->name) + 16], info[sizeof(d->name) + 640];
	char upinfo[sizeof(d->name) + 160], max[32];
	struct service *s;
	size_t nmax = 0;

	snprintf(title, sizeof(title), "%s traffic", d->name);
	snprintf(info, sizeof(info),
	    "This graph shows the traffic of the %s network interface. Please "
	    "note that the traffic is shown in bits per second, not bytes. "
	    "IMPORTANT: On 32-bit systems the data source for this plugin "
	    "uses 32-bit counters, which makes the plugin unreliable and "
	    "unsuitable for most 100-Mb/s (or faster) interfaces, where "
	    "traffic is expected to exceed 50 Mb/s over a 5 minute period.  "
	    "This means that this plugin is unsuitable for most 32-bit "
	    "production environments. To avoid this problem, use the ip_ "
	    "plugin instead.  There should be no problems on 64-bit systems "
	    "running 64-bit kernels.",
	    d->name);
	if (mbps > 0) {
		snprintf(max, sizeof(max), "%" PRId64, mbps * 1000 * 1000);
		snprintf(upinfo, sizeof(upinfo),
		    "Traffic of the %s interface. Maximum speed is %" PRId64
		    " Mb/s.",
		    d->name, mbps);
		nmax = 1;
	} else {
		snprintf(upinfo, sizeof(upinfo),
		    "Traffic of the %s interface. Unable to determine "
		    "interface "
		    "speed. Please install ethtool, wireless-tools, mii-tool "
		    "or "
		    "whatever is appropriate for the interface.",
		    d->name);
	}
	const char *const graph[][2] = {
	    {"graph_order", "down up"},
	    {"graph_title", title},
	    {"graph_args", "--base 1000"},
	    {"graph_vlabel", "bits in (-) / out (+) per ${graph_period}"},
	    {"graph_category", "network"},
	    {"graph_info", info},
	};
	const char *const down[][2] = {
	    {"label", "received"},
	    {"type", "DERIVE"},
	    {"graph", "no"},
	    {"cdef", "down,8,*"},
	    {"min", "0"},
	    {"max", max},
	};
	const char *const up[][2] = {
	    {"label", "bps"},
	    {"type", "DERIVE"},
	    {"negative", "down"},
	    {"cdef", "up,8,*"},
	    {"min", "0"},
	    {"info", upinfo},
	    {"max", max},
	};

	s = if_service(b, "if_", d, graph, NELEM(graph));
	if (s == NULL)
		return errno == EEXIST ? 0 : -1;
	if (field(s, "down", down, NELEM(down) - 1 + nmax,
		(double)d->col[NET_RX_BYTES]) == -1 ||
	    field(s, "up", up, NELEM(up) - 1 + nmax,
		(double)d->col[NET_TX_BYTES]) == -1)
		return -1;
	return 0;
}

int
host_net_if_err_add(
    struct batch *b, const struct host_net_dev *d, const uint64_t *rx_dropped)
{
	char title[sizeof(d->name) + 16], info[sizeof(d->name) + 160];
	struct service *s;

	snprintf(title, sizeof(title), "%s errors", d->name);
	snprintf(info, sizeof(info),
	    "This graph shows the amount of errors, packet drops, and "
	    "collisions on the %s network interface.",
	    d->name);
	const char *const graph[][2] = {
	    {"graph_order", "rcvd trans"},
	    {"graph_title", title},
	    {"graph_args", "--base 1000"},
	    {"graph_vlabel", "packets in (-) / out (+) per ${graph_period}"},
	    {"graph_category", "network"},
	    {"graph_info", info},
	};
	static const char *const rcvd[][2] = {
	    {"label", "errors"},
	    {"type", "COUNTER"},
	    {"graph", "no"},
	    {"warning", "1"},
	};
	static const char *const trans[][2] = {
	    {"label", "errors"},
	    {"type", "COUNTER"},
	    {"negative", "rcvd"},
	    {"warning", "1"},
	};
	static const char *const rxdrop[][2] = {
	    {"label", "drops"},
	    {"type", "COUNTER"},
	    {"graph", "no"},
	};
	static const char *const txdrop[][2] = {
	    {"label", "drops"},
	    {"type", "COUNTER"},
	    {"negative", "rxdrop"},
	};
	static const char *const colls[][2] = {
	    {"label", "collisions"},
	    {"type", "COUNTER"},
	};

	s = if_service(b, "if_err_", d, graph, NELEM(graph));
	if (s == NULL)
		return errno == EEXIST ? 0 : -1;
	if (field(s, "rcvd", rcvd, NELEM(rcvd), (double)d->col[NET_RX_ERRS]) ==
		-1 ||
	    field(s, "trans", trans, NELEM(trans),
		(double)d->col[NET_TX_ERRS]) == -1 ||
	    field(s, "rxdrop", rxdrop, NELEM(rxdrop),
		(double)(rx_dropped != NULL ? *rx_dropped
					    : d->col[NET_RX_DROP])) == -1 ||
	    field(s, "txdrop", txdrop, NELEM(txdrop),
		(double)d->col[NET_TX_DROP]) == -1 ||
	    field(s, "collisions", colls, NELEM(colls),
		(double)d->col[NET_TX_COLLS]) == -1)
		return -1;
	return 0;
}

/* ---- /proc/net/snmp ----------------------------------------------------- */

/* The netstat fields: their Tcp column and config. */
#define NETSTAT_ATTRS 5
static const struct {
	const char *name;
	const char *column;
	const char *attrs[NETSTAT_ATTRS][2];
} netstat_fields[] = {
    {"active", "ActiveOpens",
	{{"label", "active"}, {"type", "DERIVE"}, {"min", "0"},
	    {"max", "50000"},
	    {"info", "The number of active TCP openings per second."}}},
    {"passive", "PassiveOpens",
	{{"label", "passive"}, {"type", "DERIVE"}, {"min", "0"},
	    {"max", "50000"},
	    {"info", "The number of passive TCP openings per second."}}},
    {"failed", "AttemptFails",
	{{"label", "failed"}, {"type", "DERIVE"}, {"min", "0"},
	    {"max", "50000"},
	    {"info", "The number of failed TCP connection attempts per "
		     "second."}}},
    {"resets", "EstabResets",
	{{"label", "resets"}, {"type", "DERIVE"}, {"min", "0"},
	    {"max", "50000"},
	    {"info", "The number of TCP connection resets."}}},
    {"established", "CurrEstab",
	{{"label", "established"}, {"type", "GAUGE"},
	    {"info", "The number of currently open connections."}}},
};
#define NETSTAT_ESTABLISHED 4 /* index of "established" above */

/* The next blank-separated word of [*p, end) into *w, *wlen; false at end. */
static bool
next_word(const char **p, const char *end, const char **w, size_t *wlen)
{
	const char *q = skip_space(*p, end);

	if (q >= end)
		return false;
	*w = q;
	while (q < end && !is_space(*q))
		q++;
	*wlen = (size_t)(q - *w);
	*p = q;
	return true;
}

/* A value word: an optional '-' and decimal digits.  False otherwise. */
static bool
snmp_value(const char *w, size_t n, double *v)
{
	const char *p = w, *end = w + n;
	bool neg = false;
	uint64_t u;

	if (p < end && *p == '-') {
		neg = true;
		p++;
	}
	if (!host_parse_u64(&p, end, &u) || p != end)
		return false;
	*v = neg ? -(double)u : (double)u;
	return true;
}

int
host_net_parse_snmp(const char *buf, size_t len, struct batch *b)
{
	const char *p = buf, *end = buf + len, *line, *hdr = NULL, *vals = NULL;
	const char *hp, *vp, *hw, *vw, *hend, *vend;
	size_t linelen, hlen = 0, vlen = 0, hn, vn, i;
	double v[NELEM(netstat_fields)];
	bool has[NELEM(netstat_fields)] = {false};
	struct service *s;

	while (host_line_next(&p, end, &line, &linelen)) {
		if (linelen < 4 || memcmp(line, "Tcp:", 4) != 0)
			continue;
		if (hdr == NULL) {
			hdr = line + 4;
			hlen = linelen - 4;
		} else {
			vals = line + 4;
			vlen = linelen - 4;
			break;
		}
	}
	if (vals == NULL) {
		errno = EINVAL;
		return -1;
	}
	hp = hdr;
	hend = hdr + hlen;
	vp = vals;
	vend = vals + vlen;
	for (;;) {
		bool hmore = next_word(&hp, hend, &hw, &hn);
		bool vmore = next_word(&vp, vend, &vw, &vn);
		double x;

		if (hmore != vmore) {
			errno = EINVAL;
			return -1;
		}
		if (!hmore)
			break;
		if (!snmp_value(vw, vn, &x)) {
			errno = EINVAL;
			return -1;
		}
		for (i = 0; i < NELEM(netstat_fields); i++)
			if (strlen(netstat_fields[i].column) == hn &&
			    memcmp(netstat_fields[i].column, hw, hn) == 0 &&
			    !has[i]) {
				has[i] = true;
				v[i] = x;
			}
	}

	static const char *const combined[][2] = {
	    {"graph_title", "Netstat, combined"},
	    {"graph_args", "--units=si -l 1 --base 1000 --logarithmic"},
	    {"graph_vlabel", "TCP connections"},
	    {"graph_category", "network"},
	    {"graph_period", "second"},
	    {"graph_info", "This graph shows the TCP activity of all the "
			   "network interfaces combined."},
	};
	static const char *const estab[][2] = {
	    {"graph_title", "Netstat, established only"},
	    {"graph_args", "--lower-limit 0"},
	    {"graph_vlabel", "TCP connections"},
	    {"graph_category", "network"},
	    {"graph_period", "second"},
	    {"graph_info", "This graph shows the TCP activity of all the "
			   "network interfaces combined."},
	};
	s = host_service_add(b, "netstat", combined, NELEM(combined));
	if (s == NULL)
		return -1;
	for (i = 0; i < NELEM(netstat_fields); i++)
		if (host_field_add(s, netstat_fields[i].name,
			netstat_fields[i].attrs, NETSTAT_ATTRS,
			has[i] ? v[i] : 0, !has[i]) == NULL)
			return -1;
	s = host_service_add(b, "netstat_established", estab, NELEM(estab));
	if (s == NULL)
		return -1;
	i = NETSTAT_ESTABLISHED;
	if (host_field_add(s, netstat_fields[i].name, netstat_fields[i].attrs,
		NETSTAT_ATTRS, has[i] ? v[i] : 0, !has[i]) == NULL)
		return -1;
	return 0;
}

/* ---- /proc/net/nf_conntrack --------------------------------------------- */

/* The first occurrence of the n-byte pat in [p, end), or NULL. */
static const char *
find(const char *p, const char *end, const char *pat, size_t n)
{
	if (p >= end)
		return NULL;
	return memmem(p, (size_t)(end - p), pat, n);
}

/* A run of \S at p (at least one): its end, or NULL. */
static const char *
word_end(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && !is_space(*q))
		q++;
	return q > p ? q : NULL;
}

/* A run of \s at p (at least one): its end, or NULL. */
static const char *
space_end(const char *p, const char *end)
{
	const char *q = skip_space(p, end);

	return q > p ? q : NULL;
}

/* A run of digits at p (at least one): its end, or NULL. */
static const char *
digits_end(const char *p, const char *end)
{
	const char *q = p;

	while (q < end && is_digit(*q))
		q++;
	return q > p ? q : NULL;
}

/* A tuple, the plugin's src=(\S+)\s+dst=(\S+) at p: true with both words
 * and where it ends. */
struct tuple {
	const char *src, *dst;
	size_t srclen, dstlen;
	const char *end;
};

static bool
tuple_at(const char *p, const char *end, struct tuple *t)
{
	const char *q;

	if (end - p < 4 || memcmp(p, "src=", 4) != 0)
		return false;
	t->src = p + 4;
	q = word_end(t->src, end);
	if (q == NULL)
		return false;
	t->srclen = (size_t)(q - t->src);
	q = space_end(q, end);
	if (q == NULL || end - q < 4 || memcmp(q, "dst=", 4) != 0)
		return false;
	t->dst = q + 4;
	q = word_end(t->dst, end);
	if (q == NULL)
		return false;
	t->dstlen = (size_t)(q - t->dst);
	t->end = q;
	return true;
}

/* The state word after "tcp \s*\d+\s+\d+\s+", leftmost; false if none. */
static bool
tcp_state(const char *line, const char *end, const char **w, size_t *wlen)
{
	const char *at = line, *q;

	while ((at = find(at, end, "tcp ", 4)) != NULL) {
		q = skip_space(at + 4, end);
		if ((q = digits_end(q, end)) != NULL &&
		    (q = space_end(q, end)) != NULL &&
		    (q = digits_end(q, end)) != NULL &&
		    (q = space_end(q, end)) != NULL &&
		    word_end(q, end) != NULL) {
			*w = q;
			*wlen = (size_t)(word_end(q, end) - q);
			return true;
		}
		at++;
	}
	return false;
}

static bool
same(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && memcmp(a, b, alen) == 0;
}

/*
 * The plugin's /src=(\S+)\s+dst=(\S+)\s+sport.*src=(\S+)\s+dst=(\S+)/ as
 * Perl matches it: the leftmost tuple followed by "sport", then (".*" is
 * greedy) the rightmost tuple after it.  True when it matches, with
 * *nat set when $1 ne $4 or $2 ne $3.
 */
static bool
nat_match(const char *line, const char *end, bool *nat)
{
	const char *at = line, *q, *j;
	struct tuple o, r;

	while ((at = find(at, end, "src=", 4)) != NULL) {
		if (!tuple_at(at, end, &o) ||
		    (q = space_end(o.end, end)) == NULL || end - q < 5 ||
		    memcmp(q, "sport", 5) != 0) {
			at++;
			continue;
		}
		q += 5;
		for (j = end - 4; j >= q; j--)
			if (*j == 's' && tuple_at(j, end, &r)) {
				*nat =
				    !same(o.src, o.srclen, r.dst, r.dstlen) ||
				    !same(o.dst, o.dstlen, r.src, r.srclen);
				return true;
			}
		at++;
	}
	return false;
}

void
host_net_conntrack_line(
    const char *line, size_t len, struct host_net_conntrack *c)
{
	const char *end = line + len, *w;
	size_t wlen;
	bool nat;

	c->total++;
	if (find(line, end, "udp ", 4) != NULL)
		c->udp++;
	if (find(line, end, "ASSURED", 7) != NULL)
		c->assured++;
	/* $state{$1}++: only these keys are ever printed */
	if (tcp_state(line, end, &w, &wlen)) {
		static const struct {
			const char *key;
			size_t off;
		} keys[] = {
		    {"ESTABLISHED",
			offsetof(struct host_net_conntrack, established)},
		    {"FIN_WAIT", offsetof(struct host_net_conntrack, fin_wait)},
		    {"TIME_WAIT",
			offsetof(struct host_net_conntrack, time_wait)},
		    {"SYN_SENT", offsetof(struct host_net_conntrack, syn_sent)},
		    {"UDP", offsetof(struct host_net_conntrack, udp)},
		    {"ASSURED", offsetof(struct host_net_conntrack, assured)},
		    {"NATTED", offsetof(struct host_net_conntrack, natted)},
		    {"TOTAL", offsetof(struct host_net_conntrack, total)},
		};
		size_t i;

		for (i = 0; i < NELEM(keys); i++)
			if (same(w, wlen, keys[i].key, strlen(keys[i].key)))
				(*(uint64_t *)((char *)c + keys[i].off))++;
	}
	if (nat_match(line, end, &nat) && nat)
		c->natted++;
}

void
host_net_parse_conntrack(
    const char *buf, size_t len, struct host_net_conntrack *c)
{
	const char *p = buf, *end = buf + len, *line;
	size_t linelen;

	while (host_line_next(&p, end, &line, &linelen))
		host_net_conntrack_line(line, linelen, c);
}

/* Perl's numeric value of a string: leading blanks, then the longest
 * decimal number ([+-]digits[.digits][e[+-]digits]); 0 if none. */
static double
perl_number(const char *s, size_t n)
{
	const char *p = skip_space(s, s + n), *end = s + n, *num = p, *q;
	char tmp[64];

	if (p < end && (*p == '+' || *p == '-'))
		p++;
	q = p;
	while (p < end && is_digit(*p))
		p++;
	if (p < end && *p == '.') {
		p++;
		while (p < end && is_digit(*p))
			p++;
	}
	if (p == q || (p == q + 1 && *q == '.'))
		return 0;
	if (p < end && (*p == 'e' || *p == 'E')) {
		const char *e = p + 1;

		if (e < end && (*e == '+' || *e == '-'))
			e++;
		if (e < end && is_digit(*e)) {
			while (e < end && is_digit(*e))
				e++;
			p = e;
		}
	}
	if ((size_t)(p - num) >= sizeof(tmp))
		return 0;
	memcpy(tmp, num, (size_t)(p - num));
	tmp[p - num] = '\0';
	return strtod(tmp, NULL);
}

int
host_net_conntrack_add(struct batch *b, const struct host_net_conntrack *c,
    const char *max, size_t maxlen)
{
	char warn[64], crit[64];
	struct service *s;
	size_t nt = 2;
	double m;

	static const char *const graph[][2] = {
	    {"graph_title", "Connections through firewall"},
	    {"graph_vlabel", "Connections"},
	    {"graph_category", "network"},
	    {"graph_args", "-l 0"},
	};
	static const char *const established[][2] = {
	    {"label", "Established"}, {"type", "GAUGE"}, {"draw", "AREA"}};
	static const char *const fin_wait[][2] = {
	    {"label", "FIN_WAIT"}, {"type", "GAUGE"}, {"draw", "STACK"}};
	static const char *const time_wait[][2] = {
	    {"label", "TIME_WAIT"}, {"type", "GAUGE"}, {"draw", "STACK"}};
	static const char *const syn_sent[][2] = {
	    {"label", "SYN_SENT"}, {"type", "GAUGE"}, {"draw", "STACK"}};
	static const char *const udp[][2] = {
	    {"label", "UDP connections"}, {"type", "GAUGE"}, {"draw", "STACK"}};
	static const char *const assured[][2] = {
	    {"label", "Assured"}, {"type", "GAUGE"}, {"draw", "LINE2"}};
	static const char *const nated[][2] = {
	    {"label", "NATed"}, {"type", "GAUGE"}, {"draw", "LINE1"}};
	const char *const total[][2] = {
	    {"label", "Total"},
	    {"type", "GAUGE"},
	    {"graph", "no"},
	    {"warning", warn},
	    {"critical", crit},
	};

	/* chomp, then Perl's truth: not "" and not "0" */
	if (max != NULL && maxlen > 0 && max[maxlen - 1] == '\n')
		maxlen--;
	if (max != NULL && maxlen > 0 && !(maxlen == 1 && max[0] == '0')) {
		m = perl_number(max, maxlen);
		snprintf(warn, sizeof(warn), "%.15g", m * 8 / 10);
		snprintf(crit, sizeof(crit), "%.15g", m * 9 / 10);
		nt = 0;
	}
	s = host_service_add(b, "fw_conntrack", graph, NELEM(graph));
	if (s == NULL ||
	    field(s, "established", established, NELEM(established),
		(double)c->established) == -1 ||
	    field(s, "fin_wait", fin_wait, NELEM(fin_wait),
		(double)c->fin_wait) == -1 ||
	    field(s, "time_wait", time_wait, NELEM(time_wait),
		(double)c->time_wait) == -1 ||
	    field(s, "syn_sent", syn_sent, NELEM(syn_sent),
		(double)c->syn_sent) == -1 ||
	    field(s, "udp", udp, NELEM(udp), (double)c->udp) == -1 ||
	    field(s, "assured", assured, NELEM(assured), (double)c->assured) ==
		-1 ||
	    field(s, "nated", nated, NELEM(nated), (double)c->natted) == -1 ||
	    field(s, "total", total, NELEM(total) - nt, (double)c->total) == -1)
		return -1;
	return 0;
}

/* ---- probes ------------------------------------------------------------- */

#define DEV_MAX (1024 * 1024)	    /* /proc/net/dev: ~130 bytes a line */
#define SNMP_MAX (64 * 1024)	    /* /proc/net/snmp: ~2 kB */
#define CONNTRACK_CHUNK (64 * 1024) /* a line is < 1 kB */

/* /proc/net/dev into d; false (logged) when missing or not understood,
 * *rc then -1 unless the file is simply absent. */
static bool
read_devs(const struct host_roots *r, const char *who, struct host_net_devs *d,
    int *rc)
{
	char *buf;
	size_t len;

	*rc = 0;
	if (host_read(r->proc, "net/dev", DEV_MAX, &buf, &len) == -1) {
		if (errno == ENOENT || errno == EACCES) {
			log_warn("%s: %s/net/dev: skipped", who, r->proc);
			return false;
		}
		log_warn("%s: %s/net/dev", who, r->proc);
		*rc = -1;
		return false;
	}
	if (host_net_parse_dev(buf, len, d) == -1) {
		if (errno == ENOMEM)
			log_warn("%s: %s/net/dev", who, r->proc);
		else
			log_warnx(
			    "%s: %s/net/dev: not understood", who, r->proc);
		free(buf);
		*rc = -1;
		return false;
	}
	free(buf);
	return true;
}

/* A sysfs path below class/net/IF/ is safe for a name from the kernel;
 * a fixture's could try to climb. */
static bool
path_safe(const char *name)
{
	return strchr(name, '/') == NULL && strcmp(name, ".") != 0 &&
	       strcmp(name, "..") != 0;
}

static int
collect_if(const struct host_roots *r, void **state, struct batch *b)
{
	struct host_net_devs d = {0};
	char rel[HOST_NET_IFNAME_MAX + 32], *buf;
	size_t i, len;
	int64_t mbps;
	int rc;

	(void)state;
	if (!read_devs(r, "if_", &d, &rc))
		return rc;
	for (i = 0; i < d.n && rc == 0; i++) {
		if (!host_net_suggested(d.v[i].name))
			continue;
		mbps = 0;
		snprintf(rel, sizeof(rel), "class/net/%s/speed", d.v[i].name);
		if (path_safe(d.v[i].name) &&
		    host_read(r->sys, rel, 64, &buf, &len) == 0) {
			if (!host_net_parse_speed(buf, len, &mbps))
				mbps = 0;
			free(buf);
		}
		if (host_net_if_add(b, &d.v[i], mbps) == -1) {
			log_warn("if_: %s", d.v[i].name);
			rc = -1;
		}
	}
	host_net_devs_cleanup(&d);
	return rc;
}

static int
collect_if_err(const struct host_roots *r, void **state, struct batch *b)
{
	struct host_net_devs d = {0};
	char rel[HOST_NET_IFNAME_MAX + 48];
	uint64_t drop;
	bool sysdrop;
	size_t i;
	int rc;

	(void)state;
	if (!read_devs(r, "if_err_", &d, &rc))
		return rc;
	for (i = 0; i < d.n && rc == 0; i++) {
		if (!host_net_suggested(d.v[i].name))
			continue;
		snprintf(rel, sizeof(rel), "class/net/%s/statistics/rx_dropped",
		    d.v[i].name);
		sysdrop = path_safe(d.v[i].name) &&
			  host_read_u64(r->sys, rel, &drop) == 0;
		if (host_net_if_err_add(b, &d.v[i], sysdrop ? &drop : NULL) ==
		    -1) {
			log_warn("if_err_: %s", d.v[i].name);
			rc = -1;
		}
	}
	host_net_devs_cleanup(&d);
	return rc;
}

static int
collect_netstat(const struct host_roots *r, void **state, struct batch *b)
{
	char *buf;
	size_t len;
	int rc = 0;

	(void)state;
	if (host_read(r->proc, "net/snmp", SNMP_MAX, &buf, &len) == -1) {
		if (errno == ENOENT || errno == EACCES) {
			log_warn("netstat: %s/net/snmp: skipped", r->proc);
			return 0;
		}
		log_warn("netstat: %s/net/snmp", r->proc);
		return -1;
	}
	if (host_net_parse_snmp(buf, len, b) == -1) {
		if (errno == ENOMEM)
			log_warn("netstat: %s/net/snmp", r->proc);
		else
			log_warnx(
			    "netstat: %s/net/snmp: not understood", r->proc);
		rc = -1;
	}
	free(buf);
	return rc;
}

/*
 * Counts the conntrack table at root/rel into c, streaming (the table
 * can hold hundreds of thousands of entries).  0; -1 with errno (ENOENT:
 * absent; EINVAL: a line longer than a chunk).
 */
static int
conntrack_count(const char *root, const char *rel, struct host_net_conntrack *c)
{
	char path[4096], *buf = NULL;
	const char *p, *end, *line;
	size_t have = 0, linelen;
	ssize_t n;
	int fd, saved, rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", root, rel) >=
	    sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	buf = malloc(CONNTRACK_CHUNK);
	if (buf == NULL)
		goto close_fd;
	for (;;) {
		n = read(fd, buf + have, CONNTRACK_CHUNK - have);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			goto free_buf;
		if (n == 0)
			break;
		have += (size_t)n;
		end = memrchr(buf, '\n', have);
		if (end == NULL) {
			if (have == CONNTRACK_CHUNK) {
				errno = EINVAL;
				goto free_buf;
			}
			continue;
		}
		end++;
		host_net_parse_conntrack(buf, (size_t)(end - buf), c);
		have -= (size_t)(end - buf);
		memmove(buf, end, have);
	}
	if (have > 0) {
		p = buf;
		if (host_line_next(&p, buf + have, &line, &linelen))
			host_net_conntrack_line(line, linelen, c);
	}
	rc = 0;
free_buf:
	saved = errno;
	free(buf);
	errno = saved;
close_fd:
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* fw_conntrack's state: set once the table was found root's only (a
 * marker, never freed). */
static const char conntrack_denied = 1;

static int
collect_conntrack(const struct host_roots *r, void **state, struct batch *b)
{
	static const char *const tables[] = {
	    "net/nf_conntrack", "net/ip_conntrack"};
	static const char *const maxes[] = {
	    "sys/net/nf_conntrack_max",
	    "sys/net/netfilter/nf_conntrack_max",
	    "sys/net/ipv4/ip_conntrack_max",
	    "sys/net/ipv4/netfilter/ip_conntrack_max",
	};
	struct host_net_conntrack c = {0};
	char *max = NULL;
	size_t i, maxlen = 0;
	int rc;

	for (i = 0; i < NELEM(tables); i++) {
		rc = conntrack_count(r->proc, tables[i], &c);
		if (rc == 0 || errno != ENOENT)
			break;
	}
	if (i == NELEM(tables))
		return 0; /* no conntrack here: no service */
	if (rc == -1 && errno == EACCES) {
		/* root's only: said once (the state remembers), then quiet */
		if (*state == NULL)
			log_warn("fw_conntrack: %s/%s (shown only to root; "
				 "not graphed)",
			    r->proc, tables[i]);
		*state = (void *)&conntrack_denied;
		return 0;
	}
	if (rc == -1) {
		if (errno == EINVAL)
			log_warnx("fw_conntrack: %s/%s: not understood",
			    r->proc, tables[i]);
		else
			log_warn("fw_conntrack: %s/%s", r->proc, tables[i]);
		return -1;
	}
	for (i = 0; i < NELEM(maxes); i++)
		if (host_read(r->proc, maxes[i], 256, &max, &maxlen) == 0)
			break;
	rc = host_net_conntrack_add(b, &c, max, maxlen);
	if (rc == -1)
		log_warn("fw_conntrack");
	free(max);
	return rc;
}

const struct host_probe probe_if = {
    .name = "if_", .wildcard = true, .collect = collect_if};
const struct host_probe probe_if_err = {
    .name = "if_err_", .wildcard = true, .collect = collect_if_err};
const struct host_probe probe_netstat = {
    .name = "netstat", .multigraph = true, .collect = collect_netstat};
const struct host_probe probe_fw_conntrack = {
    .name = "fw_conntrack", .collect = collect_conntrack};
