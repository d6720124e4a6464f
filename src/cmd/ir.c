// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl ir: the interrupt remapping table. */
#include "cmd/cmd.h"

int do_ir(int argc, char **argv)
{
	report_error("ir: not implemented yet");
	return EXIT_FATAL;
}
