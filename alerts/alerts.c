/*
 * alerts: per-field state machines in a hash table keyed by
 * "host/service/field" ("host" alone for the host's reachability), rules
 * built on every sample from the catalog's parsed field_spec (copies of
 * ranges and counts, no text parsed), staleness from a timer wheel of the
 * seconds the fields fall due, events to the outputs, and the state file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerts/alert.h"
#include "alerts/alerts.h"
#include "lib/hash.h"
#include "lib/fileio.h"
#include "lib/log.h"

#define ALERTS_OUTPUTS 8
#define ALERTS_RING 128		  /* recent transitions kept for the web */
#define ALERTS_TAB_MIN 64	  /* first size of the table (a power of 2) */
#define ALERTS_WHEEL 4096	  /* timer wheel slots, one second each */
#define LIST_OVERDUE ALERTS_WHEEL /* list: due before the cursor */
#define LIST_PARKED (ALERTS_WHEEL + 1) /* list: not in the catalog */
#define LIST_NONE UINT32_MAX	       /* in no list: not armed */

/*
 * One field's (or host's) state.  The key is kept as its parts, each
 * NUL-terminated (host, service, field; or one part: a host, or a state
 * file's key without two '/'), written once when the entry is made; its
 * text form joins the parts with '/', and hash is FNV-1a over that text,
 * so the caller hashes the parts in place (key_hash) without building it.
 */
struct entry {
	struct entry *prev, *next; /* in the list of slot */
	struct alert_state st;
	uint32_t hash;	      /* hash_fold() of the key's hash */
	unsigned stale_after; /* seconds, from the last rule */
	uint32_t slot;	      /* the list it is in, LIST_NONE: none */
	uint32_t host_hint;   /* where the host was in the catalog last */
	uint32_t field_hint;  /* and the field in its service */
	uint16_t hlen, slen;  /* lengths of the host and service parts */
	uint8_t nparts;	      /* 1 or 3 */
	char key[];
};

/* Entries are never dropped one by one (the state file keeps them), so
 * they are cut from blocks of ALERTS_BLOCK bytes freed at the end: no
 * allocator header per entry. */
#define ALERTS_BLOCK 65536
struct block {
	struct block *prev;
	size_t used;
	char mem[];
};

struct output {
	alert_output_fn fn;
	void *arg;
};

/* A due entry of a tick, where the catalog holds its field. */
struct due {
	size_t i, j, k; /* host, service, field: the catalog's order */
	struct entry *e;
};

struct alerts {
	/*
	 * Open addressing, linear probing, a power of 2 in size, grown to
	 * twice its size when more than 3/4 full.  The growth rehashes all
	 * at once: O(n) once per doubling, amortized O(1) per entry made,
	 * and entries are only made by a field's first sample or at
	 * start-up; an incremental rehash would look up in two tables on
	 * every sample for as long as it runs, to spare a pause that is a
	 * walk over the table (8 bytes a slot, the stored hash, no key
	 * read).  Entries are never removed (the state file keeps them).
	 */
	struct entry **tab;
	size_t cap, n;
	struct block *blocks; /* the newest first */
	/*
	 * Staleness: every armed entry (stale_after set, not UNKNOWN) is in
	 * the wheel slot of its due second (last_sample + stale_after) mod
	 * ALERTS_WHEEL, or in the overdue list when that second was already
	 * passed by the cursor (the last tick's now) as it was armed; a
	 * tick visits only the slots of the seconds since the last one (and
	 * every slot after a pause of a whole turn, ALERTS_WHEEL s).  A
	 * field due more than a turn ahead (stale_after over ALERTS_WHEEL:
	 * an interval over 34 minutes) is passed over once per turn.  A
	 * due entry whose field the catalog no longer holds is parked until
	 * the catalog's generation changes (a host or a service's config
	 * added, dropped or changed), then looked at again; one of an
	 * "update no" host stays in the overdue list, looked at each tick
	 * until the host is polled (the overdue list is, every tick).
	 */
	struct entry *lists[ALERTS_WHEEL + 2];
	time_t cursor;
	bool started;	    /* a tick set the cursor */
	uint32_t last_host; /* the catalog index host_of() found last */
	uint64_t parked_gen;
	struct due *due; /* a tick's due entries */
	size_t ndue, due_cap;
	struct alerts_defaults dflt; /* global alert_attempts, interval */
	char *state_file;
	bool dirty; /* state changed since the last save (or it failed) */
	struct alerts_stats st;
	struct output out[ALERTS_OUTPUTS];
	size_t nout;
	struct alert_transition ring[ALERTS_RING];
	size_t ring_next; /* slot the next transition goes to */
	size_t ring_n;
};

