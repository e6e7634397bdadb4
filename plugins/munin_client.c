/*
 * munin_client: the munin-node protocol as a libuv state machine.
 *
 * One connection per poll, commands sent one at a time (munin-node runs
 * plugins sequentially anyway; pipelining would only hide which plugin is
 * slow).  Bytes are split into lines here and each line of a config or
 * fetch reply goes to munin_proto's parser as it arrives: a reply of many
 * fields costs each read only what that read carried, never the whole
 * reply at once (a 4 MiB reply parsed at its end held the loop, and with
 * it every other poll, /health and SIGTERM).  The user callback runs from the
 * TCP handle's close callback (or the child's report, plugins/munin_stream),
 * so when it runs the client is idle and may be polled again.  The protocol
 * reads one uv_stream_t and writes one either way (the TCP handle for both).
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/log.h"
#include "lib/parse.h"
#include "plugins/munin_client.h"
#include "plugins/munin_proto.h"
#include "plugins/munin_stream.h"

enum mstate {
	MS_IDLE,
	MS_RESOLVING,
	MS_CONNECTING,
	MS_BANNER,
	MS_CAP,
	MS_LIST,
	MS_CONFIG,
	MS_FETCH,
	MS_QUIT,
	MS_CLOSING,
};

static const char *const state_names[] = {
    "idle",
    "resolving",
    "connecting",
    "reading the banner",
    "negotiating capabilities",
    "listing plugins",
    "reading config",
    "fetching",
    "quitting",
    "closing",
};

/* A plugin's last good config, parsed, replayed when config is skipped. */
struct cache_entry {
	char *plugin;
	struct service_config *svc; /* its services, n exactly */
	size_t n;
};

/* Which bound of struct mclient_opts a poll hit, for log_limit(). */
enum limit { LIMIT_PLUGIN = 1, LIMIT_HOST = 2 };

/*
 * What only a running poll needs: allocated by mclient_poll, freed as its
 * result is delivered, so a node between polls costs only struct mclient
 * (about 450 bytes against 2.2 KB with this inside: 17 MB at 10,000
 * nodes).  Its handles and requests point back at the client (data = c).
 */
struct mpoll {
	uv_tcp_t tcp;
	uv_getaddrinfo_t gai;
	uv_connect_t conn;
	char prog[64]; /* the child's program, for messages */
	struct mclient_opts opts;
	char *address;
	char *list_name;
	mclient_cb cb;
	void *arg;
	struct addrinfo *ai;	 /* resolved addresses */
	struct addrinfo *ai_cur; /* the one being tried */
	uint64_t t_start;	 /* uv_now at poll start */
	uint64_t io_at; /* uv_now of the last read since idle_start, or 0 */
	struct mclient_result res;
	unsigned caps;

	/* line assembly */
	char *line; /* linecap bytes, grown up to MCLIENT_MAX_LINE + 1 */
	size_t linecap;
	size_t linelen;
	/* the reply being read (config/fetch) */
	struct mproto_parser parser; /* into tmp */
	size_t replylen;	     /* bytes of the reply so far */
	size_t lim_entries;	     /* the parser's bound (0: none) */
	enum limit lim_kind;	     /* which bound that is */
	struct batch tmp;	     /* the current plugin's services */
	size_t entries;		     /* fields + services in res.batch */
};

struct mclient {
	uv_loop_t *loop;
	uv_timer_t idle_timer;	/* connect and idle timeouts */
	uv_timer_t total_timer; /* deadline of the whole poll */
	int open_handles;	/* timers not yet closed */
	bool tcp_open;
	struct mstream *child; /* ssh:// or cmd://: the running command */
	uv_stream_t *stream;   /* read: &p->tcp or the child's stdout */
	uv_stream_t *wstream;  /* written: &p->tcp or the child's stdin */
	bool child_eof;	       /* its stdout reached EOF: it is ending */
	bool resolving;	       /* the resolver callback is pending */
	bool retrying;	       /* closing a socket to try the next address */
	bool freeing;
	enum mstate state;
	struct mpoll *p;	/* the running poll; NULL when MS_IDLE */
	char *rbuf;		/* libuv read buffer, RBUF_SIZE bytes, held only
				   while a poll runs */
	unsigned limits_hit;	/* enum limit bits this poll */
	unsigned limits_logged; /* enum limit bits logged already */

	/* kept across polls */
	struct strlist plugins;
	size_t cur;	  /* plugin being asked */
	bool refresh;	  /* re-read every config this poll */
	bool config_read; /* the current plugin's config was read this poll */
	unsigned polls;	  /* polls since configs were all re-read */
	struct cache_entry *cache;
	size_t ncache, cachecap;
};

const char *
mclient_status_str(enum mclient_status st)
{
	static const char *const names[] = {"ok", "partial", "dns", "connect",
	    "timeout", "closed", "protocol", "cancelled"};

	return names[st];
}

/* bytes of the read buffer a running poll holds: a node's lines are
 * short and libuv reads on while the socket has more, so 16 KiB costs a
 * 4 MiB reply 256 reads, while 100 polls in flight hold 1.6 MB, not 6.4 */
#define RBUF_SIZE 16384
/* bytes the line buffer starts with */
#define LINE_MIN 1024

/* ms to wait for the node to close after "quit" */
#define QUIT_WAIT_MS 2000

static void on_tcp_closed(uv_handle_t *h);
static void on_child_closed(void *arg, const struct mstream_end *end);
static void next_plugin(struct mclient *c);
static void on_idle_timeout(uv_timer_t *t);

/*
 * Starts the idle timer: timeout ms from now, then repeat ms from the
 * last read.  A read only notes its time (c->p->io_at) and the timer,
 * when it fires early, waits the rest: a uv_timer_again per read cost a
 * timer heap removal and insertion each, 2% of the loop at 1000 guests.
 */
static void
idle_start(struct mclient *c, uint64_t timeout, uint64_t repeat)
{
	c->p->io_at = 0;
	uv_timer_start(&c->idle_timer, on_idle_timeout, timeout, repeat);
}

