/*
 * Tests for the alert engine (alerts.c): which alert_attempts a field gets
 * (precedence: the field's, the plugin's, the host's, the operator's
 * global key, then the built-in default: 1 for ipmi_volts, 2 for the
 * rest); state kept across a restart without announcing it again; a
 * failed save of the state (logged once, no .tmp left, retried); a host
 * that is down; a field that stops reporting; ${graph_period} in what a
 * page says (unit, label, text); staleness at scale (only the due fields
 * looked at) and at the timer wheel's edges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alerts/alerts.h"
#include "collector/conf.h"
#include "lib/log.h"
#include "tests/log_capture.h"

/* Hard WARNING changes seen by the output (initial states not counted). */
static void
count_warnings(void *arg, const struct alert_event *ev)
{
	if (!ev->initial && ev->field != NULL && ev->state == FS_WARNING)
		(*(unsigned *)arg)++;
}

/*
 * Feeds samples of 20 to field f of plugin svc (warning 10, so each one is
 * out of range) of host h1, one per interval, and returns how many it took
 * until the engine announced the hard WARNING (0: none within 10).
 * plugin_attempts and field_attempts: the plugin's and the field's
 * alert_attempts, NULL for none.
 */
static unsigned
samples_to_warning(const struct conf *c, const struct conf_host *hc,
    const char *svc, const char *plugin_attempts, const char *field_attempts)
{
	struct catalog *cat = catalog_new();
	struct alerts *a = alerts_new(NULL);
	struct cat_host *h;
	struct service *s;
	struct field *f;
	struct alerts_defaults ad;
	struct alerts_host ah = {0};
	struct batch b = {0};
	unsigned warnings = 0, n, got = 0;
	time_t ts = 1700000000;

	assert_non_null(cat);
	assert_non_null(a);
	ad.attempts = c->alert_attempts;
	ad.interval = c->interval;
	alerts_set_defaults(a, &ad);
	if (hc != NULL) {
		ah.attempts = conf_host_alert_attempts(hc);
		ah.interval = hc->interval;
	}
	assert_int_equal(alerts_add_output(a, count_warnings, &warnings), 0);
	h = catalog_host(cat, "h1", NULL, NULL);
	s = batch_service(&b, svc, true);
	s->has_config = true;
	if (plugin_attempts != NULL)
		attrs_set(&s->graph, "alert_attempts", plugin_attempts);
	f = service_field(s, "f", true);
	attrs_set(&f->attrs, "warning", "10");
	if (field_attempts != NULL)
		attrs_set(&f->attrs, "alert_attempts", field_attempts);
	f->has_value = true;
	f->value = 20;
	for (n = 1; n <= 10 && got == 0; n++, ts += c->interval) {
		catalog_update(cat, h, ts, &b);
		alerts_ingest(a, h, hc != NULL ? &ah : NULL, &b, ts);
		if (warnings > 0)
			got = n;
	}
	assert_true(warnings <= 1);
	batch_cleanup(&b);
	alerts_free(a);
	catalog_free(cat);
	return got;
}

/* The last non-initial field event's unit, label and text. */
struct period_seen {
	char unit[128], label[128], text[512];
};

static void
keep_event(void *arg, const struct alert_event *ev)
{
	struct period_seen *s = arg;

	if (ev->initial || ev->field == NULL)
		return;
	snprintf(s->unit, sizeof(s->unit), "%s", ev->unit);
	snprintf(s->label, sizeof(s->label), "%s", ev->label);
	snprintf(s->text, sizeof(s->text), "%s", ev->text);
}

/* Feeds a WARNING to if_eth0's up field (vlabel and label with
 * ${graph_period}, the service's graph_period as given, NULL: unset)
 * and returns what the page would say. */
