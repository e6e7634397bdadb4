/*
 * rrdc_batch against a real rrdcached started by each test (unix socket
 * or TCP on 127.0.0.1), stopped by its PID: refused lines reach the
 * callback with their index and the others are stored; a daemon killed
 * while a batch is under way fails the call and a new daemon takes the
 * batch again; over TCP relative names are resolved against -b.  And the
 * writer through the daemon: a value the daemon refuses (another client
 * wrote the file later) is counted as an error, the others are written;
 * connections made before the writer starts are the ones it uses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <rrd.h>
#include <rrd_client.h>

#include "rrd/rrd_schema.h"
#include "rrd/rrd_writer.h"
#include "rrd/rrdc_batch.h"

#define T0 1700000100 /* a multiple of 300 */

static char tmpdir[64];

static int
setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/test_rrdc_batch.XXXXXX");
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A free TCP port on 127.0.0.1 (bound, read back, closed). */
static int
free_port(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int fd, port;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd != -1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

/*
 * rrdcached in the foreground on addr with base dir db (-w 3600: it
 * writes only when asked), up once its pid file is there and a client
 * connects.
 */
static pid_t
daemon_start(const char *addr, const char *db, bool tcp)
{
	char pidf[160];
	struct rrdc_batch *b;
	pid_t pid;
	int i;

	if (system("command -v rrdcached >/dev/null 2>&1") != 0)
		fail_msg("rrdcached not found: install the Debian package "
			 "rrdcached (the README's test command does)");
	snprintf(pidf, sizeof(pidf), "%s/rc.pid", tmpdir);
	unlink(pidf);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		if (tcp)
			execlp("rrdcached", "rrdcached", "-g", "-l", addr, "-b",
			    db, "-B", "-w", "3600", "-f", "7200", "-p", pidf,
			    (char *)NULL);
		else
			execlp("rrdcached", "rrdcached", "-g", "-l", addr, "-b",
			    db, "-w", "3600", "-f", "7200", "-p", pidf,
			    (char *)NULL);
		_exit(127);
	}
	b = rrdc_batch_new(addr);
	assert_non_null(b);
	for (i = 0; i < 400 && rrdc_batch_connect(b) == -1; i++)
		usleep(50000);
	assert_true(rrdc_batch_is_connected(b));
	rrdc_batch_free(b);
	return pid;
}

