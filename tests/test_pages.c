/*
 * Tests for the pages' hypervisor and guest views: the overview nests a
 * hypervisor's guests under it (and hides nobody when hand-set physicals
 * loop), a guest's page shows what its hypervisor reports of it, a
 * hypervisor's page lists its guests; a service page's graph_info, field
 * info and its numbers in the graph's units (rates, graph_period, cdef);
 * a "graph no" service left off its host's page; the overview's
 * physical host > guests > BMC nesting, problems first, counts per
 * state, ?q= filtering, names escaped in its data attributes, and a
 * stale host on the overview, its page and /api/v1/hosts; a host first
 * polled less than a day ago shown by its last hour first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <math.h>

#include "catalog/catalog.h"
#include "web/api.h"
#include "web/field_value.h"
#include "web/page_compare.h"
#include "web/pages.h"
#include "web/time_arg.h"

/* Adds field of svc to b: label, type, value; graph vlabel when given. */
static void
put(struct batch *b, const char *svc, const char *vlabel, const char *field,
    const char *label, const char *type, double v)
{
	struct service *s = batch_service(b, svc, true);
	struct field *f;

	assert_non_null(s);
	s->has_config = true;
	attrs_set(&s->graph, "graph_title", svc);
	if (vlabel != NULL)
		attrs_set(&s->graph, "graph_vlabel", vlabel);
	if (strcmp(svc, "vm_memory") == 0)
		attrs_set(&s->graph, "graph_args", "--base 1024 -l 0");
	f = service_field(s, field, true);
	assert_non_null(f);
	attrs_set(&f->attrs, "label", label);
	attrs_set(&f->attrs, "type", type);
	f->has_value = true;
	f->value = v;
}

/* kvm1 reports web_3 (host web3, learned), db1 (not monitored) and mail
 * stopped (it runs on kvm2 now); cpu went from 1000 to 1600 cs in 300 s,
 * so 2 %. */
static struct catalog *
cluster(void)
{
	struct catalog *cat = catalog_new();
	struct cat_host *kvm = catalog_host(cat, "kvm1", "hv", NULL);
	struct cat_host *web = catalog_host(cat, "web3", "web", NULL);
	struct cat_host *h;
	struct batch b = {0};
	int i;

	for (i = 0; i < 2; i++) {
		put(&b, "vm_cpu", "%", "web_3", "web-3", "DERIVE",
		    i == 0 ? 1000 : 1600);
		put(&b, "vm_memory", "bytes", "web_3", "web-3", "GAUGE",
		    2147483648.0);
		put(&b, "vm_state", NULL, "web_3", "web-3", "GAUGE", 1);
		put(&b, "vm_state", NULL, "db1", "db1", "GAUGE", 0);
		put(&b, "vm_state", NULL, "mail", "mail", "GAUGE", 0);
		/* a guest whose field is web_3's with a suffix */
		put(&b, "vm_cpu", "%", "web_3_rx", "web-3-rx", "DERIVE",
		    i == 0 ? 0 : 300);
		put(&b, "vm_state", NULL, "web_3_rx", "web-3-rx", "GAUGE", 1);
		catalog_update(cat, kvm, 1000 + 300 * i, &b);
		batch_cleanup(&b);
	}
	catalog_set_physical(web, "kvm1", PHYS_LEARNED, "kvm1", "web_3");
	/* mail migrated from kvm1 (which shows it stopped) to kvm2 */
	h = catalog_host(cat, "kvm2", "hv", NULL);
	put(&b, "vm_state", NULL, "mail", "mail", "GAUGE", 1);
	catalog_update(cat, h, 1600, &b);
	batch_cleanup(&b);
	h = catalog_host(cat, "mail", "mail", NULL);
	catalog_set_physical(h, "kvm2", PHYS_LEARNED, "kvm2", "mail");
	/* a host on kvm1 by config that kvm1 does not report */
	h = catalog_host(cat, "backup", "hv", "kvm1");
	catalog_set_physical(h, "kvm1", PHYS_CONFIG, NULL, NULL);
	/* a loop of hand-set physicals: both stay listed */
	h = catalog_host(cat, "a", "loop", "b");
	catalog_set_physical(h, "b", PHYS_CONFIG, NULL, NULL);
	h = catalog_host(cat, "b", "loop", "a");
	catalog_set_physical(h, "a", PHYS_CONFIG, NULL, NULL);
	return cat;
}

static void
test_overview_nests_guests(void **state)
{
	struct catalog *cat = cluster();
	size_t len;
	char *html = page_overview(cat, NULL, 2000, &len);
	const char *kvm, *guests, *web, *end;

	(void)state;
	assert_non_null(html);
	kvm = strstr(html, "<a href=\"/kvm1/\">kvm1</a>");
	assert_non_null(kvm);
	guests = strstr(kvm, "<ul class=guests>");
	assert_non_null(guests);
	end = strstr(guests, "</ul>");
	web = strstr(guests, "<a href=\"/web3/\">web3</a>");
	assert_true(web != NULL && web < end);
	assert_non_null(strstr(guests, "learned, group web"));
	assert_non_null(strstr(guests, "<a href=\"/backup/\">backup</a> "
				       "<span class=state>UNKNOWN</span> "
				       "<span class=age>config</span>"));
	/* web3's own group lists it no more; the loop hides nobody */
	assert_null(strstr(html, "<h2>web</h2>"));
	assert_non_null(strstr(html, "<a href=\"/a/\">a</a>"));
	assert_non_null(strstr(html, "<a href=\"/b/\">b</a>"));
	free(html);
	catalog_free(cat);
}

