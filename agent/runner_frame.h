/*
 * runner_frame: the frames the privileged runners of the daemons
 * (agent/plugin_runner, agent/cmd_runner) and their clients exchange
 * over a socketpair: a header (type, payload length, request id; the
 * same machine, so native byte order) and the payload.
 *
 * A receiver appends what it reads to a struct frame_rx and takes whole
 * frames out of it; a frame longer than the rx's max is an error (the
 * peer is broken or hostile: the caller ends the conversation).  Loop
 * thread only.
 */
#ifndef DROVER_RUNNER_FRAME_H
#define DROVER_RUNNER_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct frame_hdr {
	uint32_t type;
	uint32_t len; /* payload bytes after the header */
	uint64_t id;
};

/* Bytes received and not yet taken as frames; zero-initialise, set max
 * (the longest payload accepted, bytes), free with frame_rx_cleanup. */
struct frame_rx {
	char *p;
	size_t len, cap;
	size_t max;
};

/* Bytes one read hands over at most (frame_alloc's buffer). */
#define FRAME_CHUNK (64u * 1024)

/* Appends n bytes read.  0, or -1 (out of memory, or more buffered
 * than a frame of max can explain). */
int frame_rx_put(struct frame_rx *x, const char *s, size_t n);
/* The first whole frame: its header into *h, its payload at *pl (valid
 * until frame_rx_drop); 1, 0 when incomplete, -1 when its length is
 * beyond max. */
int frame_rx_next(
    const struct frame_rx *x, struct frame_hdr *h, const char **pl);
/* Consumes the frame frame_rx_next returned. */
void frame_rx_drop(struct frame_rx *x, const struct frame_hdr *h);
void frame_rx_cleanup(struct frame_rx *x);

/* Queues the frame (type, id) whose payload is parts[0..n) in order on
 * s (copied; the write frees itself).  0, or -1. */
int frame_send(uv_stream_t *s, uint32_t type, uint64_t id,
    const uv_buf_t *parts, size_t n);

/* A uv_alloc_cb for the runners' sockets: a buffer of FRAME_CHUNK bytes
 * whose content the read callback must consume (frame_rx_put) before it
 * returns. */
void frame_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf);

#endif
