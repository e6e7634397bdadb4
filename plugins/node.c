/*
 * node: cpu, load and memory of this machine, as Munin's plugins show them.
 *
 * The attribute texts below are Munin's, byte for byte (including the
 * double space in slab.info): a graph made from drover's RRD files must
 * be indistinguishable from one made by munin-node.  Where the plugins
 * print a trailing blank (graph_order) drover does not; Munin's master
 * strips it too.
 *
 * Not reproduced: the plugins' environment (HZ, scaleto100, ignore_fields,
 * thresholds), the 2.4-kernel /proc/slabinfo fallback for "slab", and the
 * KSM field "ksm_sharing", which the memory plugin reads from /sys.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "plugins/host_probes.h"
#include "plugins/host_refresh.h"
#include "plugins/node.h"

/* A field and its config attributes; need and src depend on the service. */
#define FIELD_ATTRS 5
struct field_def {
	const char *name;
	int need; /* cpu: columns the "cpu" line must have; memory: the
		     meminfo key that must exist, or MEM_ALWAYS */
	int src;  /* cpu: column of the "cpu" line; memory: the key copied,
		     or a MEM_CALC_* */
	const char *attrs[FIELD_ATTRS][2]; /* key, value; NULL ends early */
};

/* Field d of s with its attributes and value. 0 / -1. */
static int
field_add(struct service *s, const struct field_def *d, double value)
{
	return host_field_add(
		   s, d->name, d->attrs, FIELD_ATTRS, value, false) == NULL
		   ? -1
		   : 0;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ---- cpu ---------------------------------------------------------------- */

/*
 * Columns of the "cpu" line in /proc/stat, in jiffies of USER_HZ, which
 * Linux fixes at 100 for /proc: the plugin's default HZ=100 makes its
 * value*100/HZ the column itself.
 */
#define CPU_COLS_MIN 4	 /* user nice system idle */
#define CPU_COLS_EXT 7	 /* + iowait irq softirq (2.6) */
#define CPU_COLS_STEAL 8 /* + steal (2.6.11) */
#define CPU_COLS_GUEST 9 /* + guest (2.6.24); later columns are not shown */

#define CPU_FIELD(n, col, need, draw, info)                                    \
	{                                                                      \
		n, need, col,                                                  \
		{                                                              \
			{"label", n}, {"draw", draw}, {"min", "0"},            \
			    {"type", "DERIVE"}, {"info", info},                \
		}                                                              \
	}

/* In the order the plugin's config prints them. */
static const struct field_def cpu_fields[] = {
    CPU_FIELD("system", 2, CPU_COLS_MIN, "AREA",
	"CPU time spent by the kernel in system activities"),
    CPU_FIELD("user", 0, CPU_COLS_MIN, "STACK",
	"CPU time spent by normal programs and daemons"),
    CPU_FIELD("nice", 1, CPU_COLS_MIN, "STACK",
	"CPU time spent by nice(1)d programs"),
    CPU_FIELD("idle", 3, CPU_COLS_MIN, "STACK", "Idle CPU time"),
    CPU_FIELD("iowait", 4, CPU_COLS_EXT, "STACK",
	"CPU time spent waiting for I/O operations to finish when there "
	"is nothing else to do."),
    CPU_FIELD(
	"irq", 5, CPU_COLS_EXT, "STACK", "CPU time spent handling interrupts"),
    CPU_FIELD("softirq", 6, CPU_COLS_EXT, "STACK",
	"CPU time spent handling \"batched\" interrupts"),
    CPU_FIELD("steal", 7, CPU_COLS_STEAL, "STACK",
	"The time that a virtual CPU had runnable tasks, but the virtual "
	"CPU itself was not running"),
    CPU_FIELD("guest", 8, CPU_COLS_GUEST, "STACK",
	"The time spent running a virtual CPU for guest operating systems "
	"under the control of the Linux kernel."),
};

/*
 * The numbers after "cpu" in line (which starts with "cpu "), at most
 * CPU_COLS_GUEST of them, counted like the plugin's grep: a run of digits
 * separated by blanks; a token that merely starts with digits ends the
 * run.  Returns how many, or -1 on overflow.
 */
static int
cpu_columns(const char *line, size_t len, uint64_t cols[CPU_COLS_GUEST])
{
	const char *p = line + 3, *end = line + len;
	int n = 0;

	while (n < CPU_COLS_GUEST) {
		if (p >= end || *p != ' ')
			break;
		while (p < end && *p == ' ')
			p++;
		if (p >= end || !is_digit(*p))
			break;
		if (!host_parse_u64(&p, end, &cols[n]))
			return -1;
		n++;
	}
	return n;
}

int
node_parse_stat(const char *buf, size_t len, struct batch *b)
{
	const char *p = buf, *end = buf + len, *line, *q;
	uint64_t cols[CPU_COLS_GUEST];
	size_t linelen, i, ncpu = 0;
	char order[64], args[96];
	struct service *s;
	int ncols = -1;

	while (host_line_next(&p, end, &line, &linelen)) {
		if (linelen < 4 || memcmp(line, "cpu", 3) != 0)
			continue;
		if (line[3] == ' ') {
			if (ncols == -1) {
				ncols = cpu_columns(line, linelen, cols);
				if (ncols == -1)
					return -1;
			}
			continue;
		}
		/* "cpuN " counts a CPU, as grep -E '^cpu[0-9]+ ' */
		for (q = line + 3; q < line + linelen && is_digit(*q); q++)
			;
		if (q > line + 3 && q < line + linelen && *q == ' ')
			ncpu++;
	}
	if (ncols < CPU_COLS_MIN)
		return -1;

	snprintf(order, sizeof(order), "system user nice idle%s",
	    ncols >= CPU_COLS_EXT ? " iowait irq softirq" : "");
	snprintf(args, sizeof(args),
	    "--base 1000 -r --lower-limit 0 --upper-limit %zu", ncpu * 100);
	const char *const graph[][2] = {
	    {"graph_title", "CPU usage"},
	    {"graph_order", order},
	    {"graph_args", args},
	    {"graph_vlabel", "%"},
	    {"graph_scale", "no"},
	    {"graph_info", "This graph shows how CPU time is spent."},
	    {"graph_category", "system"},
	    {"graph_period", "second"},
	};
	s = host_service_add(b, "cpu", graph, sizeof(graph) / sizeof(graph[0]));
	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(cpu_fields) / sizeof(cpu_fields[0]); i++) {
		const struct field_def *d = &cpu_fields[i];

		if (ncols < d->need)
			continue;
		if (field_add(s, d, (double)cols[d->src]) == -1)
			return -1;
	}
	return 0;
}