static void
on_timer_closed(uv_handle_t *h)
{
	struct mclient *c = h->data;

	if (--c->open_handles == 0)
		free(c);
}

static void
entry_cleanup(struct cache_entry *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		service_config_cleanup(&e->svc[i]);
	free(e->svc);
	e->svc = NULL;
	e->n = 0;
}

static void
cache_cleanup(struct mclient *c)
{
	size_t i;

	for (i = 0; i < c->ncache; i++) {
		free(c->cache[i].plugin);
		entry_cleanup(&c->cache[i]);
	}
	free(c->cache);
	c->cache = NULL;
	c->ncache = c->cachecap = 0;
}

/*
 * The cache entry of plugin.  Entries are stored in the order plugins
 * are first asked, so that of the plugin being asked is usually at its
 * place in the list: one compare instead of a scan (three per plugin a
 * poll, so n * n for a node of n plugins).
 */
static struct cache_entry *
cache_find(struct mclient *c, const char *plugin)
{
	size_t i;

	if (c->cur < c->ncache && strcmp(c->cache[c->cur].plugin, plugin) == 0)
		return &c->cache[c->cur];
	for (i = 0; i < c->ncache; i++)
		if (strcmp(c->cache[i].plugin, plugin) == 0)
			return &c->cache[i];
	return NULL;
}

/*
 * Keeps a copy of config (the services of plugin's config reply, done
 * growing: their attribute blocks are shrunk to fit first).  The copy
 * shares names and attributes with config, and so with every batch
 * replayed from it and the catalog's copy (sample.h): a fetch-only poll
 * copies no string, and the catalog finds the config unchanged by
 * address.
 */
static void
cache_store(struct mclient *c, const char *plugin, struct batch *config)
{
	struct cache_entry *e = cache_find(c, plugin), *nv;
	struct cache_entry copy = {NULL, NULL, 0};
	size_t i, ncap;

	for (i = 0; i < config->n; i++) {
		service_compact(&config->services[i]);
		service_intern(c->p->opts.pool, &config->services[i]);
	}
	if (config->n > 0) {
		copy.svc = calloc(config->n, sizeof(*copy.svc));
		if (copy.svc == NULL)
			return;
	}
	for (i = 0; i < config->n; i++) {
		if (service_config_keep(&copy.svc[i], &config->services[i]) ==
		    -1)
			goto fail;
		copy.n++;
	}
	if (e == NULL) {
		if (c->ncache == c->cachecap) {
			/* room for every plugin listed, else a half more:
			 * 1,000 nodes keep their cache arrays */
			ncap = c->cachecap + c->cachecap / 2;
			if (ncap < c->plugins.n)
				ncap = c->plugins.n;
			if (ncap <= c->ncache)
				ncap = c->ncache + 4;
			nv = realloc(c->cache, ncap * sizeof(*nv));
			if (nv == NULL)
				goto fail;
			c->cache = nv;
			c->cachecap = ncap;
		}
		e = &c->cache[c->ncache];
		e->plugin = strdup(plugin);
		if (e->plugin == NULL)
			goto fail;
		c->ncache++;
	} else
		entry_cleanup(e);
	e->svc = copy.svc;
	e->n = copy.n;
	return;
fail:
	entry_cleanup(&copy);
}

struct mclient *
mclient_new(uv_loop_t *loop)
{
	struct mclient *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->loop = loop;
	uv_timer_init(loop, &c->idle_timer);
	uv_timer_init(loop, &c->total_timer);
	c->idle_timer.data = c;
	c->total_timer.data = c;
	c->open_handles = 2;
	return c;
}

bool
mclient_busy(const struct mclient *c)
{
	return c->state != MS_IDLE;
}

/* Frees the poll's state (its handles are closed, its requests done). */
static void
poll_free(struct mclient *c)
{
	struct mpoll *p = c->p;

	if (p == NULL)
		return;
	if (p->ai != NULL)
		uv_freeaddrinfo(p->ai);
	free(p->address);
	free(p->list_name);
	free(p->line);
	batch_cleanup(&p->tmp);
	batch_cleanup(&p->res.batch);
	free(p);
	c->p = NULL;
	free(c->rbuf);
	c->rbuf = NULL;
}

/* Hands the result to the user; the client is idle from here on. */
static void
deliver(struct mclient *c)
{
	struct mclient_result res = c->p->res;
	mclient_cb cb = c->p->cb;
	void *arg = c->p->arg;

	memset(&c->p->res, 0, sizeof(c->p->res));
	poll_free(c);
	c->state = MS_IDLE;
	if (c->freeing) {
		batch_cleanup(&res.batch);
		strlist_cleanup(&c->plugins);
		cache_cleanup(c);
		uv_close((uv_handle_t *)&c->idle_timer, on_timer_closed);
		uv_close((uv_handle_t *)&c->total_timer, on_timer_closed);
		return;
	}
	cb(arg, &res);
}

static void
on_tcp_closed(uv_handle_t *h)
{
	struct mclient *c = h->data;

	c->tcp_open = false;
	deliver(c);
}

/*
 * The command is gone: a failed poll's error says how it ended and what
 * it said on stderr ("no banner (ssh exit status 255: ssh: connect to
 * host ... refused)").
 */
static void
on_child_closed(void *arg, const struct mstream_end *end)
{
	struct mclient *c = arg;
	char how[64] = "";
	char text[sizeof(c->p->res.error) + sizeof(c->p->prog) + sizeof(how) +
		  sizeof(end->line) + 8];

	if (c->p->res.status != MC_OK && c->p->res.status != MC_PARTIAL) {
		/* an exit status is its own end; a signal only when it
		 * came before drover's SIGKILL */
		if (end->exited && end->term_signal == 0)
			snprintf(how, sizeof(how), " exit status %lld",
			    (long long)end->exit_status);
		else if (end->by_itself && end->term_signal != 0)
			snprintf(how, sizeof(how), " killed by signal %d",
			    end->term_signal);
		if (how[0] != '\0' || end->line[0] != '\0') {
			snprintf(text, sizeof(text), "%s (%s%s%s%s)",
			    c->p->res.error, c->p->prog, how,
			    end->line[0] != '\0' ? ": " : "", end->line);
			memcpy(
			    c->p->res.error, text, sizeof(c->p->res.error) - 1);
			c->p->res.error[sizeof(c->p->res.error) - 1] = '\0';
		}
	}
	deliver(c);
}

