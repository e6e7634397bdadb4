/*
 * forecast: per-bank windows and the fields they add to a batch.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collector/forecast.h"
#include "lib/hash.h"
#include "lib/range.h"
#include "lib/trend.h"

/* One (host, bank) series. */
struct series {
	char *key;     /* "HOST/SERVICE" */
	uint64_t hash; /* of key */
	time_t fed;    /* epoch s of the last batch that named it */
	struct trend_window w;
};

struct forecast {
	struct series *v;
	size_t n, cap;
};

struct forecast *
forecast_new(void)
{
	return calloc(1, sizeof(struct forecast));
}

void
forecast_free(struct forecast *fc)
{
	size_t i;

	if (fc == NULL)
		return;
	for (i = 0; i < fc->n; i++)
		free(fc->v[i].key);
	free(fc->v);
	free(fc);
}

bool
forecast_is_bank(const struct service *s)
{
	const char *cat = attrs_get(&s->graph, "graph_category");

	return strncmp(s->name, "bank_", 5) == 0 && s->name[5] != '\0' &&
	       strchr(s->name, '.') == NULL && cat != NULL &&
	       strcmp(cat, "power") == 0;
}

/* The series called key, made when missing; NULL on allocation failure.
 * Banks are few (one or two per host), so a scan by hash is enough. */