static void
test_guest_page_hypervisor_view(void **state)
{
	struct catalog *cat = cluster();
	size_t len;
	char *html;

	(void)state;
	html = page_host(cat, catalog_find(cat, "web3"), 2000, &len);
	assert_non_null(html);
	assert_non_null(strstr(html, "physical host kvm1 (learned)"));
	assert_non_null(strstr(html, "As hypervisor <a href=\"/kvm1/\">kvm1"
				     "</a> sees it"));
	assert_non_null(strstr(html, "<td>vm_cpu</td><td class=num>2 %</td>"));
	assert_non_null(
	    strstr(html, "<td>vm_memory</td><td class=num>2 G</td>"));
	assert_non_null(
	    strstr(html, "<td>vm_state</td><td class=num>running</td>"));
	assert_non_null(strstr(html, "<img src=\"/kvm1/vm_cpu-day.png"));
	/* guest web-3-rx's CPU is not web-3's "rx" */
	assert_null(strstr(html, "<td>vm_cpu (rx)</td>"));
	free(html);
	/* a host no hypervisor reports has no such view */
	html = page_host(cat, catalog_find(cat, "backup"), 2000, &len);
	assert_null(strstr(html, "As hypervisor"));
	free(html);
	catalog_free(cat);
}

static void
test_hypervisor_page_lists_guests(void **state)
{
	struct catalog *cat = cluster();
	size_t len;
	char *html;

	(void)state;
	html = page_host(cat, catalog_find(cat, "kvm1"), 2000, &len);
	assert_non_null(html);
	assert_non_null(strstr(html, "<h2>Guests</h2>"));
	assert_non_null(strstr(html, "<tr><td>web-3</td><td>running</td><td>"
				     "<a href=\"/web3/\">web3</a></td></tr>"));
	assert_non_null(strstr(html, "<tr><td>db1</td><td>stopped</td><td>"
				     "not monitored</td></tr>"));
	/* a guest that left: the host it is, where it runs now */
	assert_non_null(strstr(html, "<tr><td>mail</td><td>stopped</td><td>"
				     "<a href=\"/mail/\">mail</a> (runs on "
				     "<a href=\"/kvm2/\">kvm2</a>)</td></tr>"));
	assert_non_null(strstr(html, "<td>not reported</td><td><a "
				     "href=\"/backup/\">backup</a> (config)"));
	free(html);
	html = page_host(cat, catalog_find(cat, "web3"), 2000, &len);
	assert_null(strstr(html, "<h2>Guests</h2>"));
	free(html);
	catalog_free(cat);
}

/* A router's if_eth0 (Munin's if_: down DERIVE in bytes, graph no, up
 * its negative; both cdef ",8,*" to bits) polled twice 300 s apart, with
 * graph_info and field info holding markup, and a "graph no" apt. */
static struct catalog *
router(void)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "r1", "net", NULL);
	struct batch b = {0};
	struct service *s;
	struct field *f;
	int i;

	for (i = 0; i < 2; i++) {
		s = batch_service(&b, "if_eth0", true);
		s->has_config = true;
		attrs_set(&s->graph, "graph_title", "eth0 traffic");
		attrs_set(&s->graph, "graph_order", "down up");
		attrs_set(&s->graph, "graph_period", "minute");
		attrs_set(
		    &s->graph, "graph_info", "Traffic of <b>eth0</b> & co.");
		f = service_field(s, "down", true);
		attrs_set(&f->attrs, "label", "received");
		attrs_set(&f->attrs, "type", "DERIVE");
		attrs_set(&f->attrs, "min", "0");
		attrs_set(&f->attrs, "graph", "no");
		attrs_set(&f->attrs, "cdef", "down,8,*");
		f->has_value = true;
		f->value = i == 0 ? 1.796e12 : 1.796e12 + 300 * 1000;
		f = service_field(s, "up", true);
		attrs_set(&f->attrs, "label", "bps");
		attrs_set(&f->attrs, "type", "DERIVE");
		attrs_set(&f->attrs, "min", "0");
		attrs_set(&f->attrs, "negative", "down");
		attrs_set(&f->attrs, "cdef", "up,8,*");
		attrs_set(&f->attrs, "info", "Traffic <sent> by \"eth0\"");
		attrs_set(&f->attrs, "extinfo", "MTU <9000>");
		f->has_value = true;
		f->value = i == 0 ? 5e9 : 5e9 + 300 * 250;
		/* a counter that went back (a reset): no rate */
		f = service_field(s, "errs", true);
		attrs_set(&f->attrs, "label", "errors");
		attrs_set(&f->attrs, "type", "COUNTER");
		f->has_value = true;
		f->value = i == 0 ? 1000 : 10;
		s = batch_service(&b, "apt", true);
		s->has_config = true;
		attrs_set(&s->graph, "graph_title", "Pending packages");
		attrs_set(&s->graph, "graph", "no");
		f = service_field(s, "pending", true);
		attrs_set(&f->attrs, "label", "pending");
		f->has_value = true;
		f->value = 3;
		catalog_update(cat, h, 1000 + 300 * i, &b);
		batch_cleanup(&b);
	}
	return cat;
}

