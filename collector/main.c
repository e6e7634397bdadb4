/*
 * main: drover's command line.  Subcommands dispatch to the modules; the
 * daemon's state lives in struct daemon, owned by the loop.
 */
#include "config.h"

#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "agent/cmd_runner.h"
#include "catalog/catalog.h"
#include "collector/catalog_save.h"
#include "alerts/check.h"
#include "collector/conf.h"
#include "collector/ingest.h"
#include "collector/node_main.h"
#include "collector/privdrop.h"
#include "collector/remote_write.h"
#include "lib/dirlock.h"
#include "lib/fileio.h"
#include "lib/log.h"
#include "plugins/source.h"
#include "plugins/sources.h"
#include "collector/poller.h"
#include "collector/shard.h"
#include "rrd/rrd_writer.h"
#include "rrd/rrdc_batch.h"
#include "rrd/rrdcached_proc.h"
#include "alerts/alerts.h"
#include "web/http.h"
#include "web/peers.h"
#include "alerts/outputs.h"
#include "alerts/notify.h"
#include "rrd/render.h"
#include "collector/unpolled.h"
#include <errno.h>
#include <sys/stat.h>

#define RRD_QUEUE_MAX 200000 /* pending RRD updates before dropping */
/* libuv's thread pool runs BMC reads (and DNS); its default of 4 threads
 * would let four dead BMCs, each blocking up to its session timeout,
 * stall every other BMC read and name lookup. */
#define THREADPOOL_SIZE "32"
/* ms between saves of the catalog's state file: what a kill -9 loses of
 * the last values (a stop saves them all) */
#define CATALOG_SAVE_MS 60000
/* drover's own rrdcached (README, "rrdcached"): values held an hour per
 * file (12 per file at interval 300, where bench/rrdcached_cost.sh
 * measured 0.55 of direct writes), their writes spread over half an hour
 * more, idle files and the journal swept every two hours (rrdcached wants
 * -f at least twice -w) */
#define OWN_RRDCACHED_WRITE_S 3600
#define OWN_RRDCACHED_JITTER_S 1800
#define OWN_RRDCACHED_FLUSH_S 7200
/* ms the own rrdcached gets to answer at start-up */
#define OWN_RRDCACHED_START_MS 10000
/* from SIGTERM to SIGKILL at the stop: its -F write of what it holds (at
 * 10,000 guests, half a million files) within systemd's TimeoutStopSec
 * (conf/drover.service) */
#define OWN_RRDCACHED_STOP_MS 100000
/* what "drover -n" checks without -c: where "make install" puts it */
#define DEFAULT_CONF DROVER_SYSCONFDIR "/drover/drover.conf"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: drover run -c FILE [-s] [-v]   run the collector in the "
	    "foreground\n"
	    "                                     (-s: log to syslog, -v: "
	    "debug)\n"
	    "       drover poll -c FILE HOST       poll one host once and "
	    "print it\n"
	    "       drover config -c FILE          check the config, print it "
	    "normalised\n"
	    "       drover node -c FILE [-s] [-v]  a munin-node serving this "
	    "machine\n"
	    "       drover shard -c FILE           which hosts this collector "
	    "polls\n"
	    "       drover check [--url URL] [--field F] [--max-age S] "
	    "[--timeout S]\n"
	    "                    HOST SERVICE      Nagios plugin: the "
	    "daemon's state\n"
	    "       drover -n [-v] [-c FILE]       check the config; -v: print "
	    "it\n"
	    "                                     normalised (FILE: %s)\n"
	    "       drover --version | --help\n",
	    DEFAULT_CONF);
}

static struct conf *
load_conf(const char *path)
{
	struct conf_errors errs = {0};
	struct conf *c;
	size_t i;

	c = conf_load(path, &errs);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "drover: %s\n", errs.v[i]);
	if (c == NULL)
		fprintf(stderr, "drover: %s: %zu error%s, not used\n", path,
		    errs.n, errs.n == 1 ? "" : "s");
	conf_errors_cleanup(&errs);
	return c;
}

/* ---- drover config ------------------------------------------------- */

/*
 * "drover config": the config at path checked, printed normalised when
 * print, else "configuration OK" on stderr (-n, as OpenBSD's daemons
 * say it).  0 when it is usable, 1 when not.
 */
static int
cmd_config(const char *path, bool print)
{
	struct conf *c = load_conf(path);

	if (c == NULL)
		return 1;
	/* what "run" refuses at start, in its words */
	if (notify_check_secrets(&c->notify, &c->contacts) == -1) {
		fprintf(stderr, "drover: %s: not used\n", path);
		conf_free(c);
		return 1;
	}
	if (print)
		conf_print(c, stdout);
	else
		fprintf(stderr, "drover: %s: configuration OK\n", path);
	conf_free(c);
	return 0;
}

/*
 * "drover -n [-v] [-c FILE]": the config test operators know from
 * nginx, sshd and ntpd; -v prints the normalised config as "drover
 * config" does.  Exit 0/1 as "drover config", 2 on a usage error.
 */
