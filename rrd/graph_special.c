/*
 * graph_special: expand_specials() of munin-graph.  See graph_special.h.
 *
 * Read beside GraphOld.pm's expand_specials(), munin_get_field_order()
 * (Utils.pm), remove_dups() and the filename step of process_service()
 * (munin_get_rrd_filename): the same walk, the same names, the same
 * values.  Perl's "exists but undef" (a .sum copying an unset label) is
 * an attribute removed here.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrd/graph_check.h"
#include "rrd/graph_special.h"

/* ---- small helpers ------------------------------------------------------ */

/* Perl truth of a config value: defined, not "" and not "0". */
static bool
truthy(const char *v)
{
	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

/* Splits s on blanks into l.  0 / -1 (ENOMEM). */
static int
split_ws(const char *s, struct strlist *l)
{
	const char *p = s;
	char *w;
	size_t n;
	int rc;

	for (;;) {
		p += strspn(p, " \t\r\n");
		if (*p == '\0')
			return 0;
		n = strcspn(p, " \t\r\n");
		w = strndup(p, n);
		if (w == NULL)
			return -1;
		rc = strlist_add(l, w);
		free(w);
		if (rc == -1)
			return -1;
		p += n;
	}
}

/* The name of an order entry: up to a "=" that has text after it
 * (Perl's s/=.+//). Heap string. */
static char *
entry_name(const char *e)
{
	const char *eq = strchr(e, '=');

	return eq != NULL && eq[1] != '\0' ? strndup(e, (size_t)(eq - e))
					   : strdup(e);
}

/* Whether some entry of l is name or starts with "name=". */
static bool
order_has(const struct strlist *l, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < l->n; i++)
		if (strncmp(l->v[i], name, n) == 0 &&
		    (l->v[i][n] == '\0' || l->v[i][n] == '='))
			return true;
	return false;
}

static bool
word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/*
 * s with \bword\b replaced by repl (every one when all, else the first):
 * Perl's s/\bWORD\b/REPL/(g).  Heap string, NULL on ENOMEM.
 */
static char *
replace_word(const char *s, const char *word, const char *repl, bool all)
{
	size_t wl = strlen(word), rl = strlen(repl), cap, len = 0;
	const char *p = s;
	char *out;
	bool done = false;

	if (wl == 0)
		return strdup(s);
	cap = strlen(s) * (rl + 1) + 1;
	out = malloc(cap);
	if (out == NULL)
		return NULL;
	while (*p != '\0') {
		if (!done && strncmp(p, word, wl) == 0 &&
		    (p == s || !word_char(p[-1]) || !word_char(word[0])) &&
		    (!word_char(p[wl]) || !word_char(word[wl - 1]))) {
			memcpy(out + len, repl, rl);
			len += rl;
			p += wl;
			done = !all;
			continue;
		}
		out[len++] = *p++;
	}
	out[len] = '\0';
	return out;
}

static const struct graph_source *
find_src(const struct graph_source *src, size_t nsrc, const char *ref)
{
	size_t i, n;

	ref += strspn(ref, " \t");
	n = strlen(ref);
	while (n > 0 && isspace((unsigned char)ref[n - 1]))
		n--;
	for (i = 0; i < nsrc; i++)
		if (src[i].ref != NULL && strlen(src[i].ref) == n &&
		    strncmp(src[i].ref, ref, n) == 0)
			return &src[i];
	return NULL;
}

/* ---- references ---------------------------------------------------------- */

static int
add_ref(struct strlist *refs, const char *r)
{
	char *t;
	size_t n;
	int rc = 0;

	r += strspn(r, " \t");
	n = strlen(r);
	while (n > 0 && isspace((unsigned char)r[n - 1]))
		n--;
	if (n == 0)
		return 0;
	t = strndup(r, n);
	if (t == NULL)
		return -1;
	if (!strlist_contains(refs, t))
		rc = strlist_add(refs, t);
	free(t);
	return rc;
}

