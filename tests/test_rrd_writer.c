/*
 * Tests for rrd_writer: real files under a mkdtemp directory, read back
 * with librrd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <rrd.h>

#include "lib/log.h"
#include "rrd/rrd_schema.h"
#include "rrd/rrd_writer.h"

/* A step-aligned epoch (multiple of 300). */
#define T0 1700000100

static char tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_rrd_writer.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
submit(struct rrd_writer *w, const char *path, const struct rrd_ds *ds,
    time_t ts, double v)
{
	assert_int_equal(
	    rrd_writer_submit_value(w, path, ds, ts, 0, v, false), 0);
}

/* The info entry called key, or fail. */
static rrd_info_t *
info_get(rrd_info_t *info, const char *key)
{
	for (; info != NULL; info = info->next)
		if (strcmp(info->key, key) == 0)
			return info;
	fail_msg("no %s in rrd info", key);
	return NULL;
}

static void
test_create_update_readback(void **state)
{
	static const struct {
		const char *cf;
		unsigned long rows, pdp;
	} rras[12] = {
	    {"AVERAGE", 576, 1},
	    {"MIN", 576, 1},
	    {"MAX", 576, 1},
	    {"AVERAGE", 432, 6},
	    {"MIN", 432, 6},
	    {"MAX", 432, 6},
	    {"AVERAGE", 540, 24},
	    {"MIN", 540, 24},
	    {"MAX", 540, 24},
	    {"AVERAGE", 450, 288},
	    {"MIN", 450, 288},
	    {"MAX", 450, 288},
	};
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	rrd_info_t *info, *i2;
	char path[256], key[64], **names = NULL;
	time_t start = T0, end = T0 + 900;
	unsigned long step = 0, nds = 0, i;
	rrd_value_t *data = NULL;
	int k;

	(void)state;
	assert_int_equal(rrd_path(path, sizeof(path), tmpdir, "grp/sub",
			     "alpha.test", "load", "load", DS_GAUGE),
	    0);
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, "0", "100", NULL), 0);
	w = rrd_writer_new(NULL, 16);
	assert_non_null(w);
	for (k = 0; k < 4; k++)
		submit(w, path, &ds, T0 + 300 * k, k + 1);
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &st);
	assert_int_equal(st.creates, 1);
	assert_int_equal(st.updates, 4);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.queue_len, 0);
	assert_int_equal(st.queue_max, 16);
	assert_true(st.latency_max_us > 0);
	assert_true(st.latency_total_us >= st.latency_max_us);
	rrd_writer_free(w);

	info = rrd_info_r(path);
	assert_non_null(info);
	assert_int_equal(info_get(info, "step")->value.u_cnt, 300);
	assert_int_equal(info_get(info, "last_update")->value.u_cnt, T0 + 900);
	assert_string_equal(
	    info_get(info, "ds[42].type")->value.u_str, "GAUGE");
	assert_int_equal(
	    info_get(info, "ds[42].minimal_heartbeat")->value.u_cnt, 600);
	assert_true(info_get(info, "ds[42].min")->value.u_val == 0.0);
	assert_true(info_get(info, "ds[42].max")->value.u_val == 100.0);
	for (k = 0; k < 12; k++) {
		snprintf(key, sizeof(key), "rra[%d].cf", k);
		assert_string_equal(
		    info_get(info, key)->value.u_str, rras[k].cf);
		snprintf(key, sizeof(key), "rra[%d].rows", k);
		assert_int_equal(
		    info_get(info, key)->value.u_cnt, rras[k].rows);
		snprintf(key, sizeof(key), "rra[%d].pdp_per_row", k);
		assert_int_equal(info_get(info, key)->value.u_cnt, rras[k].pdp);
	}
	for (i2 = info; i2 != NULL; i2 = i2->next)
		assert_string_not_equal(i2->key, "rra[12].cf");
	rrd_info_free(info);

	assert_int_equal(rrd_fetch_r(path, "AVERAGE", &start, &end, &step, &nds,
			     &names, &data),
	    0);
	assert_int_equal(step, 300);
	assert_int_equal(nds, 1);
	assert_string_equal(names[0], "42");
	/* Row i covers (start + i * step, start + (i + 1) * step]. */
	for (i = 0; start + (time_t)((i + 1) * step) <= end; i++)
		if (start + (time_t)((i + 1) * step) == T0 + 600)
			assert_true(data[i] == 3.0);
	assert_true(i > 0);
	free(names[0]);
	free(names);
	free(data);
}

