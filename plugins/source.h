/*
 * source: the contract every source of samples keeps.
 *
 * A source is a const table entry (struct source: its name, its host
 * config keys with their parsers, and init/poll/cancel/close) plus the
 * per-target state init returns.  A target is one thing polled for a
 * config host, named HOST followed by the source's suffix ("" for the
 * host itself, "/ipmi" for its BMC).  A poll either runs on the loop
 * (non-blocking, the munin-node client; or inline when it takes
 * microseconds, the node source) or as a job on the thread pool
 * (blocking, IPMI); either way it ends in exactly one call of the done
 * callback, on the loop, with one batch.  Sources never see the
 * collector: what they need of a host comes as a struct source_host.
 * The table of the real sources is plugins/sources.c.
 *
 * Config keys: the collector's config parser asks each source's keys
 * table for host keys it does not know itself.  A source's typed
 * settings for a host are made by settings_new on its first key, kept
 * opaque by the config, checked by settings_check once the config is
 * complete, printed by settings_print ("drover config": for every host
 * that has settings or that the source wants, so with h->settings NULL
 * it prints its defaults) and freed by settings_free.
 */
#ifndef DROVER_SOURCE_H
#define DROVER_SOURCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "plugins/host.h"
#include "plugins/sample.h"

/* What a config host is to a source: the generic values it needs. */
struct source_host {
	const char *name;	  /* the config host name */
	const char *address;	  /* munin-node address; NULL: none */
	unsigned port;		  /* munin-node port */
	bool use_node_name;	  /* "list" without a node name */
	bool local;		  /* served by the built-in node source */
	unsigned interval;	  /* seconds, the host's effective interval */
	unsigned timeout;	  /* seconds, the host's whole-poll timeout */
	unsigned connect_timeout; /* seconds (global) */
	unsigned idle_timeout;	  /* seconds (global) */
	unsigned config_refresh;  /* polls between config reloads (global) */
	const char *ssh_command;  /* ssh:// addresses' ssh (global; a
				     host's own is the munin source's key) */
	const char *ssh_options;  /* its options, split into words */
	const char *dbdir;	  /* where state may be cached */
	struct host_roots roots;  /* procfs_root, sysfs_root, utmp_file,
				     cgroup_root and the probe commands
				     (plugins/host.h; NULL members: their
				     defaults) */
	const void *settings;	  /* this source's settings, NULL: none */
	struct attrs_pool *pool;  /* where a source may share the configs
				     it keeps with other targets' equal
				     ones (the poller's; outlives the
				     poll), NULL: none */
};

enum source_status { SOURCE_OK, SOURCE_TIMEOUT, SOURCE_FAILED };

/* The end of one poll; valid during the done callback only. */
struct source_result {
	enum source_status status;
	char error[512];      /* "" when clean; may be set with SOURCE_OK */
	struct batch batch;   /* values (also before a failure); cb may take
			       * it (then zero it), the source frees the rest */
	uint64_t duration_ms; /* start to result */
	char summary[128];    /* on success, what came ("3 sensors"); "" */
};

/* Called exactly once per poll, on the loop (maybe before poll returns). */
typedef void (*source_done_cb)(void *arg, struct source_result *res);

/* One host config key of a source: 0, or -1 with a message in err. */
struct source_key {
	const char *key;
	int (*parse)(void *settings, const char *key, const char *val,
	    char *err, size_t errlen);
};

/* A complaint of settings_check, added to the config's errors. */
typedef void (*source_err_cb)(void *arg, const char *msg);

