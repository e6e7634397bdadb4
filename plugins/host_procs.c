/*
 * host_procs: open_files, open_inodes, processes, threads, proc_pri and
 * users as Munin's plugins of those names (munin 2.0.73) show them on
 * Linux in their default configuration: the attribute texts are Munin's,
 * byte for byte, and the values those its fetch prints.
 *
 * Where the numbers come from, and what is not reproduced:
 *   - open_files: /proc/sys/fs/file-nr, as the plugin.  Its env
 *     thresholds (used_warning...) are not a source's business; the
 *     computed used.warning/critical are (92% and 98% of max, truncated
 *     and capped at 2^31-1 as Debian's awk, mawk, prints them; gawk
 *     would print the larger figure).
 *     Counts above 2^31-1, which mawk prints with 6 digits ("3.12346e+09"),
 *     are exact here (in open_inodes too).
 *   - open_inodes: /proc/sys/fs/inode-nr, or inode-state when inode-nr is
 *     missing (the plugin has no fallback and prints nothing).
 *   - processes: the plugin counts the state letter of `ps -eo s`, which
 *     procps takes from /proc/PID/stat; drover reads the same letter.
 *     The Linux branch only: the fields and graph_order of the other
 *     systems are not shown.  ps counts itself, its awk and the plugin's
 *     shell (a runnable or sleeping process more or less).
 *   - threads: the plugin sums the Threads: lines of /proc/PID/status;
 *     drover sums num_threads of /proc/PID/stat, which the kernel fills
 *     from the same counter, to save reading a second file per process.
 *   - proc_pri: the plugin counts `ps -eo stat` lines with '<' (nice < 0),
 *     'N' (nice > 0) and 'L' (pages locked: VmLck of /proc/PID/status is
 *     not 0); drover reads nice from stat and VmLck from status, the
 *     latter only for processes that are not kernel threads (which have
 *     no memory to lock).
 *   - users: the plugin counts the lines of `who` by the second field
 *     of its split /[\/ ]+/ over the line (the line column's first word,
 *     or the user name's second when the name holds a '/'), matched
 *     unanchored in order: "tty" -> tty, "pty" -> pty, "pts" ->
 *     pts, ':' and a digit or an 'X' -> X, else other.  drover reads the
 *     utmp file as who does (user processes with a user name; those whose
 *     pid is gone are left out, as who leaves them out of the system's
 *     utmp) and classifies the same word.  A missing utmp file counts no
 *     users, as who prints no line then.  The utmp path is the utmp_file
 *     key (host_roots.utmp).
 * Scans of /proc are one pass over its numeric directories, bounded by
 * PROCS_MAX_ENTRIES; each of processes, threads and proc_pri makes its
 * own (the probe interface has no state shared between probes).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <utmp.h>

#include "lib/log.h"
#include "plugins/host_procs.h"
#include "plugins/host_probes.h"

/* Directories of a proc root a scan looks at, at most: the kernel's
 * largest pid_max (PID_MAX_LIMIT on 64-bit). */
#define PROCS_MAX_ENTRIES (4 * 1024 * 1024)
/* Bytes of /proc/PID/stat read (the kernel's is well under 1 KiB). */
#define PROCS_STAT_MAX 4096
/* Bytes of /proc/PID/status read (VmLck comes in the first 1 KiB). */
#define PROCS_STATUS_MAX 16384
/* Bytes of a utmp file read: 10922 records of 384 bytes. */
#define PROCS_UTMP_MAX (4 * 1024 * 1024)
/* PF_KTHREAD of the flags field (include/linux/sched.h). */
#define PROCS_PF_KTHREAD 0x00200000UL

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* The unsigned decimal at *p (blanks before it skipped), advancing *p.
 * False on no digit, overflow, or a non-blank right after it. */
static bool
next_u64(const char **p, const char *end, uint64_t *out)
{
	const char *q = *p;

	while (q < end && is_blank(*q))
		q++;
	if (!host_parse_u64(&q, end, out) || (q < end && !is_blank(*q)))
		return false;
	*p = q;
	return true;
}

