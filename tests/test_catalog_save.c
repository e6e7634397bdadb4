/* Tests for catalog_save: a save in slices on a real libuv loop and
 * thread pool makes a file catalog_load reads whole, with each host once
 * though a reload drops and adds hosts between slices; a failed save
 * (no directory, a full disk) reports its errno, leaves no temporary
 * file and the old file untouched; the blocking save at the stop
 * likewise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "collector/catalog_save.h"
#include "lib/fileio.h"
#include "lib/log.h"

#define HOSTS 300 /* x 20 fields: about 1 MB of text, some 15 slices */

static char dir[] = "/tmp/drover-test-catalog-save.XXXXXX";
static char path[4096], tmp[4200];

static struct catalog *
cluster(void)
{
	struct catalog *cat = catalog_new();
	char name[64], svc[32], fld[32];
	int i, j, k;

	for (i = 0; i < HOSTS; i++) {
		struct batch b = {0};
		struct cat_host *h;

		snprintf(name, sizeof(name), "guest%03d.example.net", i);
		h = catalog_host(cat, name, "cluster;guests", "hv1");
		for (j = 0; j < 5; j++) {
			struct service *s;

			snprintf(svc, sizeof(svc), "plugin_%d", j);
			s = batch_service(&b, svc, true);
			s->has_config = true;
			attrs_set(&s->graph, "graph_title", svc);
			for (k = 0; k < 4; k++) {
				struct field *f;

				snprintf(fld, sizeof(fld), "field_%d", k);
				f = service_field(s, fld, true);
				attrs_set(&f->attrs, "label", fld);
				attrs_set(&f->attrs, "type", "DERIVE");
				f->has_value = true;
				f->value = i * 100 + j * 10 + k;
			}
		}
		catalog_update(cat, h, 1700000000, &b);
		batch_cleanup(&b);
		catalog_poll_result(h, true, NULL, 1700000000, 5, 0, 20);
	}
	return cat;
}

/* The file at path, loaded into a new catalog (failing the test when it
 * does not load); *text (may be NULL) gets the text (free()). */
static struct catalog *
load_file(char **text)
{
	struct catalog *back = catalog_new();
	char *buf = NULL, err[256] = "";
	size_t len = 0;

	assert_int_equal(file_read(AT_FDCWD, path, 1u << 30, 1, &buf, &len), 0);
	if (catalog_load(back, buf, len, NULL, err, sizeof(err)) == -1)
		fail_msg("%s: %s", path, err);
	if (text != NULL)
		*text = buf;
	else
		free(buf);
	return back;
}

