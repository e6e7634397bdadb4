/*
 * Tests for host_power: the sysfs attribute parsers, the bank_ and
 * power_supply_online services on the fixture trees of
 * tests/fixtures/power (an ACPI laptop battery counting charge, one
 * counting energy, a HID UPS, a board's fuel gauge and USB charge
 * controller), the sign rule, units and thresholds, malformed values
 * (U, logged once), attributes that cannot be read (a directory, a FIFO:
 * missing fields, no hang) and the probes through their table entries.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/log.h"
#include "plugins/host.h"
#include "plugins/host_power.h"
#include "plugins/host_probes.h"
#include "tests/batch_guard.h"
#include "tests/log_capture.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct service *
service(const struct batch *b, const char *name)
{
	const struct service *s = batch_service((struct batch *)b, name, false);

	if (s == NULL)
		fail_msg("no service %s", name);
	return s;
}

static const struct field *
field(const struct service *s, const char *name)
{
	const struct field *f = service_field((struct service *)s, name, false);

	if (f == NULL)
		fail_msg("%s: no field %s", s->name, name);
	return f;
}

static bool
has_field(const struct service *s, const char *name)
{
	return service_field((struct service *)s, name, false) != NULL;
}

static void
value_near(const struct service *s, const char *name, double want)
{
	const struct field *f = field(s, name);

	assert_true(f->has_value);
	if (f->unknown)
		fail_msg("%s.%s is U, want %g", s->name, name, want);
	if (fabs(f->value - want) > 1e-9 * fmax(1, fabs(want)))
		fail_msg(
		    "%s.%s = %.12g, want %.12g", s->name, name, f->value, want);
}

static void
unknown(const struct service *s, const char *name)
{
	const struct field *f = field(s, name);

	assert_true(f->has_value);
	assert_true(f->unknown);
}

static const char *
attr(const struct service *s, const char *fname, const char *key)
{
	return attrs_get(&field(s, fname)->attrs, key);
}

/* The bank_ and power_supply_online probes over the fixture case. */
static void
collect_case(const char *which, struct batch *b)
{
	char sys[512];
	struct host_roots r = {.proc = "/nonexistent", .sys = sys};
	void *st = NULL;

	snprintf(sys, sizeof(sys), "%s/power/%s", FIXTURES, which);
	assert_int_equal(probe_bank.collect(&r, &st, b), 0);
	assert_null(st); /* nothing malformed in the fixtures */
	assert_int_equal(probe_power_supply_online.collect(&r, &st, b), 0);
}

/* ---- parsers ------------------------------------------------------------ */

static void
test_parse_int(void **state)
{
	static const struct {
		const char *in;
		bool ok;
		int64_t v;
	} cases[] = {
	    {"11955000\n", true, 11955000},
	    {"-512000\n", true, -512000},
	    {"0\n", true, 0},
	    {"  42 \n", true, 42},
	    {"7", true, 7},
	    {"9223372036854775807\n", true, INT64_MAX},
	    {"-9223372036854775808\n", true, INT64_MIN},
	    {"9223372036854775808\n", false, 0},
	    {"99999999999999999999\n", false, 0},
	    {"", false, 0},
	    {"\n", false, 0},
	    {"-\n", false, 0},
	    {"abc\n", false, 0},
	    {"1.5\n", false, 0},
	    {"12abc\n", false, 0},
	    {"12\n\n", false, 0},
	    {"+3\n", false, 0},
	    {"1 2\n", false, 0},
	};
	struct guard g;
	const char *p;
	int64_t v;
	size_t i, n;

	(void)state;
	guard_init(&g, 64);
	for (i = 0; i < NELEM(cases); i++) {
		n = strlen(cases[i].in);
		p = guard_copy(&g, cases[i].in, n, "");
		v = 12345;
		if (host_power_parse_int(p, n, &v) != cases[i].ok)
			fail_msg("\"%s\": want %s", cases[i].in,
			    cases[i].ok ? "a number" : "malformed");
		if (cases[i].ok)
			assert_true(v == cases[i].v);
		else
			assert_true(v == 12345);
	}
	guard_cleanup(&g);
}