/* The signed decimal at *p, as next_u64; |v| < 2^63. */
static bool
next_i64(const char **p, const char *end, int64_t *out)
{
	const char *q = *p;
	bool neg = false;
	uint64_t v;

	while (q < end && is_blank(*q))
		q++;
	if (q < end && *q == '-') {
		neg = true;
		q++;
	}
	if (q >= end || !is_digit(*q) || !next_u64(&q, end, &v) ||
	    v > (uint64_t)INT64_MAX)
		return false;
	*p = q;
	*out = neg ? -(int64_t)v : (int64_t)v;
	return true;
}

/* The first n numbers of buf into v.  False when there are fewer. */
static bool
numbers(const char *buf, size_t len, uint64_t *v, size_t n)
{
	const char *p = buf, *end = buf + len;
	size_t i;

	for (i = 0; i < n; i++)
		if (!next_u64(&p, end, &v[i]))
			return false;
	return true;
}

static int
value_add(struct service *s, const char *name, const char *const kv[][2],
    size_t n, double v)
{
	return host_field_add(s, name, kv, n, v, false) == NULL ? -1 : 0;
}

/* ---- open_files, open_inodes ------------------------------------------- */

/* awk's printf "%d" of a non-negative double as Debian's awk (mawk 1.3.4)
 * prints it: truncated, and at most INT_MAX (a file-max of 2^63-1 gives
 * thresholds of 2147483647). */
static int
awk_int(double d)
{
	return d >= (double)INT_MAX ? INT_MAX : (int)d;
}

int
procs_parse_file_nr(const char *buf, size_t len, struct batch *b)
{
	char warn[32], crit[32];
	struct service *s;
	uint64_t v[3];

	if (!numbers(buf, len, v, 3) || v[1] > v[0])
		return -1;
	snprintf(warn, sizeof(warn), "%d", awk_int((double)v[2] * 0.92));
	snprintf(crit, sizeof(crit), "%d", awk_int((double)v[2] * 0.98));

	static const char *const graph[][2] = {
	    {"graph_title", "File table usage"},
	    {"graph_args", "--base 1000 -l 0"},
	    {"graph_vlabel", "number of open files"},
	    {"graph_category", "system"},
	    {"graph_info", "This graph monitors the Linux open files table."},
	};
	const char *const used[][2] = {
	    {"label", "open files"},
	    {"info", "The number of currently open files."},
	    {"warning", warn},
	    {"critical", crit},
	};
	s = host_service_add(b, "open_files", graph, NELEM(graph));
	if (s == NULL)
		return -1;
	return value_add(s, "used", used, NELEM(used), (double)(v[0] - v[1]));
}

int
procs_parse_inode_nr(const char *buf, size_t len, struct batch *b)
{
	struct service *s;
	uint64_t v[2];

	if (!numbers(buf, len, v, 2) || v[1] > v[0])
		return -1;

	static const char *const graph[][2] = {
	    {"graph_title", "Inode table usage"},
	    {"graph_args", "--base 1000 -l 0"},
	    {"graph_vlabel", "number of open inodes"},
	    {"graph_category", "system"},
	    {"graph_info", "This graph monitors the Linux open inode table."},
	};
	static const char *const used[][2] = {
	    {"label", "open inodes"},
	    {"info", "The number of currently open inodes."},
	};
	static const char *const max[][2] = {
	    {"label", "inode table size"},
	    {"info", "The size of the system inode table. This is dynamically "
		     "adjusted by the kernel."},
	};
	s = host_service_add(b, "open_inodes", graph, NELEM(graph));
	if (s == NULL)
		return -1;
	if (value_add(s, "used", used, NELEM(used), (double)(v[0] - v[1])) ==
	    -1)
		return -1;
	return value_add(s, "max", max, NELEM(max), (double)v[0]);
}

/* ---- /proc/PID ------------------------------------------------------- */

/* stat's fields after comm, numbered as in proc(5). */
#define STAT_FLAGS 9
#define STAT_NICE 19
#define STAT_THREADS 20

int
procs_parse_stat(const char *buf, size_t len, struct procs_stat *out)
{
	const char *open, *close, *p, *end = buf + len;
	int64_t v;
	int field;

	open = memchr(buf, '(', len);
	close = memrchr(buf, ')', len);
	if (open == NULL || close == NULL || close < open)
		return -1;
	p = close + 1;
	/* field 3: the state, one letter after one blank */
	if (end - p < 3 || p[0] != ' ' || !isalpha((unsigned char)p[1]) ||
	    p[2] != ' ')
		return -1;
	out->state = p[1];
	p += 2;
	for (field = 4; field <= STAT_THREADS; field++) {
		if (!next_i64(&p, end, &v))
			return -1;
		if (field == STAT_FLAGS)
			out->kthread = ((uint64_t)v & PROCS_PF_KTHREAD) != 0;
		else if (field == STAT_NICE) {
			if (v < -20 || v > 19)
				return -1;
			out->nice = (long)v;
		} else if (field == STAT_THREADS) {
			if (v < 1 || v > INT32_MAX)
				return -1;
			out->threads = (long)v;
		}
	}
	return 0;
}

