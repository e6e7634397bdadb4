/*
 * range: warning/critical ranges, Munin's and Nagios's, never confused.
 *
 * Munin (munin-limits 2.0.73, get_limits): "min:max", ":max", "min:",
 * a bare number is a max; sides are made of [-+0-9.] only and read like
 * Perl numbers; any other text becomes 0:0 (alerts on every non-zero
 * value); ":" alone has no bounds.  A value alerts when below min or
 * above max.
 *
 * Nagios (plugin guidelines): "10" = 0:10, "10:" = 10:inf, "~:10" =
 * -inf:10, "10:20", and "@" in front inverts: alert inside, ends included.
 * Without "@" a value alerts when outside; ends are inside.  Nagios text
 * that does not parse is rejected (a config error), unlike Munin's.
 */
#ifndef DROVER_RANGE_H
#define DROVER_RANGE_H

#include <stdbool.h>

struct range {
	double min;
	double max;
	bool has_min;
	bool has_max;
	bool inside; /* Nagios "@": alert inside [min, max] */
};

/* Munin's reading of s; always succeeds, as munin-limits does. */
void range_parse_munin(const char *s, struct range *r);
/* Nagios's reading of s; false (and *r untouched) if s is not a range. */
bool range_parse_nagios(const char *s, struct range *r);
/* True when v alerts against r. */
bool range_alerts(const struct range *r, double v);
/* How far v lies inside r's good side (>= 0 when not alerting): the
 * distance to the nearest bound, used for hysteresis. */
double range_margin(const struct range *r, double v);

/* A field's state from its value and warning/critical attributes. */
enum field_state { FS_OK, FS_WARNING, FS_CRITICAL, FS_UNKNOWN };

const char *field_state_str(enum field_state s);
/* The state field_state_str() spells s; false (and *out untouched) if
 * none. */
bool field_state_parse(const char *s, enum field_state *out);
/* State of value v (unknown when !known) against Munin warning/critical
 * texts (NULL when unset). */
enum field_state range_state(
    bool known, double v, const char *warning, const char *critical);

#endif
