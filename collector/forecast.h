/*
 * forecast: the time to cut-off of every battery bank.
 *
 * A bank is a service following the bank schema (README: a name
 * "bank_ID" and graph_category power) with a "voltage" field, or else a
 * "soc" field: its series.  forecast keeps a window of the series'
 * recent samples per (host, bank) (lib/trend.h: at most 64, over
 * cutoff_window seconds) and adds two fields to the bank in the batch,
 * before the catalog, the alert engine and the RRD writer see it:
 *
 *   cutoff_minutes  minutes until the fit reaches the cut-off level
 *                   (0: at or below it already); no value (U) with the
 *                   verdict "state OK" when no cut-off is ahead (rising,
 *                   flat, a week or more away, too few samples), so the
 *                   engine keeps it OK rather than UNKNOWN; warning
 *                   "cutoff_warning:", critical "cutoff_critical:",
 *                   alert_hysteresis warning/6 minutes
 *   trend           the fit's slope, the series' unit per hour
 *
 * Both are "graph no" in the bank (minutes beside volts would flatten
 * its graph); they are graphed in a child service "BANK.forecast" (a
 * Munin multigraph child: its own graph and RRD files) with the field
 * "minutes", a copy of cutoff_minutes without thresholds (the bank's
 * field alone alerts).
 *
 * The cut-off level: the series field's own "cutoff" attribute (a
 * munin.conf override "bank_X.voltage.cutoff 11.6"), else the host's
 * bank_cutoff (volts, for a voltage series), else the lower bound of the
 * field's critical range ("11.5:" -> 11.5).  A bank without a level, or
 * whose batch carries no config, or that has a cutoff_minutes field of
 * its own, is left alone.  Loop thread only.
 */
#ifndef DROVER_FORECAST_H
#define DROVER_FORECAST_H

#include <stdbool.h>
#include <time.h>

#include "plugins/sample.h"

#define FORECAST_WINDOW 1800	   /* cutoff_window default, seconds */
#define FORECAST_WARNING 180	   /* cutoff_warning default, minutes */
#define FORECAST_CRITICAL 60	   /* cutoff_critical default, minutes */
#define FORECAST_MIN_WINDOW 60	   /* cutoff_window bounds, seconds */
#define FORECAST_MAX_WINDOW 604800 /* a week */
#define FORECAST_MAX_MINUTES 10080 /* cutoff_warning/critical: a week */

/* One host's settings, from the global and host keys. */
struct forecast_settings {
	unsigned window;   /* seconds of samples fitted */
	unsigned warning;  /* minutes; the warning range "N:" */
	unsigned critical; /* minutes; the critical range "N:" */
	bool has_cutoff;   /* bank_cutoff set */
	double cutoff;	   /* volts */
};

struct forecast;

struct forecast *forecast_new(void);
void forecast_free(struct forecast *fc);

/* True when s is a bank by the schema (name and graph_category). */
bool forecast_is_bank(const struct service *s);

/*
 * Feeds the banks of host's batch b (stamped ts, epoch s; a value's own
 * time wins) and adds their forecast fields to b.  Returns how many
 * banks got them.  Allocation failures leave a bank without them.
 */
unsigned forecast_batch(struct forecast *fc, const char *host,
    const struct forecast_settings *set, time_t ts, struct batch *b);

/* Forgets series not fed since before `before` (epoch s). */
void forecast_prune(struct forecast *fc, time_t before);

#endif
