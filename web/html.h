/*
 * html: HTML and URL escaping into a lib/buf.h buffer.
 *
 * Everything that comes from a node, the config or the URL goes through
 * html_escape() (text and attribute values alike), so a label "<script>"
 * shows as text.  Pages are written into a struct buf; on allocation
 * failure buf_take() returns NULL and the caller answers 500.
 */
#ifndef DROVER_HTML_H
#define DROVER_HTML_H

#include "lib/buf.h"

/* Appends s with & < > " ' escaped. */
void html_escape(struct buf *b, const char *s);
/* Appends s percent-encoded for a URL path segment or query value. */
void html_escape_url(struct buf *b, const char *s);

#endif
