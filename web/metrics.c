/*
 * metrics: the exposition text writer; see metrics.h.
 *
 * One pass over the catalog per family, a slice of hosts at a time
 * (metrics_stream_next), so a scrape holds one slice rather than the
 * whole text (about 100 bytes a sample) and each slice is a short step
 * of the loop.  A service's label prefix is escaped once per family that
 * has a sample of it (most fields are in one value family and no alert
 * family); a field costs a type check in the other passes.  The road
 * taken before, one pass with a growing buffer per family joined at the
 * end, escaped each prefix once but held every family whole.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/metrics.h"

/* One metric family of the catalog's. */
struct family {
	const char *name;
	const char *type; /* "gauge" or "counter" */
	const char *help;
};

enum {
	F_VALUE,
	F_TOTAL,
	F_ABSOLUTE,
	F_ALERT,
	F_HOST_UP,
	F_HOST_ALERT,
	F_HOST_STALE,
	F_HOST_POLL,
	F_HOST_FAILURES,
	F_HOST_LAST_OK,
	F_COUNT
};

static const struct family families[F_COUNT] = {
    [F_VALUE] = {"drover_field_value", "gauge",
	"Last value of a Munin GAUGE field as polled"},
    [F_TOTAL] = {"drover_field_total", "counter",
	"Raw counter of a Munin DERIVE or COUNTER field as polled "
	"(rate() gives what RRD stores)"},
    [F_ABSOLUTE] = {"drover_field_absolute", "gauge",
	"Last value of a Munin ABSOLUTE field as polled (a count since "
	"the previous read)"},
    [F_ALERT] = {"drover_field_alert_state", "gauge",
	"Alert state of a field: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"},
    [F_HOST_UP] = {"drover_host_up", "gauge",
	"1 when the host's last poll succeeded, 0 when it failed"},
    [F_HOST_ALERT] = {"drover_host_alert_state", "gauge",
	"Worst state of a host: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN"},
    [F_HOST_STALE] = {"drover_host_stale", "gauge",
	"1 when the host's values stopped coming without a failed poll"},
    [F_HOST_POLL] = {"drover_host_poll_duration_seconds", "gauge",
	"Duration of the host's last poll"},
    [F_HOST_FAILURES] = {"drover_host_poll_failures", "gauge",
	"Consecutive failed polls of the host"},
    [F_HOST_LAST_OK] = {"drover_host_last_ok_timestamp_seconds", "gauge",
	"Time of the host's last successful poll"},
};

