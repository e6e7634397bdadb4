/*
 * sample: the data every source emits and every consumer reads.
 *
 * A poll of one target yields a batch: a list of services (a Munin plugin,
 * or a multigraph child with a dotted name such as "diskstats_latency.vda"),
 * each with graph attributes (graph_title, graph_vlabel, update_rate, ...)
 * and an ordered list of fields.  A field carries its Munin attributes
 * (label, type, min, max, draw, warning, critical, ...) and, when the poll
 * fetched one, its value.  The semantics are Munin's; sources know nothing
 * of RRD, HTTP or alerts.
 *
 * All strings are heap copies owned by the structure that holds them;
 * a field's name and attributes are shared between copies of a service
 * (reference counted, never written once shared), so a config cached by
 * a source, replayed into every batch and kept by the catalog is held
 * once and compared by address.
 */
#ifndef DROVER_SAMPLE_H
#define DROVER_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/range.h"

/*
 * A hash index over the names of an array's elements (fields of a
 * service, services of a batch): slot[i] is an element's position + 1, 0
 * an empty slot; open addressing with linear probing, FNV-1a over the
 * name.  Made only once an array outgrows a linear scan (cap 0 before).
 * FNV-1a is not collision resistant: a node that crafts colliding names
 * makes lookups linear again, which the munin source's field bounds keep
 * small.  Owned by the array's holder; moves with it.
 */
struct name_index {
	size_t *slot;
	size_t cap; /* slots, a power of two; 0: no index yet */
};

/*
 * For arrays v of n elements of elem bytes whose first member is their
 * name (a char *): the position of name, or -1 (a linear scan while ix
 * has no table).
 */
long name_index_find(const struct name_index *ix, const void *v, size_t elem,
    size_t n, const char *name);
/*
 * Records that element n - 1 was appended (its name is not in ix yet).
 * The table is made once n passes a few elements and doubled to stay at
 * most half full.  0 / -1 on allocation failure (ix is then as it was:
 * the caller drops the element).
 */
int name_index_add(struct name_index *ix, const void *v, size_t elem, size_t n);
void name_index_cleanup(struct name_index *ix);

/*
 * An ordered key/value list; later sets of a key replace its value.
 *
 * The entries and their text live in one block per list, and a key that
 * is one of Munin's attribute names (label, type, graph_title, ...)
 * points at a constant table instead of a copy: a field of five
 * attributes costs one allocation of about 150 bytes.  A block is shared
 * between lists (attrs_share, service_copy) and copied on the first
 * write to a shared one, so a config kept in several places (the munin
 * client's cache, a batch, the catalog) is held once, and two lists
 * holding the same block are equal without comparing a string.  The
 * reference count is atomic: a block may be dropped by a worker thread
 * while the loop holds it; a list itself is owned by one thread.
 */
struct attr {
	const char *key;
	const char *value;
};

struct attrs_blk; /* sample.c */

struct attrs {
	struct attr *v; /* n entries, inside blk; NULL when empty */
	size_t n;
	struct attrs_blk *blk;
};

/* Set key to value (copies both). Returns 0, or -1 on allocation failure. */
int attrs_set(struct attrs *a, const char *key, const char *value);
/* Removes key (and its value) when present; on allocation failure
 * (copying a shared block) a keeps it. */
void attrs_del(struct attrs *a, const char *key);
/* The value of key, or NULL. */
const char *attrs_get(const struct attrs *a, const char *key);
/* Copy every entry of src into dst (replacing equal keys); an empty dst
 * comes to share src's block. 0 / -1. */
int attrs_merge(struct attrs *dst, const struct attrs *src);
/* dst (cleaned first) shares src's entries: no copy, no allocation. */
void attrs_share(struct attrs *dst, const struct attrs *src);
/* Shrinks a's block to what its entries take, unless it is shared (a
 * list that is done growing, before it is shared).  Left as it was when
 * memory is short. */
void attrs_compact(struct attrs *a);
/* Whether a's block is held by another list too (a source's cache, a
 * batch replayed from it). */
bool attrs_shared(const struct attrs *a);
/* Bytes of heap a holds (its block, shared or not), for accounting. */
size_t attrs_bytes(const struct attrs *a);
void attrs_cleanup(struct attrs *a);

/*
 * A pool of attribute blocks and field names, so that the configs of
 * many hosts that say the same thing (every guest's cpu plugin: the same
 * labels, types and graph attributes) hold one copy between them, not
 * one per host.  The pool holds a reference to each block and name it
 * keeps and lets go of those nobody else holds as it grows (a sweep
 * when its count has doubled since the last one), so its cost follows
 * the configs alive.  One thread uses a pool (the loop's); the blocks'
 * counts stay atomic, so a holder may still drop one on any thread.
 */
