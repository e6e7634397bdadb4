/*
 * host_kernel: the kernel counters of this machine, as Munin's core
 * plugins swap, vmstat, forks, interrupts, irqstats, entropy and uptime
 * (munin 2.0, /usr/share/munin/plugins) show them in their default
 * configuration: the same services, fields and config attributes, and
 * the values their fetch prints.
 *
 * The parsers are pure functions over one /proc file's contents; buf need
 * not be NUL-terminated and is never read past len, and the end of buf
 * ends its last line.  Each adds its service to b (which should not hold
 * it yet) with has_config set.  A field whose /proc line is missing has no
 * value (has_value false; the plugin prints an empty value or none), and
 * a service none of whose lines are there is not added (0).  On -1 the
 * input was not understood (a present line with no number where one
 * belongs, a counter past 2^64) and b is unchanged, except after an
 * allocation failure (errno ENOMEM), which may leave a partial service.
 */
#ifndef DROVER_HOST_KERNEL_H
#define DROVER_HOST_KERNEL_H

#include <stddef.h>

#include "plugins/sample.h"

/* /proc/vmstat (pswpin, pswpout) -> "swap": pages swapped in and out, as
 * DERIVE.  Without /proc/vmstat (vmstat NULL: a 2.4 kernel) the plugin
 * reads the "swap IN OUT" line of /proc/stat instead (stat). */
int host_kernel_parse_swap(const char *vmstat, size_t vlen, const char *stat,
    size_t slen, struct batch *b);
/* /proc/stat (procs_running, procs_blocked) -> "vmstat": the r and b
 * columns of vmstat(8), processes runnable and in I/O sleep, as GAUGE. */
int host_kernel_parse_vmstat(const char *buf, size_t len, struct batch *b);
/* /proc/stat (processes) -> "forks": processes created since boot. */
int host_kernel_parse_forks(const char *buf, size_t len, struct batch *b);
/* /proc/stat (intr, ctxt) -> "interrupts": interrupts and context
 * switches since boot. */
int host_kernel_parse_interrupts(const char *buf, size_t len, struct batch *b);
/* /proc/interrupts -> "irqstats": one DERIVE field "i" + IRQ per line
 * (i0, iNMI, iLOC...), its count summed over the CPUs, labelled with the
 * device the line names. */
int host_kernel_parse_irqstats(const char *buf, size_t len, struct batch *b);
/* /proc/sys/kernel/random/entropy_avail -> "entropy": bits of entropy in
 * the kernel's pool (the plugin says bytes). */
int host_kernel_parse_entropy(const char *buf, size_t len, struct batch *b);
/* /proc/uptime -> "uptime": days since boot, rounded to 1/100 day as the
 * plugin's printf("%.2f") does. */
int host_kernel_parse_uptime(const char *buf, size_t len, struct batch *b);

#endif
