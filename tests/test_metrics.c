/* Tests for metrics: label escaping and UTF-8 repair, the label set of a
 * sample, a family per Munin type with the poll's timestamp, alert
 * states, unknown values left out, and each family whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <stdio.h>

#include "catalog/catalog.h"
#include "lib/log.h"
#include "web/metrics.h"

static char *
label(const char *s)
{
	struct buf b = {0};

	metrics_put_label_value(&b, s);
	return buf_take(&b, NULL);
}

static void
check_label(const char *in, const char *want)
{
	char *got = label(in);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_label_escaping(void **state)
{
	(void)state;
	check_label("", "");
	check_label("web1.example.com", "web1.example.com");
	check_label("a\"b", "a\\\"b");
	check_label("a\\b", "a\\\\b");
	check_label("a\nb", "a\\nb");
	check_label("\\\"\n", "\\\\\\\"\\n");
	check_label("grp;sub", "grp;sub");
	check_label("tab\there", "tab\there");
	/* valid UTF-8 passes: e-acute, euro sign, an emoji */
	check_label("caf\xc3\xa9", "caf\xc3\xa9");
	check_label("\xe2\x82\xac", "\xe2\x82\xac");
	check_label("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");
	/* Latin-1 e-acute, a lone continuation, a cut sequence, an overlong
	 * slash, a surrogate, beyond U+10FFFF: each bad byte is U+FFFD */
	check_label("caf\xe9", "caf\xef\xbf\xbd");
	check_label("\x80x", "\xef\xbf\xbdx");
	check_label("\xe2\x82", "\xef\xbf\xbd\xef\xbf\xbd");
	check_label("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");
	check_label("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	check_label("\xf4\x90\x80\x80",
	    "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
}

static void
add_field(struct service *s, const char *name, const char *type, double v,
    bool unknown)
{
	struct field *f = service_field(s, name, true);

	attrs_set(&f->attrs, "label", name);
	if (type != NULL)
		attrs_set(&f->attrs, "type", type);
	f->has_value = true;
	f->value = v;
	f->unknown = unknown;
}

/* A catalog of one host "web\"1" in group "grp;sub" on physical "kvm1". */
static struct catalog *
make_catalog(void)
{
	struct catalog *cat = catalog_new();
	struct batch b = {0};
	struct service *s;
	struct field *f;
	struct cat_host *h;

	h = catalog_host(cat, "web\"1", "grp;sub", "kvm1");
	s = batch_service(&b, "if_eth0", true);
	s->has_config = true;
	attrs_set(&s->graph, "graph_title", "eth0");
	add_field(s, "down", "DERIVE", 123456789012.0, false);
	add_field(s, "up", "COUNTER", 42, false);
	s = batch_service(&b, "load", true);
	s->has_config = true;
	attrs_set(&s->graph, "graph_title", "Load");
	add_field(s, "load", NULL, 0.25, false);
	f = service_field(s, "load", false);
	attrs_set(&f->attrs, "warning", "10");
	attrs_set(&f->attrs, "critical", "0.1");
	add_field(s, "gone", "GAUGE", 0, true);
	add_field(s, "neg", "GAUGE", -1.5e-7, false);
	f = service_field(s, "neg", false);
	f->when = 900;
	s = batch_service(&b, "ticks", true);
	s->has_config = true;
	add_field(s, "n", "ABSOLUTE", 7, false);
	catalog_update(cat, h, 1200, &b);
	catalog_poll_result(h, true, NULL, 1200, 250, 0, 6);
	batch_cleanup(&b);
	catalog_host(cat, "new", "grp", NULL); /* never polled */
	return cat;
}

static char *
render(struct catalog *cat, const struct metrics_self *self)
{
	struct buf b = {0};

	metrics_write(&b, cat, self, 1250);
	return buf_take(&b, NULL);
}

#define LABELS "host=\"web\\\"1\",group=\"grp;sub\",physical=\"kvm1\""

