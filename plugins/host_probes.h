/*
 * host_probes: the probes of plugins/host_probes.c, one per Munin plugin
 * (or wildcard family) they stand in for.
 */
#ifndef DROVER_HOST_PROBES_H
#define DROVER_HOST_PROBES_H

#include "plugins/host.h"

/* plugins/node.c: /proc/stat, /proc/loadavg, /proc/meminfo */
extern const struct host_probe probe_cpu;
extern const struct host_probe probe_load;
extern const struct host_probe probe_memory;

/* plugins/host_net.c: /proc/net/dev, snmp, nf_conntrack; /sys/class/net */
extern const struct host_probe probe_fw_conntrack;
extern const struct host_probe probe_if_err;
extern const struct host_probe probe_if;
extern const struct host_probe probe_netstat;

#endif