static uint32_t
hash_fold(uint64_t h)
{
	return (uint32_t)(h ^ (h >> 32));
}

/* FNV-1a over parts[0..n) joined with '/' (the key's text form). */
static uint64_t
key_hash(const char *const *parts, size_t n)
{
	uint64_t h = HASH_INIT;
	size_t i;

	for (i = 0; i < n; i++)
		h = hash_str(i > 0 ? hash_str(h, "/") : h, parts[i]);
	return h;
}

static bool
key_is(const struct entry *e, uint64_t hash, const char *const *parts, size_t n)
{
	const char *p = e->key;
	size_t i;

	if (e->hash != hash_fold(hash) || e->nparts != n)
		return false;
	for (i = 0; i < n; i++) {
		if (strcmp(p, parts[i]) != 0)
			return false;
		p += strlen(p) + 1;
	}
	return true;
}

/* The key's text form ("host/service/field") into buf. */
static const char *
key_text(const struct entry *e, char *buf, size_t len)
{
	if (e->nparts == 1)
		snprintf(buf, len, "%s", e->key);
	else
		snprintf(buf, len, "%s/%s/%s", e->key, e->key + e->hlen + 1,
		    e->key + e->hlen + e->slen + 2);
	return buf;
}

static int
tab_grow(struct alerts *a)
{
	size_t cap = a->cap == 0 ? ALERTS_TAB_MIN : 2 * a->cap, i, s;
	struct entry **t = calloc(cap, sizeof(*t));

	if (t == NULL)
		return -1;
	for (i = 0; i < a->cap; i++) {
		if (a->tab[i] == NULL)
			continue;
		for (s = a->tab[i]->hash & (cap - 1); t[s] != NULL;
		     s = (s + 1) & (cap - 1))
			;
		t[s] = a->tab[i];
	}
	free(a->tab);
	a->tab = t;
	a->cap = cap;
	return 0;
}

static struct entry *
entry_find(
    const struct alerts *a, uint64_t hash, const char *const *parts, size_t n)
{
	size_t s;

	if (a->cap == 0)
		return NULL;
	for (s = hash_fold(hash) & (a->cap - 1); a->tab[s] != NULL;
	     s = (s + 1) & (a->cap - 1))
		if (key_is(a->tab[s], hash, parts, n))
			return a->tab[s];
	return NULL;
}

/* len zeroed bytes for an entry, from the newest block or a new one. */
static struct entry *
entry_alloc(struct alerts *a, size_t len)
{
	struct block *b = a->blocks;
	size_t size = ALERTS_BLOCK - offsetof(struct block, mem);
	void *p;

	len = (len + 7) & ~(size_t)7;
	if (len > size)
		return NULL;
	if (b == NULL || b->used + len > size) {
		if ((b = malloc(ALERTS_BLOCK)) == NULL)
			return NULL;
		b->prev = a->blocks;
		b->used = 0;
		a->blocks = b;
	}
	p = b->mem + b->used;
	b->used += len;
	memset(p, 0, len);
	return p;
}

/* A new entry for parts[0..n) (n 1 or 3; not in the table yet). */
static struct entry *
entry_add(struct alerts *a, uint64_t hash, const char *const *parts, size_t n,
    time_t now)
{
	size_t len[3], total = 0, i, s;
	struct entry *e;
	char *p;

	if (n != 1 && n != 3)
		return NULL;
	for (i = 0; i < n; i++)
		total += (len[i] = strlen(parts[i])) + 1;
	if (n == 3 && (len[0] > UINT16_MAX || len[1] > UINT16_MAX))
		return NULL;
	if ((a->n + 1) * 4 > a->cap * 3 && tab_grow(a) == -1)
		return NULL;
	if ((e = entry_alloc(a, offsetof(struct entry, key) + total)) == NULL)
		return NULL;
	for (p = e->key, i = 0; i < n; p += len[i++] + 1)
		memcpy(p, parts[i], len[i] + 1);
	e->nparts = (uint8_t)n;
	if (n == 3) {
		e->hlen = (uint16_t)len[0];
		e->slen = (uint16_t)len[1];
	}
	e->hash = hash_fold(hash);
	e->slot = LIST_NONE;
	alert_state_init(&e->st, now);
	for (s = e->hash & (a->cap - 1); a->tab[s] != NULL;
	     s = (s + 1) & (a->cap - 1))
		;
	a->tab[s] = e;
	a->n++;
	return e;
}

