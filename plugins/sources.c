/*
 * sources: the table.  The one place a source's availability may depend
 * on the build (#ifdef HAVE_...); today every source is always built.
 */
#include "config.h"

#include "plugins/bmc.h"
#include "plugins/munin_client.h"
#include "plugins/node.h"
#include "plugins/nut.h"
#include "plugins/sources.h"
#include "plugins/vedirect.h"

const struct source *const sources[] = {
    &source_ipmi,
    &source_munin,
    &source_node,
    &source_nut,
    &source_vedirect,
};

const size_t nsources = sizeof(sources) / sizeof(sources[0]);
