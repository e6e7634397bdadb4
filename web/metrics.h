/*
 * metrics: the catalog as Prometheus text exposition (format 0.0.4,
 * which Prometheus, VictoriaMetrics and OpenMetrics parsers read), for
 * GET /metrics.  Pure over its inputs; loop thread.
 *
 * Every field with a known value is one sample labelled host, plugin,
 * field, group (the ';'-joined chain) and physical, with the time of its
 * poll (the field's own "value EPOCH:" or its service's sample time, as
 * RRD got it) as the sample's timestamp in ms:
 *
 *   drover_field_value     gauge    a GAUGE field, as polled
 *   drover_field_total     counter  a DERIVE or COUNTER field: the raw
 *                                   counter the node sent, not a rate;
 *                                   rate() in PromQL gives what RRD
 *                                   stores (a DERIVE that goes down
 *                                   reads as a counter reset there)
 *   drover_field_absolute  gauge    an ABSOLUTE field: the count since
 *                                   the previous read, as polled
 *
 * Hosts another collector of a sharded cluster polls (collector/
 * shard.h) are left to that collector's /metrics.
 *
 * So every sample equals the RRD file's last update (rrdtool lastupdate)
 * at the same time.  A "U" value is left out rather than sent as NaN.
 * Raw counters are kept rather than rates because Prometheus computes
 * rates itself over any window, and a rate from two polls loses a reset.
 *
 *   drover_field_alert_state  gauge  0 OK, 1 WARNING, 2 CRITICAL,
 *                                    3 UNKNOWN (the Nagios codes), for
 *                                    each field the alert engine judged
 *                                    or that has thresholds or a state
 *   drover_host_up, drover_host_alert_state, drover_host_stale,
 *   drover_host_poll_duration_seconds, drover_host_poll_failures,
 *   drover_host_last_ok_timestamp_seconds       per host (labels host,
 *                                    group, physical; up only for a
 *                                    host polled at least once)
 *   drover_polls_total, drover_poll_failures_total, ...,
 *   drover_rrd_updates_total, ...    the collector's own counters;
 *                                    its drover_* services are fields
 *                                    of host "_drover" above.
 *
 * Label values are escaped as the format requires (\\, \", \n) and a
 * byte that is not valid UTF-8 becomes U+FFFD, which Prometheus would
 * otherwise refuse the whole scrape for.  Families come out whole, one
 * HELP and TYPE each, as the text format requires ("all lines for a
 * given metric must be provided as one single group"; OpenMetrics
 * forbids interleaving too).  The text is made in slices with no
 * allocation per sample (bench/metrics.sh).
 */
#ifndef DROVER_METRICS_H
#define DROVER_METRICS_H

#include <stdint.h>
#include <time.h>

#include "catalog/catalog.h"
#include "lib/buf.h"
#include "rrd/rrd_writer.h"
#include "web/http.h"

/* The Content-Type of the text metrics_write() makes. */
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Remote write's counters (filled by collector/remote_write.h), here
 * because /metrics and /health show them. */
struct remote_write_stats {
	uint64_t sent;	       /* samples the engine took */
	uint64_t failed;       /* samples in requests it refused for good */
	uint64_t dropped;      /* samples dropped because the queue was full */
	uint64_t retries;      /* requests tried again */
	uint64_t queued;       /* samples waiting (queue and the open
				  request) */
	uint64_t queued_bytes; /* bytes of requests waiting */
	uint64_t disk_errors;  /* queue segments not written or read */
};

/* The collector's own counters; any may be NULL (left out). */
struct metrics_self {
	const struct web_poll_stats *polls;
	const struct rrd_writer_stats *writer;
	const struct remote_write_stats *remote_write;
};

/*
 * The exposition text made in slices across loop turns (GET /metrics
 * streams it): each slice is whole hosts of one family, so the scrape
 * holds one slice, not the whole text, and stalls the loop one slice at
 * a time.  Between slices the catalog may change: a host a reload drops
 * before its turn in a family is left out of it, one added comes at the
 * end; the text stays valid, each family whole with one HELP and TYPE
 * (a family with no sample has neither).
 *
 * metrics_stream_new starts the text of cat at now (epoch s, for
 * staleness) and of self (may be NULL; copied now); cat must outlive the
 * stream.  NULL without memory.
 */
struct metrics_stream;

struct metrics_stream *metrics_stream_new(
    const struct catalog *cat, const struct metrics_self *self, time_t now);
/*
 * Appends the next slice to out: hosts until it holds at least bytes or
 * the hosts visited hold METRICS_STEP_FIELDS fields (at least one host
 * visited; drover_host_alert_state weighs a host by its fields too, its
 * state is theirs), the collector's own counters last.  Returns true while
 * more text follows (the slice may then be empty: hosts without a
 * sample of the family); false once the text is whole, or on allocation
 * failure with out->oom set.
 */
#define METRICS_STEP_FIELDS 8192 /* about 1 ms of the loop */
bool metrics_stream_next(
    struct metrics_stream *s, struct buf *out, size_t bytes);
void metrics_stream_free(struct metrics_stream *s);

/*
 * Appends the whole exposition text of cat at now and of self (may be
 * NULL) to out; on allocation failure out->oom is set (buf_take() then
 * returns NULL).
 */
void metrics_write(struct buf *out, const struct catalog *cat,
    const struct metrics_self *self, time_t now);

/* Appends s as a label value: escaped, invalid UTF-8 as U+FFFD. */
void metrics_put_label_value(struct buf *out, const char *s);
/* Appends s unescaped with invalid UTF-8 as U+FFFD (for remote write,
 * whose protobuf strings must be valid UTF-8). */
void metrics_put_utf8(struct buf *out, const char *s);

/*
 * The series every consumer of field values shares (/metrics and remote
 * write, collector/remote_write.h), so both name a field alike: its
 * family by the field's type, and whether field i of cs has a value
 * sample now, with that value and its time (epoch s) -- "U" and NaN
 * have none.
 */
const char *metrics_field_family(enum ds_type t);
bool metrics_field_sample(
    const struct cat_service *cs, size_t i, double *v, time_t *ts);

#endif
