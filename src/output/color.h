/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: colour in the text output (--color, NO_COLOR), as ls and git. */
#ifndef VTDCTL_OUTPUT_COLOR_H
#define VTDCTL_OUTPUT_COLOR_H

#include <stdbool.h>
#include <stdio.h>

#include "model/model.h"

enum out_color {
	OC_ERROR,	/* error findings, faults */
	OC_WARNING,
	OC_INFO,
	OC_NEW,		/* diff: added */
	OC_GONE,	/* diff: removed */
	OC_CHANGED,	/* diff: changed */
	OC_NR,
};

/* The command line decides once (cli/); the renderers ask */
void out_color_set(bool on);
bool out_color_on(void);
/* The SGR sequence that starts colour c, and the one that ends it: ""
 * both while colour is off */
const char *out_sgr(enum out_color c);
const char *out_sgr_end(void);
enum out_color out_color_of_severity(enum vtd_severity s);
/* A finding line's start: two blanks and the severity in its colour,
 * padded to its column outside the colour; the columns that show. */
int out_severity_cell(FILE *f, enum vtd_severity s);

#endif
