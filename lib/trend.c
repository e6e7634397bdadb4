/*
 * trend: the window and the segmented Theil–Sen fit.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/trend.h"

#define PAIRS (TREND_MAX_POINTS * (TREND_MAX_POINTS - 1) / 2)
#define STEP_MADS 5.0	 /* robust deviations that make a step */
#define STEP_RATE 5.0	 /* or this many typical differences */
#define STEP_FLOOR 1e-3	 /* or this share of the value, at least */
#define MAD_SIGMA 1.4826 /* MAD to standard deviation (normal noise) */
#define FLAT_SLOPE 1e-12 /* units per second below which it is flat */

void
trend_window_init(struct trend_window *w)
{
	memset(w, 0, sizeof(*w));
}

/* Drops the sample whose loss leaves the shortest gap, the oldest of
 * equals (never the first or the newest): recent samples stay dense,
 * old ones are thinned, and the window keeps its span. */
static void
thin(struct trend_window *w)
{
	size_t i, best = 1;
	time_t gap, least = w->p[2].t - w->p[0].t;

	for (i = 2; i + 1 < w->n; i++) {
		gap = w->p[i + 1].t - w->p[i - 1].t;
		if (gap < least) {
			least = gap;
			best = i;
		}
	}
	memmove(
	    w->p + best, w->p + best + 1, (w->n - best - 1) * sizeof(w->p[0]));
	w->n--;
}

