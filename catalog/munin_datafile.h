/*
 * munin_datafile: Munin 2.0's own record of every node's service config,
 * dbdir/datafile, read as configs drover may show, and the same key
 * grammar for munin.conf's service lines in a host section.
 *
 * munin-update writes the file after each run
 * (Munin::Master::Update::_write_new_service_configs): a line "version
 * 2.0.73", then one line per attribute, "GROUP;HOST:SERVICE.ATTR VALUE"
 * for graph attributes and "GROUP;HOST:SERVICE.FIELD.ATTR VALUE" for
 * fields ("A;B;HOST" for nested groups, "SERVICE" dotted for multigraph
 * children), in Perl hash order.  It holds the hosts that run polled and
 * the old config of hosts whose poll failed; a host set to "update no"
 * is dropped at munin-update's next run (tests/test_unpolled.sh shows
 * it), so the file describes such a host only when Munin last ran while
 * it was still polled: the moment of a migration to drover.
 *
 * Pure: a buffer in, batches out (config only, no values).  Which dot
 * ends the service: an attribute that is a graph attribute ("graph_*",
 * or one of Munin's service keys: graph, update, host_name, ...) makes
 * everything before it the service; any other makes the word before it
 * the field and everything before that the service.  Keys of both
 * (graph, graph_data_size, update_rate) are a field's when there is a
 * word for the field ("load.load.graph_data_size"), else the service's.
 */
#ifndef DROVER_MUNIN_DATAFILE_H
#define DROVER_MUNIN_DATAFILE_H

#include <stddef.h>

#include "plugins/sample.h"

#define MUNIN_DATAFILE_MAX (64u << 20) /* largest datafile read, bytes */

struct mdf_host {
	char *group; /* ';'-joined group chain */
	char *name;
	struct batch b; /* its services, has_config set, no values */
};

struct munin_datafile {
	char version[32]; /* "2.0.73", from the first line */
	struct mdf_host *hosts;
	size_t n;
	size_t cap;
	unsigned skipped; /* lines that were not "PATH:KEY VALUE" */
};

/*
 * Parses the text buf[0..len) into df (zeroed by the caller or
 * cleaned).  A text whose first line is not "version ..." is refused:
 * -1 with errno EINVAL and the reason in err (errlen bytes); lines that
 * do not parse are counted in skipped.  -1 with ENOMEM otherwise.
 */
int munin_datafile_parse(const char *buf, size_t len, struct munin_datafile *df,
    char *err, size_t errlen);
void munin_datafile_cleanup(struct munin_datafile *df);

/* The host of df with that group chain and name, or NULL. */
const struct mdf_host *munin_datafile_host(
    const struct munin_datafile *df, const char *group, const char *name);

/*
 * Sets one service line's attribute in b: key "SERVICE.ATTR" or
 * "SERVICE.FIELD.ATTR" (split as above), creating the service (with
 * has_config) and the field when missing.  0, or -1 (EINVAL: no service
 * or attribute, ENOMEM).
 */
int munin_config_key(struct batch *b, const char *key, const char *value);

#endif
