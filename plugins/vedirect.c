/*
 * vedirect: the VE.Direct source (see vedirect.h): settings and keys,
 * serial ports read on the loop, the latest values per label, polls.
 *
 * A port is a heap object with two handles (its read poll, while open,
 * and its reopen timer); it is freed once both are closed, so a target
 * closed mid-reopen leaves nothing behind.  Everything runs on the loop
 * thread; reads never block (O_NONBLOCK, one bounded burst per wake-up).
 * The handles are unreferenced: a port read all the time must not keep
 * the loop alive once the daemon stops (it runs the loop dry before it
 * closes the targets).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/parse.h"
#include "plugins/vedirect.h"
#include "plugins/vedirect_proto.h"

#define LABELS_MAX 64	     /* distinct labels kept per port */
#define READ_CHUNK 1024	     /* bytes per read() */
#define READS_PER_WAKE 16    /* reads per readable event, then yield */
#define BACKOFF_MIN_MS 500   /* first reopen delay */
#define BACKOFF_MAX_MS 10000 /* longest reopen delay */
#define POLL_WAIT_MS 3000    /* a poll waits this long for a first frame */
#define COMPLAIN_MS 60000    /* between repeats of one port's complaint */
#define DEFAULT_BAUD 19200   /* VE.Direct's only speed */
#define NAME_MAX_LEN 64	     /* vedirect_name */

/* ---- settings --------------------------------------------------------- */

struct vd_port_conf {
	char *path;
	char *name; /* vedirect_name; NULL: the path's base name */
};

struct vedirect_settings {
	struct vd_port_conf *port;
	size_t n;
	const char **devs; /* the paths, NULL-terminated (devices hook) */
	unsigned baud;
	unsigned nominal; /* 12, 24, 48; 0: guessed from the voltage */
};

static void *
settings_new(void)
{
	struct vedirect_settings *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->baud = DEFAULT_BAUD;
	return s;
}

static void
settings_free(void *p)
{
	struct vedirect_settings *s = p;
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++) {
		free(s->port[i].path);
		free(s->port[i].name);
	}
	free(s->port);
	free(s->devs);
	free(s);
}

static int
key_port(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct vedirect_settings *s = p;
	struct vd_port_conf *nv;
	const char **nd;
	size_t i;

	(void)key;
	if (val[0] != '/' || strlen(val) >= 4096) {
		snprintf(err, len,
		    "vedirect takes the absolute path of a serial port "
		    "(/dev/ttyUSB0)");
		return -1;
	}
	for (i = 0; i < s->n; i++)
		if (strcmp(s->port[i].path, val) == 0) {
			snprintf(err, len, "vedirect %s given twice", val);
			return -1;
		}
	nv = realloc(s->port, (s->n + 1) * sizeof(*nv));
	if (nv == NULL)
		fatal("vedirect: realloc");
	s->port = nv;
	nd = realloc(s->devs, (s->n + 2) * sizeof(*nd));
	if (nd == NULL)
		fatal("vedirect: realloc");
	s->devs = nd;
	nv[s->n].path = strdup(val);
	nv[s->n].name = NULL;
	if (nv[s->n].path == NULL)
		fatal("vedirect: strdup");
	nd[s->n] = nv[s->n].path;
	nd[s->n + 1] = NULL;
	s->n++;
	return 0;
}

static int
key_name(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct vedirect_settings *s = p;
	struct vd_port_conf *pc;

	(void)key;
	if (s->n == 0) {
		snprintf(err, len,
		    "vedirect_name names the port of the vedirect line "
		    "before it; there is none");
		return -1;
	}
	if (val[0] == '\0' || strlen(val) > NAME_MAX_LEN) {
		snprintf(
		    err, len, "vedirect_name must be 1-%d bytes", NAME_MAX_LEN);
		return -1;
	}
	pc = &s->port[s->n - 1];
	free(pc->name);
	pc->name = strdup(val);
	if (pc->name == NULL)
		fatal("vedirect: strdup");
	return 0;
}

