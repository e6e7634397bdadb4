/*
 * Tests for forecast (collector/forecast.c) with the catalog and the
 * alert engine behind it, as ingest runs them: which services are banks,
 * the cut-off level's precedence, the fields and attributes added, a
 * charging bank that stays OK (no UNKNOWN from its U values), a drain
 * that warns then turns critical before the voltage does, and no
 * flapping while the forecast hovers at the warning limit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <cmocka.h>

#include "alerts/alerts.h"
#include "collector/forecast.h"

#define T0 1700000000

static const struct forecast_settings defaults = {
    FORECAST_WINDOW, FORECAST_WARNING, FORECAST_CRITICAL, false, 0};

/* A batch with bank NAME: voltage v (critical crit, NULL: none). */
static void
bank_batch(struct batch *b, const char *name, const char *category,
    const char *field, double v, const char *crit)
{
	struct service *s;
	struct field *f;

	memset(b, 0, sizeof(*b));
	s = batch_service(b, name, true);
	assert_non_null(s);
	s->has_config = true;
	attrs_set(&s->graph, "graph_title", "bank");
	if (category != NULL)
		attrs_set(&s->graph, "graph_category", category);
	f = service_field(s, field, true);
	attrs_set(&f->attrs, "label", field);
	if (crit != NULL)
		attrs_set(&f->attrs, "critical", crit);
	f->has_value = true;
	f->value = v;
}

static const struct field *
get(struct batch *b, const char *svc, const char *field)
{
	struct service *s = batch_service(b, svc, false);

	return s != NULL ? service_field(s, field, false) : NULL;
}

static void
test_which_services(void **state)
{
	struct forecast *fc = forecast_new();
	struct batch b;

	(void)state;
	bank_batch(&b, "bank_BAT0", "power", "voltage", 12, "11.5:");
	assert_int_equal(forecast_batch(fc, "h", &defaults, T0, &b), 1);
	assert_non_null(get(&b, "bank_BAT0", "cutoff_minutes"));
	assert_non_null(get(&b, "bank_BAT0", "trend"));
	/* graphed in a child of its own, without thresholds */
	assert_non_null(get(&b, "bank_BAT0.forecast", "minutes"));
	assert_null(attrs_get(
	    &get(&b, "bank_BAT0.forecast", "minutes")->attrs, "warning"));
	batch_cleanup(&b);
	/* not power, not bank_, a multigraph child, no cut-off level */
	bank_batch(&b, "bank_BAT0", "sensors", "voltage", 12, "11.5:");
	assert_int_equal(forecast_batch(fc, "h", &defaults, T0, &b), 0);
	batch_cleanup(&b);
	bank_batch(&b, "battery", "power", "voltage", 12, "11.5:");
	assert_int_equal(forecast_batch(fc, "h", &defaults, T0, &b), 0);
	batch_cleanup(&b);
	bank_batch(&b, "bank_a.b", "power", "voltage", 12, "11.5:");
	assert_int_equal(forecast_batch(fc, "h", &defaults, T0, &b), 0);
	batch_cleanup(&b);
	bank_batch(&b, "bank_x", "power", "voltage", 12, ":13");
	assert_int_equal(forecast_batch(fc, "h", &defaults, T0, &b), 0);
	batch_cleanup(&b);
	/* a batch without config: the category is unknown */
	bank_batch(&b, "bank_BAT0", "power", "voltage", 12, "11.5:");
	b.services[0].has_config = false;
	assert_int_equal(forecast_batch(fc, "h", &defaults, T0, &b), 0);
	batch_cleanup(&b);
	forecast_free(fc);
}

