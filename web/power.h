/*
 * power: what the dashboard's power view shows, read from the catalog.
 *
 * Banks are the services of the bank schema (README, the power view):
 * a name "bank_ID" and graph_category power, with the fields voltage,
 * soc, current (net, positive = charging) and, from the cut-off
 * forecast (collector/forecast.h), trend (the fit's slope per hour) and
 * cutoff_minutes (its level in the attributes cutoff and cutoff_unit).
 * Rails are the BMCs' 12 V supplies: every voltage sensor of an IPMI
 * service (drover's ipmi_volts, Munin's freeipmi_ and ipmi_ voltage
 * plugins) whose label says 12 V ("12V", "12 V", "P12V_AUX") or whose
 * thresholds centre on 12 V.
 * The overview (pages) and /api/v1/power (api) both show this view, so
 * they never disagree.  Pure over the catalog; loop thread.
 */
#ifndef DROVER_POWER_H
#define DROVER_POWER_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog/catalog.h"

enum power_trend {
	POWER_TREND_NONE, /* neither a trend field nor two voltages */
	POWER_TREND_UP,
	POWER_TREND_DOWN,
	POWER_TREND_FLAT,
};

/* "up", "down", "flat"; NULL for POWER_TREND_NONE. */
const char *power_trend_str(enum power_trend t);

/* One field's last value as the view shows it. */
struct power_value {
	bool present;	     /* the service has the field */
	bool known;	     /* its last value is a number */
	double value;	     /* when known, in the field's unit */
	enum field_state st; /* its state (cat_field_state) */
};

/* Volts of change between two polls that still count as flat. */
#define POWER_FLAT_VOLTS 0.01
/* The forecast's trend (its series' unit per hour: V/h, %/h) that still
 * counts as flat. */
#define POWER_FLAT_PER_HOUR 0.01

struct power_bank {
	const struct cat_host *h;
	const struct cat_service *cs;
	const char *title;	    /* graph_title, else the name */
	enum field_state st;	    /* the service's worst field */
	struct power_value voltage; /* V */
	struct power_value soc;	    /* % */
	struct power_value current; /* A, net: > 0 charging */
	struct power_value cutoff;  /* cutoff_minutes: min to cut-off */
	enum power_trend trend;
	bool trend_forecast;	/* trend from the forecast's "trend" field, not
				   from the last two voltages */
	bool charging;		/* net current (or charge over discharge
				   current) flows into the bank */
	bool has_level;		/* the cut-off level is known: */
	double level;		/* the forecast's level (cutoff_minutes'
				   attribute "cutoff", in "cutoff_unit"),
				   else the voltage's critical lower bound
				   (V), else the soc's (%) */
	const char *level_unit; /* "V", "%", or as the forecast says */
};

struct power_rail {
	const struct cat_host *h;
	const struct cat_service *cs;
	const struct field *f;
	const char *label;    /* label, else the field name */
	struct power_value v; /* V */
	const char *warning;  /* Munin ranges as written; NULL: unset */
	const char *critical;
};

struct power_view {
	struct power_bank *banks; /* by host, then service */
	size_t nbanks;
	struct power_rail *rails; /* by host, service, field */
	size_t nrails;
};

/*
 * Fills v from cat; v points into cat and is valid until cat changes.
 * 0, or -1 (ENOMEM) with v empty.  Free with power_view_cleanup().
 */
int power_view_init(struct power_view *v, const struct catalog *cat);
void power_view_cleanup(struct power_view *v);
/* True when the catalog held no bank and no rail. */
bool power_view_empty(const struct power_view *v);
/*
 * What the bank's cut-off column says, into out (len bytes):
 * "reaches 11.5 V in about 2 h 10 min" (cutoff_minutes is a number),
 * "charging", or an em dash (UTF-8) when neither.
 */
void power_cutoff_text(const struct power_bank *b, char *out, size_t len);
/* True when a voltage sensor called name, labelled label (may be NULL),
 * with Munin warning/critical ranges w and c (may be NULL) is a 12 V
 * rail: its label (its name without one) says 12 V, or the middle of
 * its warning (else critical) range lies within 15 % of 12 V. */
bool power_is_12v(
    const char *name, const char *label, const char *w, const char *c);

#endif
