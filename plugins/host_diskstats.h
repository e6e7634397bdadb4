/*
 * host_diskstats: the multigraph probe "diskstats", standing in for
 * Munin's plugin of that name: per block device its latency, utilisation,
 * throughput and IOs per second, computed from the counters' change since
 * the previous reading, in the graphs diskstats_latency,
 * diskstats_utilization, diskstats_throughput, diskstats_iops and their
 * children per device ("diskstats_iops.sda", "diskstats_latency.vg0_root").
 *
 * One read of PROC/diskstats and one listing of SYS/block per reading (the
 * plugin reads SYS/block/DEV/stat per device, the same counters), plus
 * SYS/block/dm-N/dm/{name,uuid} for device-mapper devices.  The previous
 * reading is the probe's *state, so the first reading shows the graphs'
 * config and no values, as the plugin's first run (with no state file)
 * prints none.
 */
#ifndef DROVER_HOST_DISKSTATS_H
#define DROVER_HOST_DISKSTATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/host.h"
#include "plugins/sample.h"

/* The counters the plugin uses (Documentation/iostats: sectors of 512
 * bytes, ticks in ms). */
struct ds_counters {
	uint64_t rd_ios, rd_sectors, rd_ticks;
	uint64_t wr_ios, wr_sectors, wr_ticks;
	uint64_t tot_ticks; /* ms the device had I/O in flight */
};

struct ds_device {
	char *name;   /* kernel name: "sda", "dm-0", "cciss/c0d0" */
	char *pretty; /* shown name: "vg0/root", "mapper/crypt"; NULL:
			 name */
	struct ds_counters c;
};

struct ds_reading {
	struct ds_device *v;
	size_t n;
};

/*
 * Parses /proc/diskstats into r (zeroed first): every line of at least 14
 * columns (major minor name and 11 counters; 4.19 and 5.5 kernels add
 * more, which are ignored); shorter lines (2.6 partitions) are skipped as
 * the plugin skips them.  0, or -1 (errno EINVAL: a counter is not a
 * number or overflows; ENOMEM); r then holds what was parsed before.
 */
int diskstats_parse(const char *buf, size_t len, struct ds_reading *r);
void diskstats_reading_cleanup(struct ds_reading *r);

/*
 * Keeps the devices the plugin shows: with sysfs (sys non-NULL: the n
 * entry names of SYS/block, '!' for '/'), those it lists; then of those
 * with traffic (reads or writes), the ones that are not a partition of
 * another shown device (sda1 of sda, nvme0n1p1 of nvme0n1, but not dm-10
 * of dm-1).  Order is kept.
 */
void diskstats_select(struct ds_reading *r, const char *const *sys, size_t n);

/*
 * The shown name of device-mapper device d from SYS's dm/name and dm/uuid
 * (either NULL when unreadable): an LVM volume's "VG/LV" ("vg--a-lv" is
 * "vg-a/lv"), any other mapping's "mapper/NAME", else the kernel name.
 * 0 / -1 (ENOMEM).
 */
int diskstats_dm_name(struct ds_device *d, const char *name, const char *uuid);

/*
 * The plugin's services for the devices of cur, with values computed from
 * prev over interval seconds; prev NULL (the first reading): config only.
 * A device missing from prev gets U (the plugin would divide its whole
 * counters by the interval).  0 / -1 (ENOMEM).
 */
int diskstats_services(const struct ds_reading *cur,
    const struct ds_reading *prev, double interval, struct batch *b);

/*
 * The probe's collect at time now (seconds of any monotonic clock): reads
 * the roots, adds the services, and keeps the reading in *state (freed
 * with diskstats_state_free).  A reading not later than the kept one
 * shows no values and keeps the older.  0 / -1.
 */
int diskstats_collect_at(
    const struct host_roots *r, void **state, struct batch *b, double now);
void diskstats_state_free(void *state);

#endif
