/*
 * munin_proto: parsers for munin-node replies.  See munin_proto.h for the
 * contract and where it departs from Munin::Master::Node.
 *
 * Each reply line is copied into a bounded, NUL-terminated buffer and then
 * classified in the order Munin's regular expressions are tried; the
 * comments beside each case give the expression being matched.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/munin_proto.h"

#define BANNER_PREFIX "# munin node at "

/* Munin's placeholder for a field whose config has no label. */
#define NO_LABEL "No .label provided"
#define NO_LABEL_NOTE                                                          \
	"NOTE: The plugin did not provide any label for the data source %s.  " \
	"It is in need of fixing."

/* Perl's \s. */
static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

/* Perl's \w without locale or Unicode: [A-Za-z0-9_]. */
static bool
is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

static const char *
skip_space(const char *s)
{
	while (is_space(*s))
		s++;
	return s;
}

/* Length of the run at s of characters that are not white space. */
static size_t
word_len(const char *s)
{
	size_t n = 0;

	while (s[n] != '\0' && !is_space(s[n]))
		n++;
	return n;
}

/* Whether s starts with the word w followed by white space. */
static bool
starts_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	return strncmp(s, w, n) == 0 && is_space(s[n]);
}

int
mproto_parse_banner(const char *line, char *name, size_t namelen)
{
	const char *s;
	size_t n;

	if (strncmp(line, BANNER_PREFIX, strlen(BANNER_PREFIX)) != 0)
		return -1;
	s = skip_space(line + strlen(BANNER_PREFIX));
	n = strlen(s);
	while (n > 0 && is_space(s[n - 1]))
		n--;
	if (n == 0 || n >= namelen)
		return -1;
	memcpy(name, s, n);
	name[n] = '\0';
	return 0;
}

unsigned
mproto_parse_cap(const char *line)
{
	const char *s;
	unsigned caps = 0;
	size_t n;

	if (strncmp(line, "cap", 3) != 0 ||
	    (line[3] != '\0' && !is_space(line[3])))
		return 0;
	for (s = skip_space(line + 3); *s != '\0'; s = skip_space(s + n)) {
		n = word_len(s);
		if (n == 10 && strncmp(s, "multigraph", n) == 0)
			caps |= MPROTO_CAP_MULTIGRAPH;
		else if (n == 11 && strncmp(s, "dirtyconfig", n) == 0)
			caps |= MPROTO_CAP_DIRTYCONFIG;
	}
	return caps;
}

int
mproto_parse_list(const char *line, struct strlist *out)
{
	char name[MPROTO_MAX_NAME + 1];
	const char *s;
	size_t n;

	if (line[0] == '#') {
		errno = EBADMSG;
		return -1;
	}
	for (s = skip_space(line); *s != '\0'; s = skip_space(s + n)) {
		n = word_len(s);
		if (n > MPROTO_MAX_NAME)
			continue;
		memcpy(name, s, n);
		name[n] = '\0';
		if (strlist_contains(out, name))
			continue;
		if (strlist_add(out, name) == -1)
			return -1;
	}
	return 0;
}

bool
mproto_list_same(const char *line, const struct strlist *l)
{
	const char *s;
	size_t n, k = 0, j;

	if (line[0] == '#')
		return false;
	for (s = skip_space(line); *s != '\0'; s = skip_space(s + n)) {
		n = word_len(s);
		if (n > MPROTO_MAX_NAME)
			continue;
		if (k < l->n && strncmp(l->v[k], s, n) == 0 &&
		    l->v[k][n] == '\0') {
			k++;
			continue;
		}
		/* a name repeated: parsing skips it */
		for (j = 0; j < k; j++)
			if (strncmp(l->v[j], s, n) == 0 && l->v[j][n] == '\0')
				break;
		if (j == k)
			return false;
	}
	return k == l->n;
}

