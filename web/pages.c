/*
 * pages: HTML builders.  Every name and value from a node or the config
 * goes through html_escape()/html_escape_url().
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts/outputs.h"
#include "lib/hash.h"
#include "rrd/graph.h"
#include "rrd/render.h"
#include "rrd/rrd_writer.h"
#include "rrd/rrdcached_proc.h"
#include "web/api.h"
#include "web/field_value.h"
#include "web/html.h"
#include "web/http.h"
#include "web/metrics.h" /* struct remote_write_stats */
#include "web/pages.h"
#include "web/peers.h"
#include "web/power.h"

static void
head(struct buf *b, const char *title)
{
	buf_puts(b, "<!doctype html><html lang=en><head><meta charset=utf-8>"
		    "<meta name=viewport content=\"width=device-width,"
		    "initial-scale=1\"><title>");
	html_escape(b, title);
	buf_puts(b, " - drover</title><link rel=icon href=\"data:,\">"
		    "<link rel=stylesheet "
		    "href=\"/drover.css\"><script src=\"/drover.js\" "
		    "defer></script></head><body><header>"
		    "<a href=\"/\">drover</a><a href=\"/alerts\">alerts</a>"
		    "<a href=\"/health\">health</a>"
		    "</header><main>");
}

static char *
foot(struct buf *b, size_t *len)
{
	buf_puts(b, "</main></body></html>\n");
	return buf_take(b, len);
}

/* "42 s ago", "3 min ago", "never" */
static void
age(struct buf *b, time_t when, time_t now)
{
	long d = (long)(now - when);

	if (when == 0)
		buf_puts(b, "never");
	else if (d < 120)
		buf_printf(b, "%ld s ago", d < 0 ? 0 : d);
	else if (d < 7200)
		buf_printf(b, "%ld min ago", d / 60);
	else if (d < 172800)
		buf_printf(b, "%ld h ago", d / 3600);
	else
		buf_printf(b, "%ld days ago", d / 86400);
}

/* DOWN, STALE (cat_host_stale at now), else its worst field's state. */
static const char *
host_state_name(const struct cat_host *h, unsigned *problems, time_t now)
{
	enum field_state s = cat_host_state(h, problems);

	if (h->state == HOST_DOWN)
		return "DOWN";
	if (cat_host_stale(h, now))
		return "STALE";
	return field_state_str(s);
}

static int
cmp_group(const void *a, const void *b)
{
	const struct cat_host *x = *(const struct cat_host *const *)a;
	const struct cat_host *y = *(const struct cat_host *const *)b;
	int c = strcmp(
	    x->group != NULL ? x->group : "", y->group != NULL ? y->group : "");

	return c != 0 ? c : strcmp(x->name, y->name);
}

/* href to host h's service svc: "/HOST/SERVICE/" */
static void
service_href(struct buf *b, const struct cat_host *h, const char *svc)
{
	buf_puts(b, "/");
	html_escape_url(b, h->name);
	buf_puts(b, "/");
	html_escape_url(b, svc);
	buf_puts(b, "/");
}

/* A value cell of the power tables: the number and unit, coloured by
 * the field's state; empty when the service has no such field. */
static void
power_cell(struct buf *b, const struct power_value *v, const char *fmt,
    const char *unit)
{
	if (!v->present) {
		buf_puts(b, "<td class=num></td>");
		return;
	}
	buf_printf(b, "<td class=\"num fs-%s\" title=\"%s\">",
	    field_state_str(v->st), field_state_str(v->st));
	if (v->known) {
		buf_printf(b, fmt, v->value);
		buf_printf(b, " %s", unit);
	} else {
		buf_puts(b, "-");
	}
	buf_puts(b, "</td>");
}

