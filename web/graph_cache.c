/*
 * graph_cache: graph images kept in memory for the web server.  See
 * graph_cache.h.
 *
 * An index of chained buckets and an LRU list, as rrd/render.c's.  The
 * bytes live in a reference-counted struct gc_img: one reference for the
 * entry, one for each response built on it (libmicrohttpd drops a
 * response, and with it its reference, when its last queued use ends).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/hash.h"
#include "web/graph_cache.h"

#define NBUCKETS 1024	  /* index buckets (power of two) */
#define ENTRY_CHARGE 1024 /* bytes charged per entry beyond its image */

struct gc_img {
	unsigned refs;
	size_t len;
	unsigned char bytes[];
};

struct gc_entry {
	char *key;
	uint64_t hash;
	struct gc_meta meta; /* etag points at etag below */
	char etag[64];
	char lastmod[40]; /* Last-Modified, formatted once */
	struct gc_img *img;
	size_t charge; /* bytes counted against the cap */
	/* the answers of second built_at with max-age built_age */
	struct MHD_Response *ok, *nm;
	time_t built_at;
	unsigned built_age;
	struct gc_entry *hnext;
	struct gc_entry *lprev, *lnext; /* head most recent */
};

struct graph_cache {
	size_t cap;
	struct gc_entry *buckets[NBUCKETS];
	struct gc_entry *lru_head, *lru_tail;
	struct graph_cache_stats st;
};

static void
img_unref(void *arg)
{
	struct gc_img *img = arg;

	if (--img->refs == 0)
		free(img);
}

static void
drop_answers(struct gc_entry *e)
{
	if (e->ok != NULL)
		MHD_destroy_response(e->ok);
	if (e->nm != NULL)
		MHD_destroy_response(e->nm);
	e->ok = e->nm = NULL;
}

static void
lru_unlink(struct graph_cache *gc, struct gc_entry *e)
{
	if (e->lprev != NULL)
		e->lprev->lnext = e->lnext;
	else
		gc->lru_head = e->lnext;
	if (e->lnext != NULL)
		e->lnext->lprev = e->lprev;
	else
		gc->lru_tail = e->lprev;
	e->lprev = e->lnext = NULL;
}

static void
lru_push(struct graph_cache *gc, struct gc_entry *e)
{
	e->lprev = NULL;
	e->lnext = gc->lru_head;
	if (gc->lru_head != NULL)
		gc->lru_head->lprev = e;
	gc->lru_head = e;
	if (gc->lru_tail == NULL)
		gc->lru_tail = e;
}

