/*
 * rrdcached_proc: drover's own rrdcached, a child of the loop.  See
 * rrdcached_proc.h.
 *
 * One uv_process_t per run of the daemon (a closed handle is not
 * reused), one timer for both the restart backoff and the SIGKILL at the
 * stop.  Only the start-up waits (for a leftover daemon to go, for the
 * new one to answer); everything after runs on loop callbacks.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "lib/fileio.h"
#include "lib/log.h"
#include "rrd/rrdcached_proc.h"

#define BACKOFF_MIN_MS 1000u  /* first restart after an exit */
#define BACKOFF_MAX_MS 60000u /* longest wait between restarts */
#define STABLE_MS 60000u      /* a run this long resets the backoff */
#define LEFTOVER_WAIT_MS                                                       \
	10000u	    /* a crashed run's daemon: SIGTERM to                      \
		       SIGKILL */
#define POLL_MS 20u /* start-up waits poll this often */

struct rrdcached_proc {
	uv_loop_t *loop;
	uv_process_t *proc; /* the running daemon's; NULL when none */
	uv_timer_t timer;   /* restart backoff; SIGKILL at the stop */
	char *command;
	char dir[PATH_MAX];
	char base[PATH_MAX];
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char addr[sizeof(((struct sockaddr_un *)0)->sun_path) + 5];
	char pidfile[PATH_MAX];
	char journal[PATH_MAX];
	char w[16], z[16], f[16];
	unsigned stop_ms;
	void (*restarted)(void *arg);
	void *arg;
	unsigned backoff_ms; /* the next restart's wait */
	uint64_t started_ms; /* uv_now() of the current run's start */
	bool stopping;
	bool timer_closed;
	struct rrdcached_proc_stats st;
};

static void spawn_later(struct rrdcached_proc *p);

static void
sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Whether pid runs an rrdcached (/proc/PID/comm). */
static bool
is_rrdcached(pid_t pid)
{
	char path[64], comm[64] = "";
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%ld/comm", (long)pid);
	fp = fopen(path, "r");
	if (fp == NULL)
		return false;
	if (fgets(comm, sizeof(comm), fp) == NULL)
		comm[0] = '\0';
	fclose(fp);
	return strncmp(comm, "rrdcached", 9) == 0;
}

/*
 * A crashed run's daemon (drover killed with -9 leaves it running): its
 * pid file names a live rrdcached.  Asked to stop (it writes its cache),
 * killed when it does not within LEFTOVER_WAIT_MS; then its socket and
 * pid file go, so the new daemon can bind and write them.
 */
static void
clear_leftovers(struct rrdcached_proc *p)
{
	FILE *fp = fopen(p->pidfile, "r");
	long pid = 0;
	unsigned waited = 0;

	if (fp != NULL) {
		if (fscanf(fp, "%ld", &pid) != 1)
			pid = 0;
		fclose(fp);
	}
	if (pid > 1 && is_rrdcached((pid_t)pid) &&
	    kill((pid_t)pid, SIGTERM) == 0) {
		log_info(
		    "rrdcached: stopping pid %ld, left by an earlier run", pid);
		while (kill((pid_t)pid, 0) == 0 && is_rrdcached((pid_t)pid) &&
		       waited < LEFTOVER_WAIT_MS) {
			sleep_ms(POLL_MS);
			waited += POLL_MS;
		}
		if (kill((pid_t)pid, 0) == 0 && is_rrdcached((pid_t)pid)) {
			log_warnx("rrdcached: pid %ld did not stop in %u s; "
				  "killed (its journal keeps its values)",
			    pid, LEFTOVER_WAIT_MS / 1000);
			kill((pid_t)pid, SIGKILL);
			sleep_ms(100);
		}
	}
	if (unlink(p->sock) == -1 && errno != ENOENT)
		log_warn("rrdcached: cannot remove %s", p->sock);
	if (unlink(p->pidfile) == -1 && errno != ENOENT)
		log_warn("rrdcached: cannot remove %s", p->pidfile);
}

static void
on_close_proc(uv_handle_t *h)
{
	free(h);
}

