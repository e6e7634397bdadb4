/*
 * node_proto: munin-node's command matching and answer texts (see
 * node_proto.h).  The texts were checked against the real munin-node
 * 2.0.73 (tests/test_agent_interop.sh keeps them so).
 */
#include <ctype.h>
#include <string.h>

#include "agent/node_proto.h"

#define UNKNOWN_COMMAND                                                        \
	"# Unknown command. Try cap, list, nodes, config, fetch, version or "  \
	"quit\n"

void
node_proto_init(
    struct node_proto *p, const char *host, node_list_fn list, void *arg)
{
	memset(p, 0, sizeof(*p));
	p->host = host;
	p->list = list;
	p->list_arg = arg;
}

void
node_proto_banner(const struct node_proto *p, struct buf *out)
{
	buf_printf(out, "# munin node at %s\n", p->host);
}

/* Whether line[0, len) starts with word, ignoring case. */
static bool
starts(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && strncasecmp(line, word, n) == 0;
}

/* Perl's \s */
static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' ||
	       c == '\n';
}

static bool
is_node_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-';
}

/* Whether [s, s + n) equals host, ignoring case. */
static bool
same_node(const char *s, size_t n, const char *host)
{
	return strlen(host) == n && strncasecmp(s, host, n) == 0;
}

/* "list\s*([0-9a-zA-Z.-]+)?": ours when no node or our node. */
static void
do_list(struct node_proto *p, const char *rest, size_t n, struct buf *out)
{
	size_t i = 0, j;

	while (i < n && is_space(rest[i]))
		i++;
	for (j = i; j < n && is_node_char(rest[j]); j++)
		;
	if ((j == i || same_node(rest + i, j - i, p->host)) && p->list != NULL)
		p->list(p->list_arg, p->multigraph, out);
	buf_putc(out, '\n');
}

/* "cap\s?(.*)": the master's words, split on single spaces. */
static void
do_cap(struct node_proto *p, const char *rest, size_t n, struct buf *out)
{
	size_t i = 0, j;

	if (n > 0 && is_space(rest[0]))
		rest++, n--;
	if (n > 0 && rest[n - 1] == '\r')
		n--;
	p->multigraph = p->dirtyconfig = false;
	while (i <= n) {
		for (j = i; j < n && rest[j] != ' '; j++)
			;
		if (j - i == 10 && memcmp(rest + i, "multigraph", 10) == 0)
			p->multigraph = true;
		if (j - i == 11 && memcmp(rest + i, "dirtyconfig", 11) == 0)
			p->dirtyconfig = true;
		i = j + 1;
	}
	buf_puts(out, "cap multigraph dirtyconfig\n");
}

/* "(fetch|config)\s?(\S*)" */
static enum node_step
do_service(const char *rest, size_t n, bool config, struct buf *out,
    struct node_request *req)
{
	size_t j;

	if (n > 0 && is_space(rest[0]))
		rest++, n--;
	for (j = 0; j < n && !is_space(rest[j]); j++)
		;
	/* a NUL in the name cannot name a plugin (munin-node, whose Perl
	 * strings hold it, finds none either) */
	if (j == 0 || j >= sizeof(req->name) || memchr(rest, '\0', j) != NULL) {
		node_proto_answer(out, NODE_ANSWER_UNKNOWN, NULL, 0);
		return NODE_STEP_ANSWERED;
	}
	req->config = config;
	memcpy(req->name, rest, j);
	req->name[j] = '\0';
	return NODE_STEP_ASK;
}

enum node_step
node_proto_line(struct node_proto *p, const char *line, size_t len,
    struct buf *out, struct node_request *req)
{
	const char *h;

	if (starts(line, len, "list")) {
		do_list(p, line + 4, len - 4, out);
		return NODE_STEP_ANSWERED;
	}
	if (starts(line, len, "cap")) {
		do_cap(p, line + 3, len - 3, out);
		return NODE_STEP_ANSWERED;
	}
	if (starts(line, len, "quit") || starts(line, len, "."))
		return NODE_STEP_QUIT;
	if (starts(line, len, "version")) {
		buf_printf(out, "munins node on %s version: %s\n", p->host,
		    NODE_PROTO_VERSION);
		return NODE_STEP_ANSWERED;
	}
	if (starts(line, len, "nodes")) {
		for (h = p->host; *h != '\0'; h++)
			buf_putc(out, (char)tolower((unsigned char)*h));
		buf_puts(out, "\n.\n");
		return NODE_STEP_ANSWERED;
	}
	if (starts(line, len, "fetch"))
		return do_service(line + 5, len - 5, false, out, req);
	if (starts(line, len, "config"))
		return do_service(line + 6, len - 6, true, out, req);
	buf_puts(out, UNKNOWN_COMMAND);
	return NODE_STEP_ANSWERED;
}

void
node_proto_answer(
    struct buf *out, enum node_answer a, const char *text, size_t len)
{
	switch (a) {
	case NODE_ANSWER_OK:
		buf_putn(out, text, len);
		break;
	case NODE_ANSWER_UNKNOWN:
		buf_puts(out, "# Unknown service\n");
		break;
	case NODE_ANSWER_TIMED_OUT:
		buf_puts(out, "# Timed out\n");
		break;
	case NODE_ANSWER_BAD_EXIT:
		buf_puts(out, "# Bad exit\n");
		break;
	}
	buf_puts(out, ".\n");
}
