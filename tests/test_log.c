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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ratelimit_first_then_interval),
	    cmocka_unit_test(test_ratelimit_time_zero),
	    cmocka_unit_test(test_log_warn_appends_strerror),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
