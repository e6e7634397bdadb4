/*
 * rrd_schema: Munin 2.0.73's RRD file names and rrd_create arguments.
 * See rrd_schema.h for the contracts.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrd/rrd_schema.h"

/* UpdateWorker::_create_rrd_file, graph_data_size 'normal'. */
static const char *const rras_normal[] = {
    "RRA:AVERAGE:0.5:1:576", /* 5 min for 2 days */
    "RRA:MIN:0.5:1:576",
    "RRA:MAX:0.5:1:576",
    "RRA:AVERAGE:0.5:6:432", /* 30 min for 9 days */
    "RRA:MIN:0.5:6:432",
    "RRA:MAX:0.5:6:432",
    "RRA:AVERAGE:0.5:24:540", /* 2 h for 45 days */
    "RRA:MIN:0.5:24:540",
    "RRA:MAX:0.5:24:540",
    "RRA:AVERAGE:0.5:288:450", /* 1 d for 450 days */
    "RRA:MIN:0.5:288:450",
    "RRA:MAX:0.5:288:450",
};

/* graph_data_size 'huge': 5 min for 400 days. */
static const char *const rras_huge[] = {
    "RRA:AVERAGE:0.5:1:115200",
    "RRA:MIN:0.5:1:115200",
    "RRA:MAX:0.5:1:115200",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* "U", or a decimal number strtod() consumes completely. */
static bool
limit_ok(const char *s)
{
	char *end;

	if (strcmp(s, "U") == 0)
		return true;
	if (*s == '\0' || strspn(s, "0123456789.eE+-") != strlen(s))
		return false;
	errno = 0;
	(void)strtod(s, &end);
	return *end == '\0' && errno == 0;
}

static int
limit_set(char *dst, size_t dstlen, const char *src)
{
	if (src == NULL || *src == '\0')
		src = "U";
	if (!limit_ok(src) || strlen(src) >= dstlen) {
		errno = EINVAL;
		return -1;
	}
	strcpy(dst, src);
	return 0;
}

/* The most rows one custom resolution may have. */
#define CUSTOM_ROWS_MAX 10000000ULL

/*
 * UpdateWorker::to_sec over s[0..n): digits and an optional unit (s m h d
 * w, t = 31 d, y = 365 d), as seconds; 0 when malformed (or zero).
 */
static unsigned long long
to_sec(const char *s, size_t n)
{
	static const struct {
		char unit;
		unsigned long secs;
	} units[] = {{'s', 1}, {'m', 60}, {'h', 3600}, {'d', 86400},
	    {'w', 7 * 86400}, {'t', 31 * 86400}, {'y', 365 * 86400}};
	unsigned long long v = 0;
	size_t i, d = 0;

	while (d < n && isdigit((unsigned char)s[d])) {
		v = v * 10 + (unsigned)(s[d] - '0');
		if (v > 100ULL * 365 * 86400)
			return 0;
		d++;
	}
	if (d == 0 || d + 1 < n)
		return 0;
	if (d == n)
		return v;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (tolower((unsigned char)s[d]) == units[i].unit)
			return v * units[i].secs;
	return 0;
}

/* The next comma-separated item of *p, blanks trimmed: its length at
 * *item, 0 at the end. */
static size_t
next_item(const char **p, const char **item)
{
	const char *s = *p, *e;
	size_t n;

	s += strspn(s, " \t");
	if (*s == '\0')
		return 0;
	e = strchr(s, ',');
	n = e != NULL ? (size_t)(e - s) : strlen(s);
	*p = e != NULL ? e + 1 : s + n;
	*item = s;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/*
 * One resolution of parse_custom_resolution: "STEPS ROWS" or "A for B"
 * (first: "ROWS" or "B", the full resolution).  0 / -1.
 */
static int
custom_item(const char *s, size_t n, bool first, unsigned long long rate,
    struct rrd_ds *ds)
{
	unsigned long long steps, rows, a, b;
	const char *sp = memchr(s, ' ', n);

	if (first && to_sec(s, n) != 0 && strspn(s, "0123456789") == n) {
		steps = 1;
		rows = to_sec(s, n);
	} else if (first) {
		steps = 1;
		rows = to_sec(s, n) / rate;
	} else if (sp != NULL && (size_t)(sp - s) + 5 < n &&
		   strncmp(sp, " for ", 5) == 0) {
		a = to_sec(s, (size_t)(sp - s));
		b = to_sec(sp + 5, n - (size_t)(sp + 5 - s));
		if (a == 0 || b == 0)
			return -1;
		steps = a / rate;
		rows = b / a;
	} else if (sp != NULL && strspn(s, "0123456789") == (size_t)(sp - s) &&
		   strspn(sp + 1, "0123456789") == n - (size_t)(sp + 1 - s)) {
		steps = to_sec(s, (size_t)(sp - s));
		rows = to_sec(sp + 1, n - (size_t)(sp + 1 - s));
	} else
		return -1;
	if (steps == 0 || rows == 0 || rows > CUSTOM_ROWS_MAX ||
	    steps > CUSTOM_ROWS_MAX || ds->nrra == RRD_CUSTOM_MAX)
		return -1;
	rows += rows / 10 > 0 ? rows / 10 : 1;
	ds->rra[ds->nrra].steps = (unsigned)steps;
	ds->rra[ds->nrra].rows = (unsigned)rows;
	ds->nrra++;
	return 0;
}

/* "custom SPEC" at update_rate rate (s) into ds.  0 / -1 (EINVAL). */
static int
custom_size(struct rrd_ds *ds, const char *spec, unsigned long long rate)
{
	const char *p = spec, *item;
	size_t n;

	while ((n = next_item(&p, &item)) > 0)
		if (custom_item(item, n, ds->nrra == 0, rate, ds) == -1)
			goto invalid;
	if (ds->nrra == 0 || *p != '\0')
		goto invalid;
	return 0;
invalid:
	errno = EINVAL;
	return -1;
}

/* update_rate in seconds ("60", "1m", "5m aligned"); 0 when malformed. */
static unsigned long long
rate_secs(const char *s)
{
	size_t n = strcspn(s, " ");

	if (s[n] != '\0' && strcmp(s + n, " aligned") != 0)
		return 0;
	return to_sec(s, n);
}

int
rrd_ds_init(struct rrd_ds *ds, enum ds_type type, const char *min,
    const char *max, const char *graph_data_size)
{
	if (graph_data_size != NULL &&
	    strncmp(graph_data_size, "custom ", 7) == 0) {
		memset(ds, 0, sizeof(*ds));
		errno = ENOTSUP;
		return -1;
	}
	return rrd_ds_init_rate(ds, type, min, max, graph_data_size, NULL);
}

int
rrd_ds_init_rate(struct rrd_ds *ds, enum ds_type type, const char *min,
    const char *max, const char *graph_data_size, const char *update_rate)
{
	unsigned long long rate = RRD_STEP_MUNIN;

	memset(ds, 0, sizeof(*ds));
	ds->type = type;
	ds->step = RRD_STEP_MUNIN;
	if (graph_data_size == NULL || strcmp(graph_data_size, "normal") == 0)
		ds->size = RRD_SIZE_NORMAL;
	else if (strcmp(graph_data_size, "huge") == 0)
		ds->size = RRD_SIZE_HUGE;
	else if (strncmp(graph_data_size, "custom ", 7) == 0) {
		if (update_rate != NULL)
			rate = rate_secs(update_rate);
		if (rate == 0 || rate > 86400 ||
		    custom_size(ds, graph_data_size + 7, rate) == -1) {
			errno = EINVAL;
			return -1;
		}
		ds->size = RRD_SIZE_CUSTOM;
		ds->step = (unsigned)rate;
	} else {
		errno = EINVAL;
		return -1;
	}
	if (limit_set(ds->min, sizeof(ds->min), min) == -1 ||
	    limit_set(ds->max, sizeof(ds->max), max) == -1)
		return -1;
	return 0;
}

int
rrd_create_args(
    struct rrd_create_args *out, const struct rrd_ds *ds, time_t first_ts)
{
	static const char *const cfs[] = {"AVERAGE", "MIN", "MAX"};
	const char *const *rras;
	size_t nrras, i;
	int n;

	memset(out, 0, sizeof(*out));
	if (ds->step == 0 || ds->type > DS_ABSOLUTE || !limit_ok(ds->min) ||
	    !limit_ok(ds->max))
		goto invalid;
	switch (ds->size) {
	case RRD_SIZE_NORMAL:
		rras = rras_normal;
		nrras = NELEM(rras_normal);
		break;
	case RRD_SIZE_HUGE:
		rras = rras_huge;
		nrras = NELEM(rras_huge);
		break;
	case RRD_SIZE_CUSTOM:
		if (ds->nrra == 0 || ds->nrra > RRD_CUSTOM_MAX)
			goto invalid;
		for (i = 0; i < 3 * ds->nrra; i++)
			snprintf(out->rra_def[i], sizeof(out->rra_def[i]),
			    "RRA:%s:0.5:%u:%u", cfs[i % 3],
			    ds->rra[i / 3].steps, ds->rra[i / 3].rows);
		rras = NULL;
		nrras = 3 * ds->nrra;
		break;
	default:
		goto invalid;
	}
	n = snprintf(out->ds_def, sizeof(out->ds_def),
	    "DS:" RRD_DS_NAME ":%s:%u:%s:%s", ds_type_str(ds->type),
	    2 * ds->step, ds->min, ds->max);
	if (n < 0 || (size_t)n >= sizeof(out->ds_def))
		goto invalid;
	out->step = ds->step;
	out->start = first_ts - (time_t)ds->step;
	out->argv[out->argc++] = out->ds_def;
	for (i = 0; i < nrras; i++)
		out->argv[out->argc++] =
		    rras != NULL ? rras[i] : out->rra_def[i];
	return 0;
invalid:
	errno = EINVAL;
	return -1;
}

int
rrd_host_group(char *out, size_t outlen, const char *host)
{
	const char *dot = strchr(host, '.');
	const char *g = dot != NULL ? dot + 1 : host;

	if (strlen(g) >= outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(out, g);
	return 0;
}

/*
 * True when every component of s, split at any character of seps, is
 * non-empty and neither "." nor "..".
 */
static bool
components_ok(const char *s, const char *seps)
{
	size_t n;

	for (;;) {
		n = strcspn(s, seps);
		if (n == 0 || (n == 1 && s[0] == '.') ||
		    (n == 2 && s[0] == '.' && s[1] == '.'))
			return false;
		if (s[n] == '\0')
			return true;
		s += n + 1;
	}
}

/* Appends s to the buffer, mapping characters in from to to. */
static void
put(char **p, char *end, bool *overflow, const char *s, const char *from,
    char to)
{
	for (; *s != '\0'; s++) {
		if (*p >= end) {
			*overflow = true;
			return;
		}
		*(*p)++ = from != NULL && strchr(from, *s) != NULL ? to : *s;
	}
}

int
rrd_path(char *out, size_t outlen, const char *dbdir, const char *group_path,
    const char *host, const char *service, const char *field, enum ds_type type)
{
	char *p = out, *end = out + outlen;
	char suffix[] = "-x.rrd";
	size_t dblen;
	bool overflow = false;

	if (dbdir == NULL || group_path == NULL || host == NULL ||
	    service == NULL || field == NULL || type > DS_ABSOLUTE ||
	    *dbdir == '\0' || !components_ok(group_path, "/;:") ||
	    strchr(host, '/') != NULL || !components_ok(host, ";:") ||
	    *service == '\0' || strchr(service, '/') != NULL ||
	    *field == '\0' || strchr(field, '/') != NULL) {
		errno = EINVAL;
		return -1;
	}
	if (outlen == 0)
		goto toolong;
	/* File::Spec->catfile drops the dbdir's trailing slashes. */
	dblen = strlen(dbdir);
	while (dblen > 0 && dbdir[dblen - 1] == '/')
		dblen--;
	if (dblen >= outlen)
		goto toolong;
	memcpy(p, dbdir, dblen);
	p += dblen;
	end--; /* room for the NUL */
	put(&p, end, &overflow, "/", NULL, 0);
	put(&p, end, &overflow, group_path, ";:", '/');
	put(&p, end, &overflow, "/", NULL, 0);
	put(&p, end, &overflow, host, ";:", '/');
	put(&p, end, &overflow, "-", NULL, 0);
	put(&p, end, &overflow, service, ".", '-');
	put(&p, end, &overflow, "-", NULL, 0);
	put(&p, end, &overflow, field, NULL, 0);
	suffix[1] = (char)tolower((unsigned char)ds_type_str(type)[0]);
	put(&p, end, &overflow, suffix, NULL, 0);
	if (overflow)
		goto toolong;
	*p = '\0';
	return 0;
toolong:
	if (outlen > 0)
		out[0] = '\0';
	errno = ENAMETOOLONG;
	return -1;
}
