/* Tests for guest_map: learning hypervisors' reports, matching hosts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "collector/guest_map.h"

/* Adds guest field to service svc of b: label (NULL: none), value
 * (negative: "U"). */
static void
add(struct batch *b, const char *svc, const char *field, const char *label,
    double value)
{
	struct service *s = batch_service(b, svc, true);
	struct field *f;

	assert_non_null(s);
	f = service_field(s, field, true);
	assert_non_null(f);
	if (label != NULL)
		assert_int_equal(attrs_set(&f->attrs, "label", label), 0);
	f->has_value = true;
	f->unknown = value < 0;
	f->value = value < 0 ? 0 : value;
}

/* A report of guests "name=value" (value 1, 0 or U), labelled. */
static bool
report(struct guest_map *m, const char *hyp, const char *svc,
    const char *const *guests)
{
	struct batch b = {0};
	char name[64];
	const char *eq;
	bool changed;

	for (; *guests != NULL; guests++) {
		eq = strchr(*guests, '=');
		snprintf(
		    name, sizeof(name), "%.*s", (int)(eq - *guests), *guests);
		add(&b, svc, name, name, eq[1] == 'U' ? -1 : eq[1] - '0');
	}
	/* a service that is not a state service says nothing */
	add(&b, "vm_cpu", "ghost", "ghost", 1);
	changed = guest_map_learn(m, hyp, &b);
	batch_cleanup(&b);
	return changed;
}

static const char *
match_name(const struct guest_map *m, const char *name)
{
	struct guest_ident id = {name, NULL, NULL};

	return guest_map_match(m, &id, NULL);
}

static void
test_running_guests_only(void **state)
{
	struct guest_map *m = guest_map_new();
	const char *r1[] = {"web1=1", "web2=0", "web3=U", NULL};

	(void)state;
	assert_true(report(m, "kvm1", "vm_state", r1));
	assert_string_equal(match_name(m, "web1"), "kvm1");
	assert_null(match_name(m, "web2"));  /* stopped */
	assert_null(match_name(m, "web3"));  /* unknown is not running */
	assert_null(match_name(m, "ghost")); /* vm_cpu only */
	assert_null(match_name(m, "db1"));
	/* the same report again changes nothing */
	assert_false(report(m, "kvm1", "vm_state", r1));
	guest_map_free(m);
}

/* A reading that failed (every state U: xentop timed out) moves no
 * guest: running ones stay, stopped ones stay stopped. */
static void
test_unknown_keeps_state(void **state)
{
	struct guest_map *m = guest_map_new();
	const char *r1[] = {"web1=1", "web2=0", NULL};
	const char *r2[] = {"web1=U", "web2=U", NULL};

	(void)state;
	assert_true(report(m, "kvm1", "vm_state", r1));
	assert_false(report(m, "kvm1", "vm_state", r2));
	assert_string_equal(match_name(m, "web1"), "kvm1");
	assert_null(match_name(m, "web2"));
	guest_map_free(m);
}

static void
test_stopped_or_gone_guest_leaves(void **state)
{
	struct guest_map *m = guest_map_new();
	const char *r1[] = {"web1=1", "web2=1", NULL};
	const char *r2[] = {"web1=0", NULL};
	const char *none[] = {NULL};

	(void)state;
	assert_true(report(m, "kvm1", "vm_state", r1));
	assert_true(report(m, "kvm1", "vm_state", r2));
	assert_null(match_name(m, "web1")); /* reported 0 */
	assert_null(match_name(m, "web2")); /* no longer reported */
	assert_true(report(m, "kvm1", "vm_state", r1));
	/* a batch without a state service reports no guests */
	assert_true(report(m, "kvm1", "vm_cpu", none));
	assert_null(match_name(m, "web1"));
	guest_map_free(m);
}

static void
test_xen_state_counts(void **state)
{
	struct guest_map *m = guest_map_new();
	const char *r[] = {"dom1=1", NULL};

	(void)state;
	assert_true(report(m, "xen1", "xen_state", r));
	assert_string_equal(match_name(m, "dom1"), "xen1");
	assert_true(guest_map_forget(m, "xen1"));
	assert_null(match_name(m, "dom1"));
	assert_false(guest_map_forget(m, "xen1"));
	assert_null(guest_map_hypervisor(m, 0));
	guest_map_free(m);
}

