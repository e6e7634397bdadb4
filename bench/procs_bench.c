/*
 * procs_bench: the cost of one collect of each host_procs probe
 * (plugins/host_procs.h) on this machine's /proc, in process: the mean
 * wall and CPU time per collect over ROUNDS collects.
 *
 *   procs_bench [ROUNDS]      (default 200)
 *
 * Prints "PROBE wall_ms cpu_ms" lines.  bench/procs.sh runs it beside
 * Munin's plugins.
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
	static const char *const names[] = {"open_files", "open_inodes",
	    "processes", "threads", "proc_pri", "users"};
	struct host_roots r = {.proc = "/proc", .sys = "/sys"};
	int rounds = argc > 1 ? atoi(argv[1]) : 200, i;
	size_t k;

	if (rounds < 1)
		rounds = 1;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		const struct host_probe *p = host_probe_find(names[k]);
		double w0, c0;
		void *st = NULL;

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
		printf("%s %.3f %.3f\n", names[k],
		    (now(CLOCK_MONOTONIC) - w0) * 1e3 / rounds,
		    (now(CLOCK_PROCESS_CPUTIME_ID) - c0) * 1e3 / rounds);
	}
	return 0;
}