static void
test_samples_by_type(void **state)
{
	struct catalog *cat = make_catalog();
	char *t = render(cat, NULL);

	(void)state;
	assert_non_null(t);
	/* a counter's raw value, exactly, at the poll's time in ms */
	assert_non_null(strstr(t,
	    "\ndrover_field_total{" LABELS ",plugin=\"if_eth0\",field=\"down\"}"
	    " 123456789012 1200000\n"));
	assert_non_null(strstr(t,
	    "\ndrover_field_total{" LABELS ",plugin=\"if_eth0\",field=\"up\"}"
	    " 42 1200000\n"));
	/* a gauge (no type given), and one with its own "value EPOCH:" */
	assert_non_null(strstr(t,
	    "\ndrover_field_value{" LABELS ",plugin=\"load\",field=\"load\"}"
	    " 0.25 1200000\n"));
	assert_non_null(strstr(t,
	    "\ndrover_field_value{" LABELS ",plugin=\"load\",field=\"neg\"}"
	    " -1.4999999999999999e-07 900000\n"));
	assert_non_null(strstr(t,
	    "\ndrover_field_absolute{" LABELS ",plugin=\"ticks\",field=\"n\"}"
	    " 7 1200000\n"));
	/* "U" is left out */
	assert_null(strstr(t, "field=\"gone\"} "));
	/* 0.25 is above critical 0.1: CRITICAL, no timestamp */
	assert_non_null(strstr(t, "\ndrover_field_alert_state{" LABELS
				  ",plugin=\"load\",field=\"load\"} 2\n"));
	/* fields without thresholds have no alert sample */
	assert_null(strstr(
	    t, "drover_field_alert_state{" LABELS ",plugin=\"if_eth0\""));
	assert_non_null(strstr(t, "\ndrover_host_up{" LABELS "} 1\n"));
	assert_non_null(strstr(
	    t, "\ndrover_host_poll_duration_seconds{" LABELS "} 0.25\n"));
	assert_non_null(strstr(
	    t, "\ndrover_host_last_ok_timestamp_seconds{" LABELS "} 1200\n"));
	/* a host never polled: no up sample, but UNKNOWN */
	assert_null(strstr(t, "drover_host_up{host=\"new\""));
	assert_non_null(
	    strstr(t, "\ndrover_host_alert_state{host=\"new\",group=\"grp\","
		      "physical=\"new\"} 3\n"));
	assert_non_null(strstr(t, "\ndrover_hosts 2\n"));
	assert_null(strstr(t, "drover_polls_total"));
	free(t);
	catalog_free(cat);
}

/*
 * Family name of text t is there once: one HELP, one TYPE, its samples
 * together after them.
 */
static void
check_family_whole(const char *t, const char *name)
{
	char type[128], help[128];
	const char *p, *q, *last = NULL;
	size_t n = strlen(name);

	snprintf(type, sizeof(type), "# TYPE %s ", name);
	snprintf(help, sizeof(help), "# HELP %s ", name);
	p = strstr(t, type);
	if (p == NULL)
		fail_msg("no %s", type);
	assert_null(strstr(p + 1, type));
	q = strstr(t, help);
	assert_non_null(q);
	assert_true(q < p);
	assert_null(strstr(q + 1, help));
	/* every sample line of the family follows its TYPE, and no other
	 * family's line comes between two of them */
	for (q = t; (q = strstr(q, name)) != NULL; q += n) {
		bool line_start = q == t || q[-1] == '\n';

		if (!line_start || (q[n] != '{' && q[n] != ' '))
			continue;
		assert_true(q > p);
		if (last != NULL) {
			const char *nl;

			for (nl = strchr(last, '\n') + 1; nl < q;
			     nl = strchr(nl, '\n') + 1)
				assert_memory_equal(nl, name, n);
		}
		last = q;
	}
	assert_non_null(last);
}