/* ---- load --------------------------------------------------------------- */

static const struct field_def load_field = {
    "load",
    0,
    1,
    {
	{"label", "load"},
	{"info", "5 minute load average"},
    },
};

/*
 * The plugin prints field 2 of `cut -d' '`, the 5-minute average, as the
 * kernel wrote it; drover requires it to be a decimal number.
 */
int
node_parse_loadavg(const char *buf, size_t len, struct batch *b)
{
	const char *p = buf, *end, *f;
	char num[32], *ep;
	struct service *s;
	size_t flen;
	double v;

	end = memchr(buf, '\n', len);
	if (end == NULL)
		end = buf + len;
	p = memchr(buf, ' ', (size_t)(end - buf));
	if (p == NULL)
		return -1;
	f = p + 1;
	p = memchr(f, ' ', (size_t)(end - f));
	flen = (size_t)((p != NULL ? p : end) - f);
	if (flen == 0 || flen >= sizeof(num) || !is_digit(f[0]) ||
	    !is_digit(f[flen - 1]))
		return -1;
	memcpy(num, f, flen);
	num[flen] = '\0';
	if (strspn(num, "0123456789.") != flen)
		return -1;
	errno = 0;
	v = strtod(num, &ep);
	if (*ep != '\0' || errno != 0)
		return -1;

	static const char *const graph[][2] = {
	    {"graph_title", "Load average"},
	    {"graph_args", "--base 1000 -l 0"},
	    {"graph_vlabel", "load"},
	    {"graph_scale", "no"},
	    {"graph_category", "system"},
	    {"graph_info", "The load average of the machine describes how many "
			   "processes are in the run-queue (scheduled to run "
			   "\"immediately\")."},
	};
	s = host_service_add(
	    b, "load", graph, sizeof(graph) / sizeof(graph[0]));
	if (s == NULL)
		return -1;
	return field_add(s, &load_field, v);
}

