/*
 * plugin_conf_dump DIR PLUGIN...: loads the plugin-conf.d DIR (Debian's
 * ignore_file patterns) and prints, for each PLUGIN, the settings
 * plugin_conf resolves, in the format of tests/plugin_conf_munin.pl (the
 * same through Munin::Node::Config): "[PLUGIN]", then "user U",
 * "group G1 G2", "command W1 W2", "timeout N", "host_name H", and
 * "env.NAME VALUE" sorted by name, each only when set.  Parse errors go
 * to stderr; exit 0 unless DIR cannot be read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugins/plugin_conf.h"

static int
cmp_env(const void *a, const void *b)
{
	return strcmp(((const struct plugin_env *)a)->name,
	    ((const struct plugin_env *)b)->name);
}

static void
print_list(const char *key, const struct strlist *l)
{
	size_t i;

	printf("%s", key);
	for (i = 0; i < l->n; i++)
		printf(" %s", l->v[i]);
	printf("\n");
}

int
main(int argc, char **argv)
{
	struct plugin_ignore ig = {0};
	struct plugin_conf pc = {0};
	struct plugin_settings s;
	size_t i;
	int a, rc = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: plugin_conf_dump DIR PLUGIN...\n");
		return 2;
	}
	if (plugin_ignore_init(&ig, plugin_ignore_debian) != 0)
		return 1;
	if (plugin_conf_load_dir(&pc, argv[1], &ig) < 0)
		goto out;
	for (a = 2; a < argc; a++) {
		if (plugin_conf_resolve(&pc, argv[a], &s) != 0)
			goto out;
		printf("[%s]\n", argv[a]);
		if (s.user != NULL)
			printf("user %s\n", s.user);
		if (s.has_group)
			print_list("group", &s.groups);
		if (s.has_command)
			print_list("command", &s.command);
		if (s.timeout != 0)
			printf("timeout %u\n", s.timeout);
		if (s.host_name != NULL)
			printf("host_name %s\n", s.host_name);
		qsort(s.env, s.nenv, sizeof(*s.env), cmp_env);
		for (i = 0; i < s.nenv; i++)
			printf("env.%s %s\n", s.env[i].name, s.env[i].value);
		plugin_settings_cleanup(&s);
	}
	rc = 0;
out:
	plugin_conf_cleanup(&pc);
	plugin_ignore_cleanup(&ig);
	return rc;
}
