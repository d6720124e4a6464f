// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl check: guest tables against the host side. */
#include "cmd/cmd.h"

int do_check(int argc, char **argv)
{
	report_error("check: not implemented yet");
	return EXIT_FATAL;
}
