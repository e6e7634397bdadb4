/*
 * notify_fmt: page text, JSON and the small decisions behind pages (see
 * notify_fmt.h).  Everything here is a pure function of its arguments so
 * that tests pin the exact bytes a receiver sees.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/notify_fmt.h"
#include "lib/buf.h"

static int
dup_opt(char **dst, const char *s)
{
	*dst = NULL;
	if (s == NULL)
		return 0;
	*dst = strdup(s);
	return *dst == NULL ? -1 : 0;
}

/* The words that name what changed: label, else field, service, "host". */
static const char *
item_what(const struct notify_item *it)
{
	if (it->host_down)
		return "host";
	if (it->label != NULL && it->label[0] != '\0')
		return it->label;
	if (it->field != NULL)
		return it->field;
	if (it->service != NULL)
		return it->service;
	return "host";
}

/* "10.90 V", "10.90", "" (no value, or host down) into buf. */
static void
item_value(const struct notify_item *it, char *buf, size_t len)
{
	if (!it->has_value || it->host_down || !isfinite(it->value))
		buf[0] = '\0';
	else if (it->unit != NULL && it->unit[0] != '\0')
		snprintf(buf, len, "%.2f %s", it->value, it->unit);
	else
		snprintf(buf, len, "%.2f", it->value);
}

/* A sentence for an event whose engine gave none. */
static char *
default_text(const struct notify_item *it)
{
	char val[96], lim[160] = "";
	char *s = NULL;

	item_value(it, val, sizeof(val));
	if (it->host_down) {
		if (asprintf(&s, "%s is down (%s)", it->host,
			field_state_str(it->state)) == -1)
			return NULL;
		return s;
	}
	if (it->critical != NULL && it->warning != NULL)
		snprintf(lim, sizeof(lim), " (warning %s, critical %s)",
		    it->warning, it->critical);
	else if (it->critical != NULL)
		snprintf(lim, sizeof(lim), " (critical %s)", it->critical);
	else if (it->warning != NULL)
		snprintf(lim, sizeof(lim), " (warning %s)", it->warning);
	if (asprintf(&s, "%s %s%s%s is %s%s%s%s, was %s", it->host,
		it->service != NULL ? it->service : "",
		it->service != NULL ? " " : "", item_what(it),
		field_state_str(it->state), val[0] ? " at " : "", val, lim,
		field_state_str(it->prev)) == -1)
		return NULL;
	return s;
}