static void
test_parse_texts(void **state)
{
	enum host_power_status st;
	enum host_power_health h;

	(void)state;
	assert_true(host_power_parse_status("Charging\n", 9, &st));
	assert_int_equal(st, PSU_STATUS_CHARGING);
	assert_true(host_power_parse_status("Discharging\n", 12, &st));
	assert_int_equal(st, PSU_STATUS_DISCHARGING);
	assert_true(host_power_parse_status("Not charging\n", 13, &st));
	assert_int_equal(st, PSU_STATUS_NOT_CHARGING);
	assert_true(host_power_parse_status("Full", 4, &st));
	assert_int_equal(st, PSU_STATUS_FULL);
	assert_true(host_power_parse_status("Unknown\n", 8, &st));
	assert_int_equal(st, PSU_STATUS_UNKNOWN);
	assert_false(host_power_parse_status("charging\n", 9, &st));
	assert_false(host_power_parse_status("Charg", 5, &st));
	assert_false(host_power_parse_status("", 0, &st));
	assert_true(host_power_parse_health("Good\n", 5, &h));
	assert_int_equal(h, PSU_HEALTH_GOOD);
	assert_true(host_power_parse_health("Over voltage\n", 13, &h));
	assert_int_equal(h, PSU_HEALTH_OVERVOLTAGE);
	assert_true(host_power_parse_health("No battery\n", 11, &h));
	assert_int_equal(h, PSU_HEALTH_NO_BATTERY);
	assert_false(host_power_parse_health("Fine\n", 5, &h));
}

/* ---- fixtures ----------------------------------------------------------- */

static void
test_laptop_charge(void **state)
{
	struct batch b = {0};
	const struct service *s;

	(void)state;
	collect_case("laptop", &b);
	assert_int_equal(b.n, 2);
	s = service(&b, "bank_BAT0");
	assert_string_equal(attrs_get(&s->graph, "graph_category"), "power");
	assert_string_equal(
	    attrs_get(&s->graph, "graph_title"), "Battery BAT0");
	assert_non_null(
	    strstr(attrs_get(&s->graph, "graph_info"), "(SMP DELL 5XJ2813)"));
	/* µV -> V, µA -> A, µAh -> Ah */
	value_near(s, "voltage", 11.955);
	/* ACPI prints +1441000 while discharging: the status signs it */
	value_near(s, "current", -1.441);
	value_near(s, "power", -11.955 * 1.441);
	assert_non_null(strstr(attr(s, "power", "info"), "voltage_now x"));
	value_near(s, "soc", 65);
	assert_string_equal(attr(s, "soc", "warning"), "30:");
	assert_string_equal(attr(s, "soc", "critical"), "15:");
	value_near(s, "charger_state", PSU_STATUS_DISCHARGING);
	/* the AC adapter is offline */
	value_near(s, "online", 0);
	assert_non_null(strstr(attr(s, "online", "info"), "AC is online"));
	value_near(s, "charge_now", 2.31);
	value_near(s, "charge_full", 3.521);
	value_near(s, "charge_full_design", 3.95);
	/* voltage_min_design alone is ACPI's design voltage, no cut-off */
	assert_null(attr(s, "voltage", "warning"));
	assert_null(attr(s, "voltage", "critical"));
	assert_non_null(strstr(attr(s, "voltage", "info"), "11.400 V"));
	assert_false(has_field(s, "temperature"));
	assert_false(has_field(s, "health"));
	assert_false(has_field(s, "runtime"));
	assert_false(has_field(s, "energy_now"));
	s = service(&b, "power_supply_online");
	assert_int_equal(s->nfields, 1);
	value_near(s, "AC", 0);
	assert_string_equal(attr(s, "AC", "info"), "Supply AC of type Mains.");
	batch_cleanup(&b);
}

