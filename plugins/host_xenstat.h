/*
 * host_xenstat: the xen probe's libxenstat backend (plugins/host_xen.h).
 * Built from host_xenstat.c when ./configure found libxenstat (Debian
 * libxen-dev; --with-xenstat insists, --without-xenstat skips it), else
 * from host_xenstat_none.c, which has none: the probe then runs xentop.
 */
#ifndef DROVER_HOST_XENSTAT_H
#define DROVER_HOST_XENSTAT_H

#include <stdbool.h>
#include <stddef.h>

#include "plugins/host_xen.h"

/* drover was built with libxenstat. */
bool xenstat_available(void);

/*
 * Every domain libxenstat sees (xenstat_get_node: hypercalls, xenstore,
 * /proc/net/dev and sysfs; it can block, so only from a worker thread:
 * it touches nothing but its own handle and *out) into a new array *out
 * of *n (free()), names and figures as xen_xentop_parse gives them.
 * 0, or -1 with errno (ENOTSUP without libxenstat; EIO when it could not
 * reach the hypervisor: not a dom0, or not root).
 */
int xenstat_read(struct xen_dom **out, size_t *n);

#endif
