/*
 * contact_text: munin-limits' message templates; see contact_text.h.  The
 * engine follows Munin::Master::LimitsOld::message_expand line by line;
 * the built-in templates are copied verbatim from LimitsOld.pm
 * %default_text.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/contact_text.h"
#include "lib/buf.h"

/* ---- munin-limits' view of a service ------------------------------- */

/* get_limits(): the text munin-limits shows as crange/wrange ("min:max"
 * with an unset side empty), and whether the limit counts as set.  A
 * critical of ":" is set, a warning of ":" is not (LimitsOld.pm's
 * asymmetry); text that is no range at all reads as 0:0. */
static bool
limit_text(const char *s, bool critical, char *out, size_t len)
{
	const char *b, *e, *colon;
	size_t n;

	snprintf(out, len, ":");
	if (s == NULL)
		return false;
	for (b = s; isspace((unsigned char)*b); b++)
		;
	for (e = b + strlen(b); e > b && isspace((unsigned char)e[-1]); e--)
		;
	n = (size_t)(e - b);
	colon = memchr(b, ':', n);
	if (strspn(b, "-+0123456789.:") < n ||
	    (colon != NULL &&
		memchr(colon + 1, ':', (size_t)(e - colon - 1)))) {
		snprintf(out, len, "0:0");
		return true;
	}
	if (colon == NULL && n > 0) {
		snprintf(out, len, ":%.*s", (int)n, b);
		return true;
	}
	if (colon == NULL) {
		snprintf(out, len, "0:0"); /* "" matches neither pattern */
		return true;
	}
	if (!critical && n == 1)
		return false;
	snprintf(out, len, "%.*s", (int)n, b);
	return true;
}

bool
contact_field_limits(
    const struct contact_field *f, char *w, char *c, size_t len)
{
	bool hw = limit_text(attrs_get(f->attrs, "warning"), false, w, len);
	bool hc = limit_text(attrs_get(f->attrs, "critical"), true, c, len);

	return hw || hc;
}

/* Where /bin/sh's lexer stands at the end of the command built so far.
 * Only what a value's quoting depends on is modelled; anything else
 * (backquotes, $(...), $'...', comments, here-documents)
 * is UNSURE for the rest of the command. */
enum sh_state { SH_UNQUOTED, SH_SINGLE, SH_DOUBLE, SH_UNSURE };

struct shq {
	enum sh_state st;
	size_t pos;  /* bytes of the command already scanned */
	bool escape; /* the last byte was an unquoted '\\' */
	char prev;   /* the last byte scanned, 0 after an escaped one */
};

struct ctx {
	const struct contact_msg *m;
	const struct contact_field *f; /* NULL: service level */
	struct shq *sh; /* building a command: quote every value; NULL:
			   values go in as they are */
};

static const char *const state_names[] = {
    "ok", "warning", "critical", "unknown"};

/* Space-separated names of the fields with limits in state s ("foks":
 * recovered, falling back to every OK field). */
static void
field_list(const struct contact_msg *m, const char *which, struct buf *d)
{
	char w[64], c[64];
	size_t i;
	int s;
	bool foks = strcmp(which, "fo") == 0, any = false;

	for (s = 0; s < 4; s++)
		if (which[0] == state_names[s][0] && which[1] == '\0')
			break;
	if (foks)
		s = FS_OK;
	for (i = 0; i < m->nfields; i++) {
		if (!contact_field_limits(&m->fields[i], w, c, sizeof(w)))
			continue;
		if ((int)m->fields[i].state != s ||
		    (foks && !m->fields[i].recovered))
			continue;
		if (d->len > 0)
			buf_puts(d, " ");
		buf_puts(d, m->fields[i].name);
		any = true;
	}
	if (foks && !any)
		field_list(m, "o", d);
}