static struct period_seen
period_event(const char *period)
{
	struct catalog *cat = catalog_new();
	struct alerts *a = alerts_new(NULL);
	struct alerts_defaults ad = {.attempts = 1, .interval = 300};
	struct period_seen seen;
	struct cat_host *h;
	struct service *s;
	struct field *f;
	struct batch b = {0};
	time_t ts = 1700000000;
	int n;

	memset(&seen, 0, sizeof(seen));
	assert_non_null(cat);
	assert_non_null(a);
	alerts_set_defaults(a, &ad);
	assert_int_equal(alerts_add_output(a, keep_event, &seen), 0);
	h = catalog_host(cat, "h1", NULL, NULL);
	s = batch_service(&b, "if_eth0", true);
	s->has_config = true;
	attrs_set(&s->graph, "graph_vlabel",
	    "bits in (-) / out (+) per ${graph_period}");
	if (period != NULL)
		attrs_set(&s->graph, "graph_period", period);
	f = service_field(s, "up", true);
	attrs_set(&f->attrs, "label", "bps per ${graph_period}");
	attrs_set(&f->attrs, "warning", "10");
	f->has_value = true;
	f->value = 20;
	for (n = 0; n < 3; n++, ts += 300) {
		catalog_update(cat, h, ts, &b);
		alerts_ingest(a, h, NULL, &b, ts);
	}
	batch_cleanup(&b);
	alerts_free(a);
	catalog_free(cat);
	return seen;
}

static void
test_graph_period_expanded(void **state)
{
	struct period_seen s;

	(void)state;
	s = period_event(NULL); /* munin-graph's default: second */
	assert_string_equal(s.unit, "bits in (-) / out (+) per second");
	assert_string_equal(s.label, "bps per second");
	assert_non_null(strstr(s.text, "bps per second is WARNING"));
	assert_non_null(
	    strstr(s.text, "20.00 bits in (-) / out (+) per second"));
	assert_null(strstr(s.text, "${"));
	s = period_event("minute");
	assert_string_equal(s.unit, "bits in (-) / out (+) per minute");
	assert_string_equal(s.label, "bps per minute");
}

static void
test_builtin_defaults(void **state)
{
	struct conf *c = conf_new();

	(void)state;
	assert_int_equal(samples_to_warning(c, NULL, "load", NULL, NULL), 2);
	/* a sagging rail pages on the first sample */
	assert_int_equal(
	    samples_to_warning(c, NULL, "ipmi_volts", NULL, NULL), 1);
	conf_free(c);
}

static void
test_global_applies_to_ipmi_volts(void **state)
{
	struct conf *c = conf_new();

	(void)state;
	c->alert_attempts = 3; /* the operator's global alert_attempts 3 */
	assert_int_equal(samples_to_warning(c, NULL, "load", NULL, NULL), 3);
	assert_int_equal(
	    samples_to_warning(c, NULL, "ipmi_volts", NULL, NULL), 3);
	c->alert_attempts = 1;
	assert_int_equal(samples_to_warning(c, NULL, "load", NULL, NULL), 1);
	conf_free(c);
}

static void
test_field_plugin_host_win_over_global(void **state)
{
	struct conf *c = conf_new();
	struct conf_host hc = {0};

	(void)state;
	c->alert_attempts = 3;
	attrs_set(&hc.munin, "alert_attempts", "4");
	/* host over global, for ipmi_volts as for the rest */
	assert_int_equal(samples_to_warning(c, &hc, "load", NULL, NULL), 4);
	assert_int_equal(
	    samples_to_warning(c, &hc, "ipmi_volts", NULL, NULL), 4);
	/* plugin over host, field over plugin */
	assert_int_equal(
	    samples_to_warning(c, &hc, "ipmi_volts", "5", NULL), 5);
	assert_int_equal(samples_to_warning(c, &hc, "ipmi_volts", "5", "2"), 2);
	/* without a global, the host still wins over the built-in 1 */
	c->alert_attempts = 0;
	assert_int_equal(
	    samples_to_warning(c, &hc, "ipmi_volts", NULL, NULL), 4);
	attrs_cleanup(&hc.munin);
	conf_free(c);
}