/* The plugin being asked, sanitised for log messages. */
static const char *
plugin_shown(struct mclient *c, char *out, size_t len)
{
	return sanitise_plugin_name(c->plugins.v[c->cur], out, len);
}

/* Logs the first time a target hits a bound (again after a clean poll). */
static void
log_limit(struct mclient *c, enum limit kind)
{
	char shown[MPROTO_MAX_NAME + 1];

	c->limits_hit |= kind;
	if (c->limits_logged & kind)
		return;
	c->limits_logged |= kind;
	if (kind == LIMIT_PLUGIN)
		log_warnx("munin: %s: plugin %s has more than %zu fields "
			  "(max_fields_per_plugin); the rest are dropped",
		    c->p->opts.name, plugin_shown(c, shown, sizeof(shown)),
		    c->p->opts.max_plugin_fields);
	else
		log_warnx("munin: %s: more than %zu fields "
			  "(max_fields_per_host) by plugin %s; the rest are "
			  "dropped",
		    c->p->opts.name, c->p->opts.max_host_fields,
		    plugin_shown(c, shown, sizeof(shown)));
}

static void
limit_error(struct mclient *c, enum limit kind)
{
	char shown[MPROTO_MAX_NAME + 1];

	log_limit(c, kind);
	c->p->res.plugin_errors++;
	if (c->p->res.error[0] == '\0')
		snprintf(c->p->res.error, sizeof(c->p->res.error),
		    "%s: more than %zu fields (%s); the rest dropped",
		    plugin_shown(c, shown, sizeof(shown)),
		    kind == LIMIT_PLUGIN ? c->p->opts.max_plugin_fields
					 : c->p->opts.max_host_fields,
		    kind == LIMIT_PLUGIN ? "max_fields_per_plugin"
					 : "max_fields_per_host");
}

/*
 * Moves the current plugin's services into the result.  A service that
 * another plugin already sent is dropped (the first wins, as in Munin),
 * and so is one that would take the host past max_fields_per_host.
 */
static void
merge_tmp(struct mclient *c)
{
	struct service *s;
	bool over = false;
	size_t i, cost;

	for (i = 0; i < c->p->tmp.n; i++) {
		s = &c->p->tmp.services[i];
		cost = 1 + s->nfields;
		if (c->p->opts.max_host_fields != 0 &&
		    c->p->entries + cost > c->p->opts.max_host_fields) {
			over = true;
			service_cleanup(s);
			continue;
		}
		/* EEXIST: two plugins claim one graph */
		if (batch_take(&c->p->res.batch, s) == -1) {
			service_cleanup(s);
			continue;
		}
		c->p->entries += cost;
	}
	/* every service was moved out or cleaned; the array serves the
	 * next plugin (freed with the poll) */
	batch_clear(&c->p->tmp);
	if (over)
		limit_error(c, LIMIT_HOST);
}

/*
 * Ends the poll with status (unless one is already set) and the error
 * text; closes the connection; the callback follows from the close.
 */
static void finish(struct mclient *c, enum mclient_status st, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

static void
finish(struct mclient *c, enum mclient_status st, const char *fmt, ...)
{
	va_list ap;

	if (c->state == MS_CLOSING || c->state == MS_IDLE)
		return;
	/* keep what the interrupted plugin already sent */
	if (c->state == MS_FETCH && c->p->replylen > 0 && st != MC_OK) {
		mproto_parser_end(&c->p->parser, NULL);
		merge_tmp(c);
	}
	if (c->resolving)
		uv_cancel((uv_req_t *)&c->p->gai);
	c->p->res.status = st;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(c->p->res.error, sizeof(c->p->res.error), fmt, ap);
		va_end(ap);
	}
	c->p->res.duration_ms = uv_now(c->loop) - c->p->t_start;
	c->state = MS_CLOSING;
	uv_timer_stop(&c->idle_timer);
	uv_timer_stop(&c->total_timer);
	if (c->tcp_open) {
		uv_read_stop((uv_stream_t *)&c->p->tcp);
		uv_close((uv_handle_t *)&c->p->tcp, on_tcp_closed);
	} else if (c->child != NULL) {
		/* the report delivers */
		mstream_close(c->child, c->child_eof, on_child_closed, c);
		c->child = NULL;
	} else if (!c->resolving && !c->retrying)
		deliver(c);
	/* else the resolver callback delivers */
}

static void
on_idle_timeout(uv_timer_t *t)
{
	struct mclient *c = t->data;
	uint64_t repeat = uv_timer_get_repeat(t), now = uv_now(c->loop);

	/* read from since: the timeout counts from that read */
	if (repeat != 0 && c->p->io_at != 0 && c->p->io_at + repeat > now) {
		uv_timer_start(
		    t, on_idle_timeout, c->p->io_at + repeat - now, repeat);
		return;
	}

	if (c->state == MS_QUIT) {
		/* the node kept the connection open after quit: fine */
		finish(c, c->p->res.status, NULL);
		return;
	}
	finish(c, MC_TIMEOUT, "no answer for %.1f s while %s",
	    (double)(c->state == MS_CONNECTING ? c->p->opts.connect_timeout
					       : c->p->opts.idle_timeout) /
		1000,
	    state_names[c->state]);
}

static void
on_total_timeout(uv_timer_t *t)
{
	struct mclient *c = t->data;

	finish(c, MC_TIMEOUT, "poll took longer than %.1f s (while %s)",
	    (double)c->p->opts.timeout / 1000, state_names[c->state]);
}

static void
on_write(uv_write_t *req, int status)
{
	struct mclient *c = req->data;

	free(req);
	/* after "quit" a command hears EOF on its stdin, as under Munin,
	 * and ends with the node (socat would wait 0.5 s for it) */
	if (status == 0 && c->state == MS_QUIT && c->child != NULL)
		mstream_end_input(c->child);
	if (status < 0 && status != UV_ECANCELED)
		finish(c, MC_CLOSED, "write failed while %s: %s",
		    state_names[c->state], uv_strerror(status));
}