static void
test_service_page_info_and_rates(void **state)
{
	struct catalog *cat = router();
	const struct cat_host *h = catalog_find(cat, "r1");
	const struct cat_service *cs = cat_host_service(h, "if_eth0");
	size_t len;
	char *html;

	(void)state;
	assert_non_null(cs);
	html = page_service(h, cs, NULL, NULL, 2000, &len);
	assert_non_null(html);
	/* graph_info under the graphs, escaped (munin-html puts it raw) */
	assert_non_null(strstr(html, "<p class=graph_info>Traffic of "
				     "&lt;b&gt;eth0&lt;/b&gt; &amp; co.</p>"));
	assert_true(strstr(html, "graph_info") > strstr(html, "if_eth0-year"));
	/* field info and extinfo, escaped */
	assert_non_null(strstr(html, "<td>Traffic &lt;sent&gt; by "
				     "&quot;eth0&quot;</td>"));
	assert_non_null(strstr(html, "extra information: MTU &lt;9000&gt;"));
	/* current: 1000 B/s received, 250 B/s sent, per minute (graph_period)
	 * and in bits (cdef): 480000 and 120000, never the raw 1.796e+12 */
	assert_null(strstr(html, "1.796e+12"));
	assert_non_null(strstr(html, "<td>received</td><td>OK</td>"
				     "<td class=num>4.8e+05</td>"));
	assert_non_null(strstr(html, "<td>bps</td><td>OK</td>"
				     "<td class=num>1.2e+05</td>"));
	assert_non_null(strstr(html, "<td>errors</td><td>OK</td>"
				     "<td class=num>-</td>"));
	free(html);
	catalog_free(cat);
}

static void
test_field_value_row_as_the_graph(void **state)
{
	struct catalog *cat = router();
	const struct cat_service *cs =
	    cat_host_service(catalog_find(cat, "r1"), "if_eth0");
	double down[3] = {100, NAN, 300}, up[2] = {10, 20};
	struct api_series s[3] = {
	    {.field = "down",
		.start = 600,
		.step = 300,
		.rows = 3,
		.values = down},
	    {.field = "up", .start = 900, .step = 300, .rows = 2, .values = up},
	    {.field = "errs", .error = "no file"},
	};

	(void)state;
	assert_non_null(cs);
	/* per second rates from the RRD, per minute, in bits */
	assert_true(field_value_row(cs, s, 3, 0, 0) == 100 * 60 * 8);
	assert_true(isnan(field_value_row(cs, s, 3, 0, 1)));
	assert_true(field_value_row(cs, s, 3, 1, 1) == 20 * 60 * 8);
	assert_true(isnan(field_value_row(cs, s, 3, 2, 0)));
	assert_true(isnan(field_value_row(cs, s, 3, 1, 2)));
	catalog_free(cat);
}

static void
test_host_page_leaves_out_graph_no(void **state)
{
	struct catalog *cat = router();
	size_t len;
	char *html = page_host(cat, catalog_find(cat, "r1"), 2000, &len);

	(void)state;
	assert_non_null(html);
	assert_non_null(strstr(html, "/r1/if_eth0-day.png"));
	/* munin-html gives "graph no" no page and lists it nowhere */
	assert_null(strstr(html, "apt-day"));
	assert_null(strstr(html, "Pending packages"));
	free(html);
	catalog_free(cat);
}

/* A young host (first good poll under a day ago) leads with the last
 * hour on its page and its services' pages; a day later, the day. */
static void
test_young_host_shows_last_hour(void **state)
{
	struct catalog *cat = router();
	struct cat_host *h = catalog_find(cat, "r1");
	const struct cat_service *cs = cat_host_service(h, "if_eth0");
	const time_t first = 100000;
	size_t len;
	char *html;

	(void)state;
	assert_non_null(cs);
	/* a failed poll is no first look; the first good one is kept */
	catalog_poll_result(h, false, "refused", first - 60, 5, 0, 0);
	assert_int_equal(h->first_ok, 0);
	catalog_poll_result(h, true, NULL, first, 5, 0, 10);
	catalog_poll_result(h, true, NULL, first + 60, 5, 0, 10);
	assert_int_equal(h->first_ok, first);

	html = page_host(cat, h, first + 300, &len);
	assert_non_null(html);
	assert_non_null(strstr(html, "/r1/if_eth0-hour.png"));
	assert_null(strstr(html, "/r1/if_eth0-day.png"));
	assert_non_null(strstr(html, "<p class=young>first polled 5 min ago"));
	free(html);
	html = page_service(h, cs, NULL, NULL, first + 300, &len);
	assert_non_null(html);
	assert_non_null(strstr(html, "if_eth0-hour.png"));
	assert_true(
	    strstr(html, "if_eth0-hour.png") < strstr(html, "if_eth0-day.png"));
	assert_non_null(strstr(html, "if_eth0-year.png"));
	free(html);

	/* a day old: Munin's day graphs, no hour */
	html = page_host(cat, h, first + 86400, &len);
	assert_non_null(html);
	assert_non_null(strstr(html, "/r1/if_eth0-day.png"));
	assert_null(strstr(html, "-hour.png"));
	assert_null(strstr(html, "class=young"));
	free(html);
	html = page_service(h, cs, NULL, NULL, first + 86400, &len);
	assert_non_null(html);
	assert_null(strstr(html, "-hour.png"));
	assert_non_null(strstr(html, "if_eth0-day.png"));
	free(html);
	catalog_free(cat);
}

/* w1's load CRITICAL (9 over 5; its users OK), w2's OK (1), both with
 * a graph_info; w3 without load. */