/* Every event the engine emits, in order. */
struct seen {
	unsigned n;
	enum field_state state[16];
	bool initial[16];
	bool host_down[16];
};

static void
record(void *arg, const struct alert_event *ev)
{
	struct seen *s = arg;

	if (s->n < 16) {
		s->state[s->n] = ev->state;
		s->initial[s->n] = ev->initial;
		s->host_down[s->n] = ev->host_down;
	}
	s->n++;
}

/* One sample v of h1's df.root (warning 10, one attempt) at ts. */
static void
feed(struct alerts *a, struct catalog *cat, struct cat_host *h, double v,
    time_t ts)
{
	struct batch b = {0};
	struct service *s = batch_service(&b, "df", true);
	struct field *f = service_field(s, "root", true);

	s->has_config = true;
	attrs_set(&f->attrs, "warning", "10");
	attrs_set(&f->attrs, "alert_attempts", "1");
	f->has_value = true;
	f->value = v;
	catalog_update(cat, h, ts, &b);
	alerts_ingest(a, h, NULL, &b, ts);
	batch_cleanup(&b);
}

static void
test_state_survives_restart(void **state)
{
	char dir[] = "/tmp/drover-alerts-XXXXXX", path[64];
	struct catalog *cat;
	struct cat_host *h;
	struct alerts *a;
	struct seen seen = {0};
	time_t ts = 1700000000;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/alerts.json", dir);
	cat = catalog_new();
	h = catalog_host(cat, "h1", NULL, NULL);
	a = alerts_new(path);
	alerts_add_output(a, record, &seen);
	feed(a, cat, h, 5, ts);
	feed(a, cat, h, 20, ts + 300);
	assert_int_equal(seen.n, 2);
	assert_true(seen.initial[0]);
	assert_int_equal(seen.state[0], FS_OK);
	assert_false(seen.initial[1]);
	assert_int_equal(seen.state[1], FS_WARNING);
	assert_int_equal(alerts_save(a), 0);
	alerts_free(a);
	catalog_free(cat);

	/* a restart: the open problem is known, not announced again */
	memset(&seen, 0, sizeof(seen));
	cat = catalog_new();
	h = catalog_host(cat, "h1", NULL, NULL);
	a = alerts_new(path);
	alerts_add_output(a, record, &seen);
	feed(a, cat, h, 20, ts + 600);
	assert_int_equal(seen.n, 0);
	assert_int_equal(cat_field_state(&h->services[0], 0), FS_WARNING);
	feed(a, cat, h, 5, ts + 900);
	assert_int_equal(seen.n, 1);
	assert_int_equal(seen.state[0], FS_OK);
	assert_false(seen.initial[0]);
	alerts_free(a);
	catalog_free(cat);
	unlink(path);
	rmdir(dir);
}

/*
 * Saves that fail (as root modes stop nothing, so the temporary name is
 * made a directory, then a link to /dev/full: a write that fails after
 * the file was opened) keep the state dirty and in memory, are logged
 * once per cause, leave no .tmp behind, and the next save after the cause
 * went away writes the state.
 */
