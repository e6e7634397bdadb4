/* Tests for nut_read's pure half: LIST VAR reply lines (captured from
 * upsd 2.8.0 serving a dummy-ups UPS) and variables -> the bank schema's
 * services, thresholds and ups.status verdicts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "plugins/nut_read.h"

/* upsd's reply to LIST VAR ups1, as captured (driver lines trimmed). */
static const char *const capture[] = {
    "BEGIN LIST VAR ups1",
    "VAR ups1 battery.charge \"87\"",
    "VAR ups1 battery.runtime \"5400\"",
    "VAR ups1 battery.temperature \"25.5\"",
    "VAR ups1 battery.voltage \"26.1\"",
    "VAR ups1 battery.voltage.low \"22.5\"",
    "VAR ups1 battery.voltage.nominal \"24\"",
    "VAR ups1 device.mfr \"Acme\"",
    "VAR ups1 device.model \"Dummy UPS\"",
    "VAR ups1 driver.name \"dummy-ups\"",
    "VAR ups1 input.voltage \"230.4\"",
    "VAR ups1 output.voltage \"229.9\"",
    "VAR ups1 ups.load \"23\"",
    "VAR ups1 ups.realpower \"180\"",
    "VAR ups1 ups.status \"OL CHRG\"",
    "END LIST VAR ups1",
};
#define NCAPTURE (sizeof(capture) / sizeof(capture[0]))

/* The capture's variables, as nut_read_ups() collects them. */
static void
capture_vars(struct attrs *vars)
{
	char name[128], value[512];
	size_t i;

	memset(vars, 0, sizeof(*vars));
	assert_int_equal(nut_parse_line(capture[0], "ups1", name, sizeof(name),
			     value, sizeof(value)),
	    NUT_LINE_BEGIN);
	for (i = 1; i + 1 < NCAPTURE; i++) {
		assert_int_equal(nut_parse_line(capture[i], "ups1", name,
				     sizeof(name), value, sizeof(value)),
		    NUT_LINE_VAR);
		assert_int_equal(attrs_set(vars, name, value), 0);
	}
	assert_int_equal(nut_parse_line(capture[NCAPTURE - 1], "ups1", name,
			     sizeof(name), value, sizeof(value)),
	    NUT_LINE_END);
}

static const struct field *
field(struct batch *b, const char *svc, const char *name)
{
	struct service *s = batch_service(b, svc, false);

	assert_non_null(s);
	return service_field(s, name, false);
}

static double
value(struct batch *b, const char *svc, const char *name)
{
	const struct field *f = field(b, svc, name);

	assert_non_null(f);
	assert_true(f->has_value);
	assert_false(f->unknown);
	return f->value;
}

static const char *
attr(struct batch *b, const char *svc, const char *name, const char *key)
{
	const struct field *f = field(b, svc, name);

	assert_non_null(f);
	return attrs_get(&f->attrs, key);
}

static void
test_lines(void **state)
{
	char name[64], value[64];

	(void)state;
	assert_int_equal(nut_parse_line("VAR ups1 ups.status \"OB LB\"", "ups1",
			     name, sizeof(name), value, sizeof(value)),
	    NUT_LINE_VAR);
	assert_string_equal(name, "ups.status");
	assert_string_equal(value, "OB LB");
	/* upsd escapes quotes and backslashes in values */
	assert_int_equal(nut_parse_line("VAR ups1 ups.id \"a \\\"b\\\" c\\\\\"",
			     "ups1", name, sizeof(name), value, sizeof(value)),
	    NUT_LINE_VAR);
	assert_string_equal(value, "a \"b\" c\\");
	assert_int_equal(nut_parse_line("ERR UNKNOWN-UPS", "nope", name,
			     sizeof(name), value, sizeof(value)),
	    NUT_LINE_ERR);
	assert_string_equal(name, "UNKNOWN-UPS");
	assert_int_equal(nut_parse_line("ERR ACCESS-DENIED", "ups1", name,
			     sizeof(name), NULL, 0),
	    NUT_LINE_ERR);
	assert_string_equal(name, "ACCESS-DENIED");
	/* another UPS's line, garbage, an unclosed quote, extra words */
	assert_int_equal(nut_parse_line("VAR ups2 ups.status \"OL\"", "ups1",
			     name, sizeof(name), value, sizeof(value)),
	    NUT_LINE_BAD);
	assert_int_equal(nut_parse_line("END LIST VAR ups2", "ups1", name,
			     sizeof(name), value, sizeof(value)),
	    NUT_LINE_BAD);
	assert_int_equal(nut_parse_line("", "ups1", name, sizeof(name), value,
			     sizeof(value)),
	    NUT_LINE_BAD);
	assert_int_equal(nut_parse_line("VAR ups1 ups.status \"OL", "ups1",
			     name, sizeof(name), value, sizeof(value)),
	    NUT_LINE_BAD);
	assert_int_equal(nut_parse_line("VAR ups1 a \"1\" junk", "ups1", name,
			     sizeof(name), value, sizeof(value)),
	    NUT_LINE_BAD);
	assert_int_equal(nut_parse_line("BEGIN LIST VAR ups1 x", "ups1", name,
			     sizeof(name), value, sizeof(value)),
	    NUT_LINE_BAD);
	/* a value longer than the buffer is cut, never overrun */
	assert_int_equal(nut_parse_line("VAR ups1 n \"0123456789abcdef\"",
			     "ups1", name, sizeof(name), value, 8),
	    NUT_LINE_VAR);
	assert_string_equal(value, "0123456");
}

