/*
 * host_disk: df and df_inode (see plugins/host_disk.h).
 *
 * What `df -P -l -x TYPE...` does, as GNU coreutils 9.1 does it on Linux:
 * the mount list with each entry's device number; network file systems
 * (a ':' in the source, "//" sources of smbfs/cifs/smb3, afs, ocfs2, ...)
 * and dummy ones (proc, sysfs, devpts, autofs, ...) dropped, then the -x
 * types; of entries sharing a device one is kept (a source with a '/'
 * over one without, else the mount point nearer the root, else the one
 * mounted later on the same point); statvfs on each; one with no blocks
 * is left out.  Used is blocks - bfree, available bavail, both in 1 KiB
 * units rounded up (df -P); inodes: files - ffree and ffree.  The
 * plugins print used / (used + avail) * 100, unrounded, 0 when nothing is
 * used.
 *
 * Not reproduced: the plugins' environment (exclude, include_re,
 * exclude_re, warning, critical and the per-file-system thresholds): the
 * defaults apply; a mount point or source with blanks, which the plugins
 * split wrongly, is shown whole; one with a newline is skipped (it would
 * break the protocol).  Without /proc/self/mountinfo (a mounts file has
 * no device numbers) entries are not merged by device.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>

#include "lib/log.h"
#include "plugins/host.h"
#include "plugins/host_disk.h"
#include "plugins/host_probes.h"

/* Bytes of a mount list read at most; a container host may have many. */
#define MOUNTS_MAX (4 * 1024 * 1024)

/* ---- the mount list ----------------------------------------------------- */

void
disk_mounts_cleanup(struct disk_mounts *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].dev);
		free(m->v[i].dir);
		free(m->v[i].type);
		free(m->v[i].root);
	}
	free(m->v);
	m->v = NULL;
	m->n = 0;
}

/* The blank-separated token at *p (advanced past it and its blank), or
 * false at the end of the line. */
static bool
token(const char **p, const char *end, const char **tok, size_t *len)
{
	const char *q;

	while (*p < end && **p == ' ')
		(*p)++;
	if (*p >= end)
		return false;
	for (q = *p; q < end && *q != ' '; q++)
		;
	*tok = *p;
	*len = (size_t)(q - *p);
	*p = q;
	return true;
}

/* tok unescaped (the kernel writes ' ', '\t', '\n' and '\\' as \ooo) in a
 * new string, or NULL on allocation failure. */
static char *
unescape(const char *tok, size_t len)
{
	char *s = malloc(len + 1), *o = s;
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (tok[i] == '\\' && i + 3 < len && tok[i + 1] >= '0' &&
		    tok[i + 1] <= '3' && tok[i + 2] >= '0' &&
		    tok[i + 2] <= '7' && tok[i + 3] >= '0' &&
		    tok[i + 3] <= '7') {
			*o++ =
			    (char)((tok[i + 1] - '0') * 64 +
				   (tok[i + 2] - '0') * 8 + (tok[i + 3] - '0'));
			i += 3;
		} else {
			*o++ = tok[i];
		}
	}
	*o = '\0';
	return s;
}

/* "MAJ:MIN" into *devno. */
static bool
parse_devno(const char *tok, size_t len, uint64_t *devno)
{
	uint64_t v[2] = {0, 0};
	size_t i;
	int k = 0;

	for (i = 0; i < len; i++) {
		if (tok[i] == ':' && k == 0 && i > 0) {
			k = 1;
			continue;
		}
		if (tok[i] < '0' || tok[i] > '9' || v[k] > UINT32_MAX / 10)
			return false;
		v[k] = v[k] * 10 + (uint64_t)(tok[i] - '0');
	}
	if (k != 1 || tok[len - 1] == ':' || v[0] > UINT32_MAX ||
	    v[1] > UINT32_MAX)
		return false;
	*devno = v[0] << 32 | v[1];
	return true;
}

