/*
 * sample: constructors, lookups and destructors for batches of samples,
 * and Munin's name sanitising rules.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "plugins/sample.h"

/* Elements scanned linearly before an array gets a name_index. */
#define INDEX_MIN 16
/*
 * A batch is indexed sooner: a munin poll appends a service per plugin
 * to its result, each checked against those before it (EEXIST), so 15
 * plugins cost 105 string compares without an index, 36 with it from the
 * ninth.  Below 9 the scan is cheaper than the table (bench/ingest.sh:
 * a batch of 5 indexed cost 11% more to build and free).  Batches are
 * few and short-lived; fields are many and kept: they stay at INDEX_MIN.
 */
#define BATCH_INDEX_MIN 8

static int
grow(void **v, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *nv;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	nv = realloc(*v, ncap * elem);
	if (nv == NULL)
		return -1;
	memset((char *)nv + *cap * elem, 0, (ncap - *cap) * elem);
	*v = nv;
	*cap = ncap;
	return 0;
}

/*
 * Munin's attribute names (and drover's own), sorted for bsearch: a key
 * found here is not copied, its entry points at the table.
 */
static const char *const known_keys[] = {
    "alert_attempts",
    "alert_hysteresis",
    "alert_recover",
    "cdef",
    "colour",
    "critical",
    "draw",
    "extinfo",
    "graph",
    "graph_args",
    "graph_args_after",
    "graph_category",
    "graph_data_size",
    "graph_future",
    "graph_height",
    "graph_info",
    "graph_noscale",
    "graph_order",
    "graph_period",
    "graph_printf",
    "graph_scale",
    "graph_strategy",
    "graph_title",
    "graph_total",
    "graph_vlabel",
    "graph_vtitle",
    "graph_width",
    "host_name",
    "info",
    "label",
    "line",
    "max",
    "min",
    "nagios_critical",
    "nagios_warning",
    "negative",
    "onlynullcdef",
    "skipdraw",
    "stack",
    "state",
    "sum",
    "threshold_source",
    "type",
    "unknown_limit",
    "update_rate",
    "warning",
};

/*
 * One list's entries and text: cap entries, then size bytes of text of
 * which used are taken (values, and keys not in known_keys).  Text given
 * up by a replaced value stays until the next copy compacts it.
 */
struct attrs_blk {
	atomic_uint refs; /* lists holding it */
	uint32_t cap;	  /* entries room */
	uint32_t size;	  /* text room, bytes */
	uint32_t used;	  /* text taken, bytes */
	struct attr v[];
};

static char *
blk_text(struct attrs_blk *b)
{
	return (char *)&b->v[b->cap];
}

static int
key_cmp(const void *k, const void *e)
{
	return strcmp(k, *(const char *const *)e);
}

static const char *
key_known(const char *key)
{
	const char *const *k =
	    bsearch(key, known_keys, sizeof(known_keys) / sizeof(known_keys[0]),
		sizeof(known_keys[0]), key_cmp);

	return k != NULL ? *k : NULL;
}

/* Copies s (len bytes and its NUL) into b's text; there is room. */
static const char *
blk_put(struct attrs_blk *b, const char *s, size_t len)
{
	char *p = blk_text(b) + b->used;

	memcpy(p, s, len + 1);
	b->used += (uint32_t)(len + 1);
	return p;
}

static bool
blk_owns(struct attrs_blk *b, const char *p)
{
	return p >= blk_text(b) && p < blk_text(b) + b->size;
}

/* Text bytes a's entries take in its block (values, keys not known). */
static size_t
blk_live(const struct attrs *a)
{
	size_t live = 0, i;

	for (i = 0; a->blk != NULL && i < a->n; i++) {
		live += strlen(a->v[i].value) + 1;
		if (blk_owns(a->blk, a->v[i].key))
			live += strlen(a->v[i].key) + 1;
	}
	return live;
}

/* a's entries into a new block of cap entries and size text bytes (the
 * old one dropped).  0 / -1. */
