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
/* plugins/host_kernel.c: /proc/stat, /proc/vmstat, /proc/interrupts,
 * /proc/sys/kernel/random/entropy_avail, /proc/uptime */
extern const struct host_probe probe_swap;
extern const struct host_probe probe_vmstat;
extern const struct host_probe probe_forks;
extern const struct host_probe probe_interrupts;
extern const struct host_probe probe_irqstats;
extern const struct host_probe probe_entropy;
extern const struct host_probe probe_uptime;

/* plugins/host_diskstats.c: /proc/diskstats, /sys/block */
extern const struct host_probe probe_diskstats;

/* plugins/host_disk.c: the mount list and statvfs */
extern const struct host_probe probe_df;
extern const struct host_probe probe_df_inode;

/* plugins/host_procs.c: /proc/sys/fs, /proc/PID, the utmp file */
extern const struct host_probe probe_open_files;
extern const struct host_probe probe_open_inodes;
extern const struct host_probe probe_proc_pri;
extern const struct host_probe probe_processes;
extern const struct host_probe probe_threads;
extern const struct host_probe probe_users;
/* plugins/host_net.c: /proc/net/dev, snmp, nf_conntrack; /sys/class/net */
extern const struct host_probe probe_fw_conntrack;
extern const struct host_probe probe_if_err;
extern const struct host_probe probe_if;
extern const struct host_probe probe_netstat;
/* plugins/host_power.c: /sys/class/power_supply */
extern const struct host_probe probe_bank;
extern const struct host_probe probe_power_supply_online;
/* plugins/host_vm.c: qemu processes in /proc/PID, their cgroups, taps */
extern const struct host_probe probe_vm;
/* plugins/host_lvm.c: /sys/block/dm-*, lvs and du run by its refresh */
extern const struct host_probe probe_lvm;

/* plugins/host_xen.c: xentop and xl list -l (or libxenstat), off the
 * loop */
extern const struct host_probe probe_xen;

/* plugins/host_pcap.c: libpcap capture threads on pcap_interfaces */
extern const struct host_probe probe_pcap;

#endif
