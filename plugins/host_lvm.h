/*
 * host_lvm: the multigraph probe "lvm", this machine's LVM logical
 * volumes: their I/O, their sizes, how full their thin pools and
 * snapshots are, and how much the LVM metadata archive holds.
 *
 * Services (category "disk"), a field per LV (or pool, or directory):
 *   lvm_iops        reads and writes per second, VG_LV_read (graphed
 *                   below the axis) and VG_LV_write, DERIVE;
 *   lvm_throughput  bytes read and written per second, VG_LV_read and
 *                   VG_LV_write, DERIVE (sectors of 512 bytes);
 *   lvm_busy        percent of the time the LV had I/O in flight
 *                   (io_ticks), VG_LV, DERIVE of 1/100 s;
 *   lvm_inflight    I/O requests in flight now, VG_LV, GAUGE;
 *   lvm_size        the LV's size in bytes, VG_LV, GAUGE (lvs);
 *   lvm_thin        thin-pool use in percent, VG_POOL_data and
 *                   VG_POOL_metadata, GAUGE, warning 80 critical 90: a
 *                   full data area makes writes to every thin LV of the
 *                   pool fail (or queue), a full metadata area can
 *                   damage the pool, and LVM's own
 *                   thin_pool_autoextend_threshold default is 100 (off),
 *                   so nothing else warns;
 *   lvm_snapshot    a classic (copy-on-write) snapshot's use in percent,
 *                   VG_LV, GAUGE, warning 80 critical 90: at 100% the
 *                   snapshot is invalidated;
 *   lvm_archive     archive_files, archive_bytes, backup_files,
 *                   backup_bytes: what lvm_archive_dir and lvm_backup_dir
 *                   hold (du -sb, du -s --inodes), GAUGE;
 *                   archive_files warning 10000 critical 100000.
 * Field names are "VG_LV" through Munin's clean_fieldname (a second LV
 * that cleans to the same name gets "_2", "_3"...), labels "VG/LV".
 *
 * The archive thresholds: LVM writes one archive file per metadata
 * change of a VG and, after a change, removes the files older than
 * retain_days (30) beyond the newest retain_min (10).  A host that
 * changes a VG a hundred times a day keeps about 3,000 files; 10,000
 * means expiry is not keeping up (files with fresh mtimes: a restore, a
 * copy, a tool that churns metadata hourly) or archiving was pointed at
 * a directory shared with something else.  Every lvcreate, lvremove and
 * snapshot reads the whole directory: with 100,000 recent files here one
 * lvcreate took 0.3 s instead of 0.07 s, and a real host with 300,000
 * took 7 s per lvcreate, so 100,000 is critical.  The backup directory
 * holds one file per VG: its figures carry no default thresholds.
 *
 * What is shown of device-mapper: SYS/block/dm-N whose dm/uuid starts
 * "LVM-" (LVM's; crypt, multipath and others are left to diskstats) and
 * whose dm/name splits as VG-LV ("-" inside a name is doubled:
 * "vg--data-lv--1" is VG "vg-data", LV "lv-1"), the LVs a user opens:
 *   shown:     linear, striped, raid, thin LVs, a snapshot's origin
 *              ("vg-lv": I/O to the origin) and the snapshot itself;
 *   not shown: layers LVM stacks below them, named VG-LV-LAYER or with a
 *              dm uuid suffix ("-tpool", "-real", "-cow", the thin
 *              pool's own public device "-pool"), and hidden sub-LVs,
 *              whose names carry a suffix LVM reserves ("_tdata",
 *              "_tmeta", "_pmspare", "_rimage_N", "_rmeta_N", "_mimage",
 *              "_mlog", "_cdata", "_cmeta", "_corig", "_vdata",
 *              "_vorigin", "_wcorig").  Their I/O is the shown LVs'
 *              I/O once more (a thin pool's -tpool is the sum of its thin
 *              LVs), so showing them would count it twice; a pool's
 *              fill is in lvm_thin, and the PVs' own traffic is in
 *              diskstats.
 *
 * Where the figures come from:
 *   - I/O: collect reads SYS/block/dm-N/stat, dm/name, dm/uuid itself,
 *     on the loop (three small sysfs reads per device, no exec);
 *   - sizes, thin pools, snapshots and the directories: the refresh
 *     (host_probe.refresh) runs, off the loop through host_cmd_run and
 *     with probe_command_timeout,
 *       LVS --reportformat json --units b --nosuffix
 *           -o lv_name,vg_name,lv_size,lv_attr,segtype,pool_lv,origin,
 *              data_percent,metadata_percent
 *       du -sb DIR    and    du -s --inodes DIR
 *     for DIR lvm_archive_dir and lvm_backup_dir; collect shows the last
 *     refresh's results.  A result that failed, timed out or is older
 *     than LVM_STALE_S shows U (logged once when it starts failing, and
 *     once when it recovers), never a wait.
 * The I/O services appear while an LV is active (has a dm device), the
 * others once lvs reported an LV (lvm_thin with a thin pool, lvm_snapshot
 * with a snapshot); a machine without LVM adds nothing and is not
 * listed.  Fields are sorted by VG, then LV; those of a failed or stale
 * refresh stay, with U, so that fields do not come and go with lvs.
 */
#ifndef DROVER_HOST_LVM_H
#define DROVER_HOST_LVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/host.h"
#include "plugins/sample.h"

#define LVM_NAME_MAX 128       /* bytes of a VG or LV name with the NUL */
#define LVM_LAYER_MAX 32       /* bytes of a dm layer suffix with the NUL */
#define LVM_SEGTYPE_MAX 32     /* bytes of a segtype with the NUL */
#define LVM_LVS_MAX (4u << 20) /* bytes of lvs output kept */
#define LVM_DU_MAX 4096u       /* bytes of du output kept */
/* seconds after which a refresh's result is stale: three of Munin's
 * 5-minute intervals */
