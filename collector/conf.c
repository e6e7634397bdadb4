/*
 * conf: parse munin.conf (and drover's additions) into struct conf.
 *
 * Line rules follow Munin::Master::Config: '#' starts a comment unless
 * escaped as '\#', leading/trailing blanks are trimmed, a trailing '\'
 * continues the line, "[...]" opens a section, anything else is
 * "KEY VALUE".  Unlike Munin we collect every error (file, line, text) and
 * refuse the whole config rather than skipping lines.
 */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collector/conf.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "plugins/source.h"
#include "plugins/sources.h"

#define CONF_MAX_FILE (4u << 20) /* bytes; a config larger is refused */
#define CONF_MAX_LINE 8192	 /* bytes after joining continuations */

/*
 * Munin's legal keywords (Munin::Common::Config %legal): the last word of a
 * key must be one of these for Munin to accept it, so the same rule
 * separates a Munin override ("load.load.warning") from a typo.  Sorted for
 * bsearch.
 */
static const char *const munin_keywords[] = {
    "address",
    "always_send",
    "category_order",
    "cdef",
    "cdef_name",
    "cgitmpdir",
    "cgiurl",
    "cgiurl_graph",
    "colour",
    "command",
    "compare",
    "contact",
    "contacts",
    "create_args",
    "critical",
    "dbdir",
    "domain_order",
    "draw",
    "dropdownlimit",
    "extinfo",
    "fetch_data",
    "filename",
    "fork",
    "graph",
    "graph_args",
    "graph_args_after",
    "graph_category",
    "graph_data_size",
    "graph_future",
    "graph_height",
    "graph_info",
    "graph_noscale",
    "graph_order",
    "graph_period",
    "graph_printf",
    "graph_scale",
    "graph_sources",
    "graph_strategy",
    "graph_sums",
    "graph_title",
    "graph_total",
    "graph_vlabel",
    "graph_vtitle",
    "graph_width",
    "graphable",
    "group_order",
    "host_name",
    "htaccess",
    "html_rename",
    "html_strategy",
    "htmldir",
    "includedir",
    "info",
    "label",
    "line",
    "local_address",
    "logdir",
    "max",
    "max_cgi_graph_jobs",
    "max_graph_jobs",
    "max_html_jobs",
    "max_messages",
    "max_processes",
    "max_size_x",
    "max_size_y",
    "min",
    "munin_cgi_graph_jobs",
    "nagios",
    "ncsa",
    "ncsa_config",
    "ncsa_server",
    "negative",
    "node_order",
    "notify_alias",
    "nsca",
    "nsca_config",
    "nsca_server",
    "num_messages",
    "num_unknowns",
    "ok",
    "onlynullcdef",
    "palette",
    "pipe",
    "pipe_command",
    "port",
    "predict",
    "process",
    "realname",
    "realservname",
    "rrdcached_socket",
    "rundir",
    "service_order",
    "skipdraw",
    "ssh_command",
    "ssh_options",
    "stack",
    "state",
    "staticdir",
    "sum",
    "text",
    "timeout",
    "timeout_fetch_all_nodes",
    "timeout_fetch_one_node",
    "tls",
    "tls_ca_certificate",
    "tls_certificate",
    "tls_match",
    "tls_pem",
    "tls_private_key",
    "tls_verify_certificate",
    "tls_verify_depth",
    "tmpldir",
    "trend",
    "type",
    "unknown",
    "unknown_limit",
    "update",
    "update_rate",
    "use_default_name",
    "use_default_node",
    "use_node_name",
    "version",
    "warn",
    "warning",
    "worker_start_delay",
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * drover's own per-host/plugin/field keywords, accepted wherever Munin's
 * are (e.g. "ipmi_volts._12v.alert_attempts 1").  Sorted.
 */
static const char *const drover_keywords[] = {
    "alert_attempts",
    "alert_hysteresis",
    "alert_recover",
    "nagios_critical",
    "nagios_warning",
};

static bool
is_munin_keyword(const char *w)
{
	return bsearch(&w, munin_keywords,
		   sizeof(munin_keywords) / sizeof(munin_keywords[0]),
		   sizeof(munin_keywords[0]), cmp_str) != NULL ||
	       bsearch(&w, drover_keywords,
		   sizeof(drover_keywords) / sizeof(drover_keywords[0]),
		   sizeof(drover_keywords[0]), cmp_str) != NULL;
}

/* Where a line came from, for messages. */
struct where {
	const char *file;
	int line;
	const char *text; /* the whole (joined) line */
};

static void add_error(struct conf_errors *e, const struct where *w,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
add_error(struct conf_errors *e, const struct where *w, const char *fmt, ...)
{
	char msg[512], *full = NULL;
	char **nv;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w->text != NULL) {
		if (asprintf(&full, "%s:%d: %s: \"%.200s\"", w->file, w->line,
			msg, w->text) == -1)
			full = NULL;
	} else if (asprintf(&full, "%s:%d: %s", w->file, w->line, msg) == -1)
		full = NULL;
	if (full == NULL)
		return;
	if (e->n == e->cap) {
		nv = realloc(e->v, (e->cap ? e->cap * 2 : 8) * sizeof(*nv));
		if (nv == NULL) {
			free(full);
			return;
		}
		e->v = nv;
		e->cap = e->cap ? e->cap * 2 : 8;
	}
	e->v[e->n++] = full;
}

void
conf_errors_cleanup(struct conf_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		free(e->v[i]);
	free(e->v);
	memset(e, 0, sizeof(*e));
}

static char *
xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
		fatal("conf: strdup");
	return p;
}

