/*
 * catalog: hosts in an array in config order, services per host in
 * arrival order.  Both are found through a hash index (struct name_index,
 * plugins/sample.h): a drover may watch 10 000 hosts, each looked up per
 * poll and per API request, and a node may send thousands of services
 * (up to its max_fields_per_host), each looked up per poll.  The indexes
 * hold positions, so they survive the arrays' reallocation; dropping
 * hosts (catalog_retain) moves the survivors and rebuilds the host index.
 */
#include "config.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "lib/log.h"

struct catalog {
	struct cat_host *h;
	size_t n;
	size_t cap;
	struct name_index index; /* h by name */
	uint64_t gen;		 /* catalog_generation() */
	uint64_t seq;		 /* the last host's cat_host.seq */
};

const char *
host_state_str(enum host_state s)
{
	static const char *const names[] = {"pending", "up", "down"};

	return names[s];
}

const char *
cat_phys_from_str(enum cat_phys_from f)
{
	static const char *const names[] = {"own", "config", "learned"};

	return names[f];
}

struct catalog *
catalog_new(void)
{
	return calloc(1, sizeof(struct catalog));
}

/* Frees v[0..n) and the rules they own. */
static void
fields_free(struct cat_field *v, size_t n)
{
	size_t i;

	for (i = 0; i < n && v != NULL; i++)
		if (field_spec_has_rules(&v[i].spec))
			free((struct field_rules *)v[i].spec.rules);
	free(v);
}

static void
host_cleanup(struct cat_host *h)
{
	size_t i;

	for (i = 0; i < h->nservices; i++) {
		fields_free(h->services[i].fields, h->services[i].svc.nfields);
		service_cleanup(&h->services[i].svc);
	}
	free(h->services);
	name_index_cleanup(&h->index);
	free(h->name);
	free(h->group);
	free(h->physical);
	free(h->hypervisor);
	free(h->guest_field);
	free(h->last_error);
	free(h->bmc.last_error);
}

void
cat_error_set(char **dst, const char *s)
{
	char *p = NULL;

	if (s != NULL && *s != '\0') {
		if (*dst != NULL && strncmp(*dst, s, CAT_ERROR_MAX) == 0 &&
		    strlen(*dst) == strnlen(s, CAT_ERROR_MAX))
			return;
		p = strndup(s, CAT_ERROR_MAX);
		if (p == NULL)
			return;
	}
	free(*dst);
	*dst = p;
}

const char *
cat_error_str(const char *e)
{
	return e != NULL ? e : "";
}

void
catalog_free(struct catalog *cat)
{
	size_t i;

	if (cat == NULL)
		return;
	for (i = 0; i < cat->n; i++)
		host_cleanup(&cat->h[i]);
	free(cat->h);
	name_index_cleanup(&cat->index);
	free(cat);
}

struct cat_host *
catalog_find(const struct catalog *cat, const char *name)
{
	long i =
	    name_index_find(&cat->index, cat->h, sizeof(*cat->h), cat->n, name);

	return i >= 0 ? &cat->h[i] : NULL;
}

_Static_assert(offsetof(struct cat_host, name) == 0, "name_index");

/*
 * Records that cat->h[cat->n - 1] was appended.  Without memory for a
 * bigger table the index is dropped: lookups fall back to a linear scan
 * (correct, only slower) until the next host is added.
 */
static void
index_add(struct catalog *cat)
{
	if (name_index_add(&cat->index, cat->h, sizeof(*cat->h), cat->n) == -1)
		name_index_cleanup(&cat->index);
}

static void
replace_str(char **dst, const char *src)
{
	char *p;

	if (src == NULL || (*dst != NULL && strcmp(*dst, src) == 0))
		return;
	p = strdup(src);
	if (p == NULL)
		return;
	free(*dst);
	*dst = p;
}

