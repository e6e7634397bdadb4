/*
 * Tests for host_disk and host_diskstats: the mount list chosen as df
 * chooses it and statvfs figures made into df/df_inode (numbers given
 * here, as statvfs cannot be fed a fixture); /proc/diskstats of several
 * kernels, Munin's device selection and naming, its rate arithmetic, a
 * counter wrap, devices that come and go; malformed input rejected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>
#include <cmocka.h>

#include "lib/log.h"
#include "plugins/host.h"
#include "plugins/host_disk.h"
#include "plugins/host_diskstats.h"
#include "plugins/host_probes.h"
#include "tests/fixture.h"

/* The mount points of m, space-separated. */
static const char *
dirs(const struct disk_mounts *m)
{
	static char out[1024];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < m->n; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, m->v[i].dir);
	}
	return out;
}

static void
load_mounts(const char *rel, bool mountinfo, struct disk_mounts *m)
{
	size_t len;
	char *buf = fixture_read(rel, &len);

	memset(m, 0, sizeof(*m));
	assert_int_equal(disk_parse_mounts(buf, len, mountinfo, m), 0);
	free(buf);
}

static struct service *
service(struct batch *b, const char *name)
{
	struct service *s = batch_service(b, name, false);

	if (s == NULL)
		fail_msg("no service %s", name);
	return s;
}

static const struct field *
field(struct service *s, const char *name)
{
	const struct field *f = service_field(s, name, false);

	if (f == NULL)
		fail_msg("%s: no field %s", s->name, name);
	return f;
}

static void
check_value(struct service *s, const char *name, double want)
{
	const struct field *f = field(s, name);

	assert_true(f->has_value);
	assert_false(f->unknown);
	if (fabs(f->value - want) > 1e-12 * fmax(1.0, fabs(want)))
		fail_msg(
		    "%s.%s = %.17g, want %.17g", s->name, name, f->value, want);
}

static void
check_attr(
    struct service *s, const char *fname, const char *key, const char *want)
{
	const char *got = fname == NULL
			      ? attrs_get(&s->graph, key)
			      : attrs_get(&field(s, fname)->attrs, key);

	if (got == NULL)
		fail_msg("%s: %s.%s missing", s->name, fname ? fname : "", key);
	assert_string_equal(got, want);
}

/* ---- df ----------------------------------------------------------------- */

static void
test_mountinfo_parsed(void **state)
{
	struct disk_mounts m;

	(void)state;
	load_mounts("mounts/mountinfo", true, &m);
	assert_int_equal(m.n, 21);
	assert_string_equal(m.v[5].dev, "/dev/sda1");
	assert_string_equal(m.v[5].dir, "/");
	assert_string_equal(m.v[5].type, "ext4");
	assert_true(m.v[5].has_devno);
	assert_true(m.v[5].devno == ((uint64_t)8 << 32 | 1));
	assert_string_equal(m.v[8].root, "/srv/data");
	/* \040 is a blank */
	assert_string_equal(m.v[14].dir, "/mnt/my disk");
	disk_mounts_cleanup(&m);
}

static void
test_mounts_chosen_as_df(void **state)
{
	struct disk_mounts m;

	(void)state;
	/* no proc, sysfs, devpts (dummy), devtmpfs, squashfs (excluded),
	 * nfs4, cifs, afs (network), relative point; /var/lib/data is a
	 * bind of / (same device, further from the root), /run/shm of
	 * /run; sdf1 over sde1 on /media/usb hides it */
	load_mounts("mounts/mountinfo", true, &m);
	disk_mounts_select(&m, DISK_BLOCKS);
	assert_string_equal(dirs(&m), "/run / /sys/fs/cgroup /home /var "
				      "/boot/efi /mnt/my disk /tmp /media/usb");
	assert_string_equal(m.v[8].dev, "/dev/sdf1");
	disk_mounts_cleanup(&m);

	/* df_inode excludes vfat too, and not devtmpfs */
	load_mounts("mounts/mountinfo", true, &m);
	disk_mounts_select(&m, DISK_INODES);
	assert_string_equal(dirs(&m), "/dev /run / /sys/fs/cgroup /home /var "
				      "/mnt/my disk /tmp /media/usb");
	disk_mounts_cleanup(&m);

	/* a mounts file: no device numbers, no merging by device */
	load_mounts("mounts/mounts", false, &m);
	assert_int_equal(m.n, 7);
	assert_null(m.v[0].root);
	disk_mounts_select(&m, DISK_BLOCKS);
	assert_string_equal(dirs(&m), "/ /run /boot/efi /mnt/my disk");
	disk_mounts_cleanup(&m);
}