static void
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = xstrdup(v);
}

struct conf *
conf_new(void)
{
	struct conf *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->dbdir = xstrdup("/var/lib/munin");
	c->rundir = xstrdup("/var/run/munin");
	c->logdir = xstrdup("/var/log/munin");
	c->htmldir = xstrdup("/var/cache/munin/www");
	c->tmpldir = xstrdup("/etc/munin/templates");
	c->graph_cache = xstrdup("/run/drover/graphs");
	c->graph_cache_mb = 256;
	c->state_dir = xstrdup("/var/lib/drover");
	c->interval = 300;
	c->max_concurrency = 64;
	c->physical_concurrency = 2;
	c->timeout = 60;
	c->connect_timeout = 10;
	c->idle_timeout = 30;
	c->config_refresh = 12;
	c->listen_addr = xstrdup("127.0.0.1");
	c->listen_port = 4948;
	c->local_node = true;
	c->notify.expiry = 86400;
	c->notify.group_window = 10;
	c->notify.retry_min = 10;
	c->notify.retry_max = 600;
	return c;
}

static void
host_cleanup(struct conf_host *h)
{
	size_t i;

	free(h->name);
	free(h->group);
	free(h->address);
	free(h->physical);
	for (i = 0; h->settings != NULL && i < nsources; i++)
		if (h->settings[i] != NULL)
			sources[i]->settings_free(h->settings[i]);
	free(h->settings);
	free(h->file);
	attrs_cleanup(&h->overrides);
	attrs_cleanup(&h->munin);
}

void
conf_free(struct conf *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->file);
	free(c->dbdir);
	free(c->rundir);
	free(c->logdir);
	free(c->htmldir);
	free(c->tmpldir);
	free(c->includedir);
	free(c->rrdcached_socket);
	free(c->graph_cache);
	free(c->state_dir);
	free(c->nagios_command_file);
	free(c->listen_addr);
	free(c->notify.smtp_url);
	free(c->notify.smtp_from);
	free(c->notify.smtp_user);
	free(c->notify.smtp_password_file);
	contact_set_cleanup(&c->contacts);
	attrs_cleanup(&c->munin);
	attrs_cleanup(&c->groups);
	for (i = 0; i < c->nhosts; i++)
		host_cleanup(&c->hosts[i]);
	free(c->hosts);
	free(c);
}

struct conf_host *
conf_host_find(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nhosts; i++)
		if (strcmp(c->hosts[i].name, name) == 0)
			return &c->hosts[i];
	return NULL;
}

const char *
conf_group_from_name(const char *name)
{
	const char *dot = strchr(name, '.');

	return dot != NULL && dot[1] != '\0' ? dot + 1 : name;
}

unsigned
conf_host_interval(const struct conf *c, const struct conf_host *h)
{
	return h->interval ? h->interval : c->interval;
}

unsigned
conf_host_alert_attempts(const struct conf_host *h)
{
	const char *v = attrs_get(&h->munin, "alert_attempts");
	unsigned n;

	return v != NULL && parse_uint(v, 1, 99999, &n) ? n : 0;
}

unsigned
conf_host_timeout(const struct conf *c, const struct conf_host *h)
{
	return h->timeout ? h->timeout : c->timeout;
}

/* The settings of the i-th source for h, or NULL. */
static void *
host_settings(const struct conf_host *h, size_t i)
{
	return h->settings != NULL ? h->settings[i] : NULL;
}

void
conf_host_source(const struct conf *c, const struct conf_host *h,
    const struct source *src, struct source_host *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->name = h->name;
	out->address = h->address;
	out->port = h->port;
	out->use_node_name = h->use_node_name;
	out->local = h->local;
	out->interval = conf_host_interval(c, h);
	out->timeout = conf_host_timeout(c, h);
	out->connect_timeout = c->connect_timeout;
	out->idle_timeout = c->idle_timeout;
	out->config_refresh = c->config_refresh;
	out->dbdir = c->dbdir;
	for (i = 0; i < nsources; i++)
		if (sources[i] == src)
			out->settings = host_settings(h, i);
}

