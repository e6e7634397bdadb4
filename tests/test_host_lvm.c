/*
 * Tests for host_lvm: the dm name, sysfs stat, lvs JSON and du parsers
 * on fixtures (tests/fixtures/lvm: captured lvs output, hand-written
 * active pools, a sysfs tree with a thin pool, a snapshot and a LUKS
 * mapping), the services, and the refresh through a fake command runner
 * (host_roots.runner) that answers each argv with a canned result: lvs
 * and du failing, timing out, recovering, results going stale, a
 * refresh withdrawn.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/log.h"
#include "plugins/host.h"
#include "plugins/host_cmd.h"
#include "plugins/host_lvm.h"
#include "plugins/host_probes.h"
#include "tests/batch_guard.h"
#include "tests/fixture.h"
#include "tests/log_capture.h"

#define TREE FIXTURES "/lvm"
#define SYS TREE "/sys"
#define L(s) s, strlen(s) /* a literal and its length */

/* ---- parsers ------------------------------------------------------- */

static void
test_dm_name(void **state)
{
	struct lvm_dm_name n;

	(void)state;
	assert_int_equal(lvm_dm_name_parse(L("vg--data-lv--1\n"), &n), 0);
	assert_string_equal(n.vg, "vg-data");
	assert_string_equal(n.lv, "lv-1");
	assert_string_equal(n.layer, "");
	assert_int_equal(lvm_dm_name_parse(L("vg0-root-real"), &n), 0);
	assert_string_equal(n.vg, "vg0");
	assert_string_equal(n.lv, "root");
	assert_string_equal(n.layer, "real");
	assert_int_equal(lvm_dm_name_parse(L("vg--data-pool_tdata"), &n), 0);
	assert_string_equal(n.lv, "pool_tdata");
	/* VG "vg-", LV "lv": the lone '-' is the last of three */
	assert_int_equal(lvm_dm_name_parse(L("vg---lv"), &n), 0);
	assert_string_equal(n.vg, "vg-");
	assert_string_equal(n.lv, "lv");
	/* not LVM's form */
	assert_int_equal(lvm_dm_name_parse(L("luks--x"), &n), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lvm_dm_name_parse(L("crypt"), &n), -1);
	assert_int_equal(lvm_dm_name_parse(L("-lv"), &n), -1);
	assert_int_equal(lvm_dm_name_parse(L("vg-"), &n), -1);
	assert_int_equal(lvm_dm_name_parse(L("vg-lv-"), &n), -1);
	assert_int_equal(lvm_dm_name_parse(L("a-b-c-d"), &n), -1);
	assert_int_equal(lvm_dm_name_parse(L(""), &n), -1);

	char longname[300];

	memset(longname, 'a', sizeof(longname));
	longname[2] = '-';
	assert_int_equal(lvm_dm_name_parse(longname, sizeof(longname), &n), -1);
	/* "aa-" and an LV name of LVM_NAME_MAX bytes, then one less */
	assert_int_equal(lvm_dm_name_parse(longname, 3 + LVM_NAME_MAX, &n), -1);
	assert_int_equal(lvm_dm_name_parse(longname, 2 + LVM_NAME_MAX, &n), 0);
	assert_int_equal(strlen(n.lv), LVM_NAME_MAX - 1);
}

#define UUID                                                                   \
	"LVM-Kq3Z8mXoP1aB2cD3eF4gH5iJ6kL7mN8oR00tUuid000000000000000000000001"

static void
test_dm_shown(void **state)
{
	struct lvm_dm_name n;

	(void)state;
	assert_int_equal(lvm_dm_name_parse(L("vg0-root"), &n), 0);
	assert_true(lvm_dm_shown(&n, L(UUID "\n")));
	assert_true(lvm_dm_shown(&n, L(UUID)));
	/* a layer's uuid suffix, or not LVM's */
	assert_false(lvm_dm_shown(&n, L(UUID "-real\n")));
	assert_false(lvm_dm_shown(&n, L(UUID "-pool")));
	assert_false(lvm_dm_shown(&n, L("CRYPT-LUKS2-abc-vg0-root")));
	assert_false(lvm_dm_shown(&n, L("LVM-short")));
	assert_false(lvm_dm_shown(&n, L("")));
	/* a layer in the name */
	assert_int_equal(lvm_dm_name_parse(L("vg0-pool-tpool"), &n), 0);
	assert_false(lvm_dm_shown(&n, L(UUID)));
	/* hidden sub-LVs */
	assert_int_equal(lvm_dm_name_parse(L("vg0-pool_tmeta"), &n), 0);
	assert_false(lvm_dm_shown(&n, L(UUID)));
	assert_int_equal(lvm_dm_name_parse(L("vg0-r1_rimage_0"), &n), 0);
	assert_false(lvm_dm_shown(&n, L(UUID)));
	assert_int_equal(lvm_dm_name_parse(L("vg0-lvol0_pmspare"), &n), 0);
	assert_false(lvm_dm_shown(&n, L(UUID)));
	/* an underscore that is no reserved suffix */
	assert_int_equal(lvm_dm_name_parse(L("vg0-my_data"), &n), 0);
	assert_true(lvm_dm_shown(&n, L(UUID)));
}

