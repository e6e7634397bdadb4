/*
 * ingest: overrides, catalog update, RRD values.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector/forecast.h"
#include "collector/ingest.h"
#include "lib/log.h"
#include "rrd/rrd_schema.h"

struct ingest {
	struct catalog *cat;
	struct rrd_writer *writer;
	struct alerts *alerts;
	const struct conf *conf;
	struct forecast *forecast; /* the banks' time to cut-off */
	time_t pruned;		   /* epoch s of the last forecast_prune */
	struct ratelimit path_rl;  /* names that cannot become files */
	ingest_sink_cb sink;	   /* remote write; NULL: none */
	void *sink_arg;
};

struct ingest *
ingest_new(struct catalog *cat, struct rrd_writer *writer)
{
	struct ingest *in = calloc(1, sizeof(*in));

	if (in == NULL)
		return NULL;
	in->forecast = forecast_new();
	if (in->forecast == NULL) {
		free(in);
		return NULL;
	}
	in->cat = cat;
	in->writer = writer;
	return in;
}

void
ingest_free(struct ingest *in)
{
	if (in == NULL)
		return;
	forecast_free(in->forecast);
	free(in);
}

void
ingest_set_alerts(struct ingest *in, struct alerts *a)
{
	in->alerts = a;
}

void
ingest_set_sink(struct ingest *in, ingest_sink_cb cb, void *arg)
{
	in->sink = cb;
	in->sink_arg = arg;
}

void
ingest_poll_result(struct ingest *in, struct cat_host *h, bool ok,
    const char *error, time_t when, uint64_t poll_ms, uint64_t queue_ms,
    unsigned values)
{
	catalog_poll_result(h, ok, error, when, poll_ms, queue_ms, values);
	if (in->alerts != NULL)
		alerts_host_result(in->alerts, h, ok, error, when);
}

void
ingest_set_conf(struct ingest *in, const struct conf *c)
{
	in->conf = c;
}

/*
 * One override "SERVICE.FIELD.ATTR" or "SERVICE.graph_KEY".  Service
 * names may hold dots (multigraph children), so the longest service name
 * that prefixes the key wins, as in Munin.
 */
static void
apply_one(struct batch *b, const char *key, const char *value)
{
	struct service *best = NULL;
	const char *rest, *dot;
	struct field *f;
	char fname[256];
	size_t i, n, bestlen = 0;

	for (i = 0; i < b->n; i++) {
		n = strlen(b->services[i].name);
		if (n > bestlen && strncmp(key, b->services[i].name, n) == 0 &&
		    key[n] == '.') {
			best = &b->services[i];
			bestlen = n;
		}
	}
	if (best == NULL)
		return;
	rest = key + bestlen + 1;
	dot = strrchr(rest, '.');
	if (dot == NULL) {
		attrs_set(&best->graph, rest, value);
		return;
	}
	n = (size_t)(dot - rest);
	if (n == 0 || n >= sizeof(fname))
		return;
	memcpy(fname, rest, n);
	fname[n] = '\0';
	f = service_field(best, fname, false);
	if (f == NULL)
		return;
	attrs_set(&f->attrs, dot + 1, value);
	/* the operator's thresholds win over a source's own verdict */
	if (strcmp(dot + 1, "warning") == 0 || strcmp(dot + 1, "critical") == 0)
		attrs_set(&f->attrs, "threshold_source", "config");
}

void
ingest_apply_overrides(const struct conf_host *hc, struct batch *b)
{
	size_t i;

	if (hc == NULL)
		return;
	for (i = 0; i < hc->overrides.n; i++)
		apply_one(b, hc->overrides.v[i].key, hc->overrides.v[i].value);
}

/*
 * The banks' forecast fields, then the overrides that name them (the
 * first pass ran before they existed).  A series not fed for a day is
 * forgotten (its host or bank went away).
 */
static void
add_forecast(
    struct ingest *in, const struct conf_host *hc, time_t ts, struct batch *b)
{
	struct forecast_settings fs;
	const char *k;
	size_t i;