static void
daemon_stop(pid_t pid, int sig)
{
	int status;

	assert_int_equal(kill(pid, sig), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

/* A GAUGE file at path starting before T0. */
static void
mkrrd(const char *path)
{
	const char *argv[] = {"DS:42:GAUGE:600:U:U", "RRA:AVERAGE:0.5:1:10"};

	assert_int_equal(rrd_create_r(path, 300, T0 - 300, 2, argv), 0);
}

/* The file's last update once the daemon at addr wrote what it holds. */
static time_t
last_flushed(const char *addr, const char *name, const char *path)
{
	assert_int_equal(rrdc_connect(addr), 0);
	assert_int_equal(rrdc_flush(name), 0);
	return rrd_last_r(path);
}

struct refusals {
	size_t n;
	size_t index[8];
	char msg[8][200];
};

static void
refused(void *arg, size_t i, const char *msg)
{
	struct refusals *r = arg;

	assert_true(r->n < 8);
	r->index[r->n] = i;
	snprintf(r->msg[r->n], sizeof(r->msg[0]), "%s", msg);
	r->n++;
}

static void
test_bad_lines_reported_others_stored(void **state)
{
	char db[128], addr[200], a[200], b2[200], none[200];
	struct rrdc_batch *b;
	struct refusals r = {0};
	pid_t pid;

	(void)state;
	snprintf(db, sizeof(db), "%s/db1", tmpdir);
	assert_int_equal(mkdir(db, 0755), 0);
	snprintf(addr, sizeof(addr), "unix:%s/rc1.sock", tmpdir);
	snprintf(a, sizeof(a), "%s/a.rrd", db);
	snprintf(b2, sizeof(b2), "%s/b c.rrd", db); /* a space: escaped */
	snprintf(none, sizeof(none), "%s/none.rrd", db);
	mkrrd(a);
	mkrrd(b2);
	pid = daemon_start(addr, db, false);
	{
		const struct rrdc_line lines[] = {
		    {a, "1700000100:1"},
		    {none, "1700000100:2"}, /* no such file */
		    {a, "1700000100:3"},    /* same time again */
		    {b2, "1700000100:4"},
		    {"x\ny", "1700000100:5"}, /* never sent */
		    {a, "1700000400:6"},
		    {b2, "1700000400:7"},
		};

		b = rrdc_batch_new(addr);
		assert_non_null(b);
		assert_int_equal(rrdc_batch_connect(b), 0);
		assert_int_equal(
		    rrdc_batch_update(b, lines, 7, refused, &r), 0);
	}
	assert_int_equal(r.n, 3);
	assert_int_equal(r.index[0], 4); /* the client's, before sending */
	assert_int_equal(r.index[1], 1);
	assert_non_null(strstr(r.msg[1], "No such file"));
	assert_int_equal(r.index[2], 2);
	assert_non_null(strstr(r.msg[2], "illegal attempt to update"));
	assert_true(rrdc_batch_is_connected(b));
	assert_int_equal(last_flushed(addr, a, a), T0 + 300);
	assert_int_equal(last_flushed(addr, b2, b2), T0 + 300);
	rrdc_disconnect();
	rrdc_batch_free(b);
	daemon_stop(pid, SIGTERM);
}

#define BIG_BATCH 100000 /* lines: megabytes, more than a socket buffers */

struct big {
	struct rrdc_batch *b;
	struct rrdc_line *lines;
	int rc, err;
};

static void *
send_big(void *arg)
{
	struct big *g = arg;

	g->rc = rrdc_batch_update(g->b, g->lines, BIG_BATCH, NULL, NULL);
	g->err = errno;
	return NULL;
}

/*
 * The daemon is stopped (SIGSTOP) before a batch too big for the socket
 * buffers is sent, so the send is under way, then killed: the call fails
 * and closes the connection; a new daemon on the same socket takes the
 * batch whole on a new connection.
 */
static void
test_daemon_killed_mid_batch(void **state)
{
	char db[128], addr[260], a[200], sock[200];
	char(*vals)[32];
	struct big g = {0};
	pthread_t t;
	pid_t pid;
	int i;

	(void)state;
	snprintf(db, sizeof(db), "%s/db2", tmpdir);
	assert_int_equal(mkdir(db, 0755), 0);
	snprintf(sock, sizeof(sock), "%s/rc2.sock", tmpdir);
	snprintf(addr, sizeof(addr), "unix:%s", sock);
	snprintf(a, sizeof(a), "%s/a.rrd", db);
	mkrrd(a);
	g.lines = calloc(BIG_BATCH, sizeof(*g.lines));
	vals = calloc(BIG_BATCH, sizeof(*vals));
	assert_non_null(g.lines);
	assert_non_null(vals);
	for (i = 0; i < BIG_BATCH; i++) {
		snprintf(vals[i], sizeof(vals[i]), "%d:%d", T0 + i, i);
		g.lines[i].name = a;
		g.lines[i].val = vals[i];
	}
	pid = daemon_start(addr, db, false);
	g.b = rrdc_batch_new(addr);
	assert_non_null(g.b);
	assert_int_equal(rrdc_batch_connect(g.b), 0);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	assert_int_equal(pthread_create(&t, NULL, send_big, &g), 0);
	daemon_stop(pid, SIGKILL);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(g.rc, -1);
	assert_true(g.err == EPIPE || g.err == ECONNRESET);
	assert_false(rrdc_batch_is_connected(g.b));
	assert_int_equal(rrdc_batch_update(g.b, g.lines, 1, NULL, NULL), -1);
	assert_int_equal(errno, ENOTCONN);

	unlink(sock);
	pid = daemon_start(addr, db, false);
	assert_int_equal(rrdc_batch_connect(g.b), 0);
	assert_int_equal(
	    rrdc_batch_update(g.b, g.lines, BIG_BATCH, NULL, NULL), 0);
	assert_int_equal(last_flushed(addr, a, a), T0 + BIG_BATCH - 1);
	rrdc_disconnect();
	rrdc_batch_free(g.b);
	daemon_stop(pid, SIGTERM);
	free(g.lines);
	free(vals);
}

/*
 * A daemon that is alive but does not answer (stopped) fails the batch
 * after the timeout with ETIMEDOUT and drops the connection, instead of
 * holding the writer thread for ever; once it runs again a new
 * connection takes the next batch.
 */
static void
test_stopped_daemon_times_out(void **state)
{
	char db[128], addr[260], a[200];
	const struct rrdc_line first[] = {{a, "1700000100:1"}};
	const struct rrdc_line next[] = {{a, "1700000400:2"}};
	struct rrdc_batch *b;
	pid_t pid;

	(void)state;
	snprintf(db, sizeof(db), "%s/db6", tmpdir);
	assert_int_equal(mkdir(db, 0755), 0);
	snprintf(addr, sizeof(addr), "unix:%s/rc6.sock", tmpdir);
	snprintf(a, sizeof(a), "%s/a.rrd", db);
	mkrrd(a);
	pid = daemon_start(addr, db, false);
	b = rrdc_batch_new(addr);
	assert_non_null(b);
	rrdc_batch_set_timeout(b, 300);
	assert_int_equal(rrdc_batch_connect(b), 0);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	assert_int_equal(rrdc_batch_update(b, first, 1, NULL, NULL), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_false(rrdc_batch_is_connected(b));
	assert_int_equal(kill(pid, SIGCONT), 0);
	assert_int_equal(rrdc_batch_connect(b), 0);
	assert_int_equal(rrdc_batch_update(b, next, 1, NULL, NULL), 0);
	assert_int_equal(last_flushed(addr, a, a), T0 + 300);
	rrdc_disconnect();
	rrdc_batch_free(b);
	daemon_stop(pid, SIGTERM);
}

/* Over TCP (-b db -B) a relative name is the file under db; a file
 * outside db is refused, that line only. */
static void
test_tcp_relative_names(void **state)
{
	char db[128], addr[64], a[200], sub[200], out[200];
	struct rrdc_batch *b;
	struct refusals r = {0};
	pid_t pid;

	(void)state;
	snprintf(db, sizeof(db), "%s/db3", tmpdir);
	assert_int_equal(mkdir(db, 0755), 0);
	snprintf(sub, sizeof(sub), "%s/g", db);
	assert_int_equal(mkdir(sub, 0755), 0);
	snprintf(a, sizeof(a), "%s/g/a.rrd", db);
	mkrrd(a);
	snprintf(out, sizeof(out), "%s/out.rrd", tmpdir);
	mkrrd(out);
	snprintf(addr, sizeof(addr), "127.0.0.1:%d", free_port());
	pid = daemon_start(addr, db, true);
	{
		const struct rrdc_line lines[] = {
		    {"g/a.rrd", "1700000100:1"},
		    {out, "1700000400:2"}, /* outside -b: refused */
		    {"g/a.rrd", "1700000400:3"},
		};

		b = rrdc_batch_new(addr);
		assert_non_null(b);
		assert_int_equal(rrdc_batch_connect(b), 0);
		assert_int_equal(
		    rrdc_batch_update(b, lines, 3, refused, &r), 0);
	}
	assert_int_equal(r.n, 1);
	assert_int_equal(r.index[0], 1);
	assert_int_equal(last_flushed(addr, "g/a.rrd", a), T0 + 300);
	rrdc_disconnect();
	rrdc_batch_free(b);
	daemon_stop(pid, SIGTERM);
}

/*
 * The writer through the daemon: after another client updated file A
 * ahead of the writer, the writer's next value for A is refused by the
 * daemon and counted as one error; B's value beside it is written.
 */
static void
test_writer_counts_refused_value(void **state)
{
	char db[128], addr[200], pa[256], pb[256];
	const char *later[1] = {"1700000400:9"};
	struct rrd_writer_stats st;
	struct rrd_writer *w;
	struct rrd_ds ds;
	pid_t pid;

	(void)state;
	snprintf(db, sizeof(db), "%s/db4", tmpdir);
	assert_int_equal(mkdir(db, 0755), 0);
	snprintf(addr, sizeof(addr), "unix:%s/rc4.sock", tmpdir);
	pid = daemon_start(addr, db, false);
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, NULL, NULL, NULL), 0);
	assert_int_equal(
	    rrd_path(pa, sizeof(pa), db, "g", "h", "s", "a", DS_GAUGE), 0);
	assert_int_equal(
	    rrd_path(pb, sizeof(pb), db, "g", "h", "s", "b", DS_GAUGE), 0);
	w = rrd_writer_new(addr, 100);
	assert_non_null(w);
	assert_int_equal(
	    rrd_writer_submit_value(w, pa, &ds, T0, T0, 1, false), 0);
	assert_int_equal(
	    rrd_writer_submit_value(w, pb, &ds, T0, T0, 1, false), 0);
	assert_int_equal(rrd_writer_flush(w), 0);
	assert_int_equal(rrdc_connect(addr), 0);
	assert_int_equal(rrdc_update(pa, 1, later), 0);
	assert_int_equal(
	    rrd_writer_submit_value(w, pa, &ds, T0 + 300, T0 + 300, 2, false),
	    0);
	assert_int_equal(
	    rrd_writer_submit_value(w, pb, &ds, T0 + 300, T0 + 300, 2, false),
	    0);
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &st);
	assert_int_equal(st.creates, 2);
	assert_int_equal(st.updates, 3);
	assert_int_equal(st.errors, 1);
	assert_non_null(strstr(st.last_error, "illegal attempt to update"));
	assert_non_null(strstr(st.last_error, pa));
	assert_int_equal(rrd_last_r(pb), T0 + 300);
	assert_int_equal(last_flushed(addr, pa, pa), T0 + 300);
	rrdc_disconnect();
	rrd_writer_free(w);
	daemon_stop(pid, SIGTERM);
}

