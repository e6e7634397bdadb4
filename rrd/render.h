/*
 * render: graphs drawn off the event loop into a size-capped file cache.
 *
 * librrd 1.7.2's graphing is not thread-safe, so every render runs on one
 * render thread, either in the thread itself (RENDER_THREAD) or in a child
 * process the thread forks per render (RENDER_FORK: a hung or crashing
 * render can be killed at its time limit; bench/graph.sh measures the
 * cost).  The loop asks for an image by key (graph, range, size, format:
 * the caller's choice, any string) with the rrd_graph vector from
 * graph_build(); the answer comes back on the loop thread with the path of
 * the cached file.
 *
 * Cache: one file per key in cache_dir (a tmpfs in production; renderer_new
 * warns when it is not), named by a 64-bit hash of the key, written to a
 * temporary name and renamed, so a reader never sees half an image.  An
 * image is reused while the caller's data_mtime is older than the moment
 * its render began (whole seconds: data of the same second renders again);
 * a cached file removed by someone else is rendered again, never answered.
 * Requests for a key that is being rendered join that render.  When the
 * files exceed cache_max_bytes the least recently used are unlinked (an
 * open descriptor stays readable).  Files left by an earlier run are
 * removed at start-up.
 *
 * rrdcached: with a daemon address, "--daemon ADDR" is added to vectors
 * that lack it, so librrd flushes every file the graph reads before
 * drawing.  librrd 1.7.2 has one process-wide rrdcached connection
 * (mutex-guarded) that it drops whenever an address differs from the last
 * one used: give the renderer and rrd_writer the same address string.
 * A TCP daemon refuses librrd's absolute names, so there the vectors'
 * "--daemon" is dropped and the render thread flushes each DEF's file
 * itself, named relative to rrdcached_base_dir (rrdc_addr.h), before
 * drawing from the files; a failed flush fails the render.
 *
 * Threads: everything but the render itself runs on the loop thread;
 * renderer_* functions must be called there.
 */
#ifndef DROVER_RENDER_H
#define DROVER_RENDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <uv.h>

#include "lib/strlist.h"

struct renderer;

enum render_mode {
	RENDER_THREAD, /* rrd_graph_v in the render thread */
	RENDER_FORK    /* rrd_graph_v in a child forked per render */
};

struct render_result {
	const char *path;  /* the image file; NULL on error */
	int fd;		   /* open on the image (read it, or dup it to keep
			      it), -1 on error; closed after the call */
	const char *error; /* one line; NULL on success */
	size_t size;	   /* bytes of the image */
	time_t rendered;   /* epoch seconds its render began */
	bool hit;	   /* served from the cache, no render */
	bool shared;	   /* joined a render another request started */
	double render_ms;  /* duration of the render (0 for a hit) */
};

/*
 * Called on the loop thread.  res, its strings and its fd are valid
 * during the call only: dup res->fd there to keep the image (the file may
 * be evicted, replaced or removed later; the descriptor still reads it).
 */
typedef void (*render_cb)(void *arg, const struct render_result *res);

struct renderer_opts {
	const char *cache_dir;	/* exists; the renderer owns its files */
	size_t cache_max_bytes; /* cap on the cached images' bytes */
	const char *rrdcached;	/* daemon address, or NULL */
	const char *rrdcached_base_dir; /* TCP daemon: its -b dir */
	unsigned timeout_ms;		/* a render's time limit; 0: 30000 */
	enum render_mode mode;
};

/*
 * Starts the render thread.  Returns NULL with errno set (cache_dir
 * unusable, thread or handle failure).
 */
struct renderer *renderer_new(uv_loop_t *loop, const struct renderer_opts *o);

/*
 * Asks for the image of key.  argv (from graph_build(), filename "-") is
 * taken over in every case and left empty.  data_mtime: epoch seconds of
 * the newest data the graph shows (the RRD files' last update).  cb runs
 * later on the loop thread, never from within this call, with the cached
 * file or an error (render failed, timed out, renderer stopping).
 * Returns 0, or -1 with errno (ENOMEM, ESHUTDOWN after renderer_stop,
 * EINVAL for an empty key or argv); cb is not called then.
 */
int renderer_get(struct renderer *r, const char *key, struct strlist *argv,
    time_t data_mtime, render_cb cb, void *arg);

struct renderer_stats {
	uint64_t requests;	/* renderer_get() calls accepted */
	uint64_t hits;		/* answered from the cache */
	uint64_t shared;	/* joined a render in progress */
	uint64_t renders;	/* renders started */
	uint64_t errors;	/* renders that failed */
	uint64_t timeouts;	/* renders over the time limit */
	uint64_t evictions;	/* files removed to respect the cap */
	uint64_t vanished;	/* cached files someone else removed */
	size_t bytes;		/* bytes cached now */
	size_t files;		/* images cached now */
	double render_ms_total; /* over finished renders */
	double render_ms_max;
};

void renderer_stats(const struct renderer *r, struct renderer_stats *out);

/*
 * Stops taking requests, waits for the render in progress (a forked one is
 * killed), answers every waiting request with an error, closes the loop
 * handles; run the loop until it drains, then renderer_free().
 */
void renderer_stop(struct renderer *r);
/* Frees r and unlinks its cached files.  NULL is fine. */
void renderer_free(struct renderer *r);

#endif
