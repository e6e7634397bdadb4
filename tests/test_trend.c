/*
 * Tests for trend (lib/trend.c): the window's bounds and the segmented
 * Theil–Sen fit on a linear drain, a step from a load switching on and
 * off, noise, charging, a flat series, too few samples, a series already
 * below its cut-off, and inputs that would overflow a naive formula.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <math.h>
#include <cmocka.h>

#include "lib/trend.h"

#define T0 1700000000
#define EPS 1e-9

static void
near(double got, double want, double tol)
{
	if (fabs(got - want) > tol)
		fail_msg("got %.9g, want %.9g (+-%g)", got, want, tol);
}

/* n samples every dt s from v0, changing by dv per sample. */
static void
feed_line(struct trend_window *w, size_t n, time_t dt, double v0, double dv)
{
	size_t i;

	for (i = 0; i < n; i++)
		trend_add(w, T0 + (time_t)i * dt, v0 + dv * (double)i, 1800);
}

static void
test_linear_drain(void **state)
{
	struct trend_window w;
	struct trend_fit f;
	double min;

	(void)state;
	trend_window_init(&w);
	feed_line(&w, 10, 60, 12.6, -0.05); /* 0.05 V a minute */
	assert_true(trend_fit(&w, &f));
	near(f.slope * 3600, -3.0, EPS);
	near(f.level, 12.15, EPS);
	assert_int_equal(f.steps, 0);
	assert_int_equal(trend_cutoff(&f, 11.5, f.t, &min), TREND_REACHES);
	near(min, 13.0, 1e-6); /* 0.65 V at 0.05 V a minute */
	/* counted from now: two minutes later, two minutes less */
	assert_int_equal(
	    trend_cutoff(&f, 11.5, f.t + 120, &min), TREND_REACHES);
	near(min, 11.0, 1e-6);
}

static void
test_step_from_a_load(void **state)
{
	struct trend_window w;
	struct trend_fit f;
	double min;
	size_t i;
	double v;

	(void)state;
	/* 0.01 V a minute; a load switches on after 8 samples: -0.4 V */
	trend_window_init(&w);
	for (i = 0; i < 16; i++) {
		v = 12.6 - 0.01 * (double)i - (i >= 8 ? 0.4 : 0);
		trend_add(&w, T0 + (time_t)i * 60, v, 1800);
	}
	assert_true(trend_fit(&w, &f));
	assert_int_equal(f.steps, 1);
	near(f.slope * 3600, -0.6, EPS); /* the step does not steepen it */
	near(f.level, 12.6 - 0.15 - 0.4, EPS);
	assert_int_equal(trend_cutoff(&f, 11.5, f.t, &min), TREND_REACHES);
	near(min, 55.0, 1e-6);
	/* and switches off again: the bank jumps back up, still draining */
	trend_add(&w, T0 + 16 * 60, 12.6 - 0.16, 1800);
	trend_add(&w, T0 + 17 * 60, 12.6 - 0.17, 1800);
	assert_true(trend_fit(&w, &f));
	assert_int_equal(f.steps, 2);
	near(f.slope * 3600, -0.6, EPS);
	near(f.level, 12.43, EPS);
}

/* A deterministic noise in [-a, a] (an LCG). */
static double
noise(unsigned *seed, double a)
{
	*seed = *seed * 1103515245u + 12345u;
	return a * (((double)((*seed >> 8) & 0xffff) / 32767.5) - 1);
}

static void
test_noise(void **state)
{
	struct trend_window w;
	struct trend_fit f;
	unsigned seed = 42;
	double min;
	size_t i;

	(void)state;
	/* 0.5 V an hour under +-0.03 V of noise, 30 samples a minute apart */
	trend_window_init(&w);
	for (i = 0; i < 30; i++)
		trend_add(&w, T0 + (time_t)i * 60,
		    12.5 - 0.5 / 60 * (double)i + noise(&seed, 0.03), 1800);
	assert_true(trend_fit(&w, &f));
	assert_int_equal(f.steps, 0); /* noise is not a step */
	near(f.slope * 3600, -0.5, 0.1);
	near(f.level, 12.5 - 0.5 * 29 / 60, 0.03);
	assert_int_equal(trend_cutoff(&f, 11.5, f.t, &min), TREND_REACHES);
	near(min, (12.5 - 0.5 * 29 / 60 - 11.5) / 0.5 * 60, 25);
}

