/*
 * buf: a growable text buffer (web pages, contact messages, e-mail
 * bodies, check output).
 *
 * Embedded in its owner and zero-initialised ({0} is empty, nothing
 * allocated).  The text is NUL-terminated once anything was put.  On
 * allocation failure the buffer remembers it (oom) and ignores further
 * writes, so a caller writes a whole text and checks once, at buf_take().
 *
 * A buffer over the caller's storage (buf_init_fixed) never allocates:
 * what does not fit is cut, the text stays NUL-terminated, and oom stays
 * false.  Callers may edit p[0..len) and shorten len in place.
 */
#ifndef DROVER_BUF_H
#define DROVER_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *p;    /* len bytes of text and a NUL; NULL until first put */
	size_t len; /* bytes of text, the NUL not counted */
	size_t cap; /* bytes at p */
	bool oom;   /* a put failed; the text is incomplete */
	bool fixed; /* p is the caller's: cut at cap - 1, never grown */
};

/* b writes into storage (size bytes, at least 1), which it never frees;
 * storage becomes the empty string. */
void buf_init_fixed(struct buf *b, char *storage, size_t size);

void buf_putn(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/*
 * Hands the NUL-terminated text to the caller (free()), "" when nothing
 * was put, and sets *len (when len is not NULL); b is emptied.  NULL when
 * a put failed (oom) or "" cannot be allocated: the text is freed.  Not
 * for a fixed buffer.
 */
char *buf_take(struct buf *b, size_t *len);
/* Frees the text (not a fixed buffer's storage); b is empty again. */
void buf_free(struct buf *b);

#endif