int
graph_refs(const struct service *svc, struct strlist *refs)
{
	struct strlist w = {0};
	const char *v, *eq, *e;
	size_t i, j;
	int rc = -1;

	v = attrs_get(&svc->graph, "graph_order");
	if (v != NULL && split_ws(v, &w) == -1)
		goto out;
	for (i = 0; i < w.n; i++) {
		e = w.v[i][0] == '-' ? w.v[i] + 1 : w.v[i];
		eq = strchr(e, '=');
		if (eq != NULL && eq > e && eq[1] != '\0' &&
		    add_ref(refs, eq + 1) == -1)
			goto out;
	}
	for (i = 0; i < svc->nfields; i++) {
		v = attrs_get(&svc->fields[i].attrs, "stack");
		strlist_cleanup(&w);
		if (v != NULL && split_ws(v, &w) == -1)
			goto out;
		for (j = 0; j < w.n; j++) {
			eq = strchr(w.v[j], '=');
			if (eq != NULL && eq[1] != '\0' &&
			    add_ref(refs, eq + 1) == -1)
				goto out;
		}
		v = attrs_get(&svc->fields[i].attrs, "sum");
		strlist_cleanup(&w);
		if (v != NULL && split_ws(v, &w) == -1)
			goto out;
		for (j = 0; j < w.n; j++) {
			eq = strrchr(w.v[j], '=');
			if (add_ref(refs,
				eq != NULL && eq > w.v[j] ? eq + 1 : w.v[j]) ==
			    -1)
				goto out;
		}
	}
	rc = 0;
out:
	strlist_cleanup(&w);
	return rc;
}

/* Appends the pieces of s split on sep (empty pieces kept). */
static int
split_on(const char *s, size_t len, char sep, struct strlist *loc)
{
	const char *end = s + len, *p;
	char *w;
	int rc;

	for (;;) {
		p = memchr(s, sep, (size_t)(end - s));
		if (p == NULL)
			p = end;
		w = strndup(s, (size_t)(p - s));
		if (w == NULL)
			return -1;
		rc = strlist_add(loc, w);
		free(w);
		if (rc == -1)
			return -1;
		if (p == end)
			return 0;
		s = p + 1;
	}
}

int
graph_ref_loc(const char *ref, struct strlist *loc)
{
	const char *s = ref, *colon, *dot;
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n == 0 || memchr(s, ' ', n) != NULL || memchr(s, '\t', n) != NULL) {
		errno = EINVAL;
		return -1;
	}
	colon = memchr(s, ':', n);
	if (colon != NULL && colon > s && (size_t)(colon - s) + 1 < n) {
		/* LEFT:RIGHT: LEFT split on ';', RIGHT on '.' */
		if (split_on(s, (size_t)(colon - s), ';', loc) == -1 ||
		    split_on(
			colon + 1, n - (size_t)(colon - s) - 1, '.', loc) == -1)
			return -1;
		return 0;
	}
	dot = memchr(s, '.', n);
	if (strcspn(s, ";:.") >= n) /* a lone name */
		return split_on(s, n, '\0', loc);
	if (dot != NULL && dot > s && memchr(s, ':', n) == NULL &&
	    memchr(dot, ';', n - (size_t)(dot - s)) == NULL) {
		/* LEFT.RIGHT: LEFT split on ';', RIGHT on '.' */
		if (split_on(s, (size_t)(dot - s), ';', loc) == -1 ||
		    split_on(dot + 1, n - (size_t)(dot - s) - 1, '.', loc) ==
			-1)
			return -1;
		return 0;
	}
	return split_on(s, n, ';', loc);
}

/* ---- the plan ------------------------------------------------------------ */

struct pctx {
	struct graph_plan *pl;
	const struct graph_source *src;
	size_t nsrc;
	time_t *last; /* grows with pl->svc.fields */
	size_t nlast;
};

static struct field *
fld(struct pctx *c, const char *name)
{
	return service_field(&c->pl->svc, name, true);
}

static const char *
fget(struct pctx *c, const char *name, const char *key)
{
	struct field *f = service_field(&c->pl->svc, name, false);

	return f != NULL ? attrs_get(&f->attrs, key) : NULL;
}

