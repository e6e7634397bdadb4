/*
 * catalog_bench: what keeping the catalog over a restart costs, for a
 * cluster of guests that each send five typical Munin services (21
 * fields).
 *
 * usage: catalog_bench HOSTS ROUNDS DIR [MODE]
 * Fills a catalog with HOSTS guests, then per round, interleaved: one
 * poll cycle's catalog updates (every guest's batch through
 * catalog_update, the baseline: loop work drover does once per interval
 * anyway), catalog_dump (the whole text at once, as a save was made on
 * the loop before it went in slices), catalog_write of that text into
 * DIR (write, fsync, rename), the save in slices as the daemon makes it
 * (collector/catalog_save.h: catalog_dump_next of CATALOG_SAVE_SLICE
 * bytes, the loop's step, each slice appended to the temporary file,
 * then fsync and rename) and catalog_load of the file into an empty
 * catalog (the start-up's share).  Prints the median wall-clock time of
 * each over ROUNDS, as a ratio of the baseline, the longest slice's CPU
 * time (the longest loop step of a save now) against the whole dump's,
 * and the file's size.
 *
 * With MODE, one round of that alone, for heaptrack: none (the catalog
 * alone, the baseline), whole (catalog_dump and catalog_write: the save
 * before), sliced (catalog_save_sync: the same slices as the daemon's
 * save), load (catalog_restore of the file, as at start-up).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalog/catalog.h"
#include "collector/catalog_save.h"
#include "lib/buf.h"
#include "lib/fileio.h"
#include "lib/log.h"

#define T0 1700000000 /* epoch s of the first round */

/* One field: name, then attribute key/value pairs, NULL-ended. */
struct fdef {
	const char *name;
	const char *attrs[9];
};

struct sdef {
	const char *name;
	const char *graph[11];
	struct fdef fields[8];
};

static const struct sdef services[] = {
    {"load",
	{"graph_title", "Load average", "graph_args", "--base 1000 -l 0",
	    "graph_vlabel", "load", "graph_category", "system", NULL},
	{{"load", {"label", "load", "warning", "10", "critical", "120", NULL}},
	    {NULL, {NULL}}}},
    {"cpu",
	{"graph_title", "CPU usage", "graph_order",
	    "system user nice idle iowait irq softirq steal", "graph_vlabel",
	    "%", "graph_category", "system", NULL},
	{{"system", {"label", "system", "draw", "AREA", "min", "0", "type",
			"DERIVE", NULL}},
	    {"user", {"label", "user", "draw", "STACK", "min", "0", "type",
			 "DERIVE", NULL}},
	    {"nice", {"label", "nice", "draw", "STACK", "min", "0", "type",
			 "DERIVE", NULL}},
	    {"idle", {"label", "idle", "draw", "STACK", "min", "0", "type",
			 "DERIVE", NULL}},
	    {"iowait", {"label", "iowait", "draw", "STACK", "min", "0", "type",
			   "DERIVE", NULL}},
	    {"irq", {"label", "irq", "draw", "STACK", "min", "0", "type",
			"DERIVE", NULL}},
	    {"softirq", {"label", "softirq", "draw", "STACK", "min", "0",
			    "type", "DERIVE", NULL}},
	    {"steal", {"label", "steal", "draw", "STACK", "min", "0", "type",
			  "DERIVE", NULL}}}},
    {"memory",
	{"graph_title", "Memory usage", "graph_args",
	    "--base 1024 -l 0 --upper-limit 8253227008", "graph_vlabel",
	    "Bytes", "graph_category", "system", NULL},
	{{"apps", {"label", "apps", "draw", "AREA", NULL}},
	    {"page_tables", {"label", "page_tables", "draw", "STACK", NULL}},
	    {"swap_cache", {"label", "swap_cache", "draw", "STACK", NULL}},
	    {"slab", {"label", "slab_cache", "draw", "STACK", NULL}},
	    {"cached", {"label", "cache", "draw", "STACK", NULL}},
	    {"free", {"label", "unused", "draw", "STACK", NULL}},
	    {NULL, {NULL}}}},
    {"df",
	{"graph_title", "Disk usage in percent", "graph_args",
	    "--upper-limit 100 -l 0", "graph_vlabel", "%", "graph_category",
	    "disk", NULL},
	{{"_dev_vda1", {"label", "/", "warning", "92", "critical", "98", NULL}},
	    {"_dev_vdb1",
		{"label", "/srv", "warning", "92", "critical", "98", NULL}},
	    {"tmpfs",
		{"label", "/run", "warning", "92", "critical", "98", NULL}},
	    {"_dev_shm",
		{"label", "/dev/shm", "warning", "92", "critical", "98", NULL}},
	    {NULL, {NULL}}}},
    {"if_eth0",
	{"graph_title", "eth0 traffic", "graph_order", "down up",
	    "graph_vlabel", "bits in (-) / out (+) per second",
	    "graph_category", "network", NULL},
	{{"down", {"label", "received", "type", "DERIVE", "graph", "no", "min",
		      "0", NULL}},
	    {"up", {"label", "bps", "type", "DERIVE", "negative", "down", "min",
		       "0", NULL}},
	    {NULL, {NULL}}}},
};
#define NSERVICES (sizeof(services) / sizeof(services[0]))

