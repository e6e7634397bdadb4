/*
 * router: the dashboard's URL space, as a pure function over the path.
 *
 *   /                              overview
 *   /health                        the collector's own state
 *   /HOST/                         a host's services
 *   /HOST/PLUGIN/                  one service: all periods, field table
 *   /HOST/PLUGIN-PERIOD.png|.svg   a graph (PERIOD: day week month year
 *                                  hour)
 *   /alerts                        current problems, recent changes
 *   /compare/PLUGIN                one service of several hosts, one
 *                                  scale (no trailing "/": a host
 *                                  called "compare" keeps its pages)
 *   /drover.css, /drover.js        the static files (web/assets.h)
 *   /api/v1/hosts[/HOST[/PLUGIN[/data]]], /api/v1/alerts, /api/v1/power
 *   /metrics                       Prometheus exposition (web/metrics.h);
 *                                  no host page, which ends in "/"
 *
 * Names are checked against strict character sets (Munin's host and
 * plugin names; dots for multigraph children) and lengths; "..", "/",
 * NUL and control characters never pass.  A name that passes is only ever
 * looked up in the catalog, never used as a path.
 */
#ifndef DROVER_ROUTER_H
#define DROVER_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "rrd/graph.h"

#define ROUTE_NAME_MAX 255 /* bytes in a host or service name */

enum route_kind {
	R_NOT_FOUND,
	R_OVERVIEW,
	R_HEALTH,
	R_HOST,
	R_SERVICE,
	R_GRAPH,
	R_API_HOSTS,
	R_API_HOST,
	R_API_SERVICE,
	R_API_DATA,
	R_ASSET, /* /drover.css, /drover.js (web/assets.h): name in service */
	R_ALERTS,
	R_API_ALERTS,
	R_BAD_REQUEST, /* a "%00" in the path (route_unescape): 400 */
	R_API_POWER,
	R_COMPARE, /* the plugin in service, no host */
	R_METRICS,
};

struct route {
	enum route_kind kind;
	char host[ROUTE_NAME_MAX + 1];
	char service[ROUTE_NAME_MAX + 1];
	enum graph_period period;
	bool svg;
};

/* Fills r from the (already percent-decoded) path; R_NOT_FOUND when the
 * path is not ours or a name is not acceptable, R_BAD_REQUEST for "". */
void router_parse(const char *path, struct route *r);
/*
 * Percent-decodes s in place as libmicrohttpd's own unescaper does (%XX
 * with two hex digits; anything else stays) and returns its new length:
 * the web server's unescape callback for the path and query arguments.
 * A "%00" would cut the string short ("/health%00x" read as /health), so
 * s then becomes "", which no request path decodes to and router_parse
 * answers R_BAD_REQUEST.
 */
size_t route_unescape(char *s);
/* True for names made of [A-Za-z0-9._-] without "..": hosts, services. */
bool route_name_ok(const char *s, unsigned long len);

#endif