bool
mproto_is_end(const char *line)
{
	/* every line of a reply is asked: most fail at the first byte */
	if (line[0] != '.')
		return false;
	line++;
	return line[0] == '\0' || strcmp(line, "\n") == 0 ||
	       strcmp(line, "\r") == 0 || strcmp(line, "\r\n") == 0;
}

static const char *const status_names[] = {
    [MPROTO_OK] = "ok",
    [MPROTO_UNKNOWN_SERVICE] = "unknown service",
    [MPROTO_TIMED_OUT] = "timed out",
    [MPROTO_BAD_EXIT] = "bad exit",
    [MPROTO_EMPTY] = "empty reply",
    [MPROTO_NOMEM] = "out of memory",
};

const char *
mproto_status_str(enum mproto_status s)
{
	if ((size_t)s >= sizeof(status_names) / sizeof(status_names[0]))
		return "invalid status";
	return status_names[s];
}

/* What handling one line came to. */
enum verdict { LINE_OK, LINE_BAD, LINE_NOMEM, LINE_DROPPED };

/* Whether one more field or service would pass the reply's bound. */
static bool
room(const struct mproto_parser *p)
{
	return p->max_entries == 0 || p->entries < p->max_entries;
}

/*
 * The current service in *out, appended to b on first use (so that a
 * plugin's own service exists only if a line belongs to it).  An index,
 * not a pointer, is kept: b->services moves as it grows.
 */
static enum verdict
current_service(struct mproto_parser *p, struct service **out)
{
	struct service *s;

	if (p->idx != SIZE_MAX) {
		*out = &p->b->services[p->idx];
		return LINE_OK;
	}
	p->flast = SIZE_MAX;
	/* a fetch's services come in the order of the replayed config */
	if (p->snext < p->b->n &&
	    strcmp(p->b->services[p->snext].name, p->cur) == 0)
		s = &p->b->services[p->snext];
	else
		s = batch_service(p->b, p->cur, false);
	if (s == NULL) {
		if (!room(p))
			return LINE_DROPPED;
		s = batch_service(p->b, p->cur, true);
		if (s == NULL)
			return LINE_NOMEM;
		p->entries++;
	}
	p->idx = (size_t)(s - p->b->services);
	p->snext = p->idx + 1;
	if (p->config)
		s->has_config = true;
	*out = s;
	return LINE_OK;
}

/*
 * The field f of s if it is called name: the lookup's shortcut, as a
 * field's config lines come together and a fetch's values come in the
 * order of the replayed config.
 */
static struct field *
field_at(struct service *s, size_t f, const char *name)
{
	return f < s->nfields && strcmp(s->fields[f].name, name) == 0
		   ? &s->fields[f]
		   : NULL;
}

/*
 * The field called raw (not yet sanitised, len bytes) of the current
 * service in *out, created when missing.
 */
static enum verdict
current_field(
    struct mproto_parser *p, const char *raw, size_t len, struct field **out)
{
	char name[MPROTO_MAX_NAME + 1];
	struct service *s;
	enum verdict v;

	if (len > MPROTO_MAX_NAME)
		return LINE_BAD;
	memcpy(name, raw, len);
	name[len] = '\0';
	sanitise_fieldname(name, name, sizeof(name));
	v = current_service(p, &s);
	if (v != LINE_OK)
		return v;
	*out = field_at(s, p->flast, name);
	if (*out == NULL)
		*out = field_at(s, p->flast + 1, name); /* SIZE_MAX + 1: 0 */
	if (*out == NULL)
		*out = service_field(s, name, false);
	if (*out == NULL) {
		if (!room(p))
			return LINE_DROPPED;
		*out = service_field(s, name, true);
		if (*out == NULL)
			return LINE_NOMEM;
		p->entries++;
	}
	p->flast = (size_t)(*out - s->fields);
	return LINE_OK;
}

