/*
 * vm_bench: the cost of one collect of a host probe (plugins/host.h) on
 * the given roots, in process: the mean wall and CPU milliseconds per
 * collect over ROUNDS collects, the probe's state kept between them as
 * drover node keeps it.
 *
 *   vm_bench ROUNDS PROBE PROCROOT SYSROOT CGROUPROOT
 *
 * Prints "PROBE wall_ms cpu_ms services fields".  bench/vm.sh runs it.
 */
#include <stdio.h>
#include <stdlib.h>
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
	const struct host_probe *p;
	struct host_roots r;
	size_t services = 0, fields = 0, k;
	double w0, c0;
	void *st = NULL;
	int rounds, i;

	if (argc != 6) {
		fprintf(stderr, "usage: vm_bench rounds probe proc sys "
				"cgroup\n");
		return 2;
	}
	rounds = atoi(argv[1]);
	if (rounds < 1)
		rounds = 1;
	p = host_probe_find(argv[2]);
	if (p == NULL)
		return 2;
	r.proc = argv[3];
	r.sys = argv[4];
	r.utmp = NULL;
	r.cgroup = argv[5];
	w0 = now(CLOCK_MONOTONIC);
	c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	for (i = 0; i < rounds; i++) {
		struct batch b = {0};

		if (p->collect(&r, &st, &b) == -1)
			return 1;
		services = b.n;
		for (fields = 0, k = 0; k < b.n; k++)
			fields += b.services[k].nfields;
		batch_cleanup(&b);
	}
	printf("%s %.3f %.3f %zu %zu\n", argv[2],
	    (now(CLOCK_MONOTONIC) - w0) * 1e3 / rounds,
	    (now(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e3 / rounds, services,
	    fields);
	if (st != NULL && p->state_free != NULL)
		p->state_free(st);
	return 0;
}
