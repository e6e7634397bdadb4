/*
 * rw_queue: bodies in memory, segments through a writer thread; see
 * rw_queue.h.
 *
 * The memory side is an array used as a FIFO (head index, compacted when
 * half of it is spent): pushes and pops are O(1) amortised and the
 * bound's evictions take the oldest.  The disk side is a FIFO of jobs
 * under one mutex, each a write (with its own copy of the body, so the
 * loop may drop its body while the job waits) or a removal; one thread
 * runs them in order, so a removal never overtakes its write.  The road
 * not taken, libuv's pool, runs jobs on four threads in no set order.
 *
 * Segment layout: "DRW1", samples (u32 LE), body length (u32 LE), body.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "collector/rw_queue.h"
#include "lib/fileio.h"
#include "lib/log.h"

#define SEG_MAGIC "DRW1"
#define SEG_HEADER 12 /* bytes: magic, samples, length */
#define SEG_SUFFIX ".rw"

struct job {
	struct job *next;
	uint64_t seq;
	char *data; /* a write's header and body; NULL: a removal */
	size_t len;
};

struct rw_queue {
	char *dir; /* NULL: memory only */
	uint64_t max_bytes;
	struct rw_item *v; /* v[head..n) are queued, oldest first */
	size_t head, n, cap;
	bool held; /* v[head] is being sent */
	uint64_t next_seq;
	uint64_t bytes, samples, dropped;
	struct ratelimit drop_rl;

	/* the writer thread's side, under mu */
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct job *jobs, **jobs_tail;
	bool stopping;
	uint64_t disk_errors; /* also written by the thread, under mu */
	struct ratelimit disk_rl;
};

static void
seg_path(char *out, size_t len, const char *dir, uint64_t seq)
{
	snprintf(
	    out, len, "%s/%016llx" SEG_SUFFIX, dir, (unsigned long long)seq);
}

static void
put_u32(char *p, uint32_t v)
{
	int i;

	for (i = 0; i < 4; i++)
		p[i] = (char)(v >> (8 * i));
}

static uint32_t
get_u32(const char *p)
{
	const unsigned char *u = (const unsigned char *)p;

	return (uint32_t)u[0] | (uint32_t)u[1] << 8 | (uint32_t)u[2] << 16 |
	       (uint32_t)u[3] << 24;
}

/* The writer thread: runs jobs in order until told to stop with none
 * left. */
