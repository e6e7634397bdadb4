/*
 * outputs: where alert events go.  The alert engine hands each hard change
 * here (outputs_event is an alert_output_fn); outputs turns it into
 *   - a PROCESS_SERVICE_CHECK_RESULT (service = worst field) or
 *     PROCESS_HOST_CHECK_RESULT line for Nagios (nagios_command_file),
 *   - munin-limits style messages to Munin contact commands,
 *   - pages (webhook, e-mail) through the notifier's durable queue,
 * and re-sends every service's state to Nagios once per interval for its
 * freshness checks.  Changes of one service within one loop turn (one
 * poll) are sent as one result.  Loop thread only.
 */
#ifndef DROVER_OUTPUTS_H
#define DROVER_OUTPUTS_H

#include <uv.h>

#include "alerts/alert_event.h"
#include "alerts/contact_set.h"
#include "alerts/nagios.h"
#include "alerts/notify.h"
#include "catalog/catalog.h"

/* A host's munin.conf "contacts" list (NULL: every contact with a
 * command), looked up in the caller's config. */
typedef const char *(*outputs_host_contacts_fn)(void *arg, const char *host);

/* What the outputs read of the config; it must outlive the outputs or the
 * next outputs_set_conf(). */
struct outputs_conf {
	const char *nagios_command_file; /* NULL: no Nagios */
	const char *spool_dir;		 /* pages' spool, "STATE_DIR/spool" */
	const struct notify_conf *notify;
	const struct contact_set *contacts;
	outputs_host_contacts_fn host_contacts; /* NULL: every host NULL */
	void *host_contacts_arg;
};

struct outputs;

/*
 * cat is read; c is copied (what it points to is not).  NULL when the
 * pages cannot start (spool, token files: logged).
 */
struct outputs *outputs_new(
    uv_loop_t *loop, const struct outputs_conf *c, struct catalog *cat);
/*
 * The delivery counters, read from their owners at the call: the
 * notifier counts pages, the Nagios writer counts command-file lines.
 * outputs keeps no copy; each counter has that one owner.
 */
struct outputs_stats {
	struct notifier_stats pages; /* all zero once stopped */
	struct nagios_stats nagios;  /* all zero without a command file */
};
void outputs_stats(const struct outputs *o, struct outputs_stats *out);
/* An alert_output_fn: arg is the struct outputs. */
void outputs_event(void *arg, const struct alert_event *ev);
/* Re-sends every service state with rules to Nagios (freshness). */
void outputs_refresh(struct outputs *o);
/* A reloaded config: a new command file or contacts take effect. */
void outputs_set_conf(struct outputs *o, const struct outputs_conf *c);
/* Stops timers and children; the loop then drains; frees after. */
void outputs_stop(struct outputs *o);
void outputs_free(struct outputs *o);

#endif
