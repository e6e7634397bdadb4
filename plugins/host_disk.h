/*
 * host_disk: the probes "df" and "df_inode", standing in for Munin's
 * plugins of those names (munin-plugins-core), which run `df -P -l` and
 * print the percentage used of every local file system.
 *
 * drover reads the mount list (PROC/self/mountinfo, else PROC/self/mounts,
 * else PROC/mounts) and chooses the candidates as `df -P -l -x TYPE...`
 * with the plugins' default exclusions does; collect then calls statvfs
 * once per candidate.  The pure parts below (mount list -> candidates;
 * statvfs figures -> service) are what the unit tests feed with numbers.
 *
 * Network file systems are dropped before any statvfs (df -l lists local
 * ones only, so nothing is lost), so a hung NFS server cannot hang the
 * loop.  A local file system that blocks statvfs still would, as it
 * blocks df.
 */
#ifndef DROVER_HOST_DISK_H
#define DROVER_HOST_DISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/sample.h"

/* Which plugin: df (blocks) or df_inode (inodes). */
enum disk_kind { DISK_BLOCKS, DISK_INODES };

/* One mounted file system, its strings unescaped (\040 -> ' '). */
struct disk_mount {
	char *dev;	/* source ("/dev/vda", "tmpfs", "srv:/export") */
	char *dir;	/* mount point */
	char *type;	/* "ext4", "nfs4", ... */
	char *root;	/* mountinfo's root within the file system; NULL
			   from a mounts file */
	bool has_devno; /* devno known (mountinfo) */
	uint64_t devno; /* major << 32 | minor */
};

struct disk_mounts {
	struct disk_mount *v;
	size_t n;
};

/*
 * Parses a mount list: /proc/self/mountinfo when mountinfo, else the
 * fstab-like /proc/self/mounts.  Appends to m (zeroed before the first
 * call).  Returns 0, or -1 when a line is not of the format (errno
 * EINVAL) or on allocation failure (ENOMEM); m then holds what was
 * parsed before, for disk_mounts_cleanup.
 */
int disk_parse_mounts(
    const char *buf, size_t len, bool mountinfo, struct disk_mounts *m);
void disk_mounts_cleanup(struct disk_mounts *m);

/*
 * Keeps in m, in order, the file systems that `df -P -l` lists (no
 * network, no dummy and no excluded type, no relative mount point, one
 * entry per device as df chooses it) and that the plugin does not skip
 * (a "//" in the line).  The rest are freed.
 */
void disk_mounts_select(struct disk_mounts *m, enum disk_kind kind);
/* True for a network file system, which df -l leaves out. */
bool disk_is_remote(const char *dev, const char *type);

/* What statvfs says of a file system (f_frsize units for blocks). */
struct disk_usage {
	bool ok; /* statvfs succeeded */
	uint64_t frsize, blocks, bfree, bavail;
	uint64_t files, ffree;
};

/*
 * The plugin's service ("df" or "df_inode") from the candidates m and
 * their usage u[m->n]: a file system whose statvfs failed or that has no
 * blocks is left out, as df leaves it out.  0 / -1 (ENOMEM).
 */
int disk_df_service(enum disk_kind kind, const struct disk_mounts *m,
    const struct disk_usage *u, struct batch *b);

/* Munin::Plugin's clean_fieldname: out (size outlen, truncating). */
char *disk_clean_fieldname(const char *name, char *out, size_t outlen);

#endif
