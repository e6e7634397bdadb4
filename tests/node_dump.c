/*
 * node_dump: prints what drover's host probes (plugins/host.h) make of a
 * /proc and /sys, in Munin's plugin protocol, for the parity tests.
 *
 *   node_dump [-s SYSROOT] [-u UTMP] [-w SECONDS] PROCROOT PLUGIN config
 *   node_dump [-s SYSROOT] [-u UTMP] [-w SECONDS] PROCROOT PLUGIN (fetch)
 *   node_dump [-s SYSROOT] [-u UTMP] [-w SECONDS] PROCROOT     every probe
 *
 * A multigraph plugin, a wildcard plugin's bare prefix ("if_": every
 * interface), and every probe without PLUGIN, print each of the services
 * after a "multigraph NAME" line.  -w reads once, waits SECONDS
 * and prints the second reading (for probes that compute rates from the
 * previous one).  SYSROOT defaults to /sys, UTMP to the system's utmp;
 * -g CGROUPROOT (the vm probe's cgroup mount) to /sys/fs/cgroup.
 *
 * For diskstats (the one probe that keeps a time): -p PREVROOT takes the
 * first reading from the proc root PREVROOT (then no wait unless -w);
 * -t SECONDS says the readings are that far apart instead of the clock;
 * -m FILE (with -w) creates FILE after the first reading and ends the wait
 * early once FILE is removed.  With two readings the interval used is
 * printed on stderr ("# interval SECONDS").
 *
 * Probes that run commands (host_probe.refresh) refresh before each
 * reading (host_refresh_run, blocking), with the commands the flags name:
 * -L LVS (lvs_command), -A DIR (lvm_archive_dir), -B DIR (lvm_backup_dir),
 * -X XENTOP (xentop_command), -x XL (xl_command), -T MS
 * (probe_command_timeout in ms, default HOST_COMMAND_TIMEOUT_MS).  A
 * refresh that fails shows in its probe's output, not in the exit code.
 *
 * Exits 0, 1 when a probe failed, 2 on usage or an unknown plugin.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <time.h>

#include "lib/log.h"
#include "plugins/host.h"
#include "plugins/host_diskstats.h"
#include "plugins/host_probes.h"
#include "plugins/host_refresh.h"

static void
print_config(const struct service *s)
{
	size_t i, j;

	for (i = 0; i < s->graph.n; i++)
		printf("%s %s\n", s->graph.v[i].key, s->graph.v[i].value);
	for (i = 0; i < s->nfields; i++)
		for (j = 0; j < s->fields[i].attrs.n; j++)
			printf("%s.%s %s\n", s->fields[i].name,
			    s->fields[i].attrs.v[j].key,
			    s->fields[i].attrs.v[j].value);
}

/* Integers as Munin's plugins print them, others with enough digits. */
static void
print_values(const struct service *s)
{
	const struct field *f;
	size_t i;

	for (i = 0; i < s->nfields; i++) {
		f = &s->fields[i];
		if (!f->has_value)
			continue;
		if (f->unknown)
			printf("%s.value U\n", f->name);
		else if (f->value == floor(f->value) && fabs(f->value) < 1e15)
			printf("%s.value %.0f\n", f->name, f->value);
		else
			printf("%s.value %.15g\n", f->name, f->value);
	}
}

static void
print_service(const struct service *s, bool config, bool header)
{
	if (header)
		printf("multigraph %s\n", s->name);
	if (config)
		print_config(s);
	else
		print_values(s);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: node_dump [-s sysroot] [-u utmp] [-g cgroup] [-w seconds] "
	    "[-p prevroot] [-t seconds] [-m file] [-L lvs] [-A archivedir] "
	    "[-B backupdir] [-X xentop] [-x xl] [-T ms] procroot "
	    "[plugin [config]]\n");
	exit(2);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits secs seconds, or until mark (when not NULL) is removed. */
static void
wait_between(unsigned secs, const char *mark)
{
	double end = now_s() + secs;
	FILE *fp;

	if (mark == NULL) {
		sleep(secs);
		return;
	}
	fp = fopen(mark, "w");
	if (fp != NULL)
		fclose(fp);
	while (now_s() < end && access(mark, F_OK) == 0)
		usleep(10000);
}

