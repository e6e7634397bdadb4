/*
 * rrd_floor: the librrd floor of one poll cycle: every RRD file under DIR
 * updated once with rrd_update_r(), as drover's RRD writer calls it (one
 * thread, one value per file, no template), for ROUNDS rounds.
 *
 * usage: rrd_floor DIR ROUNDS INTERVAL
 *
 * bench/scale.sh runs it on drover's own dbdir once drover has stopped,
 * so the files, their count and their schema (Munin's, as drover created
 * them) are those of the run.  Round r (0 to ROUNDS) writes the
 * timestamp now + (r + 1) * INTERVAL, later than anything drover wrote;
 * round 0 only brings every file to the same timestamp (drover wrote each
 * at its own phase) and is printed but is not one of the ROUNDS.  A round
 * whose timestamps pass a multiple of 300 s completes a primary data point
 * (Munin's step) in every file and costs more than one that does not: at
 * the interval 300 every cycle does.  Prints "files N" and per
 * round "round R ts TS cpu_s C wall_s W failed F" (CPU: user+sys of this
 * process from getrusage).  Exits 1 if DIR holds no RRD file.
 */
#include <sys/resource.h>

#include <ftw.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct files {
	char **path;
	size_t n, cap;
};

static struct files found;

static int
visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t len = strlen(path);

	(void)st;
	(void)ftw;
	if (type != FTW_F || len < 4 || strcmp(path + len - 4, ".rrd") != 0)
		return 0;
	if (found.n == found.cap) {
		found.cap = found.cap * 2 + 1024;
		found.path = realloc(found.path, found.cap * sizeof(char *));
	}
	if (found.path == NULL ||
	    (found.path[found.n] = strdup(path)) == NULL) {
		fprintf(stderr, "rrd_floor: out of memory\n");
		exit(1);
	}
	found.n++;
	return 0;
}

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char arg[64];
	const char *args[1] = {arg};
	double c0, w0;
	long rounds, interval, r;
	size_t i, failed;
	time_t t0, ts;

	if (argc != 4 || (rounds = atol(argv[2])) < 1 ||
	    (interval = atol(argv[3])) < 1) {
		fprintf(stderr, "usage: rrd_floor DIR ROUNDS INTERVAL\n");
		return 2;
	}
	if (nftw(argv[1], visit, 64, FTW_PHYS) != 0 || found.n == 0) {
		fprintf(stderr, "rrd_floor: no RRD file under %s\n", argv[1]);
		return 1;
	}
	printf("files %zu\n", found.n);
	t0 = time(NULL);
	for (r = 0; r <= rounds; r++) {
		ts = t0 + (r + 1) * interval;
		failed = 0;
		c0 = cpu_s();
		w0 = wall_s();
		snprintf(arg, sizeof(arg), "%lld:%lld", (long long)ts,
		    (long long)ts);
		for (i = 0; i < found.n; i++) {
			rrd_clear_error();
			if (rrd_update_r(found.path[i], NULL, 1, args) != 0)
				failed++;
		}
		printf("round %ld ts %lld cpu_s %.3f wall_s %.3f failed %zu\n",
		    r, (long long)ts, cpu_s() - c0, wall_s() - w0, failed);
		fflush(stdout);
	}
	return 0;
}
