/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: read the IOMMU register file through a source. */
#ifndef VTDCTL_WALKER_REGFILE_H
#define VTDCTL_WALKER_REGFILE_H

#include "vtd/regs.h"

struct vtd_source;

/* 0 (also for a source without registers: valid stays false), or -errno. */
int vtd_read_regfile(struct vtd_source *src, struct vtd_regfile *rf);

#endif
