/*
 * host_xen: the "xen" probe, the domains of the Xen hypervisor this
 * machine is dom0 of (Linux or NetBSD), read off the loop by its refresh:
 * through libxenstat when drover was built with it (./configure
 * --with-xenstat, plugins/host_xenstat.h), else from the output of
 * `xentop -b -i 1 -f` and `xl list -l` (the xentop_command and xl_command
 * keys) run through plugins/host_cmd with probe_command_timeout.
 *
 * One multigraph plugin "xen" with a service per metric and a field per
 * domain, as the qemu "vm" probe (plugins/host_vm.h) shows its guests:
 *   xen_cpu       CPU time, DERIVE in percent of one CPU (xentop's
 *                 CPU(sec), whole seconds; libxenstat's nanoseconds);
 *   xen_memory    bytes the domain holds (MEM(k));
 *   xen_vcpus     virtual CPUs (VCPUS);
 *   xen_net       bytes the domain received/sent per second, summed over
 *                 its vifs (dom0's vifD.N, NetBSD's xvifDiN, whose rx is
 *                 what the domain sent, so swapped): NAME_rx, NAME_tx;
 *   xen_disk      bytes read/written per second over its VBDs (sectors
 *                 of 512 bytes, VBD_RSECT/VBD_WSECT), NAME_read,
 *                 NAME_write;
 *   xen_disk_ops  read/write requests per second (VBD_RD/VBD_WR),
 *                 NAME_rdreq, NAME_wrreq;
 *   xen_state     1: the domain runs (xentop state r, b or none of the
 *                 flags: runnable), 0: paused (p), shut down (s), crashed
 *                 (c), dying (d) or gone; U when the last reading failed.
 * Domain-0 is in every graph but xen_state, which lists guests only: a
 * field of value 1 there names a guest running on this host.
 * Field names are the domain's name through Munin's clean_fieldname.
 *
 * What is not known is U, never 0: VBD fields xentop prints as "-" (every
 * VBD in error), the sector columns an older xentop lacks, and the
 * network and disk of a domain xentop counts no vif or VBD for while
 * `xl list -l` shows it has some (NetBSD's libxenstat reads neither).
 * `xl list -l` (JSON; the SXP of Xen 4.1's xl is not read) also gives the
 * full names when an old xentop without -f cut them to 10 characters.
 *
 * Domains seen stay in the probe's state like the vm probe's guests: a
 * domain that is gone keeps its fields with U and xen_state 0 for the
 * life of the process (sorted by field, at most XEN_DOMAINS_MAX, gone
 * ones dropped first).  Without xentop (not a dom0) nothing is shown and
 * one info line logged.
 */
#ifndef DROVER_HOST_XEN_H
#define DROVER_HOST_XEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plugins/host.h"
#include "plugins/sample.h"

#define XEN_NAME_MAX 128       /* bytes of a domain name with the NUL */
#define XEN_DOMAINS_MAX 256    /* domains kept in the state */
#define XEN_SECTOR 512u	       /* bytes of a blkback sector */
#define XEN_OUT_MAX (1u << 20) /* bytes of xentop or xl output read */

/* One domain's reading. */
struct xen_dom {
	char name[XEN_NAME_MAX];
	char field[XEN_NAME_MAX]; /* clean_fieldname(name), the key */
	int domid;		  /* -1: unknown */
	bool dom0;		  /* Domain-0 (domid 0) */
	bool present;		  /* in the last reading */
	bool known;		  /* the last reading succeeded */
	bool running;		  /* see xen_state */
	bool has_net, has_disk, has_sect;
	uint64_t cpu_cs; /* CPU time, 1/100 s */
	uint64_t mem;	 /* bytes */
	unsigned vcpus;
	unsigned nets, vbds;	   /* vifs and VBDs counted */
	uint64_t net_rx, net_tx;   /* bytes the domain received / sent */
	uint64_t rd_req, wr_req;   /* VBD requests */
	uint64_t rd_sect, wr_sect; /* VBD sectors */
};

/* What `xl list -l` says of a domain. */
struct xen_xl {
	char name[XEN_NAME_MAX];
	int domid; /* -1: null */
	unsigned nics, disks;
};

/* xentop state letters (d s b c p r, '-' for a flag not set): whether
 * the domain runs (see xen_state).  False on anything else. */
bool xen_state_parse(const char *s, size_t len, bool *running);

/*
 * The domain rows of `xentop -b` output (any version: with or without
 * its header line, 17 columns in an old xentop (Xen 3.x) without
 * VBD_RSECT/VBD_WSECT
 * or 19, "no limit"/"n/a" for MAXMEM, "-" for VBD figures, the -n -x -v
 * detail lines skipped; a domain seen twice keeps its last row) into a
 * new array *out of *n (free(); NULL when none).  0, or -1 with errno
 * EINVAL when a row is not understood or there is no row and no header
 * (not xentop output), ENOMEM.
 */
int xen_xentop_parse(
    const char *buf, size_t len, struct xen_dom **out, size_t *n);

/*
 * `xl list -l` output: the JSON array of {"domid", "config": {"c_info":
 * {"name"}, "nics": [...], "disks": [...]}} into a new array (free()).
 * 0, or -1 with errno ENOTSUP for SXP (Xen 4.1's xl), EINVAL for
 * anything else not understood, ENOMEM.
 */
int xen_xl_parse(const char *buf, size_t len, struct xen_xl **out, size_t *n);

/*
 * Completes doms[n] with xl[nxl] (either may be NULL/0): a name xentop
 * cut to 10 characters that one xl name starts with becomes that name;
 * domid; network and disk unknown when xentop counted no vif (VBD) and
 * xl lists some; dom0; the field names (made unique).
 */
void xen_doms_complete(
    struct xen_dom *doms, size_t n, const struct xen_xl *xl, size_t nxl);

/* The domains seen so far (the probe's state). */
struct xen_seen {
	struct xen_dom *v; /* sorted by field */
	size_t n;
	bool full_said; /* "too many domains" logged */
};

/*
 * Merges the reading now[n] into seen: each is replaced or added (a new
 * one while full first drops a gone domain, else is left out, logged);
 * every other seen domain is marked gone (state 0, figures U).  With
 * known false (the reading failed; now ignored) every domain is marked
 * unknown (figures and state U).  0 / -1 (ENOMEM, seen unchanged).
 */
int xen_seen_merge(
    struct xen_seen *seen, const struct xen_dom *now, size_t n, bool known);
void xen_seen_cleanup(struct xen_seen *seen);

/* The services of the domains seen into b (nothing without one).
 * 0 / -1 (ENOMEM). */
int xen_services(const struct xen_seen *seen, struct batch *b);

extern const struct host_probe probe_xen;

#endif
