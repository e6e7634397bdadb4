/*
 * munin_datafile: Munin's dbdir/datafile read into batches.  See
 * munin_datafile.h.  Lines are read as munin_parse_config() (Utils.pm)
 * reads them: "#" starts a comment unless escaped ("\#" is a "#"), a
 * trailing "\" joins the next line, a trailing "\\" is one backslash,
 * blanks around are dropped, the first blank ends the key.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/munin_datafile.h"

/* Munin's service-level keys that do not start with "graph_". */
static const char *const service_keys[] = {
    "contacts", "graph", "host_name", "notify_alias", "realservname", "update"};

static bool
service_key(const char *attr)
{
	size_t i;

	if (strncmp(attr, "graph_", 6) == 0)
		return true;
	for (i = 0; i < sizeof(service_keys) / sizeof(service_keys[0]); i++)
		if (strcmp(attr, service_keys[i]) == 0)
			return true;
	return false;
}

int
munin_config_key(struct batch *b, const char *key, const char *value)
{
	const char *attr, *fdot = NULL;
	struct service *s;
	struct field *f;
	char *sname = NULL, *fname = NULL;
	int rc = -1;

	attr = strrchr(key, '.');
	if (attr == NULL || attr == key || attr[1] == '\0') {
		errno = EINVAL;
		return -1;
	}
	/* "graph" is a field's too ("SERVICE.FIELD.graph no"): a
	 * service's only when no field fits ("SERVICE.graph no") */
	if (!service_key(attr + 1) || strcmp(attr + 1, "graph") == 0) {
		for (fdot = attr - 1; fdot > key && *fdot != '.'; fdot--)
			;
		if (fdot == key) /* "SERVICE.ATTR": no field */
			fdot = NULL;
	}
	if (fdot != NULL) {
		if (fdot + 1 == attr) {
			errno = EINVAL;
			return -1;
		}
		sname = strndup(key, (size_t)(fdot - key));
		fname = strndup(fdot + 1, (size_t)(attr - fdot - 1));
		if (fname == NULL)
			goto out;
	} else
		sname = strndup(key, (size_t)(attr - key));
	if (sname == NULL)
		goto out;
	s = batch_service(b, sname, true);
	if (s == NULL)
		goto out;
	s->has_config = true;
	if (fname == NULL) {
		rc = attrs_set(&s->graph, attr + 1, value);
		goto out;
	}
	f = service_field(s, fname, true);
	if (f == NULL)
		goto out;
	rc = attrs_set(&f->attrs, attr + 1, value);
out:
	free(sname);
	free(fname);
	return rc;
}

static struct mdf_host *
host_get(struct munin_datafile *df, const char *group, size_t glen,
    const char *name, size_t nlen)
{
	struct mdf_host *h, *nv;
	size_t i;

	for (i = 0; i < df->n; i++) {
		h = &df->hosts[i];
		if (strlen(h->group) == glen &&
		    strncmp(h->group, group, glen) == 0 &&
		    strlen(h->name) == nlen &&
		    strncmp(h->name, name, nlen) == 0)
			return h;
	}
	if (df->n == df->cap) {
		nv = realloc(df->hosts,
		    (df->cap ? df->cap * 2 : 8) * sizeof(*df->hosts));
		if (nv == NULL)
			return NULL;
		df->hosts = nv;
		df->cap = df->cap ? df->cap * 2 : 8;
	}
	h = &df->hosts[df->n];
	memset(h, 0, sizeof(*h));
	h->group = strndup(group, glen);
	h->name = strndup(name, nlen);
	if (h->group == NULL || h->name == NULL) {
		free(h->group);
		free(h->name);
		return NULL;
	}
	df->n++;
	return h;
}