static void
list_unlink(struct alerts *a, struct entry *e)
{
	if (e->slot == LIST_NONE)
		return;
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		a->lists[e->slot] = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	e->prev = e->next = NULL;
	e->slot = LIST_NONE;
}

static void
list_link(struct alerts *a, struct entry *e, uint32_t slot)
{
	e->slot = slot;
	e->prev = NULL;
	e->next = a->lists[slot];
	if (e->next != NULL)
		e->next->prev = e;
	a->lists[slot] = e;
}

/* The wheel slot of second t. */
static uint32_t
slot_of(time_t t)
{
	return (uint32_t)(((t % ALERTS_WHEEL) + ALERTS_WHEEL) % ALERTS_WHEEL);
}

static time_t
due_of(const struct entry *e)
{
	return e->st.last_sample + (time_t)e->stale_after;
}

/*
 * Puts e where its staleness is due, after anything changed its state,
 * last sample or stale_after: O(1).  An entry that cannot turn stale
 * (stale_after 0, already UNKNOWN) is in no list.
 */
static void
entry_arm(struct alerts *a, struct entry *e)
{
	time_t d = due_of(e);

	list_unlink(a, e);
	if (e->stale_after == 0 || e->st.hard == FS_UNKNOWN || e->nparts != 3)
		return;
	if (a->started && d <= a->cursor)
		list_link(a, e, LIST_OVERDUE);
	else
		list_link(a, e, slot_of(d));
}

/* ---- state file ---------------------------------------------------- */

static void
load_state(struct alerts *a)
{
	json_t *root, *fields, *v;
	json_error_t err;
	const char *key, *parts[3];
	char buf[4096], *p, *q;
	struct entry *e;
	enum field_state st;
	time_t now = time(NULL);
	size_t n;

	root = json_load_file(a->state_file, 0, &err);
	if (root == NULL) {
		if (access(a->state_file, F_OK) == 0)
			log_warnx("alerts: %s: %s (line %d); starting clean",
			    a->state_file, err.text, err.line);
		return;
	}
	fields = json_object_get(root, "fields");
	json_object_foreach(fields, key, v)
	{
		const char *hard =
		    json_string_value(json_object_get(v, "hard"));

		if (hard == NULL || !field_state_parse(hard, &st))
			continue;
		/* "host/service/field": the host and the service hold no
		 * '/' (a host's own state is "host") */
		snprintf(buf, sizeof(buf), "%s", key);
		parts[0] = buf;
		n = 1;
		if ((p = strchr(buf, '/')) != NULL &&
		    (q = strchr(p + 1, '/')) != NULL) {
			*p = *q = '\0';
			parts[1] = p + 1;
			parts[2] = q + 1;
			n = 3;
		}
		if (strlen(key) >= sizeof(buf) ||
		    entry_find(a, hash_str(HASH_INIT, key), parts, n) != NULL)
			continue;
		e = entry_add(a, hash_str(HASH_INIT, key), parts, n, now);
		if (e == NULL)
			break;
		e->st.hard = e->st.pending = st;
		e->st.since =
		    (time_t)json_integer_value(json_object_get(v, "since"));
		/* the silence while drover was stopped is not the node's */
		e->st.last_sample = now;
		e->st.unknowns = (unsigned)json_integer_value(
		    json_object_get(v, "unknowns"));
		e->stale_after = (unsigned)json_integer_value(
		    json_object_get(v, "stale_after"));
		entry_arm(a, e);
	}
	json_decref(root);
}

/* A save failed (errno set) at op on path: logged when the failure is
 * new or different, kept for /health; the state stays dirty. */
