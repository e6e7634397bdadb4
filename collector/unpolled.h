/*
 * unpolled: the hosts of munin.conf that Munin draws but does not poll
 * ("update no"), put in the catalog as such: a host kept for its
 * history, and the virtual host of an aggregate graph whose services are
 * config lines only (SERVICE.graph_order with host:plugin.field aliases,
 * FIELD.sum, FIELD.stack; drawn by rrd/graph_special.h from the fields
 * they name, catalog/cat_ref.h).
 *
 * A host's services come, in this order, from what the catalog already
 * holds (drover polled or restored it from state_dir), else from Munin's
 * own record, dbdir/datafile (catalog/munin_datafile.h), as munin-update
 * left it; then its service lines in munin.conf are applied over them,
 * creating services and fields as Munin's config tree does.  Values are
 * dropped: the host shows graphs, and neither values nor alerts that
 * could only be stale.  The host is marked unpolled (the pages say "not
 * polled (update no)"); the poller has no target for it (poller.c) and
 * the alert engine's staleness skips it (alerts.c).
 *
 * A polled host may hold such services too (munin-graph draws a
 * "SERVICE.graph_order mine=load.load" in any host section): the
 * services of its munin.conf lines that name other fields are added to
 * it the same way; the others stay overrides of what its node sends.
 */
#ifndef DROVER_UNPOLLED_H
#define DROVER_UNPOLLED_H

#include "catalog/catalog.h"
#include "catalog/munin_datafile.h"
#include "collector/conf.h"

/*
 * Reads dbdir/datafile into df (zeroed by the caller).  A missing file
 * leaves df empty; an unreadable or malformed one is logged and leaves
 * it empty.  Start-up and reload (blocking file read).
 */
void unpolled_read_datafile(const char *dbdir, struct munin_datafile *df);

/*
 * Marks every host of c in cat as polled or not, and gives each
 * "update no" host its services and each polled one its config-only
 * services (see above).  The hosts must exist in
 * cat (poller_apply made them).  Loop thread.
 */
void unpolled_apply(
    struct catalog *cat, const struct conf *c, const struct munin_datafile *df);

#endif
