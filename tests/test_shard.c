/* Tests for shard: the hash, the split of hosts among collectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "collector/shard.h"

/* c from text, errors into errs. */
static struct conf *
parse(const char *text, struct conf_errors *errs)
{
	struct conf *c = conf_new();

	assert_non_null(c);
	c->local_node = false;
	conf_parse_buf(c, "t.conf", text, strlen(text), errs);
	conf_finish(c, errs);
	return c;
}

static bool
has_error(const struct conf_errors *e, const char *needle)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strstr(e->v[i], needle) != NULL)
			return true;
	return false;
}

/* The published FNV-1a 64 test vectors (Fowler, Noll, Vo). */
static void
test_fnv_vectors(void **state)
{
	(void)state;
	assert_true(shard_hash("") == 0xcbf29ce484222325ULL);
	assert_true(shard_hash("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(shard_hash("foobar") == 0x85944171f73967e8ULL);
}

/*
 * Values computed apart from drover, with python3:
 *   h = 14695981039346656037
 *   for b in name.encode(): h = ((h ^ b) * 1099511628211) % 2**64
 * and shard h % N + 1.  A change here moves hosts between collectors
 * of a running cluster.
 */
static void
test_pinned(void **state)
{
	static const struct {
		const char *name;
		uint64_t hash;
		unsigned of3, of5;
	} v[] = {
	    {"kvm1", 0xc84156d79c2330feULL, 1, 5},
	    {"kvm2", 0xc84155d79c232f4bULL, 3, 4},
	    {"kvm3", 0xc84154d79c232d98ULL, 2, 3},
	    {"db1", 0xca896918f453f7d6ULL, 3, 2},
	    {"web-3.example.org", 0x4c0483ce890ad72dULL, 3, 5},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_true(shard_hash(v[i].name) == v[i].hash);
		assert_int_equal(shard_of(v[i].name, 3), v[i].of3);
		assert_int_equal(shard_of(v[i].name, 5), v[i].of5);
		assert_int_equal(shard_of(v[i].name, 1), 1);
	}
}

/* For N = 1..7 collectors, every host of a config belongs to exactly
 * one of them, and the hash spreads 300 hosts over all of them. */
static void
test_exactly_one(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c[8];
	char *text = malloc(64 * 1024), line[128];
	size_t i, len = 0;
	unsigned n, k, owners, used;

	(void)state;
	assert_non_null(text);
	text[0] = '\0';
	for (i = 0; i < 300; i++) {
		snprintf(line, sizeof(line),
		    "[h%zu.example]\naddress 127.0.0.1\n", i);
		memcpy(text + len, line, strlen(line) + 1);
		len += strlen(line);
	}
	for (n = 1; n <= 7; n++) {
		for (k = 1; k <= n; k++) {
			char head[64];
			char *t = malloc(len + sizeof(head));

			assert_non_null(t);
			snprintf(head, sizeof(head), "shard %u/%u\n", k, n);
			strcpy(t, head);
			strcat(t, text);
			c[k] = parse(t, &errs);
			assert_int_equal(errs.n, 0);
			assert_int_equal(c[k]->shard_index, k);
			assert_int_equal(c[k]->nhosts, 300);
			free(t);
		}
		used = 0;
		for (k = 1; k <= n; k++) {
			unsigned mine = 0;

			for (i = 0; i < 300; i++)
				mine += shard_owns(c[k], &c[k]->hosts[i]);
			used += mine > 0;
		}
		assert_int_equal(used, n);
		for (i = 0; i < 300; i++) {
			owners = 0;
			for (k = 1; k <= n; k++)
				owners += shard_owns(c[k], &c[k]->hosts[i]);
			assert_int_equal(owners, 1);
		}
		for (k = 1; k <= n; k++)
			conf_free(c[k]);
	}
	free(text);
}

/* A hypervisor and the guests configured on it share a shard, whatever
 * the guests' own names hash to; a guest without physical goes by its
 * name; the built-in local host is always its collector's. */
static void
test_hypervisor_and_guests(void **state)
{
	static const char *text = "[kvm1]\naddress 127.0.0.1\n"
				  "[g1]\naddress 127.0.0.1\nphysical kvm1\n"
				  "[g2]\naddress 127.0.0.1\nphysical kvm1\n"
				  "[g3]\naddress 127.0.0.1\nphysical kvm1\n"
				  "[loose]\naddress 127.0.0.1\n";
	struct conf_errors errs = {0};
	struct conf *c;
	char buf[1024];
	unsigned k, kvm = 0;
	size_t i;

	(void)state;
	for (k = 1; k <= 3; k++) {
		snprintf(buf, sizeof(buf), "shard %u/3\n%s", k, text);
		c = parse(buf, &errs);
		assert_int_equal(errs.n, 0);
		assert_string_equal(shard_key(conf_host_find(c, "g2")), "kvm1");
		for (i = 0; i < c->nhosts; i++)
			if (strcmp(c->hosts[i].name, "loose") == 0)
				assert_int_equal(shard_owns(c, &c->hosts[i]),
				    shard_of("loose", 3) == k);
			else
				assert_int_equal(shard_owns(c, &c->hosts[i]),
				    shard_of("kvm1", 3) == k);
		if (shard_owns(c, conf_host_find(c, "kvm1")))
			kvm = k;
		c->hosts[0].local = true; /* as conf_finish marks it */
		assert_true(shard_owns(c, &c->hosts[0]));
		conf_free(c);
	}
	assert_int_equal(kvm, shard_of("kvm1", 3));
}

static void
test_explicit_lists(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c =
	    parse("shard_physical kvm1, kvm2\nshard_physical kvm2\n"
		  "[kvm1]\naddress 127.0.0.1\n"
		  "[g1]\naddress 127.0.0.1\nphysical kvm1\n"
		  "[kvm3]\naddress 127.0.0.1\n",
		&errs);

	(void)state;
	assert_int_equal(errs.n, 0);
	assert_int_equal(c->shard_physical.n, 2);
	assert_true(shard_enabled(c));
	assert_true(shard_owns(c, conf_host_find(c, "kvm1")));
	assert_true(shard_owns(c, conf_host_find(c, "g1")));
	assert_false(shard_owns(c, conf_host_find(c, "kvm3")));
	conf_free(c);
}

static void
test_parse(void **state)
{
	static const char *bad[] = {"0/3", "4/3", "1/0", "a/3", "1/3x", "1",
	    "/3", "1/", "-1/3", "1/1025", ""};
	struct conf_errors errs = {0};
	struct conf *c;
	unsigned i, n;
	size_t k;

	(void)state;
	assert_true(shard_parse("1/1", &i, &n));
	assert_true(shard_parse("3/3", &i, &n));
	assert_int_equal(i, 3);
	assert_int_equal(n, 3);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++)
		assert_false(shard_parse(bad[k], &i, &n));
	c = parse("shard 4/3\n", &errs);
	assert_true(has_error(&errs, "t.conf:1"));
	assert_true(has_error(&errs, "shard must be I/N"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	c = parse("shard 1/3\nshard_physical kvm1\n", &errs);
	assert_true(has_error(&errs, "exclude each other"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	c = parse("peer ftp://x\n", &errs);
	assert_true(has_error(&errs, "peer must be a URL"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	/* unsharded: every host is this collector's */
	c = parse("shard 1/1\n[a]\naddress 127.0.0.1\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_false(shard_enabled(c));
	assert_true(shard_owns(c, conf_host_find(c, "a")));
	conf_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fnv_vectors),
	    cmocka_unit_test(test_pinned),
	    cmocka_unit_test(test_exactly_one),
	    cmocka_unit_test(test_hypervisor_and_guests),
	    cmocka_unit_test(test_explicit_lists),
	    cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
