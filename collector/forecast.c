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
#include "lib/log.h"
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

/* The graph of bank s's forecast: the child "BANK.forecast" of b with a
 * copy of cutoff_minutes (cm).  0 / -1. */
static int
add_graph(struct batch *b, const char *bank, const char *title,
    const struct field *cm)
{
	struct service child = {0};
	struct field *f;
	char name[512], t[300];
	const char *unit = attrs_get(&cm->attrs, "cutoff_unit");
	const char *lv = attrs_get(&cm->attrs, "cutoff");

	snprintf(name, sizeof(name), "%s.forecast", bank);
	snprintf(
	    t, sizeof(t), "%s: time to cut-off", title != NULL ? title : bank);
	child.name = strdup(name);
	if (child.name == NULL)
		return -1;
	child.has_config = true;
	if (attrs_set(&child.graph, "graph_title", t) == -1 ||
	    attrs_set(&child.graph, "graph_vlabel", "minutes") == -1 ||
	    attrs_set(&child.graph, "graph_args", "--base 1000 -l 0") == -1 ||
	    attrs_set(&child.graph, "graph_category", "power") == -1 ||
	    attrs_set(&child.graph, "graph_info",
		"Minutes until the bank's trend reaches its cut-off; no "
		"value while no cut-off is ahead (charging, flat).") == -1)
		goto fail;
	f = service_field(&child, "minutes", true);
	if (f == NULL)
		goto fail;
	snprintf(t, sizeof(t), "to %s %s", lv != NULL ? lv : "cut-off",
	    unit != NULL ? unit : "");
	if (attrs_set(&f->attrs, "label", t) == -1 ||
	    attrs_set(&f->attrs, "type", "GAUGE") == -1 ||
	    attrs_set(&f->attrs, "min", "0") == -1 ||
	    attrs_set(&f->attrs, "draw", "LINE2") == -1)
		goto fail;
	f->has_value = true;
	f->unknown = cm->unknown;
	f->value = cm->value;
	f->when = cm->when;
	if (batch_take(b, &child) == 0)
		return 0;
fail:
	service_cleanup(&child);
	return -1;
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
	size_t i, n = b->n;
	unsigned done = 0;
	bool volts, has_fit;

	/* only the services the batch came with: the graphs added below
	 * are not banks, and adding them may move b->services */
	for (i = 0; i < n; i++) {
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
		    -1)
			continue;
		done++;
		/* add_graph reads s before it adds the child, which may move
		 * b->services (not the fields s points to) */
		{
			char child[300];

			snprintf(child, sizeof(child), "%s.forecast", s->name);
			if (batch_service(b, child, false) == NULL &&
			    add_graph(b, s->name,
				attrs_get(&s->graph, "graph_title"),
				service_field(s, "cutoff_minutes", false)) ==
				-1)
				log_warnx("forecast: %s: %s: no graph (out of "
					  "memory)",
				    host, child);
		}
	}
	return done;
}