static void
test_thinkpad_energy(void **state)
{
	struct batch b = {0};
	const struct service *s;

	(void)state;
	collect_case("thinkpad", &b);
	s = service(&b, "bank_BAT0");
	value_near(s, "voltage", 12.683);
	value_near(s, "power", 9.874); /* µW -> W, charging: positive */
	/* no current_now: power / voltage */
	value_near(s, "current", 9.874 / 12.683);
	assert_non_null(strstr(attr(s, "current", "info"), "power_now /"));
	value_near(s, "soc", 81);
	value_near(s, "charger_state", PSU_STATUS_CHARGING);
	value_near(s, "online", 1); /* AC online, the USB-C port not */
	assert_non_null(strstr(attr(s, "online", "info"),
	    "one of AC, ucsi-source-psy-USBC000:001"));
	value_near(s, "energy_now", 41.23); /* µWh -> Wh */
	value_near(s, "energy_full", 50.47);
	value_near(s, "energy_full_design", 57.02);
	assert_false(has_field(s, "charge_now"));
	s = service(&b, "power_supply_online");
	assert_int_equal(s->nfields, 2);
	value_near(s, "AC", 1);
	value_near(s, "ucsi_source_psy_USBC000_001", 0);
	assert_string_equal(attr(s, "ucsi_source_psy_USBC000_001", "label"),
	    "ucsi-source-psy-USBC000:001");
	batch_cleanup(&b);
}

static void
test_hid_ups(void **state)
{
	struct batch b = {0};
	const struct service *s;

	(void)state;
	collect_case("ups", &b);
	assert_int_equal(b.n, 1); /* no other supply: no online service */
	s = service(&b, "bank_hid_0003_051D_0002_0001_battery");
	assert_string_equal(attrs_get(&s->graph, "graph_title"),
	    "UPS hid-0003:051D:0002.0001-battery");
	value_near(s, "soc", 47);
	value_near(s, "charger_state", PSU_STATUS_DISCHARGING);
	/* its own online attribute: the UPS's input */
	value_near(s, "online", 0);
	assert_non_null(strstr(attr(s, "online", "info"), "its online"));
	assert_false(has_field(s, "voltage"));
	assert_false(has_field(s, "current"));
	assert_int_equal(s->nfields, 3);
	batch_cleanup(&b);
}

static void
test_board_gauge(void **state)
{
	struct batch b = {0};
	const struct service *s;

	(void)state;
	collect_case("board", &b);
	s = service(&b, "bank_bq27546_0");
	value_near(s, "voltage", 3.702);
	/* min and max design: a cut-off range, thresholds above it */
	assert_string_equal(attr(s, "voltage", "critical"), "3.12:");
	assert_string_equal(attr(s, "voltage", "warning"), "3.24:");
	value_near(s, "current", -0.512); /* signed by the ABI already */
	/* power_now cannot be read (a directory): derived */
	value_near(s, "power", -3.702 * 0.512);
	value_near(s, "temperature", 25.1); /* tenths of °C */
	value_near(s, "runtime", 8460);
	value_near(s, "health", PSU_HEALTH_GOOD);
	assert_string_equal(attr(s, "health", "state"), "OK");
	value_near(s, "online", 0);
	value_near(s, "charge_full_design", 3);
	s = service(&b, "power_supply_online");
	value_near(s, "bq25890_charger", 0);
	batch_cleanup(&b);
}

/* ---- pure rules --------------------------------------------------------- */

/* A supply from (attribute, contents) pairs. */
static void
supply(struct host_power_supply *s, const char *name, const char *kv[][2],
    size_t n)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	for (i = 0; i < n; i++)
		host_power_supply_set(s, kv[i][0], kv[i][1], strlen(kv[i][1]));
}