static int
cmd_test(int argc, char **argv)
{
	const char *path = DEFAULT_CONF;
	bool test = false, verbose = false;
	int ch;

	optind = 1;
	while ((ch = getopt(argc, argv, "c:nv")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'n':
			test = true;
			break;
		case 'v':
			verbose = true;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!test || optind != argc) {
		usage(stderr);
		return 2;
	}
	log_init(false, LOG_LVL_INFO);
	return cmd_config(path, verbose);
}

/* ---- drover run ---------------------------------------------------- */

struct daemon {
	uv_loop_t *loop;
	const char *path;
	struct conf *conf;
	struct catalog *cat;
	struct rrd_writer *writer;
	struct ingest *in;
	struct poller *poller;
	struct web *web;
	struct web *metrics_web; /* metrics_listen's; NULL: none */
	struct peers *peers;	 /* the other collectors (peer URL) */
	struct renderer *render;
	struct alerts *alerts;
	struct outputs *outputs;
	struct remote_write *rw; /* remote_write_url's; NULL: none */
	char spool_dir[4096];	 /* the pages' spool, fixed at start */
	struct dirlock locks[3]; /* state_dir, dbdir, graph_cache */
	size_t nlocks;
	char catalog_file[4096]; /* the catalog's state file, fixed at start */
	bool saving;		 /* a catalog save job runs */
	bool save_failed;	 /* the last catalog save failed (logged) */
	uv_timer_t save_timer;	 /* catalog saves */
	uv_timer_t alert_timer;	 /* staleness checks and state saves */
	uv_timer_t fresh_timer;	 /* Nagios freshness, once per interval */
	uv_signal_t sigterm, sigint, sighup;
	struct privdrop pd;	     /* whom the daemon became at start */
	struct cmd_runner *cmdr;     /* runs probe commands as root; or NULL */
	struct rrdcached_proc *rrdc; /* drover's own rrdcached; or NULL */
};

/* The rrdcached that RRD updates go through: drover's own, else c's
 * rrdcached_socket; NULL: files are written directly. */
static const char *
rrd_daemon(const struct daemon *d, const struct conf *c)
{
	return d->rrdc != NULL ? rrdcached_proc_addr(d->rrdc)
			       : c->rrdcached_socket;
}

static void
on_stop_signal(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;

	log_info("drover: %s, stopping", strsignal(signum));
	poller_stop(d->poller);
	/* after the polls withdrew their commands: it kills what still
	 * runs and exits */
	cmd_runner_close(d->cmdr);
	d->cmdr = NULL;
	web_stop(d->web);
	web_stop(d->metrics_web);
	peers_stop(d->peers);
	if (d->render != NULL)
		renderer_stop(d->render);
	uv_timer_stop(&d->alert_timer);
	uv_close((uv_handle_t *)&d->alert_timer, NULL);
	uv_timer_stop(&d->fresh_timer);
	uv_close((uv_handle_t *)&d->fresh_timer, NULL);
	uv_timer_stop(&d->save_timer);
	uv_close((uv_handle_t *)&d->save_timer, NULL);
	outputs_stop(d->outputs);
	if (d->rw != NULL)
		remote_write_stop(d->rw);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sighup, NULL);
}

/* The alert engine's global defaults from c, into ad. */
static const struct alerts_defaults *
alerts_defaults_of(const struct conf *c, struct alerts_defaults *ad)
{
	ad->attempts = c->alert_attempts;
	ad->interval = c->interval;
	return ad;
}

/* A host's munin.conf "contacts" list, from the running config. */
static const char *
host_contacts(void *arg, const char *host)
{
	const struct daemon *d = arg;
	const struct conf_host *hc = conf_host_find(d->conf, host);

	return hc != NULL ? attrs_get(&hc->munin, "contacts") : NULL;
}

/* The part of c the outputs read, into oc; its strings stay c's. */
static const struct outputs_conf *
outputs_conf_of(struct daemon *d, const struct conf *c, struct outputs_conf *oc)
{
	memset(oc, 0, sizeof(*oc));
	oc->nagios_command_file = c->nagios_command_file;
	oc->spool_dir = d->spool_dir;
	oc->notify = &c->notify;
	oc->contacts = &c->contacts;
	oc->host_contacts = host_contacts;
	oc->host_contacts_arg = d;
	return oc;
}

/* The part of c the web server reads, into s; its strings stay c's. */
static const struct web_settings *
web_settings_of(
    const struct daemon *d, const struct conf *c, struct web_settings *s)
{
	memset(s, 0, sizeof(*s)); /* graph_keep_bytes 0: the default */
	s->listen_addr = c->listen_addr;
	s->listen_port = c->listen_port;
	s->dbdir = c->dbdir;
	s->rrdcached_socket = rrd_daemon(d, c);
	s->interval = c->interval;
	s->listen_fd = 0; /* web_new binds, unless cmd_run opened one */
	return s;
}

/*
 * Calls fn for each device node a host of c has a source read (a path
 * may come once per host).  Stops at and returns fn's first non-zero.
 */
static int
each_device(const struct conf *c,
    int (*fn)(void *arg, const struct conf_host *h, const char *path),
    void *arg)
{
	const char *const *dev;
	struct source_host sh;
	size_t i, j, k;
	int r;

	for (i = 0; i < c->nhosts; i++) {
		for (j = 0; j < nsources; j++) {
			if (sources[j]->devices == NULL)
				continue;
			conf_host_source(c, &c->hosts[i], sources[j], &sh);
			if (!sources[j]->wanted(&sh))
				continue;
			dev = sources[j]->devices(&sh);
			for (k = 0; dev != NULL && dev[k] != NULL; k++) {
				r = fn(arg, &c->hosts[i], dev[k]);
				if (r != 0)
					return r;
			}
		}
	}
	return 0;
}

