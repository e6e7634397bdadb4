/*
 * range: Munin range parsing and checking.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "range.h"

static bool
parse_num(const char *s, size_t len, double *out)
{
	char buf[64], *end;

	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	return errno == 0 && *end == '\0' && isfinite(*out);
}

bool
range_parse_munin(const char *s, struct range *r)
{
	const char *colon = strchr(s, ':');
	struct range n = {0};

	if (colon == NULL) {
		n.has_max = parse_num(s, strlen(s), &n.max);
		if (!n.has_max)
			return false;
	} else {
		if (colon > s &&
		    !(n.has_min = parse_num(s, (size_t)(colon - s), &n.min)))
			return false;
		if (colon[1] != '\0' && !(n.has_max = parse_num(colon + 1,
					      strlen(colon + 1), &n.max)))
			return false;
		if (!n.has_min && !n.has_max)
			return false;
	}
	*r = n;
	return true;
}

bool
range_alerts(const struct range *r, double v)
{
	return (r->has_min && v < r->min) || (r->has_max && v > r->max);
}

const char *
field_state_str(enum field_state s)
{
	static const char *const names[] = {
	    "OK", "WARNING", "CRITICAL", "UNKNOWN"};

	return names[s];
}

enum field_state
range_state(bool known, double v, const char *warning, const char *critical)
{
	struct range r;

	if (!known)
		return FS_UNKNOWN;
	if (critical != NULL && range_parse_munin(critical, &r) &&
	    range_alerts(&r, v))
		return FS_CRITICAL;
	if (warning != NULL && range_parse_munin(warning, &r) &&
	    range_alerts(&r, v))
		return FS_WARNING;
	return FS_OK;
}
