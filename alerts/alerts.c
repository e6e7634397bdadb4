/*
 * alerts: per-field state machines in a hash table keyed by
 * "host/service/field" ("host" alone for the host's reachability), rules
 * built on every sample from the catalog's parsed field_spec (copies of
 * ranges and counts, no text parsed), events to the outputs, and the
 * state file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerts/alert.h"
#include "alerts/alerts.h"
#include "lib/hash.h"
#include "lib/fileio.h"
#include "lib/log.h"

#define ALERTS_BUCKETS 4096 /* hash buckets (fixed; chains grow) */
#define ALERTS_OUTPUTS 8
#define ALERTS_RING 128 /* recent transitions kept for the web */

struct entry {
	char *key;
	struct alert_state st;
	unsigned stale_after; /* seconds, from the last rule */
	struct entry *next;
};

struct output {
	alert_output_fn fn;
	void *arg;
};

struct alerts {
	struct entry *tab[ALERTS_BUCKETS];
	struct alerts_defaults dflt; /* global alert_attempts, interval */
	char *state_file;
	bool dirty; /* state changed since the last save (or it failed) */
	struct alerts_stats st;
	struct output out[ALERTS_OUTPUTS];
	size_t nout;
	struct alert_transition ring[ALERTS_RING];
	size_t ring_next; /* slot the next transition goes to */
	size_t ring_n;
};

static struct entry *
entry_get(struct alerts *a, const char *key, time_t now, bool create)
{
	struct entry **b = &a->tab[hash_str(HASH_INIT, key) % ALERTS_BUCKETS],
		     *e;

	for (e = *b; e != NULL; e = e->next)
		if (strcmp(e->key, key) == 0)
			return e;
	if (!create)
		return NULL;
	e = calloc(1, sizeof(*e));
	if (e == NULL || (e->key = strdup(key)) == NULL) {
		free(e);
		return NULL;
	}
	alert_state_init(&e->st, now);
	e->next = *b;
	*b = e;
	return e;
}

/* ---- state file ---------------------------------------------------- */

static void
load_state(struct alerts *a)
{
	json_t *root, *fields, *v;
	json_error_t err;
	const char *key;
	struct entry *e;
	enum field_state st;
	time_t now = time(NULL);

	root = json_load_file(a->state_file, 0, &err);
	if (root == NULL) {
		if (access(a->state_file, F_OK) == 0)
			log_warnx("alerts: %s: %s (line %d); starting clean",
			    a->state_file, err.text, err.line);
		return;
	}
	fields = json_object_get(root, "fields");
	json_object_foreach(fields, key, v)
	{
		const char *hard =
		    json_string_value(json_object_get(v, "hard"));

		if (hard == NULL || !field_state_parse(hard, &st))
			continue;
		e = entry_get(a, key, now, true);
		if (e == NULL)
			break;
		e->st.hard = e->st.pending = st;
		e->st.since =
		    (time_t)json_integer_value(json_object_get(v, "since"));
		/* the silence while drover was stopped is not the node's */
		e->st.last_sample = now;
		e->st.unknowns = (unsigned)json_integer_value(
		    json_object_get(v, "unknowns"));
		e->stale_after = (unsigned)json_integer_value(
		    json_object_get(v, "stale_after"));
	}
	json_decref(root);
}

/* A save failed (errno set) at op on path: logged when the failure is
 * new or different, kept for /health; the state stays dirty. */
static void
save_failed(struct alerts *a, const char *op, const char *path)
{
	const size_t max = sizeof(a->st.save_error) - 1;
	char msg[4400];

	snprintf(msg, sizeof(msg), "cannot %s %s: %s", op, path,
	    errno != 0 ? strerror(errno) : "failed");
	if (strncmp(msg, a->st.save_error, max) != 0)
		log_warnx("alerts: %s; alert state is kept in memory, and "
			  "written when a save works",
		    msg);
	snprintf(
	    a->st.save_error, sizeof(a->st.save_error), "%.*s", (int)max, msg);
	if (a->st.failing_since == 0)
		a->st.failing_since = time(NULL);
	a->st.save_failures++;
}

