/*
 * host_kernel: swap, vmstat, forks, interrupts, irqstats, entropy and
 * uptime, as Munin's plugins of those names show them (host_kernel.h).
 * The attribute texts are the plugins', byte for byte, and so are the
 * values: counters as the kernel wrote them, uptime rounded as printf
 * rounds.  The plugins' thresholds (env.*_warning, *_critical) belong to
 * drover's configuration, not to a probe; every other difference is
 * listed with its probe:
 *
 * swap: the plugin's awk matches /pswpin/, /pswpout/ (and on 2.4 /swap/)
 *   anywhere in a line and prints every match; drover takes the line
 *   whose first word is the key, once.
 * vmstat: the plugin runs `vmstat 1 2` and prints the r and b columns of
 *   its last line, which vmstat(8) takes from procs_running and
 *   procs_blocked in /proc/stat; drover reads them itself at the poll's
 *   instant instead of a second later.  On 2.4 kernels (no such lines)
 *   vmstat fails and the plugin prints empty values; drover adds no
 *   vmstat service.
 * forks: the plugin's awk matches /processes/ anywhere; drover takes the
 *   line whose first word is "processes".
 * interrupts: as the plugin.
 * irqstats: the per-CPU variant (irqstats_N) and SPARC (which counts
 *   CPUs in /proc/stat) are not reproduced.  The plugin's Perl parsing is
 *   (split(' ', line, CPUs + 3), the label from the last field, the hwirq,
 *   MPIC and Level/Edge rewrites, labels over 47 bytes replaced by the
 *   IRQ), except that a count that is not all digits counts its leading
 *   digits only (Perl would also read signs, fractions and exponents;
 *   /proc/interrupts has none).  Field names are cleaned as Munin's
 *   master cleans them (sanitise_fieldname); the plugin prints them raw,
 *   which only differs for an IRQ name with characters other than
 *   letters, digits and '_'.  A second line for the same IRQ replaces the
 *   first.
 * entropy, uptime: as the plugins.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "plugins/host_kernel.h"
#include "plugins/host_probes.h"

#define NATTRS(a) (sizeof(a) / sizeof((a)[0]))

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* awk's default field separators, and Perl's \s. */
static bool
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

/* The decimal digits s[0, n) (at least one, nothing else) into *out.
 * False otherwise or on overflow. */
static bool
digits_u64(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]) ||
		    v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*out = v;
	return true;
}

/* The awk field (1-based) idx of line, blank-separated: its start and
 * length in *f, *flen.  False when the line has fewer fields. */
static bool
awk_field(const char *line, size_t len, int idx, const char **f, size_t *flen)
{
	const char *p = line, *end = line + len, *start;
	int n = 0;

	for (;;) {
		while (p < end && is_blank(*p))
			p++;
		if (p >= end)
			return false;
		start = p;
		while (p < end && !is_blank(*p))
			p++;
		if (++n == idx) {
			*f = start;
			*flen = (size_t)(p - start);
			return true;
		}
	}
}

/* A key of a "key N ..." file (/proc/stat, /proc/vmstat) and where its
 * number goes. */
struct stat_key {
	const char *key;
	int field;    /* awk field of the number: 2, or 3 for 2.4's "swap" */
	bool found;   /* the line is there */
	uint64_t val; /* its number */
};

/*
 * Finds the lines whose first word is one of keys[n] (the first such line
 * counts) and reads their numbers.  0, or -1 when a line found has no
 * number in its field.
 */
static int
stat_scan(const char *buf, size_t len, struct stat_key *keys, size_t n)
{
	const char *p = buf, *end = buf + len, *line, *w, *f;
	size_t linelen, wlen, flen, i;

	for (i = 0; i < n; i++)
		keys[i].found = false;
	while (host_line_next(&p, end, &line, &linelen)) {
		if (!awk_field(line, linelen, 1, &w, &wlen))
			continue;
		for (i = 0; i < n; i++) {
			if (keys[i].found || strlen(keys[i].key) != wlen ||
			    memcmp(keys[i].key, w, wlen) != 0)
				continue;
			if (!awk_field(
				line, linelen, keys[i].field, &f, &flen) ||
			    !digits_u64(f, flen, &keys[i].val))
				return -1;
			keys[i].found = true;
		}
	}
	return 0;
}

/* A field and its config attributes, in the order the plugin prints
 * them. */