/* FNV-1a, 64 bit: stable across runs and machines. */
static uint64_t
fnv1a(uint64_t h, const char *s)
{
	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

#define FNV_BASIS 0xcbf29ce484222325ull

int
notify_item_from_event(struct notify_item *it, const struct alert_event *ev)
{
	char key[64];

	memset(it, 0, sizeof(*it));
	it->state = ev->state;
	it->prev = ev->prev;
	it->host_down = ev->host_down;
	it->has_value = ev->has_value;
	it->value = ev->value;
	it->since = ev->since;
	it->when = ev->when;
	if (dup_opt(&it->host, ev->host != NULL ? ev->host : "") == -1 ||
	    dup_opt(&it->service, ev->service) == -1 ||
	    dup_opt(&it->field, ev->field) == -1 ||
	    dup_opt(&it->label, ev->label) == -1 ||
	    dup_opt(&it->unit, ev->unit) == -1 ||
	    dup_opt(&it->warning, ev->warning) == -1 ||
	    dup_opt(&it->critical, ev->critical) == -1)
		goto fail;
	if (ev->text != NULL && ev->text[0] != '\0') {
		if (dup_opt(&it->text, ev->text) == -1)
			goto fail;
	} else {
		it->text = default_text(it);
		if (it->text == NULL)
			goto fail;
	}
	if (ev->key != NULL && ev->key[0] != '\0') {
		if (dup_opt(&it->key, ev->key) == -1)
			goto fail;
	} else {
		/* no engine key: one from what identifies the change */
		uint64_t h = fnv1a(FNV_BASIS, it->host);

		h = fnv1a(h, it->service != NULL ? it->service : "");
		h = fnv1a(h, it->field != NULL ? it->field : "");
		h = fnv1a(h, field_state_str(it->state));
		snprintf(key, sizeof(key), "%016llx-%lld",
		    (unsigned long long)h, (long long)it->since);
		if (dup_opt(&it->key, key) == -1)
			goto fail;
	}
	return 0;
fail:
	notify_item_cleanup(it);
	errno = ENOMEM;
	return -1;
}

int
notify_item_copy(struct notify_item *dst, const struct notify_item *src)
{
	*dst = *src;
	if (dup_opt(&dst->host, src->host) == -1 ||
	    dup_opt(&dst->service, src->service) == -1 ||
	    dup_opt(&dst->field, src->field) == -1 ||
	    dup_opt(&dst->label, src->label) == -1 ||
	    dup_opt(&dst->unit, src->unit) == -1 ||
	    dup_opt(&dst->warning, src->warning) == -1 ||
	    dup_opt(&dst->critical, src->critical) == -1 ||
	    dup_opt(&dst->text, src->text) == -1 ||
	    dup_opt(&dst->key, src->key) == -1) {
		notify_item_cleanup(dst);
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

void
notify_item_cleanup(struct notify_item *it)
{
	free(it->host);
	free(it->service);
	free(it->field);
	free(it->label);
	free(it->unit);
	free(it->warning);
	free(it->critical);
	free(it->text);
	free(it->key);
	memset(it, 0, sizeof(*it));
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

json_t *
notify_item_json(const struct notify_item *it)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	json_object_set_new(o, "host", json_string(it->host));
	json_object_set_new(o, "service", str_or_null(it->service));
	json_object_set_new(o, "field", str_or_null(it->field));
	json_object_set_new(o, "label", json_string(item_what(it)));
	json_object_set_new(
	    o, "state", json_string(field_state_str(it->state)));
	json_object_set_new(
	    o, "previous_state", json_string(field_state_str(it->prev)));
	json_object_set_new(o, "value",
	    it->has_value && isfinite(it->value) ? json_real(it->value)
						 : json_null());
	json_object_set_new(o, "unit", json_string(it->unit ? it->unit : ""));
	json_object_set_new(o, "warning", str_or_null(it->warning));
	json_object_set_new(o, "critical", str_or_null(it->critical));
	json_object_set_new(o, "since", json_integer((json_int_t)it->since));
	json_object_set_new(o, "when", json_integer((json_int_t)it->when));
	json_object_set_new(o, "host_down", json_boolean(it->host_down));
	json_object_set_new(o, "renotify", json_boolean(it->renotify));
	json_object_set_new(o, "recovery",
	    json_boolean(it->state == FS_OK && it->prev != FS_OK));
	json_object_set_new(o, "text", json_string(it->text ? it->text : ""));
	json_object_set_new(o, "dedupe_key", json_string(it->key));
	return o;
}

static int
get_str(const json_t *o, const char *k, bool required, char **out)
{
	const json_t *v = json_object_get(o, k);

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return required ? -1 : 0;
	if (!json_is_string(v))
		return -1;
	*out = strdup(json_string_value(v));
	return *out == NULL ? -1 : 0;
}

int
notify_item_from_json(struct notify_item *it, const json_t *o)
{
	const json_t *v;

	memset(it, 0, sizeof(*it));
	if (!json_is_object(o))
		return -1;
	if (get_str(o, "host", true, &it->host) == -1 ||
	    get_str(o, "service", false, &it->service) == -1 ||
	    get_str(o, "field", false, &it->field) == -1 ||
	    get_str(o, "label", false, &it->label) == -1 ||
	    get_str(o, "unit", false, &it->unit) == -1 ||
	    get_str(o, "warning", false, &it->warning) == -1 ||
	    get_str(o, "critical", false, &it->critical) == -1 ||
	    get_str(o, "text", false, &it->text) == -1 ||
	    get_str(o, "dedupe_key", true, &it->key) == -1)
		goto fail;
	v = json_object_get(o, "state");
	if (!json_is_string(v) ||
	    notify_state_parse(json_string_value(v), &it->state) == -1)
		goto fail;
	v = json_object_get(o, "previous_state");
	if (!json_is_string(v) ||
	    notify_state_parse(json_string_value(v), &it->prev) == -1)
		goto fail;
	v = json_object_get(o, "value");
	if (json_is_number(v)) {
		it->has_value = true;
		it->value = json_number_value(v);
	}
	it->since = (time_t)json_integer_value(json_object_get(o, "since"));
	it->when = (time_t)json_integer_value(json_object_get(o, "when"));
	it->host_down = json_is_true(json_object_get(o, "host_down"));
	it->renotify = json_is_true(json_object_get(o, "renotify"));
	return 0;
fail:
	notify_item_cleanup(it);
	return -1;
}

int
notify_state_rank(enum field_state s)
{
	switch (s) {
	case FS_OK:
		return 0;
	case FS_WARNING:
		return 1;
	case FS_UNKNOWN:
		return 2;
	case FS_CRITICAL:
		return 3;
	}
	return 0;
}

int
notify_state_parse(const char *s, enum field_state *out)
{
	static const enum field_state all[] = {
	    FS_OK, FS_WARNING, FS_CRITICAL, FS_UNKNOWN};
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcmp(s, field_state_str(all[i])) == 0) {
			*out = all[i];
			return 0;
		}
	}
	return -1;
}

static unsigned
sev_bit(enum field_state s)
{
	switch (s) {
	case FS_WARNING:
		return CONTACT_SEV_WARNING;
	case FS_CRITICAL:
		return CONTACT_SEV_CRITICAL;
	case FS_UNKNOWN:
		return CONTACT_SEV_UNKNOWN;
	case FS_OK:
		break;
	}
	return 0;
}

enum notify_kind
notify_classify(const struct alert_event *ev, unsigned sev, bool recovery)
{
	if (ev->state == FS_OK) {
		/* a recovery only for whom the problem was a page */
		if (ev->prev != FS_OK && recovery && (sev & sev_bit(ev->prev)))
			return NK_RECOVERY;
		return NK_NONE;
	}
	return (sev & sev_bit(ev->state)) ? NK_PROBLEM : NK_NONE;
}

unsigned
notify_backoff(unsigned failures, unsigned min_s, unsigned max_s)
{
	unsigned d = min_s;

	while (failures-- > 1 && d < max_s)
		d = d > max_s / 2 ? max_s : d * 2;
	return d < max_s ? d : max_s;
}

static bool
same_key(const struct notify_slot *s, const char *contact, int channel,
    const char *host)
{
	return s->channel == channel && strcmp(s->contact, contact) == 0 &&
	       strcmp(s->host, host) == 0;
}

uint64_t
notify_group_due(const struct notify_slot *v, size_t n, const char *contact,
    int channel, const char *host, uint64_t now_ms, uint64_t burst_until_ms)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].waiting && !v[i].busy &&
		    same_key(&v[i], contact, channel, host))
			return v[i].due_ms;
	return burst_until_ms > now_ms ? burst_until_ms : now_ms;
}

