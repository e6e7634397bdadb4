/*
 * shard: which physical hosts this collector polls when several share a
 * cluster ("shard I/N", or explicit "shard_physical NAME..." lists).
 *
 * A host belongs to the shard of its key: its configured "physical", else
 * its own name.  A physical host's key is its own name, so a hypervisor
 * and the guests configured with "physical HYPERVISOR" always land on one
 * collector and its physical_concurrency budget is never split.  Mappings
 * learned from a hypervisor's vm_state/xen_state reports never move a
 * host between collectors: ownership must not change with what a poll
 * sees (two collectors would poll a guest, or none, while a report is in
 * flight).  The price: a guest without "physical" is placed by its own
 * name and may sit on another collector than its hypervisor, which then
 * bounds its polls on its own budget; set "physical" to keep them
 * together.  The built-in local host (local_node) is always this
 * collector's own.
 *
 * The hash is FNV-1a 64 of the key's bytes (lib/hash.h); the key goes to
 * shard (hash mod N) + 1.  Pure and stable across runs, restarts and
 * machines, so every collector of a cluster computes the same split.
 */
#ifndef DROVER_SHARD_H
#define DROVER_SHARD_H

#include <stdbool.h>
#include <stdint.h>

#include "collector/conf.h"

/* FNV-1a 64 of key. */
uint64_t shard_hash(const char *key);
/* The shard (1..n) of key among n shards; n >= 1. */
unsigned shard_of(const char *key, unsigned n);
/* h's shard key: its configured physical, else its name. */
const char *shard_key(const struct conf_host *h);
/* Whether c's sharding is on (shard I/N with N > 1, or shard_physical). */
bool shard_enabled(const struct conf *c);
/* Whether this collector (c's shard keys) polls h. */
bool shard_owns(const struct conf *c, const struct conf_host *h);
/* Parses "I/N" (1 <= I <= N <= 1024) into *i, *n.  false on bad text. */
bool shard_parse(const char *s, unsigned *i, unsigned *n);
/* Prints each host of c with its key, hash, shard and owner ("self" or
 * "peer"), after a line naming c's shard (drover shard). */
void shard_print(const struct conf *c, FILE *out);

#endif