static void
test_charging_and_flat(void **state)
{
	struct trend_window w;
	struct trend_fit f;
	double min = -1;

	(void)state;
	trend_window_init(&w);
	feed_line(&w, 8, 60, 12.0, +0.02);
	assert_true(trend_fit(&w, &f));
	assert_true(f.slope > 0);
	assert_int_equal(trend_cutoff(&f, 11.5, f.t, &min), TREND_NONE);
	near(min, 0, 0);
	/* a drain, then the charger: a step up and a rise; rising once
	 * four samples follow the step */
	trend_window_init(&w);
	feed_line(&w, 20, 60, 12.4, -0.01);
	trend_add(&w, T0 + 20 * 60, 13.0, 1800);
	trend_add(&w, T0 + 21 * 60, 13.01, 1800);
	trend_add(&w, T0 + 22 * 60, 13.02, 1800);
	assert_true(trend_fit(&w, &f));
	assert_true(f.slope < 0); /* too soon: the drain's slope */
	trend_add(&w, T0 + 23 * 60, 13.03, 1800);
	assert_true(trend_fit(&w, &f));
	near(f.slope * 3600, 0.6, EPS);
	assert_int_equal(trend_cutoff(&f, 11.5, f.t, &min), TREND_NONE);
	trend_window_init(&w);
	feed_line(&w, 8, 60, 12.4, 0);
	assert_true(trend_fit(&w, &f));
	near(f.slope, 0, 0);
	assert_int_equal(trend_cutoff(&f, 11.5, f.t, &min), TREND_NONE);
	/* draining so slowly the cut-off is more than a week away */
	trend_window_init(&w);
	feed_line(&w, 8, 60, 12.4, -1e-6);
	assert_true(trend_fit(&w, &f));
	assert_true(f.slope < 0);
	assert_int_equal(trend_cutoff(&f, 11.5, f.t, &min), TREND_NONE);
}

static void
test_too_few_samples(void **state)
{
	struct trend_window w;
	struct trend_fit f;

	(void)state;
	trend_window_init(&w);
	assert_false(trend_fit(&w, &f));
	feed_line(&w, TREND_MIN_POINTS - 1, 60, 12.6, -0.05);
	assert_false(trend_fit(&w, &f));
	feed_line(&w, TREND_MIN_POINTS, 60, 12.6, -0.05);
	assert_true(trend_fit(&w, &f));
}

static void
test_already_below(void **state)
{
	struct trend_window w;
	struct trend_fit f;
	double min = -1;

	(void)state;
	trend_window_init(&w);
	feed_line(&w, 8, 60, 11.6, -0.05);
	assert_true(trend_fit(&w, &f));
	assert_int_equal(trend_cutoff(&f, 11.5, f.t, &min), TREND_BELOW);
	near(min, 0, 0);
	/* past the moment it reaches the cut-off: 0 minutes, not negative */
	trend_window_init(&w);
	feed_line(&w, 8, 60, 12.0, -0.05);
	assert_true(trend_fit(&w, &f));
	assert_int_equal(
	    trend_cutoff(&f, 11.5, f.t + 3600, &min), TREND_REACHES);
	near(min, 0, 0);
}

static void
test_overflow_safe(void **state)
{
	struct trend_window w;
	struct trend_fit f;
	double min = -1;

	(void)state;
	trend_window_init(&w);
	trend_add(&w, T0, NAN, 1800);
	trend_add(&w, T0, INFINITY, 1800);
	assert_int_equal(w.n, 0); /* not finite: ignored */
	feed_line(&w, 8, 60, 1e308, -1e307);
	if (trend_fit(&w, &f)) {
		assert_int_not_equal(
		    trend_cutoff(&f, -1e308, f.t, &min), TREND_REACHES);
		assert_true(isfinite(min));
	}
	/* a fit that is finite but whose cut-off is astronomically far */
	f.slope = -1e-300;
	f.level = 1e300;
	f.t = T0;
	assert_int_equal(trend_cutoff(&f, -1e300, T0, &min), TREND_NONE);
	f.slope = -1e300;
	assert_int_equal(trend_cutoff(&f, -1e300, T0, &min), TREND_REACHES);
	near(min, 2.0 / 60, 1e-9);
	assert_int_equal(trend_cutoff(&f, NAN, T0, &min), TREND_NONE);
	/* times far apart, far from the epoch */
	trend_window_init(&w);
	trend_add(&w, (time_t)1 << 40, 12, 604800);
	trend_add(&w, ((time_t)1 << 40) + 604000, 11.9, 604800);
	trend_add(&w, ((time_t)1 << 40) + 604100, 11.8, 604800);
	trend_add(&w, ((time_t)1 << 40) + 604200, 11.7, 604800);
	assert_true(w.n >= 2);
	if (trend_fit(&w, &f))
		assert_true(isfinite(f.slope) && isfinite(f.level));
}