/* Unlinks e from the index and the LRU and frees it. */
static void
entry_free(struct graph_cache *gc, struct gc_entry *e)
{
	struct gc_entry **pp = &gc->buckets[e->hash & (NBUCKETS - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(gc, e);
	gc->st.bytes -= e->charge;
	gc->st.entries--;
	drop_answers(e);
	img_unref(e->img);
	free(e->key);
	free(e);
}

struct graph_cache *
graph_cache_new(size_t max_bytes)
{
	struct graph_cache *gc = calloc(1, sizeof(*gc));

	if (gc == NULL)
		return NULL;
	gc->cap = max_bytes;
	return gc;
}

void
graph_cache_clear(struct graph_cache *gc)
{
	while (gc->lru_head != NULL)
		entry_free(gc, gc->lru_head);
}

void
graph_cache_free(struct graph_cache *gc)
{
	if (gc == NULL)
		return;
	graph_cache_clear(gc);
	free(gc);
}

struct gc_entry *
graph_cache_find(struct graph_cache *gc, const char *key)
{
	uint64_t h = hash_str(HASH_INIT, key);
	struct gc_entry *e;

	for (e = gc->buckets[h & (NBUCKETS - 1)]; e != NULL; e = e->hnext)
		if (e->hash == h && strcmp(e->key, key) == 0) {
			if (gc->lru_head != e) {
				lru_unlink(gc, e);
				lru_push(gc, e);
			}
			return e;
		}
	return NULL;
}

const struct gc_meta *
gc_entry_meta(const struct gc_entry *e)
{
	return &e->meta;
}

void
gc_entry_set_gen(struct gc_entry *e, uint64_t gen)
{
	e->meta.gen = gen;
}

void
graph_cache_drop(struct graph_cache *gc, struct gc_entry *e)
{
	gc->st.dropped++;
	entry_free(gc, e);
}

int
graph_cache_put(struct graph_cache *gc, const char *key,
    const struct gc_meta *meta, const void *buf, size_t len)
{
	size_t klen = strlen(key), charge = len + klen + ENTRY_CHARGE;
	struct gc_entry *e;
	struct tm tm;

	if (charge > gc->cap / 8 || strlen(meta->etag) >= sizeof(e->etag)) {
		errno = EFBIG;
		return -1;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -1;
	e->key = strdup(key);
	e->img = malloc(sizeof(*e->img) + len);
	if (e->key == NULL || e->img == NULL) {
		free(e->key);
		free(e->img);
		free(e);
		errno = ENOMEM;
		return -1;
	}
	e->img->refs = 1;
	e->img->len = len;
	memcpy(e->img->bytes, buf, len);
	e->hash = hash_str(HASH_INIT, key);
	e->meta = *meta;
	snprintf(e->etag, sizeof(e->etag), "%s", meta->etag);
	e->meta.etag = e->etag;
	gmtime_r(&meta->rendered, &tm);
	strftime(
	    e->lastmod, sizeof(e->lastmod), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	e->charge = charge;
	{
		struct gc_entry *old = graph_cache_find(gc, key);

		if (old != NULL)
			entry_free(gc, old);
	}
	while (gc->st.bytes + charge > gc->cap && gc->lru_tail != NULL) {
		entry_free(gc, gc->lru_tail);
		gc->st.evictions++;
	}
	e->hnext = gc->buckets[e->hash & (NBUCKETS - 1)];
	gc->buckets[e->hash & (NBUCKETS - 1)] = e;
	lru_push(gc, e);
	gc->st.bytes += charge;
	gc->st.entries++;
	gc->st.kept++;
	return 0;
}

/* A response of e's headers on body (len bytes of e's image, or none). */
static struct MHD_Response *
build(struct gc_entry *e, bool body, const char *cc)
{
	struct MHD_Response *resp;

	if (body) {
		resp = MHD_create_response_from_buffer_with_free_callback_cls(
		    e->img->len, e->img->bytes, img_unref, e->img);
		if (resp == NULL)
			return NULL;
		e->img->refs++;
	} else {
		resp = MHD_create_response_from_buffer(
		    0, NULL, MHD_RESPMEM_PERSISTENT);
		if (resp == NULL)
			return NULL;
	}
	if (MHD_add_response_header(resp, "Content-Type", e->meta.ctype) !=
		MHD_YES ||
	    MHD_add_response_header(resp, "ETag", e->etag) != MHD_YES ||
	    MHD_add_response_header(resp, "Last-Modified", e->lastmod) !=
		MHD_YES ||
	    MHD_add_response_header(resp, "Cache-Control", cc) != MHD_YES) {
		MHD_destroy_response(resp);
		return NULL;
	}
	return resp;
}

struct MHD_Response *
graph_cache_answer(struct graph_cache *gc, struct gc_entry *e, time_t now,
    unsigned max_age, bool not_modified)
{
	char cc[32];

	if (e->ok == NULL || e->nm == NULL || e->built_at != now ||
	    e->built_age != max_age) {
		drop_answers(e);
		snprintf(cc, sizeof(cc), "max-age=%u", max_age);
		e->ok = build(e, true, cc);
		e->nm = build(e, false, cc);
		if (e->ok == NULL || e->nm == NULL) {
			drop_answers(e);
			return NULL;
		}
		e->built_at = now;
		e->built_age = max_age;
	}
	gc->st.hits++;
	return not_modified ? e->nm : e->ok;
}

void
graph_cache_stats(const struct graph_cache *gc, struct graph_cache_stats *out)
{
	*out = gc->st;
}
