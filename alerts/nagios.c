/*
 * nagios: passive results into Nagios's external command file; see
 * nagios.h for the contract.  The queue is a ring of malloc'd lines; it
 * holds only what Nagios could not take yet, so it is usually empty.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "alerts/nagios.h"

#define RETRY_FIRST_MS 1000 /* first retry after a failed flush, ms */
#define RETRY_MAX_MS 30000  /* backoff cap, ms */
#define RETRY_FULL_MS                                                          \
	100		   /* retry when the FIFO is full: Nagios is           \
			      there and reading, ms */
#define COMPLAIN_MS 600000 /* one complaint per 10 min while down */

struct qline {
	char *s;
	size_t len;
};

struct nagios_out {
	uv_loop_t *loop;
	uv_timer_t timer;
	char *path;
	struct qline *q; /* ring of cap lines */
	size_t cap, head, n;
	uint64_t retry_ms; /* next backoff, ms */
	bool down;	   /* the last flush failed */
	struct ratelimit rl;
	struct nagios_stats st;
};

/* ---- formatting (pure) --------------------------------------------- */

enum san { SAN_NAME, SAN_TEXT, SAN_PERF };

/* Copies src into dst (at most cap bytes, no NUL) with what would break
 * the command replaced; returns the bytes copied. */
static size_t
san_copy(char *dst, size_t cap, const char *src, enum san how)
{
	size_t i;
	unsigned char c;

	for (i = 0; src != NULL && src[i] != '\0' && i < cap; i++) {
		c = (unsigned char)src[i];
		if (how == SAN_NAME &&
		    (c == ';' || c == '|' || c < 0x20 || c == 0x7f))
			c = '_';
		else if (how == SAN_TEXT && c == '|')
			c = '/';
		else if (how == SAN_TEXT && c == ';')
			c = ',';
		else if (how == SAN_PERF && c == '|')
			c = ' ';
		else if (how != SAN_NAME && (c < 0x20 || c == 0x7f))
			c = ' ';
		dst[i] = (char)c;
	}
	return i;
}

/* The longest whole-item prefix of perfdata p (len bytes) no longer than
 * room: cut at a space outside a quoted label. */
static size_t
perf_cut(const char *p, size_t len, size_t room)
{
	size_t i, best = 0;
	bool quoted = false;

	if (len <= room)
		return len;
	for (i = 0; i <= room && i < len; i++) {
		if (p[i] == '\'')
			quoted = !quoted;
		else if (p[i] == ' ' && !quoted)
			best = i;
	}
	return best;
}

/* Cuts text to at most room bytes, never inside a UTF-8 sequence. */
static size_t
text_cut(const char *t, size_t len, size_t room)
{
	if (len <= room)
		return len;
	len = room;
	while (len > 0 && ((unsigned char)t[len] & 0xc0) == 0x80)
		len--;
	return len;
}

/* Appends text and perfdata to the prefix already in buf (plen bytes) and
 * ends the line. */
static size_t
finish_line(char *buf, size_t plen, const char *text, const char *perfdata)
{
	char t[NAGIOS_LINE_MAX], p[NAGIOS_LINE_MAX];
	size_t tl, pl, room;

	room = NAGIOS_LINE_MAX - 1 - plen; /* '\n' */
	tl = san_copy(t, sizeof(t), text, SAN_TEXT);
	pl = san_copy(p, sizeof(p), perfdata, SAN_PERF);
	while (pl > 0 && p[pl - 1] == ' ')
		pl--;
	if (pl > 0 && tl + 1 + pl > room)
		pl = tl + 1 < room ? perf_cut(p, pl, room - tl - 1) : 0;
	tl = text_cut(t, tl, pl > 0 ? room - 1 - pl : room);
	memcpy(buf + plen, t, tl);
	plen += tl;
	if (pl > 0) {
		buf[plen++] = '|';
		memcpy(buf + plen, p, pl);
		plen += pl;
	}
	buf[plen++] = '\n';
	buf[plen] = '\0';
	return plen;
}

/* Appends a sanitised name and a ';'; false when it does not fit. */
static bool
put_name(char *buf, size_t *len, const char *name)
{
	size_t room = NAGIOS_LINE_MAX - 1 - *len, n;

	if (name == NULL)
		name = "";
	n = san_copy(buf + *len, room, name, SAN_NAME);
	if (n == room || name[n] != '\0')
		return false;
	*len += n;
	buf[(*len)++] = ';';
	return true;
}

size_t
nagios_format_service(char *buf, time_t ts, const char *host,
    const char *service, int code, const char *text, const char *perfdata)
{
	size_t len;

	len = (size_t)snprintf(buf, NAGIOS_LINE_MAX,
	    "[%lld] PROCESS_SERVICE_CHECK_RESULT;", (long long)ts);
	if (!put_name(buf, &len, host) || !put_name(buf, &len, service))
		return 0;
	len += (size_t)snprintf(buf + len, NAGIOS_LINE_MAX - len, "%d;", code);
	if (len >= NAGIOS_LINE_MAX - 1)
		return 0;
	return finish_line(buf, len, text, perfdata);
}

size_t
nagios_format_host(
    char *buf, time_t ts, const char *host, int code, const char *text)
{
	size_t len;

	len = (size_t)snprintf(buf, NAGIOS_LINE_MAX,
	    "[%lld] PROCESS_HOST_CHECK_RESULT;", (long long)ts);
	if (!put_name(buf, &len, host))
		return 0;
	len += (size_t)snprintf(buf + len, NAGIOS_LINE_MAX - len, "%d;", code);
	if (len >= NAGIOS_LINE_MAX - 1)
		return 0;
	return finish_line(buf, len, text, NULL);
}