static void
test_window_bounds(void **state)
{
	struct trend_window w;
	struct trend_fit f;
	size_t i;

	(void)state;
	/* a sample a second for an hour, a 1800 s window: at most 64 kept,
	 * still spanning the window, the newest always in, the recent ones
	 * a second apart */
	trend_window_init(&w);
	for (i = 0; i < 3600; i++) {
		trend_add(&w, T0 + (time_t)i, 12.6 - 1e-4 * (double)i, 1800);
		assert_true(w.n <= TREND_MAX_POINTS);
	}
	assert_int_equal(w.n, TREND_MAX_POINTS);
	assert_int_equal(w.p[w.n - 1].t, T0 + 3599);
	assert_int_equal(w.p[w.n - 2].t, T0 + 3598);
	assert_true(w.p[0].t >= T0 + 3599 - 1800);
	assert_true(w.p[0].t <= T0 + 3599 - 1800 + 120);
	for (i = 1; i < w.n; i++)
		assert_true(w.p[i].t - w.p[i - 1].t <= 120);
	assert_true(trend_fit(&w, &f));
	near(f.slope, -1e-4, 1e-9);
	/* samples older than the window go */
	trend_add(&w, T0 + 3599 + 1700, 12, 1800);
	assert_true(w.p[0].t >= T0 + 3599 + 1700 - 1800);
	/* the clock went back: start again */
	trend_add(&w, T0, 12, 1800);
	assert_int_equal(w.n, 1);
	/* the same time twice: the later value replaces the first */
	trend_add(&w, T0, 11, 1800);
	assert_int_equal(w.n, 1);
	near(w.p[0].v, 11, 0);
}

static void
test_describe(void **state)
{
	char b[128];

	(void)state;
	assert_string_equal(
	    trend_describe(b, sizeof(b), true, 130, "11.5", "V"),
	    "reaches 11.5 V in about 2 h 10 min");
	assert_string_equal(
	    trend_describe(b, sizeof(b), true, 119.6, "11.5", "V"),
	    "reaches 11.5 V in about 2 h");
	assert_string_equal(
	    trend_describe(b, sizeof(b), true, 42.2, "11.5", "V"),
	    "reaches 11.5 V in about 42 min");
	assert_string_equal(trend_describe(b, sizeof(b), true, 0.3, "15", "%"),
	    "reaches 15% in less than a minute");
	assert_string_equal(trend_describe(b, sizeof(b), true, 3000, "23", "V"),
	    "reaches 23 V in about 2 d 2 h");
	assert_string_equal(trend_describe(b, sizeof(b), true, 0, "11.5", "V"),
	    "at or below its cut-off 11.5 V");
	assert_string_equal(trend_describe(b, sizeof(b), false, 0, "11.5", "V"),
	    "no cut-off ahead");
	assert_string_equal(
	    trend_describe(b, sizeof(b), true, 1e300, "11.5", "V"),
	    "reaches 11.5 V in about 694444 d 10 h");
	assert_string_equal(
	    trend_describe(b, 8, true, 130, "11.5", "V"), "reaches");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_linear_drain),
	    cmocka_unit_test(test_step_from_a_load),
	    cmocka_unit_test(test_noise),
	    cmocka_unit_test(test_charging_and_flat),
	    cmocka_unit_test(test_too_few_samples),
	    cmocka_unit_test(test_already_below),
	    cmocka_unit_test(test_overflow_safe),
	    cmocka_unit_test(test_window_bounds),
	    cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
