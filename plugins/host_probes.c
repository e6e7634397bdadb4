/*
 * host_probes: the table of the machine's C sources (plugins/host.h),
 * in the order "list" shows them.  Adding a probe is one file in plugins/
 * and one row here.
 */
#include "plugins/host_probes.h"

const struct host_probe *const host_probes[] = {
    &probe_cpu,
    &probe_load,
    &probe_memory,
    &probe_swap,
    &probe_vmstat,
    &probe_forks,
    &probe_interrupts,
    &probe_irqstats,
    &probe_entropy,
    &probe_uptime,
    &probe_diskstats,
    &probe_df,
    &probe_df_inode,
    &probe_open_files,
    &probe_open_inodes,
    &probe_proc_pri,
    &probe_processes,
    &probe_threads,
    &probe_users,
    &probe_fw_conntrack,
    /* if_err_ before if_: host_probe_find takes the first prefix */
    &probe_if_err,
    &probe_if,
    &probe_netstat,
    &probe_bank,
    &probe_power_supply_online,
    &probe_vm,
    &probe_lvm,
    &probe_xen,
    &probe_pcap,
};

const size_t host_nprobes = sizeof(host_probes) / sizeof(host_probes[0]);
