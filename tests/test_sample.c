/* Tests for sample: attribute lists, lookups, Munin's name rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
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

/* A shared block is copied on the first write to one list: the other
 * keeps what it had; lists sharing one are equal, and a copy that sets a
 * value it already has keeps sharing. */
static void
test_attrs_share_copy_on_write(void **state)
{
	struct attrs a = {0}, b = {0}, c = {0};
	const char *label;
	char longkey[300];

	(void)state;
	assert_int_equal(attrs_set(&a, "label", "load"), 0);
	assert_int_equal(attrs_set(&a, "my_own_key", "1"), 0);
	attrs_share(&b, &a);
	assert_ptr_equal(a.v, b.v);
	assert_true(attrs_equal(&a, &b));
	label = attrs_get(&a, "label");
	assert_int_equal(attrs_set(&b, "label", "load"), 0);
	assert_ptr_equal(a.v, b.v);
	assert_int_equal(attrs_set(&b, "label", "a longer label"), 0);
	assert_ptr_not_equal(a.v, b.v);
	assert_ptr_equal(attrs_get(&a, "label"), label);
	assert_string_equal(attrs_get(&a, "label"), "load");
	assert_string_equal(attrs_get(&b, "label"), "a longer label");
	assert_string_equal(attrs_get(&b, "my_own_key"), "1");
	assert_false(attrs_equal(&a, &b));
	/* equal text in two blocks is equal */
	assert_int_equal(attrs_merge(&c, &a), 0);
	assert_int_equal(attrs_set(&c, "label", "other"), 0);
	assert_int_equal(attrs_set(&c, "label", "load"), 0);
	assert_ptr_not_equal(c.v, a.v);
	assert_true(attrs_equal(&a, &c));
	attrs_del(&c, "label");
	assert_int_equal(c.n, 1);
	assert_null(attrs_get(&c, "label"));
	assert_string_equal(attrs_get(&a, "label"), "load");
	attrs_cleanup(&a);
	/* b holds its own block; growing it keeps every entry */
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	assert_int_equal(attrs_set(&b, longkey, longkey), 0);
	for (int i = 0; i < 40; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(attrs_set(&b, k, k), 0);
	}
	assert_int_equal(b.n, 43);
	assert_string_equal(attrs_get(&b, longkey), longkey);
	assert_string_equal(attrs_get(&b, "k39"), "k39");
	assert_string_equal(attrs_get(&b, "label"), "a longer label");
	assert_true(attrs_bytes(&b) > 0);
	attrs_cleanup(&b);
	attrs_cleanup(&c);
}

/* service_copy shares names and attributes (equal at once), keeps the
 * index, and the copy grows and changes on its own. */
static void
test_service_copy_shares(void **state)
{
	struct service s = {0}, copy;
	struct field *f;
	char name[16];
	int i;

	(void)state;
	s.name = strdup("if_eth0");
	assert_int_equal(attrs_set(&s.graph, "graph_title", "eth0"), 0);
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		f = service_field(&s, name, true);
		assert_non_null(f);
		assert_int_equal(attrs_set(&f->attrs, "label", name), 0);
	}
	assert_int_equal(service_copy(&copy, &s), 0);
	assert_true(service_config_equal(&s, &copy));
	assert_ptr_equal(copy.fields[7].name, s.fields[7].name);
	assert_ptr_equal(copy.fields[7].attrs.v, s.fields[7].attrs.v);
	assert_ptr_equal(service_field(&copy, "f33", false), &copy.fields[33]);
	f = service_field(&copy, "f40", true);
	assert_non_null(f);
	assert_int_equal(copy.nfields, 41);
	assert_ptr_equal(service_field(&copy, "f40", false), f);
	assert_null(service_field(&s, "f40", false));
	assert_false(service_config_equal(&s, &copy));
	assert_int_equal(attrs_set(&copy.fields[3].attrs, "label", "x"), 0);
	assert_string_equal(attrs_get(&s.fields[3].attrs, "label"), "f3");
	service_cleanup(&s);
	/* the copy outlives the original */
	assert_string_equal(copy.fields[39].name, "f39");
	assert_string_equal(attrs_get(&copy.fields[39].attrs, "label"), "f39");
	service_cleanup(&copy);
}