static void
test_remote(void **state)
{
	(void)state;
	assert_true(disk_is_remote("srv:/export", "nfs"));
	assert_true(disk_is_remote("srv:/export", "ext4"));
	assert_true(disk_is_remote("//nas/share", "cifs"));
	assert_true(disk_is_remote("nas", "nfs4"));
	assert_true(disk_is_remote("-hosts", "autofs"));
	assert_true(disk_is_remote("AFS", "afs"));
	assert_false(disk_is_remote("/dev/sda1", "ext4"));
	assert_false(disk_is_remote("tmpfs", "tmpfs"));
	assert_false(disk_is_remote("//weird", "ext4"));
}

static void
test_clean_fieldname(void **state)
{
	char out[64];

	(void)state;
	assert_string_equal(
	    disk_clean_fieldname("/dev/sda1", out, sizeof(out)), "_dev_sda1");
	assert_string_equal(disk_clean_fieldname("/", out, sizeof(out)), "_");
	assert_string_equal(
	    disk_clean_fieldname("root", out, sizeof(out)), "__root");
	assert_string_equal(
	    disk_clean_fieldname("12ab-c.d", out, sizeof(out)), "_ab_c_d");
	assert_string_equal(
	    disk_clean_fieldname("x\xc3\xa9", out, sizeof(out)), "x__");
	assert_string_equal(disk_clean_fieldname("", out, sizeof(out)), "");
	assert_string_equal(disk_clean_fieldname("/dev/sda1", out, 5), "_dev");
}

static void
test_df_values(void **state)
{
	struct disk_mounts m;
	struct disk_usage u[9];
	struct batch b = {0};
	struct service *s;

	(void)state;
	load_mounts("mounts/mountinfo", true, &m);
	disk_mounts_select(&m, DISK_BLOCKS);
	assert_int_equal(m.n, 9);
	memset(u, 0, sizeof(u));
	/* /run: 4 KiB blocks, 250 of 1000 free, 200 available */
	u[0] = (struct disk_usage){true, 4096, 1000, 250, 200, 100, 90};
	/* /: nothing used */
	u[1] = (struct disk_usage){true, 4096, 1000, 1000, 950, 100, 100};
	/* /sys/fs/cgroup: no blocks, left out as df leaves it out */
	u[2] = (struct disk_usage){true, 4096, 0, 0, 0, 0, 0};
	/* /home: 512-byte blocks, rounded up to KiB: 3 used, 1 avail */
	u[3] = (struct disk_usage){true, 512, 7, 2, 1, 10, 1};
	/* /var: statvfs failed */
	u[4].ok = false;
	/* /boot/efi: used over the top (bfree > blocks) */
	u[5] = (struct disk_usage){true, 1024, 10, 12, 12, 0, 0};
	u[6] = (struct disk_usage){true, 4096, 100, 0, 0, 10, 0};
	u[7] = (struct disk_usage){true, 4096, 100, 50, 50, 10, 5};
	u[8] = (struct disk_usage){true, 4096, 100, 99, 99, 10, 9};
	assert_int_equal(disk_df_service(DISK_BLOCKS, &m, u, &b), 0);
	s = service(&b, "df");
	assert_true(s->has_config);
	check_attr(s, NULL, "graph_title", "Disk usage in percent");
	check_attr(s, NULL, "graph_args", "--upper-limit 100 -l 0");
	check_attr(s, NULL, "graph_vlabel", "%");
	check_attr(s, NULL, "graph_scale", "no");
	check_attr(s, NULL, "graph_category", "disk");
	assert_int_equal(s->graph.n, 5);
	assert_int_equal(s->nfields, 7);
	/* tmpfs sources go by their mount point */
	check_value(s, "_run", 3000.0 / 3800.0 * 100.0);
	check_attr(s, "_run", "label", "/run");
	check_attr(s, "_run", "warning", "92");
	check_attr(s, "_run", "critical", "98");
	check_value(s, "_dev_sda1", 0);
	check_attr(s, "_dev_sda1", "label", "/");
	assert_null(service_field(s, "cgroup2", false));
	assert_null(service_field(s, "_sys_fs_cgroup", false));
	check_value(s, "_dev_sda2", 75);
	assert_null(service_field(s, "_dev_mapper_vg0_var", false));
	check_value(s, "_dev_sdb1", 0);
	check_value(s, "_dev_sdc1", 100);
	check_attr(s, "_dev_sdc1", "label", "/mnt/my disk");
	check_value(s, "_tmp", 50);
	check_value(s, "_dev_sdf1", 1);
	batch_cleanup(&b);

	memset(&b, 0, sizeof(b));
	assert_int_equal(disk_df_service(DISK_INODES, &m, u, &b), 0);
	s = service(&b, "df_inode");
	check_attr(s, NULL, "graph_title", "Inode usage in percent");
	check_value(s, "_run", 10.0 / 100.0 * 100.0);
	check_value(s, "_dev_sda2", 9.0 / 10.0 * 100.0);
	check_value(s, "_dev_sdc1", 100);
	check_value(s, "_tmp", 50);
	check_value(s, "_dev_sdb1", 0);
	batch_cleanup(&b);
	disk_mounts_cleanup(&m);
}

