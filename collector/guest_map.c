/*
 * guest_map: hypervisors' reports of their guests, and matching host
 * sections to them.  Reports live in an array of hypervisors, each with
 * the array of guests its last report named; see guest_map.h.  An index
 * of every running guest sorted by match key, rebuilt after each report
 * (O(G log G) for G guests in all), makes a match O(log G) per candidate
 * name: 2000 hosts against 2000 guests took 110 ms on the loop with a
 * scan per host, which every report change would have paid; 1.1 ms
 * with the index.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>

#include "collector/guest_map.h"
#include "plugins/host_disk.h"

#define NAME_MAX_LEN 256 /* bytes of a candidate name we compare */

struct guest {
	char *name;	/* label, else field name */
	char *field;	/* field name */
	char *key;	/* "L" + lower(label), or "F" + lower(field) */
	bool labelled;	/* name came from a label */
	bool running;	/* value 1 in the last report */
	uint64_t since; /* learn count when it began running here */
	size_t hyp;	/* index of its hypervisor in guest_map.h */
};

struct hyp {
	char *name;
	struct guest *g;
	size_t n;
};

struct guest_map {
	struct hyp *h;
	size_t n, cap;
	uint64_t learns;    /* guest_map_learn calls so far: the clock */
	struct guest **idx; /* the running guests, sorted by key */
	size_t nidx;
};

static const char *const state_services[] = {"vm_state", "xen_state"};

struct guest_map *
guest_map_new(void)
{
	return calloc(1, sizeof(struct guest_map));
}

static void
guests_free(struct guest *g, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(g[i].name);
		free(g[i].field);
		free(g[i].key);
	}
	free(g);
}

void
guest_map_free(struct guest_map *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->n; i++) {
		free(m->h[i].name);
		guests_free(m->h[i].g, m->h[i].n);
	}
	free(m->h);
	free(m->idx);
	free(m);
}

/* "L" or "F" and lower(s) into out (size len, truncated). */
static void
make_key(char kind, const char *s, char *out, size_t len)
{
	size_t i;

	out[0] = kind;
	for (i = 0; s[i] != '\0' && i + 2 < len; i++)
		out[i + 1] =
		    s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
	out[i + 1] = '\0';
}

static int
cmp_idx(const void *a, const void *b)
{
	return strcmp(
	    (*(struct guest *const *)a)->key, (*(struct guest *const *)b)->key);
}

/* Rebuilds the index of running guests (m->h and its arrays changed).
 * On allocation failure the index is empty: nothing matches until the
 * next report, and every host keeps a budget of its own. */
static void
index_build(struct guest_map *m)
{
	size_t i, j, n = 0;

	free(m->idx);
	m->idx = NULL;
	m->nidx = 0;
	for (i = 0; i < m->n; i++)
		for (j = 0; j < m->h[i].n; j++)
			n += m->h[i].g[j].running;
	if (n == 0 || (m->idx = calloc(n, sizeof(*m->idx))) == NULL)
		return;
	for (i = 0; i < m->n; i++)
		for (j = 0; j < m->h[i].n; j++)
			if (m->h[i].g[j].running) {
				m->h[i].g[j].hyp = i;
				m->idx[m->nidx++] = &m->h[i].g[j];
			}
	qsort(m->idx, m->nidx, sizeof(*m->idx), cmp_idx);
}

static struct hyp *
hyp_find(const struct guest_map *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->h[i].name, name) == 0)
			return &m->h[i];
	return NULL;
}

static const struct guest *
guest_find(const struct hyp *h, const char *field)
{
	size_t i;

	for (i = 0; h != NULL && i < h->n; i++)
		if (strcmp(h->g[i].field, field) == 0)
			return &h->g[i];
	return NULL;
}

/* The guests of b's state services into *out (calloc'd), *n of them.
 * 0 / -1. */
static int
report_read(const struct batch *b, const struct hyp *old, uint64_t now,
    struct guest **out, size_t *n)
{
	const struct service *s;
	const struct field *f;
	const struct guest *was;
	struct guest *g = NULL, *ng;
	const char *label;
	char key[NAME_MAX_LEN + 2];
	size_t i, k, cap = 0, cnt = 0;

	for (k = 0; k < sizeof(state_services) / sizeof(state_services[0]);
	     k++) {
		s = batch_service((struct batch *)b, state_services[k], false);
		for (i = 0; s != NULL && i < s->nfields; i++) {
			f = &s->fields[i];
			if (cnt == cap) {
				ng = realloc(
				    g, (cap ? cap * 2 : 16) * sizeof(*g));
				if (ng == NULL)
					goto fail;
				g = ng;
				cap = cap ? cap * 2 : 16;
			}
			label = attrs_get(&f->attrs, "label");
			memset(&g[cnt], 0, sizeof(g[cnt]));
			g[cnt].labelled = label != NULL && label[0] != '\0';
			g[cnt].name = strdup(g[cnt].labelled ? label : f->name);
			g[cnt].field = strdup(f->name);
			make_key(g[cnt].labelled ? 'L' : 'F', g[cnt].name, key,
			    sizeof(key));
			g[cnt].key = strdup(key);
			cnt++;
			if (g[cnt - 1].name == NULL ||
			    g[cnt - 1].field == NULL || g[cnt - 1].key == NULL)
				goto fail;
			was = guest_find(old, f->name);
			if (f->has_value && !f->unknown)
				g[cnt - 1].running = f->value > 0;
			else /* U (xentop timed out): what was known stays */
				g[cnt - 1].running =
				    was != NULL && was->running;
			g[cnt - 1].since =
			    was != NULL && was->running ? was->since : now;
		}
	}
	*out = g;
	*n = cnt;
	return 0;
fail:
	guests_free(g, cnt);
	return -1;
}

