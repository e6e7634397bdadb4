/*
 * api: JSON documents.  jansson does the escaping; numbers that are not
 * finite become null.
 */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/outputs.h"
#include "lib/trend.h"
#include "web/api.h"
#include "web/html.h"
#include "web/power.h"

static json_t *
num_or_null(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static char *
dump(json_t *j, size_t *len)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENSURE_ASCII);

	json_decref(j);
	if (s != NULL && len != NULL)
		*len = strlen(s);
	return s;
}

/* Seconds since when (epoch s) at now, or null when never. */
static json_t *
age_of(time_t when, time_t now)
{
	return when > 0
		   ? json_integer((json_int_t)(now > when ? now - when : 0))
		   : json_null();
}

static json_t *
host_obj(const struct cat_host *h, time_t now)
{
	unsigned problems = 0;
	enum field_state st = cat_host_state(h, &problems);
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:s, "
		      "s:I, s:I, s:i}",
	    "name", h->name, "group", h->group != NULL ? h->group : "",
	    "physical", h->physical != NULL ? h->physical : h->name,
	    "poll_state",
	    h->peer	  ? "peer"
	    : h->unpolled ? "unpolled"
			  : host_state_str(h->state),
	    "state", h->state == HOST_DOWN ? "DOWN" : field_state_str(st),
	    "problems", (int)problems, "last_ok", (json_int_t)h->last_ok,
	    "last_poll", (json_int_t)h->last_poll, "last_error",
	    cat_error_str(h->last_error), "poll_ms", (json_int_t)h->poll_ms,
	    "queue_ms", (json_int_t)h->queue_ms, "failures", (int)h->failures);
	/* how "physical" was found; the hypervisor reporting it as its
	 * guest, and its field there */
	if (o != NULL)
		json_object_set_new(o, "physical_from",
		    json_string(cat_phys_from_str(h->physical_from)));
	if (o != NULL && h->hypervisor != NULL) {
		json_object_set_new(
		    o, "hypervisor", json_string(h->hypervisor));
		json_object_set_new(
		    o, "guest_field", json_string(h->guest_field));
	}
	/* up, but no good poll for CAT_STALE_INTERVALS intervals */
	if (o != NULL)
		json_object_set_new(
		    o, "stale", json_boolean(cat_host_stale(h, now)));
	/* "update no": drawn from its files, never polled */
	if (o != NULL && h->unpolled)
		json_object_set_new(o, "update", json_false());
	/* the state saved before a restart, not polled since */
	if (o != NULL && h->restored)
		json_object_set_new(o, "restored", json_true());
	return o;
}

/* A host a peer polls: that peer's object with its URL as owner, or
 * ours without an owner when no reachable peer says it polls h. */
static json_t *
peer_host_obj(const struct cat_host *h, const struct peers *peers, time_t now)
{
	struct peer_info pi;
	const json_t *theirs;
	json_t *o;
	size_t i, k = 0;

	theirs = peers_host(peers, h->name, &k);
	if (theirs != NULL) {
		peers_info(peers, k, &pi);
		o = json_copy((json_t *)theirs);
		if (o != NULL)
			json_object_set_new(o, "owner", json_string(pi.url));
		return o;
	}
	o = host_obj(h, now);
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "owner", json_null());
	json_object_set_new(o, "state", json_string("UNKNOWN"));
	/* pending while some peer has not answered yet, else unreachable */
	pi.state = PEER_UNREACHABLE;
	for (i = 0; i < peers_count(peers); i++) {
		peers_info(peers, i, &pi);
		if (pi.state == PEER_PENDING)
			break;
	}
	json_object_set_new(o, "peer_state",
	    json_string(peer_state_str(
		pi.state == PEER_PENDING ? PEER_PENDING : PEER_UNREACHABLE)));
	return o;
}

