/*
 * node: the built-in source for the machine drover runs on.
 *
 * Emits the services "cpu", "load" and "memory" with exactly the names,
 * fields and config attributes of Munin's own plugins of those names
 * (munin 2.0, /usr/share/munin/plugins/{cpu,load,memory}) in their default
 * configuration, so that graphs and RRD files made from either are the
 * same.  Threshold settings (the plugins' env.*_warning / *_critical) are
 * not part of a source: they belong to drover's configuration.
 *
 * The parsers are pure functions over one /proc file's contents; buf need
 * not be NUL-terminated and is never read past len.  Each parser adds its
 * service to b (which should not hold that service yet), with has_config
 * set and a value for every field the plugin's fetch would print.  On -1
 * the input was not understood and b is unchanged, except after an
 * allocation failure (errno ENOMEM), which may leave a partial service.
 */
#ifndef DROVER_NODE_H
#define DROVER_NODE_H

#include <stddef.h>

#include "plugins/sample.h"
#include "plugins/source.h"

/* /proc/stat -> "cpu": jiffies (USER_HZ, 1/100 s) per CPU state as DERIVE,
 * iowait/irq/softirq, steal and guest only when the kernel has the column. */
int node_parse_stat(const char *buf, size_t len, struct batch *b);
/* /proc/loadavg -> "load": the 5-minute load average (second number). */
int node_parse_loadavg(const char *buf, size_t len, struct batch *b);
/* /proc/meminfo -> "memory": bytes per use (apps, cache, slab, swap...),
 * optional fields only when the kernel reports their meminfo line. */
int node_parse_meminfo(const char *buf, size_t len, struct batch *b);

/* The node source (plugins/sources.c): the host served by the built-in
 * source, every probe of plugins/host_probes.c read from the host's
 * proc_root and sys_root.  Reading them takes well under a millisecond,
 * so a poll runs inline on the loop and its callback runs before poll
 * returns, unless a probe has a refresh (a command such as lvs or
 * xentop, plugins/host_refresh): then the poll collects, on the loop,
 * once the refreshes have ended, and cancel withdraws them. */
extern const struct source source_node;

#endif
