/*
 * contacts: Munin contact commands; see contacts.h.  The glue: who gets
 * a message (contacts, always_send), its text from contact_text.c, the
 * command from munin.conf, run by runner.c.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alerts/contacts.h"
#include "alerts/runner.h"
#include "lib/log.h"

struct contacts {
	const struct contact_set *set; /* the config's, borrowed */
	struct attrs warned;	       /* contacts told about "|" once */
	struct runner *run;
	uint64_t dropped; /* messages lost before the runner: no memory */
};

struct contacts *
contacts_new(uv_loop_t *loop, const struct contact_set *contacts,
    unsigned max_running, uint64_t timeout_ms)
{
	struct contacts *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->run = runner_new(
	    loop, "contacts", max_running, timeout_ms, CONTACTS_QUEUE_MAX);
	if (c->run == NULL) {
		free(c);
		return NULL;
	}
	c->set = contacts;
	return c;
}

void
contacts_free(struct contacts *c)
{
	if (c == NULL)
		return;
	runner_free(c->run); /* finishes on the loop, without c */
	attrs_cleanup(&c->warned);
	free(c);
}

void
contacts_stats(const struct contacts *c, struct contacts_stats *st)
{
	struct runner_stats rs;

	runner_stats(c->run, &rs);
	st->started = rs.started;
	st->failed = rs.failed;
	st->killed = rs.killed;
	st->dropped = rs.dropped + c->dropped;
	st->running = rs.running;
	st->queued = rs.queued;
}

/* contact.NAME.KEY (a Munin key of struct contact_def), or NULL. */
static const char *
cget(const struct contacts *c, const char *name, enum contact_key k)
{
	const struct contact_def *d = contact_set_find(c->set, name);

	if (d == NULL)
		return NULL;
	switch (k) {
	case CK_COMMAND:
		return d->command;
	case CK_TEXT:
		return d->text;
	case CK_ALWAYS_SEND:
		return d->always_send;
	default:
		return NULL;
	}
}

/* Is a field in one of the contact's always_send severities? */
static bool
obsessed(
    const struct contacts *c, const char *name, const struct contact_msg *m)
{
	const char *as = cget(c, name, CK_ALWAYS_SEND);
	char w[64], cr[64], word[16];
	const char *p;
	size_t i, n;

	if (as == NULL && strcmp(name, "nagios") == 0)
		as = "critical warning";
	for (p = as; p != NULL && *p != '\0'; p += n) {
		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == 0 || n >= sizeof(word))
			continue;
		for (i = 0; i < n; i++)
			word[i] = (char)tolower((unsigned char)p[i]);
		word[n] = '\0';
		for (i = 0; i < m->nfields; i++)
			if (contact_field_limits(
				&m->fields[i], w, cr, sizeof(w)) &&
			    strcasecmp(
				word, field_state_str(m->fields[i].state)) == 0)
				return true;
	}
	return false;
}

/* Sends m to one contact when munin-limits would. */
static int
notify_one(struct contacts *c, const char *name, const struct contact_msg *m)
{
	const char *pre = cget(c, name, CK_COMMAND), *t;
	char *cmd, *text, *nm, *body;
	size_t skip;

	if (pre == NULL) {
		log_warnx("contacts: %s: no command; skipped", name);
		return 0;
	}
	if (!m->changed && !obsessed(c, name, m))
		return 0;
	t = cget(c, name, CK_TEXT);
	if (t == NULL)
		t = cget(c, "default", CK_TEXT);
	if (t == NULL)
		t = contacts_default_text(name);
	cmd = contacts_expand(pre, m, true);
	body = contacts_expand(t, m, false);
	nm = strdup(name);
	text = body != NULL ? malloc(strlen(body) + 2) : NULL;
	if (cmd == NULL || body == NULL || nm == NULL || text == NULL) {
		free(cmd);
		free(body);
		free(nm);
		free(text);
		c->dropped++;
		return 0;
	}
	sprintf(text, "%s\n", body);
	free(body);
	skip = strspn(cmd, " \t");
	if (strchr("|<>", cmd[skip]) != NULL && cmd[skip] != '\0') {
		if (attrs_get(&c->warned, name) == NULL)
			log_warnx("contacts: %s: found \"%c\" at the beginning "
				  "of the command; not needed, removed",
			    name, cmd[skip]);
		attrs_set(&c->warned, name, "1");
		skip += strspn(cmd + skip, "|<>");
	} else {
		skip = 0;
	}
	memmove(cmd, cmd + skip, strlen(cmd + skip) + 1);
	runner_add(c->run, nm, cmd, text);
	return 1;
}

int
contacts_notify(struct contacts *c, const struct contact_msg *m)
{
	const char *list = m->contacts, *p;
	char name[128];
	size_t i, n;
	int sent = 0;

	if (list == NULL) {
		/* every contact with a command */
		for (i = 0; i < c->set->n; i++)
			if (c->set->v[i].command != NULL)
				sent += notify_one(c, c->set->v[i].name, m);
	} else {
		for (p = list; *p != '\0'; p += n) {
			p += strspn(p, " \t");
			n = strcspn(p, " \t");
			if (n == 0 || n >= sizeof(name))
				continue;
			snprintf(name, sizeof(name), "%.*s", (int)n, p);
			if (strcmp(name, "none") != 0)
				sent += notify_one(c, name, m);
		}
	}
	runner_pump(c->run);
	return sent;
}
