/*
 * metrics: the exposition text writer; see metrics.h.
 *
 * One pass over the catalog: each family gets its own growing buffer,
 * so a service's label prefix and a host's label suffix are escaped once
 * and every sample of the service is a few appends; the families are
 * then joined into out.  The road not taken, one pass per family over
 * the catalog, escapes every prefix once per family instead.
 */
#include "config.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "web/metrics.h"

/* One metric family being written. */
struct family {
	const char *name;
	const char *type; /* "gauge" or "counter" */
	const char *help;
	struct buf b; /* its HELP, TYPE and samples, once it has one */
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
	"Last value of a Munin GAUGE field as polled", {0}},
    [F_TOTAL] = {"drover_field_total", "counter",
	"Raw counter of a Munin DERIVE or COUNTER field as polled "
	"(rate() gives what RRD stores)",
	{0}},
    [F_ABSOLUTE] = {"drover_field_absolute", "gauge",
	"Last value of a Munin ABSOLUTE field as polled (a count since "
	"the previous read)",
	{0}},
    [F_ALERT] = {"drover_field_alert_state", "gauge",
	"Alert state of a field: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN", {0}},
    [F_HOST_UP] = {"drover_host_up", "gauge",
	"1 when the host's last poll succeeded, 0 when it failed", {0}},
    [F_HOST_ALERT] = {"drover_host_alert_state", "gauge",
	"Worst state of a host: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN", {0}},
    [F_HOST_STALE] = {"drover_host_stale", "gauge",
	"1 when the host's values stopped coming without a failed poll", {0}},
    [F_HOST_POLL] = {"drover_host_poll_duration_seconds", "gauge",
	"Duration of the host's last poll", {0}},
    [F_HOST_FAILURES] = {"drover_host_poll_failures", "gauge",
	"Consecutive failed polls of the host", {0}},
    [F_HOST_LAST_OK] = {"drover_host_last_ok_timestamp_seconds", "gauge",
	"Time of the host's last successful poll", {0}},
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
 * Starts a sample of family fam: its HELP and TYPE first when it has
 * none yet, then the name and the labels lab[0..len) (escaped, with
 * braces).
 */
static void
sample_begin(struct family *fam, const struct buf *lab)
{
	struct buf *b = &fam->b;

	if (b->len == 0)
		buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", fam->name,
		    fam->help, fam->name, fam->type);
	buf_puts(b, fam->name);
	buf_putn(b, lab->p, lab->len);
	buf_putc(b, ' ');
}

/* A sample of fam with labels lab, value v and timestamp ts (0: none). */
static void
sample(struct family *fam, const struct buf *lab, double v, time_t ts)
{
	sample_begin(fam, lab);
	put_value(&fam->b, v);
	put_ts(&fam->b, ts);
	buf_putc(&fam->b, '\n');
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

/*
 * The samples of service cs: hlab is its host's labels (host_labels);
 * lab and pre are scratch.
 */
static void
service_samples(struct family *fams, const struct cat_service *cs,
    const struct buf *hlab, struct buf *pre, struct buf *lab)
{
	size_t i;

	/* {host="..",group="..",physical="..",plugin="..",field=" */
	pre->len = 0;
	buf_putn(pre, hlab->p, hlab->len - 1);
	buf_puts(pre, ",plugin=\"");
	metrics_put_label_value(pre, cs->svc.name);
	buf_puts(pre, "\",field=\"");
	for (i = 0; i < cs->svc.nfields; i++) {
		const struct field *f = &cs->svc.fields[i];
		const struct cat_field *cf = &cs->fields[i];
		struct family *fam;
		double v;
		time_t ts;

		if (pre->oom)
			return;
		lab->len = 0;
		buf_putn(lab, pre->p, pre->len);
		metrics_put_label_value(lab, f->name);
		buf_putn(lab, "\"}", 2);
		if (has_alert_state(cs, i))
			sample(&fams[F_ALERT], lab,
			    (double)cat_field_state(cs, i), 0);
		if (!metrics_field_sample(cs, i, &v, &ts))
			continue;
		switch (cf->spec.type) {
		case DS_DERIVE:
		case DS_COUNTER:
			fam = &fams[F_TOTAL];
			break;
		case DS_ABSOLUTE:
			fam = &fams[F_ABSOLUTE];
			break;
		default:
			fam = &fams[F_VALUE];
		}
		sample(fam, lab, v, ts);
	}
}

static void
host_samples(struct family *fams, const struct cat_host *h,
    const struct buf *hlab, time_t now)
{
	if (h->state != HOST_PENDING)
		sample(&fams[F_HOST_UP], hlab, h->state == HOST_UP ? 1 : 0, 0);
	sample(&fams[F_HOST_ALERT], hlab, (double)cat_host_state(h, NULL), 0);
	sample(&fams[F_HOST_STALE], hlab, cat_host_stale(h, now) ? 1 : 0, 0);
	if (h->last_poll != 0) {
		sample(
		    &fams[F_HOST_POLL], hlab, (double)h->poll_ms / 1000.0, 0);
		sample(&fams[F_HOST_FAILURES], hlab, (double)h->failures, 0);
	}
	if (h->last_ok != 0)
		sample(&fams[F_HOST_LAST_OK], hlab, (double)h->last_ok, 0);
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

void
metrics_write(struct buf *out, const struct catalog *cat,
    const struct metrics_self *self, time_t now)
{
	struct family fams[F_COUNT];
	struct buf hlab = {0}, pre = {0}, lab = {0};
	size_t i, j, n = catalog_count(cat);

	memcpy(fams, families, sizeof(fams));
	for (i = 0; i < n && !out->oom; i++) {
		const struct cat_host *h = catalog_at(cat, i);

		if (h->peer) /* a peer collector polls and exports it */
			continue;
		host_labels(&hlab, h);
		if (hlab.oom) {
			out->oom = true;
			break;
		}
		host_samples(fams, h, &hlab, now);
		for (j = 0; j < h->nservices; j++)
			service_samples(
			    fams, &h->services[j], &hlab, &pre, &lab);
		if (pre.oom || lab.oom)
			out->oom = true;
	}
	for (i = 0; i < F_COUNT; i++) {
		if (fams[i].b.oom)
			out->oom = true;
		if (fams[i].b.len != 0)
			buf_putn(out, fams[i].b.p, fams[i].b.len);
		buf_free(&fams[i].b);
	}
	self_samples(out, cat, self);
	buf_free(&hlab);
	buf_free(&pre);
	buf_free(&lab);
}
