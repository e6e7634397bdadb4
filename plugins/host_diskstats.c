/*
 * host_diskstats: Munin's diskstats as a probe (plugins/host_diskstats.h).
 *
 * The attribute texts are the plugin's, byte for byte (typos, double and
 * triple spaces included), and so is its arithmetic, in its order of
 * operations, so that a value differs from the plugin's only by the
 * interval: the plugin's is whole seconds of wall clock since the state
 * it chose, drover's the monotonic time since its previous reading.
 *
 * Not reproduced: the plugin's environment (include_only, exclude,
 * graph_width, trim_labels): the defaults apply; its reboot check
 * (/proc/uptime shorter than the interval: drover's previous reading
 * lives in the process, which a reboot ends); its choice among several
 * saved states of the one nearest 300 s ago (drover has one, the
 * previous).  A device new since the previous reading shows U where the
 * plugin divides its whole counters by the interval.  The plugin finds a
 * dm-N's name by stat()ing the nodes in /dev/mapper and calls it VG/LV when
 * /dev/VG/LV exists; drover reads SYS/block/dm-N/dm/name and takes an
 * "LVM-" dm/uuid for that test (udev makes /dev/VG/LV for exactly those).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"
#include "plugins/host_disk.h"
#include "plugins/host_diskstats.h"
#include "plugins/host_probes.h"

#define DISKSTATS_MAX (4 * 1024 * 1024) /* bytes of /proc/diskstats */
#define DM_ATTR_MAX 4096		/* bytes of a dm/name or dm/uuid */
#define SECTOR_BYTES 512		/* the plugin's $bytes_per_sector */
#define GRAPH_WIDTH 400			/* the plugin's default graph_width */
#define NAME_MAX_LEN 256		/* field and service names, bytes */

/* ---- parsing ------------------------------------------------------------ */

void
diskstats_reading_cleanup(struct ds_reading *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		free(r->v[i].name);
		free(r->v[i].pretty);
	}
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* Splits line at blanks into at most max tokens; returns how many. */
static size_t
split(const char *line, size_t len, const char **tok, size_t *tl, size_t max)
{
	const char *p = line, *end = line + len;
	size_t n = 0;

	while (n < max) {
		while (p < end && is_blank(*p))
			p++;
		if (p >= end)
			break;
		tok[n] = p;
		while (p < end && !is_blank(*p))
			p++;
		tl[n] = (size_t)(p - tok[n]);
		n++;
	}
	return n;
}

