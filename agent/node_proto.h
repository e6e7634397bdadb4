/*
 * node_proto: the munin-node 2.0.73 protocol, server side, as a pure
 * state machine over lines: each line the master sends goes in, the
 * answer text (or what to ask for it) comes out.  No I/O, no clock.
 *
 * Commands are matched as munin-node matches them (Munin::Node::Server):
 * case-insensitive prefixes, in its order, so "LIST", "listfoo" (a list
 * of node "foo") and "fetch load extra" behave as there:
 *   list [NODE]    our plugins, space-separated; another node: ""
 *                  (node names compare case-insensitively)
 *   cap WORDS      remembers multigraph / dirtyconfig; answers ours
 *   nodes          our name (lower case, as munin-node keeps it), "."
 *   config NAME, fetch NAME   asked of the plugins (node_plugins), the
 *                  answer ending with "."; an empty NAME is unknown
 *   version        "munins node on HOST version: 2.0.73"
 *   quit, "."      close
 *   anything else  the unknown-command text
 * STARTTLS is not offered (no "tls" here): it is an unknown command.
 */
#ifndef DROVER_NODE_PROTO_H
#define DROVER_NODE_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

#define NODE_PROTO_VERSION "2.0.73" /* the munin-node we answer as */
#define NODE_NAME_MAX 256	    /* bytes of a plugin name, with NUL */

/* The plugin names for list (space-separated, no newline) into out;
 * multigraph: the master announced it (else multigraph plugins are left
 * out, as munin-node does). */
typedef void (*node_list_fn)(void *arg, bool multigraph, struct buf *out);

/* One session: embedded in its connection, made by node_proto_init. */
struct node_proto {
	const char *host; /* our node name (the caller's string) */
	node_list_fn list;
	void *list_arg;
	bool multigraph;  /* the master's cap line named multigraph */
	bool dirtyconfig; /* ... and dirtyconfig */
};

enum node_step {
	NODE_STEP_ANSWERED, /* the whole answer is in out */
	NODE_STEP_ASK,	    /* ask the plugins for *req, then answer it
			       with node_proto_answer */
	NODE_STEP_QUIT,	    /* close the connection */
};

/* A config or fetch the plugins must answer. */
struct node_request {
	bool config;		  /* config, else fetch */
	char name[NODE_NAME_MAX]; /* the plugin, never empty */
};

/* How the plugins answered a request. */
enum node_answer {
	NODE_ANSWER_OK,	       /* text: the plugin's lines */
	NODE_ANSWER_UNKNOWN,   /* "# Unknown service" */
	NODE_ANSWER_TIMED_OUT, /* "# Timed out" */
	NODE_ANSWER_BAD_EXIT,  /* "# Bad exit" */
};

void node_proto_init(
    struct node_proto *p, const char *host, node_list_fn list, void *arg);
/* "# munin node at HOST\n" into out. */
void node_proto_banner(const struct node_proto *p, struct buf *out);
/*
 * One line from the master (without its '\n'; a trailing '\r' is
 * ignored as munin-node ignores it).  Appends any answer to out; on
 * NODE_STEP_ASK fills *req.
 */
enum node_step node_proto_line(struct node_proto *p, const char *line,
    size_t len, struct buf *out, struct node_request *req);
/* The answer to a request into out: text (len bytes of whole lines,
 * each ending in '\n', for NODE_ANSWER_OK) or the comment, then ".". */
void node_proto_answer(
    struct buf *out, enum node_answer a, const char *text, size_t len);

#endif