static int
give_device(void *arg, const struct conf_host *h, const char *path)
{
	if (privdrop_device(arg, path) == -1)
		log_warn("drover: %s: cannot give %s to the daemon's group",
		    h->name, path);
	return 0;
}

static int
is_path(void *arg, const struct conf_host *h, const char *path)
{
	(void)h;
	return strcmp(arg, path) == 0;
}

struct reload_check {
	const struct conf *old;
	const struct privdrop *pd;
};

/* A device the new config reads and the running one did not. */
static int
warn_new_device(void *arg, const struct conf_host *h, const char *path)
{
	const struct reload_check *rc = arg;

	if (each_device(rc->old, is_path, (void *)path) == 0 &&
	    access(path, F_OK) == 0 && access(path, R_OK | W_OK) == -1)
		log_warnx("conf: %s: %s was not given to %s before the "
			  "privilege drop; a reload cannot, a restart does",
		    h->name, path, rc->pd->user);
	return 0;
}

/* Whether old's and c's probes run the same commands. */
static bool
same_probe_commands(const struct conf *old, const struct conf *c)
{
	struct host_roots a, b;

	conf_host_roots(old, &a);
	conf_host_roots(c, &b);
	return cmd_runner_same_commands(&a, &b);
}

/*
 * What a reload from old to c would need root for, which the daemon no
 * longer has once it dropped it: logged, the rest of c still applies.
 */
static void
reload_needs_root(
    const struct privdrop *pd, const struct conf *old, const struct conf *c)
{
	struct reload_check rc = {old, pd};
	bool same_user, same_group;

	same_user = (old->user == NULL) == (c->user == NULL) &&
		    (c->user == NULL || strcmp(old->user, c->user) == 0);
	same_group = (old->group == NULL) == (c->group == NULL) &&
		     (c->group == NULL || strcmp(old->group, c->group) == 0);
	if (!same_user || !same_group)
		log_warnx("conf: a new user or group takes a restart; still "
			  "running as %s",
		    pd->user);
	if (!pd->drop && pd->root)
		return;
	if (pd->drop && !same_probe_commands(old, c))
		log_warnx(
		    "conf: new probe commands (lvs_command, xl_command, "
		    "xentop_command, lvm_archive_dir, lvm_backup_dir) take "
		    "a restart; the command runner refuses them");
	if (c->pcap_interfaces != NULL && !pd->net_raw)
		log_warnx("conf: pcap_interfaces set on a reload takes a "
			  "restart: CAP_NET_RAW went with the privilege drop");
	if (strcmp(c->dbdir, old->dbdir) != 0 && !privdrop_writable(c->dbdir))
		log_warnx("conf: dbdir %s is not writable by %s; a reload "
			  "cannot make it after the privilege drop, a restart "
			  "does",
		    c->dbdir, pd->user);
	each_device(c, warn_new_device, &rc);
}

/* The "update no" hosts' services, from the catalog, Munin's datafile
 * and c (collector/unpolled.h), after poller_apply made their hosts. */
static void
apply_unpolled(struct catalog *cat, const struct conf *c)
{
	struct munin_datafile df = {0};

	unpolled_read_datafile(c->dbdir, &df);
	unpolled_apply(cat, c, &df);
	munin_datafile_cleanup(&df);
}

static void
on_hup(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;
	struct web_settings wset;
	struct outputs_conf oc;
	struct alerts_defaults ad;
	struct conf *c;

	(void)signum;
	log_info("drover: SIGHUP, reloading %s", d->path);
	c = load_conf(d->path);
	if (c == NULL) {
		log_warnx(
		    "conf: %s has errors; keeping the running config", d->path);
		return;
	}
	if (strcmp(c->dbdir, d->conf->dbdir) != 0)
		log_warnx(
		    "conf: dbdir changed to %s; new files go there", c->dbdir);
	reload_needs_root(&d->pd, d->conf, c);
	if (poller_apply(d->poller, c) == -1) {
		log_warnx("conf: cannot apply the new config; keeping the "
			  "running one");
		poller_apply(d->poller, d->conf);
		conf_free(c);
		return;
	}
	apply_unpolled(d->cat, c);
	if (peers_set(d->peers, (const char *const *)c->peers.v, c->peers.n) ==
	    -1)
		log_warnx("conf: out of memory for the new peers; keeping the "
			  "old ones");
	if (d->web != NULL)
		web_set_settings(d->web, web_settings_of(d, c, &wset));
	alerts_set_defaults(d->alerts, alerts_defaults_of(c, &ad));
	outputs_set_conf(d->outputs, outputs_conf_of(d, c, &oc));
	if (strcmp(c->listen_addr, d->conf->listen_addr) != 0 ||
	    c->listen_port != d->conf->listen_port)
		log_warnx("conf: a new listen address takes a restart");
	if ((c->metrics_listen_addr == NULL) !=
		(d->conf->metrics_listen_addr == NULL) ||
	    (c->metrics_listen_addr != NULL &&
		(strcmp(c->metrics_listen_addr, d->conf->metrics_listen_addr) !=
			0 ||
		    c->metrics_listen_port != d->conf->metrics_listen_port)))
		log_warnx("conf: a new metrics_listen address takes a restart");
	if ((c->remote_write_url == NULL) !=
		(d->conf->remote_write_url == NULL) ||
	    (c->remote_write_url != NULL &&
		strcmp(c->remote_write_url, d->conf->remote_write_url) != 0))
		log_warnx("conf: a new remote_write_url takes a restart");
	if (conf_own_rrdcached(c) != conf_own_rrdcached(d->conf))
		log_warnx("conf: starting or stopping drover's own rrdcached "
			  "takes a restart; it %s",
		    d->rrdc != NULL ? "keeps running" : "stays off");
	conf_free(d->conf);
	d->conf = c;
	log_info("drover: config reloaded, %zu hosts", c->nhosts);
}