/* Length of the valid UTF-8 sequence (2 to 4 bytes) at s, or 0. */
static size_t
utf8_seq(const unsigned char *s)
{
	unsigned char c = s[0];
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0; /* overlong */
	else if (c == 0xed)
		hi = 0x9f; /* surrogates */
	else if (c == 0xf0)
		lo = 0x90; /* overlong */
	else if (c == 0xf4)
		hi = 0x8f; /* above U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/*
 * Appends s with invalid UTF-8 as U+FFFD; with escape, also \\, \" and
 * newline escaped as the text format's label values need.
 */
static void
put_utf8(struct buf *out, const char *s, bool escape)
{
	const unsigned char *p = (const unsigned char *)s, *run = p;
	size_t n;

	for (;;) {
		unsigned char c = *p;

		if ((c >= 0x20 && c < 0x7f && c != '\\' && c != '"') ||
		    (!escape && c != '\0' && c < 0x80)) {
			p++;
			continue;
		}
		buf_putn(out, (const char *)run, (size_t)(p - run));
		if (c == '\0')
			return;
		if (c == '\\')
			buf_putn(out, "\\\\", 2);
		else if (c == '"')
			buf_putn(out, "\\\"", 2);
		else if (c == '\n')
			buf_putn(out, "\\n", 2);
		else if (c < 0x80) {
			buf_putc(out, (char)c); /* other controls pass */
		} else {
			n = utf8_seq(p);
			if (n == 0) {
				buf_putn(out, "\xef\xbf\xbd", 3);
				n = 1;
			} else {
				buf_putn(out, (const char *)p, n);
			}
			p += n;
			run = p;
			continue;
		}
		run = ++p;
	}
}

void
metrics_put_label_value(struct buf *out, const char *s)
{
	put_utf8(out, s, true);
}

void
metrics_put_utf8(struct buf *out, const char *s)
{
	put_utf8(out, s, false);
}

const char *
metrics_field_family(enum ds_type t)
{
	switch (t) {
	case DS_DERIVE:
	case DS_COUNTER:
		return families[F_TOTAL].name;
	case DS_ABSOLUTE:
		return families[F_ABSOLUTE].name;
	default:
		return families[F_VALUE].name;
	}
}

bool
metrics_field_sample(
    const struct cat_service *cs, size_t i, double *v, time_t *ts)
{
	const struct field *f = &cs->svc.fields[i];

	if (!f->has_value || f->unknown || isnan(f->value))
		return false;
	*v = f->value;
	*ts = f->when > 0 ? f->when : cs->last_update;
	return true;
}

/* Appends v as the format spells it, exactly (it reads back as v). */
static void
put_value(struct buf *b, double v)
{
	char tmp[32];
	int n;

	if (isinf(v)) {
		buf_puts(b, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	if (v == floor(v) && fabs(v) < 1e15) {
		/* integers, most counters and many gauges, without printf */
		long long x = (long long)v;
		unsigned long long u = x < 0 ? 0ull - (unsigned long long)x
					     : (unsigned long long)x;
		char *e = tmp + sizeof(tmp), *q = e;

		do {
			*--q = (char)('0' + u % 10);
			u /= 10;
		} while (u != 0);
		if (x < 0)
			*--q = '-';
		buf_putn(b, q, (size_t)(e - q));
		return;
	}
	n = snprintf(tmp, sizeof(tmp), "%.17g", v);
	buf_putn(b, tmp, (size_t)n);
}

/* Appends " TS_MS" for epoch seconds ts (nothing when 0). */
static void
put_ts(struct buf *b, time_t ts)
{
	if (ts <= 0)
		return;
	buf_putc(b, ' ');
	put_value(b, (double)ts * 1000.0);
}

/*
 * A scrape in progress: family by family (each whole, as the format
 * wants), host by host within a family, resumed after the last host
 * written by its seq (catalog_seek).
 */
struct metrics_stream {
	const struct catalog *cat;
	time_t now;
	struct web_poll_stats polls; /* copies of the metrics_self's */
	struct rrd_writer_stats writer;
	struct remote_write_stats remote_write;
	struct metrics_self self; /* pointing at those, or NULL */
	int fam;		  /* the family being written; F_COUNT: the
				     collector's own, then done */
	uint64_t after;		  /* seq of its last host written; 0: none */
	bool started;		  /* its HELP and TYPE are out */
	bool done;
	uint64_t gen;		   /* the catalog's generation at the start */
	unsigned typed;		   /* 1 << family: the F_VALUE pass met a field
				      of that value family */
	struct buf hlab, pre, lab; /* scratch: host labels, a service's
				      label prefix, a sample's labels */
};

/* A sample of the stream's family with labels lab, value v and timestamp
 * ts (0: none); the family's HELP and TYPE first when it has none yet. */
static void
sample(struct metrics_stream *s, struct buf *out, const struct buf *lab,
    double v, time_t ts)
{
	const struct family *fam = &families[s->fam];

	if (!s->started) {
		buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", fam->name,
		    fam->help, fam->name, fam->type);
		s->started = true;
	}
	buf_puts(out, fam->name);
	buf_putn(out, lab->p, lab->len);
	buf_putc(out, ' ');
	put_value(out, v);
	put_ts(out, ts);
	buf_putc(out, '\n');
}

/* Sets lab to {host="..",group="..",physical=".."} of h. */
static void
host_labels(struct buf *lab, const struct cat_host *h)
{
	lab->len = 0;
	buf_puts(lab, "{host=\"");
	metrics_put_label_value(lab, h->name);
	buf_puts(lab, "\",group=\"");
	metrics_put_label_value(lab, h->group != NULL ? h->group : "");
	buf_puts(lab, "\",physical=\"");
	metrics_put_label_value(
	    lab, h->physical != NULL ? h->physical : h->name);
	buf_puts(lab, "\"}");
}

/* True when field i of cs has an alert state worth a sample. */
static bool
has_alert_state(const struct cat_service *cs, size_t i)
{
	const struct cat_field *cf = &cs->fields[i];
	const struct field_rules *r = cf->spec.rules;

	return cf->has_alert || r->warning != NULL || r->critical != NULL ||
	       r->nagios_warning != NULL || r->nagios_critical != NULL ||
	       r->has_state;
}

/* The family of field i's value sample (F_VALUE, F_TOTAL, F_ABSOLUTE). */
static int
value_family(const struct cat_service *cs, size_t i)
{
	switch (cs->fields[i].spec.type) {
	case DS_DERIVE:
	case DS_COUNTER:
		return F_TOTAL;
	case DS_ABSOLUTE:
		return F_ABSOLUTE;
	default:
		return F_VALUE;
	}
}

/*
 * The stream family's samples of service cs of host h; the labels are
 * escaped only for a service that has one: {host="..",group="..",
 * physical="..",plugin="..",field="..."}.
 */
static void
service_samples(struct metrics_stream *s, struct buf *out,
    const struct cat_host *h, const struct cat_service *cs)
{
	bool pre = false;
	double v = 0;
	time_t ts = 0;
	size_t i;

	for (i = 0; i < cs->svc.nfields; i++) {
		int vf = value_family(cs, i);

		if (s->fam == F_VALUE)
			s->typed |= 1u << vf;
		if (s->fam == F_ALERT
			? !has_alert_state(cs, i)
			: vf != s->fam || !metrics_field_sample(cs, i, &v, &ts))
			continue;
		if (s->hlab.len == 0)
			host_labels(&s->hlab, h);
		if (!pre) {
			s->pre.len = 0;
			buf_putn(&s->pre, s->hlab.p, s->hlab.len - 1);
			buf_puts(&s->pre, ",plugin=\"");
			metrics_put_label_value(&s->pre, cs->svc.name);
			buf_puts(&s->pre, "\",field=\"");
			pre = true;
		}
		if (s->pre.oom || s->hlab.oom)
			return;
		s->lab.len = 0;
		buf_putn(&s->lab, s->pre.p, s->pre.len);
		metrics_put_label_value(&s->lab, cs->svc.fields[i].name);
		buf_putn(&s->lab, "\"}", 2);
		if (s->fam == F_ALERT)
			sample(
			    s, out, &s->lab, (double)cat_field_state(cs, i), 0);
		else
			sample(s, out, &s->lab, v, ts);
	}
}

/* The stream family's samples of host h. */
static void
host_samples(
    struct metrics_stream *s, struct buf *out, const struct cat_host *h)
{
	const struct buf *l = &s->hlab;
	size_t j;

	s->hlab.len = 0;
	if (s->fam <= F_ALERT) {
		for (j = 0; j < h->nservices && !out->oom; j++)
			service_samples(s, out, h, &h->services[j]);
		return;
	}
	host_labels(&s->hlab, h);
	switch (s->fam) {
	case F_HOST_UP:
		if (h->state != HOST_PENDING)
			sample(s, out, l, h->state == HOST_UP ? 1 : 0, 0);
		break;
	case F_HOST_ALERT:
		sample(s, out, l, (double)cat_host_state(h, NULL), 0);
		break;
	case F_HOST_STALE:
		sample(s, out, l, cat_host_stale(h, s->now) ? 1 : 0, 0);
		break;
	case F_HOST_POLL:
		if (h->last_poll != 0)
			sample(s, out, l, (double)h->poll_ms / 1000.0, 0);
		break;
	case F_HOST_FAILURES:
		if (h->last_poll != 0)
			sample(s, out, l, (double)h->failures, 0);
		break;
	case F_HOST_LAST_OK:
		if (h->last_ok != 0)
			sample(s, out, l, (double)h->last_ok, 0);
		break;
	default:
		break;
	}
}

/* A family of one sample without labels. */
static void
self_sample(struct buf *out, const char *name, const char *type,
    const char *help, double v)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s ", name, help, name,
	    type, name);
	put_value(out, v);
	buf_putc(out, '\n');
}

