/*
 * Tests for cdef_eval: each operator against what rrdtool 1.7.2 prints
 * for the same CDEF (rrdtool graph ... CDEF:y=x,POP,EXPR PRINT:y:LAST),
 * unknowns included, and the refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "rrd/cdef_eval.h"

/* Fields: up = 100, down = NaN (unknown), big = 1e12. */
static bool
lookup(void *arg, const char *name, double *out)
{
	(void)arg;
	if (strcmp(name, "up") == 0)
		*out = 100;
	else if (strcmp(name, "down") == 0)
		*out = NAN;
	else if (strcmp(name, "big") == 0)
		*out = 1e12;
	else
		return false;
	return true;
}

static double
ev(const char *rpn)
{
	double v = -12345;

	assert_int_equal(cdef_eval(rpn, lookup, NULL, &v), 0);
	return v;
}

static void
near(double got, double want)
{
	assert_true(fabs(got - want) < 1e-9 * (fabs(want) + 1));
}

#define NEAR(a, b) near((a), (b))

static void
test_arithmetic_and_names(void **state)
{
	(void)state;
	NEAR(ev("up,8,*"), 800);
	NEAR(ev("big,1024,/"), 1e12 / 1024);
	NEAR(ev("7,3,%"), 1);
	NEAR(ev("-7,3,%"), -1);
	NEAR(ev("1,2,EXC,-"), 1);
	NEAR(ev("2,DUP,*"), 4);
	NEAR(ev("1,2,3,POP,+"), 3);
	NEAR(ev("4,SQRT"), 2);
	NEAR(ev("-4,ABS"), 4);
	NEAR(ev("2.5,FLOOR"), 2);
	NEAR(ev("2.5,CEIL"), 3);
	NEAR(ev("2,3,ATAN2"), 0.588002603547568);
	NEAR(ev("1,2,MAX"), 2);
	NEAR(ev("1e3"), 1000);
}

static void
test_unknowns_as_rrdtool(void **state)
{
	(void)state;
	/* munin's .sum/.stack cdef: unknown as 0 */
	NEAR(ev("down,UN,0,down,IF"), 0);
	NEAR(ev("up,UN,0,up,IF"), 100);
	NEAR(ev("UNKN,1,2,IF"), 2);
	NEAR(ev("0,1,2,IF"), 2);
	assert_true(isnan(ev("UNKN,1,LT")));
	assert_true(isnan(ev("UNKN,0,EQ")));
	NEAR(ev("INF,1,GT"), 1);
	NEAR(ev("NEGINF,0,LT"), 1);
	NEAR(ev("3,3,NE"), 0);
	assert_true(isnan(ev("down,3,MIN")));
	NEAR(ev("1,down,MINNAN"), 1);
	NEAR(ev("1,down,ADDNAN"), 1);
	assert_true(isnan(ev("down,down,ADDNAN")));
	assert_true(isnan(ev("5,1,3,LIMIT")));
	NEAR(ev("2,1,3,LIMIT"), 2);
	NEAR(ev("UNKN,ISINF"), 0);
	NEAR(ev("UNKN,UN"), 1);
	NEAR(ev("1,2,3,3,AVG"), 2);
	NEAR(ev("1,UNKN,3,3,AVG"), 2);
	assert_true(isnan(ev("down,8,*")));
}

static void
test_refusals(void **state)
{
	static const char *const bad[] = {"", "1,2", "+", "1,+", "nosuch,1,+",
	    "up,PREV,+", "TIME", "1,2,3,4,AVG", "1,,2,+", "up,inf,+",
	    "1,0,AVG"};
	double v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(cdef_eval(bad[i], lookup, NULL, &v), -1);
		assert_int_equal(errno, EINVAL);
	}
}

static void
test_deep_stack_refused(void **state)
{
	char rpn[1024] = "1";
	double v;
	int i;

	(void)state;
	for (i = 0; i < 80; i++)
		strcat(rpn, ",1");
	assert_int_equal(cdef_eval(rpn, lookup, NULL, &v), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_arithmetic_and_names),
	    cmocka_unit_test(test_unknowns_as_rrdtool),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_deep_stack_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
