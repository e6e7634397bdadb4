/*
 * Tests for host_procs: the file-nr, inode-nr, stat, status and utmp
 * parsers on the fixtures (tests/fixtures/proctree: a fake proc tree with
 * processes in every state, a comm holding ") (", a process that vanished
 * before its files could be read; tests/fixtures/utmp: users on tty, pts,
 * pty, :0, X1 and console, a dead entry, a login entry), malformed input,
 * and the probes' collect on those trees.  Parsers get buffers that end
 * at an inaccessible page (tests/batch_guard.h), so a read past len
 * faults in any build.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <math.h>
#include <unistd.h>
#include <utmp.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "lib/log.h"
#include "plugins/host.h"
#include "plugins/host_procs.h"
#include "tests/batch_guard.h"
#include "tests/fixture.h"

#define TREE FIXTURES "/proctree"

static const struct field *
field_of(const struct batch *b, const char *service, const char *name)
{
	struct service *s = batch_service((struct batch *)b, service, false);
	const struct field *f;

	if (s == NULL)
		fail_msg("no service %s", service);
	f = service_field(s, name, false);
	if (f == NULL)
		fail_msg("%s: no field %s", service, name);
	return f;
}

static void
check_value(
    const struct batch *b, const char *service, const char *name, double want)
{
	const struct field *f = field_of(b, service, name);

	assert_true(f->has_value);
	assert_false(f->unknown);
	if (f->value != want)
		fail_msg(
		    "%s.%s = %.17g, want %.17g", service, name, f->value, want);
}

static void
check_attr(const struct batch *b, const char *service, const char *name,
    const char *key, const char *want)
{
	const struct field *f = field_of(b, service, name);
	const char *got = attrs_get(&f->attrs, key);

	if (got == NULL || strcmp(got, want) != 0)
		fail_msg("%s.%s.%s = %s, want %s", service, name, key,
		    got != NULL ? got : "(none)", want);
}

/* Text through a guard: parse must return want_rc and, on -1, add
 * nothing. */
static void
check_text(int (*parse)(const char *, size_t, struct batch *), const char *text,
    int want_rc)
{
	struct batch b = {0};
	struct guard g;
	size_t n = strlen(text);

	guard_init(&g, n + 1);
	if (parse(guard_copy(&g, text, n, ""), n, &b) != want_rc)
		fail_msg("\"%s\": want %d", text, want_rc);
	if (want_rc == -1)
		assert_int_equal(b.n, 0);
	guard_cleanup(&g);
	batch_cleanup(&b);
}

static void
test_file_nr(void **state)
{
	static const struct {
		const char *rel;
		double used;
		const char *warning, *critical;
	} cases[] = {
	    /* file-max 2^63-1: mawk's "%d" stops at 2^31-1 */
	    {"proctree/sys/fs/file-nr", 1952, "2147483647", "2147483647"},
	    {"proc/sys/fs/file-nr", 3104, "2268826", "2416793"},
	    {"proc-2.6.18/sys/fs/file-nr", 1530, "93064", "99133"},
	    {"proc-2.4/sys/fs/file-nr", 2033, "7536", "8028"},
	};
	size_t i, len;
	char *buf;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct batch b = {0};

		buf = fixture_read(cases[i].rel, &len);
		assert_int_equal(procs_parse_file_nr(buf, len, &b), 0);
		check_value(&b, "open_files", "used", cases[i].used);
		check_attr(
		    &b, "open_files", "used", "warning", cases[i].warning);
		check_attr(
		    &b, "open_files", "used", "critical", cases[i].critical);
		check_attr(&b, "open_files", "used", "label", "open files");
		free(buf);
		batch_cleanup(&b);
	}
	check_text(procs_parse_file_nr, "0 0 0\n", 0);
	check_text(procs_parse_file_nr, "", -1);
	check_text(procs_parse_file_nr, "\n", -1);
	check_text(procs_parse_file_nr, "12 0\n", -1);
	check_text(procs_parse_file_nr, "12 0 x\n", -1);
	check_text(procs_parse_file_nr, "12 0 100x\n", -1);
	check_text(procs_parse_file_nr, "-12 0 100\n", -1);
	check_text(procs_parse_file_nr, "5 10 100\n", -1); /* free > used */
	check_text(procs_parse_file_nr, "99999999999999999999 0 100\n", -1);
}