/* Sets key of a to value unless that would pass MPROTO_MAX_ATTRS. */
static enum verdict
attr_set(struct attrs *a, const char *key, const char *value)
{
	if (a->n >= MPROTO_MAX_ATTRS && attrs_get(a, key) == NULL)
		return LINE_BAD;
	return attrs_set(a, key, value) == -1 ? LINE_NOMEM : LINE_OK;
}

/*
 * A value as Munin sends it: "U", "NUMBER" or "EPOCH:NUMBER" (the epoch
 * part is /^(\d+):(.+)$/).  Sets f's value; false when the value is not
 * understood (it is then stored as unknown).
 */
static bool
set_value(struct field *f, const char *s)
{
	long long when;
	size_t digits;
	double v;
	char *end;

	f->has_value = true;
	f->unknown = true;
	f->value = 0;
	f->when = 0;
	digits = strspn(s, "0123456789");
	if (digits > 0 && s[digits] == ':' && s[digits + 1] != '\0') {
		errno = 0;
		when = strtoll(s, &end, 10);
		if (errno != 0 || (long long)(time_t)when != when)
			return false;
		f->when = (time_t)when;
		s += digits + 1;
	}
	if (strcmp(s, "U") == 0)
		return true;
	if (s[0] == '\0' || is_space(s[0]))
		return false;
	v = strtod(s, &end);
	if (*end != '\0' || !isfinite(v))
		return false;
	f->unknown = false;
	f->value = v;
	return true;
}

/* Munin's rules for a multigraph service name. */
static bool
valid_service_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > MPROTO_MAX_NAME || strcmp(s, "multigraph") == 0)
		return false;
	/* /(^\.|\.$|\.\.)/ */
	if (s[0] == '.' || s[n - 1] == '.' || strstr(s, "..") != NULL)
		return false;
	/* m/^[-\w.:.]+$/ */
	for (i = 0; i < n; i++)
		if (!is_word(s[i]) && s[i] != '-' && s[i] != '.' && s[i] != ':')
			return false;
	return true;
}

/* "multigraph NAME" (line starts with the word): switch service. */
static enum verdict
multigraph_line(struct mproto_parser *p, const char *line)
{
	const char *name = skip_space(line + strlen("multigraph"));
	struct service *s;
	enum verdict v;

	if (!valid_service_name(name)) {
		/* Munin gives up on the rest of the reply. */
		p->stop = true;
		return LINE_BAD;
	}
	strcpy(p->cur, name);
	p->idx = SIZE_MAX;
	v = current_service(p, &s);
	if (v == LINE_OK)
		p->stored++;
	return v;
}

/*
 * A "#" answer or comment.  Munin treats "# timeout" anywhere in any line
 * as the end; munin-node itself answers "# Timed out" (which Munin's
 * master does not recognise: it sees an empty reply).
 */
static void
comment_line(struct mproto_parser *p, const char *line)
{
	enum mproto_status s = MPROTO_OK;

	if (strncmp(line, "# Unknown service", 17) == 0)
		s = MPROTO_UNKNOWN_SERVICE;
	else if (strncmp(line, "# Timed out", 11) == 0)
		s = MPROTO_TIMED_OUT;
	else if (strncmp(line, "# Bad exit", 10) == 0)
		s = MPROTO_BAD_EXIT;
	if (p->status == MPROTO_OK)
		p->status = s;
}