static struct catalog *
loads(void)
{
	struct catalog *cat = catalog_new();
	struct batch b = {0};
	struct service *s;
	struct field *f;
	const char *host[] = {"w1", "w2", "w3"};
	double v[] = {9, 1, 0};
	int i;

	for (i = 0; i < 3; i++) {
		struct cat_host *h = catalog_host(cat, host[i], "web", NULL);

		s = batch_service(&b, i < 2 ? "load" : "uptime", true);
		s->has_config = true;
		attrs_set(&s->graph, "graph_title", "Load <average>");
		attrs_set(&s->graph, "graph_info", "Runnable & waiting");
		f = service_field(s, "load", true);
		attrs_set(&f->attrs, "label", "load");
		attrs_set(&f->attrs, "warning", "3");
		attrs_set(&f->attrs, "critical", "5");
		f->has_value = true;
		f->value = v[i];
		s = batch_service(&b, "users", true);
		s->has_config = true;
		attrs_set(&s->graph, "graph_title", "Users");
		f = service_field(s, "n", true);
		attrs_set(&f->attrs, "label", "n");
		f->has_value = true;
		f->value = 1;
		catalog_update(cat, h, 1000, &b);
		batch_cleanup(&b);
	}
	return cat;
}

/* The text between the first from and the next to after it. */
static char *
between(const char *s, const char *from, const char *to)
{
	const char *a = strstr(s, from), *z;
	char *out;

	assert_non_null(a);
	z = strstr(a, to);
	assert_non_null(z);
	out = strndup(a, (size_t)(z - a));
	assert_non_null(out);
	return out;
}

static void
test_service_page_dates_and_marks(void **state)
{
	struct catalog *cat = loads();
	const struct cat_host *h = catalog_find(cat, "w1");
	const struct cat_service *cs = cat_host_service(h, "load");
	struct time_range r;
	char err[160], *html, *cap;
	const char *q;
	size_t len;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	/* 2025-12-02 12:00 to 13:00 UTC, relative to a now of 13:00 */
	assert_int_equal(
	    time_range_parse("-1h", NULL, 1764680400, &r, err, sizeof(err)), 1);
	html = page_service(h, cs, NULL, &r, 1764680400, &len);
	assert_non_null(html);
	cap = between(html, "<figcaption>", "</figcaption>");
	assert_string_equal(cap,
	    "<figcaption><span class=dates><time "
	    "datetime=\"2025-12-02T12:00:00+00:00\">2025-12-02 12:00</time> "
	    "&ndash; <time datetime=\"2025-12-02T13:00:00+00:00\">13:00 "
	    "UTC</time></span>");
	free(cap);
	/* the image and the links keep the range relative */
	assert_non_null(strstr(html, "/w1/load-day.png?start=-1h\" "));
	assert_non_null(strstr(html, "data-start=\"1764676800\" "
				     "data-end=\"1764680400\""));
	assert_non_null(
	    strstr(html, "<a class=preset href=\"?start=-1h\" aria-current="));
	assert_non_null(strstr(html, "<a class=preset href=\"?start=-1mon\">"));
	assert_non_null(strstr(html, "href=\"/compare/load?start=-1h\""));
	/* marked: the frame's class and a label with the field at fault */
	assert_non_null(strstr(html, "<figure class=\"graph st-CRITICAL\" "
				     "data-state=\"CRITICAL\" title=\"Runnable "
				     "&amp; waiting\"><span class=\"mark "
				     "mark-CRITICAL\">CRITICAL: load</span>"));
	free(html);
	/* the four periods: each caption its dates, across days */
	html = page_service(h, cs, NULL, NULL, 1764680400, &len);
	assert_non_null(html);
	assert_non_null(
	    strstr(html, "<figcaption>by week: <span class=dates>"
			 "<time datetime=\"2025-11-24T05:00:00"
			 "+00:00\">2025-11-24 05:00</time> &ndash; "
			 "<time datetime=\"2025-12-02T12:45:00+00:00"
			 "\">2025-12-02 12:45 UTC</time>"));
	/* no caption shows an epoch number */
	for (q = strstr(html, "<figcaption>"); q != NULL;
	     q = strstr(q + 1, "<figcaption>")) {
		cap = between(q, "<figcaption>", "</figcaption>");
		assert_null(strstr(cap, "17646"));
		free(cap);
	}
	free(html);
	catalog_free(cat);
}

/* One field of svc on h with an alert verdict st since since (0: no
 * verdict); label may be NULL. */
static void
judged(struct catalog *cat, struct cat_host *h, const char *svc,
    const char *field, const char *label, enum field_state st, time_t since)
{
	struct batch b = {0};
	struct cat_service *cs;
	long i;

	put(&b, svc, NULL, field, label != NULL ? label : field, "GAUGE", 1);
	catalog_update(cat, h, 1900, &b);
	batch_cleanup(&b);
	cs = (struct cat_service *)cat_host_service(h, svc);
	assert_non_null(cs);
	i = cat_service_field_index(cs, 0, field);
	assert_true(i >= 0);
	if (since != 0) {
		cat_field_set_alert(cs, (size_t)i, st);
		cat_field_set_since(cs, (size_t)i, since);
	}
}

/*
 * At 2000: hv1 OK (its own BMC read too) with its guest vm1 (CRITICAL since
 * 1500) and its BMC bmc1 (WARNING since 1600, by "physical"); db1 down since
 * 1700; old1 up but last polled well at 100 (stale, interval 300); pend1 never
 * polled; a host with hostile names.
 */