#define FIELD_ATTRS 6
struct field_def {
	const char *name;
	const char *attrs[FIELD_ATTRS][2]; /* NULL key ends early */
};

/*
 * Service name with graph[ngraph] and fields defs[n], the value of
 * defs[i] being keys[i] when found.  Adds nothing when no key was found.
 * 0 / -1 (ENOMEM).
 */
static int
stat_service(struct batch *b, const char *name, const char *const graph[][2],
    size_t ngraph, const struct field_def *defs, const struct stat_key *keys,
    size_t n)
{
	struct service *s;
	struct field *f;
	size_t i;
	bool any = false;

	for (i = 0; i < n; i++)
		any = any || keys[i].found;
	if (!any)
		return 0;
	s = host_service_add(b, name, graph, ngraph);
	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		f = host_field_add(s, defs[i].name, defs[i].attrs, FIELD_ATTRS,
		    (double)keys[i].val, false);
		if (f == NULL)
			return -1;
		f->has_value = keys[i].found;
	}
	return 0;
}

/* ---- swap --------------------------------------------------------------- */

static const char *const swap_graph[][2] = {
    {"graph_title", "Swap in/out"},
    {"graph_args", "-l 0 --base 1000"},
    {"graph_vlabel", "pages per ${graph_period} in (-) / out (+)"},
    {"graph_category", "system"},
};

static const struct field_def swap_fields[] = {
    {"swap_in", {{"label", "swap"}, {"type", "DERIVE"}, {"max", "100000"},
		    {"min", "0"}, {"graph", "no"}}},
    {"swap_out", {{"label", "swap"}, {"type", "DERIVE"}, {"max", "100000"},
		     {"min", "0"}, {"negative", "swap_in"}}},
};

int
host_kernel_parse_swap(const char *vmstat, size_t vlen, const char *stat,
    size_t slen, struct batch *b)
{
	struct stat_key keys[2];

	if (vmstat != NULL) {
		keys[0] = (struct stat_key){"pswpin", 2, false, 0};
		keys[1] = (struct stat_key){"pswpout", 2, false, 0};
		if (stat_scan(vmstat, vlen, keys, 2) == -1)
			return -1;
	} else {
		keys[0] = (struct stat_key){"swap", 2, false, 0};
		keys[1] = (struct stat_key){"swap", 3, false, 0};
		/* one line holds both */
		if (stat_scan(stat, slen, keys, 1) == -1 ||
		    stat_scan(stat, slen, keys + 1, 1) == -1)
			return -1;
	}
	return stat_service(
	    b, "swap", swap_graph, NATTRS(swap_graph), swap_fields, keys, 2);
}

/* ---- vmstat ------------------------------------------------------------- */

static const char *const vmstat_graph[][2] = {
    {"graph_title", "VMstat"},
    {"graph_args", "--base 1000 -l 0"},
    {"graph_vlabel", "process states"},
    {"graph_category", "processes"},
};

static const struct field_def vmstat_fields[] = {
    {"wait", {{"label", "running"}, {"type", "GAUGE"}, {"max", "500000"}}},
    {"sleep", {{"label", "I/O sleep"}, {"type", "GAUGE"}, {"max", "500000"}}},
};

int
host_kernel_parse_vmstat(const char *buf, size_t len, struct batch *b)
{
	struct stat_key keys[] = {
	    {"procs_running", 2, false, 0},
	    {"procs_blocked", 2, false, 0},
	};

	if (stat_scan(buf, len, keys, 2) == -1)
		return -1;
	return stat_service(b, "vmstat", vmstat_graph, NATTRS(vmstat_graph),
	    vmstat_fields, keys, 2);
}

/* ---- forks -------------------------------------------------------------- */

static const char *const forks_graph[][2] = {
    /* the plugin's trailing blank is stripped, as Munin's master does */
    {"graph_title", "Fork rate"},
    {"graph_args", "--base 1000 -l 0"},
    {"graph_vlabel", "forks / ${graph_period}"},
    {"graph_category", "processes"},
    {"graph_info", "This graph shows the number of forks (new processes "
		   "started) per second."},
};

static const struct field_def forks_fields[] = {
    {"forks",
	{{"label", "forks"}, {"type", "DERIVE"}, {"min", "0"},
	    {"max", "100000"}, {"info", "The number of forks per second."}}},
};

