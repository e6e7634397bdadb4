/*
 * node_main: "drover node -c FILE", a munin-node for this machine
 * serving drover's C probes (agent/): the config's node_* keys,
 * procfs_root / sysfs_root, user / group, logging as "drover run".
 *
 * Signals: SIGTERM and SIGINT stop it (exit 0).  SIGHUP is logged and
 * ignored: what the config holds for the node (address, allow list,
 * name, roots, user) is fixed at start, and a restart costs a master
 * nothing (its next poll reconnects), so a half-applied reload would
 * only be a second way to be wrong.
 */
#ifndef DROVER_NODE_MAIN_H
#define DROVER_NODE_MAIN_H

#include <stddef.h>

#include "collector/conf.h"

/* Runs the node until a stop signal; takes ownership of c (loaded from
 * path).  0 on a clean stop, 1 when it cannot start (logged). */
int node_main(const char *path, struct conf *c);
/*
 * The name munin-node would give this machine: the canonical name of
 * gethostname()'s answer (what Perl's gethostbyname returns), else that
 * answer, else "unknown".  Blocking (a resolver lookup): start-up only.
 */
void node_host_name(char *out, size_t len);

#endif