static enum verdict
config_line(struct mproto_parser *p, const char *line)
{
	char key[MPROTO_MAX_NAME + 1];
	const char *rest, *val;
	struct service *s;
	struct field *f;
	enum verdict v;
	size_t k, a;

	if (starts_word(line, "multigraph"))
		return multigraph_line(p, line);

	/* m{\A ([^\s\.]+) \s+ (.+?) \s* $}: graph attribute, first wins */
	k = 0;
	while (line[k] != '\0' && line[k] != '.' && !is_space(line[k]))
		k++;
	if (k > 0 && is_space(line[k])) {
		if (k > MPROTO_MAX_NAME)
			return LINE_BAD;
		memcpy(key, line, k);
		key[k] = '\0';
		sanitise_fieldname(key, key, sizeof(key));
		v = current_service(p, &s);
		if (v == LINE_OK && attrs_get(&s->graph, key) == NULL)
			v = attr_set(&s->graph, key, skip_space(line + k));
		if (v == LINE_OK)
			p->stored++;
		return v;
	}

	/* everything else starts with m{\A ([^\.]+)\.} */
	k = strcspn(line, ".");
	if (k == 0 || line[k] != '.')
		return LINE_BAD;
	rest = line + k + 1;

	/* m{\A ([^\.]+)\.value \s+ (.+?) \s* $}: dirtyconfig value */
	if (starts_word(rest, "value")) {
		v = current_field(p, line, k, &f);
		if (v != LINE_OK)
			return v;
		p->stored++;
		return set_value(f, skip_space(rest + 5)) ? LINE_OK : LINE_BAD;
	}

	/* m{\A ([^\.]+)\.([^\s]+) \s+ (.+?) \s* $}: field attribute */
	a = word_len(rest);
	if (a == 0)
		return LINE_BAD;
	/* m{\A ([^\.]+)\.([^\s]+) \s* $}: no value, ignored as in Munin */
	if (rest[a] == '\0')
		return LINE_OK;
	if (a > MPROTO_MAX_NAME)
		return LINE_BAD;
	memcpy(key, rest, a);
	key[a] = '\0';
	val = skip_space(rest + a);
	v = current_field(p, line, k, &f);
	if (v == LINE_OK)
		v = attr_set(&f->attrs, key, val);
	if (v == LINE_OK)
		p->stored++;
	return v;
}

static enum verdict
fetch_line(struct mproto_parser *p, const char *line)
{
	char tok[MPROTO_MAX_LINE + 1];
	const char *rest, *v;
	struct field *f;
	enum verdict vd;
	size_t k, n;

	if (starts_word(line, "multigraph"))
		return multigraph_line(p, line);

	k = strcspn(line, ".");
	if (k == 0 || line[k] != '.')
		return LINE_BAD;
	rest = line + k + 1;

	/* m{\A ([^\.]+)\.value \s+ ([\S:]+) }: first word is the value */
	if (starts_word(rest, "value")) {
		v = skip_space(rest + 5);
		n = word_len(v);
		memcpy(tok, v, n);
		tok[n] = '\0';
		vd = current_field(p, line, k, &f);
		if (vd != LINE_OK)
			return vd;
		p->stored++;
		return set_value(f, tok) ? LINE_OK : LINE_BAD;
	}

	/* m{\A ([^\.]+)\.extinfo \s+ (.+?) \s* $} */
	if (starts_word(rest, "extinfo")) {
		vd = current_field(p, line, k, &f);
		if (vd == LINE_OK)
			vd = attr_set(
			    &f->attrs, "extinfo", skip_space(rest + 7));
		if (vd == LINE_OK)
			p->stored++;
		return vd;
	}
	return LINE_BAD;
}

/* Munin's _validate_data_sources: every configured field has a label. */
static int
default_labels(struct batch *b)
{
	char note[sizeof(NO_LABEL_NOTE) + MPROTO_MAX_NAME];
	struct service *s;
	struct field *f;
	size_t i, j;

	for (i = 0; i < b->n; i++) {
		s = &b->services[i];
		if (!s->has_config)
			continue;
		for (j = 0; j < s->nfields; j++) {
			f = &s->fields[j];
			if (attrs_get(&f->attrs, "label") != NULL)
				continue;
			snprintf(note, sizeof(note), NO_LABEL_NOTE, f->name);
			if (attrs_set(&f->attrs, "label", NO_LABEL) == -1 ||
			    attrs_set(&f->attrs, "extinfo", note) == -1)
				return -1;
		}
	}
	return 0;
}

/*
 * Copy the line at start (n bytes, no LF) into line (MPROTO_MAX_LINE + 1
 * bytes) without trailing white space.  False for a line that is too long
 * or holds a NUL byte (which no text protocol line has).
 */