/* Whether a and b run the same guests. */
static bool
same_running(const struct guest *a, size_t na, const struct hyp *b)
{
	const struct guest *o;
	size_t i, runs = 0;

	for (i = 0; i < na; i++) {
		if (!a[i].running)
			continue;
		runs++;
		o = guest_find(b, a[i].field);
		if (o == NULL || !o->running)
			return false;
	}
	for (i = 0; b != NULL && i < b->n; i++)
		runs -= b->g[i].running;
	return runs == 0;
}

bool
guest_map_learn(struct guest_map *m, const char *hyp, const struct batch *b)
{
	struct hyp *h = hyp_find(m, hyp), *nh;
	struct guest *g;
	size_t n;
	bool changed;

	m->learns++;
	if (report_read(b, h, m->learns, &g, &n) == -1)
		return false;
	changed = !same_running(g, n, h);
	if (h == NULL) {
		if (n == 0)
			return false; /* no report, nothing to remember */
		if (m->n == m->cap) {
			nh = realloc(
			    m->h, (m->cap ? m->cap * 2 : 8) * sizeof(*nh));
			if (nh == NULL) {
				guests_free(g, n);
				return false;
			}
			m->h = nh;
			m->cap = m->cap ? m->cap * 2 : 8;
		}
		h = &m->h[m->n];
		memset(h, 0, sizeof(*h));
		h->name = strdup(hyp);
		if (h->name == NULL) {
			guests_free(g, n);
			return false;
		}
		m->n++;
	}
	guests_free(h->g, h->n);
	h->g = g;
	h->n = n;
	index_build(m);
	return changed;
}

bool
guest_map_forget(struct guest_map *m, const char *hyp)
{
	struct hyp *h = hyp_find(m, hyp);
	bool had;
	size_t i;

	if (h == NULL)
		return false;
	had = same_running(NULL, 0, h) == false;
	free(h->name);
	guests_free(h->g, h->n);
	i = (size_t)(h - m->h);
	memmove(h, h + 1, (m->n - i - 1) * sizeof(*h));
	m->n--;
	index_build(m);
	return had;
}

const char *
guest_map_hypervisor(const struct guest_map *m, size_t i)
{
	return i < m->n ? m->h[i].name : NULL;
}

/* The running guest called cand whose report began last, skipping the
 * hypervisor called self; NULL if none.  A labelled guest is compared
 * by name, an unlabelled one by field name against clean(cand). */
static const struct guest *
running_guest(const struct guest_map *m, const char *cand, const char *self)
{
	char clean[NAME_MAX_LEN], key[NAME_MAX_LEN + 2];
	struct guest kg = {.key = key}, *kp = &kg, **at;
	const struct guest *best = NULL, *g;
	size_t lo, i;
	int pass;

	if (cand == NULL || cand[0] == '\0' || m->nidx == 0)
		return NULL;
	for (pass = 0; pass < 2; pass++) {
		if (pass == 0)
			make_key('L', cand, key, sizeof(key));
		else {
			disk_clean_fieldname(cand, clean, sizeof(clean));
			make_key('F', clean, key, sizeof(key));
		}
		at = bsearch(&kp, m->idx, m->nidx, sizeof(*m->idx), cmp_idx);
		if (at == NULL)
			continue;
		/* equal keys sit together: the first of them */
		for (lo = (size_t)(at - m->idx);
		     lo > 0 && strcmp(m->idx[lo - 1]->key, key) == 0; lo--)
			;
		for (i = lo; i < m->nidx && strcmp(m->idx[i]->key, key) == 0;
		     i++) {
			g = m->idx[i];
			if (self != NULL &&
			    strcasecmp(m->h[g->hyp].name, self) == 0)
				continue;
			if (best == NULL || g->since > best->since)
				best = g;
		}
	}
	return best;
}

/* name up to its first '.' into out; false when it has no '.' (or is
 * too long), so the short name would be the name again. */
static bool
short_name(const char *name, char *out, size_t len)
{
	const char *dot;

	if (name == NULL || (dot = strchr(name, '.')) == NULL || dot == name ||
	    (size_t)(dot - name) >= len)
		return false;
	memcpy(out, name, (size_t)(dot - name));
	out[dot - name] = '\0';
	return true;
}

static bool
is_ip(const char *s)
{
	unsigned char b[16];

	return inet_pton(AF_INET, s, b) == 1 || inet_pton(AF_INET6, s, b) == 1;
}

const char *
guest_map_match(
    const struct guest_map *m, const struct guest_ident *id, const char **field)
{
	const char *cand[4] = {NULL, NULL, NULL, NULL};
	char sname[NAME_MAX_LEN], saddr[NAME_MAX_LEN];
	const struct guest *g = NULL;
	size_t i, nc = 0;

	if (id->vm_name != NULL)
		cand[nc++] = id->vm_name;
	else {
		cand[nc++] = id->name;
		if (short_name(id->name, sname, sizeof(sname)))
			cand[nc++] = sname;
		if (id->address != NULL) {
			cand[nc++] = id->address;
			if (!is_ip(id->address) &&
			    short_name(id->address, saddr, sizeof(saddr)))
				cand[nc++] = saddr;
		}
	}
	for (i = 0; i < nc && g == NULL; i++)
		g = running_guest(m, cand[i], id->name);
	if (g == NULL)
		return NULL;
	if (field != NULL)
		*field = g->field;
	return m->h[g->hyp].name;
}