static int
worst(const struct contact_msg *m)
{
	char w[64], c[64];
	int id = 0;
	size_t i;

	for (i = 0; i < m->nfields; i++) {
		if (!contact_field_limits(&m->fields[i], w, c, sizeof(w)))
			continue;
		if (m->fields[i].state == FS_CRITICAL)
			id = 2;
		else if (m->fields[i].state == FS_WARNING && id != 2)
			id = 1;
		else if (m->fields[i].state == FS_UNKNOWN && id == 0)
			id = 3;
	}
	return id;
}

/* munin_get(hash, key, ""): the field's own values, then its config,
 * then the service's.  Appends to d; false when unset. */
static bool
lookup(const struct ctx *x, const char *key, struct buf *d)
{
	static const char *const worst_names[] = {
	    "OK", "WARNING", "CRITICAL", "UNKNOWN"};
	static const char *const lists[] = {
	    "cfields", "wfields", "ufields", "fofields", "ofields"};
	static const char *const which[] = {"c", "w", "u", "fo", "o"};
	const struct contact_msg *m = x->m;
	char w[64], c[64], buf[64];
	struct buf t = {0};
	const char *v;
	size_t i, j;
	int n;

	if (x->f != NULL) {
		contact_field_limits(x->f, w, c, sizeof(w));
		if (strcmp(key, "value") == 0) {
			if (x->f->known)
				snprintf(buf, sizeof(buf), "%.2f", x->f->value);
			else
				snprintf(buf, sizeof(buf), "unknown");
			buf_puts(d, buf);
			return true;
		}
		if (strcmp(key, "crange") == 0 || strcmp(key, "wrange") == 0) {
			buf_puts(d, key[0] == 'c' ? c : w);
			return true;
		}
		v = attrs_get(x->f->attrs, key);
		if (v != NULL) {
			buf_puts(d, v);
			return true;
		}
	}
	if (strcmp(key, "host") == 0) {
		buf_puts(d, m->host);
		return true;
	}
	if (strcmp(key, "group") == 0) {
		for (v = m->group; v != NULL && *v != '\0'; v++)
			buf_putn(d, *v == ';' ? "-" : v, 1);
		return m->group != NULL;
	}
	if (strcmp(key, "plugin") == 0) {
		buf_puts(d, m->plugin);
		return true;
	}
	if (strcmp(key, "graph_title") == 0) {
		buf_puts(d, m->title != NULL ? m->title : m->plugin);
		return true;
	}
	if (strcmp(key, "worst") == 0 || strcmp(key, "worstid") == 0) {
		snprintf(buf, sizeof(buf), "%d", worst(m));
		buf_puts(d, key[5] == 'i' ? buf : worst_names[worst(m)]);
		return true;
	}
	if (strcmp(key, "fields") == 0) {
		for (i = 0; i < m->nfields; i++) {
			if (i > 0)
				buf_puts(d, " ");
			buf_puts(d, m->fields[i].name);
		}
		return true;
	}
	for (i = 0; i < 5; i++) {
		if (strcmp(key, lists[i]) == 0) {
			field_list(m, which[i], d);
			return true;
		}
		if (strncmp(key, "num", 3) == 0 &&
		    strcmp(key + 3, lists[i]) == 0) {
			field_list(m, which[i], &t);
			n = t.len > 0;
			for (j = 0; j < t.len; j++)
				n += t.p[j] == ' ';
			buf_free(&t);
			snprintf(buf, sizeof(buf), "%d", n);
			buf_puts(d, buf);
			return true;
		}
	}
	v = m->graph != NULL ? attrs_get(m->graph, key) : NULL;
	if (v != NULL) {
		buf_puts(d, v);
		return true;
	}
	return false;
}

/* Advances q over s[q->pos..n): the shell grammar, as far as quoting
 * goes. */