static const struct baud {
	unsigned baud;
	speed_t speed;
} bauds[] = {
    {1200, B1200},
    {2400, B2400},
    {4800, B4800},
    {9600, B9600},
    {19200, B19200},
    {38400, B38400},
    {57600, B57600},
    {115200, B115200},
};
#define NBAUDS (sizeof(bauds) / sizeof(bauds[0]))

static const struct baud *
baud_find(unsigned b)
{
	size_t i;

	for (i = 0; i < NBAUDS; i++)
		if (bauds[i].baud == b)
			return &bauds[i];
	return NULL;
}

static int
key_baud(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct vedirect_settings *s = p;
	unsigned b;

	(void)key;
	if (!parse_uint(val, 1, 115200, &b) || baud_find(b) == NULL) {
		snprintf(err, len,
		    "vedirect_baud must be 1200, 2400, 4800, 9600, 19200 "
		    "(VE.Direct's), 38400, 57600 or 115200");
		return -1;
	}
	s->baud = b;
	return 0;
}

static int
key_nominal(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct vedirect_settings *s = p;
	unsigned v;

	(void)key;
	if (!parse_uint(val, 12, 48, &v) || (v != 12 && v != 24 && v != 48)) {
		snprintf(err, len, "vedirect_nominal must be 12, 24 or 48");
		return -1;
	}
	s->nominal = v;
	return 0;
}

/* The id of port i: its name, else its path's base name, sanitised. */
static void
port_id(const struct vd_port_conf *pc, char *out, size_t len)
{
	const char *base = strrchr(pc->path, '/');

	sanitise_plugin_name(pc->name != NULL ? pc->name : base + 1, out, len);
}

static void
settings_check(void *p, source_err_cb err, void *arg)
{
	struct vedirect_settings *s = p;
	char a[128], b[128], msg[512];
	size_t i, j;

	for (i = 0; i < s->n; i++)
		for (j = i + 1; j < s->n; j++) {
			port_id(&s->port[i], a, sizeof(a));
			port_id(&s->port[j], b, sizeof(b));
			if (strcmp(a, b) != 0)
				continue;
			snprintf(msg, sizeof(msg),
			    "vedirect %s and %s would both be bank_%s; "
			    "give one a vedirect_name",
			    s->port[i].path, s->port[j].path, a);
			err(arg, msg);
		}
}

static void
settings_print(const struct source_host *h, FILE *out)
{
	const struct vedirect_settings *s = h->settings;
	size_t i;

	if (s == NULL || s->n == 0)
		return;
	for (i = 0; i < s->n; i++) {
		fprintf(out, "    vedirect %s\n", s->port[i].path);
		if (s->port[i].name != NULL)
			fprintf(out, "    vedirect_name %s\n", s->port[i].name);
	}
	fprintf(out, "    vedirect_baud %u\n", s->baud);
	if (s->nominal)
		fprintf(out, "    vedirect_nominal %u\n", s->nominal);
}

static bool
wanted(const struct source_host *h)
{
	const struct vedirect_settings *s = h->settings;

	return s != NULL && s->n > 0;
}

static const char *const *
devices(const struct source_host *h)
{
	const struct vedirect_settings *s = h->settings;

	return s != NULL ? s->devs : NULL;
}

/* ---- the serial port -------------------------------------------------- */