size_t
notify_pick_batch(const struct notify_slot *v, size_t n, uint64_t now_ms,
    size_t max, size_t *idx)
{
	size_t i, first, k = 0;

	for (first = 0; first < n; first++)
		if (!v[first].busy && v[first].due_ms <= now_ms)
			break;
	if (first == n || max == 0)
		return 0;
	idx[k++] = first;
	for (i = first + 1; i < n && k < max; i++)
		if (!v[i].busy && v[i].due_ms <= now_ms &&
		    same_key(&v[i], v[first].contact, v[first].channel,
			v[first].host))
			idx[k++] = i;
	return k;
}

const char *
notify_page_key(
    const struct notify_item *const *v, size_t n, char *buf, size_t len)
{
	uint64_t h = FNV_BASIS;
	size_t i;

	if (n == 1) {
		/* from a spool file, maybe: never a second header line */
		snprintf(buf, len, "%s", v[0]->key);
		for (i = 0; buf[i] != '\0'; i++)
			if ((unsigned char)buf[i] <= ' ' ||
			    (unsigned char)buf[i] >= 0x7f)
				buf[i] = '_';
		return buf;
	}
	for (i = 0; i < n; i++) {
		h = fnv1a(h, v[i]->key);
		h = fnv1a(h, "\n");
	}
	snprintf(buf, len, "group-%016llx", (unsigned long long)h);
	return buf;
}

