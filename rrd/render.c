/*
 * render: one render thread and a file cache owned by the loop.  See
 * render.h.
 *
 * Ownership: the loop thread owns the cache index (entries, LRU, waiters,
 * stats).  A job (struct rjob) carries copies of everything the render
 * needs; between being queued and being handed back it belongs to the
 * render thread, which touches nothing else.  mu guards only the two job
 * lists.  The async handle wakes the loop for finished jobs and for cache
 * hits, which are answered from the loop on the next turn (never from
 * within renderer_get()).  The async handle and the deadline timer are
 * referenced only while something is in flight, so an idle renderer does
 * not keep uv_run() from returning.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rrd.h>
#include <rrd_client.h>

#include "lib/hash.h"
#include "lib/log.h"
#include "rrd/render.h"
#include "rrd/rrdc_addr.h"

/* The time limit when the caller gives none, ms. */
#define DEFAULT_TIMEOUT_MS 30000
/* How often the loop looks for renders past their limit, ms. */
#define DEADLINE_TICK_MS 100
/* Index buckets (power of two); chains grow beyond it. */
#define NBUCKETS 1024

struct waiter {
	render_cb cb;
	void *arg;
	bool shared; /* joined a render someone else started */
	struct waiter *next;
};

struct rjob;

/* One cache key.  Loop thread only. */
struct entry {
	char *key;
	uint64_t hash;
	char path[4096]; /* cache_dir/HEX */
	size_t size;	 /* bytes of the file, when have_file */
	time_t rendered; /* epoch seconds its render began */
	bool have_file;
	unsigned pins;		     /* queued hit answers that need the file */
	struct rjob *job;	     /* render in progress, or NULL */
	struct waiter *waiters;	     /* answered when job finishes */
	struct entry *hnext;	     /* hash chain */
	struct entry *lprev, *lnext; /* LRU list, head most recent */
};

/* A render; its inputs are copies so the thread needs nothing else. */
struct rjob {
	struct strlist argv;
	char path[4096], tmp[4112];
	unsigned timeout_ms;
	enum render_mode mode;
	/* a TCP rrdcached to flush the DEFs' files through first (the
	 * renderer's strings, which outlive the thread), or NULL */
	const char *flush_daemon, *flush_base;
	/* written by the render thread */
	int rc;	       /* 0 / -1 */
	int fd;	       /* the image when rc == 0 (open until job_free), or -1 */
	bool killed;   /* a forked render was killed at its limit */
	char err[256]; /* when rc == -1 */
	size_t size;   /* bytes written */
	time_t started; /* epoch seconds */
	double ms;	/* render duration */
	/* loop side */
	struct entry *e;
	uint64_t deadline;  /* uv_now() ms */
	bool timed_out;	    /* waiters were told; a late result only caches */
	struct rjob *next;  /* in the thread's todo or done list */
	struct rjob *lnext; /* loop's in-flight list */
};

/* A cache hit waiting for the next loop turn; argv renders it again
 * should the file have vanished meanwhile. */
struct hit {
	struct entry *e;
	struct waiter w;
	struct strlist argv;
	struct hit *next;
};

struct renderer {
	uv_loop_t *loop;
	uv_async_t async;
	uv_timer_t timer;
	char *dir;
	char *daemon;
	char *base; /* TCP daemon: its -b directory; NULL otherwise */
	size_t cap;
	unsigned timeout_ms;
	enum render_mode mode;
	bool stopping;
	unsigned inflight; /* jobs out plus hits queued: handles referenced */

	struct entry *buckets[NBUCKETS];
	struct entry *lru_head, *lru_tail;
	struct rjob *running; /* loop's list of jobs handed out */
	struct hit *hits, **hits_tail;
	struct renderer_stats st;

	pthread_t thread;
	bool thread_started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct rjob *todo, **todo_tail; /* under mu */
	struct rjob *done;		/* under mu */
	bool quit;			/* under mu */
};

static uint64_t
fnv1a(const char *s)
{
	return hash_str(HASH_INIT, s);
}

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
job_free(struct rjob *j)
{
	if (j == NULL)
		return;
	if (j->fd != -1)
		close(j->fd);
	strlist_cleanup(&j->argv);
	free(j);
}

/* ---- the render itself (render thread or its child) -------------------- */

