/*
 * rrdc_batch: one connection to rrdcached of its own that sends many
 * UPDATEs in one round trip (the daemon's BATCH command).
 *
 * librrd 1.7.2's client (rrdc_update) waits for the daemon's answer to
 * every value: one round trip, two context switches on each side, per
 * update.  BATCH takes "BATCH", then the commands one a line, then ".";
 * rrdcached answers "0 Go ahead..." at once, keeps quiet while the lines
 * succeed and after the "." sends "N errors" and one line per failed
 * command, "LINE message", LINE counting the batch's commands from 1.
 * The whole request is written before anything is read (the daemon
 * holds its error lines until the "."), so a batch costs one round trip.
 *
 * The address is the one rrdc_addr.h reads ("unix:/path", "/path",
 * "host[:port]", "[v6][:port]"; TCP port 42217 by default).  Names go as
 * given: over TCP the caller sends them relative to the daemon's -b
 * directory (rrdc_relpath()).  Blocking I/O: for the writer thread, one
 * connection per thread.
 */
#ifndef DROVER_RRDC_BATCH_H
#define DROVER_RRDC_BATCH_H

#include <stdbool.h>
#include <stddef.h>

struct rrdc_batch;

/* One UPDATE of a batch: the file's name as the daemon should see it and
 * "ts:value". */
struct rrdc_line {
	const char *name;
	const char *val;
};

/* Called for each line the daemon (or the client: a newline in a name)
 * refused: its index in the lines given and the reason, one line. */
typedef void (*rrdc_batch_err_cb)(void *arg, size_t index, const char *msg);

/* A client for addr, not yet connected; NULL with errno set (EINVAL: not
 * an address rrdc_addr_kind() accepts, ENOMEM). */
struct rrdc_batch *rrdc_batch_new(const char *addr);
/* Closes the connection, frees b.  NULL ok. */
void rrdc_batch_free(struct rrdc_batch *b);

/*
 * ms a connection may wait on one send or read before the call fails
 * with ETIMEDOUT and the connection is dropped: a daemon that is alive
 * but does not answer (stopped, wedged) must not hold the writer thread
 * for ever.  Applies to the next connection made.
 */
#define RRDC_BATCH_TIMEOUT_MS 30000u
void rrdc_batch_set_timeout(struct rrdc_batch *b, unsigned ms);

/* Connects unless connected.  0, or -1 with errno set. */
int rrdc_batch_connect(struct rrdc_batch *b);
bool rrdc_batch_is_connected(const struct rrdc_batch *b);
/* Drops the connection (the next connect makes a new one). */
void rrdc_batch_close(struct rrdc_batch *b);

/*
 * Sends the n lines as one BATCH of UPDATEs and reads the answer: 0 when
 * the daemon answered, having called cb (may be NULL) once per refused
 * line; -1 with errno set when the connection failed before the whole
 * answer came (EPIPE, ECONNRESET, EPROTO for an answer out of protocol,
 * ...): ETIMEDOUT when the daemon took longer than the timeout above):
 * the connection is closed and which lines the daemon took is
 * unknown (send them again on a new one).  n 0 sends nothing.
 */
int rrdc_batch_update(struct rrdc_batch *b, const struct rrdc_line *lines,
    size_t n, rrdc_batch_err_cb cb, void *arg);

#endif
