/*
 * plugin_conf: munin-node's plugin-conf.d (user, group, env.*, timeout,
 * command per plugin), parsed and resolved for one plugin name as
 * munin-node 2.0.73 does (Munin::Node::Config).
 *
 * Files: every file plugin_dir accepts, in byte order; each holds
 * sections "[NAME]" and, under one, lines "KEY VALUE".  Munin's line
 * rules: "#" starts a comment unless written "\#" (which means "#");
 * blank space around a line is dropped; KEY is [A-Za-z0-9_.]+ and VALUE
 * the rest of the line.  Keys: user, group (names or numbers separated by
 * blanks or commas; "(name)" is optional: skipped when the group does not
 * exist), command (words; "%c" stands for the plugin and its argument),
 * timeout (seconds), host_name, update_rate, env.NAME.
 *
 * Override order: a key set twice for one section, in one file or in a
 * later file, keeps the later value (env.NAME per name; group and command
 * as a whole).  Then wildcard sections fill what the plugin's own section
 * left unset: "[PREFIX*]" matches names starting with PREFIX, "[*SUFFIX]"
 * names ending in SUFFIX ("[*]" every name), tried in descending byte
 * order of the section name so that "[if_err_*]" beats "[if_*]" beats
 * "[*]"; a key (env.NAME per name) comes from the first that sets it.
 *
 * Errors, as munin-node: text before the first section, a line that is
 * not "KEY VALUE", an unknown key, Munin's deprecated "env NAME=VALUE":
 * the error names file and line, and the rest of that file is skipped
 * (munin-node "skips the rest of the file"); other files still load.
 * Not reproduced: munin treats PREFIX and SUFFIX as Perl regular
 * expressions (here they are literal text); munin accepts any timeout text
 * (a non-number means no timeout); here a timeout that is not a whole
 * number of seconds, 1 to 86400, is an error that skips only its line.
 *
 * Parsing is pure (plugin_conf_parse over a buffer); plugin_conf_load_dir
 * reads the files (blocking: start-up and reloads, not the loop).
 */
#ifndef DROVER_PLUGIN_CONF_H
#define DROVER_PLUGIN_CONF_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/strlist.h"
#include "plugins/plugin_dir.h"

/* One NAME=VALUE of a plugin's environment. */
struct plugin_env {
	char *name;
	char *value;
};

/* What a section, or the resolution for a plugin, sets. */
struct plugin_settings {
	char *user;		/* NULL: unset (munin-node: "nobody") */
	bool has_group;		/* group given (groups may still be empty) */
	struct strlist groups;	/* names or numbers, "(name)" kept as is */
	bool has_command;	/* command given */
	struct strlist command; /* words; "%c" as given */
	unsigned timeout;	/* seconds; 0: unset (munin-node: 60) */
	char *host_name;	/* NULL: unset */
	char *update_rate;	/* NULL: unset; kept for the caller */
	struct plugin_env *env; /* nenv entries, first setting first */
	size_t nenv;
};

struct plugin_conf_section {
	char *name; /* as between the brackets */
	struct plugin_settings s;
};

/* A loaded plugin-conf.d; embedded, zero-initialised is empty. */
struct plugin_conf {
	struct plugin_conf_section *sec; /* nsec, in first-seen order */
	size_t nsec;
	size_t cap;	       /* allocated slots in sec */
	struct strlist errors; /* "FILE:LINE: message", as logged */
};

/*
 * Parses len bytes of buf, the file called file (for messages), into pc,
 * over what earlier files set.  Errors are logged and kept in pc->errors.
 * Returns the number of errors in this file (0 or 1: the first one ends
 * the file), or -1 (errno) on allocation failure.
 */
int plugin_conf_parse(
    struct plugin_conf *pc, const char *file, const char *buf, size_t len);

/*
 * Reads every file of dir munin-node would (see plugin_dir) into pc.
 * A file that cannot be read is an error (logged, kept) and skipped.
 * Returns the number of errors, or -1 (errno) when dir cannot be listed
 * or on allocation failure.
 */
int plugin_conf_load_dir(
    struct plugin_conf *pc, const char *dir, const struct plugin_ignore *ig);

void plugin_conf_cleanup(struct plugin_conf *pc);

/*
 * The effective settings for plugin into out (zeroed here first; clean it
 * with plugin_settings_cleanup).  Returns 0, or -1 on allocation failure.
 */
int plugin_conf_resolve(const struct plugin_conf *pc, const char *plugin,
    struct plugin_settings *out);

/* out's value of env.name, or NULL. */
const char *plugin_settings_env(
    const struct plugin_settings *s, const char *name);

void plugin_settings_cleanup(struct plugin_settings *s);

#endif
