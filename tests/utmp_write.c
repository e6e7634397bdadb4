/*
 * utmp_write: writes a utmp file (glibc's struct utmp records) for the
 * users probe's tests, one record per TYPE:USER:LINE:PID argument.
 *
 *   utmp_write FILE TYPE:USER:LINE:PID...
 *
 * TYPE is user, login, dead, boot or init; USER and LINE may be empty.
 * tests/fixtures/utmp was made with
 *   utmp_write tests/fixtures/utmp boot:reboot:~:0 login:LOGIN:tty2:1 \
 *       user:alice:tty1:1 user:bob:pts/0:1 user:carol::0:0 \
 *       user:dave:pts/3:0 user:erin:pty/0:0 user:frank:console:0 \
 *       user:gina:X1:0 user::pts/7:0 dead:hank:pts/1:0 user:a/pts:tty3:0
 * (carol's line is ":0": the fields split at the first and last ':').
 *
 * Exits 0, 1 when the file cannot be written, 2 on usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utmp.h>

static const struct {
	const char *name;
	short type;
} types[] = {
    {"boot", BOOT_TIME},
    {"dead", DEAD_PROCESS},
    {"init", INIT_PROCESS},
    {"login", LOGIN_PROCESS},
    {"user", USER_PROCESS},
};

/* Fills u from "TYPE:USER:LINE:PID".  0, or -1 when it is malformed. */
static int
record(const char *arg, struct utmp *u)
{
	const char *c1, *c2, *cl, *line;
	size_t i, n;

	memset(u, 0, sizeof(*u));
	c1 = strchr(arg, ':');
	c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;
	cl = strrchr(arg, ':');
	if (c1 == NULL || c2 == NULL || cl == c1)
		return -1;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strlen(types[i].name) == (size_t)(c1 - arg) &&
		    strncmp(arg, types[i].name, (size_t)(c1 - arg)) == 0)
			break;
	if (i == sizeof(types) / sizeof(types[0]))
		return -1;
	u->ut_type = types[i].type;
	n = (size_t)(c2 - c1 - 1);
	if (n > sizeof(u->ut_user))
		return -1;
	memcpy(u->ut_user, c1 + 1, n);
	line = c2 + 1;
	n = (size_t)(cl - line);
	if (cl < line || n > sizeof(u->ut_line))
		return -1;
	memcpy(u->ut_line, line, n);
	/* ut_id: the line's last 4 characters, as login(1) makes it */
	memcpy(u->ut_id, line + (n > 4 ? n - 4 : 0), n > 4 ? 4 : n);
	u->ut_pid = atoi(cl + 1);
	u->ut_tv.tv_sec = 1764633600; /* 2025-12-02 00:00 UTC */
	return 0;
}

int
main(int argc, char *argv[])
{
	struct utmp u;
	FILE *f;
	int i;

	if (argc < 2) {
		fprintf(
		    stderr, "usage: utmp_write file type:user:line:pid...\n");
		return 2;
	}
	f = fopen(argv[1], "wb");
	if (f == NULL) {
		perror(argv[1]);
		return 1;
	}
	for (i = 2; i < argc; i++) {
		if (record(argv[i], &u) == -1) {
			fprintf(stderr, "utmp_write: bad record %s\n", argv[i]);
			fclose(f);
			return 2;
		}
		if (fwrite(&u, sizeof(u), 1, f) != 1) {
			perror(argv[1]);
			fclose(f);
			return 1;
		}
	}
	if (fclose(f) != 0) {
		perror(argv[1]);
		return 1;
	}
	return 0;
}
