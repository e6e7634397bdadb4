/* Tests for alert: soft/hard, hysteresis, flapping, unknowns, staleness. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "alerts/alert.h"

/* The 12 V rail: warning below 11.5, critical below 11.0. */
static struct alert_rule
rail(unsigned attempts)
{
	struct alert_rule r;

	alert_rule_init(&r);
	range_parse_munin("11.5:12.6", &r.warn);
	range_parse_munin("11:13", &r.crit);
	r.has_warn = r.has_crit = true;
	r.attempts = attempts;
	return r;
}

static void
test_hard_after_attempts(void **state)
{
	struct alert_rule r = rail(3);
	struct alert_state s;
	enum field_state prev;
	time_t t = 1000;

	(void)state;
	alert_state_init(&s, t);
	assert_false(alert_sample(&s, &r, true, 11.3, t += 60, NULL));
	assert_false(alert_sample(&s, &r, true, 11.3, t += 60, NULL));
	assert_int_equal(s.hard, FS_OK); /* soft WARNING, 2 of 3 */
	assert_true(alert_sample(&s, &r, true, 11.3, t += 60, &prev));
	assert_int_equal(prev, FS_OK);
	assert_int_equal(s.hard, FS_WARNING);
	assert_int_equal(s.since, t);
	/* a sample back at the hard state restarts the count */
	assert_false(alert_sample(&s, &r, true, 10.9, t += 60, NULL));
	assert_false(alert_sample(&s, &r, true, 11.3, t += 60, NULL));
	assert_false(alert_sample(&s, &r, true, 10.9, t += 60, NULL));
	assert_false(alert_sample(&s, &r, true, 10.9, t += 60, NULL));
	assert_int_equal(s.hard, FS_WARNING);
	assert_true(alert_sample(&s, &r, true, 10.9, t += 60, &prev));
	assert_int_equal(s.hard, FS_CRITICAL);
	/* recovery is immediate (recover_samples 1), like Nagios */
	assert_true(alert_sample(&s, &r, true, 12.0, t += 60, &prev));
	assert_int_equal(s.hard, FS_OK);
}

static void
test_the_2am_sequence_attempts_1(void **state)
{
	struct alert_rule r = rail(1);
	struct alert_state s;
	enum field_state prev;
	time_t t = 0;

	(void)state;
	alert_state_init(&s, t);
	assert_false(alert_sample(&s, &r, true, 12.0, t += 30, NULL));
	assert_true(alert_sample(&s, &r, true, 11.3, t += 30, &prev));
	assert_int_equal(s.hard, FS_WARNING);
	assert_true(alert_sample(&s, &r, true, 10.9, t += 30, &prev));
	assert_int_equal(prev, FS_WARNING);
	assert_int_equal(s.hard, FS_CRITICAL);
	assert_true(alert_sample(&s, &r, true, 12.0, t += 30, &prev));
	assert_int_equal(prev, FS_CRITICAL);
	assert_int_equal(s.hard, FS_OK);
}

static void
test_flapping_pages_once_with_hysteresis(void **state)
{
	struct alert_rule r = rail(1);
	struct alert_state s;
	static const double hover[] = {
	    11.49, 11.51, 11.48, 11.52, 11.47, 11.55, 11.49, 11.53};
	unsigned changes = 0, i;
	time_t t = 0;

	(void)state;
	r.hysteresis = 0.2;
	alert_state_init(&s, t);
	for (i = 0; i < sizeof(hover) / sizeof(hover[0]); i++)
		changes += alert_sample(&s, &r, true, hover[i], t += 30, NULL);
	assert_int_equal(changes, 1);
	assert_int_equal(s.hard, FS_WARNING);
	/* back inside by more than the margin: one recovery */
	assert_true(alert_sample(&s, &r, true, 11.8, t += 30, NULL));
	assert_int_equal(s.hard, FS_OK);
	/* without hysteresis the same hovering pages 8 times */
	r.hysteresis = 0;
	alert_state_init(&s, t);
	changes = 0;
	for (i = 0; i < sizeof(hover) / sizeof(hover[0]); i++)
		changes += alert_sample(&s, &r, true, hover[i], t += 30, NULL);
	assert_int_equal(changes, 8);
}

static void
test_recover_samples(void **state)
{
	struct alert_rule r = rail(1);
	struct alert_state s;
	time_t t = 0;

	(void)state;
	r.recover_samples = 3;
	alert_state_init(&s, t);
	assert_true(alert_sample(&s, &r, true, 10.0, t += 30, NULL));
	assert_false(alert_sample(&s, &r, true, 12.0, t += 30, NULL));
	assert_false(alert_sample(&s, &r, true, 12.0, t += 30, NULL));
	assert_true(alert_sample(&s, &r, true, 12.0, t += 30, NULL));
	assert_int_equal(s.hard, FS_OK);
}

static void
test_unknown_limit_and_staleness(void **state)
{
	struct alert_rule r = rail(1);
	struct alert_state s;
	enum field_state prev;
	time_t t = 0;

	(void)state;
	r.stale_after = 600;
	alert_state_init(&s, t);
	assert_false(alert_sample(&s, &r, false, 0, t += 300, NULL));
	assert_false(alert_sample(&s, &r, false, 0, t += 300, NULL));
	assert_true(alert_sample(&s, &r, false, 0, t += 300, &prev));
	assert_int_equal(s.hard, FS_UNKNOWN);
	assert_true(alert_sample(&s, &r, true, 12.0, t += 300, &prev));
	assert_int_equal(prev, FS_UNKNOWN);
	/* two U then a value: never unknown */
	assert_false(alert_sample(&s, &r, false, 0, t += 300, NULL));
	assert_false(alert_sample(&s, &r, false, 0, t += 300, NULL));
	assert_false(alert_sample(&s, &r, true, 12.0, t += 300, NULL));
	assert_int_equal(s.unknowns, 0);
	/* silence: unknown once the data is 600 s old, once */
	assert_false(alert_tick(&s, &r, t + 599, NULL));
	assert_true(alert_tick(&s, &r, t + 600, &prev));
	assert_int_equal(prev, FS_OK);
	assert_false(alert_tick(&s, &r, t + 1200, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hard_after_attempts),
	    cmocka_unit_test(test_the_2am_sequence_attempts_1),
	    cmocka_unit_test(test_flapping_pages_once_with_hysteresis),
	    cmocka_unit_test(test_recover_samples),
	    cmocka_unit_test(test_unknown_limit_and_staleness),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