char *
api_hosts(struct catalog *cat, const struct peers *peers, bool local,
    time_t now, size_t *len)
{
	json_t *arr = json_array(), *pl = json_array(), *o;
	struct peer_info pi;
	const struct cat_host *h;
	size_t i;

	for (i = 0; i < catalog_count(cat); i++) {
		h = catalog_at(cat, i);
		if (h->peer && local)
			continue;
		if (h->peer)
			o = peer_host_obj(h, peers, now);
		else {
			o = host_obj(h, now);
			if (o != NULL)
				json_object_set_new(
				    o, "owner", json_string("self"));
		}
		json_array_append_new(arr, o);
	}
	for (i = 0; i < peers_count(peers); i++) {
		peers_info(peers, i, &pi);
		json_array_append_new(
		    pl, json_pack("{s:s, s:s, s:s, s:I, s:o}", "url", pi.url,
			    "state", peer_state_str(pi.state), "error",
			    pi.error, "hosts", (json_int_t)pi.hosts, "age",
			    age_of(pi.fetched, now)));
	}
	return dump(json_pack("{s:o, s:o}", "hosts", arr, "peers", pl), len);
}

char *
api_host(const struct cat_host *h, time_t now, size_t *len)
{
	json_t *o = host_obj(h, now), *svcs = json_array(), *so;
	const struct cat_service *cs;
	const char *t, *c;
	size_t i;

	for (i = 0; i < h->nservices; i++) {
		cs = &h->services[i];
		t = attrs_get(&cs->svc.graph, "graph_title");
		c = attrs_get(&cs->svc.graph, "graph_category");
		so = json_pack("{s:s, s:s, s:s, s:s, s:I, s:o}", "name",
		    cs->svc.name, "title", t != NULL ? t : cs->svc.name,
		    "category", c != NULL ? c : "other", "state",
		    field_state_str(cat_service_state(cs, NULL)), "last_update",
		    (json_int_t)cs->last_update, "age",
		    age_of(cs->last_update, now));
		if (so != NULL && cs->restored)
			json_object_set_new(so, "restored", json_true());
		json_array_append_new(svcs, so);
	}
	json_object_set_new(o, "services", svcs);
	return dump(o, len);
}

static json_t *
attrs_obj(const struct attrs *a)
{
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < a->n; i++)
		json_object_set_new(o, a->v[i].key, json_string(a->v[i].value));
	return o;
}

bool
api_forecast_text(const struct field *f, char *out, size_t len)
{
	const char *level = attrs_get(&f->attrs, "cutoff");
	const char *unit = attrs_get(&f->attrs, "cutoff_unit");

	if (strcmp(f->name, "cutoff_minutes") != 0 || level == NULL ||
	    !f->has_value)
		return false;
	trend_describe(
	    out, len, !f->unknown, f->value, level, unit != NULL ? unit : "");
	return true;
}

char *
api_service(const struct cat_host *h, const struct cat_service *cs, time_t now,
    size_t *len)
{
	json_t *fields = json_array(), *fo, *config, *o;
	const struct field *f;
	char text[160];
	size_t i;

	for (i = 0; i < cs->svc.nfields; i++) {
		f = &cs->svc.fields[i];
		config = attrs_obj(&f->attrs);
		/* the alert engine's verdict, where the API has always put it
		 */
		if (cs->fields[i].has_alert)
			json_object_set_new(config, "alert_state",
			    json_string(field_state_str(cs->fields[i].alert)));
		fo = json_pack("{s:s, s:o, s:s, s:o, s:I}", "name", f->name,
		    "config", config, "state",
		    field_state_str(cat_field_state(cs, i)), "value",
		    f->has_value && !f->unknown ? num_or_null(f->value)
						: json_null(),
		    "when", (json_int_t)f->when);
		if (fo != NULL && api_forecast_text(f, text, sizeof(text)))
			json_object_set_new(fo, "forecast", json_string(text));
		json_array_append_new(fields, fo);
	}
	o = json_pack("{s:s, s:s, s:o, s:o, s:s, s:I, s:o}", "host", h->name,
	    "name", cs->svc.name, "config", attrs_obj(&cs->svc.graph), "fields",
	    fields, "state", field_state_str(cat_service_state(cs, NULL)),
	    "last_update", (json_int_t)cs->last_update, "age",
	    age_of(cs->last_update, now));
	/* values saved before a restart: their age is last_update's */
	if (o != NULL && cs->restored)
		json_object_set_new(o, "restored", json_true());
	return dump(o, len);
}

