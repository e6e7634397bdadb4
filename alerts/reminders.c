/*
 * reminders: open problems and their reminders (see reminders.h).
 *
 * The problems are an array scanned linearly: there are as many as
 * fields in trouble times contacts paged about them, a handful.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "lib/log.h"
#include "alerts/reminders.h"
#include "alerts/spool.h"

#define REMINDERS_FILE "open-problems.json"

void
reminders_init(struct reminders *r, const char *dir,
    const struct reminders_ops *ops, void *arg)
{
	memset(r, 0, sizeof(*r));
	r->dir = dir;
	r->ops = ops;
	r->arg = arg;
}

static bool
same_field(const struct notify_item *a, const struct notify_item *b)
{
	return strcmp(a->host, b->host) == 0 &&
	       strcmp(a->service ? a->service : "",
		   b->service ? b->service : "") == 0 &&
	       strcmp(a->field ? a->field : "", b->field ? b->field : "") ==
		   0 &&
	       a->host_down == b->host_down;
}

/* Writes the problems through the spool.  0, or -1 (errno). */
static int
save(const struct reminders *r)
{
	json_t *a = json_array(), *o;
	char *s = NULL;
	size_t i;
	int ret = -1;

	if (a == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (i = 0; i < r->n; i++) {
		o = json_object();
		if (o == NULL) {
			errno = ENOMEM;
			goto free_json;
		}
		json_object_set_new(o, "contact", json_string(r->v[i].contact));
		json_object_set_new(
		    o, "last", json_integer((json_int_t)r->v[i].last));
		json_object_set_new(o, "count", json_integer(r->v[i].count));
		json_object_set_new(o, "item", notify_item_json(&r->v[i].it));
		json_array_append_new(a, o);
	}
	s = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(17));
	if (s == NULL)
		errno = ENOMEM;
	else if (spool_put(r->dir, REMINDERS_FILE, s, strlen(s)) == 0)
		ret = 0;
free_json:
	free(s);
	json_decref(a);
	return ret;
}

int
reminders_flush(struct reminders *r)
{
	const size_t max = sizeof(r->save_error) - 1;
	char msg[4400];

	if (!r->dirty)
		return 0;
	if (save(r) == 0) {
		if (r->save_error[0] != '\0')
			log_info("notify: %s/%s: open problems saved again",
			    r->dir, REMINDERS_FILE);
		r->save_error[0] = '\0';
		r->dirty = false;
		return 0;
	}
	snprintf(msg, sizeof(msg), "%s/%s: cannot save open problems: %s",
	    r->dir, REMINDERS_FILE, strerror(errno));
	/* once per failure, not once per attempt */
	if (strncmp(msg, r->save_error, max) != 0)
		log_warnx(
		    "notify: %s; kept in memory and saved again later", msg);
	snprintf(r->save_error, sizeof(r->save_error), "%.*s", (int)max, msg);
	return -1;
}

void
reminders_load(struct reminders *r)
{
	char path[PATH_MAX];
	json_error_t err;
	json_t *a, *o;
	struct problem *p;
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", r->dir, REMINDERS_FILE);
	if (access(path, F_OK) == -1)
		return;
	a = json_load_file(path, 0, &err);
	if (!json_is_array(a)) {
		log_warnx("notify: %s: unreadable (%s); reminders of open "
			  "problems start afresh",
		    path, err.text);
		json_decref(a);
		return;
	}
	r->v = calloc(json_array_size(a) + 1, sizeof(*r->v));
	if (r->v == NULL)
		goto free_json;
	r->cap = json_array_size(a) + 1;
	json_array_foreach(a, i, o)
	{
		p = &r->v[r->n];
		if (!json_is_string(json_object_get(o, "contact")) ||
		    notify_item_from_json(&p->it, json_object_get(o, "item")) ==
			-1)
			continue;
		p->contact =
		    strdup(json_string_value(json_object_get(o, "contact")));
		if (p->contact == NULL) {
			notify_item_cleanup(&p->it);
			continue;
		}
		p->last =
		    (time_t)json_integer_value(json_object_get(o, "last"));
		p->count =
		    (unsigned)json_integer_value(json_object_get(o, "count"));
		r->n++;
	}
free_json:
	json_decref(a);
}

