/*
 * api: the JSON API (jansson), built from the catalog on the loop.
 *
 *   /api/v1/hosts               every host with its state (?local=1:
 *                               only those this collector polls)
 *   /api/v1/hosts/HOST          one host and its services
 *   /api/v1/hosts/HOST/PLUGIN   config, fields, last values, states
 *   /api/v1/hosts/HOST/PLUGIN/data?start=&end=&step=&cf=   RRD series
 *   /api/v1/power               banks and 12 V rails (web/power.h)
 *
 * Each builder returns a new JSON text (free()) or NULL.
 */
#ifndef DROVER_API_H
#define DROVER_API_H

#include <stddef.h>
#include <time.h>

#include "alerts/alerts.h"
#include "catalog/catalog.h"
#include "web/peers.h"

/*
 * Hosts and services carry "restored": true while they hold what the
 * state file kept over a restart and no poll has confirmed it since;
 * "age" is seconds since a service's last_update at now (epoch s), null
 * when it never had one.  Hosts carry "stale": true|false
 * (cat_host_stale at now).
 *
 * In a sharded cluster (collector/shard.h) every host carries "owner":
 * "self" when this collector polls it, else the URL of the peer that
 * says it does (its object is then that peer's, as peers (may be NULL)
 * last fetched it), else null with "peer_state" the peers' trouble
 * ("unreachable", "pending") and "state" UNKNOWN.  local: this
 * collector's own hosts only (what peers fetch).  "peers" lists each
 * peer's url, state (web/peers.h), error, hosts and age of its answer.
 */
char *api_hosts(struct catalog *cat, const struct peers *peers, bool local,
    time_t now, size_t *len);
/*
 * A bank's forecast in words ("reaches 11.5 V in about 2 h 10 min",
 * lib/trend.h) into out, for its cutoff_minutes field (one with a
 * "cutoff" level, collector/forecast.h); false for any other field.  The
 * service API gives it as the field's "forecast", the service page too.
 */
bool api_forecast_text(const struct field *f, char *out, size_t len);
char *api_host(const struct cat_host *h, time_t now, size_t *len);
char *api_service(const struct cat_host *h, const struct cat_service *cs,
    time_t now, size_t *len);

/* One field's series as fetched from its RRD (filled off the loop). */
struct api_series {
	char *field;	    /* field name */
	time_t start;	    /* first row's time (epoch s) */
	unsigned long step; /* seconds between rows */
	size_t rows;
	double *values; /* rows values, NaN = unknown */
	char *error;	/* NULL, or why this field has no data */
};

char *api_data(const struct cat_host *h, const struct cat_service *cs,
    const char *cf, const struct api_series *s, size_t n, size_t *len);
struct outputs_stats;
/* Current problems, recent transitions (a may be NULL) and the
 * deliveries as os reports them. */
char *api_alerts(struct catalog *cat, const struct alerts *a,
    const struct outputs_stats *os, size_t *len);
/*
 * The power view: {"banks": [...], "rails": [...]}, each bank with host,
 * service, title, url, state, voltage, soc, current, cutoff_minutes (a
 * number, or null; each with its _state, null when the field is absent),
 * trend ("up", "down", "flat" or null), trend_source ("forecast", "last
 * two polls" or null), charging, cutoff_level and cutoff_unit (or null),
 * cutoff_text (as the overview says it); each rail with host, service,
 * field, label, url, value, state, warning, critical.  NULL on ENOMEM.
 */
char *api_power(const struct catalog *cat, size_t *len);
char *api_error(const char *reason, size_t *len);

#endif
