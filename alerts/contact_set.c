/*
 * contact_set: munin.conf's contact lines, checked and typed once; see
 * contact_set.h.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "alerts/contact_set.h"
#include "lib/parse.h"

static const char *const key_names[CK_NKEYS] = {
    [CK_COMMAND] = "command",
    [CK_TEXT] = "text",
    [CK_ALWAYS_SEND] = "always_send",
    [CK_MAX_MESSAGES] = "max_messages",
    [CK_WEBHOOK] = "webhook",
    [CK_WEBHOOK_TOKEN_FILE] = "webhook_token_file",
    [CK_EMAIL] = "email",
    [CK_SEVERITIES] = "severities",
    [CK_RENOTIFY] = "renotify",
    [CK_RECOVERY] = "recovery",
};

unsigned
contact_severities_parse(const char *s)
{
	unsigned mask = 0;
	size_t n;

	for (;;) {
		n = strcspn(s, ",");
		if (n == 7 && strncmp(s, "warning", 7) == 0)
			mask |= CONTACT_SEV_WARNING;
		else if (n == 8 && strncmp(s, "critical", 8) == 0)
			mask |= CONTACT_SEV_CRITICAL;
		else if (n == 7 && strncmp(s, "unknown", 7) == 0)
			mask |= CONTACT_SEV_UNKNOWN;
		else
			return 0;
		if (s[n] == '\0')
			return mask;
		s += n + 1;
	}
}

/* The contact called name (len bytes), created with the defaults. */
static struct contact_def *
get(struct contact_set *s, const char *name, size_t len)
{
	struct contact_def *nv;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strlen(s->v[i].name) == len &&
		    strncmp(s->v[i].name, name, len) == 0)
			return &s->v[i];
	if (s->n == s->cap) {
		nv = realloc(s->v, (s->cap ? s->cap * 2 : 8) * sizeof(*nv));
		if (nv == NULL)
			return NULL;
		s->v = nv;
		s->cap = s->cap ? s->cap * 2 : 8;
	}
	nv = &s->v[s->n];
	memset(nv, 0, sizeof(*nv));
	nv->name = strndup(name, len);
	if (nv->name == NULL)
		return NULL;
	nv->severities = CONTACT_SEV_ALL;
	nv->renotify = 1800;
	nv->recovery = true;
	s->n++;
	return nv;
}

/* The string member of d for key k, or NULL for the typed ones. */
static char **
str_member(struct contact_def *d, enum contact_key k)
{
	switch (k) {
	case CK_COMMAND:
		return &d->command;
	case CK_TEXT:
		return &d->text;
	case CK_ALWAYS_SEND:
		return &d->always_send;
	case CK_MAX_MESSAGES:
		return &d->max_messages;
	case CK_WEBHOOK:
		return &d->webhook;
	case CK_WEBHOOK_TOKEN_FILE:
		return &d->webhook_token_file;
	case CK_EMAIL:
		return &d->email;
	default:
		return NULL;
	}
}

/* Checks value for key k; NULL when fine, else the complaint. */
static const char *
check(enum contact_key k, const char *v)
{
	unsigned u;
	bool b;

	switch (k) {
	case CK_WEBHOOK:
		if (strncmp(v, "http://", 7) != 0 &&
		    strncmp(v, "https://", 8) != 0)
			return "webhook must be an http:// or https:// URL";
		return NULL;
	case CK_WEBHOOK_TOKEN_FILE:
		return v[0] != '/' ? "webhook_token_file must be an absolute "
				     "path"
				   : NULL;
	case CK_EMAIL:
		return strchr(v, '@') == NULL || strpbrk(v, " \t<>,") != NULL
			   ? "email must be one address"
			   : NULL;
	case CK_SEVERITIES:
		return contact_severities_parse(v) == 0
			   ? "severities must be a comma list of warning, "
			     "critical, unknown"
			   : NULL;
	case CK_RENOTIFY:
		return !parse_uint(v, 0, 30 * 86400, &u)
			   ? "renotify must be 0 (never) to 2592000 seconds"
			   : NULL;
	case CK_RECOVERY:
		return !parse_bool(v, &b) ? "recovery must be yes or no" : NULL;
	default:
		return NULL; /* Munin's keys: taken as written */
	}
}

int
contact_set_line(struct contact_set *s, const char *name_key, const char *value,
    char *err, size_t errlen)
{
	const char *dot = strrchr(name_key, '.'), *why;
	struct contact_def *d;
	char **sp, *copy;
	int k;

	if (dot == NULL || dot == name_key) {
		snprintf(err, errlen, "a contact line is contact.NAME.KEY");
		return -1;
	}
	for (k = 0; k < CK_NKEYS; k++)
		if (strcmp(dot + 1, key_names[k]) == 0)
			break;
	if (k == CK_NKEYS) {
		snprintf(
		    err, errlen, "unknown contact keyword \"%s\"", dot + 1);
		return 1;
	}
	why = check((enum contact_key)k, value);
	if (why != NULL) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	d = get(s, name_key, (size_t)(dot - name_key));
	if (d == NULL)
		goto oom;
	sp = str_member(d, (enum contact_key)k);
	if (sp != NULL) {
		copy = strdup(value);
		if (copy == NULL)
			goto oom;
		free(*sp);
		*sp = copy;
	} else if (k == CK_SEVERITIES)
		d->severities = contact_severities_parse(value);
	else if (k == CK_RENOTIFY)
		parse_uint(value, 0, 30 * 86400, &d->renotify);
	else
		parse_bool(value, &d->recovery);
	d->set |= 1u << k;
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
	return -1;
}

const struct contact_def *
contact_set_find(const struct contact_set *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].name, name) == 0)
			return &s->v[i];
	return NULL;
}

bool
contact_set_has_commands(const struct contact_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->v[i].command != NULL)
			return true;
	return false;
}

static void
print_severities(FILE *out, unsigned mask)
{
	static const char *const names[] = {"warning", "critical", "unknown"};
	const char *sep = "";
	size_t i;

	for (i = 0; i < 3; i++)
		if (mask & (1u << i)) {
			fprintf(out, "%s%s", sep, names[i]);
			sep = ",";
		}
}

void
contact_set_print(const struct contact_set *s, FILE *out)
{
	struct contact_def *d;
	char **sp;
	size_t i;
	int k;

	for (i = 0; i < s->n; i++) {
		d = &s->v[i];
		for (k = 0; k < CK_NKEYS; k++) {
			if (!(d->set & (1u << k)))
				continue;
			fprintf(out, "contact.%s.%s ", d->name, key_names[k]);
			sp = str_member(d, (enum contact_key)k);
			if (sp != NULL)
				fprintf(out, "%s", *sp);
			else if (k == CK_SEVERITIES)
				print_severities(out, d->severities);
			else if (k == CK_RENOTIFY)
				fprintf(out, "%u", d->renotify);
			else
				fprintf(out, "%s", d->recovery ? "yes" : "no");
			fputc('\n', out);
		}
	}
}

void
contact_set_cleanup(struct contact_set *s)
{
	size_t i;
	int k;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].name);
		for (k = 0; k < CK_NKEYS; k++) {
			char **sp = str_member(&s->v[i], (enum contact_key)k);

			if (sp != NULL)
				free(*sp);
		}
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}
