/* Tests for vedirect_proto: the VE.Direct text block machine (good
 * blocks, bad checksums, cut blocks, hex messages, overlong lines, binary
 * garbage, blocks split down to single bytes) and the bank mapping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plugins/vedirect_proto.h"

/* An MPPT's block (the fields of a SmartSolar 75/15), without checksum. */
static const char mppt[] =
    "\r\nPID\t0xA053\r\nFW\t159\r\nSER#\tHQ2132ABCDE\r\nV\t12800"
    "\r\nI\t-1500\r\nVPV\t18500\r\nPPV\t37\r\nCS\t3\r\nMPPT\t2"
    "\r\nERR\t0\r\nLOAD\tON\r\nIL\t300\r\nH19\t1234\r\nH20\t12"
    "\r\nH21\t80\r\nH22\t15\r\nH23\t90\r\nHSDS\t12\r\nChecksum\t";

/* body + its checksum byte (+ delta, to break it) into out; length. */
static size_t
block(const char *body, int delta, unsigned char *out)
{
	size_t n = strlen(body), i;
	unsigned sum = 0;

	memcpy(out, body, n);
	for (i = 0; i < n; i++)
		sum += (unsigned char)body[i];
	out[n] = (unsigned char)((256 - sum % 256 + delta) % 256);
	return n + 1;
}

/* Feeds buf in pieces of step bytes; counts the events. */
struct tally {
	unsigned frames, bad, garbage;
	struct vedirect_frame last;
};

static void
feed_all(struct vedirect_parser *p, const unsigned char *buf, size_t len,
    size_t step, struct tally *t)
{
	enum vedirect_event ev;
	size_t off = 0, piece, used;

	while (off < len) {
		piece = len - off < step ? len - off : step;
		while (piece > 0) {
			used = vedirect_feed(p, buf + off, piece, &ev);
			off += used;
			piece -= used;
			if (ev == VEDIRECT_FRAME) {
				t->frames++;
				t->last = p->frame;
			} else if (ev == VEDIRECT_BAD_CHECKSUM)
				t->bad++;
			else if (ev == VEDIRECT_GARBAGE)
				t->garbage++;
		}
	}
}

/* A parser already in step (it has seen one block's end). */
static void
synced(struct vedirect_parser *p)
{
	unsigned char b[16];
	struct tally t = {0};
	size_t n = block("\r\nChecksum\t", 0, b);

	vedirect_parser_init(p);
	feed_all(p, b, n, n, &t);
	assert_int_equal(t.frames + t.bad + t.garbage, 0);
}

static void
test_good_block(void **state)
{
	struct vedirect_parser p;
	unsigned char buf[1024];
	struct tally t = {0};
	size_t n;

	(void)state;
	synced(&p);
	n = block(mppt, 0, buf);
	feed_all(&p, buf, n, n, &t);
	assert_int_equal(t.frames, 1);
	assert_int_equal(t.last.n, 18);
	assert_string_equal(vedirect_get(&t.last, "V"), "12800");
	assert_string_equal(vedirect_get(&t.last, "SER#"), "HQ2132ABCDE");
	assert_string_equal(vedirect_get(&t.last, "HSDS"), "12");
	assert_null(vedirect_get(&t.last, "Checksum"));
	assert_int_equal(p.frames, 1);
	assert_int_equal(p.bad_checksums, 0);
}

/* Out of step at first: the block a port opens into is not trusted;
 * the next one is. */
static void
test_first_block_syncs(void **state)
{
	struct vedirect_parser p;
	unsigned char buf[2048];
	struct tally t = {0};
	size_t n;

	(void)state;
	vedirect_parser_init(&p);
	n = block(mppt + 20, 0, buf); /* opened mid-block */
	n += block(mppt, 0, buf + n);
	feed_all(&p, buf, n, n, &t);
	assert_int_equal(t.frames, 1);
	assert_int_equal(t.bad + t.garbage, 0);
	assert_string_equal(vedirect_get(&t.last, "PID"), "0xA053");
}

static void
test_bad_checksum(void **state)
{
	struct vedirect_parser p;
	unsigned char buf[4096];
	struct tally t = {0};
	size_t n;

	(void)state;
	synced(&p);
	n = block(mppt, 0, buf);
	n += block(mppt, 1, buf + n);
	n += block(mppt, 0, buf + n);
	feed_all(&p, buf, n, n, &t);
	assert_int_equal(t.frames, 2);
	assert_int_equal(t.bad, 1);
	assert_int_equal(p.bad_checksums, 1);
	assert_int_equal(t.garbage, 0);
}

