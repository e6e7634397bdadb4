/*
 * conf_lex: munin.conf's lines and section names (see conf_lex.h).
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector/conf_lex.h"
#include "lib/fileio.h"
#include "lib/log.h"

#define CONF_MAX_FILE (4u << 20) /* bytes; a config larger is refused */
#define CONF_MAX_LINE 8192	 /* bytes after joining continuations */

void
conf_error_add(
    struct conf_errors *e, const struct conf_where *w, const char *fmt, ...)
{
	char msg[512], *full = NULL;
	char **nv;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->text != NULL) {
		if (asprintf(&full, "%s:%d: %s: \"%.200s\"", w->file, w->line,
			msg, w->text) == -1)
			full = NULL;
	} else if (asprintf(&full, "%s:%d: %s", w->file, w->line, msg) == -1)
		full = NULL;
	if (full == NULL)
		return;
	if (e->n == e->cap) {
		nv = realloc(e->v, (e->cap ? e->cap * 2 : 8) * sizeof(*nv));
		if (nv == NULL) {
			free(full);
			return;
		}
		e->v = nv;
		e->cap = e->cap ? e->cap * 2 : 8;
	}
	e->v[e->n++] = full;
}

void
conf_errors_cleanup(struct conf_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

/* ---- lines ---------------------------------------------------------- */

/* Strips an unescaped '#' comment, turns "\#" into '#', trims. */
static void
clean_line(char *s)
{
	char *r, *wp;
	size_t n;

	for (r = wp = s; *r != '\0'; r++) {
		if (*r == '\\' && r[1] == '#') {
			*wp++ = '#';
			r++;
			continue;
		}
		if (*r == '#')
			break;
		*wp++ = *r;
	}
	*wp = '\0';
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	r = s;
	while (isspace((unsigned char)*r))
		r++;
	memmove(s, r, strlen(r) + 1);
}

/* One cleaned, joined, non-empty line: a section header or a key line
 * to cb, or an error.  line is split in place. */
static void
split_line(char *line, const struct conf_where *w, struct conf_errors *errs,
    conf_line_cb cb, void *arg)
{
	struct conf_line l = {.where = w};
	char *end;
	size_t n = strlen(line);

	if (line[0] == '[') {
		if (line[n - 1] != ']' || n < 3) {
			conf_error_add(errs, w, "malformed section header");
			return;
		}
		line[n - 1] = '\0';
		l.section = line + 1;
		cb(arg, &l);
		return;
	}
	end = line + strcspn(line, " \t");
	l.key = line;
	l.value = end + strspn(end, " \t");
	*end = '\0';
	cb(arg, &l);
}

void
conf_lex_buf(const char *file, const char *buf, size_t len,
    struct conf_errors *errs, conf_line_cb cb, void *arg)
{
	struct conf_where w = {.file = file};
	char *line = NULL, *text = NULL;
	size_t pos = 0, eol, ll = 0, n;
	int lineno = 0, start = 0;
	bool cont;

	line = malloc(CONF_MAX_LINE + 1);
	text = malloc(CONF_MAX_LINE + 1);
	if (line == NULL || text == NULL)
		fatal("conf: malloc");
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);

		eol = nl != NULL ? (size_t)(nl - buf) : len;
		n = eol - pos;
		lineno++;
		if (ll == 0)
			start = lineno;
		if (memchr(buf + pos, '\0', n) != NULL) {
			w.line = lineno;
			w.text = NULL;
			conf_error_add(errs, &w, "NUL byte in line");
			ll = 0;
			pos = eol + 1;
			continue;
		}
		if (ll + n > CONF_MAX_LINE) {
			w.line = lineno;
			w.text = NULL;
			conf_error_add(errs, &w, "line longer than %d bytes",
			    CONF_MAX_LINE);
			ll = 0;
			pos = eol + 1;
			continue;
		}
		memcpy(line + ll, buf + pos, n);
		line[ll + n] = '\0';
		pos = eol + 1;
		/* clean only the new part: comments end at the line's end */
		clean_line(line + ll);
		ll = strlen(line);
		cont = ll > 0 && line[ll - 1] == '\\';
		if (cont) {
			line[--ll] = '\0';
			continue;
		}
		if (ll == 0)
			continue;
		/* split_line splits line in place; messages quote a copy */
		memcpy(text, line, ll + 1);
		w.line = start;
		w.text = text;
		split_line(line, &w, errs, cb, arg);
		ll = 0;
	}
	free(line);
	free(text);
}

