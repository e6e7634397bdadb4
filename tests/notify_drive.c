/*
 * notify_drive: a notifier on a real libuv loop, for tests/test_notify.sh.
 *
 *   notify_drive CONF SPOOL_DIR EVENTS|- SECONDS
 *       [wait|pages=N|failed=N|held=N]
 *
 * Loads CONF, creates a notifier spooling to SPOOL_DIR, feeds the events
 * of the file EVENTS (one per line, tab-separated: host service field
 * label unit state prev value key; "-" for none) and runs the loop until
 * the queue is empty (exit 0) or SECONDS passed (exit 1).  A line "@pages
 * N" holds the events after it back until N pages were accepted (then
 * they are fed in one loop pass).  With "wait" it runs until killed or
 * SECONDS passed (exit 0; kill -9 tests); with "pages=N" until N pages
 * were accepted and the queue is empty (reminders); with "failed=N" until
 * N attempts failed; with "held=N" until every event was fed and exactly
 * N items wait in the queue with nothing in flight (grouping windows).
 * SECONDS only bounds a hang.
 * Logs at debug level (every failed attempt, with curl's reason) to
 * stderr and prints the stats as one JSON line on stdout at the end.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <uv.h>

#include "collector/conf.h"
#include "lib/log.h"
#include "alerts/notify.h"
#include "alerts/notify_fmt.h"

struct drive {
	struct notifier *n;
	uv_timer_t check;
	uint64_t deadline; /* loop ms */
	bool wait;
	uint64_t want_pages;  /* pages=N: stop once N pages were accepted */
	uint64_t want_failed; /* failed=N: stop once N attempts failed */
	bool held;	      /* held=N: stop once N items wait, idle */
	uint64_t want_held;
	FILE *events;	  /* events not fed yet, or NULL */
	uint64_t feed_at; /* pages accepted before they are fed */
	int rc;
	double t_feed; /* epoch s (float) just before the first event */
};

static const char *
opt(char *s)
{
	return strcmp(s, "-") == 0 ? NULL : s;
}

/* Feeds the events of d->events up to the next "@pages N" line (then
 * d->feed_at is N) or the end (then d->events is closed and NULL).
 * Returns how many, or -1 on a bad line. */
static int
feed(struct drive *d)
{
	struct notifier *n = d->n;
	struct alert_event ev;
	char line[2048], *f[9], *save = NULL, *p;
	FILE *fp = d->events;
	int k, count = 0;

	while (fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (strncmp(line, "@pages ", 7) == 0) {
			d->feed_at = strtoull(line + 7, NULL, 10);
			return count;
		}
		for (k = 0, p = strtok_r(line, "\t", &save); p != NULL && k < 9;
		     p = strtok_r(NULL, "\t", &save))
			f[k++] = p;
		if (k != 9) {
			fprintf(stderr, "notify_drive: bad event line\n");
			return -1;
		}
		memset(&ev, 0, sizeof(ev));
		ev.host = f[0];
		ev.service = opt(f[1]);
		ev.field = opt(f[2]);
		ev.label = opt(f[3]);
		ev.unit = opt(f[4]) ? f[4] : "";
		if (notify_state_parse(f[5], &ev.state) == -1 ||
		    notify_state_parse(f[6], &ev.prev) == -1) {
			fprintf(stderr, "notify_drive: bad state\n");
			return -1;
		}
		ev.has_value = opt(f[7]) != NULL;
		ev.value = ev.has_value ? strtod(f[7], NULL) : 0;
		ev.critical = "11.5:12.8";
		ev.warning = "11.8:12.6";
		ev.since = ev.when = time(NULL);
		ev.key = opt(f[8]);
		notifier_event(n, &ev);
		count++;
	}
	fclose(fp);
	d->events = NULL;
	return count;
}

/* Whether the run is over at stats st (all events fed). */
static bool
done(const struct drive *d, const struct notifier_stats *st)
{
	if (d->held)
		return st->queued == d->want_held && st->in_flight == 0;
	if (d->want_failed > 0)
		return st->failed >= d->want_failed;
	return !d->wait && st->pages >= d->want_pages && st->queued == 0 &&
	       st->in_flight == 0;
}