static void
save_failed(struct alerts *a, const char *op, const char *path)
{
	const size_t max = sizeof(a->st.save_error) - 1;
	char msg[4400];

	snprintf(msg, sizeof(msg), "cannot %s %s: %s", op, path,
	    errno != 0 ? strerror(errno) : "failed");
	if (strncmp(msg, a->st.save_error, max) != 0)
		log_warnx("alerts: %s; alert state is kept in memory, and "
			  "written when a save works",
		    msg);
	snprintf(
	    a->st.save_error, sizeof(a->st.save_error), "%.*s", (int)max, msg);
	if (a->st.failing_since == 0)
		a->st.failing_since = time(NULL);
	a->st.save_failures++;
}

int
alerts_save(struct alerts *a)
{
	json_t *root, *fields;
	struct entry *e;
	char tmp[4096], key[4096], *text = NULL;
	size_t i;
	int ret = -1;

	if (a->state_file == NULL || !a->dirty)
		return 0;
	fields = json_object();
	for (i = 0; i < a->cap; i++) {
		if ((e = a->tab[i]) == NULL)
			continue;
		json_object_set_new(fields, key_text(e, key, sizeof(key)),
		    json_pack("{s:s, s:I, s:I, s:i, s:i}", "hard",
			field_state_str(e->st.hard), "since",
			(json_int_t)e->st.since, "last",
			(json_int_t)e->st.last_sample, "unknowns",
			(int)e->st.unknowns, "stale_after",
			(int)e->stale_after));
	}
	root = json_pack("{s:i, s:o}", "version", 1, "fields", fields);
	snprintf(tmp, sizeof(tmp), "%s.tmp", a->state_file);
	errno = 0;
	text = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
	/* no torn or empty .tmp stays behind */
	if (text == NULL ||
	    file_write_atomic(a->state_file, tmp, text, strlen(text)) == -1) {
		save_failed(a, "write", tmp);
		goto out;
	}
	if (a->st.save_error[0] != '\0')
		log_info("alerts: %s saved again", a->state_file);
	a->st.save_error[0] = '\0';
	a->st.failing_since = 0;
	a->dirty = false;
	ret = 0;
out:
	free(text);
	json_decref(root);
	return ret;
}

void
alerts_stats(const struct alerts *a, struct alerts_stats *out)
{
	*out = a->st;
	out->entries = a->n;
}

/* ---- public -------------------------------------------------------- */

struct alerts *
alerts_new(const char *state_file)
{
	struct alerts *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->dflt.interval = 300;
	if (state_file != NULL) {
		a->state_file = strdup(state_file);
		if (a->state_file == NULL) {
			free(a);
			return NULL;
		}
		load_state(a);
		/* the first alerts_save writes: it proves the file writable */
		a->dirty = true;
	}
	return a;
}

void
alerts_free(struct alerts *a)
{
	struct block *b;

	if (a == NULL)
		return;
	while ((b = a->blocks) != NULL) {
		a->blocks = b->prev;
		free(b);
	}
	free(a->tab);
	free(a->due);
	free(a->state_file);
	free(a);
}

int
alerts_add_output(struct alerts *a, alert_output_fn fn, void *arg)
{
	if (a->nout == ALERTS_OUTPUTS)
		return -1;
	a->out[a->nout].fn = fn;
	a->out[a->nout].arg = arg;
	a->nout++;
	return 0;
}

void
alerts_set_defaults(struct alerts *a, const struct alerts_defaults *d)
{
	a->dflt = *d;
}

/* The rule for one field: its attributes (parsed in the catalog when its
 * config arrived), then plugin, host, global, then the built-in default
 * (1 for ipmi_volts, else 2). */
static void
rule_for(const struct alerts *a, const struct alerts_host *ah,
    const struct cat_service *cs, const struct field_rules *fs,
    struct alert_rule *r)
{
	unsigned dflt = 2;
	unsigned interval = a->dflt.interval;

