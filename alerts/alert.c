/*
 * alert: the per-field state machine.
 */
#include "config.h"

#include <string.h>

#include "alerts/alert.h"

void
alert_rule_init(struct alert_rule *r)
{
	memset(r, 0, sizeof(*r));
	r->attempts = 1;
	r->recover_samples = 1;
	r->unknown_limit = 3;
}

void
alert_state_init(struct alert_state *s, time_t now)
{
	memset(s, 0, sizeof(*s));
	s->hard = FS_OK;
	s->pending = FS_OK;
	s->since = now;
	s->last_sample = now;
}

static enum field_state
plain(const struct alert_rule *r, double v)
{
	if (r->has_crit && range_alerts(&r->crit, v))
		return FS_CRITICAL;
	if (r->has_warn && range_alerts(&r->warn, v))
		return FS_WARNING;
	return FS_OK;
}

enum field_state
alert_judge(const struct alert_state *s, const struct alert_rule *r, bool known,
    double v)
{
	enum field_state st;

	if (!known)
		return FS_UNKNOWN;
	st = plain(r, v);
	/* leaving a problem needs the value inside by the hysteresis */
	if (r->hysteresis > 0) {
		if (s->hard == FS_CRITICAL && st != FS_CRITICAL &&
		    range_margin(&r->crit, v) < r->hysteresis)
			return FS_CRITICAL;
		if ((s->hard == FS_WARNING || s->hard == FS_CRITICAL) &&
		    st == FS_OK && r->has_warn &&
		    range_margin(&r->warn, v) < r->hysteresis)
			return FS_WARNING;
	}
	return st;
}

static bool
vote(struct alert_state *s, const struct alert_rule *r, enum field_state st,
    time_t now, enum field_state *prev)
{
	unsigned need;

	if (st == s->hard) {
		s->pending = st;
		s->count = 0;
		return false;
	}
	if (st == s->pending)
		s->count++;
	else {
		s->pending = st;
		s->count = 1;
	}
	need = st == FS_OK ? r->recover_samples : r->attempts;
	if (need < 1)
		need = 1;
	if (s->count < need)
		return false;
	if (prev != NULL)
		*prev = s->hard;
	s->hard = st;
	s->since = now;
	s->count = 0;
	return true;
}

bool
alert_sample(struct alert_state *s, const struct alert_rule *r, bool known,
    double v, time_t now, enum field_state *prev)
{
	s->last_sample = now;
	if (!known) {
		s->unknowns++;
		if (s->unknowns < r->unknown_limit)
			return false; /* a lone U changes nothing */
		return vote(s, r, FS_UNKNOWN, now, prev);
	}
	s->unknowns = 0;
	s->value = v;
	s->has_value = true;
	return vote(s, r, alert_judge(s, r, true, v), now, prev);
}

bool
alert_vote(struct alert_state *s, const struct alert_rule *r,
    enum field_state raw, double v, time_t now, enum field_state *prev)
{
	s->last_sample = now;
	s->unknowns = 0;
	s->value = v;
	s->has_value = true;
	return vote(s, r, raw, now, prev);
}

bool
alert_vote_novalue(struct alert_state *s, const struct alert_rule *r,
    enum field_state raw, time_t now, enum field_state *prev)
{
	s->last_sample = now;
	s->unknowns = 0;
	s->has_value = false;
	return vote(s, r, raw, now, prev);
}

bool
alert_tick(struct alert_state *s, const struct alert_rule *r, time_t now,
    enum field_state *prev)
{
	if (r->stale_after == 0 || s->hard == FS_UNKNOWN ||
	    now - s->last_sample < (time_t)r->stale_after)
		return false;
	if (prev != NULL)
		*prev = s->hard;
	s->hard = FS_UNKNOWN;
	s->pending = FS_UNKNOWN;
	s->count = 0;
	s->since = now;
	return true;
}
