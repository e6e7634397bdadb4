/*
 * ingest: the one fan-out point for every batch of samples.
 *
 * A finished poll hands its batch here.  ingest applies the operator's
 * munin.conf overrides ("load.load.warning 5", "cpu.graph_title ..."),
 * adds the battery banks' time-to-cut-off fields (collector/forecast.h),
 * then, in this order: updates the catalog (so the alert engine judges the
 * merged config), hands the values to the alert engine, and queues one RRD
 * update per value on the RRD writer (which runs on its own thread).
 * Loop thread only.
 */
#ifndef DROVER_INGEST_H
#define DROVER_INGEST_H

#include <time.h>

#include "alerts/alerts.h"
#include "catalog/catalog.h"
#include "collector/conf.h"
#include "rrd/rrd_writer.h"
#include "plugins/sample.h"

struct ingest;

/* Neither argument is owned; writer may be NULL (no RRD output). */
struct ingest *ingest_new(struct catalog *cat, struct rrd_writer *writer);
void ingest_free(struct ingest *in);
/* The config to resolve dbdir and overrides against (after a reload). */
void ingest_set_conf(struct ingest *in, const struct conf *c);

/*
 * Takes one poll's batch for host h (its config entry hc, NULL for
 * drover's own metrics) stamped ts (epoch s).  Values that carry their
 * own time ("value EPOCH:N") keep it.  The batch is modified (overrides)
 * but not freed.
 */
void ingest_batch(struct ingest *in, struct cat_host *h,
    const struct conf_host *hc, time_t ts, struct batch *b);

/*
 * A consumer of every batch after the catalog and the alert engine took
 * it (remote write): h as updated, ts as given to ingest_batch.  Loop
 * thread; must not keep b.
 */
typedef void (*ingest_sink_cb)(
    void *arg, const struct cat_host *h, time_t ts, const struct batch *b);
/* Sets the one sink (cb NULL: none). */
void ingest_set_sink(struct ingest *in, ingest_sink_cb cb, void *arg);

/* Judge every sample with the alert engine (not owned; NULL: none). */
void ingest_set_alerts(struct ingest *in, struct alerts *a);
/* The end of a poll of h: catalog and alert engine learn it. */
void ingest_poll_result(struct ingest *in, struct cat_host *h, bool ok,
    const char *error, time_t when, uint64_t poll_ms, uint64_t queue_ms,
    unsigned values);

/* Applies hc's overrides to b (exposed for tests). */
void ingest_apply_overrides(const struct conf_host *hc, struct batch *b);

#endif