static struct catalog *
farm(void)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h;

	h = catalog_host(cat, "hv1", "hv", NULL);
	catalog_set_target(h, 300, false);
	catalog_poll_result(h, true, NULL, 1900, 5, 0, 3);
	judged(cat, h, "cpu", "user", "User time", FS_OK, 1000);
	catalog_bmc_result(h, true, NULL, 1950, 5, 10); /* its own BMC */
	h = catalog_host(cat, "vm1", "web", NULL);
	catalog_set_physical(h, "hv1", PHYS_LEARNED, "hv1", "vm1");
	catalog_set_target(h, 300, false);
	catalog_poll_result(h, true, NULL, 1900, 5, 0, 3);
	judged(cat, h, "diskstats", "sda", "Disk sda", FS_CRITICAL, 1500);
	judged(cat, h, "cpu", "user", "User time", FS_OK, 1000);
	h = catalog_host(cat, "bmc1", "hv", "hv1");
	catalog_set_physical(h, "hv1", PHYS_CONFIG, NULL, NULL);
	catalog_set_target(h, 60, true);
	catalog_poll_result(h, true, NULL, 1950, 5, 0, 3);
	judged(cat, h, "ipmi_volts", "_12V", "12V", FS_WARNING, 1600);
	h = catalog_host(cat, "db1", "db", NULL);
	catalog_set_target(h, 300, false);
	catalog_poll_result(h, true, NULL, 1000, 5, 0, 3);
	catalog_poll_result(h, false, "connection refused", 1700, 5, 0, 0);
	catalog_poll_result(h, false, "connection refused", 1990, 5, 0, 0);
	h = catalog_host(cat, "old1", "db", NULL);
	catalog_set_target(h, 300, false);
	catalog_poll_result(h, true, NULL, 100, 5, 0, 3);
	judged(cat, h, "load", "load", NULL, FS_OK, 100);
	catalog_host(cat, "pend1", "db", NULL);
	h = catalog_host(cat, "evil", "db", NULL);
	catalog_set_target(h, 300, false);
	catalog_poll_result(h, true, NULL, 1900, 5, 0, 3);
	judged(cat, h, "x\"'<s>", "f", "<img src=x onerror=alert(1)>", FS_OK,
	    1000);
	return cat;
}

/* Whether the overview's item of host name carries "hidden". */
static bool
item_hidden(const char *html, const char *name)
{
	char link[64];
	const char *a, *li;

	snprintf(link, sizeof(link), "<a href=\"/%s/\">%s</a>", name, name);
	a = strstr(strstr(html, "<ul class=hosts"), link);
	assert_non_null(a);
	for (li = a; li > html && strncmp(li, "<li ", 4) != 0; li--)
		;
	return memmem(li, (size_t)(a - li), " hidden", 7) != NULL;
}

static void
test_overview_physical_guests_bmc(void **state)
{
	struct catalog *cat = farm();
	size_t len;
	char *html = page_overview(cat, NULL, 2000, &len);
	const char *hv, *guests, *vm, *bmc, *end;

	(void)state;
	assert_non_null(html);
	hv = strstr(html, "<a href=\"/hv1/\">hv1</a>");
	assert_non_null(hv);
	guests = strstr(hv, "<ul class=guests>");
	end = strstr(guests, "</ul>");
	vm = strstr(guests, "<a href=\"/vm1/\">vm1</a>");
	bmc = strstr(guests, "<a href=\"/bmc1/\">bmc1</a>");
	/* guests first, then the BMC, both inside hv1's item */
	assert_true(vm != NULL && bmc != NULL && vm < bmc && bmc < end);
	assert_non_null(
	    strstr(bmc, "<span class=what>BMC of hv1, read over IPMI</span>"));
	assert_non_null(strstr(vm, "learned, group web"));
	/* hv1's own BMC, read beside its munin-node: a line of its item */
	assert_non_null(strstr(hv, "<br>BMC up, last good read 50 s ago"));
	assert_true(strstr(hv, "<br>BMC up") < guests);
	/* neither is listed in a group of its own */
	assert_null(strstr(html, "<h2>web</h2>"));
	assert_null(strstr(end, "<a href=\"/bmc1/\">"));
	assert_non_null(strstr(html, "<h2>db</h2>"));
	free(html);
	catalog_free(cat);
}

static void
test_overview_problems_first(void **state)
{
	struct catalog *cat = farm();
	size_t len;
	char *html = page_overview(cat, NULL, 2000, &len);
	const char *p, *down, *crit, *warn, *stale, *end;

	(void)state;
	assert_non_null(html);
	p = strstr(html, "<section class=problems><h2>Problems (4)</h2>");
	assert_non_null(p);
	/* before the host list */
	assert_true(p < strstr(html, "<ul class=hosts"));
	end = strstr(p, "</section>");
	down = strstr(p, "<li class=\"problem st-DOWN\"");
	crit = strstr(p, "<li class=\"problem st-CRITICAL\"");
	warn = strstr(p, "<li class=\"problem st-WARNING\"");
	stale = strstr(p, "<li class=\"problem st-STALE\"");
	assert_true(
	    down != NULL && crit != NULL && warn != NULL && stale != NULL);
	assert_true(down < crit && crit < warn && warn < stale && stale < end);
	assert_non_null(strstr(down, "<a href=\"/db1/\">db1</a> <span "
				     "class=age>down since <time "
				     "datetime=\"1970-01-01T00:28:20Z\">"
				     "1970-01-01 00:28 UTC</time> (5 min "
				     "ago): connection refused</span>"));
	/* a service links to its page, with its worst field's since */
	assert_non_null(strstr(crit, "<a href=\"/vm1/diskstats/\">vm1 / "
				     "diskstats</a> <span class=age>1 "
				     "field, since <time "
				     "datetime=\"1970-01-01T00:25:00Z\">"));
	assert_non_null(strstr(warn, "<a href=\"/bmc1/ipmi_volts/\">"));
	assert_non_null(strstr(stale, "<a href=\"/old1/\">old1</a> <span "
				      "class=age>last good poll <time "
				      "datetime=\"1970-01-01T00:01:40Z\">"
				      "1970-01-01 00:01 UTC</time> (31 min "
				      "ago), more than 3 intervals of 300 "
				      "s</span>"));
	/* never polled is no problem; neither is OK */
	assert_null(memmem(p, (size_t)(end - p), "pend1", 5));
	assert_null(memmem(p, (size_t)(end - p), "hv1/", 4));
	free(html);
	catalog_free(cat);
}