int
main(int argc, char *argv[])
{
	struct host_roots r = {
	    .sys = "/sys", .command_timeout_ms = HOST_COMMAND_TIMEOUT_MS};
	const struct host_probe *p = NULL;
	struct batch b = {0};
	struct service *s;
	unsigned wait = 0;
	bool config = false, synthetic = false, two, first = true, all = false;
	const char *prev = NULL, *mark = NULL;
	double t = 0, step = 0, t0 = 0;
	void **states;
	size_t i, only = HOST_REFRESH_ALL;
	int c, rc = 0;

	while ((c = getopt(argc, argv, "s:u:w:p:t:m:g:L:A:B:X:x:T:")) != -1) {
		switch (c) {
		case 'L':
			r.lvs_command = optarg;
			break;
		case 'A':
			r.lvm_archive_dir = optarg;
			break;
		case 'B':
			r.lvm_backup_dir = optarg;
			break;
		case 'X':
			r.xentop_command = optarg;
			break;
		case 'x':
			r.xl_command = optarg;
			break;
		case 'T':
			r.command_timeout_ms = (unsigned)atoi(optarg);
			break;
		case 'g':
			r.cgroup = optarg;
			break;
		case 's':
			r.sys = optarg;
			break;
		case 'u':
			r.utmp = optarg;
			break;
		case 'w':
			wait = (unsigned)atoi(optarg);
			break;
		case 'p':
			prev = optarg;
			break;
		case 't':
			step = atof(optarg);
			synthetic = true;
			break;
		case 'm':
			mark = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1 || argc > 3 ||
	    (argc == 3 && strcmp(argv[2], "config") != 0))
		usage();
	r.proc = prev != NULL ? prev : argv[0];
	two = prev != NULL || wait != 0;
	config = argc == 3;
	if (argc >= 2) {
		for (i = 0; i < host_nprobes; i++)
			if (host_probes[i]->wildcard &&
			    strcmp(host_probes[i]->name, argv[1]) == 0) {
				p = host_probes[i];
				all = true;
			}
		if (p == NULL)
			p = host_probe_find(argv[1]);
		if (p == NULL) {
			fprintf(stderr, "node_dump: no plugin %s\n", argv[1]);
			return 2;
		}
	}
	states = calloc(host_nprobes, sizeof(*states));
	if (states == NULL)
		return 1;
	for (i = 0; p != NULL && host_probes[i] != p; i++)
		;
	if (p != NULL)
		only = i;
	for (;;) {
		/* its failure shows in the probe's values */
		(void)host_refresh_run(&r, states, only);
		if (p == NULL) {
			if (host_collect(&r, states, &b) == -1)
				rc = 1;
		} else {
			for (i = 0; host_probes[i] != p; i++)
				;
			if (p != &probe_diskstats) {
				if (p->collect(&r, &states[i], &b) == -1)
					rc = 1;
			} else {
				if (!synthetic)
					t = now_s();
				if (first)
					t0 = t;
				first = false;
				if (diskstats_collect_at(
					&r, &states[i], &b, t) == -1)
					rc = 1;
			}
		}
		if (!two)
			break;
		if (wait != 0)
			wait_between(wait, mark);
		two = false;
		r.proc = argv[0];
		t += step;
		batch_cleanup(&b);
		memset(&b, 0, sizeof(b));
		rc = 0;
	}
	if (p == &probe_diskstats && (prev != NULL || wait != 0))
		fprintf(stderr, "# interval %.9f\n", t - t0);
	if (p == NULL || p->multigraph || all) {
		for (i = 0; i < b.n; i++) {
			print_service(
			    &b.services[i], argc == 1 || config, true);
			if (argc == 1)
				print_values(&b.services[i]);
		}
		goto out;
	}
	s = batch_service(&b, argv[1], false);
	if (s == NULL) {
		fprintf(stderr, "node_dump: no service %s\n", argv[1]);
		rc = 2;
		goto out;
	}
	print_service(s, config, false);
out:
	batch_cleanup(&b);
	host_states_free(states);
	free(states);
	return rc;
}
