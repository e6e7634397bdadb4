/*
 * conf_lex: munin.conf's lexical layer -- lines, sections, continuations,
 * includedir and the file:line of every message.
 *
 * Line rules follow Munin::Master::Config: '#' starts a comment unless
 * escaped as '\#', leading/trailing blanks are trimmed, a trailing '\'
 * continues the line (comments end at each physical line's end), "[...]"
 * opens a section, anything else is "KEY VALUE" split at the first blank.
 * A logical line is at most 8192 bytes and a file at most 4 MiB.  Unlike
 * Munin every error is collected (file, line, text); what the keys mean
 * is conf.c's.  conf_lex_buf and conf_section_parse are pure; only
 * conf_lex_file and conf_lex_includedir touch the file system.
 */
#ifndef DROVER_CONF_LEX_H
#define DROVER_CONF_LEX_H

#include <stdbool.h>
#include <stddef.h>

/* Collected error messages ("FILE:LINE: message: \"text\""). */
struct conf_errors {
	char **v;
	size_t n;
	size_t cap;
};

void conf_errors_cleanup(struct conf_errors *e);

/* Where a line came from, for messages. */
struct conf_where {
	const char *file;
	int line;	  /* the first physical line of a joined line */
	const char *text; /* the whole (joined) line; NULL: not quoted */
};

/* Appends "FILE:LINE: MSG" (and ": \"TEXT\"", at most 200 bytes of it,
 * when w has text) to e; on ENOMEM the message is lost. */
void conf_error_add(struct conf_errors *e, const struct conf_where *w,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* One logical line, valid only during the callback. */
struct conf_line {
	const struct conf_where *where;
	const char *section; /* "[SPEC]": SPEC; NULL for a key line */
	const char *key;     /* a key line's key (never empty) */
	const char *value;   /* its value; "" for a key alone on its line,
				which Munin reads as a key without a value */
};
typedef void (*conf_line_cb)(void *arg, const struct conf_line *l);

/*
 * Calls cb for every logical line of the len bytes of buf, read as the
 * file named file, in order.  Lines with a NUL byte, too long or a
 * malformed section header become errors in errs instead.
 */
void conf_lex_buf(const char *file, const char *buf, size_t len,
    struct conf_errors *errs, conf_line_cb cb, void *arg);
/* conf_lex_buf over the file at path; "cannot read" is an error. */
void conf_lex_file(
    const char *path, struct conf_errors *errs, conf_line_cb cb, void *arg);
/* Calls cb with the path of every regular file in dir, in name order,
 * skipping editor and packaging leftovers as Munin does.  A missing dir
 * is no error. */
void conf_lex_includedir(
    const char *dir, void (*cb)(void *arg, const char *path), void *arg);

/*
 * A section name.  Munin's rules: the last ';' ends the group part;
 * without ';' the group is derived from the host name; "[GROUP;]" is a
 * group section; ':' after the host names a service whose keys follow.
 */
enum conf_section_kind { CONF_SECTION_GROUP, CONF_SECTION_HOST };
struct conf_section {
	enum conf_section_kind kind;
	char group[512];   /* the group chain ("A;B"), never empty */
	char host[256];	   /* CONF_SECTION_HOST: the host name */
	char service[256]; /* "[g;host:a:b]": "a.b", the keys' prefix; "" */
};
/* Parses the text between the brackets into out.  NULL, or the message
 * saying what is wrong with it. */
const char *conf_section_parse(const char *spec, struct conf_section *out);
/* Munin's rule for a section name without ';': "foo.example.com" ->
 * "example.com", "foo" -> "foo".  Returns a pointer into name. */
const char *conf_group_from_name(const char *name);

#endif