/*
 * Writes the n bytes of line and moves to state next; the request and
 * its copy of the line are one allocation of their size.
 */
static void
send_buf(struct mclient *c, enum mstate next, const char *line, size_t n)
{
	uv_write_t *req;
	uv_buf_t buf;
	char *p;

	req = malloc(sizeof(*req) + n);
	if (req == NULL) {
		finish(c, MC_PROTOCOL, "out of memory");
		return;
	}
	p = (char *)(req + 1);
	memcpy(p, line, n);
	req->data = c;
	buf = uv_buf_init(p, (unsigned)n);
	c->state = next;
	c->p->replylen = 0;
	if (uv_write(req, c->wstream, &buf, 1, on_write) != 0) {
		free(req);
		finish(
		    c, MC_CLOSED, "write failed while %s", state_names[next]);
	}
}

static void send_cmd(struct mclient *c, enum mstate next, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
send_cmd(struct mclient *c, enum mstate next, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line)) {
		finish(c, MC_PROTOCOL, "command too long");
		return;
	}
	send_buf(c, next, line, (size_t)n);
}

/*
 * "VERB ARG\n": a plugin's config or fetch, copied, not printed (a
 * vsnprintf was about 1,400 instructions a command under callgrind, two
 * commands a plugin each poll).
 */
static void
send_words(
    struct mclient *c, enum mstate next, const char *verb, const char *arg)
{
	char line[512];
	size_t v = strlen(verb), a = strlen(arg);

	if (v + a + 2 >= sizeof(line)) {
		finish(c, MC_PROTOCOL, "command too long");
		return;
	}
	memcpy(line, verb, v);
	line[v] = ' ';
	memcpy(line + v + 1, arg, a);
	line[v + 1 + a] = '\n';
	send_buf(c, next, line, v + a + 2);
}

static bool
need_config(struct mclient *c, const char *plugin)
{
	return c->refresh || cache_find(c, plugin) == NULL;
}

/*
 * Whether the fetch in tmp has a service or field the cached config of
 * plugin lacks: a multigraph plugin whose set of fields grew (a guest
 * started on a hypervisor, a volume was created).  Its values would be
 * stored with no type (a GAUGE file for a DERIVE counter) and no label
 * until the next config_refresh.
 */
static bool
fetch_outgrew_config(struct mclient *c, const char *plugin)
{
	struct cache_entry *e = cache_find(c, plugin);
	const struct service *s;
	const struct service_config *cs;
	size_t i, j, k;

	if (e == NULL)
		return false;
	for (i = 0; i < c->p->tmp.n; i++) {
		s = &c->p->tmp.services[i];
		/* replayed services come first, in the cache's order */
		cs = i < e->n && strcmp(e->svc[i].name, s->name) == 0
			 ? &e->svc[i]
			 : NULL;
		for (j = 0; j < s->nfields; j++) {
			if (!s->fields[j].has_value)
				continue;
			/* a service the cache lacks: a scan, once */
			for (k = 0; cs == NULL && k < e->n; k++)
				if (strcmp(e->svc[k].name, s->name) == 0)
					cs = &e->svc[k];
			if (cs == NULL)
				return true;
			/* a replayed field shares its name with the cache */
			if (j < cs->nfields &&
			    cs->fields[j].name == s->fields[j].name)
				continue;
			if (service_config_field(cs, s->fields[j].name) == -1)
				return true;
		}
	}
	return false;
}

/* Replays the cached config of plugin into tmp, without its values. */
static void
replay_config(struct mclient *c, const char *plugin)
{
	struct cache_entry *e = cache_find(c, plugin);
	struct service s;
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->n; i++) {
		if (service_config_replay(&s, &e->svc[i]) == -1)
			continue;
		if (batch_take(&c->p->tmp, &s) == -1)
			service_cleanup(&s);
	}
}

/*
 * Asks for plugin's config (next MS_CONFIG) or values (MS_FETCH), with a
 * parser for the reply into tmp, bounded by what is left of both bounds.
 */
static void
ask(struct mclient *c, enum mstate next, const char *plugin)
{
	struct mproto_limits lim = {c->p->opts.max_plugin_fields};
	size_t i, have = 0, left;

	c->p->lim_kind = LIMIT_PLUGIN;
	if (c->p->opts.max_host_fields != 0) {
		for (i = 0; i < c->p->tmp.n; i++)
			have += 1 + c->p->tmp.services[i].nfields;
		left = c->p->entries < c->p->opts.max_host_fields
			   ? c->p->opts.max_host_fields - c->p->entries
			   : 0;
		/* the parser counts what tmp holds already; never 0 */
		if (lim.max_entries == 0 || have + left < lim.max_entries) {
			lim.max_entries = have + left > 0 ? have + left : 1;
			c->p->lim_kind = LIMIT_HOST;
		}
	}
	c->p->lim_entries = lim.max_entries;
	mproto_parser_init(
	    &c->p->parser, next == MS_CONFIG, plugin, &c->p->tmp, &lim);
	send_words(c, next, next == MS_CONFIG ? "config" : "fetch", plugin);
}

static void
next_plugin(struct mclient *c)
{
	const char *p;

	if (c->cur >= c->plugins.n) {
		if (c->refresh) {
			c->polls = 0;
			c->refresh = false;
		}
		/*
		 * Wait for the node to close its end: only then is the poll
		 * over for the node, and the physical host's budget free.
		 */
		c->p->res.status = c->p->res.plugin_errors ? MC_PARTIAL : MC_OK;
		/* a clean poll re-arms the log line of each bound */
		c->limits_logged &= c->limits_hit;
		c->limits_hit = 0;
		send_cmd(c, MS_QUIT, "quit\n");
		idle_start(c, QUIT_WAIT_MS, 0);
		return;
	}
	p = c->plugins.v[c->cur];
	c->config_read = false;
	if (need_config(c, p)) {
		ask(c, MS_CONFIG, p);
	} else {
		replay_config(c, p);
		ask(c, MS_FETCH, p);
	}
}