void
trend_add(struct trend_window *w, time_t t, double v, unsigned window_s)
{
	size_t i, drop;

	if (!isfinite(v))
		return;
	if (w->n > 0 && t < w->p[w->n - 1].t)
		w->n = 0; /* the clock went back */
	if (w->n > 0 && t == w->p[w->n - 1].t) {
		w->p[w->n - 1].v = v; /* the same poll again */
		return;
	}
	if (w->n == TREND_MAX_POINTS)
		thin(w);
	w->p[w->n].t = t;
	w->p[w->n].v = v;
	w->n++;
	for (drop = 0; drop < w->n && w->p[drop].t < t - (time_t)window_s;
	     drop++)
		;
	if (drop > 0) {
		for (i = drop; i < w->n; i++)
			w->p[i - drop] = w->p[i];
		w->n -= drop;
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The median of v[0..n), n > 0; reorders v. */
static double
median(double *v, size_t n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * Marks in step[i] whether a step lies between samples i and i + 1 of
 * w (n >= 2); returns how many.
 */
static unsigned
find_steps(const struct trend_window *w, bool *step)
{
	double rate[TREND_MAX_POINTS], res[TREND_MAX_POINTS];
	double dt[TREND_MAX_POINTS], vals[TREND_MAX_POINTS],
	    tmp[TREND_MAX_POINTS];
	double med_rate, mad, limit, floor_v, floor_r;
	size_t i, m = w->n - 1;
	unsigned steps = 0;

	for (i = 0; i < m; i++) {
		dt[i] = (double)(w->p[i + 1].t - w->p[i].t);
		/* trend_add keeps times rising; a hand-made window may not */
		rate[i] = dt[i] > 0 ? (w->p[i + 1].v - w->p[i].v) / dt[i] : 0;
	}
	for (i = 0; i <= m; i++)
		vals[i] = fabs(w->p[i].v);
	floor_v = STEP_FLOOR * median(vals, m + 1);
	memcpy(tmp, rate, m * sizeof(tmp[0]));
	med_rate = median(tmp, m);
	for (i = 0; i < m; i++) {
		res[i] = w->p[i + 1].v - w->p[i].v - med_rate * dt[i];
		tmp[i] = fabs(res[i]);
	}
	mad = median(tmp, m);
	memcpy(tmp, dt, m * sizeof(tmp[0]));
	floor_r = STEP_RATE * fabs(med_rate) * median(tmp, m);
	limit = STEP_MADS * MAD_SIGMA * mad;
	if (limit < floor_r)
		limit = floor_r;
	if (limit < floor_v)
		limit = floor_v;
	for (i = 0; i < m; i++) {
		step[i] = fabs(res[i]) > limit;
		steps += step[i];
	}
	return steps;
}

bool
trend_fit(const struct trend_window *w, struct trend_fit *out)
{
	double slopes[PAIRS], icpt[TREND_MAX_POINTS];
	bool step[TREND_MAX_POINTS];
	size_t seg[TREND_MAX_POINTS];
	size_t i, j, n = 0, last, first;
	unsigned steps;
	time_t t0;

	if (w->n < TREND_MIN_POINTS || w->n > TREND_MAX_POINTS)
		return false;
	steps = find_steps(w, step);
	seg[0] = 0;
	for (i = 1; i < w->n; i++)
		seg[i] = seg[i - 1] + step[i - 1];
	last = w->n - 1;
	while (last > 0 && seg[last - 1] == seg[w->n - 1])
		last--;
	/* enough samples since the last step: the new regime alone */
	first = w->n - last >= TREND_MIN_POINTS ? last : 0;
	/* times relative to the first sample keep the products small */
	t0 = w->p[0].t;
	for (i = first; i < w->n; i++)
		for (j = i + 1; j < w->n; j++)
			if (seg[i] == seg[j] && w->p[j].t > w->p[i].t)
				slopes[n++] = (w->p[j].v - w->p[i].v) /
					      (double)(w->p[j].t - w->p[i].t);
	if (n == 0)
		return false;
	out->slope = median(slopes, n);
	n = 0;
	for (i = last; i < w->n; i++)
		icpt[n++] = w->p[i].v - out->slope * (double)(w->p[i].t - t0);
	out->t = w->p[w->n - 1].t;
	out->level = median(icpt, n) + out->slope * (double)(out->t - t0);
	out->steps = steps;
	return isfinite(out->slope) && isfinite(out->level);
}

enum trend_cutoff
trend_cutoff(
    const struct trend_fit *f, double cutoff, time_t now, double *minutes)
{
	double secs;

	*minutes = 0;
	if (!isfinite(cutoff) || !isfinite(f->level) || !isfinite(f->slope))
		return TREND_NONE;
	if (f->level <= cutoff)
		return TREND_BELOW;
	if (f->slope > -FLAT_SLOPE)
		return TREND_NONE;
	/* (level - cutoff) > 0 and -slope > FLAT_SLOPE: finite, positive */
	secs = (f->level - cutoff) / -f->slope;
	secs -= (double)(now - f->t);
	if (secs > (double)TREND_HORIZON_MIN * 60)
		return TREND_NONE;
	*minutes = secs > 0 ? secs / 60 : 0;
	return TREND_REACHES;
}

char *
trend_describe(char *out, size_t len, bool known, double minutes,
    const char *level, const char *unit)
{
	const char *sp = unit[0] != '\0' && strcmp(unit, "%") != 0 ? " " : "";
	unsigned long m;

	if (!known || !isfinite(minutes) || minutes < 0)
		snprintf(out, len, "no cut-off ahead");
	else if (minutes == 0)
		snprintf(out, len, "at or below its cut-off %s%s%s", level, sp,
		    unit);
	else if (minutes < 1)
		snprintf(out, len, "reaches %s%s%s in less than a minute",
		    level, sp, unit);
	else if (minutes < 60) {
		m = (unsigned long)(minutes + 0.5);
		snprintf(out, len, "reaches %s%s%s in about %lu min", level, sp,
		    unit, m);
	} else if (minutes < 1440) {
		m = (unsigned long)(minutes + 0.5);
		if (m % 60 == 0)
			snprintf(out, len, "reaches %s%s%s in about %lu h",
			    level, sp, unit, m / 60);
		else
			snprintf(out, len,
			    "reaches %s%s%s in about %lu h %lu min", level, sp,
			    unit, m / 60, m % 60);
	} else {
		/* minutes <= TREND_HORIZON_MIN from trend_cutoff; bounded
		 * anyway, so the cast is defined */
		m = minutes < 1e9 ? (unsigned long)(minutes / 60 + 0.5)
				  : 1000000000ul / 60;
		snprintf(out, len, "reaches %s%s%s in about %lu d %lu h", level,
		    sp, unit, m / 24, m % 24);
	}
	return out;
}
