/*
 * node_exec: the operator's Munin plugins (a plugin directory, default
 * /etc/munin/plugins) as a kind of plugin for "drover node"
 * (agent/node_plugins.h), run by the privileged runner
 * (agent/plugin_runner.h).
 *
 * As munin-node at start-up, each plugin is run once with "config"
 * (node_exec_discover; at most NODE_EXEC_DISCOVER_MAX at once): one that
 * prints nothing or times out is dropped (logged; then "# Unknown
 * service"), one that prints a "multigraph" line is a multigraph plugin,
 * hidden from a master that did not announce multigraph.  A plugin still
 * being discovered can be asked for but is not listed yet (munin-node
 * does not listen until all are done).  Answers are the plugin's output
 * split into lines at runs of CR and LF, empty lines dropped (as
 * munin-node splits it); a plugin that timed out answers "# Timed out",
 * one that exited non-zero, could not start, or printed more than the
 * output bound answers "# Bad exit".
 *
 * Not reproduced: a plugin's host_name (munin-node's virtual nodes):
 * every plugin is listed under our own node name.
 */
#ifndef DROVER_NODE_EXEC_H
#define DROVER_NODE_EXEC_H

#include <uv.h>

#include "agent/node_plugins.h"
#include "agent/plugin_runner.h"
#include "lib/strlist.h"

#define NODE_EXEC_DISCOVER_MAX 4 /* plugins configured at once */

extern const struct node_kind node_exec_kind;

/* A context serving names (copied) through r (borrowed: it must outlive
 * the context); NULL on allocation failure. */
void *node_exec_new(struct runner *r, const struct strlist *names);
/* Starts the start-up config runs on loop. */
void node_exec_discover(void *ctx, uv_loop_t *loop);

#endif