static void
plugin_error(struct mclient *c, const char *what, enum mproto_status st)
{
	char shown[MPROTO_MAX_NAME + 1];

	c->p->res.plugin_errors++;
	if (c->p->res.error[0] == '\0')
		snprintf(c->p->res.error, sizeof(c->p->res.error), "%s %s: %s",
		    what, plugin_shown(c, shown, sizeof(shown)),
		    mproto_status_str(st));
}

/* The reply is complete ("." line): the plugin's outcome. */
static void
reply_done(struct mclient *c)
{
	struct mproto_stats ps = {0};
	const char *p = c->plugins.v[c->cur];
	enum mproto_status st;

	st = mproto_parser_end(&c->p->parser, &ps);
	c->p->res.bad_lines += ps.bad_lines;
	if (ps.dropped > 0)
		limit_error(c, c->p->lim_kind);
	if (c->state == MS_CONFIG) {
		c->config_read = true;
		if (st != MPROTO_OK) {
			plugin_error(c, "config", st);
			batch_cleanup(&c->p->tmp);
			/* an old config still describes the fetch */
			if (cache_find(c, p) == NULL) {
				c->cur++;
				next_plugin(c);
				return;
			}
			replay_config(c, p);
		} else {
			cache_store(c, p, &c->p->tmp);
			if ((c->p->caps & MPROTO_CAP_DIRTYCONFIG) &&
			    batch_values(&c->p->tmp) > 0) {
				merge_tmp(c);
				c->cur++;
				next_plugin(c);
				return;
			}
		}
		ask(c, MS_FETCH, p);
		return;
	}
	/*
	 * An empty answer is no values, not an error: munin-update stores
	 * nothing for it and says nothing (diskstats answers its first
	 * fetch so, having no earlier counters to take a rate from).
	 */
	if (st != MPROTO_OK && st != MPROTO_EMPTY)
		plugin_error(c, "fetch", st);
	/* new fields: the config again, now (once: a plugin that fetches
	 * what its config never declares is asked so every poll, as
	 * munin-update asks every plugin), then its values with it */
	if (st == MPROTO_OK && !c->config_read && fetch_outgrew_config(c, p)) {
		log_debug("poll: %s: fetch %s has fields its cached config "
			  "lacks: config read again",
		    c->p->address, p);
		batch_cleanup(&c->p->tmp);
		ask(c, MS_CONFIG, p);
		return;
	}
	merge_tmp(c);
	c->cur++;
	next_plugin(c);
}

/* One line of a config or fetch reply (not the "." line). */
static void
reply_line(struct mclient *c, const char *line, size_t len)
{
	char shown[MPROTO_MAX_NAME + 1];

	c->p->replylen += len + 1;
	if (c->p->replylen > MCLIENT_MAX_REPLY) {
		finish(c, MC_PROTOCOL, "reply to %s %s longer than %u bytes",
		    c->state == MS_CONFIG ? "config" : "fetch",
		    plugin_shown(c, shown, sizeof(shown)), MCLIENT_MAX_REPLY);
		return;
	}
	/* after a stop (Munin gives up on the reply) the rest is read and
	 * ignored up to the "." line */
	mproto_parser_line(&c->p->parser, line, len);
}

/* Printable prefix of a line, for error messages about garbage. */
static const char *
printable(const char *line, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; line[i] != '\0' && i + 1 < outlen && i < 60; i++)
		out[i] = (line[i] >= 0x20 && line[i] < 0x7f) ? line[i] : '?';
	out[i] = '\0';
	return out;
}

static void
handle_line(struct mclient *c, char *line, size_t len)
{
	char shown[64];

	switch (c->state) {
	case MS_CONNECTING:
		/* a command's output before its banner (an ssh motd, as
		 * Munin skips it), bounded by the connect timeout */
		if (mproto_parse_banner(line, c->p->res.node_name,
			sizeof(c->p->res.node_name)) == -1)
			return;
		c->p->res.connect_ms = uv_now(c->loop) - c->p->t_start;
		idle_start(c, c->p->opts.idle_timeout, c->p->opts.idle_timeout);
		send_cmd(c, MS_CAP, "cap multigraph dirtyconfig\n");
		return;
	case MS_BANNER:
		if (mproto_parse_banner(line, c->p->res.node_name,
			sizeof(c->p->res.node_name)) == -1) {
			finish(c, MC_PROTOCOL, "not a munin node: \"%s\"",
			    printable(line, shown, sizeof(shown)));
			return;
		}
		send_cmd(c, MS_CAP, "cap multigraph dirtyconfig\n");
		return;
	case MS_CAP:
		c->p->caps = line[0] == '#' ? 0 : mproto_parse_cap(line);
		send_cmd(c, MS_LIST, "list %s\n",
		    c->p->list_name != NULL ? c->p->list_name
					    : c->p->res.node_name);
		return;
	case MS_LIST: {
		struct strlist l = {0};

		/* the usual case: the list of the last poll, kept */
		if (c->plugins.n > 0 && mproto_list_same(line, &c->plugins)) {
			if (c->polls >= c->p->opts.config_refresh)
				c->refresh = true;
			c->polls++;
			c->p->res.plugins = (unsigned)c->plugins.n;
			c->cur = 0;
			next_plugin(c);
			return;
		}
		if (mproto_parse_list(line, &l) == -1 ||
		    l.n > MCLIENT_MAX_PLUGINS) {
			strlist_cleanup(&l);
			finish(c, MC_PROTOCOL, "bad plugin list: \"%s\"",
			    printable(line, shown, sizeof(shown)));
			return;
		}
		if (!strlist_equal(&l, &c->plugins) ||
		    c->polls >= c->p->opts.config_refresh)
			c->refresh = true;
		c->polls++;
		strlist_cleanup(&c->plugins);
		c->plugins = l;
		c->p->res.plugins = (unsigned)l.n;
		c->cur = 0;
		next_plugin(c);
		return;
	}
	case MS_CONFIG:
	case MS_FETCH:
		if (mproto_is_end(line))
			reply_done(c);
		else
			reply_line(c, line, len);
		return;
	default:
		return;
	}
}

