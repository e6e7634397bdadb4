/*
 * conf: munin.conf-compatible configuration (a superset of munin.conf).
 *
 * A munin.conf parses unchanged: global keys, contact.* lines, host sections
 * [NAME], [GROUP;NAME], [A;B;NAME], group sections [GROUP;] and per-host
 * plugin overrides such as "load.load.warning 5".  Keys Munin knows but
 * drover does not use are kept and reported once at info level.  drover adds
 * its own keys (interval, max_concurrency, physical_concurrency, timeout,
 * connect_timeout, idle_timeout, listen, metrics_listen, local_node,
 * nagios_command_file; the cluster's shard, shard_physical and peer;
 * "drover node"'s node_listen, node_allow, node_timeout, node_host_name;
 * per host physical, vm_name, timeout and interval; the notification keys
 * state_dir, user, group, smtp_*, notify_* and contact.NAME.{webhook,
 * webhook_token_file,email,severities,renotify,recovery}, checked here
 * with file:line like every other key).  A host key drover does not know
 * itself is asked of the sources' key tables (plugins/sources.c), such
 * as the ipmi source's BMC keys; each source's settings for a host are
 * kept here opaquely, checked, printed and freed through its table entry.
 *
 * Errors name file and line and the offending text; a config with any error
 * is never used (conf_load returns NULL).
 */
#ifndef DROVER_CONF_H
#define DROVER_CONF_H

#include <stdbool.h>
#include <stdio.h>

#include "alerts/contact_set.h"
#include "agent/node_allow.h"
#include "alerts/notify.h"
#include "collector/conf_lex.h" /* conf_errors */
#include "collector/forecast.h"
#include "lib/strlist.h"
#include "plugins/host.h"
#include "plugins/sample.h"

struct source;
struct source_host;

struct conf_host {
	char *name;	    /* host name as Munin shows it */
	char *group;	    /* group chain joined by ';' ("A;B"), never empty */
	char *address;	    /* munin-node address; NULL: no munin-node */
	unsigned port;	    /* munin-node port, default 4949 */
	bool use_node_name; /* "use_node_name": list without a node name */
	bool update;	    /* "update no" hosts are never polled */
	bool local;	    /* served by the built-in node source */
	char *physical;	    /* physical host; NULL: the host is its own */
	char *vm_name;	    /* its guest name on a hypervisor; NULL: matched
			       by name and address (collector/guest_map.h) */
	int vm_name_line;   /* where vm_name was set, for messages */
	unsigned interval;  /* seconds; 0: the global interval */
	unsigned timeout;   /* seconds, whole poll; 0: the global timeout */
	unsigned cutoff_window;	  /* seconds; 0: the global cutoff_window */
	unsigned cutoff_warning;  /* minutes; 0: the global one */
	unsigned cutoff_critical; /* minutes; 0: the global one */
	bool has_bank_cutoff;	  /* "bank_cutoff VOLTS" set */
	double bank_cutoff;	  /* volts: the banks' cut-off level */
	/* each source's settings, as its keys made them (by index in the
	 * sources table); NULL when the host has none */
	void **settings;
	struct attrs overrides; /* "plugin.field.attr" / "plugin.graph_x" */
	struct attrs munin;	/* other Munin host keys, kept for later use */
	char *file;		/* where the section starts, for messages */
	int line;
};

/* rrdcached_own: yes, no, or from rrdcached_own_hosts hosts up */
enum conf_own_rrdcached {
	CONF_OWN_AUTO,
	CONF_OWN_YES,
	CONF_OWN_NO,
};
/* rrdcached_own_hosts' default: see README, "rrdcached" */
#define CONF_OWN_RRDCACHED_HOSTS 200

struct conf {
	char *file; /* the main config file */
	/* Munin global keys that drover uses */
	char *dbdir;
	char *rundir;
	char *logdir;
	char *htmldir;
	char *tmpldir;
	char *includedir;
	char *rrdcached_socket;
	/* drover keys */
	/* a TCP rrdcached's -b directory, which file names sent to it are
	 * relative to; NULL: dbdir (conf_rrdcached_base()) */
	char *rrdcached_base_dir;
	char *rrdcached_base_dir_file; /* where it was set, for messages */
	int rrdcached_base_dir_line;
	/* whether drover runs an rrdcached of its own when rrdcached_socket
	 * is not set (rrd/rrdcached_proc.h): conf_own_rrdcached() */
	enum conf_own_rrdcached rrdcached_own;
	char *rrdcached_own_file; /* where it was set, for messages */
	int rrdcached_own_line;
	unsigned rrdcached_own_hosts; /* auto: from this many hosts */

