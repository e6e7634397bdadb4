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

#include "collector/conf.h"
#include "plugins/ipmi.h"
#include "plugins/sample.h"

struct bmc;

enum bmc_status { BMC_OK, BMC_FAILED, BMC_TIMEOUT, BMC_CANCELLED };

struct bmc_result {
	enum bmc_status status;
	enum ipmi_err code;   /* why it failed (IPMI_E_OK on success) */
	char error[512];      /* "" on success */
	struct batch batch;   /* the callee may take it (then zero it) */
	uint64_t duration_ms; /* start to result (or to the deadline) */
};

/* Called once per bmc_poll() on the loop; res is valid during the call. */
typedef void (*bmc_done_cb)(void *arg, struct bmc_result *res);

/* Initialises libipmimonitoring once (later calls do nothing); bmc_poll()
 * calls it.  Loop thread (or before any worker runs).  0 / -1. */
int bmc_global_init(void);
/* A BMC target for host (the name is used in messages). */
struct bmc *bmc_new(uv_loop_t *loop, const char *host);
/* Frees b; a read still running is abandoned and cleaned up later. */
void bmc_free(struct bmc *b);
/*
 * Starts a read of hc's BMC with the deadline conf_host_ipmi_timeout().
 * Returns -1 (errno EBUSY) while a previous read, even an abandoned one,
 * still holds a session; -1 (errno other) when the SDR cache directory
 * cannot be made.
 */
int bmc_poll(struct bmc *b, const struct conf *c, const struct conf_host *hc,
    bmc_done_cb cb, void *arg);
/* Ends a running poll now (status BMC_CANCELLED), abandoning the read. */
void bmc_cancel(struct bmc *b);
/* Whether a worker still holds a session (a running or abandoned read). */
bool bmc_busy(const struct bmc *b);

/*
 * Fills conn for hc: address, credentials, protocol, timeouts derived from
 * the deadline, and the SDR cache directory DBDIR/ipmi-sdr/HOST (made
 * with mode 0700, written into cachedir).  Strings point into hc and
 * cachedir.  0 / -1 (errno).
 */
int bmc_conn(const struct conf *c, const struct conf_host *hc,
    struct ipmi_conn *conn, char *cachedir, size_t cachelen);

#endif
