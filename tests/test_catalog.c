/* Tests for catalog: hosts stay listed when down, config and values merge,
 * the state file keeps it all over a restart and refuses a corrupt one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "lib/buf.h"
#include "lib/log.h"

static void
add_value(
    struct batch *b, const char *svc, const char *field, double v, bool config)
{
	struct service *s = batch_service(b, svc, true);
	struct field *f = service_field(s, field, true);

	s->has_config = config;
	if (config) {
		attrs_set(&s->graph, "graph_title", svc);
		attrs_set(&f->attrs, "label", field);
	}
	f->has_value = true;
	f->value = v;
}

static void
test_hosts_created_and_updated(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h;

	(void)state;
	h = catalog_host(cat, "vm1", "grp", "kvm1");
	assert_string_equal(h->physical, "kvm1");
	assert_int_equal(h->state, HOST_PENDING);
	h = catalog_host(cat, "vm2", "grp", NULL);
	assert_string_equal(h->physical, "vm2");
	h = catalog_host(cat, "vm1", "other", "kvm2");
	assert_int_equal(catalog_count(cat), 2);
	assert_string_equal(h->group, "other");
	assert_string_equal(h->physical, "kvm2");
	assert_ptr_equal(catalog_find(cat, "vm2"), catalog_at(cat, 1));
	catalog_free(cat);
}

static void
test_down_host_keeps_data(void **state)
{
	struct catalog *cat = catalog_new();
	struct batch b = {0};
	struct cat_host *h;

	(void)state;
	h = catalog_host(cat, "db1", "grp", NULL);
	add_value(&b, "load", "load", 0.25, true);
	catalog_update(cat, h, 1000, &b);
	catalog_poll_result(h, true, NULL, 1000, 120, 0, 1);
	batch_cleanup(&b);
	catalog_poll_result(
	    h, false, "connect to db1 port 4949: refused", 1300, 10, 0, 0);
	catalog_poll_result(
	    h, false, "connect to db1 port 4949: refused", 1600, 10, 0, 0);
	h = catalog_find(cat, "db1");
	assert_non_null(h);
	assert_int_equal(h->state, HOST_DOWN);
	assert_int_equal(h->failures, 2);
	assert_int_equal(h->last_ok, 1000);
	assert_int_equal(h->last_poll, 1600);
	assert_string_equal(h->last_error, "connect to db1 port 4949: refused");
	/* the last values stay visible while it is down */
	assert_non_null(cat_host_service(h, "load"));
	catalog_poll_result(h, true, NULL, 1900, 10, 0, 1);
	assert_int_equal(h->state, HOST_UP);
	assert_int_equal(h->failures, 0);
	assert_null(h->last_error);
	catalog_free(cat);
}

/* An error is kept sized to fit, cut at CAT_ERROR_MAX; "" is clean. */
static void
test_error_text_sized(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h;
	char long_err[CAT_ERROR_MAX + 100];

	(void)state;
	memset(long_err, 'x', sizeof(long_err) - 1);
	long_err[sizeof(long_err) - 1] = '\0';
	h = catalog_host(cat, "db1", "grp", NULL);
	catalog_poll_result(h, false, long_err, 1000, 10, 0, 0);
	assert_int_equal(strlen(h->last_error), CAT_ERROR_MAX);
	assert_memory_equal(h->last_error, long_err, CAT_ERROR_MAX);
	catalog_poll_result(h, false, "", 1300, 10, 0, 0);
	assert_null(h->last_error);
	assert_string_equal(cat_error_str(h->last_error), "");
	catalog_bmc_result(h, false, "BMC db1: timed out", 1300, 5, 0);
	assert_string_equal(h->bmc.last_error, "BMC db1: timed out");
	catalog_free(cat);
}

static void
test_values_merge_into_config(void **state)
{
	struct catalog *cat = catalog_new();
	struct batch b = {0};
	const struct cat_service *cs;
	struct cat_host *h;

	(void)state;
	h = catalog_host(cat, "h", "g", NULL);
	add_value(&b, "if_eth0", "up", 1, true);
	add_value(&b, "if_eth0", "down", 2, true);
	catalog_update(cat, h, 300, &b);
	batch_cleanup(&b);
	/* a values-only batch (config cached) updates values only */
	add_value(&b, "if_eth0", "up", 10, false);
	catalog_update(cat, h, 600, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "if_eth0");
	assert_int_equal(cs->last_update, 600);
	assert_string_equal(
	    attrs_get(&cs->svc.graph, "graph_title"), "if_eth0");
	assert_true(cs->svc.fields[0].value == 10);
	assert_true(cs->svc.fields[1].value == 2);
	/* a fresh config that no longer lists "down" drops it */
	add_value(&b, "if_eth0", "up", 11, true);
	catalog_update(cat, h, 900, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "if_eth0");
	assert_int_equal(cs->svc.nfields, 1);
	catalog_free(cat);
}

/* The generation moves on every config change and never on values. */
static void
test_generation(void **state)
{
	struct catalog *cat = catalog_new();
	struct batch b = {0};
	struct cat_host *h;
	uint64_t g;
	const char *keep[] = {"h"};

	(void)state;
	g = catalog_generation(cat);
	h = catalog_host(cat, "h", "g", NULL);
	assert_true(catalog_generation(cat) != g);
	g = catalog_generation(cat);
	h = catalog_host(cat, "h", "g", "kvm1"); /* no file moves */
	assert_true(catalog_generation(cat) == g);
	add_value(&b, "load", "load", 1, true);
	catalog_update(cat, h, 300, &b); /* a new service */
	batch_cleanup(&b);
	assert_true(catalog_generation(cat) != g);
	g = catalog_generation(cat);
	add_value(&b, "load", "load", 2, true); /* the same config again */
	catalog_update(cat, h, 600, &b);
	batch_cleanup(&b);
	add_value(&b, "load", "load", 3, false); /* values only */
	catalog_update(cat, h, 900, &b);
	batch_cleanup(&b);
	catalog_poll_result(h, true, NULL, 900, 5, 0, 1);
	assert_true(catalog_generation(cat) == g);
	add_value(&b, "load", "load", 4, true);
	attrs_set(
	    &batch_service(&b, "load", false)->graph, "graph_vlabel", "load");
	catalog_update(cat, h, 1200, &b); /* a changed config */
	batch_cleanup(&b);
	assert_true(catalog_generation(cat) != g);
	g = catalog_generation(cat);
	add_value(&b, "load", "extra", 1, false); /* a field, no config */
	catalog_update(cat, h, 1500, &b);
	batch_cleanup(&b);
	assert_true(catalog_generation(cat) != g);
	g = catalog_generation(cat);
	h = catalog_host(cat, "h", "other", NULL); /* its files move */
	assert_true(catalog_generation(cat) != g);
	g = catalog_generation(cat);
	catalog_host(cat, "h2", "g", NULL);
	g = catalog_generation(cat);
	catalog_retain(cat, keep, 1);
	assert_true(catalog_generation(cat) != g);
	catalog_free(cat);
}

