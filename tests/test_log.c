/* Tests for log: rate limiting and message format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <cmocka.h>

#include "lib/log.h"

static void
test_ratelimit_first_then_interval(void **state)
{
	struct ratelimit rl = {0};
	unsigned dropped = 99;

	(void)state;
	assert_true(ratelimit_allow(&rl, 1000, 60000, &dropped));
	assert_int_equal(dropped, 0);
	assert_false(ratelimit_allow(&rl, 1001, 60000, NULL));
	assert_false(ratelimit_allow(&rl, 60999, 60000, NULL));
	assert_true(ratelimit_allow(&rl, 61000, 60000, &dropped));
	assert_int_equal(dropped, 2);
	assert_false(ratelimit_allow(&rl, 61001, 60000, NULL));
}

static void
test_ratelimit_time_zero(void **state)
{
	struct ratelimit rl = {0};

	(void)state;
	/* A first message at t=0 must pass even though last_ms is 0. */
	assert_true(ratelimit_allow(&rl, 0, 1000, NULL));
	assert_false(ratelimit_allow(&rl, 10, 1000, NULL));
}

static void
test_log_warn_appends_strerror(void **state)
{
	char buf[512] = {0};
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	(void)state;
	assert_non_null(f);
	log_set_stream(f);
	errno = ENOENT;
	log_warn("rrd: cannot open %s", "x.rrd");
	log_warnx("conf: %s:%d: bad", "f", 3);
	log_debug("not shown at the default level");
	fclose(f);
	log_set_stream(NULL);
	assert_non_null(strstr(buf, "warning: rrd: cannot open x.rrd: "
				    "No such file or directory\n"));
	assert_non_null(strstr(buf, "warning: conf: f:3: bad\n"));
	assert_null(strstr(buf, "not shown"));
}

/* A node's label cannot drive the terminal or forge a log line. */
static void
test_control_characters_escaped(void **state)
{
	char buf[512] = {0};
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	(void)state;
	assert_non_null(f);
	log_set_stream(f);
	log_warnx("alerts: %s is WARNING",
	    "a\x1b]0;owned\x07"
	    "b\r\n2024-01-01 00:00:00 warning: forged\t"
	    "\x7f\xc2\x9b"
	    "2J caf\xc3\xa9 \xc2\xa0");
	fclose(f);
	log_set_stream(NULL);
	assert_non_null(strstr(buf,
	    "warning: alerts: a\\x1b]0;owned\\x07b\\x0d\\x0a2024-01-01 "
	    "00:00:00 warning: forged\\x09\\x7f\\xc2\\x9b2J caf\xc3\xa9 "
	    "\xc2\xa0 is WARNING\n"));
	assert_null(strchr(buf, '\x1b'));
	assert_int_equal(strchr(buf, '\n') - buf, (long)strlen(buf) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ratelimit_first_then_interval),
	    cmocka_unit_test(test_ratelimit_time_zero),
	    cmocka_unit_test(test_log_warn_appends_strerror),
	    cmocka_unit_test(test_control_characters_escaped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
