/*
 * node_server: accept, allow, read lines, answer, bound (node_server.h).
 *
 * A connection reads into a fixed buffer of twice NODE_LINE_MAX, so a
 * line that fits always has room and one that does not is noticed
 * before the buffer is full.  Lines are handled one at a time; while a
 * request waits for an asynchronous answer (an exec plugin) reading
 * stops, and what is buffered waits with it.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/node_proto.h"
#include "agent/node_server.h"
#include "lib/buf.h"
#include "lib/log.h"

#define IN_BUF (2 * NODE_LINE_MAX)
#define LOG_EVERY_MS 10000 /* repeated refusals: one message per 10 s */

struct conn {
	uv_tcp_t tcp;
	uv_timer_t timer; /* idle */
	struct node_server *srv;
	struct conn *prev, *next;
	struct node_proto proto;
	char in[IN_BUF]; /* received, not yet handled */
	size_t inlen;
	struct node_pending *pending; /* an answer still to come */
	bool asking;		      /* inside or waiting for an ask */
	bool closing;
	int open; /* handles not yet closed */
	char peer[64];
};

struct write_req {
	uv_write_t req;
	char *text; /* the answer, freed when written */
};

struct node_server {
	uv_loop_t *loop;
	uv_tcp_t listener;
	struct node_plugins *np;
	struct node_allow allow;
	char *host;
	unsigned timeout_s, max_conns, port;
	unsigned nconns;
	struct conn *conns;
	bool stopping;
	struct ratelimit refuse_rl, deny_rl;
};

static void conn_close(struct conn *c);
static void handle_input(struct conn *c);

static void
on_conn_closed(uv_handle_t *h)
{
	struct conn *c = h->data;

	if (--c->open > 0)
		return;
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		c->srv->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->srv->nconns--;
	free(c);
}

static void
conn_close(struct conn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	if (c->pending != NULL)
		node_plugins_cancel(c->pending);
	c->pending = NULL;
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, on_conn_closed);
	uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

static void
on_written(uv_write_t *req, int status)
{
	struct write_req *w = (struct write_req *)req;

	(void)status; /* a failed write shows as a read error or EOF */
	free(w->text);
	free(w);
}

/* Sends what out holds (emptied); drops c when it does not read. */
static void
conn_send(struct conn *c, struct buf *out)
{
	struct write_req *w;
	size_t len;
	char *text;
	uv_buf_t b;

	if (c->closing || out->len == 0) {
		buf_free(out);
		return;
	}
	if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) >
	    NODE_QUEUE_MAX) {
		log_warnx("node: %s: does not read its answers (over %d bytes "
			  "queued), dropped",
		    c->peer, NODE_QUEUE_MAX);
		buf_free(out);
		conn_close(c);
		return;
	}
	text = buf_take(out, &len);
	w = malloc(sizeof(*w));
	if (text == NULL || w == NULL) {
		log_warnx("node: %s: out of memory, dropped", c->peer);
		free(text);
		free(w);
		conn_close(c);
		return;
	}
	w->text = text;
	b = uv_buf_init(text, (unsigned)len);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0) {
		free(text);
		free(w);
		conn_close(c);
	}
}

static void
on_idle(uv_timer_t *t)
{
	struct conn *c = t->data;

	log_info("node: %s: no command for %u s, closed", c->peer,
	    c->srv->timeout_s);
	conn_close(c);
}

static void
idle_restart(struct conn *c)
{
	uv_timer_start(
	    &c->timer, on_idle, (uint64_t)c->srv->timeout_s * 1000, 0);
}

static void
on_answer(void *arg, enum node_answer a, const char *text, size_t len)
{
	struct conn *c = arg;
	struct buf out = {0};
	bool later = c->pending != NULL;

	c->pending = NULL;
	c->asking = false;
	node_proto_answer(&out, a, text, len);
	conn_send(c, &out);
	if (later && !c->closing)
		handle_input(c); /* restarts reading once the buffer is done */
}

static void
on_shutdown(uv_shutdown_t *req, int status)
{
	struct conn *c = req->data;

	(void)status;
	free(req);
	conn_close(c);
}