static int
stat_parse(const char *s, struct lvm_dm_stat *st)
{
	struct guard g;
	int rc;

	guard_init(&g, strlen(s));
	rc = lvm_stat_parse(guard_copy(&g, s, strlen(s), ""), strlen(s), st);
	guard_cleanup(&g);
	return rc;
}

static void
test_stat(void **state)
{
	struct lvm_dm_stat st;
	char *buf;
	size_t len;

	(void)state;
	buf = fixture_read("lvm/sys/block/dm-0/stat", &len);
	assert_int_equal(lvm_stat_parse(buf, len, &st), 0);
	free(buf);
	assert_int_equal(st.rd_ios, 15230);
	assert_int_equal(st.rd_sectors, 1203456);
	assert_int_equal(st.wr_ios, 40211);
	assert_int_equal(st.wr_sectors, 2209864);
	assert_int_equal(st.in_flight, 2);
	assert_int_equal(st.io_ticks, 61234);
	/* 11 columns (before 4.18), no newline */
	assert_int_equal(stat_parse("1 2 3 4 5 6 7 8 9 10 11", &st), 0);
	assert_int_equal(st.io_ticks, 10);
	assert_int_equal(stat_parse("1 2 3 4 5 6 7 8 9 10", &st), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(stat_parse("1 2 3 4 5 6 7 8 9 x 11", &st), -1);
	assert_int_equal(stat_parse("1 2 3 4 5 6 7 8 9 10x 11", &st), -1);
	assert_int_equal(stat_parse("", &st), -1);
	assert_int_equal(
	    stat_parse("1 2 3 4 5 6 7 8 9 99999999999999999999999 11", &st),
	    -1);
}

static int
report_parse(const char *s, size_t n, struct lvm_report *r)
{
	struct guard g;
	int rc;

	guard_init(&g, n);
	rc = lvm_report_parse(guard_copy(&g, s, n, ""), n, r);
	guard_cleanup(&g);
	return rc;
}

static const struct lvm_lv *
lv_find(const struct lvm_report *r, const char *vg, const char *lv)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].vg, vg) == 0 && strcmp(r->v[i].lv, lv) == 0)
			return &r->v[i];
	return NULL;
}

static void
test_report_real(void **state)
{
	struct lvm_report r;
	const struct lvm_lv *lv;
	char *buf;
	size_t len;

	(void)state;
	buf = fixture_read("lvm/lvs-real-inactive.json", &len);
	assert_int_equal(report_parse(buf, len, &r), 0);
	free(buf);
	assert_int_equal(r.n, 5);
	/* sorted by VG, LV */
	assert_string_equal(r.v[0].lv, "lv-1");
	assert_string_equal(r.v[1].lv, "pool");
	assert_string_equal(r.v[4].lv, "thin02");
	lv = lv_find(&r, "vg-data", "pool");
	assert_non_null(lv);
	assert_true(lvm_lv_is_thin_pool(lv));
	assert_false(lvm_lv_is_snapshot(lv));
	assert_true(lv->has_size);
	assert_int_equal(lv->size, 268435456);
	/* inactive: no percentages */
	assert_false(lv->has_data);
	assert_false(lv->has_meta);
	lv = lv_find(&r, "vg-data", "thin01");
	assert_string_equal(lv->pool, "pool");
	assert_string_equal(lv->segtype, "thin");
	assert_false(lvm_lv_is_thin_pool(lv));
	lvm_report_cleanup(&r);

	buf = fixture_read("lvm/lvs-real-none.json", &len);
	assert_int_equal(report_parse(buf, len, &r), 0);
	free(buf);
	assert_int_equal(r.n, 0);
	lvm_report_cleanup(&r);
}

static void
test_report_active(void **state)
{
	struct lvm_report r;
	const struct lvm_lv *lv;
	char *buf;
	size_t len;

	(void)state;
	buf = fixture_read("lvm/lvs-active.json", &len);
	assert_int_equal(report_parse(buf, len, &r), 0);
	free(buf);
	assert_int_equal(r.n, 9);
	lv = lv_find(&r, "vg-data", "pool");
	assert_true(lv->has_data && lv->has_meta);
	assert_true(lv->data_pct == 85.12);
	assert_true(lv->meta_pct == 12.40);
	lv = lv_find(&r, "vg-data", "pool2");
	assert_true(lv->data_pct == 100.0);
	lv = lv_find(&r, "vg-data", "cold");
	assert_true(lvm_lv_is_thin_pool(lv));
	assert_false(lv->has_data);
	lv = lv_find(&r, "vg0", "snap");
	assert_true(lvm_lv_is_snapshot(lv));
	assert_string_equal(lv->origin, "root");
	assert_true(lv->data_pct == 3.91);
	assert_int_equal(lv_find(&r, "vg0", "root")->size, 21474836480ull);
	lvm_report_cleanup(&r);
}