	alert_rule_init(r);
	if (fs->has_nagios_warn) {
		r->warn = fs->nagios_warn;
		r->has_warn = true;
	} else if (fs->warning != NULL) {
		r->warn = fs->warn;
		r->has_warn = true;
	}
	if (fs->has_nagios_crit) {
		r->crit = fs->nagios_crit;
		r->has_crit = true;
	} else if (fs->critical != NULL) {
		r->crit = fs->crit;
		r->has_crit = true;
	}
	/* field > plugin > host > the operator's global > built-in: an
	 * explicit global alert_attempts applies to ipmi_volts too */
	if (strcmp(cs->svc.name, "ipmi_volts") == 0)
		dflt = 1; /* a sagging rail pages on the first sample */
	if (a->dflt.attempts > 0)
		dflt = a->dflt.attempts;
	if (ah != NULL && ah->attempts > 0)
		dflt = ah->attempts;
	if (ah != NULL && ah->interval > 0)
		interval = ah->interval;
	if (cs->spec.alert_attempts != 0)
		dflt = cs->spec.alert_attempts;
	r->attempts = fs->alert_attempts != 0 ? fs->alert_attempts : dflt;
	r->recover_samples = fs->alert_recover;
	r->unknown_limit = fs->unknown_limit;
	if (fs->has_hysteresis)
		r->hysteresis = fs->hysteresis;
	r->stale_after = 2 * interval;
}

static void
remember(struct alerts *a, const char *key, const struct alert_state *st,
    enum field_state prev, time_t now)
{
	struct alert_transition *t = &a->ring[a->ring_next];

	snprintf(t->key, sizeof(t->key), "%s", key);
	t->state = st->hard;
	t->prev = prev;
	t->when = now;
	t->has_value = st->has_value;
	t->value = st->value;
	a->ring_next = (a->ring_next + 1) % ALERTS_RING;
	if (a->ring_n < ALERTS_RING)
		a->ring_n++;
	a->dirty = true;
}

static void
emit(struct alerts *a, struct alert_event *ev)
{
	size_t i;

	for (i = 0; i < a->nout; i++)
		a->out[i].fn(a->out[i].arg, ev);
}

/* A range as the operator wrote it: Nagios's when set, else Munin's. */
static const char *
range_text(const char *nagios, const char *munin)
{
	return nagios != NULL ? nagios : munin;
}

/*
 * s with "${graph_period}" as the service's graph_period ("second" when
 * unset), as munin-graph shows a vlabel or label, into out (truncated to
 * len).  A page's unit and text say "bits per second", not the token;
 * Munin's contact texts (contact_text) keep munin-limits' literal one.
 */
static const char *
expand_period(const struct service *svc, const char *s, char *out, size_t len)
{
	static const char tok[] = "${graph_period}";
	const char *period = attrs_get(&svc->graph, "graph_period");
	const char *p;
	size_t n = 0;

	if (period == NULL || period[0] == '\0')
		period = "second";
	if (strstr(s, tok) == NULL)
		return s;
	out[0] = '\0';
	while ((p = strstr(s, tok)) != NULL && n + 1 < len) {
		n += (size_t)snprintf(
		    out + n, len - n, "%.*s%s", (int)(p - s), s, period);
		s = p + sizeof(tok) - 1;
	}
	if (n + 1 < len)
		snprintf(out + n, len - n, "%s", s);
	return out;
}

static void
field_event(struct alerts *a, const struct cat_host *h,
    const struct cat_service *cs, size_t i, const struct entry *e,
    enum field_state prev, time_t now, bool initial)
{
	struct alert_event ev = {0};
	const struct service *svc = &cs->svc;
	const struct field *f = &svc->fields[i];
	const struct field_spec *spec = &cs->fields[i].spec;
	const struct field_rules *fs = spec->rules;
	const char *unit = attrs_get(&svc->fields[i].attrs, "unit");
	char text[512], key[700], ktext[600], val[64], ubuf[256], lbuf[256];