int
host_kernel_parse_forks(const char *buf, size_t len, struct batch *b)
{
	struct stat_key keys[] = {{"processes", 2, false, 0}};

	if (stat_scan(buf, len, keys, 1) == -1)
		return -1;
	return stat_service(b, "forks", forks_graph, NATTRS(forks_graph),
	    forks_fields, keys, 1);
}

/* ---- interrupts --------------------------------------------------------- */

static const char *const intr_graph[][2] = {
    {"graph_title", "Interrupts and context switches"},
    {"graph_args", "--base 1000 -l 0"},
    {"graph_vlabel", "interrupts & ctx switches / ${graph_period}"},
    {"graph_category", "system"},
    {"graph_info", "This graph shows the number of interrupts and context "
		   "switches on the system. These are typically high on a "
		   "busy system."},
};

static const struct field_def intr_fields[] = {
    {"intr", {{"info", "Interrupts are events that alter sequence of "
		       "instructions executed by a processor. They can come "
		       "from either hardware (exceptions, NMI, IRQ) or "
		       "software."},
		 {"label", "interrupts"}, {"type", "DERIVE"}, {"min", "0"}}},
    {"ctx",
	{{"info", "A context switch occurs when a multitasking operatings "
		  "system suspends the currently running process, and "
		  "starts executing another."},
	    {"label", "context switches"}, {"type", "DERIVE"}, {"min", "0"}}},
};

int
host_kernel_parse_interrupts(const char *buf, size_t len, struct batch *b)
{
	struct stat_key keys[] = {
	    {"intr", 2, false, 0},
	    {"ctxt", 2, false, 0},
	};

	if (stat_scan(buf, len, keys, 2) == -1)
		return -1;
	return stat_service(b, "interrupts", intr_graph, NATTRS(intr_graph),
	    intr_fields, keys, 2);
}

/* ---- irqstats ----------------------------------------------------------- */

/* More CPU columns than this is taken for a file not understood. */
#define IRQ_CPUS_MAX 65536
/* Labels longer than this (bytes) are replaced by the IRQ, as the
 * plugin does. */
#define IRQ_LABEL_MAX 47

struct tok {
	const char *s;
	size_t n;
};

/*
 * Perl's split(' ', line . "\n", limit) followed by chomp: leading
 * whitespace skipped, then fields separated by whitespace runs, the
 * limit-th holding the rest of the line; when the line ends before the
 * limit the newline leaves an empty last field.  Returns the number of
 * fields put in t (room for limit >= 2).
 */
static size_t
perl_split(const char *line, size_t len, size_t limit, struct tok *t)
{
	const char *p = line, *end = line + len, *q;
	size_t n = 0;

	while (p < end && is_space(*p))
		p++;
	if (p >= end)
		return 0;
	for (;;) {
		if (n == limit - 1) {
			t[n++] = (struct tok){p, (size_t)(end - p)};
			return n;
		}
		for (q = p; q < end && !is_space(*q); q++)
			;
		t[n++] = (struct tok){p, (size_t)(q - p)};
		while (q < end && is_space(*q))
			q++;
		if (q >= end) {
			/* the newline was the separator: an empty field */
			t[n++] = (struct tok){end, 0};
			return n;
		}
		p = q;
	}
}

/* Perl's numeric value of a count: its leading digits (0 for none).
 * False on overflow. */
static bool
count_value(const struct tok *t, uint64_t *out)
{
	size_t n = 0;

	while (n < t->n && is_digit(t->s[n]))
		n++;
	*out = 0;
	return n == 0 || digits_u64(t->s, n, out);
}

static bool
tok_all_digits(const struct tok *t)
{
	size_t i;

	for (i = 0; i < t->n; i++)
		if (!is_digit(t->s[i]))
			return false;
	return t->n > 0;
}

struct irq {
	char *name;  /* the IRQ: "0", "NMI" */
	char *label; /* the device(s); "" for none */
	uint64_t count;
};

struct irq_list {
	struct irq *v;
	size_t n, cap;
};

static void
irq_list_free(struct irq_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].label);
	}
	free(l->v);
}

/* Label as the plugin rewrites a numbered IRQ's: the "MPIC 1" split of
 * powerpc, the hwirq ("27 Level x" on IRQ 11 is "x [27]"), Level/Edge.
 * A new string (free()), or NULL (ENOMEM). */
