/*
 * node_probes: drover's C probes (plugins/host.h) as a kind of plugin
 * for "drover node" (agent/node_plugins.h).
 *
 * Each probe is read on demand, one at a time, on the loop (a probe that
 * runs commands refreshes first, off the loop: node_probes_start), and
 * its reading is kept: one younger than NODE_PROBE_FRESH_MS is served again
 * rather than read anew (see node_probes.c for why).  Probe states (the
 * previous counters of rate-computing probes) live as long as the
 * context.  Answers are Munin's plugin text: config is the graph and
 * field attributes (values too when dirtyconfig was negotiated), fetch
 * "FIELD.value N" (U when unknown); a multigraph probe prints each of
 * its services after "multigraph NAME".
 */
#ifndef DROVER_NODE_PROBES_H
#define DROVER_NODE_PROBES_H

#include <uv.h>

#include "agent/node_plugins.h"
#include "lib/buf.h"
#include "plugins/host.h"
#include "plugins/sample.h"

#define NODE_PROBE_FRESH_MS 1000 /* a reading this young is reused, ms */

extern const struct node_kind node_probes_kind;

/* A context for node_probes_kind reading below r's roots (its strings
 * copied, its runner kept); NULL on allocation failure.  Until
 * node_probes_start, probes with a refresh (plugins/host.h) answer from
 * what they have without one. */
void *node_probes_new(const struct host_roots *r);
/*
 * Gives the context its loop and starts, in the background, one refresh
 * of every probe that has one, so the first list already knows what they
 * show.  From then on a config or fetch of such a probe whose last
 * refresh is older than NODE_PROBE_FRESH_MS answers when a new one has
 * ended (masters asking meanwhile share it; node_plugins_cancel
 * withdraws an answer); list never waits: it shows the last result.
 * Once, when the loop exists.  0.
 */
int node_probes_start(void *ctx, uv_loop_t *loop);
/* For tests (tests/test_node_proto.c): the same over probes[nprobes]
 * (kept, not copied) instead of host_probes. */
void *node_probes_new_probes(const struct host_roots *r,
    const struct host_probe *const *probes, size_t nprobes);
/* Leaves plugin name (a probe's, an instance such as "if_eth0", or a
 * multigraph probe's) to a later kind: the operator's choice of an exec
 * plugin of that name.  0 / -1 (ENOMEM). */
int node_probes_exclude(void *ctx, const char *name);

/* "NAME.value N\n" for each field of s with a value, numbers as Munin's
 * plugins print them (integers without decimals). */
void node_probes_values(const struct service *s, struct buf *out);
/* s's config: graph attributes, then each field's. */
void node_probes_config(const struct service *s, struct buf *out);

#endif