/* Each family once: one HELP, one TYPE, its samples together after. */
static void
test_families_whole(void **state)
{
	static const char *const names[] = {"drover_field_value",
	    "drover_field_total", "drover_field_absolute",
	    "drover_field_alert_state", "drover_host_up",
	    "drover_host_alert_state", "drover_host_stale",
	    "drover_polls_total", "drover_rrd_updates_total"};
	struct catalog *cat = make_catalog();
	struct web_poll_stats ps = {.done = 17, .failed = 2};
	struct rrd_writer_stats ws = {.updates = 99};
	struct metrics_self self = {&ps, &ws, NULL};
	char *t = render(cat, &self);
	size_t i;

	(void)state;
	assert_non_null(t);
	assert_non_null(strstr(t, "# TYPE drover_field_total counter\n"));
	assert_non_null(strstr(t, "# TYPE drover_field_value gauge\n"));
	assert_non_null(strstr(t, "\ndrover_polls_total 17\n"));
	assert_non_null(strstr(t, "\ndrover_poll_failures_total 2\n"));
	assert_non_null(strstr(t, "\ndrover_rrd_updates_total 99\n"));
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_family_whole(t, names[i]);
	free(t);
	catalog_free(cat);
}

/* Host name's samples of family fam in t. */
static int
host_samples_in(const char *t, const char *fam, const char *name)
{
	char needle[160];
	const char *p;
	int n = 0;

	snprintf(needle, sizeof(needle), "\n%s{host=\"%s\",", fam, name);
	for (p = t; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

/* A polled host h<i> with a gauge and a counter of service "s". */
static void
add_host(struct catalog *cat, const char *name)
{
	struct cat_host *h = catalog_host(cat, name, "g", NULL);
	struct batch b = {0};
	struct service *s = batch_service(&b, "s", true);

	s->has_config = true;
	add_field(s, "g", NULL, 1.5, false);
	add_field(s, "c", "DERIVE", 7, false);
	catalog_update(cat, h, 1200, &b);
	catalog_poll_result(h, true, NULL, 1200, 10, 0, 2);
	batch_cleanup(&b);
}

/*
 * The text in slices of a host each is the whole text; a reload between
 * slices (in the middle of the first family) drops a host the family has
 * written and one it has not, and adds one: the text is still each
 * family whole, with each host at most once in it, the dropped ones only
 * where they were written before the reload, the new one everywhere.
 */
static void
test_stream_survives_reload(void **state)
{
	static const char *const names[] = {"drover_field_value",
	    "drover_field_total", "drover_host_up", "drover_host_alert_state",
	    "drover_host_stale", "drover_host_poll_duration_seconds",
	    "drover_polls_total"};
	static const char *const keep[] = {"h0", "h2", "h4", "h5"};
	struct catalog *cat = catalog_new();
	struct web_poll_stats ps = {.done = 3};
	struct metrics_self self = {&ps, NULL, NULL};
	struct metrics_stream *ms;
	struct buf b = {0};
	char *whole, name[8];
	size_t i, slices = 0;

	(void)state;
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "h%zu", i);
		add_host(cat, name);
	}
	whole = render(cat, &self);
	assert_non_null(whole);
	ms = metrics_stream_new(cat, &self, 1250);
	assert_non_null(ms);
	ps.done = 99; /* copied at the start: the scrape's own moment */
	while (metrics_stream_next(ms, &b, 1))
		slices++;
	metrics_stream_free(ms);
	assert_false(b.oom);
	assert_true(slices >= 6 * 6); /* a host per slice, each family */
	assert_int_equal(b.len, strlen(whole));
	assert_memory_equal(b.p, whole, b.len);
	assert_null(strstr(whole, "drover_field_absolute"));
	free(whole);

	b.len = 0;
	ms = metrics_stream_new(cat, &self, 1250);
	assert_true(metrics_stream_next(ms, &b, 1));
	assert_true(metrics_stream_next(ms, &b, 1));
	assert_int_equal(host_samples_in(b.p, "drover_field_value", "h1"), 1);
	catalog_retain(cat, keep, 4);
	add_host(cat, "late");
	{ /* the only ABSOLUTE field: its family is not passed over */
		struct batch ab = {0};
		struct service *as = batch_service(&ab, "t", true);

		as->has_config = true;
		add_field(as, "a", "ABSOLUTE", 3, false);
		catalog_update(cat, catalog_find(cat, "late"), 1200, &ab);
		batch_cleanup(&ab);
	}
	while (metrics_stream_next(ms, &b, 1))
		;
	metrics_stream_free(ms);
	assert_false(b.oom);
	buf_putc(&b, '\0');
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_family_whole(b.p, names[i]);
	assert_int_equal(host_samples_in(b.p, "drover_field_value", "h0"), 1);
	assert_int_equal(host_samples_in(b.p, "drover_field_value", "h1"), 1);
	assert_int_equal(host_samples_in(b.p, "drover_field_value", "h2"), 1);
	assert_int_equal(host_samples_in(b.p, "drover_field_value", "h3"), 0);
	assert_int_equal(host_samples_in(b.p, "drover_field_value", "h5"), 1);
	assert_int_equal(host_samples_in(b.p, "drover_field_value", "late"), 1);
	for (i = 1; i < sizeof(names) / sizeof(names[0]) - 1; i++) {
		assert_int_equal(host_samples_in(b.p, names[i], "h0"), 1);
		assert_int_equal(host_samples_in(b.p, names[i], "h1"), 0);
		assert_int_equal(host_samples_in(b.p, names[i], "h3"), 0);
		assert_int_equal(host_samples_in(b.p, names[i], "h5"), 1);
		assert_int_equal(host_samples_in(b.p, names[i], "late"), 1);
	}
	check_family_whole(b.p, "drover_field_absolute");
	assert_int_equal(
	    host_samples_in(b.p, "drover_field_absolute", "late"), 1);
	assert_non_null(strstr(b.p, "\ndrover_polls_total 99\n"));
	assert_non_null(strstr(b.p, "\ndrover_hosts 5\n"));
	buf_free(&b);
	catalog_free(cat);
}

