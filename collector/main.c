/*
 * main: drover's command line.  Subcommands dispatch to the modules; this
 * file holds no state of its own.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

static void
usage(FILE *out)
{
	fprintf(out,
	    "usage: drover run -c FILE       run the collector (foreground)\n"
	    "       drover poll -c FILE HOST poll one host once and print it\n"
	    "       drover config -c FILE    check and print the normalised "
	    "config\n"
	    "       drover --version | --help\n");
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("drover %s\n", PACKAGE_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}