static void
power_banks(struct buf *b, const struct power_view *v)
{
	static const char *const arrows[] = {"", "&uarr;", "&darr;", "&rarr;"};
	const struct power_bank *k;
	const char *t;
	char text[128];
	size_t i;

	buf_puts(b, "<table class=\"power banks\"><tr><th>bank</th>"
		    "<th>host</th><th>voltage</th><th>charge</th><th>current"
		    "</th><th>trend</th><th>cut-off</th></tr>");
	for (i = 0; i < v->nbanks; i++) {
		k = &v->banks[i];
		buf_printf(b,
		    "<tr class=bank><td class=\"st st-%s\"><a href=\"",
		    field_state_str(k->st));
		service_href(b, k->h, k->cs->svc.name);
		buf_puts(b, "\">");
		html_escape(b, k->title);
		buf_printf(b, "</a> <span class=state>%s</span></td><td>",
		    field_state_str(k->st));
		html_escape(b, k->h->name);
		buf_puts(b, "</td>");
		power_cell(b, &k->voltage, "%.2f", "V");
		power_cell(b, &k->soc, "%.0f", "%");
		power_cell(b, &k->current, "%+.1f", "A");
		t = power_trend_str(k->trend);
		if (t != NULL)
			buf_printf(b,
			    "<td class=trend><span class=trend title=\"%s "
			    "(%s)\">"
			    "%s</span></td>",
			    t,
			    k->trend_forecast ? "forecast" : "last two polls",
			    arrows[k->trend]);
		else
			buf_puts(b, "<td class=trend></td>");
		power_cutoff_text(k, text, sizeof(text));
		buf_printf(b, "<td class=\"cutoff fs-%s\">",
		    k->cutoff.present && k->cutoff.known
			? field_state_str(k->cutoff.st)
			: "OK");
		html_escape(b, text);
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</table>");
}

static void
power_rails(struct buf *b, const struct power_view *v)
{
	const struct power_rail *r;
	size_t i;

	buf_puts(b, "<table class=\"power rails\"><tr><th>12 V rail</th>"
		    "<th>host</th><th>value</th><th>warning</th>"
		    "<th>critical</th></tr>");
	for (i = 0; i < v->nrails; i++) {
		r = &v->rails[i];
		buf_printf(b,
		    "<tr class=rail><td class=\"st st-%s\"><a href=\"",
		    field_state_str(r->v.st));
		service_href(b, r->h, r->cs->svc.name);
		buf_puts(b, "\">");
		html_escape(b, r->label);
		buf_printf(b, "</a> <span class=state>%s</span></td><td>",
		    field_state_str(r->v.st));
		html_escape(b, r->h->name);
		buf_puts(b, "</td>");
		power_cell(b, &r->v, "%.2f", "V");
		buf_puts(b, "<td>");
		html_escape(b, r->warning != NULL ? r->warning : "");
		buf_puts(b, "</td><td>");
		html_escape(b, r->critical != NULL ? r->critical : "");
		buf_puts(b, "</td></tr>");
	}
	buf_puts(b, "</table>");
}

/* The overview's power section: nothing at all without banks or rails.
 * 0, or -1 on allocation failure. */
static int
power_section(struct buf *b, const struct catalog *cat)
{
	struct power_view v;

	if (power_view_init(&v, cat) == -1)
		return -1;
	if (!power_view_empty(&v)) {
		buf_puts(b, "<section class=power><h2>Power</h2>");
		if (v.nbanks > 0)
			power_banks(b, &v);
		if (v.nrails > 0)
			power_rails(b, &v);
		buf_puts(b, "</section>");
	}
	power_view_cleanup(&v);
	return 0;
}

/*
 * The overview's states, worst first: the order of the problems block
 * and of the counts.  STALE is a host that is up but whose values
 * stopped coming (cat_host_stale).
 */
enum ov_state {
	OV_DOWN,
	OV_CRITICAL,
	OV_WARNING,
	OV_UNKNOWN,
	OV_STALE,
	OV_OK,
	OV_NSTATES
};

static const char *const ov_names[OV_NSTATES] = {
    "DOWN", "CRITICAL", "WARNING", "UNKNOWN", "STALE", "OK"};

static enum ov_state
ov_of_field(enum field_state s)
{
	switch (s) {
	case FS_CRITICAL:
		return OV_CRITICAL;
	case FS_WARNING:
		return OV_WARNING;
	case FS_UNKNOWN:
		return OV_UNKNOWN;
	default:
		return OV_OK;
	}
}

/* h's state on the overview: DOWN, else STALE (its field states are as
 * old as its values), else its worst field's. */
static enum ov_state
host_ov(const struct cat_host *h, time_t now, unsigned *problems)
{
	enum field_state s = cat_host_state(h, problems);

	if (h->state == HOST_DOWN)
		return OV_DOWN;
	if (cat_host_stale(h, now))
		return OV_STALE;
	return ov_of_field(s);
}

/* "WORD 2026-12-02 13:05 UTC (12 min ago)"; nothing when when is 0. */
static void
when_text(struct buf *b, const char *word, time_t when, time_t now)
{
	struct tm tm;
	char iso[32], text[32];

	if (when <= 0 || gmtime_r(&when, &tm) == NULL)
		return;
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	strftime(text, sizeof(text), "%Y-%m-%d %H:%M UTC", &tm);
	buf_printf(b, "%s <time datetime=\"%s\">%s</time> (", word, iso, text);
	age(b, when, now);
	buf_puts(b, ")");
}

/* "since 2026-12-02 13:05 UTC (12 min ago)" */
static void
since(struct buf *b, time_t when, time_t now)
{
	when_text(b, "since", when, now);
}

/*
 * The overview's search: q's words (split at white space, at most
 * OV_QUERY_MAX bytes of q read), each of which must occur in an item's
 * text, ASCII case folded: the same rule web/assets/js/filter.js applies
 * as one types.
 */
#define OV_QUERY_MAX 256
#define OV_WORDS 16

struct ov_query {
	char buf[OV_QUERY_MAX + 1];
	const char *w[OV_WORDS];
	size_t n;
};

static void
query_parse(struct ov_query *oq, const char *q)
{
	char *p, *save = NULL;

	oq->n = 0;
	snprintf(oq->buf, sizeof(oq->buf), "%s", q != NULL ? q : "");
	for (p = strtok_r(oq->buf, " \t\r\n\f\v", &save);
	     p != NULL && oq->n < OV_WORDS;
	     p = strtok_r(NULL, " \t\r\n\f\v", &save))
		oq->w[oq->n++] = p;
}

static bool
query_matches(const struct ov_query *oq, const char *text)
{
	size_t i;

	for (i = 0; i < oq->n; i++)
		if (strcasestr(text, oq->w[i]) == NULL)
			return false;
	return true;
}

/*
 * The search's words shared by the hosts (service and field names and
 * labels repeat from host to host): each is sent once, in the page's
 * data-words ('\n'-separated), and a host's data-w lists its words'
 * indices there (base 36).  This keeps the page a fraction of the size
 * of every host carrying its own words (bench/overview.sh).  Words point
 * into the catalog, which outlives the page's rendering.
 */
struct ov_dict {
	const char **w;	 /* words by index */
	uint32_t *stamp; /* per word: the item that last took it, + 1 */
	uint32_t item;	 /* the item taking words now, + 1 */
	size_t n, cap;
	uint32_t *slot; /* open addressing: index + 1, 0 empty */
	size_t nslot;	/* a power of two, > 2 n */
	bool oom;
};

static void
dict_free(struct ov_dict *d)
{
	free(d->w);
	free(d->stamp);
	free(d->slot);
}

/* Rebuilds the slots at nslot (a power of two).  0 / -1. */
static int
dict_rehash(struct ov_dict *d, size_t nslot)
{
	uint32_t *ns = calloc(nslot, sizeof(*ns));
	size_t i, k;

	if (ns == NULL)
		return -1;
	for (i = 0; i < d->n; i++) {
		k = hash_str(HASH_INIT, d->w[i]) & (nslot - 1);
		while (ns[k] != 0)
			k = (k + 1) & (nslot - 1);
		ns[k] = (uint32_t)i + 1;
	}
	free(d->slot);
	d->slot = ns;
	d->nslot = nslot;
	return 0;
}

/* w's index in d, added when new; -1 on allocation failure (d->oom). */
static long
dict_index(struct ov_dict *d, const char *w)
{
	const char **nw;
	uint32_t *ns;
	size_t k;

	if (d->n * 2 + 2 > d->nslot &&
	    dict_rehash(d, d->nslot ? d->nslot * 2 : 1024) == -1)
		goto oom;
	k = hash_str(HASH_INIT, w) & (d->nslot - 1);
	for (; d->slot[k] != 0; k = (k + 1) & (d->nslot - 1))
		if (strcmp(d->w[d->slot[k] - 1], w) == 0)
			return (long)d->slot[k] - 1;
	if (d->n == d->cap) {
		nw = realloc(d->w, (d->cap ? d->cap * 2 : 256) * sizeof(*nw));
		if (nw == NULL)
			goto oom;
		d->w = nw;
		ns = realloc(
		    d->stamp, (d->cap ? d->cap * 2 : 256) * sizeof(*ns));
		if (ns == NULL)
			goto oom;
		d->stamp = ns;
		d->cap = d->cap ? d->cap * 2 : 256;
	}
	d->w[d->n] = w;
	d->stamp[d->n] = 0;
	d->slot[k] = (uint32_t)d->n + 1;
	return (long)d->n++;
oom:
	d->oom = true;
	return -1;
}

/*
 * Where the search's words of one item go: its text (when text: the
 * server matches ?q= against it, and a problem's data-q is it), and
 * with d the indices of its shared words (a host's data-w).
 */
struct ov_text {
	struct buf t;	   /* the words, each followed by ' ' */
	bool text;	   /* fill t */
	struct ov_dict *d; /* NULL: no indices */
	uint32_t *ix;	   /* indices into d of the shared words */
	size_t nix, cap;
};

static void
text_reset(struct ov_text *x)
{
	x->t.len = 0;
	if (x->t.p != NULL)
		x->t.p[0] = '\0';
	x->nix = 0;
}

static const char *
text_of(const struct ov_text *x)
{
	return x->t.p != NULL ? x->t.p : "";
}

/* Adds word to x: to its text, and when shared to its indices. */
static void
text_word(struct ov_text *x, const char *word, bool shared)
{
	uint32_t *nv;
	long i;

	if (x->text) {
		buf_puts(&x->t, word);
		buf_putc(&x->t, ' ');
	}
	if (!shared || x->d == NULL || strchr(word, '\n') != NULL)
		return;
	i = dict_index(x->d, word);
	if (i < 0 || x->d->stamp[i] == x->d->item)
		return; /* each word once per item */
	x->d->stamp[i] = x->d->item;
	if (x->nix == x->cap) {
		nv = realloc(x->ix, (x->cap ? x->cap * 2 : 64) * sizeof(*nv));
		if (nv == NULL) {
			x->d->oom = true;
			return;
		}
		x->ix = nv;
		x->cap = x->cap ? x->cap * 2 : 64;
	}
	x->ix[x->nix++] = (uint32_t)i;
}

/* The names of field i of cs: its name, and its label when another. */
static void
text_field(struct ov_text *x, const struct cat_service *cs, size_t i)
{
	const struct field *f = &cs->svc.fields[i];
	const char *label = cs->fields[i].spec.label; /* parsed: no lookup */

	text_word(x, f->name, true);
	if (label != NULL && strcasecmp(label, f->name) != 0)
		text_word(x, label, true);
}

static const char *svc_title(const struct cat_service *cs);

/* What the search looks at for service cs (fields: only those not OK
 * when problems). */
static void
text_service(struct ov_text *x, const struct cat_service *cs, bool problems)
{
	size_t i;

	text_word(x, cs->svc.name, true);
	if (strcmp(svc_title(cs), cs->svc.name) != 0)
		text_word(x, svc_title(cs), true);
	for (i = 0; i < cs->svc.nfields; i++)
		if (!problems || (cs->svc.fields[i].has_value &&
				     cat_field_state(cs, i) != FS_OK))
			text_field(x, cs, i);
}

/* What the search looks at for host h: its name and group (its own
 * data-q), services and fields (names and labels, shared); drover's own
 * metrics only by service, as their fields are named after every
 * host. */
static void
text_host(struct ov_text *x, const struct cat_host *h)
{
	bool self = strcmp(h->name, CATALOG_SELF) == 0;
	size_t i;

	text_word(x, h->name, false);
	if (h->group != NULL)
		text_word(x, h->group, false);
	for (i = 0; i < h->nservices; i++)
		if (self)
			text_word(x, h->services[i].svc.name, true);
		else
			text_service(x, &h->services[i], false);
}

/* x's text as a data-q attribute (escaped), then x emptied. */
static void
data_q(struct buf *b, struct ov_text *x)
{
	buf_puts(b, " data-q=\"");
	if (x->t.len > 0 && x->t.p[x->t.len - 1] == ' ')
		x->t.p[--x->t.len] = '\0';
	html_escape(b, text_of(x));
	buf_puts(b, "\"");
	text_reset(x);
}

/* h's own words as data-q and its shared ones as data-w (indices, each
 * once, base 36); x emptied, ready for the next item. */
static void
data_host(struct buf *b, const struct cat_host *h, struct ov_text *x)
{
	static const char digits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
	char num[16];
	size_t i, k;
	uint32_t v;

	buf_puts(b, " data-q=\"");
	html_escape(b, h->name);
	if (h->group != NULL) {
		buf_putc(b, ' ');
		html_escape(b, h->group);
	}
	buf_puts(b, "\" data-w=\"");
	for (i = 0; i < x->nix; i++) {
		if (i > 0)
			buf_putc(b, ' ');
		v = x->ix[i];
		k = sizeof(num);
		do {
			num[--k] = digits[v % 36];
			v /= 36;
		} while (v > 0);
		buf_putn(b, num + k, sizeof(num) - k);
	}
	buf_puts(b, "\"");
	text_reset(x);
	if (x->d != NULL)
		x->d->item++;
}

/* The shared words, for filter.js: data-words, '\n'-separated. */
static void
dict_words(struct buf *b, const struct ov_dict *d)
{
	size_t i;

	buf_puts(b, "<p hidden class=filter-words data-words=\"");
	for (i = 0; i < d->n; i++) {
		if (i > 0)
			buf_putc(b, '\n');
		html_escape(b, d->w[i]);
	}
	buf_puts(b, "\"></p>");
}

/* One line of the problems block: a host down or stale (cs NULL), or a
 * service not OK with its worst state. */
struct ov_problem {
	const struct cat_host *h;
	const struct cat_service *cs;
	enum ov_state st;
	time_t since;	/* epoch s the state began; 0: not known */
	unsigned count; /* fields not OK */
};

static int
cmp_ov_problem(const void *a, const void *b)
{
	const struct ov_problem *x = a, *y = b;
	int c;

	if (x->st != y->st)
		return (int)x->st - (int)y->st;
	c = strcmp(x->h->name, y->h->name);
	if (c != 0 || x->cs == y->cs)
		return c;
	if (x->cs == NULL || y->cs == NULL)
		return x->cs == NULL ? -1 : 1;
	return strcmp(x->cs->svc.name, y->cs->svc.name);
}

/* Appends p to *v (n used, cap allocated).  0 / -1. */
static int
problem_add(
    struct ov_problem **v, size_t *n, size_t *cap, const struct ov_problem *p)
{
	struct ov_problem *nv;

	if (*n == *cap) {
		nv = realloc(*v, (*cap ? *cap * 2 : 16) * sizeof(*nv));
		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = *cap ? *cap * 2 : 16;
	}
	(*v)[(*n)++] = *p;
	return 0;
}

/*
 * Every problem of cat, worst first (DOWN, CRITICAL, WARNING, UNKNOWN,
 * STALE), then by host and service: a host down (its services' values
 * are as old as its last good poll, so they are not listed), a host
 * stale, each service not OK of the others since its oldest field in
 * the service's state entered it (the alert engine's hard state).  Hosts
 * never polled yet are no problem.  NULL with *n 0 when there are none
 * or on allocation failure (*oom set).  sc[] counts every service by its
 * state (one walk of the fields for both).
 */
static struct ov_problem *
problems_of(struct catalog *cat, time_t now, size_t *n, bool *oom, size_t *sc)
{
	struct ov_problem *v = NULL, p;
	const struct cat_host *h;
	const struct cat_service *cs;
	enum field_state st;
	size_t i, j, k, cap = 0;
	bool quiet; /* down or never polled: its services are no problems */

	*n = 0;
	*oom = false;
	for (i = 0; i < catalog_count(cat); i++) {
		h = catalog_at(cat, i);
		if (h->peer) /* its problems are its owner's */
			continue;
		memset(&p, 0, sizeof(p));
		p.h = h;
		quiet = h->state != HOST_UP && !h->unpolled;
		if (h->state == HOST_DOWN) {
			p.st = OV_DOWN;
			p.since = h->state_since;
			if (problem_add(&v, n, &cap, &p) == -1)
				goto fail;
		}
		for (j = 0; j < h->nservices; j++) {
			cs = &h->services[j];
			p.cs = cs;
			p.count = 0;
			st = cat_service_state(cs, &p.count);
			sc[ov_of_field(st)]++;
			if (st == FS_OK || quiet)
				continue;
			p.st = ov_of_field(st);
			p.since = 0;
			for (k = 0; k < cs->svc.nfields; k++)
				if (cs->svc.fields[k].has_value &&
				    cat_field_state(cs, k) == st &&
				    cs->fields[k].since > 0 &&
				    (p.since == 0 ||
					cs->fields[k].since < p.since))
					p.since = cs->fields[k].since;
			if (problem_add(&v, n, &cap, &p) == -1)
				goto fail;
		}
		if (!quiet && cat_host_stale(h, now)) {
			p.cs = NULL;
			p.st = OV_STALE;
			p.since = h->last_ok;
			p.count = 0;
			if (problem_add(&v, n, &cap, &p) == -1)
				goto fail;
		}
	}
	if (v != NULL)
		qsort(v, *n, sizeof(*v), cmp_ov_problem);
	return v;
fail:
	free(v);
	*n = 0;
	*oom = true;
	return NULL;
}

/* The problems block, filtered by oq (a line not matching is hidden). */
static void
problems_block(struct buf *b, const struct ov_problem *v, size_t n,
    const struct ov_query *oq, struct ov_text *t, time_t now)
{
	const struct ov_problem *p;
	size_t i;

	buf_printf(b, "<section class=problems><h2>Problems (%zu)</h2>", n);
	if (n == 0) {
		buf_puts(b, "<p class=none>Every host and service is OK.</p>"
			    "</section>");
		return;
	}
	buf_puts(b, "<ul class=problems>");
	for (i = 0; i < n; i++) {
		p = &v[i];
		text_word(t, p->h->name, false);
		if (p->h->group != NULL)
			text_word(t, p->h->group, false);
		if (p->cs != NULL)
			text_service(t, p->cs, true);
		buf_printf(b, "<li class=\"problem st-%s\"", ov_names[p->st]);
		if (!query_matches(oq, text_of(t)))
			buf_puts(b, " hidden");
		data_q(b, t);
		buf_printf(b, "><span class=state>%s</span> <a href=\"",
		    ov_names[p->st]);
		if (p->cs != NULL)
			service_href(b, p->h, p->cs->svc.name);
		else {
			buf_puts(b, "/");
			html_escape_url(b, p->h->name);
			buf_puts(b, "/");
		}
		buf_puts(b, "\">");
		html_escape(b, p->h->name);
		if (p->cs != NULL) {
			buf_puts(b, " / ");
			html_escape(b, svc_title(p->cs));
		}
		buf_puts(b, "</a> <span class=age>");
		if (p->st == OV_DOWN)
			buf_puts(b, "down ");
		else if (p->st != OV_STALE)
			buf_printf(b, "%u field%s, ", p->count,
			    p->count == 1 ? "" : "s");
		if (p->st == OV_STALE)
			when_text(b, "last good poll", p->since, now);
		else if (p->since > 0)
			since(b, p->since, now);
		else
			buf_puts(b, "since not known");
		if (p->st == OV_STALE)
			buf_printf(b, ", more than %u intervals of %u s",
			    CAT_STALE_INTERVALS, p->h->interval);
		if (p->st == OV_DOWN && p->h->last_error != NULL) {
			buf_puts(b, ": ");
			html_escape(b, p->h->last_error);
		}
		buf_puts(b, "</span></li>");
	}
	buf_puts(b, "</ul></section>");
}

/* "12 hosts: 1 DOWN, 11 OK" with each state's colour. */
static void
counts_part(struct buf *b, const char *what, const size_t *c)
{
	size_t i, total = 0;
	bool first = true;

	for (i = 0; i < OV_NSTATES; i++)
		total += c[i];
	buf_printf(b, "<span class=counts>%zu %s", total, what);
	for (i = 0; i < OV_NSTATES; i++) {
		if (c[i] == 0)
			continue;
		buf_printf(b, "%s<span class=\"count st-%s\">%zu %s</span>",
		    first ? ": " : " ", ov_names[i], c[i], ov_names[i]);
		first = false;
	}
	buf_puts(b, "</span>");
}

/* Counts of hosts (hc, by host_ov) and services (sc, by their worst
 * field), per ov_state. */
static void
counts_line(struct buf *b, const size_t *hc, const size_t *sc)
{
	buf_puts(b, "<p class=counts>");
	counts_part(b, "hosts", hc);
	buf_puts(b, " ");
	counts_part(b, "services", sc);
	buf_puts(b, "</p>");
}

/* The search box: a GET form, so it works without JavaScript. */
static void
search_form(struct buf *b, const char *q, size_t shown, size_t total)
{
	buf_puts(b, "<form class=filter method=get action=\"/\">"
		    "<input type=search name=q data-filter "
		    "placeholder=\"filter: host, service or field\" "
		    "aria-label=filter autocomplete=off value=\"");
	html_escape(b, q != NULL ? q : "");
	buf_puts(b, "\"> <button>filter</button> <span class=shown>");
	if (q != NULL && q[0] != '\0')
		buf_printf(b, "%zu of %zu hosts shown", shown, total);
	buf_puts(b, "</span></form>");
}

/* Per host of the overview (hs[i]): the host it is listed under,
 * whether the search matches it and whether it is shown, its state and
 * count of problems (host_ov). */
struct ov_row {
	const struct cat_host *under;
	bool match, shown;
	enum ov_state st;
	unsigned problems;
	/* a host a peer collector polls (h->peer): that peer's URL and its
	 * last_ok there; owner NULL: no reachable peer says it polls it */
	const char *owner;
	time_t peer_last_ok;
	bool peer_pending; /* owner NULL while some peer has not answered
			      since the start */
};

/* A peer's host state word (web/api.c host_obj) on the overview. */
static enum ov_state
ov_of_peer(const json_t *o)
{
	const char *st = json_string_value(json_object_get(o, "state"));

	if (st == NULL)
		return OV_UNKNOWN;
	if (strcmp(st, "DOWN") == 0)
		return OV_DOWN;
	if (json_is_true(json_object_get(o, "stale")))
		return OV_STALE;
	if (strcmp(st, "CRITICAL") == 0)
		return OV_CRITICAL;
	if (strcmp(st, "WARNING") == 0)
		return OV_WARNING;
	if (strcmp(st, "OK") == 0)
		return OV_OK;
	return OV_UNKNOWN;
}

/* rows's state and owner for h, a host a peer polls. */
static void
peer_row(
    struct ov_row *row, const struct cat_host *h, const struct peers *peers)
{
	const json_t *o;
	struct peer_info pi;
	size_t k = 0;

	o = peers_host(peers, h->name, &k);
	if (o == NULL) {
		row->st = OV_UNKNOWN;
		row->problems = 0;
		row->owner = NULL;
		for (k = 0; k < peers_count(peers); k++) {
			peers_info(peers, k, &pi);
			if (pi.state == PEER_PENDING)
				row->peer_pending = true;
		}
		return;
	}
	peers_info(peers, k, &pi);
	row->owner = pi.url;
	row->st = ov_of_peer(o);
	row->problems =
	    (unsigned)json_integer_value(json_object_get(o, "problems"));
	row->peer_last_ok =
	    (time_t)json_integer_value(json_object_get(o, "last_ok"));
}

/* A peer's host on the overview: its state there, linked to its pages
 * on the collector polling it. */
static void
peer_item(struct buf *b, const struct cat_host *h, const struct ov_row *row,
    struct ov_text *t, time_t now)
{
	buf_printf(b, "<li class=\"host st-%s\"%s", ov_names[row->st],
	    row->shown ? "" : " hidden");
	data_host(b, h, t);
	buf_puts(b, "><a href=\"");
	if (row->owner != NULL) {
		html_escape(b, row->owner);
		buf_puts(b, "/");
		html_escape_url(b, h->name);
		buf_puts(b, "/");
	} else
		buf_puts(b, "#");
	buf_puts(b, "\">");
	html_escape(b, h->name);
	buf_printf(b, "</a> <span class=state>%s</span><br><span class=age>",
	    ov_names[row->st]);
	if (row->owner == NULL) {
		buf_puts(b, row->peer_pending
				? "polled by a peer collector: not every peer "
				  "has answered yet</span>"
				: "polled by a peer collector that does not "
				  "answer (unreachable)</span>");
		return;
	}
	buf_puts(b, "polled by <a href=\"");
	html_escape(b, row->owner);
	buf_puts(b, "/\">");
	html_escape(b, row->owner);
	buf_puts(b, "</a>, last good poll ");
	age(b, row->peer_last_ok, now);
	if (row->problems > 0)
		buf_printf(b, "; %u problem%s", row->problems,
		    row->problems == 1 ? "" : "s");
	buf_puts(b, "</span>");
}

/* One line per peer: reachable or not, how old its answer is. */
static void
peers_line(struct buf *b, const struct peers *peers, time_t now)
{
	struct peer_info pi;
	size_t i;

	if (peers_count(peers) == 0)
		return;
	buf_puts(b, "<p class=peers>Peer collectors:");
	for (i = 0; i < peers_count(peers); i++) {
		peers_info(peers, i, &pi);
		buf_puts(b, i > 0 ? "; " : " ");
		buf_puts(b, "<a href=\"");
		html_escape(b, pi.url);
		buf_puts(b, "/\">");
		html_escape(b, pi.url);
		buf_printf(b, "</a> <span class=\"peer-%s\">%s</span>",
		    peer_state_str(pi.state), peer_state_str(pi.state));
		if (pi.state == PEER_OK)
			buf_printf(b, " (%zu hosts)", pi.hosts);
		else if (pi.error[0] != '\0') {
			buf_puts(b, " (");
			html_escape(b, pi.error);
			buf_puts(b, ")");
		}
		if (pi.fetched > 0) {
			buf_puts(b, ", answered ");
			age(b, pi.fetched, now);
		}
	}
	buf_puts(b, "</p>");
}

/* One host of the overview (a guest: with its group when not the
 * group it is listed in, and how its physical host was found; a BMC:
 * what it is), left open for its guests; hidden when the search hides
 * it; t holds its search text. */
static void
host_item(struct buf *b, const struct cat_host *h, const struct ov_row *row,
    const char *in_group, struct ov_text *t, time_t now)
{
	enum ov_state st = row->st;
	unsigned problems = row->problems;
	bool hidden = !row->shown;

	if (h->peer) {
		peer_item(b, h, row, t, now);
		return;
	}
	buf_printf(b, "<li class=\"host st-%s\"%s", ov_names[st],
	    hidden ? " hidden" : "");
	data_host(b, h, t);
	buf_puts(b, "><a href=\"/");
	html_escape_url(b, h->name);
	buf_puts(b, "/\">");
	html_escape(b, h->name);
	buf_printf(b, "</a> <span class=state>%s</span>", ov_names[st]);
	if (in_group != NULL) {
		buf_printf(b, " <span class=age>%s",
		    cat_phys_from_str(h->physical_from));
		if (h->group != NULL && strcmp(h->group, in_group) != 0) {
			buf_puts(b, ", group ");
			html_escape(b, h->group);
		}
		buf_puts(b, "</span>");
	}
	if (h->bmc_only) {
		buf_puts(b, "<br><span class=what>BMC");
		if (in_group != NULL) {
			buf_puts(b, " of ");
			html_escape(b, h->physical);
		}
		buf_puts(b, ", read over IPMI</span>");
	}
	if (h->unpolled) /* "update no": drawn, never polled */
		buf_puts(b, "<br><span class=age>not polled (update no)");
	else {
		buf_puts(b, "<br><span class=age>last good poll ");
		age(b, h->last_ok, now);
		if (st == OV_STALE)
			buf_printf(b,
			    " (stale: more than %u intervals of "
			    "%u s)",
			    CAT_STALE_INTERVALS, h->interval);
	}
	if (problems > 0)
		buf_printf(
		    b, "; %u problem%s", problems, problems == 1 ? "" : "s");
	if (h->state == HOST_DOWN) {
		buf_puts(b, "; down ");
		since(b, h->state_since, now);
		if (h->last_error != NULL) {
			buf_puts(b, "<br>");
			html_escape(b, h->last_error);
		}
	}
	if (h->bmc.configured && !h->bmc_only) {
		buf_printf(b, "<br>BMC %s, last good read ",
		    host_state_str(h->bmc.state));
		age(b, h->bmc.last_ok, now);
		if (h->bmc.state == HOST_DOWN && h->bmc.last_error != NULL) {
			buf_puts(b, ": ");
			html_escape(b, h->bmc.last_error);
		}
	}
	buf_puts(b, "</span>");
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp((*(const struct cat_host *const *)a)->name,
	    (*(const struct cat_host *const *)b)->name);
}

/* The host h is listed under on the overview: its physical host, when
 * that is another host of the catalog and its own physical host (one
 * level, so a loop of hand-set physicals hides nobody); else NULL.
 * byname[0..n) is sorted by name. */
static const struct cat_host *
listed_under(
    const struct cat_host *const *byname, size_t n, const struct cat_host *h)
{
	struct cat_host key = {0};
	const struct cat_host *kp = &key, *const * pp, *p;

	if (h->physical == NULL || strcmp(h->physical, h->name) == 0)
		return NULL;
	key.name = h->physical;
	pp = bsearch(&kp, byname, n, sizeof(*byname), cmp_name);
	if (pp == NULL)
		return NULL;
	p = *pp;
	if (p->physical != NULL && strcmp(p->physical, p->name) != 0)
		return NULL;
	return p;
}

/* The search's verdict on every host: a host listed on its own is shown
 * when it or one listed under it matches; one listed under another when
 * it matches, or when that one matches and none under it does (so a
 * hypervisor's name shows all it holds, a guest's name that guest).
 * Returns the hosts shown. */
static size_t
rows_filter(const struct cat_host **hs, struct ov_row *rows, size_t n,
    const struct ov_query *oq, struct ov_text *t)
{
	size_t i, j, shown = 0;
	bool kid;

	for (i = 0; i < n; i++) {
		if (oq->n > 0)
			text_host(t, hs[i]);
		rows[i].match = query_matches(oq, text_of(t));
		text_reset(t);
	}
	for (i = 0; i < n; i++) {
		if (rows[i].under != NULL)
			continue;
		kid = false;
		for (j = 0; j < n; j++)
			kid = kid || (rows[j].under == hs[i] && rows[j].match);
		rows[i].shown = rows[i].match || kid;
		for (j = 0; j < n; j++)
			if (rows[j].under == hs[i])
				rows[j].shown =
				    rows[j].match || (rows[i].match && !kid);
	}
	for (i = 0; i < n; i++)
		shown += rows[i].shown;
	return shown;
}

/* The hosts listed under hs[i] (guests first, then BMCs) as its
 * nested list. */
static void
host_children(struct buf *b, const struct cat_host **hs,
    const struct ov_row *rows, size_t n, size_t i, const char *g,
    struct ov_text *t, time_t now)
{
	size_t j, pass;
	bool any = false;

	for (pass = 0; pass < 2; pass++)
		for (j = 0; j < n; j++) {
			if (rows[j].under != hs[i] ||
			    hs[j]->bmc_only != (pass == 1))
				continue;
			if (!any)
				buf_puts(b, "<ul class=guests>");
			any = true;
			text_host(t, hs[j]);
			host_item(b, hs[j], &rows[j], g, t, now);
			buf_puts(b, "</li>");
		}
	if (any)
		buf_puts(b, "</ul>");
}

/* Whether a host of group g from hs[i] on is shown. */
static bool
group_shown(const struct cat_host **hs, const struct ov_row *rows, size_t n,
    size_t i, const char *g)
{
	for (; i < n; i++) {
		if (strcmp(hs[i]->group != NULL ? hs[i]->group : "", g) != 0)
			return false;
		if (rows[i].under == NULL && rows[i].shown)
			return true;
	}
	return false;
}

/*
 * Counts per state, the search box, the problems, the power view (when
 * there are banks or rails), then groups of hosts; a host whose physical
 * host is another host (a hypervisor, learned or set by hand; a BMC by
 * its "physical") is listed indented under it, in its group, rather
 * than in its own.  q (may be NULL) filters as the search box does.
 */
char *
page_overview(struct catalog *cat, const char *q, time_t now, size_t *len)
{
	return page_overview_cluster(cat, NULL, q, now, len);
}

char *
page_overview_cluster(struct catalog *cat, const struct peers *peers,
    const char *q, time_t now, size_t *len)
{
	struct buf b = {0};
	struct ov_dict dict = {.item = 1};
	struct ov_text t = {.text = true}, ht = {.d = &dict};
	size_t hc[OV_NSTATES] = {0}, sc[OV_NSTATES] = {0};
	const struct cat_host **hs, **byname = NULL;
	struct ov_row *rows = NULL;
	struct ov_problem *probs = NULL;
	struct ov_query oq;
	const char *group = NULL;
	size_t i, n = catalog_count(cat), np, shown;
	bool oom, hide;

	query_parse(&oq, q);
	hs = calloc(n + 1, sizeof(*hs));
	byname = calloc(n + 1, sizeof(*byname));
	rows = calloc(n + 1, sizeof(*rows));
	if (hs == NULL || byname == NULL || rows == NULL)
		goto fail;
	for (i = 0; i < n; i++)
		hs[i] = byname[i] = catalog_at(cat, i);
	qsort(hs, n, sizeof(*hs), cmp_group);
	qsort(byname, n, sizeof(*byname), cmp_name);
	for (i = 0; i < n; i++) {
		rows[i].under = listed_under(byname, n, hs[i]);
		rows[i].st = host_ov(hs[i], now, &rows[i].problems);
		if (hs[i]->peer)
			peer_row(&rows[i], hs[i], peers);
		hc[rows[i].st]++;
	}
	shown = rows_filter(hs, rows, n, &oq, &t);
	probs = problems_of(cat, now, &np, &oom, sc);
	if (oom)
		goto fail;
	head(&b, "Overview");
	buf_puts(&b, "<h1>Overview</h1>");
	counts_line(&b, hc, sc);
	peers_line(&b, peers, now);
	search_form(&b, q, shown, n);
	problems_block(&b, probs, np, &oq, &t, now);
	if (power_section(&b, cat) == -1)
		goto fail;
	buf_printf(&b, "<p>%zu hosts</p>", n);
	for (i = 0; i < n; i++) {
		const char *g = hs[i]->group != NULL ? hs[i]->group : "";

		if (rows[i].under != NULL)
			continue;
		if (group == NULL || strcmp(group, g) != 0) {
			if (group != NULL)
				buf_puts(&b, "</ul>");
			hide = !group_shown(hs, rows, n, i, g);
			buf_printf(&b, "<h2%s>", hide ? " hidden" : "");
			html_escape(&b, g);
			buf_printf(&b, "</h2><ul class=hosts%s>",
			    hide ? " hidden" : "");
			group = g;
		}
		text_host(&ht, hs[i]);
		host_item(&b, hs[i], &rows[i], NULL, &ht, now);
		host_children(&b, hs, rows, n, i, g, &ht, now);
		buf_puts(&b, "</li>");
	}
	if (group != NULL)
		buf_puts(&b, "</ul>");
	dict_words(&b, &dict);
	if (dict.oom)
		goto fail;
	free(hs);
	free(byname);
	free(rows);
	free(probs);
	buf_free(&t.t);
	free(ht.ix);
	dict_free(&dict);
	return foot(&b, len);
fail:
	free(hs);
	free(byname);
	free(rows);
	free(probs);
	buf_free(&t.t);
	free(ht.ix);
	dict_free(&dict);
	buf_free(&b);
	return NULL;
}

static const char *
svc_title(const struct cat_service *cs)
{
	const char *t = attrs_get(&cs->svc.graph, "graph_title");

	return t != NULL ? t : cs->svc.name;
}

static const char *
svc_category(const struct cat_service *cs)
{
	const char *c = attrs_get(&cs->svc.graph, "graph_category");

	return c != NULL ? c : "other";
}

static int
cmp_svc(const void *a, const void *b)
{
	const struct cat_service *x = *(const struct cat_service *const *)a;
	const struct cat_service *y = *(const struct cat_service *const *)b;
	int c = strcmp(svc_category(x), svc_category(y));

	return c != 0 ? c : strcmp(x->svc.name, y->svc.name);
}

/*
 * The plot area inside a graph image, for drag-to-zoom: Munin's default
 * 400 px wide plot starts 67 px from the left edge at the default font
 * (rrdtool's layout for a y axis with a vertical label).
 */
#define PLOT_LEFT 67
#define PLOT_WIDTH 400

/* An image of svc's graph for period (or query's range) showing
 * start..end (epoch s), with what the zoom script needs. */
static void
graph_img(struct buf *b, const struct cat_host *h, const char *svc,
    const char *period, const char *query, const char *alt, time_t start,
    time_t end)
{
	buf_puts(b, "<img src=\"/");
	html_escape_url(b, h->name);
	buf_puts(b, "/");
	html_escape_url(b, svc);
	buf_printf(b, "-%s.png%s\" alt=\"", period, query);
	html_escape(b, alt);
	buf_printf(b,
	    "\" data-start=\"%ld\" data-end=\"%ld\" data-left=\"%d\" "
	    "data-width=\"%d\">",
	    (long)start, (long)end, PLOT_LEFT, PLOT_WIDTH);
}

void
page_head(struct buf *b, const char *title)
{
	head(b, title);
}

char *
page_foot(struct buf *b, size_t *len)
{
	return foot(b, len);
}

void
page_graph_img(struct buf *b, const struct cat_host *h, const char *svc,
    const char *query, const char *alt, time_t start, time_t end)
{
	graph_img(b, h, svc, "day", query, alt, start, end);
}

/* tm as ISO 8601 with its zone's offset ("2026-12-02T13:00:00+01:00"). */
static void
iso_time(struct buf *b, const struct tm *tm)
{
	char s[32];
	long off = tm->tm_gmtoff, a = off < 0 ? -off : off;

	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", tm);
	buf_printf(b, "%s%c%02ld:%02ld", s, off < 0 ? '-' : '+', a / 3600,
	    a % 3600 / 60);
}

void
page_range_dates(struct buf *b, time_t start, time_t end)
{
	struct tm a, z;
	char s[32];
	bool same_day;

	localtime_r(&start, &a);
	localtime_r(&end, &z);
	same_day = a.tm_year == z.tm_year && a.tm_yday == z.tm_yday;
	buf_puts(b, "<span class=dates><time datetime=\"");
	iso_time(b, &a);
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M", &a);
	buf_printf(b, "\">%s</time> &ndash; <time datetime=\"", s);
	iso_time(b, &z);
	strftime(s, sizeof(s), same_day ? "%H:%M %Z" : "%Y-%m-%d %H:%M %Z", &z);
	buf_puts(b, "\">");
	html_escape(b, s);
	buf_puts(b, "</time></span>");
}

void
page_graph_figure(struct buf *b, const struct cat_service *cs)
{
	enum field_state st = cat_service_state(cs, NULL), fs;
	const char *info = attrs_get(&cs->svc.graph, "graph_info");
	const char *label;
	const char *sep = ": ";
	size_t i;

	buf_printf(b, "<figure class=\"graph st-%s\" data-state=\"%s\"",
	    field_state_str(st), field_state_str(st));
	if (info != NULL && info[0] != '\0') {
		buf_puts(b, " title=\"");
		html_escape(b, info);
		buf_puts(b, "\"");
	}
	buf_puts(b, ">");
	if (st == FS_OK)
		return;
	buf_printf(b, "<span class=\"mark mark-%s\">%s", field_state_str(st),
	    field_state_str(st));
	for (i = 0; i < cs->svc.nfields; i++) {
		fs = cat_field_state(cs, i);
		if (fs == FS_OK)
			continue;
		label = attrs_get(&cs->svc.fields[i].attrs, "label");
		buf_puts(b, sep);
		html_escape(b, label != NULL ? label : cs->svc.fields[i].name);
		if (fs != st)
			buf_printf(b, " (%s)", field_state_str(fs));
		sep = ", ";
	}
	buf_puts(b, "</span>");
}

/* The fields a guest has in its hypervisor's vm_* / xen_* graphs: its
 * field name with these suffixes (plugins/host_vm.h, host_xen.h), each
 * labelled with the guest's name: a field "web_rx" is the rx of guest
 * "web" only with web's label, not when it is a guest called web_rx. */
static const char *const guest_suffixes[] = {
    "", "_read", "_write", "_rx", "_tx", "_rdreq", "_wrreq"};

/* The field called name in cs, or NULL. */
static const struct field *
svc_field(const struct cat_service *cs, const char *name)
{
	return service_field((struct service *)&cs->svc, name, false);
}

/* "vm_" or "xen_": the graphs of hv that hold the guest field, NULL when
 * none of its state services has it. */
static const char *
guest_prefix(const struct cat_host *hv, const char *field)
{
	const struct cat_service *cs = cat_host_service(hv, "vm_state");

	if (cs != NULL && svc_field(cs, field) != NULL)
		return "vm_";
	cs = cat_host_service(hv, "xen_state");
	if (cs != NULL && svc_field(cs, field) != NULL)
		return "xen_";
	return NULL;
}

/* v with an SI prefix, base 1000 or 1024 as the graph's --base says. */
static void
si_num(struct buf *b, double v, const struct cat_service *cs)
{
	static const char *const units[] = {"", " k", " M", " G", " T", " P"};
	const char *args = attrs_get(&cs->svc.graph, "graph_args");
	double base = args != NULL && strstr(args, "--base 1024") ? 1024 : 1000;
	size_t u = 0;

	while (fabs(v) >= base && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= base;
		u++;
	}
	buf_printf(b, "%.3g%s", v, units[u]);
}

/* The guest's value in field i of cs now: a state as running/stopped, a
 * counter as its rate over the last two polls. */
static void
guest_value(struct buf *b, const struct cat_service *cs, size_t i)
{
	const struct field *f = &cs->svc.fields[i];
	const struct cat_field *cf = &cs->fields[i];
	enum ds_type t = field_type(f);
	double dt = (double)(cs->last_update - cs->prev_update);
	const char *vlabel;

	if (!f->has_value || f->unknown) {
		buf_puts(b, "-");
		return;
	}
	if (strstr(cs->svc.name, "_state") != NULL) {
		buf_puts(b, f->value > 0 ? "running" : "stopped");
		return;
	}
	if (t == DS_GAUGE) {
		si_num(b, f->value, cs);
		return;
	}
	if (!cf->has_prev || cs->prev_update == 0 || dt <= 0 ||
	    f->value < cf->prev) {
		buf_puts(b, "-");
		return;
	}
	si_num(b, t == DS_ABSOLUTE ? f->value / dt : (f->value - cf->prev) / dt,
	    cs);
	/* Munin graphs a counter per second; vm_cpu's per second is % */
	vlabel = attrs_get(&cs->svc.graph, "graph_vlabel");
	buf_puts(b, vlabel != NULL && strcmp(vlabel, "%") == 0 ? " %" : "/s");
}

/*
 * The aside of a guest's page: hypervisor hv's graphs of its guests and
 * this guest's current values from them, linking to hv.
 */
static void
hypervisor_view(struct buf *b, const struct catalog *cat,
    const struct cat_host *h, time_t start, time_t end)
{
	const struct cat_host *hv;
	const struct cat_service *cs;
	const char *prefix, *label, *glabel, *flabel;
	char name[300];
	size_t i, k, pl;
	long fi;

	if (h->hypervisor == NULL || h->guest_field == NULL)
		return;
	hv = catalog_find(cat, h->hypervisor);
	if (hv == NULL || (prefix = guest_prefix(hv, h->guest_field)) == NULL)
		return;
	pl = strlen(prefix);
	cs = cat_host_service(
	    hv, strcmp(prefix, "vm_") == 0 ? "vm_state" : "xen_state");
	glabel = attrs_get(&svc_field(cs, h->guest_field)->attrs, "label");
	buf_puts(b, "<aside class=hypervisor><h2>As hypervisor <a href=\"/");
	html_escape_url(b, hv->name);
	buf_puts(b, "/\">");
	html_escape(b, hv->name);
	buf_puts(b, "</a> sees it</h2><table><tr><th>what</th><th>now</th>"
		    "</tr>");
	for (i = 0; i < hv->nservices; i++) {
		cs = &hv->services[i];
		if (strncmp(cs->svc.name, prefix, pl) != 0)
			continue;
		for (k = 0;
		     k < sizeof(guest_suffixes) / sizeof(*guest_suffixes);
		     k++) {
			snprintf(name, sizeof(name), "%s%s", h->guest_field,
			    guest_suffixes[k]);
			fi = cat_service_field_index(cs, 0, name);
			if (fi < 0)
				continue;
			flabel = attrs_get(&cs->svc.fields[fi].attrs, "label");
			if (glabel != NULL &&
			    (flabel == NULL || strcmp(flabel, glabel) != 0))
				continue; /* another guest's */
			buf_puts(b, "<tr><td>");
			html_escape(b, svc_title(cs));
			if (guest_suffixes[k][0] != '\0') {
				buf_puts(b, " (");
				html_escape(b, guest_suffixes[k] + 1);
				buf_puts(b, ")");
			}
			buf_puts(b, "</td><td class=num>");
			guest_value(b, cs, (size_t)fi);
			buf_puts(b, "</td></tr>");
		}
	}
	buf_puts(b, "</table><div class=graphs>");
	for (i = 0; i < hv->nservices; i++) {
		cs = &hv->services[i];
		if (strncmp(cs->svc.name, prefix, pl) != 0)
			continue;
		label = svc_title(cs);
		buf_puts(b, "<figure><a href=\"");
		service_href(b, hv, cs->svc.name);
		buf_puts(b, "\">");
		graph_img(b, hv, cs->svc.name, "day", "", label, start, end);
		buf_puts(b, "</a><figcaption>");
		html_escape(b, label);
		buf_puts(b, "</figcaption></figure>");
	}
	buf_puts(b, "</div></aside>");
}

/* The catalog host reported as field of hypervisor hv, or NULL; with
 * elsewhere, the host reported as field by another hypervisor (a guest
 * that migrated away, which hv still shows stopped). */
static const struct cat_host *
guest_host(const struct catalog *cat, const struct cat_host *hv,
    const char *field, bool elsewhere)
{
	const struct cat_host *g;
	size_t i;

	for (i = 0; i < catalog_count(cat); i++) {
		g = catalog_at(cat, i);
		if (g->hypervisor != NULL && g->guest_field != NULL &&
		    (strcmp(g->hypervisor, hv->name) == 0) != elsewhere &&
		    strcmp(g->guest_field, field) == 0)
			return g;
	}
	return NULL;
}

static void
host_link(struct buf *b, const struct cat_host *g)
{
	buf_puts(b, "<a href=\"/");
	html_escape_url(b, g->name);
	buf_puts(b, "/\">");
	html_escape(b, g->name);
	buf_puts(b, "</a>");
}

/*
 * A hypervisor's guests: those its vm_state / xen_state report, with
 * their state and the host they are, then the hosts on it by config that
 * it does not report.
 */
static void
guest_list(struct buf *b, const struct catalog *cat, const struct cat_host *h)
{
	static const char *const states[] = {"vm_state", "xen_state"};
	const struct cat_service *cs;
	const struct cat_host *g;
	const struct field *f;
	const char *label;
	bool any = false;
	size_t i, k;

	for (k = 0; k < 2; k++) {
		cs = cat_host_service(h, states[k]);
		for (i = 0; cs != NULL && i < cs->svc.nfields; i++) {
			f = &cs->svc.fields[i];
			if (!any)
				buf_puts(b, "<h2>Guests</h2><table><tr><th>"
					    "guest</th><th>state</th><th>host"
					    "</th></tr>");
			any = true;
			label = attrs_get(&f->attrs, "label");
			buf_puts(b, "<tr><td>");
			html_escape(b, label != NULL ? label : f->name);
			buf_puts(b, "</td><td>");
			guest_value(b, cs, i);
			buf_puts(b, "</td><td>");
			g = guest_host(cat, h, f->name, false);
			if (g != NULL)
				host_link(b, g);
			else if ((g = guest_host(cat, h, f->name, true)) !=
				 NULL) {
				host_link(b, g);
				buf_puts(b, " (runs on <a href=\"/");
				html_escape_url(b, g->hypervisor);
				buf_puts(b, "/\">");
				html_escape(b, g->hypervisor);
				buf_puts(b, "</a>)");
			} else
				buf_puts(b, "not monitored");
			buf_puts(b, "</td></tr>");
		}
	}
	for (i = 0; i < catalog_count(cat); i++) {
		g = catalog_at(cat, i);
		if (g == h || g->physical == NULL ||
		    strcmp(g->physical, h->name) != 0 ||
		    (g->hypervisor != NULL &&
			strcmp(g->hypervisor, h->name) == 0))
			continue;
		if (!any)
			buf_puts(b, "<h2>Guests</h2><table><tr><th>guest</th>"
				    "<th>state</th><th>host</th></tr>");
		any = true;
		buf_puts(b, "<tr><td>-</td><td>not reported</td><td>");
		host_link(b, g);
		buf_printf(
		    b, " (%s)</td></tr>", cat_phys_from_str(g->physical_from));
	}
	if (any)
		buf_puts(b, "</table>");
}

/*
 * A host first polled less than a day ago: its day graphs are still
 * mostly empty (Munin's 5-minute steps, 400 pixels for 33 h), so its
 * pages lead with the last hour.  A host of a state file without a first
 * poll is an old one.
 */
#define YOUNG_SECS 86400

static bool
host_young(const struct cat_host *h, time_t now)
{
	return h->first_ok != 0 && now - h->first_ok < YOUNG_SECS;
}

/* The service's graph_info (munin-html's help text) in a caption. */
static void
graph_info_line(struct buf *b, const struct cat_service *cs)
{
	const char *info = attrs_get(&cs->svc.graph, "graph_info");

	if (info == NULL || info[0] == '\0')
		return;
	buf_puts(b, "<small class=graph_info>");
	html_escape(b, info);
	buf_puts(b, "</small>");
}

char *
page_host(const struct catalog *catalog, const struct cat_host *h, time_t now,
    size_t *len)
{
	struct buf b = {0};
	const struct cat_service **ss;
	const char *cat = NULL;
	unsigned problems;
	size_t i;
	time_t day_start = 0, day_end = 0;
	/* the first range shown: the day, a young host's last hour */
	enum graph_period first = host_young(h, now) ? GRAPH_HOUR : GRAPH_DAY;

	graph_period_range(first, now, &day_start, &day_end);
	ss = calloc(h->nservices + 1, sizeof(*ss));
	if (ss == NULL)
		return NULL;
	for (i = 0; i < h->nservices; i++)
		ss[i] = &h->services[i];
	qsort(ss, h->nservices, sizeof(*ss), cmp_svc);
	head(&b, h->name);
	buf_puts(&b, "<h1>");
	html_escape(&b, h->name);
	buf_printf(&b, " <span class=\"state st-%s\">%s</span></h1><p>",
	    host_state_name(h, &problems, now),
	    host_state_name(h, &problems, now));
	buf_puts(&b, "group ");
	html_escape(&b, h->group != NULL ? h->group : "");
	buf_puts(&b, ", physical host ");
	html_escape(&b, h->physical != NULL ? h->physical : h->name);
	buf_printf(&b, " (%s)", cat_phys_from_str(h->physical_from));
	if (h->unpolled)
		buf_puts(&b, "; not polled (update no)");
	else {
		buf_puts(&b, "; last good poll ");
		age(&b, h->last_ok, now);
		buf_printf(&b, " (took %.2f s)", (double)h->poll_ms / 1000);
	}
	if (cat_host_stale(h, now))
		buf_printf(&b,
		    "; <b class=stale>stale</b>: no good poll for "
		    "more than %u intervals of %u s",
		    CAT_STALE_INTERVALS, h->interval);
	if (h->last_error != NULL) {
		buf_puts(&b, "; last error: ");
		html_escape(&b, h->last_error);
	}
	if (h->restored)
		buf_puts(&b, "; state saved before the restart, not polled "
			     "since");
	buf_puts(&b, "</p>");
	if (first == GRAPH_HOUR) {
		buf_puts(&b, "<p class=young>first polled ");
		age(&b, h->first_ok, now);
		buf_puts(&b, ": the graphs show the last hour until the host "
			     "is a day old</p>");
	}
	guest_list(&b, catalog, h);
	buf_puts(&b, "<div class=side><div>");
	for (i = 0; i < h->nservices; i++) {
		if (!graph_drawn(&ss[i]->svc))
			continue; /* munin-html lists no "graph no" service */
		if (cat == NULL || strcmp(cat, svc_category(ss[i])) != 0) {
			if (cat != NULL)
				buf_puts(&b, "</div>");
			cat = svc_category(ss[i]);
			buf_puts(&b, "<h2>");
			html_escape(&b, cat);
			buf_puts(&b, "</h2><div class=graphs>");
		}
		page_graph_figure(&b, ss[i]);
		buf_puts(&b, "<a href=\"");
		html_escape_url(&b, ss[i]->svc.name);
		buf_puts(&b, "/\">");
		graph_img(&b, h, ss[i]->svc.name, graph_period_str(first), "",
		    svc_title(ss[i]), day_start, day_end);
		buf_puts(&b, "</a><figcaption>");
		html_escape(&b, svc_title(ss[i]));
		graph_info_line(&b, ss[i]);
		buf_puts(&b, "</figcaption></figure>");
	}
	if (cat != NULL)
		buf_puts(&b, "</div>");
	buf_puts(&b, "</div>");
	hypervisor_view(&b, catalog, h, day_start, day_end);
	buf_puts(&b, "</div>");
	free(ss);
	return foot(&b, len);
}

static void
num(struct buf *b, double v)
{
	if (isnan(v))
		buf_puts(b, "<td class=num>-</td>");
	else
		buf_printf(b, "<td class=num>%.4g</td>", v);
}

static void
attr_cell(struct buf *b, const struct field *f, const char *key)
{
	const char *v = attrs_get(&f->attrs, key);

	buf_puts(b, "<td>");
	html_escape(b, v != NULL ? v : "");
	buf_puts(b, "</td>");
}

/*
 * The range picker: relative presets (a bookmark stays "the last 6 h"),
 * from/to as dates (zoom.js fills and reads them in the browser's zone),
 * the link to the same service on other hosts, and the keys' help line
 * (graph_keys.js).
 */
static void
range_picker(
    struct buf *b, const struct cat_service *cs, const struct time_range *zoom)
{
	static const struct {
		const char *label, *start;
	} presets[] = {{"1 h", "-1h"}, {"6 h", "-6h"}, {"1 day", "-1d"},
	    {"1 week", "-1w"}, {"1 month", "-1mon"}, {"1 year", "-1y"}};
	char q[80];
	size_t i;

	buf_puts(b, "<nav class=rangepick><span class=presets>last ");
	for (i = 0; i < sizeof(presets) / sizeof(presets[0]); i++) {
		snprintf(q, sizeof(q), "start=%s", presets[i].start);
		buf_printf(b, "<a class=preset href=\"?%s\"%s>%s</a> ", q,
		    zoom != NULL && strcmp(zoom->query, q) == 0
			? " aria-current=true"
			: "",
		    presets[i].label);
	}
	buf_printf(b,
	    "<a class=preset href=\"./\"%s>all periods</a></span>"
	    "<form class=range>from <input name=from "
	    "type=datetime-local> to <input name=to type=datetime-local> "
	    "<button>show</button></form><a class=compare href=\"/compare/",
	    zoom == NULL ? " aria-current=true" : "");
	html_escape_url(b, cs->svc.name);
	buf_puts(b, "?");
	html_escape(b, zoom != NULL ? zoom->query : "start=-1d");
	buf_puts(b, "\">compare with other hosts</a>"
		    "<span class=keyhelp hidden>keys: &larr; &rarr; pan by "
		    "half the range, + &minus; (or i o) zoom in and out, 1 2 "
		    "3 4 the last day, week, month, year, ? this help (or "
		    "drag across a graph)</span></nav>");
}

char *
page_service(const struct cat_host *h, const struct cat_service *cs,
    const struct field_stats *stats, const struct time_range *zoom, time_t now,
    size_t *len)
{
	static const enum graph_period periods[] = {
	    GRAPH_HOUR, GRAPH_DAY, GRAPH_WEEK, GRAPH_MONTH, GRAPH_YEAR};
	struct buf b = {0};
	const struct field *f;
	const char *label;
	char q[160];
	size_t i;

	head(&b, svc_title(cs));
	buf_puts(&b, "<h1><a href=\"/");
	html_escape_url(&b, h->name);
	buf_puts(&b, "/\">");
	html_escape(&b, h->name);
	buf_puts(&b, "</a> / ");
	html_escape(&b, svc_title(cs));
	buf_printf(&b, " <span class=\"state st-%s\">%s</span></h1>",
	    field_state_str(cat_service_state(cs, NULL)),
	    field_state_str(cat_service_state(cs, NULL)));
	if (cs->restored) {
		buf_puts(&b, "<p class=restored>values saved before the "
			     "restart, last updated ");
		age(&b, cs->last_update, now);
		buf_puts(&b, "; not polled since</p>");
	}
	for (i = 0; i < cs->svc.nfields; i++)
		if (api_forecast_text(&cs->svc.fields[i], q, sizeof(q))) {
			buf_puts(&b, "<p class=forecast>time to cut-off: ");
			html_escape(&b, q);
			buf_puts(&b, "</p>");
		}
	range_picker(&b, cs, zoom);
	buf_puts(&b, "<div class=graphs>");
	if (!graph_drawn(&cs->svc)) {
		buf_puts(&b, "<p>graph no: this service is not drawn</p>");
	} else if (zoom != NULL) {
		struct buf qb;
		char qs[400];

		buf_init_fixed(&qb, qs, sizeof(qs));
		buf_puts(&qb, "?");
		html_escape(&qb, zoom->query); /* at most 64 bytes: fits */
		page_graph_figure(&b, cs);
		graph_img(&b, h, cs->svc.name, "day", qs, svc_title(cs),
		    zoom->start, zoom->end);
		buf_puts(&b, "<figcaption>");
		page_range_dates(&b, zoom->start, zoom->end);
		buf_puts(&b, "</figcaption></figure>");
	} else {
		/* a young host's service leads with its last hour */
		for (i = host_young(h, now) ? 0 : 1; i < 5; i++) {
			const char *pn = graph_period_str(periods[i]);
			time_t ps = 0, pe = 0;

			graph_period_range(periods[i], now, &ps, &pe);
			page_graph_figure(&b, cs);
			graph_img(
			    &b, h, cs->svc.name, pn, "", svc_title(cs), ps, pe);
			buf_printf(&b, "<figcaption>by %s: ", pn);
			page_range_dates(&b, ps, pe);
			buf_puts(&b, "</figcaption></figure>");
		}
	}
	buf_puts(&b, "</div>");
	label = attrs_get(&cs->svc.graph, "graph_info");
	if (label != NULL && label[0] != '\0') { /* munin-html's help */
		buf_puts(&b, "<p class=graph_info>");
		html_escape(&b, label);
		buf_puts(&b, "</p>");
	}
	buf_puts(&b, "<h2>Fields</h2><table><tr><th>field</th>"
		     "<th>state</th><th>current</th><th>min</th><th>avg</th>"
		     "<th>max</th><th>warning</th><th>critical</th>"
		     "<th>info</th></tr>");
	for (i = 0; i < cs->svc.nfields; i++) {
		f = &cs->svc.fields[i];
		label = attrs_get(&f->attrs, "label");
		buf_printf(&b, "<tr class=\"st-%s\"><td>",
		    field_state_str(cat_field_state(cs, i)));
		html_escape(&b, label != NULL ? label : f->name);
		buf_printf(&b, "</td><td>%s</td>",
		    field_state_str(cat_field_state(cs, i)));
		num(&b, field_value_now(cs, i)); /* as the graph's Cur */
		num(&b, stats != NULL ? stats[i].min : NAN);
		num(&b, stats != NULL ? stats[i].avg : NAN);
		num(&b, stats != NULL ? stats[i].max : NAN);
		attr_cell(&b, f, "warning");
		attr_cell(&b, f, "critical");
		attr_cell(&b, f, "info");
		buf_puts(&b, "</tr>");
		label = attrs_get(&f->attrs, "extinfo");
		if (label != NULL && label[0] != '\0') {
			buf_puts(&b, "<tr><td colspan=9>This field has the "
				     "following extra information: ");
			html_escape(&b, label);
			buf_puts(&b, "</td></tr>");
		}
	}
	buf_puts(&b, "</table>");
	return foot(&b, len);
}

/* What cannot be kept across a restart now, loudly. */
static void
state_errors(struct buf *b, const struct alerts_stats *as,
    const struct outputs_stats *os, time_t now)
{
	if (as != NULL && as->save_error[0] != '\0') {
		buf_puts(b, "<p class=error><b>alert state not saved</b> "
			    "since ");
		age(b, as->failing_since, now);
		buf_printf(b, " (%llu failed saves): ",
		    (unsigned long long)as->save_failures);
		html_escape(b, as->save_error);
		buf_puts(b, ". Alerting goes on with the state in memory; "
			    "a restart forgets it.</p>");
	}
	if (os != NULL && os->pages.spool_error[0] != '\0') {
		buf_puts(b, "<p class=error><b>page spool not written</b>: ");
		html_escape(b, os->pages.spool_error);
		buf_puts(b, ". Pages go out from memory; a restart loses "
			    "those not yet delivered.</p>");
	}
}

char *
page_health(struct catalog *cat, const struct web_poll_stats *polls,
    const struct rrd_writer_stats *ws, const struct renderer_stats *rs,
    const struct alerts_stats *as, const struct outputs_stats *os,
    const struct remote_write_stats *rws,
    const struct rrdcached_proc_stats *rcs, time_t now, size_t *len)
{
	static const char *const graphs[] = {"drover_polls",
	    "drover_poll_duration", "drover_queue_delay", "drover_rrd"};
	const struct cat_host *h, *self = catalog_find(cat, CATALOG_SELF);
	struct buf b = {0};
	size_t i;
	time_t day_start = 0, day_end = 0;

	graph_period_range(GRAPH_DAY, now, &day_start, &day_end);
	head(&b, "health");
	buf_puts(&b, "<h1>Collector health</h1>");
	state_errors(&b, as, os, now);
	buf_puts(&b, "<table>");
	buf_printf(&b,
	    "<tr><th>polls done</th><td class=num>%llu</td></tr>"
	    "<tr><th>late</th><td class=num>%llu</td></tr>"
	    "<tr><th>failed</th><td class=num>%llu</td></tr>"
	    "<tr><th>timed out</th><td class=num>%llu</td></tr>"
	    "<tr><th>held back by a bound</th><td class=num>%llu</td></tr>"
	    "<tr><th>RRD updates</th><td class=num>%llu</td></tr>"
	    "<tr><th>RRD errors</th><td class=num>%llu</td></tr>"
	    "<tr><th>RRD dropped</th><td class=num>%llu</td></tr>"
	    "<tr><th>RRD queue</th><td class=num>%zu</td></tr>"
	    "<tr><th>RRD queue peak KiB</th><td class=num>%zu</td></tr>",
	    (unsigned long long)polls->done, (unsigned long long)polls->late,
	    (unsigned long long)polls->failed,
	    (unsigned long long)polls->timed_out,
	    (unsigned long long)polls->deferred,
	    (unsigned long long)ws->updates, (unsigned long long)ws->errors,
	    (unsigned long long)ws->dropped, ws->queue_len,
	    (ws->queue_bytes_max + 1023) / 1024);
	if (ws->last_error[0] != '\0') {
		buf_puts(&b, "<tr><th>last RRD error</th><td>");
		html_escape(&b, ws->last_error);
		buf_puts(&b, " (");
		age(&b, ws->last_error_time, now);
		buf_puts(&b, ")</td></tr>");
	}
	if (rcs != NULL) {
		if (rcs->running)
			buf_printf(&b,
			    "<tr><th>own rrdcached</th><td>running, pid %d"
			    "</td></tr>",
			    rcs->pid);
		else
			buf_puts(&b, "<tr><th>own rrdcached</th><td "
				     "class=error>not running</td></tr>");
		buf_printf(&b,
		    "<tr><th>own rrdcached restarts</th><td class=num>%u"
		    "</td></tr>",
		    rcs->restarts);
		if (rcs->last_exit != 0) {
			buf_printf(&b,
			    "<tr><th>own rrdcached last exit</th><td>status "
			    "%d, signal %d (",
			    rcs->last_status, rcs->last_signal);
			age(&b, rcs->last_exit, now);
			buf_puts(&b, ")</td></tr>");
		}
	}
	if (rs != NULL) {
		buf_printf(&b,
		    "<tr><th>graph requests</th><td class=num>%llu</td></tr>"
		    "<tr><th>cache hits</th><td class=num>%llu (%.0f%%)</td>"
		    "</tr><tr><th>renders</th><td class=num>%llu</td></tr>"
		    "<tr><th>render errors / timeouts</th><td class=num>"
		    "%llu / %llu</td></tr><tr><th>render time avg / max "
		    "(ms)</th><td class=num>%.1f / %.1f</td></tr>"
		    "<tr><th>graph cache</th><td class=num>%zu files, %zu "
		    "KiB</td></tr><tr><th>graph files removed by others"
		    "</th><td class=num>%llu</td></tr>",
		    (unsigned long long)rs->requests,
		    (unsigned long long)rs->hits,
		    rs->requests
			? 100.0 * (double)rs->hits / (double)rs->requests
			: 0.0,
		    (unsigned long long)rs->renders,
		    (unsigned long long)rs->errors,
		    (unsigned long long)rs->timeouts,
		    rs->renders ? rs->render_ms_total / (double)rs->renders
				: 0.0,
		    rs->render_ms_max, rs->files, rs->bytes / 1024,
		    (unsigned long long)rs->vanished);
	}
	if (rws != NULL)
		buf_printf(&b,
		    "<tr><th>remote write: samples sent</th><td class=num>"
		    "%llu</td></tr><tr><th>remote write: refused</th>"
		    "<td class=num>%llu</td></tr><tr><th>remote write: "
		    "dropped (queue full)</th><td class=num>%llu</td></tr>"
		    "<tr><th>remote write: retries</th><td class=num>%llu"
		    "</td></tr><tr><th>remote write: queued</th>"
		    "<td class=num>%llu samples, %llu KiB</td></tr>"
		    "<tr><th>remote write: queue disk errors</th>"
		    "<td class=num>%llu</td></tr>",
		    (unsigned long long)rws->sent,
		    (unsigned long long)rws->failed,
		    (unsigned long long)rws->dropped,
		    (unsigned long long)rws->retries,
		    (unsigned long long)rws->queued,
		    (unsigned long long)rws->queued_bytes / 1024,
		    (unsigned long long)rws->disk_errors);
	buf_puts(&b, "</table><h2>Graphs</h2><div class=graphs>");
	for (i = 0; self != NULL && i < 4; i++) {
		if (cat_host_service(self, graphs[i]) == NULL)
			continue;
		buf_puts(&b, "<figure><a href=\"/" CATALOG_SELF "/");
		buf_puts(&b, graphs[i]);
		buf_puts(&b, "/\">");
		graph_img(&b, self, graphs[i], "day", "", graphs[i], day_start,
		    day_end);
		buf_puts(&b, "</a></figure>");
	}
	buf_puts(&b, "</div><h2>Targets</h2><table><tr><th>host</th>"
		     "<th>physical</th><th>state</th><th>last poll (s)</th>"
		     "<th>queue delay (s)</th><th>values</th><th>failures"
		     "</th><th>last error</th></tr>");
	for (i = 0; i < catalog_count(cat); i++) {
		h = catalog_at(cat, i);
		buf_puts(&b, "<tr><td>");
		html_escape(&b, h->name);
		buf_puts(&b, "</td><td>");
		html_escape(&b, h->physical != NULL ? h->physical : "");
		buf_printf(&b, "</td><td>%s</td>",
		    h->unpolled ? "not polled (update no)"
				: host_state_str(h->state));
		num(&b, (double)h->poll_ms / 1000);
		num(&b, (double)h->queue_ms / 1000);
		buf_printf(&b,
		    "<td class=num>%u</td><td class=num>%u</td>"
		    "<td>",
		    h->values, h->failures);
		html_escape(&b, cat_error_str(h->last_error));
		buf_puts(&b, "</td></tr>");
	}
	buf_puts(&b, "</table>");
	return foot(&b, len);
}

char *
page_error(int status, const char *reason, size_t *len)
{
	struct buf b = {0};

	head(&b, "error");
	buf_printf(&b, "<h1>%d</h1><p>", status);
	html_escape(&b, reason);
	buf_puts(&b, "</p>");
	return foot(&b, len);
}

char *
page_alerts(struct catalog *cat, const struct alerts *a,
    const struct outputs_stats *os, time_t now, size_t *len)
{
	struct alert_transition t;
	struct buf b = {0};
	struct cat_problem *p;
	const char *label, *w, *c;
	size_t i, n;

	p = catalog_problems(cat, &n);
	head(&b, "alerts");
	buf_printf(&b, "<h1>Alerts</h1><h2>Current problems (%zu)</h2>", n);
	buf_puts(&b, "<table><tr><th>state</th><th>host</th><th>service"
		     "</th><th>field</th><th>value</th><th>warning</th>"
		     "<th>critical</th></tr>");
	for (i = 0; i < n; i++) {
		buf_printf(&b,
		    "<tr class=\"st-%s\"><td>%s</td><td><a "
		    "href=\"/",
		    field_state_str(p[i].st), field_state_str(p[i].st));
		html_escape_url(&b, p[i].h->name);
		buf_puts(&b, "/\">");
		html_escape(&b, p[i].h->name);
		buf_puts(&b, "</a></td>");
		if (p[i].cs == NULL) {
			buf_puts(&b, "<td colspan=5>host down: ");
			html_escape(&b, cat_error_str(p[i].h->last_error));
			buf_puts(&b, "</td></tr>");
			continue;
		}
		buf_puts(&b, "<td><a href=\"/");
		html_escape_url(&b, p[i].h->name);
		buf_puts(&b, "/");
		html_escape_url(&b, p[i].cs->svc.name);
		buf_puts(&b, "/\">");
		html_escape(&b, svc_title(p[i].cs));
		buf_puts(&b, "</a></td><td>");
		label = attrs_get(&p[i].f->attrs, "label");
		html_escape(&b, label != NULL ? label : p[i].f->name);
		buf_puts(&b, "</td>");
		num(&b, p[i].f->has_value && !p[i].f->unknown ? p[i].f->value
							      : NAN);
		w = attrs_get(&p[i].f->attrs, "warning");
		c = attrs_get(&p[i].f->attrs, "critical");
		buf_puts(&b, "<td>");
		html_escape(&b, w != NULL ? w : "");
		buf_puts(&b, "</td><td>");
		html_escape(&b, c != NULL ? c : "");
		buf_puts(&b, "</td></tr>");
	}
	free(p);
	buf_printf(&b,
	    "</table><h2>Deliveries</h2><table>"
	    "<tr><th>pages waiting</th><td class=num>%zu</td></tr>"
	    "<tr><th>pages delivered</th><td class=num>%llu</td></tr>"
	    "<tr><th>failed attempts</th><td class=num>%llu</td></tr>"
	    "<tr><th>expired</th><td class=num>%llu</td></tr>"
	    "<tr><th>Nagios lines written / waiting / lost</th>"
	    "<td class=num>%llu / %zu / %llu</td></tr>",
	    os->pages.queued, (unsigned long long)os->pages.delivered,
	    (unsigned long long)os->pages.failed,
	    (unsigned long long)os->pages.expired,
	    (unsigned long long)os->nagios.written, os->nagios.pending,
	    (unsigned long long)os->nagios.dropped);
	if (os->pages.oldest != 0) {
		buf_puts(&b, "<tr><th>oldest waiting page</th><td>");
		age(&b, os->pages.oldest, now);
		buf_puts(&b, "</td></tr>");
	}
	buf_puts(&b, "</table><h2>Recent changes</h2><table><tr><th>when"
		     "</th><th>what</th><th>from</th><th>to</th><th>value"
		     "</th></tr>");
	for (i = 0; a != NULL && alerts_transition(a, i, &t); i++) {
		buf_puts(&b, "<tr><td>");
		age(&b, t.when, now);
		buf_puts(&b, "</td><td>");
		html_escape(&b, t.key);
		buf_printf(&b, "</td><td>%s</td><td class=\"st-%s\">%s</td>",
		    field_state_str(t.prev), field_state_str(t.state),
		    field_state_str(t.state));
		num(&b, t.has_value ? t.value : NAN);
		buf_puts(&b, "</tr>");
	}
	buf_puts(&b, "</table>");
	return foot(&b, len);
}
