/*
 * host_xen: the Xen domains of this dom0 (plugins/host_xen.h): the xentop
 * and xl parsers, the domains seen, the services, and the refresh that
 * runs xentop and xl (or libxenstat in a worker) off the loop.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "lib/log.h"
#include "plugins/host_cmd.h"
#include "plugins/host_disk.h"
#include "plugins/host_xen.h"
#include "plugins/host_xenstat.h"

#define TOKENS_MAX 32 /* words of a xentop line looked at */
#define CUT_NAME 10   /* xentop's %10.10s without -f */

/* ---- xentop ------------------------------------------------------------ */

struct tok {
	const char *p;
	size_t n;
};

static bool
tok_eq(const struct tok *t, const char *s)
{
	return strlen(s) == t->n && memcmp(t->p, s, t->n) == 0;
}

/* The words of line[0, len) into t (at most max); how many (max + 1 when
 * there are more). */
static size_t
tokenize(const char *line, size_t len, struct tok *t, size_t max)
{
	const char *p = line, *end = line + len, *s;
	size_t n = 0;

	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p == end)
			return n;
		if (n == max)
			return max + 1;
		s = p;
		while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
			p++;
		t[n].p = s;
		t[n].n = (size_t)(p - s);
		n++;
	}
}

bool
xen_state_parse(const char *s, size_t len, bool *running)
{
	bool stopped = false;
	size_t i;

	if (len != 6)
		return false;
	for (i = 0; i < len; i++) {
		switch (s[i]) {
		case 'p': /* paused */
		case 's': /* shut down */
		case 'c': /* crashed */
		case 'd': /* dying */
			stopped = true;
			break;
		case 'r': /* running */
		case 'b': /* blocked: idle, waiting for an event */
		case '-':
			break;
		default:
			return false;
		}
	}
	*running = !stopped;
	return true;
}

/* The columns of xentop's table (NAME and STATE are 0 and 1). */
enum col {
	C_CPU,
	C_MEM,
	C_VCPUS,
	C_NETS,
	C_NETTX,
	C_NETRX,
	C_VBDS,
	C_VBD_RD,
	C_VBD_WR,
	C_VBD_RSECT,
	C_VBD_WSECT,
	C_N
};

static const char *const col_names[C_N] = {
    [C_CPU] = "CPU(sec)",
    [C_MEM] = "MEM(k)",
    [C_VCPUS] = "VCPUS",
    [C_NETS] = "NETS",
    [C_NETTX] = "NETTX(k)",
    [C_NETRX] = "NETRX(k)",
    [C_VBDS] = "VBDS",
    [C_VBD_RD] = "VBD_RD",
    [C_VBD_WR] = "VBD_WR",
    [C_VBD_RSECT] = "VBD_RSECT",
    [C_VBD_WSECT] = "VBD_WSECT",
};

/* Where each column is and how many words a row has. */
struct layout {
	int at[C_N]; /* word index, -1 when absent */
	size_t words;
};

/* The layout xentop prints: 19 columns, or 17 without the sectors. */
static void
layout_default(struct layout *l, size_t words)
{
	static const int at19[C_N] = {2, 4, 8, 9, 10, 11, 12, 14, 15, 16, 17};
	size_t i;

	for (i = 0; i < C_N; i++)
		l->at[i] = at19[i];
	if (words == 17)
		l->at[C_VBD_RSECT] = l->at[C_VBD_WSECT] = -1;
	l->words = words;
}

/* A header line (its first word NAME) into l; false when it lacks a
 * column every xentop has. */
static bool
layout_header(const struct tok *t, size_t n, struct layout *l)
{
	size_t i, c;

	for (c = 0; c < C_N; c++)
		l->at[c] = -1;
	for (i = 0; i < n; i++)
		for (c = 0; c < C_N; c++)
			if (tok_eq(&t[i], col_names[c]))
				l->at[c] = (int)i;
	l->words = n;
	for (c = 0; c < C_N; c++)
		if (l->at[c] == -1 && c != C_VBD_RSECT && c != C_VBD_WSECT)
			return false;
	return true;
}