static void
test_equal_timestamp_no_error(void **state)
{
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	char path[256];
	int k;

	(void)state;
	assert_int_equal(rrd_path(path, sizeof(path), tmpdir, "g", "h", "cpu",
			     "user", DS_DERIVE),
	    0);
	assert_int_equal(rrd_ds_init(&ds, DS_DERIVE, "0", NULL, NULL), 0);
	w = rrd_writer_new(NULL, 64);
	assert_non_null(w);
	submit(w, path, &ds, T0, 10);
	for (k = 0; k < 20; k++)
		submit(w, path, &ds, T0, 11); /* same second */
	submit(w, path, &ds, T0 - 300, 9);    /* older */
	submit(w, path, &ds, T0 + 300, 12);
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &st);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.updates, 2);
	assert_int_equal(st.stale, 21);
	assert_string_equal(st.last_error, "");
	rrd_writer_free(w);
	assert_int_equal(rrd_last_r(path), T0 + 300);
}

static void
test_unwritable_dir_reported(void **state)
{
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	char db[128], path[256], line[512];
	FILE *f, *logf;
	int k, lines = 0;

	(void)state;
	/* A regular file where a directory should be: fails even for root. */
	snprintf(db, sizeof(db), "%s/notadir", tmpdir);
	f = fopen(db, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(rrd_path(path, sizeof(path), db, "g", "h", "load",
			     "load", DS_GAUGE),
	    0);
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, NULL, NULL, NULL), 0);
	logf = tmpfile();
	assert_non_null(logf);
	log_set_stream(logf);
	w = rrd_writer_new(NULL, 64);
	assert_non_null(w);
	for (k = 0; k < 30; k++)
		submit(w, path, &ds, T0 + 300 * k, k);
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &st);
	rrd_writer_free(w);
	log_set_stream(NULL);
	assert_int_equal(st.updates, 0);
	assert_int_equal(st.creates, 0);
	assert_int_equal(st.errors, 30);
	assert_non_null(strstr(st.last_error, "mkdir"));
	assert_non_null(strstr(st.last_error, "Not a directory"));
	assert_true(st.last_error_time > 0);
	/* rate-limited: one message for thirty failures */
	rewind(logf);
	while (fgets(line, sizeof(line), logf) != NULL)
		if (strstr(line, "rrd: mkdir") != NULL)
			lines++;
	fclose(logf);
	assert_int_equal(lines, 1);
}

/*
 * A file the writer made and knows is tuned when the configured limits
 * change while it runs (min U -> 0 -> 0 with max 100), once per change,
 * not again while they stay.
 */
static void
test_known_file_tuned_on_change(void **state)
{
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	rrd_info_t *info;
	char path[256];

	(void)state;
	assert_int_equal(rrd_path(path, sizeof(path), tmpdir, "tg", "t.test",
			     "if_eth0", "up", DS_DERIVE),
	    0);
	w = rrd_writer_new(NULL, 8);
	assert_non_null(w);
	assert_int_equal(rrd_ds_init(&ds, DS_DERIVE, NULL, NULL, NULL), 0);
	submit(w, path, &ds, T0, 100);
	assert_int_equal(rrd_ds_init(&ds, DS_DERIVE, "0", NULL, NULL), 0);
	submit(w, path, &ds, T0 + 300, 200);
	submit(w, path, &ds, T0 + 600, 300); /* the same: no tune */
	assert_int_equal(rrd_ds_init(&ds, DS_DERIVE, "0", "100", NULL), 0);
	submit(w, path, &ds, T0 + 900, 400);
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &st);
	rrd_writer_free(w);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.creates, 1);
	assert_int_equal(st.updates, 4);
	assert_int_equal(st.tunes, 2);
	info = rrd_info_r(path);
	assert_non_null(info);
	assert_true(info_get(info, "ds[42].min")->value.u_val == 0.0);
	assert_true(info_get(info, "ds[42].max")->value.u_val == 100.0);
	rrd_info_free(info);
}