static int
fset(struct pctx *c, const char *name, const char *key, const char *v)
{
	struct field *f = fld(c, name);

	if (f == NULL)
		return -1;
	if (v == NULL) {
		attrs_del(&f->attrs, key);
		return 0;
	}
	return attrs_set(&f->attrs, key, v);
}

/* Makes c->last as long as the service's fields (new ones at 0). */
static int
grow_last(struct pctx *c)
{
	size_t i, n = c->pl->svc.nfields;
	time_t *nl;

	if (n <= c->nlast && c->last != NULL)
		return 0;
	nl = realloc(c->last, (n + 1) * sizeof(*nl));
	if (nl == NULL)
		return -1;
	for (i = c->nlast; i <= n; i++)
		nl[i] = 0;
	c->last = nl;
	c->nlast = n;
	return 0;
}

/* Records the last update of field name (created when missing). */
static int
set_last(struct pctx *c, const char *name, time_t t)
{
	struct field *f = fld(c, name);

	if (f == NULL || grow_last(c) == -1)
		return -1;
	c->last[f - c->pl->svc.fields] = t;
	return 0;
}

/* Copies what munin_get_rrd_filename() copies from the source node when
 * the field lacks it (draw only for aliases: see the caller). */
static int
take_source(
    struct pctx *c, const char *name, const struct graph_source *s, bool alias)
{
	if ((alias && fget(c, name, "draw") == NULL && s->draw != NULL &&
		fset(c, name, "draw", s->draw) == -1) ||
	    (fget(c, name, "type") == NULL &&
		fset(c, name, "type", ds_type_str(s->type)) == -1) ||
	    (fget(c, name, "info") == NULL && s->info != NULL &&
		fset(c, name, "info", s->info) == -1) ||
	    (!alias && fget(c, name, "label") == NULL && s->label != NULL &&
		fset(c, name, "label", s->label) == -1) ||
	    fset(c, name, "filename", s->path) == -1)
		return -1;
	return set_last(c, name, s->last);
}

/* munin_get_field_order(): graph_order, then labelled and stacked fields
 * not named there, without exact duplicates. */
static int
field_order(const struct service *svc, struct strlist *order)
{
	struct strlist raw = {0};
	const char *go = attrs_get(&svc->graph, "graph_order");
	size_t i, pass;
	int rc = -1;

	if (go != NULL && split_ws(go, &raw) == -1)
		goto out;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < svc->nfields; i++)
			if (attrs_get(&svc->fields[i].attrs,
				pass == 0 ? "label" : "stack") != NULL &&
			    !order_has(&raw, svc->fields[i].name) &&
			    strlist_add(&raw, svc->fields[i].name) == -1)
				goto out;
	for (i = 0; i < raw.n; i++)
		if (!strlist_contains(order, raw.v[i]) &&
		    strlist_add(order, raw.v[i]) == -1)
			goto out;
	rc = 0;
out:
	strlist_cleanup(&raw);
	return rc;
}

/* The .stack of field x (tmp: its entries). */
static int
expand_stack(
    struct pctx *c, const char *x, const char *stack, struct strlist *pre)
{
	struct strlist w = {0};
	const char *xdraw, *xcdef;
	char *name = NULL, *cdef = NULL, *t;
	size_t i;
	int rc = -1;