static void
test_failed_save_is_logged_once_and_retried(void **state)
{
	char dir[] = "/tmp/drover-alerts-XXXXXX", path[64], tmp[80], log[4096];
	struct alerts_stats st;
	struct catalog *cat;
	struct cat_host *h;
	struct alerts *a;
	struct stat sb;
	FILE *cap = tmpfile();

	(void)state;
	assert_non_null(cap);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/alerts.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	assert_int_equal(mkdir(tmp, 0700), 0);
	log_init(false, LOG_LVL_INFO);
	log_set_stream(cap);
	cat = catalog_new();
	h = catalog_host(cat, "h1", NULL, NULL);
	a = alerts_new(path);
	alerts_stats(a, &st);
	assert_string_equal(st.save_error, "");
	/* the first save proves the file writable: it is not */
	assert_int_equal(alerts_save(a), -1);
	alerts_stats(a, &st);
	assert_non_null(strstr(st.save_error, "alerts.json.tmp"));
	assert_non_null(strstr(st.save_error, "Is a directory"));
	assert_true(st.failing_since > 0);
	assert_int_equal(st.save_failures, 1);
	feed(a, cat, h, 20, 1700000000);
	assert_int_equal(alerts_save(a), -1);
	assert_int_equal(alerts_save(a), -1);
	alerts_stats(a, &st);
	assert_int_equal(st.save_failures, 3);
	logged(cap, log, sizeof(log));
	assert_int_equal(count(log, "alerts: cannot write"), 1);

	/* a write that fails once the file is open: a new cause, logged,
	 * and the .tmp (here the link) does not stay */
	assert_int_equal(rmdir(tmp), 0);
	assert_int_equal(symlink("/dev/full", tmp), 0);
	assert_int_equal(alerts_save(a), -1);
	alerts_stats(a, &st);
	assert_non_null(strstr(st.save_error, "No space left on device"));
	assert_int_equal(lstat(tmp, &sb), -1);
	assert_int_equal(lstat(path, &sb), -1);
	logged(cap, log, sizeof(log));
	assert_int_equal(count(log, "alerts: cannot write"), 2);

	/* the cause is gone: the next save writes the state in memory */
	assert_int_equal(alerts_save(a), 0);
	alerts_stats(a, &st);
	assert_string_equal(st.save_error, "");
	assert_int_equal(st.failing_since, 0);
	assert_int_equal(lstat(tmp, &sb), -1);
	logged(cap, log, sizeof(log));
	assert_int_equal(count(log, "alerts.json saved again"), 1);
	log_set_stream(NULL);
	log_init(false, LOG_LVL_WARN);
	fclose(cap);
	alerts_free(a);
	catalog_free(cat);
	a = alerts_new(path);
	cat = catalog_new();
	h = catalog_host(cat, "h1", NULL, NULL);
	feed(a, cat, h, 20, 1700000300);
	assert_int_equal(cat_field_state(&h->services[0], 0), FS_WARNING);
	alerts_free(a);
	catalog_free(cat);
	unlink(path);
	rmdir(dir);
}

static void
test_host_down_and_stale_fields(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "h1", NULL, NULL);
	struct alerts *a = alerts_new(NULL);
	struct alerts_defaults ad = {0, 60};
	struct seen seen = {0};
	time_t ts = 1700000000;

	(void)state;
	alerts_set_defaults(a, &ad);
	alerts_add_output(a, record, &seen);
	alerts_host_result(a, h, false, "connect refused", ts);
	assert_int_equal(seen.n, 1);
	assert_true(seen.host_down[0]);
	assert_int_equal(seen.state[0], FS_CRITICAL);
	alerts_host_result(a, h, false, "connect refused", ts + 60);
	assert_int_equal(seen.n, 1); /* still down: no new event */
	alerts_host_result(a, h, true, NULL, ts + 120);
	assert_int_equal(seen.n, 2);
	assert_false(seen.host_down[1]);
	assert_int_equal(seen.state[1], FS_OK);

	/* a field judged once, then silent for two intervals */
	feed(a, cat, h, 5, ts + 120);
	assert_int_equal(seen.n, 3); /* its first state */
	alerts_tick(a, cat, ts + 120 + 60);
	assert_int_equal(seen.n, 3);
	alerts_tick(a, cat, ts + 120 + 2 * 60 + 1);
	assert_int_equal(seen.n, 4);
	assert_int_equal(seen.state[3], FS_UNKNOWN);
	assert_int_equal(cat_field_state(&h->services[0], 0), FS_UNKNOWN);
	alerts_free(a);
	catalog_free(cat);
}

/* A field judged while this collector polled its host, which a reload
 * then gave to a peer collector (shard): silent from then on, it is not
 * stale here, so no UNKNOWN is sent for the peer's host. */
