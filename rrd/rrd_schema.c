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

int
rrd_ds_init(struct rrd_ds *ds, enum ds_type type, const char *min,
    const char *max, const char *graph_data_size)
{
	memset(ds, 0, sizeof(*ds));
	ds->type = type;
	ds->step = RRD_STEP_MUNIN;
	if (graph_data_size == NULL || strcmp(graph_data_size, "normal") == 0)
		ds->size = RRD_SIZE_NORMAL;
	else if (strcmp(graph_data_size, "huge") == 0)
		ds->size = RRD_SIZE_HUGE;
	else if (strncmp(graph_data_size, "custom ", 7) == 0) {
		errno = ENOTSUP;
		return -1;
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
		out->argv[out->argc++] = rras[i];
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