static void
test_mounts_malformed(void **state)
{
	static const char *const bad_info[] = {
	    "28 1 8:1 / / rw,relatime shared:1 ext4 /dev/sda1 rw\n",
	    "28 1 8:x / / rw - ext4 /dev/sda1 rw\n",
	    "28 1 81 / / rw - ext4 /dev/sda1 rw\n",
	    "28 1 8: / / rw - ext4 /dev/sda1 rw\n",
	    "28 1 99999999999:1 / / rw - ext4 /dev/sda1 rw\n",
	    "28 1 8:1 / / rw -\n",
	    "28 1 8:1\n",
	};
	static const char *const bad_mounts[] = {
	    "/dev/sda1 /\n",
	    "/dev/sda1\n",
	};
	struct disk_mounts m = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_info) / sizeof(bad_info[0]); i++) {
		errno = 0;
		assert_int_equal(disk_parse_mounts(bad_info[i],
				     strlen(bad_info[i]), true, &m),
		    -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(m.n, 0);
	}
	for (i = 0; i < sizeof(bad_mounts) / sizeof(bad_mounts[0]); i++) {
		assert_int_equal(disk_parse_mounts(bad_mounts[i],
				     strlen(bad_mounts[i]), false, &m),
		    -1);
		assert_int_equal(m.n, 0);
	}
	/* a NUL inside a line */
	assert_int_equal(
	    disk_parse_mounts("/dev/a /x ext4\0 rw 0 0\n", 22, false, &m), -1);
	/* an escape cut short stays as written; an empty list is fine */
	assert_int_equal(
	    disk_parse_mounts("/dev/a /x\\04 ext4 rw 0 0\n", 25, false, &m), 0);
	assert_int_equal(m.n, 1);
	assert_string_equal(m.v[0].dir, "/x\\04");
	disk_mounts_cleanup(&m);
	assert_int_equal(disk_parse_mounts("", 0, false, &m), 0);
	assert_int_equal(m.n, 0);
}

/* ---- diskstats -------------------------------------------------------- */

static void
load_reading(const char *rel, struct ds_reading *r)
{
	size_t len;
	char *buf = fixture_read(rel, &len);

	memset(r, 0, sizeof(*r));
	assert_int_equal(diskstats_parse(buf, len, r), 0);
	free(buf);
}

