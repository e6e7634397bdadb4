/*
 * munin_datafile: Munin's dbdir/datafile read into batches.  See
 * munin_datafile.h.  Lines are read as munin-update 2.0.73 writes them
 * (Update.pm's _write_new_service_configs prints values raw): a "#" or a
 * trailing backslash is the value's own (munin_parse_config, which
 * datafile2storable uses, would cut the first and join the next line at
 * the second); "\#" is read as "#", as an older writer escaped it;
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

/* Keys that a service and a field both take. */
static bool
both_key(const char *attr)
{
	return strcmp(attr, "graph") == 0 ||
	       strcmp(attr, "graph_data_size") == 0 ||
	       strcmp(attr, "update_rate") == 0;
}

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
	/* keys of both ("SERVICE.FIELD.graph no", munin-update's
	 * "SERVICE.FIELD.graph_data_size normal") are a field's when a
	 * field fits, else the service's ("SERVICE.graph no") */
	if (!service_key(attr + 1) || both_key(attr + 1)) {
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
	const char *p = buf, *end = buf + len, *nl, *s;
	char *line = NULL, *o;
	size_t n;
	bool first = true;
	int rc = -1;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		free(line);
		line = malloc(n + 1);
		if (line == NULL)
			goto out;
		/* "\#" is '#' (an older writer's escape); the rest is raw */
		for (s = p, o = line; s < p + n; s++) {
			if (*s == '\\' && s + 1 < p + n && s[1] == '#')
				continue;
			*o++ = *s;
		}
		*o = '\0';
		p += n + (nl != NULL);
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
		if (take_line(df, line) == -1)
			goto out;
	}
	if (first) {
		snprintf(err, errlen, "empty file");
		errno = EINVAL;
		goto out;
	}
	rc = 0;
out:
	if (rc == -1 && errno == ENOMEM)
		snprintf(err, errlen, "out of memory");
	free(line);
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