static int
blk_rebuild(struct attrs *a, size_t cap, size_t size)
{
	struct attrs_blk *o = a->blk, *b;
	const char *k;
	size_t i;

	if (cap > UINT32_MAX / 2 || size > UINT32_MAX / 2) {
		errno = ENOMEM;
		return -1;
	}
	b = malloc(sizeof(*b) + cap * sizeof(b->v[0]) + size);
	if (b == NULL)
		return -1;
	atomic_init(&b->refs, 1);
	b->cap = (uint32_t)cap;
	b->size = (uint32_t)size;
	b->used = 0;
	for (i = 0; i < a->n; i++) {
		k = a->v[i].key;
		b->v[i].key = blk_owns(o, k) ? blk_put(b, k, strlen(k)) : k;
		b->v[i].value =
		    blk_put(b, a->v[i].value, strlen(a->v[i].value));
	}
	attrs_cleanup(&(struct attrs){a->v, a->n, o});
	a->blk = b;
	a->v = b->v;
	return 0;
}

static bool
blk_owned(const struct attrs_blk *b)
{
	return atomic_load_explicit(&b->refs, memory_order_acquire) == 1;
}

/*
 * Makes a's block its own, with room for one more entry and text more
 * bytes: a copy (compacted, with room to grow) when it is shared or too
 * small.  0 / -1.
 */
static int
make_room(struct attrs *a, size_t text)
{
	struct attrs_blk *o = a->blk;
	size_t cap, size;

	if (o != NULL && blk_owned(o) && a->n < o->cap &&
	    o->used + text <= o->size)
		return 0;
	cap = a->n < 4 ? 4 : a->n + 1;
	if (o != NULL && a->n >= o->cap)
		cap = 2 * a->n;
	size = blk_live(a) + text;
	size += size / 2 + 16;
	return blk_rebuild(a, cap, size);
}

void
attrs_compact(struct attrs *a)
{
	size_t live;

	if (a->blk == NULL || !blk_owned(a->blk))
		return;
	live = blk_live(a);
	if (a->blk->cap > a->n || a->blk->size > live)
		(void)blk_rebuild(a, a->n, live); /* kept as it was if not */
}

void
service_compact(struct service *s)
{
	size_t i;

	attrs_compact(&s->graph);
	for (i = 0; i < s->nfields; i++)
		attrs_compact(&s->fields[i].attrs);
}

int
attrs_set(struct attrs *a, const char *key, const char *value)
{
	size_t i, vlen = strlen(value), klen;
	const char *known;

	for (i = 0; i < a->n; i++) {
		if (strcmp(a->v[i].key, key) != 0)
			continue;
		if (strcmp(a->v[i].value, value) == 0)
			return 0; /* no write: the block stays shared */
		if (blk_owned(a->blk) && strlen(a->v[i].value) >= vlen) {
			memcpy((char *)a->v[i].value, value, vlen + 1);
			return 0;
		}
		if (make_room(a, vlen + 1) == -1)
			return -1;
		a->v[i].value = blk_put(a->blk, value, vlen);
		return 0;
	}
	known = key_known(key);
	klen = known != NULL ? 0 : strlen(key) + 1;
	if (make_room(a, klen + vlen + 1) == -1)
		return -1;
	a->v[a->n].key = known != NULL ? known : blk_put(a->blk, key, klen - 1);
	a->v[a->n].value = blk_put(a->blk, value, vlen);
	a->n++;
	return 0;
}

void
attrs_del(struct attrs *a, const char *key)
{
	size_t i;

	for (i = 0; i < a->n; i++) {
		if (strcmp(a->v[i].key, key) != 0)
			continue;
		if (make_room(a, 0) == -1)
			return;
		memmove(
		    &a->v[i], &a->v[i + 1], (a->n - i - 1) * sizeof(a->v[0]));
		a->n--;
		return;
	}
}

const char *
attrs_get(const struct attrs *a, const char *key)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i].key, key) == 0)
			return a->v[i].value;
	return NULL;
}

