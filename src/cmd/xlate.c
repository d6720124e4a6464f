// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl xlate: the page walk of one IOVA. */
#include "cmd/cmd.h"

int do_xlate(int argc, char **argv)
{
	report_error("xlate: not implemented yet");
	return EXIT_FATAL;
}
