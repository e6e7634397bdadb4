/* Tests for the power view (web/power): banks of the bank schema with and
 * without a forecast, charging, the trend from two polls, 12 V rails in
 * each state, and the overview and /api/v1/power built from it, hostile
 * names escaped; a catalog without power shows no section at all. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>

#include "catalog/catalog.h"
#include "lib/log.h"
#include "web/api.h"
#include "web/pages.h"
#include "web/power.h"

/* One field of service svc in b: value v (NAN: "U"), attributes as
 * "key", "value" pairs ending in NULL. */
static void
put(struct batch *b, const char *svc, const char *category, const char *title,
    const char *field, double v, ...)
{
	struct service *s = batch_service(b, svc, true);
	struct field *f = service_field(s, field, true);
	const char *k, *val;
	va_list ap;

	s->has_config = true;
	if (category != NULL)
		attrs_set(&s->graph, "graph_category", category);
	if (title != NULL)
		attrs_set(&s->graph, "graph_title", title);
	va_start(ap, v);
	while ((k = va_arg(ap, const char *)) != NULL) {
		val = va_arg(ap, const char *);
		attrs_set(&f->attrs, k, val);
	}
	va_end(ap);
	f->has_value = true;
	f->unknown = isnan(v);
	f->value = isnan(v) ? 0 : v;
}

/* A bank of the schema with voltage v, soc, current i (NAN: no such
 * field) and the forecast's fields (NAN: absent; INFINITY: "U"). */
static void
bank(struct batch *b, const char *svc, const char *title, double v, double soc,
    double i, double cutoff, double trend)
{
	put(b, svc, "power", title, "voltage", v, "label", "voltage", "warning",
	    "12.0:", "critical", "11.5:", NULL);
	if (!isnan(soc))
		put(b, svc, NULL, NULL, "soc", soc, "warning",
		    "30:", "critical", "15:", NULL);
	if (!isnan(i))
		put(b, svc, NULL, NULL, "current", i, NULL);
	if (!isnan(cutoff))
		put(b, svc, NULL, NULL, "cutoff_minutes",
		    isinf(cutoff) ? NAN : cutoff, "warning", "180:", "critical",
		    "60:", NULL);
	if (!isnan(trend))
		put(b, svc, NULL, NULL, "trend", isinf(trend) ? NAN : trend,
		    NULL);
}

/* The forecast's level on bank svc's cutoff_minutes field. */
static void
cutoff_level(
    struct batch *b, const char *svc, const char *level, const char *unit)
{
	struct field *f = service_field(
	    batch_service(b, svc, false), "cutoff_minutes", false);

	attrs_set(&f->attrs, "cutoff", level);
	attrs_set(&f->attrs, "cutoff_unit", unit);
}

/* The catalog every test reads: two polls of host "solar" and one of a
 * BMC host "kvm1" and of host "web1" (no power at all). */