int
alerts_save(struct alerts *a)
{
	json_t *root, *fields;
	struct entry *e;
	char tmp[4096], *text = NULL;
	size_t i;
	int ret = -1;

	if (a->state_file == NULL || !a->dirty)
		return 0;
	fields = json_object();
	for (i = 0; i < ALERTS_BUCKETS; i++)
		for (e = a->tab[i]; e != NULL; e = e->next)
			json_object_set_new(fields, e->key,
			    json_pack("{s:s, s:I, s:I, s:i, s:i}", "hard",
				field_state_str(e->st.hard), "since",
				(json_int_t)e->st.since, "last",
				(json_int_t)e->st.last_sample, "unknowns",
				(int)e->st.unknowns, "stale_after",
				(int)e->stale_after));
	root = json_pack("{s:i, s:o}", "version", 1, "fields", fields);
	snprintf(tmp, sizeof(tmp), "%s.tmp", a->state_file);
	errno = 0;
	text = root != NULL ? json_dumps(root, JSON_COMPACT) : NULL;
	/* no torn or empty .tmp stays behind */
	if (text == NULL ||
	    file_write_atomic(a->state_file, tmp, text, strlen(text)) == -1) {
		save_failed(a, "write", tmp);
		goto out;
	}
	if (a->st.save_error[0] != '\0')
		log_info("alerts: %s saved again", a->state_file);
	a->st.save_error[0] = '\0';
	a->st.failing_since = 0;
	a->dirty = false;
	ret = 0;
out:
	free(text);
	json_decref(root);
	return ret;
}

void
alerts_stats(const struct alerts *a, struct alerts_stats *out)
{
	*out = a->st;
}

/* ---- public -------------------------------------------------------- */

struct alerts *
alerts_new(const char *state_file)
{
	struct alerts *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->dflt.interval = 300;
	if (state_file != NULL) {
		a->state_file = strdup(state_file);
		if (a->state_file == NULL) {
			free(a);
			return NULL;
		}
		load_state(a);
		/* the first alerts_save writes: it proves the file writable */
		a->dirty = true;
	}
	return a;
}

void
alerts_free(struct alerts *a)
{
	struct entry *e, *n;
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < ALERTS_BUCKETS; i++)
		for (e = a->tab[i]; e != NULL; e = n) {
			n = e->next;
			free(e->key);
			free(e);
		}
	free(a->state_file);
	free(a);
}

int
alerts_add_output(struct alerts *a, alert_output_fn fn, void *arg)
{
	if (a->nout == ALERTS_OUTPUTS)
		return -1;
	a->out[a->nout].fn = fn;
	a->out[a->nout].arg = arg;
	a->nout++;
	return 0;
}

void
alerts_set_defaults(struct alerts *a, const struct alerts_defaults *d)
{
	a->dflt = *d;
}

/* The rule for one field: its attributes (parsed in the catalog when its
 * config arrived), then plugin, host, global, then the built-in default
 * (1 for ipmi_volts, else 2). */
static void
rule_for(const struct alerts *a, const struct alerts_host *ah,
    const struct cat_service *cs, const struct field_spec *fs,
    struct alert_rule *r)
{
	unsigned dflt = 2;
	unsigned interval = a->dflt.interval;