/* One logical line (comments and escapes already handled). 0 / -1. */
static int
take_line(struct munin_datafile *df, char *line)
{
	char *key, *val, *colon, *semi, *end;
	struct mdf_host *h;

	key = line + strspn(line, " \t");
	end = key + strlen(key);
	while (end > key && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (*key == '\0')
		return 0;
	val = key + strcspn(key, " \t");
	if (*val == '\0') {
		df->skipped++;
		return 0;
	}
	*val++ = '\0';
	val += strspn(val, " \t");
	colon = strchr(key, ':');
	if (colon == NULL || colon == key) {
		df->skipped++;
		return 0;
	}
	*colon = '\0';
	semi = strrchr(key, ';');
	if (semi == NULL || semi == key || semi[1] == '\0') {
		df->skipped++;
		return 0;
	}
	h = host_get(df, key, (size_t)(semi - key), semi + 1, strlen(semi + 1));
	if (h == NULL)
		return -1;
	if (munin_config_key(&h->b, colon + 1, val) == -1) {
		if (errno != EINVAL)
			return -1;
		df->skipped++;
	}
	return 0;
}

int
munin_datafile_parse(const char *buf, size_t len, struct munin_datafile *df,
    char *err, size_t errlen)
{
	const char *p = buf, *end = buf + len, *nl;
	char *line = NULL, *prev = NULL, *t, *o;
	const char *s;
	size_t n;
	bool first = true, cont;
	int rc = -1;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		free(line);
		line = malloc(n + 1);
		if (line == NULL)
			goto out;
		/* comments: an unescaped '#' ends the line; "\#" is '#' */
		for (s = p, o = line; s < p + n; s++) {
			if (*s == '#' && (s == p || s[-1] != '\\'))
				break;
			if (*s == '\\' && s + 1 < p + n && s[1] == '#')
				continue;
			*o++ = *s;
		}
		*o = '\0';
		p += n + (nl != NULL);
		if (o > line && o[-1] == '\r')
			*--o = '\0';
		if (first) {
			first = false;
			if (strncmp(line, "version ", 8) != 0) {
				snprintf(err, errlen,
				    "not a Munin datafile (no version line)");
				errno = EINVAL;
				goto out;
			}
			snprintf(
			    df->version, sizeof(df->version), "%s", line + 8);
			continue;
		}
		if (line[strspn(line, " \t")] == '\0')
			continue;
		if (prev != NULL) {
			t = NULL;
			if (asprintf(&t, "%s%s", prev, line) == -1)
				goto out;
			free(prev);
			prev = NULL;
			free(line);
			line = t;
			o = line + strlen(line);
		}
		cont = false;
		if (o - line >= 2 && o[-1] == '\\' && o[-2] == '\\')
			*--o = '\0';
		else if (o > line && o[-1] == '\\') {
			*--o = '\0';
			cont = true;
		}
		if (cont) {
			prev = line;
			line = NULL;
			continue;
		}
		if (take_line(df, line) == -1)
			goto out;
	}
	if (first) {
		snprintf(err, errlen, "empty file");
		errno = EINVAL;
		goto out;
	}
	if (prev != NULL && take_line(df, prev) == -1)
		goto out;
	rc = 0;
out:
	if (rc == -1 && errno == ENOMEM)
		snprintf(err, errlen, "out of memory");
	free(line);
	free(prev);
	return rc;
}

void
munin_datafile_cleanup(struct munin_datafile *df)
{
	size_t i;

	for (i = 0; i < df->n; i++) {
		free(df->hosts[i].group);
		free(df->hosts[i].name);
		batch_cleanup(&df->hosts[i].b);
	}
	free(df->hosts);
	memset(df, 0, sizeof(*df));
}

const struct mdf_host *
munin_datafile_host(
    const struct munin_datafile *df, const char *group, const char *name)
{
	size_t i;

	for (i = 0; i < df->n; i++)
		if (strcmp(df->hosts[i].name, name) == 0 &&
		    (group == NULL || strcmp(df->hosts[i].group, group) == 0))
			return &df->hosts[i];
	return NULL;
}