char *
api_data(const struct cat_host *h, const struct cat_service *cs, const char *cf,
    const struct api_series *s, size_t n, size_t *len)
{
	json_t *fields = json_object(), *rows, *fo;
	size_t i, r;

	for (i = 0; i < n; i++) {
		if (s[i].error != NULL) {
			json_object_set_new(fields, s[i].field,
			    json_pack("{s:s}", "error", s[i].error));
			continue;
		}
		rows = json_array();
		for (r = 0; r < s[i].rows; r++)
			json_array_append_new(rows,
			    json_pack("[I,o]",
				(json_int_t)(s[i].start +
					     (time_t)((r + 1) * s[i].step)),
				num_or_null(s[i].values[r])));
		fo = json_pack("{s:I, s:I, s:o}", "start",
		    (json_int_t)s[i].start, "step", (json_int_t)s[i].step,
		    "rows", rows);
		json_object_set_new(fields, s[i].field, fo);
	}
	return dump(json_pack("{s:s, s:s, s:s, s:o}", "host", h->name,
			"service", cs->svc.name, "cf", cf, "fields", fields),
	    len);
}

/* "/HOST/SERVICE/", percent-encoded (json_null() on ENOMEM) */
static json_t *
href(const struct cat_host *h, const struct cat_service *cs)
{
	struct buf b = {0};
	json_t *j;
	char *s;

	buf_puts(&b, "/");
	html_escape_url(&b, h->name);
	buf_puts(&b, "/");
	html_escape_url(&b, cs->svc.name);
	buf_puts(&b, "/");
	s = buf_take(&b, NULL);
	if (s == NULL)
		return json_null();
	j = json_string(s);
	free(s);
	return j;
}

/* o.key = v's value (null when not a number), o.key_state = its state
 * (null when the field is absent). */
static void
put_value(json_t *o, const char *key, const struct power_value *v)
{
	char sk[64];

	snprintf(sk, sizeof(sk), "%s_state", key);
	json_object_set_new(
	    o, key, v->known ? num_or_null(v->value) : json_null());
	json_object_set_new(o, sk,
	    v->present ? json_string(field_state_str(v->st)) : json_null());
}

static json_t *
bank_obj(const struct power_bank *k)
{
	const char *t = power_trend_str(k->trend);
	char text[128];
	json_t *o;

	power_cutoff_text(k, text, sizeof(text));
	o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:b, s:s}", "host", k->h->name,
	    "service", k->cs->svc.name, "title", k->title, "url",
	    href(k->h, k->cs), "state", field_state_str(k->st), "charging",
	    k->charging, "cutoff_text", text);
	if (o == NULL)
		return NULL;
	put_value(o, "voltage", &k->voltage);
	put_value(o, "soc", &k->soc);
	put_value(o, "current", &k->current);
	put_value(o, "cutoff_minutes", &k->cutoff);
	json_object_set_new(
	    o, "trend", t != NULL ? json_string(t) : json_null());
	json_object_set_new(o, "trend_source",
	    t == NULL		? json_null()
	    : k->trend_forecast ? json_string("forecast")
				: json_string("last two polls"));
	json_object_set_new(o, "cutoff_level",
	    k->has_level ? num_or_null(k->level) : json_null());
	json_object_set_new(o, "cutoff_unit",
	    k->has_level ? json_string(k->level_unit) : json_null());
	return o;
}

