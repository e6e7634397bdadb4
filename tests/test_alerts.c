/*
 * Tests for the alert engine (alerts.c): which alert_attempts a field gets
 * (precedence: the field's, the plugin's, the host's, the operator's
 * global key, then the built-in default: 1 for ipmi_volts, 2 for the
 * rest); state kept across a restart without announcing it again; a
 * failed save of the state (logged once, no .tmp left, retried); a host
 * that is down; a field that stops reporting; ${graph_period} in what a
 * page says (unit, label, text).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
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
	    cmocka_unit_test(test_restored_catalog_agrees),
	};

	log_init(false, LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