static void
test_peer_host_never_stale(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "h1", NULL, NULL);
	struct alerts *a = alerts_new(NULL);
	struct alerts_defaults ad = {0, 60};
	struct seen seen = {0};
	time_t ts = 1700000000;

	(void)state;
	alerts_set_defaults(a, &ad);
	alerts_add_output(a, record, &seen);
	feed(a, cat, h, 5, ts);
	assert_int_equal(seen.n, 1);
	h->peer = true;
	alerts_tick(a, cat, ts + 10 * 60);
	alerts_tick(a, cat, ts + 20 * 60);
	assert_int_equal(seen.n, 1);
	h->peer = false; /* polled here again: staleness counts */
	alerts_tick(a, cat, ts + 30 * 60);
	assert_int_equal(seen.n, 2);
	assert_int_equal(seen.state[1], FS_UNKNOWN);
	alerts_free(a);
	catalog_free(cat);
}

/*
 * The catalog's state file and the engine's are saved apart (a kill -9
 * can fall between): after a restart the engine's hard state is what the
 * restored catalog shows, and a field the engine kept nothing for keeps
 * the catalog's saved verdict.
 */
static void
test_restored_catalog_agrees(void **state)
{
	char dir[] = "/tmp/drover-alerts-XXXXXX", path[64], err[256];
	struct catalog *cat, *back;
	struct cat_host *h;
	struct cat_service *cs;
	struct alerts *a;
	struct cat_problem *p;
	struct field *f;
	struct batch b = {0};
	time_t ts = 1700000000;
	char *text;
	size_t len, n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/alerts.json", dir);
	cat = catalog_new();
	h = catalog_host(cat, "h1", NULL, NULL);
	a = alerts_new(path);
	feed(a, cat, h, 5, ts);
	/* the catalog's file is written while df.root is still OK ... */
	text = catalog_dump(cat, ts, &len);
	/* ... the engine's after it turned WARNING */
	feed(a, cat, h, 20, ts + 300);
	assert_int_equal(alerts_save(a), 0);
	alerts_free(a);
	catalog_free(cat);

	back = catalog_new();
	assert_int_equal(
	    catalog_load(back, text, len, NULL, err, sizeof(err)), 0);
	free(text);
	/* a restored field the engine never judged keeps its verdict */
	h = catalog_find(back, "h1");
	f = service_field(batch_service(&b, "other", true), "x", true);
	f->has_value = true;
	catalog_update(back, h, ts, &b);
	batch_cleanup(&b);
	cs = (struct cat_service *)cat_host_service(h, "other");
	cs->restored = true;
	cat_field_set_alert(cs, 0, FS_UNKNOWN);

	cs = (struct cat_service *)cat_host_service(h, "df");
	assert_int_equal(cat_field_state(cs, 0), FS_OK);
	a = alerts_new(path);
	alerts_restore_verdicts(a, back);
	assert_int_equal(cat_field_state(cs, 0), FS_WARNING);
	assert_int_equal(
	    cat_field_state(cat_host_service(h, "other"), 0), FS_UNKNOWN);
	p = catalog_problems(back, &n);
	assert_int_equal(n, 2);
	assert_int_equal(p[0].st, FS_WARNING);
	assert_string_equal(p[0].f->name, "root");
	free(p);
	alerts_free(a);
	catalog_free(back);
	unlink(path);
	rmdir(dir);
}

/* What the staleness tests see: events by kind, and the last field's. */
struct tally {
	unsigned initial, unknown, other;
	char last[128]; /* host/service/field of the last UNKNOWN ("": none
			   since it was cleared) */
	bool ordered;	/* every UNKNOWN came after the one before it in
			   host, service, field order */
};

