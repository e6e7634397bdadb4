/*
 * cmd_runner_run: forks agent/cmd_runner as the daemons do, drops
 * privileges as they do (collector/privdrop), then runs commands through
 * the runner and from the process itself, and prints what each ended
 * with: the test-only hook of tests/test_cmd_runner.sh.
 *
 *   cmd_runner_run [-u USER] [-p] [-L LVS] [-A DIR] [-B DIR] [-X XENTOP]
 *                  [-x XL] [-a VECTOR]... [-r VECTOR | -l VECTOR]...
 *   cmd_runner_run -P [-L LVS] [-A DIR] [-B DIR] [-X XENTOP] [-x XL]
 *
 * A VECTOR is an argv with its arguments split at single spaces.  -a
 * allows one (repeatable); -p allows what the probe table's commands
 * hooks name for the roots -L/-A/-B/-X/-x give (the daemons'
 * allowlist); -u USER is whom to become after the fork (privdrop_plan
 * and privdrop_drop, as "drover run" and "drover node"); -r runs VECTOR
 * through the runner, -l from this process (after the drop).  All run at
 * once on one loop; then, in the order given, one line each:
 *   "runner|local VECTOR: status=STATUS exit=N signal=N out=LINE
 *   err=LINE" (LINE: the first line of stdout, of stderr).
 * -P prints the probes that have a commands hook ("probe NAME") and each
 * command they name ("command VECTOR"), and forks nothing.
 * Exit 0 when every job called back exactly once, 1 otherwise, 2 on
 * usage errors or when no runner could be forked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/cmd_runner.h"
#include "collector/privdrop.h"
#include "lib/log.h"
#include "plugins/host.h"
#include "plugins/host_cmd.h"

#define MAXV 32

struct vec {
	char *buf; /* the split copy */
	const char *argv[HOST_ARGV_MAX];
};

struct job {
	struct vec v;
	const char *text;
	bool local;
	int calls;
	enum host_cmd_status status;
	int exit_status, term_signal;
	char out[256], err[256];
};

static int
split(const char *text, struct vec *v)
{
	char *p;
	size_t n = 0;

	v->buf = strdup(text);
	if (v->buf == NULL)
		return -1;
	for (p = strtok(v->buf, " "); p != NULL; p = strtok(NULL, " ")) {
		if (n + 1 >= HOST_ARGV_MAX)
			return -1;
		v->argv[n++] = p;
	}
	v->argv[n] = NULL;
	return n > 0 ? 0 : -1;
}

static void
first_line(const char *s, size_t len, char *out, size_t outlen)
{
	size_t n = strcspn(s, "\n");

	if (n > len)
		n = len;
	snprintf(out, outlen, "%.*s", (int)n, s);
}

static void
on_done(const struct host_cmd_result *res, void *arg)
{
	struct job *j = arg;

	j->calls++;
	j->status = res->status;
	j->exit_status = res->exit_status;
	j->term_signal = res->term_signal;
	first_line(res->out, res->out_len, j->out, sizeof(j->out));
	first_line(res->err, strlen(res->err), j->err, sizeof(j->err));
}

static void
print_vec(const char *const argv[])
{
	size_t i;

	for (i = 0; argv[i] != NULL; i++)
		printf("%s%s", i > 0 ? " " : "", argv[i]);
}

int
main(int argc, char **argv)
{
	const char *allowed[MAXV][HOST_ARGV_MAX];
	struct host_roots roots = {.proc = "/proc", .sys = "/sys"};
	struct vec allow[MAXV];
	struct job jobs[MAXV];
	const struct host_cmd_runner *hr;
	struct cmd_runner *r = NULL;
	struct privdrop pd;
	const char *user = NULL;
	bool probes = false, list = false;
	size_t na = 0, nj = 0, i, k;
	uv_loop_t loop;
	int c, ret = 0;

	memset(allowed, 0, sizeof(allowed));
	memset(jobs, 0, sizeof(jobs));
	while ((c = getopt(argc, argv, "u:pPL:A:B:X:x:a:r:l:")) != -1) {
		switch (c) {
		case 'u':
			user = optarg;
			break;
		case 'p':
			probes = true;
			break;
		case 'P':
			list = true;
			break;
		case 'L':
			roots.lvs_command = optarg;
			break;
		case 'A':
			roots.lvm_archive_dir = optarg;
			break;
		case 'B':
			roots.lvm_backup_dir = optarg;
			break;
		case 'X':
			roots.xentop_command = optarg;
			break;
		case 'x':
			roots.xl_command = optarg;
			break;
		case 'a':
			if (na == MAXV || split(optarg, &allow[na]) == -1)
				return 2;
			memcpy(allowed[na], allow[na].argv,
			    sizeof(allow[na].argv));
			na++;
			break;
		case 'r':
		case 'l':
			if (nj == MAXV || split(optarg, &jobs[nj].v) == -1)
				return 2;
			jobs[nj].text = optarg;
			jobs[nj++].local = c == 'l';
			break;
		default:
			return 2;
		}
	}
	if (list) {
		for (i = 0; i < host_nprobes; i++)
			if (host_probes[i]->commands != NULL)
				printf("probe %s\n", host_probes[i]->name);
		na = cmd_runner_probe_commands(&roots, allowed, MAXV);
		for (i = 0; i < na; i++) {
			printf("command ");
			print_vec(allowed[i]);
			printf("\n");
		}
		return 0;
	}
	if (probes)
		na = cmd_runner_probe_commands(&roots, allowed, MAXV);
	if (na > 0)
		r = cmd_runner_fork(allowed, na);
	if (r == NULL) {
		fprintf(stderr, "cmd_runner_run: no runner\n");
		return 2;
	}
	if (user != NULL &&
	    (privdrop_plan(user, NULL, "cmd_runner_run", &pd) == -1 ||
		privdrop_drop(&pd) == -1))
		return 2;
	uv_loop_init(&loop);
	if (cmd_runner_attach(r, &loop) == -1)
		ret = 1;
	hr = cmd_runner_host(r);
	for (i = 0; i < nj; i++)
		if (host_cmd_run(jobs[i].local ? NULL : hr, &loop,
			jobs[i].v.argv, 10000, 4096, on_done, &jobs[i]) == NULL)
			return 2;
	for (k = 0;; k = 0) {
		for (i = 0; i < nj; i++)
			k += jobs[i].calls == 0;
		if (k == 0)
			break;
		uv_run(&loop, UV_RUN_ONCE);
	}
	for (i = 0; i < nj; i++) {
		printf("%s %s: status=%s exit=%d signal=%d out=%s err=%s\n",
		    jobs[i].local ? "local" : "runner", jobs[i].text,
		    host_cmd_status_str(jobs[i].status), jobs[i].exit_status,
		    jobs[i].term_signal, jobs[i].out, jobs[i].err);
		if (jobs[i].calls != 1)
			ret = 1;
		free(jobs[i].v.buf);
	}
	cmd_runner_close(r);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	for (i = 0; i < na && !probes; i++)
		free(allow[i].buf);
	return ret;
}
