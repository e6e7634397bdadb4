/*
 * graph_check: what a service's config may put into an rrd_graph
 * argument vector.  graph.c builds the vector; every config value passes
 * one of these first, because the config comes from munin-nodes and
 * rrd_graph obeys any option, file name or RPN it is handed.  Pure
 * functions over strings; any thread.
 */
#ifndef DROVER_GRAPH_CHECK_H
#define DROVER_GRAPH_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strlist.h"

/*
 * Splits graph_args as munin-graph does (Text::ParseWords, white space,
 * quotes and backslashes) and appends the tokens to out when every option
 * is on the whitelist: --base 1000|1024, -l/--lower-limit N,
 * -u/--upper-limit N, -r/--rigid, -o/--logarithmic, -X/--units-exponent
 * INT, -L/--units-length INT, -A/--alt-autoscale, -J/--alt-autoscale-min,
 * -M/--alt-autoscale-max, -Y/--alt-y-grid, -N/--no-gridfit, --units=si,
 * --y-grid STEP:LABELS, -v/--vertical-label TEXT; long options also as
 * --opt=VALUE and short ones as -lVALUE.  Values must be finite numbers
 * (integers where said; a TEXT anything).  Tokens are passed on as
 * written.  Returns 0, or -1 with errno EINVAL and the reason in err (out
 * unchanged in count on failure).
 */
int graph_args_parse(
    const char *args, struct strlist *out, char *err, size_t errlen);

/* A finite number as strtod reads it, nothing before or after. */
bool graph_number_ok(const char *s);
/* An integer between -999 and 999 (an exponent, a length, pixels). */
bool graph_int_ok(const char *s);
/* An rrdtool colour: 6 or 8 hex digits, no '#'. */
bool graph_colour_ok(const char *s);
/* A Munin cdef: comma-separated names, numbers and + - * / % only. */
bool graph_cdef_ok(const char *s);
/*
 * A graph_printf: one numeric conversion ("%[flags][width][.prec][l]f|e|g")
 * plus any number of "%%", "%s", "%S".
 */
bool graph_printf_ok(const char *s);

/* Munin's munin_get_bool: yes/true/on/enable(d), no/false/off/disable(d)
 * in any case, digits as their number; NULL or anything else dflt. */
bool graph_bool(const char *v, bool dflt);

#endif
