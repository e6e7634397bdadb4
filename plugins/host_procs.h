/*
 * host_procs: the probes open_files, open_inodes, processes, threads,
 * proc_pri and users (plugins/host.h), standing in for Munin's core
 * plugins of those names, and the pure parsers they are made of.
 *
 * The parsers read a buffer that need not be NUL-terminated and never
 * read past len.  Those that add a service to b add it with has_config
 * set and a value for every field the plugin's fetch prints; on -1 the
 * input was not understood and b is unchanged, except after an
 * allocation failure (errno ENOMEM), which may leave a partial service.
 */
#ifndef DROVER_HOST_PROCS_H
#define DROVER_HOST_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "plugins/sample.h"

/* /proc/sys/fs/file-nr ("allocated free max") -> "open_files": used is
 * allocated - free; warning and critical are 92% and 98% of max. */
int procs_parse_file_nr(const char *buf, size_t len, struct batch *b);
/* /proc/sys/fs/inode-nr or inode-state (their first two numbers: inodes,
 * free inodes) -> "open_inodes": used and max. */
int procs_parse_inode_nr(const char *buf, size_t len, struct batch *b);

/* What one /proc/PID/stat line says. */
struct procs_stat {
	char state;   /* 'R', 'S', 'D', 'Z', 'T', 't', 'I', ... */
	long nice;    /* -20 .. 19 */
	long threads; /* num_threads, >= 1 */
	bool kthread; /* PF_KTHREAD in flags: no memory to lock */
};
/* Parses a /proc/PID/stat line, the comm field found between the first
 * '(' and the LAST ')' (comm may hold blanks and parentheses).  0, or
 * -1 when it has fewer than 20 fields or a field is not a number. */
int procs_parse_stat(const char *buf, size_t len, struct procs_stat *out);
/* The VmLck line of a /proc/PID/status, in kB; 0 when there is none (a
 * kernel thread, a zombie).  0, or -1 when the line is not a number. */
int procs_parse_vmlck(const char *buf, size_t len, uint64_t *kb);

/* What one scan of the processes under a proc root found. */
struct procs_counts {
	uint64_t processes;  /* /proc/PID directories read */
	uint64_t state[128]; /* by state character (ASCII) */
	uint64_t threads;    /* sum of num_threads */
	uint64_t high, low;  /* nice < 0, nice > 0 */
	uint64_t locked;     /* VmLck > 0 (when with_locked) */
	uint64_t bad;	     /* entries not understood, skipped */
};
/* Scans the numeric directories of root (a proc root) into c, reading
 * each PID's stat and, when with_locked, the status of every process
 * that is not a kernel thread.  Processes that vanish mid-scan are
 * skipped.  0, or -1 with errno when root cannot be read. */
int procs_scan(const char *root, bool with_locked, struct procs_counts *c);
/* "processes", "threads" and "proc_pri" from c.  0 / -1 (ENOMEM). */
int procs_add_processes(const struct procs_counts *c, struct batch *b);
int procs_add_threads(const struct procs_counts *c, struct batch *b);
int procs_add_proc_pri(const struct procs_counts *c, struct batch *b);

/* True when the process pid no longer exists (arg: the caller's). */
typedef bool (*procs_gone_fn)(pid_t pid, void *arg);
/* A utmp file (records of glibc's struct utmp) -> "users": the user
 * processes, counted by their line as the plugin counts who's output;
 * those whose pid is gone (as gone says; NULL: none) are left out, as
 * who leaves them out of the system's utmp.  A partial record at the end
 * is ignored, as glibc ignores it.  0 / -1 (ENOMEM). */
int procs_parse_utmp(const char *buf, size_t len, procs_gone_fn gone, void *arg,
    struct batch *b);

#endif
