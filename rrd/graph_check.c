/*
 * graph_check: the whitelist and value checks of graph_check.h.  The
 * graph_args splitter follows Text::ParseWords so that a graph_args line
 * munin-graph accepts splits the same way here.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rrd/graph_check.h"

/* ---- values ------------------------------------------------------------- */

bool
graph_number_ok(const char *s)
{
	char *end;
	double d;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	d = strtod(s, &end);
	return *end == '\0' && errno == 0 && isfinite(d);
}

bool
graph_int_ok(const char *s)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	return *end == '\0' && errno == 0 && v > -1000 && v < 1000;
}

bool
graph_colour_ok(const char *s)
{
	size_t n = strspn(s, "0123456789abcdefABCDEF");

	return s[n] == '\0' && (n == 6 || n == 8);
}

/* ---- graph_args --------------------------------------------------------- */

/* V_TEXT: any text (one argv element, never a shell word; rrdtool only
 * prints it). */
enum argval { V_NONE, V_NUM, V_INT, V_BASE, V_SI, V_GRID, V_TEXT };

static const struct {
	char shortopt; /* 0: long only */
	const char *longopt;
	enum argval val;
} arg_whitelist[] = {
    {'A', "alt-autoscale", V_NONE},
    {'J', "alt-autoscale-min", V_NONE},
    {'M', "alt-autoscale-max", V_NONE},
    {'Y', "alt-y-grid", V_NONE},
    {0, "base", V_BASE},
    {'o', "logarithmic", V_NONE},
    {'l', "lower-limit", V_NUM},
    {'N', "no-gridfit", V_NONE},
    {'r', "rigid", V_NONE},
    {0, "units", V_SI},
    {'X', "units-exponent", V_INT},
    {'L', "units-length", V_INT},
    {'u', "upper-limit", V_NUM},
    {'v', "vertical-label", V_TEXT}, /* ntp_, ps_, psu_ set it here */
    {'y', "y-grid", V_GRID},
};
#define NWHITELIST (sizeof(arg_whitelist) / sizeof(arg_whitelist[0]))

static bool
value_ok(enum argval v, const char *s)
{
	const char *colon;
	char step[64];

	switch (v) {
	case V_NONE:
		return false;
	case V_NUM:
		return graph_number_ok(s);
	case V_INT:
		return graph_int_ok(s);
	case V_BASE:
		return strcmp(s, "1000") == 0 || strcmp(s, "1024") == 0;
	case V_SI:
		return strcmp(s, "si") == 0;
	case V_TEXT:
		return true;
	case V_GRID:
		/* "none" or STEP:LABEL_FACTOR */
		if (strcmp(s, "none") == 0)
			return true;
		colon = strchr(s, ':');
		if (colon == NULL || (size_t)(colon - s) >= sizeof(step))
			return false;
		memcpy(step, s, (size_t)(colon - s));
		step[colon - s] = '\0';
		return graph_number_ok(step) && graph_int_ok(colon + 1);
	}
	return false;
}

