/*
 * munin_client: one poll of one munin-node over non-blocking TCP (libuv).
 *
 * A poll resolves the address (async DNS) and connects, or, for an
 * ssh:// or cmd:// address, runs the command whose stdin and stdout then
 * carry the protocol (plugins/munin_stream: ssh in BatchMode, the child
 * in its own process group, killed and reaped at the end of the poll;
 * lines before the banner are skipped there, as Munin skips an ssh
 * motd; the connect timeout runs until the banner; the child's first
 * stderr line goes into a failed poll's error); then it reads the banner,
 * negotiates "cap multigraph dirtyconfig", lists the plugins ("list NODE"),
 * then for each plugin asks "config" (only when its cached config is
 * missing or stale) and "fetch" (skipped when dirtyconfig already carried
 * the values), and says "quit".  Replies are parsed by munin_proto.
 *
 * Every step is bounded: connect timeout, idle timeout between bytes, a
 * deadline for the whole poll, a maximum line length, a maximum reply
 * size and a maximum number of fields per plugin and per host.  Replies
 * are parsed line by line as they arrive, so no reply holds the loop for
 * longer than one read of it.  A poll that fails part-way still hands
 * back every value it already received.
 *
 * A struct mclient lives as long as its target: it keeps the plugin list
 * and each plugin's config between polls.  Runs on the loop thread only.
 */
#ifndef DROVER_MUNIN_CLIENT_H
#define DROVER_MUNIN_CLIENT_H

#include <stdint.h>
#include <uv.h>

#include "plugins/sample.h"
#include "plugins/source.h"

#define MCLIENT_MAX_REPLY (4u << 20) /* bytes in one config/fetch reply */
#define MCLIENT_MAX_PLUGINS 2048     /* plugins listed by one node */
#define MCLIENT_MAX_LINE 65536	     /* bytes; "list" of a big node is long */
/* Defaults of max_fields_per_plugin and max_fields_per_host. */
#define MCLIENT_PLUGIN_FIELDS 10000
#define MCLIENT_HOST_FIELDS 50000

enum mclient_status {
	MC_OK,	      /* every plugin answered */
	MC_PARTIAL,   /* connected, but some plugins failed */
	MC_DNS,	      /* the address did not resolve */
	MC_CONNECT,   /* connection refused / unreachable, or the command
			 could not run or ended before the banner */
	MC_TIMEOUT,   /* connect, idle or whole-poll timeout */
	MC_CLOSED,    /* the node closed the connection mid-poll */
	MC_PROTOCOL,  /* garbage, overlong line or reply */
	MC_CANCELLED, /* mclient_cancel() */
};

const char *mclient_status_str(enum mclient_status st);

struct mclient_opts {
	const char *name;    /* the config host, for log messages */
	const char *address; /* host name or IP, or an ssh:// or cmd://
				address (plugins/source.h) */
	unsigned port;	     /* TCP only */
	/* ssh:// only, borrowed for mclient_poll's call; NULL: Munin's */
	const char *ssh_command;
	const char *ssh_options;
	const char *list_name;	  /* node name for "list"; NULL: banner's */
	uint64_t connect_timeout; /* ms */
	uint64_t idle_timeout;	  /* ms without a byte from the node */
	uint64_t timeout;	  /* ms for the whole poll */
	unsigned config_refresh;  /* polls between config reloads */
	/* Fields (each multigraph service counts as one more) kept of one
	 * plugin and of the whole host; the rest is dropped, the plugin
	 * counts as failed and the first time is logged.  0: no bound. */
	size_t max_plugin_fields;
	size_t max_host_fields;
	/* the configs the cache keeps share their attributes and names
	 * with the other nodes' equal ones here (borrowed: outlives the
	 * poll); NULL: each node keeps its own */
	struct attrs_pool *pool;
};

struct mclient_result {
	enum mclient_status status;
	char error[256];	/* human text for logs and health */
	struct batch batch;	/* values and config; the callee owns it */
	unsigned plugins;	/* plugins listed */
	unsigned plugin_errors; /* plugins that answered with an error */
	unsigned bad_lines;	/* unparsable reply lines */
	uint64_t connect_ms;	/* time to connect (ms) */
	uint64_t duration_ms;	/* whole poll (ms) */
	char node_name[256];	/* from the banner */
};

/* Called once per poll, on the loop; res->batch moves to the callee. */
typedef void (*mclient_cb)(void *arg, struct mclient_result *res);

struct mclient;

struct mclient *mclient_new(uv_loop_t *loop);
/*
 * Starts a poll; cb is called exactly once when it ends (also on error).
 * Returns 0, or -1 with errno EBUSY when a poll is already running,
 * ENOMEM when there is no memory for the poll's state.
 */
int mclient_poll(struct mclient *c, const struct mclient_opts *opts,
    mclient_cb cb, void *arg);
/* Ends a running poll now (cb runs with MC_CANCELLED). */
void mclient_cancel(struct mclient *c);
bool mclient_busy(const struct mclient *c);
/* Frees c; a running poll is cancelled first, its callback not called.
 * The memory is released once libuv has closed the handles. */
void mclient_free(struct mclient *c);

/* The munin source (plugins/sources.c): a host with an address. */
extern const struct source source_munin;

#endif
