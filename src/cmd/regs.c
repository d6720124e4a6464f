// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl regs: every register, decoded. */
#include "cmd/cmd.h"

int do_regs(int argc, char **argv)
{
	report_error("regs: not implemented yet");
	return EXIT_FATAL;
}
