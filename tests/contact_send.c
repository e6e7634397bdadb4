/*
 * contact_send: runs drover's contact commands for one service the way
 * the alert engine would, for tests/test_contacts_munin.sh, which feeds
 * munin-limits the same input and compares what the commands receive.
 *
 *   contact_send CONF DATAFILE [-u] FIELD=VALUE[:r]...
 *
 * CONF: a munin.conf (its contact.* lines are used).  DATAFILE: munin's
 * text datafile lines "GROUP;HOST:PLUGIN.KEY VALUE" for one service.
 * VALUE "U" is unknown; ":r" marks a field that recovered; -u says the
 * service's state did not change.  States come from range_state(), the
 * catalog's Munin evaluation.  Exits 0, 1 on errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <uv.h>

#include "collector/conf.h"
#include "alerts/contacts.h"
#include "lib/log.h"

#define MAXF 64

int
main(int argc, char **argv)
{
	struct conf_errors errs = {0};
	struct contact_field f[MAXF];
	struct attrs fa[MAXF], graph = {0};
	char *names[MAXF], line[1024], group[1024] = "", host[1024] = "";
	char plugin[1024] = "", *sp, *colon, *semi, *dot, *val;
	struct contact_msg m = {0};
	struct contacts_stats st;
	struct contacts *c;
	struct conf *conf;
	size_t nf = 0, i;
	FILE *df;
	int a = 3, ret = 0;

	if (argc < 3)
		return 1;
	signal(SIGPIPE, SIG_IGN);
	conf = conf_load(argv[1], &errs);
	if (conf == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.v[i]);
		return 1;
	}
	df = fopen(argv[2], "r");
	if (df == NULL)
		return 1;
	memset(fa, 0, sizeof(fa));
	while (fgets(line, sizeof(line), df) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		sp = strchr(line, ' ');
		colon = strchr(line, ':');
		if (sp == NULL || colon == NULL || colon > sp)
			continue;
		*sp = '\0';
		val = sp + 1;
		*colon = '\0';
		semi = strrchr(line, ';');
		if (semi == NULL)
			continue;
		*semi = '\0';
		snprintf(group, sizeof(group), "%s", line);
		snprintf(host, sizeof(host), "%s", semi + 1);
		dot = strchr(colon + 1, '.');
		if (dot == NULL)
			continue;
		*dot = '\0';
		snprintf(plugin, sizeof(plugin), "%s", colon + 1);
		if (strchr(dot + 1, '.') == NULL) {
			attrs_set(&graph, dot + 1, val);
			continue;
		}
		*strchr(dot + 1, '.') = '\0';
		for (i = 0; i < nf && strcmp(names[i], dot + 1) != 0; i++)
			;
		if (i == nf && nf < MAXF) {
			names[nf] = strdup(dot + 1);
			memset(&f[nf], 0, sizeof(f[nf]));
			f[nf].name = names[nf];
			f[nf].attrs = &fa[nf];
			f[nf].known = false;
			f[nf].state = FS_UNKNOWN;
			nf++;
		}
		if (i < MAXF)
			attrs_set(&fa[i], dot + 1 + strlen(dot + 1) + 1, val);
	}
	fclose(df);
	m.changed = true;
	if (a < argc && strcmp(argv[a], "-u") == 0) {
		m.changed = false;
		a++;
	}
	for (; a < argc; a++) {
		val = strchr(argv[a], '=');
		if (val == NULL)
			return 1;
		*val++ = '\0';
		for (i = 0; i < nf && strcmp(names[i], argv[a]) != 0; i++)
			;
		if (i == nf)
			return 1;
		if (strstr(val, ":r") != NULL) {
			f[i].recovered = true;
			*strstr(val, ":r") = '\0';
		}
		f[i].known = strcmp(val, "U") != 0;
		f[i].value = f[i].known ? strtod(val, NULL) : 0;
		f[i].state = range_state(f[i].known, f[i].value,
		    attrs_get(&fa[i], "warning"),
		    attrs_get(&fa[i], "critical"));
	}
	m.group = group;
	m.host = host;
	m.plugin = plugin;
	m.title = attrs_get(&graph, "graph_title");
	m.graph = &graph;
	m.fields = f;
	m.nfields = nf;
	c = contacts_new(uv_default_loop(), &conf->contacts, 4, 10000);
	contacts_notify(c, &m);
	uv_run(uv_default_loop(), UV_RUN_DEFAULT);
	contacts_stats(c, &st);
	if (st.failed > 0 || st.killed > 0)
		ret = 1;
	printf("started %llu\n", (unsigned long long)st.started);
	contacts_free(c);
	uv_run(uv_default_loop(), UV_RUN_DEFAULT);
	uv_loop_close(uv_default_loop());
	for (i = 0; i < nf; i++) {
		attrs_cleanup(&fa[i]);
		free(names[i]);
	}
	attrs_cleanup(&graph);
	conf_free(conf);
	return ret;
}