static void
on_fresh_timer(uv_timer_t *t)
{
	struct daemon *d = t->data;

	outputs_refresh(d->outputs);
}

static void
on_alert_timer(uv_timer_t *t)
{
	struct daemon *d = t->data;

	alerts_tick(d->alerts, d->cat, time(NULL));
	alerts_save(d->alerts);
}

/* A failed save is logged once, until one succeeds again. */
static void
save_result(struct daemon *d, int err)
{
	if (err != 0 && !d->save_failed)
		log_warnx("catalog: cannot write %s: %s; graphs and problems "
			  "will start empty after a restart",
		    d->catalog_file, strerror(err));
	else if (err == 0 && d->save_failed)
		log_info("catalog: %s written again", d->catalog_file);
	d->save_failed = err != 0;
}

/* catalog_save_done_fn */
static void
save_done(void *arg, int err)
{
	struct daemon *d = arg;

	save_result(d, err);
	d->saving = false;
}

/* A save in slices, a slice per loop turn (collector/catalog_save.h);
 * the next waits until it ends. */
static void
on_save_timer(uv_timer_t *t)
{
	struct daemon *d = t->data;

	if (d->saving)
		return;
	if (catalog_save_start(d->loop, d->cat, d->catalog_file, time(NULL),
		save_done, d) == -1) {
		save_result(d, errno);
		return;
	}
	d->saving = true;
}

/* The last save, at the stop, on the loop's thread: the loop has run
 * dry, so no job writes beside it. */
static void
save_now(struct daemon *d)
{
	save_result(d,
	    catalog_save_sync(d->cat, d->catalog_file, time(NULL)) == -1 ? errno
									 : 0);
}

/* The web's web_poll_stats_fn: the scheduler's counters, now. */
static void
poll_stats(void *arg, struct web_poll_stats *out)
{
	struct sched_stats ss;

	poller_stats(arg, &ss);
	out->done = ss.done;
	out->failed = ss.failed;
	out->timed_out = ss.timed_out;
	out->late = ss.late;
	out->deferred = ss.deferred;
}

/*
 * One drover per directory: state_dir, dbdir and graph_cache are locked
 * (made first when missing) before anything is written there, or given
 * to the user drover becomes (own_dir, after).  -1
 * (logged, naming the path and the holder's pid) when another process
 * holds one; a directory that cannot be made or locked (read-only, no
 * permission) is logged and run without the lock, nothing else holds it
 * either.
 */
static int
take_locks(struct daemon *d)
{
	const struct {
		const char *key, *dir;
		mode_t mode;
	} dirs[] = {
	    /* 0700: the state may hold page contents */
	    {"state_dir", d->conf->state_dir, 0700},
	    {"dbdir", d->conf->dbdir, 0755},
	    {"graph_cache", d->conf->graph_cache, 0700},
	};
	struct dirlock *l;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		l = &d->locks[d->nlocks];
		if (file_mkdirs(dirs[i].dir, dirs[i].mode) == -1) {
			log_warn("drover: cannot create %s %s", dirs[i].key,
			    dirs[i].dir);
			continue;
		}
		if (dirlock_take(l, dirs[i].dir) == 0) {
			d->nlocks++;
			/* the directory owner's (Munin's dbdir), or the
			 * user's, so that a start as that user locks it
			 * exclusively too */
			if (!l->shared && privdrop_lock_owner(
					      &d->pd, l->fd, dirs[i].dir) == -1)
				log_warn(
				    "drover: cannot give %s away", l->path);
			continue;
		}
		if (errno != EAGAIN) {
			log_warn("drover: cannot lock %s %s (%s); a second "
				 "drover on it would go unnoticed",
			    dirs[i].key, dirs[i].dir, l->path);
			continue;
		}
		if (l->holder > 0)
			log_warnx("drover: %s %s is in use by another drover, "
				  "pid %ld (lock %s); not starting",
			    dirs[i].key, dirs[i].dir, (long)l->holder, l->path);
		else
			log_warnx("drover: %s %s is in use by another "
				  "process (lock %s); not starting",
			    dirs[i].key, dirs[i].dir, l->path);
		return -1;
	}
	return 0;
}

static void
release_locks(struct daemon *d)
{
	while (d->nlocks > 0)
		dirlock_release(&d->locks[--d->nlocks]);
}

/*
 * The alert engine with its state in state_dir (made by take_locks and
 * own_dir).  A state_dir that cannot be written (read-only, missing) is
 * no reason to stop: monitoring goes on with the state in memory, saved
 * again whenever it is due, and /health says so.
 */
static struct alerts *
open_alerts(const struct conf *c)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/alerts.json", c->state_dir);
	return alerts_new(path);
}

/* The graph renderer on graph_cache; NULL (graphs off, logged) when the
 * directory cannot be made. */
