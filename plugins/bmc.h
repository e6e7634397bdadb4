/*
 * bmc: one host's BMC as a pollable target on the loop.
 *
 * A read (plugins/ipmi.c) blocks, so it runs on libuv's thread pool
 * (uv_queue_work) with a job that owns copies of everything it reads.  A
 * hard deadline timer on the loop ends the poll when the read is late:
 * the caller gets a timeout at once and the late result, whenever the
 * worker returns, is dropped.  Until that worker has returned the BMC
 * counts as busy and bmc_poll() refuses, so one BMC never has two
 * sessions at once.  The library's own session timeout is set below the
 * deadline, so a dead BMC normally ends the read before the deadline.
 * Every ipmi_sel_interval a read also takes the discrete sensors and the
 * SEL (ipmi_discrete, ipmi_sel); reads between repeat their last values.
 * Loop thread only (except the job's work function).
 */
#ifndef DROVER_BMC_H
#define DROVER_BMC_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "plugins/ipmi.h"
#include "plugins/sample.h"
#include "plugins/source.h"

/*
 * A host's BMC: the ipmi source's settings (keys ipmi_address,
 * ipmi_user, ipmi_password_file, ipmi_protocol, ipmi_privilege,
 * ipmi_cipher_suite, ipmi_workarounds, ipmi_interval, ipmi_timeout,
 * ipmi_sel_interval and "ipmi local").  Read when address or local is
 * set; a host may have a BMC and no munin-node.
 */
struct bmc_settings {
	char *address;		       /* BMC address (LAN); NULL: none */
	unsigned port;		       /* UDP port, default 623 */
	bool local;		       /* "ipmi local": in-band, this machine */
	char *user;		       /* NULL: anonymous */
	char *password_file;	       /* where the password came from */
	char *password;		       /* its first line; never printed */
	unsigned protocol;	       /* 20 (LAN 2.0, default) or 15 */
	enum ipmi_privilege privilege; /* default user */
	int cipher_suite;	       /* -1: library default (3) */
	char *workarounds;	       /* FreeIPMI names, as given */
	unsigned workaround_flags;     /* the library flags */
	unsigned interval;	       /* seconds; 0: the host's interval */
	unsigned timeout;	       /* seconds, hard deadline; 0: default */
	/* seconds between full reads (discrete sensors and SEL); 0 with
	 * sel_interval_set: never */
	unsigned sel_interval;
	bool sel_interval_set; /* false: BMC_SEL_FACTOR x interval */
};

/* The default ipmi_sel_interval, in multiples of ipmi_interval. */
#define BMC_SEL_FACTOR 10
/* Default BMC deadline in seconds when ipmi_timeout is not set. */
#define BMC_DEFAULT_TIMEOUT 10

struct bmc;

/* The ipmi source (plugins/sources.c): target HOST/ipmi, a sub-state. */
extern const struct source source_ipmi;

/* Whether h (settings of the ipmi source) reads a BMC. */
bool bmc_wanted(const struct source_host *h);
/* A BMC's interval and deadline, seconds. */
unsigned bmc_interval(const struct source_host *h);
unsigned bmc_timeout(const struct source_host *h);
/* Seconds between a BMC's full reads (discrete sensors and SEL); 0: none.
 * A full read replaces a regular one, so it happens on the first regular
 * read at or after this long since the previous full one. */
unsigned bmc_sel_interval(const struct source_host *h);

/* Initialises libipmimonitoring once (later calls do nothing); bmc_poll()
 * calls it.  Loop thread (or before any worker runs).  0 / -1. */
int bmc_global_init(void);
/* A BMC target for host (the name is used in messages). */
struct bmc *bmc_new(uv_loop_t *loop, const char *host);
/* Frees b; a read still running is abandoned and cleaned up later. */
void bmc_free(struct bmc *b);
/*
 * Starts a read of h's BMC with the deadline bmc_timeout().  cb runs
 * once: with the result, or at once (SOURCE_FAILED) when the read cannot
 * start: while a previous read, even an abandoned one, still holds a
 * session, or when the SDR cache directory cannot be made.  Each sensor
 * whose state changed since this BMC's previous read (and a first
 * reading that is not OK) is logged at info level.
 */
void bmc_poll(
    struct bmc *b, const struct source_host *h, source_done_cb cb, void *arg);
/* Ends a running poll now (SOURCE_FAILED, "cancelled"), abandoning the
 * read. */
void bmc_cancel(struct bmc *b);
/* Whether a worker still holds a session (a running or abandoned read). */
bool bmc_busy(const struct bmc *b);

/*
 * Fills conn for h: address, credentials, protocol, timeouts derived from
 * the deadline, and the SDR cache directory DBDIR/ipmi-sdr/HOST (made
 * with mode 0700, written into cachedir).  Strings point into h's
 * settings and cachedir.  0 / -1 (errno).
 */
int bmc_conn(const struct source_host *h, struct ipmi_conn *conn,
    char *cachedir, size_t cachelen);

#endif