static void
tally_event(void *arg, const struct alert_event *ev)
{
	struct tally *t = arg;
	char key[128];

	if (ev->initial) {
		t->initial++;
		return;
	}
	if (ev->state != FS_UNKNOWN || ev->field == NULL) {
		t->other++;
		return;
	}
	snprintf(
	    key, sizeof(key), "%s/%s/%s", ev->host, ev->service, ev->field);
	if (t->last[0] != '\0' && strcmp(key, t->last) <= 0)
		t->ordered = false;
	snprintf(t->last, sizeof(t->last), "%s", key);
	t->unknown++;
}

/* One poll of host h: services s00..s(ns-1), fields f00..f(nf-1), each
 * with a warning range and the value 5 (OK). */
static void
poll_host(struct alerts *a, struct catalog *cat, struct cat_host *h,
    unsigned ns, unsigned nf, time_t ts)
{
	struct batch b = {0};
	struct service *s;
	struct field *f;
	char name[16];
	unsigned i, j;

	for (i = 0; i < ns; i++) {
		snprintf(name, sizeof(name), "s%02u", i);
		s = batch_service(&b, name, true);
		s->has_config = true;
		for (j = 0; j < nf; j++) {
			snprintf(name, sizeof(name), "f%02u", j);
			f = service_field(s, name, true);
			attrs_set(&f->attrs, "warning", "10");
			f->has_value = true;
			f->value = 5;
		}
	}
	catalog_update(cat, h, ts, &b);
	alerts_ingest(a, h, NULL, &b, ts);
	batch_cleanup(&b);
}

static uint64_t
visits(const struct alerts *a)
{
	struct alerts_stats st;

	alerts_stats(a, &st);
	return st.stale_visits;
}

/*
 * 50,000 fields (1,000 hosts x 5 services x 10 fields, interval 60 s, so
 * stale after 120 s): the table grows to hold them all (the second poll
 * finds every one: no new initial state), and a tick looks only at the
 * fields that are due: none while all report, then exactly the 100
 * fields of the two hosts that went silent, as UNKNOWN events in the
 * catalog's order, whatever second each became due in.
 */
static void
test_staleness_visits_only_what_is_due(void **state)
{
	struct catalog *cat = catalog_new();
	struct alerts *a = alerts_new(NULL);
	struct alerts_defaults ad = {0, 60};
	struct alerts_stats st;
	struct tally t = {.ordered = true};
	char name[16];
	time_t ts = 1700000000;
	unsigned i;
	uint64_t v;

	(void)state;
	alerts_set_defaults(a, &ad);
	alerts_add_output(a, tally_event, &t);
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "h%04u", i);
		poll_host(
		    a, cat, catalog_host(cat, name, NULL, NULL), 5, 10, ts);
	}
	alerts_stats(a, &st);
	assert_int_equal(st.entries, 50000);
	assert_int_equal(t.initial, 50000);
	alerts_tick(a, cat, ts + 10); /* the first tick: nothing due */
	assert_int_equal(visits(a), 0);
	/* every host but h0700 polls again at +60, h0300 a second later */
	for (i = 0; i < 1000; i++)
		if (i != 700)
			poll_host(a, cat, catalog_at(cat, i), 5, 10,
			    ts + 60 + (i == 300));
	assert_int_equal(t.initial, 50000);
	assert_int_equal(t.other, 0);
	for (i = 1; i <= 11; i++) /* 10 s ticks up to +110 */
		alerts_tick(a, cat, ts + 10 * i);
	assert_int_equal(visits(a), 0);
	/* h0700 (last sample at +0) is due at +120 */
	alerts_tick(a, cat, ts + 120);
	assert_int_equal(visits(a), 50);
	assert_int_equal(t.unknown, 50);
	assert_string_equal(t.last, "h0700/s04/f09");
	assert_int_equal(
	    cat_field_state(&catalog_at(cat, 700)->services[2], 3), FS_UNKNOWN);
	assert_int_equal(
	    cat_field_state(&catalog_at(cat, 699)->services[2], 3), FS_OK);
	/* all but h0300 poll at +120; h0300 (at +61) and h0500 (at +60,
	 * silent from now) are both due at the tick at +190 */
	for (i = 0; i < 1000; i++)
		if (i != 300 && i != 500)
			poll_host(a, cat, catalog_at(cat, i), 5, 10, ts + 120);
	v = visits(a);
	t.last[0] = '\0';
	alerts_tick(a, cat, ts + 130);
	alerts_tick(a, cat, ts + 170);
	assert_int_equal(visits(a), v);
	alerts_tick(a, cat, ts + 190);
	assert_int_equal(visits(a), v + 100);
	assert_int_equal(t.unknown, 150);
	assert_true(t.ordered); /* h0300's fields before h0500's */
	assert_string_equal(t.last, "h0500/s04/f09");
	/* the 998 hosts that polled at +120 (h0700's sample re-armed its
	 * fields); UNKNOWN ones are not looked at again */
	alerts_tick(a, cat, ts + 500);
	assert_int_equal(visits(a), v + 100 + 49900);
	assert_int_equal(t.unknown, 150 + 49900);
	alerts_tick(a, cat, ts + 510);
	assert_int_equal(visits(a), v + 100 + 49900);
	alerts_free(a);
	catalog_free(cat);
}