struct cat_host *
catalog_host(struct catalog *cat, const char *name, const char *group,
    const char *physical)
{
	struct cat_host *h = catalog_find(cat, name), *nv;
	size_t ncap;

	if (h == NULL) {
		if (cat->n == cat->cap) {
			/* a half more: 1,050 hosts in room for 1,369, not
			 * 2,048 (248 bytes each) */
			ncap = cat->cap ? cat->cap + cat->cap / 2 : 16;
			nv = realloc(cat->h, ncap * sizeof(*nv));
			if (nv == NULL)
				fatal("catalog: realloc");
			cat->h = nv;
			cat->cap = ncap;
		}
		h = &cat->h[cat->n++];
		memset(h, 0, sizeof(*h));
		h->seq = ++cat->seq;
		cat->gen++;
		h->name = strdup(name);
		if (h->name == NULL)
			fatal("catalog: strdup");
		index_add(cat);
	}
	if (group != NULL && (h->group == NULL || strcmp(h->group, group) != 0))
		cat->gen++; /* its files move */
	replace_str(&h->group, group);
	replace_str(&h->physical, physical != NULL ? physical : name);
	return h;
}

/* *dst = a copy of src (NULL: none), kept when equal. */
static void
set_opt_str(char **dst, const char *src)
{
	char *p = NULL;

	if (src != NULL && *dst != NULL && strcmp(*dst, src) == 0)
		return;
	if (src != NULL && (p = strdup(src)) == NULL)
		return;
	free(*dst);
	*dst = p;
}

void
catalog_set_physical(struct cat_host *h, const char *physical,
    enum cat_phys_from from, const char *hypervisor, const char *guest_field)
{
	replace_str(&h->physical, physical != NULL ? physical : h->name);
	h->physical_from = from;
	set_opt_str(&h->hypervisor, hypervisor);
	set_opt_str(&h->guest_field, guest_field);
}

void
catalog_set_target(struct cat_host *h, unsigned interval, bool bmc_only)
{
	h->interval = interval;
	h->bmc_only = bmc_only;
}

/* keep[] is an array of names, so a name_index can find its entries. */
_Static_assert(sizeof(const char *) == sizeof(char *), "name_index");

void
catalog_retain(struct catalog *cat, const char *const *keep, size_t n)
{
	struct name_index kx = {NULL, 0};
	size_t i, w = 0, n0 = cat->n;

	/* O(hosts + keep): keep's own index (a linear scan each without
	 * memory for it, or while it is short) */
	for (i = 0; i < n; i++)
		if (name_index_add(&kx, keep, sizeof(*keep), i + 1) == -1) {
			name_index_cleanup(&kx);
			break;
		}
	for (i = 0; i < n0; i++) {
		if (name_index_find(
			&kx, keep, sizeof(*keep), n, cat->h[i].name) >= 0)
			cat->h[w++] = cat->h[i];
		else
			host_cleanup(&cat->h[i]);
	}
	name_index_cleanup(&kx);
	if (w == n0)
		return;
	cat->gen++;
	/* the survivors moved: index them afresh */
	name_index_cleanup(&cat->index);
	for (cat->n = 1; cat->n <= w; cat->n++)
		index_add(cat);
	cat->n = w;
}

uint64_t
catalog_generation(const struct catalog *cat)
{
	return cat->gen;
}

size_t
catalog_count(const struct catalog *cat)
{
	return cat->n;
}