static void
test_munin_created_file_updated(void **state)
{
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	rrd_info_t *info;
	char path[256], cmd[1024];

	(void)state;
	assert_int_equal(rrd_path(path, sizeof(path), tmpdir, "mg", "m.test",
			     "if_eth0", "down", DS_DERIVE),
	    0);
	/* Exactly munin-update's RRDs::create arguments, min and max U. */
	snprintf(cmd, sizeof(cmd),
	    "mkdir -p %s/mg && rrdtool create %s --start %d -s 300 "
	    "DS:42:DERIVE:600:U:U "
	    "RRA:AVERAGE:0.5:1:576 RRA:MIN:0.5:1:576 RRA:MAX:0.5:1:576 "
	    "RRA:AVERAGE:0.5:6:432 RRA:MIN:0.5:6:432 RRA:MAX:0.5:6:432 "
	    "RRA:AVERAGE:0.5:24:540 RRA:MIN:0.5:24:540 RRA:MAX:0.5:24:540 "
	    "RRA:AVERAGE:0.5:288:450 RRA:MIN:0.5:288:450 "
	    "RRA:MAX:0.5:288:450 && rrdtool update %s %d:100",
	    tmpdir, path, T0 - 300, path, T0);
	assert_int_equal(system(cmd), 0);
	/* The config now says min 0: tuned like Munin's _ensure_tuning. */
	assert_int_equal(rrd_ds_init(&ds, DS_DERIVE, "0", NULL, NULL), 0);
	w = rrd_writer_new(NULL, 8);
	assert_non_null(w);
	submit(w, path, &ds, T0, 150); /* = the file's last: stale */
	submit(w, path, &ds, T0 + 300, 200);
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &st);
	rrd_writer_free(w);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.creates, 0);
	assert_int_equal(st.updates, 1);
	assert_int_equal(st.stale, 1);
	assert_int_equal(st.tunes, 1);
	info = rrd_info_r(path);
	assert_non_null(info);
	assert_int_equal(info_get(info, "last_update")->value.u_cnt, T0 + 300);
	assert_true(info_get(info, "ds[42].min")->value.u_val == 0.0);
	assert_true(isnan(info_get(info, "ds[42].max")->value.u_val));
	assert_string_equal(
	    info_get(info, "ds[42].last_ds")->value.u_str, "200");
	rrd_info_free(info);
}

/* A file as munin-update leaves it: made and last updated at T0 + 7 (the
 * fetch time, not on the step), value v. */
static void
munin_file(const char *path, const char *type, double v)
{
	char cmd[1400];

	snprintf(cmd, sizeof(cmd),
	    "mkdir -p \"$(dirname %s)\" && rrdtool create %s --start %d "
	    "-s 300 DS:42:%s:600:U:U "
	    "RRA:AVERAGE:0.5:1:576 RRA:MIN:0.5:1:576 RRA:MAX:0.5:1:576 "
	    "RRA:AVERAGE:0.5:6:432 RRA:MIN:0.5:6:432 RRA:MAX:0.5:6:432 "
	    "RRA:AVERAGE:0.5:24:540 RRA:MIN:0.5:24:540 RRA:MAX:0.5:24:540 "
	    "RRA:AVERAGE:0.5:288:450 RRA:MIN:0.5:288:450 "
	    "RRA:MAX:0.5:288:450 && rrdtool update %s %d:%g",
	    path, path, T0 - 293, type, path, T0 + 7, v);
	assert_int_equal(system(cmd), 0);
}