/* Opens path raw 8N1 at baud, non-blocking; the fd, or -1 with err. */
static int
serial_open(const char *path, unsigned baud, char *err, size_t len)
{
	const struct baud *b = baud_find(baud);
	struct termios tio;
	int fd;

	fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, len, "cannot open: %s", strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &tio) == -1) {
		snprintf(err, len, "not a serial port: %s", strerror(errno));
		goto fail;
	}
	cfmakeraw(&tio);
	tio.c_cflag &= ~(tcflag_t)(CSIZE | CSTOPB | PARENB | CRTSCTS);
	tio.c_cflag |= CS8 | CLOCAL | CREAD;
	/* VMIN 0 would make read() return 0, not EAGAIN, when nothing is
	 * there: 0 must mean the line hung up */
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	if (b == NULL || cfsetispeed(&tio, b->speed) == -1 ||
	    cfsetospeed(&tio, b->speed) == -1 ||
	    tcsetattr(fd, TCSANOW, &tio) == -1) {
		snprintf(err, len, "cannot set %u 8N1 raw: %s", baud,
		    strerror(errno));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

/* ---- per target state --------------------------------------------------- */

struct label_entry {
	char label[VEDIRECT_LABEL_MAX + 1];
	char value[VEDIRECT_VALUE_MAX + 1];
	uint64_t when; /* uv_now ms of the block that brought it */
};

struct vedirect;

struct port {
	struct vedirect *vd; /* the owner; NULL once it let go */
	char *path;
	char id[128]; /* bank_ID */
	unsigned baud;
	int fd;	      /* -1: not open */
	bool polling; /* pollh is initialised (open, or closing) */
	uv_poll_t pollh;
	uv_timer_t retry;
	unsigned closing; /* handles whose close is pending */
	bool freeing;
	struct vedirect_parser parser;
	struct label_entry labels[LABELS_MAX];
	size_t nlabels;
	uint64_t opened;     /* uv_now ms of the last open (or try) */
	uint64_t last_frame; /* uv_now ms of the last good block; 0: none */
	uint64_t lost_at;    /* uv_now ms the port went away */
	unsigned backoff_ms;
	bool down_logged;  /* its loss (or first failed open) is logged */
	bool stale_logged; /* "no frames for N s" is logged */
	char why[256];	   /* why it is not open */
	unsigned nominal;  /* volts; 0: not known yet */
	unsigned long frames, bad_checksums, garbage;
	struct ratelimit bad_rl, garbage_rl;
};

struct vedirect {
	uv_loop_t *loop;
	char *host;
	struct port **port;
	size_t n;
	unsigned nominal; /* the settings' */
	uv_timer_t wait;  /* a poll waiting for first frames */
	bool running;
	source_done_cb cb;
	void *arg;
	uint64_t t0;
};

static void port_try_open(struct port *pt);
static void maybe_deliver(struct vedirect *vd);

static void
on_retry(uv_timer_t *t)
{
	port_try_open(t->data);
}

static const char *
port_host(const struct port *pt)
{
	return pt->vd != NULL ? pt->vd->host : "(removed host)";
}

static void
port_maybe_free(struct port *pt)
{
	if (pt->freeing && pt->closing == 0) {
		free(pt->path);
		free(pt);
	}
}

static void
on_port_handle_closed(uv_handle_t *h)
{
	struct port *pt = h->data;

	if (h == (uv_handle_t *)&pt->pollh) {
		pt->polling = false;
		close(pt->fd);
		pt->fd = -1;
		if (!pt->freeing)
			uv_timer_start(&pt->retry, on_retry, pt->backoff_ms, 0);
	}
	pt->closing--;
	port_maybe_free(pt);
}

static void
backoff_grow(struct port *pt)
{
	pt->backoff_ms = pt->backoff_ms == 0 ? BACKOFF_MIN_MS
			 : pt->backoff_ms * 2 > BACKOFF_MAX_MS
			     ? BACKOFF_MAX_MS
			     : pt->backoff_ms * 2;
}

/* The port failed (why): close it and reopen later; logged once. */
static void
port_lost(struct port *pt, const char *why)
{
	if (!pt->polling || uv_is_closing((uv_handle_t *)&pt->pollh))
		return;
	snprintf(pt->why, sizeof(pt->why), "lost: %s", why);
	if (!pt->down_logged)
		log_warnx("vedirect: %s: %s: port lost (%s); reopening with "
			  "backoff",
		    port_host(pt), pt->path, why);
	pt->down_logged = true;
	pt->lost_at = uv_now(pt->retry.loop);
	backoff_grow(pt);
	uv_poll_stop(&pt->pollh);
	pt->closing++;
	uv_close((uv_handle_t *)&pt->pollh, on_port_handle_closed);
}

/* Keeps fr's labels as the newest, at now. */
static void
port_keep(struct port *pt, const struct vedirect_frame *fr, uint64_t now)
{
	struct label_entry *e;
	size_t i, j;

	for (i = 0; i < fr->n; i++) {
		for (j = 0; j < pt->nlabels; j++)
			if (strcmp(pt->labels[j].label, fr->f[i].label) == 0)
				break;
		if (j == pt->nlabels) {
			if (pt->nlabels == LABELS_MAX)
				continue;
			pt->nlabels++;
		}
		e = &pt->labels[j];
		memcpy(e->label, fr->f[i].label, sizeof(e->label));
		memcpy(e->value, fr->f[i].value, sizeof(e->value));
		e->when = now;
	}
}

static void
on_frame(struct port *pt, uint64_t now)
{
	const char *v = vedirect_get(&pt->parser.frame, "V");
	long mv;

	if (pt->stale_logged)
		log_info(
		    "vedirect: %s: %s: frames again", port_host(pt), pt->path);
	pt->stale_logged = false;
	if (pt->down_logged)
		log_info("vedirect: %s: %s: port back after %.1f s",
		    port_host(pt), pt->path,
		    (double)(now - pt->lost_at) / 1000);
	pt->down_logged = false;
	pt->backoff_ms = 0;
	pt->frames++;
	pt->last_frame = now;
	port_keep(pt, &pt->parser.frame, now);
	if (pt->nominal == 0 && v != NULL) {
		mv = strtol(v, NULL, 10);
		if (mv > 0)
			pt->nominal = vedirect_nominal_guess(mv / 1000.0);
	}
}

static void
feed(struct port *pt, const unsigned char *buf, size_t len, uint64_t now)
{
	enum vedirect_event ev;
	unsigned sup;
	size_t used;

	while (len > 0) {
		used = vedirect_feed(&pt->parser, buf, len, &ev);
		buf += used;
		len -= used;
		switch (ev) {
		case VEDIRECT_MORE:
			break;
		case VEDIRECT_FRAME:
			on_frame(pt, now);
			break;
		case VEDIRECT_BAD_CHECKSUM:
			pt->bad_checksums++;
			if (ratelimit_allow(
				&pt->bad_rl, now, COMPLAIN_MS, &sup))
				log_warnx("vedirect: %s: %s: bad checksum, "
					  "block dropped (%lu so far)",
				    port_host(pt), pt->path, pt->bad_checksums);
			break;
		case VEDIRECT_GARBAGE:
			pt->garbage++;
			if (ratelimit_allow(
				&pt->garbage_rl, now, COMPLAIN_MS, &sup))
				log_warnx("vedirect: %s: %s: %s, block "
					  "dropped and resynchronising "
					  "(%lu so far)",
				    port_host(pt), pt->path, pt->parser.why,
				    pt->garbage);
			break;
		}
	}
}

static void
on_readable(uv_poll_t *h, int status, int events)
{
	struct port *pt = h->data;
	unsigned char buf[READ_CHUNK];
	uint64_t now = uv_now(h->loop);
	bool framed = false;
	unsigned long before = pt->frames;
	ssize_t r;
	int i;

	(void)events;
	if (status < 0) {
		/* libuv says EBADF for any POLLERR; read() tells what it is */
		r = read(pt->fd, buf, sizeof(buf));
		port_lost(pt, r == -1  ? strerror(errno)
			      : r == 0 ? "hang-up"
				       : "error on the line");
		return;
	}
	for (i = 0; i < READS_PER_WAKE; i++) {
		r = read(pt->fd, buf, sizeof(buf));
		if (r > 0) {
			feed(pt, buf, (size_t)r, now);
			continue;
		}
		if (r == 0) {
			port_lost(pt, "end of file");
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			port_lost(pt, strerror(errno));
		break;
	}
	framed = pt->frames != before;
	if (framed && pt->vd != NULL)
		maybe_deliver(pt->vd);
}

static void
port_try_open(struct port *pt)
{
	uv_loop_t *loop = pt->retry.loop;
	char err[256];
	int fd;

	pt->opened = uv_now(loop);
	fd = serial_open(pt->path, pt->baud, err, sizeof(err));
	if (fd == -1) {
		snprintf(pt->why, sizeof(pt->why), "%s", err);
		if (!pt->down_logged) {
			log_warnx("vedirect: %s: %s: %s; retrying with backoff",
			    port_host(pt), pt->path, err);
			pt->lost_at = pt->opened;
		} else
			log_debug("vedirect: %s: %s: %s", port_host(pt),
			    pt->path, err);
		pt->down_logged = true;
		backoff_grow(pt);
		uv_timer_start(&pt->retry, on_retry, pt->backoff_ms, 0);
		return;
	}
	if (uv_poll_init(loop, &pt->pollh, fd) != 0) {
		close(fd);
		snprintf(pt->why, sizeof(pt->why), "cannot watch the port");
		backoff_grow(pt);
		uv_timer_start(&pt->retry, on_retry, pt->backoff_ms, 0);
		return;
	}
	uv_unref((uv_handle_t *)&pt->pollh);
	pt->fd = fd;
	pt->polling = true;
	pt->pollh.data = pt;
	pt->why[0] = '\0';
	vedirect_parser_init(&pt->parser);
	if (pt->down_logged)
		log_info("vedirect: %s: %s: open again; waiting for frames",
		    port_host(pt), pt->path);
	uv_poll_start(&pt->pollh, UV_READABLE, on_readable);
}

static struct port *
port_new(struct vedirect *vd, const struct vd_port_conf *pc, unsigned baud)
{
	struct port *pt = calloc(1, sizeof(*pt));

	if (pt == NULL)
		return NULL;
	pt->path = strdup(pc->path);
	if (pt->path == NULL) {
		free(pt);
		return NULL;
	}
	pt->vd = vd;
	pt->fd = -1;
	pt->baud = baud;
	pt->nominal = vd->nominal;
	port_id(pc, pt->id, sizeof(pt->id));
	uv_timer_init(vd->loop, &pt->retry);
	uv_unref((uv_handle_t *)&pt->retry);
	pt->retry.data = pt;
	port_try_open(pt);
	return pt;
}

static void
port_free(struct port *pt)
{
	pt->freeing = true;
	pt->vd = NULL;
	uv_timer_stop(&pt->retry);
	pt->closing++;
	uv_close((uv_handle_t *)&pt->retry, on_port_handle_closed);
	if (pt->polling && !uv_is_closing((uv_handle_t *)&pt->pollh)) {
		uv_poll_stop(&pt->pollh);
		pt->closing++;
		uv_close((uv_handle_t *)&pt->pollh, on_port_handle_closed);
	}
}

static void
ports_free(struct vedirect *vd)
{
	size_t i;

	for (i = 0; i < vd->n; i++)
		port_free(vd->port[i]);
	free(vd->port);
	vd->port = NULL;
	vd->n = 0;
}

/* Whether vd's ports are the settings' (paths, names, baud, nominal). */
static bool
ports_match(const struct vedirect *vd, const struct vedirect_settings *s)
{
	char id[128];
	size_t i;

	if (vd->n != s->n || vd->nominal != s->nominal)
		return false;
	for (i = 0; i < s->n; i++) {
		port_id(&s->port[i], id, sizeof(id));
		if (strcmp(vd->port[i]->path, s->port[i].path) != 0 ||
		    strcmp(vd->port[i]->id, id) != 0 ||
		    vd->port[i]->baud != s->baud)
			return false;
	}
	return true;
}

/* Opens the settings' ports (first poll, or the config changed). */
static int
ports_sync(struct vedirect *vd, const struct vedirect_settings *s)
{
	size_t i;

	if (ports_match(vd, s))
		return 0;
	ports_free(vd);
	vd->nominal = s->nominal;
	vd->port = calloc(s->n, sizeof(*vd->port));
	if (vd->port == NULL)
		return -1;
	for (i = 0; i < s->n; i++) {
		vd->port[i] = port_new(vd, &s->port[i], s->baud);
		if (vd->port[i] == NULL) {
			ports_free(vd);
			return -1;
		}
		vd->n++;
	}
	return 0;
}

static bool
port_fresh(const struct port *pt, uint64_t now)
{
	return pt->last_frame != 0 && now - pt->last_frame <= VEDIRECT_STALE_MS;
}

/* The labels of pt younger than the stale limit (all of them when none
 * is: fresh false then) into fr. */
static void
port_frame(
    const struct port *pt, uint64_t now, struct vedirect_frame *fr, bool *fresh)
{
	size_t i;

	fr->n = 0;
	*fresh = port_fresh(pt, now);
	for (i = 0; i < pt->nlabels && fr->n < VEDIRECT_FIELDS_MAX; i++) {
		if (*fresh && now - pt->labels[i].when > VEDIRECT_STALE_MS)
			continue;
		memcpy(fr->f[fr->n].label, pt->labels[i].label,
		    sizeof(fr->f[0].label));
		memcpy(fr->f[fr->n].value, pt->labels[i].value,
		    sizeof(fr->f[0].value));
		fr->n++;
	}
}

/* Sets field name of s to a DERIVE count or GAUGE value. 0 / -1. */
static int
link_field(struct service *s, const char *name, const char *label,
    const char *type, bool known, double v)
{
	struct field *f = service_field(s, name, true);

	if (f == NULL || attrs_set(&f->attrs, "label", label) ||
	    attrs_set(&f->attrs, "type", type) ||
	    attrs_set(&f->attrs, "min", "0"))
		return -1;
	f->has_value = true;
	f->unknown = !known;
	f->value = known ? v : 0;
	return 0;
}

/* The link's own service, vedirect_ID: counts and the values' age. */
static int
link_service(const struct port *pt, uint64_t now, struct batch *b)
{
	struct service s = {0};
	char name[160], title[200];

	snprintf(name, sizeof(name), "vedirect_%s", pt->id);
	snprintf(title, sizeof(title), "VE.Direct link %s", pt->id);
	s.name = strdup(name);
	s.has_config = true;
	if (s.name == NULL || attrs_set(&s.graph, "graph_title", title) ||
	    attrs_set(&s.graph, "graph_category", "power") ||
	    attrs_set(&s.graph, "graph_vlabel", "blocks per ${graph_period}") ||
	    link_field(&s, "frames", "good blocks", "DERIVE", true,
		(double)pt->frames) ||
	    link_field(&s, "bad_checksums", "blocks with a bad checksum",
		"DERIVE", true, (double)pt->bad_checksums) ||
	    link_field(&s, "garbage", "blocks dropped as garbage", "DERIVE",
		true, (double)pt->garbage) ||
	    link_field(&s, "age", "age of the values (s)", "GAUGE",
		pt->last_frame != 0, (double)(now - pt->last_frame) / 1000) ||
	    batch_take(b, &s) == -1) {
		service_cleanup(&s);
		return -1;
	}
	return 0;
}

/* Appends msg to the poll's error, "; " between ports. */
static void
add_error(char *err, size_t len, const char *msg)
{
	size_t n = strlen(err);

	if (n > 0 && n + 2 < len) {
		memcpy(err + n, "; ", 3);
		n += 2;
	}
	if (n < len)
		snprintf(err + n, len - n, "%s", msg);
}

/* One port's part of a poll's result; whether its values are fresh. */
static bool
port_result(struct port *pt, uint64_t now, struct source_result *res)
{
	struct vedirect_frame *fr = malloc(sizeof(*fr));
	struct service s;
	char title[200], msg[512];
	bool fresh = false;
	double age;

	if (fr != NULL) {
		port_frame(pt, now, fr, &fresh);
		snprintf(title, sizeof(title), "Battery bank %s (VE.Direct)",
		    pt->id);
		if (fr->n > 0 &&
		    vedirect_bank(fr, pt->id, title, pt->nominal, fresh, &s) ==
			0 &&
		    batch_take(&res->batch, &s) == -1)
			service_cleanup(&s);
		free(fr);
	}
	(void)link_service(pt, now, &res->batch);
	if (fresh)
		return true;
	if (pt->fd == -1) {
		snprintf(msg, sizeof(msg), "%s: %s", pt->path, pt->why);
		add_error(res->error, sizeof(res->error), msg);
	} else if (pt->last_frame != 0) {
		age = (double)(now - pt->last_frame) / 1000;
		snprintf(msg, sizeof(msg), "%s: no frames for %.0f s", pt->path,
		    age);
		add_error(res->error, sizeof(res->error), msg);
		if (!pt->stale_logged)
			log_warnx("vedirect: %s: %s: no frames for %.0f s",
			    port_host(pt), pt->path, age);
		pt->stale_logged = true;
	} else {
		age = (double)(now - pt->opened) / 1000;
		snprintf(msg, sizeof(msg),
		    "%s: no frames for %.0f s since it was opened", pt->path,
		    age);
		add_error(res->error, sizeof(res->error), msg);
		if (!pt->stale_logged && now - pt->opened > VEDIRECT_STALE_MS) {
			log_warnx("vedirect: %s: %s: no frames for %.0f s "
				  "since it was opened",
			    port_host(pt), pt->path, age);
			pt->stale_logged = true;
		}
	}
	return false;
}

static void
deliver(struct vedirect *vd, bool cancelled)
{
	struct source_result res = {0};
	source_done_cb cb = vd->cb;
	void *arg = vd->arg;
	uint64_t now;
	size_t i, fresh = 0;

	vd->running = false;
	uv_timer_stop(&vd->wait);
	uv_update_time(vd->loop);
	now = uv_now(vd->loop);
	res.duration_ms = now - vd->t0;
	if (cancelled) {
		res.status = SOURCE_FAILED;
		snprintf(res.error, sizeof(res.error), "cancelled");
	} else {
		for (i = 0; i < vd->n; i++)
			fresh += port_result(vd->port[i], now, &res);
		res.status = fresh > 0 ? SOURCE_OK : SOURCE_FAILED;
		snprintf(res.summary, sizeof(res.summary),
		    "%zu of %zu ports with frames, %zu values", fresh, vd->n,
		    batch_values(&res.batch));
	}
	cb(arg, &res);
	batch_cleanup(&res.batch);
}

/* Delivers a waiting poll once every open port has fresh values. */
static void
maybe_deliver(struct vedirect *vd)
{
	uint64_t now = uv_now(vd->loop);
	size_t i;

	if (!vd->running)
		return;
	for (i = 0; i < vd->n; i++)
		if (vd->port[i]->fd != -1 && !port_fresh(vd->port[i], now))
			return;
	deliver(vd, false);
}

static void
on_wait(uv_timer_t *t)
{
	deliver(t->data, false);
}

static void *
src_init(uv_loop_t *loop, const char *host)
{
	struct vedirect *vd = calloc(1, sizeof(*vd));

	if (vd == NULL)
		return NULL;
	vd->host = strdup(host);
	if (vd->host == NULL) {
		free(vd);
		return NULL;
	}
	vd->loop = loop;
	uv_timer_init(loop, &vd->wait);
	uv_unref((uv_handle_t *)&vd->wait);
	vd->wait.data = vd;
	return vd;
}

static void
src_poll(void *state, const struct source_host *h, source_done_cb cb, void *arg)
{
	struct vedirect *vd = state;
	struct source_result res = {0};
	uint64_t wait_ms = (uint64_t)h->timeout * 1000;

	if (ports_sync(vd, h->settings) == -1) {
		res.status = SOURCE_FAILED;
		snprintf(res.error, sizeof(res.error),
		    "cannot set up the ports: %s", strerror(ENOMEM));
		cb(arg, &res);
		return;
	}
	vd->cb = cb;
	vd->arg = arg;
	vd->running = true;
	uv_update_time(vd->loop);
	vd->t0 = uv_now(vd->loop);
	if (wait_ms > POLL_WAIT_MS)
		wait_ms = POLL_WAIT_MS;
	uv_timer_start(&vd->wait, on_wait, wait_ms, 0);
	maybe_deliver(vd);
}

static void
src_cancel(void *state)
{
	struct vedirect *vd = state;

	if (vd->running)
		deliver(vd, true);
}

static void
on_wait_closed(uv_handle_t *h)
{
	struct vedirect *vd = h->data;

	free(vd->host);
	free(vd);
}

static void
src_close(void *state)
{
	struct vedirect *vd = state;

	ports_free(vd);
	uv_close((uv_handle_t *)&vd->wait, on_wait_closed);
}

/*
 * "drover poll HOST": reads each port on this thread until a good block
 * or the deadline (the host's timeout, at most POLL_WAIT_MS + the stale
 * limit), then prints what came.
 */
static int
poll_once(const struct source_host *h, struct batch *b, char *line, size_t len)
{
	const struct vedirect_settings *s = h->settings;
	struct vedirect_parser *p = malloc(sizeof(*p));
	struct vedirect_frame *fr = malloc(sizeof(*fr));
	struct vd_port_conf *pc;
	struct service svc;
	enum vedirect_event ev;
	unsigned char buf[READ_CHUNK];
	char err[256], id[128], title[200];
	uint64_t t0 = uv_hrtime() / 1000000, now, limit;
	size_t i, got = 0, used, off;
	struct pollfd pfd;
	const char *v;
	ssize_t r;
	int fd, ret = 1;

	line[0] = '\0';
	limit = (uint64_t)h->timeout * 1000;
	if (limit > POLL_WAIT_MS + VEDIRECT_STALE_MS)
		limit = POLL_WAIT_MS + VEDIRECT_STALE_MS;
	if (p == NULL || fr == NULL)
		goto out;
	for (i = 0; i < s->n; i++) {
		pc = &s->port[i];
		port_id(pc, id, sizeof(id));
		fd = serial_open(pc->path, s->baud, err, sizeof(err));
		if (fd == -1) {
			printf(
			    "# %s/vedirect: %s: %s\n", h->name, pc->path, err);
			continue;
		}
		vedirect_parser_init(p);
		ev = VEDIRECT_MORE;
		while (ev != VEDIRECT_FRAME) {
			now = uv_hrtime() / 1000000;
			if (now - t0 >= limit)
				break;
			pfd.fd = fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, (int)(limit - (now - t0))) <= 0)
				continue;
			r = read(fd, buf, sizeof(buf));
			if (r <= 0 && errno != EAGAIN && errno != EINTR)
				break;
			for (off = 0; r > 0 && off < (size_t)r; off += used) {
				used = vedirect_feed(
				    p, buf + off, (size_t)r - off, &ev);
				if (ev == VEDIRECT_FRAME)
					break;
			}
		}
		close(fd);
		if (ev != VEDIRECT_FRAME) {
			printf("# %s/vedirect: %s: no good block\n", h->name,
			    pc->path);
			continue;
		}
		*fr = p->frame;
		v = vedirect_get(fr, "V");
		snprintf(
		    title, sizeof(title), "Battery bank %s (VE.Direct)", id);
		if (vedirect_bank(fr, id, title,
			s->nominal  ? s->nominal
			: v != NULL ? vedirect_nominal_guess(
					  strtol(v, NULL, 10) / 1000.0)
				    : 12,
			true, &svc) == 0 &&
		    batch_take(b, &svc) == -1)
			service_cleanup(&svc);
		got++;
	}
	ret = got > 0 ? 0 : 1;
	snprintf(line, len, "# %s/vedirect: %s; %zu of %zu ports, %zu values",
	    h->name, got > 0 ? "ok" : "failed", got, s->n, batch_values(b));
out:
	free(p);
	free(fr);
	return ret;
}

/* Sorted by key. */
static const struct source_key keys[] = {
    {"vedirect", key_port},
    {"vedirect_baud", key_baud},
    {"vedirect_name", key_name},
    {"vedirect_nominal", key_nominal},
};

const struct source source_vedirect = {
    .name = "vedirect",
    .suffix = "/vedirect",
    .substate = true,
    .keys = keys,
    .nkeys = sizeof(keys) / sizeof(keys[0]),
    .settings_new = settings_new,
    .settings_free = settings_free,
    .settings_check = settings_check,
    .settings_print = settings_print,
    .wanted = wanted,
    .devices = devices,
    .init = src_init,
    .poll = src_poll,
    .cancel = src_cancel,
    .close = src_close,
    .poll_once = poll_once,
};