static void
test_retain_drops_unconfigured(void **state)
{
	struct catalog *cat = catalog_new();
	const char *keep[] = {"b"};

	(void)state;
	catalog_host(cat, "a", "g", NULL);
	catalog_host(cat, "b", "g", NULL);
	catalog_host(cat, "c", "g", NULL);
	catalog_retain(cat, keep, 1);
	assert_int_equal(catalog_count(cat), 1);
	assert_string_equal(catalog_at(cat, 0)->name, "b");
	catalog_free(cat);
}

/* A reader's cursor across loop turns: after the last host it read, a
 * dropped host is skipped, an added one comes last, none comes twice. */
static void
test_seek_survives_changes(void **state)
{
	struct catalog *cat = catalog_new();
	const char *keep[] = {"a", "c", "d"};
	uint64_t b_seq, d_seq;

	(void)state;
	assert_int_equal(catalog_seek(cat, 0), 0);
	catalog_host(cat, "a", "g", NULL);
	catalog_host(cat, "b", "g", NULL);
	catalog_host(cat, "c", "g", NULL);
	catalog_host(cat, "d", "g", NULL);
	assert_int_equal(catalog_seek(cat, 0), 0);
	b_seq = catalog_find(cat, "b")->seq;
	d_seq = catalog_find(cat, "d")->seq;
	assert_int_equal(catalog_seek(cat, b_seq), 2);
	assert_int_equal(catalog_seek(cat, d_seq), 4);
	/* b, the last read, goes: the reader goes on with c */
	catalog_retain(cat, keep, 3);
	assert_string_equal(
	    catalog_at(cat, catalog_seek(cat, b_seq))->name, "c");
	/* a host added after the reader passed d comes after it */
	catalog_host(cat, "b", "g", NULL);
	assert_string_equal(
	    catalog_at(cat, catalog_seek(cat, d_seq))->name, "b");
	assert_int_equal(catalog_seek(cat, catalog_find(cat, "b")->seq), 4);
	/* a host found again keeps its place */
	catalog_host(cat, "a", "other", NULL);
	assert_int_equal(catalog_seek(cat, 0), 0);
	assert_string_equal(catalog_at(cat, 0)->name, "a");
	catalog_free(cat);
}

/* A BMC read: sensors arrive with their state attribute, the catalog
 * shows the latest state, and the BMC's own up/down state is kept apart
 * from the munin-node's. */
static void
test_bmc_state_and_field_state(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "hv1", "g", NULL);
	struct batch b = {0};
	struct service *s;

	(void)state;
	assert_null(catalog_field_state(h, "ipmi_volts", "_12V"));
	add_value(&b, "ipmi_volts", "_12V", 11.3, true);
	s = batch_service(&b, "ipmi_volts", false);
	attrs_set(&s->fields[0].attrs, "state", "WARNING");
	catalog_update(cat, h, 100, &b);
	assert_string_equal(
	    catalog_field_state(h, "ipmi_volts", "_12V"), "WARNING");
	attrs_set(&s->fields[0].attrs, "state", "OK");
	s->fields[0].value = 12;
	catalog_update(cat, h, 102, &b);
	assert_string_equal(catalog_field_state(h, "ipmi_volts", "_12V"), "OK");
	assert_null(catalog_field_state(h, "ipmi_volts", "nosuch"));
	batch_cleanup(&b);

	catalog_poll_result(h, true, NULL, 100, 5, 0, 10);
	catalog_bmc_result(h, false, "BMC x: timed out", 104, 1500, 0);
	assert_true(h->bmc.configured);
	assert_int_equal(h->bmc.state, HOST_DOWN);
	assert_int_equal(h->bmc.failures, 1);
	assert_string_equal(h->bmc.last_error, "BMC x: timed out");
	/* the munin-node side is untouched */
	assert_int_equal(h->state, HOST_UP);
	catalog_bmc_result(h, true, NULL, 106, 4, 3);
	assert_int_equal(h->bmc.state, HOST_UP);
	assert_int_equal(h->bmc.failures, 0);
	assert_int_equal(h->bmc.last_ok, 106);
	assert_null(h->bmc.last_error);
	catalog_free(cat);
}

/* A U value is UNKNOWN only for a field with rules: one that cannot
 * alert (ipmi_sel.new before its second SEL read) is no problem. */
static void
test_unknown_without_rules_is_no_problem(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "hv1", "g", NULL);
	const struct cat_service *cs;
	struct batch b = {0};
	struct service *s = batch_service(&b, "ipmi_sel", true);
	struct field *f;
	unsigned problems = 0; /* cat_service_state adds to it */
	size_t n;

	(void)state;
	s->has_config = true;
	f = service_field(s, "new", true);
	f->has_value = true;
	f->unknown = true;
	f = service_field(s, "entries", true);
	attrs_set(&f->attrs, "warning", ":100");
	f->has_value = true;
	f->unknown = true;
	catalog_update(cat, h, 300, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "ipmi_sel");
	assert_non_null(cs);
	assert_int_equal(cat_field_state(cs, 0), FS_OK);
	assert_int_equal(cat_field_state(cs, 1), FS_UNKNOWN);
	assert_int_equal(cat_service_state(cs, &problems), FS_UNKNOWN);
	assert_int_equal(problems, 1);
	free(catalog_problems(cat, &n));
	assert_int_equal(n, 1);
	catalog_free(cat);
}

/* A config batch for host h: service "df", field "root" (warning w),
 * value v; config only when config. */
static void
df_batch(struct batch *b, const char *w, double v, bool config)
{
	struct service *s = batch_service(b, "df", true);
	struct field *f = service_field(s, "root", true);

	s->has_config = config;
	if (config) {
		attrs_set(&s->graph, "graph_title", "Disk usage");
		attrs_set(&s->graph, "graph_data_size", "huge");
		attrs_set(&f->attrs, "label", "/");
		attrs_set(&f->attrs, "type", "DERIVE");
		attrs_set(&f->attrs, "min", "0");
		attrs_set(&f->attrs, "warning", w);
	}
	f->has_value = true;
	f->value = v;
}

/* The field's attributes are parsed when its config arrives, kept while
 * the same config comes back, and parsed again when it changes. */