static void
test_inode_nr(void **state)
{
	static const struct {
		const char *rel;
		double used, max;
	} cases[] = {
	    {"proctree/sys/fs/inode-nr", 69132, 70421},
	    {"proc/sys/fs/inode-nr", 162412, 162412},
	    {"proc-2.6.18/sys/fs/inode-nr", 27418, 28954},
	    {"proc-2.6.18/sys/fs/inode-state", 27418, 28954},
	    {"proc-2.4/sys/fs/inode-state", 4188, 5211},
	};
	size_t i, len;
	char *buf;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct batch b = {0};

		buf = fixture_read(cases[i].rel, &len);
		assert_int_equal(procs_parse_inode_nr(buf, len, &b), 0);
		check_value(&b, "open_inodes", "used", cases[i].used);
		check_value(&b, "open_inodes", "max", cases[i].max);
		free(buf);
		batch_cleanup(&b);
	}
	check_text(procs_parse_inode_nr, "7", -1);
	check_text(procs_parse_inode_nr, "7 8", -1);
	check_text(procs_parse_inode_nr, "a b", -1);
	check_text(procs_parse_inode_nr, "7 7", 0);
}

static int
parse_stat_text(const char *text, struct procs_stat *ps)
{
	struct guard g;
	size_t n = strlen(text);
	int rc;

	guard_init(&g, n + 1);
	rc = procs_parse_stat(guard_copy(&g, text, n, ""), n, ps);
	guard_cleanup(&g);
	return rc;
}

#define STAT_TAIL                                                              \
	" 1 402 402 0 -1 4194560 120 0 0 0 3 5 0 0 15 -5 4 0 1234 10000 250"

static void
test_stat(void **state)
{
	struct procs_stat ps;
	size_t len;
	char *buf;

	(void)state;
	buf = fixture_read("proctree/402/stat", &len);
	memset(&ps, 0, sizeof(ps));
	assert_int_equal(procs_parse_stat(buf, len, &ps), 0);
	assert_int_equal(ps.state, 'S');
	assert_int_equal(ps.nice, -5);
	assert_int_equal(ps.threads, 4);
	assert_false(ps.kthread);
	free(buf);

	buf = fixture_read("proctree/3/stat", &len);
	assert_int_equal(procs_parse_stat(buf, len, &ps), 0);
	assert_int_equal(ps.state, 'I');
	assert_int_equal(ps.nice, -20);
	assert_true(ps.kthread);
	free(buf);

	/* comm: the last ')' ends it, whatever it holds */
	assert_int_equal(parse_stat_text("9 ()) R" STAT_TAIL, &ps), 0);
	assert_int_equal(ps.state, 'R');
	assert_int_equal(parse_stat_text("9 (a\nb) (c) D" STAT_TAIL, &ps), 0);
	assert_int_equal(ps.state, 'D');
	/* the fields stop at num_threads: later ones may be anything */
	assert_int_equal(parse_stat_text("9 (a) S" STAT_TAIL, &ps), 0);
	assert_int_equal(parse_stat_text("9 (a) S" STAT_TAIL " x y\n", &ps), 0);

	assert_int_equal(parse_stat_text("", &ps), -1);
	assert_int_equal(parse_stat_text("9 (a S" STAT_TAIL, &ps), -1);
	assert_int_equal(parse_stat_text("9 a) S" STAT_TAIL, &ps), -1);
	assert_int_equal(parse_stat_text("9 (a)S" STAT_TAIL, &ps), -1);
	assert_int_equal(parse_stat_text("9 (a) 5" STAT_TAIL, &ps), -1);
	assert_int_equal(parse_stat_text("9 (a) SS" STAT_TAIL, &ps), -1);
	assert_int_equal(parse_stat_text("9 (a) S", &ps), -1);
	assert_int_equal(parse_stat_text("9 (a) S ", &ps), -1);
	/* cut before num_threads, and a field that is not a number */
	assert_int_equal(parse_stat_text("9 (a) S 1 402 402 0 -1 4194560 "
					 "120 0 0 0 3 5 0 0 15 -5",
			     &ps),
	    -1);
	assert_int_equal(parse_stat_text("9 (a) S 1 402 402 0 -1 4194560 "
					 "120 0 0 0 3 5 0 0 15 x 4",
			     &ps),
	    -1);
	/* nice outside -20..19, no threads, a bare '-' */
	assert_int_equal(parse_stat_text("9 (a) S 1 402 402 0 -1 4194560 "
					 "120 0 0 0 3 5 0 0 15 20 4",
			     &ps),
	    -1);
	assert_int_equal(parse_stat_text("9 (a) S 1 402 402 0 -1 4194560 "
					 "120 0 0 0 3 5 0 0 15 0 0",
			     &ps),
	    -1);
	assert_int_equal(parse_stat_text("9 (a) S 1 402 402 0 - 4194560 "
					 "120 0 0 0 3 5 0 0 15 0 1",
			     &ps),
	    -1);
}

