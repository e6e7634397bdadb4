/* Tests for ipmi's pure half: bitmask -> state, sensor -> field mapping,
 * stable field names, threshold ranges, option parsing, SEL counting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plugins/ipmi.h"

/* A threshold sensor like ipmi_sim's 12 V rail (SDR: LNC 11.5, LC 11.0,
 * UNC 12.5, UC 13.0). */
static struct ipmi_sensor
rail(double v, unsigned bitmask)
{
	struct ipmi_sensor s = {0};

	s.record_id = 2;
	s.name = "12V";
	s.units = IPMI_UNITS_VOLTS;
	s.threshold = true;
	s.has_value = true;
	s.value = v;
	s.bitmask = bitmask;
	s.th[TH_LNC] = 11.5;
	s.th[TH_LC] = 11.0;
	s.th[TH_UNC] = 12.5;
	s.th[TH_UC] = 13.0;
	s.has_th[TH_LNC] = s.has_th[TH_LC] = true;
	s.has_th[TH_UNC] = s.has_th[TH_UC] = true;
	return s;
}

static const struct field *
only_field(const struct batch *b, const char *service)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		if (strcmp(b->services[i].name, service) == 0) {
			assert_int_equal(b->services[i].nfields, 1);
			return &b->services[i].fields[0];
		}
	fail_msg("no service %s", service);
	return NULL;
}

static void
test_bitmask_to_state(void **state)
{
	(void)state;
	assert_int_equal(ipmi_threshold_state(0), IPMI_STATE_OK);
	/* below lower non-critical: FreeIPMI says "Nominal", we warn */
	assert_int_equal(ipmi_threshold_state(IPMI_TH_LNC), IPMI_STATE_WARNING);
	assert_int_equal(ipmi_threshold_state(IPMI_TH_UNC), IPMI_STATE_WARNING);
	/* what the library reports at 10.9 V: LNC|LC = 0x0003 */
	assert_int_equal(ipmi_threshold_state(0x0003), IPMI_STATE_CRITICAL);
	assert_int_equal(ipmi_threshold_state(IPMI_TH_LC), IPMI_STATE_CRITICAL);
	assert_int_equal(ipmi_threshold_state(IPMI_TH_UC), IPMI_STATE_CRITICAL);
	assert_int_equal(
	    ipmi_threshold_state(IPMI_TH_LNR), IPMI_STATE_CRITICAL);
	assert_int_equal(
	    ipmi_threshold_state(IPMI_TH_UNR), IPMI_STATE_CRITICAL);
	assert_int_equal(ipmi_threshold_state(IPMI_TH_UNC | IPMI_TH_UC),
	    IPMI_STATE_CRITICAL);
	/* bits above the six thresholds mean nothing */
	assert_int_equal(ipmi_threshold_state(0x40), IPMI_STATE_OK);
	assert_string_equal(ipmi_state_str(IPMI_STATE_WARNING), "WARNING");
	assert_string_equal(ipmi_state_str(IPMI_STATE_UNKNOWN), "UNKNOWN");
}

static void
test_rail_mapping(void **state)
{
	struct batch b = {0};
	struct ipmi_sensor s = rail(11.3, IPMI_TH_LNC);
	const struct field *f;
	const struct service *svc;

	(void)state;
	assert_int_equal(ipmi_add_sensor(&b, &s), 0);
	assert_int_equal(b.n, 1);
	svc = &b.services[0];
	assert_string_equal(svc->name, "ipmi_volts");
	assert_true(svc->has_config);
	assert_string_equal(attrs_get(&svc->graph, "graph_vlabel"), "Volts");
	assert_string_equal(
	    attrs_get(&svc->graph, "graph_category"), "sensors");
	f = only_field(&b, "ipmi_volts");
	assert_string_equal(f->name, "_12V");
	assert_string_equal(attrs_get(&f->attrs, "label"), "12V (V)");
	assert_string_equal(attrs_get(&f->attrs, "type"), "GAUGE");
	assert_string_equal(attrs_get(&f->attrs, "state"), "WARNING");
	assert_string_equal(attrs_get(&f->attrs, "warning"), "11.5:12.5");
	assert_string_equal(attrs_get(&f->attrs, "critical"), "11:13");
	assert_true(f->has_value);
	assert_false(f->unknown);
	assert_true(f->value > 11.29 && f->value < 11.31);
	batch_cleanup(&b);
}

