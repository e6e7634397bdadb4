/*
 * host_cmd_shim: host_cmd_run and host_cmd_withdraw through a runner
 * only, for test_host_lvm until plugins/host_cmd.c is on main (then this
 * file goes).
 */
#include <errno.h>
#include <stddef.h>

#include "plugins/host_cmd.h"

const char *
host_cmd_status_str(enum host_cmd_status s)
{
	switch (s) {
	case HOST_CMD_OK:
		return "ok";
	case HOST_CMD_TIMED_OUT:
		return "timed out";
	case HOST_CMD_BAD_EXIT:
		return "bad exit";
	case HOST_CMD_SPAWN_FAILED:
		return "spawn failed";
	case HOST_CMD_TOO_LARGE:
		return "too large";
	case HOST_CMD_REFUSED:
		return "refused";
	}
	return "?";
}

struct host_cmd *
host_cmd_run(const struct host_cmd_runner *runner, uv_loop_t *loop,
    const char *const argv[], unsigned timeout_ms, size_t max_out,
    host_cmd_cb done, void *arg)
{
	if (runner == NULL) {
		errno = ENOSYS;
		return NULL;
	}
	return runner->start(
	    runner->ctx, loop, argv, timeout_ms, max_out, done, arg);
}

void
host_cmd_withdraw(const struct host_cmd_runner *runner, struct host_cmd *c)
{
	if (runner != NULL)
		runner->cancel(runner->ctx, c);
}
