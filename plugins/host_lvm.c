/*
 * host_lvm: the lvm probe (plugins/host_lvm.h): the dm name, sysfs stat,
 * lvs JSON and du parsers, the scan of SYS/block, the services, and the
 * refresh that runs lvs and du off the loop.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "lib/log.h"
#include "plugins/host_cmd.h"
#include "plugins/host_disk.h"
#include "plugins/host_lvm.h"

#define DM_ATTR_MAX 512	 /* bytes of a dm/name or dm/uuid read */
#define STAT_MAX 512	 /* bytes of a SYS/block/DEV/stat read */
#define SECTOR_BYTES 512 /* the stat file's sector */
#define FIELD_MAX (2 * LVM_NAME_MAX + 32)
#define LVM_UUID_LEN 68 /* "LVM-", 32 of the VG's uuid, 32 of the LV's */

#define LVS_DEFAULT "lvs"
#define ARCHIVE_DEFAULT "/etc/lvm/archive"
#define BACKUP_DEFAULT "/etc/lvm/backup"

/* ---- dm names ------------------------------------------------------ */

/* Copies p[0, n) into out (size outlen) with "--" made '-'; false when
 * empty or too long. */
static bool
undouble(const char *p, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if (o + 1 >= outlen)
			return false;
		out[o++] = p[i];
		if (p[i] == '-')
			i++; /* the pair's second '-' (parse checked it) */
	}
	out[o] = '\0';
	return true;
}

int
lvm_dm_name_parse(const char *name, size_t len, struct lvm_dm_name *out)
{
	size_t cut[2], ncut = 0, i, start, end;

	memset(out, 0, sizeof(*out));
	if (len > 0 && name[len - 1] == '\n')
		len--;
	for (i = 0; i < len; i++) {
		if (name[i] != '-')
			continue;
		if (i + 1 < len && name[i + 1] == '-') {
			i++; /* a doubled '-' inside a name */
			continue;
		}
		if (ncut == 2)
			goto bad;
		cut[ncut++] = i;
	}
	if (ncut == 0)
		goto bad;
	end = ncut == 2 ? cut[1] : len;
	if (!undouble(name, cut[0], out->vg, sizeof(out->vg)))
		goto bad;
	start = cut[0] + 1;
	if (!undouble(name + start, end - start, out->lv, sizeof(out->lv)))
		goto bad;
	if (ncut == 2) {
		start = cut[1] + 1;
		/* layers are LVM's own words: no '-' in them */
		if (start == len || len - start >= sizeof(out->layer) ||
		    memchr(name + start, '-', len - start) != NULL)
			goto bad;
		memcpy(out->layer, name + start, len - start);
		out->layer[len - start] = '\0';
	}
	return 0;
bad:
	memset(out, 0, sizeof(*out));
	errno = EINVAL;
	return -1;
}

/* The LV name carries a suffix LVM reserves for its hidden sub-LVs
 * (lib/misc/lvm-string.c, apply_lvname_restrictions). */
static bool
is_sub_lv(const char *lv)
{
	static const char *const reserved[] = {"_cdata", "_cmeta", "_corig",
	    "_cpool", "_cvol", "_imeta", "_iorig", "_mimage", "_mlog",
	    "_pmspare", "_rimage", "_rmeta", "_tdata", "_tmeta", "_vdata",
	    "_vorigin", "_wcorig"};
	size_t i;

	for (i = 0; i < sizeof(reserved) / sizeof(reserved[0]); i++)
		if (strstr(lv, reserved[i]) != NULL)
			return true;
	return false;
}

bool
lvm_dm_shown(const struct lvm_dm_name *n, const char *uuid, size_t len)
{
	if (len > 0 && uuid[len - 1] == '\n')
		len--;
	if (len < LVM_UUID_LEN || memcmp(uuid, "LVM-", 4) != 0)
		return false;
	if (len > LVM_UUID_LEN) /* "-tpool", "-real", "-cow", "-pool" */
		return false;
	return n->layer[0] == '\0' && !is_sub_lv(n->lv);
}

/* ---- sysfs stat ---------------------------------------------------- */

