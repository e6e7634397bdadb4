/*
 * node_main: "drover node": wiring of the agent room on one loop, the
 * privilege drop and the signals (node_main.h).
 */
#include "config.h"

#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "agent/cmd_runner.h"
#include "agent/node_exec.h"
#include "agent/node_plugins.h"
#include "agent/node_probes.h"
#include "agent/node_server.h"
#include "agent/plugin_runner.h"
#include "collector/node_main.h"
#include "collector/privdrop.h"
#include "lib/log.h"
#include "plugins/host.h"

struct node_daemon {
	struct node_server *srv;
	struct node_plugins *np;
	struct runner *runner;
	struct cmd_runner *cmdr;
	uv_signal_t sigterm, sigint, sighup;
};

void
node_host_name(char *out, size_t len)
{
	struct addrinfo hints = {0}, *res = NULL;
	char shortname[256];

	if (gethostname(shortname, sizeof(shortname)) == -1 ||
	    shortname[0] == '\0') {
		snprintf(out, len, "unknown");
		return;
	}
	shortname[sizeof(shortname) - 1] = '\0';
	hints.ai_flags = AI_CANONNAME;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(shortname, NULL, &hints, &res) == 0 && res != NULL &&
	    res->ai_canonname != NULL && res->ai_canonname[0] != '\0')
		snprintf(out, len, "%s", res->ai_canonname);
	else
		snprintf(out, len, "%s", shortname);
	if (res != NULL)
		freeaddrinfo(res);
}

static void
on_stop(uv_signal_t *s, int signum)
{
	struct node_daemon *d = s->data;

	log_info("node: %s, stopping", strsignal(signum));
	node_server_stop(d->srv); /* withdraws what connections asked */
	node_plugins_free(d->np); /* and what start-up asked */
	d->np = NULL;
	runner_close(d->runner); /* it kills and reaps running plugins */
	d->runner = NULL;
	cmd_runner_close(d->cmdr); /* and the probes' commands */
	d->cmdr = NULL;
	uv_close((uv_handle_t *)&d->sigterm, NULL);
	uv_close((uv_handle_t *)&d->sigint, NULL);
	uv_close((uv_handle_t *)&d->sighup, NULL);
}

static void
on_hup(uv_signal_t *s, int signum)
{
	(void)s;
	(void)signum;
	log_info("node: SIGHUP ignored; restart drover node to apply a new "
		 "config");
}

int
node_main(const char *path, struct conf *c)
{
	struct node_server_conf sc = {0};
	struct node_daemon d = {0};
	struct node_plugins *np = NULL;
	struct runner_conf rc = {0};
	struct host_roots roots = {0};
	struct runner *runner = NULL;
	struct cmd_runner *cmdr = NULL;
	struct strlist names = {0};
	void *exec = NULL;
	struct privdrop pd;
	size_t i;
	char host[256];
	uv_loop_t *loop;
	void *probes;
	int ret = 1;

	if (privdrop_plan(c->user, c->group, path, &pd) == -1)
		goto free_conf;
	/* the pcap probe's threads open (and reopen) their handles */
	pd.net_raw = c->pcap_interfaces != NULL;
	signal(SIGPIPE, SIG_IGN);
	if (c->node_host_name != NULL)
		snprintf(host, sizeof(host), "%s", c->node_host_name);
	else
		node_host_name(host, sizeof(host));
	/* before the loop exists and before privileges go: the runner keeps
	 * them for plugins whose plugin-conf.d says "user root" */
	rc.plugin_dir = c->node_plugin_dir;
	rc.plugin_conf_dir = c->node_plugin_conf_dir;
	rc.plugstate = c->node_plugin_state;
	rc.fqdn = host;
	rc.default_timeout = c->node_plugin_timeout;
	runner = runner_fork(&rc, &names);
	/* the probes' commands (lvs, xl, du of /etc/lvm/archive) need root
	 * too: when there are any, a runner that keeps it runs them, and
	 * only them (forked after the plugin runner, so that it closes that
	 * one's socket rather than the other way round) */
	conf_host_roots(c, &roots);
	if (pd.drop)
		cmdr = cmd_runner_for_probes(&roots);
	loop = uv_default_loop();
	if (cmdr != NULL && cmd_runner_attach(cmdr, loop) == 0)
		roots.runner = cmd_runner_host(cmdr);
	np = node_plugins_new();
	probes = node_probes_new(&roots);
	for (i = 0; probes != NULL && i < c->node_exec.n; i++)
		if (!strlist_contains(&names, c->node_exec.v[i]))
			log_warnx("node: node_exec %s: no such plugin in %s; "
				  "the C source serves it",
			    c->node_exec.v[i], c->node_plugin_dir);
		else if (node_probes_exclude(probes, c->node_exec.v[i]) == -1)
			fatal("node: node_exec");
	if (runner != NULL && runner_attach(runner, loop) == 0)
		exec = node_exec_new(runner, &names);
	if (np == NULL && probes != NULL)
		node_probes_kind.free(probes);
	if (np == NULL && exec != NULL)
		node_exec_kind.free(exec);
	if (np == NULL || probes == NULL ||
	    node_plugins_add(np, &node_probes_kind, probes) == -1 ||
	    (exec != NULL &&
		node_plugins_add(np, &node_exec_kind, exec) == -1)) {
		log_warnx("node: out of memory");
		goto free_plugins;
	}
	if (exec != NULL)
		node_exec_discover(exec, loop);
	sc.addr = c->node_listen_addr;
	sc.port = c->node_listen_port;
	sc.allow = &c->node_allow;
	sc.timeout_s = c->node_timeout;
	sc.host = host;
	/* as root: the port may be below 1024 */
	d.srv = node_server_new(loop, &sc, np);
	if (d.srv == NULL)
		goto free_plugins;
	if (privdrop_drop(&pd) == -1)
		fatalx("node: cannot drop privileges");
	uv_signal_init(loop, &d.sigterm);
	uv_signal_init(loop, &d.sigint);
	uv_signal_init(loop, &d.sighup);
	d.sigterm.data = d.sigint.data = d.sighup.data = &d;
	uv_signal_start(&d.sigterm, on_stop, SIGTERM);
	uv_signal_start(&d.sigint, on_stop, SIGINT);
	uv_signal_start(&d.sighup, on_hup, SIGHUP);
	log_info("drover %s node: %s on %s%s%s:%u as %s, %zu probes, proc %s, "
		 "%zu plugins in %s",
	    PACKAGE_VERSION, host, strchr(sc.addr, ':') ? "[" : "", sc.addr,
	    strchr(sc.addr, ':') ? "]" : "", node_server_port(d.srv), pd.user,
	    host_nprobes, c->procfs_root, names.n, c->node_plugin_dir);
	d.np = np;
	d.runner = runner;
	d.cmdr = cmdr;
	/* the probes that run commands refresh once in the background, so
	 * the first list knows what they show */
	node_probes_start(probes, loop);
	uv_run(loop, UV_RUN_DEFAULT);
	node_server_free(d.srv);
	log_info("node: stopped");
	ret = uv_loop_close(loop) == 0 ? 0 : 1;
	strlist_cleanup(&names);
	goto free_conf;
free_plugins:
	node_plugins_free(np);
	if (runner != NULL || cmdr != NULL) {
		runner_close(runner);
		cmd_runner_close(cmdr);
		uv_run(loop, UV_RUN_DEFAULT);
	}
	strlist_cleanup(&names);
free_conf:
	conf_free(c);
	return ret;
}
