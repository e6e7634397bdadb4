/* Tests for contacts: Munin's template language, recipients and
 * always_send, command sanitising, and the bounds on running commands
 * (timeout kill, concurrency, non-zero exit logged).  Byte-for-byte
 * agreement with munin-limits is tests/test_contacts_munin.sh. */
#include <setjmp.h>
#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "alerts/contacts.h"
#include "lib/log.h"

static struct attrs fa[3];
static struct contact_field fields[3];
static struct contact_msg msg;

static int
setup(void **state)
{
	(void)state;
	memset(fa, 0, sizeof(fa));
	attrs_set(&fa[0], "label", "12V rail");
	attrs_set(&fa[0], "warning", "11.5:");
	attrs_set(&fa[0], "critical", "11:");
	attrs_set(&fa[1], "label", "5V rail");
	attrs_set(&fa[1], "warning", " 4.75:5.25 ");
	attrs_set(&fa[2], "label", "fan");
	fields[0] = (struct contact_field){
	    "v12", &fa[0], FS_CRITICAL, false, true, 10.9};
	fields[1] =
	    (struct contact_field){"v5", &fa[1], FS_OK, false, true, 5.014};
	fields[2] =
	    (struct contact_field){"fan", &fa[2], FS_OK, false, true, 3000};
	msg = (struct contact_msg){"lab;rack1", "kvm1", "ipmi_volts",
	    "Voltages", NULL, NULL, true, fields, 3};
	return 0;
}

static int
teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++)
		attrs_cleanup(&fa[i]);
	return 0;
}