static void
sh_scan(struct shq *q, const char *s, size_t n)
{
	char c;

	for (; q->pos < n && q->st != SH_UNSURE; q->pos++) {
		c = s[q->pos];
		if (q->escape) {
			q->escape = false;
			q->prev = 0;
			continue;
		}
		if (q->st == SH_SINGLE) {
			if (c == '\'')
				q->st = SH_UNQUOTED;
		} else if (c == '\\') {
			q->escape = true;
		} else if (c == '`' || (c == '(' && q->prev == '$')) {
			q->st = SH_UNSURE; /* a nested command */
		} else if (q->st == SH_DOUBLE) {
			if (c == '"')
				q->st = SH_UNQUOTED;
		} else if (c == '\'') {
			q->st = q->prev == '$' ? SH_UNSURE : SH_SINGLE;
		} else if (c == '"') {
			q->st = SH_DOUBLE;
		} else if (c == '#' || (c == '<' && q->prev == '<')) {
			q->st = SH_UNSURE; /* a comment, a here-document */
		}
		q->prev = c;
	}
}

/*
 * Appends v to the command d as exactly one shell word, or as part of
 * the word around it: unquoted it is single-quoted ('\'' for a quote),
 * inside the operator's '...' only its quotes are broken out, inside
 * "..." $ ` " \ get a backslash.  Where the lexer's state is not known
 * (see enum sh_state, or right after an unquoted \ or $) only
 * [A-Za-z0-9._:,@/+=%-] are kept, each other byte becomes '_'.  Nothing
 * in v is ever run.
 */
static void
sh_quote(struct shq *q, struct buf *d, const char *v, size_t n)
{
	size_t i;
	char c;

	sh_scan(q, d->p, d->len);
	if (q->st != SH_SINGLE && (q->escape || q->prev == '$'))
		q->st = SH_UNSURE;
	if (q->st == SH_UNQUOTED)
		buf_puts(d, "'");
	for (i = 0; i < n; i++) {
		c = v[i];
		if (q->st == SH_UNSURE && !isalnum((unsigned char)c) &&
		    (c == '\0' || strchr("._:,@/+=%-", c) == NULL))
			c = '_';
		if (q->st != SH_DOUBLE && q->st != SH_UNSURE && c == '\'')
			buf_puts(d, "'\\'");
		if (q->st == SH_DOUBLE && c != '\0' && strchr("$`\"\\", c))
			buf_puts(d, "\\");
		buf_putn(d, &c, 1);
	}
	if (q->st == SH_UNQUOTED)
		buf_puts(d, "'");
}

/* A value from the node or the configuration: in a command, one shell
 * word (sh_quote). */
static void
add_value(const struct ctx *x, struct buf *d, const char *key)
{
	struct buf v = {0};

	lookup(x, key, &v);
	if (x->sh != NULL)
		sh_quote(x->sh, d, v.p, v.len);
	else if (v.p != NULL)
		buf_puts(d, v.p);
	buf_free(&v);
}

static void expand(const struct ctx *x, const char *t, size_t n, struct buf *d);

/* Text::Balanced::extract_bracketed(text, '{}') at s[0] == '{': the
 * length of the balanced group, 0 if unbalanced. */
static size_t
bracketed(const char *s, size_t n)
{
	size_t i;
	int depth = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '\\') {
			i++;
			continue;
		}
		if (s[i] == '{')
			depth++;
		else if (s[i] == '}' && --depth == 0)
			return i + 1;
	}
	return 0;
}

static bool
has_prefix(const char *b, const char *e, const char *pfx)
{
	size_t n = strlen(pfx);

	return (size_t)(e - b) > n && strncmp(b, pfx, n) == 0;
}