static void
on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	struct mclient *c = h->data;

	(void)suggested;
	if (c->rbuf == NULL)
		c->rbuf = malloc(RBUF_SIZE);
	/* none: on_read gets UV_ENOBUFS and ends the poll */
	*buf = uv_buf_init(c->rbuf, c->rbuf != NULL ? RBUF_SIZE : 0);
}

/* Room in c->p->line for need bytes.  0 / -1 (ENOMEM). */
static int
line_room(struct mclient *c, size_t need)
{
	size_t cap = c->p->linecap > 0 ? c->p->linecap : LINE_MIN;
	char *nv;

	if (need <= c->p->linecap)
		return 0;
	while (cap < need)
		cap *= 2;
	if (cap > MCLIENT_MAX_LINE + 1)
		cap = MCLIENT_MAX_LINE + 1;
	nv = realloc(c->p->line, cap);
	if (nv == NULL)
		return -1;
	c->p->line = nv;
	c->p->linecap = cap;
	return 0;
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct mclient *c = s->data;
	const char *p = buf->base, *end = buf->base + (n > 0 ? n : 0);
	const char *nl;
	size_t chunk;

	if (n < 0 && c->child != NULL)
		c->child_eof = true;
	if (n < 0 && c->state == MS_QUIT) {
		finish(c, c->p->res.status, NULL);
		return;
	}
	if (n < 0 && c->state == MS_CONNECTING) {
		finish(c, MC_CONNECT, "no banner");
		return;
	}
	if (n < 0) {
		finish(c, MC_CLOSED,
		    n == UV_EOF ? "node closed the connection while %s"
				: "read failed while %s",
		    state_names[c->state]);
		return;
	}
	/* a command waiting for its banner: the connect timeout runs on */
	if (c->state != MS_CONNECTING)
		c->p->io_at = uv_now(c->loop);
	while (p < end && c->state != MS_CLOSING) {
		nl = memchr(p, '\n', (size_t)(end - p));
		chunk = (size_t)((nl != NULL ? nl : end) - p);
		if (c->p->linelen + chunk > MCLIENT_MAX_LINE) {
			finish(c, MC_PROTOCOL,
			    "line longer than %d bytes while %s",
			    MCLIENT_MAX_LINE, state_names[c->state]);
			return;
		}
		if (line_room(c, c->p->linelen + chunk + 1) == -1) {
			finish(c, MC_CLOSED, "out of memory while %s",
			    state_names[c->state]);
			return;
		}
		memcpy(c->p->line + c->p->linelen, p, chunk);
		c->p->linelen += chunk;
		p += chunk;
		if (nl == NULL)
			break;
		p++; /* the '\n' */
		if (c->p->linelen > 0 && c->p->line[c->p->linelen - 1] == '\r')
			c->p->linelen--;
		c->p->line[c->p->linelen] = '\0';
		chunk = c->p->linelen;
		c->p->linelen = 0;
		handle_line(c, c->p->line, chunk);
	}
}

static void try_connect(struct mclient *c);
static void on_tcp_closed_retry(uv_handle_t *h);

static void
on_connect(uv_connect_t *req, int status)
{
	struct mclient *c = req->data;

	if (c->state != MS_CONNECTING)
		return; /* cancelled or timed out; close delivers */
	if (status < 0) {
		if (c->p->ai_cur->ai_next != NULL) {
			/* the handle is reusable only after it closed */
			c->p->ai_cur = c->p->ai_cur->ai_next;
			c->tcp_open = false;
			c->retrying = true;
			uv_close(
			    (uv_handle_t *)&c->p->tcp, on_tcp_closed_retry);
			return;
		}
		finish(c, MC_CONNECT, "connect to %s port %u: %s",
		    c->p->address, c->p->opts.port, uv_strerror(status));
		return;
	}
	c->p->res.connect_ms = uv_now(c->loop) - c->p->t_start;
	c->state = MS_BANNER;
	idle_start(c, c->p->opts.idle_timeout, c->p->opts.idle_timeout);
	if (uv_read_start((uv_stream_t *)&c->p->tcp, on_alloc, on_read) != 0)
		finish(c, MC_CLOSED, "cannot read from %s", c->p->address);
}

static void
on_tcp_closed_retry(uv_handle_t *h)
{
	struct mclient *c = h->data;

	c->retrying = false;
	if (c->state == MS_CLOSING)
		deliver(c); /* timed out meanwhile */
	else
		try_connect(c);
}

static void
try_connect(struct mclient *c)
{
	int r;

	uv_tcp_init(c->loop, &c->p->tcp);
	c->p->tcp.data = c;
	c->tcp_open = true;
	c->p->conn.data = c;
	c->state = MS_CONNECTING;
	r = uv_tcp_connect(
	    &c->p->conn, &c->p->tcp, c->p->ai_cur->ai_addr, on_connect);
	if (r != 0)
		finish(c, MC_CONNECT, "connect to %s port %u: %s",
		    c->p->address, c->p->opts.port, uv_strerror(r));
}

static void
on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *ai)
{
	struct mclient *c = req->data;

	c->p->ai = ai;
	c->resolving = false;
	if (c->state == MS_CLOSING) {
		/* timed out or cancelled while resolving */
		deliver(c);
		return;
	}
	if (status < 0 || ai == NULL) {
		finish(c, MC_DNS, "cannot resolve %s: %s", c->p->address,
		    uv_strerror(status));
		return;
	}
	c->p->ai_cur = ai;
	try_connect(c);
}

/* The child went away by itself (its output may have been read). */
static void
on_child_gone(void *arg)
{
	struct mclient *c = arg;

	if (c->state == MS_QUIT)
		finish(c, c->p->res.status, NULL);
	else if (c->state == MS_CONNECTING)
		finish(c, MC_CONNECT, "no banner");
	else
		finish(c, MC_CLOSED, "%s ended while %s", c->p->prog,
		    state_names[c->state]);
}