/* One guest's poll: every service with config and a value per field. */
static void
make_batch(struct batch *b, unsigned round)
{
	struct service *s;
	struct field *f;
	size_t i, j, k;

	for (i = 0; i < NSERVICES; i++) {
		s = batch_service(b, services[i].name, true);
		s->has_config = true;
		for (k = 0; services[i].graph[k] != NULL; k += 2)
			attrs_set(&s->graph, services[i].graph[k],
			    services[i].graph[k + 1]);
		for (j = 0; j < 8 && services[i].fields[j].name != NULL; j++) {
			f = service_field(s, services[i].fields[j].name, true);
			for (k = 0; services[i].fields[j].attrs[k] != NULL;
			     k += 2)
				attrs_set(&f->attrs,
				    services[i].fields[j].attrs[k],
				    services[i].fields[j].attrs[k + 1]);
			f->has_value = true;
			f->value = (double)(round * 1000 + j) + 0.25;
		}
	}
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double
cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The daemon's save, timed: each slice made (its CPU time, the loop's
 * step; the longest in *longest) and appended, then fsync and rename.
 * Returns the wall ms of the whole save, or -1. */
static double
save_sliced(
    const struct catalog *cat, const char *path, time_t saved, double *longest)
{
	struct catalog_dumper d;
	struct file_atomic fa;
	struct buf b = {0};
	double t0 = now_ms(), t;
	bool more = true;

	*longest = 0;
	catalog_dumper_init(&d, saved);
	if (file_atomic_open(&fa, path, NULL) == -1)
		return -1;
	while (more) {
		b.len = 0;
		t = cpu_ms();
		more = catalog_dump_next(&d, cat, &b, CATALOG_SAVE_SLICE);
		t = cpu_ms() - t;
		if (t > *longest)
			*longest = t;
		if (b.oom || file_atomic_write(&fa, b.p, b.len) == -1) {
			file_atomic_abort(&fa);
			buf_free(&b);
			return -1;
		}
	}
	buf_free(&b);
	if (file_atomic_commit(&fa) == -1)
		return -1;
	return now_ms() - t0;
}

/* One round of mode alone (catalog_bench's MODE), for heaptrack. */
static int
one_mode(struct catalog *cat, const char *path, const char *mode, size_t hosts)
{
	struct catalog *back;
	char *text;
	size_t len;

	if (strcmp(mode, "whole") == 0) {
		text = catalog_dump(cat, T0, &len);
		if (text == NULL || catalog_write(path, text, len) == -1)
			return 1;
		free(text);
	} else if (strcmp(mode, "sliced") == 0) {
		if (catalog_save_sync(cat, path, T0) == -1)
			return 1;
	} else if (strcmp(mode, "load") == 0) {
		if (catalog_save_sync(cat, path, T0) == -1)
			return 1;
		catalog_free(cat);
		cat = NULL;
		back = catalog_new();
		if (catalog_restore(back, path, T0) != hosts)
			return 1;
		catalog_free(back);
	} else if (strcmp(mode, "none") != 0)
		return 2;
	printf("catalog_bench: %s done\n", mode);
	catalog_free(cat);
	return 0;
}