/* A kept config shares names and attributes with its service, finds its
 * fields by name past the linear scan, outlives the service, and replays
 * as a service of the same config without values. */
static void
test_service_config_keep_replay(void **state)
{
	struct service s = {0}, r;
	struct service_config kept;
	struct field *f;
	char name[16];
	int i;

	(void)state;
	s.name = strdup("if_eth0");
	s.has_config = true;
	assert_int_equal(attrs_set(&s.graph, "graph_title", "eth0"), 0);
	for (i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		f = service_field(&s, name, true);
		assert_non_null(f);
		assert_int_equal(attrs_set(&f->attrs, "label", name), 0);
		f->has_value = true;
		f->value = i;
		f->when = 1000 + i;
	}
	assert_int_equal(service_config_keep(&kept, &s), 0);
	assert_int_equal(kept.nfields, 40);
	assert_ptr_equal(kept.fields[7].name, s.fields[7].name);
	assert_ptr_equal(kept.fields[7].attrs.blk, s.fields[7].attrs.blk);
	assert_ptr_equal(kept.graph.blk, s.graph.blk);
	assert_int_equal(service_config_field(&kept, "f33"), 33);
	assert_int_equal(service_config_field(&kept, "f0"), 0);
	assert_int_equal(service_config_field(&kept, "f40"), -1);
	service_cleanup(&s);
	/* the kept config outlives the service */
	assert_string_equal(kept.fields[39].name, "f39");
	assert_int_equal(service_config_replay(&r, &kept), 0);
	assert_string_equal(r.name, "if_eth0");
	assert_true(r.has_config);
	assert_int_equal(r.nfields, 40);
	assert_ptr_equal(r.fields[39].name, kept.fields[39].name);
	assert_string_equal(attrs_get(&r.fields[39].attrs, "label"), "f39");
	assert_string_equal(attrs_get(&r.graph, "graph_title"), "eth0");
	for (i = 0; i < 40; i++) {
		assert_false(r.fields[i].has_value);
		assert_false(r.fields[i].unknown);
		assert_int_equal(r.fields[i].when, 0);
	}
	assert_ptr_equal(service_field(&r, "f21", false), &r.fields[21]);
	/* the replay grows and changes on its own */
	assert_non_null(service_field(&r, "f40", true));
	assert_int_equal(attrs_set(&r.fields[3].attrs, "label", "x"), 0);
	assert_string_equal(attrs_get(&kept.fields[3].attrs, "label"), "f3");
	assert_int_equal(service_config_field(&kept, "f40"), -1);
	service_config_cleanup(&kept);
	assert_string_equal(r.fields[38].name, "f38");
	service_cleanup(&r);
}

/* One of two hosts' equal configs, built apart as two polls would. */
static void
make_cpu(struct service *s, const char *user_label)
{
	struct field *f;

	memset(s, 0, sizeof(*s));
	s->name = strdup("cpu");
	assert_int_equal(attrs_set(&s->graph, "graph_title", "CPU usage"), 0);
	f = service_field(s, "user", true);
	assert_non_null(f);
	assert_int_equal(attrs_set(&f->attrs, "label", user_label), 0);
	assert_int_equal(attrs_set(&f->attrs, "type", "DERIVE"), 0);
	f = service_field(s, "system", true);
	assert_non_null(f);
	assert_int_equal(attrs_set(&f->attrs, "label", "system"), 0);
	service_compact(s);
}

/* Equal configs interned share one block per list and one name per
 * field; a different one keeps its own; a block nobody else holds is
 * let go once the pool grows, and the pool's holders outlive it. */
