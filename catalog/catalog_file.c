/*
 * catalog_file: the catalog's state file (declared in catalog.h), one
 * JSON document:
 *
 *   {"version": 1, "saved": EPOCH, "hosts": [{"name", "group",
 *    "physical", "state": "up", "last_ok", "first_ok" (0 or absent:
 *    unknown), "last_poll", "last_error",
 *    "failures", "poll_ms", "queue_ms", "values", "bmc": {"state", ...}
 *    (only when configured), "services": [{"name", "config": BOOL,
 *    "last_update", "graph": [KEY, VALUE, ...], "fields": [{"name",
 *    "attrs": [KEY, VALUE, ...], "has_value", "unknown", "value":
 *    NUMBER | null, "when", "alert": "CRITICAL" (only when judged)}]}]}]}
 *
 * Attributes are flat arrays rather than objects so that their order
 * survives: a service's config is compared in order when the first poll
 * after the restart brings it again (service_config_equal), and an equal
 * one is not parsed again.  A value that is not finite is saved as null
 * and read back as NaN.  Text that is not UTF-8 (a node's Latin-1 label)
 * is saved with '?' for each byte above 0x7f; the node's own text
 * replaces it at the first poll.
 *
 * Loading goes through the catalog's own entry points (catalog_host,
 * catalog_update, cat_field_set_alert), so a restored service is parsed
 * exactly as a polled one, and a file that fails half-way is undone with
 * catalog_retain.  A file in the dump's own layout (a host a line) is
 * parsed a host at a time; any other layout is parsed whole.  The road
 * not taken: a binary format would be smaller and faster, but this one is
 * read by people after an incident and by jq, and costs a few
 * microseconds per field (bench/catalog.sh).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "lib/buf.h"
#include "lib/fileio.h"
#include "lib/log.h"

#define FILE_VERSION 1

/* ---- dump ---------------------------------------------------------- */

/*
 * Written straight into a buffer: building a jansson tree of every field
 * first cost 20 times a poll cycle's catalog updates on the loop
 * (bench/catalog.sh); the loader still reads it with jansson.  Written in
 * slices of whole hosts (catalog_dump_next), each host on a line of its
 * own: the daemon's save holds one slice, never the whole text.
 */

/* s as a JSON string; text that is not UTF-8 (as jansson, which reads it
 * back, judges it) gets '?' for every byte above 0x7f. */
static void
put_str(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;
	bool ascii = true, utf8 = true;
	size_t run;
	json_t *j;

	if (s == NULL)
		s = "";
	for (p = (const unsigned char *)s; *p != '\0' && ascii; p++)
		ascii = *p < 0x80;
	if (!ascii) {
		j = json_string(s);
		utf8 = j != NULL;
		json_decref(j);
	}
	buf_putc(b, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		run = 0;
		while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\' &&
		       (p[run] < 0x80 || utf8))
			run++;
		if (run > 0) {
			buf_putn(b, (const char *)p, run);
			p += run - 1;
		} else if (*p == '"' || *p == '\\') {
			buf_putc(b, '\\');
			buf_putc(b, (char)*p);
		} else if (*p < 0x20) {
			buf_puts(b, "\\u00");
			buf_putc(b, hex[*p >> 4]);
			buf_putc(b, hex[*p & 0xf]);
		} else
			buf_putc(b, *p >= 0x80 && !utf8 ? '?' : (char)*p);
	}
	buf_putc(b, '"');
}

/* ,"key": */
static void
put_key(struct buf *b, const char *key)
{
	buf_putc(b, ',');
	put_str(b, key);
	buf_putc(b, ':');
}

/* ,"key":v without printf, the dump's most frequent call */
static void
put_int(struct buf *b, const char *key, long long v)
{
	char d[24], *p = d + sizeof(d);
	unsigned long long u =
	    v < 0 ? 0 - (unsigned long long)v : (unsigned long long)v;

	put_key(b, key);
	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) > 0);
	if (v < 0)
		*--p = '-';
	buf_putn(b, p, (size_t)(d + sizeof(d) - p));
}

