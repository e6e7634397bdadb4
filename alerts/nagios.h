/*
 * nagios: passive check results written to Nagios's (or Icinga's) external
 * command file, the FIFO Nagios creates at command_file (a regular file
 * works too).
 *
 *   [TS] PROCESS_SERVICE_CHECK_RESULT;HOST;SERVICE;CODE;TEXT|PERFDATA
 *   [TS] PROCESS_HOST_CHECK_RESULT;HOST;CODE;TEXT
 *
 * Every line goes out in one write(2) of at most NAGIOS_LINE_MAX bytes, so
 * on a FIFO it is atomic and never interleaves with other writers' lines;
 * over-long text and perfdata are cut to fit, a line is never split.  The
 * file is opened O_WRONLY|O_NONBLOCK|O_APPEND for each flush and closed
 * after it (a restarted Nagios makes a new FIFO): the loop never blocks.
 * When Nagios is down (ENOENT, ENXIO: no reader; EAGAIN: FIFO full; EPIPE)
 * lines wait in a bounded queue, oldest dropped first, and a uv_timer
 * retries with backoff.
 *
 * Freshness: Nagios's freshness checks want a result at least every
 * freshness_threshold; the caller simply calls nagios_result() again with
 * the current state (e.g. once per interval), nothing is remembered here.
 *
 * Loop thread only.  The process must ignore SIGPIPE (the daemon does).
 */
#ifndef DROVER_NAGIOS_H
#define DROVER_NAGIOS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <uv.h>

/* Longest line written, '\n' included, bytes: PIPE_BUF on Linux, the
 * largest write a FIFO guarantees atomic. */
#define NAGIOS_LINE_MAX 4096

/* Nagios plugin return codes. */
enum nagios_code {
	NAGIOS_OK = 0,
	NAGIOS_WARNING = 1,
	NAGIOS_CRITICAL = 2,
	NAGIOS_UNKNOWN = 3
};

/* Host check result codes (PROCESS_HOST_CHECK_RESULT). */
enum nagios_host_code { NAGIOS_HOST_UP = 0, NAGIOS_HOST_DOWN = 1 };

struct nagios_stats {
	uint64_t written;  /* lines written whole */
	uint64_t queued;   /* lines that had to wait in the queue */
	uint64_t dropped;  /* lines lost: queue full or unformattable */
	uint64_t failures; /* flush attempts that failed */
	size_t pending;	   /* lines in the queue now */
};

struct nagios_out;

/*
 * A writer for path holding at most queue_max waiting lines (>= 1).
 * Nothing is opened yet.  NULL on allocation failure.
 */
struct nagios_out *nagios_new(
    uv_loop_t *loop, const char *path, size_t queue_max);
/* Closes the retry timer (run the loop once more to finish the close) and
 * frees n after that; queued lines are lost (counted nowhere). */
void nagios_free(struct nagios_out *n);

/*
 * Sends a service result now, or queues it when the file is not writable.
 * code: enum nagios_code; text: plugin output; perfdata: NULL or "" for
 * none.  host and service get ';', '|' and control characters replaced by
 * '_'; text gets '|' -> '/', ';' -> ',' and control characters -> ' '.
 * Returns 0 when written or queued, -1 when dropped (host/service too long
 * for a line, or out of memory).
 */
int nagios_result(struct nagios_out *n, const char *host, const char *service,
    int code, const char *text, const char *perfdata);
/* The same for a host (enum nagios_host_code): a host that is down/up. */
int nagios_host_result(
    struct nagios_out *n, const char *host, int code, const char *text);
void nagios_stats(const struct nagios_out *n, struct nagios_stats *st);

/*
 * Pure formatters behind the two calls: write the whole line ('\n'
 * included, NUL-terminated) into buf (at least NAGIOS_LINE_MAX + 1 bytes)
 * for time ts.  Perfdata is cut at a space (whole items) before text is
 * cut (never inside a UTF-8 sequence).  Return the line's length, or 0
 * when host and service alone do not fit.
 */
size_t nagios_format_service(char *buf, time_t ts, const char *host,
    const char *service, int code, const char *text, const char *perfdata);
size_t nagios_format_host(
    char *buf, time_t ts, const char *host, int code, const char *text);

#endif
