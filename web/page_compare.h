/*
 * page_compare: the compare page, one service of several hosts side by
 * side with the same range and the same y scale, and every host that has
 * the service to pick from.
 */
#ifndef DROVER_PAGE_COMPARE_H
#define DROVER_PAGE_COMPARE_H

#include <stddef.h>
#include <time.h>

#include "catalog/catalog.h"
#include "web/compare.h"

/*
 * The page for c after compare_fetch(), its hosts looked up in cat again
 * (one gone since is listed as not found).  The scale is computed here
 * (compare_scale, compare_limits) and passed on in each image's URL as
 * lower= and upper=, and on the images as data-lower/-upper.  Heap
 * string (free()), NULL on allocation failure.  Loop thread.
 */
char *page_compare(
    struct catalog *cat, const struct compare *c, time_t now, size_t *len);

#endif
