/*
 * compare: the files, the fetch and the common scale of a compare page.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/cat_ref.h"
#include "rrd/graph.h"
#include "rrd/rrd_schema.h"
#include "web/compare.h"
#include "web/field_value.h"
#include "web/series.h"

int
compare_parse_hosts(const char *list, char names[][ROUTE_NAME_MAX + 1],
    size_t *n, char *err, size_t errlen)
{
	const char *p = list, *comma;
	size_t len, i;

	*n = 0;
	while (p != NULL && *p != '\0') {
		comma = strchr(p, ',');
		len = comma != NULL ? (size_t)(comma - p) : strlen(p);
		if (len > 0) {
			if (!route_name_ok(p, len)) {
				snprintf(err, errlen,
				    "hosts= must be host names separated by "
				    "commas");
				return -1;
			}
			for (i = 0; i < *n; i++)
				if (strlen(names[i]) == len &&
				    memcmp(names[i], p, len) == 0)
					break;
			if (i == *n) {
				if (*n == COMPARE_MAX_HOSTS) {
					snprintf(err, errlen,
					    "at most %d hosts at once",
					    COMPARE_MAX_HOSTS);
					return -1;
				}
				memcpy(names[*n], p, len);
				names[(*n)++][len] = '\0';
			}
		}
		p = comma != NULL ? comma + 1 : NULL;
	}
	return 0;
}

/* The files of h's service cs into ch, as the data API reads them. */
static int
host_paths(struct compare_host *ch, const struct catalog *cat,
    const char *dbdir, const struct cat_host *h, const struct cat_service *cs)
{
	char path[4096];
	const struct field *f, *pf;
	struct cat_refs refs;
	struct graph_plan plan;
	const char *other;
	int rc = -1;
	size_t i;

	ch->paths = calloc(cs->svc.nfields + 1, sizeof(*ch->paths));
	ch->series = calloc(cs->svc.nfields + 1, sizeof(*ch->series));
	if (ch->paths == NULL || ch->series == NULL)
		return -1;
	if (cat_refs_resolve(&refs, cat, h, cs, dbdir) == -1) {
		cat_refs_cleanup(&refs);
		return -1;
	}
	if (graph_plan_make(&plan, &cs->svc, NULL, refs.v, refs.n) == -1)
		goto out;
	for (i = 0; i < cs->svc.nfields; i++) {
		f = &cs->svc.fields[i];
		ch->series[i].field = strdup(f->name);
		pf = service_field(&plan.svc, f->name, false);
		other = pf != NULL ? attrs_get(&pf->attrs, "filename") : NULL;
		if (other != NULL)
			ch->paths[i] = strdup(other);
		else if (rrd_path(path, sizeof(path), dbdir, h->group, h->name,
			     cs->svc.name, f->name, field_type(f)) == 0)
			ch->paths[i] = strdup(path);
		else
			ch->paths[i] = strdup("/nonexistent");
		ch->n++;
		if (ch->paths[i] == NULL || ch->series[i].field == NULL)
			goto out;
	}
	rc = 0;
out:
	graph_plan_cleanup(&plan);
	cat_refs_cleanup(&refs);
	return rc;
}