/* Word at of t as a number into *v; "-" leaves *has false. */
static bool
tok_u64(const struct tok *t, uint64_t *v, bool *has)
{
	const char *p = t->p;

	if (tok_eq(t, "-")) {
		*has = false;
		*v = 0;
		return true;
	}
	return host_parse_u64(&p, t->p + t->n, v) && p == t->p + t->n;
}

/* One domain row t[n] (NAME STATE ..., "no limit" already joined) into d
 * by l.  False when not understood. */
static bool
row_parse(
    const struct tok *t, size_t n, const struct layout *l, struct xen_dom *d)
{
	uint64_t v[C_N] = {0};
	bool has[C_N];
	size_t c, nl = t[0].n < sizeof(d->name) ? t[0].n : sizeof(d->name) - 1;

	if (n != l->words)
		return false;
	memset(d, 0, sizeof(*d));
	for (c = 0; c < C_N; c++) {
		has[c] = l->at[c] >= 0;
		if (has[c] && !tok_u64(&t[l->at[c]], &v[c], &has[c]))
			return false;
	}
	if (!has[C_CPU] || !has[C_MEM] || !has[C_VCPUS] || !has[C_NETS] ||
	    !has[C_VBDS] || !xen_state_parse(t[1].p, t[1].n, &d->running))
		return false;
	memcpy(d->name, t[0].p, nl); /* a longer name is cut */
	d->name[nl] = '\0';
	d->domid = -1;
	d->present = d->known = true;
	d->cpu_cs = v[C_CPU] * 100;
	d->mem = v[C_MEM] * 1024;
	d->vcpus = (unsigned)v[C_VCPUS];
	d->nets = (unsigned)v[C_NETS];
	d->vbds = (unsigned)v[C_VBDS];
	/* the backend's tx is what the domain received */
	d->has_net = has[C_NETTX] && has[C_NETRX];
	d->net_rx = v[C_NETTX] * 1024;
	d->net_tx = v[C_NETRX] * 1024;
	d->has_disk = has[C_VBD_RD] && has[C_VBD_WR];
	d->rd_req = v[C_VBD_RD];
	d->wr_req = v[C_VBD_WR];
	d->has_sect = has[C_VBD_RSECT] && has[C_VBD_WSECT];
	d->rd_sect = v[C_VBD_RSECT];
	d->wr_sect = v[C_VBD_WSECT];
	return true;
}

/* Adds (or, for a name already there, replaces) d in *v[*n]. */
static int
doms_put(struct xen_dom **v, size_t *n, size_t *cap, const struct xen_dom *d)
{
	struct xen_dom *nv;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*v)[i].name, d->name) == 0) {
			(*v)[i] = *d;
			return 0;
		}
	if (*n == *cap) {
		*cap = *cap == 0 ? 8 : *cap * 2;
		nv = realloc(*v, *cap * sizeof(**v));
		if (nv == NULL)
			return -1;
		*v = nv;
	}
	(*v)[(*n)++] = *d;
	return 0;
}

