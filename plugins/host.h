/*
 * host: the C sources of one machine ("probes"), read from /proc and /sys
 * with no exec, each showing what one of Munin's core plugins shows, with
 * the plugin's service, field and attribute names so that graphs and RRD
 * history carry over when a host switches from munin-node.
 *
 * A probe is a const table entry (plugins/host_probes.c) with a collect
 * function that adds its services to a batch: has_config set, the
 * plugin's config attributes, and a value for every field the plugin's
 * fetch would print.  Two kinds:
 *   - plain: every service it adds is a plugin of that name ("load", or
 *     one per interface for the wildcard "if_": "if_eth0", "if_eth1");
 *   - multigraph: everything it adds is one plugin called the probe's
 *     name, whose services are Munin multigraph sections ("diskstats"
 *     adds "diskstats_latency", "diskstats_latency.sda", ...).
 * Probes that compute rates from the previous reading (as Munin's
 * diskstats does with its state file) keep that reading in *state, which
 * the caller owns: NULL before the first call, freed with state_free.
 *
 * Parsers are pure functions over a buffer, tested on captured fixtures;
 * collect only reads files below the roots and calls them.  A missing or
 * unreadable file means missing services or fields, never a crash: such a
 * probe adds what it can and returns 0; -1 only when something present
 * was not understood or on allocation failure (logged either way).
 */
#ifndef DROVER_HOST_H
#define DROVER_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "plugins/sample.h"

struct host_cmd_runner;

/* Default of probe_command_timeout: how long a probe's command may run. */
#define HOST_COMMAND_TIMEOUT_MS 10000u

/* Where the machine's files are: "/proc" and "/sys" in production,
 * fixture trees in tests (the procfs_root and sysfs_root keys), and what
 * the probes that run commands off the loop run (host_probe.refresh).
 * Initialise with designated initialisers: members are added. */
struct host_roots {
	const char *proc;
	const char *sys;
	const char *utmp;   /* the utmp file (utmp_file); NULL: _PATH_UTMP */
	const char *cgroup; /* the cgroup mount (cgroup_root); NULL:
			       /sys/fs/cgroup */
	const char *lvs_command;     /* lvs_command; NULL: "lvs" (PATH) */
	const char *lvm_archive_dir; /* lvm_archive_dir; NULL:
					/etc/lvm/archive */
	const char *lvm_backup_dir;  /* lvm_backup_dir; NULL: /etc/lvm/backup */
	const char *xl_command;	     /* xl_command; NULL: "xl" (PATH) */
	const char *xentop_command;  /* xentop_command; NULL: "xentop" */
	unsigned command_timeout_ms; /* probe_command_timeout; 0:
					HOST_COMMAND_TIMEOUT_MS */
	/* the pcap probe (plugins/host_pcap.h): interface names separated
	 * by blanks (NULL or none: no capture), the BPF filter (NULL: every
	 * frame), bytes per frame (0: PCAP_SNAPLEN_DEFAULT) */
	const char *pcap_interfaces;
	const char *pcap_filter;
	/* the pcap_name lines, "MAC NAME\n" each (MAC as "52:54:00:ab:cd:ef",
	 * NAME without blanks); NULL: none */
	const char *pcap_names;
	unsigned pcap_snaplen;
	bool pcap_promisc;	   /* pcap_promisc */
	bool pcap_ignore_outgoing; /* pcap_ignore_outgoing */
	/* where commands run: NULL, from this process (plugins/host_cmd);
	 * the daemons, which drop root, pass their privileged runner's */
	const struct host_cmd_runner *runner;
};

/* Arguments of one probe command, its NULL included. */
#define HOST_ARGV_MAX 16

/* A probe's refresh has ended (however it ended). */
typedef void (*host_refresh_cb)(void *arg);

