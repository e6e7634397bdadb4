/*
 * graph: munin-graph's rrd_graph arguments for one service.  See graph.h.
 *
 * The structure follows GraphOld::process_service so that the two can be
 * read side by side: a list "rrd" of DEF/CDEF/draw/GPRINT elements (DEFs
 * and warning HRULEs are put at its front, as Munin unshifts them), a
 * list "neg" of the mirrored halves drawn after every positive field, the
 * totals, then the header in front and the trailer behind.  Each field's
 * current DEF name ("cdef_name" in Munin) lives in a per-call array, so
 * nothing is written back into the service.  Every config value passes
 * a check of graph_check.h before it lands in a list.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "rrd/graph.h"
#include "rrd/graph_special.h"
#include "rrd/rrd_schema.h"

/* A field whose newest value is older than this shows no "Cur", s. */
#define STALE_SECS 900
/* Munin shortens DEF names longer than this (old rrdtool's vname limit). */
#define VNAME_MAX 15
/* Upper bound on --width/--height, pixels: a typo must not eat memory. */
#define SIZE_MAX_PX 10000

/* Munin 2.0.73's default palette (GraphOld.pm, $PALETTE{'default'}). */
static const char *const palette[] = {"00CC00", "0066B3", "FF8000", "FFCC00",
    "330099", "990099", "CCFF00", "FF0000", "808080", "008F00", "00487D",
    "B35A00", "B38F00", "6B006B", "8FB300", "B30000", "BEBEBE", "80FF80",
    "80C9FF", "FFC080", "FFE680", "AA80FF", "EE00CC", "FF8080", "666600",
    "FFBFFF", "00FFCC", "CC6699", "999900"};
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

/* get_fonts() for rrdtool >= 1.4, then the watermark. */
static const char *const munin_look[] = {"--font",
    "DEFAULT:0:DejaVuSans,DejaVu Sans,DejaVu LGC Sans,Bitstream Vera Sans",
    "--font",
    "LEGEND:7:DejaVuSansMono,DejaVu Sans Mono,DejaVu LGC Sans Mono,"
    "Bitstream Vera Sans Mono,monospace",
    "--color", "BACK#F0F0F0", "--color", "FRAME#F0F0F0", "--color",
    "CANVAS#FFFFFF", "--color", "FONT#666666", "--color", "AXIS#CFD6F8",
    "--color", "ARROW#CFD6F8", "--border", "0"};

static const struct {
	const char *name;
	const char *start; /* rrdtool AT-style offset Munin passes */
	time_t span;	   /* seconds before now */
	time_t res;	   /* seconds of a step: graph_future, predict */
	time_t round;	   /* seconds: --end is rounded down to this */
} periods[] = {
    [GRAPH_DAY] = {"day", "-2000m", 2000 * 60, 300, 300},
    [GRAPH_WEEK] = {"week", "-12000m", 12000 * 60, 1500, 1500},
    [GRAPH_MONTH] = {"month", "-48000m", 48000 * 60, 7200, 7200},
    [GRAPH_YEAR] = {"year", "-400d", 400 * 86400, 86400, 86400},
    /* drover's: the last poll's point at the right edge, not a minute
     * behind it (the picture is drawn once per new sample anyway) */
    [GRAPH_HOUR] = {"hour", "-60m", 3600, 60, 1},
    [GRAPH_CUSTOM] = {"custom", NULL, 0, 0, 0},
};

const char *
graph_period_str(enum graph_period p)
{
	return (unsigned)p <= GRAPH_CUSTOM ? periods[p].name : "?";
}

bool
graph_period_parse(const char *s, enum graph_period *out)
{
	unsigned i;

	for (i = 0; i < GRAPH_CUSTOM; i++)
		if (strcmp(s, periods[i].name) == 0) {
			*out = (enum graph_period)i;
			return true;
		}
	return false;
}

int
graph_period_range(enum graph_period p, time_t now, time_t *start, time_t *end)
{
	if ((unsigned)p >= GRAPH_CUSTOM) {
		errno = EINVAL;
		return -1;
	}
	*start = now - periods[p].span;
	*end = now / periods[p].round * periods[p].round;
	return 0;
}

/* ---- small helpers ------------------------------------------------------ */

