/*
 * munin_proto: the munin-node text protocol (2.0.x), as pure functions over
 * buffers.  The caller does the I/O: it reads the banner, sends "cap
 * multigraph dirtyconfig", "list", "config PLUGIN" and "fetch PLUGIN", cuts
 * the replies at line ends (single-line replies) or at the "." line
 * (multi-line replies, see mproto_is_end()), and hands them here.
 *
 * Semantics follow Munin's own master (Munin::Master::Node 2.0.73:
 * parse_service_config, parse_service_data, the _sanitise_* helpers), with
 * these deliberate differences:
 *  - values are parsed to doubles here (Munin passes strings to rrdtool);
 *    a value that is neither "U" nor a finite number is stored as unknown
 *    and counted as a bad line;
 *  - "# timeout" stops parsing but keeps what was parsed (Munin discards
 *    the whole reply); the status says so;
 *  - a field keeps one value per poll: a later value line for the same field
 *    replaces an earlier one (Munin keeps a list, for spooled data);
 *  - graph_order is stored as sent (Munin appends every labelled field to
 *    it; consumers do that when they order fields);
 *  - lines longer than MPROTO_MAX_LINE, names longer than MPROTO_MAX_NAME
 *    and attributes beyond MPROTO_MAX_ATTRS per field or service are bad
 *    lines (Munin has no limits); a caller may bound the fields of a
 *    reply (struct mproto_limits).
 *
 * No function here does I/O, logs or keeps state between calls; all are
 * safe to call from any thread on distinct arguments.
 */
#ifndef DROVER_MUNIN_PROTO_H
#define DROVER_MUNIN_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "plugins/sample.h"
#include "lib/strlist.h"

/*
 * Longest protocol line, in bytes, without its line end.  The client must
 * treat a longer line as a protocol error (and may stop reading); the
 * parsers count one as a bad line and skip it.
 */
#define MPROTO_MAX_LINE 4096
/* Longest service (plugin, multigraph), field or attribute name, in bytes. */
#define MPROTO_MAX_NAME 255
/*
 * Most attributes one field or one service may have; Munin knows about 30
 * per field and 20 per graph.  Keeps a line's lookup of its attribute
 * short whatever the node sends.
 */
#define MPROTO_MAX_ATTRS 64

/* Capabilities a node announces in its "cap" reply. */
enum mproto_cap {
	MPROTO_CAP_MULTIGRAPH = 1,
	MPROTO_CAP_DIRTYCONFIG = 2,
};

/* The outcome of one config or fetch reply. */
enum mproto_status {
	MPROTO_OK,		/* parsed (bad lines may have been skipped) */
	MPROTO_UNKNOWN_SERVICE, /* "# Unknown service": no such plugin */
	MPROTO_TIMED_OUT,	/* "# Timed out" / "# timeout": plugin killed */
	MPROTO_BAD_EXIT,	/* "# Bad exit": plugin exited non-zero */
	MPROTO_EMPTY,		/* no usable line (only ".", comments, junk) */
	MPROTO_NOMEM,		/* allocation failed; errno set */
};

/* Line counts of one reply; the parsers add to them. */
struct mproto_stats {
	unsigned lines;	    /* lines seen, including comments and bad lines */
	unsigned bad_lines; /* lines rejected or values not understood */
	unsigned dropped;   /* lines dropped at struct mproto_limits */
};

/*
 * Bounds on what one reply may add to its batch.  max_entries counts the
 * batch's fields plus its services (a multigraph child with no fields
 * still costs a record downstream), including those it held before; a
 * line that would create one more is dropped and counted in
 * mproto_stats.dropped, lines for existing fields still count.  0: none.
 */
struct mproto_limits {
	size_t max_entries;
};

/*
 * "# munin node at NAME" -> NAME (trailing white space and CR dropped) in
 * name (size namelen).  Returns 0, or -1 if line is not a banner or NAME is
 * empty or does not fit.
 */
int mproto_parse_banner(const char *line, char *name, size_t namelen);

/*
 * The node's "cap ..." reply -> a mask of enum mproto_cap; unknown words
 * are ignored.  0 when line is not a cap reply (an old node answers
 * "# Unknown command ...").
 */
unsigned mproto_parse_cap(const char *line);

/*
 * The node's "list" reply: space-separated plugin names, appended to out as
 * sent (raw: they are what "config NAME" needs; the service is named by
 * sanitise_plugin_name()).  Empty words, duplicates and names longer than
 * MPROTO_MAX_NAME are skipped.  Returns 0; -1 with errno EBADMSG when the
 * line is a "#" comment instead of a list, or errno from allocation (out
 * then holds the names appended so far).
 */
