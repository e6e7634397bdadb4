/*
 * outputs: alert events to Nagios and Munin contacts.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/check.h"
#include "alerts/contacts.h"
#include "lib/log.h"
#include "alerts/nagios.h"
#include "alerts/notify.h"
#include "alerts/outputs.h"

#define NAGIOS_QUEUE_MAX 10000 /* lines kept while Nagios is down */
#define CONTACTS_RUNNING 4     /* contact commands at once */
#define CONTACTS_TIMEOUT 60000 /* ms before a contact command is killed */
#define PENDING_MAX 256	       /* services changed in one loop turn */

struct pending {
	char host[256];
	char service[256];
	char field[256];       /* the field whose change queued it */
	enum field_state prev; /* its previous state */
	bool initial;	       /* a first state, not a change */
};

struct outputs {
	uv_loop_t *loop;
	struct outputs_conf conf;
	struct catalog *cat;
	struct nagios_out *nagios;
	struct contacts *contacts;
	struct notifier *notifier;
	uv_timer_t flush; /* sends the pending services */
	bool flush_open;
	struct pending pend[PENDING_MAX];
	size_t npend;
};

static void
open_outs(struct outputs *o, const struct outputs_conf *c)
{
	if (c->nagios_command_file != NULL)
		o->nagios = nagios_new(
		    o->loop, c->nagios_command_file, NAGIOS_QUEUE_MAX);
	if (contact_set_has_commands(c->contacts))
		o->contacts = contacts_new(
		    o->loop, c->contacts, CONTACTS_RUNNING, CONTACTS_TIMEOUT);
}

static void on_flush(uv_timer_t *t);

struct outputs *
outputs_new(uv_loop_t *loop, const struct outputs_conf *c, struct catalog *cat)
{
	struct outputs *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->loop = loop;
	o->conf = *c;
	o->cat = cat;
	o->notifier = notifier_new(loop, c->notify, c->contacts, c->spool_dir);
	if (o->notifier == NULL) {
		free(o);
		return NULL;
	}
	uv_timer_init(loop, &o->flush);
	o->flush.data = o;
	o->flush_open = true;
	open_outs(o, c);
	return o;
}

void
outputs_set_conf(struct outputs *o, const struct outputs_conf *c)
{
	const char *old = o->conf.nagios_command_file;
	const char *new = c->nagios_command_file;

	if ((old == NULL) != (new == NULL) ||
	    (old != NULL && strcmp(old, new) != 0)) {
		nagios_free(o->nagios);
		o->nagios = NULL;
		if (new != NULL)
			o->nagios = nagios_new(o->loop, new, NAGIOS_QUEUE_MAX);
	}
	if (notifier_set_conf(o->notifier, c->notify, c->contacts) == -1)
		log_warnx("outputs: the new page settings are refused; "
			  "pages keep the old ones");
	/* contacts copy their settings: renew them */
	contacts_free(o->contacts);
	o->contacts = NULL;
	o->conf = *c;
	if (contact_set_has_commands(c->contacts))
		o->contacts = contacts_new(
		    o->loop, c->contacts, CONTACTS_RUNNING, CONTACTS_TIMEOUT);
}

static int
nagios_code(enum field_state s)
{
	static const int codes[] = {
	    [FS_OK] = 0, [FS_WARNING] = 1, [FS_CRITICAL] = 2, [FS_UNKNOWN] = 3};

	return codes[s];
}

/*
 * The plugin output and perfdata of a service, like `drover check`: the
 * fields that are not OK (all of them when none is), perfdata for every
 * field with a value.
 */
static void
service_text(const struct cat_host *h, const struct cat_service *cs, char *text,
    size_t tlen, char *perf, size_t plen)
{
	const char *vl = attrs_get(&cs->svc.graph, "graph_vlabel");
	const char *uom = check_uom(vl != NULL ? vl : "");
	enum field_state worst = cat_service_state(cs, NULL);
	const struct field *f;
	const char *label, *w, *c;
	char wr[64], cr[64];
	size_t i, tn, pn;
	bool first = true;
	int n;

	tn = (size_t)snprintf(text, tlen, "%s %s:", h->name, cs->svc.name);
	pn = 0;
	perf[0] = '\0';
	for (i = 0; i < cs->svc.nfields; i++) {
		f = &cs->svc.fields[i];
		if (!f->has_value)
			continue;
		label = attrs_get(&f->attrs, "label");
		if ((worst == FS_OK || cat_field_state(cs, i) != FS_OK) &&
		    tn < tlen) {
			n = snprintf(text + tn, tlen - tn, "%s %s %s",
			    first ? "" : ",", label != NULL ? label : f->name,
			    f->unknown ? "U" : "");
			first = false;
			if (n > 0)
				tn += (size_t)n;
			if (!f->unknown && tn < tlen) {
				n = snprintf(text + tn, tlen - tn, "%.2f%s%s",
				    f->value, vl != NULL ? " " : "",
				    vl != NULL ? vl : "");
				if (n > 0)
					tn += (size_t)n;
			}
			if (cat_field_state(cs, i) != FS_OK && tn < tlen) {
				n = snprintf(text + tn, tlen - tn, " (%s)",
				    field_state_str(cat_field_state(cs, i)));
				if (n > 0)
					tn += (size_t)n;
			}
		}
		if (f->unknown || pn >= plen)
			continue;
		w = attrs_get(&f->attrs, "warning");
		c = attrs_get(&f->attrs, "critical");
		wr[0] = cr[0] = '\0';
		if (w != NULL)
			check_range_nagios(w, wr, sizeof(wr));
		if (c != NULL)
			check_range_nagios(c, cr, sizeof(cr));
		n = snprintf(perf + pn, plen - pn, "%s'%s'=%g%s;%s;%s",
		    pn > 0 ? " " : "", f->name, f->value, uom, wr, cr);
		if (n > 0)
			pn += (size_t)n;
	}
}