static const char *
names(const struct ds_reading *r)
{
	static char out[1024];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < r->n; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, r->v[i].name);
	}
	return out;
}

/* The entries of the fixture's sys/block, as collect lists them. */
static const char *const fixture_sys[] = {"sda", "sdb", "nvme0n1", "cciss!c0d0",
    "loop0", "loop1", "sr0", "dm-0", "dm-1", "dm-2", "dm-3"};
#define NSYS (sizeof(fixture_sys) / sizeof(fixture_sys[0]))

static void
test_diskstats_parsed(void **state)
{
	struct ds_reading r;

	(void)state;
	/* 5.5+: 20 columns */
	load_reading("diskstats/b/proc/diskstats", &r);
	assert_int_equal(r.n, 14);
	assert_string_equal(r.v[0].name, "sda");
	assert_true(r.v[0].c.rd_ios == 120934);
	assert_true(r.v[0].c.rd_sectors == 9941120);
	assert_true(r.v[0].c.rd_ticks == 81999);
	assert_true(r.v[0].c.wr_ios == 80911);
	assert_true(r.v[0].c.wr_sectors == 3992344);
	assert_true(r.v[0].c.wr_ticks == 121443);
	assert_true(r.v[0].c.tot_ticks == 90712);
	assert_string_equal(r.v[5].name, "cciss/c0d0");
	diskstats_reading_cleanup(&r);
	/* 4.19: 18 columns */
	load_reading("diskstats/a/proc/diskstats", &r);
	assert_int_equal(r.n, 15);
	diskstats_reading_cleanup(&r);
	/* 2.6.18: 14 columns for disks, 7 for partitions (skipped) */
	load_reading("proc-2.6.18/diskstats", &r);
	assert_string_equal(names(&r), "ram0 hda sda md0");
	assert_true(r.v[1].c.tot_ticks == 327330);
	diskstats_reading_cleanup(&r);
}

static void
test_diskstats_malformed(void **state)
{
	static const char *const bad[] = {
	    "8 0 sda 1 2 x 4 5 6 7 8 9 10 11\n",
	    "8 0 sda 1 2 3 4 5 6 7 8 9 10 -11\n",
	    "8 0 sda 1 2 3 4 5 6 7 8 9 10 99999999999999999999999\n",
	    "8 z sda 1 2 3 4 5 6 7 8 9 10 11\n",
	    "8 0 sda 1 2 3 4 5 6 7 8 9 10 1\0 1\n",
	};
	static const size_t badlen[] = {0, 0, 0, 0, 33};
	struct ds_reading r = {0};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(
		    diskstats_parse(
			bad[i], badlen[i] ? badlen[i] : strlen(bad[i]), &r),
		    -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(r.n, 0);
	}
	/* short lines are not errors, and the 64-bit top is a counter */
	assert_int_equal(diskstats_parse("8 0 sda 1 2\n\n   \n"
					 "8 1 sdb 18446744073709551615 0 0 0 0 "
					 "0 0 0 0 0 0\n",
			     strlen("8 0 sda 1 2\n\n   \n"
				    "8 1 sdb 18446744073709551615 0 0 0 0 "
				    "0 0 0 0 0 0\n"),
			     &r),
	    0);
	assert_string_equal(names(&r), "sdb");
	assert_true(r.v[0].c.rd_ios == UINT64_MAX);
	diskstats_reading_cleanup(&r);
}