static void
test_typed_view_follows_config(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "h", "g", NULL);
	const struct cat_service *cs;
	const struct attr *held;
	struct rrd_ds ds;
	struct batch b = {0};

	(void)state;
	df_batch(&b, "92", 95, true);
	catalog_update(cat, h, 300, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "df");
	assert_non_null(cs->fields);
	assert_string_equal(cs->fields[0].spec.rules->warning, "92");
	assert_true(cs->fields[0].spec.rules->warn.max == 92);
	assert_string_equal(cs->fields[0].spec.label, "/");
	cat_field_ds(cs, 0, &ds);
	assert_int_equal(ds.type, DS_DERIVE);
	assert_string_equal(ds.min, "0");
	assert_string_equal(ds.max, "U");
	assert_int_equal(ds.size, RRD_SIZE_HUGE);
	assert_int_equal(cat_field_state(cs, 0), FS_WARNING);

	/* the same config again: values move, nothing is copied or parsed */
	held = cs->svc.fields[0].attrs.v;
	df_batch(&b, "92", 50, true);
	catalog_update(cat, h, 600, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "df");
	assert_ptr_equal(cs->svc.fields[0].attrs.v, held);
	assert_ptr_equal(cs->fields[0].spec.rules->warning, held[3].value);
	assert_true(cs->svc.fields[0].value == 50);
	assert_int_equal(cs->last_update, 600);
	assert_int_equal(cat_field_state(cs, 0), FS_OK);

	/* a changed threshold is parsed again */
	df_batch(&b, "40", 50, true);
	catalog_update(cat, h, 900, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "df");
	assert_string_equal(cs->fields[0].spec.rules->warning, "40");
	assert_true(cs->fields[0].spec.rules->warn.max == 40);
	assert_int_equal(cat_field_state(cs, 0), FS_WARNING);

	/* a values-only batch that brings a new field gives it a record */
	df_batch(&b, "40", 1, false);
	add_value(&b, "df", "tmp", 3, false);
	catalog_update(cat, h, 1200, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "df");
	assert_int_equal(cs->svc.nfields, 2);
	assert_int_equal(cs->fields[1].spec.type, DS_GAUGE);
	assert_null(cs->fields[1].spec.rules->warning);
	assert_string_equal(cs->fields[0].spec.rules->warning, "40");
	assert_int_equal(cat_field_state(cs, 1), FS_OK);
	assert_int_equal(cat_service_field_index(cs, 0, "tmp"), 1);
	assert_int_equal(cat_service_field_index(cs, 1, "tmp"), 1);
	assert_int_equal(cat_service_field_index(cs, 7, "nosuch"), -1);
	catalog_free(cat);
}

/* The alert engine's verdict is a typed member, never an attribute; a
 * values-only batch keeps it, a config batch forgets it (the engine gives
 * it again as it judges that batch). */
static void
test_alert_state_member(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "h", "g", NULL);
	struct cat_service *cs;
	struct batch b = {0};
	unsigned problems = 0;

	(void)state;
	df_batch(&b, "92", 10, true);
	catalog_update(cat, h, 300, &b);
	batch_cleanup(&b);
	cs = &h->services[0];
	assert_false(cs->fields[0].has_alert);
	assert_int_equal(cat_field_state(cs, 0), FS_OK);
	cat_field_set_alert(cs, 0, FS_CRITICAL);
	cat_field_set_alert(cs, 5, FS_CRITICAL); /* no such field: ignored */
	assert_true(cs->fields[0].has_alert);
	assert_int_equal(cat_field_state(cs, 0), FS_CRITICAL);
	assert_int_equal(cat_service_state(cs, &problems), FS_CRITICAL);
	assert_int_equal(problems, 1);
	assert_null(attrs_get(&cs->svc.fields[0].attrs, "alert_state"));

	df_batch(&b, "92", 11, false);
	catalog_update(cat, h, 600, &b);
	batch_cleanup(&b);
	assert_int_equal(cat_field_state(cs, 0), FS_CRITICAL);

	df_batch(&b, "92", 12, true);
	catalog_update(cat, h, 900, &b);
	batch_cleanup(&b);
	assert_false(cs->fields[0].has_alert);
	assert_int_equal(cat_field_state(cs, 0), FS_OK);
	/* a source's own verdict comes next, then the ranges */
	df_batch(&b, "92", 12, true);
	attrs_set(&b.services[0].fields[0].attrs, "state", "UNKNOWN");
	catalog_update(cat, h, 1200, &b);
	batch_cleanup(&b);
	assert_int_equal(cat_field_state(cs, 0), FS_UNKNOWN);
	cat_field_set_alert(cs, 0, FS_OK);
	assert_int_equal(cat_field_state(cs, 0), FS_OK);
	catalog_free(cat);
}

/* ---- the state file ------------------------------------------------- */

/*
 * A catalog with a bit of everything the state file keeps: a host that is
 * up with a judged config (df: a WARNING verdict, a field without a
 * value, a U), a values-only service, a host that is down with a BMC,
 * and a label that is not UTF-8.
 */
static struct catalog *
sample_catalog(void)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h;
	struct batch b = {0};
	struct service *s;
	struct field *f;

	h = catalog_host(cat, "web1", "dc1;web", "kvm1");
	df_batch(&b, "92", 95, true);
	s = batch_service(&b, "df", false);
	f = service_field(s, "graph_only", true);
	attrs_set(&f->attrs, "label", "not fetched");
	f = service_field(s, "tmp", true);
	attrs_set(&f->attrs, "label", "/tmp \xe9t\xe9"); /* Latin-1 */
	f->has_value = true;
	f->unknown = true;
	add_value(&b, "load", "load", 0.25, false);
	s = batch_service(&b, "load", false);
	s->fields[0].when = 1699999990;
	catalog_update(cat, h, 1700000000, &b);
	batch_cleanup(&b);
	cat_field_set_alert(&h->services[0], 0, FS_WARNING);
	catalog_poll_result(h, true, NULL, 1700000000, 120, 7, 4);

	h = catalog_host(cat, "db1", "dc1", NULL);
	add_value(&b, "cpu", "user", 12.5, true);
	catalog_update(cat, h, 1699999700, &b);
	batch_cleanup(&b);
	catalog_poll_result(h, true, NULL, 1699999700, 80, 0, 1);
	catalog_poll_result(h, false, "connect to db1 port 4949: refused",
	    1700000000, 10, 3, 0);
	catalog_bmc_result(
	    h, false, "BMC db1-ipmi: timed out", 1699999990, 1500, 0);
	return cat;
}

/* The text in slices of one host each is the text in one piece; a
 * reload between slices drops hosts not yet written and adds hosts at
 * the end, and the slices still make one loadable file with each host
 * once. */