/* "quit": what was answered is sent, then the connection closes. */
static void
conn_quit(struct conn *c)
{
	uv_shutdown_t *req = malloc(sizeof(*req));

	uv_read_stop((uv_stream_t *)&c->tcp);
	if (req == NULL) {
		conn_close(c);
		return;
	}
	req->data = c;
	if (uv_shutdown(req, (uv_stream_t *)&c->tcp, on_shutdown) != 0) {
		free(req);
		conn_close(c);
	}
}

/* One line; false when no more input is to be handled now. */
static bool
handle_line(struct conn *c, const char *line, size_t len)
{
	struct node_request req;
	struct node_ask q = {0};
	struct node_pending *p;
	struct buf out = {0};

	idle_restart(c);
	switch (node_proto_line(&c->proto, line, len, &out, &req)) {
	case NODE_STEP_ANSWERED:
		conn_send(c, &out);
		return !c->closing;
	case NODE_STEP_QUIT:
		buf_free(&out);
		conn_quit(c);
		return false;
	case NODE_STEP_ASK:
		break;
	}
	buf_free(&out);
	q.name = req.name;
	q.config = req.config;
	q.multigraph = c->proto.multigraph;
	q.dirtyconfig = c->proto.dirtyconfig;
	q.now_ms = uv_now(c->srv->loop);
	q.peer = c->peer;
	c->asking = true;
	p = node_plugins_ask(c->srv->np, &q, on_answer, c);
	if (!c->asking)
		return !c->closing;
	c->pending = p;
	uv_read_stop((uv_stream_t *)&c->tcp);
	return false;
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b);
static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b);

/* Handles the buffered lines; reads again when all are done. */
static void
handle_input(struct conn *c)
{
	size_t off = 0, len;
	char *nl;
	bool go = true;

	while (go && off < c->inlen) {
		nl = memchr(c->in + off, '\n', c->inlen - off);
		if (nl == NULL)
			break;
		len = (size_t)(nl - (c->in + off));
		go = handle_line(c, c->in + off, len);
		off += len + 1;
	}
	if (c->closing)
		return;
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	if (!go)
		return; /* waiting for an answer, or quitting */
	if (c->inlen > NODE_LINE_MAX) {
		log_warnx("node: %s: a line longer than %d bytes, dropped",
		    c->peer, NODE_LINE_MAX);
		conn_close(c);
		return;
	}
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void
on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct conn *c = h->data;

	(void)hint;
	*b = uv_buf_init(c->in + c->inlen, (unsigned)(IN_BUF - c->inlen));
}

static void
on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct conn *c = s->data;

	(void)b;
	if (n < 0) {
		if (n != UV_EOF)
			log_debug("node: %s: %s", c->peer, uv_strerror((int)n));
		conn_close(c);
		return;
	}
	c->inlen += (size_t)n;
	if (n > 0)
		handle_input(c);
}

static void
peer_name(const struct sockaddr_storage *ss, char *out, size_t len)
{
	if (ss->ss_family == AF_INET6)
		uv_ip6_name((const struct sockaddr_in6 *)ss, out, len);
	else if (ss->ss_family == AF_INET)
		uv_ip4_name((const struct sockaddr_in *)ss, out, len);
	else
		snprintf(out, len, "(unknown)");
}

static void
free_handle(uv_handle_t *h)
{
	free(h);
}

/* Accepts the waiting connection and closes it at once. */
static void
refuse(struct node_server *srv)
{
	uv_tcp_t *t = malloc(sizeof(*t));
	unsigned dropped;

	if (t == NULL || uv_tcp_init(srv->loop, t) != 0) {
		free(t);
		return;
	}
	if (uv_accept((uv_stream_t *)&srv->listener, (uv_stream_t *)t) == 0 &&
	    ratelimit_allow(
		&srv->refuse_rl, uv_now(srv->loop), LOG_EVERY_MS, &dropped))
		log_warnx("node: %u connections open, the most allowed; new "
			  "ones are closed (%u more since the last message)",
		    srv->nconns, dropped);
	uv_close((uv_handle_t *)t, free_handle);
}

/* node_proto's list: the plugins' names, on the loop's clock. */
static void
list_plugins(void *arg, bool multigraph, struct buf *out)
{
	struct node_server *srv = arg;

	node_plugins_list(srv->np, multigraph, uv_now(srv->loop), out);
}

