/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: renderers for `regs` and `faults`. */
#ifndef VTDCTL_OUTPUT_REGS_H
#define VTDCTL_OUTPUT_REGS_H

#include <stdio.h>

#include "vtd/faults.h"
#include "vtd/regdesc.h"

struct json_object;

void text_regs(FILE *f, const struct vtd_regfile *rf,
	       const struct vtd_reg_value *regs, unsigned n, int verbose);
struct json_object *json_regs(const struct vtd_regfile *rf,
			      const struct vtd_reg_value *regs, unsigned n);
void text_faults(FILE *f, const struct vtd_faults *x, int verbose);
struct json_object *json_faults(const struct vtd_faults *x);

#endif
