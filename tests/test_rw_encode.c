/* Tests for rw_encode: the WriteRequest read back by an independent
 * protobuf reader written here from the wire format's rules (varints,
 * length-delimited fields, little-endian doubles), label order and
 * multi-byte lengths, a batch's series named and labelled as /metrics
 * names them, and snappy's block read back by snappy itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <stdio.h>

#include <snappy-c.h>

#include "catalog/catalog.h"
#include "collector/rw_encode.h"

/* ---- a reader of the wire format ------------------------------------ */

struct rd {
	const unsigned char *p, *end;
};

static uint64_t
rd_varint(struct rd *r)
{
	uint64_t v = 0;
	int shift = 0;

	for (;;) {
		assert_true(r->p < r->end);
		assert_true(shift < 64);
		v |= (uint64_t)(*r->p & 0x7f) << shift;
		if ((*r->p++ & 0x80) == 0)
			return v;
		shift += 7;
	}
}

/* The next field's number and wire type; false at the end. */
static bool
rd_tag(struct rd *r, unsigned *field, unsigned *wt)
{
	uint64_t t;

	if (r->p == r->end)
		return false;
	t = rd_varint(r);
	*field = (unsigned)(t >> 3);
	*wt = (unsigned)(t & 7);
	return true;
}

/* A length-delimited field's bytes as a sub-reader. */
static struct rd
rd_sub(struct rd *r)
{
	uint64_t n = rd_varint(r);
	struct rd s;

	assert_true(n <= (uint64_t)(r->end - r->p));
	s.p = r->p;
	s.end = r->p + n;
	r->p += n;
	return s;
}

#define MAXL 8
struct series {
	char name[MAXL][64];
	char value[MAXL][512];
	size_t nlabels;
	double v;
	int64_t ts;
	size_t nsamples;
};

static void
copy_str(char *dst, size_t size, struct rd s)
{
	size_t n = (size_t)(s.end - s.p);

	assert_true(n < size);
	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static void
read_label(struct series *se, struct rd r)
{
	unsigned f, wt;

	assert_true(se->nlabels < MAXL);
	while (rd_tag(&r, &f, &wt)) {
		assert_int_equal(wt, 2);
		if (f == 1)
			copy_str(se->name[se->nlabels], 64, rd_sub(&r));
		else if (f == 2)
			copy_str(se->value[se->nlabels], 512, rd_sub(&r));
		else
			fail_msg("label field %u", f);
	}
	se->nlabels++;
}

static void
read_sample(struct series *se, struct rd r)
{
	unsigned f, wt, i;
	uint64_t bits = 0;

	while (rd_tag(&r, &f, &wt)) {
		if (f == 1) {
			assert_int_equal(wt, 1);
			assert_true(r.end - r.p >= 8);
			for (i = 0; i < 8; i++)
				bits |= (uint64_t)r.p[i] << (8 * i);
			r.p += 8;
			memcpy(&se->v, &bits, sizeof(bits));
		} else if (f == 2) {
			assert_int_equal(wt, 0);
			se->ts = (int64_t)rd_varint(&r);
		} else {
			fail_msg("sample field %u", f);
		}
	}
	se->nsamples++;
}

/* Reads a WriteRequest into se[0..max); returns the series. */
static size_t
read_request(const char *p, size_t len, struct series *se, size_t max)
{
	struct rd r = {
	    (const unsigned char *)p, (const unsigned char *)p + len};
	struct rd ts;
	unsigned f, wt;
	size_t n = 0;

	while (rd_tag(&r, &f, &wt)) {
		assert_int_equal(f, 1);
		assert_int_equal(wt, 2);
		assert_true(n < max);
		memset(&se[n], 0, sizeof(se[n]));
		ts = rd_sub(&r);
		while (rd_tag(&ts, &f, &wt)) {
			assert_int_equal(wt, 2);
			if (f == 1)
				read_label(&se[n], rd_sub(&ts));
			else if (f == 2)
				read_sample(&se[n], rd_sub(&ts));
			else
				fail_msg("series field %u", f);
		}
		n++;
	}
	return n;
}

/* The value of label name of se, or NULL. */
static const char *
label_of(const struct series *se, const char *name)
{
	size_t i;

	for (i = 0; i < se->nlabels; i++)
		if (strcmp(se->name[i], name) == 0)
			return se->value[i];
	return NULL;
}

/* ---- tests ------------------------------------------------------------ */

static void
test_series_round_trip(void **state)
{
	char longv[300];
	struct rw_label l[3] = {
	    {"__name__", "m", 1}, {"a", "", 0}, {"z", longv, sizeof(longv)}};
	struct buf b = {0};
	struct series se[2];
	size_t n;

	(void)state;
	memset(longv, 'x', sizeof(longv)); /* a length of two varint bytes */
	rw_encode_series(&b, l, 3, -1.5e-7, 1796296300123LL);
	rw_encode_series(&b, l, 1, 123456789012.0, 0);
	assert_false(b.oom);
	n = read_request(b.p, b.len, se, 2);
	assert_int_equal(n, 2);
	assert_int_equal(se[0].nlabels, 3);
	assert_string_equal(se[0].name[0], "__name__");
	assert_string_equal(se[0].value[0], "m");
	assert_string_equal(se[0].name[1], "a");
	assert_string_equal(se[0].value[1], "");
	assert_int_equal(strlen(se[0].value[2]), 300);
	assert_int_equal(se[0].nsamples, 1);
	assert_true(se[0].v == -1.5e-7);
	assert_true(se[0].ts == 1796296300123LL);
	assert_int_equal(se[1].nlabels, 1);
	assert_true(se[1].v == 123456789012.0);
	assert_true(se[1].ts == 0);
	buf_free(&b);
}

static void
add_field(struct service *s, const char *name, const char *type, double v,
    bool unknown)
{
	struct field *f = service_field(s, name, true);

	attrs_set(&f->attrs, "label", name);
	if (type != NULL)
		attrs_set(&f->attrs, "type", type);
	f->has_value = true;
	f->value = v;
	f->unknown = unknown;
}

static const struct series *
find(const struct series *se, size_t n, const char *plugin, const char *field)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(label_of(&se[i], "plugin"), plugin) == 0 &&
		    strcmp(label_of(&se[i], "field"), field) == 0)
			return &se[i];
	return NULL;
}