static struct series *
series_get(struct forecast *fc, const char *key)
{
	uint64_t h = hash_str(HASH_INIT, key);
	struct series *nv, *s;
	size_t i;

	for (i = 0; i < fc->n; i++)
		if (fc->v[i].hash == h && strcmp(fc->v[i].key, key) == 0)
			return &fc->v[i];
	if (fc->n == fc->cap) {
		nv = realloc(fc->v, (fc->cap ? fc->cap * 2 : 8) * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		fc->v = nv;
		fc->cap = fc->cap ? fc->cap * 2 : 8;
	}
	s = &fc->v[fc->n];
	s->key = strdup(key);
	if (s->key == NULL)
		return NULL;
	s->hash = h;
	s->fed = 0;
	trend_window_init(&s->w);
	fc->n++;
	return s;
}

void
forecast_prune(struct forecast *fc, time_t before)
{
	size_t i, k = 0;

	for (i = 0; i < fc->n; i++) {
		if (fc->v[i].fed < before) {
			free(fc->v[i].key);
			continue;
		}
		fc->v[k++] = fc->v[i];
	}
	fc->n = k;
}

/* A number as Munin ranges and attributes spell it. */
static void
fmt_num(char *out, size_t len, double v)
{
	snprintf(out, len, "%.6g", v);
}

/* The cut-off level of series field f (unit "V" or "%"); false: none. */
static bool
cutoff_level(const struct field *f, bool volts,
    const struct forecast_settings *set, double *out)
{
	const char *own = attrs_get(&f->attrs, "cutoff");
	const char *crit = attrs_get(&f->attrs, "critical");
	struct range r;
	char *end;
	double v;

	if (own != NULL) {
		errno = 0;
		v = strtod(own, &end);
		if (end != own && *end == '\0' && errno == 0 && isfinite(v)) {
			*out = v;
			return true;
		}
		return false; /* a level the operator got wrong: none */
	}
	if (volts && set->has_cutoff) {
		*out = set->cutoff;
		return true;
	}
	if (crit == NULL)
		return false;
	range_parse_munin(crit, &r);
	if (!r.has_min)
		return false;
	*out = r.min;
	return true;
}

static int
set_attrs(struct field *f, const char *const *kv)
{
	for (; kv[0] != NULL; kv += 2)
		if (attrs_set(&f->attrs, kv[0], kv[1]) == -1)
			return -1;
	return 0;
}

/* The two fields of bank s: the series is sf, level its cut-off. */
static int
add_fields(struct service *s, const struct field *sf, bool volts, double level,
    const struct forecast_settings *set, const struct trend_fit *fit,
    bool has_fit, time_t now)
{
	const char *unit = volts ? "V" : "%";
	char lv[32], warn[16], crit[16], hyst[16], info[512], tinfo[256];
	struct field *cm, *tr;
	enum trend_cutoff c = TREND_NONE;
	double minutes = 0;
	unsigned h;

	fmt_num(lv, sizeof(lv), level);
	snprintf(warn, sizeof(warn), "%u:", set->warning);
	snprintf(crit, sizeof(crit), "%u:", set->critical);
	h = set->warning / 6 > 0 ? set->warning / 6 : 1;
	snprintf(hyst, sizeof(hyst), "%u", h);
	snprintf(info, sizeof(info),
	    "Minutes until the trend of %s over the last %u s reaches the "
	    "cut-off %s %s (a median of pair slopes, a load switching left "
	    "out); 0: reached; no value: no cut-off ahead (charging, flat "
	    "or too few samples).",
	    sf->name, set->window, lv, unit);
	snprintf(tinfo, sizeof(tinfo),
	    "The trend of %s over the last %u s, %s per hour (negative: "
	    "draining).",
	    sf->name, set->window, unit);
	cm = service_field(s, "cutoff_minutes", true);
	if (cm == NULL)
		return -1;
	{
		const char *kv[] = {"label", "time to cut-off", "type", "GAUGE",
		    "min", "0", "graph", "no", "warning", warn, "critical",
		    crit, "alert_hysteresis", hyst, "cutoff", lv, "cutoff_unit",
		    unit, "unit", "minutes", "info", info, NULL};

		if (set_attrs(cm, kv) == -1)
			return -1;
	}
	if (has_fit)
		c = trend_cutoff(fit, level, now, &minutes);
	cm->has_value = true;
	cm->when = 0;
	cm->unknown = c == TREND_NONE;
	cm->value = cm->unknown ? 0 : minutes;
	/* no cut-off ahead is a verdict, not a missing value */
	if (cm->unknown && attrs_set(&cm->attrs, "state", "OK") == -1)
		return -1;
	tr = service_field(s, "trend", true);
	if (tr == NULL)
		return -1;
	{
		char vl[32];
		const char *kv[] = {"label", "trend", "type", "GAUGE", "graph",
		    "no", "info", tinfo, "trend_unit", vl, NULL};

		snprintf(vl, sizeof(vl), "%s/h", unit);
		if (set_attrs(tr, kv) == -1)
			return -1;
	}
	tr->has_value = true;
	tr->when = 0;
	tr->unknown = !has_fit;
	tr->value = has_fit ? fit->slope * 3600 : 0;
	return 0;
}

unsigned
forecast_batch(struct forecast *fc, const char *host,
    const struct forecast_settings *set, time_t ts, struct batch *b)
{
	struct service *s;
	struct series *se;
	const struct field *sf;
	struct trend_fit fit;
	char key[600];
	double level;
	size_t i;
	unsigned done = 0;
	bool volts, has_fit;

	for (i = 0; i < b->n; i++) {
		s = &b->services[i];
		if (!s->has_config || !forecast_is_bank(s) ||
		    service_field(s, "cutoff_minutes", false) != NULL)
			continue;
		sf = service_field(s, "voltage", false);
		volts = sf != NULL;
		if (sf == NULL)
			sf = service_field(s, "soc", false);
		if (sf == NULL || !cutoff_level(sf, volts, set, &level))
			continue;
		snprintf(key, sizeof(key), "%s/%s", host, s->name);
		se = series_get(fc, key);
		if (se == NULL)
			continue;
		se->fed = ts;
		if (sf->has_value && !sf->unknown)
			trend_add(&se->w, sf->when > 0 ? sf->when : ts,
			    sf->value, set->window);
		has_fit = trend_fit(&se->w, &fit);
		/* add_fields reads sf before it adds the fields (which may
		 * move s->fields under sf) */
		if (add_fields(s, sf, volts, level, set, &fit, has_fit, ts) ==
		    0)
			done++;
	}
	return done;
}
