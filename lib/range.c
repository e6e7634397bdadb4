/*
 * range: Munin and Nagios range parsing and checking.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lib/range.h"

/* Perl's numeric reading of a [-+0-9.]* string: the longest number at
 * its start, 0 when there is none. */
static double
perl_num(const char *s, size_t len)
{
	char buf[64];
	double v;

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	v = strtod(buf, NULL);
	return isfinite(v) ? v : 0;
}

static bool
munin_chars(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '+' && s[i] != '.')
			return false;
	return true;
}

void
range_parse_munin(const char *s, struct range *r)
{
	const char *b = s, *e = s + strlen(s), *colon;

	memset(r, 0, sizeof(*r));
	while (b < e && isspace((unsigned char)*b))
		b++;
	while (e > b && isspace((unsigned char)e[-1]))
		e--;
	colon = memchr(b, ':', (size_t)(e - b));
	if (colon != NULL && munin_chars(b, (size_t)(colon - b)) &&
	    munin_chars(colon + 1, (size_t)(e - colon - 1))) {
		if (colon > b) {
			r->has_min = true;
			r->min = perl_num(b, (size_t)(colon - b));
		}
		if (e > colon + 1) {
			r->has_max = true;
			r->max = perl_num(colon + 1, (size_t)(e - colon - 1));
		}
		return;
	}
	if (e > b && colon == NULL && munin_chars(b, (size_t)(e - b))) {
		r->has_max = true;
		r->max = perl_num(b, (size_t)(e - b));
		return;
	}
	/* anything else: Munin's [0, 0] */
	r->has_min = r->has_max = true;
}

static bool
nagios_num(const char *s, size_t len, double *out)
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
range_parse_nagios(const char *s, struct range *r)
{
	struct range n = {0};
	const char *colon;

	if (*s == '@') {
		n.inside = true;
		s++;
	}
	colon = strchr(s, ':');
	if (colon == NULL) {
		/* "10" means 0:10 */
		if (!nagios_num(s, strlen(s), &n.max))
			return false;
		n.has_min = n.has_max = true;
	} else {
		if (colon - s == 1 && s[0] == '~')
			n.has_min = false;
		else if (!(n.has_min =
				 nagios_num(s, (size_t)(colon - s), &n.min)))
			return false;
		if (colon[1] != '\0' && !(n.has_max = nagios_num(colon + 1,
					      strlen(colon + 1), &n.max)))
			return false;
	}
	if (n.has_min && n.has_max && n.min > n.max)
		return false;
	*r = n;
	return true;
}

bool
range_alerts(const struct range *r, double v)
{
	bool outside = (r->has_min && v < r->min) || (r->has_max && v > r->max);

	return r->inside ? !outside : outside;
}

double
range_margin(const struct range *r, double v)
{
	double lo = r->has_min ? v - r->min : INFINITY;
	double hi = r->has_max ? r->max - v : INFINITY;
	double m = lo < hi ? lo : hi;

	if (r->inside)
		return -m;
	return m;
}

const char *
field_state_str(enum field_state s)
{
	static const char *const names[] = {
	    "OK", "WARNING", "CRITICAL", "UNKNOWN"};

	return names[s];
}

bool
field_state_parse(const char *s, enum field_state *out)
{
	int i;

	for (i = FS_OK; i <= FS_UNKNOWN; i++)
		if (strcmp(s, field_state_str((enum field_state)i)) == 0) {
			*out = (enum field_state)i;
			return true;
		}
	return false;
}

enum field_state
range_state(bool known, double v, const char *warning, const char *critical)
{
	struct range r;

	if (!known)
		return FS_UNKNOWN;
	if (critical != NULL) {
		range_parse_munin(critical, &r);
		if (range_alerts(&r, v))
			return FS_CRITICAL;
	}
	if (warning != NULL) {
		range_parse_munin(warning, &r);
		if (range_alerts(&r, v))
			return FS_WARNING;
	}
	return FS_OK;
}
