/*
 * power_bench: the cost of one collect of the power supply probes
 * (plugins/host_power.h) over a sysfs root, in process, beside the load
 * probe (one small /proc file) as the baseline: the mean wall and CPU
 * time per collect over ROUNDS collects.
 *
 *   power_bench SYSROOT [ROUNDS]      (default 2000)
 *
 * Prints "PROBE wall_ms cpu_ms" lines.  bench/power.sh runs it over the
 * fixture trees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "plugins/host.h"
#include "plugins/sample.h"

static double
now(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char *argv[])
{
	static const char *const names[] = {
	    "load", "bank_", "power_supply_online"};
	struct host_roots r = {.proc = "/proc"};
	int rounds, i;
	size_t k;

	if (argc < 2) {
		fprintf(stderr, "usage: power_bench SYSROOT [ROUNDS]\n");
		return 2;
	}
	r.sys = argv[1];
	rounds = argc > 2 ? atoi(argv[2]) : 2000;
	if (rounds < 1)
		rounds = 1;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		const struct host_probe *p = NULL;
		double w0, c0;
		void *st = NULL;
		size_t j;

		for (j = 0; j < host_nprobes; j++)
			if (strcmp(host_probes[j]->name, names[k]) == 0)
				p = host_probes[j];
		if (p == NULL)
			return 1;
		w0 = now(CLOCK_MONOTONIC);
		c0 = now(CLOCK_PROCESS_CPUTIME_ID);
		for (i = 0; i < rounds; i++) {
			struct batch b = {0};

			if (p->collect(&r, &st, &b) == -1)
				return 1;
			batch_cleanup(&b);
		}
		printf("%s %.4f %.4f\n", names[k],
		    (now(CLOCK_MONOTONIC) - w0) * 1e3 / rounds,
		    (now(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e3 / rounds);
		if (st != NULL && p->state_free != NULL)
			p->state_free(st);
	}
	return 0;
}