static void
test_report_bad(void **state)
{
	static const char *const bad[] = {
	    "",
	    "not json",
	    "{\"report\": {}}",
	    "{\"report\": [{\"lv\": {}}]}",
	    /* a size with a suffix: --units b --nosuffix was not honoured */
	    "{\"report\":[{\"lv\":[{\"lv_name\":\"a\",\"vg_name\":\"v\","
	    "\"lv_size\":\"8.00m\"}]}]}",
	    "{\"report\":[{\"lv\":[{\"lv_name\":\"a\",\"vg_name\":\"v\","
	    "\"lv_size\":8388608}]}]}",
	    "{\"report\":[{\"lv\":[{\"lv_name\":\"a\",\"vg_name\":\"v\","
	    "\"data_percent\":\"-1\"}]}]}",
	    "{\"report\":[{\"lv\":[{\"lv_name\":\"a\",\"vg_name\":\"v\","
	    "\"data_percent\":\"nan\"}]}]}",
	    "{\"report\":[{\"lv\":[{\"lv_name\":\"\",\"vg_name\":\"v\"}]}]}",
	    "{\"report\":[{\"lv\":[\"a\"]}]}",
	    "{\"report\":[{\"lv\":[{\"lv_name\":\"a\",\"vg_name\":\"v\"}]}",
	};
	struct lvm_report r;
	char *buf;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(report_parse(bad[i], strlen(bad[i]), &r), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(r.n, 0);
		assert_null(r.v);
	}
	/* cut anywhere, the captured report is never half taken */
	buf = fixture_read("lvm/lvs-active.json", &len);
	for (i = 0; i + 4 < len; i += 37) {
		assert_int_equal(report_parse(buf, i, &r), -1);
		assert_int_equal(r.n, 0);
	}
	free(buf);
	/* a "log" report (report/command_log) next to the lv one */
	const char *withlog =
	    "{\"report\":[{\"lv\":[{\"lv_name\":\"a\",\"vg_name\":\"v\"}]}],"
	    "\"log\":[{\"log_seq_num\":\"1\"}]}";
	assert_int_equal(report_parse(withlog, strlen(withlog), &r), 0);
	assert_int_equal(r.n, 1);
	assert_false(r.v[0].has_size);
	lvm_report_cleanup(&r);
}

static void
test_du(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(lvm_du_parse(L("13637\t/etc/lvm/archive\n"), &v), 0);
	assert_int_equal(v, 13637);
	assert_int_equal(lvm_du_parse(L("6 /x"), &v), 0);
	assert_int_equal(v, 6);
	assert_int_equal(lvm_du_parse(L(""), &v), -1);
	assert_int_equal(lvm_du_parse(L("12"), &v), -1);
	assert_int_equal(lvm_du_parse(L("du: cannot access"), &v), -1);
	assert_int_equal(lvm_du_parse(L("12k\t/x"), &v), -1);
}

/* ---- the scan and the services ------------------------------------- */

static void
test_scan(void **state)
{
	static const char *const shown[][2] = {
	    {"vg-data", "lv-1"},
	    {"vg-data", "thin01"},
	    {"vg-data", "thin02"},
	    {"vg0", "root"},
	    {"vg0", "snap"},
	    {"vg0", "swap"},
	};
	struct lvm_ios io;
	size_t i;

	(void)state;
	assert_int_equal(lvm_scan(SYS, &io), 0);
	assert_int_equal(io.n, 6);
	for (i = 0; i < 6; i++) {
		assert_string_equal(io.v[i].name.vg, shown[i][0]);
		assert_string_equal(io.v[i].name.lv, shown[i][1]);
	}
	/* thin01 is dm-9 */
	assert_int_equal(io.v[1].st.wr_sectors, 300000);
	lvm_ios_cleanup(&io);
	/* no sysfs */
	assert_int_equal(lvm_scan(TREE "/nonexistent", &io), 0);
	assert_int_equal(io.n, 0);
}

static const struct field *
field(const struct batch *b, const char *svc, const char *name)
{
	struct service *s = batch_service((struct batch *)b, svc, false);

	if (s == NULL)
		return NULL;
	return service_field(s, name, false);
}

static const char *
fattr(const struct batch *b, const char *svc, const char *name, const char *key)
{
	const struct field *f = field(b, svc, name);

	assert_non_null(f);
	return attrs_get(&f->attrs, key);
}

static void
assert_value(const struct batch *b, const char *svc, const char *name, double v)
{
	const struct field *f = field(b, svc, name);

	if (f == NULL)
		fail_msg("%s.%s missing", svc, name);
	assert_true(f->has_value);
	if (f->unknown)
		fail_msg("%s.%s is U", svc, name);
	if (f->value != v)
		fail_msg("%s.%s is %.17g, not %.17g", svc, name, f->value, v);
}

static void
assert_unknown(const struct batch *b, const char *svc, const char *name)
{
	const struct field *f = field(b, svc, name);

	if (f == NULL)
		fail_msg("%s.%s missing", svc, name);
	assert_true(f->has_value && f->unknown);
}