static void
test_capture_to_bank(void **state)
{
	struct attrs vars;
	struct batch b = {0};
	struct service *s;

	(void)state;
	capture_vars(&vars);
	assert_int_equal(
	    nut_vars_batch("ups1", "ups1@127.0.0.1:3493", &vars, &b), 0);
	assert_int_equal(b.n, 2);
	s = batch_service(&b, "bank_ups1", false);
	assert_non_null(s);
	assert_string_equal(attrs_get(&s->graph, "graph_category"), "power");
	assert_non_null(strstr(attrs_get(&s->graph, "graph_title"), "ups1"));
	assert_true(value(&b, "bank_ups1", "voltage") == 26.1);
	assert_true(value(&b, "bank_ups1", "soc") == 87);
	assert_true(value(&b, "bank_ups1", "runtime") == 5400);
	assert_true(value(&b, "bank_ups1", "temperature") == 25.5);
	assert_true(value(&b, "bank_ups1", "online") == 1);
	assert_null(field(&b, "bank_ups1", "current"));
	/* nominal 24 V: warning 24 V (12 x 2); low 22.5 V is critical */
	assert_string_equal(attr(&b, "bank_ups1", "voltage", "warning"), "24:");
	assert_string_equal(
	    attr(&b, "bank_ups1", "voltage", "critical"), "22.5:");
	assert_string_equal(attr(&b, "bank_ups1", "soc", "warning"), "30:");
	assert_string_equal(attr(&b, "bank_ups1", "soc", "critical"), "15:");
	assert_string_equal(attr(&b, "bank_ups1", "voltage", "type"), "GAUGE");

	s = batch_service(&b, "ups_ups1", false);
	assert_non_null(s);
	assert_string_equal(attrs_get(&s->graph, "graph_category"), "power");
	assert_true(value(&b, "ups_ups1", "input_voltage") == 230.4);
	assert_true(value(&b, "ups_ups1", "output_voltage") == 229.9);
	assert_true(value(&b, "ups_ups1", "load") == 23);
	assert_true(value(&b, "ups_ups1", "realpower") == 180);
	assert_true(value(&b, "ups_ups1", "ol") == 1);
	assert_true(value(&b, "ups_ups1", "chrg") == 1);
	assert_true(value(&b, "ups_ups1", "dischrg") == 0);
	assert_true(value(&b, "ups_ups1", "ob") == 0);
	assert_string_equal(attr(&b, "ups_ups1", "ob", "state"), "OK");
	assert_string_equal(attr(&b, "ups_ups1", "lb", "state"), "OK");
	assert_string_equal(attr(&b, "ups_ups1", "rb", "state"), "OK");
	/* informational flags carry no verdict */
	assert_null(attr(&b, "ups_ups1", "chrg", "state"));
	assert_null(attr(&b, "ups_ups1", "ol", "state"));
	attrs_cleanup(&vars);
	batch_cleanup(&b);
}