int
lvm_stat_parse(const char *buf, size_t len, struct lvm_dm_stat *out)
{
	const char *p = buf, *end = buf + len;
	uint64_t v[11];
	int i;

	for (i = 0; i < 11; i++) {
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (!host_parse_u64(&p, end, &v[i]))
			goto bad;
		if (p < end && *p != ' ' && *p != '\t' && *p != '\n')
			goto bad;
	}
	/* reads merged sectors ticks writes merged sectors ticks
	 * in_flight io_ticks time_in_queue */
	out->rd_ios = v[0];
	out->rd_sectors = v[2];
	out->wr_ios = v[4];
	out->wr_sectors = v[6];
	out->in_flight = v[8];
	out->io_ticks = v[9];
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* ---- lvs JSON ------------------------------------------------------ */

void
lvm_report_cleanup(struct lvm_report *r)
{
	free(r->v);
	r->v = NULL;
	r->n = 0;
}

/* The string member key of o into out (size outlen): "" when missing;
 * false when not a string or too long. */
static bool
json_str(json_t *o, const char *key, char *out, size_t outlen)
{
	json_t *v = json_object_get(o, key);
	size_t n;

	out[0] = '\0';
	if (v == NULL)
		return true;
	if (!json_is_string(v))
		return false;
	n = json_string_length(v);
	if (n >= outlen || memchr(json_string_value(v), '\0', n) != NULL)
		return false;
	memcpy(out, json_string_value(v), n + 1);
	return true;
}

/* A size in bytes: digits only (--units b --nosuffix). */
static bool
parse_size(const char *s, bool *has, uint64_t *out)
{
	const char *p = s;

	*has = false;
	if (*s == '\0')
		return true;
	if (!host_parse_u64(&p, s + strlen(s), out) || *p != '\0')
		return false;
	*has = true;
	return true;
}

/* A percentage ("12.34"), "" for none. */
static bool
parse_pct(const char *s, bool *has, double *out)
{
	char *end;
	double v;

	*has = false;
	if (*s == '\0')
		return true;
	if ((*s < '0' || *s > '9'))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v))
		return false;
	*out = v;
	*has = true;
	return true;
}

static int
lv_parse(json_t *o, struct lvm_lv *lv)
{
	char size[32], data[32], meta[32];

	memset(lv, 0, sizeof(*lv));
	if (!json_is_object(o) ||
	    !json_str(o, "lv_name", lv->lv, sizeof(lv->lv)) ||
	    !json_str(o, "vg_name", lv->vg, sizeof(lv->vg)) ||
	    !json_str(o, "segtype", lv->segtype, sizeof(lv->segtype)) ||
	    !json_str(o, "lv_attr", lv->attr, sizeof(lv->attr)) ||
	    !json_str(o, "pool_lv", lv->pool, sizeof(lv->pool)) ||
	    !json_str(o, "origin", lv->origin, sizeof(lv->origin)) ||
	    !json_str(o, "lv_size", size, sizeof(size)) ||
	    !json_str(o, "data_percent", data, sizeof(data)) ||
	    !json_str(o, "metadata_percent", meta, sizeof(meta)) ||
	    lv->lv[0] == '\0' || lv->vg[0] == '\0' ||
	    !parse_size(size, &lv->has_size, &lv->size) ||
	    !parse_pct(data, &lv->has_data, &lv->data_pct) ||
	    !parse_pct(meta, &lv->has_meta, &lv->meta_pct))
		return -1;
	return 0;
}

static int
lv_cmp(const void *a, const void *b)
{
	const struct lvm_lv *x = a, *y = b;
	int c = strcmp(x->vg, y->vg);

	return c != 0 ? c : strcmp(x->lv, y->lv);
}

int
lvm_report_parse(const char *buf, size_t len, struct lvm_report *out)
{
	json_t *root, *reports, *rep, *lvs, *o;
	json_error_t jerr;
	size_t i, j, total = 0;
	int err = EINVAL;

	memset(out, 0, sizeof(*out));
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		goto bad;
	reports = json_object_get(root, "report");
	if (!json_is_array(reports))
		goto free_root;
	json_array_foreach(reports, i, rep)
	{
		lvs = json_object_get(rep, "lv");
		if (lvs == NULL)
			continue; /* another report type (vg, pv, log) */
		if (!json_is_array(lvs))
			goto free_root;
		total += json_array_size(lvs);
	}
	if (total > LVM_LVS_MAX_LVS) {
		log_warnx("lvm: lvs: %zu LVs, the first %d kept", total,
		    LVM_LVS_MAX_LVS);
		total = LVM_LVS_MAX_LVS;
	}
	if (total > 0) {
		out->v = calloc(total, sizeof(*out->v));
		if (out->v == NULL) {
			err = ENOMEM;
			goto free_root;
		}
	}
	json_array_foreach(reports, i, rep)
	{
		lvs = json_object_get(rep, "lv");
		if (lvs == NULL)
			continue;
		json_array_foreach(lvs, j, o)
		{
			if (out->n == total)
				break;
			if (lv_parse(o, &out->v[out->n]) == -1)
				goto free_out;
			out->n++;
		}
	}
	json_decref(root);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), lv_cmp);
	return 0;
free_out:
	lvm_report_cleanup(out);
free_root:
	json_decref(root);
bad:
	errno = err;
	return -1;
}

bool
lvm_lv_is_thin_pool(const struct lvm_lv *lv)
{
	if (lv->segtype[0] != '\0')
		return strcmp(lv->segtype, "thin-pool") == 0;
	return lv->attr[0] == 't';
}

bool
lvm_lv_is_snapshot(const struct lvm_lv *lv)
{
	if (lv->segtype[0] != '\0')
		return strcmp(lv->segtype, "snapshot") == 0;
	return lv->attr[0] == 's' || lv->attr[0] == 'S';
}