int
attrs_merge(struct attrs *dst, const struct attrs *src)
{
	size_t i;

	if (dst->n == 0) {
		attrs_share(dst, src);
		return 0;
	}
	for (i = 0; i < src->n; i++)
		if (attrs_set(dst, src->v[i].key, src->v[i].value) == -1)
			return -1;
	return 0;
}

void
attrs_share(struct attrs *dst, const struct attrs *src)
{
	if (dst->blk == src->blk && dst->n == src->n)
		return;
	attrs_cleanup(dst);
	if (src->blk == NULL)
		return;
	atomic_fetch_add_explicit(&src->blk->refs, 1, memory_order_relaxed);
	*dst = *src;
}

bool
attrs_shared(const struct attrs *a)
{
	return a->blk != NULL && !blk_owned(a->blk);
}

size_t
attrs_bytes(const struct attrs *a)
{
	return a->blk != NULL
		   ? sizeof(*a->blk) + a->blk->cap * sizeof(a->blk->v[0]) +
			 a->blk->size
		   : 0;
}

void
attrs_cleanup(struct attrs *a)
{
	if (a->blk != NULL && atomic_fetch_sub_explicit(
				  &a->blk->refs, 1, memory_order_acq_rel) == 1)
		free(a->blk);
	memset(a, 0, sizeof(*a));
}

static const char *const ds_names[] = {
    [DS_GAUGE] = "GAUGE",
    [DS_DERIVE] = "DERIVE",
    [DS_COUNTER] = "COUNTER",
    [DS_ABSOLUTE] = "ABSOLUTE",
};

bool
ds_type_parse(const char *s, enum ds_type *out)
{
	size_t i;

	for (i = 0; i < sizeof(ds_names) / sizeof(ds_names[0]); i++) {
		if (strcmp(s, ds_names[i]) == 0) {
			*out = (enum ds_type)i;
			return true;
		}
	}
	return false;
}

const char *
ds_type_str(enum ds_type t)
{
	return ds_names[t];
}

enum ds_type
field_type(const struct field *f)
{
	const char *s = attrs_get(&f->attrs, "type");
	enum ds_type t = DS_GAUGE;

	if (s != NULL && !ds_type_parse(s, &t))
		t = DS_GAUGE;
	return t;
}

/* A count as the alert attributes take it: 1..99999, else dflt. */
static unsigned
count_of(const char *v, unsigned dflt)
{
	char *end;
	unsigned long n;

	n = strtoul(v, &end, 10);
	return *end == '\0' && n > 0 && n < 100000 ? (unsigned)n : dflt;
}

const struct field_rules field_rules_none = {
    .alert_recover = 1,
    .unknown_limit = 3,
};

bool
field_spec_has_rules(const struct field_spec *fs)
{
	return fs->rules != &field_rules_none;
}

/* Is k one of the keys struct field_rules holds? */
static bool
rule_key(const char *k)
{
	static const char *const keys[] = {"warning", "critical",
	    "nagios_warning", "nagios_critical", "state", "threshold_source",
	    "alert_attempts", "alert_recover", "unknown_limit",
	    "alert_hysteresis"};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(k, keys[i]) == 0)
			return true;
	return false;
}

/* Parses rule key k = v into r (k is a rule_key()). */
static void
rule_parse(struct field_rules *r, const char *k, const char *v)
{
	if (strcmp(k, "warning") == 0) {
		r->warning = v;
		range_parse_munin(v, &r->warn);
	} else if (strcmp(k, "critical") == 0) {
		r->critical = v;
		range_parse_munin(v, &r->crit);
	} else if (strcmp(k, "nagios_warning") == 0) {
		r->nagios_warning = v;
		r->has_nagios_warn = range_parse_nagios(v, &r->nagios_warn);
	} else if (strcmp(k, "nagios_critical") == 0) {
		r->nagios_critical = v;
		r->has_nagios_crit = range_parse_nagios(v, &r->nagios_crit);
	} else if (strcmp(k, "state") == 0) {
		r->state = v;
		r->has_state = field_state_parse(v, &r->state_is);
	} else if (strcmp(k, "threshold_source") == 0)
		r->operator_thresholds = true;
	else if (strcmp(k, "alert_attempts") == 0)
		r->alert_attempts = count_of(v, 0);
	else if (strcmp(k, "alert_recover") == 0)
		r->alert_recover = count_of(v, 1);
	else if (strcmp(k, "unknown_limit") == 0)
		r->unknown_limit = count_of(v, 3);
	else if (strcmp(k, "alert_hysteresis") == 0) {
		r->has_hysteresis = true;
		r->hysteresis = fabs(strtod(v, NULL));
	}
}

