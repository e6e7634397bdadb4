/*
 * host: the probe table's lookups, collection over all probes, and the
 * helpers probes share (bounded reads, attribute tables, lines).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "plugins/host.h"

const struct host_probe *
host_probe_find(const char *name)
{
	const struct host_probe *p;
	size_t i, n;

	for (i = 0; i < host_nprobes; i++) {
		p = host_probes[i];
		n = strlen(p->name);
		if (p->wildcard
			? strncmp(name, p->name, n) == 0 && name[n] != '\0'
			: strcmp(name, p->name) == 0)
			return p;
	}
	return NULL;
}

int
host_collect(const struct host_roots *r, void **states, struct batch *b)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < host_nprobes; i++)
		if (host_probes[i]->collect(r, &states[i], b) == -1)
			rc = -1;
	return rc;
}

void
host_states_free(void **states)
{
	size_t i;

	for (i = 0; i < host_nprobes; i++) {
		if (states[i] != NULL && host_probes[i]->state_free != NULL)
			host_probes[i]->state_free(states[i]);
		states[i] = NULL;
	}
}

int
host_read(
    const char *root, const char *rel, size_t max, char **bufp, size_t *lenp)
{
	char path[PATH_MAX], *buf = NULL, *nl;
	size_t len = 0;
	ssize_t r;
	int fd, n, saved;

	n = snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	buf = malloc(max + 1);
	if (buf == NULL)
		goto close_fd;
	while (len < max) {
		r = read(fd, buf + len, max - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			goto free_buf;
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len == max) {
		log_warnx(
		    "host: %s: longer than %zu bytes, rest ignored", path, max);
		nl = memrchr(buf, '\n', len);
		len = nl != NULL ? (size_t)(nl - buf) + 1 : 0;
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;

free_buf:
	free(buf);
close_fd:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
host_read_u64(const char *root, const char *rel, uint64_t *out)
{
	unsigned long long v;
	char *buf, *p, *end;
	size_t len;

	if (host_read(root, rel, 256, &buf, &len) == -1)
		return -1;
	for (p = buf; *p == ' ' || *p == '\t'; p++)
		;
	errno = 0;
	v = strtoull(p, &end, 10);
	if (end == p || *p == '-' || errno == ERANGE) {
		free(buf);
		errno = EINVAL;
		return -1;
	}
	free(buf);
	*out = v;
	return 0;
}

int
host_attrs_add(struct attrs *a, const char *const kv[][2], size_t n)
{
	size_t i;

	for (i = 0; i < n && kv[i][0] != NULL; i++)
		if (attrs_set(a, kv[i][0], kv[i][1]) == -1)
			return -1;
	return 0;
}

struct service *
host_service_add(
    struct batch *b, const char *name, const char *const graph[][2], size_t n)
{
	struct service *s;

	s = batch_service(b, name, true);
	if (s == NULL)
		return NULL;
	s->has_config = true;
	if (host_attrs_add(&s->graph, graph, n) == -1)
		return NULL;
	return s;
}

struct service *
host_graph_add(
    struct batch *b, const char *category, const struct host_graph *g)
{
	const char *const kv[][2] = {
	    {"graph_title", g->title},
	    {"graph_category", category},
	    {"graph_vlabel", g->vlabel},
	    {"graph_args", g->args},
	    {"graph_info", g->info},
	};

	return host_service_add(b, g->name, kv, sizeof(kv) / sizeof(kv[0]));
}

struct field *
host_field_add(struct service *s, const char *name, const char *const kv[][2],
    size_t n, double v, bool unknown)
{
	struct field *f;

	f = service_field(s, name, true);
	if (f == NULL)
		return NULL;
	if (host_attrs_add(&f->attrs, kv, n) == -1)
		return NULL;
	f->has_value = true;
	f->unknown = unknown;
	f->value = unknown ? 0 : v;
	f->when = 0;
	return f;
}

bool
host_line_next(const char **p, const char *end, const char **line, size_t *len)
{
	const char *nl;

	if (*p >= end)
		return false;
	*line = *p;
	nl = memchr(*p, '\n', (size_t)(end - *p));
	if (nl == NULL) {
		*len = (size_t)(end - *p);
		*p = end;
	} else {
		*len = (size_t)(nl - *p);
		*p = nl + 1;
	}
	return true;
}

bool
host_parse_u64(const char **p, const char *end, uint64_t *out)
{
	const char *q = *p;
	uint64_t v = 0;

	if (q >= end || *q < '0' || *q > '9')
		return false;
	for (; q < end && *q >= '0' && *q <= '9'; q++) {
		if (v > (UINT64_MAX - (uint64_t)(*q - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(*q - '0');
	}
	*p = q;
	*out = v;
	return true;
}

int
host_probe_file(const struct host_roots *r, const char *tag, const char *rel,
    size_t max, int (*parse)(const char *, size_t, struct batch *),
    struct batch *b)
{
	char *buf;
	size_t len;
	int rc = 0;

	if (host_read(r->proc, rel, max, &buf, &len) == -1) {
		if (errno == ENOENT)
			return 1;
		log_warn("%s: %s/%s", tag, r->proc, rel);
		return -1;
	}
	errno = 0;
	if (parse(buf, len, b) == -1) {
		if (errno == ENOMEM)
			log_warn("%s: %s/%s", tag, r->proc, rel);
		else
			log_warnx(
			    "%s: %s/%s: not understood", tag, r->proc, rel);
		rc = -1;
	}
	free(buf);
	return rc;
}
