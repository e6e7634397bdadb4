/*
 * node_dump: prints what drover's node source makes of a /proc, in Munin's
 * plugin protocol, for tests/test_node_munin_compat.sh.
 *
 *   node_dump PROCROOT SERVICE config   the service's config lines
 *   node_dump PROCROOT SERVICE          its value lines (a fetch)
 *   node_dump PROCROOT                  every service: "multigraph NAME",
 *                                       config lines, then value lines
 *
 * Exits 0, 1 when the source failed, 2 on usage or an unknown service.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "plugins/node.h"

static void
print_config(const struct service *s)
{
	size_t i, j;

	for (i = 0; i < s->graph.n; i++)
		printf("%s %s\n", s->graph.v[i].key, s->graph.v[i].value);
	for (i = 0; i < s->nfields; i++)
		for (j = 0; j < s->fields[i].attrs.n; j++)
			printf("%s.%s %s\n", s->fields[i].name,
			    s->fields[i].attrs.v[j].key,
			    s->fields[i].attrs.v[j].value);
}

/* Integers as Munin's plugins print them, others with enough digits. */
static void
print_values(const struct service *s)
{
	const struct field *f;
	size_t i;

	for (i = 0; i < s->nfields; i++) {
		f = &s->fields[i];
		if (!f->has_value)
			continue;
		if (f->unknown)
			printf("%s.value U\n", f->name);
		else if (f->value == floor(f->value) && fabs(f->value) < 1e15)
			printf("%s.value %.0f\n", f->name, f->value);
		else
			printf("%s.value %.15g\n", f->name, f->value);
	}
}

int
main(int argc, char *argv[])
{
	struct batch b = {0};
	struct service *s;
	bool config;
	size_t i;
	int rc = 0;

	if (argc < 2 || argc > 4 ||
	    (argc == 4 && strcmp(argv[3], "config") != 0)) {
		fprintf(
		    stderr, "usage: node_dump procroot [service [config]]\n");
		return 2;
	}
	if (node_collect(argv[1], &b) == -1)
		rc = 1;
	if (argc == 2) {
		for (i = 0; i < b.n; i++) {
			printf("multigraph %s\n", b.services[i].name);
			print_config(&b.services[i]);
			print_values(&b.services[i]);
		}
		goto out;
	}
	config = argc == 4;
	s = batch_service(&b, argv[2], false);
	if (s == NULL) {
		fprintf(stderr, "node_dump: no service %s\n", argv[2]);
		rc = 2;
		goto out;
	}
	if (config)
		print_config(s);
	else
		print_values(s);
out:
	batch_cleanup(&b);
	return rc;
}
