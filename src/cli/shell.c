// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl shell: the commands of the command line, one line at a time. */
#include <unistd.h>

#include "cli/cli.h"
#include "cli/shell.h"

int do_shell(int argc, char **argv)
{
	int rc;

	if (no_args("shell", argc, argv))
		return EXIT_FATAL;
	if (shell_depth) {
		report_error("shell: already in a shell");
		return EXIT_FATAL;
	}
	shell_depth++;
	/* piped lines are a batch: scripts and tests share the path */
	if (isatty(STDIN_FILENO))
		rc = shell_interactive();
	else
		rc = shell_batch(stdin, "stdin");
	shell_depth--;
	return rc;
}