void
field_spec_parse(
    struct field_spec *fs, struct field_rules *rules, const struct attrs *a)
{
	const char *k, *v;
	size_t i;

	memset(fs, 0, sizeof(*fs));
	fs->type = DS_GAUGE;
	fs->rules = &field_rules_none;
	/* keys are unique in attrs: one pass sees each once */
	for (i = 0; i < a->n; i++) {
		k = a->v[i].key;
		v = a->v[i].value;
		if (strcmp(k, "type") == 0) {
			if (!ds_type_parse(v, &fs->type))
				fs->type = DS_GAUGE;
		} else if (strcmp(k, "min") == 0)
			fs->min = v;
		else if (strcmp(k, "max") == 0)
			fs->max = v;
		else if (strcmp(k, "label") == 0)
			fs->label = v;
		else if (strcmp(k, "graph") == 0)
			fs->graph_no = strcmp(v, "no") == 0;
		else if (rule_key(k)) {
			if (fs->rules == &field_rules_none) {
				*rules = field_rules_none;
				fs->rules = rules;
			}
			rule_parse(rules, k, v);
		}
	}
}

void
service_spec_parse(struct service_spec *ss, const struct attrs *graph)
{
	const char *v;

	memset(ss, 0, sizeof(*ss));
	v = attrs_get(graph, "alert_attempts");
	if (v != NULL)
		ss->alert_attempts = count_of(v, 0);
	ss->graph_data_size = attrs_get(graph, "graph_data_size");
	ss->update_rate = attrs_get(graph, "update_rate");
}

bool
attrs_equal(const struct attrs *a, const struct attrs *b)
{
	size_t i;

	if (a->n != b->n)
		return false;
	if (a->blk == b->blk)
		return true; /* one block: the same entries */
	for (i = 0; i < a->n; i++)
		if ((a->v[i].key != b->v[i].key &&
			strcmp(a->v[i].key, b->v[i].key) != 0) ||
		    strcmp(a->v[i].value, b->v[i].value) != 0)
			return false;
	return true;
}

bool
service_config_equal(const struct service *a, const struct service *b)
{
	size_t i;

	if (a->nfields != b->nfields || !attrs_equal(&a->graph, &b->graph))
		return false;
	for (i = 0; i < a->nfields; i++)
		if ((a->fields[i].name != b->fields[i].name &&
			strcmp(a->fields[i].name, b->fields[i].name) != 0) ||
		    !attrs_equal(&a->fields[i].attrs, &b->fields[i].attrs))
			return false;
	return true;
}

/*
 * The name of element i of an array of elem-byte elements whose first
 * member is their name (struct field, struct service).
 */
_Static_assert(offsetof(struct field, name) == 0, "name_at");
_Static_assert(offsetof(struct service, name) == 0, "name_at");

static const char *
name_at(const void *v, size_t elem, size_t i)
{
	return *(char *const *)((const char *)v + i * elem);
}

/* The slot of ix where name is, or the empty slot where it would go. */
static size_t *
index_slot(
    const struct name_index *ix, const void *v, size_t elem, const char *name)
{
	size_t mask = ix->cap - 1;
	size_t i = (size_t)hash_str(HASH_INIT, name) & mask;

	while (ix->slot[i] != 0 &&
	       strcmp(name_at(v, elem, ix->slot[i] - 1), name) != 0)
		i = (i + 1) & mask;
	return &ix->slot[i];
}