bool
conf_host_polled(const struct conf *c, const struct conf_host *h)
{
	struct source_host sh;
	size_t i;

	for (i = 0; i < nsources; i++) {
		conf_host_source(c, h, sources[i], &sh);
		if (sources[i]->wanted(&sh))
			return true;
	}
	return false;
}

bool
conf_uses_source(const struct conf *c, const struct source *src)
{
	struct source_host sh;
	size_t i;

	for (i = 0; i < c->nhosts; i++) {
		conf_host_source(c, &c->hosts[i], src, &sh);
		if (src->wanted(&sh))
			return true;
	}
	return false;
}

char *
conf_host_group_path(const struct conf_host *h, char *out, size_t len)
{
	size_t i;

	snprintf(out, len, "%s", h->group);
	for (i = 0; out[i] != '\0'; i++)
		if (out[i] == ';')
			out[i] = '/';
	return out;
}

/* ---- value parsers ------------------------------------------------ */

/* "ADDR:PORT", "[V6]:PORT" or ":PORT". */
static bool
parse_listen(const char *v, char **addr, unsigned *port)
{
	const char *colon;
	char host[256];
	size_t hl;

	if (v[0] == '[') {
		colon = strstr(v, "]:");
		if (colon == NULL)
			return false;
		hl = (size_t)(colon - v - 1);
		if (hl == 0 || hl >= sizeof(host))
			return false;
		memcpy(host, v + 1, hl);
		colon++;
	} else {
		colon = strrchr(v, ':');
		if (colon == NULL)
			return false;
		hl = (size_t)(colon - v);
		if (hl >= sizeof(host))
			return false;
		memcpy(host, v, hl);
	}
	host[hl] = '\0';
	if (!parse_uint(colon + 1, 0, 65535, port))
		return false;
	set_str(addr, hl ? host : "0.0.0.0");
	return true;
}

/* Munin's host name rule plus what keeps a name safe as a path part. */
static bool
valid_host_name(const char *s)
{
	size_t i;

	if (s[0] == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0 ||
	    strlen(s) > 253)
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.')
			return false;
	return true;
}

static bool
valid_group_name(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 200 || (len == 1 && s[0] == '.') ||
	    (len == 2 && s[0] == '.' && s[1] == '.'))
		return false;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == ':' || (unsigned char)s[i] < 0x20)
			return false;
	return true;
}

/* ---- sections ------------------------------------------------------ */

/* What the current section is. */
struct section {
	enum { SEC_GLOBAL, SEC_GROUP, SEC_HOST } kind;
	char group[512];   /* SEC_GROUP: the group chain */
	size_t host;	   /* SEC_HOST: index into c->hosts */
	char service[256]; /* "[g;host:service]": prefix for keys */
};

static struct conf_host *
host_get(struct conf *c, const char *name, const char *group,
    const struct where *w, size_t *index)
{
	struct conf_host *h, *nv;
	size_t i;

	for (i = 0; i < c->nhosts; i++) {
		if (strcmp(c->hosts[i].name, name) == 0 &&
		    strcmp(c->hosts[i].group, group) == 0) {
			*index = i;
			return &c->hosts[i];
		}
	}
	if (c->nhosts == c->hcap) {
		nv = realloc(
		    c->hosts, (c->hcap ? c->hcap * 2 : 16) * sizeof(*nv));
		if (nv == NULL)
			fatal("conf: realloc");
		c->hosts = nv;
		c->hcap = c->hcap ? c->hcap * 2 : 16;
	}
	h = &c->hosts[c->nhosts];
	memset(h, 0, sizeof(*h));
	h->name = xstrdup(name);
	h->group = xstrdup(group);
	h->port = 4949;
	h->use_node_name = true;
	h->update = true;
	h->file = xstrdup(w->file);
	h->line = w->line;
	*index = c->nhosts++;
	return h;
}

/*
 * Opens a section from the text between the brackets.  Munin's rules: the
 * last ';' ends the group part; without ';' the group is derived from the
 * host name; "[GROUP;]" is a group section; ':' after the host names a
 * service whose keys follow.
 */
static int
section_open(struct conf *c, const char *spec, const struct where *w,
    struct conf_errors *errs, struct section *sec)
{
	char buf[768], host[256];
	const char *semi, *g, *colon, *p;
	size_t hl;

