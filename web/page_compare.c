/*
 * page_compare: HTML of the compare page.  Every name goes through
 * html_escape()/html_escape_url().
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrd/graph.h"
#include "web/html.h"
#include "web/page_compare.h"
#include "web/pages.h"

static const char *
title_of(const struct cat_service *cs)
{
	const char *t = attrs_get(&cs->svc.graph, "graph_title");

	return t != NULL ? t : cs->svc.name;
}

/* Whether cs's graph has a logarithmic y axis, which a lower limit of
 * zero (compare_limits) would break. */
static bool
logarithmic(const struct cat_service *cs)
{
	const char *a = attrs_get(&cs->svc.graph, "graph_args");

	return a != NULL &&
	       (strstr(a, "--logarithmic") != NULL ||
		   strncmp(a, "-o", 2) == 0 || strstr(a, " -o") != NULL);
}

/* Whether name is one of c's hosts. */
static bool
picked(const struct compare *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++)
		if (strcmp(c->hosts[i].name, name) == 0)
			return true;
	return false;
}

/* "a,b,c": the picked hosts, for the links that keep them. */
static void
host_list(struct buf *b, const struct compare *c)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++) {
		if (i > 0)
			buf_puts(b, ",");
		html_escape_url(b, c->hosts[i].name);
	}
}

/* The range as hidden inputs of the host form, from its query. */
static void
range_inputs(struct buf *b, const char *query)
{
	char q[sizeof(((struct time_range *)0)->query)], *kv, *save, *eq;

	snprintf(q, sizeof(q), "%s", query);
	for (kv = strtok_r(q, "&", &save); kv != NULL;
	     kv = strtok_r(NULL, "&", &save)) {
		eq = strchr(kv, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		buf_puts(b, "<input type=hidden name=\"");
		html_escape(b, kv);
		buf_puts(b, "\" value=\"");
		html_escape(b, eq + 1);
		buf_puts(b, "\">");
	}
}

char *
page_compare(
    struct catalog *cat, const struct compare *c, time_t now, size_t *len)
{
	static const struct {
		const char *label, *start;
	} presets[] = {{"1 h", "-1h"}, {"6 h", "-6h"}, {"1 day", "-1d"},
	    {"1 week", "-1w"}, {"1 month", "-1mon"}, {"1 year", "-1y"}};
	const struct cat_service *first = NULL, *cs;
	const struct cat_host *h;
	struct buf b = {0};
	double lo = INFINITY, hi = -INFINITY, lower, upper;
	bool known = false;
	char lim[80];
	size_t i, shown = 0;

	(void)now;
	for (i = 0; i < c->nhosts; i++) {
		h = catalog_find(cat, c->hosts[i].name);
		cs = h != NULL ? cat_host_service(h, c->service) : NULL;
		if (cs == NULL || !c->hosts[i].found)
			continue;
		if (first == NULL)
			first = cs;
		if (compare_scale(
			cs, c->hosts[i].series, c->hosts[i].n, &lo, &hi))
			known = true;
	}
	compare_limits(known, lo, hi, &lower, &upper);
	snprintf(
	    lim, sizeof(lim), "&amp;lower=%.6g&amp;upper=%.6g", lower, upper);
	if (first != NULL && logarithmic(first))
		lim[0] = '\0';
	page_head(&b, first != NULL ? title_of(first) : c->service);
	buf_puts(&b, "<h1>");
	html_escape(&b, first != NULL ? title_of(first) : c->service);
	buf_printf(&b,
	    " on %zu hosts</h1>"
	    "<nav class=rangepick><span class=presets>last ",
	    c->nhosts);
	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		buf_puts(&b, "<a class=preset href=\"?hosts=");
		host_list(&b, c);
		buf_printf(&b, "&amp;start=%s\"%s>%s</a> ", presets[i].start,
		    strncmp(c->range.query, "start=", 6) == 0 &&
			    strcmp(c->range.query + 6, presets[i].start) == 0
			? " aria-current=true"
			: "",
		    presets[i].label);
	}
	buf_puts(&b, "</span><span class=keyhelp hidden>keys: &larr; &rarr; "
		     "pan by half the range, + &minus; (or i o) zoom in and "
		     "out, 1 2 3 4 the last day, week, month, year, ? this "
		     "help</span></nav><p class=scale>");
	page_range_dates(&b, c->range.start, c->range.end);
	if (lim[0] == '\0')
		buf_puts(&b, "; a logarithmic graph: each keeps its own scale"
			     "</p><div class=\"graphs compare\">");
	else
		buf_printf(&b,
		    "; every graph on the same y scale, %.6g to %.6g</p>"
		    "<div class=\"graphs compare\" data-lower=\"%.6g\" "
		    "data-upper=\"%.6g\">",
		    lower, upper, lower, upper);
	for (i = 0; i < c->nhosts; i++) {
		struct buf qb = {0};

		h = catalog_find(cat, c->hosts[i].name);
		cs = h != NULL ? cat_host_service(h, c->service) : NULL;
		if (cs == NULL || !c->hosts[i].found) {
			buf_puts(&b, "<p class=missing>");
			html_escape(&b, c->hosts[i].name);
			buf_puts(&b, ": no such host, or it does not draw this "
				     "service</p>");
			continue;
		}
		buf_puts(&qb, "?");
		html_escape(&qb, c->range.query);
		buf_puts(&qb, lim);
		page_graph_figure(&b, cs);
		buf_puts(&b, "<a href=\"/");
		html_escape_url(&b, h->name);
		buf_puts(&b, "/");
		html_escape_url(&b, c->service);
		buf_puts(&b, "/?");
		html_escape(&b, c->range.query);
		buf_puts(&b, "\">");
		page_graph_img(&b, h, c->service, qb.p != NULL ? qb.p : "",
		    h->name, c->range.start, c->range.end);
		buf_free(&qb);
		buf_puts(&b, "</a><figcaption>");
		html_escape(&b, h->name);
		buf_puts(&b, "</figcaption></figure>");
		shown++;
	}
	buf_printf(&b, "</div><h2>Hosts with this service</h2>"
		       "<form class=pick method=get>");
	for (i = 0; i < catalog_count(cat); i++) {
		h = catalog_at(cat, i);
		cs = cat_host_service(h, c->service);
		if (cs == NULL || !graph_drawn(&cs->svc))
			continue;
		buf_puts(&b, "<label><input type=checkbox name=hosts value=\"");
		html_escape(&b, h->name);
		buf_printf(&b, "\"%s> ", picked(c, h->name) ? " checked" : "");
		html_escape(&b, h->name);
		buf_printf(&b,
		    " <span class=\"state st-%s\">%s</span></label> ",
		    field_state_str(cat_service_state(cs, NULL)),
		    field_state_str(cat_service_state(cs, NULL)));
	}
	range_inputs(&b, c->range.query);
	buf_puts(&b, "<button>compare</button></form>");
	if (shown == 0)
		buf_puts(&b, "<p>no graphs to compare: pick hosts above</p>");
	return page_foot(&b, len);
}
