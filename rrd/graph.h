/*
 * graph: the rrd_graph argument vector for one Munin service, as Munin
 * 2.0.73's munin-graph (Munin::Master::GraphOld::process_service) builds
 * it, so that an operator recognises the picture.  A pure function: it
 * reads the service's config and the caller's facts (paths, times, size)
 * and touches no file.
 *
 * What munin-graph does and this does too: graph_order then the other
 * fields (in config order, as munin-update appends them to graph_order),
 * DEF/CDEF naming (a/i/g/c prefixes, names over 15 characters become the
 * last 15 hex digits of their MD5), draw LINE1/2/3, AREA, STACK (a first
 * STACK becomes LINE1), AREASTACK, LINESTACK, negative (mirrored below
 * zero, -/+ legend), cdef with field names mapped to DEF names, DERIVE/
 * COUNTER/ABSOLUTE times 60 or 3600 for graph_period minute/hour, field
 * graph no, colour and COLOURn with Munin's default palette, the warning
 * HRULE (dashed; Munin 2.0.73 draws no critical line) and field.line,
 * the same line/warning/colour/draw set once for the whole graph
 * (munin_get climbs from field to service), service-level graph no (no
 * graph at all), graph_total, the Cur/Min/Avg/Max legend with
 * graph_printf and graph_scale (padded, for a multigraph parent, to its
 * children's field names too), "\#" as "#", graph_args_after,
 * graph_future, field trend and predict, the "Last update" comment and
 * VRULE, Munin's fonts and colours, and expand_specials()
 * (rrd/graph_special.h): graph_order aliases "name=host:plugin.field",
 * FIELD.sum and FIELD.stack, whose fields read other hosts' RRD files
 * (aggregate graphs), with munin-graph's z<K>_<N> names, ADDNAN sums,
 * onlynullcdef and the --end one step earlier.  What it does not:
 * graph_sources, graph_sums' extra week/year pictures.  Compared argument
 * by argument, and picture by picture, with munin-graph for every core
 * plugin in tests/test_graph_munin_compat.sh and for aggregates in
 * tests/test_graph_aggregate.sh.
 *
 * Whose file a field reads: its own (rrd_path() of dbdir, group_path,
 * host, service, field, type) unless it is a reference.  The caller
 * resolves references (graph_refs() lists them) and passes them in
 * graph_params.sources: the web side asks the catalog
 * (catalog/cat_ref.h, munin_get_node_partialpath's search from the
 * service's groups up), tests/graph_argv does the same on a catalog made
 * from munin.conf and Munin's datafile, unit tests give a table.  No
 * file is opened here.
 *
 * Every config value is checked before it reaches the vector: graph_args
 * only through the whitelist of graph_args_parse(); colours must be hex;
 * warning/line values must be numbers; cdef only names, numbers and RPN
 * operators; graph_printf one numeric conversion (the checks are
 * graph_check.h's).  Labels are escaped.
 */
#ifndef DROVER_GRAPH_H
#define DROVER_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "plugins/sample.h"
#include "lib/strlist.h"
#include "rrd/graph_check.h"   /* graph_args_parse() */
#include "rrd/graph_special.h" /* graph_source */

enum graph_format { GRAPH_PNG, GRAPH_SVG };

/*
 * Munin's four periods, drover's last hour (a young host's first look:
 * Munin has none), and any start/end (munin-graph's "pinpoint").
 */
enum graph_period {
	GRAPH_DAY,
	GRAPH_WEEK,
	GRAPH_MONTH,
	GRAPH_YEAR,
	GRAPH_HOUR,
	GRAPH_CUSTOM
};

/* "day", "week", "month", "year", "hour", "custom". */
const char *graph_period_str(enum graph_period p);
/* Parses the names above (not "custom"); false if none. */
bool graph_period_parse(const char *s, enum graph_period *out);