int
xen_xentop_parse(const char *buf, size_t len, struct xen_dom **out, size_t *n)
{
	const char *p = buf, *end = buf + len, *line;
	struct tok t[TOKENS_MAX + 1];
	struct layout l = {.words = 0};
	struct xen_dom d, *v = NULL;
	size_t ll, k, i, cap = 0, nv = 0;
	bool have_layout = false, header = false;
	bool running;

	*out = NULL;
	*n = 0;
	while (host_line_next(&p, end, &line, &ll)) {
		k = tokenize(line, ll, t, TOKENS_MAX);
		if (k == 0 || k > TOKENS_MAX)
			continue;
		if (k >= 2 && tok_eq(&t[0], "NAME") && tok_eq(&t[1], "STATE")) {
			if (!layout_header(t, k, &l))
				goto bad;
			have_layout = header = true;
			continue;
		}
		if (k < 2 || !xen_state_parse(t[1].p, t[1].n, &running))
			continue; /* -v -n -x detail lines */
		/* MAXMEM "no limit" is two words */
		for (i = 2; i + 1 < k; i++)
			if (tok_eq(&t[i], "no") && tok_eq(&t[i + 1], "limit")) {
				t[i].n =
				    (size_t)(t[i + 1].p + t[i + 1].n - t[i].p);
				memmove(&t[i + 1], &t[i + 2],
				    (k - i - 2) * sizeof(*t));
				k--;
				break;
			}
		if (!have_layout) {
			if (k != 17 && k != 19)
				goto bad;
			layout_default(&l, k);
			have_layout = true;
		}
		if (!row_parse(t, k, &l, &d))
			goto bad;
		if (doms_put(&v, &nv, &cap, &d) == -1) {
			free(v);
			errno = ENOMEM;
			return -1;
		}
	}
	if (nv == 0 && !header)
		goto bad;
	*out = v;
	*n = nv;
	return 0;
bad:
	free(v);
	errno = EINVAL;
	return -1;
}

/* ---- xl list -l -------------------------------------------------------- */

static unsigned
array_len(json_t *o, const char *key)
{
	json_t *a = json_object_get(o, key);

	return json_is_array(a) ? (unsigned)json_array_size(a) : 0;
}

int
xen_xl_parse(const char *buf, size_t len, struct xen_xl **out, size_t *n)
{
	json_t *root, *e, *config, *cinfo, *name, *domid;
	struct xen_xl *v = NULL;
	json_error_t err;
	size_t i, k = 0, skip = 0;

	*out = NULL;
	*n = 0;
	while (skip < len && isspace((unsigned char)buf[skip]))
		skip++;
	if (skip < len && buf[skip] == '(') {
		errno = ENOTSUP;
		return -1;
	}
	root = json_loadb(buf, len, 0, &err);
	if (root == NULL || !json_is_array(root)) {
		json_decref(root);
		errno = EINVAL;
		return -1;
	}
	if (json_array_size(root) > 0) {
		v = calloc(json_array_size(root), sizeof(*v));
		if (v == NULL) {
			json_decref(root);
			errno = ENOMEM;
			return -1;
		}
	}
	json_array_foreach(root, i, e)
	{
		config = json_object_get(e, "config");
		cinfo = json_object_get(config, "c_info");
		name = json_object_get(cinfo, "name");
		domid = json_object_get(e, "domid");
		if (!json_is_string(name))
			continue; /* not a domain we can name */
		snprintf(v[k].name, sizeof(v[k].name), "%s",
		    json_string_value(name));
		v[k].domid = json_is_integer(domid)
				 ? (int)json_integer_value(domid)
				 : -1;
		v[k].nics = array_len(config, "nics");
		v[k].disks = array_len(config, "disks");
		k++;
	}
	json_decref(root);
	*out = v;
	*n = k;
	return 0;
}

/* ---- completing a reading ---------------------------------------------- */

static const struct xen_xl *
xl_find(const char *name, const struct xen_xl *xl, size_t nxl)
{
	const struct xen_xl *hit = NULL;
	size_t i, hits = 0;

	for (i = 0; i < nxl; i++)
		if (strcmp(xl[i].name, name) == 0)
			return &xl[i];
	if (strlen(name) != CUT_NAME)
		return NULL;
	for (i = 0; i < nxl; i++)
		if (strncmp(xl[i].name, name, CUT_NAME) == 0) {
			hit = &xl[i];
			hits++;
		}
	return hits == 1 ? hit : NULL;
}

/* field is the field of one of doms[0, n). */
static bool
field_taken(const struct xen_dom *doms, size_t n, const char *field)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(doms[i].field, field) == 0)
			return true;
	return false;
}