static json_t *
rail_obj(const struct power_rail *r)
{
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:o}", "host", r->h->name,
	    "service", r->cs->svc.name, "field", r->f->name, "label", r->label,
	    "url", href(r->h, r->cs));
	if (o == NULL)
		return NULL;
	json_object_set_new(
	    o, "value", r->v.known ? num_or_null(r->v.value) : json_null());
	json_object_set_new(o, "state", json_string(field_state_str(r->v.st)));
	json_object_set_new(o, "warning",
	    r->warning != NULL ? json_string(r->warning) : json_null());
	json_object_set_new(o, "critical",
	    r->critical != NULL ? json_string(r->critical) : json_null());
	return o;
}

char *
api_power(const struct catalog *cat, size_t *len)
{
	struct power_view v;
	json_t *banks, *rails;
	size_t i;

	if (power_view_init(&v, cat) == -1)
		return NULL;
	banks = json_array();
	rails = json_array();
	for (i = 0; i < v.nbanks; i++)
		json_array_append_new(banks, bank_obj(&v.banks[i]));
	for (i = 0; i < v.nrails; i++)
		json_array_append_new(rails, rail_obj(&v.rails[i]));
	power_view_cleanup(&v);
	return dump(
	    json_pack("{s:o, s:o}", "banks", banks, "rails", rails), len);
}

char *
api_error(const char *reason, size_t *len)
{
	return dump(json_pack("{s:s}", "error", reason), len);
}

char *
api_alerts(struct catalog *cat, const struct alerts *a,
    const struct outputs_stats *os, size_t *len)
{
	json_t *probs = json_array(), *trans = json_array(), *o, *deliveries;
	struct alert_transition t;
	struct cat_problem *p;
	const char *label;
	size_t i, n;

	p = catalog_problems(cat, &n);
	for (i = 0; i < n; i++) {
		o = json_pack("{s:s, s:s}", "host", p[i].h->name, "state",
		    field_state_str(p[i].st));
		if (p[i].cs == NULL) {
			json_object_set_new(o, "host_down", json_true());
			json_object_set_new(o, "error",
			    json_string(cat_error_str(p[i].h->last_error)));
		} else {
			label = attrs_get(&p[i].f->attrs, "label");
			json_object_set_new(
			    o, "service", json_string(p[i].cs->svc.name));
			json_object_set_new(
			    o, "field", json_string(p[i].f->name));
			json_object_set_new(o, "label",
			    json_string(label != NULL ? label : p[i].f->name));
			json_object_set_new(o, "value",
			    p[i].f->has_value && !p[i].f->unknown
				? num_or_null(p[i].f->value)
				: json_null());
		}
		json_array_append_new(probs, o);
	}
	free(p);
	for (i = 0; a != NULL && alerts_transition(a, i, &t); i++)
		json_array_append_new(trans,
		    json_pack("{s:s, s:s, s:s, s:I, s:o}", "key", t.key,
			"state", field_state_str(t.state), "previous",
			field_state_str(t.prev), "when", (json_int_t)t.when,
			"value",
			t.has_value ? num_or_null(t.value) : json_null()));
	deliveries = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "pages_queued", (json_int_t)os->pages.queued, "pages_delivered",
	    (json_int_t)os->pages.delivered, "pages_failed",
	    (json_int_t)os->pages.failed, "pages_expired",
	    (json_int_t)os->pages.expired, "pages_oldest",
	    (json_int_t)os->pages.oldest, "nagios_written",
	    (json_int_t)os->nagios.written, "nagios_pending",
	    (json_int_t)os->nagios.pending, "nagios_dropped",
	    (json_int_t)os->nagios.dropped);
	return dump(json_pack("{s:o, s:o, s:o}", "problems", probs,
			"transitions", trans, "deliveries", deliveries),
	    len);
}
