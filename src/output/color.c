// SPDX-License-Identifier: GPL-2.0-or-later
/* vtdctl: colour in the text output (--color, NO_COLOR), as ls and git. */
#include <string.h>

#include "output/color.h"

static bool color;

void out_color_set(bool on)
{
	color = on;
}

bool out_color_on(void)
{
	return color;
}

const char *out_sgr(enum out_color c)
{
	static const char *const sgr[OC_NR] = {
		[OC_ERROR] = "\033[1;31m", [OC_WARNING] = "\033[33m",
		[OC_INFO] = "\033[36m", [OC_NEW] = "\033[32m",
		[OC_GONE] = "\033[31m", [OC_CHANGED] = "\033[33m",
	};

	return color && c < OC_NR ? sgr[c] : "";
}

const char *out_sgr_end(void)
{
	return color ? "\033[m" : "";
}

enum out_color out_color_of_severity(enum vtd_severity s)
{
	return s == VTD_SEV_ERROR ? OC_ERROR : s == VTD_SEV_WARNING ? OC_WARNING : OC_INFO;
}

int out_severity_cell(FILE *f, enum vtd_severity s)
{
	const char *name = vtd_severity_name(s);
	int w = (int)strlen(name);

	fprintf(f, "  %s%s%s%*s", out_sgr(out_color_of_severity(s)), name,
		out_sgr_end(), w < 7 ? 7 - w : 0, "");
	return 2 + (w < 7 ? 7 : w);
}
