/* Tests for check: Munin -> Nagios range text, units, the plugin line and
 * its exit code for every state, staleness and bad answers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "alerts/check.h"
#include "lib/range.h"

static void
test_range_nagios(void **state)
{
	static const struct {
		const char *munin, *nagios;
	} cases[] = {
	    {"11.5:", "11.5:"}, /* alert below 11.5 */
	    {"5", "~:5"},	/* a bare Munin number is a max only */
	    {":5", "~:5"},
	    {"1:2", "1:2"},
	    {"-10:-2.5", "-10:-2.5"},
	    {" 11:12.6 ", "11:12.6"},
	    {":", ""},	     /* no bounds */
	    {"junk", "0:0"}, /* munin-limits reads junk as 0:0 */
	    {"5:1", "@~:"},  /* min > max: Munin alerts always */
	    {"0:0.0001", "0:0.0001"},
	    {"+3", "~:3"},
	};
	struct range m, n;
	char out[64];
	double probes[] = {-20, -3, 0, 0.00005, 1, 1.5, 2, 3, 4.9, 5, 5.1, 11,
	    11.4, 11.5, 12, 12.7, 100};
	size_t i, k;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(
		    check_range_nagios(cases[i].munin, out, sizeof(out)), 0);
		assert_string_equal(out, cases[i].nagios);
		/* and the two agree on every probe value */
		range_parse_munin(cases[i].munin, &m);
		if (out[0] == '\0')
			continue;
		assert_true(range_parse_nagios(out, &n));
		for (k = 0; k < sizeof(probes) / sizeof(probes[0]); k++)
			assert_int_equal(range_alerts(&m, probes[k]),
			    range_alerts(&n, probes[k]));
	}
	assert_int_equal(check_range_nagios("1:2", out, 3), -1);
}

static void
test_uom(void **state)
{
	(void)state;
	assert_string_equal(check_uom("%"), "%");
	assert_string_equal(check_uom("percent"), "%");
	assert_string_equal(check_uom("seconds"), "s");
	assert_string_equal(check_uom("Bytes"), "B");
	assert_string_equal(check_uom("Volts"), "");
	assert_string_equal(check_uom("bytes per ${graph_period}"), "");
	assert_string_equal(check_uom(NULL), "");
}

#define NOW 1700000000

static const struct check_opts opts = {
    "http://x", "kvm1", "ipmi_volts", NULL, 600, 5};

static const char volts[] =
    "{\"host\":\"kvm1\",\"name\":\"ipmi_volts\","
    "\"config\":{\"graph_title\":\"Voltages\",\"graph_vlabel\":\"V\"},"
    "\"fields\":["
    "{\"name\":\"v12\",\"config\":{\"label\":\"12V rail\","
    "\"warning\":\"11.5:\",\"critical\":\"11:\",\"min\":\"0\","
    "\"max\":\"U\"},\"state\":\"%s\",\"value\":%s,\"when\":1},"
    "{\"name\":\"v5\",\"config\":{\"label\":\"5V rail\","
    "\"warning\":\"4.75:5.25\"},\"state\":\"OK\",\"value\":5.01,"
    "\"when\":1}],"
    "\"state\":\"%s\",\"last_update\":%lld}";

static int
run(const struct check_opts *o, const char *st, const char *v, long long last,
    char *out, size_t len)
{
	char body[2048];

	snprintf(body, sizeof(body), volts, st, v, st, last);
	return check_format(body, strlen(body), o, NOW, out, len);
}

static void
test_states(void **state)
{
	char out[1024];

	(void)state;
	assert_int_equal(
	    run(&opts, "CRITICAL", "10.9", NOW - 10, out, sizeof(out)),
	    CHECK_CRITICAL);
	assert_string_equal(out,
	    "DROVER CRITICAL - kvm1 ipmi_volts: 12V rail 10.90 V (critical "
	    "below 11.00) |'v12'=10.9;11.5:;11:;0 'v5'=5.01;4.75:5.25\n");
	assert_int_equal(
	    run(&opts, "WARNING", "11.3", NOW - 10, out, sizeof(out)),
	    CHECK_WARNING);
	assert_string_equal(out,
	    "DROVER WARNING - kvm1 ipmi_volts: 12V rail 11.30 V (warning "
	    "below 11.50) |'v12'=11.3;11.5:;11:;0 'v5'=5.01;4.75:5.25\n");
	assert_int_equal(
	    run(&opts, "OK", "12", NOW - 10, out, sizeof(out)), CHECK_OK);
	assert_string_equal(out,
	    "DROVER OK - kvm1 ipmi_volts: 12V rail 12.00 V, 5V rail 5.01 V "
	    "|'v12'=12;11.5:;11:;0 'v5'=5.01;4.75:5.25\n");
	assert_int_equal(
	    run(&opts, "UNKNOWN", "null", NOW - 10, out, sizeof(out)),
	    CHECK_UNKNOWN);
	assert_string_equal(out, "DROVER UNKNOWN - kvm1 ipmi_volts: 12V rail "
				 "unknown |'v12'=U;11.5:;11:;0 "
				 "'v5'=5.01;4.75:5.25\n");
}

