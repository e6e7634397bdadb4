/*
 * contact_set: the contacts of munin.conf's "contact.NAME.KEY VALUE"
 * lines, checked and parsed once when the config is read, then read by
 * Munin's contact commands (contacts.h), the pages (notify.h) and the
 * outputs (outputs.h).
 *
 * Munin's own keys (command, text, always_send, max_messages) are kept as
 * written: munin-limits' semantics live in contacts.c.  drover's page keys
 * are checked here: webhook (an http:// or https:// URL),
 * webhook_token_file (an absolute path), email (one address), severities
 * (a comma list of warning, critical, unknown; default all), renotify
 * (0..2592000 s; default 1800), recovery (yes/no; default yes).  Any other
 * key is an error, so a typo never silently disables a page.
 */
#ifndef DROVER_CONTACT_SET_H
#define DROVER_CONTACT_SET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONTACT_SEV_WARNING 0x1u
#define CONTACT_SEV_CRITICAL 0x2u
#define CONTACT_SEV_UNKNOWN 0x4u
#define CONTACT_SEV_ALL 0x7u

/* Which keys a contact's lines set (for printing what was written). */
enum contact_key {
	CK_COMMAND,
	CK_TEXT,
	CK_ALWAYS_SEND,
	CK_MAX_MESSAGES,
	CK_WEBHOOK,
	CK_WEBHOOK_TOKEN_FILE,
	CK_EMAIL,
	CK_SEVERITIES,
	CK_RENOTIFY,
	CK_RECOVERY,
	CK_NKEYS
};

struct contact_def {
	char *name;
	/* Munin's keys, as written; NULL: not set */
	char *command;
	char *text;
	char *always_send;
	char *max_messages;
	/* page keys */
	char *webhook;		  /* URL; NULL: no webhook */
	char *webhook_token_file; /* absolute path; NULL: no token */
	char *email;		  /* one address; NULL: no e-mail */
	unsigned severities;	  /* CONTACT_SEV_* mask */
	unsigned renotify;	  /* seconds between reminders; 0: never */
	bool recovery;		  /* page when a paged problem clears */
	unsigned set;		  /* 1 << enum contact_key for each key given */
};

/* Contacts in the order their first line came. */
struct contact_set {
	struct contact_def *v;
	size_t n;
	size_t cap;
};

/*
 * Takes one line's "NAME.KEY" and value.  0; 1 when KEY is none of the
 * contact keys above (s untouched: whether Munin knows it, and so whether
 * it is ignored or refused, is the config reader's call); or -1 with a
 * message (without file and line) in err: bad value, or out of memory.
 */
int contact_set_line(struct contact_set *s, const char *name_key,
    const char *value, char *err, size_t errlen);
/* The contact called name, or NULL. */
const struct contact_def *contact_set_find(
    const struct contact_set *s, const char *name);
/* Whether any contact has a Munin command. */
bool contact_set_has_commands(const struct contact_set *s);
/* Prints every key given, one "contact.NAME.KEY VALUE" line each, a
 * contact's keys together in enum contact_key order. */
void contact_set_print(const struct contact_set *s, FILE *out);
void contact_set_cleanup(struct contact_set *s);

/* A "warning,critical" list as a CONTACT_SEV_* mask; 0 when any word is
 * not one of warning, critical, unknown. */
unsigned contact_severities_parse(const char *s);

#endif