static void
expect(const char *tmpl, bool cmd, const char *want)
{
	char *got = contacts_expand(tmpl, &msg, cmd);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

static void
test_builtin_texts(void **state)
{
	(void)state;
	expect(contacts_default_text("nagios"), false,
	    "kvm1\tVoltages\t2\tCRITICALs: 12V rail is 10.90 (outside range "
	    "[11:]).OKs: 5V rail is 5.01.");
	expect(contacts_default_text("old-nagios"), false,
	    "kvm1\tipmi_volts\t2\tVoltages:CRITICALs: 12V rail is 10.90 "
	    "(outside range [11:]).OKs: 5V rail is 5.01.");
	expect(contacts_default_text("ops"), false,
	    "lab-rack1 :: kvm1 :: Voltages\n\tCRITICALs: 12V rail is 10.90 "
	    "(outside range [11:]).\n\tOKs: 5V rail is 5.01.\n");
	fields[0].state = FS_UNKNOWN;
	fields[0].known = false;
	expect(contacts_default_text("nagios"), false,
	    "kvm1\tVoltages\t3\tUNKNOWNs: 12V rail is unknown.OKs: 5V rail "
	    "is 5.01.");
}

static void
test_template_language(void **state)
{
	(void)state;
	expect("${var:worst} ${var:worstid} ${var:numofields} [${var:fields}]",
	    false, "CRITICAL 2 1 [v12 v5 fan]");
	/* a plain loop has no separator (LimitsOld.pm pushes to the outer
	 * list) */
	expect("${loop:ofields ${var:label};}", false, "5V rail;");
	expect("${loop<+>:fields ${var:name}${var:label}}", false,
	    "12V rail+5V rail+fan");
	expect("${strtrunc:5 ${var:graph_title}}", false, "Volta");
	expect("${if:!wfields none}${if:wfields some}", false, "none");
	expect("${if:cfields \\tyes}", true, "\\tyes"); /* command: no \\t */
	expect("${if:cfields \\tyes}", false, "\tyes");
	/* unknown directives stay as Munin leaves them, unset vars are
	 * empty; a lone "$" (Munin loops forever on it) stays */
	expect("a${bogus}b${var:nosuch}c$d{", false, "a{bogus}bc$d{");
	expect("${var:wrange}|${loop:cfields ${var:wrange}}", false, "|11.5:");
	/* a warning of ":" is no limit; junk is 0:0 */
	attrs_set(&fa[1], "warning", ":");
	attrs_set(&fa[1], "critical", "junk");
	expect("${loop:fields ${var:label}=${var:wrange}/${var:crange}|}",
	    false, "12V rail=11.5:/11:|5V rail=:/0:0|fan=:/:|");
}

/* Each substituted value is one shell word, quoted for where it stands:
 * bare, inside the operator's '...' or "...", and filtered where the
 * shell's state is not modelled (a backquote, right after \ or $). */
static void
test_command_values_quoted(void **state)
{
	(void)state;
	msg.host = "kvm1;$(reboot)";
	msg.title = "x -o /etc/passwd 'q' \"d\" \\";
	expect("send ${var:host} '${var:graph_title}'", true,
	    "send 'kvm1;$(reboot)' 'x -o /etc/passwd '\\''q'\\'' \"d\" \\'");
	expect("send \"${var:host}: ${var:graph_title}\"", true,
	    "send \"kvm1;\\$(reboot): x -o /etc/passwd 'q' \\\"d\\\" \\\\\"");
	expect("send ${var:graph_title}", true,
	    "send 'x -o /etc/passwd '\\''q'\\'' \"d\" \\'");
	expect("send x${var:nosuch}y ${var:nosuch}", true, "send x''y ''");
	/* strtrunc cuts the value, then quotes it once */
	expect("send ${strtrunc:12 ${var:graph_title}!}", true,
	    "send 'x -o /etc/pa'");
	expect("send ${strtrunc:30 <${var:graph_title}>}", true,
	    "send '<x -o /etc/passwd '\\''q'\\'' \"d\" \\>'");
	/* a loop's values one word each, the operator's separator as is */
	expect("send ${loop< >:fields ${var:label}}", true,
	    "send '12V rail' '5V rail' 'fan'");
	expect("send ${if:cfields ${var:host}}", true, "send 'kvm1;$(reboot)'");
	/* the shell's state is not modelled: only safe bytes */
	expect("send `echo ${var:host}` ${var:graph_title}", true,
	    "send `echo kvm1___reboot_` x_-o_/etc/passwd__q___d___");
	expect("send \"$(echo '${var:host}')\"", true,
	    "send \"$(echo 'kvm1___reboot_')\"");
	expect("send $${var:host} \\${var:host}", true,
	    "send $kvm1___reboot_ \\kvm1___reboot_");
	expect("send $'${var:host}'", true, "send $'kvm1___reboot_'");
	expect("send # ${var:host}", true, "send # kvm1___reboot_");
	/* an escaped quote, or one inside "...", opens nothing */
	expect("send \\'${var:host} \"'\"${var:host}", true,
	    "send \\''kvm1;$(reboot)' \"'\"'kvm1;$(reboot)'");
	expect("send \\\\${var:host} \"\\\"${var:host}\"", true,
	    "send \\\\'kvm1;$(reboot)' \"\\\"kvm1;\\$(reboot)\"");
	/* the stdin text keeps every value as munin-limits has it */
	expect("${var:host} ${var:graph_title}", false,
	    "kvm1;$(reboot) x -o /etc/passwd 'q' \"d\" \\");
}

/* ---- running commands ----------------------------------------------- */

/* Bound a hang only, never a speed.  A command that should have been
 * killed sleeps 120 s: past the deadline, so the test fails, and it then
 * ends by itself. */
#define DEADLINE_MS 30000 /* ms, one wait */
#define DEADLINE_S 60	  /* s, the whole program (SIGALRM) */

static char dir[64];

static int
setup_run(void **state)
{
	setup(state);
	strcpy(dir, "/tmp/test_contacts.XXXXXX");
	assert_non_null(mkdtemp(dir));
	return 0;
}

static int
teardown_run(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
	return teardown(state);
}

static char *
slurp(const char *name)
{
	static char buf[4096];
	char path[160];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* cmd, with the test directory for every %s, run by /bin/sh -c (as
 * the runner does); what printf '%s\0' wrote, as argv entries joined by
 * '|'.  Fails the test if a value ran anything (a file "ran" exists). */
static const char *
run_argv(const char *tmpl)
{
	static char out[4096];
	char *cmd, full[8192], *p;
	size_t i, n;
	FILE *f;

	cmd = contacts_expand(tmpl, &msg, true);
	assert_non_null(cmd);
	snprintf(full, sizeof(full), "printf '%%s\\0' %s > %s/argv", cmd, dir);
	free(cmd);
	assert_int_equal(system(full), 0);
	p = slurp("argv");
	assert_non_null(p);
	snprintf(full, sizeof(full), "%s/argv", dir);
	f = fopen(full, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	fclose(f);
	for (i = 0; i < n; i++)
		if (out[i] == '\0')
			out[i] = '|';
	out[n] = '\0';
	assert_null(slurp("ran"));
	return out;
}

/* Hostile titles, labels, hosts and groups through every construct, for
 * real: each substitution reaches the command as exactly one argument
 * with its bytes intact, and nothing in a value runs. */
static void
test_command_one_word(void **state)
{
	char title[256], label[256], host[256], group[256], want[2048];
	const char *t, *l, *h, *g;
	char *p;

	(void)state;
	snprintf(title, sizeof(title),
	    "x -o /etc/passwd $(touch %s/ran) `touch %s/ran`", dir, dir);
	snprintf(label, sizeof(label),
	    "a; touch %s/ran | touch %s/ran 'q' \"d\" \\", dir, dir);
	snprintf(host, sizeof(host), "h'; touch %s/ran; '\nx\" $HOME *", dir);
	snprintf(group, sizeof(group), "g\"; touch %s/ran; \"\\", dir);
	msg.title = t = title;
	msg.host = h = host;
	msg.group = g = group;
	attrs_set(&fa[0], "label", label);
	l = label;

	snprintf(want, sizeof(want), "%s|%s|%s|", t, h, l);
	assert_string_equal(run_argv("${var:graph_title} ${var:host} "
				     "${loop:cfields ${var:label}}"),
	    want);
	/* a service has no label: one empty argument */
	snprintf(want, sizeof(want), "%s|%s||", t, h);
	assert_string_equal(
	    run_argv("'${var:graph_title}' \"${var:host}\" '${var:label}'"),
	    want);
	snprintf(want, sizeof(want), "<%s: %s>|", t, h);
	assert_string_equal(
	    run_argv("\"<${var:graph_title}: \"'${var:host}>'"), want);
	snprintf(want, sizeof(want), "%s|5V rail|fan|", l);
	assert_string_equal(run_argv("${loop< >:fields ${var:label}}"), want);
	snprintf(want, sizeof(want), "[%s]|", l);
	assert_string_equal(
	    run_argv("${loop<,>:cfields [${var:label}]}"), want);
	snprintf(want, sizeof(want), "%.20s|%.7s|", t, h);
	assert_string_equal(run_argv("${strtrunc:20 ${var:graph_title}} "
				     "\"${strtrunc:7 ${var:host}}\""),
	    want);
	snprintf(want, sizeof(want), "%s|", g);
	for (p = want; *p != '\0'; p++)
		if (*p == ';')
			*p = '-'; /* the group's ";" shows as "-" */
	assert_string_equal(run_argv("${if:cfields ${var:group}}"), want);
	/* a nested command: filtered to safe bytes, still one word */
	for (p = want; *p != '|'; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._:,@/+=%-", *p))
			*p = '_';
	assert_string_equal(run_argv("`printf %s ${var:group}`"), want);
	assert_string_equal(
	    run_argv("\"$(printf %s '${var:group}')\" \\${var:group}"),
	    strcat(strcpy(title, want), want));
}

/* One contact line "NAME.KEY" with value v, which must be accepted. */
static void
cline(struct contact_set *s, const char *key, const char *v)
{
	char err[256];

	assert_int_equal(contact_set_line(s, key, v, err, sizeof(err)), 0);
}

static void
set(struct contact_set *s, const char *key, const char *fmt)
{
	char v[256];

	snprintf(v, sizeof(v), fmt, dir, dir);
	cline(s, key, v);
}

static void
test_recipients(void **state)
{
	uv_loop_t loop;
	struct contact_set conf = {0};
	struct contacts *c;
	struct contacts_stats st;

	(void)state;
	uv_loop_init(&loop);
	set(&conf, "nagios.command", "cat >> %s/nagios");
	set(&conf, "mail.command", "cat >> %s/mail");
	cline(&conf, "mail.text", "${var:host} ${var:worst}");
	cline(&conf, "nocommand.always_send", "critical");
	/* one at a time: both mail commands append to one file, in order */
	c = contacts_new(&loop, &conf, 1, 5000);

	/* changed: every contact with a command */
	assert_int_equal(contacts_notify(c, &msg), 2);
	/* unchanged: only always_send (nagios: critical warning) */
	msg.changed = false;
	assert_int_equal(contacts_notify(c, &msg), 1);
	fields[0].state = FS_OK;
	assert_int_equal(contacts_notify(c, &msg), 0);
	/* an explicit list; "none" is nobody */
	msg.changed = true;
	msg.contacts = "mail none";
	assert_int_equal(contacts_notify(c, &msg), 1);
	msg.contacts = "none";
	assert_int_equal(contacts_notify(c, &msg), 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	contacts_stats(c, &st);
	assert_int_equal(st.started, 4);
	assert_int_equal(st.failed, 0);
	assert_string_equal(slurp("mail"), "kvm1 CRITICAL\nkvm1 OK\n");
	assert_int_equal(strlen(slurp("nagios")) > 0, 1);
	contacts_free(c);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	contact_set_cleanup(&conf);
}

static void
test_bounds(void **state)
{
	uv_loop_t loop;
	struct contact_set conf = {0};
	struct contacts *c;
	struct contacts_stats st;
	char logbuf[4096] = "";
	FILE *logf;
	int i;

	(void)state;
	uv_loop_init(&loop);
	logf = fmemopen(logbuf, sizeof(logbuf), "w");
	setvbuf(logf, NULL, _IONBF, 0);
	log_set_stream(logf);
	/* at most 2 at once, the third waits */
	set(&conf, "a.command", "echo x >> %s/run; sleep 0.3; exit 3");
	/* hangs: only the timeout ends it (else the deadline fails us) */
	set(&conf, "b.command", "echo b >> %s/run; exec sleep 120 # %s");
	c = contacts_new(&loop, &conf, 2, 1000);
	msg.contacts = "a";
	for (i = 0; i < 3; i++)
		contacts_notify(c, &msg);
	contacts_stats(c, &st);
	assert_int_equal(st.running, 2);
	assert_int_equal(st.queued, 1);
	msg.contacts = "b";
	contacts_notify(c, &msg);
	contacts_stats(c, &st);
	assert_int_equal(st.queued, 2); /* b waits behind the third a */
	uv_run(&loop, UV_RUN_DEFAULT);
	/* b ran after the a's, and was killed at its timeout */
	contacts_stats(c, &st);
	assert_int_equal(st.started, 4);
	assert_int_equal(st.killed, 1);
	assert_int_equal(st.failed, 4); /* three exit 3, one SIGKILL */
	assert_int_equal(st.running, 0);
	assert_int_equal(st.queued, 0);
	/* b starts only when an a has ended (after writing its x); the
	 * third a and b may then write in either order */
	{
		const char *run = slurp("run");

		assert_int_equal(strlen(run), 8);
		assert_true(strncmp(run, "x\n", 2) == 0);
		assert_non_null(strstr(run, "b\n"));
		assert_null(strstr(strstr(run, "b\n") + 1, "b"));
		assert_int_equal((run[0] == 'x') + (run[2] == 'x') +
				     (run[4] == 'x') + (run[6] == 'x'),
		    3);
	}
	assert_non_null(strstr(logbuf, "contacts: a: command exited 3"));
	contacts_free(c);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	log_set_stream(NULL);
	fclose(logf);
	contact_set_cleanup(&conf);
}

static void
test_free_kills_running(void **state)
{
	uv_loop_t loop;
	struct contact_set conf = {0};
	struct contacts *c;
	struct contacts_stats st;
	uint64_t end;
	pid_t pid;

	(void)state;
	uv_loop_init(&loop);
	/* no timeout: only contacts_free ends it (else the deadline) */
	set(&conf, "x.command", "echo $$ > %s/pid; exec sleep 120 # %s");
	c = contacts_new(&loop, &conf, 1, 0);
	contacts_notify(c, &msg);
	contacts_notify(c, &msg); /* queued, dropped by free */
	end = uv_now(&loop) + DEADLINE_MS;
	while (slurp("pid") == NULL || strchr(slurp("pid"), '\n') == NULL) {
		uv_run(&loop, UV_RUN_NOWAIT);
		assert_true(uv_now(&loop) < end);
		usleep(10000);
	}
	pid = (pid_t)atoi(slurp("pid"));
	assert_true(pid > 0);
	contacts_stats(c, &st);
	assert_int_equal(st.running, 1);
	assert_int_equal(st.queued, 1);
	contacts_free(c);
	uv_run(&loop, UV_RUN_DEFAULT);
	/* killed and reaped; the queued one never ran */
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(uv_loop_close(&loop), 0);
	contact_set_cleanup(&conf);
}

/* A command that is never killed ends the program as a failure rather
 * than hanging make check. */
static void
on_alarm(int sig)
{
	static const char text[] = "test_contacts: deadline passed: a "
				   "command was not killed\n";

	(void)sig;
	if (write(2, text, sizeof(text) - 1) < 0)
		_exit(2);
	_exit(1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
		test_builtin_texts, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_template_language, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_command_values_quoted, setup, teardown),
	    cmocka_unit_test_setup_teardown(
		test_command_one_word, setup_run, teardown_run),
	    cmocka_unit_test_setup_teardown(
		test_recipients, setup_run, teardown_run),
	    cmocka_unit_test_setup_teardown(
		test_bounds, setup_run, teardown_run),
	    cmocka_unit_test_setup_teardown(
		test_free_kills_running, setup_run, teardown_run),
	};

	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm(DEADLINE_S);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