static void
self_samples(
    struct buf *out, const struct catalog *cat, const struct metrics_self *self)
{
	const struct web_poll_stats *ps = self != NULL ? self->polls : NULL;
	const struct rrd_writer_stats *ws = self != NULL ? self->writer : NULL;

	self_sample(out, "drover_hosts", "gauge", "Hosts in the catalog",
	    (double)catalog_count(cat));
	if (ps != NULL) {
		self_sample(out, "drover_polls_total", "counter",
		    "Polls ended since start", (double)ps->done);
		self_sample(out, "drover_poll_failures_total", "counter",
		    "Polls that failed (not timed out)", (double)ps->failed);
		self_sample(out, "drover_poll_timeouts_total", "counter",
		    "Polls cut by a deadline", (double)ps->timed_out);
		self_sample(out, "drover_polls_late_total", "counter",
		    "Polls started more than 1 s after due", (double)ps->late);
		self_sample(out, "drover_polls_deferred_total", "counter",
		    "Polls held back by a bound at least once",
		    (double)ps->deferred);
	}
	if (ws != NULL) {
		self_sample(out, "drover_rrd_updates_total", "counter",
		    "RRD values written", (double)ws->updates);
		self_sample(out, "drover_rrd_creates_total", "counter",
		    "RRD files created", (double)ws->creates);
		self_sample(out, "drover_rrd_errors_total", "counter",
		    "Failed RRD creates, updates and tunes",
		    (double)ws->errors);
		self_sample(out, "drover_rrd_dropped_total", "counter",
		    "RRD writes refused because the queue was full",
		    (double)ws->dropped);
		self_sample(out, "drover_rrd_queue_length", "gauge",
		    "RRD writes waiting now", (double)ws->queue_len);
	}
	if (self != NULL && self->remote_write != NULL) {
		const struct remote_write_stats *r = self->remote_write;

		self_sample(out, "drover_remote_write_samples_sent_total",
		    "counter", "Samples the remote-write engine took",
		    (double)r->sent);
		self_sample(out, "drover_remote_write_samples_failed_total",
		    "counter",
		    "Samples in requests the engine refused for good",
		    (double)r->failed);
		self_sample(out, "drover_remote_write_samples_dropped_total",
		    "counter", "Samples dropped because the queue was full",
		    (double)r->dropped);
		self_sample(out, "drover_remote_write_retries_total", "counter",
		    "Remote-write requests tried again", (double)r->retries);
		self_sample(out, "drover_remote_write_queued_samples", "gauge",
		    "Samples waiting to be sent", (double)r->queued);
		self_sample(out, "drover_remote_write_queued_bytes", "gauge",
		    "Bytes of remote-write requests waiting",
		    (double)r->queued_bytes);
		self_sample(out, "drover_remote_write_disk_errors_total",
		    "counter", "Queue segments not written or read",
		    (double)r->disk_errors);
	}
}

