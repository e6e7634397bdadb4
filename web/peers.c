/*
 * peers: the other collectors' hosts; see peers.h.  Each peer holds its
 * last good answer as a jansson object by host name, so a lookup costs
 * one hash probe per peer.  Fetches of one peer never overlap: a tick
 * that finds its fetch still running leaves it (the deadline ends it).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "alerts/curl_loop.h"
#include "catalog/catalog.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "web/peers.h"

#define BODY_MAX (16u << 20) /* largest answer read from a peer, bytes */
#define FAIL_LOG_MS 600000   /* between repeats of one peer's failure */

struct peer {
	struct peers *owner;
	char *url;
	enum peer_state state;
	char error[CURL_ERROR_SIZE];
	time_t fetched;
	json_t *hosts; /* name -> host object; NULL: none */
	CURL *easy;    /* the running fetch, or NULL */
	struct buf body;
	struct ratelimit fail_rl;
};

struct peers {
	uv_loop_t *loop;
	struct curl_loop *cl;
	uv_timer_t timer;
	struct peer *v;
	size_t n;
	bool stopping;
};

const char *
peer_state_str(enum peer_state s)
{
	switch (s) {
	case PEER_OK:
		return "ok";
	case PEER_UNREACHABLE:
		return "unreachable";
	default:
		return "pending";
	}
}

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct peer *pe = arg;
	size_t n = size * nmemb;

	if (pe->body.len + n > BODY_MAX)
		return 0; /* curl fails the transfer: CURLE_WRITE_ERROR */
	buf_putn(&pe->body, ptr, n);
	return pe->body.oom ? 0 : n;
}

static void
fail(struct peer *pe, const char *why)
{
	unsigned suppressed = 0;

	/* a peer not up yet as the cluster starts is no trouble yet; one
	 * that answered and stopped is, once per FAIL_LOG_MS */
	if (pe->state == PEER_PENDING)
		log_info("peers: %s not answering yet: %s", pe->url, why);
	else if (pe->state == PEER_OK &&
		 ratelimit_allow(&pe->fail_rl, uv_now(pe->owner->loop),
		     FAIL_LOG_MS, &suppressed))
		log_warnx("peers: %s unreachable: %s%s", pe->url, why,
		    suppressed > 0 ? "; it came and went since the last "
				     "message"
				   : "");
	snprintf(pe->error, sizeof(pe->error), "%s", why);
	pe->state = PEER_UNREACHABLE;
	json_decref(pe->hosts);
	pe->hosts = NULL;
}

/* The answer of a finished fetch: its hosts by name, or a failure. */
static void
finish(struct peer *pe, CURLcode rc)
{
	json_t *doc = NULL, *arr, *h, *by = NULL;
	const char *name;
	long status = 0;
	size_t i;
	char why[CURL_ERROR_SIZE + 32];

	if (rc != CURLE_OK) {
		snprintf(why, sizeof(why), "%s",
		    pe->error[0] != '\0' ? pe->error : curl_easy_strerror(rc));
		fail(pe, why);
		goto out;
	}
	curl_easy_getinfo(pe->easy, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200) {
		snprintf(why, sizeof(why), "HTTP %ld", status);
		fail(pe, why);
		goto out;
	}
	doc = json_loadb(
	    pe->body.p != NULL ? pe->body.p : "", pe->body.len, 0, NULL);
	arr = json_object_get(doc, "hosts");
	by = json_object();
	if (!json_is_array(arr) || by == NULL) {
		fail(pe, "not a drover /api/v1/hosts answer");
		goto out;
	}
	json_array_foreach(arr, i, h)
	{
		name = json_string_value(json_object_get(h, "name"));
		/* its own metrics are no host of the cluster */
		if (name != NULL && strcmp(name, CATALOG_SELF) != 0)
			json_object_set(by, name, h);
	}
	if (pe->state != PEER_OK)
		log_info("peers: %s answers, %zu hosts", pe->url,
		    json_object_size(by));
	json_decref(pe->hosts);
	pe->hosts = by;
	by = NULL;
	pe->state = PEER_OK;
	pe->error[0] = '\0';
	pe->fetched = time(NULL);
out:
	json_decref(by);
	json_decref(doc);
	buf_free(&pe->body);
	curl_easy_cleanup(pe->easy);
	pe->easy = NULL;
}

static void
on_pass(void *arg)
{
	struct peers *p = arg;
	struct peer *pe;
	CURL *easy;
	CURLcode rc;
	char *priv;

	while (curl_loop_next_done(p->cl, &easy, &rc)) {
		priv = NULL;
		curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
		pe = (struct peer *)(void *)priv;
		finish(pe, rc);
	}
}