static void *
writer_main(void *arg)
{
	struct rw_queue *q = arg;
	struct job *j;
	char path[4096];
	int rc;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->jobs == NULL && !q->stopping)
			pthread_cond_wait(&q->cv, &q->mu);
		j = q->jobs;
		if (j == NULL)
			break;
		q->jobs = j->next;
		if (q->jobs == NULL)
			q->jobs_tail = &q->jobs;
		pthread_mutex_unlock(&q->mu);
		seg_path(path, sizeof(path), q->dir, j->seq);
		if (j->data != NULL)
			rc = file_write_atomic(path, NULL, j->data, j->len);
		else
			rc = unlink(path) == -1 && errno != ENOENT ? -1 : 0;
		if (rc == -1) {
			int e = errno;

			pthread_mutex_lock(&q->mu);
			q->disk_errors++;
			if (ratelimit_allow(&q->disk_rl, uv_hrtime() / 1000000,
				60000, NULL)) {
				errno = e;
				log_warn("remote_write: %s: cannot %s", path,
				    j->data != NULL ? "write" : "remove");
			}
			pthread_mutex_unlock(&q->mu);
		}
		free(j->data);
		free(j);
		pthread_mutex_lock(&q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

/* Queues a disk job (data: header and body, taken; NULL: remove seq). */
static void
disk_job(struct rw_queue *q, uint64_t seq, char *data, size_t len)
{
	struct job *j;

	if (q->dir == NULL) {
		free(data);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		free(data);
		pthread_mutex_lock(&q->mu);
		q->disk_errors++;
		pthread_mutex_unlock(&q->mu);
		return;
	}
	j->seq = seq;
	j->data = data;
	j->len = len;
	pthread_mutex_lock(&q->mu);
	*q->jobs_tail = j;
	q->jobs_tail = &j->next;
	pthread_cond_signal(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

/* Drops v[head] (not held), counting its samples dropped when lost. */
static void
pop_head(struct rw_queue *q, bool lost)
{
	struct rw_item *it = &q->v[q->head];

	if (lost) {
		q->dropped += it->samples;
		if (ratelimit_allow(
			&q->drop_rl, uv_hrtime() / 1000000, 60000, NULL))
			log_warnx("remote_write: queue full (%llu bytes): "
				  "oldest %zu samples dropped (%llu so far)",
			    (unsigned long long)q->max_bytes, it->samples,
			    (unsigned long long)q->dropped);
	}
	disk_job(q, it->seq, NULL, 0);
	q->bytes -= it->len;
	q->samples -= it->samples;
	free(it->data);
	q->head++;
	if (q->head == q->n) {
		q->head = 0;
		q->n = 0;
	} else if (q->head > q->cap / 2) {
		memmove(q->v, q->v + q->head, (q->n - q->head) * sizeof(*q->v));
		q->n -= q->head;
		q->head = 0;
	}
}

/* Drops the oldest body that is not held; false when there is none. */
static bool
evict_one(struct rw_queue *q)
{
	size_t i = q->head;
	struct rw_item it;

	if (q->head == q->n)
		return false;
	if (!q->held) {
		pop_head(q, true);
		return true;
	}
	if (q->n - q->head < 2)
		return false;
	/* keep the held one first: move it into the victim's slot */
	it = q->v[i];
	q->v[i] = q->v[i + 1];
	q->v[i + 1] = it;
	q->held = false;
	pop_head(q, true);
	q->held = true;
	return true;
}

/* Appends an item to memory (no disk job). 0 / -1 ENOMEM. */
static int
append(struct rw_queue *q, char *data, size_t len, size_t samples, uint64_t seq)
{
	struct rw_item *nv;
	size_t ncap;

	if (q->n == q->cap) {
		ncap = q->cap != 0 ? q->cap * 2 : 64;
		nv = realloc(q->v, ncap * sizeof(*nv));
		if (nv == NULL)
			return -1;
		q->v = nv;
		q->cap = ncap;
	}
	q->v[q->n].data = data;
	q->v[q->n].len = len;
	q->v[q->n].samples = samples;
	q->v[q->n].seq = seq;
	q->n++;
	q->bytes += len;
	q->samples += samples;
	return 0;
}

static int
cmp_seq(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The seq of a segment's file name, or false. */
static bool
seg_name(const char *name, uint64_t *seq)
{
	char *end;

	if (strlen(name) != 16 + strlen(SEG_SUFFIX) ||
	    strcmp(name + 16, SEG_SUFFIX) != 0)
		return false;
	errno = 0;
	*seq = strtoull(name, &end, 16);
	return errno == 0 && end == name + 16;
}

/* Reads the segments a previous run left in q->dir, oldest first. */
static int
load(struct rw_queue *q)
{
	uint64_t *seqs = NULL, seq, *ns;
	size_t nseqs = 0, cap = 0, i, len, samples;
	struct dirent *de;
	char path[4096], *data;
	DIR *d = opendir(q->dir);

	if (d == NULL) {
		log_warn("remote_write: %s", q->dir);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);

		if (nl > 4 && strcmp(de->d_name + nl - 4, ".tmp") == 0 &&
		    strstr(de->d_name, SEG_SUFFIX ".tmp") != NULL) {
			/* a write a crash cut short: never acknowledged
			 * as stored, its body is in no segment */
			snprintf(
			    path, sizeof(path), "%s/%s", q->dir, de->d_name);
			unlink(path);
			continue;
		}
		if (!seg_name(de->d_name, &seq))
			continue;
		if (nseqs == cap) {
			cap = cap != 0 ? cap * 2 : 64;
			ns = realloc(seqs, cap * sizeof(*seqs));
			if (ns == NULL) {
				closedir(d);
				free(seqs);
				return -1;
			}
			seqs = ns;
		}
		seqs[nseqs++] = seq;
	}
	closedir(d);
	if (nseqs > 1) /* seqs is NULL when there is none */
		qsort(seqs, nseqs, sizeof(*seqs), cmp_seq);
	for (i = 0; i < nseqs; i++) {
		seg_path(path, sizeof(path), q->dir, seqs[i]);
		q->next_seq = seqs[i] + 1;
		if (file_read(AT_FDCWD, path, q->max_bytes + SEG_HEADER, 1,
			&data, &len) == -1) {
			log_warn(
			    "remote_write: %s: cannot read; skipped", path);
			q->disk_errors++;
			continue;
		}
		if (len < SEG_HEADER || memcmp(data, SEG_MAGIC, 4) != 0 ||
		    get_u32(data + 8) != len - SEG_HEADER) {
			log_warnx(
			    "remote_write: %s: not a segment; removed", path);
			free(data);
			unlink(path);
			q->disk_errors++;
			continue;
		}
		samples = get_u32(data + 4);
		memmove(data, data + SEG_HEADER, len - SEG_HEADER);
		len -= SEG_HEADER;
		while (q->bytes + len > q->max_bytes && evict_one(q))
			;
		if (append(q, data, len, samples, seqs[i]) == -1) {
			free(data);
			free(seqs);
			return -1;
		}
	}
	free(seqs);
	return 0;
}

struct rw_queue *
rw_queue_new(const char *dir, uint64_t max_bytes)
{
	struct rw_queue *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	q->max_bytes = max_bytes;
	q->jobs_tail = &q->jobs;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->cv, NULL);
	if (dir == NULL)
		return q;
	q->dir = strdup(dir);
	if (q->dir == NULL)
		goto fail;
	if (file_mkdirs(q->dir, 0700) == -1) {
		log_warn("remote_write: %s", q->dir);
		goto fail;
	}
	if (load(q) == -1)
		goto fail;
	if (pthread_create(&q->thread, NULL, writer_main, q) != 0) {
		log_warnx("remote_write: cannot start the queue's writer");
		goto fail;
	}
	q->thread_started = true;
	if (q->n > q->head)
		log_info("remote_write: %zu request(s), %llu samples resumed "
			 "from %s",
		    q->n - q->head, (unsigned long long)q->samples, q->dir);
	return q;
fail:
	rw_queue_free(q);
	return NULL;
}

int
rw_queue_push(struct rw_queue *q, char *data, size_t len, size_t samples)
{
	uint64_t seq = q->next_seq++;
	char *seg = NULL;

	if (len > q->max_bytes) {
		q->dropped += samples;
		log_warnx("remote_write: a request of %zu bytes passes the "
			  "queue's bound; %zu samples dropped",
		    len, samples);
		free(data);
		return 0;
	}
	while (q->bytes + len > q->max_bytes && evict_one(q))
		;
	if (q->dir != NULL) {
		seg = malloc(SEG_HEADER + len);
		if (seg != NULL) {
			memcpy(seg, SEG_MAGIC, 4);
			put_u32(seg + 4, (uint32_t)samples);
			put_u32(seg + 8, (uint32_t)len);
			memcpy(seg + SEG_HEADER, data, len);
		}
	}
	if (append(q, data, len, samples, seq) == -1) {
		free(seg);
		free(data);
		q->dropped += samples;
		errno = ENOMEM;
		return -1;
	}
	if (seg != NULL)
		disk_job(q, seq, seg, SEG_HEADER + len);
	else if (q->dir != NULL)
		q->disk_errors++;
	return 0;
}

bool
rw_queue_hold(struct rw_queue *q, struct rw_item *out)
{
	if (q->head == q->n)
		return false;
	q->held = true;
	*out = q->v[q->head];
	return true;
}

void
rw_queue_release(struct rw_queue *q, bool remove)
{
	if (!q->held)
		return;
	q->held = false;
	if (remove)
		pop_head(q, false);
}

void
rw_queue_stats(const struct rw_queue *q, struct rw_queue_stats *out)
{
	struct rw_queue *mq = (struct rw_queue *)q; /* the mutex only */

	out->items = q->n - q->head;
	out->bytes = q->bytes;
	out->samples = q->samples;
	out->dropped_samples = q->dropped;
	pthread_mutex_lock(&mq->mu);
	out->disk_errors = q->disk_errors;
	pthread_mutex_unlock(&mq->mu);
}

void
rw_queue_free(struct rw_queue *q)
{
	size_t i;

	if (q == NULL)
		return;
	if (q->thread_started) {
		pthread_mutex_lock(&q->mu);
		q->stopping = true;
		pthread_cond_signal(&q->cv);
		pthread_mutex_unlock(&q->mu);
		pthread_join(q->thread, NULL);
	}
	while (q->jobs != NULL) { /* only when the thread never ran */
		struct job *j = q->jobs;

		q->jobs = j->next;
		free(j->data);
		free(j);
	}
	for (i = q->head; i < q->n; i++)
		free(q->v[i].data);
	free(q->v);
	free(q->dir);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->cv);
	free(q);
}