static void
result_from(struct lvm_result *res, const char *fixture)
{
	char *buf;
	size_t len;

	memset(res, 0, sizeof(*res));
	buf = fixture_read(fixture, &len);
	assert_int_equal(lvm_report_parse(buf, len, &res->report), 0);
	free(buf);
	res->have_report = res->report_ok = true;
	res->archive = (struct lvm_dir){.ok = true, .files = 5, .bytes = 13637};
	res->backup = (struct lvm_dir){.ok = true, .files = 1, .bytes = 4996};
	res->when = 1000;
}

static void
test_services_io_only(void **state)
{
	struct batch b = {0};
	struct lvm_ios io;

	(void)state;
	assert_int_equal(lvm_scan(SYS, &io), 0);
	assert_int_equal(lvm_services(&io, NULL, 1000, &b), 0);
	assert_int_equal(b.n, 4);
	assert_string_equal(b.services[0].name, "lvm_iops");
	assert_string_equal(b.services[1].name, "lvm_throughput");
	assert_string_equal(b.services[2].name, "lvm_busy");
	assert_string_equal(b.services[3].name, "lvm_inflight");
	assert_string_equal(
	    attrs_get(&b.services[0].graph, "graph_category"), "disk");
	/* dm-0, vg0/root: DERIVE counters as the kernel gives them */
	assert_value(&b, "lvm_iops", "vg0_root_read", 15230);
	assert_value(&b, "lvm_iops", "vg0_root_write", 40211);
	assert_string_equal(fattr(&b, "lvm_iops", "vg0_root_write", "negative"),
	    "vg0_root_read");
	assert_string_equal(
	    fattr(&b, "lvm_iops", "vg0_root_read", "graph"), "no");
	assert_string_equal(
	    fattr(&b, "lvm_iops", "vg0_root_read", "type"), "DERIVE");
	assert_string_equal(
	    fattr(&b, "lvm_iops", "vg0_root_read", "label"), "vg0/root");
	assert_value(&b, "lvm_throughput", "vg0_root_read", 1203456.0 * 512);
	assert_value(&b, "lvm_throughput", "vg0_root_write", 2209864.0 * 512);
	assert_value(&b, "lvm_busy", "vg0_root", 6123);
	assert_string_equal(
	    fattr(&b, "lvm_busy", "vg0_root", "type"), "DERIVE");
	assert_value(&b, "lvm_inflight", "vg0_root", 2);
	assert_null(fattr(&b, "lvm_inflight", "vg0_root", "type"));
	/* clean_fieldname of "vg-data_lv-1" */
	assert_value(&b, "lvm_inflight", "vg_data_lv_1", 0);
	assert_string_equal(
	    fattr(&b, "lvm_inflight", "vg_data_lv_1", "label"), "vg-data/lv-1");
	/* layers, sub-LVs and the LUKS mapping are not there */
	assert_int_equal(b.services[3].nfields, 6);
	assert_null(field(&b, "lvm_inflight", "vg_data_pool"));
	assert_null(field(&b, "lvm_inflight", "vg_data_pool_tdata"));
	batch_cleanup(&b);
	lvm_ios_cleanup(&io);
}

static void
test_services_all(void **state)
{
	struct batch b = {0};
	struct lvm_result res;
	struct lvm_ios io;

	(void)state;
	assert_int_equal(lvm_scan(SYS, &io), 0);
	result_from(&res, "lvm/lvs-active.json");
	assert_int_equal(lvm_services(&io, &res, 1000 + LVM_STALE_S, &b), 0);
	assert_int_equal(b.n, 8);
	assert_string_equal(b.services[4].name, "lvm_size");
	assert_string_equal(b.services[5].name, "lvm_thin");
	assert_string_equal(b.services[6].name, "lvm_snapshot");
	assert_string_equal(b.services[7].name, "lvm_archive");
	assert_value(&b, "lvm_size", "vg0_root", 21474836480.0);
	assert_value(&b, "lvm_size", "vg_data_cold", 134217728);
	assert_int_equal(b.services[4].nfields, 9);
	assert_value(&b, "lvm_thin", "vg_data_pool_data", 85.12);
	assert_value(&b, "lvm_thin", "vg_data_pool_metadata", 12.40);
	assert_value(&b, "lvm_thin", "vg_data_pool2_metadata", 91.03);
	assert_unknown(&b, "lvm_thin", "vg_data_cold_data");
	assert_string_equal(
	    fattr(&b, "lvm_thin", "vg_data_pool_data", "warning"), "80");
	assert_string_equal(
	    fattr(&b, "lvm_thin", "vg_data_pool_metadata", "critical"), "90");
	assert_string_equal(fattr(&b, "lvm_thin", "vg_data_pool_data", "label"),
	    "vg-data/pool data");
	assert_int_equal(b.services[5].nfields, 6);
	assert_value(&b, "lvm_snapshot", "vg0_snap", 3.91);
	assert_int_equal(b.services[6].nfields, 1);
	assert_value(&b, "lvm_archive", "archive_files", 5);
	assert_value(&b, "lvm_archive", "archive_bytes", 13637);
	assert_value(&b, "lvm_archive", "backup_files", 1);
	assert_value(&b, "lvm_archive", "backup_bytes", 4996);
	assert_string_equal(
	    fattr(&b, "lvm_archive", "archive_files", "warning"), "10000");
	assert_string_equal(
	    fattr(&b, "lvm_archive", "archive_files", "critical"), "100000");
	assert_null(fattr(&b, "lvm_archive", "backup_files", "warning"));
	assert_null(fattr(&b, "lvm_archive", "archive_bytes", "warning"));
	batch_cleanup(&b);

	/* stale: the same fields, all U */
	assert_int_equal(
	    lvm_services(&io, &res, 1000 + LVM_STALE_S + 1, &b), 0);
	assert_int_equal(b.n, 8);
	assert_unknown(&b, "lvm_size", "vg0_root");
	assert_unknown(&b, "lvm_thin", "vg_data_pool_data");
	assert_unknown(&b, "lvm_snapshot", "vg0_snap");
	assert_unknown(&b, "lvm_archive", "archive_files");
	assert_value(&b, "lvm_iops", "vg0_root_read", 15230);
	batch_cleanup(&b);

	/* lvs failed last time: the last report's LVs, U; du still fine */
	res.report_ok = false;
	res.backup.ok = false;
	assert_int_equal(lvm_services(&io, &res, 1000, &b), 0);
	assert_unknown(&b, "lvm_size", "vg0_root");
	assert_unknown(&b, "lvm_thin", "vg_data_pool_data");
	assert_value(&b, "lvm_archive", "archive_files", 5);
	assert_unknown(&b, "lvm_archive", "backup_files");
	batch_cleanup(&b);
	lvm_report_cleanup(&res.report);
	lvm_ios_cleanup(&io);
}