int mproto_parse_list(const char *line, struct strlist *out);
/*
 * Whether mproto_parse_list would make of line exactly the names of l, in
 * their order: a node's unchanged list costs a poll one pass over the
 * line and no allocation (a list of n plugins parsed and compared with
 * the last one took about n * n string compares and n mallocs).
 */
bool mproto_list_same(const char *line, const struct strlist *l);

/*
 * True for the line that ends a multi-line reply: exactly ".", optionally
 * followed by CR and/or LF.  line is NUL-terminated.
 */
bool mproto_is_end(const char *line);

/*
 * Parse the reply to "config PLUGIN": buf holds len bytes (not
 * NUL-terminated; never read past len), the reply's lines with or without
 * the final "." line (parsing stops at a "." line).  Lines end in LF or
 * CRLF; trailing white space is dropped.
 *
 * Services go into b, found or appended by name: the plugin's own service
 * is sanitise_plugin_name(plugin), switched by "multigraph NAME" lines
 * (dotted child names kept as sent).  An invalid multigraph name (dots at
 * either end or doubled, characters other than [-A-Za-z0-9_.:], or
 * "multigraph") is a bad line and ends parsing, as in Munin.  "key value"
 * lines set the service's graph attributes (first value wins, as in
 * Munin); "field.attr value" lines set field attributes (last value wins;
 * field names sanitised); "field.value V" lines (dirtyconfig) set the
 * field's value as mproto_parse_fetch() does; "field.attr" with no value is
 * ignored.  Every service touched gets has_config, and a field with no label
 * gets Munin's placeholder label and extinfo.
 *
 * Parse into a fresh batch when replacing a cached config: graph attributes
 * already in b are not overwritten.  st (may be NULL) is added to.
 * Returns the reply's status; b holds what was parsed even when it is not
 * MPROTO_OK.  On MPROTO_NOMEM b is consistent but incomplete.
 */
enum mproto_status mproto_parse_config(const char *buf, size_t len,
    const char *plugin, struct batch *b, struct mproto_stats *st);

/*
 * Parse the reply to "fetch PLUGIN" (buf, len, plugin, b, st as for
 * mproto_parse_config()).  "field.value V" sets the field's value: "U" is
 * unknown; "EPOCH:V" also sets when (else when is 0: "now"); V must be a
 * finite number (strtod, whole token), otherwise the value is unknown and
 * the line bad.  Text after the value token is ignored, as in Munin.
 * "field.extinfo text" sets the field's "extinfo" attribute.  Services and
 * fields missing from b are created (without has_config).
 */
enum mproto_status mproto_parse_fetch(const char *buf, size_t len,
    const char *plugin, struct batch *b, struct mproto_stats *st);

/*
 * The same parsers, fed one line at a time as the node sends them, so a
 * big reply costs the loop no more per read than the read itself.  The
 * members are the parser's own.
 */
struct mproto_parser {
	struct batch *b;
	bool config;		       /* a config reply, else fetch */
	char cur[MPROTO_MAX_NAME + 1]; /* current service name */
	size_t idx;		       /* its index in b, SIZE_MAX if none */
	size_t snext;		       /* where the next service likely is */
	size_t flast;		       /* the field of the last line */
	size_t entries;		       /* fields + services in b */
	size_t max_entries;	       /* 0: no bound */
	unsigned lines, bad, dropped;  /* for struct mproto_stats */
	unsigned stored;	       /* lines that changed b */
	enum mproto_status status;     /* so far */
	bool stop;		       /* ignore the rest of the reply */
	bool done;		       /* the "." line was seen */
};

/*
 * Starts parsing a config (config true) or fetch reply of plugin into b,
 * which p borrows until mproto_parser_end(); lim may be NULL.
 */
void mproto_parser_init(struct mproto_parser *p, bool config,
    const char *plugin, struct batch *b, const struct mproto_limits *lim);
/*
 * One line of the reply: len bytes (not NUL-terminated, no LF; a CR at the
 * end is dropped).  Returns true while more lines are wanted, false once
 * the "." line was seen or parsing stopped (the rest of the reply is
 * then ignored).
 */
bool mproto_parser_line(struct mproto_parser *p, const char *line, size_t len);
/*
 * Ends the reply: adds Munin's default labels to a config, adds to st
 * (may be NULL) and returns the status as mproto_parse_config() does.
 */
enum mproto_status mproto_parser_end(
    struct mproto_parser *p, struct mproto_stats *st);

/* mproto_parse_config() and mproto_parse_fetch() with bounds. */
enum mproto_status mproto_parse(const char *buf, size_t len, bool config,
    const char *plugin, struct batch *b, const struct mproto_limits *lim,
    struct mproto_stats *st);

const char *mproto_status_str(enum mproto_status s);

#endif
