/*
 * curl_loop: libcurl's multi interface driven by a libuv loop.
 *
 * curl says which sockets to watch (each becomes a uv_poll) and when to
 * call it back (one uv_timer); every pass of curl over a socket or its
 * timeout ends in the caller's pass callback, which collects the
 * transfers that finished with curl_loop_next_done.  Generic: it knows
 * easy handles, nothing of what they carry.  Loop thread only; nothing
 * here starts a thread.
 */
#ifndef DROVER_CURL_LOOP_H
#define DROVER_CURL_LOOP_H

#include <stdbool.h>

#include <curl/curl.h>
#include <uv.h>

struct curl_loop;

/* Called on the loop after each pass of curl's; arg is curl_loop_new's. */
typedef void (*curl_loop_pass_cb)(void *arg);

/* A multi handle on loop calling pass with arg.  NULL on ENOMEM. */
struct curl_loop *curl_loop_new(
    uv_loop_t *loop, curl_loop_pass_cb pass, void *arg);
/* Starts easy (which stays the caller's).  0 / -1. */
int curl_loop_add(struct curl_loop *cl, CURL *easy);
/* Aborts easy, which was added and has not been returned by
 * curl_loop_next_done. */
void curl_loop_remove(struct curl_loop *cl, CURL *easy);
/* The next transfer that finished, removed from the multi handle (the
 * caller frees it) with its result; false when none is left. */
bool curl_loop_next_done(struct curl_loop *cl, CURL **easy, CURLcode *result);
/* Stops curl's timer (the caller has removed its transfers). */
void curl_loop_stop(struct curl_loop *cl);
/* Frees cl once its handles have closed: the caller runs the loop
 * afterwards (uv_run).  No pass callback comes after this call.  Every
 * easy handle must have been removed. */
void curl_loop_free(struct curl_loop *cl);

#endif
