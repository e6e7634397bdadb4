/*
 * pages: the dashboard's HTML, rendered from the catalog on the loop.
 *
 * Small server-rendered pages readable on a phone: overview (problems
 * first, then groups -> physical hosts -> their guests and BMCs, each
 * with a state colour, last good poll and problem count), a host's
 * services by category with day graphs, one service with all periods,
 * zoom and a field table, and the collector's health.  Every returned
 * string is heap-allocated (free()), NULL on allocation failure.
 */
#ifndef DROVER_PAGES_H
#define DROVER_PAGES_H

#include <stddef.h>
#include <time.h>

#include "alerts/alerts.h"
#include "catalog/catalog.h"
#include "lib/buf.h"
#include "web/time_arg.h"

/* Per-field statistics over the shown range, from the RRDs (NaN: none). */
struct field_stats {
	double min, avg, max;
};

/*
 * Counts per state, a search box, the problems worst first with their
 * state and since when, the power view, then groups of hosts with the
 * guests and BMCs of each physical host under it.  q (the URL's ?q=,
 * may be NULL): words that each must occur in a host's name, group,
 * service or field names or labels (ASCII case folded); hosts and
 * problems not matching are left in the page hidden, so the search box
 * (web/assets/js/filter.js) shows them again as the query changes.
 */
char *page_overview(
    struct catalog *cat, const char *q, time_t now, size_t *len);
struct peers;
/* The same for a sharded cluster: hosts other collectors poll show
 * their state there, as peers (web/peers.h; may be NULL) last fetched
 * it, linked to the collector polling each, under a line saying which
 * peers answer. */
char *page_overview_cluster(struct catalog *cat, const struct peers *peers,
    const char *q, time_t now, size_t *len);
/* A host's services; a guest's beside what its hypervisor reports of it
 * (from the hypervisor's vm_* or xen_* graphs), a hypervisor's with its
 * guests; cat is read for those. */
char *page_host(const struct catalog *cat, const struct cat_host *h, time_t now,
    size_t *len);
/*
 * stats[i] belongs to the service's i-th field (NULL: not available);
 * zoom selects a range (its query kept relative in links and image
 * URLs), NULL the four periods.
 */
char *page_service(const struct cat_host *h, const struct cat_service *cs,
    const struct field_stats *stats, const struct time_range *zoom, time_t now,
    size_t *len);
/*
 * "2026-12-02 13:00 - 14:00" in the server's time zone, each end a
 * <time datetime=ISO 8601> (the date left out of the end on the same
 * day), into b.  For graph captions.
 */
void page_range_dates(struct buf *b, time_t start, time_t end);
/*
 * Opens a graph's <figure> (class graph) for service cs, marked with
 * its state when that is not OK: the class st-STATE and a label naming
 * the fields at fault; and its graph_info as the figure's title.
 */
void page_graph_figure(struct buf *b, const struct cat_service *cs);
/* A page's head (the title escaped) and foot: the foot hands back b's
 * text (buf_take()), for page builders of their own files. */
void page_head(struct buf *b, const char *title);
char *page_foot(struct buf *b, size_t *len);
/*
 * The <img> of h's svc graph for query ("?start=..&amp;end=..", already
 * escaped) showing start..end, with the data attributes the zoom and key
 * scripts read (data-start, data-end: epoch s).
 */
void page_graph_img(struct buf *b, const struct cat_host *h, const char *svc,
    const char *query, const char *alt, time_t start, time_t end);
struct web_poll_stats;
struct rrd_writer_stats;
struct renderer_stats;
struct outputs_stats;
struct remote_write_stats;
struct rrdcached_proc_stats;
/*
 * The collector's counters, each as its owner reported it for this
 * request: polls (the scheduler's), ws (the RRD writer's), rs (the
 * graph renderer's, NULL when graphs are off), rws (remote write's,
 * NULL when it is off); and, loudly at the top,
 * what cannot be kept across a restart now: as (the alert engine's state
 * file, NULL without one) and os (the page spool, NULL: fine); rcs: the
 * own rrdcached's (NULL: drover runs none).
 */
char *page_health(struct catalog *cat, const struct web_poll_stats *polls,
    const struct rrd_writer_stats *ws, const struct renderer_stats *rs,
    const struct alerts_stats *as, const struct outputs_stats *os,
    const struct remote_write_stats *rws,
    const struct rrdcached_proc_stats *rcs, time_t now, size_t *len);
/* Current problems (worst first), the deliveries as os reports them, and
 * recent transitions; a may be NULL. */
char *page_alerts(struct catalog *cat, const struct alerts *a,
    const struct outputs_stats *os, time_t now, size_t *len);
char *page_error(int status, const char *reason, size_t *len);

#endif