	alert_rule_init(r);
	if (fs->has_nagios_warn) {
		r->warn = fs->nagios_warn;
		r->has_warn = true;
	} else if (fs->warning != NULL) {
		r->warn = fs->warn;
		r->has_warn = true;
	}
	if (fs->has_nagios_crit) {
		r->crit = fs->nagios_crit;
		r->has_crit = true;
	} else if (fs->critical != NULL) {
		r->crit = fs->crit;
		r->has_crit = true;
	}
	/* field > plugin > host > the operator's global > built-in: an
	 * explicit global alert_attempts applies to ipmi_volts too */
	if (strcmp(cs->svc.name, "ipmi_volts") == 0)
		dflt = 1; /* a sagging rail pages on the first sample */
	if (a->dflt.attempts > 0)
		dflt = a->dflt.attempts;
	if (ah != NULL && ah->attempts > 0)
		dflt = ah->attempts;
	if (ah != NULL && ah->interval > 0)
		interval = ah->interval;
	if (cs->spec.alert_attempts != 0)
		dflt = cs->spec.alert_attempts;
	r->attempts = fs->alert_attempts != 0 ? fs->alert_attempts : dflt;
	r->recover_samples = fs->alert_recover;
	r->unknown_limit = fs->unknown_limit;
	if (fs->has_hysteresis)
		r->hysteresis = fs->hysteresis;
	r->stale_after = 2 * interval;
}

static void
remember(struct alerts *a, const char *key, const struct alert_state *st,
    enum field_state prev, time_t now)
{
	struct alert_transition *t = &a->ring[a->ring_next];

	snprintf(t->key, sizeof(t->key), "%s", key);
	t->state = st->hard;
	t->prev = prev;
	t->when = now;
	t->has_value = st->has_value;
	t->value = st->value;
	a->ring_next = (a->ring_next + 1) % ALERTS_RING;
	if (a->ring_n < ALERTS_RING)
		a->ring_n++;
	a->dirty = true;
}

static void
emit(struct alerts *a, struct alert_event *ev)
{
	size_t i;

	for (i = 0; i < a->nout; i++)
		a->out[i].fn(a->out[i].arg, ev);
}

/* A range as the operator wrote it: Nagios's when set, else Munin's. */
static const char *
range_text(const char *nagios, const char *munin)
{
	return nagios != NULL ? nagios : munin;
}

/*
 * s with "${graph_period}" as the service's graph_period ("second" when
 * unset), as munin-graph shows a vlabel or label, into out (truncated to
 * len).  A page's unit and text say "bits per second", not the token;
 * Munin's contact texts (contact_text) keep munin-limits' literal one.
 */
static const char *
expand_period(const struct service *svc, const char *s, char *out, size_t len)
{
	static const char tok[] = "${graph_period}";
	const char *period = attrs_get(&svc->graph, "graph_period");
	const char *p;
	size_t n = 0;

	if (period == NULL || period[0] == '\0')
		period = "second";
	if (strstr(s, tok) == NULL)
		return s;
	out[0] = '\0';
	while ((p = strstr(s, tok)) != NULL && n + 1 < len) {
		n += (size_t)snprintf(
		    out + n, len - n, "%.*s%s", (int)(p - s), s, period);
		s = p + sizeof(tok) - 1;
	}
	if (n + 1 < len)
		snprintf(out + n, len - n, "%s", s);
	return out;
}

static void
field_event(struct alerts *a, const struct cat_host *h,
    const struct cat_service *cs, size_t i, const struct entry *e,
    enum field_state prev, time_t now, bool initial)
{
	struct alert_event ev = {0};
	const struct service *svc = &cs->svc;
	const struct field *f = &svc->fields[i];
	const struct field_spec *fs = &cs->fields[i].spec;
	const char *unit = attrs_get(&svc->fields[i].attrs, "unit");
	char text[512], key[700], val[64], ubuf[256], lbuf[256];

