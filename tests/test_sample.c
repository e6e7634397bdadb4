/* Tests for sample: attribute lists, lookups, Munin's name rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plugins/sample.h"

static void
test_attrs_replace_keeps_order(void **state)
{
	struct attrs a = {0};

	(void)state;
	assert_int_equal(attrs_set(&a, "label", "x"), 0);
	assert_int_equal(attrs_set(&a, "type", "DERIVE"), 0);
	assert_int_equal(attrs_set(&a, "label", "y"), 0);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.v[0].key, "label");
	assert_string_equal(attrs_get(&a, "label"), "y");
	assert_null(attrs_get(&a, "min"));
	attrs_cleanup(&a);
}

static void
test_batch_lookup_and_copy(void **state)
{
	struct batch b = {0};
	struct service *s, copy;
	struct field *f;

	(void)state;
	s = batch_service(&b, "load", true);
	assert_non_null(s);
	f = service_field(s, "load", true);
	assert_non_null(f);
	f->has_value = true;
	f->value = 0.5;
	assert_int_equal(attrs_set(&f->attrs, "type", "DERIVE"), 0);
	assert_ptr_equal(batch_service(&b, "load", false), s);
	assert_null(batch_service(&b, "cpu", false));
	assert_int_equal(field_type(f), DS_DERIVE);
	assert_int_equal(batch_values(&b), 1);
	assert_int_equal(service_copy(&copy, s), 0);
	assert_string_equal(copy.fields[0].name, "load");
	assert_true(copy.fields[0].has_value);
	assert_string_equal(attrs_get(&copy.fields[0].attrs, "type"), "DERIVE");
	service_cleanup(&copy);
	batch_cleanup(&b);
}

static void
test_sanitise_like_munin(void **state)
{
	char out[64];

	(void)state;
	/* Munin::Master::Node::_sanitise_fieldname */
	assert_string_equal(sanitise_fieldname("12v", out, sizeof(out)), "_2v");
	assert_string_equal(
	    sanitise_fieldname("eth0.rx-bytes", out, sizeof(out)),
	    "eth0_rx_bytes");
	assert_string_equal(sanitise_fieldname("_ok", out, sizeof(out)), "_ok");
	/* _sanitise_plugin_name keeps a leading digit */
	assert_string_equal(
	    sanitise_plugin_name("if_eth0.1", out, sizeof(out)), "if_eth0_1");
	assert_string_equal(
	    sanitise_plugin_name("1wire", out, sizeof(out)), "1wire");
	assert_string_equal(sanitise_fieldname("abcdef", out, 4), "abc");
}

static void
test_ds_type_names(void **state)
{
	enum ds_type t;

	(void)state;
	assert_true(ds_type_parse("COUNTER", &t));
	assert_int_equal(t, DS_COUNTER);
	assert_false(ds_type_parse("counter", &t));
	assert_string_equal(ds_type_str(DS_ABSOLUTE), "ABSOLUTE");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_attrs_replace_keeps_order),
	    cmocka_unit_test(test_batch_lookup_and_copy),
	    cmocka_unit_test(test_sanitise_like_munin),
	    cmocka_unit_test(test_ds_type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