static char *
numbered_label(const struct tok *irq, const struct tok *type, struct tok lab)
{
	const char *p, *end, *rest;
	size_t d, w, restlen;
	char *out;
	int n;

	if (type != NULL && memmem(type->s, type->n, "MPIC", 4) != NULL &&
	    lab.n >= 2 && (lab.s[0] == '1' || lab.s[0] == '2') &&
	    is_space(lab.s[1])) {
		for (p = lab.s + 1, end = lab.s + lab.n;
		     p < end && is_space(*p); p++)
			;
		lab = (struct tok){p, (size_t)(end - p)};
	}
	/* /^(\d+)\s+(.+)/ */
	for (d = 0; d < lab.n && is_digit(lab.s[d]); d++)
		;
	for (w = 0; d + w < lab.n && is_space(lab.s[d + w]); w++)
		;
	restlen = lab.n - d - w;
	if (d > 0 && w > 0 && (restlen > 0 || w >= 2)) {
		/* with nothing after the blanks, .+ takes the last one */
		rest = restlen > 0 ? lab.s + d + w : lab.s + d + w - 1;
		if (restlen == 0)
			restlen = 1;
		if (d == irq->n && memcmp(lab.s, irq->s, d) == 0)
			n = asprintf(&out, "%.*s", (int)restlen, rest);
		else
			n = asprintf(&out, "%.*s [%.*s]", (int)restlen, rest,
			    (int)d, lab.s);
	} else {
		n = asprintf(&out, "%.*s", (int)lab.n, lab.s);
	}
	if (n < 0)
		return NULL;
	/* s/^(Level|Edge)\s+// */
	for (d = 0; d < 2; d++) {
		const char *kw = d == 0 ? "Level" : "Edge";
		size_t kl = strlen(kw);

		if (strncmp(out, kw, kl) == 0 && is_space(out[kl])) {
			for (w = kl; is_space(out[w]); w++)
				;
			memmove(out, out + w, strlen(out + w) + 1);
			break;
		}
	}
	return out;
}

/* The IRQ of one line of /proc/interrupts (t[0, n) its fields) into l.
 * 0, or -1 (overflow: EINVAL; ENOMEM). */
static int
irq_line(const struct tok *t, size_t n, size_t cpus, struct irq_list *l)
{
	const struct tok *data = t + 1, *type = NULL, *lab = NULL;
	size_t ndata = n - 1, i, ncount, llen;
	struct irq *q;
	uint64_t v, sum = 0;
	char *label;

	if (l->n == l->cap) {
		size_t cap = l->cap == 0 ? 32 : l->cap * 2;
		struct irq *nv = realloc(l->v, cap * sizeof(*nv));

		if (nv == NULL)
			return -1;
		l->v = nv;
		l->cap = cap;
	}
	/* chop: the IRQ without its last character (the colon) */
	struct tok irq = {t[0].s, t[0].n - 1};

	if (tok_all_digits(&irq)) {
		if (ndata > 0)
			lab = &data[--ndata];
		if (ndata > 0)
			type = &data[--ndata];
		ncount = ndata;
		label =
		    lab == NULL ? strdup("") : numbered_label(&irq, type, *lab);
		if (label == NULL)
			return -1;
	} else {
		/* the fields after the counts, joined by one blank */
		ncount = ndata < cpus ? ndata : cpus;
		for (llen = 0, i = ncount; i < ndata; i++)
			llen += data[i].n + 1;
		label = malloc(llen + 1);
		if (label == NULL)
			return -1;
		label[0] = '\0';
		for (llen = 0, i = ncount; i < ndata; i++) {
			if (i > ncount)
				label[llen++] = ' ';
			memcpy(label + llen, data[i].s, data[i].n);
			llen += data[i].n;
		}
		label[llen] = '\0';
	}
	for (i = 0; i < ncount; i++) {
		if (!count_value(&data[i], &v) || v > UINT64_MAX - sum) {
			free(label);
			errno = EINVAL;
			return -1;
		}
		sum += v;
	}
	q = &l->v[l->n];
	q->label = label;
	q->count = sum;
	q->name = strndup(irq.s, irq.n);
	if (q->name == NULL) {
		free(label);
		return -1;
	}
	l->n++;
	return 0;
}

static const char *const irq_graph[][2] = {
    {"graph_title", "Individual interrupts"},
    {"graph_args", "--base 1000 --logarithmic"},
    {"graph_vlabel", "interrupts / ${graph_period}"},
    {"graph_category", "system"},
    {"graph_info", "Shows the number of different IRQs received by the "
		   "kernel.  High disk or network traffic can cause a high "
		   "number of interrupts (with good hardware and drivers "
		   "this will be less so). Sudden high interrupt activity "
		   "with no associated higher system activity is not "
		   "normal."},
};