static void
test_attrs_pool(void **state)
{
	struct attrs_pool *p = attrs_pool_new();
	struct service a, b, c;
	struct attrs t = {0};
	char v[32];
	size_t i;

	(void)state;
	assert_non_null(p);
	make_cpu(&a, "user");
	make_cpu(&b, "user");
	make_cpu(&c, "user time");
	assert_ptr_not_equal(a.fields[0].attrs.blk, b.fields[0].attrs.blk);
	service_intern(p, &a);
	service_intern(p, &b);
	service_intern(p, &c);
	assert_ptr_equal(a.graph.blk, b.graph.blk);
	assert_ptr_equal(a.graph.blk, c.graph.blk);
	assert_ptr_equal(a.fields[0].attrs.blk, b.fields[0].attrs.blk);
	assert_ptr_equal(a.fields[1].attrs.blk, b.fields[1].attrs.blk);
	assert_ptr_not_equal(a.fields[0].attrs.blk, c.fields[0].attrs.blk);
	assert_ptr_equal(a.fields[0].name, b.fields[0].name);
	assert_ptr_equal(a.fields[0].name, c.fields[0].name);
	assert_true(service_config_equal(&a, &b));
	assert_false(service_config_equal(&a, &c));
	/* graph, user x2, system; names user, system */
	assert_int_equal(attrs_pool_count(p), 6);
	/* a shared block is copied on write: b is not changed by a */
	assert_int_equal(attrs_set(&a.fields[0].attrs, "label", "u"), 0);
	assert_string_equal(attrs_get(&b.fields[0].attrs, "label"), "user");
	assert_ptr_equal(service_field(&b, "system", false), &b.fields[1]);
	service_cleanup(&a);
	service_cleanup(&c);
	/* lists interned and dropped at once: the pool lets them go */
	for (i = 0; i < 2000; i++) {
		snprintf(v, sizeof(v), "%zu", i);
		assert_int_equal(attrs_set(&t, "label", v), 0);
		attrs_compact(&t);
		attrs_pool_intern(p, &t);
		attrs_cleanup(&t);
	}
	assert_true(attrs_pool_count(p) < 1000);
	attrs_pool_free(p);
	/* b outlives the pool */
	assert_string_equal(attrs_get(&b.fields[1].attrs, "label"), "system");
	assert_string_equal(b.fields[1].name, "system");
	service_cleanup(&b);
	attrs_pool_intern(NULL, &t);
	service_intern(NULL, &b);
}

/* Compacting shrinks a list's own block to its entries and keeps them;
 * a shared block is left alone (its sharers compare by address). */
static void
test_attrs_compact(void **state)
{
	struct attrs a = {0}, b = {0};
	const struct attr *v;
	size_t before;

	(void)state;
	assert_int_equal(attrs_set(&a, "label", "a long label to replace"), 0);
	assert_int_equal(
	    attrs_set(&a, "label", "a longer label than that one"), 0);
	assert_int_equal(attrs_set(&a, "x_unknown", "1"), 0);
	assert_int_equal(attrs_set(&a, "type", "DERIVE"), 0);
	before = attrs_bytes(&a);
	attrs_compact(&a);
	assert_true(attrs_bytes(&a) < before);
	assert_int_equal(a.n, 3);
	assert_string_equal(
	    attrs_get(&a, "label"), "a longer label than that one");
	assert_string_equal(attrs_get(&a, "x_unknown"), "1");
	assert_string_equal(attrs_get(&a, "type"), "DERIVE");
	/* compact already: nothing moves */
	v = a.v;
	attrs_compact(&a);
	assert_ptr_equal(a.v, v);
	/* and it still grows */
	assert_int_equal(attrs_set(&a, "min", "0"), 0);
	assert_string_equal(attrs_get(&a, "min"), "0");
	attrs_share(&b, &a);
	v = a.v;
	attrs_compact(&a);
	assert_ptr_equal(a.v, v);
	assert_true(attrs_equal(&a, &b));
	attrs_cleanup(&a);
	attrs_cleanup(&b);
}

static void
test_batch_lookup_and_copy(void **state)
{
	struct batch b = {0}, r = {0};
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
	/* an exact reservation, then growth past it as before */
	assert_int_equal(batch_reserve(&r, 3), 0);
	assert_int_equal(r.cap, 3);
	assert_non_null(batch_service(&r, "a", true));
	assert_non_null(batch_service(&r, "b", true));
	assert_non_null(batch_service(&r, "c", true));
	assert_int_equal(r.cap, 3);
	assert_non_null(batch_service(&r, "d", true));
	assert_int_equal(r.n, 4);
	assert_ptr_equal(batch_service(&r, "b", false), &r.services[1]);
	batch_cleanup(&r);
	assert_int_equal(service_copy(&copy, s), 0);
	assert_string_equal(copy.fields[0].name, "load");
	assert_true(copy.fields[0].has_value);
	assert_string_equal(attrs_get(&copy.fields[0].attrs, "type"), "DERIVE");
	service_cleanup(&copy);
	batch_cleanup(&b);
}