static bool
parse_counter(const char *tok, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return false;
		if (v > (UINT64_MAX - (uint64_t)(tok[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(tok[i] - '0');
	}
	*out = v;
	return true;
}

/* Columns of a /proc/diskstats line the plugin needs. */
#define DS_COLS 14

int
diskstats_parse(const char *buf, size_t len, struct ds_reading *r)
{
	const char *p = buf, *end = buf + len, *line, *tok[DS_COLS];
	size_t linelen, tl[DS_COLS], i;
	uint64_t col[DS_COLS];
	struct ds_device *v;

	while (host_line_next(&p, end, &line, &linelen)) {
		if (memchr(line, '\0', linelen) != NULL)
			goto invalid;
		if (split(line, linelen, tok, tl, DS_COLS) < DS_COLS)
			continue;
		for (i = 0; i < DS_COLS; i++)
			if (i != 2 && !parse_counter(tok[i], tl[i], &col[i]))
				goto invalid;
		v = realloc(r->v, (r->n + 1) * sizeof(*v));
		if (v == NULL)
			goto nomem;
		r->v = v;
		v = &r->v[r->n];
		memset(v, 0, sizeof(*v));
		v->name = strndup(tok[2], tl[2]);
		if (v->name == NULL)
			goto nomem;
		/* major minor name rd_ios rd_merges rd_sectors rd_ticks
		 * wr_ios wr_merges wr_sectors wr_ticks in_flight tot_ticks
		 * rq_ticks */
		v->c.rd_ios = col[3];
		v->c.rd_sectors = col[5];
		v->c.rd_ticks = col[6];
		v->c.wr_ios = col[7];
		v->c.wr_sectors = col[9];
		v->c.wr_ticks = col[10];
		v->c.tot_ticks = col[12];
		r->n++;
	}
	return 0;
invalid:
	errno = EINVAL;
	return -1;
nomem:
	errno = ENOMEM;
	return -1;
}

/* ---- choosing the devices ---------------------------------------------- */

/* True when name is valid + "p" digits, or valid + digits where valid
 * ends in a non-digit: a partition of valid. */
static bool
is_partition_of(const char *name, const char *valid)
{
	size_t vl = strlen(valid);
	const char *p;

	if (strncmp(name, valid, vl) != 0)
		return false;
	p = name + vl;
	if (*p == 'p' && p[1] != '\0' &&
	    strspn(p + 1, "0123456789") == strlen(p + 1))
		return true;
	if (vl == 0 || (valid[vl - 1] >= '0' && valid[vl - 1] <= '9'))
		return false;
	return *p != '\0' && strspn(p, "0123456789") == strlen(p);
}

static bool
in_sysfs(const char *name, const char *const *sys, size_t n)
{
	char buf[NAME_MAX_LEN];
	size_t i;

	/* sysfs spells a '/' in a device name '!' */
	snprintf(buf, sizeof(buf), "%s", name);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '/')
			buf[i] = '!';
	for (i = 0; i < n; i++)
		if (strcmp(buf, sys[i]) == 0)
			return true;
	return false;
}

void
diskstats_select(struct ds_reading *r, const char *const *sys, size_t n)
{
	bool *keep = calloc(r->n + 1, sizeof(*keep));
	size_t i, j, k, len, maxlen = 0, out = 0;

	if (keep == NULL) {
		/* show them all rather than none */
		log_warn("diskstats");
		return;
	}
	for (i = 0; i < r->n; i++) {
		len = strlen(r->v[i].name);
		if (len > maxlen)
			maxlen = len;
	}
	/* shorter names first, so that a disk is seen before its
	 * partitions; a device is only judged against shorter ones */
	for (len = 0; len <= maxlen; len++) {
		for (i = 0; i < r->n; i++) {
			struct ds_device *d = &r->v[i];

			if (strlen(d->name) != len)
				continue;
			if (sys != NULL && !in_sysfs(d->name, sys, n))
				continue;
			if (d->c.rd_ios == 0 && d->c.wr_ios == 0)
				continue;
			for (j = 0; j < r->n; j++)
				if (keep[j] && strlen(r->v[j].name) < len &&
				    is_partition_of(d->name, r->v[j].name))
					break;
			if (j == r->n)
				keep[i] = true;
		}
	}
	for (k = 0; k < r->n; k++) {
		if (keep[k]) {
			r->v[out++] = r->v[k];
		} else {
			free(r->v[k].name);
			free(r->v[k].pretty);
		}
	}
	r->n = out;
	free(keep);
}

int
diskstats_dm_name(struct ds_device *d, const char *name, const char *uuid)
{
	const char *p;
	size_t i, o = 0;
	char *s;

	if (name == NULL || name[0] == '\0')
		return 0;
	/* LVM's dm name is VG-LV with each '-' inside VG and LV doubled:
	 * split at the first lone '-' */
	for (p = name; *p != '\0'; p++)
		if (*p == '-' && (p == name || p[-1] != '-') && p[1] != '-')
			break;
	if (uuid != NULL && strncmp(uuid, "LVM-", 4) == 0 && *p == '-') {
		s = malloc(strlen(name) + 1);
		if (s == NULL)
			return -1;
		for (i = 0; name[i] != '\0'; i++) {
			if (name + i == p) {
				s[o++] = '/';
			} else if (name[i] == '-' && name[i + 1] == '-' &&
				   name + i + 1 != p) {
				s[o++] = '-';
				i++;
			} else {
				s[o++] = name[i];
			}
		}
		s[o] = '\0';
	} else {
		s = malloc(strlen(name) + sizeof("mapper/"));
		if (s == NULL)
			return -1;
		sprintf(s, "mapper/%s", name);
	}
	free(d->pretty);
	d->pretty = s;
	return 0;
}

/* ---- the services ------------------------------------------------------- */

static const char *
pretty(const struct ds_device *d)
{
	return d->pretty != NULL ? d->pretty : d->name;
}

/* After the last '/' (the plugin's short_pretty_device_name). */
static const char *
short_pretty(const struct ds_device *d)
{
	const char *s = strrchr(pretty(d), '/');

	return s != NULL && s[1] != '\0' ? s + 1 : pretty(d);
}

static bool
does_latency(const struct ds_device *d)
{
	return d->c.rd_ticks + d->c.wr_ticks != 0;
}

static bool
is_dm(const char *name)
{
	return strncmp(name, "dm-", 3) == 0 && name[3] >= '0' && name[3] <= '9';
}

static int
cmp_name(const void *a, const void *b)
{
	const struct ds_device *const *x = a, *const *y = b;

	return strcmp((*x)->name, (*y)->name);
}

/* The plugin's sort_by_dm_last: non-dm devices sorted, then dm-N sorted
 * (as strings). */
static int
cmp_dm_last(const void *a, const void *b)
{
	const struct ds_device *const *x = a, *const *y = b;
	bool dx = is_dm((*x)->name), dy = is_dm((*y)->name);

	if (dx != dy)
		return dx ? 1 : -1;
	return strcmp((*x)->name, (*y)->name);
}

/* The plugin's find_required_graph_width over the longest label. */
static unsigned
required_width(size_t longest, bool posneg)
{
	long need = 6 * (10 + (posneg ? 64 : 32) + (long)longest) - 97;

	if (need <= GRAPH_WIDTH)
		return GRAPH_WIDTH;
	return GRAPH_WIDTH + (unsigned)((need - GRAPH_WIDTH + 49) / 50) * 50;
}

/* The rates of one device, as the plugin's calculate_values. */
struct ds_values {
	double util, svctm, avgwait, avgrdwait, avgwrwait;
	double rdbytes, wrbytes, rdio, wrio, avgrdrqsz, avgwrrqsz;
};

/* The plugin's subtract_wrapping_numbers: a counter below its previous
 * value wrapped at 2^32 if the previous one fits 32 bits, else at 2^64. */
static double
delta(uint64_t cur, uint64_t prev)
{
	if (cur >= prev)
		return (double)(cur - prev);
	if (prev <= (1ULL << 32))
		return (double)(cur + (1ULL << 32) - prev);
	return (double)(cur - prev); /* modulo 2^64 */
}

static void
values(const struct ds_counters *c, const struct ds_counters *p,
    double interval, struct ds_values *v)
{
	double rd_ios = delta(c->rd_ios, p->rd_ios);
	double wr_ios = delta(c->wr_ios, p->wr_ios);
	double rd_ticks = delta(c->rd_ticks, p->rd_ticks);
	double wr_ticks = delta(c->wr_ticks, p->wr_ticks);
	double rd_sectors = delta(c->rd_sectors, p->rd_sectors);
	double wr_sectors = delta(c->wr_sectors, p->wr_sectors);
	double tot_ticks = delta(c->tot_ticks, p->tot_ticks);
	double total_ios = rd_ios + wr_ios;
	double total_ios_per_sec = total_ios / interval;
	double utilization = tot_ticks / interval;

	v->rdio = rd_ios / interval;
	v->wrio = wr_ios / interval;
	v->rdbytes = rd_sectors / interval * SECTOR_BYTES;
	v->wrbytes = wr_sectors / interval * SECTOR_BYTES;
	v->svctm =
	    total_ios_per_sec != 0 ? utilization / total_ios_per_sec / 1000 : 0;
	v->avgwait =
	    total_ios != 0 ? (rd_ticks + wr_ticks) / total_ios / 1000 : 0;
	v->avgrdwait = rd_ios != 0 ? rd_ticks / rd_ios / 1000 : 0;
	v->avgwrwait = wr_ios != 0 ? wr_ticks / wr_ios / 1000 : 0;
	v->avgrdrqsz =
	    rd_ios != 0 ? rd_sectors * SECTOR_BYTES / 1000 / rd_ios : 0;
	v->avgwrrqsz =
	    wr_ios != 0 ? wr_sectors * SECTOR_BYTES / 1000 / wr_ios : 0;
	v->util = utilization / 10;
}

/* A field of the plugin's. */
#define FIELD_ATTRS 6
struct fdef {
	const char *name; /* "%s" for the graph id */
	const char *attrs[FIELD_ATTRS][2];
	size_t value; /* offsetof in struct ds_values */
};

#define V(m) offsetof(struct ds_values, m)

/* Adds field d to s, "%s" in its name and its "negative" standing for id
 * (a value "%L" for the long label, "%S" for the short one); its value
 * from v when v is not NULL, U when v is NULL and !known, none else. */
static int
field(struct service *s, const struct fdef *d, const struct ds_device *dev,
    const char *id, const struct ds_values *v, bool known)
{
	char name[NAME_MAX_LEN], vals[FIELD_ATTRS][NAME_MAX_LEN * 2];
	const char *kv[FIELD_ATTRS][2];
	struct field *f;
	size_t i, n = 0;

	snprintf(name, sizeof(name), d->name, id);
	for (i = 0; i < FIELD_ATTRS && d->attrs[i][0] != NULL; i++) {
		const char *val = d->attrs[i][1];

		if (strcmp(val, "%L") == 0)
			val = pretty(dev);
		else if (strcmp(val, "%S") == 0)
			val = short_pretty(dev);
		else if (strcmp(d->attrs[i][0], "negative") == 0) {
			snprintf(vals[i], sizeof(vals[i]), val, id);
			val = vals[i];
		}
		kv[n][0] = d->attrs[i][0];
		kv[n][1] = val;
		n++;
	}
	f = service_field(s, name, true);
	if (f == NULL || host_attrs_add(&f->attrs, kv, n) == -1)
		return -1;
	if (v != NULL || !known) {
		f->has_value = true;
		f->unknown = v == NULL;
		f->value = v != NULL
			       ? *(const double *)((const char *)v + d->value)
			       : 0;
	}
	return 0;
}

/* ---- the root graphs ---- */

static const struct fdef root_latency[] = {
    {"%s_avgwait",
	{{"label", "%L"}, {"type", "GAUGE"},
	    {"info", "Average wait time for an I/O request"}, {"min", "0"},
	    {"draw", "LINE1"}},
	V(avgwait)},
};
static const struct fdef root_util[] = {
    {"%s_util",
	{{"label", "%L"}, {"type", "GAUGE"},
	    {"info", "Utilization of the device"}, {"min", "0"},
	    {"draw", "LINE1"}},
	V(util)},
};
static const struct fdef root_throughput[] = {
    {"%s_rdbytes",
	{{"label", "%S"}, {"type", "GAUGE"}, {"min", "0"}, {"draw", "LINE1"},
	    {"graph", "no"}},
	V(rdbytes)},
    {"%s_wrbytes",
	{{"label", "%S"}, {"type", "GAUGE"}, {"min", "0"}, {"draw", "LINE1"},
	    {"negative", "%s_rdbytes"}},
	V(wrbytes)},
};
static const struct fdef root_iops[] = {
    {"%s_rdio",
	{{"label", "%S"}, {"type", "GAUGE"}, {"min", "0"}, {"draw", "LINE1"},
	    {"graph", "no"}},
	V(rdio)},
    {"%s_wrio",
	{{"label", "%S"}, {"type", "GAUGE"}, {"min", "0"}, {"draw", "LINE1"},
	    {"negative", "%s_rdio"}},
	V(wrio)},
};

/* ---- the graphs per device ---- */

static const struct fdef dev_latency[] = {
    {"svctm",
	{{"label", "Device IO time"}, {"type", "GAUGE"},
	    {"info", "Average time an I/O takes on the block device not "
		     "including any queue times, just the round trip time for "
		     "the disk request."},
	    {"min", "0"}, {"draw", "LINE1"}},
	V(svctm)},
    {"avgwait",
	{{"label", "IO Wait time"}, {"type", "GAUGE"},
	    {"info", "Average wait time for an I/O from request start to "
		     "finish (includes queue times et al)"},
	    {"min", "0"}, {"draw", "LINE1"}},
	V(avgwait)},
    {"avgrdwait",
	{{"label", "Read IO Wait time"}, {"type", "GAUGE"},
	    {"info", "Average wait time for a read I/O from request start to "
		     "finish (includes queue times et al)"},
	    {"min", "0"}, {"warning", "0:3"}, {"draw", "LINE1"}},
	V(avgrdwait)},
    {"avgwrwait",
	{{"label", "Write IO Wait time"}, {"type", "GAUGE"},
	    {"info", "Average wait time for a write I/O from request start to "
		     "finish (includes queue times et al)"},
	    {"min", "0"}, {"warning", "0:3"}, {"draw", "LINE1"}},
	V(avgwrwait)},
};
static const struct fdef dev_util[] = {
    {"util",
	{{"label", "Utilization"}, {"type", "GAUGE"},
	    {"info", "Utilization of the device in percent. If the time spent "
		     "for I/O is close to 1000msec for a given second, the "
		     "device is nearly 100% saturated."},
	    {"min", "0"}, {"draw", "LINE1"}},
	V(util)},
};
static const struct fdef dev_throughput[] = {
    {"rdbytes",
	{{"label", "invisible"}, {"type", "GAUGE"}, {"min", "0"},
	    {"draw", "LINE1"}, {"graph", "no"}},
	V(rdbytes)},
    {"wrbytes",
	{{"label", "Bytes"}, {"type", "GAUGE"}, {"min", "0"}, {"draw", "LINE1"},
	    {"negative", "rdbytes"}},
	V(wrbytes)},
};
static const struct fdef dev_iops[] = {
    {"rdio",
	{{"label", "dummy"}, {"type", "GAUGE"}, {"min", "0"}, {"draw", "LINE1"},
	    {"graph", "no"}},
	V(rdio)},
    {"wrio",
	{{"label", "IO/sec"}, {"type", "GAUGE"}, {"min", "0"},
	    {"draw", "LINE1"}, {"negative", "rdio"}},
	V(wrio)},
    {"avgrdrqsz",
	{{"label", "dummy"}, {"type", "GAUGE"}, {"min", "0"}, {"draw", "LINE1"},
	    {"graph", "no"}},
	V(avgrdrqsz)},
    {"avgwrrqsz",
	{{"label", "Req Size (KB)"},
	    {"info", "Average Request Size in kilobytes (1000 based)"},
	    {"type", "GAUGE"}, {"min", "0"}, {"draw", "LINE1"},
	    {"negative", "avgrdrqsz"}},
	V(avgwrrqsz)},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* One device's place in the services: its graph id and values. */
struct ds_row {
	const struct ds_device *d;
	char id[NAME_MAX_LEN];
	bool has_values; /* prev was given */
	bool known;	 /* the device was in prev */
	struct ds_values v;
};

/* Adds defs[n] for row to s. */
static int
fields(struct service *s, const struct fdef *defs, size_t n,
    const struct ds_row *row)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (field(s, &defs[i], row->d, row->id,
			row->has_values && row->known ? &row->v : NULL,
			!row->has_values || row->known) == -1)
			return -1;
	return 0;
}

static int
root_graphs(struct batch *b, struct ds_row *rows, size_t n, unsigned width)
{
	char w[16];
	size_t i;
	struct service *s;

	snprintf(w, sizeof(w), "%u", width);
	const char *const g_latency[][2] = {
	    {"graph_title", "Disk latency per device"},
	    {"graph_args", "--base 1000"},
	    {"graph_vlabel", "Average IO Wait (seconds)"},
	    {"graph_category", "disk"},
	    {"graph_width", w},
	};
	const char *const g_util[][2] = {
	    {"graph_title", "Utilization per device"},
	    {"graph_args",
		"--base 1000 --lower-limit 0 --upper-limit 100 --rigid"},
	    {"graph_vlabel", "% busy"},
	    {"graph_category", "disk"},
	    {"graph_width", w},
	    {"graph_scale", "no"},
	};
	const char *const g_throughput[][2] = {
	    {"graph_title", "Throughput per device"},
	    {"graph_args", "--base 1024"},
	    {"graph_vlabel", "Bytes/${graph_period} read (-) / write (+)"},
	    {"graph_category", "disk"},
	    {"graph_width", w},
	    {"graph_info",
		"This graph shows averaged throughput for the given disk in "
		"bytes.  Higher throughput is usualy linked with higher "
		"service time/latency (separate graph).  The graph base is "
		"1024 yeilding Kibi- and Mebi-bytes."},
	};
	const char *const g_iops[][2] = {
	    {"graph_title", "Disk IOs per device"},
	    {"graph_args", "--base 1000"},
	    {"graph_vlabel", "IOs/${graph_period} read (-) / write (+)"},
	    {"graph_category", "disk"},
	    {"graph_width", w},
	};

	s = host_service_add(
	    b, "diskstats_latency", g_latency, NELEM(g_latency));
	for (i = 0; s != NULL && i < n; i++)
		if (does_latency(rows[i].d) &&
		    fields(s, root_latency, NELEM(root_latency), &rows[i]) ==
			-1)
			return -1;
	if (s == NULL)
		return -1;
	s = host_service_add(b, "diskstats_utilization", g_util, NELEM(g_util));
	for (i = 0; s != NULL && i < n; i++)
		if (does_latency(rows[i].d) &&
		    fields(s, root_util, NELEM(root_util), &rows[i]) == -1)
			return -1;
	if (s == NULL)
		return -1;
	s = host_service_add(
	    b, "diskstats_throughput", g_throughput, NELEM(g_throughput));
	for (i = 0; s != NULL && i < n; i++)
		if (fields(s, root_throughput, NELEM(root_throughput),
			&rows[i]) == -1)
			return -1;
	if (s == NULL)
		return -1;
	s = host_service_add(b, "diskstats_iops", g_iops, NELEM(g_iops));
	for (i = 0; s != NULL && i < n; i++)
		if (fields(s, root_iops, NELEM(root_iops), &rows[i]) == -1)
			return -1;
	return s == NULL ? -1 : 0;
}

/* A child graph "diskstats_KIND.ID" with graph attributes g. */
static struct service *
child(struct batch *b, const char *kind, const char *id,
    const char *const g[][2], size_t n)
{
	char name[NAME_MAX_LEN * 2];

	snprintf(name, sizeof(name), "diskstats_%s.%s", kind, id);
	return host_service_add(b, name, g, n);
}

static int
device_graphs(struct batch *b, const struct ds_row *row)
{
	char title[4][NAME_MAX_LEN * 2];
	struct service *s;

	snprintf(title[0], sizeof(title[0]), "Average latency for /dev/%s",
	    pretty(row->d));
	snprintf(title[1], sizeof(title[1]), "Disk utilization for /dev/%s",
	    pretty(row->d));
	snprintf(title[2], sizeof(title[2]), "Disk throughput for /dev/%s",
	    pretty(row->d));
	snprintf(title[3], sizeof(title[3]), "IOs for /dev/%s", pretty(row->d));
	const char *const g_latency[][2] = {
	    {"graph_title", title[0]},
	    {"graph_args", "--base 1000 --logarithmic"},
	    {"graph_vlabel", "seconds"},
	    {"graph_category", "disk"},
	    {"graph_info",
		"This graph shows average waiting time/latency for different "
		"categories of disk operations.   The times that include the "
		"queue times indicate how busy your system is.  If the "
		"waiting time hits 1 second then your I/O system is 100% "
		"busy."},
	};
	const char *const g_util[][2] = {
	    {"graph_title", title[1]},
	    {"graph_args",
		"--base 1000 --lower-limit 0 --upper-limit 100 --rigid"},
	    {"graph_vlabel", "% busy"},
	    {"graph_category", "disk"},
	    {"graph_scale", "no"},
	};
	const char *const g_throughput[][2] = {
	    {"graph_title", title[2]},
	    {"graph_args", "--base 1024"},
	    {"graph_vlabel", "Pr ${graph_period} read (-) / write (+)"},
	    {"graph_category", "disk"},
	    {"graph_info", "This graph shows disk throughput in bytes pr "
			   "${graph_period}.  The graph base is 1024 so KB is "
			   "for Kibi bytes and so on."},
	};
	const char *const g_iops[][2] = {
	    {"graph_title", title[3]},
	    {"graph_args", "--base 1000"},
	    {"graph_vlabel", "Units read (-) / write (+)"},
	    {"graph_category", "disk"},
	    {"graph_info",
		"This graph shows the number of IO operations pr second and "
		"the average size of these requests.  Lots of small requests "
		"should result in in lower throughput (separate graph) and "
		"higher service time (separate graph).  Please note that "
		"starting with munin-node 2.0 the divisor for K is 1000 "
		"instead of 1024 which it was prior to 2.0 beta 3.  This is "
		"because the base for this graph is 1000 not 1024."},
	};

	if (does_latency(row->d)) {
		s = child(b, "latency", row->id, g_latency, NELEM(g_latency));
		if (s == NULL ||
		    fields(s, dev_latency, NELEM(dev_latency), row) == -1)
			return -1;
		s = child(b, "utilization", row->id, g_util, NELEM(g_util));
		if (s == NULL ||
		    fields(s, dev_util, NELEM(dev_util), row) == -1)
			return -1;
	}
	s = child(b, "throughput", row->id, g_throughput, NELEM(g_throughput));
	if (s == NULL ||
	    fields(s, dev_throughput, NELEM(dev_throughput), row) == -1)
		return -1;
	s = child(b, "iops", row->id, g_iops, NELEM(g_iops));
	if (s == NULL || fields(s, dev_iops, NELEM(dev_iops), row) == -1)
		return -1;
	return 0;
}

static const struct ds_device *
find(const struct ds_reading *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].name, name) == 0)
			return &r->v[i];
	return NULL;
}