/* ---- the writer ---------------------------------------------------- */

struct nagios_out *
nagios_new(uv_loop_t *loop, const char *path, size_t queue_max)
{
	struct nagios_out *n;

	n = calloc(1, sizeof(*n));
	if (n == NULL)
		return NULL;
	n->loop = loop;
	n->cap = queue_max > 0 ? queue_max : 1;
	n->path = strdup(path);
	n->q = calloc(n->cap, sizeof(*n->q));
	if (n->path == NULL || n->q == NULL) {
		free(n->path);
		free(n->q);
		free(n);
		return NULL;
	}
	n->retry_ms = RETRY_FIRST_MS;
	uv_timer_init(loop, &n->timer);
	n->timer.data = n;
	return n;
}

static void
on_closed(uv_handle_t *h)
{
	struct nagios_out *n = h->data;
	size_t i;

	for (i = 0; i < n->n; i++)
		free(n->q[(n->head + i) % n->cap].s);
	free(n->q);
	free(n->path);
	free(n);
}

void
nagios_free(struct nagios_out *n)
{
	if (n == NULL)
		return;
	uv_close((uv_handle_t *)&n->timer, on_closed);
}

void
nagios_stats(const struct nagios_out *n, struct nagios_stats *st)
{
	*st = n->st;
	st->pending = n->n;
}

static void flush(struct nagios_out *n);

static void
on_retry(uv_timer_t *t)
{
	flush(t->data);
}

/* Writes queued lines oldest first until the queue is empty or the file
 * refuses; a refusal arms the retry timer with backoff. */
static void
flush(struct nagios_out *n)
{
	struct qline *l;
	unsigned suppressed;
	uint64_t now;
	ssize_t w;
	int fd, err = 0;

	fd = open(n->path, O_WRONLY | O_NONBLOCK | O_APPEND | O_CLOEXEC);
	if (fd == -1)
		err = errno;
	while (fd != -1 && n->n > 0) {
		l = &n->q[n->head];
		w = write(fd, l->s, l->len);
		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1) {
			err = errno;
			break;
		}
		if ((size_t)w < l->len) {
			/* only a regular file (disk full) writes short; the
			 * rest follows the part already written */
			memmove(l->s, l->s + w, l->len - (size_t)w);
			l->len -= (size_t)w;
			err = ENOSPC;
			break;
		}
		free(l->s);
		n->head = (n->head + 1) % n->cap;
		n->n--;
		n->st.written++;
	}
	if (fd != -1)
		close(fd);
	if (err == 0) {
		if (n->down)
			log_info("nagios: %s: writable again", n->path);
		n->down = false;
		n->retry_ms = RETRY_FIRST_MS;
		uv_timer_stop(&n->timer);
		return;
	}
	n->st.failures++;
	now = uv_now(n->loop);
	if (!n->down &&
	    ratelimit_allow(&n->rl, now, COMPLAIN_MS, &suppressed)) {
		errno = err;
		log_warn("nagios: %s: %zu result%s waiting", n->path, n->n,
		    n->n == 1 ? "" : "s");
	}
	n->down = true;
	if (err == EAGAIN) {
		uv_timer_start(&n->timer, on_retry, RETRY_FULL_MS, 0);
	} else if (!uv_is_active((uv_handle_t *)&n->timer)) {
		uv_timer_start(&n->timer, on_retry, n->retry_ms, 0);
		n->retry_ms *= 2;
		if (n->retry_ms > RETRY_MAX_MS)
			n->retry_ms = RETRY_MAX_MS;
	}
}

/* Queues a copy of line (dropping the oldest when full) and flushes,
 * unless a retry is pending: then the line waits its turn. */
static int
submit(struct nagios_out *n, const char *line, size_t len)
{
	struct qline *l;
	char *s;

	if (len == 0) {
		n->st.dropped++;
		return -1;
	}
	s = malloc(len);
	if (s == NULL) {
		n->st.dropped++;
		return -1;
	}
	memcpy(s, line, len);
	if (n->n == n->cap) {
		free(n->q[n->head].s);
		n->head = (n->head + 1) % n->cap;
		n->n--;
		n->st.dropped++;
	}
	l = &n->q[(n->head + n->n) % n->cap];
	l->s = s;
	l->len = len;
	n->n++;
	if (!uv_is_active((uv_handle_t *)&n->timer))
		flush(n);
	if (n->n > 0)
		n->st.queued++; /* this line, the newest, is waiting */
	return 0;
}

int
nagios_result(struct nagios_out *n, const char *host, const char *service,
    int code, const char *text, const char *perfdata)
{
	char buf[NAGIOS_LINE_MAX + 1];
	size_t len;

	len = nagios_format_service(
	    buf, time(NULL), host, service, code, text, perfdata);
	if (len == 0)
		log_warnx("nagios: %s: host/service name too long", host);
	return submit(n, buf, len);
}

int
nagios_host_result(
    struct nagios_out *n, const char *host, int code, const char *text)
{
	char buf[NAGIOS_LINE_MAX + 1];
	size_t len;

	len = nagios_format_host(buf, time(NULL), host, code, text);
	if (len == 0)
		log_warnx("nagios: host name too long");
	return submit(n, buf, len);
}