/* Past the linear scan the hash index finds every name, in order of
 * arrival, and batch_take refuses a second service of a name. */
static void
test_many_names(void **state)
{
	struct batch b = {0};
	struct service *s, t = {0};
	char name[32];
	size_t i;

	(void)state;
	s = batch_service(&b, "big", true);
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "f%zu", i);
		assert_non_null(service_field(s, name, true));
	}
	assert_int_equal(s->nfields, 5000);
	for (i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "f%zu", i);
		assert_ptr_equal(service_field(s, name, false), &s->fields[i]);
		assert_ptr_equal(service_field(s, name, true), &s->fields[i]);
	}
	assert_int_equal(s->nfields, 5000);
	assert_null(service_field(s, "f5000", false));
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "s%zu", i);
		assert_non_null(batch_service(&b, name, true));
	}
	for (i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "s%zu", i);
		assert_ptr_equal(
		    batch_service(&b, name, false), &b.services[i + 1]);
	}
	t.name = strdup("s17");
	assert_int_equal(batch_take(&b, &t), -1);
	assert_non_null(t.name);
	free(t.name);
	t.name = strdup("new");
	assert_int_equal(batch_take(&b, &t), 0);
	assert_null(t.name);
	assert_ptr_equal(batch_service(&b, "new", false), &b.services[301]);
	assert_int_equal(service_copy(&t, &b.services[0]), 0);
	assert_ptr_equal(service_field(&t, "f4999", false), &t.fields[4999]);
	service_cleanup(&t);
	batch_cleanup(&b);
}

/* batch_clear empties a batch, indexed or not, for names old and new;
 * the services of a few (linear scan) and of more (index) alike. */
static void
test_batch_clear(void **state)
{
	static const size_t counts[] = {3, 40};
	struct batch b = {0};
	struct service *s;
	char name[32];
	size_t i, k, round;

	(void)state;
	for (k = 0; k < 2; k++) {
		for (round = 0; round < 3; round++) {
			for (i = 0; i < counts[k]; i++) {
				snprintf(name, sizeof(name), "s%zu",
				    i + round * counts[k] / 2);
				s = batch_service(&b, name, true);
				assert_non_null(s);
				assert_non_null(service_field(s, "f", true));
			}
			assert_int_equal(b.n, counts[k]);
			assert_ptr_equal(batch_service(&b, name, false), s);
			batch_clear(&b);
			assert_int_equal(b.n, 0);
			assert_null(batch_service(&b, name, false));
			assert_null(batch_service(&b, "s0", false));
		}
	}
	batch_cleanup(&b);
}

/* A field's attributes read once into a field_spec, as each consumer
 * used to read them. */
