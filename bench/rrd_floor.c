/*
 * rrd_floor: the librrd floor of one poll cycle: every RRD file under DIR
 * updated once with rrd_update_r(), as drover's RRD writer calls it (one
 * thread, one value per file, no template), in a round of each KIND.
 *
 * usage: rrd_floor DIR INTERVAL KIND...
 *
 * bench/scale.sh runs it on drover's own dbdir once drover has stopped,
 * so the files, their count and their schema (Munin's, as drover created
 * them) are those of the run.  What a round costs depends on the
 * boundaries its step (previous timestamp, this one] passes, its KIND:
 * "in" (inside one 300 s step), "5m" (completes a primary data point, as
 * every cycle at interval 300 does), "30m", "2h", "1d" (consolidated
 * rows of those archives too).  For each KIND (repeat one for more
 * samples) it picks a future timestamp whose step of INTERVAL s passes
 * that boundary and no longer one, and leads up to it as drover's cycles
 * would: one uncounted jump, then uncounted rounds INTERVAL s apart
 * covering the 10 minutes before (librrd keeps an archive's current page
 * only when its next row is due within 10 minutes and drops the others
 * from the page cache), then the counted round.
 *
 * Before every round it syncfs()es DIR: drover's cycles are INTERVAL s
 * apart in real time, by which the kernel has written back what the last
 * cycle dirtied, so the pages librrd drops are really dropped and read
 * back when next touched.  Back-to-back rounds without it would find them
 * still dirty, hence still cached, and cost a fraction of a real cycle.
 *
 * Each KIND gets two counted rounds: "warm", the page cache as librrd
 * leaves it (a server with memory to spare), and "cold", every file's
 * pages dropped before the round (as the host of the VM these benches
 * ran on does within minutes: bench/README.md), the cost when the cache
 * does not hold the files from one cycle to the next.
 *
 * Prints "files N" and per counted round "round R kind K cache warm|cold
 * ts TS cpu_s C wall_s W failed F" (CPU: user+sys of this process from
 * getrusage, the sync and the drop left out).  Exits 1 if DIR holds no RRD
 * file, 2 on bad usage.
 */
#include <sys/resource.h>

#include <fcntl.h>
#include <ftw.h>
#include <rrd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct files {
	char **path;
	size_t n, cap;
};

static struct files found;

static int
visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	size_t len = strlen(path);

	(void)st;
	(void)ftw;
	if (type != FTW_F || len < 4 || strcmp(path + len - 4, ".rrd") != 0)
		return 0;
	if (found.n == found.cap) {
		found.cap = found.cap * 2 + 1024;
		found.path = realloc(found.path, found.cap * sizeof(char *));
	}
	if (found.path == NULL ||
	    (found.path[found.n] = strdup(path)) == NULL) {
		fprintf(stderr, "rrd_floor: out of memory\n");
		exit(1);
	}
	found.n++;
	return 0;
}

static double
cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static double
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Seconds of the resolution a kind names, 0 for "in", -1 if none. */
static long
kind_res(const char *k)
{
	static const struct {
		const char *name;
		long secs;
	} kinds[] = {
	    {"in", 0}, {"5m", 300}, {"30m", 1800}, {"2h", 7200}, {"1d", 86400}};
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, k) == 0)
			return kinds[i].secs;
	return -1;
}

/* The next longer resolution than res (0 when res is the longest). */
static long
next_res(long res)
{
	return res == 0	     ? 300
	       : res == 300  ? 1800
	       : res == 1800 ? 7200
	       : res == 7200 ? 86400
			     : 0;
}

/*
 * The timestamp of a round of resolution res (0: "in") later than
 * after: its step (ts - interval, ts] passes a multiple of res and none
 * of the next longer resolution; for "in", no multiple of 300.
 */
static time_t
pick_ts(time_t after, long res, long interval)
{
	long nres = next_res(res);
	time_t b;

	if (res == 0) {
		b = (after / 300 + 1) * 300;
		return b + interval; /* (b, b + interval] with interval < 300 */
	}
	b = (after / res + 1) * res;
	while (nres != 0 && b % nres == 0)
		b += res;
	return b + interval / 2;
}

/* One round at ts over every file; the failures. */
static size_t
round_at(time_t ts)
{
	char arg[64];
	const char *args[1] = {arg};
	size_t i, failed = 0;

	snprintf(arg, sizeof(arg), "%lld:%lld", (long long)ts, (long long)ts);
	for (i = 0; i < found.n; i++) {
		rrd_clear_error();
		if (rrd_update_r(found.path[i], NULL, 1, args) != 0 &&
		    failed++ == 0)
			fprintf(stderr, "rrd_floor: %s: %s\n", found.path[i],
			    rrd_get_error());
	}
	return failed;
}

/* Drops every file's pages from the page cache (written back already). */
static void
drop_cache(void)
{
	size_t i;
	int fd;

	for (i = 0; i < found.n; i++) {
		if ((fd = open(found.path[i], O_RDONLY)) == -1)
			continue;
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
}

int
main(int argc, char **argv)
{
	double c0, w0;
	long interval, res, pre, j;
	int dirfd, a, cold;
	size_t i, failed;
	time_t cur, ts, last;

	if (argc < 4 || (interval = atol(argv[2])) < 1) {
		fprintf(stderr, "usage: rrd_floor DIR INTERVAL KIND...\n");
		return 2;
	}
	for (a = 3; a < argc; a++)
		if ((res = kind_res(argv[a])) == -1 ||
		    (res == 0 && interval >= 300) || interval > 600) {
			fprintf(stderr,
			    "rrd_floor: no round of kind %s at interval %ld "
			    "(kinds: in below 300 s, 5m, 30m, 2h, 1d; "
			    "interval at most 600 s)\n",
			    argv[a], interval);
			return 2;
		}
	if (nftw(argv[1], visit, 64, FTW_PHYS) != 0 || found.n == 0) {
		fprintf(stderr, "rrd_floor: no RRD file under %s\n", argv[1]);
		return 1;
	}
	if ((dirfd = open(argv[1], O_RDONLY | O_DIRECTORY)) == -1) {
		perror("rrd_floor: open");
		return 1;
	}
	printf("files %zu\n", found.n);
	/* rounds before the counted one: the jump, then enough that one
	 * falls 10 minutes or more before its boundary, where librrd drops
	 * the pages of the archives due next (clean by then) */
	pre = (600 + interval / 2 + interval - 1) / interval + 1;
	/* later than anything in the files: drover's writes, or an earlier
	 * run of this program */
	cur = time(NULL) + interval;
	for (i = 0; i < found.n; i++) {
		rrd_clear_error();
		last = rrd_last_r(found.path[i]);
		if (last > cur)
			cur = last;
	}
	for (a = 3; a < argc; a++) {
		for (cold = 0; cold < 2; cold++) {
			ts = pick_ts(cur + (pre + 2) * interval,
			    kind_res(argv[a]), interval);
			/* the jump, then the rounds of the 10 minutes
			 * before */
			for (j = pre; j >= 1; j--) {
				syncfs(dirfd);
				round_at(ts - j * interval);
			}
			syncfs(dirfd);
			if (cold)
				drop_cache();
			c0 = cpu_s();
			w0 = wall_s();
			failed = round_at(ts);
			printf("round %d kind %s cache %s ts %lld cpu_s %.3f "
			       "wall_s %.3f failed %zu\n",
			    a - 3, argv[a], cold ? "cold" : "warm",
			    (long long)ts, cpu_s() - c0, wall_s() - w0, failed);
			fflush(stdout);
			cur = ts;
		}
	}
	close(dirfd);
	return 0;
}