/* ---- memory ------------------------------------------------------------- */

/* The meminfo lines the plugin uses. */
enum mem_key {
	MEM_ACTIVE,
	MEM_ACTIVEANON,
	MEM_ACTIVECACHE,
	MEM_BUFFERS,
	MEM_CACHED,
	MEM_COMMITTED_AS,
	MEM_INACT_CLEAN,
	MEM_INACT_DIRTY,
	MEM_INACT_LAUNDRY,
	MEM_INACTIVE,
	MEM_MAPPED,
	MEM_MEMFREE,
	MEM_MEMTOTAL,
	MEM_PAGETABLES,
	MEM_PERCPU,
	MEM_SHMEM,
	MEM_SLAB,
	MEM_SWAPCACHED,
	MEM_SWAPFREE,
	MEM_SWAPTOTAL,
	MEM_VMALLOCUSED,
	MEM_NKEYS
};

/* Indexed by enum mem_key; spelt as in /proc/meminfo. */
static const char *const mem_key_names[MEM_NKEYS] = {
    "Active",
    "ActiveAnon",
    "ActiveCache",
    "Buffers",
    "Cached",
    "Committed_AS",
    "Inact_clean",
    "Inact_dirty",
    "Inact_laundry",
    "Inactive",
    "Mapped",
    "MemFree",
    "MemTotal",
    "PageTables",
    "Percpu",
    "Shmem",
    "Slab",
    "SwapCached",
    "SwapFree",
    "SwapTotal",
    "VmallocUsed",
};

#define MEM_ALWAYS (-1)	   /* field_def.need: shown on every kernel */
#define MEM_CALC_APPS (-1) /* field_def.src: computed values */
#define MEM_CALC_CACHED (-2)
#define MEM_CALC_SWAP (-3)

