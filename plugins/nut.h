/*
 * nut: the NUT source: the UPSes (or battery monitors) a host's upsd
 * serves, as one pollable target HOST/nut.
 *
 * A poll reads every UPS of the host (plugins/nut_read.c: one upsd
 * session and one LIST VAR each) in a job on libuv's thread pool, since
 * libupsclient blocks.  A hard deadline timer on the loop ends the poll
 * when the job is late: the caller gets a timeout at once and the late
 * result is dropped; until that job has returned the target counts as
 * busy and a poll is refused.  The library's connect and read timeouts
 * are set below the deadline, so a dead upsd normally ends the job
 * first.  A change of a UPS's ups.status is logged at info level.
 * Loop thread only (except the job's work function).
 */
#ifndef DROVER_NUT_H
#define DROVER_NUT_H

#include <stdbool.h>
#include <stddef.h>

#include "plugins/nut_read.h"
#include "plugins/source.h"

/*
 * A host's UPSes: the nut source's settings (keys nut, repeatable,
 * nut_user, nut_password_file, nut_interval, nut_timeout).
 */
struct nut_settings {
	struct nut_ups *ups; /* in config order */
	size_t nups;
	char *user;	     /* NULL: no login */
	char *password_file; /* where the password came from */
	char *password;	     /* its first line; never printed */
	unsigned interval;   /* seconds; 0: the host's interval */
	unsigned timeout;    /* seconds, hard deadline; 0: default */
};

/* Default deadline in seconds when nut_timeout is not set (or the
 * interval when that is shorter). */
#define NUT_DEFAULT_TIMEOUT 10

/* The nut source (plugins/sources.c): target HOST/nut, a sub-state. */
extern const struct source source_nut;

/* A host's NUT interval and deadline, seconds. */
unsigned nut_interval(const struct source_host *h);
unsigned nut_timeout(const struct source_host *h);

#endif
