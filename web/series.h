/*
 * series: one RRD file's rows over a range, read into an api_series
 * (web/api.h) for the data API and the compare page's scale.  Blocking
 * (librrd reads the file): call it from a worker, never the loop.
 */
#ifndef DROVER_SERIES_H
#define DROVER_SERIES_H

#include <time.h>

#include "web/api.h"

/*
 * Fills s (its field is the caller's) with path's cf rows from start to
 * end at step seconds (0: the finest archive over the range), at most
 * max_rows of them; on failure s->error says why (librrd's message) and
 * s holds no rows.
 */
void series_fetch(struct api_series *s, const char *path, const char *cf,
    time_t start, time_t end, unsigned long step, unsigned long max_rows);

#endif