static void
test_state_file_in_slices(void **state)
{
	struct catalog *cat = sample_catalog(), *back = catalog_new();
	const char *keep[] = {"db1", "c1", "c3"};
	struct catalog_dumper d;
	struct buf b = {0};
	char *whole, err[256] = "";
	size_t len, slices = 0;

	(void)state;
	catalog_host(cat, "c1", "g", NULL);
	catalog_host(cat, "c2", "g", NULL);
	catalog_host(cat, "c3", "g", NULL);
	whole = catalog_dump(cat, 1700000005, &len);
	assert_non_null(whole);
	catalog_dumper_init(&d, 1700000005);
	while (catalog_dump_next(&d, cat, &b, 1))
		slices++;
	assert_int_equal(slices, 4); /* web1, db1, c1, c2; c3 with the tail */
	assert_false(b.oom);
	assert_int_equal(b.len, len);
	assert_memory_equal(b.p, whole, len);
	free(whole);
	assert_false(catalog_dump_next(&d, cat, &b, 1)); /* whole stays */
	assert_int_equal(b.len, len);

	/* web1 and db1 written; then web1 and c2 go, "late" comes: the
	 * cursor goes on with c1 (a position would skip it) */
	b.len = 0;
	catalog_dumper_init(&d, 1700000006);
	assert_true(catalog_dump_next(&d, cat, &b, 1));
	assert_true(catalog_dump_next(&d, cat, &b, 1));
	assert_null(strstr(b.p, "\"c1\""));
	catalog_retain(cat, keep, 3);
	catalog_host(cat, "late", "g", NULL);
	/* db1 again: found by name, it keeps its place and is not
	 * written twice */
	catalog_host(cat, "db1", "dc1", NULL);
	while (catalog_dump_next(&d, cat, &b, 1))
		;
	assert_false(b.oom);
	assert_int_equal(
	    catalog_load(back, b.p, b.len, NULL, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(catalog_count(back), 5);
	assert_string_equal(catalog_at(back, 0)->name, "web1");
	assert_int_equal(catalog_at(back, 0)->nservices, 2);
	assert_string_equal(catalog_at(back, 1)->name, "db1");
	assert_int_equal(catalog_at(back, 1)->state, HOST_DOWN);
	assert_string_equal(catalog_at(back, 2)->name, "c1");
	assert_string_equal(catalog_at(back, 3)->name, "c3");
	assert_string_equal(catalog_at(back, 4)->name, "late");
	assert_null(catalog_find(back, "c2"));
	buf_free(&b);

	/* an empty catalog is a whole file too */
	catalog_retain(cat, keep, 0);
	catalog_dumper_init(&d, 1700000007);
	assert_false(catalog_dump_next(&d, cat, &b, 1));
	assert_int_equal(
	    catalog_load(back, b.p, b.len, NULL, err, sizeof(err)), 0);
	assert_int_equal(catalog_count(back), 5);
	buf_free(&b);
	catalog_free(back);
	catalog_free(cat);
}

/* The dump's own layout is read a host (a line) at a time; the same
 * document laid out otherwise (jq, an editor) is read whole, to the same
 * catalog. */
static void
test_state_file_any_layout(void **state)
{
	struct catalog *cat = sample_catalog(), *a = catalog_new(),
		       *b = catalog_new();
	char *text, *pretty, *ta, *tb, err[256] = "";
	size_t len, la, lb;
	time_t saved = 0;
	json_t *j;

	(void)state;
	text = catalog_dump(cat, 1700000005, &len);
	assert_non_null(text);
	j = json_loadb(text, len, 0, NULL);
	assert_non_null(j);
	pretty = json_dumps(j, JSON_INDENT(2));
	json_decref(j);
	assert_non_null(pretty);
	assert_null(strstr(text, "\n  ")); /* the two differ */
	assert_non_null(strstr(pretty, "\n  "));
	assert_int_equal(
	    catalog_load(a, text, len, &saved, err, sizeof(err)), 0);
	assert_int_equal(saved, 1700000005);
	saved = 0;
	assert_int_equal(
	    catalog_load(b, pretty, strlen(pretty), &saved, err, sizeof(err)),
	    0);
	assert_int_equal(saved, 1700000005);
	assert_string_equal(err, "");
	ta = catalog_dump(a, 1, &la);
	tb = catalog_dump(b, 1, &lb);
	assert_int_equal(la, lb);
	assert_memory_equal(ta, tb, la);
	assert_int_equal(catalog_count(a), 2);
	free(ta);
	free(tb);
	free(pretty);
	free(text);
	catalog_free(a);
	catalog_free(b);
	catalog_free(cat);
}

/* Everything the file keeps comes back: hosts with their poll and BMC
 * state, services with config, values, times and verdicts, parsed again
 * exactly as a poll would; each host and service says it was restored;
 * and a dump of the restored catalog is the dump it came from. */
static void
test_state_file_round_trip(void **state)
{
	struct catalog *cat = sample_catalog(), *back = catalog_new();
	const struct cat_host *h;
	const struct cat_service *cs;
	struct rrd_ds ds;
	char *text, *again, err[256] = "";
	size_t len, len2, n;
	time_t saved = 0;
	struct cat_problem *p;

	(void)state;
	text = catalog_dump(cat, 1700000005, &len);
	assert_non_null(text);
	assert_int_equal(len, strlen(text));
	assert_int_equal(
	    catalog_load(back, text, len, &saved, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(saved, 1700000005);
	assert_int_equal(catalog_count(back), 2);

	h = catalog_at(back, 0);
	assert_string_equal(h->name, "web1");
	assert_string_equal(h->group, "dc1;web");
	assert_string_equal(h->physical, "kvm1");
	assert_true(h->restored);
	assert_int_equal(h->state, HOST_UP);
	assert_int_equal(h->last_ok, 1700000000);
	assert_int_equal(h->first_ok, 1700000000);
	assert_int_equal(h->poll_ms, 120);
	assert_int_equal(h->queue_ms, 7);
	assert_int_equal(h->values, 4);
	assert_false(h->bmc.configured);
	assert_int_equal(h->nservices, 2);
	cs = cat_host_service(h, "df");
	assert_non_null(cs);
	assert_true(cs->restored);
	assert_true(cs->svc.has_config);
	assert_int_equal(cs->last_update, 1700000000);
	/* attributes keep their order */
	assert_int_equal(cs->svc.graph.n, 2);
	assert_string_equal(cs->svc.graph.v[0].key, "graph_title");
	assert_string_equal(cs->svc.graph.v[1].value, "huge");
	assert_int_equal(cs->svc.nfields, 3);
	assert_string_equal(cs->svc.fields[0].attrs.v[3].key, "warning");
	/* parsed again: the typed view and the RRD data source */
	assert_string_equal(cs->fields[0].spec.rules->warning, "92");
	cat_field_ds(cs, 0, &ds);
	assert_int_equal(ds.type, DS_DERIVE);
	assert_int_equal(ds.size, RRD_SIZE_HUGE);
	assert_true(cs->svc.fields[0].has_value);
	assert_true(cs->svc.fields[0].value == 95);
	/* the engine's verdict, not the ranges' */
	assert_true(cs->fields[0].has_alert);
	assert_int_equal(cat_field_state(cs, 0), FS_WARNING);
	assert_false(cs->svc.fields[1].has_value);
	assert_false(cs->fields[1].has_alert);
	assert_true(cs->svc.fields[2].unknown);
	assert_string_equal(
	    attrs_get(&cs->svc.fields[2].attrs, "label"), "/tmp ?t?");
	cs = cat_host_service(h, "load");
	assert_false(cs->svc.has_config);
	assert_true(cs->svc.fields[0].value == 0.25);
	assert_int_equal(cs->svc.fields[0].when, 1699999990);

	h = catalog_at(back, 1);
	assert_string_equal(h->name, "db1");
	assert_string_equal(h->physical, "db1");
	assert_int_equal(h->state, HOST_DOWN);
	assert_int_equal(h->failures, 1);
	assert_int_equal(h->last_ok, 1699999700);
	/* the first good poll, kept through the failed one after it */
	assert_int_equal(h->first_ok, 1699999700);
	assert_int_equal(h->last_poll, 1700000000);
	assert_string_equal(h->last_error, "connect to db1 port 4949: refused");
	assert_true(h->bmc.configured);
	assert_int_equal(h->bmc.state, HOST_DOWN);
	assert_int_equal(h->bmc.poll_ms, 1500);
	assert_string_equal(h->bmc.last_error, "BMC db1-ipmi: timed out");
	assert_int_equal(cat_host_service(h, "cpu")->last_update, 1699999700);

	/* the same problems: db1 down, web1's df WARNING (its U has no
	 * rules) */
	p = catalog_problems(back, &n);
	assert_int_equal(n, 2);
	assert_null(p[0].cs);
	assert_string_equal(p[0].h->name, "db1");
	assert_int_equal(p[1].st, FS_WARNING);
	free(p);
	again = catalog_dump(back, 1700000005, &len2);
	assert_non_null(again);
	assert_string_equal(again, text);
	free(again);
	free(text);
	catalog_free(back);
	catalog_free(cat);
}

/* The rest of sample_catalog()'s df config, after df_batch(). */
static void
s_fields_like_sample(struct batch *b)
{
	struct service *s = batch_service(b, "df", false);
	struct field *f;

	f = service_field(s, "graph_only", true);
	attrs_set(&f->attrs, "label", "not fetched");
	f = service_field(s, "tmp", true);
	attrs_set(&f->attrs, "label", "/tmp ?t?");
}

/* A restored service stops being restored with its first update, a host
 * with its first poll; the first poll's config equal to the restored one
 * is not parsed again. */
static void
test_restored_until_polled(void **state)
{
	struct catalog *cat = sample_catalog(), *back = catalog_new();
	struct cat_host *h;
	const struct cat_service *cs;
	const struct attr *held;
	struct batch b = {0};
	char *text, err[256];
	size_t len;

	(void)state;
	text = catalog_dump(cat, 1700000005, &len);
	assert_int_equal(
	    catalog_load(back, text, len, NULL, err, sizeof(err)), 0);
	free(text);
	h = catalog_find(back, "web1");
	cs = cat_host_service(h, "df");
	held = cs->svc.fields[0].attrs.v;
	/* the same config as before the restart */
	df_batch(&b, "92", 50, true);
	s_fields_like_sample(&b);
	catalog_update(back, h, 1700000300, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "df");
	assert_false(cs->restored);
	assert_ptr_equal(cs->svc.fields[0].attrs.v, held);
	assert_true(cs->svc.fields[0].value == 50);
	assert_true(cat_host_service(h, "load")->restored);
	assert_true(h->restored);
	catalog_poll_result(h, false, "timed out", 1700000300, 5000, 0, 0);
	assert_false(h->restored);
	assert_int_equal(h->state, HOST_DOWN);
	catalog_free(back);
	catalog_free(cat);
}

/* A catalog holding one host of its own, to see a failed load leave it. */
static struct catalog *
own_catalog(void)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "mine", "g", NULL);
	struct batch b = {0};

	add_value(&b, "load", "load", 1, true);
	catalog_update(cat, h, 100, &b);
	batch_cleanup(&b);
	return cat;
}

static void
assert_untouched(const struct catalog *cat)
{
	const struct cat_host *h;

	assert_int_equal(catalog_count(cat), 1);
	h = catalog_at(cat, 0);
	assert_string_equal(h->name, "mine");
	assert_false(h->restored);
	assert_int_equal(h->state, HOST_PENDING);
	assert_int_equal(h->nservices, 1);
	assert_false(h->services[0].restored);
}

/* Whatever is wrong with a file, nothing of it is kept and the catalog
 * is as it was: bad JSON, another version, wrong types, bad names,
 * duplicates, a bad host after a good one, and every cut-off copy of a
 * good file. */
static void
test_state_file_corrupt(void **state)
{
	static const char *const bad[] = {
	    "",
	    "{",
	    "null",
	    "[]",
	    "{\"version\": 1}",
	    "{\"version\": 2, \"hosts\": []}",
	    "{\"version\": \"1\", \"hosts\": []}",
	    "{\"version\": 1, \"hosts\": {}}",
	    "{\"version\": 1, \"hosts\": [1]}",
	    "{\"version\": 1, \"hosts\": [{}]}",
	    "{\"version\": 1, \"hosts\": [{\"name\": \"\"}]}",
	    "{\"version\": 1, \"hosts\": [{\"name\": \"../etc\"}]}",
	    "{\"version\": 1, \"hosts\": [{\"name\": \"a\\nb\"}]}",
	    "{\"version\": 1, \"hosts\": [{\"name\": \"a\", \"state\": "
	    "\"sleepy\"}]}",
	    "{\"version\": 1, \"hosts\": [{\"name\": \"a\", \"last_ok\": "
	    "-5}]}",
	    "{\"version\": 1, \"hosts\": [{\"name\": \"a\", \"failures\": "
	    "1e3}]}",
	    "{\"version\": 1, \"hosts\": [{\"name\": \"a\", \"bmc\": 1}]}",
	    "{\"version\": 1, \"hosts\": [{\"name\": \"a\", \"services\": "
	    "[{\"name\": \"s\", \"graph\": [\"graph_title\"]}]}]}",
	    "{\"version\": 1, \"hosts\": [{\"name\": \"a\", \"services\": "
	    "[{\"name\": \"s\", \"graph\": [\"k\", 3]}]}]}",
	    "{\"version\": 1, \"hosts\": [{\"name\": \"a\", \"services\": "
	    "[{\"name\": \"s\", \"fields\": [{\"name\": \"f\", \"value\": "
	    "\"7\"}]}]}]}",
	    "{\"version\": 1, \"hosts\": [{\"name\": \"a\", \"services\": "
	    "[{\"name\": \"s\", \"fields\": [{\"name\": \"f\"}, {\"name\": "
	    "\"f\"}]}]}]}",
	    "{\"version\": 1, \"hosts\": [{\"name\": \"a\", \"services\": "
	    "[{\"name\": \"s\"}, {\"name\": \"s\"}]}]}",
	    "{\"version\": 1, \"hosts\": [{\"name\": \"a\", \"services\": "
	    "[{\"name\": \"s\", \"fields\": [{\"name\": \"f\", \"alert\": "
	    "\"BAD\"}]}]}]}",
	    "{\"version\": 1, \"version\": 1, \"hosts\": []}",
	    /* a good host, then a bad one: the good one goes too */
	    "{\"version\": 1, \"hosts\": [{\"name\": \"a\", \"services\": "
	    "[{\"name\": \"s\", \"fields\": [{\"name\": \"f\"}]}]}, "
	    "{\"name\": 7}]}",
	};
	struct catalog *cat = own_catalog(), *good = sample_catalog();
	char err[256], *text;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (catalog_load(cat, bad[i], strlen(bad[i]), NULL, err,
			sizeof(err)) != -1)
			fail_msg("accepted: %s", bad[i]);
		if (err[0] == '\0')
			fail_msg("no reason for: %s", bad[i]);
		assert_untouched(cat);
	}
	text = catalog_dump(good, 1700000005, &len);
	assert_non_null(text);
	/* (the last byte is a newline) */
	for (i = 0; i + 1 < len; i++) {
		if (catalog_load(cat, text, i, NULL, err, sizeof(err)) != -1)
			fail_msg("accepted the first %zu bytes", i);
		assert_untouched(cat);
	}
	/* bytes after the document are no state file either */
	text[len - 1] = 'x';
	assert_int_equal(
	    catalog_load(cat, text, len, NULL, err, sizeof(err)), -1);
	assert_untouched(cat);
	free(text);
	catalog_free(good);
	catalog_free(cat);
}

/* A host the catalog holds already (the config made it before the
 * file was read) is left as it is; the others are added. */
static void
test_state_file_keeps_known_hosts(void **state)
{
	struct catalog *cat = sample_catalog(), *back = catalog_new();
	struct cat_host *h;
	char *text, err[256];
	size_t len;

	(void)state;
	h = catalog_host(back, "web1", "new-group", NULL);
	text = catalog_dump(cat, 1700000005, &len);
	assert_int_equal(
	    catalog_load(back, text, len, NULL, err, sizeof(err)), 0);
	free(text);
	assert_int_equal(catalog_count(back), 2);
	h = catalog_find(back, "web1");
	assert_false(h->restored);
	assert_int_equal(h->state, HOST_PENDING);
	assert_int_equal(h->nservices, 0);
	assert_string_equal(h->group, "new-group");
	assert_true(catalog_find(back, "db1")->restored);
	catalog_free(back);
	catalog_free(cat);
}

/* The file on disk: written whole, no .tmp left; read back at start-up;
 * a missing file is a first start, a corrupt one is logged and ignored;
 * a directory that is not there fails the write and leaves nothing. */
static void
test_state_file_on_disk(void **state)
{
	struct catalog *cat = sample_catalog(), *back;
	char dir[] = "/tmp/drover-catalog-XXXXXX", path[128], tmp[160];
	char logged[1024] = "", *text;
	FILE *log;
	size_t len;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/catalog.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	back = catalog_new();
	assert_int_equal(catalog_restore(back, path, 1700000010), 0);
	assert_int_equal(catalog_count(back), 0);

	text = catalog_dump(cat, 1700000005, &len);
	assert_int_equal(catalog_write(path, text, len), 0);
	assert_int_equal(access(tmp, F_OK), -1);
	assert_int_equal(catalog_restore(back, path, 1700000010), 2);
	assert_true(catalog_find(back, "db1")->restored);
	catalog_free(back);

	/* read a line at a time, as the dump lays it out; laid out
	 * otherwise (jq), read whole; without hosts, either way */
	{
		json_t *j = json_loadb(text, len, 0, NULL);
		char *pretty = json_dumps(j, JSON_INDENT(2));
		static const char empty[] = "{\"version\":1,\"saved\":7,"
					    "\"hosts\":[]}\n";

		json_decref(j);
		assert_non_null(pretty);
		assert_int_equal(
		    catalog_write(path, pretty, strlen(pretty)), 0);
		back = catalog_new();
		assert_int_equal(catalog_restore(back, path, 1700000010), 2);
		assert_int_equal(catalog_find(back, "web1")->nservices, 2);
		catalog_free(back);
		free(pretty);
		log = tmpfile();
		assert_non_null(log);
		log_set_stream(log);
		assert_int_equal(catalog_write(path, empty, strlen(empty)), 0);
		back = catalog_new();
		assert_int_equal(catalog_restore(back, path, 1700000010), 0);
		catalog_free(back);
		assert_int_equal(
		    catalog_write(path, empty, strlen(empty) - 1), 0);
		back = catalog_new();
		assert_int_equal(catalog_restore(back, path, 1700000010), 0);
		catalog_free(back);
		log_set_stream(NULL);
		assert_int_equal(ftell(log), 0); /* no complaint */
		fclose(log);
	}

	/* a crash in the middle of some other writer's copy */
	assert_int_equal(catalog_write(path, text, len / 2), 0);
	log = tmpfile();
	assert_non_null(log);
	log_set_stream(log);
	back = catalog_new();
	assert_int_equal(catalog_restore(back, path, 1700000010), 0);
	assert_int_equal(catalog_count(back), 0);
	log_set_stream(NULL);
	rewind(log);
	assert_true(fread(logged, 1, sizeof(logged) - 1, log) > 0);
	fclose(log);
	assert_non_null(strstr(logged, "catalog: "));
	assert_non_null(strstr(logged, "starting empty"));
	catalog_free(back);

	snprintf(path, sizeof(path), "%s/gone/catalog.json", dir);
	assert_int_equal(catalog_write(path, text, len), -1);
	assert_int_equal(errno, ENOENT);
	free(text);
	snprintf(path, sizeof(path), "%s/catalog.json", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
	catalog_free(cat);
}

/* The value before the last one, for a trend from two polls: kept through
 * each way a batch merges (values only, config equal, config changed);
 * a "U" between two values is skipped. */
static void
test_previous_value(void **state)
{
	struct catalog *cat = catalog_new();
	struct batch b = {0};
	struct cat_host *h = catalog_host(cat, "solar", "grp", NULL);
	const struct cat_service *cs;
	struct service *s;

	(void)state;
	add_value(&b, "bank_x", "voltage", 12.6, true);
	catalog_update(cat, h, 1000, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "bank_x");
	assert_false(cs->fields[0].has_prev);
	assert_true(cs->fields[0].valued);
	assert_int_equal(cs->prev_update, 0);
	/* values only */
	add_value(&b, "bank_x", "voltage", 12.5, false);
	catalog_update(cat, h, 1300, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "bank_x");
	assert_true(cs->fields[0].has_prev);
	assert_true(cs->fields[0].prev == 12.6);
	/* the time of that previous value, for a rate */
	assert_int_equal(cs->prev_update, 1000);
	assert_int_equal(cs->last_update, 1300);
	/* the same config again, with values (dirtyconfig) */
	add_value(&b, "bank_x", "voltage", 12.4, true);
	catalog_update(cat, h, 1600, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "bank_x");
	assert_true(cs->fields[0].prev == 12.5);
	/* a changed config: the field keeps its name and its history */
	add_value(&b, "bank_x", "voltage", 12.3, true);
	add_value(&b, "bank_x", "soc", 80, true);
	attrs_set(&batch_service(&b, "bank_x", false)->graph, "graph_category",
	    "power");
	catalog_update(cat, h, 1900, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "bank_x");
	assert_string_equal(cs->svc.fields[0].name, "voltage");
	assert_true(cs->fields[0].has_prev);
	assert_true(cs->fields[0].prev == 12.4);
	assert_true(cs->svc.fields[0].value == 12.3);
	assert_false(cs->fields[1].has_prev);
	/* a "U" is no value to compare with */
	add_value(&b, "bank_x", "soc", 0, false);
	s = batch_service(&b, "bank_x", false);
	service_field(s, "soc", false)->unknown = true;
	catalog_update(cat, h, 2200, &b);
	batch_cleanup(&b);
	add_value(&b, "bank_x", "soc", 70, false);
	catalog_update(cat, h, 2500, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "bank_x");
	assert_true(cs->fields[1].prev == 80); /* the last known before */
	add_value(&b, "bank_x", "soc", 60, false);
	catalog_update(cat, h, 2800, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "bank_x");
	assert_true(cs->fields[1].prev == 70);
	catalog_free(cat);
}

/* A host's state_since moves only when its state changes; a field's
 * since is the alert engine's and survives a config change. */
static void
test_state_since(void **state)
{
	struct catalog *cat = catalog_new();
	struct batch b = {0};
	struct cat_host *h;
	struct cat_service *cs;

	(void)state;
	h = catalog_host(cat, "db1", "grp", NULL);
	assert_int_equal(h->state_since, 0);
	catalog_poll_result(h, true, NULL, 1000, 5, 0, 1);
	assert_int_equal(h->state_since, 1000);
	catalog_poll_result(h, true, NULL, 1300, 5, 0, 1);
	assert_int_equal(h->state_since, 1000);
	catalog_poll_result(h, false, "refused", 1600, 5, 0, 0);
	assert_int_equal(h->state_since, 1600);
	catalog_poll_result(h, false, "refused", 1900, 5, 0, 0);
	assert_int_equal(h->state_since, 1600);
	catalog_poll_result(h, true, NULL, 2200, 5, 0, 1);
	assert_int_equal(h->state_since, 2200);

	add_value(&b, "load", "load", 9, true);
	catalog_update(cat, h, 2200, &b);
	batch_cleanup(&b);
	cs = &h->services[0];
	assert_int_equal(cs->fields[0].since, 0);
	cat_field_set_alert(cs, 0, FS_CRITICAL);
	cat_field_set_since(cs, 0, 2100);
	cat_field_set_since(cs, 7, 2100); /* no such field: ignored */
	assert_int_equal(cs->fields[0].since, 2100);
	/* a changed config keeps the field's since */
	add_value(&b, "load", "load", 9, true);
	attrs_set(&batch_service(&b, "load", false)->graph, "graph_info", "x");
	catalog_update(cat, h, 2500, &b);
	batch_cleanup(&b);
	assert_int_equal(h->services[0].fields[0].since, 2100);
	catalog_free(cat);
}

/* Stale: up, polled, and no good poll for more than 3 intervals. */
static void
test_stale(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h;

	(void)state;
	h = catalog_host(cat, "web1", "grp", NULL);
	assert_false(cat_host_stale(h, 5000)); /* never polled */
	catalog_poll_result(h, true, NULL, 1000, 5, 0, 1);
	assert_false(cat_host_stale(h, 5000)); /* interval not known */
	catalog_set_target(h, 300, false);
	assert_false(cat_host_stale(h, 1000 + 3 * 300));
	assert_true(cat_host_stale(h, 1000 + 3 * 300 + 1));
	h->unpolled = true; /* "update no" is never stale */
	assert_false(cat_host_stale(h, 9000));
	h->unpolled = false;
	catalog_poll_result(h, false, "timeout", 1300, 5, 0, 0);
	assert_false(cat_host_stale(h, 9000)); /* down, not stale */
	catalog_set_target(h, 60, true);
	assert_true(h->bmc_only);
	assert_int_equal(h->interval, 60);
	catalog_free(cat);
}

/*
 * 10 000 hosts (issue 21's cluster) are found by name through the host
 * index: after every third is dropped by a reload (catalog_retain), the
 * survivors keep config order, their data and their lookups; the dropped
 * are gone, and re-adding some appends them after the survivors.
 */
#define MANY_HOSTS 10000

static void
test_many_hosts_lookup(void **state)
{
	struct catalog *cat = catalog_new();
	const char **keep = calloc(MANY_HOSTS, sizeof(*keep));
	char(*names)[16] = calloc(MANY_HOSTS, sizeof(*names));
	struct cat_host *h;
	size_t i, n = 0;

	(void)state;
	assert_non_null(keep);
	assert_non_null(names);
	for (i = 0; i < MANY_HOSTS; i++) {
		snprintf(names[i], sizeof(names[i]), "vm%zu", i);
		h = catalog_host(cat, names[i], "grp", NULL);
		h->failures = (unsigned)i; /* a mark that must move with it */
	}
	assert_int_equal(catalog_count(cat), MANY_HOSTS);
	/* catalog_host finds existing hosts rather than adding them again */
	assert_ptr_equal(catalog_host(cat, "vm1234", NULL, NULL),
	    catalog_find(cat, "vm1234"));
	assert_int_equal(catalog_count(cat), MANY_HOSTS);
	for (i = 0; i < MANY_HOSTS; i++) {
		h = catalog_find(cat, names[i]);
		assert_non_null(h);
		assert_string_equal(h->name, names[i]);
		assert_int_equal(h->failures, i);
	}
	assert_null(catalog_find(cat, "vm10000"));
	assert_null(catalog_find(cat, "vm"));

	/* a reload keeps two hosts in three, named in reverse order */
	for (i = MANY_HOSTS; i-- > 0;)
		if (i % 3 != 0)
			keep[n++] = names[i];
	catalog_retain(cat, keep, n);
	assert_int_equal(catalog_count(cat), n);
	for (i = 0; i < MANY_HOSTS; i++) {
		h = catalog_find(cat, names[i]);
		if (i % 3 == 0) {
			assert_null(h);
			continue;
		}
		assert_non_null(h);
		assert_string_equal(h->name, names[i]);
		assert_int_equal(h->failures, i);
	}
	/* config order, not keep's */
	assert_string_equal(catalog_at(cat, 0)->name, "vm1");
	assert_string_equal(catalog_at(cat, 1)->name, "vm2");
	assert_string_equal(catalog_at(cat, 2)->name, "vm4");
	assert_string_equal(catalog_at(cat, n - 1)->name, "vm9998");

	/* dropped hosts come back at the end, fresh */
	h = catalog_host(cat, "vm0", "grp", NULL);
	assert_int_equal(h->failures, 0);
	h->failures = 7;
	catalog_host(cat, "vm9999", "grp", NULL);
	assert_int_equal(catalog_count(cat), n + 2);
	assert_ptr_equal(catalog_find(cat, "vm0"), catalog_at(cat, n));
	assert_ptr_equal(catalog_find(cat, "vm9999"), catalog_at(cat, n + 1));
	assert_int_equal(catalog_find(cat, "vm0")->failures, 7);
	assert_int_equal(catalog_find(cat, "vm5")->failures, 5);
	assert_null(catalog_find(cat, "vm3"));

	/* down to a few (below the index's size) and back up */
	keep[0] = "vm0";
	keep[1] = "vm5";
	catalog_retain(cat, keep, 2);
	assert_int_equal(catalog_count(cat), 2);
	assert_ptr_equal(catalog_find(cat, "vm5"), catalog_at(cat, 0));
	assert_ptr_equal(catalog_find(cat, "vm0"), catalog_at(cat, 1));
	assert_null(catalog_find(cat, "vm1"));
	for (i = 0; i < 100; i++)
		catalog_host(cat, names[i], "grp", NULL);
	assert_int_equal(catalog_count(cat), 100);
	for (i = 0; i < 100; i++)
		assert_string_equal(
		    catalog_find(cat, names[i])->name, names[i]);
	catalog_retain(cat, keep, 0);
	assert_int_equal(catalog_count(cat), 0);
	assert_null(catalog_find(cat, "vm0"));
	free(keep);
	free(names);
	catalog_free(cat);
}

/*
 * A batch replayed from a source's cached config (service_copy, as the
 * munin client does) shares the catalog's names and attributes: later
 * replays only move values, and a changed cache is still seen as a new
 * config and parsed.
 */
static void
test_config_shared_with_cache(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "h", "g", NULL);
	const struct cat_service *cs;
	struct batch cache = {0}, b = {0};
	struct service copy;
	uint64_t gen;

	(void)state;
	df_batch(&cache, "92", 0, true);
	for (int round = 1; round <= 2; round++) {
		assert_int_equal(service_copy(&copy, &cache.services[0]), 0);
		copy.fields[0].has_value = true;
		copy.fields[0].value = 90 + round;
		assert_int_equal(batch_take(&b, &copy), 0);
		gen = catalog_generation(cat);
		catalog_update(cat, h, 300 * round, &b);
		batch_cleanup(&b);
		cs = cat_host_service(h, "df");
		assert_ptr_equal(cs->svc.fields[0].attrs.v,
		    cache.services[0].fields[0].attrs.v);
		assert_ptr_equal(
		    cs->svc.fields[0].name, cache.services[0].fields[0].name);
		assert_true(cs->svc.fields[0].value == 90 + round);
		if (round == 2)
			assert_int_equal(catalog_generation(cat), gen);
	}
	assert_true(cs->fields[0].has_prev && cs->fields[0].prev == 91);
	/* the cache's own copy of the block changes; the catalog's stays
	 * until a batch brings the change */
	assert_int_equal(
	    attrs_set(&cache.services[0].fields[0].attrs, "warning", "40"), 0);
	assert_string_equal(cs->fields[0].spec.rules->warning, "92");
	assert_int_equal(service_copy(&copy, &cache.services[0]), 0);
	copy.fields[0].has_value = true;
	copy.fields[0].value = 50;
	assert_int_equal(batch_take(&b, &copy), 0);
	catalog_update(cat, h, 900, &b);
	batch_cleanup(&b);
	batch_cleanup(&cache);
	cs = cat_host_service(h, "df");
	assert_string_equal(cs->fields[0].spec.rules->warning, "40");
	assert_int_equal(cat_field_state(cs, 0), FS_WARNING);
	assert_true(cs->fields[0].prev == 92);
	catalog_free(cat);
}

/*
 * A config the catalog holds in its own block (read from the state file)
 * meets an equal one shared with a source's cache: the catalog takes the
 * cache's block, its specs point there, and what it knew stays.  A block
 * only the batch holds is not taken.
 */
static void
test_equal_config_takes_cache_block(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h = catalog_host(cat, "h", "g", NULL);
	struct cat_service *cs;
	struct batch cache = {0}, b = {0};
	struct service copy;
	const struct attr *held;
	uint64_t gen;

	(void)state;
	df_batch(&b, "92", 95, true);
	catalog_update(cat, h, 300, &b);
	batch_cleanup(&b);
	cs = (struct cat_service *)cat_host_service(h, "df");
	cat_field_set_since(cs, 0, 123);
	held = cs->svc.fields[0].attrs.v;
	/* equal, but only the batch holds it: kept */
	df_batch(&b, "92", 96, true);
	catalog_update(cat, h, 600, &b);
	batch_cleanup(&b);
	assert_ptr_equal(cs->svc.fields[0].attrs.v, held);
	/* equal and shared with a cache: taken */
	df_batch(&cache, "92", 0, true);
	assert_int_equal(service_copy(&copy, &cache.services[0]), 0);
	copy.fields[0].value = 97;
	assert_int_equal(batch_take(&b, &copy), 0);
	gen = catalog_generation(cat);
	catalog_update(cat, h, 900, &b);
	batch_cleanup(&b);
	assert_int_equal(catalog_generation(cat), gen);
	assert_ptr_equal(
	    cs->svc.fields[0].attrs.v, cache.services[0].fields[0].attrs.v);
	assert_ptr_equal(cs->svc.graph.v, cache.services[0].graph.v);
	assert_ptr_equal(cs->fields[0].spec.rules->warning,
	    attrs_get(&cache.services[0].fields[0].attrs, "warning"));
	assert_ptr_equal(cs->spec.graph_data_size,
	    attrs_get(&cache.services[0].graph, "graph_data_size"));
	assert_int_equal(cs->fields[0].since, 123);
	assert_true(cs->fields[0].has_prev && cs->fields[0].prev == 96);
	assert_true(cs->svc.fields[0].value == 97);
	assert_int_equal(cat_field_state(cs, 0), FS_WARNING);
	/* the cache goes; the catalog's block stays with the catalog */
	batch_cleanup(&cache);
	assert_string_equal(cs->fields[0].spec.rules->warning, "92");
	catalog_free(cat);
}

/* A host a peer collector owns is no problem here: never pending, down
 * or stale on this collector's pages, whatever it held before. */
static void
test_peer_host(void **state)
{
	struct catalog *cat = catalog_new();
	struct cat_host *h, *mine;
	unsigned problems = 7;
	size_t n;

	(void)state;
	h = catalog_host(cat, "g1", "grp", "kvm3");
	mine = catalog_host(cat, "kvm1", "grp", NULL);
	catalog_poll_result(mine, false, "connection refused", 100, 5, 0, 0);
	h->peer = true;
	assert_int_equal(cat_host_state(h, &problems), FS_OK);
	assert_int_equal(problems, 0);
	free(catalog_problems(cat, &n));
	assert_int_equal(n, 1); /* kvm1 down; g1 not listed */
	catalog_poll_result(h, false, "refused", 100, 5, 0, 0);
	assert_int_equal(cat_host_state(h, &problems), FS_OK);
	free(catalog_problems(cat, &n));
	assert_int_equal(n, 1);
	h->peer = false; /* the same host, owned here: a problem */
	assert_int_equal(cat_host_state(h, &problems), FS_CRITICAL);
	free(catalog_problems(cat, &n));
	assert_int_equal(n, 2);
	catalog_free(cat);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hosts_created_and_updated),
	    cmocka_unit_test(test_down_host_keeps_data),
	    cmocka_unit_test(test_error_text_sized),
	    cmocka_unit_test(test_values_merge_into_config),
	    cmocka_unit_test(test_retain_drops_unconfigured),
	    cmocka_unit_test(test_seek_survives_changes),
	    cmocka_unit_test(test_generation),
	    cmocka_unit_test(test_bmc_state_and_field_state),
	    cmocka_unit_test(test_typed_view_follows_config),
	    cmocka_unit_test(test_alert_state_member),
	    cmocka_unit_test(test_unknown_without_rules_is_no_problem),
	    cmocka_unit_test(test_state_file_round_trip),
	    cmocka_unit_test(test_state_file_in_slices),
	    cmocka_unit_test(test_state_file_any_layout),
	    cmocka_unit_test(test_restored_until_polled),
	    cmocka_unit_test(test_state_file_corrupt),
	    cmocka_unit_test(test_state_file_keeps_known_hosts),
	    cmocka_unit_test(test_state_file_on_disk),
	    cmocka_unit_test(test_previous_value),
	    cmocka_unit_test(test_state_since),
	    cmocka_unit_test(test_stale),
	    cmocka_unit_test(test_many_hosts_lookup),
	    cmocka_unit_test(test_config_shared_with_cache),
	    cmocka_unit_test(test_equal_config_takes_cache_block),
	    cmocka_unit_test(test_peer_host),
	};

	log_init(false, LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