/* Text::ParseWords::quotewords('\s+', 0, s): quotes and backslashes. */
static int
split_words(const char *s, struct strlist *out, char *err, size_t errlen)
{
	char *buf, *o;
	bool in_word = false;
	char q = 0;
	int rc = -1;

	buf = malloc(strlen(s) + 1);
	if (buf == NULL)
		return -1;
	o = buf;
	for (;; s++) {
		if (*s == '\0' || (q == 0 && isspace((unsigned char)*s))) {
			if (q != 0) {
				snprintf(err, errlen,
				    "graph_args: unbalanced quote");
				errno = EINVAL;
				goto out;
			}
			if (in_word) {
				*o = '\0';
				if (buf[0] != '\0' &&
				    strlist_add(out, buf) == -1)
					goto out;
				o = buf;
				in_word = false;
			}
			if (*s == '\0')
				break;
			continue;
		}
		in_word = true;
		if (*s == '\\' && s[1] != '\0' && q != '\'') {
			*o++ = *++s;
		} else if (q == 0 && (*s == '"' || *s == '\'')) {
			q = *s;
		} else if (q != 0 && *s == q) {
			q = 0;
		} else {
			*o++ = *s;
		}
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

int
graph_args_parse(
    const char *args, struct strlist *out, char *err, size_t errlen)
{
	struct strlist w = {0};
	const char *t, *eq, *val;
	size_t i, k, start = out->n, nlen;
	int rc = -1;

	if (split_words(args, &w, err, errlen) == -1)
		goto out;
	for (i = 0; i < w.n; i++) {
		t = w.v[i];
		val = NULL;
		for (k = 0; k < NWHITELIST; k++) {
			if (t[0] != '-')
				break;
			if (t[1] == '-') {
				eq = strchr(t + 2, '=');
				nlen =
				    eq ? (size_t)(eq - t - 2) : strlen(t + 2);
				if (strlen(arg_whitelist[k].longopt) != nlen ||
				    strncmp(t + 2, arg_whitelist[k].longopt,
					nlen) != 0)
					continue;
				val = eq ? eq + 1 : NULL;
				break;
			}
			if (arg_whitelist[k].shortopt != 0 &&
			    t[1] == arg_whitelist[k].shortopt) {
				val = t[2] != '\0' ? t + 2 : NULL;
				break;
			}
		}
		if (k == NWHITELIST || t[0] != '-') {
			snprintf(err, errlen,
			    "graph_args: \"%.64s\" is not an allowed option",
			    t);
			errno = EINVAL;
			goto out;
		}
		if (arg_whitelist[k].val == V_NONE) {
			if (val != NULL) {
				snprintf(err, errlen,
				    "graph_args: %.64s takes no value", t);
				errno = EINVAL;
				goto out;
			}
			if (strlist_add(out, t) == -1)
				goto out;
			continue;
		}
		if (val == NULL) {
			if (i + 1 == w.n) {
				snprintf(err, errlen,
				    "graph_args: %.64s needs a value", t);
				errno = EINVAL;
				goto out;
			}
			val = w.v[i + 1];
			if (!value_ok(arg_whitelist[k].val, val))
				goto badval;
			if (strlist_add(out, t) == -1 ||
			    strlist_add(out, val) == -1)
				goto out;
			i++;
			continue;
		}
		if (!value_ok(arg_whitelist[k].val, val))
			goto badval;
		if (strlist_add(out, t) == -1)
			goto out;
	}
	rc = 0;
	goto out;
badval:
	snprintf(
	    err, errlen, "graph_args: bad value \"%.32s\" for %.32s", val, t);
	errno = EINVAL;
out:
	if (rc == -1)
		while (out->n > start)
			free(out->v[--out->n]);
	strlist_cleanup(&w);
	return rc;
}

/* ---- cdef and graph_printf --------------------------------------------- */

bool
graph_cdef_ok(const char *s)
{
	const char *tok = s, *end;
	size_t n;

	if (*s == '\0')
		return false;
	for (;;) {
		end = strchr(tok, ',');
		n = end ? (size_t)(end - tok) : strlen(tok);
		if (n == 0)
			return false;
		if (n == 1 && strchr("+-*/%", tok[0]) != NULL)
			;
		else if (isalpha((unsigned char)tok[0]) || tok[0] == '_') {
			if (strspn(tok,
				"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklm"
				"nopqrstuvwxyz0123456789_") < n)
				return false;
		} else if (strspn(tok, "0123456789.eE+-") < n)
			return false;
		if (end == NULL)
			return true;
		tok = end + 1;
	}
}

bool
graph_printf_ok(const char *s)
{
	int numeric = 0;

	while ((s = strchr(s, '%')) != NULL) {
		s++;
		if (*s == '%' || *s == 's' || *s == 'S') {
			s++;
			continue;
		}
		s += strspn(s, "-+ 0#");
		s += strspn(s, "0123456789");
		if (*s == '.') {
			s++;
			s += strspn(s, "0123456789");
		}
		if (*s == 'l')
			s++;
		if (*s != 'f' && *s != 'e' && *s != 'g')
			return false;
		s++;
		numeric++;
	}
	return numeric == 1;
}

/* Munin's munin_get_bool: yes/true/on/enable(d) and no/false/off/
 * disable(d) in any case, digits as their number; anything else dflt. */
bool
graph_bool(const char *v, bool dflt)
{
	static const char *const yes[] = {
	    "yes", "true", "on", "enable", "enabled"};
	static const char *const no[] = {
	    "no", "false", "off", "disable", "disabled"};
	size_t i;

	if (v == NULL)
		return dflt;
	for (i = 0; i < 5; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return true;
		if (strcasecmp(v, no[i]) == 0)
			return false;
	}
	if (strspn(v, "0123456789") == strlen(v)) /* Perl: !~ /\D/ */
		return strspn(v, "0") != strlen(v);
	return dflt;
}