long
name_index_find(const struct name_index *ix, const void *v, size_t elem,
    size_t n, const char *name)
{
	size_t i, *sl;

	if (ix->cap == 0) {
		for (i = 0; i < n; i++)
			if (strcmp(name_at(v, elem, i), name) == 0)
				return (long)i;
		return -1;
	}
	sl = index_slot(ix, v, elem, name);
	return *sl != 0 ? (long)(*sl - 1) : -1;
}

/* name_index_add, with a table made once n passes min. */
static int
index_add(
    struct name_index *ix, const void *v, size_t elem, size_t n, size_t min)
{
	struct name_index nx;
	size_t i;

	if (ix->cap == 0 && n <= min)
		return 0;
	if (ix->cap != 0 && 2 * n <= ix->cap) {
		*index_slot(ix, v, elem, name_at(v, elem, n - 1)) = n;
		return 0;
	}
	nx.cap = ix->cap != 0 ? ix->cap : 4 * INDEX_MIN;
	while (nx.cap < 2 * n)
		nx.cap *= 2;
	nx.slot = calloc(nx.cap, sizeof(*nx.slot));
	if (nx.slot == NULL)
		return -1;
	for (i = 0; i < n; i++)
		*index_slot(&nx, v, elem, name_at(v, elem, i)) = i + 1;
	free(ix->slot);
	*ix = nx;
	return 0;
}

int
name_index_add(struct name_index *ix, const void *v, size_t elem, size_t n)
{
	return index_add(ix, v, elem, n, INDEX_MIN);
}

void
name_index_cleanup(struct name_index *ix)
{
	free(ix->slot);
	ix->slot = NULL;
	ix->cap = 0;
}

/* A field name shared by the copies of a field (struct field name). */
struct shared_name {
	atomic_uint refs;
	char s[];
};

static struct shared_name *
shared_of(const char *name)
{
	return (struct shared_name *)(name - offsetof(struct shared_name, s));
}

static const char *
name_new(const char *name)
{
	size_t n = strlen(name) + 1;
	struct shared_name *sn = malloc(sizeof(*sn) + n);

	if (sn == NULL)
		return NULL;
	atomic_init(&sn->refs, 1);
	memcpy(sn->s, name, n);
	return sn->s;
}

static const char *
name_share(const char *name)
{
	atomic_fetch_add_explicit(
	    &shared_of(name)->refs, 1, memory_order_relaxed);
	return name;
}

static void
name_drop(const char *name)
{
	if (name != NULL && atomic_fetch_sub_explicit(&shared_of(name)->refs, 1,
				memory_order_acq_rel) == 1)
		free(shared_of(name));
}

/* ---- the pool ---------------------------------------------------------- */

/* One block (with the entries count of the list it came from) or one
 * name (n == SIZE_MAX, name set), and its hash. */
struct pool_ent {
	uint64_t hash;
	struct attrs a;	  /* a block: the pool's own reference */
	const char *name; /* a name: the pool's own reference */
};

struct attrs_pool {
	struct pool_ent *v; /* open addressing, cap slots (a power of 2);
			       a slot with neither a.blk nor name is free */
	size_t cap, n;
	size_t swept; /* n after the last sweep */
};

#define POOL_MIN 1024 /* slots a pool starts with */

static bool
ent_used(const struct pool_ent *e)
{
	return e->a.blk != NULL || e->name != NULL;
}

static uint64_t
attrs_hash(const struct attrs *a)
{
	uint64_t h = HASH_INIT ^ (uint64_t)a->n;
	size_t i;

	for (i = 0; i < a->n; i++) {
		h = hash_str(h, a->v[i].key);
		h = hash_str(h * 31 + 1, a->v[i].value);
	}
	return h * 31 + 2;
}

struct attrs_pool *
attrs_pool_new(void)
{
	return calloc(1, sizeof(struct attrs_pool));
}

static void
ent_drop(struct pool_ent *e)
{
	attrs_cleanup(&e->a);
	name_drop(e->name);
	memset(e, 0, sizeof(*e));
}

void
attrs_pool_free(struct attrs_pool *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->cap; i++)
		ent_drop(&p->v[i]);
	free(p->v);
	free(p);
}