static struct catalog *
filled(void)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "solar", "site", NULL);
	struct batch b = {0};
	int poll;

	for (poll = 0; poll < 2; poll++) {
		/* draining, with a forecast: 2 h 10 min to 11.5 V */
		bank(&b, "bank_house", "House bank", 12.4, 55, -3.2, 130, -0.6);
		/* charging: the forecast has no cut-off ("U"); its trend
		 * is not known yet, so the arrow comes from the voltages */
		bank(&b, "bank_ups1", "UPS", poll ? 13.1 : 13.0, 90, 5.0,
		    INFINITY, INFINITY);
		/* no forecast, no current, steady voltage: a dash */
		bank(&b, "bank_BAT0", NULL, 12.6, NAN, NAN, NAN, NAN);
		/* below its warning threshold, cut-off near; the forecast
		 * aims at a level of its own, and its trend is flat */
		bank(&b, "bank_low", "Low bank", 11.8, 20, -8, 45, -0.005);
		cutoff_level(&b, "bank_low", "11.6", "V");
		/* not banks: another category, and no "bank_" prefix */
		put(&b, "bank_notes", "other", NULL, "voltage", 12, NULL);
		put(&b, "banking", "power", NULL, "voltage", 12, NULL);
		catalog_update(cat, h, 1000 + 300 * poll, &b);
		batch_cleanup(&b);
	}
	h = catalog_host(cat, "kvm1", "site", NULL);
	put(&b, "ipmi_volts", "sensors", "IPMI voltages", "_12V", 12.0, "label",
	    "12V (V)", "state", "OK", "warning", "11.5:12.5", "critical",
	    "11:13", NULL);
	put(&b, "ipmi_volts", NULL, NULL, "P12V_AUX", 11.3, "label",
	    "P12V_AUX (V)", "state", "WARNING", NULL);
	/* no 12 in its name: its thresholds centre on 12 V */
	put(&b, "ipmi_volts", NULL, NULL, "Vin", 10.7, "label", "Vin (V)",
	    "state", "CRITICAL", "warning", "11.4:12.6", "critical", "11:13",
	    NULL);
	put(&b, "ipmi_volts", NULL, NULL, "VCC_3_3V", 3.3, "label",
	    "VCC 3.3V (V)", "state", "OK", "warning", "3.1:3.5", NULL);
	put(&b, "ipmi_volts", NULL, NULL, "_12V_NEG", -12, "label", "-12V (V)",
	    "state", "OK", "warning", "-12.6:-11.4", NULL);
	put(&b, "ipmi_volts", NULL, NULL, "_5V", 5, "label", "5V (V)", "state",
	    "OK", NULL);
	put(&b, "ipmi_temp", "sensors", NULL, "_12V_Temp", 40, "label",
	    "12V Temp (C)", NULL);
	catalog_update(cat, h, 1300, &b);
	batch_cleanup(&b);
	h = catalog_host(cat, "web1", "site", NULL);
	put(&b, "load", "system", "Load", "load", 0.5, NULL);
	catalog_update(cat, h, 1300, &b);
	batch_cleanup(&b);
	return cat;
}

static const struct power_bank *
find_bank(const struct power_view *v, const char *svc)
{
	size_t i;

	for (i = 0; i < v->nbanks; i++)
		if (strcmp(v->banks[i].cs->svc.name, svc) == 0)
			return &v->banks[i];
	fail_msg("no bank %s", svc);
	return NULL;
}

static void
test_banks(void **state)
{
	struct catalog *cat = filled();
	struct power_view v;
	const struct power_bank *k;
	char text[128];

	(void)state;
	assert_int_equal(power_view_init(&v, cat), 0);
	assert_false(power_view_empty(&v));
	assert_int_equal(v.nbanks, 4);
	/* sorted by host, then service */
	assert_string_equal(v.banks[0].cs->svc.name, "bank_BAT0");
	assert_string_equal(v.banks[3].cs->svc.name, "bank_ups1");

	k = find_bank(&v, "bank_house");
	assert_string_equal(k->title, "House bank");
	assert_string_equal(k->h->name, "solar");
	assert_true(k->voltage.known && k->voltage.value == 12.4);
	assert_int_equal(k->voltage.st, FS_OK);
	assert_true(k->soc.known && k->soc.value == 55);
	assert_true(k->current.value == -3.2);
	assert_false(k->charging);
	assert_int_equal(k->trend, POWER_TREND_DOWN);
	assert_true(k->trend_forecast);
	assert_true(k->has_level && k->level == 11.5);
	assert_string_equal(k->level_unit, "V");
	power_cutoff_text(k, text, sizeof(text));
	assert_string_equal(text, "reaches 11.5 V in about 2 h 10 min");

	k = find_bank(&v, "bank_ups1");
	assert_true(k->charging);
	assert_true(k->cutoff.present);
	assert_false(k->cutoff.known);
	assert_int_equal(k->trend, POWER_TREND_UP);
	assert_false(k->trend_forecast);
	power_cutoff_text(k, text, sizeof(text));
	assert_string_equal(text, "charging");

	k = find_bank(&v, "bank_BAT0");
	assert_string_equal(k->title, "bank_BAT0");
	assert_false(k->soc.present);
	assert_false(k->current.present);
	assert_false(k->cutoff.present);
	assert_false(k->charging);
	assert_int_equal(k->trend, POWER_TREND_FLAT);
	power_cutoff_text(k, text, sizeof(text));
	assert_string_equal(text, "\xe2\x80\x94");

	k = find_bank(&v, "bank_low");
	assert_int_equal(k->voltage.st, FS_WARNING);
	assert_int_equal(k->soc.st, FS_WARNING);
	assert_int_equal(k->cutoff.st, FS_CRITICAL);
	assert_int_equal(k->st, FS_CRITICAL);
	assert_int_equal(k->trend, POWER_TREND_FLAT);
	assert_true(k->has_level && k->level == 11.6);
	power_cutoff_text(k, text, sizeof(text));
	assert_string_equal(text, "reaches 11.6 V in about 45 min");
	power_view_cleanup(&v);
	catalog_free(cat);
}