static int addf(struct strlist *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Appends a formatted string. 0 / -1 (ENOMEM). */
static int
vaddf(struct strlist *l, const char *fmt, va_list ap)
{
	char *s;
	int rc;

	if (vasprintf(&s, fmt, ap) < 0) {
		errno = ENOMEM;
		return -1;
	}
	rc = strlist_add(l, s);
	free(s);
	return rc;
}

static int
addf(struct strlist *l, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vaddf(l, fmt, ap);
	va_end(ap);
	return rc;
}

/* Moves the last element of l to its front (Perl's unshift). */
static void
to_front(struct strlist *l, size_t count)
{
	char *tmp[4];
	size_t n = l->n;

	memcpy(tmp, l->v + n - count, count * sizeof(char *));
	memmove(l->v + count, l->v, (n - count) * sizeof(char *));
	memcpy(l->v, tmp, count * sizeof(char *));
}

static int unshiftf(struct strlist *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prepends a formatted string. 0 / -1 (ENOMEM). */
static int
unshiftf(struct strlist *l, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vaddf(l, fmt, ap);
	va_end(ap);
	if (rc == 0)
		to_front(l, 1);
	return rc;
}

static int
append_all(struct strlist *dst, const struct strlist *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		if (strlist_add(dst, src->v[i]) == -1)
			return -1;
	return 0;
}

bool
graph_drawn(const struct service *svc)
{
	return graph_bool(attrs_get(&svc->graph, "graph"), true);
}

/*
 * munin_get($field, key): the field's attribute, else the service's.
 * Munin's config is a tree whose lookups climb to the parent, so a
 * service-level "line 80:ff0000:limit" or "warning 80" holds for every
 * field (each draws its own HRULE).  Used for what munin-graph reads
 * with munin_get on a field and a plugin may set on the whole graph.
 */
static const char *
fattr(const struct service *svc, const struct field *f, const char *key)
{
	const char *v = attrs_get(&f->attrs, key);

	return v != NULL ? v : attrs_get(&svc->graph, key);
}

/* Munin's escape(): backslash and colon. Returns a heap string. */
static char *
escape(const char *s)
{
	char *out, *o;

	out = malloc(strlen(s) * 2 + 1);
	if (out == NULL)
		return NULL;
	for (o = out; *s != '\0'; s++) {
		if (*s == '\\' || *s == ':')
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/*
 * s with every "${graph_period}" replaced by period and every "\#" by
 * "#" (munin-update's datafile keeps a plugin's "\#" and munin-graph's
 * reader unescapes it: amavis's vlabel "\#" is drawn "#"); heap string.
 */
static char *
subst_period(const char *s, const char *period)
{
	static const char tok[] = "${graph_period}";
	struct strlist parts = {0};
	const char *p, *h;
	char *out = NULL;
	size_t len = 0, i;

	for (;;) {
		p = strstr(s, tok);
		h = strstr(s, "\\#");
		if (h != NULL && (p == NULL || h < p)) {
			if (addf(&parts, "%.*s#", (int)(h - s), s) == -1)
				goto out;
			s = h + 2;
			continue;
		}
		if (p == NULL)
			break;
		if (addf(&parts, "%.*s%s", (int)(p - s), s, period) == -1)
			goto out;
		s = p + sizeof(tok) - 1;
	}
	if (strlist_add(&parts, s) == -1)
		goto out;
	for (i = 0; i < parts.n; i++)
		len += strlen(parts.v[i]);
	out = malloc(len + 1);
	if (out == NULL)
		goto out;
	out[0] = '\0';
	for (i = 0; i < parts.n; i++)
		strcat(out, parts.v[i]);
out:
	strlist_cleanup(&parts);
	return out;
}

/* Perl's scalar localtime, with ':' escaped as Munin's RRDescape. */
static void
munin_time(char *out, size_t len, time_t t, bool esc)
{
	struct tm tm;
	char buf[64], *o = out;
	const char *s;

	localtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm);
	for (s = buf; *s != '\0' && (size_t)(o - out) + 3 < len; s++) {
		if (esc && *s == ':')
			*o++ = '\\';
		*o++ = *s;
	}
	*o = '\0';
}

size_t
graph_sub_name_len(const struct service *svc, const struct service *sub)
{
	size_t i, len, max = 0, n = strlen(svc->name);

	if (strncmp(sub->name, svc->name, n) != 0 || sub->name[n] != '.')
		return 0;
	for (i = 0; i < sub->nfields; i++) {
		if (attrs_get(&sub->fields[i].attrs, "label") == NULL ||
		    service_field((struct service *)svc, sub->fields[i].name,
			false) != NULL)
			continue;
		len = strlen(sub->fields[i].name);
		if (len > max)
			max = len;
	}
	return max;
}

/* ---- the builder -------------------------------------------------------- */

struct gctx {
	const struct service *svc;
	char **cdef_name;    /* per field: Munin's "cdef_name", or NULL */
	const char **colour; /* per drawn field: its colour (Munin sets it
				back on the field for trends), else NULL */
	char err[256];
};

static const struct field *
find_field(const struct service *svc, const char *name, size_t *idx)
{
	size_t i;

	for (i = 0; i < svc->nfields; i++)
		if (strcmp(svc->fields[i].name, name) == 0) {
			if (idx != NULL)
				*idx = i;
			return &svc->fields[i];
		}
	return NULL;
}

/*
 * get_field_name(): names over 15 characters become the last 15 hex
 * digits of their MD5 (libcrypto's).  Returns 0, or -1 (ENOSYS) when
 * libcrypto refuses MD5 (a FIPS-only configuration).
 */
static int
vname(char out[64], const char *name)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char hex[2 * EVP_MAX_MD_SIZE + 1];

	if (strlen(name) <= VNAME_MAX) {
		snprintf(out, 64, "%s", name);
		return 0;
	}
	if (EVP_Digest(name, strlen(name), md, &mdlen, EVP_md5(), NULL) != 1 ||
	    mdlen != 16) {
		errno = ENOSYS;
		return -1;
	}
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	memcpy(out, hex + 2 * mdlen - VNAME_MAX, VNAME_MAX + 1);
	return 0;
}

/* orig_to_cdef(): follows a field's cdef_name chain to its DEF name.
 * Returns 0 / -1 as vname(). */
static int
orig_to_cdef(const struct gctx *g, const char *name, char out[64])
{
	size_t idx;
	int depth;

	for (depth = 0; depth < 16; depth++) {
		if (find_field(g->svc, name, &idx) == NULL ||
		    g->cdef_name[idx] == NULL)
			break;
		name = g->cdef_name[idx];
	}
	return vname(out, name);
}

/*
 * expand_cdef(): "CDEF:<p><new>=<cdef>" for p in a, i, g with every
 * token that names a labelled field replaced by p + its DEF name; the
 * field's DEF name becomes new = vname("cdef" + current).
 */
static int
expand_cdef(struct gctx *g, struct strlist *rrd, size_t fidx, char cur[64],
    const char *cdef)
{
	static const char pfx[3] = {'a', 'i', 'g'};
	struct strlist toks = {0};
	char nbuf[80], newname[64], dn[64], *s = NULL, *save, *tok, *copy;
	size_t i, p, len;
	int rc = -1;

	snprintf(nbuf, sizeof(nbuf), "cdef%s", cur);
	if (vname(newname, nbuf) == -1)
		return -1;
	copy = strdup(cdef);
	if (copy == NULL)
		return -1;
	for (tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save))
		if (strlist_add(&toks, tok) == -1)
			goto out;
	for (p = 0; p < 3; p++) {
		len = 0;
		for (i = 0; i < toks.n; i++)
			len += strlen(toks.v[i]) + 2 + 64;
		free(s);
		s = malloc(len + 1);
		if (s == NULL)
			goto out;
		s[0] = '\0';
		for (i = 0; i < toks.n; i++) {
			if (i > 0)
				strcat(s, ",");
			if (find_field(g->svc, toks.v[i], NULL) != NULL &&
			    attrs_get(
				&find_field(g->svc, toks.v[i], NULL)->attrs,
				"label") != NULL) {
				if (orig_to_cdef(g, toks.v[i], dn) == -1)
					goto out;
				len = strlen(s);
				s[len] = pfx[p];
				strcpy(s + len + 1, dn);
			} else
				strcat(s, toks.v[i]);
		}
		if (addf(rrd, "CDEF:%c%s=%s", pfx[p], newname, s) == -1)
			goto out;
	}
	free(g->cdef_name[fidx]);
	g->cdef_name[fidx] = strdup(newname);
	if (g->cdef_name[fidx] == NULL)
		goto out;
	memcpy(cur, newname, 64);
	rc = 0;
out:
	free(s);
	free(copy);
	strlist_cleanup(&toks);
	return rc;
}

static bool
draw_field(const struct field *f)
{
	return !graph_bool(attrs_get(&f->attrs, "skipdraw"), false) &&
	       graph_bool(attrs_get(&f->attrs, "graph"), true) &&
	       attrs_get(&f->attrs, "label") != NULL;
}

/* Whether Munin would process f at all (.sum/.stack are not supported). */
static bool
process_field(const struct field *f)
{
	return graph_bool(attrs_get(&f->attrs, "process"), true) &&
	       attrs_get(&f->attrs, "sum") == NULL &&
	       attrs_get(&f->attrs, "stack") == NULL;
}

static int
add_totals(struct strlist *rrd, const char *name, const struct strlist *src)
{
	struct strlist s = {0};
	size_t i;
	int rc = -1;

	if (addf(&s, "CDEF:%s=", name) == -1)
		goto out;
	for (i = 0; i < src->n; i++)
		if (addf(&s, "%s%s", i > 0 ? "," : "", src->v[i]) == -1)
			goto out;
	for (i = 1; i < src->n; i++)
		if (strlist_add(&s, ",ADDNAN") == -1)
			goto out;
	{
		size_t len = 0;
		char *j;

		for (i = 0; i < s.n; i++)
			len += strlen(s.v[i]);
		j = malloc(len + 1);
		if (j == NULL)
			goto out;
		j[0] = '\0';
		for (i = 0; i < s.n; i++)
			strcat(j, s.v[i]);
		rc = strlist_add(rrd, j);
		free(j);
	}
out:
	strlist_cleanup(&s);
	return rc;
}

/*
 * Emits HRULEs for "min:max" of a warning (NULL or "": none), at the front
 * of rrd.  Parts that are not numbers draw nothing.
 */
static int
warn_rules(struct strlist *rrd, const char *warn, const char *colour)
{
	char buf[128], *colon;

	if (warn == NULL)
		return 0;
	snprintf(buf, sizeof(buf), "%s", warn);
	colon = strchr(buf, ':');
	if (colon != NULL)
		*colon = '\0';
	if (buf[0] != '\0' && graph_number_ok(buf) &&
	    unshiftf(rrd, "HRULE:%s#%s:dashes", buf, colour) == -1)
		return -1;
	if (colon != NULL && colon[1] != '\0' && graph_number_ok(colon + 1) &&
	    unshiftf(rrd, "HRULE:%s#%s:dashes", colon + 1, colour) == -1)
		return -1;
	return 0;
}

/* Munin's /--base\s+1024/: base-1024 numbers need one more digit. */
static bool
base_1024(const char *args)
{
	const char *p = args != NULL ? strstr(args, "--base") : NULL;

	for (; p != NULL; p = strstr(p, "--base")) {
		p += 6;
		if (!isspace((unsigned char)*p))
			continue;
		p += strspn(p, " \t\n\r\f");
		if (strncmp(p, "1024", 4) == 0)
			return true;
	}
	return false;
}

/*
 * handle_trends(): for each labelled field, "trend yes" draws rrdtool's
 * TRENDNAN over future seconds and "predict LEN,SMOOTH" its PREDICT, in
 * the field's colour with alpha 66 (00aa00 for an undrawn field), the
 * label raw as Munin leaves it.  res is the period's resolution, s.
 * Fields come in config order (Munin's is Perl hash order).
 */
static int
trends(const struct gctx *g, struct strlist *out, time_t future, time_t res)
{
	const struct field *f;
	const char *t, *pr, *label, *comma;
	char rn[64], src[64], col[16], len[32];
	size_t i;

	for (i = 0; i < g->svc->nfields; i++) {
		f = &g->svc->fields[i];
		label = attrs_get(&f->attrs, "label");
		t = attrs_get(&f->attrs, "trend");
		pr = attrs_get(&f->attrs, "predict");
		if (label == NULL ||
		    ((t == NULL || strcmp(t, "yes") != 0) && pr == NULL))
			continue;
		if (vname(rn, f->name) == -1)
			return -1;
		snprintf(col, sizeof(col), "%s",
		    g->colour[i] != NULL ? g->colour[i] : "00aa00");
		if (g->colour[i] != NULL)
			strcat(col, "66");
		/* the label goes as it is in Munin; ':' would end it */
		if (strchr(label, ':') != NULL || strchr(label, '\\') != NULL)
			label = f->name;
		/*
		 * The source is the field's final CDEF:c.  Munin writes "c" .
		 * ("cdef" if a cdef) . DEF name: the same name, except with a
		 * cdef over graph_period minute/hour or a long name, where
		 * rrdtool refuses Munin's graph ("don't understand ccdefup").
		 */
		if (orig_to_cdef(g, f->name, src) == -1)
			return -1;
		if (t != NULL && strcmp(t, "yes") == 0 &&
		    (addf(out, "CDEF:t%s=c%s,%lld,TRENDNAN", rn, src,
			 (long long)future) == -1 ||
			addf(out, "LINE1:t%s#%s:%s trend\\l", rn, col, label) ==
			    -1))
			return -1;
		if (pr == NULL)
			continue;
		comma = strchr(pr, ',');
		snprintf(len, sizeof(len), "%.*s",
		    (int)(comma != NULL ? (size_t)(comma - pr) : strlen(pr)),
		    pr);
		if (comma == NULL || !graph_number_ok(len) ||
		    !graph_number_ok(comma + 1) || atof(len) < 1 ||
		    strspn(len, "0123456789") != strlen(len))
			continue;
		if (addf(out, "CDEF:p%s=%s,-%lld,%.15g,c%s,PREDICT", rn, len,
			(long long)(future / atol(len)) + 2,
			atof(comma + 1) * (double)res, src) == -1 ||
		    addf(out, "LINE1:p%s#%s:%s prediction\\l", rn, col,
			label) == -1)
			return -1;
	}
	return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	errno = EINVAL;
	return -1;
}

int
graph_build(struct strlist *out, const struct service *svc,
    const struct graph_params *p, char *err, size_t errlen)
{
	struct gctx g = {.svc = svc};
	struct graph_plan plan = {0};
	struct strlist order = {0}, rrd = {0}, neg = {0}, hdr = {0};
	struct strlist tp[3] = {{0}}, tn[3] = {{0}}; /* min, avg, max */
	const char *gargs, *period, *fmtattr, *v, *draw, *colour, *negname;
	char rrdformat[64], avgformat[64], scale[3], path[4096];
	char rn[64], negrn[64], tbuf[96], tbuf2[96], *label = NULL, *esc = NULL;
	const struct field *f, *nf;
	size_t i, fidx, maxlen = 0, len;
	time_t lastupdate = 0, update, future = 0;
	bool autostack = false, headers_done = false, have_neg = false;
	bool nullcdef;
	unsigned field_count = 0, width, height;
	int rc = -1, saved;

	err[0] = '\0';
	if (!graph_drawn(svc)) { /* skip_service() */
		snprintf(err, errlen, "%s: graph no", svc->name);
		errno = ENOENT;
		return -1;
	}
	/* expand_specials(): aliases, .sum and .stack as plain fields, each
	 * with its own file (graph_special.h); svc is the expanded one */
	if (graph_plan_make(
		&plan, svc, p->field_last, p->sources, p->nsources) == -1)
		goto out;
	svc = &plan.svc;
	g.svc = svc;
	g.cdef_name = calloc(svc->nfields + 1, sizeof(char *));
	g.colour = calloc(svc->nfields + 1, sizeof(char *));
	if (g.cdef_name == NULL || g.colour == NULL)
		goto out;

	/* ---- formats, as process_service() sets them up */
	gargs = attrs_get(&svc->graph, "graph_args");
	snprintf(avgformat, sizeof(avgformat), "%s",
	    base_1024(gargs) ? "%7.2lf" : "%6.2lf");
	fmtattr = attrs_get(&svc->graph, "graph_printf");
	if (fmtattr != NULL && !graph_printf_ok(fmtattr)) {
		rc = fail(
		    err, errlen, "graph_printf \"%.32s\" refused", fmtattr);
		goto out;
	}
	snprintf(rrdformat, sizeof(rrdformat), "%s",
	    fmtattr != NULL ? fmtattr : avgformat);
	snprintf(scale, sizeof(scale), "%s",
	    graph_bool(attrs_get(&svc->graph, "graph_scale"), true) ? "%s"
								    : "");
	period = attrs_get(&svc->graph, "graph_period");
	if (period == NULL)
		period = "second";

	for (i = 0; i < plan.order.n; i++) {
		len = strcspn(plan.order.v[i], "=");
		if (addf(&order, "%.*s", (int)len, plan.order.v[i]) == -1)
			goto out;
	}
	/* munin_get_max_label_length() */
	for (i = 0; i < order.n; i++) {
		f = find_field(svc, order.v[i], NULL);
		if (f == NULL || !process_field(f) || !draw_field(f))
			continue;
		len = strlen(attrs_get(&f->attrs, "label"));
		if (len > maxlen)
			maxlen = len;
	}
	v = attrs_get(&svc->graph, "graph_total");
	if (v != NULL && strlen(v) > maxlen)
		maxlen = strlen(v);
	if (p->sub_name_len > maxlen)
		maxlen = p->sub_name_len;

	for (i = 0; i < order.n; i++) {
		f = find_field(svc, order.v[i], &fidx);
		if (f == NULL || !process_field(f))
			continue;
		draw = fattr(svc, f, "draw");
		if (draw == NULL)
			draw = "LINE1";
		if (field_count == 0 && strcmp(draw, "STACK") == 0)
			draw = "LINE1";
		if (strcmp(draw, "AREASTACK") == 0) {
			draw = autostack ? "STACK" : "AREA";
			autostack = true;
		} else if (strncmp(draw, "LINESTACK", 9) == 0) {
			if (autostack)
				draw = "STACK";
			else {
				snprintf(
				    tbuf, sizeof(tbuf), "LINE%s", draw + 9);
				draw = tbuf;
			}
			autostack = true;
		}
		if (strcmp(draw, "AREA") != 0 && strcmp(draw, "STACK") != 0 &&
		    (strncmp(draw, "LINE", 4) != 0 ||
			strspn(draw + 4, "0123456789.") != strlen(draw + 4))) {
			rc = fail(err, errlen, "%s: draw \"%.16s\" refused",
			    f->name, draw);
			goto out;
		}
		snprintf(tbuf2, sizeof(tbuf2), "%s", draw);
		draw = tbuf2;

		v = attrs_get(&f->attrs, "filename"); /* another host's */
		if (v != NULL)
			snprintf(path, sizeof(path), "%s", v);
		else if (rrd_path(path, sizeof(path), p->dbdir, p->group_path,
			     p->host, svc->name, f->name,
			     field_type(f)) == -1) {
			rc = fail(err, errlen, "%s: no RRD path: %s", f->name,
			    strerror(errno));
			goto out;
		}
		update = plan.last != NULL ? plan.last[fidx] : 0;
		if (update > lastupdate)
			lastupdate = update;

		if (vname(rn, f->name) == -1)
			goto out;
		if (strcmp(rn, f->name) == 0) { /* reset_cdef() */
			free(g.cdef_name[fidx]);
			g.cdef_name[fidx] = NULL;
		}
		if (unshiftf(&rrd, "DEF:g%s=%s:42:AVERAGE", rn, path) == -1 ||
		    unshiftf(&rrd, "DEF:i%s=%s:42:MIN", rn, path) == -1 ||
		    unshiftf(&rrd, "DEF:a%s=%s:42:MAX", rn, path) == -1)
			goto out;
		/* .stack members: the stale cut before their cdef */
		nullcdef =
		    graph_bool(attrs_get(&f->attrs, "onlynullcdef"), false);
		if (nullcdef &&
		    addf(&rrd, "CDEF:c%s=g%s%s", rn, rn,
			plan.last != NULL && p->now - update > STALE_SECS
			    ? ",POP,UNKN"
			    : "") == -1)
			goto out;
		if (field_type(f) != DS_GAUGE &&
		    (strcmp(period, "minute") == 0 ||
			strcmp(period, "hour") == 0)) {
			snprintf(tbuf, sizeof(tbuf), "%s,%s,*", f->name,
			    strcmp(period, "minute") == 0 ? "60" : "3600");
			if (expand_cdef(&g, &rrd, fidx, rn, tbuf) == -1)
				goto out;
		}
		v = attrs_get(&f->attrs, "cdef");
		if (v != NULL && v[0] != '\0') {
			if (!graph_cdef_ok(v)) {
				rc = fail(err, errlen,
				    "%s: cdef \"%.64s\" refused", f->name, v);
				goto out;
			}
			if (expand_cdef(&g, &rrd, fidx, rn, v) == -1 ||
			    addf(&rrd, "CDEF:c%s=g%s", rn, rn) == -1)
				goto out;
		} else if (!nullcdef &&
			   addf(&rrd, "CDEF:c%s=g%s%s", rn, rn,
			       plan.last != NULL && p->now - update > STALE_SECS
				   ? ",POP,UNKN"
				   : "") == -1)
			goto out;

		if (!draw_field(f))
			continue;

		negname = attrs_get(&f->attrs, "negative");
		if (negname != NULL && negname[0] == '\0')
			negname = NULL;
		if (!headers_done) {
			headers_done = true;
			if (addf(&rrd, "COMMENT:%*s", (int)maxlen, "") == -1)
				goto out;
			if (negname != NULL && neg.n == 0) {
				if (strlist_add(&rrd, "COMMENT:Cur (-/+)") ==
					-1 ||
				    strlist_add(&rrd, "COMMENT:Min (-/+)") ==
					-1 ||
				    strlist_add(&rrd, "COMMENT:Avg (-/+)") ==
					-1 ||
				    strlist_add(
					&rrd, "COMMENT:Max (-/+) \\j") == -1)
					goto out;
			} else if (strlist_add(&rrd, "COMMENT: Cur\\:") == -1 ||
				   strlist_add(&rrd, "COMMENT:Min\\:") == -1 ||
				   strlist_add(&rrd, "COMMENT:Avg\\:") == -1 ||
				   strlist_add(&rrd, "COMMENT:Max\\:  \\j") ==
				       -1)
				goto out;
		}

		colour = fattr(svc, f, "colour");
		if (colour != NULL && strncmp(colour, "COLOUR", 6) == 0 &&
		    colour[6] != '\0' &&
		    strspn(colour + 6, "0123456789") == strlen(colour + 6))
			colour =
			    palette[strtoul(colour + 6, NULL, 10) % NPALETTE];
		if (colour == NULL || !graph_colour_ok(colour))
			colour = palette[field_count % NPALETTE];
		field_count++;
		g.colour[fidx] = colour;

		free(label);
		free(esc);
		esc = NULL;
		label = subst_period(attrs_get(&f->attrs, "label"), period);
		if (label == NULL)
			goto out;
		esc = escape(label);
		if (esc == NULL)
			goto out;
		len = strlen(label);
		if (addf(&rrd, "%s:g%s#%s:%s%*s", draw, rn, colour, esc,
			(int)(maxlen + 1 > len ? maxlen + 1 - len : 0),
			"") == -1)
			goto out;

		if (negname != NULL) {
			if (orig_to_cdef(&g, negname, negrn) == -1)
				goto out;
			nf = find_field(svc, negname, NULL);
			/* a negative that is a .sum: its last member, which
			 * holds the sum.  munin-graph names its raw DEF
			 * ("gz1_1") and then its never-made "cz1_1", and
			 * rrdtool refuses the graph; drover names the sum
			 * (docs/design-notes.md) */
			v = nf != NULL ? attrs_get(&nf->attrs, "realname")
				       : NULL;
			if (v != NULL) {
				if (orig_to_cdef(&g, v, negrn) == -1)
					goto out;
				nf = find_field(svc, v, NULL);
			}
			if (neg.n == 0 &&
			    addf(&neg, "CDEF:re_zero=g%s,UN,0,0,IF", negrn) ==
				-1)
				goto out;
			if (addf(&neg, "CDEF:ng%s=g%s,-1,*", negrn, negrn) ==
				-1 ||
			    addf(&neg, "%s:ng%s#%s", draw, negrn, colour) == -1)
				goto out;
			have_neg = true;
			v = nf != NULL ? fattr(svc, nf, "line") : NULL;
			if (v != NULL && v[0] != '\0') {
				char num[64], col[16];

				snprintf(num, sizeof(num), "%.*s",
				    (int)strcspn(v, ":"), v);
				col[0] = '\0';
				if (strchr(v, ':') != NULL)
					snprintf(col, sizeof(col), "%.*s",
					    (int)strcspn(
						strchr(v, ':') + 1, ":"),
					    strchr(v, ':') + 1);
				if (graph_number_ok(num) &&
				    unshiftf(&neg, "HRULE:%s#%s", num,
					graph_colour_ok(col) ? col : colour) ==
					-1)
					goto out;
			} else if (nf != NULL &&
				   warn_rules(&rrd, fattr(svc, nf, "warning"),
				       colour) == -1)
				goto out;
			if (addf(&rrd, "GPRINT:c%s:LAST:%s%s/\\g", negrn,
				rrdformat, scale) == -1 ||
			    addf(&rrd, "GPRINT:c%s:LAST:%s%s", rn, rrdformat,
				scale) == -1 ||
			    addf(&rrd, "GPRINT:i%s:MIN:%s%s/\\g", negrn,
				rrdformat, scale) == -1 ||
			    addf(&rrd, "GPRINT:i%s:MIN:%s%s", rn, rrdformat,
				scale) == -1 ||
			    addf(&rrd, "GPRINT:g%s:AVERAGE:%s%s/\\g", negrn,
				avgformat, scale) == -1 ||
			    addf(&rrd, "GPRINT:g%s:AVERAGE:%s%s", rn, avgformat,
				scale) == -1 ||
			    addf(&rrd, "GPRINT:a%s:MAX:%s%s/\\g", negrn,
				rrdformat, scale) == -1 ||
			    addf(&rrd, "GPRINT:a%s:MAX:%s%s\\j", rn, rrdformat,
				scale) == -1)
				goto out;
			if (addf(&tn[0], "i%s", negrn) == -1 ||
			    addf(&tn[1], "g%s", negrn) == -1 ||
			    addf(&tn[2], "a%s", negrn) == -1)
				goto out;
		} else if (addf(&rrd, "GPRINT:c%s:LAST:%s%s", rn, rrdformat,
			       scale) == -1 ||
			   addf(&rrd, "GPRINT:i%s:MIN:%s%s", rn, rrdformat,
			       scale) == -1 ||
			   addf(&rrd, "GPRINT:g%s:AVERAGE:%s%s", rn, avgformat,
			       scale) == -1 ||
			   addf(&rrd, "GPRINT:a%s:MAX:%s%s\\j", rn, rrdformat,
			       scale) == -1)
			goto out;
		if (addf(&tp[0], "i%s", rn) == -1 ||
		    addf(&tp[1], "g%s", rn) == -1 ||
		    addf(&tp[2], "a%s", rn) == -1)
			goto out;

		v = fattr(svc, f, "line");
		if (v != NULL && v[0] != '\0') {
			char num[64], col[16], *lab = NULL, *lesc = NULL, *lab2;
			const char *c1 = strchr(v, ':'), *c2 = NULL;

			snprintf(
			    num, sizeof(num), "%.*s", (int)strcspn(v, ":"), v);
			col[0] = '\0';
			if (c1 != NULL) {
				c2 = strchr(c1 + 1, ':');
				snprintf(col, sizeof(col), "%.*s",
				    (int)strcspn(c1 + 1, ":"), c1 + 1);
			}
			if (c2 != NULL && c2[1] != '\0') {
				lab = strdup(c2 + 1);
				lesc = lab != NULL ? escape(lab) : NULL;
				if (lesc == NULL) {
					free(lab);
					goto out;
				}
			}
			if (graph_number_ok(num)) {
				saved = unshiftf(&rrd, "HRULE:%s#%s%s%s", num,
				    graph_colour_ok(col) ? col : colour,
				    lesc != NULL ? ":" : "",
				    lesc != NULL ? lesc : "");
				if (saved == 0)
					saved =
					    strlist_add(&rrd, "COMMENT: \\j");
				if (saved == 0) { /* front: HRULE, COMMENT */
					to_front(&rrd, 1);
					lab2 = rrd.v[0];
					rrd.v[0] = rrd.v[1];
					rrd.v[1] = lab2;
				}
			} else
				saved = 0;
			free(lab);
			free(lesc);
			if (saved == -1)
				goto out;
		} else if (warn_rules(&rrd, fattr(svc, f, "warning"), colour) ==
			   -1)
			goto out;
	}
	if (field_count == 0) {
		rc = fail(err, errlen, "%s: no field to draw", svc->name);
		goto out;
	}

	v = attrs_get(&svc->graph, "graph_total");
	if (have_neg) {
		if (append_all(&rrd, &neg) == -1 ||
		    strlist_add(&rrd, "LINE1:re_zero#000000") == -1)
			goto out;
		if (v != NULL && tp[0].n > 0 && tn[0].n > 0) {
			free(esc);
			esc = escape(v);
			if (esc == NULL)
				goto out;
			if (add_totals(&rrd, "ipostotal", &tp[0]) == -1 ||
			    add_totals(&rrd, "gpostotal", &tp[1]) == -1 ||
			    add_totals(&rrd, "apostotal", &tp[2]) == -1 ||
			    add_totals(&rrd, "inegtotal", &tn[0]) == -1 ||
			    add_totals(&rrd, "gnegtotal", &tn[1]) == -1 ||
			    add_totals(&rrd, "anegtotal", &tn[2]) == -1 ||
			    addf(&rrd, "LINE1:gpostotal#000000:%s%*s", esc,
				(int)(maxlen + 1 - strlen(v)), "") == -1 ||
			    addf(&rrd, "GPRINT:gnegtotal:LAST:%s%s/\\g",
				rrdformat, scale) == -1 ||
			    addf(&rrd, "GPRINT:gpostotal:LAST:%s%s", rrdformat,
				scale) == -1 ||
			    addf(&rrd, "GPRINT:inegtotal:MIN:%s%s/\\g",
				rrdformat, scale) == -1 ||
			    addf(&rrd, "GPRINT:ipostotal:MIN:%s%s", rrdformat,
				scale) == -1 ||
			    addf(&rrd, "GPRINT:gnegtotal:AVERAGE:%s%s/\\g",
				avgformat, scale) == -1 ||
			    addf(&rrd, "GPRINT:gpostotal:AVERAGE:%s%s",
				avgformat, scale) == -1 ||
			    addf(&rrd, "GPRINT:anegtotal:MAX:%s%s/\\g",
				rrdformat, scale) == -1 ||
			    addf(&rrd, "GPRINT:apostotal:MAX:%s%s\\j",
				rrdformat, scale) == -1)
				goto out;
		}
	} else if (v != NULL && tp[0].n > 0) {
		free(esc);
		esc = escape(v);
		if (esc == NULL)
			goto out;
		if (add_totals(&rrd, "ipostotal", &tp[0]) == -1 ||
		    add_totals(&rrd, "gpostotal", &tp[1]) == -1 ||
		    add_totals(&rrd, "apostotal", &tp[2]) == -1 ||
		    addf(&rrd, "LINE1:gpostotal#000000:%s%*s", esc,
			(int)(maxlen + 1 - strlen(v)), "") == -1 ||
		    addf(&rrd, "GPRINT:gpostotal:LAST:%s%s", rrdformat,
			scale) == -1 ||
		    addf(&rrd, "GPRINT:ipostotal:MIN:%s%s", rrdformat, scale) ==
			-1 ||
		    addf(&rrd, "GPRINT:gpostotal:AVERAGE:%s%s", avgformat,
			scale) == -1 ||
		    addf(&rrd, "GPRINT:apostotal:MAX:%s%s\\j", rrdformat,
			scale) == -1)
			goto out;
	}

	/* get_custom_graph_args_after(): the same whitelist as graph_args */
	v = attrs_get(&svc->graph, "graph_args_after");
	if (v != NULL &&
	    graph_args_parse(v, &rrd, g.err, sizeof(g.err)) == -1) {
		if (errno == EINVAL)
			rc = fail(err, errlen, "graph_args_after: %s", g.err);
		goto out;
	}

	/* ---- header: get_header() */
	if (strlist_add(&hdr, "graph") == -1 || strlist_add(&hdr, "-") == -1)
		goto out;
	if (p->daemon != NULL && (strlist_add(&hdr, "--daemon") == -1 ||
				     strlist_add(&hdr, p->daemon) == -1))
		goto out;
	v = attrs_get(&svc->graph, "graph_title");
	free(label);
	label = subst_period(v != NULL ? v : svc->name, period);
	if (label == NULL)
		goto out;
	if (p->period == GRAPH_CUSTOM) {
		munin_time(tbuf, sizeof(tbuf), p->start, false);
		munin_time(tbuf2, sizeof(tbuf2), p->end, false);
		if (strlist_add(&hdr, "--title") == -1 ||
		    addf(&hdr, "%s - from %s to %s", label, tbuf, tbuf2) ==
			-1 ||
		    strlist_add(&hdr, "--start") == -1 ||
		    addf(&hdr, "%lld", (long long)p->start) == -1 ||
		    strlist_add(&hdr, "--end") == -1 ||
		    addf(&hdr, "%lld", (long long)p->end) == -1)
			goto out;
	} else if (strlist_add(&hdr, "--title") == -1 ||
		   addf(&hdr, "%s - by %s", label,
		       graph_period_str(p->period)) == -1 ||
		   strlist_add(&hdr, "--start") == -1 ||
		   addf(&hdr, "%lld", (long long)p->start) == -1)
		goto out;
	if (gargs != NULL &&
	    graph_args_parse(gargs, &hdr, g.err, sizeof(g.err)) == -1) {
		if (errno == EINVAL)
			rc = fail(err, errlen, "%s", g.err);
		goto out;
	}
	if (p->limits && (!isfinite(p->lower) || !isfinite(p->upper) ||
			     p->lower >= p->upper)) {
		rc = fail(err, errlen, "limits %g..%g not a range", p->lower,
		    p->upper);
		goto out;
	}
	if (p->limits && (strlist_add(&hdr, "--lower-limit") == -1 ||
			     addf(&hdr, "%.17g", p->lower) == -1 ||
			     strlist_add(&hdr, "--upper-limit") == -1 ||
			     addf(&hdr, "%.17g", p->upper) == -1 ||
			     strlist_add(&hdr, "--rigid") == -1))
		goto out;
	v = attrs_get(&svc->graph, "graph_vlabel");
	if (v == NULL)
		v = attrs_get(&svc->graph, "graph_vtitle");
	if (v != NULL) {
		free(label);
		label = subst_period(v, period);
		if (label == NULL ||
		    strlist_add(&hdr, "--vertical-label") == -1 ||
		    strlist_add(&hdr, label) == -1)
			goto out;
	}
	height = p->height;
	v = attrs_get(&svc->graph, "graph_height");
	if (height == 0 && v != NULL && graph_int_ok(v) && atoi(v) > 0)
		height = (unsigned)atoi(v);
	width = p->width;
	v = attrs_get(&svc->graph, "graph_width");
	if (width == 0 && v != NULL && graph_int_ok(v) && atoi(v) > 0)
		width = (unsigned)atoi(v);
	if (height == 0)
		height = 175;
	if (width == 0)
		width = 400;
	if (width > SIZE_MAX_PX || height > SIZE_MAX_PX) {
		rc = fail(err, errlen, "size %ux%u too large", width, height);
		goto out;
	}
	if (strlist_add(&hdr, "--slope-mode") == -1 ||
	    strlist_add(&hdr, "--height") == -1 ||
	    addf(&hdr, "%u", height) == -1 ||
	    strlist_add(&hdr, "--width") == -1 ||
	    addf(&hdr, "%u", width) == -1 ||
	    strlist_add(&hdr, "--imgformat") == -1 ||
	    strlist_add(&hdr, p->format == GRAPH_SVG ? "SVG" : "PNG") == -1)
		goto out;
	/* should_scale(): graph_scale, else not graph_noscale */
	v = attrs_get(&svc->graph, "graph_scale");
	if (!(v != NULL ? graph_bool(v, true)
			: !graph_bool(attrs_get(&svc->graph, "graph_noscale"),
			      false)) &&
	    (strlist_add(&hdr, "--units-exponent") == -1 ||
		strlist_add(&hdr, "0") == -1))
		goto out;
	for (i = 0; i < sizeof(munin_look) / sizeof(munin_look[0]); i++)
		if (strlist_add(&hdr, munin_look[i]) == -1)
			goto out;
	if (p->watermark != NULL && (strlist_add(&hdr, "-W") == -1 ||
					strlist_add(&hdr, p->watermark) == -1))
		goto out;

	/* ---- assemble: header, elements, handle_trends() */
	if (append_all(out, &hdr) == -1 || append_all(out, &rrd) == -1)
		goto out;
	/* graph_future: periods of the resolution after now (not zoomed) */
	v = attrs_get(&svc->graph, "graph_future");
	if (v != NULL && p->period != GRAPH_CUSTOM && graph_number_ok(v) &&
	    strspn(v, "0123456789") == strlen(v) && strlen(v) < 7)
		future = (time_t)atol(v) * periods[p->period].res;
	if (lastupdate > 0 && p->now + future > lastupdate &&
	    addf(out, "VRULE:%lld#999999", (long long)lastupdate) == -1)
		goto out;
	if (trends(&g, out, future,
		p->period != GRAPH_CUSTOM ? periods[p->period].res : 0) == -1)
		goto out;
	if (lastupdate > 0) {
		munin_time(tbuf, sizeof(tbuf), lastupdate, true);
		if (addf(out, "COMMENT:Last update\\: %s\\r", tbuf) == -1)
			goto out;
	}
	/* after a .sum or .stack munin-graph ends one step earlier */
	if (p->period != GRAPH_CUSTOM &&
	    (strlist_add(out, "--end") == -1 ||
		addf(out, "%lld",
		    (long long)(p->end + future -
				(plan.special ? periods[p->period].res : 0))) ==
		    -1))
		goto out;
	rc = 0;
out:
	saved = errno;
	for (i = 0; g.cdef_name != NULL && i < svc->nfields; i++)
		free(g.cdef_name[i]);
	free(g.cdef_name);
	graph_plan_cleanup(&plan);
	free(g.colour);
	free(label);
	free(esc);
	strlist_cleanup(&order);
	strlist_cleanup(&rrd);
	strlist_cleanup(&neg);
	strlist_cleanup(&hdr);
	for (i = 0; i < 3; i++) {
		strlist_cleanup(&tp[i]);
		strlist_cleanup(&tn[i]);
	}
	if (rc == -1 && err[0] == '\0')
		snprintf(err, errlen, "%s", strerror(saved));
	errno = saved;
	return rc;
}