static void
test_one_sided_thresholds(void **state)
{
	struct batch b = {0};
	struct ipmi_sensor fan = {0}, temp = {0};
	const struct field *f;

	(void)state;
	fan.record_id = 4;
	fan.name = "FAN1";
	fan.units = IPMI_UNITS_RPM;
	fan.threshold = fan.has_value = true;
	fan.value = 300;
	fan.bitmask = IPMI_TH_LC;
	fan.th[TH_LC] = 600;
	fan.has_th[TH_LC] = true;
	temp.record_id = 3;
	temp.name = "CPU Temp";
	temp.units = IPMI_UNITS_CELSIUS;
	temp.threshold = temp.has_value = true;
	temp.value = 45;
	temp.th[TH_UNC] = 80;
	temp.th[TH_UC] = 90;
	temp.has_th[TH_UNC] = temp.has_th[TH_UC] = true;
	assert_int_equal(ipmi_add_sensor(&b, &fan), 0);
	assert_int_equal(ipmi_add_sensor(&b, &temp), 0);
	f = only_field(&b, "ipmi_fans");
	assert_string_equal(f->name, "FAN1");
	assert_null(attrs_get(&f->attrs, "warning"));
	assert_string_equal(attrs_get(&f->attrs, "critical"), "600:");
	assert_string_equal(attrs_get(&f->attrs, "state"), "CRITICAL");
	f = only_field(&b, "ipmi_temp");
	assert_string_equal(f->name, "CPU_Temp");
	assert_string_equal(attrs_get(&f->attrs, "label"), "CPU Temp (C)");
	assert_string_equal(attrs_get(&f->attrs, "warning"), ":80");
	assert_string_equal(attrs_get(&f->attrs, "critical"), ":90");
	assert_string_equal(attrs_get(&f->attrs, "state"), "OK");
	batch_cleanup(&b);
}

static void
test_non_recoverable_becomes_critical_band(void **state)
{
	struct batch b = {0};
	struct ipmi_sensor s = rail(12, 0);
	const struct field *f;

	(void)state;
	s.has_th[TH_LC] = s.has_th[TH_UC] = false;
	s.th[TH_LNR] = 10.5;
	s.has_th[TH_LNR] = true;
	assert_int_equal(ipmi_add_sensor(&b, &s), 0);
	f = only_field(&b, "ipmi_volts");
	assert_string_equal(attrs_get(&f->attrs, "critical"), "10.5:");
	batch_cleanup(&b);
}

static void
test_services_by_unit(void **state)
{
	static const struct {
		int units;
		const char *service;
	} cases[] = {
	    {IPMI_UNITS_VOLTS, "ipmi_volts"},
	    {IPMI_UNITS_CELSIUS, "ipmi_temp"},
	    {IPMI_UNITS_FAHRENHEIT, "ipmi_temp"},
	    {IPMI_UNITS_RPM, "ipmi_fans"},
	    {IPMI_UNITS_WATTS, "ipmi_power"},
	    {IPMI_UNITS_AMPS, "ipmi_current"},
	    {IPMI_UNITS_PERCENT, "ipmi_percent"},
	    {IPMI_UNITS_NONE, "ipmi_other"},
	    {0xff, "ipmi_other"},
	};
	struct ipmi_sensor s = {0};
	size_t i;

	(void)state;
	s.threshold = true;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s.units = cases[i].units;
		assert_string_equal(ipmi_service_name(&s), cases[i].service);
	}
	s.threshold = false;
	s.units = IPMI_UNITS_NONE;
	assert_string_equal(ipmi_service_name(&s), "ipmi_discrete");
}

static void
test_field_names_stable_and_munin_legal(void **state)
{
	char a[64], b2[64];

	(void)state;
	assert_string_equal(ipmi_field_name("12V", a, sizeof(a)), "_12V");
	assert_string_equal(ipmi_field_name("3.3V", a, sizeof(a)), "_3_3V");
	assert_string_equal(
	    ipmi_field_name("CPU Temp", a, sizeof(a)), "CPU_Temp");
	assert_string_equal(ipmi_field_name("PS1 Input Power", a, sizeof(a)),
	    "PS1_Input_Power");
	assert_string_equal(ipmi_field_name("-5V", a, sizeof(a)), "_5V");
	/* the same name gives the same field name every time */
	ipmi_field_name("Fan 2A/B", a, sizeof(a));
	ipmi_field_name("Fan 2A/B", b2, sizeof(b2));
	assert_string_equal(a, b2);
	assert_string_equal(a, "Fan_2A_B");
}