/* In the order the plugin's config prints them. */
static const struct field_def mem_fields[] = {
    {"apps", MEM_ALWAYS, MEM_CALC_APPS,
	{{"label", "apps"}, {"draw", "AREA"},
	    {"info", "Memory used by user-space applications."},
	    {"colour", "COLOUR0"}}},
    {"buffers", MEM_ALWAYS, MEM_BUFFERS,
	{{"label", "buffers"}, {"draw", "STACK"},
	    {"info", "Block device (e.g. harddisk) cache. Also where "
		     "\"dirty\" blocks are stored until written."},
	    {"colour", "COLOUR5"}}},
    {"swap", MEM_ALWAYS, MEM_CALC_SWAP,
	{{"label", "swap"}, {"draw", "STACK"}, {"info", "Swap space used."},
	    {"colour", "COLOUR7"}}},
    {"cached", MEM_ALWAYS, MEM_CALC_CACHED,
	{{"label", "cache"}, {"draw", "STACK"},
	    {"info", "Parked file data (file content) cache."},
	    {"colour", "COLOUR4"}}},
    {"free", MEM_ALWAYS, MEM_MEMFREE,
	{{"label", "unused"}, {"draw", "STACK"},
	    {"info", "Wasted memory. Memory that is not used for "
		     "anything at all."},
	    {"colour", "COLOUR6"}}},
    {"shmem", MEM_SHMEM, MEM_SHMEM,
	{{"label", "shmem"}, {"draw", "STACK"},
	    {"info", "Shared Memory (SYSV SHM segments, tmpfs)."},
	    {"colour", "COLOUR9"}}},
    {"slab", MEM_SLAB, MEM_SLAB,
	{{"label", "slab_cache"}, {"draw", "STACK"},
	    {"info", "Memory used by the kernel (major users  are caches "
		     "like inode, dentry, etc)."},
	    {"colour", "COLOUR3"}}},
    {"swap_cache", MEM_SWAPCACHED, MEM_SWAPCACHED,
	{{"label", "swap_cache"}, {"draw", "STACK"},
	    {"info", "A piece of memory that keeps track of pages that "
		     "have been fetched from swap but not yet been "
		     "modified."},
	    {"colour", "COLOUR2"}}},
    {"page_tables", MEM_PAGETABLES, MEM_PAGETABLES,
	{{"label", "page_tables"}, {"draw", "STACK"},
	    {"info", "Memory used to map between virtual and physical "
		     "memory addresses."},
	    {"colour", "COLOUR1"}}},
    {"per_cpu", MEM_PERCPU, MEM_PERCPU,
	{{"label", "per_cpu"}, {"draw", "STACK"},
	    {"info", "Per CPU allocations"}, {"colour", "COLOUR20"}}},
    {"vmalloc_used", MEM_VMALLOCUSED, MEM_VMALLOCUSED,
	{{"label", "vmalloc_used"}, {"draw", "LINE2"},
	    {"info", "'VMalloc' (kernel) memory used"}, {"colour", "COLOUR8"}}},
    {"committed", MEM_COMMITTED_AS, MEM_COMMITTED_AS,
	{{"label", "committed"}, {"draw", "LINE2"},
	    {"info", "The amount of memory allocated to programs. "
		     "Overcommitting is normal, but may indicate memory "
		     "leaks."},
	    {"colour", "COLOUR10"}}},
    {"mapped", MEM_MAPPED, MEM_MAPPED,
	{{"label", "mapped"}, {"draw", "LINE2"},
	    {"info", "All mmap()ed pages."}, {"colour", "COLOUR11"}}},
    {"active", MEM_ACTIVE, MEM_ACTIVE,
	{{"label", "active"}, {"draw", "LINE2"},
	    {"info", "Memory recently used. Not reclaimed unless "
		     "absolutely necessary."},
	    {"colour", "COLOUR12"}}},
    {"active_anon", MEM_ACTIVEANON, MEM_ACTIVEANON,
	{{"label", "active_anon"}, {"draw", "LINE1"}, {"colour", "COLOUR13"}}},
    {"active_cache", MEM_ACTIVECACHE, MEM_ACTIVECACHE,
	{{"label", "active_cache"}, {"draw", "LINE1"}, {"colour", "COLOUR14"}}},
    {"inactive", MEM_INACTIVE, MEM_INACTIVE,
	{{"label", "inactive"}, {"draw", "LINE2"},
	    {"info", "Memory not currently used."}, {"colour", "COLOUR15"}}},
    {"inact_dirty", MEM_INACT_DIRTY, MEM_INACT_DIRTY,
	{{"label", "inactive_dirty"}, {"draw", "LINE1"},
	    {"info", "Memory not currently used, but in need of being "
		     "written to disk."},
	    {"colour", "COLOUR16"}}},
    {"inact_laundry", MEM_INACT_LAUNDRY, MEM_INACT_LAUNDRY,
	{{"label", "inactive_laundry"}, {"draw", "LINE1"},
	    {"colour", "COLOUR17"}}},
    {"inact_clean", MEM_INACT_CLEAN, MEM_INACT_CLEAN,
	{{"label", "inactive_clean"}, {"draw", "LINE1"},
	    {"info", "Memory not currently used."}, {"colour", "COLOUR18"}}},
};

/* graph_order: "apps", these when present, then the fixed tail. */
static const struct {
	enum mem_key key;
	const char *field;
} mem_order[] = {
    {MEM_PAGETABLES, "page_tables"},
    {MEM_PERCPU, "per_cpu"},
    {MEM_SWAPCACHED, "swap_cache"},
    {MEM_SLAB, "slab"},
    {MEM_SHMEM, "shmem"},
};

/* Largest kB figure whose byte count fits an int64_t. */
#define MEM_KB_MAX ((uint64_t)INT64_MAX / 1024)

struct meminfo {
	bool has[MEM_NKEYS];
	int64_t bytes[MEM_NKEYS]; /* bytes; 0 when !has */
};

