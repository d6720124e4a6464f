// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl diff: compare two snapshots. */
#include "cmd/cmd.h"

int do_diff(int argc, char **argv)
{
	report_error("diff: not implemented yet");
	return EXIT_FATAL;
}
