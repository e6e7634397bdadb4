/*
 * alert_event: what the alert engine tells its outputs (pages, Nagios,
 * Munin contacts) when a field's or a host's hard state changes, or when a
 * problem that lasts is re-announced.  Plain data; every pointer is valid
 * only during the call that receives the event (copy what you keep).
 */
#ifndef DROVER_ALERT_EVENT_H
#define DROVER_ALERT_EVENT_H

#include <stdbool.h>
#include <time.h>

#include "lib/range.h"

struct alert_event {
	const char *host;
	const char *service; /* plugin; NULL for a host-level event */
	const char *field;   /* field name; NULL for service/host level */
	const char *label;   /* the field's label (or the service title) */
	const char *unit;    /* graph_vlabel, "" when none */
	enum field_state state;
	enum field_state prev;
	bool host_down; /* the event is "host unreachable" */
	bool has_value;
	double value;
	const char *warning; /* range text as configured, NULL: none */
	const char *critical;
	time_t since;	  /* epoch s the state began */
	time_t when;	  /* epoch s of this event */
	bool initial;	  /* the first state of a new field, not a change: for
			     status outputs (Nagios), never a page */
	const char *text; /* one human sentence */
	const char *key;  /* stable dedupe key of this state change */
};

#endif