static void
test_services_none(void **state)
{
	struct batch b = {0};
	struct lvm_result res;
	struct lvm_ios io = {0};

	(void)state;
	/* no dm LV, lvs lists nothing: not an LVM machine */
	result_from(&res, "lvm/lvs-real-none.json");
	assert_int_equal(lvm_services(&io, &res, 1000, &b), 0);
	assert_int_equal(b.n, 0);
	assert_int_equal(lvm_services(&io, NULL, 1000, &b), 0);
	assert_int_equal(b.n, 0);
	lvm_report_cleanup(&res.report);
	/* inactive LVs only (this machine's real report) */
	result_from(&res, "lvm/lvs-real-inactive.json");
	assert_int_equal(lvm_services(&io, &res, 1000, &b), 0);
	/* no I/O graphs without an active LV: size, thin, archive */
	assert_int_equal(b.n, 3);
	assert_null(batch_service(&b, "lvm_iops", false));
	assert_unknown(&b, "lvm_thin", "vg_data_pool_data");
	assert_value(&b, "lvm_size", "vg_data_thin01", 1073741824);
	assert_non_null(batch_service(&b, "lvm_archive", false));
	batch_cleanup(&b);
	lvm_report_cleanup(&res.report);
}

static void
test_field_collisions(void **state)
{
	static const char json[] =
	    "{\"report\":[{\"lv\":["
	    "{\"lv_name\":\"c\",\"vg_name\":\"a-b\",\"lv_size\":\"1\"},"
	    "{\"lv_name\":\"b-c\",\"vg_name\":\"a\",\"lv_size\":\"2\"},"
	    "{\"lv_name\":\"b_c\",\"vg_name\":\"a\",\"lv_size\":\"3\"},"
	    "{\"lv_name\":\"root\",\"vg_name\":\"9\",\"lv_size\":\"4\"}"
	    "]}]}";
	struct batch b = {0};
	struct lvm_result res = {0};
	struct lvm_ios io = {0};

	(void)state;
	assert_int_equal(
	    lvm_report_parse(json, sizeof(json) - 1, &res.report), 0);
	res.have_report = res.report_ok = true;
	res.when = 1;
	assert_int_equal(lvm_services(&io, &res, 1, &b), 0);
	/* sorted a/b-c, a/b_c, a-b/c: one name each, in that order */
	assert_value(&b, "lvm_size", "a_b_c", 2);
	assert_value(&b, "lvm_size", "a_b_c_2", 3);
	assert_value(&b, "lvm_size", "a_b_c_3", 1);
	assert_value(&b, "lvm_size", "__root", 4);
	batch_cleanup(&b);
	lvm_report_cleanup(&res.report);
}

/* ---- the refresh, through a fake runner ---------------------------- */

/* What the fake answers to an argv whose words contain match. */
struct canned {
	const char *match; /* a word of the argv ("json", "--inodes") */
	const char *dir;   /* and this word too, or NULL */
	enum host_cmd_status status;
	const char *out;
	const char *err;
};

struct fake {
	uv_loop_t *loop;
	const struct canned *canned;
	size_t ncanned;
	char argvs[16][512]; /* argvs started, words joined by ' ' */
	size_t nstarted, ncancelled, nrunning;
};

struct fake_cmd {
	uv_timer_t timer;
	struct fake *f;
	struct host_cmd_result res;
	host_cmd_cb done;
	void *arg;
};

static void
fake_closed(uv_handle_t *h)
{
	free(h->data);
}

static void
fake_fire(uv_timer_t *t)
{
	struct fake_cmd *c = t->data;

	c->f->nrunning--;
	c->done(&c->res, c->arg);
	uv_close((uv_handle_t *)&c->timer, fake_closed);
}

