/*
 * spool: a directory of small files that survive kill -9 and power loss.
 *
 * Each entry is one file written whole: to a temp name (".tmp-NAME"),
 * fsync'd, renamed over NAME, then the directory is fsync'd, so after a
 * crash NAME holds either the old content, the new content or does not
 * exist -- never a torn mix.  Removal unlinks and fsyncs the directory.
 * Leftover temp files (a crash between write and rename) are deleted by
 * spool_scan.  Calls block on disk; entries are small (a few KiB), so the
 * loop thread calls them directly.
 */
#ifndef DROVER_SPOOL_H
#define DROVER_SPOOL_H

#include <stddef.h>

/* Creates dir and its parents (mode 0700) if missing.  0 / -1 (errno). */
int spool_init(const char *dir);
/* Stores len bytes of buf as dir/name durably (see above).  name must be
 * one path component not starting with '.'.  0 / -1 (errno). */
int spool_put(const char *dir, const char *name, const void *buf, size_t len);
/* Removes dir/name durably; a missing file is success.  0 / -1 (errno). */
int spool_remove(const char *dir, const char *name);
/* Renames dir/name to dir/name.bad so that it is kept for a human but
 * never read again by spool_scan.  0 / -1 (errno). */
int spool_quarantine(const char *dir, const char *name);

/* Called with each entry's name and content (NUL-terminated; valid only
 * during the call). */
typedef void (*spool_cb)(
    const char *name, const char *buf, size_t len, void *arg);
/*
 * Calls cb for every regular file in dir whose name ends in suffix, in
 * name order, after deleting leftover temp files.  Unreadable entries are
 * logged and skipped.  Returns the number of entries passed to cb, or -1
 * (errno) when dir cannot be read.
 */
int spool_scan(const char *dir, const char *suffix, spool_cb cb, void *arg);

#endif