	char *procfs_root;     /* where the node probes read /proc */
	char *sysfs_root;      /* and /sys */
	char *utmp_file;       /* and the utmp file (the users probe) */
	char *cgroup_root;     /* and the cgroup mount (the vm probe) */
	char *lvs_command;     /* the lvm probe's lvs, "lvs" */
	char *lvm_archive_dir; /* its metadata archive, /etc/lvm/archive */
	char *lvm_backup_dir;  /* and backup directory, /etc/lvm/backup */
	char *xl_command;      /* the xen probe's xl, "xl" */
	char *xentop_command;  /* and xentop, "xentop" */
	char *ssh_command;     /* ssh:// addresses' ssh, "ssh" (Munin's) */
	char *ssh_options;     /* and its options, Munin's default */
	unsigned probe_command_timeout; /* seconds a probe's command may
					   run, 10 */
	/* the pcap probe (plugins/host_pcap.h) */
	char *pcap_interfaces; /* names separated by blanks; NULL: none */
	char *pcap_filter;     /* BPF expression; NULL: every frame */
	char *pcap_names;      /* pcap_name: "MAC NAME\n" each; NULL: none */
	unsigned pcap_snaplen; /* bytes per frame, PCAP_SNAPLEN_DEFAULT */
	bool pcap_promisc;     /* promiscuous capture, yes */
	bool pcap_ignore_outgoing; /* this host's frames unchecked, yes */
	/* "drover node" (collector/node_main.h) */
	char *node_listen_addr;	       /* default 127.0.0.1 */
	unsigned node_listen_port;     /* default 4949 */
	struct node_allow node_allow;  /* node_allow lines; none: loopback
					  (filled by conf_finish) */
	unsigned node_timeout;	       /* idle seconds per client, 60 */
	char *node_host_name;	       /* NULL: the machine's name, as
					  munin-node finds it */
	char *node_plugin_dir;	       /* exec plugins; /etc/munin/plugins */
	char *node_plugin_conf_dir;    /* their plugin-conf.d */
	char *node_plugin_state;       /* MUNIN_PLUGSTATE's parent */
	unsigned node_plugin_timeout;  /* seconds, unless plugin-conf.d says */
	struct strlist node_exec;      /* names served by the exec plugin,
					  not the C probe */
	char *graph_cache;	       /* rendered graphs; a tmpfs */
	char *nagios_command_file;     /* Nagios external command file (a
					  FIFO or a file); NULL: none */
	unsigned graph_cache_mb;       /* cache size cap, MiB, default 256 */
	char *state_dir;	       /* alert state, notification spool */
	char *user;		       /* "user": whom "run" becomes after
					  start-up; NULL: "drover" if that
					  account exists (collector/privdrop.h) */
	char *group;		       /* "group"; NULL: the user's own */
	unsigned alert_attempts;       /* samples before a hard change; 0:
					  not set (built-in: 2, ipmi_volts 1) */
	unsigned interval;	       /* seconds, default 300 */
	unsigned cutoff_window;	       /* seconds of a bank's trend, 1800 */
	unsigned cutoff_warning;       /* minutes to cut-off that warn, 180 */
	unsigned cutoff_critical;      /* and that are critical, 60 */
	unsigned max_concurrency;      /* polls in flight, default 64 */
	unsigned physical_concurrency; /* per physical host, default 2 */
	unsigned timeout;	       /* seconds, whole poll, default 60 */
	unsigned connect_timeout;      /* seconds, default 10 */
	unsigned idle_timeout;	       /* seconds between lines, default 30 */
	unsigned config_refresh;       /* cycles between config reloads, 12 */
	char *listen_addr;	       /* default 127.0.0.1 */
	unsigned listen_port;	       /* default 4948; 0 = any free port */
	char *metrics_listen_addr;     /* a second port serving /metrics
					  alone; NULL: none */
	unsigned metrics_listen_port;  /* 0 = any free port */
	char *remote_write_url;	       /* Prometheus remote write; NULL: off */
	unsigned rw_queue_mb;	       /* "remote_write_queue_size": its on-disk
					  queue's bound, MiB, default 256 */
	unsigned remote_write_batch;   /* samples per request, 5000 */
	unsigned remote_write_timeout; /* seconds per request, 30 */
	bool local_node;	       /* add the built-in local target; after
					  conf_finish, whether it did */
	bool local_node_set;	       /* "local_node" was in the config */
	unsigned shard_index;	       /* "shard I/N": this collector's I */
	unsigned shard_count;	       /* and N; 0: not sharded */
	struct strlist shard_physical; /* "shard_physical": the physical
					  hosts this collector owns instead
					  of a hash shard (collector/shard.h) */
	struct strlist peers;	       /* "peer URL": the other collectors'
					  base URLs */
	struct notify_conf notify;     /* smtp_* and notify_* keys */
	struct contact_set contacts;   /* contact.NAME.KEY lines, typed */
	struct attrs munin;	       /* accepted Munin keys drover ignores */
	struct attrs groups;	       /* "GROUP;key" from [GROUP;] sections */
	struct conf_host *hosts;
	size_t nhosts;
	size_t hcap;
};

