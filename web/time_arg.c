/*
 * time_arg: parse and format start=/end= values.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/time_arg.h"

static const struct {
	const char *name;
	long secs;
} units[] = {{"y", 31536000}, {"mon", 2592000}, {"w", 604800}, {"d", 86400},
    {"h", 3600}, {"min", 60}, {"m", 60}, {"s", 1}};

#define NUNITS (sizeof(units) / sizeof(units[0]))

/* A count of digits only (no sign, no space) into *out; -1 otherwise. */
static int
digits(const char *s, size_t len, long *out)
{
	char tmp[24], *end;

	if (len == 0 || len >= sizeof(tmp) || strspn(s, "0123456789") < len)
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	errno = 0;
	*out = strtol(tmp, &end, 10);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

int
time_arg_parse(const char *s, time_t now, time_t *out, bool *rel)
{
	size_t len = strlen(s), n, i, ul;
	long v, secs = 1;

	*rel = false;
	if (strcmp(s, "now") == 0) {
		*rel = true;
		*out = now;
		return 0;
	}
	if (strncmp(s, "now-", 4) == 0) {
		s += 3;
		len -= 3;
	}
	if (s[0] != '-') {
		if (digits(s, len, &v) == -1 || v > TIME_ARG_MAX)
			return -1;
		*out = (time_t)v;
		return 0;
	}
	s++;
	len--;
	n = strspn(s, "0123456789");
	if (n < len) {
		for (i = 0; i < NUNITS; i++) {
			ul = strlen(units[i].name);
			if (len - n == ul &&
			    memcmp(s + n, units[i].name, ul) == 0)
				break;
		}
		if (i == NUNITS)
			return -1;
		secs = units[i].secs;
	}
	if (digits(s, n, &v) == -1 || v > TIME_ARG_MAX / secs ||
	    v * secs > (long)now)
		return -1;
	*rel = true;
	*out = now - (time_t)(v * secs);
	return 0;
}

void
time_arg_relative(char *out, size_t len, long secs)
{
	size_t i;

	for (i = 0; i < NUNITS; i++)
		if (secs > 0 && secs % units[i].secs == 0 &&
		    strcmp(units[i].name, "min") != 0)
			break;
	if (i == NUNITS || units[i].secs == 1)
		snprintf(out, len, "-%ld", secs);
	else
		snprintf(
		    out, len, "-%ld%s", secs / units[i].secs, units[i].name);
}

int
time_range_parse(const char *start, const char *end, time_t now,
    struct time_range *r, char *err, size_t errlen)
{
	time_t s, e = now;
	bool srel, erel = true;
	char a[24], b[24];

	if (start == NULL && end == NULL)
		return 0;
	if (start == NULL) {
		snprintf(err, errlen, "end= needs a start= too");
		return -1;
	}
	if (time_arg_parse(start, now, &s, &srel) == -1 ||
	    (end != NULL && time_arg_parse(end, now, &e, &erel) == -1)) {
		snprintf(err, errlen,
		    "start and end must be epoch seconds, \"now\" or before "
		    "now such as -3600, -90m, -6h, -1d, -2w, -1mon, -1y");
		return -1;
	}
	if (s >= e) {
		snprintf(err, errlen, "start must be before end");
		return -1;
	}
	r->start = s;
	r->end = e;
	r->relative = srel && erel;
	if (srel)
		time_arg_relative(a, sizeof(a), (long)(now - s));
	else
		snprintf(a, sizeof(a), "%lld", (long long)s);
	if (erel && e == now)
		b[0] = '\0';
	else if (erel)
		time_arg_relative(b, sizeof(b), (long)(now - e));
	else
		snprintf(b, sizeof(b), "%lld", (long long)e);
	snprintf(r->query, sizeof(r->query), "start=%s%s%s", a,
	    b[0] != '\0' ? "&end=" : "", b);
	return 1;
}