static void
test_overview_counts(void **state)
{
	struct catalog *cat = farm();
	size_t len;
	char *html = page_overview(cat, NULL, 2000, &len);

	(void)state;
	assert_non_null(html);
	/* 7 hosts: db1 DOWN, vm1 CRITICAL, bmc1 WARNING, pend1 UNKNOWN,
	 * old1 STALE, hv1 and evil OK */
	assert_non_null(strstr(html,
	    "<p class=counts><span class=counts>7 hosts: <span class=\"count "
	    "st-DOWN\">1 DOWN</span> <span class=\"count st-CRITICAL\">1 "
	    "CRITICAL</span> <span class=\"count st-WARNING\">1 WARNING"
	    "</span> <span class=\"count st-UNKNOWN\">1 UNKNOWN</span> "
	    "<span class=\"count st-STALE\">1 STALE</span> <span "
	    "class=\"count st-OK\">2 OK</span></span> <span class=counts>6 "
	    "services: <span class=\"count st-CRITICAL\">1 CRITICAL</span> "
	    "<span class=\"count st-WARNING\">1 WARNING</span> <span "
	    "class=\"count st-OK\">4 OK</span></span></p>"));
	free(html);
	catalog_free(cat);
}

static void
test_overview_query(void **state)
{
	struct catalog *cat = farm();
	size_t len;
	char *html;

	(void)state;
	/* a field's label, case folded: vm1, and hv1 it is listed under */
	html = page_overview(cat, "  DISK sda ", 2000, &len);
	assert_non_null(html);
	assert_false(item_hidden(html, "vm1"));
	assert_false(item_hidden(html, "hv1"));
	assert_true(item_hidden(html, "bmc1"));
	assert_true(item_hidden(html, "db1"));
	assert_non_null(strstr(html, "<h2 hidden>db</h2><ul class=hosts "
				     "hidden>"));
	assert_non_null(strstr(html, "2 of 7 hosts shown"));
	assert_non_null(strstr(html, "value=\"  DISK sda \""));
	/* the problems block: only vm1's */
	assert_non_null(strstr(html, "<li class=\"problem st-CRITICAL\" "
				     "data-q="));
	assert_non_null(strstr(html, "<li class=\"problem st-DOWN\" hidden"));
	free(html);
	/* a physical host's name shows it with all it holds */
	html = page_overview(cat, "hv1", 2000, &len);
	assert_false(item_hidden(html, "vm1"));
	assert_false(item_hidden(html, "bmc1"));
	assert_true(item_hidden(html, "old1"));
	assert_non_null(strstr(html, "3 of 7 hosts shown"));
	free(html);
	/* every word must match; a service name finds its host */
	html = page_overview(cat, "hv1 nothing", 2000, &len);
	assert_true(item_hidden(html, "hv1"));
	assert_non_null(strstr(html, "0 of 7 hosts shown"));
	free(html);
	html = page_overview(cat, "ipmi_volts", 2000, &len);
	assert_false(item_hidden(html, "bmc1"));
	assert_false(item_hidden(html, "hv1"));
	assert_true(item_hidden(html, "vm1"));
	free(html);
	/* no query: nothing hidden */
	html = page_overview(cat, "", 2000, &len);
	assert_null(strstr(html, " hidden data-q"));
	assert_null(strstr(html, "<h2 hidden>"));
	assert_null(strstr(html, "hosts shown"));
	free(html);
	catalog_free(cat);
}

static void
test_overview_escapes_names(void **state)
{
	struct catalog *cat = farm();
	size_t len;
	char *html = page_overview(cat, "\"><script>x", 2000, &len);
	const char *words;

	(void)state;
	assert_non_null(html);
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, "<script>"));
	assert_null(strstr(html, "<s>"));
	/* the host's own words in its data-q, its service and field
	 * label among the shared words, escaped */
	assert_non_null(strstr(html, "data-q=\"evil db\" data-w=\""));
	words = strstr(html, "data-words=\"");
	assert_non_null(words);
	assert_non_null(strstr(words, "x&quot;&#39;&lt;s&gt;\n"));
	assert_non_null(strstr(words, "\n&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(html, "value=\"&quot;&gt;&lt;script&gt;x\""));
	free(html);
	catalog_free(cat);
}