	if (split_ws(stack, &w) == -1)
		goto out;
	for (i = 0; i < w.n; i++) {
		free(name);
		name = entry_name(w.v[i]);
		if (name == NULL)
			goto out;
		xdraw = fget(c, x, "draw");
		if (fset(c, name, "draw",
			i == 0 ? (xdraw != NULL ? xdraw : "LINE1") : "STACK") ==
			-1 ||
		    fset(c, x, "process", "0") == -1 ||
		    strlist_add(pre, w.v[i]) == -1 ||
		    fset(c, name, "label", name) == -1)
			goto out;
		free(cdef);
		if (asprintf(&cdef, "%s,UN,0,%s,IF", name, name) == -1) {
			cdef = NULL;
			goto out;
		}
		xcdef = fget(c, x, "cdef");
		if (truthy(xcdef) &&
		    !graph_bool(fget(c, name, "onlynullcdef"), false)) {
			t = NULL;
			if (asprintf(&t, "%s,%s", cdef, xcdef) == -1)
				goto out;
			free(cdef);
			cdef = replace_word(t, x, name, true);
			free(t);
			if (cdef == NULL)
				goto out;
		} else if (fset(c, name, "onlynullcdef", "1") == -1)
			goto out;
		if (fset(c, name, "cdef", cdef) == -1)
			goto out;
	}
	rc = 0;
out:
	free(name);
	free(cdef);
	strlist_cleanup(&w);
	return rc;
}

/* The .sum of field x, the fieldnum-th of the order. */
static int
expand_sum(struct pctx *c, const char *x, const char *sum, unsigned fieldnum,
    struct strlist *pre)
{
	struct strlist w = {0}, names = {0};
	const char *path, *eq, *v;
	char name[64], *s = NULL, *t = NULL, *last;
	size_t i;
	int rc = -1;

	if (split_ws(sum, &w) == -1)
		goto out;
	if (w.n == 0) {
		rc = 0;
		goto out;
	}
	for (i = 0; i < w.n; i++) {
		eq = strrchr(w.v[i], '=');
		path = eq != NULL && eq > w.v[i] ? eq + 1 : w.v[i];
		snprintf(name, sizeof(name), "z%u_%zu", fieldnum, i);
		free(s);
		s = NULL;
		if (asprintf(&s, "%s,UN,0,%s,IF", name, name) == -1) {
			s = NULL;
			goto out;
		}
		if (fset(c, name, "cdef", s) == -1 ||
		    fset(c, name, "graph", "no") == -1 ||
		    fset(c, name, "label", name) == -1 ||
		    strlist_add(&names, name) == -1)
			goto out;
		free(s);
		s = NULL;
		if (asprintf(&s, "%s=%s", name, path) == -1) {
			s = NULL;
			goto out;
		}
		if (strlist_add(pre, s) == -1)
			goto out;
	}
	last = names.v[names.n - 1];
	/* "," . join(",ADDNAN,", all but the last) . ",ADDNAN" */
	free(s);
	s = strdup(fget(c, last, "cdef"));
	if (s == NULL)
		goto out;
	for (i = 0; i < names.n; i++) {
		free(t);
		t = NULL;
		if (asprintf(&t, "%s%s%s", s,
			i == 0 ? "," : (i + 1 < names.n ? ",ADDNAN," : ""),
			i + 1 < names.n ? names.v[i] : ",ADDNAN") == -1) {
			t = NULL;
			goto out;
		}
		free(s);
		s = t;
		t = NULL;
	}
	v = fget(c, x, "cdef");
	if (truthy(v)) {
		t = replace_word(v, x, s, false);
		if (t == NULL)
			goto out;
		free(s);
		s = t;
		t = NULL;
	}
	if (fset(c, last, "cdef", s) == -1 || fset(c, x, "process", "0") == -1)
		goto out;
	v = fget(c, x, "graph");
	if (fset(c, last, "draw", fget(c, x, "draw")) == -1 ||
	    fset(c, last, "colour", fget(c, x, "colour")) == -1 ||
	    fset(c, last, "label", fget(c, x, "label")) == -1 ||
	    fset(c, last, "graph", truthy(v) ? v : "yes") == -1)
		goto out;
	v = fget(c, x, "negative");
	if (truthy(v) && fset(c, last, "negative", v) == -1)
		goto out;
	if (fset(c, x, "realname", last) == -1)
		goto out;
	rc = 0;
out:
	free(s);
	free(t);
	strlist_cleanup(&w);
	strlist_cleanup(&names);
	return rc;
}