void
xen_doms_complete(
    struct xen_dom *doms, size_t n, const struct xen_xl *xl, size_t nxl)
{
	const struct xen_xl *x;
	struct xen_dom *d;
	char base[XEN_NAME_MAX];
	size_t i, k;

	for (i = 0; i < n; i++) {
		d = &doms[i];
		x = xl_find(d->name, xl, nxl);
		if (x != NULL) {
			snprintf(d->name, sizeof(d->name), "%s", x->name);
			d->domid = x->domid;
			if (d->nets == 0 && x->nics > 0)
				d->has_net = false;
			if (d->vbds == 0 && x->disks > 0)
				d->has_disk = d->has_sect = false;
		}
		d->dom0 = d->domid == 0 || strcmp(d->name, "Domain-0") == 0;
		disk_clean_fieldname(d->name, base, sizeof(base));
		/* two names that clean to one field: number the later */
		snprintf(d->field, sizeof(d->field), "%s", base);
		for (k = 2; field_taken(doms, i, d->field); k++)
			snprintf(
			    d->field, sizeof(d->field), "%.100s_%zu", base, k);
	}
}

/* ---- the domains seen -------------------------------------------------- */

static int
dom_cmp(const void *a, const void *b)
{
	return strcmp(((const struct xen_dom *)a)->field,
	    ((const struct xen_dom *)b)->field);
}

static struct xen_dom *
seen_find(struct xen_seen *seen, const char *field)
{
	size_t i;

	for (i = 0; i < seen->n; i++)
		if (strcmp(seen->v[i].field, field) == 0)
			return &seen->v[i];
	return NULL;
}

int
xen_seen_merge(
    struct xen_seen *seen, const struct xen_dom *now, size_t n, bool known)
{
	struct xen_dom *v, *g;
	size_t i, j, cap;

	if (!known)
		n = 0;
	cap = seen->n + n;
	if (cap > XEN_DOMAINS_MAX)
		cap = XEN_DOMAINS_MAX;
	if (cap > seen->n) {
		v = realloc(seen->v, cap * sizeof(*v));
		if (v == NULL)
			return -1;
		seen->v = v;
	}
	for (i = 0; i < seen->n; i++) {
		g = &seen->v[i];
		g->present = g->running = false;
		g->known = known;
	}
	for (i = 0; i < n; i++) {
		g = seen_find(seen, now[i].field);
		if (g == NULL && seen->n == XEN_DOMAINS_MAX) {
			for (j = 0; j < seen->n && seen->v[j].present; j++)
				;
			if (j < seen->n) {
				memmove(&seen->v[j], &seen->v[j + 1],
				    (seen->n - j - 1) * sizeof(*seen->v));
				seen->n--;
			} else {
				if (!seen->full_said)
					log_warnx("xen: more than %d domains, "
						  "%s and others not shown",
					    XEN_DOMAINS_MAX, now[i].name);
				seen->full_said = true;
				continue;
			}
		}
		if (g == NULL)
			g = &seen->v[seen->n++];
		*g = now[i];
		g->present = g->known = true;
	}
	if (seen->n > 1)
		qsort(seen->v, seen->n, sizeof(*seen->v), dom_cmp);
	return 0;
}

void
xen_seen_cleanup(struct xen_seen *seen)
{
	free(seen->v);
	seen->v = NULL;
	seen->n = 0;
}

/* ---- services ---------------------------------------------------------- */

static struct service *
graph_add(struct batch *b, const struct host_graph *g)
{
	return host_graph_add(b, "virtualization", g);
}

/* One field of d: label, type, value (U when !has); neg names the
 * field this one is the positive half of (NULL: none), graph_no hides
 * it. */
