/*
 * bench/rrdcached_cost: the RRD update cost of one round over N files,
 * directly (rrd_update_r, as drover's writer without a daemon) or through
 * rrdcached, one round trip per value (librrd's rrdc_update) or in
 * BATCH requests of BATCH_LINES (rrdc_batch, as drover's writer);
 * driven by bench/rrdcached_cost.sh.
 *
 *   rrdcached_cost create DIR N T0        N Munin-schema files, start T0
 *   rrdcached_cost direct DIR N T0 ROUNDS
 *   rrdcached_cost daemon DIR N T0 ROUNDS ADDR
 *   rrdcached_cost batch DIR N T0 ROUNDS ADDR
 *
 * Prints one line per round: "MODE round R: cpu S wall S" (this
 * process's user+sys CPU seconds, and wall seconds).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <rrd.h>
#include <rrd_client.h>

#include "rrd/rrdc_batch.h"

#define BATCH_LINES 1000 /* as the writer's BATCH_MAX */
#define NAME_MAX_B 256

/* Counts the lines rrdcached refused. */
static void
refused(void *arg, size_t i, const char *msg)
{
	(void)i;
	if ((*(unsigned long *)arg)++ == 0)
		fprintf(stderr, "rrdcached refused: %s\n", msg);
}

/* One round through b: n updates in batches of BATCH_LINES.  0, or -1
 * when the connection failed or a line was refused. */
static int
batch_round(struct rrdc_batch *b, const char *dir, int n, const char *val)
{
	static char names[BATCH_LINES][NAME_MAX_B];
	static struct rrdc_line lines[BATCH_LINES];
	unsigned long nref = 0;
	int i, k = 0;

	for (i = 0; i < n; i++) {
		snprintf(names[k], NAME_MAX_B, "%s/f%06d.rrd", dir, i);
		lines[k].name = names[k];
		lines[k].val = val;
		if (++k == BATCH_LINES || i == n - 1) {
			if (rrdc_batch_update(
				b, lines, (size_t)k, refused, &nref) == -1)
				return -1;
			k = 0;
		}
	}
	return nref == 0 ? 0 : -1;
}

static double
cpu_s(void)
{
	struct rusage r;

	getrusage(RUSAGE_SELF, &r);
	return (double)(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
	       (double)(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

static double
wall_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	/* Munin's schema for one GAUGE field (rrd_schema.c) */
	const char *def[] = {"DS:42:GAUGE:600:U:U", "RRA:AVERAGE:0.5:1:576",
	    "RRA:MIN:0.5:1:576", "RRA:MAX:0.5:1:576", "RRA:AVERAGE:0.5:6:432",
	    "RRA:MIN:0.5:6:432", "RRA:MAX:0.5:6:432", "RRA:AVERAGE:0.5:24:540",
	    "RRA:MIN:0.5:24:540", "RRA:MAX:0.5:24:540",
	    "RRA:AVERAGE:0.5:288:450", "RRA:MIN:0.5:288:450",
	    "RRA:MAX:0.5:288:450"};
	char path[4096], val[64];
	const char *vals[1] = {val};
	const char *mode, *dir;
	double c0, w0;
	long t0;
	int n, rounds = 0, r, i, rc;
	struct rrdc_batch *b = NULL;
	bool daemon;

	if (argc < 5)
		goto usage;
	mode = argv[1];
	dir = argv[2];
	n = atoi(argv[3]);
	t0 = atol(argv[4]);
	if (strcmp(mode, "create") == 0) {
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/f%06d.rrd", dir, i);
			if (rrd_create_r(path, 300, t0, 13, def) != 0) {
				fprintf(
				    stderr, "%s: %s\n", path, rrd_get_error());
				return 1;
			}
		}
		return 0;
	}
	if (argc < 6)
		goto usage;
	rounds = atoi(argv[5]);
	daemon = strcmp(mode, "daemon") == 0;
	if (strcmp(mode, "batch") == 0) {
		if (argc < 7)
			goto usage;
		b = rrdc_batch_new(argv[6]);
		if (b == NULL || rrdc_batch_connect(b) == -1) {
			perror(argv[6]);
			return 1;
		}
	} else if (!daemon && strcmp(mode, "direct") != 0)
		goto usage;
	if (daemon && (argc < 7 || rrdc_connect(argv[6]) != 0)) {
		fprintf(stderr, "rrdcached: %s\n",
		    rrd_test_error() ? rrd_get_error() : "no address");
		return 1;
	}
	for (r = 1; r <= rounds; r++) {
		c0 = cpu_s();
		w0 = wall_s();
		snprintf(val, sizeof(val), "%ld:%d", t0 + 300L * r, r);
		if (b != NULL) {
			if (batch_round(b, dir, n, val) == -1) {
				perror("rrdcached batch");
				return 1;
			}
			printf("%s round %d: cpu %.3f s wall %.3f s\n", mode, r,
			    cpu_s() - c0, wall_s() - w0);
			continue;
		}
		for (i = 0; i < n; i++) {
			snprintf(path, sizeof(path), "%s/f%06d.rrd", dir, i);
			rc = daemon ? rrdc_update(path, 1, vals)
				    : rrd_update_r(path, NULL, 1, vals);
			if (rc != 0) {
				fprintf(
				    stderr, "%s: %s\n", path, rrd_get_error());
				return 1;
			}
		}
		printf("%s round %d: cpu %.3f s wall %.3f s\n", mode, r,
		    cpu_s() - c0, wall_s() - w0);
	}
	rrdc_batch_free(b);
	return 0;
usage:
	fprintf(stderr, "usage: rrdcached_cost create|direct|daemon|batch DIR "
			"N T0 "
			"[ROUNDS [ADDR]]\n");
	return 2;
}