int
graph_plan_make(struct graph_plan *pl, const struct service *svc,
    const time_t *field_last, const struct graph_source *src, size_t nsrc)
{
	struct pctx c = {.pl = pl, .src = src, .nsrc = nsrc};
	struct strlist order0 = {0}, pre = {0};
	const struct graph_source *s;
	const char *v, *eq;
	char *e, *name = NULL, *spath;
	unsigned fieldnum = 0;
	bool resolved = false;
	size_t i;
	int rc = -1;

	memset(pl, 0, sizeof(*pl));
	if (service_copy(&pl->svc, svc) == -1)
		goto out;
	for (i = 0; i < pl->svc.nfields; i++) /* only resolved paths */
		attrs_del(&pl->svc.fields[i].attrs, "filename");
	if (grow_last(&c) == -1)
		goto out;
	for (i = 0; field_last != NULL && i < svc->nfields; i++)
		c.last[i] = field_last[i];
	if (field_order(svc, &order0) == -1)
		goto out;

	/* expand_specials() */
	for (i = 0; i < order0.n; i++) {
		e = order0.v[i];
		if (e[0] == '-' && e[1] != '\0') { /* invisible field */
			memmove(e, e + 1, strlen(e));
			if (strchr(e, '=') == NULL &&
			    fset(&c, e, "graph", "no") == -1)
				goto out;
		}
		fieldnum++;
		eq = strchr(e, '=');
		if (eq != NULL && eq > e && eq[1] != '\0') { /* alias */
			free(name);
			name = strndup(e, (size_t)(eq - e));
			if (name == NULL)
				goto out;
			s = find_src(src, nsrc, eq + 1);
			if (s == NULL || s->path == NULL)
				continue;
			resolved = true;
			if (take_source(&c, name, s, true) == -1 ||
			    (fget(&c, name, "label") == NULL &&
				fset(&c, name, "label", name) == -1))
				goto out;
			continue;
		}
		if ((v = fget(&c, e, "stack")) != NULL) {
			pl->special = true;
			if (expand_stack(&c, e, v, &pre) == -1)
				goto out;
		} else if ((v = fget(&c, e, "sum")) != NULL) {
			pl->special = true;
			if (expand_sum(&c, e, v, fieldnum, &pre) == -1)
				goto out;
		} else if (truthy(v = fget(&c, e, "negative")) &&
			   (!graph_bool(fget(&c, v, "graph"), true) ||
			       graph_bool(fget(&c, v, "skipdraw"), false))) {
			free(name);
			name = strdup(v);
			if (name == NULL || fset(&c, name, "graph", "no") == -1)
				goto out;
		}
	}

	/* preprocessed in front, duplicates (by name) dropped */
	for (i = 0; i < order0.n; i++)
		if (strlist_add(&pre, order0.v[i]) == -1)
			goto out;
	for (i = 0; i < pre.n; i++) {
		free(name);
		name = entry_name(pre.v[i]);
		if (name == NULL)
			goto out;
		if (order_has(&pl->order, name))
			continue;
		/* process_service(): a reference read when the field has
		 * no file yet; a field whose reference is not found is
		 * left out */
		spath = strchr(pre.v[i], '=');
		if (spath != NULL && spath[1] != '\0' &&
		    service_field(&pl->svc, name, false) != NULL &&
		    graph_bool(fget(&c, name, "process"), true) &&
		    fget(&c, name, "filename") == NULL) {
			s = find_src(src, nsrc, spath + 1);
			if (s == NULL || s->path == NULL)
				continue;
			resolved = true;
			if (take_source(&c, name, s, false) == -1)
				goto out;
		}
		if (strlist_add(&pl->order, pre.v[i]) == -1)
			goto out;
	}
	if (field_last != NULL || resolved) {
		if (grow_last(&c) == -1)
			goto out;
		pl->last = c.last;
		c.last = NULL;
	}
	rc = 0;
out:
	free(name);
	free(c.last);
	strlist_cleanup(&order0);
	strlist_cleanup(&pre);
	return rc;
}

void
graph_plan_cleanup(struct graph_plan *pl)
{
	service_cleanup(&pl->svc);
	strlist_cleanup(&pl->order);
	free(pl->last);
	memset(pl, 0, sizeof(*pl));
}
