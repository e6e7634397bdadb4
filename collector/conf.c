/*
 * conf: munin.conf's keywords (and drover's additions) into struct conf.
 *
 * conf_lex splits the files into sections and "KEY VALUE" lines; here
 * each key is applied through its domain: the global keys (typed tables,
 * contact lines to contact_set), host section keys (drover's own, then
 * the sources' key tables, then Munin's keywords kept as overrides or
 * host attributes), group sections, and Munin keys drover accepts but
 * ignores.  conf_finish adds the derived values and checks the rules
 * that span keys.  The printer is conf_print.c.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <net/if.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "collector/conf.h"
#include "collector/shard.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "plugins/host_pcap.h"
#include "plugins/source.h"
#include "plugins/sources.h"
#include "rrd/rrdc_addr.h"

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
    "cutoff",
    "nagios_critical",
    "nagios_warning",
};

/* Whether Munin itself accepts w as the last word of a key. */
static bool
is_munin_own_keyword(const char *w)
{
	return bsearch(&w, munin_keywords,
		   sizeof(munin_keywords) / sizeof(munin_keywords[0]),
		   sizeof(munin_keywords[0]), cmp_str) != NULL;
}

/* Munin's booleans (Munin::Master::Config %booleans): Munin refuses
 * these without a yes or no. */
static bool
is_munin_boolean(const char *w)
{
	static const char *const booleans[] = {"debug", "fork",
	    "tls_verify_certificate", "update", "use_default_node",
	    "use_node_name"};
	size_t i;

	for (i = 0; i < sizeof(booleans) / sizeof(booleans[0]); i++)
		if (strcmp(w, booleans[i]) == 0)
			return true;
	return false;
}