static void
test_batch_as_metrics(void **state)
{
	static const char *const want[] = {
	    "__name__", "field", "group", "host", "physical", "plugin"};
	struct catalog *cat = catalog_new();
	struct buf out = {0}, scratch = {0};
	struct batch b = {0};
	struct series se[8];
	const struct series *x;
	struct service *s;
	struct cat_host *h;
	size_t n, i, j;

	(void)state;
	/* a Latin-1 byte in the group: U+FFFD, as on /metrics */
	h = catalog_host(cat, "web\"1", "grp;caf\xe9", "kvm1");
	s = batch_service(&b, "if_eth0", true);
	s->has_config = true;
	add_field(s, "down", "DERIVE", 123456789012.0, false);
	add_field(s, "up", "COUNTER", 42, false);
	s = batch_service(&b, "load", true);
	s->has_config = true;
	add_field(s, "load", NULL, 0.25, false);
	add_field(s, "gone", "GAUGE", 0, true);
	add_field(s, "neg", "GAUGE", -1.5, false);
	service_field(s, "neg", false)->when = 900;
	s = batch_service(&b, "ticks", true);
	s->has_config = true;
	add_field(s, "n", "ABSOLUTE", 7, false);
	catalog_update(cat, h, 1200, &b);
	n = rw_encode_batch(&out, &scratch, h, &b);
	assert_int_equal(n, 5); /* "gone" is U: left out */
	assert_int_equal(read_request(out.p, out.len, se, 8), 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(se[i].nlabels, 6);
		for (j = 0; j < 6; j++) /* sorted by name */
			assert_string_equal(se[i].name[j], want[j]);
		assert_string_equal(label_of(&se[i], "host"), "web\"1");
		assert_string_equal(
		    label_of(&se[i], "group"), "grp;caf\xef\xbf\xbd");
		assert_string_equal(label_of(&se[i], "physical"), "kvm1");
	}
	x = find(se, 5, "if_eth0", "down");
	assert_non_null(x);
	assert_string_equal(label_of(x, "__name__"), "drover_field_total");
	assert_true(x->v == 123456789012.0 && x->ts == 1200000);
	x = find(se, 5, "if_eth0", "up");
	assert_string_equal(label_of(x, "__name__"), "drover_field_total");
	x = find(se, 5, "load", "load");
	assert_string_equal(label_of(x, "__name__"), "drover_field_value");
	assert_true(x->v == 0.25);
	x = find(se, 5, "load", "neg");
	assert_true(x->v == -1.5 && x->ts == 900000); /* its own time */
	x = find(se, 5, "ticks", "n");
	assert_string_equal(label_of(x, "__name__"), "drover_field_absolute");
	assert_null(find(se, 5, "load", "gone"));
	buf_free(&out);
	buf_free(&scratch);
	batch_cleanup(&b);
	catalog_free(cat);
}

static void
test_snappy_round_trip(void **state)
{
	struct rw_label l[1] = {{"__name__", "drover_field_value", 18}};
	struct buf b = {0};
	char *z = NULL, *back, *zs = NULL;
	size_t zlen = 0, blen, i, zcap = 0;

	(void)state;
	for (i = 0; i < 1000; i++)
		rw_encode_series(&b, l, 1, (double)i, 1796296300000LL);
	assert_int_equal(rw_compress(b.p, b.len, &zs, &zcap, &z, &zlen), 0);
	assert_true(zlen < b.len / 2); /* repetitive: it compresses */
	assert_int_equal(snappy_validate_compressed_buffer(z, zlen), SNAPPY_OK);
	assert_int_equal(snappy_uncompressed_length(z, zlen, &blen), SNAPPY_OK);
	assert_int_equal(blen, b.len);
	back = malloc(blen);
	assert_non_null(back);
	assert_int_equal(snappy_uncompress(z, zlen, back, &blen), SNAPPY_OK);
	assert_memory_equal(back, b.p, b.len);
	free(back);
	free(z);
	/* an empty request compresses too */
	assert_int_equal(rw_compress("", 0, &zs, &zcap, &z, &zlen), 0);
	free(z);
	free(zs);
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_series_round_trip),
	    cmocka_unit_test(test_batch_as_metrics),
	    cmocka_unit_test(test_snappy_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
