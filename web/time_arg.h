/*
 * time_arg: the start= and end= of a dashboard URL, as a pure function
 * of the text and the request's "now".
 *
 * A value is one of
 *   1733140800        epoch seconds (0 .. TIME_ARG_MAX)
 *   now               the request's time
 *   -3600, -90m       before now: a count and a unit, s (the default),
 *   -6h, -1d, -2w     m or min, h, d, w, mon (30 d) or y (365 d);
 *   -1mon, -1y        "now-6h" says the same as "-6h"
 * A relative value is resolved when the request arrives, so a bookmark
 * of ?start=-6h is "the last 6 h" whenever it is loaded.  end defaults
 * to now when only start is given; end without start is refused.
 */
#ifndef DROVER_TIME_ARG_H
#define DROVER_TIME_ARG_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#define TIME_ARG_MAX 4102444800L /* epoch s: 2100-01-01 */

/* A range a request asked for. */
struct time_range {
	time_t start, end; /* epoch s, start < end, resolved at now */
	bool relative;	   /* both ends follow now (end now or relative) */
	/* the URL form to pass on ("start=-6h", "start=1&end=2"): relative
	 * values kept relative, in their shortest unit; only [-0-9a-z&=] */
	char query[64];
};

/*
 * One value at now into *out (epoch s); *rel says whether it was
 * relative (or "now").  Returns 0, or -1 when s is not one of the forms
 * above or falls outside 0 .. TIME_ARG_MAX.
 */
int time_arg_parse(const char *s, time_t now, time_t *out, bool *rel);

/*
 * start and end (either NULL when not given) at now into *r.  Returns 1
 * for a range, 0 when neither is given (*r untouched), -1 with a
 * one-line reason in err (size errlen) for a bad value, an end without a
 * start, or a start not before the end.
 */
int time_range_parse(const char *start, const char *end, time_t now,
    struct time_range *r, char *err, size_t errlen);

/* The relative form of secs before now ("-6h", "-90m", "-3601"). */
void time_arg_relative(char *out, size_t len, long secs);

#endif