/* The wording of the cut-off time, on a bank made here. */
static void
test_cutoff_text(void **state)
{
	struct power_bank k;
	char text[128];

	(void)state;
	memset(&k, 0, sizeof(k));
	k.cutoff.present = k.cutoff.known = true;
	k.cutoff.value = 120;
	power_cutoff_text(&k, text, sizeof(text));
	assert_string_equal(text, "reaches cut-off in about 2 h");
	k.has_level = true;
	k.level = 15;
	k.level_unit = "%";
	k.cutoff.value = 0.2;
	power_cutoff_text(&k, text, sizeof(text));
	assert_string_equal(text, "reaches 15 % now");
	k.cutoff.value = 3 * 1440 + 125;
	power_cutoff_text(&k, text, sizeof(text));
	assert_string_equal(text, "reaches 15 % in about 3 days 2 h");
	k.cutoff.value = -5; /* not a time */
	k.charging = true;
	power_cutoff_text(&k, text, sizeof(text));
	assert_string_equal(text, "charging");
}

static void
test_rails(void **state)
{
	struct catalog *cat = filled();
	struct power_view v;

	(void)state;
	assert_true(power_is_12v("_12V", NULL, NULL, NULL));
	assert_false(power_is_12v("_12V", "-12V", NULL, NULL));
	assert_true(power_is_12v("x", "12 V rail", NULL, NULL));
	assert_true(power_is_12v("P12V_AUX", NULL, NULL, NULL));
	assert_true(power_is_12v("vin", "Vin", NULL, "10.8:13.2"));
	assert_false(power_is_12v("_112V", "112V", NULL, NULL));
	assert_false(power_is_12v("x", "1.12V", NULL, NULL));
	assert_false(power_is_12v("x", "-12V", "-12.6:-11.4", NULL));
	assert_false(power_is_12v("_5V", "5V", "4.75:5.25", NULL));
	assert_false(power_is_12v("x", "x", "11.5:", NULL));

	assert_int_equal(power_view_init(&v, cat), 0);
	assert_int_equal(v.nrails, 3);
	assert_string_equal(v.rails[0].f->name, "P12V_AUX");
	assert_int_equal(v.rails[0].v.st, FS_WARNING);
	assert_null(v.rails[0].warning);
	assert_string_equal(v.rails[1].f->name, "Vin");
	assert_int_equal(v.rails[1].v.st, FS_CRITICAL);
	assert_string_equal(v.rails[2].f->name, "_12V");
	assert_string_equal(v.rails[2].label, "12V (V)");
	assert_int_equal(v.rails[2].v.st, FS_OK);
	assert_true(v.rails[2].v.value == 12.0);
	assert_string_equal(v.rails[2].warning, "11.5:12.5");
	assert_string_equal(v.rails[2].critical, "11:13");
	assert_string_equal(v.rails[2].h->name, "kvm1");
	power_view_cleanup(&v);
	catalog_free(cat);
}

