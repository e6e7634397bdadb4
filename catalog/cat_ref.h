/*
 * cat_ref: the references of an aggregate graph ("host1:plugin.field",
 * "group;host2:plugin.field", "plugin.field") resolved in the catalog to
 * the fields they name, as munin-graph resolves them in its config tree
 * (Munin::Master::Utils::munin_get_node_partialpath): the reference's
 * location (graph_ref_loc()) is tried below the referring service's own
 * location (groups, host, service), then below each shorter prefix of
 * it, down to the top; the first that names a host's service and field
 * wins.  So "host1:load.load" finds host1 in the virtual host's group
 * (or any enclosing one), "g;host2:load.load" host2 of group g, and
 * "load.load" the referring host's own service.
 *
 * The table it fills is what graph_build() takes (graph_params.sources):
 * the field's RRD file in Munin's layout, its type, draw, label, info
 * and the service's last update.  Loop thread (reads the catalog).
 */
#ifndef DROVER_CAT_REF_H
#define DROVER_CAT_REF_H

#include <stddef.h>

#include "catalog/catalog.h"
#include "rrd/graph_special.h"

/* The references of one service, resolved; owns the strings. */
struct cat_refs {
	struct graph_source *v; /* for graph_params.sources */
	size_t n;
	char **paths; /* the v[i].path strings */
	struct strlist refs;
};

/*
 * Fills out with the references of cs (a service of h) resolved in cat,
 * files under dbdir.  A reference that names no field has path NULL.
 * Pointers into the catalog (draw, label) stay valid until it changes.
 * 0 / -1 (ENOMEM); clean out with cat_refs_cleanup() either way.
 */
int cat_refs_resolve(struct cat_refs *out, const struct catalog *cat,
    const struct cat_host *h, const struct cat_service *cs, const char *dbdir);
void cat_refs_cleanup(struct cat_refs *r);

/*
 * The host, service and field index ref names from service svcname of
 * host h, or NULL (*cs, *fidx untouched).
 */
const struct cat_host *cat_ref_find(const struct catalog *cat,
    const struct cat_host *h, const char *svcname, const char *ref,
    const struct cat_service **cs, size_t *fidx);

#endif
