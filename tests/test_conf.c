/* Tests for conf: munin.conf compatibility, drover keys, errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "collector/conf.h"
#include "plugins/bmc.h"
#include "plugins/host.h"
#include "plugins/host_pcap.h"
#include "plugins/modbus.h"
#include "plugins/munin_client.h"
#include "plugins/node.h"
#include "plugins/nut.h"
#include "plugins/source.h"
#include "plugins/vedirect.h"
#include "lib/log.h"

/* h's BMC settings (the ipmi source's) and what h is to that source. */
static const struct bmc_settings *
bmc_of(const struct conf *c, const struct conf_host *h, struct source_host *sh)
{
	conf_host_source(c, h, &source_ipmi, sh);
	return sh->settings;
}

static struct conf *
parse(const char *text, struct conf_errors *errs)
{
	struct conf *c = conf_new();

	assert_non_null(c);
	c->local_node = false;
	conf_parse_buf(c, "t.conf", text, strlen(text), errs);
	conf_finish(c, errs);
	return c;
}

static bool
has_error(const struct conf_errors *e, const char *needle)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (strstr(e->v[i], needle) != NULL)
			return true;
	return false;
}

static void
test_debian_munin_conf_parses(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	struct conf_host *h;

	(void)state;
	c = conf_load(FIXTURES "/conf/munin.conf.debian", &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(c);
	h = conf_host_find(c, "localhost.localdomain");
	assert_non_null(h);
	assert_string_equal(h->group, "localdomain");
	assert_string_equal(h->address, "127.0.0.1");
	assert_true(h->use_node_name);
	conf_free(c);
}

static void
test_munin_examples(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	struct conf_host *h;
	char path[64];

	(void)state;
	c = conf_load(FIXTURES "/conf/munin-examples.conf", &errs);
	if (errs.n > 0)
		fail_msg("%s", errs.v[0]);
	assert_non_null(c);
	assert_string_equal(c->rrdcached_socket, "/var/run/rrdcached.sock");
	assert_string_equal(attrs_get(&c->munin, "graph_strategy"), "cron");
	assert_non_null(contact_set_find(&c->contacts, "nagios"));
	assert_string_equal(contact_set_find(&c->contacts, "nagios")->command,
	    "/usr/bin/send_nsca nagios.host.comm -c /etc/nsca.conf");
	h = conf_host_find(c, "fii.foo.com");
	assert_string_equal(h->group, "foo.com");
	h = conf_host_find(c, "ip6.foo.com");
	assert_string_equal(h->address, "2001::1234:1");
	h = conf_host_find(c, "Totals");
	assert_non_null(h);
	assert_false(h->update);
	assert_string_equal(h->group, "foo.com");
	assert_string_equal(
	    attrs_get(&h->overrides, "load3.combined_loads.label"),
	    "Combined loads");
	h = conf_host_find(c, "vm01.example.net");
	assert_string_equal(h->group, "Cluster;kvm");
	assert_string_equal(
	    conf_host_group_path(h, path, sizeof(path)), "Cluster/kvm");
	assert_int_equal(h->port, 4950);
	assert_string_equal(h->physical, "kvm1");
	assert_string_equal(attrs_get(&h->overrides, "load.load.warning"), "5");
	assert_string_equal(
	    attrs_get(&h->overrides, "diskstats_latency.vda.avgwait.warning"),
	    "0:3");
	assert_string_equal(attrs_get(&c->groups, "foo.com;node_order"),
	    "Totals fii.foo.com fay.foo.com");
	conf_errors_cleanup(&errs);
	conf_free(c);
}

static void
test_drover_keys_and_defaults(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	struct conf_host *h;

	(void)state;
	c = parse("[a]\naddress 127.0.0.1\n", &errs);
	assert_int_equal(c->interval, 300);
	assert_int_equal(c->max_concurrency, 64);
	assert_int_equal(c->physical_concurrency, 2);
	assert_int_equal(c->timeout, 60);
	assert_int_equal(c->connect_timeout, 10);
	assert_string_equal(c->listen_addr, "127.0.0.1");
	assert_int_equal(c->listen_port, 4948);
	conf_free(c);

	c = parse("interval 60\nmax_concurrency 8\nphysical_concurrency 1\n"
		  "timeout 20\nconnect_timeout 3\nlisten [::1]:0\n"
		  "[g;vm1]\naddress 127.0.0.2\nphysical kvm1\ntimeout 5\n"
		  "interval 30\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(c->interval, 60);
	assert_int_equal(c->max_concurrency, 8);
	assert_int_equal(c->physical_concurrency, 1);
	assert_int_equal(c->timeout, 20);
	assert_int_equal(c->connect_timeout, 3);
	assert_string_equal(c->listen_addr, "::1");
	assert_int_equal(c->listen_port, 0);
	h = conf_host_find(c, "vm1");
	assert_int_equal(conf_host_interval(c, h), 30);
	assert_int_equal(conf_host_timeout(c, h), 5);
	conf_free(c);
}

static void
test_nagios_command_file(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;

	(void)state;
	c = parse("[a]\naddress 127.0.0.1\n", &errs);
	assert_null(c->nagios_command_file);
	conf_free(c);
	c = parse(
	    "nagios_command_file /var/lib/nagios4/rw/nagios.cmd\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(
	    c->nagios_command_file, "/var/lib/nagios4/rw/nagios.cmd");
	conf_free(c);
	c = parse("\nnagios_command_file nagios.cmd\n", &errs);
	assert_true(has_error(&errs, "t.conf:2: nagios_command_file must be "
				     "an absolute path: \"nagios_command_file "
				     "nagios.cmd\""));
	conf_errors_cleanup(&errs);
	conf_free(c);
}

static void
test_comments_and_continuations(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	struct conf_host *h;

	(void)state;
	c = parse("# comment\n   \n[h1] # trailing\n  address 10.1.1.1 # x\n"
		  "  load.graph_title Load \\# of \\\n    things\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	h = conf_host_find(c, "h1");
	assert_string_equal(h->address, "10.1.1.1");
	assert_string_equal(
	    attrs_get(&h->overrides, "load.graph_title"), "Load # of things");
	conf_free(c);
}

static void
test_errors_name_file_line_text(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;

	(void)state;
	c = parse("interval soon\n[h1]\naddress 1.2.3.4\nfrobnicate 3\n"
		  "load.load.warnign 5\n[bad/name]\n[h2]\nport 99999\n"
		  "[h3]\nlisten nowhere\nbogus_global\n[h4]\n",
	    &errs);
	assert_true(has_error(&errs,
	    "t.conf:1: interval must be a number from 1 to 86400: "
	    "\"interval soon\""));
	assert_true(has_error(&errs,
	    "t.conf:4: unknown keyword \"frobnicate\" in host section: "
	    "\"frobnicate 3\""));
	assert_true(has_error(&errs, "t.conf:5: unknown keyword "
				     "\"load.load.warnign\""));
	assert_true(has_error(&errs, "t.conf:6: invalid host name"));
	assert_true(has_error(&errs, "t.conf:8: port must be 1-65535"));
	assert_true(has_error(&errs, "t.conf:10: unknown keyword \"listen\" "
				     "in host section"));
	assert_true(has_error(&errs, "t.conf:11: missing value"));
	/* h4, with no address, is Munin's "No address!" at update time,
	 * not an error of the file (test_address_less_host) */
	assert_int_equal(errs.n, 7);
	conf_errors_cleanup(&errs);
	conf_free(c);
}

static void
test_load_refuses_config_with_errors(void **state)
{
	struct conf_errors errs = {0};
	char path[] = "/tmp/drover-conf-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "[h]\naddress 127.0.0.1\nnonsense here\n";

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
	close(fd);
	assert_null(conf_load(path, &errs));
	assert_int_equal(errs.n, 1);
	assert_non_null(strstr(errs.v[0], ":3: unknown keyword"));
	conf_errors_cleanup(&errs);
	assert_null(conf_load("/nonexistent/drover.conf", &errs));
	assert_non_null(strstr(errs.v[0], "/nonexistent/drover.conf:0: cannot "
					  "read: No such file"));
	conf_errors_cleanup(&errs);
	unlink(path);
}

static void
test_includedir(void **state)
{
	struct conf_errors errs = {0};
	char dir[] = "/tmp/drover-inc-XXXXXX", path[256], main_conf[300];
	FILE *f;
	struct conf *c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/10-hosts.conf", dir);
	f = fopen(path, "w");
	/* an includedir inside an included file must not pull the walked
	 * directory's name from under the walk */
	fprintf(f, "includedir /nonexistent/drover-inc\n"
		   "[inc.example.org]\naddress 127.0.0.9\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/20-hosts.conf~", dir);
	f = fopen(path, "w");
	fprintf(f, "garbage that is skipped\n");
	fclose(f);
	snprintf(main_conf, sizeof(main_conf), "%s.main", dir);
	f = fopen(main_conf, "w");
	fprintf(f, "includedir %s\nlocal_node no\n", dir);
	fclose(f);
	c = conf_load(main_conf, &errs);
	assert_int_equal(errs.n, 0);
	assert_non_null(conf_host_find(c, "inc.example.org"));
	assert_int_equal(c->nhosts, 1);
	conf_free(c);
	unlink(main_conf);
	unlink(path);
	snprintf(path, sizeof(path), "%s/10-hosts.conf", dir);
	unlink(path);
	rmdir(dir);
}

/* metrics_listen: none by default, ADDR:PORT or [V6]:PORT, printed when
 * set, a bad one an error at its line. */
static void
test_metrics_listen(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	c = parse("", &errs);
	assert_int_equal(errs.n, 0);
	assert_null(c->metrics_listen_addr);
	fp = open_memstream(&text, &len);
	conf_print(c, fp);
	fclose(fp);
	assert_null(strstr(text, "metrics_listen"));
	free(text);
	conf_free(c);
	c = parse("metrics_listen [::1]:9101\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->metrics_listen_addr, "::1");
	assert_int_equal(c->metrics_listen_port, 9101);
	fp = open_memstream(&text, &len);
	conf_print(c, fp);
	fclose(fp);
	assert_non_null(strstr(text, "metrics_listen [::1]:9101\n"));
	free(text);
	conf_free(c);
	c = parse("metrics_listen 0.0.0.0:0\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->metrics_listen_addr, "0.0.0.0");
	assert_int_equal(c->metrics_listen_port, 0);
	conf_free(c);
	c = parse("interval 60\nmetrics_listen 9101\n", &errs);
	assert_int_equal(errs.n, 1);
	assert_true(has_error(&errs, "t.conf:2"));
	assert_true(has_error(&errs, "metrics_listen must be ADDR:PORT"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/* remote_write_*: off by default with its defaults printed, an http(s)
 * URL taken and printed, another scheme or a bad number an error at its
 * line. */
static void
test_remote_write_keys(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	c = parse("", &errs);
	assert_int_equal(errs.n, 0);
	assert_null(c->remote_write_url);
	assert_int_equal(c->rw_queue_mb, 256);
	assert_int_equal(c->remote_write_batch, 5000);
	assert_int_equal(c->remote_write_timeout, 30);
	fp = open_memstream(&text, &len);
	conf_print(c, fp);
	fclose(fp);
	assert_null(strstr(text, "remote_write_url"));
	assert_non_null(strstr(text, "remote_write_queue_size 256\n"));
	free(text);
	conf_free(c);
	c = parse("remote_write_url https://vm:8428/api/v1/write\n"
		  "remote_write_queue_size 16\nremote_write_batch 100\n"
		  "remote_write_timeout 5\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(
	    c->remote_write_url, "https://vm:8428/api/v1/write");
	assert_int_equal(c->rw_queue_mb, 16);
	assert_int_equal(c->remote_write_batch, 100);
	assert_int_equal(c->remote_write_timeout, 5);
	fp = open_memstream(&text, &len);
	conf_print(c, fp);
	fclose(fp);
	assert_non_null(
	    strstr(text, "remote_write_url https://vm:8428/api/v1/write\n"));
	free(text);
	conf_free(c);
	c = parse("interval 60\nremote_write_url vm:8428/api/v1/write\n"
		  "remote_write_batch 10\n",
	    &errs);
	assert_int_equal(errs.n, 2);
	assert_true(has_error(&errs, "t.conf:2"));
	assert_true(has_error(
	    &errs, "remote_write_url must start with http:// or https://"));
	assert_true(has_error(&errs, "t.conf:3"));
	assert_true(has_error(&errs, "remote_write_batch must be a number"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

static void
test_node_keys(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	/* defaults: loopback, munin-node's port, 60 s */
	c = parse("", &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->node_listen_addr, "127.0.0.1");
	assert_int_equal(c->node_listen_port, 4949);
	assert_int_equal(c->node_timeout, 60);
	assert_null(c->node_host_name);
	assert_int_equal(c->node_allow.n, 2);
	fp = open_memstream(&text, &len);
	conf_print(c, fp);
	fclose(fp);
	assert_non_null(strstr(text, "node_listen 127.0.0.1:4949\n"));
	assert_non_null(strstr(text, "node_allow 127.0.0.0/8\n"));
	assert_non_null(strstr(text, "node_allow ::1/128\n"));
	assert_non_null(strstr(text, "node_timeout 60\n"));
	free(text);
	conf_free(c);
	c = parse("node_listen [::1]:5001\nnode_allow 10.0.0.0/8\n"
		  "node_allow 2001:db8::1\nnode_timeout 5\n"
		  "node_host_name web1.example\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->node_listen_addr, "::1");
	assert_int_equal(c->node_listen_port, 5001);
	assert_int_equal(c->node_allow.n, 2); /* no loopback added */
	assert_int_equal(c->node_timeout, 5);
	assert_string_equal(c->node_host_name, "web1.example");
	fp = open_memstream(&text, &len);
	conf_print(c, fp);
	fclose(fp);
	assert_non_null(strstr(text, "node_listen [::1]:5001\n"));
	assert_non_null(strstr(text, "node_allow 10.0.0.0/8\n"));
	assert_non_null(strstr(text, "node_allow 2001:db8::1/128\n"));
	assert_null(strstr(text, "node_allow 127."));
	assert_non_null(strstr(text, "node_host_name web1.example\n"));
	free(text);
	conf_free(c);
	c = parse("interval 60\nnode_allow 10.0.0.0/40\nnode_listen host:1\n"
		  "node_timeout 0\nnode_listen 127.0.0.1\n",
	    &errs);
	assert_int_equal(errs.n, 4);
	assert_true(has_error(&errs, "t.conf:2"));
	assert_true(has_error(&errs, "node_allow must be"));
	assert_true(has_error(&errs, "t.conf:3"));
	assert_true(has_error(&errs, "node_listen must be"));
	assert_true(has_error(&errs, "t.conf:4"));
	assert_true(has_error(&errs, "node_timeout must be a number"));
	assert_true(has_error(&errs, "t.conf:5"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/* The exec plugin keys of "drover node": munin-node's paths by default,
 * node_exec lists (repeatable, de-duplicated), bad values named. */
static void
test_node_exec_keys(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	c = parse("", &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->node_plugin_dir, "/etc/munin/plugins");
	assert_string_equal(
	    c->node_plugin_conf_dir, "/etc/munin/plugin-conf.d");
	assert_string_equal(
	    c->node_plugin_state, "/var/lib/munin-node/plugin-state");
	assert_int_equal(c->node_plugin_timeout, 60);
	assert_int_equal(c->node_exec.n, 0);
	conf_free(c);
	c = parse("node_plugin_dir /srv/p\nnode_plugin_conf_dir /srv/c\n"
		  "node_plugin_state /srv/s\nnode_plugin_timeout 300\n"
		  "node_exec cpu if_eth0\nnode_exec df,cpu\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->node_plugin_dir, "/srv/p");
	assert_int_equal(c->node_plugin_timeout, 300);
	assert_int_equal(c->node_exec.n, 3);
	assert_true(strlist_contains(&c->node_exec, "if_eth0"));
	assert_true(strlist_contains(&c->node_exec, "df"));
	fp = open_memstream(&text, &len);
	conf_print(c, fp);
	fclose(fp);
	assert_non_null(strstr(text, "node_plugin_dir /srv/p\n"));
	assert_non_null(strstr(text, "node_plugin_conf_dir /srv/c\n"));
	assert_non_null(strstr(text, "node_plugin_state /srv/s\n"));
	assert_non_null(strstr(text, "node_plugin_timeout 300\n"));
	assert_non_null(strstr(text, "node_exec cpu if_eth0 df\n"));
	free(text);
	conf_free(c);
	c = parse(
	    "interval 60\nnode_exec ../evil\nnode_plugin_timeout 0\n", &errs);
	assert_int_equal(errs.n, 2);
	assert_true(has_error(&errs, "t.conf:2"));
	assert_true(has_error(&errs, "../evil is not a plugin name"));
	assert_true(has_error(&errs, "t.conf:3"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/* The pcap probe's keys: off by default, the other defaults, values
 * reaching conf_host_roots and conf_print, bad values named by line. */
static void
test_pcap_keys(void **state)
{
	struct conf_errors errs = {0};
	struct host_roots r;
	struct conf *c;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	c = parse("", &errs);
	assert_int_equal(errs.n, 0);
	assert_null(c->pcap_interfaces);
	assert_null(c->pcap_filter);
	assert_int_equal(c->pcap_snaplen, PCAP_SNAPLEN_DEFAULT);
	assert_true(c->pcap_promisc);
	assert_true(c->pcap_ignore_outgoing);
	fp = open_memstream(&text, &len);
	conf_print(c, fp);
	fclose(fp);
	assert_non_null(strstr(text, "pcap_interfaces none\n"));
	assert_null(strstr(text, "pcap_filter"));
	free(text);
	text = NULL;
	conf_free(c);
	c = parse("pcap_interfaces br0 tap-vm1\n"
		  "pcap_filter udp port 67 or udp port 68\n"
		  "pcap_snaplen 2048\npcap_promisc no\n"
		  "pcap_ignore_outgoing no\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	conf_host_roots(c, &r);
	assert_string_equal(r.pcap_interfaces, "br0 tap-vm1");
	assert_string_equal(r.pcap_filter, "udp port 67 or udp port 68");
	assert_int_equal(r.pcap_snaplen, 2048);
	assert_false(r.pcap_promisc);
	assert_false(r.pcap_ignore_outgoing);
	fp = open_memstream(&text, &len);
	conf_print(c, fp);
	fclose(fp);
	assert_non_null(strstr(text, "pcap_interfaces br0 tap-vm1\n"));
	assert_non_null(
	    strstr(text, "pcap_filter udp port 67 or udp port 68\n"));
	assert_non_null(strstr(text, "pcap_snaplen 2048\n"));
	assert_non_null(strstr(text, "pcap_promisc no\n"));
	assert_non_null(strstr(text, "pcap_ignore_outgoing no\n"));
	free(text);
	conf_free(c);
	c = parse("interval 60\npcap_interfaces br0 ../x\n"
		  "pcap_interfaces averyveryverylongname\n"
		  "pcap_filter udp portt 67\npcap_snaplen 64\n"
		  "pcap_promisc maybe\npcap_ignore_outgoing 2\n",
	    &errs);
	assert_int_equal(errs.n, 6);
	assert_true(has_error(&errs, "t.conf:2"));
	assert_true(has_error(&errs, "\"../x\" is not an interface name"));
	assert_true(has_error(&errs, "t.conf:3"));
	assert_true(has_error(&errs, "t.conf:4: pcap_filter: "));
	assert_true(has_error(&errs, "t.conf:5"));
	assert_true(has_error(&errs, "pcap_snaplen must be a number"));
	assert_true(has_error(&errs, "pcap_promisc must be yes or no"));
	assert_true(has_error(&errs, "t.conf:7"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/* pcap_name MAC NAME: repeatable, MACs normalised, in conf_host_roots and
 * conf_print; bad MACs, missing or extra words, repeats named by line. */
static void
test_pcap_names(void **state)
{
	struct conf_errors errs = {0};
	struct host_roots r;
	struct conf *c;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	c = parse("", &errs);
	conf_host_roots(c, &r);
	assert_null(r.pcap_names);
	conf_free(c);
	c = parse("pcap_name 52:54:00:AB:cd:01 web1\n"
		  "pcap_name\t52-54-00-ab-cd-02   db.example  \n"
		  "pcap_name 02:00:00:00:00:03 router\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	conf_host_roots(c, &r);
	assert_string_equal(r.pcap_names, "52:54:00:ab:cd:01 web1\n"
					  "52:54:00:ab:cd:02 db.example\n"
					  "02:00:00:00:00:03 router\n");
	fp = open_memstream(&text, &len);
	conf_print(c, fp);
	fclose(fp);
	assert_non_null(strstr(text, "pcap_name 52:54:00:ab:cd:01 web1\n"
				     "pcap_name 52:54:00:ab:cd:02 db.example\n"
				     "pcap_name 02:00:00:00:00:03 router\n"));
	free(text);
	conf_free(c);
	c = parse("pcap_name 52:54:00:ab:cd:01 web1\n"
		  "pcap_name 52:54:00:ab:cd web2\n"
		  "pcap_name 52:54:00:ab:cd:0x web3\n"
		  "pcap_name 52:54:00:ab:cd:02\n"
		  "pcap_name 52:54:00:ab:cd:02 two words\n"
		  "pcap_name 52:54:00:AB:CD:01 again\n",
	    &errs);
	assert_int_equal(errs.n, 5);
	assert_true(has_error(
	    &errs, "t.conf:2: pcap_name: \"52:54:00:ab:cd\" is not a MAC"));
	assert_true(
	    has_error(&errs, "t.conf:3: pcap_name: \"52:54:00:ab:cd:0x\""));
	assert_true(has_error(&errs, "t.conf:4: pcap_name: MAC NAME"));
	assert_true(has_error(&errs, "t.conf:5: pcap_name: MAC NAME"));
	assert_true(has_error(
	    &errs, "t.conf:6: pcap_name: 52:54:00:ab:cd:01 is named already"));
	conf_host_roots(c, &r);
	assert_string_equal(r.pcap_names, "52:54:00:ab:cd:01 web1\n");
	conf_free(c);
	conf_errors_cleanup(&errs);
}

static void
test_local_node_target(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c = conf_new();
	char hn[256];

	(void)state;
	gethostname(hn, sizeof(hn));
	conf_finish(c, &errs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(c->nhosts, 1);
	assert_string_equal(c->hosts[0].name, hn);
	assert_true(c->hosts[0].local);
	conf_free(c);
}

/* Parses text with the defaults conf_new() gives (local_node unset). */
static struct conf *
parse_default(const char *text, struct conf_errors *errs)
{
	struct conf *c = conf_new();

	assert_non_null(c);
	conf_parse_buf(c, "t.conf", text, strlen(text), errs);
	conf_finish(c, errs);
	return c;
}

/*
 * A munin.conf with host sections gets no built-in local node unless it
 * says "local_node yes" or has a section for this machine without an
 * address; saying so in one info line.  Without host sections (drover's
 * own config) the local node is there.
 */
static void
test_local_node_beside_munin(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	char hn[256], text[600], line[1024] = "";
	FILE *logf;

	(void)state;
	assert_int_equal(gethostname(hn, sizeof(hn)), 0);
	logf = tmpfile();
	assert_non_null(logf);
	log_init(false, LOG_LVL_INFO);
	log_set_stream(logf);
	c = parse_default("[a.example]\naddress 127.0.0.1\n", &errs);
	log_set_stream(NULL);
	log_init(false, LOG_LVL_WARN);
	assert_int_equal(errs.n, 0);
	assert_int_equal(c->nhosts, 1);
	assert_string_equal(c->hosts[0].name, "a.example");
	assert_false(c->hosts[0].local);
	assert_false(c->local_node);
	rewind(logf);
	assert_non_null(fgets(line, sizeof(line), logf));
	assert_non_null(strstr(line, "not adding the built-in local node"));
	assert_non_null(strstr(line, hn));
	fclose(logf);
	conf_free(c);

	c = parse_default(
	    "local_node yes\n[a.example]\naddress 127.0.0.1\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(c->nhosts, 2);
	assert_string_equal(c->hosts[1].name, hn);
	assert_true(c->hosts[1].local);
	assert_true(c->local_node);
	conf_free(c);

	snprintf(text, sizeof(text),
	    "[a.example]\naddress 127.0.0.1\n[%s]\nload.load.warning 9\n", hn);
	c = parse_default(text, &errs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(c->nhosts, 2);
	assert_true(c->hosts[1].local);
	conf_free(c);

	c = parse_default("local_node no\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(c->nhosts, 0);
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/* The node source's roots: /proc and /sys unless set, and reach the
 * source's host values. */
static void
test_probe_roots(void **state)
{
	struct conf_errors errs = {0};
	struct source_host sh;
	struct conf *c;

	(void)state;
	c = parse("[a]\naddress 127.0.0.1\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->procfs_root, "/proc");
	assert_string_equal(c->sysfs_root, "/sys");
	conf_free(c);
	c = parse(
	    "procfs_root /srv/p\nsysfs_root /srv/s\nlocal_node yes\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(c->nhosts, 1);
	conf_host_source(c, &c->hosts[0], &source_node, &sh);
	assert_string_equal(sh.roots.proc, "/srv/p");
	assert_string_equal(sh.roots.sys, "/srv/s");
	conf_free(c);
}

static void
test_notify_keys(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;

	(void)state;
	c = parse("smtp_url smtp://127.0.0.1:25\nsmtp_from drover@x.test\n"
		  "smtp_starttls yes\nnotify_expiry 3600\n"
		  "notify_group_window 0\nstate_dir /tmp/st\n"
		  "contact.ops.webhook http://h.test/x\n"
		  "contact.ops.email ops@x.test\n"
		  "contact.ops.severities critical,warning\n"
		  "contact.ops.renotify 0\ncontact.ops.recovery no\n"
		  "contact.old.command mail -s alert root\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->notify.smtp_url, "smtp://127.0.0.1:25");
	assert_true(c->notify.smtp_starttls);
	assert_int_equal(c->notify.expiry, 3600);
	assert_int_equal(c->notify.group_window, 0);
	assert_int_equal(c->notify.retry_min, 2);
	assert_string_equal(c->state_dir, "/tmp/st");
	assert_non_null(contact_set_find(&c->contacts, "ops"));
	assert_int_equal(contact_set_find(&c->contacts, "ops")->severities,
	    CONTACT_SEV_CRITICAL | CONTACT_SEV_WARNING);
	assert_int_equal(contact_set_find(&c->contacts, "ops")->renotify, 0);
	assert_false(contact_set_find(&c->contacts, "ops")->recovery);
	assert_string_equal(
	    contact_set_find(&c->contacts, "ops")->webhook, "http://h.test/x");
	assert_string_equal(contact_set_find(&c->contacts, "old")->command,
	    "mail -s alert root");
	conf_free(c);

	c = parse("contact.ops.webhok http://x\n"
		  "contact.ops.severities warning,bad\n"
		  "contact.ops.renotify soon\ncontact.ops.recovery maybe\n"
		  "contact.ops.webhook ftp://x\nsmtp_url http://x\n"
		  "contact.b.email b@x.test\nnotify_group_window -1\n",
	    &errs);
	assert_true(
	    has_error(&errs, "t.conf:1: unknown contact keyword \"webhok\""));
	assert_true(has_error(&errs, "t.conf:2: severities must be"));
	assert_true(has_error(&errs, "t.conf:3: renotify must be"));
	assert_true(has_error(&errs, "t.conf:4: recovery must be"));
	assert_true(has_error(&errs, "t.conf:5: webhook must be"));
	assert_true(has_error(&errs, "t.conf:6: smtp_url must start"));
	assert_true(has_error(&errs, "contact b has an email address but"));
	assert_true(has_error(&errs, "t.conf:8: notify_group_window must"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

static void
test_vm_name(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	c = parse("[g;web3.example.net]\naddress 10.0.0.3\nvm_name web 3\n"
		  "[g;db1]\naddress 10.0.0.4\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(
	    conf_host_find(c, "web3.example.net")->vm_name, "web 3");
	assert_null(conf_host_find(c, "db1")->vm_name);
	/* printed when set; an unset physical is not printed: it is the
	 * host's own or learned from a hypervisor, never config */
	f = open_memstream(&buf, &len);
	conf_print(c, f);
	fclose(f);
	assert_non_null(strstr(buf, "    vm_name web 3\n"));
	assert_null(strstr(buf, "    physical "));
	free(buf);
	conf_free(c);
	/* bad values name file and line */
	c = parse("[a]\naddress 10.0.0.1\nvm_name \001x\n", &errs);
	assert_true(has_error(&errs, "t.conf:3: vm_name has a control"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	c = parse(
	    "[a]\naddress 10.0.0.1\nvm_name "
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	    "xx\n",
	    &errs);
	assert_true(has_error(&errs, "t.conf:3: vm_name must be 1-127"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	/* one guest is one host */
	c = parse("[a]\naddress 10.0.0.1\nvm_name web3\n"
		  "[b]\naddress 10.0.0.2\n\nvm_name WEB3\n",
	    &errs);
	assert_true(has_error(&errs, "t.conf:7: vm_name WEB3 is also host a's "
				     "(t.conf:3)"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

static void
test_print_roundtrip(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c, *c2;
	char *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0;
	FILE *f;

	(void)state;
	c = parse("interval 120\n[A;B;h.example.com]\naddress 127.0.0.1\n"
		  "physical p1\ncpu.user.warning 90\n",
	    &errs);
	f = open_memstream(&buf, &len);
	conf_print(c, f);
	fclose(f);
	assert_non_null(strstr(buf, "[A;B;h.example.com]\n"));
	assert_non_null(strstr(buf, "    physical p1\n"));
	c2 = parse(buf, &errs);
	assert_int_equal(errs.n, 0);
	f = open_memstream(&buf2, &len2);
	conf_print(c2, f);
	fclose(f);
	assert_string_equal(buf, buf2);
	free(buf);
	free(buf2);
	conf_free(c);
	conf_free(c2);
}

/* cgroup_root: where the vm probe reads cgroups, given to the node
 * source, printed back; /sys/fs/cgroup by default. */
static void
test_cgroup_root(void **state)
{
	struct conf_errors errs = {0};
	struct source_host sh;
	struct conf *c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	c = parse("interval 60\n[h]\naddress 127.0.0.1\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->cgroup_root, "/sys/fs/cgroup");
	conf_free(c);
	c = parse("cgroup_root /srv/cg\n[h]\naddress 127.0.0.1\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->cgroup_root, "/srv/cg");
	conf_host_source(c, conf_host_find(c, "h"), &source_node, &sh);
	assert_string_equal(sh.roots.cgroup, "/srv/cg");
	f = open_memstream(&buf, &len);
	conf_print(c, f);
	fclose(f);
	assert_non_null(strstr(buf, "\ncgroup_root /srv/cg\n"));
	free(buf);
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/* utmp_file: where the users probe reads, given to the node source,
 * printed back; the system's utmp by default. */
static void
test_utmp_file(void **state)
{
	struct conf_errors errs = {0};
	struct source_host sh;
	struct conf *c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	c = parse("interval 60\n[h]\naddress 127.0.0.1\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->utmp_file, "/var/run/utmp");
	conf_free(c);
	c = parse(
	    "utmp_file /tmp/fixture/utmp\n[h]\naddress 127.0.0.1\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->utmp_file, "/tmp/fixture/utmp");
	conf_host_source(c, conf_host_find(c, "h"), &source_node, &sh);
	assert_string_equal(sh.roots.utmp, "/tmp/fixture/utmp");
	f = open_memstream(&buf, &len);
	conf_print(c, f);
	fclose(f);
	assert_non_null(strstr(buf, "\nutmp_file /tmp/fixture/utmp\n"));
	free(buf);
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/* The forecast's keys: global defaults, host keys over them, an
 * override's "cutoff", range errors, and printed back. */
static void
test_cutoff_keys(void **state)
{
	struct conf_errors errs = {0};
	struct forecast_settings fs;
	struct conf *c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	c = parse("[h]\naddress 127.0.0.1\n", &errs);
	assert_int_equal(errs.n, 0);
	conf_host_forecast(c, conf_host_find(c, "h"), &fs);
	assert_int_equal(fs.window, 1800);
	assert_int_equal(fs.warning, 180);
	assert_int_equal(fs.critical, 60);
	assert_false(fs.has_cutoff);
	conf_free(c);
	c = parse("cutoff_window 900\ncutoff_warning 240\n"
		  "cutoff_critical 90\n"
		  "[h]\naddress 127.0.0.1\ncutoff_window 600\n"
		  "cutoff_critical 30\nbank_cutoff 23.2\n"
		  "bank_ups.voltage.cutoff 23.6\n"
		  "[g]\naddress 127.0.0.2\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	conf_host_forecast(c, conf_host_find(c, "h"), &fs);
	assert_int_equal(fs.window, 600);
	assert_int_equal(fs.warning, 240);
	assert_int_equal(fs.critical, 30);
	assert_true(fs.has_cutoff);
	assert_true(fs.cutoff > 23.19 && fs.cutoff < 23.21);
	conf_host_forecast(c, conf_host_find(c, "g"), &fs);
	assert_int_equal(fs.window, 900);
	assert_int_equal(fs.critical, 90);
	assert_false(fs.has_cutoff);
	assert_string_equal(attrs_get(&conf_host_find(c, "h")->overrides,
				"bank_ups.voltage.cutoff"),
	    "23.6");
	f = open_memstream(&buf, &len);
	conf_print(c, f);
	fclose(f);
	assert_non_null(strstr(buf, "\ncutoff_window 900\ncutoff_warning "
				    "240\ncutoff_critical 90\n"));
	assert_non_null(strstr(buf, "\n    cutoff_window 600\n"));
	assert_non_null(strstr(buf, "\n    cutoff_critical 30\n"));
	assert_non_null(strstr(buf, "\n    bank_cutoff 23.2\n"));
	free(buf);
	conf_free(c);
	/* bad values name the line */
	c = parse("cutoff_window 10\n[h]\naddress 127.0.0.1\n"
		  "bank_cutoff twelve\ncutoff_warning 0\n",
	    &errs);
	assert_int_equal(errs.n, 3);
	assert_true(has_error(&errs, "t.conf:1: cutoff_window must be"));
	assert_true(has_error(&errs, "t.conf:4: bank_cutoff must be"));
	assert_true(has_error(&errs, "t.conf:5: cutoff_warning must be"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	/* critical above warning would never warn */
	c = parse("cutoff_warning 50\n[h]\naddress 127.0.0.1\n", &errs);
	assert_int_equal(errs.n, 1);
	assert_true(has_error(&errs, "cutoff_critical (60) is larger than "
				     "cutoff_warning (50)"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/* "user" and "group" name existing accounts (checked with file:line)
 * and print back; without "user" the default is printed as what it is. */
static void
test_user_group(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	c = parse("interval 60\nuser nobody\ngroup nogroup\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->user, "nobody");
	assert_string_equal(c->group, "nogroup");
	f = open_memstream(&buf, &len);
	conf_print(c, f);
	fclose(f);
	assert_non_null(strstr(buf, "\nuser nobody\ngroup nogroup\n"));
	free(buf);
	conf_free(c);
	c = parse("user no-such-user-x\n\ngroup no-such-group-x\n", &errs);
	assert_true(has_error(
	    &errs, "t.conf:1: user \"no-such-user-x\" does not exist"));
	assert_true(has_error(
	    &errs, "t.conf:3: group \"no-such-group-x\" does not exist"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	c = parse("interval 60\n", &errs);
	assert_null(c->user);
	buf = NULL;
	f = open_memstream(&buf, &len);
	conf_print(c, f);
	fclose(f);
	assert_true(strstr(buf, "\nuser drover\n") != NULL ||
		    strstr(buf, "\n# user drover: no such account") != NULL);
	free(buf);
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/* A password file of mode mode holding "secret\n"; its path in out. */
static void
password_file(char *out, size_t len, mode_t mode)
{
	FILE *f;
	int fd;

	snprintf(out, len, "/tmp/drover-test-pw.XXXXXX");
	fd = mkstemp(out);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs("secret\n", f);
	fclose(f);
	assert_int_equal(chmod(out, mode), 0);
}

static void
test_ipmi_keys(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	struct conf_host *h;
	const struct bmc_settings *bs;
	struct source_host sh;
	char pw[64], text[1024];

	(void)state;
	password_file(pw, sizeof(pw), 0600);
	snprintf(text, sizeof(text),
	    "interval 60\n"
	    "[hv1.example.com]\n"
	    " address 10.0.0.1\n"
	    " ipmi_address 10.0.1.1:6230\n"
	    " ipmi_user monitor\n"
	    " ipmi_password_file %s\n"
	    " ipmi_protocol 1.5\n"
	    " ipmi_privilege operator\n"
	    " ipmi_cipher_suite 17\n"
	    " ipmi_workarounds authcap,idzero\n"
	    " ipmi_interval 30\n"
	    " ipmi_timeout 5\n"
	    " ipmi_sel_interval 0\n"
	    " ipmi_volts._12V.warning 11.4:12.6\n"
	    "[bmc-only.example.com]\n"
	    " ipmi_address 10.0.1.2\n",
	    pw);
	c = parse(text, &errs);
	assert_int_equal(errs.n, 0);
	h = conf_host_find(c, "hv1.example.com");
	bs = bmc_of(c, h, &sh);
	assert_true(bmc_wanted(&sh));
	assert_string_equal(bs->address, "10.0.1.1");
	assert_int_equal(bs->port, 6230);
	assert_string_equal(bs->user, "monitor");
	assert_string_equal(bs->password, "secret");
	assert_int_equal(bs->protocol, 15);
	assert_int_equal(bs->privilege, IPMI_PRIV_OPERATOR);
	assert_int_equal(bs->cipher_suite, 17);
	assert_int_equal(bs->workaround_flags, 0x03);
	assert_int_equal(bmc_interval(&sh), 30);
	assert_int_equal(bmc_timeout(&sh), 5);
	/* 0 turns the slower full reads off */
	assert_int_equal(bmc_sel_interval(&sh), 0);
	/* an operator override is a plain Munin override */
	assert_string_equal(
	    attrs_get(&h->overrides, "ipmi_volts._12V.warning"), "11.4:12.6");
	/* a bare BMC is a valid host: defaults, no munin-node address */
	h = conf_host_find(c, "bmc-only.example.com");
	bs = bmc_of(c, h, &sh);
	assert_null(h->address);
	assert_true(bmc_wanted(&sh));
	assert_int_equal(bs->port, 623);
	assert_int_equal(bs->protocol, 20);
	assert_int_equal(bs->privilege, IPMI_PRIV_USER);
	assert_int_equal(bs->cipher_suite, -1);
	assert_int_equal(bmc_interval(&sh), 60);
	assert_int_equal(bmc_timeout(&sh), 10);
	/* full reads (discrete sensors, SEL) every ten regular ones */
	assert_int_equal(bmc_sel_interval(&sh), 600);
	conf_free(c);
	unlink(pw);
}

/* conf_print's text of c, heap-allocated. */
static char *
printed(const struct conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	conf_print(c, f);
	fclose(f);
	return buf;
}

static void
test_vedirect_keys(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	const char *const *dev;
	struct source_host sh;
	char *out;

	(void)state;
	c = parse("[solar]\n"
		  " vedirect /dev/ttyUSB0\n"
		  " vedirect_name mppt1\n"
		  " vedirect /dev/ttyUSB1\n"
		  " vedirect_baud 9600\n"
		  " vedirect_nominal 24\n"
		  " bank_mppt1.voltage.warning 24.4:\n"
		  "[plain]\n"
		  " address 10.0.0.5\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	conf_host_source(c, conf_host_find(c, "solar"), &source_vedirect, &sh);
	assert_true(source_vedirect.wanted(&sh));
	dev = source_vedirect.devices(&sh);
	assert_string_equal(dev[0], "/dev/ttyUSB0");
	assert_string_equal(dev[1], "/dev/ttyUSB1");
	assert_null(dev[2]);
	conf_host_source(c, conf_host_find(c, "plain"), &source_vedirect, &sh);
	assert_false(source_vedirect.wanted(&sh));
	out = printed(c);
	assert_non_null(strstr(out, "    vedirect /dev/ttyUSB0\n"
				    "    vedirect_name mppt1\n"
				    "    vedirect /dev/ttyUSB1\n"
				    "    vedirect_baud 9600\n"
				    "    vedirect_nominal 24\n"));
	free(out);
	conf_free(c);

	/* defaults are printed */
	c = parse("[solar]\n vedirect /dev/ttyUSB0\n", &errs);
	assert_int_equal(errs.n, 0);
	out = printed(c);
	assert_non_null(strstr(out, "    vedirect /dev/ttyUSB0\n"
				    "    vedirect_baud 19200\n"));
	assert_null(strstr(out, "vedirect_nominal"));
	free(out);
	conf_free(c);
}

static void
test_vedirect_bad_values(void **state)
{
	static const struct {
		const char *line, *error;
	} bad[] = {
	    {"vedirect ttyUSB0", "vedirect takes the absolute path"},
	    {"vedirect_name x", "vedirect_name names the port"},
	    {"vedirect_baud 12345", "vedirect_baud must be 1200"},
	    {"vedirect_nominal 36", "vedirect_nominal must be 12, 24 or 48"},
	};
	struct conf_errors errs = {0};
	struct conf *c;
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&errs, 0, sizeof(errs));
		snprintf(text, sizeof(text), "[solar]\n %s\n", bad[i].line);
		c = parse(text, &errs);
		assert_true(has_error(&errs, bad[i].error));
		conf_free(c);
		conf_errors_cleanup(&errs);
	}
	/* the same port twice; two ports that would share a service */
	memset(&errs, 0, sizeof(errs));
	c = parse(
	    "[solar]\n vedirect /dev/ttyUSB0\n vedirect /dev/ttyUSB0\n", &errs);
	assert_true(has_error(&errs, "vedirect /dev/ttyUSB0 given twice"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	memset(&errs, 0, sizeof(errs));
	c = parse(
	    "[solar]\n vedirect /dev/a/port0\n vedirect /dev/b/port0\n", &errs);
	assert_true(has_error(&errs, "would both be bank_port0"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

static void
test_ipmi_local(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	struct conf_host *h;
	const struct bmc_settings *bs;
	struct source_host sh;

	(void)state;
	c = parse("interval 5\n[box]\n ipmi local\n", &errs);
	assert_int_equal(errs.n, 0);
	h = conf_host_find(c, "box");
	bs = bmc_of(c, h, &sh);
	assert_true(bs->local);
	assert_null(bs->address);
	assert_true(bmc_wanted(&sh));
	/* the deadline never exceeds the interval by default */
	assert_int_equal(bmc_timeout(&sh), 5);
	conf_free(c);
	c = parse("[box]\n ipmi remote\n", &errs);
	assert_true(has_error(&errs, "t.conf:2: ipmi takes only \"local\""));
	conf_free(c);
	conf_errors_cleanup(&errs);
	c = parse("[box]\n ipmi local\n ipmi_address 10.0.0.9\n", &errs);
	assert_true(has_error(&errs, "ipmi local and ipmi_address both set"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

static void
test_modbus_keys(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	struct source_host sh;
	char *text;

	(void)state;
	c = parse("interval 5\n"
		  "[solar;epever1]\n"
		  " modbus rtu:/dev/ttyUSB0:115200\n"
		  " modbus_map epever\n"
		  " modbus_register soc 0x311A u16 0.5 % input\n"
		  " bank_chemistry lifepo4\n"
		  "[solar;shunt]\n"
		  " modbus tcp://10.0.2.7:1502\n"
		  " modbus_unit 17\n"
		  " modbus_name house\n"
		  " modbus_timeout 3\n"
		  " bank_nominal 48\n"
		  " modbus_register voltage 256 u32 0.001 V\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	conf_host_source(c, conf_host_find(c, "epever1"), &source_modbus, &sh);
	assert_true(source_modbus.wanted(&sh));
	/* the deadline never exceeds the interval by default */
	assert_int_equal(modbus_timeout(&sh), 5);
	assert_non_null(source_modbus.devices(&sh));
	assert_string_equal(source_modbus.devices(&sh)[0], "/dev/ttyUSB0");
	conf_host_source(c, conf_host_find(c, "shunt"), &source_modbus, &sh);
	assert_int_equal(modbus_timeout(&sh), 3);
	assert_null(source_modbus.devices(&sh));
	text = printed(c);
	assert_non_null(strstr(text, "    modbus rtu:/dev/ttyUSB0:115200:8N1\n"
				     "    modbus_unit 1\n"
				     "    modbus_map epever\n"
				     "    modbus_register soc 0x311A u16 0.5 % "
				     "input\n"
				     "    modbus_name epever1_1\n"
				     "    modbus_timeout 5\n"
				     "    bank_nominal 12\n"
				     "    bank_chemistry lifepo4\n"));
	assert_non_null(strstr(text, "    modbus tcp://10.0.2.7:1502\n"
				     "    modbus_unit 17\n"
				     "    modbus_register voltage 0x0100 u32 "
				     "0.001 V holding\n"
				     "    modbus_name house\n"
				     "    modbus_timeout 3\n"
				     "    bank_nominal 48\n"));
	free(text);
	conf_free(c);
}

static void
test_modbus_errors(void **state)
{
	static const struct {
		const char *line, *want;
	} bad[] = {
	    {"modbus 10.0.0.1", "t.conf:2: modbus takes tcp://HOST[:PORT]"},
	    {"modbus tcp://10.0.0.1:99999", "t.conf:2: invalid port"},
	    {"modbus rtu:ttyUSB0:9600", "t.conf:2: modbus rtu takes"},
	    {"modbus rtu:/dev/ttyS0", "t.conf:2: modbus rtu takes"},
	    {"modbus rtu:/dev/ttyS0:fast", "t.conf:2: modbus rtu: bad baud"},
	    {"modbus rtu:/dev/ttyS0:9600:8X1",
		"t.conf:2: modbus rtu: bad frame"},
	    {"modbus_unit 0", "t.conf:2: modbus_unit must be 1-255"},
	    {"modbus_unit 256", "t.conf:2: modbus_unit must be 1-255"},
	    {"modbus_map tracer", "t.conf:2: modbus_map: no built-in map "
				  "\"tracer\" (there are: epever"},
	    {"modbus_register v 0x3104 u16", "t.conf:2: modbus_register takes"},
	    {"modbus_register v 0x3104 float 1", "t.conf:2: modbus_register v: "
						 "unknown type \"float\""},
	    {"modbus_timeout 0", "t.conf:2: modbus_timeout must be 1-3600"},
	    {"modbus_name a/b", "t.conf:2: modbus_name must be one word"},
	    {"bank_nominal 13", "t.conf:2: bank_nominal must be 12, 24"},
	    {"bank_chemistry nimh", "t.conf:2: bank_chemistry must be"},
	};
	struct conf_errors errs = {0};
	struct conf *c;
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text),
		    "[h]\n %s\n modbus tcp://10.0.0.1\n modbus_map epever\n",
		    bad[i].line);
		c = parse(text, &errs);
		if (!has_error(&errs, bad[i].want))
			fail_msg("\"%s\": no error \"%s\" (%zu errors: %s)",
			    bad[i].line, bad[i].want, errs.n,
			    errs.n > 0 ? errs.v[0] : "");
		conf_free(c);
		conf_errors_cleanup(&errs);
	}
	/* a register defined twice, keys without a device, no registers,
	 * a serial unit above 247 */
	c = parse("[h]\n modbus tcp://10.0.0.1\n modbus_register v 1 u16 1\n"
		  " modbus_register v 2 u16 1\n",
	    &errs);
	assert_true(has_error(&errs, "t.conf:4: modbus_register v: defined "
				     "twice"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	c = parse("[h]\n modbus_map epever\n", &errs);
	assert_true(has_error(&errs, "modbus_* keys without a modbus device"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	c = parse("[h]\n modbus tcp://10.0.0.1\n", &errs);
	assert_true(has_error(&errs, "modbus: no registers to read"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	c = parse("[h]\n modbus rtu:/dev/ttyS0:9600\n modbus_unit 248\n"
		  " modbus_map epever\n",
	    &errs);
	assert_true(has_error(&errs, "modbus_unit must be 1-247 on a serial"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

static void
test_ipmi_password_file_must_be_private(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	char pw[64], text[512];

	(void)state;
	password_file(pw, sizeof(pw), 0640);
	snprintf(text, sizeof(text),
	    "[bmc]\n ipmi_address 10.0.0.1\n ipmi_password_file %s\n", pw);
	c = parse(text, &errs);
	assert_true(has_error(&errs, "t.conf:3: ipmi_password_file"));
	assert_true(has_error(&errs, "accessible by group or others (mode "
				     "0640)"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	unlink(pw);
	c = parse(text, &errs);
	assert_true(has_error(&errs, "No such file or directory"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

static void
test_ipmi_bad_values(void **state)
{
	static const struct {
		const char *line;
		const char *error;
	} cases[] = {
	    {"ipmi_protocol 3.0", "ipmi_protocol must be 2.0 or 1.5"},
	    {"ipmi_privilege root", "ipmi_privilege must be user"},
	    {"ipmi_cipher_suite 99", "ipmi_cipher_suite must be 0-17"},
	    {"ipmi_workarounds opensesspriv,nosuch", "unknown workaround "
						     "\"nosuch\""},
	    {"ipmi_interval 0", "ipmi_interval must be 1-86400"},
	    {"ipmi_timeout x", "ipmi_timeout must be 1-86400"},
	    {"ipmi_sel_interval -1", "ipmi_sel_interval must be 0 (off) or "
				     "1-864000 seconds"},
	    {"ipmi_sel_interval 864001", "ipmi_sel_interval must be 0"},
	    {"ipmi_address 10.0.0.1:99999", "invalid port in address"},
	    {"ipmi_user abcdefghijklmnopq", "ipmi_user is longer than 16"},
	    {"ipmi_bogus 1", "unknown keyword \"ipmi_bogus\""},
	};
	struct conf_errors errs = {0};
	struct conf *c;
	char text[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
		    "[bmc]\n ipmi_address 10.0.0.1\n %s\n", cases[i].line);
		c = parse(text, &errs);
		if (!has_error(&errs, cases[i].error))
			fail_msg("%s: want \"%s\", got %zu errors (%s)",
			    cases[i].line, cases[i].error, errs.n,
			    errs.n ? errs.v[0] : "");
		assert_true(has_error(&errs, "t.conf:3:"));
		conf_free(c);
		conf_errors_cleanup(&errs);
	}
	/* a host with neither address nor BMC: accepted, never polled */
	c = parse("[nothing]\n use_node_name yes\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(
	    conf_host_unpolled_reason(c, conf_host_find(c, "nothing")),
	    CONF_NO_ADDRESS);
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/* The nut source's keys: several UPSes, login, interval, deadline; the
 * print round-trips and never shows the password; bad values are errors
 * naming the line. */
static void
test_nut_keys(void **state)
{
	static const struct {
		const char *lines;
		const char *error;
	} bad[] = {
	    {" nut @127.0.0.1\n", "nut takes UPS@HOST[:PORT]"},
	    {" nut a b@h\n", "nut takes UPS@HOST[:PORT]"},
	    {" nut u@munin://h\n", "no URL"},
	    {" nut u@h:99999\n", "invalid port in address"},
	    {" nut u@h\n nut_interval 0\n", "nut_interval must be 1-86400"},
	    {" nut u@h\n nut_timeout x\n", "nut_timeout must be 1-86400"},
	    {" nut u@h\n nut_user a\"b\n", "nut_user must be"},
	    {" nut u@h\n nut_user mon\n", "nut_user needs nut_password_file"},
	    {" nut u@h\n nut u@h2\n", "would both be bank_u"},
	    {" nut_interval 5\n", "nut_* keys without a nut UPS@HOST line"},
	    {" nut u@h\n nut_password_file /nonexistent/pw\n",
		"nut_password_file /nonexistent/pw: No such file"},
	};
	struct conf_errors errs = {0};
	struct conf *c, *c2;
	struct conf_host *h;
	const struct nut_settings *ns;
	struct source_host sh;
	char pw[64], text[1024], *buf = NULL, *buf2 = NULL;
	size_t len = 0, len2 = 0, i;
	FILE *f;

	(void)state;
	password_file(pw, sizeof(pw), 0600);
	snprintf(text, sizeof(text),
	    "interval 60\n"
	    "[solar]\n"
	    " nut bank@10.0.0.5\n"
	    " nut ups2@[::1]:3500\n"
	    " nut_user monitor\n"
	    " nut_password_file %s\n"
	    " nut_interval 10\n"
	    " nut_timeout 4\n"
	    "[local]\n"
	    " nut ups1\n",
	    pw);
	c = parse(text, &errs);
	assert_int_equal(errs.n, 0);
	h = conf_host_find(c, "solar");
	conf_host_source(c, h, &source_nut, &sh);
	ns = sh.settings;
	assert_non_null(ns);
	assert_true(source_nut.wanted(&sh));
	assert_null(h->address); /* a bare UPS host is a valid host */
	assert_int_equal(ns->nups, 2);
	assert_string_equal(ns->ups[0].name, "bank");
	assert_string_equal(ns->ups[0].host, "10.0.0.5");
	assert_int_equal(ns->ups[0].port, 3493);
	assert_string_equal(ns->ups[1].name, "ups2");
	assert_string_equal(ns->ups[1].host, "::1");
	assert_int_equal(ns->ups[1].port, 3500);
	assert_string_equal(ns->user, "monitor");
	assert_string_equal(ns->password, "secret");
	assert_int_equal(nut_interval(&sh), 10);
	assert_int_equal(nut_timeout(&sh), 4);
	h = conf_host_find(c, "local");
	conf_host_source(c, h, &source_nut, &sh);
	ns = sh.settings;
	assert_string_equal(ns->ups[0].host, "localhost");
	assert_null(ns->user);
	assert_int_equal(nut_interval(&sh), 60);
	assert_int_equal(nut_timeout(&sh), 10);

	f = open_memstream(&buf, &len);
	conf_print(c, f);
	fclose(f);
	assert_non_null(strstr(buf, "    nut bank@10.0.0.5:3493\n"
				    "    nut ups2@[::1]:3500\n"
				    "    nut_user monitor\n"));
	assert_non_null(strstr(buf, "    nut_interval 10\n"
				    "    nut_timeout 4\n"));
	assert_non_null(strstr(buf, "    nut ups1@localhost:3493\n"
				    "    nut_interval 60\n"
				    "    nut_timeout 10\n"));
	assert_null(strstr(buf, "secret"));
	c2 = parse(buf, &errs);
	assert_int_equal(errs.n, 0);
	f = open_memstream(&buf2, &len2);
	conf_print(c2, f);
	fclose(f);
	assert_string_equal(buf, buf2);
	free(buf);
	free(buf2);
	conf_free(c);
	conf_free(c2);

	/* a password others can read is refused */
	assert_int_equal(chmod(pw, 0640), 0);
	snprintf(text, sizeof(text),
	    "[u]\n nut u@h\n nut_user mon\n nut_password_file %s\n", pw);
	c = parse(text, &errs);
	assert_true(has_error(&errs, "t.conf:4: nut_password_file"));
	assert_true(has_error(&errs, "accessible by group or others"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	unlink(pw);

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "[u]\n%s", bad[i].lines);
		c = parse(text, &errs);
		if (!has_error(&errs, bad[i].error))
			fail_msg("%s: want \"%s\", got %zu errors (%s)",
			    bad[i].lines, bad[i].error, errs.n,
			    errs.n ? errs.v[0] : "");
		conf_free(c);
		conf_errors_cleanup(&errs);
	}
}

/* Parses text as parse() does, with the log (info and up) in *log, which
 * the caller frees. */
static struct conf *
parse_logged(const char *text, struct conf_errors *errs, char **log)
{
	FILE *cap = tmpfile();
	struct conf *c;
	long n;

	assert_non_null(cap);
	log_init(false, LOG_LVL_INFO);
	log_set_stream(cap);
	c = parse(text, errs);
	log_set_stream(NULL);
	n = ftell(cap);
	assert_true(n >= 0);
	*log = calloc(1, (size_t)n + 1);
	assert_non_null(*log);
	rewind(cap);
	assert_int_equal(fread(*log, 1, (size_t)n, cap), (size_t)n);
	fclose(cap);
	return c;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/*
 * A host section with no address (Munin's own t/config/munin.conf has two;
 * a group written as "[Nodes;MongoDB]" without the ';' is one): Munin
 * accepts the file and fails only that node at update time.  drover too:
 * no error, one warning naming file:line with Munin's words, and the host
 * is known as unpolled with exactly that reason; "update no" hosts and
 * the others are not.
 */
static void
test_address_less_host(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	char *log;

	(void)state;
	c = parse_logged("[a]\n address 127.0.0.1\n port 24949\n"
			 "[testing.acme.com]\n port 24950\n"
			 "[Nodes;MongoDB]\nnode_order dbs1t1 dbs1t2\n"
			 "[v]\n update no\n",
	    &errs, &log);
	assert_int_equal(errs.n, 0);
	assert_non_null(strstr(log, "warning: conf: t.conf:4: host "
				    "testing.acme.com has no address"));
	assert_non_null(strstr(log, "conf: t.conf:6: host MongoDB has no "
				    "address"));
	assert_non_null(strstr(log, CONF_NO_ADDRESS));
	assert_int_equal(count_lines(log), 2);
	assert_string_equal(
	    conf_host_unpolled_reason(c, conf_host_find(c, "testing.acme.com")),
	    "No address!  Did you forget to set 'update no' or to set "
	    "'address <IP>' ?");
	assert_string_equal(
	    conf_host_unpolled_reason(c, conf_host_find(c, "MongoDB")),
	    CONF_NO_ADDRESS);
	assert_null(conf_host_unpolled_reason(c, conf_host_find(c, "a")));
	assert_null(conf_host_unpolled_reason(c, conf_host_find(c, "v")));
	free(log);
	conf_free(c);
}

/*
 * contact.NAME.KEY with a KEY drover's contacts do not use: Munin keeps
 * any key whose last word is one of its keywords, so drover accepts it
 * with one info line ("contact.me.contact"); a last word Munin does not
 * know either is still an error naming the line.
 */
static void
test_contact_keys_munin_knows(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	char *log;

	(void)state;
	c = parse_logged("contact.me.contact root\n"
			 "contact.me.command mail -s x root\n"
			 "contact.nagios.graph_title x\n",
	    &errs, &log);
	assert_int_equal(errs.n, 0);
	assert_non_null(strstr(log, "info: conf: t.conf:1: "
				    "\"contact.me.contact\" is a Munin "
				    "contact setting drover does not use; "
				    "ignored"));
	assert_non_null(
	    strstr(log, "t.conf:3: \"contact.nagios.graph_title\""));
	assert_int_equal(count_lines(log), 2);
	assert_string_equal(
	    contact_set_find(&c->contacts, "me")->command, "mail -s x root");
	assert_null(contact_set_find(&c->contacts, "nagios"));
	free(log);
	conf_free(c);

	c = parse("contact.me.comand mail root\ncontact.me.alert_attempts 3\n",
	    &errs);
	assert_true(has_error(&errs, "t.conf:1: unknown contact keyword "
				     "\"comand\": \"contact.me.comand"));
	assert_true(has_error(&errs, "t.conf:2: unknown contact keyword "
				     "\"alert_attempts\""));
	assert_int_equal(errs.n, 2);
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/*
 * A key alone on its line is Munin's key without a value: accepted when
 * its last word is Munin's and not a boolean (then Munin refuses it), as
 * "contacts" in a host section or "graph_period" globally; ignored with
 * an info line.  Anything else is still "missing value".
 */
static void
test_key_without_value(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	char *log;

	(void)state;
	c = parse_logged("graph_period\n[a]\n address 10.0.0.1\n contacts\n"
			 " load.load.warning\n",
	    &errs, &log);
	assert_int_equal(errs.n, 0);
	assert_non_null(strstr(log, "t.conf:1: \"graph_period\" has no value; "
				    "ignored"));
	assert_non_null(strstr(log, "t.conf:4: \"contacts\" has no value"));
	assert_non_null(strstr(log, "t.conf:5: \"load.load.warning\" has no"));
	assert_string_equal(conf_host_find(c, "a")->address, "10.0.0.1");
	free(log);
	conf_free(c);

	c = parse("[a]\n address 10.0.0.1\n update\n use_node_name\n"
		  " frobnicate\n interval\n",
	    &errs);
	assert_true(has_error(&errs, "t.conf:3: update must be yes or no"));
	assert_true(
	    has_error(&errs, "t.conf:4: use_node_name must be yes or no"));
	assert_true(has_error(&errs, "t.conf:5: missing value for "
				     "\"frobnicate\""));
	assert_true(has_error(&errs, "t.conf:6: missing value for "
				     "\"interval\""));
	assert_int_equal(errs.n, 4);
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/* "port 0": Munin connects to "port || 4949", so 0 is 4949, with an
 * info line naming file:line. */
static void
test_port_zero_is_munin_default(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	char *log;

	(void)state;
	c = parse_logged("[a]\n address 10.0.0.1\n port 0\n", &errs, &log);
	assert_int_equal(errs.n, 0);
	assert_int_equal(conf_host_find(c, "a")->port, 4949);
	assert_non_null(strstr(log, "info: conf: t.conf:3: port 0 is 4949"));
	free(log);
	conf_free(c);
}

/*
 * Munin's long form of a key in the global section, "GROUP;HOST:KEY" and
 * "GROUP;KEY": the same as KEY under [GROUP;HOST] or [GROUP;], and the
 * section the lines are in does not change.
 */
static void
test_long_keys(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;
	struct conf_host *h;

	(void)state;
	c = parse("localdomain;localhost:address 127.0.0.1\n"
		  "localdomain;localhost:load.load.warning 5\n"
		  "dc;web;w1:port 4950\n"
		  "localdomain;node_order localhost\n"
		  "htmldir /tmp/www\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	h = conf_host_find(c, "localhost");
	assert_non_null(h);
	assert_string_equal(h->group, "localdomain");
	assert_string_equal(h->address, "127.0.0.1");
	assert_string_equal(attrs_get(&h->overrides, "load.load.warning"), "5");
	h = conf_host_find(c, "w1");
	assert_string_equal(h->group, "dc;web");
	assert_int_equal(h->port, 4950);
	assert_string_equal(
	    attrs_get(&c->groups, "localdomain;node_order"), "localhost");
	assert_string_equal(c->htmldir, "/tmp/www");
	conf_free(c);

	c = parse("g;h: 1\ng;h:bogus 1\nbad/g;h:address 1.2.3.4\n", &errs);
	assert_true(has_error(&errs, "t.conf:1: no keyword after \"g;h:\""));
	assert_true(has_error(&errs, "t.conf:2: unknown keyword \"bogus\""));
	assert_true(has_error(&errs, "t.conf:3: invalid group name"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/* Munin 2.0's address forms (Munin::Master::Node::_do_connect with URI.pm),
 * drover's TCP forms unchanged, and what is refused. */
static void
test_address_forms(void **state)
{
	struct source_address a;
	char err[256];

	(void)state;
	assert_int_equal(source_address_parse("ssh://bastion/usr/bin/nc node "
					      "4949",
			     &a, err, sizeof(err)),
	    0);
	assert_int_equal(a.transport, SOURCE_SSH);
	assert_string_equal(a.host, "bastion");
	assert_int_equal(a.port, 0);
	assert_string_equal(a.user, "");
	assert_string_equal(a.command, "/usr/bin/nc node 4949");
	assert_int_equal(source_address_parse("ssh://munin@host:2222/usr/bin/"
					      "socat -  TCP:localhost:4949 ",
			     &a, err, sizeof(err)),
	    0);
	assert_string_equal(a.user, "munin");
	assert_string_equal(a.host, "host");
	assert_int_equal(a.port, 2222);
	assert_string_equal(a.command, "/usr/bin/socat -  TCP:localhost:4949");
	/* no path: the remote account's forced command */
	assert_int_equal(
	    source_address_parse("ssh://node1", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "node1");
	assert_string_equal(a.command, "");
	assert_int_equal(
	    source_address_parse("ssh://node1/", &a, err, sizeof(err)), 0);
	assert_string_equal(a.command, "");
	/* path "/" and parameters: the parameters are the command */
	assert_int_equal(source_address_parse("ssh://node1/ nc localhost 4949",
			     &a, err, sizeof(err)),
	    0);
	assert_string_equal(a.command, "nc localhost 4949");
	/* an empty port is ssh's default; a password is dropped */
	assert_int_equal(source_address_parse(
			     "SSH://u:secret@h:/bin/nc", &a, err, sizeof(err)),
	    0);
	assert_int_equal(a.transport, SOURCE_SSH);
	assert_string_equal(a.user, "u");
	assert_int_equal(a.port, 0);
	assert_string_equal(a.command, "/bin/nc");
	/* IPv6 in brackets, with a port; a query is dropped as URI.pm does */
	assert_int_equal(source_address_parse("ssh://root@[2001:db8::7]:22/"
					      "usr/bin/nc?x=1 ::1 4949",
			     &a, err, sizeof(err)),
	    0);
	assert_string_equal(a.host, "2001:db8::7");
	assert_int_equal(a.port, 22);
	assert_string_equal(a.command, "/usr/bin/nc ::1 4949");
	assert_int_equal(
	    source_address_parse("ssh://[::1]/bin/nc", &a, err, sizeof(err)),
	    0);
	assert_string_equal(a.host, "::1");
	/* cmd://: host and user ignored, the path is the program */
	assert_int_equal(source_address_parse("cmd:///usr/bin/munin-async "
					      "--spoolfetch",
			     &a, err, sizeof(err)),
	    0);
	assert_int_equal(a.transport, SOURCE_CMD);
	assert_string_equal(a.host, "");
	assert_string_equal(a.command, "/usr/bin/munin-async --spoolfetch");
	assert_int_equal(source_address_parse("cmd://ignored@here/bin/cat", &a,
			     err, sizeof(err)),
	    0);
	assert_string_equal(a.command, "/bin/cat");
	/* drover's TCP forms */
	assert_int_equal(
	    source_address_parse("munin://10.0.0.1:4950", &a, err, sizeof(err)),
	    0);
	assert_int_equal(a.transport, SOURCE_TCP);
	assert_string_equal(a.host, "10.0.0.1");
	assert_int_equal(a.port, 4950);
	assert_int_equal(
	    source_address_parse("[fe80::1]:4949", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "fe80::1");
	assert_int_equal(
	    source_address_parse("node.example.com", &a, err, sizeof(err)), 0);
	assert_string_equal(a.host, "node.example.com");
	assert_int_equal(a.port, 0);
	/* refused */
	assert_int_equal(
	    source_address_parse("cmd://", &a, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "without a program"));
	assert_int_equal(
	    source_address_parse("ssh:///usr/bin/nc", &a, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "host"));
	assert_int_equal(source_address_parse("ssh://-oProxyCommand=x/bin/nc",
			     &a, err, sizeof(err)),
	    -1);
	assert_int_equal(
	    source_address_parse("ssh://h:99999/bin/nc", &a, err, sizeof(err)),
	    -1);
	assert_non_null(strstr(err, "port"));
	assert_int_equal(
	    source_address_parse("ssh://[::1/bin/nc", &a, err, sizeof(err)),
	    -1);
	assert_int_equal(
	    source_address_parse("ssh://[::1]x/bin/nc", &a, err, sizeof(err)),
	    -1);
	/* the TCP-only helper of the BMC and Modbus keys */
	{
		char addr[64];
		unsigned port = 623;

		assert_int_equal(source_parse_address("ssh://h/x", addr,
				     sizeof(addr), &port, err, sizeof(err)),
		    -1);
		assert_int_equal(source_parse_address("[::1]:624", addr,
				     sizeof(addr), &port, err, sizeof(err)),
		    0);
		assert_string_equal(addr, "::1");
		assert_int_equal(port, 624);
	}
}

/* ssh:// and cmd:// hosts: kept whole, ssh_command and ssh_options with
 * Munin's defaults, global and per host, printed; bad ones by line. */
static void
test_ssh_cmd_hosts(void **state)
{
	struct conf_errors errs = {0};
	struct source_host sh;
	struct conf_host *h;
	struct conf *c;
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	c = parse("[a.test]\n  address ssh://munin@bastion:2222/usr/bin/nc "
		  "a 4949\n"
		  "[b.test]\n  address cmd:///usr/bin/socat - TCP:b:4949\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->ssh_command, "ssh");
	assert_string_equal(c->ssh_options,
	    "-o ChallengeResponseAuthentication=no -o "
	    "StrictHostKeyChecking=no");
	h = conf_host_find(c, "a.test");
	assert_string_equal(
	    h->address, "ssh://munin@bastion:2222/usr/bin/nc a 4949");
	assert_int_equal(h->port, 4949);
	assert_true(conf_host_polled(c, h));
	conf_host_source(c, h, &source_munin, &sh);
	assert_string_equal(sh.ssh_command, "ssh");
	fp = open_memstream(&text, &len);
	conf_print(c, fp);
	fclose(fp);
	assert_non_null(strstr(text, "\nssh_command ssh\n"));
	assert_non_null(strstr(text, "\nssh_options -o "
				     "ChallengeResponseAuthentication=no -o "
				     "StrictHostKeyChecking=no\n"));
	assert_non_null(strstr(text, "    address ssh://munin@bastion:2222/"
				     "usr/bin/nc a 4949\n"
				     "    use_node_name"));
	assert_non_null(strstr(text, "    address cmd:///usr/bin/socat - "
				     "TCP:b:4949\n"
				     "    use_node_name"));
	assert_non_null(strstr(text, "    ssh_command ssh\n"));
	free(text);
	text = NULL;
	conf_free(c);

	c = parse("ssh_command /usr/local/bin/ssh\n"
		  "ssh_options -i /etc/drover/id -o \"ProxyJump b\"\n"
		  "[a.test]\n  address ssh://a/usr/bin/nc localhost 4949\n"
		  "[b.test]\n  address ssh://b/usr/bin/nc localhost 4949\n"
		  "  ssh_options -F /etc/drover/ssh_config\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_string_equal(c->ssh_command, "/usr/local/bin/ssh");
	fp = open_memstream(&text, &len);
	conf_print(c, fp);
	fclose(fp);
	assert_non_null(strstr(text, "\nssh_options -i /etc/drover/id -o "
				     "\"ProxyJump b\"\n"));
	assert_non_null(strstr(text, "[test;a.test]\n"));
	assert_non_null(strstr(strstr(text, "[test;a.test]\n"),
	    "    ssh_command /usr/local/bin/ssh\n"
	    "    ssh_options -i /etc/drover/id -o \"ProxyJump b\"\n"));
	assert_non_null(strstr(strstr(text, "[test;b.test]\n"),
	    "    ssh_command /usr/local/bin/ssh\n"
	    "    ssh_options -F /etc/drover/ssh_config\n"));
	free(text);
	conf_free(c);

	c = parse("[a.test]\n  address cmd://\n"
		  "[b.test]\n  address ssh://[::1/bin/nc\n"
		  "[c.test]\n  address ssh://c:0/bin/nc\n",
	    &errs);
	/* each bad one (and then, maybe, its host without an address) */
	assert_true(errs.n >= 3);
	assert_true(
	    has_error(&errs, "t.conf:2: cmd address without a program"));
	assert_true(has_error(&errs, "t.conf:4: unterminated IPv6 address"));
	assert_true(has_error(&errs, "t.conf:6: invalid port in address"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

/* rrdcached_own: auto by default, from rrdcached_own_hosts hosts on;
 * yes and no force it; never beside rrdcached_socket (yes with it is an
 * error at its line); a bad value or count is an error at its line. */
static void
test_rrdcached_own(void **state)
{
	struct conf_errors errs = {0};
	struct conf *c;

	(void)state;
	c = parse("", &errs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(c->rrdcached_own, CONF_OWN_AUTO);
	assert_int_equal(c->rrdcached_own_hosts, CONF_OWN_RRDCACHED_HOSTS);
	assert_false(conf_own_rrdcached(c));
	conf_free(c);
	c = parse("rrdcached_own_hosts 2\n[a]\naddress 127.0.0.1\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_false(conf_own_rrdcached(c)); /* one host of two */
	conf_free(c);
	c = parse("rrdcached_own_hosts 2\n[a]\naddress 127.0.0.1\n"
		  "[b]\naddress 127.0.0.2\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_true(conf_own_rrdcached(c));
	conf_free(c);
	c = parse("rrdcached_own no\nrrdcached_own_hosts 1\n[a]\n"
		  "address 127.0.0.1\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_false(conf_own_rrdcached(c));
	conf_free(c);
	c = parse("rrdcached_own yes\n", &errs);
	assert_int_equal(errs.n, 0);
	assert_int_equal(c->rrdcached_own, CONF_OWN_YES);
	assert_true(conf_own_rrdcached(c));
	conf_free(c);
	/* Munin's key wins: with it set, auto never starts one */
	c = parse(
	    "rrdcached_socket /run/rrdcached.sock\nrrdcached_own_hosts 1\n"
	    "[a]\naddress 127.0.0.1\n",
	    &errs);
	assert_int_equal(errs.n, 0);
	assert_false(conf_own_rrdcached(c));
	conf_free(c);
	c = parse("interval 60\nrrdcached_socket /run/rrdcached.sock\n"
		  "rrdcached_own yes\n",
	    &errs);
	assert_int_equal(errs.n, 1);
	assert_true(has_error(&errs, "t.conf:3: rrdcached_own yes with "
				     "rrdcached_socket /run/rrdcached.sock"));
	conf_free(c);
	conf_errors_cleanup(&errs);
	c = parse(
	    "interval 60\nrrdcached_own maybe\nrrdcached_own_hosts 0\n", &errs);
	assert_int_equal(errs.n, 2);
	assert_true(has_error(
	    &errs, "t.conf:2: rrdcached_own must be auto, yes or no"));
	assert_true(has_error(
	    &errs, "t.conf:3: rrdcached_own_hosts must be a number from 1"));
	conf_free(c);
	conf_errors_cleanup(&errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_debian_munin_conf_parses),
	    cmocka_unit_test(test_munin_examples),
	    cmocka_unit_test(test_drover_keys_and_defaults),
	    cmocka_unit_test(test_pcap_keys),
	    cmocka_unit_test(test_pcap_names),
	    cmocka_unit_test(test_nagios_command_file),
	    cmocka_unit_test(test_comments_and_continuations),
	    cmocka_unit_test(test_errors_name_file_line_text),
	    cmocka_unit_test(test_load_refuses_config_with_errors),
	    cmocka_unit_test(test_includedir),
	    cmocka_unit_test(test_metrics_listen),
	    cmocka_unit_test(test_remote_write_keys),
	    cmocka_unit_test(test_rrdcached_own),
	    cmocka_unit_test(test_node_keys),
	    cmocka_unit_test(test_node_exec_keys),
	    cmocka_unit_test(test_local_node_target),
	    cmocka_unit_test(test_local_node_beside_munin),
	    cmocka_unit_test(test_probe_roots),
	    cmocka_unit_test(test_notify_keys),
	    cmocka_unit_test(test_print_roundtrip),
	    cmocka_unit_test(test_vm_name),
	    cmocka_unit_test(test_utmp_file),
	    cmocka_unit_test(test_cutoff_keys),
	    cmocka_unit_test(test_cgroup_root),
	    cmocka_unit_test(test_user_group),
	    cmocka_unit_test(test_ipmi_keys),
	    cmocka_unit_test(test_vedirect_keys),
	    cmocka_unit_test(test_vedirect_bad_values),
	    cmocka_unit_test(test_ipmi_local),
	    cmocka_unit_test(test_modbus_keys),
	    cmocka_unit_test(test_modbus_errors),
	    cmocka_unit_test(test_nut_keys),
	    cmocka_unit_test(test_ipmi_password_file_must_be_private),
	    cmocka_unit_test(test_ipmi_bad_values),
	    cmocka_unit_test(test_address_less_host),
	    cmocka_unit_test(test_contact_keys_munin_knows),
	    cmocka_unit_test(test_key_without_value),
	    cmocka_unit_test(test_long_keys),
	    cmocka_unit_test(test_port_zero_is_munin_default),
	    cmocka_unit_test(test_address_forms),
	    cmocka_unit_test(test_ssh_cmd_hosts),
	};

	log_init(false, LOG_LVL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