static void
test_vmlck(void **state)
{
	uint64_t kb = 99;
	size_t len;
	char *buf;

	(void)state;
	buf = fixture_read("proctree/407/status", &len);
	assert_int_equal(procs_parse_vmlck(buf, len, &kb), 0);
	assert_int_equal(kb, 2048);
	free(buf);
	buf = fixture_read("proctree/2/status", &len); /* a kernel thread */
	assert_int_equal(procs_parse_vmlck(buf, len, &kb), 0);
	assert_int_equal(kb, 0);
	free(buf);
	assert_int_equal(procs_parse_vmlck("VmLck:\t   x kB\n", 15, &kb), -1);
	assert_int_equal(procs_parse_vmlck("VmLck:", 6, &kb), -1);
	assert_int_equal(procs_parse_vmlck("VmLck: 3", 8, &kb), 0);
	assert_int_equal(kb, 3);
	assert_int_equal(procs_parse_vmlck("", 0, &kb), 0);
	assert_int_equal(kb, 0);
}

static void
test_scan_fixture(void **state)
{
	struct procs_counts c;

	(void)state;
	assert_int_equal(procs_scan(TREE, true, &c), 0);
	/* 13 processes; 408 vanished (no files); self/sys are not PIDs */
	assert_int_equal(c.processes, 13);
	assert_int_equal(c.bad, 0);
	assert_int_equal(c.state['S'], 6);
	assert_int_equal(c.state['I'], 2);
	assert_int_equal(c.state['D'], 1);
	assert_int_equal(c.state['R'], 1);
	assert_int_equal(c.state['T'], 1);
	assert_int_equal(c.state['t'], 1);
	assert_int_equal(c.state['Z'], 1);
	assert_int_equal(c.threads, 52);
	assert_int_equal(c.high, 2);
	assert_int_equal(c.low, 2);
	assert_int_equal(c.locked, 2);

	assert_int_equal(procs_scan(TREE, false, &c), 0);
	assert_int_equal(c.processes, 13);
	assert_int_equal(c.locked, 0);

	errno = 0;
	assert_int_equal(procs_scan(FIXTURES "/no-such-dir", false, &c), -1);
	assert_int_equal(errno, ENOENT);
}

/* A temporary proc tree: one good process, one whose stat is garbage,
 * one with a stat but a garbled status, one directory with no files. */
