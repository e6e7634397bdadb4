/*
 * Tests for render: real librrd renders of real RRD files (Munin's schema,
 * a day of values) into a cache dir under mkdtemp, driven by a real libuv
 * loop; flush-before-draw against a real rrdcached (the README's test
 * command installs it: missing is a failure, not a skip).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <signal.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <rrd.h>
#include <rrd_client.h>
#include <uv.h>

#include "lib/log.h"
#include "plugins/munin_proto.h"
#include "rrd/graph.h"
#include "rrd/render.h"
#include "rrd/rrd_schema.h"

static FILE *devnull;

struct fx {
	char dir[64]; /* mkdtemp: db/ and cache/ below */
	char db[96];
	char cache[96];
	time_t now;	/* newest value in the files */
	struct batch b; /* the "load" service */
	uv_loop_t loop;
};

/* One answer, as the callback saw it. */
struct got {
	int calls;
	bool ok, hit, shared;
	char path[4096];
	char error[256];
	size_t size;
};

static void
on_result(void *arg, const struct render_result *res)
{
	struct got *g = arg;
	struct stat sb;

	g->calls++;
	g->ok = res->path != NULL;
	g->hit = res->hit;
	g->shared = res->shared;
	g->size = res->size;
	snprintf(g->path, sizeof(g->path), "%s", res->path ? res->path : "");
	snprintf(
	    g->error, sizeof(g->error), "%s", res->error ? res->error : "");
	/* the file exists while the callback runs, and the descriptor
	 * reads it */
	if (res->path != NULL) {
		assert_int_equal(stat(res->path, &sb), 0);
		assert_int_equal((size_t)sb.st_size, res->size);
		assert_true(res->fd >= 0);
		assert_int_equal(fstat(res->fd, &sb), 0);
		assert_int_equal((size_t)sb.st_size, res->size);
	} else
		assert_int_equal(res->fd, -1);
}

/* As on_result, then the file is removed (as by someone tidying the
 * cache) and the image read through a dup of the descriptor, as the web
 * keeps it for the response. */
static void
on_result_unlink(void *arg, const struct render_result *res)
{
	struct got *g = arg;
	char magic[8];
	int fd;

	on_result(arg, res);
	if (res->path == NULL)
		return;
	fd = fcntl(res->fd, F_DUPFD_CLOEXEC, 0);
	assert_true(fd >= 0);
	assert_int_equal(unlink(res->path), 0);
	g->size = pread(fd, magic, sizeof(magic), 0) == 8 &&
			  memcmp(magic, "\x89PNG\r\n\x1a\n", 8) == 0
		      ? g->size
		      : 0;
	close(fd);
}