/* How often host name starts an entry of text (its line). */
static int
host_entries(const char *text, const char *name)
{
	char needle[128];
	const char *p;
	int n = 0;

	snprintf(needle, sizeof(needle), "{\"name\":\"%s\",\"group\"", name);
	for (p = text; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

struct run {
	struct catalog *cat;
	int err;	/* the save's; -1: not ended */
	unsigned turns; /* loop turns while it ran */
	bool reloaded;	/* the reload came while it ran */
	uv_check_t check;
};

static void
on_done(void *arg, int err)
{
	struct run *r = arg;

	r->err = err;
	uv_close((uv_handle_t *)&r->check, NULL);
}

/* The third turn: a reload drops guest001 (saved by then) and the last
 * guest (not yet) and adds "late". */
static void
on_turn(uv_check_t *c)
{
	struct run *r = c->data;
	const char *keep[HOSTS];
	char names[HOSTS][64];
	size_t i, n = 0;

	if (++r->turns != 3 || r->err != -1)
		return;
	for (i = 0; i < catalog_count(r->cat); i++) {
		const char *name = catalog_at(r->cat, i)->name;

		if (strcmp(name, "guest001.example.net") == 0 ||
		    i + 1 == catalog_count(r->cat))
			continue;
		snprintf(names[n], sizeof(names[n]), "%s", name);
		keep[n] = names[n];
		n++;
	}
	catalog_retain(r->cat, keep, n);
	catalog_host(r->cat, "late", "g", NULL);
	r->reloaded = true;
}

static int
run_save(struct catalog *cat, struct run *r)
{
	uv_loop_t loop;

	memset(r, 0, sizeof(*r));
	r->cat = cat;
	r->err = -1;
	assert_int_equal(uv_loop_init(&loop), 0);
	uv_check_init(&loop, &r->check);
	r->check.data = r;
	uv_check_start(&r->check, on_turn);
	if (catalog_save_start(&loop, cat, path, 1700000100, on_done, r) ==
	    -1) {
		int e = errno;

		uv_close((uv_handle_t *)&r->check, NULL);
		uv_run(&loop, UV_RUN_DEFAULT);
		uv_loop_close(&loop);
		return e;
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	return r->err;
}

static void
test_save_in_slices(void **state)
{
	struct catalog *cat = cluster(), *back;
	struct run r;
	char *text;

	(void)state;
	assert_int_equal(run_save(cat, &r), 0);
	assert_true(r.reloaded);
	assert_true(r.turns > 3);
	assert_int_equal(access(tmp, F_OK), -1);
	back = load_file(&text);
	/* guest001 was saved before the reload, the last guest was not,
	 * "late" came after */
	assert_int_equal(catalog_count(back), HOSTS + 1 - 1);
	assert_non_null(catalog_find(back, "guest001.example.net"));
	assert_null(catalog_find(back, "guest299.example.net"));
	assert_string_equal(catalog_at(back, HOSTS - 1)->name, "late");
	assert_int_equal(host_entries(text, "guest000.example.net"), 1);
	assert_int_equal(host_entries(text, "guest001.example.net"), 1);
	assert_int_equal(host_entries(text, "guest002.example.net"), 1);
	assert_int_equal(host_entries(text, "guest150.example.net"), 1);
	assert_int_equal(
	    catalog_find(back, "guest150.example.net")->nservices, 5);
	assert_true(catalog_find(back, "guest150.example.net")
			->services[4]
			.svc.fields[3]
			.value == 15043);
	free(text);
	catalog_free(back);
	catalog_free(cat);
}

/* Whatever fails, the old file stays as it was and no .tmp remains. */
static void
test_save_fails_cleanly(void **state)
{
	struct catalog *cat = cluster(), *back;
	char nodir[4096];
	struct run r;

	(void)state;
	/* an old file, saved whole */
	assert_int_equal(catalog_save_sync(cat, path, 1700000000), 0);
	catalog_host(cat, "new", "g", NULL);

	/* a full disk: the temporary file is /dev/full */
	assert_int_equal(symlink("/dev/full", tmp), 0);
	assert_int_equal(run_save(cat, &r), ENOSPC);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(symlink("/dev/full", tmp), 0);
	assert_int_equal(catalog_save_sync(cat, path, 1700000200), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(access(tmp, F_OK), -1);
	back = load_file(NULL);
	assert_int_equal(catalog_count(back), HOSTS);
	assert_null(catalog_find(back, "new"));
	catalog_free(back);

	/* no directory */
	snprintf(nodir, sizeof(nodir), "%s", path);
	snprintf(path, sizeof(path), "%s/gone/catalog.json", dir);
	assert_int_equal(run_save(cat, &r), ENOENT);
	assert_int_equal(catalog_save_sync(cat, path, 1700000200), -1);
	assert_int_equal(errno, ENOENT);
	snprintf(path, sizeof(path), "%s", nodir);

	/* and it saves again */
	assert_int_equal(catalog_save_sync(cat, path, 1700000300), 0);
	back = load_file(NULL);
	assert_int_equal(catalog_count(back), HOSTS + 1);
	catalog_free(back);
	catalog_free(cat);
}

static int
setup(void **state)
{
	(void)state;
	log_init(false, LOG_LVL_WARN);
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/catalog.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(tmp);
	unlink(path);
	return rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_save_in_slices),
	    cmocka_unit_test(test_save_fails_cleanly),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