/* Perl's truth of a label: not "" and not "0". */
static bool
label_true(const char *label)
{
	return label[0] != '\0' && strcmp(label, "0") != 0;
}

/* Contains needle, ignoring ASCII case. */
static bool
has_ci(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s != '\0'; s++)
		if (strncasecmp(s, needle, n) == 0)
			return true;
	return false;
}

/* The field of IRQ name: "i" + name, cleaned as Munin's master cleans
 * field names. */
static void
irq_fieldname(const char *name, char *out, size_t outlen)
{
	char raw[128];

	snprintf(raw, sizeof(raw), "i%s", name);
	sanitise_fieldname(raw, out, outlen);
}

/* The service of l into b. 0 / -1 (ENOMEM). */
static int
irq_service(const struct irq_list *l, struct batch *b)
{
	char fname[128], *order = NULL, *info = NULL, *lab = NULL;
	const char *label;
	struct service *s;
	struct field *f;
	size_t i, olen = 0, cap = 0, fl, ll;
	int rc = -1;

	for (i = 0; i < l->n; i++) {
		irq_fieldname(l->v[i].name, fname, sizeof(fname));
		fl = strlen(fname) + 1;
		if (olen + fl + 1 > cap) {
			char *no;

			cap = (olen + fl + 1) * 2;
			no = realloc(order, cap);
			if (no == NULL)
				goto out;
			order = no;
		}
		olen += (size_t)sprintf(
		    order + olen, "%s%s", i > 0 ? " " : "", fname);
	}
	const char *const graph[][2] = {{"graph_order", order}};

	s = host_service_add(b, "irqstats", irq_graph, NATTRS(irq_graph));
	if (s == NULL || host_attrs_add(&s->graph, graph, 1) == -1)
		goto out;
	for (i = 0; i < l->n; i++) {
		const struct irq *q = &l->v[i];

		irq_fieldname(q->name, fname, sizeof(fname));
		label = label_true(q->label) ? q->label : q->name;
		if (strlen(label) > IRQ_LABEL_MAX)
			label = q->name;
		/* without the trailing blanks Munin's master strips */
		for (ll = strlen(label); ll > 0 && is_space(label[ll - 1]);
		     ll--)
			;
		free(lab);
		free(info);
		lab = strndup(label, ll);
		info = NULL;
		if (lab == NULL)
			goto out;
		if (label_true(q->label)) {
			for (ll = strlen(q->label);
			     ll > 0 && is_space(q->label[ll - 1]); ll--)
				;
			if (asprintf(&info, "Interrupt %s, for device(s): %.*s",
				q->name, (int)ll, q->label) < 0) {
				info = NULL;
				goto out;
			}
		} else if (has_ci(q->name, "NMI")) {
			info =
			    strdup("Nonmaskable interrupt. Either 0 or quite "
				   "high. If it's normaly 0 then just one "
				   "NMI will often mark some hardware "
				   "failure.");
			if (info == NULL)
				goto out;
		} else if (has_ci(q->name, "LOC")) {
			info = strdup("Local (pr. CPU core) APIC timer "
				      "interrupt.  Until 2.6.21 normaly 250 or "
				      "1000 pr second. On modern 'tickless' "
				      "kernels it more or less reflects how "
				      "busy the machine is.");
			if (info == NULL)
				goto out;
		}
		const char *kv[4][2] = {{"label", lab}};
		size_t nkv = 1;

		if (info != NULL) {
			kv[nkv][0] = "info";
			kv[nkv++][1] = info;
		}
		kv[nkv][0] = "type";
		kv[nkv++][1] = "DERIVE";
		kv[nkv][0] = "min";
		kv[nkv++][1] = "0";
		f = host_field_add(s, fname, (const char *const(*)[2])kv, nkv,
		    (double)q->count, false);
		if (f == NULL)
			goto out;
	}
	rc = 0;
out:
	free(lab);
	free(info);
	free(order);
	return rc;
}

