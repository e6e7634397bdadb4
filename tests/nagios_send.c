/*
 * nagios_send: drives alerts/nagios.c on a real loop for
 * tests/test_nagios_fifo.sh.
 *
 *   nagios_send PATH HOST SERVICE COUNT INTERVAL_MS CODE TEXT PERFDATA [HOLD]
 *
 * Sends COUNT - 1 results "result N" (OK), one every INTERVAL_MS, then
 * CODE TEXT|PERFDATA and a host result (UP, "host up"), then waits up to
 * 60 s for the queue to drain.  With 0 < HOLD < COUNT it prints "held H
 * written W queued Q pending P" (flushed) after the HOLD-th result -- with
 * nobody reading, proof that the loop was not blocked on the file -- and
 * sends the rest only once a line was written, i.e. a reader appeared.
 * A 10 ms ticker measures the longest gap between loop iterations (a
 * figure for bench/nagios_fifo.sh, not a test).  Prints "written W queued
 * Q dropped D pending P maxgap_ms G"; exits 0 when nothing is pending.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "lib/log.h"
#include "alerts/nagios.h"

static struct nagios_out *n;
static char **av;
static int count, sent, hold;
static uint64_t last_tick, maxgap, drain_end;
static uv_timer_t sender, ticker;

static void
on_tick(uv_timer_t *t)
{
	struct nagios_stats st;
	uint64_t now = uv_now(t->loop);

	if (last_tick != 0 && now - last_tick > maxgap)
		maxgap = now - last_tick;
	last_tick = now;
	if (sent < count)
		return;
	nagios_stats(n, &st);
	if (st.pending == 0 || now > drain_end) {
		uv_close((uv_handle_t *)&ticker, NULL);
		uv_close((uv_handle_t *)&sender, NULL);
	}
}

static void
on_send(uv_timer_t *t)
{
	struct nagios_stats st;
	char text[64];

	if (hold > 0 && sent == hold) {
		nagios_stats(n, &st);
		if (st.written == 0)
			return; /* until a reader took a line */
	}
	sent++;
	if (sent < count) {
		snprintf(text, sizeof(text), "result %d", sent);
		nagios_result(n, av[2], av[3], NAGIOS_OK, text, NULL);
		if (sent == hold) {
			nagios_stats(n, &st);
			printf("held %d written %llu queued %llu pending %zu\n",
			    hold, (unsigned long long)st.written,
			    (unsigned long long)st.queued, st.pending);
			fflush(stdout);
		}
		return;
	}
	nagios_result(n, av[2], av[3], atoi(av[6]), av[7], av[8]);
	nagios_host_result(n, av[2], NAGIOS_HOST_UP, "host up");
	uv_timer_stop(t);
	drain_end = uv_now(t->loop) + 60000;
}

int
main(int argc, char **argv)
{
	uv_loop_t *loop = uv_default_loop();
	struct nagios_stats st;

	if (argc != 9 && argc != 10)
		return 2;
	av = argv;
	count = atoi(argv[4]);
	hold = argc == 10 ? atoi(argv[9]) : 0;
	if (hold >= count)
		return 2;
	signal(SIGPIPE, SIG_IGN);
	n = nagios_new(loop, argv[1], 1000);
	uv_timer_init(loop, &sender);
	uv_timer_init(loop, &ticker);
	uv_timer_start(&sender, on_send, 0, (uint64_t)atoi(argv[5]));
	uv_timer_start(&ticker, on_tick, 10, 10);
	uv_run(loop, UV_RUN_DEFAULT);
	nagios_stats(n, &st);
	printf("written %llu queued %llu dropped %llu pending %zu maxgap_ms "
	       "%llu\n",
	    (unsigned long long)st.written, (unsigned long long)st.queued,
	    (unsigned long long)st.dropped, st.pending,
	    (unsigned long long)maxgap);
	nagios_free(n);
	uv_run(loop, UV_RUN_DEFAULT);
	uv_loop_close(loop);
	return st.pending == 0 ? 0 : 1;
}
