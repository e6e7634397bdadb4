/*
 * router: split the path into at most three segments and match them.
 */
#include "config.h"

#include <string.h>

#include "web/assets.h"
#include "web/router.h"

bool
route_name_ok(const char *s, unsigned long len)
{
	unsigned long i;

	if (len == 0 || len > ROUTE_NAME_MAX || s[0] == '.' || s[0] == '-')
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			(c >= '0' && c <= '9') || c == '.' || c == '_' ||
			c == '-'))
			return false;
		if (c == '.' && i + 1 < len && s[i + 1] == '.')
			return false;
	}
	return true;
}

static bool
copy_name(char *dst, const char *s, size_t len)
{
	if (!route_name_ok(s, len))
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/* "PLUGIN-PERIOD.png" into r; false when it is not a graph name. */
static bool
parse_graph(const char *s, size_t len, struct route *r)
{
	const char *dash, *dot;
	char name[16];

	if (len > 4 && memcmp(s + len - 4, ".png", 4) == 0)
		r->svg = false;
	else if (len > 4 && memcmp(s + len - 4, ".svg", 4) == 0)
		r->svg = true;
	else
		return false;
	dot = s + len - 4;
	for (dash = dot - 1; dash > s && *dash != '-'; dash--)
		;
	if (dash <= s)
		return false;
	if ((size_t)(dot - dash - 1) >= sizeof(name))
		return false;
	memcpy(name, dash + 1, (size_t)(dot - dash - 1));
	name[dot - dash - 1] = '\0';
	if (!graph_period_parse(name, &r->period) || r->period == GRAPH_CUSTOM)
		return false;
	return copy_name(r->service, s, (size_t)(dash - s));
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
route_unescape(char *s)
{
	size_t i, j;
	int hi, lo;

	for (i = j = 0; s[i] != '\0'; i++, j++) {
		hi = s[i] == '%' ? hex_digit(s[i + 1]) : -1;
		lo = hi >= 0 ? hex_digit(s[i + 2]) : -1;
		if (lo < 0) {
			s[j] = s[i];
			continue;
		}
		if (hi == 0 && lo == 0) {
			s[0] = '\0';
			return 0;
		}
		s[j] = (char)(hi * 16 + lo);
		i += 2;
	}
	s[j] = '\0';
	return j;
}

void
router_parse(const char *path, struct route *r)
{
	const char *seg[6];
	size_t len[6], n = 0;
	const char *p = path;
	bool trailing = false;

	memset(r, 0, sizeof(*r));
	r->kind = path[0] == '\0' ? R_BAD_REQUEST : R_NOT_FOUND;
	if (path[0] != '/')
		return;
	p++;
	while (*p != '\0') {
		const char *slash = strchr(p, '/');
		size_t l = slash != NULL ? (size_t)(slash - p) : strlen(p);

		if (n == 6 || l == 0)
			return; /* too deep, or "//" */
		seg[n] = p;
		len[n++] = l;
		if (slash == NULL)
			break;
		p = slash + 1;
		trailing = *p == '\0';
	}
#define IS(i, lit)                                                             \
	(len[i] == sizeof(lit) - 1 && memcmp(seg[i], lit, len[i]) == 0)
	if (n == 0) {
		r->kind = R_OVERVIEW;
		return;
	}
	if (n >= 2 && IS(0, "api") && IS(1, "v1")) {
		if (n == 3 && IS(2, "alerts") && !trailing) {
			r->kind = R_API_ALERTS;
			return;
		}
		if (n == 3 && IS(2, "power") && !trailing) {
			r->kind = R_API_POWER;
			return;
		}
		if (n < 3 || !IS(2, "hosts") || trailing)
			return;
		if (n == 3) {
			r->kind = R_API_HOSTS;
			return;
		}
		if (!copy_name(r->host, seg[3], len[3]))
			return;
		if (n == 4) {
			r->kind = R_API_HOST;
			return;
		}
		if (!copy_name(r->service, seg[4], len[4]))
			return;
		if (n == 5)
			r->kind = R_API_SERVICE;
		else if (IS(5, "data"))
			r->kind = R_API_DATA;
		return;
	}
	if (n == 1 && !trailing && IS(0, "health")) {
		r->kind = R_HEALTH;
		return;
	}
	if (n == 1 && !trailing && IS(0, "metrics")) {
		r->kind = R_METRICS;
		return;
	}
	if (n == 1 && !trailing && IS(0, "alerts")) {
		r->kind = R_ALERTS;
		return;
	}
	/* a static file (web/assets.h) at the root: never a host's page,
	 * which ends in "/" */
	if (n == 1 && !trailing && copy_name(r->service, seg[0], len[0]) &&
	    asset_find(r->service) != NULL) {
		r->kind = R_ASSET;
		return;
	}
	r->service[0] = '\0';
	if (!copy_name(r->host, seg[0], len[0]))
		return;
	if (n == 1) {
		if (trailing)
			r->kind = R_HOST;
		return;
	}
	if (n == 2 && trailing && copy_name(r->service, seg[1], len[1])) {
		r->kind = R_SERVICE;
		return;
	}
	if (n == 2 && !trailing && parse_graph(seg[1], len[1], r)) {
		r->kind = R_GRAPH;
		return;
	}
	if (n == 2 && !trailing && IS(0, "compare") &&
	    copy_name(r->service, seg[1], len[1])) {
		r->kind = R_COMPARE;
		r->host[0] = '\0';
	}
#undef IS
}
