/*
 * catalog_save: the state file in slices; see catalog_save.h.
 *
 * One job at a time: a slice is made (loop) and written (pool) in turn,
 * so the save holds one slice and the file's writes keep their order.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collector/catalog_save.h"
#include "lib/buf.h"
#include "lib/fileio.h"

struct catalog_save {
	uv_work_t req;
	const struct catalog *cat; /* loop side */
	struct catalog_dumper dumper;
	catalog_save_done_fn *done;
	void *arg;
	/* the job's, while it runs */
	struct file_atomic fa;
	char path[4096];
	struct buf slice; /* text to append */
	bool opened;	  /* fa is open (or its open failed) */
	bool last;	  /* slice ends the text: commit after it */
	bool abort;	  /* no slice: remove the temporary file */
	int err;	  /* errno of the failed step, or 0 */
};

static void
save_free(struct catalog_save *s)
{
	buf_free(&s->slice);
	free(s);
}

/* The next slice into s->slice; false on allocation failure. */
static bool
next_slice(struct catalog_save *s)
{
	s->slice.len = 0;
	s->last = !catalog_dump_next(
	    &s->dumper, s->cat, &s->slice, CATALOG_SAVE_SLICE);
	return !s->slice.oom;
}

static void
save_work(uv_work_t *req)
{
	struct catalog_save *s = req->data;

	if (s->abort) {
		file_atomic_abort(&s->fa);
		s->err = ENOMEM;
		return;
	}
	if (!s->opened) {
		s->opened = true;
		if (file_atomic_open(&s->fa, s->path, NULL) == -1) {
			s->err = errno;
			return;
		}
	}
	if (file_atomic_write(&s->fa, s->slice.p, s->slice.len) == -1 ||
	    (s->last && file_atomic_commit(&s->fa) == -1))
		s->err = errno;
}

static void
save_after(uv_work_t *req, int status)
{
	struct catalog_save *s = req->data;

	if (status != 0 && s->err == 0) { /* cancelled: never ran */
		s->err = ECANCELED;
		file_atomic_abort(&s->fa);
	}
	if (s->err == 0 && !s->last) {
		if (!next_slice(s))
			s->abort = true;
		if (uv_queue_work(req->loop, &s->req, save_work, save_after) ==
		    0)
			return;
		s->err = EAGAIN;
		file_atomic_abort(&s->fa);
	}
	s->done(s->arg, s->err);
	save_free(s);
}

int
catalog_save_start(uv_loop_t *loop, const struct catalog *cat, const char *path,
    time_t saved, catalog_save_done_fn *done, void *arg)
{
	struct catalog_save *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return -1;
	if (snprintf(s->path, sizeof(s->path), "%s", path) >=
	    (int)sizeof(s->path)) {
		free(s);
		errno = ENAMETOOLONG;
		return -1;
	}
	s->cat = cat;
	s->done = done;
	s->arg = arg;
	s->fa.fd = -1;
	s->req.data = s;
	catalog_dumper_init(&s->dumper, saved);
	if (!next_slice(s)) {
		save_free(s);
		errno = ENOMEM;
		return -1;
	}
	if (uv_queue_work(loop, &s->req, save_work, save_after) != 0) {
		save_free(s);
		errno = EAGAIN;
		return -1;
	}
	return 0;
}

int
catalog_save_sync(const struct catalog *cat, const char *path, time_t saved)
{
	struct catalog_dumper d;
	struct file_atomic fa;
	struct buf b = {0};
	bool more = true;
	int ret = -1;

	catalog_dumper_init(&d, saved);
	if (file_atomic_open(&fa, path, NULL) == -1)
		return -1;
	while (more) {
		b.len = 0;
		more = catalog_dump_next(&d, cat, &b, CATALOG_SAVE_SLICE);
		if (b.oom) {
			file_atomic_abort(&fa);
			errno = ENOMEM;
			goto out;
		}
		if (file_atomic_write(&fa, b.p, b.len) == -1)
			goto out;
	}
	ret = file_atomic_commit(&fa);
out:
	buf_free(&b);
	return ret;
}