static int
dom_field(struct service *s, const struct xen_dom *d, const char *suffix,
    const char *type, const char *neg_suffix, bool graph_no, double v, bool has)
{
	char name[XEN_NAME_MAX + 16], neg[XEN_NAME_MAX + 16];
	const char *const kv[][2] = {
	    {"label", d->name},
	    {"type", type},
	    {"min", "0"},
	    {graph_no ? "graph" : "negative", graph_no ? "no" : neg},
	};

	snprintf(name, sizeof(name), "%s%s", d->field, suffix);
	snprintf(neg, sizeof(neg), "%s%s", d->field,
	    neg_suffix != NULL ? neg_suffix : "");
	return host_field_add(s, name, kv,
		   graph_no || neg_suffix != NULL ? 4 : 3, v, !has) == NULL
		   ? -1
		   : 0;
}

/* A pair NAME_a (below the axis, graph no) / NAME_b into s. */
static int
dom_pair(struct service *s, const struct xen_dom *d, const char *a,
    const char *b, double va, double vb, bool has)
{
	if (dom_field(s, d, a, "DERIVE", NULL, true, va, has) == -1)
		return -1;
	return dom_field(s, d, b, "DERIVE", a, false, vb, has);
}

int
xen_services(const struct xen_seen *seen, struct batch *b)
{
	static const struct host_graph
	    cpu = {"xen_cpu", "Xen domain CPU time", "%", "--base 1000 -l 0",
		"CPU time each domain used, in percent of one CPU."},
	    mem = {"xen_memory", "Xen domain memory", "bytes",
		"--base 1024 -l 0", "Memory each domain holds."},
	    vcpus = {"xen_vcpus", "Xen domain vCPUs", "vCPUs",
		"--base 1000 -l 0", "Virtual CPUs of each domain."},
	    net = {"xen_net", "Xen domain network traffic",
		"bytes received (-) / sent (+) per ${graph_period}",
		"--base 1000",
		"Bytes each domain received and sent, summed over its vifs "
		"(the backend interfaces vifD.N in dom0)."},
	    disk = {"xen_disk", "Xen domain disk throughput",
		"bytes read (-) / written (+) per ${graph_period}",
		"--base 1024",
		"Bytes each domain read and wrote on its virtual block "
		"devices (512-byte sectors)."},
	    ops = {"xen_disk_ops", "Xen domain disk requests",
		"requests read (-) / write (+) per ${graph_period}",
		"--base 1000",
		"Read and write requests of each domain's virtual block "
		"devices."},
	    state = {"xen_state", "Xen guest state", "running",
		"--base 1000 -l 0 -u 1",
		"1: the guest runs (or waits to), 0: paused, shut down, "
		"crashed, dying or gone.  Domain-0 is not listed."};
	struct service *s[7];
	const struct xen_dom *d;
	bool live, guests = false;
	size_t i;

	if (seen->n == 0)
		return 0;
	for (i = 0; i < seen->n; i++)
		guests |= !seen->v[i].dom0;
	s[0] = graph_add(b, &cpu);
	s[1] = graph_add(b, &mem);
	s[2] = graph_add(b, &vcpus);
	s[3] = graph_add(b, &net);
	s[4] = graph_add(b, &disk);
	s[5] = graph_add(b, &ops);
	s[6] = guests ? graph_add(b, &state) : NULL;
	for (i = 0; i < 6; i++)
		if (s[i] == NULL)
			return -1;
	if (guests && s[6] == NULL)
		return -1;
	for (i = 0; i < seen->n; i++) {
		d = &seen->v[i];
		live = d->present && d->known;
		if (dom_field(s[0], d, "", "DERIVE", NULL, false,
			(double)d->cpu_cs, live) == -1 ||
		    dom_field(s[1], d, "", "GAUGE", NULL, false, (double)d->mem,
			live) == -1 ||
		    dom_field(s[2], d, "", "GAUGE", NULL, false,
			(double)d->vcpus, live) == -1 ||
		    dom_pair(s[3], d, "_rx", "_tx", (double)d->net_rx,
			(double)d->net_tx, live && d->has_net) == -1 ||
		    dom_pair(s[4], d, "_read", "_write",
			(double)d->rd_sect * XEN_SECTOR,
			(double)d->wr_sect * XEN_SECTOR,
			live && d->has_disk && d->has_sect) == -1 ||
		    dom_pair(s[5], d, "_rdreq", "_wrreq", (double)d->rd_req,
			(double)d->wr_req, live && d->has_disk) == -1)
			return -1;
		if (!d->dom0 && dom_field(s[6], d, "", "GAUGE", NULL, false,
				    live && d->running ? 1 : 0, d->known) == -1)
			return -1;
	}
	return 0;
}

