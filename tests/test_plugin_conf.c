/* Tests for plugin_conf and plugin_dir: munin-node's plugin-conf.d
 * syntax, override order, wildcards, errors, and file selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lib/log.h"
#include "plugins/plugin_conf.h"
#include "plugins/plugin_dir.h"

static FILE *devnull;

/* Expected error messages go to /dev/null. */
static void
quiet(void)
{
	devnull = fopen("/dev/null", "w");
	log_set_stream(devnull);
}

static void
loud(void)
{
	log_set_stream(NULL);
	if (devnull != NULL)
		fclose(devnull);
	devnull = NULL;
}

static int
parse(struct plugin_conf *pc, const char *file, const char *text)
{
	return plugin_conf_parse(pc, file, text, strlen(text));
}

static void
test_sections_keys_and_comments(void **state)
{
	struct plugin_conf pc = {0};
	struct plugin_settings s;

	(void)state;
	assert_int_equal(parse(&pc, "a",
			     "# comment\n"
			     "  [uptime]  \n"
			     "user   munin\n"
			     "group adm, (maybe) ,disk\n"
			     "command sudo -u x %c\n"
			     "timeout 9\n"
			     "host_name other.example\n"
			     "env.text  a  b # comment\n"
			     "env.hash x\\#y\n"
			     "0\n"),
	    0);
	assert_int_equal(plugin_conf_resolve(&pc, "uptime", &s), 0);
	assert_string_equal(s.user, "munin");
	assert_true(s.has_group);
	assert_int_equal(s.groups.n, 3);
	assert_string_equal(s.groups.v[1], "(maybe)");
	assert_int_equal(s.command.n, 4);
	assert_string_equal(s.command.v[3], "%c");
	assert_int_equal(s.timeout, 9);
	assert_string_equal(s.host_name, "other.example");
	assert_string_equal(plugin_settings_env(&s, "text"), "a  b");
	assert_string_equal(plugin_settings_env(&s, "hash"), "x#y");
	plugin_settings_cleanup(&s);
	plugin_conf_cleanup(&pc);
}

static void
test_later_file_overrides(void **state)
{
	struct plugin_conf pc = {0};
	struct plugin_settings s;

	(void)state;
	assert_int_equal(parse(&pc, "a",
			     "[p]\nuser root\ngroup adm disk\nenv.a 1\n"
			     "env.b 1\n"),
	    0);
	assert_int_equal(parse(&pc, "b", "[p]\ngroup munin\nenv.b 2\n"), 0);
	assert_int_equal(plugin_conf_resolve(&pc, "p", &s), 0);
	assert_string_equal(s.user, "root");
	assert_int_equal(s.groups.n, 1);
	assert_string_equal(s.groups.v[0], "munin");
	assert_string_equal(plugin_settings_env(&s, "a"), "1");
	assert_string_equal(plugin_settings_env(&s, "b"), "2");
	plugin_settings_cleanup(&s);
	plugin_conf_cleanup(&pc);
}

static void
test_wildcards(void **state)
{
	struct plugin_conf pc = {0};
	struct plugin_settings s;

	(void)state;
	/* file order must not matter: [*] first, specific ones later */
	assert_int_equal(parse(&pc, "a",
			     "[*]\nenv.who star\nuser nobody\ntimeout 3\n"
			     "[if_*]\nenv.who if\nuser root\n"
			     "[if_err_*]\nenv.who if_err\n"
			     "[*_pool]\nenv.who pool\n"
			     "[if_eth0]\nenv.own 1\n"),
	    0);
	assert_int_equal(plugin_conf_resolve(&pc, "if_eth0", &s), 0);
	assert_string_equal(plugin_settings_env(&s, "who"), "if");
	assert_string_equal(plugin_settings_env(&s, "own"), "1");
	assert_string_equal(s.user, "root");
	assert_int_equal(s.timeout, 3);
	plugin_settings_cleanup(&s);
	assert_int_equal(plugin_conf_resolve(&pc, "if_err_eth0", &s), 0);
	assert_string_equal(plugin_settings_env(&s, "who"), "if_err");
	assert_string_equal(s.user, "root");
	plugin_settings_cleanup(&s);
	assert_int_equal(plugin_conf_resolve(&pc, "ip_pool", &s), 0);
	assert_string_equal(plugin_settings_env(&s, "who"), "pool");
	assert_string_equal(s.user, "nobody");
	plugin_settings_cleanup(&s);
	assert_int_equal(plugin_conf_resolve(&pc, "load", &s), 0);
	assert_string_equal(plugin_settings_env(&s, "who"), "star");
	plugin_settings_cleanup(&s);
	plugin_conf_cleanup(&pc);
}

