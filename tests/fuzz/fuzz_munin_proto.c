/*
 * fuzz_munin_proto: a munin-node's replies (plugins/munin_proto.h).  The
 * input is one node's answer: its first line goes to the single-line
 * parsers (banner, cap, list), the whole input to the config and fetch
 * parsers, as a fresh config, as a fetch into that config (the poll's
 * order) and as a fetch alone.  Properties: the batch stays consistent
 * (names within MPROTO_MAX_NAME, every field named) and the line counts
 * add up.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "plugins/munin_proto.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void
check_batch(const struct batch *b)
{
	size_t i, j;

	for (i = 0; i < b->n; i++) {
		const struct service *s = &b->services[i];

		fuzz_assert(s->name != NULL, "service without a name");
		for (j = 0; j < s->nfields; j++) {
			fuzz_assert(s->fields[j].name != NULL &&
					s->fields[j].name[0] != '\0',
			    "field without a name");
			fuzz_assert(
			    strlen(s->fields[j].name) <= MPROTO_MAX_NAME,
			    "field name longer than MPROTO_MAX_NAME");
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *nl = memchr(data, '\n', size);
	char *line = fuzz_str(data, nl != NULL ? (size_t)(nl - buf) : size);
	const char *plugin;
	char name[256];
	struct strlist list = {0};
	struct mproto_stats st = {0};
	struct batch b = {0}, f = {0};

	mproto_parse_banner(line, name, sizeof(name));
	mproto_parse_cap(line);
	mproto_parse_list(line, &list);
	mproto_is_end(line);
	strlist_cleanup(&list);

	/* the plugin name comes from the node's list, so it is the node's
	 * too; the client passes only names that fit */
	plugin = strlen(line) <= MPROTO_MAX_NAME ? line : "fuzz";
	mproto_parse_config(buf, size, plugin, &b, &st);
	fuzz_assert(st.bad_lines <= st.lines, "more bad lines than lines");
	check_batch(&b);
	mproto_parse_fetch(buf, size, plugin, &b, &st);
	check_batch(&b);
	batch_values(&b);
	mproto_parse_fetch(buf, size, plugin, &f, NULL);
	check_batch(&f);
	batch_cleanup(&b);
	batch_cleanup(&f);
	free(line);
	return 0;
}