/* rrd_graph_v, then the "image" blob written to fd. */
static int
render_image(struct rjob *j, int fd)
{
	rrd_info_t *info, *i;
	const unsigned char *p = NULL;
	size_t left = 0, size = 0;
	ssize_t n;
	int rc = -1;

	rrd_clear_error();
	info = rrd_graph_v((int)j->argv.n, j->argv.v);
	if (info == NULL || rrd_test_error()) {
		snprintf(j->err, sizeof(j->err), "rrd_graph: %s",
		    rrd_test_error() ? rrd_get_error() : "failed");
		goto out;
	}
	for (i = info; i != NULL; i = i->next)
		if (i->type == RD_I_BLO && strcmp(i->key, "image") == 0) {
			p = i->value.u_blo.ptr;
			size = left = i->value.u_blo.size;
		}
	if (p == NULL || size == 0) {
		snprintf(j->err, sizeof(j->err), "rrd_graph: no image");
		goto out;
	}
	while (left > 0) {
		n = write(fd, p, left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(j->err, sizeof(j->err), "%.128s: %s", j->tmp,
			    strerror(errno));
			goto out;
		}
		p += n;
		left -= (size_t)n;
	}
	rc = 0;
out:
	rrd_info_free(info);
	rrd_clear_error();
	return rc;
}

/*
 * The render in a child writing to fd: the error text comes back through
 * a pipe, the child is killed (SIGKILL) when it passes its time limit.
 */
