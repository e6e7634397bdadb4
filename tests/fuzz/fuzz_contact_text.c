/*
 * fuzz_contact_text: munin-limits' message templates (alerts/contact_text.h).
 * The input is cut at NUL bytes into a template and the values a node or
 * an operator controls: group, host, plugin, graph title, a graph
 * attribute, and two fields' name, label, warning, critical and extinfo;
 * the last byte picks states and flags.  The template is expanded for
 * text and for a command, and so is each built-in one.  Properties are
 * the sanitizers' (how a value may appear in a command is the contacts'
 * own test's business: their quoting is not a simple character filter).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "alerts/contact_text.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void
expand(const char *tmpl, const struct contact_msg *m)
{
	char *s;

	s = contacts_expand(tmpl, m, false);
	fuzz_assert(s != NULL, "contacts_expand (text)");
	free(s);
	s = contacts_expand(tmpl, m, true);
	fuzz_assert(s != NULL, "contacts_expand (command)");
	free(s);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"nagios", "old-nagios", "mail"};
	struct fuzz_parts p;
	struct attrs graph = {0}, fa[2] = {{0}, {0}};
	struct contact_field f[2];
	struct contact_msg m;
	unsigned flags = size > 0 ? data[size - 1] : 0;
	size_t i;

	fuzz_split(&p, data, size);
	attrs_set(&graph, "graph_info", p.v[5]);
	for (i = 0; i < 2; i++) {
		const char *const *v = p.v + 6 + 5 * i;

		if (v[1][0] != '\0')
			attrs_set(&fa[i], "label", v[1]);
		if (v[2][0] != '\0')
			attrs_set(&fa[i], "warning", v[2]);
		if (v[3][0] != '\0')
			attrs_set(&fa[i], "critical", v[3]);
		if (v[4][0] != '\0')
			attrs_set(&fa[i], "extinfo", v[4]);
		f[i].name = v[0];
		f[i].attrs = &fa[i];
		f[i].state = (enum field_state)((flags >> (2 * i)) & 3);
		f[i].recovered = flags & (16 << i);
		f[i].known = !(flags & 64);
		f[i].value = size > i ? (double)(int8_t)data[i] : 0;
	}
	m.group = p.v[1];
	m.host = p.v[2];
	m.plugin = p.v[3];
	m.title = p.v[4][0] != '\0' ? p.v[4] : NULL;
	m.graph = &graph;
	m.contacts = NULL;
	m.changed = flags & 128;
	m.fields = f;
	m.nfields = 2;

	expand(p.v[0], &m);
	for (i = 0; i < 3; i++)
		expand(contacts_default_text(names[i]), &m);
	for (i = 0; i < 2; i++) {
		char w[64], c[64];

		contact_field_limits(&f[i], w, c, sizeof(w));
		attrs_cleanup(&fa[i]);
	}
	attrs_cleanup(&graph);
	fuzz_parts_free(&p);
	return 0;
}
