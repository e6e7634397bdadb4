/*
 * html: a growable output buffer with HTML escaping.
 *
 * Everything that comes from a node, the config or the URL goes through
 * wbuf_html() (text and attribute values alike), so a label "<script>"
 * shows as text.  On allocation failure the buffer remembers it (oom) and
 * ignores further writes; the caller answers 500.
 */
#ifndef DROVER_HTML_H
#define DROVER_HTML_H

#include <stdbool.h>
#include <stddef.h>

struct wbuf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;
};

void wbuf_puts(struct wbuf *b, const char *s);
void wbuf_printf(struct wbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s with & < > " ' escaped. */
void wbuf_html(struct wbuf *b, const char *s);
/* Appends s percent-encoded for a URL path segment or query value. */
void wbuf_url(struct wbuf *b, const char *s);
/* Hands the NUL-terminated text to the caller (free()); b is emptied. */
char *wbuf_take(struct wbuf *b, size_t *len);
void wbuf_free(struct wbuf *b);

#endif
