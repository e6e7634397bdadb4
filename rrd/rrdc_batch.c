/*
 * rrdc_batch: BATCH of UPDATEs to rrdcached.  See rrdc_batch.h.
 *
 * The request is built in one buffer that grows to the largest batch
 * sent (kept for the next), and written with one send() where the
 * socket takes it; the answer is read through a small buffer, line by
 * line.  Names and values are escaped as librrd's client does (a
 * backslash before ' ' and '\'), which rrdcached's field parser undoes.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "rrd/rrdc_addr.h"
#include "rrd/rrdc_batch.h"

#define DEFAULT_PORT "42217"
#define ANSWER_LINE 4096 /* bytes of one answer line kept; longer cut */

struct rrdc_batch {
	char *addr;
	int fd;		     /* -1: not connected */
	unsigned timeout_ms; /* on each send and read (SO_SNDTIMEO/RCVTIMEO) */
	char *out;
	size_t outlen, outsize;
	size_t *map; /* sent command k (from 0) is lines[map[k]] */
	size_t mapsize;
	char in[8192]; /* answer bytes read, not yet consumed */
	size_t inlen, inpos;
};

struct rrdc_batch *
rrdc_batch_new(const char *addr)
{
	struct rrdc_batch *b;
	char err[200];

	if (rrdc_addr_kind(addr, err, sizeof(err)) == RRDC_BAD) {
		errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return NULL;
	b->fd = -1;
	b->timeout_ms = RRDC_BATCH_TIMEOUT_MS;
	b->addr = strdup(addr);
	if (b->addr == NULL) {
		free(b);
		errno = ENOMEM;
		return NULL;
	}
	return b;
}

void
rrdc_batch_free(struct rrdc_batch *b)
{
	if (b == NULL)
		return;
	rrdc_batch_close(b);
	free(b->addr);
	free(b->out);
	free(b->map);
	free(b);
}

void
rrdc_batch_close(struct rrdc_batch *b)
{
	if (b->fd != -1)
		close(b->fd);
	b->fd = -1;
	b->inlen = b->inpos = 0;
}

bool
rrdc_batch_is_connected(const struct rrdc_batch *b)
{
	return b->fd != -1;
}

static int
connect_unix(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, err;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

/* host and port of a TCP address as librrd reads it (rrdc_addr.h). */
static int
connect_tcp(const char *addr)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	char host[256];
	const char *port = DEFAULT_PORT, *colon, *close_br;
	size_t n;
	int fd = -1, err = ECONNREFUSED, gai;

	if (addr[0] == '[') {
		close_br = strchr(addr, ']');
		n = (size_t)(close_br - addr - 1);
		if (close_br[1] == ':')
			port = close_br + 2;
		addr++;
	} else {
		colon = strchr(addr, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL)
			n = strlen(addr); /* bare IPv6 */
		else if (colon != NULL) {
			n = (size_t)(colon - addr);
			port = colon + 1;
		} else
			n = strlen(addr);
	}
	if (n >= sizeof(host)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(host, addr, n);
	host[n] = '\0';
	gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		errno = gai == EAI_SYSTEM ? errno : EHOSTUNREACH;
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd == -1) {
			err = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1)
		errno = err;
	return fd;
}

void
rrdc_batch_set_timeout(struct rrdc_batch *b, unsigned ms)
{
	b->timeout_ms = ms;
}

int
rrdc_batch_connect(struct rrdc_batch *b)
{
	struct timeval tv;

	char err[8];

	if (b->fd != -1)
		return 0;
	if (rrdc_addr_kind(b->addr, err, sizeof(err)) == RRDC_UNIX)
		b->fd = connect_unix(
		    b->addr[0] == '/' ? b->addr : b->addr + strlen("unix:"));
	else
		b->fd = connect_tcp(b->addr);
	b->inlen = b->inpos = 0;
	if (b->fd == -1)
		return -1;
	tv.tv_sec = (time_t)(b->timeout_ms / 1000);
	tv.tv_usec = (suseconds_t)(b->timeout_ms % 1000) * 1000;
	if (setsockopt(b->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1 ||
	    setsockopt(b->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == -1) {
		rrdc_batch_close(b);
		return -1;
	}
	return 0;
}

/* Room for len more request bytes.  0 / -1 (ENOMEM). */
static int
out_reserve(struct rrdc_batch *b, size_t len)
{
	size_t size = b->outsize != 0 ? b->outsize : 65536;
	char *p;

	if (b->outlen + len <= b->outsize)
		return 0;
	while (size < b->outlen + len)
		size *= 2;
	p = realloc(b->out, size);
	if (p == NULL) {
		errno = ENOMEM;
		return -1;
	}
	b->out = p;
	b->outsize = size;
	return 0;
}

/* s, escaped, then sep.  0 / -1. */
static int
out_field(struct rrdc_batch *b, const char *s, char sep)
{
	size_t n = strlen(s);
	char *p;

	if (out_reserve(b, 2 * n + 1) == -1)
		return -1;
	p = b->out + b->outlen;
	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\\')
			*p++ = '\\';
		*p++ = *s;
	}
	*p++ = sep;
	b->outlen = (size_t)(p - b->out);
	return 0;
}

static int
out_str(struct rrdc_batch *b, const char *s)
{
	size_t n = strlen(s);

	if (out_reserve(b, n) == -1)
		return -1;
	memcpy(b->out + b->outlen, s, n);
	b->outlen += n;
	return 0;
}

static int
send_all(struct rrdc_batch *b)
{
	size_t off = 0;
	ssize_t k;

	while (off < b->outlen) {
		k = send(b->fd, b->out + off, b->outlen - off, MSG_NOSIGNAL);
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			errno = ETIMEDOUT;
		if (k == -1)
			return -1;
		off += (size_t)k;
	}
	return 0;
}

/* The next answer line, without its newline, cut to len - 1 bytes.
 * 0 / -1 (ECONNRESET at end of stream). */
static int
read_line(struct rrdc_batch *b, char *line, size_t len)
{
	size_t n = 0;
	ssize_t k;
	char c;

	for (;;) {
		if (b->inpos == b->inlen) {
			k = read(b->fd, b->in, sizeof(b->in));
			if (k == -1 && errno == EINTR)
				continue;
			if (k == -1 &&
			    (errno == EAGAIN || errno == EWOULDBLOCK))
				errno = ETIMEDOUT;
			if (k == -1)
				return -1;
			if (k == 0) {
				errno = ECONNRESET;
				return -1;
			}
			b->inlen = (size_t)k;
			b->inpos = 0;
		}
		c = b->in[b->inpos++];
		if (c == '\n')
			break;
		if (n + 1 < len)
			line[n++] = c;
	}
	line[n] = '\0';
	return 0;
}

/* The status number opening an answer line; false when there is none. */
static bool
status_of(const char *line, long *out, const char **rest)
{
	char *end;

	errno = 0;
	*out = strtol(line, &end, 10);
	if (end == line || errno != 0 || (*end != ' ' && *end != '\0'))
		return false;
	*rest = *end == ' ' ? end + 1 : end;
	return true;
}

int
rrdc_batch_update(struct rrdc_batch *b, const struct rrdc_line *lines, size_t n,
    rrdc_batch_err_cb cb, void *arg)
{
	char line[ANSWER_LINE];
	const char *msg;
	size_t i, sent = 0;
	long st, nerr, k;
	int err;

	if (n == 0)
		return 0;
	if (b->fd == -1) {
		errno = ENOTCONN;
		return -1;
	}
	if (b->mapsize < n) {
		size_t *m = realloc(b->map, n * sizeof(*m));

		if (m == NULL) {
			errno = ENOMEM;
			return -1;
		}
		b->map = m;
		b->mapsize = n;
	}
	b->outlen = 0;
	if (out_str(b, "BATCH\n") == -1)
		return -1;
	for (i = 0; i < n; i++) {
		if (strchr(lines[i].name, '\n') != NULL ||
		    strchr(lines[i].val, '\n') != NULL) {
			if (cb != NULL)
				cb(arg, i, "a newline in the name or value");
			continue;
		}
		if (out_str(b, "UPDATE ") == -1 ||
		    out_field(b, lines[i].name, ' ') == -1 ||
		    out_field(b, lines[i].val, '\n') == -1)
			return -1;
		b->map[sent++] = i;
	}
	if (out_str(b, ".\n") == -1)
		return -1;
	if (sent == 0)
		return 0;
	if (send_all(b) == -1 || read_line(b, line, sizeof(line)) == -1)
		goto lost;
	if (!status_of(line, &st, &msg) || st != 0)
		goto proto;
	if (read_line(b, line, sizeof(line)) == -1)
		goto lost;
	if (!status_of(line, &nerr, &msg) || nerr < 0)
		goto proto;
	for (; nerr > 0; nerr--) {
		if (read_line(b, line, sizeof(line)) == -1)
			goto lost;
		if (!status_of(line, &k, &msg) || k < 1 || (size_t)k > sent)
			goto proto;
		if (cb != NULL)
			cb(arg, b->map[k - 1], msg);
	}
	return 0;
proto:
	errno = EPROTO;
lost:
	err = errno;
	rrdc_batch_close(b);
	errno = err;
	return -1;
}
