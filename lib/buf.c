/*
 * buf: growable text buffer; see buf.h.  Capacity doubles from
 * BUF_FIRST, so n bytes of appends cost O(n) copying in all.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"

/* First allocation, bytes: most texts (a contact line, a page row) fit. */
#define BUF_FIRST 256

void
buf_init_fixed(struct buf *b, char *storage, size_t size)
{
	memset(b, 0, sizeof(*b));
	b->p = storage;
	b->cap = size;
	b->fixed = true;
	storage[0] = '\0';
}

/*
 * Room for more bytes and a NUL.  A fixed buffer grants what is left
 * (*more is cut); a growable one all of it, or sets oom.  False when
 * nothing can be written.
 */
static bool
reserve(struct buf *b, size_t *more)
{
	size_t ncap;
	char *np;

	if (b->oom)
		return false;
	if (b->fixed) {
		if (b->len + 1 >= b->cap)
			return false;
		if (*more > b->cap - b->len - 1)
			*more = b->cap - b->len - 1;
		return true;
	}
	if (*more > SIZE_MAX / 2 - b->len - 1) {
		b->oom = true;
		return false;
	}
	if (b->len + *more + 1 <= b->cap)
		return true;
	ncap = b->cap ? b->cap : BUF_FIRST;
	while (ncap < b->len + *more + 1)
		ncap *= 2;
	np = realloc(b->p, ncap);
	if (np == NULL) {
		b->oom = true;
		return false;
	}
	b->p = np;
	b->cap = ncap;
	return true;
}

void
buf_putn(struct buf *b, const char *s, size_t n)
{
	if (!reserve(b, &n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_putn(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	buf_putn(b, &c, 1);
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	size_t want;
	int n;

	va_copy(aq, ap);
	n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		b->oom = !b->fixed;
		return;
	}
	want = (size_t)n;
	if (!reserve(b, &want))
		return;
	/* a fixed buffer's cut: vsnprintf writes want bytes and the NUL */
	vsnprintf(b->p + b->len, want + 1, fmt, ap);
	b->len += want;
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *
buf_take(struct buf *b, size_t *len)
{
	char *p;

	if (b->oom) {
		buf_free(b);
		return NULL;
	}
	p = b->p != NULL ? b->p : strdup("");
	if (p != NULL && len != NULL)
		*len = b->len;
	memset(b, 0, sizeof(*b));
	return p;
}

void
buf_free(struct buf *b)
{
	if (!b->fixed)
		free(b->p);
	memset(b, 0, sizeof(*b));
}
