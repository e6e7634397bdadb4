/*
 * contact_text: the text of a Munin contact message, built exactly as
 * munin-limits 2.0.73 (Munin::Master::LimitsOld) builds it, so existing
 * contact setups (send_nsca, mail) keep reading what they expect.
 *
 * - The built-in template for a contact NAME: "nagios" gets send_nsca
 *   lines "HOST\tTITLE\tCODE\tTEXT" (TEXT cut to 350 bytes), "old-nagios"
 *   "HOST\tPLUGIN\tCODE\tTITLE:TEXT", any other name the human text
 *   "GROUP :: HOST :: TITLE\n\tCRITICALs: ...".  Templates use Munin's
 *   ${var:X}, ${loop<SEP>:LIST T}, ${loop:LIST T}, ${if:[!]X T} and
 *   ${strtrunc:N T}; "\n" and "\t" in the text become newline and tab.
 * - Unlike Munin, every value substituted into a command stays one shell
 *   word with its bytes intact (a ${strtrunc} is one value): bare it is
 *   single-quoted, inside the operator's '...' or "..." it is escaped for
 *   those.  Where the command's quoting is not modelled (after a
 *   backquote, a "$(", "$'", a "#" or "<<", or right after an unquoted
 *   \ or $) bytes other than [A-Za-z0-9._:,@/+=%-] become '_'.  A graph
 *   title from a munin-node never runs anything on the master nor adds
 *   arguments.  The stdin text is munin-limits' byte for byte.
 * - Fields without warning and critical are left out; the "OKs" list is
 *   the recovered fields, or every OK field when none recovered.
 * Difference: field order within a list follows the plugin (munin-limits
 * follows Perl hash order, i.e. none).
 *
 * Pure functions; any thread.
 */
#ifndef DROVER_CONTACT_TEXT_H
#define DROVER_CONTACT_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/range.h"
#include "plugins/sample.h"

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

/*
 * Expands a munin-limits template for m (Munin's message_expand), then
 * turns "\n" and "\t" into newline and tab unless for_command.  Returns a
 * malloc'd string, NULL on allocation failure.  (Named for contacts.h,
 * where callers have always found it.)
 */
char *contacts_expand(
    const char *tmpl, const struct contact_msg *m, bool for_command);
/* The template munin-limits uses for contact name (see above). */
const char *contacts_default_text(const char *name);

/*
 * get_limits(): f's warning and critical as munin-limits shows them
 * (crange/wrange, "min:max" with an unset side empty) into w and c, len
 * bytes each.  False when the field has neither (munin-limits skips it).
 */
bool contact_field_limits(
    const struct contact_field *f, char *w, char *c, size_t len);

#endif
