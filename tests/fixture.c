/*
 * fixture: reading the unit tests' captured input files (fixture.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "tests/fixture.h"

char *
fixture_read(const char *rel, size_t *lenp)
{
	char path[512], *buf;
	FILE *fp;
	long len;

	snprintf(path, sizeof(path), "%s/%s", FIXTURES, rel);
	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	len = ftell(fp);
	assert_true(len >= 0);
	rewind(fp);
	buf = malloc(len > 0 ? (size_t)len : 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, fp), (size_t)len);
	fclose(fp);
	*lenp = (size_t)len;
	return buf;
}