void
conf_lex_file(
    const char *path, struct conf_errors *errs, conf_line_cb cb, void *arg)
{
	struct conf_where w = {.file = path, .line = 0};
	char *buf = NULL;
	size_t len = 0;

	if (file_read(AT_FDCWD, path, CONF_MAX_FILE, 0, &buf, &len) == -1) {
		conf_error_add(errs, &w, "cannot read: %s", strerror(errno));
		return;
	}
	conf_lex_buf(path, buf, len, errs, cb, arg);
	free(buf);
}

/* Munin skips editor and packaging leftovers in includedir. */
static bool
include_skipped(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' || (n > 0 && name[n - 1] == '~') ||
	       strstr(name, ".dpkg-") != NULL || strstr(name, ".rpm") != NULL ||
	       name[0] == '#';
}

void
conf_lex_includedir(
    const char *dir, void (*cb)(void *arg, const char *path), void *arg)
{
	struct dirent **names = NULL;
	struct stat st;
	char path[PATH_MAX];
	int i, n;

	n = scandir(dir, &names, NULL, alphasort);
	if (n == -1)
		return; /* Munin tolerates a missing includedir */
	for (i = 0; i < n; i++) {
		if (!include_skipped(names[i]->d_name) &&
		    snprintf(path, sizeof(path), "%s/%s", dir,
			names[i]->d_name) < (int)sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode))
			cb(arg, path);
		free(names[i]);
	}
	free(names);
}

/* ---- section names -------------------------------------------------- */

const char *
conf_group_from_name(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot != NULL && dot[1] != '\0' ? dot + 1 : name;
}

/* Munin's host name rule plus what keeps a name safe as a path part. */
static bool
valid_host_name(const char *s)
{
	size_t i;

	if (s[0] == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
	    strlen(s) > 253)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

static bool
valid_group_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 200 || (len == 1 && s[0] == '.') ||
	    (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || (unsigned char)s[i] < 0x20)
			return false;
	return true;
}

/* Whether every ';'-separated name of the chain buf..semi is valid. */
static bool
valid_group_chain(const char *buf, const char *semi)
{
	const char *g, *p;

	for (g = buf; g < semi; g = p + 1) {
		p = memchr(g, ';', (size_t)(semi - g));
		if (p == NULL)
			p = semi;
		if (!valid_group_name(g, (size_t)(p - g)))
			return false;
	}
	return true;
}

const char *
conf_section_parse(const char *spec, struct conf_section *out)
{
	char buf[768];
	const char *semi, *colon, *p;
	size_t hl;

	memset(out, 0, sizeof(*out));
	if (strlen(spec) >= sizeof(buf))
		return "section name too long";
	snprintf(buf, sizeof(buf), "%s", spec);
	semi = strrchr(buf, ';');
	colon = strchr(semi != NULL ? semi : buf, ':');
	if (semi != NULL && semi[1] == '\0') {
		/* [GROUP;] or [A;B;] */
		if (!valid_group_chain(buf, semi))
			return "invalid group name";
		out->kind = CONF_SECTION_GROUP;
		snprintf(out->group, sizeof(out->group), "%.*s",
		    (int)(semi - buf), buf);
		return NULL;
	}
	p = semi != NULL ? semi + 1 : buf;
	hl = colon != NULL ? (size_t)(colon - p) : strlen(p);
	if (hl >= sizeof(out->host))
		return "host name too long";
	memcpy(out->host, p, hl);
	out->host[hl] = '\0';
	if (!valid_host_name(out->host))
		return "invalid host name (Munin allows letters, digits, '-' "
		       "and '.')";
	if (colon != NULL) {
		if (colon[1] == '\0' ||
		    strlen(colon + 1) >= sizeof(out->service))
			return "invalid service in section name";
		snprintf(out->service, sizeof(out->service), "%s", colon + 1);
		for (p = out->service; *p != '\0'; p++)
			if (*p == ':')
				out->service[p - out->service] = '.';
	}
	if (semi != NULL) {
		if (!valid_group_chain(buf, semi))
			return "invalid group name";
		snprintf(out->group, sizeof(out->group), "%.*s",
		    (int)(semi - buf), buf);
	} else
		snprintf(out->group, sizeof(out->group), "%s",
		    conf_group_from_name(out->host));
	out->kind = CONF_SECTION_HOST;
	return NULL;
}
