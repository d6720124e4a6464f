// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl batch: shell lines from a file. */
#include "cmd/cmd.h"

int do_batch(int argc, char **argv)
{
	report_error("batch: not implemented yet");
	return EXIT_FATAL;
}
