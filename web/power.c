/*
 * power: banks and 12 V rails from the catalog; see power.h.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/range.h"
#include "web/power.h"

/* A rail's nominal, from its thresholds, within this fraction of 12 V. */
#define RAIL_NOMINAL_TOLERANCE 0.15

const char *
power_trend_str(enum power_trend t)
{
	switch (t) {
	case POWER_TREND_UP:
		return "up";
	case POWER_TREND_DOWN:
		return "down";
	case POWER_TREND_FLAT:
		return "flat";
	default:
		return NULL;
	}
}

/* Field name of cs as the view shows it; r->present false when absent. */
static void
value_of(const struct cat_service *cs, const char *name, struct power_value *r)
{
	long i = cat_service_field_index(cs, 0, name);
	const struct field *f;

	memset(r, 0, sizeof(*r));
	r->st = FS_UNKNOWN;
	if (i < 0)
		return;
	f = &cs->svc.fields[i];
	r->present = true;
	r->known = f->has_value && !f->unknown && isfinite(f->value);
	r->value = r->known ? f->value : NAN;
	r->st = cat_field_state(cs, (size_t)i);
}

/* The lower bound of field name's critical range in cs, when it has one. */
static bool
critical_floor(const struct cat_service *cs, const char *name, double *out)
{
	long i = cat_service_field_index(cs, 0, name);
	const struct field_rules *fs;

	if (i < 0)
		return false;
	fs = cs->fields[i].spec.rules;
	if (fs->critical == NULL || !fs->crit.has_min)
		return false;
	*out = fs->crit.min;
	return true;
}

/* up, down or flat: a change d against the band +-flat */
static enum power_trend
trend_of(double d, double flat)
{
	if (d > flat)
		return POWER_TREND_UP;
	if (d < -flat)
		return POWER_TREND_DOWN;
	return POWER_TREND_FLAT;
}

/* The level the forecast aims at: cutoff_minutes' attributes "cutoff"
 * (a number) and "cutoff_unit" (may be absent). */
static bool
forecast_level(const struct cat_service *cs, double *out, const char **unit)
{
	long i = cat_service_field_index(cs, 0, "cutoff_minutes");
	const struct attrs *a;
	const char *lv, *u;
	char *end;
	double v;

	if (i < 0)
		return false;
	a = &cs->svc.fields[i].attrs;
	lv = attrs_get(a, "cutoff");
	if (lv == NULL)
		return false;
	errno = 0;
	v = strtod(lv, &end);
	if (end == lv || *end != '\0' || errno != 0 || !isfinite(v))
		return false;
	u = attrs_get(a, "cutoff_unit");
	*out = v;
	*unit = u != NULL ? u : "";
	return true;
}

static bool
is_bank(const struct cat_service *cs)
{
	const char *c = attrs_get(&cs->svc.graph, "graph_category");

	return strncmp(cs->svc.name, "bank_", 5) == 0 &&
	       cs->svc.name[5] != '\0' && strchr(cs->svc.name, '.') == NULL &&
	       c != NULL && strcasecmp(c, "power") == 0;
}

static void
bank_fill(struct power_bank *b, const struct cat_host *h,
    const struct cat_service *cs)
{
	const char *t = attrs_get(&cs->svc.graph, "graph_title");
	struct power_value trend, in, out;
	long vi;

	memset(b, 0, sizeof(*b));
	b->h = h;
	b->cs = cs;
	b->title = t != NULL ? t : cs->svc.name;
	b->st = cat_service_state(cs, NULL);
	value_of(cs, "voltage", &b->voltage);
	value_of(cs, "soc", &b->soc);
	value_of(cs, "current", &b->current);
	value_of(cs, "cutoff_minutes", &b->cutoff);
	value_of(cs, "trend", &trend);
	if (trend.known) {
		b->trend_forecast = true;
		b->trend = trend_of(trend.value, POWER_FLAT_PER_HOUR);
	} else if (b->voltage.known) {
		vi = cat_service_field_index(cs, 0, "voltage");
		if (cs->fields[vi].has_prev) {
			double d = b->voltage.value - cs->fields[vi].prev;

			b->trend = trend_of(d, POWER_FLAT_VOLTS);
		}
	}
	if (b->current.known) {
		b->charging = b->current.value > 0;
	} else {
		value_of(cs, "charge_current", &in);
		value_of(cs, "discharge_current", &out);
		b->charging = in.known && in.value > 0 &&
			      (!out.known || in.value > out.value);
	}
	if (forecast_level(cs, &b->level, &b->level_unit)) {
		b->has_level = true;
	} else if (critical_floor(cs, "voltage", &b->level)) {
		b->has_level = true;
		b->level_unit = "V";
	} else if (critical_floor(cs, "soc", &b->level)) {
		b->has_level = true;
		b->level_unit = "%";
	}
}

static bool
is_ipmi_volts(const struct cat_service *cs)
{
	const char *n = cs->svc.name;

	if (strcmp(n, "ipmi_volts") == 0)
		return true;
	if (strncmp(n, "ipmi", 4) != 0 && strncmp(n, "freeipmi", 8) != 0)
		return false;
	return strstr(n, "volt") != NULL;
}

/* s names 12 V: "12V", "12 V", "P12V", not "-12V", "112V" or "1.12V". */
static bool
says_12v(const char *s)
{
	const char *p;

	for (p = s; (p = strstr(p, "12")) != NULL; p++) {
		const char *q = p + 2;

		if (p > s && (isdigit((unsigned char)p[-1]) || p[-1] == '.' ||
				 p[-1] == '-'))
			continue;
		if (*q == ' ')
			q++;
		if (*q == 'V' || *q == 'v')
			return true;
	}
	return false;
}