static void
test_sign_rule(void **state)
{
	static const struct {
		const char *status; /* NULL: no status attribute */
		const char *current;
		double want;
	} cases[] = {
	    {"Discharging\n", "1441000\n", -1.441},
	    {"Discharging\n", "-1441000\n", -1.441},
	    {"Charging\n", "-800000\n", 0.8},
	    {"Charging\n", "800000\n", 0.8},
	    {"Full\n", "-20000\n", -0.02},
	    {"Not charging\n", "30000\n", 0.03},
	    {"Unknown\n", "-5000\n", -0.005},
	    {"Bogus\n", "-5000\n", -0.005},
	    {NULL, "250000\n", 0.25},
	    {NULL, "-250000\n", -0.25},
	};
	struct host_power_supply s;
	double a, w;
	bool derived;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		const char *kv[][2] = {
		    {"type", "Battery\n"},
		    {"current_now", cases[i].current},
		    {"power_now", cases[i].current},
		    {"status", cases[i].status},
		};
		supply(&s, "BAT0", kv, NELEM(kv) - (cases[i].status ? 0 : 1));
		assert_true(host_power_current(&s, &a, &derived));
		assert_false(derived);
		if (fabs(a - cases[i].want) > 1e-12)
			fail_msg("case %zu: current %g, want %g", i, a,
			    cases[i].want);
		assert_true(host_power_power(&s, &w, &derived));
		assert_false(derived);
		assert_true(fabs(w - cases[i].want) < 1e-12);
	}

	/* derived both ways; a zero voltage derives no current */
	const char *energy[][2] = {{"status", "Discharging\n"},
	    {"voltage_now", "12000000\n"}, {"power_now", "6000000\n"}};
	supply(&s, "BAT1", energy, NELEM(energy));
	assert_true(host_power_current(&s, &a, &derived));
	assert_true(derived);
	assert_true(fabs(a + 0.5) < 1e-12);
	const char *zero[][2] = {
	    {"voltage_now", "0\n"}, {"power_now", "6000000\n"}};
	supply(&s, "BAT1", zero, NELEM(zero));
	assert_false(host_power_current(&s, &a, &derived));
	/* a malformed current_now derives nothing in its place */
	const char *bad[][2] = {{"voltage_now", "12000000\n"},
	    {"power_now", "6000000\n"}, {"current_now", "x\n"}};
	supply(&s, "BAT1", bad, NELEM(bad));
	assert_false(host_power_current(&s, &a, &derived));
	assert_true(host_power_power(&s, &w, &derived));
	assert_false(derived);
}

static void
test_voltage_thresholds(void **state)
{
	static const struct {
		const char *min, *max; /* NULL: absent */
		const char *warn, *crit;
	} cases[] = {
	    {"3000000\n", "4200000\n", "3.24:", "3.12:"},
	    {"10500000\n", "12700000\n", "10.94:", "10.72:"},
	    {"21000000\n", "29400000\n", "22.68:", "21.84:"},
	    {"11400000\n", NULL, NULL, NULL},	    /* ACPI: design only */
	    {NULL, "4200000\n", NULL, NULL},	    /* no cut-off */
	    {"4200000\n", "4200000\n", NULL, NULL}, /* no range */
	    {"4300000\n", "4200000\n", NULL, NULL},
	    {"0\n", "4200000\n", NULL, NULL}, {"-1\n", "4200000\n", NULL, NULL},
	    {"3.0\n", "4200000\n", NULL, NULL}, /* malformed */
	};
	struct host_power_supply s;
	struct batch b = {0};
	char warn[32], crit[32];
	size_t i, n;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		const char *kv[3][2] = {{"type", "Battery\n"}};

		n = 1;
		if (cases[i].min != NULL) {
			kv[n][0] = "voltage_min_design";
			kv[n++][1] = cases[i].min;
		}
		if (cases[i].max != NULL) {
			kv[n][0] = "voltage_max_design";
			kv[n++][1] = cases[i].max;
		}
		supply(&s, "BAT0", kv, n);
		if (cases[i].warn == NULL) {
			assert_false(host_power_voltage_thresholds(
			    &s, warn, crit, sizeof(warn)));
			continue;
		}
		assert_true(host_power_voltage_thresholds(
		    &s, warn, crit, sizeof(warn)));
		assert_string_equal(warn, cases[i].warn);
		assert_string_equal(crit, cases[i].crit);
	}

	/* into the bank: no voltage_now, no voltage field or thresholds */
	const char *kv[][2] = {{"type", "Battery\n"},
	    {"voltage_min_design", "3000000\n"},
	    {"voltage_max_design", "4200000\n"}, {"capacity", "50\n"}};
	supply(&s, "BAT0", kv, NELEM(kv));
	assert_int_equal(host_power_bank_add(&b, &s, NULL), 0);
	assert_false(has_field(service(&b, "bank_BAT0"), "voltage"));
	batch_cleanup(&b);
}