static void
test_overview_html(void **state)
{
	struct catalog *cat = filled();
	size_t len;
	char *html = page_overview(cat, NULL, 1400, &len);
	char *sec;
	const char *hosts;

	(void)state;
	assert_non_null(html);
	sec = strstr(html, "<section class=power><h2>Power</h2>");
	hosts = strstr(html, "hosts</p>");
	assert_non_null(sec);
	assert_non_null(hosts);
	assert_true(sec < hosts); /* the overview starts with power */
	assert_non_null(strstr(html, "<a href=\"/solar/bank_house/\">House "
				     "bank</a> <span class=state>WARNING"));
	assert_non_null(strstr(html, "<td class=\"num fs-OK\" title=\"OK\">"
				     "12.40 V</td>"));
	assert_non_null(strstr(html, "<td class=\"num fs-OK\" title=\"OK\">"
				     "-3.2 A</td>"));
	assert_non_null(strstr(html, "title=\"down (forecast)\">&darr;"));
	assert_non_null(strstr(html, "title=\"up (last two polls)\">&uarr;"));
	assert_non_null(
	    strstr(html, "reaches 11.5 V in about 2 h 10 min</td>"));
	assert_non_null(strstr(html, "<td class=\"cutoff fs-CRITICAL\">"
				     "reaches 11.6 V in about 45 min</td>"));
	assert_non_null(strstr(html, ">charging</td>"));
	assert_non_null(strstr(html, "<td class=\"num fs-WARNING\" "
				     "title=\"WARNING\">11.80 V</td>"));
	assert_non_null(strstr(html, "<a href=\"/kvm1/ipmi_volts/\">12V "
				     "(V)</a> <span class=state>OK</span>"));
	assert_non_null(strstr(html, "<td class=\"st st-CRITICAL\"><a "
				     "href=\"/kvm1/ipmi_volts/\">Vin (V)"));
	/* not in the power view (the search and problems name them) */
	*strstr(sec, "</section>") = '\0';
	assert_null(strstr(sec, "VCC 3.3V"));
	assert_null(strstr(sec, "bank_notes/\">"));
	free(html);
	catalog_free(cat);
}

/* Names and labels come from nodes: all of them reach the page escaped,
 * the link percent-encoded. */
static void
test_hostile_names(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "<b>h'\"&", "g", NULL);
	struct batch b = {0};
	size_t len;
	char *html, *js;
	json_t *j;

	(void)state;
	put(&b, "bank_x", "power", "<script>alert(1)</script>", "voltage", 12,
	    "critical", "<img src=x onerror=alert(2)>", NULL);
	put(&b, "ipmi_volts", "sensors", NULL, "P12V", 12, "label",
	    "<i onmouseover=alert(3)>12V", "warning", "\"><svg onload=x>",
	    NULL);
	catalog_update(cat, h, 1000, &b);
	batch_cleanup(&b);
	html = page_overview(cat, NULL, 1000, &len);
	assert_non_null(html);
	assert_null(strstr(html, "<script>alert"));
	assert_null(strstr(html, "<b>h"));
	assert_null(strstr(html, "<img"));
	assert_null(strstr(html, "<i "));
	assert_null(strstr(html, "<svg"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(html, "&lt;i onmouseover=alert(3)&gt;12V"));
	assert_non_null(strstr(html, "&quot;&gt;&lt;svg onload=x&gt;"));
	assert_non_null(strstr(html, "<td>&lt;b&gt;h&#39;&quot;&amp;</td>"));
	assert_non_null(strstr(html, "href=\"/%3Cb%3Eh%27%22%26/bank_x/\""));
	free(html);
	js = api_power(cat, &len);
	j = json_loads(js, 0, NULL);
	assert_non_null(j);
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(j, "banks"), 0), "title")),
	    "<script>alert(1)</script>");
	assert_string_equal(
	    json_string_value(json_object_get(
		json_array_get(json_object_get(j, "rails"), 0), "url")),
	    "/%3Cb%3Eh%27%22%26/ipmi_volts/");
	json_decref(j);
	free(js);
	catalog_free(cat);
}