	if (in->conf != NULL)
		conf_host_forecast(in->conf, hc, &fs);
	else {
		fs.window = FORECAST_WINDOW;
		fs.warning = FORECAST_WARNING;
		fs.critical = FORECAST_CRITICAL;
		fs.has_cutoff = hc->has_bank_cutoff;
		fs.cutoff = hc->bank_cutoff;
	}
	if (forecast_batch(in->forecast, hc->name, &fs, ts, b) > 0)
		for (i = 0; i < hc->overrides.n; i++) {
			k = hc->overrides.v[i].key;
			if (strstr(k, ".cutoff_minutes.") != NULL ||
			    strstr(k, ".trend.") != NULL)
				apply_one(b, k, hc->overrides.v[i].value);
		}
	if (ts - in->pruned >= 3600) {
		forecast_prune(in->forecast, ts - 86400);
		in->pruned = ts;
	}
}

/*
 * The files of one batch service's fields share everything up to the
 * field name ("dbdir/GROUP_PATH/HOST-SERVICE-", rrd_schema.h): made once
 * per service (rrd_path's checks of group, host and service), not once
 * per field and poll.  len 0: rrd_path refused the prefix, and each
 * field goes through rrd_path for its own error.
 */
struct svc_path {
	char buf[4096];
	size_t len; /* bytes of the prefix in buf */
};

static void
svc_path_init(struct svc_path *sp, const struct ingest *in,
    const struct cat_host *h, const struct service *s)
{
	static const char probe[] = "_-g.rrd"; /* field "_", GAUGE */
	size_t n;

	sp->len = 0;
	if (rrd_path(sp->buf, sizeof(sp->buf), in->conf->dbdir, h->group,
		h->name, s->name, "_", DS_GAUGE) == -1)
		return;
	n = strlen(sp->buf);
	if (n >= sizeof(probe) - 1 &&
	    strcmp(sp->buf + n - (sizeof(probe) - 1), probe) == 0)
		sp->len = n - (sizeof(probe) - 1);
}

/* Field's file into sp->buf as rrd_path makes it: 0 / -1 (errno). */
static int
svc_path_field(struct svc_path *sp, const struct ingest *in,
    const struct cat_host *h, const struct service *s, const char *field,
    enum ds_type type)
{
	size_t n;

	if (sp->len == 0 || type > DS_ABSOLUTE)
		return rrd_path(sp->buf, sizeof(sp->buf), in->conf->dbdir,
		    h->group, h->name, s->name, field, type);
	n = strlen(field);
	if (n == 0 || memchr(field, '/', n) != NULL) {
		errno = EINVAL;
		return -1;
	}
	/* field, "-t.rrd" and the NUL */
	if (sp->len + n + 7 > sizeof(sp->buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sp->buf + sp->len, field, n);
	sp->buf[sp->len + n] = '-';
	sp->buf[sp->len + n + 1] =
	    (char)tolower((unsigned char)ds_type_str(type)[0]);
	memcpy(sp->buf + sp->len + n + 2, ".rrd", 5);
	return 0;
}

/*
 * Queues field f of batch service s, its file named through sp.  cs and
 * k are the catalog's service and f's index there when s carried config
 * (the catalog parsed that very config), else NULL and -1 and f's own
 * attributes are read.
 * read_at: when the batch arrived (epoch s), for the writer's hand-over
 * from munin-update (rrd_writer.h).
 */
static void
queue_rrd(struct ingest *in, const struct cat_host *h, const struct service *s,
    const struct field *f, const struct cat_service *cs, long k,
    struct svc_path *sp, time_t ts, time_t read_at)
{
	struct rrd_ds ds;