static bool
has_word(const char *const argv[], const char *w)
{
	for (; *argv != NULL; argv++)
		if (strcmp(*argv, w) == 0)
			return true;
	return false;
}

static struct host_cmd *
fake_start(void *ctx, uv_loop_t *loop, const char *const argv[],
    unsigned timeout_ms, size_t max_out, host_cmd_cb done, void *arg)
{
	struct fake *f = ctx;
	struct fake_cmd *c;
	const struct canned *k = NULL;
	size_t i, o = 0;

	(void)max_out;
	assert_true(timeout_ms > 0);
	assert_true(f->nstarted < 16);
	for (i = 0; argv[i] != NULL; i++)
		o += (size_t)snprintf(f->argvs[f->nstarted] + o,
		    sizeof(f->argvs[0]) - o, "%s%s", i > 0 ? " " : "", argv[i]);
	f->nstarted++;
	for (i = 0; i < f->ncanned; i++)
		if (has_word(argv, f->canned[i].match) &&
		    (f->canned[i].dir == NULL ||
			has_word(argv, f->canned[i].dir))) {
			k = &f->canned[i];
			break;
		}
	assert_non_null(k);
	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	c->f = f;
	c->res.status = k->status;
	c->res.exit_status = k->status == HOST_CMD_BAD_EXIT ? 5 : 0;
	c->res.out = k->out != NULL ? k->out : "";
	c->res.out_len = strlen(c->res.out);
	c->res.err = k->err != NULL ? k->err : "";
	c->done = done;
	c->arg = arg;
	uv_timer_init(loop, &c->timer);
	c->timer.data = c;
	uv_timer_start(&c->timer, fake_fire, 1, 0);
	f->nrunning++;
	return (struct host_cmd *)c;
}

static void
fake_cancel(void *ctx, struct host_cmd *hc)
{
	struct fake_cmd *c = (struct fake_cmd *)hc;
	struct fake *f = ctx;

	f->ncancelled++;
	f->nrunning--;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, fake_closed);
}

static void
refreshed(void *arg)
{
	(*(int *)arg)++;
}

/* One refresh of the lvm probe in *st with runner f, run to its end. */
static void
refresh_once(const struct host_roots *r, void **st, struct fake *f)
{
	int ndone = 0;

	f->nstarted = 0;
	assert_int_equal(
	    probe_lvm.refresh(f->loop, r, st, refreshed, &ndone), 0);
	assert_int_equal(ndone, 0); /* never from within the call */
	uv_run(f->loop, UV_RUN_DEFAULT);
	assert_int_equal(ndone, 1);
	assert_int_equal(f->nrunning, 0);
}

static const char LVS_OK[] =
    "{\"report\":[{\"lv\":["
    "{\"lv_name\":\"pool\",\"vg_name\":\"vg0\",\"lv_size\":\"1024\","
    "\"segtype\":\"thin-pool\",\"data_percent\":\"81.50\","
    "\"metadata_percent\":\"2.00\"}]}]}";