static void
test_diskstats_selected(void **state)
{
	static const char text[] =
	    "8 0 sda 1 0 0 0 0 0 0 0 0 0 0\n"
	    "8 1 sda1 1 0 0 0 0 0 0 0 0 0 0\n"
	    "8 16 sdb 0 0 0 0 0 0 0 0 0 0 0\n"
	    "8 17 sdb1 0 0 0 0 1 0 0 0 0 0 0\n"
	    "259 0 nvme0n1 1 0 0 0 0 0 0 0 0 0 0\n"
	    "259 1 nvme0n1p1 1 0 0 0 0 0 0 0 0 0 0\n"
	    "259 2 nvme0n1p12 1 0 0 0 0 0 0 0 0 0 0\n"
	    "253 1 dm-1 1 0 0 0 0 0 0 0 0 0 0\n"
	    "253 10 dm-10 1 0 0 0 0 0 0 0 0 0 0\n"
	    "9 1 md1 1 0 0 0 0 0 0 0 0 0 0\n"
	    "9 2 md1p1 1 0 0 0 0 0 0 0 0 0 0\n"
	    "7 0 loop0 0 0 0 0 0 0 0 0 0 0 0\n"
	    "152 0 etherd/e1.1 1 0 0 0 0 0 0 0 0 0 0\n"
	    "152 1 etherd/e1.10 1 0 0 0 0 0 0 0 0 0 0\n"
	    "152 2 etherd/e1.1p1 1 0 0 0 0 0 0 0 0 0 0\n";
	struct ds_reading r = {0};

	(void)state;
	/* no sysfs: partitions told by name; sdb1 stays, as idle sdb is
	 * not shown */
	assert_int_equal(diskstats_parse(text, sizeof(text) - 1, &r), 0);
	diskstats_select(&r, NULL, 0);
	assert_string_equal(names(&r),
	    "sda sdb1 nvme0n1 dm-1 dm-10 md1 etherd/e1.1 etherd/e1.10");
	diskstats_reading_cleanup(&r);

	/* sysfs: what SYS/block lists */
	load_reading("diskstats/b/proc/diskstats", &r);
	diskstats_select(&r, fixture_sys, NSYS);
	assert_string_equal(names(&r), "sda nvme0n1 cciss/c0d0 loop1 sr0 "
				       "dm-0 dm-1 dm-2 dm-3");
	diskstats_reading_cleanup(&r);
}

static void
test_diskstats_dm_names(void **state)
{
	struct ds_device d = {0};

	(void)state;
	assert_int_equal(diskstats_dm_name(&d, "vg0-root", "LVM-abc"), 0);
	assert_string_equal(d.pretty, "vg0/root");
	assert_int_equal(
	    diskstats_dm_name(&d, "vg--data-lv--big", "LVM-abc"), 0);
	assert_string_equal(d.pretty, "vg-data/lv-big");
	assert_int_equal(diskstats_dm_name(&d, "a--b", "LVM-abc"), 0);
	assert_string_equal(d.pretty, "mapper/a--b");
	assert_int_equal(
	    diskstats_dm_name(&d, "luks-1234", "CRYPT-LUKS2-1234"), 0);
	assert_string_equal(d.pretty, "mapper/luks-1234");
	assert_int_equal(diskstats_dm_name(&d, "crypt", NULL), 0);
	assert_string_equal(d.pretty, "mapper/crypt");
	free(d.pretty);
	d.pretty = NULL;
	assert_int_equal(diskstats_dm_name(&d, NULL, "LVM-x"), 0);
	assert_null(d.pretty);
	assert_int_equal(diskstats_dm_name(&d, "", NULL), 0);
	assert_null(d.pretty);
}

/* The services of b, space-separated. */
static const char *
services(const struct batch *b)
{
	static char out[4096];
	size_t i;

	out[0] = '\0';
	for (i = 0; i < b->n; i++) {
		if (i > 0)
			strcat(out, " ");
		strcat(out, b->services[i].name);
	}
	return out;
}

