/*
 * poller: the loop glue between the scheduler and the sources.
 *
 * Owns one target per thing polled (its scheduler entry and its source's
 * state, such as a munin-node client with the cached plugin configs), one
 * timer armed for the scheduler's next due slot, and the timer for
 * drover's own metrics.  The sources come from a table the caller passes
 * (plugins/sources.c in the daemon); the poller names none.  When a poll
 * ends its batch goes to ingest, its result to the catalog and the
 * scheduler.  Loop thread only.
 */
#ifndef DROVER_POLLER_H
#define DROVER_POLLER_H

#include <uv.h>

#include "catalog/catalog.h"
#include "collector/conf.h"
#include "collector/ingest.h"
#include "collector/sched.h"
#include "plugins/source.h"
#include "rrd/rrd_writer.h"

struct poller;

/*
 * writer (may be NULL) is only read, for drover's own metrics.
 * sources[0..n) is the table of sources to poll with, walked in order
 * for each host (host-state sources before sub-state ones); it must
 * outlive the poller.
 */
struct poller *poller_new(uv_loop_t *loop, struct catalog *cat,
    struct ingest *in, struct rrd_writer *writer,
    const struct source *const *sources, size_t n);
/* Where the probes of built-in sources run their commands from now on
 * (source_host.roots.runner; NULL, the default: from this process).
 * runner must outlive the polls that use it. */
void poller_set_cmd_runner(
    struct poller *p, const struct host_cmd_runner *runner);
/*
 * Makes the targets match c: new hosts are added, changed ones updated in
 * place (their schedule, cache and state kept), vanished ones removed.
 * c must outlive the poller or the next poller_apply().  0 / -1.
 */
int poller_apply(struct poller *p, const struct conf *c);
/*
 * The scheduler's poll counters since start, now.  The scheduler is
 * their one owner; /health reads them through here, and drover's own
 * "drover_polls" metrics store their per-interval differences.
 */
void poller_stats(const struct poller *p, struct sched_stats *out);
/* Cancels running polls and closes the timers; the loop then drains. */
void poller_stop(struct poller *p);
/* Frees p after the loop has run to completion following poller_stop. */
void poller_free(struct poller *p);

#endif
