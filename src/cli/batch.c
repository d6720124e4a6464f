// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl batch FILE|-: shell lines from a file or stdin. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/shell.h"

int do_batch(int argc, char **argv)
{
	FILE *f;
	int rc;

	if (argc != 1) {
		report_error("batch: give one FILE, or - for stdin");
		return EXIT_FATAL;
	}
	if (shell_depth >= SHELL_MAX_DEPTH) {
		report_error("batch: nested more than %d deep", SHELL_MAX_DEPTH);
		return EXIT_FATAL;
	}
	f = strcmp(argv[0], "-") ? fopen(argv[0], "r") : stdin;
	if (!f) {
		report_error("batch: %s: %s", argv[0], strerror(errno));
		return EXIT_FATAL;
	}
	shell_depth++;
	rc = shell_batch(f, f == stdin ? "stdin" : argv[0]);
	shell_depth--;
	if (f != stdin)
		fclose(f);
	return rc;
}
