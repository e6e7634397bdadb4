/*
 * fuzz_node_proto: what a master sends "drover node" (agent/node_proto.h),
 * cut into lines and fed to one session, each request answered with a
 * kind picked from the input.  Properties: every answer is whole lines,
 * a request names a plugin that is never empty, an answer to a request
 * ends with ".\n", and a quit ends the session.
 */
#include "config.h"

#include <string.h>

#include "agent/node_proto.h"
#include "lib/buf.h"
#include "tests/fuzz/fuzz.h"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fuzz_quiet();
	return 0;
}

static void
list(void *arg, bool multigraph, struct buf *out)
{
	(void)arg;
	buf_puts(out, multigraph ? "cpu diskstats" : "cpu");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size, *nl;
	struct node_request req;
	struct node_proto np;
	struct buf out = {0};
	enum node_step st;
	unsigned kind = 0;
	size_t len;

	node_proto_init(&np, "fuzz.test", list, NULL);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		st = node_proto_line(&np, p, len, &out, &req);
		if (st == NODE_STEP_ASK) {
			fuzz_assert(req.name[0] != '\0', "empty plugin name");
			fuzz_assert(strlen(req.name) < sizeof(req.name),
			    "unterminated name");
			kind = (kind + (unsigned)len) % 4;
			node_proto_answer(&out, (enum node_answer)kind,
			    kind == NODE_ANSWER_OK ? "x.value 1\n" : NULL,
			    kind == NODE_ANSWER_OK ? 10 : 0);
			fuzz_assert(out.len >= 2 && memcmp(out.p + out.len - 2,
							".\n", 2) == 0,
			    "answer without its end");
		}
		fuzz_assert(out.len == 0 || out.p[out.len - 1] == '\n',
		    "answer not whole lines");
		buf_free(&out);
		if (st == NODE_STEP_QUIT)
			break;
		p += len + 1;
	}
	buf_free(&out);
	return 0;
}
