/*
 * notify: pages -- durable notification delivery to webhooks and e-mail.
 *
 * Contacts come from munin.conf "contact.NAME.KEY VALUE" lines:
 *   webhook URL            POST a JSON page to URL (http/https)
 *   webhook_token_file P   send "Authorization: Bearer <first line of P>";
 *                          P must not be readable by group or others
 *   email ADDRESS          send an e-mail through smtp_url (global keys
 *                          smtp_url, smtp_from, smtp_starttls, smtp_user,
 *                          smtp_password_file)
 *   severities LIST        warning,critical,unknown (default all three)
 *   renotify SECONDS       reminder interval while a problem lasts
 *                          (default 1800; 0: never)
 *   recovery yes|no        send a page when the problem clears (default
 *                          yes; only for a state the contact was paged for)
 * Munin's contact.NAME.command lines are not ours and are left alone.
 *
 * Durability: every page item is written to the spool directory (one
 * file per item and channel, fsync'd, see spool.h) before the first
 * attempt and removed only when the receiver accepted it (HTTP 2xx, SMTP
 * 250).  Failed attempts back off (notify_retry_min doubling up to
 * notify_retry_max seconds: by default 2, 4, 8 ... 512, then every 600 s,
 * so a receiver that comes back has the page within seconds) until
 * notify_expiry seconds after the item was queued; then it is dropped
 * with a log line.  notifier_new re-reads the
 * spool, so kill -9 and restarts lose nothing: delivery is at-least-once
 * and every item carries a stable dedupe key (receivers drop repeats).
 *
 * Grouping (storm control without delay): the first item for a
 * (contact, channel, host) goes out at once, with whatever else of that
 * host arrived in the same loop pass, and opens a window of
 * notify_group_window seconds; the items of that host arriving inside it
 * wait for its end and go out as one page (one POST, one e-mail, at most
 * 50 items) listing them all.  After the window the next item goes out at
 * once again, so a quiet host's problem and its recovery are never held
 * back, and a host in a storm costs at most two pages per window.
 *
 * Renotify: the notifier owns reminders.  It keeps each contact's open
 * problems (host/service/field) in spool_dir/open-problems.json (saved on
 * the loop iteration after a change, so a crash in between may cost the
 * reminders of that one problem, never its page), re-sends
 * every renotify seconds (epoch-based, so the schedule survives restarts)
 * and forgets a problem when that field returns to OK; the engine reports
 * only changes.
 *
 * Webhook body (application/json; header X-Drover-Dedupe-Key = the page's
 * dedupe_key): {"host", "state" (worst), "dedupe_key", "summary" (the
 * subject line), "text", "count", "items": [item...]} where an item is
 * {"host", "service", "field", "label", "state", "previous_state",
 * "value" (number or null), "unit", "warning", "critical" (range text or
 * null), "since", "when" (epoch s), "host_down", "renotify", "recovery",
 * "text", "dedupe_key"}; a one-item page also carries that item's members
 * at the top level.  E-mail: see notify_fmt.h (Message-ID derives from the
 * dedupe key, so a repeated delivery is recognisable).
 *
 * Transfers run on libcurl's multi interface driven from the caller's
 * libuv loop (sockets as uv_poll, curl's timeout as a uv_timer).  All
 * functions are for the loop thread only; nothing here starts a thread.
 */
#ifndef DROVER_NOTIFY_H
#define DROVER_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <uv.h>

#include "alerts/alert_event.h"
#include "alerts/contact_set.h"

/* The global page settings (munin.conf keys smtp_* and notify_*), as conf
 * checked them.  The strings are the config's. */
struct notify_conf {
	char *smtp_url;		  /* smtp:// or smtps:// URL; NULL: none */
	char *smtp_from;	  /* envelope and From: address */
	char *smtp_user;	  /* SMTP AUTH user; NULL: no auth */
	char *smtp_password_file; /* mode 0600 file holding the password */
	bool smtp_starttls;	  /* require STARTTLS on smtp:// */
	unsigned expiry;	  /* seconds a page is retried, 86400 */
	unsigned group_window;	  /* seconds after a host's first page in
				     which its further problems wait to go
				     out as one page, 5 */
	unsigned retry_min;	  /* seconds before the first retry, 2 */
	unsigned retry_max;	  /* seconds, cap of the doubling, 600 */
	unsigned connect_timeout; /* seconds, the global connect_timeout */
};

struct notifier;

struct notifier_stats {
	size_t queued;	      /* items waiting in the spool */
	unsigned in_flight;   /* pages being sent now */
	uint64_t delivered;   /* items a receiver accepted, since start */
	uint64_t pages;	      /* pages (POSTs, e-mails) accepted */
	uint64_t failed;      /* failed attempts (pages), since start */
	uint64_t expired;     /* items dropped after notify_expiry */
	uint64_t dropped;     /* items dropped: contact or channel gone */
	time_t oldest;	      /* epoch s the oldest queued item was queued;
				 0: none */
	size_t open_problems; /* (contact, field) problems being reminded */
	/* why the spool cannot be written now (open problems not saved,
	 * pages not spooled); "" when fine */
	char spool_error[512];
};

/*
 * A notifier on loop with the settings nc for the page contacts of cs,
 * spooling under spool_dir (created mode 0700).  Queued items found there
 * are resumed.  A spool that cannot be created or read (a read-only
 * state_dir) is logged and shown in notifier_stats; pages still go out,
 * from memory.  Returns NULL (logged) when a token/password file is
 * missing or readable by group/others.  nc and cs are only read during
 * the call.
 */
struct notifier *notifier_new(uv_loop_t *loop, const struct notify_conf *nc,
    const struct contact_set *cs, const char *spool_dir);
/* Reads every token and password file of nc and cs as notifier_new does
 * (and forgets them): 0, or -1 with notifier_new's own message logged.
 * For "drover config", so it refuses what "drover run" would. */
int notify_check_secrets(
    const struct notify_conf *nc, const struct contact_set *cs);
/* Replaces contacts and SMTP settings (SIGHUP).  Queued items of a contact
 * that no longer exists are dropped when due.  0, or -1 (logged) with the
 * old settings kept. */
int notifier_set_conf(struct notifier *n, const struct notify_conf *nc,
    const struct contact_set *cs);
/* Queues pages for every contact that wants ev (see above). */
void notifier_event(struct notifier *n, const struct alert_event *ev);
void notifier_stats(const struct notifier *n, struct notifier_stats *st);
/* Aborts transfers and stops timers; queued items stay in the spool. */
void notifier_stop(struct notifier *n);
/* Stops n and frees it once its handles have closed: the caller runs the
 * loop afterwards (uv_run) for that to happen. */
void notifier_free(struct notifier *n);

#endif