int
procs_parse_vmlck(const char *buf, size_t len, uint64_t *kb)
{
	const char *p = buf, *end = buf + len, *line, *q;
	size_t linelen;

	*kb = 0;
	while (host_line_next(&p, end, &line, &linelen)) {
		if (linelen < 6 || memcmp(line, "VmLck:", 6) != 0)
			continue;
		q = line + 6;
		if (!next_u64(&q, line + linelen, kb))
			return -1;
		return 0;
	}
	return 0;
}

/*
 * Reads name below the directory dirfd into buf (at most size - 1
 * bytes, NUL-terminated) with one read: /proc/PID files are made whole
 * by the first read when it has room, which saves a second read for
 * the end of file.  Returns the length, or -1 with errno.
 */
static ssize_t
read_at(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t r;
	int fd, saved;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	do
		r = read(fd, buf, size - 1);
	while (r == -1 && errno == EINTR);
	saved = errno;
	close(fd);
	if (r == -1) {
		errno = saved;
		return -1;
	}
	buf[r] = '\0';
	return r;
}

/* A process that has exited since its directory was listed. */
static bool
vanished(int err)
{
	return err == ENOENT || err == ESRCH;
}

/* True when /proc/PID is no more (it was reaped while being read). */
static bool
reaped(int procfd, const char *pid)
{
	struct stat st;

	return fstatat(procfd, pid, &st, 0) == -1 && vanished(errno);
}

/* One /proc/PID into c: 1 counted, 0 vanished, -1 not understood. */
static int
scan_one(int procfd, const char *pid, bool with_locked, struct procs_counts *c)
{
	char stat[PROCS_STAT_MAX], status[PROCS_STATUS_MAX], path[64];
	struct procs_stat ps;
	uint64_t kb = 0;
	ssize_t n;

	/* PID/stat below procfd: no descriptor for the directory itself */
	if ((size_t)snprintf(path, sizeof(path), "%s/stat", pid) >=
	    sizeof(path))
		return -1;
	n = read_at(procfd, path, stat, sizeof(stat));
	if (n == -1)
		return vanished(errno) ? 0 : -1;
	/* an exiting task can read as nothing, or cut short */
	if (n == 0 || procs_parse_stat(stat, (size_t)n, &ps) == -1)
		return reaped(procfd, pid) ? 0 : -1;
	if (with_locked && !ps.kthread && ps.state != 'Z') {
		snprintf(path, sizeof(path), "%s/status", pid);
		n = read_at(procfd, path, status, sizeof(status));
		if (n == -1)
			return vanished(errno) ? 0 : -1;
		if (procs_parse_vmlck(status, (size_t)n, &kb) == -1)
			return -1;
	}
	c->processes++;
	c->state[(unsigned char)ps.state & 0x7f]++;
	c->threads += (uint64_t)ps.threads;
	if (ps.nice < 0)
		c->high++;
	else if (ps.nice > 0)
		c->low++;
	if (kb > 0)
		c->locked++;
	return 1;
}

int
procs_scan(const char *root, bool with_locked, struct procs_counts *c)
{
	struct dirent *de;
	size_t seen = 0;
	DIR *d;
	int fd;

	memset(c, 0, sizeof(*c));
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (++seen > PROCS_MAX_ENTRIES) {
			log_warnx("host: %s: more than %d entries, rest "
				  "ignored",
			    root, PROCS_MAX_ENTRIES);
			break;
		}
		if (!is_digit(de->d_name[0]) ||
		    strspn(de->d_name, "0123456789") != strlen(de->d_name))
			continue;
		if (scan_one(fd, de->d_name, with_locked, c) == -1)
			c->bad++;
	}
	closedir(d);
	return 0;
}

/* ---- processes, threads, proc_pri -------------------------------------- */

/* processes' fields: name, state letter counted, attributes (in the order
 * the plugin's config prints them on Linux). */