static void
test_errors_skip_rest_of_file(void **state)
{
	struct plugin_conf pc = {0};
	struct plugin_settings s;

	(void)state;
	quiet();
	assert_int_equal(
	    parse(&pc, "bad", "[p]\nenv.before 1\nwrong key\nenv.after 1\n"),
	    1);
	assert_int_equal(parse(&pc, "clutter", "env.x 1\n[p]\nenv.c 1\n"), 1);
	assert_int_equal(parse(&pc, "old", "[q]\nenv a=b\nenv.d 1\n"), 1);
	assert_int_equal(parse(&pc, "noval", "[q]\nuser\n"), 1);
	/* only the line: a timeout that is not a number */
	assert_int_equal(parse(&pc, "t", "[q]\ntimeout soon\nenv.e 1\n"), 1);
	assert_int_equal(parse(&pc, "good", "[p]\nenv.good 1\n"), 0);
	assert_int_equal(pc.errors.n, 5);
	assert_string_equal(pc.errors.v[0],
	    "bad:3: unknown key \"wrong\" (should it be \"env.wrong\"?); "
	    "skipping the rest of the file");
	assert_non_null(strstr(pc.errors.v[1], "clutter:1: "));
	assert_non_null(strstr(pc.errors.v[2], "old:2: deprecated"));
	assert_non_null(strstr(pc.errors.v[3], "noval:2: "));
	assert_non_null(strstr(pc.errors.v[4], "t:2: timeout"));
	assert_int_equal(plugin_conf_resolve(&pc, "p", &s), 0);
	assert_non_null(plugin_settings_env(&s, "before"));
	assert_null(plugin_settings_env(&s, "after"));
	assert_null(plugin_settings_env(&s, "c"));
	assert_non_null(plugin_settings_env(&s, "good"));
	plugin_settings_cleanup(&s);
	assert_int_equal(plugin_conf_resolve(&pc, "q", &s), 0);
	assert_null(plugin_settings_env(&s, "d"));
	assert_non_null(plugin_settings_env(&s, "e"));
	assert_int_equal(s.timeout, 0);
	plugin_settings_cleanup(&s);
	plugin_conf_cleanup(&pc);
	loud();
}

static void
test_garbage_never_crashes(void **state)
{
	struct plugin_conf pc = {0};
	static const char junk[] =
	    "[\n]\n[]\n[a]]\n\\\n#\n\0[x]\nenv.\x01 \xff";

	(void)state;
	quiet();
	assert_true(plugin_conf_parse(&pc, "junk", junk, sizeof(junk)) >= 0);
	assert_true(plugin_conf_parse(&pc, "empty", "", 0) == 0);
	plugin_conf_cleanup(&pc);
	loud();
}

static void
test_fixture_dir(void **state)
{
	struct plugin_ignore ig = {0};
	struct plugin_conf pc = {0};
	struct plugin_settings s;

	(void)state;
	quiet();
	assert_int_equal(plugin_ignore_init(&ig, plugin_ignore_debian), 0);
	assert_int_equal(
	    plugin_conf_load_dir(&pc, FIXTURES "/plugin-conf.d", &ig), 3);
	assert_int_equal(plugin_conf_resolve(&pc, "uptime", &s), 0);
	/* 10-override beats 00-base; backup and hidden files unread */
	assert_int_equal(s.timeout, 7);
	assert_string_equal(plugin_settings_env(&s, "level"), "exact");
	assert_null(plugin_settings_env(&s, "ignored"));
	plugin_settings_cleanup(&s);
	assert_int_equal(plugin_conf_resolve(&pc, "apt", &s), 0);
	assert_string_equal(s.user, "nobody");
	assert_int_equal(s.command.n, 2);
	plugin_settings_cleanup(&s);
	assert_int_equal(plugin_conf_load_dir(&pc, "/nonexistent", &ig), -1);
	plugin_conf_cleanup(&pc);
	plugin_ignore_cleanup(&ig);
	loud();
}

/* Backup files (made here: editors' leftovers are not kept in git) are
 * not read, as munin-node's ignore_file patterns say. */