static void
submit_read(struct rrd_writer *w, const char *path, const struct rrd_ds *ds,
    time_t ts, time_t read_at, double v)
{
	assert_int_equal(
	    rrd_writer_submit_value(w, path, ds, ts, read_at, v, false), 0);
}

/*
 * The hand-over: munin-update's last value is stamped T0 + 7, drover's
 * first is stamped T0 (its interval's start) but read at T0 + 150.  It is
 * written at T0 + 150, not dropped; the next goes on drover's grid.  A
 * value read after its whole step is kept inside it (T0 + 299).
 */
static void
test_handover_after_munin(void **state)
{
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	rrd_info_t *info;
	char path[256], path2[256];

	(void)state;
	assert_int_equal(rrd_path(path, sizeof(path), tmpdir, "ho", "m.test",
			     "load", "load", DS_GAUGE),
	    0);
	assert_int_equal(rrd_path(path2, sizeof(path2), tmpdir, "ho", "m.test",
			     "slow", "x", DS_GAUGE),
	    0);
	munin_file(path, "GAUGE", 1);
	munin_file(path2, "GAUGE", 1);
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, NULL, NULL, NULL), 0);
	w = rrd_writer_new(NULL, 8);
	assert_non_null(w);
	submit_read(w, path, &ds, T0, T0 + 150, 2);
	assert_int_equal(rrd_writer_flush(w), 0);
	assert_int_equal(rrd_last_r(path), T0 + 150);
	submit_read(w, path, &ds, T0 + 300, T0 + 450, 3);
	submit_read(w, path2, &ds, T0, T0 + 400, 4);
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &st);
	rrd_writer_free(w);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.stale, 0);
	assert_int_equal(st.handovers, 2);
	assert_int_equal(st.updates, 3);
	info = rrd_info_r(path);
	assert_non_null(info);
	assert_int_equal(info_get(info, "last_update")->value.u_cnt, T0 + 300);
	assert_string_equal(info_get(info, "ds[42].last_ds")->value.u_str, "3");
	rrd_info_free(info);
	assert_int_equal(rrd_last_r(path2), T0 + 299);
}

/* Count the lines of f holding needle. */
static int
lines_with(FILE *f, const char *needle)
{
	char line[1024];
	int n = 0;

	rewind(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, needle) != NULL)
			n++;
	return n;
}

/*
 * Values read no later than their files' last update (another writer on
 * the files now) are dropped, counted, and logged: one line for the
 * first, not one per file or value.
 */
static void
test_stale_logged_once(void **state)
{
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	char path[256], field[16];
	FILE *logf;
	int k;

	(void)state;
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, NULL, NULL, NULL), 0);
	logf = tmpfile();
	assert_non_null(logf);
	log_set_stream(logf);
	w = rrd_writer_new(NULL, 64);
	assert_non_null(w);
	for (k = 0; k < 5; k++) {
		snprintf(field, sizeof(field), "f%d", k);
		assert_int_equal(rrd_path(path, sizeof(path), tmpdir, "st",
				     "m.test", "s", field, DS_GAUGE),
		    0);
		munin_file(path, "GAUGE", 1);
		submit_read(w, path, &ds, T0, T0 + 7, 2); /* = munin's */
		submit_read(w, path, &ds, T0, 0, 2);	  /* no read time */
	}
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &st);
	rrd_writer_free(w);
	log_set_stream(NULL);
	assert_int_equal(st.stale, 10);
	assert_int_equal(st.updates, 0);
	assert_int_equal(st.errors, 0);
	assert_int_equal(lines_with(logf, "dropped"), 1);
	assert_int_equal(lines_with(logf, "st/m.test-s-f0-g.rrd"), 1);
	fclose(logf);
	assert_int_equal(rrd_last_r(path), T0 + 7);
}

/* A second value of drover's own in one second (a poll retried within
 * its interval, a self tick that fired early) is dropped and counted,
 * but nobody else wrote the file: no warning. */