/*
 * The wheel's edges: a due time past one turn of the wheel (interval
 * 3000 s: stale after 6000, the wheel has 4096 one-second slots), a tick
 * after a pause longer than a turn, a sample older than the last tick (a
 * clock set back), and a field the catalog dropped, judged again when it
 * is back.
 */
static void
test_staleness_wheel_edges(void **state)
{
	struct catalog *cat = catalog_new();
	struct alerts *a = alerts_new(NULL);
	struct alerts_defaults ad = {0, 3000};
	struct tally t = {.ordered = true};
	struct cat_host *h = catalog_host(cat, "h1", NULL, NULL);
	const char *keep[] = {"h2"};
	time_t ts = 1700000000;

	(void)state;
	alerts_set_defaults(a, &ad);
	alerts_add_output(a, tally_event, &t);
	poll_host(a, cat, h, 1, 1, ts);
	alerts_tick(a, cat, ts);
	alerts_tick(a, cat, ts + 4096); /* its slot, a turn early */
	assert_int_equal(t.unknown, 0);
	alerts_tick(a, cat, ts + 5999);
	assert_int_equal(t.unknown, 0);
	alerts_tick(a, cat, ts + 6000);
	assert_int_equal(t.unknown, 1);

	/* a pause of more than a turn: the next tick looks at all */
	poll_host(a, cat, h, 1, 1, ts + 7000);
	alerts_tick(a, cat, ts + 30000);
	assert_int_equal(t.unknown, 2);

	/* the clock set back: a sample from before the last tick */
	poll_host(a, cat, h, 1, 1, ts + 20000);
	alerts_tick(a, cat, ts + 25999);
	assert_int_equal(t.unknown, 2);
	alerts_tick(a, cat, ts + 26000);
	assert_int_equal(t.unknown, 3);

	/* h1 leaves the catalog (a reload) while due, then comes back
	 * with its field: judged at the first tick after */
	poll_host(a, cat, h, 1, 1, ts + 30000);
	catalog_retain(cat, keep, 1);
	alerts_tick(a, cat, ts + 36000);
	alerts_tick(a, cat, ts + 36010);
	assert_int_equal(t.unknown, 3);
	h = catalog_host(cat, "h1", NULL, NULL);
	{
		struct batch b = {0};
		struct service *s = batch_service(&b, "s00", true);

		s->has_config = true;
		attrs_set(
		    &service_field(s, "f00", true)->attrs, "warning", "10");
		catalog_update(cat, h, ts + 36015, &b); /* config, no value */
		batch_cleanup(&b);
	}
	alerts_tick(a, cat, ts + 36020);
	assert_int_equal(t.unknown, 4);
	assert_int_equal(cat_field_state(&h->services[0], 0), FS_UNKNOWN);
	alerts_free(a);
	catalog_free(cat);
}