static void
test_colliding_names_get_record_id(void **state)
{
	struct batch b = {0};
	struct ipmi_sensor s1 = rail(12, 0), s2 = rail(12.1, 0);
	const struct service *svc;

	(void)state;
	s1.name = "12V A";
	s2.name = "12V+A";
	s2.record_id = 17;
	assert_int_equal(ipmi_add_sensor(&b, &s1), 0);
	assert_int_equal(ipmi_add_sensor(&b, &s2), 0);
	svc = &b.services[0];
	assert_int_equal(svc->nfields, 2);
	assert_string_equal(svc->fields[0].name, "_12V_A");
	assert_string_equal(svc->fields[1].name, "_12V_A_17");
	assert_string_equal(
	    attrs_get(&svc->fields[1].attrs, "label"), "12V+A (V)");
	batch_cleanup(&b);
}

static void
test_no_reading_is_unknown(void **state)
{
	struct batch b = {0};
	struct ipmi_sensor s = rail(0, 0);
	const struct field *f;

	(void)state;
	s.has_value = false;
	assert_int_equal(ipmi_add_sensor(&b, &s), 0);
	f = only_field(&b, "ipmi_volts");
	assert_true(f->has_value);
	assert_true(f->unknown);
	assert_string_equal(attrs_get(&f->attrs, "state"), "UNKNOWN");
	batch_cleanup(&b);
}

static void
test_discrete_sensor(void **state)
{
	struct batch b = {0};
	struct ipmi_sensor s = {0};
	const struct field *f;

	(void)state;
	s.record_id = 9;
	s.name = "PS1 Status";
	s.has_value = true;
	s.value = 0x03;
	s.bitmask = 0x03;
	s.lib_state = 2;
	assert_int_equal(ipmi_add_sensor(&b, &s), 0);
	f = only_field(&b, "ipmi_discrete");
	assert_string_equal(f->name, "PS1_Status");
	assert_string_equal(attrs_get(&f->attrs, "label"), "PS1 Status");
	assert_string_equal(attrs_get(&f->attrs, "state"), "CRITICAL");
	assert_null(attrs_get(&f->attrs, "warning"));
	assert_int_equal((int)f->value, 3);
	batch_cleanup(&b);
}

static void
test_ranges(void **state)
{
	char r[32];

	(void)state;
	assert_false(ipmi_range(false, 0, false, 0, r, sizeof(r)));
	assert_true(ipmi_range(true, 1, true, 3.136, r, sizeof(r)));
	assert_string_equal(r, "1:3.136");
	/* SDR conversion noise does not leak into the range */
	assert_true(ipmi_range(true, 11.500000000001, false, 0, r, sizeof(r)));
	assert_string_equal(r, "11.5:");
	assert_true(ipmi_range(false, 0, true, -5, r, sizeof(r)));
	assert_string_equal(r, ":-5");
}

static void
test_options(void **state)
{
	enum ipmi_privilege p;
	unsigned flags;
	char bad[32];

	(void)state;
	assert_true(ipmi_privilege_parse("ADMIN", &p));
	assert_int_equal(p, IPMI_PRIV_ADMIN);
	assert_true(ipmi_privilege_parse("operator", &p));
	assert_int_equal(p, IPMI_PRIV_OPERATOR);
	assert_false(ipmi_privilege_parse("root", &p));
	assert_true(ipmi_workarounds_parse(
	    "opensesspriv", 20, &flags, bad, sizeof(bad)));
	assert_int_equal(flags, 0x10); /* ..._2_0_OPEN_SESSION_PRIVILEGE */
	/* a 2.0-only workaround means nothing for 1.5 */
	assert_true(ipmi_workarounds_parse(
	    "opensesspriv", 15, &flags, bad, sizeof(bad)));
	assert_int_equal(flags, 0);
	assert_true(ipmi_workarounds_parse(
	    "authcap, idzero", 15, &flags, bad, sizeof(bad)));
	assert_int_equal(flags, 0x03);
	assert_false(ipmi_workarounds_parse(
	    "opensesspriv,bogus", 20, &flags, bad, sizeof(bad)));
	assert_string_equal(bad, "bogus");
	assert_string_equal(
	    ipmi_err_str(IPMI_E_PASSWORD), "password not accepted by the BMC");
}

