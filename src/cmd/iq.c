// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl iq: the invalidation queue. */
#include "cmd/cmd.h"

int do_iq(int argc, char **argv)
{
	report_error("iq: not implemented yet");
	return EXIT_FATAL;
}
