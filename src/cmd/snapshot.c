// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl snapshot: save a snapshot file. */
#include "cmd/cmd.h"

int do_snapshot(int argc, char **argv)
{
	report_error("snapshot: not implemented yet");
	return EXIT_FATAL;
}