/*
 * Reads path (and the files of includedir, in name order) into a new conf.
 * On any error returns NULL and appends every message to errs.
 */
struct conf *conf_load(const char *path, struct conf_errors *errs);
/*
 * Parses one buffer as if it were the file named file, adding to c.  Used
 * by conf_load and by tests.  Returns the number of errors appended.
 */
int conf_parse_buf(struct conf *c, const char *file, const char *buf,
    size_t len, struct conf_errors *errs);
/* A conf holding only the defaults. */
struct conf *conf_new(void);
/* Fills in derived values (the local target) and checks cross-key rules;
 * returns the number of errors appended. */
int conf_finish(struct conf *c, struct conf_errors *errs);
void conf_free(struct conf *c);
/* Prints the normalised config (every effective key, one per line);
 * conf_print.c. */
void conf_print(const struct conf *c, FILE *out);
/* The host called name, or NULL. */
struct conf_host *conf_host_find(const struct conf *c, const char *name);
/* The host section's alert_attempts (1..99999); 0: not set or not a
 * number (the engine then uses the global or built-in default). */
unsigned conf_host_alert_attempts(const struct conf_host *h);
/* The forecast's settings for h (global keys, then the host's). */
void conf_host_forecast(const struct conf *c, const struct conf_host *h,
    struct forecast_settings *out);
/* Effective interval / timeout of a host, in seconds. */
unsigned conf_host_interval(const struct conf *c, const struct conf_host *h);
unsigned conf_host_timeout(const struct conf *c, const struct conf_host *h);
/* The machine's roots and probe commands of c into out (pointing into
 * c; runner NULL). */
void conf_host_roots(const struct conf *c, struct host_roots *out);
/* Whether some source of the sources table polls h (update aside). */
bool conf_host_polled(const struct conf *c, const struct conf_host *h);
/*
 * Munin's words for a host it is told to update but cannot reach
 * (Munin::Master::Node, at update time): no address, no other source.
 */
#define CONF_NO_ADDRESS                                                        \
	"No address!  Did you forget to set 'update no' or to set "            \
	"'address <IP>' ?"
/*
 * Why h, to be updated, is polled by no source (CONF_NO_ADDRESS), or
 * NULL when h is polled or has "update no".  Such a host is accepted, as
 * Munin accepts it: it is shown down with this reason, never polled.
 */
const char *conf_host_unpolled_reason(
    const struct conf *c, const struct conf_host *h);
/* Whether some host of c has a target of src (update aside). */
bool conf_uses_source(const struct conf *c, const struct source *src);
/*
 * What h is to src: the generic values and src's settings for h (NULL
 * when it has none, or src is not in the sources table).  out points
 * into c and h.
 */
void conf_host_source(const struct conf *c, const struct conf_host *h,
    const struct source *src, struct source_host *out);
/* The host's group chain as a path ("A/B"), into out. */
char *conf_host_group_path(const struct conf_host *h, char *out, size_t len);

/* The base directory a TCP rrdcached resolves file names against:
 * rrdcached_base_dir, else dbdir. */
const char *conf_rrdcached_base(const struct conf *c);
/* Whether drover is to start its own rrdcached for c: never with
 * rrdcached_socket set; with rrdcached_own yes; with auto once c has
 * rrdcached_own_hosts hosts. */
bool conf_own_rrdcached(const struct conf *c);

#endif