static struct renderer *
open_renderer(uv_loop_t *loop, const struct conf *c, const char *rrdcached)
{
	static const struct privdrop stay = {0}; /* made, never given */
	struct renderer_opts o = {0};

	if (privdrop_own_dir(&stay, c->graph_cache, 0700) == -1) {
		log_warn("web: cannot create graph_cache %s; graphs are off",
		    c->graph_cache);
		return NULL;
	}
	o.cache_dir = c->graph_cache;
	o.cache_max_bytes = (size_t)c->graph_cache_mb << 20;
	o.rrdcached = rrdcached;
	o.rrdcached_base_dir = conf_rrdcached_base(c);
	o.timeout_ms = 30000;
	o.mode = RENDER_THREAD;
	return renderer_new(loop, &o);
}

/* Each source some host uses gets its once-per-process set-up. */
static void
global_init(const struct conf *c)
{
	char err[256];
	size_t i;

	for (i = 0; i < nsources; i++)
		if (sources[i]->global_init != NULL &&
		    conf_uses_source(c, sources[i]) &&
		    sources[i]->global_init(err, sizeof(err)) == -1)
			fatalx("drover: %s", err);
}

/* A directory the daemon writes, made and given to the user it becomes;
 * a failure is logged (what needs it says so later). */
static void
own_dir(const struct privdrop *pd, const char *dir, mode_t mode)
{
	if (privdrop_own_dir(pd, dir, mode) == -1)
		log_warn("drover: cannot make %s for %s", dir, pd->user);
}

/* Each directory the process cannot write as whom it runs now (another
 * user's, as a Munin dbdir kept by munin, or its files), logged loudly;
 * root that stayed root writes everything. */
static void
check_dirs(const struct conf *c, const struct privdrop *pd)
{
	if (pd->root && !pd->drop)
		return;
	privdrop_check_dir("state_dir", c->state_dir, false);
	privdrop_check_dir("dbdir", c->dbdir, true);
	privdrop_check_dir("graph_cache", c->graph_cache, false);
}

/* The ingest sink feeding remote write. */
static void
rw_sink(void *arg, const struct cat_host *h, time_t ts, const struct batch *b)
{
	(void)ts;
	remote_write_batch(arg, h, b);
}

static void
rw_stats(void *arg, struct remote_write_stats *out)
{
	remote_write_stats(arg, out);
}

/*
 * Remote write to remote_write_url, its queue under state_dir (made
 * here, as the user drover now is).  A queue that cannot be made is
 * fatal at start-up: running without it would lose what it promises
 * to keep.
 */
static void
open_remote_write(struct daemon *d)
{
	struct remote_write_settings s = {0};
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/remote_write", d->conf->state_dir);
	s.url = d->conf->remote_write_url;
	s.queue_dir = dir;
	s.queue_bytes = (uint64_t)d->conf->rw_queue_mb << 20;
	s.batch_samples = d->conf->remote_write_batch;
	s.timeout_s = d->conf->remote_write_timeout;
	d->rw = remote_write_new(d->loop, &s);
	if (d->rw == NULL)
		fatalx("drover: cannot start remote write");
	ingest_set_sink(d->in, rw_sink, d->rw);
}

/*
 * glibc's malloc for a daemon whose heap is mostly long-lived and small:
 * at most two arenas shared by all threads (the RRD writer, the render
 * thread and libuv's pool would otherwise each keep an arena of their
 * own, with its free pages; 2 cores see little contention), and blocks of 256
 * KiB and more always mapped apart, so a transient buffer (a state file's text,
 * a big reply) goes back to the system when freed instead of raising
 * the threshold and staying in the heap.
 */
static void
malloc_tune(void)
{
	mallopt(M_ARENA_MAX, 2);
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
}

/*
 * drover's own rrdcached (rrd/rrdcached_proc.h) in state_dir/rrdcached,
 * as the user drover now is, for dbdir; awaited so that the first
 * updates find it.  d->rrdc stays NULL (logged) when it cannot start:
 * the writer writes the files directly.
 */
/* The own rrdcached started again: the writer resends what a kill -9
 * took from its journal. */
static void
own_rrdcached_restarted(void *arg)
{
	struct daemon *d = arg;

	if (d->writer != NULL)
		rrd_writer_daemon_restarted(d->writer);
}

static void
open_own_rrdcached(struct daemon *d)
{
	struct rrdcached_proc_opts o = {0};
	char dir[4096], *real;
	bool same;

	/* the writer names files by dbdir; rrdcached's -b must be a real
	 * path and -B refuses any name outside it */
	real = realpath(d->conf->dbdir, NULL);
	same = real != NULL && strcmp(real, d->conf->dbdir) == 0;
	if (!same)
		log_warnx("rrdcached: dbdir %s is not an absolute path free of "
			  "symbolic links (%s); drover's own rrdcached needs "
			  "one, so RRD files are written directly",
		    d->conf->dbdir, real != NULL ? real : strerror(errno));
	free(real);
	if (!same)
		return;
	snprintf(dir, sizeof(dir), "%s/rrdcached", d->conf->state_dir);
	o.command = "rrdcached";
	o.dir = dir;
	o.base_dir = d->conf->dbdir;
	o.write_s = OWN_RRDCACHED_WRITE_S;
	o.jitter_s = OWN_RRDCACHED_JITTER_S;
	o.flush_s = OWN_RRDCACHED_FLUSH_S;
	o.stop_ms = OWN_RRDCACHED_STOP_MS;
	o.restarted = own_rrdcached_restarted;
	o.arg = d;
	log_info("rrd: starting drover's own rrdcached (rrdcached_own %s, "
		 "%zu hosts, rrdcached_own_hosts %u)",
	    d->conf->rrdcached_own == CONF_OWN_YES ? "yes" : "auto",
	    d->conf->nhosts, d->conf->rrdcached_own_hosts);
	d->rrdc = rrdcached_proc_new(d->loop, &o);
	if (d->rrdc == NULL)
		return;
	if (rrdcached_proc_wait(d->rrdc, OWN_RRDCACHED_START_MS) == -1)
		log_warnx("rrdcached: %s does not answer after %u s; the "
			  "writer retries",
		    rrdcached_proc_addr(d->rrdc),
		    OWN_RRDCACHED_START_MS / 1000);
	else
		(void)rrd_writer_connect(rrdcached_proc_addr(d->rrdc));
}