static void
test_cutoff_level(void **state)
{
	struct forecast *fc = forecast_new();
	struct forecast_settings set = defaults;
	struct batch b;
	struct field *f;

	(void)state;
	/* the critical range's lower bound */
	bank_batch(&b, "bank_1", "power", "voltage", 12, "11.5:14.8");
	forecast_batch(fc, "h", &set, T0, &b);
	assert_string_equal(
	    attrs_get(&get(&b, "bank_1", "cutoff_minutes")->attrs, "cutoff"),
	    "11.5");
	batch_cleanup(&b);
	/* the host's bank_cutoff wins over it */
	set.has_cutoff = true;
	set.cutoff = 11.8;
	bank_batch(&b, "bank_1", "power", "voltage", 12, "11.5:");
	forecast_batch(fc, "h", &set, T0, &b);
	assert_string_equal(
	    attrs_get(&get(&b, "bank_1", "cutoff_minutes")->attrs, "cutoff"),
	    "11.8");
	batch_cleanup(&b);
	/* the field's own cutoff (an override) wins over both */
	bank_batch(&b, "bank_1", "power", "voltage", 12, "11.5:");
	f = service_field(&b.services[0], "voltage", false);
	attrs_set(&f->attrs, "cutoff", "11.6");
	forecast_batch(fc, "h", &set, T0, &b);
	assert_string_equal(
	    attrs_get(&get(&b, "bank_1", "cutoff_minutes")->attrs, "cutoff"),
	    "11.6");
	batch_cleanup(&b);
	/* soc when there is no voltage; bank_cutoff is volts, not for it */
	bank_batch(&b, "bank_2", "power", "soc", 80, "15:");
	forecast_batch(fc, "h", &set, T0, &b);
	f = (struct field *)get(&b, "bank_2", "cutoff_minutes");
	assert_non_null(f);
	assert_string_equal(attrs_get(&f->attrs, "cutoff"), "15");
	assert_string_equal(attrs_get(&f->attrs, "cutoff_unit"), "%");
	batch_cleanup(&b);
	forecast_free(fc);
}

/* Every hard change of bank_t's cutoff_minutes and voltage, in order:
 * "FIELD STATE VALUE" (no value: "FIELD STATE"). */
struct seen {
	char log[64][64];
	size_t n;
};

static void
record(void *arg, const struct alert_event *ev)
{
	struct seen *s = arg;

	if (ev->initial || ev->field == NULL || s->n == 64)
		return;
	if (ev->has_value)
		snprintf(s->log[s->n++], sizeof(s->log[0]), "%s %s %.0f",
		    ev->field, field_state_str(ev->state), ev->value);
	else
		snprintf(s->log[s->n++], sizeof(s->log[0]), "%s %s", ev->field,
		    field_state_str(ev->state));
}

/* Feeds n polls a minute apart from *t of voltage v0 + dv * i through
 * forecast, catalog and engine; the last cutoff_minutes in *last. */
static void
run(struct forecast *fc, struct catalog *cat, struct alerts *a,
    struct cat_host *h, time_t *t, unsigned n, double v0, double dv,
    const struct field **last, struct batch *keep)
{
	struct batch b;
	unsigned i;

	for (i = 0; i < n; i++, *t += 60) {
		bank_batch(
		    &b, "bank_t", "power", "voltage", v0 + dv * i, "11.5:");
		attrs_set(&b.services[0].fields[0].attrs, "warning", "12:");
		assert_int_equal(forecast_batch(fc, "h", &defaults, *t, &b), 1);
		catalog_update(cat, h, *t, &b);
		alerts_ingest(a, h, NULL, &b, *t);
		if (keep != NULL && i + 1 == n) {
			*keep = b;
			*last = get(keep, "bank_t", "cutoff_minutes");
			return;
		}
		batch_cleanup(&b);
	}
}

static void
test_charging_stays_ok(void **state)
{
	struct forecast *fc = forecast_new();
	struct catalog *cat = catalog_new();
	struct alerts *a = alerts_new(NULL);
	struct cat_host *h = catalog_host(cat, "h", NULL, NULL);
	struct seen seen = {0};
	const struct field *f;
	struct batch b;
	time_t t = T0;

	(void)state;
	alerts_add_output(a, record, &seen);
	/* too few samples, then charging: U values, never UNKNOWN */
	run(fc, cat, a, h, &t, 20, 12.0, +0.01, &f, &b);
	assert_int_equal(seen.n, 0);
	assert_true(f->unknown);
	assert_string_equal(attrs_get(&f->attrs, "state"), "OK");
	assert_true(get(&b, "bank_t", "trend")->value > 0);
	batch_cleanup(&b);
	alerts_free(a);
	catalog_free(cat);
	forecast_free(fc);
}