static void
test_refresh(void **state)
{
	const struct canned ok[] = {
	    {"json", NULL, HOST_CMD_OK, LVS_OK, NULL},
	    {"-sb", "/a", HOST_CMD_OK, "120000\t/a\n", NULL},
	    {"--inodes", "/a", HOST_CMD_OK, "100001\t/a\n", NULL},
	    {"-sb", "/b", HOST_CMD_OK, "4096\t/b\n", NULL},
	    {"--inodes", "/b", HOST_CMD_OK, "2\t/b\n", NULL},
	};
	const struct canned bad[] = {
	    {"json", NULL, HOST_CMD_BAD_EXIT, "",
		"  Volume group \"vg0\" not found\n"},
	    {"-sb", "/a", HOST_CMD_TIMED_OUT, NULL, NULL},
	    {"--inodes", "/a", HOST_CMD_OK, "100001\t/a\n", NULL},
	    {"-sb", NULL, HOST_CMD_OK, "4096\t/b\n", NULL},
	    {"--inodes", NULL, HOST_CMD_OK, "2\t/b\n", NULL},
	};
	uv_loop_t loop;
	struct fake f = {.loop = &loop, .canned = ok, .ncanned = 5};
	const struct host_cmd_runner runner = {fake_start, fake_cancel, &f};
	const struct host_roots r = {
	    .proc = TREE "/none",
	    .sys = TREE "/none",
	    .lvs_command = "/opt/lvm/lvs",
	    .lvm_archive_dir = "/a",
	    .lvm_backup_dir = "/b",
	    .command_timeout_ms = 500,
	    .runner = &runner,
	};
	const char *cmds[8][HOST_ARGV_MAX];
	struct batch b = {0};
	void *st = NULL;
	char log[4096], joined[512];
	FILE *cap;
	size_t i, j, n, o;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	/* before any refresh: no LV in sysfs, nothing to show */
	assert_int_equal(lvm_collect_at(&r, &st, &b, 5), 0);
	assert_int_equal(b.n, 0);

	refresh_once(&r, &st, &f);
	/* exactly the commands the probe names, in that order */
	n = probe_lvm.commands(&r, cmds, 8);
	assert_int_equal(n, 5);
	assert_int_equal(f.nstarted, n);
	for (i = 0; i < n; i++) {
		for (j = 0, o = 0; cmds[i][j] != NULL; j++)
			o += (size_t)snprintf(joined + o, sizeof(joined) - o,
			    "%s%s", j > 0 ? " " : "", cmds[i][j]);
		assert_string_equal(f.argvs[i], joined);
	}
	assert_string_equal(f.argvs[0],
	    "/opt/lvm/lvs --reportformat json --units b --nosuffix -o "
	    "lv_name,vg_name,lv_size,lv_attr,segtype,pool_lv,origin,"
	    "data_percent,metadata_percent");
	assert_string_equal(f.argvs[1], "du -sb -- /a");
	assert_string_equal(f.argvs[2], "du -s --inodes -- /a");
	assert_int_equal(probe_lvm.commands(&r, cmds, 2), 2);

	/* collect right after: the report and the directories */
	assert_int_equal(probe_lvm.collect(&r, &st, &b), 0);
	assert_value(&b, "lvm_thin", "vg0_pool_data", 81.5);
	assert_value(&b, "lvm_size", "vg0_pool", 1024);
	assert_value(&b, "lvm_archive", "archive_files", 100000);
	assert_value(&b, "lvm_archive", "archive_bytes", 120000);
	assert_value(&b, "lvm_archive", "backup_files", 1);
	assert_string_equal(
	    fattr(&b, "lvm_archive", "archive_files", "label"), "files in /a");
	batch_cleanup(&b);

	/* two failing refreshes: U, and one log line per failure */
	cap = tmpfile();
	assert_non_null(cap);
	log_set_stream(cap);
	f.canned = bad;
	refresh_once(&r, &st, &f);
	refresh_once(&r, &st, &f);
	assert_int_equal(probe_lvm.collect(&r, &st, &b), 0);
	assert_unknown(&b, "lvm_thin", "vg0_pool_data");
	assert_unknown(&b, "lvm_size", "vg0_pool");
	assert_unknown(&b, "lvm_archive", "archive_files");
	assert_value(&b, "lvm_archive", "backup_files", 1);
	batch_cleanup(&b);
	/* recovery, logged once */
	f.canned = ok;
	refresh_once(&r, &st, &f);
	refresh_once(&r, &st, &f);
	assert_int_equal(probe_lvm.collect(&r, &st, &b), 0);
	assert_value(&b, "lvm_thin", "vg0_pool_data", 81.5);
	assert_value(&b, "lvm_archive", "archive_files", 100000);
	batch_cleanup(&b);
	log_set_stream(NULL);
	logged(cap, log, sizeof(log));
	fclose(cap);
	assert_int_equal(count(log, "lvm: lvs: exit 5: "), 1);
	assert_int_equal(count(log, "Volume group \"vg0\" not found"), 1);
	assert_int_equal(count(log, "lvm: du -sb (archive): timed out"), 1);
	assert_int_equal(count(log, "lvm: lvs works again"), 1);
	assert_int_equal(count(log, "archive directory is counted again"), 1);
	assert_int_equal(count(log, "backup"), 0);

	/* a refresh withdrawn: done never called, nothing left running,
	 * the last result stays */
	int ndone = 0;

	assert_int_equal(
	    probe_lvm.refresh(&loop, &r, &st, refreshed, &ndone), 0);
	/* one at a time per state */
	assert_int_equal(
	    probe_lvm.refresh(&loop, &r, &st, refreshed, &ndone), -1);
	probe_lvm.refresh_cancel(st);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(ndone, 0);
	assert_int_equal(f.nrunning, 0);
	assert_int_equal(f.ncancelled, 5);
	assert_int_equal(probe_lvm.collect(&r, &st, &b), 0);
	assert_value(&b, "lvm_thin", "vg0_pool_data", 81.5);
	batch_cleanup(&b);

	/* state_free withdraws a refresh still running */
	assert_int_equal(
	    probe_lvm.refresh(&loop, &r, &st, refreshed, &ndone), 0);
	probe_lvm.state_free(st);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(ndone, 0);
	assert_int_equal(f.nrunning, 0);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
test_stale_logged_once(void **state)
{
	const struct canned ok[] = {
	    {"json", NULL, HOST_CMD_OK, LVS_OK, NULL},
	    {"-sb", NULL, HOST_CMD_OK, "1\t/x\n", NULL},
	    {"--inodes", NULL, HOST_CMD_OK, "1\t/x\n", NULL},
	};
	uv_loop_t loop;
	struct fake f = {.loop = &loop, .canned = ok, .ncanned = 3};
	const struct host_cmd_runner runner = {fake_start, fake_cancel, &f};
	const struct host_roots r = {
	    .proc = TREE "/none", .sys = TREE "/none", .runner = &runner};
	struct timespec ts;
	struct batch b = {0};
	void *st = NULL;
	char log[2048];
	double now;
	FILE *cap;
	int i;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	refresh_once(&r, &st, &f);
	/* the defaults: lvs from PATH, /etc/lvm's directories */
	assert_true(strncmp(f.argvs[0], "lvs --reportformat", 18) == 0);
	assert_string_equal(f.argvs[1], "du -sb -- /etc/lvm/archive");
	assert_string_equal(f.argvs[4], "du -s --inodes -- /etc/lvm/backup");
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	cap = tmpfile();
	assert_non_null(cap);
	log_set_stream(cap);
	for (i = 0; i < 3; i++) {
		assert_int_equal(
		    lvm_collect_at(&r, &st, &b, now + LVM_STALE_S + 10), 0);
		assert_unknown(&b, "lvm_thin", "vg0_pool_data");
		assert_unknown(&b, "lvm_archive", "archive_files");
		batch_cleanup(&b);
	}
	log_set_stream(NULL);
	logged(cap, log, sizeof(log));
	fclose(cap);
	assert_int_equal(count(log, "lvm: no refresh for"), 1);
	assert_int_equal(lvm_collect_at(&r, &st, &b, now), 0);
	assert_value(&b, "lvm_thin", "vg0_pool_data", 81.5);
	batch_cleanup(&b);
	probe_lvm.state_free(st);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/*
 * A machine without LVs ("drover node" there refreshes only at start:
 * the probe is never listed, so never fetched): a collect long after the
 * last refresh shows nothing and does not warn about a stale refresh.
 */
static void
test_stale_quiet_without_lvs(void **state)
{
	const struct canned none[] = {
	    {"json", NULL, HOST_CMD_OK, "{\"report\": [{\"lv\": []}]}", NULL},
	    {"-sb", NULL, HOST_CMD_OK, "1\t/x\n", NULL},
	    {"--inodes", NULL, HOST_CMD_OK, "1\t/x\n", NULL},
	};
	uv_loop_t loop;
	struct fake f = {.loop = &loop, .canned = none, .ncanned = 3};
	const struct host_cmd_runner runner = {fake_start, fake_cancel, &f};
	const struct host_roots r = {
	    .proc = TREE "/none", .sys = TREE "/none", .runner = &runner};
	struct timespec ts;
	struct batch b = {0};
	void *st = NULL;
	char log[2048];
	double now;
	FILE *cap;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	refresh_once(&r, &st, &f);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	cap = tmpfile();
	assert_non_null(cap);
	log_set_stream(cap);
	assert_int_equal(
	    lvm_collect_at(&r, &st, &b, now + LVM_STALE_S + 10), 0);
	assert_int_equal(b.n, 0);
	batch_cleanup(&b);
	log_set_stream(NULL);
	logged(cap, log, sizeof(log));
	fclose(cap);
	assert_int_equal(count(log, "lvm: no refresh for"), 0);
	probe_lvm.state_free(st);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
}

/* No lvs installed (a real spawn, no runner): logged once, at info, with
 * the reason, not a bare "spawn failed". */
static void
test_no_lvs_says_why(void **state)
{
	const struct host_roots r = {.proc = TREE "/none",
	    .sys = TREE "/none",
	    .lvs_command = "/nonexistent/lvs",
	    .lvm_archive_dir = "/nonexistent",
	    .lvm_backup_dir = "/nonexistent"};
	uv_loop_t loop;
	void *st = NULL;
	char log[4096];
	int ndone = 0, i;
	FILE *cap;

	(void)state;
	assert_int_equal(uv_loop_init(&loop), 0);
	cap = tmpfile();
	assert_non_null(cap);
	log_set_stream(cap);
	for (i = 0; i < 2; i++) {
		assert_int_equal(
		    probe_lvm.refresh(&loop, &r, &st, refreshed, &ndone), 0);
		uv_run(&loop, UV_RUN_DEFAULT);
	}
	log_set_stream(NULL);
	logged(cap, log, sizeof(log));
	fclose(cap);
	assert_int_equal(ndone, 2);
	assert_int_equal(
	    count(log, "info: lvm: lvs: spawn failed: no such file"), 1);
	assert_int_equal(count(log, "warning"), 0);
	probe_lvm.state_free(st);
	assert_int_equal(uv_loop_close(&loop), 0);
}

static void
test_table(void **state)
{
	(void)state;
	assert_ptr_equal(host_probe_find("lvm"), &probe_lvm);
	assert_true(probe_lvm.multigraph);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_dm_name),
	    cmocka_unit_test(test_dm_shown),
	    cmocka_unit_test(test_stat),
	    cmocka_unit_test(test_report_real),
	    cmocka_unit_test(test_report_active),
	    cmocka_unit_test(test_report_bad),
	    cmocka_unit_test(test_du),
	    cmocka_unit_test(test_scan),
	    cmocka_unit_test(test_services_io_only),
	    cmocka_unit_test(test_services_all),
	    cmocka_unit_test(test_services_none),
	    cmocka_unit_test(test_field_collisions),
	    cmocka_unit_test(test_refresh),
	    cmocka_unit_test(test_stale_logged_once),
	    cmocka_unit_test(test_stale_quiet_without_lvs),
	    cmocka_unit_test(test_no_lvs_says_why),
	    cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
