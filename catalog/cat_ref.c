/*
 * cat_ref: aggregate references resolved in the catalog.  See cat_ref.h.
 * Costs one pass over the catalog's hosts per prefix tried, a few per
 * reference: aggregates name a handful of fields.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/cat_ref.h"
#include "rrd/rrd_schema.h"

/* Appends the pieces of s split on sep. 0 / -1. */
static int
split_add(struct strlist *l, const char *s, char sep)
{
	const char *p;
	char *w;
	int rc;

	for (;;) {
		p = strchr(s, sep);
		w = p != NULL ? strndup(s, (size_t)(p - s)) : strdup(s);
		if (w == NULL)
			return -1;
		rc = strlist_add(l, w);
		free(w);
		if (rc == -1)
			return -1;
		if (p == NULL)
			return 0;
		s = p + 1;
	}
}

/*
 * The host of cat whose location (groups, name) is loc[0..k) for some k,
 * with service loc[k..n-1) (joined by '.') and field loc[n-1].
 */
static const struct cat_host *
lookup(const struct catalog *cat, char *const *loc, size_t n,
    const struct cat_service **csp, size_t *fidx)
{
	struct strlist hl = {0};
	const struct cat_host *h, *found = NULL;
	const struct cat_service *cs;
	char sname[512];
	size_t i, j, k, len;
	long fi;

	for (i = 0; i < catalog_count(cat) && found == NULL; i++) {
		h = catalog_at((struct catalog *)cat, i);
		strlist_cleanup(&hl);
		if (split_add(&hl, h->group, ';') == -1 ||
		    strlist_add(&hl, h->name) == -1)
			break;
		k = hl.n;
		if (n < k + 2)
			continue;
		for (j = 0; j < k && strcmp(hl.v[j], loc[j]) == 0; j++)
			;
		if (j < k)
			continue;
		sname[0] = '\0';
		for (j = k, len = 0; j + 1 < n; j++) {
			len += (size_t)snprintf(sname + len,
			    len < sizeof(sname) ? sizeof(sname) - len : 0,
			    "%s%s", j > k ? "." : "", loc[j]);
			if (len >= sizeof(sname))
				break;
		}
		if (len >= sizeof(sname))
			continue;
		cs = cat_host_service(h, sname);
		if (cs == NULL)
			continue;
		fi = cat_service_field_index(cs, 0, loc[n - 1]);
		if (fi < 0)
			continue;
		found = h;
		*csp = cs;
		*fidx = (size_t)fi;
	}
	strlist_cleanup(&hl);
	return found;
}

const struct cat_host *
cat_ref_find(const struct catalog *cat, const struct cat_host *h,
    const char *svcname, const char *ref, const struct cat_service **csp,
    size_t *fidx)
{
	struct strlist base = {0}, loc = {0}, cand = {0};
	const struct cat_host *found = NULL;
	size_t k, i;

	if (graph_ref_loc(ref, &loc) == -1 ||
	    split_add(&base, h->group, ';') == -1 ||
	    strlist_add(&base, h->name) == -1 ||
	    split_add(&base, svcname, '.') == -1)
		goto out;
	for (k = base.n + 1; k-- > 0 && found == NULL;) {
		strlist_cleanup(&cand);
		for (i = 0; i < k; i++)
			if (strlist_add(&cand, base.v[i]) == -1)
				goto out;
		for (i = 0; i < loc.n; i++)
			if (strlist_add(&cand, loc.v[i]) == -1)
				goto out;
		found = lookup(cat, cand.v, cand.n, csp, fidx);
	}
out:
	strlist_cleanup(&base);
	strlist_cleanup(&loc);
	strlist_cleanup(&cand);
	return found;
}

int
cat_refs_resolve(struct cat_refs *out, const struct catalog *cat,
    const struct cat_host *h, const struct cat_service *cs, const char *dbdir)
{
	const struct cat_host *th;
	const struct cat_service *tcs;
	const struct field *f;
	char path[4096];
	size_t i, fi;

	memset(out, 0, sizeof(*out));
	if (graph_refs(&cs->svc, &out->refs) == -1)
		return -1;
	if (out->refs.n == 0)
		return 0;
	out->v = calloc(out->refs.n, sizeof(*out->v));
	out->paths = calloc(out->refs.n, sizeof(*out->paths));
	if (out->v == NULL || out->paths == NULL)
		return -1;
	for (i = 0; i < out->refs.n; i++) {
		out->v[i].ref = out->refs.v[i];
		out->n++;
		th = cat_ref_find(
		    cat, h, cs->svc.name, out->refs.v[i], &tcs, &fi);
		if (th == NULL)
			continue;
		f = &tcs->svc.fields[fi];
		if (rrd_path(path, sizeof(path), dbdir, th->group, th->name,
			tcs->svc.name, f->name, field_type(f)) == -1)
			continue;
		out->paths[i] = strdup(path);
		if (out->paths[i] == NULL)
			return -1;
		out->v[i].path = out->paths[i];
		out->v[i].type = field_type(f);
		out->v[i].draw = attrs_get(&f->attrs, "draw");
		out->v[i].label = attrs_get(&f->attrs, "label");
		out->v[i].info = attrs_get(&f->attrs, "info");
		out->v[i].last = tcs->last_update;
	}
	return 0;
}

void
cat_refs_cleanup(struct cat_refs *r)
{
	size_t i;

	for (i = 0; r->paths != NULL && i < r->n; i++)
		free(r->paths[i]);
	free(r->paths);
	free(r->v);
	strlist_cleanup(&r->refs);
	memset(r, 0, sizeof(*r));
}