/*
 * Connections made before the writer starts (as drover does as root, for
 * a socket only root may open) carry its updates and flushes: here the
 * socket is removed once both are made, so none other could be opened.
 */
static void
test_writer_uses_early_connection(void **state)
{
	char db[128], sock[160], addr[200], pa[256];
	struct rrd_writer_opts o = {0};
	struct rrd_writer_stats st;
	struct rrd_writer *w;
	struct rrd_ds ds;
	pid_t pid;

	(void)state;
	snprintf(db, sizeof(db), "%s/db5", tmpdir);
	assert_int_equal(mkdir(db, 0755), 0);
	snprintf(sock, sizeof(sock), "%s/rc5.sock", tmpdir);
	snprintf(addr, sizeof(addr), "unix:%s", sock);
	pid = daemon_start(addr, db, false);
	assert_int_equal(rrd_ds_init(&ds, DS_GAUGE, NULL, NULL, NULL), 0);
	assert_int_equal(
	    rrd_path(pa, sizeof(pa), db, "g", "h", "s", "a", DS_GAUGE), 0);
	assert_int_equal(rrd_writer_connect(addr), 0);
	o.conn = rrdc_batch_new(addr);
	assert_non_null(o.conn);
	assert_int_equal(rrdc_batch_connect(o.conn), 0);
	assert_int_equal(unlink(sock), 0);
	o.rrdcached = addr;
	o.queue_max = 10;
	w = rrd_writer_new_opts(&o);
	assert_non_null(w);
	assert_int_equal(
	    rrd_writer_submit_value(w, pa, &ds, T0, T0, 1, false), 0);
	assert_int_equal(
	    rrd_writer_submit_value(w, pa, &ds, T0 + 300, T0 + 300, 2, false),
	    0);
	assert_int_equal(rrd_writer_flush(w), 0);
	rrd_writer_stats(w, &st);
	assert_int_equal(st.updates, 2);
	assert_int_equal(st.errors, 0);
	assert_int_equal(rrd_last_r(pa), T0 + 300); /* flushed */
	rrd_writer_free(w);
	daemon_stop(pid, SIGTERM);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bad_lines_reported_others_stored),
	    cmocka_unit_test(test_daemon_killed_mid_batch),
	    cmocka_unit_test(test_stopped_daemon_times_out),
	    cmocka_unit_test(test_tcp_relative_names),
	    cmocka_unit_test(test_writer_counts_refused_value),
	    cmocka_unit_test(test_writer_uses_early_connection),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
