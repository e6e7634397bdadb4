/*
 * fields_bench: seconds of CPU to parse one plugin's config and fetch
 * replies of N fields with munin_proto, as the munin-node client does
 * (the API both this tree and main have).  Prints "N SECONDS".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugins/munin_proto.h"

static double
cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000, i, len;
	char *cfg, *fetch, *p;
	struct batch b = {0};
	double t0, t1;

	cfg = malloc(n * 40 + 64);
	fetch = malloc(n * 40 + 64);
	if (cfg == NULL || fetch == NULL)
		return 1;
	p = cfg + sprintf(cfg, "graph_title huge\n");
	for (i = 0; i < n; i++)
		p += sprintf(p, "f%zu.label field %zu\n", i, i);
	len = (size_t)(p - cfg);
	p = fetch;
	for (i = 0; i < n; i++)
		p += sprintf(p, "f%zu.value %zu\n", i, i);
	t0 = cpu_now();
	mproto_parse_config(cfg, len, "huge", &b, NULL);
	mproto_parse_fetch(fetch, (size_t)(p - fetch), "huge", &b, NULL);
	t1 = cpu_now();
	if (b.n != 1 || b.services[0].nfields != n)
		return 1;
	printf("%zu %.4f\n", n, t1 - t0);
	batch_cleanup(&b);
	free(cfg);
	free(fetch);
	return 0;
}