static void
test_diskstats_first_reading(void **state)
{
	struct ds_reading r;
	struct batch b = {0};
	struct service *s;
	size_t i, j;

	(void)state;
	load_reading("diskstats/b/proc/diskstats", &r);
	diskstats_select(&r, fixture_sys, NSYS);
	assert_int_equal(diskstats_dm_name(&r.v[5], "vg0-root", "LVM-1"), 0);
	assert_int_equal(diskstats_services(&r, NULL, 0, &b), 0);
	/* loop1 has no ticks: no latency or utilisation graphs */
	assert_string_equal(services(&b),
	    "diskstats_latency diskstats_utilization diskstats_throughput "
	    "diskstats_iops "
	    "diskstats_latency.cciss_c0d0 diskstats_utilization.cciss_c0d0 "
	    "diskstats_throughput.cciss_c0d0 diskstats_iops.cciss_c0d0 "
	    "diskstats_latency.vg0_root diskstats_utilization.vg0_root "
	    "diskstats_throughput.vg0_root diskstats_iops.vg0_root "
	    "diskstats_latency.dm_1 diskstats_utilization.dm_1 "
	    "diskstats_throughput.dm_1 diskstats_iops.dm_1 "
	    "diskstats_latency.dm_2 diskstats_utilization.dm_2 "
	    "diskstats_throughput.dm_2 diskstats_iops.dm_2 "
	    "diskstats_latency.dm_3 diskstats_utilization.dm_3 "
	    "diskstats_throughput.dm_3 diskstats_iops.dm_3 "
	    "diskstats_throughput.loop1 diskstats_iops.loop1 "
	    "diskstats_latency.nvme0n1 diskstats_utilization.nvme0n1 "
	    "diskstats_throughput.nvme0n1 diskstats_iops.nvme0n1 "
	    "diskstats_latency.sda diskstats_utilization.sda "
	    "diskstats_throughput.sda diskstats_iops.sda "
	    "diskstats_latency.sr0 diskstats_utilization.sr0 "
	    "diskstats_throughput.sr0 diskstats_iops.sr0");
	for (i = 0; i < b.n; i++) {
		assert_true(b.services[i].has_config);
		for (j = 0; j < b.services[i].nfields; j++)
			assert_false(b.services[i].fields[j].has_value);
	}
	s = service(&b, "diskstats_throughput");
	check_attr(s, NULL, "graph_width", "400");
	/* dm last, each sorted by kernel name */
	assert_string_equal(s->fields[0].name, "cciss_c0d0_rdbytes");
	assert_string_equal(s->fields[10].name, "vg0_root_rdbytes");
	check_attr(s, "cciss_c0d0_rdbytes", "label", "c0d0");
	check_attr(s, "vg0_root_wrbytes", "label", "root");
	check_attr(s, "vg0_root_wrbytes", "negative", "vg0_root_rdbytes");
	s = service(&b, "diskstats_latency");
	check_attr(s, "vg0_root_avgwait", "label", "vg0/root");
	assert_null(service_field(s, "loop1_avgwait", false));
	s = service(&b, "diskstats_iops.vg0_root");
	check_attr(s, NULL, "graph_title", "IOs for /dev/vg0/root");
	check_attr(s, "avgwrrqsz", "negative", "avgrdrqsz");
	s = service(&b, "diskstats_utilization.sda");
	check_attr(s, "util", "info",
	    "Utilization of the device in percent. If the time spent for I/O "
	    "is close to 1000msec for a given second, the device is nearly "
	    "100% saturated.");
	batch_cleanup(&b);

	/* a long name widens the root graphs in steps of 50 pixels */
	assert_int_equal(diskstats_dm_name(&r.v[8],
			     "vgsystem-lv_var_lib_docker_overlay", "LVM-3"),
	    0);
	memset(&b, 0, sizeof(b));
	assert_int_equal(diskstats_services(&r, NULL, 0, &b), 0);
	check_attr(service(&b, "diskstats_iops"), NULL, "graph_width", "500");
	check_attr(
	    service(&b, "diskstats_latency"), NULL, "graph_width", "500");
	batch_cleanup(&b);
	diskstats_reading_cleanup(&r);
}