int
diskstats_services(const struct ds_reading *cur, const struct ds_reading *prev,
    double interval, struct batch *b)
{
	const struct ds_device **order = NULL;
	struct ds_row *rows = NULL, *byname = NULL;
	size_t i, j, longest = 0, shortest = 0;
	unsigned width;
	int rc = -1;

	order = calloc(cur->n + 1, sizeof(*order));
	rows = calloc(cur->n + 1, sizeof(*rows));
	byname = calloc(cur->n + 1, sizeof(*byname));
	if (order == NULL || rows == NULL || byname == NULL)
		goto out;
	for (i = 0; i < cur->n; i++) {
		order[i] = &cur->v[i];
		if (strlen(pretty(&cur->v[i])) > longest)
			longest = strlen(pretty(&cur->v[i]));
		if (strlen(short_pretty(&cur->v[i])) > shortest)
			shortest = strlen(short_pretty(&cur->v[i]));
	}
	width = required_width(shortest, true);
	if (required_width(longest, false) > width)
		width = required_width(longest, false);

	/* the root graphs list devices dm last, the children by name */
	for (j = 0; j < 2; j++) {
		struct ds_row *out = j == 0 ? rows : byname;

		qsort(order, cur->n, sizeof(*order),
		    j == 0 ? cmp_dm_last : cmp_name);
		for (i = 0; i < cur->n; i++) {
			const struct ds_device *p = NULL;

			out[i].d = order[i];
			disk_clean_fieldname(
			    pretty(order[i]), out[i].id, sizeof(out[i].id));
			out[i].has_values = prev != NULL;
			if (prev != NULL)
				p = find(prev, order[i]->name);
			out[i].known = p != NULL;
			if (p != NULL)
				values(
				    &order[i]->c, &p->c, interval, &out[i].v);
		}
	}
	if (root_graphs(b, rows, cur->n, width) == -1)
		goto out;
	for (i = 0; i < cur->n; i++)
		if (device_graphs(b, &byname[i]) == -1)
			goto out;
	rc = 0;
out:
	if (rc == -1)
		errno = ENOMEM;
	free(order);
	free(rows);
	free(byname);
	return rc;
}

