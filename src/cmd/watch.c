// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl watch: live ncurses view. */
#include "cmd/cmd.h"

int do_watch(int argc, char **argv)
{
	report_error("watch: not implemented yet");
	return EXIT_FATAL;
}
