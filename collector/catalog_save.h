/*
 * catalog_save: the catalog's state file (catalog.h) saved without
 * holding its whole text or stalling the loop for it.  The loop makes one
 * slice of whole hosts (catalog_dump_next, CATALOG_SAVE_SLICE bytes) per
 * turn and a thread-pool job appends it to the temporary file; the last
 * job fsyncs it and renames it into place (lib/fileio.h file_atomic_*),
 * so the file on disk is always a whole one, the old or the new, which
 * catalog_load reads as before.  A host is saved as it is when its slice
 * is made; hosts a reload drops before their slice are left out, hosts it
 * adds come at the end.
 *
 * The road not taken: per-host dirty tracking with a file per host would
 * write less, but a state file is one rename from whole to whole, and
 * the save's cost is the text (about 1 us a field), spread out here.
 */
#ifndef DROVER_CATALOG_SAVE_H
#define DROVER_CATALOG_SAVE_H

#include <time.h>
#include <uv.h>

#include "catalog/catalog.h"

/* Bytes of text per slice: about 420 fields, 0.4 ms of the loop. */
#define CATALOG_SAVE_SLICE (64u << 10)

/* A save's end, on the loop: err 0 when the file is in place, else the
 * errno of the step that failed (the temporary file is removed, the old
 * file untouched). */
typedef void catalog_save_done_fn(void *arg, int err);

/*
 * Starts saving cat into path (path.tmp, then renamed) on loop, with
 * saved the epoch written into it; the first slice is made now.  cat must
 * outlive the save; done(arg, err) is called once when it ends, and the
 * save frees itself.  0, or -1 with errno when it cannot start (done is
 * then not called).  Loop thread.
 */
int catalog_save_start(uv_loop_t *loop, const struct catalog *cat,
    const char *path, time_t saved, catalog_save_done_fn *done, void *arg);

/*
 * The same on the calling thread, blocking (the stop's last save, when
 * the loop has run dry): one slice at a time too.  0 / -1 (errno set).
 */
int catalog_save_sync(
    const struct catalog *cat, const char *path, time_t saved);

#endif