int
host_kernel_parse_irqstats(const char *buf, size_t len, struct batch *b)
{
	const char *p = buf, *end = buf + len, *line;
	struct irq_list l = {0};
	struct tok *t = NULL;
	size_t linelen, cpus, n;
	int rc = -1;

	/* the header: one word per CPU */
	if (!host_line_next(&p, end, &line, &linelen))
		return -1;
	for (cpus = 0, n = 0; n < linelen && cpus <= IRQ_CPUS_MAX;) {
		while (n < linelen && is_space(line[n]))
			n++;
		if (n == linelen)
			break;
		cpus++;
		while (n < linelen && !is_space(line[n]))
			n++;
	}
	if (cpus == 0 || cpus > IRQ_CPUS_MAX) {
		errno = EINVAL;
		return -1;
	}
	t = calloc(cpus + 3, sizeof(*t));
	if (t == NULL)
		return -1;
	while (host_line_next(&p, end, &line, &linelen)) {
		n = perl_split(line, linelen, cpus + 3, t);
		if (n == 0)
			continue;
		if (irq_line(t, n, cpus, &l) == -1)
			goto out;
	}
	if (l.n > 0 && irq_service(&l, b) == -1)
		goto out;
	rc = 0;
out:
	free(t);
	irq_list_free(&l);
	return rc;
}

/* ---- entropy ------------------------------------------------------------ */

static const char *const entropy_graph[][2] = {
    {"graph_title", "Available entropy"},
    {"graph_args", "--base 1000 -l 0"},
    {"graph_vlabel", "entropy (bytes)"},
    {"graph_scale", "no"},
    {"graph_category", "system"},
    {"graph_info", "This graph shows the amount of entropy available in the "
		   "system."},
};

static const struct field_def entropy_fields[] = {
    {"entropy", {{"label", "entropy"},
		    {"info", "The number of random bytes available. This is "
			     "typically used by cryptographic applications."}}},
};

/* The first line of buf, without blanks around it. */
static struct tok
first_line(const char *buf, size_t len)
{
	const char *p = buf, *line;
	size_t n = 0;

	if (!host_line_next(&p, buf + len, &line, &n))
		return (struct tok){buf, 0};
	while (n > 0 && is_blank(*line)) {
		line++;
		n--;
	}
	while (n > 0 && is_blank(line[n - 1]))
		n--;
	return (struct tok){line, n};
}

int
host_kernel_parse_entropy(const char *buf, size_t len, struct batch *b)
{
	struct stat_key key = {"entropy_avail", 1, true, 0};
	struct tok t = first_line(buf, len);

	/* the plugin cats the file: a value line, whatever it holds */
	if (!digits_u64(t.s, t.n, &key.val))
		return -1;
	return stat_service(b, "entropy", entropy_graph, NATTRS(entropy_graph),
	    entropy_fields, &key, 1);
}

/* ---- uptime ------------------------------------------------------------- */

static const char *const uptime_graph[][2] = {
    /* the plugin's trailing blank is stripped, as Munin's master does */
    {"graph_title", "Uptime"},
    {"graph_args", "--base 1000 -l 0"},
    {"graph_scale", "no"},
    {"graph_vlabel", "uptime in days"},
    {"graph_category", "system"},
};

static const struct field_def uptime_fields[] = {
    {"uptime", {{"label", "uptime"}, {"draw", "AREA"}}},
};

int
host_kernel_parse_uptime(const char *buf, size_t len, struct batch *b)
{
	struct tok t = first_line(buf, len);
	char num[32], *ep;
	struct service *s;
	size_t n, dots = 0;
	double secs, days;

	/* the first word: seconds, "12345.67" */
	for (n = 0; n < t.n && !is_blank(t.s[n]); n++) {
		if (t.s[n] == '.')
			dots++;
		else if (!is_digit(t.s[n]))
			return -1;
	}
	if (n == 0 || n >= sizeof(num) || dots > 1 || !is_digit(t.s[0]) ||
	    !is_digit(t.s[n - 1]))
		return -1;
	memcpy(num, t.s, n);
	num[n] = '\0';
	errno = 0;
	secs = strtod(num, &ep);
	if (*ep != '\0' || errno != 0)
		return -1;
	/* awk's printf "%.2f" of $1/86400, read back */
	snprintf(num, sizeof(num), "%.2f", secs / 86400);
	days = strtod(num, NULL);

	s = host_service_add(b, "uptime", uptime_graph, NATTRS(uptime_graph));
	if (s == NULL)
		return -1;
	return host_field_add(s, uptime_fields[0].name, uptime_fields[0].attrs,
		   FIELD_ATTRS, days, false) == NULL
		   ? -1
		   : 0;
}

