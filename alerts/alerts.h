/*
 * alerts: the alert engine.  Every sample is judged as it arrives (from
 * ingest), per field, with the field's rules; hard state changes become
 * alert_events for the outputs (pages, Nagios, Munin contacts) and are
 * kept in a ring of recent transitions for the web.
 *
 * Rules per field, from its attributes (the plugin's config with the
 * operator's munin.conf overrides applied, parsed by the catalog into a
 * field_spec when the config changes):
 *   warning, critical                Munin ranges
 *   nagios_warning, nagios_critical  Nagios ranges (win over Munin's)
 *   state                            a source's own verdict (IPMI bits),
 *                                    unless munin.conf overrides the
 *                                    field's warning or critical
 *                                    ("state OK" with a U value is an
 *                                    OK sample without a value, even
 *                                    then: a forecast with no cut-off)
 *   alert_attempts N                 samples before a hard change; else
 *                                    the plugin's, the host's, the
 *                                    global one when set; else 1 for
 *                                    ipmi_volts, 2 for the rest
 *   alert_hysteresis X, alert_recover N, unknown_limit N (default 3)
 * A field is UNKNOWN after unknown_limit U values or two intervals
 * without data; a host that is down is a host-level CRITICAL event.
 *
 * State survives restarts: it is saved (atomically) under state_dir and
 * restored at start-up without re-announcing open problems.  Loop thread
 * only.
 */
#ifndef DROVER_ALERTS_H
#define DROVER_ALERTS_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "alerts/alert_event.h"
#include "catalog/catalog.h"

/* The engine's global defaults, from the config. */
struct alerts_defaults {
	unsigned attempts; /* the global alert_attempts; 0: not set */
	unsigned interval; /* seconds, the global poll interval */
};

/* What a host's config section says to the engine. */
struct alerts_host {
	unsigned attempts; /* the section's alert_attempts; 0: not set */
	unsigned interval; /* seconds, the host's interval; 0: the global */
};

struct alerts;

typedef void (*alert_output_fn)(void *arg, const struct alert_event *ev);

/* state_file: where state is kept (NULL: not kept). */
struct alerts *alerts_new(const char *state_file);
void alerts_free(struct alerts *a);
/* Adds an output called for every event (at most 8). */
int alerts_add_output(struct alerts *a, alert_output_fn fn, void *arg);
/* Until called: no global alert_attempts, interval 300 s. */
void alerts_set_defaults(struct alerts *a, const struct alerts_defaults *d);

/*
 * Judges the fields of one poll of host h (values in b, config merged in
 * the catalog, so catalog_update() must have seen b first) at time ts;
 * records each judged field's hard state with cat_field_set_alert().
 */
void alerts_ingest(struct alerts *a, struct cat_host *h,
    const struct alerts_host *ah, const struct batch *b, time_t ts);
/* A poll of h ended: down (ok false) or up. */
void alerts_host_result(struct alerts *a, struct cat_host *h, bool ok,
    const char *error, time_t now);
/*
 * Staleness: fields without data for two intervals become UNKNOWN.  Costs
 * what is due since the last tick (a timer wheel of due seconds), not a
 * walk of every field; the events come in the catalog's order.
 */
void alerts_tick(struct alerts *a, struct catalog *cat, time_t now);
/*
 * After a restart: gives every restored service of cat (cat_service's
 * restored) the hard states this engine restored from its own state
 * file, so the pages, /alerts and drover check agree with the engine
 * before the first poll.  A field the engine kept no state for keeps the
 * verdict the catalog saved.
 */
void alerts_restore_verdicts(struct alerts *a, struct catalog *cat);
/*
 * Saves the state now if it changed since the last save that worked (or
 * was never saved by this process: the first call proves the file
 * writable).  0, or -1 with the state kept in memory and saved again at
 * the next call; a failure is logged when it is new or different, and
 * remembered for alerts_stats.  The temporary file (state_file.tmp) never
 * stays behind.
 */
int alerts_save(struct alerts *a);

/* The state file's health, as /health shows it. */
struct alerts_stats {
	char save_error[512];	/* why the last save failed; "" when it
				   worked (or none was needed) */
	time_t failing_since;	/* epoch s of the first failure in a row; 0 */
	uint64_t save_failures; /* failed saves since start */
	size_t entries;	       /* fields and hosts the engine keeps state for */
	uint64_t stale_visits; /* entries the staleness ticks looked at since
				  start (the ones due, not all of them) */
};
void alerts_stats(const struct alerts *a, struct alerts_stats *out);

/* A recent transition, for /alerts. */
struct alert_transition {
	char key[512]; /* host/service/field */
	enum field_state state, prev;
	time_t when;
	double value;
	bool has_value;
};
/* The i-th most recent transition (0 = newest); false past the end. */
bool alerts_transition(
    const struct alerts *a, size_t i, struct alert_transition *out);

#endif
