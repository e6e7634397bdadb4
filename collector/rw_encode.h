/*
 * rw_encode: the body of a Prometheus remote-write request (protocol
 * 0.1.0, which Prometheus, VictoriaMetrics, Mimir and Thanos accept): a
 * protobuf WriteRequest, snappy-compressed (block format, not framed).
 * Pure over its inputs; any thread.
 *
 *   WriteRequest { repeated TimeSeries timeseries = 1; }
 *   TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2; }
 *   Label        { string name = 1; string value = 2; }
 *   Sample       { double value = 1; int64 timestamp = 2; (ms) }
 *
 * A WriteRequest is its TimeSeries one after another, so a request grows
 * by appending series; no length is known in advance but each series'
 * own.  Written by hand rather than through protobuf-c: four messages,
 * no allocation per sample, and no generated code to keep in step.
 */
#ifndef DROVER_RW_ENCODE_H
#define DROVER_RW_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "lib/buf.h"
#include "plugins/sample.h"

/* One label; the value is len bytes, valid UTF-8. */
struct rw_label {
	const char *name;
	const char *value;
	size_t len;
};

/*
 * Appends one TimeSeries with labels l[0..n) (the caller sorts them by
 * name, as receivers require; "__name__" is the metric) and one sample
 * v at ts_ms (epoch ms) to the WriteRequest in out.
 */
void rw_encode_series(struct buf *out, const struct rw_label *l, size_t n,
    double v, int64_t ts_ms);

/*
 * Appends the series of batch b of host h as GET /metrics names them
 * (web/metrics.h: drover_field_value, _total, _absolute; labels field,
 * group, host, physical, plugin), reading each value, its time and its
 * type from the catalog after it took b.  scratch is the caller's, for
 * the label text.  Returns the samples appended.
 */
size_t rw_encode_batch(struct buf *out, struct buf *scratch,
    const struct cat_host *h, const struct batch *b);

/*
 * The snappy block of in[0..len) in a new buffer of its own size
 * (free()).  *z (*zcap bytes; NULL, 0 at first) is the caller's
 * buffer to compress into, grown as needed and kept (free() it), so a
 * request costs one allocation of what it compressed to rather than of
 * snappy's worst case.  0, or -1 with errno ENOMEM or EINVAL (snappy
 * refused).
 */
int rw_compress(const char *in, size_t len, char **z, size_t *zcap, char **out,
    size_t *outlen);

#endif