static void
test_diskstats_rates(void **state)
{
	struct ds_reading a, r;
	struct batch b = {0};
	struct service *s;

	(void)state;
	load_reading("diskstats/a/proc/diskstats", &a);
	load_reading("diskstats/b/proc/diskstats", &r);
	diskstats_select(&r, fixture_sys, NSYS);
	assert_int_equal(diskstats_services(&r, &a, 300, &b), 0);
	/* sda over 300 s: 900 reads of 107008 sectors in 765 ms, 700
	 * writes of 90000 sectors in 1000 ms, 600 ms busy */
	s = service(&b, "diskstats_iops.sda");
	check_value(s, "rdio", 900.0 / 300);
	check_value(s, "wrio", 700.0 / 300);
	check_value(s, "avgrdrqsz", 107008.0 * 512 / 1000 / 900);
	check_value(s, "avgwrrqsz", 90000.0 * 512 / 1000 / 700);
	s = service(&b, "diskstats_throughput.sda");
	check_value(s, "rdbytes", 107008.0 / 300 * 512);
	check_value(s, "wrbytes", 90000.0 / 300 * 512);
	s = service(&b, "diskstats_latency.sda");
	check_value(s, "svctm", (600.0 / 300) / (1600.0 / 300) / 1000);
	check_value(s, "avgwait", (765.0 + 1000.0) / 1600 / 1000);
	check_value(s, "avgrdwait", 765.0 / 900 / 1000);
	check_value(s, "avgwrwait", 1000.0 / 700 / 1000);
	check_value(
	    service(&b, "diskstats_utilization.sda"), "util", 600.0 / 300 / 10);
	check_value(
	    service(&b, "diskstats_utilization"), "sda_util", 600.0 / 300 / 10);
	check_value(service(&b, "diskstats_throughput"), "sda_wrbytes",
	    90000.0 / 300 * 512);
	/* sr0's counters wrapped at 2^32 */
	s = service(&b, "diskstats_iops.sr0");
	check_value(s, "rdio", (100.0 + 4294967296.0 - 4294967000.0) / 300);
	check_value(s, "wrio", 0);
	check_value(s, "avgwrrqsz", 0);
	check_value(service(&b, "diskstats_utilization.sr0"), "util",
	    (16.0 + 4294967296.0 - 4294967280.0) / 300 / 10);
	/* loop1: no ticks, so no latency, but IOs */
	check_value(service(&b, "diskstats_iops"), "loop1_wrio", 30.0 / 300);
	/* sdb vanished between the readings: not shown */
	assert_null(batch_service(&b, "diskstats_iops.sdb", false));
	batch_cleanup(&b);
	diskstats_reading_cleanup(&a);
	diskstats_reading_cleanup(&r);
}

static void
test_diskstats_wrap_and_new_devices(void **state)
{
	static const char prev[] =
	    "8 0 sda 18446744073709551610 0 4294967290 0 10 0 0 0 0 0 0\n";
	static const char cur[] = "8 0 sda 6 0 10 0 10 0 0 0 0 0 0\n"
				  "8 16 sdb 5 0 0 0 0 0 0 0 0 0 0\n";
	struct ds_reading p = {0}, c = {0};
	struct batch b = {0};
	struct service *s;
	const struct field *f;

	(void)state;
	assert_int_equal(diskstats_parse(prev, sizeof(prev) - 1, &p), 0);
	assert_int_equal(diskstats_parse(cur, sizeof(cur) - 1, &c), 0);
	diskstats_select(&c, NULL, 0);
	assert_int_equal(diskstats_services(&c, &p, 2, &b), 0);
	s = service(&b, "diskstats_iops.sda");
	/* 64-bit wrap: 2^64 - (2^64 - 6) + 6 reads */
	check_value(s, "rdio", 12.0 / 2);
	check_value(s, "wrio", 0);
	/* 32-bit wrap of the sectors: 2^32 - 4294967290 + 10 */
	check_value(
	    service(&b, "diskstats_throughput.sda"), "rdbytes", 16.0 / 2 * 512);
	/* sdb was not in the previous reading: U, not its whole counters */
	s = service(&b, "diskstats_iops.sdb");
	f = field(s, "rdio");
	assert_true(f->has_value);
	assert_true(f->unknown);
	f = field(service(&b, "diskstats_iops"), "sdb_rdio");
	assert_true(f->unknown);
	batch_cleanup(&b);
	diskstats_reading_cleanup(&p);
	diskstats_reading_cleanup(&c);
}