/* The checksum byte may be any byte: "\r", "\n", ":" or "\t". */
static void
test_checksum_byte_any_value(void **state)
{
	struct vedirect_parser p;
	unsigned char buf[64];
	struct tally t;
	char body[64];
	unsigned sum;
	size_t n, i, k;
	int c;

	(void)state;
	/* pad a value until the checksum byte is each awkward byte */
	for (c = 0; c < 256; c++) {
		for (k = 0; k < 256; k++) {
			snprintf(
			    body, sizeof(body), "\r\nX\t%zu\r\nChecksum\t", k);
			for (sum = 0, i = 0; body[i] != '\0'; i++)
				sum += (unsigned char)body[i];
			if ((256 - sum % 256) % 256 == (unsigned)c)
				break;
		}
		if (k == 256)
			continue;
		synced(&p);
		memset(&t, 0, sizeof(t));
		n = block(body, 0, buf);
		n += block(body, 0, buf + n);
		feed_all(&p, buf, n, n, &t);
		assert_int_equal(t.frames, 2);
		assert_int_equal(t.bad + t.garbage, 0);
	}
}

/* A block cut mid-line (the device reset, a cable wiggled) runs into
 * the next one: that sum is wrong, the one after is good again. */
static void
test_cut_mid_line(void **state)
{
	struct vedirect_parser p;
	unsigned char buf[4096];
	struct tally t = {0};
	size_t n;

	(void)state;
	synced(&p);
	memcpy(buf, mppt, 40); /* "...\r\nV\t128" cut */
	n = 40;
	n += block(mppt, 0, buf + n);
	n += block(mppt, 0, buf + n);
	feed_all(&p, buf, n, n, &t);
	assert_int_equal(t.frames, 1);
	assert_int_equal(t.bad + t.garbage, 1);
	assert_string_equal(vedirect_get(&t.last, "V"), "12800");

	/* cut inside a label: "\r" in a label is garbage, in step again at
	 * the next block's end */
	memset(&t, 0, sizeof(t));
	synced(&p);
	memcpy(buf, "\r\nPID\t0xA053\r\nVP", 16);
	n = 16;
	n += block(mppt, 0, buf + n);
	n += block(mppt, 0, buf + n);
	feed_all(&p, buf, n, n, &t);
	assert_int_equal(t.garbage, 1);
	assert_int_equal(t.frames, 1);
}

/* Hex messages between fields, between blocks and inside a value are
 * skipped and left out of the sum. */
static void
test_hex_interleaved(void **state)
{
	static const char hex[] = ":A0102000543\n";
	struct vedirect_parser p;
	unsigned char good[1024], buf[4096];
	struct tally t = {0};
	size_t n, g, at[] = {0, 2, 14, 37, 39};
	size_t i, w;

	(void)state;
	g = block(mppt, 0, good);
	synced(&p);
	n = 0;
	memcpy(buf + n, hex, strlen(hex));
	n += strlen(hex);
	/* the block with hex messages cut in at several places */
	for (i = w = 0; i < g; i++) {
		if (w < sizeof(at) / sizeof(at[0]) && at[w] == i) {
			memcpy(buf + n, hex, strlen(hex));
			n += strlen(hex);
			w++;
		}
		buf[n++] = good[i];
	}
	memcpy(buf + n, hex, strlen(hex));
	n += strlen(hex);
	n += block(mppt, 0, buf + n);
	feed_all(&p, buf, n, n, &t);
	assert_int_equal(t.bad + t.garbage, 0);
	assert_int_equal(t.frames, 2);
	assert_int_equal(p.hex, 7);
	assert_string_equal(vedirect_get(&t.last, "V"), "12800");
	assert_string_equal(vedirect_get(&t.last, "PID"), "0xA053");
}

