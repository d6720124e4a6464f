/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vtdctl: the model's VMM facts: the VMM's version and the vIOMMU's options
 * (JSON source.vmm), filled by src/vmm/vmm.c. */
#ifndef VTDCTL_MODEL_VMM_H
#define VTDCTL_MODEL_VMM_H

#include <stdbool.h>

#define VTD_VMM_MAX_PROPS 32

struct vtd_vmm_prop {
	char name[32];
	char value[64];
	bool is_bool, is_int;
};

struct vtd_vmm {
	bool known;		/* false: no monitor (a dump, --no-monitor) */
	char version[32];	/* "7.2.22" */
	char package[128];	/* distribution's package string */
	bool iommu_found;	/* an intel-iommu device in `info qtree` */
	char run_state[24];	/* query-status: "running", "paused", ...; "" unknown */
	struct vtd_vmm_prop props[VTD_VMM_MAX_PROPS];
	unsigned nr_props;
};

#endif