static void
test_own_repeat_not_warned(void **state)
{
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	char path[256];
	FILE *logf;

	(void)state;
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, NULL, NULL, NULL), 0);
	assert_int_equal(rrd_path(path, sizeof(path), tmpdir, "own", "o.test",
			     "s", "f", DS_GAUGE),
	    0);
	logf = tmpfile();
	assert_non_null(logf);
	log_set_stream(logf);
	w = rrd_writer_new(NULL, 64);
	assert_non_null(w);
	submit(w, path, &ds, T0, 1);
	submit(w, path, &ds, T0 + 1, 2);
	submit_read(w, path, &ds, T0 + 1, T0 + 1, 3); /* the same second */
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &st);
	rrd_writer_free(w);
	log_set_stream(NULL);
	assert_int_equal(st.stale, 1);
	assert_int_equal(st.updates, 2);
	assert_int_equal(lines_with(logf, "dropped"), 0);
	assert_int_equal(lines_with(logf, "warning"), 0);
	fclose(logf);
	assert_int_equal(rrd_last_r(path), T0 + 1);
}

/*
 * Run as root in a directory another user owns (a Munin dbdir kept by
 * munin), the files and directories the writer makes are that user's.
 */
static void
test_created_files_get_dir_owner(void **state)
{
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	struct stat sb;
	char db[128], path[256], dir[256];
	const uid_t uid = 65534;
	const gid_t gid = 65534;

	(void)state;
	if (geteuid() != 0)
		skip(); /* only root gives files away */
	snprintf(db, sizeof(db), "%s/owned", tmpdir);
	assert_int_equal(mkdir(db, 0755), 0);
	assert_int_equal(chown(db, uid, gid), 0);
	assert_int_equal(rrd_path(path, sizeof(path), db, "grp;sub", "h.test",
			     "load", "load", DS_GAUGE),
	    0);
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, NULL, NULL, NULL), 0);
	w = rrd_writer_new(NULL, 8);
	assert_non_null(w);
	submit(w, path, &ds, T0, 1);
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &st);
	rrd_writer_free(w);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.creates, 1);
	snprintf(dir, sizeof(dir), "%s/grp", db);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_uid, uid);
	assert_int_equal(sb.st_gid, gid);
	snprintf(dir, sizeof(dir), "%s/grp/sub", db);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_uid, uid);
	assert_int_equal(sb.st_gid, gid);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_uid, uid);
	assert_int_equal(sb.st_gid, gid);
}

/*
 * A file the process may not write names its owner and whom drover runs
 * as (here: root-owned, written as nobody in a child process).
 */
static void
test_unwritable_file_names_owner(void **state)
{
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	char path[256];
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0)
		skip(); /* needs a second user to be */
	assert_int_equal(rrd_path(path, sizeof(path), tmpdir, "ro", "m.test",
			     "load", "load", DS_GAUGE),
	    0);
	munin_file(path, "GAUGE", 1);
	assert_int_equal(chmod(tmpdir, 0755), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) == -1 || setuid(65534) == -1)
			_exit(2);
		assert_int_equal(
		    rrd_ds_init(&ds, DS_GAUGE, NULL, NULL, NULL), 0);
		w = rrd_writer_new(NULL, 8);
		if (w == NULL)
			_exit(3);
		submit(w, path, &ds, T0 + 300, 2);
		rrd_writer_flush(w);
		rrd_writer_stats(w, &st);
		rrd_writer_free(w);
		_exit(st.errors == 1 &&
			      strstr(st.last_error, "belongs to root:root") !=
				  NULL &&
			      strstr(st.last_error, "drover runs as nobody") !=
				  NULL
			  ? 0
			  : 4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
test_full_queue_drops(void **state)
{
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	char path[256], field[32], *longpath;
	int k, refused = 0;

	(void)state;
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, NULL, NULL, NULL), 0);
	w = rrd_writer_new(NULL, 2);
	assert_non_null(w);
	for (k = 0; k < 200; k++) {
		snprintf(field, sizeof(field), "f%d", k);
		assert_int_equal(rrd_path(path, sizeof(path), tmpdir, "q", "h",
				     "s", field, DS_GAUGE),
		    0);
		if (rrd_writer_submit_value(w, path, &ds, T0, 0, k, false) ==
		    -1) {
			assert_int_equal(errno, EAGAIN);
			refused++;
		}
	}
	assert_int_equal(rrd_writer_flush(w), 0);
	/* a path the record cannot hold is refused, not cut */
	longpath = malloc(70000);
	assert_non_null(longpath);
	memset(longpath, 'a', 69999);
	longpath[0] = '/';
	longpath[69999] = '\0';
	errno = 0;
	assert_int_equal(
	    rrd_writer_submit_value(w, longpath, &ds, T0, 0, 1, false), -1);
	assert_int_equal(errno, EINVAL);
	free(longpath);
	rrd_writer_stats(w, &st);
	rrd_writer_free(w);
	assert_true(refused > 0);
	assert_int_equal(st.dropped, refused + 1);
	assert_int_equal(st.creates + st.dropped, 201);
	assert_int_equal(st.errors, 0);
	errno = 0;
	w = rrd_writer_new(NULL, 0);
	assert_null(w);
	assert_int_equal(errno, EINVAL);
}