static void
test_scan_skips_bad_entries(void **state)
{
	static const char good[] = "7 (ok) S" STAT_TAIL "\n";
	char dir[] = "/tmp/test_host_procs.XXXXXX", path[256];
	struct procs_counts c;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	static const struct {
		const char *pid, *file, *text;
	} files[] = {
	    {"7", "stat", good},
	    {"7", "status", "VmLck:\t 0 kB\n"},
	    {"8", "stat", "8 (bad) S 1 2\n"},
	    {"9", "stat", good},
	    {"9", "status", "VmLck:\t lots kB\n"},
	    {"10", NULL, NULL},
	};
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].pid);
		mkdir(path, 0755);
		if (files[i].file == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s/%s", dir, files[i].pid,
		    files[i].file);
		fp = fopen(path, "w");
		assert_non_null(fp);
		fputs(files[i].text, fp);
		fclose(fp);
	}
	assert_int_equal(procs_scan(dir, true, &c), 0);
	assert_int_equal(c.processes, 1);
	assert_int_equal(c.bad, 2);
	assert_int_equal(procs_scan(dir, false, &c), 0);
	assert_int_equal(c.processes, 2); /* 9's status unread */
	assert_int_equal(c.bad, 1);

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (files[i].file != NULL) {
			snprintf(path, sizeof(path), "%s/%s/%s", dir,
			    files[i].pid, files[i].file);
			unlink(path);
		}
		snprintf(path, sizeof(path), "%s/%s", dir, files[i].pid);
		rmdir(path);
	}
	rmdir(dir);
}

static void
test_services_from_counts(void **state)
{
	struct procs_counts c;
	struct batch b = {0};

	(void)state;
	assert_int_equal(procs_scan(TREE, true, &c), 0);
	assert_int_equal(procs_add_processes(&c, &b), 0);
	assert_int_equal(procs_add_threads(&c, &b), 0);
	assert_int_equal(procs_add_proc_pri(&c, &b), 0);
	check_value(&b, "processes", "processes", 13);
	check_value(&b, "processes", "sleeping", 6);
	check_value(&b, "processes", "idle", 2);
	check_value(&b, "processes", "uninterruptible", 1);
	check_value(&b, "processes", "runnable", 1);
	check_value(&b, "processes", "stopped", 1); /* 'T'; 't' is not */
	check_value(&b, "processes", "zombie", 1);
	check_value(&b, "processes", "dead", 0);
	check_value(&b, "processes", "paging", 0);
	check_attr(&b, "processes", "processes", "label", "total");
	check_attr(&b, "processes", "sleeping", "draw", "AREA");
	check_value(&b, "threads", "threads", 52);
	check_value(&b, "proc_pri", "high", 2);
	check_value(&b, "proc_pri", "low", 2);
	check_value(&b, "proc_pri", "locked", 2);
	assert_int_equal(batch_service(&b, "processes", false)->nfields, 9);
	batch_cleanup(&b);
}

/* The pids a test says are gone. */
static bool
gone_pid1(pid_t pid, void *arg)
{
	int *calls = arg;

	(*calls)++;
	return pid == 1;
}

static void
check_users(const struct batch *b, double tty, double pty, double pts, double x,
    double other)
{
	check_value(b, "users", "tty", tty);
	check_value(b, "users", "pty", pty);
	check_value(b, "users", "pts", pts);
	check_value(b, "users", "X", x);
	check_value(b, "users", "other", other);
}

static void
test_utmp(void **state)
{
	struct batch b = {0};
	struct guard g;
	int calls = 0;
	size_t len;
	char *buf;

	(void)state;
	buf = fixture_read("utmp", &len);
	assert_int_equal(len % sizeof(struct utmp), 0);
	assert_int_equal(procs_parse_utmp(buf, len, NULL, NULL, &b), 0);
	/* tty1; pty/0; pts/0, pts/3 and "a/pts" (the user name's second
	 * word, as the plugin's split takes it); :0 and X1; console.  Not:
	 * the boot, login and dead entries, a user process with no user. */
	check_users(&b, 1, 1, 3, 2, 1);
	check_attr(&b, "users", "X", "label", "X displays");
	batch_cleanup(&b);

	/* pid 1 gone: alice (tty1) and bob (pts/0) left out; pid 0 is
	 * never asked about, nor are entries that are not user processes */
	memset(&b, 0, sizeof(b));
	assert_int_equal(procs_parse_utmp(buf, len, gone_pid1, &calls, &b), 0);
	check_users(&b, 0, 1, 2, 2, 1);
	assert_int_equal(calls, 2);
	batch_cleanup(&b);

	/* a partial record at the end is ignored; so is all of a file
	 * shorter than one record */
	guard_init(&g, len);
	memset(&b, 0, sizeof(b));
	assert_int_equal(procs_parse_utmp(guard_copy(&g, buf, len - 1, ""),
			     len - 1, NULL, NULL, &b),
	    0);
	check_users(&b, 1, 1, 2, 2, 1); /* the last, a/pts, is cut */
	batch_cleanup(&b);
	memset(&b, 0, sizeof(b));
	assert_int_equal(
	    procs_parse_utmp(guard_copy(&g, buf, 100, ""), 100, NULL, NULL, &b),
	    0);
	check_users(&b, 0, 0, 0, 0, 0);
	batch_cleanup(&b);
	guard_cleanup(&g);
	free(buf);
}

