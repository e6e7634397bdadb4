/* Tests for time_arg: every form of start=/end=, and what is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "web/time_arg.h"

#define NOW ((time_t)1764680400) /* 2025-12-02 13:00 UTC */

static time_t
parse_ok(const char *s, bool want_rel)
{
	time_t t = 0;
	bool rel = !want_rel;

	assert_int_equal(time_arg_parse(s, NOW, &t, &rel), 0);
	assert_true(rel == want_rel);
	return t;
}

static void
test_values(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1733140800", false), 1733140800);
	assert_int_equal(parse_ok("0", false), 0);
	assert_int_equal(parse_ok("now", true), NOW);
	assert_int_equal(parse_ok("-3600", true), NOW - 3600);
	assert_int_equal(parse_ok("-45s", true), NOW - 45);
	assert_int_equal(parse_ok("-90m", true), NOW - 5400);
	assert_int_equal(parse_ok("-90min", true), NOW - 5400);
	assert_int_equal(parse_ok("-6h", true), NOW - 21600);
	assert_int_equal(parse_ok("-1d", true), NOW - 86400);
	assert_int_equal(parse_ok("-2w", true), NOW - 2 * 604800);
	assert_int_equal(parse_ok("-1mon", true), NOW - 30 * 86400);
	assert_int_equal(parse_ok("-1y", true), NOW - 365 * 86400);
	assert_int_equal(parse_ok("now-6h", true), NOW - 21600);
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {"", "-", "abc", "1e9", " 1", "1 ",
	    "+5", "-5x", "-h", "-1hh", "-1H", "--1h", "now-", "now+1h", "-1.5h",
	    "4102444801", "99999999999999999999", "-999999999y", "-100y",
	    "0x10", "now6h", "-6 h"};
	time_t t;
	bool rel;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (time_arg_parse(bad[i], NOW, &t, &rel) != -1)
			fail_msg("\"%s\" was accepted", bad[i]);
	}
}

static void
test_ranges(void **state)
{
	struct time_range r;
	char err[200];

	(void)state;
	assert_int_equal(
	    time_range_parse(NULL, NULL, NOW, &r, err, sizeof(err)), 0);
	/* start alone: end is now, both follow now */
	assert_int_equal(
	    time_range_parse("-21600", NULL, NOW, &r, err, sizeof(err)), 1);
	assert_int_equal(r.start, NOW - 21600);
	assert_int_equal(r.end, NOW);
	assert_true(r.relative);
	assert_string_equal(r.query, "start=-6h");
	assert_int_equal(
	    time_range_parse("-1d", "-1h", NOW, &r, err, sizeof(err)), 1);
	assert_int_equal(r.end, NOW - 3600);
	assert_string_equal(r.query, "start=-1d&end=-1h");
	assert_int_equal(
	    time_range_parse("-90m", "now", NOW, &r, err, sizeof(err)), 1);
	assert_string_equal(r.query, "start=-90m");
	assert_int_equal(
	    time_range_parse("1000", "2000", NOW, &r, err, sizeof(err)), 1);
	assert_false(r.relative);
	assert_string_equal(r.query, "start=1000&end=2000");
	/* absolute start, end now: not relative (the start stays put) */
	assert_int_equal(
	    time_range_parse("1000", NULL, NOW, &r, err, sizeof(err)), 1);
	assert_false(r.relative);
	assert_int_equal(r.end, NOW);
	/* refused, each with its reason */
	assert_int_equal(
	    time_range_parse(NULL, "-1h", NOW, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "start"));
	assert_int_equal(
	    time_range_parse("-1h", "-2h", NOW, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "start must be before end");
	assert_int_equal(
	    time_range_parse("2000", "1000", NOW, &r, err, sizeof(err)), -1);
	assert_int_equal(
	    time_range_parse("-6q", NULL, NOW, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "-6h"));
	assert_int_equal(
	    time_range_parse("-6h", "soon", NOW, &r, err, sizeof(err)), -1);
}

static void
test_relative_form(void **state)
{
	char s[24];

	(void)state;
	time_arg_relative(s, sizeof(s), 3600);
	assert_string_equal(s, "-1h");
	time_arg_relative(s, sizeof(s), 5400);
	assert_string_equal(s, "-90m");
	time_arg_relative(s, sizeof(s), 3601);
	assert_string_equal(s, "-3601");
	time_arg_relative(s, sizeof(s), 14 * 86400);
	assert_string_equal(s, "-2w");
	time_arg_relative(s, sizeof(s), 31536000);
	assert_string_equal(s, "-1y");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_values),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_ranges),
	    cmocka_unit_test(test_relative_form),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