/*
 * A queued value keeps everything it was submitted with through the packed
 * record: a custom data source (step, resolutions), min/max, an unknown
 * value; the queue's bytes are counted while it waits and given back.
 */
static void
test_queue_record_keeps_value(void **state)
{
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	rrd_info_t *info;
	char path[256];

	(void)state;
	assert_int_equal(rrd_path(path, sizeof(path), tmpdir, "g", "h.test",
			     "p", "f", DS_DERIVE),
	    0);
	assert_int_equal(rrd_ds_init_rate(&ds, DS_DERIVE, "0", "125000000",
			     "custom 2d, 10m for 1w", "60"),
	    0);
	w = rrd_writer_new(NULL, 8);
	assert_non_null(w);
	submit(w, path, &ds, T0, 5);
	assert_int_equal(
	    rrd_writer_submit_value(w, path, &ds, T0 + 60, 0, 0, true), 0);
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &st);
	rrd_writer_free(w);
	assert_int_equal(st.creates, 1);
	assert_int_equal(st.updates, 2);
	assert_int_equal(st.errors, 0);
	assert_int_equal(st.queue_bytes, 0);
	/* one packed record: the path, the limits, two resolutions and the
	 * fixed part; far below a struct rrd_ds (184 bytes) plus the path */
	assert_true(st.queue_bytes_max > strlen(path));
	assert_true(st.queue_bytes_max <= 2 * (strlen(path) + 120));
	info = rrd_info_r(path);
	assert_non_null(info);
	assert_int_equal(info_get(info, "step")->value.u_cnt, 60);
	assert_int_equal(info_get(info, "last_update")->value.u_cnt, T0 + 60);
	assert_string_equal(
	    info_get(info, "ds[42].type")->value.u_str, "DERIVE");
	assert_true(info_get(info, "ds[42].min")->value.u_val == 0);
	assert_true(info_get(info, "ds[42].max")->value.u_val == 125000000);
	/* the two resolutions the data source was given, each as AVERAGE,
	 * MIN and MAX */
	assert_int_equal(ds.nrra, 2);
	assert_int_equal(
	    info_get(info, "rra[0].rows")->value.u_cnt, ds.rra[0].rows);
	assert_int_equal(
	    info_get(info, "rra[3].pdp_per_row")->value.u_cnt, ds.rra[1].steps);
	assert_int_equal(
	    info_get(info, "rra[3].rows")->value.u_cnt, ds.rra[1].rows);
	assert_true(ds.rra[1].steps == 10 && ds.rra[0].rows > 2880);
	rrd_info_free(info);
}

/*
 * Values spread over several queue blocks, one of them a record too big
 * for a block (a 65000-byte path, which then fails in the writer), all
 * come out in order and complete; the queue's bytes are given back.
 */