	/* a field's own unit (the forecast's minutes) wins over the graph's */
	if (unit == NULL)
		unit = attrs_get(&svc->graph, "graph_vlabel");
	ev.host = h->name;
	ev.service = svc->name;
	ev.field = f->name;
	ev.label = expand_period(
	    svc, fs->label != NULL ? fs->label : f->name, lbuf, sizeof(lbuf));
	ev.unit =
	    expand_period(svc, unit != NULL ? unit : "", ubuf, sizeof(ubuf));
	ev.state = e->st.hard;
	ev.prev = prev;
	ev.has_value = e->st.has_value && e->st.hard != FS_UNKNOWN;
	ev.value = e->st.value;
	ev.warning = range_text(fs->nagios_warning, fs->warning);
	ev.critical = range_text(fs->nagios_critical, fs->critical);
	ev.since = e->st.since;
	ev.when = now;
	if (ev.has_value)
		snprintf(val, sizeof(val), "%.2f", ev.value);
	else
		snprintf(val, sizeof(val), "no value");
	snprintf(text, sizeof(text), "%s %s %s is %s (was %s): %s%s%s", h->name,
	    svc->name, ev.label, field_state_str(ev.state),
	    field_state_str(prev), val, ev.has_value && ev.unit[0] ? " " : "",
	    ev.has_value ? ev.unit : "");
	snprintf(key, sizeof(key), "%s/%s:%s@%ld", e->key,
	    field_state_str(ev.state), field_state_str(prev), (long)ev.since);
	ev.text = text;
	ev.key = key;
	ev.initial = initial;
	if (!initial)
		log_info("alerts: %s", text);
	emit(a, &ev);
}

void
alerts_ingest(struct alerts *a, struct cat_host *h,
    const struct alerts_host *ah, const struct batch *b, time_t ts)
{
	const struct service *bs;
	struct cat_service *cs;
	const struct field *f;
	const struct field_spec *src;
	struct field_spec own;
	struct alert_rule r;
	enum field_state prev;
	struct entry *e;
	char key[700];
	size_t i, j, k;
	long idx;
	bool changed, fresh, verdict;

	for (i = 0; i < b->n; i++) {
		bs = &b->services[i];
		/* the catalog holds the merged config (cached + overrides) */
		cs = (struct cat_service *)cat_host_service(h, bs->name);
		if (cs == NULL)
			continue;
		for (j = 0; j < bs->nfields; j++) {
			f = &bs->fields[j];
			if (!f->has_value)
				continue;
			idx = cat_service_field_index(cs, j, f->name);
			if (idx < 0)
				continue;
			k = (size_t)idx;
			rule_for(a, ah, cs, &cs->fields[k].spec, &r);
			/* a source's verdict comes with the sample: from the
			 * config the catalog just parsed when the batch
			 * carried one, else from the batch's own attributes */
			src = &cs->fields[k].spec;
			if (!bs->has_config) {
				field_spec_parse(&own, &f->attrs);
				src = &own;
			}
			/* operator thresholds overrule a source's verdict */
			verdict =
			    src->state != NULL && !src->operator_thresholds;
			/* a field without rules cannot alert; one that lost
			 * its rules (a reload) recovers */
			snprintf(key, sizeof(key), "%s/%s/%s", h->name,
			    cs->svc.name, f->name);
			fresh = entry_get(a, key, ts, false) == NULL;
			e = entry_get(
			    a, key, ts, r.has_warn || r.has_crit || verdict);
			if (e == NULL)
				continue;
			e->stale_after = r.stale_after;
			if (verdict && !f->unknown && src->has_state)
				changed = alert_vote(&e->st, &r, src->state_is,
				    f->value, ts, &prev);
			else if (f->unknown && src->has_state &&
				 src->state_is == FS_OK)
				/* no value, and the source says that is fine
				 * (a bank's forecast with no cut-off ahead):
				 * OK, whatever the thresholds, which judge
				 * values */
				changed = alert_vote_novalue(
				    &e->st, &r, FS_OK, ts, &prev);
			else
				changed = alert_sample(&e->st, &r, !f->unknown,
				    f->value, ts, &prev);
			cat_field_set_alert(cs, k, e->st.hard);
			cat_field_set_since(cs, k, e->st.since);
			if (!changed && fresh) {
				/* status outputs learn where a new field starts
				 */
				field_event(
				    a, h, cs, k, e, e->st.hard, ts, true);
				a->dirty = true;
			}
			if (!changed)
				continue;
			remember(a, key, &e->st, prev, ts);
			field_event(a, h, cs, k, e, prev, ts, false);
		}
	}
}

