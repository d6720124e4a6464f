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

static const char shell_help_head[] =
	"Commands (a prefix will do: the first in this list that it begins wins, d is dump):\n";
static const char shell_help_tail[] =
	"\n"
	"Options go before or after the command and apply to that line only:\n"
	"  -j, -p (JSON)  -v, -vv (detail)  -s BDF  --pasid=N  --did=N  -n N  --pages\n"
	"  A line may name another target (--qmp=, --vm=, --core=, --snapshot=).\n"
	"In the shell:\n"
	"  help COMMAND   that command's arguments and an example\n"
	"  quit, exit     leave (or Ctrl-D); Ctrl-C clears the line; Tab completes\n"
	"  CMD | PROGRAM  the output through a program (dump | less, check | grep error)\n"
	"  Output longer than the screen goes through $PAGER (less -FRX unless $LESS is set).\n";

static void print_shell_help(void)
{
	const char *name;

	fputs(shell_help_head, stdout);
	for (size_t i = 0; (name = vtdctl_command_name(i)); i++)
		printf("  %-10s %s\n", name, vtdctl_command_help(i));
	fputs(shell_help_tail, stdout);
}

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

/* "-j check": the options, then the command, as on the command line */
static int run_options_first(int argc, char **argv)
{
	static char prog[] = "vtdctl";
	char *args[SHELL_MAX_ARGS + 2] = { prog };
	int n;

	for (int i = 0; i < argc && i < SHELL_MAX_ARGS; i++)
		args[i + 1] = argv[i];
	n = cli_parse_options(argc + 1, args, "+jpvs:n:c:o:i:hV", NULL);
	if (n < 0)
		return EXIT_FATAL;
	if (n > argc) {
		report_error("give a command after the options ('help' lists them)");
		return EXIT_FATAL;
	}
	getopt_reset();
	return vtdctl_run(argc + 1 - n, args + n);
}

static int run_words(int argc, char **argv, bool *quit)
{
	struct global_opts saved = g;
	int rc;

	if (!strcmp(argv[0], "quit") || !strcmp(argv[0], "exit")) {
		*quit = true;
		return EXIT_OK;
	}
	getopt_reset();
	cli_options_check_reset(&saved);
	if (!strcmp(argv[0], "help") && argc == 1 && !g.out.json) {
		print_shell_help();
		rc = EXIT_OK;
	} else if (argv[0][0] == '-') {
		rc = run_options_first(argc, argv);
	} else {
		rc = vtdctl_run(argc, argv);
	}
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