static int
cmd_run(const char *path)
{
	struct daemon d = {0};
	struct rrd_writer_stats ws;
	struct rrd_writer_opts wo = {0};
	struct rrdc_batch *early = NULL; /* rrdcached_socket's, made as root */
	struct web_settings wset, mset;
	struct outputs_conf oc;
	struct alerts_defaults ad;
	struct web_stats wstats = {0};
	struct host_roots roots;
	int ret = 1;

	malloc_tune();
	d.path = path;
	d.conf = load_conf(path);
	if (d.conf == NULL)
		return 1;
	if (privdrop_plan(d.conf->user, d.conf->group, path, &d.pd) == -1)
		return 1;
	/* the pcap probe's threads open (and reopen) their handles */
	d.pd.net_raw = d.conf->pcap_interfaces != NULL;
	if (take_locks(&d) == -1) {
		release_locks(&d);
		conf_free(d.conf);
		return 1;
	}
	/* before the loop, any thread and any descriptor a command should
	 * not see: the probes' commands that need root (lvs, xl, du of
	 * /etc/lvm/archive) run in a runner that keeps it.  Fixed for the
	 * process: a reload that changes them takes a restart. */
	if (d.pd.drop) {
		conf_host_roots(d.conf, &roots);
		d.cmdr = cmd_runner_for_probes(&roots);
	}
	setenv("UV_THREADPOOL_SIZE", THREADPOOL_SIZE, 0);
	d.loop = uv_default_loop();
	if (d.cmdr != NULL && cmd_runner_attach(d.cmdr, d.loop) == -1) {
		cmd_runner_close(d.cmdr);
		d.cmdr = NULL;
	}
	signal(SIGPIPE, SIG_IGN);
	/*
	 * As root, in this order: what needs root (the source libraries,
	 * the directories, state and secrets read, the listen socket,
	 * rrdcached, device nodes), then the drop, and only then the
	 * threads (RRD writer, renderer; libuv's pool starts on first use).
	 */
	/* at start-up, not at the first read: a broken library is fatal */
	global_init(d.conf);
	/* 0700: the state may hold page contents, graphs private ones */
	own_dir(&d.pd, d.conf->state_dir, 0700);
	own_dir(&d.pd, d.conf->dbdir, 0755);
	own_dir(&d.pd, d.conf->graph_cache, 0700);
	d.cat = catalog_new();
	if (d.cat == NULL)
		fatalx("drover: out of memory");
	/* before the poller: graphs, problems and checks answer at once */
	snprintf(d.catalog_file, sizeof(d.catalog_file), "%s/catalog.json",
	    d.conf->state_dir);
	catalog_restore(d.cat, d.catalog_file, time(NULL));
	d.alerts = open_alerts(d.conf);
	if (d.alerts == NULL)
		fatalx("drover: out of memory");
	alerts_set_defaults(d.alerts, alerts_defaults_of(d.conf, &ad));
	alerts_restore_verdicts(d.alerts, d.cat);
	snprintf(
	    d.spool_dir, sizeof(d.spool_dir), "%s/spool", d.conf->state_dir);
	d.outputs =
	    outputs_new(d.loop, outputs_conf_of(&d, d.conf, &oc), d.cat);
	if (d.outputs == NULL)
		fatalx("drover: cannot start the alert outputs");
	alerts_add_output(d.alerts, outputs_event, d.outputs);
	web_settings_of(&d, d.conf, &wset);
	wset.listen_fd = web_listen(&wset);
	if (wset.listen_fd == -1)
		fatalx("drover: cannot start the web server");
	mset = wset;
	if (d.conf->metrics_listen_addr != NULL) {
		mset.listen_addr = d.conf->metrics_listen_addr;
		mset.listen_port = d.conf->metrics_listen_port;
		mset.metrics_only = true;
		mset.listen_fd = web_listen(&mset);
		if (mset.listen_fd == -1)
			fatalx("drover: cannot listen on metrics_listen");
	}
	/* both connections as root: the socket may be root's alone */
	if (d.conf->rrdcached_socket != NULL) {
		early = rrdc_batch_new(d.conf->rrdcached_socket);
		if (rrd_writer_connect(d.conf->rrdcached_socket) == -1 ||
		    early == NULL || rrdc_batch_connect(early) == -1)
			log_warnx("rrd: rrdcached %s does not answer yet; the "
				  "writer retries as %s",
			    d.conf->rrdcached_socket, d.pd.user);
	}
	each_device(d.conf, give_device, &d.pd);
	/* made as root since, inside a top own_dir may not look into */
	own_dir(&d.pd, d.spool_dir, 0700);
	if (privdrop_drop(&d.pd) == -1)
		fatalx("drover: cannot drop privileges");
	check_dirs(d.conf, &d.pd);
	/* the first save, as the user we now are: a state_dir it cannot
	 * write shows on /health from the start */
	alerts_save(d.alerts);
	if (conf_own_rrdcached(d.conf))
		open_own_rrdcached(&d);
	wo.rrdcached = rrd_daemon(&d, d.conf);
	wo.base_dir = conf_rrdcached_base(d.conf);
	wo.queue_max = RRD_QUEUE_MAX;
	if (d.rrdc == NULL)
		wo.conn = early; /* rrdcached_socket's */
	else
		rrdc_batch_free(early);
	d.writer = rrd_writer_new_opts(&wo);
	if (d.writer == NULL)
		fatalx("drover: cannot start the RRD writer");
	d.in = ingest_new(d.cat, d.writer);
	d.poller = poller_new(d.loop, d.cat, d.in, d.writer, sources, nsources);
	if (d.in == NULL || d.poller == NULL)
		fatalx("drover: out of memory");
	if (d.cmdr != NULL)
		poller_set_cmd_runner(d.poller, cmd_runner_host(d.cmdr));
	ingest_set_alerts(d.in, d.alerts);
	if (d.conf->remote_write_url != NULL)
		open_remote_write(&d);
	uv_timer_init(d.loop, &d.fresh_timer);
	d.fresh_timer.data = &d;
	uv_timer_start(&d.fresh_timer, on_fresh_timer,
	    (uint64_t)d.conf->interval * 1000,
	    (uint64_t)d.conf->interval * 1000);
	uv_timer_init(d.loop, &d.alert_timer);
	d.alert_timer.data = &d;
	uv_timer_start(&d.alert_timer, on_alert_timer, 10000, 10000);
	uv_timer_init(d.loop, &d.save_timer);
	d.save_timer.data = &d;
	uv_timer_start(
	    &d.save_timer, on_save_timer, CATALOG_SAVE_MS, CATALOG_SAVE_MS);
	if (poller_apply(d.poller, d.conf) == -1)
		fatalx("drover: cannot set up the targets");
	apply_unpolled(d.cat, d.conf);
	d.render = open_renderer(d.loop, d.conf, rrd_daemon(&d, d.conf));
	wstats.polls = poll_stats;
	wstats.polls_arg = d.poller;
	wstats.writer = d.writer;
	wstats.outputs = d.outputs;
	wstats.rrdcached = d.rrdc;
	if (d.rw != NULL) {
		wstats.remote_write = rw_stats;
		wstats.remote_write_arg = d.rw;
	}
	d.web = web_new(d.loop, &wset, d.cat, d.render, d.alerts, &wstats);
	if (d.web == NULL)
		fatalx("drover: cannot start the web server");
	d.peers = peers_new(d.loop);
	if (d.peers == NULL ||
	    peers_set(d.peers, (const char *const *)d.conf->peers.v,
		d.conf->peers.n) == -1)
		fatalx("drover: cannot set up the peers");
	web_set_peers(d.web, d.peers);
	if (mset.metrics_only) {
		d.metrics_web =
		    web_new(d.loop, &mset, d.cat, NULL, NULL, &wstats);
		if (d.metrics_web == NULL)
			fatalx("drover: cannot start the metrics server");
	}
	uv_signal_init(d.loop, &d.sigterm);
	uv_signal_init(d.loop, &d.sigint);
	uv_signal_init(d.loop, &d.sighup);
	d.sigterm.data = d.sigint.data = d.sighup.data = &d;
	uv_signal_start(&d.sigterm, on_stop_signal, SIGTERM);
	uv_signal_start(&d.sigint, on_stop_signal, SIGINT);
	uv_signal_start(&d.sighup, on_hup, SIGHUP);
	log_info("drover %s: %zu hosts, interval %u s, dbdir %s, "
		 "max_concurrency %u, physical_concurrency %u",
	    PACKAGE_VERSION, d.conf->nhosts, d.conf->interval, d.conf->dbdir,
	    d.conf->max_concurrency, d.conf->physical_concurrency);
	uv_run(d.loop, UV_RUN_DEFAULT);
	/* the loop ran dry: polls are cancelled and ingested; flush RRDs */
	poller_free(d.poller);
	uv_run(d.loop, UV_RUN_DEFAULT);
	/* after the cancelled polls' values: they are queued too */
	if (d.rw != NULL) {
		ingest_set_sink(d.in, NULL, NULL);
		remote_write_free(d.rw);
		d.rw = NULL;
		uv_run(d.loop, UV_RUN_DEFAULT);
	}
	/* the operator's rrdcached: each file flushed through it (bounded);
	 * drover's own writes everything it holds at its stop (-F) */
	if (d.rrdc != NULL)
		rrd_writer_drain(d.writer);
	else
		rrd_writer_flush(d.writer);
	rrd_writer_stats(d.writer, &ws);
	log_info("drover: stopped; %llu RRD updates, %llu errors",
	    (unsigned long long)ws.updates, (unsigned long long)ws.errors);
	rrd_writer_free(d.writer);
	renderer_free(d.render);
	/* after the last flush through it: it writes the rest (-F) */
	if (d.rrdc != NULL) {
		rrdcached_proc_stop(d.rrdc);
		uv_run(d.loop, UV_RUN_DEFAULT);
		rrdcached_proc_free(d.rrdc);
	}
	/* both at the same moment, so a restart finds them agreeing */
	save_now(&d);
	alerts_save(d.alerts);
	alerts_free(d.alerts);
	outputs_free(d.outputs);
	ingest_free(d.in);
	catalog_free(d.cat);
	conf_free(d.conf);
	release_locks(&d);
	if (uv_loop_close(d.loop) == 0)
		ret = 0;
	return ret;
}