/* ---- collect ------------------------------------------------------------ */

struct ds_state {
	double when; /* s, the caller's monotonic clock */
	struct ds_reading r;
};

void
diskstats_state_free(void *state)
{
	struct ds_state *st = state;

	if (st == NULL)
		return;
	diskstats_reading_cleanup(&st->r);
	free(st);
}

/* The entries of SYS/block (names, new strings) in *out; -1 when there is
 * no such directory (no sysfs: the plugin reads /proc/diskstats whole). */
static int
sys_block(const char *sys, char ***out, size_t *n)
{
	char path[4096], **v = NULL, **nv;
	struct dirent *de;
	DIR *dir;

	*n = 0;
	snprintf(path, sizeof(path), "%s/block", sys);
	dir = opendir(path);
	if (dir == NULL)
		return -1;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		nv = realloc(v, (*n + 1) * sizeof(*v));
		if (nv == NULL)
			break;
		v = nv;
		v[*n] = strdup(de->d_name);
		if (v[*n] == NULL)
			break;
		(*n)++;
	}
	closedir(dir);
	*out = v;
	return 0;
}

/* SYS/block/DEV/dm/ATTR's first line, or NULL. */
static char *
dm_attr(const char *sys, const char *dev, const char *attr)
{
	char rel[NAME_MAX_LEN * 2], *buf, *nl;
	size_t len;

	snprintf(rel, sizeof(rel), "block/%s/dm/%s", dev, attr);
	if (host_read(sys, rel, DM_ATTR_MAX, &buf, &len) == -1)
		return NULL;
	nl = memchr(buf, '\n', len);
	if (nl != NULL)
		*nl = '\0';
	return buf;
}

