/*
 * host_xenstat_none: the libxenstat backend of a build without
 * libxenstat (plugins/host_xenstat.h): none, so the xen probe runs
 * xentop.
 */
#include <errno.h>

#include "plugins/host_xenstat.h"

bool
xenstat_available(void)
{
	return false;
}

int
xenstat_read(struct xen_dom **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	errno = ENOTSUP;
	return -1;
}