/*
 * One meminfo line as the plugin's /^(\w+):\s*(\d+)\s+kb/i: returns 1 and
 * stores the figure (in bytes) when the key is one of ours, 0 for any
 * other line, -1 when our key's figure overflows.
 */
static int
meminfo_line(const char *line, size_t len, struct meminfo *m)
{
	const char *p = line, *end = line + len, *name;
	size_t namelen, k;
	uint64_t kb;

	name = p;
	while (
	    p < end && (is_digit(*p) || *p == '_' || (*p >= 'a' && *p <= 'z') ||
			   (*p >= 'A' && *p <= 'Z')))
		p++;
	namelen = (size_t)(p - name);
	if (namelen == 0 || p >= end || *p != ':')
		return 0;
	for (k = 0; k < MEM_NKEYS; k++)
		if (strlen(mem_key_names[k]) == namelen &&
		    memcmp(mem_key_names[k], name, namelen) == 0)
			break;
	if (k == MEM_NKEYS)
		return 0;
	p++;
	while (p < end && strchr(" \t\r\f\v", *p) != NULL)
		p++;
	if (p >= end || !is_digit(*p))
		return 0;
	if (!host_parse_u64(&p, end, &kb) || kb > MEM_KB_MAX)
		return -1;
	if (p >= end || strchr(" \t\r\f\v", *p) == NULL)
		return 0;
	while (p < end && strchr(" \t\r\f\v", *p) != NULL)
		p++;
	if (end - p < 2 || (p[0] != 'k' && p[0] != 'K') ||
	    (p[1] != 'b' && p[1] != 'B'))
		return 0;
	m->has[k] = true;
	m->bytes[k] = (int64_t)kb * 1024;
	return 1;
}

/* The value of field d, with the plugin's arithmetic (missing keys are 0). */
static double
mem_value(const struct meminfo *m, const struct field_def *d)
{
	const int64_t *v = m->bytes;

	switch (d->src) {
	case MEM_CALC_APPS:
		return (double)(v[MEM_MEMTOTAL] - v[MEM_MEMFREE] -
				v[MEM_BUFFERS] - v[MEM_CACHED] - v[MEM_SLAB] -
				v[MEM_PAGETABLES] - v[MEM_PERCPU] -
				v[MEM_SWAPCACHED]);
	case MEM_CALC_CACHED:
		return (double)(v[MEM_CACHED] - v[MEM_SHMEM]);
	case MEM_CALC_SWAP:
		return (double)(v[MEM_SWAPTOTAL] - v[MEM_SWAPFREE]);
	default:
		return (double)v[d->src];
	}
}

int
node_parse_meminfo(const char *buf, size_t len, struct batch *b)
{
	const char *p = buf, *end = buf + len, *line;
	struct meminfo m;
	char order[160], args[96];
	struct service *s;
	size_t linelen, i;

	memset(&m, 0, sizeof(m));
	while (host_line_next(&p, end, &line, &linelen))
		if (meminfo_line(line, linelen, &m) == -1)
			return -1;
	if (!m.has[MEM_MEMTOTAL])
		return -1;
	/* 2.4 rmap kernels split Inactive in three; the plugin adds them up
	 * when all three are non-zero and Inactive is zero or missing. */
	if (m.bytes[MEM_INACTIVE] == 0 && m.bytes[MEM_INACT_DIRTY] != 0 &&
	    m.bytes[MEM_INACT_LAUNDRY] != 0 && m.bytes[MEM_INACT_CLEAN] != 0) {
		m.has[MEM_INACTIVE] = true;
		m.bytes[MEM_INACTIVE] = m.bytes[MEM_INACT_DIRTY] +
					m.bytes[MEM_INACT_LAUNDRY] +
					m.bytes[MEM_INACT_CLEAN];
	}

	snprintf(order, sizeof(order), "apps");
	for (i = 0; i < sizeof(mem_order) / sizeof(mem_order[0]); i++)
		if (m.has[mem_order[i].key]) {
			strcat(order, " ");
			strcat(order, mem_order[i].field);
		}
	strcat(order, " cached buffers free swap");
	snprintf(args, sizeof(args), "--base 1024 -l 0 --upper-limit %" PRId64,
	    m.bytes[MEM_MEMTOTAL]);
	const char *const graph[][2] = {
	    {"graph_args", args},
	    {"graph_vlabel", "Bytes"},
	    {"graph_title", "Memory usage"},
	    {"graph_category", "system"},
	    {"graph_info", "This graph shows what the machine uses memory "
			   "for."},
	    {"graph_order", order},
	};
	s = host_service_add(
	    b, "memory", graph, sizeof(graph) / sizeof(graph[0]));
	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(mem_fields) / sizeof(mem_fields[0]); i++) {
		const struct field_def *d = &mem_fields[i];

		if (d->need != MEM_ALWAYS && !m.has[d->need])
			continue;
		if (field_add(s, d, mem_value(&m, d)) == -1)
			return -1;
	}
	return 0;
}