static void
test_status_verdicts(void **state)
{
	struct attrs vars = {0};
	struct batch b = {0};

	(void)state;
	assert_int_equal(attrs_set(&vars, "ups.status", "OB DISCHRG"), 0);
	assert_int_equal(nut_vars_batch("u", "u@h:1", &vars, &b), 0);
	assert_true(value(&b, "bank_u", "online") == 0);
	assert_true(value(&b, "ups_u", "ob") == 1);
	assert_string_equal(attr(&b, "ups_u", "ob", "state"), "WARNING");
	assert_string_equal(attr(&b, "ups_u", "lb", "state"), "OK");
	batch_cleanup(&b);

	assert_int_equal(attrs_set(&vars, "ups.status", "OB LB RB"), 0);
	assert_int_equal(nut_vars_batch("u", "u@h:1", &vars, &b), 0);
	assert_string_equal(attr(&b, "ups_u", "ob", "state"), "WARNING");
	assert_string_equal(attr(&b, "ups_u", "lb", "state"), "CRITICAL");
	assert_string_equal(attr(&b, "ups_u", "rb", "state"), "WARNING");
	assert_true(value(&b, "ups_u", "lb") == 1);
	batch_cleanup(&b);

	/* a flag is a whole word: "OBX" is not OB */
	assert_int_equal(attrs_set(&vars, "ups.status", "OL OBX"), 0);
	assert_int_equal(nut_vars_batch("u", "u@h:1", &vars, &b), 0);
	assert_true(value(&b, "ups_u", "ob") == 0);
	assert_true(value(&b, "bank_u", "online") == 1);
	batch_cleanup(&b);
	attrs_cleanup(&vars);
}

/* voltage thresholds for the given nominal and low (NULL: absent) */
static void
check_thresholds(
    const char *nominal, const char *low, const char *warn, const char *crit)
{
	struct attrs vars = {0};
	struct batch b = {0};

	assert_int_equal(attrs_set(&vars, "battery.voltage", "12.5"), 0);
	if (nominal != NULL)
		assert_int_equal(
		    attrs_set(&vars, "battery.voltage.nominal", nominal), 0);
	if (low != NULL)
		assert_int_equal(
		    attrs_set(&vars, "battery.voltage.low", low), 0);
	assert_int_equal(nut_vars_batch("b", "b@h:1", &vars, &b), 0);
	assert_string_equal(attr(&b, "bank_b", "voltage", "warning"), warn);
	assert_string_equal(attr(&b, "bank_b", "voltage", "critical"), crit);
	/* no ups.status: no flags, no online, no ups service at all */
	assert_null(field(&b, "bank_b", "online"));
	assert_null(batch_service(&b, "ups_b", false));
	batch_cleanup(&b);
	attrs_cleanup(&vars);
}

static void
test_thresholds(void **state)
{
	(void)state;
	check_thresholds(NULL, NULL, "12:", "11.5:");
	check_thresholds("12", NULL, "12:", "11.5:");
	check_thresholds("48", NULL, "48:", "46:");
	check_thresholds("24", "21", "24:", "21:");
	/* a low mark above the usual warning: warning half a volt above */
	check_thresholds("12", "12.2", "12.7:", "12.2:");
	/* nonsense nominal: the 12 V defaults */
	check_thresholds("x", NULL, "12:", "11.5:");
}

static void
test_odd_values_and_names(void **state)
{
	struct attrs vars = {0};
	struct batch b = {0};
	const struct field *f;

	(void)state;
	assert_int_equal(attrs_set(&vars, "battery.charge", "n/a"), 0);
	assert_int_equal(attrs_set(&vars, "battery.current", "-3.2"), 0);
	assert_int_equal(nut_vars_batch("my-ups.1", "x", &vars, &b), 0);
	f = field(&b, "bank_my_ups_1", "soc");
	assert_non_null(f);
	assert_true(f->has_value);
	assert_true(f->unknown);
	assert_true(value(&b, "bank_my_ups_1", "current") == -3.2);
	batch_cleanup(&b);
	attrs_cleanup(&vars);

	/* nothing known: no services */
	assert_int_equal(attrs_set(&vars, "driver.name", "dummy-ups"), 0);
	assert_int_equal(nut_vars_batch("u", "x", &vars, &b), 0);
	assert_int_equal(b.n, 0);
	batch_cleanup(&b);
	attrs_cleanup(&vars);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_lines),
	    cmocka_unit_test(test_capture_to_bank),
	    cmocka_unit_test(test_status_verdicts),
	    cmocka_unit_test(test_thresholds),
	    cmocka_unit_test(test_odd_values_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