	/* a field's own unit (the forecast's minutes) wins over the graph's */
	if (unit == NULL)
		unit = attrs_get(&svc->graph, "graph_vlabel");
	ev.host = h->name;
	ev.service = svc->name;
	ev.field = f->name;
	ev.label = expand_period(svc,
	    spec->label != NULL ? spec->label : f->name, lbuf, sizeof(lbuf));
	ev.unit =
	    expand_period(svc, unit != NULL ? unit : "", ubuf, sizeof(ubuf));
	ev.state = e->st.hard;
	ev.prev = prev;
	ev.has_value = e->st.has_value && e->st.hard != FS_UNKNOWN;
	ev.value = e->st.value;
	ev.warning = range_text(fs->nagios_warning, fs->warning);
	ev.critical = range_text(fs->nagios_critical, fs->critical);
	ev.since = e->st.since;
	ev.when = now;
	if (ev.has_value)
		snprintf(val, sizeof(val), "%.2f", ev.value);
	else
		snprintf(val, sizeof(val), "no value");
	snprintf(text, sizeof(text), "%s %s %s is %s (was %s): %s%s%s", h->name,
	    svc->name, ev.label, field_state_str(ev.state),
	    field_state_str(prev), val, ev.has_value && ev.unit[0] ? " " : "",
	    ev.has_value ? ev.unit : "");
	snprintf(key, sizeof(key), "%s/%s:%s@%ld",
	    key_text(e, ktext, sizeof(ktext)), field_state_str(ev.state),
	    field_state_str(prev), (long)ev.since);
	ev.text = text;
	ev.key = key;
	ev.initial = initial;
	if (!initial)
		log_info("alerts: %s", text);
	emit(a, &ev);
}

void
alerts_ingest(struct alerts *a, struct cat_host *h,
    const struct alerts_host *ah, const struct batch *b, time_t ts)
{
	const struct service *bs;
	struct cat_service *cs;
	const struct field *f;
	const struct field_rules *src;
	struct field_spec own;
	struct field_rules own_rules;
	struct alert_rule r;
	enum field_state prev;
	struct entry *e;
	const char *parts[3];
	char key[700];
	uint64_t prefix, hash;
	size_t i, j, k;
	long idx;
	bool changed, fresh, verdict;

	parts[0] = h->name;
	for (i = 0; i < b->n; i++) {
		bs = &b->services[i];
		/* the catalog holds the merged config (cached + overrides) */
		cs = (struct cat_service *)cat_host_service(h, bs->name);
		if (cs == NULL)
			continue;
		/* the key's "host/service/" once per service */
		parts[1] = cs->svc.name;
		prefix = hash_str(key_hash(parts, 2), "/");
		for (j = 0; j < bs->nfields; j++) {
			f = &bs->fields[j];
			if (!f->has_value)
				continue;
			idx = cat_service_field_index(cs, j, f->name);
			if (idx < 0)
				continue;
			k = (size_t)idx;
			rule_for(a, ah, cs, cs->fields[k].spec.rules, &r);
			/* a source's verdict comes with the sample: from the
			 * config the catalog just parsed when the batch
			 * carried one, else from the batch's own attributes */
			src = cs->fields[k].spec.rules;
			if (!bs->has_config) {
				field_spec_parse(&own, &own_rules, &f->attrs);
				src = own.rules;
			}
			/* operator thresholds overrule a source's verdict */
			verdict =
			    src->state != NULL && !src->operator_thresholds;
			/* a field without rules cannot alert; one that lost
			 * its rules (a reload) recovers */
			parts[2] = f->name;
			hash = hash_str(prefix, f->name);
			e = entry_find(a, hash, parts, 3);
			fresh = e == NULL;
			if (e == NULL && (r.has_warn || r.has_crit || verdict))
				e = entry_add(a, hash, parts, 3, ts);
			if (e == NULL)
				continue;
			e->stale_after = r.stale_after;
			e->field_hint = (uint32_t)k;
			if (verdict && !f->unknown && src->has_state)
				changed = alert_vote(&e->st, &r, src->state_is,
				    f->value, ts, &prev);
			else if (f->unknown && src->has_state &&
				 src->state_is == FS_OK)
				/* no value, and the source says that is fine
				 * (a bank's forecast with no cut-off ahead):
				 * OK, whatever the thresholds, which judge
				 * values */
				changed = alert_vote_novalue(
				    &e->st, &r, FS_OK, ts, &prev);
			else
				changed = alert_sample(&e->st, &r, !f->unknown,
				    f->value, ts, &prev);
			entry_arm(a, e);
			cat_field_set_alert(cs, k, e->st.hard);
			cat_field_set_since(cs, k, e->st.since);
			if (!changed && fresh) {
				/* status outputs learn where a new field starts
				 */
				field_event(
				    a, h, cs, k, e, e->st.hard, ts, true);
				a->dirty = true;
			}
			if (!changed)
				continue;
			remember(
			    a, key_text(e, key, sizeof(key)), &e->st, prev, ts);
			field_event(a, h, cs, k, e, prev, ts, false);
		}
	}
}