/*
 * A state file as the engine before the timer wheel wrote it loads the
 * same (its keys are split into host, service and field once): the
 * restored field is not announced again, turns stale stale_after
 * seconds after the start when no sample comes, and a save writes the
 * same keys and members back.
 */
static void
test_state_file_of_before_loads(void **state)
{
	char dir[] = "/tmp/drover-alerts-XXXXXX", path[64];
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "h1", NULL, NULL);
	struct tally t = {.ordered = true};
	struct batch b = {0};
	struct service *s;
	struct alerts *a;
	json_t *root, *v;
	FILE *fp;
	time_t now = time(NULL);

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/alerts.json", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("{\"version\":1,\"fields\":{\"h1/df/root\":{\"hard\":\"WARNING\","
	      "\"since\":1700000300,\"last\":1700000300,\"unknowns\":0,"
	      "\"stale_after\":120},\"h1\":{\"hard\":\"OK\",\"since\":"
	      "1700000000,\"last\":1700000000,\"unknowns\":0,\"stale_after\":"
	      "0},\"h1/df/inodes/x\":{\"hard\":\"OK\",\"since\":1,\"last\":1,"
	      "\"unknowns\":2,\"stale_after\":60}}}",
	    fp);
	assert_int_equal(fclose(fp), 0);
	a = alerts_new(path);
	alerts_add_output(a, tally_event, &t);
	s = batch_service(&b, "df", true);
	s->has_config = true;
	attrs_set(&service_field(s, "root", true)->attrs, "warning", "10");
	catalog_update(cat, h, now, &b); /* the field, no value */
	batch_cleanup(&b);
	h->services[0].restored = true; /* as the catalog's file gives it */
	alerts_restore_verdicts(a, cat);
	assert_int_equal(cat_field_state(&h->services[0], 0), FS_WARNING);
	alerts_tick(a, cat, now + 119);
	assert_int_equal(t.unknown, 0);
	alerts_tick(a, cat, now + 120);
	assert_int_equal(t.unknown, 1);
	assert_string_equal(t.last, "h1/df/root");
	assert_int_equal(t.other + t.initial, 0);
	assert_int_equal(alerts_save(a), 0);
	root = json_load_file(path, 0, NULL);
	assert_non_null(root);
	assert_int_equal(
	    json_integer_value(json_object_get(root, "version")), 1);
	assert_int_equal(json_object_size(json_object_get(root, "fields")), 3);
	v = json_object_get(json_object_get(root, "fields"), "h1/df/root");
	assert_string_equal(
	    json_string_value(json_object_get(v, "hard")), "UNKNOWN");
	assert_int_equal(
	    json_integer_value(json_object_get(v, "stale_after")), 120);
	assert_int_equal(json_object_size(v), 5);
	v = json_object_get(json_object_get(root, "fields"), "h1/df/inodes/x");
	assert_int_equal(json_integer_value(json_object_get(v, "unknowns")), 2);
	v = json_object_get(json_object_get(root, "fields"), "h1");
	assert_string_equal(
	    json_string_value(json_object_get(v, "hard")), "OK");
	json_decref(root);
	alerts_free(a);
	catalog_free(cat);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builtin_defaults),
	    cmocka_unit_test(test_graph_period_expanded),
	    cmocka_unit_test(test_global_applies_to_ipmi_volts),
	    cmocka_unit_test(test_field_plugin_host_win_over_global),
	    cmocka_unit_test(test_state_survives_restart),
	    cmocka_unit_test(test_failed_save_is_logged_once_and_retried),
	    cmocka_unit_test(test_host_down_and_stale_fields),
	    cmocka_unit_test(test_peer_host_never_stale),
	    cmocka_unit_test(test_restored_catalog_agrees),
	    cmocka_unit_test(test_staleness_visits_only_what_is_due),
	    cmocka_unit_test(test_staleness_wheel_edges),
	    cmocka_unit_test(test_state_file_of_before_loads),
	};

	log_init(false, LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