size_t
attrs_pool_count(const struct attrs_pool *p)
{
	return p->n;
}

/* Whether only the pool holds e's block or name. */
static bool
ent_alone(const struct pool_ent *e)
{
	if (e->a.blk != NULL)
		return blk_owned(e->a.blk);
	return atomic_load_explicit(
		   &shared_of(e->name)->refs, memory_order_acquire) == 1;
}

/* Rehashes p into cap slots, dropping what only the pool holds when
 * sweep.  0 / -1 (p as it was). */
static int
pool_rehash(struct attrs_pool *p, size_t cap, bool sweep)
{
	struct pool_ent *nv, *e;
	size_t i, j;

	nv = calloc(cap, sizeof(*nv));
	if (nv == NULL)
		return -1;
	p->n = 0;
	for (i = 0; i < p->cap; i++) {
		e = &p->v[i];
		if (!ent_used(e))
			continue;
		if (sweep && ent_alone(e)) {
			ent_drop(e);
			continue;
		}
		for (j = e->hash & (cap - 1); ent_used(&nv[j]);
		     j = (j + 1) & (cap - 1))
			;
		nv[j] = *e;
		p->n++;
	}
	free(p->v);
	p->v = nv;
	p->cap = cap;
	p->swept = p->n;
	return 0;
}

/* Room for one more entry: a sweep once n doubled since the last one,
 * and a table at most half full.  0 / -1. */
static int
pool_room(struct attrs_pool *p)
{
	size_t cap = p->cap;

	if (p->cap == 0)
		return pool_rehash(p, POOL_MIN, false);
	if (p->n + 1 <= cap / 2 && p->n < 2 * p->swept + POOL_MIN / 4)
		return 0;
	if (p->n + 1 > cap / 2)
		cap *= 2;
	return pool_rehash(p, cap, true);
}

void
attrs_pool_intern(struct attrs_pool *p, struct attrs *a)
{
	uint64_t h;
	size_t i;

	if (p == NULL || a->blk == NULL)
		return;
	h = attrs_hash(a);
	if (pool_room(p) == -1)
		return;
	for (i = h & (p->cap - 1); ent_used(&p->v[i]);
	     i = (i + 1) & (p->cap - 1))
		if (p->v[i].hash == h && p->v[i].a.blk != NULL &&
		    attrs_equal(&p->v[i].a, a)) {
			attrs_share(a, &p->v[i].a);
			return;
		}
	p->v[i].hash = h;
	attrs_share(&p->v[i].a, a);
	p->n++;
}

/* The pool's name equal to name (added when missing), shared: the
 * caller drops its own.  name itself when memory is short. */
static const char *
pool_name(struct attrs_pool *p, const char *name)
{
	uint64_t h = hash_str(HASH_INIT, name) * 31 + 3;
	size_t i;

	if (pool_room(p) == -1)
		return name_share(name);
	for (i = h & (p->cap - 1); ent_used(&p->v[i]);
	     i = (i + 1) & (p->cap - 1))
		if (p->v[i].hash == h && p->v[i].name != NULL &&
		    strcmp(p->v[i].name, name) == 0)
			return name_share(p->v[i].name);
	p->v[i].hash = h;
	p->v[i].name = name_share(name);
	p->n++;
	return name_share(name);
}

void
service_intern(struct attrs_pool *p, struct service *s)
{
	const char *name;
	size_t i;

	if (p == NULL)
		return;
	attrs_pool_intern(p, &s->graph);
	for (i = 0; i < s->nfields; i++) {
		attrs_pool_intern(p, &s->fields[i].attrs);
		name = pool_name(p, s->fields[i].name);
		name_drop(s->fields[i].name);
		s->fields[i].name = name;
	}
}