static void
put_attrs(struct buf *b, const char *key, const struct attrs *a)
{
	size_t i;

	put_key(b, key);
	buf_putc(b, '[');
	for (i = 0; i < a->n; i++) {
		if (i > 0)
			buf_putc(b, ',');
		put_str(b, a->v[i].key);
		buf_putc(b, ',');
		put_str(b, a->v[i].value);
	}
	buf_putc(b, ']');
}

static void
put_field(struct buf *b, const struct cat_service *cs, size_t i)
{
	const struct field *f = &cs->svc.fields[i];

	buf_puts(b, "{\"name\":");
	put_str(b, f->name);
	put_attrs(b, "attrs", &f->attrs);
	buf_puts(
	    b, f->has_value ? ",\"has_value\":true" : ",\"has_value\":false");
	buf_puts(b, f->unknown ? ",\"unknown\":true" : ",\"unknown\":false");
	if (isfinite(f->value) && f->value == (double)(long long)f->value &&
	    fabs(f->value) < 1e15)
		put_int(b, "value", (long long)f->value);
	else if (isfinite(f->value))
		buf_printf(b, ",\"value\":%.17g", f->value);
	else
		buf_puts(b, ",\"value\":null");
	put_int(b, "when", (long long)f->when);
	if (cs->fields[i].has_alert) {
		put_key(b, "alert");
		put_str(b, field_state_str(cs->fields[i].alert));
	}
	buf_putc(b, '}');
}

static void
put_service(struct buf *b, const struct cat_service *cs)
{
	size_t i;

	buf_puts(b, "{\"name\":");
	put_str(b, cs->svc.name);
	buf_printf(b, ",\"config\":%s", cs->svc.has_config ? "true" : "false");
	put_int(b, "last_update", (long long)cs->last_update);
	put_attrs(b, "graph", &cs->svc.graph);
	buf_puts(b, ",\"fields\":[");
	for (i = 0; i < cs->svc.nfields; i++) {
		if (i > 0)
			buf_putc(b, ',');
		put_field(b, cs, i);
	}
	buf_puts(b, "]}");
}

static void
put_bmc(struct buf *b, const struct cat_bmc *m)
{
	buf_puts(b, ",\"bmc\":{\"state\":");
	put_str(b, host_state_str(m->state));
	put_int(b, "last_ok", (long long)m->last_ok);
	put_int(b, "last_poll", (long long)m->last_poll);
	put_key(b, "last_error");
	put_str(b, m->last_error);
	put_int(b, "failures", (long long)m->failures);
	put_int(b, "poll_ms", (long long)m->poll_ms);
	put_int(b, "sensors", (long long)m->sensors);
	buf_putc(b, '}');
}

static void
put_host(struct buf *b, const struct cat_host *h)
{
	size_t i;

	buf_puts(b, "{\"name\":");
	put_str(b, h->name);
	put_key(b, "group");
	put_str(b, h->group);
	put_key(b, "physical");
	put_str(b, h->physical);
	put_key(b, "state");
	put_str(b, host_state_str(h->state));
	put_int(b, "last_ok", (long long)h->last_ok);
	put_int(b, "first_ok", (long long)h->first_ok);
	put_int(b, "last_poll", (long long)h->last_poll);
	put_key(b, "last_error");
	put_str(b, h->last_error);
	put_int(b, "failures", (long long)h->failures);
	put_int(b, "poll_ms", (long long)h->poll_ms);
	put_int(b, "queue_ms", (long long)h->queue_ms);
	put_int(b, "values", (long long)h->values);
	if (h->bmc.configured)
		put_bmc(b, &h->bmc);
	buf_puts(b, ",\"services\":[");
	for (i = 0; i < h->nservices; i++) {
		if (i > 0)
			buf_putc(b, ',');
		put_service(b, &h->services[i]);
	}
	buf_puts(b, "]}");
}

void
catalog_dumper_init(struct catalog_dumper *d, time_t saved)
{
	memset(d, 0, sizeof(*d));
	d->saved = saved;
}

bool
catalog_dump_next(struct catalog_dumper *d, const struct catalog *cat,
    struct buf *out, size_t bytes)
{
	size_t start = out->len, i;
	const struct cat_host *h;
	bool one = false;