static void
on_connection(uv_stream_t *l, int status)
{
	struct node_server *srv = l->data;
	struct sockaddr_storage ss;
	struct buf out = {0};
	struct conn *c;
	unsigned dropped;
	int sl = sizeof(ss);

	if (status != 0) {
		log_warnx("node: accept: %s", uv_strerror(status));
		return;
	}
	if (srv->stopping || srv->nconns >= srv->max_conns) {
		refuse(srv);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		refuse(srv);
		return;
	}
	c->srv = srv;
	uv_tcp_init(srv->loop, &c->tcp);
	uv_timer_init(srv->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->open = 2;
	c->next = srv->conns;
	if (srv->conns != NULL)
		srv->conns->prev = c;
	srv->conns = c;
	srv->nconns++;
	snprintf(c->peer, sizeof(c->peer), "(unknown)");
	if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
		conn_close(c);
		return;
	}
	memset(&ss, 0, sizeof(ss));
	if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &sl) != 0) {
		conn_close(c);
		return;
	}
	peer_name(&ss, c->peer, sizeof(c->peer));
	if (!node_allow_permits(&srv->allow, (struct sockaddr *)&ss)) {
		if (ratelimit_allow(&srv->deny_rl, uv_now(srv->loop),
			LOG_EVERY_MS, &dropped))
			log_warnx("node: %s: not in node_allow, closed (%u "
				  "more refused since the last message)",
			    c->peer, dropped);
		conn_close(c);
		return;
	}
	log_debug("node: %s: connected", c->peer);
	node_proto_init(&c->proto, srv->host, list_plugins, srv);
	node_proto_banner(&c->proto, &out);
	conn_send(c, &out);
	if (c->closing)
		return;
	idle_restart(c);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

struct node_server *
node_server_new(uv_loop_t *loop, const struct node_server_conf *conf,
    struct node_plugins *np)
{
	struct node_server *srv = calloc(1, sizeof(*srv));
	struct sockaddr_storage ss;
	int r, sl = sizeof(ss);

	if (srv == NULL)
		return NULL;
	srv->loop = loop;
	srv->np = np;
	srv->timeout_s = conf->timeout_s;
	srv->max_conns = conf->max_conns > 0 ? conf->max_conns : NODE_CONNS_MAX;
	srv->host = strdup(conf->host);
	if (srv->host == NULL ||
	    node_allow_copy(&srv->allow, conf->allow) == -1) {
		log_warnx("node: out of memory");
		goto free_srv;
	}
	memset(&ss, 0, sizeof(ss));
	r = strchr(conf->addr, ':') != NULL
		? uv_ip6_addr(
		      conf->addr, (int)conf->port, (struct sockaddr_in6 *)&ss)
		: uv_ip4_addr(
		      conf->addr, (int)conf->port, (struct sockaddr_in *)&ss);
	if (r != 0) {
		log_warnx("node: %s is not an IP address", conf->addr);
		goto free_srv;
	}
	uv_tcp_init(loop, &srv->listener);
	srv->listener.data = srv;
	r = uv_tcp_bind(&srv->listener, (struct sockaddr *)&ss, 0);
	if (r == 0)
		r = uv_listen(
		    (uv_stream_t *)&srv->listener, 128, on_connection);
	if (r == 0)
		r = uv_tcp_getsockname(
		    &srv->listener, (struct sockaddr *)&ss, &sl);
	if (r != 0) {
		log_warnx("node: cannot listen on %s port %u: %s", conf->addr,
		    conf->port, uv_strerror(r));
		uv_close((uv_handle_t *)&srv->listener, NULL);
		uv_run(loop, UV_RUN_NOWAIT);
		goto free_srv;
	}
	srv->port = ntohs(ss.ss_family == AF_INET6
			      ? ((struct sockaddr_in6 *)&ss)->sin6_port
			      : ((struct sockaddr_in *)&ss)->sin_port);
	return srv;

free_srv:
	node_allow_cleanup(&srv->allow);
	free(srv->host);
	free(srv);
	return NULL;
}

unsigned
node_server_port(const struct node_server *s)
{
	return s->port;
}

void
node_server_stop(struct node_server *s)
{
	struct conn *c;

	if (s->stopping)
		return;
	s->stopping = true;
	uv_close((uv_handle_t *)&s->listener, NULL);
	for (c = s->conns; c != NULL; c = c->next)
		conn_close(c);
}

void
node_server_free(struct node_server *s)
{
	if (s == NULL)
		return;
	node_allow_cleanup(&s->allow);
	free(s->host);
	free(s);
}
