/*
 * runner_frame: the runners' framing (runner_frame.h).
 */
#include <stdlib.h>
#include <string.h>

#include "agent/runner_frame.h"

int
frame_rx_put(struct frame_rx *x, const char *s, size_t n)
{
	char *np;
	size_t cap;

	/* what stays after a read is at most one partial frame; a read
	 * adds at most a chunk */
	if (x->len + n > x->max + sizeof(struct frame_hdr) + FRAME_CHUNK)
		return -1;
	if (x->len + n > x->cap) {
		cap = x->cap != 0 ? x->cap : 4096;
		while (cap < x->len + n)
			cap *= 2;
		np = realloc(x->p, cap);
		if (np == NULL)
			return -1;
		x->p = np;
		x->cap = cap;
	}
	memcpy(x->p + x->len, s, n);
	x->len += n;
	return 0;
}

int
frame_rx_next(const struct frame_rx *x, struct frame_hdr *h, const char **pl)
{
	if (x->len < sizeof(*h))
		return 0;
	memcpy(h, x->p, sizeof(*h));
	if (h->len > x->max)
		return -1;
	if (x->len < sizeof(*h) + h->len)
		return 0;
	*pl = x->p + sizeof(*h);
	return 1;
}

void
frame_rx_drop(struct frame_rx *x, const struct frame_hdr *h)
{
	size_t n = sizeof(*h) + h->len;

	memmove(x->p, x->p + n, x->len - n);
	x->len -= n;
}

void
frame_rx_cleanup(struct frame_rx *x)
{
	free(x->p);
	memset(x, 0, sizeof(*x));
}

struct wreq {
	uv_write_t req;
	char data[];
};

static void
on_written(uv_write_t *req, int status)
{
	(void)status; /* a broken socket shows as EOF on the read side */
	free(req);
}

int
frame_send(
    uv_stream_t *s, uint32_t type, uint64_t id, const uv_buf_t *parts, size_t n)
{
	struct frame_hdr h = {type, 0, id};
	struct wreq *w;
	uv_buf_t buf;
	size_t i, len = 0, off;

	for (i = 0; i < n; i++)
		len += parts[i].len;
	if (len > UINT32_MAX)
		return -1;
	h.len = (uint32_t)len;
	w = malloc(sizeof(*w) + sizeof(h) + len);
	if (w == NULL)
		return -1;
	memcpy(w->data, &h, sizeof(h));
	off = sizeof(h);
	for (i = 0; i < n; i++) {
		if (parts[i].len > 0)
			memcpy(w->data + off, parts[i].base, parts[i].len);
		off += parts[i].len;
	}
	buf = uv_buf_init(w->data, (unsigned)off);
	if (uv_write(&w->req, s, &buf, 1, on_written) != 0) {
		free(w);
		return -1;
	}
	return 0;
}

void
frame_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char chunk[FRAME_CHUNK]; /* consumed before the next read */

	(void)h;
	(void)suggested;
	*buf = uv_buf_init(chunk, sizeof(chunk));
}
