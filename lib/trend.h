/*
 * trend: a bounded window of (time, value) samples and a robust linear
 * fit over it, to tell when a draining series (a battery bank's voltage
 * or state of charge) reaches a cut-off level.  Pure: no I/O, no clock.
 *
 * The fit is Theil–Sen over segments: a load switching on or off (or a
 * charger) makes a step (a jump between two samples far larger than the
 * others), which splits the window into segments.  With TREND_MIN_POINTS
 * samples since the last step, the slope is Theil–Sen's over them alone
 * (the new regime); before that, the median of the slopes of every pair
 * of samples inside one segment (pairs across a step are left out, so a
 * step neither steepens nor flattens the slope).  The level now is the
 * median of value - slope * time over the last segment.
 * A plain Theil–Sen over the whole window would let the pairs across a
 * step (half of them for a step in the middle) pull the median; a
 * least-squares fit would be pulled by any single outlier.
 *
 * Steps are found from the differences between neighbours: a difference
 * that departs from their median by more than max(5 robust deviations
 * (1.4826 MAD), 5 times the median difference, 0.1 % of the median
 * value) is a step.  The floor keeps a noiseless drain from calling
 * rounding a step.
 *
 * Cost: O(n^2 log n) for n <= TREND_MAX_POINTS (64: about 2,000 pair
 * slopes per fit), a few microseconds.
 */
#ifndef DROVER_TREND_H
#define DROVER_TREND_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TREND_MAX_POINTS 64 /* samples kept per window */
#define TREND_MIN_POINTS 4  /* samples before a fit is made */
#define TREND_HORIZON_MIN                                                      \
	10080 /* minutes (7 days): a cut-off further                           \
		 ahead counts as none (flat) */

struct trend_point {
	time_t t; /* epoch s */
	double v; /* the series' unit (V, %) */
};

/*
 * The last window_s seconds of a series, at most TREND_MAX_POINTS: once
 * full, each new sample drops the one whose loss leaves the shortest gap
 * (the oldest of equals), so recent samples stay dense, older ones are
 * thinned, and the points still span the window whatever the interval.
 */
struct trend_window {
	struct trend_point p[TREND_MAX_POINTS];
	size_t n;
};

void trend_window_init(struct trend_window *w);
/*
 * Adds sample (t, v) and forgets samples older than t - window_s.  A
 * sample that is not finite is ignored; one older than the newest (the
 * clock went back) empties the window first.
 */
void trend_add(struct trend_window *w, time_t t, double v, unsigned window_s);

struct trend_fit {
	double slope;	/* units per second, signed */
	double level;	/* the fitted value at time t */
	time_t t;	/* epoch s of the newest sample */
	unsigned steps; /* steps found in the window */
};

/* Fits w (see above); false when it has fewer than TREND_MIN_POINTS
 * samples or no two inside one segment. */
bool trend_fit(const struct trend_window *w, struct trend_fit *out);

enum trend_cutoff {
	TREND_REACHES, /* *minutes is when the fit reaches the cut-off */
	TREND_BELOW,   /* the level is at or below the cut-off already */
	TREND_NONE,    /* rising, flat, or beyond TREND_HORIZON_MIN */
};

/*
 * When fit f reaches cutoff, counted from now (epoch s): minutes in
 * [0, TREND_HORIZON_MIN] for TREND_REACHES, 0 for TREND_BELOW.  Finite
 * for any input (no overflow: a slope near zero is TREND_NONE).
 */
enum trend_cutoff trend_cutoff(
    const struct trend_fit *f, double cutoff, time_t now, double *minutes);

/*
 * What a forecast says to people, into out (len bytes): "reaches 11.5 V
 * in about 2 h 10 min" (known, minutes > 0, rounded to the minute, to
 * the hour from a day on), "at or below its cut-off 11.5 V" (known, 0),
 * "no cut-off ahead" (unknown).  level and unit as the attributes spell
 * them ("11.5", "V").  Returns out.
 */
char *trend_describe(char *out, size_t len, bool known, double minutes,
    const char *level, const char *unit);

#endif
