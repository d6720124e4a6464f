// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl shell: interactive shell. */
#include "cmd/cmd.h"

int do_shell(int argc, char **argv)
{
	report_error("shell: not implemented yet");
	return EXIT_FATAL;
}