/* ---- drover poll --------------------------------------------------- */

static void
print_batch(const struct batch *b)
{
	const struct service *s;
	const struct field *f;
	const char *label, *state, *warn, *crit;
	size_t i, j;

	for (i = 0; i < b->n; i++) {
		s = &b->services[i];
		printf("%s", s->name);
		if (attrs_get(&s->graph, "graph_title") != NULL)
			printf("  (%s)", attrs_get(&s->graph, "graph_title"));
		printf("\n");
		for (j = 0; j < s->nfields; j++) {
			f = &s->fields[j];
			label = attrs_get(&f->attrs, "label");
			if (!f->has_value)
				printf("  %-24s %14s", f->name, "-");
			else if (f->unknown)
				printf("  %-24s %14s", f->name, "U");
			else
				printf("  %-24s %14.6g", f->name, f->value);
			printf("  %-7s %s", ds_type_str(field_type(f)),
			    label != NULL ? label : "");
			state = attrs_get(&f->attrs, "state");
			warn = attrs_get(&f->attrs, "warning");
			crit = attrs_get(&f->attrs, "critical");
			if (state != NULL)
				printf("  state=%s", state);
			if (state != NULL && warn != NULL)
				printf(" warning=%s", warn);
			if (state != NULL && crit != NULL)
				printf(" critical=%s", crit);
			printf("\n");
		}
	}
}

