/*
 * range: Munin's warning/critical ranges.
 *
 * Munin (munin-limits) reads "min:max", ":max", "min:" and a bare "max";
 * a value outside [min, max] is a problem.  Nagios ranges ("10", "@10:20",
 * "~:10") read differently and belong to the alerts module; this one
 * speaks Munin only.
 */
#ifndef DROVER_RANGE_H
#define DROVER_RANGE_H

#include <stdbool.h>

struct range {
	bool has_min;
	bool has_max;
	double min;
	double max;
};

/* Parses a Munin range; false on anything else (then *r is untouched). */
bool range_parse_munin(const char *s, struct range *r);
/* True when v lies outside r (the value should alert). */
bool range_alerts(const struct range *r, double v);

/* A field's state from its value and warning/critical attributes. */
enum field_state { FS_OK, FS_WARNING, FS_CRITICAL, FS_UNKNOWN };

const char *field_state_str(enum field_state s);
/* State of value v (unknown when !known) against warning/critical texts
 * (NULL when unset; unparsable ones are ignored). */
enum field_state range_state(
    bool known, double v, const char *warning, const char *critical);

#endif