static size_t
worst_index(const struct notify_item *const *v, size_t n)
{
	size_t i, w = 0;

	for (i = 1; i < n; i++)
		if (notify_state_rank(v[i]->state) >
		    notify_state_rank(v[w]->state))
			w = i;
	return w;
}

void
notify_subject(
    const struct notify_item *const *v, size_t n, char *buf, size_t len)
{
	const struct notify_item *w = v[worst_index(v, n)];
	char val[96];
	size_t i, problems = 0;

	if (n == 1) {
		item_value(w, val, sizeof(val));
		snprintf(buf, len, "%s %s %s%s%s%s", field_state_str(w->state),
		    w->host, item_what(w), w->host_down ? " down" : "",
		    val[0] ? " " : "", val);
	} else {
		for (i = 0; i < n; i++)
			if (v[i]->state != FS_OK)
				problems++;
		if (problems == n)
			snprintf(buf, len, "%s %s %zu problems",
			    field_state_str(w->state), w->host, n);
		else if (problems == 0)
			snprintf(buf, len, "OK %s %zu recoveries", w->host, n);
		else
			snprintf(buf, len, "%s %s %zu problems, %zu recovered",
			    field_state_str(w->state), w->host, problems,
			    n - problems);
	}
	for (i = 0; buf[i] != '\0'; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = ' ';
}

char *
notify_webhook_body(const struct notify_item *const *v, size_t n)
{
	const struct notify_item *w = v[worst_index(v, n)];
	json_t *top = NULL, *items = NULL, *it;
	char key[128], subj[512], *out = NULL;
	size_t i;

	if (n == 1)
		top = notify_item_json(v[0]);
	else
		top = json_object();
	items = json_array();
	if (top == NULL || items == NULL)
		goto free_json;
	notify_page_key(v, n, key, sizeof(key));
	notify_subject(v, n, subj, sizeof(subj));
	json_object_set_new(top, "host", json_string(w->host));
	json_object_set_new(
	    top, "state", json_string(field_state_str(w->state)));
	json_object_set_new(top, "dedupe_key", json_string(key));
	json_object_set_new(top, "summary", json_string(subj));
	if (n > 1)
		json_object_set_new(top, "text", json_string(subj));
	json_object_set_new(top, "count", json_integer((json_int_t)n));
	for (i = 0; i < n; i++) {
		it = notify_item_json(v[i]);
		if (it == NULL || json_array_append_new(items, it) == -1)
			goto free_json;
	}
	json_object_set(top, "items", items);
	out = json_dumps(top, JSON_COMPACT | JSON_REAL_PRECISION(10));
free_json:
	json_decref(items);
	json_decref(top);
	return out;
}

/* RFC 5322 date in UTC, independent of the locale. */
static void
rfc5322_date(time_t t, char *buf, size_t len)
{
	static const char *const wd[] = {
	    "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
	static const char *const mo[] = {"Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) { /* not a date: the epoch, not junk */
		t = 0;
		gmtime_r(&t, &tm);
	}
	snprintf(buf, len, "%s, %02d %s %04d %02d:%02d:%02d +0000",
	    wd[tm.tm_wday], tm.tm_mday, mo[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* RFC 2047 "B" encoding when s has 8-bit bytes, else s as it is. */
static void
header_text(const char *s, char *buf, size_t len)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o, n = strlen(s);
	bool eight = false;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] >= 0x80)
			eight = true;
	if (!eight || len < 16) {
		snprintf(buf, len, "%s", s);
		return;
	}
	o = (size_t)snprintf(buf, len, "=?UTF-8?B?");
	for (i = 0; i < n && o + 7 < len; i += 3) {
		unsigned c0 = (unsigned char)s[i];
		unsigned c1 = i + 1 < n ? (unsigned char)s[i + 1] : 0;
		unsigned c2 = i + 2 < n ? (unsigned char)s[i + 2] : 0;

		buf[o++] = b64[c0 >> 2];
		buf[o++] = b64[((c0 & 3) << 4) | (c1 >> 4)];
		buf[o++] = i + 1 < n ? b64[((c1 & 15) << 2) | (c2 >> 6)] : '=';
		buf[o++] = i + 2 < n ? b64[c2 & 63] : '=';
	}
	snprintf(buf + o, len - o, "?=");
}

static bool
isalnum_ascii(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9');
}

/* key with anything but [A-Za-z0-9.-_] as '_': a safe msg-id part. */
static void
msgid_part(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = (isalnum_ascii(s[i]) || s[i] == '.' || s[i] == '-' ||
			     s[i] == '_')
			     ? s[i]
			     : '_';
	buf[i] = '\0';
}

/* Text with CR and LF turned into spaces (header safety). */
static void
one_line(const char *s, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "%s", s != NULL ? s : "");
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '\r' || buf[i] == '\n')
			buf[i] = ' ';
}