/* ---- probes ------------------------------------------------------------ */

/* A missing file skips the service with a warning: the kernels drover runs
 * on all have these three. */
static int
probe_file(const struct host_roots *r, const char *rel, size_t max,
    int (*parse)(const char *, size_t, struct batch *), struct batch *b)
{
	int rc = host_probe_file(r, "node", rel, max, parse, b);

	if (rc == 1) {
		log_warnx("node: %s/%s: missing, skipped", r->proc, rel);
		rc = 0;
	}
	return rc;
}

static int
collect_cpu(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	/* /proc/stat grows with CPUs and IRQs */
	return probe_file(r, "stat", 1024 * 1024, node_parse_stat, b);
}

static int
collect_load(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	return probe_file(r, "loadavg", 256, node_parse_loadavg, b);
}

static int
collect_memory(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	return probe_file(r, "meminfo", 64 * 1024, node_parse_meminfo, b);
}

const struct host_probe probe_cpu = {.name = "cpu", .collect = collect_cpu};
const struct host_probe probe_load = {.name = "load", .collect = collect_load};
const struct host_probe probe_memory = {
    .name = "memory", .collect = collect_memory};

/* ---- the node source ----------------------------------------------- */

/* The target's state: the loop, what probes keep between polls, and the
 * poll waiting for the probes' refresh. */
struct node_target {
	uv_loop_t *loop;
	void **states;		      /* host_nprobes slots */
	struct host_refresh *refresh; /* running; NULL: none */
	struct host_roots roots;      /* the poll's, copied for the collect */
	source_done_cb cb;	      /* the poll's, while refresh runs */
	void *arg;
	uint64_t t0; /* the poll's start, loop ms */
};

/*
 * The roots h names, "/proc", "/sys" and _PATH_UTMP by default, the
 * commands' timeout HOST_COMMAND_TIMEOUT_MS, but never past nine tenths
 * of the poll's own timeout: a command reports at its timeout
 * (plugins/host_cmd), so a poll waiting for the refresh still ends
 * within h->timeout and the probe logs which command was too slow.
 */
static struct host_roots
target_roots(const struct source_host *h)
{
	struct host_roots r = h->roots;
	uint64_t limit = (uint64_t)h->timeout * 1000;

	if (r.proc == NULL)
		r.proc = "/proc";
	if (r.sys == NULL)
		r.sys = "/sys";
	if (r.command_timeout_ms == 0)
		r.command_timeout_ms = HOST_COMMAND_TIMEOUT_MS;
	limit -= limit / 10;
	if (limit > 0 && r.command_timeout_ms > limit)
		r.command_timeout_ms = (unsigned)limit;
	return r;
}

static bool
src_wanted(const struct source_host *h)
{
	return h->local;
}

static void *
src_init(uv_loop_t *loop, const char *host)
{
	struct node_target *nt = calloc(1, sizeof(*nt));

	(void)host;
	if (nt == NULL)
		return NULL;
	nt->loop = loop;
	nt->states = calloc(host_nprobes, sizeof(*nt->states));
	if (nt->states == NULL) {
		free(nt);
		return NULL;
	}
	return nt;
}