struct attrs_pool;

struct attrs_pool *attrs_pool_new(void);
/* Drops the pool's references (what others hold stays). */
void attrs_pool_free(struct attrs_pool *p);
/* a shares the pool's block equal to its own (same keys and values in
 * the same order), which is added when the pool has none; a is left as
 * it was when memory is short. */
void attrs_pool_intern(struct attrs_pool *p, struct attrs *a);
/* Blocks and names the pool holds now. */
size_t attrs_pool_count(const struct attrs_pool *p);

/* RRD data source types, as Munin's "type" attribute spells them. */
enum ds_type { DS_GAUGE, DS_DERIVE, DS_COUNTER, DS_ABSOLUTE };

/* Parses "GAUGE", "DERIVE", ... (case-sensitive, as Munin); false if none. */
bool ds_type_parse(const char *s, enum ds_type *out);
const char *ds_type_str(enum ds_type t);

struct field {
	const char *name;   /* Munin-sanitised field name; shared between
			       copies (service_copy), freed by
			       service_cleanup alone */
	struct attrs attrs; /* label, type, min, max, draw, warning, ... */
	bool has_value;	    /* a value line was received this poll */
	bool unknown;	    /* the value was "U" (or unparsable) */
	double value;
	time_t when; /* epoch from "value EPOCH:NUMBER", else 0 */
};

struct service {
	char *name;	    /* plugin name or dotted multigraph name */
	struct attrs graph; /* graph_* and other service-level attributes */
	struct field *fields;
	size_t nfields;
	size_t cap;
	struct name_index index; /* fields by name */
	bool has_config;	 /* config was received (or taken from cache) */
};

struct batch {
	struct service *services;
	size_t n;
	size_t cap;
	struct name_index index; /* services by name */
};

/* The field called name; with create, appended when missing. NULL if none
 * (or on allocation failure with create).  Constant time on average (a
 * hash index), so a reply of n fields is parsed in O(n). */
struct field *service_field(struct service *s, const char *name, bool create);
/* The service called name; with create, appended when missing. */
struct service *batch_service(struct batch *b, const char *name, bool create);
/*
 * Appends *s to b, taking ownership of what it holds (*s is zeroed).
 * Returns 0; -1 with errno EEXIST when b already has a service of that
 * name, or ENOMEM (*s is then left to the caller).
 */
int batch_take(struct batch *b, struct service *s);
/* Room in b for n services in all, allocated exactly (for a batch that
 * is kept, such as a source's cached config).  0 / -1. */
int batch_reserve(struct batch *b, size_t n);
/* Field type from its "type" attribute; GAUGE when absent or unknown. */
enum ds_type field_type(const struct field *f);
/* The same keys with the same values, in the same order (at once when
 * both share a block). */
bool attrs_equal(const struct attrs *a, const struct attrs *b);
/* True when a and b carry the same config: the same graph attributes and
 * the same fields with the same attributes, in the same order (values
 * are not compared). */
bool service_config_equal(const struct service *a, const struct service *b);
/* Copy of src into *dst (dst is overwritten): field names and
 * attributes shared, the rest copied; no string is copied but the
 * service's name.  0 / -1. */
int service_copy(struct service *dst, const struct service *src);
/*
 * A service's config without its values: what a source keeps to replay
 * into a later batch when it skips asking for the config (the munin
 * client's cache).  Names and attributes are shared with the service it
 * was kept from, as service_copy shares them; a field costs 32 bytes
 * here against 56 in a struct service.  fields[] and services of an
 * array of these are found by name through index like struct service's
 * (the name is each element's first member).
 */
struct field_config {
	const char *name; /* shared, as struct field's */
	struct attrs attrs;
};

struct service_config {
	char *name;
	struct attrs graph;
	struct field_config *fields; /* nfields, exactly sized */
	size_t nfields;
	struct name_index index; /* fields by name */
	bool has_config;
};

/* *dst (overwritten) keeps src's config, sharing its names and
 * attributes.  0 / -1. */
int service_config_keep(struct service_config *dst, const struct service *src);
/* *dst (overwritten) is a service of src's config with no values (as a
 * service_copy of the service it was kept from, values cleared).
 * 0 / -1. */
int service_config_replay(
    struct service *dst, const struct service_config *src);
/* The field of c called name, or -1. */
long service_config_field(const struct service_config *c, const char *name);
void service_config_cleanup(struct service_config *c);