/* ---- the probe --------------------------------------------------------- */

/* One refresh under way: the commands or the libxenstat job.  It owns
 * its outputs; once withdrawn (st NULL) it touches nothing else. */
struct xen_job {
	struct xen_state *st; /* NULL once withdrawn */
	uv_loop_t *loop;
	const struct host_cmd_runner *runner;
	struct host_cmd *top, *xl; /* running, or NULL */
	int pending;		   /* commands not ended */
	host_refresh_cb done;
	void *arg;
	/* results */
	bool top_ok, xl_ok;
	enum host_cmd_status top_status;
	int top_spawn_error;
	char *top_out, *xl_out;
	size_t top_len, xl_len;
	char top_err[HOST_CMD_STDERR_MAX + 1];
	char xl_err[HOST_CMD_STDERR_MAX + 1];
	enum host_cmd_status xl_status;
	bool nofull_hint; /* xentop rejected -f */
	/* libxenstat */
	bool stat; /* this is the libxenstat job */
	uv_work_t work;
	struct xen_dom *stat_v;
	size_t stat_n;
	int stat_errno;
};

struct xen_state {
	struct xen_seen seen;
	struct xen_job *job; /* the refresh running, or NULL */
	bool nofull;	     /* run xentop without -f (an old one) */
	bool ever;	     /* a reading succeeded once */
	bool top_said;	     /* the failing xentop was logged */
	bool xl_said;	     /* the failing xl was logged */
};

static const char *
cmd_or(const char *c, const char *dflt)
{
	return c != NULL && *c != '\0' ? c : dflt;
}

static size_t
xen_commands(
    const struct host_roots *r, const char *out[][HOST_ARGV_MAX], size_t max)
{
	const char *top = cmd_or(r->xentop_command, "xentop");
	const char *xl = cmd_or(r->xl_command, "xl");
	const char *const v[][6] = {
	    {top, "-b", "-i", "1", "-f", NULL},
	    {top, "-b", "-i", "1", NULL},
	    {xl, "list", "-l", NULL},
	};
	size_t i, j, n = 0;

	if (xenstat_available())
		return 0;
	for (i = 0; i < sizeof(v) / sizeof(v[0]) && n < max; i++, n++)
		for (j = 0; j < 6; j++) {
			out[n][j] = v[i][j];
			if (v[i][j] == NULL)
				break;
		}
	return n;
}