/* The middle of Munin range text s, when it has both bounds. */
static bool
range_middle(const char *s, double *out)
{
	struct range r;

	if (s == NULL)
		return false;
	range_parse_munin(s, &r);
	if (!r.has_min || !r.has_max || r.max <= r.min)
		return false;
	*out = (r.min + r.max) / 2;
	return true;
}

bool
power_is_12v(const char *name, const char *label, const char *w, const char *c)
{
	double mid;

	/* the label first: names are sanitised ("-12V" becomes "_12V") */
	if (says_12v(label != NULL ? label : name))
		return true;
	if (!range_middle(w, &mid) && !range_middle(c, &mid))
		return false;
	return fabs(mid - 12.0) <= 12.0 * RAIL_NOMINAL_TOLERANCE;
}

static int
cmp_bank(const void *a, const void *b)
{
	const struct power_bank *x = a, *y = b;
	int c = strcmp(x->h->name, y->h->name);

	return c != 0 ? c : strcmp(x->cs->svc.name, y->cs->svc.name);
}

static int
cmp_rail(const void *a, const void *b)
{
	const struct power_rail *x = a, *y = b;
	int c = strcmp(x->h->name, y->h->name);

	if (c == 0)
		c = strcmp(x->cs->svc.name, y->cs->svc.name);
	return c != 0 ? c : strcmp(x->f->name, y->f->name);
}

/* Appends an element of size sz to *arr (*n of *cap); NULL on ENOMEM. */
static void *
grow(void *arr, size_t sz, size_t n, size_t *cap)
{
	void *nv;

	if (n < *cap)
		return arr;
	nv = realloc(arr, (*cap ? *cap * 2 : 8) * sz);
	if (nv != NULL)
		*cap = *cap ? *cap * 2 : 8;
	return nv;
}

int
power_view_init(struct power_view *v, const struct catalog *cat)
{
	const struct cat_host *h;
	const struct cat_service *cs;
	const struct field *f;
	struct power_rail *r;
	size_t i, j, k, bcap = 0, rcap = 0;
	void *nv;

	memset(v, 0, sizeof(*v));
	for (i = 0; i < catalog_count(cat); i++) {
		h = catalog_at(cat, i);
		for (j = 0; j < h->nservices; j++) {
			cs = &h->services[j];
			if (is_bank(cs)) {
				nv = grow(v->banks, sizeof(*v->banks),
				    v->nbanks, &bcap);
				if (nv == NULL)
					goto nomem;
				v->banks = nv;
				bank_fill(&v->banks[v->nbanks++], h, cs);
				continue;
			}
			if (!is_ipmi_volts(cs))
				continue;
			for (k = 0; k < cs->svc.nfields; k++) {
				const struct field_spec *fs =
				    &cs->fields[k].spec;

				f = &cs->svc.fields[k];
				if (!power_is_12v(f->name, fs->label,
					fs->rules->warning,
					fs->rules->critical))
					continue;
				nv = grow(v->rails, sizeof(*v->rails),
				    v->nrails, &rcap);
				if (nv == NULL)
					goto nomem;
				v->rails = nv;
				r = &v->rails[v->nrails++];
				r->h = h;
				r->cs = cs;
				r->f = f;
				r->label =
				    fs->label != NULL ? fs->label : f->name;
				value_of(cs, f->name, &r->v);
				r->warning = fs->rules->warning;
				r->critical = fs->rules->critical;
			}
		}
	}
	if (v->nbanks > 1)
		qsort(v->banks, v->nbanks, sizeof(*v->banks), cmp_bank);
	if (v->nrails > 1)
		qsort(v->rails, v->nrails, sizeof(*v->rails), cmp_rail);
	return 0;
nomem:
	power_view_cleanup(v);
	errno = ENOMEM;
	return -1;
}

void
power_view_cleanup(struct power_view *v)
{
	free(v->banks);
	free(v->rails);
	memset(v, 0, sizeof(*v));
}

bool
power_view_empty(const struct power_view *v)
{
	return v->nbanks == 0 && v->nrails == 0;
}

void
power_cutoff_text(const struct power_bank *b, char *out, size_t len)
{
	char level[48], when[48];
	long m;

	if (b->cutoff.known && b->cutoff.value >= 0) {
		if (b->has_level && b->level_unit[0] != '\0')
			snprintf(level, sizeof(level), "%.4g %s", b->level,
			    b->level_unit);
		else if (b->has_level)
			snprintf(level, sizeof(level), "%.4g", b->level);
		else
			snprintf(level, sizeof(level), "cut-off");
		/* whole minutes; a week and more in days and hours */
		m = b->cutoff.value > 1e7 ? 10000000L : lround(b->cutoff.value);
		if (m < 1)
			snprintf(when, sizeof(when), "now");
		else if (m < 60)
			snprintf(when, sizeof(when), "in about %ld min", m);
		else if (m < 2880 && m % 60 == 0)
			snprintf(when, sizeof(when), "in about %ld h", m / 60);
		else if (m < 2880)
			snprintf(when, sizeof(when), "in about %ld h %ld min",
			    m / 60, m % 60);
		else
			snprintf(when, sizeof(when), "in about %ld days %ld h",
			    m / 1440, m % 1440 / 60);
		snprintf(out, len, "reaches %s %s", level, when);
	} else if (b->charging) {
		snprintf(out, len, "charging");
	} else {
		snprintf(out, len, "\xe2\x80\x94");
	}
}
