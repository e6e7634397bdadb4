/*
 * compare: one service ("plugin") of several hosts over one range, on
 * one y scale, for the compare page (web/page_compare.h).
 *
 * compare_new() runs on the loop and takes the RRD files of each picked
 * host's fields from the catalog (as the data API does: an aggregate's
 * alias reads the other host's file); compare_fetch() runs on a pool
 * thread and touches nothing but the compare; the page is built back on
 * the loop, again from the catalog, with compare_scale() over the data.
 */
#ifndef DROVER_COMPARE_H
#define DROVER_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog/catalog.h"
#include "web/api.h"
#include "web/router.h"
#include "web/time_arg.h"

#define COMPARE_MAX_HOSTS 24	/* graphs on one page */
#define COMPARE_MAX_ROWS 100000 /* rows per field read for the scale */

struct compare_host {
	char name[ROUTE_NAME_MAX + 1];
	bool found;   /* the host has the service (else only named) */
	size_t n;     /* fields */
	char **paths; /* n RRD files */
	struct api_series *series; /* n, filled by compare_fetch() */
};

struct compare {
	char service[ROUTE_NAME_MAX + 1];
	struct time_range range;
	size_t nhosts;
	struct compare_host hosts[COMPARE_MAX_HOSTS];
};

/*
 * The host names of a hosts= list ("a,b,c", commas or repeated
 * arguments already joined by commas) into names (room for
 * COMPARE_MAX_HOSTS), duplicates dropped, in order; *n of them.  0, or
 * -1 with a reason in err for a name route_name_ok() refuses or too
 * many names.  An empty list gives 0 names.
 */
int compare_parse_hosts(const char *list, char names[][ROUTE_NAME_MAX + 1],
    size_t *n, char *err, size_t errlen);

/*
 * A compare of service for names[0..n) over range, each host's files
 * under dbdir; names without the host or service are kept, not found;
 * n 0: every host that draws it (catalog order, COMPARE_MAX_HOSTS).
 * NULL on allocation failure.  Loop thread.
 */
struct compare *compare_new(const struct catalog *cat, const char *dbdir,
    const char *service, char names[][ROUTE_NAME_MAX + 1], size_t n,
    const struct time_range *range);
/* Reads every file (AVERAGE, the finest archive that covers the range,
 * as the graph draws it); any thread. */
void compare_fetch(struct compare *c);
void compare_free(struct compare *c);

/*
 * Widens [*lo, *hi] (start from INFINITY, -INFINITY) to what cs's graph draws
 * of the series s[0..n) (s[i] field i's, in the graph's units by
 * web/field_value.h): a STACK or AREASTACK field on top of the one before,
 * a field another one names as its negative below zero (even when "graph
 * no", as munin draws it), other "graph no" fields left out.  Returns
 * whether any value was known.  Pure.
 */
bool compare_scale(const struct cat_service *cs, const struct api_series *s,
    size_t n, double *lo, double *hi);
/*
 * The common limits of what compare_scale() found (known: any value):
 * zero included, 5 % room above (and below a negative minimum), [0, 1]
 * for nothing or only zeros.
 */
void compare_limits(
    bool known, double lo, double hi, double *lower, double *upper);

#endif