/* Takes a reading into st->seen, logging what failed once per streak. */
static void
job_finish(struct xen_state *st, struct xen_job *j)
{
	struct xen_dom *doms = NULL;
	struct xen_xl *xl = NULL;
	size_t n = 0, nxl = 0;
	bool known = false;

	if (j->stat) {
		doms = j->stat_v;
		n = j->stat_n;
		j->stat_v = NULL;
		known = j->stat_errno == 0;
		if (!known && !st->top_said)
			log_info("xen: libxenstat: %s%s",
			    strerror(j->stat_errno),
			    st->ever ? "" : " (not a Xen dom0?): not shown");
		st->top_said = !known;
		goto merge;
	}
	if (j->nofull_hint && !st->nofull) {
		log_info("xen: xentop has no -f, names from xl list -l");
		st->nofull = true;
	}
	if (j->top_ok) {
		if (xen_xentop_parse(j->top_out, j->top_len, &doms, &n) == 0)
			known = true;
		else if (!st->top_said)
			log_warnx("xen: xentop output not understood");
		st->top_said = !known;
	} else if (j->nofull_hint) {
		/* the next refresh runs it without -f */
	} else if (!st->top_said) {
		if (j->top_status == HOST_CMD_SPAWN_FAILED && !st->ever)
			log_info("xen: no xentop (%s): not a Xen dom0, "
				 "not shown",
			    uv_strerror(j->top_spawn_error));
		else if (!st->ever)
			log_info("xen: xentop %s (not a Xen dom0?): %s",
			    host_cmd_status_str(j->top_status), j->top_err);
		else
			log_warnx("xen: xentop %s: %s",
			    host_cmd_status_str(j->top_status), j->top_err);
		st->top_said = true;
	}
	if (known && j->xl_ok) {
		if (xen_xl_parse(j->xl_out, j->xl_len, &xl, &nxl) == -1 &&
		    !st->xl_said) {
			log_info("xen: xl list -l: %s",
			    errno == ENOTSUP ? "SXP output, not read"
					     : "output not understood");
			st->xl_said = true;
		}
	} else if (known && !st->xl_said) {
		log_info("xen: xl list -l %s: %s",
		    host_cmd_status_str(j->xl_status), j->xl_err);
		st->xl_said = true;
	}
merge:
	if (known) {
		xen_doms_complete(doms, n, xl, nxl);
		st->ever = true;
		if (xen_seen_merge(&st->seen, doms, n, true) == -1)
			log_warn("xen");
	} else if (st->seen.n > 0 &&
		   xen_seen_merge(&st->seen, NULL, 0, false) == -1) {
		log_warn("xen");
	}
	free(doms);
	free(xl);
}

static void
job_free(struct xen_job *j)
{
	free(j->top_out);
	free(j->xl_out);
	free(j->stat_v);
	free(j);
}

/* The last part of j has ended: into its state, then done. */
static void
job_end(struct xen_job *j)
{
	struct xen_state *st = j->st;
	host_refresh_cb done = j->done;
	void *arg = j->arg;

	if (st == NULL) { /* withdrawn */
		job_free(j);
		return;
	}
	st->job = NULL;
	job_finish(st, j);
	job_free(j);
	done(arg);
}

static char *
dup_out(const struct host_cmd_result *res, size_t *len)
{
	char *p = malloc(res->out_len + 1);

	if (p != NULL) {
		memcpy(p, res->out, res->out_len);
		p[res->out_len] = '\0';
		*len = res->out_len;
	}
	return p;
}

static void
top_done(const struct host_cmd_result *res, void *arg)
{
	struct xen_job *j = arg;

	j->top = NULL;
	j->top_status = res->status;
	j->top_spawn_error = res->spawn_error;
	snprintf(j->top_err, sizeof(j->top_err), "%s", res->err);
	if (res->status == HOST_CMD_OK) {
		j->top_out = dup_out(res, &j->top_len);
		j->top_ok = j->top_out != NULL;
	} else if (res->status == HOST_CMD_BAD_EXIT &&
		   strstr(res->err, "invalid option") != NULL) {
		j->nofull_hint = true;
	}
	if (--j->pending == 0)
		job_end(j);
}

static void
xl_done(const struct host_cmd_result *res, void *arg)
{
	struct xen_job *j = arg;

	j->xl = NULL;
	j->xl_status = res->status;
	snprintf(j->xl_err, sizeof(j->xl_err), "%s", res->err);
	if (res->status == HOST_CMD_OK) {
		j->xl_out = dup_out(res, &j->xl_len);
		j->xl_ok = j->xl_out != NULL;
	}
	if (--j->pending == 0)
		job_end(j);
}

