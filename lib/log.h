/*
 * log: the one place messages leave drover.
 *
 * Messages go to stderr (default) or syslog.  Every message starts with its
 * subsystem ("conf: ...", "poll: host: ...").  log_warn() appends
 * strerror(errno); log_warnx() does not.  fatal()/fatalx() are for start-up
 * and broken invariants only: a failing host is data, not an emergency.
 * Control characters in a message (ESC, BEL, CR, LF, ...: a node's label,
 * a request path) are written as \xNN: here, not at ingest, because every
 * message passes here, whatever it quotes; the dashboard, JSON, mail and
 * contact commands escape for themselves.
 *
 * The settings are written once at start-up, before any thread starts.
 */
#ifndef DROVER_LOG_H
#define DROVER_LOG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum log_level { LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Send messages to syslog (true) or to stderr; show up to max_level. */
void log_init(bool use_syslog, enum log_level max_level);
/* Tests: write messages to stream instead of stderr (NULL restores). */
void log_set_stream(FILE *stream);

void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

/*
 * A rate limiter for repeated complaints about one thing (a host that stays
 * down, a full disk).  Embedded in the owner's struct, zero-initialised.
 */
struct ratelimit {
	uint64_t last_ms;    /* when the last message was let through */
	unsigned suppressed; /* messages dropped since then */
	bool used;	     /* false until the first message */
};

/*
 * Returns true when a message may be logged at now_ms (monotonic
 * milliseconds): the first one, then at most one per interval_ms.  On true,
 * *suppressed (if not NULL) receives how many were dropped in between.
 */
bool ratelimit_allow(struct ratelimit *rl, uint64_t now_ms,
    uint64_t interval_ms, unsigned *suppressed);

#endif
