/*
 * modbus_server: a Modbus TCP server for tests/test_modbus.sh, built from
 * libmodbus's own server API (modbus_tcp_listen, modbus_receive,
 * modbus_reply on a modbus_mapping_t).
 *
 *   modbus_server PORTFILE VALUES [--unit N] [--exception CODE] [--silent]
 *   modbus_server --rtu DEVICE VALUES [--unit N]
 *
 * Listens on 127.0.0.1 on a port the kernel picks and writes it to
 * PORTFILE; with --rtu it is unit N (default 1) on the serial line DEVICE
 * (a pty of a socat pair) at 115200 8N1, and, as on a real bus, requests
 * for other units go unanswered (libmodbus's RTU receive drops them).  VALUES
 * holds "input|holding ADDR VALUE" lines (ADDR decimal or 0x hex, VALUE
 * -32768..65535); it is read again before every reply, so a test changes a
 * value by renaming a new file over it.  Registers not in VALUES read 0.  Every
 * request is logged to stdout as "request unit U function F addr A count C".
 *   --unit N       only unit N answers; a request for another unit gets
 *                  exception 11 (gateway target failed to respond), as a
 *                  TCP gateway says of a serial unit that is not there
 *   --exception C  every request gets exception C
 *   --silent       requests are read and never answered (a timeout)
 * Serves several TCP connections at once; exits 0 on SIGTERM.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <unistd.h>
#include <modbus.h>

/* libmodbus retries its select() on EINTR, so a flag would never be
 * seen while it waits: end here (async-signal-safe). */
static void
on_term(int sig)
{
	(void)sig;
	_exit(0);
}

/* Fills the mapping from path; 0 / -1 (a bad line is reported). */
static int
load_values(const char *path, modbus_mapping_t *mb)
{
	char line[256], table[16];
	FILE *f = fopen(path, "r");
	unsigned long addr;
	long v;
	char a[32];
	int n = 0;

	if (f == NULL) {
		fprintf(
		    stderr, "modbus_server: %s: %s\n", path, strerror(errno));
		return -1;
	}
	memset(mb->tab_input_registers, 0,
	    (size_t)mb->nb_input_registers * sizeof(uint16_t));
	memset(
	    mb->tab_registers, 0, (size_t)mb->nb_registers * sizeof(uint16_t));
	while (fgets(line, sizeof(line), f) != NULL) {
		n++;
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%15s %31s %ld", table, a, &v) != 3 ||
		    (addr = strtoul(a, NULL, 0)) > 0xFFFF || v < -32768 ||
		    v > 65535 ||
		    (strcmp(table, "input") != 0 &&
			strcmp(table, "holding") != 0)) {
			fprintf(stderr, "modbus_server: %s:%d: bad line\n",
			    path, n);
			fclose(f);
			return -1;
		}
		if (table[0] == 'i')
			mb->tab_input_registers[addr] = (uint16_t)v;
		else
			mb->tab_registers[addr] = (uint16_t)v;
	}
	fclose(f);
	return 0;
}

static int
write_port(const char *path, int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	char tmp[4096];
	FILE *f;

	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL)
		return -1;
	fprintf(f, "%u\n", ntohs(sin.sin_port));
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

/* RTU: one unit on DEVICE; returns only on an error. */
static int
serve_rtu(const char *dev, const char *values, int unit)
{
	uint8_t query[MODBUS_RTU_MAX_ADU_LENGTH];
	modbus_mapping_t *mb = modbus_mapping_new(0, 0, 0x10000, 0x10000);
	modbus_t *ctx = modbus_new_rtu(dev, 115200, 'N', 8, 1);
	int rc;

	if (mb == NULL || ctx == NULL || load_values(values, mb) == -1 ||
	    modbus_set_slave(ctx, unit < 0 ? 1 : unit) == -1 ||
	    modbus_connect(ctx) == -1) {
		fprintf(stderr, "modbus_server: %s: %s\n", dev,
		    modbus_strerror(errno));
		return 1;
	}
	for (;;) {
		rc = modbus_receive(ctx, query);
		if (rc == 0) /* another unit's request */
			continue;
		if (rc == -1) {
			/* a broken frame: as a device, wait for the next */
			(void)modbus_flush(ctx);
			continue;
		}
		printf("request unit %d function %d addr %d count %d\n",
		    query[0], query[1], (query[2] << 8) | query[3],
		    (query[4] << 8) | query[5]);
		fflush(stdout);
		if (load_values(values, mb) == 0)
			modbus_reply(ctx, query, rc, mb);
	}
}