/*
 * True when the stream's family is a value family of a type no field
 * has: the F_VALUE pass met every field's type, and the catalog's
 * generation says no config changed and no host came or went since, so
 * the pass over every field that finds no sample is not made (most
 * clusters have no ABSOLUTE field: a pass of about 2 ms at 10,000
 * guests saved).
 */
static bool
skip_family(const struct metrics_stream *s)
{
	return s->after == 0 && (s->fam == F_TOTAL || s->fam == F_ABSOLUTE) &&
	       (s->typed & (1u << s->fam)) == 0 &&
	       catalog_generation(s->cat) == s->gen;
}

struct metrics_stream *
metrics_stream_new(
    const struct catalog *cat, const struct metrics_self *self, time_t now)
{
	struct metrics_stream *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->cat = cat;
	s->now = now;
	s->gen = catalog_generation(cat);
	if (self != NULL && self->polls != NULL) {
		s->polls = *self->polls;
		s->self.polls = &s->polls;
	}
	if (self != NULL && self->writer != NULL) {
		s->writer = *self->writer;
		s->self.writer = &s->writer;
	}
	if (self != NULL && self->remote_write != NULL) {
		s->remote_write = *self->remote_write;
		s->self.remote_write = &s->remote_write;
	}
	return s;
}

bool
metrics_stream_next(struct metrics_stream *s, struct buf *out, size_t bytes)
{
	size_t start = out->len, i, j, work = 0;
	const struct cat_host *h;
	bool one = false;

	while (!s->done && !out->oom) {
		if (one &&
		    (out->len - start >= bytes || work >= METRICS_STEP_FIELDS))
			return true;
		if (s->fam == F_COUNT) {
			self_samples(out, s->cat, &s->self);
			s->done = true;
			break;
		}
		i = catalog_seek(s->cat, s->after);
		if (i == catalog_count(s->cat) || skip_family(s)) {
			/* the family is whole */
			s->fam++;
			s->after = 0;
			s->started = false;
			continue;
		}
		h = catalog_at(s->cat, i);
		s->after = h->seq;
		one = true;
		/* the families that walk the host's fields */
		for (work++, j = 0;
		     j < h->nservices &&
		     (s->fam <= F_ALERT || s->fam == F_HOST_ALERT);
		     j++)
			work += h->services[j].svc.nfields;
		if (h->peer) /* a peer collector polls and exports it */
			continue;
		host_samples(s, out, h);
		if (s->hlab.oom || s->pre.oom || s->lab.oom)
			out->oom = true;
	}
	return false;
}

void
metrics_stream_free(struct metrics_stream *s)
{
	if (s == NULL)
		return;
	buf_free(&s->hlab);
	buf_free(&s->pre);
	buf_free(&s->lab);
	free(s);
}

void
metrics_write(struct buf *out, const struct catalog *cat,
    const struct metrics_self *self, time_t now)
{
	struct metrics_stream *s = metrics_stream_new(cat, self, now);

	if (s == NULL) {
		out->oom = true;
		return;
	}
	while (metrics_stream_next(s, out, SIZE_MAX))
		;
	metrics_stream_free(s);
}