static void
test_stale_host(void **state)
{
	struct catalog *cat = farm();
	size_t len;
	char *html = page_overview(cat, NULL, 2000, &len);
	const char *old;

	(void)state;
	old = strstr(html, "<li class=\"host st-STALE\"");
	assert_non_null(old);
	assert_non_null(strstr(old, "<a href=\"/old1/\">old1</a> <span "
				    "class=state>STALE</span><br><span "
				    "class=age>last good poll 31 min ago "
				    "(stale: more than 3 intervals of 300 "
				    "s)"));
	free(html);
	html = page_host(cat, catalog_find(cat, "old1"), 2000, &len);
	assert_non_null(strstr(html, "<span class=\"state st-STALE\">STALE"));
	assert_non_null(strstr(html, "<b class=stale>stale</b>"));
	free(html);
	html = page_host(cat, catalog_find(cat, "hv1"), 2000, &len);
	assert_null(strstr(html, "STALE"));
	free(html);
	html = api_hosts(cat, NULL, false, 2000, &len);
	assert_non_null(strstr(html, "\"name\":\"old1\""));
	assert_non_null(
	    strstr(strstr(html, "\"name\":\"old1\""), "\"stale\":true"));
	assert_non_null(
	    strstr(strstr(html, "\"name\":\"hv1\""), "\"stale\":false"));
	free(html);
	catalog_free(cat);
}

/*
 * A host a peer collector polls, with no peer answering (web/peers.h;
 * the cluster view against real peers is tests/test_shard.sh): the
 * overview says no peer answers for it and counts it UNKNOWN, not down;
 * /api/v1/hosts gives it no owner, peer_state unreachable, and leaves it
 * out of ?local=1, which lists the others with owner "self".
 */
static void
test_peer_host_without_peers(void **state)
{
	struct catalog *cat = farm();
	struct cat_host *h = catalog_find(cat, "db1"); /* down here */
	size_t len;
	char *html, *item;

	(void)state;
	h->peer = true;
	html = page_overview_cluster(cat, NULL, NULL, 2000, &len);
	assert_non_null(html);
	item = strstr(html, "<li class=\"host st-UNKNOWN\"");
	assert_non_null(item);
	assert_non_null(strstr(item, "<a href=\"#\">db1</a>"));
	assert_non_null(strstr(item, "polled by a peer collector that does "
				     "not answer"));
	assert_null(strstr(html, "connection refused"));
	free(html);
	html = api_hosts(cat, NULL, false, 2000, &len);
	item = strstr(html, "\"name\":\"db1\"");
	assert_non_null(item);
	assert_non_null(strstr(item, "\"poll_state\":\"peer\""));
	assert_non_null(strstr(item, "\"owner\":null"));
	assert_non_null(strstr(item, "\"peer_state\":\"unreachable\""));
	assert_non_null(strstr(item, "\"state\":\"UNKNOWN\""));
	assert_non_null(
	    strstr(strstr(html, "\"name\":\"hv1\""), "\"owner\":\"self\""));
	free(html);
	html = api_hosts(cat, NULL, true, 2000, &len);
	assert_null(strstr(html, "\"name\":\"db1\""));
	assert_non_null(strstr(html, "\"name\":\"hv1\""));
	free(html);
	catalog_free(cat);
}

/* A host's data-w names its shared words by index (base 36) into the
 * page's data-words, each word sent once. */
static void
test_overview_shared_words(void **state)
{
	struct catalog *cat = farm();
	size_t len, n = 0, k;
	char *html = page_overview(cat, NULL, 2000, &len), *words, *e;
	const char *w[64], *p;
	char idx[16];

	(void)state;
	assert_non_null(html);
	words = strstr(html, "<p hidden class=filter-words data-words=\"");
	assert_non_null(words);
	words = strchr(words, '"') + 1;
	e = strchr(words, '"');
	*e = '\0';
	for (p = words; n < 64; p = strchr(p, '\n') + 1) {
		w[n++] = p;
		if (strchr(p, '\n') == NULL)
			break;
	}
	/* vm1: diskstats, sda, "Disk sda", cpu, user, "User time" */
	p = strstr(html, "data-q=\"vm1 web\" data-w=\"");
	assert_non_null(p);
	p += strlen("data-q=\"vm1 web\" data-w=\"");
	for (k = 0; k < 6; k++) {
		long i = strtol(p, (char **)&p, 36);

		assert_true(i >= 0 && (size_t)i < n);
		snprintf(
		    idx, sizeof(idx), "%.*s", (int)strcspn(w[i], "\n"), w[i]);
		assert_true(
		    strcmp(idx, "diskstats") == 0 || strcmp(idx, "sda") == 0 ||
		    strcmp(idx, "Disk sda") == 0 || strcmp(idx, "cpu") == 0 ||
		    strcmp(idx, "user") == 0 || strcmp(idx, "User time") == 0);
		p += *p == ' ';
	}
	assert_int_equal(*p, '"');
	/* each word once: hv1 and vm1 both have cpu's "user" */
	p = strstr(words, "\nuser\n");
	assert_non_null(p);
	assert_null(strstr(p + 1, "\nuser\n"));
	free(html);
	catalog_free(cat);
}

static void
test_host_page_marks_and_graph_info(void **state)
{
	struct catalog *cat = loads();
	size_t len;
	char *html = page_host(cat, catalog_find(cat, "w1"), 2000, &len);
	char *users;

	(void)state;
	assert_non_null(html);
	assert_non_null(strstr(html, "<figure class=\"graph st-CRITICAL\""));
	assert_non_null(
	    strstr(html, "CRITICAL: load</span><a href=\"load/\">"));
	assert_non_null(strstr(html, "Load &lt;average&gt;<small "
				     "class=graph_info>Runnable &amp; waiting"
				     "</small></figcaption>"));
	/* an OK graph: no label */
	users = between(html, "<figure class=\"graph st-OK\"", "</figure>");
	assert_non_null(strstr(users, "users-day.png"));
	assert_null(strstr(users, "mark"));
	free(users);
	free(html);
	catalog_free(cat);
}