static void
test_field_spec_parse(void **state)
{
	struct attrs a = {0};
	struct field_spec fs;
	struct field_rules rules, *poison = &rules;
	const struct field_rules *r;

	(void)state;
	memset(&rules, 0xa5, sizeof(rules));
	field_spec_parse(&fs, &rules, &a);
	/* no rules: the shared defaults, the caller's storage untouched */
	assert_false(field_spec_has_rules(&fs));
	assert_ptr_equal(fs.rules, &field_rules_none);
	assert_int_equal(((unsigned char *)poison)[0], 0xa5);
	r = fs.rules;
	assert_int_equal(fs.type, DS_GAUGE);
	assert_null(fs.min);
	assert_null(r->warning);
	assert_null(r->state);
	assert_false(r->has_state);
	assert_int_equal(r->alert_attempts, 0);
	assert_int_equal(r->alert_recover, 1);
	assert_int_equal(r->unknown_limit, 3);
	assert_false(r->has_hysteresis);

	attrs_set(&a, "type", "DERIVE");
	attrs_set(&a, "min", "0");
	attrs_set(&a, "label", "rx");
	attrs_set(&a, "warning", "10:20");
	attrs_set(&a, "critical", "30");
	attrs_set(&a, "nagios_warning", "@5:6");
	attrs_set(&a, "nagios_critical", "not a range");
	attrs_set(&a, "state", "WARNING");
	attrs_set(&a, "graph", "no");
	attrs_set(&a, "alert_attempts", "4");
	attrs_set(&a, "alert_recover", "0");
	attrs_set(&a, "unknown_limit", "x");
	attrs_set(&a, "alert_hysteresis", "-0.5");
	field_spec_parse(&fs, &rules, &a);
	assert_true(field_spec_has_rules(&fs));
	assert_ptr_equal(fs.rules, &rules);
	r = fs.rules;
	assert_int_equal(fs.type, DS_DERIVE);
	assert_string_equal(fs.min, "0");
	assert_null(fs.max);
	assert_string_equal(fs.label, "rx");
	/* the text as written stays with the parsed range */
	assert_string_equal(r->warning, "10:20");
	assert_true(r->warn.has_min && r->warn.min == 10);
	assert_true(r->warn.has_max && r->warn.max == 20);
	assert_true(!r->crit.has_min && r->crit.max == 30);
	assert_true(r->has_nagios_warn && r->nagios_warn.inside);
	/* a Nagios range that does not read leaves Munin's to the engine */
	assert_string_equal(r->nagios_critical, "not a range");
	assert_false(r->has_nagios_crit);
	assert_true(r->has_state);
	assert_int_equal(r->state_is, FS_WARNING);
	assert_false(r->operator_thresholds);
	assert_true(fs.graph_no);
	assert_int_equal(r->alert_attempts, 4);
	assert_int_equal(r->alert_recover, 1);
	assert_int_equal(r->unknown_limit, 3);
	assert_true(r->has_hysteresis);
	assert_true(r->hysteresis == 0.5);

	/* text that names no state or type is kept as text only */
	attrs_set(&a, "state", "Nominal");
	attrs_set(&a, "type", "gauge");
	attrs_set(&a, "threshold_source", "config");
	field_spec_parse(&fs, &rules, &a);
	r = fs.rules;
	assert_string_equal(r->state, "Nominal");
	assert_false(r->has_state);
	assert_int_equal(fs.type, DS_GAUGE);
	assert_true(r->operator_thresholds);

	/* a rule alone (no threshold) still counts as one */
	attrs_cleanup(&a);
	attrs_set(&a, "label", "x");
	attrs_set(&a, "unknown_limit", "7");
	field_spec_parse(&fs, &rules, &a);
	assert_true(field_spec_has_rules(&fs));
	assert_null(fs.rules->warning);
	assert_int_equal(fs.rules->unknown_limit, 7);
	assert_int_equal(fs.rules->alert_recover, 1);
	attrs_cleanup(&a);
}

static void
test_service_config_equal(void **state)
{
	struct service a = {0}, b = {0};

	(void)state;
	a.name = strdup("load");
	b.name = strdup("load");
	attrs_set(&a.graph, "graph_title", "Load");
	attrs_set(&b.graph, "graph_title", "Load");
	attrs_set(&service_field(&a, "load", true)->attrs, "label", "load");
	attrs_set(&service_field(&b, "load", true)->attrs, "label", "load");
	/* values are not config */
	b.fields[0].has_value = true;
	b.fields[0].value = 3;
	assert_true(service_config_equal(&a, &b));
	attrs_set(&b.fields[0].attrs, "warning", "5");
	assert_false(service_config_equal(&a, &b));
	attrs_set(&a.fields[0].attrs, "warning", "5");
	assert_true(service_config_equal(&a, &b));
	attrs_set(&a.graph, "graph_title", "Load average");
	assert_false(service_config_equal(&a, &b));
	attrs_set(&a.graph, "graph_title", "Load");
	service_field(&b, "extra", true);
	assert_false(service_config_equal(&a, &b));
	service_cleanup(&a);
	service_cleanup(&b);
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
	    cmocka_unit_test(test_attrs_share_copy_on_write),
	    cmocka_unit_test(test_service_copy_shares),
	    cmocka_unit_test(test_service_config_keep_replay),
	    cmocka_unit_test(test_attrs_pool),
	    cmocka_unit_test(test_attrs_compact),
	    cmocka_unit_test(test_batch_lookup_and_copy),
	    cmocka_unit_test(test_batch_clear),
	    cmocka_unit_test(test_many_names),
	    cmocka_unit_test(test_field_spec_parse),
	    cmocka_unit_test(test_service_config_equal),
	    cmocka_unit_test(test_sanitise_like_munin),
	    cmocka_unit_test(test_ds_type_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