static void
start(struct peer *pe)
{
	char url[4096];

	if (pe->easy != NULL)
		return;
	pe->easy = curl_easy_init();
	if (pe->easy == NULL) {
		fail(pe, "out of memory");
		return;
	}
	snprintf(url, sizeof(url), "%s/api/v1/hosts?local=1", pe->url);
	pe->error[0] = '\0';
	curl_easy_setopt(pe->easy, CURLOPT_URL, url);
	curl_easy_setopt(pe->easy, CURLOPT_PRIVATE, (char *)(void *)pe);
	curl_easy_setopt(pe->easy, CURLOPT_TIMEOUT_MS, (long)PEERS_TIMEOUT_MS);
	curl_easy_setopt(
	    pe->easy, CURLOPT_CONNECTTIMEOUT_MS, (long)PEERS_TIMEOUT_MS);
	curl_easy_setopt(pe->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(pe->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(pe->easy, CURLOPT_ERRORBUFFER, pe->error);
	curl_easy_setopt(pe->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(pe->easy, CURLOPT_WRITEDATA, pe);
	curl_easy_setopt(
	    pe->easy, CURLOPT_USERAGENT, "drover-peer/" PACKAGE_VERSION);
	if (curl_loop_add(pe->owner->cl, pe->easy) == -1) {
		curl_easy_cleanup(pe->easy);
		pe->easy = NULL;
		fail(pe, "cannot start the transfer");
	}
}

static void
on_tick(uv_timer_t *t)
{
	struct peers *p = t->data;
	size_t i;

	for (i = 0; i < p->n; i++)
		start(&p->v[i]);
}

struct peers *
peers_new(uv_loop_t *loop)
{
	struct peers *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->loop = loop;
	p->cl = curl_loop_new(loop, on_pass, p);
	if (p->cl == NULL) {
		free(p);
		return NULL;
	}
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	return p;
}

static void
peer_cleanup(struct peers *p, struct peer *pe)
{
	if (pe->easy != NULL) {
		curl_loop_remove(p->cl, pe->easy);
		curl_easy_cleanup(pe->easy);
	}
	buf_free(&pe->body);
	json_decref(pe->hosts);
	free(pe->url);
}

/* url's length without its trailing '/'s. */
static size_t
url_len(const char *url)
{
	size_t len = strlen(url);

	while (len > 0 && url[len - 1] == '/')
		len--;
	return len;
}

int
peers_set(struct peers *p, const char *const *urls, size_t n)
{
	struct peer *v;
	size_t i, len;

	for (i = 0; i < n && n == p->n; i++)
		if (strlen(p->v[i].url) != url_len(urls[i]) ||
		    strncmp(p->v[i].url, urls[i], url_len(urls[i])) != 0)
			break;
	if (n == p->n && i == n)
		return 0;
	v = calloc(n + 1, sizeof(*v));
	if (v == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		len = url_len(urls[i]);
		v[i].owner = p;
		v[i].url = strndup(urls[i], len);
		if (v[i].url == NULL) {
			while (i-- > 0)
				free(v[i].url);
			free(v);
			return -1;
		}
	}
	for (i = 0; i < p->n; i++)
		peer_cleanup(p, &p->v[i]);
	free(p->v);
	p->v = v;
	p->n = n;
	if (n > 0)
		uv_timer_start(&p->timer, on_tick, 1, PEERS_TTL_MS);
	else
		uv_timer_stop(&p->timer);
	return 0;
}

size_t
peers_count(const struct peers *p)
{
	return p != NULL ? p->n : 0;
}

void
peers_info(const struct peers *p, size_t i, struct peer_info *out)
{
	const struct peer *pe = &p->v[i];

	out->url = pe->url;
	out->state = pe->state;
	out->error = pe->state == PEER_UNREACHABLE ? pe->error : "";
	out->fetched = pe->fetched;
	out->hosts = pe->hosts != NULL ? json_object_size(pe->hosts) : 0;
}

const json_t *
peers_host(const struct peers *p, const char *name, size_t *peer)
{
	const json_t *h;
	size_t i;

	for (i = 0; p != NULL && i < p->n; i++) {
		if (p->v[i].hosts == NULL)
			continue;
		h = json_object_get(p->v[i].hosts, name);
		if (h != NULL) {
			*peer = i;
			return h;
		}
	}
	return NULL;
}

static void
on_closed(uv_handle_t *h)
{
	free(h->data);
}

void
peers_stop(struct peers *p)
{
	size_t i;

	if (p == NULL || p->stopping)
		return;
	p->stopping = true;
	for (i = 0; i < p->n; i++)
		peer_cleanup(p, &p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = 0;
	curl_loop_stop(p->cl);
	curl_loop_free(p->cl);
	uv_timer_stop(&p->timer);
	uv_close((uv_handle_t *)&p->timer, on_closed);
}
