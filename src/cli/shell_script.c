// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl batch: shell lines from a file or stdin, as bpftool's batch. */
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/shell.h"

#define BATCH_LINE_MAX	65536

/* 1 (fatal) is worse than 2 (findings), which is worse than 0. */
static int worse(int a, int b)
{
	if (a == EXIT_FATAL || b == EXIT_FATAL)
		return EXIT_FATAL;
	return a > b ? a : b;
}

/* One logical line into buf (BATCH_LINE_MAX bytes): a trailing backslash
 * joins the next physical line. Returns its length, -1 at EOF, -2 when too
 * long; *lineno counts physical lines. */
static long read_logical(FILE *f, char *buf, unsigned *lineno)
{
	char *part = NULL;
	size_t pcap = 0, len = 0;
	ssize_t n;

	buf[0] = '\0';
	while ((n = getline(&part, &pcap, f)) >= 0) {
		++*lineno;
		if (n > 0 && part[n - 1] == '\n')
			part[--n] = '\0';
		if (len + n + 1 > BATCH_LINE_MAX) {
			free(part);
			return -2;
		}
		memcpy(buf + len, part, n + 1);
		len += n;
		if (!len || buf[len - 1] != '\\')
			break;
		buf[--len] = '\0';
	}
	free(part);
	return n < 0 && !len ? -1 : (long)len;
}

int shell_batch(FILE *f, const char *name)
{
	char *line = malloc(BATCH_LINE_MAX), where[600];
	unsigned lineno = 0;
	int worst = EXIT_OK, rc;
	bool quit = false;
	long len;

	if (!line) {
		report_error("batch: out of memory");
		return EXIT_FATAL;
	}
	shell_keep_target(true);
	while (!quit && (len = read_logical(f, line, &lineno)) != -1) {
		snprintf(where, sizeof(where), "%s:%u", name, lineno);
		if (len == -2) {
			report_error("%s: line longer than %d bytes", where, BATCH_LINE_MAX);
			worst = EXIT_FATAL;
			break;
		}
		rc = shell_run_line(line, &quit, where);
		worst = worse(worst, rc);
		if (rc == EXIT_FATAL) {
			fflush(stdout);
			fprintf(stderr, "vtdctl: %s: stopped at this line\n", where);
			break;
		}
	}
	free(line);
	shell_keep_target(false);
	return worst;
}