#define PROC_FIELD(n, st, draw, colour, info)                                  \
	{                                                                      \
		n, st,                                                         \
		{                                                              \
			{"label", n}, {"draw", draw}, {"colour", colour},      \
			    {"info", info},                                    \
		}                                                              \
	}
static const struct {
	const char *name;
	char state; /* 0: the total */
	const char *attrs[4][2];
} proc_fields[] = {
    PROC_FIELD("dead", 'X', "STACK", "ff0000", "The number of dead processes."),
    PROC_FIELD("paging", 'W', "STACK", "00aaaa",
	"The number of paging processes (<2.6 kernels only)."),
    PROC_FIELD("idle", 'I', "STACK", "4169e1",
	"The number of idle kernel threads (>= 4.2 kernels only)."),
    PROC_FIELD(
	"sleeping", 'S', "AREA", "0022ff", "The number of sleeping processes."),
    PROC_FIELD("uninterruptible", 'D', "STACK", "ffa500",
	"The number of uninterruptible processes (usually IO)."),
    PROC_FIELD("stopped", 'T', "STACK", "cc0000",
	"The number of stopped or traced processes."),
    PROC_FIELD("runnable", 'R', "STACK", "22ff22",
	"The number of runnable processes (on the run queue)."),
    PROC_FIELD("zombie", 'Z', "STACK", "990000",
	"The number of defunct ('zombie') processes (process terminated and "
	"parent not waiting)."),
    {"processes", 0,
	{{"label", "total"}, {"draw", "LINE1"}, {"colour", "c0c0c0"},
	    {"info", "The total number of processes."}}},
};

int
procs_add_processes(const struct procs_counts *c, struct batch *b)
{
	struct service *s;
	size_t i;

	static const char *const graph[][2] = {
	    {"graph_title", "Processes"},
	    {"graph_info", "This graph shows the number of processes"},
	    {"graph_category", "processes"},
	    {"graph_args", "--base 1000 -l 0"},
	    {"graph_vlabel", "Number of processes"},
	    {"graph_order", "sleeping idle stopped zombie dead paging "
			    "uninterruptible runnable processes"},
	};
	s = host_service_add(b, "processes", graph, NELEM(graph));
	if (s == NULL)
		return -1;
	for (i = 0; i < NELEM(proc_fields); i++) {
		double v = proc_fields[i].state == 0
			       ? (double)c->processes
			       : (double)c->state[(int)proc_fields[i].state];

		if (value_add(s, proc_fields[i].name, proc_fields[i].attrs,
			NELEM(proc_fields[i].attrs), v) == -1)
			return -1;
	}
	return 0;
}

int
procs_add_threads(const struct procs_counts *c, struct batch *b)
{
	struct service *s;

	static const char *const graph[][2] = {
	    {"graph_title", "Number of threads"},
	    {"graph_vlabel", "number of threads"},
	    {"graph_category", "processes"},
	    {"graph_info", "This graph shows the number of threads."},
	};
	static const char *const threads[][2] = {
	    {"label", "threads"},
	    {"info", "The current number of threads."},
	};
	s = host_service_add(b, "threads", graph, NELEM(graph));
	if (s == NULL)
		return -1;
	return value_add(
	    s, "threads", threads, NELEM(threads), (double)c->threads);
}

int
procs_add_proc_pri(const struct procs_counts *c, struct batch *b)
{
	struct service *s;

	static const char *const graph[][2] = {
	    {"graph_title", "Processes priority"},
	    {"graph_order", "low high locked"},
	    {"graph_category", "processes"},
	    {"graph_info", "This graph shows number of processes at each "
			   "priority"},
	    {"graph_args", "--base 1000 -l 0"},
	    {"graph_vlabel", "Number of processes"},
	};
	static const char *const high[][2] = {
	    {"label", "high priority"},
	    {"draw", "STACK"},
	    {"info", "The number of high-priority processes (tasks)"},
	};
	static const char *const low[][2] = {
	    {"label", "low priority"},
	    {"draw", "AREA"},
	    {"info", "The number of low-priority processes (tasks)"},
	};
	static const char *const locked[][2] = {
	    {"label", "locked in memory"},
	    {"draw", "STACK"},
	    {"info", "The number of processes that have pages locked into "
		     "memory (for real-time and custom IO)"},
	};
	s = host_service_add(b, "proc_pri", graph, NELEM(graph));
	if (s == NULL)
		return -1;
	if (value_add(s, "high", high, NELEM(high), (double)c->high) == -1 ||
	    value_add(s, "low", low, NELEM(low), (double)c->low) == -1)
		return -1;
	return value_add(s, "locked", locked, NELEM(locked), (double)c->locked);
}

