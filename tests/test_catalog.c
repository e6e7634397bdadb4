/* Tests for catalog: hosts stay listed when down, config and values merge. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "catalog/catalog.h"

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
	assert_string_equal(h->last_error, "");
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
	assert_string_equal(h->bmc.last_error, "");
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
	struct batch b = {0};

	(void)state;
	df_batch(&b, "92", 95, true);
	catalog_update(cat, h, 300, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "df");
	assert_non_null(cs->fields);
	assert_string_equal(cs->fields[0].spec.warning, "92");
	assert_true(cs->fields[0].spec.warn.max == 92);
	assert_string_equal(cs->fields[0].spec.label, "/");
	assert_int_equal(cs->fields[0].ds.type, DS_DERIVE);
	assert_string_equal(cs->fields[0].ds.min, "0");
	assert_string_equal(cs->fields[0].ds.max, "U");
	assert_int_equal(cs->fields[0].ds.size, RRD_SIZE_HUGE);
	assert_int_equal(cat_field_state(cs, 0), FS_WARNING);

	/* the same config again: values move, nothing is copied or parsed */
	held = cs->svc.fields[0].attrs.v;
	df_batch(&b, "92", 50, true);
	catalog_update(cat, h, 600, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "df");
	assert_ptr_equal(cs->svc.fields[0].attrs.v, held);
	assert_ptr_equal(cs->fields[0].spec.warning, held[3].value);
	assert_true(cs->svc.fields[0].value == 50);
	assert_int_equal(cs->last_update, 600);
	assert_int_equal(cat_field_state(cs, 0), FS_OK);

	/* a changed threshold is parsed again */
	df_batch(&b, "40", 50, true);
	catalog_update(cat, h, 900, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "df");
	assert_string_equal(cs->fields[0].spec.warning, "40");
	assert_true(cs->fields[0].spec.warn.max == 40);
	assert_int_equal(cat_field_state(cs, 0), FS_WARNING);

	/* a values-only batch that brings a new field gives it a record */
	df_batch(&b, "40", 1, false);
	add_value(&b, "df", "tmp", 3, false);
	catalog_update(cat, h, 1200, &b);
	batch_cleanup(&b);
	cs = cat_host_service(h, "df");
	assert_int_equal(cs->svc.nfields, 2);
	assert_int_equal(cs->fields[1].spec.type, DS_GAUGE);
	assert_null(cs->fields[1].spec.warning);
	assert_string_equal(cs->fields[0].spec.warning, "40");
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hosts_created_and_updated),
	    cmocka_unit_test(test_down_host_keeps_data),
	    cmocka_unit_test(test_values_merge_into_config),
	    cmocka_unit_test(test_retain_drops_unconfigured),
	    cmocka_unit_test(test_bmc_state_and_field_state),
	    cmocka_unit_test(test_typed_view_follows_config),
	    cmocka_unit_test(test_alert_state_member),
	    cmocka_unit_test(test_unknown_without_rules_is_no_problem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