/* SEL counting: no baseline first, then ids above the old highest, and
 * everything present after a clear. */
static void
test_sel_count_new(void **state)
{
	struct ipmi_sel_state st = {0}, next;
	const unsigned two[] = {1, 2}, four[] = {1, 2, 3, 4};
	const unsigned wrapped[] = {3, 4, 5, 6}, cleared[] = {1};
	unsigned n = 99;

	(void)state;
	assert_false(ipmi_sel_count_new(&st, two, 2, &next, &n));
	assert_int_equal(n, 0);
	assert_true(next.valid);
	assert_int_equal(next.count, 2);
	assert_int_equal(next.max_id, 2);
	st = next;
	assert_true(ipmi_sel_count_new(&st, two, 2, &st, &n));
	assert_int_equal(n, 0); /* nothing since */
	assert_true(ipmi_sel_count_new(&st, four, 4, &st, &n));
	assert_int_equal(n, 2);
	/* the oldest deleted, two added: count same, ids above the old max */
	assert_true(ipmi_sel_count_new(&st, wrapped, 4, &st, &n));
	assert_int_equal(n, 2);
	/* cleared, one logged since: it is new */
	assert_true(ipmi_sel_count_new(&st, cleared, 1, &st, &n));
	assert_int_equal(n, 1);
	assert_int_equal(st.max_id, 1);
	/* an empty SEL after a clear */
	assert_true(ipmi_sel_count_new(&st, NULL, 0, &st, &n));
	assert_int_equal(n, 0);
	assert_int_equal(st.count, 0);
}

/* ipmi_sel: two GAUGE fields; "new" unknown without a baseline, both
 * unknown when the SEL could not be read. */
static void
test_sel_fields(void **state)
{
	struct batch b = {0};
	struct service *svc;
	struct field *e, *nw;

	(void)state;
	assert_int_equal(ipmi_add_sel(&b, true, 7, false, 0), 0);
	svc = batch_service(&b, "ipmi_sel", false);
	assert_non_null(svc);
	assert_true(svc->has_config);
	assert_string_equal(
	    attrs_get(&svc->graph, "graph_category"), "sensors");
	e = service_field(svc, "entries", false);
	nw = service_field(svc, "new", false);
	assert_non_null(e);
	assert_non_null(nw);
	assert_string_equal(attrs_get(&e->attrs, "type"), "GAUGE");
	assert_string_equal(attrs_get(&nw->attrs, "type"), "GAUGE");
	assert_string_equal(attrs_get(&nw->attrs, "min"), "0");
	assert_false(e->unknown);
	assert_true(e->value == 7);
	assert_true(nw->unknown);
	/* a second call updates the same service */
	assert_int_equal(ipmi_add_sel(&b, true, 9, true, 2), 0);
	assert_int_equal(b.n, 1);
	assert_false(nw->unknown);
	assert_true(nw->value == 2);
	assert_true(e->value == 9);
	assert_int_equal(ipmi_add_sel(&b, false, 0, false, 0), 0);
	assert_true(e->unknown);
	assert_true(nw->unknown);
	batch_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bitmask_to_state),
	    cmocka_unit_test(test_rail_mapping),
	    cmocka_unit_test(test_one_sided_thresholds),
	    cmocka_unit_test(test_non_recoverable_becomes_critical_band),
	    cmocka_unit_test(test_services_by_unit),
	    cmocka_unit_test(test_field_names_stable_and_munin_legal),
	    cmocka_unit_test(test_colliding_names_get_record_id),
	    cmocka_unit_test(test_no_reading_is_unknown),
	    cmocka_unit_test(test_discrete_sensor),
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_options),
	    cmocka_unit_test(test_sel_count_new),
	    cmocka_unit_test(test_sel_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