static void
test_field_option(void **state)
{
	struct check_opts o = opts;
	char out[1024];

	(void)state;
	o.field = "v5";
	/* the service is CRITICAL, the chosen field is not */
	assert_int_equal(
	    run(&o, "CRITICAL", "10.9", NOW, out, sizeof(out)), CHECK_OK);
	assert_string_equal(out, "DROVER OK - kvm1 ipmi_volts: 5V rail 5.01 V "
				 "|'v5'=5.01;4.75:5.25\n");
	o.field = "v3";
	assert_int_equal(
	    run(&o, "OK", "12", NOW, out, sizeof(out)), CHECK_UNKNOWN);
	assert_string_equal(
	    out, "DROVER UNKNOWN - kvm1 ipmi_volts: no field \"v3\"\n");
}

static void
test_stale_and_bad(void **state)
{
	struct check_opts o = opts;
	char out[1024];

	(void)state;
	assert_int_equal(
	    run(&opts, "OK", "12", NOW - 601, out, sizeof(out)), CHECK_UNKNOWN);
	assert_string_equal(out, "DROVER UNKNOWN - kvm1 ipmi_volts: data is "
				 "601 s old (more than 600 s)\n");
	assert_int_equal(
	    run(&opts, "OK", "12", NOW - 600, out, sizeof(out)), CHECK_OK);
	o.max_age = 0; /* 0: no age limit */
	assert_int_equal(
	    run(&o, "OK", "12", NOW - 99999, out, sizeof(out)), CHECK_OK);
	assert_int_equal(
	    run(&opts, "OK", "12", 0, out, sizeof(out)), CHECK_UNKNOWN);
	assert_string_equal(
	    out, "DROVER UNKNOWN - kvm1 ipmi_volts: no data yet\n");
	assert_int_equal(
	    check_format("<html>", 6, &opts, NOW, out, sizeof(out)),
	    CHECK_UNKNOWN);
	assert_non_null(strstr(out, "DROVER UNKNOWN - kvm1 ipmi_volts: bad "
				    "answer from drover: "));
	assert_int_equal(out[strlen(out) - 1], '\n');
	/* a short buffer still ends in one newline */
	assert_int_equal(
	    run(&opts, "CRITICAL", "10.9", NOW, out, 40), CHECK_CRITICAL);
	assert_int_equal(strlen(out), 39);
	assert_int_equal(out[38], '\n');
}

static void
test_text_sanitised(void **state)
{
	static const char body[] =
	    "{\"fields\":[{\"name\":\"a\",\"config\":{\"label\":\"x|y\\nz\"},"
	    "\"state\":\"OK\",\"value\":1}],\"state\":\"OK\","
	    "\"last_update\":1700000000}";
	char out[256];

	(void)state;
	assert_int_equal(
	    check_format(body, strlen(body), &opts, NOW, out, sizeof(out)),
	    CHECK_OK);
	assert_string_equal(
	    out, "DROVER OK - kvm1 ipmi_volts: x/y z 1.00 |'a'=1\n");
}

/* Values restored from the daemon's state file and not polled since: the
 * line says so with their age; older than --max-age they are stale like
 * any other, never fresh. */
static void
test_restored(void **state)
{
	static const char body[] =
	    "{\"fields\":[{\"name\":\"a\",\"config\":{\"label\":\"a\","
	    "\"critical\":\"1\"},\"state\":\"CRITICAL\",\"value\":1.5}],"
	    "\"state\":\"CRITICAL\",\"restored\":true,"
	    "\"last_update\":1700000000}";
	char out[256];

	(void)state;
	assert_int_equal(check_format(body, strlen(body), &opts,
			     1700000000 + 42, out, sizeof(out)),
	    CHECK_CRITICAL);
	assert_string_equal(out,
	    "DROVER CRITICAL - kvm1 ipmi_volts: a 1.50 (critical above 1.00) "
	    "(saved before a drover restart, 42 s old) |'a'=1.5;;~:1\n");
	assert_int_equal(check_format(body, strlen(body), &opts,
			     1700000000 + 601, out, sizeof(out)),
	    CHECK_UNKNOWN);
	assert_string_equal(out, "DROVER UNKNOWN - kvm1 ipmi_volts: data is "
				 "601 s old (more than 600 s)\n");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_range_nagios),
	    cmocka_unit_test(test_uom),
	    cmocka_unit_test(test_states),
	    cmocka_unit_test(test_field_option),
	    cmocka_unit_test(test_stale_and_bad),
	    cmocka_unit_test(test_text_sanitised),
	    cmocka_unit_test(test_restored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