static void
test_queue_blocks_in_order(void **state)
{
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	char path[256], field[32], *big;
	int k, round;

	(void)state;
	assert_int_equal(
	    rrd_ds_init_rate(&ds, DS_GAUGE, NULL, NULL, "custom 10", "300"), 0);
	big = malloc(65001);
	assert_non_null(big);
	memset(big, 'b', 65000);
	big[0] = '/';
	big[65000] = '\0';
	w = rrd_writer_new(NULL, 4000);
	assert_non_null(w);
	/* two rounds: the second reuses the blocks the first gave back */
	for (round = 0; round < 2; round++) {
		for (k = 0; k < 1200; k++) {
			if (k == 600)
				assert_int_equal(rrd_writer_submit_value(w, big,
						     &ds, T0, 0, 1, false),
				    0);
			snprintf(field, sizeof(field), "f%d", k);
			assert_int_equal(rrd_path(path, sizeof(path), tmpdir,
					     "blk", "h", "s", field, DS_GAUGE),
			    0);
			assert_int_equal(rrd_writer_submit_value(w, path, &ds,
					     T0 + 300 * round, 0, k, false),
			    0);
		}
		assert_int_equal(rrd_writer_flush(w), 0);
	}
	rrd_writer_stats(w, &st);
	rrd_writer_free(w);
	free(big);
	assert_int_equal(st.creates, 1200);
	assert_int_equal(st.updates, 2400);
	assert_int_equal(st.stale, 0);
	assert_int_equal(st.errors, 2); /* the big path, once a round */
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.queue_len, 0);
	assert_int_equal(st.queue_bytes, 0);
	assert_true(st.queue_bytes_max > 65000);
	for (k = 0; k < 1200; k++) {
		snprintf(field, sizeof(field), "f%d", k);
		assert_int_equal(rrd_path(path, sizeof(path), tmpdir, "blk",
				     "h", "s", field, DS_GAUGE),
		    0);
		assert_int_equal(rrd_last_r(path), T0 + 300);
	}
}

/*
 * The shutdown flush through a real rrdcached (-w 3600: it writes a file
 * only when asked, or at its own shutdown with -F) with a bound of 1 ms
 * over FLUSH_FILES files, three values each: the flush stops early and
 * says how many files it left (stats and one log line), exactly those
 * files still lack their values on disk, and once the daemon has stopped
 * every file holds all three.  1 ms cannot cover FLUSH_FILES socket round
 * trips that each write a file.
 */
#define FLUSH_FILES 1500

static void
flush_path(char *path, size_t len, const char *db, int k)
{
	char field[16];

	snprintf(field, sizeof(field), "f%d", k);
	assert_int_equal(
	    rrd_path(path, len, db, "fl", "h.test", "s", field, DS_GAUGE), 0);
}