#define LVM_STALE_S 900.0
#define LVM_LVS_MAX_LVS 4096 /* LVs of a report kept */
#define LVM_PCT_WARNING "80" /* lvm_thin, lvm_snapshot */
#define LVM_PCT_CRITICAL "90"
#define LVM_ARCHIVE_WARNING "10000" /* archive_files */
#define LVM_ARCHIVE_CRITICAL "100000"

/* A dm name read as LVM writes it: VG-LV[-LAYER]. */
struct lvm_dm_name {
	char vg[LVM_NAME_MAX];
	char lv[LVM_NAME_MAX];
	char layer[LVM_LAYER_MAX]; /* "" for the LV itself */
};

/*
 * Splits a dm name (name[0, len), a trailing newline allowed) at its
 * lone '-' into out, undoing the doubled ones.  0, or -1 (EINVAL) when it
 * is not of LVM's form (no lone '-', an empty part, more than three
 * parts, a part too long).
 */
int lvm_dm_name_parse(const char *name, size_t len, struct lvm_dm_name *out);

/*
 * Whether the dm device of name n and dm uuid (uuid[0, len), trailing
 * newline allowed) is an LV the probe shows (see the header comment):
 * an "LVM-" uuid, no layer in the name or a suffix in the uuid, no
 * reserved sub-LV suffix in the LV name.
 */
bool lvm_dm_shown(const struct lvm_dm_name *n, const char *uuid, size_t len);

/* The counters of SYS/block/DEV/stat the probe shows
 * (Documentation/block/stat.rst: sectors of 512 bytes, ticks in ms). */
struct lvm_dm_stat {
	uint64_t rd_ios, rd_sectors, wr_ios, wr_sectors;
	uint64_t in_flight;
	uint64_t io_ticks; /* ms with I/O in flight */
};

/* A SYS/block/DEV/stat line: at least 11 numbers (4.18 and later add
 * discard and flush ones).  0 / -1 (EINVAL). */
int lvm_stat_parse(const char *buf, size_t len, struct lvm_dm_stat *out);

/* One LV of a report of lvs. */
struct lvm_lv {
	char vg[LVM_NAME_MAX];
	char lv[LVM_NAME_MAX];
	char segtype[LVM_SEGTYPE_MAX]; /* "linear", "thin-pool", ... */
	char attr[16];		       /* lv_attr ("twi-aotz--") */
	char pool[LVM_NAME_MAX];       /* pool_lv, "" when none */
	char origin[LVM_NAME_MAX];     /* origin, "" when none */
	bool has_size;
	uint64_t size; /* bytes */
	bool has_data, has_meta;
	double data_pct, meta_pct; /* "" (inactive, or none): !has_ */
};

struct lvm_report {
	struct lvm_lv *v;
	size_t n;
};

/*
 * The JSON of `lvs --reportformat json --units b --nosuffix -o ...`
 * (every value a string; fields not asked for may be missing; a size
 * with a suffix or a fraction is not understood) into out (zeroed
 * first; at most LVM_LVS_MAX_LVS LVs).  0, or -1 with errno (EINVAL:
 * not that JSON; ENOMEM), out then empty.
 */
int lvm_report_parse(const char *buf, size_t len, struct lvm_report *out);
void lvm_report_cleanup(struct lvm_report *r);
/* A thin pool (segtype "thin-pool", else lv_attr 't'). */
bool lvm_lv_is_thin_pool(const struct lvm_lv *lv);
/* A classic snapshot (segtype "snapshot", else lv_attr 's' or 'S'). */
bool lvm_lv_is_snapshot(const struct lvm_lv *lv);

/* The number du prints first ("4102\tDIR"): 0 / -1 (EINVAL). */
int lvm_du_parse(const char *buf, size_t len, uint64_t *out);

/* One shown LV's I/O. */
struct lvm_io {
	struct lvm_dm_name name;
	struct lvm_dm_stat st;
};

struct lvm_ios {
	struct lvm_io *v; /* sorted by VG, then LV */
	size_t n;
};

/* The shown LVs of SYS/block into out (zeroed first; a device that
 * vanished or is not understood is skipped).  0 / -1 (ENOMEM). */
int lvm_scan(const char *sys, struct lvm_ios *out);
void lvm_ios_cleanup(struct lvm_ios *io);

/* What a directory holds (lvm_archive). */
struct lvm_dir {
	bool ok;	/* both du commands succeeded */
	uint64_t files; /* inodes below it, itself not counted */
	uint64_t bytes; /* apparent bytes, its own included */
};

/* What the last refresh left, as collect reads it. */
struct lvm_result {
	bool have_report;	  /* a report was ever read */
	bool report_ok;		  /* the last lvs succeeded */
	struct lvm_report report; /* the last good one */
	struct lvm_dir archive, backup;
	double when; /* monotonic seconds the last refresh ended */
};

/*
 * The services for io and res (NULL: no refresh yet) into b at time now
 * (monotonic seconds): a report or directory figure that failed or is
 * older than LVM_STALE_S gives U.  Nothing without an LV.  0 / -1
 * (ENOMEM).
 */
int lvm_services(const struct lvm_ios *io, const struct lvm_result *res,
    double now, struct batch *b);

/* The probe's collect at time now (monotonic seconds). */
int lvm_collect_at(
    const struct host_roots *r, void **state, struct batch *b, double now);

/* The argvs the refresh runs for r (host_probe.commands). */
size_t lvm_commands(
    const struct host_roots *r, const char *out[][HOST_ARGV_MAX], size_t max);

extern const struct host_probe probe_lvm;

#endif
