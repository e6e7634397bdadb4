/* Tests for modbus_map (register specs, planning, decoding) and bank. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "plugins/bank.h"
#include "plugins/modbus_map.h"

static void
test_decode_types(void **state)
{
	/* 70000 = 0x00011170; -150 = 0xFFFFFF6A */
	const uint16_t be[] = {0x0001, 0x1170}, le[] = {0x1170, 0x0001};
	const uint16_t neg_be[] = {0xFFFF, 0xFF6A}, neg_le[] = {0xFF6A, 0xFFFF};
	const uint16_t w16[] = {0xFE00};

	(void)state;
	assert_true(modbus_decode(MODBUS_U16, w16) == 65024);
	assert_true(modbus_decode(MODBUS_S16, w16) == -512);
	assert_true(modbus_decode(MODBUS_U32, be) == 70000);
	assert_true(modbus_decode(MODBUS_U32LE, le) == 70000);
	/* the wrong word order reads a very different number */
	assert_true(modbus_decode(MODBUS_U32, le) == 0x11700001);
	assert_true(modbus_decode(MODBUS_S32, neg_be) == -150);
	assert_true(modbus_decode(MODBUS_S32LE, neg_le) == -150);
	assert_true(modbus_decode(MODBUS_U32LE, neg_le) == 4294967146.0);
	assert_int_equal(modbus_type_words(MODBUS_S16), 1);
	assert_int_equal(modbus_type_words(MODBUS_S32LE), 2);
}

/* One done read of table t at addr with the given words. */
static void
one_read(struct modbus_read *r, enum modbus_table t, uint16_t addr,
    const uint16_t *w, uint16_t n)
{
	memset(r, 0, sizeof(*r));
	r->table = t;
	r->addr = addr;
	r->count = n;
	r->done = true;
	memcpy(r->words, w, n * sizeof(w[0]));
}

static void
test_scale_exact(void **state)
{
	struct modbus_reg r;
	struct modbus_read rd;
	const uint16_t w[] = {1262, 0xFE00};
	char err[256];
	double v;

	(void)state;
	assert_int_equal(modbus_reg_parse("voltage 0x3104 u16 0.01 V input", &r,
			     err, sizeof(err)),
	    0);
	one_read(&rd, MODBUS_INPUT, 0x3104, w, 2);
	assert_true(modbus_reg_value(&r, &rd, 1, &v));
	/* exactly what 12.62 is, not 12.620000000000001 */
	assert_true(v == 12.62);
	assert_int_equal(
	    modbus_reg_parse("t 0x3105 s16 0.01 C input", &r, err, sizeof(err)),
	    0);
	assert_true(modbus_reg_value(&r, &rd, 1, &v));
	assert_true(v == -5.12);
	/* a scale above 1 multiplies */
	assert_int_equal(
	    modbus_reg_parse("e 0x3104 u16 10 Wh input", &r, err, sizeof(err)),
	    0);
	assert_true(modbus_reg_value(&r, &rd, 1, &v));
	assert_true(v == 12620);
	/* the wrong table, or a register past the reply: no value */
	assert_int_equal(
	    modbus_reg_parse("v 0x3104 u16 1", &r, err, sizeof(err)), 0);
	assert_false(modbus_reg_value(&r, &rd, 1, &v));
	assert_int_equal(
	    modbus_reg_parse("v 0x3105 u32 1 - input", &r, err, sizeof(err)),
	    0);
	assert_false(modbus_reg_value(&r, &rd, 1, &v));
	/* a request that failed holds nothing */
	rd.done = false;
	assert_int_equal(
	    modbus_reg_parse("v 0x3104 u16 1 - input", &r, err, sizeof(err)),
	    0);
	assert_false(modbus_reg_value(&r, &rd, 1, &v));
}