/* One ${...} group, g[0] == '{', g[n-1] == '}'. */
static void
directive(const struct ctx *x, const char *g, size_t n, struct buf *d)
{
	const char *b = g + 1, *e = g + n - 1, *p, *name, *sep = NULL;
	size_t nlen, seplen = 0, cut;
	struct buf list = {0}, sub = {0};
	char key[128];
	struct ctx fx;
	bool neg = false, first = true, check;
	size_t i;

	if (has_prefix(b, e, "var:")) {
		p = b + 4;
		if (p < e && memchr(p, ' ', (size_t)(e - p)) == NULL &&
		    (size_t)(e - p) < sizeof(key)) {
			snprintf(key, sizeof(key), "%.*s", (int)(e - p), p);
			add_value(x, d, key);
			return;
		}
	} else if (has_prefix(b, e, "loop<") || has_prefix(b, e, "loop:")) {
		p = b + 4;
		if (*p == '<') {
			sep = p + 1;
			p = memchr(sep, '>', (size_t)(e - sep));
			if (p == NULL || p == sep || p[1] != ':')
				goto literal;
			seplen = (size_t)(p - sep);
			p++;
		}
		for (p++; p < e && isspace((unsigned char)*p); p++)
			;
		for (name = p; p < e && !isspace((unsigned char)*p); p++)
			;
		nlen = (size_t)(p - name);
		if (nlen == 0 || p + 1 >= e || nlen >= sizeof(key))
			goto literal;
		snprintf(key, sizeof(key), "%.*s", (int)nlen, name);
		lookup(x, key, &list);
		p++; /* the one whitespace */
		fx = *x;
		for (name = list.p; name != NULL && *name != '\0';) {
			while (isspace((unsigned char)*name))
				name++;
			nlen = strcspn(name, " \t");
			for (i = 0; nlen > 0 && i < x->m->nfields; i++) {
				if (strlen(x->m->fields[i].name) != nlen ||
				    strncmp(x->m->fields[i].name, name, nlen))
					continue;
				if (!first && sep != NULL)
					buf_putn(d, sep, seplen);
				first = false;
				fx.f = &x->m->fields[i];
				expand(&fx, p, (size_t)(e - p), d);
				break;
			}
			name += nlen;
		}
		buf_free(&list);
		return;
	} else if (has_prefix(b, e, "strtrunc:")) {
		for (p = b + 9; p < e && isspace((unsigned char)*p); p++)
			;
		cut = strtoul(p, NULL, 10);
		while (p < e && !isspace((unsigned char)*p))
			p++;
		if (p + 1 >= e)
			goto literal;
		/* in a command the cut text is one value, quoted once */
		fx = *x;
		fx.sh = NULL;
		expand(&fx, p + 1, (size_t)(e - p - 1), &sub);
		if (x->sh != NULL)
			sh_quote(
			    x->sh, d, sub.p, sub.len < cut ? sub.len : cut);
		else if (sub.p != NULL)
			buf_putn(d, sub.p, sub.len < cut ? sub.len : cut);
		buf_free(&sub);
		return;
	} else if (has_prefix(b, e, "if:")) {
		for (p = b + 3; p < e && isspace((unsigned char)*p); p++)
			;
		if (*p == '!') {
			neg = true;
			p++;
		}
		for (name = p; p < e && !isspace((unsigned char)*p); p++)
			;
		nlen = (size_t)(p - name);
		if (nlen == 0 || p + 1 >= e || nlen >= sizeof(key))
			goto literal;
		snprintf(key, sizeof(key), "%.*s", (int)nlen, name);
		check = lookup(x, key, &sub) && sub.p != NULL &&
			strcmp(sub.p, "0") != 0 && sub.len > 0;
		buf_free(&sub);
		if (check != neg)
			expand(x, p + 1, (size_t)(e - p - 1), d);
		return;
	}
literal:
	buf_putn(d, g, n); /* Munin keeps an unknown {...} as it is */
}

static void
expand(const struct ctx *x, const char *t, size_t n, struct buf *d)
{
	const char *end = t + n, *dollar;
	size_t g;

	while (t < end) {
		dollar = memchr(t, '$', (size_t)(end - t));
		while (dollar != NULL && dollar + 1 < end && dollar[1] != '{')
			dollar =
			    memchr(dollar + 1, '$', (size_t)(end - dollar - 1));
		if (dollar == NULL || dollar + 1 >= end) {
			buf_putn(d, t, (size_t)(end - t));
			return;
		}
		buf_putn(d, t, (size_t)(dollar - t));
		t = dollar + 1;
		g = bracketed(t, (size_t)(end - t));
		if (g == 0) {
			buf_putn(d, t, (size_t)(end - t));
			return;
		}
		directive(x, t, g, d);
		t += g;
	}
}

