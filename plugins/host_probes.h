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

/* plugins/host_procs.c: /proc/sys/fs, /proc/PID, the utmp file */
extern const struct host_probe probe_open_files;
extern const struct host_probe probe_open_inodes;
extern const struct host_probe probe_proc_pri;
extern const struct host_probe probe_processes;
extern const struct host_probe probe_threads;
extern const struct host_probe probe_users;

#endif