static void
test_epever_map(void **state)
{
	struct modbus_map m;
	struct modbus_read rd[MODBUS_MAP_MAX];
	uint16_t w[0x1C] = {0};
	const struct modbus_reg *r;
	size_t n, i;
	double v;

	(void)state;
	assert_int_equal(modbus_map_builtin("epever", &m), 0);
	assert_int_equal(modbus_map_builtin("victron", &m), -1);
	assert_int_equal(modbus_map_builtin("epever", &m), 0);
	n = modbus_map_plan(&m, rd, MODBUS_MAP_MAX);
	/* contiguous registers share a request; gaps are not bridged */
	assert_int_equal(n, 6);
	assert_int_equal(rd[0].addr, 0x3100);
	assert_int_equal(rd[0].count, 6);
	assert_int_equal(rd[1].addr, 0x310C);
	assert_int_equal(rd[1].count, 2);
	assert_int_equal(rd[2].addr, 0x3110);
	assert_int_equal(rd[3].addr, 0x311A);
	assert_int_equal(rd[4].addr, 0x3201);
	assert_int_equal(rd[4].count, 1);
	assert_int_equal(rd[5].addr, 0x331B);
	assert_int_equal(rd[5].count, 2);
	for (i = 0; i < n; i++)
		assert_int_equal(rd[i].table, MODBUS_INPUT);
	/* charging status 2 (boost) in D3-D2, running in D0 */
	w[0] = 0x0009;
	one_read(&rd[4], MODBUS_INPUT, 0x3201, w, 1);
	w[0] = 0x1170; /* PV power 700.00 W, low word first */
	w[1] = 0x0001;
	one_read(&rd[0], MODBUS_INPUT, 0x3102, w, 2);
	for (i = 0; i < m.n; i++) {
		r = &m.regs[i];
		if (strcmp(r->name, "charger_state") == 0) {
			assert_true(modbus_reg_value(r, rd, n, &v));
			assert_true(v == 2);
			assert_non_null(strstr(r->info, "2 boost"));
		} else if (strcmp(r->name, "pv_power") == 0) {
			assert_true(modbus_reg_value(r, rd, n, &v));
			assert_true(v == 700);
			assert_string_equal(r->unit, "W");
		} else if (strcmp(r->name, "soc") == 0) {
			assert_int_equal(r->addr, 0x311A);
			assert_true(r->scale == 1);
		} else if (strcmp(r->name, "current") == 0) {
			assert_int_equal(r->addr, 0x331B);
			assert_int_equal(r->type, MODBUS_S32LE);
		}
	}
}

static void
test_plan_limits(void **state)
{
	struct modbus_map m = {0};
	struct modbus_read rd[MODBUS_MAP_MAX];
	struct modbus_reg r = {0};
	char err[128];
	size_t n, i;

	(void)state;
	/* 64 u16 at 0..63 and 62 more at 64..125 would not fit one map;
	 * use u32s: 63 of them at 0, 2, ... 124 cover 126 registers */
	for (i = 0; i < 63; i++) {
		snprintf(r.name, sizeof(r.name), "r%zu", i);
		r.addr = (uint16_t)(2 * i);
		r.type = MODBUS_U32;
		r.scale = 1;
		assert_int_equal(modbus_map_add(&m, &r, err, sizeof(err)), 0);
	}
	n = modbus_map_plan(&m, rd, MODBUS_MAP_MAX);
	/* at most 125 a request, and the u32 at 124 is never split */
	assert_int_equal(n, 2);
	assert_int_equal(rd[0].addr, 0);
	assert_int_equal(rd[0].count, 124);
	assert_int_equal(rd[1].addr, 124);
	assert_int_equal(rd[1].count, 2);
	/* overlapping registers (a u32 and its low half) share one read;
	 * holding and input registers never do */
	memset(&m, 0, sizeof(m));
	assert_int_equal(
	    modbus_reg_parse("a 10 u32 1", &m.regs[0], err, sizeof(err)), 0);
	assert_int_equal(
	    modbus_reg_parse("b 11 u16 1", &m.regs[1], err, sizeof(err)), 0);
	assert_int_equal(modbus_reg_parse("c 12 u16 1 - input", &m.regs[2], err,
			     sizeof(err)),
	    0);
	m.n = 3;
	n = modbus_map_plan(&m, rd, MODBUS_MAP_MAX);
	assert_int_equal(n, 2);
	assert_int_equal(rd[0].table, MODBUS_HOLDING);
	assert_int_equal(rd[0].addr, 10);
	assert_int_equal(rd[0].count, 2);
	assert_int_equal(rd[1].table, MODBUS_INPUT);
	assert_int_equal(rd[1].addr, 12);
	/* the caller's room bounds the plan */
	assert_int_equal(modbus_map_plan(&m, rd, 1), 1);
	/* a full map refuses one more, a known name is replaced */
	memset(&m, 0, sizeof(m));
	for (i = 0; i < MODBUS_MAP_MAX; i++) {
		snprintf(r.name, sizeof(r.name), "r%zu", i);
		assert_int_equal(modbus_map_add(&m, &r, err, sizeof(err)), 0);
	}
	snprintf(r.name, sizeof(r.name), "extra");
	assert_int_equal(modbus_map_add(&m, &r, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "more than 64"));
	snprintf(r.name, sizeof(r.name), "r7");
	r.addr = 999;
	assert_int_equal(modbus_map_add(&m, &r, err, sizeof(err)), 0);
	assert_int_equal(m.n, MODBUS_MAP_MAX);
	assert_int_equal(m.regs[7].addr, 999);
}