char *
contacts_expand(const char *tmpl, const struct contact_msg *m, bool for_command)
{
	struct shq sh = {SH_UNQUOTED, 0, false, 0};
	struct ctx x = {m, NULL, for_command ? &sh : NULL};
	struct buf d = {0};
	size_t i, j, len = 0;
	char *s;

	expand(&x, tmpl, strlen(tmpl), &d);
	s = buf_take(&d, &len);
	if (s == NULL || for_command)
		return s;
	/* $txt =~ s/\\n/\n/g; s/\\t/\t/g */
	for (i = j = 0; i < len; i++, j++) {
		if (s[i] == '\\' && (s[i + 1] == 'n' || s[i + 1] == 't'))
			s[j] = s[++i] == 'n' ? '\n' : '\t';
		else
			s[j] = s[i];
	}
	s[j] = '\0';
	return s;
}

const char *
contacts_default_text(const char *name)
{
	/* LimitsOld.pm %default_text, verbatim */
	static const char def[] =
	    "${var:group} :: ${var:host} :: ${var:graph_title}${if:cfields "
	    "\\n\\tCRITICALs:${loop<,>:cfields  ${var:label} is ${var:value} "
	    "(outside range [${var:crange}])${if:extinfo : "
	    "${var:extinfo}}}.}${if:wfields \\n\\tWARNINGs:${loop<,>:wfields  "
	    "${var:label} is ${var:value} (outside range "
	    "[${var:wrange}])${if:extinfo : ${var:extinfo}}}.}${if:ufields "
	    "\\n\\tUNKNOWNs:${loop<,>:ufields  ${var:label} is "
	    "${var:value}${if:extinfo : ${var:extinfo}}}.}${if:fofields "
	    "\\n\\tOKs:${loop<,>:fofields  ${var:label} is "
	    "${var:value}${if:extinfo : ${var:extinfo}}}.}\\n";
	static const char nagios[] =
	    "${var:host}\\t${var:graph_title}\\t${var:worstid}\\t${strtrunc:"
	    "350 ${if:cfields CRITICALs:${loop<,>:cfields  ${var:label} is "
	    "${var:value} (outside range [${var:crange}])${if:extinfo : "
	    "${var:extinfo}}}.}${if:wfields WARNINGs:${loop<,>:wfields  "
	    "${var:label} is ${var:value} (outside range "
	    "[${var:wrange}])${if:extinfo : ${var:extinfo}}}.}${if:ufields "
	    "UNKNOWNs:${loop<,>:ufields  ${var:label} is "
	    "${var:value}${if:extinfo : ${var:extinfo}}}.}${if:fofields "
	    "OKs:${loop<,>:fofields  ${var:label} is "
	    "${var:value}${if:extinfo : ${var:extinfo}}}.}}";
	static const char old_nagios[] =
	    "${var:host}\\t${var:plugin}\\t${var:worstid}\\t${strtrunc:350 "
	    "${var:graph_title}:${if:cfields CRITICALs:${loop<,>:cfields  "
	    "${var:label} is ${var:value} (outside range "
	    "[${var:crange}])${if:extinfo : ${var:extinfo}}}.}${if:wfields "
	    "WARNINGs:${loop<,>:wfields  ${var:label} is ${var:value} "
	    "(outside range [${var:wrange}])${if:extinfo : "
	    "${var:extinfo}}}.}${if:ufields UNKNOWNs:${loop<,>:ufields  "
	    "${var:label} is ${var:value}${if:extinfo : "
	    "${var:extinfo}}}.}${if:fofields OKs:${loop<,>:fofields  "
	    "${var:label} is ${var:value}${if:extinfo : ${var:extinfo}}}.}}";

	if (strcmp(name, "nagios") == 0)
		return nagios;
	if (strcmp(name, "old-nagios") == 0)
		return old_nagios;
	return def;
}