/*
 * Polls host once with every source that wants it (host-state sources
 * first, then sub-states, as the poller orders targets) and prints each
 * batch with its summary line.  0 when every poll succeeded, else 1.
 */
static int
cmd_poll(const char *path, const char *host)
{
	struct conf *c = load_conf(path);
	const struct source *src;
	struct conf_host *hc;
	struct source_host sh;
	struct batch b;
	char line[1024];
	int pass, r, ret = 1;
	bool polled = false;
	size_t i;

	if (c == NULL)
		return 1;
	/* a peer that hangs up mid-write (upsd, a node) is an error, not
	 * the end of drover poll: libupsclient writes with plain write() */
	signal(SIGPIPE, SIG_IGN);
	hc = conf_host_find(c, host);
	if (hc == NULL) {
		fprintf(stderr, "drover: %s: no host \"%s\"\n", path, host);
		conf_free(c);
		return 1;
	}
	/* 1: "drover poll" answers whether the host answered, and nothing
	 * did; the config is fine, so say why */
	if (!hc->update) {
		printf("%s: update no, not polled\n", hc->name);
		conf_free(c);
		return 1;
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < nsources; i++) {
			src = sources[i];
			conf_host_source(c, hc, src, &sh);
			if (src->substate != (pass == 1) || !src->wanted(&sh))
				continue;
			memset(&b, 0, sizeof(b));
			r = src->poll_once(&sh, &b, line, sizeof(line));
			ret = polled ? ret | r : r;
			polled = true;
			ingest_apply_overrides(hc, &b);
			print_batch(&b);
			if (line[0] != '\0')
				printf("%s\n", line);
			batch_cleanup(&b);
		}
	}
	if (!polled && conf_host_unpolled_reason(c, hc) != NULL)
		fprintf(stderr, "drover: %s: %s\n", host,
		    conf_host_unpolled_reason(c, hc));
	conf_free(c);
	return ret;
}

int
main(int argc, char **argv)
{
	const char *cmd, *path = NULL;
	bool use_syslog = false;
	enum log_level lvl = LOG_LVL_INFO;
	int ch;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("drover %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (cmd[0] == '-')
		return cmd_test(argc, argv);
	/* a Nagios plugin: its own options, exit codes 0-3, no config */
	if (strcmp(cmd, "check") == 0)
		return check_main(argc - 1, argv + 1);
	optind = 2;
	while ((ch = getopt(argc, argv, "c:sv")) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 's':
			use_syslog = true;
			break;
		case 'v':
			lvl = LOG_LVL_DEBUG;
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (path == NULL) {
		fprintf(stderr, "drover: %s needs -c FILE\n", cmd);
		usage(stderr);
		return 2;
	}
	log_init(use_syslog, lvl);
	if (strcmp(cmd, "run") == 0 && optind == argc)
		return cmd_run(path);
	if (strcmp(cmd, "config") == 0 && optind == argc)
		return cmd_config(path, true);
	if (strcmp(cmd, "node") == 0 && optind == argc) {
		struct conf *c = load_conf(path);

		return c != NULL ? node_main(path, c) : 1;
	}
	if (strcmp(cmd, "shard") == 0 && optind == argc) {
		struct conf *c = load_conf(path);

		if (c == NULL)
			return 1;
		shard_print(c, stdout);
		conf_free(c);
		return 0;
	}
	if (strcmp(cmd, "poll") == 0 && optind + 1 == argc)
		return cmd_poll(path, argv[optind]);
	usage(stderr);
	return 2;
}