int
lvm_du_parse(const char *buf, size_t len, uint64_t *out)
{
	const char *p = buf, *end = buf + len;

	if (!host_parse_u64(&p, end, out) || p == end ||
	    (*p != '\t' && *p != ' ')) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* ---- the scan of SYS/block ----------------------------------------- */

void
lvm_ios_cleanup(struct lvm_ios *io)
{
	free(io->v);
	io->v = NULL;
	io->n = 0;
}

static bool
is_dm(const char *name)
{
	const char *p;

	if (strncmp(name, "dm-", 3) != 0 || name[3] == '\0')
		return false;
	for (p = name + 3; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return false;
	return true;
}

/* SYS/block/DEV/rel into buf (size max, NUL-terminated).  0 / -1. */
static int
read_attr(const char *sys, const char *dev, const char *rel, char *buf,
    size_t max, size_t *len)
{
	char path[128], *b;
	size_t n;

	snprintf(path, sizeof(path), "block/%s/%s", dev, rel);
	if (host_read(sys, path, max - 1, &b, &n) == -1)
		return -1;
	memcpy(buf, b, n);
	buf[n] = '\0';
	*len = n;
	free(b);
	return 0;
}

static int
io_cmp(const void *a, const void *b)
{
	const struct lvm_io *x = a, *y = b;
	int c = strcmp(x->name.vg, y->name.vg);

	return c != 0 ? c : strcmp(x->name.lv, y->name.lv);
}

/* dev's LV into io; false when it is not one the probe shows. */
static bool
read_dm(const char *sys, const char *dev, struct lvm_io *io)
{
	char name[DM_ATTR_MAX], uuid[DM_ATTR_MAX], stat[STAT_MAX];
	size_t nlen, ulen, slen;

	if (read_attr(sys, dev, "dm/uuid", uuid, sizeof(uuid), &ulen) == -1 ||
	    read_attr(sys, dev, "dm/name", name, sizeof(name), &nlen) == -1 ||
	    lvm_dm_name_parse(name, nlen, &io->name) == -1 ||
	    !lvm_dm_shown(&io->name, uuid, ulen) ||
	    read_attr(sys, dev, "stat", stat, sizeof(stat), &slen) == -1)
		return false;
	if (lvm_stat_parse(stat, slen, &io->st) == -1) {
		log_warnx("lvm: %s/block/%s/stat: not understood", sys, dev);
		return false;
	}
	return true;
}

int
lvm_scan(const char *sys, struct lvm_ios *out)
{
	char path[4096];
	struct dirent *de;
	struct lvm_io *v;
	size_t cap = 0;
	DIR *d;

	memset(out, 0, sizeof(*out));
	snprintf(path, sizeof(path), "%s/block", sys);
	d = opendir(path);
	if (d == NULL)
		return 0; /* no sysfs: no LV I/O */
	while ((de = readdir(d)) != NULL) {
		if (!is_dm(de->d_name) || strlen(de->d_name) > 32)
			continue;
		if (out->n == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			v = realloc(out->v, cap * sizeof(*v));
			if (v == NULL) {
				closedir(d);
				lvm_ios_cleanup(out);
				errno = ENOMEM;
				return -1;
			}
			out->v = v;
		}
		if (read_dm(sys, de->d_name, &out->v[out->n]))
			out->n++;
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(*out->v), io_cmp);
	return 0;
}

/* ---- services ------------------------------------------------------ */

/* Field names over one service: clean_fieldname("VG_LV"), a name met
 * before in the same service given "_2", "_3"... */
struct namer {
	char (*seen)[FIELD_MAX];
	size_t n;
};

static int
namer_name(
    struct namer *nm, size_t cap, const char *vg, const char *lv, char *out)
{
	char raw[FIELD_MAX], base[FIELD_MAX];
	size_t i;
	unsigned k = 1;

	snprintf(raw, sizeof(raw), "%s_%s", vg, lv);
	disk_clean_fieldname(raw, base, sizeof(base));
	snprintf(out, FIELD_MAX, "%s", base);
again:
	for (i = 0; i < nm->n; i++)
		if (strcmp(nm->seen[i], out) == 0) {
			snprintf(out, FIELD_MAX, "%.*s_%u", FIELD_MAX - 16,
			    base, ++k);
			goto again;
		}
	if (nm->n == cap)
		return -1;
	snprintf(nm->seen[nm->n++], FIELD_MAX, "%s", out);
	return 0;
}

static struct service *
graph_add(struct batch *b, const char *name, const char *title,
    const char *vlabel, const char *args, const char *info)
{
	const struct host_graph g = {name, title, vlabel, args, info};

	return host_graph_add(b, "disk", &g);
}

/* A read/write pair: NAME_read (not drawn) below NAME_write. */
static int
rw_fields(struct service *s, const char *name, const char *label, uint64_t rd,
    uint64_t wr)
{
	char f[FIELD_MAX + 8], neg[FIELD_MAX + 8];
	const char *const kr[][2] = {
	    {"label", label},
	    {"type", "DERIVE"},
	    {"min", "0"},
	    {"graph", "no"},
	};
	const char *const kw[][2] = {
	    {"label", label},
	    {"type", "DERIVE"},
	    {"min", "0"},
	    {"negative", neg},
	};

	snprintf(neg, sizeof(neg), "%s_read", name);
	snprintf(f, sizeof(f), "%s_write", name);
	if (host_field_add(s, neg, kr, 4, (double)rd, false) == NULL ||
	    host_field_add(s, f, kw, 4, (double)wr, false) == NULL)
		return -1;
	return 0;
}

static int
io_services(const struct lvm_ios *io, struct batch *b)
{
	struct service *iops, *tput, *busy, *infl;
	char label[2 * LVM_NAME_MAX + 2], name[FIELD_MAX];
	struct namer nm = {0};
	const struct lvm_io *e;
	size_t i;
	int rc = -1;

	if (io->n == 0)
		return 0;
	iops = graph_add(b, "lvm_iops", "LVM IOs per second",
	    "IOs/${graph_period} read (-) / write (+)", "--base 1000",
	    "Reads and writes the logical volumes completed, from "
	    "/sys/block/dm-N/stat.");
	tput = graph_add(b, "lvm_throughput", "LVM throughput",
	    "bytes/${graph_period} read (-) / write (+)", "--base 1024",
	    "Bytes the logical volumes read and wrote.");
	busy = graph_add(b, "lvm_busy", "LVM busy time", "% busy",
	    "--base 1000 -l 0",
	    "Percent of the time each logical volume had I/O in flight "
	    "(io_ticks).");
	infl = graph_add(b, "lvm_inflight", "LVM I/O in flight", "requests",
	    "--base 1000 -l 0",
	    "I/O requests issued to each logical volume and not yet "
	    "completed.");
	if (iops == NULL || tput == NULL || busy == NULL || infl == NULL)
		return -1;
	nm.seen = calloc(io->n, sizeof(*nm.seen));
	if (nm.seen == NULL)
		return -1;
	for (i = 0; i < io->n; i++) {
		e = &io->v[i];
		snprintf(label, sizeof(label), "%s/%s", e->name.vg, e->name.lv);
		if (namer_name(&nm, io->n, e->name.vg, e->name.lv, name) == -1)
			goto out;
		const char *const kb[][2] = {
		    {"label", label},
		    {"type", "DERIVE"},
		    {"min", "0"},
		};
		const char *const kg[][2] = {
		    {"label", label},
		    {"min", "0"},
		};
		if (rw_fields(iops, name, label, e->st.rd_ios, e->st.wr_ios) ==
			-1 ||
		    rw_fields(tput, name, label,
			e->st.rd_sectors * SECTOR_BYTES,
			e->st.wr_sectors * SECTOR_BYTES) == -1 ||
		    host_field_add(busy, name, kb, 3,
			(double)(e->st.io_ticks / 10), false) == NULL ||
		    host_field_add(infl, name, kg, 2, (double)e->st.in_flight,
			false) == NULL)
			goto out;
	}
	rc = 0;
out:
	free(nm.seen);
	return rc;
}

/* Which LVs of a report a service shows. */
enum lv_kind { LV_ANY, LV_THIN_POOL, LV_SNAPSHOT };

static bool
lv_is(const struct lvm_lv *lv, enum lv_kind k)
{
	switch (k) {
	case LV_THIN_POOL:
		return lvm_lv_is_thin_pool(lv);
	case LV_SNAPSHOT:
		return lvm_lv_is_snapshot(lv);
	default:
		return true;
	}
}

static bool
report_has(const struct lvm_report *rep, enum lv_kind k)
{
	size_t i;

	for (i = 0; i < rep->n; i++)
		if (lv_is(&rep->v[i], k))
			return true;
	return false;
}

static int
report_services(const struct lvm_report *rep, bool fresh, struct batch *b)
{
	struct service *size = NULL, *thin = NULL, *snap = NULL;
	char label[2 * LVM_NAME_MAX + 16], name[FIELD_MAX], f[FIELD_MAX + 16];
	struct namer nsize = {0}, nthin = {0}, nsnap = {0};
	const struct lvm_lv *lv;
	size_t i;
	int rc = -1;

	if (rep->n == 0)
		return 0;
	size = graph_add(b, "lvm_size", "LVM logical volume size", "bytes",
	    "--base 1024 -l 0", "The size of each logical volume (lvs).");
	if (report_has(rep, LV_THIN_POOL))
		thin = graph_add(b, "lvm_thin", "LVM thin pool usage", "%",
		    "--base 1000 -l 0 -u 100",
		    "How full each thin pool's data and metadata areas are "
		    "(lvs data_percent, metadata_percent; U while the pool "
		    "is not active).  A full data area fails writes to its "
		    "thin volumes; a full metadata area can damage the "
		    "pool.");
	if (report_has(rep, LV_SNAPSHOT))
		snap = graph_add(b, "lvm_snapshot", "LVM snapshot usage", "%",
		    "--base 1000 -l 0 -u 100",
		    "How full each copy-on-write snapshot is (lvs "
		    "data_percent): a full snapshot is invalidated.");
	if (size == NULL || (report_has(rep, LV_THIN_POOL) && thin == NULL) ||
	    (report_has(rep, LV_SNAPSHOT) && snap == NULL))
		return -1;
	nsize.seen = calloc(rep->n, sizeof(*nsize.seen));
	nthin.seen = calloc(rep->n, sizeof(*nthin.seen));
	nsnap.seen = calloc(rep->n, sizeof(*nsnap.seen));
	if (nsize.seen == NULL || nthin.seen == NULL || nsnap.seen == NULL)
		goto out;
	for (i = 0; i < rep->n; i++) {
		lv = &rep->v[i];
		snprintf(label, sizeof(label), "%s/%s", lv->vg, lv->lv);
		const char *const ks[][2] = {
		    {"label", label},
		    {"min", "0"},
		};
		if (namer_name(&nsize, rep->n, lv->vg, lv->lv, name) == -1 ||
		    host_field_add(size, name, ks, 2, (double)lv->size,
			!fresh || !lv->has_size) == NULL)
			goto out;
		if (lvm_lv_is_thin_pool(lv)) {
			char ld[sizeof(label) + 16], lm[sizeof(label) + 16];
			const char *const kd[][2] = {
			    {"label", ld},
			    {"min", "0"},
			    {"warning", LVM_PCT_WARNING},
			    {"critical", LVM_PCT_CRITICAL},
			};
			const char *const km[][2] = {
			    {"label", lm},
			    {"min", "0"},
			    {"warning", LVM_PCT_WARNING},
			    {"critical", LVM_PCT_CRITICAL},
			};

			snprintf(ld, sizeof(ld), "%s data", label);
			snprintf(lm, sizeof(lm), "%s metadata", label);
			if (namer_name(&nthin, rep->n, lv->vg, lv->lv, name) ==
			    -1)
				goto out;
			snprintf(f, sizeof(f), "%s_data", name);
			if (host_field_add(thin, f, kd, 4, lv->data_pct,
				!fresh || !lv->has_data) == NULL)
				goto out;
			snprintf(f, sizeof(f), "%s_metadata", name);
			if (host_field_add(thin, f, km, 4, lv->meta_pct,
				!fresh || !lv->has_meta) == NULL)
				goto out;
		}
		if (lvm_lv_is_snapshot(lv)) {
			const char *const kp[][2] = {
			    {"label", label},
			    {"min", "0"},
			    {"warning", LVM_PCT_WARNING},
			    {"critical", LVM_PCT_CRITICAL},
			};

			if (namer_name(&nsnap, rep->n, lv->vg, lv->lv, name) ==
				-1 ||
			    host_field_add(snap, name, kp, 4, lv->data_pct,
				!fresh || !lv->has_data) == NULL)
				goto out;
		}
	}
	rc = 0;
out:
	free(nsize.seen);
	free(nthin.seen);
	free(nsnap.seen);
	return rc;
}

static int
archive_service(const struct lvm_dir *arch, const struct lvm_dir *back,
    bool fresh, const char *arch_dir, const char *back_dir, struct batch *b)
{
	char lf[2][512], lb[2][512];
	const struct lvm_dir *d[2] = {arch, back};
	const char *dir[2] = {arch_dir, back_dir};
	const char *fname[2][2] = {{"archive_files", "archive_bytes"},
	    {"backup_files", "backup_bytes"}};
	struct service *s;
	size_t i;

	s = graph_add(b, "lvm_archive", "LVM metadata archive", "files / bytes",
	    "--base 1000 -l 0",
	    "Files and bytes in LVM's metadata archive and backup "
	    "directories.  Every metadata change adds an archive file and "
	    "every lvcreate reads the whole directory: with hundreds of "
	    "thousands of files there each one takes seconds.  LVM expires "
	    "files older than retain_days (30) beyond the newest retain_min "
	    "(10) per VG.");
	if (s == NULL)
		return -1;
	for (i = 0; i < 2; i++) {
		snprintf(lf[i], sizeof(lf[i]), "files in %s", dir[i]);
		snprintf(lb[i], sizeof(lb[i]), "bytes in %s", dir[i]);
		const char *const kf[][2] = {
		    {"label", lf[i]},
		    {"min", "0"},
		    {i == 0 ? "warning" : NULL, LVM_ARCHIVE_WARNING},
		    {"critical", LVM_ARCHIVE_CRITICAL},
		};
		const char *const kb[][2] = {
		    {"label", lb[i]},
		    {"min", "0"},
		};
		bool u = !fresh || !d[i]->ok;

		if (host_field_add(s, fname[i][0], kf, 4, (double)d[i]->files,
			u) == NULL ||
		    host_field_add(
			s, fname[i][1], kb, 2, (double)d[i]->bytes, u) == NULL)
			return -1;
	}
	return 0;
}

/* The refresh result is recent enough to show. */
static bool
is_fresh(const struct lvm_result *res, double now)
{
	return res != NULL && now - res->when <= LVM_STALE_S;
}

static int
services(const struct lvm_ios *io, const struct lvm_result *res, double now,
    const char *arch_dir, const char *back_dir, struct batch *b)
{
	bool fresh = is_fresh(res, now);

	if (io->n == 0 && (res == NULL || res->report.n == 0))
		return 0; /* no LVM here */
	if (io_services(io, b) == -1)
		return -1;
	if (res == NULL)
		return 0;
	if (res->have_report &&
	    report_services(&res->report, fresh && res->report_ok, b) == -1)
		return -1;
	return archive_service(
	    &res->archive, &res->backup, fresh, arch_dir, back_dir, b);
}

int
lvm_services(const struct lvm_ios *io, const struct lvm_result *res, double now,
    struct batch *b)
{
	return services(io, res, now, ARCHIVE_DEFAULT, BACKUP_DEFAULT, b);
}

/* ---- the probe's state and refresh --------------------------------- */

enum job_id {
	JOB_LVS,
	JOB_ARCH_BYTES,
	JOB_ARCH_FILES,
	JOB_BACK_BYTES,
	JOB_BACK_FILES,
	NJOBS
};

struct lvm_state;

struct lvm_job {
	struct lvm_state *st;
	enum job_id id;
	struct host_cmd *cmd;		    /* running, or NULL */
	char why[HOST_CMD_STDERR_MAX + 64]; /* how it failed, for the log */
};

struct lvm_state {
	struct lvm_result res;
	/* the refresh running */
	bool running;
	unsigned pending;
	struct lvm_job jobs[NJOBS];
	const struct host_cmd_runner *runner;
	host_refresh_cb done;
	void *done_arg;
	/* its results so far */
	struct lvm_report next;
	bool next_ok;
	bool du_ok[NJOBS];
	uint64_t du[NJOBS];
	/* logged once until it changes */
	bool lvs_failing, dir_failing[2], stale_said;
	bool dm_seen; /* a collect found an LV in sysfs */
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *
lvs_cmd(const struct host_roots *r)
{
	return r->lvs_command != NULL && r->lvs_command[0] != '\0'
		   ? r->lvs_command
		   : LVS_DEFAULT;
}

static const char *
archive_dir(const struct host_roots *r)
{
	return r->lvm_archive_dir != NULL && r->lvm_archive_dir[0] != '\0'
		   ? r->lvm_archive_dir
		   : ARCHIVE_DEFAULT;
}

static const char *
backup_dir(const struct host_roots *r)
{
	return r->lvm_backup_dir != NULL && r->lvm_backup_dir[0] != '\0'
		   ? r->lvm_backup_dir
		   : BACKUP_DEFAULT;
}

/* The argv of job id for r into argv. */
static void
job_argv(const struct host_roots *r, enum job_id id, const char *argv[])
{
	static const char *const lvs_args[] = {"--reportformat", "json",
	    "--units", "b", "--nosuffix", "-o",
	    "lv_name,vg_name,lv_size,lv_attr,segtype,pool_lv,origin,"
	    "data_percent,metadata_percent",
	    NULL};
	const char *dir = id == JOB_ARCH_BYTES || id == JOB_ARCH_FILES
			      ? archive_dir(r)
			      : backup_dir(r);
	size_t i, n = 0;

	switch (id) {
	case JOB_LVS:
		argv[n++] = lvs_cmd(r);
		for (i = 0; lvs_args[i] != NULL; i++)
			argv[n++] = lvs_args[i];
		break;
	case JOB_ARCH_BYTES:
	case JOB_BACK_BYTES:
		argv[n++] = "du";
		argv[n++] = "-sb";
		argv[n++] = "--";
		argv[n++] = dir;
		break;
	default:
		argv[n++] = "du";
		argv[n++] = "-s";
		argv[n++] = "--inodes";
		argv[n++] = "--";
		argv[n++] = dir;
		break;
	}
	argv[n] = NULL;
}

size_t
lvm_commands(
    const struct host_roots *r, const char *out[][HOST_ARGV_MAX], size_t max)
{
	size_t i;

	for (i = 0; i < NJOBS && i < max; i++)
		job_argv(r, (enum job_id)i, out[i]);
	return i;
}

/* Why res is a failure, for the log, into out (size outlen). */
static void
job_why(const struct host_cmd_result *res, char *out, size_t outlen)
{
	char err[HOST_CMD_STDERR_MAX + 1];
	size_t i, o = 0;

	/* stderr's lines joined for one log line, lvm's indent dropped */
	for (i = 0; res->err[i] == ' '; i++)
		;
	for (; res->err[i] != '\0' && o + 1 < sizeof(err); i++)
		if (res->err[i] != '\n' || res->err[i + 1] != '\0')
			err[o++] = res->err[i] == '\n' ? ' ' : res->err[i];
	err[o] = '\0';
	if (res->status == HOST_CMD_BAD_EXIT && res->term_signal == 0)
		snprintf(out, outlen, "exit %d%s%s", res->exit_status,
		    o > 0 ? ": " : "", err);
	else if (res->status == HOST_CMD_SPAWN_FAILED && o == 0 &&
		 res->spawn_error != 0)
		snprintf(out, outlen, "%s: %s",
		    host_cmd_status_str(res->status),
		    uv_strerror(res->spawn_error));
	else
		snprintf(out, outlen, "%s%s%s",
		    host_cmd_status_str(res->status), o > 0 ? ": " : "", err);
}

/* A failure logged as a warning on a machine with LVs, else (no LVM
 * installed, no /etc/lvm) as information: nothing is shown there. */
static void
say(bool lvm_here, const char *what, const char *why)
{
	if (lvm_here)
		log_warnx("lvm: %s: %s", what, why);
	else
		log_info("lvm: %s: %s", what, why);
}

/* The refresh's results into the state's result; logs the changes. */
static void
refresh_finish(struct lvm_state *st)
{
	static const char *const what[NJOBS] = {"lvs", "du -sb (archive)",
	    "du --inodes (archive)", "du -sb (backup)", "du --inodes (backup)"};
	static const char *const dir[2] = {"archive", "backup"};
	struct lvm_dir *d[2] = {&st->res.archive, &st->res.backup};
	bool lvm_here = (st->next_ok && st->next.n > 0) ||
			st->res.report.n > 0 || st->dm_seen;
	size_t i;

	if (st->next_ok) {
		lvm_report_cleanup(&st->res.report);
		st->res.report = st->next;
		memset(&st->next, 0, sizeof(st->next));
		st->res.have_report = true;
		if (st->lvs_failing)
			log_info("lvm: lvs works again");
		st->lvs_failing = false;
	} else {
		lvm_report_cleanup(&st->next);
		if (!st->lvs_failing)
			say(lvm_here, what[JOB_LVS], st->jobs[JOB_LVS].why);
		st->lvs_failing = true;
	}
	st->res.report_ok = st->next_ok;
	for (i = 0; i < 2; i++) {
		enum job_id b = i == 0 ? JOB_ARCH_BYTES : JOB_BACK_BYTES;
		enum job_id f = i == 0 ? JOB_ARCH_FILES : JOB_BACK_FILES;
		bool ok = st->du_ok[b] && st->du_ok[f];

		d[i]->ok = ok;
		d[i]->bytes = ok ? st->du[b] : 0;
		/* du --inodes counts the directory itself */
		d[i]->files = ok && st->du[f] > 0 ? st->du[f] - 1 : 0;
		if (ok && st->dir_failing[i])
			log_info(
			    "lvm: the %s directory is counted again", dir[i]);
		if (!ok && !st->dir_failing[i]) /* the first reason only */
			say(lvm_here, what[st->du_ok[b] ? f : b],
			    st->jobs[st->du_ok[b] ? f : b].why);
		st->dir_failing[i] = !ok;
	}
	st->res.when = mono_now();
	st->stale_said = false;
}

/*
 * du failed only because the directory is not there: LVM makes archive
 * and backup at the first metadata change, so a machine that never had
 * one (or no lvm2 at all) has an empty archive, not a failing count.
 * du runs with LC_ALL=C (host_cmd), so its message is this one.
 */
static bool
du_dir_missing(const struct host_cmd_result *res)
{
	return res->status == HOST_CMD_BAD_EXIT && res->term_signal == 0 &&
	       res->exit_status == 1 &&
	       strstr(res->err, "No such file or directory") != NULL;
}

static void
job_done(const struct host_cmd_result *res, void *arg)
{
	struct lvm_job *job = arg;
	struct lvm_state *st = job->st;
	host_refresh_cb done;
	void *done_arg;
	bool ok = false;

	job->cmd = NULL;
	if (job->id != JOB_LVS && du_dir_missing(res)) {
		st->du[job->id] = 0; /* LVM makes it at its first archive */
		ok = true;
	} else if (res->status != HOST_CMD_OK)
		job_why(res, job->why, sizeof(job->why));
	else if (job->id == JOB_LVS)
		ok = lvm_report_parse(res->out, res->out_len, &st->next) == 0;
	else
		ok =
		    lvm_du_parse(res->out, res->out_len, &st->du[job->id]) == 0;
	if (res->status == HOST_CMD_OK && !ok)
		snprintf(job->why, sizeof(job->why), "output not understood");
	if (job->id == JOB_LVS)
		st->next_ok = ok;
	else
		st->du_ok[job->id] = ok;
	if (--st->pending > 0)
		return;
	refresh_finish(st);
	st->running = false;
	done = st->done;
	done_arg = st->done_arg;
	st->done = NULL;
	st->done_arg = NULL;
	done(done_arg);
}

static struct lvm_state *
state_get(void **state)
{
	struct lvm_state *st = *state;

	if (st == NULL) {
		st = calloc(1, sizeof(*st));
		if (st == NULL)
			return NULL;
		*state = st;
	}
	return st;
}

static int
lvm_refresh(uv_loop_t *loop, const struct host_roots *r, void **state,
    host_refresh_cb done, void *arg)
{
	const char *argv[HOST_ARGV_MAX];
	struct lvm_state *st = state_get(state);
	unsigned timeout = r->command_timeout_ms != 0 ? r->command_timeout_ms
						      : HOST_COMMAND_TIMEOUT_MS;
	size_t i;

	if (st == NULL) {
		log_warn("lvm");
		return -1;
	}
	if (st->running) {
		log_warnx("lvm: a refresh is still running");
		return -1;
	}
	if (!st->dm_seen) { /* how loud a failure is (say) */
		struct lvm_ios io;

		if (lvm_scan(r->sys, &io) == 0)
			st->dm_seen = io.n > 0;
		lvm_ios_cleanup(&io);
	}
	memset(st->du_ok, 0, sizeof(st->du_ok));
	st->next_ok = false;
	st->runner = r->runner;
	st->pending = 0;
	for (i = 0; i < NJOBS; i++) {
		job_argv(r, (enum job_id)i, argv);
		st->jobs[i].st = st;
		st->jobs[i].id = (enum job_id)i;
		st->jobs[i].cmd = host_cmd_run(r->runner, loop, argv, timeout,
		    i == JOB_LVS ? LVM_LVS_MAX : LVM_DU_MAX, job_done,
		    &st->jobs[i]);
		st->jobs[i].why[0] = '\0';
		if (st->jobs[i].cmd == NULL)
			snprintf(st->jobs[i].why, sizeof(st->jobs[i].why),
			    "not started: %s", strerror(errno));
		else
			st->pending++;
	}
	if (st->pending == 0) {
		log_warnx("lvm: %s", st->jobs[0].why);
		return -1;
	}
	st->running = true;
	st->done = done;
	st->done_arg = arg;
	return 0;
}

static void
lvm_refresh_cancel(void *state)
{
	struct lvm_state *st = state;
	size_t i;

	if (st == NULL || !st->running)
		return;
	for (i = 0; i < NJOBS; i++)
		if (st->jobs[i].cmd != NULL) {
			host_cmd_withdraw(st->runner, st->jobs[i].cmd);
			st->jobs[i].cmd = NULL;
		}
	lvm_report_cleanup(&st->next);
	st->running = false;
	st->pending = 0;
	st->done = NULL;
	st->done_arg = NULL;
}

static void
lvm_state_free(void *state)
{
	struct lvm_state *st = state;

	if (st == NULL)
		return;
	lvm_refresh_cancel(st);
	lvm_report_cleanup(&st->res.report);
	free(st);
}

int
lvm_collect_at(
    const struct host_roots *r, void **state, struct batch *b, double now)
{
	struct lvm_state *st = *state;
	struct lvm_ios io;
	const struct lvm_result *res = NULL;
	int rc;

	if (lvm_scan(r->sys, &io) == -1) {
		log_warn("lvm");
		return -1;
	}
	if (io.n > 0 && st == NULL) {
		st = state_get(state);
		if (st == NULL) {
			log_warn("lvm");
			lvm_ios_cleanup(&io);
			return -1;
		}
	}
	if (st != NULL && io.n > 0)
		st->dm_seen = true;
	if (st != NULL && st->res.when > 0) {
		res = &st->res;
		/* only where something is shown: a machine without LVs
		 * ("drover node" never fetches it) has nothing to go stale */
		if (!is_fresh(res, now) && !st->stale_said &&
		    (io.n > 0 || res->report.n > 0)) {
			log_warnx("lvm: no refresh for %.0f s: sizes, pools "
				  "and the archive shown as U",
			    now - res->when);
			st->stale_said = true;
		}
	}
	rc = services(&io, res, now, archive_dir(r), backup_dir(r), b);
	if (rc == -1)
		log_warn("lvm");
	lvm_ios_cleanup(&io);
	return rc;
}

static int
collect_lvm(const struct host_roots *r, void **state, struct batch *b)
{
	return lvm_collect_at(r, state, b, mono_now());
}

const struct host_probe probe_lvm = {
    .name = "lvm",
    .multigraph = true,
    .collect = collect_lvm,
    .state_free = lvm_state_free,
    .refresh = lvm_refresh,
    .refresh_cancel = lvm_refresh_cancel,
    .commands = lvm_commands,
};