struct host_probe {
	const char *name; /* Munin plugin name; for a wildcard plugin its
			     prefix ("if_"), see wildcard */
	bool wildcard;	  /* adds services named name + instance */
	bool multigraph;  /* all it adds is one plugin, name */
	int (*collect)(
	    const struct host_roots *r, void **state, struct batch *b);
	void (*state_free)(void *state); /* NULL: no state */
	/*
	 * NULL, or the work collect must not do on the loop (running lvs or
	 * xentop, counting a directory of 300,000 files): started on loop
	 * by a caller that can wait for it (plugins/host_refresh), before a
	 * collect.  It leaves its result in *state (allocated when NULL) for
	 * the collects that follow, and calls done(arg) exactly once, from
	 * the loop and never from within refresh, when it has ended however
	 * it ended: a command that failed or timed out is logged, and collect
	 * shows what it lacks (U values, a status field), never a hang.  r is
	 * read during the call only.  Returns 0, or -1 when nothing was
	 * started (logged; done is not called).  At most one refresh runs
	 * per state.  collect never waits for one: it reads the last result
	 * (nothing before the first; what needs no command it reads itself).
	 */
	int (*refresh)(uv_loop_t *loop, const struct host_roots *r,
	    void **state, host_refresh_cb done, void *arg);
	/* Withdraws the refresh running in state: done is not called, the
	 * last result stays.  state_free cancels one still running too.
	 * NULL when refresh is. */
	void (*refresh_cancel)(void *state);
	/*
	 * NULL, or every command refresh may run for r, each a
	 * NULL-terminated argv into out[i] (pointers to static strings or
	 * r's), at most max of them; returns how many.  refresh runs these
	 * and only these, exactly: a daemon that drops root hands them to
	 * its privileged runner at start-up, which runs nothing else.
	 */
	size_t (*commands)(const struct host_roots *r,
	    const char *out[][HOST_ARGV_MAX], size_t max);
};

extern const struct host_probe *const host_probes[];
extern const size_t host_nprobes;

/* The probe that serves plugin name ("if_eth0" finds "if_"), or NULL. */
const struct host_probe *host_probe_find(const char *name);

/*
 * Every probe into b; states is an array of host_nprobes slots (zeroed
 * before the first call) kept by the caller between calls.  Returns 0, or
 * -1 when a probe failed (the others are still added).
 */
int host_collect(const struct host_roots *r, void **states, struct batch *b);
/* Frees what host_collect kept in states (the array itself is the
 * caller's). */
void host_states_free(void **states);

/* ---- helpers for probes ---------------------------------------------- */

/*
 * Reads root/rel (at most max bytes; a longer file is cut after its last
 * whole line, with a warning) into a new buffer (free(); NUL-terminated,
 * *len without the NUL).  Returns 0, or -1 with errno (ENOENT: missing).
 */
int host_read(
    const char *root, const char *rel, size_t max, char **buf, size_t *len);
/* The unsigned decimal integer in root/rel (a sysfs attribute, a
 * /proc/sys value: its first number).  0, or -1 with errno. */
int host_read_u64(const char *root, const char *rel, uint64_t *out);

/* Adds the pairs of kv (key, value) to a, stopping at n or a NULL key.
 * 0 / -1. */
int host_attrs_add(struct attrs *a, const char *const kv[][2], size_t n);
/* The service name in b with the graph attributes graph[n] and
 * has_config set; NULL on allocation failure. */
struct service *host_service_add(
    struct batch *b, const char *name, const char *const graph[][2], size_t n);
/* A graph as most probes declare one (every member set). */
struct host_graph {
	const char *name;
	const char *title;
	const char *vlabel;
	const char *args;
	const char *info;
};
/* The service g->name in b with graph_title, graph_category category,
 * graph_vlabel, graph_args and graph_info; NULL on allocation failure. */
struct service *host_graph_add(
    struct batch *b, const char *category, const struct host_graph *g);
/* Field name of s with attributes kv[n] and the value v (U when unknown).
 * NULL on allocation failure. */
struct field *host_field_add(struct service *s, const char *name,
    const char *const kv[][2], size_t n, double v, bool unknown);

/* The decimal digits at *p (at least one) into *out, advancing *p past
 * them.  False (nothing moved) on no digit or overflow. */
bool host_parse_u64(const char **p, const char *end, uint64_t *out);

/*
 * Reads rel below r->proc (at most max bytes, see host_read) and parses
 * it into b: 0; 1 when the file is missing (nothing added or logged: the
 * probe decides whether that is worth a word); -1 when it could not be
 * read or parse did not understand it (logged with "TAG: PATH").
 */
int host_probe_file(const struct host_roots *r, const char *tag,
    const char *rel, size_t max,
    int (*parse)(const char *buf, size_t len, struct batch *b),
    struct batch *b);

/* Line iteration over buf[0, end): the line at *p without its '\n';
 * advances *p past it.  False at end. */
bool host_line_next(
    const char **p, const char *end, const char **line, size_t *len);

#endif
