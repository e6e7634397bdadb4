/*
 * test_secret: lib/secret's one reader of password and token files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/secret.h"

static char dir[64];

static void
put(const char *name, const char *text, mode_t mode)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
}

static enum secret_err
rd(const char *name, int nofollow, size_t max, char **out, unsigned *mode)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return secret_read(path, nofollow, max, out, mode);
}

static void
test_first_line(void **state)
{
	unsigned mode;
	char *s;

	(void)state;
	put("ok", "pass word:1\r\nsecond line\n", 0600);
	assert_int_equal(rd("ok", 1, 20, &s, &mode), SECRET_OK);
	assert_string_equal(s, "pass word:1");
	assert_int_equal(mode, 0600);
	secret_free(s);
	put("long", "123456789012345678901\n", 0400);
	assert_int_equal(rd("long", 1, 20, &s, &mode), SECRET_TOO_LONG);
	assert_null(s);
	assert_int_equal(rd("long", 1, 21, &s, &mode), SECRET_OK);
	secret_free(s);
	put("empty", "\nnot this\n", 0600);
	assert_int_equal(rd("empty", 1, 20, &s, &mode), SECRET_EMPTY);
	assert_null(s);
}

static void
test_refusals(void **state)
{
	char path[128], link[128];
	unsigned mode;
	char *s;

	(void)state;
	put("group", "x\n", 0640);
	assert_int_equal(rd("group", 0, 20, &s, &mode), SECRET_MODE);
	assert_int_equal(mode, 0640);
	assert_null(s);
	put("other", "x\n", 0604);
	assert_int_equal(rd("other", 0, 20, &s, &mode), SECRET_MODE);
	assert_int_equal(rd("missing", 0, 20, &s, &mode), SECRET_OPEN);
	assert_int_equal(rd(".", 0, 20, &s, &mode), SECRET_NOT_REGULAR);
	put("target", "y\n", 0600);
	snprintf(path, sizeof(path), "%s/target", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	assert_int_equal(symlink(path, link), 0);
	assert_int_equal(rd("link", 1, 20, &s, &mode), SECRET_OPEN);
	assert_int_equal(rd("link", 0, 20, &s, &mode), SECRET_OK);
	assert_string_equal(s, "y");
	secret_free(s);
	secret_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_line),
	    cmocka_unit_test(test_refusals),
	};
	char cmd[128];
	int ret;

	snprintf(dir, sizeof(dir), "/tmp/drover-secret.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return 1;
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		ret = 1;
	return ret;
}
