/*
 * conf_keys: the config keys drover's parser accepts, for the man page's
 * drift test (tests/test_man_keys.sh).
 *
 *   conf_keys < WORDS
 *
 * Each word on stdin (the string literals of the config code) is tried as
 * a global key ("WORD 1"), a host key ("[h]" then "WORD 1") and a contact
 * key ("contact.x.WORD 1"); each the parser takes as drover's own (no
 * "unknown keyword", not kept as a Munin key drover ignores) is printed
 * as "global WORD", "host WORD" or "contact WORD".  A value the key
 * refuses still counts: the key exists.  The sources' key tables are
 * listed whole as "host KEY".  The output is unsorted, may repeat.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "collector/conf.h"
#include "lib/log.h"
#include "plugins/source.h"
#include "plugins/sources.h"

/* Whether some error of errs says a keyword is unknown. */
static bool
has_unknown(const struct conf_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		if (strstr(errs->v[i], "unknown keyword") != NULL ||
		    strstr(errs->v[i], "unknown contact keyword") != NULL)
			return true;
	return false;
}

/* Parses text into a fresh conf; whether word is drover's key there. */
static bool
takes(const char *text, const char *word, int ctx)
{
	struct conf_errors errs = {0};
	struct conf *c = conf_new();
	bool ok;

	if (c == NULL)
		fatal("conf_keys: conf_new");
	conf_parse_buf(c, "keys", text, strlen(text), &errs);
	ok = !has_unknown(&errs);
	if (ok && ctx == 0)
		ok = attrs_get(&c->munin, word) == NULL;
	else if (ok && ctx == 1)
		ok = c->nhosts == 1 &&
		     attrs_get(&c->hosts[0].munin, word) == NULL;
	else if (ok && ctx == 2)
		ok = contact_set_find(&c->contacts, "x") != NULL || errs.n > 0;
	conf_errors_cleanup(&errs);
	conf_free(c);
	return ok;
}

int
main(void)
{
	static const char *const ctx_name[] = {"global", "host", "contact"};
	char word[256], text[512];
	size_t i, j;
	int ctx;

	log_init(false, LOG_LVL_WARN);
	while (scanf("%255s", word) == 1) {
		if (word[strspn(
			word, "abcdefghijklmnopqrstuvwxyz0123456789_")] != '\0')
			continue;
		for (ctx = 0; ctx < 3; ctx++) {
			if (ctx == 0)
				snprintf(text, sizeof(text), "%s 1\n", word);
			else if (ctx == 1)
				snprintf(
				    text, sizeof(text), "[h]\n%s 1\n", word);
			else
				snprintf(text, sizeof(text), "contact.x.%s 1\n",
				    word);
			if (takes(text, word, ctx))
				printf("%s %s\n", ctx_name[ctx], word);
		}
	}
	for (i = 0; i < nsources; i++)
		for (j = 0; j < sources[i]->nkeys; j++)
			printf("host %s\n", sources[i]->keys[j].key);
	return 0;
}
