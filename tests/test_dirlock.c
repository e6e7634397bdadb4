/*
 * test_dirlock: lib/dirlock's one-drover-per-directory lock, against a
 * second real process (POSIX locks never conflict within one process).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/dirlock.h"

static char dir[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_dirlock.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* A child that takes the lock on d, says so through a pipe, and holds it
 * until killed.  Returns its pid. */
static pid_t
holder(const char *d)
{
	struct dirlock l;
	int p[2];
	char c = 0;
	pid_t pid;

	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		close(p[0]);
		c = dirlock_take(&l, d) == 0 ? 'y' : 'n';
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(p[1]);
	assert_int_equal(read(p[0], &c, 1), 1);
	close(p[0]);
	assert_int_equal(c, 'y');
	return pid;
}

static void
reap(pid_t pid)
{
	int status;

	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
}

static void
test_second_process_refused_with_pid(void **state)
{
	struct dirlock l;
	char path[128], buf[32] = {0};
	pid_t pid;
	FILE *f;

	(void)state;
	pid = holder(dir);
	assert_int_equal(dirlock_take(&l, dir), -1);
	assert_int_equal(errno, EAGAIN);
	assert_int_equal(l.holder, pid);
	snprintf(path, sizeof(path), "%s/" DIRLOCK_NAME, dir);
	assert_string_equal(l.path, path);
	/* the file names the holder too, for humans */
	f = fopen(path, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(atol(buf), (long)pid);
	/* the holder ends however it ends: the lock is free, the stale
	 * file does not matter */
	reap(pid);
	assert_int_equal(dirlock_take(&l, dir), 0);
	assert_false(l.shared);
	/* now a child is the second one; it reads the file, since closing
	 * any descriptor of it here would drop our lock */
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		struct dirlock l2;

		f = fopen(path, "r");
		if (f == NULL || fgets(buf, sizeof(buf), f) == NULL ||
		    atol(buf) != (long)getppid())
			_exit(2);
		_exit(dirlock_take(&l2, dir) == -1 && errno == EAGAIN &&
			      l2.holder == getppid()
			  ? 0
			  : 1);
	}
	{
		int status;

		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	dirlock_release(&l);
	dirlock_release(&l); /* twice is fine */
	pid = holder(dir);   /* released: another process gets it */
	reap(pid);
}

/* One process may lock the same directory twice (state_dir = dbdir). */
static void
test_same_process_twice(void **state)
{
	struct dirlock a, b;

	(void)state;
	assert_int_equal(dirlock_take(&a, dir), 0);
	assert_int_equal(dirlock_take(&b, dir), 0);
	dirlock_release(&b);
	dirlock_release(&a);
}

static void
test_missing_dir(void **state)
{
	struct dirlock l;
	char d[128];

	(void)state;
	snprintf(d, sizeof(d), "%s/nosuch", dir);
	assert_int_equal(dirlock_take(&l, d), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(l.fd, -1);
}

/*
 * A read-only directory (a read-only bind mount, in a private mount
 * namespace: as root, modes stop nothing): an existing lock file is
 * locked shared and still conflicts with a writer's lock; without one no
 * lock is possible (EROFS) and the caller runs without it.
 */
static void
test_read_only_dir(void **state)
{
	char ro[128], rw[128];
	struct dirlock l;
	pid_t pid;
	int status;

	(void)state;
	snprintf(rw, sizeof(rw), "%s/rw", dir);
	snprintf(ro, sizeof(ro), "%s/ro", dir);
	assert_int_equal(mkdir(rw, 0755), 0);
	assert_int_equal(mkdir(ro, 0755), 0);
	pid = fork();
	assert_true(pid != -1);
	if (pid == 0) {
		struct dirlock w;

		if (unshare(CLONE_NEWNS) == -1 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1 ||
		    mount(rw, ro, NULL, MS_BIND, NULL) == -1 ||
		    mount(NULL, ro, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY,
			NULL) == -1)
			_exit(10);
		/* no lock file yet: no lock, and it says why */
		if (dirlock_take(&w, ro) != -1 || errno != EROFS)
			_exit(11);
		if (dirlock_take(&w, rw) != 0) /* makes the file */
			_exit(12);
		dirlock_release(&w);
		if (dirlock_take(&w, ro) != 0 || !w.shared)
			_exit(13);
		/* a writer elsewhere is refused by the shared lock */
		pid = fork();
		if (pid == 0) {
			struct dirlock x;

			_exit(dirlock_take(&x, rw) == -1 && errno == EAGAIN &&
				      x.holder == getppid()
				  ? 0
				  : 1);
		}
		if (pid == -1 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			_exit(14);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	(void)l;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_second_process_refused_with_pid, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_same_process_twice, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_dir, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_read_only_dir, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