struct compare *
compare_new(const struct catalog *cat, const char *dbdir, const char *service,
    char names[][ROUTE_NAME_MAX + 1], size_t n, const struct time_range *range)
{
	struct compare *c = calloc(1, sizeof(*c));
	const struct cat_host *h;
	const struct cat_service *cs;
	size_t i;

	if (c == NULL)
		return NULL;
	snprintf(c->service, sizeof(c->service), "%s", service);
	c->range = *range;
	for (i = 0; n == 0 && i < catalog_count((struct catalog *)cat) &&
		    c->nhosts < COMPARE_MAX_HOSTS;
	     i++) {
		h = catalog_at((struct catalog *)cat, i);
		cs = cat_host_service(h, service);
		if (cs == NULL || !graph_drawn(&cs->svc))
			continue;
		c->hosts[c->nhosts].found = true;
		snprintf(c->hosts[c->nhosts].name,
		    sizeof(c->hosts[c->nhosts].name), "%s", h->name);
		if (host_paths(&c->hosts[c->nhosts++], cat, dbdir, h, cs) ==
		    -1) {
			compare_free(c);
			return NULL;
		}
	}
	for (i = 0; i < n && i < COMPARE_MAX_HOSTS; i++) {
		struct compare_host *ch = &c->hosts[c->nhosts++];

		snprintf(ch->name, sizeof(ch->name), "%s", names[i]);
		h = catalog_find((struct catalog *)cat, names[i]);
		cs = h != NULL ? cat_host_service(h, service) : NULL;
		if (cs == NULL || !graph_drawn(&cs->svc))
			continue;
		ch->found = true;
		if (host_paths(ch, cat, dbdir, h, cs) == -1) {
			compare_free(c);
			return NULL;
		}
	}
	return c;
}

void
compare_fetch(struct compare *c)
{
	size_t k, j;

	for (k = 0; k < c->nhosts; k++)
		for (j = 0; j < c->hosts[k].n; j++)
			series_fetch(&c->hosts[k].series[j],
			    c->hosts[k].paths[j], "AVERAGE", c->range.start,
			    c->range.end, 0, COMPARE_MAX_ROWS);
}

void
compare_free(struct compare *c)
{
	size_t k, j;

	if (c == NULL)
		return;
	for (k = 0; k < c->nhosts; k++) {
		struct compare_host *ch = &c->hosts[k];

		for (j = 0; j < ch->n; j++) {
			free(ch->paths[j]);
			free(ch->series[j].field);
			free(ch->series[j].values);
			free(ch->series[j].error);
		}
		free(ch->paths);
		free(ch->series);
	}
	free(c);
}

/* Whether field i is drawn below zero: another field's "negative". */
static bool
is_negative(const struct cat_service *cs, size_t i)
{
	const char *neg;
	size_t j;

	for (j = 0; j < cs->svc.nfields; j++) {
		neg = attrs_get(&cs->svc.fields[j].attrs, "negative");
		if (j != i && neg != NULL &&
		    strcmp(neg, cs->svc.fields[i].name) == 0)
			return true;
	}
	return false;
}

bool
compare_scale(const struct cat_service *cs, const struct api_series *s,
    size_t n, double *lo, double *hi)
{
	const char *draw, *g;
	double v, stack;
	size_t i, row, rows = 0;
	bool known = false, neg;

	for (i = 0; i < n && i < cs->svc.nfields; i++)
		if (s[i].rows > rows)
			rows = s[i].rows;
	for (row = 0; row < rows; row++) {
		stack = 0;
		for (i = 0; i < n && i < cs->svc.nfields; i++) {
			/* munin draws a "graph no" field that another one
			 * names as its negative, below zero */
			neg = is_negative(cs, i);
			g = attrs_get(&cs->svc.fields[i].attrs, "graph");
			if (!neg && g != NULL && strcmp(g, "no") == 0)
				continue;
			v = row < s[i].rows ? field_value_row(cs, s, n, i, row)
					    : NAN;
			if (isnan(v) || isinf(v))
				continue;
			if (neg)
				v = -v;
			draw = attrs_get(&cs->svc.fields[i].attrs, "draw");
			if (draw != NULL && (strcmp(draw, "STACK") == 0 ||
						strcmp(draw, "AREASTACK") == 0))
				stack += v;
			else
				stack = v;
			*lo = fmin(*lo, stack);
			*hi = fmax(*hi, stack);
			known = true;
		}
	}
	return known;
}

void
compare_limits(bool known, double lo, double hi, double *lower, double *upper)
{
	*lower = known && lo < 0 ? lo * 1.05 : 0;
	*upper = known && hi > 0 ? hi * 1.05 : 0;
	if (*upper <= *lower)
		*upper = *lower + 1;
}
