/*
 * Tests for the alert engine (alerts.c): which alert_attempts a field gets.
 * Precedence: the field's, the plugin's, the host's, the operator's global
 * key, then the built-in default (1 for ipmi_volts, 2 for the rest).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "alerts/alerts.h"
#include "collector/conf.h"
#include "lib/log.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_builtin_defaults),
	    cmocka_unit_test(test_global_applies_to_ipmi_volts),
	    cmocka_unit_test(test_field_plugin_host_win_over_global),
	};

	log_init(false, LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