static void
test_overlong_lines(void **state)
{
	struct vedirect_parser p;
	unsigned char buf[4096];
	struct tally t = {0};
	char body[512];
	size_t n;

	(void)state;
	/* a value one byte over the bound */
	synced(&p);
	snprintf(body, sizeof(body), "\r\nV\t%0*d\r\nChecksum\t",
	    VEDIRECT_VALUE_MAX + 1, 1);
	n = block(body, 0, buf);
	n += block(mppt, 0, buf + n);
	n += block(mppt, 0, buf + n);
	feed_all(&p, buf, n, n, &t);
	assert_int_equal(t.garbage, 1);
	assert_string_equal(p.why, "overlong value");
	assert_int_equal(t.frames, 2); /* the block's end resynchronised */

	/* a value exactly at the bound is fine */
	memset(&t, 0, sizeof(t));
	synced(&p);
	snprintf(body, sizeof(body), "\r\nV\t%0*d\r\nChecksum\t",
	    VEDIRECT_VALUE_MAX, 1);
	n = block(body, 0, buf);
	feed_all(&p, buf, n, n, &t);
	assert_int_equal(t.frames, 1);

	/* an overlong label */
	memset(&t, 0, sizeof(t));
	synced(&p);
	snprintf(body, sizeof(body), "\r\n%0*d\t1\r\nChecksum\t",
	    VEDIRECT_LABEL_MAX + 1, 7);
	n = block(body, 0, buf);
	n += block(mppt, 0, buf + n);
	feed_all(&p, buf, n, n, &t);
	assert_int_equal(t.garbage, 1);
	assert_string_equal(p.why, "overlong label");

	/* too many fields */
	memset(&t, 0, sizeof(t));
	synced(&p);
	body[0] = '\0';
	for (n = 0; n <= VEDIRECT_FIELDS_MAX; n++)
		strcat(body, "\r\nH1\t1");
	strcat(body, "\r\nChecksum\t");
	n = block(body, 0, buf);
	n += block(mppt, 0, buf + n);
	feed_all(&p, buf, n, n, &t);
	assert_int_equal(t.garbage, 1);
	assert_int_equal(t.frames, 1);
	assert_string_equal(p.why, "too many fields in a block");
}

/* Random bytes never crash it, and a good block after them is read once
 * the machine is in step again. */
static void
test_binary_garbage(void **state)
{
	struct vedirect_parser p;
	unsigned char buf[70000];
	struct tally t = {0};
	unsigned seed = 12345;
	size_t n, i;

	(void)state;
	vedirect_parser_init(&p);
	for (i = 0; i < 65536; i++) {
		seed = seed * 1103515245 + 12345;
		buf[i] = (unsigned char)(seed >> 16);
	}
	n = 65536;
	n += block(mppt, 0, buf + n);
	n += block(mppt, 0, buf + n);
	feed_all(&p, buf, n, 4096, &t);
	assert_true(t.frames >= 1);
	assert_string_equal(vedirect_get(&t.last, "V"), "12800");
	/* the same through a synced parser: garbage counted, no frame lost
	 * after the resync */
	memset(&t, 0, sizeof(t));
	synced(&p);
	memcpy(buf, "\r\nV\t12\x01\x02\xff", 9);
	n = 9;
	n += block(mppt, 0, buf + n);
	n += block(mppt, 0, buf + n);
	feed_all(&p, buf, n, n, &t);
	assert_int_equal(t.garbage, 1);
	assert_string_equal(p.why, "control byte in a value");
	assert_int_equal(t.frames, 1);
}

/* One byte per read parses exactly as the whole buffer at once. */
static void
test_byte_by_byte(void **state)
{
	struct vedirect_parser p;
	unsigned char buf[4096];
	struct tally t = {0};
	size_t n;

	(void)state;
	vedirect_parser_init(&p);
	n = block(mppt + 7, 0, buf); /* a tail first */
	n += block(mppt, 0, buf + n);
	n += block(mppt, 5, buf + n);
	memcpy(buf + n, ":7F0ED0071\n", 11);
	n += 11;
	n += block(mppt, 0, buf + n);
	feed_all(&p, buf, n, 1, &t);
	assert_int_equal(t.frames, 2);
	assert_int_equal(t.bad, 1);
	assert_int_equal(t.garbage, 0);
	assert_int_equal(t.last.n, 18);
	assert_string_equal(vedirect_get(&t.last, "IL"), "300");
}

static const struct field *
get(struct service *s, const char *name)
{
	return service_field(s, name, false);
}

