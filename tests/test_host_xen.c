/*
 * Tests for host_xen: the xentop parser on captured output of several
 * Xen versions (tests/fixtures/xen, see its README), the xl list -l
 * parser, completing a reading with xl's names and devices, the domains
 * seen (one that disappears is 0 and U), the services (Domain-0 in the
 * graphs, not in xen_state), and the probe's refresh for real through
 * host_refresh_run with fake xentop and xl scripts: values, a failing
 * xl, a missing xentop (nothing shown), a hanging xentop (timed out, U);
 * built --with-xenstat, the libxenstat job instead.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "plugins/host.h"
#include "plugins/host_probes.h"
#include "plugins/host_refresh.h"
#include "plugins/host_xen.h"
#include "plugins/host_xenstat.h"
#include "tests/batch_guard.h"
#include "tests/fixture.h"

#define L(s) s, strlen(s)

/* Parses fixture rel (ending at a guard page). */
static int
top_fixture(const char *rel, struct xen_dom **v, size_t *n)
{
	struct guard g;
	size_t len;
	char *buf = fixture_read(rel, &len);
	int rc;

	guard_init(&g, len);
	rc = xen_xentop_parse(guard_copy(&g, buf, len, ""), len, v, n);
	guard_cleanup(&g);
	free(buf);
	return rc;
}

static int
xl_fixture(const char *rel, struct xen_xl **v, size_t *n)
{
	size_t len;
	char *buf = fixture_read(rel, &len);
	int rc = xen_xl_parse(buf, len, v, n);

	free(buf);
	return rc;
}

static const struct xen_dom *
dom(const struct xen_dom *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return &v[i];
	fail_msg("no domain %s", name);
	return NULL;
}

static void
test_state_letters(void **state)
{
	bool r;

	(void)state;
	assert_true(xen_state_parse(L("-----r"), &r) && r);
	assert_true(xen_state_parse(L("--b---"), &r) && r);
	assert_true(xen_state_parse(L("------"), &r) && r); /* runnable */
	assert_true(xen_state_parse(L("----p-"), &r) && !r);
	assert_true(xen_state_parse(L("-s----"), &r) && !r);
	assert_true(xen_state_parse(L("---c--"), &r) && !r);
	assert_true(xen_state_parse(L("d-----"), &r) && !r);
	assert_false(xen_state_parse(L("r"), &r));
	assert_false(xen_state_parse(L("--x---"), &r));
	assert_false(xen_state_parse(L("NAME(s)"), &r));
}

static void
test_xentop_4_1(void **state)
{
	struct xen_dom *v;
	const struct xen_dom *d;
	size_t n;

	(void)state;
	assert_int_equal(top_fixture("xen/xentop-4.1.2.txt", &v, &n), 0);
	assert_int_equal(n, 2);
	d = dom(v, n, "Domain-0");
	assert_true(d->running);
	assert_int_equal(d->cpu_cs, 16151300);
	assert_int_equal(d->mem, 1048576ull * 1024);
	assert_int_equal(d->vcpus, 8);
	d = dom(v, n, "virtual1");
	assert_true(d->running && d->has_net && d->has_disk && d->has_sect);
	assert_int_equal(d->mem, 31457280ull * 1024);
	/* NETTX is the backend's: what the domain received */
	assert_int_equal(d->net_rx, 7604726ull * 1024);
	assert_int_equal(d->net_tx, 17270964ull * 1024);
	assert_int_equal(d->vbds, 2);
	assert_int_equal(d->rd_req, 181258);
	assert_int_equal(d->wr_req, 3374788);
	assert_int_equal(d->rd_sect, 7781018);
	assert_int_equal(d->wr_sect, 69690752);
	free(v);
}