/* An ssh:// or cmd:// address: runs its command, reads its stdout. */
static void
start_command(struct mclient *c, const struct mclient_opts *opts)
{
	struct source_address a;
	struct strlist argv = {0};
	const char *slash;
	char err[256];

	c->state = MS_CONNECTING;
	c->child_eof = false;
	if (source_address_parse(c->p->address, &a, err, sizeof(err)) == -1 ||
	    mstream_argv(&a, opts->ssh_command, opts->ssh_options, &argv, err,
		sizeof(err)) == -1) {
		strlist_cleanup(&argv);
		finish(c, MC_CONNECT, "%s", err);
		return;
	}
	slash = strrchr(argv.v[0], '/');
	snprintf(c->p->prog, sizeof(c->p->prog), "%s",
	    slash != NULL ? slash + 1 : argv.v[0]);
	c->child =
	    mstream_spawn(c->loop, &argv, on_child_gone, c, err, sizeof(err));
	strlist_cleanup(&argv);
	if (c->child == NULL) {
		finish(c, MC_CONNECT, "%s", err);
		return;
	}
	c->stream = mstream_reader(c->child);
	c->wstream = mstream_writer(c->child);
	c->stream->data = c->wstream->data = c;
	if (uv_read_start(c->stream, on_alloc, on_read) != 0)
		finish(c, MC_CONNECT, "cannot read from %s", c->p->prog);
}

int
mclient_poll(struct mclient *c, const struct mclient_opts *opts, mclient_cb cb,
    void *arg)
{
	struct addrinfo hints = {0};
	char port[16];
	int r;

	if (c->state != MS_IDLE) {
		errno = EBUSY;
		return -1;
	}
	c->p = calloc(1, sizeof(*c->p));
	if (c->p == NULL)
		return -1;
	c->p->opts = *opts;
	c->p->address = strdup(opts->address);
	c->p->list_name = opts->list_name ? strdup(opts->list_name) : NULL;
	c->p->opts.address = c->p->address;
	c->p->opts.list_name = c->p->list_name;
	c->p->cb = cb;
	c->p->arg = arg;
	c->p->caps = 0;
	c->p->t_start = uv_now(c->loop);
	uv_timer_start(&c->total_timer, on_total_timeout, opts->timeout, 0);
	idle_start(c, opts->connect_timeout, opts->idle_timeout);
	/* borrowed for this call only */
	c->p->opts.ssh_command = c->p->opts.ssh_options = NULL;
	if (source_address_is_command(c->p->address)) {
		start_command(c, opts);
		return 0;
	}
	c->stream = c->wstream = (uv_stream_t *)&c->p->tcp;
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(port, sizeof(port), "%u", opts->port);
	c->p->gai.data = c;
	c->state = MS_RESOLVING;
	c->resolving = true;
	r = uv_getaddrinfo(
	    c->loop, &c->p->gai, on_resolved, c->p->address, port, &hints);
	if (r != 0) {
		c->resolving = false;
		finish(c, MC_DNS, "cannot resolve %s: %s", c->p->address,
		    uv_strerror(r));
	}
	return 0;
}

void
mclient_cancel(struct mclient *c)
{
	finish(c, MC_CANCELLED, "cancelled");
}

void
mclient_free(struct mclient *c)
{
	if (c == NULL)
		return;
	c->freeing = true;
	if (c->state != MS_IDLE) {
		finish(c, MC_CANCELLED, "cancelled");
		return; /* deliver() releases the rest */
	}
	strlist_cleanup(&c->plugins);
	cache_cleanup(c);
	uv_close((uv_handle_t *)&c->idle_timer, on_timer_closed);
	uv_close((uv_handle_t *)&c->total_timer, on_timer_closed);
}

/* ---- the munin source ---------------------------------------------- */

/* One munin-node target: its client and the poll's caller. */
struct munin_target {
	struct mclient *mc;
	source_done_cb cb;
	void *arg;
};

/* A host's own settings of the munin source (its keys below). */
struct munin_settings {
	unsigned max_plugin_fields; /* max_fields_per_plugin */
	unsigned max_host_fields;   /* max_fields_per_host */
	char *ssh_command;	    /* the host's own; NULL: the global */
	char *ssh_options;	    /* the host's own; NULL: the global */
};

static const struct munin_settings munin_defaults = {
    MCLIENT_PLUGIN_FIELDS,
    MCLIENT_HOST_FIELDS,
    NULL,
    NULL,
};

static const struct munin_settings *
settings_of(const struct source_host *h)
{
	return h->settings != NULL ? h->settings : &munin_defaults;
}

static void *
settings_new(void)
{
	struct munin_settings *ms = malloc(sizeof(*ms));

	if (ms != NULL)
		*ms = munin_defaults;
	return ms;
}

static void
settings_free(void *p)
{
	struct munin_settings *ms = p;

	if (ms == NULL)
		return;
	free(ms->ssh_command);
	free(ms->ssh_options);
	free(ms);
}

/*
 * ssh_command and ssh_options of a host section.  Munin 2.0.73 accepts
 * them there and uses only the global ones; drover lets a host's own win.
 */
static int
key_ssh(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct munin_settings *ms = p;
	char **slot = strcmp(key, "ssh_command") == 0 ? &ms->ssh_command
						      : &ms->ssh_options;
	char *copy = strdup(val);

	if (copy == NULL) {
		snprintf(err, len, "%s: out of memory", key);
		return -1;
	}
	free(*slot);
	*slot = copy;
	return 0;
}

/* The ssh_command and ssh_options a poll of h uses. */
static const char *
ssh_command_of(const struct source_host *h)
{
	const struct munin_settings *ms = settings_of(h);

	return ms->ssh_command != NULL ? ms->ssh_command : h->ssh_command;
}

static const char *
ssh_options_of(const struct source_host *h)
{
	const struct munin_settings *ms = settings_of(h);

	return ms->ssh_options != NULL ? ms->ssh_options : h->ssh_options;
}

/* max_fields_per_plugin and max_fields_per_host */
static int
key_max_fields(void *p, const char *key, const char *val, char *err, size_t len)
{
	struct munin_settings *ms = p;

	if (!parse_uint(val, 1, 10000000,
		strcmp(key, "max_fields_per_plugin") == 0
		    ? &ms->max_plugin_fields
		    : &ms->max_host_fields)) {
		snprintf(err, len, "%s must be 1-10000000", key);
		return -1;
	}
	return 0;
}