int
main(int argc, char **argv)
{
	uint8_t query[MODBUS_TCP_MAX_ADU_LENGTH];
	modbus_mapping_t *mb = NULL;
	modbus_t *ctx = NULL;
	struct sigaction sa;
	fd_set all, rd;
	int listen_fd, maxfd, fd, rc, i, hl, unit = -1, exc = 0, silent = 0;
	int status = 1;

	if (argc < 3 || (strcmp(argv[1], "--rtu") == 0 && argc < 4)) {
		fprintf(stderr, "usage: modbus_server PORTFILE VALUES "
				"[--unit N] [--exception CODE] [--silent]\n"
				"       modbus_server --rtu DEVICE VALUES "
				"[--unit N]\n");
		return 2;
	}
	for (i = strcmp(argv[1], "--rtu") == 0 ? 4 : 3; i < argc; i++) {
		if (strcmp(argv[i], "--unit") == 0 && i + 1 < argc)
			unit = atoi(argv[++i]);
		else if (strcmp(argv[i], "--exception") == 0 && i + 1 < argc)
			exc = atoi(argv[++i]);
		else if (strcmp(argv[i], "--silent") == 0)
			silent = 1;
		else {
			fprintf(
			    stderr, "modbus_server: bad option %s\n", argv[i]);
			return 2;
		}
	}
	memset(&sa, 0, sizeof(sa));
	if (strcmp(argv[1], "--rtu") == 0) {
		sa.sa_handler = on_term;
		sigaction(SIGTERM, &sa, NULL);
		return serve_rtu(argv[2], argv[3], unit);
	}
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	mb = modbus_mapping_new(0, 0, 0x10000, 0x10000);
	ctx = modbus_new_tcp("127.0.0.1", 0);
	if (mb == NULL || ctx == NULL || load_values(argv[2], mb) == -1)
		goto out;
	listen_fd = modbus_tcp_listen(ctx, 16);
	if (listen_fd == -1 || write_port(argv[1], listen_fd) == -1) {
		fprintf(stderr, "modbus_server: listen: %s\n",
		    modbus_strerror(errno));
		goto out;
	}
	hl = modbus_get_header_length(ctx);
	FD_ZERO(&all);
	FD_SET(listen_fd, &all);
	maxfd = listen_fd;
	for (;;) {
		rd = all;
		if (select(maxfd + 1, &rd, NULL, NULL, NULL) == -1) {
			if (errno == EINTR)
				continue;
			perror("modbus_server: select");
			goto out;
		}
		for (fd = 0; fd <= maxfd; fd++) {
			if (!FD_ISSET(fd, &rd))
				continue;
			if (fd == listen_fd) {
				rc = accept(listen_fd, NULL, NULL);
				if (rc >= 0) {
					FD_SET(rc, &all);
					if (rc > maxfd)
						maxfd = rc;
				}
				continue;
			}
			modbus_set_socket(ctx, fd);
			rc = modbus_receive(ctx, query);
			if (rc <= 0) {
				/* closed by the client, or garbage */
				if (rc == -1) {
					close(fd);
					FD_CLR(fd, &all);
				}
				continue;
			}
			printf("request unit %d function %d addr %d count "
			       "%d\n",
			    query[hl - 1], query[hl],
			    (query[hl + 1] << 8) | query[hl + 2],
			    (query[hl + 3] << 8) | query[hl + 4]);
			fflush(stdout);
			if (silent)
				continue;
			if (exc != 0)
				modbus_reply_exception(ctx, query, exc);
			else if (unit >= 0 && query[hl - 1] != unit)
				modbus_reply_exception(ctx, query,
				    MODBUS_EXCEPTION_GATEWAY_TARGET);
			else if (load_values(argv[2], mb) == 0)
				modbus_reply(ctx, query, rc, mb);
			else
				modbus_reply_exception(ctx, query,
				    MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE);
		}
	}
out:
	if (ctx != NULL) {
		modbus_set_socket(ctx, -1);
		modbus_free(ctx);
	}
	if (mb != NULL)
		modbus_mapping_free(mb);
	return status;
}