static void
test_diskstats_collect(void **state)
{
	struct host_roots a = {.proc = FIXTURES "/diskstats/a/proc",
	    .sys = FIXTURES "/diskstats/b/sys"};
	struct host_roots r = {.proc = FIXTURES "/diskstats/b/proc",
	    .sys = FIXTURES "/diskstats/b/sys"};
	struct host_roots none = {
	    .proc = FIXTURES "/nonexistent", .sys = FIXTURES "/no"};
	void *st = NULL;
	struct batch b = {0};
	struct service *s;

	(void)state;
	assert_int_equal(diskstats_collect_at(&a, &st, &b, 1000), 0);
	assert_non_null(st);
	s = service(&b, "diskstats_iops");
	assert_false(s->fields[0].has_value);
	/* names from SYS/block/dm-N/dm */
	assert_non_null(batch_service(&b, "diskstats_iops.vg0_root", false));
	assert_non_null(
	    batch_service(&b, "diskstats_iops.vg_data_lv_big", false));
	assert_non_null(
	    batch_service(&b, "diskstats_iops.mapper_cryptswap", false));
	batch_cleanup(&b);

	/* not later than the kept reading: no values, the kept one stays */
	memset(&b, 0, sizeof(b));
	assert_int_equal(diskstats_collect_at(&r, &st, &b, 1000), 0);
	assert_false(service(&b, "diskstats_iops.sda")->fields[0].has_value);
	batch_cleanup(&b);

	memset(&b, 0, sizeof(b));
	assert_int_equal(diskstats_collect_at(&r, &st, &b, 1300), 0);
	check_value(service(&b, "diskstats_iops.sda"), "rdio", 900.0 / 300);
	check_value(
	    service(&b, "diskstats_iops.vg0_root"), "rdio", 800.0 / 300);
	batch_cleanup(&b);

	/* a missing /proc/diskstats adds nothing and is no failure */
	memset(&b, 0, sizeof(b));
	assert_int_equal(diskstats_collect_at(&none, &st, &b, 1600), 0);
	assert_int_equal(b.n, 0);
	diskstats_state_free(st);

	/* without SYS/block (an old kernel): /proc/diskstats alone */
	st = NULL;
	r.proc = FIXTURES "/proc-2.6.18";
	r.sys = none.sys;
	assert_int_equal(diskstats_collect_at(&r, &st, &b, 1), 0);
	assert_string_equal(services(&b),
	    "diskstats_latency diskstats_utilization diskstats_throughput "
	    "diskstats_iops diskstats_latency.hda diskstats_utilization.hda "
	    "diskstats_throughput.hda diskstats_iops.hda "
	    "diskstats_throughput.md0 diskstats_iops.md0 "
	    "diskstats_latency.sda diskstats_utilization.sda "
	    "diskstats_throughput.sda diskstats_iops.sda");
	batch_cleanup(&b);
	diskstats_state_free(st);
	diskstats_state_free(NULL);
}

static void
test_probes_listed(void **state)
{
	(void)state;
	assert_ptr_equal(host_probe_find("diskstats"), &probe_diskstats);
	assert_true(probe_diskstats.multigraph);
	assert_non_null(probe_diskstats.state_free);
	assert_ptr_equal(host_probe_find("df"), &probe_df);
	assert_ptr_equal(host_probe_find("df_inode"), &probe_df_inode);
	assert_false(probe_df.multigraph);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mountinfo_parsed),
	    cmocka_unit_test(test_mounts_chosen_as_df),
	    cmocka_unit_test(test_remote),
	    cmocka_unit_test(test_clean_fieldname),
	    cmocka_unit_test(test_df_values),
	    cmocka_unit_test(test_mounts_malformed),
	    cmocka_unit_test(test_diskstats_parsed),
	    cmocka_unit_test(test_diskstats_malformed),
	    cmocka_unit_test(test_diskstats_selected),
	    cmocka_unit_test(test_diskstats_dm_names),
	    cmocka_unit_test(test_diskstats_first_reading),
	    cmocka_unit_test(test_diskstats_rates),
	    cmocka_unit_test(test_diskstats_wrap_and_new_devices),
	    cmocka_unit_test(test_diskstats_collect),
	    cmocka_unit_test(test_probes_listed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
