/*
 * alerts_bench: what the alert engine costs the loop per poll cycle, for
 * a cluster of FIELDS alerting fields (25 per guest: 5 services of 5
 * fields with a warning range, interval 300 s, so stale after 600 s).
 *
 * usage: alerts_bench FIELDS CYCLES
 * One cycle is 300 s of simulated time: the collector's 10 s staleness
 * tick (alerts_tick) 30 times, and between ticks the guests whose poll
 * falls in those 10 s (spread over the interval as the scheduler
 * spreads them) through catalog_update and alerts_ingest; one guest in
 * a hundred stops answering after the first cycle (its fields turn
 * UNKNOWN once).  Thread CPU is summed apart for the ticks and for
 * alerts_ingest, per cycle; the first cycle (which makes the entries)
 * is not counted; medians over CYCLES, and the ticks' most costly
 * cycle (the one where the silent guests' fields turned UNKNOWN).  Bytes per
 * entry: the heap that the first cycle's alerts_ingest calls added (mallinfo2),
 * over the entries made.  Built against alerts/alerts.c of the tree, or of
 * another commit (bench/alerts.sh links both).
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alerts/alerts.h"
#include "lib/log.h"

#define T0 1700000000 /* epoch s of the first cycle */
#define INTERVAL 300
#define TICK 10
#define PER_HOST 25 /* fields per guest: 5 services x 5 */

static double
cpu_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int
cmp_double(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return a < b ? -1 : a > b;
}

/* Guest i's poll: its 5 services (config only when cfg) with values. */
static void
make_batch(struct batch *b, unsigned i, bool cfg)
{
	static const char *const svcs[] = {
	    "load", "cpu", "memory", "df", "if_eth0"};
	struct service *s;
	struct field *f;
	char name[16];
	unsigned j, k;

	for (j = 0; j < 5; j++) {
		s = batch_service(b, svcs[j], true);
		s->has_config = cfg;
		for (k = 0; k < 5; k++) {
			snprintf(name, sizeof(name), "field%u", k);
			f = service_field(s, name, true);
			if (cfg) {
				attrs_set(&f->attrs, "label", name);
				attrs_set(&f->attrs, "warning", "90");
				attrs_set(&f->attrs, "critical", "95");
			}
			f->has_value = true;
			f->value = (double)((i + j + k) % 50);
		}
	}
}

static void
ignore(void *arg, const struct alert_event *ev)
{
	(void)ev;
	(*(unsigned long *)arg)++;
}

int
main(int argc, char **argv)
{
	struct catalog *cat;
	struct alerts *a;
	struct alerts_defaults ad = {0, INTERVAL};
	struct batch *cfg, *val;
	struct mallinfo2 m0, m1;
	double *tick_cpu, *ingest_cpu, t0, tk, in;
	unsigned long events = 0;
	unsigned fields, hosts, cycles, c, s, i, first, last;
	char name[32];
	time_t ts;

	if (argc != 3 || (fields = (unsigned)atoi(argv[1])) < PER_HOST ||
	    (cycles = (unsigned)atoi(argv[2])) < 1) {
		fprintf(stderr, "usage: alerts_bench FIELDS CYCLES\n");
		return 2;
	}
	log_init(false, LOG_LVL_WARN);
	hosts = fields / PER_HOST;
	cat = catalog_new();
	a = alerts_new(NULL);
	cfg = calloc(hosts, sizeof(*cfg));
	val = calloc(hosts, sizeof(*val));
	tick_cpu = calloc(cycles, sizeof(*tick_cpu));
	ingest_cpu = calloc(cycles, sizeof(*ingest_cpu));
	if (cat == NULL || a == NULL || cfg == NULL || val == NULL ||
	    tick_cpu == NULL || ingest_cpu == NULL)
		return 1;
	alerts_set_defaults(a, &ad);
	alerts_add_output(a, ignore, &events);
	for (i = 0; i < hosts; i++) {
		snprintf(name, sizeof(name), "guest%05u", i);
		catalog_host(cat, name, NULL, NULL);
		make_batch(&cfg[i], i, true);
		make_batch(&val[i], i, false);
	}
	/* the first cycle: configs into the catalog, then the entries */
	for (i = 0; i < hosts; i++)
		catalog_update(cat, catalog_at(cat, i), T0, &cfg[i]);
	m0 = mallinfo2();
	for (i = 0; i < hosts; i++)
		alerts_ingest(a, catalog_at(cat, i), NULL, &cfg[i], T0);
	m1 = mallinfo2();
	for (c = 0; c <= cycles; c++) {
		tk = in = 0;
		for (s = 0; s < INTERVAL / TICK; s++) {
			ts = T0 + (time_t)(c + 1) * INTERVAL + (time_t)s * TICK;
			first = s * hosts / (INTERVAL / TICK);
			last = (s + 1) * hosts / (INTERVAL / TICK);
			for (i = first; i < last; i++) {
				if (i % 100 == 7 && c > 0)
					continue; /* stopped answering */
				catalog_update(
				    cat, catalog_at(cat, i), ts, &val[i]);
				t0 = cpu_now();
				alerts_ingest(
				    a, catalog_at(cat, i), NULL, &val[i], ts);
				in += cpu_now() - t0;
			}
			t0 = cpu_now();
			alerts_tick(a, cat, ts + TICK - 1);
			tk += cpu_now() - t0;
		}
		if (c > 0) {
			tick_cpu[c - 1] = tk;
			ingest_cpu[c - 1] = in;
		}
	}
	qsort(tick_cpu, cycles, sizeof(*tick_cpu), cmp_double);
	qsort(ingest_cpu, cycles, sizeof(*ingest_cpu), cmp_double);
	printf("fields %u hosts %u cycles %u tick_ms %.3f tick_max_ms %.3f "
	       "ingest_ms %.3f bytes_per_entry %.1f events %lu\n",
	    hosts * PER_HOST, hosts, cycles, tick_cpu[cycles / 2] * 1e3,
	    tick_cpu[cycles - 1] * 1e3, ingest_cpu[cycles / 2] * 1e3,
	    (double)(m1.uordblks - m0.uordblks) / (hosts * PER_HOST), events);
	for (i = 0; i < hosts; i++) {
		batch_cleanup(&cfg[i]);
		batch_cleanup(&val[i]);
	}
	free(cfg);
	free(val);
	free(tick_cpu);
	free(ingest_cpu);
	alerts_free(a);
	catalog_free(cat);
	return 0;
}