static void
test_parse_good(void **state)
{
	struct modbus_reg r;
	char err[256], buf[256];

	(void)state;
	assert_int_equal(modbus_reg_parse("pv_power 0x3102 u32le 0.01 W input",
			     &r, err, sizeof(err)),
	    0);
	assert_string_equal(r.name, "pv_power");
	assert_int_equal(r.addr, 0x3102);
	assert_int_equal(r.type, MODBUS_U32LE);
	assert_true(r.scale == 0.01);
	assert_string_equal(r.unit, "W");
	assert_int_equal(r.table, MODBUS_INPUT);
	assert_string_equal(modbus_reg_format(&r, buf, sizeof(buf)),
	    "pv_power 0x3102 u32le 0.01 W input");
	/* decimal address, no unit, holding by default, tabs */
	assert_int_equal(
	    modbus_reg_parse("soc\t12570  u16 1", &r, err, sizeof(err)), 0);
	assert_int_equal(r.addr, 12570);
	assert_string_equal(r.unit, "");
	assert_int_equal(r.table, MODBUS_HOLDING);
	assert_string_equal(modbus_reg_format(&r, buf, sizeof(buf)),
	    "soc 0x311A u16 1 - holding");
	/* "-" is no unit; the table right after the scale */
	assert_int_equal(
	    modbus_reg_parse("x 0 s32 1e-3 - holding", &r, err, sizeof(err)),
	    0);
	assert_string_equal(r.unit, "");
	assert_true(r.scale == 1e-3);
	assert_int_equal(
	    modbus_reg_parse("x 65534 s32 -1 input", &r, err, sizeof(err)), 0);
	assert_int_equal(r.table, MODBUS_INPUT);
	assert_true(r.scale == -1);
}

/* spec must be refused with an error containing want. */
static void
bad(const char *spec, const char *want)
{
	struct modbus_reg r;
	char err[256] = "";

	if (modbus_reg_parse(spec, &r, err, sizeof(err)) != -1)
		fail_msg("accepted \"%s\"", spec);
	if (strstr(err, want) == NULL)
		fail_msg("\"%s\": error \"%s\" lacks \"%s\"", spec, err, want);
}

static void
test_parse_bad(void **state)
{
	(void)state;
	bad("", "takes NAME ADDR TYPE SCALE");
	bad("v 0x3104 u16", "takes NAME ADDR TYPE SCALE");
	bad("v 0x3104 u16 0.01 V input extra", "takes NAME ADDR TYPE SCALE");
	bad("1v 0x3104 u16 0.01", "bad name \"1v\"");
	bad("bat-v 0x3104 u16 0.01", "bad name");
	bad("v 0x10000 u16 0.01", "bad address \"0x10000\"");
	bad("v -1 u16 0.01", "bad address");
	bad("v 010 u16 0.01", "bad address \"010\"");
	bad("v 12abc u16 0.01", "bad address");
	bad("v 30001x u16 0.01", "bad address");
	bad("v 5 u64 0.01", "unknown type \"u64\"");
	bad("v 5 U16 0.01", "unknown type");
	bad("v 65535 u32 1", "runs past register 65535");
	bad("v 5 u16 0", "bad scale \"0\"");
	bad("v 5 u16 abc", "bad scale");
	bad("v 5 u16 nan", "bad scale");
	bad("v 5 u16 inf", "bad scale");
	bad("v 5 u16 0.01x", "bad scale");
	bad("v 5 u16 1 V coil", "\"coil\" is not input or holding");
	bad("v 5 u16 1 input holding", "unexpected \"holding\"");
	bad("v 5 u16 1 averyveryverylongunit", "longer than 15");
}

static void
test_bank(void **state)
{
	enum bank_chemistry c;
	double w, cr;
	char name[64];

	(void)state;
	bank_voltage_limits(12, BANK_LEAD_ACID, &w, &cr);
	assert_true(w == 12.0 && cr == 11.5);
	bank_voltage_limits(24, BANK_LEAD_ACID, &w, &cr);
	assert_true(w == 24.0 && cr == 23.0);
	bank_voltage_limits(48, BANK_LIFEPO4, &w, &cr);
	assert_true(w == 51.2 && cr == 48.0);
	assert_true(bank_chemistry_parse("agm", &c) && c == BANK_LEAD_ACID);
	assert_true(bank_chemistry_parse("lifepo4", &c) && c == BANK_LIFEPO4);
	assert_false(bank_chemistry_parse("LiFePO4x", &c));
	assert_true(bank_nominal_valid(24));
	assert_false(bank_nominal_valid(13));
	assert_string_equal(
	    bank_service_name("epever1.lan_1", name, sizeof(name)),
	    "bank_epever1_lan_1");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_decode_types),
	    cmocka_unit_test(test_scale_exact),
	    cmocka_unit_test(test_epever_map),
	    cmocka_unit_test(test_plan_limits),
	    cmocka_unit_test(test_parse_good),
	    cmocka_unit_test(test_parse_bad),
	    cmocka_unit_test(test_bank),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