static bool
copy_line(const char *start, size_t n, char *line)
{
	while (n > 0 && is_space(start[n - 1]))
		n--;
	if (n > MPROTO_MAX_LINE || memchr(start, '\0', n) != NULL)
		return false;
	memcpy(line, start, n);
	line[n] = '\0';
	return true;
}

void
mproto_parser_init(struct mproto_parser *p, bool config, const char *plugin,
    struct batch *b, const struct mproto_limits *lim)
{
	size_t i;

	memset(p, 0, sizeof(*p));
	p->b = b;
	p->config = config;
	p->idx = SIZE_MAX;
	p->flast = SIZE_MAX;
	p->status = MPROTO_OK;
	p->max_entries = lim != NULL ? lim->max_entries : 0;
	for (i = 0; i < b->n; i++)
		p->entries += 1 + b->services[i].nfields;
	sanitise_plugin_name(plugin, p->cur, sizeof(p->cur));
}

bool
mproto_parser_line(struct mproto_parser *p, const char *start, size_t n)
{
	char line[MPROTO_MAX_LINE + 1];
	enum verdict v;

	if (p->stop || p->done)
		return false;
	/* the "." line ends the reply; Munin strips CR before */
	if ((n == 1 && start[0] == '.') ||
	    (n == 2 && start[0] == '.' && start[1] == '\r')) {
		p->done = true;
		return false;
	}
	p->lines++;
	if (!copy_line(start, n, line)) {
		p->bad++;
		return true;
	}
	/* Munin: "# timeout" anywhere aborts; empty and "#" skip */
	if (strstr(line, "# timeout") != NULL) {
		p->status = MPROTO_TIMED_OUT;
		p->stop = true;
		return false;
	}
	if (line[0] == '\0')
		return true;
	if (line[0] == '#') {
		comment_line(p, line);
		return true;
	}
	v = p->config ? config_line(p, line) : fetch_line(p, line);
	if (v == LINE_NOMEM) {
		p->status = MPROTO_NOMEM;
		p->stop = true;
	} else if (v == LINE_BAD)
		p->bad++;
	else if (v == LINE_DROPPED)
		p->dropped++;
	return !p->stop;
}

enum mproto_status
mproto_parser_end(struct mproto_parser *p, struct mproto_stats *st)
{
	if (p->config && p->status != MPROTO_NOMEM &&
	    default_labels(p->b) == -1)
		p->status = MPROTO_NOMEM;
	if (st != NULL) {
		st->lines += p->lines;
		st->bad_lines += p->bad;
		st->dropped += p->dropped;
	}
	if (p->status != MPROTO_OK)
		return p->status;
	return p->stored == 0 ? MPROTO_EMPTY : MPROTO_OK;
}

enum mproto_status
mproto_parse(const char *buf, size_t len, bool config, const char *plugin,
    struct batch *b, const struct mproto_limits *lim, struct mproto_stats *st)
{
	struct mproto_parser p;
	const char *start, *nl;
	size_t off, n;

	mproto_parser_init(&p, config, plugin, b, lim);
	for (off = 0; off < len; off += n + (nl != NULL)) {
		start = buf + off;
		nl = memchr(start, '\n', len - off);
		n = nl != NULL ? (size_t)(nl - start) : len - off;
		if (!mproto_parser_line(&p, start, n))
			break;
	}
	return mproto_parser_end(&p, st);
}

enum mproto_status
mproto_parse_config(const char *buf, size_t len, const char *plugin,
    struct batch *b, struct mproto_stats *st)
{
	return mproto_parse(buf, len, true, plugin, b, NULL, st);
}

enum mproto_status
mproto_parse_fetch(const char *buf, size_t len, const char *plugin,
    struct batch *b, struct mproto_stats *st)
{
	return mproto_parse(buf, len, false, plugin, b, NULL, st);
}