static void
test_backups_unread(void **state)
{
	static const char *const files[][2] = {
	    {"10-good", "[uptime]\nenv.level good\n"},
	    {"50-zz.bak", "[uptime]\nenv.ignored bak\n"},
	    {"60-last~", "[uptime]\nenv.ignored tilde\n"},
	};
	char dir[] = "/tmp/test_plugin_conf.XXXXXX", path[96];
	struct plugin_ignore ig = {0};
	struct plugin_conf pc = {0};
	struct plugin_settings s;
	size_t i;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fputs(files[i][1], fp);
		fclose(fp);
	}
	assert_int_equal(plugin_ignore_init(&ig, plugin_ignore_debian), 0);
	assert_int_equal(plugin_conf_load_dir(&pc, dir, &ig), 0);
	assert_int_equal(plugin_conf_resolve(&pc, "uptime", &s), 0);
	assert_string_equal(plugin_settings_env(&s, "level"), "good");
	assert_null(plugin_settings_env(&s, "ignored"));
	plugin_settings_cleanup(&s);
	plugin_conf_cleanup(&pc);
	plugin_ignore_cleanup(&ig);
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i][0]);
		assert_int_equal(unlink(path), 0);
	}
	assert_int_equal(rmdir(dir), 0);
}

static void
test_plugin_names(void **state)
{
	struct plugin_ignore ig = {0};

	(void)state;
	assert_int_equal(plugin_ignore_init(&ig, plugin_ignore_debian), 0);
	assert_true(plugin_name_runnable(&ig, "if_eth0"));
	assert_true(plugin_name_runnable(&ig, "snmp__x@y:z-1.2"));
	assert_false(plugin_name_runnable(&ig, ".hidden"));
	assert_false(plugin_name_runnable(&ig, "x.conf"));
	assert_false(plugin_name_runnable(&ig, "cpu~"));
	assert_false(plugin_name_runnable(&ig, "#cpu#"));
	assert_false(plugin_name_runnable(&ig, "cpu.bak"));
	assert_false(plugin_name_runnable(&ig, "cpu%"));
	assert_false(plugin_name_runnable(&ig, "cpu.dpkg-old"));
	assert_false(plugin_name_runnable(&ig, "cpu.rpmnew"));
	assert_false(plugin_name_runnable(&ig, "cpu.pod"));
	assert_false(plugin_name_runnable(&ig, "DEADJOE"));
	assert_false(plugin_name_runnable(&ig, "a b"));
	assert_true(plugin_name_runnable(NULL, "cpu.bak"));
	assert_false(plugin_conf_name_ok(&ig, "a@b"));
	assert_true(plugin_conf_name_ok(&ig, "munin-node"));
	plugin_ignore_cleanup(&ig);
	static const char *const bad[] = {"(", NULL};
	quiet();
	assert_int_equal(plugin_ignore_init(&ig, bad), -1);
	loud();
}

static void
test_dir_list(void **state)
{
	char dir[] = "/tmp/test_plugin_dir.XXXXXX", path[512];
	static const char *const files[] = {
	    "b", "a", "c~", "d.conf", "noexec", ".h"};
	struct plugin_ignore ig = {0};
	struct strlist l = {0};
	size_t i;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		f = fopen(path, "w");
		assert_non_null(f);
		fclose(f);
		chmod(path, strcmp(files[i], "noexec") ? 0755 : 0644);
	}
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(plugin_ignore_init(&ig, plugin_ignore_debian), 0);
	assert_int_equal(plugin_dir_list(dir, &ig, &l), 0);
	/* root may execute "noexec"? no: no x bit at all */
	assert_int_equal(l.n, 2);
	assert_string_equal(l.v[0], "a");
	assert_string_equal(l.v[1], "b");
	strlist_cleanup(&l);
	assert_int_equal(plugin_conf_dir_list(dir, &ig, &l), 0);
	assert_int_equal(l.n, 4); /* a b d.conf noexec */
	strlist_cleanup(&l);
	plugin_ignore_cleanup(&ig);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sections_keys_and_comments),
	    cmocka_unit_test(test_later_file_overrides),
	    cmocka_unit_test(test_wildcards),
	    cmocka_unit_test(test_errors_skip_rest_of_file),
	    cmocka_unit_test(test_garbage_never_crashes),
	    cmocka_unit_test(test_fixture_dir),
	    cmocka_unit_test(test_backups_unread),
	    cmocka_unit_test(test_plugin_names),
	    cmocka_unit_test(test_dir_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
