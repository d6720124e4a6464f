// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl --all: every libvirt domain with an Intel IOMMU (stub). */
#include "cmd/cmd.h"

int run_on_all_domains(const char *cmd, int argc, char **argv)
{
	report_error("%s --all: libvirt support is not built yet", cmd);
	return EXIT_FATAL;
}