/* One line into m.  0, -1 with errno. */
static int
mount_line(const char *line, size_t len, bool mountinfo, struct disk_mounts *m)
{
	const char *p = line, *end = line + len, *t[6] = {0};
	size_t tl[6] = {0}, i;
	struct disk_mount d = {0}, *v;
	const char *tok;
	size_t toklen;

	if (mountinfo) {
		/* id parent maj:min root dir opts [optional...] - type src */
		for (i = 0; i < 5; i++)
			if (!token(&p, end, &t[i], &tl[i]))
				goto invalid;
		if (!token(&p, end, &tok, &toklen)) /* mount options */
			goto invalid;
		for (;;) {
			if (!token(&p, end, &tok, &toklen))
				goto invalid;
			if (toklen == 1 && tok[0] == '-')
				break;
		}
		if (!token(&p, end, &t[5], &tl[5]) ||
		    !token(&p, end, &tok, &toklen))
			goto invalid;
		if (!parse_devno(t[2], tl[2], &d.devno))
			goto invalid;
		d.has_devno = true;
		d.dev = unescape(tok, toklen);
		d.dir = unescape(t[4], tl[4]);
		d.type = unescape(t[5], tl[5]);
		d.root = unescape(t[3], tl[3]);
		if (d.root == NULL)
			goto nomem;
	} else {
		/* dev dir type opts freq passno */
		for (i = 0; i < 3; i++)
			if (!token(&p, end, &t[i], &tl[i]))
				goto invalid;
		d.dev = unescape(t[0], tl[0]);
		d.dir = unescape(t[1], tl[1]);
		d.type = unescape(t[2], tl[2]);
	}
	if (d.dev == NULL || d.dir == NULL || d.type == NULL)
		goto nomem;
	v = realloc(m->v, (m->n + 1) * sizeof(*v));
	if (v == NULL)
		goto nomem;
	m->v = v;
	m->v[m->n++] = d;
	return 0;
invalid:
	errno = EINVAL;
	return -1;
nomem:
	free(d.dev);
	free(d.dir);
	free(d.type);
	free(d.root);
	errno = ENOMEM;
	return -1;
}

int
disk_parse_mounts(
    const char *buf, size_t len, bool mountinfo, struct disk_mounts *m)
{
	const char *p = buf, *end = buf + len, *line;
	size_t linelen;

	while (host_line_next(&p, end, &line, &linelen)) {
		if (linelen == 0)
			continue;
		if (memchr(line, '\0', linelen) != NULL) {
			errno = EINVAL;
			return -1;
		}
		if (mount_line(line, linelen, mountinfo, m) == -1)
			return -1;
	}
	return 0;
}

/* ---- choosing as df does ------------------------------------------------ */

