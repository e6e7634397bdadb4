/*
 * transport: a page's webhook POST or SMTP transfer (see transport.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts/transport.h"

#define TRANSPORT_TIMEOUT_S 30L /* whole-transfer timeout, seconds */

struct transfer {
	CURL *easy;
	bool email; /* an SMTP transfer, not a webhook POST */
	char *body;
	size_t len, off; /* body bytes, bytes handed to curl (SMTP) */
	struct curl_slist *headers;
	struct curl_slist *rcpt;
	char err[CURL_ERROR_SIZE];
};

static size_t
read_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	struct transfer *t = arg;
	size_t k = size * nmemb;

	if (k > t->len - t->off)
		k = t->len - t->off;
	memcpy(buf, t->body + t->off, k);
	t->off += k;
	return k;
}

static size_t
discard_cb(char *buf, size_t size, size_t nmemb, void *arg)
{
	return size * nmemb;
}

/* A transfer with the options both kinds share, owning body (NULL:
 * ENOMEM, and body is freed). */
static struct transfer *
transfer_new(char *body, unsigned connect_s)
{
	struct transfer *t = NULL;

	if (body == NULL)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		free(body);
		return NULL;
	}
	t->body = body;
	t->len = strlen(body);
	t->easy = curl_easy_init();
	if (t->easy == NULL) {
		transfer_free(t);
		return NULL;
	}
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, t->err);
	curl_easy_setopt(t->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(t->easy, CURLOPT_TIMEOUT, TRANSPORT_TIMEOUT_S);
	curl_easy_setopt(t->easy, CURLOPT_CONNECTTIMEOUT, (long)connect_s);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, discard_cb);
	return t;
}

struct transfer *
transfer_webhook(const struct notify_item *const *v, size_t n, const char *url,
    const char *token, unsigned connect_s)
{
	struct transfer *t = transfer_new(notify_webhook_body(v, n), connect_s);
	char hdr[1024], key[128];

	if (t == NULL)
		return NULL;
	notify_page_key(v, n, key, sizeof(key));
	curl_easy_setopt(t->easy, CURLOPT_URL, url);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, t->body);
	curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE, (long)t->len);
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "drover/" VERSION);
	t->headers =
	    curl_slist_append(t->headers, "Content-Type: application/json");
	t->headers = curl_slist_append(t->headers, "Expect:");
	snprintf(hdr, sizeof(hdr), "X-Drover-Dedupe-Key: %s", key);
	t->headers = curl_slist_append(t->headers, hdr);
	if (token != NULL) {
		snprintf(hdr, sizeof(hdr), "Authorization: Bearer %s", token);
		t->headers = curl_slist_append(t->headers, hdr);
	}
	if (t->headers == NULL) {
		transfer_free(t);
		return NULL;
	}
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, t->headers);
	return t;
}

struct transfer *
transfer_email(const struct notify_item *const *v, size_t n,
    const struct transport_smtp *smtp, const char *to, time_t date,
    unsigned connect_s)
{
	struct transfer *t =
	    transfer_new(notify_email(v, n, smtp->from, to, date), connect_s);
	char rcpt[1024], from[512];

	if (t == NULL)
		return NULL;
	t->email = true;
	curl_easy_setopt(t->easy, CURLOPT_URL, smtp->url);
	curl_easy_setopt(t->easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	snprintf(from, sizeof(from), "<%s>", smtp->from);
	curl_easy_setopt(t->easy, CURLOPT_MAIL_FROM, from);
	snprintf(rcpt, sizeof(rcpt), "<%s>", to);
	t->rcpt = curl_slist_append(NULL, rcpt);
	if (t->rcpt == NULL) {
		transfer_free(t);
		return NULL;
	}
	curl_easy_setopt(t->easy, CURLOPT_MAIL_RCPT, t->rcpt);
	curl_easy_setopt(t->easy, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(t->easy, CURLOPT_READFUNCTION, read_cb);
	curl_easy_setopt(t->easy, CURLOPT_READDATA, t);
	curl_easy_setopt(t->easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t)t->len);
	if (smtp->starttls)
		curl_easy_setopt(
		    t->easy, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	if (smtp->user != NULL) {
		curl_easy_setopt(t->easy, CURLOPT_USERNAME, smtp->user);
		curl_easy_setopt(t->easy, CURLOPT_PASSWORD,
		    smtp->password ? smtp->password : "");
	}
	return t;
}

CURL *
transfer_easy(const struct transfer *t)
{
	return t->easy;
}

bool
transfer_accepted(
    const struct transfer *t, CURLcode result, char *why, size_t len)
{
	long code = 0;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	if (result != CURLE_OK) {
		snprintf(why, len, "%s",
		    t->err[0] ? t->err : curl_easy_strerror(result));
		return false;
	}
	if (!t->email) {
		snprintf(why, len, "HTTP %ld", code);
		return code >= 200 && code < 300;
	}
	snprintf(why, len, "SMTP %ld", code);
	return code == 250;
}

void
transfer_free(struct transfer *t)
{
	if (t == NULL)
		return;
	if (t->easy != NULL)
		curl_easy_cleanup(t->easy);
	curl_slist_free_all(t->headers);
	curl_slist_free_all(t->rcpt);
	free(t->body);
	free(t);
}
