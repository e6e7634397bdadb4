/*
 * graph_cache: graph images kept in memory by the web server, so that a
 * request for a graph whose data and config have not changed is answered
 * inside libmicrohttpd's request callback with a lookup and a send: no
 * render request, no loop round trip, no file open, no hashing of the
 * service's config.
 *
 * An entry is an image's bytes plus what makes an answer from it exact:
 * the catalog generation it was checked at (catalog_generation()), the
 * data stamp it shows (the ETag's), the moment its render began
 * (Last-Modified) and its ETag.  The caller decides validity (see
 * web/http.c: same generation, or the same ETag recomputed; same stamp)
 * and drops what is stale.  The answers themselves are libmicrohttpd
 * responses built once per entry and second (Cache-Control's max-age
 * counts down in seconds) and queued on every connection that asks; they
 * share the entry's bytes by reference, so an entry evicted or dropped
 * while a connection still sends it stays alive until that send ends.
 *
 * Bounded: the bytes of kept images (plus a fixed charge per entry) stay
 * under the cap given to graph_cache_new(); adding one evicts the least
 * recently used; an image larger than an eighth of the cap is not kept.
 * Images still being sent after their entry went may briefly add to that.
 *
 * Loop thread only (libmicrohttpd runs there, MHD_USE_EPOLL without
 * threads).
 */
#ifndef DROVER_GRAPH_CACHE_H
#define DROVER_GRAPH_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <microhttpd.h>

struct graph_cache;
struct gc_entry;

/* What an entry answers for; copied in graph_cache_put(). */
struct gc_meta {
	uint64_t gen;	   /* catalog generation it is valid at */
	time_t stamp;	   /* newest data it shows (epoch s) */
	time_t rendered;   /* epoch s its render began: Last-Modified */
	const char *etag;  /* quoted, as sent */
	const char *ctype; /* a static string: image/png, image/svg+xml */
};

struct graph_cache_stats {
	uint64_t hits;	    /* answers from kept images (200 and 304) */
	uint64_t kept;	    /* images put */
	uint64_t evictions; /* dropped to respect the cap */
	uint64_t dropped;   /* dropped by the caller (stale) */
	size_t bytes;	    /* charged now */
	size_t entries;	    /* kept now */
};

/* A cache of at most max_bytes; NULL (ENOMEM) on failure. */
struct graph_cache *graph_cache_new(size_t max_bytes);
/* Frees gc and its entries; responses still queued keep their bytes. */
void graph_cache_free(struct graph_cache *gc);
/* Drops every entry (the settings changed). */
void graph_cache_clear(struct graph_cache *gc);

/* The entry of key, or NULL; a found entry becomes the most recent. */
struct gc_entry *graph_cache_find(struct graph_cache *gc, const char *key);
/* e's metadata (valid until e is dropped or replaced). */
const struct gc_meta *gc_entry_meta(const struct gc_entry *e);
/* Marks e valid at generation gen (its ETag was found unchanged). */
void gc_entry_set_gen(struct gc_entry *e, uint64_t gen);
/* Removes e (stale). */
void graph_cache_drop(struct graph_cache *gc, struct gc_entry *e);

/*
 * Keeps a copy of the image buf[0..len) under key with meta, replacing
 * any entry of key.  0; -1 with errno ENOMEM, or EFBIG when the image is
 * larger than the cap allows (nothing kept then).
 */
int graph_cache_put(struct graph_cache *gc, const char *key,
    const struct gc_meta *meta, const void *buf, size_t len);

/*
 * The answer from e at now (epoch s) with max_age seconds of
 * Cache-Control: the image (200), or not_modified, an empty 304 with the
 * same ETag, Last-Modified and Cache-Control.  The response stays the
 * cache's: queue it, never destroy it.  Counts a hit.  NULL on
 * allocation failure.
 */
struct MHD_Response *graph_cache_answer(struct graph_cache *gc,
    struct gc_entry *e, time_t now, unsigned max_age, bool not_modified);

void graph_cache_stats(
    const struct graph_cache *gc, struct graph_cache_stats *out);

#endif