static bool
in_list(const char *s, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

bool
disk_is_remote(const char *dev, const char *type)
{
	/* gnulib's ME_REMOTE, and the network types by name besides (their
	 * sources carry a ':' or "//" anyway) so that no statvfs can reach
	 * a server */
	static const char *const remote_types[] = {"acfs", "afs", "coda",
	    "auristorfs", "fhgfs", "gpfs", "ibrix", "ocfs2", "vxfs", "nfs",
	    "nfs4", "cifs", "smb3", "smbfs", "ncpfs", "ceph", "glusterfs",
	    "lustre", "fuse.sshfs", NULL};
	static const char *const smb_types[] = {"smbfs", "smb3", "cifs", NULL};

	if (strchr(dev, ':') != NULL || strcmp(dev, "-hosts") == 0)
		return true;
	if (dev[0] == '/' && dev[1] == '/' && in_list(type, smb_types))
		return true;
	return in_list(type, remote_types);
}

/* gnulib's ME_DUMMY: pseudo file systems df shows only with -a. */
static bool
is_dummy(const char *type)
{
	static const char *const dummy[] = {"autofs", "proc", "subfs",
	    "debugfs", "devpts", "fusectl", "fuse.portal", "mqueue",
	    "rpc_pipefs", "sysfs", "devfs", "kernfs", "none", NULL};

	return in_list(type, dummy);
}

/* The plugins' default env.exclude, passed to df as -x TYPE. */
static const char *const df_exclude[] = {"none", "unknown", "rootfs", "iso9660",
    "squashfs", "udf", "romfs", "ramfs", "debugfs", "cgroup_root", "devtmpfs",
    NULL};
static const char *const df_inode_exclude[] = {"none", "unknown", "iso9660",
    "squashfs", "udf", "romfs", "ramfs", "vfat", "debugfs", "nilfs2", "rootfs",
    "reiserfs", NULL};

static bool
wanted(const struct disk_mount *d, enum disk_kind kind)
{
	if (disk_is_remote(d->dev, d->type) || is_dummy(d->type))
		return false;
	if (in_list(
		d->type, kind == DISK_BLOCKS ? df_exclude : df_inode_exclude))
		return false;
	if (d->dir[0] != '/')
		return false; /* relative: another namespace's (df skips) */
	/* the plugins skip a df line containing "//" */
	if (strstr(d->dev, "//") != NULL || strstr(d->dir, "//") != NULL)
		return false;
	return strchr(d->dev, '\n') == NULL && strchr(d->dir, '\n') == NULL;
}

/* df's choice between seen (kept so far) and d on the same device: true
 * when d replaces seen. */
static bool
replaces(const struct disk_mount *seen, const struct disk_mount *d)
{
	bool nearer_root = strlen(seen->dir) > strlen(d->dir);
	bool below_root = seen->root != NULL && d->root != NULL &&
			  strlen(seen->root) < strlen(d->root);

	if (strchr(d->dev, '/') != NULL && strchr(seen->dev, '/') == NULL)
		return true;
	if (nearer_root && !below_root)
		return true;
	return strcmp(seen->dev, d->dev) != 0 && strcmp(seen->dir, d->dir) == 0;
}

static void
mount_free(struct disk_mount *d)
{
	free(d->dev);
	free(d->dir);
	free(d->type);
	free(d->root);
}

void
disk_mounts_select(struct disk_mounts *m, enum disk_kind kind)
{
	size_t i, j, n = 0;

	for (i = 0; i < m->n; i++) {
		struct disk_mount d = m->v[i];

		if (!wanted(&d, kind)) {
			mount_free(&d);
			continue;
		}
		/* the kept entries are m->v[0, n); one mounted over a kept
		 * one's mount point hides it (df, stat()ing the point, sees
		 * the same device for both) */
		for (j = 0; j < n; j++)
			if (strcmp(m->v[j].dir, d.dir) == 0 ||
			    (d.has_devno && m->v[j].has_devno &&
				m->v[j].devno == d.devno))
				break;
		if (j < n) {
			if (replaces(&m->v[j], &d)) {
				mount_free(&m->v[j]);
				m->v[j] = d;
			} else {
				mount_free(&d);
			}
			continue;
		}
		m->v[n++] = d;
	}
	m->n = n;
	if (n == 0) {
		free(m->v);
		m->v = NULL;
	}
}

/* ---- the service -------------------------------------------------------- */

char *
disk_clean_fieldname(const char *name, char *out, size_t outlen)
{
	const unsigned char *p = (const unsigned char *)name;
	size_t o = 0;

#define IS_ALPHA_(c)                                                           \
	(((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || (c) == '_')
	if (outlen == 0)
		return out;
	/* a run of illegal leading characters becomes one '_' */
	if (*p != '\0' && !IS_ALPHA_(*p)) {
		while (*p != '\0' && !IS_ALPHA_(*p))
			p++;
		if (o + 1 < outlen)
			out[o++] = '_';
	}
	for (; *p != '\0' && o + 1 < outlen; p++)
		out[o++] =
		    IS_ALPHA_(*p) || (*p >= '0' && *p <= '9') ? (char)*p : '_';
#undef IS_ALPHA_
	out[o] = '\0';
	if (strcmp(out, "root") == 0)
		snprintf(out, outlen, "__root");
	return out;
}

/* n frsize-byte blocks in KiB, rounded up as df -P prints them. */
static uint64_t
kib_ceil(uint64_t n, uint64_t frsize)
{
	unsigned __int128 bytes = (unsigned __int128)n * frsize;

	return (uint64_t)((bytes + 1023) / 1024);
}

int
disk_df_service(enum disk_kind kind, const struct disk_mounts *m,
    const struct disk_usage *u, struct batch *b)
{
	static const char *const graph_df[][2] = {
	    {"graph_title", "Disk usage in percent"},
	    {"graph_args", "--upper-limit 100 -l 0"},
	    {"graph_vlabel", "%"},
	    {"graph_scale", "no"},
	    {"graph_category", "disk"},
	};
	static const char *const graph_inode[][2] = {
	    {"graph_title", "Inode usage in percent"},
	    {"graph_args", "--upper-limit 100 -l 0"},
	    {"graph_vlabel", "%"},
	    {"graph_scale", "no"},
	    {"graph_category", "disk"},
	};
	/* the plugins use the mount point for these sources */
	static const char *const by_dir[] = {
	    "tmpfs", "none", "udev", "simfs", NULL};
	struct service *s;
	char name[256];
	size_t i;

	s = host_service_add(b, kind == DISK_BLOCKS ? "df" : "df_inode",
	    kind == DISK_BLOCKS ? graph_df : graph_inode, 5);
	if (s == NULL)
		return -1;
	for (i = 0; i < m->n; i++) {
		const struct disk_mount *d = &m->v[i];
		uint64_t used, avail;
		double pct = 0;

		if (!u[i].ok || u[i].blocks == 0)
			continue;
		if (kind == DISK_BLOCKS) {
			uint64_t bused = u[i].blocks >= u[i].bfree
					     ? u[i].blocks - u[i].bfree
					     : 0;
			used = kib_ceil(bused, u[i].frsize);
			avail = kib_ceil(u[i].bavail, u[i].frsize);
		} else {
			used = u[i].files >= u[i].ffree
				   ? u[i].files - u[i].ffree
				   : 0;
			avail = u[i].ffree;
		}
		if (used != 0)
			pct = (double)used / ((double)used + (double)avail) *
			      100.0;
		disk_clean_fieldname(in_list(d->dev, by_dir) ? d->dir : d->dev,
		    name, sizeof(name));
		const char *const kv[][2] = {
		    {"label", d->dir},
		    {"warning", "92"},
		    {"critical", "98"},
		};
		if (host_field_add(s, name, kv, 3, pct, false) == NULL)
			return -1;
	}
	return 0;
}

/* ---- collect ------------------------------------------------------------ */

/* The mount list below the proc root: mountinfo if there is one. */
static int
read_mounts(const struct host_roots *r, struct disk_mounts *m)
{
	static const struct {
		const char *rel;
		bool mountinfo;
	} files[] = {
	    {"self/mountinfo", true},
	    {"self/mounts", false},
	    {"mounts", false},
	};
	char *buf;
	size_t len, i;
	int rc;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (host_read(r->proc, files[i].rel, MOUNTS_MAX, &buf, &len) ==
		    -1) {
			if (errno == ENOENT)
				continue;
			log_warn("df: %s/%s", r->proc, files[i].rel);
			return -1;
		}
		rc = disk_parse_mounts(buf, len, files[i].mountinfo, m);
		free(buf);
		if (rc == -1) {
			if (errno == ENOMEM)
				log_warn("df: %s/%s", r->proc, files[i].rel);
			else
				log_warnx("df: %s/%s: not understood", r->proc,
				    files[i].rel);
			return -1;
		}
		return 0;
	}
	log_warnx("df: %s: no mount list, skipped", r->proc);
	return 1;
}

/* True when name ends in something shaped like a 36-byte UUID. */
static bool
has_uuid_suffix(const char *name)
{
	size_t len = strlen(name);

	return len > 36 &&
	       strspn(name + len - 36, "-0123456789abcdefABCDEF") == 36;
}

static int
collect_df_kind(
    const struct host_roots *r, enum disk_kind kind, struct batch *b)
{
	struct disk_mounts m = {0};
	struct disk_usage *u = NULL;
	struct statvfs sv;
	size_t i;
	int rc;

	rc = read_mounts(r, &m);
	if (rc != 0) {
		disk_mounts_cleanup(&m);
		return rc == 1 ? 0 : -1;
	}
	disk_mounts_select(&m, kind);
	u = calloc(m.n + 1, sizeof(*u));
	if (u == NULL) {
		log_warn("df");
		disk_mounts_cleanup(&m);
		return -1;
	}
	for (i = 0; i < m.n; i++) {
		/* df shows a /dev/disk/by-uuid/... or /dev/mapper/luks-UUID
		 * source by the name it links to */
		if (has_uuid_suffix(m.v[i].dev)) {
			char *real = realpath(m.v[i].dev, NULL);

			if (real != NULL) {
				free(m.v[i].dev);
				m.v[i].dev = real;
			}
		}
		if (statvfs(m.v[i].dir, &sv) == -1)
			continue; /* gone, or not ours to see: df skips it */
		u[i].ok = true;
		u[i].frsize = sv.f_frsize != 0 ? sv.f_frsize : sv.f_bsize;
		u[i].blocks = sv.f_blocks;
		u[i].bfree = sv.f_bfree;
		u[i].bavail = sv.f_bavail;
		u[i].files = sv.f_files;
		u[i].ffree = sv.f_ffree;
	}
	rc = disk_df_service(kind, &m, u, b);
	if (rc == -1)
		log_warn("df");
	free(u);
	disk_mounts_cleanup(&m);
	return rc;
}

static int
collect_df(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	return collect_df_kind(r, DISK_BLOCKS, b);
}

static int
collect_df_inode(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	return collect_df_kind(r, DISK_INODES, b);
}

const struct host_probe probe_df = {.name = "df", .collect = collect_df};
const struct host_probe probe_df_inode = {
    .name = "df_inode", .collect = collect_df_inode};
