// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl shell: run one line through the same dispatcher as the command line. */
#include <getopt.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/shell.h"

/* From src/vtdctl.c once it exports it (see cmd.h); weak so that the shell
 * still links and runs (reopening the target per line) before that. */
extern void target_keep(bool on) __attribute__((weak));

int shell_depth;

static const char shell_help[] =
	"Shell: any vtdctl command without 'vtdctl', e.g. 'dump -s 00:03.0',\n"
	"'xlate -s 01:00.0 0x1000', 'check', 'regs'. Options given on a line\n"
	"apply to that line only; the target is the one the shell started with\n"
	"unless a line names another. 'help COMMAND' for one command; 'quit',\n"
	"'exit' or Ctrl-D to leave; Tab completes commands, options, BDFs and\n"
	"PASIDs.\n\n";

/*
 * vtdctl_run() resets getopt with optind = 1, which keeps the scanning
 * order of the first call (main's "+": stop at the first non-option), so
 * 'xlate 0x1000 -s 01:00.0' would not see -s. optind = 0 makes glibc
 * start afresh and permute again.
 */
static void getopt_reset(void)
{
	static char prog[] = "vtdctl";
	char *argv[] = { prog, NULL };

	optind = 0;
	opterr = 0;
	getopt_long(1, argv, "", NULL, NULL);
}

void shell_keep_target(bool on)
{
	if (target_keep)
		target_keep(on);
}

static int run_words(int argc, char **argv, bool *quit)
{
	struct global_opts saved = g;
	int rc;

	if (!strcmp(argv[0], "quit") || !strcmp(argv[0], "exit")) {
		*quit = true;
		return EXIT_OK;
	}
	if (!strcmp(argv[0], "help") && argc == 1 && !g.out.json)
		fputs(shell_help, stdout);
	getopt_reset();
	rc = vtdctl_run(argc, argv);
	g = saved;
	/* a line that failed may have left the connection unusable */
	if (rc == EXIT_FATAL) {
		shell_keep_target(false);
		shell_keep_target(true);
	}
	return rc;
}

int shell_run_line(const char *line, bool *quit, const char *where)
{
	const char *err;
	char **argv;
	int argc = shell_split(line, &argv, &err);
	int rc = EXIT_OK;

	if (argc < 0) {
		report_error("%s%s%s", where ? where : "", where ? ": " : "", err);
		return EXIT_FATAL;
	}
	if (argc > 0)
		rc = run_words(argc, argv, quit);
	shell_free_args(argv);
	fflush(stdout);
	return rc;
}