	memset(sec, 0, sizeof(*sec));
	if (strlen(spec) >= sizeof(buf)) {
		add_error(errs, w, "section name too long");
		return -1;
	}
	snprintf(buf, sizeof(buf), "%s", spec);
	semi = strrchr(buf, ';');
	colon = strchr(semi != NULL ? semi : buf, ':');
	if (semi != NULL && semi[1] == '\0') {
		/* [GROUP;] or [A;B;] */
		for (g = buf; g < semi; g = p + 1) {
			p = memchr(g, ';', (size_t)(semi - g));
			if (p == NULL)
				p = semi;
			if (!valid_group_name(g, (size_t)(p - g))) {
				add_error(errs, w, "invalid group name");
				return -1;
			}
		}
		sec->kind = SEC_GROUP;
		snprintf(sec->group, sizeof(sec->group), "%.*s",
		    (int)(semi - buf), buf);
		return 0;
	}
	p = semi != NULL ? semi + 1 : buf;
	hl = colon != NULL ? (size_t)(colon - p) : strlen(p);
	if (hl >= sizeof(host)) {
		add_error(errs, w, "host name too long");
		return -1;
	}
	memcpy(host, p, hl);
	host[hl] = '\0';
	if (!valid_host_name(host)) {
		add_error(errs, w,
		    "invalid host name (Munin allows letters, digits, '-' "
		    "and '.')");
		return -1;
	}
	if (colon != NULL) {
		if (colon[1] == '\0' ||
		    strlen(colon + 1) >= sizeof(sec->service)) {
			add_error(errs, w, "invalid service in section name");
			return -1;
		}
		snprintf(sec->service, sizeof(sec->service), "%s", colon + 1);
		for (p = sec->service; *p != '\0'; p++)
			if (*p == ':')
				sec->service[p - sec->service] = '.';
	}
	if (semi != NULL) {
		for (g = buf; g < semi; g = p + 1) {
			p = memchr(g, ';', (size_t)(semi - g));
			if (p == NULL)
				p = semi;
			if (!valid_group_name(g, (size_t)(p - g))) {
				add_error(errs, w, "invalid group name");
				return -1;
			}
		}
		snprintf(sec->group, sizeof(sec->group), "%.*s",
		    (int)(semi - buf), buf);
	} else
		snprintf(sec->group, sizeof(sec->group), "%s",
		    conf_group_from_name(host));
	sec->kind = SEC_HOST;
	host_get(c, host, sec->group, w, &sec->host);
	return 0;
}

/* ---- keys ---------------------------------------------------------- */

/* The last '.'-separated word of key. */
static const char *
last_word(const char *key)
{
	const char *d = strrchr(key, '.');

	return d != NULL ? d + 1 : key;
}

/* "warning,critical,unknown" in any order, at least one. */