struct source {
	const char *name;   /* "munin", "node", "ipmi" */
	const char *suffix; /* target name is HOST + suffix */
	/*
	 * Whether a result is the host's own up/down state (false) or a
	 * sub-state beside it (true: the catalog's BMC state).  A sub-state
	 * result counts as the host's own too when no other source polls
	 * the host.
	 */
	bool substate;
	const struct source_key *keys; /* sorted by key; NULL: none */
	size_t nkeys;
	void *(*settings_new)(void); /* defaults; NULL on ENOMEM */
	void (*settings_free)(void *settings);
	/* Adds complaints about settings found only when all keys are in. */
	void (*settings_check)(void *settings, source_err_cb err, void *arg);
	void (*settings_print)(const struct source_host *h, FILE *out);
	/* Whether h has a target of this source (h->update aside). */
	bool (*wanted)(const struct source_host *h);
	/* The target's interval in seconds; NULL: h->interval. */
	unsigned (*interval)(const struct source_host *h);
	/* Once per process before the first poll, when a host wants the
	 * source; NULL: nothing to do.  0 / -1 with err set. */
	int (*global_init)(char *err, size_t errlen);
	/*
	 * Device nodes h's target opens on every read (NULL-terminated;
	 * those absent on this machine are skipped), or NULL: none.  The
	 * daemon gives them to its group before it drops root, since the
	 * library reopens them on each read; NULL hook: none.
	 */
	const char *const *(*devices)(const struct source_host *h);
	/* Per-target state for host (named in messages); NULL on ENOMEM. */
	void *(*init)(uv_loop_t *loop, const char *host);
	/* Starts a poll; h and what it points to are borrowed for the
	 * call.  cb runs exactly once, also when the poll cannot start. */
	void (*poll)(void *state, const struct source_host *h,
	    source_done_cb cb, void *arg);
	/* Ends a running poll now: cb runs with SOURCE_FAILED. */
	void (*cancel)(void *state);
	/* Frees state; never while a poll runs. */
	void (*close)(void *state);
	/*
	 * "drover poll HOST": one poll on this thread into b (overrides not
	 * applied), its summary line ("# HOST: ...") into line.  Returns 0
	 * when the poll succeeded, 1 when not.
	 */
	int (*poll_once)(const struct source_host *h, struct batch *b,
	    char *line, size_t linelen);
};

/* The key of src called key, or NULL. */
const struct source_key *source_key_find(
    const struct source *src, const char *key);

/* Helpers for key parsers. */

/* How a munin-node is reached: Munin 2.0's address schemes. */
enum source_transport {
	SOURCE_TCP, /* "host", "host:port", "[v6]:port", "munin://..." */
	SOURCE_SSH, /* "ssh://[user@]host[:port][/path] [params]" */
	SOURCE_CMD, /* "cmd:///path/to/program [params]" */
};

/* Munin::Master::Config's defaults of ssh_command and ssh_options. */
#define SOURCE_SSH_COMMAND "ssh"
#define SOURCE_SSH_OPTIONS                                                     \
	"-o ChallengeResponseAuthentication=no -o StrictHostKeyChecking=no"

#define SOURCE_HOST_MAX 256	/* bytes of a host name, NUL included */
#define SOURCE_USER_MAX 64	/* bytes of an ssh user, NUL included */
#define SOURCE_COMMAND_MAX 1024 /* bytes of a command, NUL included */

/* A parsed "address" value. */
struct source_address {
	enum source_transport transport;
	char host[SOURCE_HOST_MAX]; /* TCP, ssh: the host (IPv6 without
				       brackets); cmd: "" */
	unsigned port;		    /* TCP, ssh: the address's port; 0: none */
	char user[SOURCE_USER_MAX]; /* ssh: the user; "": none (ssh's own) */
	/*
	 * ssh: the remote command, the URL's path (unless it is "/") and
	 * the parameters after the first blank, joined by a blank; "": none
	 * (the remote account's forced command).  cmd: the program and its
	 * parameters the same way, never "".  Not percent-decoded, as Munin.
	 */
	char command[SOURCE_COMMAND_MAX];
};

/*
 * Parses an address as Munin::Master::Node's _do_connect reads it: the
 * value is split at its first blanks into a URL and parameters; a URL
 * "ssh://" or "cmd://" (any case) is read as a URI (userinfo up to the
 * last '@', a password after ':' dropped; the path ends at '?' or '#',
 * which Munin's URI drops too); anything else is drover's TCP form
 * ("munin://host:port", "[v6]:port", "host"), whose parameters are not
 * split off.  0, or -1 with a message in err.  Pure.
 */
int source_address_parse(
    const char *val, struct source_address *a, char *err, size_t errlen);
/*
 * The TCP forms only, for the addresses of other peers (a BMC, a Modbus
 * device): the host into addr (NUL-terminated) and *port (left alone
 * without a port).  0, or -1 with a message in err.
 */
int source_parse_address(const char *val, char *addr, size_t addrlen,
    unsigned *port, char *err, size_t errlen);
/* Whether val is an ssh:// or cmd:// address (a child process's pipe). */
bool source_address_is_command(const char *val);

#endif