static void
test_malformed_values(void **state)
{
	const char *kv[][2] = {
	    {"type", "Battery\n"},
	    {"voltage_now", "abc\n"},
	    {"capacity", "n/a\n"},
	    {"status", "Bogus\n"},
	    {"health", "Weird\n"},
	    {"online", "1.0\n"},
	    {"temp", "\n"},
	    {"current_now", "12e3\n"},
	    {"charge_now", "-\n"},
	    {"model_name", "evil\x1b[2Jmodel\r\n"},
	};
	struct host_power_supply s;
	struct batch b = {0};
	const struct service *sv;

	(void)state;
	supply(&s, "BAT0", kv, NELEM(kv));
	assert_string_equal(s.model, "evil[2Jmodel");
	assert_int_equal(host_power_bank_add(&b, &s, NULL), 0);
	sv = service(&b, "bank_BAT0");
	unknown(sv, "voltage");
	unknown(sv, "soc");
	unknown(sv, "charger_state");
	unknown(sv, "health");
	assert_null(attr(sv, "health", "state"));
	unknown(sv, "online");
	unknown(sv, "temperature");
	unknown(sv, "current");
	unknown(sv, "charge_now");
	/* power could be neither read nor derived */
	assert_false(has_field(sv, "power"));
	/* the thresholds stay on the U soc */
	assert_string_equal(attr(sv, "soc", "warning"), "30:");
	batch_cleanup(&b);
}

static void
test_health_states(void **state)
{
	static const struct {
		const char *text, *state;
	} cases[] = {
	    {"Good\n", "OK"},
	    {"Warm\n", "WARNING"},
	    {"Cool\n", "WARNING"},
	    {"Calibration required\n", "WARNING"},
	    {"Overheat\n", "CRITICAL"},
	    {"Dead\n", "CRITICAL"},
	    {"Over current\n", "CRITICAL"},
	    {"No battery\n", "CRITICAL"},
	    {"Unknown\n", NULL},
	};
	struct host_power_supply s;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(cases); i++) {
		struct batch b = {0};
		const char *kv[][2] = {
		    {"type", "UPS\n"}, {"health", cases[i].text}};
		const char *got;

		supply(&s, "ups1", kv, NELEM(kv));
		assert_int_equal(host_power_bank_add(&b, &s, NULL), 0);
		got = attr(service(&b, "bank_ups1"), "health", "state");
		if (cases[i].state == NULL)
			assert_null(got);
		else
			assert_string_equal(got, cases[i].state);
		batch_cleanup(&b);
	}
}