struct field *
service_field(struct service *s, const char *name, bool create)
{
	struct field *f;
	long i;

	i = name_index_find(
	    &s->index, s->fields, sizeof(*s->fields), s->nfields, name);
	if (i >= 0)
		return &s->fields[i];
	if (!create)
		return NULL;
	if (grow((void **)&s->fields, &s->cap, s->nfields,
		sizeof(*s->fields)) == -1)
		return NULL;
	f = &s->fields[s->nfields];
	memset(f, 0, sizeof(*f));
	f->name = name_new(name);
	if (f->name == NULL)
		return NULL;
	if (name_index_add(&s->index, s->fields, sizeof(*s->fields),
		s->nfields + 1) == -1) {
		name_drop(f->name);
		f->name = NULL;
		return NULL;
	}
	s->nfields++;
	return f;
}

struct service *
batch_service(struct batch *b, const char *name, bool create)
{
	struct service s = {0};
	long i;

	i = name_index_find(
	    &b->index, b->services, sizeof(*b->services), b->n, name);
	if (i >= 0)
		return &b->services[i];
	if (!create)
		return NULL;
	s.name = strdup(name);
	if (s.name == NULL)
		return NULL;
	if (batch_take(b, &s) == -1) {
		free(s.name);
		return NULL;
	}
	return &b->services[b->n - 1];
}

int
batch_reserve(struct batch *b, size_t n)
{
	struct service *nv;

	if (n <= b->cap)
		return 0;
	nv = realloc(b->services, n * sizeof(*nv));
	if (nv == NULL)
		return -1;
	memset(nv + b->cap, 0, (n - b->cap) * sizeof(*nv));
	b->services = nv;
	b->cap = n;
	return 0;
}

int
batch_take(struct batch *b, struct service *s)
{
	if (name_index_find(&b->index, b->services, sizeof(*b->services), b->n,
		s->name) >= 0) {
		errno = EEXIST;
		return -1;
	}
	if (grow((void **)&b->services, &b->cap, b->n, sizeof(*b->services)) ==
	    -1)
		return -1;
	b->services[b->n] = *s;
	if (index_add(&b->index, b->services, sizeof(*b->services), b->n + 1,
		BATCH_INDEX_MIN) == -1) {
		memset(&b->services[b->n], 0, sizeof(b->services[b->n]));
		errno = ENOMEM;
		return -1;
	}
	b->n++;
	memset(s, 0, sizeof(*s));
	return 0;
}

int
service_copy(struct service *dst, const struct service *src)
{
	const struct field *sf;
	struct field *f;
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->name = strdup(src->name);
	if (dst->name == NULL)
		goto fail;
	attrs_share(&dst->graph, &src->graph);
	dst->has_config = src->has_config;
	if (src->nfields > 0) {
		dst->fields = malloc(src->nfields * sizeof(*dst->fields));
		if (dst->fields == NULL)
			goto fail;
		dst->cap = src->nfields;
	}
	if (src->index.cap > 0) {
		dst->index.slot = malloc(src->index.cap * sizeof(size_t));
		if (dst->index.slot == NULL)
			goto fail;
		/* the same names in the same places */
		memcpy(dst->index.slot, src->index.slot,
		    src->index.cap * sizeof(size_t));
		dst->index.cap = src->index.cap;
	}
	for (i = 0; i < src->nfields; i++) {
		sf = &src->fields[i];
		f = &dst->fields[i];
		*f = *sf;
		memset(&f->attrs, 0, sizeof(f->attrs));
		f->name = name_share(sf->name);
		attrs_share(&f->attrs, &sf->attrs);
		dst->nfields++;
	}
	return 0;
fail:
	service_cleanup(dst);
	return -1;
}

/* Copies ix (slots of positions: the same names in the same places). */
static int
index_copy(struct name_index *dst, const struct name_index *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->cap == 0)
		return 0;
	dst->slot = malloc(src->cap * sizeof(size_t));
	if (dst->slot == NULL)
		return -1;
	memcpy(dst->slot, src->slot, src->cap * sizeof(size_t));
	dst->cap = src->cap;
	return 0;
}

_Static_assert(offsetof(struct field_config, name) == 0, "name_index");