static void
on_exit_cb(uv_process_t *h, int64_t status, int signum)
{
	struct rrdcached_proc *p = h->data;
	uint64_t ran = uv_now(p->loop) - p->started_ms;

	p->proc = NULL;
	uv_close((uv_handle_t *)h, on_close_proc);
	p->st.running = false;
	p->st.pid = 0;
	p->st.last_status = (int)status;
	p->st.last_signal = signum;
	p->st.last_exit = time(NULL);
	if (p->stopping) {
		if (status != 0 || signum != 0)
			log_warnx(
			    "rrdcached: stopped with status %d, signal %d",
			    (int)status, signum);
		uv_timer_stop(&p->timer);
		if (!p->timer_closed) {
			p->timer_closed = true;
			uv_close((uv_handle_t *)&p->timer, NULL);
		}
		return;
	}
	if (ran >= STABLE_MS)
		p->backoff_ms = BACKOFF_MIN_MS;
	log_warnx("rrdcached: exited after %llu s with status %d%s%s; "
		  "starting it again in %u s",
	    (unsigned long long)(ran / 1000), (int)status,
	    signum != 0 ? ", signal " : "",
	    signum != 0 ? strsignal(signum) : "", p->backoff_ms / 1000);
	spawn_later(p);
}

/* Starts one run of the daemon.  0, or a libuv error (logged). */
static int
spawn(struct rrdcached_proc *p)
{
	char *args[] = {p->command, "-g", "-m", "0600", "-l", p->addr, "-p",
	    p->pidfile, "-b", p->base, "-B", "-j", p->journal, "-w", p->w, "-z",
	    p->z, "-f", p->f, "-F", NULL};
	uv_stdio_container_t stdio[3] = {
	    {.flags = UV_IGNORE},
	    {.flags = UV_INHERIT_FD, .data.fd = 2},
	    {.flags = UV_INHERIT_FD, .data.fd = 2},
	};
	uv_process_options_t o = {0};
	uv_process_t *h;
	int r;

	clear_leftovers(p);
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return UV_ENOMEM;
	o.file = p->command;
	o.args = args;
	o.exit_cb = on_exit_cb;
	o.stdio = stdio;
	o.stdio_count = 3;
	/* its own session: a ^C at drover's terminal is drover's to handle,
	 * and drover stops the daemon after its last flush */
	o.flags = UV_PROCESS_DETACHED;
	h->data = p;
	r = uv_spawn(p->loop, h, &o);
	if (r != 0) {
		uv_close((uv_handle_t *)h, on_close_proc);
		return r;
	}
	uv_unref((uv_handle_t *)h);
	p->proc = h;
	p->started_ms = uv_now(p->loop);
	p->st.running = true;
	p->st.pid = h->pid;
	log_info("rrdcached: pid %d on %s for %s (-w %s -z %s -f %s, journal "
		 "%s)",
	    h->pid, p->addr, p->base, p->w, p->z, p->f, p->journal);
	return 0;
}

static void
on_restart(uv_timer_t *t)
{
	struct rrdcached_proc *p = t->data;
	int r;

	if (p->stopping)
		return;
	p->st.restarts++;
	r = spawn(p);
	if (r != 0) {
		log_warnx("rrdcached: cannot start %s: %s; trying again in "
			  "%u s",
		    p->command, uv_strerror(r), p->backoff_ms / 1000);
		spawn_later(p);
	} else if (p->restarted != NULL)
		p->restarted(p->arg);
}

/* The next start after the backoff, which doubles. */
static void
spawn_later(struct rrdcached_proc *p)
{
	uv_timer_start(&p->timer, on_restart, p->backoff_ms, 0);
	p->backoff_ms *= 2;
	if (p->backoff_ms > BACKOFF_MAX_MS)
		p->backoff_ms = BACKOFF_MAX_MS;
}

