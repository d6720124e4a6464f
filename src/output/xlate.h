/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: renderers of one page walk (vtdctl xlate). */
#ifndef VTDCTL_OUTPUT_XLATE_H
#define VTDCTL_OUTPUT_XLATE_H

#include <stdio.h>

#include "output/output.h"
#include "walker/xlate.h"

/* {"xlate": {...}}; the caller owns the result */
struct json_object *json_xlate(const struct vtd_xlate *x);
/* One line per level, aligned; -v adds the decoded bits */
void text_xlate(FILE *f, const struct vtd_xlate *x, const struct out_opts *o);

#endif