/*
 * munin-graph's range for a named period at now (epoch seconds): start =
 * now - 2000 min / 12000 min / 48000 min / 400 d (400 pixels of the
 * period's RRA), end = now rounded down to the period's resolution (300,
 * 1500, 7200, 86400 s); the hour: now - 60 min to now (its picture is
 * drawn once per new sample, so its right edge is the last poll's; its
 * resolution for graph_future and predict is 60 s).  Returns 0, or -1
 * (EINVAL) for GRAPH_CUSTOM.
 */
int graph_period_range(
    enum graph_period p, time_t now, time_t *start, time_t *end);

struct graph_params {
	const char *dbdir;	/* trusted, as for rrd_path() */
	const char *group_path; /* the group chain, "a;b" or "a/b" */
	const char *host;
	enum graph_period period; /* title "- by day" or "from .. to .." */
	time_t start, end;	  /* epoch seconds, start < end */
	time_t now;		  /* epoch seconds; staleness of "Cur" */
	/*
	 * Last update (epoch seconds) of each field's file, indexed like
	 * svc->fields, 0 for unknown; NULL when the caller does not know.
	 * A field more than 900 s behind now shows "nan" as Cur (Munin's
	 * POP,UNKN); the newest gives the VRULE and the "Last update"
	 * comment, which are left out when NULL or all 0.
	 */
	const time_t *field_last;
	unsigned width, height;	  /* pixels; 0: graph_width/height or 400/175 */
	enum graph_format format; /* --imgformat PNG / SVG */
	const char *watermark;	  /* -W text ("Munin 2.0.73"), NULL: none */
	const char *daemon;	  /* rrdcached address for --daemon, or NULL */
	/*
	 * The references of the service's config (graph_refs(): graph_order
	 * aliases, .sum and .stack entries) as the caller resolved them:
	 * each names another field's RRD file, type and last update.  NULL
	 * / 0 when there are none; an unresolved reference leaves its
	 * field out, as munin-graph does.
	 */
	const struct graph_source *sources;
	size_t nsources;
	/*
	 * The longest name of a labelled field of the service's multigraph
	 * children (services "NAME.*", any depth) that is no field of its
	 * own, or 0: munin-graph's label width counts those names
	 * (munin_get_field_order searches the whole subtree), so a
	 * parent's legend is padded to them.  graph_sub_name_len().
	 */
	size_t sub_name_len;
	/*
	 * A fixed y scale (the compare page's, one for several hosts):
	 * --lower-limit lower --upper-limit upper --rigid after graph_args,
	 * which they override.  Only when limits; finite, lower < upper.
	 */
	bool limits;
	double lower, upper;
};

/*
 * The sub_name_len of graph_params for svc given sub, one of its
 * multigraph children (call for each, keeping the largest).
 */
size_t graph_sub_name_len(const struct service *svc, const struct service *sub);

/*
 * false when the service says "graph no" (munin_get_bool: no, false,
 * off, disable(d), 0): munin-graph draws nothing for it (skip_service)
 * and munin-html gives it no page and leaves it out of the host's list
 * and its state.
 */
bool graph_drawn(const struct service *svc);

/*
 * Appends to out the argument vector for rrd_graph_v(out->n, out->v):
 * "graph", "-" (image returned in memory, the info key "image"), then
 * munin-graph's arguments in munin-graph's order (the picture file name
 * replaced by "-", --lazy left out, --start/--end as epoch seconds).
 * Times are formatted in the local time zone as Munin does.
 * Returns 0, or -1 with errno EINVAL (and a one-line reason in err, size
 * errlen) when the config is refused (a graph_args option off the
 * whitelist, a bad cdef or graph_printf, a service without fields to
 * draw, a name rrd_path() refuses), ENOENT for a service that is not
 * graph_drawn(), ENOMEM, or ENOSYS (libcrypto
 * refuses MD5, needed for names over 15 characters).  On -1 out may hold a
 * partial vector: clean it.
 */
int graph_build(struct strlist *out, const struct service *svc,
    const struct graph_params *p, char *err, size_t errlen);

#endif