static int
global_key(struct conf *c, const char *key, const char *val,
    const struct where *w, struct conf_errors *errs)
{
	static const struct {
		const char *key;
		size_t off;
		unsigned lo, hi;
	} uints[] = {
	    {"config_refresh", offsetof(struct conf, config_refresh), 1,
		100000},
	    {"connect_timeout", offsetof(struct conf, connect_timeout), 1,
		3600},
	    {"alert_attempts", offsetof(struct conf, alert_attempts), 1, 100},
	    {"graph_cache_size", offsetof(struct conf, graph_cache_mb), 1,
		1048576},
	    {"idle_timeout", offsetof(struct conf, idle_timeout), 1, 3600},
	    {"interval", offsetof(struct conf, interval), 1, 86400},
	    {"max_concurrency", offsetof(struct conf, max_concurrency), 1,
		100000},
	    {"notify_expiry", offsetof(struct conf, notify.expiry), 60,
		30 * 86400},
	    {"notify_group_window", offsetof(struct conf, notify.group_window),
		0, 3600},
	    {"notify_retry_max", offsetof(struct conf, notify.retry_max), 1,
		86400},
	    {"notify_retry_min", offsetof(struct conf, notify.retry_min), 1,
		86400},
	    {"physical_concurrency",
		offsetof(struct conf, physical_concurrency), 1, 10000},
	    {"timeout", offsetof(struct conf, timeout), 1, 86400},
	};
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
	    {"dbdir", offsetof(struct conf, dbdir)},
	    {"graph_cache", offsetof(struct conf, graph_cache)},
	    {"htmldir", offsetof(struct conf, htmldir)},
	    {"includedir", offsetof(struct conf, includedir)},
	    {"logdir", offsetof(struct conf, logdir)},
	    {"rrdcached_socket", offsetof(struct conf, rrdcached_socket)},
	    {"rundir", offsetof(struct conf, rundir)},
	    {"smtp_from", offsetof(struct conf, notify.smtp_from)},
	    {"smtp_password_file",
		offsetof(struct conf, notify.smtp_password_file)},
	    {"smtp_url", offsetof(struct conf, notify.smtp_url)},
	    {"smtp_user", offsetof(struct conf, notify.smtp_user)},
	    {"state_dir", offsetof(struct conf, state_dir)},
	    {"tmpldir", offsetof(struct conf, tmpldir)},
	};
	char msg[256];
	size_t i;

	for (i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
		if (strcmp(key, uints[i].key) != 0)
			continue;
		if (!parse_uint(val, uints[i].lo, uints[i].hi,
			(unsigned *)((char *)c + uints[i].off))) {
			add_error(errs, w, "%s must be a number from %u to %u",
			    key, uints[i].lo, uints[i].hi);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "smtp_url") == 0 && strncmp(val, "smtp://", 7) != 0 &&
	    strncmp(val, "smtps://", 8) != 0) {
		add_error(
		    errs, w, "smtp_url must start with smtp:// or smtps://");
		return -1;
	}
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (strcmp(key, strs[i].key) == 0) {
			set_str((char **)((char *)c + strs[i].off), val);
			return 0;
		}
	}
	if (strcmp(key, "listen") == 0) {
		if (!parse_listen(val, &c->listen_addr, &c->listen_port)) {
			add_error(errs, w, "listen must be ADDR:PORT");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "nagios_command_file") == 0) {
		/* relative paths would depend on the daemon's cwd */
		if (val[0] != '/') {
			add_error(errs, w,
			    "nagios_command_file must be an absolute path");
			return -1;
		}
		set_str(&c->nagios_command_file, val);
		return 0;
	}
	if (strcmp(key, "local_node") == 0) {
		if (!parse_bool(val, &c->local_node)) {
			add_error(errs, w, "local_node must be yes or no");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "smtp_starttls") == 0) {
		if (!parse_bool(val, &c->notify.smtp_starttls)) {
			add_error(errs, w, "smtp_starttls must be yes or no");
			return -1;
		}
		return 0;
	}
	if (strncmp(key, "contact.", 8) == 0 && strchr(key + 8, '.')) {
		if (contact_set_line(
			&c->contacts, key + 8, val, msg, sizeof(msg)) == -1) {
			add_error(errs, w, "%s", msg);
			return -1;
		}
		return 0;
	}
	if (is_munin_keyword(last_word(key))) {
		if (attrs_get(&c->munin, key) == NULL)
			log_info(
			    "conf: %s:%d: \"%s\" is a Munin setting drover "
			    "does not use; ignored",
			    w->file, w->line, key);
		attrs_set(&c->munin, key, val);
		return 0;
	}
	add_error(errs, w, "unknown keyword \"%s\"", key);
	return -1;
}

/* "munin://host:port", "[v6]", "host" -> address and port. */
static int
parse_address(char **address, unsigned *port, const char *val,
    const struct where *w, struct conf_errors *errs)
{
	char addr[256], err[512];

	if (source_parse_address(
		val, addr, sizeof(addr), port, err, sizeof(err)) == -1) {
		add_error(errs, w, "%s", err);
		return -1;
	}
	set_str(address, addr);
	return 0;
}

static int
host_address(struct conf_host *h, const char *val, const struct where *w,
    struct conf_errors *errs)
{
	return parse_address(&h->address, &h->port, val, w, errs);
}

/*
 * A host key of a source's keys table: the source's settings for h are
 * made on its first key.  1 when no source has key.
 */
static int
host_source_key(struct conf_host *h, const char *key, const char *val,
    const struct where *w, struct conf_errors *errs)
{
	const struct source_key *k;
	char err[512];
	size_t i;

	for (i = 0; i < nsources; i++) {
		k = source_key_find(sources[i], key);
		if (k == NULL)
			continue;
		if (h->settings == NULL) {
			h->settings = calloc(nsources, sizeof(*h->settings));
			if (h->settings == NULL)
				fatal("conf: calloc");
		}
		if (h->settings[i] == NULL) {
			h->settings[i] = sources[i]->settings_new();
			if (h->settings[i] == NULL)
				fatal("conf: %s settings", sources[i]->name);
		}
		if (k->parse(h->settings[i], key, val, err, sizeof(err)) ==
		    -1) {
			add_error(errs, w, "%s", err);
			return -1;
		}
		return 0;
	}
	return 1;
}

static int
host_key(struct conf *c, struct conf_host *h, const char *prefix,
    const char *key, const char *val, const struct where *w,
    struct conf_errors *errs)
{
	char full[512];
	bool b;
	int r;

