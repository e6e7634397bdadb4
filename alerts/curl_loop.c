/*
 * curl_loop: libcurl multi on libuv (see curl_loop.h for the contract).
 *
 * CURLMOPT_SOCKETFUNCTION opens, changes and closes one uv_poll per
 * socket; CURLMOPT_TIMERFUNCTION (re)arms one uv_timer.  The object is
 * freed by the close callback of its last libuv handle, so a socket curl
 * gives up while the loop runs is released in the same way.
 */
#include "config.h"

#include <stdlib.h>

#include "alerts/curl_loop.h"

/* A socket curl asked us to watch. */
struct sock {
	struct curl_loop *cl;
	uv_poll_t poll;
	curl_socket_t fd;
	struct sock *prev, *next;
};

struct curl_loop {
	uv_loop_t *loop;
	CURLM *multi;
	uv_timer_t timer; /* curl's own timeout */
	curl_loop_pass_cb pass;
	void *arg;
	struct sock *socks;
	int open_handles; /* timer + polls not yet closed */
	bool freeing;
};

/* One libuv handle of cl finished closing; the last one frees cl when
 * curl_loop_free() asked for it. */
static void
handle_released(struct curl_loop *cl)
{
	if (--cl->open_handles == 0 && cl->freeing)
		free(cl);
}

static void
timer_closed(uv_handle_t *h)
{
	handle_released(h->data);
}

static void
sock_closed(uv_handle_t *h)
{
	struct sock *sk = h->data;
	struct curl_loop *cl = sk->cl;

	free(sk);
	handle_released(cl);
}

static void
sock_close(struct curl_loop *cl, struct sock *sk)
{
	if (sk->prev != NULL)
		sk->prev->next = sk->next;
	else
		cl->socks = sk->next;
	if (sk->next != NULL)
		sk->next->prev = sk->prev;
	uv_poll_stop(&sk->poll);
	uv_close((uv_handle_t *)&sk->poll, sock_closed);
}

static void
poll_cb(uv_poll_t *h, int status, int events)
{
	struct sock *sk = h->data;
	struct curl_loop *cl = sk->cl;
	curl_socket_t fd = sk->fd;
	int flags = 0, running;

	if (status < 0)
		flags = CURL_CSELECT_ERR;
	if (events & UV_READABLE)
		flags |= CURL_CSELECT_IN;
	if (events & UV_WRITABLE)
		flags |= CURL_CSELECT_OUT;
	/* sk may be closed by curl's socket callback in here */
	curl_multi_socket_action(cl->multi, fd, flags, &running);
	cl->pass(cl->arg);
}

static int
socket_cb(CURL *e, curl_socket_t s, int what, void *userp, void *socketp)
{
	struct curl_loop *cl = userp;
	struct sock *sk = socketp;
	int events = 0;

	if (what == CURL_POLL_REMOVE) {
		if (sk != NULL) {
			curl_multi_assign(cl->multi, s, NULL);
			sock_close(cl, sk);
		}
		return 0;
	}
	if (sk == NULL) {
		sk = calloc(1, sizeof(*sk));
		if (sk == NULL)
			return -1;
		if (uv_poll_init_socket(cl->loop, &sk->poll, s) != 0) {
			free(sk);
			return -1;
		}
		sk->cl = cl;
		sk->fd = s;
		sk->poll.data = sk;
		sk->next = cl->socks;
		if (cl->socks != NULL)
			cl->socks->prev = sk;
		cl->socks = sk;
		cl->open_handles++;
		curl_multi_assign(cl->multi, s, sk);
	}
	if (what & CURL_POLL_IN)
		events |= UV_READABLE;
	if (what & CURL_POLL_OUT)
		events |= UV_WRITABLE;
	uv_poll_start(&sk->poll, events, poll_cb);
	return 0;
}

static void
timeout_cb(uv_timer_t *t)
{
	struct curl_loop *cl = t->data;
	int running;

	curl_multi_socket_action(cl->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	cl->pass(cl->arg);
}

/*
 * Never 0 ms: curl asks for 0 ("act now") from inside timeout_cb's
 * curl_multi_socket_action (while a resolve is a few ms old, say), and
 * libuv 1.44 reruns a 0 ms timer restarted from its own callback in the
 * same pass, without I/O in between.  curl's own multi-uv example does
 * the same.
 */
static int
timer_cb(CURLM *m, long timeout_ms, void *userp)
{
	struct curl_loop *cl = userp;

	if (timeout_ms < 0)
		uv_timer_stop(&cl->timer);
	else
		uv_timer_start(&cl->timer, timeout_cb,
		    timeout_ms > 0 ? (uint64_t)timeout_ms : 1, 0);
	return 0;
}

struct curl_loop *
curl_loop_new(uv_loop_t *loop, curl_loop_pass_cb pass, void *arg)
{
	struct curl_loop *cl = calloc(1, sizeof(*cl));

	if (cl == NULL)
		return NULL;
	cl->multi = curl_multi_init();
	if (cl->multi == NULL) {
		free(cl);
		return NULL;
	}
	cl->loop = loop;
	cl->pass = pass;
	cl->arg = arg;
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETDATA, cl);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION, timer_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERDATA, cl);
	uv_timer_init(loop, &cl->timer);
	cl->timer.data = cl;
	cl->open_handles = 1;
	return cl;
}

int
curl_loop_add(struct curl_loop *cl, CURL *easy)
{
	return curl_multi_add_handle(cl->multi, easy) == CURLM_OK ? 0 : -1;
}

void
curl_loop_remove(struct curl_loop *cl, CURL *easy)
{
	curl_multi_remove_handle(cl->multi, easy);
}

bool
curl_loop_next_done(struct curl_loop *cl, CURL **easy, CURLcode *result)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(cl->multi, &left)) != NULL) {
		if (m->msg != CURLMSG_DONE)
			continue;
		*easy = m->easy_handle;
		*result = m->data.result;
		curl_multi_remove_handle(cl->multi, *easy);
		return true;
	}
	return false;
}

void
curl_loop_stop(struct curl_loop *cl)
{
	uv_timer_stop(&cl->timer);
}

void
curl_loop_free(struct curl_loop *cl)
{
	if (cl == NULL)
		return;
	uv_timer_stop(&cl->timer);
	curl_multi_cleanup(cl->multi);
	cl->multi = NULL;
	while (cl->socks != NULL)
		sock_close(cl, cl->socks);
	cl->freeing = true;
	uv_close((uv_handle_t *)&cl->timer, timer_closed);
}
