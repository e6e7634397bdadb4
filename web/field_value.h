/*
 * field_value: the numbers of a service page's field table in the units
 * its graph shows (GraphOld::process_service): a DERIVE or COUNTER as a
 * rate, not the raw counter; any counter type times 60 or 3600 when
 * graph_period is minute or hour; then the field's cdef
 * (rrd/cdef_eval.h), whose other field names stand for those fields'
 * values treated the same way (before their own cdef).  Pure; loop
 * thread.
 */
#ifndef DROVER_FIELD_VALUE_H
#define DROVER_FIELD_VALUE_H

#include <stddef.h>

#include "catalog/catalog.h"
#include "web/api.h"

/*
 * Field i's current value: a GAUGE as received; a DERIVE or COUNTER as
 * (value - previous) / seconds between the last two polls (NaN with no
 * previous value, a COUNTER going back, or a rate outside the field's
 * min/max, which RRD would store as unknown); an ABSOLUTE as value /
 * seconds.  NaN when unknown or when the cdef cannot be evaluated.
 */
double field_value_now(const struct cat_service *cs, size_t i);

/*
 * Row row of field i's fetched series (s[0..n), s[j] the series of
 * cs->svc.fields[j], rates already for counters) in the graph's units:
 * the period factor and the cdef over the other series' same row.
 */
double field_value_row(const struct cat_service *cs, const struct api_series *s,
    size_t n, size_t i, size_t row);

#endif