void
alerts_host_result(struct alerts *a, struct cat_host *h, bool ok,
    const char *error, time_t now)
{
	struct alert_event ev = {0};
	struct alert_rule r;
	enum field_state prev;
	struct entry *e;
	char text[512], key[400];
	uint64_t hash;

	alert_rule_init(&r);
	hash = hash_str(HASH_INIT, h->name);
	e = entry_find(a, hash, (const char *const *)&h->name, 1);
	if (e == NULL)
		e = entry_add(a, hash, (const char *const *)&h->name, 1, now);
	if (e == NULL)
		return;
	if (!alert_vote(&e->st, &r, ok ? FS_OK : FS_CRITICAL, 0, now, &prev))
		return;
	e->st.has_value = false;
	remember(a, h->name, &e->st, prev, now);
	ev.host = h->name;
	ev.label = h->name;
	ev.unit = "";
	ev.state = e->st.hard;
	ev.prev = prev;
	ev.host_down = !ok;
	ev.since = e->st.since;
	ev.when = now;
	if (ok)
		snprintf(text, sizeof(text), "%s is reachable again", h->name);
	else
		snprintf(text, sizeof(text), "%s is DOWN: %s", h->name,
		    error != NULL ? error : "no answer");
	snprintf(key, sizeof(key), "%s:%s@%ld", h->name,
	    field_state_str(ev.state), (long)ev.since);
	ev.text = text;
	ev.key = key;
	log_info("alerts: %s", text);
	emit(a, &ev);
}

/* The host of e's key in cat (its index then in *i), or NULL: where it
 * was last, or the host found last (a host's fields are due together),
 * then a walk of the catalog. */
static struct cat_host *
host_of(struct alerts *a, struct entry *e, struct catalog *cat, size_t *i)
{
	const uint32_t hint[2] = {e->host_hint, a->last_host};
	struct cat_host *h;
	size_t n = catalog_count(cat), j;

	for (j = 0; j < 2; j++) {
		h = catalog_at(cat, hint[j]);
		if (h != NULL && strcmp(h->name, e->key) == 0) {
			*i = e->host_hint = hint[j];
			return h;
		}
	}
	for (*i = 0; *i < n; (*i)++) {
		h = catalog_at(cat, *i);
		if (strcmp(h->name, e->key) == 0) {
			e->host_hint = a->last_host = (uint32_t)*i;
			return h;
		}
	}
	return NULL;
}

static int
due_cmp(const void *x, const void *y)
{
	const struct due *p = x, *q = y;

	if (p->i != q->i)
		return p->i < q->i ? -1 : 1;
	if (p->j != q->j)
		return p->j < q->j ? -1 : 1;
	return p->k < q->k ? -1 : p->k > q->k;
}

/*
 * Takes e, due at the tick: into a->due with where the catalog holds its
 * field, or back to the overdue list (*later) when its host is "update
 * no" (the sweep skipped those: looked at again each tick), or parked
 * when the catalog holds no such field.
 */
static void
take_due(struct alerts *a, struct catalog *cat, struct entry *e,
    struct entry **later)
{
	const struct cat_service *cs;
	struct cat_host *h;
	struct due *d;
	size_t i;
	long k;

	list_unlink(a, e);
	a->st.stale_visits++;
	if ((h = host_of(a, e, cat, &i)) == NULL ||
	    (cs = cat_host_service(h, e->key + e->hlen + 1)) == NULL ||
	    (k = cat_service_field_index(
		 cs, e->field_hint, e->key + e->hlen + e->slen + 2)) < 0) {
		list_link(a, e, LIST_PARKED);
		a->parked_gen = catalog_generation(cat);
		return;
	}
	/* "update no", or a peer collector's (collector/shard.h): never
	 * sampled here, never stale here */
	if (h->unpolled || h->peer) {
		e->slot = LIST_OVERDUE;
		e->prev = NULL;
		e->next = *later;
		*later = e;
		return;
	}
	if (a->due_cap == 0 || a->ndue == a->due_cap) {
		size_t cap = a->due_cap == 0 ? 64 : 2 * a->due_cap;

		d = realloc(a->due, cap * sizeof(*d));
		if (d == NULL) {
			list_link(a, e, LIST_OVERDUE); /* the next tick */
			return;
		}
		a->due = d;
		a->due_cap = cap;
	}
	d = &a->due[a->ndue++];
	d->i = i;
	d->j = (size_t)(cs - h->services);
	d->k = (size_t)k;
	d->e = e;
	e->field_hint = (uint32_t)k;
}

