/*
 * plugin_conf: munin-node's plugin-conf.d parsed and resolved (see the
 * header for the syntax, the override order and what differs from Munin).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "plugins/plugin_conf.h"

/* Longest plugin-conf.d file read, bytes (Debian's is 4 KiB). */
#define PLUGIN_CONF_MAX_FILE (4u << 20)
/* Longest timeout accepted, seconds (a day). */
#define PLUGIN_CONF_MAX_TIMEOUT 86400u

/* Perl's \s in the C locale. */
static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static bool
is_word(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_';
}

/* Munin's _strip_comment and _trim on line, in place: "#" not after a
 * backslash ends the line, "\#" becomes "#", blank space around goes. */
static char *
clean_line(char *line)
{
	char *p, *end, *w;

	for (p = line; *p != '\0'; p++)
		if (*p == '#' && (p == line || p[-1] != '\\')) {
			*p = '\0';
			break;
		}
	for (p = w = line; *p != '\0'; p++) {
		if (p[0] == '\\' && p[1] == '#')
			continue;
		*w++ = *p;
	}
	*w = '\0';
	while (is_space(*line))
		line++;
	end = line + strlen(line);
	while (end > line && is_space(end[-1]))
		*--end = '\0';
	return line;
}

static int
settings_set_env(struct plugin_settings *s, const char *name, const char *v)
{
	struct plugin_env *n;
	char *nv, *nn;
	size_t i;

	for (i = 0; i < s->nenv; i++)
		if (strcmp(s->env[i].name, name) == 0) {
			nv = strdup(v);
			if (nv == NULL)
				return -1;
			free(s->env[i].value);
			s->env[i].value = nv;
			return 0;
		}
	n = realloc(s->env, (s->nenv + 1) * sizeof(*n));
	if (n == NULL)
		return -1;
	s->env = n;
	nn = strdup(name);
	nv = strdup(v);
	if (nn == NULL || nv == NULL) {
		free(nn);
		free(nv);
		return -1;
	}
	s->env[s->nenv].name = nn;
	s->env[s->nenv].value = nv;
	s->nenv++;
	return 0;
}

const char *
plugin_settings_env(const struct plugin_settings *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nenv; i++)
		if (strcmp(s->env[i].name, name) == 0)
			return s->env[i].value;
	return NULL;
}

void
plugin_settings_cleanup(struct plugin_settings *s)
{
	size_t i;

	free(s->user);
	free(s->host_name);
	free(s->update_rate);
	strlist_cleanup(&s->groups);
	strlist_cleanup(&s->command);
	for (i = 0; i < s->nenv; i++) {
		free(s->env[i].name);
		free(s->env[i].value);
	}
	free(s->env);
	memset(s, 0, sizeof(*s));
}

/* Replaces *dst with a copy of v. */
static int
set_str(char **dst, const char *v)
{
	char *n = strdup(v);

	if (n == NULL)
		return -1;
	free(*dst);
	*dst = n;
	return 0;
}

/* Replaces l with the fields of v split at any run of the bytes in seps
 * (empty fields dropped). */
static int
set_words(struct strlist *l, const char *v, const char *seps)
{
	struct strlist n = {0};
	char *copy, *tok, *save = NULL;
	int rc = 0;

	copy = strdup(v);
	if (copy == NULL)
		return -1;
	for (tok = strtok_r(copy, seps, &save); tok != NULL;
	     tok = strtok_r(NULL, seps, &save))
		if (strlist_add(&n, tok) != 0) {
			rc = -1;
			break;
		}
	free(copy);
	if (rc != 0) {
		strlist_cleanup(&n);
		return -1;
	}
	strlist_cleanup(l);
	*l = n;
	return 0;
}

static int
copy_list(struct strlist *dst, const struct strlist *src)
{
	size_t i;

	for (i = 0; i < src->n; i++)
		if (strlist_add(dst, src->v[i]) != 0)
			return -1;
	return 0;
}

/* Fills what dst leaves unset from src (env per name). */
static int
settings_fill(struct plugin_settings *dst, const struct plugin_settings *src)
{
	size_t i;

	if (dst->user == NULL && src->user != NULL &&
	    set_str(&dst->user, src->user) != 0)
		return -1;
	if (dst->host_name == NULL && src->host_name != NULL &&
	    set_str(&dst->host_name, src->host_name) != 0)
		return -1;
	if (dst->update_rate == NULL && src->update_rate != NULL &&
	    set_str(&dst->update_rate, src->update_rate) != 0)
		return -1;
	if (!dst->has_group && src->has_group) {
		dst->has_group = true;
		if (copy_list(&dst->groups, &src->groups) != 0)
			return -1;
	}
	if (!dst->has_command && src->has_command) {
		dst->has_command = true;
		if (copy_list(&dst->command, &src->command) != 0)
			return -1;
	}
	if (dst->timeout == 0)
		dst->timeout = src->timeout;
	for (i = 0; i < src->nenv; i++)
		if (plugin_settings_env(dst, src->env[i].name) == NULL &&
		    settings_set_env(
			dst, src->env[i].name, src->env[i].value) != 0)
			return -1;
	return 0;
}