/* ---- users ----------------------------------------------------------- */

enum user_kind { USER_TTY, USER_PTY, USER_PTS, USER_X, USER_OTHER, USER_N };

static bool
has(const char *s, size_t n, const char *sub)
{
	return memmem(s, n, sub, strlen(sub)) != NULL;
}

/* The plugin's classification of one word of who's line column. */
static enum user_kind
classify(const char *w, size_t n)
{
	size_t i;

	if (has(w, n, "tty"))
		return USER_TTY;
	if (has(w, n, "pty"))
		return USER_PTY;
	if (has(w, n, "pts"))
		return USER_PTS;
	for (i = 0; i + 1 < n; i++)
		if (w[i] == ':' && is_digit(w[i + 1]))
			return USER_X;
	if (memchr(w, 'X', n) != NULL)
		return USER_X;
	return USER_OTHER;
}

static bool
is_sep(char c)
{
	return c == '/' || c == ' ';
}

/*
 * The kind of the second field of Perl's split /[\/ ]+/ over who's
 * "USER LINE TIME" for user and line (NUL-terminated); a leading
 * separator makes an empty first field.  Past the line comes the time,
 * whose words (month names, dates) classify as other.
 */
static enum user_kind
user_kind(const char *user, const char *line)
{
	char s[UT_NAMESIZE + 1 + UT_LINESIZE + 1];
	size_t len, i = 0, start;

	len = (size_t)snprintf(s, sizeof(s), "%s %s", user, line);
	if (len >= sizeof(s))
		len = sizeof(s) - 1;
	/* skip the first field (empty when s starts with a separator) */
	while (i < len && !is_sep(s[i]))
		i++;
	while (i < len && is_sep(s[i]))
		i++;
	start = i;
	while (i < len && !is_sep(s[i]))
		i++;
	if (i == start)
		return USER_OTHER;
	return classify(s + start, i - start);
}

int
procs_parse_utmp(
    const char *buf, size_t len, procs_gone_fn gone, void *arg, struct batch *b)
{
	uint64_t n[USER_N] = {0};
	char user[UT_NAMESIZE + 1], line[UT_LINESIZE + 1];
	struct service *s;
	struct utmp u;
	size_t off;

	for (off = 0; off + sizeof(u) <= len; off += sizeof(u)) {
		memcpy(&u, buf + off, sizeof(u));
		if (u.ut_type != USER_PROCESS || u.ut_user[0] == '\0')
			continue;
		if (gone != NULL && u.ut_pid > 0 && gone(u.ut_pid, arg))
			continue;
		memcpy(user, u.ut_user, UT_NAMESIZE);
		user[UT_NAMESIZE] = '\0';
		memcpy(line, u.ut_line, UT_LINESIZE);
		line[UT_LINESIZE] = '\0';
		n[user_kind(user, line)]++;
	}

	static const char *const graph[][2] = {
	    {"graph_title", "Logged in users"},
	    {"graph_args", "--base 1000 -l 0"},
	    {"graph_vlabel", "Users"},
	    {"graph_scale", "no"},
	    {"graph_category", "system"},
	    {"graph_printf", "%3.0lf"},
	};
	static const struct {
		const char *name;
		const char *attrs[4][2];
	} fields[USER_N] = {
	    [USER_TTY] = {"tty", {{"label", "tty"}, {"draw", "AREASTACK"},
				     {"colour", "00FF00"}}},
	    [USER_PTY] = {"pty", {{"label", "pty"}, {"draw", "AREASTACK"},
				     {"colour", "0000FF"}}},
	    [USER_PTS] = {"pts", {{"label", "pts"}, {"draw", "AREASTACK"},
				     {"colour", "00FFFF"}}},
	    [USER_X] = {"X", {{"label", "X displays"}, {"draw", "AREASTACK"},
				 {"info", "Users logged in on an X display"},
				 {"colour", "000000"}}},
	    [USER_OTHER] = {"other",
		{{"label", "Other users"},
		    {"info", "Users logged in by indeterminate method"},
		    {"colour", "FF0000"}}},
	};
	size_t i;

	s = host_service_add(b, "users", graph, NELEM(graph));
	if (s == NULL)
		return -1;
	for (i = 0; i < USER_N; i++)
		if (value_add(s, fields[i].name, fields[i].attrs,
			NELEM(fields[i].attrs), (double)n[i]) == -1)
			return -1;
	return 0;
}

