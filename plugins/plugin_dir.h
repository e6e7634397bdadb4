/*
 * plugin_dir: which files of a Munin plugin directory (/etc/munin/plugins)
 * and of a plugin-conf.d directory munin-node 2.0.73 uses.
 *
 * Munin's rules (Munin::Node::Service::is_a_runnable_service and
 * Munin::Node::Config::process_plugin_configuration_files):
 *   - a plugin is a regular file (symbolic links followed) that this
 *     process may execute, whose name does not start with "." nor end in
 *     ".conf", is made only of [-A-Za-z0-9_@.:], and matches none of the
 *     ignore patterns;
 *   - a plugin-conf.d file is a regular file whose name is made only of
 *     [-A-Za-z0-9_.:] (no "@"), does not start with ".", and matches none
 *     of the ignore patterns; the files are read in byte order (strcmp).
 * The ignore patterns are munin-node.conf's ignore_file lines.  Debian
 * ships a munin-node.conf with seven of them (backup files "~" "#" ".bak"
 * "%", dpkg and rpm leftovers, ".pod", DEADJOE): plugin_ignore_debian
 * lists them, and is what a caller passes when the operator set none.
 *
 * Not reproduced: munin uses Perl regular expressions; these are POSIX
 * extended ones (the same for every pattern Debian ships; in a bracket
 * "\" is literal, which only widens "[\#~]$" to names no plugin can have).
 * The "paranoia" permission checks are not made.  Perl's \w also matches
 * non-ASCII letters in some locales; here only ASCII counts.
 *
 * Blocking file-system calls: for start-up and reloads, not the loop.
 */
#ifndef DROVER_PLUGIN_DIR_H
#define DROVER_PLUGIN_DIR_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "lib/strlist.h"

/* Debian's munin-node.conf ignore_file patterns, NULL-terminated. */
extern const char *const plugin_ignore_debian[];

/* A compiled ignore list; embedded, zero-initialised is empty. */
struct plugin_ignore {
	regex_t *re; /* n compiled patterns */
	size_t n;
};

/*
 * Compiles the NULL-terminated patterns (POSIX extended) into ig, which
 * must be empty.  Returns 0, or -1: a bad pattern (logged with it,
 * errno EINVAL) or allocation failure; ig stays empty then.
 */
int plugin_ignore_init(struct plugin_ignore *ig, const char *const *patterns);
void plugin_ignore_cleanup(struct plugin_ignore *ig);
/* Whether name matches one of the patterns. */
bool plugin_ignored(const struct plugin_ignore *ig, const char *name);

/* Whether name is one munin-node would run (the name rules above, not
 * the file checks); ig may be NULL (no patterns). */
bool plugin_name_runnable(const struct plugin_ignore *ig, const char *name);
/* Whether name is a plugin-conf.d file munin-node would read. */
bool plugin_conf_name_ok(const struct plugin_ignore *ig, const char *name);

/*
 * Appends to out the plugins in dir, sorted by name (munin-node lists them
 * in readdir order; drover sorts, so "list" is stable).  Returns 0, or -1
 * with errno when dir cannot be read (logged); nothing added then.
 */
int plugin_dir_list(
    const char *dir, const struct plugin_ignore *ig, struct strlist *out);

/* The same for the files of a plugin-conf.d directory, in reading order. */
int plugin_conf_dir_list(
    const char *dir, const struct plugin_ignore *ig, struct strlist *out);

#endif