	if (prefix[0] != '\0') {
		snprintf(full, sizeof(full), "%s.%s", prefix, key);
		key = full;
	} else if (strcmp(key, "address") == 0)
		return host_address(h, val, w, errs);
	else if (strcmp(key, "port") == 0) {
		if (!parse_uint(val, 1, 65535, &h->port)) {
			add_error(errs, w, "port must be 1-65535");
			return -1;
		}
		return 0;
	} else if (strcmp(key, "use_node_name") == 0 ||
		   strcmp(key, "update") == 0) {
		if (!parse_bool(val, &b)) {
			add_error(errs, w, "%s must be yes or no", key);
			return -1;
		}
		if (key[0] == 'u' && key[1] == 's')
			h->use_node_name = b;
		else
			h->update = b;
		return 0;
	} else if (strcmp(key, "physical") == 0) {
		if (strpbrk(val, " \t;/") != NULL) {
			add_error(errs, w, "physical must be one word");
			return -1;
		}
		set_str(&h->physical, val);
		return 0;
	} else if (strcmp(key, "interval") == 0 ||
		   strcmp(key, "timeout") == 0) {
		if (!parse_uint(val, 1, 86400,
			key[0] == 'i' ? &h->interval : &h->timeout)) {
			add_error(errs, w, "%s must be 1-86400 seconds", key);
			return -1;
		}
		return 0;
	}
	/* not drover's own: a source's key ("ipmi_address"), or Munin's */
	if (prefix[0] == '\0' && strchr(key, '.') == NULL) {
		r = host_source_key(h, key, val, w, errs);
		if (r != 1)
			return r;
	}
	if (!is_munin_keyword(last_word(key))) {
		add_error(
		    errs, w, "unknown keyword \"%s\" in host section", key);
		return -1;
	}
	(void)c;
	if (strchr(key, '.') != NULL)
		attrs_set(&h->overrides, key, val);
	else
		attrs_set(&h->munin, key, val);
	return 0;
}

/* Strips an unescaped '#' comment, turns "\#" into '#', trims. */
static void
clean_line(char *s)
{
	char *r, *wp;
	size_t n;

	for (r = wp = s; *r != '\0'; r++) {
		if (*r == '\\' && r[1] == '#') {
			*wp++ = '#';
			r++;
			continue;
		}
		if (*r == '#')
			break;
		*wp++ = *r;
	}
	*wp = '\0';
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	r = s;
	while (isspace((unsigned char)*r))
		r++;
	memmove(s, r, strlen(r) + 1);
}

static int
parse_line(struct conf *c, char *line, const struct where *w,
    struct conf_errors *errs, struct section *sec)
{
	char *key, *val, *end;
	size_t n = strlen(line);

	if (line[0] == '[') {
		if (line[n - 1] != ']' || n < 3) {
			add_error(errs, w, "malformed section header");
			return -1;
		}
		line[n - 1] = '\0';
		return section_open(c, line + 1, w, errs, sec);
	}
	key = line;
	end = key + strcspn(key, " \t");
	val = end + strspn(end, " \t");
	*end = '\0';
	if (*val == '\0') {
		add_error(errs, w, "missing value for \"%s\"", key);
		return -1;
	}
	switch (sec->kind) {
	case SEC_GLOBAL:
		return global_key(c, key, val, w, errs);
	case SEC_GROUP: {
		char gk[768];

		if (!is_munin_keyword(last_word(key))) {
			add_error(errs, w, "unknown keyword \"%s\"", key);
			return -1;
		}
		snprintf(gk, sizeof(gk), "%s;%s", sec->group, key);
		attrs_set(&c->groups, gk, val);
		return 0;
	}
	case SEC_HOST:
		return host_key(
		    c, &c->hosts[sec->host], sec->service, key, val, w, errs);
	}
	return -1;
}

int
conf_parse_buf(struct conf *c, const char *file, const char *buf, size_t len,
    struct conf_errors *errs)
{
	struct section sec = {.kind = SEC_GLOBAL};
	struct where w = {.file = file};
	char *line = NULL, *text = NULL;
	size_t before = errs->n, pos = 0, eol, ll = 0, n;
	int lineno = 0, start = 0;
	bool cont;

	line = malloc(CONF_MAX_LINE + 1);
	text = malloc(CONF_MAX_LINE + 1);
	if (line == NULL || text == NULL)
		fatal("conf: malloc");
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);

		eol = nl != NULL ? (size_t)(nl - buf) : len;
		n = eol - pos;
		lineno++;
		if (ll == 0)
			start = lineno;
		if (memchr(buf + pos, '\0', n) != NULL) {
			w.line = lineno;
			w.text = NULL;
			add_error(errs, &w, "NUL byte in line");
			ll = 0;
			pos = eol + 1;
			continue;
		}
		if (ll + n > CONF_MAX_LINE) {
			w.line = lineno;
			w.text = NULL;
			add_error(errs, &w, "line longer than %d bytes",
			    CONF_MAX_LINE);
			ll = 0;
			pos = eol + 1;
			continue;
		}
		memcpy(line + ll, buf + pos, n);
		line[ll + n] = '\0';
		pos = eol + 1;
		/* clean only the new part: comments end at the line's end */
		clean_line(line + ll);
		ll = strlen(line);
		cont = ll > 0 && line[ll - 1] == '\\';
		if (cont) {
			line[--ll] = '\0';
			continue;
		}
		if (ll == 0)
			continue;
		/* parse_line splits line in place; messages quote a copy */
		memcpy(text, line, ll + 1);
		w.line = start;
		w.text = text;
		parse_line(c, line, &w, errs, &sec);
		ll = 0;
	}
	free(line);
	free(text);
	return (int)(errs->n - before);
}