	if (d->ended || out->oom)
		return false;
	if (!d->begun) {
		buf_printf(out, "{\"version\":%d,\"saved\":%lld,\"hosts\":[",
		    FILE_VERSION, (long long)d->saved);
		d->begun = true;
	}
	for (i = catalog_seek(cat, d->after); i < catalog_count(cat); i++) {
		if (out->oom)
			return false;
		if (one && out->len - start >= bytes)
			return true;
		one = true;
		h = catalog_at(cat, i);
		if (d->after != 0)
			buf_puts(out, ",\n");
		put_host(out, h);
		d->after = h->seq;
	}
	buf_puts(out, "]}\n");
	d->ended = true;
	return false;
}

char *
catalog_dump(const struct catalog *cat, time_t saved, size_t *len)
{
	struct catalog_dumper d;
	struct buf b = {0};

	catalog_dumper_init(&d, saved);
	while (catalog_dump_next(&d, cat, &b, SIZE_MAX))
		;
	if (b.oom) {
		buf_free(&b);
		return NULL;
	}
	return buf_take(&b, len);
}

/* ---- load ---------------------------------------------------------- */

/* Where a load failed, and why. */
struct load {
	char *err;
	size_t errlen;
};

static int bad(struct load *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
bad(struct load *l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(l->err, l->errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* key of o as an integer in [min, max]; 0 when absent.  0 / -1. */
static int
get_range(struct load *l, json_t *o, const char *key, json_int_t min,
    json_int_t max, json_int_t *out)
{
	json_t *v = json_object_get(o, key);

	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return bad(l, "\"%s\" is not a count or a time", key);
	*out = json_integer_value(v);
	return 0;
}

/* key of o as a count or an epoch: in [0, max]. */
static int
get_int(
    struct load *l, json_t *o, const char *key, json_int_t max, json_int_t *out)
{
	return get_range(l, o, key, 0, max, out);
}

/* key of o as a string; dflt when absent.  0 / -1. */
static int
get_str(struct load *l, json_t *o, const char *key, const char *dflt,
    const char **out)
{
	json_t *v = json_object_get(o, key);

	*out = dflt;
	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return bad(l, "\"%s\" is not a string", key);
	*out = json_string_value(v);
	return 0;
}

/* key of o as a boolean; false when absent.  0 / -1. */
static int
get_bool(struct load *l, json_t *o, const char *key, bool *out)
{
	json_t *v = json_object_get(o, key);

	*out = false;
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return bad(l, "\"%s\" is not true or false", key);
	*out = json_is_true(v);
	return 0;
}

/* A name as the catalog holds them: a non-empty string without '/' (it
 * becomes part of a file name) or control characters. */
static int
get_name(struct load *l, json_t *o, const char *what, const char **out)
{
	const char *s = json_string_value(json_object_get(o, "name"));
	const char *p;

	if (s == NULL || *s == '\0')
		return bad(l, "a %s without a name", what);
	for (p = s; *p != '\0'; p++)
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return bad(
			    l, "%s name \"%.64s\" is not a name", what, s);
	*out = s;
	return 0;
}

static int
get_host_state(struct load *l, json_t *o, enum host_state *out)
{
	static const enum host_state all[] = {HOST_PENDING, HOST_UP, HOST_DOWN};
	const char *s;
	size_t i;

	if (get_str(l, o, "state", "pending", &s) == -1)
		return -1;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (strcmp(s, host_state_str(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	return bad(l, "unknown host state \"%.32s\"", s);
}

static int
load_attrs(struct load *l, json_t *arr, struct attrs *a)
{
	const char *k, *v;
	size_t i;

	if (arr == NULL)
		return 0;
	if (!json_is_array(arr) || json_array_size(arr) % 2 != 0)
		return bad(l, "attributes are not a list of pairs");
	for (i = 0; i < json_array_size(arr); i += 2) {
		k = json_string_value(json_array_get(arr, i));
		v = json_string_value(json_array_get(arr, i + 1));
		if (k == NULL || v == NULL || *k == '\0')
			return bad(l, "an attribute is not a key and a text");
		if (attrs_set(a, k, v) == -1)
			return bad(l, "out of memory");
	}
	return 0;
}

static int
load_field(struct load *l, json_t *jf, struct service *s, bool *has_alert,
    enum field_state *alert)
{
	struct field *f;
	const char *name, *st;
	json_t *v;
	json_int_t when;

	if (!json_is_object(jf))
		return bad(l, "%s: a field is no object", s->name);
	if (get_name(l, jf, "field", &name) == -1)
		return -1;
	if (service_field(s, name, false) != NULL)
		return bad(l, "%s: field %.64s twice", s->name, name);
	f = service_field(s, name, true);
	if (f == NULL)
		return bad(l, "out of memory");
	if (load_attrs(l, json_object_get(jf, "attrs"), &f->attrs) == -1 ||
	    get_bool(l, jf, "has_value", &f->has_value) == -1 ||
	    get_bool(l, jf, "unknown", &f->unknown) == -1 ||
	    get_range(l, jf, "when", INT64_MIN, INT64_MAX, &when) == -1 ||
	    get_str(l, jf, "alert", NULL, &st) == -1)
		return -1;
	f->when = (time_t)when;
	v = json_object_get(jf, "value");
	if (v != NULL && !json_is_number(v) && !json_is_null(v))
		return bad(l, "%s.%s: the value is no number", s->name, name);
	f->value = json_is_number(v) ? json_number_value(v) : NAN;
	*has_alert = st != NULL;
	if (st != NULL && !field_state_parse(st, alert))
		return bad(
		    l, "%s.%s: unknown state \"%.32s\"", s->name, name, st);
	return 0;
}

static int
load_service(
    struct load *l, struct catalog *cat, struct cat_host *h, json_t *js)
{
	struct batch b = {0};
	struct service *s;
	struct cat_service *cs;
	json_t *fields, *jf;
	json_int_t last;
	const char *name;
	bool *has_alert = NULL;
	enum field_state *alert = NULL;
	size_t i, n;
	int ret = -1;

	if (!json_is_object(js))
		return bad(l, "%s: a service is no object", h->name);
	if (get_name(l, js, "service", &name) == -1)
		return -1;
	if (cat_host_service(h, name) != NULL)
		return bad(l, "%s: service %.64s twice", h->name, name);
	fields = json_object_get(js, "fields");
	if (fields != NULL && !json_is_array(fields))
		return bad(l, "%s: %s: fields are no list", h->name, name);
	n = json_array_size(fields);
	has_alert = calloc(n + 1, sizeof(*has_alert));
	alert = calloc(n + 1, sizeof(*alert));
	s = batch_service(&b, name, true);
	if (has_alert == NULL || alert == NULL || s == NULL) {
		bad(l, "out of memory");
		goto out;
	}
	if (get_bool(l, js, "config", &s->has_config) == -1 ||
	    get_int(l, js, "last_update", INT64_MAX, &last) == -1 ||
	    load_attrs(l, json_object_get(js, "graph"), &s->graph) == -1)
		goto out;
	json_array_foreach(fields, i, jf)
	{
		if (load_field(l, jf, s, &has_alert[i], &alert[i]) == -1)
			goto out;
	}
	catalog_update(cat, h, (time_t)last, &b);
	cs = (struct cat_service *)cat_host_service(h, name);
	if (cs == NULL || cs->svc.nfields != n) {
		bad(l, "out of memory");
		goto out;
	}
	/* a new service keeps the fields in the order they came */
	for (i = 0; i < n; i++)
		if (has_alert[i])
			cat_field_set_alert(cs, i, alert[i]);
	cs->restored = true;
	ret = 0;
out:
	batch_cleanup(&b);
	free(has_alert);
	free(alert);
	return ret;
}

static int
load_bmc(struct load *l, json_t *jb, struct cat_bmc *b)
{
	json_int_t last_ok, last_poll, failures, poll_ms, sensors;
	const char *err;

	if (jb == NULL)
		return 0;
	if (!json_is_object(jb))
		return bad(l, "a BMC is no object");
	if (get_host_state(l, jb, &b->state) == -1 ||
	    get_int(l, jb, "last_ok", INT64_MAX, &last_ok) == -1 ||
	    get_int(l, jb, "last_poll", INT64_MAX, &last_poll) == -1 ||
	    get_str(l, jb, "last_error", "", &err) == -1 ||
	    get_int(l, jb, "failures", UINT32_MAX, &failures) == -1 ||
	    get_int(l, jb, "poll_ms", INT64_MAX, &poll_ms) == -1 ||
	    get_int(l, jb, "sensors", UINT32_MAX, &sensors) == -1)
		return -1;
	b->configured = true;
	b->last_ok = (time_t)last_ok;
	b->last_poll = (time_t)last_poll;
	cat_error_set(&b->last_error, err);
	b->failures = (unsigned)failures;
	b->poll_ms = (uint64_t)poll_ms;
	b->sensors = (unsigned)sensors;
	return 0;
}

static int
load_host(struct load *l, struct catalog *cat, json_t *jh)
{
	json_int_t last_ok, first_ok, last_poll, failures, poll_ms, queue_ms;
	json_int_t values;
	const char *name, *group, *physical, *err;
	enum host_state st = HOST_PENDING;
	struct cat_host *h;
	json_t *svcs, *js;
	size_t i;

	if (!json_is_object(jh))
		return bad(l, "a host is no object");
	if (get_name(l, jh, "host", &name) == -1 ||
	    get_str(l, jh, "group", NULL, &group) == -1 ||
	    get_str(l, jh, "physical", NULL, &physical) == -1 ||
	    get_host_state(l, jh, &st) == -1 ||
	    get_int(l, jh, "last_ok", INT64_MAX, &last_ok) == -1 ||
	    get_int(l, jh, "first_ok", INT64_MAX, &first_ok) == -1 ||
	    get_int(l, jh, "last_poll", INT64_MAX, &last_poll) == -1 ||
	    get_str(l, jh, "last_error", "", &err) == -1 ||
	    get_int(l, jh, "failures", UINT32_MAX, &failures) == -1 ||
	    get_int(l, jh, "poll_ms", INT64_MAX, &poll_ms) == -1 ||
	    get_int(l, jh, "queue_ms", INT64_MAX, &queue_ms) == -1 ||
	    get_int(l, jh, "values", UINT32_MAX, &values) == -1)
		return -1;
	svcs = json_object_get(jh, "services");
	if (svcs != NULL && !json_is_array(svcs))
		return bad(l, "%s: services are no list", name);
	/* the running catalog knows better than the file */
	if (catalog_find(cat, name) != NULL)
		return 0;
	h = catalog_host(cat, name, group, physical);
	h->state = st;
	h->last_ok = (time_t)last_ok;
	h->first_ok = (time_t)first_ok;
	h->last_poll = (time_t)last_poll;
	cat_error_set(&h->last_error, err);
	h->failures = (unsigned)failures;
	h->poll_ms = (uint64_t)poll_ms;
	h->queue_ms = (uint64_t)queue_ms;
	h->values = (unsigned)values;
	h->restored = true;
	if (load_bmc(l, json_object_get(jh, "bmc"), &h->bmc) == -1)
		return -1;
	json_array_foreach(svcs, i, js)
	{
		if (load_service(l, cat, h, js) == -1)
			return -1;
	}
	return 0;
}

/*
 * Reads the unsigned decimal at *p (advanced past it) into *v; false
 * when there is none or it is too big.
 */
static bool
get_digits(const char **p, const char *end, json_int_t *v)
{
	const char *q = *p;

	*v = 0;
	while (q < end && *q >= '0' && *q <= '9' && q - *p < 18)
		*v = *v * 10 + (*q++ - '0');
	if (q == *p || (q < end && *q >= '0' && *q <= '9'))
		return false;
	*p = q;
	return true;
}

/* True when buf[*off..end) starts with lit (and *off is advanced). */
static bool
get_lit(const char **p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *p) < n || memcmp(*p, lit, n) != 0)
		return false;
	*p += n;
	return true;
}

/*
 * The dump's own layout (catalog_dump_next): its head, then each host on
 * a line of its own (the text escapes every control character), ",\n"
 * between them and "]}\n" after the last.  Such a text is loaded host by
 * host, each parsed apart, so the parse tree is one host's rather than
 * the whole file's (jansson's tree of a whole file took 3 times the
 * catalog it made: bench/catalog.sh), and a restart reads the file a
 * line at a time.  Anything not in that layout, or failing, is undone
 * and parsed whole, which says why.
 */

/* The head at *p (advanced past it) with its saved epoch: true, or
 * false when *p is no head of the dump's layout. */
static bool
lines_head(const char **p, const char *end, json_int_t *saved)
{
	json_int_t version;

	return get_lit(p, end, "{\"version\":") &&
	       get_digits(p, end, &version) && version == FILE_VERSION &&
	       get_lit(p, end, ",\"saved\":") && get_digits(p, end, saved) &&
	       get_lit(p, end, ",\"hosts\":[");
}

/*
 * The host line p[0..n) (its newline left out): a host and ",", or the
 * last host and "]}" (*last set), or, with empty (the head's line of a
 * file without hosts), "]}" alone.  The host is loaded.  True, or false
 * when the line is not so or the host fails.
 */
static bool
lines_host(struct load *l, struct catalog *cat, const char *p, size_t n,
    bool empty, bool *last)
{
	json_error_t jerr;
	json_t *jh;
	bool ok;

	*last = false;
	if (empty && n == 2 && memcmp(p, "]}", 2) == 0) {
		*last = true;
		return true;
	}
	if (n > 1 && p[n - 1] == ',')
		n--;
	else if (n > 2 && memcmp(p + n - 2, "]}", 2) == 0) {
		n -= 2;
		*last = true;
	} else
		return false;
	jh = json_loadb(p, n, JSON_REJECT_DUPLICATES, &jerr);
	ok = jh != NULL && load_host(l, cat, jh) == 0;
	json_decref(jh);
	return ok;
}

/* True when p[0..n) is what json_loadb allows after a document. */
static bool
only_space(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != '\n' && p[i] != ' ' && p[i] != '\t' && p[i] != '\r')
			return false;
	return true;
}

/* buf[0..len) in the dump's layout, loaded: 0, or 1 (undone) when not. */
static int
load_lines(struct load *l, struct catalog *cat, const char *buf, size_t len,
    const char *const *keep, size_t n0, json_int_t *saved)
{
	const char *p = buf, *end = buf + len, *e;
	bool last = false, first = true;

	if (!lines_head(&p, end, saved))
		return 1;
	while (!last) {
		e = memchr(p, '\n', (size_t)(end - p));
		if (e == NULL && first) /* "]}" without its newline */
			e = end;
		if (e == NULL ||
		    !lines_host(l, cat, p, (size_t)(e - p), first, &last))
			goto undo;
		first = false;
		p = e < end ? e + 1 : e;
	}
	if (only_space(p, (size_t)(end - p)))
		return 0;
undo:
	catalog_retain(cat, keep, n0);
	return 1;
}

int
catalog_load(struct catalog *cat, const char *buf, size_t len,
    time_t *saved_out, char *err, size_t errlen)
{
	struct load l = {err, errlen};
	const char **keep = NULL;
	json_error_t jerr;
	json_t *root = NULL, *hosts, *jh;
	json_int_t version, saved;
	size_t i, n0 = catalog_count(cat);
	int ret = -1;

	keep = calloc(n0 + 1, sizeof(*keep));
	if (keep == NULL)
		return bad(&l, "out of memory");
	for (i = 0; i < n0; i++)
		keep[i] = catalog_at(cat, i)->name;
	if (load_lines(&l, cat, buf, len, keep, n0, &saved) == 0) {
		ret = 0;
		goto done;
	}
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		bad(&l, "line %d: %s", jerr.line, jerr.text);
		goto out;
	}
	hosts = json_object_get(root, "hosts");
	if (!json_is_object(root)) {
		bad(&l, "not a JSON object");
		goto out;
	}
	if (get_int(&l, root, "version", INT32_MAX, &version) == -1 ||
	    get_int(&l, root, "saved", INT64_MAX, &saved) == -1)
		goto out;
	if (version != FILE_VERSION) {
		bad(&l, "version %lld, not %d", (long long)version,
		    FILE_VERSION);
		goto out;
	}
	if (!json_is_array(hosts)) {
		bad(&l, "no list of hosts");
		goto out;
	}
	json_array_foreach(hosts, i, jh)
	{
		if (load_host(&l, cat, jh) == -1)
			goto undo;
	}
	ret = 0;
done:
	if (saved_out != NULL)
		*saved_out = (time_t)saved;
	goto out;
undo:
	/* the hosts this load added go again; those before were not
	 * touched */
	catalog_retain(cat, keep, n0);
out:
	free(keep);
	json_decref(root);
	return ret;
}

/* ---- files --------------------------------------------------------- */

int
catalog_write(const char *path, const char *buf, size_t len)
{
	return file_write_atomic(path, NULL, buf, len);
}

/*
 * The file path read a line at a time in the dump's layout (lines_head,
 * lines_host) into cat: 0 with *saved, or 1 (undone) when it is not in
 * that layout, or cannot be read so (the caller reads it whole, which
 * says why).  A line holds one host, so what is held is the largest
 * host's text and parse tree, not the file's.
 */
static int
restore_lines(struct catalog *cat, const char *path, const char *const *keep,
    size_t n0, json_int_t *saved)
{
	struct load l = {NULL, 0};
	char *line = NULL, err[256];
	const char *p;
	size_t cap = 0, n;
	ssize_t got;
	struct stat st;
	bool last = false, first = true;
	int fd, ret = 1;
	FILE *f;

	l.err = err;
	l.errlen = sizeof(err);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		return 1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (uintmax_t)st.st_size > CATALOG_FILE_MAX) {
		close(fd);
		return 1;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		close(fd);
		return 1;
	}
	while (!last) {
		got = getline(&line, &cap, f);
		if (got <= 0)
			goto undo;
		p = line;
		n = (size_t)got;
		if (line[n - 1] == '\n')
			n--;
		if (first && !lines_head(&p, line + n, saved))
			goto undo;
		if (!lines_host(
			&l, cat, p, (size_t)(line + n - p), first, &last))
			goto undo;
		first = false;
	}
	while ((got = getline(&line, &cap, f)) > 0)
		if (!only_space(line, (size_t)got))
			goto undo;
	if (ferror(f))
		goto undo;
	ret = 0;
	goto out;
undo:
	catalog_retain(cat, keep, n0);
out:
	free(line);
	fclose(f);
	return ret;
}

size_t
catalog_restore(struct catalog *cat, const char *path, time_t now)
{
	char *buf = NULL, err[256];
	size_t len = 0, n0 = catalog_count(cat), i, nsvc = 0;
	const char **keep;
	json_int_t lsaved = 0;
	time_t saved = 0;
	int lines;

	keep = calloc(n0 + 1, sizeof(*keep));
	if (keep == NULL) {
		log_warnx("catalog: %s: out of memory; starting empty", path);
		return 0;
	}
	for (i = 0; i < n0; i++)
		keep[i] = catalog_at(cat, i)->name;
	lines = restore_lines(cat, path, keep, n0, &lsaved);
	free(keep);
	if (lines == 0) {
		saved = (time_t)lsaved;
		goto restored;
	}
	if (file_read(AT_FDCWD, path, CATALOG_FILE_MAX, 1, &buf, &len) == -1) {
		if (errno != ENOENT)
			log_warn(
			    "catalog: cannot read %s; starting empty", path);
		return 0;
	}
	if (catalog_load(cat, buf, len, &saved, err, sizeof(err)) == -1) {
		log_warnx("catalog: %s: %s; starting empty", path, err);
		free(buf);
		return 0;
	}
	free(buf);
restored:
	for (i = n0; i < catalog_count(cat); i++)
		nsvc += catalog_at(cat, i)->nservices;
	log_info("catalog: restored %zu hosts, %zu services from %s, saved "
		 "%lld s ago",
	    catalog_count(cat) - n0, nsvc, path, (long long)(now - saved));
	return catalog_count(cat) - n0;
}