/* Every probe into a batch, then cb: the end of a poll. */
static void
collect(struct node_target *nt, const struct host_roots *r, source_done_cb cb,
    void *arg, uint64_t t0)
{
	struct source_result res = {0};

	if (host_collect(r, nt->states, &res.batch) == -1) {
		res.status = SOURCE_FAILED;
		snprintf(
		    res.error, sizeof(res.error), "cannot read %s", r->proc);
	} else {
		uv_update_time(nt->loop);
		res.duration_ms = uv_now(nt->loop) - t0;
	}
	cb(arg, &res);
	batch_cleanup(&res.batch);
}

static void
on_refreshed(void *arg)
{
	struct node_target *nt = arg;
	/* taken out first: the callback may start the next poll, which
	 * keeps its own copy in nt->roots */
	struct host_roots r = nt->roots;

	nt->roots = (struct host_roots){0};
	nt->refresh = NULL;
	collect(nt, &r, nt->cb, nt->arg, nt->t0);
	host_roots_cleanup(&r);
}

/*
 * The probes that run commands (lvs, xentop) refresh first, off the
 * loop's time, and the collect follows when the last has ended; without
 * such a probe the poll is inline, its callback before poll returns.
 */
static void
src_poll(void *state, const struct source_host *h, source_done_cb cb, void *arg)
{
	struct node_target *nt = state;
	struct host_roots r = target_roots(h);
	struct source_result busy = {.status = SOURCE_FAILED};

	if (nt->refresh != NULL) {
		/* the poller never starts a second poll of a target */
		snprintf(
		    busy.error, sizeof(busy.error), "a poll is still running");
		cb(arg, &busy);
		return;
	}
	uv_update_time(nt->loop);
	nt->t0 = uv_now(nt->loop);
	if (host_roots_dup(&nt->roots, &r) == 0) {
		nt->cb = cb;
		nt->arg = arg;
		nt->refresh = host_refresh_start(nt->loop, &nt->roots,
		    nt->states, HOST_REFRESH_ALL, on_refreshed, nt);
		if (nt->refresh != NULL)
			return;
		host_roots_cleanup(&nt->roots);
	} else
		log_warnx("node: %s: out of memory: no refresh", h->name);
	collect(nt, &r, cb, arg, nt->t0);
}

/* Withdraws a refresh in flight; the poll ends failed, without values. */
static void
src_cancel(void *state)
{
	struct node_target *nt = state;
	struct source_result res = {0};

	if (nt->refresh == NULL)
		return; /* an inline poll has ended already */
	host_refresh_cancel(nt->refresh);
	nt->refresh = NULL;
	host_roots_cleanup(&nt->roots);
	res.status = SOURCE_FAILED;
	snprintf(res.error, sizeof(res.error),
	    "cancelled while the probes' commands ran");
	uv_update_time(nt->loop);
	res.duration_ms = uv_now(nt->loop) - nt->t0;
	nt->cb(nt->arg, &res);
	batch_cleanup(&res.batch);
}

static void
src_close(void *state)
{
	struct node_target *nt = state;

	if (nt->refresh != NULL) {
		host_refresh_cancel(nt->refresh);
		host_roots_cleanup(&nt->roots);
	}
	host_states_free(nt->states);
	free(nt->states);
	free(nt);
}

static int
src_poll_once(
    const struct source_host *h, struct batch *b, char *line, size_t len)
{
	struct host_roots r = target_roots(h);
	void **states = calloc(host_nprobes, sizeof(*states));
	uint64_t t0 = uv_hrtime();
	int ret;

	if (states == NULL) {
		snprintf(line, len, "# %s: out of memory", h->name);
		return 1;
	}
	/* a refresh that failed shows in its probe's values */
	(void)host_refresh_run(&r, states, HOST_REFRESH_ALL);
	ret = host_collect(&r, states, b) == -1;
	host_states_free(states);
	free(states);

	snprintf(line, len, "# %s: built-in node source, %zu values, %.3f ms",
	    h->name, batch_values(b), (double)(uv_hrtime() - t0) / 1e6);
	return ret;
}

const struct source source_node = {
    .name = "node",
    .suffix = "",
    .wanted = src_wanted,
    .init = src_init,
    .poll = src_poll,
    .cancel = src_cancel,
    .close = src_close,
    .poll_once = src_poll_once,
};
