/* Tests for range: Munin's warning/critical semantics, table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "collector/range.h"

static void
test_munin_ranges(void **state)
{
	static const struct {
		const char *range;
		double v;
		int alerts; /* 1 alerts, 0 fine, -1 unparsable */
	} cases[] = {
		{"10", 9.9, 0}, {"10", 10, 0}, {"10", 10.1, 1},
		{"10", -1000, 0}, /* a bare number is a max only */
		{":10", 11, 1}, {":10", -5, 0},
		{"5:", 4.9, 1}, {"5:", 1e9, 0},
		{"11.5:12.6", 11.4, 1}, {"11.5:12.6", 12.0, 0},
		{"11.5:12.6", 12.7, 1}, {"-1:1", -1.5, 1}, {"0:0", 0, 0},
		{"1e3", 999, 0}, {"1e3", 1001, 1},
		{"", 0, -1}, {":", 0, -1}, {"abc", 0, -1}, {"1:x", 0, -1},
		{"~:10", 0, -1}, {"@10:20", 0, -1}, {"nan", 0, -1},
	};
	struct range r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool ok = range_parse_munin(cases[i].range, &r);

		if (cases[i].alerts == -1) {
			if (ok)
				fail_msg("\"%s\" should not parse", cases[i].range);
			continue;
		}
		if (!ok)
			fail_msg("\"%s\" should parse", cases[i].range);
		if (range_alerts(&r, cases[i].v) != (cases[i].alerts == 1))
			fail_msg("\"%s\" with %g", cases[i].range, cases[i].v);
	}
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
		cmocka_unit_test(test_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
