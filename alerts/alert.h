/*
 * alert: one field's alert state machine, pure, driven by samples and an
 * explicit clock.
 *
 * Each sample is judged against the field's critical and warning ranges
 * (raw state).  The hard state (the one notifications speak of) follows
 * only after `attempts` consecutive samples agree (soft states in
 * between).  Recovery needs the value back inside by `hysteresis` (in the
 * field's unit) and, with `recover_samples`, that many good samples, so a
 * value hovering at a threshold pages once.  `unknown_limit` consecutive
 * unknown values make the field UNKNOWN; so does silence for
 * `stale_after` seconds (alert_tick()).
 */
#ifndef DROVER_ALERT_H
#define DROVER_ALERT_H

#include <stdbool.h>
#include <time.h>

#include "lib/range.h"

struct alert_rule {
	struct range warn;
	struct range crit;
	bool has_warn;
	bool has_crit;
	unsigned attempts;	  /* samples before a hard change, >= 1 */
	unsigned recover_samples; /* good samples before recovery, >= 1 */
	double hysteresis;	  /* field units inside a bound to recover */
	unsigned unknown_limit;	  /* consecutive U before UNKNOWN, >= 1 */
	unsigned stale_after;	  /* seconds without samples; 0: never */
};

/* Defaults: attempts 1, recover_samples 1, no hysteresis, unknown_limit 3,
 * no staleness, no ranges. */
void alert_rule_init(struct alert_rule *r);

struct alert_state {
	enum field_state hard;	  /* notified state */
	enum field_state pending; /* the state samples are voting for */
	unsigned count;		  /* consecutive votes for pending */
	unsigned unknowns;	  /* consecutive unknown samples */
	time_t since;		  /* when hard began (epoch s) */
	time_t last_sample;	  /* epoch s of the last sample */
	double value;		  /* last known value */
	bool has_value;
};

void alert_state_init(struct alert_state *s, time_t now);
/* The raw state of one sample (hysteresis applied against hard). */
enum field_state alert_judge(const struct alert_state *s,
    const struct alert_rule *r, bool known, double v);
/*
 * Feeds a sample taken at now.  Returns true when the hard state changed;
 * *prev (may be NULL) then holds the old one.
 */
bool alert_sample(struct alert_state *s, const struct alert_rule *r, bool known,
    double v, time_t now, enum field_state *prev);
/* Feeds a sample whose raw state a source already decided (the IPMI
 * threshold bits); like alert_sample otherwise. */
bool alert_vote(struct alert_state *s, const struct alert_rule *r,
    enum field_state raw, double v, time_t now, enum field_state *prev);
/* A source's verdict raw without a value (the last value is kept, but
 * not shown as this sample's); like alert_vote otherwise. */
bool alert_vote_novalue(struct alert_state *s, const struct alert_rule *r,
    enum field_state raw, time_t now, enum field_state *prev);
/* Checks staleness at now; true when the field just became UNKNOWN. */
bool alert_tick(struct alert_state *s, const struct alert_rule *r, time_t now,
    enum field_state *prev);

#endif