static void
problem_free_at(struct reminders *r, size_t i)
{
	free(r->v[i].contact);
	notify_item_cleanup(&r->v[i].it);
	memmove(&r->v[i], &r->v[i + 1], (r->n - i - 1) * sizeof(r->v[0]));
	r->n--;
}

bool
reminders_update(struct reminders *r, const char *contact,
    const struct notify_item *key, const struct notify_item *it, time_t now)
{
	struct problem *nv;
	size_t i;

	for (i = 0; i < r->n; i++)
		if (strcmp(r->v[i].contact, contact) == 0 &&
		    same_field(&r->v[i].it, key))
			break;
	if (it == NULL) {
		if (i == r->n)
			return false;
		problem_free_at(r, i);
		r->dirty = true;
		return true;
	}
	if (i == r->n) {
		if (r->n == r->cap) {
			nv = realloc(
			    r->v, (r->cap ? r->cap * 2 : 8) * sizeof(*nv));
			if (nv == NULL)
				return false;
			r->v = nv;
			r->cap = r->cap ? r->cap * 2 : 8;
		}
		memset(&r->v[i], 0, sizeof(r->v[i]));
		r->v[i].contact = strdup(contact);
		if (r->v[i].contact == NULL)
			return false;
		r->n++;
	} else
		notify_item_cleanup(&r->v[i].it);
	r->dirty = true;
	if (notify_item_copy(&r->v[i].it, it) == -1) {
		problem_free_at(r, i);
		return true;
	}
	r->v[i].last = now;
	r->v[i].count = 0;
	return true;
}

/* s seconds after t; t itself when that is past time_t's end (t comes
 * from open-problems.json and may be any integer: such a problem is never
 * due). */
static time_t
after(time_t t, unsigned s)
{
	time_t r;

	return __builtin_add_overflow(t, (time_t)s, &r) ? t : r;
}

void
reminders_send_due(struct reminders *r, time_t now)
{
	struct notify_item rem;
	struct problem *p;
	char key[600], *okey;
	unsigned every;
	time_t due;
	size_t i = 0;

	while (i < r->n) {
		p = &r->v[i];
		if (!r->ops->every(r->arg, p->contact, &every)) {
			problem_free_at(r, i);
			r->dirty = true;
			continue;
		}
		i++;
		if (every == 0)
			continue;
		due = after(p->last, every);
		if (due > now)
			continue;
		p->count++;
		/* absolute schedule, but never a burst after downtime */
		p->last = after(due, every) > now ? due : now;
		if (notify_item_copy(&rem, &p->it) == 0) {
			snprintf(
			    key, sizeof(key), "%s:r%u", p->it.key, p->count);
			okey = rem.key;
			rem.key = key;
			rem.renotify = true;
			rem.when = now;
			r->ops->send(r->arg, p->contact, &rem);
			rem.key = okey;
			notify_item_cleanup(&rem);
		}
		r->dirty = true;
	}
}

time_t
reminders_next(const struct reminders *r)
{
	time_t next = 0, due;
	unsigned every;
	size_t i;

	for (i = 0; i < r->n; i++) {
		if (!r->ops->every(r->arg, r->v[i].contact, &every) ||
		    every == 0)
			continue;
		due = after(r->v[i].last, every);
		if (next == 0 || due < next)
			next = due;
	}
	return next;
}

void
reminders_cleanup(struct reminders *r)
{
	while (r->n > 0)
		problem_free_at(r, r->n - 1);
	free(r->v);
	memset(r, 0, sizeof(*r));
}