static void
test_api_power(void **state)
{
	struct catalog *cat = filled();
	size_t len, i;
	char *js = api_power(cat, &len);
	json_t *j, *banks, *rails, *k, *house = NULL, *bat0 = NULL;

	(void)state;
	assert_non_null(js);
	assert_int_equal(strlen(js), len);
	j = json_loads(js, 0, NULL);
	assert_non_null(j);
	banks = json_object_get(j, "banks");
	rails = json_object_get(j, "rails");
	assert_int_equal(json_array_size(banks), 4);
	assert_int_equal(json_array_size(rails), 3);
	for (i = 0; i < json_array_size(banks); i++) {
		k = json_array_get(banks, i);
		if (strcmp(json_string_value(json_object_get(k, "service")),
			"bank_house") == 0)
			house = k;
		if (strcmp(json_string_value(json_object_get(k, "service")),
			"bank_BAT0") == 0)
			bat0 = k;
	}
	assert_non_null(house);
	assert_string_equal(
	    json_string_value(json_object_get(house, "host")), "solar");
	assert_string_equal(json_string_value(json_object_get(house, "url")),
	    "/solar/bank_house/");
	assert_true(json_real_value(json_object_get(house, "voltage")) == 12.4);
	assert_string_equal(
	    json_string_value(json_object_get(house, "voltage_state")), "OK");
	assert_true(json_real_value(json_object_get(house, "soc")) == 55);
	assert_true(json_real_value(json_object_get(house, "current")) == -3.2);
	assert_true(
	    json_real_value(json_object_get(house, "cutoff_minutes")) == 130);
	assert_string_equal(
	    json_string_value(json_object_get(house, "cutoff_minutes_state")),
	    "WARNING");
	assert_string_equal(
	    json_string_value(json_object_get(house, "trend")), "down");
	assert_string_equal(
	    json_string_value(json_object_get(house, "trend_source")),
	    "forecast");
	assert_true(json_is_false(json_object_get(house, "charging")));
	assert_true(
	    json_real_value(json_object_get(house, "cutoff_level")) == 11.5);
	assert_string_equal(
	    json_string_value(json_object_get(house, "cutoff_unit")), "V");
	assert_string_equal(
	    json_string_value(json_object_get(house, "cutoff_text")),
	    "reaches 11.5 V in about 2 h 10 min");
	assert_non_null(bat0);
	assert_true(json_is_null(json_object_get(bat0, "soc")));
	assert_true(json_is_null(json_object_get(bat0, "soc_state")));
	assert_true(json_is_null(json_object_get(bat0, "cutoff_minutes")));
	assert_string_equal(
	    json_string_value(json_object_get(bat0, "trend")), "flat");
	assert_string_equal(
	    json_string_value(json_object_get(bat0, "trend_source")),
	    "last two polls");
	k = json_array_get(rails, 2);
	assert_string_equal(
	    json_string_value(json_object_get(k, "field")), "_12V");
	assert_string_equal(
	    json_string_value(json_object_get(k, "state")), "OK");
	assert_true(json_real_value(json_object_get(k, "value")) == 12.0);
	assert_string_equal(
	    json_string_value(json_object_get(k, "warning")), "11.5:12.5");
	k = json_array_get(rails, 0);
	assert_true(json_is_null(json_object_get(k, "warning")));
	assert_string_equal(
	    json_string_value(json_object_get(k, "state")), "WARNING");
	json_decref(j);
	free(js);
	catalog_free(cat);
}

/* Without banks and rails the overview is what it always was. */
static void
test_no_power_no_section(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "web1", "site", NULL);
	struct batch b = {0};
	size_t len;
	char *html, *js;

	(void)state;
	put(&b, "load", "system", "Load", "load", 0.5, NULL);
	put(&b, "ipmi_volts", "sensors", NULL, "_5V", 5, "label", "5V (V)",
	    NULL);
	catalog_update(cat, h, 1000, &b);
	batch_cleanup(&b);
	html = page_overview(cat, NULL, 1000, &len);
	assert_null(strstr(html, "Power"));
	assert_null(strstr(html, "power"));
	assert_non_null(strstr(html, "<h1>Overview</h1>"));
	assert_non_null(strstr(html, "<p>1 hosts</p>"));
	free(html);
	js = api_power(cat, &len);
	assert_string_equal(js, "{\"banks\":[],\"rails\":[]}");
	free(js);
	catalog_free(cat);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_banks),
	    cmocka_unit_test(test_cutoff_text),
	    cmocka_unit_test(test_rails),
	    cmocka_unit_test(test_overview_html),
	    cmocka_unit_test(test_hostile_names),
	    cmocka_unit_test(test_api_power),
	    cmocka_unit_test(test_no_power_no_section),
	};

	log_init(false, LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