/* Records of every byte value: counted somewhere, never a crash, the
 * strings never read past their fields. */
static void
test_utmp_garbage(void **state)
{
	struct utmp u[3];
	struct batch b = {0};
	const struct field *f;
	double sum = 0;
	size_t i;

	(void)state;
	memset(u, 0xff, sizeof(u));
	for (i = 0; i < 3; i++)
		u[i].ut_type = USER_PROCESS;
	memset(u[2].ut_user, '/', sizeof(u[2].ut_user));
	assert_int_equal(
	    procs_parse_utmp((const char *)u, sizeof(u), NULL, NULL, &b), 0);
	for (i = 0; i < 5; i++) {
		f = &batch_service(&b, "users", false)->fields[i];
		sum += f->value;
	}
	assert_true(sum == 3);
	batch_cleanup(&b);
}

/* The probes through the table, on the fixture trees. */
static void
test_collect(void **state)
{
	struct host_roots r = {
	    .proc = TREE, .sys = "/nonexistent", .utmp = FIXTURES "/utmp"};
	static const char *const names[] = {"open_files", "open_inodes",
	    "processes", "threads", "proc_pri", "users"};
	struct batch b = {0};
	const struct host_probe *p;
	void *st = NULL;
	FILE *log;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		p = host_probe_find(names[i]);
		assert_non_null(p);
		assert_int_equal(p->collect(&r, &st, &b), 0);
		assert_null(st);
		assert_non_null(batch_service(&b, names[i], false));
	}
	check_value(&b, "open_inodes", "used", 69132);
	check_value(&b, "processes", "processes", 13);
	check_value(&b, "users", "pts", 3);
	batch_cleanup(&b);

	/* 2.4: inode-state only */
	memset(&b, 0, sizeof(b));
	r.proc = FIXTURES "/proc-2.4";
	p = host_probe_find("open_inodes");
	assert_int_equal(p->collect(&r, &st, &b), 0);
	check_value(&b, "open_inodes", "max", 5211);
	batch_cleanup(&b);

	/* missing files: nothing added, no failure; no utmp: no users */
	memset(&b, 0, sizeof(b));
	r.proc = FIXTURES "/no-such-dir";
	r.utmp = FIXTURES "/no-such-utmp";
	log = fopen("/dev/null", "w");
	assert_non_null(log);
	log_set_stream(log);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_int_equal(
		    host_probe_find(names[i])->collect(&r, &st, &b), 0);
	log_set_stream(NULL);
	fclose(log);
	assert_int_equal(b.n, 1);
	check_users(&b, 0, 0, 0, 0, 0);
	batch_cleanup(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_file_nr),
	    cmocka_unit_test(test_inode_nr),
	    cmocka_unit_test(test_stat),
	    cmocka_unit_test(test_vmlck),
	    cmocka_unit_test(test_scan_fixture),
	    cmocka_unit_test(test_scan_skips_bad_entries),
	    cmocka_unit_test(test_services_from_counts),
	    cmocka_unit_test(test_utmp),
	    cmocka_unit_test(test_utmp_garbage),
	    cmocka_unit_test(test_collect),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