static int
parse_file(struct conf *c, const char *path, struct conf_errors *errs)
{
	struct where w = {.file = path, .line = 0};
	char *buf = NULL;
	size_t len = 0;
	int n;

	if (file_read(AT_FDCWD, path, CONF_MAX_FILE, 0, &buf, &len) == -1) {
		add_error(errs, &w, "cannot read: %s", strerror(errno));
		return 1;
	}
	n = conf_parse_buf(c, path, buf, len, errs);
	free(buf);
	return n;
}

/* Munin skips editor and packaging leftovers in includedir. */
static bool
include_skipped(const char *name)
{
	size_t n = strlen(name);

	return name[0] == '.' || (n > 0 && name[n - 1] == '~') ||
	       strstr(name, ".dpkg-") != NULL || strstr(name, ".rpm") != NULL ||
	       name[0] == '#';
}

static int
parse_includedir(struct conf *c, const char *dir, struct conf_errors *errs)
{
	struct dirent **names = NULL;
	struct stat st;
	char path[PATH_MAX];
	int i, n, nerr = 0;

	n = scandir(dir, &names, NULL, alphasort);
	if (n == -1)
		return 0; /* Munin tolerates a missing includedir */
	for (i = 0; i < n; i++) {
		if (!include_skipped(names[i]->d_name) &&
		    snprintf(path, sizeof(path), "%s/%s", dir,
			names[i]->d_name) < (int)sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode))
			nerr += parse_file(c, path, errs);
		free(names[i]);
	}
	free(names);
	return nerr;
}

/* Where a source's settings_check complaint goes. */
struct check_ctx {
	struct conf_errors *errs;
	const struct where *w;
};

static void
on_check_error(void *arg, const char *msg)
{
	struct check_ctx *cc = arg;

	add_error(cc->errs, cc->w, "%s", msg);
}

int
conf_finish(struct conf *c, struct conf_errors *errs)
{
	struct check_ctx cc = {errs, NULL};
	struct where w = {0};
	char hostname[256];
	struct conf_host *h;
	size_t i, j, before = errs->n;

	if (c->local_node) {
		if (gethostname(hostname, sizeof(hostname)) == -1 ||
		    hostname[0] == '\0')
			snprintf(hostname, sizeof(hostname), "localhost");
		hostname[sizeof(hostname) - 1] = '\0';
		h = conf_host_find(c, hostname);
		if (h == NULL) {
			w.file = c->file != NULL ? c->file : "(default)";
			h = host_get(c, hostname,
			    conf_group_from_name(hostname), &w, &i);
		}
		if (h->address == NULL)
			h->local = true;
	}
	for (i = 0; i < c->nhosts; i++) {
		h = &c->hosts[i];
		w.file = h->file;
		w.line = h->line;
		w.text = h->name;
		if (h->update && !conf_host_polled(c, h))
			add_error(errs, &w, "host has no address");
		cc.w = &w;
		for (j = 0; j < nsources; j++)
			if (host_settings(h, j) != NULL &&
			    sources[j]->settings_check != NULL)
				sources[j]->settings_check(
				    h->settings[j], on_check_error, &cc);
	}
	w.file = c->file != NULL ? c->file : "(default)";
	w.line = 0;
	w.text = NULL;
	for (i = 0; i < c->contacts.n; i++)
		if (c->contacts.v[i].email != NULL &&
		    (c->notify.smtp_url == NULL || c->notify.smtp_from == NULL))
			add_error(errs, &w,
			    "contact %s has an email address but smtp_url "
			    "or smtp_from is not set",
			    c->contacts.v[i].name);
	c->notify.connect_timeout = c->connect_timeout;
	if (c->notify.retry_min > c->notify.retry_max)
		add_error(errs, &w,
		    "notify_retry_min (%u) is larger than notify_retry_max "
		    "(%u)",
		    c->notify.retry_min, c->notify.retry_max);
	if (c->notify.smtp_password_file != NULL && c->notify.smtp_user == NULL)
		add_error(errs, &w, "smtp_password_file needs smtp_user");
	return (int)(errs->n - before);
}

struct conf *
conf_load(const char *path, struct conf_errors *errs)
{
	struct conf *c = conf_new();
	size_t before = errs->n;

	if (c == NULL)
		return NULL;
	c->file = xstrdup(path);
	parse_file(c, path, errs);
	if (c->includedir != NULL)
		parse_includedir(c, c->includedir, errs);
	conf_finish(c, errs);
	if (errs->n != before) {
		conf_free(c);
		return NULL;
	}
	return c;
}