static struct plugin_settings *
section_get(struct plugin_conf *pc, const char *name)
{
	struct plugin_conf_section *n;
	size_t i, cap;

	for (i = 0; i < pc->nsec; i++)
		if (strcmp(pc->sec[i].name, name) == 0)
			return &pc->sec[i].s;
	if (pc->nsec == pc->cap) {
		cap = pc->cap ? pc->cap * 2 : 16;
		n = realloc(pc->sec, cap * sizeof(*n));
		if (n == NULL)
			return NULL;
		pc->sec = n;
		pc->cap = cap;
	}
	memset(&pc->sec[pc->nsec], 0, sizeof(pc->sec[pc->nsec]));
	pc->sec[pc->nsec].name = strdup(name);
	if (pc->sec[pc->nsec].name == NULL)
		return NULL;
	return &pc->sec[pc->nsec++].s;
}

static int conf_error(struct plugin_conf *pc, const char *file, unsigned line,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Logs and keeps "file:line: message".  0, or -1 on allocation failure. */
static int
conf_error(struct plugin_conf *pc, const char *file, unsigned line,
    const char *fmt, ...)
{
	struct buf b = {0};
	va_list ap;
	char *msg;
	int rc;

	buf_printf(&b, "%s:%u: ", file, line);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	msg = buf_take(&b, NULL);
	if (msg == NULL)
		return -1;
	log_warnx("plugin_conf: %s", msg);
	rc = strlist_add(&pc->errors, msg);
	free(msg);
	return rc;
}

/* Munin's deprecated "env NAME=VALUE" (NAME without "=" or blanks). */
static bool
is_old_env(const char *line)
{
	const char *p;

	if (strncmp(line, "env", 3) != 0 || !is_space(line[3]))
		return false;
	for (p = line + 3; is_space(*p); p++)
		;
	if (*p == '=' || *p == '\0')
		return false;
	while (*p != '\0' && *p != '=' && !is_space(*p))
		p++;
	while (is_space(*p))
		p++;
	if (*p != '=')
		return false;
	for (p++; is_space(*p); p++)
		;
	return *p != '\0';
}

/*
 * One cleaned, non-empty line into section s.  Returns 0, 1 for an error
 * that ends the file, 2 for one that skips only this line (each logged),
 * -1 on allocation failure.
 */
static int
parse_key_line(struct plugin_conf *pc, const char *file, unsigned lineno,
    struct plugin_settings *s, char *line)
{
	char *key = line, *v = line;
	unsigned t;

	if (is_old_env(line))
		return conf_error(pc, file, lineno,
			   "deprecated \"env NAME=VALUE\": write "
			   "\"env.NAME VALUE\"; skipping the rest of the "
			   "file") != 0
			   ? -1
			   : 1;
	while (is_word(*v) || *v == '.')
		v++;
	if (v == key || !is_space(*v))
		return conf_error(pc, file, lineno,
			   "not \"KEY VALUE\": \"%s\"; skipping the rest of "
			   "the file",
			   line) != 0
			   ? -1
			   : 1;
	*v++ = '\0';
	while (is_space(*v))
		v++;
	if (strcmp(key, "user") == 0)
		return set_str(&s->user, v);
	if (strcmp(key, "group") == 0) {
		s->has_group = true;
		return set_words(&s->groups, v, " \t\n\r\f\v,");
	}
	if (strcmp(key, "command") == 0) {
		s->has_command = true;
		return set_words(&s->command, v, " \t\n\r\f\v");
	}
	if (strcmp(key, "host_name") == 0)
		return set_str(&s->host_name, v);
	if (strcmp(key, "update_rate") == 0)
		return set_str(&s->update_rate, v);
	if (strcmp(key, "timeout") == 0) {
		if (!parse_uint(v, 1, PLUGIN_CONF_MAX_TIMEOUT, &t))
			return conf_error(pc, file, lineno,
				   "timeout \"%s\" is not a number of seconds "
				   "(1 to %u); line ignored",
				   v, PLUGIN_CONF_MAX_TIMEOUT) != 0
				   ? -1
				   : 2;
		s->timeout = t;
		return 0;
	}
	if (strncmp(key, "env.", 4) == 0)
		return settings_set_env(s, key + 4, v);
	return conf_error(pc, file, lineno,
		   "unknown key \"%s\" (should it be \"env.%s\"?); skipping "
		   "the rest of the file",
		   key, key) != 0
		   ? -1
		   : 1;
}

int
plugin_conf_parse(
    struct plugin_conf *pc, const char *file, const char *buf, size_t len)
{
	struct plugin_settings *s = NULL;
	char *copy, *line, *next, *l, *end;
	unsigned lineno = 0;
	int rc = 0, r;

	copy = malloc(len + 1);
	if (copy == NULL)
		return -1;
	memcpy(copy, buf, len);
	copy[len] = '\0';
	for (line = copy; line != NULL && line < copy + len; line = next) {
		lineno++;
		next = memchr(line, '\n', (size_t)(copy + len - line));
		if (next != NULL)
			*next++ = '\0';
		/* a NUL byte ends the line, as it would Perl's regexes */
		l = clean_line(line);
		/* Perl's "next unless $line" also skips a line "0" */
		if (*l == '\0' || strcmp(l, "0") == 0)
			continue;
		end = l + strlen(l) - 1;
		if (l[0] == '[' && *end == ']' && end > l + 1 &&
		    memchr(l + 1, ']', (size_t)(end - l - 1)) == NULL) {
			*end = '\0';
			s = section_get(pc, l + 1);
			if (s == NULL)
				goto oom;
			continue;
		}
		if (s == NULL) {
			if (conf_error(pc, file, lineno,
				"text before the first [section]; skipping "
				"the rest of the file") != 0)
				goto oom;
			rc++;
			break;
		}
		r = parse_key_line(pc, file, lineno, s, l);
		if (r < 0)
			goto oom;
		if (r > 0)
			rc++;
		if (r == 1)
			break;
	}
	free(copy);
	return rc;
oom:
	free(copy);
	errno = ENOMEM;
	return -1;
}

int
plugin_conf_load_dir(
    struct plugin_conf *pc, const char *dir, const struct plugin_ignore *ig)
{
	struct strlist files = {0};
	char *path = NULL, *text = NULL;
	size_t i, len;
	int errs = 0, r, rc = -1;

	if (plugin_conf_dir_list(dir, ig, &files) != 0)
		return -1;
	for (i = 0; i < files.n; i++) {
		if (asprintf(&path, "%s/%s", dir, files.v[i]) < 0) {
			path = NULL;
			goto out;
		}
		if (file_read(AT_FDCWD, path, PLUGIN_CONF_MAX_FILE, 0, &text,
			&len) != 0) {
			if (conf_error(pc, path, 0, "cannot read: %s",
				strerror(errno)) != 0)
				goto out;
			errs++;
		} else {
			r = plugin_conf_parse(pc, path, text, len);
			free(text);
			text = NULL;
			if (r < 0)
				goto out;
			errs += r;
		}
		free(path);
		path = NULL;
	}
	rc = errs;
out:
	free(path);
	strlist_cleanup(&files);
	return rc;
}

void
plugin_conf_cleanup(struct plugin_conf *pc)
{
	size_t i;

	for (i = 0; i < pc->nsec; i++) {
		free(pc->sec[i].name);
		plugin_settings_cleanup(&pc->sec[i].s);
	}
	free(pc->sec);
	strlist_cleanup(&pc->errors);
	memset(pc, 0, sizeof(*pc));
}

static bool
is_wildcard(const char *name)
{
	size_t len = strlen(name);

	return name[0] == '*' || name[len - 1] == '*';
}

/* Whether wildcard section name matches plugin (Munin: a trailing "*"
 * makes a prefix, else the leading one a suffix). */
static bool
wildcard_matches(const char *name, const char *plugin)
{
	size_t len = strlen(name), plen = strlen(plugin);

	if (name[len - 1] == '*')
		return strncmp(plugin, name, len - 1) == 0;
	return plen >= len - 1 &&
	       strcmp(plugin + plen - (len - 1), name + 1) == 0;
}

int
plugin_conf_resolve(const struct plugin_conf *pc, const char *plugin,
    struct plugin_settings *out)
{
	const struct plugin_conf_section *best;
	const char *after = NULL;
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < pc->nsec; i++)
		if (strcmp(pc->sec[i].name, plugin) == 0 &&
		    !is_wildcard(plugin)) {
			if (settings_fill(out, &pc->sec[i].s) != 0)
				goto oom;
			break;
		}
	/* wildcards in descending byte order: each round takes the
	 * greatest name below the previous one (sections are few) */
	for (;;) {
		best = NULL;
		for (i = 0; i < pc->nsec; i++) {
			const char *n = pc->sec[i].name;

			if (!is_wildcard(n) ||
			    (after != NULL && strcmp(n, after) >= 0))
				continue;
			if (best == NULL || strcmp(n, best->name) > 0)
				best = &pc->sec[i];
		}
		if (best == NULL)
			break;
		after = best->name;
		if (wildcard_matches(best->name, plugin) &&
		    settings_fill(out, &best->s) != 0)
			goto oom;
	}
	return 0;
oom:
	plugin_settings_cleanup(out);
	errno = ENOMEM;
	return -1;
}
