/*
 * field_value: the field table's numbers as the graph draws them; see
 * field_value.h.  Both entry points share one path: a per-field raw
 * value (a rate for counters) and graph_period's factor, then the cdef
 * with a lookup that gives any other field's scaled value.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "rrd/cdef_eval.h"
#include "web/field_value.h"

/* Where the raw per-field values come from. */
struct src {
	const struct cat_service *cs;
	const struct api_series *s; /* NULL: the current values */
	size_t n;
	time_t t; /* the row's time (epoch s): each series' row for it */
};

/* graph_period's factor for a non-GAUGE field (munin-graph's
 * "FIELD,60,*" / "FIELD,3600,*"). */
static double
period_factor(const struct cat_service *cs, const struct field *f)
{
	const char *p = attrs_get(&cs->svc.graph, "graph_period");

	if (field_type(f) == DS_GAUGE || p == NULL)
		return 1;
	if (strcmp(p, "minute") == 0)
		return 60;
	if (strcmp(p, "hour") == 0)
		return 3600;
	return 1;
}

/* RRD stores a rate outside min/max as unknown. */
static double
bounded(const struct field *f, double v)
{
	const char *min = attrs_get(&f->attrs, "min");
	const char *max = attrs_get(&f->attrs, "max");
	char *end;
	double b;

	if (isnan(v))
		return v;
	if (min != NULL) {
		b = strtod(min, &end);
		if (end != min && *end == '\0' && v < b)
			return NAN;
	}
	if (max != NULL) {
		b = strtod(max, &end);
		if (end != max && *end == '\0' && v > b)
			return NAN;
	}
	return v;
}

/* The current value of field i as RRD would store it (a rate). */
static double
rate_now(const struct cat_service *cs, size_t i)
{
	const struct field *f = &cs->svc.fields[i];
	const struct cat_field *cf = &cs->fields[i];
	double dt = (double)(cs->last_update - cs->prev_update);
	enum ds_type t = field_type(f);

	if (!f->has_value || f->unknown)
		return NAN;
	if (t == DS_GAUGE)
		return f->value;
	if (cs->prev_update == 0 || dt <= 0)
		return NAN;
	if (t == DS_ABSOLUTE)
		return bounded(f, f->value / dt);
	if (!cf->has_prev || (t == DS_COUNTER && f->value < cf->prev))
		return NAN;
	return bounded(f, (f->value - cf->prev) / dt);
}

/* Field i scaled by graph_period, before its cdef. */
static double
scaled(const struct src *src, size_t i)
{
	const struct field *f = &src->cs->svc.fields[i];
	double v;

	if (src->s == NULL)
		v = rate_now(src->cs, i);
	else if (i >= src->n || src->s[i].error != NULL ||
		 src->s[i].step == 0 || src->t < src->s[i].start ||
		 (size_t)(src->t - src->s[i].start) / src->s[i].step >=
		     src->s[i].rows)
		v = NAN;
	else
		v = src->s[i].values[(size_t)(src->t - src->s[i].start) /
				     src->s[i].step];
	return v * period_factor(src->cs, f);
}

static bool
lookup(void *arg, const char *name, double *out)
{
	const struct src *src = arg;
	const struct service *svc = &src->cs->svc;
	size_t i;

	for (i = 0; i < svc->nfields; i++)
		if (strcmp(svc->fields[i].name, name) == 0) {
			*out = scaled(src, i);
			return true;
		}
	return false;
}

static double
value(const struct src *src, size_t i)
{
	const char *cdef = attrs_get(&src->cs->svc.fields[i].attrs, "cdef");
	double v;

	if (cdef == NULL || cdef[0] == '\0')
		return scaled(src, i);
	if (cdef_eval(cdef, lookup, (void *)src, &v) == -1)
		return NAN;
	return v;
}

double
field_value_now(const struct cat_service *cs, size_t i)
{
	struct src src = {.cs = cs};

	return value(&src, i);
}

double
field_value_row(const struct cat_service *cs, const struct api_series *s,
    size_t n, size_t i, size_t row)
{
	struct src src = {.cs = cs, .s = s, .n = n};

	if (i >= n || s[i].error != NULL || row >= s[i].rows)
		return NAN;
	src.t = s[i].start + (time_t)(row * s[i].step);
	return value(&src, i);
}
