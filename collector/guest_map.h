/*
 * guest_map: which hypervisor each guest runs on, learned from the
 * hypervisors' own polls, and which host section is which guest.
 *
 * A hypervisor's agent reports its guests as the fields of a "vm_state"
 * service (drover's vm probe, plugins/host_vm.h) or a "xen_state" one
 * (the xen probe): one field per guest, its label the guest's name (its
 * field name when the config carried no label yet), value 1 running
 * there, 0 stopped.  Each hypervisor's set of running guests is the one
 * its last learned poll reported: a guest it no longer reports, or
 * reports 0, leaves it; one it reports U (its xentop timed out) keeps
 * its state there, so a hypervisor's failed reading moves no guest.
 *
 * Migration in flight: a guest two hypervisors report running at once
 * belongs to the one that began reporting it most recently (the
 * destination of a live migration starts it last), and stays there while
 * that one keeps reporting it; when it stops, the guest falls back to the
 * other.  A later poll of the source that still reports it does not take
 * it back, so a guest never flaps between two hypervisors poll by poll.
 *
 * A host section matches a guest (guest_map_match) by, in order: its
 * vm_name key (alone: set, nothing else is tried), its name, its short
 * name (up to the first '.'), its address, and the address's short name
 * when the address is a name and not an IP literal.  Names compare
 * case-insensitively, as hostnames do; a guest reported without a label
 * is compared by field name, against the candidate's clean_fieldname.
 * A host is never its own guest.  Deciding whether a match moves the
 * host (a hand-set physical never moves) is the caller's.
 *
 * Pure (no I/O, no clock): time is the order of guest_map_learn calls.
 * Each report rebuilds an index of the running guests (O(G log G), G
 * guests in all); a match is O(log G) per candidate name (2000 hosts
 * against 2000 guests: 1.1 ms).
 */
#ifndef DROVER_GUEST_MAP_H
#define DROVER_GUEST_MAP_H

#include <stdbool.h>
#include <stddef.h>

#include "plugins/sample.h"

struct guest_map;

/* What a host section offers to be matched by (each may be NULL). */
struct guest_ident {
	const char *name;    /* the section's host name */
	const char *vm_name; /* its vm_name key */
	const char *address; /* its munin-node address */
};

struct guest_map *guest_map_new(void);
void guest_map_free(struct guest_map *m);

/*
 * Learns hypervisor hyp's report from its poll's batch b: the guests of
 * its vm_state and xen_state services (a batch without them reports no
 * guests).  Only batches of complete, successful polls should be given.
 * Returns true when the set of guests running on hyp changed; on
 * allocation failure the old report is kept and false returned.
 */
bool guest_map_learn(
    struct guest_map *m, const char *hyp, const struct batch *b);

/* Forgets hyp's report (the host left the config).  True if it had one. */
bool guest_map_forget(struct guest_map *m, const char *hyp);

/* The i-th hypervisor with a report, or NULL past the end. */
const char *guest_map_hypervisor(const struct guest_map *m, size_t i);

/*
 * The hypervisor the guest id matches runs on now, or NULL.  *field (may
 * be NULL) is then the guest's field name there, valid until the next
 * learn or forget.
 */
const char *guest_map_match(const struct guest_map *m,
    const struct guest_ident *id, const char **field);

#endif
