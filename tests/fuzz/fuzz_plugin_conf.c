/*
 * fuzz_plugin_conf: one plugin-conf.d file (plugins/plugin_conf.h) parsed
 * as munin-node's, then the settings of a few plugin names resolved
 * (exact, prefix and suffix wildcards).  Properties are the sanitizers'
 * and the parser's own: the error count is what it kept, at most one per
 * file for errors that end the file, and every resolved env name is set
 * once.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "plugins/plugin_conf.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {
	    "uptime", "if_eth0", "if_err_eth0", "ip_pool", "x", "a"};
	struct plugin_conf pc = {0};
	struct plugin_settings s;
	size_t i, a, b;
	int n;

	n = plugin_conf_parse(&pc, "fuzz", (const char *)data, size);
	fuzz_assert(n >= 0, "plugin_conf_parse failed");
	fuzz_assert((size_t)n == pc.errors.n, "error count");
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		fuzz_assert(plugin_conf_resolve(&pc, names[i], &s) == 0,
		    "plugin_conf_resolve");
		for (a = 0; a < s.nenv; a++)
			for (b = a + 1; b < s.nenv; b++)
				fuzz_assert(
				    strcmp(s.env[a].name, s.env[b].name) != 0,
				    "env name set twice");
		plugin_settings_cleanup(&s);
	}
	plugin_conf_cleanup(&pc);
	return 0;
}