void
alerts_host_result(struct alerts *a, struct cat_host *h, bool ok,
    const char *error, time_t now)
{
	struct alert_event ev = {0};
	struct alert_rule r;
	enum field_state prev;
	struct entry *e;
	char text[512], key[400];

	alert_rule_init(&r);
	e = entry_get(a, h->name, now, true);
	if (e == NULL)
		return;
	if (!alert_vote(&e->st, &r, ok ? FS_OK : FS_CRITICAL, 0, now, &prev))
		return;
	e->st.has_value = false;
	remember(a, h->name, &e->st, prev, now);
	ev.host = h->name;
	ev.label = h->name;
	ev.unit = "";
	ev.state = e->st.hard;
	ev.prev = prev;
	ev.host_down = !ok;
	ev.since = e->st.since;
	ev.when = now;
	if (ok)
		snprintf(text, sizeof(text), "%s is reachable again", h->name);
	else
		snprintf(text, sizeof(text), "%s is DOWN: %s", h->name,
		    error != NULL ? error : "no answer");
	snprintf(key, sizeof(key), "%s:%s@%ld", h->name,
	    field_state_str(ev.state), (long)ev.since);
	ev.text = text;
	ev.key = key;
	log_info("alerts: %s", text);
	emit(a, &ev);
}

void
alerts_tick(struct alerts *a, struct catalog *cat, time_t now)
{
	struct cat_host *h;
	struct cat_service *cs;
	struct alert_rule r;
	enum field_state prev;
	struct entry *e;
	char key[700];
	size_t i, j, k;

	for (i = 0; i < catalog_count(cat); i++) {
		h = catalog_at(cat, i);
		if (h->unpolled) /* "update no": never sampled, never stale */
			continue;
		for (j = 0; j < h->nservices; j++) {
			cs = &h->services[j];
			for (k = 0; k < cs->svc.nfields; k++) {
				snprintf(key, sizeof(key), "%s/%s/%s", h->name,
				    cs->svc.name, cs->svc.fields[k].name);
				e = entry_get(a, key, now, false);
				if (e == NULL)
					continue;
				alert_rule_init(&r);
				r.stale_after = e->stale_after;
				if (!alert_tick(&e->st, &r, now, &prev))
					continue;
				cat_field_set_alert(cs, k, FS_UNKNOWN);
				cat_field_set_since(cs, k, e->st.since);
				remember(a, key, &e->st, prev, now);
				field_event(a, h, cs, k, e, prev, now, false);
			}
		}
	}
}

void
alerts_restore_verdicts(struct alerts *a, struct catalog *cat)
{
	struct cat_host *h;
	struct cat_service *cs;
	struct entry *e;
	char key[700];
	size_t i, j, k;

	for (i = 0; i < catalog_count(cat); i++) {
		h = catalog_at(cat, i);
		for (j = 0; j < h->nservices; j++) {
			cs = &h->services[j];
			for (k = 0; cs->restored && k < cs->svc.nfields; k++) {
				snprintf(key, sizeof(key), "%s/%s/%s", h->name,
				    cs->svc.name, cs->svc.fields[k].name);
				e = entry_get(a, key, 0, false);
				if (e == NULL)
					continue;
				cat_field_set_alert(cs, k, e->st.hard);
				cat_field_set_since(cs, k, e->st.since);
			}
		}
	}
}

bool
alerts_transition(
    const struct alerts *a, size_t i, struct alert_transition *out)
{
	if (i >= a->ring_n)
		return false;
	*out = a->ring[(a->ring_next + ALERTS_RING - 1 - i) % ALERTS_RING];
	return true;
}
