/*
 * contacts: Munin's contact commands (munin.conf "contact.NAME.command"),
 * fed exactly what munin-limits 2.0.73 (Munin::Master::LimitsOld) feeds
 * them, so existing contact setups (send_nsca, mail) keep working.
 *
 * munin-limits' behaviour, kept here:
 * - The message is contact.NAME.text, else contact.default.text, else the
 *   built-in template for NAME, expanded as contact_text.h says; each
 *   message is followed by "\n" on the command's stdin.
 * - The command is expanded with the same variables (shell
 *   metacharacters in values replaced by '_') and run by /bin/sh -c with
 *   stdout closed (/dev/null); a leading "|", ">" or "<" (old syntax) is
 *   removed with a warning.
 * - Recipients: the service's "contacts" list (NULL: every contact with a
 *   command; "none": nobody).  A contact gets a message when the service's
 *   state changed, or when a field is in one of its always_send severities
 *   (default none; "critical warning" for the contact named nagios).
 * Difference: one process per message rather than one per contact per
 * munin-limits run.
 *
 * Bounded (runner.h): at most max_running commands at once (more wait in
 * a queue of CONTACTS_QUEUE_MAX messages, the oldest dropped first); a
 * command still running after timeout_ms is killed (SIGKILL); a non-zero
 * exit is logged.  Loop thread only.
 */
#ifndef DROVER_CONTACTS_H
#define DROVER_CONTACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "alerts/contact_set.h"
#include "alerts/contact_text.h" /* struct contact_msg, contacts_expand() */
#include "plugins/sample.h"

#define CONTACTS_QUEUE_MAX 1000 /* messages waiting for a free slot */

struct contacts_stats {
	uint64_t started; /* commands run */
	uint64_t failed;  /* non-zero exit, signal, or spawn failure */
	uint64_t killed;  /* timed out */
	uint64_t dropped; /* messages lost: queue full, no memory */
	size_t running;
	size_t queued;
};

struct contacts;

/*
 * Contact commands of the set contacts (borrowed: it must outlive c).
 * NULL on allocation failure.
 */
struct contacts *contacts_new(uv_loop_t *loop,
    const struct contact_set *contacts, unsigned max_running,
    uint64_t timeout_ms);
/* Kills running commands and frees c; their handles close as the loop
 * runs (run it); queued messages are dropped. */
void contacts_free(struct contacts *c);
/* Sends m to every contact it concerns.  Returns the number of commands
 * started or queued. */
int contacts_notify(struct contacts *c, const struct contact_msg *m);
void contacts_stats(const struct contacts *c, struct contacts_stats *st);

#endif