static void
test_migration_newest_wins_without_flapping(void **state)
{
	struct guest_map *m = guest_map_new();
	const char *on1[] = {"web3=1", "web4=1", NULL};
	const char *on2[] = {"web3=1", NULL};
	const char *only4[] = {"web4=1", NULL};

	(void)state;
	report(m, "kvm1", "vm_state", on1);
	assert_string_equal(match_name(m, "web3"), "kvm1");
	/* in flight: both report it running; kvm2 began last, kvm2 wins */
	assert_true(report(m, "kvm2", "vm_state", on2));
	assert_string_equal(match_name(m, "web3"), "kvm2");
	/* kvm1 reporting it again does not take it back */
	assert_false(report(m, "kvm1", "vm_state", on1));
	assert_string_equal(match_name(m, "web3"), "kvm2");
	assert_string_equal(match_name(m, "web4"), "kvm1");
	/* migration done: kvm1 drops it, still kvm2 */
	assert_true(report(m, "kvm1", "vm_state", only4));
	assert_string_equal(match_name(m, "web3"), "kvm2");
	/* and back: kvm1 starts it again, kvm2 still reports it */
	report(m, "kvm1", "vm_state", on1);
	assert_string_equal(match_name(m, "web3"), "kvm1");
	/* kvm1 stops it while kvm2 still runs it: it falls back */
	report(m, "kvm1", "vm_state", only4);
	assert_string_equal(match_name(m, "web3"), "kvm2");
	guest_map_free(m);
}

static void
test_match_order(void **state)
{
	struct guest_map *m = guest_map_new();
	const char *r[] = {"web5=1", "DB1.Example.Net=1", "10.0.0.7=1",
	    "mail=1", "kvm2=1", NULL};
	const char *r2[] = {"db1=1", NULL};
	const char *field = NULL;
	struct guest_ident id = {0};

	(void)state;
	report(m, "kvm1", "vm_state", r);
	report(m, "kvm2", "vm_state", r2);
	/* the host name, case-insensitively */
	id.name = "db1.example.net";
	assert_string_equal(guest_map_match(m, &id, &field), "kvm1");
	assert_string_equal(field, "DB1.Example.Net");
	/* the short name */
	id.name = "web5.example.net";
	assert_string_equal(guest_map_match(m, &id, NULL), "kvm1");
	/* the full name wins over the short one */
	id.name = "DB1";
	assert_string_equal(guest_map_match(m, &id, NULL), "kvm2");
	/* vm_name alone: the name is not tried when it is set */
	id.name = "web5";
	id.vm_name = "db1";
	assert_string_equal(guest_map_match(m, &id, NULL), "kvm2");
	id.vm_name = "nothere";
	assert_null(guest_map_match(m, &id, NULL));
	id.vm_name = NULL;
	/* the address, a name, and its short name */
	id.name = "frontend";
	id.address = "mail.example.net";
	assert_string_equal(guest_map_match(m, &id, NULL), "kvm1");
	/* an IP only as it is: never "10" */
	id.address = "10.0.0.7";
	assert_string_equal(guest_map_match(m, &id, NULL), "kvm1");
	id.address = "10.0.0.8";
	assert_null(guest_map_match(m, &id, NULL));
	/* a host is never its own guest */
	id.name = "kvm2";
	id.address = NULL;
	assert_string_equal(guest_map_match(m, &id, NULL), "kvm1");
	id.name = "kvm1";
	report(m, "kvm1", "vm_state", (const char *[]){"kvm1=1", NULL});
	assert_null(guest_map_match(m, &id, NULL));
	guest_map_free(m);
}

static void
test_unlabelled_by_field_name(void **state)
{
	struct guest_map *m = guest_map_new();
	struct batch b = {0};
	const char *field = NULL;
	struct guest_ident id = {"web-7.example.net", NULL, NULL};

	(void)state;
	/* a field a fetch added before its config carried a label */
	add(&b, "vm_state", "web_7_example_net", NULL, 1);
	assert_true(guest_map_learn(m, "kvm1", &b));
	assert_string_equal(guest_map_match(m, &id, &field), "kvm1");
	assert_string_equal(field, "web_7_example_net");
	batch_cleanup(&b);
	guest_map_free(m);
}

static void
test_many_hypervisors(void **state)
{
	struct guest_map *m = guest_map_new();
	char hyp[32], guest[32];
	const char *r[2] = {guest, NULL};
	char g[40];
	int i;

	(void)state;
	for (i = 0; i < 40; i++) {
		snprintf(hyp, sizeof(hyp), "kvm%d", i);
		snprintf(guest, sizeof(guest), "g%d=1", i);
		assert_true(report(m, hyp, "vm_state", r));
	}
	for (i = 0; i < 40; i++) {
		snprintf(g, sizeof(g), "g%d", i);
		snprintf(hyp, sizeof(hyp), "kvm%d", i);
		assert_string_equal(match_name(m, g), hyp);
		assert_non_null(guest_map_hypervisor(m, (size_t)i));
	}
	assert_true(guest_map_forget(m, "kvm3"));
	assert_null(match_name(m, "g3"));
	assert_string_equal(match_name(m, "g39"), "kvm39");
	guest_map_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_running_guests_only),
	    cmocka_unit_test(test_unknown_keeps_state),
	    cmocka_unit_test(test_stopped_or_gone_guest_leaves),
	    cmocka_unit_test(test_xen_state_counts),
	    cmocka_unit_test(test_migration_newest_wins_without_flapping),
	    cmocka_unit_test(test_match_order),
	    cmocka_unit_test(test_unlabelled_by_field_name),
	    cmocka_unit_test(test_many_hypervisors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