static void
test_drain_pages_before_the_voltage(void **state)
{
	struct forecast *fc = forecast_new();
	struct catalog *cat = catalog_new();
	struct alerts *a = alerts_new(NULL);
	struct cat_host *h = catalog_host(cat, "h", NULL, NULL);
	struct seen seen = {0};
	const struct field *f;
	struct batch b;
	time_t t = T0;

	(void)state;
	alerts_add_output(a, record, &seen);
	/* 12.7 V draining 0.005 V a minute: 240 min to 11.5 V at first */
	run(fc, cat, a, h, &t, 10, 12.7, -0.005, &f, &b);
	assert_false(f->unknown);
	assert_null(attrs_get(&f->attrs, "state"));
	batch_cleanup(&b);
	assert_int_equal(seen.n, 0);
	run(fc, cat, a, h, &t, 240, 12.65, -0.005, &f, &b);
	batch_cleanup(&b);
	/* the forecast warns first and is critical before the voltage */
	assert_int_equal(seen.n, 4);
	assert_string_equal(seen.log[0], "cutoff_minutes WARNING 178");
	assert_string_equal(seen.log[1], "voltage WARNING 12");
	assert_string_equal(seen.log[2], "cutoff_minutes CRITICAL 58");
	assert_string_equal(seen.log[3], "voltage CRITICAL 11");
	/* the charger: a step up, rising; the forecast recovers once four
	 * samples follow the step */
	run(fc, cat, a, h, &t, 4, 13.0, +0.01, &f, &b);
	assert_true(f->unknown);
	assert_int_equal(seen.n, 6);
	assert_string_equal(seen.log[4], "voltage OK 13");
	assert_string_equal(seen.log[5], "cutoff_minutes OK 300");
	batch_cleanup(&b);
	alerts_free(a);
	catalog_free(cat);
	forecast_free(fc);
}

static void
test_no_flapping_at_the_limit(void **state)
{
	static const double hover[] = {
	    175, 170, 185, 190, 178, 200, 205, 181, 209, 211, 212};
	struct forecast *fc = forecast_new();
	struct catalog *cat = catalog_new();
	struct alerts *a = alerts_new(NULL);
	struct cat_host *h = catalog_host(cat, "h", NULL, NULL);
	struct seen seen = {0};
	struct batch b;
	struct field *f;
	size_t i;
	time_t t = T0;

	(void)state;
	alerts_add_output(a, record, &seen);
	/* the forecast's own attributes (a fit after four samples), its
	 * values hovering at 180 */
	for (i = 0; i < 4 + sizeof(hover) / sizeof(hover[0]); i++, t += 60) {
		bank_batch(&b, "bank_t", "power", "voltage",
		    12.6 - 0.001 * (double)i, "11.5:");
		forecast_batch(fc, "h", &defaults, t, &b);
		f = service_field(&b.services[0], "cutoff_minutes", false);
		if (i >= 4) {
			assert_false(f->unknown);
			f->value = hover[i - 4];
		}
		catalog_update(cat, h, t, &b);
		alerts_ingest(a, h, NULL, &b, t);
		batch_cleanup(&b);
	}
	/* one WARNING (two samples under 180 in a row) and one recovery,
	 * at 210 and above (hysteresis 30 minutes), not at 185 */
	assert_int_equal(seen.n, 2);
	assert_string_equal(seen.log[0], "cutoff_minutes WARNING 170");
	assert_string_equal(seen.log[1], "cutoff_minutes OK 211");
	alerts_free(a);
	catalog_free(cat);
	forecast_free(fc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_which_services),
	    cmocka_unit_test(test_cutoff_level),
	    cmocka_unit_test(test_charging_stays_ok),
	    cmocka_unit_test(test_drain_pages_before_the_voltage),
	    cmocka_unit_test(test_no_flapping_at_the_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
