/* Tests for range: Munin's and Nagios's semantics, table-driven, every
 * case of both, so the two are never confused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "lib/range.h"

/* munin-limits 2.0.73 get_limits() and its comparisons */
static void
test_munin_ranges(void **state)
{
	static const struct {
		const char *range;
		double v;
		bool alerts;
	} cases[] = {
	    {"10", 9.9, false},
	    {"10", 10, false},
	    {"10", 10.1, true},
	    {"10", -1000, false}, /* a bare number is a max only */
	    {":10", 11, true},
	    {":10", -5, false},
	    {"5:", 4.9, true},
	    {"5:", 1e9, false},
	    {"11.5:12.6", 11.4, true},
	    {"11.5:12.6", 12.0, false},
	    {"11.5:12.6", 12.7, true},
	    {"-1:1", -1.5, true},
	    {"0:0", 0, false},
	    {" 3:4 ", 3.5, false},
	    {"+2", 3, true},
	    {":", -1e9, false},
	    {":", 1e9, false}, /* no bounds */
	    /* not [-+0-9.]: Munin falls back to 0:0 */
	    {"1e3", 999, true},
	    {"1e3", 0, false},
	    {"abc", 0.1, true},
	    {"~:10", 5, true},
	    {"@10:20", 15, true},
	    {"", 1, true},
	    /* Perl numbers: "1.2.3" reads 1.2, "-" reads 0 */
	    {"1.2.3", 1.25, true},
	    {"-:", -0.5, true},
	};
	struct range r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		range_parse_munin(cases[i].range, &r);
		if (range_alerts(&r, cases[i].v) != cases[i].alerts)
			fail_msg(
			    "munin \"%s\" with %g", cases[i].range, cases[i].v);
	}
}

/* The Nagios plugin guidelines' table */
static void
test_nagios_ranges(void **state)
{
	static const struct {
		const char *range;
		double v;
		int alerts; /* 1 alerts, 0 fine, -1 rejected */
	} cases[] = {
	    {"10", -0.1, 1},
	    {"10", 0, 0},
	    {"10", 10, 0},
	    {"10", 10.1, 1},
	    {"10:", 9.9, 1},
	    {"10:", 10, 0},
	    {"10:", 1e12, 0},
	    {"~:10", -1e12, 0},
	    {"~:10", 10, 0},
	    {"~:10", 10.5, 1},
	    {"10:20", 9, 1},
	    {"10:20", 10, 0},
	    {"10:20", 20, 0},
	    {"10:20", 21, 1},
	    {"@10:20", 10, 1},
	    {"@10:20", 15, 1},
	    {"@10:20", 20, 1},
	    {"@10:20", 9.9, 0},
	    {"@10:20", 20.1, 0},
	    {"@~:5", 4, 1},
	    {"@5", 3, 1},
	    {"@5", 6, 0},
	    {"1e1", 11, 1},
	    {"-5:-1", -3, 0},
	    {"-5:-1", 0, 1},
	    {"", 0, -1},
	    {"abc", 0, -1},
	    {"20:10", 0, -1},
	    {":", 0, -1},
	    {"~", 0, -1},
	    {"1:x", 0, -1},
	    {"@", 0, -1},
	    {"nan", 0, -1},
	};
	struct range r;
	size_t i;
	bool ok;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ok = range_parse_nagios(cases[i].range, &r);
		if (cases[i].alerts == -1) {
			if (ok)
				fail_msg("nagios \"%s\" should be rejected",
				    cases[i].range);
			continue;
		}
		if (!ok)
			fail_msg("nagios \"%s\" should parse", cases[i].range);
		if (range_alerts(&r, cases[i].v) != (cases[i].alerts == 1))
			fail_msg("nagios \"%s\" with %g", cases[i].range,
			    cases[i].v);
	}
}

/* The same text means different things to the two */
static void
test_never_confused(void **state)
{
	struct range m, n;

	(void)state;
	range_parse_munin("10", &m);
	assert_true(range_parse_nagios("10", &n));
	assert_false(range_alerts(&m, -5)); /* Munin: max only */
	assert_true(range_alerts(&n, -5));  /* Nagios: 0..10 */
	range_parse_munin("10:", &m);
	assert_true(range_parse_nagios("10:", &n));
	assert_true(range_alerts(&m, 5) && range_alerts(&n, 5));
}

static void
test_margin(void **state)
{
	struct range r;

	(void)state;
	range_parse_munin("11.5:", &r);
	assert_true(
	    range_margin(&r, 11.7) > 0.19 && range_margin(&r, 11.7) < 0.21);
	assert_true(range_margin(&r, 11.0) < 0);
}

static void
test_state(void **state)
{
	(void)state;
	assert_int_equal(range_state(true, 11.3, "11.5:", "11:"), FS_WARNING);
	assert_int_equal(range_state(true, 10.9, "11.5:", "11:"), FS_CRITICAL);
	assert_int_equal(range_state(true, 12, "11.5:", "11:"), FS_OK);
	assert_int_equal(range_state(false, 12, "11.5:", "11:"), FS_UNKNOWN);
	assert_int_equal(range_state(true, 12, NULL, NULL), FS_OK);
	assert_string_equal(field_state_str(FS_CRITICAL), "CRITICAL");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_munin_ranges),
	    cmocka_unit_test(test_nagios_ranges),
	    cmocka_unit_test(test_never_confused),
	    cmocka_unit_test(test_margin),
	    cmocka_unit_test(test_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