static void
test_soc_fallbacks_and_mains(void **state)
{
	struct host_power_supply v[4];
	struct host_power_mains m;
	struct batch b = {0};
	const struct service *s;

	(void)state;
	const char *charge[][2] = {{"type", "Battery\n"},
	    {"charge_now", "1000000\n"}, {"charge_full", "4000000\n"},
	    {"energy_now", "1\n"}, {"energy_full", "2\n"}};
	const char *energy[][2] = {{"type", "Battery\n"},
	    {"energy_now", "30000000\n"}, {"energy_full", "40000000\n"},
	    {"charge_full", "0\n"}, {"charge_now", "0\n"}};
	/* a mouse's charger (scope Device) says nothing of the system */
	const char *mouse[][2] = {
	    {"type", "USB\n"}, {"scope", "Device\n"}, {"online", "1\n"}};
	const char *ac[][2] = {{"type", "Mains\n"}, {"online", "0\n"}};
	supply(&v[0], "A", charge, NELEM(charge));
	supply(&v[1], "B", energy, NELEM(energy));
	supply(&v[2], "mouse-usb", mouse, NELEM(mouse));
	supply(&v[3], "AC", ac, NELEM(ac));

	host_power_mains(v, 3, &m);
	assert_int_equal(m.n, 0);
	assert_int_equal(host_power_bank_add(&b, &v[0], &m), 0);
	s = service(&b, "bank_A");
	value_near(s, "soc", 25);
	assert_non_null(strstr(attr(s, "soc", "info"), "charge_now /"));
	assert_false(has_field(s, "online")); /* no system supply */
	host_power_mains(v, 4, &m);
	assert_int_equal(m.n, 1);
	assert_false(m.online);
	assert_string_equal(m.names, "AC");
	assert_int_equal(host_power_bank_add(&b, &v[1], &m), 0);
	s = service(&b, "bank_B");
	value_near(s, "soc", 75);
	assert_non_null(strstr(attr(s, "soc", "info"), "energy_now /"));
	value_near(s, "online", 0);
	/* a second bank of the same name: refused, batch unchanged */
	snprintf(v[1].name, sizeof(v[1].name), "A");
	assert_int_equal(host_power_bank_add(&b, &v[1], &m), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(b.n, 2);
	/* power_supply_online: both other supplies, the mouse's too */
	assert_int_equal(host_power_online_add(&b, v, 4), 0);
	s = service(&b, "power_supply_online");
	value_near(s, "mouse_usb", 1);
	assert_non_null(strstr(attr(s, "mouse_usb", "info"), "a device"));
	value_near(s, "AC", 0);
	batch_cleanup(&b);
}

/* ---- reading a tree ----------------------------------------------------- */

static void
put(const char *dir, const char *name, const char *text)
{
	char path[1024];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

static void
rm_rf(const char *dir)
{
	char cmd[1200];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* A FIFO and a directory in the place of attributes (reads that fail, as
 * EINVAL and ENODATA do on real drivers), a supply reached through a
 * symlink as in real sysfs, two names that sanitise alike, a malformed
 * value logged once however often it is read; a missing class
 * directory. */
static void
test_tree_reads(void **state)
{
	char root[] = "/tmp/test_host_power.XXXXXX", cls[512], dir[600];
	char log[4096];
	struct host_roots r = {.proc = "/nonexistent", .sys = root};
	struct host_power_supply v[HOST_POWER_MAX];
	struct batch b = {0};
	const struct service *s;
	void *st = NULL;
	FILE *cap;
	size_t n;
	int i;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(cls, sizeof(cls), "%s/class/power_supply", root);
	snprintf(dir, sizeof(dir), "%s/class", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(mkdir(cls, 0755), 0);
	/* the device directory elsewhere, linked in */
	snprintf(dir, sizeof(dir), "%s/devices-BAT0", root);
	assert_int_equal(mkdir(dir, 0755), 0);
	put(dir, "type", "Battery\n");
	put(dir, "status", "Charging\n");
	put(dir, "current_now", "500000\n");
	put(dir, "capacity", "88\n");
	{
		char p[700];

		snprintf(p, sizeof(p), "%s/voltage_now", dir);
		assert_int_equal(mkfifo(p, 0644), 0);
		snprintf(p, sizeof(p), "%s/temp", dir);
		assert_int_equal(mkdir(p, 0755), 0);
		snprintf(p, sizeof(p), "%s/BAT0", cls);
		assert_int_equal(symlink(dir, p), 0);
	}
	/* BAT-1 and BAT_1: one bank_BAT_1 (the first by name) */
	snprintf(dir, sizeof(dir), "%s/BAT-1", cls);
	assert_int_equal(mkdir(dir, 0755), 0);
	put(dir, "type", "Battery\n");
	put(dir, "capacity", "10\n");
	snprintf(dir, sizeof(dir), "%s/BAT_1", cls);
	assert_int_equal(mkdir(dir, 0755), 0);
	put(dir, "type", "Battery\n");
	put(dir, "capacity", "broken\n");
	/* a hidden entry, and a name that would break a protocol line */
	put(cls, ".hidden", "x\n");
	snprintf(dir, sizeof(dir), "%s/BAT\nfetch", cls);
	assert_int_equal(mkdir(dir, 0755), 0);
	put(dir, "type", "Battery\n");

	assert_int_equal(host_power_read(root, v, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(v[0].name, "BAT-1");
	assert_string_equal(v[1].name, "BAT0");
	assert_string_equal(v[2].name, "BAT_1");
	assert_false(v[1].a[PSU_VOLTAGE_NOW].present); /* the FIFO */
	assert_false(v[1].a[PSU_TEMP].present);	       /* the directory */

	cap = tmpfile();
	assert_non_null(cap);
	log_set_stream(cap);
	for (i = 0; i < 3; i++) {
		batch_cleanup(&b);
		memset(&b, 0, sizeof(b));
		assert_int_equal(probe_bank.collect(&r, &st, &b), 0);
	}
	log_set_stream(NULL);
	logged(cap, log, sizeof(log));
	fclose(cap);
	assert_int_equal(b.n, 2);
	s = service(&b, "bank_BAT0");
	value_near(s, "current", 0.5);
	value_near(s, "soc", 88);
	assert_false(has_field(s, "voltage"));
	assert_false(has_field(s, "temperature"));
	assert_false(has_field(s, "power"));
	value_near(service(&b, "bank_BAT_1"), "soc", 10);
	/* BAT_1's broken capacity was never shown: it is the second
	 * bank_BAT_1; it is still reported, once for three reads */
	assert_int_equal(count(log, "BAT_1/capacity: not understood"), 1);
	assert_int_equal(count(log, "is a second bank of that name"), 3);
	probe_bank.state_free(st);
	batch_cleanup(&b);

	/* no class directory: no supply, no failure */
	rm_rf(cls);
	memset(&b, 0, sizeof(b));
	st = NULL;
	assert_int_equal(probe_bank.collect(&r, &st, &b), 0);
	assert_int_equal(probe_power_supply_online.collect(&r, &st, &b), 0);
	assert_int_equal(b.n, 0);
	rm_rf(root);
}

static void
test_probe_lookup(void **state)
{
	(void)state;
	assert_string_equal(host_probe_find("bank_BAT0")->name, "bank_");
	assert_true(host_probe_find("bank_BAT0")->wildcard);
	assert_string_equal(host_probe_find("power_supply_online")->name,
	    "power_supply_online");
	assert_null(host_probe_find("bank_"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_int),
	    cmocka_unit_test(test_parse_texts),
	    cmocka_unit_test(test_laptop_charge),
	    cmocka_unit_test(test_thinkpad_energy),
	    cmocka_unit_test(test_hid_ups),
	    cmocka_unit_test(test_board_gauge),
	    cmocka_unit_test(test_sign_rule),
	    cmocka_unit_test(test_voltage_thresholds),
	    cmocka_unit_test(test_malformed_values),
	    cmocka_unit_test(test_health_states),
	    cmocka_unit_test(test_soc_fallbacks_and_mains),
	    cmocka_unit_test(test_tree_reads),
	    cmocka_unit_test(test_probe_lookup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