static void
send_service(struct outputs *o, const struct pending *p)
{
	struct cat_host *h = catalog_find(o->cat, p->host);
	const struct cat_service *cs;
	struct contact_field *cf;
	struct contact_msg m = {0};
	char text[1024], perf[3072];
	size_t i;

	if (h == NULL || (cs = cat_host_service(h, p->service)) == NULL)
		return;
	if (o->nagios != NULL) {
		service_text(h, cs, text, sizeof(text), perf, sizeof(perf));
		nagios_result(o->nagios, h->name, cs->svc.name,
		    nagios_code(cat_service_state(cs, NULL)), text, perf);
	}
	if (o->contacts == NULL || p->initial)
		return;
	cf = calloc(cs->svc.nfields + 1, sizeof(*cf));
	if (cf == NULL)
		return;
	for (i = 0; i < cs->svc.nfields; i++) {
		const struct field *f = &cs->svc.fields[i];

		cf[i].name = f->name;
		cf[i].attrs = &f->attrs;
		cf[i].state = cat_field_state(cs, i);
		cf[i].known = f->has_value && !f->unknown;
		cf[i].value = f->value;
		cf[i].recovered = strcmp(f->name, p->field) == 0 &&
				  p->prev != FS_OK && cf[i].state == FS_OK;
	}
	m.contacts =
	    o->conf.host_contacts != NULL
		? o->conf.host_contacts(o->conf.host_contacts_arg, h->name)
		: NULL;
	m.group = h->group;
	m.host = h->name;
	m.plugin = cs->svc.name;
	m.title = attrs_get(&cs->svc.graph, "graph_title");
	m.graph = &cs->svc.graph;
	m.changed = true;
	m.fields = cf;
	m.nfields = cs->svc.nfields;
	contacts_notify(o->contacts, &m);
	free(cf);
}

static void
on_flush(uv_timer_t *t)
{
	struct outputs *o = t->data;
	size_t i;

	for (i = 0; i < o->npend; i++)
		send_service(o, &o->pend[i]);
	o->npend = 0;
}

void
outputs_event(void *arg, const struct alert_event *ev)
{
	struct outputs *o = arg;
	struct pending *p;
	size_t i;

	if (o->notifier == NULL)
		return; /* stopped: shutting down */
	if (!ev->initial)
		notifier_event(o->notifier, ev);
	if (ev->service == NULL) {
		if (o->nagios != NULL)
			nagios_host_result(o->nagios, ev->host,
			    ev->state == FS_OK ? NAGIOS_HOST_UP
					       : NAGIOS_HOST_DOWN,
			    ev->text);
		return;
	}
	for (i = 0; i < o->npend; i++)
		if (strcmp(o->pend[i].host, ev->host) == 0 &&
		    strcmp(o->pend[i].service, ev->service) == 0) {
			/* already going out this turn; a change wins */
			if (!ev->initial && o->pend[i].initial) {
				o->pend[i].initial = false;
				snprintf(o->pend[i].field,
				    sizeof(o->pend[i].field), "%s",
				    ev->field != NULL ? ev->field : "");
				o->pend[i].prev = ev->prev;
			}
			return;
		}
	if (o->npend == PENDING_MAX) {
		log_warnx("outputs: more than %d services changed at once; "
			  "%s %s goes out with the next refresh",
		    PENDING_MAX, ev->host, ev->service);
		return;
	}
	p = &o->pend[o->npend++];
	snprintf(p->host, sizeof(p->host), "%s", ev->host);
	snprintf(p->service, sizeof(p->service), "%s", ev->service);
	snprintf(p->field, sizeof(p->field), "%s",
	    ev->field != NULL ? ev->field : "");
	p->prev = ev->prev;
	p->initial = ev->initial;
	/* after the rest of this poll's fields are judged */
	uv_timer_start(&o->flush, on_flush, 0, 0);
}

void
outputs_refresh(struct outputs *o)
{
	const struct cat_host *h;
	const struct cat_service *cs;
	char text[1024], perf[3072];
	size_t i, j, k;
	bool rules;

	if (o->nagios == NULL)
		return;
	for (i = 0; i < catalog_count(o->cat); i++) {
		h = catalog_at(o->cat, i);
		for (j = 0; j < h->nservices; j++) {
			cs = &h->services[j];
			rules = false;
			for (k = 0; k < cs->svc.nfields && !rules; k++)
				rules = cs->fields[k].has_alert;
			/* a restored service is not news: repeating it would
			 * pass for fresh in Nagios's freshness check */
			if (!rules || cs->restored)
				continue;
			service_text(
			    h, cs, text, sizeof(text), perf, sizeof(perf));
			nagios_result(o->nagios, h->name, cs->svc.name,
			    nagios_code(cat_service_state(cs, NULL)), text,
			    perf);
		}
	}
}

void
outputs_stop(struct outputs *o)
{
	if (o == NULL)
		return;
	uv_timer_stop(&o->flush);
	if (o->flush_open) {
		uv_close((uv_handle_t *)&o->flush, NULL);
		o->flush_open = false;
	}
	nagios_free(o->nagios);
	o->nagios = NULL;
	contacts_free(o->contacts);
	o->contacts = NULL;
	notifier_free(o->notifier);
	o->notifier = NULL;
}

void
outputs_stats(const struct outputs *o, struct outputs_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (o->notifier != NULL)
		notifier_stats(o->notifier, &out->pages);
	if (o->nagios != NULL)
		nagios_stats(o->nagios, &out->nagios);
}

void
outputs_free(struct outputs *o)
{
	free(o);
}
