/* Tests for buf: growth, take, and the fixed buffer's cut, which
 * `drover check` relies on to keep Nagios's output line bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/buf.h"

static void
test_grows(void **state)
{
	struct buf b = {0};
	char *s;
	size_t len = 0, i;

	(void)state;
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "%03zu,", i);
	buf_putc(&b, '!');
	buf_puts(&b, "end");
	buf_putn(&b, "xyz", 2);
	assert_false(b.oom);
	s = buf_take(&b, &len);
	assert_non_null(s);
	assert_int_equal(len, 4000 + 1 + 3 + 2);
	assert_int_equal(strlen(s), len);
	assert_memory_equal(s, "000,001,", 8);
	assert_string_equal(s + 3996, "999,!endxy");
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	free(s);
}

static void
test_take_empty(void **state)
{
	struct buf b = {0};
	char *s;
	size_t len = 99;

	(void)state;
	s = buf_take(&b, &len);
	assert_non_null(s);
	assert_string_equal(s, "");
	assert_int_equal(len, 0);
	free(s);
	buf_free(&b); /* an empty buffer frees nothing */
}

static void
test_oom_take_is_null(void **state)
{
	struct buf b = {0};

	(void)state;
	buf_puts(&b, "partial");
	b.oom = true; /* as after a failed realloc */
	buf_puts(&b, " more");
	assert_string_equal(b.p, "partial");
	assert_null(buf_take(&b, NULL));
	assert_null(b.p);
}

static void
test_fixed_cuts(void **state)
{
	char out[8];
	struct buf b;

	(void)state;
	memset(out, 'x', sizeof(out));
	buf_init_fixed(&b, out, sizeof(out));
	assert_string_equal(out, "");
	buf_puts(&b, "abc");
	buf_printf(&b, "%d", 12345); /* cut to what is left: "1234" */
	assert_string_equal(out, "abc1234");
	assert_int_equal(b.len, 7);
	buf_putc(&b, 'z'); /* full: ignored */
	assert_string_equal(out, "abc1234");
	assert_false(b.oom);
	b.p[--b.len] = '\0'; /* callers shorten in place */
	buf_printf(&b, "%s", "QR");
	assert_string_equal(out, "abc123Q");
	buf_free(&b); /* the storage is the caller's */
	assert_string_equal(out, "abc123Q");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grows),
	    cmocka_unit_test(test_take_empty),
	    cmocka_unit_test(test_oom_take_is_null),
	    cmocka_unit_test(test_fixed_cuts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
