// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl watch: small formatting helpers for the log and the screens. */
#include "output/output.h"
#include "tui/fmt.h"
#include "vtd/vtd.h"

void bdf_str(char buf[8], int bus, int devfn)
{
	fmt_bdf(buf, bus, devfn);
}

const char *pgtt_str(unsigned pgtt, char *buf, unsigned len)
{
	return vtd_pgtt_name(pgtt, buf, len);
}
