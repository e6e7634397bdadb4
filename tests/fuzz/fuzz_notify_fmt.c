/*
 * fuzz_notify_fmt: what a page says (alerts/notify_fmt.h), from items as a
 * spool file carries them: the input is JSON, one item object or an array
 * of up to 8, read by notify_item_from_json and formatted as the webhook
 * body, the e-mail and its subject.  Properties: the webhook body is JSON;
 * the e-mail's head is exactly its ten header lines, each "Name: value"
 * ending in CRLF with no other CR or LF (no header injection from a
 * spool file); the subject has no control characters; an item read back
 * re-encodes to JSON that reads again.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "alerts/notify_fmt.h"
#include "tests/fuzz/fuzz.h"

#define MAX_ITEMS 8

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_quiet();
	return 0;
}

static void
check_head(const char *mail)
{
	static const char *const names[] = {"From", "To", "Date", "Subject",
	    "Message-ID", "MIME-Version", "Content-Type",
	    "Content-Transfer-Encoding", "Auto-Submitted",
	    "X-Drover-Dedupe-Key"};
	const char *end = strstr(mail, "\r\n\r\n"), *p = mail, *eol;
	size_t i = 0, n;

	fuzz_assert(end != NULL, "an e-mail without a blank line");
	while (p < end + 2) {
		eol = strstr(p, "\r\n");
		fuzz_assert(i < sizeof(names) / sizeof(names[0]),
		    "an extra e-mail header line");
		n = strlen(names[i]);
		fuzz_assert(strncmp(p, names[i], n) == 0 && p[n] == ':' &&
				p[n + 1] == ' ',
		    "an e-mail header line out of place");
		fuzz_assert(memchr(p, '\r', (size_t)(eol - p)) == NULL &&
				memchr(p, '\n', (size_t)(eol - p)) == NULL,
		    "a bare CR or LF in an e-mail header");
		p = eol + 2;
		i++;
	}
	fuzz_assert(
	    i == sizeof(names) / sizeof(names[0]), "an e-mail header missing");
}

static void
round_trip(const struct notify_item *it)
{
	json_t *o = notify_item_json(it);
	struct notify_item back;

	fuzz_assert(o != NULL, "notify_item_json");
	fuzz_assert(notify_item_from_json(&back, o) == 0,
	    "an item read from JSON does not read back");
	notify_item_cleanup(&back);
	json_decref(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, 0, NULL), *o;
	struct notify_item items[MAX_ITEMS];
	const struct notify_item *v[MAX_ITEMS];
	char subj[512], key[128], *s;
	size_t i, n = 0;

	if (root == NULL)
		return 0;
	if (json_is_array(root)) {
		json_array_foreach(root, i, o)
		{
			if (n == MAX_ITEMS)
				break;
			if (notify_item_from_json(&items[n], o) == 0) {
				v[n] = &items[n];
				n++;
			}
		}
	} else if (notify_item_from_json(&items[0], root) == 0) {
		v[0] = &items[0];
		n = 1;
	}
	json_decref(root);
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		round_trip(v[i]);
	notify_page_key(v, n, key, sizeof(key));
	notify_subject(v, n, subj, sizeof(subj));
	for (i = 0; subj[i] != '\0'; i++)
		fuzz_assert((unsigned char)subj[i] >= 0x20 && subj[i] != 0x7f,
		    "a control character in the subject");
	s = notify_webhook_body(v, n);
	fuzz_assert(s != NULL, "notify_webhook_body");
	o = json_loads(s, 0, NULL);
	fuzz_assert(o != NULL, "a webhook body that is not JSON");
	json_decref(o);
	free(s);
	s = notify_email(
	    v, n, "drover@example.org", "ops@example.org", 1700000000);
	fuzz_assert(s != NULL, "notify_email");
	check_head(s);
	free(s);
	for (i = 0; i < n; i++)
		notify_item_cleanup(&items[i]);
	return 0;
}