/* A Munin-schema GAUGE file with a sine over the last ~33 hours. */
static void
make_rrd(struct fx *f, const char *field, time_t now)
{
	struct rrd_create_args a;
	struct rrd_ds ds;
	char path[512], val[160];
	const char *argv[1];
	time_t t, first = now - 2000 * 60;

	assert_int_equal(rrd_path(path, sizeof(path), f->db, "grp", "host.test",
			     "load", field, DS_GAUGE),
	    0);
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, NULL, NULL, NULL), 0);
	assert_int_equal(rrd_create_args(&a, &ds, first), 0);
	mkdir(f->db, 0755);
	snprintf(val, sizeof(val), "%s/grp", f->db);
	mkdir(val, 0755);
	assert_int_equal(
	    rrd_create_r(path, a.step, a.start, a.argc, a.argv), 0);
	for (t = first; t <= now; t += 300) {
		snprintf(val, sizeof(val), "%lld:%.3f", (long long)t,
		    1.5 + (double)(t % 7200) / 3600.0);
		argv[0] = val;
		assert_int_equal(rrd_update_r(path, NULL, 1, argv), 0);
	}
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	static const char conf[] = "graph_title Load average\n"
				   "graph_args --base 1000 -l 0\n"
				   "graph_vlabel load\ngraph_scale no\n"
				   "load.label load\nload.warning 3\n";

	assert_non_null(f);
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_render.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->db, sizeof(f->db), "%s/db", f->dir);
	snprintf(f->cache, sizeof(f->cache), "%s/cache", f->dir);
	assert_int_equal(mkdir(f->cache, 0755), 0);
	/* the newest value: strictly before this second, so a render started
	 * now is newer than the data even on a 300 s boundary second */
	f->now = (time(NULL) - 1) / 300 * 300;
	make_rrd(f, "load", f->now);
	mproto_parse_config(conf, strlen(conf), "load", &f->b, NULL);
	assert_int_equal(uv_loop_init(&f->loop), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char cmd[160];

	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&f->loop), 0);
	batch_cleanup(&f->b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

/* The day graph of "load" (or of a service whose file is missing). */
static void
argv_for(struct fx *f, struct strlist *out, enum graph_format fmt,
    const char *svcname, unsigned width)
{
	struct graph_params p = {
	    .dbdir = f->db,
	    .group_path = "grp",
	    .host = "host.test",
	    .period = GRAPH_DAY,
	    .now = f->now,
	    .format = fmt,
	    .width = width,
	    .watermark = "drover test",
	};
	struct service *svc = batch_service(&f->b, "load", false);
	char err[256], *saved = svc->name;

	graph_period_range(GRAPH_DAY, f->now, &p.start, &p.end);
	svc->name = (char *)svcname;
	assert_int_equal(graph_build(out, svc, &p, err, sizeof(err)), 0);
	svc->name = saved;
}

static struct renderer *
new_renderer(struct fx *f, size_t cap, enum render_mode mode,
    unsigned timeout_ms, const char *daemon)
{
	struct renderer_opts o = {
	    .cache_dir = f->cache,
	    .cache_max_bytes = cap,
	    .rrdcached = daemon,
	    .timeout_ms = timeout_ms,
	    .mode = mode,
	};
	struct renderer *r = renderer_new(&f->loop, &o);

	assert_non_null(r);
	return r;
}

static void
done(struct fx *f, struct renderer *r)
{
	renderer_stop(r);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	renderer_free(r);
}

static void
get(struct fx *f, struct renderer *r, const char *key, enum graph_format fmt,
    time_t data_mtime, struct got *g)
{
	struct strlist a = {0};

	argv_for(f, &a, fmt, "load", 0);
	assert_int_equal(renderer_get(r, key, &a, data_mtime, on_result, g), 0);
	assert_int_equal(a.n, 0); /* taken over */
}

static bool
file_starts(const char *path, const char *magic, size_t n)
{
	char buf[64] = {0};
	FILE *fp = fopen(path, "rb");
	size_t got;

	if (fp == NULL)
		return false;
	got = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	return got >= n && memcmp(buf, magic, n) == 0;
}

static void
test_png_then_cache_hit(void **state)
{
	struct fx *f = *state;
	struct renderer *r = new_renderer(f, 1 << 20, RENDER_THREAD, 0, NULL);
	struct renderer_stats st;
	struct got g1 = {0}, g2 = {0};

	get(f, r, "load-day.png", GRAPH_PNG, f->now, &g1);
	assert_int_equal(g1.calls, 0); /* never from within renderer_get */
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(g1.calls, 1);
	assert_true(g1.ok);
	assert_false(g1.hit);
	assert_true(file_starts(g1.path, "\x89PNG\r\n\x1a\n", 8));
	assert_true(g1.size > 2000); /* a 400x175 graph with legend */
	assert_true(g1.size < 200000);

	get(f, r, "load-day.png", GRAPH_PNG, f->now, &g2);
	assert_int_equal(g2.calls, 0);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(g2.calls, 1);
	assert_true(g2.hit);
	assert_string_equal(g2.path, g1.path);
	renderer_stats(r, &st);
	assert_int_equal(st.renders, 1);
	assert_int_equal(st.hits, 1);
	assert_int_equal(st.files, 1);
	assert_int_equal(st.bytes, g1.size);
	done(f, r);
}

/* A cached file removed from under the renderer is rendered again, in
 * either mode, never answered with a path that is not there. */
static void
vanished_renders_again(struct fx *f, enum render_mode mode)
{
	struct renderer *r = new_renderer(f, 1 << 20, mode, 0, NULL);
	struct renderer_stats st;
	struct got g1 = {0}, g2 = {0}, g3 = {0};
	struct strlist a = {0};
	struct stat sb;

	argv_for(f, &a, GRAPH_PNG, "load", 0);
	assert_int_equal(
	    renderer_get(r, "load-day.png", &a, f->now, on_result_unlink, &g1),
	    0);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_true(g1.ok);
	assert_true(g1.size > 0); /* the dup read the PNG after the unlink */
	assert_int_equal(stat(g1.path, &sb), -1);

	/* the entry says cached, the file is gone: rendered again */
	get(f, r, "load-day.png", GRAPH_PNG, f->now, &g2);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(g2.calls, 1);
	assert_true(g2.ok);
	assert_false(g2.hit);
	assert_true(file_starts(g2.path, "\x89PNG\r\n\x1a\n", 8));
	renderer_stats(r, &st);
	assert_int_equal(st.renders, 2);
	assert_int_equal(st.vanished, 1);
	assert_int_equal(st.hits, 0);
	assert_int_equal(st.files, 1);
	assert_int_equal(st.bytes, g2.size);

	/* and cached again */
	get(f, r, "load-day.png", GRAPH_PNG, f->now, &g3);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_true(g3.ok);
	assert_true(g3.hit);
	renderer_stats(r, &st);
	assert_int_equal(st.renders, 2);
	assert_int_equal(st.hits, 1);
	done(f, r);
}

static void
test_vanished_file_renders_again(void **state)
{
	vanished_renders_again(*state, RENDER_THREAD);
}

static void
test_vanished_file_renders_again_forked(void **state)
{
	vanished_renders_again(*state, RENDER_FORK);
}

static void
test_svg(void **state)
{
	struct fx *f = *state;
	struct renderer *r = new_renderer(f, 1 << 20, RENDER_THREAD, 0, NULL);
	struct got g = {0};

	get(f, r, "load-day.svg", GRAPH_SVG, f->now, &g);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_true(g.ok);
	assert_true(file_starts(g.path, "<?xml", 5));
	done(f, r);
}

static void
test_concurrent_requests_share_one_render(void **state)
{
	struct fx *f = *state;
	struct renderer *r = new_renderer(f, 1 << 20, RENDER_THREAD, 0, NULL);
	struct renderer_stats st;
	struct got g[3] = {{0}};
	int i;

	for (i = 0; i < 3; i++)
		get(f, r, "load-day.png", GRAPH_PNG, f->now, &g[i]);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	for (i = 0; i < 3; i++) {
		assert_int_equal(g[i].calls, 1);
		assert_true(g[i].ok);
		assert_string_equal(g[i].path, g[0].path);
	}
	assert_false(g[0].shared);
	assert_true(g[1].shared && g[2].shared);
	renderer_stats(r, &st);
	assert_int_equal(st.renders, 1);
	assert_int_equal(st.shared, 2);
	done(f, r);
}

static void
test_newer_data_renders_again(void **state)
{
	struct fx *f = *state;
	struct renderer *r = new_renderer(f, 1 << 20, RENDER_THREAD, 0, NULL);
	struct renderer_stats st;
	struct got g1 = {0}, g2 = {0}, g3 = {0};

	get(f, r, "k", GRAPH_PNG, f->now, &g1);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	/* data as new as the render's start second: not trusted */
	get(f, r, "k", GRAPH_PNG, time(NULL) + 1, &g2);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_true(g2.ok);
	assert_false(g2.hit);
	get(f, r, "k", GRAPH_PNG, f->now, &g3);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_true(g3.hit);
	renderer_stats(r, &st);
	assert_int_equal(st.renders, 2);
	assert_int_equal(st.files, 1);
	done(f, r);
}

static void
test_lru_eviction_over_cap(void **state)
{
	struct fx *f = *state;
	struct renderer *r;
	struct renderer_stats st;
	struct got g[4] = {{0}};
	struct stat sb;
	size_t one;

	/* learn one image's size, then allow a bit over two of them */
	r = new_renderer(f, 1 << 20, RENDER_THREAD, 0, NULL);
	get(f, r, "probe", GRAPH_PNG, f->now, &g[0]);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	one = g[0].size;
	done(f, r);

	memset(g, 0, sizeof(g));
	r = new_renderer(f, one * 2 + one / 2, RENDER_THREAD, 0, NULL);
	get(f, r, "a", GRAPH_PNG, f->now, &g[0]);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	get(f, r, "b", GRAPH_PNG, f->now, &g[1]);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	get(f, r, "a", GRAPH_PNG, f->now, &g[2]); /* a is now newer than b */
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_true(g[2].hit);
	get(f, r, "c", GRAPH_PNG, f->now, &g[3]);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	renderer_stats(r, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.files, 2);
	assert_true(st.bytes <= one * 2 + one / 2);
	assert_int_equal(stat(g[1].path, &sb), -1); /* b went */
	assert_int_equal(stat(g[0].path, &sb), 0);  /* a stayed */
	assert_int_equal(stat(g[3].path, &sb), 0);
	done(f, r);
}

static void
test_missing_rrd_is_an_error(void **state)
{
	struct fx *f = *state;
	struct renderer *r = new_renderer(f, 1 << 20, RENDER_THREAD, 0, NULL);
	struct renderer_stats st;
	struct strlist a = {0};
	struct got g = {0};

	argv_for(f, &a, GRAPH_PNG, "nosuch", 0);
	assert_int_equal(
	    renderer_get(r, "nosuch", &a, f->now, on_result, &g), 0);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(g.calls, 1);
	assert_false(g.ok);
	assert_non_null(strstr(g.error, "nosuch"));
	renderer_stats(r, &st);
	assert_int_equal(st.errors, 1);
	assert_int_equal(st.files, 0);
	done(f, r);
}

static void
test_fork_mode_renders(void **state)
{
	struct fx *f = *state;
	struct renderer *r = new_renderer(f, 1 << 20, RENDER_FORK, 0, NULL);
	struct got g = {0};

	get(f, r, "forked", GRAPH_PNG, f->now, &g);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_true(g.ok);
	assert_true(file_starts(g.path, "\x89PNG\r\n\x1a\n", 8));
	done(f, r);
}

static void
test_fork_mode_time_limit_kills(void **state)
{
	struct fx *f = *state;
	struct renderer *r = new_renderer(f, 1 << 20, RENDER_FORK, 1, NULL);
	struct renderer_stats st;
	struct got g = {0};

	get(f, r, "slow", GRAPH_PNG, f->now, &g);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(g.calls, 1);
	assert_false(g.ok);
	assert_non_null(strstr(g.error, "limit"));
	renderer_stats(r, &st);
	assert_int_equal(st.timeouts, 1);
	done(f, r);
}

/*
 * A render that hangs (its RRD is a FIFO nobody writes: open() blocks) is
 * answered with an error at the limit while the thread is still stuck; a
 * second request for the key is refused instead of queued behind it.
 */
static void
test_thread_mode_hung_render_times_out(void **state)
{
	struct fx *f = *state;
	struct renderer *r = new_renderer(f, 1 << 20, RENDER_THREAD, 200, NULL);
	struct renderer_stats st;
	struct strlist a = {0};
	struct got g = {0}, g2 = {0};
	char fifo[512];
	int fd;

	assert_int_equal(rrd_path(fifo, sizeof(fifo), f->db, "grp", "host.test",
			     "hang", "load", DS_GAUGE),
	    0);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	argv_for(f, &a, GRAPH_PNG, "hang", 0);
	assert_int_equal(renderer_get(r, "hang", &a, f->now, on_result, &g), 0);
	while (g.calls == 0)
		uv_run(&f->loop, UV_RUN_ONCE);
	assert_false(g.ok);
	assert_non_null(strstr(g.error, "timed out"));
	renderer_stats(r, &st);
	assert_int_equal(st.timeouts, 1);
	argv_for(f, &a, GRAPH_PNG, "hang", 0);
	assert_int_equal(
	    renderer_get(r, "hang", &a, f->now, on_result, &g2), -1);
	assert_int_equal(errno, EBUSY);
	/* release the stuck open(): the render then fails on its own */
	fd = open(fifo, O_WRONLY);
	assert_true(fd >= 0);
	close(fd);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(g.calls, 1); /* answered once, not again */
	assert_int_equal(g2.calls, 0);
	done(f, r);
}

/* The same hang with forked renders: the child is killed at the limit. */
static void
test_fork_mode_hung_render_killed(void **state)
{
	struct fx *f = *state;
	struct renderer *r = new_renderer(f, 1 << 20, RENDER_FORK, 200, NULL);
	struct renderer_stats st;
	struct strlist a = {0};
	struct got g = {0};
	char fifo[512];

	assert_int_equal(rrd_path(fifo, sizeof(fifo), f->db, "grp", "host.test",
			     "hang", "load", DS_GAUGE),
	    0);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	argv_for(f, &a, GRAPH_PNG, "hang", 0);
	assert_int_equal(renderer_get(r, "hang", &a, f->now, on_result, &g), 0);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_int_equal(g.calls, 1);
	assert_non_null(strstr(g.error, "killed"));
	renderer_stats(r, &st);
	assert_int_equal(st.timeouts, 1);
	done(f, r);
}

static void
test_rrdcached_flush_is_requested(void **state)
{
	struct fx *f = *state;
	struct renderer *r = new_renderer(
	    f, 1 << 20, RENDER_THREAD, 0, "unix:/nonexistent/rrdcached.sock");
	struct got g = {0};

	/* the daemon is asked (and missing): proof that --daemon went in */
	get(f, r, "daemon", GRAPH_PNG, f->now, &g);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_false(g.ok);
	assert_non_null(strstr(g.error, "rrdcached"));
	done(f, r);
}

/*
 * Flush before draw with a real rrdcached: a value held in the daemon's
 * cache reaches the file (rrd_last_r reads the file, not the daemon)
 * when, and only because, the renderer draws with --daemon.
 */
static void
test_rrdcached_flush_before_draw(void **state)
{
	struct fx *f = *state;
	struct renderer *r;
	struct got g = {0};
	char sock[160], addr[170], pidf[160], path[512], val[64];
	const char *vals[1];
	pid_t pid;
	int i, status;

	if (system("command -v rrdcached >/dev/null 2>&1") != 0)
		fail_msg("rrdcached not found: install the Debian package "
			 "rrdcached (the README's test command does)");
	snprintf(sock, sizeof(sock), "%s/rrdcached.sock", f->dir);
	snprintf(addr, sizeof(addr), "unix:%s", sock);
	snprintf(pidf, sizeof(pidf), "%s/rrdcached.pid", f->dir);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		execlp("rrdcached", "rrdcached", "-g", "-l", addr, "-b", f->db,
		    "-w", "3600", "-f", "7200", "-p", pidf, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && access(sock, F_OK) != 0; i++)
		usleep(50000);
	assert_int_equal(access(sock, F_OK), 0);

	assert_int_equal(rrd_path(path, sizeof(path), f->db, "grp", "host.test",
			     "load", "load", DS_GAUGE),
	    0);
	snprintf(val, sizeof(val), "%lld:2.5", (long long)(f->now + 300));
	vals[0] = val;
	assert_int_equal(rrdc_connect(addr), 0);
	assert_int_equal(rrdc_update(path, 1, vals), 0);
	/* held by the daemon: the file has not seen it */
	assert_int_equal(rrd_last_r(path), f->now);

	r = new_renderer(f, 1 << 20, RENDER_THREAD, 0, addr);
	get(f, r, "cached", GRAPH_PNG, f->now, &g);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	assert_true(g.ok);
	assert_int_equal(rrd_last_r(path), f->now + 300);
	done(f, r);

	rrdc_disconnect();
	kill(pid, SIGTERM);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void
test_stop_answers_waiting_and_refuses(void **state)
{
	struct fx *f = *state;
	struct renderer *r = new_renderer(f, 1 << 20, RENDER_THREAD, 0, NULL);
	struct strlist a = {0};
	struct got g = {0};

	get(f, r, "x", GRAPH_PNG, f->now, &g);
	renderer_stop(r); /* before the loop ran: answered all the same */
	assert_int_equal(g.calls, 1);
	argv_for(f, &a, GRAPH_PNG, "load", 0);
	assert_int_equal(renderer_get(r, "y", &a, f->now, on_result, &g), -1);
	assert_int_equal(errno, ESHUTDOWN);
	assert_int_equal(a.n, 0);
	uv_run(&f->loop, UV_RUN_DEFAULT);
	renderer_free(r);
}

/*
 * Makes a fresh directory under the first of candidates whose filesystem
 * is (tmpfs true) or is not (tmpfs false) a tmpfs; dir gets its path.
 * Fails the test when none qualifies: the warning must be seen both ways.
 */
static void
dir_on(bool tmpfs, char *dir, size_t size)
{
	static const char *const candidates[] = {
	    "/dev/shm", "/run/shm", "/tmp", "/var/tmp", "."};
	struct statfs sfs;
	size_t i;
	bool is;

	for (i = 0; i < sizeof(candidates) / sizeof(candidates[0]); i++) {
		if (statfs(candidates[i], &sfs) != 0)
			continue;
		is = (unsigned long)sfs.f_type == (unsigned long)TMPFS_MAGIC;
		if (is != tmpfs)
			continue;
		snprintf(dir, size, "%s/test_render.XXXXXX", candidates[i]);
		if (mkdtemp(dir) != NULL)
			return;
	}
	fail_msg("no writable %s directory among /dev/shm, /run/shm, /tmp, "
		 "/var/tmp, the build dir",
	    tmpfs ? "tmpfs" : "non-tmpfs");
}

/* What renderer_new logs for cache_dir dir (at most sizeof(buf) - 1). */
static void
log_of_new(struct fx *f, const char *dir, char *buf, size_t size)
{
	struct renderer_opts o = {.cache_dir = dir, .cache_max_bytes = 1 << 20};
	struct renderer *r;
	FILE *cap = tmpfile();
	size_t n;

	assert_non_null(cap);
	log_set_stream(cap);
	r = renderer_new(&f->loop, &o);
	assert_non_null(r);
	done(f, r);
	log_set_stream(devnull);
	memset(buf, 0, size);
	rewind(cap);
	n = fread(buf, 1, size - 1, cap);
	buf[n] = '\0';
	fclose(cap);
}

static void
test_warns_unless_tmpfs(void **state)
{
	struct fx *f = *state;
	char buf[4096], disk[128], shm[128];

	/* a disk filesystem: warned once, naming the dir */
	dir_on(false, disk, sizeof(disk));
	log_of_new(f, disk, buf, sizeof(buf));
	assert_non_null(strstr(buf, "not a tmpfs"));
	assert_non_null(strstr(buf, disk));
	rmdir(disk);
	/* a tmpfs (Debian mounts /dev/shm as one): no warning */
	dir_on(true, shm, sizeof(shm));
	log_of_new(f, shm, buf, sizeof(buf));
	assert_string_equal(buf, "");
	rmdir(shm);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_png_then_cache_hit, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_svg, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_vanished_file_renders_again, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_vanished_file_renders_again_forked, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_concurrent_requests_share_one_render, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_newer_data_renders_again, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_lru_eviction_over_cap, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_missing_rrd_is_an_error, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_fork_mode_renders, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_fork_mode_time_limit_kills, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_thread_mode_hung_render_times_out, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_fork_mode_hung_render_killed, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rrdcached_flush_is_requested, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_rrdcached_flush_before_draw, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_stop_answers_waiting_and_refuses, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_warns_unless_tmpfs, setup, teardown),
	};
	int rc;

	setenv("TZ", "UTC", 1);
	/* expected warnings (not a tmpfs, failing renders) stay quiet */
	devnull = fopen("/dev/null", "w");
	log_set_stream(devnull);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	log_set_stream(NULL);
	fclose(devnull);
	return rc;
}