static bool
is_munin_keyword(const char *w)
{
	return is_munin_own_keyword(w) ||
	       bsearch(&w, drover_keywords,
		   sizeof(drover_keywords) / sizeof(drover_keywords[0]),
		   sizeof(drover_keywords[0]), cmp_str) != NULL;
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
	c->rw_queue_mb = 256;
	c->remote_write_batch = 5000;
	c->remote_write_timeout = 30;
	c->state_dir = xstrdup("/var/lib/drover");
	c->procfs_root = xstrdup("/proc");
	c->sysfs_root = xstrdup("/sys");
	c->utmp_file = xstrdup("/var/run/utmp");
	c->cgroup_root = xstrdup("/sys/fs/cgroup");
	c->lvs_command = xstrdup("lvs");
	c->lvm_archive_dir = xstrdup("/etc/lvm/archive");
	c->lvm_backup_dir = xstrdup("/etc/lvm/backup");
	c->xl_command = xstrdup("xl");
	c->xentop_command = xstrdup("xentop");
	c->ssh_command = xstrdup(SOURCE_SSH_COMMAND);
	c->ssh_options = xstrdup(SOURCE_SSH_OPTIONS);
	c->probe_command_timeout = HOST_COMMAND_TIMEOUT_MS / 1000;
	c->pcap_snaplen = PCAP_SNAPLEN_DEFAULT;
	c->pcap_promisc = true;
	c->pcap_ignore_outgoing = true;
	c->node_listen_addr = xstrdup("127.0.0.1");
	c->node_listen_port = 4949;
	c->node_timeout = 60;
	c->node_plugin_dir = xstrdup("/etc/munin/plugins");
	c->node_plugin_conf_dir = xstrdup("/etc/munin/plugin-conf.d");
	c->node_plugin_state = xstrdup("/var/lib/munin-node/plugin-state");
	c->node_plugin_timeout = 60;
	c->interval = 300;
	c->rrdcached_own_hosts = CONF_OWN_RRDCACHED_HOSTS;
	c->cutoff_window = FORECAST_WINDOW;
	c->cutoff_warning = FORECAST_WARNING;
	c->cutoff_critical = FORECAST_CRITICAL;
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
	c->notify.group_window = 5;
	c->notify.retry_min = 2;
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
	free(h->vm_name);
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
	free(c->rrdcached_base_dir);
	free(c->rrdcached_base_dir_file);
	free(c->rrdcached_own_file);
	free(c->procfs_root);
	free(c->sysfs_root);
	free(c->utmp_file);
	free(c->cgroup_root);
	free(c->lvs_command);
	free(c->lvm_archive_dir);
	free(c->lvm_backup_dir);
	free(c->xl_command);
	free(c->xentop_command);
	free(c->ssh_command);
	free(c->ssh_options);
	free(c->pcap_interfaces);
	free(c->pcap_filter);
	free(c->pcap_names);
	free(c->node_listen_addr);
	free(c->node_host_name);
	free(c->node_plugin_dir);
	free(c->node_plugin_conf_dir);
	free(c->node_plugin_state);
	strlist_cleanup(&c->node_exec);
	strlist_cleanup(&c->shard_physical);
	strlist_cleanup(&c->peers);
	node_allow_cleanup(&c->node_allow);
	free(c->graph_cache);
	free(c->state_dir);
	free(c->user);
	free(c->group);
	free(c->nagios_command_file);
	free(c->listen_addr);
	free(c->metrics_listen_addr);
	free(c->remote_write_url);
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

void
conf_host_forecast(const struct conf *c, const struct conf_host *h,
    struct forecast_settings *out)
{
	out->window = h->cutoff_window ? h->cutoff_window : c->cutoff_window;
	out->warning =
	    h->cutoff_warning ? h->cutoff_warning : c->cutoff_warning;
	out->critical =
	    h->cutoff_critical ? h->cutoff_critical : c->cutoff_critical;
	out->has_cutoff = h->has_bank_cutoff;
	out->cutoff = h->bank_cutoff;
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
conf_host_roots(const struct conf *c, struct host_roots *out)
{
	*out = (struct host_roots){
	    .proc = c->procfs_root,
	    .sys = c->sysfs_root,
	    .utmp = c->utmp_file,
	    .cgroup = c->cgroup_root,
	    .lvs_command = c->lvs_command,
	    .lvm_archive_dir = c->lvm_archive_dir,
	    .lvm_backup_dir = c->lvm_backup_dir,
	    .xl_command = c->xl_command,
	    .xentop_command = c->xentop_command,
	    .command_timeout_ms = c->probe_command_timeout * 1000,
	    .pcap_interfaces = c->pcap_interfaces,
	    .pcap_filter = c->pcap_filter,
	    .pcap_names = c->pcap_names,
	    .pcap_snaplen = c->pcap_snaplen,
	    .pcap_promisc = c->pcap_promisc,
	    .pcap_ignore_outgoing = c->pcap_ignore_outgoing,
	};
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
	out->ssh_command = c->ssh_command;
	out->ssh_options = c->ssh_options;
	out->dbdir = c->dbdir;
	conf_host_roots(c, &out->roots);
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

const char *
conf_host_unpolled_reason(const struct conf *c, const struct conf_host *h)
{
	return h->update && !conf_host_polled(c, h) ? CONF_NO_ADDRESS : NULL;
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

/* Whether s is an IPv4 or IPv6 address (what node_listen binds). */
static bool
is_ip(const char *s)
{
	unsigned char a[16];

	return inet_pton(AF_INET, s, a) == 1 || inet_pton(AF_INET6, s, a) == 1;
}

/* ---- sections ------------------------------------------------------ */

/* What the current section is. */
struct section {
	bool global;		  /* no section header yet (or a bad one) */
	struct conf_section name; /* otherwise: its name */
	size_t host;		  /* CONF_SECTION_HOST: index into c->hosts */
};

static struct conf_host *
host_get(struct conf *c, const char *name, const char *group,
    const struct conf_where *w, size_t *index)
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

/* Opens the section named spec (the text between the brackets). */
static int
section_open(struct conf *c, const char *spec, const struct conf_where *w,
    struct conf_errors *errs, struct section *sec)
{
	const char *err = conf_section_parse(spec, &sec->name);

	sec->global = err != NULL;
	sec->host = 0;
	if (err != NULL) {
		conf_error_add(errs, w, "%s", err);
		return -1;
	}
	if (sec->name.kind == CONF_SECTION_HOST)
		host_get(c, sec->name.host, sec->name.group, w, &sec->host);
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

/* pcap_interfaces: interface names (IF_NAMESIZE, no '/'), blanks
 * between, at most PCAP_INTERFACES_MAX; "" or "none": no capture. */
static int
pcap_interfaces_key(struct conf *c, const char *val, const struct conf_where *w,
    struct conf_errors *errs)
{
	const char *p = val;
	size_t n, count = 0;

	if (strcmp(val, "none") == 0) {
		free(c->pcap_interfaces);
		c->pcap_interfaces = NULL;
		return 0;
	}
	for (;;) {
		p += strspn(p, " \t");
		n = strcspn(p, " \t");
		if (n == 0)
			break;
		if (n >= IF_NAMESIZE || memchr(p, '/', n) != NULL ||
		    memchr(p, ',', n) != NULL ||
		    (n <= 2 && strncmp(p, "..", n) == 0)) {
			conf_error_add(errs, w,
			    "pcap_interfaces: \"%.*s\" is not an interface "
			    "name",
			    (int)n, p);
			return -1;
		}
		if (++count > PCAP_INTERFACES_MAX) {
			conf_error_add(errs, w,
			    "pcap_interfaces: more than %d interfaces",
			    PCAP_INTERFACES_MAX);
			return -1;
		}
		p += n;
	}
	set_str(&c->pcap_interfaces, val);
	return 0;
}

/* pcap_name MAC NAME: a name for a MAC's traffic (plugins/host_pcap.h),
 * kept as "MAC NAME\n" in c->pcap_names, MAC in lower case with ':'. */
static int
pcap_name_key(struct conf *c, const char *val, const struct conf_where *w,
    struct conf_errors *errs)
{
	char line[32 + PCAP_NAME_MAX], *p;
	const char *name, *q;
	size_t macn, namen, have, count = 0;
	uint8_t mac[6];

	macn = strcspn(val, " \t");
	name = val + macn + strspn(val + macn, " \t");
	namen = strcspn(name, " \t");
	if (!parse_mac(val, macn, mac)) {
		conf_error_add(errs, w,
		    "pcap_name: \"%.*s\" is not a MAC (52:54:00:ab:cd:ef)",
		    (int)macn, val);
		return -1;
	}
	if (namen == 0 || name[namen + strspn(name + namen, " \t")] != '\0') {
		conf_error_add(errs, w, "pcap_name: MAC NAME, one word");
		return -1;
	}
	if (namen >= PCAP_NAME_MAX) {
		conf_error_add(errs, w,
		    "pcap_name: a name longer than %d bytes",
		    PCAP_NAME_MAX - 1);
		return -1;
	}
	snprintf(line, sizeof(line), "%02x:%02x:%02x:%02x:%02x:%02x %.*s\n",
	    mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], (int)namen, name);
	have = c->pcap_names != NULL ? strlen(c->pcap_names) : 0;
	for (q = c->pcap_names; q != NULL && *q != '\0'; count++) {
		if (strncmp(q, line, 18) == 0) {
			conf_error_add(
			    errs, w, "pcap_name: %.17s is named already", line);
			return -1;
		}
		q = strchr(q, '\n');
		q = q != NULL ? q + 1 : NULL;
	}
	if (count == PCAP_NAMES_MAX) {
		conf_error_add(
		    errs, w, "pcap_name: more than %d names", PCAP_NAMES_MAX);
		return -1;
	}
	p = realloc(c->pcap_names, have + strlen(line) + 1);
	if (p == NULL)
		fatal("conf: realloc");
	memcpy(p + have, line, strlen(line) + 1);
	c->pcap_names = p;
	return 0;
}

static int
global_key(struct conf *c, const char *key, const char *val,
    const struct conf_where *w, struct conf_errors *errs)
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
	    {"cutoff_critical", offsetof(struct conf, cutoff_critical), 1,
		FORECAST_MAX_MINUTES},
	    {"cutoff_warning", offsetof(struct conf, cutoff_warning), 1,
		FORECAST_MAX_MINUTES},
	    {"cutoff_window", offsetof(struct conf, cutoff_window),
		FORECAST_MIN_WINDOW, FORECAST_MAX_WINDOW},
	    {"alert_attempts", offsetof(struct conf, alert_attempts), 1, 100},
	    {"graph_cache_size", offsetof(struct conf, graph_cache_mb), 1,
		1048576},
	    {"idle_timeout", offsetof(struct conf, idle_timeout), 1, 3600},
	    {"interval", offsetof(struct conf, interval), 1, 86400},
	    {"max_concurrency", offsetof(struct conf, max_concurrency), 1,
		100000},
	    {"node_plugin_timeout", offsetof(struct conf, node_plugin_timeout),
		1, 86400},
	    {"node_timeout", offsetof(struct conf, node_timeout), 1, 3600},
	    {"notify_expiry", offsetof(struct conf, notify.expiry), 60,
		30 * 86400},
	    {"notify_group_window", offsetof(struct conf, notify.group_window),
		0, 3600},
	    {"notify_retry_max", offsetof(struct conf, notify.retry_max), 1,
		86400},
	    {"notify_retry_min", offsetof(struct conf, notify.retry_min), 1,
		86400},
	    {"pcap_snaplen", offsetof(struct conf, pcap_snaplen),
		PCAP_SNAPLEN_MIN, PCAP_SNAPLEN_MAX},
	    {"physical_concurrency",
		offsetof(struct conf, physical_concurrency), 1, 10000},
	    {"probe_command_timeout",
		offsetof(struct conf, probe_command_timeout), 1, 3600},
	    {"remote_write_batch", offsetof(struct conf, remote_write_batch),
		100, 1000000},
	    {"remote_write_queue_size", offsetof(struct conf, rw_queue_mb), 1,
		1048576},
	    {"remote_write_timeout",
		offsetof(struct conf, remote_write_timeout), 1, 3600},
	    {"rrdcached_own_hosts", offsetof(struct conf, rrdcached_own_hosts),
		1, 10000000},
	    {"timeout", offsetof(struct conf, timeout), 1, 86400},
	};
	static const struct {
		const char *key;
		size_t off;
	} strs[] = {
	    {"cgroup_root", offsetof(struct conf, cgroup_root)},
	    {"lvm_archive_dir", offsetof(struct conf, lvm_archive_dir)},
	    {"lvm_backup_dir", offsetof(struct conf, lvm_backup_dir)},
	    {"lvs_command", offsetof(struct conf, lvs_command)},
	    {"xentop_command", offsetof(struct conf, xentop_command)},
	    {"xl_command", offsetof(struct conf, xl_command)},
	    {"dbdir", offsetof(struct conf, dbdir)},
	    {"graph_cache", offsetof(struct conf, graph_cache)},
	    {"htmldir", offsetof(struct conf, htmldir)},
	    {"includedir", offsetof(struct conf, includedir)},
	    {"logdir", offsetof(struct conf, logdir)},
	    {"node_host_name", offsetof(struct conf, node_host_name)},
	    {"node_plugin_conf_dir",
		offsetof(struct conf, node_plugin_conf_dir)},
	    {"node_plugin_dir", offsetof(struct conf, node_plugin_dir)},
	    {"node_plugin_state", offsetof(struct conf, node_plugin_state)},
	    {"procfs_root", offsetof(struct conf, procfs_root)},
	    {"rrdcached_socket", offsetof(struct conf, rrdcached_socket)},
	    {"rundir", offsetof(struct conf, rundir)},
	    {"smtp_from", offsetof(struct conf, notify.smtp_from)},
	    {"smtp_password_file",
		offsetof(struct conf, notify.smtp_password_file)},
	    {"smtp_url", offsetof(struct conf, notify.smtp_url)},
	    {"smtp_user", offsetof(struct conf, notify.smtp_user)},
	    {"ssh_command", offsetof(struct conf, ssh_command)},
	    {"ssh_options", offsetof(struct conf, ssh_options)},
	    {"state_dir", offsetof(struct conf, state_dir)},
	    {"sysfs_root", offsetof(struct conf, sysfs_root)},
	    {"tmpldir", offsetof(struct conf, tmpldir)},
	    {"utmp_file", offsetof(struct conf, utmp_file)},
	};
	char msg[256];
	size_t i;
	int r;

	for (i = 0; i < sizeof(uints) / sizeof(uints[0]); i++) {
		if (strcmp(key, uints[i].key) != 0)
			continue;
		if (!parse_uint(val, uints[i].lo, uints[i].hi,
			(unsigned *)((char *)c + uints[i].off))) {
			conf_error_add(errs, w,
			    "%s must be a number from %u to %u", key,
			    uints[i].lo, uints[i].hi);
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "rrdcached_socket") == 0 &&
	    rrdc_addr_kind(val, msg, sizeof(msg)) == RRDC_BAD) {
		conf_error_add(errs, w, "rrdcached_socket: %s", msg);
		return -1;
	}
	if (strcmp(key, "rrdcached_own") == 0) {
		if (strcmp(val, "auto") == 0)
			c->rrdcached_own = CONF_OWN_AUTO;
		else if (strcmp(val, "yes") == 0)
			c->rrdcached_own = CONF_OWN_YES;
		else if (strcmp(val, "no") == 0)
			c->rrdcached_own = CONF_OWN_NO;
		else {
			conf_error_add(
			    errs, w, "rrdcached_own must be auto, yes or no");
			return -1;
		}
		set_str(&c->rrdcached_own_file, w->file);
		c->rrdcached_own_line = w->line;
		return 0;
	}
	if (strcmp(key, "rrdcached_base_dir") == 0) {
		if (val[0] != '/') {
			conf_error_add(errs, w,
			    "rrdcached_base_dir must be an absolute path (the "
			    "directory rrdcached runs with -b)");
			return -1;
		}
		set_str(&c->rrdcached_base_dir, val);
		set_str(&c->rrdcached_base_dir_file, w->file);
		c->rrdcached_base_dir_line = w->line;
		return 0;
	}
	if (strcmp(key, "smtp_url") == 0 && strncmp(val, "smtp://", 7) != 0 &&
	    strncmp(val, "smtps://", 8) != 0) {
		conf_error_add(
		    errs, w, "smtp_url must start with smtp:// or smtps://");
		return -1;
	}
	if (strcmp(key, "remote_write_url") == 0) {
		if (strncmp(val, "http://", 7) != 0 &&
		    strncmp(val, "https://", 8) != 0) {
			conf_error_add(errs, w,
			    "remote_write_url must start with http:// or "
			    "https://");
			return -1;
		}
		set_str(&c->remote_write_url, val);
		return 0;
	}
	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++) {
		if (strcmp(key, strs[i].key) == 0) {
			set_str((char **)((char *)c + strs[i].off), val);
			return 0;
		}
	}
	if (strcmp(key, "listen") == 0) {
		if (!parse_listen(val, &c->listen_addr, &c->listen_port)) {
			conf_error_add(errs, w, "listen must be ADDR:PORT");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "metrics_listen") == 0) {
		if (!parse_listen(val, &c->metrics_listen_addr,
			&c->metrics_listen_port)) {
			conf_error_add(
			    errs, w, "metrics_listen must be ADDR:PORT");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "node_listen") == 0) {
		if (!parse_listen(
			val, &c->node_listen_addr, &c->node_listen_port) ||
		    !is_ip(c->node_listen_addr)) {
			conf_error_add(errs, w,
			    "node_listen must be IP:PORT or [IPV6]:PORT");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "node_allow") == 0) {
		if (node_allow_add(&c->node_allow, val) == -1) {
			conf_error_add(errs, w,
			    "node_allow must be an address or ADDR/BITS "
			    "(127.0.0.0/8, ::1/128)");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "shard") == 0) {
		if (!shard_parse(val, &c->shard_index, &c->shard_count)) {
			conf_error_add(errs, w,
			    "shard must be I/N with 1 <= I <= N <= 1024");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "shard_physical") == 0) {
		char *copy = xstrdup(val), *word, *save = NULL;

		for (word = strtok_r(copy, " \t,", &save); word != NULL;
		     word = strtok_r(NULL, " \t,", &save))
			if (!strlist_contains(&c->shard_physical, word) &&
			    strlist_add(&c->shard_physical, word) == -1)
				fatal("conf: shard_physical");
		free(copy);
		return 0;
	}
	if (strcmp(key, "peer") == 0) {
		if ((strncmp(val, "http://", 7) != 0 &&
			strncmp(val, "https://", 8) != 0) ||
		    strpbrk(val, " \t") != NULL) {
			conf_error_add(errs, w,
			    "peer must be a URL starting with http:// or "
			    "https://");
			return -1;
		}
		if (!strlist_contains(&c->peers, val) &&
		    strlist_add(&c->peers, val) == -1)
			fatal("conf: peer");
		return 0;
	}
	if (strcmp(key, "node_exec") == 0) {
		char *copy = xstrdup(val), *word, *save = NULL;

		for (word = strtok_r(copy, " \t,", &save); word != NULL;
		     word = strtok_r(NULL, " \t,", &save)) {
			if (word[strspn(word, "abcdefghijklmnopqrstuvwxyz"
					      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
					      "0123456789_-.@:")] != '\0') {
				conf_error_add(errs, w,
				    "node_exec: %s is not a plugin name", word);
				free(copy);
				return -1;
			}
			if (!strlist_contains(&c->node_exec, word) &&
			    strlist_add(&c->node_exec, word) == -1)
				fatal("conf: node_exec");
		}
		free(copy);
		return 0;
	}
	if (strcmp(key, "nagios_command_file") == 0) {
		/* relative paths would depend on the daemon's cwd */
		if (val[0] != '/') {
			conf_error_add(errs, w,
			    "nagios_command_file must be an absolute path");
			return -1;
		}
		set_str(&c->nagios_command_file, val);
		return 0;
	}
	/* checked here, so "drover config" names the line of a typo; the
	 * daemon looks the account up again when it drops to it */
	if (strcmp(key, "user") == 0) {
		if (getpwnam(val) == NULL) {
			conf_error_add(
			    errs, w, "user \"%s\" does not exist", val);
			return -1;
		}
		set_str(&c->user, val);
		return 0;
	}
	if (strcmp(key, "group") == 0) {
		if (getgrnam(val) == NULL) {
			conf_error_add(
			    errs, w, "group \"%s\" does not exist", val);
			return -1;
		}
		set_str(&c->group, val);
		return 0;
	}
	if (strcmp(key, "local_node") == 0) {
		if (!parse_bool(val, &c->local_node)) {
			conf_error_add(errs, w, "local_node must be yes or no");
			return -1;
		}
		c->local_node_set = true;
		return 0;
	}
	if (strcmp(key, "pcap_promisc") == 0) {
		if (!parse_bool(val, &c->pcap_promisc)) {
			conf_error_add(
			    errs, w, "pcap_promisc must be yes or no");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "pcap_ignore_outgoing") == 0) {
		if (!parse_bool(val, &c->pcap_ignore_outgoing)) {
			conf_error_add(
			    errs, w, "pcap_ignore_outgoing must be yes or no");
			return -1;
		}
		return 0;
	}
	if (strcmp(key, "pcap_interfaces") == 0)
		return pcap_interfaces_key(c, val, w, errs);
	if (strcmp(key, "pcap_name") == 0)
		return pcap_name_key(c, val, w, errs);
	if (strcmp(key, "pcap_filter") == 0) {
		if (!host_pcap_filter_ok(val, msg, sizeof(msg))) {
			conf_error_add(errs, w, "pcap_filter: %s", msg);
			return -1;
		}
		set_str(&c->pcap_filter, val);
		return 0;
	}
	if (strcmp(key, "smtp_starttls") == 0) {
		if (!parse_bool(val, &c->notify.smtp_starttls)) {
			conf_error_add(
			    errs, w, "smtp_starttls must be yes or no");
			return -1;
		}
		return 0;
	}
	if (strncmp(key, "contact.", 8) == 0 && strchr(key + 8, '.')) {
		r = contact_set_line(
		    &c->contacts, key + 8, val, msg, sizeof(msg));
		/* a contact key drover has no use for: as Munin does, kept
		 * when Munin knows its last word ("contact.me.contact"), a
		 * typo otherwise ("contact.me.comand") */
		if (r == 1 && is_munin_own_keyword(last_word(key))) {
			log_info("conf: %s:%d: \"%s\" is a Munin contact "
				 "setting drover does not use; ignored",
			    w->file, w->line, key);
			return 0;
		}
		if (r != 0) {
			conf_error_add(errs, w, "%s", msg);
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
	conf_error_add(errs, w, "unknown keyword \"%s\"", key);
	return -1;
}

/* "munin://host:port", "[v6]", "host" -> address and port; an ssh:// or
 * cmd:// address is kept whole, for the munin source to read again. */
static int
parse_address(char **address, unsigned *port, const char *val,
    const struct conf_where *w, struct conf_errors *errs)
{
	struct source_address a;
	char err[512];

	if (source_address_parse(val, &a, err, sizeof(err)) == -1) {
		conf_error_add(errs, w, "%s", err);
		return -1;
	}
	if (a.transport != SOURCE_TCP) {
		set_str(address, val);
		return 0;
	}
	set_str(address, a.host);
	if (a.port != 0)
		*port = a.port;
	return 0;
}

static int
host_address(struct conf_host *h, const char *val, const struct conf_where *w,
    struct conf_errors *errs)
{
	return parse_address(&h->address, &h->port, val, w, errs);
}

/*
 * A host key of a source's keys table: the source's settings for h are
 * made on its first key.  A key several sources share (bank_nominal, a
 * battery bank's) goes to each of them; the first complaint is reported.
 * 1 when no source has key.
 */
static int
host_source_key(struct conf_host *h, const char *key, const char *val,
    const struct conf_where *w, struct conf_errors *errs)
{
	const struct source_key *k;
	char err[512];
	size_t i;
	int r = 1;

	for (i = 0; i < nsources && r != -1; i++) {
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
		r = 0;
		if (k->parse(h->settings[i], key, val, err, sizeof(err)) ==
		    -1) {
			conf_error_add(errs, w, "%s", err);
			r = -1;
		}
	}
	return r;
}

/* "11.5": a voltage in [0, 1000]. */
static bool
parse_volts(const char *v, double *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (end == v || *end != '\0' || errno != 0 || !(d >= 0 && d <= 1000))
		return false;
	*out = d;
	return true;
}

/* A guest's name as its hypervisor reports it: what the vm probe and
 * libvirt accept, printable, at most GUEST_NAME_MAX bytes. */
#define GUEST_NAME_MAX 127
static int
host_vm_name(struct conf_host *h, const char *val, const struct conf_where *w,
    struct conf_errors *errs)
{
	const unsigned char *p;

	if (val[0] == '\0' || strlen(val) > GUEST_NAME_MAX) {
		conf_error_add(
		    errs, w, "vm_name must be 1-%d characters", GUEST_NAME_MAX);
		return -1;
	}
	for (p = (const unsigned char *)val; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f) {
			conf_error_add(
			    errs, w, "vm_name has a control character");
			return -1;
		}
	set_str(&h->vm_name, val);
	h->vm_name_line = w->line;
	return 0;
}

static int
host_key(struct conf *c, struct conf_host *h, const char *prefix,
    const char *key, const char *val, const struct conf_where *w,
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
		if (!parse_uint(val, 0, 65535, &h->port)) {
			conf_error_add(errs, w, "port must be 1-65535");
			return -1;
		}
		/* Munin connects to "port || 4949" */
		if (h->port == 0) {
			log_info("conf: %s:%d: port 0 is 4949, as for Munin",
			    w->file, w->line);
			h->port = 4949;
		}
		return 0;
	} else if (strcmp(key, "use_node_name") == 0 ||
		   strcmp(key, "update") == 0) {
		if (!parse_bool(val, &b)) {
			conf_error_add(errs, w, "%s must be yes or no", key);
			return -1;
		}
		if (key[0] == 'u' && key[1] == 's')
			h->use_node_name = b;
		else
			h->update = b;
		return 0;
	} else if (strcmp(key, "physical") == 0) {
		if (strpbrk(val, " \t;/") != NULL) {
			conf_error_add(errs, w, "physical must be one word");
			return -1;
		}
		set_str(&h->physical, val);
		return 0;
	} else if (strcmp(key, "vm_name") == 0) {
		return host_vm_name(h, val, w, errs);
	} else if (strcmp(key, "cutoff_window") == 0) {
		if (!parse_uint(val, FORECAST_MIN_WINDOW, FORECAST_MAX_WINDOW,
			&h->cutoff_window)) {
			conf_error_add(errs, w,
			    "cutoff_window must be %u-%u seconds",
			    FORECAST_MIN_WINDOW, FORECAST_MAX_WINDOW);
			return -1;
		}
		return 0;
	} else if (strcmp(key, "cutoff_warning") == 0 ||
		   strcmp(key, "cutoff_critical") == 0) {
		if (!parse_uint(val, 1, FORECAST_MAX_MINUTES,
			key[7] == 'w' ? &h->cutoff_warning
				      : &h->cutoff_critical)) {
			conf_error_add(errs, w, "%s must be 1-%u minutes", key,
			    FORECAST_MAX_MINUTES);
			return -1;
		}
		return 0;
	} else if (strcmp(key, "bank_cutoff") == 0) {
		if (!parse_volts(val, &h->bank_cutoff)) {
			conf_error_add(errs, w,
			    "bank_cutoff must be a voltage from 0 to 1000");
			return -1;
		}
		h->has_bank_cutoff = true;
		return 0;
	} else if (strcmp(key, "interval") == 0 ||
		   strcmp(key, "timeout") == 0) {
		if (!parse_uint(val, 1, 86400,
			key[0] == 'i' ? &h->interval : &h->timeout)) {
			conf_error_add(
			    errs, w, "%s must be 1-86400 seconds", key);
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
		conf_error_add(
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

/* A config being read: one buffer's section state. */
struct reader {
	struct conf *c;
	struct conf_errors *errs;
	struct section sec;
};

/* A key line l of section sec. */
static void
section_key(
    struct reader *r, const struct section *sec, const struct conf_line *l)
{
	struct conf *c = r->c;
	const struct conf_where *w = l->where;
	char gk[768];

	if (sec->global) {
		global_key(c, l->key, l->value, w, r->errs);
		return;
	}
	if (sec->name.kind == CONF_SECTION_HOST) {
		host_key(c, &c->hosts[sec->host], sec->name.service, l->key,
		    l->value, w, r->errs);
		return;
	}
	if (!is_munin_keyword(last_word(l->key))) {
		conf_error_add(r->errs, w, "unknown keyword \"%s\"", l->key);
		return;
	}
	snprintf(gk, sizeof(gk), "%s;%s", sec->name.group, l->key);
	attrs_set(&c->groups, gk, l->value);
}

/*
 * A global key in Munin's long form, "GROUP;HOST:KEY" or "GROUP;KEY"
 * (Munin::Master::Config's _split_config_line: the groups end at the last
 * ';', the host at the next ':'): the KEY line of section [GROUP;HOST] or
 * [GROUP;], the current section staying what it was.
 */
static void
long_key(struct reader *r, const struct conf_line *l)
{
	const char *semi = strrchr(l->key, ';');
	const char *colon = strchr(semi, ':');
	const char *key = colon != NULL ? colon + 1 : semi + 1;
	struct conf_line kl = *l;
	struct section sec;
	char spec[768];

	if (*key == '\0') {
		conf_error_add(
		    r->errs, l->where, "no keyword after \"%s\"", l->key);
		return;
	}
	snprintf(spec, sizeof(spec), "%.*s", (int)(key - l->key - 1), l->key);
	if (colon == NULL)
		strncat(spec, ";", sizeof(spec) - strlen(spec) - 1);
	if (section_open(r->c, spec, l->where, r->errs, &sec) == -1)
		return;
	kl.key = key;
	section_key(r, &sec, &kl);
}

/*
 * A key alone on its line.  Munin reads it as the key without a value
 * (unset), and accepts it when its last word is a keyword of Munin's that
 * is not a boolean: so does drover, ignoring the line.
 */
static void
key_without_value(struct reader *r, const struct conf_line *l)
{
	const char *lw = last_word(l->key);

	if (is_munin_own_keyword(lw) && !is_munin_boolean(lw)) {
		log_info("conf: %s:%d: \"%s\" has no value; ignored, as Munin "
			 "reads it as unset",
		    l->where->file, l->where->line, l->key);
		return;
	}
	if (is_munin_boolean(lw))
		conf_error_add(
		    r->errs, l->where, "%s must be yes or no", l->key);
	else
		conf_error_add(
		    r->errs, l->where, "missing value for \"%s\"", l->key);
}

static void
on_line(void *arg, const struct conf_line *l)
{
	struct reader *r = arg;

	if (l->section != NULL)
		section_open(r->c, l->section, l->where, r->errs, &r->sec);
	else if (l->value[0] == '\0')
		key_without_value(r, l);
	else if (r->sec.global && strchr(l->key, ';') != NULL)
		long_key(r, l);
	else
		section_key(r, &r->sec, l);
}

int
conf_parse_buf(struct conf *c, const char *file, const char *buf, size_t len,
    struct conf_errors *errs)
{
	struct reader r = {c, errs, {.global = true}};
	size_t before = errs->n;

	conf_lex_buf(file, buf, len, errs, on_line, &r);
	return (int)(errs->n - before);
}

static void
parse_file(void *arg, const char *path)
{
	struct reader r = *(const struct reader *)arg;

	r.sec.global = true;
	conf_lex_file(path, r.errs, on_line, &r);
}

/* Where a source's settings_check complaint goes. */
struct check_ctx {
	struct conf_errors *errs;
	const struct conf_where *w;
};

static void
on_check_error(void *arg, const char *msg)
{
	struct check_ctx *cc = arg;

	conf_error_add(cc->errs, cc->w, "%s", msg);
}

/* A forecast that turned critical before it warned would never warn. */
static void
check_cutoff(const struct conf *c, const struct conf_host *h,
    const struct conf_where *w, struct conf_errors *errs)
{
	struct forecast_settings fs;

	conf_host_forecast(c, h, &fs);
	if (fs.critical > fs.warning)
		conf_error_add(errs, w,
		    "cutoff_critical (%u) is larger than cutoff_warning (%u)",
		    fs.critical, fs.warning);
}

int
conf_finish(struct conf *c, struct conf_errors *errs)
{
	struct check_ctx cc = {errs, NULL};
	struct conf_where w = {0};
	char hostname[256];
	struct conf_host *h = NULL;
	size_t i, j, before = errs->n;

	if (c->local_node) {
		if (gethostname(hostname, sizeof(hostname)) == -1 ||
		    hostname[0] == '\0')
			snprintf(hostname, sizeof(hostname), "localhost");
		hostname[sizeof(hostname) - 1] = '\0';
		h = conf_host_find(c, hostname);
		/* a munin.conf's hosts are what it monitors: this machine is
		 * added to them only when asked, or named without address */
		if (h == NULL && !c->local_node_set && c->nhosts > 0) {
			log_info("conf: %s: %zu host sections and none for "
				 "this machine (%s): not adding the built-in "
				 "local node (\"local_node yes\" adds it)",
			    c->file != NULL ? c->file : "(default)", c->nhosts,
			    hostname);
			c->local_node = false;
		}
	}
	if (c->local_node) {
		if (h == NULL) {
			w.file = c->file != NULL ? c->file : "(default)";
			h = host_get(c, hostname,
			    conf_group_from_name(hostname), &w, &i);
		}
		if (h->address == NULL)
			h->local = true;
	}
	if (c->shard_count > 0 && c->shard_physical.n > 0) {
		w.file = c->file != NULL ? c->file : "(default)";
		conf_error_add(errs, &w,
		    "shard and shard_physical exclude each other: a host is "
		    "owned by its hash shard or by a list, not both");
	}
	for (i = 0; i < c->nhosts; i++) {
		h = &c->hosts[i];
		w.file = h->file;
		w.line = h->line;
		w.text = h->name;
		/* another collector's host is for it to judge */
		if (conf_host_unpolled_reason(c, h) != NULL && shard_owns(c, h))
			log_warnx("conf: %s:%d: host %s has no address: shown "
				  "down (\"%s\"), not polled",
			    h->file, h->line, h->name, CONF_NO_ADDRESS);
		check_cutoff(c, h, &w, errs);
		for (j = 0; j < i && h->vm_name != NULL; j++)
			if (c->hosts[j].vm_name != NULL &&
			    strcasecmp(c->hosts[j].vm_name, h->vm_name) == 0) {
				w.line = h->vm_name_line;
				w.text = NULL;
				conf_error_add(errs, &w,
				    "vm_name %s is also host %s's (%s:%d)",
				    h->vm_name, c->hosts[j].name,
				    c->hosts[j].file, c->hosts[j].vm_name_line);
				w.line = h->line;
				w.text = h->name;
			}
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
			conf_error_add(errs, &w,
			    "contact %s has an email address but smtp_url "
			    "or smtp_from is not set",
			    c->contacts.v[i].name);
	if (c->node_allow.n == 0 && node_allow_loopback(&c->node_allow) == -1)
		fatal("conf: node_allow");
	c->notify.connect_timeout = c->connect_timeout;
	if (c->notify.retry_min > c->notify.retry_max)
		conf_error_add(errs, &w,
		    "notify_retry_min (%u) is larger than notify_retry_max "
		    "(%u)",
		    c->notify.retry_min, c->notify.retry_max);
	if (c->notify.smtp_password_file != NULL && c->notify.smtp_user == NULL)
		conf_error_add(errs, &w, "smtp_password_file needs smtp_user");
	/* over TCP every file is named relative to the daemon's base */
	if (rrdc_addr_is_tcp(c->rrdcached_socket) &&
	    c->rrdcached_base_dir != NULL &&
	    strcmp(c->rrdcached_base_dir, c->dbdir) != 0 &&
	    rrdc_relpath(c->rrdcached_base_dir, c->dbdir) == NULL) {
		w.file = c->rrdcached_base_dir_file;
		w.line = c->rrdcached_base_dir_line;
		conf_error_add(errs, &w,
		    "dbdir %s is not inside rrdcached_base_dir %s: rrdcached "
		    "over TCP (%s) is sent file names relative to its base",
		    c->dbdir, c->rrdcached_base_dir, c->rrdcached_socket);
	}
	if (c->rrdcached_socket != NULL && c->rrdcached_own == CONF_OWN_YES) {
		w.file = c->rrdcached_own_file;
		w.line = c->rrdcached_own_line;
		conf_error_add(errs, &w,
		    "rrdcached_own yes with rrdcached_socket %s: drover runs "
		    "its own rrdcached only when rrdcached_socket is not set",
		    c->rrdcached_socket);
		w.file = c->file != NULL ? c->file : "(default)";
		w.line = 0;
	}
	if (rrdc_addr_is_tcp(c->rrdcached_socket) && c->dbdir[0] != '/')
		conf_error_add(errs, &w,
		    "dbdir %s must be an absolute path with rrdcached over "
		    "TCP (%s)",
		    c->dbdir, c->rrdcached_socket);
	return (int)(errs->n - before);
}

const char *
conf_rrdcached_base(const struct conf *c)
{
	return c->rrdcached_base_dir != NULL ? c->rrdcached_base_dir : c->dbdir;
}

bool
conf_own_rrdcached(const struct conf *c)
{
	if (c->rrdcached_socket != NULL || c->rrdcached_own == CONF_OWN_NO)
		return false;
	return c->rrdcached_own == CONF_OWN_YES ||
	       c->nhosts >= c->rrdcached_own_hosts;
}

struct conf *
conf_load(const char *path, struct conf_errors *errs)
{
	struct conf *c = conf_new();
	struct reader r = {c, errs, {.global = true}};
	size_t before = errs->n;

	if (c == NULL)
		return NULL;
	c->file = xstrdup(path);
	parse_file(&r, path);
	if (c->includedir != NULL) {
		/* a copy: an included file may set includedir again (which,
		 * as in Munin, is not walked) */
		char *dir = xstrdup(c->includedir);

		conf_lex_includedir(dir, parse_file, &r);
		free(dir);
	}
	conf_finish(c, errs);
	if (errs->n != before) {
		conf_free(c);
		return NULL;
	}
	return c;
}
