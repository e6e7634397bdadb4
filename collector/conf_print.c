/*
 * conf_print: the normaliser behind "drover config" (conf_print in
 * conf.h): every effective key of a loaded config, defaults included,
 * one per line, global keys first, then contacts, group sections and
 * one "[GROUP;HOST]" section per host with its sources' settings.
 */
#include "config.h"

#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "collector/conf.h"
#include "collector/privdrop.h"
#include "collector/shard.h"
#include "plugins/source.h"
#include "plugins/sources.h"

void
conf_print(const struct conf *c, FILE *out)
{
	const struct conf_host *h;
	struct source_host sh;
	const char *p;
	size_t i, j, n;

	fprintf(out, "dbdir %s\nrundir %s\nlogdir %s\nhtmldir %s\n", c->dbdir,
	    c->rundir, c->logdir, c->htmldir);
	fprintf(out, "tmpldir %s\n", c->tmpldir);
	fprintf(out, "procfs_root %s\nsysfs_root %s\n", c->procfs_root,
	    c->sysfs_root);
	fprintf(out, "utmp_file %s\n", c->utmp_file);
	fprintf(out, "cgroup_root %s\n", c->cgroup_root);
	fprintf(out, "lvs_command %s\n", c->lvs_command);
	fprintf(out, "lvm_archive_dir %s\n", c->lvm_archive_dir);
	fprintf(out, "lvm_backup_dir %s\n", c->lvm_backup_dir);
	fprintf(out, "xl_command %s\n", c->xl_command);
	fprintf(out, "xentop_command %s\n", c->xentop_command);
	fprintf(out, "ssh_command %s\n", c->ssh_command);
	fprintf(out, "ssh_options %s\n", c->ssh_options);
	fprintf(out, "probe_command_timeout %u\n", c->probe_command_timeout);
	fprintf(out, "pcap_interfaces %s\n",
	    c->pcap_interfaces != NULL ? c->pcap_interfaces : "none");
	if (c->pcap_filter != NULL)
		fprintf(out, "pcap_filter %s\n", c->pcap_filter);
	for (p = c->pcap_names; p != NULL && *p != '\0'; p += n + 1) {
		n = strcspn(p, "\n");
		fprintf(out, "pcap_name %.*s\n", (int)n, p);
		if (p[n] == '\0')
			break;
	}
	fprintf(out, "pcap_snaplen %u\n", c->pcap_snaplen);
	fprintf(out, "pcap_promisc %s\n", c->pcap_promisc ? "yes" : "no");
	fprintf(out, "pcap_ignore_outgoing %s\n",
	    c->pcap_ignore_outgoing ? "yes" : "no");
	fprintf(out,
	    strchr(c->node_listen_addr, ':') ? "node_listen [%s]:%u\n"
					     : "node_listen %s:%u\n",
	    c->node_listen_addr, c->node_listen_port);
	node_allow_print(&c->node_allow, out);
	fprintf(out, "node_timeout %u\n", c->node_timeout);
	if (c->node_host_name != NULL)
		fprintf(out, "node_host_name %s\n", c->node_host_name);
	else
		fprintf(out, "# node_host_name: this machine's name, as "
			     "munin-node finds it\n");
	fprintf(out,
	    "node_plugin_dir %s\nnode_plugin_conf_dir %s\n"
	    "node_plugin_state %s\nnode_plugin_timeout %u\n",
	    c->node_plugin_dir, c->node_plugin_conf_dir, c->node_plugin_state,
	    c->node_plugin_timeout);
	if (c->node_exec.n > 0) {
		fputs("node_exec", out);
		for (i = 0; i < c->node_exec.n; i++)
			fprintf(out, " %s", c->node_exec.v[i]);
		fputc('\n', out);
	}
	if (c->includedir != NULL)
		fprintf(out, "includedir %s\n", c->includedir);
	if (c->rrdcached_socket != NULL)
		fprintf(out, "rrdcached_socket %s\n", c->rrdcached_socket);
	if (c->rrdcached_base_dir != NULL)
		fprintf(out, "rrdcached_base_dir %s\n", c->rrdcached_base_dir);
	/* the defaults (auto, CONF_OWN_RRDCACHED_HOSTS) are not printed */
	if (c->rrdcached_own != CONF_OWN_AUTO)
		fprintf(out, "rrdcached_own %s\n",
		    c->rrdcached_own == CONF_OWN_YES ? "yes" : "no");
	if (c->rrdcached_own_hosts != CONF_OWN_RRDCACHED_HOSTS)
		fprintf(
		    out, "rrdcached_own_hosts %u\n", c->rrdcached_own_hosts);
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
	if (c->metrics_listen_addr != NULL)
		fprintf(out,
		    strchr(c->metrics_listen_addr, ':')
			? "metrics_listen [%s]:%u\n"
			: "metrics_listen %s:%u\n",
		    c->metrics_listen_addr, c->metrics_listen_port);
	if (c->remote_write_url != NULL)
		fprintf(out, "remote_write_url %s\n", c->remote_write_url);
	fprintf(out,
	    "remote_write_queue_size %u\nremote_write_batch %u\n"
	    "remote_write_timeout %u\n",
	    c->rw_queue_mb, c->remote_write_batch, c->remote_write_timeout);
	if (c->shard_count > 0)
		fprintf(out, "shard %u/%u\n", c->shard_index, c->shard_count);
	if (c->shard_physical.n > 0) {
		fputs("shard_physical", out);
		for (i = 0; i < c->shard_physical.n; i++)
			fprintf(out, " %s", c->shard_physical.v[i]);
		fputc('\n', out);
	}
	for (i = 0; i < c->peers.n; i++)
		fprintf(out, "peer %s\n", c->peers.v[i]);
	fprintf(out, "local_node %s\n", c->local_node ? "yes" : "no");
	fprintf(out, "graph_cache %s\ngraph_cache_size %u\n", c->graph_cache,
	    c->graph_cache_mb);
	fprintf(out, "state_dir %s\n", c->state_dir);
	if (c->user != NULL)
		fprintf(out, "user %s\n", c->user);
	else if (getpwnam(PRIVDROP_DEFAULT_USER) != NULL)
		fprintf(out, "user %s\n", PRIVDROP_DEFAULT_USER);
	else
		fprintf(out, "# user %s: no such account, \"run\" stays root\n",
		    PRIVDROP_DEFAULT_USER);
	if (c->group != NULL)
		fprintf(out, "group %s\n", c->group);
	if (c->alert_attempts > 0)
		fprintf(out, "alert_attempts %u\n", c->alert_attempts);
	fprintf(out,
	    "cutoff_window %u\ncutoff_warning %u\ncutoff_critical %u\n",
	    c->cutoff_window, c->cutoff_warning, c->cutoff_critical);
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
		if (shard_enabled(c))
			fprintf(out, "    # shard: %s (key %s)\n",
			    shard_owns(c, h)
				? "polled here"
				: "owned by a peer, not polled here",
			    shard_key(h));
		if (h->address != NULL)
			fprintf(out,
			    strchr(h->address, ':') &&
				    !source_address_is_command(h->address)
				? "    address [%s]\n"
				: "    address %s\n",
			    h->address);
		if (h->address == NULL ||
		    !source_address_is_command(h->address))
			fprintf(out, "    port %u\n", h->port);
		fprintf(out, "    use_node_name %s\n",
		    h->use_node_name ? "yes" : "no");
		if (!h->update)
			fprintf(out, "    update no\n");
		/* unset: its own, or the hypervisor that reports it, which
		 * is learned while running and no config */
		if (h->physical != NULL)
			fprintf(out, "    physical %s\n", h->physical);
		if (h->vm_name != NULL)
			fprintf(out, "    vm_name %s\n", h->vm_name);
		fprintf(out, "    interval %u\n", conf_host_interval(c, h));
		fprintf(out, "    timeout %u\n", conf_host_timeout(c, h));
		if (h->cutoff_window > 0)
			fprintf(
			    out, "    cutoff_window %u\n", h->cutoff_window);
		if (h->cutoff_warning > 0)
			fprintf(
			    out, "    cutoff_warning %u\n", h->cutoff_warning);
		if (h->cutoff_critical > 0)
			fprintf(out, "    cutoff_critical %u\n",
			    h->cutoff_critical);
		if (h->has_bank_cutoff)
			fprintf(out, "    bank_cutoff %g\n", h->bank_cutoff);
		for (j = 0; j < nsources; j++) {
			conf_host_source(c, h, sources[j], &sh);
			/* a source a host uses prints its defaults too */
			if ((sh.settings == NULL && !sources[j]->wanted(&sh)) ||
			    sources[j]->settings_print == NULL)
				continue;
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
