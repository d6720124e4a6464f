// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl list: libvirt domains with an Intel IOMMU. */
#include "cmd/cmd.h"

int do_list(int argc, char **argv)
{
	report_error("list: not implemented yet");
	return EXIT_FATAL;
}
