/*
 * log: stderr or syslog output with a subsystem prefix, plus a small
 * rate limiter so a host that stays broken is reported once, not every poll.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "lib/log.h"

/* Written once in log_init() before threads start, read-only afterwards. */
static bool log_syslog;
static enum log_level log_max = LOG_LVL_INFO;
static FILE *log_stream;

void
log_init(bool use_syslog, enum log_level max_level)
{
	log_syslog = use_syslog;
	log_max = max_level;
	if (use_syslog)
		openlog("drover", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_set_stream(FILE *stream)
{
	log_stream = stream;
}

/* msg with control bytes (C0, DEL, and C1 as UTF-8) written as \\xNN:
 * names and labels from nodes, request paths and server replies reach
 * messages, and must not drive the operator's terminal or forge lines.
 * out holds 4 * strlen(msg) + 1 bytes. */
static void
log_clean(const char *msg, char *out)
{
	const unsigned char *p = (const unsigned char *)msg;
	char *o = out;

	for (; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f ||
		    (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)) {
			o += sprintf(o, "\\x%02x", *p);
			if (*p == 0xc2)
				o += sprintf(o, "\\x%02x", *++p);
		} else {
			*o++ = (char)*p;
		}
	}
	*o = '\0';
}

static void
log_vemit(enum log_level lvl, const char *errstr, const char *fmt, va_list ap)
{
	static const char *const names[] = {"warning", "info", "debug"};
	static const int prio[] = {LOG_WARNING, LOG_INFO, LOG_DEBUG};
	char raw[2048], msg[4 * sizeof(raw)];
	char stamp[32];
	struct tm tm;
	time_t now;
	FILE *out;

	if (lvl > log_max)
		return;
	vsnprintf(raw, sizeof(raw), fmt, ap);
	log_clean(raw, msg);
	if (log_syslog) {
		if (errstr != NULL)
			syslog(prio[lvl], "%s: %s", msg, errstr);
		else
			syslog(prio[lvl], "%s", msg);
		return;
	}
	out = log_stream != NULL ? log_stream : stderr;
	now = time(NULL);
	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	/* One fprintf per message so lines from threads do not interleave. */
	if (errstr != NULL)
		fprintf(out, "%s %s: %s: %s\n", stamp, names[lvl], msg, errstr);
	else
		fprintf(out, "%s %s: %s\n", stamp, names[lvl], msg);
	fflush(out);
}

void
log_warn(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_WARN, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_WARN, NULL, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_INFO, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_DEBUG, NULL, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_WARN, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vemit(LOG_LVL_WARN, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}

bool
ratelimit_allow(struct ratelimit *rl, uint64_t now_ms, uint64_t interval_ms,
    unsigned *suppressed)
{
	if (rl->used && now_ms - rl->last_ms < interval_ms) {
		rl->suppressed++;
		return false;
	}
	if (suppressed != NULL)
		*suppressed = rl->suppressed;
	rl->used = true;
	rl->last_ms = now_ms;
	rl->suppressed = 0;
	return true;
}