static void
check_cb(uv_timer_t *t)
{
	struct drive *d = t->data;
	struct notifier_stats st;

	notifier_stats(d->n, &st);
	if (d->events != NULL && st.pages >= d->feed_at) {
		if (feed(d) == -1) {
			d->rc = 2;
			uv_stop(t->loop);
			return;
		}
		notifier_stats(d->n, &st);
	}
	if (d->events == NULL && done(d, &st)) {
		d->rc = 0;
		uv_stop(t->loop);
	} else if (uv_now(t->loop) >= d->deadline) {
		d->rc = d->wait ? 0 : 1;
		uv_stop(t->loop);
	}
}

int
main(int argc, char **argv)
{
	struct conf_errors errs = {0};
	struct notifier_stats st;
	struct drive d = {0};
	struct conf *c;
	struct timespec ts;
	uv_loop_t loop;
	size_t i;

	if (argc < 5) {
		fprintf(stderr, "usage: notify_drive CONF SPOOL EVENTS|- "
				"SECONDS [wait|pages=N|failed=N|held=N]\n");
		return 2;
	}
	if (argc > 5) {
		if (strcmp(argv[5], "wait") == 0)
			d.wait = true;
		else if (strncmp(argv[5], "pages=", 6) == 0)
			d.want_pages = strtoull(argv[5] + 6, NULL, 10);
		else if (strncmp(argv[5], "failed=", 7) == 0)
			d.want_failed = strtoull(argv[5] + 7, NULL, 10);
		else if (strncmp(argv[5], "held=", 5) == 0) {
			d.held = true;
			d.want_held = strtoull(argv[5] + 5, NULL, 10);
		} else {
			fprintf(stderr, "notify_drive: bad mode %s\n", argv[5]);
			return 2;
		}
	}
	log_init(false, LOG_LVL_DEBUG);
	c = conf_load(argv[1], &errs);
	if (c == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		conf_errors_cleanup(&errs);
		return 2;
	}
	uv_loop_init(&loop);
	d.rc = 2; /* bad events, or no notifier (logged) */
	d.n = notifier_new(&loop, &c->notify, &c->contacts, argv[2]);
	if (d.n == NULL)
		goto out_loop;
	clock_gettime(CLOCK_REALTIME, &ts);
	d.t_feed = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	if (strcmp(argv[3], "-") != 0) {
		d.events = fopen(argv[3], "r");
		if (d.events == NULL) {
			perror(argv[3]);
			goto out_notifier;
		}
		if (feed(&d) == -1)
			goto out_notifier;
	}
	d.deadline = uv_now(&loop) + (uint64_t)atoi(argv[4]) * 1000;
	d.rc = 1;
	uv_timer_init(&loop, &d.check);
	d.check.data = &d;
	uv_timer_start(&d.check, check_cb, 20, 20);
	uv_run(&loop, UV_RUN_DEFAULT);
	notifier_stats(d.n, &st);
	printf("{\"queued\":%zu,\"delivered\":%llu,\"pages\":%llu,"
	       "\"failed\":%llu,\"expired\":%llu,\"open_problems\":%zu,"
	       "\"in_flight\":%u,"
	       "\"t_feed\":%.6f}\n",
	    st.queued, (unsigned long long)st.delivered,
	    (unsigned long long)st.pages, (unsigned long long)st.failed,
	    (unsigned long long)st.expired, st.open_problems, st.in_flight,
	    d.t_feed);
	fflush(stdout);
	uv_close((uv_handle_t *)&d.check, NULL);
out_notifier:
	if (d.events != NULL)
		fclose(d.events);
	notifier_free(d.n);
	uv_run(&loop, UV_RUN_DEFAULT);
out_loop:
	uv_loop_close(&loop);
	conf_free(c);
	conf_errors_cleanup(&errs);
	return d.rc;
}