static void
test_daemon_flush_bounded(void **state)
{
	struct rrd_writer_opts o = {0};
	struct rrd_writer *w;
	struct rrd_writer_stats st;
	struct rrd_ds ds;
	char db[128], sock[160], addr[170], pidf[160], path[256];
	time_t start, end;
	unsigned long step = 0, nds = 0, r;
	char **names;
	rrd_value_t *data;
	FILE *logf;
	pid_t pid;
	int i, k, status, on_disk = 0, rows;

	(void)state;
	if (system("command -v rrdcached >/dev/null 2>&1") != 0)
		fail_msg("rrdcached not found: install the Debian package "
			 "rrdcached (the README's test command does)");
	snprintf(db, sizeof(db), "%s/flushdb", tmpdir);
	assert_int_equal(mkdir(db, 0755), 0);
	snprintf(sock, sizeof(sock), "%s/rc.sock", tmpdir);
	snprintf(addr, sizeof(addr), "unix:%s", sock);
	snprintf(pidf, sizeof(pidf), "%s/rc.pid", tmpdir);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		execlp("rrdcached", "rrdcached", "-g", "-F", "-l", addr, "-b",
		    db, "-w", "3600", "-f", "7200", "-p", pidf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200 && access(sock, F_OK) != 0; i++)
		usleep(50000);
	assert_int_equal(access(sock, F_OK), 0);

	/* small files: three RRAs of 11 rows */
	assert_int_equal(
	    rrd_ds_init_rate(&ds, DS_GAUGE, NULL, NULL, "custom 10", "300"), 0);
	o.rrdcached = addr;
	o.queue_max = 3 * FLUSH_FILES;
	o.flush_max_ms = 1;
	w = rrd_writer_new_opts(&o);
	assert_non_null(w);
	for (i = 0; i < 3; i++)
		for (k = 0; k < FLUSH_FILES; k++) {
			flush_path(path, sizeof(path), db, k);
			submit(w, path, &ds, T0 + 300 * i, k + i);
		}
	logf = tmpfile();
	assert_non_null(logf);
	log_set_stream(logf);
	assert_int_equal(rrd_writer_flush(w), 0);
	log_set_stream(NULL);
	rrd_writer_stats(w, &st);
	assert_int_equal(st.creates, FLUSH_FILES);
	assert_int_equal(st.updates, 3 * FLUSH_FILES);
	assert_int_equal(st.errors, 0);
	assert_true(st.flush_left > 0);
	assert_true(st.flush_left < FLUSH_FILES); /* the first is flushed */
	assert_int_equal(lines_with(logf, "rrdcached flush stopped"), 1);
	snprintf(path, sizeof(path), "of %d files flushed, %zu left",
	    FLUSH_FILES, st.flush_left);
	assert_int_equal(lines_with(logf, path), 1);
	fclose(logf);
	/* the files flushed have their values, the others only the daemon */
	for (k = 0; k < FLUSH_FILES; k++) {
		flush_path(path, sizeof(path), db, k);
		if (rrd_last_r(path) == T0 + 600)
			on_disk++;
		else
			assert_int_equal(rrd_last_r(path), T0 - 300);
	}
	assert_int_equal(on_disk, FLUSH_FILES - (int)st.flush_left);
	rrd_writer_free(w);

	/* rrdcached writes what it held on its way out (-F; without a
	 * journal it would anyway) */
	assert_int_equal(kill(pid, SIGTERM), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	for (k = 0; k < FLUSH_FILES; k++) {
		flush_path(path, sizeof(path), db, k);
		assert_int_equal(rrd_last_r(path), T0 + 600);
		start = T0 - 300;
		end = T0 + 600;
		step = 0;
		names = NULL;
		data = NULL;
		assert_int_equal(rrd_fetch_r(path, "AVERAGE", &start, &end,
				     &step, &nds, &names, &data),
		    0);
		/* row r covers (start + r * step, start + (r + 1) * step] */
		rows = 0;
		for (r = 0; start + (time_t)((r + 1) * step) <= end; r++)
			for (i = 0; i < 3; i++)
				if (start + (time_t)((r + 1) * step) ==
				    T0 + 300 * i) {
					assert_true(data[r] == k + i);
					rows++;
				}
		assert_int_equal(rows, 3);
		free(names[0]);
		free(names);
		free(data);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_update_readback),
	    cmocka_unit_test(test_equal_timestamp_no_error),
	    cmocka_unit_test(test_unwritable_dir_reported),
	    cmocka_unit_test(test_known_file_tuned_on_change),
	    cmocka_unit_test(test_munin_created_file_updated),
	    cmocka_unit_test(test_handover_after_munin),
	    cmocka_unit_test(test_stale_logged_once),
	    cmocka_unit_test(test_own_repeat_not_warned),
	    cmocka_unit_test(test_created_files_get_dir_owner),
	    cmocka_unit_test(test_unwritable_file_names_owner),
	    cmocka_unit_test(test_full_queue_drops),
	    cmocka_unit_test(test_queue_record_keeps_value),
	    cmocka_unit_test(test_queue_blocks_in_order),
	    cmocka_unit_test(test_daemon_flush_bounded),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