static bool
src_wanted(const struct source_host *h)
{
	return h->address != NULL && !h->local;
}

static void
settings_print(const struct source_host *h, FILE *out)
{
	const struct munin_settings *ms = settings_of(h);

	if (!src_wanted(h))
		return;
	fprintf(out, "    max_fields_per_plugin %u\n", ms->max_plugin_fields);
	fprintf(out, "    max_fields_per_host %u\n", ms->max_host_fields);
	if (strncasecmp(h->address, "ssh://", 6) != 0)
		return;
	if (ssh_command_of(h) != NULL)
		fprintf(out, "    ssh_command %s\n", ssh_command_of(h));
	if (ssh_options_of(h) != NULL)
		fprintf(out, "    ssh_options %s\n", ssh_options_of(h));
}

static void
src_opts(const struct source_host *h, struct mclient_opts *o)
{
	const struct munin_settings *ms = settings_of(h);

	memset(o, 0, sizeof(*o));
	o->name = h->name;
	o->max_plugin_fields = ms->max_plugin_fields;
	o->max_host_fields = ms->max_host_fields;
	o->address = h->address;
	o->port = h->port;
	o->ssh_command = ssh_command_of(h);
	o->ssh_options = ssh_options_of(h);
	o->list_name = h->use_node_name ? NULL : h->name;
	o->connect_timeout = (uint64_t)h->connect_timeout * 1000;
	o->idle_timeout = (uint64_t)h->idle_timeout * 1000;
	o->timeout = (uint64_t)h->timeout * 1000;
	o->config_refresh = h->config_refresh;
	o->pool = h->pool;
}

static void *
src_init(uv_loop_t *loop, const char *host)
{
	struct munin_target *mt = calloc(1, sizeof(*mt));

	(void)host;
	if (mt == NULL)
		return NULL;
	mt->mc = mclient_new(loop);
	if (mt->mc == NULL) {
		free(mt);
		return NULL;
	}
	return mt;
}

static void
on_src_done(void *arg, struct mclient_result *res)
{
	struct munin_target *mt = arg;
	struct source_result sr = {0};

	switch (res->status) {
	case MC_OK:
	case MC_PARTIAL:
		sr.status = SOURCE_OK;
		break;
	case MC_TIMEOUT:
		sr.status = SOURCE_TIMEOUT;
		break;
	default:
		sr.status = SOURCE_FAILED;
		break;
	}
	snprintf(sr.error, sizeof(sr.error), "%s", res->error);
	sr.batch = res->batch;
	memset(&res->batch, 0, sizeof(res->batch));
	sr.duration_ms = res->duration_ms;
	mt->cb(mt->arg, &sr);
	batch_cleanup(&sr.batch);
}

static void
src_poll(void *state, const struct source_host *h, source_done_cb cb, void *arg)
{
	struct munin_target *mt = state;
	struct source_result sr = {0};
	struct mclient_opts o;

	src_opts(h, &o);
	mt->cb = cb;
	mt->arg = arg;
	if (mclient_poll(mt->mc, &o, on_src_done, mt) == -1) {
		sr.status = SOURCE_FAILED;
		snprintf(sr.error, sizeof(sr.error), "%s",
		    errno == EBUSY ? "previous poll still running"
				   : "out of memory");
		cb(arg, &sr);
	}
}

static void
src_cancel(void *state)
{
	struct munin_target *mt = state;

	mclient_cancel(mt->mc);
}

static void
src_close(void *state)
{
	struct munin_target *mt = state;

	if (mt == NULL)
		return;
	mclient_free(mt->mc);
	free(mt);
}

/* What one poll of "drover poll" saw. */
struct poll_once_ctx {
	struct batch *b;
	char *line;
	size_t len;
	int ret;
};

static void
on_poll_once(void *arg, struct mclient_result *res)
{
	struct poll_once_ctx *po = arg;

	snprintf(po->line, po->len,
	    "# %s: %s%s%s; %u plugins, %u plugin errors, %zu values, "
	    "%u bad lines; connect %llu ms, total %llu ms",
	    res->node_name[0] ? res->node_name : "node",
	    mclient_status_str(res->status), res->error[0] ? ": " : "",
	    res->error, res->plugins, res->plugin_errors,
	    batch_values(&res->batch), res->bad_lines,
	    (unsigned long long)res->connect_ms,
	    (unsigned long long)res->duration_ms);
	po->ret = res->status == MC_OK || res->status == MC_PARTIAL ? 0 : 1;
	*po->b = res->batch;
	memset(&res->batch, 0, sizeof(res->batch));
}

static int
src_poll_once(
    const struct source_host *h, struct batch *b, char *line, size_t len)
{
	struct poll_once_ctx po = {b, line, len, 1};
	struct mclient_opts o;
	struct mclient *mc;
	uv_loop_t loop;

	line[0] = '\0';
	if (uv_loop_init(&loop) != 0)
		return 1;
	mc = mclient_new(&loop);
	if (mc != NULL) {
		src_opts(h, &o);
		mclient_poll(mc, &o, on_poll_once, &po);
		uv_run(&loop, UV_RUN_DEFAULT);
		mclient_free(mc);
		uv_run(&loop, UV_RUN_DEFAULT);
	}
	uv_loop_close(&loop);
	return po.ret;
}

/* Sorted by key. */
static const struct source_key keys[] = {
    {"max_fields_per_host", key_max_fields},
    {"max_fields_per_plugin", key_max_fields},
    {"ssh_command", key_ssh},
    {"ssh_options", key_ssh},
};

const struct source source_munin = {
    .name = "munin",
    .suffix = "",
    .keys = keys,
    .nkeys = sizeof(keys) / sizeof(keys[0]),
    .settings_new = settings_new,
    .settings_free = settings_free,
    .settings_print = settings_print,
    .wanted = src_wanted,
    .init = src_init,
    .poll = src_poll,
    .cancel = src_cancel,
    .close = src_close,
    .poll_once = src_poll_once,
};