int
diskstats_collect_at(
    const struct host_roots *r, void **state, struct batch *b, double now)
{
	struct ds_state *st = *state;
	struct ds_reading cur = {0}, all = {0};
	char *buf, **sys = NULL, *name, *uuid;
	size_t len, nsys = 0, i;
	bool have_sys, later = st == NULL || now > st->when;
	int rc;

	if (host_read(r->proc, "diskstats", DISKSTATS_MAX, &buf, &len) == -1) {
		if (errno == ENOENT) {
			log_warnx("diskstats: %s/diskstats: missing, skipped",
			    r->proc);
			return 0;
		}
		log_warn("diskstats: %s/diskstats", r->proc);
		return -1;
	}
	/* the state keeps every device, so that one idle until now (not
	 * shown then) is compared with its earlier counters */
	rc = diskstats_parse(buf, len, &cur);
	if (rc == 0)
		rc = diskstats_parse(buf, len, &all);
	free(buf);
	if (rc == -1) {
		if (errno == ENOMEM)
			log_warn("diskstats: %s/diskstats", r->proc);
		else
			log_warnx(
			    "diskstats: %s/diskstats: not understood", r->proc);
		goto fail;
	}
	have_sys = sys_block(r->sys, &sys, &nsys) == 0;
	diskstats_select(&cur, have_sys ? (const char *const *)sys : NULL,
	    have_sys ? nsys : 0);
	for (i = 0; i < nsys; i++)
		free(sys[i]);
	free(sys);
	for (i = 0; rc == 0 && i < cur.n; i++) {
		if (!is_dm(cur.v[i].name))
			continue;
		name = dm_attr(r->sys, cur.v[i].name, "name");
		uuid = dm_attr(r->sys, cur.v[i].name, "uuid");
		rc = diskstats_dm_name(&cur.v[i], name, uuid);
		free(name);
		free(uuid);
	}
	if (rc == 0)
		rc = diskstats_services(&cur,
		    st != NULL && later ? &st->r : NULL,
		    st != NULL ? now - st->when : 0, b);
	if (rc == -1) {
		log_warn("diskstats");
		goto fail;
	}
	diskstats_reading_cleanup(&cur);
	if (!later) {
		diskstats_reading_cleanup(&all);
		return 0;
	}
	if (st == NULL) {
		st = calloc(1, sizeof(*st));
		if (st == NULL) {
			log_warn("diskstats");
			goto fail;
		}
		*state = st;
	}
	diskstats_reading_cleanup(&st->r);
	st->r = all;
	st->when = now;
	return 0;
fail:
	diskstats_reading_cleanup(&cur);
	diskstats_reading_cleanup(&all);
	return -1;
}

static int
collect_diskstats(const struct host_roots *r, void **state, struct batch *b)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return diskstats_collect_at(
	    r, state, b, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

const struct host_probe probe_diskstats = {
    .name = "diskstats",
    .multigraph = true,
    .collect = collect_diskstats,
    .state_free = diskstats_state_free,
};