int
service_config_keep(struct service_config *dst, const struct service *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->name = strdup(src->name);
	if (dst->name == NULL)
		goto fail;
	attrs_share(&dst->graph, &src->graph);
	dst->has_config = src->has_config;
	if (src->nfields > 0) {
		dst->fields = malloc(src->nfields * sizeof(*dst->fields));
		if (dst->fields == NULL)
			goto fail;
	}
	if (index_copy(&dst->index, &src->index) == -1)
		goto fail;
	for (i = 0; i < src->nfields; i++) {
		dst->fields[i].name = name_share(src->fields[i].name);
		memset(&dst->fields[i].attrs, 0, sizeof(dst->fields[i].attrs));
		attrs_share(&dst->fields[i].attrs, &src->fields[i].attrs);
		dst->nfields++;
	}
	return 0;
fail:
	service_config_cleanup(dst);
	return -1;
}

int
service_config_replay(struct service *dst, const struct service_config *src)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->name = strdup(src->name);
	if (dst->name == NULL)
		goto fail;
	attrs_share(&dst->graph, &src->graph);
	dst->has_config = src->has_config;
	if (src->nfields > 0) {
		dst->fields = calloc(src->nfields, sizeof(*dst->fields));
		if (dst->fields == NULL)
			goto fail;
		dst->cap = src->nfields;
	}
	if (index_copy(&dst->index, &src->index) == -1)
		goto fail;
	for (i = 0; i < src->nfields; i++) {
		dst->fields[i].name = name_share(src->fields[i].name);
		attrs_share(&dst->fields[i].attrs, &src->fields[i].attrs);
		dst->nfields++;
	}
	return 0;
fail:
	service_cleanup(dst);
	return -1;
}

long
service_config_field(const struct service_config *c, const char *name)
{
	return name_index_find(
	    &c->index, c->fields, sizeof(*c->fields), c->nfields, name);
}

void
service_config_cleanup(struct service_config *c)
{
	size_t i;

	for (i = 0; i < c->nfields; i++) {
		name_drop(c->fields[i].name);
		attrs_cleanup(&c->fields[i].attrs);
	}
	free(c->fields);
	free(c->name);
	attrs_cleanup(&c->graph);
	name_index_cleanup(&c->index);
	memset(c, 0, sizeof(*c));
}

void
service_cleanup(struct service *s)
{
	size_t i;

	for (i = 0; i < s->nfields; i++) {
		name_drop(s->fields[i].name);
		attrs_cleanup(&s->fields[i].attrs);
	}
	free(s->fields);
	free(s->name);
	attrs_cleanup(&s->graph);
	name_index_cleanup(&s->index);
	memset(s, 0, sizeof(*s));
}

void
batch_cleanup(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		service_cleanup(&b->services[i]);
	free(b->services);
	name_index_cleanup(&b->index);
	memset(b, 0, sizeof(*b));
}

void
batch_clear(struct batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		service_cleanup(&b->services[i]);
	b->n = 0;
	if (b->index.cap > 0)
		memset(b->index.slot, 0, b->index.cap * sizeof(*b->index.slot));
}

size_t
batch_values(const struct batch *b)
{
	size_t i, j, n = 0;

	for (i = 0; i < b->n; i++)
		for (j = 0; j < b->services[i].nfields; j++)
			if (b->services[i].fields[j].has_value)
				n++;
	return n;
}

static bool
is_word(char c, bool digits)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (digits && c >= '0' && c <= '9');
}

char *
sanitise_fieldname(const char *name, char *out, size_t outlen)
{
	size_t i;

	if (outlen == 0)
		return out;
	for (i = 0; name[i] != '\0' && i + 1 < outlen; i++)
		out[i] = is_word(name[i], i > 0) ? name[i] : '_';
	out[i] = '\0';
	return out;
}

char *
sanitise_plugin_name(const char *name, char *out, size_t outlen)
{
	size_t i;

	if (outlen == 0)
		return out;
	for (i = 0; name[i] != '\0' && i + 1 < outlen; i++)
		out[i] = is_word(name[i], true) ? name[i] : '_';
	out[i] = '\0';
	return out;
}
