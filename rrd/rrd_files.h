/*
 * rrd_files: the RRD writer's table of the files it has written, keyed
 * by path (one owner thread; no locking).
 *
 * Memory is what it is for (issue 21: 51,000 files at 1000 guests): a
 * file's entry holds its name within its directory, not the whole path;
 * each directory (Munin's layout: one per group) is kept once and shared
 * by its files.  Entries are cut from 64 KiB blocks (no allocator header
 * each) and never freed one by one: the table only grows, as the set of
 * files a collector writes does, and rrd_files_free frees it all.
 * Lookup is a chained hash table doubled when it holds more entries than
 * buckets: O(1) expected, O(n) once per doubling.
 */
#ifndef DROVER_RRD_FILES_H
#define DROVER_RRD_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct rrd_files;
struct rrd_fdir;

/* One file's state, as its writer keeps it; zero when first added. */
struct rrd_file {
	struct rrd_file *next;	    /* bucket chain (the table's) */
	const struct rrd_fdir *dir; /* its directory (the table's) */
	time_t last;		    /* epoch s of the last update (or create
				       start) */
	uint64_t limits;	    /* the writer's hash of the DS min/max the
				       file has */
	bool known;		    /* last and limits reflect the file */
	bool ours;		    /* last is an update this writer made */
	char name[];		    /* the path after its directory */
};

/* An empty table; NULL when out of memory. */
struct rrd_files *rrd_files_new(void);
void rrd_files_free(struct rrd_files *t);

/* The entry of path, added (zeroed) when missing; NULL when out of
 * memory.  The entry stays valid until rrd_files_free. */
struct rrd_file *rrd_files_get(struct rrd_files *t, const char *path);

/* Entries in the table. */
size_t rrd_files_count(const struct rrd_files *t);

/* The entry after f (the first when f is NULL), in no set order; NULL
 * at the end.  Entries added while iterating may be skipped or seen. */
struct rrd_file *rrd_files_next(
    const struct rrd_files *t, const struct rrd_file *f);

/* f's whole path written into buf of size bytes: its length, or -1
 * with errno ENAMETOOLONG when it does not fit (buf then holds "").
 * A buffer of PATH_MAX bytes holds any path rrd_files_get was given
 * that the system could open. */
int rrd_files_path(const struct rrd_file *f, char *buf, size_t size);

#endif
