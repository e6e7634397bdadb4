/*
 * rw_encode: protobuf by hand and snappy; see rw_encode.h.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>

#include "collector/rw_encode.h"
#include "web/metrics.h"

/* Wire types: a length-delimited field, a varint, 64 bits. */
#define WT_LEN 2
#define WT_VARINT 0
#define WT_I64 1
#define TAG(field, wt) ((char)(((field) << 3) | (wt)))

static size_t
varint_len(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

static void
put_varint(struct buf *b, uint64_t v)
{
	char tmp[10];
	size_t n = 0;

	while (v >= 0x80) {
		tmp[n++] = (char)((v & 0x7f) | 0x80);
		v >>= 7;
	}
	tmp[n++] = (char)v;
	buf_putn(b, tmp, n);
}

/* The bytes of Label l without its own tag and length. */
static size_t
label_len(const struct rw_label *l)
{
	size_t nl = strlen(l->name);

	return 1 + varint_len(nl) + nl + 1 + varint_len(l->len) + l->len;
}

void
rw_encode_series(struct buf *out, const struct rw_label *l, size_t n, double v,
    int64_t ts_ms)
{
	size_t i, total = 0, sample_len, ll, nl;
	unsigned char d[8];
	uint64_t bits;

	for (i = 0; i < n; i++) {
		ll = label_len(&l[i]);
		total += 1 + varint_len(ll) + ll;
	}
	sample_len = 1 + 8 + 1 + varint_len((uint64_t)ts_ms);
	total += 1 + varint_len(sample_len) + sample_len;
	buf_putc(out, TAG(1, WT_LEN));
	put_varint(out, total);
	for (i = 0; i < n; i++) {
		nl = strlen(l[i].name);
		buf_putc(out, TAG(1, WT_LEN));
		put_varint(out, label_len(&l[i]));
		buf_putc(out, TAG(1, WT_LEN));
		put_varint(out, nl);
		buf_putn(out, l[i].name, nl);
		buf_putc(out, TAG(2, WT_LEN));
		put_varint(out, l[i].len);
		buf_putn(out, l[i].value, l[i].len);
	}
	buf_putc(out, TAG(2, WT_LEN));
	put_varint(out, sample_len);
	buf_putc(out, TAG(1, WT_I64));
	memcpy(&bits, &v, sizeof(bits));
	for (i = 0; i < 8; i++)
		d[i] = (unsigned char)(bits >> (8 * i)); /* little-endian */
	buf_putn(out, (const char *)d, 8);
	buf_putc(out, TAG(2, WT_VARINT));
	put_varint(out, (uint64_t)ts_ms);
}

/* Label slots, in the name order receivers require. */
enum { L_NAME, L_FIELD, L_GROUP, L_HOST, L_PHYSICAL, L_PLUGIN, L_COUNT };

/* Points l at the text of scratch from offset off (set when scratch is
 * complete: it may move while it grows). */
static void
mark(struct buf *scratch, size_t *off, size_t *len, const char *s)
{
	*off = scratch->len;
	metrics_put_utf8(scratch, s);
	*len = scratch->len - *off;
}

size_t
rw_encode_batch(struct buf *out, struct buf *scratch, const struct cat_host *h,
    const struct batch *b)
{
	static const char *const names[L_COUNT] = {
	    "__name__", "field", "group", "host", "physical", "plugin"};
	struct rw_label l[L_COUNT];
	size_t off[L_COUNT], len[L_COUNT];
	size_t i, j, k, count = 0, host_end;
	const struct cat_service *cs;
	const struct service *s;
	const char *fam;
	double v;
	time_t ts;
	long idx;

	scratch->len = 0;
	mark(scratch, &off[L_GROUP], &len[L_GROUP],
	    h->group != NULL ? h->group : "");
	mark(scratch, &off[L_HOST], &len[L_HOST], h->name);
	mark(scratch, &off[L_PHYSICAL], &len[L_PHYSICAL],
	    h->physical != NULL ? h->physical : h->name);
	host_end = scratch->len;
	for (i = 0; i < b->n; i++) {
		s = &b->services[i];
		cs = cat_host_service(h, s->name);
		if (cs == NULL)
			continue;
		for (j = 0; j < s->nfields; j++) {
			if (!s->fields[j].has_value)
				continue;
			idx = cat_service_field_index(cs, j, s->fields[j].name);
			if (idx < 0 ||
			    !metrics_field_sample(cs, (size_t)idx, &v, &ts))
				continue;
			fam = metrics_field_family(cs->fields[idx].spec.type);
			scratch->len = host_end;
			mark(scratch, &off[L_PLUGIN], &len[L_PLUGIN],
			    cs->svc.name);
			mark(scratch, &off[L_FIELD], &len[L_FIELD],
			    cs->svc.fields[idx].name);
			if (scratch->oom) {
				out->oom = true;
				return count;
			}
			for (k = 0; k < L_COUNT; k++) {
				l[k].name = names[k];
				if (k == L_NAME) {
					l[k].value = fam;
					l[k].len = strlen(fam);
				} else {
					l[k].value = scratch->p + off[k];
					l[k].len = len[k];
				}
			}
			rw_encode_series(
			    out, l, L_COUNT, v, (int64_t)ts * 1000);
			count++;
		}
	}
	return count;
}

int
rw_compress(const char *in, size_t len, char **z, size_t *zcap, char **out,
    size_t *outlen)
{
	size_t n = snappy_max_compressed_length(len);
	char *p;

	if (*zcap < n || *z == NULL) {
		p = realloc(*z, n != 0 ? n : 1);
		if (p == NULL)
			return -1;
		*z = p;
		*zcap = n;
	}
	n = *zcap;
	if (snappy_compress(in, len, *z, &n) != SNAPPY_OK) {
		errno = EINVAL;
		return -1;
	}
	p = malloc(n != 0 ? n : 1);
	if (p == NULL)
		return -1;
	memcpy(p, *z, n);
	*out = p;
	*outlen = n;
	return 0;
}