	if (cs != NULL && k >= 0)
		cat_field_ds(cs, (size_t)k, &ds);
	else if (rrd_ds_init_rate(&ds, field_type(f),
		     attrs_get(&f->attrs, "min"), attrs_get(&f->attrs, "max"),
		     attrs_get(&s->graph, "graph_data_size"),
		     attrs_get(&s->graph, "update_rate")) == -1)
		rrd_ds_init(&ds, field_type(f), NULL, NULL, NULL);
	if (svc_path_field(sp, in, h, s, f->name, ds.type) == -1) {
		if (ratelimit_allow(
			&in->path_rl, (uint64_t)ts * 1000, 600000, NULL))
			log_warnx("ingest: %s: %s.%s cannot be stored: %s",
			    h->name, s->name, f->name, strerror(errno));
		return;
	}
	/* a value the source stamped itself has no separate read time */
	rrd_writer_submit_value(in->writer, sp->buf, &ds,
	    f->when > 0 ? f->when : ts, f->when > 0 ? 0 : read_at, f->value,
	    f->unknown);
}

/*
 * The built-in local node's file layout at an interval under Munin's
 * 300 s that divides it: Munin's own update_rate (the interval) with
 * graph_data_size custom, the interval's resolution for two hours
 * (the last-hour graphs of a young host, pages.h) and then Munin's
 * normal 5 min, 30 min, 2 h and 1 d rows.  So a first look sees a line
 * after the second poll, not at the second 5-minute boundary, and the
 * legend's Cur is the last poll's value, not a 5-minute average.  Only
 * new files get it (an existing file keeps its step); a service that
 * names its own graph_data_size or update_rate, or an operator's
 * override of either, keeps its own.
 */
#define LOCAL_FAST_SIZE                                                        \
	"custom 2h, 5m for 2d, 30m for 9d, 2h for 45d, 1d for 450d"

/* hc overrides key of service s ("SERVICE.key"). */
static bool
overridden(const struct conf_host *hc, const struct service *s, const char *key)
{
	size_t i, n = strlen(s->name);
	const char *k;

	for (i = 0; i < hc->overrides.n; i++) {
		k = hc->overrides.v[i].key;
		if (strncmp(k, s->name, n) == 0 && k[n] == '.' &&
		    strcmp(k + n + 1, key) == 0)
			return true;
	}
	return false;
}

static void
local_layout(const struct conf *c, const struct conf_host *hc, struct batch *b)
{
	unsigned iv = conf_host_interval(c, hc);
	struct service *s;
	char rate[16];
	size_t i;

	if (!hc->local || iv == 0 || iv >= RRD_STEP_MUNIN ||
	    RRD_STEP_MUNIN % iv != 0)
		return;
	snprintf(rate, sizeof(rate), "%u", iv);
	for (i = 0; i < b->n; i++) {
		s = &b->services[i];
		if (!s->has_config ||
		    attrs_get(&s->graph, "graph_data_size") != NULL ||
		    attrs_get(&s->graph, "update_rate") != NULL ||
		    overridden(hc, s, "graph_data_size") ||
		    overridden(hc, s, "update_rate"))
			continue;
		attrs_set(&s->graph, "graph_data_size", LOCAL_FAST_SIZE);
		attrs_set(&s->graph, "update_rate", rate);
	}
}

void
ingest_batch(struct ingest *in, struct cat_host *h, const struct conf_host *hc,
    time_t ts, struct batch *b)
{
	struct alerts_host ah = {0};
	const struct service *s;
	const struct cat_service *cs;
	struct svc_path sp;
	bool sp_made;
	time_t read_at = time(NULL);
	size_t i, j;
	long k;

	if (hc != NULL && in->conf != NULL)
		local_layout(in->conf, hc, b);
	ingest_apply_overrides(hc, b);
	if (hc != NULL)
		add_forecast(in, hc, ts, b);
	/* the catalog first: it parses the merged config the alert engine
	 * judges by and the RRD files are made from */
	catalog_update(in->cat, h, ts, b);
	if (hc != NULL) {
		ah.attempts = conf_host_alert_attempts(hc);
		ah.interval = hc->interval;
	}
	if (in->alerts != NULL)
		alerts_ingest(in->alerts, h, hc != NULL ? &ah : NULL, b, ts);
	if (in->sink != NULL)
		in->sink(in->sink_arg, h, ts, b);
	if (in->writer == NULL || in->conf == NULL)
		return;
	for (i = 0; i < b->n; i++) {
		s = &b->services[i];
		cs = s->has_config ? cat_host_service(h, s->name) : NULL;
		sp_made = false;
		for (j = 0; j < s->nfields; j++) {
			if (!s->fields[j].has_value)
				continue;
			if (!sp_made) {
				svc_path_init(&sp, in, h, s);
				sp_made = true;
			}
			k = cs != NULL ? cat_service_field_index(
					     cs, j, s->fields[j].name)
				       : -1;
			queue_rrd(
			    in, h, s, &s->fields[j], cs, k, &sp, ts, read_at);
		}
	}
}
