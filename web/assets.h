/*
 * assets: the dashboard's static files (stylesheet, script), kept in the
 * tree as plain files under web/assets/ and built into the binary by
 * web/embed.sh, so the dashboard fetches nothing from outside and needs
 * no files at run time.
 *
 *   /static/drover.css   web/assets/css/\*.css, concatenated in order
 *   /static/drover.js    web/assets/js/\*.js, concatenated in order
 *
 * Each script part runs in its own function scope when the page has been
 * parsed (the tag is "defer"); a part finds its elements by class or data
 * attribute and does nothing on pages without them.
 */
#ifndef DROVER_ASSETS_H
#define DROVER_ASSETS_H

#include <stddef.h>

struct asset {
	const char *name;  /* "drover.css" */
	const char *ctype; /* the Content-Type header */
	const char *etag;  /* quoted: the bytes' CRC and length */
	const unsigned char *data;
	size_t len; /* bytes in data (a NUL follows them) */
};

/* The asset called name, NULL when there is none. */
const struct asset *asset_find(const char *name);
/* The generated table (web/embed.sh), ended by an entry with name NULL. */
const struct asset *assets_table(void);

#endif