/* attrs_pool_intern of s's graph and field attributes, and s's field
 * names shared with the pool's equal ones (p may be NULL: nothing). */
void service_intern(struct attrs_pool *p, struct service *s);
/* attrs_compact of s's graph and field attributes. */
void service_compact(struct service *s);
void service_cleanup(struct service *s);
void batch_cleanup(struct batch *b);
/* Empties b for reuse: its services cleaned, their array and index kept. */
void batch_clear(struct batch *b);
/* Number of fields with a value across the batch. */
size_t batch_values(const struct batch *b);

/*
 * A field's alerting attributes, parsed.  Most fields have none, so they
 * live apart from struct field_spec: a field without any points at the
 * shared field_rules_none (the defaults) and costs no memory of its own.
 */
struct field_rules {
	/* pointers, ranges, then the small members: no padding between */
	const char *warning;	     /* Munin range as written; NULL: unset */
	const char *critical;	     /* NULL: unset */
	const char *nagios_warning;  /* Nagios range as written; NULL: unset */
	const char *nagios_critical; /* NULL: unset */
	const char *state;	     /* a source's own verdict ("state", the
					IPMI bits) as written; NULL: none */
	struct range warn;	     /* Munin's reading of warning, when set */
	struct range crit;	     /* Munin's reading of critical, when set */
	struct range nagios_warn;
	struct range nagios_crit;
	double hysteresis;	   /* "alert_hysteresis" as an absolute value,
				      in field units */
	unsigned alert_attempts;   /* samples before a hard change; 0: unset */
	unsigned alert_recover;	   /* good samples to recover; default 1 */
	unsigned unknown_limit;	   /* U values before UNKNOWN; default 3 */
	enum field_state state_is; /* state's field_state, when has_state */
	bool has_nagios_warn;	   /* nagios_warning reads as a range */
	bool has_nagios_crit;	   /* nagios_critical reads as a range */
	bool has_state;		   /* state names a field_state */
	bool operator_thresholds;  /* "threshold_source": munin.conf set
				      warning or critical, which overrule
				      state */
	bool has_hysteresis;	   /* "alert_hysteresis" set */
};

/* The rules of a field that sets none: every member unset or default. */
extern const struct field_rules field_rules_none;

/*
 * A field's Munin attributes, parsed once when its config arrives rather
 * than searched for and parsed again by every consumer of every sample.
 * Text members point into the attrs they were parsed from and stay valid
 * until those attrs change; text is kept only where it is passed on as
 * written (the RRD data source's min and max, ranges shown to people).
 * Attributes not named here (draw, cdef, negative, graph args...) are
 * read from the attrs by the graph builder, which passes them through.
 * 40 bytes on x86-64: the catalog holds one per field.
 */
struct field_spec {
	const char *min;		 /* "min" as written; NULL: unset */
	const char *max;		 /* "max" as written; NULL: unset */
	const char *label;		 /* NULL: unset */
	const struct field_rules *rules; /* never NULL; &field_rules_none
					    when the field sets none */
	enum ds_type type; /* "type"; GAUGE when absent or unknown */
	bool graph_no;	   /* "graph no": not drawn */
};

/*
 * Fills fs from a field's attributes a (see struct field_spec).  Rules
 * found are written to *rules, the caller's storage, and fs->rules points
 * there; without any, fs->rules is &field_rules_none and *rules is left
 * alone.  No allocation: a holder that keeps fs beyond *rules copies
 * them (field_spec_has_rules() says whether it must).
 */
void field_spec_parse(
    struct field_spec *fs, struct field_rules *rules, const struct attrs *a);
/* fs sets a rule of its own (fs->rules is not field_rules_none). */
bool field_spec_has_rules(const struct field_spec *fs);

/* A service's own settings among its graph attributes, parsed likewise. */
struct service_spec {
	unsigned alert_attempts;     /* "alert_attempts"; 0: unset */
	const char *graph_data_size; /* as written; NULL: unset ("normal") */
	const char *update_rate;     /* as written; NULL: unset (300 s) */
};

void service_spec_parse(struct service_spec *ss, const struct attrs *graph);

/*
 * Munin's name rules (Munin::Master::Node): a field name's first character
 * must be a letter or '_', the rest letters, digits or '_'; anything else
 * becomes '_'.  Plugin names map every other character to '_'.  Writes into
 * out (size outlen, truncating); returns out.
 */
char *sanitise_fieldname(const char *name, char *out, size_t outlen);
char *sanitise_plugin_name(const char *name, char *out, size_t outlen);

#endif