static void
test_bank_mapping(void **state)
{
	struct vedirect_parser p;
	unsigned char buf[1024];
	struct tally t = {0};
	struct service s;
	const struct field *f;
	size_t n;

	(void)state;
	synced(&p);
	n = block(mppt, 0, buf);
	feed_all(&p, buf, n, n, &t);
	assert_int_equal(
	    vedirect_bank(&t.last, "ttyUSB0", "Battery bank", 12, true, &s), 0);
	assert_string_equal(s.name, "bank_ttyUSB0");
	assert_string_equal(attrs_get(&s.graph, "graph_category"), "power");
	assert_non_null(strstr(attrs_get(&s.graph, "graph_info"), "0xA053"));
	f = get(&s, "voltage");
	assert_true(f->value > 12.799 && f->value < 12.801);
	assert_string_equal(attrs_get(&f->attrs, "warning"), "12.0:");
	assert_string_equal(attrs_get(&f->attrs, "critical"), "11.5:");
	assert_true(get(&s, "current")->value < -1.499);
	assert_true(get(&s, "charge_current")->value == 0);
	assert_true(get(&s, "discharge_current")->value > 1.499);
	assert_true(get(&s, "pv_voltage")->value > 18.499);
	assert_true(get(&s, "pv_power")->value == 37);
	f = get(&s, "pv_current");
	assert_true(f->value > 1.99 && f->value < 2.01); /* 37 W / 18.5 V */
	assert_true(get(&s, "load_current")->value > 0.299);
	f = get(&s, "charger_state");
	assert_true(f->value == 3);
	assert_string_equal(attrs_get(&f->attrs, "extinfo"), "bulk");
	assert_non_null(strstr(attrs_get(&f->attrs, "info"), "4 absorption"));
	f = get(&s, "error");
	assert_string_equal(attrs_get(&f->attrs, "state"), "OK");
	assert_null(attrs_get(&f->attrs, "extinfo"));
	assert_null(get(&s, "soc")); /* an MPPT has no SOC */
	assert_null(get(&s, "temperature"));
	service_cleanup(&s);

	/* ERR 2 is a warning named in extinfo; a 24 V bank scales */
	t.last.n = 0;
	strcpy(t.last.f[t.last.n].label, "V");
	strcpy(t.last.f[t.last.n++].value, "25100");
	strcpy(t.last.f[t.last.n].label, "ERR");
	strcpy(t.last.f[t.last.n++].value, "2");
	strcpy(t.last.f[t.last.n].label, "SOC");
	strcpy(t.last.f[t.last.n++].value, "876");
	strcpy(t.last.f[t.last.n].label, "T");
	strcpy(t.last.f[t.last.n++].value, "---");
	strcpy(t.last.f[t.last.n].label, "VPV");
	strcpy(t.last.f[t.last.n++].value, "0");
	strcpy(t.last.f[t.last.n].label, "PPV");
	strcpy(t.last.f[t.last.n++].value, "0");
	assert_int_equal(vedirect_nominal_guess(25.1), 24);
	assert_int_equal(vedirect_bank(&t.last, "solar", "b", 24, true, &s), 0);
	assert_string_equal(
	    attrs_get(&get(&s, "voltage")->attrs, "warning"), "24.0:");
	assert_string_equal(
	    attrs_get(&get(&s, "voltage")->attrs, "critical"), "23.0:");
	f = get(&s, "error");
	assert_string_equal(attrs_get(&f->attrs, "state"), "WARNING");
	assert_string_equal(
	    attrs_get(&f->attrs, "extinfo"), "ERR 2: battery voltage too high");
	f = get(&s, "soc");
	assert_true(f->value > 87.59 && f->value < 87.61);
	assert_string_equal(attrs_get(&f->attrs, "warning"), "30:");
	assert_string_equal(attrs_get(&f->attrs, "critical"), "15:");
	assert_null(get(&s, "temperature"));		/* "---": no sensor */
	assert_true(get(&s, "pv_current")->value == 0); /* night */
	service_cleanup(&s);

	/* stale: the same fields, unknown, no verdict */
	assert_int_equal(
	    vedirect_bank(&t.last, "solar", "b", 24, false, &s), 0);
	f = get(&s, "voltage");
	assert_true(f->has_value && f->unknown);
	assert_null(attrs_get(&get(&s, "error")->attrs, "state"));
	service_cleanup(&s);
}

static void
test_code_names(void **state)
{
	(void)state;
	assert_string_equal(vedirect_cs_str(0), "off");
	assert_string_equal(vedirect_cs_str(5), "float");
	assert_string_equal(vedirect_cs_str(2), "fault");
	assert_string_equal(vedirect_cs_str(999), "unknown code");
	assert_string_equal(vedirect_err_str(0), "no error");
	assert_string_equal(
	    vedirect_err_str(33), "input voltage too high (solar panel)");
	assert_int_equal(vedirect_nominal_guess(12.9), 12);
	assert_int_equal(vedirect_nominal_guess(52.0), 48);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_block),
	    cmocka_unit_test(test_first_block_syncs),
	    cmocka_unit_test(test_bad_checksum),
	    cmocka_unit_test(test_checksum_byte_any_value),
	    cmocka_unit_test(test_cut_mid_line),
	    cmocka_unit_test(test_hex_interleaved),
	    cmocka_unit_test(test_overlong_lines),
	    cmocka_unit_test(test_binary_garbage),
	    cmocka_unit_test(test_byte_by_byte),
	    cmocka_unit_test(test_bank_mapping),
	    cmocka_unit_test(test_code_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
