/*
 * peers: what the other collectors of a sharded cluster (collector/
 * shard.h, "peer URL") poll, read from their JSON API so this
 * collector's overview and /api/v1/hosts show the whole cluster.
 *
 * Every PEERS_TTL_MS each peer's GET /api/v1/hosts?local=1 (its own
 * hosts only, so peers never echo each other) is fetched on the loop
 * through libcurl's multi interface (alerts/curl_loop.h); readers only
 * ever see the last answer, so no page waits on a peer.  A peer that
 * does not answer within PEERS_TIMEOUT_MS, or answers with anything but
 * that document, is unreachable until its next good answer, and its
 * hosts have no owner here meanwhile.  Loop thread only.
 */
#ifndef DROVER_PEERS_H
#define DROVER_PEERS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include <jansson.h>
#include <uv.h>

#define PEERS_TTL_MS 5000     /* between fetches of one peer */
#define PEERS_TIMEOUT_MS 3000 /* a fetch's whole deadline */

enum peer_state {
	PEER_PENDING,	  /* not answered yet since start */
	PEER_OK,	  /* its last fetch succeeded */
	PEER_UNREACHABLE, /* its last fetch failed */
};

/* "pending", "ok", "unreachable". */
const char *peer_state_str(enum peer_state s);

/* One peer as readers see it; strings belong to the peers object and
 * live until its next fetch ends or peers_set(). */
struct peer_info {
	const char *url; /* as configured, without a trailing '/' */
	enum peer_state state;
	const char *error; /* why unreachable; "" otherwise */
	time_t fetched;	   /* epoch s of the last good answer, or 0 */
	size_t hosts;	   /* hosts it polls, from that answer */
};

struct peers;

/* An object on loop with no peers yet.  NULL on ENOMEM. */
struct peers *peers_new(uv_loop_t *loop);
/*
 * The peers' base URLs from now on (copied); a list equal to the one
 * held changes nothing, another one drops every answer and fetches the
 * new peers at once.  0 / -1 (ENOMEM: the old list is kept).
 */
int peers_set(struct peers *p, const char *const *urls, size_t n);
size_t peers_count(const struct peers *p);
/* Peer i (i < peers_count) into out. */
void peers_info(const struct peers *p, size_t i, struct peer_info *out);
/*
 * The host called name as the peer polling it last described it (an
 * object of /api/v1/hosts, borrowed), with *peer that peer's index;
 * NULL when no reachable peer says it polls the host.
 */
const json_t *peers_host(const struct peers *p, const char *name, size_t *peer);
/* Aborts the fetches and closes the handles; p is freed once the loop
 * has run.  p may be NULL. */
void peers_stop(struct peers *p);

#endif
