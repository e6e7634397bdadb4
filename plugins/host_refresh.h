/*
 * host_refresh: the probes' refresh step (plugins/host.h, struct
 * host_probe.refresh) over the probe table, for the callers that wait
 * for it and then collect: the node source's poll (drover run), the
 * agent's probes (drover node), drover poll and the tests' node_dump.
 */
#ifndef DROVER_HOST_REFRESH_H
#define DROVER_HOST_REFRESH_H

#include <stddef.h>
#include <uv.h>

#include "plugins/host.h"

#define HOST_REFRESH_ALL ((size_t)-1)

struct host_refresh;

/*
 * Starts the refresh of every probe that has one (only: one probe's index
 * in host_probes, or HOST_REFRESH_ALL), with states[] as host_collect's
 * (host_nprobes slots).  r is read during the call only.  done(arg) once
 * all have ended, from the loop, never from within the call.  Returns the
 * handle (valid until done is called), or NULL when nothing was started
 * (no probe has a refresh, or none could start: done is not called).
 */
struct host_refresh *host_refresh_start(uv_loop_t *loop,
    const struct host_roots *r, void **states, size_t only,
    host_refresh_cb done, void *arg);
/* Withdraws every refresh still running; done is not called. */
void host_refresh_cancel(struct host_refresh *h);

/* The same on a private loop, blocking until all have ended (drover
 * poll, node_dump, benchmarks; never on a daemon's loop).  0 / -1. */
int host_refresh_run(const struct host_roots *r, void **states, size_t only);

/* For tests (tests/test_host_refresh.c): the same over probes[nprobes]
 * instead of host_probes, states having nprobes slots and only an index
 * into probes. */
struct host_refresh *host_refresh_start_probes(uv_loop_t *loop,
    const struct host_probe *const *probes, size_t nprobes,
    const struct host_roots *r, void **states, size_t only,
    host_refresh_cb done, void *arg);
int host_refresh_run_probes(const struct host_probe *const *probes,
    size_t nprobes, const struct host_roots *r, void **states, size_t only);

/*
 * A copy of r whose strings out owns (the runner pointer is shared), for
 * the callers that collect after a refresh has ended, when the r they
 * were given is gone.  0, or -1 (ENOMEM; out is then clean).  Free with
 * host_roots_cleanup.
 */
int host_roots_dup(struct host_roots *out, const struct host_roots *r);
void host_roots_cleanup(struct host_roots *r);

#endif