/* Infinities as the format spells them; a NaN value is left out. */
static void
test_special_values(void **state)
{
	struct catalog *cat = catalog_new();
	struct batch b = {0};
	struct service *s;
	struct cat_host *h;
	char *t;

	(void)state;
	h = catalog_host(cat, "h", "g", NULL);
	s = batch_service(&b, "x", true);
	s->has_config = true;
	add_field(s, "pinf", NULL, 1.0 / 0.0, false);
	add_field(s, "ninf", NULL, -1.0 / 0.0, false);
	add_field(s, "nan", NULL, 0.0 / 0.0, false);
	add_field(s, "big", NULL, 1e300, false);
	add_field(s, "negint", NULL, -12, false);
	catalog_update(cat, h, 600, &b);
	batch_cleanup(&b);
	t = render(cat, NULL);
	assert_non_null(t);
	assert_non_null(strstr(t, "field=\"pinf\"} +Inf 600000\n"));
	assert_non_null(strstr(t, "field=\"ninf\"} -Inf 600000\n"));
	assert_null(strstr(t, "field=\"nan\"}"));
	assert_non_null(strstr(t, "field=\"big\"} 1.0000000000000001e+300 "));
	assert_non_null(strstr(t, "field=\"negint\"} -12 600000\n"));
	free(t);
	catalog_free(cat);
}

/* A host a peer collector polls is that collector's to export: no
 * sample of it here, whatever the catalog held of it. */
static void
test_peer_host_left_out(void **state)
{
	struct catalog *cat = make_catalog();
	char *t;

	(void)state;
	t = render(cat, NULL);
	assert_non_null(strstr(t, "host=\"new\""));
	free(t);
	catalog_find(cat, "new")->peer = true;
	catalog_find(cat, "web\"1")->peer = true;
	t = render(cat, NULL);
	assert_non_null(t);
	assert_null(strstr(t, "host=\"new\""));
	assert_null(strstr(t, "host=\"web"));
	free(t);
	catalog_free(cat);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_label_escaping),
	    cmocka_unit_test(test_samples_by_type),
	    cmocka_unit_test(test_peer_host_left_out),
	    cmocka_unit_test(test_families_whole),
	    cmocka_unit_test(test_special_values),
	    cmocka_unit_test(test_stream_survives_reload),
	};

	log_init(false, LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