/* dir/name into out (size n); -1 (ENAMETOOLONG) when it does not fit. */
static int
join(char *out, size_t n, const char *dir, const char *name)
{
	if ((size_t)snprintf(out, n, "%s/%s", dir, name) >= n) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

struct rrdcached_proc *
rrdcached_proc_new(uv_loop_t *loop, const struct rrdcached_proc_opts *o)
{
	struct rrdcached_proc *p = calloc(1, sizeof(*p));
	int r, err;

	if (p == NULL)
		return NULL;
	p->loop = loop;
	p->stop_ms = o->stop_ms;
	p->restarted = o->restarted;
	p->arg = o->arg;
	p->backoff_ms = BACKOFF_MIN_MS;
	p->st.last_status = -1;
	snprintf(p->w, sizeof(p->w), "%u", o->write_s);
	snprintf(p->z, sizeof(p->z), "%u", o->jitter_s);
	snprintf(p->f, sizeof(p->f), "%u", o->flush_s);
	p->command = strdup(o->command);
	if (p->command == NULL)
		goto fail;
	if (snprintf(p->dir, sizeof(p->dir), "%s", o->dir) >=
		(int)sizeof(p->dir) ||
	    join(p->sock, sizeof(p->sock), o->dir, "rrdcached.sock") == -1 ||
	    join(p->pidfile, sizeof(p->pidfile), o->dir, "rrdcached.pid") ==
		-1 ||
	    join(p->journal, sizeof(p->journal), o->dir, "journal") == -1) {
		log_warnx("rrdcached: %s/rrdcached.sock is longer than a unix "
			  "socket's %zu bytes; writing RRD files directly",
		    o->dir, sizeof(p->sock) - 1);
		errno = ENAMETOOLONG;
		goto fail;
	}
	snprintf(p->addr, sizeof(p->addr), "unix:%s", p->sock);
	if (file_mkdirs(p->journal, 0700) == -1) {
		log_warn("rrdcached: cannot make %s; writing RRD files "
			 "directly",
		    p->journal);
		goto fail;
	}
	/* -b must not lead through a symbolic link: rrdcached refuses it */
	if (realpath(o->base_dir, p->base) == NULL) {
		log_warn(
		    "rrdcached: %s; writing RRD files directly", o->base_dir);
		goto fail;
	}
	r = spawn(p);
	if (r != 0) {
		log_warnx("rrdcached: cannot start %s: %s; writing RRD files "
			  "directly",
		    p->command, uv_strerror(r));
		errno = r == UV_ENOENT ? ENOENT : -r;
		goto fail;
	}
	/* after the spawn: its exit is seen only once the loop runs */
	uv_timer_init(loop, &p->timer);
	p->timer.data = p;
	uv_unref((uv_handle_t *)&p->timer);
	return p;
fail:
	err = errno;
	free(p->command);
	free(p);
	errno = err;
	return NULL;
}

const char *
rrdcached_proc_addr(const struct rrdcached_proc *p)
{
	return p->addr;
}

/* Whether the socket accepts a connection now. */
static bool
answers(const struct rrdcached_proc *p)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd == -1)
		return false;
	memcpy(sa.sun_path, p->sock, strlen(p->sock) + 1);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

int
rrdcached_proc_wait(struct rrdcached_proc *p, unsigned ms)
{
	unsigned waited = 0;

	/* the loop does not run yet: a daemon that died is only not
	 * answering, for ms */
	while (!answers(p)) {
		if (waited >= ms)
			return -1;
		sleep_ms(POLL_MS);
		waited += POLL_MS;
	}
	return 0;
}

void
rrdcached_proc_stats(
    const struct rrdcached_proc *p, struct rrdcached_proc_stats *out)
{
	*out = p->st;
}

static void
on_kill(uv_timer_t *t)
{
	struct rrdcached_proc *p = t->data;

	if (p->proc == NULL)
		return;
	log_warnx("rrdcached: still writing its cache after %u s; killed "
		  "(its journal keeps the rest for the next start)",
	    p->stop_ms / 1000);
	uv_process_kill(p->proc, SIGKILL);
}

void
rrdcached_proc_stop(struct rrdcached_proc *p)
{
	if (p == NULL || p->stopping)
		return;
	p->stopping = true;
	uv_timer_stop(&p->timer);
	if (p->proc == NULL) {
		p->timer_closed = true;
		uv_close((uv_handle_t *)&p->timer, NULL);
		return;
	}
	uv_ref((uv_handle_t *)p->proc);
	uv_ref((uv_handle_t *)&p->timer);
	uv_process_kill(p->proc, SIGTERM);
	/* the loop's clock is as old as its last turn: at the stop that can
	 * be the writer's whole drain ago, and the bound would have passed
	 * before the daemon began to write */
	uv_update_time(p->proc->loop);
	uv_timer_start(&p->timer, on_kill, p->stop_ms, 0);
}

void
rrdcached_proc_free(struct rrdcached_proc *p)
{
	if (p == NULL)
		return;
	free(p->command);
	free(p);
}
