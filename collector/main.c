/*
 * main: drover's command line.  Subcommands dispatch to the modules; the
 * daemon's state lives in struct daemon, owned by the loop.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "catalog.h"
#include "check.h"
#include "conf.h"
#include "ingest.h"
#include "log.h"
#include "munin_client.h"
#include "node.h"
#include "poller.h"
#include "rrd_writer.h"
#include "http.h"

#define RRD_QUEUE_MAX 200000 /* pending RRD updates before dropping */

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
	    "       drover check [--url URL] [--field F] [--max-age S] "
	    "[--timeout S]\n"
	    "                    HOST SERVICE      Nagios plugin: the "
	    "daemon's state\n"
	    "       drover --version | --help\n");
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

static int
cmd_config(const char *path)
{
	struct conf *c = load_conf(path);

	if (c == NULL)
		return 1;
	conf_print(c, stdout);
	conf_free(c);
	return 0;
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
	uv_signal_t sigterm, sigint, sighup;
};

static void
on_stop_signal(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;

	log_info("drover: %s, stopping", strsignal(signum));
	poller_stop(d->poller);
	web_stop(d->web);
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sighup, NULL);
}

static void
on_hup(uv_signal_t *s, int signum)
{
	struct daemon *d = s->data;
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
	if (poller_apply(d->poller, c) == -1) {
		log_warnx("conf: cannot apply the new config; keeping the "
			  "running one");
		poller_apply(d->poller, d->conf);
		conf_free(c);
		return;
	}
	if (d->web != NULL)
		web_set_conf(d->web, c);
	if (strcmp(c->listen_addr, d->conf->listen_addr) != 0 ||
	    c->listen_port != d->conf->listen_port)
		log_warnx("conf: a new listen address takes a restart");
	conf_free(d->conf);
	d->conf = c;
	log_info("drover: config reloaded, %zu hosts", c->nhosts);
}

static int
cmd_run(const char *path)
{
	struct daemon d = {0};
	struct rrd_writer_stats ws;
	int ret = 1;

	d.path = path;
	d.conf = load_conf(path);
	if (d.conf == NULL)
		return 1;
	d.loop = uv_default_loop();
	signal(SIGPIPE, SIG_IGN);
	d.cat = catalog_new();
	d.writer = rrd_writer_new(d.conf->rrdcached_socket, RRD_QUEUE_MAX);
	if (d.cat == NULL || d.writer == NULL)
		fatalx("drover: cannot start the RRD writer");
	d.in = ingest_new(d.cat, d.writer);
	d.poller = poller_new(d.loop, d.cat, d.in, d.writer);
	if (d.in == NULL || d.poller == NULL)
		fatalx("drover: out of memory");
	if (poller_apply(d.poller, d.conf) == -1)
		fatalx("drover: cannot set up the targets");
	d.web = web_new(d.loop, d.conf, d.cat, NULL);
	if (d.web == NULL)
		fatalx("drover: cannot start the web server");
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
	rrd_writer_flush(d.writer);
	rrd_writer_stats(d.writer, &ws);
	log_info("drover: stopped; %llu RRD updates, %llu errors",
	    (unsigned long long)ws.updates, (unsigned long long)ws.errors);
	rrd_writer_free(d.writer);
	ingest_free(d.in);
	catalog_free(d.cat);
	conf_free(d.conf);
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
	const char *label;
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
			printf("  %-7s %s\n", ds_type_str(field_type(f)),
			    label != NULL ? label : "");
		}
	}
}

struct poll_once {
	int ret;
};

static void
on_poll_once(void *arg, struct mclient_result *res)
{
	struct poll_once *po = arg;

	print_batch(&res->batch);
	printf("# %s: %s%s%s; %u plugins, %u plugin errors, %zu values, "
	       "%u bad lines; connect %llu ms, total %llu ms\n",
	    res->node_name[0] ? res->node_name : "node",
	    mclient_status_str(res->status), res->error[0] ? ": " : "",
	    res->error, res->plugins, res->plugin_errors,
	    batch_values(&res->batch), res->bad_lines,
	    (unsigned long long)res->connect_ms,
	    (unsigned long long)res->duration_ms);
	po->ret = res->status == MC_OK || res->status == MC_PARTIAL ? 0 : 1;
	batch_cleanup(&res->batch);
}

static int
cmd_poll(const char *path, const char *host)
{
	struct conf *c = load_conf(path);
	struct conf_host *hc;
	struct mclient_opts o = {0};
	struct poll_once po = {1};
	struct mclient *mc;
	struct batch b = {0};
	uv_loop_t *loop;
	uint64_t t0;

	if (c == NULL)
		return 1;
	hc = conf_host_find(c, host);
	if (hc == NULL) {
		fprintf(stderr, "drover: %s: no host \"%s\"\n", path, host);
		conf_free(c);
		return 1;
	}
	loop = uv_default_loop();
	t0 = uv_hrtime();
	if (hc->local) {
		po.ret = node_collect("/proc", &b) == -1;
		ingest_apply_overrides(hc, &b);
		print_batch(&b);
		printf("# %s: built-in node source, %zu values, %.3f ms\n",
		    host, batch_values(&b), (double)(uv_hrtime() - t0) / 1e6);
		batch_cleanup(&b);
		conf_free(c);
		return po.ret;
	}
	mc = mclient_new(loop);
	o.address = hc->address;
	o.port = hc->port;
	o.list_name = hc->use_node_name ? NULL : hc->name;
	o.connect_timeout = (uint64_t)c->connect_timeout * 1000;
	o.idle_timeout = (uint64_t)c->idle_timeout * 1000;
	o.timeout = (uint64_t)conf_host_timeout(c, hc) * 1000;
	o.config_refresh = c->config_refresh;
	mclient_poll(mc, &o, on_poll_once, &po);
	uv_run(loop, UV_RUN_DEFAULT);
	mclient_free(mc);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	conf_free(c);
	return po.ret;
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
		return cmd_config(path);
	if (strcmp(cmd, "poll") == 0 && optind + 1 == argc)
		return cmd_poll(path, argv[optind]);
	usage(stderr);
	return 2;
}