static void
stat_work(uv_work_t *w)
{
	struct xen_job *j = w->data;

	if (xenstat_read(&j->stat_v, &j->stat_n) == -1)
		j->stat_errno = errno != 0 ? errno : EIO;
}

static void
stat_after(uv_work_t *w, int status)
{
	struct xen_job *j = w->data;

	if (status == UV_ECANCELED && j->stat_errno == 0)
		j->stat_errno = ECANCELED;
	job_end(j);
}

static int
xen_refresh(uv_loop_t *loop, const struct host_roots *r, void **state,
    host_refresh_cb done, void *arg)
{
	struct xen_state *st = *state;
	const char *argv[3][HOST_ARGV_MAX];
	struct xen_job *j;
	unsigned timeout = r->command_timeout_ms != 0 ? r->command_timeout_ms
						      : HOST_COMMAND_TIMEOUT_MS;

	if (st == NULL) {
		st = calloc(1, sizeof(*st));
		if (st == NULL) {
			log_warn("xen");
			return -1;
		}
		*state = st;
	}
	if (st->job != NULL) {
		log_warnx("xen: a refresh is already running");
		return -1;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		log_warn("xen");
		return -1;
	}
	j->st = st;
	j->loop = loop;
	j->runner = r->runner;
	j->done = done;
	j->arg = arg;
	if (xenstat_available()) {
		j->stat = true;
		j->work.data = j;
		if (uv_queue_work(loop, &j->work, stat_work, stat_after) != 0) {
			log_warnx("xen: could not queue the libxenstat read");
			free(j);
			return -1;
		}
		st->job = j;
		return 0;
	}
	xen_commands(r, argv, 3);
	j->pending = 2;
	j->top = host_cmd_run(r->runner, loop, argv[st->nofull ? 1 : 0],
	    timeout, XEN_OUT_MAX, top_done, j);
	if (j->top == NULL) {
		log_warn("xen: xentop");
		free(j);
		return -1;
	}
	j->xl = host_cmd_run(
	    r->runner, loop, argv[2], timeout, XEN_OUT_MAX, xl_done, j);
	if (j->xl == NULL) {
		/* no xl this time: the reading goes without it */
		j->pending = 1;
		j->xl_status = HOST_CMD_SPAWN_FAILED;
		snprintf(j->xl_err, sizeof(j->xl_err), "%s", strerror(errno));
	}
	st->job = j;
	return 0;
}

static void
xen_refresh_cancel(void *state)
{
	struct xen_state *st = state;
	struct xen_job *j;

	if (st == NULL || st->job == NULL)
		return;
	j = st->job;
	st->job = NULL;
	j->st = NULL;
	if (xenstat_available()) {
		/* not started yet: after_work gets UV_ECANCELED; else it
		 * ends on its own and after_work frees it */
		uv_cancel((uv_req_t *)&j->work);
		return;
	}
	if (j->top != NULL)
		host_cmd_withdraw(j->runner, j->top);
	if (j->xl != NULL)
		host_cmd_withdraw(j->runner, j->xl);
	job_free(j);
}

static int
collect_xen(const struct host_roots *r, void **state, struct batch *b)
{
	struct xen_state *st = *state;

	(void)r;
	if (st == NULL)
		return 0; /* no reading yet */
	if (xen_services(&st->seen, b) == -1) {
		log_warn("xen");
		return -1;
	}
	return 0;
}

static void
xen_state_free(void *state)
{
	struct xen_state *st = state;

	if (st == NULL)
		return;
	xen_refresh_cancel(st);
	xen_seen_cleanup(&st->seen);
	free(st);
}

const struct host_probe probe_xen = {
    .name = "xen",
    .multigraph = true,
    .collect = collect_xen,
    .state_free = xen_state_free,
    .refresh = xen_refresh,
    .refresh_cancel = xen_refresh_cancel,
    .commands = xen_commands,
};
