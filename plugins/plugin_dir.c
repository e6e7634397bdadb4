/*
 * plugin_dir: munin-node's choice of plugin and plugin-conf.d files (see
 * the header for the rules and what differs from Munin).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "plugins/plugin_dir.h"

const char *const plugin_ignore_debian[] = {
    "[\\#~]$",
    "DEADJOE$",
    "\\.bak$",
    "%$",
    "\\.dpkg-(tmp|new|old|dist)$",
    "\\.rpm(save|new)$",
    "\\.pod$",
    NULL,
};

int
plugin_ignore_init(struct plugin_ignore *ig, const char *const *patterns)
{
	size_t n = 0, i;
	int rc;
	char msg[128];

	while (patterns[n] != NULL)
		n++;
	ig->n = 0;
	ig->re = NULL;
	if (n == 0)
		return 0;
	ig->re = calloc(n, sizeof(*ig->re));
	if (ig->re == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		rc = regcomp(&ig->re[i], patterns[i], REG_EXTENDED | REG_NOSUB);
		if (rc != 0) {
			regerror(rc, &ig->re[i], msg, sizeof(msg));
			log_warnx("plugins: bad ignore_file pattern \"%s\": %s",
			    patterns[i], msg);
			plugin_ignore_cleanup(ig);
			errno = EINVAL;
			return -1;
		}
		ig->n++;
	}
	return 0;
}

void
plugin_ignore_cleanup(struct plugin_ignore *ig)
{
	size_t i;

	for (i = 0; i < ig->n; i++)
		regfree(&ig->re[i]);
	free(ig->re);
	ig->re = NULL;
	ig->n = 0;
}

bool
plugin_ignored(const struct plugin_ignore *ig, const char *name)
{
	size_t i;

	if (ig == NULL)
		return false;
	for (i = 0; i < ig->n; i++)
		if (regexec(&ig->re[i], name, 0, NULL, 0) == 0)
			return true;
	return false;
}

/* Whether every byte of name is ASCII \w or in extra. */
static bool
name_chars_ok(const char *name, const char *extra)
{
	const unsigned char *p;

	if (*name == '\0')
		return false;
	for (p = (const unsigned char *)name; *p != '\0'; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_')
			continue;
		if (strchr(extra, *p) == NULL)
			return false;
	}
	return true;
}

bool
plugin_name_runnable(const struct plugin_ignore *ig, const char *name)
{
	size_t len = strlen(name);

	if (name[0] == '.')
		return false;
	if (len >= 5 && strcmp(name + len - 5, ".conf") == 0)
		return false;
	if (!name_chars_ok(name, "-@.:"))
		return false;
	return !plugin_ignored(ig, name);
}

bool
plugin_conf_name_ok(const struct plugin_ignore *ig, const char *name)
{
	if (name[0] == '.')
		return false;
	if (!name_chars_ok(name, "-.:"))
		return false;
	return !plugin_ignored(ig, name);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir accepted by ok() whose file passes the file test
 * (regular, and executable when exec), sorted, appended to out. */
static int
list_dir(const char *dir, const struct plugin_ignore *ig,
    bool (*ok)(const struct plugin_ignore *, const char *), bool exec,
    struct strlist *out)
{
	DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	struct strlist names = {0};
	size_t i;
	int rc = -1, saved;

	d = opendir(dir);
	if (d == NULL) {
		log_warn("plugins: %s", dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (!ok(ig, de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (exec &&
		    faccessat(dirfd(d), de->d_name, X_OK, AT_EACCESS) != 0)
			continue;
		if (strlist_add(&names, de->d_name) != 0)
			goto out;
	}
	if (names.n > 1)
		qsort(names.v, names.n, sizeof(*names.v), cmp_str);
	for (i = 0; i < names.n; i++)
		if (strlist_add(out, names.v[i]) != 0)
			goto out;
	rc = 0;
out:
	saved = errno;
	strlist_cleanup(&names);
	closedir(d);
	errno = saved;
	return rc;
}

int
plugin_dir_list(
    const char *dir, const struct plugin_ignore *ig, struct strlist *out)
{
	return list_dir(dir, ig, plugin_name_runnable, true, out);
}

int
plugin_conf_dir_list(
    const char *dir, const struct plugin_ignore *ig, struct strlist *out)
{
	return list_dir(dir, ig, plugin_conf_name_ok, false, out);
}