/* ISO 8601 UTC, for bodies; "@EPOCH" for a time gmtime cannot show (a
 * spool file may hold any integer). */
static void
iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, len, "@%lld", (long long)t);
		return;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

char *
notify_email(const struct notify_item *const *v, size_t n, const char *from,
    const char *to, time_t date)
{
	struct buf b = {0};
	const char *dom = strrchr(from, '@');
	char subj[512], hsubj[1024], key[128], idk[128], idd[128], line[1024];
	char ds[64], val[96];
	size_t i;

	notify_subject(v, n, subj, sizeof(subj));
	header_text(subj, hsubj, sizeof(hsubj));
	notify_page_key(v, n, key, sizeof(key));
	msgid_part(key, idk, sizeof(idk));
	msgid_part(dom != NULL ? dom + 1 : "drover.invalid", idd, sizeof(idd));
	rfc5322_date(date, ds, sizeof(ds));
	buf_printf(&b,
	    "From: drover <%s>\r\nTo: <%s>\r\nDate: %s\r\nSubject: %s\r\n"
	    "Message-ID: <drover.%s@%s>\r\nMIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "Auto-Submitted: auto-generated\r\n"
	    "X-Drover-Dedupe-Key: %s\r\n\r\n",
	    from, to, ds, hsubj, idk, idd, key);
	for (i = 0; i < n; i++) {
		const struct notify_item *it = v[i];

		one_line(it->text, line, sizeof(line));
		buf_printf(&b, "%s%s%s\r\n", n > 1 ? "* " : "",
		    it->renotify ? "Still: " : "", line);
		item_value(it, val, sizeof(val));
		buf_printf(&b, "  %s -> %s", field_state_str(it->prev),
		    field_state_str(it->state));
		if (val[0] != '\0')
			buf_printf(&b, ", value %s", val);
		if (it->warning != NULL) {
			one_line(it->warning, line, sizeof(line));
			buf_printf(&b, ", warning %s", line);
		}
		if (it->critical != NULL) {
			one_line(it->critical, line, sizeof(line));
			buf_printf(&b, ", critical %s", line);
		}
		iso_time(it->since, ds, sizeof(ds));
		one_line(it->key, line, sizeof(line));
		buf_printf(&b, "\r\n  since %s, key %s\r\n", ds, line);
	}
	buf_printf(&b, "\r\n-- \r\ndrover\r\n");
	return buf_take(&b, NULL);
}