int
main(int argc, char **argv)
{
	struct catalog *cat, *back;
	struct batch *batches;
	char name[64], path[4096], err[256], *text = NULL;
	double *tu, *td, *tw, *tl, *ts, *tc, t, longest, slice_max = 0;
	unsigned hosts, rounds, r, i;
	size_t len = 0, fields = 0;

	if (argc != 4 && argc != 5) {
		fprintf(
		    stderr, "usage: catalog_bench HOSTS ROUNDS DIR [MODE]\n");
		return 2;
	}
	hosts = (unsigned)strtoul(argv[1], NULL, 10);
	rounds = (unsigned)strtoul(argv[2], NULL, 10);
	if (hosts == 0 || rounds == 0)
		return 2;
	snprintf(path, sizeof(path), "%s/catalog.json", argv[3]);
	log_init(false, LOG_LVL_WARN);
	tu = calloc(rounds, sizeof(*tu));
	td = calloc(rounds, sizeof(*td));
	tw = calloc(rounds, sizeof(*tw));
	tl = calloc(rounds, sizeof(*tl));
	ts = calloc(rounds, sizeof(*ts));
	tc = calloc(rounds, sizeof(*tc));
	batches = calloc(hosts, sizeof(*batches));
	cat = catalog_new();
	if (tu == NULL || td == NULL || tw == NULL || tl == NULL ||
	    ts == NULL || tc == NULL || batches == NULL || cat == NULL)
		return 1;
	for (i = 0; i < hosts; i++) {
		snprintf(name, sizeof(name), "guest%04u.example.net", i);
		catalog_host(cat, name, "cluster;guests", "hv01");
		make_batch(&batches[i], 0);
		catalog_update(cat, catalog_at(cat, i), T0, &batches[i]);
		catalog_poll_result(
		    catalog_at(cat, i), true, NULL, T0, 120, 3, 21);
		if (argc == 5) /* heaptrack's baseline: the catalog alone */
			batch_cleanup(&batches[i]);
	}
	for (i = 0; i < catalog_at(cat, 0)->nservices; i++)
		fields += catalog_at(cat, 0)->services[i].svc.nfields;
	if (argc == 5) {
		for (i = 0; i < hosts; i++)
			batch_cleanup(&batches[i]);
		free(batches);
		return one_mode(cat, path, argv[4], hosts);
	}
	for (r = 0; r < rounds; r++) {
		t = now_ms();
		for (i = 0; i < hosts; i++)
			catalog_update(cat, catalog_at(cat, i),
			    T0 + 300 * (r + 1), &batches[i]);
		tu[r] = now_ms() - t;

		free(text);
		t = now_ms();
		tc[r] = cpu_ms();
		text = catalog_dump(cat, T0 + 300 * (r + 1), &len);
		tc[r] = cpu_ms() - tc[r];
		td[r] = now_ms() - t;
		if (text == NULL)
			return 1;

		t = now_ms();
		if (catalog_write(path, text, len) == -1) {
			perror(path);
			return 1;
		}
		tw[r] = now_ms() - t;

		ts[r] = save_sliced(cat, path, T0 + 300 * (r + 1), &longest);
		if (ts[r] < 0) {
			perror(path);
			return 1;
		}
		if (longest > slice_max)
			slice_max = longest;

		back = catalog_new();
		t = now_ms();
		if (catalog_load(back, text, len, NULL, err, sizeof(err)) ==
		    -1) {
			fprintf(stderr, "load: %s\n", err);
			return 1;
		}
		tl[r] = now_ms() - t;
		catalog_free(back);
	}
	printf("catalog_bench: %u hosts x %zu services (%zu fields), %u "
	       "rounds; file %zu bytes (%.0f per field)\n",
	    hosts, NSERVICES, fields, rounds, len,
	    (double)len / ((double)hosts * (double)fields));
	t = median(tu, rounds);
	printf("%-44s %9.2f ms  ratio 1.00\n",
	    "baseline: one poll cycle of catalog_update", t);
	printf("%-44s %9.2f ms  ratio %.2f\n",
	    "catalog_dump whole (a save's loop step before)",
	    median(td, rounds), median(td, rounds) / t);
	printf("%-44s %9.2f ms  ratio %.2f\n",
	    "catalog_write of it (write, fsync, rename)", median(tw, rounds),
	    median(tw, rounds) / t);
	printf("%-44s %9.2f ms  ratio %.2f\n",
	    "save in slices (dump_next + append, fsync)", median(ts, rounds),
	    median(ts, rounds) / t);
	printf("%-44s %9.2f ms  ratio %.2f\n",
	    "catalog_load (once at start-up)", median(tl, rounds),
	    median(tl, rounds) / t);
	printf("longest loop step of a save (CPU): whole dump %.2f ms, "
	       "slice of %u KiB %.3f ms, ratio %.4f\n",
	    median(tc, rounds), CATALOG_SAVE_SLICE >> 10, slice_max,
	    slice_max / median(tc, rounds));
	free(text);
	for (i = 0; i < hosts; i++)
		batch_cleanup(&batches[i]);
	free(batches);
	catalog_free(cat);
	free(tu);
	free(td);
	free(tw);
	free(tl);
	free(ts);
	free(tc);
	return 0;
}
