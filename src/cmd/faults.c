// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl faults: fault status and records. */
#include "cmd/cmd.h"

int do_faults(int argc, char **argv)
{
	report_error("faults: not implemented yet");
	return EXIT_FATAL;
}