static int
render_forked(struct rjob *j, int fd)
{
	int fds[2], status, prc;
	double until = mono_ms() + j->timeout_ms, left;
	size_t got = 0;
	ssize_t n;
	pid_t pid;
	struct pollfd pfd;

	if (pipe2(fds, O_CLOEXEC) == -1) {
		snprintf(j->err, sizeof(j->err), "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == -1) {
		snprintf(j->err, sizeof(j->err), "fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		close(fds[0]);
		if (render_image(j, fd) == 0)
			_exit(0);
		n = write(fds[1], j->err, strlen(j->err));
		(void)n;
		_exit(1);
	}
	close(fds[1]);
	j->err[0] = '\0';
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	for (;;) {
		left = until - mono_ms();
		if (left <= 0) {
			kill(pid, SIGKILL);
			j->killed = true;
			break;
		}
		prc = poll(&pfd, 1, (int)left + 1);
		if (prc == -1 && errno == EINTR)
			continue;
		if (prc <= 0)
			continue; /* re-checks the limit */
		n = read(fds[0], j->err + got, sizeof(j->err) - 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* EOF: the child exited */
		got += (size_t)n;
		j->err[got] = '\0';
		if (got == sizeof(j->err) - 1)
			break;
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (j->killed) {
		snprintf(j->err, sizeof(j->err),
		    "render killed after its limit of %u ms", j->timeout_ms);
		return -1;
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (j->err[0] == '\0')
		snprintf(j->err, sizeof(j->err), "render process died (%s %d)",
		    WIFSIGNALED(status) ? "signal" : "status",
		    WIFSIGNALED(status) ? WTERMSIG(status)
					: WEXITSTATUS(status));
	return -1;
}

/*
 * The file of a "DEF:vname=FILE:ds:CF[:...]" argument, unescaped ("\\:"
 * is a colon), into out; false for any other argument.
 */
static bool
def_file(const char *arg, char *out, size_t len)
{
	const char *p;
	size_t n = 0;

	if (strncmp(arg, "DEF:", 4) != 0)
		return false;
	p = strchr(arg + 4, '=');
	if (p == NULL)
		return false;
	for (p++; *p != '\0' && *p != ':'; p++) {
		if (p[0] == '\\' && p[1] == ':')
			p++;
		if (n + 1 >= len)
			return false;
		out[n++] = *p;
	}
	out[n] = '\0';
	return n > 0;
}

/*
 * TCP rrdcached: librrd's own flush before drawing ("--daemon") would
 * send the DEFs' absolute names, which a remote daemon refuses, so the
 * thread asks the daemon itself to write each file the graph reads
 * (named relative to its base) and the graph then reads the files.  A
 * file outside the base is none of the daemon's.  0, or -1 with j->err.
 */
static int
flush_defs(struct rjob *j)
{
	char file[4096];
	const char *rel;
	size_t i;

	if (j->flush_daemon == NULL)
		return 0;
	rrd_clear_error();
	if (rrdc_connect(j->flush_daemon) != 0) {
		snprintf(j->err, sizeof(j->err), "rrdcached %.100s: %.120s",
		    j->flush_daemon,
		    rrd_test_error() ? rrd_get_error() : "cannot connect");
		rrd_clear_error();
		return -1;
	}
	for (i = 0; i < j->argv.n; i++) {
		if (!def_file(j->argv.v[i], file, sizeof(file)))
			continue;
		rel = rrdc_relpath(j->flush_base, file);
		if (rel == NULL)
			continue;
		if (rrdc_flush(rel) != 0) {
			snprintf(j->err, sizeof(j->err),
			    "rrdcached %.50s: flush %.80s: %.80s",
			    j->flush_daemon, rel,
			    rrd_test_error() ? rrd_get_error() : "failed");
			rrd_clear_error();
			return -1;
		}
	}
	return 0;
}

/*
 * Renders j into a new file j->tmp, renamed over j->path once whole; the
 * render thread keeps it open in j->fd, so the loop answers with the
 * image even when the file is removed before the answer.
 */
static int
render_job(struct rjob *j)
{
	struct stat sb;
	int fd, rc;

	if (flush_defs(j) == -1)
		return -1;
	fd = open(j->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd == -1)
		goto syserr;
	rc =
	    j->mode == RENDER_FORK ? render_forked(j, fd) : render_image(j, fd);
	if (rc == -1)
		goto unlink_tmp;
	if (fstat(fd, &sb) == -1 || rename(j->tmp, j->path) == -1)
		goto syserr;
	j->size = (size_t)sb.st_size;
	j->fd = fd;
	return 0;
syserr:
	snprintf(j->err, sizeof(j->err), "%.128s: %s", j->tmp, strerror(errno));
unlink_tmp:
	if (fd != -1) {
		unlink(j->tmp);
		close(fd);
	}
	return -1;
}

static void *
render_main(void *arg)
{
	struct renderer *r = arg;
	struct rjob *j;
	double t0;

	for (;;) {
		pthread_mutex_lock(&r->mu);
		while (r->todo == NULL && !r->quit)
			pthread_cond_wait(&r->cv, &r->mu);
		j = r->todo;
		if (j == NULL) {
			pthread_mutex_unlock(&r->mu);
			break;
		}
		r->todo = j->next;
		if (r->todo == NULL)
			r->todo_tail = &r->todo;
		pthread_mutex_unlock(&r->mu);

		j->started = time(NULL);
		t0 = mono_ms();
		j->rc = render_job(j);
		j->ms = mono_ms() - t0;

		pthread_mutex_lock(&r->mu);
		j->next = r->done;
		r->done = j;
		pthread_mutex_unlock(&r->mu);
		uv_async_send(&r->async);
	}
	return NULL;
}

/* ---- the cache index (loop thread) -------------------------------------- */

static struct entry *
entry_find(struct renderer *r, const char *key, uint64_t h)
{
	struct entry *e;

	for (e = r->buckets[h & (NBUCKETS - 1)]; e != NULL; e = e->hnext)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void
lru_unlink(struct renderer *r, struct entry *e)
{
	if (e->lprev != NULL)
		e->lprev->lnext = e->lnext;
	else if (r->lru_head == e)
		r->lru_head = e->lnext;
	if (e->lnext != NULL)
		e->lnext->lprev = e->lprev;
	else if (r->lru_tail == e)
		r->lru_tail = e->lprev;
	e->lprev = e->lnext = NULL;
}

static void
lru_touch(struct renderer *r, struct entry *e)
{
	lru_unlink(r, e);
	e->lnext = r->lru_head;
	if (r->lru_head != NULL)
		r->lru_head->lprev = e;
	r->lru_head = e;
	if (r->lru_tail == NULL)
		r->lru_tail = e;
}

static void
drop_file(struct renderer *r, struct entry *e)
{
	if (!e->have_file)
		return;
	unlink(e->path);
	r->st.bytes -= e->size;
	r->st.files--;
	e->have_file = false;
	e->size = 0;
}

/* Removes e from the index and frees it (it must have no job or pins). */
static void
entry_free(struct renderer *r, struct entry *e)
{
	struct entry **pp = &r->buckets[e->hash & (NBUCKETS - 1)];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(r, e);
	drop_file(r, e);
	free(e->key);
	free(e);
}

/* Unlinks least recently used files until the cap holds; keep stays. */
static void
evict(struct renderer *r, struct entry *keep)
{
	struct entry *e = r->lru_tail, *prev;

	while (r->st.bytes > r->cap && e != NULL) {
		prev = e->lprev;
		if (e != keep && e->job == NULL && e->pins == 0 &&
		    e->have_file) {
			entry_free(r, e);
			r->st.evictions++;
		}
		e = prev;
	}
}

static void
hold(struct renderer *r)
{
	if (r->inflight++ == 0)
		uv_ref((uv_handle_t *)&r->async);
}

static void
release(struct renderer *r)
{
	if (--r->inflight == 0) {
		uv_unref((uv_handle_t *)&r->async);
		uv_timer_stop(&r->timer);
	}
}

static void
answer_all(struct entry *e, const struct render_result *res)
{
	struct waiter *w = e->waiters, *next;
	struct render_result rr;

	e->waiters = NULL;
	for (; w != NULL; w = next) {
		next = w->next;
		rr = *res;
		rr.shared = w->shared;
		w->cb(w->arg, &rr);
		free(w);
	}
}

static void
fail_all(struct entry *e, const char *msg)
{
	struct render_result res = {.error = msg, .fd = -1};

	answer_all(e, &res);
}

/* A job came back from the render thread. */
static void
job_done(struct renderer *r, struct rjob *j)
{
	struct entry *e = j->e;
	struct rjob **pp;
	struct render_result res = {.fd = -1};

	for (pp = &r->running; *pp != j; pp = &(*pp)->lnext)
		;
	*pp = j->lnext;
	e->job = NULL;
	release(r);
	if (j->rc == 0) {
		if (e->have_file) {
			r->st.bytes -= e->size;
			r->st.files--;
		}
		e->have_file = true;
		e->size = j->size;
		e->rendered = j->started;
		r->st.bytes += e->size;
		r->st.files++;
		r->st.render_ms_total += j->ms;
		if (j->ms > r->st.render_ms_max)
			r->st.render_ms_max = j->ms;
		lru_touch(r, e);
		evict(r, e);
		res.path = e->path;
		res.fd = j->fd;
		res.size = e->size;
		res.rendered = e->rendered;
		res.render_ms = j->ms;
		answer_all(e, &res);
	} else {
		r->st.errors++;
		if (j->killed && !j->timed_out)
			r->st.timeouts++;
		if (!r->stopping)
			log_warnx("render: %s: %s", e->key, j->err);
		if (e->have_file)
			drop_file(r, e); /* stale and unrenderable */
		fail_all(e, j->err);
	}
	if (e->waiters == NULL && e->job == NULL && e->pins == 0 &&
	    !e->have_file)
		entry_free(r, e);
	job_free(j);
}

/* Drops every "--daemon ADDR" pair of argv (a TCP daemon is flushed by
 * flush_defs instead). */
static void
drop_daemon(struct strlist *argv)
{
	size_t i = 0;

	while (i + 1 < argv->n) {
		if (strcmp(argv->v[i], "--daemon") != 0) {
			i++;
			continue;
		}
		free(argv->v[i]);
		free(argv->v[i + 1]);
		memmove(argv->v + i, argv->v + i + 2,
		    (argv->n - i - 2) * sizeof(char *));
		argv->n -= 2;
	}
}

/* Adds "--daemon ADDR" after "graph -" unless the vector has one; over
 * TCP removes it instead (see flush_defs). */
static int
add_daemon(struct renderer *r, struct strlist *argv)
{
	size_t i;

	if (r->base != NULL) {
		drop_daemon(argv);
		return 0;
	}
	if (r->daemon == NULL || strlist_contains(argv, "--daemon"))
		return 0;
	if (strlist_add(argv, "--daemon") == -1 ||
	    strlist_add(argv, r->daemon) == -1)
		return -1;
	/* rotate the two new ones to positions 2 and 3 */
	for (i = 0; i < 2; i++) {
		char *last = argv->v[argv->n - 1];

		memmove(
		    argv->v + 3, argv->v + 2, (argv->n - 3) * sizeof(char *));
		argv->v[2] = last;
	}
	return 0;
}

static void on_timer(uv_timer_t *t);

/*
 * Queues a render of e for the thread with argv (taken over on success)
 * and w as its first waiter.  0, or -1 (ENOMEM) with argv and w still the
 * caller's.
 */
static int
start_render(
    struct renderer *r, struct entry *e, struct strlist *argv, struct waiter *w)
{
	struct rjob *j = calloc(1, sizeof(*j));

	if (j == NULL || add_daemon(r, argv) == -1) {
		free(j);
		errno = ENOMEM;
		return -1;
	}
	j->fd = -1;
	j->argv = *argv;
	memset(argv, 0, sizeof(*argv));
	snprintf(j->path, sizeof(j->path), "%s", e->path);
	snprintf(j->tmp, sizeof(j->tmp), "%s/.%016llx.tmp", r->dir,
	    (unsigned long long)e->hash);
	j->timeout_ms = r->timeout_ms;
	j->mode = r->mode;
	if (r->base != NULL) {
		j->flush_daemon = r->daemon;
		j->flush_base = r->base;
	}
	j->e = e;
	/* the forked render is killed at the limit; the loop waits a
	 * little longer so that the kill is what reports it */
	j->deadline = uv_now(r->loop) + r->timeout_ms +
		      (r->mode == RENDER_FORK ? 1000 : 0);
	e->job = j;
	w->next = e->waiters;
	e->waiters = w;
	j->lnext = r->running;
	r->running = j;
	r->st.renders++;
	hold(r);
	uv_timer_start(&r->timer, on_timer, DEADLINE_TICK_MS, DEADLINE_TICK_MS);
	pthread_mutex_lock(&r->mu);
	*r->todo_tail = j;
	r->todo_tail = &j->next;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
	return 0;
}

/*
 * A queued hit, answered with the cached file opened now.  A file that
 * vanished since (someone removed it) is forgotten and the image is
 * rendered again for the hit (or the hit joins a render started since):
 * a cache entry never answers with a file that is not there.
 */
static void
answer_hit(struct renderer *r, struct hit *hit)
{
	struct entry *e = hit->e;
	struct render_result res = {.fd = -1};
	struct waiter *w;
	int fd = -1;

	if (e->have_file) {
		fd = open(e->path, O_RDONLY | O_CLOEXEC);
		if (fd == -1 && errno == ENOENT) {
			log_warnx("render: %s: %s vanished from the cache; "
				  "rendering it again",
			    e->key, e->path);
			r->st.bytes -= e->size;
			r->st.files--;
			r->st.vanished++;
			e->have_file = false;
			e->size = 0;
		} else if (fd == -1) {
			res.error = "cannot open the cached image";
			goto answer;
		}
	}
	if (fd != -1) {
		r->st.hits++;
		res.path = e->path;
		res.fd = fd;
		res.size = e->size;
		res.rendered = e->rendered;
		res.hit = true;
		goto answer;
	}
	if (e->job != NULL && e->job->timed_out) {
		res.error = "a render of this graph hangs past its limit";
		goto answer;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL) {
		res.error = "out of memory";
		goto answer;
	}
	*w = hit->w;
	if (e->job != NULL) {
		w->shared = true;
		w->next = e->waiters;
		e->waiters = w;
		r->st.shared++;
		return;
	}
	if (start_render(r, e, &hit->argv, w) == 0)
		return;
	free(w);
	res.error = "out of memory";
answer:
	hit->w.cb(hit->w.arg, &res);
	if (fd != -1)
		close(fd);
}

static void
on_async(uv_async_t *h)
{
	struct renderer *r = h->data;
	struct rjob *done, *next;
	struct hit *hit;

	pthread_mutex_lock(&r->mu);
	done = r->done;
	r->done = NULL;
	pthread_mutex_unlock(&r->mu);
	for (; done != NULL; done = next) {
		next = done->next;
		job_done(r, done);
	}
	while ((hit = r->hits) != NULL) {
		r->hits = hit->next;
		if (r->hits == NULL)
			r->hits_tail = &r->hits;
		hit->e->pins--;
		answer_hit(r, hit);
		if (hit->e->waiters == NULL && hit->e->job == NULL &&
		    hit->e->pins == 0 && !hit->e->have_file)
			entry_free(r, hit->e);
		strlist_cleanup(&hit->argv);
		free(hit);
		release(r);
	}
}

/* Renders past their limit: their waiters get an error now. */
static void
on_timer(uv_timer_t *t)
{
	struct renderer *r = t->data;
	struct rjob *j;
	uint64_t now = uv_now(r->loop);
	char msg[128];

	for (j = r->running; j != NULL; j = j->lnext) {
		if (j->timed_out || now < j->deadline)
			continue;
		j->timed_out = true;
		r->st.timeouts++;
		snprintf(msg, sizeof(msg), "render timed out after %u ms",
		    r->timeout_ms);
		log_warnx("render: %s: %s", j->e->key, msg);
		fail_all(j->e, msg);
	}
}

/* Removes files an earlier run left: 16 hex digits, or ".HEX.tmp". */
static void
clean_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	const char *n;
	char path[4096];

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		n = de->d_name + (de->d_name[0] == '.');
		if (strspn(n, "0123456789abcdef") != 16 ||
		    (n[16] != '\0' && strcmp(n + 16, ".tmp") != 0))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
}

struct renderer *
renderer_new(uv_loop_t *loop, const struct renderer_opts *o)
{
	struct renderer *r;
	struct statfs sfs;
	struct stat sb;
	int saved;

	if (o->cache_dir == NULL || stat(o->cache_dir, &sb) == -1 ||
	    !S_ISDIR(sb.st_mode) || access(o->cache_dir, W_OK) == -1) {
		if (o->cache_dir != NULL && errno == 0)
			errno = ENOTDIR;
		log_warn("render: cache dir %s",
		    o->cache_dir ? o->cache_dir : "(none)");
		if (errno == 0)
			errno = EINVAL;
		return NULL;
	}
	if (statfs(o->cache_dir, &sfs) == 0 &&
	    (unsigned long)sfs.f_type != (unsigned long)TMPFS_MAGIC)
		log_warnx("render: cache dir %s is not a tmpfs: every graph "
			  "written goes to disk",
		    o->cache_dir);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->loop = loop;
	r->cap = o->cache_max_bytes;
	r->timeout_ms = o->timeout_ms ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
	r->mode = o->mode;
	r->hits_tail = &r->hits;
	r->todo_tail = &r->todo;
	r->dir = strdup(o->cache_dir);
	r->daemon = o->rrdcached ? strdup(o->rrdcached) : NULL;
	if (r->dir == NULL || (o->rrdcached != NULL && r->daemon == NULL))
		goto fail;
	if (rrdc_addr_is_tcp(o->rrdcached)) {
		if (o->rrdcached_base_dir == NULL ||
		    o->rrdcached_base_dir[0] != '/') {
			errno = EINVAL;
			goto fail;
		}
		r->base = strdup(o->rrdcached_base_dir);
		if (r->base == NULL)
			goto fail;
	}
	clean_dir(r->dir);
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
	if (uv_async_init(loop, &r->async, on_async) != 0) {
		errno = EIO;
		goto fail;
	}
	r->async.data = r;
	uv_unref((uv_handle_t *)&r->async);
	uv_timer_init(loop, &r->timer);
	r->timer.data = r;
	errno = pthread_create(&r->thread, NULL, render_main, r);
	if (errno != 0) {
		/* r is left to the loop: its handles close there and need
		 * it.  Start-up failure only. */
		saved = errno;
		log_warnx("render: no thread: %s", strerror(saved));
		renderer_stop(r);
		errno = saved;
		return NULL;
	}
	r->thread_started = true;
	return r;
fail:
	saved = errno ? errno : ENOMEM;
	free(r->dir);
	free(r->daemon);
	free(r->base);
	free(r);
	errno = saved;
	return NULL;
}

int
renderer_get(struct renderer *r, const char *key, struct strlist *argv,
    time_t data_mtime, render_cb cb, void *arg)
{
	struct entry *e;
	struct waiter *w = NULL;
	struct hit *hit;
	uint64_t h;
	int saved;

	if (r->stopping) {
		errno = ESHUTDOWN;
		goto fail;
	}
	if (key == NULL || key[0] == '\0' || argv->n < 2) {
		errno = EINVAL;
		goto fail;
	}
	h = fnv1a(key);
	e = entry_find(r, key, h);
	if (e != NULL && e->job == NULL && e->have_file &&
	    data_mtime < e->rendered) {
		hit = calloc(1, sizeof(*hit));
		if (hit == NULL)
			goto fail;
		hit->e = e;
		hit->w.cb = cb;
		hit->w.arg = arg;
		hit->argv = *argv;
		memset(argv, 0, sizeof(*argv));
		e->pins++;
		*r->hits_tail = hit;
		r->hits_tail = &hit->next;
		lru_touch(r, e);
		r->st.requests++;
		hold(r);
		uv_async_send(&r->async);
		return 0;
	}
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		goto fail;
	w->cb = cb;
	w->arg = arg;
	if (e != NULL && e->job != NULL && !e->job->timed_out) {
		/* join the render in progress (its data is at least as new) */
		w->shared = true;
		w->next = e->waiters;
		e->waiters = w;
		r->st.requests++;
		r->st.shared++;
		strlist_cleanup(argv);
		return 0;
	}
	if (e != NULL && e->job != NULL) {
		/* a render of this key hangs past its limit: do not queue
		 * another behind it */
		errno = EBUSY;
		goto fail;
	}
	if (e == NULL) {
		e = calloc(1, sizeof(*e));
		if (e == NULL)
			goto fail;
		e->key = strdup(key);
		if (e->key == NULL) {
			free(e);
			goto fail;
		}
		e->hash = h;
		snprintf(e->path, sizeof(e->path), "%s/%016llx", r->dir,
		    (unsigned long long)h);
		e->hnext = r->buckets[h & (NBUCKETS - 1)];
		r->buckets[h & (NBUCKETS - 1)] = e;
		lru_touch(r, e);
	}
	if (start_render(r, e, argv, w) == -1) {
		if (e->job == NULL && e->waiters == NULL && !e->have_file &&
		    e->pins == 0)
			entry_free(r, e);
		goto fail;
	}
	r->st.requests++;
	return 0;
fail:
	saved = errno ? errno : ENOMEM;
	free(w);
	strlist_cleanup(argv);
	errno = saved;
	return -1;
}

void
renderer_stats(const struct renderer *r, struct renderer_stats *out)
{
	*out = r->st;
}

void
renderer_stop(struct renderer *r)
{
	struct rjob *j, *next;
	struct hit *hit;
	struct render_result res = {.error = "renderer stopping", .fd = -1};

	if (r == NULL || r->stopping)
		return;
	r->stopping = true;
	if (r->thread_started) {
		pthread_mutex_lock(&r->mu);
		r->quit = true;
		/* jobs not started yet are dropped, not rendered */
		for (j = r->todo; j != NULL; j = next) {
			next = j->next;
			j->rc = -1;
			snprintf(j->err, sizeof(j->err), "renderer stopping");
			j->next = r->done;
			r->done = j;
		}
		r->todo = NULL;
		r->todo_tail = &r->todo;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->mu);
		pthread_join(r->thread, NULL);
		r->thread_started = false;
	}
	/* answer everything still waiting, as on_async would */
	pthread_mutex_lock(&r->mu);
	j = r->done;
	r->done = NULL;
	pthread_mutex_unlock(&r->mu);
	for (; j != NULL; j = next) {
		next = j->next;
		job_done(r, j);
	}
	while ((hit = r->hits) != NULL) {
		r->hits = hit->next;
		hit->e->pins--;
		hit->w.cb(hit->w.arg, &res);
		strlist_cleanup(&hit->argv);
		free(hit);
		release(r);
	}
	r->hits_tail = &r->hits;
	uv_timer_stop(&r->timer);
	uv_close((uv_handle_t *)&r->async, NULL);
	uv_close((uv_handle_t *)&r->timer, NULL);
}

void
renderer_free(struct renderer *r)
{
	struct entry *e;
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < NBUCKETS; i++)
		while ((e = r->buckets[i]) != NULL) {
			e->job = NULL;
			e->pins = 0;
			entry_free(r, e);
		}
	pthread_mutex_destroy(&r->mu);
	pthread_cond_destroy(&r->cv);
	free(r->dir);
	free(r->daemon);
	free(r->base);
	free(r);
}