/* ---- probes ------------------------------------------------------------ */

static int
collect_open_files(const struct host_roots *r, void **state, struct batch *b)
{
	int rc;

	(void)state;
	rc = host_probe_file(
	    r, "host", "sys/fs/file-nr", 256, procs_parse_file_nr, b);
	if (rc == 1)
		log_warnx("host: %s/sys/fs/file-nr: missing, skipped", r->proc);
	return rc == -1 ? -1 : 0;
}

static int
collect_open_inodes(const struct host_roots *r, void **state, struct batch *b)
{
	int rc;

	(void)state;
	rc = host_probe_file(
	    r, "host", "sys/fs/inode-nr", 256, procs_parse_inode_nr, b);
	if (rc == 1)
		rc = host_probe_file(r, "host", "sys/fs/inode-state", 256,
		    procs_parse_inode_nr, b);
	if (rc == 1)
		log_warnx(
		    "host: %s/sys/fs/inode-nr: missing, skipped", r->proc);
	return rc == -1 ? -1 : 0;
}

/* One scan for one probe: add is procs_add_*. */
static int
collect_scan(const struct host_roots *r, bool with_locked,
    int (*add)(const struct procs_counts *, struct batch *), struct batch *b)
{
	struct procs_counts c;

	if (procs_scan(r->proc, with_locked, &c) == -1) {
		if (errno == ENOENT) {
			log_warnx("host: %s: missing, skipped", r->proc);
			return 0;
		}
		log_warn("host: %s", r->proc);
		return -1;
	}
	if (c.bad > 0)
		log_warnx("host: %s: %" PRIu64 " processes not understood, "
			  "skipped",
		    r->proc, c.bad);
	errno = 0;
	if (add(&c, b) == -1) {
		log_warn("host: %s", r->proc);
		return -1;
	}
	return 0;
}

static int
collect_processes(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	return collect_scan(r, false, procs_add_processes, b);
}

static int
collect_threads(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	return collect_scan(r, false, procs_add_threads, b);
}

static int
collect_proc_pri(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	return collect_scan(r, true, procs_add_proc_pri, b);
}

/* kill(pid, 0) as who's check: ESRCH means gone (EPERM: alive). */
static bool
pid_gone(pid_t pid, void *arg)
{
	(void)arg;
	return kill(pid, 0) == -1 && errno == ESRCH;
}

static int
collect_users(const struct host_roots *r, void **state, struct batch *b)
{
	const char *path = r->utmp != NULL ? r->utmp : _PATH_UTMP;
	char *buf = NULL;
	size_t len = 0;
	int rc;

	(void)state;
	/* host_read puts a '/' between its root and path */
	if (host_read(path[0] == '/' ? "" : ".", path + (path[0] == '/'),
		PROCS_UTMP_MAX, &buf, &len) == -1) {
		if (errno != ENOENT) {
			log_warn("host: %s", path);
			return -1;
		}
		/* who prints nothing then: no users; a container has no
		 * utmp, so only a configured other file is worth a word */
		if (strcmp(path, _PATH_UTMP) != 0)
			log_warnx("host: %s: missing, no users", path);
		buf = NULL;
		len = 0;
	}
	errno = 0;
	rc = procs_parse_utmp(buf != NULL ? buf : "", len, pid_gone, NULL, b);
	if (rc == -1)
		log_warn("host: %s", path);
	free(buf);
	return rc;
}

const struct host_probe probe_open_files = {
    .name = "open_files", .collect = collect_open_files};
const struct host_probe probe_open_inodes = {
    .name = "open_inodes", .collect = collect_open_inodes};
const struct host_probe probe_processes = {
    .name = "processes", .collect = collect_processes};
const struct host_probe probe_threads = {
    .name = "threads", .collect = collect_threads};
const struct host_probe probe_proc_pri = {
    .name = "proc_pri", .collect = collect_proc_pri};
const struct host_probe probe_users = {
    .name = "users", .collect = collect_users};
