/*
 * vedirect: the VE.Direct source, Victron charge controllers and battery
 * monitors on serial ports (host keys vedirect PATH, repeatable;
 * vedirect_name, vedirect_baud, vedirect_nominal).
 *
 * Each port is opened non-blocking and read on the loop all the time
 * (uv_poll); the latest good block of each label is kept, and a poll
 * (target HOST/vedirect) hands out those younger than VEDIRECT_STALE_MS as
 * the bank schema's service bank_ID plus the link's counters in
 * vedirect_ID.  A port that fails or vanishes is closed and reopened with
 * backoff, so a replugged adapter comes back without a restart.
 */
#ifndef DROVER_VEDIRECT_H
#define DROVER_VEDIRECT_H

#include "plugins/source.h"

#define VEDIRECT_STALE_MS 5000 /* a value older than this is no value */

extern const struct source source_vedirect;

#endif
