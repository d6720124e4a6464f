/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the VMM's version and the vIOMMU's options (JSON source.vmm). */
#ifndef VTDCTL_VMM_H
#define VTDCTL_VMM_H

#include <stdbool.h>
#include "model/vmm.h"

struct json_object;
struct vtd_source;

/* 0 (also when nothing can be known) or a negative errno (transport). */
int vtd_vmm_collect(struct vtd_source *src, struct vtd_vmm *v);
/* For tests: the intel-iommu options from `info qtree` text. */
void vtd_vmm_parse_qtree(const char *text, struct vtd_vmm *v);

#endif
