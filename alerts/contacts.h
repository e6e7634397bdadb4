/*
 * contacts: Munin's contact commands (munin.conf "contact.NAME.command"),
 * fed exactly what munin-limits 2.0.73 (Munin::Master::LimitsOld) feeds
 * them, so existing contact setups (send_nsca, mail) keep working.
 *
 * munin-limits' behaviour, kept here:
 * - The message is contact.NAME.text, else contact.default.text, else the
 *   built-in template for NAME: "nagios" gets send_nsca lines
 *   "HOST\tTITLE\tCODE\tTEXT" (TEXT cut to 350 bytes), "old-nagios"
 *   "HOST\tPLUGIN\tCODE\tTITLE:TEXT", any other name the human text
 *   "GROUP :: HOST :: TITLE\n\tCRITICALs: ...".  Templates use Munin's
 *   ${var:X}, ${loop<SEP>:LIST T}, ${loop:LIST T}, ${if:[!]X T} and
 *   ${strtrunc:N T}; "\n" and "\t" in the text become newline and tab;
 *   each message is followed by "\n" on the command's stdin.
 * - The command is expanded with the same variables and run by /bin/sh -c
 *   with stdout closed (/dev/null); a leading "|", ">" or "<" (old
 *   syntax) is removed with a warning.  Unlike Munin, values substituted
 *   into the command have shell metacharacters replaced by '_': a graph
 *   title from a munin-node must not run commands on the master.
 * - Recipients: the service's "contacts" list (NULL: every contact with a
 *   command; "none": nobody).  A contact gets a message when the service's
 *   state changed, or when a field is in one of its always_send severities
 *   (default none; "critical warning" for the contact named nagios).
 * - Fields without warning and critical are left out; the "OKs" list is
 *   the recovered fields, or every OK field when none recovered.
 * Differences: field order within a list follows the plugin (munin-limits
 * follows Perl hash order, i.e. none); one process per message rather
 * than one per contact per munin-limits run.
 *
 * Bounded: at most max_running commands at once (more wait in a queue of
 * CONTACTS_QUEUE_MAX messages, the oldest dropped first); a command still
 * running after timeout_ms is killed (SIGKILL); a non-zero exit is logged.
 * Loop thread only.
 */
#ifndef DROVER_CONTACTS_H
#define DROVER_CONTACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "lib/range.h"
#include "plugins/sample.h"

#define CONTACTS_QUEUE_MAX 1000 /* messages waiting for a free slot */

/* One field as munin-limits sees it after evaluating it. */
struct contact_field {
	const char *name;
	const struct attrs *attrs; /* its config: label, warning, critical,
				      extinfo, ... */
	enum field_state state;	   /* decided by the alert engine */
	bool recovered;		   /* was not OK at the previous evaluation */
	bool known;		   /* false: the value is U or stale */
	double value;
};

/* One service evaluation (munin-limits' process_service). */
struct contact_msg {
	const char *group;	   /* conf group chain "A;B" (shown "A-B") */
	const char *host;	   /* host name (or its notify_alias) */
	const char *plugin;	   /* service name */
	const char *title;	   /* graph_title; NULL: the plugin name */
	const struct attrs *graph; /* other service attributes, or NULL */
	const char *contacts;	   /* "contacts" setting; NULL: all */
	bool changed;		   /* the service's state changed */
	const struct contact_field *fields;
	size_t nfields;
};

struct contacts_stats {
	uint64_t started; /* commands run */
	uint64_t failed;  /* non-zero exit, signal, or spawn failure */
	uint64_t killed;  /* timed out */
	uint64_t dropped; /* messages lost: queue full */
	size_t running;
	size_t queued;
};

struct contacts;

/*
 * Contact commands from conf->contacts ("NAME.command" -> value, ...;
 * copied).  NULL on allocation failure.
 */
struct contacts *contacts_new(uv_loop_t *loop, const struct attrs *contacts,
    unsigned max_running, uint64_t timeout_ms);
/* Kills running commands and frees c once their handles are closed (run
 * the loop); queued messages are dropped. */
void contacts_free(struct contacts *c);
/* Sends m to every contact it concerns.  Returns the number of commands
 * started or queued. */
int contacts_notify(struct contacts *c, const struct contact_msg *m);
void contacts_stats(const struct contacts *c, struct contacts_stats *st);

/*
 * Pure: expands a munin-limits template for m (Munin's message_expand),
 * then turns "\n" and "\t" into newline and tab unless for_command.
 * Returns a malloc'd string, NULL on allocation failure.
 */
char *contacts_expand(
    const char *tmpl, const struct contact_msg *m, bool for_command);
/* The template munin-limits uses for contact name (see above). */
const char *contacts_default_text(const char *name);

#endif
