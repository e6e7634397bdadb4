/*
 * transport: one page as one libcurl easy transfer -- a webhook POST or
 * an SMTP submission -- and what the receiver's answer means.
 *
 * A webhook is POSTed as application/json (notify_webhook_body) with
 * X-Drover-Dedupe-Key (notify_page_key) and, with a token, "Authorization:
 * Bearer TOKEN"; only http and https.  An e-mail (notify_email) goes to
 * one recipient through smtp:// or smtps://, with STARTTLS required when
 * asked and AUTH when a user is set.  Every transfer has a whole-transfer
 * timeout of 30 s and the given connect timeout, and never raises signals.
 * The transfer owns its easy handle and every buffer the handle reads;
 * CURLOPT_PRIVATE is the caller's.  Running it is the caller's
 * (curl_loop.h).  Loop thread only.
 */
#ifndef DROVER_TRANSPORT_H
#define DROVER_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <curl/curl.h>

#include "alerts/notify_fmt.h"

struct transfer;

/* The SMTP settings of an e-mail; the strings are only read during the
 * call. */
struct transport_smtp {
	const char *url;      /* smtp:// or smtps:// */
	const char *from;     /* envelope and From: address */
	const char *user;     /* NULL: no AUTH */
	const char *password; /* NULL: empty */
	bool starttls;	      /* require STARTTLS on smtp:// */
};

/* A POST of the n items of v to url, with token (NULL: none); connect_s
 * seconds to connect.  NULL on ENOMEM. */
struct transfer *transfer_webhook(const struct notify_item *const *v, size_t n,
    const char *url, const char *token, unsigned connect_s);
/* An e-mail of the n items of v to the address to through smtp, dated
 * date (epoch s); connect_s seconds to connect.  NULL on ENOMEM. */
struct transfer *transfer_email(const struct notify_item *const *v, size_t n,
    const struct transport_smtp *smtp, const char *to, time_t date,
    unsigned connect_s);
/* The easy handle to run. */
CURL *transfer_easy(const struct transfer *t);
/* Whether the receiver accepted t, which ended with result: HTTP 2xx for
 * a webhook, SMTP 250 for an e-mail.  why gets the reason in words
 * ("HTTP 503", "SMTP 250", or curl's error). */
bool transfer_accepted(
    const struct transfer *t, CURLcode result, char *why, size_t len);
void transfer_free(struct transfer *t);

#endif