void
conf_print(const struct conf *c, FILE *out)
{
	const struct conf_host *h;
	struct source_host sh;
	size_t i, j;

	fprintf(out, "dbdir %s\nrundir %s\nlogdir %s\nhtmldir %s\n", c->dbdir,
	    c->rundir, c->logdir, c->htmldir);
	fprintf(out, "tmpldir %s\n", c->tmpldir);
	if (c->includedir != NULL)
		fprintf(out, "includedir %s\n", c->includedir);
	if (c->rrdcached_socket != NULL)
		fprintf(out, "rrdcached_socket %s\n", c->rrdcached_socket);
	if (c->nagios_command_file != NULL)
		fprintf(
		    out, "nagios_command_file %s\n", c->nagios_command_file);
	fprintf(out,
	    "interval %u\nmax_concurrency %u\nphysical_concurrency %u\n"
	    "timeout %u\nconnect_timeout %u\nidle_timeout %u\n"
	    "config_refresh %u\n",
	    c->interval, c->max_concurrency, c->physical_concurrency,
	    c->timeout, c->connect_timeout, c->idle_timeout, c->config_refresh);
	fprintf(out,
	    strchr(c->listen_addr, ':') ? "listen [%s]:%u\n" : "listen %s:%u\n",
	    c->listen_addr, c->listen_port);
	fprintf(out, "local_node %s\n", c->local_node ? "yes" : "no");
	fprintf(out, "graph_cache %s\ngraph_cache_size %u\n", c->graph_cache,
	    c->graph_cache_mb);
	fprintf(out, "state_dir %s\n", c->state_dir);
	if (c->alert_attempts > 0)
		fprintf(out, "alert_attempts %u\n", c->alert_attempts);
	if (c->notify.smtp_url != NULL)
		fprintf(out, "smtp_url %s\nsmtp_starttls %s\n",
		    c->notify.smtp_url, c->notify.smtp_starttls ? "yes" : "no");
	if (c->notify.smtp_from != NULL)
		fprintf(out, "smtp_from %s\n", c->notify.smtp_from);
	if (c->notify.smtp_user != NULL)
		fprintf(out, "smtp_user %s\n", c->notify.smtp_user);
	if (c->notify.smtp_password_file != NULL)
		fprintf(out, "smtp_password_file %s\n",
		    c->notify.smtp_password_file);
	fprintf(out,
	    "notify_expiry %u\nnotify_group_window %u\n"
	    "notify_retry_min %u\nnotify_retry_max %u\n",
	    c->notify.expiry, c->notify.group_window, c->notify.retry_min,
	    c->notify.retry_max);
	for (i = 0; i < c->munin.n; i++)
		fprintf(out, "%s %s\n", c->munin.v[i].key, c->munin.v[i].value);
	contact_set_print(&c->contacts, out);
	for (i = 0; i < c->groups.n; i++) {
		const char *semi = strrchr(c->groups.v[i].key, ';');

		fprintf(out, "\n[%.*s;]\n    %s %s\n",
		    (int)(semi - c->groups.v[i].key), c->groups.v[i].key,
		    semi + 1, c->groups.v[i].value);
	}
	for (i = 0; i < c->nhosts; i++) {
		h = &c->hosts[i];
		fprintf(out, "\n[%s;%s]\n", h->group, h->name);
		if (h->local)
			fprintf(out, "    # built-in node source\n");
		if (h->address != NULL)
			fprintf(out,
			    strchr(h->address, ':') ? "    address [%s]\n"
						    : "    address %s\n",
			    h->address);
		fprintf(out, "    port %u\n", h->port);
		fprintf(out, "    use_node_name %s\n",
		    h->use_node_name ? "yes" : "no");
		if (!h->update)
			fprintf(out, "    update no\n");
		fprintf(out, "    physical %s\n",
		    h->physical != NULL ? h->physical : h->name);
		fprintf(out, "    interval %u\n", conf_host_interval(c, h));
		fprintf(out, "    timeout %u\n", conf_host_timeout(c, h));
		for (j = 0; j < nsources; j++) {
			if (host_settings(h, j) == NULL ||
			    sources[j]->settings_print == NULL)
				continue;
			conf_host_source(c, h, sources[j], &sh);
			sources[j]->settings_print(&sh, out);
		}
		for (j = 0; j < h->munin.n; j++)
			fprintf(out, "    %s %s\n", h->munin.v[j].key,
			    h->munin.v[j].value);
		for (j = 0; j < h->overrides.n; j++)
			fprintf(out, "    %s %s\n", h->overrides.v[j].key,
			    h->overrides.v[j].value);
	}
}