/* ---- probes ------------------------------------------------------------- */

/* /proc/stat grows with CPUs and IRQs, /proc/interrupts with both. */
#define STAT_MAX (1024 * 1024)
#define VMSTAT_MAX (64 * 1024)
#define INTERRUPTS_MAX (4 * 1024 * 1024)
#define SMALL_MAX 256

/*
 * Reads rel below the proc root (at most max) into *buf, *len.  1 when
 * read, 0 when missing (*buf NULL), -1 on another error (logged).
 */
static int
read_proc(const struct host_roots *r, const char *probe, const char *rel,
    size_t max, char **buf, size_t *len)
{
	*buf = NULL;
	*len = 0;
	if (host_read(r->proc, rel, max, buf, len) == 0)
		return 1;
	if (errno == ENOENT)
		return 0;
	log_warn("%s: %s/%s", probe, r->proc, rel);
	return -1;
}

/* The outcome of parsing rel for probe: logs a failure. */
static int
parsed(const struct host_roots *r, const char *probe, const char *rel, int rc)
{
	if (rc == -1) {
		if (errno == ENOMEM)
			log_warn("%s: %s/%s", probe, r->proc, rel);
		else
			log_warnx(
			    "%s: %s/%s: not understood", probe, r->proc, rel);
	}
	return rc;
}

/* Reads rel and parses it: a missing file adds nothing. */
static int
probe_file(const struct host_roots *r, const char *probe, const char *rel,
    size_t max, int (*parse)(const char *, size_t, struct batch *),
    struct batch *b)
{
	char *buf;
	size_t len;
	int rc;

	rc = read_proc(r, probe, rel, max, &buf, &len);
	if (rc <= 0)
		return rc;
	errno = 0;
	rc = parsed(r, probe, rel, parse(buf, len, b));
	free(buf);
	return rc;
}

static int
collect_swap(const struct host_roots *r, void **state, struct batch *b)
{
	char *buf;
	size_t len;
	int rc;

	(void)state;
	rc = read_proc(r, "swap", "vmstat", VMSTAT_MAX, &buf, &len);
	if (rc == 1) {
		errno = 0;
		rc = parsed(r, "swap", "vmstat",
		    host_kernel_parse_swap(buf, len, NULL, 0, b));
		free(buf);
		return rc;
	}
	if (rc == -1)
		return -1;
	/* no /proc/vmstat: a 2.4 kernel */
	rc = read_proc(r, "swap", "stat", STAT_MAX, &buf, &len);
	if (rc <= 0)
		return rc;
	errno = 0;
	rc = parsed(
	    r, "swap", "stat", host_kernel_parse_swap(NULL, 0, buf, len, b));
	free(buf);
	return rc;
}

static int
collect_vmstat(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	return probe_file(
	    r, "vmstat", "stat", STAT_MAX, host_kernel_parse_vmstat, b);
}

static int
collect_forks(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	return probe_file(
	    r, "forks", "stat", STAT_MAX, host_kernel_parse_forks, b);
}

static int
collect_interrupts(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	return probe_file(
	    r, "interrupts", "stat", STAT_MAX, host_kernel_parse_interrupts, b);
}

static int
collect_irqstats(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	return probe_file(r, "irqstats", "interrupts", INTERRUPTS_MAX,
	    host_kernel_parse_irqstats, b);
}

static int
collect_entropy(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	return probe_file(r, "entropy", "sys/kernel/random/entropy_avail",
	    SMALL_MAX, host_kernel_parse_entropy, b);
}

static int
collect_uptime(const struct host_roots *r, void **state, struct batch *b)
{
	(void)state;
	return probe_file(
	    r, "uptime", "uptime", SMALL_MAX, host_kernel_parse_uptime, b);
}

const struct host_probe probe_swap = {.name = "swap", .collect = collect_swap};
const struct host_probe probe_vmstat = {
    .name = "vmstat", .collect = collect_vmstat};
const struct host_probe probe_forks = {
    .name = "forks", .collect = collect_forks};
const struct host_probe probe_interrupts = {
    .name = "interrupts", .collect = collect_interrupts};
const struct host_probe probe_irqstats = {
    .name = "irqstats", .collect = collect_irqstats};
const struct host_probe probe_entropy = {
    .name = "entropy", .collect = collect_entropy};
const struct host_probe probe_uptime = {
    .name = "uptime", .collect = collect_uptime};