/* Takes the entries of list slot due at now. */
static void
take_list(struct alerts *a, struct catalog *cat, uint32_t slot, time_t now,
    struct entry **later)
{
	struct entry *e = a->lists[slot], *n;

	for (; e != NULL; e = n) {
		n = e->next;
		if (due_of(e) <= now)
			take_due(a, cat, e, later);
	}
}

void
alerts_tick(struct alerts *a, struct catalog *cat, time_t now)
{
	struct cat_host *h;
	struct cat_service *cs;
	struct alert_rule r;
	enum field_state prev;
	struct entry *e, *later = NULL, *n;
	struct due *d;
	char key[700];
	time_t t;
	size_t i;

	/* the catalog changed: parked fields may be back */
	if (a->lists[LIST_PARKED] != NULL &&
	    catalog_generation(cat) != a->parked_gen)
		while ((e = a->lists[LIST_PARKED]) != NULL) {
			list_unlink(a, e);
			list_link(a, e, LIST_OVERDUE);
		}
	a->ndue = 0;
	if (!a->started || now - a->cursor >= ALERTS_WHEEL) {
		/* the first tick, or one after a long pause: every slot */
		for (i = 0; i < ALERTS_WHEEL; i++)
			take_list(a, cat, (uint32_t)i, now, &later);
		a->cursor = now;
		a->started = true;
	} else
		for (t = a->cursor + 1; t <= now; t++)
			take_list(a, cat, slot_of(t), now, &later);
	take_list(a, cat, LIST_OVERDUE, now, &later);
	if (now > a->cursor)
		a->cursor = now;
	for (e = later; e != NULL; e = n) {
		n = e->next;
		list_link(a, e, LIST_OVERDUE);
	}
	/* in the catalog's order, as the sweep over it had them */
	if (a->ndue > 1) /* a->due is NULL before the first due entry */
		qsort(a->due, a->ndue, sizeof(*a->due), due_cmp);
	for (i = 0; i < a->ndue; i++) {
		d = &a->due[i];
		e = d->e;
		h = catalog_at(cat, d->i);
		cs = &h->services[d->j];
		alert_rule_init(&r);
		r.stale_after = e->stale_after;
		if (!alert_tick(&e->st, &r, now, &prev)) {
			entry_arm(a, e);
			continue;
		}
		cat_field_set_alert(cs, d->k, FS_UNKNOWN);
		cat_field_set_since(cs, d->k, e->st.since);
		remember(a, key_text(e, key, sizeof(key)), &e->st, prev, now);
		field_event(a, h, cs, d->k, e, prev, now, false);
	}
}

void
alerts_restore_verdicts(struct alerts *a, struct catalog *cat)
{
	struct cat_host *h;
	struct cat_service *cs;
	struct entry *e;
	const char *parts[3];
	uint64_t prefix;
	size_t i, j, k;

	for (i = 0; i < catalog_count(cat); i++) {
		h = catalog_at(cat, i);
		parts[0] = h->name;
		for (j = 0; j < h->nservices; j++) {
			cs = &h->services[j];
			parts[1] = cs->svc.name;
			prefix = hash_str(key_hash(parts, 2), "/");
			for (k = 0; cs->restored && k < cs->svc.nfields; k++) {
				parts[2] = cs->svc.fields[k].name;
				e = entry_find(
				    a, hash_str(prefix, parts[2]), parts, 3);
				if (e == NULL)
					continue;
				cat_field_set_alert(cs, k, e->st.hard);
				cat_field_set_since(cs, k, e->st.since);
			}
		}
	}
}

bool
alerts_transition(
    const struct alerts *a, size_t i, struct alert_transition *out)
{
	if (i >= a->ring_n)
		return false;
	*out = a->ring[(a->ring_next + ALERTS_RING - 1 - i) % ALERTS_RING];
	return true;
}
