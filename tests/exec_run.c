/*
 * exec_run: runs Munin plugins through plugins/exec on one libuv loop, all
 * at once, and prints what each ended with.
 *
 *   exec_run -d SERVICEDIR [-c PLUGIN-CONF.D] [-s PLUGSTATE] [-t SECONDS]
 *            [-m MAX_OUTPUT] [-M MASTER_IP] [-F FQDN] [-D] [-K FILE] [-r]
 *            PLUGIN[:ARG]...
 *
 * -c resolves user, groups, env, timeout and command from a plugin-conf.d
 * as munin-node does (default user nobody, group munin); -t is the
 * default timeout; -D means the master negotiated dirtyconfig; -K FILE
 * cancels every job still running once FILE exists; -r prints only the
 * first plugin's output, raw (to compare with munin-run).
 *
 * Otherwise, for each plugin in the order they END:
 *   "== PLUGIN status=STATUS exit=N signal=N bytes=N[ error=UV_ERR]" then
 * its output.
 * Exit 0 when every job called back exactly once, 1 otherwise, 2 on
 * usage errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "plugins/exec.h"
#include "plugins/plugin_conf.h"

struct run {
	char *name;
	char *arg;
	struct plugin_settings s;
	struct exec_creds c;
	bool have_creds;
	struct exec_job *job;
	int calls; /* callbacks received */
};

struct ctx {
	struct run *runs;
	size_t n, left;
	bool raw;
	const char *cancel_file;
	uv_timer_t poll;
};

static void
on_done(const struct exec_result *r, void *arg)
{
	struct run *run = arg;

	run->calls++;
	run->job = NULL;
	if (run->calls > 1)
		fprintf(stderr, "exec_run: %s: called back twice\n", run->name);
	printf("== %s status=%s exit=%d signal=%d bytes=%zu%s%s\n", run->name,
	    exec_status_str(r->status), r->exit_status, r->term_signal,
	    r->out_len, r->status == EXEC_SPAWN_FAILED ? " error=" : "",
	    r->status == EXEC_SPAWN_FAILED ? uv_err_name(r->spawn_error) : "");
	fwrite(r->out, 1, r->out_len, stdout);
	if (r->out_len > 0 && r->out[r->out_len - 1] != '\n')
		printf("\n"); /* so the next "==" line starts a line */
	fflush(stdout);
}

static void
on_done_raw(const struct exec_result *r, void *arg)
{
	struct run *run = arg;

	run->calls++;
	run->job = NULL;
	fwrite(r->out, 1, r->out_len, stdout);
	fflush(stdout);
	fprintf(stderr, "exec_run: %s: %s\n", run->name,
	    exec_status_str(r->status));
}

static void
on_poll(uv_timer_t *t)
{
	struct ctx *c = t->data;
	size_t i, busy = 0;

	for (i = 0; i < c->n; i++)
		busy += c->runs[i].job != NULL;
	if (busy == 0) {
		uv_close((uv_handle_t *)t, NULL);
		return;
	}
	if (access(c->cancel_file, F_OK) != 0)
		return;
	for (i = 0; i < c->n; i++)
		if (c->runs[i].job != NULL)
			exec_cancel(c->runs[i].job);
	uv_close((uv_handle_t *)t, NULL);
}

int
main(int argc, char **argv)
{
	struct plugin_ignore ig = {0};
	struct plugin_conf pc = {0};
	struct exec_opts o = {0};
	struct ctx c = {0};
	const char *confdir = NULL;
	char err[256], *colon;
	uv_loop_t loop;
	size_t i;
	int ch, rc = 0;

	while ((ch = getopt(argc, argv, "d:c:s:t:m:M:F:DK:r")) != -1) {
		switch (ch) {
		case 'd':
			o.servicedir = optarg;
			break;
		case 'c':
			confdir = optarg;
			break;
		case 's':
			o.plugstate = optarg;
			break;
		case 't':
			o.default_timeout = (unsigned)atoi(optarg);
			break;
		case 'm':
			o.max_output = (size_t)atol(optarg);
			break;
		case 'M':
			o.master_ip = optarg;
			break;
		case 'F':
			o.fqdn = optarg;
			break;
		case 'D':
			o.cap_dirtyconfig = true;
			break;
		case 'K':
			c.cancel_file = optarg;
			break;
		case 'r':
			c.raw = true;
			break;
		default:
			return 2;
		}
	}
	if (o.servicedir == NULL || optind >= argc) {
		fprintf(stderr, "usage: exec_run -d SERVICEDIR [options] "
				"PLUGIN[:ARG]...\n");
		return 2;
	}
	if (confdir != NULL &&
	    (plugin_ignore_init(&ig, plugin_ignore_debian) != 0 ||
		plugin_conf_load_dir(&pc, confdir, &ig) < 0))
		return 1;
	c.n = (size_t)(argc - optind);
	c.runs = calloc(c.n, sizeof(*c.runs));
	if (c.runs == NULL)
		return 1;
	uv_loop_init(&loop);
	for (i = 0; i < c.n; i++) {
		struct run *r = &c.runs[i];

		r->name = strdup(argv[optind + (int)i]);
		colon = strchr(r->name, ':');
		if (colon != NULL) {
			*colon = '\0';
			r->arg = colon + 1;
		}
		if (plugin_conf_resolve(&pc, r->name, &r->s) != 0)
			return 1;
		if (exec_creds_resolve(&r->s, "nobody", "munin", &r->c, err,
			sizeof(err)) != 0) {
			/* munin-node's answer when it cannot resolve them */
			printf("== %s status=%s (%s)\n", r->name,
			    exec_status_str(EXEC_BAD_EXIT), err);
			r->calls = 1;
			continue;
		}
		r->have_creds = true;
		o.plugin = r->name;
		o.arg = r->arg;
		o.settings = &r->s;
		o.creds = &r->c;
		r->job =
		    exec_start(&loop, &o, c.raw ? on_done_raw : on_done, r);
		if (r->job == NULL)
			return 1;
	}
	if (c.cancel_file != NULL) {
		uv_timer_init(&loop, &c.poll);
		c.poll.data = &c;
		uv_timer_start(&c.poll, on_poll, 20, 20);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	for (i = 0; i < c.n; i++) {
		if (c.runs[i].calls != 1) {
			fprintf(stderr, "exec_run: %s: %d callbacks\n",
			    c.runs[i].name, c.runs[i].calls);
			rc = 1;
		}
		plugin_settings_cleanup(&c.runs[i].s);
		exec_creds_cleanup(&c.runs[i].c);
		free(c.runs[i].name);
	}
	if (uv_loop_close(&loop) != 0) {
		fprintf(stderr, "exec_run: handles left open\n");
		rc = 1;
	}
	free(c.runs);
	plugin_conf_cleanup(&pc);
	plugin_ignore_cleanup(&ig);
	return rc;
}