static void
test_xentop_3_x_no_sectors(void **state)
{
	struct xen_dom *v;
	const struct xen_dom *d;
	size_t n;

	(void)state;
	assert_int_equal(top_fixture("xen/xentop-3.x.txt", &v, &n), 0);
	assert_int_equal(n, 3);
	d = dom(v, n, "utm");
	assert_int_equal(d->nets, 7);
	assert_int_equal(d->net_rx, 17630ull * 1024);
	assert_int_equal(d->rd_req, 6180);
	assert_int_equal(d->wr_req, 17994);
	assert_true(d->has_disk);
	assert_false(d->has_sect); /* no VBD_RSECT column */
	free(v);
}

static void
test_xentop_versions(void **state)
{
	struct xen_dom *v;
	const struct xen_dom *d;
	size_t n;

	(void)state;
	assert_int_equal(top_fixture("xen/xentop-4.9.2.txt", &v, &n), 0);
	assert_int_equal(n, 2);
	d = dom(v, n, "guest-01");
	assert_int_equal(d->cpu_cs, 700);
	assert_int_equal(d->rd_sect, 112010);
	free(v);

	/* -f: names longer than the column */
	assert_int_equal(
	    top_fixture("xen/xentop-4.x-full-names.txt", &v, &n), 0);
	assert_int_equal(n, 9);
	d = dom(v, n, "Win2008R2-CLOUD-TFT");
	assert_int_equal(d->vcpus, 2);
	assert_int_equal(dom(v, n, "PXE-SERVER-L")->wr_sect, 19682506);
	free(v);

	/* dom0 last, a 92-vCPU guest */
	assert_int_equal(top_fixture("xen/xentop-ovm.txt", &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(dom(v, n, "c2214-vkge")->vcpus, 92);
	assert_int_equal(dom(v, n, "Domain-0")->cpu_cs, 39357500);
	free(v);

	/* a short header, SSIDs */
	assert_int_equal(top_fixture("xen/xentop-arm-aos.txt", &v, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(dom(v, n, "DomD")->mem, 2084104ull * 1024);
	free(v);

	/* -v -n -x detail lines are skipped */
	assert_int_equal(top_fixture("xen/xentop-detail-lines.txt", &v, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].net_tx, 2945794ull * 1024);
	free(v);
}

static void
test_xentop_unknowns(void **state)
{
	struct xen_dom *v;
	const struct xen_dom *d;
	size_t n;

	(void)state;
	assert_int_equal(top_fixture("xen/xentop-vbd-error.txt", &v, &n), 0);
	assert_int_equal(n, 3);
	d = dom(v, n, "mail1");
	assert_true(d->has_net);
	assert_false(d->has_disk);
	assert_false(d->has_sect);
	d = dom(v, n, "paused");
	assert_false(d->running);
	assert_true(d->has_disk);
	free(v);
}

static void
test_xentop_not_understood(void **state)
{
	static const char *const bad[] = {
	    "",
	    "xentop: invalid option -- 'f'\n",
	    "Failed to initialize xenstat library\n",
	    /* a row with a word missing */
	    "  Domain-0 -----r 632 0.3 15446944 92.3 no limit n/a 8 0 0 0 0 "
	    "0 0 0 0 0\n",
	    /* a number that is not */
	    "  guest --b--- 7x 0.0 1048576 6.3 1049600 6.3 2 1 113 34 2 0 "
	    "2495 1077 112010 31608 0\n",
	    /* a header without the columns every xentop has */
	    "NAME STATE CPU(sec)\n",
	};
	struct xen_dom *v;
	size_t n, i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(
		    xen_xentop_parse(bad[i], strlen(bad[i]), &v, &n), -1);
		assert_int_equal(errno, EINVAL);
		assert_null(v);
	}
	/* a header and no domain (dom0-less) is a reading of nothing */
	assert_int_equal(xen_xentop_parse(L("      NAME  STATE   CPU(sec) "
					    "CPU(%)     MEM(k) MEM(%)  "
					    "MAXMEM(k) MAXMEM(%) VCPUS NETS "
					    "NETTX(k) NETRX(k) VBDS   VBD_OO "
					    "  VBD_RD   VBD_WR SSID\n"),
			     &v, &n),
	    0);
	assert_int_equal(n, 0);
}

static void
test_xl(void **state)
{
	struct xen_xl *x;
	size_t n;
	char *buf;
	size_t len;

	(void)state;
	assert_int_equal(xl_fixture("xen/xl-list-4.17.json", &x, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(x[0].name, "Domain-0");
	assert_int_equal(x[0].domid, 0);
	assert_int_equal(x[0].nics, 0);
	assert_string_equal(x[1].name, "guest-01");
	assert_int_equal(x[1].domid, 4);
	assert_int_equal(x[1].nics, 1);
	assert_int_equal(x[1].disks, 2);
	free(x);

	buf = fixture_read("xen/xl-list-4.1.sxp", &len);
	errno = 0;
	assert_int_equal(xen_xl_parse(buf, len, &x, &n), -1);
	assert_int_equal(errno, ENOTSUP);
	free(buf);
	errno = 0;
	assert_int_equal(xen_xl_parse(L("{\"domid\": 1}"), &x, &n), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(xen_xl_parse(L("[{\"domid\": 1,"), &x, &n), -1);
	assert_int_equal(xen_xl_parse(L("[]"), &x, &n), 0);
	assert_int_equal(n, 0);
}

static void
test_complete_netbsd(void **state)
{
	struct xen_dom *v;
	struct xen_xl *x;
	const struct xen_dom *d;
	size_t n, nx;

	(void)state;
	assert_int_equal(top_fixture("xen/xentop-netbsd.txt", &v, &n), 0);
	assert_int_equal(xl_fixture("xen/xl-list-netbsd.json", &x, &nx), 0);
	xen_doms_complete(v, n, x, nx);
	d = dom(v, n, "webnet");
	assert_int_equal(d->domid, 7);
	assert_false(d->dom0);
	/* no counters, not zero traffic */
	assert_false(d->has_net);
	assert_false(d->has_disk);
	d = dom(v, n, "Domain-0");
	assert_true(d->dom0);
	assert_string_equal(d->field, "Domain_0");
	assert_true(d->has_net); /* it has no vif: 0 is true */
	free(v);
	free(x);

	/* without xl, xentop's figures stand */
	assert_int_equal(top_fixture("xen/xentop-netbsd.txt", &v, &n), 0);
	xen_doms_complete(v, n, NULL, 0);
	assert_true(dom(v, n, "webnet")->has_net);
	assert_int_equal(dom(v, n, "webnet")->domid, -1);
	assert_true(dom(v, n, "Domain-0")->dom0);
	free(v);
}

static void
test_complete_cut_names(void **state)
{
	struct xen_dom *v;
	struct xen_xl *x;
	size_t n, nx;

	(void)state;
	assert_int_equal(top_fixture("xen/xentop-cut-names.txt", &v, &n), 0);
	assert_int_equal(xl_fixture("xen/xl-list-cut-names.json", &x, &nx), 0);
	xen_doms_complete(v, n, x, nx);
	/* one xl name starts with it: the full name */
	assert_string_equal(
	    dom(v, n, "PXE-CLIENT-TEST")->field, "PXE_CLIENT_TEST");
	assert_int_equal(dom(v, n, "PXE-CLIENT-TEST")->domid, 12);
	/* two do: left as cut */
	assert_int_equal(dom(v, n, "PXE-SERVER")->domid, -1);
	free(v);
	free(x);
}

static void
test_complete_field_clash(void **state)
{
	struct xen_dom v[3] = {
	    {.name = "web.1"}, {.name = "web-1"}, {.name = "web_1"}};

	(void)state;
	xen_doms_complete(v, 3, NULL, 0);
	assert_string_equal(v[0].field, "web_1");
	assert_string_equal(v[1].field, "web_1_2");
	assert_string_equal(v[2].field, "web_1_3");
}

/* ---- services ---------------------------------------------------------- */

static const struct field *
field(struct batch *b, const char *svc, const char *name)
{
	struct service *s = batch_service(b, svc, false);

	assert_non_null(s);
	return service_field(s, name, false);
}

static void
assert_value(struct batch *b, const char *svc, const char *name, double v)
{
	const struct field *f = field(b, svc, name);

	assert_non_null(f);
	assert_true(f->has_value);
	assert_false(f->unknown);
	assert_true(f->value == v);
}

static void
assert_unknown(struct batch *b, const char *svc, const char *name)
{
	const struct field *f = field(b, svc, name);

	assert_non_null(f);
	assert_true(f->unknown);
}

/* The 4.9.2 reading completed with its xl list. */
static void
reading_4_9(struct xen_dom **v, size_t *n)
{
	struct xen_xl *x;
	size_t nx;

	assert_int_equal(top_fixture("xen/xentop-4.9.2.txt", v, n), 0);
	assert_int_equal(xl_fixture("xen/xl-list-4.17.json", &x, &nx), 0);
	xen_doms_complete(*v, *n, x, nx);
	free(x);
}

static void
test_services(void **state)
{
	struct xen_seen seen = {0};
	struct batch b = {0};
	struct xen_dom *v;
	const struct field *f;
	size_t n;

	(void)state;
	assert_int_equal(xen_services(&seen, &b), 0);
	assert_int_equal(b.n, 0); /* nothing seen: nothing shown */
	reading_4_9(&v, &n);
	assert_int_equal(xen_seen_merge(&seen, v, n, true), 0);
	free(v);
	assert_int_equal(xen_services(&seen, &b), 0);
	assert_int_equal(b.n, 7);
	assert_value(&b, "xen_cpu", "guest_01", 700);
	assert_value(&b, "xen_cpu", "Domain_0", 63200);
	assert_value(&b, "xen_memory", "guest_01", 1048576.0 * 1024);
	assert_value(&b, "xen_vcpus", "guest_01", 2);
	assert_value(&b, "xen_net", "guest_01_rx", 113.0 * 1024);
	assert_value(&b, "xen_net", "guest_01_tx", 34.0 * 1024);
	assert_value(&b, "xen_disk", "guest_01_read", 112010.0 * 512);
	assert_value(&b, "xen_disk", "guest_01_write", 31608.0 * 512);
	assert_value(&b, "xen_disk_ops", "guest_01_rdreq", 2495);
	assert_value(&b, "xen_disk_ops", "guest_01_wrreq", 1077);
	assert_value(&b, "xen_state", "guest_01", 1);
	/* Domain-0 is not a guest */
	assert_null(field(&b, "xen_state", "Domain_0"));
	f = field(&b, "xen_net", "guest_01_tx");
	assert_string_equal(attrs_get(&f->attrs, "negative"), "guest_01_rx");
	assert_string_equal(attrs_get(&f->attrs, "label"), "guest-01");
	assert_string_equal(attrs_get(&f->attrs, "type"), "DERIVE");
	f = field(&b, "xen_net", "guest_01_rx");
	assert_string_equal(attrs_get(&f->attrs, "graph"), "no");
	assert_string_equal(
	    attrs_get(
		&batch_service(&b, "xen_cpu", false)->graph, "graph_category"),
	    "virtualization");
	batch_cleanup(&b);

	/* guest-01 is gone: kept, 0 and U */
	assert_int_equal(top_fixture("xen/xentop-4.9.2.txt", &v, &n), 0);
	assert_int_equal(n, 2);
	xen_doms_complete(v, 1, NULL, 0); /* Domain-0 only */
	assert_int_equal(xen_seen_merge(&seen, v, 1, true), 0);
	free(v);
	assert_int_equal(xen_services(&seen, &b), 0);
	assert_value(&b, "xen_state", "guest_01", 0);
	assert_unknown(&b, "xen_cpu", "guest_01");
	assert_unknown(&b, "xen_net", "guest_01_rx");
	assert_value(&b, "xen_vcpus", "Domain_0", 8);
	batch_cleanup(&b);

	/* a failed reading: everything U, the state too */
	assert_int_equal(xen_seen_merge(&seen, NULL, 0, false), 0);
	assert_int_equal(xen_services(&seen, &b), 0);
	assert_unknown(&b, "xen_state", "guest_01");
	assert_unknown(&b, "xen_cpu", "Domain_0");
	batch_cleanup(&b);
	xen_seen_cleanup(&seen);
}

static void
test_services_dom0_only(void **state)
{
	struct xen_seen seen = {0};
	struct batch b = {0};
	struct xen_dom *v;
	size_t n;

	(void)state;
	assert_int_equal(top_fixture("xen/xentop-4.9.2.txt", &v, &n), 0);
	xen_doms_complete(v, 1, NULL, 0);
	assert_int_equal(xen_seen_merge(&seen, v, 1, true), 0);
	free(v);
	assert_int_equal(xen_services(&seen, &b), 0);
	assert_int_equal(b.n, 6); /* no guest: no xen_state */
	assert_null(batch_service(&b, "xen_state", false));
	batch_cleanup(&b);
	xen_seen_cleanup(&seen);
}

static void
test_seen_full(void **state)
{
	struct xen_seen seen = {0};
	struct xen_dom *v = calloc(XEN_DOMAINS_MAX, sizeof(*v));
	struct xen_dom extra = {.present = true, .known = true};
	size_t i;

	(void)state;
	assert_non_null(v);
	for (i = 0; i < XEN_DOMAINS_MAX; i++) {
		snprintf(v[i].name, sizeof(v[i].name), "d%03zu", i);
		v[i].present = v[i].known = true;
	}
	xen_doms_complete(v, XEN_DOMAINS_MAX, NULL, 0);
	assert_int_equal(xen_seen_merge(&seen, v, XEN_DOMAINS_MAX, true), 0);
	snprintf(extra.name, sizeof(extra.name), "new");
	xen_doms_complete(&extra, 1, NULL, 0);
	/* full of running domains: the new one is left out */
	memcpy(&v[0], &extra, sizeof(extra));
	assert_int_equal(xen_seen_merge(&seen, v, XEN_DOMAINS_MAX, true), 0);
	assert_int_equal(seen.n, XEN_DOMAINS_MAX);
	/* all but one gone: the new one takes a gone one's place */
	assert_int_equal(xen_seen_merge(&seen, &extra, 1, true), 0);
	assert_int_equal(seen.n, XEN_DOMAINS_MAX);
	assert_string_equal(seen.v[XEN_DOMAINS_MAX - 1].field, "new");
	xen_seen_cleanup(&seen);
	free(v);
}

/* ---- the refresh, for real ---------------------------------------------- */

struct rig {
	char dir[64];
	char top[96], xl[96];
	const struct host_probe *p;
	size_t idx;
};

/* Writes an executable sh script path with body. */
static void
script(const char *path, const char *body)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fprintf(fp, "#!/bin/sh\n%s", body);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(chmod(path, 0755), 0);
}

static void
rig_init(struct rig *g)
{
	size_t i;

	snprintf(g->dir, sizeof(g->dir), "/tmp/test_host_xen.XXXXXX");
	assert_non_null(mkdtemp(g->dir));
	snprintf(g->top, sizeof(g->top), "%s/xentop", g->dir);
	snprintf(g->xl, sizeof(g->xl), "%s/xl", g->dir);
	for (i = 0; i < host_nprobes; i++)
		if (host_probes[i] == &probe_xen)
			g->idx = i;
	g->p = host_probes[g->idx];
	assert_ptr_equal(g->p, &probe_xen);
}

static void
rig_cleanup(struct rig *g)
{
	unlink(g->top);
	unlink(g->xl);
	rmdir(g->dir);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_refresh_commands(void **state)
{
	char body[512];
	struct rig g = {0};
	struct batch b = {0};
	void **states;
	struct host_roots r = {.proc = "/nonexistent", .sys = "/nonexistent"};
	const char *argv[4][HOST_ARGV_MAX];
	double t0;

	(void)state;
	if (xenstat_available())
		skip(); /* built --with-xenstat: no commands to fake */
	states = calloc(host_nprobes, sizeof(void *));
	assert_non_null(states);
	rig_init(&g);
	r.xentop_command = g.top;
	r.xl_command = g.xl;
	r.command_timeout_ms = 1000;

	/* the commands the refresh may run, and only those */
	assert_int_equal(g.p->commands(&r, argv, 4), 3);
	assert_string_equal(argv[0][0], g.top);
	assert_string_equal(argv[0][4], "-f");
	assert_null(argv[0][5]);
	assert_null(argv[1][4]);
	assert_string_equal(argv[2][1], "list");
	assert_string_equal(argv[2][2], "-l");

	snprintf(body, sizeof(body),
	    "[ \"$*\" = \"-b -i 1 -f\" ] || exit 3\n"
	    "exec cat %s/xen/xentop-4.9.2.txt\n",
	    FIXTURES);
	script(g.top, body);
	snprintf(body, sizeof(body), "exec cat %s/xen/xl-list-4.17.json\n",
	    FIXTURES);
	script(g.xl, body);
	assert_int_equal(host_refresh_run(&r, states, g.idx), 0);
	assert_int_equal(g.p->collect(&r, &states[g.idx], &b), 0);
	assert_value(&b, "xen_state", "guest_01", 1);
	assert_value(&b, "xen_net", "guest_01_rx", 113.0 * 1024);
	batch_cleanup(&b);

	/* guest-01 shut down; xl fails: still read, guest-01 state 0 */
	snprintf(body, sizeof(body), "head -n 2 %s/xen/xentop-4.9.2.txt\n",
	    FIXTURES);
	script(g.top, body);
	script(g.xl, "echo 'libxl: error' >&2; exit 1\n");
	assert_int_equal(host_refresh_run(&r, states, g.idx), 0);
	assert_int_equal(g.p->collect(&r, &states[g.idx], &b), 0);
	assert_value(&b, "xen_state", "guest_01", 0);
	assert_unknown(&b, "xen_memory", "guest_01");
	assert_value(&b, "xen_vcpus", "Domain_0", 8);
	batch_cleanup(&b);

	/* a xentop that hangs: ended at the timeout, figures U */
	script(g.top, "exec sleep 30\n");
	t0 = now_s();
	assert_int_equal(host_refresh_run(&r, states, g.idx), 0);
	assert_true(now_s() - t0 < 10); /* not the 30 s sleep */
	assert_int_equal(g.p->collect(&r, &states[g.idx], &b), 0);
	assert_unknown(&b, "xen_state", "guest_01");
	assert_unknown(&b, "xen_cpu", "Domain_0");
	batch_cleanup(&b);

	host_states_free(states);
	free(states);
	rig_cleanup(&g);
}

/* An old xentop without -f: run without it from the next refresh on,
 * the cut names completed from xl. */
static void
test_refresh_old_xentop(void **state)
{
	char body[512];
	struct rig g = {0};
	struct batch b = {0};
	void **states;
	struct host_roots r = {.proc = "/nonexistent", .sys = "/nonexistent"};

	(void)state;
	if (xenstat_available())
		skip();
	states = calloc(host_nprobes, sizeof(void *));
	assert_non_null(states);
	rig_init(&g);
	r.xentop_command = g.top;
	r.xl_command = g.xl;
	snprintf(body, sizeof(body),
	    "case \"$*\" in *-f*) echo \"xentop: invalid option -- 'f'\" >&2;"
	    " exit 1;; esac\nexec cat %s/xen/xentop-cut-names.txt\n",
	    FIXTURES);
	script(g.top, body);
	snprintf(body, sizeof(body), "exec cat %s/xen/xl-list-cut-names.json\n",
	    FIXTURES);
	script(g.xl, body);
	assert_int_equal(host_refresh_run(&r, states, g.idx), 0);
	assert_int_equal(g.p->collect(&r, &states[g.idx], &b), 0);
	assert_int_equal(b.n, 0); /* nothing read yet */
	batch_cleanup(&b);
	assert_int_equal(host_refresh_run(&r, states, g.idx), 0);
	assert_int_equal(g.p->collect(&r, &states[g.idx], &b), 0);
	assert_value(&b, "xen_state", "PXE_CLIENT_TEST", 1);
	/* xl lists a vif and two disks xentop counts: known */
	assert_value(&b, "xen_net", "PXE_CLIENT_TEST_rx", 0);
	batch_cleanup(&b);
	host_states_free(states);
	free(states);
	rig_cleanup(&g);
}

static void
test_refresh_no_xentop(void **state)
{
	struct rig g = {0};
	struct batch b = {0};
	void **states;
	struct host_roots r = {.proc = "/nonexistent", .sys = "/nonexistent"};

	(void)state;
	if (xenstat_available())
		skip();
	states = calloc(host_nprobes, sizeof(void *));
	assert_non_null(states);
	rig_init(&g);
	r.xentop_command = g.top; /* not there */
	r.xl_command = g.xl;
	assert_int_equal(host_refresh_run(&r, states, g.idx), 0);
	assert_int_equal(g.p->collect(&r, &states[g.idx], &b), 0);
	assert_int_equal(b.n, 0); /* not a dom0: nothing */
	batch_cleanup(&b);
	host_states_free(states);
	free(states);
	rig_cleanup(&g);
}

/* Built --with-xenstat: the libxenstat read runs as a thread-pool job;
 * here (no Xen) it fails, so nothing is shown and the refresh ends. */
static void
test_refresh_xenstat(void **state)
{
	struct rig g = {0};
	struct batch b = {0};
	void **states;
	struct host_roots r = {.proc = "/nonexistent", .sys = "/nonexistent"};
	const char *argv[4][HOST_ARGV_MAX];

	(void)state;
	if (!xenstat_available())
		skip(); /* the commands are test_refresh_commands' */
	states = calloc(host_nprobes, sizeof(void *));
	assert_non_null(states);
	rig_init(&g);
	/* no command to hand a privileged runner */
	assert_int_equal(g.p->commands(&r, argv, 4), 0);
	assert_int_equal(host_refresh_run(&r, states, g.idx), 0);
	assert_int_equal(g.p->collect(&r, &states[g.idx], &b), 0);
	assert_int_equal(b.n, 0);
	batch_cleanup(&b);
	host_states_free(states);
	free(states);
	rig_cleanup(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_state_letters),
	    cmocka_unit_test(test_xentop_4_1),
	    cmocka_unit_test(test_xentop_3_x_no_sectors),
	    cmocka_unit_test(test_xentop_versions),
	    cmocka_unit_test(test_xentop_unknowns),
	    cmocka_unit_test(test_xentop_not_understood),
	    cmocka_unit_test(test_xl),
	    cmocka_unit_test(test_complete_netbsd),
	    cmocka_unit_test(test_complete_cut_names),
	    cmocka_unit_test(test_complete_field_clash),
	    cmocka_unit_test(test_services),
	    cmocka_unit_test(test_services_dom0_only),
	    cmocka_unit_test(test_seen_full),
	    cmocka_unit_test(test_refresh_commands),
	    cmocka_unit_test(test_refresh_old_xentop),
	    cmocka_unit_test(test_refresh_no_xentop),
	    cmocka_unit_test(test_refresh_xenstat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