static void
test_compare_page_html(void **state)
{
	struct catalog *cat = loads();
	char names[3][ROUTE_NAME_MAX + 1] = {"w2", "w1", "w3"};
	struct time_range r;
	struct compare *c;
	char err[160], *html, *u1, *u2;
	const char *p;
	double v1[2] = {2, 4}, v2[2] = {NAN, 8};
	size_t len;

	(void)state;
	assert_int_equal(
	    time_range_parse("-6h", NULL, 1764680400, &r, err, sizeof(err)), 1);
	c = compare_new(cat, "/nonexistent", "load", names, 3, &r);
	assert_non_null(c);
	assert_int_equal(c->nhosts, 3);
	assert_true(c->hosts[0].found && c->hosts[1].found);
	assert_false(c->hosts[2].found);
	/* as compare_fetch() would have read them */
	c->hosts[0].series[0].values = malloc(sizeof(v1));
	memcpy(c->hosts[0].series[0].values, v1, sizeof(v1));
	c->hosts[0].series[0].rows = 2;
	c->hosts[0].series[0].start = c->hosts[1].series[0].start = 1000;
	c->hosts[0].series[0].step = c->hosts[1].series[0].step = 300;
	c->hosts[1].series[0].values = malloc(sizeof(v2));
	memcpy(c->hosts[1].series[0].values, v2, sizeof(v2));
	c->hosts[1].series[0].rows = 2;
	html = page_compare(cat, c, 1764680400, &len);
	assert_non_null(html);
	assert_non_null(
	    strstr(html, "<h1>Load &lt;average&gt; on 3 hosts</h1>"));
	/* one range, one scale (0 to 8 and 5 %) in both images, w2 first */
	u1 = between(html, "/w2/load-day.png?", "\"");
	u2 = between(html, "/w1/load-day.png?", "\"");
	assert_string_equal(u1 + 4, u2 + 4);
	assert_string_equal(
	    u1, "/w2/load-day.png?start=-6h&amp;lower=0&amp;upper=8.4");
	assert_true(strstr(html, "/w2/load-day.png") <
		    strstr(html, "/w1/load-day.png"));
	free(u1);
	free(u2);
	assert_non_null(strstr(html, "data-lower=\"0\" data-upper=\"8.4\""));
	/* w1's figure marked; w3 named, not drawn */
	p = strstr(html, "<figure class=\"graph st-CRITICAL\"");
	assert_true(p != NULL && p < strstr(html, "/w1/load-day.png"));
	assert_non_null(strstr(html, "<p class=missing>w3: no such host"));
	/* the picker: the hosts that have load, checked; the range kept */
	assert_non_null(strstr(html, "name=hosts value=\"w1\" checked>"));
	assert_non_null(strstr(html, "name=hosts value=\"w2\" checked>"));
	assert_null(strstr(html, "name=hosts value=\"w3\""));
	assert_non_null(strstr(html, "<input type=hidden name=\"start\" "
				     "value=\"-6h\">"));
	assert_non_null(strstr(html, "href=\"?hosts=w2,w1,w3&amp;start=-1d\""));
	free(html);
	compare_free(c);
	/* no hosts named: every host that draws it */
	c = compare_new(cat, "/nonexistent", "load", names, 0, &r);
	assert_int_equal(c->nhosts, 2);
	assert_string_equal(c->hosts[0].name, "w1");
	html = page_compare(cat, c, 1764680400, &len);
	assert_non_null(strstr(html, "lower=0&amp;upper=1\""));
	free(html);
	/* a logarithmic graph keeps its own scale: no limit of 0 */
	attrs_set(&((struct cat_service *)cat_host_service(
			catalog_find(cat, "w1"), "load"))
		       ->svc.graph,
	    "graph_args", "--base 1000 --logarithmic");
	html = page_compare(cat, c, 1764680400, &len);
	assert_null(strstr(html, "lower="));
	assert_non_null(strstr(html, "each keeps its own scale"));
	free(html);
	compare_free(c);
	catalog_free(cat);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_overview_nests_guests),
	    cmocka_unit_test(test_guest_page_hypervisor_view),
	    cmocka_unit_test(test_hypervisor_page_lists_guests),
	    cmocka_unit_test(test_service_page_info_and_rates),
	    cmocka_unit_test(test_field_value_row_as_the_graph),
	    cmocka_unit_test(test_host_page_leaves_out_graph_no),
	    cmocka_unit_test(test_young_host_shows_last_hour),
	    cmocka_unit_test(test_service_page_dates_and_marks),
	    cmocka_unit_test(test_host_page_marks_and_graph_info),
	    cmocka_unit_test(test_compare_page_html),
	    cmocka_unit_test(test_overview_physical_guests_bmc),
	    cmocka_unit_test(test_overview_problems_first),
	    cmocka_unit_test(test_overview_counts),
	    cmocka_unit_test(test_overview_query),
	    cmocka_unit_test(test_overview_escapes_names),
	    cmocka_unit_test(test_overview_shared_words),
	    cmocka_unit_test(test_peer_host_without_peers),
	    cmocka_unit_test(test_stale_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