size_t
catalog_seek(const struct catalog *cat, uint64_t seq)
{
	size_t lo = 0, hi = cat->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (cat->h[mid].seq <= seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct cat_host *
catalog_at(const struct catalog *cat, size_t i)
{
	return i < cat->n ? &cat->h[i] : NULL;
}

_Static_assert(offsetof(struct cat_service, svc.name) == 0, "name_index");

const struct cat_service *
cat_host_service(const struct cat_host *h, const char *name)
{
	long i = name_index_find(
	    &h->index, h->services, sizeof(*h->services), h->nservices, name);

	return i >= 0 ? &h->services[i] : NULL;
}

/* The service called name, appended when missing (*fresh: it was,
 * and holds nothing but its name); want (>= 1): services the caller
 * may append, room made for them at once when the array is full. */
static struct cat_service *
service_slot(struct cat_host *h, const char *name, size_t want, bool *fresh)
{
	struct cat_service *nv, *cs;
	size_t ncap;
	long i;

	i = name_index_find(
	    &h->index, h->services, sizeof(*h->services), h->nservices, name);
	*fresh = i < 0;
	if (i >= 0)
		return &h->services[i];
	if (h->nservices == h->cap) {
		/* the first batch's services exactly, then a half more */
		ncap = h->cap + h->cap / 2;
		if (ncap < h->nservices + want)
			ncap = h->nservices + want;
		nv = realloc(h->services, ncap * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		h->services = nv;
		h->cap = ncap;
	}
	cs = &h->services[h->nservices];
	memset(cs, 0, sizeof(*cs));
	/* named now: the index finds it by name (catalog_update copies the
	 * service in, name included) */
	cs->svc.name = strdup(name);
	if (cs->svc.name == NULL)
		return NULL;
	if (name_index_add(&h->index, h->services, sizeof(*h->services),
		h->nservices + 1) == -1) {
		free(cs->svc.name);
		return NULL;
	}
	h->nservices++;
	return cs;
}

/* Parses field i of cs afresh: no verdict of the alert engine yet. */
static void
field_parse(struct cat_service *cs, size_t i)
{
	struct cat_field *cf = &cs->fields[i];
	struct field_rules rules, *own;

	memset(cf, 0, sizeof(*cf));
	field_spec_parse(&cf->spec, &rules, &cs->svc.fields[i].attrs);
	if (!field_spec_has_rules(&cf->spec))
		return;
	own = malloc(sizeof(*own));
	if (own == NULL)
		fatal("catalog: malloc");
	*own = rules;
	cf->spec.rules = own;
}

void
cat_field_ds(const struct cat_service *cs, size_t i, struct rrd_ds *ds)
{
	const struct field_spec *fs = &cs->fields[i].spec;

	if (rrd_ds_init_rate(ds, fs->type, fs->min, fs->max,
		cs->spec.graph_data_size, cs->spec.update_rate) == -1)
		rrd_ds_init(ds, fs->type, NULL, NULL, NULL);
}

/* Makes room for a cat_field per field of cs and parses fields [from, n). */
static void
fields_parse(struct cat_service *cs, size_t from)
{
	struct cat_field *nv;
	size_t i;

	nv = realloc(cs->fields,
	    (cs->svc.nfields > 0 ? cs->svc.nfields : 1) * sizeof(*nv));
	if (nv == NULL)
		fatal("catalog: realloc");
	cs->fields = nv;
	for (i = from; i < cs->svc.nfields; i++)
		field_parse(cs, i);
}

/* Before field f's value gives way to nv's (a value of a later poll):
 * f's value, when it was a polled one, becomes cf's previous value. */
static void
value_arrives(
    struct cat_field *cf, const struct field *f, const struct field *nv)
{
	if (cf->valued && !f->unknown) {
		cf->has_prev = true;
		cf->prev = f->value;
	}
	cf->valued = !nv->unknown;
}

/* A config equal to the one held: only the values move, as they would
 * through a fresh copy of it (fields src did not send keep their last
 * value but not has_value, and no verdict of the alert engine). */
static void
take_values(struct cat_service *cs, const struct service *src)
{
	struct field *f;
	size_t j;

	cs->svc.has_config = src->has_config;
	for (j = 0; j < src->nfields; j++) {
		f = &cs->svc.fields[j];
		f->has_value = src->fields[j].has_value;
		if (f->has_value) {
			value_arrives(&cs->fields[j], f, &src->fields[j]);
			f->value = src->fields[j].value;
			f->unknown = src->fields[j].unknown;
			f->when = src->fields[j].when;
		}
		cs->fields[j].has_alert = false;
	}
}

/*
 * Parses cf's spec again from attrs (an equal config in another block),
 * so its text points there; its own rules, when it has them, are
 * rewritten in place.
 */
static void
spec_reparse(struct cat_field *cf, const struct attrs *attrs)
{
	struct field_rules rules, *own = NULL;

	if (field_spec_has_rules(&cf->spec))
		own = (struct field_rules *)cf->spec.rules;
	field_spec_parse(&cf->spec, &rules, attrs);
	if (!field_spec_has_rules(&cf->spec)) {
		free(own);
		return;
	}
	if (own == NULL && (own = malloc(sizeof(*own))) == NULL)
		fatal("catalog: malloc");
	*own = rules;
	cf->spec.rules = own;
}

/*
 * src's config equals cs's: where src holds it in a block that a source
 * keeps sharing (its cache), cs takes that block in place of its own
 * equal one, so the next poll's batch is found equal by address.  A
 * config read from the state file meets its source's cache so, once
 * after a restart; a block only the batch holds (rewritten by a
 * munin.conf override) is not taken.  The specs that point into a
 * block are parsed again from the one taken; the alert engine's verdicts
 * and the values stay.
 */
static void
adopt_shared(struct cat_service *cs, const struct service *src)
{
	struct field *f;
	size_t j;

	if (cs->svc.graph.blk != src->graph.blk && attrs_shared(&src->graph)) {
		attrs_share(&cs->svc.graph, &src->graph);
		service_spec_parse(&cs->spec, &cs->svc.graph);
	}
	for (j = 0; j < src->nfields; j++) {
		f = &cs->svc.fields[j];
		if (f->attrs.blk == src->fields[j].attrs.blk ||
		    !attrs_shared(&src->fields[j].attrs))
			continue;
		attrs_share(&f->attrs, &src->fields[j].attrs);
		spec_reparse(&cs->fields[j], &f->attrs);
	}
}

/*
 * Replaces cs's config with copy (takes ownership): its fields are parsed
 * afresh, and a field that keeps its name keeps its previous value, the
 * value it held becoming the previous one when copy brings a new one.
 */
static void
replace_config(struct cat_service *cs, struct service *copy)
{
	struct service old = cs->svc;
	struct cat_field *old_cf = cs->fields;
	const struct field *of;
	struct cat_field *cf;
	size_t k, jo;

	cs->svc = *copy;
	cs->fields = NULL;
	service_spec_parse(&cs->spec, &cs->svc.graph);
	fields_parse(cs, 0);
	for (k = 0; k < cs->svc.nfields; k++) {
		cf = &cs->fields[k];
		of = service_field(&old, cs->svc.fields[k].name, false);
		if (of == NULL) {
			cf->valued = cs->svc.fields[k].has_value &&
				     !cs->svc.fields[k].unknown;
			continue;
		}
		jo = (size_t)(of - old.fields);
		cf->valued = old_cf[jo].valued;
		cf->has_prev = old_cf[jo].has_prev;
		cf->prev = old_cf[jo].prev;
		cf->since = old_cf[jo].since;
		if (cs->svc.fields[k].has_value)
			value_arrives(cf, of, &cs->svc.fields[k]);
	}
	fields_free(old_cf, old.nfields);
	service_cleanup(&old);
}

void
catalog_update(
    struct catalog *cat, struct cat_host *h, time_t ts, const struct batch *b)
{
	struct cat_service *cs;
	const struct service *src;
	struct field *f;
	size_t i, j, n;
	bool fresh;

	for (i = 0; i < b->n; i++) {
		src = &b->services[i];
		cs = service_slot(h, src->name, b->n - i, &fresh);
		if (cs == NULL)
			continue;
		if (!fresh && src->has_config &&
		    service_config_equal(&cs->svc, src)) {
			adopt_shared(cs, src);
			take_values(cs, src);
		} else if (fresh || src->has_config) {
			struct service copy;

			if (service_copy(&copy, src) == -1)
				continue;
			/* keep last values of fields this poll did not send */
			for (j = 0; !fresh && j < cs->svc.nfields; j++) {
				f = service_field(
				    &copy, cs->svc.fields[j].name, false);
				if (f != NULL && !f->has_value) {
					f->value = cs->svc.fields[j].value;
					f->unknown = cs->svc.fields[j].unknown;
					f->when = cs->svc.fields[j].when;
				}
			}
			replace_config(cs, &copy);
			cat->gen++;
		} else {
			n = cs->svc.nfields;
			for (j = 0; j < src->nfields; j++) {
				if (!src->fields[j].has_value)
					continue;
				f = service_field(
				    &cs->svc, src->fields[j].name, true);
				if (f == NULL)
					continue;
				if ((size_t)(f - cs->svc.fields) < n)
					value_arrives(
					    &cs->fields[f - cs->svc.fields], f,
					    &src->fields[j]);
				f->has_value = true;
				f->value = src->fields[j].value;
				f->unknown = src->fields[j].unknown;
				f->when = src->fields[j].when;
			}
			if (cs->svc.nfields > n) {
				fields_parse(cs, n);
				cat->gen++; /* fields without config */
			}
			for (j = n; j < cs->svc.nfields; j++)
				cs->fields[j].valued =
				    !cs->svc.fields[j].unknown;
		}
		if (cs->last_update != 0 && cs->last_update != ts)
			cs->prev_update = cs->last_update;
		cs->last_update = ts;
		cs->restored = false;
	}
}

void
catalog_poll_result(struct cat_host *h, bool ok, const char *error, time_t when,
    uint64_t poll_ms, uint64_t queue_ms, unsigned values)
{
	enum host_state now = ok ? HOST_UP : HOST_DOWN;

	if (h->state != now || h->state_since == 0)
		h->state_since = when;
	h->restored = false;
	h->last_poll = when;
	h->poll_ms = poll_ms;
	h->queue_ms = queue_ms;
	h->values = values;
	cat_error_set(&h->last_error, error);
	if (ok) {
		h->state = HOST_UP;
		h->last_ok = when;
		if (h->first_ok == 0)
			h->first_ok = when;
		h->failures = 0;
	} else {
		h->state = HOST_DOWN;
		h->failures++;
	}
}

long
cat_service_field_index(
    const struct cat_service *cs, size_t hint, const char *name)
{
	size_t i;

	/* a batch that shares the catalog's config shares its names */
	if (hint < cs->svc.nfields &&
	    (cs->svc.fields[hint].name == name ||
		strcmp(cs->svc.fields[hint].name, name) == 0))
		return (long)hint;
	for (i = 0; i < cs->svc.nfields; i++)
		if (strcmp(cs->svc.fields[i].name, name) == 0)
			return (long)i;
	return -1;
}

void
cat_field_set_alert(struct cat_service *cs, size_t i, enum field_state st)
{
	if (i >= cs->svc.nfields)
		return;
	cs->fields[i].has_alert = true;
	cs->fields[i].alert = st;
}

void
cat_field_set_since(struct cat_service *cs, size_t i, time_t since)
{
	if (i < cs->svc.nfields)
		cs->fields[i].since = since;
}

bool
cat_host_stale(const struct cat_host *h, time_t now)
{
	return !h->unpolled && h->state == HOST_UP && h->interval > 0 &&
	       h->last_ok > 0 &&
	       now - h->last_ok > (time_t)CAT_STALE_INTERVALS * h->interval;
}

enum field_state
cat_field_state(const struct cat_service *cs, size_t i)
{
	const struct field *f = &cs->svc.fields[i];
	const struct field_rules *fs = cs->fields[i].spec.rules;

	if (cs->fields[i].has_alert)
		return cs->fields[i].alert;
	if (fs->has_state)
		return fs->state_is;
	if (!f->has_value || f->unknown)
		/* a field without rules cannot alert (alerts.h): its U is
		 * no problem (ipmi_sel.new before its second SEL read) */
		return fs->warning != NULL || fs->critical != NULL ||
			       fs->has_nagios_warn || fs->has_nagios_crit
			   ? FS_UNKNOWN
			   : FS_OK;
	if (fs->critical != NULL && range_alerts(&fs->crit, f->value))
		return FS_CRITICAL;
	if (fs->warning != NULL && range_alerts(&fs->warn, f->value))
		return FS_WARNING;
	return FS_OK;
}

/* Severity order for "worst": OK < UNKNOWN < WARNING < CRITICAL. */
static int
severity(enum field_state s)
{
	static const int rank[] = {
	    [FS_OK] = 0, [FS_UNKNOWN] = 1, [FS_WARNING] = 2, [FS_CRITICAL] = 3};

	return rank[s];
}

enum field_state
cat_service_state(const struct cat_service *cs, unsigned *problems)
{
	enum field_state worst = FS_OK, s;
	size_t i;

	for (i = 0; i < cs->svc.nfields; i++) {
		/* fields without a value yet (graph-only) are not problems */
		if (!cs->svc.fields[i].has_value)
			continue;
		s = cat_field_state(cs, i);
		if (s == FS_UNKNOWN && cs->fields[i].spec.graph_no)
			continue;
		if (s != FS_OK && problems != NULL)
			(*problems)++;
		if (severity(s) > severity(worst))
			worst = s;
	}
	return worst;
}

enum field_state
cat_host_state(const struct cat_host *h, unsigned *problems)
{
	enum field_state worst = FS_OK, s;
	size_t i;

	if (problems != NULL)
		*problems = 0;
	if (h->peer) /* its owner judges it */
		return FS_OK;
	for (i = 0; i < h->nservices; i++) {
		s = cat_service_state(&h->services[i], problems);
		if (severity(s) > severity(worst))
			worst = s;
	}
	if (h->state == HOST_DOWN) {
		if (problems != NULL)
			(*problems)++;
		return FS_CRITICAL;
	}
	if (h->state == HOST_PENDING && !h->unpolled)
		return FS_UNKNOWN;
	return worst;
}

static int
cmp_problem(const void *a, const void *b)
{
	const struct cat_problem *x = a, *y = b;

	if (severity(x->st) != severity(y->st))
		return severity(y->st) - severity(x->st);
	return strcmp(x->h->name, y->h->name);
}

struct cat_problem *
catalog_problems(struct catalog *cat, size_t *n)
{
	struct cat_problem *v = NULL, *nv;
	const struct cat_host *h;
	const struct cat_service *cs;
	size_t i, j, k, cap = 0;
	enum field_state st;

	*n = 0;
	for (i = 0; i < catalog_count(cat); i++) {
		h = catalog_at(cat, i);
		if (h->peer) /* its owner's problems, not ours */
			continue;
		for (j = 0; j <= h->nservices; j++) {
			for (k = 0;
			     j < h->nservices ? k < h->services[j].svc.nfields
					      : k < 1;
			     k++) {
				cs = j < h->nservices ? &h->services[j] : NULL;
				if (cs == NULL)
					st = h->state == HOST_DOWN ? FS_CRITICAL
								   : FS_OK;
				else if (!cs->svc.fields[k].has_value)
					continue;
				else
					st = cat_field_state(cs, k);
				if (st == FS_OK)
					continue;
				if (*n == cap) {
					cap = cap ? cap * 2 : 16;
					nv = realloc(v, cap * sizeof(*v));
					if (nv == NULL)
						return v;
					v = nv;
				}
				v[*n].h = h;
				v[*n].cs = cs;
				v[*n].f =
				    cs != NULL ? &cs->svc.fields[k] : NULL;
				v[*n].st = st;
				(*n)++;
			}
		}
	}
	if (v != NULL)
		qsort(v, *n, sizeof(*v), cmp_problem);
	return v;
}

void
catalog_bmc_result(struct cat_host *h, bool ok, const char *error, time_t when,
    uint64_t poll_ms, unsigned sensors)
{
	struct cat_bmc *b = &h->bmc;

	b->configured = true;
	b->last_poll = when;
	b->poll_ms = poll_ms;
	b->sensors = sensors;
	cat_error_set(&b->last_error, error);
	if (ok) {
		b->state = HOST_UP;
		b->last_ok = when;
		b->failures = 0;
	} else {
		b->state = HOST_DOWN;
		b->failures++;
	}
}

const char *
catalog_field_state(
    const struct cat_host *h, const char *service, const char *field)
{
	const struct cat_service *cs = cat_host_service(h, service);
	const struct field *f;
	size_t i;

	if (cs == NULL)
		return NULL;
	for (i = 0; i < cs->svc.nfields; i++) {
		f = &cs->svc.fields[i];
		if (strcmp(f->name, field) == 0)
			return attrs_get(&f->attrs, "state");
	}
	return NULL;
}
